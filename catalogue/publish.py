"""Atomic publish: one provider's new rows replace its old ones in one transaction.

Readers see the old prices or the new ones, never a mix. A failure part-way
rolls everything back and leaves a failed refresh run with its error.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from operator import itemgetter

from sqlalchemy import Connection, Engine, delete, insert, select, update

from mlx_deploy.catalogue.models import InstanceType, Price, RefreshRun, Region
from mlx_deploy.catalogue import publish_diff
from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow
from mlx_deploy.orchestrator.errors import RefreshError

BATCH = 20_000
SQLITE_CACHE_KIB = 65_536


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def start_run(engine: Engine, provider: str, source: str) -> int:
    """Record a running refresh in its own transaction, so a failure can be recorded too."""
    with engine.begin() as conn:
        return conn.execute(
            insert(RefreshRun).values(
                provider=provider, source=source, started_at=utcnow(), status="running", rows_written=0
            )
        ).inserted_primary_key[0]


def fail_run(engine: Engine, run_id: int, error: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(RefreshRun)
            .where(RefreshRun.id == run_id)
            .values(status="failed", finished_at=utcnow(), error=error[:4000])
        )


def publish(
    engine: Engine,
    batch: ProviderRows,
    source: str,
    *,
    regions_in_scope: Iterable[str] | None = None,
    before_commit=None,  # noqa: ANN001 - callable(conn, run_id, batch), e.g. price-change recording
    record_changes: bool = False,
) -> int:
    """Replace the provider's prices (all, or only in `regions_in_scope`) with `batch`.

    Returns the refresh run id. Raises RefreshError, after recording the run as
    failed, when anything goes wrong; the previous prices are then untouched.
    `record_changes` writes a price_changes row per added, removed or changed price.
    """
    return publish_all(
        engine, [batch], source, regions_in_scope=regions_in_scope, before_commit=before_commit,
        record_changes=record_changes,
    )[batch.provider]


def publish_all(
    engine: Engine,
    batches: list[ProviderRows],
    source: str | Mapping[str, str],
    *,
    regions_in_scope: Iterable[str] | None = None,
    before_commit=None,  # noqa: ANN001
    record_changes: bool = False,
) -> dict[str, int]:
    """Publish several providers in ONE transaction: all of them or none.

    `source` is one label for all, or one per provider.
    """
    sources = source if isinstance(source, Mapping) else {batch.provider: source for batch in batches}
    run_ids = {batch.provider: start_run(engine, batch.provider, sources[batch.provider]) for batch in batches}
    scope = None if regions_in_scope is None else list(regions_in_scope)
    try:
        with _collector_paused(), engine.begin() as conn:
            _bulk_cache(conn)
            for batch in batches:
                run_id, label = run_ids[batch.provider], sources[batch.provider]
                _replace_provider(conn, batch, run_id, label, scope, before_commit, record_changes)
    except Exception as exc:
        for run_id in run_ids.values():
            fail_run(engine, run_id, f"{type(exc).__name__}: {exc}")
        if isinstance(exc, RefreshError):
            raise
        names = ", ".join(run_ids)
        labels = "; ".join(sorted(set(sources.values())))
        raise RefreshError(
            f"{names}: publishing {labels} failed ({type(exc).__name__}: {_short(exc)}); previous prices kept",
            "Fix the source data and try again; `mlx catalogue status` shows the failed run.",
        ) from exc
    return run_ids


@contextmanager
def _collector_paused() -> Iterator[None]:
    """10^5 new tuples set off Python's cycle collector dozens of times over
    objects that hold no cycles: about a tenth of a large publish."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _bulk_cache(conn: Connection) -> None:
    """SQLite's default 2 MB page cache thrashes while 10^5 rows go into three
    indexes; 64 MB saves about a quarter of a large publish's CPU time."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


def _replace_provider(conn, batch, run_id, source, scope, before_commit, record=False) -> None:  # noqa: ANN001
    _upsert_regions(conn, batch.provider, batch.regions)
    _upsert_instance_types(conn, batch.provider, batch.instance_types)
    written = publish_diff.replace_prices(conn, batch, run_id, source, scope, _insert_prices, record)
    if written is None:  # batches the diff path does not take: delete and insert
        old = publish_diff.price_map(conn, batch.provider, scope) if record else {}
        _delete_prices(conn, batch.provider, scope)
        written = _insert_prices(conn, batch, run_id, source)
        if record:
            publish_diff.record_changes(conn, run_id, batch.provider, publish_diff.compare(old, batch))
    if before_commit is not None:
        before_commit(conn, run_id, batch)
    conn.execute(
        update(RefreshRun)
        .where(RefreshRun.id == run_id)
        .values(status="succeeded", finished_at=utcnow(), rows_written=written)
    )


def _upsert_regions(conn: Connection, provider: str, rows: list[RegionRow]) -> None:
    existing = set(conn.scalars(select(Region.code).where(Region.provider == provider)))
    fresh = {row.code: row for row in rows}
    new = [_region_values(row) for code, row in fresh.items() if code not in existing]
    for chunk in _chunks(new):
        conn.execute(insert(Region), chunk)
    for code, row in fresh.items():
        if code in existing and (row.display_name or row.continent or row.country):
            conn.execute(
                update(Region)
                .where(Region.provider == provider, Region.code == code)
                .values(display_name=row.display_name, continent=row.continent, country=row.country)
            )


def _region_values(row: RegionRow) -> dict:
    return {
        "provider": row.provider,
        "code": row.code,
        "display_name": row.display_name,
        "continent": row.continent,
        "country": row.country,
    }


def _upsert_instance_types(conn: Connection, provider: str, rows: list[InstanceTypeRow]) -> None:
    existing = {
        name: tuple(values)
        for name, *values in conn.execute(
            select(InstanceType.name, *_SPEC_COLUMNS).where(InstanceType.provider == provider)
        )
    }
    fresh = {row.name: row for row in rows}
    new = [_type_values(row) for name, row in fresh.items() if name not in existing]
    for chunk in _chunks(new):
        conn.execute(insert(InstanceType), chunk)
    for name, row in fresh.items():
        values = _type_values(row)
        spec = tuple(values[column.key] for column in _SPEC_COLUMNS)
        if name in existing and existing[name] != spec:
            conn.execute(
                update(InstanceType)
                .where(InstanceType.provider == provider, InstanceType.name == name)
                .values({column.key: values[column.key] for column in _SPEC_COLUMNS})
            )


_SPEC_COLUMNS = (
    InstanceType.vcpus,
    InstanceType.memory_gib,
    InstanceType.arch,
    InstanceType.gpu_model,
    InstanceType.gpu_count,
    InstanceType.gpu_memory_gib,
    InstanceType.accelerator,
    InstanceType.local_disk_gib,
)


def _type_values(row: InstanceTypeRow) -> dict:
    return {
        "provider": row.provider,
        "name": row.name,
        "vcpus": row.vcpus,
        "memory_gib": row.memory_gib,
        "arch": row.arch,
        "gpu_model": row.gpu_model,
        "gpu_count": row.gpu_count,
        "gpu_memory_gib": row.gpu_memory_gib,
        "accelerator": row.accelerator,
        "local_disk_gib": row.local_disk_gib,
    }


def _delete_prices(conn: Connection, provider: str, regions: Iterable[str] | None) -> None:
    statement = delete(Price).where(Price.provider == provider)
    if regions is not None:
        statement = statement.where(Price.region.in_(list(regions)))
    conn.execute(statement)


# The key of ix_prices_order (provider is one per batch). Its leading column, the
# price, is the most random of the three index keys: rows inserted in this order
# append to that index instead of touching a page anywhere in it for each row,
# which takes about 40% off a large insert on SQLite.
_INDEX_ORDER = itemgetter(
    PriceRow._fields.index("usd_per_hour"),
    PriceRow._fields.index("purchase_option"),
    PriceRow._fields.index("instance_type"),
    PriceRow._fields.index("region"),
)


def _insert_prices(conn: Connection, batch: ProviderRows, run_id: int, source: str) -> int:
    if not batch.prices:
        return 0
    now, count = utcnow(), len(batch.prices)
    prices = sorted(batch.prices, key=_INDEX_ORDER)
    columns = {name: list(map(itemgetter(index), prices)) for index, name in enumerate(PriceRow._fields)}
    columns["observed_at"] = [moment or now for moment in columns["observed_at"]]
    columns["source"] = [source] * count
    columns["refresh_run_id"] = [run_id] * count
    return _bulk_insert(conn, Price.__table__, columns)


def _bulk_insert(conn: Connection, table, columns: dict[str, list]) -> int:  # noqa: ANN001
    """Insert columns of values through the driver's executemany, in the connection's transaction.

    For 10^5 rows SQLAlchemy's per-row parameter handling costs more than the
    insert itself, so values go to the driver as they are, after the column
    types' own bind conversions (e.g. datetimes to text on SQLite), computed
    once per distinct value.
    """
    dialect = conn.dialect
    names = list(columns)
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    values = [_converted(table.c[name].type, dialect, columns[name]) for name in names]
    if compiled.positional:
        order = [names.index(name) for name in compiled.positiontup]
        rows: list = list(zip(*(values[i] for i in order)))
    else:
        rows = [dict(zip(names, row)) for row in zip(*values)]
    for start in range(0, len(rows), BATCH):
        conn.exec_driver_sql(str(compiled), rows[start : start + BATCH])
    return len(rows)


def _converted(type_, dialect, values: list) -> list:  # noqa: ANN001
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return values
    distinct = set(values)
    if len(distinct) == 1 and None not in distinct:  # e.g. one publish time for every row
        return [process(values[0])] * len(values)
    cache = {value: process(value) for value in distinct if value is not None}
    return [cache.get(value) if value is not None else None for value in values]


def _chunks(items: Iterable[dict]) -> Iterable[list[dict]]:
    chunk: list[dict] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _short(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0][:300] if text else ""
