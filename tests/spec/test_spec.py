"""The WebAssembly 2.0 spec suite: one test per ``.wast`` file (see ``harness.py``).

A file passes when every command passes except those listed in ``expected_failures.txt``,
and every listed command still fails.  Failures report ``file:line`` of each command.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import spec_dir_path
from tests.spec.harness import NATIVE_APIS, RESULTS, Expected, judge, load_expected
from tests.suites import SPEC_2_0

_DIR = spec_dir_path()
_FILES = sorted(_DIR.glob("*.wast")) if _DIR else []


def test_suite_present(spec_dir: Path) -> None:
    """Skips loudly (via the fixture) when the suite is missing; else it must hold the 2.0 files."""
    assert len(list(spec_dir.glob("*.wast"))) >= 140, f"incomplete spec suite in {spec_dir}"


def test_expected_failures_list() -> None:
    """The list parses, and every entry names a file of the suite."""
    expected = load_expected()
    if _DIR is None:
        pytest.skip(SPEC_2_0.missing())
    names = {p.name for p in _FILES}
    stale = sorted((set(expected.lines) | set(expected.files)) - names)
    assert not stale, f"entries for files that are not in the suite: {stale}"


@pytest.mark.parametrize("path", _FILES, ids=[p.name for p in _FILES])
def test_wast(path: Path, request: pytest.FixtureRequest) -> None:
    api = request.config.getoption("--spec-api", default="wasmrt")
    native = api in NATIVE_APIS
    if native:
        request.getfixturevalue("runnable_wasmrt")
    result = request.getfixturevalue("script_pool").result(path)
    verdict = judge(path.name, result, load_expected() if native else Expected())
    request.config.stash.setdefault(RESULTS, {})[path.name] = verdict
    if not verdict.ok:
        pytest.fail(verdict.report(), pytrace=False)
    if verdict.expected_failures:
        pytest.xfail(
            f"{verdict.expected_failures} known failure(s) listed in expected_failures.txt"
        )
