"""Serving benchmark: the digits example over loopback, batching on vs off.

Starts `python -m mlx_deploy.serving examples/digits` on 127.0.0.1 for each
configuration, drives it with N concurrent keep-alive clients (a minimal
asyncio HTTP/1.1 client, so the client costs little), and prints requests/s
and p50/p99 latency. Then compares one request at a time against calling
`predict` directly in-process: the difference is the framework's overhead.
Bounded: at most --requests per run and --seconds per run, loopback only.

    python bench/serve.py [--clients 64] [--requests 1500] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DIGITS = REPO / "examples" / "digits"
# The floor: a model whose predict() does nothing, so all that is left is the framework.
NOOP_MODEL = """
from pydantic import BaseModel
from mlx_deploy.serving import Model, ModelMetadata

class Pixels(BaseModel):
    pixels: list[list[float]]

class Label(BaseModel):
    label: int

class Noop(Model):
    metadata = ModelMetadata(name="noop", version="1")
    Input, Output, max_wait_ms = Pixels, Label, 0.0

    def predict(self, batch):
        return [Label(label=0) for _ in batch]
"""
KEY = "bench-key"
CONFIGS = {  # name -> (max_batch_size, max_wait_ms)
    "batching off": (1, 0.0),
    "batching on, no wait": (64, 0.0),
    "batching on, 2 ms wait": (64, 2.0),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(max_batch_size: int, max_wait_ms: float, project: Path = DIGITS) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "mlx_deploy.serving", str(project), "--port", str(port), "--log-level", "warning",
               "--max-batch-size", str(max_batch_size), "--max-wait-ms", str(max_wait_ms)]
    server = subprocess.Popen(command, env={**os.environ, "MLX_API_KEYS": KEY}, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=1) as answer:
                if answer.status == 200:
                    return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("server did not become ready within 60 s")


def request_bytes(body: bytes) -> bytes:
    head = (f"POST /model/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {KEY}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def one_client(port: int, payload: bytes, budget: list[int], deadline: float, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            started = time.perf_counter()
            writer.write(payload)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
            await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.split(b"\r\n")[0].decode())
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def drive(port: int, payload: bytes, clients: int, requests: int, seconds: float) -> dict:
    latencies: list[float] = []
    budget = [requests]
    started = time.perf_counter()
    await asyncio.gather(*(one_client(port, payload, budget, started + seconds, latencies) for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return summary(latencies, elapsed)


def summary(latencies: list[float], elapsed: float) -> dict:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "rps": len(ordered) / elapsed,
        "mean_ms": 1000 * statistics.fmean(ordered),
        "p50_ms": 1000 * ordered[len(ordered) // 2],
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
    }


def direct_predict_ms(calls: int) -> float:
    """Median time of predict() on one validated item, in this process."""
    sys.path.insert(0, str(DIGITS))
    from mlx_deploy.serving.loader import load_model_class

    model = load_model_class(DIGITS)()
    model.load()
    item = model.Input.model_validate(json.loads(body_json())["instances"][0])
    model.predict([item])
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        model.predict([item])
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def body_json() -> str:
    pixels = [[0, 0, 5, 13, 9, 1, 0, 0], [0, 0, 13, 15, 10, 15, 5, 0], [0, 3, 15, 2, 0, 11, 8, 0], [0, 4, 12, 0, 0, 8, 8, 0],
              [0, 5, 8, 0, 0, 9, 8, 0], [0, 4, 11, 0, 1, 12, 7, 0], [0, 2, 14, 5, 10, 12, 0, 0], [0, 0, 6, 13, 10, 0, 0, 0]]
    return json.dumps({"instances": [{"pixels": pixels}]})


def scrape(port: int) -> dict[str, float]:
    """Sums and counts of the server's own timings (predict calls and /model/predict requests)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        text = answer.read().decode()
    wanted = {
        "predict_sum": "mlx_predict_latency_seconds_sum ", "predict_count": "mlx_predict_latency_seconds_count ",
        "request_sum": 'mlx_request_latency_seconds_sum{route="/model/predict"} ',
        "request_count": 'mlx_request_latency_seconds_count{route="/model/predict"} ',
    }
    values = {}
    for key, prefix in wanted.items():
        values[key] = next(float(line.split()[-1]) for line in text.splitlines() if line.startswith(prefix))
    return values


def low_load(port: int, payload: bytes, requests: int, seconds: float) -> dict:
    """One client, one request at a time; the server's own predict time is subtracted."""
    before = scrape(port)
    result = asyncio.run(drive(port, payload, 1, requests, seconds))
    after = scrape(port)
    delta = {k: after[k] - before[k] for k in after}
    predict_ms = 1000 * delta["predict_sum"] / delta["predict_count"]
    result["predict_ms"] = predict_ms
    result["server_overhead_ms"] = 1000 * delta["request_sum"] / delta["request_count"] - predict_ms
    result["client_overhead_ms"] = result["mean_ms"] - predict_ms
    return result


def run_config(size: int, wait: float, payload: bytes, args, project: Path = DIGITS) -> tuple[dict | None, dict]:
    server, port = start_server(size, wait, project)
    try:
        asyncio.run(drive(port, payload, 4, 50, 5))  # warm-up
        loaded = None
        if project == DIGITS:
            loaded = asyncio.run(drive(port, payload, args.clients, args.requests, args.seconds))
        return loaded, low_load(port, payload, args.low_load_requests, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests", type=int, default=1500, help="per run, at most")
    parser.add_argument("--seconds", type=float, default=20.0, help="per run, at most")
    parser.add_argument("--low-load-requests", type=int, default=300)
    args = parser.parse_args()
    payload = request_bytes(body_json().encode())
    results = {name: run_config(size, wait, payload, args) for name, (size, wait) in CONFIGS.items()}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "model.py").write_text(NOOP_MODEL)
        floor = run_config(64, 0.0, payload, args, Path(tmp))[1]
    direct = direct_predict_ms(200)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"digits example (random forest, 200 trees), loopback, {os.cpu_count()} CPUs, load average {load}")
    print(f"direct predict() of 1 item in this process: median {direct:.2f} ms")
    print(f"{'configuration':<24}|{args.clients} clients: req/s  p50 ms  p99 ms"
          " | 1 client: p50 ms  predict ms  overhead ms (server / client-seen)")
    for name, (loaded, alone) in results.items():
        print(f"{name:<24}|{loaded['rps']:>17.0f}{loaded['p50_ms']:>8.1f}{loaded['p99_ms']:>8.1f} |" + low_line(alone))
    print(f"{'no-op model (floor)':<24}|{'':>33} |" + low_line(floor))
    base = results["batching off"][0]["rps"]
    for name in list(CONFIGS)[1:]:
        print(f"throughput at {args.clients} clients, {name} vs off: {results[name][0]['rps'] / base:.1f}x")


def low_line(alone: dict) -> str:
    return (f"{alone['p50_ms']:>16.2f}{alone['predict_ms']:>12.2f}"
            f"{alone['server_overhead_ms']:>12.2f} / {alone['client_overhead_ms']:.2f}")


if __name__ == "__main__":
    main()
