"""Module: text and binary input, errors, imports/exports (serialization: test_serialize.py)."""

from __future__ import annotations

import pytest

import wasmrt

TYPES_WAT = """
(module
  (import "a" "f" (func (param i32) (result i64)))
  (import "a" "t" (table 1 2 funcref))
  (import "a" "m" (memory 1))
  (import "a" "g" (global (mut f32)))
  (func (export "f2") (param f64 externref))
  (export "mem" (memory 0))
  (table (export "tab") 4 externref)
  (global (export "glob") i64 (i64.const 0)))
"""

EMPTY = b"\0asm\x01\0\0\0"


def test_text_and_binary(rt):
    engine = rt.Engine()
    rt.Module(engine, "(module)")
    rt.Module(engine, b"(module)")
    rt.Module(engine, EMPTY)
    rt.Module(engine, bytearray(EMPTY))


def test_memoryview_and_fields_without_module():
    engine = wasmrt.Engine()
    wasmrt.Module(engine, memoryview(EMPTY))
    module = wasmrt.Module(engine, '(func (export "f"))')
    assert [e.name for e in module.exports] == ["f"]


def test_bad_input(rt):
    engine = rt.Engine()
    with pytest.raises(TypeError):
        rt.Module(engine, 5)
    with pytest.raises(TypeError):
        rt.Module("engine", EMPTY)
    with pytest.raises(rt.WasmtimeError):
        rt.Module(engine, b"\0asm\x02\0\0\0")
    with pytest.raises(rt.WasmtimeError):
        rt.Module(engine, "(func")
    with pytest.raises(rt.WasmtimeError):
        rt.Module(engine, "(module (func (result i32)))")


def test_error_phases():
    engine = wasmrt.Engine()
    with pytest.raises(wasmrt.errors.DecodeError):
        wasmrt.Module(engine, b"\0asm\x02\0\0\0")
    with pytest.raises(wasmrt.errors.ValidationError):
        wasmrt.Module(engine, "(module (func (result i32)))")


def test_imports(rt):
    module = rt.Module(rt.Engine(), TYPES_WAT)
    imports = module.imports
    assert [(i.module, i.name) for i in imports] == [("a", "f"), ("a", "t"), ("a", "m"), ("a", "g")]
    f, t, m, g = (i.type for i in imports)
    assert isinstance(f, rt.FuncType)
    assert f.params == [rt.ValType.i32()] and f.results == [rt.ValType.i64()]
    assert isinstance(t, rt.TableType)
    assert t.element == rt.ValType.funcref() and t.limits == rt.Limits(1, 2)
    assert isinstance(m, rt.MemoryType) and m.limits == rt.Limits(1, None)
    assert isinstance(g, rt.GlobalType)
    assert g.content == rt.ValType.f32() and g.mutable


def test_exports(rt):
    module = rt.Module(rt.Engine(), TYPES_WAT)
    exports = module.exports
    assert [e.name for e in exports] == ["f2", "mem", "tab", "glob"]
    f, m, t, g = (e.type for e in exports)
    assert f.params == [rt.ValType.f64(), rt.ValType.externref()] and f.results == []
    assert m.limits == rt.Limits(1, None)
    assert t.element == rt.ValType.externref() and t.limits == rt.Limits(4, None)
    assert g.content == rt.ValType.i64() and not g.mutable


def test_from_file(rt, tmp_path):
    path = tmp_path / "m.wat"
    path.write_text('(module (func (export "x")))')
    assert [e.name for e in rt.Module.from_file(rt.Engine(), path).exports] == ["x"]
    path = tmp_path / "m.wasm"
    path.write_bytes(EMPTY)
    assert rt.Module.from_file(rt.Engine(), str(path)).exports == []


def test_validate(rt):
    engine = rt.Engine()
    rt.Module.validate(engine, EMPTY)
    with pytest.raises(rt.WasmtimeError):
        rt.Module.validate(engine, b"\0asm\x01\0\0\0\x01")
    with pytest.raises(TypeError):
        rt.Module.validate(engine, "(module)")


def test_validate_honours_proposal_toggles():
    # wasmrt only: wasmtime-py's Engine aborts the process when SIMD is off on x86-64.
    simd = wasmrt.wat2wasm("(module (func (result v128) (v128.const i64x2 1 2)))")
    wasmrt.Module.validate(wasmrt.Engine(), simd)
    config = wasmrt.Config()
    config.wasm_simd = False
    with pytest.raises(wasmrt.WasmtimeError, match="(?i)simd"):
        wasmrt.Module.validate(wasmrt.Engine(config), simd)


@pytest.mark.parametrize(
    ("option", "wat"),
    [
        (
            "wasm_bulk_memory",
            "(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))",
        ),
        ("wasm_multi_value", "(module (func (result i32 i32) i32.const 0 i32.const 1))"),
        ("wasm_tail_call", "(module (func return_call 0))"),
        ("wasm_extended_const", "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))"),
    ],
)
def test_disabled_proposal(option, wat):
    wasmrt.Module(wasmrt.Engine(), wat)
    config = wasmrt.Config()
    setattr(config, option, False)
    with pytest.raises(wasmrt.WasmtimeError):
        wasmrt.Module(wasmrt.Engine(config), wat)


def test_unimplemented_proposal():
    """A binary of a proposal wasmrt does not implement (a component) names it."""
    with pytest.raises(wasmrt.WasmtimeError, match="unsupported feature: component model"):
        wasmrt.Module(wasmrt.Engine(), b"\0asm\x0d\x00\x01\x00")


def test_name():
    assert wasmrt.Module(wasmrt.Engine(), "(module $demo)").name == "demo"
    assert wasmrt.Module(wasmrt.Engine(), EMPTY).name is None
