"""Fences of float operands (`_native_ir.FuncTranslator.float_flow`): a value that is not
a float operation's result is fenced where it may reach a float operation (directly, or
through copies, selects, joins and loop back-edges), so that LLVM never folds x * 1.0 to x
and leaves a signalling NaN unquieted; a value that reaches no float operation is not
fenced, though the lowerer gives its slot to floats elsewhere."""

from __future__ import annotations

import pytest

import wasmrt
from wasmrt import _native, _native_ir

from .test_native import QUIET64, SNAN32, SNAN64

ONE64 = "(i64.const 0x3FF0000000000000)"

# Each export multiplies a signalling NaN by 1.0 that reaches the multiplication as an
# integer LLVM could compute (an `or` with a zero local):
#  reuse   in the else arm, through the temporary slot the then arm uses for integers;
#  copy    through a copy of one local into another;
#  loop    written after the multiplication in a loop, read by it after the back-edge;
#  select  through a select of two such integers;
#  bits    a parameter copied to a local, known to be 1.0 in a branch guarded by an
#          equality of the parameter's bits (so the local's float read is fenced too).
WAT = f"""
(module
  (func (export "reuse") (param i64 i32) (result i64) (local $z i64)
    (if (result i64) (local.get 1)
      (then (i64.add (i64.mul (i64.xor (local.get $z) (i64.const 5)) (i64.const 3))
                     (i64.const 1)))
      (else (i64.reinterpret_f64
        (f64.mul (f64.reinterpret_i64 (i64.or {ONE64} (local.get $z)))
                 (f64.reinterpret_i64 (local.get 0)))))))
  (func (export "copy") (param i64 i32) (result i64) (local $j i64) (local $k f64) (local $z i64)
    (local.set $j (i64.or {ONE64} (local.get $z)))
    (local.set $k (f64.reinterpret_i64 (local.get $j)))
    (i64.reinterpret_f64 (f64.mul (f64.reinterpret_i64 (local.get 0)) (local.get $k))))
  (func (export "loop") (param i64 i32) (result i64) (local $k i64) (local $x f64) (local $i i32)
    (local.set $x (f64.reinterpret_i64 (local.get 0)))
    (loop $l
      (if (local.get $i)
        (then (local.set $x (f64.mul (local.get $x) (f64.reinterpret_i64 (local.get $k))))))
      (local.set $k (i64.or {ONE64} (i64.const 0)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get 1))))
    (i64.reinterpret_f64 (local.get $x)))
  (func (export "select") (param i64 i32) (result i64) (local $z i64)
    (i64.reinterpret_f64 (f64.mul (f64.reinterpret_i64 (local.get 0))
      (f64.reinterpret_i64 (select (i64.or {ONE64} (local.get $z))
                                   (i64.xor {ONE64} (local.get $z)) (local.get 1))))))
  (func (export "bits") (param i32 f32) (result i32) (local $y f32)
    (local.set $y (local.get 1))
    (if (i32.eq (i32.reinterpret_f32 (local.get 1)) (i32.const 0x3F800000))
      (then (return (i32.reinterpret_f32
        (f32.mul (f32.reinterpret_i32 (local.get 0)) (local.get $y))))))
    (i32.const 0))
)
"""
CASES = {"reuse": (SNAN64, 0), "copy": (SNAN64, 1), "loop": (SNAN64, 3),
         "select": (SNAN64, 1), "bits": (SNAN32, 1.0)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_value_reaching_a_float_operation_is_fenced_on_its_way(
        name: str, native: wasmrt.Engine, interp: wasmrt.Engine) -> None:
    quiet_like_the_interpreter(name, native, interp)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", sorted(CASES))
def test_bodies_compiled_in_part_fence_the_same_values(
        name: str, seed: int, monkeypatch: pytest.MonkeyPatch, native: wasmrt.Engine,
        interp: wasmrt.Engine) -> None:
    """Blocks left out (side exits) are code for the analysis: it only adds paths."""
    monkeypatch.setattr(_native, "_OMIT", f"0.5:{seed}")
    quiet_like_the_interpreter(name, native, interp)


def quiet_like_the_interpreter(name: str, native: wasmrt.Engine,
                               interp: wasmrt.Engine) -> None:
    got = []
    for eng in (native, interp):
        store = wasmrt.Store(eng)
        got.append(wasmrt.Instance(store, wasmrt.Module(eng, WAT), [])
                   .exports(store)[name](store, *CASES[name]))
    quiet = 0x400000 if name == "bits" else QUIET64
    assert got[0] == got[1] and got[0] & quiet, [hex(g & (2**64 - 1)) for g in got]


def body_ir(wat: str, fi: int) -> tuple[str, _native_ir.FuncTranslator]:
    cfg = wasmrt.Config()
    cfg.strategy = "interpreter"
    nm = _native.NativeModule(wasmrt.Module(wasmrt.Engine(cfg), wat)._info, "native")
    b = nm.body(fi)
    b.omit = frozenset()        # (whole, whatever WASMRT_NATIVE_OMIT says)
    unit = _native_ir.Translator(nm.module, _native.jit().layout)
    unit.batch = {fi: b.max_slots}
    ft = _native_ir.FuncTranslator(unit, b)
    return ft.body(), ft


# The fences each body needs (the lowered code's slots: `reuse` keeps the then arm's
# integers and the else arm's operand in one temporary slot):
#  reuse   the else arm's `or`, and parameter 0 at the entry (a float operand);
#  copy    the `or` into $j (copied into $k), parameter 0;
#  loop    the `or` into $k, $k's zero (it reaches the multiplication when the loop
#          goes round), parameter 0 (copied into $x), and at the loop's OSR entry $k and
#          $x as loaded from the frame;
#  select  the `or` and the `xor`, parameter 0;
#  bits    parameters 0 and 1 (float operands, 1 through the copy), and the float read
#          of $y (parameter 1's bits are compared).
# The zeros of locals overwritten before any read, the `const64`s that the `or`s read as
# integers, and the then arm of `reuse` are not fenced.
NEEDED = {"reuse": 2, "copy": 2, "loop": 5, "select": 3, "bits": 3}


@pytest.mark.parametrize("name", sorted(NEEDED))
def test_only_values_that_may_reach_a_float_operation_are_fenced(
        name: str, llvmlite_ok: None) -> None:
    ir, ft = body_ir(WAT, ["reuse", "copy", "loop", "select", "bits"].index(name))
    assert ir.count("@llvm.arithmetic.fence") == NEEDED[name], ir
    if name == "reuse":     # (the then arm's three writes, of the one slot, are not)
        assert len({i for _, i, _ in ft.wr_sites}) == 5


def test_a_float_read_is_fenced_only_where_a_value_read_as_bits_reaches_it(
        llvmlite_ok: None) -> None:
    """The local's bits are compared between its float reads: only the read in the
    guarded branch sees the compared value (the last one sees a value written after)."""
    wat = """(module
      (func (param f64 f64) (result f64) (local $x f64)
        (local.set $x (f64.mul (local.get 0) (local.get 1)))
        (local.set $x (f64.mul (local.get $x) (local.get 1)))
        (if (i64.eq (i64.reinterpret_f64 (local.get $x)) (i64.const 0))
          (then (local.set $x (f64.add (local.get $x) (local.get 1)))))
        (local.set $x (f64.mul (local.get 0) (local.get 0)))
        (f64.add (local.get $x) (local.get 1))))"""
    ir, ft = body_ir(wat, 0)
    reads = {i for _, i, s in ft.rd_sites if s == 2}
    fenced = [line for line in ir.splitlines() if ".u)" in line]
    assert len(reads) >= 3 and len(fenced) == 1, ir
