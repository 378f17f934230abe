"""The loader accepts every legitimate X-ray encoding and refuses each bad input with its own error."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from model import config
from model.image_io import (
    DicomError,
    EmptyFileError,
    ImageTooLargeError,
    ImageTooSmallError,
    NotAnImageError,
    TruncatedImageError,
    load_image_bytes,
    safe_dicom_metadata,
)
from tests.conftest import png_bytes
from tests.hostile_corpus import dicom, set_tags


def test_8bit_grayscale_png_round_trips(radiograph):
    data = png_bytes(np.round(radiograph * 255).astype(np.uint8))
    loaded = load_image_bytes(data, "x.png")
    assert loaded.pixels.shape == radiograph.shape
    assert loaded.bit_depth == 8 and loaded.source_format == "PNG"
    assert np.abs(loaded.pixels - radiograph).max() < 1 / 255 + 1e-6


def test_16bit_png_is_scaled_from_full_range(radiograph):
    sixteen = np.round(radiograph * 65535).astype(np.uint16)
    loaded = load_image_bytes(png_bytes(sixteen), "x16.png")
    assert loaded.bit_depth == 16
    assert np.abs(loaded.pixels - radiograph).max() < 1e-3
    assert any("16-bit" in note for note in loaded.notes)


def test_rgba_png_is_composited_and_grayscale(radiograph):
    gray = np.round(radiograph * 255).astype(np.uint8)
    rgba = np.dstack([gray, gray, gray, np.full_like(gray, 255)])
    loaded = load_image_bytes(png_bytes(rgba, "RGBA"), "x.png")
    assert loaded.pixels.ndim == 2
    assert np.abs(loaded.pixels - gray / 255).max() < 2 / 255
    assert any("Transparency" in note for note in loaded.notes)


def test_rgb_jpeg_becomes_grayscale(radiograph):
    gray = np.round(radiograph * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.dstack([gray] * 3)).save(buffer, format="JPEG", quality=95)
    loaded = load_image_bytes(buffer.getvalue(), "x.jpg")
    assert loaded.pixels.shape == gray.shape and loaded.source_format == "JPEG"
    assert np.abs(loaded.pixels - gray / 255).mean() < 0.02


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"", EmptyFileError, "empty"),
        (b"this is a text file, not an X-ray" * 10, NotAnImageError, "not an image"),
        (b"%PDF-1.4 fake pdf" + bytes(300), NotAnImageError, "not an image"),
    ],
)
def test_bad_bytes_get_specific_errors(data, error, words):
    with pytest.raises(error, match=words):
        load_image_bytes(data, "bad.png")


def test_truncated_png_is_reported(radiograph):
    data = png_bytes(np.round(radiograph * 255).astype(np.uint8))
    with pytest.raises(TruncatedImageError, match="damaged or cut short"):
        load_image_bytes(data[: len(data) // 2], "cut.png")


def test_tiny_image_is_refused():
    with pytest.raises(ImageTooSmallError, match="too small"):
        load_image_bytes(png_bytes(np.zeros((20, 30), dtype=np.uint8)), "icon.png")


def test_decompression_bomb_is_refused_before_decoding(monkeypatch):
    # A legal PNG whose declared size exceeds the limit: refused from its header.
    monkeypatch.setattr(config, "MAX_IMAGE_PIXELS", 100 * 100)
    with pytest.raises(ImageTooLargeError, match="above the limit"):
        load_image_bytes(png_bytes(np.zeros((200, 200), dtype=np.uint8)), "huge.png")


def test_dicom_monochrome2_loads(radiograph):
    raw = np.round(radiograph * 4095).astype(np.uint16)
    loaded = load_image_bytes(dicom(raw), "x.dcm")
    assert loaded.source_format == "DICOM"
    assert np.corrcoef(loaded.pixels.ravel(), radiograph.ravel())[0, 1] > 0.99


def test_dicom_monochrome1_is_inverted(radiograph):
    raw = np.round((1 - radiograph) * 4095).astype(np.uint16)  # MONOCHROME1 stores bone dark
    loaded = load_image_bytes(dicom(raw, "MONOCHROME1"), "x.dcm")
    assert np.corrcoef(loaded.pixels.ravel(), radiograph.ravel())[0, 1] > 0.99
    assert any("MONOCHROME1" in note for note in loaded.notes)


def test_dicom_window_is_applied(radiograph):
    raw = np.round(radiograph * 4095).astype(np.uint16)
    loaded = load_image_bytes(dicom(raw, edit=set_tags(WindowCenter=2000, WindowWidth=1000)), "x.dcm")
    assert any("window" in note.lower() for note in loaded.notes)
    # Outside the window everything saturates.
    assert loaded.pixels[raw < 1400].max() < 0.01 and loaded.pixels[raw > 2600].min() > 0.99


def test_dicom_without_pixels_is_refused():
    with pytest.raises(DicomError, match="no pixel data"):
        load_image_bytes(dicom(None), "report.dcm")


def test_dicom_metadata_never_identifies_the_patient(radiograph):
    data = dicom(np.round(radiograph * 4095).astype(np.uint16))
    shown = safe_dicom_metadata(data)
    assert shown["Modality"] == "CR"
    assert "Doe" not in str(shown) and "SECRET" not in str(shown)


def test_compressed_dicom_transfer_syntaxes_decode(radiograph):
    from pydicom.pixels.decoders import JPEGBaseline8BitDecoder, JPEGLosslessSV1Decoder

    from tests.hostile_corpus import compressed_dicom

    raw = np.round(radiograph * 4000).astype(np.uint16)
    for syntax, frames in (("1.2.840.10008.1.2.5", 3), ("1.2.840.10008.1.2.4.90", 1)):
        loaded = load_image_bytes(compressed_dicom(raw, syntax, frames), "x.dcm")
        assert np.corrcoef(loaded.pixels.ravel(), radiograph.ravel())[0, 1] > 0.99
        assert (frames > 1) == any("first frame" in note for note in loaded.notes)
    # JPEG lossless (process 14, SV1) and baseline JPEG, common in hospital archives, have a decoder installed.
    assert JPEGLosslessSV1Decoder.is_available and JPEGBaseline8BitDecoder.is_available


def test_exif_orientation_is_applied(radiograph):
    gray = Image.fromarray(np.round(radiograph[:, :200] * 255).astype(np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # viewers turn it 90 degrees clockwise to show it
    buffer = io.BytesIO()
    gray.rotate(90, expand=True).save(buffer, format="JPEG", exif=exif, quality=95)
    loaded = load_image_bytes(buffer.getvalue(), "turned.jpg")
    assert loaded.pixels.shape == (radiograph.shape[0], 200), "shown upright, as every viewer shows it"
    assert np.abs(loaded.pixels - radiograph[:, :200]).mean() < 0.03


def test_very_large_film_is_reduced_once_and_a_memory_bomb_refused(monkeypatch):
    big = np.zeros((3000, 2500), dtype=np.uint8)
    big[500:2500, 400:2100] = 200
    loaded = load_image_bytes(png_bytes(big), "big.png")
    assert max(loaded.pixels.shape) == config.MAX_WORKING_SIDE and loaded.original_size == (2500, 3000)
    monkeypatch.setattr(config, "MAX_DECODED_BYTES", 1_000_000)
    with pytest.raises(ImageTooLargeError, match="memory"):
        load_image_bytes(png_bytes(big), "big.png")


def test_folders_and_broken_links_get_their_own_messages(tmp_path):
    from model.image_io import NotAFileError, load_image_file

    with pytest.raises(NotAFileError, match="is a folder"):
        load_image_file(tmp_path)
    loop = tmp_path / "loop.png"
    loop.symlink_to(loop)
    with pytest.raises(NotAFileError):
        load_image_file(loop)
