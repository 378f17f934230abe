"""The registry on disk: `assets/models/<id>/` holds a Keras file, its card and the figures computed for it.

Pages and tools ask here for "the model called X" (or a path to a Keras file) and get one `RegisteredModel`
whose file paths exist or not; nothing else knows the folder layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from model import config
from model.registry.card import CardError, ModelCard, check_model_id, project_card, read_card


class RegistryError(LookupError):
    """No such model, or its folder cannot be used: the message names it and what to do."""


@dataclass(frozen=True)
class RegisteredModel:
    """One model: its card and where its files are (a Keras file given by path has no folder of figures)."""

    card: ModelCard
    model_path: Path
    folder: Path | None

    @property
    def id(self) -> str:
        return self.card.id

    def _file(self, name: str) -> Path | None:
        if self.folder is None:
            return None
        path = self.folder / name
        return path if path.is_file() else None

    @property
    def metrics_path(self) -> Path | None:
        return self._file(config.METRICS_FILENAME)

    @property
    def explanation_quality_path(self) -> Path | None:
        return self._file(config.EXPLANATION_QUALITY_FILENAME)

    @property
    def gate_path(self) -> Path | None:
        """This model's own calibrated gate (its feature-space check), if one was fitted for it."""
        return self._file(config.INPUT_GATE_FILENAME)

    @property
    def uses_configured_files(self) -> bool:
        """Is this the model whose files the configuration names (config.MODEL_PATH, its gate, its LiteRT export)?
        Decided by the file, not by which model is 'default' now: with CXR_MODEL naming another model, that model
        must be loaded from its own files, never answer with the configured model's (a record labelled c2 carried
        f3's probabilities)."""
        return self.folder is not None and self.model_path == config.MODEL_PATH


def registry_dir() -> Path:
    return config.MODELS_DIR  # read now: tests may repoint config


def model_ids() -> list[str]:
    """Every registered id, default first, then exhibits last, alphabetical within each."""
    root = registry_dir()
    if not root.is_dir():
        return []
    # Folders starting with '.' are registrations still being written (model.registry.register).
    ids = [p.name for p in root.iterdir() if not p.name.startswith(".") and (p / config.MODEL_CARD_FILENAME).is_file()]
    default = config.default_model_id()
    return sorted(ids, key=lambda i: (i != default, i))


def registered(model_id: str) -> RegisteredModel:
    """The registered model `model_id`; RegistryError when there is none or its card is broken."""
    try:
        check_model_id(model_id)
    except CardError as error:
        raise RegistryError(str(error)) from None
    folder = registry_dir() / model_id
    card_path = folder / config.MODEL_CARD_FILENAME
    if not card_path.is_file():
        known = ", ".join(model_ids()) or "none"
        raise RegistryError(
            f"No model {model_id!r} in {registry_dir()} (registered: {known}). Add one with "
            "`python scripts/add_model.py PATH --id ID --classes ...`."
        )
    try:
        card = read_card(card_path)
    except CardError as error:
        raise RegistryError(f"{card_path}: {error}") from None
    if card.id != model_id:
        raise RegistryError(f"{card_path} names model {card.id!r} but sits in folder {model_id!r}.")
    # The shipped default's file is the one the configuration names (tests and tools may point it elsewhere).
    model_path = config.MODEL_PATH if model_id == config.DEFAULT_MODEL_ID else folder / card.file_name
    return RegisteredModel(card, model_path, folder)


def all_registered() -> list[RegisteredModel]:
    """Every model whose card reads; a broken card is left out here and reported when that model is asked for."""
    found = []
    for model_id in model_ids():
        try:
            found.append(registered(model_id))
        except RegistryError:
            continue
    return found


def default_model() -> RegisteredModel:
    return registered(config.default_model_id())


def resolve(name_or_path: str | Path | None) -> RegisteredModel:
    """A registry id, or a path: a registered model's Keras file gets its card, any other file the project's card
    (three classes, 160 px, grey) with its own id from the file name. None means the default model."""
    if name_or_path is None or str(name_or_path) == "":
        return default_model()
    text = str(name_or_path)
    path = Path(text).expanduser()
    looks_like_path = path.suffix in config.MODEL_SUFFIXES or "/" in text or path.is_file()
    if not looks_like_path:
        return registered(text)
    for entry in all_registered():
        if entry.model_path.resolve() == path.resolve():
            return entry
    if config.MODEL_SUFFIXES.get(path.suffix, "keras") != "keras":
        raise RegistryError(
            f"{path.name}: a {path.suffix} file does not say how its pixels are scaled or what its outputs are; "
            f"register it first with `python scripts/add_model.py {path} --id ID --classes ...`."
        )
    stem = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in path.stem)[:40] or "model"
    card = project_card(f"file-{stem}", path.name)
    return RegisteredModel(card, path, None)
