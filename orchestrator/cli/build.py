"""`mlx build PATH`: write a Dockerfile for a model project and build it when Docker answers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlx_deploy.orchestrator.cli.options import JsonOption


def register(app: typer.Typer) -> None:
    app.command("build")(build)


def build(
    path: Annotated[Path, typer.Argument(help="Model project directory (with model.py).")],
    gpu: Annotated[bool | None, typer.Option("--gpu/--cpu", help="Base image kind. Default: GPU when model.yaml asks for one.", show_default=False)] = None,
    tag: Annotated[str | None, typer.Option(help="Image tag. Default: model.yaml's image, else DIR:latest.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite a Dockerfile that mlx did not write.")] = False,
    no_docker: Annotated[bool, typer.Option("--no-docker", help="Only write the files; do not run docker build.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Detect the framework and versions, pick the base image, write Dockerfile + .dockerignore, build."""
    from mlx_deploy.orchestrator import render
    from mlx_deploy.orchestrator.container import image_tag, prepare
    from mlx_deploy.orchestrator.container.docker import as_shell, build_command, daemon_answers, run_build

    context, notes = prepare(path, gpu, force)
    command = build_command(path, tag or image_tag(path))
    built = not no_docker and daemon_answers()
    if as_json:
        render.print_json("build", {
            "dockerfile": str(context.dockerfile), "dockerignore": str(context.dockerignore),
            "requirements": str(context.requirements), "base_image": context.base.image,
            "python": context.base.python, "cuda": context.base.cuda, "reason": context.base.reason,
            "notes": notes, "command": command, "built": built,
        })
    else:
        typer.echo(f"Base image: {context.base.image} ({context.base.reason})")
        typer.echo(f"Wrote {context.dockerfile}, {context.dockerignore} and {context.requirements}")
        for note in notes:
            typer.echo(f"note: {note}")
    if built:
        run_build(command)
    elif not as_json:
        why = "--no-docker given" if no_docker else "no Docker daemon answers here"
        typer.echo(f"Not building ({why}). Build with:\n  {as_shell(command)}")
