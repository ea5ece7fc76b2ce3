"""Inputs of terraform/local, and the error code its start script uses for "this host is too small"."""

from __future__ import annotations

TERRAFORM_MODULE = "local"
CAPACITY_ERROR_CODES = frozenset({"LocalCapacityExceeded"})


def tfvars(candidate, profile, context) -> dict:  # noqa: ANN001
    from mlx_deploy.orchestrator.deploy.inputs import common_inputs

    inputs = common_inputs(candidate, profile, context)
    inputs.update(
        runtime=profile.runtime,
        workdir=str(context.model_dir),
        state_dir=str(context.run_dir),
        host_port=int(profile.port),
        node_cpus=int(candidate.vcpus),
    )
    return inputs
