"""The `mlx` entry point: registers the command modules and catches MlxError once."""

from __future__ import annotations

import importlib
import sys

import typer

from mlx_deploy.orchestrator.errors import MlxError

# Each module has `register(app)`. Keep their top-level imports light: every
# `mlx` start imports all of them.
COMMAND_MODULES = (
    "mlx_deploy.orchestrator.cli.catalogue",
    "mlx_deploy.orchestrator.cli.catalogue_refresh",
    "mlx_deploy.orchestrator.cli.quote",
    "mlx_deploy.orchestrator.cli.deploy",
    "mlx_deploy.orchestrator.cli.serve",
    "mlx_deploy.orchestrator.cli.init",
    "mlx_deploy.orchestrator.cli.build",
)

app = typer.Typer(
    name="mlx",
    help="Quote, deploy and tear down ML models on AWS, Azure and GCP, cheapest first.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    try:
        app()
    except MlxError as exc:
        print(f"mlx: error: {exc.one_line()}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("mlx: interrupted.", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
