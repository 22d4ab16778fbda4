"""How long a lag may last before a node is "not ready" (kb.readiness_lag)."""

from __future__ import annotations

from kb.readiness_lag import LagWatch


class Clock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def never(_commit: str) -> bool:
    return False


def test_a_lag_within_the_grace_is_tolerated_and_past_it_is_not() -> None:
    clock = Clock()
    watch = LagWatch(10, clock)
    assert watch.behind("c1", never) == 0.0
    clock.now += 9.5
    assert watch.behind("c1", never) == 9.5
    clock.now += 0.5
    assert watch.behind("c1", never) is None


def test_newer_publications_keep_the_time_of_the_oldest_commit_not_reached() -> None:
    clock = Clock()
    watch = LagWatch(10, clock)
    watch.behind("c1", never)
    clock.now += 6
    assert watch.behind("c2", never) == 6  # c1 still missing: a stuck node stays stuck
    clock.now += 6
    assert watch.behind("c3", never) is None


def test_a_reached_commit_restarts_the_count_for_the_next_one() -> None:
    clock = Clock()
    watch = LagWatch(10, clock)
    watch.behind("c1", never)
    clock.now += 8
    assert watch.behind("c2", lambda commit: commit == "c1") == 0.0
    clock.now += 8
    assert watch.behind("c2", never) == 8


def test_caught_up_forgets_the_lag() -> None:
    clock = Clock()
    watch = LagWatch(10, clock)
    watch.behind("c1", never)
    clock.now += 20
    watch.caught_up()
    assert watch.behind("c1", never) == 0.0


def test_no_grace_reports_every_lag() -> None:
    assert LagWatch(0, Clock()).behind("c1", never) is None
