"""The sanity gate on its own: invalid prices and dropped rows."""

from __future__ import annotations

import math

from mlx_deploy.catalogue import gate
from mlx_deploy.catalogue.rows import PriceRow, ProviderRows


def batch(*prices: float) -> ProviderRows:
    return ProviderRows("gcp", prices=[PriceRow("gcp", "us-central1", f"n2-standard-{i}", "on-demand", p) for i, p in enumerate(prices)])


def test_nan_negative_infinite_and_zero_are_invalid():
    report = gate.check(batch(0.1, math.nan, -0.2, math.inf, 0.0), previous_rows=0)
    assert not report.passed and report.invalid_rows == 4
    assert report.problems[0].startswith("4 prices are $0, negative or not a number (e.g. us-central1 n2-standard-1 on-demand = nan")
    assert [row.usd_per_hour for row in gate.without_invalid(batch(0.1, math.nan, 0.0)).prices] == [0.1]


def test_drop_share_boundary():
    assert gate.check(batch(*[0.1] * 80), previous_rows=100, max_drop_share=0.2).passed
    report = gate.check(batch(*[0.1] * 79), previous_rows=100, max_drop_share=0.2)
    assert report.problems == ("it would drop 21 of 100 prices (21%), more than the allowed 20%",)


def test_empty_refresh_is_refused():
    assert gate.check(batch(), previous_rows=0).problems == ("the refresh found no prices at all",)
