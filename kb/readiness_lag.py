"""How long a node may lag behind a publication before ``/-/readyz`` takes it out.

After every publication each follower is behind for the second or so its fetch and
index update take. Reporting that as "not ready" took every follower out of the load
balancer at once, after every publication, leaving only the publishing node, and none
when that node died in the middle of its publication (tests/cluster: haproxy's "no
server available" 503). Readiness is meant for the node that is *stuck*: its fetch
failing, its index not following. :class:`LagWatch` remembers when this worker first
saw the commit it is catching up to, and the node counts as behind only once that
commit has stayed unreached for longer than ``READY_LAG_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class LagWatch:
    """The commit this worker is catching up to and since when (one per worker).

    :param grace: seconds a commit may stay unreached and the node still be ready;
        0 reports every lag at once.
    :param clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, grace: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.grace = grace
        self._clock = clock
        self._lock = threading.Lock()
        self._target: str | None = None
        self._since = 0.0

    def behind(self, target: str, reached: Callable[[str], bool]) -> float | None:
        """Note that ``target`` is not reached yet; the seconds it has been, or ``None``.

        While catching up to one commit, newer ones keep the time of the oldest commit
        not yet reached (``reached`` answers for it), so a node that publications keep
        ahead of is still found stuck.

        :returns: seconds behind while within the grace, ``None`` once past it.
        """
        now = self._clock()
        with self._lock:
            if self._target is None or (self._target != target and reached(self._target)):
                self._target, self._since = target, now
            lag = now - self._since
        return lag if lag < self.grace else None

    def caught_up(self) -> None:
        """Forget the lag: the node has reached everything it knows of."""
        with self._lock:
            self._target = None
