"""Records of the articles domain (frozen dataclasses) and its enums."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from dataclasses import field
from typing import Any

#: Allowed values of the ``category`` front-matter field (docs/content-format.md).
CATEGORIES = (
    "channels",
    "documents",
    "family",
    "social",
    "pension",
    "taxes",
    "property",
    "business",
    "digital-signature",
    "complaints",
    "health",
    "education",
    "transport",
    "other",
)


class Status(enum.StrEnum):
    """Workflow status of an article on the draft line."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    RETIRED = "retired"


@dataclass(frozen=True)
class Actor:
    """Who acts; becomes the git author of the commit.

    :param name: display name (no ``<``, ``>`` or line breaks: it goes into a commit header).
    :param email: e-mail address, same restriction.
    """

    name: str
    email: str

    def __post_init__(self) -> None:
        for value in (self.name, self.email):
            if not value or any(c in value for c in "<>\n\r\0"):
                raise ValueError(
                    f"Invalid actor {self.name!r} <{self.email!r}>: name and e-mail must be "
                    "non-empty and contain no '<', '>' or line breaks."
                )

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class ArticleMeta:
    """The front matter of an article (see docs/content-format.md)."""

    id: str
    title: str
    lang: str
    category: str = "other"
    services: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    answer: str = ""
    facts: dict[str, Any] = field(default_factory=dict, hash=False)
    review_by: dt.date | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    related: tuple[str, ...] = ()
    source: str = ""
    source_hash: str = ""
    #: The user name of whoever keeps the article current (review-by reminders go to
    #: them); empty means the author of the current draft.
    owner: str = ""


@dataclass(frozen=True)
class Article:
    """One version of one article as read from a line of the repository.

    :param meta: parsed front matter.
    :param body: Markdown body (after the front matter).
    :param slug: file name without ``.md``.
    :param revision: commit of the line at which this version was read; pass it back as
        ``expected_revision`` when saving an edit of it.
    :param blob: git blob id of the file (identifies the exact content).
    :param line: ``"draft"`` or ``"published"``.
    :param warnings: non-fatal problems found on save (e.g. unknown agency ids).
    """

    meta: ArticleMeta
    body: str
    slug: str
    revision: str
    blob: str = ""
    line: str = "draft"
    warnings: tuple[str, ...] = ()

    @property
    def lang(self) -> str:
        """Language folder of the article."""
        return self.meta.lang

    @property
    def id(self) -> str:
        """Translation-group id shared across languages."""
        return self.meta.id

    @property
    def title(self) -> str:
        """Title (plain text: escape it when showing it)."""
        return self.meta.title

    @property
    def path(self) -> str:
        """Repository path ``<lang>/<slug>.md``."""
        return f"{self.meta.lang}/{self.slug}.md"


@dataclass(frozen=True)
class TocEntry:
    """One heading of a rendered article (plain-text title)."""

    level: int
    id: str
    title: str


@dataclass(frozen=True)
class Rendered:
    """Result of rendering Markdown: sanitised HTML, plain text for indexing, headings."""

    html: str
    text: str
    toc: tuple[TocEntry, ...] = ()


@dataclass(frozen=True)
class Revision:
    """One history entry (a commit touching an article or its workflow record).

    :param commit: full commit id.
    :param author: author name (the acting user).
    :param email: author e-mail.
    :param date: author date (timezone-aware).
    :param message: full commit message (subject, body, trailers).
    :param reviewer: ``"Name <email>"`` of who approved this version if it was published.
    :param line: ``"draft"`` or ``"published"``.
    :param changed_text: whether the article file itself changed in this commit.
    """

    commit: str
    author: str
    email: str
    date: dt.datetime
    message: str
    reviewer: str | None = None
    line: str = "draft"
    changed_text: bool = True

    @property
    def subject(self) -> str:
        """First line of the commit message."""
        return self.message.split("\n", 1)[0]


@dataclass(frozen=True)
class WorkflowState:
    """Workflow record of one article (kept in ``.workflow/<lang>/<slug>.yaml`` on main).

    People are stored as ``"Name <email>"`` strings; times as ISO strings in UTC.
    """

    status: Status = Status.DRAFT
    last_author: str | None = None
    submitted_by: str | None = None
    submitted_at: str | None = None
    approved_by: str | None = None
    approved_at: str | None = None
    approved_blob: str | None = None
    rejected_by: str | None = None
    comment: str | None = None
    scheduled_for: str | None = None
    scheduled_by: str | None = None
    published_by: str | None = None
    published_at: str | None = None
    published_commit: str | None = None
    published_blob: str | None = None
    outdated_by: str | None = None
    outdated_since: str | None = None

    @property
    def outdated(self) -> bool:
        """True when a translation was published with changes after this one."""
        return self.outdated_by is not None
