"""The WebAssembly spec suites: one test per ``.wast`` file (see ``harness.py``).

The Wasm 2.0 suite runs with every Wasm 3.0 option off; the Wasm 3.0 suite's top-level
files with the default ``Config``; its ``custom-page-sizes`` and ``wide-arithmetic``
proposals with their options on.  A file passes when every command passes except those
listed in ``expected_failures.txt``, and every listed command still fails.  Failures report
``key:line`` of each command.
"""

from __future__ import annotations

import pytest

from tests.spec.harness import (
    GROUPS,
    NATIVE_APIS,
    RESULTS,
    Expected,
    SpecFile,
    judge,
    load_expected,
    spec_files,
)
from tests.suites import SPEC_2_0, SPEC_3_0, SpecSuite

_FILES = spec_files()

#: The fewest top-level scripts a complete copy of each suite holds.
_MIN_FILES = {SPEC_2_0.name: 140, SPEC_3_0.name: 250}


@pytest.mark.parametrize("suite", [SPEC_2_0, SPEC_3_0], ids=lambda s: s.name)
def test_suite_present(suite: SpecSuite) -> None:
    """Skips loudly when a suite is missing; else it must hold its top-level files."""
    root = suite.find()
    if root is None:
        pytest.skip(suite.missing())
    count = len(list(root.glob("*.wast")))
    assert count >= _MIN_FILES[suite.name], f"incomplete spec suite in {root}"


def test_groups_find_their_files() -> None:
    """Every group of a present suite selects scripts (a moved proposal folder fails here)."""
    for group in GROUPS:
        if group.suite.find() is None:
            continue
        assert spec_files((group,)), f"no script of {group.patterns} in {group.suite.find()}"


def test_expected_failures_list() -> None:
    """The list parses, and every entry names a script of a present suite."""
    expected = load_expected()
    keys = {f.key for f in _FILES}
    present = {f"{s.name}/" for s in (SPEC_2_0, SPEC_3_0) if s.find() is not None}
    if not present:
        pytest.skip(SPEC_3_0.missing())
    listed = set(expected.lines) | set(expected.files)
    stale = sorted(k for k in listed - keys if any(k.startswith(p) for p in present))
    assert not stale, f"entries for scripts that are not in the suites: {stale}"
    unknown = sorted(k for k in listed if not k.startswith(("2.0/", "3.0/")))
    assert not unknown, f"entries without a suite label (2.0/ or 3.0/): {unknown}"


@pytest.mark.parametrize("spec", _FILES, ids=[f.key for f in _FILES])
def test_wast(spec: SpecFile, request: pytest.FixtureRequest) -> None:
    api = request.config.getoption("--spec-api", default="wasmrt")
    native = api in NATIVE_APIS
    if native:
        request.getfixturevalue("runnable_wasmrt")
    result = request.getfixturevalue("script_pool").result(spec)
    verdict = judge(spec.key, result, load_expected() if native else Expected())
    request.config.stash.setdefault(RESULTS, {})[spec.key] = verdict
    if not verdict.ok:
        pytest.fail(verdict.report(), pytrace=False)
    if verdict.expected_failures:
        pytest.xfail(
            f"{verdict.expected_failures} known failure(s) listed in expected_failures.txt"
        )
