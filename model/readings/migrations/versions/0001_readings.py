"""Readers, films, readings and their marks.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "readers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("read_only", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "films",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("name", sa.String(400), nullable=False),
        sa.Column("path", sa.Text, nullable=True),
    )
    op.create_table(
        "readings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("film_sha256", sa.String(64), sa.ForeignKey("films.sha256"), nullable=False),
        sa.Column("no_finding", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("reader_id", "film_sha256", name="uq_reading_reader_film"),
    )
    op.create_index("ix_readings_reader_id", "readings", ["reader_id"])
    op.create_index("ix_readings_film_sha256", "readings", ["film_sha256"])
    op.create_table(
        "marks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reading_id", sa.Integer, sa.ForeignKey("readings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("mark_id", sa.String(64), nullable=False),
        sa.Column("shape", sa.String(16), nullable=False),
        sa.Column("x0", sa.Float, nullable=False),
        sa.Column("y0", sa.Float, nullable=False),
        sa.Column("x1", sa.Float, nullable=False),
        sa.Column("y1", sa.Float, nullable=False),
        sa.Column("finding", sa.String(32), nullable=False),
        sa.Column("confidence", sa.Integer, nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.CheckConstraint("x1 > x0 AND y1 > y0", name="ck_mark_has_size"),
        sa.CheckConstraint("confidence IS NULL OR (confidence >= 1 AND confidence <= 5)", name="ck_mark_confidence"),
    )
    op.create_index("ix_marks_reading_id", "marks", ["reading_id"])


def downgrade() -> None:
    for table in ("marks", "readings", "films", "readers"):
        op.drop_table(table)
