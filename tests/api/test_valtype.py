"""ValType: constructors, equality, names; bound to wasmtime-py as the oracle."""

from __future__ import annotations

import pickle

import pytest

import wasmrt


def test_constructors_and_equality(rt):
    V = rt.ValType
    kinds = [V.i32(), V.i64(), V.f32(), V.f64(), V.funcref(), V.externref()]
    for i, a in enumerate(kinds):
        for j, b in enumerate(kinds):
            assert (a == b) == (i == j)
            assert (a != b) == (i != j)
    assert V.i32() != 1
    assert [str(k) for k in kinds[:5]] == ["i32", "i64", "f32", "f64", "funcref"]
    assert repr(V.i64()) == "i64"


def test_cannot_construct_directly(rt):
    with pytest.raises(rt.WasmtimeError, match="cannot construct directly"):
        rt.ValType()


def test_v128_and_externref_names():
    assert str(wasmrt.ValType.v128()) == "v128"
    assert str(wasmrt.ValType.externref()) == "externref"
    assert wasmrt.ValType.v128() != wasmrt.ValType.i64()


def test_hash_and_pickle():
    V = wasmrt.ValType
    assert len({V.i32(), V.i32(), V.f32()}) == 2
    assert pickle.loads(pickle.dumps(V.funcref())) == V.funcref()
    assert V.funcref().is_reference and not V.i32().is_reference
