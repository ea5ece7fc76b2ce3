"""Run `docker build` when a Docker daemon answers; otherwise say how to."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

from mlx_deploy.orchestrator.container.detect import BuildError


def build_command(project: Path, tag: str) -> list[str]:
    return ["docker", "build", "--tag", tag, str(project)]


def daemon_answers(timeout_s: float = 10.0) -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        done = subprocess.run(["docker", "info"], capture_output=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def run_build(command: list[str]) -> None:
    done = subprocess.run(command, check=False)
    if done.returncode != 0:
        raise BuildError(f"docker build failed with exit code {done.returncode}", "Read the build output above and fix the step that failed.")


def as_shell(command: list[str]) -> str:
    return shlex.join(command)
