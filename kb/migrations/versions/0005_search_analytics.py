"""search analytics: channel, language, top results and roll-up state on the search log;
result opens; hourly and daily roll-ups

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _counter(name):
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def upgrade():
    with op.batch_alter_table("search_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=8), nullable=False, server_default="screen")
        )
        batch_op.add_column(
            sa.Column("lang", sa.String(length=4), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("top_ids", sa.String(length=600), nullable=False, server_default="")
        )
        batch_op.add_column(_counter("state"))
        batch_op.create_index("ix_search_log_state_id", ["state", "id"], unique=False)
        batch_op.create_index("ix_search_log_actor_when", ["actor", "when"], unique=False)
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_when", ["when"], unique=False)

    op.create_table(
        "search_opens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("when", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("query", sa.String(length=500), nullable=False),
        sa.Column("article", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rolled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("search_opens", schema=None) as batch_op:
        batch_op.create_index("ix_search_opens_rolled_id", ["rolled", "id"], unique=False)
        batch_op.create_index("ix_search_opens_when", ["when"], unique=False)

    op.create_table(
        "analytics_hourly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=4), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        _counter("searches"),
        _counter("zero_results"),
        _counter("with_hits"),
        _counter("opened"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "hour", "lang", "channel", name="uq_analytics_hourly"),
    )
    op.create_table(
        "analytics_query_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lang", sa.String(length=4), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("query", sa.String(length=500), nullable=False),
        _counter("searches"),
        _counter("zero_results"),
        _counter("with_hits"),
        _counter("opened"),
        _counter("hits_sum"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "lang", "channel", "query", name="uq_analytics_query_daily"),
    )
    # Covers the dashboard's one scan of a period (read from the index alone).
    op.create_index(
        "ix_analytics_query_daily_cover",
        "analytics_query_daily",
        [
            "day",
            "lang",
            "channel",
            "query",
            "searches",
            "zero_results",
            "with_hits",
            "opened",
            "hits_sum",
        ],
    )
    op.create_table(
        "analytics_article_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lang", sa.String(length=4), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("article", sa.String(length=120), nullable=False),
        _counter("shown"),
        _counter("opens"),
        _counter("position_sum"),
        _counter("positioned"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "channel", "article", name="uq_analytics_article_daily"),
    )
    op.create_table(
        "analytics_actor_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lang", sa.String(length=4), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        _counter("searches"),
        _counter("zero_results"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "lang", "channel", "actor", name="uq_analytics_actor_daily"),
    )


def downgrade():
    op.drop_table("analytics_actor_daily")
    op.drop_table("analytics_article_daily")
    op.drop_index("ix_analytics_query_daily_cover", table_name="analytics_query_daily")
    op.drop_table("analytics_query_daily")
    op.drop_table("analytics_hourly")
    with op.batch_alter_table("search_opens", schema=None) as batch_op:
        batch_op.drop_index("ix_search_opens_when")
        batch_op.drop_index("ix_search_opens_rolled_id")
    op.drop_table("search_opens")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_when")
    with op.batch_alter_table("search_log", schema=None) as batch_op:
        batch_op.drop_index("ix_search_log_actor_when")
        batch_op.drop_index("ix_search_log_state_id")
        batch_op.drop_column("state")
        batch_op.drop_column("top_ids")
        batch_op.drop_column("lang")
        batch_op.drop_column("channel")
