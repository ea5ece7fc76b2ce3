"""gcp provider."""

from __future__ import annotations


class GcpProvider:
    name = "gcp"
    display_name = "Google Cloud"
    lacks: frozenset[str] = frozenset()

    def credentials_problem(self) -> str | None:
        from mlx_deploy.providers.gcp.credentials import credentials_problem

        return credentials_problem()

    def fetch(self, request):  # noqa: ANN001, ANN201 - FetchRequest -> RawPages
        from mlx_deploy.providers.gcp.fetch import fetch

        return fetch(request)

    def parse(self, raw):  # noqa: ANN001, ANN201 - RawPages -> ProviderRows
        from mlx_deploy.providers.gcp.parse import parse

        return parse(raw)
