"""The written rule over recorded variants: floors, weights, the choice, and seed repeats kept out of it."""

from __future__ import annotations

import json

import pytest

from model.training.experiment_records import save_record, save_seed_repeat
from model.training.rule import RULE_TEXT, choose, rule_gap


def _record(name: str, macro_f1: float, lung_share: float, nih: float, probe: float, balanced: float) -> dict:
    return {
        "variant": name,
        "validation": {
            "macro_f1": macro_f1,
            "balanced_accuracy": balanced,
            "adult_nih": {"balanced_accuracy": nih},
            "source_probe": {"above_chance": probe},
        },
        "validation_attention": {"median_lung_share": lung_share},
    }


def test_the_rule_scores_floors_and_chooses_from_validation_figures_only(tmp_path):
    path = tmp_path / "experiments.json"
    save_record(_record("looks_off_lungs", 0.90, 0.40, 0.9, 0.1, 0.9), path)
    save_record(_record("weak", 0.70, 0.90, 0.9, 0.1, 0.9), path)
    save_record(_record("good", 0.85, 0.90, 0.70, 0.50, 0.80), path)
    document = save_record(_record("better", 0.85, 0.95, 0.75, 0.40, 0.82), path)
    variants = document["variants"]
    assert variants["looks_off_lungs"]["rule_score"] is None and "lung share" in rule_gap(variants["looks_off_lungs"])
    assert variants["weak"]["rule_score"] is None and "macro-F1" in variants["weak"]["rule_score_missing_because"]
    assert variants["good"]["rule_score"] == pytest.approx(0.30 * 0.70 + 0.30 * 0.90 + 0.20 * 0.50 + 0.20 * 0.80)
    assert choose(document) == "better"
    assert json.loads(path.read_text())["rule"] == RULE_TEXT


def test_a_seed_repeat_is_recorded_apart_and_never_chosen(tmp_path):
    path = tmp_path / "experiments.json"
    save_record(_record("f3", 0.85, 0.90, 0.70, 0.50, 0.80), path)
    document = save_seed_repeat(_record("f3@seed2", 0.95, 0.99, 0.99, 0.0, 0.99), path)
    assert set(document["variants"]) == {"f3"} and set(document["seed_repeats"]) == {"f3@seed2"}
    assert choose(document) == "f3"
    document = save_record(_record("g3", 0.85, 0.80, 0.60, 0.50, 0.80), path)
    assert "f3@seed2" in document["seed_repeats"], "a later candidate keeps the repeats"
