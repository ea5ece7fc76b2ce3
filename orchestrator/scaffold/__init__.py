"""`mlx init NAME --framework ...`: a new model project that `mlx serve` and `mlx build` take."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path
from string import Template

from mlx_deploy.orchestrator.errors import ConfigError
from mlx_deploy.orchestrator.scaffold import templates as t

NAME_PATTERN = re.compile(r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$")
FRAMEWORK_NAMES = ("sklearn", "pytorch", "onnx", "tensorflow", "transformers")
SAMPLES = {
    "transformers": 'SAMPLE = {cls}Input(text="mlx makes deploying this model easy")',
    "default": "SAMPLE = {cls}Input(features=[5.1, 3.5, 1.4, 0.2])",
}
HOW_TO_MAKE = {
    "sklearn": "run `python train.py`",
    "pytorch": "save a TorchScript module with torch.jit.save(torch.jit.script(module), 'model.pt')",
    "onnx": "export your model to model.onnx",
    "tensorflow": "save your Keras model with model.save('model.keras')",
}


def pinned(distribution: str) -> str:
    try:
        version = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        version = t.DEFAULT_VERSIONS[distribution]
    return f"{distribution}=={version}"


def class_prefix(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", name) if part)


def project_files(name: str, framework: str) -> dict[str, str]:
    cls = class_prefix(name)
    values = {"name": name, "framework": framework, "cls": cls}
    if framework == "transformers":
        model_py = Template(t.TRANSFORMERS_MODEL_PY).substitute(values)
        distributions = ["transformers", "torch"]
    else:
        spec = t.FRAMEWORKS[framework]
        model_py = Template(t.MODEL_PY).substitute(
            values, artifact=spec["artifact"], load=spec["load"], infer=spec["infer"], make_artifact=HOW_TO_MAKE[framework]
        )
        distributions = spec["distributions"]
    sample = SAMPLES.get(framework, SAMPLES["default"]).format(cls=cls)
    files = {
        "model.py": model_py,
        "requirements.txt": "\n".join(pinned(d) for d in distributions) + "\n",
        "model.yaml": Template(t.MODEL_YAML).substitute(values, gpu_block=t.GPU_BLOCK),
        "tests/test_model.py": Template(t.TEST_PY).substitute(values, sample=sample),
        ".gitignore": t.GITIGNORE,
    }
    if framework == "sklearn":
        files["train.py"] = t.SKLEARN_TRAIN_PY
    return files


def scaffold(name: str, framework: str, parent: Path) -> Path:
    """Write the project into parent/name; refuses to touch an existing non-empty directory."""
    if not NAME_PATTERN.match(name):
        raise ConfigError(
            f"{name!r} is not a valid model name",
            "Use lowercase letters, digits and dashes, starting with a letter (at most 40 characters).",
        )
    if framework not in FRAMEWORK_NAMES:
        raise ConfigError(f"unknown framework {framework!r}", f"Use one of: {', '.join(FRAMEWORK_NAMES)}.")
    target = parent / name
    if target.exists() and any(target.iterdir()):
        raise ConfigError(f"{target} already exists and is not empty", "Pick another name or directory.")
    for relative, text in project_files(name, framework).items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target
