"""Faults in the middle of a publish: a reader sees old or new prices, a killed refresh changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

from sqlalchemy import select

from mlx_deploy.catalogue import refresh as refresh_module
from mlx_deploy.catalogue.publish import publish
from mlx_deploy.catalogue.models import Price, RefreshRun
from mlx_deploy.catalogue.refresh import RefreshOptions, refresh
from mlx_deploy.catalogue.store import create_catalogue_engine, resolve_url

from .conftest import azure_items, paged
from .conftest import AZURE, prices, with_price


def quote_like_read(url: str) -> dict:
    """What a quote does: a fresh connection reading azure prices, as another process would."""
    reader = create_catalogue_engine(url)
    try:
        return prices(reader)
    finally:
        reader.dispose()


def test_reader_during_a_refresh_sees_old_prices_then_new_never_a_mix(engine, serve, published, monkeypatch):
    serve(paged(with_price(azure_items(), "Standard_NC6s_v3", 2)))
    inside, release = threading.Event(), threading.Event()

    def paused_publish(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        def hold(conn, run_id, batch):  # noqa: ANN001, ANN202, ARG001
            inside.set()  # new rows written, not yet committed
            release.wait(30)

        return publish(*args, before_commit=hold, **kwargs)

    monkeypatch.setattr(refresh_module, "publish", paused_publish)
    results = []
    writer = threading.Thread(target=lambda: results.extend(refresh(engine, AZURE)))
    writer.start()
    assert inside.wait(30)
    url = resolve_url()
    started = time.monotonic()
    during = quote_like_read(url)
    assert time.monotonic() - started < 5  # not waiting on the writer's lock
    release.set()
    writer.join(30)
    after = quote_like_read(url)
    assert during == published
    assert results[0].status == "published"
    assert after[("Standard_NC6s_v3", "on-demand")] == 7.16 and len(after) == len(published)


KILLED_REFRESH = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from mlx_deploy.catalogue import refresh as refresh_module
    from mlx_deploy.catalogue.publish import publish
    from mlx_deploy.catalogue.store import open_catalogue
    from mlx_deploy.providers.azure import AzureProvider
    from mlx_deploy.providers.raw import RawPage

    marker, page = Path(sys.argv[1]), Path(sys.argv[2])

    def slow_publish(*args, **kwargs):
        def hold(conn, run_id, batch):
            marker.write_text("publishing")  # new rows written, not yet committed
            time.sleep(120)
        return publish(*args, before_commit=hold, **kwargs)

    class Replay(AzureProvider):
        # The real Azure parse, on a page saved earlier instead of the network.
        def fetch(self, request):
            from mlx_deploy.providers.raw import RawPages
            return RawPages("azure", "replayed pages", request.regions,
                            [RawPage("retail_prices", "page 1", path=page)], request.known_instance_types)

    refresh_module.publish = slow_publish
    refresh_module.get_provider = lambda name: Replay()
    engine = open_catalogue(load_snapshot=False)
    refresh_module.refresh(engine, refresh_module.RefreshOptions(("azure",), ("francecentral",)))
    """
)


def test_refresh_killed_mid_publish_leaves_the_catalogue_as_it_was(engine, serve, published, tmp_path):
    import json

    from .conftest import envelope

    page = tmp_path / "page.json"
    page.write_text(json.dumps(envelope(with_price(azure_items(), "Standard_NC6s_v3", 3))))
    marker = tmp_path / "publishing"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_REFRESH, str(marker), str(page)],
        env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the child never reached the publish"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    assert prices(engine) == published
    with engine.connect() as conn:
        assert conn.execute(select(RefreshRun.status).order_by(RefreshRun.id.desc()).limit(1)).scalar() == "running"
    # The next refresh takes the lock the dead process held and records its run as abandoned.
    serve(paged(azure_items()))
    [result] = refresh(engine, RefreshOptions(("azure",), ("francecentral",)))
    assert result.status == "published"
    with engine.connect() as conn:
        errors = conn.scalars(select(RefreshRun.error).where(RefreshRun.status == "failed")).all()
    assert any(error and error.startswith("abandoned") for error in errors)
    with engine.connect() as conn:
        assert conn.execute(select(Price.usd_per_hour).where(Price.instance_type == "Standard_NC6s_v3", Price.purchase_option == "on-demand")).scalar() == 3.58

