"""Publishing only what changed leaves the same table a delete and insert would."""

from __future__ import annotations


import pytest
from sqlalchemy import select

from mlx_deploy.catalogue.models import Price
from mlx_deploy.catalogue.publish import publish
from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path):  # noqa: ANN001, ANN201 - overrides the seeded SQLite one
    """A migrated, empty catalogue on SQLite and on a fresh PostgreSQL database."""

    from mlx_deploy.catalogue.store import create_catalogue_engine, migrate

    if request.param == "sqlite":
        engine = create_catalogue_engine(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    engine = create_catalogue_engine(request.getfixturevalue("postgres_url"))
    migrate(engine)
    yield engine
    engine.dispose()


def rows(prices: dict) -> ProviderRows:
    types = [InstanceTypeRow("aws", name, 2, 4) for name in ("a.large", "b.large", "c.large", "d.large")]
    regions = [RegionRow("aws", "us-east-1"), RegionRow("aws", "eu-west-1")]
    return ProviderRows("aws", regions, types, [PriceRow("aws", region, name, option, usd, zone=zone) for (region, zone, name, option), usd in prices.items()])


def table(engine) -> dict:  # noqa: ANN001
    with engine.connect() as conn:
        return {
            (r.region, r.zone, r.instance_type, r.purchase_option): (r.usd_per_hour, r.refresh_run_id, r.source)
            for r in conn.execute(select(Price.region, Price.zone, Price.instance_type, Price.purchase_option, Price.usd_per_hour, Price.refresh_run_id, Price.source))
        }


OLD = {
    ("us-east-1", "use1-az1", "a.large", "on-demand"): 0.1,
    ("us-east-1", "use1-az1", "b.large", "on-demand"): 0.2,
    ("us-east-1", "use1-az2", "c.large", "spot"): 0.03,
    ("eu-west-1", None, "a.large", "on-demand"): 0.12,
}
NEW = {
    ("us-east-1", "use1-az1", "a.large", "on-demand"): 0.1,  # unchanged
    ("us-east-1", "use1-az1", "b.large", "on-demand"): 0.25,  # changed
    ("us-east-1", "use1-az3", "d.large", "on-demand"): 0.4,  # added; c.large spot is gone
}


def test_result_equals_the_new_batch_with_the_new_run(engine):  # noqa: ANN001
    publish(engine, rows(OLD), "first")
    run = publish(engine, rows(NEW), "second", regions_in_scope=["us-east-1"])
    after = table(engine)
    expected = {key: (usd, run, "second") for key, usd in NEW.items()}
    eu = ("eu-west-1", None, "a.large", "on-demand")
    assert after.pop(eu)[0] == 0.12  # outside the scope: untouched
    assert after == expected


def test_duplicate_keys_take_the_delete_and_insert_path(engine):  # noqa: ANN001
    publish(engine, rows(OLD), "first")
    batch = rows(NEW)
    batch.prices.append(batch.prices[0])
    run = publish(engine, batch, "dupes")
    after = table(engine)
    assert len(after) == 3 and all(value[1] == run for value in after.values())
    with engine.connect() as conn:
        assert len(conn.execute(select(Price.id)).all()) == 4  # both duplicate rows kept, as before


def test_recorded_changes_are_the_difference(engine):  # noqa: ANN001
    from mlx_deploy.catalogue.models import PriceChange

    publish(engine, rows(OLD), "first")
    run = publish(engine, rows(NEW), "second", regions_in_scope=["us-east-1"], record_changes=True)
    with engine.connect() as conn:
        found = {
            (r.instance_type, r.purchase_option): (r.old_usd_per_hour, r.new_usd_per_hour)
            for r in conn.execute(select(PriceChange).where(PriceChange.refresh_run_id == run))
        }
    assert found == {("b.large", "on-demand"): (0.2, 0.25), ("d.large", "on-demand"): (None, 0.4), ("c.large", "spot"): (0.03, None)}


def test_recorded_changes_on_the_delete_and_insert_path(engine):  # noqa: ANN001
    from mlx_deploy.catalogue.models import PriceChange

    publish(engine, rows(OLD), "first")
    batch = rows(NEW)
    batch.prices.append(batch.prices[0])  # a repeated key: the slow path
    run = publish(engine, batch, "second", regions_in_scope=["us-east-1"], record_changes=True)
    with engine.connect() as conn:
        kinds = sorted((r.instance_type, r.old_usd_per_hour, r.new_usd_per_hour) for r in conn.execute(select(PriceChange).where(PriceChange.refresh_run_id == run)))
    assert kinds == [("b.large", 0.2, 0.25), ("c.large", 0.03, None), ("d.large", None, 0.4)]


def test_first_refresh_records_each_price_as_added_and_nothing_else(engine):  # noqa: ANN001
    from mlx_deploy.catalogue.models import PriceChange

    other = ProviderRows("gcp", [RegionRow("gcp", "us-east1")], [InstanceTypeRow("gcp", "n2-standard-2", 2, 8)],
                         [PriceRow("gcp", "us-east1", "n2-standard-2", "on-demand", 0.09)])
    publish(engine, other, "other provider", record_changes=True)
    run = publish(engine, rows(OLD), "first", record_changes=True)
    with engine.connect() as conn:
        found = {
            (r.provider, r.region, r.zone, r.instance_type, r.purchase_option): (r.old_usd_per_hour, r.new_usd_per_hour)
            for r in conn.execute(select(PriceChange).where(PriceChange.refresh_run_id == run))
        }
    assert found == {("aws", *key): (None, usd) for key, usd in OLD.items()}
