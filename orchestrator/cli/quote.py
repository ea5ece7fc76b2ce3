"""`mlx quote`: where a model runs cheapest, all-in. Thin: options -> profile -> quote -> render."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from mlx_deploy.orchestrator.errors import ProfileError


def register(app: typer.Typer) -> None:
    app.command("quote")(quote_command)


def quote_command(
    profile_files: Optional[list[Path]] = typer.Argument(
        None, metavar="MODEL_YAML", help="model.yaml files (or use --cpu/--memory/--gpu)."
    ),
    cpu: Optional[float] = typer.Option(None, "--cpu", help="vCPUs per replica, without a file."),
    memory: Optional[str] = typer.Option(None, "--memory", help="Memory per replica, e.g. 16GiB, without a file."),
    gpu: Optional[str] = typer.Option(None, "--gpu", help="GPUs per replica as MODEL[:COUNT] or COUNT, e.g. L4:1."),
    gpu_memory: Optional[str] = typer.Option(None, "--gpu-memory", help="Memory per GPU, at least, e.g. 24GiB."),
    replicas: Optional[int] = typer.Option(None, "--replicas", help="Replicas, without a file (default 1)."),
    disk: Optional[str] = typer.Option(None, "--disk", help="Disk per replica, without a file (default 50GiB)."),
    provider: Optional[list[str]] = typer.Option(None, "--provider", help="Only this cloud (repeatable)."),
    region: Optional[list[str]] = typer.Option(None, "--region", help="Only regions matching this glob (repeatable)."),
    spot: bool = typer.Option(False, "--spot", help="Allow spot prices too."),
    spot_only: bool = typer.Option(False, "--spot-only", help="Spot prices only."),
    max_hourly: Optional[float] = typer.Option(None, "--max-hourly", help="Budget: all-in $/h at most."),
    top: int = typer.Option(10, "--top", min=1, help="How many candidates to show."),
    explain: bool = typer.Option(False, "--explain", help="Show the cost lines of the top candidate."),
    as_json: bool = typer.Option(False, "--json", help="JSON envelope (docs/quote-json.md)."),
    as_csv: bool = typer.Option(False, "--csv", help="CSV, one row per candidate."),
    catalogue: Optional[str] = typer.Option(None, "--catalogue", help="Catalogue URL (default: MLX_CATALOGUE_URL or the embedded SQLite file)."),
) -> None:
    """Rank where a model runs cheapest across clouds, all-in (instances, control plane, load balancer, disks)."""
    # mlx uses no pydantic plugins; their entry-point scan costs ~12 ms of every quote.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from mlx_deploy.orchestrator import quote_options
    from mlx_deploy.orchestrator.quote import quote

    if as_json and as_csv:
        raise ProfileError("--json and --csv exclude each other", "Pick one output format.")
    quick = {"cpu": cpu, "memory": memory, "gpu": gpu, "gpu_memory": gpu_memory, "replicas": replicas, "disk": disk}
    placement = {"providers": provider, "regions": region, "spot": "only" if spot_only else (True if spot else None)}
    profiles = [quote_options.build_profile(path, quick, placement, max_hourly) for path in profile_files or [None]]
    results = [quote(profile, catalogue_url=catalogue, top=top) for profile in profiles]
    if as_json:
        _print_json(results)
    elif as_csv:
        from mlx_deploy.orchestrator.quote_render import quote_csv

        typer.echo(quote_csv(results), nl=False)
    else:
        for result in results:
            _print_table(result, explain=explain)
    if any(not result.candidates for result in results):
        raise typer.Exit(1)


def _print_json(results: list) -> None:
    """One envelope per quote; several files give a JSON array of envelopes."""
    import json
    import sys

    from mlx_deploy.orchestrator import quote_render as qr
    from mlx_deploy.orchestrator.render import envelope

    envelopes = [
        envelope(
            "quote",
            qr.quote_data(result),
            catalogue=qr.catalogue_meta(result),
            profile=result.profile.model_dump(mode="json"),
        )
        for result in results
    ]
    json.dump(envelopes[0] if len(envelopes) == 1 else envelopes, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _print_table(result, *, explain: bool) -> None:  # noqa: ANN001
    from mlx_deploy.orchestrator import quote_render as qr
    from mlx_deploy.orchestrator.render import console

    out = console()
    if not out.is_terminal:
        out.width = max(out.width, 160)  # pipes and logs: no folded cells
    if result.candidates:
        out.print(qr.candidates_table(result))
        if explain:
            out.print(qr.cost_lines_table(result.candidates[0]))
    else:
        out.print(f"[bold]{result.profile.name}[/bold]")
        for line in qr.no_match_lines(result):
            out.print(line, markup=False)
    for line in qr.footer(result):
        out.print(line, style="dim", markup=False)
