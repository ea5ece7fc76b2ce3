"""The optimizer: a pure function from requirements, offers and a cost model to ranked candidates.

No database, no printing. A candidate is one homogeneous node pool of one
instance type in one region with one purchase option; replicas are packed as
densely as the node allows (4 one-GPU replicas fit one 4-GPU node or four
1-GPU nodes: every instance type is tried and the cheapest all-in wins).
Ties: all-in price, then provider, region, instance type (then purchase
option and zone, so the order is total).
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from mlx_deploy.orchestrator.candidates import HOURS_PER_MONTH, Candidate, GpuInfo, Offer
from mlx_deploy.orchestrator.costs import CostModel, allin_usd_per_hour, cost_lines

ON_DEMAND = "on-demand"
SPOT = "spot"

# Constraint names, as shown when nothing matches.
PROVIDER, REGION, PURCHASE, VCPUS, MEMORY = "provider", "region", "purchase option", "vCPUs", "memory"
GPU_COUNT, GPU_MODEL, GPU_MEMORY, NO_GPU, ARCH, BUDGET = (
    "GPU count",
    "GPU model",
    "GPU memory",
    "CPU only",
    "architecture",
    "budget",
)
INSTANCE_TYPE = "instance type"


@dataclass(frozen=True, slots=True)
class Requirements:
    """What one replica needs and where it may run; the optimizer's view of a profile."""

    cpu: float
    memory_gib: float
    replicas: int = 1
    disk_gib: float = 50.0
    gpu_count: int = 0
    gpu_models: frozenset[str] | None = None  # None: any GPU model
    gpu_memory_gib: float | None = None
    arch: str = "x86_64"  # x86_64, arm64 or any
    providers: tuple[str, ...] | None = None
    region_globs: tuple[str, ...] | None = None
    instance_types: frozenset[str] | None = None  # pinned by `mlx deploy --instance-type`
    on_demand: bool = True
    spot: bool = False
    max_hourly_usd: float | None = None
    max_monthly_usd: float | None = None

    @classmethod
    def from_profile(cls, profile) -> Requirements:  # noqa: ANN001 - orchestrator.profile.Profile
        res, gpu, place = profile.resources, profile.resources.gpu, profile.placement
        return cls(
            cpu=res.cpu,
            memory_gib=res.memory,
            replicas=profile.replicas,
            disk_gib=res.disk,
            gpu_count=gpu.count if gpu else 0,
            gpu_models=frozenset(gpu.model) if gpu and gpu.model else None,
            gpu_memory_gib=gpu.memory if gpu else None,
            arch=res.arch,
            providers=tuple(place.providers) if place.providers else None,
            region_globs=tuple(place.regions) if place.regions else None,
            on_demand=place.spot != "only",
            spot=place.spot is not False,
            max_hourly_usd=profile.budget.max_hourly_usd,
            max_monthly_usd=profile.budget.max_monthly_usd,
        )

    @property
    def purchase_options(self) -> tuple[str, ...]:
        return tuple(o for o, ok in ((ON_DEMAND, self.on_demand), (SPOT, self.spot)) if ok)

    @property
    def budget_usd_per_hour(self) -> float | None:
        """The tighter of the hourly and monthly budgets, per hour."""
        limits = [self.max_hourly_usd, self.max_monthly_usd and self.max_monthly_usd / HOURS_PER_MONTH]
        limits = [limit for limit in limits if limit]
        return min(limits) if limits else None


def relax(req: Requirements, constraint: str) -> Requirements:
    """The same requirements without one constraint, to find the nearest offers."""
    changes = {
        PROVIDER: {"providers": None},
        REGION: {"region_globs": None},
        INSTANCE_TYPE: {"instance_types": None},
        PURCHASE: {"on_demand": True, "spot": True},
        VCPUS: {"cpu": 0.0},
        MEMORY: {"memory_gib": 0.0},
        # Too few GPUs: look at machines with fewer of the same GPUs, not at CPU-only ones.
        GPU_COUNT: {"gpu_count": 1 if req.gpu_count > 1 else 0},
        GPU_MODEL: {"gpu_models": None},
        GPU_MEMORY: {"gpu_memory_gib": None},
        NO_GPU: {},
        ARCH: {"arch": "any"},
        BUDGET: {"max_hourly_usd": None, "max_monthly_usd": None},
    }[constraint]
    return replace(req, **changes)


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lower())
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def region_matches(region: str, globs: Iterable[str] | None) -> bool:
    """Shell-style `*` and `?` only, case-insensitive, like the SQL LIKE the read path uses."""
    return globs is None or any(_glob_regex(g).match(region.lower()) for g in globs)


def spec_failures(req: Requirements, offer: Offer) -> list[str]:
    """The constraints one offer's instance type fails for a single replica (empty: it fits)."""
    failed = []
    if offer.vcpus < req.cpu:
        failed.append(VCPUS)
    if offer.memory_gib < req.memory_gib:
        failed.append(MEMORY)
    gpus = offer.gpu_count or 0.0
    if req.gpu_count == 0:
        if gpus > 0 or offer.accelerator:
            failed.append(NO_GPU)
    else:
        if gpus < req.gpu_count:
            failed.append(GPU_COUNT)
        if req.gpu_models is not None and offer.gpu_model not in req.gpu_models:
            failed.append(GPU_MODEL)
        if req.gpu_memory_gib is not None and (offer.gpu_memory_gib or 0.0) < req.gpu_memory_gib:
            failed.append(GPU_MEMORY)
    arch = offer.arch or "x86_64"
    if (req.arch == "x86_64" and arch == "arm64") or (req.arch == "arm64" and arch != "arm64"):
        failed.append(ARCH)
    return failed


def failures(req: Requirements, offer: Offer) -> list[str]:
    """Every constraint (except the budget) that excludes this offer."""
    failed = []
    if req.providers is not None and offer.provider not in req.providers:
        failed.append(PROVIDER)
    if not region_matches(offer.region, req.region_globs):
        failed.append(REGION)
    if offer.purchase_option not in req.purchase_options:
        failed.append(PURCHASE)
    if req.instance_types is not None and offer.instance_type not in req.instance_types:
        failed.append(INSTANCE_TYPE)
    return failed + spec_failures(req, offer)


def replicas_per_node(req: Requirements, vcpus: float, memory_gib: float, gpu_count: float) -> int:
    """How many replicas one node holds (at most `req.replicas`); 0 when not even one fits."""
    fits = [req.replicas]
    if req.cpu > 0:
        fits.append(math.floor(vcpus / req.cpu))
    if req.memory_gib > 0:
        fits.append(math.floor(memory_gib / req.memory_gib))
    if req.gpu_count > 0:
        fits.append(math.floor((gpu_count or 0.0) / req.gpu_count))
    return max(min(fits), 0)


def nodes_needed(req: Requirements, per_node: int) -> int:
    return math.ceil(req.replicas / per_node)


def candidate(req: Requirements, offer: Offer, costs: CostModel, per_node: int | None = None) -> Candidate | None:
    """The all-in candidate for one offer, or None if a replica does not fit its node."""
    per_node = per_node if per_node is not None else replicas_per_node(req, offer.vcpus, offer.memory_gib, offer.gpu_count)
    if per_node <= 0:
        return None
    nodes = nodes_needed(req, per_node)
    # Spread evenly: each node holds at most ceil(replicas / nodes) replicas and sizes its disk for them.
    on_node = math.ceil(req.replicas / nodes)
    node_disk = req.disk_gib * on_node
    lines = cost_lines(offer.provider, offer.instance_type, nodes, offer.usd_per_hour, node_disk, costs)
    gpu = GpuInfo(offer.gpu_model, offer.gpu_count, offer.gpu_memory_gib) if offer.gpu_count else None
    return Candidate(
        provider=offer.provider,
        region=offer.region,
        zone=offer.zone,
        instance_type=offer.instance_type,
        purchase_option=offer.purchase_option,
        nodes=nodes,
        replicas_per_node=on_node,
        vcpus=offer.vcpus,
        memory_gib=offer.memory_gib,
        gpu=gpu,
        node_disk_gib=node_disk,
        instance_usd_per_hour=offer.usd_per_hour,
        instances_usd_per_hour=nodes * offer.usd_per_hour,
        allin_usd_per_hour=sum(line.usd_per_hour for line in lines),
        cost_lines=lines,
        price_observed_at=offer.observed_at,
        arch=offer.arch,
        accelerator=offer.accelerator,
    )


def within_budget(req: Requirements, cand: Candidate) -> bool:
    limit = req.budget_usd_per_hour
    return limit is None or cand.allin_usd_per_hour <= limit + 1e-9


class Ranking:
    """Incremental ranking: feed offers in any order, read the best `top` at any time.

    Keeps the cheapest offer per (provider, region, instance type, purchase
    option) so one type does not fill the table zone by zone. Offers that
    cannot reach the top are dropped before a Candidate is built for them.
    """

    def __init__(self, req: Requirements, costs: CostModel, top: int | None = None) -> None:
        self.req, self.costs, self.top = req, costs, top
        self.best: dict[tuple, Candidate] = {}
        self.over_budget = 0
        self._budget = req.budget_usd_per_hour
        self._kth: float | None = None  # refreshed per batch; a stale value only prunes less

    def add(self, offer: Offer) -> None:
        req = self.req
        if failures(req, offer):
            return
        per_node = replicas_per_node(req, offer.vcpus, offer.memory_gib, offer.gpu_count)
        if per_node <= 0:
            return
        nodes = nodes_needed(req, per_node)
        node_disk = req.disk_gib * math.ceil(req.replicas / nodes)
        cost = allin_usd_per_hour(offer.provider, nodes, offer.usd_per_hour, node_disk, self.costs)
        if self._budget is not None and cost > self._budget + 1e-9:
            self.over_budget += 1
            return
        if self._kth is not None and cost > self._kth:
            return
        key = (offer.provider, offer.region, offer.instance_type, offer.purchase_option)
        current = self.best.get(key)
        if current is not None and (cost, offer.zone or "") >= (current.allin_usd_per_hour, current.zone or ""):
            return
        self.best[key] = candidate(req, offer, self.costs, per_node)

    def add_all(self, offers: Iterable[Offer]) -> Ranking:
        self._kth = self.kth_cost()
        for offer in offers:
            self.add(offer)
        return self

    def kth_cost(self) -> float | None:
        """All-in $/h of the `top`-th best so far; None while fewer are known."""
        if self.top is None or len(self.best) < self.top:
            return None
        return heapq.nsmallest(self.top, (c.allin_usd_per_hour for c in self.best.values()))[-1]

    def result(self) -> list[Candidate]:
        ranked = sorted(self.best.values(), key=Candidate.sort_key)
        return ranked if self.top is None else ranked[: self.top]


def rank(req: Requirements, offers: Iterable[Offer], costs: CostModel, top: int | None = None) -> list[Candidate]:
    """Candidates for every offer that fits, cheapest all-in first."""
    return Ranking(req, costs, top).add_all(offers).result()


def exclusion_counts(req: Requirements, offers: Iterable[Offer]) -> dict[str, int]:
    """How many offers each constraint excludes (an offer may count for several)."""
    counts: dict[str, int] = {}
    for offer in offers:
        for constraint in failures(req, offer):
            counts[constraint] = counts.get(constraint, 0) + 1
    return counts


def lacks(req: Requirements, cand: Candidate) -> list[str]:
    """What a near miss lacks, in words, e.g. `needs 24 GiB GPU memory, has 16 GiB`."""
    found = [describe_lack(req, cand, c) for c in failures(req, cand.offer())]
    if not within_budget(req, cand):
        found.append(describe_lack(req, cand, BUDGET))
    return found


def describe_lack(req: Requirements, cand: Candidate, constraint: str) -> str:
    o = cand  # short: the lines below read like the messages they build
    gpu_count = o.gpu.count if o.gpu else 0
    gpu_model = o.gpu.model if o.gpu else None
    gpu_memory = o.gpu.memory_gib if o.gpu else None
    texts = {
        PROVIDER: lambda: f"is on {o.provider}, not {', '.join(req.providers or ())}",
        REGION: lambda: f"is in {o.region}, not {', '.join(req.region_globs or ())}",
        INSTANCE_TYPE: lambda: f"is {o.instance_type}, not {', '.join(sorted(req.instance_types or ()))}",
        PURCHASE: lambda: f"price is {o.purchase_option}; the profile allows {' or '.join(req.purchase_options)}",
        VCPUS: lambda: f"needs {_num(req.cpu)} vCPUs, has {_num(o.vcpus)}",
        MEMORY: lambda: f"needs {_num(req.memory_gib)} GiB memory, has {_num(o.memory_gib)} GiB",
        GPU_COUNT: lambda: f"needs {req.gpu_count} GPU(s), has {_num(gpu_count)}",
        GPU_MODEL: lambda: f"needs {'/'.join(sorted(req.gpu_models or ()))}, has {gpu_model or 'no GPU'}",
        GPU_MEMORY: lambda: f"needs {_num(req.gpu_memory_gib or 0)} GiB GPU memory, has {_num(gpu_memory or 0)} GiB",
        NO_GPU: lambda: "has accelerators the CPU-only profile does not need",
        ARCH: lambda: f"needs {req.arch}, is {o.arch or 'x86_64'}",
        BUDGET: lambda: f"costs ${o.allin_usd_per_hour:,.2f}/h all-in, budget ${req.budget_usd_per_hour or 0:,.2f}/h",
    }
    return texts[constraint]()


def _num(value: float) -> str:
    return f"{value:g}"
