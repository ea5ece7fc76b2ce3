"""The optimizer's rules on hand-made offers: packing, "at least", filters, ties, all-in lines."""

from __future__ import annotations

import math

import pytest

from mlx_deploy.orchestrator.candidates import HOURS_PER_MONTH, Offer
from mlx_deploy.orchestrator.costs import bundled_model
from mlx_deploy.orchestrator.optimizer import Requirements, lacks, rank, relax

COSTS = bundled_model()


def offer(name="t", price=1.0, vcpus=4.0, memory=16.0, gpus=0.0, model=None, gpu_memory=None, **kw) -> Offer:
    base = dict(provider="aws", region="us-east-1", zone=None, purchase_option="on-demand", observed_at=None)
    base.update(kw)
    return Offer(
        instance_type=name, usd_per_hour=price, vcpus=vcpus, memory_gib=memory, gpu_count=gpus, gpu_model=model,
        gpu_memory_gib=gpu_memory, **base,
    )  # fmt: skip


def test_at_least_means_equal_fits_and_one_less_does_not():
    req = Requirements(cpu=4, memory_gib=16)
    assert [c.instance_type for c in rank(req, [offer("exact"), offer("small", memory=15.5, price=0.1)], COSTS)] == [
        "exact"
    ]


def test_packing_prefers_one_big_node_when_cheaper_all_in():
    req = Requirements(cpu=4, memory_gib=16, replicas=4, gpu_count=1)
    one_gpu = offer("g1", price=1.0, gpus=1, model="A10G", gpu_memory=24)
    four_gpu = offer("g4", price=3.9, vcpus=48, memory=192, gpus=4, model="A10G", gpu_memory=24)
    ranked = rank(req, [one_gpu, four_gpu], COSTS)
    assert [(c.instance_type, c.nodes, c.replicas_per_node) for c in ranked] == [("g4", 1, 4), ("g1", 4, 1)]
    assert ranked[0].instances_usd_per_hour == pytest.approx(3.9)
    assert ranked[1].instances_usd_per_hour == pytest.approx(4.0)


def test_packing_spreads_replicas_evenly_and_sizes_node_disks():
    req = Requirements(cpu=2, memory_gib=4, replicas=5, disk_gib=30)
    (cand,) = rank(req, [offer("m", vcpus=8, memory=32)], COSTS)  # 4 fit per node -> 2 nodes of 3
    assert (cand.nodes, cand.replicas_per_node, cand.node_disk_gib) == (2, 3, 90)


def test_all_in_lines_add_up_with_their_sources():
    req = Requirements(cpu=1, memory_gib=1, replicas=2, disk_gib=50)
    (cand,) = rank(req, [offer("m", price=0.5, vcpus=1, memory=2)], COSTS)
    lines = {line.item: line for line in cand.cost_lines}
    assert set(lines) == {"instances", "control_plane", "load_balancer", "disk"}
    assert lines["instances"].usd_per_hour == pytest.approx(1.0)
    assert lines["control_plane"].usd_per_hour == pytest.approx(0.10)
    assert lines["load_balancer"].usd_per_hour == pytest.approx(0.0225)
    assert lines["disk"].usd_per_hour == pytest.approx(2 * 50 * 0.08 / HOURS_PER_MONTH)
    assert all(line.source for line in cand.cost_lines)
    assert cand.allin_usd_per_hour == pytest.approx(sum(line.usd_per_hour for line in cand.cost_lines))
    assert cand.allin_usd_per_month == pytest.approx(cand.allin_usd_per_hour * 730)


def test_cpu_only_profiles_skip_gpu_and_accelerator_types():
    req = Requirements(cpu=2, memory_gib=4)
    offers = [offer("gpu", price=0.1, gpus=1, model="T4"), offer("inf", price=0.1, accelerator="Inferentia2"), offer("cpu")]
    assert [c.instance_type for c in rank(req, offers, COSTS)] == ["cpu"]


def test_gpu_model_memory_and_count_filters():
    req = Requirements(cpu=1, memory_gib=1, gpu_count=2, gpu_models=frozenset({"L4"}), gpu_memory_gib=24)
    offers = [
        offer("one-l4", gpus=1, model="L4", gpu_memory=24, price=0.1),
        offer("two-t4", gpus=2, model="T4", gpu_memory=16, price=0.1),
        offer("two-l4", gpus=2, model="L4", gpu_memory=24, price=2.0),
        offer("frac", gpus=0.5, model="L4", gpu_memory=24, price=0.01),
    ]
    assert [c.instance_type for c in rank(req, offers, COSTS)] == ["two-l4"]


def test_arch_defaults_to_x86_and_unknown_arch_counts_as_x86():
    offers = [offer("arm", arch="arm64", price=0.1), offer("x86", arch="x86_64", price=0.2), offer("unknown", price=0.3)]
    assert [c.instance_type for c in rank(Requirements(cpu=1, memory_gib=1), offers, COSTS)] == ["x86", "unknown"]
    assert [c.instance_type for c in rank(Requirements(cpu=1, memory_gib=1, arch="arm64"), offers, COSTS)] == ["arm"]


@pytest.mark.parametrize(
    ("on_demand", "spot", "expected"),
    [(True, False, ["od"]), (True, True, ["sp", "od"]), (False, True, ["sp"])],
)
def test_spot_modes(on_demand, spot, expected):
    offers = [offer("od", price=1.0), offer("sp", price=0.3, purchase_option="spot")]
    req = Requirements(cpu=1, memory_gib=1, on_demand=on_demand, spot=spot)
    assert [c.instance_type for c in rank(req, offers, COSTS)] == expected


def test_budget_is_all_in_hourly_or_monthly():
    offers = [offer("cheap", price=0.2), offer("dear", price=1.0)]
    allin_cheap = rank(Requirements(cpu=1, memory_gib=1), offers, COSTS)[0].allin_usd_per_hour
    req = Requirements(cpu=1, memory_gib=1, max_hourly_usd=allin_cheap)
    assert [c.instance_type for c in rank(req, offers, COSTS)] == ["cheap"]
    req = Requirements(cpu=1, memory_gib=1, max_monthly_usd=allin_cheap * 730 - 1)
    assert rank(req, offers, COSTS) == []


def test_ties_break_by_provider_region_then_type_and_zones_collapse():
    offers = [
        offer("b", region="us-east-2", price=0.5),
        offer("a", region="us-east-2", price=0.5),
        offer("a", region="us-east-1", price=0.5, zone="z2"),
        offer("a", region="us-east-1", price=0.5, zone="z1"),
        offer("a", region="us-east-1", price=0.7, zone="z0"),
    ]
    ranked = rank(Requirements(cpu=1, memory_gib=1), offers, COSTS)
    assert [(c.region, c.instance_type, c.zone) for c in ranked] == [
        ("us-east-1", "a", "z1"),
        ("us-east-2", "a", None),
        ("us-east-2", "b", None),
    ]


def test_near_miss_says_what_it_lacks():
    req = Requirements(cpu=4, memory_gib=16, gpu_count=1, gpu_memory_gib=24)
    t4 = offer("g4dn", gpus=1, model="T4", gpu_memory=16)
    assert rank(req, [t4], COSTS) == []
    (near,) = rank(relax(req, "GPU memory"), [t4], COSTS)
    assert lacks(req, near) == ["needs 24 GiB GPU memory, has 16 GiB"]


def test_provider_without_cost_model_costs_instances_only():
    (cand,) = rank(Requirements(cpu=1, memory_gib=1), [offer("x", provider="elsewhere", price=0.3)], COSTS)
    assert [line.item for line in cand.cost_lines] == ["instances"]
    assert math.isclose(cand.allin_usd_per_hour, 0.3)


def test_too_few_gpus_relaxes_to_smaller_machines_with_the_same_gpu():
    req = Requirements(cpu=4, memory_gib=16, gpu_count=16, gpu_models=frozenset({"H100-80GB"}))
    h100x8 = offer("p5.48xlarge", gpus=8, model="H100-80GB", gpu_memory=80)
    cpu_only = offer("m5.xlarge", price=0.01)
    assert rank(req, [h100x8, cpu_only], COSTS) == []
    (near,) = rank(relax(req, "GPU count"), [h100x8, cpu_only], COSTS)
    assert near.instance_type == "p5.48xlarge"
    assert lacks(req, near) == ["needs 16 GPU(s), has 8"]
