"""The figures files a page shows, each read once and checked: the default model's shipped files (an error the page
shows when missing) and each registered model's optional ones (None when absent), the dataset's statistics and
splits, the radiologists' boxes, the archive audits."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.errors import ResourceError
from model import config
from model.data.manifest import load_splits
from model.provenance import cached_sha256


def get_model_metrics(model_id: str) -> dict | None:
    """A registered model's metrics file, None where none was computed for it. The default model's metrics are
    shipped: missing or broken, they are an error the page shows."""
    from model.registry import RegistryError, registered

    if model_id == config.DEFAULT_MODEL_ID:
        return get_metrics()
    try:
        path = registered(model_id).metrics_path
    except RegistryError:
        return None
    return _read_metrics(str(path)) if path is not None else None


def _model_figure_file(model_id: str, filename: str, produced_by: str) -> dict | None:
    """One optional figure file of a registered model's folder; None where the model or the file is absent."""
    from model.registry import RegistryError, registered

    try:
        folder = registered(model_id).folder
    except RegistryError:
        return None
    path = folder / filename if folder is not None else None
    return _read_json(path, produced_by) if path is not None and path.is_file() else None


def get_model_sick_healthy(model_id: str) -> dict | None:
    """A Normal/Abnormal model's sick-against-healthy figures (add_model.py), None where there are none."""
    return _model_figure_file(
        model_id, config.SICK_HEALTHY_FILENAME, f"python scripts/add_model.py PATH --id {model_id} --replace ..."
    )


def get_model_lungs_hidden(model_id: str) -> dict | None:
    """How often a model's answers survive with the lungs hidden (audit_lungs_hidden.py), None where not run."""
    return _model_figure_file(
        model_id, config.LUNGS_HIDDEN_FILENAME, f"python scripts/audit_lungs_hidden.py --model {model_id}"
    )


def get_model_abnormality_head(model_id: str) -> dict | None:
    """The figures of a model's sick-or-healthy head (fit_abnormality_head.py), None where it has none."""
    return _model_figure_file(
        model_id, config.ABNORMALITY_HEAD_FILENAME, f"python scripts/fit_abnormality_head.py --model {model_id}"
    )


def get_model_explanation_quality(model_id: str) -> dict | None:
    from model.registry import RegistryError, registered

    if model_id == config.DEFAULT_MODEL_ID:
        return get_explanation_quality()
    try:
        path = registered(model_id).explanation_quality_path
    except RegistryError:
        return None
    return _read_json(path, f"python scripts/audit_explanations.py --model {model_id}") if path is not None else None


def chosen_metrics(model_id: str) -> dict:
    """The model's own metrics; the default model's where none were computed for it (the caller says which)."""
    return get_model_metrics(model_id) or get_metrics()


@st.cache_data(show_spinner=False)
def _read_metrics(path: str) -> dict:
    return _checked_metrics(Path(path))


def _read_json(path: Path, produced_by: str) -> dict:
    if not path.is_file():
        raise ResourceError(f"{path.name} is missing from {path.parent}. Produce it with `{produced_by}`.")
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ResourceError(f"{path.name} is not valid JSON ({error}). Regenerate it with `{produced_by}`.") from None


@st.cache_data(show_spinner=False)
def get_metrics() -> dict:
    """The default model's metrics (the shipped figures every page can rely on)."""
    return _checked_metrics(config.METRICS_PATH)


def _checked_metrics(path: Path) -> dict:
    metrics = _read_json(path, "python scripts/evaluate.py")
    if metrics.get("schema_version") != config.METRICS_SCHEMA_VERSION:
        raise ResourceError(
            f"{path.name} has schema version {metrics.get('schema_version')!r}; this app reads "
            f"version {config.METRICS_SCHEMA_VERSION}. Regenerate it with `python scripts/evaluate.py`."
        )
    return metrics


@st.cache_data(show_spinner=False)
def get_dataset_stats() -> dict:
    return _read_json(config.DATASET_STATS_PATH, "python scripts/prepare_data.py")


@st.cache_data(show_spinner=False)
def get_explanation_quality() -> dict:
    return _read_json(config.EXPLANATION_QUALITY_PATH, "python scripts/audit_explanations.py")


@st.cache_data(show_spinner=False)
def get_input_gate_report() -> dict:
    return _read_json(config.INPUT_GATE_PATH, "python scripts/calibrate_gate.py")


@st.cache_data(show_spinner=False)
def get_experiments() -> dict:
    return _read_json(config.EXPERIMENTS_PATH, "python scripts/run_experiments.py")


@st.cache_data(show_spinner=False)
def get_splits() -> pd.DataFrame:
    if not config.SPLITS_PATH.is_file():
        raise ResourceError(f"{config.SPLITS_PATH.name} is missing. Produce it with `python scripts/prepare_data.py`.")
    return load_splits(config.SPLITS_PATH)


@st.cache_data(show_spinner=False)
def get_box_table() -> pd.DataFrame:
    """The radiologists' boxes (nih_adult/boxes.csv), empty where the NIH folder is absent. Evaluation data only:
    shown on the films they belong to, never fed to the model."""
    from model.evaluation.localisation import load_box_table

    return load_box_table(config.data_dir() / config.NIH_ADULT_SUBDIR)


def metrics_describe_shipped_model(model_sha256: str, model_path: Path | None = None) -> bool:
    """True when the model file is the one the metrics were computed on (hashed once per file version)."""
    path = model_path or config.MODEL_PATH
    if not path.is_file():
        return True  # the missing model is reported where it is needed
    return cached_sha256(path) == model_sha256


def images_available() -> bool:
    """True when the dataset's images are where the settings say (the app runs without them)."""
    return (config.data_dir() / config.RADIOGRAPHY_SUBDIR).is_dir() or (
        config.data_dir() / config.PEDIATRIC_SUBDIR
    ).is_dir()


def missing_images_note() -> str:
    return (
        f"Dataset images not found at `{config.data_dir()}`: put the data there or set "
        f"`{config.DATA_DIR_ENV}` to its folder. Upload, statistics, evaluation and About work without it."
    )


def get_audit(folder: str) -> pd.DataFrame:
    """An archive audit's rows, re-read when its Parquet files change (a running audit keeps adding parts)."""
    from model.audit.results import AuditResultsError, rows_folder

    parts = sorted(rows_folder(Path(folder)).glob("*.parquet")) if folder else []
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in parts)
    try:
        return _cached_audit(folder, stamp)
    except AuditResultsError as error:
        raise ResourceError(
            f"{error} Write one with `python scripts/audit_archive.py FOLDER --out {folder or 'DIR'}`."
        ) from None


@st.cache_data(show_spinner="Reading the audit…", max_entries=4)
def _cached_audit(folder: str, stamp: tuple) -> pd.DataFrame:
    from model.audit.results import load_audit

    return load_audit(Path(folder))
