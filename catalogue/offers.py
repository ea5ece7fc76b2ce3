"""The quote read path: only the price rows that can satisfy a profile, cheapest first.

Two steps, both pushed into SQL with the schema's indexes:

1. instance types that fit one replica (`instance_types` is small);
2. their prices, in pages ordered by price. For a few types (GPU profiles)
   the database finds their rows through `ix_prices_instance` and sorts just
   those; for many types (CPU profiles) the pages walk `ix_prices_order`,
   which covers every filter column, so rows are read only for matches and
   the caller can stop after the first page.

The caller (`orchestrator.quote`) stops asking for pages once no cheaper
candidate can come. Plain SQL through `fastdb.Reader`: SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from mlx_deploy.catalogue.fastdb import Reader, as_datetime, in_list
from mlx_deploy.orchestrator.candidates import Offer

FIRST_PAGE = 250
MAX_PAGE = 50_000
# Below this share of all instance types, collecting the types' rows and
# sorting them beats walking every price in price order.
SELECTIVE_SHARE = 0.05

TYPE_COLUMNS = "provider, name, vcpus, memory_gib, arch, gpu_model, gpu_count, gpu_memory_gib, accelerator"


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


def _region_sql(req, column: str, params: dict) -> str | None:  # noqa: ANN001
    if req.region_globs is None:
        return None
    parts = []
    for i, glob in enumerate(req.region_globs):
        params[f"glob{i}"] = glob_to_like(glob)
        parts.append(f"lower({column}) LIKE :glob{i} ESCAPE '\\'")
    return "(" + " OR ".join(parts) + ")"


def _spec_conditions(req, prefix: str, params: dict) -> dict[str, str]:  # noqa: ANN001
    """SQL for each spec constraint that PASSES, keyed by the optimizer's constraint names."""
    from mlx_deploy.orchestrator import optimizer as opt

    t = prefix
    params.update(cpu=req.cpu, memory=req.memory_gib)
    conditions = {opt.VCPUS: f"{t}vcpus >= :cpu", opt.MEMORY: f"{t}memory_gib >= :memory"}
    gpus = f"COALESCE({t}gpu_count, 0.0)"
    if req.gpu_count:
        params["gpus"] = req.gpu_count
        conditions[opt.GPU_COUNT] = f"{gpus} >= :gpus"
        if req.gpu_models is not None:
            names, more = in_list("gm", sorted(req.gpu_models))
            params.update(more)
            conditions[opt.GPU_MODEL] = f"{t}gpu_model IN ({names})"
        if req.gpu_memory_gib is not None:
            params["gpu_memory"] = req.gpu_memory_gib
            conditions[opt.GPU_MEMORY] = f"COALESCE({t}gpu_memory_gib, 0.0) >= :gpu_memory"
    else:
        conditions[opt.NO_GPU] = f"({gpus} <= 0 AND {t}accelerator IS NULL)"
    if req.arch == "x86_64":
        conditions[opt.ARCH] = f"COALESCE({t}arch, 'x86_64') <> 'arm64'"
    elif req.arch == "arm64":
        conditions[opt.ARCH] = f"COALESCE({t}arch, 'x86_64') = 'arm64'"
    return conditions


def fitting_types(reader: Reader, req) -> tuple[list[TypeSpec], int]:  # noqa: ANN001 - optimizer.Requirements
    """Instance types whose spec can hold one replica, and how many types the catalogue has."""
    params: dict = {}
    where = list(_spec_conditions(req, "", params).values())
    if req.providers is not None:
        names, more = in_list("pv", req.providers)
        params.update(more)
        where.append(f"provider IN ({names})")
    if req.instance_types is not None:
        names, more = in_list("in", sorted(req.instance_types))
        params.update(more)
        where.append(f"name IN ({names})")
    sql = f"SELECT {TYPE_COLUMNS} FROM instance_types WHERE " + " AND ".join(where)
    types = [TypeSpec(*row) for row in reader.rows(sql, params)]
    total = reader.rows("SELECT COUNT(*) FROM instance_types")[0][0]
    return types, total


def price_pages(reader: Reader, req, types: list[TypeSpec], total_types: int) -> Iterator[list[Offer]]:  # noqa: ANN001
    """Pages of offers for `types`, cheapest first (ties by row id); stop iterating to stop reading."""
    if not types or not req.purchase_options:
        return
    specs = {(t.provider, t.name): t for t in types}
    ordered_scan = len(types) >= SELECTIVE_SHARE * max(total_types, 1)
    sql, params = _price_sql(reader, req, types, ordered_scan)
    after: tuple[float, int] | None = None
    page = FIRST_PAGE
    while True:
        keyset = "" if after is None else " AND (p.usd_per_hour, p.id) > (:after_usd, :after_id)"
        if after is not None:
            params.update(after_usd=after[0], after_id=after[1])
        order = "p.usd_per_hour, p.id" if ordered_scan else "p.usd_per_hour + 0.0, p.id"
        rows = reader.rows(f"{sql}{keyset} ORDER BY {order} LIMIT {int(page)}", params)
        offers = [_offer(row, specs) for row in rows if (row[1], row[4]) in specs]
        if offers:
            yield offers
        if len(rows) < page:
            return
        after = (rows[-1][6], rows[-1][0])
        page = min(page * 4, MAX_PAGE)


def _price_sql(reader: Reader, req, types: list[TypeSpec], ordered_scan: bool) -> tuple[str, dict]:  # noqa: ANN001
    params: dict = {}
    options, more = in_list("po", req.purchase_options)
    params.update(more)
    providers, more = in_list("pv", sorted({t.provider for t in types}))
    params.update(more)
    # SQLite has no statistics here, so name the index each plan needs; `+ 0.0`
    # keeps other planners off the price index when sorting a few types' rows.
    index = "ix_prices_order" if ordered_scan else "ix_prices_instance"
    hint = f" INDEXED BY {index}" if reader.dialect == "sqlite" else ""
    names, more = in_list("it", sorted({t.name for t in types}))
    params.update(more)
    where = [
        f"p.purchase_option IN ({options})",
        f"p.provider IN ({providers})",
        f"p.instance_type IN ({names})",
        "p.os = 'linux'",
    ]
    region = _region_sql(req, "p.region", params)
    if region:
        where.append(region)
    columns = "p.id, p.provider, p.region, p.zone, p.instance_type, p.purchase_option, p.usd_per_hour, p.observed_at"
    return f"SELECT {columns} FROM prices AS p{hint} WHERE " + " AND ".join(where), params


def _offer(row: tuple, specs: dict) -> Offer:
    spec: TypeSpec = specs[(row[1], row[4])]
    return Offer(
        provider=row[1],
        region=row[2],
        zone=row[3],
        instance_type=row[4],
        purchase_option=row[5],
        usd_per_hour=row[6],
        observed_at=as_datetime(row[7]),
        vcpus=spec.vcpus,
        memory_gib=spec.memory_gib,
        gpu_model=spec.gpu_model,
        gpu_count=spec.gpu_count or 0.0,
        gpu_memory_gib=spec.gpu_memory_gib,
        arch=spec.arch,
        accelerator=spec.accelerator,
    )


def all_offers(reader: Reader) -> list[Offer]:
    """Every Linux price row with its spec (for tests and brute-force checks)."""
    sql = (
        "SELECT p.id, p.provider, p.region, p.zone, p.instance_type, p.purchase_option, p.usd_per_hour, "
        f"p.observed_at, {', '.join('t.' + c.strip() for c in TYPE_COLUMNS.split(','))} "
        "FROM prices AS p JOIN instance_types AS t ON t.provider = p.provider AND t.name = p.instance_type "
        "WHERE p.os = 'linux'"
    )
    offers = []
    for row in reader.rows(sql):
        spec = TypeSpec(*row[8:])
        offers.append(_offer(row[:8], {(spec.provider, spec.name): spec}))
    return offers


def exclusion_counts(reader: Reader, req) -> tuple[int, dict[str, int]]:  # noqa: ANN001
    """(price rows, {constraint: rows it excludes}), as optimizer.exclusion_counts over every price row.

    Each constraint depends either on the instance type (spec, provider) or on
    the place (provider, region, purchase option), so two index-only GROUP BYs
    give every count without reading the price rows themselves.
    """
    from mlx_deploy.orchestrator import optimizer as opt

    sqlite = reader.dialect == "sqlite"
    types = [TypeSpec(*row) for row in reader.rows(f"SELECT {TYPE_COLUMNS} FROM instance_types")]
    specs = {(t.provider, t.name): t for t in types}
    counts: dict[str, int] = {}
    total = 0
    hint = " INDEXED BY ix_prices_instance" if sqlite else ""
    for provider, name, rows in reader.rows(f"SELECT provider, instance_type, COUNT(*) FROM prices{hint} GROUP BY provider, instance_type"):
        total += rows
        spec = specs[(provider, name)]
        probe = Offer(provider, "", None, name, "", 0.0, None, spec.vcpus, spec.memory_gib, spec.gpu_model,
                      spec.gpu_count or 0.0, spec.gpu_memory_gib, spec.arch, spec.accelerator)  # fmt: skip
        failed = opt.spec_failures(req, probe)
        if req.providers is not None and provider not in req.providers:
            failed.append(opt.PROVIDER)
        if req.instance_types is not None and name not in req.instance_types:
            failed.append(opt.INSTANCE_TYPE)
        for constraint in failed:
            counts[constraint] = counts.get(constraint, 0) + rows
    hint = " INDEXED BY ix_prices_quote" if sqlite else ""
    places = f"SELECT purchase_option, provider, region, COUNT(*) FROM prices{hint} GROUP BY purchase_option, provider, region"
    for option, _provider, region, rows in reader.rows(places):
        if not opt.region_matches(region, req.region_globs):
            counts[opt.REGION] = counts.get(opt.REGION, 0) + rows
        if option not in req.purchase_options:
            counts[opt.PURCHASE] = counts.get(opt.PURCHASE, 0) + rows
    return total, counts


@dataclass(frozen=True, slots=True)
class Freshness:
    provider: str
    refreshed_at: datetime | None
    source: str | None
    sample_observed_at: datetime | None  # one price's observed_at: the data's age, not the load's


def freshness(reader: Reader) -> list[Freshness]:
    """The last successful refresh (or snapshot load) per provider, with the age of its prices."""
    sql = (
        "SELECT r.provider, r.finished_at, r.source FROM refresh_runs AS r JOIN "
        "(SELECT provider, MAX(id) AS id FROM refresh_runs WHERE status = 'succeeded' GROUP BY provider) AS latest "
        "ON r.id = latest.id ORDER BY r.provider"
    )
    result = []
    for provider, finished_at, source in reader.rows(sql):
        sample = reader.rows(
            "SELECT observed_at FROM prices WHERE provider = :provider LIMIT 1", {"provider": provider}
        )
        observed = as_datetime(sample[0][0]) if sample else None
        result.append(Freshness(provider, as_datetime(finished_at), source, observed))
    return result
