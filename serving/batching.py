"""Dynamic batching: gather concurrent items into one `predict` call.

Items wait at most `max_wait_ms` for company, up to `max_batch_size` per call.
`predict` runs in one worker thread so the event loop keeps serving requests
(health checks, metrics, new items) while the model computes. If a whole batch
raises, each item is retried alone so that one bad item fails only its own
request.
The queue is bounded: once `max_queue` items wait, new requests are refused at
once (the caller answers 503 with Retry-After) instead of waiting to time out.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable


class BatchContractError(RuntimeError):
    """`predict` broke its contract (for example, returned the wrong number of results)."""


class BatcherStopped(RuntimeError):
    """The server is shutting down; the item was not predicted."""


class QueueFull(RuntimeError):
    """Too many items already wait for the model; nothing of the request was queued."""


@dataclass
class _Pending:
    item: Any
    future: asyncio.Future


def predict_isolated(predict: Callable[[list], list], items: list) -> list:
    """One result per item: the model's output, or the exception for that item alone."""
    try:
        results = list(predict(items))
        if len(results) != len(items):
            raise BatchContractError(f"predict returned {len(results)} results for {len(items)} inputs")
        return results
    except Exception as exc:
        if len(items) == 1:
            return [exc]
        return [predict_isolated(predict, [item])[0] for item in items]


class Batcher:
    def __init__(
        self,
        predict: Callable[[list], list],
        max_batch_size: int,
        max_wait_ms: float,
        on_batch: Callable[[int, float], None] | None = None,
        max_queue: int | None = None,
    ) -> None:
        self.predict = predict
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_ms / 1000.0
        self.on_batch = on_batch
        self.max_queue = max_queue  # None: unbounded
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlx-predict")
        self._task: asyncio.Task | None = None
        self.busy_since: float | None = None  # monotonic start of the running predict call

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="mlx-batcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        while not self._queue.empty():
            pending = self._queue.get_nowait()
            if not pending.future.done():
                pending.future.set_exception(BatcherStopped("server is shutting down"))
        self._executor.shutdown(wait=False, cancel_futures=True)

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    def admit(self) -> None:
        """Refuse a request while the queue is full. A request is admitted whole (all its items)
        while fewer than `max_queue` items wait, so a large request is never refused for good."""
        if self.max_queue is not None and self._queue.qsize() >= self.max_queue:
            raise QueueFull(f"{self._queue.qsize()} items already wait for the model")

    async def submit(self, item: Any) -> Any:
        """Predict one item together with whatever else is waiting; raises that item's error.
        Call `admit()` first (once per request) to apply the queue bound."""
        future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(item, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [p for p in await self._collect() if not p.future.done()]
            if not batch:
                continue
            self.busy_since = time.monotonic()
            try:
                results, seconds = await loop.run_in_executor(self._executor, self._timed, [p.item for p in batch])
            finally:
                self.busy_since = None
            if self.on_batch is not None:
                self.on_batch(len(batch), seconds)
            for pending, result in zip(batch, results):
                if pending.future.done():  # timed out or client gone meanwhile
                    continue
                if isinstance(result, BaseException):
                    pending.future.set_exception(result)
                else:
                    pending.future.set_result(result)

    def _timed(self, items: list) -> tuple[list, float]:
        """Runs in the worker thread, so the time is the model's alone, not the thread hand-off."""
        started = time.perf_counter()
        results = predict_isolated(self.predict, items)
        return results, time.perf_counter() - started

    async def _collect(self) -> list[_Pending]:
        batch = [await self._queue.get()]
        deadline = asyncio.get_running_loop().time() + self.max_wait_s
        while len(batch) < self.max_batch_size:
            try:
                batch.append(self._queue.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
            except TimeoutError:
                break
        return batch
