"""AKS always adds a one-node system pool: Azure quotes include its price, the other clouds have no such line."""

from __future__ import annotations

import re
from pathlib import Path

import hcl2
from sqlalchemy import text

from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow
from mlx_deploy.orchestrator.costs import SYSTEM_POOL, bundled_model
from mlx_deploy.orchestrator.profile import profile_from_data
from mlx_deploy.orchestrator.quote import quote

from .conftest import OBSERVED, publish_catalogue, small_catalogue

AZURE_VARIABLES = Path(__file__).resolve().parents[2] / "terraform" / "azure" / "variables.tf"


def _module_system_vm_size() -> str:
    variables = hcl2.loads(AZURE_VARIABLES.read_text())["variable"]
    # python-hcl2 keeps the quotes of names and string values.
    [block] = [body for v in variables for name, body in v.items() if name.strip('"') == "system_vm_size"]
    return block["default"].strip('"')


def test_the_item_prices_the_vm_size_the_azure_module_uses_at_the_catalogue_list_price():
    item = bundled_model().get("azure", SYSTEM_POOL)
    size = _module_system_vm_size()
    assert item is not None and item.unit == "per_hour" and item.source.startswith("https://")
    assert re.search(rf"\b1 x {re.escape(size)}\b", item.description), item.description
    from mlx_deploy.catalogue.store import open_catalogue

    engine = open_catalogue(None)  # the bundled snapshot, baseline region East US
    with engine.connect() as conn:
        listed = conn.execute(
            text("SELECT usd_per_hour FROM prices WHERE provider = 'azure' AND region = 'eastus' "
                 "AND instance_type = :size AND purchase_option = 'on-demand' AND os = 'linux'"),
            {"size": size},
        ).scalar_one()  # fmt: skip
    engine.dispose()
    assert item.usd == listed
    assert {p for p, name in bundled_model().items if name == SYSTEM_POOL} == {"azure"}


def test_azure_quotes_include_the_system_pool(tmp_path):
    azure = ProviderRows(
        "azure",
        regions=[RegionRow("azure", "eastus")],
        instance_types=[InstanceTypeRow("azure", "Standard_D4s_v5", 4, 16, "x86_64")],
        prices=[PriceRow("azure", "eastus", "Standard_D4s_v5", "on-demand", 0.192, observed_at=OBSERVED)],
    )
    url = f"sqlite:///{tmp_path / 'three.sqlite'}"
    publish_catalogue(url, [*small_catalogue(), azure]).dispose()
    result = quote(profile_from_data({"name": "m", "resources": {"cpu": 2, "memory": "8GiB"}}), catalogue_url=url, top=None)
    by_provider = {}
    for candidate in result.candidates:
        by_provider.setdefault(candidate.provider, candidate)
    azure_first = by_provider["azure"]
    [pool] = [line for line in azure_first.cost_lines if line.item == SYSTEM_POOL]
    assert pool.usd_per_hour == bundled_model().get("azure", SYSTEM_POOL).usd
    assert "Standard_B2s" in pool.description and pool.source.startswith("https://azure.microsoft.com/")
    assert azure_first.allin_usd_per_hour == sum(line.usd_per_hour for line in azure_first.cost_lines)
    for other in ("aws", "gcp"):
        assert SYSTEM_POOL not in {line.item for line in by_provider[other].cost_lines}
