"""One write through the service object, run as its own process by the crash tests.

``python -m tests.kb.crash_driver OP SLUG`` on the instance ``KB_HOME`` (pushing to
``KB_CONTENT_REMOTE`` when it is set): ``save`` writes a
draft ``ru/SLUG``; ``publish`` writes, submits, approves and publishes it (what the
editor's pages do, through :class:`kb.services.KnowledgeBase`). It prints ``ACK`` and
the published head once the write is done: a crash test counts the write as
acknowledged only then. ``DRIVER_CRASH_AT`` names the point (:mod:`articles.crashpoints`)
where the last step (the save, or the publication) must die: the driver sets
``KB_CRASH_AT`` to it just before that step, so the earlier steps run normally.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from articles import crashpoints
from articles.model import Actor
from kb.services import KnowledgeBase
from tests.articles.articles_support import make_text

AUTHOR = Actor("Айгүл Серікқызы", "aigul@example.kz")
REVIEWER = Actor("Борис Петров", "boris@example.kz")


def body_of(slug: str) -> str:
    """The article text of ``slug``: a Russian sentence with the slug as a search word."""
    return f"Порядок получения справки {slug} в ЦОНе.\n"


def _arm() -> None:
    point = os.environ.get("DRIVER_CRASH_AT")
    if point:
        os.environ[crashpoints.ENV_VAR] = point


def run(kb: KnowledgeBase, op: str, slug: str) -> str:
    """Do ``op`` on ``ru/slug`` and return the published head after it."""
    kb.index  # noqa: B018 - opened (and caught up) first, as a server's is
    if op == "save":
        _arm()
    kb.store.save("ru", slug, make_text("ru", id=slug, body=body_of(slug)), actor=AUTHOR)
    if op == "publish":
        kb.store.submit("ru", slug, actor=AUTHOR)
        kb.store.approve("ru", slug, actor=REVIEWER)
        _arm()
        kb.publish("ru", slug, actor=REVIEWER)
    return kb.store.published_head()


def main(argv: list[str]) -> int:
    """Entry point: ``OP SLUG``."""
    op, slug = argv
    home = Path(os.environ["KB_HOME"])  # the default layout of `kb init`; no Flask app
    # KB_CONTENT_REMOTE: every write is pushed to that shared bare repository first
    remote = os.environ.get("KB_CONTENT_REMOTE", "")
    kb = KnowledgeBase(
        content_dir=home / "content", index_dir=home / "index", options={"content_remote": remote}
    )
    try:
        head = run(kb, op, slug)
    finally:
        kb.close()
    print("ACK", head, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
