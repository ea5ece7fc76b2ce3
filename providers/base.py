"""The Provider protocol and the registry: one line per cloud.

Shared code asks a provider for what it needs through this protocol and reads
its capabilities as data (`lacks`); it never branches on a provider's name.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from mlx_deploy.catalogue.rows import ProviderRows
    from mlx_deploy.providers.raw import FetchRequest, RawPages

# One line per cloud: name -> "module:class". Imported only when used, so the
# quote path never pays for a cloud SDK.
REGISTRY: dict[str, str] = {
    "aws": "mlx_deploy.providers.aws:AwsProvider",
    "azure": "mlx_deploy.providers.azure:AzureProvider",
    "gcp": "mlx_deploy.providers.gcp:GcpProvider",
}
# Deploy targets without catalogue prices (quote and refresh never see them).
DEPLOY_ONLY: dict[str, str] = {
    "local": "mlx_deploy.providers.local:LocalProvider",
}


@runtime_checkable
class Provider(Protocol):
    name: str
    display_name: str
    # Capabilities this provider lacks, e.g. frozenset({"spot"}); data, not code paths.
    lacks: frozenset[str]

    # Catalogue refresh (see catalogue/refresh.py and providers/raw.py). SDKs
    # are imported inside these methods only, never on the quote path.
    def credentials_problem(self) -> str | None:
        """None when prices can be fetched, else one line: why not, and how to configure it."""

    def fetch(self, request: FetchRequest) -> RawPages:
        """Call the provider's APIs and save every raw page under request.workdir."""

    def parse(self, raw: RawPages) -> ProviderRows:
        """Pure: saved pages -> catalogue rows. Raises RefreshError naming page and cause."""

    # Deploys (orchestrator/deploy): the module under terraform/, its inputs, and
    # the error codes after which the next-cheapest candidate is worth a try.
    terraform_module: str
    capacity_error_codes: frozenset[str]

    def tfvars(self, candidate, profile, context) -> dict:  # noqa: ANN001
        """terraform.tfvars.json for `candidate` (see orchestrator/deploy/inputs.py)."""


def provider_names() -> tuple[str, ...]:
    return tuple(REGISTRY)


def is_known(name: str) -> bool:
    return name in REGISTRY


def deploy_target_names() -> tuple[str, ...]:
    return (*REGISTRY, *DEPLOY_ONLY)


@cache
def get_provider(name: str) -> Provider:
    """The provider instance registered under `name` (KeyError if unknown)."""
    module_name, _, class_name = (REGISTRY.get(name) or DEPLOY_ONLY[name]).partition(":")
    return getattr(importlib.import_module(module_name), class_name)()


class CloudProvider:
    """The Provider protocol for a cloud laid out as one subpackage.

    Each member imports its module of the subpackage (`fetch`, `parse`,
    `credentials`, `tfvars`) only when called, so naming a provider costs no
    SDK import. A cloud's class sets `package` (its subpackage's `__name__`),
    `name`, `display_name`, `terraform_module` and, where it applies, `lacks`.
    """

    package: str
    name: str
    display_name: str
    terraform_module: str
    lacks: frozenset[str] = frozenset()

    def _part(self, module: str):  # noqa: ANN202
        return importlib.import_module(f"{self.package}.{module}")

    @property
    def capacity_error_codes(self) -> frozenset[str]:
        return self._part("tfvars").CAPACITY_ERROR_CODES

    def tfvars(self, candidate, profile, context) -> dict:  # noqa: ANN001
        return self._part("tfvars").tfvars(candidate, profile, context)

    def credentials_problem(self) -> str | None:
        return self._part("credentials").credentials_problem()

    def fetch(self, request: FetchRequest) -> RawPages:
        return self._part("fetch").fetch(request)

    def parse(self, raw: RawPages) -> ProviderRows:
        return self._part("parse").parse(raw)
