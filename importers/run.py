"""Run an import into the article store: idempotent, one commit, nothing partial.

Each imported article remembers where it came from in its front matter: ``source`` is
``<importer>:<source id>`` and ``source_hash`` the hash of the content the import wrote
(front matter and body, as the store parses them). A later run of the same source then
decides per article:

- new source id → **created** (a draft unless ``publish=True``);
- same hash as recorded → **unchanged**, nothing written;
- new content, and the article still holds exactly what the last import wrote (its own
  hash equals the recorded one) → **updated**;
- new content, but an editor changed the article since → **conflict**: reported, not
  overwritten, so no edit is lost silently;
- a row or file that cannot be read or fails validation → **skipped**, with its origin and
  the fix; the rest of the batch goes on.

All writes go into one :meth:`ArticleStore.save_many` commit attributed to the importing
user, so one rollback undoes a bad import; if that commit fails, nothing is written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import yaml

from articles.attachments import AttachmentRefused
from articles.attachments import check
from articles.errors import ArticleError
from articles.errors import ArticleNotFound
from articles.errors import InvalidArticle
from articles.errors import InvalidSlug
from articles.frontmatter import MAX_TITLE_CHARS
from articles.frontmatter import meta_to_dict
from articles.model import CATEGORIES
from articles.model import Actor
from articles.model import Article
from articles.model import ArticleMeta
from importers.base import LANGUAGES
from importers.base import ImportedArticle
from importers.base import ImportProblem
from importers.base import Origin
from importers.categories import category_code
from importers.images import PLACEHOLDER
from importers.language import detect_language
from importers.registry import IMPORTERS
from importers.slugs import slugify
from importers.slugs import unique_slug
from importers.tables import split_list

if TYPE_CHECKING:
    from articles.store import ArticleStore

#: ``progress(done, total)``, called after each item is decided (drives a progress bar).
Progress = Callable[[int, int], None]

# Fields that identify the import itself, left out of the content hash.
_BOOKKEEPING = ("source", "source_hash")


@dataclass(frozen=True)
class ReportEntry:
    """One article the run created, updated, left alone or refused to overwrite.

    :param origin: the file and line/row it came from.
    :param lang: its language.
    :param slug: its slug.
    :param title: its title.
    :param reason: for conflicts and notes, what happened and what to do.
    """

    origin: Origin
    lang: str
    slug: str
    title: str
    reason: str = ""

    def __str__(self) -> str:
        text = f"{self.lang}/{self.slug} «{self.title}» ({self.origin})"
        return f"{text}: {self.reason}" if self.reason else text


@dataclass(frozen=True)
class ImportReport:
    """What an import run did (or, with ``dry_run``, would do).

    :param importer: the importer's name.
    :param path: the imported file or folder.
    :param dry_run: ``True`` when nothing was written.
    :param created: new articles.
    :param updated: articles rewritten from a changed source.
    :param unchanged: articles whose source did not change.
    :param conflicts: articles edited in the knowledge base since their import; not
        overwritten.
    :param skipped: inputs that could not be imported, with origin and reason.
    :param commit: the draft-line commit after the run (``None`` for a dry run or when
        nothing was written).
    :param published: with ``publish=True``, the articles put on the published line: the
        created and updated ones, and unchanged imports that were still unpublished drafts.
    """

    importer: str
    path: str
    dry_run: bool
    created: tuple[ReportEntry, ...] = ()
    updated: tuple[ReportEntry, ...] = ()
    unchanged: tuple[ReportEntry, ...] = ()
    conflicts: tuple[ReportEntry, ...] = ()
    skipped: tuple[ImportProblem, ...] = ()
    commit: str | None = None
    published: tuple[ReportEntry, ...] = ()

    @property
    def written(self) -> tuple[ReportEntry, ...]:
        """The created and updated articles."""
        return self.created + self.updated

    def summary(self) -> str:
        """Plain-text report: counts, then one line per conflict and skipped input.

        :returns: the report, several lines, no trailing newline.
        """
        mode = " (dry run: nothing written)" if self.dry_run else ""
        lines = [
            f"Import {self.importer} {self.path}{mode}: {len(self.created)} created, "
            f"{len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.conflicts)} conflicts, {len(self.skipped)} skipped."
        ]
        if self.published:
            lines.append(f"Published: {len(self.published)}.")
        if self.commit:
            lines.append(f"Commit {self.commit[:12]}.")
        sections = (
            ("Conflicts (edited since the last import, not overwritten)", self.conflicts),
            ("Skipped", self.skipped),
        )
        for heading, items in sections:
            if items:
                lines.append(f"{heading}:")
                lines.extend(f"  - {item}" for item in items)
        return "\n".join(lines)


class ImportAborted(Exception):
    """The final commit failed: nothing of the run was written.

    :param message: what failed and what to do.
    :param report: what the run would have done (as a dry run).
    """

    def __init__(self, message: str, report: ImportReport) -> None:
        super().__init__(message)
        self.report = report


def content_hash(meta: ArticleMeta, body: str) -> str:
    """Hash of an article's content, bookkeeping fields excluded.

    Computed on parsed values, so formatting the store may change (key order, quoting,
    trailing blank lines) does not count as an edit.

    :param meta: the parsed front matter.
    :param body: the Markdown body.
    :returns: ``sha256:`` and 16 hex digits.
    """
    fields = {
        f.name: getattr(meta, f.name)
        for f in dataclasses.fields(meta)
        if f.name not in _BOOKKEEPING
    }
    payload = json.dumps(
        {"meta": fields, "body": body.strip()},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _short_title(title: str) -> tuple[str, str]:
    """Fit a title to the store's limit; returns ``(title, full title if cut else "")``."""
    title = " ".join(title.split())
    if len(title) <= MAX_TITLE_CHARS:
        return title, ""
    cut = title[: MAX_TITLE_CHARS - 1].rsplit(" ", 1)[0]
    return cut + "…", title


@dataclass
class _Plan:
    """Mutable state of one run while items are decided."""

    existing: dict[tuple[str, str], Article]
    taken: dict[str, set[str]]
    claimed: set[tuple[str, str]]
    writes: list[tuple[str, str, str, str | None]]
    publish: bool
    published: list[ReportEntry]
    created: list[ReportEntry]
    updated: list[ReportEntry]
    unchanged: list[ReportEntry]
    conflicts: list[ReportEntry]
    skipped: list[ImportProblem]
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)


def _front_matter(
    item: ImportedArticle,
    *,
    lang: str,
    slug: str,
    source: str,
    default_category: str | None,
) -> tuple[dict[str, Any], str]:
    """Front matter and body for an imported item (before validation by the store)."""
    meta: dict[str, Any] = {k: v for k, v in item.meta.items() if v not in (None, "", [], {})}
    title, full_title = _short_title(item.title)
    body = item.body_markdown.strip()
    if full_title:
        body = f"**{full_title}**\n\n{body}"  # a cut title is kept whole in the body
    raw_keywords = meta.get("keywords") or []
    if isinstance(raw_keywords, str):
        raw_keywords = split_list(raw_keywords)
    keywords = [str(k) for k in raw_keywords] if isinstance(raw_keywords, list) else []
    label = str(meta.get("category") or "").strip()
    code = category_code(label) if label else None
    if label and code is None:
        keywords.append(label)  # an unknown source category is kept as a keyword
    if label and code is not None and code != label.lower():
        keywords.append(label)  # the source's own wording helps search
    meta["category"] = code or default_category or "other"
    if keywords:
        meta["keywords"] = list(dict.fromkeys(keywords))
    if isinstance(meta.get("agencies"), list):
        # Bodies are referenced by id (bodies/<id>.yaml): "МВД" becomes "mvd".
        agencies = [slugify(str(a)) for a in meta["agencies"]]
        meta["agencies"] = [a for a in dict.fromkeys(agencies) if a]
    meta["id"] = str(meta.get("id") or "") or slug
    ordered = {"id": meta.pop("id"), "title": title, "lang": lang}
    ordered.update(meta)
    ordered["source"] = source
    return ordered, body


def _text(front_matter: Mapping[str, Any], body: str) -> str:
    """The article file: one front matter field a line (lists inline, as editors write
    them in docs/content-format.md), then the body."""
    lines = []
    for key, value in front_matter.items():
        if isinstance(value, list | tuple):
            inline = yaml.safe_dump(
                list(value), allow_unicode=True, default_flow_style=True, width=10_000
            )
            lines.append(f"{key}: {inline.strip()}\n")
        else:
            lines.append(
                yaml.safe_dump(
                    {key: value}, allow_unicode=True, default_flow_style=False, width=10_000
                )
            )
    return "---\n" + "".join(lines) + "---\n" + body.strip() + "\n"


def _article_text(meta: ArticleMeta, body: str) -> str:
    return _text(meta_to_dict(meta), body)


def _attach(
    store: ArticleStore, item: ImportedArticle, lang: str, slug: str, plan: _Plan
) -> tuple[ImportedArticle, dict[str, bytes]]:
    """Check the item's images as uploads are checked; point the body at those kept.

    A refused image is removed from the body and reported (the article is still imported).

    :returns: the item with its body rewritten, and ``{path: bytes}`` to store beside it.
    """
    if not item.attachments:
        return item, {}
    body = item.body_markdown
    files: dict[str, bytes] = {}
    for image in item.attachments:
        placeholder = f"({PLACEHOLDER}{image.key})"
        try:
            checked = check(image.data, image.name, lang, slug, store.attachment_limits)
        except AttachmentRefused as refusal:
            body = re.sub(r"!\[[^\]\n]*\]" + re.escape(placeholder), "", body)
            plan.skipped.append(
                ImportProblem(
                    item.origin,
                    f"image {image.name!r} was left out of the article: {refusal.message}",
                )
            )
            continue
        body = body.replace(placeholder, f"({checked.url})")
        files[checked.path] = checked.data
    return dataclasses.replace(item, body_markdown=body), files


def _resolve_lang(item: ImportedArticle, lang: str | None) -> str:
    return item.lang or lang or detect_language(f"{item.title}\n{item.body_markdown}")


def _renamed(
    item: ImportedArticle | ImportProblem, prefix: str, name: str
) -> ImportedArticle | ImportProblem:
    """``item`` with its origin (and a problem's message) naming ``name`` instead of ``prefix``."""
    origin = item.origin
    if not origin.path.startswith(prefix):
        return item
    origin = dataclasses.replace(origin, path=name + origin.path[len(prefix) :])
    if isinstance(item, ImportProblem):
        return ImportProblem(origin, item.message.replace(prefix, name))
    return dataclasses.replace(item, origin=origin)


def _unpublished(store: ArticleStore, article: Article) -> bool:
    """Whether the published line lacks this exact draft."""
    try:
        return store.get(article.lang, article.slug, line="published").blob != article.blob
    except ArticleNotFound:
        return True


def _decide(
    store: ArticleStore,
    importer_name: str,
    item: ImportedArticle,
    plan: _Plan,
    *,
    lang: str | None,
    category: str | None,
) -> None:
    """Classify one item and queue its write, updating ``plan``."""
    item_lang = _resolve_lang(item, lang)
    source = f"{importer_name}:{item.source_id}"
    key = (item_lang, source)
    if key in plan.claimed:
        plan.skipped.append(
            ImportProblem(item.origin, f"{source} appears twice in this import: keep one")
        )
        return
    plan.claimed.add(key)
    current = plan.existing.get(key)
    taken = plan.taken.setdefault(item_lang, set())
    if current is not None:
        slug = current.slug
    elif item.slug:
        slug = item.slug
        if slug in taken:
            plan.skipped.append(
                ImportProblem(
                    item.origin,
                    f"{item_lang}/{slug} already exists and was not imported from this "
                    f"source: rename the file, or delete or move that article first",
                )
            )
            return
    else:
        base = slugify(item.title) or slugify(item.source_id) or "article"
        slug = unique_slug(base, taken)
    item, files = _attach(store, item, item_lang, slug, plan)
    front_matter, body = _front_matter(
        item, lang=item_lang, slug=slug, source=source, default_category=category
    )
    try:
        meta, parsed_body = store.parse(_text(front_matter, body), item_lang, slug)
    except (InvalidArticle, InvalidSlug) as error:
        field = f" (field {error.field})" if error.field else ""
        plan.skipped.append(ImportProblem(item.origin, f"{error.message}{field}"))
        return
    new_hash = content_hash(meta, parsed_body)
    entry = ReportEntry(item.origin, item_lang, slug, meta.title)
    text = _article_text(dataclasses.replace(meta, source_hash=new_hash), parsed_body)
    if current is None:
        taken.add(slug)
        plan.files.update(files)
        plan.writes.append((item_lang, slug, text, None))
        plan.created.append(entry)
        if plan.publish:
            plan.published.append(entry)
        return
    recorded = current.meta.source_hash
    now = content_hash(current.meta, current.body)
    if new_hash == recorded:
        plan.unchanged.append(entry)
        if plan.publish and now == recorded and _unpublished(store, current):
            # Imported earlier as a draft and untouched since: --publish publishes it now
            # (an editor's unreviewed change is never published this way).
            text = _article_text(current.meta, current.body)  # as written: no new commit
            plan.writes.append((item_lang, slug, text, current.revision))
            plan.published.append(entry)
    elif now in (recorded, new_hash):
        # Untouched since the last import (or already edited to exactly the new content).
        plan.files.update(files)
        plan.writes.append((item_lang, slug, text, current.revision))
        plan.updated.append(entry)
        if plan.publish:
            plan.published.append(entry)
    else:
        plan.conflicts.append(
            dataclasses.replace(
                entry,
                reason="edited in the knowledge base since the last import, and the source "
                "changed too: the article was left as the editor saved it; merge the "
                "source's changes by hand",
            )
        )


def import_into(
    store: ArticleStore,
    importer_name: str,
    path: str | Path,
    *,
    actor: Actor,
    lang: str | None = None,
    category: str | None = None,
    publish: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    display_name: str | None = None,
) -> ImportReport:
    """Import a file or folder into the store in one commit.

    :param store: the article store.
    :param importer_name: a key of :data:`importers.registry.IMPORTERS`.
    :param path: the file or folder to import.
    :param actor: the importing user, author of the commit.
    :param lang: language of items whose source does not say (else detected).
    :param category: category of items whose source gives none or an unknown one.
    :param publish: publish what the run creates or updates, and earlier imports still
        unpublished and untouched, bypassing review (the caller checks the permission);
        else everything stays a draft.
    :param dry_run: decide everything, write nothing.
    :param progress: called as ``progress(done, total)`` after each item.
    :param display_name: what to call ``path`` in the report and messages, e.g. the
        original name of an uploaded file saved to a temporary folder.
    :returns: the report.
    :raises ValueError: for an unknown importer, language or category (names the choices).
    :raises ImportAborted: if the commit failed; nothing was written.
    """
    if importer_name not in IMPORTERS:
        raise ValueError(
            f"Unknown import format {importer_name!r}: use one of {', '.join(IMPORTERS)}."
        )
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}: use one of {', '.join(LANGUAGES)}.")
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"Unknown category {category!r}: use one of {', '.join(CATEGORIES)}.")
    source_path = Path(path)
    items = list(IMPORTERS[importer_name].read(source_path))
    if display_name is not None:
        items = [_renamed(item, str(source_path), display_name) for item in items]
    prefix = f"{importer_name}:"
    plan = _Plan(
        existing={},
        taken={},
        claimed=set(),
        writes=[],
        publish=publish,
        published=[],
        created=[],
        updated=[],
        unchanged=[],
        conflicts=[],
        skipped=[],
    )
    for article in store.list(line="draft"):
        plan.taken.setdefault(article.lang, set()).add(article.slug)
        if article.meta.source.startswith(prefix):
            plan.existing[(article.lang, article.meta.source)] = article
    total = len(items)
    for done, item in enumerate(items, start=1):
        if isinstance(item, ImportProblem):
            plan.skipped.append(item)
        else:
            _decide(store, importer_name, item, plan, lang=lang, category=category)
        if progress is not None:
            progress(done, total)
    report = ImportReport(
        importer=importer_name,
        path=display_name if display_name is not None else str(source_path),
        dry_run=dry_run,
        created=tuple(plan.created),
        updated=tuple(plan.updated),
        unchanged=tuple(plan.unchanged),
        conflicts=tuple(plan.conflicts),
        skipped=tuple(plan.skipped),
        published=tuple(plan.published),
    )
    if dry_run or not plan.writes:
        return report
    message = (
        f"Import {importer_name} {Path(report.path).name}: {len(plan.created)} created, "
        f"{len(plan.updated)} updated" + (f", {len(plan.published)} published" if publish else "")
    )
    try:
        # publish=True bypasses review: the caller (CLI, upload page) checks the permission.
        saved = store.save_many(
            plan.writes, actor=actor, message=message, publish=publish, files=plan.files
        )
    except ArticleError as error:
        raise ImportAborted(
            f"The import was not written ({error}); nothing changed. Fix the cause and run "
            f"it again.",
            dataclasses.replace(report, dry_run=True),
        ) from error
    return dataclasses.replace(report, commit=saved[0].revision if saved else None)
