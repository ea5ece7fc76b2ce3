"""Search, status, export and import on a small hand-made catalogue."""

from __future__ import annotations

import csv
import io
import json

import pytest
from mlx_deploy.catalogue import store
from mlx_deploy.catalogue.models import Price, RefreshRun
from mlx_deploy.catalogue.offers import glob_to_like
from mlx_deploy.catalogue.publish import publish_all
from mlx_deploy.catalogue.read import SearchFilters, provider_status, search
from mlx_deploy.catalogue.transfer import import_file, write_export
from mlx_deploy.orchestrator.errors import ImportFileError
from sqlalchemy import func, select

from .conftest import small_batches


@pytest.fixture
def engine(catalogue_url):
    engine = store.open_catalogue(catalogue_url, load_snapshot=False)
    publish_all(engine, small_batches(), "test: hand-made rows")
    return engine


def _prices(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(Price.provider, Price.region, Price.instance_type, Price.usd_per_hour)).all())


def test_search_orders_by_price_and_filters(engine):
    names = [o.instance_type for o in search(engine, SearchFilters())]
    assert names == ["m5.xlarge", "m5.xlarge", "g5.xlarge", "a2-ultragpu-1g", "p4de.24xlarge"]
    a100 = search(engine, SearchFilters(gpu_models=frozenset({"A100-80GB"})))
    assert [(o.provider, o.usd_per_hour) for o in a100] == [("gcp", 5.58), ("aws", 40.96)]
    assert [o.region for o in search(engine, SearchFilters(region_globs=("eu-*",)))] == ["eu-west-1"]
    assert [o.region for o in search(engine, SearchFilters(region_globs=("EU-*",)))] == ["eu-west-1"]
    assert [o.instance_type for o in search(engine, SearchFilters(min_gpu_memory_gib=24, min_vcpus=50))] == ["p4de.24xlarge"]
    spot = search(engine, SearchFilters(spot=True))
    assert [(o.instance_type, o.zone, o.usd_per_hour) for o in spot] == [("g5.xlarge", "use1-az1", 0.4321)]


def test_glob_escapes_like_wildcards():
    assert glob_to_like("eu-*") == "eu-%"
    assert glob_to_like("us_east?") == "us\\_east_"


def test_status_counts_and_last_refresh(engine):
    status = {row.provider: row for row in provider_status(engine, ("aws", "azure", "gcp"))}
    assert (status["aws"].instance_types, status["aws"].regions, status["aws"].prices, status["aws"].spot_prices) == (3, 2, 5, 1)
    assert status["aws"].last_source == "test: hand-made rows"
    assert status["azure"].prices == 0 and status["azure"].last_refresh is None


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_import_round_trip(engine, tmp_path, fmt):
    before = _prices(engine)
    path = tmp_path / f"prices.{fmt}"
    with path.open("w") as handle:
        assert write_export(engine, handle, fmt) == 6
    counts = import_file(engine, path)
    assert counts == {"aws": 5, "gcp": 1}
    assert _prices(engine) == before
    with engine.connect() as conn:
        sources = conn.scalars(select(RefreshRun.source).where(RefreshRun.status == "succeeded")).all()
    assert any(source.startswith(f"import: prices.{fmt}") for source in sources)


def _exported_csv(engine) -> list[dict]:
    buffer = io.StringIO()
    write_export(engine, buffer, "csv")
    return list(csv.DictReader(io.StringIO(buffer.getvalue())))


BAD_ROWS = [
    ({"usd_per_hour": "-1"}, "usd_per_hour must be greater than zero"),
    ({"usd_per_hour": "0"}, "usd_per_hour must be greater than zero"),
    ({"usd_per_hour": "cheap"}, "usd_per_hour must be a number, not 'cheap'"),
    ({"usd_per_hour": "nan"}, "usd_per_hour must be greater than zero"),
    ({"provider": "oracle"}, "unknown provider 'oracle'"),
    ({"region": ""}, "missing value for 'region'"),
    ({"purchase_option": "reserved"}, "purchase_option must be one of"),
    ({"observed_at": "yesterday"}, "observed_at must be an ISO 8601 time"),
]


@pytest.mark.parametrize(("change", "message"), BAD_ROWS)
def test_bad_row_names_its_line_and_changes_nothing(engine, tmp_path, change, message):
    rows = _exported_csv(engine)
    rows[3].update(change)
    path = tmp_path / "bad.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = _prices(engine)
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path)
    assert f"bad.csv: line 5: {message}" in caught.value.one_line()
    assert _prices(engine) == before


def test_missing_column_is_reported_on_line_1(engine, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("provider,region,instance_type,vcpus,memory_gib\naws,us-east-1,m5.xlarge,4,16\n")
    with pytest.raises(ImportFileError, match="line 1: missing column\\(s\\) usd_per_hour"):
        import_file(engine, path)


def test_json_bad_row_is_reported_by_row_number(engine, tmp_path):
    buffer = io.StringIO()
    write_export(engine, buffer, "json")
    document = json.loads(buffer.getvalue())
    document["rows"][1]["vcpus"] = "four"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ImportFileError, match="bad.json: row 2: vcpus must be a number"):
        import_file(engine, path)
    path.write_text("{not json")
    with pytest.raises(ImportFileError, match="line 1: invalid JSON"):
        import_file(engine, path)


def test_import_is_atomic_across_providers(engine, tmp_path, monkeypatch):
    rows = _exported_csv(engine)
    path = tmp_path / "prices.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(dict(row, usd_per_hour=str(float(row["usd_per_hour"]) * 2)) for row in rows)
    before = _prices(engine)

    import mlx_deploy.catalogue.publish as publish

    def explode(conn, batch, *args):  # noqa: ANN001 - fails on the second provider
        if batch.provider == "gcp":
            raise RuntimeError("disk full")
        return original(conn, batch, *args)

    original = publish._replace_provider
    monkeypatch.setattr(publish, "_replace_provider", explode)
    with pytest.raises(Exception, match="previous prices kept"):
        import_file(engine, path)
    assert _prices(engine) == before
    with engine.connect() as conn:
        failed = conn.scalar(select(func.count()).select_from(RefreshRun).where(RefreshRun.status == "failed"))
    assert failed == 2
