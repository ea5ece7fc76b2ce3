"""Quote tests: small hand-checkable catalogues published through the real publish path."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone

import pytest

from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow

OBSERVED = datetime(2026, 11, 1, tzinfo=timezone.utc)
POSTGRES_ENV = "MLX_TEST_POSTGRES_URL"


def small_catalogue() -> list[ProviderRows]:
    """Two clouds, CPU and GPU types, spot and on-demand, with prices checkable by hand."""
    aws = ProviderRows(
        "aws",
        regions=[RegionRow("aws", "us-east-1"), RegionRow("aws", "eu-west-1")],
        instance_types=[
            InstanceTypeRow("aws", "m5.xlarge", 4, 16, "x86_64"),
            InstanceTypeRow("aws", "m6g.xlarge", 4, 16, "arm64"),
            InstanceTypeRow("aws", "t3.small", 2, 2, "x86_64"),
            InstanceTypeRow("aws", "g5.xlarge", 4, 16, "x86_64", "A10G", 1, 24),
            InstanceTypeRow("aws", "g4dn.xlarge", 4, 16, "x86_64", "T4", 1, 16),
            InstanceTypeRow("aws", "g5.12xlarge", 48, 192, "x86_64", "A10G", 4, 24),
            InstanceTypeRow("aws", "inf2.xlarge", 4, 16, "x86_64", accelerator="Inferentia2"),
        ],
        prices=[
            PriceRow("aws", "us-east-1", "m5.xlarge", "on-demand", 0.192, observed_at=OBSERVED),
            PriceRow("aws", "eu-west-1", "m5.xlarge", "on-demand", 0.214, observed_at=OBSERVED),
            PriceRow("aws", "us-east-1", "m6g.xlarge", "on-demand", 0.154, observed_at=OBSERVED),
            PriceRow("aws", "us-east-1", "t3.small", "on-demand", 0.0208, observed_at=OBSERVED),
            PriceRow("aws", "us-east-1", "inf2.xlarge", "on-demand", 0.7582, observed_at=OBSERVED),
            PriceRow("aws", "us-east-1", "g5.xlarge", "on-demand", 1.006, observed_at=OBSERVED),
            PriceRow("aws", "us-east-1", "g5.xlarge", "spot", 0.45, zone="us-east-1a", observed_at=OBSERVED),
            PriceRow("aws", "us-east-1", "g5.xlarge", "spot", 0.43, zone="us-east-1b", observed_at=OBSERVED),
            PriceRow("aws", "us-east-1", "g4dn.xlarge", "on-demand", 0.526, observed_at=OBSERVED),
            PriceRow("aws", "us-east-1", "g5.12xlarge", "on-demand", 5.672, observed_at=OBSERVED),
        ],
    )
    gcp = ProviderRows(
        "gcp",
        regions=[RegionRow("gcp", "us-central1"), RegionRow("gcp", "europe-west4")],
        instance_types=[
            InstanceTypeRow("gcp", "n2-standard-4", 4, 16, "x86_64"),
            InstanceTypeRow("gcp", "g2-standard-4", 4, 16, "x86_64", "L4", 1, 24),
        ],
        prices=[
            PriceRow("gcp", "us-central1", "n2-standard-4", "on-demand", 0.1942, observed_at=OBSERVED),
            PriceRow("gcp", "europe-west4", "n2-standard-4", "on-demand", 0.2138, observed_at=OBSERVED),
            PriceRow("gcp", "us-central1", "g2-standard-4", "on-demand", 0.7068, observed_at=OBSERVED),
            PriceRow("gcp", "us-central1", "g2-standard-4", "spot", 0.2827, observed_at=OBSERVED),
        ],
    )
    return [aws, gcp]


def publish_catalogue(url: str, batches: list[ProviderRows]):
    from mlx_deploy.catalogue.publish import publish
    from mlx_deploy.catalogue.store import open_catalogue

    engine = open_catalogue(url, load_snapshot=False)
    for batch in batches:
        publish(engine, batch, f"test catalogue ({batch.provider})")
    return engine


@pytest.fixture
def small_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'small.sqlite'}"
    publish_catalogue(url, small_catalogue()).dispose()
    return url


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database for one test, dropped afterwards; skips (or fails in CI) without a server."""
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        _skip_or_fail(f"PostgreSQL tests need {POSTGRES_ENV}; .ci/run sets it")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    name = f"mlx_quote_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        _skip_or_fail(f"PostgreSQL is not reachable: {exc.orig}")
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def small_postgres_url(postgres_url) -> str:
    publish_catalogue(postgres_url, small_catalogue()).dispose()
    return postgres_url


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("MLX_REQUIRE_POSTGRES"):
        pytest.fail(reason)
    pytest.skip(reason)
