"""Shared fixtures: every test runs with its own MLX_HOME, never the user's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch) -> Path:
    home = tmp_path_factory.mktemp("mlx-home")
    monkeypatch.setenv("MLX_HOME", str(home))
    monkeypatch.delenv("MLX_CATALOGUE_URL", raising=False)
    return home


@pytest.fixture(autouse=True)
def no_cloud_credentials(monkeypatch, tmp_path):
    """No test may find the developer's real cloud credentials, call a metadata server,
    or inherit settings that change what mlx reads."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "AZURE_SUBSCRIPTION_ID",
                "AWS_ENDPOINT_URL", "MLX_AZURE_PRICES_URL", "MLX_AWS_PRICE_SOURCE", "MLX_STALE_AFTER"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))


@pytest.fixture
def shared_data() -> Path:
    """The recorded provider payloads in ../shared/data, or a skip saying why."""
    override = os.environ.get("MLX_SHARED_DATA")
    root = Path(override) if override else SHARED_DATA
    if not root.is_dir():
        pytest.skip(f"recorded provider data not found at {root} (set MLX_SHARED_DATA or check out ../shared)")
    return root


def mlx_executable() -> str:
    """The `mlx` console script of the environment running the tests."""
    candidate = Path(sys.executable).parent / "mlx"
    if not candidate.exists():
        pytest.fail(f"the mlx console script is not installed next to {sys.executable}: pip install -e '.[test]'")
    return str(candidate)


@pytest.fixture
def run_mlx(isolated_home):
    """Run the real `mlx` console script with this test's MLX_HOME; returns CompletedProcess."""

    def run(*args: str, env: dict | None = None, timeout: float = 120, input: str | None = None):
        full_env = dict(os.environ, MLX_HOME=str(isolated_home), COLUMNS="200", **(env or {}))
        return subprocess.run(
            [mlx_executable(), *args], capture_output=True, text=True, env=full_env, timeout=timeout, input=input
        )

    return run


POSTGRES_ENV = "MLX_TEST_POSTGRES_URL"


def skip_or_fail(reason: str) -> None:
    """CI sets MLX_REQUIRE_POSTGRES so that a missing server fails instead of skipping."""
    if os.environ.get("MLX_REQUIRE_POSTGRES"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        skip_or_fail(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://mlx:mlx@127.0.0.1/postgres); .ci/run sets it")
    name = f"mlx_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        skip_or_fail(f"PostgreSQL at {make_url(admin_url).render_as_string()} is not reachable: {exc.orig}")
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
