"""History entries in the interface language.

The store writes its commit subjects in English (``Submit ru/x for review``); the editor
writes saves in the language of the person saving. Shown in the history, the store's
own subjects are translated here; a message an editor typed is shown as typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

_PATH = r"(?:kk|ru|en)/[a-z0-9-]+(?:\.md)?"

# (pattern of the store's subject, translation); groups feed the translation.
_SUBJECTS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(rf"^Create {_PATH}$"), lambda m: _("Created")),
    (re.compile(rf"^Save {_PATH}$"), lambda m: _("Saved")),
    (re.compile(r"^Save (\d+) articles$"), lambda m: _("Saved %(n)s articles", n=m[1])),
    (re.compile(r"^Import (\d+) articles$"), lambda m: _("Imported %(n)s articles", n=m[1])),
    (re.compile(rf"^Submit {_PATH} for review$"), lambda m: _("Submitted for review")),
    (re.compile(rf"^Approve {_PATH}$"), lambda m: _("Approved")),
    (re.compile(rf"^Reject {_PATH}"), lambda m: _("Rejected")),
    (re.compile(rf"^Publish {_PATH}$"), lambda m: _("Published")),
    (
        re.compile(rf"^Schedule {_PATH} for (\d{{4}}-\d{{2}}-\d{{2}})$"),
        lambda m: _("Scheduled for %(date)s", date=m[1]),
    ),
    (re.compile(rf"^Unpublish {_PATH}$"), lambda m: _("Unpublished")),
    (re.compile(rf"^Retire {_PATH}$"), lambda m: _("Retired")),
    (re.compile(rf"^Delete draft {_PATH}$"), lambda m: _("Draft deleted")),
    (
        re.compile(rf"^Mark {_PATH} as up to date with its translations$"),
        lambda m: _("Marked as up to date with its translations"),
    ),
    (re.compile(r"^Record publication of "), lambda m: _("Publication recorded")),
    (re.compile(r"^Record rollback of "), lambda m: _("Rollback recorded")),
    (re.compile(r"^Roll back "), lambda m: _("Rolled back")),
]


def describe(subject: str) -> str:
    """The history line of a commit subject, in the interface language.

    :param subject: first line of the commit message.
    :returns: the translated description, or the subject as typed.
    """
    for pattern, text in _SUBJECTS:
        match = pattern.match(subject)
        if match:
            return text(match)
    return subject
