"""Hostile files that attack the decoders rather than the checks: each is small, and each used to cost minutes or
gigabytes. Built here, never stored (tests/test_hostile_decoding.py)."""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import Image

from tests.hostile_corpus import _film, compressed_dicom, dicom

JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_2000 = "1.2.840.10008.1.2.4.90"  # lossless


def _patched(data: bytes, find: bytes, offset: int, fmt: str, values: tuple[int, ...]) -> bytes:
    at = data.index(find) + offset
    return data[:at] + struct.pack(fmt, *values) + data[at + struct.calcsize(fmt) :]


def jpeg_in_dicom_claiming(width: int, height: int) -> bytes:
    """A JPEG-baseline DICOM of a small film whose compressed frame declares width x height."""
    import pydicom
    from pydicom.encaps import encapsulate
    from pydicom.uid import UID

    film = _film(128, 128)
    buffer = io.BytesIO()
    Image.fromarray(film).save(buffer, format="JPEG", quality=90)
    frame = buffer.getvalue()
    sof = frame.index(b"\xff\xc0")
    frame = frame[: sof + 5] + struct.pack(">HH", height, width) + frame[sof + 9 :]
    dataset = pydicom.dcmread(io.BytesIO(dicom(film)))
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = 8, 8, 7
    dataset.PixelData = encapsulate([frame])
    dataset["PixelData"].is_undefined_length = True
    dataset["PixelData"].VR = "OB"
    dataset.file_meta.TransferSyntaxUID = UID(JPEG_BASELINE)
    out = io.BytesIO()
    dataset.save_as(out)
    return out.getvalue()


def j2k_in_dicom_claiming(width: int, height: int) -> bytes:
    """A JPEG 2000 DICOM whose codestream's SIZ marker declares width x height."""
    data = compressed_dicom(_film(128, 128).astype(np.uint16) * 16, JPEG_2000)
    return _patched(data, b"\xff\x4f\xff\x51", 8, ">II", (width, height))


def jpeg_with_scans(scans: int) -> bytes:
    """A progressive JPEG with `scans` extra empty scans before its end marker."""
    buffer = io.BytesIO()
    Image.fromarray(_film(128, 128)).save(buffer, format="JPEG", progressive=True)
    data = buffer.getvalue()
    last = data.rindex(b"\xff\xda")
    length = struct.unpack(">H", data[last + 2 : last + 4])[0]
    empty_scan = data[last : last + 2 + length]
    return data[:-2] + empty_scan * scans + b"\xff\xd9"


def tiff_with_pages(pages: int) -> bytes:
    """A little-endian TIFF of `pages` chained one-entry IFDs (a real first page would not change the attack)."""
    buffer = io.BytesIO()
    Image.fromarray(_film(128, 128)).save(buffer, format="TIFF")
    data = bytearray(buffer.getvalue())
    (first,) = struct.unpack("<I", data[4:8])
    (count,) = struct.unpack("<H", data[first : first + 2])
    next_at = first + 2 + 12 * count
    chain = bytearray()
    start = len(data)
    for index in range(pages - 1):
        offset = start + index * 18
        following = offset + 18 if index < pages - 2 else 0
        chain += struct.pack("<H", 1) + struct.pack("<HHII", 256, 4, 1, 128) + struct.pack("<I", following)
    data[next_at : next_at + 4] = struct.pack("<I", start)
    return bytes(data + chain)


def big_rgba_png(side: int = 7070) -> bytes:
    """A large RGBA PNG that compresses to a few hundred KB (a smooth ramp)."""
    ramp = np.linspace(0, 255, side, dtype=np.float32)
    gray = np.add.outer(ramp, ramp).astype(np.uint16) // 2
    rgba = np.empty((side, side, 4), np.uint8)
    rgba[..., :3] = gray[..., None].astype(np.uint8)
    rgba[..., 3] = 255
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG", compress_level=9)
    return buffer.getvalue()


def signed_tiff(film: np.ndarray) -> tuple[bytes, bytes]:
    """The same 16-bit film stored unsigned and signed (shifted by 32768): a lossless re-encoding."""
    unsigned = film.astype(np.uint16) * 257
    signed = (unsigned.astype(np.int32) - 32768).astype(np.int16)
    out = []
    for array in (unsigned, signed):
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, format="TIFF")
        out.append(buffer.getvalue())
    return out[0], out[1]


def nan_tiff() -> bytes:
    values = _film(128, 128).astype(np.float32) / 255
    values[10:20, 10:20] = np.nan
    buffer = io.BytesIO()
    Image.fromarray(values).save(buffer, format="TIFF")
    return buffer.getvalue()


def palette_dicom(film: np.ndarray) -> bytes:
    """A PALETTE COLOR DICOM whose table maps index i to a gray of i (8-bit indices, 16-bit table entries)."""

    def edit(ds):
        ds.PhotometricInterpretation = "PALETTE COLOR"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
        ds.PixelData = film.astype(np.uint8).tobytes()
        for colour in ("Red", "Green", "Blue"):
            setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [256, 0, 16])
            setattr(ds, f"{colour}PaletteColorLookupTableData", (np.arange(256, dtype=np.uint16) * 257).tobytes())
        del ds.RescaleSlope
        del ds.RescaleIntercept

    return dicom(film, edit=edit)


def eps_file() -> bytes:
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\nshowpage\n"
