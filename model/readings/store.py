"""The one door to the readings database: every read and save is a transaction, every failure a sentence.

SQLite (the default, a file under artifacts/) and PostgreSQL (any SQLAlchemy URL in $CXR_DATABASE_URL) behave the
same: Alembic brings the schema up to date when the store opens; a save replaces one reader's reading of one film
in one transaction, refused (not merged) when that reading changed in another session since it was loaded, so two
readers marking the same film both keep theirs and one reader's two tabs never overwrite each other unseen.
No SQL is built from strings: every value is a bound parameter of SQLAlchemy's expressions.

Longer than usual because it is the one door to the database: every transaction that can write a reading is in
this file, so a review of what can be written (and what can be lost) reads one file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import exc, func, select
from sqlalchemy.orm import Session

from model import config
from model.marks import FilmMark
from model.readings.database import database_url, engine_for, upgrade
from model.readings.errors import ReadingConflict, ReadingStoreError, describe_url, sentence_for
from model.readings.schema import FilmRow, MarkRow, ReaderRow, ReadingRow, WorklistFilmRow, WorklistRow
from model.readings.values import (
    FilmRecord,
    LabelledMark,
    ReaderSummary,
    Reading,
    ReadingInputError,
    WorklistSummary,
    clean_name,
    clean_reader_name,
)


def _now() -> datetime:
    return datetime.now(UTC)


def _film(row: FilmRow) -> FilmRecord:
    return FilmRecord(row.sha256, row.width, row.height, row.name, row.path)


def _reading(row: ReadingRow, reader: str, film: FilmRow) -> Reading:
    marks = tuple(
        LabelledMark(FilmMark(m.mark_id, m.shape, m.x0, m.y0, m.x1, m.y1), m.finding, m.confidence, m.note)
        for m in row.marks
    )
    saved = row.saved_at if row.saved_at is None or row.saved_at.tzinfo else row.saved_at.replace(tzinfo=UTC)
    return Reading(reader, _film(film), row.no_finding, marks, row.version, saved)


def _mark_row(position: int, labelled: LabelledMark) -> MarkRow:
    m = labelled.mark
    return MarkRow(
        position=position,
        mark_id=m.mark_id,
        shape=m.shape,
        x0=m.x0,
        y0=m.y0,
        x1=m.x1,
        y1=m.y1,
        finding=labelled.finding,
        confidence=labelled.confidence,
        note=labelled.note,
    )


def check_reading(film: FilmRecord, marks: Sequence[LabelledMark], no_finding: bool) -> None:
    """Refuse a reading that is neither marks nor 'no finding', or whose marks leave the film."""
    if no_finding and marks:
        raise ReadingInputError(
            "A reading is either marks or 'No finding', not both: remove the marks or untick 'No finding'."
        )
    if not no_finding and not marks:
        raise ReadingInputError("Mark where you see the finding, or tick 'No finding', before saving.")
    if len(marks) > config.MAX_MARKS_PER_FILM:
        raise ReadingInputError(
            f"A reading holds at most {config.MAX_MARKS_PER_FILM} marks; this one has {len(marks)}."
        )
    for index, labelled in enumerate(marks, start=1):
        m = labelled.mark
        if not (0 <= m.x0 < m.x1 <= film.width and 0 <= m.y0 < m.y1 <= film.height):
            raise ReadingInputError(f"Mark {index} is not inside the {film.width}×{film.height}-px film.")
        if labelled.finding not in config.FINDINGS:
            raise ReadingInputError(f"Mark {index} has no finding this tool records.")


class ReadingStore:
    """Readings, readers, films and worklists in one database (see the module's docstring)."""

    def __init__(self, url: str | None = None, upgrade: bool = True) -> None:
        self.url = url or database_url()
        self.where = describe_url(self.url)
        self.engine = engine_for(self.url)
        if upgrade:
            self.upgrade()

    # --- schema ---
    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to `revision` with Alembic (existing readings are kept: migrations only add)."""
        upgrade(self.engine, self.url, revision)

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self._read() as session:
            return MigrationContext.configure(session.connection()).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    # --- transactions ---
    @contextmanager
    def _session(self, write: bool) -> Iterator[Session]:
        try:
            with self.engine.connect() as connection:
                if write:
                    connection = connection.execution_options(cxr_write=True)
                with Session(bind=connection, expire_on_commit=False) as session, session.begin():
                    yield session
        except (ReadingStoreError, ReadingInputError):
            raise
        except exc.IntegrityError as error:
            raise ReadingConflict(sentence_for(error, self.url)) from None
        except (exc.SQLAlchemyError, OSError) as error:
            raise ReadingStoreError(sentence_for(error, self.url)) from None

    def _read(self):
        return self._session(write=False)

    def _write(self):
        return self._session(write=True)

    # --- rows, created once even when two sessions ask at the same moment ---
    @staticmethod
    def _reader_row(session: Session, name: str, read_only: bool = False) -> ReaderRow:
        row = session.scalars(select(ReaderRow).where(ReaderRow.name == name)).one_or_none()
        if row is not None:
            return row
        try:
            with session.begin_nested():
                row = ReaderRow(name=name, read_only=read_only, created_at=_now())
                session.add(row)
            return row
        except exc.IntegrityError:  # another session created it a moment ago
            return session.scalars(select(ReaderRow).where(ReaderRow.name == name)).one()

    @staticmethod
    def _film_row(session: Session, film: FilmRecord) -> FilmRow:
        row = session.get(FilmRow, film.sha256)
        if row is None:
            try:
                with session.begin_nested():
                    row = FilmRow(
                        sha256=film.sha256, width=film.width, height=film.height, name=film.name, path=film.path
                    )
                    session.add(row)
                return row
            except exc.IntegrityError:
                row = session.get(FilmRow, film.sha256)
        if film.path and row.path != film.path:
            row.path = film.path  # where its bytes are now
        return row

    # --- readers ---
    def ensure_reader(self, name: str, read_only: bool = False) -> str:
        clean = clean_reader_name(name)
        with self._write() as session:
            return self._reader_row(session, clean, read_only).name

    def readers(self) -> list[ReaderSummary]:
        with self._read() as session:
            counts = session.execute(
                select(ReaderRow.name, ReaderRow.read_only, func.count(ReadingRow.id))
                .outerjoin(ReadingRow, ReadingRow.reader_id == ReaderRow.id)
                .group_by(ReaderRow.id)
                .order_by(ReaderRow.read_only.desc(), ReaderRow.name)
            ).all()
        return [ReaderSummary(name, bool(read_only), int(count)) for name, read_only, count in counts]

    def is_read_only(self, name: str) -> bool:
        with self._read() as session:
            row = session.scalars(select(ReaderRow).where(ReaderRow.name == name)).one_or_none()
            return bool(row is not None and row.read_only)

    # --- readings ---
    @staticmethod
    def _replace(
        session: Session,
        reader_row: ReaderRow,
        film: FilmRecord,
        marks: Sequence[LabelledMark],
        no_finding: bool,
        expected_version: int | None,
    ) -> Reading:
        """Replace one reading inside the caller's transaction (the row locked where the database can)."""
        film_row = ReadingStore._film_row(session, film)
        row = session.scalars(
            select(ReadingRow)
            .where(ReadingRow.reader_id == reader_row.id, ReadingRow.film_sha256 == film.sha256)
            .with_for_update()
        ).one_or_none()
        stored = 0 if row is None else row.version
        if expected_version is not None and stored != expected_version:
            raise ReadingConflict(
                f"{reader_row.name}'s reading of this film was saved in another session since you opened it "
                f"(version {stored}, yours {expected_version}); yours was not saved. Reopen the film to see it."
            )
        if row is None:
            row = ReadingRow(reader_id=reader_row.id, film_sha256=film.sha256, version=0)
            session.add(row)
        row.version += 1
        row.no_finding = no_finding
        row.saved_at = _now()
        row.marks = [_mark_row(index, m) for index, m in enumerate(marks)]
        session.flush()
        return _reading(row, reader_row.name, film_row)

    def _writable_reader(self, session: Session, name: str, allow_read_only: bool) -> ReaderRow:
        reader_row = self._reader_row(session, name)
        if reader_row.read_only and not allow_read_only:
            raise ReadingInputError(f"'{name}' is a read-only reader; choose another name to save readings.")
        return reader_row

    def save_reading(
        self,
        reader: str,
        film: FilmRecord,
        marks: Sequence[LabelledMark],
        no_finding: bool = False,
        expected_version: int | None = None,
        allow_read_only: bool = False,
    ) -> Reading:
        """Replace `reader`'s reading of `film` in one transaction and return it as stored.

        `expected_version` is the version this session loaded (0: none); a different stored version means another
        session saved in between: ReadingConflict, and nothing changes. None replaces whatever is stored (imports).
        """
        name = clean_reader_name(reader)
        check_reading(film, marks, no_finding)
        with self._write() as session:
            reader_row = self._writable_reader(session, name, allow_read_only)
            return self._replace(session, reader_row, film, marks, no_finding, expected_version)

    def save_many(
        self, reader: str, films: Sequence[tuple[FilmRecord, Sequence[LabelledMark]]], allow_read_only: bool = False
    ) -> int:
        """Replace `reader`'s readings of many films in ONE transaction (an import: all of them or none); a film
        with no marks is read as 'no finding'."""
        name = clean_reader_name(reader)
        for film, marks in films:
            check_reading(film, marks, not marks)
        with self._write() as session:
            reader_row = self._writable_reader(session, name, allow_read_only)
            for film, marks in films:
                self._replace(session, reader_row, film, marks, not marks, None)
        return len(films)

    def reading(self, reader: str, sha256: str) -> Reading | None:
        with self._read() as session:
            found = session.execute(
                select(ReadingRow, ReaderRow.name, FilmRow)
                .join(ReaderRow, ReadingRow.reader_id == ReaderRow.id)
                .join(FilmRow, ReadingRow.film_sha256 == FilmRow.sha256)
                .where(ReaderRow.name == reader, ReadingRow.film_sha256 == sha256)
            ).one_or_none()
            return None if found is None else _reading(*found)

    def readings(self, reader: str | None = None, sha256: str | None = None) -> list[Reading]:
        """Readings of one reader, of one film, or all; in reader then film-name order."""
        query = (
            select(ReadingRow, ReaderRow.name, FilmRow)
            .join(ReaderRow, ReadingRow.reader_id == ReaderRow.id)
            .join(FilmRow, ReadingRow.film_sha256 == FilmRow.sha256)
            .order_by(ReaderRow.name, FilmRow.name, FilmRow.sha256)
        )
        if reader is not None:
            query = query.where(ReaderRow.name == reader)
        if sha256 is not None:
            query = query.where(ReadingRow.film_sha256 == sha256)
        with self._read() as session:
            return [_reading(*found) for found in session.execute(query).all()]

    def delete_reading(self, reader: str, sha256: str, expected_version: int) -> None:
        """Remove a reading, only if it is still the version this session saw (else ReadingConflict)."""
        with self._write() as session:
            row = session.scalars(
                select(ReadingRow)
                .join(ReaderRow, ReadingRow.reader_id == ReaderRow.id)
                .where(ReaderRow.name == reader, ReadingRow.film_sha256 == sha256)
                .with_for_update()
            ).one_or_none()
            if row is None:
                return
            if row.version != expected_version:
                raise ReadingConflict("This reading was saved again in another session; it was not removed.")
            if self._reader_is_read_only(session, row.reader_id):
                raise ReadingInputError(f"'{reader}' is a read-only reader; its readings are not removed here.")
            session.delete(row)

    @staticmethod
    def _reader_is_read_only(session: Session, reader_id: int) -> bool:
        return bool(session.get(ReaderRow, reader_id).read_only)

    # --- films and worklists ---
    def film(self, sha256: str) -> FilmRecord | None:
        with self._read() as session:
            row = session.get(FilmRow, sha256)
            return None if row is None else _film(row)

    def save_worklist(self, name: str, films: Sequence[FilmRecord]) -> int:
        """Create or replace a worklist with these films, in this order (one transaction)."""
        clean = clean_name(name, "A worklist's name", "Give the worklist a name.")
        with self._write() as session:
            row = session.scalars(select(WorklistRow).where(WorklistRow.name == clean)).one_or_none()
            if row is None:
                row = WorklistRow(name=clean, created_at=_now())
                session.add(row)
                session.flush()
            else:
                for item in session.scalars(select(WorklistFilmRow).where(WorklistFilmRow.worklist_id == row.id)):
                    session.delete(item)
                session.flush()
            seen: set[str] = set()
            for film in films:
                if film.sha256 in seen:
                    continue
                seen.add(film.sha256)
                self._film_row(session, film)
                session.add(WorklistFilmRow(worklist_id=row.id, position=len(seen) - 1, film_sha256=film.sha256))
        return len(seen)

    def worklists(self) -> list[WorklistSummary]:
        with self._read() as session:
            rows = session.execute(
                select(WorklistRow.name, func.count(WorklistFilmRow.position))
                .outerjoin(WorklistFilmRow, WorklistFilmRow.worklist_id == WorklistRow.id)
                .group_by(WorklistRow.id)
                .order_by(WorklistRow.name)
            ).all()
        return [WorklistSummary(name, int(count)) for name, count in rows]

    def worklist(self, name: str) -> list[FilmRecord]:
        with self._read() as session:
            rows = session.scalars(
                select(FilmRow)
                .join(WorklistFilmRow, WorklistFilmRow.film_sha256 == FilmRow.sha256)
                .join(WorklistRow, WorklistRow.id == WorklistFilmRow.worklist_id)
                .where(WorklistRow.name == name)
                .order_by(WorklistFilmRow.position)
            ).all()
            return [_film(row) for row in rows]
