"""Find and import the model class of a model project directory."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

from mlx_deploy.serving.model import Model, check_model_class

ENTRY_FILE = "model.py"


class ModelLoadError(Exception):
    """The model project cannot be imported; the message says how to fix it."""


def load_model_class(path: str | Path, class_name: str | None = None) -> type[Model]:
    """Import `model.py` from a project directory and return its Model subclass."""
    project = Path(path).resolve()
    entry = project / ENTRY_FILE if project.is_dir() else project
    if not entry.is_file():
        raise ModelLoadError(f"no {ENTRY_FILE} in {project}; create one with `mlx init NAME`")
    module = _import_file(entry)
    return _pick_class(module, entry, class_name)


def _import_file(entry: Path):
    name = f"mlx_model_{abs(hash(str(entry)))}"
    spec = importlib.util.spec_from_file_location(name, entry)
    module = importlib.util.module_from_spec(spec)
    # The project's own helper modules (train.py, ...) must be importable.
    project_dir = str(entry.parent)
    if project_dir not in sys.path:
        sys.path.insert(0, project_dir)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise ModelLoadError(f"importing {entry} failed: {type(exc).__name__}: {exc}; fix the model code") from exc
    return module


def _pick_class(module, entry: Path, class_name: str | None) -> type[Model]:
    if class_name:
        cls = getattr(module, class_name, None)
        if cls is None:
            raise ModelLoadError(f"{entry} has no class {class_name}; check the name")
        candidates = [cls]
    else:
        candidates = [
            obj for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Model) and obj is not Model
            and obj.__module__ == module.__name__
        ]
    if len(candidates) != 1:
        found = ", ".join(c.__name__ for c in candidates) or "none"
        raise ModelLoadError(f"{entry} must define exactly one Model subclass (found: {found}); pass the class name")
    try:
        return check_model_class(candidates[0])
    except TypeError as exc:
        raise ModelLoadError(f"{entry}: {exc}") from exc
