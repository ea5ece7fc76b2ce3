"""One pure-ASGI middleware: request body size limit and per-route metrics."""

from __future__ import annotations

import time

from mlx_deploy.serving.errors import BodyTooLarge, error_response
from mlx_deploy.serving.metrics import Metrics


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def route_label(scope) -> str:
    route = scope.get("route")
    # Unmatched paths share one label so random URLs cannot blow up the metric.
    return getattr(route, "path", None) or "unmatched"


class ServingMiddleware:
    def __init__(self, app, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]
        limit = self.max_body_bytes

        async def send_and_record(message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        received = [0]

        async def limited_receive():
            message = await receive()
            if message["type"] == "http.request":
                received[0] += len(message.get("body", b""))
                if received[0] > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            length = _content_length(scope)
            if length is not None and length > limit:
                error = BodyTooLarge(limit)
                response = error_response(scope["path"], scope["method"], 413, error.message, {"Connection": "close"})
                await response(scope, receive, send_and_record)
                return
            await self.app(scope, limited_receive, send_and_record)
        finally:
            self.metrics.observe_request(route_label(scope), scope["method"], status[0], time.perf_counter() - started)
