"""Size limits, checked from headers before decoding, and the one early reduction of very large films."""

from __future__ import annotations

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


def downscale_once(loaded: LoadedImage) -> LoadedImage:
    """Shrink a very large film once, early, to what the viewer and the model need: every later copy is small."""
    height, width = loaded.pixels.shape
    if loaded.original_size is None:
        loaded.original_size = (width, height)
    longest = max(height, width)
    if longest <= config.MAX_WORKING_SIDE:
        return loaded
    import cv2

    scale = config.MAX_WORKING_SIDE / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    loaded.pixels = cv2.resize(loaded.pixels, size, interpolation=cv2.INTER_AREA)
    loaded.notes.append(f"Large image ({width}x{height}): reduced to {size[0]}x{size[1]} for viewing and the model.")
    return loaded
