"""Error responses: `{"status": "error", "message": ...}`, or `{"error": ...}` on OIP v2 routes."""

from __future__ import annotations

import logging

from pydantic import BaseModel
from starlette.responses import JSONResponse

log = logging.getLogger("mlx_deploy.serving")

OIP_PREFIX = "/v2"


class ApiError(Exception):
    """An HTTP error with a message for the caller."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, quiet: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.quiet = quiet  # expected and frequent (readiness probes while loading): debug log only


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than {limit} bytes; send a smaller body")


class ErrorResponse(BaseModel):
    status: str = "error"
    message: str


class OipErrorResponse(BaseModel):
    error: str


def error_response(path: str, method: str, status: int, message: str, headers: dict | None = None,
                   quiet: bool = False) -> JSONResponse:
    level = logging.DEBUG if quiet else logging.ERROR if status >= 500 else logging.WARNING
    log.log(level, "%s %s -> %d: %s", method, path, status, message)
    body = {"error": message} if path.startswith(OIP_PREFIX) else {"status": "error", "message": message}
    return JSONResponse(body, status_code=status, headers=headers)
