"""Web-side glue shared by every blueprint: login manager, the service object, roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from typing import TypeVar

from flask import abort
from flask import current_app
from flask_login import LoginManager
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from articles.model import Actor
from kb.services import KnowledgeBase

login_manager = LoginManager()
csrf = CSRFProtect()

F = TypeVar("F", bound=Callable[..., Any])


def get_kb() -> KnowledgeBase:
    """Return the application's :class:`~kb.services.KnowledgeBase`."""
    return current_app.extensions["kb"]


def role_required(*roles: str) -> Callable[[F], F]:
    """Let a view run only for signed-in users holding one of ``roles`` (admins: always).

    Anonymous users are sent to the sign-in page; others get 403.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def current_actor() -> Actor:
    """The signed-in user as the domain's :class:`~articles.model.Actor` (git author)."""
    try:
        return Actor(name=current_user.display_name, email=current_user.git_email)
    except ValueError:
        # A name stored before names were checked (kb.accounts): fall back to the login.
        return Actor(name=current_user.name, email=f"{current_user.name}@kb.local")


def register_nav(app: Any, endpoint: str, label: Callable[[], str], *roles: str) -> None:
    """Add a link to the top navigation, shown to users holding one of ``roles``.

    :param app: the Flask application (blueprints call this from ``bp.record_once``).
    :param endpoint: the view's endpoint, e.g. ``"courses.index"``.
    :param label: a callable returning the translated label (evaluated per request).
    """
    app.extensions.setdefault("kb_nav", []).append((endpoint, label, roles))


def nav_links() -> list[dict[str, str]]:
    """The registered navigation links the current user may follow."""
    from flask import url_for

    links: list[dict[str, str]] = []
    if not current_user.is_authenticated:
        return links
    for endpoint, label, roles in current_app.extensions.get("kb_nav", []):
        if not roles or current_user.has_role(*roles):
            links.append({"url": url_for(endpoint), "label": label()})
    return links


def role_label(role: str) -> str:
    """The translated name of a role."""
    from flask_babel import gettext as _

    labels = {
        "operator": _("operator"),
        "editor": _("editor"),
        "reviewer": _("reviewer"),
        "trainer": _("trainer"),
        "admin": _("administrator"),
    }
    return labels.get(role, role)
