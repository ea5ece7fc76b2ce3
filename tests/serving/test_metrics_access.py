"""/metrics needs an API key by default; MLX_METRICS_PUBLIC=1 (or --metrics-public) opens it alone."""

from __future__ import annotations

import httpx
import pytest

from mlx_deploy.serving.__main__ import parse_args
from mlx_deploy.serving.app import create_app
from mlx_deploy.serving.settings import ServeSettings, SettingsError, settings_from_env
from serving_helpers import EchoModel, running

KEY = "metrics-test-key"


def test_public_metrics_open_only_metrics():
    settings = settings_from_env({"MLX_API_KEYS": KEY, "MLX_METRICS_PUBLIC": "1"})
    with running(create_app(EchoModel(), settings)) as base:
        httpx.post(base + "/model/predict", json={"instances": [{"x": 1.0}]}, headers={"Authorization": f"Bearer {KEY}"})
        metrics = httpx.get(base + "/metrics")
        assert metrics.status_code == 200
        assert 'mlx_requests_total{code="200",method="POST",route="/model/predict"}' in metrics.text
        assert httpx.get(base + "/model/metadata").status_code == 401
        assert httpx.post(base + "/model/predict", json={"instances": [{"x": 1.0}]}).status_code == 401
        assert httpx.get(base + "/v2/models/echo").status_code == 401
        operation = httpx.get(base + "/openapi.json").json()["paths"]["/metrics"]["get"]
        assert "security" not in operation and "401" not in operation["responses"]


def test_metrics_need_the_key_by_default():
    with running(create_app(EchoModel(), ServeSettings(api_keys=frozenset({KEY})))) as base:
        assert httpx.get(base + "/metrics").status_code == 401
        assert httpx.get(base + "/metrics", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
        operation = httpx.get(base + "/openapi.json").json()["paths"]["/metrics"]["get"]
        assert operation["security"] and "401" in operation["responses"]


def test_metrics_public_flag_parsing():
    assert settings_from_env({}).metrics_public is False
    assert settings_from_env({"MLX_METRICS_PUBLIC": "true"}).metrics_public is True
    assert settings_from_env({"MLX_METRICS_PUBLIC": "0"}).metrics_public is False
    with pytest.raises(SettingsError, match="MLX_METRICS_PUBLIC='maybe' is not a yes/no flag"):
        settings_from_env({"MLX_METRICS_PUBLIC": "maybe"})
    assert parse_args(["proj", "--metrics-public"]).metrics_public is True
    assert parse_args(["proj"]).metrics_public is None
