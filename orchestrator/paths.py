"""Where mlx keeps its files: platformdirs, overridable by MLX_HOME."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "mlx"


def home() -> Path:
    """The data directory, created on first use with owner-only access."""
    override = os.environ.get("MLX_HOME")
    if override:
        root = Path(override).expanduser()
    else:
        import platformdirs

        root = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def catalogue_file() -> Path:
    return home() / "catalogue.sqlite"


def deployments_dir() -> Path:
    path = home() / "deployments"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def logs_dir() -> Path:
    path = home() / "logs"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def locks_dir() -> Path:
    path = home() / "locks"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
