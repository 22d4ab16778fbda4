"""Map errors to responses in one place: JSON for the API, HTML pages otherwise."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import render_template
from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import InterfaceError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from articles.errors import ArticleError
from articles.errors import ArticleNotFound
from articles.errors import InvalidRevision
from articles.errors import InvalidSlug
from articles.errors import RevisionConflict
from articles.remote import RemoteBusy
from articles.remote import RemoteUnavailable
from kb.error_texts import article_error_text
from kb.error_texts import conflict_text


def wants_json(req: Request | None = None) -> bool:
    """Whether the client should get JSON: API paths and clients that ask for it.

    :param req: the request (default: the current one).
    """
    req = req if req is not None else request
    if req.path.startswith("/api/"):
        return True
    best = req.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and req.accept_mimetypes[best] > req.accept_mimetypes["text/html"]
    )


def error_response(status: int, message: str, code: str) -> tuple[Any, int]:
    """Build the error response in the form the client wants: ``(JSON dict or HTML, status)``."""
    if wants_json():
        return {"error": {"status": status, "code": code, "message": message}}, status
    return render_template("error.html", status=status, message=message, code=code), status


def register_error_handlers(app: Flask) -> None:
    """Install the handlers for domain errors, CSRF failures and HTTP errors."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> ResponseReturnValue:
        return error_response(
            400,
            _("The form has expired or did not come from this site. Reload the page and retry."),
            "csrf",
        )

    @app.errorhandler(ArticleNotFound)
    @app.errorhandler(InvalidRevision)
    @app.errorhandler(InvalidSlug)
    def not_found(exc: ArticleError) -> ResponseReturnValue:
        return error_response(404, _("No such article or version."), "not_found")

    @app.errorhandler(RevisionConflict)
    def conflict(exc: RevisionConflict) -> ResponseReturnValue:
        return error_response(409, conflict_text(exc), "conflict")

    @app.errorhandler(RemoteUnavailable)
    def remote_unavailable(exc: RemoteUnavailable) -> ResponseReturnValue:
        if isinstance(exc, RemoteBusy):  # it answered, but other nodes kept winning
            message = _(
                "Others were saving to %(remote)s at the same moment, again and again, so "
                "nothing was saved. Try again in a few seconds.",
                remote=exc.remote,
            )
        else:
            message = _(
                "Remote unreachable: %(remote)s. Nothing was saved; reading and searching go "
                "on. Try again in a minute.",
                remote=exc.remote,
            )
        return error_response(503, message, exc.code)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    def database_unavailable(exc: Exception) -> ResponseReturnValue:
        # PostgreSQL restarting or failing over: a clear "try again", never a 500 page
        app.logger.warning("database unavailable on %s: %s", request.path, exc)
        from kb import outage

        outage.rollback()  # the page below shows the signed-in user: keep it readable
        return error_response(
            503,
            _(
                "The database is not answering right now, so this was not done. Searching "
                "goes on; try again in a minute."
            ),
            "database_unavailable",
        )

    @app.errorhandler(ArticleError)
    def article_error(exc: ArticleError) -> ResponseReturnValue:
        # the domain's English sentence is for the CLI and the log; readers get their own
        app.logger.info("refused on %s: %s", request.path, exc)
        return error_response(400, article_error_text(exc), getattr(exc, "code", "invalid"))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        messages = {
            400: _("The request could not be understood."),
            401: _("Sign in first."),
            403: _("Your role does not allow this page."),
            404: _("Page not found."),
            405: _("This method is not allowed here."),
            413: _("The upload is too large."),
            429: _("Too many requests. Wait a moment and retry."),
        }
        status = exc.code or 500
        # werkzeug's description of the other statuses is English: a sentence of our own
        message = messages.get(status) or _(
            "This request could not be served (HTTP %(status)s). Go back and try again.",
            status=status,
        )
        return error_response(status, message, exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("unexpected error on %s", request.path)
        return error_response(
            500, _("Something went wrong on our side; it has been logged."), "error"
        )
