"""First-use load time: a new MLX_HOME, then `open_catalogue()` migrates and loads the bundled snapshot.

Run: python bench/first_use.py [--runs 5]
Each run is a fresh interpreter with its own temporary MLX_HOME; the figure is
the wall time of `open_catalogue()` itself (imports reported apart), so it is
what a user's first command waits for on top of the CLI's start. Its CPU time
is printed too: on a busy machine wall time mostly measures the neighbours.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = """
import json, time
t0 = time.perf_counter()
from mlx_deploy.catalogue.store import open_catalogue
from sqlalchemy import text
t1, c1 = time.perf_counter(), time.process_time()
engine = open_catalogue()
t2, c2 = time.perf_counter(), time.process_time()
with engine.connect() as conn:
    prices = conn.execute(text("SELECT count(*) FROM prices")).scalar()
print(json.dumps({"import": t1 - t0, "open": t2 - t1, "cpu": c2 - c1, "prices": prices}))
"""


def one_run() -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, MLX_HOME=home)
        env.pop("MLX_CATALOGUE_URL", None)
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, check=True, capture_output=True, text=True)
        return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    opens = [run["open"] for run in runs]
    imports = [run["import"] for run in runs]
    print(f"prices loaded            {runs[0]['prices']}")
    print(
        f"open_catalogue (first)   median {statistics.median(opens):.2f} s  "
        f"(min {min(opens):.2f}, max {max(opens):.2f}, {args.runs} runs)"
    )
    cpus = [run["cpu"] for run in runs]
    print(f"  of which CPU time      median {statistics.median(cpus):.2f} s  (the rest waits on disk or other processes)")
    print(f"imports before it        median {statistics.median(imports):.2f} s")


if __name__ == "__main__":
    main()
