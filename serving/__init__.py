"""mlx serving runtime: one REST API (MAX-style and Open Inference Protocol v2) for any model.

Kept free of the orchestrator's dependencies so that a model image installs
only fastapi, uvicorn, pydantic, prometheus-client, python-multipart and the
model's own framework.
"""

from mlx_deploy.serving.model import InvalidInput, Model, ModelMetadata, TensorSpec, UnsupportedUpload

__all__ = ["InvalidInput", "Model", "ModelMetadata", "TensorSpec", "UnsupportedUpload"]
