"""Alembic environment shared by `alembic upgrade head` and mlx itself.

mlx passes an open connection in `config.attributes["connection"]`; the
alembic command line gets its URL from MLX_CATALOGUE_URL or the default.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine

from mlx_deploy.catalogue.models import Base

config = context.config
if config.config_file_name and not config.attributes.get("connection"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    from mlx_deploy.catalogue.store import resolve_url

    engine = create_engine(resolve_url(None))
    with engine.connect() as connection:
        _configure(connection)


if context.is_offline_mode():
    raise SystemExit("mlx migrations run online only: set MLX_CATALOGUE_URL and run `alembic upgrade head`.")
run()
