"""`mlx catalogue refresh | diff | schedule` through the real Typer app."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mlx_deploy.orchestrator.cli.app import app

from .conftest import azure_items, paged, with_price

runner = CliRunner()


def invoke(*args: str):  # noqa: ANN201
    return runner.invoke(app, ["catalogue", *args], env={"COLUMNS": "200"})


def test_refresh_json_then_diff_json(engine, serve):  # noqa: ARG001 - engine: the seeded catalogue
    serve(paged(azure_items()))
    first = invoke("refresh", "--provider", "azure", "--region", "francecentral", "--json")
    assert first.exit_code == 0, first.output
    envelope = json.loads(first.stdout)
    assert envelope["kind"] == "catalogue.refresh"
    [azure] = envelope["data"]
    assert (azure["provider"], azure["status"], azure["prices"]) == ("azure", "published", 20)
    serve(paged(with_price(azure_items(), "Standard_NC6s_v3", 1.5)))
    assert invoke("refresh", "-p", "azure", "-r", "francecentral", "--json").exit_code == 0
    shown = json.loads(invoke("diff", "-p", "azure", "--json", "--limit", "1").stdout)["data"][0]
    assert (shown["changed"], shown["added"], shown["removed"]) == (2, 0, 0)
    assert shown["largest"][0]["instance_type"] == "Standard_NC6s_v3"
    assert shown["largest"][0]["new_usd_per_hour"] == 5.37


def test_refused_refresh_exits_1_with_the_reason(engine, serve):  # noqa: ARG001
    serve(paged(with_price(azure_items(), "Standard_A0", 0)))
    result = invoke("refresh", "-p", "azure", "-r", "francecentral")
    assert result.exit_code == 1
    assert "azure refused: refused by the sanity gate: 2 prices are $0" in " ".join(result.stdout.split())


def test_diff_without_refreshes(engine):  # noqa: ARG001
    result = invoke("diff", "-p", "gcp")
    assert result.exit_code == 0 and "gcp: no successful refresh recorded yet" in result.stdout


def test_missing_credentials_are_skipped_by_the_real_command(engine, run_mlx):  # noqa: ARG001
    done = run_mlx("catalogue", "refresh", "--provider", "aws,gcp")
    assert done.returncode == 0, done.stderr
    assert "aws skipped: no AWS credentials found; configure boto3's default chain" in done.stdout
    assert "gcp skipped: no Google Cloud credentials found" in done.stdout
    assert "Traceback" not in done.stderr


def test_unknown_provider_is_a_one_line_error(engine, run_mlx):  # noqa: ARG001
    done = run_mlx("catalogue", "refresh", "--provider", "oracle")
    assert done.returncode == 1
    assert done.stderr.strip() == "mlx: error: unknown provider 'oracle'. Use one of: aws, azure, gcp."


def test_bad_interval_is_a_one_line_error(engine, run_mlx):  # noqa: ARG001
    done = run_mlx("catalogue", "refresh", "--loop", "--every", "often")
    assert done.returncode == 1 and done.stderr.startswith("mlx: error: --every 'often' is not a duration")


def test_loop_refreshes_every_interval(engine, serve, monkeypatch):  # noqa: ARG001
    from mlx_deploy.catalogue.refresh import log_path
    from mlx_deploy.orchestrator import schedule

    serve(paged(azure_items()))
    waits = []
    real = schedule.run_forever
    monkeypatch.setattr(schedule, "run_forever", lambda run_once, every: real(run_once, every, sleep=waits.append, rounds=2))
    result = invoke("refresh", "-p", "azure", "-r", "francecentral", "--loop", "--every", "30m", "--json")
    assert result.exit_code == 0, result.output
    assert len(waits) == 1 and 1790 < waits[0] <= 1800
    assert [line.split()[2] for line in log_path().read_text().splitlines()] == ["published", "published"]
