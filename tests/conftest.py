"""Shared fixtures: synthetic X-ray-like images and tiny models; real data only where present."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from model import config


def synthetic_radiograph(height: int = 256, width: int = 256, seed: int = 0) -> np.ndarray:
    """A float image in [0, 1] with two dark 'lungs' in a bright body, plus noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    body = 0.7 - 0.2 * ((xx - 0.5) ** 2 + (yy - 0.5) ** 2)
    for centre in (0.3, 0.7):
        body -= 0.4 * np.exp(-(((xx - centre) / 0.12) ** 2 + ((yy - 0.5) / 0.25) ** 2))
    return np.clip(body + rng.normal(0, 0.02, (height, width)), 0, 1).astype(np.float32)


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
