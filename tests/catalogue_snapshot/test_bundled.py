"""The snapshot shipped in the package: loads on first use, real prices, agrees with a second opinion."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from mlx_deploy.catalogue.models import ON_DEMAND, InstanceType, Price, RefreshRun
from mlx_deploy.catalogue.snapshot import codec
from mlx_deploy.catalogue.snapshot.build import build
from mlx_deploy.catalogue.store import open_catalogue
from sqlalchemy import func, inspect, select


@pytest.fixture(scope="module")
def document() -> dict:
    return codec.read()


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    home = tmp_path_factory.mktemp("first-use")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLX_HOME", str(home))
        patch.delenv("MLX_CATALOGUE_URL", raising=False)
        engine = open_catalogue()
    yield engine
    engine.dispose()


def test_first_use_loads_three_providers_with_tens_of_thousands_of_prices(catalogue):
    with catalogue.connect() as conn:
        counts = dict(conn.execute(select(Price.provider, func.count()).group_by(Price.provider)).all())
        cheapest = conn.execute(select(func.min(Price.usd_per_hour))).scalar()
    assert set(counts) == {"aws", "azure", "gcp"}
    assert all(count > 20_000 for count in counts.values())
    assert sum(counts.values()) > 150_000
    assert cheapest > 0


def test_price_indexes_exist_after_the_load(catalogue):
    # The loader builds them after the rows on SQLite; the quote path needs them.
    names = {index["name"] for index in inspect(catalogue).get_indexes("prices")}
    assert {index.name for index in Price.__table__.indexes} <= names


def test_each_provider_has_one_refresh_run_naming_its_source_and_dated_by_it(catalogue, document):
    with catalogue.connect() as conn:
        runs = conn.execute(select(RefreshRun.provider, RefreshRun.source, RefreshRun.status, RefreshRun.id)).all()
        assert sorted(run.provider for run in runs) == ["aws", "azure", "gcp"]
        for run in runs:
            source = document["providers"][run.provider]["source"]
            assert run.status == "succeeded"
            assert run.source.startswith(f"snapshot: {source['repository']} {source['path']} @{source['commit'][:8]}")
            observed = conn.execute(
                select(func.min(Price.observed_at), func.max(Price.observed_at)).where(Price.refresh_run_id == run.id)
            ).one()
            expected = datetime.fromisoformat(source["observed_at"])
            assert {_utc(value) for value in observed} == {expected}


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def test_a100_80gb_is_priced_on_every_cloud(catalogue):
    with catalogue.connect() as conn:
        clouds = set(
            conn.scalars(
                select(Price.provider)
                .join(InstanceType, (InstanceType.provider == Price.provider) & (InstanceType.name == Price.instance_type))
                .where(InstanceType.gpu_model == "A100-80GB", Price.purchase_option == ON_DEMAND)
                .distinct()
            )
        )
    assert clouds == {"aws", "azure", "gcp"}


def test_snapshot_is_small_and_has_no_non_gpu_accelerator_as_gpu(document):
    assert codec.BUNDLED.stat().st_size < 5_000_000
    for data in document["providers"].values():
        for name, *_specs, gpu_model, _count, _memory, accelerator, _disk in data["instance_types"]:
            assert not (gpu_model and accelerator), name
            if gpu_model:
                assert not any(word in gpu_model.lower() for word in ("inferentia", "trainium", "tpu", "gaudi"))


@pytest.mark.parametrize(
    ("provider", "filename", "minimum_pairs"),
    [
        ("aws", "karpenter_aws_ondemand_us-east-1_2026-07-20.json", 500),
        ("azure", "karpenter_azure_ondemand_2026-06-18.json", 10_000),
    ],
)
def test_on_demand_prices_agree_with_karpenter(document, shared_data, provider, filename, minimum_pairs):
    other = json.loads((shared_data / "crosscheck" / filename).read_text())["prices"]
    rows = codec.decode_provider(provider, document["providers"][provider], datetime.now(timezone.utc))
    ours = {(p.region, p.instance_type): p.usd_per_hour for p in rows.prices if p.purchase_option == ON_DEMAND}
    common = [(ours[key], other[key[0]][key[1]]) for key in ours if key[1] in other.get(key[0], {})]
    agreeing = [1 for mine, theirs in common if abs(mine - theirs) <= 0.01 * theirs]
    assert len(common) >= minimum_pairs
    # The rest are mostly .metal types (dedicated tenancy in Karpenter's table) and B-series v2 sizes.
    assert len(agreeing) / len(common) >= 0.9


def test_rebuilding_from_the_shared_sources_reproduces_the_committed_snapshot(document, shared_data):
    rebuilt = build(shared_data / "prices")
    assert rebuilt["providers"] == document["providers"]
