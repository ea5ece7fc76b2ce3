"""Fetch AWS pages with boto3 and save them raw; parse.py turns them into rows.

Per region: instance types, zone-level offerings, zone ids, current spot
prices. On-demand prices come from the Price List Query API, or with
`MLX_AWS_PRICE_SOURCE=offer-file` from each region's bulk offer file (streamed
to disk, never held in memory). boto3 honours `AWS_ENDPOINT_URL` for mirrors;
`MLX_AWS_OFFERS_URL` points the offer-file download elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

from mlx_deploy.providers.raw import FetchRequest, PageSaver, RawPage, RawPages, page_error

PROVIDER = "aws"
PRICING_REGION = "us-east-1"  # the Price List API lives in a few regions only
PRICE_SOURCE_ENV = "MLX_AWS_PRICE_SOURCE"
OFFERS_URL_ENV = "MLX_AWS_OFFERS_URL"
DEFAULT_OFFERS_URL = "https://pricing.us-east-1.amazonaws.com"
PRODUCT_FILTERS = {
    "operatingSystem": "Linux",
    "tenancy": "Shared",
    "preInstalledSw": "NA",
    "capacitystatus": "Used",
    "marketoption": "OnDemand",
}
STEPS_PER_REGION = 5
TYPES_PER_CALL = 100  # describe_instance_types takes at most 100 names

# client(service, region) -> a boto3 client; tests pass stubbed or moto-backed ones.
ClientFactory = Callable[[str, str], Any]


def boto_config():
    from botocore.config import Config

    from mlx_deploy.providers.http import user_agent

    return Config(
        retries={"max_attempts": 8, "mode": "standard"},
        connect_timeout=10,
        read_timeout=60,
        user_agent_extra=user_agent(),
    )


def default_clients() -> ClientFactory:
    import boto3

    session = boto3.Session()
    config = boto_config()
    return lambda service, region: session.client(service, region_name=region, config=config)


def fetch(request: FetchRequest, client: ClientFactory | None = None) -> RawPages:
    client = client or default_clients()
    offer_files = os.environ.get(PRICE_SOURCE_ENV, "query-api") == "offer-file"
    source = "aws offer files" if offer_files else "aws price list query api"
    saver = PageSaver(request.workdir, PROVIDER)
    raw = RawPages(PROVIDER, source, request.regions)
    regions = _regions(client, request.regions)
    total = len(regions) * STEPS_PER_REGION
    described: set[str] = set()
    for region in regions:
        raw.pages += _region_pages(client, saver, region, described)
        request.progress(PROVIDER, STEPS_PER_REGION - 1, total)
        raw.pages += _offer_file(saver, region) if offer_files else _price_list_pages(client, saver, region)
        request.progress(PROVIDER, 1, total)
    return raw


def _regions(client: ClientFactory, wanted: tuple[str, ...] | None) -> list[str]:
    label = "describe_regions"
    response = _call(label, lambda: client("ec2", os.environ.get("AWS_DEFAULT_REGION", PRICING_REGION)).describe_regions())
    available = sorted(region["RegionName"] for region in response.get("Regions", []))
    if wanted is None:
        return available
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        raise page_error(PROVIDER, label, f"region(s) {', '.join(unknown)} are not enabled for this account")
    return sorted(wanted)


def _region_pages(client: ClientFactory, saver: PageSaver, region: str, described: set[str]) -> list[RawPage]:
    """Zones, offerings and spot prices of one region, and the specs of the
    types it offers that no earlier region described (`described` grows)."""
    ec2 = client("ec2", region)
    now = datetime.now(timezone.utc)
    pages = []
    label = f"{region} describe_availability_zones"
    zones = _call(label, lambda: ec2.describe_availability_zones())
    pages.append(saver.save("describe_availability_zones", label, _strip(zones), region))
    offerings = list(_paginate(ec2, "describe_instance_type_offerings", region, {"LocationType": "availability-zone"}))
    offered = {item["InstanceType"] for page in offerings for item in page.get("InstanceTypeOfferings", [])}
    pages += [saver.save("describe_instance_type_offerings", f"{region} describe_instance_type_offerings page {number}", page, region)
              for number, page in enumerate(offerings, start=1)]
    pages += _instance_type_pages(ec2, saver, region, described, offered)
    spot = {"ProductDescriptions": ["Linux/UNIX", "Linux/UNIX (Amazon VPC)"], "StartTime": now}
    for number, page in enumerate(_paginate(ec2, "describe_spot_price_history", region, spot), start=1):
        pages.append(saver.save("describe_spot_price_history", f"{region} describe_spot_price_history page {number}", page, region))
    return pages


def _instance_type_pages(ec2: Any, saver: PageSaver, region: str, described: set[str], offered: set[str]) -> list[RawPage]:
    """Specs are the same in every region, so only the first region lists them
    all; a later region asks only for the types it offers that are still unknown."""
    missing = sorted(offered - described)
    if described and not missing:
        return []
    requests = [{}] if not described else [
        {"InstanceTypes": missing[start : start + TYPES_PER_CALL]} for start in range(0, len(missing), TYPES_PER_CALL)
    ]
    pages, number = [], 0
    for arguments in requests:
        for page in _paginate(ec2, "describe_instance_types", region, arguments):
            number += 1
            described.update(item["InstanceType"] for item in page.get("InstanceTypes", []))
            pages.append(saver.save("describe_instance_types", f"{region} describe_instance_types page {number}", page, region))
    return pages


def _paginate(client: Any, operation: str, region: str, arguments: dict) -> Iterator[dict]:
    iterator = iter(client.get_paginator(operation).paginate(**arguments))
    number = 0
    while True:
        number += 1
        label = f"{region} {operation} page {number}"
        page = _call(label, lambda: next(iterator, None))
        if page is None:
            return
        yield _strip(page)


def _price_list_pages(client: ClientFactory, saver: PageSaver, region: str) -> list[RawPage]:
    pricing = client("pricing", PRICING_REGION)
    filters = [{"Type": "TERM_MATCH", "Field": field, "Value": value} for field, value in PRODUCT_FILTERS.items()]
    filters.append({"Type": "TERM_MATCH", "Field": "regionCode", "Value": region})
    arguments = {"ServiceCode": "AmazonEC2", "Filters": filters, "FormatVersion": "aws_v1", "MaxResults": 100}
    return [
        saver.save("get_products", f"{region} get_products page {number}", page, region)
        for number, page in enumerate(_paginate(pricing, "get_products", region, arguments), start=1)
    ]


def _offer_file(saver: PageSaver, region: str) -> list[RawPage]:
    from mlx_deploy.providers.http import TIMEOUT_SECONDS, session

    base = os.environ.get(OFFERS_URL_ENV, DEFAULT_OFFERS_URL).rstrip("/")
    url = f"{base}/offers/v1.0/aws/AmazonEC2/current/{region}/index.json"
    label = f"{region} offer file"
    path = saver.path_for("offer_file")
    try:
        with session().get(url, stream=True, timeout=TIMEOUT_SECONDS) as response:
            if response.status_code != 200:
                raise page_error(PROVIDER, label, f"HTTP {response.status_code} {response.reason} from {url}")
            with open(path, "wb") as handle:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    handle.write(chunk)
    except OSError as exc:  # requests' errors derive from OSError
        raise page_error(PROVIDER, label, f"download failed ({exc})") from None
    return [RawPage("offer_file", label, path=path, region=region)]


def _call(label: str, action: Callable[[], Any]) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return action()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        cause = f"{error.get('Code', 'error')} (HTTP {status}): {error.get('Message', '')}".strip()
        raise page_error(PROVIDER, label, cause) from None
    except BotoCoreError as exc:
        raise page_error(PROVIDER, label, str(exc)) from None


def _strip(response: dict) -> dict:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}
