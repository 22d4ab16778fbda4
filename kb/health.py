"""Health check for load balancers and monitoring; the only page without sign-in."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from kb.models import db
from kb.web import get_kb

bp = Blueprint("health", __name__)


@bp.route("/-/healthz")
def healthz() -> ResponseReturnValue:
    """Report whether the database, content repository and index answer."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports any failure
        checks["database"] = f"error: {type(exc).__name__}"
    checks.update(get_kb().health())
    healthy = all(v == "ok" for v in checks.values())
    return {"status": "ok" if healthy else "degraded", "checks": checks}, 200 if healthy else 503
