"""The multi-node deployment for the tests of this folder (see :mod:`tests.cluster.launch`).

Missing PostgreSQL binaries or haproxy skip the tests with a message, unless
``KB_REQUIRE_CLUSTER=1`` (CI), which fails them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests import pgserver
from tests.cluster import launch


def require_cluster_parts() -> None:
    """Skip (or, with ``KB_REQUIRE_CLUSTER=1``, fail) when PostgreSQL or haproxy is absent."""
    missing = []
    if pgserver.find_bin_dir() is None:
        missing.append(pgserver.MISSING_MESSAGE.format(bin_dir=pgserver.DEFAULT_BIN_DIR))
    if launch.find_haproxy() is None:
        missing.append("haproxy not found: apt-get install haproxy")
    if missing:
        message = "; ".join(missing)
        if os.environ.get("KB_REQUIRE_CLUSTER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def deployment() -> Iterator[launch.Deployment]:
    """PostgreSQL, a bare remote, two ``kb serve`` nodes and haproxy, for one module."""
    require_cluster_parts()
    running = launch.start(2)
    try:
        yield running
    finally:
        running.stop()
