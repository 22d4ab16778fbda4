"""The store's write lock: a thread lock plus one cross-process file lock in ``.git/``."""

from __future__ import annotations

import os
import threading
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
    """

    def __init__(self, git_dir: str | os.PathLike[str], timeout: float = DEFAULT_TIMEOUT) -> None:
        self._thread_lock = threading.RLock()
        self._file_lock = FileLock(os.path.join(git_dir, LOCK_NAME), timeout=timeout)

    def __enter__(self) -> StoreLock:
        self._thread_lock.acquire()
        try:
            self._file_lock.acquire()
        except BaseException:
            self._thread_lock.release()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._file_lock.release()
        finally:
            self._thread_lock.release()
