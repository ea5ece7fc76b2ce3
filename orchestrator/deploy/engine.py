"""Deploy and tear down: candidates -> workspace -> Terraform -> record -> health.

Every step is recorded before it runs, under the deployment's lock, so a
crash leaves a record saying what may exist, and `teardown` can remove it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from mlx_deploy.orchestrator.deploy import records
from mlx_deploy.orchestrator.deploy.health import wait_healthy
from mlx_deploy.orchestrator.deploy.inputs import DeployContext
from mlx_deploy.orchestrator.deploy.locks import deployment_lock
from mlx_deploy.orchestrator.deploy.terraform import Runner, TerraformFailed, find_binary
from mlx_deploy.orchestrator.deploy.workspace import Workspace, render
from mlx_deploy.orchestrator.errors import DeployError, MlxError
from mlx_deploy.providers.base import get_provider

CAPACITY, FAILED, SUCCEEDED = "capacity", "failed", "succeeded"


@dataclass(frozen=True)
class DeployRequest:
    model_file: Path
    profile: object  # orchestrator.profile.Profile
    candidates: list  # [quote.Candidate], cheapest first
    name: str
    ttl: timedelta | None = None
    max_attempts: int = 3
    health_timeout: float = 120.0
    catalogue_url: str | None = None


def deploy(request: DeployRequest, progress=lambda message: None) -> records.DeploymentView:  # noqa: ANN001
    """Stand the model up on the first candidate that has capacity; the running record."""
    binary = find_binary()
    engine = records.open_records(request.catalogue_url)
    with deployment_lock(request.name, "deploy"):
        existing = records.active(engine, request.name)
        if existing is not None:
            raise DeployError(
                f"a deployment named {request.name!r} already exists ({existing.status})",
                f"Tear it down first (`mlx teardown {request.name}`) or deploy under another --name.",
            )
        expires = records.now() + request.ttl if request.ttl else None
        record = records.create(
            engine, name=request.name, model_file=str(request.model_file.resolve()),
            model_sha256=file_sha256(request.model_file), expires_at=expires,
        )  # fmt: skip
        try:
            return _attempts(engine, binary, record, request, progress)
        except BaseException as exc:
            if not isinstance(exc, MlxError):  # those are recorded where they happen
                records.update(engine, record.id, status=records.FAILED, error=f"interrupted: {type(exc).__name__}")
            raise


def _attempts(engine, binary, record, request: DeployRequest, progress) -> records.DeploymentView:  # noqa: ANN001
    workspace = Workspace(Path(record.workspace))
    tried = request.candidates[: request.max_attempts]
    for number, candidate in enumerate(tried, start=1):
        provider = get_provider(candidate.provider)
        attempt = records.start_attempt(engine, record.id, candidate)
        progress(f"attempt {number}/{len(tried)}: {candidate.provider} {candidate.region} {candidate.instance_type}")
        runner = Runner(binary, workspace.root, workspace.logs)
        try:
            _render(workspace, provider, candidate, request)
            runner.init()
            runner.apply()
        except TerraformFailed as exc:
            capacity = is_capacity_error(exc.output, provider.capacity_error_codes)
            records.finish_attempt(engine, attempt, CAPACITY if capacity else FAILED, exc.message)
            if not capacity or number == len(tried):
                records.update(engine, record.id, status=records.FAILED, error=exc.message)
                raise _apply_failed(exc, request.name, capacity) from None
            progress(f"no capacity ({exc.message}); removing what was created, trying the next candidate")
            records.update(engine, record.id, status=records.DESTROYING)
            _destroy(engine, runner, record.id)
            continue
        except MlxError as exc:  # bad inputs for this provider, a bad backend setting, ...
            records.finish_attempt(engine, attempt, FAILED, exc.message)
            records.update(engine, record.id, status=records.FAILED, error=exc.message)
            raise
        return _finish(engine, runner, record.id, attempt, request, progress)
    raise DeployError("no candidate to deploy to", "Check the profile with `mlx quote`.")


def _render(workspace: Workspace, provider, candidate, request: DeployRequest) -> None:  # noqa: ANN001
    context = DeployContext(request.name, request.model_file.resolve().parent, workspace.run_dir)
    render(workspace, provider.terraform_module, provider.tfvars(candidate, request.profile, context))


def _finish(engine, runner: Runner, deployment_id: int, attempt: int, request, progress) -> records.DeploymentView:  # noqa: ANN001
    endpoint = runner.outputs().get("endpoint_url") or None
    records.finish_attempt(engine, attempt, SUCCEEDED)
    records.update(engine, deployment_id, endpoint=endpoint)
    if endpoint:
        progress(f"waiting for {endpoint}{request.profile.health_path} to answer")
        problem = wait_healthy(endpoint + request.profile.health_path, request.health_timeout)
        if problem:
            error = f"the endpoint did not become healthy: {problem}"
            records.update(engine, deployment_id, status=records.FAILED, error=error)
            raise DeployError(error, f"Its resources still exist: check the model's logs, then `mlx teardown {request.name}`.")
    records.update(engine, deployment_id, status=records.RUNNING, running_since=records.now(), error=None)
    return records.get(engine, deployment_id)


def _destroy(engine, runner: Runner, deployment_id: int) -> None:  # noqa: ANN001
    try:
        runner.init()
        runner.destroy()
        left = runner.resources()
    except TerraformFailed as exc:
        records.update(engine, deployment_id, status=records.FAILED, error=f"destroy failed: {exc.message}")
        raise
    if left:
        error = f"destroy left {len(left)} resources in state: {', '.join(left[:5])}"
        records.update(engine, deployment_id, status=records.FAILED, error=error)
        raise DeployError(error, f"Inspect the workspace {runner.working_dir} and run `mlx teardown` again.")


def _apply_failed(exc: TerraformFailed, name: str, capacity: bool) -> DeployError:
    what = "no capacity on the last candidate tried" if capacity else f"terraform {exc.step} failed"
    return DeployError(
        f"{what}: {exc.message.split(': ', 1)[-1]}",
        f"Full log: {exc.log}. Resources may be partly created: run `mlx teardown {name}`.",
    )


def is_capacity_error(output: str, codes: frozenset[str]) -> bool:
    """True when Terraform's error names one of the provider's capacity or quota codes."""
    import re

    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(code)}(?![A-Za-z0-9_])", output) for code in codes)


def to_destroy(name: str, catalogue_url: str | None = None) -> records.DeploymentView | None:
    """The live record `teardown(name)` would destroy; None when it is already destroyed."""
    engine = records.open_records(catalogue_url)
    return _live_or_none(engine, name)[0]


def _live_or_none(engine, name: str) -> tuple[records.DeploymentView | None, records.DeploymentView]:  # noqa: ANN001
    """(live record or None, newest record); DeployError when mlx never deployed `name`."""
    last = records.latest(engine, name)
    if last is None:
        raise DeployError(f"no deployment named {name!r}", "See `mlx status` for the deployments mlx knows.")
    return records.active(engine, name), last


def teardown(name: str, catalogue_url: str | None = None, progress=lambda message: None) -> records.DeploymentView:  # noqa: ANN001
    """Destroy everything `name` created and mark it destroyed; a no-op when already destroyed."""
    engine = records.open_records(catalogue_url)
    with deployment_lock(name, "teardown"):
        record, last = _live_or_none(engine, name)
        if record is None:
            return last
        workspace = Workspace(Path(record.workspace))
        records.update(engine, record.id, status=records.DESTROYING)
        if workspace.exists():
            progress(f"destroying {name} ({record.provider or 'nothing chosen yet'})")
            _destroy(engine, Runner(find_binary(), workspace.root, workspace.logs), record.id)
        records.update(engine, record.id, status=records.DESTROYED, destroyed_at=records.now())
        return records.get(engine, record.id)


def expired(catalogue_url: str | None = None, moment: datetime | None = None) -> list[str]:
    """Names of live deployments whose --ttl has passed."""
    from mlx_deploy.orchestrator.render import as_utc

    moment = moment or records.now()
    engine = records.open_records(catalogue_url)
    return [d.name for d in records.listing(engine) if d.expires_at is not None and as_utc(d.expires_at) <= moment]


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dry_run(request: DeployRequest) -> tuple[Workspace, str]:
    """Render the first candidate's workspace and plan it; nothing is created or recorded."""
    from mlx_deploy.orchestrator import paths

    binary = find_binary()
    workspace = Workspace(paths.deployments_dir() / f"dry-run-{request.name}")
    candidate = request.candidates[0]
    _render(workspace, get_provider(candidate.provider), candidate, request)
    runner = Runner(binary, workspace.root, workspace.logs)
    try:
        runner.init()
        return workspace, runner.plan()
    except TerraformFailed as exc:  # its usual hint offers `mlx teardown`, but nothing exists to tear down
        raise DeployError(
            exc.message,
            f"Full log: {exc.log}. A dry run creates and records nothing: fix the cause and run it again.",
        ) from None
