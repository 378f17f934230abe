"""Turn the bytes a user gives us into a grayscale float image, or a specific, readable error.

Everything that reaches the model passes through `load_image_bytes`: PNG/JPEG of
8 or 16 bits, grayscale/RGB/RGBA/palette, any size up to a pixel limit, and
DICOM through pydicom (modality LUT, then VOI LUT or window, MONOCHROME1
inverted so that bone is always bright). Each failure raises a subclass of
`ImageLoadError` whose message a person can act on.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model import config


class ImageLoadError(ValueError):
    """Base of every input error; its message is shown to the user as is."""


class EmptyFileError(ImageLoadError):
    pass


class NotAnImageError(ImageLoadError):
    pass


class TruncatedImageError(ImageLoadError):
    pass


class ImageTooSmallError(ImageLoadError):
    pass


class ImageTooLargeError(ImageLoadError):
    pass


class DicomError(ImageLoadError):
    pass


@dataclass
class LoadedImage:
    """A grayscale image in [0, 1] at its original resolution, and what we learned reading it."""

    pixels: np.ndarray  # float32, shape (H, W), 0 = black, 1 = white
    source_format: str  # "PNG", "JPEG", "DICOM", ...
    bit_depth: int
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), as image tools report it."""
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])


def is_dicom(data: bytes) -> bool:
    """DICOM Part 10 files carry 'DICM' after a 128-byte preamble."""
    return len(data) >= 132 and data[128:132] == b"DICM"


def load_image_file(path: str | Path) -> LoadedImage:
    """Read a file from disk through the same checks as an upload."""
    path = Path(path)
    if not path.is_file():
        raise ImageLoadError(f"{path.name}: no such file.")
    return load_image_bytes(path.read_bytes(), path.name)


def load_image_bytes(data: bytes, name: str = "upload") -> LoadedImage:
    """Decode uploaded bytes; raise an `ImageLoadError` subclass for anything unusable."""
    if not data:
        raise EmptyFileError(f"{name}: the file is empty (0 bytes).")
    if len(data) > config.MAX_UPLOAD_BYTES:
        raise ImageTooLargeError(
            f"{name}: the file is {len(data) / 2**20:.0f} MB; the limit is {config.MAX_UPLOAD_BYTES / 2**20:.0f} MB."
        )
    loaded = _load_dicom(data, name) if is_dicom(data) or name.lower().endswith(".dcm") else _load_raster(data, name)
    _check_size(loaded.pixels.shape, name)
    return loaded


def _check_size(shape: tuple[int, ...], name: str) -> None:
    height, width = shape[:2]
    if height * width > config.MAX_IMAGE_PIXELS:
        raise ImageTooLargeError(
            f"{name}: {width}x{height} pixels is above the limit of {config.MAX_IMAGE_PIXELS:,} pixels."
        )
    if min(height, width) < config.MIN_IMAGE_SIDE:
        raise ImageTooSmallError(
            f"{name}: {width}x{height} pixels is too small for a chest X-ray "
            f"(the short side must be at least {config.MIN_IMAGE_SIDE} px)."
        )


def _load_raster(data: bytes, name: str) -> LoadedImage:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        if isinstance(error, UnidentifiedImageError):
            raise NotAnImageError(
                f"{name}: not an image we can read. Upload a PNG, JPEG or DICOM chest X-ray."
            ) from None
        raise ImageTooLargeError(f"{name}: the image has too many pixels to open safely.") from None
    # Check the declared size before decoding, so a decompression bomb never allocates.
    _check_size((image.height, image.width), name)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise TruncatedImageError(f"{name}: the file is damaged or cut short ({error}).") from None

    notes: list[str] = []
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        pixels = np.asarray(image, dtype=np.float32) / 65535.0
        bit_depth = 16
        notes.append("16-bit image: intensities scaled from 0-65535.")
    elif mode == "I":
        raw = np.asarray(image, dtype=np.float64)
        bit_depth = 16 if raw.max() > 255 else 8
        pixels = (raw / (65535.0 if bit_depth == 16 else 255.0)).clip(0, 1).astype(np.float32)
    elif mode == "F":
        raw = np.asarray(image, dtype=np.float32)
        pixels = _min_max(raw)
        bit_depth = 32
        notes.append("Floating-point image: intensities rescaled to their own range.")
    else:
        if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
            notes.append("Transparency removed (composited on black).")
            rgba = image.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
            image = Image.alpha_composite(background, rgba)
        if mode not in ("L", "1"):
            if mode not in ("LA",) and _looks_coloured(image):
                notes.append("Colour image: converted to grayscale.")
        pixels = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
        bit_depth = 8
    return LoadedImage(
        pixels=np.ascontiguousarray(pixels), source_format=image.format or "image", bit_depth=bit_depth, notes=notes
    )


def _looks_coloured(image: "Image.Image") -> bool:  # noqa: F821 - PIL imported lazily
    rgb = np.asarray(image.convert("RGB"), dtype=np.int16)
    return bool(np.abs(rgb[..., 0] - rgb[..., 1]).mean() + np.abs(rgb[..., 1] - rgb[..., 2]).mean() > 2.0)


def _min_max(values: np.ndarray) -> np.ndarray:
    low, high = float(np.min(values)), float(np.max(values))
    if high <= low:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


def _load_dicom(data: bytes, name: str) -> LoadedImage:
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    try:
        dataset = pydicom.dcmread(io.BytesIO(data), force=True)
    except (InvalidDicomError, EOFError, OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise DicomError(f"{name}: not a readable DICOM file ({error}).") from None
    if "PixelData" not in dataset:
        raise DicomError(f"{name}: this DICOM file has no pixel data (it may be a report or a structured document).")
    rows, columns = int(dataset.get("Rows", 0)), int(dataset.get("Columns", 0))
    _check_size((rows, columns), name)
    try:
        raw = dataset.pixel_array
    except Exception as error:  # pydicom raises many kinds for bad or unsupported encodings
        raise DicomError(f"{name}: the DICOM pixel data cannot be decoded ({error}).") from None
    if raw.ndim == 3 and raw.shape[-1] in (3, 4) and dataset.get("SamplesPerPixel", 1) > 1:
        raw = raw[..., :3].mean(axis=-1)
    elif raw.ndim == 3:
        raw = raw[0]  # multi-frame: the first frame
    notes: list[str] = []
    values = apply_modality_lut(raw, dataset).astype(np.float64)
    has_voi = any(key in dataset for key in ("VOILUTSequence", "WindowCenter"))
    if has_voi:
        values = apply_voi_lut(values, dataset, prefer_lut=True).astype(np.float64)
        notes.append("DICOM window / VOI LUT applied.")
    pixels = _min_max(values)
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2")).strip()
    if photometric == "MONOCHROME1":
        pixels = 1.0 - pixels
        notes.append("MONOCHROME1: inverted so that bone is bright.")
    bits = int(dataset.get("BitsStored", dataset.get("BitsAllocated", 16)))
    return LoadedImage(pixels=pixels.astype(np.float32), source_format="DICOM", bit_depth=bits, notes=notes)


# DICOM attributes that may be shown: technical, never identifying (no names, IDs, dates, institutions).
SAFE_DICOM_ATTRIBUTES: tuple[str, ...] = (
    "Modality",
    "PhotometricInterpretation",
    "Rows",
    "Columns",
    "BitsStored",
    "ViewPosition",
    "BodyPartExamined",
    "PixelSpacing",
)


def safe_dicom_metadata(data: bytes) -> dict[str, str]:
    """Technical DICOM attributes from an allow-list; patient-identifying ones are never read out."""
    import pydicom

    try:
        dataset = pydicom.dcmread(io.BytesIO(data), force=True, stop_before_pixels=True)
    except Exception:
        return {}
    return {key: str(dataset.get(key)) for key in SAFE_DICOM_ATTRIBUTES if key in dataset}
