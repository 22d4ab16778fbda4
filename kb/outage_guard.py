"""The last line against a database outage: a WSGI guard around the Flask application.

Flask turns an error raised by a view into the "try again" page (:mod:`kb.errors`), but
an error raised where Flask has no handler left — in a teardown, in an error handler that
itself reads the database, while the response is finished — leaves the application, and
gunicorn answers it with its bare, English ``500 Internal Server Error``. While
PostgreSQL restarts that is exactly the kind of error left to escape: the connection
dies between two steps of one request. :class:`OutageGuard` catches such a database
error at the WSGI boundary and answers as :mod:`kb.errors` does: 503, in the user's
language, JSON for the API and for clients that ask for it, a small page otherwise.

It reads nothing from the database to answer: the language comes from the user this
process remembers (:data:`kb.outage.known_users`), the session's choice or the
browser's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

import psycopg
from flask import Flask
from flask import Request
from flask_babel import force_locale
from flask_babel import gettext as _

from kb.config import LOCALES
from kb.outage import UNAVAILABLE
from kb.outage import known_users

log = logging.getLogger(__name__)

#: Database errors that mean "not answering" when they escape the application: the ones
#: SQLAlchemy raises, and psycopg's own (connections opened outside SQLAlchemy).
ESCAPED = (*UNAVAILABLE, psycopg.OperationalError, psycopg.InterfaceError)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class OutageGuard:
    """WSGI middleware: a database outage error that escaped Flask becomes a localized 503.

    :param app: the Flask application (its templates, translations and session cookie).
    :param wsgi_app: the WSGI callable it guards (``app.wsgi_app``).
    """

    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Run the application; answer 503 "try again" if a database error escapes it.

        The application's ``start_response`` is held back until it has returned (a
        teardown that fails runs after the response was started), so the 503 replaces
        the answer it had begun rather than following it.
        """
        held = _HeldStart(start_response)
        try:
            body = self.wsgi_app(environ, held)
        except ESCAPED as exc:
            log.warning(
                "database error escaped the application on %s (answered 503): %s",
                environ.get("PATH_INFO", ""),
                exc,
            )
            if held.sent:  # the answer was already being written: nothing can replace it
                raise
            content_type, page = self._answer(environ)
            start_response(
                "503 SERVICE UNAVAILABLE",
                [
                    ("Content-Type", content_type),
                    ("Content-Length", str(len(page))),
                    ("Cache-Control", "no-store"),
                    ("Retry-After", "30"),
                ],
            )
            return [page]
        held.release()
        return body

    def _answer(self, environ: dict[str, Any]) -> tuple[str, bytes]:
        """The content type and body of the "try again" answer for this request.

        No request context is pushed: its teardown functions would run again, and one of
        them may be what failed. An application context gives the translations; its own
        teardown (the session's end) is guarded by :mod:`kb.outage`.
        """
        from kb.errors import wants_json

        req = Request(environ)
        context = self.app.app_context()
        context.push()
        try:
            locale = self._locale(req)
            with force_locale(locale):
                message = _(
                    "The database is not answering right now, so this was not done. "
                    "Searching goes on; try again in a minute."
                )
                if wants_json(req):
                    error = {"status": 503, "code": "database_unavailable", "message": message}
                    text = json.dumps({"error": error}, ensure_ascii=False)
                    return "application/json", text.encode("utf-8")
                # no context processors: they would load the signed-in user again
                template = self.app.jinja_env.get_template("unavailable.html")
                page = template.render(status=503, message=message, lang=locale, root=req.root_path)
                return "text/html; charset=utf-8", page.encode("utf-8")
        finally:
            try:
                context.pop()
            except Exception:  # noqa: BLE001 - the answer is made; nothing else to end
                log.warning("the outage answer's context did not end cleanly", exc_info=True)

    def _locale(self, req: Request) -> str:
        """The user's language without the database: remembered user, session, browser."""
        session: Mapping[str, Any] = self.app.session_interface.open_session(self.app, req) or {}
        number = str(session.get("_user_id") or "").partition(":")[0]
        if number.isdigit() and len(number) <= 10:
            user = known_users.recall(int(number))
            if user is not None and user.locale in LOCALES:
                return str(user.locale)
        chosen = session.get("locale")
        if chosen in LOCALES:
            return str(chosen)
        best = req.accept_languages.best_match(LOCALES)
        return str(best or self.app.config["DEFAULT_LOCALE"])


class _HeldStart:
    """A WSGI ``start_response`` that holds the application's call until :meth:`release`.

    After the release (the application returned) calls go straight to the server's,
    as do the legacy ``write()`` callable's writes (which start the answer at once).
    """

    def __init__(self, start_response: Callable[..., Any]) -> None:
        self.start_response = start_response
        self.args: tuple[Any, ...] | None = None
        self.sent = False
        self.passing = False
        self._write: Callable[[bytes], Any] | None = None

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], Any]:
        self.args = (status, headers, exc_info) if exc_info else (status, headers)
        if self.passing or self.sent:
            self.sent = True
            self._write = self.start_response(*self.args)
            return self._write
        return self.write

    def write(self, data: bytes) -> Any:
        """The legacy ``write()`` of WSGI: starts the held answer, then writes."""
        self._send()
        assert self._write is not None
        return self._write(data)

    def release(self) -> None:
        """Pass the held call on; later calls are passed on as they come."""
        self._send()
        self.passing = True

    def _send(self) -> None:
        if not self.sent and self.args is not None:
            self.sent = True
            self._write = self.start_response(*self.args)


def install(app: Flask) -> None:
    """Wrap ``app.wsgi_app`` in :class:`OutageGuard`."""
    app.wsgi_app = OutageGuard(app, app.wsgi_app)  # type: ignore[method-assign]
