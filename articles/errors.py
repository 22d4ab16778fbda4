"""Domain errors of the articles package.

Every error carries a stable ``code`` (for the web layer's kk/ru/en messages), an
English message that names the problem and the fix, and where known the offending
``field`` and ``line``. The web layer maps them once (``kb/errors.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from articles.model import Article


class ArticleError(Exception):
    """Base of every error raised by the articles domain.

    :param message: English message naming the problem and the fix.
    :param code: stable machine-readable code, e.g. ``"unknown_field"``.
    :param field: the offending front-matter field or parameter, if any.
    :param line: 1-based line in the submitted text, if known.
    """

    default_code = "article_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.field:
            where += f" [field {self.field}]"
        if self.line:
            where += f" [line {self.line}]"
        return f"{self.message}{where}"


class ArticleNotFound(ArticleError):
    """The article (or file, or revision of it) does not exist on the requested line."""

    default_code = "not_found"


class InvalidSlug(ArticleError):
    """A slug, id, language or path failed the allow-list."""

    default_code = "invalid_slug"


class InvalidRevision(ArticleError):
    """A revision id is not hex (or a known line name), or names no commit."""

    default_code = "invalid_revision"


class InvalidArticle(ArticleError):
    """The submitted text is not a valid article (front matter, size, encoding...)."""

    default_code = "invalid_article"


class WorkflowError(ArticleError):
    """A workflow transition that is not allowed from the current state; says why."""

    default_code = "workflow"


class RevisionConflict(ArticleError):
    """The file moved since the revision the save was based on.

    Nothing is lost: ``current`` is the article as it is now (``None`` if it was
    deleted meanwhile) and ``attempted`` the text the caller tried to save.

    :param current: the current version on the draft line, or ``None``.
    :param attempted: the text that was refused.
    :param path: repository path of the file.
    :param expected_revision: the revision the refused save was based on.
    :param current_text: the current file text (also for non-article files).
    """

    default_code = "conflict"

    def __init__(
        self,
        message: str,
        *,
        current: Article | None,
        attempted: str,
        path: str,
        expected_revision: str | None = None,
        current_text: str | None = None,
    ) -> None:
        super().__init__(message, code="conflict")
        self.current_text = current_text
        self.current = current
        self.attempted = attempted
        self.path = path
        self.expected_revision = expected_revision
