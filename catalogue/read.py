"""Read path for `mlx catalogue search` and `status`: prices joined with specs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from mlx_deploy.catalogue.models import (
    ON_DEMAND,
    SPOT,
    InstanceType,
    Price,
    RefreshRun,
    Region,
)
from mlx_deploy.catalogue.offers import glob_to_like
from mlx_deploy.orchestrator.candidates import Offer
from sqlalchemy import Engine, and_, func, or_, select


@dataclass(frozen=True)
class SearchFilters:
    providers: tuple[str, ...] = ()
    region_globs: tuple[str, ...] = ()
    gpu_models: frozenset[str] = frozenset()
    min_vcpus: float = 0
    min_memory_gib: float = 0
    min_gpu_count: float = 0
    min_gpu_memory_gib: float = 0
    spot: bool = False  # True: spot prices only; False: on-demand only
    limit: int | None = 50


OFFER_COLUMNS = (
    Price.provider,
    Price.region,
    Price.zone,
    Price.instance_type,
    Price.purchase_option,
    Price.usd_per_hour,
    Price.observed_at,
    InstanceType.vcpus,
    InstanceType.memory_gib,
    InstanceType.gpu_model,
    InstanceType.gpu_count,
    InstanceType.gpu_memory_gib,
    InstanceType.arch,
    InstanceType.accelerator,
)  # in the field order of orchestrator.candidates.Offer


def offers_query(filters: SearchFilters):
    join = and_(InstanceType.provider == Price.provider, InstanceType.name == Price.instance_type)
    query = select(*OFFER_COLUMNS).join(InstanceType, join)
    query = query.where(Price.purchase_option == (SPOT if filters.spot else ON_DEMAND))
    if filters.providers:
        query = query.where(Price.provider.in_(filters.providers))
    if filters.region_globs:
        region = func.lower(Price.region)
        query = query.where(or_(*(region.like(glob_to_like(g), escape="\\") for g in filters.region_globs)))
    if filters.gpu_models:
        query = query.where(InstanceType.gpu_model.in_(sorted(filters.gpu_models)))
    if filters.min_vcpus:
        query = query.where(InstanceType.vcpus >= filters.min_vcpus)
    if filters.min_memory_gib:
        query = query.where(InstanceType.memory_gib >= filters.min_memory_gib)
    if filters.min_gpu_count:
        query = query.where(InstanceType.gpu_count >= filters.min_gpu_count)
    if filters.min_gpu_memory_gib:
        query = query.where(InstanceType.gpu_memory_gib >= filters.min_gpu_memory_gib)
    query = query.order_by(Price.usd_per_hour, Price.provider, Price.region, Price.instance_type, Price.zone)
    return query.limit(filters.limit) if filters.limit else query


def search(engine: Engine, filters: SearchFilters) -> list[Offer]:
    with engine.connect() as conn:
        return [Offer(*row) for row in conn.execute(offers_query(filters))]


@dataclass
class ProviderStatus:
    provider: str
    instance_types: int = 0
    regions: int = 0
    prices: int = 0
    spot_prices: int = 0
    newest_price: datetime | None = None  # newest observed_at: how old the data itself is
    last_refresh: datetime | None = None
    last_source: str | None = None
    last_failure: datetime | None = None
    last_error: str | None = None


def provider_status(engine: Engine, providers: Iterable[str]) -> list[ProviderStatus]:
    """Counts and the last successful (and failed) refresh per provider."""
    result = {name: ProviderStatus(name) for name in providers}
    with engine.connect() as conn:
        for provider, count in conn.execute(select(InstanceType.provider, func.count()).group_by(InstanceType.provider)):
            _status(result, provider).instance_types = count
        for provider, count in conn.execute(select(Region.provider, func.count()).group_by(Region.provider)):
            _status(result, provider).regions = count
        price_counts = select(Price.provider, Price.purchase_option, func.count()).group_by(
            Price.provider, Price.purchase_option
        )
        for provider, option, count in conn.execute(price_counts):
            status = _status(result, provider)
            status.prices += count
            status.spot_prices += count if option == SPOT else 0
        newest = select(Price.provider, func.max(Price.observed_at)).group_by(Price.provider)
        for provider, moment in conn.execute(newest):
            _status(result, provider).newest_price = moment
        for run in _latest_runs(conn, "succeeded"):
            status = _status(result, run.provider)
            status.last_refresh, status.last_source = run.finished_at, run.source
        for run in _latest_runs(conn, "failed"):
            status = _status(result, run.provider)
            if status.last_refresh is None or run.finished_at > status.last_refresh:
                status.last_failure, status.last_error = run.finished_at, run.error
    return list(result.values())


def _status(result: dict[str, ProviderStatus], provider: str) -> ProviderStatus:
    return result.setdefault(provider, ProviderStatus(provider))


def _latest_runs(conn, status: str) -> Iterator:  # noqa: ANN001
    latest = (
        select(RefreshRun.provider, func.max(RefreshRun.id).label("id"))
        .where(RefreshRun.status == status)
        .group_by(RefreshRun.provider)
        .subquery()
    )
    yield from conn.execute(select(RefreshRun).join(latest, RefreshRun.id == latest.c.id))
