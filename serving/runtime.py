"""A loaded model behind a batcher: load state, validated outputs, timeouts."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from pydantic import BaseModel, ValidationError

from mlx_deploy.serving.batching import Batcher, BatcherStopped, QueueFull
from mlx_deploy.serving.errors import ApiError
from mlx_deploy.serving.metrics import Metrics
from mlx_deploy.serving.model import InvalidInput, Model, UnsupportedUpload
from mlx_deploy.serving.settings import ServeSettings, default_max_queue

log = logging.getLogger("mlx_deploy.serving")

LOADING, READY, FAILED = "loading", "ready", "failed"
RETRY_AFTER_S = 1
REJECTION_LOG_EVERY_S = 10.0


class ModelRuntime:
    def __init__(self, model: Model, settings: ServeSettings, metrics: Metrics) -> None:
        self.model = model
        self.metadata = model.metadata
        self.settings = settings
        self.metrics = metrics
        self.state = LOADING
        self.load_error = ""
        self.max_batch_size = settings.max_batch_size or model.max_batch_size
        self.max_wait_ms = model.max_wait_ms if settings.max_wait_ms is None else settings.max_wait_ms
        self.max_queue = settings.max_queue or default_max_queue(self.max_batch_size)
        self._load_task: asyncio.Task | None = None
        self._last_rejection_log = float("-inf")
        self.batcher = Batcher(
            self._predict_checked, self.max_batch_size, self.max_wait_ms, metrics.observe_batch, self.max_queue
        )
        metrics.queue_depth.set_function(lambda: self.batcher.queued)

    def start(self) -> None:
        """Start batching and load the model in the background: liveness answers meanwhile."""
        self.batcher.start()
        self._load_task = asyncio.get_running_loop().create_task(self._load(), name="mlx-load")

    async def stop(self) -> None:
        await self.batcher.stop()

    async def _load(self) -> None:
        started = time.perf_counter()
        try:
            # Same worker thread as predict: some frameworks keep per-thread state.
            await asyncio.get_running_loop().run_in_executor(self.batcher._executor, self.model.load)
        except Exception as exc:
            self.state, self.load_error = FAILED, f"{type(exc).__name__}: {exc}"
            log.error("model %s failed to load: %s", self.metadata.name, self.load_error)
            return
        seconds = time.perf_counter() - started
        self.metrics.load_seconds.set(seconds)
        self.metrics.ready.set(1)
        self.state = READY
        log.info("model %s %s loaded in %.2f s", self.metadata.name, self.metadata.version, seconds)

    def stuck_problem(self) -> str:
        """A predict call running far past the request timeout cannot be interrupted: ask for a restart."""
        since = self.batcher.busy_since
        limit = 2 * self.settings.timeout_s
        if since is not None and time.monotonic() - since > limit:
            return f"predict has been running for more than {limit:g} s; restart the server"
        return ""

    def require_live(self) -> None:
        problem = self.stuck_problem()
        if problem:
            raise ApiError(503, problem)

    def readiness_problem(self) -> str:
        if self.state == LOADING:
            return f"model {self.metadata.name} is still loading; retry shortly"
        if self.state == FAILED:
            return f"model {self.metadata.name} failed to load ({self.load_error}); fix the model and restart"
        return self.stuck_problem()

    def require_ready(self) -> None:
        problem = self.readiness_problem()
        if problem:
            loading = self.state == LOADING
            raise ApiError(503, problem, {"Retry-After": "5"} if loading else None, quiet=loading)

    def _predict_checked(self, items: list) -> list:
        results = self.model.predict(items)
        return [self._as_output(result) for result in results]

    def _as_output(self, result: Any) -> Any:
        output_cls: type[BaseModel] = self.model.Output
        if isinstance(result, (BaseException, output_cls)):
            return result
        try:
            return output_cls.model_validate(result)
        except ValidationError as exc:
            return exc

    def _reject(self, exc: QueueFull) -> ApiError:
        self.metrics.rejected.inc()
        now = time.monotonic()
        if now - self._last_rejection_log >= REJECTION_LOG_EVERY_S:  # one line per burst, not one per request
            self._last_rejection_log = now
            log.warning("queue full (%d items): refusing requests with 503; add replicas or raise MLX_MAX_QUEUE",
                        self.max_queue)
        message = f"server busy: {exc}; retry after {RETRY_AFTER_S} s or on another replica"
        return ApiError(503, message, {"Retry-After": str(RETRY_AFTER_S)}, quiet=True)

    async def infer(self, items: list) -> list[BaseModel]:
        """Predict every item (batched with other requests); the first failure decides the error."""
        self.require_ready()
        try:
            self.batcher.admit()
        except QueueFull as exc:
            raise self._reject(exc) from None
        timeout = self.settings.timeout_s
        try:
            async with asyncio.timeout(timeout):
                if len(items) == 1:  # the common case, without gather's extra tasks
                    return [await self.batcher.submit(items[0])]
                results = await asyncio.gather(*(self.batcher.submit(i) for i in items), return_exceptions=True)
            failure = next((r for r in results if isinstance(r, BaseException)), None)
            if failure is not None:
                raise failure
            return results
        except TimeoutError:
            raise ApiError(504, f"prediction took longer than {timeout:g} s; retry, or raise the server timeout") from None
        except UnsupportedUpload as exc:
            raise ApiError(415, str(exc)) from None
        except InvalidInput as exc:
            raise ApiError(400, str(exc)) from None
        except BatcherStopped as exc:
            raise ApiError(503, f"{exc}; retry on another replica") from None
        except Exception as exc:
            log.exception("predict failed in model %s", self.metadata.name)
            raise ApiError(500, f"prediction failed: {type(exc).__name__}: {exc}") from None
