"""The profile a `mlx quote` command line describes: a model.yaml, or `--cpu/--memory/--gpu` alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlx_deploy.orchestrator.errors import ProfileError
from mlx_deploy.orchestrator.profile import Profile, load_profile, profile_from_data

QUICK_NAME = "quick-quote"
FIX_GPU = "Write --gpu MODEL[:COUNT] or --gpu COUNT, e.g. --gpu L4:1 or --gpu a100:8."


def parse_gpu(text: str) -> dict[str, Any]:
    """`L4:2` -> {model: L4, count: 2}; `2` -> {count: 2}; `L4` -> {model: L4}."""
    model, sep, count = text.strip().partition(":")
    if not sep and model.isdigit():
        model, count = "", model
    spec: dict[str, Any] = {}
    if model.strip():
        spec["model"] = model.strip()
    if count.strip():
        if not count.strip().isdigit() or int(count) < 1:
            raise ProfileError(f"--gpu {text!r}: the GPU count must be a whole number of at least 1", FIX_GPU)
        spec["count"] = int(count)
    elif sep:
        raise ProfileError(f"--gpu {text!r}: no GPU count after ':'", FIX_GPU)
    if not spec:
        raise ProfileError("--gpu is empty", FIX_GPU)
    return spec


def build_profile(
    path: Path | None, quick: dict[str, Any], placement: dict[str, Any], max_hourly: float | None
) -> Profile:
    given = {key: value for key, value in quick.items() if value is not None}
    if path is not None and given:
        options = ", ".join(f"--{key.replace('_', '-')}" for key in given)
        raise ProfileError(
            f"{options} cannot be combined with a model.yaml", "Put the resources in the file, or drop the file."
        )
    if path is None:
        if "cpu" not in given or "memory" not in given:
            raise ProfileError(
                "no model.yaml and no --cpu/--memory",
                "Pass a model.yaml, or e.g. `mlx quote --cpu 4 --memory 16GiB --gpu L4:1`.",
            )
        data = _quick_data(given)
    else:
        data = None
    overrides = {key: value for key, value in placement.items() if value not in (None, [])}
    if data is not None:
        data["placement"] = overrides
        if max_hourly is not None:
            data["budget"] = {"max_hourly_usd": max_hourly}
        return profile_from_data(data, "command line")
    profile = load_profile(path)
    if not overrides and max_hourly is None:
        return profile
    merged = profile.model_dump()
    merged["placement"] = {**merged["placement"], **overrides}
    if max_hourly is not None:
        merged["budget"] = {**merged["budget"], "max_hourly_usd": max_hourly}
    return profile_from_data(merged, f"{path} with command-line options")


def _quick_data(given: dict[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = {"cpu": given["cpu"], "memory": given["memory"]}
    if "disk" in given:
        resources["disk"] = given["disk"]
    if "gpu" in given or "gpu_memory" in given:
        gpu = parse_gpu(given["gpu"]) if "gpu" in given else {}
        if "gpu_memory" in given:
            gpu["memory"] = given["gpu_memory"]
        resources["gpu"] = gpu
    data: dict[str, Any] = {"name": QUICK_NAME, "resources": resources}
    if "replicas" in given:
        data["replicas"] = given["replicas"]
    return data
