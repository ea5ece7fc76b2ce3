"""Canonical GPU names: one per GPU model and memory size, identical on every cloud.

Naming scheme
-------------
* The model name as the vendor markets it, upper-case except where the vendor
  spells it otherwise (`T4g`): `T4`, `L4`, `L40S`, `A10G`, `A10`, `H200`, `MI300X`.
* A `-<N>GB` memory suffix only for models sold in more than one memory size,
  and then always: `A100-40GB` / `A100-80GB`, `V100-16GB` / `V100-32GB`,
  `H100-80GB` (SXM/PCIe) / `H100-94GB` (NVL), `P100-16GB` / `P100-12GB`.
  So a name never changes meaning: `A100-40GB` is the same GPU on AWS, Azure
  and GCP, whatever each source calls it (AWS and GCP say `A100` for the 40 GB
  part; AWS marks the 80 GB part only in `GpuInfo` memory).
* Memory per GPU (`GPU_MEMORY_GIB`) is the vendor's nominal figure, the same
  on every cloud: AWS reports what the driver sees (22,888 MiB for a 24 GB L4),
  Azure reports nothing.

Only GPUs live here. Other accelerators (Inferentia, Trainium, Gaudi, FPGAs,
TPUs) are not GPUs: they go in `InstanceTypeRow.accelerator`, never `gpu_model`.

User input goes through `resolve_gpu_names`: case-insensitive, and a family
name (`a100`, `h100`, `v100`) means every memory size of that model.
"""

from __future__ import annotations

import re

from mlx_deploy.orchestrator.errors import ProfileError

# Nominal memory per GPU in GiB, per canonical name.
GPU_MEMORY_GIB: dict[str, float] = {
    "A10": 24,
    "A10G": 24,
    "A100-40GB": 40,
    "A100-80GB": 80,
    "B200": 180,
    "GB200": 186,
    "H100-80GB": 80,
    "H100-94GB": 94,
    "H200": 141,
    "K80": 12,
    "L4": 24,
    "L40S": 48,
    "M60": 8,
    "MI25": 16,
    "MI300X": 192,
    "P100-12GB": 12,
    "P100-16GB": 16,
    "P4": 8,
    "T4": 16,
    "T4g": 16,
    "V100-16GB": 16,
    "V100-32GB": 32,
    "V520": 8,
    "V620": 32,
    "V710": 28,
}

# Models sold in several memory sizes: model -> (sizes, size a source means
# when it gives the bare model name and no memory).
_SIZED: dict[str, tuple[tuple[int, ...], int]] = {
    "A100": ((40, 80), 40),
    "H100": ((80, 94), 80),
    "P100": ((12, 16), 16),
    "V100": ((16, 32), 16),
}

# Source spellings (normalised by `_normalise`) that differ from the model name.
_SOURCE_MODEL: dict[str, str] = {
    "RADEONPROV520": "V520",
    "RADEONPROV620": "V620",
    "RADEONPROV710": "V710",
    "RADEONMI25": "MI25",
    "H100MEGA": "H100",  # GCP a3-megagpu: the same H100 80GB, more networking
    "T4G": "T4g",
}

# Extra user spellings -> canonical names (families are derived from _SIZED).
_USER_ALIASES: dict[str, frozenset[str]] = {
    "H100MEGA": frozenset({"H100-80GB"}),
    "H100SXM": frozenset({"H100-80GB"}),
    "H100NVL": frozenset({"H100-94GB"}),
    "RADEONPROV520": frozenset({"V520"}),
    "RADEONPROV620": frozenset({"V620"}),
    "RADEONPROV710": frozenset({"V710"}),
}

_SIZE_SUFFIX = re.compile(r"^(?P<model>.+?)-?(?P<size>\d+)GB$")


def _normalise(text: str) -> str:
    """Upper-case, without vendor prefixes, spaces, dashes or underscores."""
    text = text.strip().upper()
    for prefix in ("NVIDIA", "TESLA", "AMD"):
        text = re.sub(rf"^{prefix}[\s_-]*", "", text)
    return re.sub(r"[\s_-]+", "", text)


def _split_size(name: str) -> tuple[str, int | None]:
    """`A100-80GB` -> (`A100`, 80); `T4` -> (`T4`, None)."""
    match = _SIZE_SUFFIX.match(name.strip().upper())
    if match:
        return match["model"].rstrip("-_ "), int(match["size"])
    return name, None


def canonical_gpu(source_name: str | None, memory_gib: float | None = None) -> str | None:
    """The canonical name of a GPU as a source spells it, or None if it is not a known GPU.

    `memory_gib` is the memory per GPU the source reports (AWS `GpuInfo`,
    GCP `GpuInfo`); a size in the name (`A100-80GB`) wins over it.
    """
    if not source_name or not source_name.strip():
        return None
    model, size = _split_size(source_name)
    key = _normalise(model)
    model = _SOURCE_MODEL.get(key, key)
    if model in _SIZED:
        sizes, default = _SIZED[model]
        wanted = size or memory_gib or default
        best = min(sizes, key=lambda s: abs(s - wanted))
        return f"{model}-{best}GB"
    return model if model in GPU_MEMORY_GIB else None


def gpu_memory_gib(canonical: str) -> float | None:
    return GPU_MEMORY_GIB.get(canonical)


def _alias_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for name in GPU_MEMORY_GIB:
        table.setdefault(_normalise(name), set()).add(name)
        model, _size = _split_size(name)
        if model in _SIZED:
            table.setdefault(_normalise(model), set()).add(name)
    for alias, names in _USER_ALIASES.items():
        table.setdefault(alias, set()).update(names)
    return {key: frozenset(names) for key, names in table.items()}


ALIASES: dict[str, frozenset[str]] = _alias_table()


def known_gpu_names() -> list[str]:
    return sorted(GPU_MEMORY_GIB)


def resolve_gpu_names(user_text: str) -> set[str]:
    """Canonical names meant by user input: `a100` -> both A100 sizes; commas separate names.

    Raises ProfileError naming the known GPUs when a name is not one of them.
    """
    names: set[str] = set()
    for part in user_text.split(","):
        if not part.strip():
            continue
        key = _normalise(part)
        if key not in ALIASES:
            raise ProfileError(
                f"unknown GPU {part.strip()!r}",
                f"Use one of {', '.join(known_gpu_names())} (or a family such as A100, H100, V100).",
            )
        names |= ALIASES[key]
    if not names:
        raise ProfileError("no GPU name given", f"Use one of {', '.join(known_gpu_names())}.")
    return names
