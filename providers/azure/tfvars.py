"""Inputs of terraform/azure for a candidate, and the Azure errors that mean "no capacity here"."""

from __future__ import annotations

TERRAFORM_MODULE = "azure"

# ARM/AKS error codes after which the next candidate may well succeed.
CAPACITY_ERROR_CODES = frozenset({
    "SkuNotAvailable",
    "QuotaExceeded",
    "AllocationFailed",
    "ZonalAllocationFailed",
    "OverconstrainedAllocationRequest",
    "OverconstrainedZonalAllocationRequest",
    "InsufficientVCPUQuota",
    "ErrCode_InsufficientVCPUQuota",
    "SpotVMQuotaExceeded",
})  # fmt: skip


def tfvars(candidate, profile, context) -> dict:  # noqa: ANN001
    from mlx_deploy.orchestrator.deploy.inputs import common_inputs, require_image

    return require_image(common_inputs(candidate, profile, context))
