"""Times are stored in UTC and shown in the Center's local time (TIMEZONE)."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.config import ConfigError
from kb.localtime import format_local
from kb.localtime import zone
from tests.conftest import make_app


def test_naive_utc_is_shown_in_almaty() -> None:
    almaty = zone("Asia/Almaty")
    assert format_local(dt.datetime(2026, 12, 31, 19, 30), tz=almaty) == "2027-01-01 00:30"
    assert format_local("2026-11-25T08:42:54+00:00", tz=almaty) == "2026-11-25 13:42"


def test_dates_and_empty_values_stay() -> None:
    assert format_local("2026-11-25") == "2026-11-25"
    assert format_local(None) == ""
    assert format_local(dt.date(2026, 1, 1)) == "2026-01-01"


def test_template_filter_uses_the_setting(tmp_path) -> None:
    app = make_app(tmp_path, TIMEZONE="Europe/Moscow")
    with app.app_context():
        text = app.jinja_env.from_string("{{ t|localtime }}").render(
            t=dt.datetime(2026, 6, 1, 12, 0)
        )
    assert text == "2026-06-01 15:00"


def test_unknown_zone_is_refused_with_the_fix(tmp_path) -> None:
    with pytest.raises(ConfigError, match="Asia/Almaty"):
        make_app(tmp_path, TIMEZONE="Mars/Olympus")
