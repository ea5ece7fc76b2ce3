"""What the three snapshot source readers share: price parsing, drop accounting, zone collapsing."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from mlx_deploy.catalogue.gpus import GPU_MEMORY_GIB, canonical_gpu
from mlx_deploy.catalogue.models import ON_DEMAND
from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows


@dataclass
class Parsed:
    """One provider's rows plus an account of every source row or price left out, and why."""

    rows: ProviderRows
    dropped: Counter = field(default_factory=Counter)
    flagged: list[dict] = field(default_factory=list)

    def drop(self, reason: str, n: int = 1) -> None:
        self.dropped[reason] += n


def parse_price(text: str | None) -> float | None:
    """A positive finite price, or None for empty, zero, negative or NaN."""
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def price_problem(text: str | None) -> str:
    """Why `parse_price` gave None: for the drop counts in the snapshot metadata."""
    return "empty" if text is None or not text.strip() else "zero, negative or not a number"


def accelerator_fields(name: str, count: float, memory_gib: float | None) -> dict:
    """gpu_model/gpu_count/gpu_memory_gib for a GPU, accelerator for anything else."""
    if not name:
        return {}
    gpu = canonical_gpu(name, memory_gib)
    if gpu is None:
        return {"accelerator": f"{name} x{count:g}"}
    return {"gpu_model": gpu, "gpu_count": count, "gpu_memory_gib": GPU_MEMORY_GIB[gpu]}


def add_type(parsed: Parsed, row: InstanceTypeRow, seen: dict[str, InstanceTypeRow]) -> None:
    """Keep the first spec of each type; count source rows that disagree with it."""
    first = seen.get(row.name)
    if first is None:
        seen[row.name] = row
        parsed.rows.instance_types.append(row)
    elif first != row:
        parsed.drop("instance type spec differs from its first row (first kept)")


def collapse_zones(provider: str, offers: dict[tuple[str, str], dict[str, float]], option: str = ON_DEMAND):
    """One region-level price when every zone of a region has the same price, else one per zone.

    `offers` maps (instance type, region) -> {zone: price}.
    """
    prices: list[PriceRow] = []
    for (name, region), by_zone in offers.items():
        distinct = set(by_zone.values())
        if len(distinct) == 1:
            prices.append(PriceRow(provider, region, name, option, distinct.pop()))
        else:
            prices.extend(PriceRow(provider, region, name, option, usd, zone=zone) for zone, usd in by_zone.items())
    return prices


def new_offers() -> defaultdict[tuple[str, str], dict[str, float]]:
    return defaultdict(dict)
