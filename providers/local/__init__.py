"""The local deploy target: this machine, at no cost, for development and tests.

It has no catalogue prices (`lacks` "prices"): the deploy engine asks it for
its one candidate instead of quoting. It runs one process, so it `lacks`
"replicas": a profile asking for more than one is refused before Terraform.
"""

from __future__ import annotations

import os

from mlx_deploy.providers.local.tfvars import CAPACITY_ERROR_CODES, TERRAFORM_MODULE

REGION = "localhost"
INSTANCE_TYPE = "host"


class LocalProvider:
    name = "local"
    display_name = "This machine"
    lacks: frozenset[str] = frozenset({"prices", "spot", "catalogue_refresh", "replicas"})
    terraform_module = TERRAFORM_MODULE
    capacity_error_codes = CAPACITY_ERROR_CODES

    def tfvars(self, candidate, profile, context) -> dict:  # noqa: ANN001
        from mlx_deploy.providers.local.tfvars import tfvars

        return tfvars(candidate, profile, context)

    def candidates(self, profile) -> list:  # noqa: ANN001 - Profile -> [Candidate]
        """This machine as the one, free, candidate."""
        from mlx_deploy.orchestrator.candidates import Candidate

        return [
            Candidate(
                provider=self.name, region=REGION, zone=None, instance_type=INSTANCE_TYPE,
                purchase_option="on-demand", nodes=1, replicas_per_node=int(profile.replicas),
                vcpus=float(os.cpu_count() or 1), memory_gib=_memory_gib(), gpu=None,
                node_disk_gib=float(profile.resources.disk), instance_usd_per_hour=0.0,
                instances_usd_per_hour=0.0, allin_usd_per_hour=0.0, cost_lines=(), price_observed_at=None,
            )
        ]  # fmt: skip


def _memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return 0.0
