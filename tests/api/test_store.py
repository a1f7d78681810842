"""Store: data, fuel, epochs, limits, gc, close, use from two threads."""

from __future__ import annotations

import threading

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


def test_gc_releases_externrefs():
    store = wasmrt.Store()
    table = wasmrt.Table(
        store, wasmrt.TableType(wasmrt.ValType.externref(), wasmrt.Limits(2, None)), None
    )
    keep, drop = object(), object()
    table.set(store, 0, drop)
    table.set(store, 0, None)
    table.set(store, 1, keep)
    g = wasmrt.Global(store, wasmrt.GlobalType(wasmrt.ValType.externref(), True), keep)
    before = len(store._ctx.externs)
    store.gc()
    assert len(store._ctx.externs) < before
    assert table.get(store, 1) is keep
    assert g.value(store) is keep
    table.set(store, 0, drop)
    assert table.get(store, 0) is drop


def test_close():
    store = wasmrt.Store()
    store.close()
    with pytest.raises(ValueError):
        store.data()
    store.close()
    with wasmrt.Store() as other:
        assert other.data() is None


def test_two_threads_detected():
    store = wasmrt.Store()
    started, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def block() -> None:
        started.set()
        release.wait(5)

    inst = wasmrt.Instance(
        store,
        wasmrt.Module(
            store.engine,
            """(module
      (import "" "block" (func $block)) (func (export "run") call $block) (func (export "nop")))""",
        ),
        [wasmrt.Func(store, wasmrt.FuncType([], []), block)],
    )
    ex = inst.exports(store)

    def worker() -> None:
        try:
            ex["run"](store)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    thread = threading.Thread(target=worker)
    thread.start()
    assert started.wait(5)
    try:
        with pytest.raises(wasmrt.WasmtimeError, match="two threads"):
            ex["nop"](store)
    finally:
        release.set()
        thread.join(5)
    assert not errors
    ex["nop"](store)  # fine again once the other thread left
