"""Handwritten digit classifier: an image in, the probabilities of 0-9 out.

Trained at load() from the 8x8 digits dataset that ships inside scikit-learn
(UCI ML hand-written digits, 1,797 images), so nothing is downloaded.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mlx_deploy.serving import InvalidInput, Model, ModelMetadata, TensorSpec, UnsupportedUpload

SIDE = 8
INK_MAX = 16.0
MAX_IMAGE_PIXELS = 4096 * 4096
Pixel = Annotated[float, Field(ge=0.0, le=INK_MAX, allow_inf_nan=False)]
Row = Annotated[list[Pixel], Field(min_length=SIDE, max_length=SIDE)]


class DigitInput(BaseModel):
    """One digit: a PNG/JPEG image (base64), or 8x8 pixels with ink from 0 (none) to 16."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"pixels": [
        [0, 0, 5, 13, 9, 1, 0, 0], [0, 0, 13, 15, 10, 15, 5, 0], [0, 3, 15, 2, 0, 11, 8, 0], [0, 4, 12, 0, 0, 8, 8, 0],
        [0, 5, 8, 0, 0, 9, 8, 0], [0, 4, 11, 0, 1, 12, 7, 0], [0, 2, 14, 5, 10, 12, 0, 0], [0, 0, 6, 13, 10, 0, 0, 0],
    ]}]})
    image: str | None = Field(default=None, description="base64-encoded PNG or JPEG")
    pixels: Annotated[list[Row], Field(min_length=SIDE, max_length=SIDE)] | None = None

    @model_validator(mode="after")
    def exactly_one(self) -> "DigitInput":
        if (self.image is None) == (self.pixels is None):
            raise ValueError("give exactly one of `image` or `pixels`")
        return self


class DigitOutput(BaseModel):
    label: int = Field(description="the most likely digit")
    probabilities: list[float] = Field(description="probability of each digit 0-9, by index")


def image_to_pixels(data: bytes) -> np.ndarray:
    """Any image -> 8x8 ink levels 0..16, dark ink on light paper or the reverse."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise UnsupportedUpload(f"image format {image.format} is not accepted; send PNG or JPEG")
            gray = image.convert("L").resize((SIDE, SIDE), Image.Resampling.BOX)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        if isinstance(exc, UnsupportedUpload):
            raise
        raise InvalidInput(f"not a readable PNG or JPEG image ({type(exc).__name__})") from None
    levels = np.asarray(gray, dtype=np.float64)
    if levels.mean() > 127:  # light background: the ink is the dark part
        levels = 255.0 - levels
    return levels * (INK_MAX / 255.0)


def decode_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("`image` is not valid base64") from None


def train(random_state: int = 0):
    from sklearn.datasets import load_digits
    from sklearn.ensemble import RandomForestClassifier

    features, labels = load_digits(return_X_y=True)
    classifier = RandomForestClassifier(n_estimators=200, random_state=random_state)
    return classifier.fit(features, labels)


class DigitsModel(Model):
    metadata = ModelMetadata(
        name="digits",
        version="1.0.0",
        description="Handwritten digit (0-9) classifier: random forest on scikit-learn's 8x8 digits dataset.",
        licence="BSD-3-Clause (scikit-learn and its bundled digits dataset)",
        source="https://scikit-learn.org/stable/datasets/toy_dataset.html#optical-recognition-of-handwritten-digits-dataset",
        framework="sklearn",
    )
    Input = DigitInput
    Output = DigitOutput
    input_tensors = (TensorSpec("pixels", "FP32", (-1, SIDE, SIDE)), TensorSpec("image", "BYTES", (-1,)))
    output_tensors = (TensorSpec("label", "INT64", (-1,)), TensorSpec("probabilities", "FP32", (-1, 10)))
    # predict() costs ~8 ms whatever the batch size, so requests pile up while it
    # runs and the next call takes them all: waiting for company only adds latency.
    max_batch_size = 64
    max_wait_ms = 0.0

    def load(self) -> None:
        self.classifier = train()

    def from_upload(self, data: bytes, content_type: str | None, filename: str | None) -> DigitInput:
        return DigitInput(image=base64.b64encode(data).decode("ascii"))

    def _pixels(self, item: DigitInput) -> np.ndarray:
        if item.pixels is not None:
            return np.asarray(item.pixels, dtype=np.float64)
        return image_to_pixels(decode_base64(item.image))

    def predict(self, batch: list[DigitInput]) -> list[DigitOutput | Exception]:
        results: list[DigitOutput | Exception] = []
        rows, positions = [], []
        for position, item in enumerate(batch):
            try:
                rows.append(self._pixels(item).reshape(-1))
                positions.append(position)
                results.append(None)
            except InvalidInput as exc:  # fails this item only
                results.append(exc)
        if rows:
            probabilities = self.classifier.predict_proba(np.stack(rows))
            for position, row in zip(positions, probabilities):
                results[position] = DigitOutput(label=int(row.argmax()), probabilities=[float(p) for p in row])
        return results
