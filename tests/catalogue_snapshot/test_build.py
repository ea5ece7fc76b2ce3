"""The snapshot builder on small real excerpts, checked against hand-computed numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlx_deploy.catalogue.models import ON_DEMAND, SPOT
from mlx_deploy.catalogue.snapshot import codec
from mlx_deploy.catalogue.snapshot.aws_azure import read_aws, read_azure
from mlx_deploy.catalogue.snapshot.build import build, main
from mlx_deploy.catalogue.snapshot.gcp import attached_gpus, read_gcp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "snapshot"


def prices_of(parsed, instance_type: str, region: str) -> dict[tuple[str, str | None], float]:
    return {
        (p.purchase_option, p.zone): p.usd_per_hour
        for p in parsed.rows.prices
        if p.instance_type == instance_type and p.region == region
    }


def type_of(parsed, name: str):
    (row,) = [t for t in parsed.rows.instance_types if t.name == name]
    return row


@pytest.fixture(scope="module")
def gcp():
    return read_gcp(FIXTURES / "gcp_vms.csv")


@pytest.fixture(scope="module")
def aws():
    return read_aws(FIXTURES / "aws_vms.csv")


@pytest.fixture(scope="module")
def azure():
    return read_azure(FIXTURES / "azure_vms.csv")


def test_gcp_gpu_family_price_is_host_plus_gpus_of_the_same_zone(gcp):
    # host 0.73948 + A100 x1 2.93391; spot 0.36975 + 1.4341, same in zones a and b
    assert prices_of(gcp, "a2-highgpu-1g", "us-central1") == {
        (ON_DEMAND, None): 3.67339,
        (SPOT, "us-central1-a"): 1.80385,
        (SPOT, "us-central1-b"): 1.80385,
    }
    # host 0.14679 + L4 x1 0.56004; spot 0.06168 + 0.2343
    assert prices_of(gcp, "g2-standard-4", "us-central1") == {
        (ON_DEMAND, None): 0.70683,
        (SPOT, "us-central1-a"): 0.29598,
        (SPOT, "us-central1-b"): 0.29598,
    }
    a2 = type_of(gcp, "a2-highgpu-1g")
    assert (a2.gpu_model, a2.gpu_count, a2.gpu_memory_gib) == ("A100-40GB", 1.0, 40)


def test_gcp_gpu_price_far_below_other_regions_is_dropped_and_recorded(gcp):
    # A100 x1 at 1.70586 in asia-northeast1 vs 2.93391 in us-central1: a 1.72x step.
    assert prices_of(gcp, "a2-highgpu-1g", "asia-northeast1") == {(SPOT, "asia-northeast1-a"): 1.87147}  # 0.47407 + 1.3974
    assert gcp.flagged == [
        {
            "gpu": "A100",
            "count": 1,
            "zone": "asia-northeast1-a",
            "region": "asia-northeast1",
            "usd_per_hour": 1.70586,
            "lowest_price_above_gap": 2.93391,
        }
    ]
    assert gcp.dropped["on-demand price of a GPU machine type whose GPU row is missing or flagged"] == 1


def test_gcp_n1_plain_price_shared_core_fix_and_no_tpus(gcp):
    assert prices_of(gcp, "n1-standard-8", "us-central1")[(ON_DEMAND, None)] == 0.38
    assert type_of(gcp, "n1-standard-8").gpu_model is None
    # E2 rates from e2-highcpu-2 (0.04947) and e2-standard-2 (0.06701): 0.0029233/GiB, 0.0218117/vCPU;
    # e2-micro bills 0.25 vCPU + 1 GiB = 0.0083762 (the source charged 2 full vCPUs: 0.04655).
    assert prices_of(gcp, "e2-micro", "us-central1")[(ON_DEMAND, None)] == 0.00838
    assert prices_of(gcp, "e2-micro", "us-central1")[(SPOT, "us-central1-a")] == 0.00419
    assert type_of(gcp, "e2-micro").vcpus == 0.25
    assert not [t for t in gcp.rows.instance_types if t.name.startswith("tpu")]
    assert gcp.dropped["TPU row (TPU VMs are not Compute Engine machine types)"] == 1
    assert {r.code for r in gcp.rows.regions} == {"us-central1", "asia-northeast1"}
    assert [r for r in gcp.rows.regions if r.code == "us-central1"][0].country == "US"


@pytest.mark.parametrize(
    ("machine_type", "expected"),
    [
        ("a2-highgpu-8g", ("A100", 8)),
        ("a2-megagpu-16g", ("A100", 16)),
        ("a2-ultragpu-2g", ("A100-80GB", 2)),
        ("a3-highgpu-4g", ("H100", 4)),
        ("a3-edgegpu-8g-nolssd", ("H100", 8)),
        ("a3-megagpu-8g", ("H100-MEGA", 8)),
        ("a3-ultragpu-8g", ("H200", 8)),
        ("a4-highgpu-8g", ("B200", 8)),
        ("g2-standard-24", ("L4", 2)),
        ("g2-standard-32", ("L4", 1)),
        ("n1-standard-8", None),
        ("c3-highcpu-4", None),
    ],
)
def test_gcp_attached_gpus_from_machine_type(machine_type, expected):
    assert attached_gpus(machine_type) == expected


def test_aws_on_demand_per_region_spot_per_zone_and_gpu_from_gpuinfo_memory(aws):
    assert prices_of(aws, "p4de.24xlarge", "us-east-1") == {
        (ON_DEMAND, None): 27.44705,
        (SPOT, "use1-az4"): 11.4593,
        (SPOT, "use1-az6"): 9.7262,
    }
    p4de = type_of(aws, "p4de.24xlarge")
    assert (p4de.gpu_model, p4de.gpu_count, p4de.gpu_memory_gib, p4de.accelerator) == ("A100-80GB", 8.0, 80, None)
    assert len(prices_of(aws, "m5.large", "us-east-1")) == 4  # one on-demand + three zones of spot


def test_aws_accelerators_fractions_and_arch(aws):
    inf2 = type_of(aws, "inf2.xlarge")
    assert (inf2.gpu_model, inf2.gpu_count, inf2.accelerator) == (None, 0.0, "Inferentia2 x1")
    g6f = type_of(aws, "g6f.large")
    assert (g6f.gpu_model, g6f.gpu_count, g6f.gpu_memory_gib) == ("L4", 0.125, 24)
    assert type_of(aws, "t1.micro").arch == "x86_64"  # source says i386
    assert type_of(aws, "mac-m4.metal").arch == "arm64"
    assert prices_of(aws, "mac-m4.metal", "us-east-1") == {}
    assert aws.dropped["on-demand price empty (capacity-block or special offer only)"] == 1


def test_azure_fractional_gpus_memory_table_and_region_level_prices(azure):
    a10 = type_of(azure, "Standard_NV6ads_A10_v5")
    assert (a10.gpu_model, a10.gpu_count, a10.gpu_memory_gib) == ("A10", 0.167, 24)
    assert prices_of(azure, "Standard_NV6ads_A10_v5", "eastus") == {(ON_DEMAND, None): 0.454, (SPOT, None): 0.083899}
    assert type_of(azure, "Standard_NC40ads_H100_v5").gpu_model == "H100-94GB"
    assert type_of(azure, "Standard_NC24ads_A100_v4").gpu_model == "A100-80GB"
    mi25 = type_of(azure, "Standard_NV4as_v4")
    assert (mi25.gpu_model, mi25.gpu_count) == ("MI25", 0.125)
    assert type_of(azure, "Standard_D2ps_v5").arch == "arm64"
    assert type_of(azure, "Standard_D2s_v3").arch == "x86_64"  # row with the unquoted V1,V2 field
    assert prices_of(azure, "Standard_D2s_v3", "westeurope") == {(ON_DEMAND, None): 0.12, (SPOT, None): 0.022176}
    assert azure.dropped["spot price empty"] == 1
    assert all(p.zone is None for p in azure.rows.prices)


def test_build_writes_a_snapshot_with_provenance_and_checks(tmp_path, capsys):
    out = tmp_path / "snap.json.gz"
    assert main([str(FIXTURES), "--out", str(out)]) == 0
    assert "gcp: 2 regions" in capsys.readouterr().out
    document = build(FIXTURES)
    gcp_source = document["providers"]["gcp"]["source"]
    assert gcp_source["commit"].startswith("62ff0a98") and gcp_source["observed_at"].startswith("2026-05-20")
    assert document["providers"]["gcp"]["checks"]["counts"]["prices"] == len(read_gcp(FIXTURES / "gcp_vms.csv").rows.prices)


def test_build_fails_cleanly_without_source_files(tmp_path, capsys):
    assert main([str(tmp_path)]) == 1
    assert "aws_vms.csv not found" in capsys.readouterr().err


def test_sources_file_overrides_the_provenance(tmp_path):
    sources = tmp_path / "sources.json"
    sources.write_text('{"gcp": {"commit": "0123456789abcdef", "date": "2027-01-02", "observed_at": "2027-01-02T00:00:00+00:00"}}')
    out = tmp_path / "snap.json.gz"
    assert main([str(FIXTURES), "--out", str(out), "--sources", str(sources)]) == 0
    gcp_source = codec.read(out)["providers"]["gcp"]["source"]
    assert (gcp_source["commit"], gcp_source["date"], gcp_source["repository"]) == (
        "0123456789abcdef",
        "2027-01-02",
        "anycloud-sh/catalog",
    )
