"""Security headers on every response: what the browser may load and how it may frame us.

Scripts come only from our own static files (no inline script anywhere), so even a
sanitiser bypass in article HTML could not run code. Inline ``style`` attributes are
allowed: progress bars and charts use them, and styles cannot run code.
"""

from __future__ import annotations

from flask import Flask
from flask import Response

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


def install_headers(app: Flask) -> None:
    """Add :data:`HEADERS` to every response of ``app`` (unless a view set its own)."""

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
