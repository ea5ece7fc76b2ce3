"""Runtime settings: model-class defaults, then environment, then explicit options."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
QUEUED_BATCHES = 8  # default queue bound: this many full batches may wait
MIN_MAX_QUEUE = 128  # so an unbatched server still takes a burst of concurrent clients


def default_max_queue(max_batch_size: int) -> int:
    return max(MIN_MAX_QUEUE, QUEUED_BATCHES * max_batch_size)


class SettingsError(ValueError):
    """A setting that cannot be used, with what to do about it."""


@dataclass(frozen=True)
class ServeSettings:
    max_batch_size: int | None = None  # None: the model class's default
    max_wait_ms: float | None = None
    max_queue: int | None = None  # None: default_max_queue(max batch size)
    timeout_s: float = 30.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    api_keys: frozenset[str] = field(default_factory=frozenset)
    metrics_public: bool = False  # /metrics without a key (scrapers inside a private network)

    def checked(self) -> "ServeSettings":
        if self.max_batch_size is not None and self.max_batch_size < 1:
            raise SettingsError("max batch size must be at least 1")
        if self.max_wait_ms is not None and self.max_wait_ms < 0:
            raise SettingsError("max wait must be 0 ms or more")
        if self.max_queue is not None and self.max_queue < 1:
            raise SettingsError("max queue must be at least 1 item")
        if self.timeout_s <= 0:
            raise SettingsError("request timeout must be above 0 seconds")
        if self.max_body_bytes < 1024:
            raise SettingsError("max body size must be at least 1024 bytes")
        return self

    def with_options(self, **options) -> "ServeSettings":
        """Apply the options that were given (None means: not given)."""
        given = {k: v for k, v in options.items() if v is not None}
        return replace(self, **given).checked()


def parse_keys(text: str) -> frozenset[str]:
    """Keys separated by commas or newlines; blank entries and `#` comments ignored."""
    keys = set()
    for line in text.replace(",", "\n").splitlines():
        key = line.split("#", 1)[0].strip()
        if key:
            keys.add(key)
    return frozenset(keys)


def keys_from_file(path: str | Path) -> frozenset[str]:
    try:
        return parse_keys(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"cannot read API keys file {path}: {exc.strerror}; check the path") from exc


def _number(env: dict, name: str, kind: type):
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return kind(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not a valid {kind.__name__}; fix or unset it") from exc


def _flag(env: dict, name: str) -> bool | None:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return None
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={env[name]!r} is not a yes/no flag; set it to 1 or 0")


def settings_from_env(env: dict | None = None) -> ServeSettings:
    """MLX_API_KEYS (comma-separated), MLX_API_KEYS_FILE, MLX_MAX_BATCH_SIZE, MLX_MAX_QUEUE, ..."""
    env = os.environ if env is None else env
    keys = parse_keys(env.get("MLX_API_KEYS", ""))
    if env.get("MLX_API_KEYS_FILE"):
        keys = keys | keys_from_file(env["MLX_API_KEYS_FILE"])
    return ServeSettings(api_keys=keys).with_options(
        max_batch_size=_number(env, "MLX_MAX_BATCH_SIZE", int),
        max_wait_ms=_number(env, "MLX_MAX_WAIT_MS", float),
        max_queue=_number(env, "MLX_MAX_QUEUE", int),
        timeout_s=_number(env, "MLX_REQUEST_TIMEOUT_S", float),
        max_body_bytes=_number(env, "MLX_MAX_BODY_BYTES", int),
        metrics_public=_flag(env, "MLX_METRICS_PUBLIC"),
    )
