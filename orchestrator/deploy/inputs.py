"""The inputs every Terraform target takes, built from a candidate and a profile.

Each provider's `tfvars()` starts from `common_inputs()` and adds what only its
module needs; a test checks that every module declares these variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Variables every module under terraform/<cloud> declares, and outputs it gives.
COMMON_VARIABLES = (
    "name", "region", "instance_type", "node_count", "gpu_count", "gpu_type", "image", "port",
    "env", "replicas", "replica_gpu_count", "cpu", "memory_mib", "disk_size_gib", "spot", "health_path",
    "command", "tags",
)  # fmt: skip
COMMON_OUTPUTS = ("endpoint_url", "cluster_name", "kubeconfig")


@dataclass(frozen=True)
class DeployContext:
    """What a provider needs besides the candidate and the profile."""

    name: str  # the deployment's name
    model_dir: Path  # directory of the model.yaml (local processes start there)
    run_dir: Path  # workspace/run: what a target keeps outside Terraform
    tags: dict[str, str] = field(default_factory=dict)


def common_inputs(candidate, profile, context: DeployContext) -> dict:  # noqa: ANN001
    """name, region, instance type, nodes, GPUs, image, port, env, replicas, sizes, tags."""
    gpu = candidate.gpu
    resources = profile.resources
    return {
        "name": context.name,
        "region": candidate.region,
        "instance_type": candidate.instance_type,
        "node_count": int(candidate.nodes),
        "gpu_count": int(gpu.count) if gpu and gpu.count else 0,
        "gpu_type": (gpu.model or "") if gpu else "",
        "image": profile.image or "",
        "port": int(profile.port),
        "env": dict(profile.env),
        "replicas": int(profile.replicas),
        "replica_gpu_count": int(profile.gpu_count),
        "cpu": float(resources.cpu),
        "memory_mib": int(round(resources.memory * 1024)),
        "disk_size_gib": int(max(candidate.node_disk_gib, 1)),
        "spot": candidate.purchase_option == "spot",
        "health_path": profile.health_path,
        "command": list(profile.command or []),
        "tags": {"mlx-deployment": context.name, **context.tags},
    }


def require_image(inputs: dict) -> dict:
    """Cluster targets run a container: fail before Terraform when model.yaml names none."""
    if not inputs["image"]:
        from mlx_deploy.orchestrator.errors import DeployError

        raise DeployError(
            f"{inputs['name']}: model.yaml has no image, and a cluster deploy runs a container",
            "Set image: in model.yaml (see `mlx build`), or deploy with --provider local.",
        )
    return inputs
