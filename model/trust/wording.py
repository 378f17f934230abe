"""Every verdict the tool gives about its own figures, and the words for it, in one place.

Each function takes the measured numbers and returns a `Verdict`: a level the UI maps to a colour and a sentence
for people. The dashboard, the command line and the reports only display these; none re-decides a threshold.
Longer than usual because every sentence the tool says about its own figures lives here, where the words can be
read and checked together (the captions of the abnormality score included).
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


def faithfulness_verdict(
    score: float,
    random_score: float,
    target_probability: float | None = None,
    passes_sanity: bool = True,
    chest_film: bool = True,
) -> Verdict:
    """Insertion-minus-deletion score of a map against a random map on the same image, in plain words.

    Never green for a method that failed the model-randomisation check (its map would look as convincing on a
    scrambled model, so beating a random map shows the image's structure, not the model's reasons), nor for a
    picture the chest-film check stopped (a map of noise can beat a random map too).
    """
    margin = score - random_score
    numbers = (
        f"faithfulness {score:+.3f} (insertion AUC minus deletion AUC) against {random_score:+.3f} for a random map "
        f"on the same film: a margin of {margin:+.3f}"
    )
    if not chest_film:
        return Verdict(
            "caution",
            "This picture is not a chest film: whether the map beats a random one says nothing about how the model "
            "reads chest films.",
            numbers,
        )
    if target_probability is not None and target_probability < config.UNLIKELY_CLASS_PROBABILITY:
        return Verdict(
            "caution",
            f"The model gives this class only {target_probability:.0%}: a map of why it might say so explains little.",
            numbers,
        )
    if margin <= 0:
        return Verdict("bad", "This map does no better than a random one: do not read much into it.", numbers)
    if not passes_sanity:
        return Verdict(
            "caution",
            "This map beats a random one, but this method failed the scrambled-model check: it draws much the same "
            "map when the model's top layers are randomised, so it shows the film's structure more than the model's "
            "reasons.",
            numbers,
        )
    if margin < config.FAITHFULNESS_CLEAR_MARGIN:
        return Verdict("caution", "This map beats a random one only narrowly: read it with care.", numbers)
    return Verdict(
        "good",
        "This map clearly beats a random one: hiding what it points at changes the answer much more than hiding "
        "random pixels.",
        numbers,
    )


def passes_sanity(rank_correlation: float) -> bool:
    """A map that stays this similar after the model's top layers are scrambled is not explaining the model."""
    return rank_correlation < config.SANITY_MAX_CORRELATION


def sanity_verdict(rank_correlation: float) -> Verdict:
    """Model-randomisation check (Adebayo et al. 2018): a map that survives a scrambled model explains the image."""
    if not passes_sanity(rank_correlation):
        return Verdict(
            "bad",
            f"barely changes when the model is scrambled (correlation {rank_correlation:.2f}): "
            "it shows the image more than the model",
        )
    return Verdict(
        "good",
        f"changes when the model is scrambled (correlation {rank_correlation:.2f}), as a real explanation should",
    )


def lung_share_verdict(
    share: float | None,
    lung_area: float | None = None,
    mask_plausible: bool = True,
    peak_in_lungs: bool | None = None,
) -> Verdict:
    """Share of a map's heat inside the lung fields, against chance (the lungs' share of the film), and where its
    peak lies; withheld when the lung outline itself is implausible.

    Levels, calibrated on the shipped audits: a random map puts about a third of its heat on the lungs (their share
    of the film); the maps that hit the radiologists' boxes put well over half there. So "on the lungs" needs at
    least LUNG_SHARE_MOSTLY_INSIDE of the heat inside, LUNG_SHARE_CLEAR_ENRICHMENT times chance, and the peak
    inside; a map whose peak lies outside the lungs is never called good, whatever its share.
    """
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
    peak_words = {True: "; its peak is inside the lungs", False: "; its peak is outside the lungs", None: ""}
    if lung_area is None or lung_area <= 0:
        good = share >= config.LUNG_SHARE_MOSTLY_INSIDE and peak_in_lungs is not False
        return Verdict("good" if good else "caution", f"{share:.0%} of the heat lies inside the outlined lungs.")
    ratio = share / lung_area
    detail = (
        f"{share:.0%} of the heat inside the lungs, which cover {lung_area:.0%} of the film: {ratio:.1f}x chance"
        + peak_words[peak_in_lungs]
    )
    if peak_in_lungs is False:
        if ratio >= 1.0:
            return Verdict(
                "caution",
                f"The map's hottest point lies outside the lungs, although {share:.0%} of its heat is inside them: "
                "look at what it marks there (labels, the neck, the heart's edge) before trusting it.",
                detail,
            )
        return Verdict(
            "bad",
            f"The map's hottest point lies outside the lungs and only {share:.0%} of its heat is inside them (lungs "
            f"{lung_area:.0%} of the film): it dwells on labels, edges or the body outline.",
            detail,
        )
    if share >= config.LUNG_SHARE_MOSTLY_INSIDE and ratio >= config.LUNG_SHARE_CLEAR_ENRICHMENT:
        return Verdict(
            "good",
            f"The heat sits on the lungs: {share:.0%} of it inside them, {ratio:.1f} times chance, peak inside.",
            detail,
        )
    if ratio >= 1.0:
        return Verdict(
            "caution",
            f"Only {share:.0%} of the heat lies inside the lungs, which cover {lung_area:.0%} of the film: the map "
            "does not clearly single out the lungs.",
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
        return Verdict(
            "caution",
            "The methods partly agree: read the region they share (outlined below), not what only one of them marks.",
            detail,
        )
    return Verdict(
        "bad",
        "The methods point at different places on this film: no single map can be trusted here. Prefer what the "
        "faithful methods share, and treat the explanation as unstable.",
        detail,
    )


def grouped(verdicts: dict[str, Verdict]) -> list[tuple[Verdict, list[str]]]:
    """Verdicts that say the same thing, once each with the names they apply to (in first-seen order).

    Compare-all words each difference once instead of repeating one sentence under every method.
    """
    groups: dict[tuple[str, str], tuple[Verdict, list[str]]] = {}
    for name, verdict in verdicts.items():
        groups.setdefault((verdict.level, verdict.text), (verdict, []))[1].append(name)
    return list(groups.values())


def radiologist_box_verdict(hit: bool, explained_class: str, finding: str, tolerance_px: float) -> Verdict:
    """Does the map's peak land in the box a radiologist drew around `finding` on this film?"""
    if explained_class != finding:
        return Verdict(
            "unknown",
            f"A radiologist marked {finding} on this film; this map explains {explained_class}, so the box does not "
            f"judge it. Explain {finding} to check it against the box.",
        )
    if hit:
        return Verdict(
            "good",
            f"The map's hottest point lands in the radiologist's {finding} box (within {tolerance_px:.0f} px on a "
            "224-px film).",
        )
    return Verdict(
        "bad",
        f"The map's hottest point misses the radiologist's {finding} box: the model's strongest evidence for "
        f"{finding} is not where the radiologist saw it.",
    )


def lungs_hidden_verdict(label: str, hidden_label: str, hidden_probability: float, only_label: str) -> Verdict:
    """One film's lungs-hidden test: does the answer survive when the model cannot see the lungs?"""
    detail = (
        f"With the lung fields filled with the film's mean the model answers {hidden_label} "
        f"({hidden_probability:.2f}); shown only the lungs, it answers {only_label}."
    )
    if hidden_label == label and label == config.HEALTHY_CLASS:
        return Verdict(
            "unknown",
            f"With the lungs hidden the answer stays {label}, as it should: with nothing to see there is nothing "
            "abnormal. This test speaks only to answers of disease.",
            detail,
        )
    if hidden_label == label:
        return Verdict(
            "bad",
            f"With the lungs hidden this model still says {label} at {hidden_probability:.2f}: this answer does not "
            "come from the lungs.",
            detail,
        )
    if only_label == label:
        return Verdict("good", f"With the lungs hidden the answer changes; the lungs alone keep {label}.", detail)
    return Verdict(
        "caution",
        f"With the lungs hidden the answer changes, but the lungs alone do not give {label} either: the answer "
        "needs both.",
        detail,
    )


ABNORMALITY_HEAD_ABOUT = (
    "A separate output, fitted on films of every source to tell sick from healthy whatever the disease, each "
    "collection's sick and healthy films weighted alike so that knowing the collection does not help."
)


def abnormality_head_caption(external_n: int | None, head_auroc: float | None, classes_auroc: float | None) -> str:
    """What the abnormality head is and how well it carried over to other hospitals (its own measured figures)."""
    if head_auroc is None:
        return ABNORMALITY_HEAD_ABOUT
    versus = ""
    if classes_auroc is not None:
        versus = f" (the class probabilities, read as 1 − P({config.HEALTHY_CLASS}): {classes_auroc:.2f})"
    return (
        f"{ABNORMALITY_HEAD_ABOUT} On {external_n} films from two hospitals never seen in training it told sick from "
        f"healthy with AUROC {head_auroc:.2f}{versus}; 0.5 is chance, 1 is perfect. Trust it more than the class name "
        "on unfamiliar films, and neither alone."
    )


def one_minus_normal_caption(external_n: int, abnormal_auroc: float, covid_auroc: float) -> str:
    """How 1 − P(healthy) carried over to other hospitals, for a model without an abnormality head."""
    return (
        f"On {external_n} films from two hospitals never seen in training, this score told sick from healthy with "
        f"AUROC {abnormal_auroc:.2f}; the {config.COVID_CLASS} probability told {config.COVID_CLASS} from the rest "
        f"with {covid_auroc:.2f} (0.5 = chance). Trust it more than the class name on unfamiliar films."
    )
