"""The class a model author subclasses: metadata, schemas, `load()` and `predict()`.

The runtime calls `load()` once at start (in a worker thread) and then
`predict(batch)` with a list of validated `Input` items gathered from many
concurrent requests. `predict` returns one entry per item: an `Output`, or an
exception instance for an item that failed on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class InvalidInput(ValueError):
    """An input item the model cannot use; the caller gets a 4xx, never a 500."""


class UnsupportedUpload(InvalidInput):
    """A file upload of a kind the model does not take (answered with 415)."""


class ModelMetadata(BaseModel):
    model_config = ConfigDict(frozen=True, protected_namespaces=())

    name: str
    version: str
    description: str = ""
    licence: str = ""
    source: str = ""
    framework: str = ""


@dataclass(frozen=True)
class TensorSpec:
    """One tensor of the Open Inference Protocol: name, datatype, shape (-1 = any)."""

    name: str
    datatype: str
    shape: tuple[int, ...] = field(default=(-1,))

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "datatype": self.datatype, "shape": list(self.shape)}


class Model:
    """Subclass this; set `metadata`, `Input`, `Output` and implement `load`/`predict`."""

    metadata: ClassVar[ModelMetadata]
    Input: ClassVar[type[BaseModel]]
    Output: ClassVar[type[BaseModel]]
    # Open Inference Protocol view of Input/Output fields (one tensor per field).
    input_tensors: ClassVar[tuple[TensorSpec, ...]] = ()
    output_tensors: ClassVar[tuple[TensorSpec, ...]] = ()
    # Batching defaults; the operator may override them at `mlx serve`.
    max_batch_size: ClassVar[int] = 32
    max_wait_ms: ClassVar[float] = 2.0

    def load(self) -> None:
        """Load weights once, before the first request. Raise to report failure."""

    def predict(self, batch: list[Any]) -> list[Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement predict(batch)")

    def from_upload(self, data: bytes, content_type: str | None, filename: str | None) -> Any:
        """Turn one uploaded file into an `Input` item; models that take files override it."""
        raise UnsupportedUpload(f"model {self.metadata.name} does not accept file uploads; send JSON instances")


def check_model_class(cls: type) -> type[Model]:
    """Reject a class that misses what the runtime needs, with a message saying what."""
    if not (isinstance(cls, type) and issubclass(cls, Model)):
        raise TypeError(f"{cls!r} is not a subclass of mlx_deploy.serving.Model")
    for attr in ("metadata", "Input", "Output"):
        if not hasattr(cls, attr):
            raise TypeError(f"{cls.__name__} must define `{attr}`")
    if not isinstance(cls.metadata, ModelMetadata):
        raise TypeError(f"{cls.__name__}.metadata must be a ModelMetadata")
    for attr in ("Input", "Output"):
        schema = getattr(cls, attr)
        if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
            raise TypeError(f"{cls.__name__}.{attr} must be a pydantic BaseModel subclass")
    return cls
