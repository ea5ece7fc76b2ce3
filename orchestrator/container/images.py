"""Pick a base image from the compatibility table in base_images.json."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from mlx_deploy.orchestrator.container.detect import BuildError, Detection


@dataclass(frozen=True)
class BaseImage:
    image: str
    python: str
    cuda: str | None  # None: CPU image
    reason: str

    @property
    def is_debian_slim(self) -> bool:
        return self.cuda is None


@cache
def table() -> dict:
    return json.loads(resources.files("mlx_deploy.orchestrator.container").joinpath("base_images.json").read_text("utf-8"))


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def cpu_image(python: str) -> BaseImage:
    images = table()["cpu"]
    if python not in images:
        raise BuildError(f"no CPU base image for Python {python}", f"Use one of: {', '.join(images)} (.python-version).")
    return BaseImage(images[python], python, None, f"python {python} slim (CPU)")


def cuda_for(framework: str, version: str) -> str:
    """The CUDA version of the newest table row at or below the framework version."""
    rows = table()["frameworks"][framework]["cuda"]
    fitting = [row for row in rows if version_key(row["from"]) <= version_key(version)]
    if not fitting:
        oldest = rows[0]["from"]
        raise BuildError(
            f"{framework} {version} is older than any GPU image in the table (oldest: {oldest})",
            f"Upgrade to {oldest} or later, or build for CPU with --cpu.",
        )
    return max(fitting, key=lambda row: version_key(row["from"]))["cuda"]


def gpu_image(detection: Detection) -> BaseImage:
    frameworks = table()["frameworks"]
    if detection.framework not in frameworks:
        raise BuildError(
            f"a {detection.framework} project has no GPU image in the table",
            f"Build for CPU (--cpu), or use one of: {', '.join(frameworks)}.",
        )
    distribution = frameworks[detection.framework]["distribution"]
    version = detection.version_of(distribution)
    if version is None and detection.framework == "onnx":
        version = detection.version_of("onnxruntime")
        detection.notes.append("onnxruntime runs on CPU only; depend on onnxruntime-gpu for CUDA")
    if version is None:
        raise BuildError(
            f"cannot tell which {distribution} version the project uses",
            f"Pin it in requirements.txt, e.g. {distribution}==<version>.",
        )
    cuda = cuda_for(detection.framework, version)
    entry = table()["cuda"][cuda]
    return BaseImage(entry["image"], entry["python"], cuda, f"{distribution} {version} is built for CUDA {cuda}")


def choose(detection: Detection, gpu: bool) -> BaseImage:
    return gpu_image(detection) if gpu else cpu_image(detection.python)
