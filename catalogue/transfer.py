"""Export the catalogue to CSV/JSON, and import such a file back, validated and atomic.

For air-gapped machines and custom price lists. An import replaces the prices
of every provider the file names, in one transaction; a single bad row stops it
before anything is written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, and_, select

from mlx_deploy.catalogue.models import PURCHASE_OPTIONS, InstanceType, Price, Region
from mlx_deploy.catalogue.publish import publish_all
from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow
from mlx_deploy.orchestrator.errors import ImportFileError
from mlx_deploy.providers.base import is_known, provider_names

EXPORT_SCHEMA = "mlx-catalogue-export/1"
PRICE_FIELDS = ("provider", "region", "zone", "instance_type", "purchase_option", "os", "usd_per_hour", "observed_at")
SPEC_FIELDS = (
    "vcpus",
    "memory_gib",
    "arch",
    "gpu_model",
    "gpu_count",
    "gpu_memory_gib",
    "accelerator",
    "local_disk_gib",
)
REGION_FIELDS = ("region_name", "continent", "country")
FIELDS = PRICE_FIELDS + SPEC_FIELDS + REGION_FIELDS + ("source",)
REQUIRED = ("provider", "region", "instance_type", "usd_per_hour", "vcpus", "memory_gib")
FIX = "Correct that row and import again; the catalogue was not changed."


def export_rows(engine: Engine) -> Iterator[dict]:
    type_join = and_(InstanceType.provider == Price.provider, InstanceType.name == Price.instance_type)
    region_join = and_(Region.provider == Price.provider, Region.code == Price.region)
    query = (
        select(
            *(getattr(Price, name) for name in PRICE_FIELDS),
            *(getattr(InstanceType, name) for name in SPEC_FIELDS),
            Region.display_name,
            Region.continent,
            Region.country,
            Price.source,
        )
        .join(InstanceType, type_join)
        .join(Region, region_join)
        .order_by(Price.provider, Price.region, Price.instance_type, Price.purchase_option, Price.zone)
    )
    with engine.connect() as conn:
        for row in conn.execute(query).yield_per(10_000):
            record = dict(zip(FIELDS, row))
            record["observed_at"] = _utc(record["observed_at"]).isoformat()
            yield record


def write_export(engine: Engine, out: IO[str], fmt: str) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for count, record in enumerate(export_rows(engine), start=1):
            writer.writerow(record)
        return count
    out.write(json.dumps({"schema": EXPORT_SCHEMA, "exported_at": _now().isoformat()})[:-1] + ', "rows": [\n')
    for count, record in enumerate(export_rows(engine), start=1):
        out.write((",\n" if count > 1 else "") + json.dumps(record))
    out.write("\n]}\n")
    return count


def import_file(engine: Engine, path: Path) -> dict[str, int]:
    """Validate every row of `path`, then publish it atomically. Returns rows per provider."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror}", "Check the path and try again.") from None
    records = list(_read_records(path, data))
    if not records:
        raise ImportFileError(f"{path} has no price rows", "Export a catalogue with `mlx catalogue export` for the format.")
    batches = _batches(path, records)
    source = f"import: {path.name} (sha256 {hashlib.sha256(data).hexdigest()[:12]})"
    publish_all(engine, list(batches.values()), source)
    return {name: len(batch.prices) for name, batch in batches.items()}


def _read_records(path: Path, data: bytes) -> Iterator[tuple[str, dict]]:
    """(location, record) pairs; location is `line N` for CSV, `row N` for JSON."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"{path} is not UTF-8 text", "Export it again as UTF-8 CSV or JSON.") from None
    if text.lstrip().startswith(("{", "[")):
        yield from _json_records(path, text)
    else:
        yield from _csv_records(path, text)


def _json_records(path: Path, text: str) -> Iterator[tuple[str, dict]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{path}: line {exc.lineno}: invalid JSON ({exc.msg})", FIX) from None
    rows = document.get("rows") if isinstance(document, dict) else document
    if not isinstance(rows, list):
        raise ImportFileError(f'{path}: expected a list of rows or {{"rows": [...]}}', FIX)
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise ImportFileError(f"{path}: row {index}: expected an object, got {type(row).__name__}", FIX)
        yield f"row {index}", row


def _csv_records(path: Path, text: str) -> Iterator[tuple[str, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or ())]
    if missing:
        raise ImportFileError(f"{path}: line 1: missing column(s) {', '.join(missing)}", FIX)
    for record in reader:
        if None in record:
            raise ImportFileError(f"{path}: line {reader.line_num}: more values than columns", FIX)
        yield f"line {reader.line_num}", record


def _batches(path: Path, records: list[tuple[str, dict]]) -> dict[str, ProviderRows]:
    batches: dict[str, ProviderRows] = {}
    specs: dict[tuple[str, str], InstanceTypeRow] = {}
    regions: dict[tuple[str, str], RegionRow] = {}
    seen: set[tuple] = set()
    for location, record in records:
        try:
            price, spec, region = _parse_record(record)
        except ValueError as exc:
            raise ImportFileError(f"{path}: {location}: {exc}", FIX) from None
        key = (price.provider, price.region, price.zone, price.instance_type, price.purchase_option, price.os)
        if key in seen:
            raise ImportFileError(f"{path}: {location}: duplicate price for {'/'.join(str(k) for k in key)}", FIX)
        seen.add(key)
        known = specs.setdefault((spec.provider, spec.name), spec)
        if known != spec:
            raise ImportFileError(
                f"{path}: {location}: specs of {spec.provider} {spec.name} differ from an earlier row", FIX
            )
        regions.setdefault((region.provider, region.code), region)
        batches.setdefault(price.provider, ProviderRows(price.provider)).prices.append(price)
    for (provider, _), spec in specs.items():
        batches[provider].instance_types.append(spec)
    for (provider, _), region in regions.items():
        batches[provider].regions.append(region)
    return batches


def _parse_record(record: dict) -> tuple[PriceRow, InstanceTypeRow, RegionRow]:
    for name in REQUIRED:
        if _blank(record.get(name)):
            raise ValueError(f"missing value for {name!r}")
    provider = _text(record["provider"])
    if not is_known(provider):
        raise ValueError(f"unknown provider {provider!r} (known: {', '.join(provider_names())})")
    option = _text(record.get("purchase_option")) or "on-demand"
    if option not in PURCHASE_OPTIONS:
        raise ValueError(f"purchase_option must be one of {', '.join(PURCHASE_OPTIONS)}, not {option!r}")
    name = _text(record["instance_type"])
    price = PriceRow(
        provider=provider,
        region=_text(record["region"]),
        zone=_text(record.get("zone")) or None,
        instance_type=name,
        purchase_option=option,
        os=_text(record.get("os")) or "linux",
        usd_per_hour=_number(record, "usd_per_hour", positive=True),
        observed_at=_moment(record.get("observed_at")),
    )
    spec = InstanceTypeRow(
        provider=provider,
        name=name,
        vcpus=_number(record, "vcpus", positive=True),
        memory_gib=_number(record, "memory_gib", positive=True),
        arch=_text(record.get("arch")) or None,
        gpu_model=_text(record.get("gpu_model")) or None,
        gpu_count=_optional_number(record, "gpu_count") or 0.0,
        gpu_memory_gib=_optional_number(record, "gpu_memory_gib"),
        accelerator=_text(record.get("accelerator")) or None,
        local_disk_gib=_optional_number(record, "local_disk_gib"),
    )
    region = RegionRow(
        provider=provider,
        code=price.region,
        display_name=_text(record.get("region_name")) or None,
        continent=_text(record.get("continent")) or None,
        country=_text(record.get("country")) or None,
    )
    return price, spec, region


def _number(record: dict, name: str, *, positive: bool = False) -> float:
    raw = record.get(name)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'greater than zero' if positive else 'zero or more'}, not {raw!r}")
    return value


def _optional_number(record: dict, name: str) -> float | None:
    return None if _blank(record.get(name)) else _number(record, name)


def _moment(raw) -> datetime | None:  # noqa: ANN001
    if _blank(raw):
        return None
    try:
        return _utc(datetime.fromisoformat(str(raw).strip()))
    except ValueError:
        raise ValueError(f"observed_at must be an ISO 8601 time, not {raw!r}") from None


def _blank(value) -> bool:  # noqa: ANN001
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:  # noqa: ANN001
    return "" if value is None else str(value).strip()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc)
