from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Test modules import the helpers as a plain module (pytest runs with --import-mode=importlib).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mlx_deploy.serving.app import create_app
from mlx_deploy.serving.loader import load_model_class
from mlx_deploy.serving.settings import ServeSettings

from serving_helpers import DIGITS, running  # noqa: E402

API_KEY = "test-key-0123456789"


@pytest.fixture(scope="session")
def digits_url():
    """The digits example over real HTTP, with an API key required."""
    model = load_model_class(DIGITS)()
    app = create_app(model, ServeSettings(api_keys=frozenset({API_KEY, "second-key"}), max_body_bytes=256 * 1024))
    with running(app) as base:
        yield base


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}
