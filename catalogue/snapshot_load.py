"""First use: load the price snapshot shipped inside the package into an empty catalogue.

One refresh run per provider, each published atomically, whose source says
where and when the prices came from; every price's observed_at is the date of
its source, not the load time, so the age mlx shows is the data's real age.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from mlx_deploy.catalogue.publish import publish
from mlx_deploy.catalogue.snapshot import codec
from mlx_deploy.catalogue.snapshot.build import source_label
from mlx_deploy.orchestrator.errors import CatalogueError


def load_bundled_snapshot(engine: Engine, path: Path | None = None) -> dict[str, int]:
    """Publish every provider of the snapshot; returns {provider: refresh run id}."""
    path = path or codec.BUNDLED
    try:
        document = codec.read(path)
    except (OSError, ValueError, EOFError) as exc:
        raise CatalogueError(
            f"the bundled price snapshot {path} cannot be read ({exc})",
            "Reinstall mlx (`pip install --force-reinstall mlx-deploy`) or import prices with `mlx catalogue import`.",
        ) from None
    runs = {}
    for provider, data in document["providers"].items():
        source = data["source"]
        observed_at = datetime.fromisoformat(source["observed_at"])
        rows = codec.decode_provider(provider, data, observed_at)
        runs[provider] = publish(engine, rows, source_label(source))
    return runs
