"""On-demand Linux prices from AWS price lists: Query API pages and bulk offer files.

Both carry the same product/terms documents. A product counts when it is a
shared-tenancy Linux instance without pre-installed software, in the `Used`
capacity state and the `OnDemand` market (capacity blocks are a separate,
usually $0, SKU of the same type).

The bulk offer file of one region is hundreds of MB: it is read with ijson in
two streaming passes (products, then on-demand terms; see offer_sections.py),
so memory holds only the matching SKUs, whatever the file size.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from mlx_deploy.providers.aws.offer_sections import on_demand_section, products_section
from mlx_deploy.providers.raw import RawPage, page_error, require, usd_price

PROVIDER = "aws"

COMPUTE_FAMILIES = ("Compute Instance",)
BUFFER = 1 << 20  # read the offer file in 1 MiB chunks


@dataclass(frozen=True, slots=True)
class OnDemandPrice:
    region: str
    instance_type: str
    usd_per_hour: float
    location: str | None


def is_linux_on_demand(product: dict) -> bool:
    # Runs once per SKU of files with hundreds of thousands: plain comparisons.
    if product.get("productFamily") not in COMPUTE_FAMILIES:
        return False
    attributes = product.get("attributes") or {}
    return (
        attributes.get("operatingSystem") == "Linux"
        and attributes.get("tenancy") == "Shared"
        and attributes.get("preInstalledSw") == "NA"
        and attributes.get("capacitystatus") == "Used"
        # Older price lists have no marketoption: every SKU there is on-demand.
        and attributes.get("marketoption", "OnDemand") == "OnDemand"
    )


def hourly_usd(page: RawPage, sku: str, on_demand_terms: Any) -> float | None:
    """The hourly USD rate in a SKU's on-demand terms (None when it has none)."""
    if not isinstance(on_demand_terms, dict):
        raise page_error(PROVIDER, page, f"SKU {sku}: on-demand terms are a {type(on_demand_terms).__name__}")
    for term in on_demand_terms.values():
        dimensions = require(PROVIDER, page, term, "priceDimensions", dict)
        for dimension in dimensions.values():
            if dimension.get("unit") not in ("Hrs", "Hours", "Hour"):
                continue
            per_unit = require(PROVIDER, page, dimension, "pricePerUnit", dict)
            if "USD" not in per_unit:
                currencies = ", ".join(per_unit) or "none"
                raise page_error(PROVIDER, page, f"SKU {sku} is priced in {currencies}, not USD")
            return usd_price(PROVIDER, page, per_unit["USD"], f"SKU {sku} price")
    return None


# ---- Price List Query API (pricing.get_products) --------------------------


def query_api_prices(page: RawPage) -> list[OnDemandPrice]:
    """Prices in one saved get_products page: {"region": ..., "PriceList": [json strings]}."""
    data = page.load(PROVIDER)
    items = require(PROVIDER, page, data, "PriceList", list)
    prices: list[OnDemandPrice] = []
    for index, item in enumerate(items):
        document = _price_list_item(page, index, item)
        product = require(PROVIDER, page, document, "product", dict)
        if not is_linux_on_demand(product):
            continue
        price = _document_price(page, product, document)
        if price is not None:
            prices.append(price)
    return prices


def _price_list_item(page: RawPage, index: int, item: Any) -> dict:
    if isinstance(item, dict):
        return item
    if not isinstance(item, str):
        raise page_error(PROVIDER, page, f"PriceList[{index}] has an unexpected type {type(item).__name__}")
    try:
        document = json.loads(item)
    except ValueError as exc:
        raise page_error(PROVIDER, page, f"PriceList[{index}] is not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise page_error(PROVIDER, page, f"PriceList[{index}] is not a JSON object")
    return document


def _document_price(page: RawPage, product: dict, document: dict) -> OnDemandPrice | None:
    attributes = product["attributes"]
    sku = product.get("sku", "?")
    instance_type = require(PROVIDER, page, attributes, "instanceType", str)
    region = attributes.get("regionCode") or page.region
    if not region:
        raise page_error(PROVIDER, page, f"SKU {sku} names no region")
    terms = require(PROVIDER, page, document, "terms", dict)
    usd = hourly_usd(page, sku, terms.get("OnDemand", {}))
    if usd is None:
        return None
    return OnDemandPrice(region, instance_type, usd, attributes.get("location"))


# ---- Bulk offer file (offers/v1.0/aws/AmazonEC2/current/<region>/index.json) ----


FAST_BACKEND = "yajl2_c"


def json_stream_backend():  # noqa: ANN201 - an ijson backend module
    """ijson's C backend (yajl2_c), several times faster than pure Python on a
    hundreds-of-MB offer file; ijson's best available one, with a warning, when
    the C extension is not built for this platform."""
    import ijson

    try:
        return ijson.get_backend(FAST_BACKEND)
    except ImportError as exc:
        logging.getLogger(__name__).warning(
            "ijson's C backend %s is unavailable (%s); parsing AWS offer files with the slower %s backend",
            FAST_BACKEND, exc, ijson.backend,
        )
        return ijson


def offer_file_prices(page: RawPage) -> list[OnDemandPrice]:
    """Stream one regional bulk offer file from disk; memory stays flat."""
    from ijson import JSONError

    ijson = json_stream_backend()

    if page.path is None:
        raise page_error(PROVIDER, page, "offer file page has no file")
    _check_starts_as_json(page)
    try:
        with open(page.path, "rb") as handle:
            products = products_section(handle, BUFFER)
            wanted = _matching_products(page, ijson, products)
            if products.stop_offset is None:  # not products-then-terms: read the whole file again
                handle.seek(0)
                return _matching_prices(page, ijson, wanted, handle)
            return _matching_prices(page, ijson, wanted, on_demand_section(handle, BUFFER, products.stop_offset))
    except JSONError as exc:
        raise page_error(PROVIDER, page, f"truncated or malformed JSON ({exc})") from None
    except OSError as exc:
        raise page_error(PROVIDER, page, f"cannot read {page.path} ({exc})") from None


def _check_starts_as_json(page: RawPage) -> None:
    with open(page.path, "rb") as handle:
        head = handle.read(256).lstrip()
    if head.startswith(b"<"):
        raise page_error(PROVIDER, page, "an HTML page instead of JSON (an error page or a proxy login?)")
    if not head.startswith(b"{"):
        raise page_error(PROVIDER, page, "not a JSON offer file")


def _matching_products(page: RawPage, ijson, stream) -> dict[str, tuple[str, str, str | None]]:  # noqa: ANN001
    wanted: dict[str, tuple[str, str, str | None]] = {}
    for sku, product in ijson.kvitems(stream, "products", use_float=True, buf_size=BUFFER):
        if not isinstance(product, dict):
            raise page_error(PROVIDER, page, f"product {sku} is a {type(product).__name__}, not an object")
        if not is_linux_on_demand(product):
            continue
        attributes = product["attributes"]
        region = attributes.get("regionCode") or page.region
        instance_type = attributes.get("instanceType")
        if not region or not isinstance(instance_type, str):
            raise page_error(PROVIDER, page, f"product {sku} lacks regionCode or instanceType")
        wanted[sku] = (region, instance_type, attributes.get("location"))
    return wanted


def _matching_prices(page: RawPage, ijson, wanted: dict, stream) -> list[OnDemandPrice]:  # noqa: ANN001
    prices: list[OnDemandPrice] = []
    for sku, terms in ijson.kvitems(stream, "terms.OnDemand", use_float=True, buf_size=BUFFER):
        if sku not in wanted:
            continue
        usd = hourly_usd(page, sku, terms)
        if usd is not None:
            region, instance_type, location = wanted[sku]
            prices.append(OnDemandPrice(region, instance_type, usd, location))
    return prices
