"""AWS credentials: boto3's default chain, checked without calling AWS."""

from __future__ import annotations

HOW_TO = (
    "configure boto3's default chain: `aws configure` (or `aws sso login`), AWS_PROFILE, "
    "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)


def credentials_problem() -> str | None:
    """None when boto3 finds credentials, else a one-line reason and how to fix it."""
    try:
        import boto3
        from botocore.exceptions import BotoCoreError
    except ImportError:
        return "boto3 is not installed; run `pip install 'mlx-deploy[aws]'`"
    try:
        credentials = boto3.Session().get_credentials()
    except BotoCoreError as exc:
        return f"AWS credentials could not be loaded ({exc}); {HOW_TO}"
    if credentials is None:
        return f"no AWS credentials found; {HOW_TO}"
    return None
