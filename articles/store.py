"""``ArticleStore``: the one write gateway to the content repository.

Two lines are visible at once: ``main`` (the draft line editors work on) and
``published`` (what operators and the index read). Publishing copies the approved blob
from ``main`` onto ``published`` as a new commit, so readers keep seeing the published
version while a new draft is reviewed. Workflow records live in ``.workflow/`` on main.
Every write holds :class:`~articles.lock.StoreLock`, checks ``expected_revision``, builds
the commit with plumbing (see :mod:`articles.repository`) and moves the refs atomically.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from collections.abc import Sequence

import yaml

from articles import bodies as bodies_mod
from articles import signals
from articles import workflow
from articles.attachment_store import AttachmentStore
from articles.attachments import folder
from articles.bodies import Body
from articles.editorial import Editorial
from articles.errors import ArticleNotFound
from articles.errors import InvalidArticle
from articles.errors import InvalidSlug
from articles.frontmatter import decode
from articles.frontmatter import parse as parse_article
from articles.model import Actor
from articles.model import Article
from articles.repository import blob_id
from articles.slugs import LANGUAGES
from articles.slugs import SLUG_RE
from articles.slugs import article_path
from articles.slugs import split_article_path
from articles.slugs import validate_revision
from articles.slugs import validate_slug
from articles.slugs import workflow_path
from articles.storage import SYSTEM_ACTOR
from articles.storage import StoreCore
from articles.storage import commit_trailers
from articles.storage import replayed
from articles.yaml_guard import yaml_problem

log = logging.getLogger(__name__)

#: Versioned non-article files ``read_file``/``save_file``/``publish_file`` accept.
SYNONYMS_PATH = "synonyms.txt"
FILE_FOLDERS = ("bodies", "courses")

SaveItem = tuple[str, str, "str | bytes", "str | None"]


class ArticleStore(Editorial, AttachmentStore):
    """Versioned articles with the editorial workflow, on git.

    :param path: the content repository (created by :meth:`init`).
    :param allow_self_approval: let the last author approve their own draft.
    :param max_bytes: largest accepted article file.
    :param cache_size: parsed articles kept in memory.
    :param attachment_limits: what an uploaded or imported attachment may be.
    :raises ArticleError: (code ``no_repository``) if ``path`` is not a content repository.
    """

    def save(
        self,
        lang: str,
        slug: str,
        text: str | bytes,
        *,
        actor: Actor,
        expected_revision: str | None = None,
        message: str | None = None,
    ) -> Article:
        """Save a draft (one commit on main, authored by ``actor``).

        :param lang: language.
        :param slug: slug.
        :param text: whole file (front matter + body).
        :param actor: the editor.
        :param expected_revision: ``Article.revision`` the edit is based on; ``None`` for
            a new article.
        :param message: commit message (default ``Create``/``Save <lang>/<slug>``).
        :returns: the saved article (``warnings`` lists unknown agency ids).
        :raises InvalidArticle: bad content (nothing written).
        :raises RevisionConflict: the file moved since ``expected_revision``.
        """
        items: list[SaveItem] = [(lang, slug, text, expected_revision)]
        return self.save_many(items, actor=actor, message=message)[0]

    @replayed
    def save_many(
        self,
        items: Sequence[SaveItem],
        *,
        actor: Actor,
        message: str | None = None,
        publish: bool = False,
        files: Mapping[str, bytes] | None = None,
    ) -> list[Article]:
        """Save several articles in one commit, all or nothing.

        Items whose text equals the current file are left alone (no empty commits), so
        re-importing the same files changes nothing.

        :param items: ``(lang, slug, text, expected_revision)`` tuples.
        :param actor: the editor or importer.
        :param message: commit message.
        :param publish: also publish every saved item at once, bypassing review (bulk
            import by an admin; the caller checks that permission).
        :param files: attachments to commit with the articles, ``{path: bytes}``; each
            path must be in a saved article's attachment folder and its bytes must have
            passed :func:`articles.attachments.check` (the importers do it).
        :returns: the articles, in the order given.
        :raises InvalidArticle: for the first invalid item (message names it).
        :raises RevisionConflict: for the first item whose file moved.
        """
        prepared = []
        seen: set[str] = set()
        for index, (lang, slug, text, expected) in enumerate(items):
            path = article_path(lang, slug)
            if path in seen:
                raise InvalidArticle(
                    f"{path} appears twice in one save; save it once.", code="duplicate"
                )
            seen.add(path)
            if expected is not None:
                validate_revision(expected)
            try:
                clean = decode(text, max_bytes=self.max_bytes)
                meta, body = parse_article(clean, lang=lang, slug=slug, max_bytes=self.max_bytes)
            except InvalidArticle as exc:
                if len(items) > 1:
                    exc.message = f"{path} (item {index + 1}): {exc.message}"
                    exc.args = (exc.message,)
                raise
            prepared.append((lang, slug, path, clean, meta, body, expected))
        if not prepared:
            return []
        folders = {folder(lang, slug) for lang, slug, *_rest in prepared}
        for file_path in files or {}:
            if file_path.rsplit("/", 1)[0] not in folders:
                raise InvalidArticle(
                    f"{file_path} is not in the attachment folder of an article saved with "
                    "it: attach files to the article they belong to.",
                    code="invalid_path",
                )
        with self._lock:
            head, pub_head = self._head("draft"), self._head("published")
            known_bodies = self._body_ids(head)
            current = self._lookup(head, [item[2] for item in prepared])
            results = []
            changed: list[tuple[str, str, str, bytes]] = []
            for lang, slug, path, clean, meta, body, expected in prepared:
                self._check_expected(path, head, current.get(path), expected, clean, lang, slug)
                data = clean.encode("utf-8")
                blob = blob_id(data)
                warnings = tuple(
                    f"Unknown agency id '{a}': add bodies/{a}.yaml to the directory or "
                    "correct the id."
                    for a in meta.agencies
                    if a not in known_bodies
                )
                results.append((lang, slug, blob, meta, body, warnings))
                self._remember(blob, lang, slug, meta, body)
                if blob != current.get(path):
                    changed.append((lang, slug, path, data))
            written = self.repo.write_blobs([data for *_rest, data in changed])
            changes: dict[str, str | None] = {
                path: blob for (_l, _s, path, _d), blob in zip(changed, written, strict=True)
            }
            file_items = sorted((files or {}).items())
            file_blobs = self.repo.write_blobs([data for _p, data in file_items])
            for (file_path, _data), file_blob in zip(file_items, file_blobs, strict=True):
                if self.repo.blob_id_at(head, file_path) != file_blob:
                    changes[file_path] = file_blob
            # Approval was for another text: reset stored workflow records (no record
            # means the state is derived from the blobs, see _states_of).
            states = self._states_of(head, pub_head, [(lg, sl) for lg, sl, _p, _d in changed])
            resets = [
                (key, workflow.after_save(state))
                for key, (state, has_record) in states.items()
                if has_record and workflow.after_save(state) != state
            ]
            record_blobs = self.repo.write_blobs([workflow.dump(st) for _k, st in resets])
            for (key, _st), record in zip(resets, record_blobs, strict=True):
                changes[workflow_path(*key)] = record
            new_head, new_pub = head, pub_head
            if changes:
                if message is None:
                    if len(prepared) == 1:
                        verb = "Create" if prepared[0][6] is None else "Save"
                        message = f"{verb} {prepared[0][2][:-3]}"
                    else:
                        paths = [p for p in changes if split_article_path(p)]
                        message = f"Save {len(paths)} articles\n\n" + "\n".join(paths[:50])
                tree = self.repo.build_tree(head, changes)
                new_head = self.repo.commit_tree(tree, [head], message, actor)
            if publish:
                new_main, new_pub = self._publish_locked(
                    [(lang, slug, blob) for lang, slug, blob, *_rest in results],
                    actor=actor,
                    main_head=new_head,
                    pub_head=pub_head,
                    batch_message=f"Import {len(results)} articles"
                    + commit_trailers(Imported_by=str(actor)),
                )
                self._move(head, new_main, pub_head, new_pub)
                new_head = new_main
            elif new_head != head:
                self._move(head, new_head)
            for _lang, _slug, path, _data in changed:
                signals.send(
                    signals.article_saved,
                    self,
                    actor=actor,
                    path=path,
                    commit=new_head,
                    created=current.get(path) is None,
                )
            if publish and new_pub != pub_head:
                for lang, slug, *_rest in results:
                    signals.send(
                        signals.article_published,
                        self,
                        actor=actor,
                        path=article_path(lang, slug),
                        commit=new_pub,
                        reason="import",
                    )
        if len(changed) >= 1000:
            self.maintain()
        return [
            Article(
                meta=meta, body=body, slug=slug, revision=new_head, blob=blob, warnings=warnings
            )
            for lang, slug, blob, meta, body, warnings in results
        ]

    def maintain(self) -> None:
        """Pack loose objects when git thinks it is time (``git gc --auto``), under the lock.

        The store writes with plumbing, which never triggers git's automatic packing; run
        this from the same periodic job as :meth:`publish_due`. Big imports call it.
        """
        with self._lock:
            # in the foreground: a detached gc would outlive the lock (and test folders)
            self.repo.run("-c", "gc.autoDetach=false", "gc", "--auto", "--quiet")

    def draft_head(self) -> str:
        """Return the commit id at the head of the draft line (``main``).

        :returns: 40-hex commit id.
        """
        return self._head("draft")

    def published_head(self) -> str:
        """Return the commit id at the head of the published line.

        :returns: 40-hex commit id.
        """
        return self._head("published")

    def changed_since(
        self, commit: str | None
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """Articles added/changed and deleted on the published line since ``commit``.

        One ``diff-tree`` (or ``ls-tree`` for ``None``) run, whatever the size.

        :param commit: a published-line commit (e.g. the last indexed), or ``None``.
        :returns: ``(changed, deleted)`` lists of ``(lang, slug)``.
        :raises InvalidRevision: if ``commit`` is not hex or unknown.
        """
        head = self._head("published")
        if commit is None:
            listing = self.repo.ls_tree(head, list(LANGUAGES))
            return sorted(p for p in map(split_article_path, listing) if p), []
        base = self._commit("published", commit)
        changed: list[tuple[str, str]] = []
        deleted: list[tuple[str, str]] = []
        for status, path in self.repo.diff_tree(base, head, list(LANGUAGES)):
            parts = split_article_path(path)
            if parts:
                (deleted if status == "D" else changed).append(parts)
        return sorted(changed), sorted(deleted)

    def _file_path(self, path: str) -> str:
        if path == SYNONYMS_PATH:
            return path
        folder, sep, name = path.partition("/")
        if sep and folder in FILE_FOLDERS and name.endswith(".yaml"):
            validate_slug(name[:-5], what="id")
            return path
        raise InvalidSlug(
            f"Invalid file path {path[:80]!r}: use synonyms.txt, bodies/<id>.yaml or "
            "courses/<id>.yaml (articles are saved with save()).",
            code="invalid_path",
            field="path",
        )

    def _validate_file(self, path: str, text: str | bytes) -> str:
        if path.startswith("bodies/"):
            bodies_mod.parse(text, body_id=path[7:-5])
            return decode(text, max_bytes=bodies_mod.MAX_BODY_BYTES)
        clean = decode(text, max_bytes=self.max_bytes)
        if path.startswith("courses/"):
            refused = yaml_problem(clean)
            if refused:
                raise InvalidArticle(
                    f"{path} {refused[0]} on line {refused[1]}: write the values out.",
                    code="invalid_course",
                )
            try:
                data = yaml.safe_load(clean)
            except (yaml.YAMLError, ValueError) as exc:
                raise InvalidArticle(
                    f"{path} is not valid YAML: {str(exc)[:160]}.", code="invalid_course"
                ) from None
            if not isinstance(data, dict):
                raise InvalidArticle(f"{path} must be a YAML mapping.", code="invalid_course")
        return clean

    def read_file(self, path: str, line: str = "draft") -> tuple[str, str]:
        """Read a versioned non-article file.

        :param path: ``synonyms.txt``, ``bodies/<id>.yaml`` or ``courses/<id>.yaml``.
        :param line: ``"draft"`` or ``"published"``.
        :returns: ``(text, revision)``.
        :raises ArticleNotFound: if the file is not on that line.
        """
        path = self._file_path(path)
        head = self._head(line)
        found = self.repo.blob_at(head, path)
        if found is None:
            raise ArticleNotFound(f"No {path} on the {line} line.", field="path")
        return found[1].decode("utf-8"), head

    def list_files(self, folder: str, line: str = "draft") -> list[str]:
        """List the files of ``bodies`` or ``courses``.

        :param folder: ``"bodies"`` or ``"courses"``.
        :param line: ``"draft"`` or ``"published"``.
        :returns: paths, sorted.
        """
        if folder not in FILE_FOLDERS:
            raise InvalidSlug(f"Unknown folder {folder!r}.", code="invalid_path", field="path")
        return sorted(self.repo.ls_tree(self._head(line), [folder]))

    @replayed
    def save_file(
        self,
        path: str,
        text: str | bytes,
        *,
        actor: Actor,
        expected_revision: str | None = None,
        message: str | None = None,
    ) -> str:
        """Save a versioned non-article file on the draft line (validated first).

        :param path: ``synonyms.txt``, ``bodies/<id>.yaml`` or ``courses/<id>.yaml``.
        :param text: content.
        :param actor: the editor.
        :param expected_revision: revision read, or ``None`` for a new file.
        :param message: commit message.
        :returns: the new revision (commit id), or the current one if nothing changed.
        :raises InvalidArticle: invalid content (e.g. a body record).
        :raises RevisionConflict: the file moved (``current_text`` holds it).
        """
        path = self._file_path(path)
        if expected_revision is not None:
            validate_revision(expected_revision)
        clean = self._validate_file(path, text)
        with self._lock:
            head = self._head("draft")
            current = self.repo.blob_id_at(head, path)
            self._check_expected(path, head, current, expected_revision, clean, None, None)
            blob = self.repo.write_blob(clean.encode("utf-8"))
            if blob == current:
                return head
            tree = self.repo.build_tree(head, {path: blob})
            verb = "Create" if current is None else "Save"
            new_head = self.repo.commit_tree(tree, [head], message or f"{verb} {path}", actor)
            self._move(head, new_head)
            signals.send(signals.file_saved, self, actor=actor, path=path, commit=new_head)
            return new_head

    @replayed
    def publish_file(self, path: str, *, actor: Actor) -> str:
        """Copy the draft version of a non-article file onto the published line.

        :param path: ``synonyms.txt``, ``bodies/<id>.yaml`` or ``courses/<id>.yaml``.
        :param actor: the publisher.
        :returns: the new published head (unchanged if already equal).
        :raises ArticleNotFound: if the file has no draft.
        """
        path = self._file_path(path)
        with self._lock:
            head, pub_head = self._head("draft"), self._head("published")
            blob = self.repo.blob_id_at(head, path)
            if blob is None:
                raise ArticleNotFound(f"No draft of {path}.", field="path")
            if self.repo.blob_id_at(pub_head, path) == blob:
                return pub_head
            tree = self.repo.build_tree(pub_head, {path: blob})
            msg = f"Publish {path}" + commit_trailers(Draft_commit=head)
            new_pub = self.repo.commit_tree(tree, [pub_head], msg, actor, committer=SYSTEM_ACTOR)
            self._move(head, head, pub_head, new_pub)
            signals.send(signals.file_published, self, actor=actor, path=path, commit=new_pub)
            return new_pub

    def _body_ids(self, commit: str) -> set[str]:
        return {p[7:-5] for p in self.repo.ls_tree(commit, ["bodies"]) if p.endswith(".yaml")}

    def bodies(self, line: str = "draft") -> list[Body]:
        """Return the competent bodies directory.

        :param line: ``"draft"`` or ``"published"``.
        :returns: bodies sorted by id (invalid files skipped and logged).
        """
        listing = self.repo.ls_tree(self._head(line), ["bodies"])
        data = self.repo.read_blobs(listing.values())
        out = []
        for path, blob in sorted(listing.items()):
            body_id = path[7:-5]
            if not path.endswith(".yaml") or not SLUG_RE.fullmatch(body_id):
                continue
            try:
                out.append(bodies_mod.parse(data[blob], body_id=body_id))
            except InvalidArticle as exc:
                log.warning("skipping invalid %s: %s", path, exc)
        return out

    def body(self, body_id: str, line: str = "draft") -> Body:
        """Return one competent body.

        :param body_id: directory id.
        :param line: ``"draft"`` or ``"published"``.
        :returns: the record.
        :raises ArticleNotFound: if absent.
        """
        text, _rev = self.read_file(f"bodies/{validate_slug(body_id, what='id')}.yaml", line)
        return bodies_mod.parse(text, body_id=body_id)

    def save_body(self, body: Body, *, actor: Actor, expected_revision: str | None = None) -> str:
        """Save a competent body record (validated, then :meth:`save_file`).

        :param body: the record.
        :param actor: the editor.
        :param expected_revision: revision read, or ``None`` for a new body.
        :returns: the new revision.
        """
        return self.save_file(
            f"bodies/{validate_slug(body.id, what='id')}.yaml",
            bodies_mod.dump(body),
            actor=actor,
            expected_revision=expected_revision,
        )


__all__ = ["SYSTEM_ACTOR", "ArticleStore", "StoreCore"]
