"""Source-invariant training: train each variant on the same split, measure, and choose the one to ship by a rule.

THE RULE (written before any variant was scored on `external/`, and never changed after):
    score = 0.35 * adult-NIH validation balanced accuracy   (Normal and Pneumonia recall, 3-class decisions)
          + 0.35 * (1 - validation source-probe accuracy above chance)
          + 0.30 * validation balanced accuracy over every source
    A variant whose validation macro-F1 is below MIN_VALIDATION_MACRO_F1 cannot be chosen.
The adult NIH validation patients and the source probe weigh most because they stand in for other hospitals.
External figures are computed for every variant and reported beside the choice, never used to make it.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model import config
from model.data.dataset import SplitArrays, load_split
from model.data.manifest import SOURCE_NIH
from model.evaluation.generalisation import (
    adult_nih_figures,
    by_age_group,
    external_figures,
    external_labels,
    load_external_inputs,
    load_external_table,
)
from model.evaluation.metrics import summarise
from model.input_recipe import PLAIN, InputRecipe, apply_recipe, lung_focus_masks, save_recipe
from model.lungs import predict_lung_masks

RULE_WEIGHTS: dict[str, float] = {
    "nih_val_balanced_accuracy": 0.35,
    "probe_val_not_above_chance": 0.35,
    "val_balanced_accuracy": 0.30,
}
MIN_VALIDATION_MACRO_F1: float = 0.85
EXPERIMENTS_DIR: Path = config.CACHE_DIR / "experiments"


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    recipe: InputRecipe = PLAIN
    augmentation: str = "standard"
    label_smoothing: float = config.LABEL_SMOOTHING
    source_adversary: float = 0.0  # gradient-reversal weight of the source head; 0 = no adversary
    max_epochs: int = config.EXPERIMENT_MAX_EPOCHS
    per_class: int = config.EXPERIMENT_IMAGES_PER_CLASS
    patience: int = config.EXPERIMENT_PATIENCE

    def settings(self) -> dict[str, object]:
        return {
            "input": self.recipe.to_json(),
            "augmentation": self.augmentation,
            "label_smoothing": self.label_smoothing,
            "source_adversary": self.source_adversary,
            "epochs_max": self.max_epochs,
            "early_stopping_patience": self.patience,
            "images_per_class_per_epoch": self.per_class,
            "sampling": "balanced per class, and per source within a class",
        }


# Round two: the schedule of round one stopped while validation was still rising (best epochs 11-14 of 14).
LONG = {
    "max_epochs": config.EXPERIMENT_LONG_EPOCHS,
    "per_class": config.EXPERIMENT_LONG_IMAGES_PER_CLASS,
    "patience": config.EXPERIMENT_LONG_PATIENCE,
}


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("a_baseline", "Today's recipe on the new data (adult NIH films in training): the honest baseline."),
        Variant(
            "b_lung_focus",
            "Lung-focused input: CLAHE, then only the segmenter's lung fields with a margin "
            "(a safe box where the mask is implausible).",
            recipe=InputRecipe(clahe=True, lung_focus=True),
        ),
        Variant(
            "c_acquisition",
            "Acquisition-style augmentation: resolution down-up, noise, blur, JPEG, tone curves, "
            "collimation bands, burned-in markers.",
            augmentation="acquisition",
        ),
        Variant(
            "d_lung_focus_acquisition",
            "Lung-focused input and acquisition-style augmentation together, with "
            "stronger label smoothing for the noisy NIH labels.",
            recipe=InputRecipe(clahe=True, lung_focus=True),
            augmentation="acquisition",
            label_smoothing=0.1,
        ),
        Variant("a2_baseline_long", "Variant a on the longer schedule.", **LONG),
        Variant(
            "b2_lung_focus_long",
            "Variant b (CLAHE, lung fields only) on the longer schedule.",
            recipe=InputRecipe(clahe=True, lung_focus=True),
            **LONG,
        ),
        Variant(
            "c2_acquisition_long",
            "Variant c (acquisition augmentation) on the longer schedule.",
            augmentation="acquisition",
            **LONG,
        ),
        Variant(
            "e2_source_adversary_long",
            "A gradient-reversal head that tries to tell the origin of Normal and Pneumonia films, pushing the "
            "features to forget it; acquisition augmentation; longer schedule.",
            augmentation="acquisition",
            source_adversary=0.3,
            **LONG,
        ),
    )
}


@dataclass
class PreparedData:
    train: SplitArrays
    val: SplitArrays
    test: SplitArrays
    external_table: object = None
    external_inputs: np.ndarray | None = None
    masks: dict[str, np.ndarray] = field(default_factory=dict)


def prepare(external_dir: Path | None) -> PreparedData:
    from model.lungs import load_segmenter

    data = PreparedData(
        load_split("train"), load_split("val", representatives_only=True), load_split("test", representatives_only=True)
    )
    if external_dir is not None and external_dir.is_dir():
        data.external_table = load_external_table(external_dir)
        data.external_inputs = load_external_inputs(data.external_table)
    segmenter = load_segmenter()
    for name, arrays in (("train", data.train), ("val", data.val), ("test", data.test)):
        data.masks[name] = predict_lung_masks(segmenter, arrays.images)
    if data.external_inputs is not None:
        data.masks["external"] = predict_lung_masks(segmenter, data.external_inputs)
    return data


def _with_recipe(arrays: SplitArrays, recipe: InputRecipe, masks: np.ndarray) -> SplitArrays:
    return SplitArrays(apply_recipe(recipe, arrays.images, masks), arrays.labels, arrays.table)


def nih_balanced_accuracy(table, labels: np.ndarray, probabilities: np.ndarray) -> float:
    nih = adult_nih_figures(table, labels, probabilities)
    return nih["balanced_accuracy"] if nih and nih["balanced_accuracy"] is not None else 0.0


def figures(model, arrays: SplitArrays, with_probe: bool) -> dict[str, object]:
    from model.evaluation.source_probe import source_probe
    from model.inference import predict_probabilities

    probabilities = predict_probabilities(model, arrays.images)
    summary = summarise(arrays.labels, probabilities, with_bootstrap=False)
    result = {
        "n": int(len(arrays.labels)),
        "accuracy": summary["accuracy"],
        "macro_f1": summary["macro_f1"],
        "balanced_accuracy": float(np.mean([c["sensitivity"] for c in summary["per_class"].values()])),
        "per_class": summary["per_class"],
        "confusion_matrix": summary["confusion_matrix"],
        "adult_nih": adult_nih_figures(arrays.table, arrays.labels, probabilities),
        "by_age_group": {
            g: {"n": v["n"], "accuracy": v["accuracy"], "macro_f1": v["macro_f1"]}
            for g, v in by_age_group(arrays.table, arrays.labels, probabilities).items()
        },
    }
    old_sources = (arrays.table["source"] != SOURCE_NIH).to_numpy()
    result["without_nih_macro_f1"] = summarise(
        arrays.labels[old_sources], probabilities[old_sources], with_bootstrap=False
    )["macro_f1"]
    if with_probe:
        result["source_probe"] = source_probe(model, arrays.images, arrays.table)
    return result


def rule_score(record: dict[str, object]) -> float | None:
    """THE RULE (module docstring): validation figures only."""
    val = record["validation"]
    if val["macro_f1"] < MIN_VALIDATION_MACRO_F1:
        return None
    parts = {
        "nih_val_balanced_accuracy": val["adult_nih"]["balanced_accuracy"],
        "probe_val_not_above_chance": 1.0 - max(val["source_probe"]["above_chance"], 0.0),
        "val_balanced_accuracy": val["balanced_accuracy"],
    }
    return float(sum(RULE_WEIGHTS[k] * v for k, v in parts.items()))


def run_variant(variant: Variant, data: PreparedData, log=print) -> dict[str, object]:
    from model.inference import predict_probabilities
    from model.training.loop import train

    train_data = _with_recipe(data.train, variant.recipe, data.masks["train"])
    val_data = _with_recipe(data.val, variant.recipe, data.masks["val"])
    test_data = _with_recipe(data.test, variant.recipe, data.masks["test"])

    def selection(labels: np.ndarray, probabilities: np.ndarray) -> float:
        from model.training.loop import balanced_accuracy

        overall = balanced_accuracy(labels, probabilities.argmax(1), len(config.CLASS_NAMES))
        return 0.5 * overall + 0.5 * nih_balanced_accuracy(val_data.table, labels, probabilities)

    EXPERIMENTS_DIR.mkdir(parents=True, exist_ok=True)
    model_path = EXPERIMENTS_DIR / f"{variant.name}.keras"
    started = time.perf_counter()
    result = train(
        train_data,
        val_data,
        max_epochs=variant.max_epochs,
        per_class=variant.per_class,
        patience=variant.patience,
        source_adversary=variant.source_adversary,
        log=log,
        checkpoint=model_path,
        augmentation=variant.augmentation,
        label_smoothing=variant.label_smoothing,
        selection_score=selection,
    )
    seconds = time.perf_counter() - started
    result.model.save(model_path)
    (EXPERIMENTS_DIR / f"{variant.name}.history.json").write_text(
        json.dumps(
            {"best_epoch": result.best_epoch, "seconds": round(result.seconds, 1), "epochs": result.history}, indent=1
        )
    )

    record: dict[str, object] = {
        "variant": variant.name,
        "description": variant.description,
        "settings": variant.settings(),
        "training_minutes": round(seconds / 60, 1),
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history),
        "validation": figures(result.model, val_data, with_probe=True),
        "test": figures(result.model, test_data, with_probe=True),
    }
    if data.external_inputs is not None:
        external_inputs = apply_recipe(variant.recipe, data.external_inputs, data.masks["external"])
        labels = external_labels(data.external_table)
        record["external"] = external_figures(
            data.external_table, labels, predict_probabilities(result.model, external_inputs)
        )
    if variant.recipe.lung_focus:
        record["lung_mask_fallback_share"] = {
            split: float(lung_focus_masks(masks)[1].mean()) for split, masks in data.masks.items()
        }
    record["rule_score"] = rule_score(record)
    return record


def save_record(record: dict[str, object], path: Path = config.EXPERIMENTS_PATH) -> dict[str, object]:
    document = json.loads(path.read_text()) if path.is_file() else {}
    document.setdefault("rule", __doc__.split("THE RULE")[1].split("External figures")[0].strip())
    document.setdefault("variants", {})[record["variant"]] = record
    path.write_text(json.dumps(document, indent=1))
    return document


def rescore_external(document: dict[str, object], external_dir: Path, path: Path = config.EXPERIMENTS_PATH) -> None:
    """Recompute every recorded variant's external figures from its saved model (new figures, same films).

    Reporting only: the choice reads validation figures, never these.
    """
    from model.inference import load_classifier, predict_probabilities
    from model.lungs import load_segmenter

    table = load_external_table(external_dir)
    inputs = load_external_inputs(table)
    masks = predict_lung_masks(load_segmenter(), inputs)
    labels = external_labels(table)
    for name, record in document["variants"].items():
        model_path = EXPERIMENTS_DIR / f"{name}.keras"
        if name not in VARIANTS or not model_path.is_file():
            continue
        model = load_classifier(model_path)
        probabilities = predict_probabilities(model, apply_recipe(VARIANTS[name].recipe, inputs, masks))
        record["external"] = external_figures(table, labels, probabilities)
    path.write_text(json.dumps(document, indent=1))


def choose(document: dict[str, object]) -> str:
    """The variant with the highest rule score (ties: the simpler, earlier variant)."""
    scored = [(rec["rule_score"], name) for name, rec in document["variants"].items() if rec["rule_score"] is not None]
    if not scored:
        raise ValueError("No variant passes the validation macro-F1 floor.")
    return max(scored, key=lambda pair: (pair[0], -list(document["variants"]).index(pair[1])))[1]


def ship(name: str, document: dict[str, object], path: Path = config.EXPERIMENTS_PATH) -> None:
    """Copy the chosen variant's model, recipe and history into assets/ and record the choice."""
    source = EXPERIMENTS_DIR / f"{name}.keras"
    shutil.copyfile(source, config.MODEL_PATH)
    shutil.copyfile(EXPERIMENTS_DIR / f"{name}.history.json", config.HISTORY_PATH)
    save_recipe(VARIANTS[name].recipe, name)
    document["shipped"] = name
    path.write_text(json.dumps(document, indent=1))
