"""The index directory's generations: which one is live, and what each one holds.

::

    index/CURRENT        name of the live generation, replaced atomically
    index/gen-000007/    one complete index + kb-state.json

Plain files, no Whoosh: :mod:`search.index` puts a Whoosh index in each generation.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

CURRENT_FILE = "CURRENT"
STATE_FILE = "kb-state.json"
PREFIX = "gen-"


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
    name = f"{PREFIX}{max(numbers, default=0) + 1:06d}"
    (root / name).mkdir()
    return name


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
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
