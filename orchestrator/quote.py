"""Quotes as a library: a profile and a catalogue in, ranked all-in candidates out.

This is what `mlx quote` renders and what `mlx deploy` calls to pick where to
run. Flow: catalogue read path (`catalogue.offers`) -> `optimizer.rank` ->
`costs` lines -> `QuoteResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from mlx_deploy.orchestrator.candidates import HOURS_PER_MONTH, Candidate, CostLine, GpuInfo, Offer

DEFAULT_TOP = 10

__all__ = [
    "HOURS_PER_MONTH",
    "Candidate",
    "CatalogueInfo",
    "CostLine",
    "GpuInfo",
    "NearMiss",
    "NoMatch",
    "Offer",
    "ProviderFreshness",
    "QuoteResult",
    "quote",
    "rank_catalogue",
]


@dataclass(frozen=True, slots=True)
class ProviderFreshness:
    provider: str
    refreshed_at: datetime | None  # last successful refresh or snapshot load
    source: str | None
    stale: bool  # refreshed, or priced, longer ago than MLX_STALE_AFTER (7 days); or never refreshed
    prices_observed_at: datetime | None = None  # when the source observed its prices


@dataclass(frozen=True, slots=True)
class CatalogueInfo:
    url: str  # password hidden
    providers: tuple[ProviderFreshness, ...]

    @property
    def stale(self) -> tuple[str, ...]:
        return tuple(p.provider for p in self.providers if p.stale and p.refreshed_at is not None)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(p.provider for p in self.providers if p.refreshed_at is None)


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A cheap offer that fails the profile, and what it lacks."""

    candidate: Candidate
    lacks: tuple[str, ...]  # e.g. ("needs 24 GiB GPU memory, has 16 GiB",)


@dataclass(frozen=True, slots=True)
class NoMatch:
    """Why nothing matched: the constraint that excluded most, and the nearest offers."""

    considered: int  # offers looked at
    excluded_by: tuple[tuple[str, int], ...]  # (constraint, offers it excludes), most first
    nearest: tuple[NearMiss, ...]

    @property
    def main_reason(self) -> str | None:
        return self.excluded_by[0][0] if self.excluded_by else None


@dataclass(slots=True)
class QuoteResult:
    profile: object  # orchestrator.profile.Profile
    candidates: list[Candidate]
    catalogue: CatalogueInfo
    no_match: NoMatch | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def quote(
    profile,  # noqa: ANN001 - orchestrator.profile.Profile
    *,
    engine=None,  # noqa: ANN001 - a SQLAlchemy Engine on the catalogue; default: catalogue_url
    catalogue_url: str | None = None,
    top: int | None = DEFAULT_TOP,
    cost_model=None,  # noqa: ANN001 - costs.CostModel; default: the catalogue's
    now: datetime | None = None,
    regions: list[str] | None = None,
    instance_types: list[str] | None = None,
) -> QuoteResult:
    """Rank where `profile` runs cheapest all-in; `top=None` returns every candidate.

    `regions` (exact names or globs) replaces the profile's region filter and
    `instance_types` pins types: both go into the SQL, so a pinned deploy does
    not rank the whole catalogue.
    """
    from mlx_deploy.catalogue.fastdb import open_reader
    from mlx_deploy.orchestrator.costs import load_cost_model
    from mlx_deploy.orchestrator.optimizer import Requirements

    reader = open_reader(catalogue_url, engine=engine)
    try:
        costs = cost_model if cost_model is not None else load_cost_model(reader)
        req = Requirements.from_profile(profile)
        if regions is not None:
            req = replace(req, region_globs=tuple(regions))
        if instance_types is not None:
            req = replace(req, instance_types=frozenset(instance_types))
        ranking = rank_catalogue(reader, req, costs, top)
        candidates = ranking.result()
        url = str(engine.url) if engine is not None else catalogue_url
        result = QuoteResult(profile, candidates, _catalogue_info(reader, url, now))
        if not candidates:
            result.no_match = explain(reader, req, costs, ranking)
    finally:
        reader.close()
    missing_costs = sorted({c.provider for c in candidates} - costs.providers())
    if missing_costs:
        result.warnings.append(f"no cost model for {', '.join(missing_costs)}: all-in is the instance price only")
    return result


def rank_catalogue(reader, req, costs, top: int | None):  # noqa: ANN001
    """The optimizer over the catalogue's fitting offers, reading pages only while they can matter."""
    from mlx_deploy.catalogue.offers import fitting_types, price_pages
    from mlx_deploy.orchestrator.optimizer import Ranking, nodes_needed, replicas_per_node

    ranking = Ranking(req, costs, top)
    types, total = fitting_types(reader, req)
    # Types grouped by the nodes they need: within a group, cost grows with the
    # price, so each group's price-ordered scan can stop on its own floor.
    groups: dict[int, list] = {}
    for spec in types:
        fit = replicas_per_node(req, spec.vcpus, spec.memory_gib, spec.gpu_count or 0.0)
        if fit > 0:
            groups.setdefault(nodes_needed(req, fit), []).append(spec)
    budget = req.budget_usd_per_hour
    for nodes in sorted(groups):
        group = groups[nodes]
        fixed = min(costs.fixed_usd_per_hour(p) for p in {t.provider for t in group})
        for page in price_pages(reader, req, group, total):
            ranking.add_all(page)
            # Pages come cheapest first: nothing unseen in this group costs less than this floor.
            floor = nodes * page[-1].usd_per_hour + fixed - 1e-9
            kth = ranking.kth_cost()
            if (kth is not None and floor > kth) or (budget is not None and floor > budget):
                break
    return ranking


def explain(reader, req, costs, ranking=None) -> NoMatch:  # noqa: ANN001
    """Which constraint excluded the most offers, and the nearest candidates with what they lack."""
    from mlx_deploy.catalogue.offers import exclusion_counts
    from mlx_deploy.orchestrator import optimizer as opt

    considered, counts = exclusion_counts(reader, req)
    order = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if ranking is not None and ranking.over_budget:
        # Offers met every other constraint: the budget alone decided.
        order.insert(0, (opt.BUDGET, ranking.over_budget))
    relaxed, nearest = req, []
    for constraint, _count in order:
        relaxed = opt.relax(relaxed, constraint)
        found = rank_catalogue(reader, relaxed, costs, 3).result()
        if found:
            nearest = [NearMiss(c, tuple(opt.lacks(req, c))) for c in found]
            break
    return NoMatch(considered, tuple(order), tuple(nearest))


def _catalogue_info(reader, url: str | None, now: datetime | None) -> CatalogueInfo:  # noqa: ANN001
    from mlx_deploy.catalogue.freshness import stale_after as stale_threshold
    from mlx_deploy.catalogue.offers import freshness
    from mlx_deploy.providers.base import provider_names

    now = now or datetime.now(timezone.utc)
    stale_after = stale_threshold()
    known = {f.provider: f for f in freshness(reader)}
    providers = []
    for name in sorted(set(provider_names()) | set(known)):
        fresh = known.get(name)
        if fresh is None:
            providers.append(ProviderFreshness(name, None, None, True))
            continue
        moments = [m for m in (fresh.refreshed_at, fresh.sample_observed_at) if m is not None]
        stale = any(now - moment > stale_after for moment in moments)
        providers.append(ProviderFreshness(name, fresh.refreshed_at, fresh.source, stale, fresh.sample_observed_at))
    return CatalogueInfo(_describe(url), tuple(providers))


def _describe(url: str | None) -> str:
    """The catalogue URL with any password hidden, without importing SQLAlchemy."""
    import os
    import re

    from mlx_deploy.orchestrator import paths

    url = url or os.environ.get("MLX_CATALOGUE_URL") or f"sqlite:///{paths.catalogue_file()}"
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1***@", url)
