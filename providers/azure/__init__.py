"""azure provider."""

from __future__ import annotations


class AzureProvider:
    name = "azure"
    display_name = "Azure"
    lacks: frozenset[str] = frozenset()
    terraform_module = "azure"

    @property
    def capacity_error_codes(self) -> frozenset[str]:
        from mlx_deploy.providers.azure.tfvars import CAPACITY_ERROR_CODES

        return CAPACITY_ERROR_CODES

    def tfvars(self, candidate, profile, context) -> dict:  # noqa: ANN001
        from mlx_deploy.providers.azure.tfvars import tfvars

        return tfvars(candidate, profile, context)

    def credentials_problem(self) -> str | None:
        from mlx_deploy.providers.azure.credentials import credentials_problem

        return credentials_problem()

    def fetch(self, request):  # noqa: ANN001, ANN201 - FetchRequest -> RawPages
        from mlx_deploy.providers.azure.fetch import fetch

        return fetch(request)

    def parse(self, raw):  # noqa: ANN001, ANN201 - RawPages -> ProviderRows
        from mlx_deploy.providers.azure.parse import parse

        return parse(raw)
