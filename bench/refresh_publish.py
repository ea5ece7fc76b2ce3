"""Bulk publish of a refresh into SQLite: price rows per second.

Run: python bench/refresh_publish.py [--rows 300000]

A temporary catalogue (deleted afterwards) gets one provider's refresh of
`--rows` prices (2,000 instance types x regions x zones), published the way
`mlx catalogue refresh` does it: one transaction, price-change rows recorded
in it. Then a second refresh with 5% of the prices changed replaces it.
Target: >= 100,000 price rows a second.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def batch(rows: int, bump: float = 0.0):  # noqa: ANN201
    from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow

    types = [InstanceTypeRow("aws", f"bench{i}.xlarge", 4, 16) for i in range(2000)]
    zones_per_region = 4
    regions = [RegionRow("aws", f"region-{r}") for r in range(max(rows // (len(types) * zones_per_region), 1))]
    prices = []
    for region in regions:
        for zone in range(zones_per_region):
            for index, kind in enumerate(types):
                price = 0.1 + index / 1000
                if bump and index % 20 == 0:
                    price *= 1 + bump
                prices.append(PriceRow("aws", region.code, kind.name, "on-demand", price, zone=f"{region.code}{zone}"))
                if len(prices) == rows:
                    return ProviderRows("aws", regions, types, prices)
    return ProviderRows("aws", regions, types, prices)


def timed_publish(engine, rows, record_changes: bool = True) -> tuple[float, float]:  # noqa: ANN001
    """(wall seconds, CPU seconds): on a shared machine the wall time includes waiting for a core."""
    from mlx_deploy.catalogue.publish import publish

    start, cpu = time.perf_counter(), time.process_time()
    publish(engine, rows, "refresh: bench", record_changes=record_changes)
    return time.perf_counter() - start, time.process_time() - cpu


def report(label: str, rows: int, seconds: tuple[float, float]) -> None:
    wall, cpu = seconds
    print(f"{label}: {rows:,} prices in {wall:.2f}s wall ({rows / wall:,.0f} rows/s), "
          f"{cpu:.2f}s CPU ({rows / cpu:,.0f} rows per CPU second)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlx-bench-publish-") as home:
        os.environ["MLX_HOME"] = home
        os.environ.pop("MLX_CATALOGUE_URL", None)
        from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow
        from mlx_deploy.catalogue.store import open_catalogue

        engine = open_catalogue(load_snapshot=False)
        first = batch(args.rows)
        plain = ProviderRows("gcp", [RegionRow("gcp", r.code) for r in first.regions],
                             [InstanceTypeRow("gcp", t.name, 4, 16) for t in first.instance_types],
                             [PriceRow("gcp", p.region, p.instance_type, p.purchase_option, p.usd_per_hour, zone=p.zone) for p in first.prices])
        report("bulk insert alone (a provider's first publish, no change records)", len(plain.prices), timed_publish(engine, plain, record_changes=False))
        report("first refresh (every price recorded as added)", len(first.prices), timed_publish(engine, first))
        second = batch(args.rows, bump=0.05)
        report("second refresh (all replaced, 5% changed)", len(second.prices), timed_publish(engine, second))
        engine.dispose()


if __name__ == "__main__":
    main()
