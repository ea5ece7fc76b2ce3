"""Plain rows: what scrapers and snapshot/import readers produce and publish consumes.

Kept free of SQLAlchemy so that parsers stay pure and cheap to test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class RegionRow:
    provider: str
    code: str
    display_name: str | None = None
    continent: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class InstanceTypeRow:
    provider: str
    name: str
    vcpus: float
    memory_gib: float
    arch: str | None = None
    gpu_model: str | None = None
    gpu_count: float = 0.0
    gpu_memory_gib: float | None = None
    accelerator: str | None = None
    local_disk_gib: float | None = None


class PriceRow(NamedTuple):
    """A NamedTuple, not a dataclass: 10^5 of them are built per load or refresh,
    and a tuple is several times cheaper to construct than a frozen dataclass."""

    provider: str
    region: str
    instance_type: str
    purchase_option: str  # models.ON_DEMAND or models.SPOT
    usd_per_hour: float
    zone: str | None = None
    os: str = "linux"
    observed_at: datetime | None = None  # None: the publish time


@dataclass(slots=True)
class ProviderRows:
    """Everything one provider's refresh (or a snapshot, or an import) publishes."""

    provider: str
    regions: list[RegionRow] = field(default_factory=list)
    instance_types: list[InstanceTypeRow] = field(default_factory=list)
    prices: list[PriceRow] = field(default_factory=list)
