"""course progress and quiz answers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 08:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "course_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.String(length=80), nullable=False),
        sa.Column("course_revision", sa.String(length=40), nullable=False),
        sa.Column("module_id", sa.String(length=80), nullable=False),
        sa.Column("when", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("course_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_progress_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            "ix_course_progress_user_course", ["user_id", "course_id"], unique=False
        )

    op.create_table(
        "quiz_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.String(length=80), nullable=False),
        sa.Column("course_revision", sa.String(length=40), nullable=False),
        sa.Column("module_id", sa.String(length=80), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("when", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quiz_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_answers_course_id"), ["course_id"], unique=False)
        batch_op.create_index("ix_quiz_answers_user_course", ["user_id", "course_id"], unique=False)


def downgrade():
    with op.batch_alter_table("quiz_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_answers_user_course")
        batch_op.drop_index(batch_op.f("ix_quiz_answers_course_id"))
    op.drop_table("quiz_answers")
    with op.batch_alter_table("course_progress", schema=None) as batch_op:
        batch_op.drop_index("ix_course_progress_user_course")
        batch_op.drop_index(batch_op.f("ix_course_progress_course_id"))
    op.drop_table("course_progress")
