"""Refresh semantics on the real Azure fetch and parse: publish, gate, failures, lock, log, staleness."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from mlx_deploy.catalogue.changes import diff
from mlx_deploy.catalogue.freshness import parse_duration, stale_providers
from mlx_deploy.catalogue.models import PriceChange
from mlx_deploy.catalogue.refresh import RefreshOptions, log_path, refresh, refresh_lock
from mlx_deploy.orchestrator.errors import ConfigError, RefreshError

from .conftest import AZURE, azure_items, paged, prices, runs, with_price

def test_refresh_publishes_and_records_every_price_as_added(engine, published):
    assert published[("Standard_NC6s_v3", "on-demand")] == 3.58
    assert runs(engine)[-1].status == "succeeded"
    assert runs(engine)[-1].source == "refresh: azure retail prices api (sizes: catalogue)"
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(PriceChange)) == len(published)


def test_second_refresh_records_changes_and_diff_shows_the_largest(engine, serve, published):
    items = with_price(with_price(azure_items(), "Standard_NC6s_v3", 1.10), "Standard_D2s_v3", 0.5)
    serve(paged(items))
    [result] = refresh(engine, AZURE)
    assert (result.status, result.changed) == ("published", 4)  # on-demand and spot of two sizes
    report = diff(engine, "azure", limit=2)
    assert (report.changed, report.added, report.removed) == (4, 0, 0)
    top = report.largest[0]
    assert (top.instance_type, top.purchase_option, top.old_usd_per_hour, top.new_usd_per_hour) == ("Standard_NC6s_v3", "on-demand", 3.58, 3.938)
    assert top.relative == pytest.approx(0.10)


def test_zero_prices_are_refused_and_the_catalogue_kept(engine, serve, published):
    serve(paged(with_price(azure_items(), "Standard_D4s_v3", 0)))
    [result] = refresh(engine, AZURE)
    assert result.status == "refused" and not result.ok
    assert "refused by the sanity gate: 2 prices are $0" in result.reason and "--force" in result.reason
    assert prices(engine) == published
    assert runs(engine)[-1].status == "failed" and "sanity gate" in runs(engine)[-1].error


def test_force_publishes_without_the_invalid_rows(engine, serve, published):
    serve(paged(with_price(azure_items(), "Standard_D4s_v3", 0)))
    [result] = refresh(engine, RefreshOptions(("azure",), ("francecentral",), force=True))
    assert (result.status, result.dropped_invalid) == ("published", 2)
    after = prices(engine)
    assert ("Standard_D4s_v3", "on-demand") not in after and len(after) == len(published) - 2


def test_dropping_too_many_rows_is_refused(engine, serve, published):
    kept = [item for item in azure_items() if item["armSkuName"] in ("Standard_A0", "Standard_B1s")]
    serve(paged(kept))
    [result] = refresh(engine, AZURE)
    assert result.status == "refused"
    assert f"it would drop {len(published) - 3:,} of {len(published):,} prices" in result.reason
    assert prices(engine) == published


@pytest.mark.parametrize(
    ("reply", "cause"),
    [
        ((403, {"Content-Type": "application/json"}, '{"error": "denied"}'), "HTTP 403 Forbidden"),
        ((502, {"Content-Type": "text/html"}, "<html><body>Bad gateway</body></html>"), "HTTP 502"),
        ((200, {"Content-Type": "text/html"}, "<!doctype html><title>Proxy login</title>"), "an HTML page instead of JSON"),
        ((200, {"Content-Type": "application/json"}, '{"Items": [{"currencyCode": "US'), "truncated or malformed JSON"),
    ],
)
def test_bad_page_fails_the_provider_and_keeps_its_prices(engine, serve, published, reply, cause):
    pages = paged(with_price(azure_items(), "Standard_NC6s_v3", 2))
    pages[2] = reply
    serve(pages)
    [result] = refresh(engine, AZURE)
    assert result.status == "failed"
    assert result.reason.startswith("azure refresh failed on francecentral retail prices page 3: ")
    assert cause in result.reason
    assert prices(engine) == published
    assert runs(engine)[-1].status == "failed" and cause in runs(engine)[-1].error


def test_parser_raising_on_a_later_page_publishes_nothing(engine, serve, published):
    items = with_price(azure_items(), "Standard_NC6s_v3", 2)
    last = max(i for i, item in enumerate(items) if item["type"] == "Consumption" and " Win" not in item["productName"] and "Low Priority" not in item["skuName"])
    assert last >= 100  # on the last of the three pages
    items[last] = {**items[last], "unitPrice": {"amount": 1}}  # an unexpected field type
    serve(paged(items))
    [result] = refresh(engine, AZURE)
    assert result.status == "failed" and "unexpected type dict" in result.reason and "page 3" in result.reason
    assert prices(engine) == published


def test_missing_credentials_skip_with_one_line_and_the_rest_go_on(engine, serve):
    serve(paged(azure_items()))
    results = {r.provider: r for r in refresh(engine, RefreshOptions(("aws", "gcp", "azure"), ("francecentral",)))}
    assert results["aws"].status == "skipped" and "aws configure" in results["aws"].reason
    assert results["gcp"].status == "skipped" and "gcloud auth application-default login" in results["gcp"].reason
    assert results["azure"].status == "published"
    assert all(result.ok for result in results.values())


def test_two_refreshes_never_overlap(engine):
    with refresh_lock():
        with pytest.raises(RefreshError, match=r"another catalogue refresh is running \(pid \d+"):
            refresh(engine, AZURE)


def test_each_run_appends_to_the_log(engine, serve, published):
    serve(paged(with_price(azure_items(), "Standard_D4s_v3", 0)))
    refresh(engine, AZURE)
    lines = log_path().read_text().splitlines()
    assert len(lines) == 2
    assert " azure published " in lines[0] and " azure refused " in lines[1]


def test_stale_providers_after_the_threshold(engine, published):
    assert stale_providers(engine, timedelta(hours=1)) == []
    later = datetime.now(timezone.utc) + timedelta(days=8)
    [stale] = stale_providers(engine, timedelta(days=7), now=later)
    assert stale.provider == "azure" and stale.age > timedelta(days=7)
    assert "azure prices are 8.0 days old; run `mlx catalogue refresh --provider azure`" in stale.warning()


def test_stale_threshold_from_the_environment(monkeypatch):
    from mlx_deploy.catalogue.freshness import stale_after

    monkeypatch.setenv("MLX_STALE_AFTER", "36h")
    assert stale_after() == timedelta(hours=36)
    monkeypatch.setenv("MLX_STALE_AFTER", "soon")
    with pytest.raises(ConfigError, match="MLX_STALE_AFTER 'soon' is not a duration"):
        stale_after()


@pytest.mark.parametrize(("text", "expected"), [("30m", timedelta(minutes=30)), ("6h", timedelta(hours=6)), ("1.5d", timedelta(hours=36))])
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


def test_a_failing_publish_is_recorded_once(engine, serve, published, monkeypatch):
    import mlx_deploy.catalogue.publish_diff as publish_diff

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("disk full")  # after the new prices were written, before commit

    monkeypatch.setattr(publish_diff, "record_changes", broken)
    serve(paged(with_price(azure_items(), "Standard_NC6s_v3", 2)))
    [result] = refresh(engine, AZURE)
    assert result.status == "failed" and "disk full" in result.reason and "previous prices kept" in result.reason
    assert [run.status for run in runs(engine)].count("failed") == 1
    assert prices(engine) == published


def test_a_snapshot_loaded_today_is_as_stale_as_its_prices():
    from mlx_deploy.catalogue.store import open_catalogue

    engine = open_catalogue()
    stale = {s.provider: s for s in stale_providers(engine, timedelta(days=7))}
    assert set(stale) == {"aws", "azure", "gcp"}
    assert all(s.age > timedelta(days=30) for s in stale.values())
