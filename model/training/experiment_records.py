"""Where every trained variant's figures are kept: assets/experiments.json, each record judged by the rule in force;
seed repeats kept apart, where the rule never reads them."""

from __future__ import annotations

import json
from pathlib import Path

from model import config
from model.training.rule import RULE_ROUND, RULE_TEXT, rule_gap, rule_score


def save_seed_repeat(record: dict[str, object], path: Path = config.EXPERIMENTS_PATH) -> dict[str, object]:
    """A variant trained again from another random start: kept apart from the candidates (the rule never reads
    it), to show how far every figure moves by chance alone."""
    document = json.loads(path.read_text()) if path.is_file() else {}
    document.setdefault("seed_repeats", {})[record["variant"]] = record
    path.write_text(json.dumps(document, indent=1))
    return document


def save_record(record: dict[str, object], path: Path = config.EXPERIMENTS_PATH) -> dict[str, object]:
    document = json.loads(path.read_text()) if path.is_file() else {}
    document["rule"] = RULE_TEXT
    document["rule_round"] = RULE_ROUND
    document.setdefault("variants", {})[record["variant"]] = record
    for other in document["variants"].values():  # every record judged by the rule in force
        if other.get("rule_round") != RULE_ROUND and "previous_rule_score" not in other:
            other["previous_rule_score"] = other.get("rule_score")
        other["rule_score"] = rule_score(other)
        other["rule_score_missing_because"] = rule_gap(other)
    path.write_text(json.dumps(document, indent=1))
    return document
