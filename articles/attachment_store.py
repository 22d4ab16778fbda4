"""Attachments in the store: saved on the draft line, published with the text that uses them.

Part of :class:`articles.store.ArticleStore`. An upload is one commit on ``main`` adding
``<lang>/<slug>.files/<name>``; publishing the article copies onto ``published`` exactly
the attachments its published text refers to (see :func:`attachment_changes`), so a
draft's new image is never served to operators before the text showing it is approved,
and every published commit holds the attachments as of that version. Deleting one is a
commit on ``main`` too, refused while the draft or the published text still shows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from articles import signals
from articles.attachments import TYPES_BY_EXT
from articles.attachments import URL_PREFIX
from articles.attachments import AttachmentInUse
from articles.attachments import AttachmentRefused
from articles.attachments import Checked
from articles.attachments import FileType
from articles.attachments import attachment_path
from articles.attachments import check
from articles.attachments import folder
from articles.attachments import referenced
from articles.errors import ArticleNotFound
from articles.model import Actor
from articles.repository import LogEntry
from articles.slugs import article_path
from articles.storage import StoreCore
from articles.storage import replayed


@dataclass(frozen=True)
class Attachment:
    """One attachment of an article's draft, as the editor lists it.

    :param name: stored name (``<stem>-<hash>.<ext>``).
    :param type: its checked type (kind, MIME type).
    :param size: bytes.
    :param uploaded_at: when the commit that added it was made (UTC), if known.
    :param uploaded_by: who made that commit, as stored (``Name <email>``).
    :param url: the reference an article uses, ``/-/files/<lang>/<slug>/<name>``.
    :param in_draft: the draft text refers to it.
    :param in_published: the published text refers to it (operators see it).
    """

    name: str
    type: FileType
    size: int
    uploaded_at: dt.datetime | None
    uploaded_by: str | None
    url: str
    in_draft: bool
    in_published: bool


class AttachmentStore(StoreCore):
    """Upload, list, delete and read attachments (a layer of ``ArticleStore``)."""

    @replayed
    def save_attachment(
        self, lang: str, slug: str, data: bytes, original_name: str, *, actor: Actor
    ) -> Checked:
        """Check a file by its content and commit it beside the article's draft.

        Uploading the same bytes twice changes nothing (the name is the content's hash).

        :param lang: language.
        :param slug: slug of an article that has a draft.
        :param data: the file's content.
        :param original_name: its uploaded name (for the stored name).
        :param actor: the editor.
        :returns: the stored attachment (``url`` is what the body refers to).
        :raises AttachmentRefused: the file failed a check, or the article has no draft
            yet (``no_article``).
        """
        checked = check(data, original_name, lang, slug, self.attachment_limits)
        path = article_path(lang, slug)
        with self._lock:
            head = self._head("draft")
            if self.repo.blob_id_at(head, path) is None:
                raise AttachmentRefused(
                    f"{path} has no draft yet: save the article first, then attach files.",
                    code="no_article",
                )
            blob = self.repo.write_blob(checked.data)
            if self.repo.blob_id_at(head, checked.path) == blob:
                return checked
            tree = self.repo.build_tree(head, {checked.path: blob})
            message = f"Attach {checked.name} to {path[:-3]}"
            new_head = self.repo.commit_tree(tree, [head], message, actor)
            self._move(head, new_head)
            signals.send(signals.file_saved, self, actor=actor, path=checked.path, commit=new_head)
        return checked

    def attachments(self, lang: str, slug: str, line: str = "draft") -> list[str]:
        """Names of an article's attachments on a line.

        :param lang: language.
        :param slug: slug.
        :param line: ``"draft"`` or ``"published"``.
        :returns: stored names, sorted.
        """
        base = folder(lang, slug)
        listing = self.repo.ls_tree(self._head(line), [base])
        return sorted(p[len(base) + 1 :] for p in listing)

    def attachment_list(self, lang: str, slug: str) -> list[Attachment]:
        """An article's attachments on the draft line, with size, upload and use.

        One ``ls-tree`` and one ``git log`` of the folder (names are content hashes, so
        the newest commit touching a present file is the one that added it).

        :param lang: language.
        :param slug: slug.
        :returns: the attachments, newest upload first.
        :raises InvalidSlug: for a bad language or slug.
        """
        base = folder(lang, slug)
        head = self._head("draft")
        blobs = self.repo.ls_tree(head, [base])
        if not blobs:
            return []
        # path -> (place in the log, newest first; the commit that added it)
        uploads: dict[str, tuple[int, LogEntry]] = {}
        for place, entry in enumerate(self.repo.log(head, [base])):
            for path in entry.paths:
                uploads.setdefault(path, (place, entry))
        in_draft = set(referenced(lang, slug, self._text_at(head, lang, slug)))
        in_published = set(
            referenced(lang, slug, self._text_at(self._head("published"), lang, slug))
        )
        found = []
        for path, blob in blobs.items():
            name = path[len(base) + 1 :]
            ext = name.rsplit(".", 1)[-1]
            if ext not in TYPES_BY_EXT:
                continue  # not an attachment the store wrote
            place, upload = uploads.get(path, (len(uploads), None))
            attachment = Attachment(
                name=name,
                type=TYPES_BY_EXT[ext],
                size=self.repo.blob_size(blob) or 0,
                uploaded_at=upload.date.astimezone(dt.UTC) if upload else None,
                uploaded_by=f"{upload.author} <{upload.email}>" if upload else None,
                url=f"{URL_PREFIX}{lang}/{slug}/{name}",
                in_draft=name in in_draft,
                in_published=name in in_published,
            )
            found.append((place, name, attachment))
        # newest first in the log's order, not by time (two uploads may share a second)
        found.sort(key=lambda item: (item[0], item[1]))
        return [attachment for _place, _name, attachment in found]

    @replayed
    def delete_attachment(self, lang: str, slug: str, name: str, *, actor: Actor) -> str:
        """Remove an attachment from the article's draft line, as one commit.

        Refused while a text still refers to it: the published version (operators see
        the file, and publishing that text again would drop it) or the draft (the next
        publication would show a missing image). The published line keeps its copy until
        the next publication of a text without it; history keeps every version, so a
        rollback to one that showed it still finds it.

        :param lang: language.
        :param slug: slug.
        :param name: stored name.
        :param actor: the editor.
        :returns: the new draft head.
        :raises ArticleNotFound: ``not_attached``: no such attachment on the draft line.
        :raises AttachmentInUse: ``in_published`` or ``in_draft``.
        """
        path = attachment_path(lang, slug, name)
        if path is None:
            raise ArticleNotFound(f"{name[:80]!r} is not an attachment name.", code="not_attached")
        with self._lock:
            head = self._head("draft")
            if self.repo.blob_id_at(head, path) is None:
                raise ArticleNotFound(
                    f"{path} is not attached (any more): reload the page.", code="not_attached"
                )
            published = self._text_at(self._head("published"), lang, slug)
            if name in referenced(lang, slug, published):
                raise AttachmentInUse(
                    f"The published version of {lang}/{slug} shows {name}: publish a version "
                    "without it (or retire the article) first, then delete it.",
                    code="in_published",
                    name=name,
                )
            if name in referenced(lang, slug, self._text_at(head, lang, slug)):
                raise AttachmentInUse(
                    f"The draft of {lang}/{slug} refers to {name}: take the reference out of "
                    "the text and save, then delete it.",
                    code="in_draft",
                    name=name,
                )
            tree = self.repo.build_tree(head, {path: None})
            message = f"Remove {name} from {article_path(lang, slug)[:-3]}"
            new_head = self.repo.commit_tree(tree, [head], message, actor)
            self._move(head, new_head)
            signals.send(signals.file_saved, self, actor=actor, path=path, commit=new_head)
        return new_head

    def _text_at(self, commit: str, lang: str, slug: str) -> str:
        """The article file's text at ``commit`` ("" when it is not there)."""
        found = self.repo.blob_at(commit, article_path(lang, slug))
        return found[1].decode("utf-8", errors="replace") if found else ""

    def read_attachment(
        self, lang: str, slug: str, name: str, line: str = "published"
    ) -> tuple[FileType, bytes] | None:
        """Read an attachment from the head of a line.

        :param lang: language.
        :param slug: slug.
        :param name: stored name.
        :param line: ``"published"`` (what operators may see) or ``"draft"``.
        :returns: ``(type, bytes)``, or ``None`` when the name is not an attachment or
            is not on that line.
        :raises InvalidSlug: for a bad language or slug.
        """
        path = attachment_path(lang, slug, name)
        if path is None:
            return None
        found = self.repo.blob_at(self._head(line), path)
        if found is None:
            return None
        return TYPES_BY_EXT[name.rsplit(".", 1)[1]], found[1]
