"""Workflow records and the rules of each transition (pure functions, no git).

The store keeps one record per article in ``.workflow/<lang>/<slug>.yaml`` on the draft
line, written only by the store, so every transition is a commit with its actor.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import yaml

from articles.errors import WorkflowError
from articles.model import Actor
from articles.model import Status
from articles.model import WorkflowState

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

_FIELDS = tuple(f.name for f in dataclasses.fields(WorkflowState))


def now_iso(now: dt.datetime | None = None) -> str:
    """Return ``now`` (default: the current time) as an ISO string in UTC, to seconds.

    :param now: a timezone-aware time, or ``None``.
    :returns: e.g. ``2026-11-25T08:00:00+00:00``.
    """
    moment = now or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def load(data: bytes | None) -> WorkflowState | None:
    """Parse a workflow record, or return ``None`` if there is none.

    :param data: YAML bytes as stored.
    :returns: the state or ``None``.
    """
    if data is None:
        return None
    raw = yaml.load(data.decode("utf-8"), Loader=_Loader) or {}  # noqa: S506 - Safe loader
    values = {k: (str(v) if v is not None else None) for k, v in raw.items() if k in _FIELDS}
    status = Status(values.pop("status", None) or "draft")
    return WorkflowState(status, **values)


def dump(state: WorkflowState) -> bytes:
    """Serialise a workflow record (only fields that are set).

    :param state: the record.
    :returns: YAML bytes.
    """
    data = {"status": state.status.value}
    for name in _FIELDS[1:]:
        value = getattr(state, name)
        if value is not None:
            data[name] = value
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    return str(text).encode("utf-8")


def is_future(effective: dt.date | dt.datetime, now: dt.datetime) -> bool:
    """Return True if ``effective`` is later than ``now``.

    A date means the start of that day in ``now``'s time zone (the law takes effect on
    1 January, local time).

    :param effective: date or aware datetime.
    :param now: aware current time.
    :returns: whether publishing must wait.
    """
    if isinstance(effective, dt.datetime):
        moment = effective if effective.tzinfo else effective.replace(tzinfo=now.tzinfo)
        return moment > now
    return effective > now.date()


def parse_when(value: str) -> dt.date | dt.datetime:
    """Parse a stored ``scheduled_for`` value (ISO date or datetime).

    :param value: stored string.
    :returns: the date or datetime.
    """
    if "T" in value:
        return dt.datetime.fromisoformat(value)
    return dt.date.fromisoformat(value)


def _refuse(message: str, code: str) -> WorkflowError:
    return WorkflowError(message, code=code)


def after_save(state: WorkflowState) -> WorkflowState:
    """State after an edit: back to draft (an approval was for another revision).

    :param state: current state.
    :returns: the new state (publication and translation fields kept).
    """
    return dataclasses.replace(
        state,
        status=Status.DRAFT,
        last_author=None,
        submitted_by=None,
        submitted_at=None,
        approved_by=None,
        approved_at=None,
        approved_blob=None,
        rejected_by=None,
        comment=None,
        scheduled_for=None,
        scheduled_by=None,
    )


def submit(state: WorkflowState, actor: Actor, comment: str | None, now: str) -> WorkflowState:
    """Draft → in review.

    :param state: current state.
    :param actor: who submits.
    :param comment: optional note for the reviewer.
    :param now: ISO time.
    :returns: new state.
    :raises WorkflowError: unless the article is a draft (or retired).
    """
    if state.status is Status.IN_REVIEW:
        raise _refuse("The article is already waiting for review.", "already_in_review")
    if state.status in (Status.APPROVED, Status.SCHEDULED):
        raise _refuse(
            "The article is already approved: publish it, or save a change to start over.",
            "already_approved",
        )
    if state.status is Status.PUBLISHED:
        raise _refuse(
            "Nothing to review: the draft is the published version. Save a change first.",
            "no_changes",
        )
    return dataclasses.replace(
        state,
        status=Status.IN_REVIEW,
        submitted_by=str(actor),
        submitted_at=now,
        comment=comment or None,
        rejected_by=None,
    )


def approve(
    state: WorkflowState,
    actor: Actor,
    blob: str,
    comment: str | None,
    now: str,
    *,
    last_author: str | None,
    allow_self_approval: bool,
) -> WorkflowState:
    """In review → approved (for exactly the blob reviewed).

    :param state: current state.
    :param actor: the reviewer.
    :param blob: blob id of the draft being approved.
    :param comment: optional note.
    :param now: ISO time.
    :param last_author: ``"Name <email>"`` of who wrote the current text.
    :param allow_self_approval: whether the last author may approve.
    :returns: new state.
    :raises WorkflowError: unless in review, or if the reviewer is the last author.
    """
    if state.status is not Status.IN_REVIEW:
        raise _refuse(
            f"Only an article in review can be approved (it is {state.status.value}): "
            "submit it for review first.",
            "not_in_review",
        )
    if not allow_self_approval and last_author and _same(last_author, actor):
        raise _refuse(
            "You wrote the last version of this article; another reviewer must approve it.",
            "self_approval",
        )
    return dataclasses.replace(
        state,
        status=Status.APPROVED,
        approved_by=str(actor),
        approved_at=now,
        approved_blob=blob,
        comment=comment or None,
    )


def reject(state: WorkflowState, actor: Actor, comment: str | None, now: str) -> WorkflowState:
    """In review / approved / scheduled → draft, with the reviewer's comment.

    :param state: current state.
    :param actor: the reviewer.
    :param comment: why (required).
    :param now: ISO time.
    :returns: new state.
    :raises WorkflowError: without a comment, or if nothing is waiting for review.
    """
    if not comment or not comment.strip():
        raise _refuse("Say why the article is rejected: a comment is required.", "comment_required")
    if state.status not in (Status.IN_REVIEW, Status.APPROVED, Status.SCHEDULED):
        raise _refuse(
            f"Only an article in review, approved or scheduled can be rejected "
            f"(it is {state.status.value}).",
            "not_in_review",
        )
    return dataclasses.replace(
        state,
        status=Status.DRAFT,
        rejected_by=str(actor),
        comment=comment.strip(),
        approved_by=None,
        approved_at=None,
        approved_blob=None,
        scheduled_for=None,
        scheduled_by=None,
    )


def check_publishable(state: WorkflowState, blob: str) -> None:
    """Refuse publishing unless the current draft blob is the approved one.

    :param state: current state.
    :param blob: blob id of the current draft.
    :raises WorkflowError: if not approved/scheduled or the approval is for other text.
    """
    if state.status not in (Status.APPROVED, Status.SCHEDULED):
        raise _refuse(
            f"Only an approved article can be published (it is {state.status.value}): "
            "submit it and have a reviewer approve it.",
            "not_approved",
        )
    if state.approved_blob != blob:
        raise _refuse(
            "The draft changed after it was approved: submit it for review again.",
            "approval_stale",
        )


def schedule(state: WorkflowState, actor: Actor, when: dt.date | dt.datetime) -> WorkflowState:
    """Approved → scheduled for ``when``.

    :param state: current state (checked by :func:`check_publishable`).
    :param actor: who schedules (becomes the author of the later publication).
    :param when: effective date or time.
    :returns: new state.
    """
    return dataclasses.replace(
        state, status=Status.SCHEDULED, scheduled_for=when.isoformat(), scheduled_by=str(actor)
    )


def published(
    state: WorkflowState, actor: Actor, commit: str, blob: str, now: str
) -> WorkflowState:
    """State after publication (also after a rollback or an import).

    :param state: current state.
    :param actor: publisher.
    :param commit: new commit on the published line.
    :param blob: blob published.
    :param now: ISO time.
    :returns: new state; the translation-outdated mark is cleared.
    """
    return dataclasses.replace(
        state,
        status=Status.PUBLISHED,
        published_by=str(actor),
        published_at=now,
        published_commit=commit,
        published_blob=blob,
        scheduled_for=None,
        scheduled_by=None,
        submitted_by=None,
        submitted_at=None,
        outdated_by=None,
        outdated_since=None,
    )


def retired(state: WorkflowState, actor: Actor, comment: str | None, now: str) -> WorkflowState:
    """State after unpublishing.

    :param state: current state.
    :param actor: who retires it.
    :param comment: optional reason.
    :param now: ISO time.
    :returns: new state.
    """
    return dataclasses.replace(
        state,
        status=Status.RETIRED,
        published_by=str(actor),
        published_at=now,
        published_commit=None,
        published_blob=None,
        approved_by=None,
        approved_at=None,
        approved_blob=None,
        scheduled_for=None,
        scheduled_by=None,
        comment=comment or None,
    )


def parse_person(value: str) -> Actor:
    """Turn a stored ``"Name <email>"`` back into an :class:`Actor`.

    >>> parse_person("Айгүл <aigul@example.kz>")
    Actor(name='Айгүл', email='aigul@example.kz')

    :param value: stored person.
    :returns: the actor.
    """
    name, _, rest = value.rpartition(" <")
    return Actor(name=name, email=rest.rstrip(">"))


def _same(person: str, actor: Actor) -> bool:
    return parse_person(person).email.lower() == actor.email.lower()
