"""Streaming parse of an EC2 bulk offer file: MB/s and peak RSS on a >= 500 MB file.

Run: python bench/refresh_offer_file.py [--size-mb 520] [--no-reserved]

Builds, in a temporary directory deleted afterwards, a regional `index.json` in
the real format by repeating the real SKUs of recorded offer files (opencost's
p4d.24xlarge excerpt: an OnDemand and a CapacityBlock SKU, plus the us-east-2
excerpt's m5.large, Windows p3.8xlarge and gp3 storage SKUs) under new SKU ids
and instance-type names, with their on-demand terms, and for every
reservable instance SKU the real reserved terms of a recorded m5.large
Price List document (real offer files carry reserved terms the same way). Then parses it with `providers/aws/offers.py` in a
fresh process, so the peak RSS is the parser's alone. Targets: >= 50 MB/s,
peak RSS < 250 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ("bulk_offer_excerpt_useast1_p4d_marketoption.json", "bulk_offer_excerpt_useast2_m5large_p3_8xlarge_gp3.json")


def sample_dir() -> Path:
    shared = Path(os.environ.get("MLX_SHARED_DATA", ROOT.parent / "shared" / "data")) / "raw" / "aws" / "opencost"
    return shared if shared.is_dir() else ROOT / "tests" / "fixtures" / "providers" / "aws"


def real_skus() -> list[tuple[dict, dict]]:
    pairs = []
    for name in SAMPLES:
        document = json.loads((sample_dir() / name).read_text())
        for sku, product in document["products"].items():
            pairs.append((product, document["terms"]["OnDemand"].get(sku, {})))
    return pairs


def real_reserved_terms() -> tuple[str, dict]:
    """The reserved terms of m5.large from a recorded Price List document (same layout as offer files)."""
    path = ROOT / "tests" / "fixtures" / "providers" / "aws" / "GetProducts__m5_large.json"
    document = json.loads(path.read_text())
    return document["product"]["sku"], document["terms"]["Reserved"]


def has_reservations(product: dict) -> bool:
    attributes = product.get("attributes", {})
    return product.get("productFamily") == "Compute Instance" and attributes.get("marketoption") != "CapacityBlock"


def build(path: Path, size_mb: int, reserved_terms: bool = True) -> int:
    """Write the file streaming: products, then on-demand terms, then reserved terms; returns the SKU count."""
    pairs = real_skus()
    reserved_sku, reserved = real_reserved_terms()
    reserved_text = json.dumps(reserved, indent=2)
    target = size_mb * 1_000_000
    count = 0
    sections = {name: path.with_suffix(f".{name}") for name in ("products", "ondemand", "reserved")}
    handles = {name: open(part, "w") for name, part in sections.items()}
    written = 0
    with_reserved = 0
    try:
        while written < target:
            product, term = pairs[count % len(pairs)]
            sku = f"SKU{count:012d}"
            copy = json.loads(json.dumps(product))
            copy["sku"] = sku
            if "instanceType" in copy["attributes"]:
                copy["attributes"]["instanceType"] = f"{copy['attributes']['instanceType']}-{count % 5000}"
            parts = {
                "products": f'{"," if count else ""}\n    "{sku}" : {json.dumps(copy, indent=2)}',
                "ondemand": f'{"," if count else ""}\n      "{sku}" : {json.dumps(term, indent=2).replace(product["sku"], sku)}',
            }
            if reserved_terms and has_reservations(product):
                parts["reserved"] = f'{"," if with_reserved else ""}\n      "{sku}" : {reserved_text.replace(reserved_sku, sku)}'
                with_reserved += 1
            for name, text in parts.items():
                handles[name].write(text)
                written += len(text)
            count += 1
    finally:
        for handle in handles.values():
            handle.close()
    with open(path, "w") as out:
        out.write('{\n  "formatVersion" : "v1.0",\n  "offerCode" : "AmazonEC2",\n  "version" : "20240528203522",\n  "products" : {')
        _append(out, sections["products"])
        out.write('\n  },\n  "terms" : {\n    "OnDemand" : {')
        _append(out, sections["ondemand"])
        out.write('\n    },\n    "Reserved" : {')
        _append(out, sections["reserved"])
        out.write("\n    }\n  }\n}\n")
    return count


def _append(out, part: Path) -> None:  # noqa: ANN001
    with open(part) as source:
        for chunk in iter(lambda: source.read(1 << 20), ""):
            out.write(chunk)
    part.unlink()


def parse_child(path: str) -> None:
    from mlx_deploy.providers.aws.offers import json_stream_backend, offer_file_prices
    from mlx_deploy.providers.raw import RawPage

    start, cpu = time.perf_counter(), time.process_time()
    prices = offer_file_prices(RawPage("offer_file", "bench offer file", path=Path(path), region="us-east-1"))
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "prices": len(prices), "peak_rss_mb": peak_mb,
                      "backend": json_stream_backend().__name__}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=520)
    parser.add_argument("--no-reserved", action="store_true", help="Worst case: no reserved terms, all on-demand.")
    parser.add_argument("--parse", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.parse:
        parse_child(args.parse)
        return
    with tempfile.TemporaryDirectory(prefix="mlx-bench-offer-") as tmp:
        path = Path(tmp) / "index.json"
        started = time.perf_counter()
        skus = build(path, args.size_mb, reserved_terms=not args.no_reserved)
        size_mb = path.stat().st_size / 1_000_000
        print(f"built {size_mb:,.0f} MB offer file, {skus:,} SKUs, in {time.perf_counter() - started:.0f}s")
        done = subprocess.run([sys.executable, __file__, "--parse", str(path)], check=True, capture_output=True, text=True)
        figures = json.loads(done.stdout)
    rate = size_mb / figures["seconds"]
    cpu_rate = size_mb / figures["cpu_seconds"]
    # CPU time too: on a shared machine the wall time includes waiting for a core.
    print(f"parsed in {figures['seconds']:.1f}s wall, {figures['cpu_seconds']:.1f}s CPU: {rate:.0f} MB/s wall, "
          f"{cpu_rate:.0f} MB/s per CPU second, peak RSS {figures['peak_rss_mb']:.0f} MB, "
          f"{figures['prices']:,} on-demand Linux prices kept (ijson backend {figures['backend']})")
    print(f"targets: >= 50 MB/s {'OK' if rate >= 50 else 'MISSED'}, < 250 MB RSS {'OK' if figures['peak_rss_mb'] < 250 else 'MISSED'}")


if __name__ == "__main__":
    main()
