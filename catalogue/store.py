"""Opening a catalogue: URL, engine, SQLite WAL, migrations, first-use load.

`open_catalogue()` is the one way in. It checks that the database is an mlx
catalogue at a schema this code understands, migrates an older one, and loads
the bundled snapshot into a new one, so a fresh install can quote at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session

from mlx_deploy.catalogue.fastdb import known_revisions
from mlx_deploy.orchestrator import paths
from mlx_deploy.orchestrator.errors import CatalogueError

# Every migration revision, oldest first; a test checks it against Alembic's own walk.
SCHEMA_REVISIONS: tuple[str, ...] = known_revisions()
SCHEMA_HEAD = SCHEMA_REVISIONS[-1]
URL_ENV = "MLX_CATALOGUE_URL"
FIX_URL = f"Check --catalogue or {URL_ENV}, or unset it to use the embedded SQLite catalogue."


def resolve_url(explicit: str | None = None) -> str:
    """The catalogue URL: --catalogue, else MLX_CATALOGUE_URL, else the embedded SQLite file."""
    url = explicit or os.environ.get(URL_ENV)
    if url:
        return url
    return f"sqlite:///{paths.catalogue_file()}"


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def create_catalogue_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise CatalogueError(f"{url!r} is not a database URL ({exc})", FIX_URL) from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=_connect_timeout(parsed))
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise CatalogueError(
            f"no database driver for {describe_url(url)} ({exc})",
            "Install it, e.g. `pip install 'mlx-deploy[postgres]'` for PostgreSQL.",
        ) from None


def _connect_timeout(parsed) -> dict:
    return {"connect_timeout": 5} if parsed.get_backend_name() == "postgresql" else {}


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        # WAL lets quotes read while a refresh writes; busy_timeout waits out
        # the short moment a writer holds the lock instead of failing.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # 64 MiB page cache (default 2 MiB): the price indexes of a full
        # catalogue fit, which makes the first-use snapshot load ~20% faster.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    return engine


def open_catalogue(url: str | None = None, *, load_snapshot: bool = True) -> Engine:
    """An engine on a ready catalogue: reachable, migrated, and never empty."""
    url = resolve_url(url)
    engine = create_catalogue_engine(url)
    revision = schema_revision(engine, url)
    if revision != SCHEMA_HEAD:
        with _first_use_lock():
            if schema_revision(engine, url) != SCHEMA_HEAD:
                migrate(engine)
    if load_snapshot and _is_empty(engine):
        with _first_use_lock():
            if _is_empty(engine):
                from mlx_deploy.catalogue.snapshot_load import load_bundled_snapshot

                load_bundled_snapshot(engine)
    return engine


def schema_revision(engine: Engine, url: str) -> str | None:
    """The catalogue's migration revision; None for an empty database.

    Raises CatalogueError for an unreachable server, a file that is not a
    database, a database that is not an mlx catalogue, or a newer schema.
    """
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if "alembic_version" not in tables:
                if tables:
                    raise CatalogueError(
                        f"{describe_url(url)} is a database but not an mlx catalogue "
                        f"(it has tables {', '.join(sorted(tables)[:5])})",
                        "Point --catalogue or MLX_CATALOGUE_URL at an mlx catalogue or an empty database.",
                    )
                return None
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError as exc:
        raise CatalogueError(f"cannot open the catalogue at {describe_url(url)}: {_first_line(exc)}", FIX_URL) from None
    except DatabaseError as exc:
        raise CatalogueError(
            f"{describe_url(url)} is not a readable database: {_first_line(exc)}",
            "Move the file away (mlx will create a fresh catalogue) or point --catalogue elsewhere.",
        ) from None
    if revision is not None and revision not in SCHEMA_REVISIONS:
        raise CatalogueError(
            f"the catalogue at {describe_url(url)} has schema {revision}, newer than this mlx understands",
            "Upgrade mlx (`pip install -U mlx-deploy`) or use another catalogue.",
        )
    return revision


def migrate(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations in `alembic/` on this engine."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def alembic_config(connection=None):  # noqa: ANN001
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    return config


def migrations_dir() -> Path:
    import mlx_deploy.migrations as migrations

    return Path(next(iter(migrations.__path__)))


def _is_empty(engine: Engine) -> bool:
    """No successful refresh yet: a new catalogue, or a first load that was killed."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1 FROM refresh_runs WHERE status = 'succeeded' LIMIT 1")).first() is None


@contextmanager
def _first_use_lock() -> Iterator[None]:
    """Serialise first-use migration and snapshot load between mlx processes."""
    import fcntl

    with open(paths.home() / "catalogue.init.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with Session(engine) as sess, sess.begin():
        yield sess


def _first_line(exc: Exception) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__
