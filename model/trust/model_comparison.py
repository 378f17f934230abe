"""Words for where models shown the same film differ: the Compare models page and the teaching round read them."""

from __future__ import annotations

from dataclasses import dataclass

from model import config
from model.trust.wording import Level, Verdict


@dataclass(frozen=True)
class ModelView:
    """What one model says and where it looks on one film, as the model comparison words it."""

    name: str
    label: str | None  # the predicted class; None when the model gave no answer
    lung_share: float | None
    peak_in_lungs: bool | None


def models_disagreement(views: list[ModelView], map_overlap: dict[str, float] | None = None) -> list[Verdict]:
    """Where models shown the same film differ, each difference said once: the answer, where the heat sits, and
    how much their hottest regions overlap. An empty list never: agreement is said too."""
    said: list[Verdict] = []
    answered = [v for v in views if v.label is not None]
    labels = {v.label for v in answered}
    if len(labels) > 1:
        parts = "; ".join(f"{v.name}: {v.label}" for v in answered)
        said.append(Verdict("caution", f"The models give different answers ({parts}).", "predicted classes"))
    elif answered:
        said.append(Verdict("good", f"The models agree on the answer: {answered[0].label}.", "predicted classes"))
    outside = [v.name for v in views if v.peak_in_lungs is False]
    if outside:
        said.append(
            Verdict(
                "bad",
                f"Hottest point outside the lungs for {', '.join(outside)}: that model is looking at something other "
                "than the lungs on this film.",
                "peak position against the lung fields",
            )
        )
    shares = [(v.name, v.lung_share) for v in views if v.lung_share is not None]
    if len(shares) > 1:
        low, high = min(shares, key=lambda s: s[1]), max(shares, key=lambda s: s[1])
        if high[1] - low[1] >= 0.25:
            said.append(
                Verdict(
                    "caution",
                    f"{high[0]} keeps {high[1]:.0%} of its heat inside the lungs, {low[0]} only {low[1]:.0%}: they "
                    "do not look at the same part of the film.",
                    "share of the map's mass inside the lung fields",
                )
            )
    if map_overlap:
        pair, overlap = min(map_overlap.items(), key=lambda item: item[1])
        level: Level = "good" if overlap >= config.AGREEMENT_HIGH else "caution"
        words = "mark much the same region" if overlap >= config.AGREEMENT_HIGH else "mark different regions"
        said.append(
            Verdict(
                level,
                f"The hottest tenth of the maps overlaps {overlap:.0%} for {pair}: they {words}.",
                "intersection over union of the hottest 10% of each map",
            )
        )
    return said
