"""One audit row, as decode, the auditor, the results and the Archive page all read it: the column names live here.

A row holds what decoding found (path, content hash, error, DICOM device fields), the answer (prediction, one
probability per class, warnings, lung fraction) and per explanation method its lung share, the share's verdict,
the optional faithfulness margin and the overlay thumbnail's file name.
"""

from __future__ import annotations

from dataclasses import dataclass

from model import config

# Read from the DICOM header through image_io's allow-list (never a patient tag): row column -> DICOM keyword.
DEVICE_COLUMNS: dict[str, str] = {
    "manufacturer": "Manufacturer",
    "device_model": "ManufacturerModelName",
    "view": "ViewPosition",
}
# Columns decoding fills and the auditor passes through unchanged.
DECODED_COLUMNS: tuple[str, ...] = (
    "path",
    "folder",
    "sha256",
    "error",
    "source_format",
    "bit_depth",
    "width",
    "height",
    # Where a film came from a PACS (DICOMweb): its UIDs ("" for a file); its `path` is then its key,
    # dicomweb:STUDY/SERIES/SOP, by which a rerun knows it is done.
    "study_uid",
    "series_uid",
    "sop_uid",
)


def probability_column(class_name: str) -> str:
    return f"p_{class_name}"


@dataclass(frozen=True)
class MethodColumns:
    """The columns one explanation method adds to a row."""

    method: str

    @property
    def lung_share(self) -> str:
        return f"lung_share_{self.method}"

    @property
    def level(self) -> str:
        return f"lung_share_level_{self.method}"

    @property
    def faithfulness_margin(self) -> str:
        return f"faithfulness_margin_{self.method}"

    @property
    def thumbnail(self) -> str:
        return f"thumbnail_{self.method}"

    def empty(self) -> dict[str, object]:
        return {
            self.lung_share: float("nan"),
            self.level: "",
            self.faithfulness_margin: float("nan"),
            self.thumbnail: "",
        }


def empty_answer(methods: tuple[str, ...], classes: tuple[str, ...] = config.CLASS_NAMES) -> dict[str, object]:
    """The answer columns of a film that has none (unreadable, or stopped by the gate), so every row has them."""
    empty: dict[str, object] = {
        "prediction": "",
        **{probability_column(name): float("nan") for name in classes},
        "abnormality": float("nan"),  # the model's sick-or-healthy head; NaN where it has none
        # The lungs-hidden test (model.trust.lungs_hidden): the answer with the lung fields hidden, and whether it
        # is the same answer ("" where no lung mask was found).
        "lungs_hidden_prediction": "",
        "survives_lungs_hidden": "",
        "warning_codes": "",
        "warnings": "",
        "lung_fraction": float("nan"),
        "lung_mask_plausible": False,
    }
    for method in methods:
        empty.update(MethodColumns(method).empty())
    return empty


def methods_in(columns) -> list[str]:
    """The explanation methods an audit ran, read back from its columns."""
    prefix = MethodColumns("").level
    return [column[len(prefix) :] for column in columns if column.startswith(prefix)]
