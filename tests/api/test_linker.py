"""Linker: definitions, shadowing, instances, modules, func_wrap, lookup."""

from __future__ import annotations

import pytest

import wasmrt

CALLER_WAT = """(module (import "env" "add" (func $add (param i32 i32) (result i32)))
  (func (export "run") (result i32) (call $add (i32.const 2) (i32.const 40))))"""


def test_define_func_across_stores(rt):
    engine = rt.Engine()
    linker = rt.Linker(engine)
    ty = rt.FuncType([rt.ValType.i32()] * 2, [rt.ValType.i32()])
    linker.define_func("env", "add", ty, lambda a, b: a + b)
    mod = rt.Module(engine, CALLER_WAT)
    for _ in range(2):
        store = rt.Store(engine)
        assert linker.instantiate(store, mod).exports(store)["run"](store) == 42


def test_unknown_import(rt):
    engine = rt.Engine()
    linker = rt.Linker(engine)
    with pytest.raises(rt.WasmtimeError, match="unknown import"):
        linker.instantiate(rt.Store(engine), rt.Module(engine, CALLER_WAT))
    with pytest.raises(rt.WasmtimeError, match="unknown import"):
        linker.instantiate_pre(rt.Module(engine, CALLER_WAT))


def test_incompatible_definition(rt):
    engine = rt.Engine()
    linker = rt.Linker(engine)
    linker.define_func("env", "add", rt.FuncType([], []), lambda: None)
    with pytest.raises(rt.WasmtimeError, match="incompatible import type"):
        linker.instantiate(rt.Store(engine), rt.Module(engine, CALLER_WAT))


def test_shadowing(rt):
    engine = rt.Engine()
    store = rt.Store(engine)
    linker = rt.Linker(engine)
    ty = rt.FuncType([rt.ValType.i32()] * 2, [rt.ValType.i32()])
    linker.define(store, "env", "add", rt.Func(store, ty, lambda a, b: 0))
    with pytest.raises(rt.WasmtimeError, match="defined twice"):
        linker.define(store, "env", "add", rt.Func(store, ty, lambda a, b: 1))
    linker.allow_shadowing = True
    linker.define(store, "env", "add", rt.Func(store, ty, lambda a, b: a * b))
    assert (
        linker.instantiate(store, rt.Module(engine, CALLER_WAT)).exports(store)["run"](store) == 80
    )


def test_define_instance_and_get(rt):
    engine = rt.Engine()
    store = rt.Store(engine)
    linker = rt.Linker(engine)
    lib = rt.Instance(
        store,
        rt.Module(
            engine,
            """(module
      (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
      (memory (export "mem") 1))""",
        ),
        [],
    )
    linker.define_instance(store, "env", lib)
    assert isinstance(linker.get(store, "env", "mem"), rt.Memory)
    assert linker.get(store, "env", "add")(store, 1, 2) == 3
    with pytest.raises(rt.WasmtimeError):
        linker.get(store, "env", "nope")
    assert (
        linker.instantiate(store, rt.Module(engine, CALLER_WAT)).exports(store)["run"](store) == 42
    )


def test_define_module_reactor_and_get_default(rt):
    engine = rt.Engine()
    store = rt.Store(engine)
    linker = rt.Linker(engine)
    lib = rt.Module(
        engine,
        """(module
      (global $n (mut i32) (i32.const 0))
      (func (export "_initialize") (global.set $n (i32.const 40)))
      (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add global.get $n i32.sub))""",
    )
    linker.define_module(store, "env", lib)
    assert (
        linker.instantiate(store, rt.Module(engine, CALLER_WAT)).exports(store)["run"](store) == 2
    )
    default = linker.get_default(store, "env")
    assert default(store) is None


def test_define_module_command(rt):
    engine = rt.Engine()
    store = rt.Store(engine)
    linker = rt.Linker(engine)
    cmd = rt.Module(
        engine,
        """(module
      (global $n (mut i32) (i32.const 0))
      (func (export "_start"))
      (func (export "bump") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) global.get $n))""",
    )
    linker.define_module(store, "cmd", cmd)
    bump = linker.get(store, "cmd", "bump")
    # A command is instantiated afresh for every call.
    assert bump(store) == 1
    assert bump(store) == 1


def test_func_wrap_decorator():
    engine = wasmrt.Engine()
    linker = wasmrt.Linker(engine)

    @linker.func_wrap("env", "add")
    def add(a: int, b: int) -> int:
        return a + b

    assert add(1, 2) == 3
    store = wasmrt.Store(engine)
    assert (
        linker.instantiate(store, wasmrt.Module(engine, CALLER_WAT)).exports(store)["run"](store)
        == 42
    )

    def sub(a: wasmrt.i32, b: wasmrt.i32) -> wasmrt.i32:
        return a - b

    linker.allow_shadowing = True
    assert linker.func_wrap("env", "add", sub) is sub
    store = wasmrt.Store(engine)
    assert (
        linker.instantiate(store, wasmrt.Module(engine, CALLER_WAT)).exports(store)["run"](store)
        == -38
    )


def test_type_errors(rt):
    linker = rt.Linker(rt.Engine())
    with pytest.raises(TypeError):
        linker.define_func("a", "b", "not a type", lambda: None)
    with pytest.raises(TypeError):
        linker.define_instance(rt.Store(), "a", "not an instance")
    with pytest.raises(TypeError):
        linker.define_module(rt.Store(), "a", "not a module")
