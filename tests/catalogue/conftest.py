"""Catalogue backends: every test using `catalogue_url` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from mlx_deploy.catalogue.rows import InstanceTypeRow, PriceRow, ProviderRows, RegionRow


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalogue_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    return request.getfixturevalue("postgres_url")


OBSERVED = datetime(2026, 5, 20, tzinfo=timezone.utc)


def small_batches() -> list[ProviderRows]:
    """A tiny two-cloud catalogue with hand-checkable prices."""
    aws = ProviderRows(
        "aws",
        regions=[RegionRow("aws", "us-east-1", "US East (N. Virginia)", "North America", "US"), RegionRow("aws", "eu-west-1")],
        instance_types=[
            InstanceTypeRow("aws", "m5.xlarge", 4, 16, "x86_64"),
            InstanceTypeRow("aws", "g5.xlarge", 4, 16, "x86_64", "A10G", 1, 24, local_disk_gib=250),
            InstanceTypeRow("aws", "p4de.24xlarge", 96, 1152, "x86_64", "A100-80GB", 8, 80),
        ],
        prices=[
            PriceRow("aws", "us-east-1", "m5.xlarge", "on-demand", 0.192, observed_at=OBSERVED),
            PriceRow("aws", "eu-west-1", "m5.xlarge", "on-demand", 0.214, observed_at=OBSERVED),
            PriceRow("aws", "us-east-1", "g5.xlarge", "on-demand", 1.006, observed_at=OBSERVED),
            PriceRow("aws", "us-east-1", "g5.xlarge", "spot", 0.4321, zone="use1-az1", observed_at=OBSERVED),
            PriceRow("aws", "us-east-1", "p4de.24xlarge", "on-demand", 40.96, observed_at=OBSERVED),
        ],
    )
    gcp = ProviderRows(
        "gcp",
        regions=[RegionRow("gcp", "europe-west4")],
        instance_types=[InstanceTypeRow("gcp", "a2-ultragpu-1g", 12, 170, "x86_64", "A100-80GB", 1, 80)],
        prices=[PriceRow("gcp", "europe-west4", "a2-ultragpu-1g", "on-demand", 5.58, observed_at=OBSERVED)],
    )
    return [aws, gcp]
