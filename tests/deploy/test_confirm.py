"""`mlx teardown NAME` asks like `mlx deploy` does: at a terminal it asks, without one it needs --yes."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from .conftest import answers, free_port, mlx, status_json, write_model


def _mlx_at_a_terminal(*args: str, answer: str, env: dict) -> subprocess.CompletedProcess:
    """`mlx` with a pseudo-terminal as stdin, answering the prompt with `answer`."""
    leader, follower = pty.openpty()
    try:
        os.write(leader, f"{answer}\n".encode())
        return subprocess.run(
            [sys.executable, "-m", "mlx_deploy.orchestrator.cli.app", *args],
            stdin=follower, capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
    finally:
        os.close(follower)
        os.close(leader)


def test_teardown_asks_at_a_terminal_and_needs_yes_without_one(tmp_path, terraform_env, cleanup_pids):
    port = free_port()
    model = write_model(tmp_path, "asked", port)
    done = mlx("deploy", str(model), "--provider", "local", "--yes", "--json", env=terraform_env)
    assert done.returncode == 0, done.stderr
    [row] = status_json(terraform_env)
    cleanup_pids.append(int((Path(row["workspace"]) / "run" / "pid").read_text()))
    url = f"http://127.0.0.1:{port}/"

    refused = mlx("teardown", "asked", env=terraform_env)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "mlx: error: teardown of asked needs confirmation but stdin is not a terminal. Pass --yes to destroy it anyway."
    )
    assert answers(url) and status_json(terraform_env)[0]["status"] == "running"

    declined = _mlx_at_a_terminal("teardown", "asked", answer="n", env=terraform_env)
    assert declined.returncode == 1, declined.stderr
    assert "Destroy asked (local localhost host, running) and everything it created?" in declined.stdout
    assert answers(url) and status_json(terraform_env)[0]["status"] == "running"

    accepted = _mlx_at_a_terminal("teardown", "asked", answer="y", env=terraform_env)
    assert accepted.returncode == 0, accepted.stderr
    assert "asked is destroyed" in accepted.stdout and not answers(url)

    # Already destroyed: nothing to confirm, a no-op success even without --yes.
    again = mlx("teardown", "asked", env=terraform_env)
    assert again.returncode == 0 and "asked is destroyed" in again.stdout
