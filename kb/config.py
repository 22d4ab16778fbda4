"""Settings of the knowledge base, declared once as data.

Each :class:`Setting` has a name, a default and a help text. Values are read, in order,
from the defaults, the instance's ``config.toml``, ``KB_``-prefixed environment variables
and finally the ``test_config`` mapping given to :func:`kb.create_app`. The README's
configuration table is checked against :data:`SETTINGS` by ``tests/kb/test_docs.py``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCALES = ("kk", "ru", "en")
ROLES = ("operator", "editor", "reviewer", "trainer", "admin")


@dataclass(frozen=True)
class Setting:
    """One configuration value: its name (without the ``KB_`` prefix), default and help."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SECRET_KEY",
        "",
        "Signs sessions and CSRF tokens. `kb init` writes a random one into the instance's "
        "config.toml; never commit it.",
    ),
    Setting(
        "DATABASE_URL",
        "",
        "SQLAlchemy URL of the database (users, roles, tokens, audit, feedback). Empty means "
        "SQLite at `$KB_HOME/kb.sqlite3`; use postgresql://… when several web nodes share one.",
    ),
    Setting(
        "CONTENT_DIR",
        "",
        "The content git repository. Empty means `$KB_HOME/content`.",
    ),
    Setting(
        "INDEX_DIR",
        "",
        "The Whoosh search index (derived, rebuildable). Empty means `$KB_HOME/index`.",
    ),
    Setting("DEFAULT_LOCALE", "ru", "Interface language before a user picks one: kk, ru or en."),
    Setting(
        "LOGIN_MAX_FAILURES",
        5,
        "Failed sign-ins allowed for one user name from one address within "
        "LOGIN_LOCKOUT_SECONDS before further attempts for that name from there are refused.",
    ),
    Setting(
        "LOGIN_LOCKOUT_SECONDS",
        900,
        "Window and lock-out time, in seconds, for sign-in throttling.",
    ),
    Setting(
        "SESSION_HOURS",
        12,
        "How long a session lasts without activity, in hours (one shift).",
    ),
    Setting(
        "COOKIE_SECURE",
        False,
        "Send session cookies over HTTPS only. Set to true behind TLS in production.",
    ),
    Setting(
        "SEARCH_TIME_LIMIT_MS",
        300,
        "Time budget of one search, in milliseconds; slower searches return what they found.",
    ),
    Setting(
        "SEARCH_CACHE_ENTRIES",
        2000,
        "Search results each server process keeps for repeated queries (operators ask the "
        "same questions, and typing sends the same prefixes); any publication makes them "
        "stale at once. 0 turns the cache off.",
    ),
    Setting(
        "MAX_ARTICLE_BYTES",
        524288,
        "Largest article file accepted on save or import, in bytes.",
    ),
    Setting(
        "ALLOW_SELF_APPROVAL",
        False,
        "Let a reviewer approve an article whose last version they wrote themselves.",
    ),
    Setting(
        "PUBLISH_CHECK_SECONDS",
        60,
        "How often each server worker publishes articles scheduled for a date that has come.",
    ),
    Setting("HOST", "127.0.0.1", "Address `kb serve` listens on."),
    Setting("PORT", 5000, "Port `kb serve` listens on."),
    Setting("WORKERS", 2, "Worker processes of `kb serve` (gunicorn)."),
    # Searches are CPU-bound Python: more threads only queue on the GIL. At 32 API clients
    # 2 x 3 served 13 % more searches than 2 x 8, each engine call taking 22 ms instead of
    # 34 ms (median), with the same p99 (benchmarks/http.py, 2 cores).
    Setting("THREADS", 3, "Threads per worker process of `kb serve`."),
    Setting(
        "TIMEZONE",
        "Asia/Almaty",
        "IANA time zone in which pages show times (stored in UTC); the Center's is Asia/Almaty.",
    ),
    Setting(
        "LOGIN_ACCOUNT_MAX_FAILURES",
        20,
        "Failed sign-ins allowed for one user name from all addresses together within "
        "LOGIN_LOCKOUT_SECONDS (guessing one account from many machines).",
    ),
    Setting(
        "LOGIN_ADDRESS_MAX_FAILURES",
        100,
        "Failed sign-ins allowed from one address for all names together within "
        "LOGIN_LOCKOUT_SECONDS. High, because a whole shift may sign in through one NAT "
        "address or proxy.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        "",
        "Addresses or networks of reverse proxies (comma-separated, e.g. 127.0.0.1, "
        "10.0.0.0/8) whose X-Forwarded-For and X-Forwarded-Proto are believed. Empty: "
        "none; the client is the connection's address.",
    ),
    Setting(
        "INDEX_FOLLOW_SECONDS",
        2,
        "How often each server worker catches its index up with publications made by another "
        "process or node (one ref read when nothing changed); with several nodes also how "
        "often it reads the published head they recorded, in case a notification was lost.",
    ),
    Setting(
        "READY_LAG_SECONDS",
        10,
        "How long a node may stay behind a publication (fetching and indexing it) and still "
        "answer /-/readyz with 200. Every follower lags about a second after each "
        "publication; counting that as not ready took all of them out of the load balancer "
        "at once. A node stuck for longer is taken out. 0 reports every lag at once.",
    ),
    Setting(
        "CONTENT_REMOTE",
        "",
        "The canonical bare content repository (a path or an ssh/https URL) that several web "
        "nodes share: `kb init` clones it, every write is pushed to it before it is "
        "acknowledged. Empty means one node with its own repository (see docs/deploy.md).",
    ),
    Setting(
        "REMOTE_TIMEOUT_SECONDS",
        20,
        "Longest time one fetch from or push to CONTENT_REMOTE may take; after it the remote "
        "counts as unreachable and the write is refused with a message naming it.",
    ),
    Setting(
        "SEARCH_LOG_DAYS",
        180,
        "Days raw search-log rows and result opens are kept (the gap queue reads the last 90); "
        "older ones are deleted once rolled up. The analytics roll-ups are kept for good.",
    ),
    Setting(
        "ATTACHMENT_MAX_BYTES",
        2 * 1024 * 1024,
        "Largest image or document attached to an article (upload or import), in bytes. "
        "Attachments live in the content repository and travel with every push and clone, "
        "so keep them small.",
    ),
    Setting(
        "ATTACHMENT_MAX_PIXELS",
        25_000_000,
        "Largest attached image, in pixels (width x height), checked before it is decoded.",
    ),
    Setting(
        "ATTACHMENT_TYPES",
        "png,jpeg,gif,webp,pdf,docx,xlsx",
        "Kinds of attachment accepted (comma-separated, a subset of png, jpeg, gif, webp, "
        "pdf, docx, xlsx). Each file is checked by its content; SVG and anything else is "
        "refused.",
    ),
    Setting(
        "REVIEW_NOTICE_DAYS",
        14,
        "How many days before an article's review-by date its owner is reminded (once; "
        "again once the date has passed).",
    ),
    Setting(
        "SMTP_HOST",
        "",
        "Mail server for notification e-mails. Empty: no e-mail, the in-app inbox only.",
    ),
    Setting("SMTP_PORT", 25, "Port of the mail server (587 with SMTP_STARTTLS, usually)."),
    Setting(
        "SMTP_FROM",
        "",
        "Sender address of notification e-mails, e.g. kb@1414.kz; required with SMTP_HOST.",
    ),
    Setting(
        "SMTP_USER",
        "",
        "User name for the mail server, if it wants one; the password is read from the "
        "KB_SMTP_PASSWORD environment variable only, never from a file.",
    ),
    Setting(
        "SMTP_STARTTLS",
        False,
        "Switch the connection to the mail server to TLS (STARTTLS) before signing in.",
    ),
    Setting(
        "PUBLIC_URL",
        "",
        "Address users open the knowledge base at (e.g. https://kb.1414.kz), for links in "
        "e-mails. Empty: e-mails give the page's path only.",
    ),
    Setting(
        "SEMANTIC",
        False,
        "The semantic stage of search (on/off): settled searches also find articles by "
        "meaning and across Kazakh and Russian (multilingual-e5-small, bundled); vectors are "
        "computed in the background after publishing. Off: exactly the lexical engine.",
    ),
    Setting(
        "VECTORS_DIR",
        "",
        "Article vectors of the semantic stage (derived, rebuildable, cached by content "
        "hash). Empty means `$KB_HOME/vectors`.",
    ),
)

SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


class ConfigError(ValueError):
    """A setting has a value that cannot be used; the message names the fix."""


def attachment_kinds(value: str) -> frozenset[str]:
    """Parse ``ATTACHMENT_TYPES`` into kinds of :data:`articles.attachments.FILE_TYPES`.

    :param value: comma-separated kinds, e.g. ``png,jpeg,pdf``.
    :returns: the kinds.
    :raises ConfigError: for an unknown kind or an empty list.
    """
    from articles.attachments import FILE_TYPES

    kinds = frozenset(k.strip().lower() for k in value.split(",") if k.strip())
    unknown = sorted(kinds - set(FILE_TYPES))
    if unknown or not kinds:
        raise ConfigError(
            f"ATTACHMENT_TYPES is {value!r}: use a comma-separated list of "
            f"{', '.join(FILE_TYPES)}"
            + (f" ({', '.join(unknown)} is unknown)." if unknown else ".")
        )
    return kinds


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    """Convert ``value`` to the type of the setting's default, or raise :class:`ConfigError`."""
    kind = type(setting.default)
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    if kind is bool:
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(
            f"{setting.name} from {origin} is {value!r}, which is not a yes/no value: "
            "use true or false."
        )
    if kind is int:
        try:
            return int(str(value).strip())
        except ValueError:
            raise ConfigError(
                f"{setting.name} from {origin} is {value!r}, which is not a whole number: "
                f"use a number such as {setting.default}."
            ) from None
    return str(value)


def read_instance_config(instance_path: Path) -> dict[str, Any]:
    """Read ``config.toml`` in the instance folder, if present.

    :param instance_path: the ``KB_HOME`` folder.
    :returns: the setting values found, by name.
    :raises ConfigError: when the file is not valid TOML or names an unknown setting.
    """
    path = instance_path / "config.toml"
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}): fix or delete the file.") from exc
    values = {}
    for key, value in data.items():
        name = key.upper()
        if name not in SETTINGS_BY_NAME:
            known = ", ".join(sorted(SETTINGS_BY_NAME))
            raise ConfigError(f"{path} sets unknown setting {key!r}: known settings are {known}.")
        values[name] = _coerce(SETTINGS_BY_NAME[name], value, str(path))
    return values


def read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read ``KB_<NAME>`` environment variables for the declared settings."""
    values = {}
    for setting in SETTINGS:
        key = "KB_" + setting.name
        if key in environ:
            values[setting.name] = _coerce(setting, environ[key], f"environment variable {key}")
    return values


def resolve(
    instance_path: Path,
    test_config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Compute every setting's value: defaults, instance file, environment, test config.

    Derived paths (database, content, index) are filled in from ``instance_path``.

    :raises ConfigError: when a value is unusable; the message names the fix.
    """
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    values.update(read_instance_config(instance_path))
    values.update(read_environment(os.environ if environ is None else environ))
    for key, value in (test_config or {}).items():
        setting = SETTINGS_BY_NAME.get(key)
        values[key] = _coerce(setting, value, "test_config") if setting else value
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = "sqlite:///" + str(instance_path / "kb.sqlite3")
    for plain in ("postgresql://", "postgres://"):
        # The driver installed with kb is psycopg 3; SQLAlchemy's default is psycopg2.
        if str(values["DATABASE_URL"]).startswith(plain):
            values["DATABASE_URL"] = "postgresql+psycopg://" + values["DATABASE_URL"][len(plain) :]
    if not values["CONTENT_DIR"]:
        values["CONTENT_DIR"] = str(instance_path / "content")
    if not values["INDEX_DIR"]:
        values["INDEX_DIR"] = str(instance_path / "index")
    if not values["VECTORS_DIR"]:
        values["VECTORS_DIR"] = str(instance_path / "vectors")
    validate(values)
    return values


def validate(values: Mapping[str, Any]) -> None:
    """Check values that have a type but also a range or a format.

    :raises ConfigError: naming the setting and the fix.
    """
    if not values["SECRET_KEY"] or len(str(values["SECRET_KEY"])) < 16:
        raise ConfigError(
            "SECRET_KEY is missing or shorter than 16 characters: run `kb init` to create the "
            "instance (it writes one into config.toml), or set KB_SECRET_KEY."
        )
    if values["DEFAULT_LOCALE"] not in LOCALES:
        raise ConfigError(
            f"DEFAULT_LOCALE is {values['DEFAULT_LOCALE']!r}: use one of {', '.join(LOCALES)}."
        )
    for name in (
        "LOGIN_MAX_FAILURES",
        "LOGIN_LOCKOUT_SECONDS",
        "SESSION_HOURS",
        "WORKERS",
        "PUBLISH_CHECK_SECONDS",
        "LOGIN_ACCOUNT_MAX_FAILURES",
        "LOGIN_ADDRESS_MAX_FAILURES",
        "INDEX_FOLLOW_SECONDS",
        "SEARCH_LOG_DAYS",
        "REVIEW_NOTICE_DAYS",
        "REMOTE_TIMEOUT_SECONDS",
    ):
        if values[name] < 1:
            raise ConfigError(f"{name} is {values[name]}: it must be at least 1.")
    if not 0 <= values["READY_LAG_SECONDS"] <= 3600:
        raise ConfigError(
            f"READY_LAG_SECONDS is {values['READY_LAG_SECONDS']}: use 0 (report every lag) "
            "to 3600 seconds."
        )
    if not 0 <= values["SEARCH_CACHE_ENTRIES"] <= 1_000_000:
        raise ConfigError(
            f"SEARCH_CACHE_ENTRIES is {values['SEARCH_CACHE_ENTRIES']}: use 0 (off) to 1000000."
        )
    if not 10 <= values["SEARCH_TIME_LIMIT_MS"] <= 60000:
        raise ConfigError(
            f"SEARCH_TIME_LIMIT_MS is {values['SEARCH_TIME_LIMIT_MS']}: use 10 to 60000 ms."
        )
    if not 1024 <= values["MAX_ARTICLE_BYTES"] <= 64 * 1024 * 1024:
        raise ConfigError(
            f"MAX_ARTICLE_BYTES is {values['MAX_ARTICLE_BYTES']}: use 1024 to 67108864 bytes."
        )
    if not 1024 <= values["ATTACHMENT_MAX_BYTES"] <= 16 * 1024 * 1024:
        raise ConfigError(
            f"ATTACHMENT_MAX_BYTES is {values['ATTACHMENT_MAX_BYTES']}: use 1024 to 16777216 "
            "bytes (files in git should stay small)."
        )
    if not 1 <= values["ATTACHMENT_MAX_PIXELS"] <= 200_000_000:
        raise ConfigError(
            f"ATTACHMENT_MAX_PIXELS is {values['ATTACHMENT_MAX_PIXELS']}: use 1 to 200000000."
        )
    attachment_kinds(str(values["ATTACHMENT_TYPES"]))  # raises ConfigError naming the kind
    if not 1 <= values["PORT"] <= 65535:
        raise ConfigError(f"PORT is {values['PORT']}: use 1 to 65535.")
    from kb.localtime import is_known_zone

    if not is_known_zone(str(values["TIMEZONE"])):
        raise ConfigError(
            f"TIMEZONE is {values['TIMEZONE']!r}, which is not a known time zone: use an IANA "
            "name such as Asia/Almaty (install the tzdata package if none is known)."
        )
    from kb.proxies import parse_networks

    parse_networks(str(values["TRUSTED_PROXIES"]))  # raises ConfigError naming the entry
    if str(values["SMTP_HOST"]).strip() and "@" not in str(values["SMTP_FROM"]):
        raise ConfigError(
            f"SMTP_FROM is {values['SMTP_FROM']!r} while SMTP_HOST is set: give the sender "
            "address of notification e-mails, e.g. kb@1414.kz (or empty SMTP_HOST for none)."
        )
    if not 1 <= values["SMTP_PORT"] <= 65535:
        raise ConfigError(f"SMTP_PORT is {values['SMTP_PORT']}: use 1 to 65535 (25, 587).")
    url = str(values["DATABASE_URL"])
    if "://" not in url:
        raise ConfigError(
            f"DATABASE_URL is {url!r}, which is not an SQLAlchemy URL: use sqlite:///PATH "
            "or postgresql://USER:PASSWORD@HOST/DB."
        )
