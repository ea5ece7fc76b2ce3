"""GCP: recorded Cloud Billing and Compute pages, through fake clients at the SDK boundary."""

from __future__ import annotations

import copy

import pytest

from mlx_deploy.catalogue.models import ON_DEMAND, SPOT
from mlx_deploy.orchestrator.errors import RefreshError
from mlx_deploy.providers.gcp import GcpProvider
from mlx_deploy.providers.gcp.fetch import COMPUTE_SERVICE, fetch
from mlx_deploy.providers.gcp.parse import machine_types, parse
from mlx_deploy.providers.raw import FetchRequest, RawPage, RawPages

from .conftest import FIXTURES, load

pytest.importorskip("google.cloud.billing_v1")
pytest.importorskip("google.cloud.compute_v1")

SKUS = load("gcp/skus.json")
# The opencost page prices its T2D and E2 SKUs in IDR; the A100 and A2 ones are USD.
USD_SKUS = {**SKUS, "skus": [s for s in SKUS["skus"] if s["description"].startswith(("Nvidia", "A2 "))]}


def aggregated(machines_by_zone: dict) -> dict:
    return {"kind": "compute#machineTypeAggregatedList", "items": {
        f"zones/{zone}": {"machineTypes": machines} for zone, machines in machines_by_zone.items()
    } | {"zones/asia-east2-c": {"warning": {"code": "NO_RESULTS_ON_PAGE", "message": "no types"}}}}


def a2_machine(zone: str) -> dict:
    machine = copy.deepcopy(load("gcp/machineTypes_a2-highgpu-1g_t2d-standard-8.json")["items"][0])
    machine["zone"] = zone
    return machine


class Pages:
    def __init__(self, pages):  # noqa: ANN001
        self.pages = pages


class FakeCatalog:
    """CloudCatalogClient.list_skus: returns the recorded pages as real proto messages."""

    def __init__(self, bodies, error=None):  # noqa: ANN001
        from google.cloud import billing_v1
        from google.protobuf import json_format

        self.requests = []
        self.error = error
        self.pages = [billing_v1.ListSkusResponse.wrap(json_format.ParseDict(body, billing_v1.ListSkusResponse.pb()(), ignore_unknown_fields=True)) for body in bodies]

    def list_skus(self, request, timeout, retry):  # noqa: ANN001, ANN201
        self.requests.append((request, timeout))
        if self.error:
            raise self.error
        return Pages(self.pages)


class FakeMachineTypes:
    def __init__(self, bodies):  # noqa: ANN001
        from google.cloud import compute_v1
        from google.protobuf import json_format

        self.requests = []
        self.pages = [compute_v1.MachineTypeAggregatedList.wrap(json_format.ParseDict(body, compute_v1.MachineTypeAggregatedList.pb()(), ignore_unknown_fields=True)) for body in bodies]

    def aggregated_list(self, request, timeout, retry):  # noqa: ANN001, ANN201
        self.requests.append(request)
        return Pages(self.pages)


def test_fetch_and_compose_a2_price(tmp_path):
    catalog = FakeCatalog([USD_SKUS])
    machines = FakeMachineTypes([aggregated({"us-central1-a": [a2_machine("us-central1-a")], "europe-west1-b": [a2_machine("europe-west1-b")]})])
    raw = fetch(FetchRequest(tmp_path), made=(catalog, machines, "my-project"))
    assert catalog.requests[0][0] == {"parent": COMPUTE_SERVICE, "currency_code": "USD"}
    assert machines.requests == [{"project": "my-project"}]
    assert [page.kind for page in raw.pages] == ["skus", "machine_types"] and all(p.path.is_file() for p in raw.pages)
    rows = GcpProvider().parse(raw)
    # By hand from the recorded SKUs: 12 vCPU x 0.031611 + 85 GiB x 0.004237 + 1 A100 x 2.933908.
    assert [(p.zone, p.instance_type, p.purchase_option, p.usd_per_hour) for p in rows.prices] == [
        ("us-central1-a", "a2-highgpu-1g", ON_DEMAND, 3.673385)
    ]  # europe-west1 is not among the SKUs' service regions: no price rather than a wrong one
    [a2] = rows.instance_types
    assert (a2.vcpus, a2.memory_gib, a2.gpu_model, a2.gpu_count, a2.gpu_memory_gib) == (12, 85, "A100-40GB", 1, 40)


def test_fetch_keeps_only_requested_regions(tmp_path):
    machines = FakeMachineTypes([aggregated({"us-central1-a": [a2_machine("us-central1-a")], "europe-west1-b": [a2_machine("europe-west1-b")]})])
    raw = fetch(FetchRequest(tmp_path, ("europe-west1",)), made=(FakeCatalog([USD_SKUS]), machines, "p"))
    assert {m.zone for m in machine_types(next(raw.of_kind("machine_types")))} == {"europe-west1-b"}


def test_non_usd_sku_page_is_refused():
    with pytest.raises(RefreshError) as caught:
        parse(RawPages("gcp", "t", None, [RawPage("skus", "skus page 1", path=FIXTURES / "gcp" / "skus.json")]))
    assert caught.value.message.startswith("gcp refresh failed on skus page 1: ")
    assert "priced in IDR, not USD" in caught.value.message


def test_api_error_names_provider_page_and_cause(tmp_path):
    from google.api_core.exceptions import Forbidden

    catalog = FakeCatalog([], error=Forbidden("Cloud Billing API has not been used in project 123"))
    with pytest.raises(RefreshError) as caught:
        fetch(FetchRequest(tmp_path), made=(catalog, FakeMachineTypes([]), "p"))
    assert caught.value.message.startswith("gcp refresh failed on skus page 1: 403 Cloud Billing API has not been used")


def test_shared_core_types_count_their_fraction_of_a_vcpu():
    page = RawPage("machine_types", "europe-west1-b", path=FIXTURES / "gcp" / "machine_types_europe-west1-b.json")
    vcpus = {m.name: m.vcpus for m in machine_types(page)}
    assert (vcpus["e2-micro"], vcpus["e2-small"], vcpus["e2-medium"], vcpus["e2-standard-2"]) == (0.25, 0.5, 1.0, 2.0)


def test_aggregated_list_skips_zones_with_warnings():
    page = RawPage("machine_types", "agg", path=FIXTURES / "gcp" / "aggregated_machineTypes.json")
    machines = machine_types(page)
    assert machines and {m.zone for m in machines} >= {"us-central1-a", "europe-west1-b"}


def test_missing_credentials_give_one_line_with_how_to():
    problem = GcpProvider().credentials_problem()
    assert problem.startswith("no Google Cloud credentials found; configure Application Default Credentials")
    assert "\n" not in problem


def test_unexpected_field_type_names_the_sku():
    broken = copy.deepcopy(USD_SKUS)
    broken["skus"][0]["pricingInfo"][0]["pricingExpression"]["tieredRates"][0]["unitPrice"]["units"] = ["2"]
    with pytest.raises(RefreshError) as caught:
        parse(RawPages("gcp", "t", None, [RawPage("skus", "skus page 7", payload=broken)]))
    assert caught.value.message.startswith("gcp refresh failed on skus page 7: 'Nvidia Tesla A100 GPU running in Americas' units has an unexpected type list")


def test_spot_price_is_composed_from_the_spot_preemptible_skus(tmp_path):
    spot_skus = load("gcp/skus_a2_spot.derived.json")
    machines = FakeMachineTypes([aggregated({"us-central1-a": [a2_machine("us-central1-a")]})])
    raw = fetch(FetchRequest(tmp_path), made=(FakeCatalog([spot_skus]), machines, "p"))
    prices = {(p.purchase_option, p.zone): p.usd_per_hour for p in GcpProvider().parse(raw).prices}
    # By hand from the fixture: on-demand as above; spot 12 x 0.009483 + 85 x 0.001271 + 1 x 0.880172.
    assert prices == {(ON_DEMAND, "us-central1-a"): 3.673385, (SPOT, "us-central1-a"): pytest.approx(1.102003, abs=1e-6)}
