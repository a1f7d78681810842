"""Wasm 3.0 on by default, as in wasmtime: each feature's module compiles with the default
``Config`` (custom page sizes excepted: off in both), and with its ``Config.wasm_*`` flag
off is rejected with a ``WasmtimeError`` at compile time -- the same on wasmrt and
wasmtime-py (``rt``)."""

from __future__ import annotations

from types import ModuleType

import pytest

# flag -> a module that needs the feature, and a call that runs it: (export, args, result)
FEATURES: dict[str, tuple[str, tuple[str, tuple[int, ...], object] | None]] = {
    "wasm_multi_memory": (
        """(module (memory 1) (memory $m 1)
             (func (export "f") (param i32) (result i32)
               (i32.store $m (i32.const 8) (local.get 0))
               (i32.add (i32.load $m (i32.const 8)) (i32.load (i32.const 8)))))""",
        ("f", (41,), 41),
    ),
    "wasm_memory64": (
        """(module (memory i64 1)
             (func (export "f") (param i64) (result i64)
               (i64.store (i64.const 65528) (local.get 0)) (i64.load (i64.const 65528))))""",
        ("f", (-5,), -5),
    ),
    "wasm_relaxed_simd": (
        """(module (func (export "f") (param i32) (result i32)
             (i8x16.extract_lane_u 0 (i8x16.relaxed_swizzle
               (v128.const i8x16 7 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
               (i8x16.splat (local.get 0))))))""",
        ("f", (0,), 7),
    ),
    "wasm_wide_arithmetic": (
        """(module (func (export "f") (param i64 i64) (result i64 i64)
             (i64.mul_wide_u (local.get 0) (local.get 1))))""",
        ("f", (-1, 2), [-2, 1]),
    ),
    "wasm_tail_call": (
        """(module (func $g (result i32) (i32.const 3))
             (func (export "f") (result i32) (return_call $g)))""",
        ("f", (), 3),
    ),
    "wasm_function_references": (
        """(module (type $t (func (result i32)))
             (func $g (type $t) (i32.const 9)) (elem declare func $g)
             (func (export "f") (result i32) (call_ref $t (ref.func $g))))""",
        ("f", (), 9),
    ),
}


@pytest.mark.parametrize("flag", sorted(FEATURES))
def test_on_by_default(rt: ModuleType, flag: str) -> None:
    text, call = FEATURES[flag]
    engine = rt.Engine()
    store = rt.Store(engine)
    inst = rt.Instance(store, rt.Module(engine, text), [])
    if call is not None:
        name, args, result = call
        assert inst.exports(store)[name](store, *args) == result


@pytest.mark.parametrize("flag", sorted(FEATURES))
def test_flag_off_rejects_the_feature(rt: ModuleType, flag: str) -> None:
    text, _ = FEATURES[flag]
    config = rt.Config()
    setattr(config, flag, False)
    with pytest.raises(rt.WasmtimeError):
        rt.Module(rt.Engine(config), text)


def test_custom_page_sizes_stay_off(rt: ModuleType) -> None:
    text = "(module (memory 1 (pagesize 1)))"
    with pytest.raises(rt.WasmtimeError, match="custom page sizes"):
        rt.Module(rt.Engine(), text)
    config = rt.Config()
    config.wasm_custom_page_sizes = True
    rt.Module(rt.Engine(config), text)
