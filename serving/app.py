"""Build the FastAPI application serving one model."""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib import metadata as dist_metadata

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import Request

from mlx_deploy.serving.asgi import ServingMiddleware
from mlx_deploy.serving.auth import api_key_dependency
from mlx_deploy.serving.docs_ui import install_docs
from mlx_deploy.serving.errors import ApiError, error_response
from mlx_deploy.serving.metrics import Metrics
from mlx_deploy.serving.model import Model
from mlx_deploy.serving.routes_model import health_router, model_router
from mlx_deploy.serving.routes_oip import oip_router
from mlx_deploy.serving.runtime import ModelRuntime
from mlx_deploy.serving.settings import ServeSettings
from mlx_deploy.serving.tensors import InferRequest


def _server_version() -> str:
    try:
        return dist_metadata.version("mlx-deploy")
    except dist_metadata.PackageNotFoundError:  # copied into a container without its metadata
        return "0"


def _install_error_handlers(app: FastAPI) -> None:
    def reply(request: Request, status: int, message: str, headers=None, quiet: bool = False):
        return error_response(request.url.path, request.method, status, message, headers, quiet)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return reply(request, exc.status, exc.message, exc.headers, exc.quiet)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return reply(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3]]
        return reply(request, 422, "; ".join(parts) or "invalid request")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        return reply(request, 500, f"internal error: {type(exc).__name__}; see the server log")


def _install_openapi(app: FastAPI, schemas: dict[str, type[BaseModel]]) -> None:
    """Add the request bodies that routes parse themselves (JSON or multipart) to the schema."""

    def openapi() -> dict:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            components = spec.setdefault("components", {}).setdefault("schemas", {})
            for name, model in schemas.items():
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(schema.pop("$defs", {}))
                components[name] = schema
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi


def create_app(model: Model, settings: ServeSettings | None = None) -> FastAPI:
    settings = (settings or ServeSettings()).checked()
    metrics = Metrics()
    runtime = ModelRuntime(model, settings, metrics)
    auth = api_key_dependency(settings.api_keys)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runtime.start()
        yield
        await runtime.stop()

    meta = model.metadata
    app = FastAPI(
        title=f"{meta.name} (mlx serving)", version=meta.version, lifespan=lifespan, docs_url=None,
        description=f"{meta.description}\n\nLicence: {meta.licence or 'not stated'}. Source: {meta.source or 'not stated'}.",
    )
    app.state.runtime = runtime
    _install_error_handlers(app)
    app.include_router(health_router(runtime, auth))
    predict_routes, predict_request = model_router(runtime, auth)
    app.include_router(predict_routes)
    app.include_router(oip_router(runtime, auth, _server_version()))
    install_docs(app)
    _install_openapi(app, {"PredictRequest": predict_request, "InferRequest": InferRequest})
    app.add_middleware(ServingMiddleware, metrics=metrics, max_body_bytes=settings.max_body_bytes)
    return app

