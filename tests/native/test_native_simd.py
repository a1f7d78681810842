"""The v128 ops machine code covers (`_native_ir._SIMD`): v128 loads, stores and
constants (zstd's and memcpy's 16-byte copies), shuffles, lane extraction and the
integer lane arithmetic of `_LANE_BIN`.  The same script runs natively, interpreted and on
wasmtime-py (the reference): results, traps and the whole memory must agree, and every
function of the module must run as machine code."""

from __future__ import annotations

import wasmrt
from wasmrt import _interp
from wasmrt import _native_ir as nir

from .conftest import U32, observe_alike, trap_reports

PAGE = 65536
OPS = sorted(nir._LANE_BIN)

LANE_STORES = "".join(
    f"    (v128.store offset={16 * k} (local.get $out) "
    f"({op.replace('_', '.', 1)} (local.get $a) (local.get $b)))\n"
    for k, op in enumerate(OPS))

WAT = """
(module
  (memory (export "mem") 1)
  ;; two 16-byte copies (the second at +16): a trap in the second comes after the first
  (func (export "copy32") (param $d i32) (param $s i32)
    (v128.store (local.get $d) (v128.load (local.get $s)))
    (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s))))
  ;; a copy loop of 16 bytes per iteration (zstd's wildcopy)
  (func (export "wild") (param $d i32) (param $s i32) (param $n i32)
    (loop $l
      (v128.store (local.get $d) (v128.load (local.get $s)))
      (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br_if $l (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 16))) (i32.const 0)))))
  ;; every lane operation of a and b (16 bytes each at $x and $x+16), stored at $out + 16k
  (func (export "lanes") (param $x i32) (param $out i32)
    (local $a v128) (local $b v128)
    (local.set $a (v128.load (local.get $x)))
    (local.set $b (v128.load offset=16 (local.get $x)))
LANES)
  (func (export "shuffle") (param $x i32) (result i64)
    (local $v v128)
    (local.set $v (i8x16.shuffle 31 0 17 2 19 4 21 6 23 8 25 10 27 12 29 30
      (v128.load (local.get $x)) (v128.load offset=16 (local.get $x))))
    (v128.store offset=64 (local.get $x) (local.get $v))
    (i64.add (i64.extend_i32_u (i32x4.extract_lane 3 (local.get $v)))
             (i64x2.extract_lane 1 (local.get $v))))
  (func (export "consts") (param $x i32) (result i32)
    (v128.store (local.get $x) (v128.const i32x4 0x01020304 0x05060708 0xfffffffe 0x80000000))
    (i32x4.extract_lane 2 (i32x4.add (v128.load (local.get $x))
                                     (v128.const i32x4 1 2 3 4))))
)
""".replace("LANES", LANE_STORES)

CASES: list[tuple[str, tuple[int, ...]]] = [
    ("copy32", (64, 1024)), ("copy32", (PAGE - 32, 8)), ("copy32", (8, PAGE - 32)),
    ("copy32", (PAGE - 20, 8)), ("copy32", (8, PAGE - 20)), ("copy32", (PAGE - 15, 8)),
    ("copy32", (U32 - 8, 8)), ("copy32", (8, U32 - 16)),
    ("wild", (4000, 100, 1000)), ("wild", (PAGE - 1000, 100, 1000)),
    ("wild", (100, PAGE - 999, 1000)),
    ("lanes", (200, 8000)), ("lanes", (PAGE - 40, 8000)), ("lanes", (200, PAGE - 100)),
    ("shuffle", (300,)), ("shuffle", (PAGE - 70,)),
    ("consts", (500,)), ("consts", (PAGE - 8,)),
]


def test_v128_ops_run_natively_as_interpreted(native: wasmrt.Engine,
                                              interp: wasmrt.Engine) -> None:
    """Each case in a fresh instance whose memory holds a byte pattern (all lane values
    occur: 0, 0x7f/0x80, 0xff...): its result or trap, and the whole memory afterwards."""
    m = wasmrt.Module(native, WAT)
    assert all(_interp.native_state(lf)[0] for lf in m._info.func_codes)
    observe_alike(native, interp, WAT, CASES,
                  bytes((k * 37 + k // 256 * 101) & 0xFF for k in range(PAGE)), traps=10)


def test_v128_traps_and_backtraces_match(native: wasmrt.Engine,
                                         interp: wasmrt.Engine) -> None:
    assert trap_reports(native, WAT, CASES) == trap_reports(interp, WAT, CASES)
