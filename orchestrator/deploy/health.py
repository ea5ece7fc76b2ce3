"""Is the endpoint answering? One probe, and a wait with a deadline."""

from __future__ import annotations

import time
import urllib.error
import urllib.request


def probe(url: str, timeout: float = 2.0) -> str | None:
    """None when `url` answers 2xx, else a short reason."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own endpoint
            return None if 200 <= response.status < 300 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return str(reason) or type(exc).__name__


def wait_healthy(url: str, timeout: float, interval: float = 0.25) -> str | None:
    """Poll until `url` answers 2xx (None) or `timeout` seconds pass (the last reason)."""
    deadline = time.monotonic() + timeout
    while True:
        problem = probe(url, timeout=min(2.0, max(timeout, 0.1)))
        if problem is None or time.monotonic() >= deadline:
            return problem
        time.sleep(interval)
