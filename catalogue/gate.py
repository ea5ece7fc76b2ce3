"""The sanity gate: what a refresh must not publish without `--force`.

A $0, negative or NaN price is never a real VM price; a refresh that loses
more than a set share of a provider's rows more likely broke than the cloud
withdrew that much. Even a forced publish leaves the invalid rows out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from mlx_deploy.catalogue.rows import PriceRow, ProviderRows

DEFAULT_MAX_DROP_SHARE = 0.2
EXAMPLES = 3


@dataclass(frozen=True)
class GateReport:
    problems: tuple[str, ...]
    invalid_rows: int

    @property
    def passed(self) -> bool:
        return not self.problems


def is_valid(row: PriceRow) -> bool:
    price = row.usd_per_hour
    return isinstance(price, (int, float)) and math.isfinite(price) and price > 0


def check(batch: ProviderRows, previous_rows: int, max_drop_share: float = DEFAULT_MAX_DROP_SHARE) -> GateReport:
    """Problems that stop `batch` from replacing `previous_rows` prices."""
    problems: list[str] = []
    invalid = [row for row in batch.prices if not is_valid(row)]
    if invalid:
        examples = ", ".join(
            f"{row.region} {row.instance_type} {row.purchase_option} = {row.usd_per_hour!r}" for row in invalid[:EXAMPLES]
        )
        problems.append(f"{len(invalid)} prices are $0, negative or not a number (e.g. {examples})")
    valid = len(batch.prices) - len(invalid)
    if valid == 0:
        problems.append("the refresh found no prices at all")
    elif previous_rows and valid < previous_rows:
        dropped = (previous_rows - valid) / previous_rows
        if dropped > max_drop_share:
            problems.append(
                f"it would drop {previous_rows - valid:,} of {previous_rows:,} prices ({dropped:.0%}), "
                f"more than the allowed {max_drop_share:.0%}"
            )
    return GateReport(tuple(problems), len(invalid))


def without_invalid(batch: ProviderRows) -> ProviderRows:
    return replace(batch, prices=[row for row in batch.prices if is_valid(row)])
