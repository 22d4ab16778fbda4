"""The benchmark suites of ``make bench`` and its siblings (benchmarks/suite.py).

Every benchmark with a command line belongs to a suite (or is one of the named tools), the
Makefile and docs/benchmarks.md say the same as the suites, and one benchmark that misses
its target does not stop the ones after it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from benchmarks import suite

ROOT = Path(__file__).resolve().parents[2]
#: Modules of benchmarks/ that measure nothing themselves (docs/benchmarks.md, "Tools").
TOOLS = {"corpus", "semantic_setup", "semantic_tuning", "kk_lexicon", "kk_changes", "suite"}


def _with_command_line() -> set[str]:
    return {
        path.stem
        for path in (ROOT / "benchmarks").glob("*.py")
        if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")
    }


def test_every_benchmark_is_in_a_suite_or_a_named_tool() -> None:
    in_suites = {
        command[0].removeprefix("benchmarks.")
        for commands in suite.SUITES.values()
        for command in commands
    }
    assert _with_command_line() - TOOLS == in_suites
    # the four that make bench used to leave out are now somewhere
    assert {"cluster", "crosslingual", "semantic_latency", "notifications"} <= in_suites
    assert ("benchmarks.notifications",) in suite.SUITES["bench"]
    assert ("benchmarks.cluster",) not in suite.SUITES["bench"]  # PostgreSQL + haproxy


def test_makefile_and_docs_name_the_suites() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = {
        "bench": "bench",
        "bench-semantic": "semantic",
        "bench-cluster": "cluster",
        "bench-all": "all",
    }
    for target, name in targets.items():
        recipe = re.search(rf"^{target}:.*?\n((?:\t.*\n)+)", makefile, re.M)
        assert recipe, target
        assert f"-m benchmarks.suite {name}\n" in recipe.group(1), target
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.M)
    assert phony
    declared = set(phony.group(1).split())
    assert set(targets) <= declared
    assert all(re.search(rf"^{t}:", makefile, re.M) for t in declared), "a .PHONY without a rule"
    docs = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in targets:
        assert f"`make {target}`" in docs and f"`make {target}`" in readme, target
    for commands in suite.SUITES.values():
        for command in commands:
            assert command[0].removeprefix("benchmarks.") in docs, command


def test_a_miss_does_not_stop_the_next_benchmark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # python -m finds benchmarks/ from the repository's root
    commands = [
        ("benchmarks.suite", "no-such-suite"),  # argparse refuses: exit 2
        ("benchmarks.suite", "--help"),
    ]
    outcomes = suite.run(commands, python=sys.executable)
    assert [o.status for o in outcomes] == [2, 0]
    text = suite.summary(outcomes)
    assert "missed a target or failed: benchmarks.suite no-such-suite" in text
    assert "benchmarks.suite --help" in text and "ok" in text
    assert suite.summary(outcomes[1:]).count("missed") == 0


def test_all_is_every_suite_in_order() -> None:
    every = [c for name in suite.ALL for c in suite.SUITES[name]]
    assert suite.commands_of(["all"]) == every
    assert suite.commands_of(["cluster"]) == [("benchmarks.cluster",)]
    assert set(suite.ALL) == set(suite.SUITES)
