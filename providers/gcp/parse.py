"""Pure parse: saved GCP pages -> catalogue rows.

GCP prices a VM by its parts: vCPUs x the family's core price + GiB x its RAM
price (+ attached GPUs x the GPU price for a2/a3/g2 types), per region, for
on-demand and spot (Preemptible) usage. Shared-core types are priced by the
fraction of a vCPU they get, not the 2 vCPUs `guestCpus` reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlx_deploy.catalogue.gpus import canonical_gpu, gpu_memory_gib
from mlx_deploy.catalogue.models import PURCHASE_OPTIONS
from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow
from mlx_deploy.providers.gcp.skus import Sku, page_skus
from mlx_deploy.providers.raw import RawPage, RawPages, require

PROVIDER = "gcp"

# Machine family -> the words its core and RAM SKU descriptions contain.
FAMILY_DESCRIPTION = {
    "a2": "A2 Instance", "a3": "A3 Instance", "c2": "Compute optimized", "c2d": "C2D AMD Instance",
    "c3": "C3 Instance", "c3d": "C3D Instance", "c4": "C4 Instance", "c4d": "C4D Instance",
    "e2": "E2 Instance", "f1": "Micro Instance with burstable CPU", "g1": "Small Instance with 1 VCPU",
    "g2": "G2 Instance", "h3": "H3 Instance", "m1": "Memory-optimized Instance",
    "m3": "M3 Memory-optimized Instance", "n1": "N1 Predefined Instance", "n2": "N2 Instance",
    "n2d": "N2D AMD Instance", "n4": "N4 Instance", "t2a": "T2A Arm Instance", "t2d": "T2D AMD Instance",
    "z3": "Z3 Instance",
}
# Families billed by one per-instance SKU rather than core + RAM.
WHOLE_INSTANCE_GROUPS = {"f1": "F1Micro", "g1": "G1Small"}
SHARED_CORE_VCPUS = {"e2-micro": 0.25, "e2-small": 0.5, "e2-medium": 1.0}
# GPU SKU description words, where they differ from "<NAME> GPU".
GPU_DESCRIPTION = {
    "A100-80GB": "A100 80GB GPU",
    "H100": "H100 80GB GPU",
    "H100-MEGA": "H100 80GB Mega GPU",
    "H200": "H200 141GB GPU",
}


@dataclass(frozen=True, slots=True)
class MachineType:
    name: str
    zone: str
    vcpus: float
    memory_gib: float
    arch: str | None
    gpus: tuple[tuple[str, int], ...]  # (GCP accelerator name, count)

    @property
    def region(self) -> str:
        return self.zone.rpartition("-")[0]

    @property
    def family(self) -> str:
        return self.name.split("-", 1)[0]


def parse(raw: RawPages) -> ProviderRows:
    skus = [sku for page in raw.of_kind("skus") for sku in page_skus(page)]
    machines = [machine for page in raw.of_kind("machine_types") for machine in machine_types(page)]
    rows = ProviderRows(PROVIDER)
    types: dict[str, InstanceTypeRow] = {}
    regions: set[str] = set()
    for machine in machines:
        for option in PURCHASE_OPTIONS:
            price = machine_price(machine, skus, option)
            if price is None:
                continue
            rows.prices.append(PriceRow(PROVIDER, machine.region, machine.name, option, round(price, 6), zone=machine.zone))
            types.setdefault(machine.name, type_row(machine))
            regions.add(machine.region)
    rows.instance_types = list(types.values())
    rows.regions = [RegionRow(PROVIDER, code) for code in sorted(regions)]
    return rows


def machine_types(page: RawPage) -> list[MachineType]:
    """Machine types in a `machineTypes.list` or `aggregatedList` page."""
    data = page.load(PROVIDER)
    items = require(PROVIDER, page, data, "items", (list, dict))
    if isinstance(items, dict):  # aggregatedList: {"zones/<zone>": {"machineTypes": [...]} or {"warning": ...}}
        items = [machine for scoped in items.values() for machine in (scoped or {}).get("machineTypes", [])]
    return [_machine(page, item) for item in items]


def _machine(page: RawPage, item: dict) -> MachineType:
    name = require(PROVIDER, page, item, "name", str)
    zone = require(PROVIDER, page, item, "zone", str).rsplit("/", 1)[-1]
    vcpus = float(require(PROVIDER, page, item, "guestCpus", (int, float, str)))
    memory_mb = float(require(PROVIDER, page, item, "memoryMb", (int, float, str)))
    gpus = tuple(
        (require(PROVIDER, page, gpu, "guestAcceleratorType", str), int(gpu.get("guestAcceleratorCount", 0)))
        for gpu in item.get("accelerators", [])
    )
    arch = {"X86_64": "x86_64", "ARM64": "arm64"}.get(str(item.get("architecture", "")), None)
    if arch is None and name.startswith(("t2a", "c4a", "n4a")):
        arch = "arm64"
    return MachineType(name, zone, SHARED_CORE_VCPUS.get(name, vcpus), round(memory_mb / 1024, 3), arch or "x86_64", gpus)


def type_row(machine: MachineType) -> InstanceTypeRow:
    model, count = None, 0.0
    accelerator = None
    if machine.gpus:
        source_name, count = machine.gpus[0]
        model = canonical_gpu(gpu_name(source_name))
        accelerator = None if model else f"{source_name} x{count}"
    return InstanceTypeRow(
        provider=PROVIDER,
        name=machine.name,
        vcpus=machine.vcpus,
        memory_gib=machine.memory_gib,
        arch=machine.arch,
        gpu_model=model,
        gpu_count=float(count) if model else 0.0,
        gpu_memory_gib=gpu_memory_gib(model) if model else None,
        accelerator=accelerator,
    )


def gpu_name(accelerator_type: str) -> str:
    """`nvidia-tesla-a100` -> `A100`, `nvidia-a100-80gb` -> `A100-80GB`, `nvidia-h100-80gb` -> `H100`."""
    name = accelerator_type.lower().removeprefix("nvidia-").removeprefix("tesla-").upper()
    return {"H100-80GB": "H100", "H100-MEGA-80GB": "H100-MEGA", "H200-141GB": "H200"}.get(name, name)


def machine_price(machine: MachineType, skus: list[Sku], option: str) -> float | None:
    family = machine.family
    description = FAMILY_DESCRIPTION.get(family)
    if description is None:
        return None
    if family in WHOLE_INSTANCE_GROUPS:
        return _find(skus, machine.region, option, description, (WHOLE_INSTANCE_GROUPS[family],), family)
    core = _find(skus, machine.region, option, description, ("CPU", "N1Standard:Core"), family)
    ram = _find(skus, machine.region, option, description, ("RAM", "N1Standard:Ram"), family)
    if core is None or ram is None:
        return None
    price = core * machine.vcpus + ram * machine.memory_gib
    for source_name, count in machine.gpus:
        per_gpu = _gpu_price(skus, machine.region, option, gpu_name(source_name))
        if per_gpu is None:
            return None
        price += per_gpu * count
    return price


def _find(skus: list[Sku], region: str, option: str, description: str, groups: tuple[str, ...], family: str) -> float | None:
    """The matching SKU's price; a regional SKU beats a multi-regional one."""
    wanted = description.lower()
    best: tuple[int, float] | None = None
    for sku in skus:
        if sku.option != option or not sku.covers(region) or not _in_group(sku, groups):
            continue
        text = sku.description.lower()
        if wanted not in text or (family == "m1" and "m3" in text):
            continue
        rank = len(sku.regions)
        if best is None or rank < best[0]:
            best = (rank, sku.usd_per_unit)
    return None if best is None else best[1]


def _in_group(sku: Sku, groups: tuple[str, ...]) -> bool:
    for group in groups:
        name, _, word = group.partition(":")
        if sku.resource_group == name and (not word or word.lower() in sku.description.lower()):
            return True
    return False


def _gpu_price(skus: list[Sku], region: str, option: str, name: str) -> float | None:
    words = GPU_DESCRIPTION.get(name, f"{name} GPU").lower()
    for sku in skus:
        if sku.resource_group == "GPU" and sku.option == option and sku.covers(region):
            if words in sku.description.lower():
                return sku.usd_per_unit
    return None

