"""THE RULE that chooses the variant to ship, from validation figures only; its words are saved with the figures.

Round 1-2 rule (for the variants recorded before): 0.35 NIH balanced accuracy + 0.35 (1 - probe above chance)
+ 0.30 balanced accuracy, macro-F1 floor 0.85. Round 3: RULE_TEXT below.
"""

from __future__ import annotations

RULE_WEIGHTS: dict[str, float] = {
    "nih_val_balanced_accuracy": 0.30,
    "val_median_lung_share": 0.30,
    "probe_val_not_above_chance": 0.20,
    "val_balanced_accuracy": 0.20,
}
MIN_VALIDATION_MACRO_F1: float = 0.80
MIN_VALIDATION_LUNG_SHARE: float = 0.50
RULE_ROUND: int = 3
# The rule in words, as experiments.json, the model card and the Evaluation page show it.
RULE_TEXT: str = """\
The rule, round 3 (written and committed before any round-3 variant was scored on `external/` or the
radiologists' boxes, and never changed after):
    A variant can be chosen only if its validation macro-F1 is at least 0.80 and the median share
    of its Grad-CAM heat (predicted class) inside the segmenter's lungs on the validation split is at least 0.50.
    score = 0.30 * adult-NIH validation balanced accuracy   (Normal and Pneumonia recall, 3-class decisions)
          + 0.30 * validation median Grad-CAM lung share
          + 0.20 * (1 - validation source-probe accuracy above chance)
          + 0.20 * validation balanced accuracy over every source
Round 3 adds the lung share because a model that looks off the lungs explains nothing a radiologist can check;
the adult NIH patients and the probe stand in for other hospitals. External figures and the radiologists' boxes
are computed for every variant and reported beside the choice, never used to make it."""


def rule_score(record: dict[str, object]) -> float | None:
    """THE RULE (module docstring): validation figures only. None = not eligible or not measured."""
    val = record["validation"]
    attention = record.get("validation_attention")
    if attention is None or val["macro_f1"] < MIN_VALIDATION_MACRO_F1:
        return None
    if attention["median_lung_share"] < MIN_VALIDATION_LUNG_SHARE:
        return None
    parts = {
        "nih_val_balanced_accuracy": val["adult_nih"]["balanced_accuracy"],
        "val_median_lung_share": attention["median_lung_share"],
        "probe_val_not_above_chance": 1.0 - max(val["source_probe"]["above_chance"], 0.0),
        "val_balanced_accuracy": val["balanced_accuracy"],
    }
    return float(sum(RULE_WEIGHTS[k] * v for k, v in parts.items()))


def rule_gap(record: dict[str, object]) -> str | None:
    """Why a variant has no rule score, in words (None when it has one)."""
    if record.get("validation_attention") is None:
        return "not measured: its lung share was never computed (model file not kept)"
    if record["validation"]["macro_f1"] < MIN_VALIDATION_MACRO_F1:
        return f"validation macro-F1 below {MIN_VALIDATION_MACRO_F1:.2f}"
    if record["validation_attention"]["median_lung_share"] < MIN_VALIDATION_LUNG_SHARE:
        return f"validation lung share below {MIN_VALIDATION_LUNG_SHARE:.2f}"
    return None


def choose(document: dict[str, object]) -> str:
    """The variant with the highest rule score (ties: the simpler, earlier variant)."""
    scored = [(rec["rule_score"], name) for name, rec in document["variants"].items() if rec["rule_score"] is not None]
    if not scored:
        raise ValueError("No variant passes the rule's floors (validation macro-F1 and lung share).")
    return max(scored, key=lambda pair: (pair[0], -list(document["variants"]).index(pair[1])))[1]
