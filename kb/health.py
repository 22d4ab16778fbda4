"""Health and readiness checks for load balancers and monitoring; no sign-in needed.

``/-/healthz`` is liveness (the process answers, its parts can be read); ``/-/readyz``
is readiness: 200 only when the database answers and this node's index has caught up
with the newest publication it knows of (with several nodes, the newest one the cluster
announced in ``published_heads``), so a load balancer takes a lagging node out.
"""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from kb import cluster
from kb.models import db
from kb.web import get_kb

bp = Blueprint("health", __name__)


def _database_check() -> str:
    """``"ok"`` when the database answers, else the error's kind."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - a health check reports any failure
        return f"error: {type(exc).__name__}"
    return "ok"


@bp.route("/-/healthz")
def healthz() -> ResponseReturnValue:
    """Report whether the database, content repository and index answer.

    503 when this node cannot serve searches (its content clone or index fails). The
    shared database being away is reported (``degraded``) but answered with 200: the node
    still serves searches, and a load balancer must not take every node out at once
    while PostgreSQL restarts (docs/deploy.md).
    """
    checks = {"database": _database_check(), **get_kb().health()}
    healthy = all(v == "ok" for v in checks.values())
    # A database restart alone must not take every node out of the load balancer: the
    # node still answers searches (kb.outage), so it stays "alive", reported degraded.
    serving = all(v == "ok" for k, v in checks.items() if k != "database")
    status = "ok" if healthy else "degraded"
    return {"status": status, "checks": checks}, 200 if serving else 503


@bp.route("/-/readyz")
def readyz() -> ResponseReturnValue:
    """Report whether this node may take traffic (503 with the reason when not).

    With several nodes the index must reflect the newest publication the cluster
    announced, not only this node's own published head: a node whose fetch is stuck
    would otherwise say ready while serving old answers. The second or so every follower
    lags after a publication is not that: within ``READY_LAG_SECONDS`` the node stays
    ready and the answer says what it is ``catching_up`` to (kb.readiness_lag).
    """
    database = _database_check()
    announced = cluster.announced_head(current_app) if database == "ok" else None
    checks = {"database": database, **get_kb().readiness(announced)}
    catching_up = checks.pop("index_lag", None)  # a lag within READY_LAG_SECONDS
    ready = all(v == "ok" for v in checks.values())
    body: dict[str, object] = {"status": "ready" if ready else "not ready", "checks": checks}
    if catching_up:
        body["catching_up"] = catching_up
    return body, 200 if ready else 503
