"""Files of a new model project, one set per framework (string.Template, `$name`)."""

from __future__ import annotations

# Versions written into requirements.txt when the framework is not installed here.
DEFAULT_VERSIONS = {
    "scikit-learn": "1.5.2", "joblib": "1.4.2", "numpy": "2.1.3", "torch": "2.5.1",
    "onnxruntime": "1.20.1", "tensorflow": "2.18.0", "transformers": "4.46.3",
}

FRAMEWORKS: dict[str, dict] = {
    "sklearn": {
        "distributions": ["scikit-learn", "joblib", "numpy"],
        "artifact": "model.joblib",
        "load": """\
        import joblib

        self.estimator = joblib.load(ARTIFACT)
        self.n_features = int(self.estimator.n_features_in_)""",
        "infer": """\
        if hasattr(self.estimator, "predict_proba"):
            return self.estimator.predict_proba(features).tolist()
        return [[float(v)] for v in self.estimator.predict(features)]""",
        "train": True,
    },
    "pytorch": {
        "distributions": ["torch", "numpy"],
        "artifact": "model.pt",
        "load": """\
        import torch

        self.torch = torch
        self.module = torch.jit.load(str(ARTIFACT), map_location="cpu").eval()
        self.n_features = N_FEATURES""",
        "infer": """\
        with self.torch.no_grad():
            return self.module(self.torch.from_numpy(features.astype("float32"))).tolist()""",
    },
    "onnx": {
        "distributions": ["onnxruntime", "numpy"],
        "artifact": "model.onnx",
        "load": """\
        import onnxruntime

        self.session = onnxruntime.InferenceSession(str(ARTIFACT), providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.n_features = N_FEATURES""",
        "infer": """\
        (scores,) = self.session.run(None, {self.input_name: features.astype("float32")})[:1]
        return scores.tolist()""",
    },
    "tensorflow": {
        "distributions": ["tensorflow", "numpy"],
        "artifact": "model.keras",
        "load": """\
        import tensorflow as tf

        self.keras_model = tf.keras.models.load_model(ARTIFACT)
        self.n_features = N_FEATURES""",
        "infer": """\
        return self.keras_model.predict(features.astype("float32"), verbose=0).tolist()""",
    },
}

MODEL_PY = '''\
"""$name: a $framework model served by mlx (see `mlx serve`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field, FiniteFloat

from mlx_deploy.serving import InvalidInput, Model, ModelMetadata

ARTIFACT = Path(__file__).resolve().parent / "$artifact"
N_FEATURES = 4  # what the model takes; sklearn reads it from the estimator


class ${cls}Input(BaseModel):
    features: list[FiniteFloat] = Field(min_length=1, max_length=10_000, description="one row of numeric features")


class ${cls}Output(BaseModel):
    scores: list[float] = Field(description="one score per class (or the prediction)")


class ${cls}Model(Model):
    metadata = ModelMetadata(
        name="$name",
        version="0.1.0",
        description="Describe what the model does and what its inputs mean.",
        licence="State the licence of the weights and the training data.",
        source="Link to where the model and its data come from.",
        framework="$framework",
    )
    Input = ${cls}Input
    Output = ${cls}Output
    max_batch_size = 32
    max_wait_ms = 2.0

    def load(self) -> None:
        if not ARTIFACT.is_file():
            raise FileNotFoundError(f"{ARTIFACT.name} is missing; $make_artifact")
$load

    def predict(self, batch: list[${cls}Input]) -> list[${cls}Output | Exception]:
        results: list = [None] * len(batch)
        good = [i for i, item in enumerate(batch) if len(item.features) == self.n_features]
        for i in set(range(len(batch))) - set(good):
            results[i] = InvalidInput(f"expected {self.n_features} features, got {len(batch[i].features)}")
        if good:
            features = np.array([batch[i].features for i in good], dtype=np.float64)
            for i, scores in zip(good, self._scores(features)):
                results[i] = ${cls}Output(scores=[float(s) for s in scores])
        return results

    def _scores(self, features: np.ndarray) -> list[list[float]]:
$infer
'''

TRANSFORMERS_MODEL_PY = '''\
"""$name: a Hugging Face transformers text classifier served by mlx (see `mlx serve`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from mlx_deploy.serving import Model, ModelMetadata

# A local model directory (save_pretrained output): nothing is downloaded at run time.
ARTIFACT = Path(__file__).resolve().parent / "model"


class ${cls}Input(BaseModel):
    text: str = Field(min_length=1, max_length=10_000)


class ${cls}Output(BaseModel):
    label: str
    score: float


class ${cls}Model(Model):
    metadata = ModelMetadata(
        name="$name",
        version="0.1.0",
        description="Describe what the model classifies.",
        licence="State the licence of the weights and the training data.",
        source="Link to the model card.",
        framework="transformers",
    )
    Input = ${cls}Input
    Output = ${cls}Output
    max_batch_size = 16
    max_wait_ms = 5.0

    def load(self) -> None:
        if not ARTIFACT.is_dir():
            raise FileNotFoundError("model/ is missing; save a model there with save_pretrained()")
        from transformers import pipeline

        self.classifier = pipeline("text-classification", model=str(ARTIFACT), tokenizer=str(ARTIFACT))

    def predict(self, batch: list[${cls}Input]) -> list[${cls}Output]:
        answers = self.classifier([item.text for item in batch], truncation=True)
        return [${cls}Output(label=a["label"], score=float(a["score"])) for a in answers]
'''

SKLEARN_TRAIN_PY = '''\
"""Train a small example classifier on the iris data shipped with scikit-learn.

Replace it with your own training; `model.py` loads whatever lands in model.joblib.
"""

import joblib
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from model import ARTIFACT

if __name__ == "__main__":
    features, labels = load_iris(return_X_y=True)
    joblib.dump(LogisticRegression(max_iter=1000).fit(features, labels), ARTIFACT)
    print(f"wrote {ARTIFACT}")
'''

TEST_PY = '''\
"""Checks of the model class itself; `mlx serve .` serves it over HTTP."""

from model import ${cls}Input, ${cls}Model

$sample


def test_metadata_is_filled_in():
    assert ${cls}Model.metadata.name == "$name"


def test_predicts_one_result_per_item():
    model = ${cls}Model()
    model.load()
    results = model.predict([SAMPLE, SAMPLE])
    assert len(results) == 2
    assert all(not isinstance(result, Exception) for result in results)
'''

MODEL_YAML = """\
# Deployment profile of $name: `mlx quote model.yaml`, then `mlx deploy model.yaml`.
name: $name
image: $name:0.1.0            # where `mlx build` tags the image; push it to your registry
port: 8080
resources:
  cpu: 2
  memory: 4GiB
  disk: 20GiB
$gpu_block
replicas: 1
health_path: /health/ready    # ready once load() has finished
"""

GPU_BLOCK = """  # gpu:                       # uncomment to run on a GPU (mlx build then picks a CUDA image)
  #   count: 1"""

GITIGNORE = """\
__pycache__/
.venv/
.mlx/
"""
