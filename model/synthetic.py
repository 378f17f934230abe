"""Synthetic chest-film look-alikes: for tests, benchmarks and calibration, where no real image may be used.

Not a model of anatomy: a bright body with two dark lung-shaped fields and noise, enough for the preprocessing,
the lung tools and the dashboard to behave as they do on a film.
"""

from __future__ import annotations

import numpy as np


def synthetic_radiograph(height: int = 256, width: int = 256, seed: int = 0) -> np.ndarray:
    """A float image in [0, 1] with two dark 'lungs' in a bright body, plus noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    body = 0.7 - 0.2 * ((xx - 0.5) ** 2 + (yy - 0.5) ** 2)
    for centre in (0.3, 0.7):
        body -= 0.4 * np.exp(-(((xx - centre) / 0.12) ** 2 + ((yy - 0.5) / 0.25) ** 2))
    return np.clip(body + rng.normal(0, 0.02, (height, width)), 0, 1).astype(np.float32)
