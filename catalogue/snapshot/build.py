"""Rebuild the bundled price snapshot from a folder of source catalogues.

    python -m mlx_deploy.catalogue.snapshot.build SOURCE_DIR [--out PATH] [--sources SOURCES.json]

SOURCE_DIR holds `aws_vms.csv`, `azure_vms.csv` and `gcp_vms.csv` in the
SkyPilot catalogue format (see ../shared/data/prices and its PROVENANCE file).
`--sources` is a JSON file {provider: {...}} overriding the provenance below
(repository, path, commit, date, licence, observed_at) when you build from
newer files. The default output is the file the package ships; commit it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from mlx_deploy.catalogue.snapshot import codec
from mlx_deploy.catalogue.snapshot.aws_azure import read_aws, read_azure
from mlx_deploy.catalogue.snapshot.common import Parsed
from mlx_deploy.catalogue.snapshot.gcp import read_gcp

READERS: dict[str, tuple[str, Callable[[Path], Parsed]]] = {
    "aws": ("aws_vms.csv", read_aws),
    "azure": ("azure_vms.csv", read_azure),
    "gcp": ("gcp_vms.csv", read_gcp),
}

# Where the files in ../shared/data/prices came from (its PROVENANCE-prices.md).
# observed_at is the date each price was true at the source; it becomes every
# price's observed_at, so the age mlx shows is the age of the data.
SOURCES: dict[str, dict[str, str]] = {
    "aws": {
        "repository": "skypilot-org/skypilot-catalog",
        "path": "catalogs/v8/aws/vms.csv",
        "commit": "e385a0d348eda9cefd9806423e7725944dc249e4",
        # The commit's date was not recorded; the file lists families launched in
        # mid-2025 (p6-b200, g6f, m8i), so its prices date from then or later.
        "date": "2025 or later (commit date not recorded)",
        "observed_at": "2025-09-01T00:00:00+00:00",
        "licence": "Apache-2.0",
        "built_from": "AWS Bulk Price List (Linux, shared tenancy, on-demand) and spot price history, by SkyPilot's fetcher",
    },
    "azure": {
        "repository": "anycloud-sh/catalog",
        "path": "azure/vms.csv",
        "commit": "62ff0a987e0c257a89235415d2877812fb1aaf29",
        "date": "2026-05-20",
        "observed_at": "2026-05-20T00:00:00+00:00",
        "licence": "none stated; public list prices published by Microsoft",
        "built_from": "Azure Retail Prices API (Linux consumption and spot meters)",
    },
    "gcp": {
        "repository": "anycloud-sh/catalog",
        "path": "gcp/vms.csv",
        "commit": "62ff0a987e0c257a89235415d2877812fb1aaf29",
        "date": "2026-05-20",
        "observed_at": "2026-05-20T00:00:00+00:00",
        "licence": "none stated; public list prices published by Google",
        "built_from": "Cloud Billing Catalog SKUs (per-vCPU, per-GiB and per-GPU) composed per machine type",
    },
}


def build(source_dir: Path, sources: dict[str, dict] | None = None) -> dict:
    """The snapshot document for every provider whose file is in `source_dir`."""
    sources = {**SOURCES, **(sources or {})}
    providers = {}
    for provider, (filename, reader) in READERS.items():
        path = source_dir / filename
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found (expected {', '.join(f for f, _ in READERS.values())})")
        parsed = reader(path)
        checks = {
            "dropped": dict(sorted(parsed.dropped.items())),
            "flagged": parsed.flagged,
            "counts": {
                "regions": len(parsed.rows.regions),
                "instance_types": len(parsed.rows.instance_types),
                "prices": len(parsed.rows.prices),
            },
        }
        source = {**sources[provider], "file": filename}
        providers[provider] = codec.encode_provider(parsed.rows, source, checks)
    return {
        "format": codec.FORMAT,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "providers": providers,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlx_deploy.catalogue.snapshot.build", description=__doc__.split("\n")[0])
    parser.add_argument("source_dir", type=Path, help="folder with aws_vms.csv, azure_vms.csv, gcp_vms.csv")
    parser.add_argument("--out", type=Path, default=codec.BUNDLED, help=f"output file (default: {codec.BUNDLED})")
    parser.add_argument("--sources", type=Path, help="JSON {provider: {repository, path, commit, date, ...}}")
    args = parser.parse_args(argv)
    overrides = None
    if args.sources:
        import json

        overrides = {key: {**SOURCES.get(key, {}), **value} for key, value in json.loads(args.sources.read_text()).items()}
    try:
        document = build(args.source_dir, overrides)
    except (OSError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    codec.write(args.out, document)
    for provider, data in document["providers"].items():
        counts, dropped = data["checks"]["counts"], data["checks"]["dropped"]
        print(
            f"{provider}: {counts['regions']} regions, {counts['instance_types']} types, {counts['prices']} prices; "
            f"left out: {sum(dropped.values())} ({len(data['checks']['flagged'])} flagged GPU rows)"
        )
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
