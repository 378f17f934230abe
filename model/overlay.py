"""Heatmap over radiograph, at the radiograph's own resolution and aspect ratio.

Used by the dashboard and the command line alike, so a downloaded PNG is what
the page shows. The map (any resolution) is resized to the image, coloured
with an OpenCV colormap and alpha-blended where it is strong.
"""
from __future__ import annotations

import cv2
import numpy as np

from model import config

COLORMAPS: dict[str, int] = {
    "jet": cv2.COLORMAP_JET,
    "inferno": cv2.COLORMAP_INFERNO,
    "viridis": cv2.COLORMAP_VIRIDIS,
    "turbo": cv2.COLORMAP_TURBO,
    "hot": cv2.COLORMAP_HOT,
}


FULL_OPACITY_AT = 0.5  # map value from which the heatmap is drawn at the full chosen opacity


def to_uint8_rgb(gray: np.ndarray) -> np.ndarray:
    """Grayscale in [0, 1] -> (H, W, 3) uint8."""
    gray_u8 = np.round(np.clip(gray, 0.0, 1.0) * 255).astype(np.uint8)
    return np.repeat(gray_u8[..., None], 3, axis=-1)


def colorise(heatmap: np.ndarray, colormap: str = config.DEFAULT_COLORMAP) -> np.ndarray:
    """A map in [0, 1] -> (H, W, 3) uint8 RGB through the named colormap."""
    if colormap not in COLORMAPS:
        raise ValueError(f"Unknown colormap {colormap!r}; choose one of {', '.join(COLORMAPS)}.")
    heat_u8 = np.round(np.clip(heatmap, 0.0, 1.0) * 255).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(heat_u8, COLORMAPS[colormap]), cv2.COLOR_BGR2RGB)


def overlay_heatmap(
    gray: np.ndarray,
    heatmap: np.ndarray,
    opacity: float = config.DEFAULT_OVERLAY_OPACITY,
    colormap: str = config.DEFAULT_COLORMAP,
) -> np.ndarray:
    """Blend `heatmap` over `gray` (H, W) in [0, 1]; returns (H, W, 3) uint8 RGB at the image's size.

    The blend weight rises linearly with the map's value up to FULL_OPACITY_AT, so cold regions leave
    the radiograph readable and near-zero values (which show the CAM grid when amplified) stay invisible.
    """
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"Opacity must be between 0 and 1, got {opacity}.")
    height, width = gray.shape[:2]
    resized = cv2.resize(heatmap.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC).clip(0, 1)
    alpha = (opacity * np.clip(resized / FULL_OPACITY_AT, 0.0, 1.0))[..., None]
    blended = (1 - alpha) * to_uint8_rgb(gray).astype(np.float32) + alpha * colorise(resized, colormap).astype(np.float32)
    return np.round(blended).clip(0, 255).astype(np.uint8)


def encode_png(rgb: np.ndarray) -> bytes:
    """RGB uint8 -> PNG bytes (for downloads and files)."""
    ok, buffer = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR) if rgb.ndim == 3 else rgb)
    if not ok:
        raise ValueError("Could not encode the overlay as PNG.")
    return buffer.tobytes()


def apply_window(gray: np.ndarray, level: float = 0.5, width: float = 1.0, invert: bool = False) -> np.ndarray:
    """A radiology viewer's window/level on a [0, 1] image: `width` around `level` spans black to white."""
    low = level - width / 2
    shown = np.clip((gray - low) / max(width, 1e-6), 0.0, 1.0).astype(np.float32)
    return 1.0 - shown if invert else shown


def draw_outline(rgb: np.ndarray, outline: np.ndarray, colour: tuple[int, int, int] = (0, 255, 255)) -> np.ndarray:
    """Paint the True pixels of `outline` (same height and width as `rgb`) in `colour`."""
    painted = rgb.copy()
    painted[outline] = colour
    return painted
