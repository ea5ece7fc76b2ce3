"""Replace a provider's prices by writing only what changed, and optionally
record those changes (price_changes rows, for `mlx catalogue diff`).

A refresh usually finds most prices as they were. Deleting and re-inserting
10^5 rows maintains three indexes twice per row; instead the unchanged rows get
the new run, source and time in one UPDATE, changed prices are updated, gone
ones deleted and new ones inserted. The table ends exactly as a delete and
insert would leave it (only row ids of unchanged prices survive), inside the
caller's transaction, so readers still see old or new and never a mix.
"""

from __future__ import annotations

from collections.abc import Callable

from operator import itemgetter

from sqlalchemy import Connection, Integer, and_, bindparam, delete, func, insert, literal, null, select, update

from mlx_deploy.catalogue.models import Price, PriceChange
from mlx_deploy.catalogue.rows import PriceRow, ProviderRows

ID_CHUNK = 500  # ids per DELETE ... IN (...), under SQLite's variable limit
Key = tuple  # (region, zone, instance type, purchase option, os)


key_of = itemgetter(*(PriceRow._fields.index(name) for name in ("region", "zone", "instance_type", "purchase_option", "os")))
"""The Key of a PriceRow, built in C: it runs once per price."""


def replace_prices(
    conn: Connection,
    batch: ProviderRows,
    run_id: int,
    source: str,
    scope: list[str] | None,
    insert_rows: Callable[[Connection, ProviderRows, int, str], int],
    record: bool = False,
) -> int | None:
    """Write `batch` over the provider's prices in `scope`; None when the batch
    does not suit this path (explicit observation times, duplicate keys), so the
    caller deletes and inserts instead."""
    prices = batch.prices
    if any(row.observed_at is not None for row in prices):
        return None
    keys = list(map(key_of, prices))
    new = set(keys)
    existing = existing_prices(conn, batch.provider, scope)
    if existing is None or len(new) != len(keys):
        return None
    gone = [(key, row_id, usd) for key, (row_id, usd) in existing.items() if key not in new]
    olds = list(map(existing.get, keys))
    added = [row for row, old in zip(prices, olds, strict=True) if old is None]
    changed = [
        {"row_id": old[0], "usd": row.usd_per_hour, "old": old[1], "key": key}
        for key, row, old in zip(keys, prices, olds, strict=True)
        if old is not None and old[1] != row.usd_per_hour
    ]
    ids = [row_id for _key, row_id, _usd in gone]
    for start in range(0, len(ids), ID_CHUNK):
        conn.execute(delete(Price).where(Price.id.in_(ids[start : start + ID_CHUNK])))
    if changed:
        statement = update(Price).where(Price.id == bindparam("row_id")).values(usd_per_hour=bindparam("usd"))
        conn.execute(statement, [{"row_id": c["row_id"], "usd": c["usd"]} for c in changed])
    conn.execute(
        update(Price).where(in_scope(batch.provider, scope)).values(observed_at=_now(), source=source, refresh_run_id=run_id)
    )
    if record:
        found = [(key, usd, None) for key, _id, usd in gone]
        found += [(c["key"], c["old"], c["usd"]) for c in changed]
        record_changes(conn, run_id, batch.provider, found)
    if added:
        last_id = conn.execute(select(func.max(Price.id))).scalar()
        insert_rows(conn, ProviderRows(batch.provider, prices=added), run_id, source)
        if record:
            record_added(conn, run_id, batch.provider, last_id)
    return len(prices)


def record_added(conn: Connection, run_id: int, provider: str, last_id: int | None) -> None:
    """A price_changes row for each price the run has just inserted (ids above `last_id`).

    Copied inside the database: binding 10^5 rows from Python again costs
    several times more. Ids only grow (SQLite's rowid is max + 1 here, and a
    PostgreSQL sequence never goes back), so the run's new prices are exactly its
    rows above the largest id before the insert.
    """
    copied = select(
        literal(run_id, Integer), Price.provider, Price.region, Price.zone, Price.instance_type,
        Price.purchase_option, null(), Price.usd_per_hour,
    ).where(Price.refresh_run_id == run_id, Price.provider == provider)
    if last_id is not None:
        copied = copied.where(Price.id > last_id)
    columns = ["refresh_run_id", "provider", "region", "zone", "instance_type", "purchase_option",
               "old_usd_per_hour", "new_usd_per_hour"]
    conn.execute(insert(PriceChange).from_select(columns, copied))


def existing_prices(conn: Connection, provider: str, scope: list[str] | None) -> dict[Key, tuple[int, float]] | None:
    """key -> (row id, price) of the provider's prices in scope; None if keys repeat."""
    query = select(
        Price.region, Price.zone, Price.instance_type, Price.purchase_option, Price.os, Price.id, Price.usd_per_hour
    ).where(in_scope(provider, scope))
    rows = conn.execute(query).cursor.fetchall()  # plain tuples: Row objects cost more than the query
    existing = {row[:5]: (row[5], row[6]) for row in rows}
    return existing if len(existing) == len(rows) else None


def price_map(conn: Connection, provider: str, scope: list[str] | None) -> dict[Key, float]:
    """key -> price of the provider's prices in scope (a repeated key: the last row)."""
    query = select(Price.region, Price.zone, Price.instance_type, Price.purchase_option, Price.os, Price.usd_per_hour)
    return {row[:5]: row[5] for row in conn.execute(query.where(in_scope(provider, scope))).cursor.fetchall()}


def compare(old: dict[Key, float], batch: ProviderRows) -> list[tuple[Key, float | None, float | None]]:
    """(key, old price, new price) for every added, removed or changed price (last duplicate wins)."""
    new = {key_of(row): row.usd_per_hour for row in batch.prices}
    found = [(key, old.get(key), price) for key, price in new.items() if old.get(key) != price]
    return found + [(key, price, None) for key, price in old.items() if key not in new]


def record_changes(conn: Connection, run_id: int, provider: str, found: list[tuple[Key, float | None, float | None]]) -> None:
    from mlx_deploy.catalogue.publish import _bulk_insert

    if not found:
        return
    columns = {
        "refresh_run_id": [run_id] * len(found),
        "provider": [provider] * len(found),
        "region": [key[0] for key, _old, _new in found],
        "zone": [key[1] for key, _old, _new in found],
        "instance_type": [key[2] for key, _old, _new in found],
        "purchase_option": [key[3] for key, _old, _new in found],
        "old_usd_per_hour": [old for _key, old, _new in found],
        "new_usd_per_hour": [new for _key, _old, new in found],
    }
    _bulk_insert(conn, PriceChange.__table__, columns)


def in_scope(provider: str, scope: list[str] | None):  # noqa: ANN201
    condition = Price.provider == provider
    return condition if scope is None else and_(condition, Price.region.in_(scope))


def _now():  # noqa: ANN202
    from mlx_deploy.catalogue.publish import utcnow

    return utcnow()
