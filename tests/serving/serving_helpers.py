"""Run an app with a real uvicorn on loopback, and small models for edge cases."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from pydantic import BaseModel, ConfigDict, FiniteFloat

from mlx_deploy.serving import InvalidInput, Model, ModelMetadata
from mlx_deploy.serving.app import create_app
from mlx_deploy.serving.settings import ServeSettings

REPO = Path(__file__).resolve().parents[2]
DIGITS = REPO / "examples" / "digits"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running(app, ready_path: str | None = "/health/ready", ready_timeout: float = 30.0):
    """Serve `app` on 127.0.0.1 in a thread; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: server.started, ready_timeout)
        if ready_path:
            wait_until(lambda: httpx.get(base + ready_path).status_code == 200, ready_timeout)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout} s")


class EchoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x: FiniteFloat
    sleep_s: float = 0.0


class EchoOut(BaseModel):
    y: float


class EchoModel(Model):
    """Doubles x. x == 13 makes the whole batch raise; x == 7 is a bad input (4xx)."""

    metadata = ModelMetadata(name="echo", version="2.0.0", description="test model", framework="python")
    Input = EchoIn
    Output = EchoOut

    def __init__(self) -> None:
        self.batch_sizes: list[int] = []

    def predict(self, batch):
        self.batch_sizes.append(len(batch))
        time.sleep(max(item.sleep_s for item in batch))
        if any(item.x == 13 for item in batch):
            raise RuntimeError("unlucky number in the batch")
        return [InvalidInput("7 is not accepted") if item.x == 7 else EchoOut(y=2 * item.x) for item in batch]


class BrokenLoadModel(EchoModel):
    def load(self) -> None:
        raise RuntimeError("weights file missing")


class GatedLoadModel(EchoModel):
    """load() waits until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def load(self) -> None:
        if not self.gate.wait(timeout=30):
            raise RuntimeError("gate never opened")


def echo_app(model: Model | None = None, **settings):
    return create_app(model or EchoModel(), ServeSettings(**settings))
