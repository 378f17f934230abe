"""Full-size films decoded straight to the working size: the audit's reduced decode gives the film's own value range,
its shape, and a model input (and map) close to the full decode's."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from model import config
from model.gate.features import prepare_film
from model.image_io import load_image_bytes
from tests.conftest import synthetic_radiograph
from tests.hostile_corpus import dicom

HEIGHT, WIDTH = 3000, 2500


def stored_12_bit() -> np.ndarray:
    return np.round(synthetic_radiograph(HEIGHT, WIDTH, seed=3) * 4095).astype(np.uint16)


def test_a_large_12_bit_dicom_reduces_before_its_tables_and_keeps_its_own_range():
    stored = stored_12_bit()
    data = dicom(stored)
    full = load_image_bytes(data, "film.dcm")  # the viewer's size (2048)
    small = load_image_bytes(data, "film.dcm", config.AUDIT_WORKING_SIDE)
    assert max(small.pixels.shape) == config.AUDIT_WORKING_SIDE and small.original_size == (WIDTH, HEIGHT)
    assert full.value_range == small.value_range == (float(stored.min()), float(stored.max()))
    a, b = prepare_film(full), prepare_film(small)
    assert np.abs(a.model_input - b.model_input).max() < 0.01
    assert abs(a.raster["dynamic_range"] - b.raster["dynamic_range"]) < 0.02
    assert a.raster["log_aspect"] == b.raster["log_aspect"]  # judged on the film's own size


def test_a_large_16_bit_png_reduces_as_integers_and_a_large_jpeg_decodes_small():
    stored = np.round(synthetic_radiograph(HEIGHT, WIDTH, seed=4) * 65535).astype(np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(stored).save(buffer, format="PNG")
    png = load_image_bytes(buffer.getvalue(), "film.png", config.AUDIT_WORKING_SIDE)
    assert max(png.pixels.shape) == config.AUDIT_WORKING_SIDE and png.bit_depth == 16
    reference = load_image_bytes(buffer.getvalue(), "film.png")
    assert np.abs(prepare_film(png).model_input - prepare_film(reference).model_input).max() < 0.01
    buffer = io.BytesIO()
    Image.fromarray((stored >> 8).astype(np.uint8)).save(buffer, format="JPEG", quality=90)
    jpeg = load_image_bytes(buffer.getvalue(), "film.jpg", config.AUDIT_WORKING_SIDE)
    assert any("decoded at" in note for note in jpeg.notes), jpeg.notes  # libjpeg's scale-on-decode
    assert max(jpeg.pixels.shape) == config.AUDIT_WORKING_SIDE and jpeg.original_size == (WIDTH, HEIGHT)
