"""The gunicorn settings of ``kb serve`` as gunicorn reads them (kb/server.py)."""

from __future__ import annotations

from flask import Flask

from kb.server import GunicornServer
from kb.server import gunicorn_options


def test_gunicorn_takes_every_setting_of_kb_serve() -> None:
    cfg = GunicornServer(Flask(__name__), gunicorn_options("127.0.0.1", 5123, 2, 3)).cfg
    assert cfg.bind == ["127.0.0.1:5123"]
    assert (cfg.workers, cfg.threads, cfg.worker_class_str) == (2, 3, "gthread")
    assert cfg.limit_request_line == 8190  # a 1,000-character Cyrillic query fits
    assert cfg.preload_app is True


def test_no_control_socket_shared_by_the_nodes_of_one_machine() -> None:
    """gunicorn >= 25.1 puts one control socket per user at a fixed path; two nodes on
    one machine (as in tests/cluster) would take each other's, so kb serve opens none."""
    cfg = GunicornServer(Flask(__name__), gunicorn_options("127.0.0.1", 5123, 1, 1)).cfg
    if "control_socket_disable" in cfg.settings:  # the setting exists from 25.1
        assert cfg.control_socket_disable is True
    unknown = set(gunicorn_options("127.0.0.1", 5123, 1, 1)) - set(cfg.settings)
    assert unknown <= {"control_socket_disable"}, unknown  # every other name is gunicorn's
