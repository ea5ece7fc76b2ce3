"""The catalogue schema (SQLAlchemy 2.0 typed ORM).

Migrations in `alembic/` must describe exactly these tables; a test compares
them with Alembic's autogenerate.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ON_DEMAND = "on-demand"
SPOT = "spot"
PURCHASE_OPTIONS = (ON_DEMAND, SPOT)


class Base(DeclarativeBase):
    pass


class Region(Base):
    __tablename__ = "regions"
    __table_args__ = (UniqueConstraint("provider", "code", name="uq_regions_provider_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(128))
    continent: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(64))


class InstanceType(Base):
    __tablename__ = "instance_types"
    __table_args__ = (
        UniqueConstraint("provider", "name", name="uq_instance_types_provider_name"),
        Index("ix_instance_types_gpu", "gpu_model", "gpu_count"),
        Index("ix_instance_types_size", "vcpus", "memory_gib"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    vcpus: Mapped[float] = mapped_column(Float)
    memory_gib: Mapped[float] = mapped_column(Float)
    arch: Mapped[str | None] = mapped_column(String(16))
    gpu_model: Mapped[str | None] = mapped_column(String(32))
    gpu_count: Mapped[float] = mapped_column(Float, default=0.0)
    gpu_memory_gib: Mapped[float | None] = mapped_column(Float)
    accelerator: Mapped[str | None] = mapped_column(String(64))
    local_disk_gib: Mapped[float | None] = mapped_column(Float)


class RefreshRun(Base):
    __tablename__ = "refresh_runs"
    __table_args__ = (Index("ix_refresh_runs_provider_status", "provider", "status", "finished_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # running, succeeded, failed
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class Price(Base):
    __tablename__ = "prices"
    __table_args__ = (
        ForeignKeyConstraint(
            ["provider", "instance_type"],
            ["instance_types.provider", "instance_types.name"],
            name="fk_prices_instance_type",
        ),
        ForeignKeyConstraint(
            ["provider", "region"],
            ["regions.provider", "regions.code"],
            name="fk_prices_region",
        ),
        Index("ix_prices_quote", "purchase_option", "provider", "region", "usd_per_hour"),
        Index("ix_prices_instance", "provider", "instance_type"),
        # Covering for the quote's price-ordered scan (catalogue/offers.py): the
        # filters are checked in the index, rows are read only for matches.
        Index("ix_prices_order", "usd_per_hour", "purchase_option", "provider", "instance_type", "region"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(64))
    zone: Mapped[str | None] = mapped_column(String(64))
    instance_type: Mapped[str] = mapped_column(String(64))
    purchase_option: Mapped[str] = mapped_column(String(16))
    os: Mapped[str] = mapped_column(String(16), default="linux")
    usd_per_hour: Mapped[float] = mapped_column(Float)
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(Text)
    refresh_run_id: Mapped[int | None] = mapped_column(ForeignKey("refresh_runs.id", name="fk_prices_refresh_run"))


class PriceChange(Base):
    """What a refresh changed, for `mlx catalogue diff`."""

    __tablename__ = "price_changes"
    __table_args__ = (Index("ix_price_changes_run", "refresh_run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    refresh_run_id: Mapped[int] = mapped_column(ForeignKey("refresh_runs.id", name="fk_price_changes_refresh_run"))
    provider: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(64))
    zone: Mapped[str | None] = mapped_column(String(64))
    instance_type: Mapped[str] = mapped_column(String(64))
    purchase_option: Mapped[str] = mapped_column(String(16))
    old_usd_per_hour: Mapped[float | None] = mapped_column(Float)
    new_usd_per_hour: Mapped[float | None] = mapped_column(Float)


class CostItem(Base):
    """One line of a provider's all-in cost model (control plane, load balancer, disk)."""

    __tablename__ = "cost_items"
    __table_args__ = (UniqueConstraint("provider", "item", name="uq_cost_items_provider_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    item: Mapped[str] = mapped_column(String(64))  # e.g. control_plane, load_balancer, disk_gib_month
    unit: Mapped[str] = mapped_column(String(32))  # e.g. per_hour, per_gib_month
    usd: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Deployment(Base):
    """A deployment mlx created: what, where, at what price, and where it stands.

    Status: planning, applying, running, failed, destroying, destroyed. A record
    is never deleted, so mlx cannot forget resources that may still exist.
    """

    __tablename__ = "deployments"
    __table_args__ = (Index("ix_deployments_name_status", "name", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    model_file: Mapped[str] = mapped_column(Text)
    model_sha256: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(64))
    instance_type: Mapped[str | None] = mapped_column(String(64))
    nodes: Mapped[int | None] = mapped_column(Integer)
    purchase_option: Mapped[str | None] = mapped_column(String(16))
    usd_per_hour: Mapped[float | None] = mapped_column(Float)  # all-in, at deploy time
    status: Mapped[str] = mapped_column(String(16))
    endpoint: Mapped[str | None] = mapped_column(Text)
    workspace: Mapped[str] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    running_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    destroyed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeploymentAttempt(Base):
    """One candidate tried for a deployment, and how it ended."""

    __tablename__ = "deployment_attempts"
    __table_args__ = (Index("ix_deployment_attempts_deployment", "deployment_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", name="fk_deployment_attempts_deployment"))
    number: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(64))
    instance_type: Mapped[str] = mapped_column(String(64))
    nodes: Mapped[int] = mapped_column(Integer)
    purchase_option: Mapped[str] = mapped_column(String(16))
    usd_per_hour: Mapped[float] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(16))  # applying, succeeded, capacity, failed
    error: Mapped[str | None] = mapped_column(Text)
