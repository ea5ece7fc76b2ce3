"""Back-pressure over real HTTP: a full batching queue answers 503 with Retry-After at once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from serving_helpers import EchoModel, echo_app, running, wait_until


def post(base: str, x: float, sleep_s: float = 0.0) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(base + "/model/predict", json={"instances": [{"x": x, "sleep_s": sleep_s}]}, timeout=10)
    return response, time.monotonic() - started


def metric(base: str, name: str) -> float:
    for line in httpx.get(base + "/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def test_full_queue_answers_503_at_once_and_counts_rejections():
    model = EchoModel()
    with running(echo_app(model, max_batch_size=1, max_wait_ms=0, max_queue=2, timeout_s=10)) as base:
        assert httpx.get(base + "/model/metadata").json()["batching"]["max_queue"] == 2
        with ThreadPoolExecutor(max_workers=3) as pool:
            slow = pool.submit(post, base, 1.0, 1.5)
            wait_until(lambda: model.batch_sizes == [1], 5)  # the worker is busy with the slow item
            queued = [pool.submit(post, base, x) for x in (2.0, 3.0)]
            wait_until(lambda: metric(base, "mlx_queue_depth") == 2, 5)

            rejected = [post(base, 4.0) for _ in range(3)]
            oip = httpx.post(base + "/v2/models/echo/infer", timeout=10, json={"inputs": [
                {"name": "x", "datatype": "FP64", "shape": [1], "data": [5.0]}]})

            for response, seconds in rejected:
                assert response.status_code == 503
                assert response.headers["Retry-After"] == "1"
                body = response.json()
                assert body["status"] == "error" and "server busy" in body["message"]
                assert seconds < 1.0  # refused at once, not after the 10 s timeout
            assert oip.status_code == 503 and "server busy" in oip.json()["error"]
            assert oip.headers["Retry-After"] == "1"
            assert not slow.done()  # all of that happened while the model was still busy

            assert slow.result()[0].json()["predictions"] == [{"y": 2.0}]
            assert [f.result()[0].json()["predictions"][0]["y"] for f in queued] == [4.0, 6.0]
        assert metric(base, "mlx_rejected_requests_total") == 4
        assert post(base, 6.0)[0].json()["predictions"] == [{"y": 12.0}]  # drained: admitted again
    assert sum(model.batch_sizes) == 4  # rejected items never reached the model


def test_burst_beyond_the_bound_gets_503_not_504():
    model = EchoModel()
    with running(echo_app(model, max_batch_size=1, max_wait_ms=0, max_queue=2, timeout_s=10)) as base:
        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(lambda x: post(base, x, 0.3), [float(i) for i in range(12)]))
        codes = [response.status_code for response, _ in results]
        assert set(codes) <= {200, 503} and codes.count(503) >= 1
        assert all(seconds < 1.0 for (response, seconds) in results if response.status_code == 503)
        assert metric(base, "mlx_rejected_requests_total") == codes.count(503)
    assert sum(model.batch_sizes) == codes.count(200)


def test_default_bound_follows_max_batch_size():
    with running(echo_app(max_batch_size=64)) as base:
        assert httpx.get(base + "/model/metadata").json()["batching"] == {
            "max_batch_size": 64, "max_wait_ms": 2.0, "max_queue": 8 * 64}
    with running(echo_app(max_batch_size=1)) as base:
        assert httpx.get(base + "/model/metadata").json()["batching"]["max_queue"] == 128
