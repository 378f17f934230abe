"""Worklists for reader studies: named, ordered lists of films.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worklists",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "worklist_films",
        sa.Column("worklist_id", sa.Integer, sa.ForeignKey("worklists.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("film_sha256", sa.String(64), sa.ForeignKey("films.sha256"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("worklist_films")
    op.drop_table("worklists")
