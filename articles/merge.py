"""Three-way merge of two edits of one article against the version both started from.

When an editor saves on top of a version someone else has changed meanwhile, the two
edits are compared field by field with their common base (see
:mod:`articles.field_changes`): a field only one of them changed takes that change, a
field both changed the same way is fine, and the Markdown body is merged line by line by
``git merge-file``. Only a field both changed differently is a conflict, and it is never
resolved silently: the caller chooses ``prefer="mine"`` or ``"theirs"`` on purpose.

The merged file is written with :func:`articles.frontmatter_edit.edit_text` on top of
the current version, so the commit changes only the lines of the fields merged in.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from articles.errors import ArticleError
from articles.field_changes import BODY
from articles.field_changes import RAW_HEAD
from articles.field_changes import fields_of
from articles.field_changes import front_matter_of
from articles.frontmatter_edit import same_value
from articles.model import Revision
from articles.repository import MAIN
from articles.slugs import article_path
from articles.slugs import validate_revision
from articles.storage import revision_from

#: Seconds ``git merge-file`` may take (bodies are at most the article size limit).
MERGE_TIMEOUT = 30


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: A field absent from a version.
MISSING: Any = _Missing()


@dataclass(frozen=True)
class FieldMerge:
    """One field in the three versions and the outcome.

    :param name: field name (``facts.<name>`` for a fact, ``body`` for the text).
    :param base: value in the common base (:data:`MISSING` if absent).
    :param mine: value in the edit being saved.
    :param theirs: value in the current version.
    :param result: the merged value (:data:`MISSING`: the field is left out).
    :param conflict: both changed it differently (``result`` then follows ``prefer``).
    :param source: ``"both"``, ``"mine"``, ``"theirs"`` or ``"merged"`` (body lines).
    """

    name: str
    base: Any
    mine: Any
    theirs: Any
    result: Any
    conflict: bool = False
    source: str = "both"


@dataclass(frozen=True)
class Merge:
    """The outcome of :func:`merge_versions`.

    :param fields: every field that either edit changed.
    :param text: the merged file, or ``None`` if a conflict is left for a person.
    """

    fields: tuple[FieldMerge, ...]
    text: str | None

    @property
    def conflicts(self) -> list[FieldMerge]:
        """The fields both edits changed differently."""
        return [f for f in self.fields if f.conflict]

    @property
    def clean(self) -> bool:
        """True if the edits did not overlap."""
        return not self.conflicts


def _same(a: Any, b: Any, name: str) -> bool:
    if a is MISSING or b is MISSING:
        return a is b or same_value(None if a is MISSING else a, None if b is MISSING else b)
    return a == b if name == BODY else same_value(a, b)


def merge_lines(base: str, mine: str, theirs: str) -> str | None:
    """Merge two edits of a text line by line (``git merge-file``).

    >>> merge_lines("a\\nb\\nc\\n", "A\\nb\\nc\\n", "a\\nb\\nC\\n")
    'A\\nb\\nC\\n'

    :param base: the common base.
    :param mine: one edit.
    :param theirs: the other edit.
    :returns: the merged text, or ``None`` if the edits touch the same lines.
    """
    with tempfile.TemporaryDirectory(prefix="kb-merge-") as folder:
        paths = []
        for name, text in (("mine", mine), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        done = subprocess.run(  # noqa: S603 - fixed git command, our own temporary files
            ["git", "merge-file", "-p", "-q", *paths],  # noqa: S607
            capture_output=True,
            timeout=MERGE_TIMEOUT,
            check=False,
        )
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8")


def merge_versions(base: str, mine: str, theirs: str, *, prefer: str | None = None) -> Merge:
    """Merge ``mine`` and ``theirs`` (two edits of ``base``) field by field.

    :param base: the file both edits started from.
    :param mine: the file being saved.
    :param theirs: the file as it is now.
    :param prefer: how to settle conflicts: ``"mine"``, ``"theirs"``, or ``None`` to
        leave them to a person (then ``text`` is ``None`` when there is one).
    :returns: :class:`Merge`.
    """
    from articles.frontmatter_edit import edit_text

    b, m, t = fields_of(base), fields_of(mine), fields_of(theirs)
    names = list(dict.fromkeys([*t, *m]))
    names += [n for n in b if n not in names]
    results: dict[str, Any] = {}
    merged: list[FieldMerge] = []
    for name in names:
        bv, mv, tv = b.get(name, MISSING), m.get(name, MISSING), t.get(name, MISSING)
        conflict, source = False, "both"
        if _same(mv, tv, name):
            result = tv
        elif _same(mv, bv, name):
            result, source = tv, "theirs"
        elif _same(tv, bv, name):
            result, source = mv, "mine"
        else:
            lines = None
            if name == BODY and MISSING not in (bv, mv, tv):
                lines = merge_lines(str(bv), str(mv), str(tv))
            if lines is not None:
                result, source = lines, "merged"
            else:
                conflict = True
                result = mv if prefer == "mine" else tv
                source = prefer or "conflict"
        if result is not MISSING:
            results[name] = result
        if source != "both" or not _same(bv, result, name):
            merged.append(FieldMerge(name, bv, mv, tv, result, conflict, source))
    unsettled = any(f.conflict for f in merged) and prefer not in ("mine", "theirs")
    text: str | None = None
    if not unsettled:
        if RAW_HEAD in results and results.get(RAW_HEAD) is not t.get(RAW_HEAD, MISSING):
            text = mine if prefer != "theirs" else theirs
        else:
            data, body = front_matter_of(results)
            managed = {n.split(".", 1)[0] for n in names if n not in (BODY, RAW_HEAD)}
            try:
                text = edit_text(theirs, data, body, managed)
            except (ArticleError, ValueError):
                text = mine
    return Merge(tuple(merged), text)


def text_at(store: Any, lang: str, slug: str, revision: str) -> str | None:
    """The article file as it was at ``revision`` (a commit of the draft line).

    :param store: the :class:`~articles.store.ArticleStore`.
    :param lang: language.
    :param slug: slug.
    :param revision: a full or abbreviated commit id.
    :returns: the text, or ``None`` if the file or the revision does not exist.
    """
    try:
        commit = store.repo.resolve(validate_revision(revision))
    except ArticleError:
        return None
    if commit is None:
        return None
    found = store.repo.blob_at(commit, article_path(lang, slug))
    return found[1].decode("utf-8", errors="replace") if found else None


def changes_since(store: Any, lang: str, slug: str, revision: str) -> Sequence[Revision]:
    """The saves of the article's text on the draft line after ``revision``, newest first.

    :param store: the :class:`~articles.store.ArticleStore`.
    :param lang: language.
    :param slug: slug.
    :param revision: the commit an edit was based on.
    :returns: who changed the text since, and when (empty if ``revision`` is unknown).
    """
    try:
        commit = store.repo.resolve(validate_revision(revision))
    except ArticleError:
        return []
    if commit is None:
        return []
    path = article_path(lang, slug)
    entries = store.repo.log(f"{commit}..{MAIN}", [path], limit=50)
    return [revision_from(entry, "draft", None, True) for entry in entries]
