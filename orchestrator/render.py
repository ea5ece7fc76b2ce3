"""Output for people (rich tables) and for scripts (JSON envelopes).

Only the CLI calls these; library code returns data.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

ENVELOPE_VERSION = 1


def envelope(kind: str, data: Any, **meta: Any) -> dict:
    """The stable JSON shape every `--json` output uses."""
    return {"schema_version": ENVELOPE_VERSION, "kind": kind, **meta, "data": data}


def print_json(kind: str, data: Any, **meta: Any) -> None:
    json.dump(envelope(kind, data, **meta), sys.stdout, indent=2, default=_json_default)
    sys.stdout.write("\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def as_utc(moment: datetime) -> datetime:
    """Catalogue times are UTC; SQLite hands them back without a zone."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def age(moment: datetime | None, now: datetime | None = None) -> str:
    """A short human age like `3h`, `2d`, `5m`."""
    if moment is None:
        return "never"
    seconds = ((now or datetime.now(timezone.utc)) - as_utc(moment)).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{max(int(seconds), 0)}s"


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, caption: str | None = None):
    """A rich Table with right-aligned numbers."""
    from rich.table import Table

    result = Table(title=title, caption=caption, caption_justify="left", header_style="bold")
    materialised = [list(row) for row in rows]
    for index, column in enumerate(columns):
        numeric = bool(materialised) and all(
            isinstance(row[index], (int, float)) or row[index] in (None, "", "-") for row in materialised
        )
        result.add_column(column, justify="right" if numeric else "left")
    for row in materialised:
        result.add_row(*(_cell(value) for value in row))
    return result


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if value < 100 else f"{value:,.2f}"
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


PIPED_WIDTH = 200


def console(stderr: bool = False):
    """A rich Console; piped into a file or another program, tables keep their
    width instead of wrapping every cell at rich's default of 80 columns."""
    import os

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    piped = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(stderr=stderr, highlight=False, width=PIPED_WIDTH if piped else None)
