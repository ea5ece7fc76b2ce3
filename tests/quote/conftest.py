"""Quote tests: small hand-checkable catalogues published through the real publish path."""

from __future__ import annotations

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
def small_postgres_url(postgres_url) -> str:
    publish_catalogue(postgres_url, small_catalogue()).dispose()
    return postgres_url


