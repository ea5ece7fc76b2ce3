"""The all-in cost model: published list prices with sources, kept as data in the catalogue."""

from __future__ import annotations

from datetime import timezone

import pytest

from mlx_deploy.catalogue.fastdb import open_reader
from mlx_deploy.orchestrator.costs import CONTROL_PLANE, DISK, LOAD_BALANCER, bundled_items, load_cost_model
from mlx_deploy.orchestrator.profile import profile_from_data
from mlx_deploy.orchestrator.quote import quote
from mlx_deploy.providers.base import provider_names

PROFILE = {"name": "m", "resources": {"cpu": 4, "memory": "16GiB"}}


def test_every_cloud_has_every_line_with_a_source_and_date():
    items = {(i.provider, i.item): i for i in bundled_items()}
    for provider in provider_names():
        for name in (CONTROL_PLANE, LOAD_BALANCER, DISK):
            item = items[(provider, name)]
            assert item.source.startswith("https://"), item
            assert item.observed_at.tzinfo is not None and item.usd >= 0
            assert item.unit == ("per_gib_month" if name == DISK else "per_hour")
    # The published list prices themselves (see cost_items.json for the pages they come from).
    assert items[("aws", CONTROL_PLANE)].usd == 0.10  # EKS standard support
    assert items[("gcp", CONTROL_PLANE)].usd == 0.10  # GKE management fee
    assert items[("azure", CONTROL_PLANE)].usd == 0.0  # AKS Free tier
    assert items[("azure", "control_plane_standard")].usd == 0.10


def _cost_rows(url: str) -> list[tuple]:
    reader = open_reader(url)
    try:
        return reader.rows("SELECT provider, item, usd, source FROM cost_items ORDER BY provider, item")
    finally:
        reader.close()


def test_seeded_once_into_the_catalogue_then_read_from_it(small_url):
    assert _cost_rows(small_url) == []
    quote(profile_from_data(PROFILE), catalogue_url=small_url)
    rows = _cost_rows(small_url)
    assert len(rows) == len(bundled_items())
    # Someone updates a figure in the catalogue: quotes use it, and the seed does not come back.
    reader = open_reader(small_url)
    reader.write("UPDATE cost_items SET usd = :usd WHERE provider = 'aws' AND item = 'control_plane'", [{"usd": 0.6}])
    reader.close()
    result = quote(profile_from_data(PROFILE), catalogue_url=small_url)
    aws = next(c for c in result.candidates if c.provider == "aws")
    line = next(line for line in aws.cost_lines if line.item == CONTROL_PLANE)
    assert line.usd_per_hour == 0.6 and line.source.startswith("https://aws.amazon.com/eks/pricing/")
    assert len(_cost_rows(small_url)) == len(bundled_items())


def test_cost_model_round_trips_through_the_catalogue(small_url):
    reader = open_reader(small_url)
    try:
        seeded = load_cost_model(reader)
        read_back = load_cost_model(reader)
    finally:
        reader.close()
    assert seeded.items.keys() == read_back.items.keys()
    for key, item in seeded.items.items():
        again = read_back.items[key]
        assert (again.usd, again.source, again.description, again.unit) == (item.usd, item.source, item.description, item.unit)
        assert again.observed_at == item.observed_at.astimezone(timezone.utc)


@pytest.mark.postgres
def test_postgres_quotes_like_sqlite(small_url, small_postgres_url):
    profile = profile_from_data({**PROFILE, "placement": {"spot": True, "regions": ["us-*", "europe-*"]}})
    on_sqlite = quote(profile, catalogue_url=small_url, top=None)
    on_postgres = quote(profile, catalogue_url=small_postgres_url, top=None)
    assert on_sqlite.candidates and on_postgres.candidates == on_sqlite.candidates
    assert len(_cost_rows(small_postgres_url)) == len(bundled_items())
    assert "***" in on_postgres.catalogue.url and ":mlx@" not in on_postgres.catalogue.url


def test_pinned_quote_for_deploy(small_url):
    """`mlx deploy --region/--instance-type` asks the quote for exactly that, pushed into SQL."""
    profile = profile_from_data(PROFILE)
    result = quote(profile, catalogue_url=small_url, top=None, regions=["eu-west-1"], instance_types=["m5.xlarge"])
    assert [(c.provider, c.region, c.instance_type) for c in result.candidates] == [("aws", "eu-west-1", "m5.xlarge")]
    result = quote(profile, catalogue_url=small_url, top=None, instance_types=["m5.xlarge", "n2-standard-4"])
    assert {c.instance_type for c in result.candidates} == {"m5.xlarge", "n2-standard-4"}
    missing = quote(profile, catalogue_url=small_url, instance_types=["nope.large"])
    assert missing.candidates == [] and missing.no_match.excluded_by[0][0] == "instance type"
