"""A real Terraform applies and destroys the local target through the mlx command line."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import answers, free_port, mlx, process_gone, status_json, wait_for, write_model


def test_deploy_status_teardown_end_to_end(tmp_path, terraform_env, isolated_home, cleanup_pids):
    port = free_port()
    model = write_model(tmp_path / "web", "web", port)
    url = f"http://127.0.0.1:{port}/"

    done = mlx("deploy", str(model), "--provider", "local", "--yes", "--ttl", "1s", env=terraform_env)
    assert done.returncode == 0, done.stderr
    assert f"web is running at http://127.0.0.1:{port}" in done.stdout
    assert "local localhost host x1" in done.stderr and "$0.0000/h" in done.stderr
    assert answers(url)

    [row] = status_json(terraform_env)
    assert (row["name"], row["status"], row["health"], row["provider"]) == ("web", "running", "up", "local")
    assert row["endpoint"] == f"http://127.0.0.1:{port}" and row["expires_at"]
    assert [a["outcome"] for a in row["attempts"]] == ["succeeded"]
    workspace = Path(row["workspace"])
    pid = int((workspace / "run" / "pid").read_text())
    cleanup_pids.append(pid)
    _check_private(workspace)

    # The same name cannot be deployed twice while it exists.
    again = mlx("deploy", str(model), "--provider", "local", "--yes", env=terraform_env)
    assert again.returncode == 1 and "already exists (running)" in again.stderr and "mlx teardown web" in again.stderr
    assert "Traceback" not in again.stderr

    time.sleep(1.1)  # let the 1s --ttl pass
    swept = mlx("teardown", "--all-expired", env=terraform_env)  # no terminal, no --yes: as from cron
    assert swept.returncode == 0, swept.stderr
    assert "web is destroyed" in swept.stdout
    assert not answers(url)
    assert wait_for(lambda: process_gone(pid), 10)
    state = json.loads((workspace / "root" / "terraform.tfstate").read_text())
    assert state["resources"] == []

    [row] = status_json(terraform_env, "web")
    assert row["status"] == "destroyed" and row["health"] == "-"

    # Idempotent: a second teardown is a no-op success.
    twice = mlx("teardown", "web", "--yes", env=terraform_env)
    assert twice.returncode == 0 and "web is destroyed" in twice.stdout
    assert status_json(terraform_env) == []  # destroyed deployments are hidden without --all

    # A destroyed name can be deployed again; its history stays.
    redo = mlx("deploy", str(model), "--provider", "local", "--yes", "--json", env=terraform_env)
    assert redo.returncode == 0, redo.stderr
    record = json.loads(redo.stdout)["data"]
    cleanup_pids.append(int((Path(record["workspace"]) / "run" / "pid").read_text()))
    assert record["status"] == "running" and record["workspace"] != str(workspace)
    assert mlx("teardown", "web", "--yes", env=terraform_env).returncode == 0
    assert [row["status"] for row in status_json(terraform_env, "--all")] == ["destroyed", "destroyed"]


def _check_private(workspace: Path) -> None:
    assert stat.S_IMODE(workspace.stat().st_mode) == 0o700
    assert stat.S_IMODE((workspace / "root").stat().st_mode) == 0o700
    for state in (workspace / "root").glob("terraform.tfstate*"):
        assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert stat.S_IMODE((workspace / "root" / "terraform.tfvars.json").stat().st_mode) == 0o600
    assert os.listdir(workspace / "logs")


def test_the_local_example_serves_the_digits_model(tmp_path, terraform_env, cleanup_pids):
    """examples/local/model.yaml, with a free port and this interpreter instead of `mlx` on PATH."""
    pytest.importorskip("fastapi", reason="the serving runtime needs the serve extra")
    import yaml

    example = Path(__file__).resolve().parents[2] / "examples" / "local" / "model.yaml"
    profile = yaml.safe_load(example.read_text())
    assert profile["runtime"] == "process" and profile["command"][:2] == ["mlx", "serve"]
    port = free_port()
    digits = (example.parent / profile["command"][2]).resolve()
    profile["port"] = port
    profile["command"] = [sys.executable, "-m", "mlx_deploy.orchestrator.cli.app", "serve", str(digits), "--port", str(port)]
    model = tmp_path / "model.yaml"
    model.write_text(yaml.safe_dump(profile))

    done = mlx("deploy", str(model), "--provider", "local", "--yes", "--json", env=terraform_env)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)["data"]
    cleanup_pids.append(int((Path(record["workspace"]) / "run" / "pid").read_text()))
    assert answers(f"http://127.0.0.1:{port}/health/ready")
    metadata = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/model/metadata", timeout=5).read())
    assert metadata  # the serving runtime answers its model routes
    assert mlx("teardown", record["name"], "--yes", env=terraform_env).returncode == 0
    assert not answers(f"http://127.0.0.1:{port}/health/ready")


def test_auto_runtime_runs_a_process_when_docker_does_not_answer(tmp_path, terraform_env, cleanup_pids):
    import shutil
    import subprocess

    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0:
        pytest.skip("a Docker daemon answers here: auto would pick Docker")
    port = free_port()
    model = write_model(tmp_path, "auto", port, runtime="auto", image="registry.invalid/never-pulled:1")
    done = mlx("deploy", str(model), "--provider", "local", "--yes", "--json", env=terraform_env)
    assert done.returncode == 0, done.stderr
    workspace = Path(json.loads(done.stdout)["data"]["workspace"])
    cleanup_pids.append(int((workspace / "run" / "pid").read_text()))
    assert not (workspace / "run" / "container").exists()
    assert answers(f"http://127.0.0.1:{port}/")
    assert mlx("teardown", "auto", "--yes", env=terraform_env).returncode == 0
