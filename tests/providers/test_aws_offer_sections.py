"""The offer-file section readers give ijson valid JSON whatever the read size and layout."""

from __future__ import annotations

import json

import ijson
import pytest

from mlx_deploy.providers.aws import offers
from mlx_deploy.providers.aws.offer_sections import on_demand_section, products_section
from mlx_deploy.providers.raw import RawPage

from .conftest import FIXTURES

SAMPLE = FIXTURES / "aws" / "bulk_offer_excerpt_useast1_p4d_marketoption.json"
RESERVED = json.loads((FIXTURES / "aws" / "GetProducts__m5_large.json").read_text())["terms"]["Reserved"]


def with_reserved_terms(path):  # noqa: ANN001
    document = json.loads(SAMPLE.read_text())
    document["terms"]["Reserved"] = {"H7NGEAC6UEHNTKSJ": RESERVED}
    path.write_text(json.dumps(document, indent=2))
    return document


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_sections_match_a_full_parse(tmp_path, chunk):
    path = tmp_path / "index.json"
    document = with_reserved_terms(path)
    with open(path, "rb") as handle:
        products = products_section(handle, chunk)
        assert dict(ijson.kvitems(products, "products", buf_size=chunk)) == document["products"]
        assert products.stop_offset is not None
        terms = on_demand_section(handle, chunk, products.stop_offset)
        on_demand = dict(ijson.kvitems(terms, "terms.OnDemand", buf_size=chunk, use_float=True))
    expected = json.loads(json.dumps(document["terms"]["OnDemand"]), parse_float=float)
    assert on_demand == expected


def test_terms_before_products_fall_back_to_whole_file_passes(tmp_path, monkeypatch):
    document = json.loads(SAMPLE.read_text())
    reordered = {"formatVersion": document["formatVersion"], "terms": document["terms"], "products": document["products"]}
    path = tmp_path / "index.json"
    path.write_text(json.dumps(reordered))
    monkeypatch.setattr(offers, "BUFFER", 16)
    prices = offers.offer_file_prices(RawPage("offer_file", "reordered", path=path, region="us-east-1"))
    assert [(p.instance_type, p.usd_per_hour) for p in prices] == [("p4d.24xlarge", 32.7726)]


def test_small_reads_give_the_same_prices(tmp_path, monkeypatch):
    path = tmp_path / "index.json"
    with_reserved_terms(path)
    monkeypatch.setattr(offers, "BUFFER", 5)
    prices = offers.offer_file_prices(RawPage("offer_file", "tiny reads", path=path, region="us-east-1"))
    assert [(p.instance_type, p.usd_per_hour) for p in prices] == [("p4d.24xlarge", 32.7726)]
