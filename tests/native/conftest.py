"""Fixtures of the native-tier tests: Engines per strategy (skips without llvmlite)."""

from __future__ import annotations

import pytest

import wasmrt
from wasmrt import _native


@pytest.fixture(scope="session")
def llvmlite_ok() -> None:
    if not _native.available():
        pytest.skip("llvmlite not installed (pip install 'wasmrt[native]'): the native tier")


def engine(strategy: str, **options: object) -> wasmrt.Engine:
    """An Engine with ``Config.strategy = strategy`` and the given options."""
    cfg = wasmrt.Config()
    cfg.strategy = strategy
    for k, v in options.items():
        setattr(cfg, k, v)
    return wasmrt.Engine(cfg)


@pytest.fixture
def native(llvmlite_ok: None) -> wasmrt.Engine:
    return engine("native")


@pytest.fixture
def interp() -> wasmrt.Engine:
    return engine("interpreter")
