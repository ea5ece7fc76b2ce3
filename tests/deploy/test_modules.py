"""The Terraform modules: fmt-clean, the same inputs and outputs on every target,
pinned versions, and golden terraform.tfvars.json per provider (parsed with python-hcl2)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import hcl2
import pytest

from mlx_deploy.orchestrator.candidates import Candidate, GpuInfo
from mlx_deploy.orchestrator.deploy.inputs import COMMON_OUTPUTS, COMMON_VARIABLES, DeployContext
from mlx_deploy.orchestrator.deploy.workspace import terraform_dir
from mlx_deploy.orchestrator.profile import load_profile_text
from mlx_deploy.providers.base import get_provider

from .conftest import terraform_binary

TARGETS = ("aws", "azure", "gcp", "local")
CLOUDS = ("aws", "azure", "gcp")
GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "deploy"
MODULES = terraform_dir()


def _unquote(value):
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _blocks(module: str, kind: str) -> dict[str, dict]:
    """{name: body} of every `kind` block (variable, output, module) in a module's .tf files."""
    found: dict[str, dict] = {}
    for path in sorted((MODULES / module).glob("*.tf")):
        with open(path) as handle:
            for block in hcl2.load(handle).get(kind, []):
                for name, body in block.items():
                    found[_unquote(name)] = {key: _unquote(value) for key, value in body.items()}
    return found


def test_terraform_fmt_is_clean():
    done = subprocess.run([str(terraform_binary()), "fmt", "-check", "-recursive", "-diff", str(MODULES)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("module", [*TARGETS, "modules/model-service"])
def test_standard_layout_and_every_variable_typed_and_described(module):
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (MODULES / module / name).is_file(), f"{module}/{name} missing"
    for name, body in _blocks(module, "variable").items():
        assert body.get("type"), f"{module}: variable {name} has no type"
        assert body.get("description"), f"{module}: variable {name} has no description"
    for name, body in _blocks(module, "output").items():
        assert body.get("description"), f"{module}: output {name} has no description"


@pytest.mark.parametrize("module", [*TARGETS, "modules/model-service"])
def test_versions_are_pinned(module):
    with open(MODULES / module / "versions.tf") as handle:
        [terraform] = hcl2.load(handle)["terraform"]
    assert _unquote(terraform["required_version"]) == ">= 1.0.0"
    for providers in terraform["required_providers"]:
        for name, spec in providers.items():
            if name.startswith("__"):
                continue
            version = _unquote(spec["version"])
            assert version.count(".") == 2 and version.replace(".", "").isdigit(), f"{module}: {name} {version}"


def test_every_target_has_the_same_inputs_and_outputs():
    types = {target: {name: body["type"] for name, body in _blocks(target, "variable").items()} for target in TARGETS}
    for target in TARGETS:
        assert set(COMMON_VARIABLES) <= set(types[target]), f"{target} lacks {set(COMMON_VARIABLES) - set(types[target])}"
        for name in COMMON_VARIABLES:
            assert types[target][name] == types["aws"][name], f"{target}.{name}: {types[target][name]}"
        outputs = _blocks(target, "output")
        assert set(COMMON_OUTPUTS) <= set(outputs)
        assert outputs["kubeconfig"].get("sensitive") is True
    # The clouds share the common variables verbatim (descriptions and defaults too).
    common = {target: {n: b for n, b in _blocks(target, "variable").items() if n in COMMON_VARIABLES} for target in CLOUDS}
    assert common["aws"] == common["azure"] == common["gcp"]


@pytest.mark.parametrize("cloud", CLOUDS)
def test_clouds_pass_the_model_service_what_it_declares(cloud):
    declared = _blocks("modules/model-service", "variable")
    [service] = [body for name, body in _blocks(cloud, "module").items() if name == "service"]
    assert service["source"] == "../modules/model-service"
    passed = {key for key in service if key not in ("source", "depends_on", "__is_block__")}
    assert passed <= set(declared), passed - set(declared)
    required = {name for name, body in declared.items() if "default" not in body}
    assert required <= passed, required - passed


PROFILE = """
name: sentiment
image: ghcr.io/acme/sentiment:1.4.0
port: 5000
replicas: 2
env: {LOG_LEVEL: info}
health_path: /health/ready
resources: {cpu: 4, memory: 16GiB, disk: 100GiB, gpu: {count: 1}}
"""

CANDIDATES = {
    "aws": ("us-east-1", "g5.xlarge", "on-demand", 4, 16, GpuInfo("A10G", 1, 24)),
    "azure": ("eastus", "Standard_NC4as_T4_v3", "spot", 4, 28, GpuInfo("T4", 1, 16)),
    "gcp": ("us-central1", "g2-standard-8", "on-demand", 8, 32, GpuInfo("L4", 1, 24)),
    "local": ("localhost", "host", "on-demand", 2, 8, None),
}


def _candidate(provider: str) -> Candidate:
    region, instance_type, purchase, vcpus, memory, gpu = CANDIDATES[provider]
    return Candidate(
        provider=provider, region=region, zone=None, instance_type=instance_type, purchase_option=purchase,
        nodes=2, replicas_per_node=1, vcpus=vcpus, memory_gib=memory, gpu=gpu, node_disk_gib=100.0,
        instance_usd_per_hour=1.0, instances_usd_per_hour=2.0, allin_usd_per_hour=2.3, cost_lines=(),
        price_observed_at=datetime(2026, 11, 1, tzinfo=timezone.utc),
    )  # fmt: skip


def _tfvars(provider: str) -> dict:
    context = DeployContext("sentiment", Path("/srv/models/sentiment"), Path("/var/lib/mlx/sentiment-1/run"))
    return get_provider(provider).tfvars(_candidate(provider), load_profile_text(PROFILE), context)


@pytest.mark.parametrize("provider", TARGETS)
def test_rendered_tfvars_match_golden_and_the_module(provider):
    rendered = _tfvars(provider)
    golden = GOLDEN / f"{provider}.tfvars.json"
    if os.environ.get("MLX_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(rendered, indent=2, sort_keys=True) + "\n")
    assert rendered == json.loads(golden.read_text())
    declared = _blocks(provider, "variable")
    assert set(rendered) <= set(declared), set(rendered) - set(declared)
    required = {name for name, body in declared.items() if "default" not in body}
    assert required <= set(rendered), required - set(rendered)
    assert set(COMMON_VARIABLES) <= set(rendered)


def test_common_inputs_agree_across_providers():
    rendered = {provider: _tfvars(provider) for provider in TARGETS}
    for name in ("name", "image", "port", "env", "replicas", "replica_gpu_count", "cpu", "memory_mib", "health_path", "tags"):
        assert len({json.dumps(r[name], sort_keys=True) for r in rendered.values()}) == 1, name
    assert rendered["aws"]["ami_type"] == "AL2023_x86_64_NVIDIA"
    assert rendered["gcp"]["accelerator_type"] == "nvidia-l4"
    assert rendered["azure"]["spot"] is True and rendered["aws"]["spot"] is False
    assert rendered["local"]["host_port"] == 5000 and rendered["local"]["node_cpus"] == 2


@pytest.mark.parametrize("provider", CLOUDS)
def test_cluster_targets_need_an_image(provider):
    from mlx_deploy.orchestrator.errors import DeployError

    profile = load_profile_text(PROFILE.replace("image: ghcr.io/acme/sentiment:1.4.0\n", ""))
    context = DeployContext("sentiment", Path("/m"), Path("/r"))
    with pytest.raises(DeployError, match="model.yaml has no image"):
        get_provider(provider).tfvars(_candidate(provider), profile, context)
