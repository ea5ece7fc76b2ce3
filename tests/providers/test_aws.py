"""AWS: pure parse of recorded pages, and fetch through moto (EC2) and botocore's Stubber (Price List)."""

from __future__ import annotations

import json
import shutil

import pytest

from mlx_deploy.catalogue.models import ON_DEMAND, SPOT
from mlx_deploy.orchestrator.errors import RefreshError
from mlx_deploy.providers.aws import AwsProvider
from mlx_deploy.providers.aws.offers import offer_file_prices, query_api_prices
from mlx_deploy.providers.aws.parse import instance_types, parse, spot_prices
from mlx_deploy.providers.raw import FetchRequest, RawPage, RawPages

from .conftest import FIXTURES, load


def page(kind: str, name: str, region: str | None = None) -> RawPage:
    return RawPage(kind, name, path=FIXTURES / "aws" / name, region=region)


def test_query_api_page_gives_the_hourly_linux_price():
    document = load("aws/GetProducts__m5_large.json")
    # A real response carries each PriceList entry as a JSON string.
    raw = RawPage("get_products", "us-east-1 get_products page 1", payload={"PriceList": [json.dumps(document)]}, region="us-east-1")
    [price] = query_api_prices(raw)
    assert (price.region, price.instance_type, price.usd_per_hour) == ("us-east-1", "m5.large", 0.096)
    assert price.location == "US East (N. Virginia)"


def test_offer_file_keeps_on_demand_and_drops_capacity_blocks():
    prices = offer_file_prices(page("offer_file", "bulk_offer_excerpt_useast1_p4d_marketoption.json", "us-east-1"))
    assert [(p.region, p.instance_type, p.usd_per_hour) for p in prices] == [("us-east-1", "p4d.24xlarge", 32.7726)]


def test_offer_file_takes_only_hourly_linux_rates():
    # In this excerpt p3.8xlarge is Windows BYOL, gp3 is storage, and the only
    # term kept for m5.large is a 3-year "Upfront Fee" (unit Quantity): none of
    # them is an hourly Linux on-demand rate.
    prices = offer_file_prices(page("offer_file", "bulk_offer_excerpt_useast2_m5large_p3_8xlarge_gp3.json", "us-east-2"))
    assert prices == []


def test_offer_file_priced_in_cny_is_refused(tmp_path):
    document = json.loads((FIXTURES / "aws" / "bulk_offer_excerpt_useast1_p4d_marketoption.json").read_text())
    for term in document["terms"]["OnDemand"].values():
        for offer in term.values():
            for dimension in offer["priceDimensions"].values():
                dimension["pricePerUnit"] = {"CNY": dimension["pricePerUnit"]["USD"]}
    path = tmp_path / "index.json"
    path.write_text(json.dumps(document))
    with pytest.raises(RefreshError) as caught:
        offer_file_prices(RawPage("offer_file", "cn-north-1 offer file", path=path, region="cn-north-1"))
    assert "aws refresh failed on cn-north-1 offer file" in caught.value.message
    assert "priced in CNY, not USD" in caught.value.message


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        (b'{"products": {"H7NG": {"sku": "H7NG", "productFamily": "Compute', "truncated or malformed JSON"),
        (b"<html><body>403 Forbidden</body></html>", "an HTML page instead of JSON"),
    ],
)
def test_broken_offer_file_names_provider_page_and_cause(tmp_path, content, cause):
    path = tmp_path / "index.json"
    path.write_bytes(content)
    with pytest.raises(RefreshError) as caught:
        offer_file_prices(RawPage("offer_file", "us-east-1 offer file", path=path, region="us-east-1"))
    assert caught.value.message.startswith("aws refresh failed on us-east-1 offer file: ")
    assert cause in caught.value.message
    assert "catalogue was not changed" in caught.value.message


def test_spot_price_is_the_newest_per_zone():
    prices = spot_prices([page("describe_spot_price_history", "DescribeSpotPriceHistory__m5_large.json")])
    # Newest entry per zone in the recorded 250-entry history, read off the file by hand.
    assert prices == {
        ("m5.large", "us-east-1a"): 0.0423,
        ("m5.large", "us-east-1b"): 0.0389,
        ("m5.large", "us-east-1c"): 0.0381,
        ("m5.large", "us-east-1d"): 0.0431,
        ("m5.large", "us-east-1f"): 0.0437,
    }


def test_instance_specs_with_canonical_gpu():
    types = instance_types([page("describe_instance_types", "DescribeInstanceTypes__t3_micro_and_p3_16xl.json")])
    p3 = types["p3.16xlarge"]
    assert (p3.vcpus, p3.memory_gib, p3.gpu_model, p3.gpu_count, p3.gpu_memory_gib) == (64, 488, "V100-16GB", 8, 16)
    t3 = types["t3.micro"]
    assert (t3.vcpus, t3.memory_gib, t3.gpu_model, t3.arch) == (2, 1, None, "x86_64")


def test_parse_joins_offerings_zone_ids_prices_and_spot():
    offerings = {"InstanceTypeOfferings": [
        {"InstanceType": "t3.micro", "LocationType": "availability-zone", "Location": "us-east-2a"},
        {"InstanceType": "t3.micro", "LocationType": "availability-zone", "Location": "us-east-2b"},
        {"InstanceType": "unknown.type", "LocationType": "availability-zone", "Location": "us-east-2a"},
    ]}
    product = load("aws/GetProducts__m5_large.json")
    product["product"]["attributes"]["instanceType"] = "t3.micro"
    raw = RawPages("aws", "test", None, [
        page("describe_instance_types", "DescribeInstanceTypes__t3_micro_and_p3_16xl.json"),
        page("describe_availability_zones", "DescribeAvailabilityZones__us-east-2.json", "us-east-2"),
        RawPage("describe_instance_type_offerings", "offerings", payload=offerings, region="us-east-2"),
        RawPage("get_products", "prices", payload={"PriceList": [json.dumps(product)]}, region="us-east-2"),
    ])
    rows = parse(raw)
    assert [(p.zone, p.instance_type, p.purchase_option, p.usd_per_hour) for p in rows.prices] == [
        ("use2-az1", "t3.micro", ON_DEMAND, 0.096),
        ("use2-az2", "t3.micro", ON_DEMAND, 0.096),
    ]
    assert {t.name for t in rows.instance_types} == {"t3.micro", "p3.16xlarge"}


# ---- fetch: moto for EC2, Stubber for the Price List API -------------------


@pytest.fixture
def moto_aws(no_cloud_credentials, monkeypatch):  # noqa: ARG001 - runs after the credentials are cleared
    moto = pytest.importorskip("moto")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws():
        yield


EXPECTED_FILTERS = [
    {"Type": "TERM_MATCH", "Field": field, "Value": value}
    for field, value in (
        ("operatingSystem", "Linux"), ("tenancy", "Shared"), ("preInstalledSw", "NA"),
        ("capacitystatus", "Used"), ("marketoption", "OnDemand"), ("regionCode", "us-east-1"),
    )
]


def stubbed_clients(pricing_responses):  # noqa: ANN001, ANN201
    """EC2 from moto; the Price List API stubbed with recorded pages, its request checked."""
    import boto3
    from botocore.stub import Stubber

    pricing = boto3.client("pricing", region_name="us-east-1")
    stubber = Stubber(pricing)
    expected = {"ServiceCode": "AmazonEC2", "Filters": EXPECTED_FILTERS, "FormatVersion": "aws_v1", "MaxResults": 100}
    for response in pricing_responses:
        if isinstance(response, dict):
            stubber.add_response("get_products", response, expected)
        else:
            stubber.add_client_error("get_products", *response, expected_params=expected)
    stubber.activate()

    def client(service: str, region: str):  # noqa: ANN202
        return pricing if service == "pricing" else boto3.client(service, region_name=region)

    return client


def test_fetch_and_parse_one_region(moto_aws, tmp_path):
    from mlx_deploy.providers.aws.fetch import fetch

    document = load("aws/GetProducts__m5_large.json")
    calls = []
    raw = fetch(
        FetchRequest(tmp_path, ("us-east-1",), lambda *args: calls.append(args)),
        client=stubbed_clients([{"FormatVersion": "aws_v1", "PriceList": [json.dumps(document)]}]),
    )
    assert {p.kind for p in raw.pages} >= {"describe_instance_types", "describe_instance_type_offerings", "get_products"}
    assert all(p.path.is_file() for p in raw.pages)  # every page saved raw
    assert calls and calls[-1][2] == 5
    rows = AwsProvider().parse(raw)
    on_demand = [p for p in rows.prices if p.instance_type == "m5.large" and p.purchase_option == ON_DEMAND]
    assert on_demand and {p.usd_per_hour for p in on_demand} == {0.096}
    assert all(p.zone.startswith("use1-az") for p in on_demand)  # zone ids, not account-specific names
    assert any(p.purchase_option == SPOT for p in rows.prices)
    m5 = next(t for t in rows.instance_types if t.name == "m5.large")
    assert (m5.vcpus, m5.memory_gib) == (2, 8)


def test_fetch_403_names_provider_page_and_cause(moto_aws, tmp_path):
    from mlx_deploy.providers.aws.fetch import fetch

    denied = ("AccessDeniedException", "User is not authorized to perform: pricing:GetProducts", 403)
    with pytest.raises(RefreshError) as caught:
        fetch(FetchRequest(tmp_path, ("us-east-1",)), client=stubbed_clients([denied]))
    message = caught.value.message
    assert message.startswith("aws refresh failed on us-east-1 get_products page 1: AccessDeniedException (HTTP 403)")


def test_unknown_region_is_refused(moto_aws, tmp_path):
    from mlx_deploy.providers.aws.fetch import fetch

    with pytest.raises(RefreshError, match="mars-north-1 are not enabled"):
        fetch(FetchRequest(tmp_path, ("mars-north-1",)), client=stubbed_clients([]))


def test_missing_credentials_give_one_line_with_how_to():
    problem = AwsProvider().credentials_problem()
    assert problem.startswith("no AWS credentials found; configure boto3's default chain")
    assert "\n" not in problem


def test_credentials_from_the_environment_are_found(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    assert AwsProvider().credentials_problem() is None


def test_saved_pages_parse_the_same_after_a_copy(tmp_path):
    """Parse reads pages from disk only: a copied page directory gives the same rows."""
    source = FIXTURES / "aws" / "DescribeInstanceTypes__t3_micro_and_p3_16xl.json"
    shutil.copy(source, tmp_path / "types.json")
    again = instance_types([RawPage("describe_instance_types", "copy", path=tmp_path / "types.json")])
    assert again == instance_types([RawPage("describe_instance_types", "orig", path=source)])


# ---- offer-file download ----------------------------------------------------


def test_offer_file_download_then_parse(tmp_path, monkeypatch):
    import responses

    from mlx_deploy.providers.aws.fetch import _offer_file
    from mlx_deploy.providers.raw import PageSaver

    monkeypatch.setenv("MLX_AWS_OFFERS_URL", "http://offers-mirror.internal")
    body = (FIXTURES / "aws" / "bulk_offer_excerpt_useast1_p4d_marketoption.json").read_bytes()
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, "http://offers-mirror.internal/offers/v1.0/aws/AmazonEC2/current/us-east-1/index.json", body=body)
        [saved] = _offer_file(PageSaver(tmp_path, "aws"), "us-east-1")
    assert saved.path.read_bytes() == body
    assert [(p.instance_type, p.usd_per_hour) for p in offer_file_prices(saved)] == [("p4d.24xlarge", 32.7726)]


def test_offer_file_download_403(tmp_path, monkeypatch):
    import responses

    import mlx_deploy.providers.http as http
    from mlx_deploy.providers.aws.fetch import DEFAULT_OFFERS_URL, _offer_file
    from mlx_deploy.providers.raw import PageSaver

    monkeypatch.setattr(http, "RETRIES", 0)
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, f"{DEFAULT_OFFERS_URL}/offers/v1.0/aws/AmazonEC2/current/eu-west-1/index.json", status=403, body="<Error>AccessDenied</Error>")
        with pytest.raises(RefreshError) as caught:
            _offer_file(PageSaver(tmp_path, "aws"), "eu-west-1")
    assert caught.value.message.startswith("aws refresh failed on eu-west-1 offer file: HTTP 403 Forbidden from https://pricing.us-east-1.amazonaws.com/")


def test_price_list_item_of_unexpected_type():
    raw = RawPage("get_products", "us-east-1 get_products page 2", payload={"PriceList": [42]}, region="us-east-1")
    with pytest.raises(RefreshError, match=r"^aws refresh failed on us-east-1 get_products page 2: PriceList\[0\] has an unexpected type int"):
        query_api_prices(raw)


def test_offer_file_uses_ijsons_c_backend():
    from mlx_deploy.providers.aws.offers import json_stream_backend

    pytest.importorskip("ijson.backends.yajl2_c", reason="ijson's C extension is not built here")
    assert json_stream_backend().__name__ == "ijson.backends.yajl2_c"


def test_offer_file_without_the_c_backend_falls_back_with_a_warning(monkeypatch, caplog):
    import ijson

    real = ijson.get_backend

    def no_c_extension(name):  # noqa: ANN001, ANN202
        if name == "yajl2_c":
            raise ImportError("no compiled yajl2_c here")
        return real(name)

    monkeypatch.setattr(ijson, "get_backend", no_c_extension)
    with caplog.at_level("WARNING"):
        prices = offer_file_prices(page("offer_file", "bulk_offer_excerpt_useast1_p4d_marketoption.json", "us-east-1"))
    assert [(p.instance_type, p.usd_per_hour) for p in prices] == [("p4d.24xlarge", 32.7726)]
    assert "C backend yajl2_c is unavailable" in caplog.text


def test_fetch_lists_instance_specs_once_then_only_unknown_offered_types(moto_aws, tmp_path):
    from mlx_deploy.providers.aws.fetch import fetch

    document = load("aws/GetProducts__m5_large.json")
    import boto3
    from botocore.stub import Stubber

    pricing = boto3.client("pricing", region_name="us-east-1")
    stubber = Stubber(pricing)
    for _region in range(2):  # the request itself is checked in test_fetch_and_parse_one_region
        stubber.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": [json.dumps(document)]})
    stubber.activate()
    asked: list[tuple[str, dict]] = []

    def client(service: str, region: str):  # noqa: ANN202
        if service == "pricing":
            return pricing
        made = boto3.client(service, region_name=region)
        if service == "ec2":
            made.meta.events.register(
                "provide-client-params.ec2.DescribeInstanceTypes",
                lambda params, **_: asked.append((region, dict(params))),
            )
        return made

    raw = fetch(FetchRequest(tmp_path, ("eu-west-1", "us-east-1"), lambda *args: None), client=client)
    full = [(region, params) for region, params in asked if "InstanceTypes" not in params]
    assert [region for region, _params in full] == ["eu-west-1"]  # one full listing, paginated
    assert all(len(params["InstanceTypes"]) <= 100 for _region, params in asked if "InstanceTypes" in params)
    rows = AwsProvider().parse(raw)
    described = {t.name for t in rows.instance_types}
    offered = {p.instance_type for p in rows.prices}
    assert offered <= described and {p.region for p in rows.prices} >= {"us-east-1"}
    assert {p.region for p in rows.prices if p.purchase_option == SPOT} == {"eu-west-1", "us-east-1"}


def test_a_later_region_asks_only_for_the_offered_types_still_unknown(moto_aws, tmp_path):
    import boto3

    from mlx_deploy.providers.aws.fetch import _instance_type_pages
    from mlx_deploy.providers.raw import PageSaver

    ec2 = boto3.client("ec2", region_name="us-east-1")
    described = {"t3.micro", "m5.large"}
    pages = _instance_type_pages(ec2, PageSaver(tmp_path, "aws"), "us-east-1", described, {"m5.large", "c5.large", "g4dn.xlarge"})
    assert described == {"t3.micro", "m5.large", "c5.large", "g4dn.xlarge"}
    assert set(instance_types(pages)) == {"c5.large", "g4dn.xlarge"}
    assert _instance_type_pages(ec2, PageSaver(tmp_path, "aws"), "us-east-1", described, {"m5.large"}) == []
