"""`mlx init` projects, `mlx serve` as a real process, settings and the runtime's imports."""

from __future__ import annotations

import ast
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from mlx_deploy.orchestrator.cli.app import app
from mlx_deploy.orchestrator.container import prepare
from mlx_deploy.orchestrator.errors import ConfigError
from mlx_deploy.orchestrator.scaffold import FRAMEWORK_NAMES, scaffold
from mlx_deploy.serving.loader import ModelLoadError, load_model_class
from mlx_deploy.serving.settings import SettingsError, keys_from_file, parse_keys, settings_from_env
from serving_helpers import DIGITS, REPO, free_port, wait_until

MLX = str(Path(sys.executable).parent / "mlx")


@pytest.mark.parametrize("framework", FRAMEWORK_NAMES)
def test_init_writes_a_loadable_project(tmp_path, framework):
    result = CliRunner().invoke(app, ["init", "my-model", "--framework", framework, "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    root = tmp_path / "my-model"
    for name in ("model.py", "requirements.txt", "model.yaml", "tests/test_model.py", ".gitignore"):
        assert (root / name).is_file(), name
    cls = load_model_class(root)  # frameworks are imported in load(), so this works without them
    assert cls.metadata.name == "my-model" and cls.metadata.framework == framework
    from mlx_deploy.orchestrator.profile import load_profile_text

    assert load_profile_text((root / "model.yaml").read_text()).name == "my-model"
    with pytest.raises(Exception, match="missing"):
        cls().load()  # no weights yet: a clear message saying how to make them


def test_init_sklearn_trains_tests_builds_and_serves(tmp_path):
    root = scaffold("iris-demo", "sklearn", tmp_path)
    subprocess.run([sys.executable, "train.py"], cwd=root, check=True, capture_output=True)
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=root,
                           capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    context, _ = prepare(root)
    assert "scikit-learn==" in context.requirements.read_text()
    model = load_model_class(root)()
    model.load()
    good, bad = model.predict([model.Input(features=[5.1, 3.5, 1.4, 0.2]), model.Input(features=[1.0])])
    assert len(good.scores) == 3 and good.scores[0] > 0.5
    assert "expected 4 features" in str(bad)


def test_init_refuses_bad_names_and_existing_projects(tmp_path):
    with pytest.raises(ConfigError, match="not a valid model name"):
        scaffold("My_Model", "sklearn", tmp_path)
    with pytest.raises(ConfigError, match="unknown framework"):
        scaffold("ok", "caffe", tmp_path)
    scaffold("ok", "sklearn", tmp_path)
    with pytest.raises(ConfigError, match="already exists"):
        scaffold("ok", "onnx", tmp_path)


def test_mlx_serve_runs_the_example_with_keys_from_the_environment(tmp_path):
    port = free_port()
    env = {**os.environ, "MLX_API_KEYS": "alpha, beta"}
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([MLX, "serve", str(DIGITS / "model.yaml"), "--port", str(port), "--max-batch-size", "8"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(base + "/health/ready").status_code == 200, 60)
        pixels = [[0.0] * 8 for _ in range(8)]
        assert httpx.post(base + "/model/predict", json={"instances": [{"pixels": pixels}]}).status_code == 401
        for key in ("alpha", "beta"):
            answer = httpx.post(base + "/model/predict", json={"instances": [{"pixels": pixels}]},
                                headers={"Authorization": f"Bearer {key}"})
            assert answer.status_code == 200
        meta = httpx.get(base + "/model/metadata", headers={"Authorization": "Bearer beta"}).json()
        assert meta["batching"]["max_batch_size"] == 8
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=15)
    assert server.returncode == 0
    assert "API keys required" in (tmp_path / "serve.log").read_text()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["serve", "/nonexistent/project"], {}, "no model.py"),
        (["serve", str(DIGITS), "--port", "1"], {"MLX_MAX_WAIT_MS": "soon"}, "MLX_MAX_WAIT_MS='soon' is not a valid float"),
        (["serve", str(DIGITS), "--api-keys-file", "/nonexistent/keys"], {}, "cannot read API keys file"),
    ],
)
def test_mlx_serve_user_errors_are_one_line(args, env, message):
    done = subprocess.run([MLX, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_mlx_serve_on_a_busy_port_says_so():
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        done = subprocess.run([MLX, "serve", str(DIGITS), "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr


def test_loader_errors(tmp_path):
    (tmp_path / "model.py").write_text("raise ImportError('no such framework')\n")
    with pytest.raises(ModelLoadError, match="importing .* failed: ImportError"):
        load_model_class(tmp_path)
    (tmp_path / "model.py").write_text("x = 1\n")
    with pytest.raises(ModelLoadError, match="exactly one Model subclass"):
        load_model_class(tmp_path)


def test_settings_from_environment(tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("# deployment keys\nfile-key\n\n")
    settings = settings_from_env({"MLX_API_KEYS": "a,b , ,c", "MLX_API_KEYS_FILE": str(keys), "MLX_MAX_BATCH_SIZE": "16"})
    assert settings.api_keys == {"a", "b", "c", "file-key"} and settings.max_batch_size == 16
    assert parse_keys("") == frozenset() and keys_from_file(keys) == {"file-key"}
    with pytest.raises(SettingsError, match="at least 1"):
        settings_from_env({"MLX_MAX_BATCH_SIZE": "0"})
    assert settings_from_env({"MLX_MAX_QUEUE": "5"}).max_queue == 5
    with pytest.raises(SettingsError, match="max queue must be at least 1"):
        settings_from_env({"MLX_MAX_QUEUE": "0"})


def test_serving_imports_nothing_from_the_orchestrator():
    banned = {"sqlalchemy", "typer", "rich", "alembic", "yaml", "platformdirs"}
    for path in (REPO / "serving").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name.split(".")[0] not in banned, (path.name, name)
                assert not name.startswith("mlx_deploy.") or name.startswith("mlx_deploy.serving"), (path.name, name)
