"""Price changes: recorded by each refresh (publish(..., record_changes=True)), shown by `mlx catalogue diff`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select

from mlx_deploy.catalogue.models import Price, PriceChange, RefreshRun

def previous_count(engine: Engine, provider: str, regions: list[str] | None = None) -> int:
    """How many prices the provider has now (in `regions`), for the sanity gate."""
    query = select(func.count()).select_from(Price).where(Price.provider == provider)
    if regions is not None:
        query = query.where(Price.region.in_(regions))
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def run_change_count(engine: Engine, run_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(PriceChange).where(PriceChange.refresh_run_id == run_id)).scalar_one()


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
