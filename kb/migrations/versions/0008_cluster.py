"""published heads announced between nodes (kb/cluster/)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "published_heads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commit", sa.String(length=40), nullable=False),
        sa.Column("node", sa.String(length=200), nullable=False),
        sa.Column("recorded", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("published_heads")
