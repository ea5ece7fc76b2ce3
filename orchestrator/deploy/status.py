"""What `mlx status` shows: each deployment's state, health, age, cost so far, expiry."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from mlx_deploy.orchestrator.deploy import records
from mlx_deploy.orchestrator.deploy.health import probe
from mlx_deploy.orchestrator.deploy.locks import is_locked
from mlx_deploy.orchestrator.deploy.workspace import Workspace
from mlx_deploy.orchestrator.errors import DeployError
from mlx_deploy.orchestrator.render import as_utc

INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class StatusRow:
    name: str
    status: str  # the record's status, or "interrupted" when its operation died
    recorded_status: str
    provider: str | None
    region: str | None
    instance_type: str | None
    nodes: int | None
    endpoint: str | None
    health: str  # up, down: <why>, or -
    created_at: datetime
    usd_per_hour: float | None
    cost_so_far_usd: float | None
    expires_at: datetime | None
    error: str | None
    workspace: str
    attempts: tuple

    def as_json(self) -> dict:
        data = asdict(self)
        data["attempts"] = [asdict(a) for a in self.attempts]
        return data


def status_rows(name: str | None = None, *, include_destroyed: bool = False, check_health: bool = True,
                catalogue_url: str | None = None, moment: datetime | None = None) -> list[StatusRow]:  # fmt: skip
    engine = records.open_records(catalogue_url)
    moment = moment or records.now()
    if name is None:
        found = records.listing(engine, include_destroyed)
    else:
        record = records.active(engine, name) or records.latest(engine, name)
        if record is None:
            raise DeployError(f"no deployment named {name!r}", "See `mlx status` for the deployments mlx knows.")
        found = [record]
    return [_row(record, moment, check_health) for record in found]


def _row(record: records.DeploymentView, moment: datetime, check_health: bool) -> StatusRow:
    status = record.status
    if status in records.IN_PROGRESS and not is_locked(record.name):
        status = INTERRUPTED
    health = "-"
    if check_health and record.status == records.RUNNING and record.endpoint:
        path = Workspace(Path(record.workspace)).tfvars().get("health_path", "/")
        problem = probe(record.endpoint + path)
        health = "up" if problem is None else f"down: {problem}"
    return StatusRow(
        name=record.name, status=status, recorded_status=record.status, provider=record.provider,
        region=record.region, instance_type=record.instance_type, nodes=record.nodes, endpoint=record.endpoint,
        health=health, created_at=as_utc(record.created_at), usd_per_hour=record.usd_per_hour,
        cost_so_far_usd=_cost(record, moment), expires_at=as_utc(record.expires_at) if record.expires_at else None,
        error=record.error, workspace=record.workspace, attempts=record.attempts,
    )  # fmt: skip


def _cost(record: records.DeploymentView, moment: datetime) -> float | None:
    """Hours since the first apply started, until destroyed, at the recorded all-in price."""
    if record.usd_per_hour is None or not record.attempts:
        return None
    start = as_utc(record.attempts[0].started_at)
    end = as_utc(record.destroyed_at) if record.destroyed_at else moment
    return round(max((end - start).total_seconds(), 0.0) / 3600 * record.usd_per_hour, 4)
