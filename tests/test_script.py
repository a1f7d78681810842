"""The .wast runner (wasmrt/script.py): value conversions, result matching, and whole
scripts run on wasmrt (once it runs code) and on wasmtime-py (the oracle, when installed)."""

from __future__ import annotations

import math
import struct

import pytest

from wasmrt import script
from wasmrt.script import ExternRef, Outcome, ScriptResult


def _wat():  # type: ignore[no-untyped-def]
    return pytest.importorskip(
        "wasmrt.wast", reason="the script object model (wasmrt.wast) is not there yet"
    )


def V(t: str, v: int | None):  # type: ignore[no-untyped-def]
    return _wat().Value(t, v)


def P(t: str, kind: str, lanes: list | None = None, shape: str | None = None):  # type: ignore[no-untyped-def]
    return _wat().Pattern(t, kind, lanes, shape)


@pytest.mark.parametrize(
    "bits", [0x7FC00000, 0x7FA00001, 0xFF800001, 0x7F80F1E2, 0x00000001, 0x80000000, 0x3F800000]
)
def test_f32_bits_round_trip_through_float(bits: int) -> None:
    value = script._f32_to_float(bits)
    assert script._float_to_f32(value) == bits


def test_f32_nan_widening_moves_payload() -> None:
    wide = struct.unpack("<Q", struct.pack("<d", script._f32_to_float(0xFFA00001)))[0]
    assert wide == 0xFFF4000020000000
    assert math.isnan(script._f32_to_float(0x7F800001))


def test_to_python() -> None:
    assert script.to_python(V("i32", 0xFFFFFFFF)) == -1
    assert script.to_python(V("i64", 1 << 63)) == -(1 << 63)
    assert script.to_python(V("f64", 0x3FF0000000000000)) == 1.0
    assert script.to_python(V("externref", 3)) == ExternRef(3)
    assert script.to_python(V("externref", None)) is None
    assert script.to_python(V("v128", (1 << 128) - 1)) == (1 << 128) - 1


def test_match_values_and_patterns() -> None:
    m = script._match_scalar
    assert m("i32", 0xFFFFFFFF, V("i32", 0xFFFFFFFF))
    assert not m("i64", 1, V("i32", 1))
    assert m("f32", 0x7FC00000, P("f32", "nan:canonical"))
    assert m("f32", 0xFFC00000, P("f32", "nan:canonical"))
    assert not m("f32", 0x7FC00001, P("f32", "nan:canonical"))
    assert m("f32", 0x7FC00001, P("f32", "nan:arithmetic"))
    assert not m("f32", 0x7FA00000, P("f32", "nan:arithmetic"))
    assert m("f64", 0x7FF8000000000001, P("f64", "nan:arithmetic"))
    assert not m("f64", 0x7FF0000000000000, P("f64", "nan:arithmetic"))
    assert m("externref", ExternRef(2), V("externref", 2))
    assert not m("externref", ExternRef(2), V("externref", 3))
    assert m("externref", None, V("externref", None))
    assert m("funcref", object(), P("ref", "ref.func"))
    assert not m("funcref", None, P("ref", "ref.func"))
    assert not m("externref", ExternRef(1), P("ref", "ref.func"))
    assert m("externref", ExternRef(1), P("ref", "ref"))
    # a null of any reference type matches (ref.null) and (ref.null <any heap type>)
    assert m("funcref", None, P("ref", "ref.null"))
    assert m("(ref null func)", None, V("funcref", None))
    assert m("externref", None, V("anyref", None))
    assert not m("i32", 0, P("ref", "ref.null"))


def test_match_gc_references() -> None:
    """(ref.struct)/(ref.array) match the API's StructRef/ArrayRef by class, (ref.eq) both
    and an i31, (ref.any) anything non-null; (ref.host N) is the host object ExternRef(N)
    passed or returned as an anyref."""
    m = script._match_scalar
    StructRef = type("StructRef", (), {})
    ArrayRef = type("ArrayRef", (), {})
    any_t = "(ref null any)"
    assert m(any_t, StructRef(), P("ref", "ref.struct"))
    assert not m(any_t, ArrayRef(), P("ref", "ref.struct"))
    assert m(any_t, ArrayRef(), P("ref", "ref.array"))
    assert not m(any_t, 5, P("ref", "ref.array"))
    assert m(any_t, ArrayRef(), P("ref", "ref.eq")) and m(any_t, 5, P("ref", "ref.eq"))
    assert not m(any_t, ExternRef(1), P("ref", "ref.eq"))
    assert not m(any_t, None, P("ref", "ref.struct"))
    assert m(any_t, ExternRef(1), P("ref", "ref.any")) and not m(any_t, None, P("ref", "ref.any"))
    assert m(any_t, ExternRef(4), V("anyref", 4)) and not m(any_t, ExternRef(4), V("anyref", 3))
    assert not m("i32", 4, V("anyref", 4))
    assert script.to_python(V("anyref", 4)) == ExternRef(4)


def test_match_v128_lanes() -> None:
    got = 0x7FC00000 << 96 | 0x3F800000 << 64 | 0x7FC00001 << 32 | 0x7FC00000
    pattern = P(
        "v128",
        "lanes",
        [
            P("f32", "nan:canonical"),
            P("f32", "nan:arithmetic"),
            V("f32", 0x3F800000),
            P("f32", "nan:canonical"),
        ],
        "f32x4",
    )
    assert script._match_scalar("v128", got, pattern)
    pattern.lanes[2] = V("f32", 0)
    assert not script._match_scalar("v128", got, pattern)


def test_script_result_json_round_trip() -> None:
    result = ScriptResult(
        "x.wast", [Outcome(3, "module", True), Outcome(5, "assert_return", False, "bad")]
    )
    back = ScriptResult.from_json(result.to_json())
    assert back == result
    assert back.passed == 1 and [o.line for o in back.failures] == [5]
    assert "x.wast:5: assert_return: bad" in back.report()


SCRIPT = r"""
(module $M
  (import "spectest" "print_i32" (func $p (param i32)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "nan") (result f32) (f32.const nan:0x600000))
  (func (export "id32") (param f32) (result f32) (local.get 0))
  (func (export "pair") (result i64 f64) (i64.const -1) (f64.const 1.5))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func $rec (export "rec") (call $rec))
  (global (export "g") i32 (i32.const 42))
  (func (export "print") (call $p (i32.const 1)))
)
(register "m" $M)
(module (import "m" "add" (func (param i32 i32) (result i32))))
(assert_return (invoke $M "add" (i32.const 1) (i32.const -1)) (i32.const 0))
(assert_return (invoke $M "nan") (f32.const nan:0x600000))
(assert_return (invoke $M "nan") (f32.const nan:arithmetic))
(assert_return (invoke $M "id32" (f32.const -0x1p-149)) (f32.const -0x1p-149))
(assert_return (invoke $M "pair") (i64.const 0xffffffffffffffff) (f64.const 0x1.8p0))
(assert_return (invoke $M "ext" (ref.extern 7)) (ref.extern 7))
(assert_return (invoke $M "ext" (ref.null extern)) (ref.null extern))
(assert_return (get $M "g") (i32.const 42))
(assert_trap (invoke $M "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_exhaustion (invoke $M "rec") "call stack exhausted")
(assert_return (invoke $M "print"))
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_malformed (module quote "(func (i32.const))") "unexpected token")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_unlinkable (module (import "m" "nope" (func))) "unknown import")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(assert_return (invoke $M "add" (i32.const 1) (i32.const 1)) (i32.const 3))
"""


def _run(api: object) -> ScriptResult:
    _wat()
    return script.run_script(SCRIPT, api=api)


def _check(result: ScriptResult) -> None:
    assert result.error is None
    failures = result.failures
    # Only the last command is wrong on purpose: 1 + 1 is not 3.
    assert [o.line for o in failures] == [
        len(SCRIPT[: SCRIPT.rindex("(assert_return")].splitlines()) + 1
    ], result.report()
    assert "result [i32:0x00000002 (2)], expected [i32:0x00000003 (3)]" in failures[0].reason
    assert result.passed == len(result.outcomes) - 1 == 19


def test_script_on_wasmrt(runnable_wasmrt: object) -> None:
    _check(_run(runnable_wasmrt))


def test_script_on_wasmtime() -> None:
    wasmtime = pytest.importorskip("wasmtime", reason="wasmtime-py (optional oracle) not installed")
    _check(_run(wasmtime))


def test_unparsable_script_reports_error() -> None:
    _wat()
    result = script.run_script("(module", filename="bad.wast")
    assert result.error and not result.ok


def test_signaling_nan_crosses_wasmrt_unchanged(runnable_wasmrt: object) -> None:
    """f32/f64 NaN payloads, signaling ones included, survive the trip through the API."""
    text = """(module (func (export "f") (param f32) (result f32) (local.get 0))
                      (func (export "d") (param f64) (result f64) (local.get 0)))
    (assert_return (invoke "f" (f32.const nan:0x200000)) (f32.const nan:0x200000))
    (assert_return (invoke "f" (f32.const -nan:0x1)) (f32.const -nan:0x1))
    (assert_return (invoke "d" (f64.const nan:0x1)) (f64.const nan:0x1))"""
    _wat()
    result = script.run_script(text, api=runnable_wasmrt)
    assert result.ok, result.report()


DEFINITIONS = r"""
(module definition $D
  (global (export "g") (mut i32) (i32.const 0))
  (func (export "bump") (result i32)
    (global.set 0 (i32.add (global.get 0) (i32.const 1))) (global.get 0)))
(module instance $A $D)
(module instance $B $D)
(assert_return (invoke $A "bump") (i32.const 1))
(assert_return (invoke $A "bump") (i32.const 2))
(assert_return (invoke $B "bump") (i32.const 1))
(assert_return (invoke "bump") (i32.const 2))
(module instance $C $nope)
"""


@pytest.mark.parametrize("api_name", ["wasmrt", "wasmtime"])
def test_module_definitions_instantiate_apart(api_name: str) -> None:
    """(module definition) compiles once; each (module instance) is a fresh instance, and
    the last one becomes the current module."""
    api = pytest.importorskip(api_name)
    _wat()
    result = script.run_script(DEFINITIONS, api=api)
    assert [o.passed for o in result.outcomes] == [True] * 7 + [False]
    assert "unknown module definition $nope" in result.failures[0].reason


def test_disable_runs_a_script_as_wasm2(runnable_wasmrt: object) -> None:
    """``disable`` switches Config options off: relaxed SIMD, on with ``enable``, is then an
    unsupported feature."""
    from wasmrt._api_engine import WASM3_OPTIONS

    _wat()
    text = """(module (func (export "f") (param v128 v128) (result v128)
        (i8x16.relaxed_swizzle (local.get 0) (local.get 1))))"""
    assert script.run_script(text, api=runnable_wasmrt, enable=("wasm_relaxed_simd",)).ok
    result = script.run_script(
        text, api=runnable_wasmrt, enable=("wasm_relaxed_simd",), disable=WASM3_OPTIONS
    )
    # enable wins over disable (applied last), so disable alone is the 2.0 run
    assert result.ok
    result = script.run_script(text, api=runnable_wasmrt, disable=WASM3_OPTIONS)
    assert not result.ok and "relaxed simd" in result.failures[0].reason
