"""The scheduled catalogue refresh: a systemd user timer where systemd runs,
else a crontab entry; and the foreground loop for containers.

Library code: returns what it wrote, never prints.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from mlx_deploy.orchestrator import paths
from mlx_deploy.orchestrator.errors import ConfigError

UNIT = "mlx-catalogue-refresh"
CRON_MARKER = "# mlx-catalogue-refresh"
PASSED_ENV = ("MLX_HOME", "MLX_CATALOGUE_URL", "MLX_STALE_AFTER", "AWS_PROFILE", "AZURE_SUBSCRIPTION_ID", "GOOGLE_CLOUD_PROJECT")


@dataclass
class ScheduleResult:
    kind: str  # systemd, cron
    action: str  # installed, removed, nothing to remove
    files: dict[str, str] = field(default_factory=dict)  # path -> content written (or removed)
    commands: list[list[str]] = field(default_factory=list)


def refresh_command() -> list[str]:
    return [sys.executable, "-m", "mlx_deploy.orchestrator.cli.app", "catalogue", "refresh"]


def systemd_available() -> bool:
    try:
        done = subprocess.run(["systemctl", "--user", "show-environment"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def install(every: timedelta) -> ScheduleResult:
    if every < timedelta(minutes=5):
        raise ConfigError(f"--every {every} is too often for a price refresh", "Use 5m or more, e.g. --every 6h.")
    return _install_systemd(every) if systemd_available() else _install_cron(every)


def remove() -> ScheduleResult:
    if systemd_available() or any(path.exists() for path in _unit_paths().values()):
        result = _remove_systemd()
        if result.action == "removed":
            return result
    return _remove_cron()


# ---- systemd ---------------------------------------------------------------


def _unit_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def _unit_paths() -> dict[str, Path]:
    return {suffix: _unit_dir() / f"{UNIT}.{suffix}" for suffix in ("service", "timer")}


def _install_systemd(every: timedelta) -> ScheduleResult:
    seconds = int(every.total_seconds())
    environment = "".join(f"Environment={key}={shlex.quote(os.environ[key])}\n" for key in PASSED_ENV if os.environ.get(key))
    contents = {
        "service": (
            "[Unit]\nDescription=mlx price catalogue refresh\nAfter=network-online.target\n\n"
            f"[Service]\nType=oneshot\n{environment}ExecStart={shlex.join(refresh_command())}\n"
        ),
        "timer": (
            "[Unit]\nDescription=Refresh the mlx price catalogue\n\n"
            f"[Timer]\nOnBootSec=5min\nOnUnitActiveSec={seconds}s\nPersistent=true\n\n"
            "[Install]\nWantedBy=timers.target\n"
        ),
    }
    result = ScheduleResult("systemd", "installed")
    for suffix, path in _unit_paths().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(contents[suffix])
        result.files[str(path)] = contents[suffix]
    for command in (["systemctl", "--user", "daemon-reload"], ["systemctl", "--user", "enable", "--now", f"{UNIT}.timer"]):
        _run(command)
        result.commands.append(command)
    return result


def _remove_systemd() -> ScheduleResult:
    unit_files = {str(path): path.read_text() for path in _unit_paths().values() if path.exists()}
    if not unit_files:
        return ScheduleResult("systemd", "nothing to remove")
    result = ScheduleResult("systemd", "removed", unit_files)
    disable = ["systemctl", "--user", "disable", "--now", f"{UNIT}.timer"]
    _run(disable, check=False)
    result.commands.append(disable)
    for path in _unit_paths().values():
        path.unlink(missing_ok=True)
    reload = ["systemctl", "--user", "daemon-reload"]
    _run(reload, check=False)
    result.commands.append(reload)
    return result


# ---- cron ------------------------------------------------------------------


def cron_schedule(every: timedelta) -> str:
    """A crontab time spec that fires every `every` (rounded to what cron can say)."""
    minutes = max(int(every.total_seconds() // 60), 1)
    if minutes < 60:
        return f"*/{minutes} * * * *"
    hours = minutes // 60
    if hours < 24:
        return f"0 */{hours} * * *"
    return f"0 3 */{max(hours // 24, 1)} * *"


def _install_cron(every: timedelta) -> ScheduleResult:
    environment = " ".join(f"{key}={shlex.quote(os.environ[key])}" for key in PASSED_ENV if os.environ.get(key))
    log = paths.logs_dir() / "cron.log"
    line = f"{cron_schedule(every)} {environment + ' ' if environment else ''}{shlex.join(refresh_command())} >> {shlex.quote(str(log))} 2>&1 {CRON_MARKER}"
    kept = [entry for entry in _read_crontab() if CRON_MARKER not in entry]
    table = "\n".join([*kept, line]) + "\n"
    _run(["crontab", "-"], stdin=table)
    return ScheduleResult("cron", "installed", {"crontab": line}, [["crontab", "-"]])


def _remove_cron() -> ScheduleResult:
    entries = _read_crontab()
    ours = [entry for entry in entries if CRON_MARKER in entry]
    if not ours:
        return ScheduleResult("cron", "nothing to remove")
    kept = [entry for entry in entries if CRON_MARKER not in entry]
    _run(["crontab", "-"], stdin="\n".join(kept) + "\n" if kept else "")
    return ScheduleResult("cron", "removed", {"crontab": "\n".join(ours)}, [["crontab", "-"]])


def _read_crontab() -> list[str]:
    try:
        done = subprocess.run(["crontab", "-l"], capture_output=True, text=True, timeout=10)
    except OSError:
        raise ConfigError(
            "neither a systemd user session nor `crontab` is available",
            "Run `mlx catalogue refresh --loop --every 6h` under your own supervisor instead.",
        ) from None
    # `crontab -l` exits 1 when the user has no crontab yet.
    return [line for line in done.stdout.splitlines() if line.strip()] if done.returncode == 0 else []


def _run(command: list[str], *, stdin: str | None = None, check: bool = True) -> None:
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=30)
    except OSError as exc:
        raise ConfigError(f"cannot run {command[0]} ({exc.strerror})", "Install it or use `refresh --loop`.") from None
    if check and done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise ConfigError(
            f"`{shlex.join(command)}` failed: {detail[0] if detail else f'exit {done.returncode}'}",
            "Fix the scheduler, or run `mlx catalogue refresh --loop --every 6h` in the foreground.",
        )


# ---- foreground loop ---------------------------------------------------------


def run_forever(
    run_once: Callable[[], None],
    every: timedelta,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
) -> None:
    """Call run_once, then wait `every` from its start; `rounds` bounds it for tests."""
    done = 0
    while rounds is None or done < rounds:
        started = time.monotonic()
        run_once()
        done += 1
        if rounds is not None and done >= rounds:
            return
        sleep(max(every.total_seconds() - (time.monotonic() - started), 0))
