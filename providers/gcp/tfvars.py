"""Inputs of terraform/gcp for a candidate, and the GCP errors that mean "no capacity here"."""

from __future__ import annotations

TERRAFORM_MODULE = "gcp"

# Compute Engine/GKE error codes after which the next candidate may well succeed.
CAPACITY_ERROR_CODES = frozenset({
    "ZONE_RESOURCE_POOL_EXHAUSTED",
    "ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS",
    "GCE_STOCKOUT",
    "QUOTA_EXCEEDED",
    "RESOURCE_EXHAUSTED",
})  # fmt: skip

# Catalogue GPU names -> GKE accelerator types (https://cloud.google.com/compute/docs/gpus).
ACCELERATOR_TYPES = {
    "A100-40GB": "nvidia-tesla-a100",
    "A100-80GB": "nvidia-a100-80gb",
    "H100-80GB": "nvidia-h100-80gb",
    "H200": "nvidia-h200-141gb",
    "B200": "nvidia-b200",
    "L4": "nvidia-l4",
    "T4": "nvidia-tesla-t4",
    "P4": "nvidia-tesla-p4",
    "P100-16GB": "nvidia-tesla-p100",
    "V100-16GB": "nvidia-tesla-v100",
    "K80": "nvidia-tesla-k80",
}


def tfvars(candidate, profile, context) -> dict:  # noqa: ANN001
    from mlx_deploy.orchestrator.deploy.inputs import common_inputs, require_image
    from mlx_deploy.orchestrator.errors import DeployError

    inputs = require_image(common_inputs(candidate, profile, context))
    gpu = inputs["gpu_type"]
    if gpu and gpu not in ACCELERATOR_TYPES:
        raise DeployError(f"no GKE accelerator type known for GPU {gpu!r}", "Pick another candidate with --instance-type.")
    inputs["accelerator_type"] = ACCELERATOR_TYPES.get(gpu, "")
    return inputs
