"""`python -m mlx_deploy.serving PATH`: the container entry point (no orchestrator needed)."""

from __future__ import annotations

import argparse
import os
import sys

from mlx_deploy.serving.loader import ModelLoadError
from mlx_deploy.serving.server import DEFAULT_PORT, run
from mlx_deploy.serving.settings import SettingsError, keys_from_file, settings_from_env


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m mlx_deploy.serving", description="Serve a model project over HTTP.")
    parser.add_argument("path", help="model project directory (with model.py)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or DEFAULT_PORT), help="default: $PORT, else 8080")
    parser.add_argument("--model-class", default=None, help="class in model.py, when it has several")
    parser.add_argument("--max-batch-size", type=int, default=None)
    parser.add_argument("--max-wait-ms", type=float, default=None)
    parser.add_argument("--max-queue", type=int, default=None, help="items that may wait before 503 (default: 8 batches, at least 128)")
    parser.add_argument("--timeout", type=float, default=None, help="per-request timeout in seconds")
    parser.add_argument("--max-body-bytes", type=int, default=None)
    parser.add_argument("--api-keys-file", default=None)
    parser.add_argument("--metrics-public", action="store_true", default=None,
                        help="serve /metrics without an API key (also MLX_METRICS_PUBLIC=1)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = settings_from_env()
        if args.api_keys_file:
            settings = settings.with_options(api_keys=settings.api_keys | keys_from_file(args.api_keys_file))
        settings = settings.with_options(
            max_batch_size=args.max_batch_size, max_wait_ms=args.max_wait_ms, max_queue=args.max_queue,
            timeout_s=args.timeout, max_body_bytes=args.max_body_bytes, metrics_public=args.metrics_public,
        )
        run(args.path, args.host, args.port, settings, args.model_class, args.log_level)
    except (ModelLoadError, SettingsError) as exc:
        print(f"mlx serve: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
