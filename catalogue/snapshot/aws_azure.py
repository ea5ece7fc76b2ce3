"""Readers for the AWS and Azure snapshot sources (SkyPilot-format `vms.csv`).

AWS: one row per (type, zone id); on-demand is the same in every zone of a
region, so it is published once per region; spot is per zone id.
Azure: one row per (size, region), no zones; GPU memory is not given, so it
comes from `gpus.GPU_MEMORY_GIB`, and a few sizes the source mislabels or
leaves without their GPU are corrected from Azure's VM size documentation.
"""

from __future__ import annotations

import ast
import csv
import re
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
    price_problem,
)
from mlx_deploy.catalogue.snapshot.regions import region_row

# SupportedArchitectures[0] as SkyPilot records it -> what a deploy needs.
_AWS_ARCH = {"x86_64": "x86_64", "i386": "x86_64", "x86_64_mac": "x86_64", "arm64": "arm64", "arm64_mac": "arm64"}


def read_aws(path: Path) -> Parsed:
    parsed = Parsed(ProviderRows("aws"))
    types: dict[str, InstanceTypeRow] = {}
    on_demand = new_offers()
    regions: set[str] = set()
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            name, region, zone = row["InstanceType"], row["Region"], row["AvailabilityZone"]
            add_type(parsed, _aws_type(row), types)
            regions.add(region)
            price = parse_price(row["Price"])
            if price is None:
                parsed.drop(f"on-demand price {price_problem(row['Price'])} (capacity-block or special offer only)")
            else:
                on_demand[(name, region)][zone] = price
            spot = parse_price(row["SpotPrice"])
            if spot is None:
                parsed.drop(f"spot price {price_problem(row['SpotPrice'])}")
            else:
                parsed.rows.prices.append(PriceRow("aws", region, name, SPOT, spot, zone=zone))
    parsed.rows.prices[:0] = collapse_zones("aws", on_demand)
    parsed.rows.regions = [region_row("aws", code) for code in sorted(regions)]
    return parsed


def _aws_type(row: dict[str, str]) -> InstanceTypeRow:
    count = float(row["AcceleratorCount"] or 0)
    memory = None
    if row["GpuInfo"]:
        gpus = ast.literal_eval(row["GpuInfo"]).get("Gpus") or [{}]
        mib = gpus[0].get("MemoryInfo", {}).get("SizeInMiB")
        memory = mib / 1024 if mib else None
    return InstanceTypeRow(
        provider="aws",
        name=row["InstanceType"],
        vcpus=float(row["vCPUs"]),
        memory_gib=float(row["MemoryGiB"]),
        arch=_AWS_ARCH.get(row["Arch"], row["Arch"] or None),
        **accelerator_fields(row["AcceleratorName"], count, memory),
    )


# Azure sizes whose GPU the source leaves out or counts wrong: (regex, name, count, memory GiB, arch).
# Fractions and memory per Azure's VM size pages (NVv4, NGads V620, NVads V710 v5, NCads H100 v5...).
_AZURE_GPU_FIXES: tuple[tuple[re.Pattern[str], str, float | None, float | None, str | None], ...] = tuple(
    (re.compile(pattern), name, count, memory, arch)
    for pattern, name, count, memory, arch in (
        (r"^Standard_NCC?\d+adi?s_H100_v5$", "H100", None, 94, None),  # H100 NVL 94 GB, not the 80 GB SXM
        (r"^Standard_NV4as_v4$", "MI25", 0.125, None, None),
        (r"^Standard_NV8as_v4$", "MI25", 0.25, None, None),
        (r"^Standard_NV16as_v4$", "MI25", 0.5, None, None),
        (r"^Standard_ND96is_MI300X_v5$", "MI300X", 8, None, None),
        (r"^Standard_ND128isr_NDR_GB200_v6$", "GB200", 4, None, "arm64"),
        (r"^Standard_NG8ads_V620_v1$", "V620", 0.25, None, None),
        (r"^Standard_NG16ads_V620_v1$", "V620", 0.5, None, None),
        (r"^Standard_NG32ads_V620_v1$", "V620", 1, None, None),
        (r"^Standard_NV4ads_V710_v5$", "V710", 1 / 6, None, None),
        (r"^Standard_NV8ads_V710_v5$", "V710", 1 / 3, None, None),
        (r"^Standard_NV12ads_V710_v5$", "V710", 0.5, None, None),
        (r"^Standard_NV2[48]adm?s_V710_v5$", "V710", 1, None, None),
        (r"^Standard_NP10s$", "Alveo U250", 1, None, None),
        (r"^Standard_NP20s$", "Alveo U250", 2, None, None),
        (r"^Standard_NP40s$", "Alveo U250", 4, None, None),
    )
)
# Azure size names: family letters, vCPUs, then lower-case features; `p` marks an Arm CPU.
_AZURE_FEATURES = re.compile(r"^Standard_[A-Z]+\d+(?P<features>[a-z]*)")
_AZURE_COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "vCPUs", "MemoryGiB", "GpuInfo", "Price")


def read_azure(path: Path) -> Parsed:
    parsed = Parsed(ProviderRows("azure"))
    types: dict[str, InstanceTypeRow] = {}
    regions: set[str] = set()
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        index = {column: header.index(column) for column in (*_AZURE_COLUMNS, "SpotPrice", "Region")}
        for fields in reader:
            # The last column (Generation) holds unquoted `V1,V2`: extra fields only at the end.
            row = {column: fields[i] for column, i in index.items()}
            name, region = row["InstanceType"], row["Region"]
            add_type(parsed, _azure_type(row), types)
            regions.add(region)
            for option, column in ((ON_DEMAND, "Price"), (SPOT, "SpotPrice")):
                price = parse_price(row[column])
                if price is None:
                    parsed.drop(f"{option} price {price_problem(row[column])}")
                else:
                    parsed.rows.prices.append(PriceRow("azure", region, name, option, price))
    parsed.rows.regions = [region_row("azure", code) for code in sorted(regions)]
    return parsed


def _azure_type(row: dict[str, str]) -> InstanceTypeRow:
    name = row["InstanceType"]
    gpu, count, memory, arch = row["AcceleratorName"], float(row["AcceleratorCount"] or 0), None, None
    for pattern, fixed_name, fixed_count, fixed_memory, fixed_arch in _AZURE_GPU_FIXES:
        if pattern.match(name):
            gpu, count = fixed_name, fixed_count if fixed_count is not None else count
            memory, arch = fixed_memory, fixed_arch
            break
    if arch is None:
        match = _AZURE_FEATURES.match(name)
        arch = "arm64" if match and "p" in match["features"] else "x86_64"
    return InstanceTypeRow(
        provider="azure",
        name=name,
        vcpus=float(row["vCPUs"]),
        memory_gib=float(row["MemoryGiB"]),
        arch=arch,
        **accelerator_fields(gpu, round(count, 3), memory),
    )
