"""`mlx catalogue …` through the real console script: output, JSON, one-line errors."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest
from mlx_deploy.catalogue import store
from mlx_deploy.catalogue.publish import publish_all

from .conftest import small_batches


@pytest.fixture
def small_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'small.sqlite'}"
    publish_all(store.open_catalogue(url, load_snapshot=False), small_batches(), "test: hand-made rows")
    return url


def test_search_json_lists_a100_80gb_from_two_clouds(small_url, run_mlx):
    done = run_mlx("catalogue", "search", "--gpu", "A100-80GB", "--json", "--catalogue", small_url)
    assert done.returncode == 0, done.stderr
    envelope = json.loads(done.stdout)
    assert envelope["schema_version"] == 1 and envelope["kind"] == "catalogue.search"
    assert [(o["provider"], o["usd_per_hour"]) for o in envelope["data"]] == [("gcp", 5.58), ("aws", 40.96)]


def test_status_table_names_the_source(small_url, run_mlx):
    done = run_mlx("catalogue", "status", "--catalogue", small_url)
    assert done.returncode == 0, done.stderr
    assert "test: hand-made rows" in done.stdout and "azure" in done.stdout


def _assert_one_line_error(done: subprocess.CompletedProcess, *fragments: str) -> None:
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_corrupt_catalogue_is_one_line(tmp_path, run_mlx):
    path = tmp_path / "broken.sqlite"
    path.write_bytes(b"garbage" * 1000)
    done = run_mlx("catalogue", "status", "--catalogue", f"sqlite:///{path}")
    _assert_one_line_error(done, "not a readable database", "Move the file away")


def test_foreign_and_unreachable_catalogues_are_one_line(tmp_path, run_mlx):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    _assert_one_line_error(run_mlx("catalogue", "status", "--catalogue", f"sqlite:///{path}"), "not an mlx catalogue")
    unreachable = "postgresql+psycopg://mlx:pw@127.0.0.1:1/none"
    _assert_one_line_error(run_mlx("catalogue", "status", "--catalogue", unreachable), "cannot open the catalogue")


def test_bad_import_is_one_line_with_line_number(small_url, tmp_path, run_mlx):
    path = tmp_path / "bad.csv"
    path.write_text("provider,region,instance_type,usd_per_hour,vcpus,memory_gib\naws,us-east-1,m5.large,-0.1,2,8\n")
    done = run_mlx("catalogue", "import", str(path), "--catalogue", small_url)
    _assert_one_line_error(done, "bad.csv: line 2: usd_per_hour must be greater than zero", "catalogue was not changed")


def test_unknown_provider_filter_is_one_line(small_url, run_mlx):
    done = run_mlx("catalogue", "search", "--provider", "oracle", "--catalogue", small_url)
    _assert_one_line_error(done, "unknown provider 'oracle'", "aws, azure, gcp")


def test_export_to_file_then_import(small_url, tmp_path, run_mlx):
    out = tmp_path / "prices.json"
    done = run_mlx("catalogue", "export", "--format", "json", "-o", str(out), "--catalogue", small_url)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(out.read_text())["rows"]) == 6
    done = run_mlx("catalogue", "import", str(out), "--json", "--catalogue", small_url)
    assert json.loads(done.stdout)["data"] == {"aws": 5, "gcp": 1}
