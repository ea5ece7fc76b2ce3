"""The quote read path: only the price rows that can satisfy a profile, cheapest first.

Two steps, both pushed into SQL with the schema's indexes:

1. instance types that fit one replica (`instance_types` is small);
2. their prices, in pages ordered by price. When the fitting types are most
   of the catalogue (small CPU profiles) the pages walk `ix_prices_order`, so
   the caller can stop after the first pages; otherwise the database finds
   the types' rows through `ix_prices_instance` and sorts only those.

The caller (`orchestrator.quote`) stops asking for pages once no cheaper
candidate can come. SQLAlchemy Core only, so it runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine, and_, func, literal, or_, select, tuple_

from mlx_deploy.catalogue.models import InstanceType, Price, RefreshRun
from mlx_deploy.orchestrator.candidates import Offer

FIRST_PAGE = 2_000
MAX_PAGE = 50_000
# Above this share of all instance types, walking prices in price order beats
# collecting the types' rows and sorting them.
ORDERED_SCAN_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class TypeSpec:
    provider: str
    name: str
    vcpus: float
    memory_gib: float
    arch: str | None
    gpu_model: str | None
    gpu_count: float
    gpu_memory_gib: float | None
    accelerator: str | None


def glob_to_like(pattern: str) -> str:
    """`eu-*` -> `eu-%`, LIKE's own wildcards escaped; matched lower-case on both databases."""
    escaped = pattern.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


def fitting_types(engine: Engine, req) -> tuple[list[TypeSpec], int]:  # noqa: ANN001 - optimizer.Requirements
    """Instance types whose spec can hold one replica (SQL pre-filter), and how many types exist."""
    it = InstanceType
    query = select(
        it.provider, it.name, it.vcpus, it.memory_gib, it.arch, it.gpu_model, it.gpu_count, it.gpu_memory_gib, it.accelerator
    ).where(it.vcpus >= req.cpu, it.memory_gib >= req.memory_gib)
    if req.providers is not None:
        query = query.where(it.provider.in_(req.providers))
    if req.gpu_count:
        query = query.where(it.gpu_count >= req.gpu_count)
        if req.gpu_models is not None:
            query = query.where(it.gpu_model.in_(sorted(req.gpu_models)))
        if req.gpu_memory_gib is not None:
            query = query.where(func.coalesce(it.gpu_memory_gib, 0.0) >= req.gpu_memory_gib)
    else:
        query = query.where(or_(it.gpu_count.is_(None), it.gpu_count <= 0), it.accelerator.is_(None))
    if req.arch == "x86_64":
        query = query.where(or_(it.arch.is_(None), it.arch != "arm64"))
    elif req.arch == "arm64":
        query = query.where(it.arch == "arm64")
    with engine.connect() as conn:
        types = [TypeSpec(*row) for row in conn.execute(query)]
        total = conn.execute(select(func.count()).select_from(it)).scalar_one()
    return types, total


def price_pages(engine: Engine, req, types: list[TypeSpec], total_types: int) -> Iterator[list[Offer]]:  # noqa: ANN001
    """Pages of offers for `types`, cheapest first (ties by row id); stop iterating to stop reading."""
    if not types or not req.purchase_options:
        return
    specs = {(t.provider, t.name): t for t in types}
    ordered_scan = len(types) >= ORDERED_SCAN_SHARE * max(total_types, 1)
    base = _price_query(req, types, ordered_scan)
    after: tuple[float, int] | None = None
    page = FIRST_PAGE
    while True:
        query = base if after is None else base.where(tuple_(Price.usd_per_hour, Price.id) > tuple_(*after))
        with engine.connect() as conn:
            rows = conn.execute(query.limit(page)).all()
        offers = [_offer(row, specs) for row in rows if (row.provider, row.instance_type) in specs]
        if offers:
            yield offers
        if len(rows) < page:
            return
        after = (rows[-1].usd_per_hour, rows[-1].id)
        page = min(page * 4, MAX_PAGE)


def _price_query(req, types: list[TypeSpec], ordered_scan: bool):  # noqa: ANN001
    p = Price
    query = select(
        p.id, p.provider, p.region, p.zone, p.instance_type, p.purchase_option, p.usd_per_hour, p.observed_at
    ).where(p.purchase_option.in_(req.purchase_options), p.os == "linux")
    providers = sorted({t.provider for t in types})
    query = query.where(p.provider.in_(providers))
    if req.region_globs is not None:
        query = query.where(or_(*(func.lower(p.region).like(glob_to_like(g), escape="\\") for g in req.region_globs)))
    if ordered_scan:
        # Walk the price index; the few unfitting types are dropped in Python.
        return query.with_hint(p, "INDEXED BY ix_prices_order", "sqlite").order_by(p.usd_per_hour, p.id)
    names = sorted({t.name for t in types})
    query = query.where(p.instance_type.in_(names))
    # `+ 0` keeps the planner off the price index: find the types' rows by
    # ix_prices_instance and sort just those.
    return query.order_by(p.usd_per_hour + literal(0.0), p.id)


def _offer(row, specs: dict) -> Offer:  # noqa: ANN001
    spec: TypeSpec = specs[(row.provider, row.instance_type)]
    return Offer(
        provider=row.provider,
        region=row.region,
        zone=row.zone,
        instance_type=row.instance_type,
        purchase_option=row.purchase_option,
        usd_per_hour=row.usd_per_hour,
        observed_at=_utc(row.observed_at),
        vcpus=spec.vcpus,
        memory_gib=spec.memory_gib,
        gpu_model=spec.gpu_model,
        gpu_count=spec.gpu_count or 0.0,
        gpu_memory_gib=spec.gpu_memory_gib,
        arch=spec.arch,
        accelerator=spec.accelerator,
    )


def all_offers(engine: Engine) -> list[Offer]:
    """Every Linux price row with its spec: for explanations on small catalogues and for tests."""
    it, p = InstanceType, Price
    join = and_(it.provider == p.provider, it.name == p.instance_type)
    query = (
        select(
            p.provider, p.region, p.zone, p.instance_type, p.purchase_option, p.usd_per_hour, p.observed_at,
            it.vcpus, it.memory_gib, it.gpu_model, it.gpu_count, it.gpu_memory_gib, it.arch, it.accelerator,
        )  # fmt: skip
        .join(it, join)
        .where(p.os == "linux")
    )
    with engine.connect() as conn:
        return [Offer(*row[:6], _utc(row[6]), *row[7:9], row[9], row[10] or 0.0, *row[11:]) for row in conn.execute(query)]


def exclusion_counts(engine: Engine, req) -> tuple[int, dict[str, int]]:  # noqa: ANN001
    """(Linux price rows, {constraint: rows it excludes}) in one aggregate pass, as optimizer.exclusion_counts."""
    from mlx_deploy.orchestrator import optimizer as opt

    it, p = InstanceType, Price
    gpus = func.coalesce(it.gpu_count, 0.0)
    arch = func.coalesce(it.arch, "x86_64")
    fails: dict[str, object] = {}
    if req.providers is not None:
        fails[opt.PROVIDER] = p.provider.not_in(req.providers)
    if req.region_globs is not None:
        fails[opt.REGION] = ~or_(*(func.lower(p.region).like(glob_to_like(g), escape="\\") for g in req.region_globs))
    fails[opt.PURCHASE] = p.purchase_option.not_in(req.purchase_options or ("-",))
    fails[opt.VCPUS] = it.vcpus < req.cpu
    fails[opt.MEMORY] = it.memory_gib < req.memory_gib
    if req.gpu_count:
        fails[opt.GPU_COUNT] = gpus < req.gpu_count
        if req.gpu_models is not None:
            fails[opt.GPU_MODEL] = or_(it.gpu_model.is_(None), it.gpu_model.not_in(sorted(req.gpu_models)))
        if req.gpu_memory_gib is not None:
            fails[opt.GPU_MEMORY] = func.coalesce(it.gpu_memory_gib, 0.0) < req.gpu_memory_gib
    else:
        fails[opt.NO_GPU] = or_(gpus > 0, it.accelerator.is_not(None))
    if req.arch == "x86_64":
        fails[opt.ARCH] = arch == "arm64"
    elif req.arch == "arm64":
        fails[opt.ARCH] = arch != "arm64"
    from sqlalchemy import case

    columns = [func.count()] + [func.sum(case((cond, 1), else_=0)) for cond in fails.values()]
    query = (
        select(*columns)
        .select_from(p)
        .join(it, and_(it.provider == p.provider, it.name == p.instance_type))
        .where(p.os == "linux")
    )
    with engine.connect() as conn:
        total, *sums = conn.execute(query).one()
    return total, {name: int(count or 0) for name, count in zip(fails, sums) if count}


@dataclass(frozen=True, slots=True)
class Freshness:
    provider: str
    refreshed_at: datetime | None
    source: str | None


def freshness(engine: Engine) -> list[Freshness]:
    """The last successful refresh (or snapshot load) per provider that has one."""
    r = RefreshRun
    latest = (
        select(r.provider, func.max(r.id).label("id")).where(r.status == "succeeded").group_by(r.provider).subquery()
    )
    query = select(r.provider, r.finished_at, r.source).join(latest, r.id == latest.c.id).order_by(r.provider)
    with engine.connect() as conn:
        return [Freshness(row.provider, _utc(row.finished_at), row.source) for row in conn.execute(query)]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)
