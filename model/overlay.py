"""Heatmap over radiograph, at the radiograph's own resolution and aspect ratio.

Used by the dashboard and the command line alike, so a downloaded PNG is what
the page shows. The map (any resolution) is resized to the image, coloured
with an OpenCV colormap and alpha-blended where it is strong.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

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
    blended = (1 - alpha) * to_uint8_rgb(gray).astype(np.float32) + alpha * colorise(resized, colormap).astype(
        np.float32
    )
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


@dataclass(frozen=True)
class ViewSettings:
    """How a person chose to look at a film: window/level, inversion, heatmap opacity and colours, lung outline."""

    level: float = 0.5
    width: float = 1.0
    invert: bool = False
    opacity: float = config.DEFAULT_OVERLAY_OPACITY
    colormap: str = config.DEFAULT_COLORMAP
    outline: bool = True

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def smooth_mask(mask: np.ndarray, height: int, width: int) -> np.ndarray:
    """`mask` at (height, width), resized smoothly and lightly blurred: a curve, not the network grid's stair steps."""
    smooth = cv2.resize(mask.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    smooth = cv2.GaussianBlur(smooth, (0, 0), sigmaX=max(height, width) / 300)
    return (smooth >= 0.5).astype(np.uint8)


def mask_outline(mask: np.ndarray, height: int, width: int) -> np.ndarray:
    """A boolean outline of `mask` at (height, width), for drawing over an image; about 1 px per 250 px of film."""
    contours, _ = cv2.findContours(smooth_mask(mask, height, width), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    canvas = np.zeros((height, width), dtype=np.uint8)
    cv2.drawContours(canvas, contours, -1, 1, thickness=max(1, round(max(height, width) / 250)))
    return canvas.astype(bool)


def render(
    gray: np.ndarray,
    heatmap: np.ndarray | None,
    view: ViewSettings = ViewSettings(),
    lung_mask: np.ndarray | None = None,
) -> np.ndarray:
    """The picture a person sees: the film windowed, the heatmap blended over it, the lung outline on top.

    `gray` (H, W) in [0, 1] at the film's own resolution; `heatmap` and `lung_mask` at any resolution. Used by the
    dashboard and scripts/explain.py alike, so a download is what the page shows.
    """
    shown = apply_window(gray, view.level, view.width, view.invert)
    picture = to_uint8_rgb(shown) if heatmap is None else overlay_heatmap(shown, heatmap, view.opacity, view.colormap)
    if view.outline and lung_mask is not None:
        picture = draw_outline(picture, mask_outline(lung_mask, *shown.shape[:2]))
    return picture


DISCLAIMER_LINE = "Research and teaching tool - not for diagnosis."
CAPTION_INK = (0, 0, 0)
DISCLAIMER_INK = (160, 0, 0)


def colour_bar(height: int, width: int, colormap: str = config.DEFAULT_COLORMAP) -> np.ndarray:
    """A vertical colour bar (RGB uint8), hot at the top."""
    return colorise(np.linspace(1.0, 0.0, height)[:, None].repeat(width, axis=1), colormap)


def _ascii(text: str) -> str:
    """OpenCV's Hershey fonts draw ASCII only: accents are dropped, other characters become '?'."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", text.replace("·", "-").replace("–", "-").replace("—", "-"))
    return "".join(ch if ch.isascii() else ("" if unicodedata.combining(ch) else "?") for ch in folded)


def _wrapped(text: str, width: int, font_scale: float, thickness: int) -> list[str]:
    """`text` broken at spaces into lines that fit `width` px."""
    lines, current = [], ""
    for word in text.split(" "):
        trial = f"{current} {word}".strip()
        if current and cv2.getTextSize(trial, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)[0][0] > width:
            lines.append(current)
            current = word
        else:
            current = trial
    return [*lines, current]


def text_band(width: int, lines: list[tuple[str, tuple[int, int, int]]], scale: float, margin: int) -> np.ndarray:
    """White band of `width` px holding the (text, colour) lines, wrapped to fit: captions and disclaimers."""
    line_height = int(34 * scale)
    font_scale, thickness = 0.75 * scale, max(1, int(2 * scale))
    wrapped = [
        (part, colour)
        for text, colour in lines
        for part in _wrapped(_ascii(text), width - 2 * margin, font_scale, thickness)
    ]
    band = np.full((line_height * len(wrapped) + margin, width, 3), 255, np.uint8)
    for index, (text, colour) in enumerate(wrapped):
        cv2.putText(
            band,
            text,
            (margin, line_height * (index + 1)),
            cv2.FONT_HERSHEY_SIMPLEX,
            font_scale,
            colour,
            thickness,
            cv2.LINE_AA,
        )
    return band


SLIDE_MIN_LONG_SIDE: int = 1024


def slide(
    gray: np.ndarray,
    overlay_rgb: np.ndarray,
    lines: list[str],
    colormap: str = config.DEFAULT_COLORMAP,
    footer: str = DISCLAIMER_LINE,
) -> np.ndarray:
    """A slide-ready picture: the film and its overlay side by side, a colour bar (0 to 1), and caption lines (film,
    model, method, class, probabilities, verdicts) above a "not for diagnosis" footer. RGB uint8.

    At least SLIDE_MIN_LONG_SIDE px wide: a small film (the public sets hold 224-299 px films) is enlarged, so the
    slide stays sharp enough to project."""
    factor = (SLIDE_MIN_LONG_SIDE + 8) / (2.15 * gray.shape[1])  # two panes, gaps and the bar: ~2.15 film widths
    if factor > 1:
        size = (int(np.ceil(gray.shape[1] * factor)), int(np.ceil(gray.shape[0] * factor)))
        gray = cv2.resize(gray.astype(np.float32), size, interpolation=cv2.INTER_CUBIC).clip(0, 1)
        overlay_rgb = cv2.resize(overlay_rgb, size, interpolation=cv2.INTER_CUBIC)
    height, width = gray.shape[:2]
    gap = max(8, width // 60)
    scale = max(0.5, width / 900)
    white = np.full((height, gap, 3), 255, np.uint8)
    row = np.hstack(
        [
            to_uint8_rgb(gray),
            white,
            overlay_rgb,
            white,
            colour_bar(height, max(12, width // 30), colormap),
            np.full((height, gap * 5, 3), 255, np.uint8),
        ]
    )
    x = row.shape[1] - gap * 5 + 2
    for value, y in (("1", int(20 * scale)), ("0", height - 6)):
        cv2.putText(
            row, value, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale, CAPTION_INK, max(1, int(scale)), cv2.LINE_AA
        )
    caption = [(text, CAPTION_INK) for text in lines] + [(footer, DISCLAIMER_INK)]
    return np.vstack([text_band(row.shape[1], caption, scale, gap), row])


def grid(
    pictures: list[np.ndarray], labels: list[str], footer: str = DISCLAIMER_LINE, lines: list[str] | None = None
) -> np.ndarray:
    """The compare-all view as one picture: caption `lines` (film, model, class, probabilities) above the overlays
    side by side, each labelled, with the disclaimer. RGB; at least SLIDE_MIN_LONG_SIDE px wide."""
    height = min(picture.shape[0] for picture in pictures)
    height = max(height, round(SLIDE_MIN_LONG_SIDE / len(pictures) * min(p.shape[0] / p.shape[1] for p in pictures)))
    gap = max(6, height // 60)
    scale = max(0.45, height / 700)
    columns = []
    for picture, label in zip(pictures, labels):
        picture = cv2.resize(
            picture, (round(picture.shape[1] * height / picture.shape[0]), height), interpolation=cv2.INTER_AREA
        )
        column = np.vstack([text_band(picture.shape[1], [(label, CAPTION_INK)], scale, gap), picture])
        columns += [column, np.full((column.shape[0], gap, 3), 255, np.uint8)]
    row = np.hstack(columns[:-1])
    header = [text_band(row.shape[1], [(text, CAPTION_INK) for text in lines], scale, gap)] if lines else []
    return np.vstack([*header, row, text_band(row.shape[1], [(footer, DISCLAIMER_INK)], scale, gap)])
