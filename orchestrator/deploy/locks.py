"""One lock per deployment name, so two operations on it never run at once.

An flock on `<locks_dir>/<name>.lock`: the kernel drops it when the holder
dies, so a crashed mlx never leaves a stale lock. The file says who holds it.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from mlx_deploy.orchestrator import paths
from mlx_deploy.orchestrator.errors import LockedError


def _lock_path(name: str):
    return paths.locks_dir() / f"{name}.lock"


@contextmanager
def deployment_lock(name: str, operation: str) -> Iterator[None]:
    """Hold the lock on `name` for `operation`; LockedError naming the holder if taken."""
    fd = os.open(_lock_path(name), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"deployment {name!r} is busy: {describe_holder(_read(fd))}",
                "Wait for that command to finish, then try again.",
            ) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "operation": operation,
            "command": " ".join(["mlx", *sys.argv[1:]])[:200],
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def is_locked(name: str) -> bool:
    """True while some process holds the lock on `name` (used to spot interrupted operations)."""
    path = _lock_path(name)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _read(fd: int) -> dict:
    try:
        return json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return {}


def describe_holder(holder: dict) -> str:
    if not holder:
        return "another mlx process holds its lock"
    return (
        f"{holder.get('operation', 'an operation')} by pid {holder.get('pid', '?')} on {holder.get('host', '?')} "
        f"since {holder.get('since', '?')} (`{holder.get('command', 'mlx')}`)"
    )
