"""Shared fixtures: every test runs with its own MLX_HOME, never the user's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch) -> Path:
    home = tmp_path_factory.mktemp("mlx-home")
    monkeypatch.setenv("MLX_HOME", str(home))
    monkeypatch.delenv("MLX_CATALOGUE_URL", raising=False)
    return home


@pytest.fixture
def shared_data() -> Path:
    """The recorded provider payloads in ../shared/data, or a skip saying why."""
    override = os.environ.get("MLX_SHARED_DATA")
    root = Path(override) if override else SHARED_DATA
    if not root.is_dir():
        pytest.skip(f"recorded provider data not found at {root} (set MLX_SHARED_DATA or check out ../shared)")
    return root
