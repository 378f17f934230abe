"""Things that are not frontal chest films, generated, to calibrate and test the gate against.

Each kind is a function of a random generator (and, for the kinds made from a film, of a film): noise, flat
fields, colour scenes, text pages, checkerboards, strips, CT-like axial slices, and films turned, inverted or cut
down to a corner. Nothing here is committed as an image: the corpus is made anew wherever it is needed.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from model.image_io import LoadedImage
from model.image_io.loaded import channel_difference


def _loaded(gray: np.ndarray, colour: float = 0.0, source_format: str = "PNG") -> LoadedImage:
    gray = np.clip(gray, 0, 1).astype(np.float32)
    return LoadedImage(gray, source_format, 8, colourfulness=colour, original_size=(gray.shape[1], gray.shape[0]))


def _colour_to_loaded(rgb: np.ndarray) -> LoadedImage:
    colour = channel_difference(np.clip(rgb * 255, 0, 255).astype(np.uint8))
    gray = cv2.cvtColor(np.clip(rgb * 255, 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY) / 255.0
    return _loaded(gray, colour)


def uniform_noise(rng: np.random.Generator) -> LoadedImage:
    size = int(rng.integers(256, 768))
    return _loaded(rng.random((size, size)))


def gaussian_noise(rng: np.random.Generator) -> LoadedImage:
    size = int(rng.integers(256, 768))
    return _loaded(rng.normal(rng.uniform(0.3, 0.7), rng.uniform(0.05, 0.3), (size, size)))


def smooth_noise(rng: np.random.Generator) -> LoadedImage:
    """Blurred noise: clouds, the kind of texture that fools pixel statistics."""
    size = int(rng.integers(256, 640))
    noise = cv2.GaussianBlur(rng.random((size, size)).astype(np.float32), (0, 0), sigmaX=float(rng.uniform(4, 30)))
    return _loaded((noise - noise.min()) / max(float(np.ptp(noise)), 1e-6))


def flat_field(rng: np.random.Generator) -> LoadedImage:
    size = int(rng.integers(128, 640))
    value = float(rng.choice([0.0, 1.0, rng.uniform(0.1, 0.9)]))
    return _loaded(np.full((size, size), value) + rng.normal(0, 0.002, (size, size)))


def colour_scene(rng: np.random.Generator) -> LoadedImage:
    """A photograph-like colour picture: a sky-to-ground gradient with coloured shapes."""
    height, width = int(rng.integers(300, 700)), int(rng.integers(300, 900))
    top, bottom = rng.random(3), rng.random(3)
    t = np.linspace(0, 1, height)[:, None, None]
    rgb = (1 - t) * top + t * bottom + np.zeros((height, width, 3))
    for _ in range(int(rng.integers(3, 12))):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        cv2.circle(rgb, centre, int(rng.integers(10, 120)), tuple(float(v) for v in rng.random(3)), -1)
    return _colour_to_loaded(rgb + rng.normal(0, 0.02, rgb.shape))


def text_page(rng: np.random.Generator) -> LoadedImage:
    """A scanned letter or a report: dark lines of text on white."""
    height, width = int(rng.integers(500, 900)), int(rng.integers(400, 700))
    page = np.full((height, width), 255, dtype=np.uint8)
    words = ["Patient", "report", "chest", "findings", "impression", "normal", "opacity", "2026", "Dr", "ward"]
    for row in range(30, height - 20, int(rng.integers(18, 32))):
        line = " ".join(rng.choice(words, int(rng.integers(3, 9))))
        cv2.putText(page, line, (20, row), cv2.FONT_HERSHEY_SIMPLEX, float(rng.uniform(0.4, 0.7)), 0, 1)
    return _loaded(page / 255.0)


def checkerboard(rng: np.random.Generator) -> LoadedImage:
    size, cell = int(rng.integers(256, 640)), int(rng.integers(8, 64))
    yy, xx = np.mgrid[0:size, 0:size] // cell
    return _loaded(((yy + xx) % 2).astype(np.float32))


def strip(rng: np.random.Generator) -> LoadedImage:
    """A very long, thin picture (a 10000x64-like strip, scaled down)."""
    length, thickness = int(rng.integers(2000, 4000)), int(rng.integers(64, 128))
    gray = cv2.GaussianBlur(rng.random((thickness, length)).astype(np.float32), (0, 0), 3)
    return _loaded(gray if rng.random() < 0.5 else gray.T)


def ct_slice(rng: np.random.Generator) -> LoadedImage:
    """An axial CT-like slice: round body, two dark lungs side by side, bright spine and ribs ring, black outside."""
    size = 512
    image = np.zeros((size, size), dtype=np.float32)
    centre = (size // 2, size // 2 + int(rng.integers(-20, 20)))
    cv2.ellipse(image, centre, (int(rng.integers(200, 240)), int(rng.integers(150, 190))), 0, 0, 360, 0.55, -1)
    cv2.ellipse(image, centre, (int(rng.integers(200, 240)), int(rng.integers(150, 190))), 0, 0, 360, 0.9, 6)
    for side in (-1, 1):
        lung = (centre[0] + side * int(rng.integers(80, 110)), centre[1] - 10)
        cv2.ellipse(image, lung, (int(rng.integers(60, 90)), int(rng.integers(90, 120))), 0, 0, 360, 0.08, -1)
    cv2.circle(image, (centre[0], centre[1] + 110), 22, 1.0, -1)  # vertebra
    return _loaded(image + rng.normal(0, 0.02, image.shape))


def rotated_film(film: np.ndarray, rng: np.random.Generator) -> LoadedImage:
    turns = int(rng.choice([1, 3]))  # a quarter turn either way; upside down is below
    return _loaded(np.rot90(film, turns).copy())


def upside_down_film(film: np.ndarray, rng: np.random.Generator) -> LoadedImage:
    return _loaded(np.rot90(film, 2).copy())


def inverted_film(film: np.ndarray, rng: np.random.Generator) -> LoadedImage:
    return _loaded(1.0 - film)


def corner_crop(film: np.ndarray, rng: np.random.Generator) -> LoadedImage:
    """A corner of a film (a quarter of it or less): no lung fields to speak of."""
    height, width = film.shape
    h, w = int(height * rng.uniform(0.3, 0.45)), int(width * rng.uniform(0.3, 0.45))
    top = int(rng.choice([0, height - h]))
    left = int(rng.choice([0, width - w]))
    return _loaded(film[top : top + h, left : left + w].copy())


PLAIN_KINDS: dict[str, Callable[[np.random.Generator], LoadedImage]] = {
    "uniform noise": uniform_noise,
    "gaussian noise": gaussian_noise,
    "smooth noise": smooth_noise,
    "flat field": flat_field,
    "colour scene": colour_scene,
    "text page": text_page,
    "checkerboard": checkerboard,
    "strip": strip,
    "CT-like slice": ct_slice,
}
FROM_FILM_KINDS: dict[str, Callable[[np.ndarray, np.random.Generator], LoadedImage]] = {
    "film turned a quarter": rotated_film,
    "film upside down": upside_down_film,
    "inverted film": inverted_film,
    "corner of a film": corner_crop,
}
