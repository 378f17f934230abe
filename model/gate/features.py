"""What the gate measures about a film: each number is one way a non-X-ray gives itself away.

Image statistics catch noise, flat fields, colour photographs, text and strips; the lung fields catch crops,
rotated or inverted films and CT slices; the distance in the classifier's feature space catches what looks like
nothing the model was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from model.image_io import LoadedImage
from model.preprocessing import to_model_input

# The gate's inputs, in a fixed order (the calibration file stores weights in this order).
FEATURE_NAMES: tuple[str, ...] = (
    "colourfulness",
    "log_aspect",
    "dynamic_range",
    "high_frequency",
    "extreme_fraction",
    "histogram_entropy",
    "lung_area",
    "lung_regions_plausible",
    "lung_balance",
    "lung_vertical_centre",
    "template_correlation",
    "template_margin",
    "feature_distance",
)
# Side of the thumbnail compared with the mean training film (orientation, inversion, crops).
THUMBNAIL_SIDE = 32


@dataclass(frozen=True)
class PreparedFilm:
    """A decoded film reduced to what every later step reads: the network input and the few figures only the
    full-resolution film gives. About 100 kB, so a batch job ships this between processes, never the film."""

    model_input: np.ndarray  # (S, S, 1) float32, to_model_input() of the film
    raster: dict[str, float]  # raster_statistics() of the film


def raster_statistics(image: LoadedImage) -> dict[str, float]:
    """The statistics that need the decoded film itself, not its network input."""
    width, height = image.original_size or image.size
    low, high = np.percentile(image.pixels, [1, 99])
    return {
        "colourfulness": float(image.colourfulness),
        "log_aspect": float(abs(np.log(width / height))),
        "dynamic_range": float(high - low),
    }


def prepare_film(image: LoadedImage) -> PreparedFilm:
    return PreparedFilm(to_model_input(image.pixels), raster_statistics(image))


@dataclass(frozen=True)
class FilmStatistics:
    values: dict[str, float]

    def vector(self) -> np.ndarray:
        return np.array([self.values[name] for name in FEATURE_NAMES], dtype=np.float64)


def image_statistics(film: PreparedFilm) -> dict[str, float]:
    """Statistics of the decoded film (before and after the model's normalisation)."""
    normalised = film.model_input[..., 0].astype(np.float32)
    laplacian = cv2.Laplacian(normalised, cv2.CV_32F, ksize=3)
    histogram = np.histogram(normalised, bins=32, range=(0, 1))[0].astype(np.float64)
    histogram /= max(histogram.sum(), 1)
    entropy = float(-(histogram[histogram > 0] * np.log2(histogram[histogram > 0])).sum())
    return {
        **film.raster,
        "high_frequency": float(np.abs(laplacian).mean()),
        "extreme_fraction": float(np.mean((normalised <= 0.02) | (normalised >= 0.98))),
        "histogram_entropy": entropy,
    }


def lung_statistics(mask: np.ndarray) -> dict[str, float]:
    """Area, two-lung shape, left/right balance and height of the segmenter's lung fields."""
    from model.lungs import plausible_lung_mask

    area = float(mask.mean())
    count, _, stats, centroids = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    balance, vertical = 0.0, 0.0
    if count >= 3:
        order = np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:2] + 1
        areas = stats[order, cv2.CC_STAT_AREA].astype(float)
        balance = float(areas.min() / areas.max())
        vertical = float(centroids[order, 1].mean() / mask.shape[0])
    elif count == 2:
        vertical = float(centroids[1, 1] / mask.shape[0])
    return {
        "lung_area": area,
        "lung_regions_plausible": float(plausible_lung_mask(mask)),
        "lung_balance": balance,
        "lung_vertical_centre": vertical,
    }


def thumbnail(model_input: np.ndarray) -> np.ndarray:
    """The film at THUMBNAIL_SIDE px, zero mean and unit spread, flattened: its layout without its detail."""
    small = cv2.resize(model_input[..., 0], (THUMBNAIL_SIDE, THUMBNAIL_SIDE), interpolation=cv2.INTER_AREA)
    small = small.astype(np.float64) - small.mean()
    return (small / max(float(small.std()), 1e-6)).ravel()


def template_statistics(thumb: np.ndarray, template: np.ndarray) -> dict[str, float]:
    """How well the film's layout matches the mean training film, and how much better than the same template
    turned a quarter, upside down or the other quarter: a turned or inverted film matches a turned template."""
    side = THUMBNAIL_SIDE
    grid = template.reshape(side, side)
    turned = [np.rot90(grid, k).ravel() for k in (1, 2, 3)]
    correlation = float(np.mean(thumb * template))
    best_turned = max(float(np.mean(thumb * t)) for t in turned)
    return {"template_correlation": correlation, "template_margin": correlation - best_turned}


def film_statistics(
    film: PreparedFilm,
    lung_mask: np.ndarray,
    feature_distance: float,
    template: np.ndarray | None = None,
) -> FilmStatistics:
    """Every statistic the gate reads; without a template (during calibration) its two figures are 0."""
    matched = (
        template_statistics(thumbnail(film.model_input), template)
        if template is not None
        else {"template_correlation": 0.0, "template_margin": 0.0}
    )
    return FilmStatistics(
        {
            **image_statistics(film),
            **lung_statistics(lung_mask),
            **matched,
            "feature_distance": feature_distance,
        }
    )
