"""FuncType, GlobalType, TableType, MemoryType, Limits (ImportType/ExportType: test_module.py)."""

from __future__ import annotations

import pytest

import wasmrt


def test_functype(rt):
    V = rt.ValType
    ft = rt.FuncType([V.i32(), V.f64()], [V.i64()])
    assert ft.params == [V.i32(), V.f64()]
    assert ft.results == [V.i64()]
    assert rt.FuncType([], []).params == []
    with pytest.raises(TypeError):
        rt.FuncType([1], [])
    with pytest.raises(TypeError):
        rt.FuncType([], ["i32"])


def test_functype_equality():
    V = wasmrt.ValType
    assert wasmrt.FuncType([V.i32()], []) == wasmrt.FuncType([V.i32()], [])
    assert wasmrt.FuncType([V.i32()], []) != wasmrt.FuncType([], [V.i32()])
    assert "param i32" in repr(wasmrt.FuncType([V.i32()], []))


def test_globaltype(rt):
    gt = rt.GlobalType(rt.ValType.i32(), True)
    assert gt.content == rt.ValType.i32()
    assert gt.mutable is True
    assert rt.GlobalType(rt.ValType.f32(), False).mutable is False
    with pytest.raises(TypeError):
        rt.GlobalType("i32", False)


def test_limits(rt):
    lim = rt.Limits(1, None)
    assert (lim.min, lim.max) == (1, None)
    assert rt.Limits(1, 2) == rt.Limits(1, 2)
    assert rt.Limits(1, 2) != rt.Limits(1, 3)
    assert rt.Limits(1, 2) != (1, 2)


def test_tabletype(rt):
    tt = rt.TableType(rt.ValType.funcref(), rt.Limits(1, None))
    assert tt.element == rt.ValType.funcref()
    assert tt.limits == rt.Limits(1, None)
    with pytest.raises(TypeError):
        rt.TableType(rt.ValType.funcref(), (1, 2))


def test_memorytype(rt):
    mt = rt.MemoryType(rt.Limits(1, 2))
    assert mt.limits == rt.Limits(1, 2)
    assert (mt.is_64, mt.is_shared, mt.page_size, mt.page_size_log2) == (False, False, 65536, 16)
    with pytest.raises(TypeError):
        rt.MemoryType(1)
    with pytest.raises(rt.WasmtimeError, match="minimum size too large"):
        rt.MemoryType(rt.Limits(2**32, None))
    with pytest.raises(rt.WasmtimeError, match="maximum size too large"):
        rt.MemoryType(rt.Limits(0, 2**32))


def test_limits_subtyping():
    L = wasmrt.Limits
    assert L(2, 5)._matches(L(1, 6))
    assert L(2, 5)._matches(L(2, None))
    assert not L(1, 5)._matches(L(2, None))
    assert not L(2, None)._matches(L(2, 5))
    assert not L(2, 7)._matches(L(2, 5))
