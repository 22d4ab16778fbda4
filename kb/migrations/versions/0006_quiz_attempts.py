"""quiz attempts: number every answer per user and question (the first attempt is the score)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:00:00

Answers given before this migration are numbered in the order they were stored, so the
first of them becomes the score too.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("quiz_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))
        batch_op.create_index(
            "ix_quiz_answers_user_question", ["user_id", "course_id", "question_id"], unique=False
        )
    # A correlated count is plain SQL that SQLite and PostgreSQL both run.
    op.execute(
        "UPDATE quiz_answers SET attempt = ("
        " SELECT COUNT(*) FROM quiz_answers AS earlier"
        " WHERE earlier.user_id = quiz_answers.user_id"
        " AND earlier.course_id = quiz_answers.course_id"
        " AND earlier.question_id = quiz_answers.question_id"
        " AND earlier.id <= quiz_answers.id)"
    )


def downgrade():
    with op.batch_alter_table("quiz_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_answers_user_question")
        batch_op.drop_column("attempt")
