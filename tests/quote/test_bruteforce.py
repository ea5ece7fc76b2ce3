"""The optimizer (and the catalogue read path feeding it) against a brute-force reference.

The reference is written independently of `optimizer.py`: it checks every
constraint by hand, finds the fewest nodes by trying 1..replicas, and costs
each offer with the published formula. Random catalogues and random profiles
come from hypothesis; numbers are multiples of binary fractions so that
"at least" comparisons are exact.
"""

from __future__ import annotations

import fnmatch
import math
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlx_deploy.catalogue.fastdb import open_reader
from mlx_deploy.catalogue.offers import all_offers
from mlx_deploy.catalogue.offers import exclusion_counts as sql_exclusion_counts
from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow
from mlx_deploy.orchestrator.candidates import HOURS_PER_MONTH, Offer
from mlx_deploy.orchestrator.costs import bundled_model
from mlx_deploy.orchestrator.optimizer import Requirements, exclusion_counts, rank
from mlx_deploy.orchestrator.quote import rank_catalogue

COSTS = bundled_model()
PROVIDERS = ("aws", "azure", "gcp")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "europe-west4", "westeurope", "asia-east1")
GLOBS = ("us-*", "eu*", "*west*", "us-east-1", "europe-west?", "ASIA-*", "*")
GPU_MODELS = ("T4", "L4", "A10G", "A100-40GB", "A100-80GB")
OBSERVED = datetime(2026, 11, 1, tzinfo=timezone.utc)


@st.composite
def catalogues(draw, min_types: int = 1, min_offers: int = 0) -> list[Offer]:
    types = {}
    for index in range(draw(st.integers(min_types, 20))):
        provider = draw(st.sampled_from(PROVIDERS))
        gpus = draw(st.sampled_from((0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 2.0, 4.0, 8.0)))
        model = draw(st.sampled_from(GPU_MODELS)) if gpus else None
        types[(provider, f"type-{index}")] = dict(
            vcpus=float(draw(st.sampled_from((1, 2, 4, 8, 16, 32, 96)))),
            memory_gib=draw(st.integers(1, 1024)) / 2,
            gpu_model=model,
            gpu_count=gpus,
            gpu_memory_gib=draw(st.sampled_from((None, 16.0, 24.0, 40.0, 80.0))) if gpus else None,
            arch=draw(st.sampled_from((None, "x86_64", "x86_64", "arm64"))),
            accelerator=draw(st.sampled_from((None,) * 7 + ("Inferentia2",))) if not gpus else None,
        )
    offers = []
    for (provider, name), spec in types.items():
        for _ in range(draw(st.integers(min_offers, 10))):
            offers.append(
                Offer(
                    provider=provider,
                    region=draw(st.sampled_from(REGIONS)),
                    zone=draw(st.sampled_from((None, "a", "b"))),
                    instance_type=name,
                    purchase_option=draw(st.sampled_from(("on-demand", "spot"))),
                    usd_per_hour=draw(st.integers(1, 400)) / 32,  # coarse: ties happen
                    observed_at=OBSERVED,
                    **spec,
                )
            )
    return offers


def _mostly_none(strategy):
    """None three times in four: broad profiles leave many candidates, so ranking and the early stop matter."""
    return st.sampled_from((True, True, True, False)).flatmap(lambda none: st.none() if none else strategy)


@st.composite
def requirements(draw, broad: bool = False) -> Requirements:
    """Random profiles; `broad` ones fit many offers, so paging and the early stop are exercised."""
    gpu_count = draw(st.sampled_from((0, 0, 0, 1) if broad else (0, 0, 1, 1, 2, 4)))
    spot = draw(st.sampled_from((False, True, True, "only")))
    return Requirements(
        cpu=draw(st.integers(1, 8 if broad else 48)) / 4,
        memory_gib=draw(st.integers(1, 8 if broad else 96)) / 2,
        replicas=draw(st.sampled_from((1, 1, 2, 3, 4, 8))),
        disk_gib=float(draw(st.sampled_from((10, 50, 100)))),
        gpu_count=gpu_count,
        gpu_models=draw(_mostly_none(st.frozensets(st.sampled_from(GPU_MODELS), min_size=1))) if gpu_count else None,
        gpu_memory_gib=draw(_mostly_none(st.sampled_from((16.0, 24.0, 48.0)))) if gpu_count else None,
        arch=draw(st.sampled_from(("any",) if broad else ("x86_64", "arm64", "any", "any"))),
        providers=draw(_mostly_none(st.lists(st.sampled_from(PROVIDERS), min_size=1, unique=True).map(tuple))),
        region_globs=draw(_mostly_none(st.lists(st.sampled_from(GLOBS), min_size=1, max_size=2).map(tuple))),
        on_demand=spot != "only",
        spot=spot is not False,
        max_hourly_usd=draw(_mostly_none(st.integers(1, 200).map(lambda n: n / 4))),
        instance_types=draw(_mostly_none(st.frozensets(st.sampled_from([f"type-{i}" for i in range(20)]), min_size=1))),
    )


def brute_force(req: Requirements, offers: list[Offer]) -> list[tuple]:
    """(all-in $/h, provider, region, type, option, zone, nodes) for every fitting offer, best per key, sorted."""
    best: dict[tuple, tuple] = {}
    for o in offers:
        if req.providers is not None and o.provider not in req.providers:
            continue
        if req.region_globs is not None and not any(
            fnmatch.fnmatchcase(o.region.lower(), g.lower()) for g in req.region_globs
        ):
            continue
        if (o.purchase_option == "spot" and not req.spot) or (o.purchase_option == "on-demand" and not req.on_demand):
            continue
        if req.instance_types is not None and o.instance_type not in req.instance_types:
            continue
        gpus = o.gpu_count or 0.0
        if req.gpu_count == 0 and (gpus > 0 or o.accelerator):
            continue
        if req.gpu_count and req.gpu_models is not None and o.gpu_model not in req.gpu_models:
            continue
        if req.gpu_count and req.gpu_memory_gib is not None and (o.gpu_memory_gib or 0) < req.gpu_memory_gib:
            continue
        arch = o.arch or "x86_64"
        if (req.arch == "x86_64" and arch == "arm64") or (req.arch == "arm64" and arch != "arm64"):
            continue

        def fits(per_node: int) -> bool:
            return (
                per_node * req.cpu <= o.vcpus
                and per_node * req.memory_gib <= o.memory_gib
                and per_node * req.gpu_count <= gpus
            )

        nodes = next((n for n in range(1, req.replicas + 1) if fits(math.ceil(req.replicas / n))), None)
        if nodes is None:
            continue
        node_disk = req.disk_gib * math.ceil(req.replicas / nodes)
        total = 0.0 + nodes * o.usd_per_hour
        total += COSTS.get(o.provider, "control_plane").usd + COSTS.get(o.provider, "load_balancer").usd
        system_pool = COSTS.get(o.provider, "system_pool")  # AKS's one-node system pool; other clouds have none
        total += system_pool.usd if system_pool else 0.0
        total += nodes * node_disk * COSTS.get(o.provider, "disk_gib_month").usd / HOURS_PER_MONTH
        limits = [x for x in (req.max_hourly_usd,) if x]
        if limits and total > min(limits) + 1e-9:
            continue
        row = (total, o.provider, o.region, o.instance_type, o.purchase_option, o.zone or "", nodes)
        key = row[1:5]
        if key not in best or row < best[key]:
            best[key] = row
    return sorted(best.values())


def as_rows(candidates) -> list[tuple]:
    return [
        (c.allin_usd_per_hour, c.provider, c.region, c.instance_type, c.purchase_option, c.zone or "", c.nodes)
        for c in candidates
    ]


def assert_same(got: list[tuple], want: list[tuple]) -> None:
    assert [row[1:] for row in got] == [row[1:] for row in want]
    for g, w in zip(got, want):
        assert math.isclose(g[0], w[0], rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=300, deadline=None)
@given(catalogues(), requirements(), st.none() | st.integers(1, 5))
def test_optimizer_matches_brute_force(offers, req, top):
    want = brute_force(req, offers)
    assert_same(as_rows(rank(req, offers, COSTS, top)), want if top is None else want[:top])


@settings(max_examples=200, deadline=None)
@given(catalogues(6, 2), requirements(broad=True), st.none() | st.integers(1, 5))
def test_optimizer_matches_brute_force_on_broad_profiles(offers, req, top):
    want = brute_force(req, offers)
    assert_same(as_rows(rank(req, offers, COSTS, top)), want if top is None else want[:top])


@settings(max_examples=300, deadline=None)
@given(catalogues(), requirements())
def test_optimizer_ignores_offer_order(offers, req):
    assert as_rows(rank(req, offers, COSTS)) == as_rows(rank(req, list(reversed(offers)), COSTS))


def _batches(offers: list[Offer]) -> list[ProviderRows]:
    batches = {p: ProviderRows(p) for p in PROVIDERS}
    for o in offers:
        batch = batches[o.provider]
        batch.regions.append(RegionRow(o.provider, o.region))
        batch.instance_types.append(
            InstanceTypeRow(
                o.provider, o.instance_type, o.vcpus, o.memory_gib, o.arch, o.gpu_model, o.gpu_count,
                o.gpu_memory_gib, o.accelerator,
            )  # fmt: skip
        )
        batch.prices.append(
            PriceRow(o.provider, o.region, o.instance_type, o.purchase_option, o.usd_per_hour, o.zone, observed_at=OBSERVED)
        )
    for batch in batches.values():
        batch.regions = list(dict.fromkeys(batch.regions))
        batch.instance_types = list({t.name: t for t in batch.instance_types}.values())
    return list(batches.values())


def _check_catalogue_path(url: str, offers: list[Offer], req: Requirements, top: int, ordered: bool) -> None:
    """Tiny pages, so that paging and the early stop are exercised; both scan plans."""
    from mlx_deploy.catalogue import offers as read_path

    saved = read_path.FIRST_PAGE, read_path.MAX_PAGE, read_path.SELECTIVE_SHARE
    read_path.FIRST_PAGE, read_path.MAX_PAGE = 2, 8
    read_path.SELECTIVE_SHARE = 0.0 if ordered else 2.0
    try:
        _check(url, offers, req, top)
    finally:
        read_path.FIRST_PAGE, read_path.MAX_PAGE, read_path.SELECTIVE_SHARE = saved


def _check(url: str, offers: list[Offer], req: Requirements, top: int) -> None:
    from mlx_deploy.catalogue.publish import publish
    from mlx_deploy.catalogue.store import create_catalogue_engine

    engine = create_catalogue_engine(url)
    for batch in _batches(offers):
        publish(engine, batch, "hypothesis")
    reader = open_reader(engine=engine)
    try:
        stored = all_offers(reader)
        # Keys include type names, which a previous example may have reused with another spec.
        assert sorted(as_key(o) for o in stored) == sorted(as_key(o) for o in offers)
        assert_same(as_rows(rank_catalogue(reader, req, COSTS, top).result()), brute_force(req, offers)[:top])
        considered, counts = sql_exclusion_counts(reader, req)
        assert considered == len(offers)
        assert counts == exclusion_counts(req, offers)
    finally:
        reader.close()
        engine.dispose()


def as_key(o: Offer) -> tuple:
    return (o.provider, o.region, o.zone or "", o.instance_type, o.purchase_option, o.usd_per_hour, o.vcpus, o.memory_gib)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(catalogues(6, 2), requirements(broad=True), st.integers(1, 4), st.booleans())
def test_read_path_and_optimizer_match_brute_force_on_sqlite(tmp_path, offers, req, top, ordered):
    from mlx_deploy.catalogue.store import open_catalogue

    url = f"sqlite:///{tmp_path / 'hypo.sqlite'}"
    open_catalogue(url, load_snapshot=False).dispose()
    _check_catalogue_path(url, offers, req, top, ordered)


def test_read_path_matches_brute_force_on_postgres(postgres_url):
    from mlx_deploy.catalogue.store import open_catalogue

    open_catalogue(postgres_url, load_snapshot=False).dispose()

    @settings(max_examples=25, deadline=None)
    @given(catalogues(6, 2), requirements(broad=True), st.integers(1, 4), st.booleans())
    def check(offers, req, top, ordered):
        _check_catalogue_path(postgres_url, offers, req, top, ordered)

    check()
