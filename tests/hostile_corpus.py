"""A hostile-input corpus, generated at test time (no binary blobs in the repository).

Each entry is (file name, bytes, what must happen): "answer" (a prediction), "stop" (the chest-X-ray gate
refuses it), "error" (a specific load error), or "loads" (decoded: answered or refused by the chest-X-ray check,
whichever the check decides for a synthetic film, but never a load error, a traceback or a hang).
"""

from __future__ import annotations

import gzip
import io
import zipfile
from dataclasses import dataclass

import numpy as np
from PIL import Image

from model.gate import negatives
from model.synthetic import synthetic_radiograph


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    expect: str  # "answer" | "stop" | "error" | "loads"


def _film(height: int = 320, width: int = 300, seed: int = 0) -> np.ndarray:
    return np.round(synthetic_radiograph(height, width, seed=seed) * 255).astype(np.uint8)


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def dicom(
    pixels: np.ndarray | None = None,
    photometric: str = "MONOCHROME2",
    preamble: bool = True,
    frames: int = 1,
    edit=None,
) -> bytes:
    """A small DICOM file; `edit(dataset)` may break any tag after the sane ones are set."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.PatientName, ds.PatientID, ds.Modality = "Doe^Jane", "SECRET-123", "CR"
    ds.SOPClassUID, ds.SOPInstanceUID = SecondaryCaptureImageStorage, meta.MediaStorageSOPInstanceUID
    if pixels is not None:
        stack = np.stack([pixels] * frames) if frames > 1 else pixels
        ds.Rows, ds.Columns = pixels.shape
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, photometric
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleSlope, ds.RescaleIntercept = 1, 0
        if frames > 1:
            ds.NumberOfFrames = frames
        ds.PixelData = stack.astype(np.uint16).tobytes()
    if edit is not None:
        edit(ds)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    data = buffer.getvalue()
    return data if preamble else data[132:]


def compressed_dicom(pixels: np.ndarray, syntax: str, frames: int = 1) -> bytes:
    """The same DICOM, re-encoded in a compressed transfer syntax (RLE natively, JPEG 2000 through pylibjpeg)."""
    import pydicom
    from pydicom.uid import UID

    dataset = pydicom.dcmread(io.BytesIO(dicom(pixels, frames=frames)))
    uid = UID(syntax)
    dataset.compress(uid, encoding_plugin="" if uid.name.startswith("RLE") else "pylibjpeg")
    buffer = io.BytesIO()
    dataset.save_as(buffer)
    return buffer.getvalue()


def _png_with_header(width: int, height: int) -> bytes:
    """A PNG whose header promises a huge picture while its data is a few bytes (a decompression-bomb probe)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _exif_rotated_jpeg() -> bytes:
    film = Image.fromarray(_film())
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to show: the stored picture is turned
    return _save(film.rotate(90, expand=True), "JPEG", exif=exif, quality=92)


def _non_xray_png(kind: str, seed: int) -> bytes:
    image = negatives.PLAIN_KINDS[kind](np.random.default_rng(seed))
    return _save(Image.fromarray(np.round(image.pixels * 255).astype(np.uint8)), "PNG")


def _colour_photo() -> bytes:
    rng = np.random.default_rng(3)
    rgb = np.zeros((400, 600, 3), dtype=np.uint8)
    rgb[:200] = (90, 150, 230)  # sky
    rgb[200:] = (60, 160, 60)  # grass
    rgb[150:300, 250:350] = (200, 40, 40)  # a red house
    return _save(Image.fromarray(np.clip(rgb + rng.normal(0, 6, rgb.shape), 0, 255).astype(np.uint8)), "JPEG")


def corpus() -> list[Case]:
    film = _film()
    gray = Image.fromarray(film)
    rgb = Image.fromarray(np.dstack([film] * 3))
    png = _save(gray, "PNG")
    jpeg = _save(gray, "JPEG", quality=90)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("chest.png", png)
    cases = [
        # Legitimate encodings of a (synthetic) film: answered, or at most stopped, never an error.
        Case("gray8.png", png, "loads"),
        Case("gray16.png", _save(Image.fromarray(film.astype(np.uint16) * 257), "PNG"), "loads"),
        Case("rgb.png", _save(rgb, "PNG"), "loads"),
        Case("rgba.png", _save(Image.fromarray(np.dstack([film] * 3 + [np.full_like(film, 255)])), "PNG"), "loads"),
        Case("half_transparent.png", _save(Image.fromarray(np.dstack([film, film // 2])), "PNG"), "loads"),
        Case("palette.png", _save(gray.convert("P"), "PNG"), "loads"),
        Case("palette_transparent.png", _save(gray.convert("P"), "PNG", transparency=0), "loads"),
        Case("one_bit.png", _save(gray.convert("1"), "PNG"), "loads"),
        Case("optimised.png", _save(gray, "PNG", optimize=True), "loads"),
        Case("gray.jpg", jpeg, "loads"),
        Case("rgb.jpeg", _save(rgb, "JPEG", quality=85), "loads"),
        Case("cmyk.jpg", _save(rgb.convert("CMYK"), "JPEG"), "loads"),
        Case("progressive.jpg", _save(gray, "JPEG", progressive=True), "loads"),
        Case("exif_rotated.jpg", _exif_rotated_jpeg(), "loads"),
        Case("film.tiff", _save(gray, "TIFF"), "loads"),
        Case("film16.tif", _save(Image.fromarray(film.astype(np.uint16) * 257), "TIFF"), "loads"),
        Case("float.tiff", _save(Image.fromarray(film.astype(np.float32) / 255), "TIFF"), "loads"),
        Case("film.webp", _save(gray, "WEBP"), "loads"),
        Case("film.bmp", _save(gray, "BMP"), "loads"),
        Case("animated.gif", _save(gray, "GIF", save_all=True, append_images=[gray.rotate(5)]), "loads"),
        Case("jpeg_named.png", jpeg, "loads"),
        Case("png_named.jpg", png, "loads"),
        Case("png_then_zip.png", png + zipped.getvalue(), "loads"),
        Case("dicom_mono2.dcm", dicom(film.astype(np.uint16) * 16), "loads"),
        Case("dicom_mono1.dcm", dicom((255 - film).astype(np.uint16) * 16, "MONOCHROME1"), "loads"),
        Case("dicom_no_preamble", dicom(film.astype(np.uint16) * 16, preamble=False), "loads"),
        Case("dicom_three_frames.dcm", dicom(film.astype(np.uint16) * 16, frames=3), "loads"),
        Case(
            "dicom_window.dcm",
            dicom(film.astype(np.uint16) * 16, edit=set_tags(WindowCenter=2000, WindowWidth=4000)),
            "loads",
        ),
        Case("dicom_with_png_name.png", dicom(film.astype(np.uint16) * 16), "loads"),
        Case("dicom_rle_frames.dcm", compressed_dicom(film.astype(np.uint16) * 16, "1.2.840.10008.1.2.5", 4), "loads"),
        Case("dicom_jpeg2000.dcm", compressed_dicom(film.astype(np.uint16) * 16, "1.2.840.10008.1.2.4.90"), "loads"),
        # Broken or hostile files: a specific error each.
        Case("empty.png", b"", "error"),
        Case("text.png", b"Just some notes about the patient.\n" * 10, "error"),
        Case("random_bytes.jpg", np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes(), "error"),
        Case("truncated.png", png[: len(png) // 2], "error"),
        Case("truncated.jpg", jpeg[: len(jpeg) // 3], "error"),
        Case("bad_crc.png", png[:40] + bytes([png[40] ^ 0xFF]) + png[41:], "error"),
        Case("bomb_header.png", _png_with_header(100_000, 100_000), "error"),
        Case("tall_header.png", _png_with_header(64, 2_000_000), "error"),
        Case("tiny.png", _save(Image.fromarray(film[:16, :16]), "PNG"), "error"),
        Case(
            "drawing.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle r="40"/></svg>',
            "error",
        ),
        Case("report.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "error"),
        Case("page.html", b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>", "error"),
        Case("archive.zip", zipped.getvalue(), "error"),
        Case("archive_named.dcm", zipped.getvalue(), "error"),
        Case("garbage_named.dcm", b"\x00\x01garbage" * 50, "error"),
        Case("compressed.png.gz", gzip.compress(png), "error"),
        Case("dicom_report.dcm", dicom(None), "error"),
        Case(
            "dicom_slope_text.dcm", dicom(film.astype(np.uint16), edit=_set_raw("RescaleSlope", "DS", "abc")), "error"
        ),
        Case(
            "dicom_window_zero.dcm",
            dicom(film.astype(np.uint16), edit=set_tags(WindowCenter=100, WindowWidth=0)),
            "error",
        ),
        Case("dicom_slope_zero.dcm", dicom(film.astype(np.uint16), edit=set_tags(RescaleSlope=0)), "error"),
        Case("dicom_no_rows.dcm", dicom(film.astype(np.uint16), edit=_delete("Rows")), "error"),
        Case("dicom_huge_header.dcm", dicom(film.astype(np.uint16), edit=set_tags(Rows=60000, Columns=60000)), "error"),
        Case("dicom_short_data.dcm", dicom(film.astype(np.uint16), edit=set_tags(Rows=900, Columns=900)), "error"),
        Case("dicom_bits.dcm", dicom(film.astype(np.uint16), edit=set_tags(BitsStored=20)), "error"),
        Case(
            "dicom_photometric.dcm",
            dicom(film.astype(np.uint16), edit=set_tags(PhotometricInterpretation="ABC")),
            "error",
        ),
        # Not chest X-rays: the gate's business.
        Case("noise.png", _non_xray_png("uniform noise", 0), "stop"),
        Case("black.png", _save(Image.fromarray(np.zeros((300, 300), np.uint8)), "PNG"), "stop"),
        Case("white.png", _save(Image.fromarray(np.full((300, 300), 255, np.uint8)), "PNG"), "stop"),
        Case("grey.png", _save(Image.fromarray(np.full((300, 300), 128, np.uint8)), "PNG"), "stop"),
        Case("photo.jpg", _colour_photo(), "stop"),
        Case("checkerboard.png", _non_xray_png("checkerboard", 0), "stop"),
        Case("text_page.png", _non_xray_png("text page", 0), "stop"),
        Case(
            "strip.png",
            _save(Image.fromarray(np.random.default_rng(2).integers(0, 255, (64, 10000), np.uint8)), "PNG"),
            "stop",
        ),
        Case(
            "ct_slice.dcm",
            dicom((negatives.ct_slice(np.random.default_rng(0)).pixels * 4000).astype(np.uint16)),
            "stop",
        ),
        # Names a page or a terminal could trip over.
        Case("![x](x.png) name.png", png, "loads"),
        Case("**bold**.png", png, "loads"),
        Case("ñame 😀 röntgen.png", png, "loads"),
        Case("<img src=x onerror=alert(1)>.png", png, "loads"),
        Case("x" * 200 + ".png", png, "loads"),
    ]
    return cases


def set_tags(**values):
    """An edit for `dicom()`: set these tags (to sane or hostile values)."""

    def edit(ds):
        for key, value in values.items():
            setattr(ds, key, value)

    return edit


def _set_raw(keyword: str, vr: str, value: str):
    def edit(ds):
        from pydicom.datadict import tag_for_keyword
        from pydicom.dataelem import RawDataElement

        tag = tag_for_keyword(keyword)
        ds[tag] = RawDataElement(tag, vr, len(value), value.encode(), 0, False, True)

    return edit


def _delete(keyword: str):
    def edit(ds):
        delattr(ds, keyword)

    return edit
