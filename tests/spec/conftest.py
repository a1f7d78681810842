"""Options of the spec harness: ``--spec-table`` prints pass/fail counts per ``.wast`` file;
``--spec-api`` runs the scripts on another engine (``wasmtime``, the development oracle);
``--spec-regen`` rewrites ``expected_failures.txt`` from the run (review the reasons!)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec.harness import RESULTS, format_table, write_expected


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spec", "WebAssembly spec suite")
    group.addoption(
        "--spec-table", action="store_true", help="print a pass/fail table per .wast file"
    )
    group.addoption(
        "--spec-api", default="wasmrt", help="engine module to run the scripts on (default wasmrt)"
    )
    group.addoption(
        "--spec-regen",
        action="store_true",
        help="rewrite tests/spec/expected_failures.txt from this run's failures",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[RESULTS] = {}


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    results = config.stash.get(RESULTS, {})
    if not results:
        return
    if config.getoption("--spec-table"):
        terminalreporter.write_line("")
        terminalreporter.write(format_table(results))
    if config.getoption("--spec-regen"):
        path = Path(__file__).with_name("expected_failures.txt")
        write_expected(path, results)
        terminalreporter.write_line(f"rewrote {path}: review the reasons before committing")
