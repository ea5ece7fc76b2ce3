"""`mlx quote` end to end through the real entry point: output formats, nothing-matches, and bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlx_deploy.orchestrator.cli.app import main

ROOT = Path(__file__).resolve().parents[2]
GPU_YAML = """\
name: sentiment
image: ghcr.io/acme/sentiment:1.4.0
resources:
  cpu: 4
  memory: 16GiB
  gpu:
    count: 1
    model: [A10G, L4]
    memory: 24GiB
replicas: 2
"""


def run(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["mlx", "quote", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return exited.value.code or 0, out, err


@pytest.fixture
def catalogue(small_url, monkeypatch) -> str:
    monkeypatch.setenv("MLX_CATALOGUE_URL", small_url)
    return small_url


@pytest.fixture
def gpu_yaml(tmp_path) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(GPU_YAML)
    return path


def test_table_with_all_in_and_explain(catalogue, gpu_yaml, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, str(gpu_yaml), "--explain")
    assert code == 0
    # 2 x 0.7068 (g2-standard-4) + GKE 0.10 + LB 0.025 + 2 x 50 GiB x $0.10/730 = 1.5523, below 2 x g5.xlarge.
    first = next(line for line in out.splitlines() if line.startswith("│ 1 "))
    assert "gcp" in first and "g2-standard-4" in first and "1.5523" in first
    assert "control_plane" in out and "cloud.google.com/kubernetes-engine/pricing" in out
    assert "Catalogue: sqlite:///" in out


def test_json_envelope(catalogue, gpu_yaml, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, str(gpu_yaml), "--json", "--spot")
    assert code == 0
    doc = json.loads(out)
    assert (doc["schema_version"], doc["kind"]) == (1, "quote")
    assert doc["profile"]["name"] == "sentiment" and doc["profile"]["placement"]["spot"] is True
    assert {p["provider"] for p in doc["catalogue"]["providers"]} >= {"aws", "gcp"}
    best = doc["data"]["candidates"][0]
    assert (best["provider"], best["instance_type"], best["purchase_option"]) == ("gcp", "g2-standard-4", "spot")
    lines = {line["item"]: line for line in best["cost_lines"]}
    assert sum(line["usd_per_hour"] for line in best["cost_lines"]) == pytest.approx(best["allin_usd_per_hour"])
    assert lines["instances"]["usd_per_hour"] == pytest.approx(2 * 0.2827)
    assert doc["data"]["no_match"] is None


def test_csv_and_quick_form_without_a_file(catalogue, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "--cpu", "4", "--memory", "16GiB", "--csv", "--top", "2")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["provider"], r["region"], r["instance_type"]) for r in rows] == [
        ("aws", "us-east-1", "m5.xlarge"),
        ("gcp", "us-central1", "n2-standard-4"),
    ]
    code, out, _ = run(capsys, monkeypatch, "--cpu", "1", "--memory", "1GiB", "--gpu", "L4:1", "--json")
    assert json.loads(out)["data"]["candidates"][0]["instance_type"] == "g2-standard-4"


def test_provider_and_region_options_override_the_file(catalogue, gpu_yaml, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, str(gpu_yaml), "--json", "--provider", "aws", "--region", "us-*")
    assert {c["provider"] for c in json.loads(out)["data"]["candidates"]} == {"aws"}


def test_nothing_matches_names_the_constraint_and_the_nearest(catalogue, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "--cpu", "4", "--memory", "16GiB", "--gpu", "T4:1", "--gpu-memory", "24GiB")
    assert code == 1
    assert "No candidates match this profile." in out
    assert "GPU model constraint excludes the most offers" in out
    assert "needs T4, has L4" in out or "needs T4, has A10G" in out
    code, out, _ = run(capsys, monkeypatch, "--cpu", "4", "--memory", "16GiB", "--gpu", "T4:1", "--gpu-memory", "24GiB", "--json")
    no_match = json.loads(out)["data"]["no_match"]
    assert no_match["excluded_by"][0]["constraint"] == "GPU model"
    assert no_match["nearest"] and all(n["lacks"] for n in no_match["nearest"])


def test_nothing_within_budget_says_budget(catalogue, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "--cpu", "4", "--memory", "16GiB", "--max-hourly", "0.05", "--json")
    assert code == 1
    no_match = json.loads(out)["data"]["no_match"]
    assert no_match["excluded_by"][0]["constraint"] == "budget"
    assert "budget $0.05/h" in no_match["nearest"][0]["lacks"][0]


BAD_FILES = [
    ("missing", None, "no such file"),
    ("syntax", "name: x\nresources: [\n", "YAML syntax error"),
    ("unknown key", GPU_YAML.replace("memory: 16GiB", "memroy: 16GiB"), "did you mean 'memory'?"),
    ("wrong type", GPU_YAML.replace("cpu: 4", "cpu: lots"), "resources.cpu: Input should be a valid number"),
    ("negative", GPU_YAML.replace("cpu: 4", "cpu: -4"), "resources.cpu: Input should be greater than 0"),
    ("zero", GPU_YAML.replace("replicas: 2", "replicas: 0"), "replicas: Input should be greater than or equal to 1"),
    ("unit", GPU_YAML.replace("16GiB", "16 parsecs"), "resources.memory: unknown unit 'parsecs'"),
    ("gpu", GPU_YAML.replace("L4]", "Z80]"), "unknown GPU 'Z80'. Use one of"),
    ("providers", GPU_YAML + "placement:\n  providers: []\n", "placement.providers: empty provider list"),
]


@pytest.mark.parametrize(("case", "text", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_input_is_one_line_and_exit_1(catalogue, tmp_path, capsys, monkeypatch, case, text, expected):
    path = tmp_path / "model.yaml"
    if text is not None:
        path.write_text(text)
    code, out, err = run(capsys, monkeypatch, str(path))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"mlx: error: {path}")
    assert expected in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--cpu", "4"], "no model.yaml and no --cpu/--memory"),
        (["--cpu", "4", "--memory", "16GiB", "--gpu", "L4:x"], "--gpu 'L4:x': the GPU count must be a whole number"),
        (["--cpu", "4", "--memory", "lots"], "resources.memory: 'lots' is not a size"),
        (["--cpu", "4", "--memory", "16GiB", "--provider", "ibm"], "unknown provider 'ibm'"),
        (["--cpu", "4", "--memory", "16GiB", "--json", "--csv"], "--json and --csv exclude each other"),
    ],
)
def test_bad_options_are_one_line_and_exit_1(catalogue, capsys, monkeypatch, args, expected):
    code, out, err = run(capsys, monkeypatch, *args)
    assert code == 1 and out == ""
    assert err.startswith("mlx: error: ") and err.count("\n") == 1
    assert expected in err


def test_file_and_quick_options_do_not_mix(catalogue, gpu_yaml, capsys, monkeypatch):
    code, _, err = run(capsys, monkeypatch, str(gpu_yaml), "--cpu", "2")
    assert code == 1 and "--cpu cannot be combined with a model.yaml" in err


def test_examples_quote_from_the_bundled_catalogue(tmp_path):
    """`mlx quote examples/*.yaml` as a user runs it: a new MLX_HOME loads the bundled snapshot first."""
    examples = sorted(str(p) for p in (ROOT / "examples").glob("*.yaml"))
    done = subprocess.run(
        [sys.executable, "-m", "mlx_deploy.orchestrator.cli.app", "quote", *examples, "--json", "--top", "3"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    envelopes = json.loads(done.stdout)
    assert len(envelopes) == len(examples)
    for doc in envelopes:
        candidates = doc["data"]["candidates"]
        assert candidates, doc["profile"]["name"]
        assert [c["allin_usd_per_hour"] for c in candidates] == sorted(c["allin_usd_per_hour"] for c in candidates)
        for cand in candidates:
            items = {line["item"] for line in cand["cost_lines"]}
            extra = {"system_pool"} if cand["provider"] == "azure" else set()  # AKS's one-node system pool
            assert items == {"instances", "control_plane", "load_balancer", "disk"} | extra
            assert cand["allin_usd_per_hour"] > cand["instances_usd_per_hour"]


def test_quote_path_imports_no_sqlalchemy_pandas_or_cloud_sdk(catalogue, gpu_yaml):
    """The speed target rests on this: a quote on a ready SQLite catalogue uses sqlite3 directly."""
    code = (
        "import sys\n"
        "from mlx_deploy.orchestrator.cli.app import main\n"
        f"sys.argv = ['mlx', 'quote', {str(gpu_yaml)!r}, '--json']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'pandas', 'boto3', 'botocore', 'google', 'azure', 'rich'))\n"
        "sys.stderr.write(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["data"]["candidates"]
    assert done.stderr == ""


def test_stale_threshold_follows_mlx_stale_after(run_mlx):
    args = ("quote", "--cpu", "2", "--memory", "4GiB", "--top", "1", "--json")
    default = json.loads(run_mlx(*args).stdout)["catalogue"]
    assert default["stale"] == ["aws", "azure", "gcp"]
    relaxed = json.loads(run_mlx(*args, env={"MLX_STALE_AFTER": "3650d"}).stdout)["catalogue"]
    assert relaxed["stale"] == []
