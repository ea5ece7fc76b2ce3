"""Swagger UI at /docs, from local files when `swagger-ui-bundle` is installed, else from a CDN.

FastAPI's own /docs makes the browser fetch Swagger UI from a CDN, so the page
stays blank where the browser has no internet. The `swagger-ui-bundle` package
ships the dist files; when it is there they are served from /docs/assets.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"


def local_swagger_assets() -> Path | None:
    """The installed Swagger UI dist folder, or None (then the page loads it from a CDN)."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    folder = Path(swagger_ui_path)
    wanted = ("swagger-ui-bundle.js", "swagger-ui.css")
    return folder if all((folder / name).is_file() for name in wanted) else None


def install_docs(app: FastAPI, assets: Path | None = None) -> None:
    """Add /docs to an app created with `docs_url=None`."""
    assets = assets or local_swagger_assets()
    if assets is not None:
        app.mount(ASSETS_PATH, StaticFiles(directory=assets), name="swagger-ui-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        urls = {}
        if assets is not None:
            urls = {
                "swagger_js_url": f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
                "swagger_css_url": f"{root}{ASSETS_PATH}/swagger-ui.css",
                "swagger_favicon_url": f"{root}{ASSETS_PATH}/favicon-32x32.png",
            }
        return get_swagger_ui_html(openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - Swagger UI", **urls)
