"""Azure: prices from its own APIs (fetch, parse, credentials) and its Terraform inputs (tfvars)."""

from __future__ import annotations

from mlx_deploy.providers.base import CloudProvider


class AzureProvider(CloudProvider):
    package = __name__
    name = "azure"
    display_name = "Azure"
    terraform_module = "azure"
