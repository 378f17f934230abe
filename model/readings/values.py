"""The typed values that cross the readings boundary, and the checks that make them (once, where input arrives).

Names and notes are kept exactly as typed (quotes, Markdown, HTML, emoji are text, never markup or SQL: the UI
shows them as plain text and the store binds them as parameters); only control characters, which no person types and
terminals act on, are removed, and over-long values are refused with a sentence instead of being cut silently.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from model import config
from model.marks import FilmMark


class ReadingInputError(ValueError):
    """A value a person gave that cannot be stored; the message is the sentence to show them."""


@dataclass(frozen=True)
class LabelledMark:
    """A mark with what the reader says it shows: a finding id of config.FINDINGS, a confidence 1-5 (None where the
    source gives none, as NIH's boxes) and a free-text note."""

    mark: FilmMark
    finding: str = config.DEFAULT_FINDING
    confidence: int | None = config.DEFAULT_CONFIDENCE
    note: str = ""

    def to_json(self) -> dict[str, object]:
        return {**self.mark.to_json(), "finding": self.finding, "confidence": self.confidence, "note": self.note}


@dataclass(frozen=True)
class FilmRecord:
    """A film as the store knows it: the SHA-256 of its bytes, its size, a name for people and where its bytes were
    last seen on this server (None for an upload, whose bytes are not kept)."""

    sha256: str
    width: int
    height: int
    name: str
    path: str | None = None


@dataclass(frozen=True)
class Reading:
    """One reader's reading of one film; `version` is what a later save of the same reading must name."""

    reader: str
    film: FilmRecord
    no_finding: bool
    marks: tuple[LabelledMark, ...]
    version: int
    saved_at: datetime | None = None

    @property
    def has_finding(self) -> bool:
        return bool(self.marks) and not self.no_finding


@dataclass(frozen=True)
class ReaderSummary:
    name: str
    read_only: bool
    films_read: int


@dataclass(frozen=True)
class WorklistSummary:
    name: str
    films: int


def _without_controls(text: str) -> str:
    """Text without control characters (newlines and tabs kept: a note may have lines)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\n\t")


def clean_name(raw: object, what: str, missing: str) -> str:
    """A name as stored (a reader's, a worklist's): stripped, one line, 1..READER_NAME_MAX_CHARS characters;
    `what` names it in the refusal, `missing` is the sentence for an empty one."""
    if not isinstance(raw, str):
        raise ReadingInputError(f"{what} must be text.")
    name = " ".join(_without_controls(raw).split())
    if not name:
        raise ReadingInputError(missing)
    if len(name) > config.READER_NAME_MAX_CHARS:
        raise ReadingInputError(
            f"{what} is at most {config.READER_NAME_MAX_CHARS} characters; this one has {len(name):,}."
        )
    return name


def clean_reader_name(raw: object) -> str:
    return clean_name(raw, "A reader's name", "Give your name as reader before saving: readings are kept per reader.")


def clean_note(raw: object) -> str:
    """A mark's note as stored: any text up to READING_NOTE_MAX_CHARS, control characters removed."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ReadingInputError("A note must be text.")
    note = _without_controls(raw).strip()
    if len(note) > config.READING_NOTE_MAX_CHARS:
        raise ReadingInputError(
            f"A note is at most {config.READING_NOTE_MAX_CHARS:,} characters; this one has {len(note):,}. "
            "Nothing was saved."
        )
    return note


def finding_id(raw: object) -> str:
    """A finding id from config.FINDINGS, from its id, its label or a known alias (any case)."""
    text = str(raw).strip().lower() if raw is not None else ""
    for key, (label, _code, _meaning) in config.FINDINGS.items():
        if text in (key, label.lower()):
            return key
    if text in config.FINDING_ALIASES:
        return config.FINDING_ALIASES[text]
    shown = text[:40] + ("…" if len(text) > 40 else "")
    raise ReadingInputError(
        f"'{shown}' is not a finding this tool records; use one of: "
        + ", ".join(label for label, _c, _m in config.FINDINGS.values())
        + "."
    )


def checked_confidence(raw: object) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw not in config.CONFIDENCE_LEVELS:
        raise ReadingInputError(
            f"Confidence is a whole number from {config.CONFIDENCE_LEVELS[0]} to {config.CONFIDENCE_LEVELS[-1]}."
        )
    return raw


def labelled(mark: FilmMark, finding: object, confidence: object, note: object) -> LabelledMark:
    """A LabelledMark with every field checked (raises ReadingInputError with the sentence)."""
    return LabelledMark(mark, finding_id(finding), checked_confidence(confidence), clean_note(note))
