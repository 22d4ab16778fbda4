"""Rules for user accounts, checked once where users are created or changed.

A user name is a login (``[A-Za-z0-9_.@-]``, 2-64 characters); a full name and an e-mail
become the git author of every save, so they may hold no ``<``, ``>``, line break or
other control character (git would refuse the commit). Passwords need 10+ characters and
must not be easy to guess: zxcvbn (Dropbox's estimator, a kept library) refuses common
passwords, keyboard walks, dates, repeats and sequences.

Messages are translated when a request is being served and English otherwise (the CLI).
"""

from __future__ import annotations

import re

from flask import has_request_context
from flask_babel import gettext

#: A login name: letters, digits and ``._@-``.
USER_NAME_RE = re.compile(r"[A-Za-z0-9_.@-]{2,64}")
#: Longest full name and e-mail (the columns' sizes).
MAX_FULL_NAME = 200
MAX_EMAIL = 200
#: Shortest and longest password.
MIN_PASSWORD = 10
MAX_PASSWORD = 500
#: zxcvbn score (0-4) a password needs: 2 means "about 10^8 guesses", beyond an online
#: attack slowed by sign-in throttling.
MIN_PASSWORD_SCORE = 2
#: zxcvbn refuses longer input; the first characters decide the score anyway.
_ZXCVBN_MAX = 72

_FORBIDDEN_IN_NAMES = re.compile(r"[<>\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _(message: str, **values: object) -> str:
    """Translate for the request being served; English (the msgid) elsewhere (CLI)."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


class AccountError(ValueError):
    """A user name, full name, e-mail or password is refused; the message says why and how."""


def user_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a user name, or ``None`` when it can."""
    if not USER_NAME_RE.fullmatch(name or ""):
        return _(
            "The user name %(name)s is not allowed: use 2-64 Latin letters, digits or ._@- "
            "(for example a.nurlanova).",
            name=repr((name or "")[:70]),
        )
    return None


def full_name_problem(full_name: str) -> str | None:
    """Why ``full_name`` cannot be shown as an author, or ``None`` when it can."""
    if len(full_name) > MAX_FULL_NAME:
        return _("The full name is longer than %(count)s characters: shorten it.", count=200)
    if _FORBIDDEN_IN_NAMES.search(full_name):
        return _(
            "The full name may not contain < or > or line breaks: it becomes the author "
            "of every change. Remove them."
        )
    return None


def email_problem(email: str) -> str | None:
    """Why ``email`` cannot be a git author address, or ``None`` when it can."""
    if len(email) > MAX_EMAIL or _FORBIDDEN_IN_NAMES.search(email) or " " in email:
        return _(
            "The e-mail may not contain spaces, < or > or line breaks: write it as name@example.kz."
        )
    return None


def password_problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` is refused, or ``None`` when it is good enough.

    :param password: the proposed password.
    :param user_inputs: words an attacker would try first (the user's names).
    """
    import zxcvbn

    if len(password) < MIN_PASSWORD:
        return _("The password is too short: use at least 10 characters.")
    if len(password) > MAX_PASSWORD:
        return _("The password is longer than 500 characters: shorten it.")
    if not password.strip():
        return _("The password is only spaces: use words, letters and digits.")
    result = zxcvbn.zxcvbn(password[:_ZXCVBN_MAX], user_inputs=[u for u in user_inputs if u])
    if result["score"] >= MIN_PASSWORD_SCORE:
        return None
    patterns = {match["pattern"] for match in result["sequence"]}
    if patterns & {"repeat", "sequence"}:
        return _(
            "The password repeats characters or follows a sequence (like aaaa or 1234) and "
            "is guessed at once: use three or four unrelated words."
        )
    if "dictionary" in patterns or "spatial" in patterns:
        return _(
            "The password is a common password, a keyboard row or contains your name, and "
            "is guessed at once: use three or four unrelated words."
        )
    return _(
        "The password is too easy to guess (dates and short words are tried first): use "
        "three or four unrelated words."
    )


def check_account(name: str, full_name: str = "", email: str = "") -> None:
    """Refuse a user name, full name or e-mail that would break sign-in or saves.

    :raises AccountError: with the first problem found.
    """
    problem = user_name_problem(name) or full_name_problem(full_name) or email_problem(email)
    if problem:
        raise AccountError(problem)


def check_password(password: str, *, user_inputs: tuple[str, ...] = ()) -> None:
    """Refuse a password that is short, blank, common or repetitive.

    :raises AccountError: saying why.
    """
    problem = password_problem(password, user_inputs=user_inputs)
    if problem:
        raise AccountError(problem)
