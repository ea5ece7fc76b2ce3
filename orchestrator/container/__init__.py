"""The container image of a model (`mlx build`): framework detection, base-image table, Dockerfile and build context."""

from __future__ import annotations

from pathlib import Path

import yaml

from mlx_deploy.orchestrator.container.detect import BuildError, detect
from mlx_deploy.orchestrator.container.dockerfile import BuildContext, write_context
from mlx_deploy.orchestrator.container.images import choose


def _profile(project: Path) -> dict:
    path = project / "model.yaml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BuildError(f"{path} is not valid YAML ({type(exc).__name__})", "Fix the file (mlx quote shows where).") from exc
    return data if isinstance(data, dict) else {}


def image_tag(project: Path) -> str:
    """model.yaml's `image` when it has one, else `<directory>:latest`."""
    image = _profile(project).get("image")
    return image if isinstance(image, str) and image else f"{project.resolve().name.lower()}:latest"


def wants_gpu(project: Path) -> bool:
    """model.yaml asks for GPUs under resources.gpu."""
    resources = _profile(project).get("resources")
    return isinstance(resources, dict) and bool(resources.get("gpu"))


def prepare(project: Path, gpu: bool | None = None, force: bool = False) -> tuple[BuildContext, list[str]]:
    """Detect, choose the base image and write the context; returns it and notes for the user."""
    if not project.is_dir():
        raise BuildError(f"{project} is not a directory", "Pass the model project directory.")
    detection = detect(project)
    base = choose(detection, wants_gpu(project) if gpu is None else gpu)
    if base.python != detection.python:
        detection.notes.append(f"the project asks for Python {detection.python}; {base.image} runs Python {base.python}")
    context = write_context(project, detection, base, force)
    return context, detection.notes


__all__ = ["BuildError", "image_tag", "prepare", "wants_gpu"]
