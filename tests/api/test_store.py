"""Store: data, fuel, epochs, limits, gc, close, use from two threads."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

import wasmrt

SPIN = '(module (func (export "spin") (loop $l (br $l))) (func (export "nop")))'


def test_data(rt):
    assert rt.Store().data() is None
    obj = {"a": 1}
    assert rt.Store(rt.Engine(), obj).data() is obj
    with pytest.raises(TypeError):
        rt.Store("engine")


def test_fuel_not_configured(rt):
    store = rt.Store()
    with pytest.raises(rt.WasmtimeError):
        store.set_fuel(10)
    with pytest.raises(rt.WasmtimeError):
        store.get_fuel()


def test_fuel(rt):
    config = rt.Config()
    config.consume_fuel = True
    engine = rt.Engine(config)
    store = rt.Store(engine)
    exports = rt.Instance(store, rt.Module(engine, SPIN), []).exports(store)
    assert store.get_fuel() == 0
    with pytest.raises(rt.Trap) as info:
        exports["nop"](store)
    assert info.value.trap_code == rt.TrapCode.OUT_OF_FUEL
    store.set_fuel(1000)
    exports["nop"](store)
    assert 0 < store.get_fuel() <= 1000
    with pytest.raises(rt.Trap) as info:
        exports["spin"](store)
    assert info.value.trap_code == rt.TrapCode.OUT_OF_FUEL
    assert store.get_fuel() == 0


def test_epoch(rt):
    config = rt.Config()
    config.epoch_interruption = True
    engine = rt.Engine(config)
    store = rt.Store(engine)
    spin = rt.Instance(store, rt.Module(engine, SPIN), []).exports(store)["spin"]
    store.set_epoch_deadline(1)
    timer = threading.Timer(0.1, engine.increment_epoch)
    timer.start()
    with pytest.raises(rt.Trap) as info:
        spin(store)
    timer.cancel()
    assert info.value.trap_code == rt.TrapCode.INTERRUPT


def test_epoch_already_passed(rt):
    config = rt.Config()
    config.epoch_interruption = True
    engine = rt.Engine(config)
    store = rt.Store(engine)
    spin = rt.Instance(store, rt.Module(engine, SPIN), []).exports(store)["spin"]
    store.set_epoch_deadline(0)
    with pytest.raises(rt.Trap):
        spin(store)


def test_limits_memory(rt):
    store = rt.Store()
    store.set_limits(memory_size=2 * 65536)
    with pytest.raises(rt.WasmtimeError):
        rt.Instance(store, rt.Module(store.engine, "(module (memory 3))"), [])
    inst = rt.Instance(
        store,
        rt.Module(
            store.engine,
            """(module (memory (export "m") 1)
      (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))""",
        ),
        [],
    )
    ex = inst.exports(store)
    assert ex["grow"](store, 1) == 1
    assert ex["grow"](store, 1) == -1
    with pytest.raises(rt.WasmtimeError):
        ex["m"].grow(store, 1)


def test_limits_counts(rt):
    store = rt.Store()
    store.set_limits(instances=2, memories=1, tables=1)
    rt.Instance(store, rt.Module(store.engine, "(module (memory 1) (table 1 funcref))"), [])
    with pytest.raises(rt.WasmtimeError):
        rt.Instance(store, rt.Module(store.engine, "(module (memory 1))"), [])


def test_limits_type_error():
    with pytest.raises(TypeError):
        wasmrt.Store().set_limits(memory_size="big")


def test_limits_table_elements(rt):
    store = rt.Store()
    store.set_limits(table_elements=5)
    with pytest.raises(rt.WasmtimeError):
        rt.Instance(store, rt.Module(store.engine, "(module (table 6 funcref))"), [])
    table = rt.Table(store, rt.TableType(rt.ValType.funcref(), rt.Limits(1, None)), None)
    with pytest.raises(rt.WasmtimeError):
        table.grow(store, 10, None)


class _Host:
    """A host object that can be weakly referenced."""


GC_WAT = """(module
  (import "h" "gc" (func $gc))
  (import "h" "held" (global $held externref))
  (table $t (export "t") 2 externref)
  (global $g (export "g") (mut externref) (ref.null extern))
  (elem $seg externref (global.get $held))
  (func (export "id") (param externref) (result externref) local.get 0)
  (func (export "put") (param externref) i32.const 0 local.get 0 table.set $t)
  (func (export "keep") (param externref) (result externref) call $gc local.get 0)
  (func (export "init") i32.const 1 i32.const 0 i32.const 1 table.init $t $seg))"""


def _gc_instance(rt, store, held=None):
    ext = rt.ValType.externref()
    imports = [
        rt.Func(store, rt.FuncType([], []), store.gc),
        rt.Global(store, rt.GlobalType(ext, False), held),
    ]
    return rt.Instance(store, rt.Module(store.engine, GC_WAT), imports).exports(store)


def _value(rt, value):
    return value.value if isinstance(value, rt.Val) else value


def _collect_alive(ref):
    gc.collect()
    return ref() is not None


def test_gc_releases_externrefs_nothing_holds(rt):
    store = rt.Store()
    ex = _gc_instance(rt, store)
    obj = _Host()
    ref = weakref.ref(obj)
    assert _value(rt, ex["id"](store, obj)) is obj
    del obj
    store.gc()
    assert not _collect_alive(ref)


def test_gc_keeps_what_a_table_or_global_holds(rt):
    store = rt.Store()
    ex = _gc_instance(rt, store)
    in_table, in_global, table_api = _Host(), _Host(), _Host()
    refs = [weakref.ref(o) for o in (in_table, in_global, table_api)]
    ex["put"](store, in_table)  # table.set from wasm
    ex["g"].set_value(store, in_global)
    ex["t"].set(store, 1, table_api)
    del in_table, in_global, table_api
    store.gc()
    assert all(_collect_alive(r) for r in refs)
    assert _value(rt, ex["t"].get(store, 0)) is refs[0]()
    assert _value(rt, ex["g"].value(store)) is refs[1]()
    assert _value(rt, ex["t"].get(store, 1)) is refs[2]()
    # once overwritten, each goes at the next gc
    ex["t"].set(store, 0, None)
    ex["g"].set_value(store, None)
    ex["t"].set(store, 1, None)
    store.gc()
    assert not any(_collect_alive(r) for r in refs)


def test_gc_while_wasm_holds_a_value_on_its_stack(rt):
    """A gc run from a host call while the only reference is a wasm local: kept."""
    store = rt.Store()
    ex = _gc_instance(rt, store)
    obj = _Host()
    ref = weakref.ref(obj)
    for _ in range(3):
        ex["id"](store, _Host())  # garbage for the gc to find
    assert _value(rt, ex["keep"](store, obj)) is obj
    del obj
    store.gc()
    assert not _collect_alive(ref)


def test_gc_keeps_element_segment_references(rt):
    """An externref in a passive element segment survives a gc that renumbers the
    others, and table.init copies the right object afterwards."""
    store = rt.Store()
    ext = rt.ValType.externref()
    for _ in range(3):  # garbage passed into the store before `held`
        rt.Global(store, rt.GlobalType(ext, True), _Host()).set_value(store, None)
    held = _Host()
    ex = _gc_instance(rt, store, held)
    store.gc()
    ex["init"](store)
    assert _value(rt, ex["t"].get(store, 1)) is held


def test_gc_closed_store(rt):
    store = rt.Store()
    store.close()
    with pytest.raises(ValueError):
        store.gc()


def test_close():
    store = wasmrt.Store()
    store.close()
    with pytest.raises(ValueError):
        store.data()
    store.close()
    with wasmrt.Store() as other:
        assert other.data() is None
