"""Table: type, size, get, set, grow."""

from __future__ import annotations

import pytest

from .conftest import is_null


def test_funcref_table(rt):
    store = rt.Store()
    f = rt.Func(store, rt.FuncType([], [rt.ValType.i32()]), lambda: 7)
    table = rt.Table(store, rt.TableType(rt.ValType.funcref(), rt.Limits(2, 4)), None)
    assert table.type(store).limits == rt.Limits(2, 4)
    assert table.type(store).element == rt.ValType.funcref()
    assert table.size(store) == 2
    assert is_null(rt, table.get(store, 0))
    table.set(store, 1, f)
    assert table.get(store, 1)(store) == 7
    assert is_null(rt, table.get(store, 5))
    with pytest.raises(rt.WasmtimeError):
        table.set(store, 5, f)
    assert table.grow(store, 2, f) == 2
    assert table.size(store) == 4
    assert table.get(store, 3)(store) == 7
    with pytest.raises(rt.WasmtimeError):
        table.grow(store, 1, None)
    with pytest.raises(TypeError):
        table.set(store, 0, 5)


def test_externref_table(rt):
    store = rt.Store()
    table = rt.Table(store, rt.TableType(rt.ValType.externref(), rt.Limits(1, None)), "init")
    assert table.get(store, 0) == "init"
    obj = object()
    table.set(store, 0, obj)
    assert table.get(store, 0) is obj
    table.grow(store, 3, None)
    assert table.size(store) == 4
    assert is_null(rt, table.get(store, 3))


def test_table_used_by_wasm(rt):
    store = rt.Store()
    table = rt.Table(store, rt.TableType(rt.ValType.funcref(), rt.Limits(1, None)), None)
    inst = rt.Instance(
        store,
        rt.Module(
            store.engine,
            """(module
      (import "" "t" (table 1 funcref)) (type $t (func (result i32)))
      (func (export "call") (result i32) (call_indirect (type $t) (i32.const 0))))""",
        ),
        [table],
    )
    with pytest.raises(rt.Trap):
        inst.exports(store)["call"](store)
    table.set(store, 0, rt.Func(store, rt.FuncType([], [rt.ValType.i32()]), lambda: 5))
    assert inst.exports(store)["call"](store) == 5


@pytest.mark.parametrize("wat", ["(module (table 4294967295 funcref))",
                                 "(module (table 4294967295 4294967295 funcref))"])
def test_unallocatable_table_is_a_wasmtime_error(rt, wat):
    """A table the host cannot allocate fails instantiation with WasmtimeError, never a
    bare MemoryError (wasmtime: "out of memory (failed to allocate N bytes)")."""
    store = rt.Store()
    module = rt.Module(store.engine, wat)
    with pytest.raises(rt.WasmtimeError, match="out of memory"):
        rt.Instance(store, module, [])
    ty = rt.TableType(rt.ValType.funcref(), rt.Limits(4294967295, None))
    with pytest.raises(rt.WasmtimeError, match="out of memory"):
        rt.Table(store, ty, None)
    table = rt.Table(store, rt.TableType(rt.ValType.funcref(), rt.Limits(0, None)), None)
    with pytest.raises(rt.WasmtimeError, match="failed to grow table by `4294967295`"):
        table.grow(store, 4294967295, None)
