"""Dynamic batching, per-item failures, timeouts and load failures over real HTTP."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from mlx_deploy.serving.batching import Batcher, BatchContractError, predict_isolated
from serving_helpers import BrokenLoadModel, EchoModel, GatedLoadModel, echo_app, running


def post_x(base: str, x: float, sleep_s: float = 0.0) -> httpx.Response:
    return httpx.post(f"{base}/model/predict", json={"instances": [{"x": x, "sleep_s": sleep_s}]}, timeout=10)


def concurrently(base: str, xs: list[float], sleep_s: float = 0.0) -> list[httpx.Response]:
    with ThreadPoolExecutor(max_workers=len(xs)) as pool:
        return list(pool.map(lambda x: post_x(base, x, sleep_s), xs))


def test_concurrent_requests_share_predict_calls_and_get_their_own_results():
    model = EchoModel()
    with running(echo_app(model, max_batch_size=8, max_wait_ms=50)) as base:
        xs = [float(i) for i in range(26) if i not in (7, 13)]  # 7 and 13 are the failing inputs
        responses = concurrently(base, xs, sleep_s=0.02)
    assert [r.json()["predictions"][0]["y"] for r in responses] == [2 * x for x in xs]
    assert max(model.batch_sizes) > 1 and max(model.batch_sizes) <= 8
    assert sum(model.batch_sizes) == len(xs)


def test_batch_size_one_never_batches():
    model = EchoModel()
    with running(echo_app(model, max_batch_size=1, max_wait_ms=50)) as base:
        concurrently(base, [1.0, 2.0, 3.0, 4.0])
    assert model.batch_sizes == [1, 1, 1, 1]


def test_a_failing_item_fails_only_its_own_request():
    model = EchoModel()
    with running(echo_app(model, max_batch_size=16, max_wait_ms=100)) as base:
        responses = concurrently(base, [1.0, 13.0, 2.0, 7.0, 3.0])
    codes = [r.status_code for r in responses]
    assert codes == [200, 500, 200, 400, 200]
    assert "unlucky number" in responses[1].json()["message"]
    assert responses[3].json() == {"status": "error", "message": "7 is not accepted"}
    assert max(model.batch_sizes) > 1  # they really were batched together


def test_timeout_answers_504_and_server_keeps_serving():
    with running(echo_app(timeout_s=0.3)) as base:
        started = time.monotonic()
        slow = post_x(base, 1.0, sleep_s=1.5)
        assert time.monotonic() - started < 1.2
        assert slow.status_code == 504 and "longer than 0.3 s" in slow.json()["message"]
        time.sleep(1.3)  # the worker finishes the slow call
        assert post_x(base, 2.0).json()["predictions"] == [{"y": 4.0}]


def test_a_stuck_predict_fails_liveness_until_it_returns():
    with running(echo_app(timeout_s=0.1)) as base:
        with ThreadPoolExecutor(max_workers=1) as pool:
            slow = pool.submit(post_x, base, 1.0, 1.0)
            time.sleep(0.5)
            live = httpx.get(base + "/health")
            assert live.status_code == 503 and "restart the server" in live.json()["message"]
            assert httpx.get(base + "/v2/health/live").status_code == 503
            assert httpx.get(base + "/health/ready").status_code == 503
            assert slow.result().status_code == 504
        time.sleep(0.7)
        assert httpx.get(base + "/health").status_code == 200


def test_load_failure_keeps_health_up_and_answers_503():
    with running(echo_app(BrokenLoadModel()), ready_path=None) as base:
        time.sleep(0.2)
        assert httpx.get(base + "/health").status_code == 200
        ready = httpx.get(base + "/health/ready")
        assert ready.status_code == 503 and "weights file missing" in ready.json()["message"]
        assert post_x(base, 1.0).status_code == 503
        v2 = httpx.get(base + "/v2/health/ready")
        assert v2.status_code == 503 and "failed to load" in v2.json()["error"]
        assert "mlx_model_ready 0.0" in httpx.get(base + "/metrics").text


def test_not_ready_until_load_finishes():
    model = GatedLoadModel()
    with running(echo_app(model), ready_path=None) as base:
        loading = httpx.get(base + "/health/ready")
        assert loading.status_code == 503 and loading.headers["retry-after"] == "5"
        assert post_x(base, 1.0).status_code == 503
        model.gate.set()
        deadline = time.monotonic() + 5
        while httpx.get(base + "/health/ready").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert post_x(base, 1.0).status_code == 200


def test_multi_instance_request_with_keys_from_settings():
    with running(echo_app(api_keys=frozenset({"k1"}))) as base:
        body = {"instances": [{"x": 1}, {"x": 2}, {"x": 3}]}
        assert httpx.post(base + "/model/predict", json=body).status_code == 401
        answer = httpx.post(base + "/model/predict", json=body, headers={"Authorization": "Bearer k1"})
        assert [p["y"] for p in answer.json()["predictions"]] == [2, 4, 6]


def test_predict_isolated_retries_items_alone():
    calls = []

    def predict(items):
        calls.append(list(items))
        if "bad" in items:
            raise ValueError("bad item")
        return [item.upper() for item in items]

    results = predict_isolated(predict, ["a", "bad", "c"])
    assert results[0] == "A" and results[2] == "C"
    assert isinstance(results[1], ValueError)
    assert calls == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]


def test_wrong_result_count_is_reported_per_item():
    results = predict_isolated(lambda items: [], ["a"])
    assert isinstance(results[0], BatchContractError)


def test_batcher_waits_at_most_max_wait_for_company():
    sizes = []

    async def scenario():
        batcher = Batcher(lambda items: items, max_batch_size=4, max_wait_ms=30, on_batch=lambda n, s: sizes.append(n))
        batcher.start()
        first = await asyncio.gather(*(batcher.submit(i) for i in range(10)))
        started = time.monotonic()
        alone = await batcher.submit("alone")
        waited = time.monotonic() - started
        await batcher.stop()
        return first, alone, waited

    first, alone, waited = asyncio.run(scenario())
    assert first == list(range(10)) and alone == "alone"
    assert sizes[:3] == [4, 4, 2]
    assert 0.02 < waited < 0.5


def test_one_bad_instance_fails_a_multi_instance_request_with_its_message():
    with running(echo_app()) as base:
        answer = httpx.post(base + "/model/predict", json={"instances": [{"x": 1}, {"x": 7}, {"x": 2}]})
        assert answer.status_code == 400 and answer.json()["message"] == "7 is not accepted"
        assert post_x(base, 3.0).json()["predictions"] == [{"y": 6.0}]
