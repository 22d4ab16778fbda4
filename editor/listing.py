"""The article list of the editor: one row per draft, with its state, and the filters.

The list shows one line per translation group (the articles sharing a front-matter
``id``: the kk and ru versions of one answer) with each language's status side by side;
:func:`group_rows` builds those lines from the per-article rows the filters work on.

Pure functions over domain records (no Flask), so the filters are tested directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from articles.model import Article
from articles.model import Status
from articles.model import WorkflowState

#: Rows shown per page of the list.
PAGE_SIZE = 100
#: Languages the list shows in their own columns, in this order.
SIDE_BY_SIDE = ("kk", "ru")

T = TypeVar("T")


@dataclass(frozen=True)
class ArticleRow:
    """One article as the list shows it.

    :param lang: language.
    :param slug: slug.
    :param title: draft title (plain text).
    :param category: category code.
    :param status: workflow status.
    :param published: whether a version is on the published line.
    :param draft_ahead: whether the draft differs from the published version.
    :param due: the ``review_by`` date if it has come.
    :param outdated_by: the language whose newer publication this one lags behind.
    :param updated_by: the last author, as stored (``Name <email>``).
    :param group: the translation group (front-matter ``id``) the article belongs to.
    :param owner: the ``owner`` front-matter field (a login; empty: the last author).
    """

    lang: str
    slug: str
    title: str
    category: str
    status: Status
    published: bool
    draft_ahead: bool
    due: dt.date | None
    outdated_by: str | None
    updated_by: str | None
    group: str = ""
    owner: str = ""


@dataclass(frozen=True)
class GroupRow:
    """One line of the list: the versions of one translation group, by language.

    :param id: the group's id (front-matter ``id``).
    :param rows: ``{lang: row}`` of every version on the draft line.
    :param matched: languages whose row matched the filters.
    """

    id: str
    rows: Mapping[str, ArticleRow]
    matched: frozenset[str]

    @property
    def ordered(self) -> list[ArticleRow]:
        """Every version: the column languages first, then the others by language."""
        order = [*SIDE_BY_SIDE, *(lg for lg in sorted(self.rows) if lg not in SIDE_BY_SIDE)]
        return [self.rows[lg] for lg in order if lg in self.rows]

    @property
    def first(self) -> ArticleRow:
        """The row that names the line: the first matching version in column order."""
        return next(r for r in self.ordered if r.lang in self.matched)

    @property
    def extra(self) -> list[ArticleRow]:
        """Versions in languages without their own column (e.g. ``en``)."""
        return [self.rows[lg] for lg in sorted(self.rows) if lg not in SIDE_BY_SIDE]

    @property
    def missing(self) -> list[str]:
        """Column languages with no version yet."""
        return [lg for lg in SIDE_BY_SIDE if lg not in self.rows]


@dataclass(frozen=True)
class Me:
    """The editor looking at the list, for "my drafts", "my review" and "owned by me".

    :param login: the user name (what ``owner`` fields hold).
    :param email: the e-mail the repository names the user by (``User.git_email``).
    """

    login: str
    email: str

    def wrote(self, person: str | None) -> bool:
        """Whether a stored ``Name <email>`` is this user.

        >>> Me("aigul", "aigul@example.kz").wrote("Айгүл <Aigul@example.kz>")
        True
        """
        _name, sep, rest = (person or "").rpartition(" <")
        return bool(sep) and rest.rstrip(">").strip().lower() == self.email.lower()


@dataclass(frozen=True)
class Filters:
    """What the editor asked the list for (empty means "any")."""

    lang: str = ""
    status: str = ""
    category: str = ""
    q: str = ""
    due: bool = False
    outdated: bool = False
    ahead: bool = False
    #: Drafts whose current text the user wrote.
    mine: bool = False
    #: Articles in review that the user may approve (someone else wrote them).
    review: bool = False
    #: Articles the user owns (``owner`` field, or the last author when it is empty).
    owned: bool = False

    @property
    def personal(self) -> bool:
        """Whether a filter needs to know who wrote each article."""
        return self.mine or self.review or self.owned

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """Read the filters from query arguments (unknown values are ignored later).

        :param args: ``request.args`` or a dict.
        :returns: the filters.
        """
        return cls(
            lang=(args.get("lang") or "").strip(),
            status=(args.get("status") or "").strip(),
            category=(args.get("category") or "").strip(),
            q=(args.get("q") or "").strip()[:200],
            due=bool(args.get("due")),
            outdated=bool(args.get("outdated")),
            ahead=bool(args.get("ahead")),
            mine=bool(args.get("mine")),
            review=bool(args.get("review")),
            owned=bool(args.get("owned")),
        )


def _status_of(
    key: tuple[str, str], states: Mapping[tuple[str, str], WorkflowState], on_pub: bool
) -> WorkflowState:
    state = states.get(key)
    if state is not None:
        return state
    return WorkflowState(status=Status.PUBLISHED if on_pub else Status.DRAFT)


def build_rows(
    drafts: Iterable[Article],
    published_blobs: Mapping[tuple[str, str], str],
    states: Mapping[tuple[str, str], WorkflowState],
    today: dt.date,
    writers: Mapping[tuple[str, str], str] | None = None,
) -> list[ArticleRow]:
    """Combine the draft line, the published line and the workflow records into rows.

    :param drafts: the draft-line articles.
    :param published_blobs: ``{(lang, slug): blob}`` of the published line.
    :param states: ``ArticleStore.states()``.
    :param today: the date "due for review" is measured against.
    :param writers: ``ArticleStore.last_writers()``, when a filter needs the authors.
    :returns: rows in the order of ``drafts``.
    """
    writers = writers or {}
    rows = []
    for article in drafts:
        key = (article.lang, article.slug)
        pub_blob = published_blobs.get(key)
        state = _status_of(key, states, pub_blob is not None)
        review_by = article.meta.review_by
        rows.append(
            ArticleRow(
                lang=article.lang,
                slug=article.slug,
                title=article.meta.title,
                category=article.meta.category,
                status=state.status,
                published=pub_blob is not None,
                draft_ahead=pub_blob is not None and pub_blob != article.blob,
                due=review_by if review_by and review_by <= today else None,
                outdated_by=state.outdated_by,
                updated_by=state.last_author or writers.get(key),
                group=article.meta.id,
                owner=article.meta.owner,
            )
        )
    return rows


def _personal_match(row: ArticleRow, filters: Filters, me: Me | None) -> bool:
    """Whether ``row`` passes the "my drafts", "my review" and "owned by me" filters."""
    if me is None:
        return not filters.personal
    wrote = me.wrote(row.updated_by)
    if filters.mine and not (row.status is Status.DRAFT and wrote):
        return False
    if filters.review and not (row.status is Status.IN_REVIEW and not wrote):
        return False
    return not filters.owned or row.owner == me.login or (not row.owner and wrote)


def apply_filters(
    rows: Sequence[ArticleRow], filters: Filters, me: Me | None = None
) -> list[ArticleRow]:
    """Keep the rows matching every filter that is set.

    >>> row = ArticleRow("kk", "a", "Төлқұжат", "documents", Status.DRAFT, False, False,
    ...                  None, None, None)
    >>> len(apply_filters([row], Filters(q="төлҚҰЖ")))
    1
    >>> len(apply_filters([row], Filters(lang="ru")))
    0

    >>> mine = ArticleRow("kk", "b", "Б", "other", Status.DRAFT, False, False, None, None,
    ...                   "Айгүл <aigul@example.kz>")
    >>> me = Me("aigul", "aigul@example.kz")
    >>> [r.slug for r in apply_filters([row, mine], Filters(mine=True), me)]
    ['b']

    :param rows: the rows.
    :param filters: the filters.
    :param me: who looks (the personal filters match nothing without).
    :returns: matching rows, in order.
    """
    needle = filters.q.casefold()
    out = []
    for row in rows:
        if filters.lang and row.lang != filters.lang:
            continue
        if filters.status and row.status.value != filters.status:
            continue
        if filters.category and row.category != filters.category:
            continue
        if filters.due and row.due is None:
            continue
        if filters.outdated and not row.outdated_by:
            continue
        if filters.ahead and not row.draft_ahead:
            continue
        if needle and needle not in row.title.casefold() and needle not in row.slug:
            continue
        if filters.personal and not _personal_match(row, filters, me):
            continue
        out.append(row)
    return out


def group_rows(rows: Sequence[ArticleRow], matching: Sequence[ArticleRow]) -> list[GroupRow]:
    """One line per translation group that has a matching row, with all its versions.

    A group shows every language's status even when only one language matched (a filter
    for drafts in Kazakh still shows that the Russian version is published).

    >>> kk = ArticleRow("kk", "a", "Төлқұжат", "documents", Status.DRAFT, False, False,
    ...                 None, None, None, "passport")
    >>> ru = ArticleRow("ru", "a", "Паспорт", "documents", Status.PUBLISHED, True, False,
    ...                 None, None, None, "passport")
    >>> [(g.id, sorted(g.rows), sorted(g.matched)) for g in group_rows([kk, ru], [kk])]
    [('passport', ['kk', 'ru'], ['kk'])]

    :param rows: every row (the group's other versions come from here).
    :param matching: the rows the filters kept, in the order the list shows.
    :returns: groups in the order of their first matching row.
    """
    by_group: dict[str, dict[str, ArticleRow]] = {}
    for row in rows:
        by_group.setdefault(row.group or f"{row.lang}/{row.slug}", {}).setdefault(row.lang, row)
    matched: dict[str, set[str]] = {}
    for row in matching:
        matched.setdefault(row.group or f"{row.lang}/{row.slug}", set()).add(row.lang)
    return [
        GroupRow(id=group, rows=by_group[group], matched=frozenset(langs))
        for group, langs in matched.items()
    ]


def page_of(rows: Sequence[T], page: int) -> tuple[list[T], int]:
    """Cut one page out of the rows.

    :param rows: all matching rows.
    :param page: 1-based page number (clamped to the valid range).
    :returns: the rows of the page and the number of pages.
    """
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    return list(rows[start : start + PAGE_SIZE]), pages


def tickable(groups: Iterable[GroupRow]) -> list[str]:
    """The articles "select all" stands for on a page of the list, as ``lang/slug``.

    Those that matched the filters and have a box (the language columns,
    :data:`SIDE_BY_SIDE`), in page order: a line shows every version of its group, but
    with "Language: ru" chosen, "select all" takes the Russian ones only.

    :param groups: the lines of one page.
    :returns: ``lang/slug`` of every matching version shown with a box.
    """
    return [
        f"{row.lang}/{row.slug}"
        for group in groups
        for code in SIDE_BY_SIDE
        if code in group.matched and (row := group.rows.get(code)) is not None
    ]


def review_queue(
    states: Mapping[tuple[str, str], WorkflowState],
) -> list[tuple[str, str, WorkflowState]]:
    """Articles waiting for a reviewer (in review), oldest submission first.

    :param states: ``ArticleStore.states()``.
    :returns: ``(lang, slug, state)`` triples.
    """
    waiting = [
        (lang, slug, state)
        for (lang, slug), state in states.items()
        if state.status is Status.IN_REVIEW
    ]
    return sorted(waiting, key=lambda item: (item[2].submitted_at or "", item[0], item[1]))


def awaiting_publication(
    states: Mapping[tuple[str, str], WorkflowState],
) -> list[tuple[str, str, WorkflowState]]:
    """Approved and scheduled articles (approval oldest first, then by schedule).

    :param states: ``ArticleStore.states()``.
    :returns: ``(lang, slug, state)`` triples.
    """
    ready = [
        (lang, slug, state)
        for (lang, slug), state in states.items()
        if state.status in (Status.APPROVED, Status.SCHEDULED)
    ]
    return sorted(
        ready,
        key=lambda item: (item[2].scheduled_for or "", item[2].approved_at or "", item[0], item[1]),
    )
