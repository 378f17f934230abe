"""What goes wrong with the readings database, in sentences a person can act on; the password never appears."""

from __future__ import annotations

from sqlalchemy import exc
from sqlalchemy.engine import make_url


class ReadingStoreError(RuntimeError):
    """The database could not do what was asked; the message is the sentence to show. Nothing was half-written:
    every change is one transaction."""


class ReadingConflict(ReadingStoreError):
    """The reading changed in another session since this one loaded it; this save was refused, the other kept."""


def describe_url(url: str) -> str:
    """The database's address for a sentence: driver, host, port and database, never the password; an address that
    does not parse is not repeated at all (it may hold one)."""
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError, TypeError):
        return "the database named in $CXR_DATABASE_URL"
    if parsed.get_backend_name() == "sqlite":
        return f"the SQLite file {parsed.database or '(in memory)'}"
    where = parsed.host or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    return f"the {parsed.get_backend_name()} database {parsed.database or ''} at {where}{port}".replace("  ", " ")


def sentence_for(error: BaseException, url: str) -> str:
    """One sentence for a database error, naming the database (without its password) and what to do."""
    where = describe_url(url)
    if isinstance(error, exc.NoSuchModuleError):
        return f"No database driver is installed for {where}: install its driver or use a postgresql+psycopg:// URL."
    if isinstance(error, exc.ArgumentError | ValueError) and "url" in str(error).lower():
        return (
            "$CXR_DATABASE_URL is not a database address (expected for example "
            "postgresql+psycopg://reader@localhost:5432/readings or sqlite:////path/readings.sqlite3)."
        )
    original = str(getattr(error, "orig", None) or error).lower()
    if "readonly" in original or "read-only" in original or "read only" in original:
        return f"{where} is read-only: nothing was saved. Ask for write access or point $CXR_DATABASE_URL elsewhere."
    if "disk is full" in original or "no space" in original or "disk full" in original:
        return f"{where} is full (no space left): nothing was saved. Free some space and save again."
    if "unable to open database" in original:
        return f"Cannot open {where}: its folder does not exist or cannot be written."
    if "password authentication failed" in original or "authentication" in original:
        return f"{where} refused the login: check the user and password in $CXR_DATABASE_URL."
    if "does not exist" in original and "database" in original:
        return f"{where} does not exist on that server: create it, or name another in $CXR_DATABASE_URL."
    if "database is locked" in original or "database table is locked" in original:
        return f"{where} is busy with another session's save: nothing was saved; save again in a moment."
    if isinstance(error, exc.OperationalError | exc.InterfaceError) or "connect" in original:
        return f"Cannot reach {where}: is the server running and the address right? Nothing was saved."
    if isinstance(error, exc.IntegrityError):
        return "Another session saved the same reading at the same moment; yours was not saved. Save again."
    return f"{where} refused the change ({type(error).__name__}); nothing was saved."
