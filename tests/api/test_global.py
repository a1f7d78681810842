"""Global: type, value, set_value."""

from __future__ import annotations

import pytest

from .conftest import is_null


def test_global(rt):
    store = rt.Store()
    g = rt.Global(store, rt.GlobalType(rt.ValType.i32(), True), 2**31)
    assert g.value(store) == -(2**31)
    assert g.type(store).content == rt.ValType.i32() and g.type(store).mutable
    g.set_value(store, 5)
    assert g.value(store) == 5
    g.set_value(store, rt.Val.i32(6))
    assert g.value(store) == 6
    with pytest.raises(TypeError):
        g.set_value(store, 1.5)
    with pytest.raises(TypeError):
        rt.Global(store, "type", 1)


def test_immutable(rt):
    store = rt.Store()
    g = rt.Global(store, rt.GlobalType(rt.ValType.f64(), False), 1.5)
    assert g.value(store) == 1.5
    with pytest.raises(rt.WasmtimeError):
        g.set_value(store, 2.5)


def test_float_and_refs(rt):
    store = rt.Store()
    g = rt.Global(store, rt.GlobalType(rt.ValType.f32(), True), 0.1)
    assert g.value(store) == pytest.approx(0.1)
    obj = [1]
    e = rt.Global(store, rt.GlobalType(rt.ValType.externref(), True), obj)
    assert e.value(store) is obj
    e.set_value(store, None)


def test_exported_global(rt):
    store = rt.Store()
    inst = rt.Instance(
        store,
        rt.Module(
            store.engine,
            """(module
      (global (export "g") (mut i64) (i64.const -1))
      (func (export "get") (result i64) global.get 0))""",
        ),
        [],
    )
    g = inst.exports(store)["g"]
    assert g.value(store) == -1
    g.set_value(store, 2**63)
    assert inst.exports(store)["get"](store) == -(2**63)


def test_reference_globals(rt):
    """Reference-typed globals hold a Func, the extern object or null.  A null reads back
    as None in wasmrt, as wasm call results and host parameters do in both runtimes;
    wasmtime-py's Global.value gives a Val holding None instead (documented choice)."""
    store = rt.Store()
    func = rt.Func(store, rt.FuncType([], []), lambda: None)
    obj = {"a": 1}
    for vt, value in ((rt.ValType.funcref(), func), (rt.ValType.externref(), obj)):
        g = rt.Global(store, rt.GlobalType(vt, True), None)
        null = g.value(store)
        assert is_null(rt, null)
        assert null is None if rt.__name__ == "wasmrt" else null.value is None
        g.set_value(store, value)
        assert g.value(store) is value or (vt == rt.ValType.funcref()
                                           and isinstance(g.value(store), rt.Func))
        g.set_value(store, None)
        assert is_null(rt, g.value(store))
    inst = rt.Instance(store, rt.Module(store.engine, """(module
      (func $f (export "fn"))
      (global (export "gf") funcref (ref.func $f))
      (global (export "gn") funcref (ref.null func))
      (func (export "null") (result externref) ref.null extern))"""), [])
    exports = inst.exports(store)
    assert isinstance(exports["gf"].value(store), rt.Func)
    assert is_null(rt, exports["gn"].value(store))
    assert exports["null"](store) is None     # call results: None in both
