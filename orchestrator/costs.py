"""All-in cost: the instance price plus what a managed deployment really adds.

Lines per candidate, each from a per-provider cost model kept as data (the
catalogue's `cost_items` table, seeded from `cost_items.json` with each
item's source): nodes x instance price, the managed cluster's control-plane
fee, one load balancer, any extra node the provider's module always adds
(AKS's one-node system pool), and the node disks. Monthly figures are 730
hours.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mlx_deploy.orchestrator.candidates import HOURS_PER_MONTH, CostLine

CONTROL_PLANE, LOAD_BALANCER, DISK = "control_plane", "load_balancer", "disk_gib_month"
SYSTEM_POOL = "system_pool"  # a fixed node outside the chosen pool, for providers whose module adds one
# Per-hour items every deployment pays once, whatever its nodes, with their default labels.
FIXED_ITEMS = (
    (CONTROL_PLANE, "managed Kubernetes control plane"),
    (LOAD_BALANCER, "load balancer"),
    (SYSTEM_POOL, "system node pool"),
)
DATA_FILE = "cost_items.json"
# cost_items has no description column: it travels in `source` after this separator.
DESCRIPTION_SEP = " -- "


@dataclass(frozen=True, slots=True)
class CostItem:
    provider: str
    item: str
    unit: str  # per_hour or per_gib_month
    usd: float
    source: str
    observed_at: datetime
    description: str = ""


@dataclass(frozen=True, slots=True)
class CostModel:
    items: dict[tuple[str, str], CostItem]

    def get(self, provider: str, item: str) -> CostItem | None:
        return self.items.get((provider, item))

    def providers(self) -> set[str]:
        return {provider for provider, _item in self.items}

    def fixed_usd_per_hour(self, provider: str) -> float:
        """The fixed items (control plane, load balancer, system pool): what a deployment costs before any chosen node."""
        return sum(item.usd for name, _label in FIXED_ITEMS if (item := self.get(provider, name)))

    @classmethod
    def of(cls, items: list[CostItem]) -> CostModel:
        return cls({(item.provider, item.item): item for item in items})


def bundled_items() -> list[CostItem]:
    """The published list prices shipped with mlx (see cost_items.json for sources)."""
    text = (Path(__file__).parent / DATA_FILE).read_text(encoding="utf-8")
    return [
        CostItem(
            provider=raw["provider"],
            item=raw["item"],
            unit=raw["unit"],
            usd=float(raw["usd"]),
            source=raw["source"],
            observed_at=datetime.fromisoformat(raw["observed_at"]).replace(tzinfo=timezone.utc),
            description=raw.get("description", ""),
        )
        for raw in json.loads(text)["items"]
    ]


def bundled_model() -> CostModel:
    return CostModel.of(bundled_items())


def cost_lines(
    provider: str, instance_type: str, nodes: int, usd_per_hour: float, node_disk_gib: float, model: CostModel
) -> tuple[CostLine, ...]:
    """The all-in lines for `nodes` nodes of one instance type; items the model lacks are left out."""
    lines = [
        CostLine(
            "instances",
            f"{nodes} x {instance_type} at ${usd_per_hour:,.4f}/h",
            nodes * usd_per_hour,
            "catalogue price",
        )
    ]
    for name, label in FIXED_ITEMS:
        item = model.get(provider, name)
        if item is not None:
            lines.append(CostLine(name, item.description or label, item.usd, item.source))
    disk = model.get(provider, DISK)
    if disk is not None:
        per_hour = nodes * node_disk_gib * disk.usd / HOURS_PER_MONTH
        text = f"{nodes} x {node_disk_gib:g} GiB node disk at ${disk.usd:g}/GiB-month ({disk.description})"
        lines.append(CostLine("disk", text, per_hour, disk.source))
    return tuple(lines)


def allin_usd_per_hour(provider: str, nodes: int, usd_per_hour: float, node_disk_gib: float, model: CostModel) -> float:
    """The sum of `cost_lines`, without building them: the same additions in the same order, so equal to the bit."""
    total = 0 + nodes * usd_per_hour
    for name, _label in FIXED_ITEMS:
        item = model.get(provider, name)
        if item is not None:
            total += item.usd
    disk = model.get(provider, DISK)
    if disk is not None:
        total += nodes * node_disk_gib * disk.usd / HOURS_PER_MONTH
    return total


def load_cost_model(reader) -> CostModel:  # noqa: ANN001 - catalogue.fastdb.Reader
    """The catalogue's cost model; seeds `cost_items` from the bundled data when the table is empty.

    A catalogue that cannot be written (read-only database user) still quotes
    with the bundled items.
    """
    rows = reader.rows("SELECT provider, item, unit, usd, source, observed_at FROM cost_items")
    if rows:
        return CostModel.of([_from_row(row) for row in rows])
    items = bundled_items()
    try:
        seed(reader, items)
    except Exception:  # noqa: BLE001 - sqlite3/psycopg errors: another process seeded first, or read-only
        pass
    return CostModel.of(items)


def seed(reader, items: list[CostItem]) -> None:  # noqa: ANN001
    values = [
        {
            "provider": i.provider,
            "item": i.item,
            "unit": i.unit,
            "usd": i.usd,
            "source": f"{i.source}{DESCRIPTION_SEP}{i.description}" if i.description else i.source,
            "observed_at": reader.timestamp(i.observed_at),
        }
        for i in items
    ]
    reader.write(
        "INSERT INTO cost_items (provider, item, unit, usd, source, observed_at) "
        "VALUES (:provider, :item, :unit, :usd, :source, :observed_at)",
        values,
    )


def _from_row(row: tuple) -> CostItem:
    from mlx_deploy.catalogue.fastdb import as_datetime

    provider, item, unit, usd, stored_source, observed_at = row
    source, _sep, description = stored_source.partition(DESCRIPTION_SEP)
    return CostItem(provider, item, unit, float(usd), source, as_datetime(observed_at), description)
