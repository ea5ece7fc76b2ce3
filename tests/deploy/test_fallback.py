"""Fallback: a capacity error destroys the partial attempt and tries the next candidate."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import pytest

from mlx_deploy.orchestrator.deploy import engine, records
from mlx_deploy.orchestrator.errors import DeployError
from mlx_deploy.orchestrator.profile import load_profile
from mlx_deploy.providers.base import get_provider

from .conftest import answers, free_port, write_model


def _request(model: Path, candidates: list, **extra) -> engine.DeployRequest:
    profile = load_profile(model)
    return engine.DeployRequest(model_file=model, profile=profile, candidates=candidates, name=profile.name,
                                health_timeout=20, **extra)  # fmt: skip


def _host(model: Path, **changes):
    [candidate] = get_provider("local").candidates(load_profile(model))
    return dataclasses.replace(candidate, **changes)


def test_capacity_error_falls_back_to_the_next_candidate(tmp_path, terraform_env, cleanup_pids):
    port = free_port()
    model = write_model(tmp_path, "fallback", port)
    # A node bigger than this host: the local target fails with LocalCapacityExceeded.
    too_big = _host(model, vcpus=float((os.cpu_count() or 1) * 1000), instance_type="host-xl")
    fits = _host(model)
    messages: list[str] = []

    record = engine.deploy(_request(model, [too_big, fits]), progress=messages.append)
    cleanup_pids.append(int((Path(record.workspace) / "run" / "pid").read_text()))

    assert record.status == records.RUNNING and answers(record.endpoint + "/")
    assert [(a.instance_type, a.outcome) for a in record.attempts] == [("host-xl", "capacity"), ("host", "succeeded")]
    assert "LocalCapacityExceeded" in record.attempts[0].error
    assert record.instance_type == "host"
    assert any("no capacity" in m and "trying the next candidate" in m for m in messages)

    done = engine.teardown("fallback")
    assert done.status == records.DESTROYED and not answers(record.endpoint + "/")


def test_capacity_on_every_candidate_stops_at_max_attempts(tmp_path, terraform_env):
    model = write_model(tmp_path, "full", free_port())
    big = [_host(model, vcpus=100000.0, instance_type=f"host-{n}") for n in range(3)]
    with pytest.raises(DeployError, match="no capacity on the last candidate tried") as caught:
        engine.deploy(_request(model, big, max_attempts=2))
    assert "mlx teardown full" in caught.value.hint
    record = records.latest(records.open_records(), "full")
    assert record.status == records.FAILED
    assert [a.outcome for a in record.attempts] == ["capacity", "capacity"]  # the third is never tried
    assert engine.teardown("full").status == records.DESTROYED


def test_other_errors_stop_without_fallback_and_keep_the_log(tmp_path, terraform_env):
    model = write_model(tmp_path, "broken", free_port(), command=[sys.executable, "-c", "raise SystemExit('boom')"])
    fits = _host(model)
    with pytest.raises(DeployError) as caught:
        engine.deploy(_request(model, [fits, fits]))
    assert "terraform apply failed" in caught.value.message and "ModelExited" in caught.value.message
    assert "apply.log" in caught.value.hint
    record = records.latest(records.open_records(), "broken")
    assert record.status == records.FAILED and [a.outcome for a in record.attempts] == ["failed"]
    assert "boom" in (Path(record.workspace) / "logs" / "apply.log").read_text()
    assert engine.teardown("broken").status == records.DESTROYED


@pytest.mark.parametrize(
    "provider, message",
    [
        ("aws", "Error: waiting for EKS Node Group create: unexpected state 'CREATE_FAILED' ... "
                "AsgInstanceLaunchFailures: Could not launch On-Demand Instances. InsufficientInstanceCapacity - "
                "We currently do not have sufficient g5.xlarge capacity in the Availability Zone you requested"),
        ("gcp", "Error: error creating NodePool: googleapi: Error 403: Insufficient regional quota to satisfy "
                "request: resource \"NVIDIA_L4_GPUS\": request requires '1.0' and is short '1.0'., QUOTA_EXCEEDED"),
        ("gcp", "Error: error waiting for creating GKE NodePool: ZONE_RESOURCE_POOL_EXHAUSTED"),
        ("azure", "Error: creating Node Pool: unexpected status 400 (400 Bad Request) with error: "
                  "SkuNotAvailable: The requested VM size Standard_NC4as_T4_v3 is currently not available"),
        ("azure", "Code=\"QuotaExceeded\" Message=\"Operation could not be completed as it results in exceeding "
                  "approved standardNCASv3_T4Family Cores quota."),
        ("local", "Error: local-exec provisioner error ... LocalCapacityExceeded: this host has 2 CPUs"),
    ],
)  # fmt: skip
def test_each_provider_recognises_its_capacity_codes(provider, message):
    codes = get_provider(provider).capacity_error_codes
    assert engine.is_capacity_error(message, codes)


@pytest.mark.parametrize("provider", ["aws", "azure", "gcp", "local"])
def test_ordinary_errors_are_not_capacity(provider):
    codes = get_provider(provider).capacity_error_codes
    for message in ("Error: Invalid value for variable: The name must be DNS-safe",
                    "Error: UnauthorizedOperation: You are not authorized", "InsufficientInstanceCapacityX"):  # fmt: skip
        assert not engine.is_capacity_error(message, codes)
