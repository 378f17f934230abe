"""DICOM through pydicom: every value that decides how pixels are read validated first, compressed frames checked
against what they declare, Deflated data sets inflated within a budget, then modality LUT, VOI LUT or window,
palettes applied and MONOCHROME1 inverted so that bone is always bright. Patient tags are never read out."""

from __future__ import annotations

import io

import numpy as np

from model import config
from model.image_io.errors import DicomError, ImageTooLargeError
from model.image_io.guards import compressed_frame_header, inflated_size_exceeds, segmented_lut_entries
from model.image_io.limits import check_memory, check_size, reduce_stored
from model.image_io.loaded import LoadedImage, channel_difference, min_max

DEFLATED_SYNTAX = b"1.2.840.10008.1.2.1.99"


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
    check_size((int(rows), int(columns)), name)
    check_memory(name, int(columns), int(rows), int(max(allocated, 8) // 8) * int(samples))
    return int(rows), int(columns), int(frames)


def _dataset_start(data: bytes) -> tuple[str, int]:
    """The transfer syntax of the file meta and where the data set begins, read exactly as pydicom reads them
    (preamble optional, the (0002,0000) group length ignored, command-set elements skipped): whatever the file
    meta's layout, the inflation budget is applied to the bytes pydicom would inflate."""
    from pydicom.filebase import DicomBytesIO
    from pydicom.filereader import _read_command_set_elements, _read_file_meta_info, read_preamble

    stream = DicomBytesIO(data)
    read_preamble(stream, True)
    meta = _read_file_meta_info(stream)
    _read_command_set_elements(stream)
    return str(meta.get("TransferSyntaxUID", "")).strip("\x00 "), stream.tell()


def _check_deflated(data: bytes, name: str) -> None:
    """A Deflated DICOM inflates its whole data set at once: refuse one that would inflate past the budget."""
    try:
        syntax, start = _dataset_start(data)
    except Exception:  # a file meta pydicom cannot walk: pydicom's own read says why, in the loader's words
        return
    if syntax.encode() != DEFLATED_SYNTAX:
        return
    if inflated_size_exceeds(data[start:], config.MAX_INFLATED_DICOM_BYTES):
        raise ImageTooLargeError(
            f"{name}: this Deflated DICOM would inflate past {config.MAX_INFLATED_DICOM_BYTES / 2**20:.0f} MB; a "
            "chest film needs a small fraction of that."
        )


def _check_segmented_palette(dataset, name: str) -> None:
    """A segmented palette expands in pure Python: its segments are counted against the table size the descriptor
    gives before pydicom expands a single one (22 KB of linear segments would otherwise become a gigabyte)."""
    for colour in ("Red", "Green", "Blue", "Alpha"):
        keyword = f"Segmented{colour}PaletteColorLookupTableData"
        if keyword not in dataset:
            continue
        descriptor = dataset.get(f"{colour}PaletteColorLookupTableDescriptor") or dataset.get(
            "RedPaletteColorLookupTableDescriptor"
        )
        try:
            entries, bits = int(descriptor[0]) or 65_536, int(descriptor[2])
        except (TypeError, ValueError, IndexError):
            raise DicomError(f"{name}: the DICOM palette's descriptor is missing or malformed.") from None
        expansion = segmented_lut_entries(bytes(dataset[keyword].value), bits, little_endian(dataset), entries)
        if expansion is None:
            raise DicomError(
                f"{name}: the DICOM's segmented {colour.lower()} palette uses indirect segments, which this tool "
                "does not expand."
            )
        if expansion > entries:
            raise ImageTooLargeError(
                f"{name}: the DICOM's segmented {colour.lower()} palette expands to more than its descriptor's "
                f"{entries:,} entries; such a table is crafted, and expanding it could take gigabytes."
            )


def little_endian(dataset) -> bool:
    syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", None)
    return syntax is None or str(syntax) != "1.2.840.10008.1.2.2"  # explicit big endian, retired


def _check_compressed_frame(dataset, name: str, rows: int, columns: int, frames: int) -> None:
    """A compressed frame must declare the size, the components and at most the precision the header gives:
    decoders allocate what the frame says."""
    syntax = getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", None)
    if syntax is None or not getattr(syntax, "is_encapsulated", False):
        return
    from pydicom.encaps import generate_frames

    try:
        frame = next(generate_frames(dataset.PixelData, number_of_frames=frames))
    except Exception as error:
        raise DicomError(f"{name}: the compressed DICOM pixel data is malformed ({type(error).__name__}).") from None
    declared = compressed_frame_header(frame)
    if declared is None:
        return
    if (declared.width, declared.height) != (columns, rows):
        raise DicomError(
            f"{name}: the compressed frame declares {declared.width}x{declared.height} pixels while the DICOM "
            f"header says {columns}x{rows}; such a file is damaged or crafted, and decoding it could take gigabytes."
        )
    samples = int(dataset.get("SamplesPerPixel", 1) or 1)
    allocated = int(dataset.get("BitsAllocated", 16) or 16)
    if declared.components != samples or declared.precision > allocated:
        raise DicomError(
            f"{name}: the compressed frame declares {declared.components} colour components of "
            f"{declared.precision} bits while the DICOM header says {samples} of at most {allocated}; such a file "
            "is damaged or crafted."
        )


def load_dicom(data: bytes, name: str, working_side: int = config.MAX_WORKING_SIDE) -> LoadedImage:
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
    _check_segmented_palette(dataset, name)
    notes: list[str] = []
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2")).strip()
    colour = 0.0
    try:
        # Only the first frame is decoded: a 1,500-frame series must not fill memory for one picture.
        raw = pixel_array(dataset, index=0) if frames > 1 else dataset.pixel_array
    except MemoryError:  # the decoding child's cap: the sandbox says so in its own sentence
        raise
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
            colour = channel_difference(rgb8)
            raw = rgb.mean(axis=-1)
            notes.append("PALETTE COLOR DICOM: its colour table applied, then converted to grayscale.")
        elif raw.ndim == 3 and raw.shape[-1] in (3, 4) and int(dataset.get("SamplesPerPixel", 1)) > 1:
            # Colour judged on the decoded colour samples (pydicom and the JPEG 2000 decoder turn every YBR
            # interpretation into RGB), before they become grey: the gate's colour rule must see them.
            top = float(2 ** int(dataset.get("BitsStored", 8)) - 1)
            colour = channel_difference(raw[..., :3].astype(np.float32) * (255.0 / top))
            raw = raw[..., :3].mean(axis=-1)
            if colour > config.COLOUR_NOTE_THRESHOLD:
                notes.append(f"Colour DICOM ({photometric}): converted to grayscale.")
        elif raw.ndim == 3:
            raw = raw[0]
        extremes = None
        if photometric != "PALETTE COLOR" and max(raw.shape) > working_side:
            # Stored values reduced first, so the tables below touch few pixels; the full film's darkest and
            # brightest stored values go through the same tables, so the film keeps its own range.
            extremes = np.array([[raw.min(), raw.max()]], dtype=raw.dtype)
            raw = reduce_stored(raw, working_side)

        def tables(stored: np.ndarray) -> np.ndarray:
            out = stored.astype(np.float64) if photometric == "PALETTE COLOR" else apply_modality_lut(stored, dataset)
            out = np.asarray(out, dtype=np.float64)
            if any(key in dataset for key in ("VOILUTSequence", "WindowCenter")):
                out = apply_voi_lut(out, dataset, prefer_lut=True).astype(np.float64)
            return out

        values = tables(raw)
        if any(key in dataset for key in ("VOILUTSequence", "WindowCenter")):
            notes.append("DICOM window / VOI LUT applied.")
        full_range = None if extremes is None else tables(extremes)
    except MemoryError:
        raise
    except Exception as error:  # a LUT that contradicts the pixels, an odd shape
        raise DicomError(
            f"{name}: the DICOM intensity tables cannot be applied ({type(error).__name__}: {error})."
        ) from None
    if not np.isfinite(values).all():
        raise DicomError(f"{name}: the DICOM pixel values are not finite after rescaling.")
    if full_range is not None:
        low, high = float(full_range.min()), float(full_range.max())
        values = np.clip(values, low, high)
        pixels, value_range = min_max(values, (low, high))
    else:
        pixels, value_range = min_max(values)
    if photometric == "MONOCHROME1":
        pixels = 1.0 - pixels
        value_range = value_range[::-1]
        notes.append("MONOCHROME1: inverted so that bone is bright.")
    bits = int(dataset.get("BitsStored", dataset.get("BitsAllocated", 16)))
    if pixels.shape != (rows, columns):
        notes.append(f"Large image ({columns}x{rows}): reduced to {pixels.shape[1]}x{pixels.shape[0]} on decoding.")
    return LoadedImage(
        pixels=pixels.astype(np.float32),
        source_format="DICOM",
        bit_depth=bits,
        notes=notes,
        colourfulness=colour,
        value_range=value_range,
        original_size=(columns, rows),
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
