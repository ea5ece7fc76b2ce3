"""Pure parse: saved AWS pages -> catalogue rows.

Specs come from `describe_instance_types`, availability from
`describe_instance_type_offerings` (per zone name), zone ids from
`describe_availability_zones`, on-demand prices from the price list (Query API
pages or bulk offer files, see offers.py), spot prices from
`describe_spot_price_history` (newest per type and zone). Prices are keyed by
zone id (use1-az1), which is the same for every account, unlike zone names.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone

from mlx_deploy.catalogue.gpus import canonical_gpu, gpu_memory_gib
from mlx_deploy.catalogue.models import ON_DEMAND, SPOT
from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow
from mlx_deploy.providers.aws.offers import OnDemandPrice, offer_file_prices, query_api_prices
from mlx_deploy.providers.raw import RawPage, RawPages, page_error, require, usd_price

PROVIDER = "aws"

# Where DescribeInstanceTypes misnames the GPU (it says "NVIDIA" for H200s).
GPU_NAME_OVERRIDES = {"p5e.48xlarge": "H200", "p5en.48xlarge": "H200", "p4de.24xlarge": "A100-80GB"}
# g6f/gr6f carry a fraction of an L4; the API says Count 1 with the slice's memory.
FRACTIONAL_L4_PREFIXES = ("g6f.", "gr6f.")
L4_FULL_MIB = 22888


def parse(raw: RawPages) -> ProviderRows:
    types = instance_types(raw.of_kind("describe_instance_types"))
    zone_ids = zone_id_map(raw.of_kind("describe_availability_zones"))
    offered = offerings(raw.of_kind("describe_instance_type_offerings"))
    on_demand = on_demand_prices(raw)
    spot = spot_prices(raw.of_kind("describe_spot_price_history"))
    rows = ProviderRows(PROVIDER, instance_types=list(types.values()))
    locations = {price.region: price.location for price in on_demand.values() if price.location}
    rows.regions = [RegionRow(PROVIDER, region, locations.get(region)) for region in sorted(offered)]
    for region, by_type in sorted(offered.items()):
        ids = zone_ids.get(region, {})
        for instance_type, zones in sorted(by_type.items()):
            if instance_type not in types:
                continue
            price = on_demand.get((region, instance_type))
            for zone in sorted(zones):
                zone_id = ids.get(zone, zone)
                if price is not None:
                    rows.prices.append(
                        PriceRow(PROVIDER, region, instance_type, ON_DEMAND, price.usd_per_hour, zone=zone_id)
                    )
                if (instance_type, zone) in spot:
                    rows.prices.append(
                        PriceRow(PROVIDER, region, instance_type, SPOT, spot[(instance_type, zone)], zone=zone_id)
                    )
    return rows


def on_demand_prices(raw: RawPages) -> dict[tuple[str, str], OnDemandPrice]:
    prices: dict[tuple[str, str], OnDemandPrice] = {}
    for page in raw.pages:
        if page.kind == "get_products":
            found = query_api_prices(page)
        elif page.kind == "offer_file":
            found = offer_file_prices(page)
        else:
            continue
        for price in found:
            prices[(price.region, price.instance_type)] = price
    return prices


def instance_types(pages) -> dict[str, InstanceTypeRow]:  # noqa: ANN001 - iterable of RawPage
    result: dict[str, InstanceTypeRow] = {}
    for page in pages:
        data = page.load(PROVIDER)
        for info in require(PROVIDER, page, data, "InstanceTypes", list):
            row = instance_type_row(page, info)
            result[row.name] = row
    return result


def instance_type_row(page: RawPage, info: dict) -> InstanceTypeRow:
    name = require(PROVIDER, page, info, "InstanceType", str)
    vcpus = require(PROVIDER, page, require(PROVIDER, page, info, "VCpuInfo", dict), "DefaultVCpus", int)
    memory_mib = require(PROVIDER, page, require(PROVIDER, page, info, "MemoryInfo", dict), "SizeInMiB", int)
    architectures = (info.get("ProcessorInfo") or {}).get("SupportedArchitectures") or [None]
    gpu_model, gpu_count, gpu_memory = _gpu(name, info.get("GpuInfo"))
    storage = info.get("InstanceStorageInfo") or {}
    return InstanceTypeRow(
        provider=PROVIDER,
        name=name,
        vcpus=float(vcpus),
        memory_gib=round(memory_mib / 1024, 3),
        arch=architectures[0],
        gpu_model=gpu_model,
        gpu_count=gpu_count,
        gpu_memory_gib=gpu_memory,
        accelerator=_accelerator(info, gpu_model),
        local_disk_gib=float(storage["TotalSizeInGB"]) if storage.get("TotalSizeInGB") else None,
    )


def _gpu(name: str, gpu_info: dict | None) -> tuple[str | None, float, float | None]:
    gpus = (gpu_info or {}).get("Gpus") or []
    if not gpus:
        return None, 0.0, None
    first = gpus[0]
    memory_mib = (first.get("MemoryInfo") or {}).get("SizeInMiB") or 0
    count = float(sum(gpu.get("Count", 0) for gpu in gpus))
    if name.startswith(FRACTIONAL_L4_PREFIXES) and memory_mib:
        return "L4", round(memory_mib / L4_FULL_MIB, 3), gpu_memory_gib("L4")
    model = canonical_gpu(GPU_NAME_OVERRIDES.get(name) or first.get("Name"), memory_mib / 1024 or None)
    if model is None:
        return None, 0.0, None
    return model, count, gpu_memory_gib(model) or round(memory_mib / 1024, 1)


def _accelerator(info: dict, gpu_model: str | None) -> str | None:
    """Non-GPU accelerators (Inferentia, Trainium, FPGAs), or a GPU we do not know."""
    sources = (
        ((info.get("NeuronInfo") or {}).get("NeuronDevices") or []),
        ((info.get("InferenceAcceleratorInfo") or {}).get("Accelerators") or []),
        ((info.get("FpgaInfo") or {}).get("Fpgas") or []),
        [] if gpu_model else ((info.get("GpuInfo") or {}).get("Gpus") or []),
    )
    for devices in sources:
        if devices:
            first = devices[0]
            return f"{first.get('Name', 'accelerator')} x{first.get('Count', 1)}"
    return None


def zone_id_map(pages) -> dict[str, dict[str, str]]:  # noqa: ANN001
    """region -> zone name -> zone id."""
    result: dict[str, dict[str, str]] = defaultdict(dict)
    for page in pages:
        data = page.load(PROVIDER)
        for zone in require(PROVIDER, page, data, "AvailabilityZones", list):
            region = require(PROVIDER, page, zone, "RegionName", str)
            result[region][require(PROVIDER, page, zone, "ZoneName", str)] = require(
                PROVIDER, page, zone, "ZoneId", str
            )
    return result


def offerings(pages) -> dict[str, dict[str, set[str]]]:  # noqa: ANN001
    """region -> instance type -> zone names where it is offered."""
    result: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for page in pages:
        data = page.load(PROVIDER)
        for offer in require(PROVIDER, page, data, "InstanceTypeOfferings", list):
            zone = require(PROVIDER, page, offer, "Location", str)
            region = page.region or zone.rstrip("abcdefghijklmnopqrstuvwxyz")
            result[region][require(PROVIDER, page, offer, "InstanceType", str)].add(zone)
    return result


def spot_prices(pages) -> dict[tuple[str, str], float]:  # noqa: ANN001
    """(instance type, zone name) -> the newest Linux spot price."""
    newest: dict[tuple[str, str], tuple[datetime, float]] = {}
    for page in pages:
        data = page.load(PROVIDER)
        for entry in require(PROVIDER, page, data, "SpotPriceHistory", list):
            if not str(entry.get("ProductDescription", "")).startswith("Linux/UNIX"):
                continue
            key = (
                require(PROVIDER, page, entry, "InstanceType", str),
                require(PROVIDER, page, entry, "AvailabilityZone", str),
            )
            stamp = _timestamp(page, require(PROVIDER, page, entry, "Timestamp", str))
            price = usd_price(PROVIDER, page, require(PROVIDER, page, entry, "SpotPrice", (str, int, float)), "SpotPrice")
            if key not in newest or stamp > newest[key][0]:
                newest[key] = (stamp, price)
    return {key: price for key, (_stamp, price) in newest.items()}


def _timestamp(page: RawPage, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise page_error(PROVIDER, page, f"Timestamp {text!r} is not a date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
