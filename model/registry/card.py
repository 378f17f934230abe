"""A registered model's card (`model.json`): what the network expects and answers, and where it came from.

Every front end reads the classes, input size, channels and intensity recipe from here instead of assuming the
project's own network, so a vendor's 2-class RGB model at 224 px is prepared and labelled as it was trained.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from model import config
from model.input_recipe import InputRecipe

CARD_SCHEMA_VERSION: int = 1
# Registry ids name folders and appear in URLs and Parquet rows: letters, digits, '_' and '-', at most 48.
MODEL_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$")
# Class-name sets whose films the shared data can label, so metrics and the explanation audit can be computed.
DATASET_CLASSES: tuple[str, ...] = config.CLASS_NAMES
NORMAL_ABNORMAL: tuple[str, ...] = (config.HEALTHY_CLASS, config.ABNORMAL_CLASS)
# Class names reach Markdown, plot labels, JSON keys and file names: letters, digits, spaces and a little
# punctuation that can build no link, image, emphasis or HTML, at most 40 characters.
CLASS_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _+/.()-]{0,39}$")
SHA256_PATTERN = re.compile(r"^([0-9a-f]{64})?$")
MAX_DISPLAY_NAME: int = 80


class CardError(ValueError):
    """A card that cannot describe a usable model: the message says which field and why."""


@dataclass(frozen=True)
class ModelCard:
    id: str
    display_name: str
    classes: tuple[str, ...]
    input_size: int = config.IMAGE_SIZE
    channels: int = 1
    recipe: InputRecipe = field(default_factory=InputRecipe)
    trained_on: str = ""
    date: str = ""
    sha256: str = ""
    teaching_exhibit: bool = False
    description: str = ""
    # How the network is stored and fed (model.network adapters): its file format, the layout of its input, how it
    # expects its pixels scaled and what its output vector is. Older cards (Keras only) read as the defaults.
    model_format: str = "keras"
    layout: str = "NHWC"
    scaling: str = "unit"
    output: str = "softmax"
    # ONNX: the TensorFlow translation that gives gradient methods was checked against ONNX Runtime at admission.
    gradients_verified: bool = False

    def __post_init__(self) -> None:
        check_model_id(self.id)
        if len(self.classes) < 2 or len(set(self.classes)) != len(self.classes) or not all(self.classes):
            raise CardError(f"Model {self.id}: classes must be two or more distinct names, got {list(self.classes)}.")
        odd = [name for name in self.classes if not CLASS_NAME_PATTERN.match(name)]
        if odd:
            raise CardError(
                f"Model {self.id}: class name {odd[0][:60]!r} is not allowed: use letters, digits, spaces and _ + / . "
                "( ) - (at most 40 characters)."
            )
        if len(self.display_name) > MAX_DISPLAY_NAME or any(not ch.isprintable() for ch in self.display_name):
            raise CardError(
                f"Model {self.id}: the display name must be at most {MAX_DISPLAY_NAME} printable characters."
            )
        if not SHA256_PATTERN.match(self.sha256):
            raise CardError(f"Model {self.id}: sha256 must be 64 lowercase hexadecimal digits.")
        low, high = config.MODEL_INPUT_SIZE_RANGE
        if not low <= self.input_size <= high:
            raise CardError(f"Model {self.id}: input size {self.input_size} is outside {low}-{high} px.")
        if self.channels not in (1, 3):
            raise CardError(f"Model {self.id}: channels must be 1 (grey) or 3 (RGB), got {self.channels}.")
        for name, value, allowed in (
            ("format", self.model_format, tuple(config.MODEL_FILENAMES)),
            ("layout", self.layout, config.MODEL_LAYOUTS),
            ("scaling", self.scaling, tuple(config.INPUT_SCALINGS)),
            ("output", self.output, config.MODEL_OUTPUTS),
        ):
            if value not in allowed:
                raise CardError(f"Model {self.id}: {name} {str(value)[:40]!r} is not one of {', '.join(allowed)}.")

    @property
    def label_set(self) -> str | None:
        """Which labels of the shared data the classes map onto: 'dataset', 'normal_abnormal' or None."""
        if tuple(self.classes) == DATASET_CLASSES:
            return "dataset"
        if {c.lower() for c in self.classes} == {c.lower() for c in NORMAL_ABNORMAL}:
            return "normal_abnormal"
        return None

    @property
    def file_name(self) -> str:
        """The network's file name inside the model's folder."""
        return config.MODEL_FILENAMES[self.model_format]

    @property
    def is_project_shape(self) -> bool:
        """Same input as the project's own networks (160 px, one channel): the segmenter's frame, no resizing."""
        return self.input_size == config.IMAGE_SIZE and self.channels == 1

    def with_hash(self, sha256: str) -> ModelCard:
        return replace(self, sha256=sha256)

    def to_json(self) -> dict[str, object]:
        return {
            "schema_version": CARD_SCHEMA_VERSION,
            "id": self.id,
            "display_name": self.display_name,
            "classes": list(self.classes),
            "input_size": self.input_size,
            "channels": self.channels,
            "recipe": self.recipe.to_json(),
            "trained_on": self.trained_on,
            "date": self.date,
            "sha256": self.sha256,
            "teaching_exhibit": self.teaching_exhibit,
            "description": self.description,
            "format": self.model_format,
            "layout": self.layout,
            "scaling": self.scaling,
            "output": self.output,
            "gradients_verified": self.gradients_verified,
        }

    @classmethod
    def from_json(cls, data: dict) -> ModelCard:
        try:
            recipe = data.get("recipe", {})
            return cls(
                id=str(data["id"]),
                display_name=str(data.get("display_name") or data["id"]),
                classes=tuple(str(c) for c in data["classes"]),
                input_size=int(data.get("input_size", config.IMAGE_SIZE)),
                channels=int(data.get("channels", 1)),
                recipe=InputRecipe(**{k: bool(v) for k, v in recipe.items() if k in InputRecipe.__dataclass_fields__}),
                trained_on=str(data.get("trained_on", "")),
                date=str(data.get("date", "")),
                sha256=str(data.get("sha256", "")),
                teaching_exhibit=bool(data.get("teaching_exhibit", False)),
                description=str(data.get("description", "")),
                model_format=str(data.get("format", "keras")),
                layout=str(data.get("layout", "NHWC")),
                scaling=str(data.get("scaling", "unit")),
                output=str(data.get("output", "softmax")),
                gradients_verified=bool(data.get("gradients_verified", False)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            if isinstance(error, CardError):
                raise
            raise CardError(f"The model card is incomplete or malformed ({type(error).__name__}: {error}).") from None


def check_model_id(model_id: str) -> str:
    if not MODEL_ID_PATTERN.match(model_id or ""):
        raise CardError(
            f"{model_id!r} cannot be a model id: use letters, digits, '_' and '-' (at most 48, starting with a letter "
            "or digit)."
        )
    return model_id


def read_card(path: Path) -> ModelCard:
    try:
        return ModelCard.from_json(json.loads(Path(path).read_text()))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CardError(f"{path} cannot be read ({type(error).__name__}).") from None


def write_card(card: ModelCard, path: Path) -> None:
    Path(path).write_text(json.dumps(card.to_json(), indent=1, ensure_ascii=False) + "\n")


def project_card(model_id: str = "project", display_name: str = "") -> ModelCard:
    """The card of a network of the project's own shape given without one (a Keras file by path, a bare network):
    three classes, 160 px, grey, the shipped model's recipe."""
    from model.input_recipe import load_recipe

    return ModelCard(
        id=model_id, display_name=display_name or model_id, classes=config.CLASS_NAMES, recipe=load_recipe()
    )
