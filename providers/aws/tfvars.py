"""Inputs of terraform/aws for a candidate, and the AWS errors that mean "no capacity here"."""

from __future__ import annotations

TERRAFORM_MODULE = "aws"

# EC2/EKS error codes after which the next candidate may well succeed.
CAPACITY_ERROR_CODES = frozenset({
    "InsufficientInstanceCapacity",
    "InsufficientCapacity",
    "InsufficientHostCapacity",
    "InsufficientReservedInstanceCapacity",
    "InstanceLimitExceeded",
    "VcpuLimitExceeded",
    "MaxSpotInstanceCountExceeded",
    "SpotMaxPriceTooLow",
    "UnfulfillableCapacity",
    "Unsupported",  # the instance type is not offered in the chosen zones
    "AsgInstanceLaunchFailures",  # EKS node group: the launches above, seen through the ASG
})  # fmt: skip


def tfvars(candidate, profile, context) -> dict:  # noqa: ANN001
    from mlx_deploy.orchestrator.deploy.inputs import common_inputs, require_image

    inputs = require_image(common_inputs(candidate, profile, context))
    inputs["ami_type"] = _ami_type(candidate.arch, inputs["gpu_count"] > 0)
    return inputs


def _ami_type(arch: str | None, gpu: bool) -> str:
    if gpu:
        return "AL2023_x86_64_NVIDIA"
    return "AL2023_ARM_64_STANDARD" if arch == "arm64" else "AL2023_x86_64_STANDARD"
