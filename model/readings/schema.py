"""The readings database's tables, as SQLAlchemy 2 declarative classes.

Alembic's migrations (migrations/versions) create exactly these tables; a test compares the two, so a column added
here without a migration fails CI instead of a department's upgrade.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

SHA256_CHARS = 64
NAME_CHARS = 200  # a reader's or a worklist's name (the UI keeps readers' names shorter: config)
FILM_NAME_CHARS = 400
SHAPE_CHARS = 16
FINDING_CHARS = 32


class Base(DeclarativeBase):
    pass


class ReaderRow(Base):
    """A person (or a source such as NIH's boxes) who reads films; `read_only` readers are never written by the UI."""

    __tablename__ = "readers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_CHARS), unique=True, nullable=False)
    read_only: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class FilmRow(Base):
    """A film by the SHA-256 of its bytes; `path` is where its bytes were last seen on this server (None: upload)."""

    __tablename__ = "films"

    sha256: Mapped[str] = mapped_column(String(SHA256_CHARS), primary_key=True)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(FILM_NAME_CHARS), nullable=False)
    path: Mapped[str | None] = mapped_column(Text, nullable=True)


class ReadingRow(Base):
    """One reader's current reading of one film; `version` counts saves, so a stale save is refused, not merged."""

    __tablename__ = "readings"
    __table_args__ = (UniqueConstraint("reader_id", "film_sha256", name="uq_reading_reader_film"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("readers.id", ondelete="CASCADE"), nullable=False, index=True)
    film_sha256: Mapped[str] = mapped_column(ForeignKey("films.sha256"), nullable=False, index=True)
    no_finding: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    marks: Mapped[list[MarkRow]] = relationship(
        back_populates="reading", cascade="all, delete-orphan", order_by="MarkRow.position"
    )


class MarkRow(Base):
    """One mark of a reading: its shape's bounding box in film pixels, the finding, a confidence 1-5, a note."""

    __tablename__ = "marks"
    __table_args__ = (
        CheckConstraint("x1 > x0 AND y1 > y0", name="ck_mark_has_size"),
        CheckConstraint("confidence IS NULL OR (confidence >= 1 AND confidence <= 5)", name="ck_mark_confidence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reading_id: Mapped[int] = mapped_column(ForeignKey("readings.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    mark_id: Mapped[str] = mapped_column(String(64), nullable=False)
    shape: Mapped[str] = mapped_column(String(SHAPE_CHARS), nullable=False)
    x0: Mapped[float] = mapped_column(Float, nullable=False)
    y0: Mapped[float] = mapped_column(Float, nullable=False)
    x1: Mapped[float] = mapped_column(Float, nullable=False)
    y1: Mapped[float] = mapped_column(Float, nullable=False)
    finding: Mapped[str] = mapped_column(String(FINDING_CHARS), nullable=False)
    confidence: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    reading: Mapped[ReadingRow] = relationship(back_populates="marks")


class WorklistRow(Base):
    """A named, ordered list of films for a reader study (NIH's boxed films ship as one)."""

    __tablename__ = "worklists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_CHARS), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class WorklistFilmRow(Base):
    __tablename__ = "worklist_films"

    worklist_id: Mapped[int] = mapped_column(ForeignKey("worklists.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    film_sha256: Mapped[str] = mapped_column(ForeignKey("films.sha256"), nullable=False)
