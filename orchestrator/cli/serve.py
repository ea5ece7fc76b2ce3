"""`mlx serve PATH`: run a model project's REST API on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlx_deploy.orchestrator.errors import ConfigError, MlxError


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def project_dir(path: Path) -> Path:
    """A project directory, its model.py, or its model.yaml all mean the directory."""
    return path.parent if path.is_file() and path.suffix in (".yaml", ".yml") else path


def serve(
    path: Annotated[Path, typer.Argument(help="Model project directory (with model.py), or its model.yaml.")],
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 exposes it to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8080,
    model_class: Annotated[str | None, typer.Option(help="Class in model.py, when it defines several.")] = None,
    max_batch_size: Annotated[int | None, typer.Option(min=1, help="Items per predict call (1 = no batching).")] = None,
    max_wait_ms: Annotated[float | None, typer.Option(min=0, help="How long an item waits for company.")] = None,
    max_queue: Annotated[int | None, typer.Option(min=1, help="Items that may wait before 503 (default: 8 batches, at least 128).")] = None,
    timeout: Annotated[float | None, typer.Option(min=0.001, help="Per-request timeout, seconds.")] = None,
    max_body_bytes: Annotated[int | None, typer.Option(min=1024, help="Largest request body accepted.")] = None,
    api_keys_file: Annotated[Path | None, typer.Option(help="File with API keys, one a line (adds to MLX_API_KEYS).")] = None,
    metrics_public: Annotated[bool, typer.Option("--metrics-public", help="Serve /metrics without an API key (also MLX_METRICS_PUBLIC=1).")] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve a model: MAX-style /model/predict, Open Inference Protocol v2, /docs, /metrics.

    API keys come from MLX_API_KEYS (comma-separated) and MLX_API_KEYS_FILE or
    --api-keys-file; when any is set, every model route needs `Authorization: Bearer KEY`.
    """
    try:
        from mlx_deploy.serving.loader import ModelLoadError
        from mlx_deploy.serving.server import run
        from mlx_deploy.serving.settings import SettingsError, keys_from_file, settings_from_env
    except ImportError as exc:
        raise MlxError(f"the serving runtime is not installed ({exc.name} missing)", "Install it: pip install 'mlx-deploy[serve]'.") from exc
    if log_level not in ("debug", "info", "warning", "error"):
        raise ConfigError(f"unknown log level {log_level!r}", "Use debug, info, warning or error.")
    try:
        settings = settings_from_env()
        if api_keys_file is not None:
            settings = settings.with_options(api_keys=settings.api_keys | keys_from_file(api_keys_file))
        settings = settings.with_options(
            max_batch_size=max_batch_size, max_wait_ms=max_wait_ms, max_queue=max_queue, timeout_s=timeout,
            max_body_bytes=max_body_bytes, metrics_public=metrics_public or None,
        )
        run(project_dir(path), host, port, settings, model_class, log_level)
    except SettingsError as exc:
        raise ConfigError(str(exc)) from exc
    except ModelLoadError as exc:
        raise MlxError(str(exc)) from exc
