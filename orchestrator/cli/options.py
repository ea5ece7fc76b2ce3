"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

CatalogueOption = Annotated[
    str | None,
    typer.Option(
        "--catalogue",
        help="Catalogue database URL (SQLAlchemy). Default: MLX_CATALOGUE_URL, else the embedded SQLite file.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON envelope instead of a table.")]


def split_csv(values: list[str] | None) -> tuple[str, ...]:
    """`--provider aws,gcp --provider azure` -> ("aws", "gcp", "azure")."""
    return tuple(part.strip() for value in values or () for part in value.split(",") if part.strip())
