"""The names of audit actions in the interface language (the trail stores short codes)."""

from __future__ import annotations

from flask_babel import gettext as _


def action_labels() -> dict[str, str]:
    """Every known action code and its translated name, in the order of the filter list."""
    return {
        "login": _("sign-in"),
        "logout": _("sign-out"),
        "login_failed": _("failed sign-in"),
        "login_throttled": _("sign-in refused (too many failures)"),
        "search": _("search query"),
        "open": _("article opened"),
        "feedback": _("feedback sent"),
        "gap_resolved": _("gap resolved"),
        "save": _("draft saved"),
        "submit": _("sent for review"),
        "approve": _("approval"),
        "reject": _("sent back to the author"),
        "schedule": _("publication scheduled"),
        "publish": _("publication"),
        "unpublish": _("withdrawal from publication"),
        "rollback": _("rollback"),
        "delete": _("deletion"),
        "translation_ok": _("translation marked up to date"),
        "import": _("import run"),
        "body_save": _("competent body saved"),
        "synonyms_save": _("synonyms saved"),
        "course_create": _("course created"),
        "course_edit": _("course edited"),
        "course_publish": _("course published"),
        "course_export": _("course exported"),
        "user_create": _("user created"),
        "user_update": _("user changed"),
        "token_add": _("API token issued"),
        "token_revoke": _("API token revoked"),
        "audit_export": _("audit trail exported"),
        "attach": _("attachment uploaded"),
        "detach": _("attachment deleted"),
    }


def action_label(code: str) -> str:
    """The translated name of action ``code`` (the code itself if unknown)."""
    return action_labels().get(code, code)
