"""Canonical GPU names: the same GPU gets the same name whatever the source calls it."""

from __future__ import annotations

import pytest
from mlx_deploy.catalogue.gpus import GPU_MEMORY_GIB, canonical_gpu, known_gpu_names, resolve_gpu_names
from mlx_deploy.orchestrator.errors import MlxError, ProfileError


@pytest.mark.parametrize(
    ("source_name", "memory_gib", "expected"),
    [
        ("A100", 40.0, "A100-40GB"),  # AWS p4d, GCP a2-highgpu
        ("A100", 80.0, "A100-80GB"),  # AWS p4de: name A100, GpuInfo 81920 MiB
        ("A100-80GB", None, "A100-80GB"),  # GCP a2-ultragpu, Azure NC A100 v4
        ("A100", None, "A100-40GB"),  # Azure ND96asr_v4 gives no memory
        ("H100", 80.0, "H100-80GB"),
        ("H100-MEGA", 80.0, "H100-80GB"),  # GCP a3-megagpu
        ("H100", 94.0, "H100-94GB"),  # Azure NC H100 v5 (H100 NVL)
        ("V100", 16.0, "V100-16GB"),
        ("V100-32GB", None, "V100-32GB"),
        ("V100", 32.0, "V100-32GB"),  # AWS p3dn GpuInfo
        ("P100", 16.0, "P100-16GB"),
        ("L4", 22888 / 1024, "L4"),  # AWS reports the driver-visible memory
        ("L4", 2861 / 1024, "L4"),  # AWS g6f fractional slice
        ("A10G", 22.35, "A10G"),
        ("A10", None, "A10"),
        ("T4g", 16.0, "T4g"),
        ("Radeon Pro V520", 8.0, "V520"),
        ("H200", 141.0, "H200"),
        ("nvidia-tesla-t4", None, "T4"),
    ],
)
def test_canonical_name_from_each_source_spelling(source_name, memory_gib, expected):
    assert canonical_gpu(source_name, memory_gib) == expected


@pytest.mark.parametrize(
    "accelerator",
    ["Inferentia", "Inferentia2", "Trainium", "Gaudi HL-205", "Virtex UltraScale (VU9P)", "tpu-v5p-8", "", None],
)
def test_non_gpu_accelerators_have_no_gpu_name(accelerator):
    assert canonical_gpu(accelerator, None) is None


def test_every_canonical_name_maps_to_itself_and_has_memory():
    for name in known_gpu_names():
        assert canonical_gpu(name, GPU_MEMORY_GIB[name]) == name
        assert GPU_MEMORY_GIB[name] > 0


def test_family_alias_means_every_memory_size():
    assert resolve_gpu_names("a100") == {"A100-40GB", "A100-80GB"}
    assert resolve_gpu_names("H100") == {"H100-80GB", "H100-94GB"}
    assert resolve_gpu_names("v100") == {"V100-16GB", "V100-32GB"}


def test_exact_names_are_case_insensitive_and_a10_is_not_a10g():
    assert resolve_gpu_names("a100-80gb") == {"A100-80GB"}
    assert resolve_gpu_names("A100 80GB") == {"A100-80GB"}
    assert resolve_gpu_names("a10") == {"A10"}
    assert resolve_gpu_names("A10g") == {"A10G"}
    assert resolve_gpu_names("t4") == {"T4"}
    assert resolve_gpu_names("NVIDIA L4") == {"L4"}
    assert resolve_gpu_names("h100-nvl") == {"H100-94GB"}


def test_comma_separated_names_combine():
    assert resolve_gpu_names("l4, t4") == {"L4", "T4"}


def test_unknown_name_raises_profile_error_listing_known_names():
    with pytest.raises(ProfileError) as caught:
        resolve_gpu_names("A9000")
    assert isinstance(caught.value, MlxError)
    assert "'A9000'" in caught.value.message
    assert "A100-80GB" in caught.value.hint and "L4" in caught.value.hint


def test_empty_input_is_an_error():
    with pytest.raises(ProfileError):
        resolve_gpu_names(" , ")
