"""MAX-style routes: model metadata, predict (JSON or file upload), health, metrics."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, ValidationError, create_model
from starlette.datastructures import UploadFile
from starlette.responses import JSONResponse, PlainTextResponse

from mlx_deploy.serving.errors import ApiError, ErrorResponse
from mlx_deploy.serving.model import Model, ModelMetadata, UnsupportedUpload
from mlx_deploy.serving.runtime import ModelRuntime
from mlx_deploy.serving.tensors import describe_validation

MAX_INSTANCES = 1024
MAX_FILES = 64


class Status(BaseModel):
    status: Literal["ok"] = "ok"


class Batching(BaseModel):
    max_batch_size: int
    max_wait_ms: float
    max_queue: int


class MetadataResponse(BaseModel):
    status: Literal["ok"] = "ok"
    metadata: ModelMetadata
    batching: Batching


def predict_schemas(model_cls: type[Model]) -> tuple[type[BaseModel], type[BaseModel]]:
    request = create_model(
        "PredictRequest",
        instances=(list[model_cls.Input], Field(min_length=1, max_length=MAX_INSTANCES)),
    )
    response = create_model("PredictResponse", status=(Literal["ok"], "ok"), predictions=(list[model_cls.Output], ...))
    return request, response


def takes_uploads(model_cls: type[Model]) -> bool:
    return model_cls.from_upload is not Model.from_upload


def errors_doc(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorResponse} for code in codes}


def predict_request_body(model_cls: type[Model]) -> dict:
    content: dict[str, Any] = {"application/json": {"schema": {"$ref": "#/components/schemas/PredictRequest"}}}
    if takes_uploads(model_cls):
        content["multipart/form-data"] = {"schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary", "description": "one instance per file"}},
            "required": ["file"],
        }}
    return {"requestBody": {"required": True, "content": content}}


async def _json_items(request: Request, request_model: type[BaseModel]) -> list:
    body = await request.body()
    try:
        return request_model.model_validate_json(body).instances
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ApiError(400, "malformed JSON body; send {\"instances\": [...]}") from None
        raise ApiError(422, describe_validation(exc)) from None


async def _upload_items(request: Request, model: Model) -> list:
    async with request.form(max_files=MAX_FILES, max_fields=MAX_FILES) as form:
        files = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
        if not files:
            raise ApiError(400, "no file in the form; send the image as a `file` field")
        items = []
        for upload in files:
            data = await upload.read()
            try:
                items.append(model.from_upload(data, upload.content_type, upload.filename))
            except UnsupportedUpload as exc:
                raise ApiError(415, str(exc)) from None
            except ValueError as exc:
                raise ApiError(400, f"file {upload.filename!r}: {exc}") from None
        return items


def model_router(runtime: ModelRuntime, auth) -> tuple[APIRouter, type[BaseModel]]:
    """The routes, and the request schema they parse themselves (for the OpenAPI components)."""
    model_cls = type(runtime.model)
    request_model, response_model = predict_schemas(model_cls)
    router = APIRouter()

    @router.get("/model/metadata", response_model=MetadataResponse, responses=errors_doc(401), tags=["model"],
                dependencies=[Depends(auth)])
    async def metadata() -> MetadataResponse:
        batching = Batching(max_batch_size=runtime.max_batch_size, max_wait_ms=runtime.max_wait_ms,
                            max_queue=runtime.max_queue)
        return MetadataResponse(metadata=runtime.metadata, batching=batching)

    @router.post("/model/predict", response_model=response_model, tags=["model"], dependencies=[Depends(auth)],
                 responses=errors_doc(400, 401, 413, 415, 422, 500, 503, 504),
                 openapi_extra=predict_request_body(model_cls))
    async def predict(request: Request) -> JSONResponse:
        runtime.require_ready()
        kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if kind == "multipart/form-data" and takes_uploads(model_cls):
            items = await _upload_items(request, runtime.model)
        elif kind in ("application/json", ""):
            items = await _json_items(request, request_model)
        else:
            accepted = "application/json" + (" or multipart/form-data" if takes_uploads(model_cls) else "")
            raise ApiError(415, f"content type {kind!r} is not accepted; send {accepted}")
        outputs = await runtime.infer(items)
        return JSONResponse({"status": "ok", "predictions": [o.model_dump(mode="json") for o in outputs]})

    return router, request_model


def health_router(runtime: ModelRuntime, auth) -> APIRouter:
    """Health and metrics; /metrics needs a key unless the settings make it public."""
    router = APIRouter()

    @router.get("/health", response_model=Status, responses=errors_doc(503), tags=["health"])
    async def live() -> Status:
        runtime.require_live()
        return Status()

    @router.get("/health/ready", response_model=Status, responses=errors_doc(503), tags=["health"])
    async def ready() -> Status:
        runtime.require_ready()
        return Status()

    json_401 = {401: {"description": "Missing or wrong API key", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}}

    public = runtime.settings.metrics_public

    @router.get("/metrics", tags=["health"], dependencies=[] if public else [Depends(auth)],
                responses={} if public else json_401, response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(runtime.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    return router
