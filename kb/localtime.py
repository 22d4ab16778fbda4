"""The Center's local time: times are stored in UTC and shown in ``TIMEZONE``.

Kazakhstan's Unified Contact Center works in Asia/Almaty (UTC+5). Database rows keep
naive UTC datetimes and git keeps offsets; every page shows local time through the
``localtime`` template filter registered by :func:`init_app`.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from flask import Flask
from flask import current_app
from flask import has_app_context

#: The zone used when no application is at hand (the Center's own).
DEFAULT_ZONE = "Asia/Almaty"


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    """The time zone called ``name`` (an IANA name such as ``Asia/Almaty``).

    :raises ZoneInfoNotFoundError: when the name is unknown.
    """
    return ZoneInfo(name)


def is_known_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows."""
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def current_zone() -> ZoneInfo:
    """The application's ``TIMEZONE``, or the Center's zone outside an application."""
    name = current_app.config.get("TIMEZONE", DEFAULT_ZONE) if has_app_context() else None
    return zone(name or DEFAULT_ZONE)


def to_local(moment: dt.datetime, tz: dt.tzinfo | None = None) -> dt.datetime:
    """``moment`` in local time; a naive datetime is taken to be UTC (as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(tz or current_zone())


def format_local(
    value: dt.datetime | dt.date | str | None,
    fmt: str = "%Y-%m-%d %H:%M",
    tz: dt.tzinfo | None = None,
) -> str:
    """Text of ``value`` in local time; dates and date-only strings stay as they are.

    >>> import datetime as dt
    >>> format_local(dt.datetime(2026, 11, 25, 20, 30), tz=zone("Asia/Almaty"))
    '2026-11-26 01:30'
    >>> format_local("2026-11-25T08:42:54+00:00", tz=zone("Asia/Almaty"))
    '2026-11-25 13:42'
    >>> format_local("2026-11-25")
    '2026-11-25'

    :param value: a datetime (naive means UTC), a date, an ISO string or ``None``.
    :param fmt: ``strftime`` format of the result.
    :param tz: the zone to show; the application's ``TIMEZONE`` by default.
    :returns: readable text, or an empty string for ``None``.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if "T" not in value:
            return value
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return to_local(moment, tz).strftime(fmt)
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    return to_local(value, tz).strftime(fmt)


def local_today(tz: dt.tzinfo | None = None) -> dt.date:
    """Today's date in the Center's local time (a day starts at local midnight)."""
    return dt.datetime.now(tz or current_zone()).date()


def init_app(app: Flask) -> None:
    """Register the ``localtime`` template filter (``{{ row.when|localtime }}``)."""
    app.jinja_env.filters["localtime"] = format_local
