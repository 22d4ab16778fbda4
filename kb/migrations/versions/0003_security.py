"""session versions; audit trail indexed by target

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00

``users.session_version`` is part of every session cookie: raising it (sign-out, new
password, new roles, deactivation) ends the user's sessions at once. The index on
``audit_events.target`` serves the audit page's article filter.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "users",
        sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_audit_events_target", "audit_events", ["target"])


def downgrade():
    op.drop_index("ix_audit_events_target", table_name="audit_events")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
