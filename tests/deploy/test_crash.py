"""mlx killed during apply: status shows the deployment interrupted, teardown removes everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import answers, free_port, mlx, process_gone, status_json, wait_for, write_model


@pytest.mark.parametrize("victims", ["mlx and terraform", "mlx only"])
def test_kill_during_apply_then_status_and_teardown(victims, tmp_path, terraform_env, isolated_home, cleanup_pids):
    port = free_port()
    model = write_model(tmp_path, "crashy", port)
    deploy = subprocess.Popen(
        [sys.executable, "-m", "mlx_deploy.orchestrator.cli.app", "deploy", str(model), "--provider", "local", "--yes"],
        env=terraform_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: mlx and the Terraform it runs
    )  # fmt: skip
    pid_files = lambda: list((isolated_home / "deployments").glob("crashy-*/run/pid"))  # noqa: E731
    killed = False
    try:
        # The start script has launched the model and is still inside `terraform apply`.
        assert wait_for(lambda: bool(pid_files()) and pid_files()[0].read_text().strip() != "", 60)
        if victims == "mlx only":  # Terraform is orphaned and carries on (or dies on its closed pipe)
            os.kill(deploy.pid, signal.SIGKILL)
        else:
            os.killpg(deploy.pid, signal.SIGKILL)  # mlx and Terraform die at once, mid-apply
        killed = True
    finally:
        if not killed:
            os.killpg(deploy.pid, signal.SIGKILL)
        deploy.wait(10)
    model_pid = int(pid_files()[0].read_text())
    cleanup_pids.append(model_pid)
    assert wait_for(lambda: answers(f"http://127.0.0.1:{port}/"), 10), "the model outlives mlx"

    [row] = status_json(terraform_env)
    assert row["status"] == "interrupted" and row["recorded_status"] == "applying"
    shown = mlx("status", env=terraform_env)
    assert "mlx stopped while applying; run `mlx teardown crashy`" in shown.stdout

    done = mlx("teardown", "crashy", "--yes", env=terraform_env)
    assert done.returncode == 0, done.stderr
    assert wait_for(lambda: process_gone(model_pid), 10)
    assert not answers(f"http://127.0.0.1:{port}/")
    [row] = status_json(terraform_env, "crashy")
    assert row["status"] == "destroyed"
    workspace = Path(row["workspace"])
    assert not (workspace / "run" / "pid").exists()
    # Nothing mlx recorded in Terraform state is left either.
    listed = subprocess.run([os.environ["MLX_TERRAFORM"], "state", "list"], cwd=workspace / "root",
                            capture_output=True, text=True, env=terraform_env)  # fmt: skip
    assert listed.stdout.strip() == ""
    try:
        os.killpg(deploy.pid, signal.SIGKILL)  # an orphaned Terraform, if one is somehow still there
    except ProcessLookupError:
        pass
