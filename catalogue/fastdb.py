"""Read-only SQL for the quote path without importing SQLAlchemy when the catalogue is a ready SQLite file.

Importing SQLAlchemy costs more than the whole quote on a 2-core machine, so
`open_reader` talks to a migrated, non-empty SQLite catalogue through the
standard `sqlite3` module, and only falls back to `store.open_catalogue`
(migrations, first-use snapshot load, PostgreSQL) when it must. SQL is written
once with `:name` parameters, which both `sqlite3` and SQLAlchemy `text()` take.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any


class Reader:
    """Runs SQL on the catalogue and returns plain tuples."""

    dialect = "sqlite"

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
        raise NotImplementedError

    def write(self, sql: str, rows: Sequence[dict[str, Any]]) -> None:
        raise NotImplementedError

    def timestamp(self, moment: datetime) -> Any:
        """A UTC datetime as this database stores it."""
        return moment

    def close(self) -> None:
        pass


class SqliteReader(Reader):
    def __init__(self, path: str) -> None:
        import sqlite3

        self.conn = sqlite3.connect(path, timeout=30)
        self.conn.execute("PRAGMA busy_timeout=30000")

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
        return self.conn.execute(sql, params or {}).fetchall()

    def write(self, sql: str, rows: Sequence[dict[str, Any]]) -> None:
        with self.conn:
            self.conn.executemany(sql, rows)

    def timestamp(self, moment: datetime) -> Any:
        # SQLAlchemy's SQLite DateTime format, so both read it back alike.
        return moment.astimezone(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def close(self) -> None:
        self.conn.close()


class EngineReader(Reader):
    def __init__(self, engine, owned: bool = False) -> None:  # noqa: ANN001 - sqlalchemy Engine
        self.engine, self.owned = engine, owned
        self.dialect = engine.dialect.name

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params or {})]

    def write(self, sql: str, rows: Sequence[dict[str, Any]]) -> None:
        from sqlalchemy import text

        with self.engine.begin() as conn:
            conn.execute(text(sql), list(rows))

    def timestamp(self, moment: datetime) -> Any:
        if self.dialect == "sqlite":
            return moment.astimezone(timezone.utc).replace(tzinfo=None)
        return moment

    def close(self) -> None:
        if self.owned:
            self.engine.dispose()


def open_reader(url: str | None = None, engine=None) -> Reader:  # noqa: ANN001
    """A reader on a ready catalogue: the fast sqlite3 path when possible, else via `store.open_catalogue`."""
    if engine is not None:
        return _sqlite_or_engine(engine, owned=False)
    url = url or os.environ.get("MLX_CATALOGUE_URL") or _default_url()
    fast = _fast_sqlite(url)
    if fast is not None:
        return fast
    from mlx_deploy.catalogue.store import open_catalogue

    return _sqlite_or_engine(open_catalogue(url), owned=True)


def _sqlite_or_engine(engine, owned: bool) -> Reader:  # noqa: ANN001
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        fast = _fast_sqlite(engine.url.render_as_string(hide_password=False))
        if fast is not None:
            if owned:
                engine.dispose()
            return fast
    return EngineReader(engine, owned)


def _default_url() -> str:
    from mlx_deploy.orchestrator import paths

    return f"sqlite:///{paths.catalogue_file()}"


def _fast_sqlite(url: str) -> SqliteReader | None:
    """sqlite3 on the file if it is a migrated catalogue with prices; None otherwise."""
    if not url.startswith("sqlite:///") or "?" in url:
        return None
    path = url.removeprefix("sqlite:///")
    if not path or path == ":memory:" or not Path(path).is_file():
        return None
    import sqlite3

    try:
        reader = SqliteReader(path)
        version = reader.rows("SELECT version_num FROM alembic_version")
        loaded = reader.rows("SELECT 1 FROM refresh_runs WHERE status = 'succeeded' LIMIT 1")
    except sqlite3.Error:
        return None
    if not loaded or not version or version[0][0] != head_revision():
        reader.close()
        return None
    return reader


@lru_cache(maxsize=1)
def known_revisions() -> tuple[str, ...]:
    """Every migration revision, oldest first, from the file names in alembic/versions (`0001_...py`)."""
    import mlx_deploy.migrations as migrations  # a folder without __init__: cheap

    folders = [Path(p) / "versions" for p in migrations.__path__ if (Path(p) / "versions").is_dir()]
    return tuple(sorted(
        name.split("_", 1)[0]
        for folder in folders
        for name in os.listdir(folder)
        if name.endswith(".py") and name[:4].isdigit()
    ))  # fmt: skip


def head_revision() -> str | None:
    revisions = known_revisions()
    return revisions[-1] if revisions else None


def in_list(prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """`:p0, :p1, ...` and its parameters, for `column IN (...)`."""
    params = {f"{prefix}{i}": value for i, value in enumerate(values)}
    return ", ".join(f":{name}" for name in params), params


_PARSED: dict[str, datetime] = {}


def as_datetime(value: Any) -> datetime | None:
    """A stored timestamp (datetime, or SQLite text) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        parsed = _PARSED.get(value)
        if parsed is None:
            parsed = datetime.fromisoformat(value)
            if len(_PARSED) < 10_000:
                _PARSED[value] = parsed
        value = parsed
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
