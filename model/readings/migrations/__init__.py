"""Alembic migrations of the readings database (run by model.readings.store.upgrade, never by hand-written SQL)."""
