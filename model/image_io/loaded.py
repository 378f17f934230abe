"""The decoded film every path shares (grayscale in [0, 1], with what reading it taught us), and two measures
of raw pixels that the loaders and the gate's generated pictures share."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class LoadedImage:
    """A grayscale image in [0, 1] at its original resolution, and what we learned reading it."""

    pixels: np.ndarray  # float32, shape (H, W), 0 = black, 1 = white
    source_format: str  # "PNG", "JPEG", "DICOM", ...
    bit_depth: int
    notes: list[str] = field(default_factory=list)
    colourfulness: float = 0.0  # mean channel difference before grey conversion (0-255 scale): X-rays have none
    original_size: tuple[int, int] | None = None  # (width, height) before any early downscale
    # The file's own values at pixels 0 and 1 (DICOM after its modality LUT; reversed for MONOCHROME1); None: the
    # full range of the bit depth. Window / level is shown to people in these units.
    value_range: tuple[float, float] | None = None

    @property
    def own_range(self) -> tuple[float, float]:
        if self.value_range is not None:
            return self.value_range
        return (0.0, float(2**self.bit_depth - 1)) if self.bit_depth <= 16 else (0.0, 1.0)

    def to_own_units(self, fraction: float | np.ndarray) -> float | np.ndarray:
        """A value on the 0-1 display scale in the file's own units."""
        low, high = self.own_range
        return low + (high - low) * fraction

    def from_own_units(self, value: float) -> float:
        """A value in the file's own units on the 0-1 display scale (clipped)."""
        low, high = self.own_range
        return float(np.clip((value - low) / (high - low), 0.0, 1.0)) if high != low else 0.0

    @property
    def own_span(self) -> float:
        """The width of the file's range in its own units (what a window width of 1 covers)."""
        return abs(self.own_range[1] - self.own_range[0])

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), as image tools report it."""
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])


def channel_difference(rgb: np.ndarray) -> float:
    """Mean absolute difference between neighbouring colour channels of an (H, W, 3) picture on a 0-255 scale:
    about 0 for any radiograph, even one stored as RGB."""
    rgb = np.asarray(rgb, dtype=np.float32)
    return float(np.abs(rgb[..., 0] - rgb[..., 1]).mean() + np.abs(rgb[..., 1] - rgb[..., 2]).mean())


def colourfulness(image: "Image.Image") -> float:  # noqa: F821 - PIL imported lazily
    """The channel difference of a Pillow picture (0-255)."""
    return channel_difference(np.asarray(image.convert("RGB")))


def min_max(
    values: np.ndarray, value_range: tuple[float, float] | None = None
) -> tuple[np.ndarray, tuple[float, float]]:
    """Values scaled to [0, 1] by their own range (or the given one: the full film's, for a reduced copy), and that
    range (the file's values at 0 and 1)."""
    low, high = value_range if value_range is not None else (float(np.min(values)), float(np.max(values)))
    if high <= low:
        return np.zeros_like(values, dtype=np.float32), (low, high)
    return ((values - low) / (high - low)).astype(np.float32), (low, high)
