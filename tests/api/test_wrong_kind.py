"""A wrong kind of object where a Store, Engine, Module, MemoryType ... is expected.

wasmtime-py raises ``AttributeError`` for most of these (it reaches for an attribute of
what it was given) and ``TypeError`` for the rest; wasmrt raises ``WrongKindError``,
both at once, with a message naming what was expected.  The same calls run on
wasmtime-py and must raise what it raises (the ``rt`` fixture).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

import wasmrt


def _calls(rt: ModuleType) -> list[tuple[str, type, str, Callable[[], Any]]]:
    """(label, what wasmtime-py raises, wasmrt's message, the call)."""
    store = rt.Store()
    module = rt.Module(store.engine, "(module)")
    memory_type = rt.MemoryType(rt.Limits(1, None))
    func_type = rt.FuncType([], [])
    func = rt.Func(store, func_type, lambda: None)
    table_type = rt.TableType(rt.ValType.funcref(), rt.Limits(1, None))
    A, T = AttributeError, TypeError
    return [
        ("Store(engine)", T, "expected an Engine", lambda: rt.Store(5)),
        ("Module(engine)", T, "expected an Engine", lambda: rt.Module(store, "(module)")),
        ("Module.validate(engine)", A, "expected an Engine", lambda: rt.Module.validate(5, b"")),
        ("Module.deserialize(engine)", A, "expected an Engine",
         lambda: rt.Module.deserialize(5, b"")),
        ("Engine(config)", T, "expected Config", lambda: rt.Engine(5)),
        ("Instance(store)", A, "expected a Store", lambda: rt.Instance(5, module, [])),
        ("Instance(engine as store)", A, "expected a Store",
         lambda: rt.Instance(store.engine, module, [])),
        ("Instance(module)", A, "expected a Module", lambda: rt.Instance(store, 5, [])),
        ("Memory(store)", A, "expected a Store", lambda: rt.Memory(5, memory_type)),
        ("Memory(type)", A, "expected a MemoryType", lambda: rt.Memory(store, 5)),
        ("Table(type)", A, "expected a TableType", lambda: rt.Table(store, 5, None)),
        ("Global(store)", A, "expected a Store",
         lambda: rt.Global(5, rt.GlobalType(rt.ValType.i32(), False), 1)),
        ("Global(type)", T, "expected a GlobalType", lambda: rt.Global(store, 5, 1)),
        ("Func(store)", T, "expected a Store", lambda: rt.Func(5, func_type, lambda: None)),
        ("Func(type)", T, "expected a FuncType", lambda: rt.Func(store, 5, lambda: None)),
        ("func(store)", A, "expected a Store", lambda: func(5)),
        ("Memory.read(store)", A, "expected a Store",
         lambda: rt.Memory(store, memory_type).read(5, 0, 1)),
        ("Table.get(store)", A, "expected a Store",
         lambda: rt.Table(store, table_type, None).get(5, 0)),
        ("Linker(engine)", A, "expected an Engine", lambda: rt.Linker(5)),
        ("Linker.instantiate(store)", A, "expected a Store",
         lambda: rt.Linker(store.engine).instantiate(5, module)),
        ("Linker.instantiate(module)", A, "expected a `Module`",
         lambda: rt.Linker(store.engine).instantiate(store, 5)),
        ("Linker.define(store)", A, "expected a Store",
         lambda: rt.Linker(store.engine).define(5, "a", "b", func)),
        ("Linker.define_module(store)", A, "expected a Store",
         lambda: rt.Linker(store.engine).define_module(5, "x", module)),
        ("Linker.instantiate_pre(module)", T, "expected a `Module`",
         lambda: rt.Linker(store.engine).instantiate_pre(5)),
        ("Store.set_wasi(config)", A, "expected a WasiConfig", lambda: store.set_wasi(5)),
        ("FuncType(params)", T, "expected ValType", lambda: rt.FuncType([5], [])),
        ("GlobalType(content)", T, "expected valtype", lambda: rt.GlobalType(5, False)),
        ("TableType(element)", T, "expected valtype",
         lambda: rt.TableType(5, rt.Limits(1, None))),
        ("TableType(limits)", T, "expected Limits",
         lambda: rt.TableType(rt.ValType.funcref(), 5)),
        ("MemoryType(limits)", T, "expected Limits", lambda: rt.MemoryType(5)),
    ]


@pytest.mark.parametrize("index", range(len(_calls(wasmrt))))
def test_raises_what_wasmtime_py_raises(rt: ModuleType, index: int) -> None:
    label, raises, message, call = _calls(rt)[index]
    with pytest.raises(raises) as info:
        call()
    if rt is wasmrt:
        assert isinstance(info.value, wasmrt.WrongKindError), label
        assert isinstance(info.value, TypeError) and isinstance(info.value, AttributeError)
        assert str(info.value) == message, label


def test_wrong_kind_error_is_one_class() -> None:
    assert wasmrt.WrongKindError is wasmrt.errors.WrongKindError
    assert issubclass(wasmrt.WrongKindError, TypeError)
    assert issubclass(wasmrt.WrongKindError, AttributeError)
