"""`mlx catalogue refresh`: fetch, parse, check and publish each provider's prices.

Per provider all-or-nothing: any failure (API error, bad page, the sanity
gate) leaves that provider's previous prices exactly as they were and records
a failed run with its error. One refresh at a time: a lock file under the data
dir; every run appends to logs/refresh.log.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Engine, select, update

from mlx_deploy.catalogue import changes, gate
from mlx_deploy.catalogue.models import InstanceType, RefreshRun
from mlx_deploy.catalogue.publish import fail_run, publish, start_run
from mlx_deploy.catalogue.rows import InstanceTypeRow
from mlx_deploy.orchestrator import paths
from mlx_deploy.orchestrator.errors import MlxError, RefreshError
from mlx_deploy.providers.base import get_provider
from mlx_deploy.providers.raw import FetchRequest, Progress, no_progress

SOURCE_PREFIX = "refresh: "
LOCK_NAME = "catalogue-refresh.lock"
LOG_NAME = "refresh.log"


@dataclass(frozen=True)
class RefreshOptions:
    providers: tuple[str, ...]
    regions: tuple[str, ...] | None = None
    force: bool = False
    max_drop_share: float = gate.DEFAULT_MAX_DROP_SHARE


@dataclass
class ProviderResult:
    provider: str
    status: str  # published, skipped, failed, refused
    reason: str | None = None
    run_id: int | None = None
    prices: int = 0
    instance_types: int = 0
    regions: int = 0
    changed: int = 0
    dropped_invalid: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("published", "skipped")

    def as_dict(self) -> dict:
        return asdict(self)


def refresh(engine: Engine, options: RefreshOptions, progress: Progress = no_progress) -> list[ProviderResult]:
    """Refresh each provider in turn; a failed provider never stops the next one."""
    with refresh_lock():
        abandon_dead_runs(engine)
        results = [refresh_provider(engine, name, options, progress) for name in options.providers]
    for result in results:
        log(result)
    return results


def refresh_provider(engine: Engine, name: str, options: RefreshOptions, progress: Progress) -> ProviderResult:
    started = time.monotonic()
    provider = get_provider(name)
    try:
        problem = provider.credentials_problem()
    except Exception as exc:  # noqa: BLE001 - e.g. a broken credentials file
        problem = f"{name} credentials could not be checked ({type(exc).__name__}: {exc})"
    if problem:
        return ProviderResult(name, "skipped", problem)
    workdir = raw_dir(name)
    run_source = SOURCE_PREFIX + name
    try:
        request = FetchRequest(workdir, options.regions, progress, known_instance_types(engine, name))
        raw = provider.fetch(request)
        run_source = SOURCE_PREFIX + raw.source
        batch = provider.parse(raw)
        result = _check_and_publish(engine, batch, run_source, options)
    except MlxError as exc:
        result = _failed(engine, name, run_source, exc.message, "failed")
    except Exception as exc:  # noqa: BLE001 - a bug in one scraper must not stop the others
        result = _failed(engine, name, run_source, f"{type(exc).__name__}: {exc}", "failed")
    result.seconds = round(time.monotonic() - started, 2)
    if result.status == "published":
        shutil.rmtree(workdir / name, ignore_errors=True)  # offer files are large; failures keep theirs
    return result


def _check_and_publish(engine: Engine, batch, source: str, options: RefreshOptions) -> ProviderResult:  # noqa: ANN001
    scope = list(options.regions) if options.regions else None
    report = gate.check(batch, changes.previous_count(engine, batch.provider, scope), options.max_drop_share)
    if not report.passed and not options.force:
        reason = "refused by the sanity gate: " + "; ".join(report.problems) + " (use --force to publish anyway)"
        return _failed(engine, batch.provider, source, reason, "refused")
    clean = gate.without_invalid(batch)
    try:
        run_id = publish(engine, clean, source, regions_in_scope=scope, record_changes=True)
    except RefreshError as exc:  # publish has already recorded its run as failed
        return ProviderResult(batch.provider, "failed", exc.message)
    return ProviderResult(
        batch.provider,
        "published",
        run_id=run_id,
        prices=len(clean.prices),
        instance_types=len(clean.instance_types),
        regions=len({row.region for row in clean.prices}),
        changed=changes.run_change_count(engine, run_id),
        dropped_invalid=report.invalid_rows,
        warnings=list(report.problems),
    )


def _failed(engine: Engine, name: str, source: str, reason: str, status: str) -> ProviderResult:
    run_id = start_run(engine, name, source)
    fail_run(engine, run_id, reason)
    return ProviderResult(name, status, reason, run_id=run_id)


def known_instance_types(engine: Engine, provider: str) -> tuple[InstanceTypeRow, ...]:
    columns = [column for column in InstanceType.__table__.columns if column.key not in ("id",)]
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).where(InstanceType.provider == provider)).mappings()
        return tuple(InstanceTypeRow(**row) for row in rows)


def abandon_dead_runs(engine: Engine) -> None:
    """Runs still `running` while we hold the lock belong to a refresh that was killed."""
    with engine.begin() as conn:
        conn.execute(
            update(RefreshRun)
            .where(RefreshRun.status == "running", RefreshRun.source.like(SOURCE_PREFIX + "%"))
            .values(status="failed", finished_at=datetime.now(timezone.utc), error="abandoned: the refresh process stopped before finishing")
        )


def raw_dir(provider: str):  # noqa: ANN201 - Path
    """The work directory fetches save into (as <dir>/<provider>/), emptied first."""
    path = paths.home() / "refresh-raw" / provider
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path.parent


@contextmanager
def refresh_lock() -> Iterator[None]:
    """Exclusive, non-blocking: a second refresh fails at once instead of queueing."""
    path = paths.locks_dir() / LOCK_NAME
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RefreshError(
                f"another catalogue refresh is running ({holder})",
                "Wait for it to finish, or check `mlx catalogue status`; refreshes never overlap.",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def log_path():  # noqa: ANN201 - Path
    return paths.logs_dir() / LOG_NAME


def log(result: ProviderResult) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    detail = result.reason or f"{result.prices} prices, {result.changed} changes"
    with open(log_path(), "a", encoding="utf-8") as handle:
        handle.write(f"{stamp} {result.provider} {result.status} run={result.run_id} {result.seconds}s {detail}\n")
