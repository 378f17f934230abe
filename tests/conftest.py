"""Shared fixtures: synthetic X-ray-like images and tiny models; real data only where present."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from model import config
from model.synthetic import synthetic_radiograph  # noqa: F401  (re-exported for the tests)


def png_bytes(array: np.ndarray, mode: str | None = None) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def radiograph() -> np.ndarray:
    return synthetic_radiograph()


def real_data_root() -> Path:
    return config.data_dir()


requires_real_data = pytest.mark.skipif(
    not (real_data_root() / config.RADIOGRAPHY_SUBDIR).is_dir(),
    reason=f"real chest X-rays not found at {real_data_root()} (set ${config.DATA_DIR_ENV} to the data folder)",
)

requires_shipped_model = pytest.mark.skipif(
    not config.MODEL_PATH.is_file(), reason=f"shipped model {config.MODEL_PATH} not present"
)
