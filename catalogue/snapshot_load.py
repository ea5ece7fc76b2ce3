"""First use: load the price snapshot shipped inside the package into an empty catalogue.

One refresh run per provider, all published in one transaction, whose source says
where and when the prices came from; every price's observed_at is the date of
its source, not the load time, so the age mlx shows is the data's real age.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from mlx_deploy.catalogue.models import Price
from mlx_deploy.catalogue.publish import publish_all
from mlx_deploy.catalogue.snapshot import codec
from mlx_deploy.orchestrator.errors import CatalogueError
from sqlalchemy import Engine


def load_bundled_snapshot(engine: Engine, path: Path | None = None) -> dict[str, int]:
    """Publish every provider of the snapshot in one transaction; returns {provider: refresh run id}."""
    path = path or codec.BUNDLED
    try:
        document = codec.read(path)
    except (OSError, ValueError, EOFError) as exc:
        raise _unreadable(path, str(exc)) from None
    batches, sources = [], {}
    for provider, data in document["providers"].items():
        try:
            source = data["source"]
            batches.append(codec.decode_provider(provider, data, datetime.fromisoformat(source["observed_at"])))
            sources[provider] = codec.source_label(source)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise _unreadable(path, f"{provider}: {type(exc).__name__}: {exc}") from None
    with _price_indexes_built_after(engine):
        return publish_all(engine, batches, sources)


def _unreadable(path: Path, reason: str) -> CatalogueError:
    return CatalogueError(
        f"the bundled price snapshot {path} cannot be read ({reason})",
        "Reinstall mlx (`pip install --force-reinstall mlx-deploy`) or import prices with `mlx catalogue import`.",
    )


@contextmanager
def _price_indexes_built_after(engine: Engine) -> Iterator[None]:
    """On SQLite, build the price indexes once after the load.

    Keeping three indexes up to date row by row is about 40% of the load; one
    sort per index afterwards is much cheaper. pysqlite runs this DDL outside
    any transaction, so the indexes are rebuilt whatever happens to the load; a load killed
    part-way (which leaves no successful run, so it is redone on the next
    open) finds them dropped or present and copes with both. Only for SQLite,
    where the first-use file lock in store keeps other mlx processes waiting; a
    server database may have readers elsewhere.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    indexes = list(Price.__table__.indexes)
    with engine.begin() as conn:
        for index in indexes:
            index.drop(conn, checkfirst=True)
    try:
        yield
    finally:
        with engine.begin() as conn:
            # Let SQLite's sorter use both cores: the index builds are the largest part of a load.
            conn.exec_driver_sql(f"PRAGMA threads={os.cpu_count() or 1}")
            for index in indexes:
                index.create(conn, checkfirst=True)
