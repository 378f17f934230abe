"""How well the unfamiliar-source warning would recognise a hospital it has never seen, measured honestly.

The warning fires when a film's features lie far from every training origin. Whether that recognises a new
hospital cannot be read off films of the hospitals it was fitted on, and tuning it on the external films would
make their figures meaningless. So each training origin is held out in turn: the feature space is fitted on the
others, the threshold set on their validation films exactly as the shipped warning's, and the held-out origin's
test films play the unseen hospital. The shipped warning is used only if it flags most of an unseen origin while
flagging few familiar films; otherwise the page says it cannot recognise other hospitals.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from model.gate.gate import FeatureSpace

FitSpace = Callable[[np.ndarray, np.ndarray, int], FeatureSpace]


def held_out_source_rates(
    fit_space: FitSpace,
    components: int,
    quantile: float,
    fit: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
) -> dict[str, dict[str, float]]:
    """Per held-out origin: the share of its test films flagged, and of the other origins' test films.

    Each pair is (features (N, F), origins (N,)). Returns {origin: {"n", "unseen_flagged", "familiar_flagged"}}
    and "mean" over the held-out origins.
    """
    fit_features, fit_origins = fit
    val_features, val_origins = validation
    test_features, test_origins = test
    out: dict[str, dict[str, float]] = {}
    for held in sorted(set(fit_origins)):
        keep = fit_origins != held
        if len(set(fit_origins[keep])) == 0:
            continue
        space = fit_space(fit_features[keep], fit_origins[keep], components)
        threshold = float(np.quantile(space.distances(val_features[val_origins != held]), quantile))
        flagged = space.distances(test_features) > threshold
        unseen = test_origins == held
        if not unseen.any() or unseen.all():
            continue
        out[str(held)] = {
            "n": int(unseen.sum()),
            "unseen_flagged": float(flagged[unseen].mean()),
            "familiar_flagged": float(flagged[~unseen].mean()),
        }
    if out:
        out["mean"] = {
            "n": int(sum(v["n"] for v in out.values())),
            "unseen_flagged": float(np.mean([v["unseen_flagged"] for v in out.values()])),
            "familiar_flagged": float(np.mean([v["familiar_flagged"] for v in out.values()])),
        }
    return out


def recognises_unseen_sources(rates: dict[str, dict[str, float]], flag_goal: float, false_limit: float) -> bool:
    """The bar for promising the warning: most of an unseen origin flagged, few familiar films, on average."""
    mean = rates.get("mean")
    return bool(mean) and mean["unseen_flagged"] >= flag_goal and mean["familiar_flagged"] <= false_limit
