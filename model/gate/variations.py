"""Real chest films as scanners, archives and web pages hand them over: letterboxed, padded, framed, slightly
turned, cropped tight. The gate must answer these; they join its calibration positives and its report.

Each kind is a function of a film (H, W in [0, 1]) and a random generator, and returns a LoadedImage. Nothing here
is stored as an image: the variations are made anew from the shared films wherever they are needed.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from model.image_io import LoadedImage

# How far each variation goes: bands/padding as a fraction of the side, turns in degrees, crop per side.
BAND_RANGE: tuple[float, float] = (0.08, 0.22)
FRAME_RANGE: tuple[float, float] = (0.03, 0.10)
TURN_RANGE: tuple[float, float] = (3.0, 10.0)
CROP_RANGE: tuple[float, float] = (0.04, 0.10)


def _loaded(gray: np.ndarray) -> LoadedImage:
    gray = np.clip(gray, 0, 1).astype(np.float32)
    return LoadedImage(gray, "PNG", 8, original_size=(gray.shape[1], gray.shape[0]))


def _pad(film: np.ndarray, top: int, bottom: int, left: int, right: int, value: float) -> np.ndarray:
    return cv2.copyMakeBorder(film.astype(np.float32), top, bottom, left, right, cv2.BORDER_CONSTANT, value=value)


def letterboxed(film: np.ndarray, rng: np.random.Generator) -> LoadedImage:
    """Black bands above and below (a landscape frame around an upright film)."""
    band = int(film.shape[0] * rng.uniform(*BAND_RANGE))
    return _loaded(_pad(film, band, band, 0, 0, 0.0))


def pillarboxed(film: np.ndarray, rng: np.random.Generator) -> LoadedImage:
    """Black bands at the sides."""
    band = int(film.shape[1] * rng.uniform(*BAND_RANGE))
    return _loaded(_pad(film, 0, 0, band, band, 0.0))


def framed(film: np.ndarray, rng: np.random.Generator) -> LoadedImage:
    """A border all round, black or white (a scanned film on a light box, a web page's frame)."""
    border = int(min(film.shape) * rng.uniform(*FRAME_RANGE))
    return _loaded(_pad(film, border, border, border, border, float(rng.choice([0.0, 1.0]))))


def turned(film: np.ndarray, rng: np.random.Generator) -> LoadedImage:
    """Turned a few degrees either way, the corners filled black (a film placed askew on a scanner)."""
    angle = float(rng.uniform(*TURN_RANGE) * rng.choice([-1, 1]))
    height, width = film.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return _loaded(cv2.warpAffine(film.astype(np.float32), matrix, (width, height), borderValue=0.0))


def cropped_tight(film: np.ndarray, rng: np.random.Generator) -> LoadedImage:
    """A few percent cut from every side (collimated, or cropped by whoever exported it)."""
    height, width = film.shape
    top, bottom, left, right = (int(side * rng.uniform(*CROP_RANGE)) for side in (height, height, width, width))
    return _loaded(film[top : height - bottom, left : width - right])


VARIATIONS: dict[str, Callable[[np.ndarray, np.random.Generator], LoadedImage]] = {
    "letterboxed": letterboxed,
    "pillarboxed": pillarboxed,
    "framed": framed,
    "turned a few degrees": turned,
    "cropped tight": cropped_tight,
}


def varied_films(films: list[np.ndarray], seed: int) -> tuple[list[LoadedImage], list[str]]:
    """One variation per film, the kinds taken in turn: (images, kind of each)."""
    rng = np.random.default_rng(seed)
    kinds = list(VARIATIONS)
    images, names = [], []
    for index, film in enumerate(films):
        kind = kinds[index % len(kinds)]
        images.append(VARIATIONS[kind](film, rng))
        names.append(kind)
    return images, names
