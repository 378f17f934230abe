"""Add a model to the registry: checks, then its folder written whole or not at all, then its figures.

A refused model leaves nothing in assets/models/: everything is written in a staging folder beside the registry and
renamed into place only when the checks and the card are done.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from model import config
from model.provenance import sha256_of
from model.registry.admission import ModelRefused, admit
from model.registry.card import ModelCard, write_card
from model.registry.store import RegisteredModel


def _staging(model_id: str) -> Path:
    return config.MODELS_DIR / f".incoming-{model_id}-{os.getpid()}"


def register(
    source: Path,
    card: ModelCard,
    *,
    replace: bool = False,
    figures: bool = True,
    log: Callable[[str], None] = print,
) -> RegisteredModel:
    """Check `source` against `card`, write assets/models/<id>/ and, with `figures`, its metrics and explanation
    audit where the shared data can label its classes. Raises ModelRefused (nothing written)."""
    target = config.model_dir(card.id)
    if target.exists() and not replace:
        raise ModelRefused(f"A model {card.id!r} is already registered; choose another --id or pass --replace.")
    network, card, write = ADMISSIONS[card.model_format](Path(source), card, log)
    staging = _staging(card.id)
    try:
        staging.mkdir(parents=True)
        write(staging / card.file_name)
        card = card.with_hash(sha256_of(staging / card.file_name))
        write_card(card, staging / config.MODEL_CARD_FILENAME)
        entry = RegisteredModel(card, staging / card.file_name, staging)
        log(
            f"{card.id}: checks passed ({len(card.classes)} classes, {card.input_size} px, {card.channels} channel(s))."
        )
        if card.model_format == "keras":  # an ONNX model's fast runtime is ONNX Runtime itself
            _export_lite(network, staging, log)
        if figures:
            _figures(entry, network, staging, log)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RegisteredModel(card, target / card.file_name, target)


def _admit_keras(source: Path, card: ModelCard, log: Callable[[str], None]):
    return admit(source, card), card, lambda target: shutil.copyfile(source, target)


def _admit_onnx(source: Path, card: ModelCard, log: Callable[[str], None]):
    """The file is written whole (external data inlined), so its SHA-256 covers every weight."""
    import onnx

    from model.registry.onnx_admission import admit_onnx

    network, card, proto = admit_onnx(source, card, log)
    return network, card, lambda target: onnx.save(proto, str(target))


# One admission per file format (config.MODEL_FILENAMES): (network, card as admitted, writer of the registry file).
ADMISSIONS: dict[str, Callable] = {"keras": _admit_keras, "onnx": _admit_onnx}


def _export_lite(network, folder: Path, log: Callable[[str], None]) -> None:
    from model.lite import lite_available
    from model.lite_export import export_classifier

    if not lite_available():
        log("LiteRT export skipped: ai-edge-litert is not installed.")
        return
    try:
        difference = export_classifier(network, folder / config.LITE_FILENAME)
        log(f"LiteRT export written (largest difference from Keras {difference:.1e}).")
    except Exception as error:  # the export is a convenience: its failure does not refuse the model
        log(f"LiteRT export skipped: {type(error).__name__}: {str(error)[:160]}.")


def _abnormality_head(entry: RegisteredModel, folder: Path, log: Callable[[str], None]) -> None:
    """The sick-or-healthy head on the model's own features, where it has the feature layer the head reads."""
    import json

    from model.lungs import optional_segmenter
    from model.registry.classifier import load_registered
    from model.training.abnormality_fit import fit_and_measure

    classifier = load_registered(entry)
    if not classifier.has_feature_layer:
        log(f"Abnormality output skipped: the network has no '{config.FEATURE_LAYER}' layer to read features from.")
        return
    log("Fitting the abnormality output on the model's features…")
    document = fit_and_measure(classifier, optional_segmenter())
    (folder / config.ABNORMALITY_HEAD_FILENAME).write_text(json.dumps(document, indent=1))


def _figures(entry: RegisteredModel, network, folder: Path, log: Callable[[str], None]) -> None:
    """Metrics and the explanation audit where the classes are the shared data's; otherwise say what was skipped."""
    import json

    card = entry.card
    if card.label_set is None:
        log(
            f"Metrics and explanation audit skipped: the classes ({', '.join(card.classes)}) are neither the shared "
            f"data's labels ({', '.join(config.CLASS_NAMES)}) nor Normal/Abnormal, so no film can be scored against "
            "them."
        )
        return
    if not config.image_cache_path().is_file():
        log(
            f"Metrics and explanation audit skipped: {config.image_cache_path()} is missing "
            "(run scripts/prepare_data.py)."
        )
        return
    if card.label_set == "normal_abnormal":
        from model.evaluation.sick_healthy import sick_healthy_report
        from model.lungs import optional_segmenter

        log("Scoring sick against healthy on the test split and the other hospitals' films…")
        report = sick_healthy_report(entry, optional_segmenter())
        (folder / config.SICK_HEALTHY_FILENAME).write_text(json.dumps(report, indent=1))
        log("Explanation audit skipped: it explains the three classes of the data (and Pneumonia for the boxes).")
        return
    from model.evaluation.report import evaluate, write_metrics

    log("Computing metrics on the test split (a few minutes)…")
    write_metrics(evaluate(entry), folder / config.METRICS_FILENAME)
    _abnormality_head(entry, folder, log)
    if not card.is_project_shape:
        log(
            f"Explanation audit skipped: it runs on {config.IMAGE_SIZE}-px grey models (the lung masks' and the "
            "radiologists' boxes' frame)."
        )
        return
    from model.evaluation.explanation_audit import model_audit
    from model.lungs import optional_segmenter

    log("Running the explanation audit (several minutes)…")
    report = model_audit(entry, optional_segmenter())
    (folder / config.EXPLANATION_QUALITY_FILENAME).write_text(json.dumps(report, indent=1))
