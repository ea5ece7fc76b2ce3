"""A migrated catalogue, no cloud credentials, and the recorded Azure pages served by `responses`."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from mlx_deploy.catalogue.models import Price, RefreshRun
from mlx_deploy.catalogue.refresh import RefreshOptions, refresh

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "providers"
PRICES_URL = "https://prices.azure.com/api/retail/prices"


def azure_items() -> list[dict]:
    return json.loads((FIXTURES / "azure" / "retail_prices_vm_francecentral_2021-12.excerpt.json").read_text())["items"]


def envelope(items: list[dict], next_link: str | None = None) -> dict:
    return {"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
            "Items": items, "NextPageLink": next_link, "Count": len(items)}


def paged(items: list[dict], size: int = 50) -> list[dict]:
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    return [
        envelope(chunk, f"{PRICES_URL}?$skip={index + 1}" if index + 1 < len(chunks) else None)
        for index, chunk in enumerate(chunks)
    ]


def azure_sizes():
    from mlx_deploy.providers.azure.parse import resource_sku_sizes
    from mlx_deploy.providers.raw import RawPage

    page = RawPage("resource_skus", "skus", path=FIXTURES / "azure" / "resource_skus_southcentralus.reconstructed.json")
    return list(resource_sku_sizes([page]).values())



@pytest.fixture
def no_retries(monkeypatch):
    """Fail fast: the tests' HTTP errors are meant, not transient."""
    import mlx_deploy.providers.http as http

    monkeypatch.setattr(http, "RETRIES", 0)


@pytest.fixture
def engine(no_retries):  # noqa: ARG001
    """A migrated SQLite catalogue holding the Azure sizes mlx knows (no prices yet)."""
    from mlx_deploy.catalogue.publish import publish
    from mlx_deploy.catalogue.rows import ProviderRows
    from mlx_deploy.catalogue.store import open_catalogue

    engine = open_catalogue(load_snapshot=False)
    publish(engine, ProviderRows("azure", instance_types=azure_sizes()), "test: known azure sizes")
    return engine


@pytest.fixture
def serve():
    """serve(pages): answer the Retail Prices API with `pages`, following $skip."""
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:

        def install(pages: list) -> None:
            from urllib.parse import parse_qs, urlparse

            mock.reset()

            def reply(request):  # noqa: ANN001, ANN202
                index = int(parse_qs(urlparse(request.url).query).get("$skip", ["0"])[0])
                body = pages[index]
                if isinstance(body, tuple):
                    return body
                return 200, {"Content-Type": "application/json"}, json.dumps(body)

            mock.add_callback(mock.GET, PRICES_URL, callback=reply)

        yield install


AZURE = RefreshOptions(("azure",), ("francecentral",))


def prices(engine) -> dict:  # noqa: ANN001
    with engine.connect() as conn:
        rows = conn.execute(select(Price.instance_type, Price.purchase_option, Price.usd_per_hour).where(Price.provider == "azure"))
        return {(name, option): usd for name, option, usd in rows}


def runs(engine) -> list:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.execute(
            select(RefreshRun.status, RefreshRun.error, RefreshRun.source).where(RefreshRun.provider == "azure").order_by(RefreshRun.id)
        ).all()


def with_price(items: list[dict], size: str, factor: float) -> list[dict]:
    changed = copy.deepcopy(items)
    for item in changed:
        if item["armSkuName"] == size:
            item["unitPrice"] = item["retailPrice"] = round(item["unitPrice"] * factor, 6)
    return changed


@pytest.fixture
def published(engine, serve):  # noqa: ANN001
    serve(paged(azure_items()))
    [result] = refresh(engine, AZURE)
    assert result.status == "published", result.reason
    return prices(engine)


