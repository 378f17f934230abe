"""Window / level is shown in the file's own units: what each loader records as the values of display 0 and 1."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from model.image_io import load_image_bytes
from tests.hostile_corpus import dicom, set_tags


def test_8_and_16_bit_pngs_use_their_bit_depth():
    ramp = np.tile(np.linspace(0, 1, 64), (64, 1))
    for bits, dtype in ((8, np.uint8), (16, np.uint16)):
        buffer = io.BytesIO()
        Image.fromarray((ramp * (2**bits - 1)).astype(dtype)).save(buffer, format="PNG")
        image = load_image_bytes(buffer.getvalue(), "ramp.png")
        assert image.own_range == (0.0, float(2**bits - 1))
        assert image.to_own_units(0.5) == (2**bits - 1) / 2


def test_dicom_reports_values_after_its_modality_table_and_monochrome1_reverses_them():
    stored = np.tile(np.arange(100, 1100, 10, dtype=np.uint16), (80, 1))
    image = load_image_bytes(dicom(stored, edit=set_tags(RescaleSlope=2, RescaleIntercept=-1000)), "film.dcm")
    assert image.own_range == (-800.0, 1180.0)
    # The brightest display value is the largest stored value, whatever the units.
    assert image.to_own_units(float(image.pixels.max())) == 1180.0
    inverted = load_image_bytes(dicom(stored, photometric="MONOCHROME1"), "film.dcm")
    assert inverted.own_range == (1090.0, 100.0)
    assert inverted.to_own_units(float(inverted.pixels[0, 0])) == 100.0
