"""``close()`` and ``with`` on Config, Engine, Module, Linker and InstancePre (wasmtime-py's
``Managed`` protocol): once closed, every use raises ``ValueError("already closed")``,
closing twice is fine, and what was made before keeps working."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

WAT = '(module (import "" "f" (func)) (func (export "g")))'


def _closed(action: Any) -> None:
    with pytest.raises(ValueError, match="already closed"):
        action()


def _world(rt: ModuleType) -> tuple[Any, Any, Any, Any, Any]:
    engine = rt.Engine()
    store = rt.Store(engine)
    module = rt.Module(engine, WAT)
    func = rt.Func(store, rt.FuncType([], []), lambda: None)
    linker = rt.Linker(engine)
    linker.define(store, "", "f", func)
    return engine, store, module, func, linker


def test_engine(rt: ModuleType) -> None:
    engine, store, module, func, _ = _world(rt)
    engine.close()
    engine.close()
    _closed(lambda: rt.Module(engine, "(module)"))
    _closed(lambda: rt.Module.validate(engine, b"\0asm\1\0\0\0"))
    _closed(lambda: rt.Store(engine))
    _closed(lambda: rt.Linker(engine))
    _closed(engine.increment_epoch)
    _closed(engine.is_pulley)
    # the Store and Module made before still work
    assert rt.Instance(store, module, [func]).exports(store)["g"](store) is None
    with rt.Engine() as other:
        assert isinstance(other, rt.Engine)
    _closed(lambda: rt.Store(other))


def test_module(rt: ModuleType) -> None:
    _, store, module, func, linker = _world(rt)
    instance = rt.Instance(store, module, [func])
    pre = linker.instantiate_pre(module)
    module.close()
    module.close()
    _closed(lambda: rt.Instance(store, module, [func]))
    _closed(lambda: module.imports)
    _closed(lambda: module.exports)
    _closed(module.serialize)
    _closed(lambda: linker.instantiate(store, module))
    _closed(lambda: linker.instantiate_pre(module))
    assert instance.exports(store)["g"](store) is None
    assert pre.instantiate(store).exports(store)["g"](store) is None


def test_instance_pre(rt: ModuleType) -> None:
    _, store, module, _, linker = _world(rt)
    pre = linker.instantiate_pre(module)
    pre.close()
    _closed(lambda: pre.instantiate(store))
    _closed(lambda: pre.module)
    with linker.instantiate_pre(module) as other:
        other.instantiate(store)
    _closed(lambda: other.instantiate(store))


def test_linker(rt: ModuleType) -> None:
    _, store, module, func, linker = _world(rt)
    instance = linker.instantiate(store, module)
    linker.close()
    ty = rt.FuncType([], [])
    for action in (
        lambda: linker.define(store, "a", "b", func),
        lambda: linker.define_func("a", "c", ty, lambda: None),
        lambda: linker.get(store, "", "f"),
        lambda: linker.get_default(store, ""),
        lambda: setattr(linker, "allow_shadowing", True),
        linker.define_wasi,
        lambda: linker.define_instance(store, "x", instance),
        lambda: linker.define_module(store, "y", module),
        lambda: linker.instantiate(store, module),
        lambda: linker.instantiate_pre(module),
        lambda: linker.define_unknown_imports_as_traps(module),
    ):
        _closed(action)
    assert instance.exports(store)["g"](store) is None


def test_config(rt: ModuleType) -> None:
    config = rt.Config()
    config.close()
    _closed(lambda: setattr(config, "wasm_simd", True))
    _closed(lambda: setattr(config, "consume_fuel", True))
    _closed(lambda: config.cranelift_flag_enable("x"))
    _closed(lambda: rt.Engine(config))
    with rt.Config() as other:
        other.consume_fuel = True
    _closed(lambda: rt.Engine(other))


def test_engine_consumes_its_config(rt: ModuleType) -> None:
    config = rt.Config()
    config.consume_fuel = True
    rt.Engine(config)
    _closed(lambda: rt.Engine(config))
    _closed(lambda: setattr(config, "wasm_simd", False))
    _closed(lambda: setattr(config, "epoch_interruption", True))
    _closed(lambda: config.cranelift_flag_set("opt_level", "speed"))
    config.close()                      # closing a consumed config is allowed


def test_objects_without_resources_close_too(rt: ModuleType) -> None:
    """Types, WasiConfig, traps and frames have close() and ``with`` as in wasmtime-py
    (in wasmrt they hold nothing to release and stay usable)."""
    store = rt.Store()
    module = rt.Module(store.engine, '(module (func (export "f") unreachable))')
    objects = [rt.ValType.i32(), rt.FuncType([], []), rt.GlobalType(rt.ValType.i32(), False),
               rt.MemoryType(rt.Limits(1, None)), rt.TableType(rt.ValType.funcref(),
                                                               rt.Limits(1, None)),
               rt.WasiConfig(), module.exports[0], rt.WasmtimeError("x")]
    try:
        rt.Instance(store, module, []).exports(store)["f"](store)
    except rt.Trap as trap:
        objects += [trap, trap.frames[0]]
    for obj in objects:
        with obj as same:
            assert same is obj
        obj.close()
    if rt.__name__ == "wasmrt":
        assert rt.FuncType([], []).params == []       # still usable after close()
