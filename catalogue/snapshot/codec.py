"""The bundled snapshot file: one gzip-compressed JSON document, compact and quick to load.

Layout (format 1)::

    {"format": 1, "built_at": ISO time,
     "providers": {"aws": {
         "source": {"repository", "path", "commit", "date", "licence", "observed_at", ...},
         "checks": {"dropped": {reason: count}, "flagged": [...]},
         "regions": [[code, display_name, continent, country], ...],
         "instance_types": [[name, vcpus, memory_gib, arch, gpu_model, gpu_count,
                             gpu_memory_gib, accelerator, local_disk_gib], ...],
         "zones": [zone, ...],
         "prices": {"region": [i, ...], "zone": [i or -1, ...], "type": [i, ...],
                    "spot": [0|1, ...], "usd": [price, ...]}}}}

Prices are columns of indexes into the region, zone and type lists: the
file stays small and json decodes plain int and float lists fast.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

from mlx_deploy.catalogue.models import ON_DEMAND, SPOT
from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow

FORMAT = 1
BUNDLED = Path(__file__).with_name("catalogue.json.gz")


def source_label(source: dict) -> str:
    """How a refresh run (and each of its prices) names the snapshot it came from."""
    return f"snapshot: {source['repository']} {source['path']} @{source['commit'][:8]}, {source['date']}"


def encode_provider(rows: ProviderRows, source: dict, checks: dict) -> dict:
    region_index = {row.code: i for i, row in enumerate(rows.regions)}
    type_index = {row.name: i for i, row in enumerate(rows.instance_types)}
    zones = sorted({price.zone for price in rows.prices if price.zone})
    zone_index = {zone: i for i, zone in enumerate(zones)}
    prices = sorted(rows.prices, key=lambda p: (p.region, p.instance_type, p.purchase_option, p.zone or ""))
    return {
        "source": source,
        "checks": checks,
        "regions": [[r.code, r.display_name, r.continent, r.country] for r in rows.regions],
        "instance_types": [
            [t.name, t.vcpus, t.memory_gib, t.arch, t.gpu_model, t.gpu_count, t.gpu_memory_gib, t.accelerator,
             t.local_disk_gib]
            for t in rows.instance_types
        ],
        "zones": zones,
        "prices": {
            "region": [region_index[p.region] for p in prices],
            "zone": [zone_index[p.zone] if p.zone else -1 for p in prices],
            "type": [type_index[p.instance_type] for p in prices],
            "spot": [1 if p.purchase_option == SPOT else 0 for p in prices],
            "usd": [p.usd_per_hour for p in prices],
        },
    }


def write(path: Path, document: dict) -> None:
    """Write deterministically (no gzip timestamp), so a rebuild of the same sources is byte-identical
    apart from `built_at`."""
    payload = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as out:
        out.write(payload)


def read(path: Path = BUNDLED) -> dict:
    with gzip.open(path, "rb") as handle:
        document = json.loads(handle.read())
    if document.get("format") != FORMAT:
        raise ValueError(f"{path}: snapshot format {document.get('format')!r}, expected {FORMAT}")
    return document


def decode_provider(provider: str, data: dict, observed_at: datetime) -> ProviderRows:
    regions = [RegionRow(provider, *values) for values in data["regions"]]
    types = [InstanceTypeRow(provider, *values) for values in data["instance_types"]]
    region_codes = [row.code for row in regions]
    type_names = [row.name for row in types]
    zones = [*data["zones"], None]  # index -1: no zone
    columns = data["prices"]
    options = (ON_DEMAND, SPOT)
    prices = [
        PriceRow(provider, region_codes[region], type_names[type_], options[spot], usd, zones[zone], "linux", observed_at)
        for region, zone, type_, spot, usd in zip(
            columns["region"], columns["zone"], columns["type"], columns["spot"], columns["usd"]
        )
    ]
    return ProviderRows(provider, regions, types, prices)
