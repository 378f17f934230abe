"""Results into the study, once: the Secondary Capture and the SR of one analysis, stored unless the PACS already
holds them (their UIDs are derived from the source, the model file and the method, so "already" is exact)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.overlay import ViewSettings, render
from model.pacs.client import PacsClient
from model.pacs.results_dicom import capture, report
from model.pacs.values import InstanceRef


@dataclass(frozen=True)
class WriteBack:
    written: int  # objects stored now
    already: int  # objects the PACS held from an earlier write-back
    uids: tuple[str, ...]


def write_back(
    client: PacsClient, ref: InstanceRef, film: np.ndarray, analysis, model_id: str, model_sha256: str
) -> WriteBack:
    """Store the analysis of `ref` (its film as decoded, (H, W) in [0, 1]) as a Secondary Capture and an SR."""
    if analysis.prediction is None or analysis.heatmap is None:
        raise ValueError("only an answered film with a map is written back")
    source = client.metadata(ref)
    picture = render(film, analysis.heatmap, ViewSettings(), analysis.lung_mask)
    objects = [
        capture(source, picture, model_id, model_sha256, analysis.method),
        report(source, analysis, model_id, model_sha256),
    ]
    missing = [o for o in objects if not client.has_instance(ref.study_uid, str(o.SOPInstanceUID))]
    if missing:
        client.store(missing)
    return WriteBack(len(missing), len(objects) - len(missing), tuple(str(o.SOPInstanceUID) for o in objects))
