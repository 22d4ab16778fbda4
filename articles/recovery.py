"""Repairs after a crash (``kill -9``, power cut): the store fixes itself, no human needed.

Every write to the content repository holds the store's lock (:mod:`articles.lock`, an
``flock`` the kernel releases when its owner dies). So whoever holds that lock knows that
no other store writer is running, and that anything a writer leaves while it works is a
leftover of one that died:

- git's own lock files (``HEAD.lock``, ``index.lock``, ``packed-refs.lock``,
  ``refs/**/*.lock``): git cannot remove them after a ``SIGKILL``, and while they exist
  every later ref update fails (``cannot lock ref``) and the working-tree mirror stops;
- the store's temporary files in the git dir (``kb-index-*`` indexes of
  :meth:`~articles.repository.GitRepository.build_tree`, ``kb-blobs-*`` folders);
- a half-done move of two refs. git's files backend renames ref locks one by one, so a
  kill between the renames left ``main`` moved and ``published`` not (an article whose
  state says published while the published line does not hold it). Before moving several
  refs the store writes their old and new values to :data:`INTENT_FILE`; the next lock
  holder completes the move when some refs moved (roll forward) or drops the intent when
  none did (the write never happened and nobody was told it had).

:func:`repair` runs all of this; the store calls it on start and each time it takes its
lock. Other programs must not write to the content repository while ``kb`` runs (they
would not hold the store's lock).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from articles.repository import GitRepository

log = logging.getLogger(__name__)

#: Refs a multi-ref update is about to move: ``[[ref, new, old], ...]`` (JSON).
INTENT_FILE = "kb-ref-intent.json"
#: git lock files directly in the git dir that a killed git command can leave.
_TOP_LOCKS = ("HEAD.lock", "index.lock", "packed-refs.lock", "config.lock", "ORIG_HEAD.lock")
#: Prefixes of the store's own temporary files and folders in the git dir.
_TEMP_PREFIXES = ("kb-index-", "kb-blobs-", f"{INTENT_FILE}.tmp")


def leftovers(git_dir: Path) -> list[Path]:
    """List the lock and temporary files a dead writer left (caller holds the store lock).

    :param git_dir: the repository's git dir.
    :returns: their paths (empty after a clean shutdown).
    """
    found = [git_dir / name for name in _TOP_LOCKS if (git_dir / name).exists()]
    refs = git_dir / "refs"
    if refs.is_dir():
        found += sorted(refs.rglob("*.lock"))
    found += sorted(p for p in git_dir.iterdir() if p.name.startswith(_TEMP_PREFIXES))
    return found


def remove_leftovers(git_dir: Path) -> list[str]:
    """Delete what :func:`leftovers` finds; the caller must hold the store lock.

    :param git_dir: the repository's git dir.
    :returns: the names removed, relative to the git dir (logged as warnings).
    """
    removed = []
    for path in leftovers(git_dir):
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        removed.append(str(path.relative_to(git_dir)))
    if removed:
        log.warning("removed files left by a writer that died: %s", ", ".join(removed))
    return removed


def write_intent(git_dir: Path, updates: Sequence[tuple[str, str, str]]) -> None:
    """Record the refs about to move (atomically: a reader sees all of it or nothing).

    :param git_dir: the repository's git dir.
    :param updates: ``[(ref, new, old)]`` as given to ``update_refs``.
    """
    tmp = git_dir / f"{INTENT_FILE}.tmp"
    tmp.write_text(json.dumps([list(u) for u in updates]), encoding="utf-8")
    os.replace(tmp, git_dir / INTENT_FILE)


def clear_intent(git_dir: Path) -> None:
    """Forget the recorded intent (the refs moved, or nothing did).

    :param git_dir: the repository's git dir.
    """
    try:
        (git_dir / INTENT_FILE).unlink()
    except FileNotFoundError:
        pass


def read_intent(git_dir: Path) -> list[tuple[str, str, str]] | None:
    """Return the recorded intent, or None when there is none (or it is unreadable).

    :param git_dir: the repository's git dir.
    :returns: ``[(ref, new, old)]`` or None.
    """
    try:
        data = json.loads((git_dir / INTENT_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        log.warning("unreadable %s ignored (written by a process that died?)", INTENT_FILE)
        return None
    if not isinstance(data, list) or not all(
        isinstance(u, list) and len(u) == 3 and all(isinstance(v, str) for v in u) for u in data
    ):
        return None
    return [(u[0], u[1], u[2]) for u in data]


def finish_intent(repo: GitRepository) -> list[str]:
    """Complete or drop a multi-ref move that a dead writer started.

    Roll forward when at least one ref reached its new value (its commit objects all
    exist: they are written before the intent); drop the intent when none did.

    :param repo: the repository (the caller holds the store lock).
    :returns: the refs moved now.
    """
    updates = read_intent(repo.git_dir)
    if updates is None:
        clear_intent(repo.git_dir)
        return []
    current = {ref: repo.resolve(ref) for ref, _new, _old in updates}
    moved = [ref for ref, new, _old in updates if current[ref] == new]
    pending = [(ref, new, old) for ref, new, old in updates if current[ref] != new]
    done: list[str] = []
    if moved and pending:
        if all(
            current[ref] == old or (current[ref] is None and old == "0" * 40)
            for ref, _new, old in pending
        ):
            repo.run_update_refs(pending)
            done = [ref for ref, _new, _old in pending]
            log.warning("completed a ref update interrupted by a crash: %s", ", ".join(done))
        else:  # pragma: no cover - another program wrote without the store lock
            log.error("ref intent %s no longer matches the refs; left as they are", updates)
    clear_intent(repo.git_dir)
    return done
