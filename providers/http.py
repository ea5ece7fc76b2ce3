"""HTTP for scrapers: retries with backoff on 429/5xx and dropped connections,
a timeout on every call, and a User-Agent naming mlx.

`requests` is imported here, never on the quote path.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

TIMEOUT_SECONDS = (10, 60)  # connect, read
RETRIES = 5
BACKOFF_SECONDS = 1.0
RETRY_STATUSES = (429, 500, 502, 503, 504)


def user_agent() -> str:
    try:
        release = version("mlx-deploy")
    except PackageNotFoundError:
        release = "dev"
    return f"mlx-deploy/{release} (+catalogue refresh)"


def session(retries: int | None = None, backoff: float | None = None):
    """A requests.Session that retries idempotent GETs and sends our User-Agent."""
    retries = RETRIES if retries is None else retries
    backoff = BACKOFF_SECONDS if backoff is None else backoff
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    result = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    result.mount("https://", adapter)
    result.mount("http://", adapter)
    result.headers["User-Agent"] = user_agent()
    result.headers["Accept"] = "application/json"
    return result
