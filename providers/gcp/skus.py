"""Cloud Billing Catalog SKUs of Compute Engine, reduced to what VM prices need.

Kept: resourceFamily Compute, usageType OnDemand or Preemptible (spot), hourly
units; dropped: commitments, custom, premium, reserved and sole-tenancy SKUs.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlx_deploy.providers.raw import RawPage, page_error, require, usd_price

PROVIDER = "gcp"
USAGE_TYPES = {"OnDemand": "on-demand", "Preemptible": "spot"}
DROPPED_WORDS = ("custom", "premium", "reserved", "sole tenancy", "commitment", "dws defined duration")
HOURLY_UNITS = ("h", "GiBy.h")


@dataclass(frozen=True, slots=True)
class Sku:
    description: str
    resource_group: str
    option: str  # models.ON_DEMAND or models.SPOT
    regions: frozenset[str]
    usd_per_unit: float

    def covers(self, region: str) -> bool:
        return region in self.regions


def page_skus(page: RawPage) -> list[Sku]:
    data = page.load(PROVIDER)
    kept: list[Sku] = []
    for item in require(PROVIDER, page, data, "skus", list):
        sku = compute_sku(page, item)
        if sku is not None:
            kept.append(sku)
    return kept


def compute_sku(page: RawPage, item: dict) -> Sku | None:
    category = require(PROVIDER, page, item, "category", dict)
    if category.get("resourceFamily") != "Compute" or category.get("resourceGroup") in ("PdSnapshotEgress", "VmState"):
        return None
    option = USAGE_TYPES.get(category.get("usageType", ""))
    description = require(PROVIDER, page, item, "description", str)
    if option is None or any(word in description.lower() for word in DROPPED_WORDS):
        return None
    infos = require(PROVIDER, page, item, "pricingInfo", list)
    if not infos:
        return None
    expression = require(PROVIDER, page, infos[0], "pricingExpression", dict)
    if expression.get("usageUnit") not in HOURLY_UNITS:
        return None
    price = _unit_price(page, description, require(PROVIDER, page, expression, "tieredRates", list))
    if price is None:
        return None
    regions = require(PROVIDER, page, item, "serviceRegions", list)
    return Sku(description, str(category.get("resourceGroup", "")), option, frozenset(regions), price)


def _unit_price(page: RawPage, description: str, tiers: list) -> float | None:
    """The first tier's price; a free first tier (free usage) gives way to the next."""
    price = None
    for tier in tiers:
        unit_price = require(PROVIDER, page, tier, "unitPrice", dict)
        currency = unit_price.get("currencyCode", "USD")
        if currency != "USD":
            raise page_error(PROVIDER, page, f"SKU {description!r} is priced in {currency}, not USD")
        units = usd_price(PROVIDER, page, unit_price.get("units", "0"), f"{description!r} units")
        nanos = usd_price(PROVIDER, page, unit_price.get("nanos", 0), f"{description!r} nanos")
        price = units + nanos / 1e9
        if price > 0:
            return price
    return price
