"""How fast `mlx` starts: median wall time of `mlx --help` and `mlx catalogue status`.

Run: python bench/cli_start.py [--runs 15]
Uses a temporary MLX_HOME; the first `catalogue status` (which loads the bundled
snapshot) is reported separately as the first-use time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    beside = Path(sys.executable).parent / "mlx"
    mlx = str(beside) if beside.exists() else shutil.which("mlx") or sys.exit("mlx is not installed: pip install the project first")
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, MLX_HOME=home)
        env.pop("MLX_CATALOGUE_URL", None)
        first = timed([mlx, "catalogue", "status"], env)
        for label, command in (("mlx --help", [mlx, "--help"]), ("mlx catalogue status", [mlx, "catalogue", "status"])):
            runs = [timed(command, env) for _ in range(args.runs)]
            print(f"{label:<24} median {statistics.median(runs) * 1000:7.1f} ms  (min {min(runs) * 1000:.1f}, {args.runs} runs)")
        print(f"{'first use (load snapshot)':<24} {first * 1000:7.1f} ms  (one run, includes interpreter start)")


if __name__ == "__main__":
    main()
