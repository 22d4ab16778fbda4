"""Run a suite of benchmarks one after another, as ``make bench`` and its siblings do.

Each benchmark runs in its own process, in order. Several of them exit 1 when a figure
misses its target (quality, latency, analytics, operator queries, cross-lingual): that is
reported, and the suite goes on with the next one instead of stopping there; at the end
a summary names every benchmark that missed or failed, and the exit status is 1 if any
did. Which benchmark belongs to which suite, and why, is in ``docs/benchmarks.md``.

Run: ``.venv/bin/python -m benchmarks.suite bench [semantic] [cluster]`` (``all`` is the
three together).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

#: Suite name → the benchmarks it runs, each as ``python -m`` arguments, in order.
SUITES: dict[str, tuple[tuple[str, ...], ...]] = {
    # one machine, no service but the ones each benchmark starts itself: ../shared corpora
    "bench": (
        ("benchmarks.conflation",),
        ("benchmarks.quality",),
        ("benchmarks.latency", "--procs", "2"),
        ("benchmarks.load",),
        ("benchmarks.http",),
        ("benchmarks.operator_queries",),
        ("benchmarks.analytics",),
        ("benchmarks.attachments",),
        ("benchmarks.notifications",),
    ),
    # the semantic stage: the bundled model embeds the corpora (about an hour on a busy
    # 2-core machine the first time; then from benchmarks/out/vectors.sqlite3, minutes)
    "semantic": (
        ("benchmarks.quality", "--semantic"),
        ("benchmarks.crosslingual",),
        ("benchmarks.semantic_latency",),
    ),
    # two nodes behind haproxy on a throwaway PostgreSQL 15 (.ci/run installs both)
    "cluster": (("benchmarks.cluster",),),
}
#: ``all``: every suite, in this order.
ALL = ("bench", "semantic", "cluster")


@dataclass(frozen=True)
class Outcome:
    """How one benchmark ended: its command, exit status and wall-clock seconds."""

    command: tuple[str, ...]
    status: int
    seconds: float


def run(commands: Sequence[Sequence[str]], python: str = sys.executable) -> list[Outcome]:
    """Run each command as ``python -m ...`` in turn, whatever the earlier ones returned.

    :param commands: ``python -m`` arguments of each benchmark.
    :param python: the interpreter (the virtualenv's).
    :returns: one outcome per command, in order.
    """
    outcomes = []
    for command in commands:
        print(f"== {' '.join(command)}", flush=True)
        started = time.monotonic()
        status = subprocess.run([python, "-m", *command], check=False).returncode
        outcomes.append(Outcome(tuple(command), status, time.monotonic() - started))
    return outcomes


def summary(outcomes: Sequence[Outcome]) -> str:
    """The closing lines: each benchmark, ok or its exit status, and its time."""
    lines = ["", "benchmark                                   result        time"]
    for outcome in outcomes:
        result = "ok" if outcome.status == 0 else f"exit {outcome.status}"
        lines.append(f"{' '.join(outcome.command):43} {result:9} {outcome.seconds:7.0f} s")
    missed = [" ".join(o.command) for o in outcomes if o.status != 0]
    if missed:
        lines.append("missed a target or failed: " + ", ".join(missed))
    return "\n".join(lines)


def commands_of(names: Sequence[str]) -> list[tuple[str, ...]]:
    """The commands of the named suites, in order (``all`` stands for every suite).

    :param names: suite names.
    :returns: the commands.
    :raises KeyError: for an unknown suite name.
    """
    chosen: list[str] = []
    for name in names:
        chosen.extend(ALL if name == "all" else (name,))
    return [command for name in chosen for command in SUITES[name]]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suites", nargs="+", choices=[*SUITES, "all"])
    args = parser.parse_args(argv)
    outcomes = run(commands_of(args.suites))
    print(summary(outcomes))
    return 1 if any(o.status != 0 for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
