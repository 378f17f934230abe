"""Everything the pages load once per process: the model and the precomputed files.

Each loader returns the object or raises a `ResourceError` whose message the
page shows in place of the missing part; the rest of the app keeps working.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from model import config
from model.data.manifest import load_splits
from model.inference import ModelLoadError
from model.provenance import cached_sha256


class ResourceError(RuntimeError):
    """A shipped file is missing or unreadable; the message says which and what to do."""


@st.cache_resource(show_spinner=False)
def get_analysis():
    """Where this server's analysis runs (`CXR_ANALYSIS`): its own child process by default, so the page server
    never imports TensorFlow; in this process for the in-process app tests; or a shared Ray Serve deployment."""
    backend = config.analysis_backend()
    if backend == "thread":
        from model.serving.analysis_process import InProcessAnalysis

        engine = InProcessAnalysis()
    elif backend.startswith("serve"):
        from model.serving.ray_serve import ServeAnalysis

        engine = ServeAnalysis(backend.partition(":")[2] or config.SERVE_APP_NAME)
    else:
        from model.serving.analysis_process import AnalysisProcess

        engine = AnalysisProcess()
    _STARTED_ENGINES.append(engine)
    return engine


_STARTED_ENGINES: list = []


def analysis_call(name: str, *args):
    """One call into the analysis engine; a model, gate or segmenter file that does not load becomes a ResourceError
    naming it (raised inside the engine, said here)."""
    from model.gate.gate import GateLoadError
    from model.registry import CardError, RegistryError

    try:
        return get_analysis().call(name, *args)
    except (ModelLoadError, GateLoadError, RegistryError, CardError) as error:
        raise ResourceError(str(error)) from None


@st.cache_resource(show_spinner=False, max_entries=32)  # lives as long as the engine: cleared with it
def _described(model_id: str, card_sha256: str):
    return analysis_call("describe", model_id)


def get_model(model_id: str):
    """The chosen model as the pages need it (`ModelDescription`: its card and its CAM layers), from the engine."""
    from dashboard.model_choice import cards_by_id

    card = cards_by_id().get(model_id) or {}
    return _described(model_id, card.get("sha256", ""))


@st.cache_data(show_spinner=False)
def get_registry_cards() -> list[dict]:
    """Every registered model's card (JSON form), default first: the picker and the tables read these."""
    from model.registry import all_registered

    return [entry.card.to_json() for entry in all_registered()]


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


def show_resource_error(error: ResourceError) -> None:
    st.error(str(error), icon=":material/warning:")


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


@st.cache_resource(show_spinner=False)
def get_worker():
    """The one analysis worker every session shares: simultaneous uploads become one batch
    (model.serving.batching), which the analysis engine computes (model.serving.analysis_process)."""
    from model.serving.batching import BatchingWorker

    engine = get_analysis()
    analysis_call("check")  # the shipped files must load: a broken one is said at once, not on first use

    def analyse_batch(key, films):
        with MODEL_LOCK:
            return engine.analyse(key, films)

    worker = BatchingWorker(analyse_batch)
    _STARTED_WORKERS.append(worker)
    return worker


# Every call into the analysis engine from this server holds this lock: the worker's batches and the page-thread
# predictions of a batch table never run side by side (two at once only slowed both, and doubled the memory peak).
MODEL_LOCK = threading.Lock()


_STARTED_WORKERS: list = []  # the worker once built (read by the health check without building one)


def worker_health() -> str | None:
    """A sentence when the shared worker is not running (it restarts with the next request), else None."""
    if not _STARTED_WORKERS or _STARTED_WORKERS[-1].alive:
        return None
    return "The analysis worker had stopped; it restarts with the next request (any waiting request must be retried)."


@st.cache_resource(show_spinner=False)
def start_warm_up() -> threading.Thread:
    """Load the models and trace the first analysis in the background, once per server process.

    Started by the first page view, so by the time a person has picked a file the model is loaded and the graphs
    for a prediction and a Grad-CAM are traced; the page itself never waits for this.
    """

    def warm() -> None:
        from model.analysis import AnalysisRequest
        from model.image_io import LoadedImage
        from model.synthetic import synthetic_radiograph

        try:
            worker = get_worker()
            film = LoadedImage(synthetic_radiograph(320, 300), "PNG", 8)
            worker.submit("warm-up film", film, AnalysisRequest(config.DEFAULT_EXPLAINER, explain_anyway=True)).result()
        except Exception:  # a missing model is reported by the page that needs it, in words
            pass

    thread = threading.Thread(target=warm, name="warm-up", daemon=True)
    thread.start()
    return thread
