"""`mlx deploy`, `mlx status`, `mlx teardown`. Thin: options -> orchestrator.deploy -> render."""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Optional

import typer

from mlx_deploy.orchestrator.errors import ConfigError

CATALOGUE_HELP = "Catalogue URL holding prices and deployment records (default: MLX_CATALOGUE_URL or the embedded SQLite file)."


def register(app: typer.Typer) -> None:
    app.command("deploy")(deploy_command)
    app.command("status")(status_command)
    app.command("teardown")(teardown_command)


def deploy_command(
    model_file: Path = typer.Argument(..., metavar="MODEL_YAML", help="The model.yaml to deploy."),
    cheapest: bool = typer.Option(False, "--cheapest", help="Deploy where it is cheapest all-in (the default)."),
    provider: Optional[str] = typer.Option(None, "--provider", help="Pin the cloud (or `local` for this machine)."),
    region: Optional[str] = typer.Option(None, "--region", help="Pin the region."),
    instance_type: Optional[str] = typer.Option(None, "--instance-type", help="Pin the instance type."),
    name: Optional[str] = typer.Option(None, "--name", help="Deployment name (default: the profile's name)."),
    ttl: Optional[str] = typer.Option(None, "--ttl", help="Record an expiry, e.g. 8h, 30m, 2d (see teardown --all-expired)."),
    max_attempts: int = typer.Option(3, "--max-attempts", min=1, help="Candidates to try when capacity runs out."),
    health_timeout: float = typer.Option(120.0, "--health-timeout", min=0, help="Seconds to wait for the endpoint."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Render the workspace and show the plan; create nothing."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    as_json: bool = typer.Option(False, "--json", help="Print the deployment record as JSON."),
    catalogue: Optional[str] = typer.Option(None, "--catalogue", help=CATALOGUE_HELP),
) -> None:
    """Deploy a model where it runs cheapest, falling back to the next candidate on capacity errors."""
    from mlx_deploy.orchestrator.deploy.choose import choose_candidates
    from mlx_deploy.orchestrator.deploy.engine import DeployRequest, deploy
    from mlx_deploy.orchestrator.profile import load_profile
    from mlx_deploy.orchestrator.render import console

    if cheapest and instance_type:
        raise ConfigError("--cheapest and --instance-type exclude each other", "Pick one.")
    profile = load_profile(model_file)
    candidates = choose_candidates(
        profile, provider=provider, region=region, instance_type=instance_type, catalogue_url=catalogue, limit=max_attempts
    )
    request = DeployRequest(
        model_file=model_file, profile=profile, candidates=candidates, name=name or profile.name,
        ttl=parse_ttl(ttl) if ttl else None, max_attempts=max_attempts, health_timeout=health_timeout,
        catalogue_url=catalogue,
    )  # fmt: skip
    err = console(stderr=True)
    _show_candidates(err, request)
    if dry_run:
        from mlx_deploy.orchestrator.deploy.engine import dry_run as run_dry

        workspace, plan = run_dry(request)
        err.print(f"Workspace rendered at {workspace.path}; nothing was created.")
        typer.echo(plan)
        return
    if not yes:
        if not sys.stdin.isatty():
            raise ConfigError("deploy needs confirmation but stdin is not a terminal", "Pass --yes to deploy anyway.")
        typer.confirm(f"Deploy {request.name}?", abort=True)
    record = deploy(request, progress=lambda message: err.print(f"mlx: {message}"))
    if as_json:
        from mlx_deploy.orchestrator.render import print_json

        print_json("deployment", _record_json(record))
        return
    typer.echo(f"{record.name} is running at {record.endpoint}")


def _show_candidates(err, request) -> None:  # noqa: ANN001
    first = request.candidates[0]
    err.print(
        f"{request.name}: {first.provider} {first.region} {first.instance_type} x{first.nodes} "
        f"({first.purchase_option}), all-in ${first.allin_usd_per_hour:,.4f}/h, ${first.allin_usd_per_month:,.2f}/month"
    )
    for number, other in enumerate(request.candidates[1:], start=2):
        err.print(f"  fallback {number}: {other.provider} {other.region} {other.instance_type} ${other.allin_usd_per_hour:,.4f}/h")


def status_command(
    name: Optional[str] = typer.Argument(None, help="One deployment (default: every live one)."),
    all_: bool = typer.Option(False, "--all", help="Include destroyed deployments."),
    as_json: bool = typer.Option(False, "--json", help="JSON envelope."),
    catalogue: Optional[str] = typer.Option(None, "--catalogue", help=CATALOGUE_HELP),
) -> None:
    """Deployments with status, endpoint, health, age, cost so far and expiry."""
    from mlx_deploy.orchestrator.deploy.status import status_rows
    from mlx_deploy.orchestrator.render import age, console, print_json, table

    rows = status_rows(name, include_destroyed=all_ or name is not None, catalogue_url=catalogue)
    if as_json:
        print_json("deployments", [row.as_json() for row in rows])
        return
    if not rows:
        hint = "" if all_ else " (`mlx status --all` includes destroyed ones)"
        print(f"No deployments{hint}. Start one with `mlx deploy model.yaml --cheapest`.")
        return
    columns = ("name", "status", "provider", "region", "instance type", "endpoint", "health", "age", "$ so far", "expires")
    cells = [
        (r.name, r.status, r.provider, r.region, r.instance_type, r.endpoint, r.health, age(r.created_at),
         r.cost_so_far_usd, r.expires_at)
        for r in rows
    ]  # fmt: skip
    out = console()
    out.print(table(None, columns, cells))
    for row in rows:
        if row.error and row.status != "destroyed":
            out.print(f"{row.name}: {row.error}")
        if row.status == "interrupted":
            out.print(f"{row.name}: mlx stopped while {row.recorded_status}; run `mlx teardown {row.name}` to remove it.")


def teardown_command(
    name: Optional[str] = typer.Argument(None, help="The deployment to destroy."),
    all_expired: bool = typer.Option(False, "--all-expired", help="Destroy every deployment whose --ttl has passed; no confirmation (the --ttl was it), so cron can run it."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (required without a terminal)."),
    catalogue: Optional[str] = typer.Option(None, "--catalogue", help=CATALOGUE_HELP),
) -> None:
    """Destroy a deployment and everything it created; a second teardown is a no-op."""
    from mlx_deploy.orchestrator.deploy.engine import expired, teardown
    from mlx_deploy.orchestrator.errors import MlxError
    from mlx_deploy.orchestrator.render import console

    if (name is None) == (not all_expired):
        raise ConfigError("give a deployment NAME or --all-expired", "e.g. `mlx teardown my-model`.")
    # --all-expired needs no --yes: the --ttl given at deploy time is the consent,
    # and a scheduled sweep has no terminal to ask on.
    if name and not yes:
        _confirm_teardown(name, catalogue)
    names = expired(catalogue) if all_expired else [name]
    err = console(stderr=True)
    failures = []
    for each in names:
        try:
            record = teardown(each, catalogue, progress=lambda message: err.print(f"mlx: {message}"))
        except MlxError as exc:
            if not all_expired:
                raise
            failures.append(f"{each}: {exc.one_line()}")
            continue
        typer.echo(f"{record.name} is destroyed")
    if all_expired and not names:
        typer.echo("no expired deployments")
    if failures:
        from mlx_deploy.orchestrator.errors import DeployError

        raise DeployError(f"{len(failures)} teardown(s) failed: " + " | ".join(failures), "Run `mlx teardown NAME` on each.")


def _confirm_teardown(name: str, catalogue: str | None) -> None:
    """Ask before destroying a live deployment, like deploy asks before creating one."""
    from mlx_deploy.orchestrator.deploy.engine import to_destroy

    record = to_destroy(name, catalogue)
    if record is None:
        return  # already destroyed: the teardown is a no-op
    if not sys.stdin.isatty():
        raise ConfigError(f"teardown of {name} needs confirmation but stdin is not a terminal", "Pass --yes to destroy it anyway.")
    where = " ".join(part for part in (record.provider, record.region, record.instance_type) if part) or "nothing chosen yet"
    typer.confirm(f"Destroy {name} ({where}, {record.status}) and everything it created?", abort=True)


def parse_ttl(text: str) -> timedelta:
    """`8h`, `30m`, `2d`, `1h30m` -> timedelta."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+)\s*([dhms])", text.strip().lower())
    if not parts or re.sub(r"[\d\sdhms]", "", text.lower()) or "".join(n + u for n, u in parts) != re.sub(r"\s", "", text.lower()):
        raise ConfigError(f"--ttl {text!r} is not a duration", "Write e.g. 8h, 30m, 2d or 1h30m.")
    seconds = sum(int(number) * units[unit] for number, unit in parts)
    if seconds <= 0:
        raise ConfigError("--ttl must be longer than zero", "Write e.g. 8h.")
    return timedelta(seconds=seconds)


def _record_json(record) -> dict:  # noqa: ANN001
    from dataclasses import asdict

    return asdict(record)
