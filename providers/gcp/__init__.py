"""Google Cloud: prices from its own APIs (fetch, parse, credentials) and its Terraform inputs (tfvars)."""

from __future__ import annotations

from mlx_deploy.providers.base import CloudProvider


class GcpProvider(CloudProvider):
    package = __name__
    name = "gcp"
    display_name = "Google Cloud"
    terraform_module = "gcp"
