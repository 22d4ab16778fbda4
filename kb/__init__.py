"""The 1414 knowledge base: the Flask application shell.

``create_app()`` assembles configuration, database, sign-in, the interface languages,
the service object (:class:`kb.services.KnowledgeBase`) and the blueprints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask


def instance_home() -> Path:
    """The instance folder: ``KB_HOME`` or ``./instance``, as an absolute path."""
    return Path(os.environ.get("KB_HOME") or "instance").resolve()


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the application.

    :param test_config: settings that override every other source (tests); may hold
        ``KB_HOME`` to choose the instance folder.
    :returns: the configured Flask application.
    :raises kb.config.ConfigError: when a setting is unusable (the message names the fix).
    """
    from kb import config as settings

    test_config = dict(test_config or {})
    home = Path(test_config.pop("KB_HOME", None) or instance_home()).resolve()
    app = Flask(__name__, instance_path=str(home), instance_relative_config=True)
    from kb.security import install_converters

    install_converters(app)
    values = settings.resolve(home, test_config)
    app.config.update(values)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=values["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=values["COOKIE_SECURE"],
        SESSION_COOKIE_NAME="kb_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=values["COOKIE_SECURE"],
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=values["SESSION_HOURS"]),
        WTF_CSRF_TIME_LIMIT=values["SESSION_HOURS"] * 3600,
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,
        # CSRF is checked in kb.auth's before_request, after token authentication: a
        # request carrying a valid API token cannot be forged by a browser.
        WTF_CSRF_CHECK_DEFAULT=False,
    )

    from kb import i18n
    from kb import localtime
    from kb.models import db
    from kb.services import KnowledgeBase
    from kb.web import csrf
    from kb.web import login_manager

    db.init_app(app)
    if values["DATABASE_URL"].startswith("sqlite"):
        from sqlalchemy import event

        from kb.models import tune_sqlite

        with app.app_context():
            event.listen(db.engine, "connect", tune_sqlite)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    localtime.init_app(app)

    from flask_migrate import Migrate

    Migrate(app, db, directory=str(Path(__file__).parent / "migrations"))

    app.extensions["kb"] = KnowledgeBase.from_config(app.config)
    from kb import cluster  # several nodes: announce publications (PostgreSQL + remote)

    cluster.init_app(app)
    from kb import outage  # writes wait for the database rather than half happen

    outage.init_app(app)

    from editor import bp as editor_bp
    from kb import auth
    from kb import errors
    from kb import health
    from kb.admin import views as admin
    from kb.operator import home as home_views

    app.register_blueprint(auth.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(home_views.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(editor_bp)
    from kb.training import courses  # trainers' courses and quizzes

    app.register_blueprint(courses.bp)
    from kb import api  # the operator's JSON API
    from kb import gaps  # feedback and the editors' gap queue
    from kb.operator import reader  # article view and body cards for operators
    from kb.operator import shift  # the operator's home for the shift

    app.register_blueprint(reader.bp)
    app.register_blueprint(shift.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(gaps.bp)
    from kb.analytics import recording as analytics_recording
    from kb.analytics import views as analytics_views  # editors' search analytics

    analytics_recording.init_app(app)
    app.register_blueprint(analytics_views.bp)
    from kb import notifications  # inbox, e-mail and review-by reminders

    notifications.init_app(app)
    errors.register_error_handlers(app)
    auth.protect_every_page(app)

    from kb.proxies import install_proxy_fix
    from kb.security import install_headers

    install_headers(app)
    install_proxy_fix(app)

    from kb.web import nav_links
    from kb.web import role_label

    app.jinja_env.globals.update(extra_nav_links=nav_links, role_label=role_label)
    return app
