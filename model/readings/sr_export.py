"""A reading as DICOM: one Comprehensive SR (TID 1500 measurement report, written with highdicom) per film.

Each mark is a planar region (SCOORD: a closed polyline for a rectangle, an ELLIPSE by its two axes) with its
finding as a coded concept, the reader's confidence as a "Certainty of Finding" on the 1-5 scale, and the reader as
the person observer (free-text notes travel in the CSV and JSON exports: TID 1500's region groups hold none).
The region references the film: a DICOM film by its own SOP instance (marks scaled from the viewer's frame to the
file's rows and columns); any other film by a Secondary Capture of it written beside the SR.
UIDs are derived from the film's and reading's keys, so exporting the same reading twice writes the same objects.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model import config
from model.provenance import derived_uid
from model.readings.values import Reading

_UTF8 = "ISO_IR 192"  # names and descriptions may hold any character a person types


@dataclass(frozen=True)
class ExportedReading:
    sr_path: Path
    secondary_capture_path: Path | None  # written when the film was not DICOM


def _film_dataset(data: bytes):
    """The film's own DICOM dataset (headers only), or None for a PNG, JPEG, ..."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    from model.image_io import is_dicom

    if not is_dicom(data):
        return None
    try:
        return pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    except (InvalidDicomError, ValueError, OSError):
        return None


def _secondary_capture(reading: Reading, pixels: np.ndarray):
    """A Secondary Capture of a non-DICOM film (8-bit MONOCHROME2, the viewer's frame), in its own study."""
    import highdicom as hd

    sha = reading.film.sha256
    frame = np.clip(np.round(pixels * 255), 0, 255).astype(np.uint8)
    return hd.sc.SCImage(
        pixel_array=frame,
        photometric_interpretation=hd.PhotometricInterpretationValues.MONOCHROME2,
        bits_allocated=8,
        coordinate_system=hd.CoordinateSystemNames.PATIENT,
        study_instance_uid=derived_uid(sha, "study"),
        series_instance_uid=derived_uid(sha, "sc-series"),
        sop_instance_uid=derived_uid(sha, "sc"),
        series_number=config.READING_SERIES_NUMBERS["capture"],
        instance_number=1,
        manufacturer=config.SR_MANUFACTURER,
        patient_orientation=("L", "F"),
        patient_id=f"film-{sha[:16]}",
        series_description="Film as read (secondary capture)",
    )


def _region(mark, source, scale_x: float, scale_y: float):
    import highdicom as hd

    x0, y0, x1, y1 = mark.x0 * scale_x, mark.y0 * scale_y, mark.x1 * scale_x, mark.y1 * scale_y
    reference = hd.sr.SourceImageForRegion.from_source_image(source)
    if mark.shape == "ellipse":
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        points = np.array([[x0, cy], [x1, cy], [cx, y0], [cx, y1]], dtype=float)
        return hd.sr.ImageRegion(hd.sr.GraphicTypeValues.ELLIPSE, points, reference)
    points = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]], dtype=float)
    return hd.sr.ImageRegion(hd.sr.GraphicTypeValues.POLYLINE, points, reference)


def _finding_code(finding: str):
    from pydicom.sr.coding import Code

    _label, value, meaning = config.FINDINGS[finding]
    return Code(value, "SCT", meaning)


def person_name(reader: str):
    """The reader as a DICOM person name: the whole name as the family-name component (a person name's ^ and =
    separators replaced), at most 64 characters with the caret, so any name a person typed is one valid name."""
    text = reader.replace("^", " ").replace("=", " ").replace("\\", " ")[:63].strip()
    return f"{text}^"  # the trailing caret says: one component, the family name


def reading_sr(reading: Reading, source, scale: tuple[float, float] = (1.0, 1.0)):
    """The Comprehensive SR of one reading whose marks lie on `source` (a pydicom dataset with pixel metadata)."""
    import highdicom as hd
    from pydicom.sr.codedict import codes
    from pydicom.sr.coding import Code

    sha = reading.film.sha256
    observer = hd.sr.ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name=person_name(reading.reader)),
    )
    groups = []
    for index, labelled in enumerate(reading.marks, start=1):
        certainty = (
            [
                hd.sr.Measurement(
                    name=codes.DCM.CertaintyOfFinding,
                    value=float(labelled.confidence),
                    unit=Code(*config.SR_CONFIDENCE_UNIT),
                )
            ]
            if labelled.confidence is not None
            else None
        )
        groups.append(
            hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
                tracking_identifier=hd.sr.TrackingIdentifier(
                    uid=derived_uid(sha, reading.reader, str(reading.version), str(index)),
                    identifier=f"{reading.reader[:40]} mark {index}",
                ),
                referenced_region=_region(labelled.mark, source, *scale),
                finding_type=_finding_code(labelled.finding),
                measurements=certainty,
            )
        )
    procedure = Code(*config.SR_PROCEDURE_CODE)
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_person_context=observer),
        procedure_reported=procedure,
        imaging_measurements=groups or None,
        title=codes.DCM.ImagingMeasurementReport,
    )
    return hd.sr.ComprehensiveSR(
        evidence=[source],
        content=report,
        series_instance_uid=derived_uid(sha, reading.reader, "sr-series"),
        series_number=config.READING_SERIES_NUMBERS["report"],
        sop_instance_uid=derived_uid(sha, reading.reader, str(reading.version), "sr"),
        instance_number=1,
        manufacturer=config.SR_MANUFACTURER,
        series_description=f"Reading by {reading.reader[:40]}",
        is_complete=True,
    )


def write_reading_sr(reading: Reading, film_bytes: bytes, pixels: np.ndarray | None, folder: Path) -> ExportedReading:
    """Write the reading's SR (and, for a non-DICOM film, the Secondary Capture it references) into `folder`.

    `pixels` is the film as the viewer showed it (its frame is the marks' frame); needed only for a non-DICOM film.
    Files are named by the film's key and written whole (temporary name, then renamed).
    """
    source = _film_dataset(film_bytes)
    written_sc = None
    stem = f"{reading.film.sha256[:16]}-{derived_uid(reading.reader)[-8:]}"
    if source is not None:
        scale = (
            float(source.Columns) / reading.film.width if "Columns" in source else 1.0,
            float(source.Rows) / reading.film.height if "Rows" in source else 1.0,
        )
    else:
        if pixels is None:
            raise ValueError("a non-DICOM film needs its pixels for the secondary capture")
        source = _secondary_capture(reading, pixels)
        written_sc = folder / f"{reading.film.sha256[:16]}-film-sc.dcm"
        _write_whole(source, written_sc)
        scale = (1.0, 1.0)
    sr_path = folder / f"{stem}-reading-sr.dcm"
    _write_whole(reading_sr(reading, source, scale), sr_path)
    return ExportedReading(sr_path, written_sc)


def _write_whole(dataset, path: Path) -> None:
    dataset.SpecificCharacterSet = _UTF8
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    dataset.save_as(partial, enforce_file_format=True)
    partial.replace(path)
