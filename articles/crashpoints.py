"""Named points where a test can make the process die as ``kill -9`` would (test-only).

Set ``KB_CRASH_AT`` to a point's name (or several, comma-separated) and the process sends
itself ``SIGKILL`` when it reaches that point: no ``finally`` block, no ``atexit``, no
lock release runs. The crash tests
(``tests/kb/test_crash_recovery.py``) use it to stop ``kb`` at an exact step of a write
instead of guessing with timers. Unset (the default), :func:`reach` only reads one
variable.

Points: ``store.tree`` (a temporary git index exists), ``store.refs.before`` (commit
objects written and the ref intent recorded, refs not yet moved), ``store.refs.prepared``
(``git update-ref`` has locked every ref and is killed with the process: its ``.lock``
files stay), ``store.refs.after``
(refs moved, intent not yet cleared), ``store.mirror`` (refs moved, working tree not yet
updated), ``index.update`` (content written, index not yet updated),
``import.published`` (an import's publication committed, its indexing not yet begun:
unlike ``index.update`` it is reached even when a running server's follower indexed the
new head first),
``index.rebuild.built`` (a new generation is complete but not yet live).
"""

from __future__ import annotations

import os
import signal

#: Environment variable naming the points to die at.
ENV_VAR = "KB_CRASH_AT"


def reach(point: str, also: int | None = None) -> None:
    """Die at once with ``SIGKILL`` if ``KB_CRASH_AT`` names ``point``.

    :param point: the point's name (see the module docstring).
    :param also: a child process to kill first (a git command in the middle of its work,
        as when a whole process group is killed).
    """
    wanted = os.environ.get(ENV_VAR)
    if wanted and point in wanted.split(","):
        if also is not None:
            os.kill(also, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
