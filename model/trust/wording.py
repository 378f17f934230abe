"""Every verdict the tool gives about its own figures, and the words for it, in one place.

Each function takes the measured numbers and returns a `Verdict`: a level the UI maps to a colour and a sentence
for people. The dashboard, the command line and the reports only display these; none re-decides a threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from model import config

Level = Literal["good", "caution", "bad", "unknown"]


@dataclass(frozen=True)
class Verdict:
    level: Level
    text: str  # plain words for the page
    detail: str = ""  # the numbers behind it, for an expander, a tooltip or a report

    def to_json(self) -> dict[str, str]:
        return {"level": self.level, "text": self.text, "detail": self.detail}


def faithfulness_verdict(score: float, random_score: float, target_probability: float | None = None) -> Verdict:
    """Insertion-minus-deletion score of a map against a random map on the same image, in plain words."""
    margin = score - random_score
    numbers = (
        f"faithfulness {score:+.3f} (insertion AUC minus deletion AUC) against {random_score:+.3f} for a random map "
        f"on the same film: a margin of {margin:+.3f}"
    )
    if target_probability is not None and target_probability < config.UNLIKELY_CLASS_PROBABILITY:
        return Verdict(
            "caution",
            f"The model gives this class only {target_probability:.0%}: a map of why it might say so explains little.",
            numbers,
        )
    if margin <= 0:
        return Verdict("bad", "This map does no better than a random one: do not read much into it.", numbers)
    if margin < config.FAITHFULNESS_CLEAR_MARGIN:
        return Verdict("caution", "This map beats a random one only narrowly: read it with care.", numbers)
    return Verdict(
        "good",
        "This map clearly beats a random one: hiding what it points at changes the answer much more than hiding "
        "random pixels.",
        numbers,
    )


def sanity_verdict(rank_correlation: float) -> Verdict:
    """Model-randomisation check (Adebayo et al. 2018): a map that survives a scrambled model explains the image."""
    if rank_correlation >= config.SANITY_MAX_CORRELATION:
        return Verdict(
            "bad",
            f"barely changes when the model is scrambled (correlation {rank_correlation:.2f}): "
            "it shows the image more than the model",
        )
    return Verdict(
        "good",
        f"changes when the model is scrambled (correlation {rank_correlation:.2f}), as a real explanation should",
    )


def lung_share_verdict(share: float | None, lung_area: float | None = None, mask_plausible: bool = True) -> Verdict:
    """Share of a map's heat inside the lung fields, against the share a map spread at random would put there
    (the lungs' share of this film's area); withheld when the lung outline itself is implausible."""
    if share is None:
        return Verdict("unknown", "Lung segmenter not available: no lung share for this map.")
    if not mask_plausible:
        return Verdict(
            "unknown",
            "No lung share for this film: the lung outline found here is implausible (not two lung-sized fields side "
            "by side, as happens on dense pneumonia and on children), so the share would be measured against a "
            "wrong outline.",
            f"share {share:.0%} inside the outline as found",
        )
    if lung_area is None or lung_area <= 0:
        level = "good" if share >= config.LUNG_SHARE_MOSTLY_INSIDE else "caution"
        return Verdict(level, f"{share:.0%} of the heat lies inside the outlined lungs.")
    ratio = share / lung_area
    detail = f"{share:.0%} of the heat inside the lungs, which cover {lung_area:.0%} of the film: {ratio:.1f}x chance"
    if ratio >= config.LUNG_SHARE_CLEAR_ENRICHMENT:
        return Verdict(
            "good", f"The heat sits on the lungs: {share:.0%} of it inside them, {ratio:.1f} times chance.", detail
        )
    if ratio >= 1.0:
        return Verdict(
            "caution",
            f"The heat is spread about as a random map's would be ({share:.0%} inside the lungs, which cover "
            f"{lung_area:.0%} of the film): it does not single out the lungs.",
            detail,
        )
    return Verdict(
        "bad",
        f"Less heat on the lungs than chance would put there ({share:.0%}, lungs {lung_area:.0%} of the film): the "
        "map dwells on labels, edges or the body outline.",
        detail,
    )


def shortcut_verdict(removed_macro_f1: float, only_lungs_macro_f1: float) -> Verdict:
    """The plain-words reading of the shortcut test (macro-F1 with lungs removed / lungs only; chance ~0.33)."""
    removed, only_lungs = removed_macro_f1, only_lungs_macro_f1
    if removed >= config.SOURCE_READING_MACRO_F1:
        return Verdict(
            "bad",
            f"With the lungs blacked out the model still reaches macro-F1 {removed:.2f} (chance is "
            "about 0.33): it relies on what lies outside the lungs, i.e. largely on where the image "
            "came from.",
        )
    if only_lungs >= config.SOURCE_READING_MACRO_F1:
        return Verdict(
            "good",
            f"With the lungs blacked out macro-F1 falls to {removed:.2f}, while the lungs alone keep "
            f"{only_lungs:.2f}: the model depends mainly on the lungs.",
        )
    return Verdict(
        "caution",
        f"Neither part suffices on its own: macro-F1 {removed:.2f} without the lungs and "
        f"{only_lungs:.2f} with only the lungs. The model cannot classify from outside the lungs "
        "alone, but black regions are unlike anything it was trained on, so this test cannot "
        "show that it ignores the rest of the film.",
    )


def baseline_verdict(model_macro_f1: float, baseline_macro_f1: float) -> Verdict:
    """How close a pathology-blind thumbnail model comes to the CNN."""
    gap = model_macro_f1 - baseline_macro_f1
    if gap < config.BASELINE_WARNING_GAP:
        return Verdict(
            "bad",
            f"A logistic regression on {config.BASELINE_THUMBNAIL_SIZE}×{config.BASELINE_THUMBNAIL_SIZE} "
            f"thumbnails, which cannot see pathology, reaches macro-F1 {baseline_macro_f1:.2f}, only "
            f"{gap:.2f} below the CNN. Much of what these figures measure is the model recognising "
            "where an image came from, not what it shows.",
        )
    return Verdict(
        "good", f"The CNN's macro-F1 is {gap:.2f} above a pathology-blind thumbnail model ({baseline_macro_f1:.2f})."
    )


def source_probe_verdict(above_chance: float | None) -> Verdict:
    """How much the features know about a film's origin within its class (0 = chance, 1 = certain)."""
    if above_chance is None:
        return Verdict("unknown", "No source probe in this metrics file.")
    if above_chance >= config.SOURCE_PROBE_HIGH:
        return Verdict(
            "bad",
            f"The network's features still tell where a film came from, within its class, far above "
            f"chance ({above_chance:.0%} of the way from chance to certain): the source is learnable "
            "from what the model sees.",
        )
    return Verdict(
        "caution",
        f"The network's features carry some knowledge of a film's origin within its class "
        f"({above_chance:.0%} of the way from chance to certain).",
    )


def generalisation_verdict(in_distribution_auroc: float | None, external_auroc: float | None) -> Verdict:
    """In-distribution against other-hospital COVID-19 discrimination."""
    if external_auroc is None or in_distribution_auroc is None:
        return Verdict("unknown", "No external evaluation in this metrics file.")
    drop = in_distribution_auroc - external_auroc
    numbers = f"COVID-19 AUROC {in_distribution_auroc:.2f} on the test split, {external_auroc:.2f} on other hospitals"
    if drop >= config.GENERALISATION_DROP_WARNING:
        return Verdict("bad", f"{numbers}: the figures on this page do not carry over to other hospitals.")
    return Verdict("caution", f"{numbers}: closer, but the external set is small; read its interval.")


def agreement_verdict(mean_overlap: float, weakest_pair: str, weakest: float) -> Verdict:
    """How far the methods' hottest regions coincide (mean pairwise IoU of the top tenth)."""
    detail = (
        f"mean overlap of the hottest {config.AGREEMENT_TOP_FRACTION:.0%} of each map: {mean_overlap:.2f} "
        f"(two random maps: about {config.AGREEMENT_TOP_FRACTION / (2 - config.AGREEMENT_TOP_FRACTION):.2f}); "
        f"least alike: {weakest_pair} ({weakest:.2f})"
    )
    if mean_overlap >= config.AGREEMENT_HIGH:
        return Verdict("good", "The methods point at much the same places: the picture they give is stable.", detail)
    if mean_overlap >= config.AGREEMENT_LOW:
        return Verdict("caution", "The methods partly agree: trust the regions they share, not the rest.", detail)
    return Verdict(
        "bad",
        "The methods point at different places on this film: no single map can be trusted here. Prefer what the "
        "faithful methods share, and treat the explanation as unstable.",
        detail,
    )
