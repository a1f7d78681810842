"""Globals, tables and their handlers; store-level objects."""

from __future__ import annotations

import pytest

from wasmrt.errors import Trap, TrapCode

from .conftest import EXTERNREF, F32, FUNCREF, I32, I64, Rig


def test_globals() -> None:
    rig = Rig()
    g0 = rig.store.new_global(I64, True, 5)
    g1 = rig.store.new_global(F32, False, 1.5)
    rig.inst.set_global(0, g0)
    rig.inst.set_global(1, g1)
    f = rig.func(0, [("global_get", dict(dst=1, **{"global": 0})), ("i64_add", {"dst": 1, "x": 1, "y": 0}),
                     ("global_set", dict(src=1, **{"global": 0})), ("global_get", dict(dst=0, **{"global": 1})),
                     ("ret", {})], [I64], [F32], max_slots=2)
    assert f(10) == 1.5
    assert g0.value == 15
    g0.value = -1
    assert g0.raw == 2**64 - 1
    with pytest.raises(TypeError):
        g0.value = 1.5


def test_table_handlers() -> None:
    rig = Rig()
    t = rig.store.new_table(EXTERNREF, 2, 5)
    rig.inst.set_table(0, t)
    u = rig.store.new_table(EXTERNREF, 4)
    rig.inst.set_table(1, u)
    a, b = object(), object()
    get = rig.func(0, [("table_get", {"dst": 0, "index": 0, "table": 0}), ("ret", {})], [I32], [EXTERNREF])
    set_ = rig.func(1, [("table_set", {"index": 0, "val": 1, "table": 0}), ("ret", {})], [I32, EXTERNREF], [])
    size_grow = rig.func(2, [("table_grow", {"dst": 2, "init": 0, "n": 1, "table": 0}),
                             ("table_size", {"dst": 1, "table": 0}), ("copy", {"dst": 0, "src": 2}), ("ret", {})],
                         [EXTERNREF, I32], [I32, I32], max_slots=3)
    set_(1, a)
    assert get(1) is a and get(0) is None
    with pytest.raises(Trap) as ei:
        get(2)
    assert ei.value.trap_code == TrapCode.TABLE_OUT_OF_BOUNDS
    assert ei.value.message == "out of bounds table access"
    assert size_grow(b, 2) == [2, 4]
    assert get(3) is b
    assert size_grow(b, 2) == [-1, 4]  # past the maximum
    fill = rig.func(3, [("table_fill", {"dst": 0, "val": 1, "n": 2, "table": 1}), ("ret", {})],
                    [I32, EXTERNREF, I32], [])
    fill(1, a, 3)
    assert [u.get(i) for i in range(4)] == [None, a, a, a]
    with pytest.raises(Trap, match="out of bounds table access"):
        fill(2, a, 3)


def test_table_copy_init_drop() -> None:
    rig = Rig()
    t = rig.store.new_table(FUNCREF, 4)
    rig.inst.set_table(0, t)
    f0 = rig.func(0, [("table_copy", {"dst": 0, "src": 1, "n": 2, "dst_table": 0, "src_table": 0}), ("ret", {})],
                  [I32, I32, I32], [])
    f1 = rig.func(1, [("table_init", {"dst": 0, "src": 1, "n": 2, "table": 0, "elem": 0}), ("ret", {})],
                  [I32, I32, I32], [])
    f2 = rig.func(2, [("elem_drop", {"elem": 0}), ("ret", {})])
    rig.inst.set_elem(0, [rig.inst.func_cell(0), rig.inst.func_cell(1), 0])
    f1(1, 0, 3)
    assert [t.get(i) for i in range(4)] == [None, f0, f1, None]
    f0(0, 1, 3)
    assert [t.get(i) for i in range(4)] == [f0, f1, None, None]
    with pytest.raises(Trap, match="out of bounds table access"):
        f0(2, 0, 3)
    with pytest.raises(Trap, match="out of bounds table access"):
        f1(0, 1, 3)
    f2()
    f1(0, 0, 0)
    with pytest.raises(Trap, match="out of bounds table access"):
        f1(0, 0, 1)


def test_table_python_side() -> None:
    rig = Rig()
    t = rig.store.new_table(FUNCREF, 1, None)
    assert t.grow(2) == 1 and t.size == 3 and t.max is None
    with pytest.raises(IndexError):
        t.get(3)
    with pytest.raises(TypeError):
        t.set(0, object())
    g = rig.store.new_global(I32, True, 0)
    assert g.mutable and g.valtype == I32
