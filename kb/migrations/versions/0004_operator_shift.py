"""operator shift: caller language, pinned answers, favourites, read marks, important flags

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "operator_prefs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("caller_lang", sa.String(length=2), nullable=False),
        sa.Column("updated", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "pinned_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.String(length=120), nullable=False),
        sa.Column("pinned_by", sa.String(length=64), nullable=False),
        sa.Column("when", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id"),
    )
    op.create_table(
        "favourites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.String(length=120), nullable=False),
        sa.Column("when", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "article_id"),
    )
    with op.batch_alter_table("favourites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_favourites_user_id"), ["user_id"], unique=False)
    op.create_table(
        "shift_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=120), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("when", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "path", "version"),
    )
    with op.batch_alter_table("shift_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shift_reads_user_id"), ["user_id"], unique=False)
    op.create_table(
        "important_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("flagged_by", sa.String(length=64), nullable=False),
        sa.Column("when", sa.DateTime(), nullable=False),
        sa.Column("withdrawn", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("important_flags", schema=None) as batch_op:
        batch_op.create_index("ix_important_flags_article", ["article_id"], unique=False)
    op.create_table(
        "confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("when", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["flag_id"], ["important_flags.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("flag_id", "user_id"),
    )
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_confirmations_flag_id"), ["flag_id"], unique=False)


def downgrade():
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_confirmations_flag_id"))
    op.drop_table("confirmations")
    with op.batch_alter_table("important_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_important_flags_article")
    op.drop_table("important_flags")
    with op.batch_alter_table("shift_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shift_reads_user_id"))
    op.drop_table("shift_reads")
    with op.batch_alter_table("favourites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_favourites_user_id"))
    op.drop_table("favourites")
    op.drop_table("pinned_answers")
    op.drop_table("operator_prefs")
