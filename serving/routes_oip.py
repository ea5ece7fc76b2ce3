"""Open Inference Protocol v2 (KServe) routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ValidationError

from mlx_deploy.serving.errors import ApiError, OipErrorResponse
from mlx_deploy.serving.model import Model, TensorSpec
from mlx_deploy.serving.runtime import ModelRuntime
from mlx_deploy.serving.tensors import InferRequest, InferResponse, describe_validation, request_items, response_tensors

SERVER_NAME = "mlx-serving"


class ServerMetadata(BaseModel):
    name: str
    version: str
    extensions: list[str]


class TensorMetadata(BaseModel):
    name: str
    datatype: str
    shape: list[int]


class ModelMetadataV2(BaseModel):
    name: str
    versions: list[str]
    platform: str
    inputs: list[TensorMetadata]
    outputs: list[TensorMetadata]


class Ready(BaseModel):
    live: bool | None = None
    ready: bool | None = None


def oip_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": OipErrorResponse} for code in codes}


def _tensors(specs: tuple[TensorSpec, ...], schema: type[BaseModel]) -> list[TensorMetadata]:
    if specs:
        return [TensorMetadata(**spec.as_dict()) for spec in specs]
    return [TensorMetadata(name=name, datatype="BYTES", shape=[-1]) for name in schema.model_fields]


def oip_router(runtime: ModelRuntime, auth, server_version: str) -> APIRouter:
    model_cls: type[Model] = type(runtime.model)
    meta = runtime.metadata
    router = APIRouter(prefix="/v2", tags=["open inference protocol v2"])

    def check_name(name: str, version: str | None = None) -> None:
        if name != meta.name:
            raise ApiError(404, f"no model named {name!r} here; this server serves {meta.name!r}")
        if version is not None and version != meta.version:
            raise ApiError(404, f"model {name!r} has no version {version!r}; this server serves version {meta.version!r}")

    @router.get("", response_model=ServerMetadata)
    async def server_metadata() -> ServerMetadata:
        return ServerMetadata(name=SERVER_NAME, version=server_version, extensions=[])

    @router.get("/health/live", response_model=Ready, responses=oip_errors(503))
    async def live() -> Ready:
        runtime.require_live()
        return Ready(live=True)

    @router.get("/health/ready", response_model=Ready, responses=oip_errors(503))
    async def ready() -> Ready:
        runtime.require_ready()
        return Ready(ready=True)

    def model_metadata() -> ModelMetadataV2:
        return ModelMetadataV2(
            name=meta.name, versions=[meta.version], platform=meta.framework or "python",
            inputs=_tensors(model_cls.input_tensors, model_cls.Input),
            outputs=_tensors(model_cls.output_tensors, model_cls.Output),
        )

    async def infer(request: Request) -> InferResponse:
        runtime.require_ready()
        kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if kind not in ("application/json", ""):
            raise ApiError(415, f"content type {kind!r} is not accepted; send application/json")
        try:
            infer_request = InferRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            if any(e["type"] == "json_invalid" for e in exc.errors()):
                raise ApiError(400, "malformed JSON body; send an Open Inference Protocol v2 request") from None
            raise ApiError(422, describe_validation(exc)) from None
        items = request_items(infer_request, model_cls)
        outputs = await runtime.infer(items)
        return InferResponse(
            model_name=meta.name, model_version=meta.version, id=infer_request.id,
            outputs=response_tensors(outputs, model_cls, infer_request.outputs),
        )

    metadata_doc = {"response_model": ModelMetadataV2, "responses": oip_errors(401, 404, 422),
                    "dependencies": [Depends(auth)]}
    infer_doc = {"response_model": InferResponse, "dependencies": [Depends(auth)],
                 "responses": oip_errors(400, 401, 404, 413, 415, 422, 500, 503, 504),
                 "openapi_extra": {"requestBody": {"required": True, "content": {
                     "application/json": {"schema": {"$ref": "#/components/schemas/InferRequest"}}}}}}

    @router.get("/models/{name}/ready", response_model=Ready, responses=oip_errors(404, 503))
    async def model_ready(name: str) -> Ready:
        check_name(name)
        runtime.require_ready()
        return Ready(ready=True)

    @router.get("/models/{name}/versions/{version}/ready", response_model=Ready, responses=oip_errors(404, 503))
    async def model_version_ready(name: str, version: str) -> Ready:
        check_name(name, version)
        runtime.require_ready()
        return Ready(ready=True)

    @router.get("/models/{name}", **metadata_doc)
    async def get_model(name: str) -> ModelMetadataV2:
        check_name(name)
        return model_metadata()

    @router.get("/models/{name}/versions/{version}", **metadata_doc)
    async def get_model_version(name: str, version: str) -> ModelMetadataV2:
        check_name(name, version)
        return model_metadata()

    @router.post("/models/{name}/infer", **infer_doc)
    async def infer_model(name: str, request: Request) -> InferResponse:
        check_name(name)
        return await infer(request)

    @router.post("/models/{name}/versions/{version}/infer", **infer_doc)
    async def infer_model_version(name: str, version: str, request: Request) -> InferResponse:
        check_name(name, version)
        return await infer(request)

    return router
