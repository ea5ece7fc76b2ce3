"""The local target's stop.sh kills only the process start.sh launched, never one that reused its pid."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from mlx_deploy.orchestrator.deploy.workspace import terraform_dir

from .conftest import answers, free_port, mlx, process_gone, status_json, wait_for, write_model

SCRIPTS = terraform_dir() / "local" / "scripts"


def _proc_start_time(pid: int) -> str:
    """Field 22 of /proc/<pid>/stat, read independently of started.sh."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text.rsplit(")", 1)[1].split()[19]


@pytest.fixture
def unrelated(tmp_path):
    """A live `sleep` in its own process group, as an unrelated process reusing a pid would be."""
    odd_name = tmp_path / "not the model) x"  # a command name with a space and a ')'
    odd_name.symlink_to("/bin/sleep")
    proc = subprocess.Popen([str(odd_name), "300"], start_new_session=True)
    yield proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def _stop(state_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLX_STATE_DIR": str(state_dir)}
    return subprocess.run(["/bin/sh", str(SCRIPTS / "stop.sh")], env=env, capture_output=True, text=True, timeout=30)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_started_reads_field_22_even_with_an_odd_command_name(unrelated):
    shown = subprocess.run(["/bin/sh", "-c", f'. "{SCRIPTS / "started.sh"}"; started {unrelated.pid}'],
                           capture_output=True, text=True, check=True)  # fmt: skip
    assert shown.stdout.strip() == _proc_start_time(unrelated.pid)
    for bad in ("", "abc", "12x", str(2**22 + 1)):  # not a pid, or no such process
        assert subprocess.run(["/bin/sh", "-c", f'. "{SCRIPTS / "started.sh"}"; started "{bad}"']).returncode == 1


def test_stop_leaves_a_process_whose_start_time_differs(tmp_path, unrelated):
    state = tmp_path / "run"
    state.mkdir()
    (state / "pid").write_text(f"{unrelated.pid}\n")
    (state / "pid.start").write_text("1\n")  # the model started.sh launched began at another time
    done = _stop(state)
    assert done.returncode == 0
    assert f"StalePid: process {unrelated.pid} is not the model" in done.stderr
    assert unrelated.poll() is None and not (state / "pid").exists() and not (state / "pid.start").exists()

    # With the matching start time it is the model: its whole group is stopped.
    shown = subprocess.run(["/bin/sh", "-c", f'. "{SCRIPTS / "started.sh"}"; started {unrelated.pid}'],
                           capture_output=True, text=True, check=True)  # fmt: skip
    (state / "pid").write_text(f"{unrelated.pid}\n")
    (state / "pid.start").write_text(shown.stdout)
    assert _stop(state).returncode == 0
    assert unrelated.wait(10) == -signal.SIGTERM


def test_an_unrelated_process_behind_a_stale_pid_survives_teardown(tmp_path, terraform_env, cleanup_pids, unrelated):
    port = free_port()
    model = write_model(tmp_path / "model", "stale", port)
    done = mlx("deploy", str(model), "--provider", "local", "--yes", env=terraform_env)
    assert done.returncode == 0, done.stderr
    [row] = status_json(terraform_env)
    run = Path(row["workspace"]) / "run"
    model_pid = int((run / "pid").read_text())
    cleanup_pids.append(model_pid)
    assert (run / "pid.start").read_text().strip()
    # The model dies outside mlx; later its pid file points at an unrelated process.
    os.killpg(model_pid, signal.SIGKILL)
    assert wait_for(lambda: process_gone(model_pid), 10)
    (run / "pid").write_text(f"{unrelated.pid}\n")

    torn = mlx("teardown", "stale", "--yes", env=terraform_env)
    assert torn.returncode == 0, torn.stderr
    assert "stale is destroyed" in torn.stdout
    assert unrelated.poll() is None, "teardown killed a process mlx did not start"
    assert not answers(f"http://127.0.0.1:{port}/")
    assert status_json(terraform_env, "stale")[0]["status"] == "destroyed"
