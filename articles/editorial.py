"""Editorial workflow operations of the store: review, publication, translations, history.

Each transition is one commit on main (the workflow record); a publication also makes one
on ``published``, and both refs move in one transaction.
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
from collections.abc import Callable
from typing import Any

from articles import signals
from articles import workflow
from articles.attachments import attachment_changes
from articles.attachments import folder
from articles.diff import Diff
from articles.diff import word_diff
from articles.errors import ArticleNotFound
from articles.errors import WorkflowError
from articles.model import Actor
from articles.model import Article
from articles.model import Revision
from articles.model import Status
from articles.model import WorkflowState
from articles.repository import MAIN
from articles.repository import PUBLISHED
from articles.slugs import LANGUAGES
from articles.slugs import article_path
from articles.slugs import split_article_path
from articles.slugs import workflow_path
from articles.storage import SYSTEM_ACTOR
from articles.storage import StoreCore
from articles.storage import commit_trailers
from articles.storage import one_line
from articles.storage import parse_trailers
from articles.storage import replace_state
from articles.storage import replayed
from articles.storage import revision_from

log = logging.getLogger(__name__)


class Editorial(StoreCore):
    """Workflow, translations, history and diff (the middle layer of ``ArticleStore``)."""

    def state(self, lang: str, slug: str) -> WorkflowState:
        """Return the workflow state of an article.

        :param lang: language.
        :param slug: slug.
        :returns: the state (``draft`` for an article never submitted).
        :raises ArticleNotFound: if the article is on neither line.
        """
        path = article_path(lang, slug)
        if not self.exists(lang, slug) and not self.exists(lang, slug, "published"):
            raise ArticleNotFound(f"No article {path}.", field="slug")
        head = self._head("draft")
        writer = self._last_author(head, path)
        return replace_state(
            self._state(head, lang, slug),
            last_author=f"{writer.author} <{writer.email}>" if writer else None,
        )

    @replayed
    def _transition(
        self,
        lang: str,
        slug: str,
        actor: Actor,
        change: Callable[[WorkflowState, str, str, str], WorkflowState],
        message: str,
        signal: Any | None = None,
    ) -> WorkflowState:
        path = article_path(lang, slug)
        with self._lock:
            head = self._head("draft")
            blob = self.repo.blob_id_at(head, path)
            if blob is None:
                raise ArticleNotFound(f"No draft of {path}.", field="slug")
            state = change(self._state(head, lang, slug), blob, workflow.now_iso(), head)
            record = self.repo.write_blob(workflow.dump(state))
            tree = self.repo.build_tree(head, {workflow_path(lang, slug): record})
            new_head = self.repo.commit_tree(tree, [head], message, actor)
            self._move(head, new_head)
            if signal is not None:
                signals.send(
                    signal, self, actor=actor, path=path, commit=new_head, comment=state.comment
                )
            return state

    def _writer(self, head: str, lang: str, slug: str) -> str | None:
        entry = self._last_author(head, article_path(lang, slug))
        return f"{entry.author} <{entry.email}>" if entry else None

    def submit(
        self, lang: str, slug: str, *, actor: Actor, comment: str | None = None
    ) -> WorkflowState:
        """Submit the draft for review.

        :param lang: language.
        :param slug: slug.
        :param actor: who submits.
        :param comment: note for the reviewer.
        :returns: new state (``in_review``).
        :raises WorkflowError: unless it is a draft.
        """
        return self._transition(
            lang,
            slug,
            actor,
            lambda s, _b, now, _head: workflow.submit(s, actor, comment, now),
            f"Submit {lang}/{slug} for review" + commit_trailers(Comment=one_line(comment)),
            signals.article_submitted,
        )

    def approve(
        self, lang: str, slug: str, *, actor: Actor, comment: str | None = None
    ) -> WorkflowState:
        """Approve the draft in review (for exactly the text reviewed).

        :param lang: language.
        :param slug: slug.
        :param actor: the reviewer; not the last author unless ``allow_self_approval``.
        :param comment: optional note.
        :returns: new state (``approved``).
        :raises WorkflowError: not in review (``not_in_review``) or self-approval
            (``self_approval``).
        """
        return self._transition(
            lang,
            slug,
            actor,
            lambda s, b, now, head: workflow.approve(
                s,
                actor,
                b,
                comment,
                now,
                last_author=self._writer(head, lang, slug),
                allow_self_approval=self.allow_self_approval,
            ),
            f"Approve {lang}/{slug}" + commit_trailers(Approved_by=str(actor)),
            signals.article_approved,
        )

    def reject(self, lang: str, slug: str, *, actor: Actor, comment: str) -> WorkflowState:
        """Send the draft back to its author with a comment.

        :param lang: language.
        :param slug: slug.
        :param actor: the reviewer.
        :param comment: why (required).
        :returns: new state (``draft`` with ``comment`` and ``rejected_by``).
        :raises WorkflowError: no comment or nothing in review.
        """
        return self._transition(
            lang,
            slug,
            actor,
            lambda s, _b, now, _head: workflow.reject(s, actor, comment, now),
            f"Reject {lang}/{slug}"
            + commit_trailers(Rejected_by=str(actor), Comment=one_line(comment)),
            signals.article_rejected,
        )

    @replayed
    def publish(
        self,
        lang: str,
        slug: str,
        *,
        actor: Actor,
        effective: dt.date | dt.datetime | None = None,
        now: dt.datetime | None = None,
    ) -> WorkflowState:
        """Publish the approved draft now, or schedule it for a future effective date.

        :param lang: language.
        :param slug: slug.
        :param actor: the publisher.
        :param effective: date (start of that day, local time) or aware datetime; later
            than ``now`` → ``scheduled`` (see :meth:`publish_due`).
        :param now: current time (default: now, local time zone).
        :returns: new state (``published`` or ``scheduled``).
        :raises WorkflowError: not approved (``not_approved``).
        """
        moment = now or dt.datetime.now().astimezone()
        path = article_path(lang, slug)
        with self._lock:
            head = self._head("draft")
            blob = self.repo.blob_id_at(head, path)
            if blob is None:
                raise ArticleNotFound(f"No draft of {path}.", field="slug")
            state = self._state(head, lang, slug)
            workflow.check_publishable(state, blob)
            if effective is not None and workflow.is_future(effective, moment):
                new_state = workflow.schedule(state, actor, effective)
                record = self.repo.write_blob(workflow.dump(new_state))
                tree = self.repo.build_tree(head, {workflow_path(lang, slug): record})
                msg = f"Schedule {path[:-3]} for {effective.isoformat()}"
                new_head = self.repo.commit_tree(tree, [head], msg, actor)
                self._move(head, new_head)
                signals.send(
                    signals.article_scheduled,
                    self,
                    actor=actor,
                    path=path,
                    commit=new_head,
                    effective=effective,
                )
                return new_state
            pub_head = self._head("published")
            new_main, new_pub = self._publish_locked(
                [(lang, slug, blob)], actor=actor, main_head=head, pub_head=pub_head, now=moment
            )
            return self._announce_published(
                lang, slug, actor, "publish", (head, new_main), (pub_head, new_pub)
            )

    def _announce_published(
        self,
        lang: str,
        slug: str,
        actor: Actor,
        reason: str,
        main: tuple[str, str],
        published: tuple[str, str],
    ) -> WorkflowState:
        """Move both lines, send ``article_published`` and return the article's new state.

        :param main: the draft line's old and new heads.
        :param published: the published line's old and new heads.
        """
        self._move(main[0], main[1], published[0], published[1])
        signals.send(
            signals.article_published,
            self,
            actor=actor,
            path=article_path(lang, slug),
            commit=published[1],
            reason=reason,
        )
        return self._state(main[1], lang, slug)

    @replayed
    def publish_due(self, now: dt.datetime | None = None) -> list[tuple[str, str]]:
        """Publish every scheduled article whose effective date has come.

        Each publication is authored by whoever scheduled it (committer: the system).

        :param now: current time (default: now, local time zone).
        :returns: ``(lang, slug)`` of the articles published.
        """
        moment = now or dt.datetime.now().astimezone()
        with self._lock:
            head = self._head("draft")
            due = [
                (lang, slug, state)
                for (lang, slug), state in self._all_states(head).items()
                if state.status is Status.SCHEDULED
                and state.scheduled_for
                and not workflow.is_future(workflow.parse_when(state.scheduled_for), moment)
            ]
            if not due:
                return []
            pub_head = self._head("published")
            main, pub = head, pub_head
            done: list[tuple[str, str, Actor, str]] = []
            for lang, slug, state in due:
                blob = self.repo.blob_id_at(main, article_path(lang, slug))
                if blob is None or blob != state.approved_blob:
                    log.warning("not publishing %s/%s: draft changed after approval", lang, slug)
                    continue
                publisher = workflow.parse_person(state.scheduled_by or str(SYSTEM_ACTOR))
                main, pub = self._publish_locked(
                    [(lang, slug, blob)],
                    actor=publisher,
                    main_head=main,
                    pub_head=pub,
                    now=moment,
                    extra_trailers={"Scheduled-for": state.scheduled_for or ""},
                )
                done.append((lang, slug, publisher, pub))
            self._move(head, main, pub_head, pub)
            for lang, slug, publisher, commit in done:
                signals.send(
                    signals.article_published,
                    self,
                    actor=publisher,
                    path=article_path(lang, slug),
                    commit=commit,
                    reason="scheduled",
                )
            return [(lang, slug) for lang, slug, _p, _c in done]

    @replayed
    def unpublish(
        self, lang: str, slug: str, *, actor: Actor, comment: str | None = None
    ) -> WorkflowState:
        """Retire an article: remove it from the published line (its draft stays).

        :param lang: language.
        :param slug: slug.
        :param actor: who retires it.
        :param comment: reason.
        :returns: new state (``retired``).
        :raises WorkflowError: if it is not published (``not_published``).
        """
        path = article_path(lang, slug)
        with self._lock:
            head, pub_head = self._head("draft"), self._head("published")
            if self.repo.blob_id_at(pub_head, path) is None:
                raise WorkflowError(
                    f"{path} is not published, so it cannot be unpublished.", code="not_published"
                )
            gone: dict[str, str | None] = {path: None}
            gone.update(dict.fromkeys(self._folder_files(pub_head, lang, slug)))
            tree = self.repo.build_tree(pub_head, gone)
            msg = f"Unpublish {path[:-3]}" + commit_trailers(Comment=one_line(comment))
            new_pub = self.repo.commit_tree(tree, [pub_head], msg, actor, committer=SYSTEM_ACTOR)
            state = workflow.retired(
                self._state(head, lang, slug), actor, comment, workflow.now_iso()
            )
            record = self.repo.write_blob(workflow.dump(state))
            tree = self.repo.build_tree(head, {workflow_path(lang, slug): record})
            new_main = self.repo.commit_tree(
                tree,
                [head],
                f"Retire {path[:-3]}" + commit_trailers(Published_commit=new_pub),
                actor,
            )
            self._move(head, new_main, pub_head, new_pub)
            signals.send(
                signals.article_unpublished,
                self,
                actor=actor,
                path=path,
                commit=new_pub,
                comment=comment,
            )
            return state

    @replayed
    def delete_draft(
        self, lang: str, slug: str, *, actor: Actor, comment: str | None = None
    ) -> str:
        """Delete an article that was never published (a mistaken or abandoned draft).

        The deletion is a commit on the draft line, so history keeps the text. A
        published article is retired with :meth:`unpublish` instead, and an article that
        was ever published keeps its file, so its history stays readable in the editor.

        :param lang: language.
        :param slug: slug.
        :param actor: who deletes it.
        :param comment: why.
        :returns: the new draft-line commit.
        :raises ArticleNotFound: when there is no such draft.
        :raises WorkflowError: when it is or was published (``was_published``).
        """
        path = article_path(lang, slug)
        record = workflow_path(lang, slug)
        with self._lock:
            head, pub_head = self._head("draft"), self._head("published")
            if self.repo.blob_id_at(head, path) is None:
                raise ArticleNotFound(f"There is no draft {path}.", field="slug")
            if self.repo.log(PUBLISHED, [path], limit=1):
                raise WorkflowError(
                    f"{path} has been published, so it is not deleted: unpublish it to "
                    "retire it, and its history stays.",
                    code="was_published",
                )
            changes: dict[str, str | None] = {path: None}
            changes.update(dict.fromkeys(self._folder_files(head, lang, slug)))
            if self.repo.blob_id_at(head, record) is not None:
                changes[record] = None
            tree = self.repo.build_tree(head, changes)
            msg = f"Delete draft {path[:-3]}" + commit_trailers(Comment=one_line(comment))
            new_main = self.repo.commit_tree(tree, [head], msg, actor)
            self._move(head, new_main, pub_head, pub_head)
            signals.send(signals.article_deleted, self, actor=actor, path=path, commit=new_main)
            return new_main

    @replayed
    def rollback(self, lang: str, slug: str, revision: str, *, actor: Actor) -> WorkflowState:
        """Publish an earlier, previously published version again, as new commits.

        The draft line gets the same text (so the next edit starts from it); history is
        never rewritten.

        :param lang: language.
        :param slug: slug.
        :param revision: a commit (either line) holding the version to restore.
        :param actor: who rolls back.
        :returns: new state (``published``).
        :raises WorkflowError: if that version was never published (``never_published``).
        """
        path = article_path(lang, slug)
        with self._lock:
            commit = self._commit("draft", revision)
            blob = self.repo.blob_id_at(commit, path)
            if blob is None:
                raise ArticleNotFound(f"Revision {revision[:10]} has no {path}.", field="revision")
            earlier = [
                entry
                for entry in self.repo.log(PUBLISHED, [path])
                if self.repo.blob_id_at(entry.commit, path) == blob
            ]
            if not earlier:
                raise WorkflowError(
                    "That version was never published, so it cannot be rolled back to: "
                    "submit it for review instead.",
                    code="never_published",
                )
            head, pub_head = self._head("draft"), self._head("published")
            main_files: dict[str, str | None] = {}
            if self.repo.blob_id_at(head, path) != blob:
                main_files[path] = blob
            # the draft line gets back the attachments that version shows, if it lost them
            text = self.repo.read_blobs([blob])[blob].decode("utf-8", errors="replace")
            restored = attachment_changes(
                self.repo, lang, slug, text, sources=[head, commit], target=head
            )
            main_files.update({p: b for p, b in restored.items() if b is not None})
            new_main, new_pub = self._publish_locked(
                [(lang, slug, blob)],
                actor=actor,
                main_head=head,
                pub_head=pub_head,
                subject="Roll back",
                extra_trailers={"Rollback-to": commit, "Rolled-back-by": str(actor)},
                main_files=main_files,
                attachment_sources=[commit],
                # the text keeps its author and approver; the actor is the publisher
                credits=(
                    parse_trailers(earlier[-1].message).get("Written-by"),
                    parse_trailers(earlier[-1].message).get("Approved-by"),
                ),
            )
            return self._announce_published(
                lang, slug, actor, "rollback", (head, new_main), (pub_head, new_pub)
            )

    def _folder_files(self, commit: str, lang: str, slug: str) -> list[str]:
        """Paths of the article's attachments at ``commit`` (none spawns no process)."""
        base = folder(lang, slug)
        return list(self.repo.ls_tree(commit, [base])) if self.repo.has_tree(commit, base) else []

    def confirm_translation(self, lang: str, slug: str, *, actor: Actor) -> WorkflowState:
        """Clear the "translation outdated" mark without a new publication.

        For changes in the other language that do not concern this one (a typo fix).

        :param lang: language.
        :param slug: slug.
        :param actor: the editor.
        :returns: new state.
        """
        return self._transition(
            lang,
            slug,
            actor,
            lambda s, _b, _now, _head: replace_state(s, outdated_by=None, outdated_since=None),
            f"Mark {lang}/{slug} as up to date with its translations",
        )

    def due_for_review(self, today: dt.date) -> list[Article]:
        """Return draft-line articles whose ``review_by`` is on or before ``today``.

        :param today: the date to compare with.
        :returns: articles, most overdue first.
        """
        due = [a for a in self.list() if a.meta.review_by and a.meta.review_by <= today]
        return sorted(due, key=lambda a: (a.meta.review_by, a.lang, a.slug))

    def outdated_translations(self) -> list[tuple[str, str, str]]:
        """Return articles whose translation was published with changes after them.

        :returns: ``(lang, slug, newer_lang)`` triples, sorted.
        """
        states = self._all_states(self._head("draft"))
        return sorted(
            (lang, slug, state.outdated_by)
            for (lang, slug), state in states.items()
            if state.outdated_by
        )

    def translations(self, lang: str, slug: str) -> list[Article]:
        """Return the other-language versions sharing this article's ``id`` (draft line).

        :param lang: language.
        :param slug: slug.
        :returns: articles in other languages, sorted by language.
        """
        article = self.get(lang, slug)
        head = self._head("draft")
        group = self._translation_groups(head).get(article.id, [])
        return [self.get(other, sl) for other, sl in sorted(group) if other != lang]

    def states(self) -> dict[tuple[str, str], WorkflowState]:
        """Return the workflow record of every article that has one.

        :returns: ``{(lang, slug): state}``.
        """
        return self._all_states(self._head("draft"))

    def last_writers(self) -> dict[tuple[str, str], str]:
        """Who wrote the current draft text of each article: the author of the last commit
        on the draft line that changed its file.

        Kept per draft head and brought up to date from the commits since the last call
        (one ``git log`` of what is new), so the editor's "my drafts" filter and the
        review-by reminders cost no git call per article.

        :returns: ``{(lang, slug): "Name <email>"}`` (articles deleted since may remain:
            callers look up the articles they list).
        """
        head = self._head("draft")
        cached: tuple[str, dict[tuple[str, str], str]] | None = getattr(
            self, "_writers_cache", None
        )
        if cached is not None and cached[0] == head:
            return cached[1]
        ref = f"{cached[0]}..{head}" if cached is not None else head
        found: dict[tuple[str, str], str] = {}
        for entry in self.repo.log(ref, list(LANGUAGES)):
            for path in entry.paths:
                key = split_article_path(path)
                if key is not None and key not in found:
                    found[key] = f"{entry.author} <{entry.email}>"
        writers = {**(cached[1] if cached is not None else {}), **found}
        self._writers_cache = (head, writers)
        return writers

    def history(self, lang: str, slug: str) -> list[Revision]:
        """Return the history of an article on both lines, newest first.

        Draft-line entries include workflow events (``changed_text`` False); a draft
        version that was published carries its ``reviewer``.

        :param lang: language.
        :param slug: slug.
        :returns: revisions.
        :raises ArticleNotFound: if the article never existed.
        """
        path = article_path(lang, slug)
        wf = workflow_path(lang, slug)
        published = self.repo.log(PUBLISHED, [path])
        draft = self.repo.log(MAIN, [path, wf])
        if not draft and not published:
            raise ArticleNotFound(f"No history for {path}.", field="slug")
        reviewer_of: dict[str, str] = {}
        out = []
        for entry in published:
            trailers = parse_trailers(entry.message)
            reviewer = trailers.get("Approved-by")
            if trailers.get("Draft-commit") and reviewer:
                reviewer_of[trailers["Draft-commit"]] = reviewer
            out.append(revision_from(entry, "published", reviewer, True))
        drafts = [
            revision_from(entry, "draft", reviewer_of.get(entry.commit), path in entry.paths)
            for entry in draft
        ]
        # Each log is newest first; merging keeps each line's own order on equal dates.
        return list(heapq.merge(out, drafts, key=lambda r: r.date, reverse=True))

    def diff(self, lang: str, slug: str, a: str, b: str) -> Diff:
        """Word-level diff of the article file between two revisions.

        :param lang: language.
        :param slug: slug.
        :param a: older revision (commit id, ``draft`` or ``published``).
        :param b: newer revision.
        :returns: :class:`~articles.diff.Diff` (``.ops`` and ``.html()``).
        :raises ArticleNotFound: if the article is at neither revision.
        """
        path = article_path(lang, slug)
        texts = []
        for rev in (a, b):
            found = self.repo.blob_at(self._commit("draft", rev), path)
            texts.append(found[1].decode("utf-8", errors="replace") if found else None)
        if texts[0] is None and texts[1] is None:
            raise ArticleNotFound(f"{path} exists at neither revision.", field="revision")
        return word_diff(texts[0] or "", texts[1] or "")
