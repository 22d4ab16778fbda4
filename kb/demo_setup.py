"""Demo instance: the bundled sample articles and a demo administrator."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import select

from kb.models import User
from kb.models import db
from kb.services import KnowledgeBase

DEMO_CONTENT = Path(__file__).parent / "demo" / "content"


def load_demo_content(kb: KnowledgeBase) -> int:
    """Save and publish the bundled demo articles, bodies and synonyms.

    :returns: the number of articles published.
    """
    return kb.load_tree(DEMO_CONTENT)


def create_demo_admin() -> str | None:
    """Create user ``admin`` with every role and a random password, if absent.

    :returns: the password (to print once), or ``None`` if the user already exists.
    """
    if db.session.scalar(select(User).where(User.name == "admin")):
        return None
    password = secrets.token_urlsafe(12)
    user = User(name="admin", full_name="Demo administrator", email="admin@kb.local")
    user.set_password(password)
    user.set_roles({"admin", "operator", "editor", "reviewer", "trainer"})
    db.session.add(user)
    db.session.commit()
    return password
