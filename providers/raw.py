"""Raw pages: what a provider's fetch saves and its pure parse reads.

A fetch writes every API page to a file under the run's work directory, so a
parse keeps only one page in memory at a time and a failed refresh leaves the
pages behind for inspection. Errors about a page always name the provider,
the page and the cause.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlx_deploy.catalogue.rows import InstanceTypeRow
from mlx_deploy.orchestrator.errors import RefreshError

# progress(task, advance, total): `total` None leaves the total unknown.
Progress = Callable[[str, int, "int | None"], None]


def no_progress(_task: str, _advance: int, _total: int | None) -> None:
    return None


@dataclass(frozen=True)
class FetchRequest:
    """What refresh asks of a provider's fetch."""

    workdir: Path
    regions: tuple[str, ...] | None = None  # None: every region the provider offers
    progress: Progress = no_progress
    # Instance types the catalogue already knows for this provider, for a
    # provider whose specs need credentials the machine may not have.
    known_instance_types: tuple[InstanceTypeRow, ...] = ()


@dataclass(frozen=True)
class RawPage:
    kind: str  # e.g. "describe_instance_types", "retail_prices"
    label: str  # e.g. "us-east-1 page 3": names the page in error messages
    path: Path | None = None
    payload: Any = None
    region: str | None = None

    def load(self, provider: str) -> Any:
        """The page's JSON, or a RefreshError naming provider, page and cause."""
        if self.path is None:
            return self.payload
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise page_error(provider, self, f"cannot read {self.path} ({exc.strerror})") from None
        return decode_json(provider, self, data)


@dataclass
class RawPages:
    """Everything one fetch saved; parse turns it into catalogue rows."""

    provider: str
    source: str
    regions: tuple[str, ...] | None
    pages: list[RawPage] = field(default_factory=list)
    known_instance_types: tuple[InstanceTypeRow, ...] = ()

    def of_kind(self, kind: str) -> Iterator[RawPage]:
        return (page for page in self.pages if page.kind == kind)


class PageSaver:
    """Writes fetched pages as numbered JSON files in the work directory."""

    def __init__(self, workdir: Path, provider: str) -> None:
        self.directory = workdir / provider
        self.directory.mkdir(parents=True, exist_ok=True)
        self.provider = provider
        self.count = 0

    def save(self, kind: str, label: str, payload: Any, region: str | None = None) -> RawPage:
        self.count += 1
        path = self.directory / f"{self.count:05d}-{kind}.json"
        path.write_text(json.dumps(payload, default=str))
        return RawPage(kind, label, path=path, region=region)

    def path_for(self, kind: str, suffix: str = "json") -> Path:
        self.count += 1
        return self.directory / f"{self.count:05d}-{kind}.{suffix}"


def decode_json(provider: str, page: RawPage, data: bytes) -> Any:
    head = data.lstrip()[:200].lower()
    if head.startswith(b"<"):
        raise page_error(provider, page, "an HTML page instead of JSON (an error page or a proxy login?)")
    if not head:
        raise page_error(provider, page, "an empty response instead of JSON")
    try:
        return json.loads(data)
    except ValueError as exc:
        raise page_error(provider, page, f"truncated or malformed JSON ({exc})") from None


def page_error(provider: str, page: RawPage | str, cause: str) -> RefreshError:
    label = page.label if isinstance(page, RawPage) else page
    return RefreshError(
        f"{provider} refresh failed on {label}: {cause}; the catalogue was not changed",
        f"Run `mlx catalogue refresh --provider {provider}` again later; the fetched pages stay in the data dir under refresh-raw/ for inspection.",
    )


def usd_price(provider: str, page: RawPage, value: Any, what: str) -> float:
    """A finite, non-negative price from a string or number, or a page error."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise page_error(provider, page, f"{what} has an unexpected type {type(value).__name__}")
    try:
        price = float(value)
    except ValueError:
        raise page_error(provider, page, f"{what} is not a number ({value!r})") from None
    if math.isnan(price) or math.isinf(price) or price < 0:
        raise page_error(provider, page, f"{what} is not a valid price ({value!r})")
    return price


def require(provider: str, page: RawPage, mapping: Any, key: str, kind: type | tuple[type, ...]) -> Any:
    """mapping[key] of the expected type, or a page error naming the field."""
    if not isinstance(mapping, dict):
        raise page_error(provider, page, f"expected an object holding {key!r}, got {type(mapping).__name__}")
    if key not in mapping:
        raise page_error(provider, page, f"field {key!r} is missing")
    value = mapping[key]
    if not isinstance(value, kind):
        raise page_error(provider, page, f"field {key!r} has an unexpected type {type(value).__name__}")
    return value
