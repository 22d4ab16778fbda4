"""Tables of the search analytics: result opens and the roll-ups the dashboard reads.

Raw rows (``search_log`` in :mod:`kb.models`, ``search_opens`` here) are kept for
``SEARCH_LOG_DAYS``; the roll-ups are kept for good. Roll-up days and hours are the
Center's local ones (``TIMEZONE`` when the rows were rolled up).
"""

from __future__ import annotations

from datetime import date
from datetime import datetime

from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from kb.models import db
from kb.models import utcnow


class SearchOpen(db.Model):  # type: ignore[name-defined]
    """A result opened from a search: which query, which article, at which position."""

    __tablename__ = "search_opens"
    __table_args__ = (
        Index("ix_search_opens_rolled_id", "rolled", "id"),
        Index("ix_search_opens_when", "when"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    when: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8), default="screen")
    query: Mapped[str] = mapped_column(String(500), default="")
    article: Mapped[str] = mapped_column(String(120))  # "<lang>/<slug>" or "body/<id>"
    position: Mapped[int] = mapped_column(default=0)  # 1 = first result; 0 = unknown
    rolled: Mapped[bool] = mapped_column(default=False)


class SearchHourly(db.Model):  # type: ignore[name-defined]
    """Settled searches per local hour, language and channel."""

    __tablename__ = "analytics_hourly"
    __table_args__ = (
        UniqueConstraint("day", "hour", "lang", "channel", name="uq_analytics_hourly"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    hour: Mapped[int]
    lang: Mapped[str] = mapped_column(String(4))
    channel: Mapped[str] = mapped_column(String(8))
    searches: Mapped[int] = mapped_column(default=0)
    zero_results: Mapped[int] = mapped_column(default=0)
    with_hits: Mapped[int] = mapped_column(default=0)
    opened: Mapped[int] = mapped_column(default=0)


class SearchQueryDaily(db.Model):  # type: ignore[name-defined]
    """Settled searches per local day, language, channel and normalised query."""

    __tablename__ = "analytics_query_daily"
    __table_args__ = (
        UniqueConstraint("day", "lang", "channel", "query", name="uq_analytics_query_daily"),
        Index(
            "ix_analytics_query_daily_cover",
            "day",
            "lang",
            "channel",
            "query",
            "searches",
            "zero_results",
            "with_hits",
            "opened",
            "hits_sum",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    lang: Mapped[str] = mapped_column(String(4))
    channel: Mapped[str] = mapped_column(String(8))
    query: Mapped[str] = mapped_column(String(500))
    searches: Mapped[int] = mapped_column(default=0)
    zero_results: Mapped[int] = mapped_column(default=0)
    with_hits: Mapped[int] = mapped_column(default=0)
    opened: Mapped[int] = mapped_column(default=0)
    hits_sum: Mapped[int] = mapped_column(default=0)


class ArticleDaily(db.Model):  # type: ignore[name-defined]
    """Per local day, channel and article: times shown in the top results, opens, positions."""

    __tablename__ = "analytics_article_daily"
    __table_args__ = (
        UniqueConstraint("day", "channel", "article", name="uq_analytics_article_daily"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    lang: Mapped[str] = mapped_column(String(4))  # the article's language
    channel: Mapped[str] = mapped_column(String(8))
    article: Mapped[str] = mapped_column(String(120))
    shown: Mapped[int] = mapped_column(default=0)
    opens: Mapped[int] = mapped_column(default=0)
    position_sum: Mapped[int] = mapped_column(default=0)
    positioned: Mapped[int] = mapped_column(default=0)  # opens with a known position


class ActorDaily(db.Model):  # type: ignore[name-defined]
    """Settled searches per local day, language, channel and user (shown to admins only)."""

    __tablename__ = "analytics_actor_daily"
    __table_args__ = (
        UniqueConstraint("day", "lang", "channel", "actor", name="uq_analytics_actor_daily"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    lang: Mapped[str] = mapped_column(String(4))
    channel: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(64))
    searches: Mapped[int] = mapped_column(default=0)
    zero_results: Mapped[int] = mapped_column(default=0)
