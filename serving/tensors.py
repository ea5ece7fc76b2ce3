"""Open Inference Protocol v2 tensors <-> the model's Input/Output items.

Each input tensor fills the Input field of the same name; its first dimension
is the batch. Each Output field becomes one output tensor, stacked over the
batch.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mlx_deploy.serving.errors import ApiError
from mlx_deploy.serving.model import Model, TensorSpec

Datatype = Literal[
    "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES"
]
NUMPY_TYPES = {
    "BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32, "UINT64": np.uint64,
    "INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "INT64": np.int64,
    "FP16": np.float16, "FP32": np.float32, "FP64": np.float64, "BYTES": np.object_,
}
MAX_ELEMENTS = 1_000_000


class RequestTensor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    shape: list[int] = Field(min_length=1, max_length=8)
    datatype: Datatype
    data: list[Any]
    parameters: dict[str, Any] | None = None


class RequestedOutput(BaseModel):
    name: str
    parameters: dict[str, Any] | None = None


class InferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    parameters: dict[str, Any] | None = None
    inputs: list[RequestTensor] = Field(min_length=1, max_length=64)
    outputs: list[RequestedOutput] | None = None


class ResponseTensor(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    data: list[Any]


class InferResponse(BaseModel):
    model_config = ConfigDict(protected_namespaces=())
    model_name: str
    model_version: str | None = None
    id: str | None = None
    outputs: list[ResponseTensor]


def _flatten(data: list, out: list) -> None:
    for value in data:
        if isinstance(value, list):
            _flatten(value, out)
        else:
            out.append(value)


def _to_array(tensor: RequestTensor) -> np.ndarray:
    if any(d < 0 for d in tensor.shape):
        raise ApiError(400, f"input {tensor.name}: shape {tensor.shape} has a negative dimension")
    expected = math.prod(tensor.shape)
    if expected > MAX_ELEMENTS:
        raise ApiError(400, f"input {tensor.name}: more than {MAX_ELEMENTS} elements; split the request")
    flat: list = []
    _flatten(tensor.data, flat)
    if len(flat) != expected:
        raise ApiError(400, f"input {tensor.name}: {len(flat)} values do not fill shape {tensor.shape}")
    if tensor.datatype == "BYTES":
        if not all(isinstance(v, str) for v in flat):
            raise ApiError(400, f"input {tensor.name}: BYTES data must be strings")
    elif not all(isinstance(v, (int, float, bool)) for v in flat):
        raise ApiError(400, f"input {tensor.name}: {tensor.datatype} data must be numbers")
    try:
        array = np.array(flat, dtype=NUMPY_TYPES[tensor.datatype])
    except (ValueError, OverflowError, TypeError) as exc:
        raise ApiError(400, f"input {tensor.name}: values do not fit {tensor.datatype} ({exc})") from None
    return array.reshape(tensor.shape)


def _plain(value: Any) -> Any:
    """numpy rows and scalars -> Python lists and numbers (BYTES rows are already str)."""
    return value.tolist() if hasattr(value, "tolist") else value


def request_items(request: InferRequest, model_cls: type[Model]) -> list[BaseModel]:
    """Split the request's tensors along the batch dimension into validated Input items."""
    fields = model_cls.Input.model_fields
    columns: dict[str, np.ndarray] = {}
    for tensor in request.inputs:
        if tensor.name not in fields:
            raise ApiError(400, f"unknown input {tensor.name!r}; this model takes: {', '.join(fields)}")
        if tensor.name in columns:
            raise ApiError(400, f"input {tensor.name!r} is given twice; send it once")
        columns[tensor.name] = _to_array(tensor)
    sizes = {array.shape[0] for array in columns.values()}
    if len(sizes) != 1 or 0 in sizes:
        raise ApiError(400, "inputs must share one non-zero batch size (their first dimension)")
    items = []
    for index in range(sizes.pop()):
        values = {name: _plain(array[index]) for name, array in columns.items()}
        try:
            items.append(model_cls.Input.model_validate(values))
        except ValidationError as exc:
            raise ApiError(422, f"batch item {index}: {describe_validation(exc)}") from None
    return items


def _output_specs(model_cls: type[Model]) -> list[TensorSpec]:
    if model_cls.output_tensors:
        return list(model_cls.output_tensors)
    return [TensorSpec(name, "FP64" if info.annotation is float else "BYTES") for name, info in model_cls.Output.model_fields.items()]


def response_tensors(outputs: list[BaseModel], model_cls: type[Model], wanted: list[RequestedOutput] | None) -> list[ResponseTensor]:
    specs = {spec.name: spec for spec in _output_specs(model_cls)}
    names = [w.name for w in wanted] if wanted else list(specs)
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise ApiError(400, f"unknown output {unknown[0]!r}; this model gives: {', '.join(specs)}")
    tensors = []
    for name in names:
        spec = specs[name]
        values = [getattr(output, name) for output in outputs]
        array = np.array(values, dtype=NUMPY_TYPES.get(spec.datatype, np.object_))
        data = [str(v) for v in array.ravel()] if spec.datatype == "BYTES" else array.ravel().tolist()
        tensors.append(ResponseTensor(name=name, shape=list(array.shape), datatype=spec.datatype, data=data))
    return tensors


def describe_validation(exc: ValidationError, limit: int = 3) -> str:
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
