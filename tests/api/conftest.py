"""Fixtures of the API tests: ``rt`` runs a test body against wasmrt and, as the oracle,
against wasmtime-py when it is installed (skipped with a reason otherwise)."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest


@pytest.fixture(params=["wasmrt", "wasmtime"])
def rt(request: pytest.FixtureRequest) -> ModuleType:
    """The runtime under test: ``wasmrt``, or ``wasmtime`` (the oracle) when installed."""
    if request.param == "wasmtime":
        return pytest.importorskip("wasmtime", reason="wasmtime-py (oracle) not installed")
    return importlib.import_module("wasmrt")
