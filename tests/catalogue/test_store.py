"""Opening catalogues: migrations, WAL, and every way a database can be wrong."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from mlx_deploy.catalogue import store
from mlx_deploy.catalogue.models import Base
from mlx_deploy.orchestrator.errors import CatalogueError
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[2]


def test_models_and_migrations_agree(catalogue_url):
    engine = store.open_catalogue(catalogue_url, load_snapshot=False)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_schema_revisions_list_every_migration():
    script = ScriptDirectory.from_config(store.alembic_config())
    walked = [rev.revision for rev in script.walk_revisions()]
    assert tuple(reversed(walked)) == store.SCHEMA_REVISIONS


def test_embedded_default_is_wal_sqlite_under_mlx_home(isolated_home):
    engine = store.open_catalogue(load_snapshot=False)
    assert engine.url.database == str(isolated_home / "catalogue.sqlite")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == store.SCHEMA_HEAD


def test_url_from_environment(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'team.sqlite'}"
    monkeypatch.setenv("MLX_CATALOGUE_URL", url)
    assert store.resolve_url() == url
    assert store.resolve_url("sqlite:///explicit.sqlite") == "sqlite:///explicit.sqlite"


def test_corrupt_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "broken.sqlite"
    garbage = b"this is not a database at all\x00" * 200
    path.write_bytes(garbage)
    with pytest.raises(CatalogueError, match="not a readable database"):
        store.open_catalogue(f"sqlite:///{path}", load_snapshot=False)
    assert path.read_bytes() == garbage


def test_foreign_sqlite_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(CatalogueError, match="not an mlx catalogue.*invoices"):
        store.open_catalogue(f"sqlite:///{path}", load_snapshot=False)
    with sqlite3.connect(path) as conn:
        assert [row[0] for row in conn.execute("SELECT name FROM sqlite_master")] == ["invoices"]


def test_newer_schema_is_refused(catalogue_url):
    engine = store.open_catalogue(catalogue_url, load_snapshot=False)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(CatalogueError, match="schema 9999, newer than this mlx") as caught:
        store.open_catalogue(catalogue_url, load_snapshot=False)
    assert "Upgrade mlx" in caught.value.one_line()


def test_unreachable_postgres_says_so_quickly():
    url = "postgresql+psycopg://mlx:secret@127.0.0.1:1/nowhere"
    with pytest.raises(CatalogueError) as caught:
        store.open_catalogue(url, load_snapshot=False)
    message = caught.value.one_line()
    assert "cannot open the catalogue at postgresql+psycopg://mlx:***@127.0.0.1:1/nowhere" in message
    assert "secret" not in message
    assert "MLX_CATALOGUE_URL" in message


def test_bad_url_is_a_clear_error():
    with pytest.raises(CatalogueError, match="is not a database URL"):
        store.open_catalogue("not a url", load_snapshot=False)


def test_alembic_command_line_upgrades_the_configured_catalogue(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    env = {"MLX_CATALOGUE_URL": url, "MLX_HOME": str(tmp_path / "home"), "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(REPO / "alembic.ini"), "upgrade", "head"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    with create_engine(url).connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == store.SCHEMA_HEAD
