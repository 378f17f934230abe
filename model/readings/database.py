"""The database behind the readings store: which one ($CXR_DATABASE_URL or the SQLite file), its engine with the
settings that make concurrent saves safe, and Alembic's upgrade to the current schema."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc

from model import config
from model.readings.errors import ReadingStoreError, sentence_for


def database_url() -> str:
    """$CXR_DATABASE_URL, else the SQLite file under artifacts/."""
    url = os.environ.get(config.DATABASE_URL_ENV, "").strip()
    return url or f"sqlite:///{config.READINGS_SQLITE_PATH}"


def _sqlite_engine(url: str) -> Engine:
    """SQLite with foreign keys on, WAL (readers never wait for a writer) and writes that take the lock when they
    begin (BEGIN IMMEDIATE), so two sessions' saves queue instead of failing on a lock upgrade."""
    engine = create_engine(url, connect_args={"timeout": config.DATABASE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except Exception:  # a read-only file keeps its journal mode; reads still work
            pass
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        immediate = connection.get_execution_options().get("cxr_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def engine_for(url: str) -> Engine:
    """An engine for the URL (a SQLite file's folder created); a URL that cannot be used raises ReadingStoreError."""
    try:
        if url.startswith("sqlite"):
            database = url.split("///", 1)[-1] if "///" in url else ""
            if database and not database.startswith(("file:", ":memory:")):
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            return _sqlite_engine(url)
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    except (exc.ArgumentError, exc.NoSuchModuleError, ValueError, TypeError, OSError) as error:
        raise ReadingStoreError(sentence_for(error, url)) from None


def upgrade(engine: Engine, url: str, revision: str = "head") -> None:
    """Run Alembic's migrations (model/readings/migrations) up to `revision` on this engine's database."""
    from alembic import command
    from alembic.config import Config

    alembic_config = Config()
    alembic_config.set_main_option("script_location", str(resources.files("model.readings") / "migrations"))
    try:
        with engine.connect() as connection:
            alembic_config.attributes["connection"] = connection
            command.upgrade(alembic_config, revision)
            connection.commit()
    except exc.SQLAlchemyError as error:
        raise ReadingStoreError(sentence_for(error, url)) from None
