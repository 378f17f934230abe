"""The model card is generated from the JSON files, and every number in it appears in one of them."""

from __future__ import annotations

import json
import re

import pytest

from model import config
from model.evaluation.model_card import REFERENCES_HEADING, CardSources, render_card

SOURCES = (
    config.METRICS_PATH,
    config.EXPERIMENTS_PATH,
    config.EXPLANATION_QUALITY_PATH,
    config.INPUT_GATE_PATH,
    config.ABNORMALITY_HEAD_PATH,
    config.DATASET_STATS_PATH,
    config.SEGMENTER_METRICS_PATH,
)
# Words, not figures: the confidence level of every interval.
ALLOWED_TOKENS = {"95%"}
NUMBER = re.compile(r"(?<![\w.`/-])(\d[\d,]*(?:\.\d+)?)(%?)(?![\w`])")


def json_numbers(value) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in json_numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in json_numbers(v)]
    if isinstance(value, str):  # figures inside recorded sentences (the rule's weights, counts in descriptions)
        return [float(t.replace(",", "")) for t in re.findall(r"\d[\d,]*(?:\.\d+)?", value)]
    return []


def appears(token: str, percent: bool, numbers: list[float]) -> bool:
    value = float(token.replace(",", ""))
    digits = len(token.split(".")[1]) if "." in token else 0
    scale = 100.0 if percent else 1.0
    tolerance = 0.5 * 10**-digits + 1e-9
    return any(abs(n * scale - value) <= tolerance or abs(n - value) <= tolerance for n in numbers)


@pytest.mark.skipif(not all(p.is_file() for p in SOURCES), reason="the shipped JSON files are not all present")
def test_every_number_in_the_card_appears_in_a_json_file():
    numbers = [n for path in SOURCES for n in json_numbers(json.loads(path.read_text()))]
    card = render_card(CardSources.read()).split(REFERENCES_HEADING)[0]
    card = re.sub(r"`[^`]*`", "", card)  # names of files, variants and layers are not figures
    missing = [
        match.group(0)
        for match in NUMBER.finditer(card)
        if match.group(0) not in ALLOWED_TOKENS and not appears(match.group(1), bool(match.group(2)), numbers)
    ]
    assert not missing, f"figures in the card that no JSON file holds: {missing}"


def test_the_shipped_card_is_the_generated_one():
    if not all(p.is_file() for p in SOURCES):
        pytest.skip("the shipped JSON files are not all present")
    assert config.MODEL_CARD_PATH.read_text() == render_card(CardSources.read()), (
        "assets/MODEL_CARD.md is stale: run `python scripts/write_model_card.py`"
    )
