"""Every route of the digits example over real HTTP, with API keys on."""

from __future__ import annotations

import base64
import io

import httpx
import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from serving_helpers import echo_app, running

DIGITS_DATA = load_digits()


def digit_pixels(index: int) -> list[list[float]]:
    return DIGITS_DATA.images[index].tolist()


def digit_image(index: int, fmt: str = "PNG") -> bytes:
    """A dataset digit drawn as a person would: dark ink on white paper, 64x64."""
    ink = DIGITS_DATA.images[index] / 16.0
    paper = (255 * (1 - ink)).astype(np.uint8)
    image = Image.fromarray(paper, mode="L").resize((64, 64), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def predict(url, auth, body, **kwargs):
    return httpx.post(f"{url}/model/predict", json=body, headers=auth, **kwargs)


def test_health_routes_are_open(digits_url):
    for path in ("/health", "/health/ready", "/v2/health/live", "/v2/health/ready", "/v2/models/digits/ready",
                 "/v2/models/digits/versions/1.0.0/ready", "/v2"):
        response = httpx.get(digits_url + path)
        assert response.status_code == 200, path
    assert httpx.get(digits_url + "/health/ready").json() == {"status": "ok"}
    assert httpx.get(digits_url + "/v2/health/ready").json()["ready"] is True


@pytest.mark.parametrize("path", ["/model/metadata", "/metrics", "/v2/models/digits", "/v2/models/digits/versions/1.0.0"])
def test_model_routes_need_a_key(digits_url, path):
    missing = httpx.get(digits_url + path)
    wrong = httpx.get(digits_url + path, headers={"Authorization": "Bearer nope"})
    other_scheme = httpx.get(digits_url + path, headers={"Authorization": "Basic dGVzdDp0ZXN0"})
    for response in (missing, wrong, other_scheme):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
    assert "key" in (missing.json().get("message") or missing.json().get("error"))
    assert httpx.get(digits_url + path, headers={"Authorization": "Bearer second-key"}).status_code == 200


def test_predict_needs_a_key(digits_url):
    response = predict(digits_url, {}, {"instances": [{"pixels": digit_pixels(0)}]})
    assert response.status_code == 401
    assert response.json()["status"] == "error"


def test_metadata(digits_url, auth):
    body = httpx.get(digits_url + "/model/metadata", headers=auth).json()
    assert body["status"] == "ok"
    assert body["metadata"]["name"] == "digits"
    assert body["metadata"]["licence"].startswith("BSD-3-Clause")
    assert body["batching"] == {"max_batch_size": 64, "max_wait_ms": 0.0, "max_queue": 512}


def test_predict_pixels_classifies_digits(digits_url, auth):
    indices = list(range(0, 40))
    response = predict(digits_url, auth, {"instances": [{"pixels": digit_pixels(i)} for i in indices]})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and len(body["predictions"]) == len(indices)
    labels = [p["label"] for p in body["predictions"]]
    assert sum(label == DIGITS_DATA.target[i] for label, i in zip(labels, indices)) >= 38
    for prediction in body["predictions"]:
        assert len(prediction["probabilities"]) == 10
        assert sum(prediction["probabilities"]) == pytest.approx(1.0)
        assert prediction["label"] == int(np.argmax(prediction["probabilities"]))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_predict_uploaded_image(digits_url, auth, fmt):
    files = [("file", (f"digit{i}.{fmt.lower()}", digit_image(i, fmt), f"image/{fmt.lower()}")) for i in (3, 4, 5)]
    response = httpx.post(digits_url + "/model/predict", files=files, headers=auth)
    assert response.status_code == 200, response.text
    assert [p["label"] for p in response.json()["predictions"]] == [3, 4, 5]


def test_predict_base64_image_in_json(digits_url, auth):
    encoded = base64.b64encode(digit_image(7)).decode()
    response = predict(digits_url, auth, {"instances": [{"image": encoded}]})
    assert response.status_code == 200
    assert response.json()["predictions"][0]["label"] == 7


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"instances": [{"pixels": [[0] * 8] * 7}]}, 422, "instances.0.pixels"),
        ({"instances": [{"pixels": [[0] * 8] * 8, "image": "aGk="}]}, 422, "exactly one"),
        ({"instances": [{"pixels": [["a"] * 8] * 8}]}, 422, "valid number"),
        ({"instances": [{"pixels": [[17] * 8] * 8}]}, 422, "less than or equal"),
        ({"instances": []}, 422, "at least 1"),
        ({"rows": []}, 422, "instances"),
        ({"instances": [{"image": "!!!not base64!!!"}]}, 400, "base64"),
        ({"instances": [{"image": base64.b64encode(b"%PDF-1.4 not an image").decode()}]}, 400, "not a readable"),
    ],
)
def test_predict_rejects_bad_input(digits_url, auth, body, status, words):
    response = predict(digits_url, auth, body)
    assert response.status_code == status
    assert response.json()["status"] == "error"
    assert words in response.json()["message"]


def test_malformed_json_is_400(digits_url, auth):
    response = httpx.post(digits_url + "/model/predict", content=b'{"instances": [', headers={**auth, "content-type": "application/json"})
    assert response.status_code == 400
    assert "malformed JSON" in response.json()["message"]


def test_non_image_upload_and_other_formats(digits_url, auth):
    text = httpx.post(digits_url + "/model/predict", files={"file": ("notes.txt", b"hello", "text/plain")}, headers=auth)
    assert text.status_code == 400 and "not a readable" in text.json()["message"]
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, format="GIF")
    gif = httpx.post(digits_url + "/model/predict", files={"file": ("d.gif", buffer.getvalue(), "image/gif")}, headers=auth)
    assert gif.status_code == 415 and "PNG or JPEG" in gif.json()["message"]
    plain = httpx.post(digits_url + "/model/predict", content=b"hi", headers={**auth, "content-type": "text/plain"})
    assert plain.status_code == 415


def test_bad_item_fails_only_its_own_request(digits_url, auth):
    good = predict(digits_url, auth, {"instances": [{"pixels": digit_pixels(1)}]})
    bad = predict(digits_url, auth, {"instances": [{"image": "!!!"}]})
    assert (good.status_code, bad.status_code) == (200, 400)


def test_oversized_body_is_413(digits_url, auth):
    big = {"instances": [{"image": "A" * (300 * 1024)}]}
    declared = predict(digits_url, auth, big)
    assert declared.status_code == 413
    assert "larger than" in declared.json()["message"]

    def chunks():  # no content-length: the limit must hold while streaming
        for _ in range(40):
            yield b"x" * 10_000

    streamed = httpx.post(digits_url + "/model/predict", content=chunks(), headers={**auth, "content-type": "application/json"})
    assert streamed.status_code == 413
    assert httpx.get(digits_url + "/health").status_code == 200


def test_oip_metadata_and_infer(digits_url, auth):
    meta = httpx.get(digits_url + "/v2/models/digits", headers=auth).json()
    assert meta["name"] == "digits" and meta["versions"] == ["1.0.0"]
    assert {"name": "pixels", "datatype": "FP32", "shape": [-1, 8, 8]} in meta["inputs"]
    flat = np.stack([DIGITS_DATA.images[i] for i in (2, 9)]).ravel().tolist()
    request = {"id": "r1", "inputs": [{"name": "pixels", "shape": [2, 8, 8], "datatype": "FP32", "data": flat}]}
    response = httpx.post(digits_url + "/v2/models/digits/infer", json=request, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_name"] == "digits" and body["id"] == "r1"
    outputs = {o["name"]: o for o in body["outputs"]}
    assert outputs["label"]["data"] == [2, 9] and outputs["label"]["datatype"] == "INT64"
    assert outputs["probabilities"]["shape"] == [2, 10]
    only = dict(request, outputs=[{"name": "label"}])
    assert [o["name"] for o in httpx.post(digits_url + "/v2/models/digits/infer", json=only, headers=auth).json()["outputs"]] == ["label"]


def test_oip_versioned_routes(digits_url, auth):
    versioned = digits_url + "/v2/models/digits/versions/1.0.0"
    assert httpx.get(versioned, headers=auth).json() == httpx.get(digits_url + "/v2/models/digits", headers=auth).json()
    request = {"id": "v", "inputs": [{"name": "pixels", "shape": [1, 8, 8], "datatype": "FP32",
                                      "data": DIGITS_DATA.images[4].ravel().tolist()}]}
    response = httpx.post(versioned + "/infer", json=request, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_version"] == "1.0.0" and body["id"] == "v"
    assert {o["name"]: o["data"] for o in body["outputs"]}["label"] == [4]
    assert httpx.post(versioned + "/infer", json=request).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v2/models/digits/versions/2.0.0"), ("POST", "/v2/models/digits/versions/1.0/infer"),
     ("GET", "/v2/models/digits/versions/0.9.0/ready"), ("POST", "/v2/models/other/versions/1.0.0/infer")],
)
def test_oip_unknown_version_or_name_is_404(digits_url, auth, method, path):
    request = {"inputs": [{"name": "pixels", "shape": [1, 8, 8], "datatype": "FP32", "data": [0.0] * 64}]}
    response = httpx.request(method, digits_url + path, headers=auth, json=request if method == "POST" else None)
    assert response.status_code == 404
    message = response.json()["error"]
    assert ("no version" in message and "'1.0.0'" in message) or "no model named 'other'" in message


def test_oip_infer_with_image_bytes(digits_url, auth):
    encoded = base64.b64encode(digit_image(6)).decode()
    request = {"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "data": [encoded]}]}
    response = httpx.post(digits_url + "/v2/models/digits/infer", json=request, headers=auth)
    assert response.status_code == 200
    assert response.json()["outputs"][0]["data"] == [6]


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("/v2/models/other/infer", {"inputs": [{"name": "pixels", "shape": [1], "datatype": "FP32", "data": [1]}]}, 404, "no model named"),
        ("/v2/models/digits/infer", {"inputs": [{"name": "pixels", "shape": [1, 8, 8], "datatype": "FP32", "data": [1, 2]}]}, 400, "do not fill"),
        ("/v2/models/digits/infer", {"inputs": [{"name": "audio", "shape": [1], "datatype": "FP32", "data": [1]}]}, 400, "unknown input"),
        ("/v2/models/digits/infer", {"inputs": [{"name": "pixels", "shape": [1, 8, 8], "datatype": "FP32", "data": ["x"] * 64}]}, 400, "numbers"),
        ("/v2/models/digits/infer", {"inputs": [{"name": "pixels", "shape": [1, 7, 8], "datatype": "FP32", "data": [1] * 56}]}, 422, "batch item 0"),
        ("/v2/models/digits/infer", {"inputs": []}, 422, "at least 1"),
        ("/v2/models/digits/infer", {"inputs": [{"name": "pixels", "shape": [0, 8, 8], "datatype": "FP32", "data": []}]}, 400, "non-zero batch"),
    ],
)
def test_oip_errors(digits_url, auth, path, body, status, words):
    response = httpx.post(digits_url + path, json=body, headers=auth)
    assert response.status_code == status
    assert words in response.json()["error"]


def test_metrics_count_requests_batches_and_load(digits_url, auth):
    predict(digits_url, auth, {"instances": [{"pixels": digit_pixels(0)}]})
    text = httpx.get(digits_url + "/metrics", headers=auth).text
    assert 'mlx_requests_total{code="200",method="POST",route="/model/predict"}' in text
    assert 'mlx_request_errors_total{code="401"' in text
    assert "mlx_request_latency_seconds_bucket" in text
    assert "mlx_batch_size_count" in text
    load = [line for line in text.splitlines() if line.startswith("mlx_model_load_seconds ")]
    assert load and float(load[0].split()[1]) > 0
    assert "mlx_model_ready 1.0" in text


def test_unknown_route_and_method(digits_url, auth):
    missing = httpx.get(digits_url + "/nope", headers=auth)
    assert missing.status_code == 404 and missing.json()["status"] == "error"
    wrong = httpx.get(digits_url + "/model/predict", headers=auth)
    assert wrong.status_code == 405


def test_openapi_and_swagger_ui(digits_url):
    spec = httpx.get(digits_url + "/openapi.json").json()
    body = spec["paths"]["/model/predict"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    schemas = spec["components"]["schemas"]
    assert "DigitInput" in schemas and "pixels" in schemas["DigitInput"]["properties"]
    assert "InferRequest" in schemas
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    docs = httpx.get(digits_url + "/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text


def test_swagger_ui_is_served_from_local_assets(digits_url):
    docs = httpx.get(digits_url + "/docs").text
    assert "'/docs/assets/swagger-ui-bundle.js'" in docs or '"/docs/assets/swagger-ui-bundle.js"' in docs
    assert "/docs/assets/swagger-ui.css" in docs and "/openapi.json" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs.split("<body>")[0]
    script = httpx.get(digits_url + "/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "SwaggerUIBundle" in script.text
    css = httpx.get(digits_url + "/docs/assets/swagger-ui.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    missing = httpx.get(digits_url + "/docs/assets/nope.js")
    assert missing.status_code == 404 and missing.json()["status"] == "error"


def test_swagger_ui_falls_back_to_the_cdn_without_the_bundle(monkeypatch):
    from mlx_deploy.serving import docs_ui

    monkeypatch.setattr(docs_ui, "local_swagger_assets", lambda: None)
    with running(echo_app()) as base:
        docs = httpx.get(base + "/docs")
        assert docs.status_code == 200 and "cdn.jsdelivr.net/npm/swagger-ui-dist" in docs.text
        assert httpx.get(base + "/docs/assets/swagger-ui.css").status_code == 404
