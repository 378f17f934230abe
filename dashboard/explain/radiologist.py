"""The NIH radiologists' boxes on the films they drew them on: which film, the boxes in film pixels, the verdict."""

from __future__ import annotations

from dashboard.film_viewer import RadiologistBox
from dashboard.model_files import get_box_table
from model import config
from model.evaluation.localisation import box_image_for, boxes_on_film, peak_hits_film_boxes
from model.trust.wording import Verdict, radiologist_box_verdict


def radiologist_box_key(name: str) -> str | None:
    """The film's name in boxes.csv, or None where no radiologist boxed it (or the NIH folder is absent)."""
    table = get_box_table()
    return None if table.empty else box_image_for(table, name)


def film_boxes(key: str | None, height: int, width: int) -> tuple[RadiologistBox, ...]:
    """The radiologists' boxes of a film in its own pixels (none where it has no key)."""
    if key is None:
        return ()
    return tuple(RadiologistBox(*box) for box in boxes_on_film(get_box_table(), key, height, width))


def box_verdict(result, key: str) -> Verdict:
    """Whether the map's peak hits the radiologist's box of the class it explains (the Pneumonia box, mostly)."""
    hit, finding = peak_hits_film_boxes(result.heatmap, get_box_table(), key, result.target_class)
    return radiologist_box_verdict(hit, result.target_class, finding, config.POINTING_TOLERANCE_PX)
