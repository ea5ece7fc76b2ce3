"""`mlx catalogue refresh | diff | schedule`: keep the price catalogue fresh."""

from __future__ import annotations

from typing import Annotated

import typer

from mlx_deploy.orchestrator.cli.options import CatalogueOption, JsonOption, split_csv

ProviderOption = Annotated[
    list[str] | None, typer.Option("--provider", "-p", help="aws, azure, gcp (comma-separated or repeated). Default: all.")
]
EveryOption = Annotated[str, typer.Option("--every", help="Interval, e.g. 30m, 6h, 1d.")]


def register(app: typer.Typer) -> None:  # noqa: ARG001 - the commands join the `catalogue` group
    from mlx_deploy.orchestrator.cli.catalogue import catalogue_app

    catalogue_app.command("refresh")(refresh)
    catalogue_app.command("diff")(diff)
    catalogue_app.command("schedule")(schedule)


def refresh(
    provider: ProviderOption = None,
    region: Annotated[list[str] | None, typer.Option("--region", "-r", help="Only these regions (provider codes).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Publish even if the sanity gate objects ($0 rows are still left out).")] = False,
    max_drop: Annotated[float, typer.Option("--max-drop", min=0, max=1, help="Largest share of a provider's prices a refresh may drop.")] = 0.2,
    loop: Annotated[bool, typer.Option("--loop", help="Run in the foreground, refreshing every --every (for containers).")] = False,
    every: EveryOption = "6h",
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch current prices from each provider's API and publish them, provider by provider, all or nothing."""
    from mlx_deploy.catalogue.freshness import parse_duration
    from mlx_deploy.catalogue.refresh import RefreshOptions
    from mlx_deploy.catalogue.store import open_catalogue
    from mlx_deploy.orchestrator.schedule import run_forever

    options = RefreshOptions(_providers(split_csv(provider)), split_csv(region) or None, force, max_drop)
    interval = parse_duration(every, "--every")
    engine = open_catalogue(catalogue)
    if not loop:
        if not _run_once(engine, options, as_json):
            raise typer.Exit(1)
        return
    run_forever(lambda: _run_once(engine, options, as_json, keep_going=True), interval)


def _run_once(engine, options, as_json: bool, keep_going: bool = False) -> bool:  # noqa: ANN001
    from mlx_deploy.catalogue.refresh import refresh as run_refresh
    from mlx_deploy.orchestrator import render
    from mlx_deploy.orchestrator.errors import RefreshError

    try:
        with _Progress(as_json) as progress:
            results = run_refresh(engine, options, progress)
    except RefreshError as exc:
        if not keep_going:
            raise
        render.console(stderr=True).print(f"mlx: {exc.one_line()}")
        return False
    if as_json:
        render.print_json("catalogue.refresh", [result.as_dict() for result in results])
    else:
        _print_summary(results)
    return all(result.ok for result in results)


class _Progress:
    """A rich progress bar per provider on stderr; silent with --json."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar = None
        self.tasks: dict[str, int] = {}

    def __enter__(self):  # noqa: ANN204
        if not self.quiet:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            from mlx_deploy.orchestrator import render

            self.bar = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=render.console(stderr=True), transient=True,
            )
            self.bar.start()
        return self.update

    def update(self, task: str, advance: int, total: int | None) -> None:
        if self.bar is None:
            return
        if task not in self.tasks:
            self.tasks[task] = self.bar.add_task(f"fetching {task}", total=total)
        self.bar.update(self.tasks[task], advance=advance, total=total)

    def __exit__(self, *_exc) -> None:  # noqa: ANN002
        if self.bar is not None:
            self.bar.stop()


def _print_summary(results) -> None:  # noqa: ANN001
    from mlx_deploy.orchestrator import render

    out = render.console()
    out.print(
        render.table(
            "Catalogue refresh",
            ("provider", "status", "prices", "types", "regions", "changes", "seconds"),
            ((r.provider, r.status, r.prices, r.instance_types, r.regions, r.changed, r.seconds) for r in results),
        )
    )
    for result in results:
        if result.reason:
            colour = "yellow" if result.status == "skipped" else "red"
            out.print(f"[{colour}]{result.provider} {result.status}: {result.reason}[/]", soft_wrap=True)
        for warning in result.warnings:
            out.print(f"[yellow]{result.provider}: published with --force although {warning}[/]", soft_wrap=True)


def diff(
    provider: ProviderOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Largest changes to show per provider.")] = 20,
    catalogue: CatalogueOption = None,
    as_json: JsonOption = False,
) -> None:
    """The largest price changes of each provider's last successful refresh against the one before."""
    from mlx_deploy.catalogue.changes import diff as run_diff
    from mlx_deploy.catalogue.store import open_catalogue
    from mlx_deploy.orchestrator import render

    engine = open_catalogue(catalogue)
    diffs = [run_diff(engine, name, limit) for name in _providers(split_csv(provider))]
    if as_json:
        render.print_json(
            "catalogue.diff",
            [{**{k: v for k, v in vars(d).items() if k != "largest"}, "largest": [c.as_dict() for c in d.largest]} for d in diffs],
        )
        return
    out = render.console()
    for entry in diffs:
        if entry.run_id is None:
            out.print(f"{entry.provider}: no successful refresh recorded yet")
            continue
        caption = f"{entry.changed} changed, {entry.added} added, {entry.removed} removed"
        out.print(
            render.table(
                f"{entry.provider}: run {entry.run_id} ({entry.source}, {render.age(entry.finished_at)} ago)",
                ("region", "zone", "instance type", "option", "old $/h", "new $/h", "change"),
                (
                    (c.region, c.zone, c.instance_type, c.purchase_option, c.old_usd_per_hour, c.new_usd_per_hour,
                     f"{c.relative:+.1%}" if c.relative is not None else "-")
                    for c in entry.largest
                ),
                caption=caption,
            )
        )


def schedule(
    every: EveryOption = "6h",
    remove: Annotated[bool, typer.Option("--remove", help="Remove the scheduled refresh.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Install a systemd user timer (or a crontab entry) that runs `mlx catalogue refresh`."""
    from mlx_deploy.catalogue.freshness import parse_duration
    from mlx_deploy.orchestrator import render
    from mlx_deploy.orchestrator import schedule as scheduler

    result = scheduler.remove() if remove else scheduler.install(parse_duration(every, "--every"))
    if as_json:
        render.print_json("catalogue.schedule", vars(result))
        return
    out = render.console()
    out.print(f"{result.kind}: {result.action}")
    for path, content in result.files.items():
        out.print(f"--- {path}", highlight=False)
        out.print(content, markup=False, highlight=False, soft_wrap=True)
    for command in result.commands:
        out.print("ran: " + " ".join(command), markup=False)


def _providers(names: tuple[str, ...]) -> tuple[str, ...]:
    from mlx_deploy.orchestrator.errors import ConfigError
    from mlx_deploy.providers.base import is_known, provider_names

    for name in names:
        if not is_known(name):
            raise ConfigError(f"unknown provider {name!r}", f"Use one of: {', '.join(provider_names())}.")
    return names or provider_names()
