"""Run a model project with uvicorn (used by `mlx serve` and `python -m mlx_deploy.serving`)."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

from mlx_deploy.serving.loader import ModelLoadError, load_model_class
from mlx_deploy.serving.settings import ServeSettings, SettingsError

DEFAULT_PORT = 8080
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def build_app(path: str | Path, settings: ServeSettings, class_name: str | None = None):
    from mlx_deploy.serving.app import create_app

    cls = load_model_class(path, class_name)
    try:
        model = cls()
    except Exception as exc:
        raise ModelLoadError(f"creating {cls.__name__}() failed: {type(exc).__name__}: {exc}; do heavy work in load()") from exc
    return create_app(model, settings)


def check_port_free(host: str, port: int) -> None:
    """Fail with a clear message before loading the model, rather than after."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise SettingsError(f"cannot listen on {host}:{port} ({exc.strerror}); pick another port with --port") from None


def run(path: str | Path, host: str, port: int, settings: ServeSettings, class_name: str | None = None,
        log_level: str = "info", access_log: bool = False) -> None:
    import uvicorn

    check_port_free(host, port)
    logging.basicConfig(level=log_level.upper(), format=LOG_FORMAT)
    app = build_app(path, settings, class_name)
    logging.getLogger("mlx_deploy.serving").info(
        "serving %s on http://%s:%d (docs at /docs, API keys %s)", Path(path), host, port,
        "required" if settings.api_keys else "NOT configured: every client is let in",
    )
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=access_log, timeout_graceful_shutdown=10)
