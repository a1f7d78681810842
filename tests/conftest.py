"""Shared fixtures: where the spec suite and the benchmark programs live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.programs import bench_dir as bench_dir_path
from benchmarks.programs import shared_dir

ROOT = Path(__file__).resolve().parent.parent
SHARED = shared_dir()


def spec_dir_path() -> Path | None:
    """The Wasm 2.0 spec test suite: ``$WASMRT_SPEC_DIR``, else ``../shared/spec-testsuite-2.0``
    (``shared_dir()`` also finds ``shared`` from a git worktree)."""
    env = os.environ.get("WASMRT_SPEC_DIR")
    path = Path(env) if env else SHARED / "spec-testsuite-2.0"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    path = spec_dir_path()
    if path is None:
        pytest.skip(
            "spec test suite not found: set WASMRT_SPEC_DIR or provide ../shared/spec-testsuite-2.0"
        )
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
