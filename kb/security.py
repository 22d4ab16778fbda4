"""Security headers on every response (what the browser may load, how it may frame us,
what it may keep) and bounds on URL parameters.

Scripts come only from our own static files (no inline script anywhere), so even a
sanitiser bypass in article HTML could not run code. Inline ``style`` attributes are
allowed: progress bars and charts use them, and styles cannot run code.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import Response
from werkzeug.routing import IntegerConverter as WerkzeugIntegerConverter
from werkzeug.routing import Map

#: Largest id in a URL: the database's integer columns hold no more (PostgreSQL ``integer``).
MAX_URL_INT = 2**31 - 1


class IntegerConverter(WerkzeugIntegerConverter):
    """``<int:...>`` bounded: it answers 404, not 500, for numbers no row can have.

    (Named as Werkzeug's, which route tables and tests recognise by name.)

    ``/-/admin/users/99999999999999999999999`` used to reach the database and overflow.
    """

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_URL_INT)
        super().__init__(url_map, *args, **kwargs)


def install_converters(app: Flask) -> None:
    """Use the bounded :class:`IntegerConverter` for ``int`` (before routes are added)."""
    app.url_map.converters["int"] = IntegerConverter


CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _signed_in_page() -> bool:
    """Whether this response is for a signed-in user (static files excluded)."""
    from flask import request
    from flask_login import current_user

    endpoint = request.endpoint or ""
    if endpoint == "static" or endpoint.endswith(".static"):
        return False
    return bool(current_user and current_user.is_authenticated)


def install_headers(app: Flask) -> None:
    """Add :data:`HEADERS` to every response of ``app`` (unless a view set its own)."""

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if _signed_in_page() and "Cache-Control" not in response.headers:
            # Pages for a signed-in user must not stay in a shared workstation's cache
            # (the back button after sign-out, a proxy between the Center's floors).
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
