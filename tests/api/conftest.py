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


def is_null(rt: ModuleType, value: object) -> bool:
    """A null reference as returned by ``Table.get``/``Global.value``: wasmrt returns
    ``None`` (wasmtime-py's documented contract), wasmtime-py a ``Val`` holding ``None``."""
    return value is None or (isinstance(value, rt.Val) and value.value is None)
