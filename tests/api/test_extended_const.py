"""Extended constant expressions (Wasm 3.0): ``i32/i64.add/sub/mul`` and ``global.get`` of
any earlier immutable global in global initialisers and segment offsets, on by default and
behind ``Config.wasm_extended_const``; the same scripts run on wasmtime-py (``rt``)."""

from __future__ import annotations

from types import ModuleType

import pytest

from wasmrt import _core
from wasmrt.errors import ValidationError
from wasmrt.wat import wat2wasm

EXTENDED = """(module
  (import "env" "base" (global $base i64))
  (global $a i32 (i32.const 10))
  (global $b i32 (i32.mul (i32.add (global.get $a) (i32.const 2)) (i32.const 3)))
  (global $c i64 (i64.sub (global.get $base) (i64.mul (i64.const 2) (i64.const -4))))
  (global $wrap i32 (i32.add (i32.const 0x7fffffff) (i32.const 1)))
  (memory (export "mem") 1)
  (data (i32.sub (global.get $b) (i32.const 6)) "\\2a")
  (table 8 funcref)
  (elem (i32.add (global.get $a) (i32.const -9)) func $f)
  (func $f (result i32) (i32.const 7))
  (func (export "b") (result i32) (global.get $b))
  (func (export "c") (result i64) (global.get $c))
  (func (export "wrap") (result i32) (global.get $wrap))
  (func (export "load") (result i32) (i32.load8_u (i32.const 30)))
  (func (export "call1") (result i32) (call_indirect (result i32) (i32.const 1))))"""


def test_extended_const_evaluates_alike(rt: ModuleType) -> None:
    """Globals, a data offset and an element offset computed at instantiation."""
    engine = rt.Engine()
    store = rt.Store(engine)
    base = rt.Global(store, rt.GlobalType(rt.ValType.i64(), False), rt.Val.i64(100))
    inst = rt.Instance(store, rt.Module(engine, EXTENDED), [base])
    ex = inst.exports(store)
    assert ex["b"](store) == 36
    assert ex["c"](store) == 108
    assert ex["wrap"](store) == -(1 << 31)
    assert ex["load"](store) == 42
    assert ex["call1"](store) == 7


def test_extended_const_out_of_bounds_offset_traps(rt: ModuleType) -> None:
    """A computed data offset past the memory is the usual instantiation trap."""
    engine = rt.Engine()
    store = rt.Store(engine)
    text = '(module (memory 1) (data (i32.mul (i32.const 65536) (i32.const 2)) "x"))'
    with pytest.raises(rt.Trap, match="out of bounds memory access"):
        rt.Instance(store, rt.Module(engine, text), [])


@pytest.mark.parametrize(
    "text",
    [
        "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
        "(module (global i64 (i64.mul (i64.const 1) (i64.const 2))))",
        "(module (global i32 (i32.const 1)) (global i32 (global.get 0)))",
        "(module (memory 1) (global i32 (i32.const 1)) (data (global.get 0)))",
    ],
)
def test_off_in_wasm2(text: str) -> None:
    """Without the feature these are Wasm 2.0's errors."""
    wasm = wat2wasm(text)
    with pytest.raises(ValidationError, match="constant expression required|unknown global"):
        _core.validate_module(wasm, _core.WASM2_FEATURES)
    _core.validate_module(wasm, _core.WASM2_FEATURES | _core.FEATURE_EXTENDED_CONST)


@pytest.mark.parametrize(
    "text, message",
    [
        ("(module (global i32 (i32.add (i32.const 1) (i64.const 2))))", "type mismatch"),
        ("(module (global i32 (i32.add (i32.const 1))))", "type mismatch"),
        ("(module (global i64 (i32.add (i32.const 1) (i32.const 2))))", "type mismatch"),
        ("(module (global i32 (i32.div_s (i32.const 1) (i32.const 2))))",
         "constant expression required"),
        ("(module (global f32 (f32.add (f32.const 1) (f32.const 2))))",
         "constant expression required"),
        ("(module (global i32 (global.get 1)) (global i32 (i32.const 0)))", "unknown global 1"),
        ("(module (global i32 (global.get 0)))", "unknown global 0"),
        ("(module (global (mut i32) (i32.const 0)) (global i32 (global.get 0)))",
         "constant expression required"),
    ],
)
def test_invalid_extended_const(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _core.validate_module(wat2wasm(text), _core.WASM2_FEATURES | _core.FEATURE_EXTENDED_CONST)


def test_config_flag(rt: ModuleType) -> None:
    """wasmrt's Config.wasm_extended_const (wasmtime has the option; wasmtime-py lacks it)."""
    if rt.__name__ != "wasmrt":
        pytest.skip("wasmtime-py has no wasm_extended_const option")
    config = rt.Config()
    config.wasm_extended_const = False
    engine = rt.Engine(config)
    with pytest.raises(rt.WasmtimeError, match="constant expression required"):
        rt.Module(engine, "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))")
    rt.Module(rt.Engine(), "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))")
