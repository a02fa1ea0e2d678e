"""Indexes that serve the incident list (newest first, and its count by review status, from the index alone)
and merging (a report's country and dates).

The single-column indexes on ``date`` and ``country`` are prefixes of the new ones; the one on ``status``
goes: nearly every incident is new or confirmed, and SQLite's planner (without statistics) chose it and
then sorted the whole table for every page of the list.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incidents_date_id_status", "incidents", ["date", "id", "status"])
    op.create_index("ix_incidents_country_date", "incidents", ["country", "date"])
    op.drop_index("ix_incidents_date", table_name="incidents")
    op.drop_index("ix_incidents_country", table_name="incidents")
    op.drop_index("ix_incidents_status", table_name="incidents")


def downgrade() -> None:
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_index("ix_incidents_country", "incidents", ["country"])
    op.create_index("ix_incidents_date", "incidents", ["date"])
    op.drop_index("ix_incidents_country_date", table_name="incidents")
    op.drop_index("ix_incidents_date_id_status", table_name="incidents")
