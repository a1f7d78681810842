"""Instance: exports mapping, segments, start function, partial instantiation, link errors."""

from __future__ import annotations

import pytest

import wasmrt

from .conftest import is_null


def module(rt, store, wat):
    return rt.Module(store.engine, wat)


def test_exports_mapping(rt):
    store = rt.Store()
    inst = rt.Instance(
        store,
        module(
            rt,
            store,
            """(module
      (func (export "f")) (memory (export "m") 1) (table (export "t") 1 funcref)
      (global (export "g") i32 (i32.const 4)))""",
        ),
        [],
    )
    ex = inst.exports(store)
    assert list(ex) == ["f", "m", "t", "g"]
    assert len(ex) == 4
    assert isinstance(ex["f"], rt.Func)
    assert isinstance(ex["m"], rt.Memory)
    assert isinstance(ex["t"], rt.Table)
    assert isinstance(ex["g"], rt.Global)
    assert isinstance(ex.by_index[0], rt.Func)
    assert isinstance(ex.by_index[3], rt.Global)
    assert ex.get("nope") is None
    assert "m" in ex
    with pytest.raises(KeyError):
        ex["nope"]
    assert ex["g"].value(store) == 4


def test_start_and_segments(rt):
    store = rt.Store()
    inst = rt.Instance(
        store,
        module(
            rt,
            store,
            """(module
      (memory (export "m") 1)
      (global $g (mut i32) (i32.const 0))
      (table (export "t") 3 funcref)
      (func $a (result i32) i32.const 11)
      (func $b (result i32) i32.const 22)
      (elem (i32.const 1) $a $b)
      (data (i32.const 8) "hello")
      (func $start (global.set $g (i32.const 5)))
      (func (export "g") (result i32) global.get $g)
      (start $start))""",
        ),
        [],
    )
    ex = inst.exports(store)
    assert ex["g"](store) == 5
    assert ex["m"].read(store, 8, 13) == b"hello"
    assert is_null(rt, ex["t"].get(store, 0))
    assert ex["t"].get(store, 1)(store) == 11
    assert ex["t"].get(store, 2)(store) == 22


def test_start_trap(rt):
    store = rt.Store()
    with pytest.raises(rt.Trap) as info:
        rt.Instance(store, module(rt, store, "(module (func $t unreachable) (start $t))"), [])
    assert info.value.trap_code == rt.TrapCode.UNREACHABLE


def test_data_segment_out_of_bounds(rt):
    store = rt.Store()
    with pytest.raises(rt.Trap) as info:
        rt.Instance(
            store, module(rt, store, '(module (memory 1) (data (i32.const 65536) "a"))'), []
        )
    assert info.value.trap_code == rt.TrapCode.MEMORY_OUT_OF_BOUNDS


def test_partial_instantiation(rt):
    """Segments before a trapping one stay written to the imported memory and table."""
    store = rt.Store()
    mem = rt.Memory(store, rt.MemoryType(rt.Limits(1, None)))
    tab = rt.Table(store, rt.TableType(rt.ValType.funcref(), rt.Limits(2, None)), None)
    mod = module(
        rt,
        store,
        """(module
      (import "" "m" (memory 1)) (import "" "t" (table 2 funcref))
      (func $f)
      (elem (i32.const 0) $f)
      (data (i32.const 0) "ok")
      (data (i32.const 70000) "boom"))""",
    )
    with pytest.raises(rt.Trap):
        rt.Instance(store, mod, [mem, tab])
    assert mem.read(store, 0, 2) == b"ok"
    assert isinstance(tab.get(store, 0), rt.Func)


def test_elem_out_of_bounds(rt):
    store = rt.Store()
    with pytest.raises(rt.Trap) as info:
        rt.Instance(
            store,
            module(rt, store, "(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))"),
            [],
        )
    assert info.value.trap_code == rt.TrapCode.TABLE_OUT_OF_BOUNDS


def test_passive_and_declarative_segments(rt):
    store = rt.Store()
    inst = rt.Instance(
        store,
        module(
            rt,
            store,
            """(module
      (memory (export "m") 1)
      (table 1 funcref)
      (func $f (result i32) i32.const 3)
      (elem declare func $f)
      (elem $p func $f)
      (data $d "xyz")
      (func (export "init") (memory.init $d (i32.const 4) (i32.const 0) (i32.const 3)))
      (func (export "reinit_dropped") (memory.init $d (i32.const 4) (i32.const 0) (i32.const 1)))
      (func (export "ref") (result funcref) ref.func $f)
      (func (export "drop") data.drop $d))""",
        ),
        [],
    )
    ex = inst.exports(store)
    ex["init"](store)
    assert ex["m"].read(store, 4, 7) == b"xyz"
    assert ex["ref"](store)(store) == 3
    ex["drop"](store)
    with pytest.raises(rt.Trap):
        ex["reinit_dropped"](store)


def test_import_count_mismatch(rt):
    store = rt.Store()
    mod = module(rt, store, '(module (import "a" "b" (func)))')
    with pytest.raises(rt.WasmtimeError, match="expected 1 imports, found 0"):
        rt.Instance(store, mod, [])
    with pytest.raises(TypeError):
        rt.Instance(store, mod, [1])


def test_incompatible_imports(rt):
    store = rt.Store()
    f0 = rt.Func(store, rt.FuncType([], []), lambda: None)
    g_mut = rt.Global(store, rt.GlobalType(rt.ValType.i32(), True), 1)
    g_const = rt.Global(store, rt.GlobalType(rt.ValType.i32(), False), 1)
    g_i64 = rt.Global(store, rt.GlobalType(rt.ValType.i64(), False), 1)
    mem1 = rt.Memory(store, rt.MemoryType(rt.Limits(1, None)))
    mem2 = rt.Memory(store, rt.MemoryType(rt.Limits(2, 3)))
    cases = [
        ('(import "a" "f" (func (param i32)))', f0),
        ('(import "a" "g" (global i32))', g_mut),
        ('(import "a" "g" (global (mut i32)))', g_const),
        ('(import "a" "g" (global i32))', g_i64),
        ('(import "a" "m" (memory 2))', mem1),
        ('(import "a" "m" (memory 2 2))', mem2),
        ('(import "a" "m" (memory 1))', g_const),
    ]
    for imp, item in cases:
        with pytest.raises(rt.WasmtimeError, match="incompatible import type"):
            rt.Instance(store, module(rt, store, f"(module {imp})"), [item])
    rt.Instance(store, module(rt, store, '(module (import "a" "m" (memory 1 4)))'), [mem2])
    rt.Instance(store, module(rt, store, '(module (import "a" "g" (global (mut i32))))'), [g_mut])


def test_link_error_class():
    store = wasmrt.Store()
    mod = wasmrt.Module(store.engine, '(module (import "a" "f" (func (param i32))))')
    f0 = wasmrt.Func(store, wasmrt.FuncType([], []), lambda: None)
    with pytest.raises(wasmrt.errors.LinkError):
        wasmrt.Instance(store, mod, [f0])


def test_shared_between_instances(rt):
    store = rt.Store()
    a = rt.Instance(
        store,
        module(
            rt,
            store,
            """(module
      (memory (export "m") 1) (global (export "g") (mut i32) (i32.const 1))
      (table (export "t") 2 funcref)
      (func (export "get") (result i32) global.get 0))""",
        ),
        [],
    )
    ax = a.exports(store)
    b = rt.Instance(
        store,
        module(
            rt,
            store,
            """(module
      (import "a" "m" (memory 1)) (import "a" "g" (global (mut i32)))
      (import "a" "t" (table 2 funcref)) (import "a" "get" (func $get (result i32)))
      (elem (i32.const 1) $get)
      (func (export "poke") (i32.store8 (i32.const 3) (i32.const 42)) (global.set 0 (i32.const 9))))""",
        ),
        [ax["m"], ax["g"], ax["t"], ax["get"]],
    )
    b.exports(store)["poke"](store)
    assert ax["m"].read(store, 3, 4) == b"\x2a"
    assert ax["get"](store) == 9
    assert ax["t"].get(store, 1)(store) == 9


def test_instance_pre(rt):
    engine = rt.Engine()
    linker = rt.Linker(engine)
    linker.define_func("env", "h", rt.FuncType([], [rt.ValType.i32()]), lambda: 41)
    mod = rt.Module(
        engine,
        """(module (import "env" "h" (func $h (result i32)))
      (func (export "run") (result i32) call $h i32.const 1 i32.add))""",
    )
    pre = linker.instantiate_pre(mod)
    for _ in range(3):
        store = rt.Store(engine)
        assert pre.instantiate(store).exports(store)["run"](store) == 42
