"""Records, status figures and workspace rendering, without running Terraform."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlx_deploy.orchestrator.candidates import Candidate
from mlx_deploy.orchestrator.cli.deploy import parse_ttl
from mlx_deploy.orchestrator.deploy import engine, records
from mlx_deploy.orchestrator.deploy.status import status_rows
from mlx_deploy.orchestrator.deploy.workspace import Workspace, render
from mlx_deploy.orchestrator.errors import ConfigError


def _candidate(price: float) -> Candidate:
    return Candidate(
        provider="aws", region="us-east-1", zone=None, instance_type="m7i.xlarge", purchase_option="on-demand",
        nodes=2, replicas_per_node=1, vcpus=4, memory_gib=16, gpu=None, node_disk_gib=50, instance_usd_per_hour=0.2,
        instances_usd_per_hour=0.4, allin_usd_per_hour=price, cost_lines=(), price_observed_at=None,
    )  # fmt: skip


def test_status_reports_cost_so_far_expiry_and_interrupted(tmp_path):
    db = records.open_records()
    model = tmp_path / "model.yaml"
    model.write_text("name: priced\n")
    record = records.create(db, name="priced", model_file=str(model), model_sha256="a" * 64,
                            expires_at=datetime(2030, 1, 1, tzinfo=timezone.utc))  # fmt: skip
    attempt = records.start_attempt(db, record.id, _candidate(2.5))
    started = records.get(db, record.id).attempts[0].started_at
    [row] = status_rows(check_health=False, moment=started.replace(tzinfo=timezone.utc) + timedelta(hours=3))
    assert row.cost_so_far_usd == pytest.approx(7.5)
    assert row.status == "interrupted" and row.recorded_status == "applying"  # no lock held: the operation died
    assert row.expires_at == datetime(2030, 1, 1, tzinfo=timezone.utc)
    records.finish_attempt(db, attempt, "succeeded")
    records.update(db, record.id, status=records.RUNNING)
    assert engine.expired(moment=datetime(2029, 12, 31, tzinfo=timezone.utc)) == []
    assert engine.expired(moment=datetime(2030, 1, 2, tzinfo=timezone.utc)) == ["priced"]
    [row] = status_rows("priced", check_health=False)
    assert row.status == "running" and row.usd_per_hour == 2.5 and row.nodes == 2


def test_workspace_is_private_and_takes_a_remote_backend(tmp_path, monkeypatch):
    backend = tmp_path / "backend.json"
    backend.write_text(json.dumps({"type": "s3", "config": {"bucket": "acme-tf", "region": "eu-west-1"}}))
    monkeypatch.setenv("MLX_TERRAFORM_BACKEND", str(backend))
    workspace = Workspace(tmp_path / "ws" / "demo-7")
    render(workspace, "aws", {"name": "demo"})
    assert json.loads((workspace.root / "backend.tf.json").read_text()) == {"terraform": {"backend": {"s3": {}}}}
    config = json.loads((workspace.root / "backend.json").read_text())
    assert config == {"bucket": "acme-tf", "region": "eu-west-1", "key": "mlx/demo-7.tfstate"}
    assert (workspace.path / "modules" / "model-service" / "main.tf").is_file()
    assert (workspace.root.stat().st_mode & 0o777) == 0o700
    assert (workspace.tfvars_file.stat().st_mode & 0o777) == 0o600
    monkeypatch.setenv("MLX_TERRAFORM_BACKEND", str(tmp_path / "missing.json"))
    with pytest.raises(ConfigError, match="not a readable backend file"):
        render(workspace, "aws", {})


@pytest.mark.parametrize("text, seconds", [("8h", 28800), ("30m", 1800), ("2d", 172800), ("1h30m", 5400), ("45s", 45)])
def test_ttl(text, seconds):
    assert parse_ttl(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "soon", "8", "h8", "0h", "8h soon", "-1h"])
def test_bad_ttl(text):
    with pytest.raises(ConfigError):
        parse_ttl(text)


def test_unhealthy_endpoint_fails_the_deploy_and_teardown_still_cleans(tmp_path, terraform_env):
    import sys

    from mlx_deploy.orchestrator.errors import DeployError
    from mlx_deploy.orchestrator.profile import load_profile
    from mlx_deploy.providers.base import get_provider

    from .conftest import free_port, process_gone, wait_for, write_model

    # A process that runs but never listens: apply succeeds, the health check does not.
    model = write_model(tmp_path, "silent", free_port(), command=[sys.executable, "-c", "import time; time.sleep(600)"])
    profile = load_profile(model)
    request = engine.DeployRequest(model_file=model, profile=profile, candidates=get_provider("local").candidates(profile),
                                   name="silent", health_timeout=1.0)  # fmt: skip
    with pytest.raises(DeployError, match="did not become healthy") as caught:
        engine.deploy(request)
    assert "mlx teardown silent" in caught.value.hint
    record = records.latest(records.open_records(), "silent")
    assert record.status == records.FAILED and record.endpoint
    pid = int((Path(record.workspace) / "run" / "pid").read_text())
    assert engine.teardown("silent").status == records.DESTROYED
    assert wait_for(lambda: process_gone(pid), 10)


def test_records_round_trip_on_each_backend(records_url):
    db = records.open_records(records_url)
    first = records.create(db, name="rt", model_file="/m/model.yaml", model_sha256="b" * 64, expires_at=None)
    attempt = records.start_attempt(db, first.id, _candidate(1.25))
    records.finish_attempt(db, attempt, "capacity", "InsufficientInstanceCapacity")
    second = records.start_attempt(db, first.id, _candidate(1.5))
    records.finish_attempt(db, second, "succeeded")
    records.update(db, first.id, status=records.RUNNING, endpoint="http://lb", running_since=records.now())
    view = records.active(db, "rt")
    assert [(a.number, a.outcome, a.usd_per_hour) for a in view.attempts] == [(1, "capacity", 1.25), (2, "succeeded", 1.5)]
    assert view.usd_per_hour == 1.5 and view.endpoint == "http://lb" and view.workspace.endswith(f"rt-{first.id}")
    records.update(db, first.id, status=records.DESTROYED, destroyed_at=records.now())
    assert records.active(db, "rt") is None and records.latest(db, "rt").status == records.DESTROYED
    assert records.listing(db) == [] and len(records.listing(db, include_destroyed=True)) == 1
    [row] = status_rows("rt", catalogue_url=records_url, check_health=False)
    assert row.status == "destroyed" and row.cost_so_far_usd is not None
