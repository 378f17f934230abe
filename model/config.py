"""Every setting the project shares, in one place.

A literal that two modules need lives here, so the dashboard, the scripts and
the tests can never disagree about class order, input size or file paths.
Longer than usual because every limit sits here beside its reason, and a limit split from its neighbours (the
decoding bounds, the quotas, the deadlines) would be a limit nobody finds.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT: Path = Path(__file__).resolve().parent.parent
ASSETS_DIR: Path = REPO_ROOT / "assets"
# Outputs people make with the tools (audits, screenshots): never committed.
ARTIFACTS_DIR: Path = REPO_ROOT / "artifacts"

# Class order is the order of the model's output units; never reorder.
# The data's classes, each named once here: code refers to these names, never to the words.
COVID_CLASS: str = "COVID-19"
HEALTHY_CLASS: str = "Normal"  # also the healthy class of a Normal/Abnormal model
PNEUMONIA_CLASS: str = "Pneumonia"
ABNORMAL_CLASS: str = "Abnormal"  # a two-class model's sick class
CLASS_NAMES: tuple[str, ...] = (COVID_CLASS, HEALTHY_CLASS, PNEUMONIA_CLASS)
# How each class is drawn in every chart.
CLASS_COLOURS: dict[str, str] = {COVID_CLASS: "#d62728", HEALTHY_CLASS: "#2ca02c", PNEUMONIA_CLASS: "#1f77b4"}

# The network sees one grayscale channel at this square size, intensities in
# [0, 1] after per-image percentile normalisation (see model.preprocessing).
IMAGE_SIZE: int = 160
# Images smaller than this on their short side are refused: no X-ray is.
MIN_IMAGE_SIDE: int = 64
# Decompression-bomb guard: refuse anything above this many pixels.
MAX_IMAGE_PIXELS: int = 50_000_000
# Memory budget for decoding one picture: refused from its header before decoding when it would need more.
MAX_DECODED_BYTES: int = 256 * 1024 * 1024
# A film larger than this on its longest side is reduced once, right after decoding (viewer and model need less).
MAX_WORKING_SIDE: int = 2048
# The dashboard keeps decoded films (shared by all sessions, keyed by content) up to this many bytes.
DASHBOARD_FILM_CACHE_BYTES: int = 384 * 1024 * 1024
# Quotas of one browser session: files taken from one upload (the rest are named and left out) and distinct films
# it may open in all (each decoded film holds up to 16 MB of the shared film cache and a decoding child's time).
MAX_FILES_PER_UPLOAD: int = 20
MAX_FILMS_PER_SESSION: int = 200
# File names the loader reads (model/image_io): DICOM by these suffixes (a file so named without a DICOM header is
# refused as such), and every suffix of a format it decodes; the archive audit and the dataset manifest take the same.
DICOM_SUFFIXES: tuple[str, ...] = (".dcm", ".dicom")
FILM_SUFFIXES: frozenset[str] = frozenset(
    {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".gif", *DICOM_SUFFIXES}
)
# Largest upload accepted, in bytes (mirrored in .streamlit/config.toml).
MAX_UPLOAD_BYTES: int = 50 * 1024 * 1024
# The dashboard server's settings, passed on its command line by its entry point (dashboard/serve.py, which
# scripts/dev.sh runs), so they hold wherever it is started from; .streamlit/config.toml repeats them for a bare
# `streamlit run` in the repository (a test keeps the two equal). Listen on this machine only, never show a
# traceback, refuse uploads above the loader's limit.
DASHBOARD_SERVER_SETTINGS: dict[str, str] = {
    "server.address": "localhost",
    "server.headless": "true",
    "server.maxUploadSize": str(MAX_UPLOAD_BYTES // 2**20),  # MB
    "server.runOnSave": "false",
    "server.fileWatcherType": "none",
    "runner.postScriptGC": "false",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "none",
    "logger.level": "warning",
}

# --- The model registry (model/registry): one folder per classifier under assets/models/<id>/ ---
# $CXR_MODELS_DIR keeps a department's registry outside the checkout (and lets tests register into a copy).
MODELS_DIR_ENV: str = "CXR_MODELS_DIR"
MODELS_DIR: Path = Path(os.environ.get(MODELS_DIR_ENV) or ASSETS_DIR / "models").expanduser()
# The model the app and the tools use unless one is named (--model ID|PATH, the sidebar picker, $CXR_MODEL).
DEFAULT_MODEL_ID: str = "f3_right_reasons"
DEFAULT_MODEL_ENV: str = "CXR_MODEL"
# File names inside a model's folder; only the Keras file and the card are required.
MODEL_FILENAME: str = "model.keras"
MODEL_CARD_FILENAME: str = "model.json"
METRICS_FILENAME: str = "metrics.json"
EXPLANATION_QUALITY_FILENAME: str = "explanation_quality.json"
INPUT_GATE_FILENAME: str = "input_gate.json"
LITE_FILENAME: str = "model.tflite"
LITE_MANIFEST_FILENAME: str = "lite.json"
HISTORY_FILENAME: str = "training_history.json"
# A Normal/Abnormal model's figures (sick against healthy), written instead of metrics.json.
SICK_HEALTHY_FILENAME: str = "sick_healthy.json"
# How often a model's answers survive with the lung fields hidden (scripts/audit_lungs_hidden.py).
LUNGS_HIDDEN_FILENAME: str = "lungs_hidden.json"
# The sick-or-healthy head fitted on a model's own features (scripts/fit_abnormality_head.py).
ABNORMALITY_HEAD_FILENAME: str = "abnormality_head.json"
# Its inverse L2 penalties tried, strongest first; the one with the best mean per-origin validation AUROC is kept
# (model.training.abnormality_fit.choose_regularisation).
ABNORMALITY_HEAD_C_GRID: tuple[float, ...] = (0.001, 0.01, 0.1, 1.0)
# Weight of the sick-or-healthy loss when that output trains alongside the classes (variant i3): half the class
# loss, so the classes still lead the shared features.
ABNORMALITY_OUTPUT_WEIGHT: float = 0.5
# Bring-your-own models (scripts/add_model.py): largest Keras file accepted, the input sizes a model may take, and
# how many models the dashboard keeps loaded at once (least recently used first out).
MAX_MODEL_FILE_BYTES: int = 200 * 1024 * 1024
MODEL_INPUT_SIZE_RANGE: tuple[int, int] = (32, 512)
DASHBOARD_LOADED_MODELS: int = 3
# The formats the registry takes (model.network: one adapter each) and the file name each gets in a model's folder.
MODEL_FILENAMES: dict[str, str] = {"keras": MODEL_FILENAME, "onnx": "model.onnx"}
MODEL_SUFFIXES: dict[str, str] = {".keras": "keras", ".onnx": "onnx"}
# How a model expects its pixels, from the analysis frame's 0-1: model input = (x - offset) / scale per channel (a
# grey model given a 3-channel scaling takes the channel means). "xrv" is torchxrayvision's -1024..1024.
INPUT_SCALINGS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "unit": ((0.0,), (1.0,)),
    "byte": ((0.0,), (1.0 / 255.0,)),
    "symmetric": ((0.5,), (0.5,)),
    "imagenet": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    "xrv": ((0.5,), (1.0 / 2048.0,)),
}
# What a model's output vector is: probabilities (softmax or sigmoid inside the model) or raw logits, which get a
# softmax here so every page reads probabilities.
MODEL_OUTPUTS: tuple[str, ...] = ("softmax", "sigmoid", "logits")
MODEL_LAYOUTS: tuple[str, ...] = ("NHWC", "NCHW")
# ONNX graphs: the operators whose 4-D outputs a CAM may read (the picker lists them input to output; the default is
# the last Conv, as for Keras), and how closely the TensorFlow translation that gives an ONNX model its gradients
# must agree with ONNX Runtime on the admission films before gradient methods are offered.
KERAS_LAYER_TYPES: frozenset[str] = frozenset({"BatchNormalization", "ReLU", "Activation", "LeakyReLU", "Add"})
ONNX_LAYER_OPS: frozenset[str] = frozenset({"Conv", "Relu", "LeakyRelu", "Clip", "BatchNormalization", "Add"})
ONNX_GRADIENT_TOLERANCE: float = 1e-4
# A new model's first forward pass runs in a child (model.registry.probe_child) with this memory limit and deadline:
# one that hangs or exhausts memory is refused in a sentence instead of taking the tool down.
ADMISSION_MEMORY_BYTES: int = 4 * 2**30
ADMISSION_TIMEOUT_S: float = 60.0


def model_dir(model_id: str) -> Path:
    """The folder of a registered model (it need not exist yet)."""
    return MODELS_DIR / model_id


def default_model_id() -> str:
    return os.environ.get(DEFAULT_MODEL_ENV, "").strip() or DEFAULT_MODEL_ID


# Shipped files. The default model's own files live in its registry folder; the paths below name them so every
# tool that takes no --model reads the default.
DEFAULT_MODEL_DIR: Path = model_dir(DEFAULT_MODEL_ID)
MODEL_PATH: Path = DEFAULT_MODEL_DIR / MODEL_FILENAME
METRICS_PATH: Path = DEFAULT_MODEL_DIR / METRICS_FILENAME
SPLITS_PATH: Path = ASSETS_DIR / "splits.csv"
DATASET_STATS_PATH: Path = ASSETS_DIR / "dataset_stats.json"
HISTORY_PATH: Path = DEFAULT_MODEL_DIR / HISTORY_FILENAME
EXPLANATION_QUALITY_PATH: Path = DEFAULT_MODEL_DIR / EXPLANATION_QUALITY_FILENAME
MODEL_CARD_PATH: Path = ASSETS_DIR / "MODEL_CARD.md"
SEGMENTER_PATH: Path = ASSETS_DIR / "lung_segmenter.keras"
SEGMENTER_METRICS_PATH: Path = ASSETS_DIR / "lung_segmenter_metrics.json"
METRICS_SCHEMA_VERSION: int = 2
DATASET_STATS_SCHEMA_VERSION: int = 2
EXPLANATION_QUALITY_SCHEMA_VERSION: int = 1
EXPERIMENTS_PATH: Path = ASSETS_DIR / "experiments.json"

# Where the curated images live; a user points this at their own download.
DATA_DIR_ENV: str = "CXR_DATA_DIR"
DEFAULT_DATA_DIR: Path = REPO_ROOT.parent / "shared" / "data"
RADIOGRAPHY_SUBDIR: str = "COVID-19_Radiography_Dataset"
PEDIATRIC_SUBDIR: str = "chest_xray"
LUNG_MASKS_SUBDIR: str = "lung_masks"
# Adult NIH ChestX-ray14 films (normal and pneumonia), listed with patient, age and view in index.csv.
NIH_ADULT_SUBDIR: str = "nih_adult"
# Films from hospitals the model never sees in training or model selection: evaluation only.
EXTERNAL_SUBDIR: str = "external"
# Every dataset folder listed by an index.csv names its image column so.
INDEX_FILENAME: str = "index.csv"


def data_dir() -> Path:
    """The dataset root: $CXR_DATA_DIR if set, else ../shared/data beside the repo."""
    return Path(os.environ.get(DATA_DIR_ENV, DEFAULT_DATA_DIR)).expanduser()


# Data preparation.
SEED: int = 20261123
SPLIT_FRACTIONS: dict[str, float] = {"train": 0.70, "val": 0.10, "test": 0.20}
# Duplicates: pairs within this 64-bit perceptual-hash Hamming distance are
# candidates, confirmed when their 32x32 thumbnails correlate at least this
# much. Chosen by looking at pairs (scripts/prepare_data.py --show-pairs): chest
# X-rays of different children already sit at distance 6 and correlation 0.95;
# at >= 0.97 every pair inspected was the same picture (re-encoded, re-cropped,
# or with a caption added).
DUPLICATE_HAMMING_CANDIDATE: int = 12
DUPLICATE_MIN_CORRELATION: float = 0.97
DUPLICATE_THUMBNAIL_SIZE: int = 32
INTENSITY_HISTOGRAM_BINS: int = 64

# Training.
BATCH_SIZE: int = 32
MAX_EPOCHS: int = 25
EARLY_STOPPING_PATIENCE: int = 5
LEARNING_RATE: float = 1e-3
LABEL_SMOOTHING: float = 0.05
# Source-invariant training experiments (model.training.experiments): a shorter schedule so four variants fit a session.
EXPERIMENT_MAX_EPOCHS: int = 14
EXPERIMENT_PATIENCE: int = 4
EXPERIMENT_IMAGES_PER_CLASS: int = 900
EXPERIMENT_LONG_EPOCHS: int = 30
EXPERIMENT_LONG_IMAGES_PER_CLASS: int = 1000
EXPERIMENT_LONG_PATIENCE: int = 6
# Source adversary (model.training.adversary): weight of its loss beside the classifier's.
SOURCE_ADVERSARY_LOSS_WEIGHT: float = 0.5
# Per epoch, at most this many training images per class are drawn (balanced).
TRAIN_IMAGES_PER_CLASS_PER_EPOCH: int = 1000

# Evaluation.
BOOTSTRAP_SAMPLES: int = 1000
CALIBRATION_BINS: int = 10
BASELINE_THUMBNAIL_SIZE: int = 32
# The evaluation page warns when the trivial baseline's macro-F1 comes this close to the model's.
BASELINE_WARNING_GAP: float = 0.15
# Shortcut test: macro-F1 with the lungs removed above which the model is said to read the source.
SOURCE_READING_MACRO_F1: float = 0.6
# Source probe: above-chance share (0 = chance, 1 = certain) from which the features are said to know the source.
SOURCE_PROBE_HIGH: float = 0.5
# COVID-19 AUROC drop (test split -> external hospitals) from which the page says the figures do not carry over.
GENERALISATION_DROP_WARNING: float = 0.05

# Explanations.
DEFAULT_EXPLAINER: str = "gradcam"
SCORECAM_MAX_CHANNELS: int = 16
SMOOTHGRAD_SAMPLES: int = 20
SMOOTHGRAD_NOISE: float = 0.15
# The forward-pass methods, which any backend can run. Occlusion (Zeiler & Fergus 2014): a square patch of this
# fraction of the side, moved by half its size, filled with the film's mean. RISE (Petsiuk et al. 2018): random
# masks on a coarse grid (cells of this fraction of the side, each kept with this probability), upsampled smoothly.
# Both send their masked films through the network in batches of FORWARD_BATCH.
OCCLUSION_PATCH_FRACTION: float = 0.125
RISE_MASKS: int = 128
RISE_GRID: int = 8
RISE_KEEP: float = 0.5
FORWARD_BATCH: int = 128
# Their cost on one film, as a multiple of the traced forward+backward floor measured in the same run
# (scripts/benchmark_explanations.py prints each against its budget).
EXPLANATION_COST_BUDGETS: dict[str, float] = {"occlusion": 20.0, "rise": 60.0}
FAITHFULNESS_STEPS: int = 16
# The explanation audit (scripts/audit_explanations.py, add_model.py): test films per true class, and of those how
# many get the model-randomisation sanity check.
EXPLANATION_AUDIT_PER_CLASS: int = 20
EXPLANATION_AUDIT_SANITY_PER_CLASS: int = 5
SANITY_TOP_LAYERS: int = 3
# A map must beat a random map by at least this (insertion - deletion AUC) to be called clearly faithful.
FAITHFULNESS_CLEAR_MARGIN: float = 0.05
# Rank correlation with the randomised model's map at or above which a map fails the sanity check.
SANITY_MAX_CORRELATION: float = 0.5
DEFAULT_OVERLAY_OPACITY: float = 0.45
DEFAULT_COLORMAP: str = "jet"

# The film viewer (dashboard/film_viewer): the film goes to the browser once per film at most this large on its
# longest side (crisp when zoomed on a 2048-px film, about 2-5 MB once), packed as 16 bits so window/level works in
# the browser on the film's own values; panes between these heights (CSS px), whatever the film's shape.
VIEWER_MAX_SIDE: int = 2048
VIEWER_MIN_HEIGHT_PX: int = 220
VIEWER_MAX_HEIGHT_PX: int = 760
# Window / level presets on the film's display range (0 = its darkest, 1 = its brightest value) as (level, width);
# the viewer shows them in the film's own units.
WINDOW_PRESETS: dict[str, tuple[float, float]] = {
    "Full range": (0.5, 1.0),
    "Lung": (0.3, 0.55),
    "Soft tissue": (0.55, 0.5),
    "Bone": (0.75, 0.4),
}
# Overlay colours: the lung outline cyan, radiologists' boxes magenta and dashed (no colormap in the menu uses
# either), a reader's own marks green.
OUTLINE_COLOUR: str = "#00e5ff"
BOX_COLOUR: str = "#ff2bd6"
# What a reader can draw on a film in the viewer, and the smallest mark that is a mark, not a click (film px).
MARK_SHAPES: tuple[str, ...] = ("rect", "ellipse")
MIN_MARK_SIDE_PX: float = 2.0
MAX_MARKS_PER_FILM: int = 50

# Preprocessed arrays for training and evaluation (derived from the data: never committed).
CACHE_DIR: Path = REPO_ROOT / "cache"


def image_cache_path(size: int = IMAGE_SIZE) -> Path:
    """The preprocessed-input cache that scripts/prepare_data.py writes and training/evaluation read."""
    return CACHE_DIR / f"images_{size}.npz"


# Lung segmentation.
SEGMENTER_IMAGE_SIZE: int = 128
SEGMENTER_HOLDOUT_FRACTION: float = 0.2
SEGMENTER_EPOCHS: int = 30
SEGMENTER_BATCH_SIZE: int = 16
SEGMENTER_THRESHOLD: float = 0.5
# The layer whose output the source probe and the gate's feature-space distance read (global average pooling).
FEATURE_LAYER: str = "gap"
# Lung-focused input (model.input_recipe): CLAHE settings, the margin kept around the lungs (fraction of the
# side), and when a segmenter mask counts as plausible (area fraction range, smaller/larger lung area ratio);
# otherwise this box (top, bottom, left, right as fractions) stands in for the lungs.
CLAHE_CLIP_LIMIT: float = 2.0
CLAHE_TILES: int = 8
LUNG_FOCUS_MARGIN: float = 0.06
LUNG_MASK_AREA_RANGE: tuple[float, float] = (0.12, 0.55)
LUNG_MASK_MIN_AREA_RATIO: float = 0.3
LUNG_SAFE_BOX: tuple[float, float, float, float] = (0.08, 0.92, 0.08, 0.92)
MODEL_RECIPE_PATH: Path = DEFAULT_MODEL_DIR / MODEL_CARD_FILENAME  # the recipe is part of the card
# The networks exported to LiteRT for TensorFlow-free prediction (scripts/export_lite.py) and what they came from.
LITE_CLASSIFIER_PATH: Path = DEFAULT_MODEL_DIR / LITE_FILENAME
LITE_SEGMENTER_PATH: Path = ASSETS_DIR / "lung_segmenter.tflite"
LITE_MANIFEST_PATH: Path = DEFAULT_MODEL_DIR / LITE_MANIFEST_FILENAME
# The fitted chest-X-ray gate and its measured pass/stop rates (scripts/calibrate_gate.py).
INPUT_GATE_PATH: Path = DEFAULT_MODEL_DIR / INPUT_GATE_FILENAME
ABNORMALITY_HEAD_PATH: Path = DEFAULT_MODEL_DIR / ABNORMALITY_HEAD_FILENAME
# Real films of the validation split that the gate's threshold lets through, and the share of validation films
# beyond which the feature-space distance counts as an unfamiliar source. 99.8% since 30 Nov (was 99.5%, which left
# 0.7% of test films and 1.1% of padded ones unanswered); chosen after seeing those test figures, so they are no
# longer untouched: the trade-off (upside-down films stopped 80% -> 75%) is in the closing note of issue 19.
GATE_VALIDATION_PASS: float = 0.998
UNFAMILIAR_QUANTILE: float = 0.99
# The bar the unfamiliar-source warning must clear, with each training origin held out in turn, before the app
# promises that it recognises other hospitals (issue 19): this share of the unseen origin's films flagged, with at
# most the second share of familiar films flagged.
UNFAMILIAR_FLAG_GOAL: float = 0.5
UNFAMILIAR_FALSE_LIMIT: float = 0.02
# Principal components kept for the feature-space distance.
GATE_FEATURE_COMPONENTS: int = 24
# A map with at least this share of its heat inside the lungs is described as looking mostly at the lungs (used
# only where the lungs' own area is unknown); with the area known, a map is said to sit on the lungs when its
# share inside them is at least this many times the lungs' share of the film (1.0 = what a random map gives).
LUNG_SHARE_MOSTLY_INSIDE: float = 0.6
LUNG_SHARE_CLEAR_ENRICHMENT: float = 1.5
# Method agreement: overlap of the hottest tenth of each map; below the first figure the methods are said to
# disagree, above the second to agree.
AGREEMENT_TOP_FRACTION: float = 0.1
AGREEMENT_LOW: float = 0.2
AGREEMENT_HIGH: float = 0.4
# A map of a class the model gives less than this probability is flagged: it explains an answer not given.
UNLIKELY_CLASS_PROBABILITY: float = 0.1

# --- Archive audit (model/audit, scripts/audit_archive.py) ---
# Files an audit of a folder picks up (plus files without a suffix: archives often store DICOM that way).
ARCHIVE_SUFFIXES: frozenset[str] = FILM_SUFFIXES
AUDIT_BATCH_SIZE: int = 32
# An audit keeps no film for viewing: each is decoded (or reduced right after decoding) to this longest side, four
# times the model's input, which keeps the input and the raster figures as from the full film (checked in tests).
AUDIT_WORKING_SIDE: int = 640
AUDIT_METHODS: tuple[str, ...] = ("gradcam",)
# Where an audit writes its rows (Parquet) and its overlay thumbnails, inside the --out folder.
AUDIT_ROWS_FOLDER: str = "rows"
AUDIT_THUMBNAILS_FOLDER: str = "thumbnails"
# The folder the Archive audit page opens first (the README's example writes there).
AUDIT_DEFAULT_OUT: Path = ARTIFACTS_DIR / "archive_audit"
# The object store a local (embedded) Ray gets: batches of 160-px inputs need little; Ray's default takes 30% of RAM.
AUDIT_LOCAL_OBJECT_STORE_BYTES: int = 1 << 30

# --- Dashboard analysis worker (model/serving/batching.py) ---
# How long the shared worker waits for simultaneous requests to join a batch, the largest batch, and how many
# finished analyses (film x method) it keeps for reuse across sessions (~0.25 MB each).
WORKER_WINDOW_S: float = 0.02
WORKER_MAX_BATCH: int = 32
WORKER_CACHE_ENTRIES: int = 256
# Background work (other methods, ahead of a switch) runs a few films at a time: Score-CAM and SmoothGrad multiply
# a batch by 16-20 copies, and TensorFlow keeps the memory of the largest batch it ever ran.
WORKER_MAX_BACKGROUND_BATCH: int = 2

# --- Localisation against radiologists (model/evaluation/localisation.py; evaluation only, never training) ---
# NIH's radiologist boxes (scaled to the 224-px films) and the adjudicated labels, inside the NIH adult folder.
BOXES_FILENAME: str = "boxes.csv"
RADIOLOGIST_LABELS_FILENAME: str = "radiologist_labels.csv"
BOX_FRAME_SIZE: int = 224
BOX_FINDING: str = "Pneumonia"
# The pointing game's tolerance around a box, in pixels of the 224-px frame (CheXlocalize-style leniency).
POINTING_TOLERANCE_PX: float = 8.0
# Right-for-the-right-reasons training (model/training/attention_penalty.py): epochs over which the penalty's
# weight rises from 0 to its final value.
ATTENTION_PENALTY_RAMP_EPOCHS: int = 5
# Margin around the lung fields inside which the penalty allows heat (fraction of the side).
ATTENTION_PENALTY_MARGIN: float = 0.02
# Background work the shared worker keeps waiting at most (requests, and bytes of the films they hold); the oldest
# background request is dropped first. A page waits at most this long for an analysis before it says to try again.
WORKER_MAX_BACKGROUND_REQUESTS: int = 64
# Foreground requests (someone is waiting for each) the queue holds at most: at ~0.2 s a film on two cores, the last
# of 256 waits about a minute; past that a new request is told at once that the server is busy, instead of queueing
# past the page's deadline while holding its film's memory.
WORKER_MAX_FOREGROUND_REQUESTS: int = 256
WORKER_MAX_BACKGROUND_BYTES: int = 128 * 1024 * 1024
PAGE_ANALYSIS_DEADLINE_S: float = 180.0
# The Archive audit page opens audit folders only under these roots: artifacts/ and any listed in $CXR_AUDIT_ROOTS
# (separated by the OS path separator), so the page cannot be pointed at arbitrary server paths.
AUDIT_ROOTS_ENV: str = "CXR_AUDIT_ROOTS"


def audit_roots() -> list[Path]:
    extra = [Path(p).expanduser() for p in os.environ.get(AUDIT_ROOTS_ENV, "").split(os.pathsep) if p.strip()]
    return [ARTIFACTS_DIR, *extra]


# Decoding guards (model/image_io/guards.py): a JPEG with more scans or a TIFF with more pages than this is refused
# before decoding; a Deflated DICOM may inflate to at most this many bytes.
MAX_JPEG_SCANS: int = 100
MAX_TIFF_PAGES: int = 64
# The page server decodes nothing itself (model/image_io/sandbox.py): each film is decoded in one of this many child
# processes, each under an address-space cap (the largest honest decode, a 7000-px RGBA PNG, peaks at 0.64 GB of
# address space in the child), a CPU-time budget per file (that PNG takes 4 s) and a wall-clock deadline after which
# the parent kills the child.
DECODE_WORKERS: int = 2
DECODE_MEMORY_BYTES: int = 2 * 1024**3
DECODE_CPU_SECONDS: int = 20
DECODE_DEADLINE_S: float = 30.0
# A GIF with more frames than this is refused before Pillow walks them (a chest film has one; 100,000 one-pixel
# frames fit in 1.4 MB).
MAX_GIF_FRAMES: int = 64
# Mean channel difference (0-255) above which a decoded picture is noted as converted from colour.
COLOUR_NOTE_THRESHOLD: float = 2.0
MAX_INFLATED_DICOM_BYTES: int = 512 * 1024 * 1024
# Mean channel difference (0-255) above which a picture is in colour and stopped by the gate whatever else it
# resembles: grey films, even as RGB JPEGs, stay near 0-2.
GATE_MAX_COLOURFULNESS: float = 6.0

# --- Where the dashboard's analysis runs (model/serving/analysis_process.py, model/serving/ray_serve.py) ---
# "process" (default): one child process of the page server holds the models; "thread": inside the page server (the
# in-process app tests, which change settings at run time); "serve" or "serve:APP": a Ray Serve deployment
# (scripts/serve_analysis.py) that several dashboard servers share, reached through the Ray cluster named by
# RAY_ADDRESS.
ANALYSIS_ENV: str = "CXR_ANALYSIS"
# A call into the analysis process that has not answered after this long is taken as hung: the child is killed and
# started again, its callers told to try again (the page itself gives up at PAGE_ANALYSIS_DEADLINE_S). The first
# call loads TensorFlow and the models (~10 s here).
ANALYSIS_CALL_TIMEOUT_S: float = 150.0
SERVE_APP_NAME: str = "cxr_analysis"


def analysis_backend() -> str:
    return os.environ.get(ANALYSIS_ENV, "").strip() or "process"


# --- Readings: a reader's own marks in a database (model/readings) ---
# The database: any SQLAlchemy URL in $CXR_DATABASE_URL (postgresql+psycopg://user@host:port/db, ...), else a
# SQLite file under artifacts/. Alembic migrations (model/readings/migrations) bring either to the current schema.
DATABASE_URL_ENV: str = "CXR_DATABASE_URL"
READINGS_SQLITE_PATH: Path = ARTIFACTS_DIR / "readings.sqlite3"
# How long a save waits for another session's transaction to finish before it says the database is busy.
DATABASE_BUSY_TIMEOUT_S: float = 15.0
# Behind an authenticating proxy, $CXR_READER_HEADER names the header in which it puts the signed-in user's name
# (e.g. X-Forwarded-User, X-Auth-Request-User, Remote-User); the reader is then that name and cannot be typed over.
# Off unless set: without a proxy in front, any browser could send the header and read as someone else.
READER_HEADER_ENV: str = "CXR_READER_HEADER"
READER_NAME_MAX_CHARS: int = 80
READING_NOTE_MAX_CHARS: int = 2000
# The findings a reader labels a mark with: id -> (label shown, SNOMED CT code, its meaning), in menu order.
FINDINGS: dict[str, tuple[str, str, str]] = {
    "opacity": ("Consolidation / opacity", "95436008", "Lung consolidation"),
    "effusion": ("Effusion", "60046008", "Pleural effusion"),
    "nodule": ("Nodule / mass", "27925004", "Nodule"),
    "covid": ("COVID-19 pattern", "840539006", "Disease caused by severe acute respiratory syndrome coronavirus 2"),
    "other": ("Other", "404684003", "Clinical finding"),
}
DEFAULT_FINDING: str = "opacity"
# Finding names other sources use (NIH's boxes.csv, imported CSVs), lower case -> a finding id above.
FINDING_ALIASES: dict[str, str] = {
    "pneumonia": "opacity",
    "consolidation": "opacity",
    "infiltrate": "opacity",
    "infiltration": "opacity",
    "opacity": "opacity",
    "effusion": "effusion",
    "pleural effusion": "effusion",
    "nodule": "nodule",
    "mass": "nodule",
    "covid": "covid",
    "covid-19": "covid",
    "other": "other",
    "cardiomegaly": "other",
    "pneumothorax": "other",
    "atelectasis": "other",
}
CONFIDENCE_LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5)
DEFAULT_CONFIDENCE: int = 3
# NIH's radiologists' boxes (boxes.csv) are preloaded as this read-only reader, and their films as this worklist.
NIH_READER_NAME: str = "NIH radiologists (boxes.csv)"
NIH_WORKLIST_NAME: str = "NIH boxed films"
# The class whose maps the reader scores judge, as the Explanation quality page (BOX_FINDING); a model without it
# is explained on its predicted class.
READER_SCORE_CLASS: str = BOX_FINDING
# How many films the Readers page lists where maps and readers disagree most.
READER_DISAGREEMENT_FILMS: int = 8
# Maps computed for reader scores, kept per model file, method and film (artifacts/, never committed).
# $CXR_READER_MAPS_DIR moves them (the tests use a fresh folder, so their maps are computed, not found).
READER_MAPS_ENV: str = "CXR_READER_MAPS_DIR"
READER_MAPS_BATCH: int = 16  # films handed to the model at once when reader maps are computed


def reader_maps_dir() -> Path:
    return Path(os.environ.get(READER_MAPS_ENV, "") or ARTIFACTS_DIR / "reader_maps")


# The CSV a department imports: its columns (film pixels), and the rows read at most.
READINGS_CSV_COLUMNS: tuple[str, ...] = ("image", "finding", "x", "y", "w", "h")
READINGS_IMPORT_MAX_ROWS: int = 1_000_000
READINGS_EXPORT_FORMATS: tuple[str, ...] = ("csv", "json", "sr")
# The procedure a reading reports, in the exported SR (SNOMED CT "Plain chest X-ray").
SR_PROCEDURE_CODE: tuple[str, str, str] = ("399208008", "SCT", "Plain chest X-ray")
SOFTWARE_NAME: str = "cxr-why"
SR_MANUFACTURER: str = f"{SOFTWARE_NAME} (research use, not for diagnosis)"
# DICOM UIDs this tool derives from its keys (model.provenance.derived_uid): pydicom's root for derived UIDs.
DERIVED_UID_ROOT: str = "1.2.826.0.1.3680043.8.498."
# Series numbers of a reading's exported SR and of the Secondary Capture of a non-DICOM film it references.
READING_SERIES_NUMBERS: dict[str, int] = {"capture": 900, "report": 901}
# The reader's confidence in the SR: "Certainty of Finding" (DCM 111012) in this unit (a UCUM annotation).
SR_CONFIDENCE_UNIT: tuple[str, str, str] = ("{score}", "UCUM", "Reader confidence, 1 (low) to 5 (high)")
# An imported CSV row whose finding is one of these reads its film as 'no finding' (x, y, w, h then ignored).
NO_FINDING_WORDS: tuple[str, ...] = ("no finding", "none", "normal")

# --- The PACS: DICOMweb in, DICOM results out (model/pacs) ---
# Where the PACS is and how to sign in: the password from the file $CXR_DICOMWEB_PASSWORD_FILE names, else from
# $CXR_DICOMWEB_PASSWORD; never shown, logged or written.
DICOMWEB_URL_ENV: str = "CXR_DICOMWEB_URL"
DICOMWEB_USER_ENV: str = "CXR_DICOMWEB_USER"
DICOMWEB_PASSWORD_ENV: str = "CXR_DICOMWEB_PASSWORD"
DICOMWEB_PASSWORD_FILE_ENV: str = "CXR_DICOMWEB_PASSWORD_FILE"
# Patient names appear on the PACS picker only where the operator sets this to 1.
DICOMWEB_SHOW_NAMES_ENV: str = "CXR_DICOMWEB_SHOW_PATIENT_NAMES"
# Seconds to connect and to wait for an answer; a GET that fails to connect or answers 502-504 is tried again this
# many times, waiting 0.5 s, 1 s, 2 s ... between tries.
DICOMWEB_TIMEOUT_S: tuple[float, float] = (5.0, 60.0)
DICOMWEB_RETRIES: int = 3
DICOMWEB_BACKOFF_S: float = 0.5
# The most bytes one answer may hold: a search or metadata answer, a rendered thumbnail; an instance is bounded by
# MAX_UPLOAD_BYTES like an upload.
DICOMWEB_MAX_JSON_BYTES: int = 20 * 1024 * 1024
DICOMWEB_MAX_THUMBNAIL_BYTES: int = 4 * 1024 * 1024
DICOMWEB_THUMBNAIL_PX: int = 160
DICOMWEB_MAX_THUMBNAILS: int = 12  # instances of a series the PACS picker shows at once
# Rows a search shows at most (QIDO limit), and instances fetched at once by one audit task.
DICOMWEB_SEARCH_LIMIT: int = 200
DICOMWEB_FETCH_CONCURRENCY: int = 4
# Image SOP classes an audit answers (projection radiographs and captures); any other class in a study (SR,
# presentation states, CT/MR) becomes a row that says what it is, and is not fetched.
PACS_IMAGE_SOP_CLASSES: dict[str, str] = {
    "1.2.840.10008.5.1.4.1.1.1": "Computed Radiography",
    "1.2.840.10008.5.1.4.1.1.1.1": "Digital X-Ray (presentation)",
    "1.2.840.10008.5.1.4.1.1.1.1.1": "Digital X-Ray (processing)",
    "1.2.840.10008.5.1.4.1.1.7": "Secondary Capture",
    "1.2.840.10008.5.1.4.1.1.7.2": "Multi-frame Grayscale Byte Secondary Capture",
    "1.2.840.10008.5.1.4.1.1.7.3": "Multi-frame Grayscale Word Secondary Capture",
}
# What this tool writes back into a study: series numbers and descriptions (the series it adds are recognisable and
# never audited again as films).
RESULT_SERIES_NUMBERS: dict[str, int] = {"capture": 9001, "report": 9002}
RESULT_SERIES_DESCRIPTION: str = "cxr-why results (research use, not for diagnosis)"
RESULT_BURNT_IN_TEXT: str = "RESEARCH USE - NOT FOR DIAGNOSIS"
# The SR's region: the connected area around the map's peak where the heat is at least this share of the peak.
HOTTEST_REGION_SHARE: float = 0.8
# This tool's own coding scheme, for what SNOMED CT and DICOM have no code for (probabilities, the answer, the map).
SR_PRIVATE_SCHEME: str = "99CXRWHY"
# Films explained at once when results are written back after a PACS audit.
WRITE_BACK_BATCH: int = 16
# Local Orthanc for tests and the demo (scripts/dev.sh pacs): Debian's orthanc and orthanc-dicomweb.
ORTHANC_BINARY: str = "/usr/sbin/Orthanc"
ORTHANC_DICOMWEB_PLUGIN: str = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"
