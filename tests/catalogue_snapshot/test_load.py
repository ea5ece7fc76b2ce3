"""The first-use loader on a small snapshot built from the fixtures, and on broken files."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from mlx_deploy.catalogue.models import Price, RefreshRun
from mlx_deploy.catalogue.snapshot import codec
from mlx_deploy.catalogue.snapshot.build import build
from mlx_deploy.catalogue.snapshot_load import load_bundled_snapshot
from mlx_deploy.catalogue.store import open_catalogue
from mlx_deploy.orchestrator.errors import CatalogueError
from sqlalchemy import func, inspect, select

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "snapshot"


@pytest.fixture
def engine():
    engine = open_catalogue(load_snapshot=False)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(postgres_url):
    """An empty catalogue in a fresh PostgreSQL database (dropped afterwards)."""
    engine = open_catalogue(postgres_url, load_snapshot=False)
    yield engine
    engine.dispose()


@pytest.fixture
def small_snapshot(tmp_path) -> tuple[Path, dict]:
    document = build(FIXTURES)
    path = tmp_path / "small.json.gz"
    codec.write(path, document)
    return path, document


def price_indexes(engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes("prices")}


@pytest.mark.parametrize("backend", ["engine", pytest.param("postgres_engine", marks=pytest.mark.postgres)])
def test_loads_every_price_of_the_file(request, backend, small_snapshot):
    engine = request.getfixturevalue(backend)
    path, document = small_snapshot
    runs = load_bundled_snapshot(engine, path)
    assert set(runs) == {"aws", "azure", "gcp"}
    with engine.connect() as conn:
        counts = dict(conn.execute(select(Price.provider, func.count()).group_by(Price.provider)).all())
        sources = dict(conn.execute(select(RefreshRun.provider, RefreshRun.source)).all())
    assert counts == {p: data["checks"]["counts"]["prices"] for p, data in document["providers"].items()}
    assert sources["gcp"] == "snapshot: anycloud-sh/catalog gcp/vms.csv @62ff0a98, 2026-05-20"
    with engine.connect() as conn:
        composed = conn.execute(
            select(Price.usd_per_hour, Price.observed_at).where(
                Price.instance_type == "a2-highgpu-1g", Price.region == "us-central1", Price.zone.is_(None)
            )
        ).one()
    assert composed.usd_per_hour == 3.67339
    observed = composed.observed_at
    assert (observed.astimezone(timezone.utc).replace(tzinfo=None) if observed.tzinfo else observed) == datetime(2026, 5, 20)
    assert price_indexes(engine) >= {index.name for index in Price.__table__.indexes}


def test_unreadable_file_is_a_catalogue_error(engine, tmp_path):
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(CatalogueError, match="cannot be read"):
        load_bundled_snapshot(engine, bad)


def test_broken_rows_raise_a_catalogue_error_and_leave_the_indexes(engine, small_snapshot, tmp_path):
    _path, document = small_snapshot
    document["providers"]["gcp"]["prices"]["type"][0] = 10_000  # no such instance type
    broken = tmp_path / "broken.json.gz"
    codec.write(broken, document)
    with pytest.raises(CatalogueError, match="gcp: IndexError"):
        load_bundled_snapshot(engine, broken)
    assert price_indexes(engine) >= {index.name for index in Price.__table__.indexes}


def test_a_first_load_that_fails_part_way_leaves_nothing_and_is_retried(monkeypatch):
    import mlx_deploy.catalogue.publish as publish
    from mlx_deploy.orchestrator.errors import RefreshError

    original = publish._replace_provider

    def fail_on_gcp(conn, batch, *args):  # noqa: ANN001 - the last provider of the load breaks
        if batch.provider == "gcp":
            raise OSError("disk full")
        return original(conn, batch, *args)

    monkeypatch.setattr(publish, "_replace_provider", fail_on_gcp)
    with pytest.raises(RefreshError, match="disk full"):
        open_catalogue()
    monkeypatch.setattr(publish, "_replace_provider", original)
    engine = open_catalogue(load_snapshot=False)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Price)) == 0
    assert price_indexes(engine) >= {index.name for index in Price.__table__.indexes}

    engine = open_catalogue()
    with engine.connect() as conn:
        counts = dict(conn.execute(select(Price.provider, func.count()).group_by(Price.provider)).all())
    assert set(counts) == {"aws", "azure", "gcp"} and min(counts.values()) > 10_000
