"""Quotes as a library: a profile and a catalogue in, ranked all-in candidates out.

This is what `mlx quote` renders and what `mlx deploy` calls to pick where to
run. Flow: catalogue read path (`catalogue.offers`) -> `optimizer.rank` ->
`costs` lines -> `QuoteResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mlx_deploy.orchestrator.candidates import HOURS_PER_MONTH, Candidate, CostLine, GpuInfo, Offer

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
]


@dataclass(frozen=True, slots=True)
class ProviderFreshness:
    provider: str
    refreshed_at: datetime | None  # last successful refresh or snapshot load
    source: str | None
    stale: bool  # older than the stale limit, or never refreshed


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
