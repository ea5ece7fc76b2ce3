"""Azure: the Retail Prices API served by `responses` from recorded items, paging included."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from mlx_deploy.catalogue.models import ON_DEMAND, SPOT
from mlx_deploy.orchestrator.errors import RefreshError
from mlx_deploy.providers.azure import AzureProvider
from mlx_deploy.providers.azure.fetch import DEFAULT_PRICES_URL, fetch
from mlx_deploy.providers.azure.parse import parse, resource_sku_sizes
from mlx_deploy.providers.http import session
from mlx_deploy.providers.raw import FetchRequest, RawPage, RawPages

from .conftest import FIXTURES, load

ITEMS = load("azure/retail_prices_vm_francecentral_2021-12.excerpt.json")["items"]
SKU_PAGE = RawPage("resource_skus", "skus", path=FIXTURES / "azure" / "resource_skus_southcentralus.reconstructed.json")


def known_sizes():
    return tuple(resource_sku_sizes([SKU_PAGE]).values())


def envelope(items, next_link=None):
    return {"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
            "Items": items, "NextPageLink": next_link, "Count": len(items)}


def serve_pages(pages, url=DEFAULT_PRICES_URL, seen=None):
    """Serve `pages` (bodies or (status, body, content type)) in order, following $skip."""

    def reply(request):
        query = parse_qs(urlparse(request.url).query)
        if seen is not None:
            seen.append(query)
        index = int(query.get("$skip", ["0"])[0])
        body = pages[index]
        if isinstance(body, tuple):
            return body
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    responses.add_callback(responses.GET, url, callback=reply)


def paged(items, size=50):
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    return [
        envelope(chunk, f"{DEFAULT_PRICES_URL}?$filter=x&$skip={index + 1}" if index + 1 < len(chunks) else None)
        for index, chunk in enumerate(chunks)
    ]


def request(tmp_path, regions=("francecentral",)):
    return FetchRequest(tmp_path, regions, known_instance_types=known_sizes())


@responses.activate
def test_fetch_follows_next_page_link_and_parses_linux_prices(tmp_path):
    seen = []
    serve_pages(paged(ITEMS), seen=seen)
    raw = fetch(request(tmp_path), http=session(retries=0))
    assert len(raw.pages) == 3 and all(page.path.is_file() for page in raw.pages)
    first = seen[0]
    assert first["$filter"] == ["serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armRegionName eq 'francecentral'"]
    assert responses.calls[0].request.headers["User-Agent"].startswith("mlx-deploy/")
    rows = AzureProvider().parse(raw)
    prices = {(p.instance_type, p.purchase_option): p.usd_per_hour for p in rows.prices}
    # Read off the recorded items by hand: Linux Consumption meters only.
    assert prices[("Standard_NC6s_v3", ON_DEMAND)] == 3.58  # not 3.856 (Windows) nor 0.716 (Low Priority)
    assert prices[("Standard_NC6s_v3", SPOT)] == 0.761108  # not 1.102045 (Windows Spot)
    assert prices[("Standard_D2s_v3", ON_DEMAND)] == 0.112
    assert prices[("Standard_B1s", ON_DEMAND)] == 0.0118  # the $0 duplicate is a free-account meter
    assert all(p.region == "francecentral" and p.zone is None for p in rows.prices)
    assert "Standard_D16as_v5" not in {p.instance_type for p in rows.prices}  # no known size: no price
    nc6 = next(t for t in rows.instance_types if t.name == "Standard_NC6s_v3")
    assert (nc6.vcpus, nc6.memory_gib, nc6.gpu_model, nc6.gpu_count) == (6, 112, "V100-16GB", 1)
    assert [(r.code, r.display_name) for r in rows.regions] == [("francecentral", "FR Central")]


def test_resource_skus_give_sizes_and_canonical_gpus():
    sizes = resource_sku_sizes([SKU_PAGE])
    a100 = sizes["Standard_NC24ads_A100_v4"]
    assert (a100.vcpus, a100.memory_gib, a100.gpu_model, a100.gpu_count, a100.gpu_memory_gib) == (24, 220, "A100-80GB", 1, 80)
    assert (sizes["Standard_NC16as_T4_v3"].gpu_model, sizes["Standard_NC16as_T4_v3"].gpu_count) == ("T4", 1)
    assert sizes["Standard_D16plds_v5"].arch == "arm64"
    assert sizes["Standard_D2s_v3"].gpu_model is None


def test_unit_of_measure_is_normalised_to_one_hour():
    item = dict(next(i for i in ITEMS if i["armSkuName"] == "Standard_D2s_v3" and i["type"] == "Consumption"
                     and "Windows" not in i["productName"] and i["skuName"] == "D2s v3"))
    item["unitOfMeasure"], item["unitPrice"] = "10 Hours", item["unitPrice"] * 10
    rows = parse(RawPages("azure", "t", None, [RawPage("retail_prices", "p", payload=envelope([item]))], known_sizes()))
    assert [p.usd_per_hour for p in rows.prices] == [pytest.approx(0.112)]


def test_non_usd_item_is_refused():
    euro = load("azure/retail_prices_doc_examples.json")["example_non_usd"]
    with pytest.raises(RefreshError) as caught:
        parse(RawPages("azure", "t", None, [RawPage("retail_prices", "all regions retail prices page 4", payload=envelope([euro]))]))
    assert caught.value.message.startswith("azure refresh failed on all regions retail prices page 4: ")
    assert "priced in EUR, not USD" in caught.value.message


@pytest.mark.parametrize(
    ("reply", "cause"),
    [
        ((403, {"Content-Type": "application/json"}, '{"error": "Forbidden"}'), "HTTP 403 Forbidden"),
        ((200, {"Content-Type": "text/html"}, "<!DOCTYPE html><html>Sign in to the proxy</html>"), "an HTML page instead of JSON"),
        ((200, {"Content-Type": "application/json"}, '{"Items": [{"currencyCode": "USD", "unitPri'), "truncated or malformed JSON"),
    ],
)
@responses.activate
def test_bad_second_page_names_provider_page_and_cause(tmp_path, reply, cause):
    pages = paged(ITEMS)
    pages[1] = reply
    serve_pages(pages)
    with pytest.raises(RefreshError) as caught:
        fetch(request(tmp_path), http=session(retries=0))
    message = caught.value.message
    assert message.startswith("azure refresh failed on francecentral retail prices page 2: ")
    assert cause in message


@responses.activate
def test_server_errors_are_retried(tmp_path):
    pages = paged(ITEMS, size=len(ITEMS))
    responses.add(responses.GET, DEFAULT_PRICES_URL, status=503)
    responses.add(responses.GET, DEFAULT_PRICES_URL, status=429)
    responses.add(responses.GET, DEFAULT_PRICES_URL, json=pages[0])
    raw = fetch(request(tmp_path), http=session(retries=3, backoff=0))
    assert len(raw.pages) == 1 and len(responses.calls) == 3


@responses.activate
def test_prices_url_can_point_at_a_mirror(tmp_path, monkeypatch):
    mirror = "http://prices-mirror.internal/api/retail/prices"
    monkeypatch.setenv("MLX_AZURE_PRICES_URL", mirror)
    serve_pages([envelope(ITEMS[:5])], url=mirror)
    raw = fetch(request(tmp_path), http=session(retries=0))
    assert len(raw.pages) == 1 and responses.calls[0].request.url.startswith(mirror)


def test_prices_need_no_credentials():
    assert AzureProvider().credentials_problem() is None


def test_full_francecentral_dump(shared_data):
    """Every meter of the recorded region: only Linux Consumption prices, one per size and option."""
    path = shared_data / "raw" / "azure" / "terracost" / "retail_prices_vm_francecentral_2021-12.json"
    rows = parse(RawPages("azure", "t", None, [RawPage("retail_prices", "dump", path=path)], known_sizes()))
    keys = [(p.instance_type, p.purchase_option) for p in rows.prices]
    assert len(keys) == len(set(keys)) and len(keys) > 20
    assert all(p.usd_per_hour > 0 for p in rows.prices)


class StaticToken:
    """An azure-core TokenCredential: the SDK's boundary for sign-in."""

    def get_token(self, *scopes, **kwargs):  # noqa: ANN002, ANN003, ANN201, ARG002
        from azure.core.credentials import AccessToken

        return AccessToken("test-token", 4_102_444_800)


@responses.activate
def test_sizes_from_the_resource_skus_api_when_signed_in(tmp_path, monkeypatch):
    import re

    import mlx_deploy.providers.azure.fetch as fetch_module

    pytest.importorskip("azure.mgmt.compute")
    monkeypatch.setattr(fetch_module, "sku_credentials", lambda: (StaticToken(), "00000000-0000-0000-0000-000000000000"))
    serve_pages(paged(ITEMS))
    skus = (FIXTURES / "azure" / "resource_skus_southcentralus.reconstructed.json").read_text()
    responses.add(
        responses.GET,
        re.compile(r"https://management\.azure\.com/subscriptions/0{8}-0{4}-0{4}-0{4}-0{12}/providers/Microsoft\.Compute/skus.*"),
        body=skus, content_type="application/json",
    )
    raw = fetch(FetchRequest(tmp_path, None), http=session(retries=0))
    assert raw.source == "azure retail prices api" and any(page.kind == "resource_skus" for page in raw.pages)
    arm = [call for call in responses.calls if "management.azure.com" in call.request.url]
    assert arm and arm[0].request.headers["Authorization"] == "Bearer test-token"
    rows = AzureProvider().parse(raw)
    nc6 = next(t for t in rows.instance_types if t.name == "Standard_NC6s_v3")
    assert (nc6.vcpus, nc6.memory_gib, nc6.gpu_model, nc6.gpu_count) == (6, 112, "V100-16GB", 1)
