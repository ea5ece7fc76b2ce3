"""Azure: prices need no account; sizes need DefaultAzureCredential and a subscription."""

from __future__ import annotations

import os

SUBSCRIPTION_ENV = "AZURE_SUBSCRIPTION_ID"
HOW_TO = (
    f"set {SUBSCRIPTION_ENV} and sign in for DefaultAzureCredential (`az login`, or "
    "AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)"
)


def credentials_problem() -> str | None:
    """The Retail Prices API is public, so only a missing HTTP client stops a refresh."""
    try:
        import requests  # noqa: F401
    except ImportError:
        return "requests is not installed; run `pip install 'mlx-deploy[azure]'`"
    return None


def sku_credentials():  # noqa: ANN201 - (credential, subscription id) or None
    """Credentials for the Resource SKUs API, or None to fall back to the sizes mlx knows."""
    subscription = os.environ.get(SUBSCRIPTION_ENV)
    if not subscription:
        return None
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        return None
    return DefaultAzureCredential(), subscription
