"""How a film becomes the classifier's input beyond the shared preprocessing: contrast equalisation and lung focus.

Every variant starts from `model.preprocessing.to_model_input` (square, percentile-normalised). A recipe may then
equalise contrast per image (CLAHE: hospitals differ in processing curves) and keep only a margin around the lung
fields, so that what lies outside them (body size, markers, collimation, the hospital's film) cannot be read. The
recipe travels with the model in its registry card (`assets/models/<id>/model.json`), so inference always prepares
a film the way that model was trained.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from model import config
from model.lungs import plausible_lung_mask, safe_box


@dataclass(frozen=True)
class InputRecipe:
    """Which steps run after `to_model_input`; the default does nothing (the plain recipe)."""

    clahe: bool = False
    lung_focus: bool = False

    def to_json(self) -> dict[str, bool]:
        return asdict(self)


PLAIN = InputRecipe()


def equalise_contrast(inputs: np.ndarray) -> np.ndarray:
    """CLAHE on each (S, S, 1) input in [0, 1], through uint8 as OpenCV needs."""
    clahe = cv2.createCLAHE(clipLimit=config.CLAHE_CLIP_LIMIT, tileGridSize=(config.CLAHE_TILES, config.CLAHE_TILES))
    out = np.empty_like(inputs, dtype=np.float32)
    for i, image in enumerate(inputs):
        u8 = np.round(np.clip(image[..., 0], 0, 1) * 255).astype(np.uint8)
        out[i, ..., 0] = clahe.apply(u8) / 255.0
    return out


def lung_focus_masks(
    masks: np.ndarray, margin_fraction: float = config.LUNG_FOCUS_MARGIN, feather: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(N, S, S) weights: each lung mask dilated by a margin (a fraction of the side) and, with `feather`, blurred
    at the edge; implausible masks use the safe box. The lung-focus input and the attention penalty both use it.

    Returns the weights and a boolean per film saying whether the safe box stood in.
    """
    size = masks.shape[1]
    margin = max(1, int(round(margin_fraction * size)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
    weights = np.empty(masks.shape, dtype=np.float32)
    fallback = np.zeros(len(masks), dtype=bool)
    for i, mask in enumerate(masks):
        if plausible_lung_mask(mask):
            region = cv2.dilate(mask.astype(np.uint8), kernel)
        else:
            fallback[i] = True
            region = safe_box(*mask.shape).astype(np.uint8)
        region = region.astype(np.float32)
        weights[i] = cv2.GaussianBlur(region, (0, 0), sigmaX=margin / 2) if feather else region
    return np.clip(weights, 0.0, 1.0), fallback


def apply_recipe(recipe: InputRecipe, inputs: np.ndarray, masks: np.ndarray | None = None) -> np.ndarray:
    """(N, S, S, 1) model inputs -> what the classifier of this recipe sees. Lung focus needs the (N, S, S) masks."""
    out = np.asarray(inputs, dtype=np.float32)
    if recipe.clahe:
        out = equalise_contrast(out)
    if recipe.lung_focus:
        if masks is None:
            raise ValueError("This recipe keeps the lung fields only: pass the lung masks.")
        weights, _ = lung_focus_masks(masks)
        out = out * weights[..., None]
    return out


def load_recipe(path: Path | None = None) -> InputRecipe:
    """The shipped model's recipe; a model shipped without one was trained on the plain input."""
    path = Path(path) if path is not None else config.MODEL_RECIPE_PATH  # read now: tests may repoint config
    if not path.is_file():
        return PLAIN
    document = json.loads(path.read_text())
    fields = document.get("recipe", document.get("input", {}))  # a registry card, or an older recipe file
    return InputRecipe(**{k: bool(v) for k, v in fields.items() if k in InputRecipe.__dataclass_fields__})


def classifier_inputs(
    model_inputs: np.ndarray, recipe: InputRecipe, segmenter=None, masks: np.ndarray | None = None
) -> np.ndarray:
    """What the classifier of `recipe` sees for these model inputs; lung focus finds the masks with `segmenter`."""
    if recipe.lung_focus and masks is None:
        if segmenter is None:
            raise ValueError("The shipped model looks at the lung fields only: it needs the lung segmenter.")
        from model.lungs import predict_lung_masks

        masks = predict_lung_masks(segmenter, model_inputs)
    return apply_recipe(recipe, model_inputs, masks)
