"""Options of the spec harness: ``--spec-table`` prints pass/fail counts per ``.wast`` file;
``--spec-api`` runs the scripts on another engine (``wasmtime``, the development oracle;
``tests.spec.serialized_api``: wasmrt on serialized and deserialized modules);
``--spec-regen`` rewrites ``expected_failures.txt`` from the run (review the reasons!)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec.harness import RESULTS, ScriptPool, format_table, write_expected


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


@pytest.fixture(scope="session")
def script_pool(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Runs every selected ``test_wast`` script in the background, ``WASMRT_SPEC_JOBS`` at a time."""
    files = [
        item.callspec.params["spec"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_wast" and hasattr(item, "callspec")
    ]
    pool = ScriptPool(files, request.config.getoption("--spec-api", default="wasmrt"))
    yield pool
    pool.close()


# The options exist only when this conftest is loaded at start-up (``pytest tests/spec``);
# a run from the root loads it later, so every getoption() here has a default.


def pytest_configure(config: pytest.Config) -> None:
    config.stash[RESULTS] = {}


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    results = config.stash.get(RESULTS, {})
    if not results:
        return
    if config.getoption("--spec-table", default=False):
        terminalreporter.write_line("")
        terminalreporter.write(format_table(results))
    if config.getoption("--spec-regen", default=False):
        path = Path(__file__).with_name("expected_failures.txt")
        write_expected(path, results)
        terminalreporter.write_line(f"rewrote {path}: review the reasons before committing")
