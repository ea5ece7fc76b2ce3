"""`mlx catalogue …`: status, search, export and import of the price catalogue."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mlx_deploy.orchestrator.cli.options import CatalogueOption, JsonOption, split_csv

catalogue_app = typer.Typer(help="Inspect and manage the price catalogue.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(catalogue_app, name="catalogue")


def _open(url: str | None):
    from mlx_deploy.catalogue.store import open_catalogue

    return open_catalogue(url)


@catalogue_app.command("status")
def status(catalogue: CatalogueOption = None, as_json: JsonOption = False) -> None:
    """Per provider: instance types, regions, prices, and the last refresh with its age and source."""
    from mlx_deploy.catalogue.freshness import stale_providers
    from mlx_deploy.catalogue.read import provider_status
    from mlx_deploy.catalogue.store import describe_url, resolve_url
    from mlx_deploy.orchestrator import render
    from mlx_deploy.providers.base import provider_names

    engine = _open(catalogue)
    rows = provider_status(engine, provider_names())
    stale = stale_providers(engine)
    where = describe_url(resolve_url(catalogue))
    if as_json:
        warnings = [s.warning() for s in stale]
        render.print_json("catalogue.status", [vars(row) for row in rows], catalogue=where, warnings=warnings)
        return
    columns = ("provider", "instance types", "regions", "prices", "of which spot", "prices as of", "refreshed")
    table_rows = (
        (r.provider, r.instance_types, r.regions, r.prices, r.spot_prices, _day(r.newest_price), f"{render.age(r.last_refresh)} ago")
        for r in rows
    )
    out = render.console()
    out.print(render.table(f"Catalogue {where}", columns, table_rows))
    for row in rows:
        out.print(f"  {row.provider} source: {row.last_source or 'none'}", soft_wrap=True)
    for row in rows:
        if row.last_failure:
            out.print(f"[yellow]{row.provider}: last refresh failed {render.age(row.last_failure)} ago: {row.last_error}[/]", soft_wrap=True)
    for item in stale:
        out.print(f"[yellow]Stale: {item.warning()}[/]", soft_wrap=True)


def _day(moment) -> str:  # noqa: ANN001
    from mlx_deploy.orchestrator.render import age, as_utc

    return "-" if moment is None else f"{as_utc(moment):%Y-%m-%d} ({age(moment)})"


@catalogue_app.command("search")
def search(
    provider: Annotated[list[str] | None, typer.Option("--provider", "-p", help="aws, azure, gcp (comma-separated or repeated).")] = None,
    region: Annotated[list[str] | None, typer.Option("--region", "-r", help="Region code or glob, e.g. 'eu-*'.")] = None,
    gpu: Annotated[list[str] | None, typer.Option("--gpu", help="GPU model or alias, e.g. A100-80GB, a100, L4.")] = None,
    min_vcpus: Annotated[float, typer.Option("--min-vcpus", min=0)] = 0,
    min_memory: Annotated[float, typer.Option("--min-memory", min=0, help="GiB.")] = 0,
    min_gpus: Annotated[float, typer.Option("--min-gpus", min=0)] = 0,
    min_gpu_memory: Annotated[float, typer.Option("--min-gpu-memory", min=0, help="GiB per GPU.")] = 0,
    spot: Annotated[bool, typer.Option("--spot", help="Spot prices instead of on-demand.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 30,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Instance types that meet the filters, cheapest first."""
    from dataclasses import asdict

    from mlx_deploy.catalogue.read import SearchFilters, search as run_search
    from mlx_deploy.orchestrator import render

    filters = SearchFilters(
        providers=_known_providers(split_csv(provider)),
        region_globs=split_csv(region),
        gpu_models=_gpu_models(split_csv(gpu)),
        min_vcpus=min_vcpus,
        min_memory_gib=min_memory,
        min_gpu_count=min_gpus,
        min_gpu_memory_gib=min_gpu_memory,
        spot=spot,
        limit=limit,
    )
    offers = run_search(_open(catalogue), filters)
    if as_json:
        render.print_json("catalogue.search", [asdict(offer) for offer in offers])
        return
    columns = ("provider", "region", "zone", "instance type", "vCPU", "GiB", "GPUs", "$/h", "$/GPU/h", "option", "age")
    rows = (
        (o.provider, o.region, o.zone, o.instance_type, o.vcpus, o.memory_gib, _gpus(o), o.usd_per_hour,
         o.usd_per_hour / o.gpu_count if o.gpu_count else None, o.purchase_option, render.age(o.observed_at))
        for o in offers
    )  # fmt: skip
    render.console().print(render.table(None, columns, rows, caption=f"{len(offers)} offers" if offers else "No offers match."))


def _gpus(offer) -> str:  # noqa: ANN001
    if not offer.gpu_count:
        return offer.accelerator or "-"
    count = f"{offer.gpu_count:g}"
    memory = f" {offer.gpu_memory_gib:g}GiB" if offer.gpu_memory_gib else ""
    return f"{count}x {offer.gpu_model}{memory}"


def _known_providers(names: tuple[str, ...]) -> tuple[str, ...]:
    from mlx_deploy.orchestrator.errors import ConfigError
    from mlx_deploy.providers.base import is_known, provider_names

    for name in names:
        if not is_known(name):
            raise ConfigError(f"unknown provider {name!r}", f"Use one of: {', '.join(provider_names())}.")
    return names


def _gpu_models(names: tuple[str, ...]) -> frozenset[str]:
    if not names:
        return frozenset()
    from mlx_deploy.catalogue.gpus import resolve_gpu_names

    return frozenset().union(*(resolve_gpu_names(name) for name in names))


@catalogue_app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or json.")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")] = None,
    catalogue: CatalogueOption = None,
) -> None:
    """Write every price with its instance specs, for backups, air-gapped machines or editing."""
    from mlx_deploy.catalogue.transfer import write_export
    from mlx_deploy.orchestrator.errors import ConfigError

    if fmt not in ("csv", "json"):
        raise ConfigError(f"unknown export format {fmt!r}", "Use --format csv or --format json.")
    engine = _open(catalogue)
    if output is None:
        write_export(engine, sys.stdout, fmt)
        return
    partial = output.with_name(output.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        count = write_export(engine, handle, fmt)
    partial.replace(output)
    print(f"Wrote {count} prices to {output}.", file=sys.stderr)


@catalogue_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A CSV or JSON file in the export format.")],
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace the prices of every provider in FILE with the file's rows (validated, all or nothing)."""
    from mlx_deploy.catalogue.transfer import import_file
    from mlx_deploy.orchestrator import render

    counts = import_file(_open(catalogue), file)
    if as_json:
        render.print_json("catalogue.import", counts, file=str(file))
        return
    for provider, count in counts.items():
        print(f"Imported {count} {provider} prices from {file}.")
