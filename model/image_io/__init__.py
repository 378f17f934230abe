"""Turn the bytes a user gives us into a grayscale float image, or a specific, readable error.

Everything that reaches the model passes through `load_image_bytes` (or `load_image_file`): PNG/JPEG/TIFF/WebP of
8 or 16 bits, grayscale/RGB/RGBA/palette, any size up to a pixel limit, and DICOM through pydicom (modality LUT,
then VOI LUT or window, MONOCHROME1 inverted so that bone is always bright). Each failure raises a subclass of
`ImageLoadError` whose message a person can act on.

    errors.py   the error types          loaded.py  LoadedImage, the decoded film
    sniffing.py what the first bytes say limits.py  size and memory limits, the early reduction
    guards.py   markers and offsets read before any decoder runs (scans, pages, declared frame sizes, inflation)
    raster.py   Pillow formats           dicom.py   pydicom
    loader.py   the two entry points
"""

from __future__ import annotations

from model.image_io.dicom import safe_dicom_metadata
from model.image_io.errors import (
    DicomError,
    EmptyFileError,
    ImageLoadError,
    ImageTooLargeError,
    ImageTooSmallError,
    NotAFileError,
    NotAnImageError,
    TruncatedImageError,
)
from model.image_io.loaded import LoadedImage, colourfulness
from model.image_io.loader import load_image_bytes, load_image_file, read_film_file
from model.image_io.sniffing import describe_non_image, is_dicom, looks_like_bare_dicom

__all__ = [
    "DicomError",
    "EmptyFileError",
    "ImageLoadError",
    "ImageTooLargeError",
    "ImageTooSmallError",
    "LoadedImage",
    "NotAFileError",
    "NotAnImageError",
    "TruncatedImageError",
    "colourfulness",
    "describe_non_image",
    "is_dicom",
    "load_image_bytes",
    "load_image_file",
    "looks_like_bare_dicom",
    "read_film_file",
    "safe_dicom_metadata",
]
