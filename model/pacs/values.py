"""What a PACS search finds, as typed values: the query a person fills in, a study, a series, an instance (with the
key audits and films name it by), and the one reader of DICOM JSON attributes they share."""

from __future__ import annotations

from dataclasses import dataclass

from model import config


@dataclass(frozen=True)
class StudyQuery:
    """A study search as a person fills it in; empty fields do not filter. Dates are YYYYMMDD."""

    accession: str = ""
    patient_id: str = ""
    date_from: str = ""
    date_to: str = ""
    modality: str = ""

    def filters(self) -> dict[str, str]:
        found = {
            "AccessionNumber": self.accession.strip(),
            "PatientID": self.patient_id.strip(),
            "ModalitiesInStudy": self.modality.strip(),
        }
        if self.date_from or self.date_to:
            found["StudyDate"] = f"{self.date_from.strip()}-{self.date_to.strip()}"
        return {key: value for key, value in found.items() if value and value != "-"}


@dataclass(frozen=True)
class StudySummary:
    study_uid: str
    date: str
    modalities: str
    description: str
    accession: str
    patient_id: str
    patient_name: str
    instances: int


@dataclass(frozen=True)
class SeriesSummary:
    study_uid: str
    series_uid: str
    modality: str
    description: str
    number: str
    instances: int


@dataclass(frozen=True)
class InstanceRef:
    """One instance, as a search lists it; `key` is how audits and films name it."""

    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class: str = ""
    number: str = ""
    modality: str = ""

    @property
    def key(self) -> str:
        return f"dicomweb:{self.study_uid}/{self.series_uid}/{self.sop_uid}"

    @property
    def is_image(self) -> bool:
        return self.sop_class in config.PACS_IMAGE_SOP_CLASSES


def parse_key(key: str) -> InstanceRef | None:
    """The instance a key names (None for anything else, a folder path for instance)."""
    if not key.startswith("dicomweb:"):
        return None
    parts = key[len("dicomweb:") :].split("/")
    return InstanceRef(*parts) if len(parts) == 3 and all(parts) else None


def dicom_json_value(item: dict, tag: str) -> str:
    """A DICOM JSON attribute as text ("" where absent, odd or empty); person names by their alphabetic form."""
    try:
        value = item.get(tag, {}).get("Value", [""])[0]
    except (AttributeError, IndexError, TypeError):
        return ""
    if isinstance(value, dict):
        value = value.get("Alphabetic", "")
    return str(value)[:200] if value is not None else ""
