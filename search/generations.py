"""The index directory's generations: which one is live, and what each one holds.

::

    index/CURRENT             name of the live generation, replaced atomically
    index/gen-000007/         one complete index + kb-state.json
    index/gen-000008/         a generation being built (no kb-state.json yet) ...
    index/gen-000008.building ... and the flock its builder holds while it builds

A generation is complete once its ``kb-state.json`` exists (written last). One without
it whose ``.building`` lock nobody holds was left by a builder that died (``kill -9``
during ``kb index rebuild``): :func:`remove_unfinished` deletes it.

Plain files, no Whoosh: :mod:`search.lifecycle` puts a Whoosh index in each generation.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from filelock import FileLock
from filelock import Timeout

CURRENT_FILE = "CURRENT"
STATE_FILE = "kb-state.json"
PREFIX = "gen-"
#: Suffix of the lock file a builder holds beside its generation.
BUILDING_SUFFIX = ".building"


def read_current(root: Path) -> str | None:
    """Return the name of the live generation, if it exists.

    :param root: the index directory.
    :returns: the name, or None when there is none yet.
    """
    try:
        name = (root / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if name and (root / name).is_dir() else None


def point_current(root: Path, name: str) -> None:
    """Make ``name`` the live generation (atomic: readers see the old or the new one).

    :param root: the index directory.
    :param name: the generation.
    """
    tmp = root / f"{CURRENT_FILE}.tmp"
    tmp.write_text(name + "\n", encoding="utf-8")
    os.replace(tmp, root / CURRENT_FILE)


def new_generation(root: Path) -> str:
    """Create the directory of the next generation.

    :param root: the index directory.
    :returns: its name (``gen-000008`` after ``gen-000007``).
    """
    numbers = [
        int(p.name[len(PREFIX) :])
        for p in root.glob(f"{PREFIX}*")
        if p.name[len(PREFIX) :].isdigit()
    ]
    number = max(numbers, default=0) + 1
    for _attempt in range(100):  # mkdir is exclusive: two builders never share a name
        name = f"{PREFIX}{number:06d}"
        try:
            (root / name).mkdir()
        except FileExistsError:
            number += 1
            continue
        return name
    raise FileExistsError(f"no free generation name in {root}")  # pragma: no cover


def building_lock(root: Path, name: str) -> FileLock:
    """Return the lock a builder of ``name`` holds until the generation is complete.

    :param root: the index directory.
    :param name: the generation.
    :returns: a lock (not yet acquired).
    """
    return FileLock(str(root / f"{name}{BUILDING_SUFFIX}"))


def is_complete(root: Path, name: str) -> bool:
    """Whether a generation was finished (its ``kb-state.json`` exists).

    :param root: the index directory.
    :param name: the generation.
    """
    return (root / name / STATE_FILE).is_file()


def remove_unfinished(root: Path) -> list[str]:
    """Delete generations a builder that died left half-written, and stray temporary files.

    A generation without ``kb-state.json`` is removed only when its ``.building`` lock
    can be taken, i.e. its builder is gone; one being built right now is left alone.

    :param root: the index directory.
    :returns: the names removed.
    """
    removed = []
    current = read_current(root)
    for path in sorted(root.glob(f"{PREFIX}*")):
        name = path.name
        if name.endswith(BUILDING_SUFFIX) or name == current or is_complete(root, name):
            continue
        lock = building_lock(root, name)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            continue  # its builder is alive
        try:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(name)
        finally:
            lock.release()
    for path in root.glob(f"{PREFIX}*{BUILDING_SUFFIX}"):
        if not (root / path.name[: -len(BUILDING_SUFFIX)]).is_dir():
            path.unlink(missing_ok=True)
    (root / f"{CURRENT_FILE}.tmp").unlink(missing_ok=True)
    return removed


def prepared(root: Path, schema_version: int) -> str | None:
    """Return the newest complete generation of ``schema_version`` that is not live.

    ``kb index prepare`` builds one before an upgrade, so that the new version finds it
    ready instead of rebuilding while nothing is searchable.

    :param root: the index directory.
    :param schema_version: the schema the running code writes.
    :returns: its name, or None.
    """
    current = read_current(root)
    names = sorted(
        (p.name for p in root.glob(f"{PREFIX}*") if p.is_dir() and p.name != current),
        reverse=True,
    )
    for name in names:
        state = read_state(root, name)
        if state is not None and state.get("schema_version") == schema_version:
            return name
    return None


def read_state(root: Path, name: str) -> dict[str, Any] | None:
    """Read a generation's ``kb-state.json``.

    :param root: the index directory.
    :param name: the generation.
    :returns: the state, or None when missing or unreadable.
    """
    try:
        data = json.loads((root / name / STATE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_state(root: Path, name: str, state: dict[str, Any]) -> None:
    """Write a generation's ``kb-state.json`` atomically.

    :param root: the index directory.
    :param name: the generation.
    :param state: JSON-serialisable state.
    """
    tmp = root / name / f"{STATE_FILE}.tmp"
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, root / name / STATE_FILE)


def remove_generations(root: Path, keep: set[str]) -> None:
    """Delete every generation not in ``keep``.

    :param root: the index directory.
    :param keep: names to keep (the live one and the previous one).
    """
    for path in root.glob(f"{PREFIX}*"):
        if path.name not in keep and path.is_dir() and is_complete(root, path.name):
            shutil.rmtree(path, ignore_errors=True)
