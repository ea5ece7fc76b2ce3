"""Bearer-token API keys: required on model routes whenever keys are configured."""

from __future__ import annotations

import hmac

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mlx_deploy.serving.errors import ApiError

bearer = HTTPBearer(auto_error=False, description="An API key from MLX_API_KEYS or MLX_API_KEYS_FILE")
CHALLENGE = {"WWW-Authenticate": "Bearer"}


def key_matches(given: str, keys: frozenset[str]) -> bool:
    # Compare against every key with a constant-time check, so timing tells nothing.
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given.encode(), key.encode())
    return matched


def api_key_dependency(keys: frozenset[str]):
    async def require_api_key(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        if not keys:
            return
        if credentials is None:
            raise ApiError(401, "missing API key; send the header `Authorization: Bearer <key>`", CHALLENGE)
        if not key_matches(credentials.credentials, keys):
            raise ApiError(401, "wrong API key; use one of the keys the server was started with", CHALLENGE)

    return require_api_key
