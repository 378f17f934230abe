"""Films as DICOM for the local PACS (scripts/pacs_demo.py, the tests): a grey film wrapped as a Computed
Radiography instance of a study of its own, with made-up patient and accession (never a real person's)."""

from __future__ import annotations

import numpy as np

from model.provenance import derived_uid


def film_as_dicom(
    pixels: np.ndarray, key: str, accession: str, monochrome1: bool = False, study_date: str = "20260101"
):
    """A CR dataset of `pixels` ((H, W) uint8 or uint16, 0 = black); MONOCHROME1 stores the same film inverted, as
    its twin. `key` (a file name) makes the UIDs, so loading the same film again is the same instance."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    cr = "1.2.840.10008.5.1.4.1.1.1"
    bits = 16 if pixels.dtype == np.uint16 else 8
    stored = (np.iinfo(pixels.dtype).max - pixels) if monochrome1 else pixels
    tag = key + (":m1" if monochrome1 else "")
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = cr, derived_uid(tag, "instance")
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.preamble = b"\x00" * 128
    ds.SOPClassUID, ds.SOPInstanceUID = cr, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = derived_uid(tag, "study"), derived_uid(tag, "series")
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = f"Demo^{accession}", f"DEMO-{accession}", "", "O"
    ds.AccessionNumber, ds.StudyID, ds.StudyDate, ds.StudyTime = accession, accession[-16:], study_date, "120000"
    ds.ReferringPhysicianName, ds.StudyDescription = "", "Chest PA (demo)"
    ds.Modality, ds.SeriesNumber, ds.InstanceNumber, ds.SeriesDescription = "CR", 1, 1, "PA"
    ds.BodyPartExamined, ds.ViewPosition, ds.PatientOrientation = "CHEST", "PA", ["L", "F"]
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME1" if monochrome1 else "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = bits, bits, bits - 1, 0
    ds.PixelData = np.ascontiguousarray(stored).tobytes()
    return ds
