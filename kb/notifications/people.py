"""Who is who: users behind the people the content repository names, owners, reviewers.

The repository names people as git does, ``Name <email>``, where the e-mail is the
user's address or ``<login>@kb.local`` (:attr:`kb.models.User.git_email`). The owner of
an article is the ``owner`` field of its front matter (a login), or else whoever wrote
its current draft.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select

from kb.models import User
from kb.models import UserRole
from kb.models import db

#: Roles whose holders may own articles (offered in the editor's owner field).
OWNER_ROLES = ("editor", "reviewer", "admin")
LOCAL_DOMAIN = "@kb.local"


def user_named(name: str) -> User | None:
    """The active user with login ``name``, or ``None``."""
    if not name:
        return None
    user = db.session.scalar(select(User).where(User.name == name))
    return user if user is not None and user.active else None


def user_for_person(person: str | None) -> User | None:
    """The active user a stored ``Name <email>`` stands for, or ``None``.

    :param person: as the repository stores it (``Айгүл <aigul@example.kz>``).
    :returns: the user whose e-mail (or ``<login>@kb.local``) it is.
    """
    if not person:
        return None
    _name, sep, rest = person.rpartition(" <")
    email = rest.rstrip(">").strip().lower() if sep else ""
    if not email:
        return None
    if email.endswith(LOCAL_DOMAIN):
        found = user_named(email[: -len(LOCAL_DOMAIN)])
        if found is not None and not found.email:
            return found
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    return user if user is not None and user.active else None


def owner_of(owner: str, last_writer: str | None) -> User | None:
    """The user who owns an article.

    :param owner: the ``owner`` front-matter field (a login, may be empty).
    :param last_writer: ``Name <email>`` of who wrote the current draft.
    :returns: the owner named, if that user exists and is active, else the writer's user.
    """
    return user_named(owner) or user_for_person(last_writer)


def owner_shown(owner: str, last_writer: str | None) -> str:
    """The owner as the editor's article page shows it: ``Full name (login)``.

    :param owner: the ``owner`` field.
    :param last_writer: who wrote the current draft.
    :returns: the text, or ``""`` when nobody is known.
    """
    user = owner_of(owner, last_writer)
    if user is not None:
        shown = (
            user.name if user.display_name == user.name else f"{user.display_name} ({user.name})"
        )
        return shown if owner else _("%(owner)s, the author", owner=shown)
    return owner


def owner_choices() -> list[tuple[str, str]]:
    """``(login, full name)`` of the active users who may own articles, by login."""
    rows = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(User.active.is_(True), UserRole.role.in_(OWNER_ROLES))
        .order_by(User.name)
    ).unique()
    return [(user.name, user.display_name) for user in rows]


def owner_problem(owner: str) -> str | None:
    """Why ``owner`` cannot own an article (English, for :class:`editor.forms.FormError`).

    :param owner: the login typed in the owner field (empty is allowed).
    :returns: the problem and its fix, or ``None``.
    """
    if not owner or user_named(owner) is not None:
        return None
    return (
        f"There is no active user {owner[:64]!r}: type the login of an editor or reviewer "
        "(the list offers them), or leave the field empty for the author."
    )


def reviewers(exclude: User | None = None) -> list[User]:
    """Who hears of a submission: active reviewers, else (no other one) administrators.

    :param exclude: the submitter (no one is told of their own action).
    :returns: the users, by login.
    """
    for roles in (("reviewer",), ("admin",)):
        found = list(
            db.session.scalars(
                select(User)
                .join(UserRole)
                .where(User.active.is_(True), UserRole.role.in_(roles))
                .order_by(User.name)
            ).unique()
        )
        others = [u for u in found if exclude is None or u.id != exclude.id]
        if others:
            return others
    return []
