"""`mlx init NAME --framework ...`: scaffold a model project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    name: Annotated[str, typer.Argument(help="Model name: lowercase letters, digits and dashes.")],
    framework: Annotated[str, typer.Option("--framework", "-f", help="sklearn, pytorch, onnx, tensorflow or transformers.")] = "sklearn",
    directory: Annotated[Path, typer.Option("--dir", help="Where to create the project folder.")] = Path("."),
) -> None:
    """Create NAME/ with model.py, requirements.txt, model.yaml and tests."""
    from mlx_deploy.orchestrator.scaffold import scaffold

    target = scaffold(name, framework, directory)
    typer.echo(f"Created {target} ({framework}). Next:")
    if framework == "sklearn":
        typer.echo(f"  cd {target} && python train.py")
    typer.echo(f"  mlx serve {target}        # then open http://127.0.0.1:8080/docs")
    typer.echo(f"  mlx build {target}        # Dockerfile for the image")
