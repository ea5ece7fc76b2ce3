"""GCP credentials: google.auth.default(), checked without calling Google."""

from __future__ import annotations

import os

HOW_TO = (
    "configure Application Default Credentials: `gcloud auth application-default login` "
    "or GOOGLE_APPLICATION_CREDENTIALS, and a project (GOOGLE_CLOUD_PROJECT)"
)


def default_credentials():  # noqa: ANN201 - (credentials, project id)
    import google.auth

    credentials, project = google.auth.default()
    return credentials, os.environ.get("GOOGLE_CLOUD_PROJECT") or project


def credentials_problem() -> str | None:
    """None when google.auth finds credentials and a project, else a one-line reason and how to fix it."""
    try:
        from google.auth.exceptions import DefaultCredentialsError
        from google.cloud import billing_v1, compute_v1  # noqa: F401
    except ImportError:
        return "the Google Cloud clients are not installed; run `pip install 'mlx-deploy[gcp]'`"
    try:
        _credentials, project = default_credentials()
    except DefaultCredentialsError:
        return f"no Google Cloud credentials found; {HOW_TO}"
    if not project:
        return f"Google Cloud credentials found but no project; {HOW_TO}"
    return None
