"""Shared fixtures: where the spec suite and the benchmark programs live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def spec_dir_path() -> Path | None:
    """The Wasm 2.0 spec test suite: ``$WASMRT_SPEC_DIR``, else ``../shared/spec-testsuite-2.0``."""
    env = os.environ.get("WASMRT_SPEC_DIR")
    path = Path(env) if env else SHARED / "spec-testsuite-2.0"
    return path if path.is_dir() else None


def bench_dir_path() -> Path | None:
    """The benchmark programs of ``../shared/bench`` (C sources, built ``.wasm``, benchmarks.json)."""
    path = SHARED / "bench"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    path = spec_dir_path()
    if path is None:
        pytest.skip("spec test suite not found: set WASMRT_SPEC_DIR or provide ../shared/spec-testsuite-2.0")
    return path


@pytest.fixture(scope="session")
def bench_dir() -> Path:
    path = bench_dir_path()
    if path is None:
        pytest.skip("benchmark programs not found: expected ../shared/bench")
    return path
