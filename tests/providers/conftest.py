"""Recorded payloads for the provider tests (see tests/fixtures/providers/SOURCE.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "providers"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def load(relative: str):  # noqa: ANN201
    return json.loads((FIXTURES / relative).read_text())

