"""Attachments in the store: saved on the draft line, published with the text that uses them.

Part of :class:`articles.store.ArticleStore`. An upload is one commit on ``main`` adding
``<lang>/<slug>.files/<name>``; publishing the article copies onto ``published`` exactly
the attachments its published text refers to (see :func:`attachment_changes`), so a
draft's new image is never served to operators before the text showing it is approved,
and every published commit holds the attachments as of that version.
"""

from __future__ import annotations

from articles import signals
from articles.attachments import TYPES_BY_EXT
from articles.attachments import AttachmentRefused
from articles.attachments import Checked
from articles.attachments import FileType
from articles.attachments import attachment_path
from articles.attachments import check
from articles.attachments import folder
from articles.model import Actor
from articles.slugs import article_path
from articles.storage import StoreCore


class AttachmentStore(StoreCore):
    """Upload, list and read attachments (a layer of ``ArticleStore``)."""

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
