"""Fetch Azure pages: the public Retail Prices API (paged via NextPageLink) and,
with credentials, the Resource SKUs list. Every page is saved raw.

`MLX_AZURE_PRICES_URL` points the price queries at a mirror or proxy.
"""

from __future__ import annotations

import os

from mlx_deploy.providers.azure.credentials import sku_credentials
from mlx_deploy.providers.raw import FetchRequest, PageSaver, RawPage, RawPages, decode_json, page_error

PROVIDER = "azure"
PRICES_URL_ENV = "MLX_AZURE_PRICES_URL"
DEFAULT_PRICES_URL = "https://prices.azure.com/api/retail/prices"
API_VERSION = "2023-01-01-preview"
BASE_FILTER = "serviceName eq 'Virtual Machines' and priceType eq 'Consumption'"
SKU_PAGE_SIZE = 500
MAX_PAGES = 100_000  # a NextPageLink loop must end somewhere


def fetch(request: FetchRequest, http=None) -> RawPages:  # noqa: ANN001 - requests.Session
    from mlx_deploy.providers.http import session

    http = http or session()
    saver = PageSaver(request.workdir, PROVIDER)
    raw = RawPages(PROVIDER, "azure retail prices api", request.regions)
    for region in request.regions or (None,):
        raw.pages += price_pages(http, saver, region, request)
    raw.pages += sku_pages(saver, request)
    raw.known_instance_types = request.known_instance_types
    if not any(page.kind == "resource_skus" for page in raw.pages):
        raw.source += " (sizes: catalogue)"
    return raw


def price_pages(http, saver: PageSaver, region: str | None, request: FetchRequest) -> list[RawPage]:  # noqa: ANN001
    from mlx_deploy.providers.http import TIMEOUT_SECONDS

    query = BASE_FILTER + (f" and armRegionName eq '{region}'" if region else "")
    url: str | None = os.environ.get(PRICES_URL_ENV, DEFAULT_PRICES_URL)
    params: dict | None = {"api-version": API_VERSION, "$filter": query}
    pages: list[RawPage] = []
    while url and len(pages) < MAX_PAGES:
        label = f"{region or 'all regions'} retail prices page {len(pages) + 1}"
        try:
            response = http.get(url, params=params, timeout=TIMEOUT_SECONDS)
        except OSError as exc:  # requests' errors derive from OSError
            raise page_error(PROVIDER, label, f"request failed ({exc})") from None
        if response.status_code != 200:
            raise page_error(PROVIDER, label, f"HTTP {response.status_code} {response.reason} from {response.url}")
        data = decode_json(PROVIDER, RawPage("retail_prices", label), response.content)
        if not isinstance(data, dict) or not isinstance(data.get("Items"), list):
            raise page_error(PROVIDER, label, "the response has no Items list")
        pages.append(saver.save("retail_prices", label, data, region))
        request.progress(PROVIDER, 1, None)
        url, params = (data.get("NextPageLink") or None), None
        if not data["Items"]:
            break
    return pages


def sku_pages(saver: PageSaver, request: FetchRequest) -> list[RawPage]:
    found = sku_credentials()
    if found is None:
        return []
    from azure.core.exceptions import AzureError
    from azure.mgmt.compute import ComputeManagementClient

    credential, subscription = found
    client = ComputeManagementClient(credential, subscription)
    wanted = set(request.regions or ())
    pages: list[RawPage] = []
    chunk: list[dict] = []
    try:
        for sku in client.resource_skus.list():
            item = _rest_shape(sku.as_dict())
            if item.get("resourceType") != "virtualMachines":
                continue
            if wanted and not wanted & {loc.lower() for loc in item.get("locations", [])}:
                continue
            chunk.append(item)
            if len(chunk) == SKU_PAGE_SIZE:
                pages.append(saver.save("resource_skus", f"resource skus page {len(pages) + 1}", {"value": chunk}))
                chunk = []
    except AzureError as exc:
        raise page_error(PROVIDER, f"resource skus page {len(pages) + 1}", str(exc).splitlines()[0]) from None
    if chunk:
        pages.append(saver.save("resource_skus", f"resource skus page {len(pages) + 1}", {"value": chunk}))
    return pages


def _rest_shape(item: dict) -> dict:
    """The SKU as the REST API spells it, as parse reads it. Newer SDKs' as_dict()
    already gives camelCase; older (msrest) ones give snake_case."""
    if "resource_type" not in item:
        return item
    return {
        "resourceType": item.get("resource_type"),
        "name": item.get("name"),
        "family": item.get("family"),
        "locations": item.get("locations", []),
        "capabilities": item.get("capabilities", []),
        "restrictions": item.get("restrictions", []),
    }
