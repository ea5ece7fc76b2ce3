"""How fresh each provider's prices are, for warnings in quotes and `status`.

Import-light (SQLAlchemy only inside `stale_providers`): the quote path reads the threshold.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from mlx_deploy.orchestrator.errors import ConfigError

STALE_AFTER_ENV = "MLX_STALE_AFTER"
DEFAULT_STALE_AFTER = timedelta(days=7)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str, what: str = "duration") -> timedelta:
    """`30m`, `6h`, `7d`, `2w` -> timedelta; ConfigError otherwise."""
    match = _DURATION.match(text or "")
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"{what} {text!r} is not a duration", "Use a number and a unit, e.g. 30m, 6h, 7d or 2w.")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])


def stale_after() -> timedelta:
    """The age past which prices count as stale: MLX_STALE_AFTER, else 7 days."""
    text = os.environ.get(STALE_AFTER_ENV)
    return parse_duration(text, STALE_AFTER_ENV) if text else DEFAULT_STALE_AFTER


@dataclass(frozen=True)
class Staleness:
    provider: str
    as_of: datetime | None  # the older of newest price and last successful refresh; None: never refreshed
    age: timedelta | None

    def warning(self) -> str:
        if self.age is None:
            return f"{self.provider} prices have no recorded refresh; run `mlx catalogue refresh --provider {self.provider}`"
        days = self.age.total_seconds() / 86400
        return (
            f"{self.provider} prices are {days:.1f} days old; "
            f"run `mlx catalogue refresh --provider {self.provider}` (or `mlx catalogue schedule`)"
        )


def stale_providers(engine, max_age: timedelta | None = None, now: datetime | None = None) -> list[Staleness]:
    """Providers with prices whose age passes max_age.

    A provider's age is that of its newest price observation or of its last
    successful refresh, whichever is older: loading a months-old snapshot
    today does not make its prices fresh.
    """
    from sqlalchemy import func, select

    from mlx_deploy.catalogue.models import Price, RefreshRun

    max_age = max_age or stale_after()
    now = now or datetime.now(timezone.utc)
    with engine.connect() as conn:
        observed = dict(conn.execute(select(Price.provider, func.max(Price.observed_at)).group_by(Price.provider)).all())
        latest = dict(
            conn.execute(
                select(RefreshRun.provider, func.max(RefreshRun.finished_at))
                .where(RefreshRun.status == "succeeded")
                .group_by(RefreshRun.provider)
            ).all()
        )
    result = []
    for provider in sorted(observed):
        moments = [_utc(m) for m in (latest.get(provider), observed[provider]) if m is not None]
        moment = min(moments) if latest.get(provider) is not None else None
        age = None if moment is None else now - moment
        if age is None or age > max_age:
            result.append(Staleness(provider, moment, age))
    return result


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
