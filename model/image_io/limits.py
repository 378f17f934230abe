"""Size limits, checked from headers before decoding, and the one early reduction of very large films."""

from __future__ import annotations

import numpy as np

from model import config
from model.image_io.errors import ImageTooLargeError, ImageTooSmallError
from model.image_io.loaded import LoadedImage


def check_file_size(name: str, size: int, limit_bytes: int | None = None) -> None:
    """The upload's size limit, for every file the tools read (uploads, paths, films an audit opens)."""
    limit_bytes = config.MAX_UPLOAD_BYTES if limit_bytes is None else limit_bytes
    if size > limit_bytes:
        limit = limit_bytes / 2**20
        raise ImageTooLargeError(f"{name}: the file is {size / 2**20:.0f} MB; the limit is {limit:.0f} MB.")


def check_memory(name: str, width: int, height: int, bytes_per_pixel: int, frames: int = 1) -> None:
    """Refuse, from the header alone, a picture whose decoded size would exceed the memory budget."""
    decoded = width * height * bytes_per_pixel * frames
    if decoded > config.MAX_DECODED_BYTES:
        raise ImageTooLargeError(
            f"{name}: decoding it would take {decoded / 2**20:.0f} MB of memory "
            f"(limit {config.MAX_DECODED_BYTES / 2**20:.0f} MB)."
        )


def check_size(shape: tuple[int, ...], name: str) -> None:
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


def reduced_size(width: int, height: int, working_side: int) -> tuple[int, int] | None:
    """(width, height) with the longest side `working_side`, or None when the picture is no larger than that."""
    longest = max(width, height)
    if longest <= working_side:
        return None
    scale = working_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def reduce_stored(values: np.ndarray, working_side: int) -> np.ndarray:
    """A film's stored samples (any integer or float type) area-averaged to the working size, before any conversion
    to floating point: at 3000x2500 the conversions and look-up tables cost more than the decoding."""
    size = reduced_size(values.shape[1], values.shape[0], working_side)
    if size is None:
        return values
    import cv2

    supported = values if values.dtype in (np.uint8, np.uint16, np.int16, np.float32) else values.astype(np.float32)
    return cv2.resize(supported, size, interpolation=cv2.INTER_AREA)


def downscale_once(loaded: LoadedImage, working_side: int | None = None) -> LoadedImage:
    """Shrink a very large film once, early, to what the viewer and the model need: every later copy is small."""
    working_side = working_side or config.MAX_WORKING_SIDE
    height, width = loaded.pixels.shape
    if loaded.original_size is None:
        loaded.original_size = (width, height)
    longest = max(height, width)
    if longest <= working_side:
        return loaded
    import cv2

    scale = working_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    loaded.pixels = cv2.resize(loaded.pixels, size, interpolation=cv2.INTER_AREA)
    loaded.notes.append(f"Large image ({width}x{height}): reduced to {size[0]}x{size[1]} for viewing and the model.")
    return loaded
