"""AWS: prices from its own APIs (fetch, parse, credentials) and its Terraform inputs (tfvars)."""

from __future__ import annotations

from mlx_deploy.providers.base import CloudProvider


class AwsProvider(CloudProvider):
    package = __name__
    name = "aws"
    display_name = "AWS"
    terraform_module = "aws"
