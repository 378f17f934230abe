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


class NotAFileError(ImageLoadError):
    """A path that is a folder, a broken or looping link, or unreadable."""


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


def is_dicom(data: bytes) -> bool:
    """DICOM Part 10 files carry 'DICM' after a 128-byte preamble."""
    return len(data) >= 132 and data[128:132] == b"DICM"


# Leading bytes of files people upload by mistake, and what to call them.
KNOWN_NON_IMAGES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
)


def describe_non_image(data: bytes) -> str | None:
    """What a file that is not an image is, when its first bytes say so."""
    for magic, what in KNOWN_NON_IMAGES:
        if data.startswith(magic):
            return what
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "an SVG drawing (vector graphics, not a radiograph)"
    if head.startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML)"
    sample = data[:4096]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "a text file" if b"\x00" not in sample else None


def load_image_file(path: str | Path) -> LoadedImage:
    """Read a file from disk through the same checks as an upload; odd paths get their own messages."""
    path = Path(path)
    try:
        if path.is_dir():
            raise NotAFileError(f"{path.name}: is a folder, not a file. Give the image files inside it.")
        if path.is_symlink() and not path.exists():
            raise NotAFileError(f"{path.name}: is a link that points nowhere (or to itself).")
        if not path.exists():
            raise NotAFileError(f"{path.name}: no such file.")
        if not path.is_file():
            raise NotAFileError(f"{path.name}: is not a regular file (a device, pipe or socket).")
        _check_file_size(path.name, path.stat().st_size)  # before reading it
        data = path.read_bytes()
    except OSError as error:  # a symlink loop, a permission, a vanished file
        raise NotAFileError(f"{path.name}: cannot be read ({error.strerror or error}).") from None
    return load_image_bytes(data, path.name)


def load_image_bytes(data: bytes, name: str = "upload") -> LoadedImage:
    """Decode uploaded bytes; raise an `ImageLoadError` subclass for anything unusable."""
    if not data:
        raise EmptyFileError(f"{name}: the file is empty (0 bytes).")
    _check_file_size(name, len(data))
    if is_dicom(data) or looks_like_bare_dicom(data):
        loaded = _load_dicom(data, name)
    elif name.lower().endswith((".dcm", ".dicom")):
        what = describe_non_image(data)
        raise DicomError(
            f"{name}: named like a DICOM file but has no DICOM header" + (f"; it is {what}." if what else ".")
        )
    else:
        loaded = _load_raster(data, name)
    width, height = loaded.original_size or loaded.size  # judged at the size the file declares
    _check_size((height, width), name)
    return _downscale_once(loaded)


def _check_file_size(name: str, size: int) -> None:
    if size > config.MAX_UPLOAD_BYTES:
        limit = config.MAX_UPLOAD_BYTES / 2**20
        raise ImageTooLargeError(f"{name}: the file is {size / 2**20:.0f} MB; the limit is {limit:.0f} MB.")


def looks_like_bare_dicom(data: bytes) -> bool:
    """A DICOM data set without the 128-byte preamble starts with a group 0x0002 or 0x0008 tag (little endian)."""
    return len(data) > 8 and data[:2] in (b"\x02\x00", b"\x08\x00") and data[2:4] < b"\x20\x00"


def _downscale_once(loaded: LoadedImage) -> LoadedImage:
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


def _check_memory(name: str, width: int, height: int, bytes_per_pixel: int, frames: int = 1) -> None:
    """Refuse, from the header alone, a picture whose decoded size would exceed the memory budget."""
    decoded = width * height * bytes_per_pixel * frames
    if decoded > config.MAX_DECODED_BYTES:
        raise ImageTooLargeError(
            f"{name}: decoding it would take {decoded / 2**20:.0f} MB of memory "
            f"(limit {config.MAX_DECODED_BYTES / 2**20:.0f} MB)."
        )


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


# Raster formats a chest film can arrive in; anything else Pillow knows (EPS, PDF, PSD, ICNS...) is refused as such
# (EPS would hand the bytes to Ghostscript).
RASTER_FORMATS: tuple[str, ...] = ("PNG", "JPEG", "TIFF", "WEBP", "BMP", "GIF")


def _check_structure(data: bytes, name: str) -> None:
    """Refuse, from markers and offsets alone, files whose decoding would run for minutes."""
    from model.image_guards import jpeg_scan_count, tiff_page_count

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


def _reduce_early(image, name: str, notes: list[str]):
    """A very large picture shrunk by an integer factor right after decoding (Pillow's reduce, a box filter),
    before any conversion copies it: a 7000-px RGBA PNG then costs one decoded copy, not six."""
    factor = max(image.size) // config.MAX_WORKING_SIDE  # never below the working size: the rest is done later
    if factor < 2:
        return image
    try:
        reduced = image.reduce(factor)
    except (ValueError, NotImplementedError):  # modes reduce does not take (16-bit): reduced later, as arrays
        return image
    notes.append(f"Large image ({image.width}x{image.height}): reduced {factor}x on decoding.")
    return reduced


def _load_raster(data: bytes, name: str) -> LoadedImage:
    from PIL import Image, UnidentifiedImageError

    _check_structure(data, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=RASTER_FORMATS)
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        if isinstance(error, UnidentifiedImageError):
            what = _other_format(data) or describe_non_image(data)
            raise NotAnImageError(
                f"{name}: "
                + (f"this is {what}, not an image." if what else "not an image we can read.")
                + " Upload a PNG, JPEG or DICOM chest X-ray."
            ) from None
        raise ImageTooLargeError(f"{name}: the image has too many pixels to open safely.") from None
    except Exception as error:  # any other decoder failure is this file's problem alone
        raise NotAnImageError(f"{name}: the image header cannot be read ({type(error).__name__}).") from None
    # Check the declared size before decoding, so a decompression bomb never allocates.
    _check_size((image.height, image.width), name)
    channels = len(image.getbands()) if image.mode not in ("P", "1") else 1
    _check_memory(name, image.width, image.height, max(channels, 1) * (2 if "16" in image.mode else 1))
    notes: list[str] = []
    frames = getattr(image, "n_frames", 1) if image.format != "TIFF" else tiff_pages(data)
    original_size = (image.width, image.height)
    try:
        image.load()
        if frames > 1:
            notes.append(f"{image.format} with {frames} frames: the first frame is used.")
        source_format = image.format or "image"
        image = _reduce_early(image, name, notes)
        rotated = _apply_exif_orientation(image)
        if rotated is not image:
            notes.append("EXIF orientation applied (the picture was stored turned).")
            image = rotated
    except (OSError, SyntaxError, ValueError) as error:
        raise TruncatedImageError(f"{name}: the file is damaged or cut short ({error}).") from None
    except Exception as error:
        raise TruncatedImageError(f"{name}: the image data cannot be decoded ({type(error).__name__}).") from None

    mode = image.mode
    value_range: tuple[float, float] | None = None  # set where the file's values are not 0..2**bits - 1
    colour = 0.0  # measured for pictures that arrive with colour channels
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        pixels = np.asarray(image, dtype=np.float32) / 65535.0
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
        pixels, value_range = _min_max(raw)
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
            if colour > COLOUR_NOTE_THRESHOLD:
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
    from model.image_guards import tiff_page_count

    return max(tiff_page_count(data, config.MAX_TIFF_PAGES), 1)


def _other_format(data: bytes) -> str | None:
    """A picture format Pillow knows but this tool refuses (EPS, PDF, PostScript, SVG, Photoshop), named."""
    head = data[:16]
    if head.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        return "a PostScript/EPS file (a page description, not a radiograph)"
    if head.startswith(b"8BPS"):
        return "a Photoshop document"
    if head.startswith(b"icns"):
        return "an icon file"
    return None


COLOUR_NOTE_THRESHOLD = 2.0  # mean channel difference (0-255) above which a picture is said to be in colour


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


def colourfulness(image: "Image.Image") -> float:  # noqa: F821 - PIL imported lazily
    """Mean absolute difference between colour channels (0-255): about 0 for any radiograph."""
    rgb = np.asarray(image.convert("RGB"), dtype=np.int16)
    return float(np.abs(rgb[..., 0] - rgb[..., 1]).mean() + np.abs(rgb[..., 1] - rgb[..., 2]).mean())


def _min_max(values: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """Values scaled to [0, 1] by their own range, and that range (the file's values at 0 and 1)."""
    low, high = float(np.min(values)), float(np.max(values))
    if high <= low:
        return np.zeros_like(values, dtype=np.float32), (low, high)
    return ((values - low) / (high - low)).astype(np.float32), (low, high)


ALLOWED_PHOTOMETRIC: frozenset[str] = frozenset(
    {"MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "YBR_FULL_422", "YBR_RCT", "YBR_ICT", "PALETTE COLOR"}
)


def _number(dataset, keyword: str, name: str, default: float | None = None) -> float | None:
    """A numeric DICOM value that feeds pixels, validated: a specific error instead of a crash deep in NumPy."""
    if keyword not in dataset:
        return default
    value = dataset.get(keyword)
    if hasattr(value, "__len__") and not isinstance(value, (str, bytes)):
        value = value[0] if len(value) else None  # multi-valued (several windows): the first
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DicomError(f"{name}: the DICOM value {keyword} = {str(value)[:40]!r} is not a number.") from None
    if not np.isfinite(number):
        raise DicomError(f"{name}: the DICOM value {keyword} is not a finite number.")
    return number


def _validated_dicom_header(dataset, name: str) -> tuple[int, int, int]:
    """Rows, columns and frames, after checking every value that decides how pixels are read."""
    rows = _number(dataset, "Rows", name, 0)
    columns = _number(dataset, "Columns", name, 0)
    frames = _number(dataset, "NumberOfFrames", name, 1)
    if not rows or not columns:
        raise DicomError(f"{name}: the DICOM header gives no image size (Rows/Columns missing or zero).")
    allocated = _number(dataset, "BitsAllocated", name, 16)
    stored = _number(dataset, "BitsStored", name, allocated)
    if allocated not in (1, 8, 16, 32, 64) or not 1 <= stored <= allocated:
        raise DicomError(f"{name}: inconsistent DICOM bit depth (BitsAllocated {allocated:g}, BitsStored {stored:g}).")
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2")).strip()
    if photometric not in ALLOWED_PHOTOMETRIC:
        raise DicomError(f"{name}: unsupported DICOM PhotometricInterpretation {photometric[:30]!r}.")
    if _number(dataset, "RescaleSlope", name, 1.0) == 0:
        raise DicomError(f"{name}: the DICOM RescaleSlope is 0, which would erase the image.")
    _number(dataset, "RescaleIntercept", name, 0.0)
    width = _number(dataset, "WindowWidth", name, None)
    if width is not None and width <= 0:
        raise DicomError(f"{name}: the DICOM WindowWidth is {width:g}; a window must be wider than 0.")
    _number(dataset, "WindowCenter", name, None)
    samples = _number(dataset, "SamplesPerPixel", name, 1)
    _check_size((int(rows), int(columns)), name)
    _check_memory(name, int(columns), int(rows), int(max(allocated, 8) // 8) * int(samples))
    return int(rows), int(columns), int(frames)


DEFLATED_SYNTAX = b"1.2.840.10008.1.2.1.99"


def _check_deflated(data: bytes, name: str) -> None:
    """A Deflated DICOM inflates its whole data set at once: refuse one that would inflate past the budget."""
    from model.image_guards import inflated_size_exceeds

    if not is_dicom(data) or data[132:136] != b"\x02\x00\x00\x00":  # (0002,0000) group length must come first
        return
    meta_end = 144 + int.from_bytes(data[140:144], "little")
    if DEFLATED_SYNTAX not in data[132:meta_end]:
        return
    if inflated_size_exceeds(data[meta_end:], config.MAX_INFLATED_DICOM_BYTES):
        raise ImageTooLargeError(
            f"{name}: this Deflated DICOM would inflate past {config.MAX_INFLATED_DICOM_BYTES / 2**20:.0f} MB; a "
            "chest film needs a small fraction of that."
        )


def _check_compressed_frame(dataset, name: str, rows: int, columns: int, frames: int) -> None:
    """A compressed frame must declare the size the header gives: decoders allocate what the frame says."""
    from model.image_guards import compressed_frame_size

    syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", None)
    if syntax is None or not getattr(syntax, "is_encapsulated", False):
        return
    from pydicom.encaps import generate_frames

    try:
        frame = next(generate_frames(dataset.PixelData, number_of_frames=frames))
    except Exception as error:
        raise DicomError(f"{name}: the compressed DICOM pixel data is malformed ({type(error).__name__}).") from None
    declared = compressed_frame_size(frame)
    if declared is not None and declared != (columns, rows):
        raise DicomError(
            f"{name}: the compressed frame declares {declared[0]}x{declared[1]} pixels while the DICOM header says "
            f"{columns}x{rows}; such a file is damaged or crafted, and decoding it could take gigabytes."
        )


def _load_dicom(data: bytes, name: str) -> LoadedImage:
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi_lut, pixel_array

    _check_deflated(data, name)
    try:
        dataset = pydicom.dcmread(io.BytesIO(data), force=True)
    except (InvalidDicomError, EOFError, OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise DicomError(f"{name}: not a readable DICOM file ({error}).") from None
    except Exception as error:
        raise DicomError(f"{name}: not a readable DICOM file ({type(error).__name__}).") from None
    if "PixelData" not in dataset:
        raise DicomError(f"{name}: this DICOM file has no pixel data (it may be a report or a structured document).")
    rows, columns, frames = _validated_dicom_header(dataset, name)
    _check_compressed_frame(dataset, name, rows, columns, frames)
    notes: list[str] = []
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2")).strip()
    colour = 0.0
    try:
        # Only the first frame is decoded: a 1,500-frame series must not fill memory for one picture.
        raw = pixel_array(dataset, index=0) if frames > 1 else dataset.pixel_array
    except Exception as error:  # pydicom and its plugins raise many kinds for bad or unsupported encodings
        syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", None)
        what = f" (transfer syntax {syntax.name})" if syntax is not None and hasattr(syntax, "name") else ""
        raise DicomError(f"{name}: the DICOM pixel data cannot be decoded{what}: {error}") from None
    if frames > 1:
        notes.append(f"Multi-frame DICOM ({frames} frames): only the first frame is shown and classified.")
    try:
        if photometric == "PALETTE COLOR":  # indices into a colour table: apply it, then measure and drop colour
            rgb = apply_color_lut(raw, dataset).astype(np.float64)
            rgb8 = rgb / max(float(rgb.max()), 1.0) * 255.0
            colour = float(np.abs(rgb8[..., 0] - rgb8[..., 1]).mean() + np.abs(rgb8[..., 1] - rgb8[..., 2]).mean())
            raw = rgb.mean(axis=-1)
            notes.append("PALETTE COLOR DICOM: its colour table applied, then converted to grayscale.")
        elif raw.ndim == 3 and raw.shape[-1] in (3, 4) and int(dataset.get("SamplesPerPixel", 1)) > 1:
            raw = raw[..., :3].mean(axis=-1)
        elif raw.ndim == 3:
            raw = raw[0]
        values = raw.astype(np.float64) if photometric == "PALETTE COLOR" else apply_modality_lut(raw, dataset)
        values = np.asarray(values, dtype=np.float64)
        has_voi = any(key in dataset for key in ("VOILUTSequence", "WindowCenter"))
        if has_voi:
            values = apply_voi_lut(values, dataset, prefer_lut=True).astype(np.float64)
            notes.append("DICOM window / VOI LUT applied.")
    except DicomError:
        raise
    except Exception as error:  # a LUT that contradicts the pixels, an odd shape
        raise DicomError(
            f"{name}: the DICOM intensity tables cannot be applied ({type(error).__name__}: {error})."
        ) from None
    if not np.isfinite(values).all():
        raise DicomError(f"{name}: the DICOM pixel values are not finite after rescaling.")
    pixels, value_range = _min_max(values)
    if photometric == "MONOCHROME1":
        pixels = 1.0 - pixels
        value_range = value_range[::-1]
        notes.append("MONOCHROME1: inverted so that bone is bright.")
    bits = int(dataset.get("BitsStored", dataset.get("BitsAllocated", 16)))
    return LoadedImage(
        pixels=pixels.astype(np.float32),
        source_format="DICOM",
        bit_depth=bits,
        notes=notes,
        colourfulness=colour,
        value_range=value_range,
    )


# DICOM attributes that may be shown: technical, never identifying (no names, IDs, dates, institutions).
SAFE_DICOM_ATTRIBUTES: tuple[str, ...] = (
    "Modality",
    "Manufacturer",
    "ManufacturerModelName",
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
