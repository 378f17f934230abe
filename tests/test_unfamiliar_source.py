"""The held-out-origin measure of the unfamiliar-source warning, on synthetic feature clouds."""

from __future__ import annotations

import numpy as np

from model.gate.calibration import fit_feature_space
from model.gate.unfamiliar import held_out_source_rates, recognises_unseen_sources


def _clouds(rng: np.random.Generator, n: int, centres: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    features = np.concatenate([rng.normal(centre, 1.0, size=(n, centre.size)) for centre in centres.values()])
    origins = np.repeat(np.array(list(centres)), n)
    return features, origins


def test_a_distant_origin_held_out_is_flagged_and_a_lookalike_is_not():
    dims = 12
    centres = {
        "near_a": np.zeros(dims),
        "near_b": np.full(dims, 0.15),  # indistinguishable from near_a: a new hospital that looks like a known one
        "far": np.full(dims, 6.0),
    }
    rng = np.random.default_rng(0)
    fit, validation, test = (_clouds(rng, n, centres) for n in (300, 200, 200))
    rates = held_out_source_rates(fit_feature_space, 8, 0.99, fit, validation, test)

    assert rates["far"]["unseen_flagged"] > 0.95
    assert rates["near_b"]["unseen_flagged"] < 0.2
    for origin in centres:
        assert rates[origin]["familiar_flagged"] < 0.05
    assert rates["mean"]["n"] == 600
    # One origin in three recognised is not the bar for promising the warning.
    assert not recognises_unseen_sources(rates, flag_goal=0.5, false_limit=0.02)
    assert recognises_unseen_sources({"mean": {"unseen_flagged": 0.8, "familiar_flagged": 0.01}}, 0.5, 0.02)
