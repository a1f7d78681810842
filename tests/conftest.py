"""Shared fixtures: where the spec suite and the benchmark programs live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.programs import bench_dir as bench_dir_path
from benchmarks.programs import shared_dir
from tests.suites import SPEC_2_0

ROOT = Path(__file__).resolve().parent.parent
SHARED = shared_dir()


def spec_dir_path() -> Path | None:
    """The Wasm 2.0 spec test suite: its submodule, ``$WASMRT_SPEC_DIR``, else
    ``../shared/spec-testsuite-2.0`` (``tests/suites.py``)."""
    return SPEC_2_0.find()


def spec_wast_files() -> list[Path]:
    """The ``.wast`` scripts of the spec suite, sorted (none without the suite)."""
    root = spec_dir_path()
    return sorted(root.glob("*.wast")) if root else []


def spec_module_binaries(path: Path) -> Iterator[bytes]:
    """The binary of every ``(module ...)`` command of a ``.wast`` script (a text module the
    WAT encoder rejects is left out: that is the text-format tests' concern)."""
    from wasmrt.errors import WatError
    from wasmrt.wast import ModuleCmd, parse_wast

    for cmd in parse_wast(path.read_text(), str(path)):
        if isinstance(cmd, ModuleCmd):
            try:
                yield cmd.module.encode()
            except WatError:
                continue


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    path = spec_dir_path()
    if path is None:
        pytest.skip(SPEC_2_0.missing())
    return path


@pytest.fixture(scope="session")
def bench_dir() -> Path:
    path = bench_dir_path()
    if path is None:
        pytest.skip("benchmark programs not found: expected ../shared/bench")
    return path


@pytest.fixture(scope="session")
def runnable_wasmrt():
    """The ``wasmrt`` package, as the runtime under test (the counterpart of ``wasmtime``)."""
    import wasmrt

    return wasmrt


@pytest.fixture(params=["wasmrt", "wasmtime"])
def runtime(request: pytest.FixtureRequest):
    """The module whose wasmtime-py compatible API executes wasm: ``wasmrt``, or ``wasmtime``
    (wasmtime-py, the reference; skips when it is not installed)."""
    if request.param == "wasmrt":
        return request.getfixturevalue("runnable_wasmrt")
    return pytest.importorskip("wasmtime", reason="wasmtime-py (the reference) is not installed")
