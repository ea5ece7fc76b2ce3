"""The plain data a quote works with: offers in, ranked candidates out.

Kept free of SQLAlchemy and pydantic so the optimizer stays a pure function and
the deploy engine can read candidates without the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

HOURS_PER_MONTH = 730.0


@dataclass(frozen=True, slots=True)
class Offer:
    """One price row joined with its instance type's specification."""

    provider: str
    region: str
    zone: str | None
    instance_type: str
    purchase_option: str
    usd_per_hour: float
    observed_at: datetime | None
    vcpus: float
    memory_gib: float
    gpu_model: str | None = None
    gpu_count: float = 0.0
    gpu_memory_gib: float | None = None
    arch: str | None = None
    accelerator: str | None = None


@dataclass(frozen=True, slots=True)
class GpuInfo:
    model: str | None
    count: float
    memory_gib: float | None  # per GPU


@dataclass(frozen=True, slots=True)
class CostLine:
    """One line of an all-in cost: what it is, how it is computed, and its source."""

    item: str  # instances, control_plane, load_balancer, system_pool, disk
    description: str
    usd_per_hour: float
    source: str

    @property
    def usd_per_month(self) -> float:
        return self.usd_per_hour * HOURS_PER_MONTH


@dataclass(frozen=True, slots=True)
class Candidate:
    """Where the model could run: a homogeneous node pool in one region, costed all-in."""

    provider: str
    region: str
    zone: str | None
    instance_type: str
    purchase_option: str  # "on-demand" or "spot"
    nodes: int
    replicas_per_node: int
    vcpus: float  # per node
    memory_gib: float  # per node
    gpu: GpuInfo | None  # per node; None for CPU-only types
    node_disk_gib: float
    instance_usd_per_hour: float  # one node, the catalogue's price
    instances_usd_per_hour: float  # nodes x instance price
    allin_usd_per_hour: float
    cost_lines: tuple[CostLine, ...]
    price_observed_at: datetime | None
    arch: str | None = None  # None: x86_64
    accelerator: str | None = None  # a non-GPU accelerator (Inferentia, ...), if any

    def offer(self) -> Offer:
        """The catalogue offer this candidate was costed from."""
        gpu = self.gpu or GpuInfo(None, 0.0, None)
        return Offer(
            self.provider, self.region, self.zone, self.instance_type, self.purchase_option,
            self.instance_usd_per_hour, self.price_observed_at, self.vcpus, self.memory_gib,
            gpu.model, gpu.count, gpu.memory_gib, self.arch, self.accelerator,
        )  # fmt: skip

    @property
    def allin_usd_per_month(self) -> float:
        return self.allin_usd_per_hour * HOURS_PER_MONTH

    @property
    def instances_usd_per_month(self) -> float:
        return self.instances_usd_per_hour * HOURS_PER_MONTH

    def sort_key(self) -> tuple:
        """Cheapest all-in first; ties by provider, region, instance type (then the rest, for determinism)."""
        return (
            self.allin_usd_per_hour,
            self.provider,
            self.region,
            self.instance_type,
            self.purchase_option,
            self.zone or "",
        )
