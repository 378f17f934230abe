"""PNG, JPEG, TIFF, WebP, BMP and GIF through Pillow (8 or 16 bits, signed or float, grey, colour, palette or
transparent), after structural guards that keep hostile files from running the decoder for minutes."""

from __future__ import annotations

import io
import warnings

import numpy as np

from model import config
from model.image_io.errors import ImageTooLargeError, NotAnImageError, TruncatedImageError
from model.image_io.guards import gif_frame_count, jpeg_scan_count, tiff_page_count
from model.image_io.limits import check_memory, check_size, reduce_stored, reduced_size
from model.image_io.loaded import LoadedImage, colourfulness, min_max
from model.image_io.sniffing import describe_non_image, other_format

# Raster formats a chest film can arrive in; anything else Pillow knows (EPS, PDF, PSD, ICNS...) is refused as such
# (EPS would hand the bytes to Ghostscript).
RASTER_FORMATS: tuple[str, ...] = ("PNG", "JPEG", "TIFF", "WEBP", "BMP", "GIF")


def _check_structure(data: bytes, name: str) -> None:
    """Refuse, from markers and offsets alone, files whose decoding would run for minutes."""
    if data.startswith(b"\xff\xd8") and (scans := jpeg_scan_count(data)) > config.MAX_JPEG_SCANS:
        raise ImageTooLargeError(
            f"{name}: this JPEG holds {scans:,} scans (a photograph has at most a few dozen); decoding it would take "
            "minutes, so it is refused."
        )
    if tiff_page_count(data, config.MAX_TIFF_PAGES) > config.MAX_TIFF_PAGES:
        raise ImageTooLargeError(
            f"{name}: this TIFF holds more than {config.MAX_TIFF_PAGES:,} pages (or its pages loop); a chest film "
            "has one."
        )
    if gif_frame_count(data, config.MAX_GIF_FRAMES) > config.MAX_GIF_FRAMES:
        raise ImageTooLargeError(
            f"{name}: this GIF holds more than {config.MAX_GIF_FRAMES:,} frames; a chest film has one."
        )


def _reduce_early(image, name: str, notes: list[str], working_side: int = config.MAX_WORKING_SIDE):
    """A very large picture shrunk by an integer factor right after decoding (Pillow's reduce, a box filter),
    before any conversion copies it: a 7000-px RGBA PNG then costs one decoded copy, not six."""
    factor = max(image.size) // working_side  # never below the working size: the rest is done later
    if factor < 2:
        return image
    try:
        reduced = image.reduce(factor)
    except (ValueError, NotImplementedError):  # modes reduce does not take (16-bit): reduced later, as arrays
        return image
    notes.append(f"Large image ({image.width}x{image.height}): reduced {factor}x on decoding.")
    return reduced


def load_raster(data: bytes, name: str, working_side: int = config.MAX_WORKING_SIDE) -> LoadedImage:
    from PIL import Image, UnidentifiedImageError

    _check_structure(data, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=RASTER_FORMATS)
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        if isinstance(error, UnidentifiedImageError):
            what = other_format(data) or describe_non_image(data)
            raise NotAnImageError(
                f"{name}: "
                + (f"this is {what}, not an image." if what else "not an image we can read.")
                + " Upload a PNG, JPEG or DICOM chest X-ray."
            ) from None
        raise ImageTooLargeError(f"{name}: the image has too many pixels to open safely.") from None
    except MemoryError:  # the decoding child's cap: the sandbox says so in its own sentence
        raise
    except Exception as error:  # any other decoder failure is this file's problem alone
        raise NotAnImageError(f"{name}: the image header cannot be read ({type(error).__name__}).") from None
    # Check the declared size before decoding, so a decompression bomb never allocates.
    check_size((image.height, image.width), name)
    channels = len(image.getbands()) if image.mode not in ("P", "1") else 1
    check_memory(name, image.width, image.height, max(channels, 1) * (2 if "16" in image.mode else 1))
    notes: list[str] = []
    frames = getattr(image, "n_frames", 1) if image.format != "TIFF" else tiff_pages(data)
    original_size = (image.width, image.height)
    try:
        target = reduced_size(image.width, image.height, working_side)
        if image.format == "JPEG" and target is not None:  # libjpeg decodes at 1/2, 1/4 or 1/8 size directly
            image.draft(image.mode, target)
        image.load()
        if image.size != original_size:
            notes.append(
                f"Large JPEG ({original_size[0]}x{original_size[1]}): decoded at {image.width}x{image.height}."
            )
        if frames > 1:
            notes.append(f"{image.format} with {frames} frames: the first frame is used.")
        source_format = image.format or "image"
        image = _reduce_early(image, name, notes, working_side)
        rotated = _apply_exif_orientation(image)
        if rotated is not image:
            notes.append("EXIF orientation applied (the picture was stored turned).")
            image = rotated
    except (OSError, SyntaxError, ValueError) as error:
        raise TruncatedImageError(f"{name}: the file is damaged or cut short ({error}).") from None
    except MemoryError:
        raise
    except Exception as error:
        raise TruncatedImageError(f"{name}: the image data cannot be decoded ({type(error).__name__}).") from None

    mode = image.mode
    value_range: tuple[float, float] | None = None  # set where the file's values are not 0..2**bits - 1
    colour = 0.0  # measured for pictures that arrive with colour channels
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):  # reduced as stored integers, then scaled
        pixels = reduce_stored(np.asarray(image).astype(np.uint16, copy=False), working_side).astype(np.float32)
        pixels /= 65535.0
        bit_depth = 16
        notes.append("16-bit image: intensities scaled from 0-65535.")
    elif mode == "I":
        raw = np.asarray(image, dtype=np.float64)
        if raw.min() < 0:  # signed samples (a signed 16-bit TIFF): the same film as its unsigned re-encoding
            low, high = (-32768.0, 32767.0) if raw.min() >= -32768 and raw.max() <= 32767 else (raw.min(), raw.max())
            pixels, value_range = ((raw - low) / (high - low)).astype(np.float32), (low, high)
            bit_depth = 16
            notes.append("Signed image: intensities scaled from their signed range.")
        else:
            bit_depth = 16 if raw.max() > 255 else 8
            pixels = (raw / (65535.0 if bit_depth == 16 else 255.0)).clip(0, 1).astype(np.float32)
    elif mode == "F":
        raw = np.asarray(image, dtype=np.float32)
        if not np.isfinite(raw).all():
            raise NotAnImageError(f"{name}: the image holds values that are not numbers (NaN or infinity).")
        pixels, value_range = min_max(raw)
        bit_depth = 32
        notes.append("Floating-point image: intensities rescaled to their own range.")
    else:
        if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
            notes.append("Transparency removed (composited on black).")
            rgba = image.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
            image = Image.alpha_composite(background, rgba)
        if mode not in ("L", "1", "LA"):
            colour = colourfulness(image)
            if colour > config.COLOUR_NOTE_THRESHOLD:
                notes.append("Colour image: converted to grayscale.")
        pixels = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
        bit_depth = 8
    return LoadedImage(
        pixels=np.ascontiguousarray(pixels),
        source_format=source_format,
        bit_depth=bit_depth,
        notes=notes,
        colourfulness=colour,
        original_size=original_size,
        value_range=value_range,
    )


def tiff_pages(data: bytes) -> int:
    return max(tiff_page_count(data, config.MAX_TIFF_PAGES), 1)


def _apply_exif_orientation(image: "Image.Image") -> "Image.Image":  # noqa: F821 - PIL imported lazily
    """The picture as every viewer shows it: EXIF Orientation applied (phones and some scanners store it turned)."""
    from PIL import ImageOps

    try:
        orientation = image.getexif().get(0x0112, 1)
    except Exception:
        return image
    if orientation in (None, 1):
        return image
    transposed = ImageOps.exif_transpose(image)
    return transposed if transposed is not None else image
