"""Replace a provider's prices by writing only what changed.

A refresh usually finds most prices as they were. Deleting and re-inserting
10^5 rows maintains three indexes twice per row; instead the unchanged rows get
the new run, source and time in one UPDATE, changed prices are updated, gone
ones deleted and new ones inserted. The table ends exactly as a delete and
insert would leave it (only row ids of unchanged prices survive), inside the
caller's transaction, so readers still see old or new and never a mix.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, and_, bindparam, delete, select, update

from mlx_deploy.catalogue.models import Price
from mlx_deploy.catalogue.rows import ProviderRows

ID_CHUNK = 500  # ids per DELETE ... IN (...), under SQLite's variable limit


def replace_prices(
    conn: Connection,
    batch: ProviderRows,
    run_id: int,
    source: str,
    scope: list[str] | None,
    insert_rows: Callable[[Connection, ProviderRows, int, str], int],
) -> int | None:
    """Write `batch` over the provider's prices in `scope`; None when the batch
    does not suit this path (explicit observation times, duplicate keys), so the
    caller deletes and inserts instead."""
    prices = batch.prices
    if any(row.observed_at is not None for row in prices):
        return None
    keys = [(row.region, row.zone, row.instance_type, row.purchase_option, row.os) for row in prices]
    new = set(keys)
    existing = _existing(conn, batch.provider, scope)
    if existing is None or len(new) != len(keys):
        return None
    gone = [row_id for key, (row_id, _usd) in existing.items() if key not in new]
    changed, added = [], []
    for key, row in zip(keys, prices):
        old = existing.get(key)
        if old is None:
            added.append(row)
        elif old[1] != row.usd_per_hour:
            changed.append({"row_id": old[0], "usd": row.usd_per_hour})
    for start in range(0, len(gone), ID_CHUNK):
        conn.execute(delete(Price).where(Price.id.in_(gone[start : start + ID_CHUNK])))
    if changed:
        conn.execute(
            update(Price).where(Price.id == bindparam("row_id")).values(usd_per_hour=bindparam("usd")).execution_options(synchronize_session=False),
            changed,
        )
    conn.execute(
        update(Price)
        .where(_in_scope(batch.provider, scope))
        .values(observed_at=_now(), source=source, refresh_run_id=run_id)
    )
    if added:
        insert_rows(conn, ProviderRows(batch.provider, prices=added), run_id, source)
    return len(prices)


def _existing(conn: Connection, provider: str, scope: list[str] | None) -> dict[tuple, tuple[int, float]] | None:
    rows = conn.execute(
        select(Price.region, Price.zone, Price.instance_type, Price.purchase_option, Price.os, Price.id, Price.usd_per_hour)
        .where(_in_scope(provider, scope))
    ).all()  # fetchall: row-by-row iteration costs more than the query
    existing = {tuple(row[:5]): (row[5], row[6]) for row in rows}
    return existing if len(existing) == len(rows) else None


def _in_scope(provider: str, scope: list[str] | None):  # noqa: ANN202
    condition = Price.provider == provider
    return condition if scope is None else and_(condition, Price.region.in_(scope))


def _now():  # noqa: ANN202
    from mlx_deploy.catalogue.publish import utcnow

    return utcnow()
