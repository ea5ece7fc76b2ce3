"""Schemathesis against the live OpenAPI schema: no 500s, answers match the schema."""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {"POST": int(os.environ.get("MLX_FUZZ_EXAMPLES", 50)), "GET": 8}


def operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


@pytest.fixture(scope="module")
def schema(digits_url):
    return schemathesis.openapi.from_url(f"{digits_url}/openapi.json")


def test_schema_lists_every_route(schema):
    labels = {op.label for op in operations(schema)}
    assert {"POST /model/predict", "GET /model/metadata", "POST /v2/models/{name}/infer", "GET /health/ready",
            "GET /v2/models/{name}/versions/{version}", "POST /v2/models/{name}/versions/{version}/infer"} <= labels


def fuzz(schema, base_url, headers, mode) -> Counter:
    seen: Counter = Counter()
    for operation in operations(schema):
        if mode is GenerationMode.NEGATIVE and operation.method.upper() != "POST":
            continue

        @settings(max_examples=EXAMPLES.get(operation.method.upper(), 8), deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            response = case.call(base_url=base_url, headers=headers, timeout=10)
            seen[(operation.label, response.status_code)] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        check()
    return seen


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzz_with_key(schema, digits_url, auth, mode):
    seen = fuzz(schema, digits_url, auth, mode)
    if mode is GenerationMode.POSITIVE:  # valid data really reaches the model
        assert seen[("POST /model/predict", 200)] > 0
    assert not any(code >= 500 for _, code in seen)


def test_fuzz_without_key(schema, digits_url):
    seen = fuzz(schema, digits_url, {}, GenerationMode.POSITIVE)
    assert seen[("POST /model/predict", 401)] > 0
    assert seen[("POST /model/predict", 200)] == 0
