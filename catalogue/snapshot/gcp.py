"""Reader for the GCP snapshot source (SkyPilot-format `vms.csv`, one row per type and zone).

* GPU machine families (a2, a3, a4, g2) carry only the host's vCPU + RAM price;
  their GPUs are separate rows with an empty InstanceType, priced per count and
  zone. The published price is host + the GPU row of the same zone and count.
* N1 types are published at their plain price. Attachable GPUs (T4, V100, P100,
  P4) are not combined into made-up type names: a deploy would need the
  accelerator as a separate setting, so those combinations are left out.
* GPU on-demand rows are checked against the same GPU in the other regions (see
  `flag_gpu_outliers`); flagged rows are dropped and listed in the metadata.
* Shared-core types are corrected: the source multiplies a full vCPU price by
  the 2 guest vCPUs of e2-micro/small/medium, which GCP bills as 0.25/0.5/1
  vCPU; their vCPUs are published as that share (f1-micro 0.2, g1-small 0.5).
* TPU rows are left out: TPU VMs are not Compute Engine machine types.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from mlx_deploy.catalogue.models import ON_DEMAND, SPOT
from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows
from mlx_deploy.catalogue.snapshot.common import (
    Parsed,
    accelerator_fields,
    add_type,
    collapse_zones,
    new_offers,
    parse_price,
)
from mlx_deploy.catalogue.snapshot.regions import region_row

GPU_MEMORY_MIB = {"A100": 40960, "A100-80GB": 81920, "B200": 184320, "H100": 81920, "H100-MEGA": 81920, "H200": 144384, "L4": 24576}
# Sorted by price, the same GPU and count in neighbouring regions differ by at
# most ~1.15x at the source (L4, T4, P4, V100). A step of 1.5x or more is not
# regional pricing: the rows below it come from another SKU (H100 at 4.20 $/h
# beside 9.80-12.74, with spot at up to 97% of it; A100-80GB below its spot).
OUTLIER_GAP = 1.5
_G2_GPUS = {4: 1, 8: 1, 12: 1, 16: 1, 24: 2, 32: 1, 48: 4, 96: 8}
_SHARED_CORE = {"e2-micro": 0.25, "e2-small": 0.5, "e2-medium": 1.0, "f1-micro": 0.2, "g1-small": 0.5}
_ARM_FAMILIES = ("t2a", "c4a", "n4a", "a4x")
_COUNT_SUFFIX = re.compile(r"-(\d+)g(?:-nolssd)?$")

GpuKey = tuple[str, int, str]  # (source GPU name, count, zone)


def attached_gpus(machine_type: str) -> tuple[str, int] | None:
    """The GPUs built into a GPU-family machine type, as the source names them."""
    family = machine_type.split("-")[0]
    if family == "g2":
        return "L4", _G2_GPUS.get(int(machine_type.rsplit("-", 1)[1]), 1)
    match = _COUNT_SUFFIX.search(machine_type)
    if family not in ("a2", "a3", "a4") or not match:
        return None
    count = int(match[1])
    if machine_type.startswith("a2-ultragpu"):
        return "A100-80GB", count
    if family == "a2":
        return "A100", count
    if machine_type.startswith("a3-megagpu"):
        return "H100-MEGA", count
    if machine_type.startswith("a3-ultragpu"):
        return "H200", count
    return ("H100", count) if family == "a3" else ("B200", count)


def read_gcp(path: Path) -> Parsed:
    parsed = Parsed(ProviderRows("gcp"))
    hosts: list[dict[str, str]] = []
    gpus: dict[GpuKey, tuple[float | None, float | None]] = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["InstanceType"]:
                hosts.append(row)
            elif row["AcceleratorName"].lower().startswith("tpu"):
                parsed.drop("TPU row (TPU VMs are not Compute Engine machine types)")
            else:
                key = (row["AcceleratorName"], int(float(row["AcceleratorCount"])), row["AvailabilityZone"])
                gpus[key] = (parse_price(row["Price"]), parse_price(row["SpotPrice"]))
    regions = {row["AvailabilityZone"]: row["Region"] for row in hosts}
    flag_gpu_outliers(parsed, gpus, regions)
    shared_core = _shared_core_rates(hosts)
    types: dict[str, InstanceTypeRow] = {}
    on_demand = new_offers()
    for row in hosts:
        add_type(parsed, _gcp_type(row), types)
        for option, price in _prices(parsed, row, gpus, shared_core):
            if option == ON_DEMAND:
                on_demand[(row["InstanceType"], row["Region"])][row["AvailabilityZone"]] = price
            else:
                parsed.rows.prices.append(
                    PriceRow("gcp", row["Region"], row["InstanceType"], SPOT, price, zone=row["AvailabilityZone"])
                )
    parsed.rows.prices[:0] = collapse_zones("gcp", on_demand)
    parsed.rows.regions = [region_row("gcp", code) for code in sorted(set(regions.values()))]
    return parsed


def flag_gpu_outliers(parsed: Parsed, gpus: dict[GpuKey, tuple], regions: dict[str, str]) -> None:
    """Drop GPU on-demand prices far below the same GPU and count in the other regions."""
    by_group: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    for (name, count, zone), (price, _spot) in gpus.items():
        if price is not None:
            by_group[(name, count)][regions.get(zone, zone.rsplit("-", 1)[0])] = price
    for (name, count), by_region in by_group.items():
        values = sorted(set(by_region.values()))
        gaps = [(high / low, high) for low, high in pairwise(values)]
        ratio, reference = max(gaps, default=(1.0, None))
        if ratio <= OUTLIER_GAP:
            continue
        for key, (price, spot) in list(gpus.items()):
            region = regions.get(key[2], key[2].rsplit("-", 1)[0])
            if key[:2] == (name, count) and price is not None and price < reference:
                gpus[key] = (None, spot)
                parsed.drop(f"GPU on-demand price below {OUTLIER_GAP}x gap to other regions (GPU row)")
                parsed.flagged.append(
                    {"gpu": name, "count": count, "zone": key[2], "region": region, "usd_per_hour": price,
                     "lowest_price_above_gap": reference}
                )


def _prices(parsed: Parsed, row: dict[str, str], gpus, shared_core) -> list[tuple[str, float]]:
    """(purchase option, USD/h) for one host row: GPUs added, shared-core corrected."""
    name, zone = row["InstanceType"], row["AvailabilityZone"]
    attached = attached_gpus(name)
    out = []
    for index, (option, column) in enumerate(((ON_DEMAND, "Price"), (SPOT, "SpotPrice"))):
        host = _host_price(row[column])
        if name in _SHARED_CORE and name.startswith("e2-"):
            host = _shared_core_price(name, float(row["MemoryGiB"]), shared_core.get((zone, option)))
        if attached is not None and host is not None:
            gpu = gpus.get((*attached, zone), (None, None))[index]
            if gpu is None:
                parsed.drop(f"{option} price of a GPU machine type whose GPU row is missing or flagged")
                continue
            host += gpu
        if host is None or host <= 0:
            parsed.drop(f"{option} price empty, zero or not a number")
            continue
        out.append((option, round(host, 5)))
    return out


def _host_price(text: str) -> float | None:
    # a4 hosts are 0.0 at the source: the B200 GPU row carries the whole VM price.
    if text.strip() in ("0", "0.0"):
        return 0.0
    return parse_price(text)


def _shared_core_rates(hosts: list[dict[str, str]]) -> dict[tuple[str, str], tuple[float, float]]:
    """Per (zone, option): E2 (USD per vCPU-hour, per GiB-hour) from e2-highcpu-2 and e2-standard-2."""
    pairs: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for row in hosts:
        if row["InstanceType"] in ("e2-highcpu-2", "e2-standard-2"):
            for option, column in ((ON_DEMAND, "Price"), (SPOT, "SpotPrice")):
                price = parse_price(row[column])
                if price is not None:
                    pairs[(row["AvailabilityZone"], option)][row["InstanceType"]] = price
    rates = {}
    for key, prices in pairs.items():
        if len(prices) == 2:  # highcpu-2: 2 vCPU + 2 GiB; standard-2: 2 vCPU + 8 GiB
            per_gib = (prices["e2-standard-2"] - prices["e2-highcpu-2"]) / 6
            rates[key] = ((prices["e2-highcpu-2"] - 2 * per_gib) / 2, per_gib)
    return rates


def _shared_core_price(name: str, memory_gib: float, rates: tuple[float, float] | None) -> float | None:
    if rates is None:
        return None
    per_vcpu, per_gib = rates
    return _SHARED_CORE[name] * per_vcpu + memory_gib * per_gib


def _gcp_type(row: dict[str, str]) -> InstanceTypeRow:
    name = row["InstanceType"]
    attached = attached_gpus(name)
    gpu_fields = {}
    if attached is not None:
        gpu_name, count = attached
        gpu_fields = accelerator_fields(gpu_name, float(count), GPU_MEMORY_MIB.get(gpu_name, 0) / 1024 or None)
    family = name.split("-")[0]
    return InstanceTypeRow(
        provider="gcp",
        name=name,
        vcpus=_SHARED_CORE.get(name, float(row["vCPUs"])),
        memory_gib=float(row["MemoryGiB"]),
        arch="arm64" if family in _ARM_FAMILIES else "x86_64",
        **gpu_fields,
    )
