"""An analysis as DICOM objects a radiologist's viewer shows inside the study (written with highdicom):

- a Secondary Capture of the film with the heatmap over it and "research use - not for diagnosis", the model and the
  method burnt into the pixels (a viewer shows pixels; overlays and tags can be hidden);
- a Comprehensive SR (TID 1500) with the answer, every class probability, the abnormality score, the share of heat
  in the lungs, the answer with the lungs hidden where the test ran, the model (its id, and its SHA-256 as the
  algorithm's version) and the method, and the map's hottest region as a planar region on the source image.

UIDs are derived from the source instance, the model file and the method, so the same result is the same object:
writing it twice adds nothing. The source's patient and study attributes come from its DICOM JSON metadata (no
binary parsing here).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from model import config
from model.provenance import derived_uid


@dataclass(frozen=True)
class ResultObjects:
    capture: object  # highdicom SCImage
    report: object  # highdicom ComprehensiveSR

    @property
    def uids(self) -> tuple[str, str]:
        return str(self.capture.SOPInstanceUID), str(self.report.SOPInstanceUID)


def result_uid(source_uid: str, model_sha256: str, method: str, kind: str) -> str:
    return derived_uid(source_uid, model_sha256, method, kind)


def hottest_region(
    heatmap: np.ndarray, width: int, height: int, share: float = config.HOTTEST_REGION_SHARE
) -> tuple[float, ...]:
    """The bounding box (x0, y0, x1, y1, in source pixels) of the connected hot area around the map's peak (heat
    at least `share` of the peak)."""
    heat = np.asarray(heatmap, dtype=np.float32)
    peak = np.unravel_index(int(np.argmax(heat)), heat.shape)
    hot = (heat >= share * float(heat.max())).astype(np.uint8)
    _count, labels = cv2.connectedComponents(hot)
    rows, cols = np.nonzero(labels == labels[peak])
    sx, sy = width / heat.shape[1], height / heat.shape[0]
    return (cols.min() * sx, rows.min() * sy, (cols.max() + 1) * sx, (rows.max() + 1) * sy)


def burnt_in(picture: np.ndarray, lines: list[str]) -> np.ndarray:
    """The picture with `lines` of text burnt into its top left corner on a dark band (legible at any size)."""
    out = picture.copy()
    scale = max(out.shape[1] / 1400, 0.35)
    thickness = max(1, round(scale * 2))
    step = int(34 * scale) + 4
    band = step * len(lines) + 8
    out[:band] = (out[:band] * 0.35).astype(out.dtype)
    for index, line in enumerate(lines):
        text = line.encode("ascii", "replace").decode()  # Hershey fonts draw ASCII only
        cv2.putText(
            out, text, (8, step * (index + 1)), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA
        )
    return out


def _code(value: str, meaning: str):
    from pydicom.sr.coding import Code

    return Code(value[:16], config.SR_PRIVATE_SCHEME, meaning[:64])


def capture(source, picture: np.ndarray, model_id: str, model_sha256: str, method: str):
    """The Secondary Capture (RGB) in the source's study, in this tool's own series."""
    import highdicom as hd

    uid = str(source.SOPInstanceUID)
    lines = [config.RESULT_BURNT_IN_TEXT, f"model {model_id} ({model_sha256[:12]})", f"method {method}"]
    image = hd.sc.SCImage.from_ref_dataset(
        ref_dataset=source,
        pixel_array=burnt_in(picture, lines),
        photometric_interpretation=hd.PhotometricInterpretationValues.RGB,
        bits_allocated=8,
        coordinate_system=hd.CoordinateSystemNames.PATIENT,
        series_instance_uid=result_uid(uid, model_sha256, method, "sc-series"),
        sop_instance_uid=result_uid(uid, model_sha256, method, "sc"),
        series_number=config.RESULT_SERIES_NUMBERS["capture"],
        instance_number=1,
        manufacturer=config.SR_MANUFACTURER,
        series_description=config.RESULT_SERIES_DESCRIPTION,
        patient_orientation=("L", "F"),
    )
    image.BurnedInAnnotation = "YES"  # the research-use words and the model are in the pixels
    return image


def report(source, analysis, model_id: str, model_sha256: str):
    """The Comprehensive SR of one analysis (FilmAnalysis with a prediction and a map) of `source`."""
    import highdicom as hd
    from pydicom.sr.codedict import codes
    from pydicom.sr.coding import Code

    uid = str(source.SOPInstanceUID)
    prediction = analysis.prediction
    unit = Code("1", "UCUM", "no units")
    measurements = [
        hd.sr.Measurement(name=_code(f"P-{name}", f"Probability of {name}"), value=float(p), unit=unit)
        for name, p in prediction.probabilities.items()
    ]
    if prediction.abnormality is not None:
        measurements.append(
            hd.sr.Measurement(
                name=_code("ABNORMALITY", "Abnormality score"), value=float(prediction.abnormality), unit=unit
            )
        )
    if analysis.lung_share is not None:
        measurements.append(
            hd.sr.Measurement(
                name=_code("LUNG-SHARE", "Share of heat inside the lungs"), value=float(analysis.lung_share), unit=unit
            )
        )
    evaluations = [
        hd.sr.QualitativeEvaluation(_code("ANSWER", "Model answer"), _code(prediction.label, prediction.label))
    ]
    if prediction.lungs_hidden is not None:
        hidden = prediction.lungs_hidden.label
        evaluations.append(
            hd.sr.QualitativeEvaluation(
                _code("LUNGS-HIDDEN", "Answer with the lung fields hidden"), _code(hidden, hidden)
            )
        )
    x0, y0, x1, y1 = hottest_region(analysis.heatmap, int(source.Columns), int(source.Rows))
    region = hd.sr.ImageRegion(
        hd.sr.GraphicTypeValues.POLYLINE,
        np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]], dtype=float),
        hd.sr.SourceImageForRegion.from_source_image(source),
    )
    algorithm = hd.sr.AlgorithmIdentification(
        name=f"{config.SOFTWARE_NAME} {model_id}"[:64], version=model_sha256[:64] or "unknown"
    )
    group = hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=result_uid(uid, model_sha256, analysis.method, "region"), identifier="Hottest region of the map"
        ),
        referenced_region=region,
        finding_type=_code("HEAT-PEAK", "Hottest region of the explanation map"),
        method=_code(analysis.method, f"Explanation method {analysis.method}"),
        algorithm_id=algorithm,
        measurements=measurements,
        qualitative_evaluations=evaluations,
    )
    device = hd.sr.DeviceObserverIdentifyingAttributes(
        uid=derived_uid("device", model_sha256), name=f"{config.SOFTWARE_NAME} {model_id}"[:64]
    )
    content = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(
            observer_device_context=hd.sr.ObserverContext(codes.DCM.Device, device)
        ),
        procedure_reported=Code(*config.SR_PROCEDURE_CODE),
        imaging_measurements=[group],
        title=codes.DCM.ImagingMeasurementReport,
    )
    return hd.sr.ComprehensiveSR(
        evidence=[source],
        content=content,
        series_instance_uid=result_uid(uid, model_sha256, analysis.method, "sr-series"),
        series_number=config.RESULT_SERIES_NUMBERS["report"],
        sop_instance_uid=result_uid(uid, model_sha256, analysis.method, "sr"),
        instance_number=1,
        manufacturer=config.SR_MANUFACTURER,
        series_description=config.RESULT_SERIES_DESCRIPTION,
        is_complete=True,
    )
