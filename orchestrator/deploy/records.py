"""Deployment records: every deployment and attempt, in the catalogue database.

Each change commits at once, before the step it announces, so a crash at any
point leaves a record that says what may exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Engine, select

from mlx_deploy.catalogue.models import Deployment, DeploymentAttempt
from mlx_deploy.catalogue.store import session

PLANNING, APPLYING, RUNNING, FAILED, DESTROYING, DESTROYED = (
    "planning", "applying", "running", "failed", "destroying", "destroyed",
)  # fmt: skip
# Statuses of an operation in progress: with no lock held, it was interrupted.
IN_PROGRESS = frozenset({PLANNING, APPLYING, DESTROYING})


@dataclass(frozen=True)
class AttemptView:
    number: int
    provider: str
    region: str
    instance_type: str
    nodes: int
    purchase_option: str
    usd_per_hour: float
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    error: str | None


@dataclass(frozen=True)
class DeploymentView:
    """A deployment record as plain data, for the engine and the CLI."""

    id: int
    name: str
    model_file: str
    model_sha256: str
    provider: str | None
    region: str | None
    instance_type: str | None
    nodes: int | None
    purchase_option: str | None
    usd_per_hour: float | None
    status: str
    endpoint: str | None
    workspace: str
    error: str | None
    created_at: datetime
    updated_at: datetime
    running_since: datetime | None
    destroyed_at: datetime | None
    expires_at: datetime | None
    attempts: tuple[AttemptView, ...] = field(default=())


def now() -> datetime:
    return datetime.now(timezone.utc)


def open_records(url: str | None = None) -> Engine:
    from mlx_deploy.catalogue.store import open_catalogue

    return open_catalogue(url, load_snapshot=False)


def create(engine: Engine, *, name: str, model_file: str, model_sha256: str, expires_at: datetime | None) -> DeploymentView:
    moment = now()
    with session(engine) as sess:
        row = Deployment(
            name=name, model_file=model_file, model_sha256=model_sha256, status=PLANNING,
            workspace="", created_at=moment, updated_at=moment, expires_at=expires_at,
        )  # fmt: skip
        sess.add(row)
        sess.flush()
        from mlx_deploy.orchestrator.deploy.workspace import workspace_for

        row.workspace = str(workspace_for(name, row.id).path)
        return _view(row, [])


def update(engine: Engine, deployment_id: int, **changes) -> None:
    with session(engine) as sess:
        row = sess.get(Deployment, deployment_id)
        for key, value in changes.items():
            setattr(row, key, value)
        row.updated_at = now()


def start_attempt(engine: Engine, deployment_id: int, candidate) -> int:  # noqa: ANN001 - quote.Candidate
    """Record a new attempt on `candidate` and make it the deployment's target."""
    with session(engine) as sess:
        count = len(sess.scalars(select(DeploymentAttempt.id).where(DeploymentAttempt.deployment_id == deployment_id)).all())
        attempt = DeploymentAttempt(
            deployment_id=deployment_id, number=count + 1, provider=candidate.provider, region=candidate.region,
            instance_type=candidate.instance_type, nodes=candidate.nodes, purchase_option=candidate.purchase_option,
            usd_per_hour=candidate.allin_usd_per_hour, started_at=now(), outcome=APPLYING,
        )  # fmt: skip
        sess.add(attempt)
        row = sess.get(Deployment, deployment_id)
        row.provider, row.region, row.instance_type = candidate.provider, candidate.region, candidate.instance_type
        row.nodes, row.purchase_option = candidate.nodes, candidate.purchase_option
        row.usd_per_hour, row.status, row.updated_at = candidate.allin_usd_per_hour, APPLYING, now()
        sess.flush()
        return attempt.id


def finish_attempt(engine: Engine, attempt_id: int, outcome: str, error: str | None = None) -> None:
    with session(engine) as sess:
        attempt = sess.get(DeploymentAttempt, attempt_id)
        attempt.outcome, attempt.error, attempt.finished_at = outcome, error, now()


def active(engine: Engine, name: str) -> DeploymentView | None:
    """The newest record for `name` that is not destroyed, if any."""
    with session(engine) as sess:
        row = sess.scalars(
            select(Deployment)
            .where(Deployment.name == name, Deployment.status != DESTROYED)
            .order_by(Deployment.id.desc())
        ).first()
        return _view(row, _attempts(sess, row.id)) if row else None


def latest(engine: Engine, name: str) -> DeploymentView | None:
    with session(engine) as sess:
        row = sess.scalars(select(Deployment).where(Deployment.name == name).order_by(Deployment.id.desc())).first()
        return _view(row, _attempts(sess, row.id)) if row else None


def get(engine: Engine, deployment_id: int) -> DeploymentView:
    with session(engine) as sess:
        row = sess.get(Deployment, deployment_id)
        return _view(row, _attempts(sess, row.id))


def listing(engine: Engine, include_destroyed: bool = False) -> list[DeploymentView]:
    with session(engine) as sess:
        query = select(Deployment).order_by(Deployment.created_at, Deployment.id)
        if not include_destroyed:
            query = query.where(Deployment.status != DESTROYED)
        return [_view(row, _attempts(sess, row.id)) for row in sess.scalars(query)]


def _attempts(sess, deployment_id: int) -> list[DeploymentAttempt]:  # noqa: ANN001
    query = select(DeploymentAttempt).where(DeploymentAttempt.deployment_id == deployment_id)
    return list(sess.scalars(query.order_by(DeploymentAttempt.number)))


def _view(row: Deployment, attempts: list[DeploymentAttempt]) -> DeploymentView:
    names = [column.key for column in Deployment.__table__.columns]
    attempt_names = [name for name in AttemptView.__dataclass_fields__]
    return DeploymentView(
        **{name: getattr(row, name) for name in names},
        attempts=tuple(AttemptView(**{name: getattr(a, name) for name in attempt_names}) for a in attempts),
    )
