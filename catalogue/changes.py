"""Price changes: recorded by each refresh, shown by `mlx catalogue diff`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select

from mlx_deploy.catalogue.models import Price, PriceChange, RefreshRun
from mlx_deploy.catalogue.publish import _bulk_insert  # the shared fast path for 10^5 rows
from mlx_deploy.catalogue.rows import ProviderRows

PriceKey = tuple[str, str | None, str, str]  # region, zone, instance type, purchase option


def current_prices(engine: Engine, provider: str, regions: list[str] | None = None) -> dict[PriceKey, float]:
    query = select(Price.region, Price.zone, Price.instance_type, Price.purchase_option, Price.usd_per_hour).where(
        Price.provider == provider
    )
    if regions is not None:
        query = query.where(Price.region.in_(regions))
    with engine.connect() as conn:
        rows = conn.execute(query).all()  # fetchall: row-by-row iteration costs more than the query
    return {(region, zone, name, option): usd for region, zone, name, option, usd in rows}


def compare(old: dict[PriceKey, float], batch: ProviderRows) -> list[tuple[PriceKey, float | None, float | None]]:
    """(key, old price, new price) for every added, removed or changed price."""
    new = {(row.region, row.zone, row.instance_type, row.purchase_option): row.usd_per_hour for row in batch.prices}
    changes = [(key, old.get(key), price) for key, price in new.items() if old.get(key) != price]
    changes += [(key, price, None) for key, price in old.items() if key not in new]
    return changes


def recorder(old: dict[PriceKey, float]):  # noqa: ANN201 - publish's before_commit callback
    """A before_commit callback that writes the run's price changes in the publish transaction."""

    def record(conn: Connection, run_id: int, batch: ProviderRows) -> None:
        found = compare(old, batch)
        columns = {
            "refresh_run_id": [run_id] * len(found),
            "provider": [batch.provider] * len(found),
            "region": [key[0] for key, _before, _after in found],
            "zone": [key[1] for key, _before, _after in found],
            "instance_type": [key[2] for key, _before, _after in found],
            "purchase_option": [key[3] for key, _before, _after in found],
            "old_usd_per_hour": [before for _key, before, _after in found],
            "new_usd_per_hour": [after for _key, _before, after in found],
        }
        if found:
            _bulk_insert(conn, PriceChange.__table__, columns)

    return record


@dataclass(frozen=True)
class Change:
    region: str
    zone: str | None
    instance_type: str
    purchase_option: str
    old_usd_per_hour: float | None
    new_usd_per_hour: float | None

    @property
    def kind(self) -> str:
        if self.old_usd_per_hour is None:
            return "added"
        if self.new_usd_per_hour is None:
            return "removed"
        return "changed"

    @property
    def relative(self) -> float | None:
        if self.kind != "changed" or not self.old_usd_per_hour:
            return None
        return (self.new_usd_per_hour - self.old_usd_per_hour) / self.old_usd_per_hour

    def as_dict(self) -> dict:
        return {**asdict(self), "kind": self.kind, "relative_change": self.relative}


@dataclass(frozen=True)
class Diff:
    provider: str
    run_id: int | None
    finished_at: datetime | None
    source: str | None
    changed: int
    added: int
    removed: int
    largest: list[Change]


def diff(engine: Engine, provider: str, limit: int = 20) -> Diff:
    """The largest price changes of the provider's last successful refresh against the one before."""
    with engine.connect() as conn:
        run = conn.execute(
            select(RefreshRun.id, RefreshRun.finished_at, RefreshRun.source)
            .where(RefreshRun.provider == provider, RefreshRun.status == "succeeded")
            .order_by(RefreshRun.finished_at.desc(), RefreshRun.id.desc())
            .limit(1)
        ).first()
        if run is None:
            return Diff(provider, None, None, None, 0, 0, 0, [])
        counts = _counts(conn, run.id)
        changed = conn.execute(
            select(*_CHANGE_COLUMNS)
            .where(PriceChange.refresh_run_id == run.id)
            .where(PriceChange.old_usd_per_hour.is_not(None), PriceChange.new_usd_per_hour.is_not(None))
            .order_by(func.abs(PriceChange.new_usd_per_hour - PriceChange.old_usd_per_hour).desc())
            .limit(limit)
        )
        largest = [Change(*row) for row in changed]
    return Diff(provider, run.id, run.finished_at, run.source, counts["changed"], counts["added"], counts["removed"], largest)


_CHANGE_COLUMNS = (
    PriceChange.region,
    PriceChange.zone,
    PriceChange.instance_type,
    PriceChange.purchase_option,
    PriceChange.old_usd_per_hour,
    PriceChange.new_usd_per_hour,
)


def _counts(conn: Connection, run_id: int) -> dict[str, int]:
    rows = conn.execute(
        select(
            func.count().filter(PriceChange.old_usd_per_hour.is_(None)),
            func.count().filter(PriceChange.new_usd_per_hour.is_(None)),
            func.count(),
        ).where(PriceChange.refresh_run_id == run_id)
    ).one()
    added, removed, total = rows
    return {"added": added, "removed": removed, "changed": total - added - removed}
