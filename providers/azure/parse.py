"""Pure parse: saved Azure pages -> catalogue rows.

Prices come from the public Retail Prices API: `Consumption` meters of
`Virtual Machines`, Windows and Cloud Services products dropped (some series
say `... Srs Win`, hence the ` Win` match), Low Priority meters dropped, Spot
meters become spot prices. Sizes (vCPUs, memory, GPUs) come from Resource SKU
pages when the fetch could list them, else from the sizes the catalogue knows.
"""

from __future__ import annotations

import re

from mlx_deploy.catalogue.gpus import canonical_gpu, gpu_memory_gib
from mlx_deploy.catalogue.models import ON_DEMAND, SPOT
from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow
from mlx_deploy.providers.raw import RawPage, RawPages, page_error, require, usd_price

PROVIDER = "azure"
NOT_LINUX = re.compile(r" Win| Cloud Services| CloudServices")
HOURS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*Hours?\s*$", re.IGNORECASE)

# Resource SKU family (lower case, spaces removed) -> GPU as Azure sells it.
FAMILY_GPU = {
    "standardncfamily": "K80",
    "standardncpromofamily": "K80",
    "standardncsv2family": "P100",
    "standardncsv3family": "V100-16GB",
    "standardncasv3_t4family": "T4",
    "standardndsv2family": "V100-32GB",
    "standardncadsa100v4family": "A100-80GB",
    "standardndamsv4_a100family": "A100-80GB",
    "standardndasv4_a100family": "A100-40GB",
    "standardnvfamily": "M60",
    "standardnvsv3family": "M60",
    "standardnvpromofamily": "M60",
    "standardnvsv4family": "MI25",
    "standardndsfamily": "P40",
    "standardnvadsa10v5family": "A10",
    "standardncadsh100v5family": "H100-94GB",
    "standardndsh100v5family": "H100-80GB",
}
A10_FULL_VCPUS = 36  # NVads A10 v5 sizes carry a slice of an A10 in proportion to vCPUs


def parse(raw: RawPages) -> ProviderRows:
    sizes = resource_sku_sizes(raw.of_kind("resource_skus"))
    if not sizes:
        sizes = {row.name: row for row in raw.known_instance_types}
    prices, regions = retail_prices(raw.of_kind("retail_prices"))
    rows = ProviderRows(PROVIDER)
    used: set[str] = set()
    for (size, region, option), usd in sorted(prices.items()):
        if size in sizes:
            rows.prices.append(PriceRow(PROVIDER, region, size, option, usd))
            used.add(size)
    rows.instance_types = [sizes[name] for name in sorted(used)]
    rows.regions = [RegionRow(PROVIDER, code, name) for code, name in sorted(regions.items())]
    return rows


def retail_prices(pages) -> tuple[dict[tuple[str, str, str], float], dict[str, str | None]]:  # noqa: ANN001
    """(size, region, purchase option) -> USD per hour, and region -> display name."""
    prices: dict[tuple[str, str, str], float] = {}
    regions: dict[str, str | None] = {}
    for page in pages:
        for item in page_items(page):
            found = linux_price(page, item)
            if found is None:
                continue
            key, usd = found
            # Duplicate meters of one size: a $0 one is a free-account offer
            # (B1s), so the list price is the highest.
            prices[key] = max(usd, prices.get(key, usd))
            regions[key[1]] = item.get("location")
    return prices, regions


def page_items(page: RawPage) -> list:
    data = page.load(PROVIDER)
    if isinstance(data, dict) and "items" in data and "Items" not in data:
        return require(PROVIDER, page, data, "items", list)  # pages re-wrapped by recorders
    currency = data.get("BillingCurrency", "USD") if isinstance(data, dict) else "USD"
    if currency != "USD":
        raise page_error(PROVIDER, page, f"prices are in {currency}, not USD")
    return require(PROVIDER, page, data, "Items", list)


def linux_price(page: RawPage, item: dict) -> tuple[tuple[str, str, str], float] | None:
    if not isinstance(item, dict):
        raise page_error(PROVIDER, page, f"an item is a {type(item).__name__}, not an object")
    currency = item.get("currencyCode")
    if currency != "USD":  # any item: the whole query came back in the wrong currency
        raise page_error(PROVIDER, page, f"{item.get('armSkuName')} is priced in {currency}, not USD")
    if item.get("type") != "Consumption" or item.get("serviceName") != "Virtual Machines":
        return None
    product = require(PROVIDER, page, item, "productName", str)
    meter = str(item.get("meterName", ""))
    sku_name = require(PROVIDER, page, item, "skuName", str)
    if NOT_LINUX.search(product) or meter.endswith(" Low Priority") or sku_name.endswith(" Low Priority"):
        return None
    hours = HOURS.match(str(item.get("unitOfMeasure", "")))
    if hours is None:
        return None  # not an hourly meter
    size = require(PROVIDER, page, item, "armSkuName", str)
    region = require(PROVIDER, page, item, "armRegionName", str).lower()
    usd = usd_price(PROVIDER, page, require(PROVIDER, page, item, "unitPrice", (int, float)), f"{size} unitPrice")
    option = SPOT if sku_name.endswith(" Spot") else ON_DEMAND
    return (size, region, option), usd / float(hours.group(1))


def resource_sku_sizes(pages) -> dict[str, InstanceTypeRow]:  # noqa: ANN001
    sizes: dict[str, InstanceTypeRow] = {}
    for page in pages:
        data = page.load(PROVIDER)
        for sku in require(PROVIDER, page, data, "value", list):
            if isinstance(sku, dict) and sku.get("resourceType") == "virtualMachines":
                row = size_row(page, sku)
                sizes.setdefault(row.name, row)
    return sizes


def size_row(page: RawPage, sku: dict) -> InstanceTypeRow:
    name = require(PROVIDER, page, sku, "name", str)
    capabilities = {
        entry.get("name"): entry.get("value") for entry in require(PROVIDER, page, sku, "capabilities", list)
    }
    try:
        vcpus = float(capabilities["vCPUs"])
        memory = float(capabilities["MemoryGB"])
    except (KeyError, TypeError, ValueError):
        raise page_error(PROVIDER, page, f"size {name} lacks numeric vCPUs/MemoryGB capabilities") from None
    family = str(sku.get("family", "")).replace(" ", "").lower()
    gpu = canonical_gpu(FAMILY_GPU.get(family))
    count = _gpu_count(name, gpu, vcpus, capabilities.get("GPUs"))
    arch = {"x64": "x86_64", "Arm64": "arm64"}.get(str(capabilities.get("CpuArchitectureType")))
    return InstanceTypeRow(
        provider=PROVIDER,
        name=name,
        vcpus=vcpus,
        memory_gib=memory,
        arch=arch,
        gpu_model=gpu,
        gpu_count=count,
        gpu_memory_gib=gpu_memory_gib(gpu) if gpu else None,
    )


def _gpu_count(name: str, gpu: str | None, vcpus: float, reported: str | None) -> float:
    if gpu is None:
        return 0.0
    if gpu == "A10" and "_A10_" in name and vcpus < A10_FULL_VCPUS:
        return round(vcpus / A10_FULL_VCPUS, 3)
    try:
        return float(reported) if reported is not None else 0.0
    except ValueError:
        return 0.0
