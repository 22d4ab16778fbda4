"""The store's write lock: a thread lock plus one cross-process file lock in ``.git/``.

The file lock is an ``flock`` (:mod:`filelock`): the kernel releases it when its owner
dies, even by ``kill -9``, so a crashed writer never blocks the next one. The file itself
stays (it is empty and harmless).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from types import TracebackType

from filelock import FileLock

#: File name of the cross-process lock inside the git dir.
LOCK_NAME = "kb-store.lock"

#: Seconds a writer waits for the lock before giving up (a stuck writer is a bug).
DEFAULT_TIMEOUT = 60.0


class StoreLock:
    """Serialise every write to one content repository.

    The thread lock keeps threads of one process in order; the file lock does the same
    for processes (several gunicorn or waitress workers). Both are reentrant for the
    holder, so a write may call another locked helper.

    :param git_dir: the repository's git dir.
    :param timeout: seconds to wait for the file lock.
    :param on_acquire: called each time the lock is taken from outside (not on reentry),
        with the lock held: the store repairs what a writer that died left behind.
    """

    def __init__(
        self,
        git_dir: str | os.PathLike[str],
        timeout: float = DEFAULT_TIMEOUT,
        on_acquire: Callable[[], object] | None = None,
    ) -> None:
        self._thread_lock = threading.RLock()
        self._file_lock = FileLock(os.path.join(git_dir, LOCK_NAME), timeout=timeout)
        self._on_acquire = on_acquire
        self._depth = 0

    def __enter__(self) -> StoreLock:
        self._thread_lock.acquire()
        try:
            self._file_lock.acquire()
        except BaseException:
            self._thread_lock.release()
            raise
        self._depth += 1
        if self._depth == 1 and self._on_acquire is not None:
            try:
                self._on_acquire()
            except BaseException:
                self.__exit__(None, None, None)
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        try:
            self._file_lock.release()
        finally:
            self._thread_lock.release()
