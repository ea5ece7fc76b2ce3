"""Wall time of `mlx quote`, interpreter start included, on the bundled catalogue and on one scaled to 2M prices.

    python bench/quote.py [--runs 11] [--rows 2000000] [--keep DIR]

Each figure is the median of `--runs` fresh processes (`mlx quote ... --json`,
or the rich table for one row, output discarded), wall time and the process's CPU time (user + system). The bundled catalogue is loaded into a temporary MLX_HOME
first (not timed). The scaled catalogue is a copy of it whose prices are
repeated in made-up regions (`<region>-s<k>`, prices jittered by -5%..+5%)
until it holds `--rows` price rows. Targets (issue 4): median < 300 ms on
the bundled catalogue, < 1 s at 2M rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROFILES = {
    "cpu small (examples/cpu.yaml)": [str(ROOT / "examples/cpu.yaml")],
    "cpu large (--cpu 64 --memory 512GiB)": ["--cpu", "64", "--memory", "512GiB"],
    "gpu single (examples/gpu.yaml)": [str(ROOT / "examples/gpu.yaml")],
    "gpu packing (examples/gpu-packing.yaml)": [str(ROOT / "examples/gpu-packing.yaml")],
    "quick form (--cpu 4 --memory 16GiB --gpu L4:1)": ["--cpu", "4", "--memory", "16GiB", "--gpu", "L4:1"],
    "spot only (examples/spot.yaml)": [str(ROOT / "examples/spot.yaml")],
    "no match (--gpu H100:1 --gpu-memory 100GiB)": ["--cpu", "4", "--memory", "16GiB", "--gpu", "H100:1", "--gpu-memory", "100GiB"],
    "rich table, not --json (examples/gpu.yaml)": [str(ROOT / "examples/gpu.yaml"), "--table"],
}


def mlx_command() -> list[str]:
    script = Path(sys.executable).parent / "mlx"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mlx_deploy.orchestrator.cli.app"]


def run_quote(env: dict, args: list[str]) -> tuple[float, float]:
    """(wall, CPU user+system) seconds of one `mlx quote` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    output = [] if "--table" in args else ["--json"]
    args = [arg for arg in args if arg != "--table"]
    done = subprocess.run([*mlx_command(), "quote", *args, *output], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1) or b"Traceback" in done.stderr:
        raise SystemExit(f"mlx quote {' '.join(args)} failed: {done.stderr.decode()[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(env: dict, runs: int) -> dict[str, tuple[float, float, float]]:
    """Per profile: median wall, min wall, median CPU (the CPU figure moves less with other load)."""
    figures = {}
    for label, args in PROFILES.items():
        run_quote(env, args)  # warm the OS file cache, as for a user's second quote
        samples = [run_quote(env, args) for _ in range(runs)]
        walls = [wall for wall, _cpu in samples]
        figures[label] = (statistics.median(walls), min(walls), statistics.median(cpu for _wall, cpu in samples))
    return figures


def scale_catalogue(source: Path, target: Path, rows: int) -> int:
    """Copy `source` and repeat its prices in made-up regions up to `rows` price rows."""
    shutil.copy(source, target)
    conn = sqlite3.connect(target)
    base = conn.execute("SELECT COUNT(*) FROM prices").fetchone()[0]
    indexes = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'prices' AND sql IS NOT NULL").fetchall()
    names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'prices' AND sql IS NOT NULL")]
    for name in names:
        conn.execute(f'DROP INDEX "{name}"')
    copies = 0
    while conn.execute("SELECT COUNT(*) FROM prices").fetchone()[0] < rows:
        copies += 1
        missing = rows - conn.execute("SELECT COUNT(*) FROM prices").fetchone()[0]
        conn.execute(
            "INSERT OR IGNORE INTO regions (provider, code, display_name) "
            "SELECT provider, code || '-s' || :k, display_name FROM regions WHERE code NOT LIKE '%-s%'",
            {"k": copies},
        )
        conn.execute(
            "INSERT INTO prices (provider, region, zone, instance_type, purchase_option, os, usd_per_hour, observed_at, source, refresh_run_id) "
            "SELECT provider, region || '-s' || :k, zone, instance_type, purchase_option, os, "
            "usd_per_hour * (0.95 + ((id * 7919 + :k * 104729) % 1000) / 10000.0), observed_at, source, refresh_run_id "
            "FROM prices WHERE id <= :base LIMIT :missing",
            {"k": copies, "base": base, "missing": missing},
        )
    for (sql,) in indexes:
        conn.execute(sql)
    conn.commit()
    total = conn.execute("SELECT COUNT(*) FROM prices").fetchone()[0]
    conn.close()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--keep", type=Path, help="Keep the catalogues in this folder (default: a temp dir).")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="mlx-bench-quote-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "MLX_CATALOGUE_URL"}
    env["MLX_HOME"] = str(work / "home")

    start = time.perf_counter()
    run_quote(env, PROFILES["cpu small (examples/cpu.yaml)"])  # first use: loads the bundled snapshot
    print(f"first use (bundled snapshot load + quote): {time.perf_counter() - start:.1f} s")
    bundled_db = work / "home" / "catalogue.sqlite"
    bundled_rows = sqlite3.connect(bundled_db).execute("SELECT COUNT(*) FROM prices").fetchone()[0]
    bundled = measure(env, args.runs)

    start = time.perf_counter()
    scaled_db = work / "scaled.sqlite"
    scaled_rows = scale_catalogue(bundled_db, scaled_db, args.rows)
    print(f"scaled catalogue built in {time.perf_counter() - start:.1f} s")
    scaled = measure({**env, "MLX_CATALOGUE_URL": f"sqlite:///{scaled_db}"}, args.runs)

    baseline = statistics.median(
        [_timed([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
    )
    load = os.getloadavg()[0]
    print(f"\nwall ms median (min) and CPU ms median over {args.runs} runs; load average {load:.1f} on {os.cpu_count()} cores;")
    print(f"`python -c pass` alone: {baseline * 1000:.0f} ms wall")
    print(f"{'profile':48} {f'bundled ({bundled_rows:,} prices)':>30} {f'scaled ({scaled_rows:,} prices)':>30}")
    for label in PROFILES:
        cells = [f"{w * 1000:5.0f} ({m * 1000:4.0f}) cpu {c * 1000:4.0f}" for w, m, c in (bundled[label], scaled[label])]
        print(f"{label:48} {cells[0]:>30} {cells[1]:>30}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def _timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
