"""The SIMD part of the instruction-set table: every Wasm 2.0 v128 instruction plus relaxed SIMD.

One row per wasm instruction: ``(mnemonic, opcode, kind)``, in opcode order.  The opcode is
the LEB128 sub-opcode after the ``0xFD`` prefix.  The lane semantics of ``mnemonic`` are
the C function ``simd_<mnemonic with . -> _>`` of ``wasmrt/include/wasmrt_simd.h``; the
internal op is ``<same>`` (``IR_I8X16_ADD``, handler ``h_i8x16_add``).  ``kind`` fixes the operand shape, and so
the handler, the lowering and the test entry:

============  =====================================  ==============================
kind          operands (cells after the handler)     effect
============  =====================================  ==============================
``const``     ``a=dst``, ``i64=lo``, ``i64=hi``      ``-> v128``
``load``      ``a=dst b=addr hi=offset``             ``i32 -> v128``
``store``     ``a=addr b=val hi=offset``             ``i32 v128 ->``
``load_lane`` ``a=dst b=addr c=vec d=lane``,         ``i32 v128 -> v128``
              ``lo=offset``
``store_lane````a=addr b=val c=lane``, ``lo=offset`` ``i32 v128 ->``
``splat``     ``a=dst b=x``                          ``t -> v128``
``extract``   ``a=dst b=x c=lane``                   ``v128 -> t``
``replace``   ``a=dst b=x c=val d=lane``             ``v128 t -> v128``
``shuffle``   ``a=dst b=x c=y``, ``i64=lo``,          ``v128 v128 -> v128``
              ``i64=hi`` (the 16 lane indices)
``un``        ``a=dst b=x``                          ``v128 -> v128``
``bin``       ``a=dst b=x c=y``                      ``v128 v128 -> v128``
``tern``      ``a=dst b=x c=y d=z``                  ``v128 v128 v128 -> v128``
``test``      ``a=dst b=x``                          ``v128 -> i32``
``shift``     ``a=dst b=x c=count``                  ``v128 i32 -> v128``
============  =====================================  ==============================

Slot indices of a v128 operand name its first slot (v128 takes two consecutive slots).
"""

from __future__ import annotations

from typing import NamedTuple


class SimdOp(NamedTuple):
    """One v128 instruction."""

    wasm: str  # spec mnemonic, e.g. "i8x16.add_sat_s"
    opcode: int  # sub-opcode after the 0xFD prefix
    kind: str  # operand shape, see the module docstring
    width: int = 0  # bytes accessed (memory kinds only)
    scalar: str = ""  # scalar operand/result type (splat, extract, replace)
    relaxed: bool = False  # relaxed SIMD (Wasm 3.0), behind Config.wasm_relaxed_simd

    @property
    def name(self) -> str:
        """The internal op name: ``i8x16_add`` (enum member ``IR_I8X16_ADD``)."""
        return self.wasm.replace(".", "_")

    @property
    def helper(self) -> str:
        """The C lane-semantics function in wasmrt_simd.h."""
        return "simd_" + self.wasm.replace(".", "_")


SIMD_OPS: list[SimdOp] = []


def _add(
    wasm: str, opcode: int, kind: str, width: int = 0, scalar: str = "", relaxed: bool = False
) -> None:
    SIMD_OPS.append(SimdOp(wasm, opcode, kind, width, scalar, relaxed))


# Memory: plain, extending, splat, zero, lane.
_add("v128.load", 0x00, "load", 16)
for _i, (_n, _w) in enumerate(
    [
        ("8x8_s", 8),
        ("8x8_u", 8),
        ("16x4_s", 8),
        ("16x4_u", 8),
        ("32x2_s", 8),
        ("32x2_u", 8),
        ("8_splat", 1),
        ("16_splat", 2),
        ("32_splat", 4),
        ("64_splat", 8),
    ]
):
    _add(f"v128.load{_n}", 0x01 + _i, "load", _w)
_add("v128.store", 0x0B, "store", 16)
_add("v128.const", 0x0C, "const")
_add("i8x16.shuffle", 0x0D, "shuffle")
_add("i8x16.swizzle", 0x0E, "bin")
for _i, (_s, _t) in enumerate(
    [
        ("i8x16", "i32"),
        ("i16x8", "i32"),
        ("i32x4", "i32"),
        ("i64x2", "i64"),
        ("f32x4", "f32"),
        ("f64x2", "f64"),
    ]
):
    _add(f"{_s}.splat", 0x0F + _i, "splat", scalar=_t)
_LANES = [
    ("i8x16.extract_lane_s", "extract", "i32"),
    ("i8x16.extract_lane_u", "extract", "i32"),
    ("i8x16.replace_lane", "replace", "i32"),
    ("i16x8.extract_lane_s", "extract", "i32"),
    ("i16x8.extract_lane_u", "extract", "i32"),
    ("i16x8.replace_lane", "replace", "i32"),
    ("i32x4.extract_lane", "extract", "i32"),
    ("i32x4.replace_lane", "replace", "i32"),
    ("i64x2.extract_lane", "extract", "i64"),
    ("i64x2.replace_lane", "replace", "i64"),
    ("f32x4.extract_lane", "extract", "f32"),
    ("f32x4.replace_lane", "replace", "f32"),
    ("f64x2.extract_lane", "extract", "f64"),
    ("f64x2.replace_lane", "replace", "f64"),
]
for _i, (_n, _k, _t) in enumerate(_LANES):
    _add(_n, 0x15 + _i, _k, scalar=_t)
_CMP_I = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"]
_CMP_F = ["eq", "ne", "lt", "gt", "le", "ge"]
for _i, _n in enumerate(_CMP_I):
    _add(f"i8x16.{_n}", 0x23 + _i, "bin")
    _add(f"i16x8.{_n}", 0x2D + _i, "bin")
    _add(f"i32x4.{_n}", 0x37 + _i, "bin")
for _i, _n in enumerate(_CMP_F):
    _add(f"f32x4.{_n}", 0x41 + _i, "bin")
    _add(f"f64x2.{_n}", 0x47 + _i, "bin")
_add("v128.not", 0x4D, "un")
_add("v128.and", 0x4E, "bin")
_add("v128.andnot", 0x4F, "bin")
_add("v128.or", 0x50, "bin")
_add("v128.xor", 0x51, "bin")
_add("v128.bitselect", 0x52, "tern")
_add("v128.any_true", 0x53, "test")
for _i, _b in enumerate((8, 16, 32, 64)):
    _add(f"v128.load{_b}_lane", 0x54 + _i, "load_lane", _b // 8)
    _add(f"v128.store{_b}_lane", 0x58 + _i, "store_lane", _b // 8)
_add("v128.load32_zero", 0x5C, "load", 4)
_add("v128.load64_zero", 0x5D, "load", 8)
_add("f32x4.demote_f64x2_zero", 0x5E, "un")
_add("f64x2.promote_low_f32x4", 0x5F, "un")

# 0x60..0xFF: the lane-wise arithmetic, as (opcode, mnemonic, kind).
_ARITH = """
60 i8x16.abs un; 61 i8x16.neg un; 62 i8x16.popcnt un; 63 i8x16.all_true test;
64 i8x16.bitmask test; 65 i8x16.narrow_i16x8_s bin; 66 i8x16.narrow_i16x8_u bin;
67 f32x4.ceil un; 68 f32x4.floor un; 69 f32x4.trunc un; 6a f32x4.nearest un;
6b i8x16.shl shift; 6c i8x16.shr_s shift; 6d i8x16.shr_u shift; 6e i8x16.add bin;
6f i8x16.add_sat_s bin; 70 i8x16.add_sat_u bin; 71 i8x16.sub bin; 72 i8x16.sub_sat_s bin;
73 i8x16.sub_sat_u bin; 74 f64x2.ceil un; 75 f64x2.floor un; 76 i8x16.min_s bin;
77 i8x16.min_u bin; 78 i8x16.max_s bin; 79 i8x16.max_u bin; 7a f64x2.trunc un;
7b i8x16.avgr_u bin; 7c i16x8.extadd_pairwise_i8x16_s un; 7d i16x8.extadd_pairwise_i8x16_u un;
7e i32x4.extadd_pairwise_i16x8_s un; 7f i32x4.extadd_pairwise_i16x8_u un;
80 i16x8.abs un; 81 i16x8.neg un; 82 i16x8.q15mulr_sat_s bin; 83 i16x8.all_true test;
84 i16x8.bitmask test; 85 i16x8.narrow_i32x4_s bin; 86 i16x8.narrow_i32x4_u bin;
87 i16x8.extend_low_i8x16_s un; 88 i16x8.extend_high_i8x16_s un;
89 i16x8.extend_low_i8x16_u un; 8a i16x8.extend_high_i8x16_u un;
8b i16x8.shl shift; 8c i16x8.shr_s shift; 8d i16x8.shr_u shift; 8e i16x8.add bin;
8f i16x8.add_sat_s bin; 90 i16x8.add_sat_u bin; 91 i16x8.sub bin; 92 i16x8.sub_sat_s bin;
93 i16x8.sub_sat_u bin; 94 f64x2.nearest un; 95 i16x8.mul bin; 96 i16x8.min_s bin;
97 i16x8.min_u bin; 98 i16x8.max_s bin; 99 i16x8.max_u bin; 9b i16x8.avgr_u bin;
9c i16x8.extmul_low_i8x16_s bin; 9d i16x8.extmul_high_i8x16_s bin;
9e i16x8.extmul_low_i8x16_u bin; 9f i16x8.extmul_high_i8x16_u bin;
a0 i32x4.abs un; a1 i32x4.neg un; a3 i32x4.all_true test; a4 i32x4.bitmask test;
a7 i32x4.extend_low_i16x8_s un; a8 i32x4.extend_high_i16x8_s un;
a9 i32x4.extend_low_i16x8_u un; aa i32x4.extend_high_i16x8_u un;
ab i32x4.shl shift; ac i32x4.shr_s shift; ad i32x4.shr_u shift; ae i32x4.add bin;
b1 i32x4.sub bin; b5 i32x4.mul bin; b6 i32x4.min_s bin; b7 i32x4.min_u bin;
b8 i32x4.max_s bin; b9 i32x4.max_u bin; ba i32x4.dot_i16x8_s bin;
bc i32x4.extmul_low_i16x8_s bin; bd i32x4.extmul_high_i16x8_s bin;
be i32x4.extmul_low_i16x8_u bin; bf i32x4.extmul_high_i16x8_u bin;
c0 i64x2.abs un; c1 i64x2.neg un; c3 i64x2.all_true test; c4 i64x2.bitmask test;
c7 i64x2.extend_low_i32x4_s un; c8 i64x2.extend_high_i32x4_s un;
c9 i64x2.extend_low_i32x4_u un; ca i64x2.extend_high_i32x4_u un;
cb i64x2.shl shift; cc i64x2.shr_s shift; cd i64x2.shr_u shift; ce i64x2.add bin;
d1 i64x2.sub bin; d5 i64x2.mul bin; d6 i64x2.eq bin; d7 i64x2.ne bin; d8 i64x2.lt_s bin;
d9 i64x2.gt_s bin; da i64x2.le_s bin; db i64x2.ge_s bin;
dc i64x2.extmul_low_i32x4_s bin; dd i64x2.extmul_high_i32x4_s bin;
de i64x2.extmul_low_i32x4_u bin; df i64x2.extmul_high_i32x4_u bin;
e0 f32x4.abs un; e1 f32x4.neg un; e3 f32x4.sqrt un; e4 f32x4.add bin; e5 f32x4.sub bin;
e6 f32x4.mul bin; e7 f32x4.div bin; e8 f32x4.min bin; e9 f32x4.max bin; ea f32x4.pmin bin;
eb f32x4.pmax bin; ec f64x2.abs un; ed f64x2.neg un; ef f64x2.sqrt un; f0 f64x2.add bin;
f1 f64x2.sub bin; f2 f64x2.mul bin; f3 f64x2.div bin; f4 f64x2.min bin; f5 f64x2.max bin;
f6 f64x2.pmin bin; f7 f64x2.pmax bin;
f8 i32x4.trunc_sat_f32x4_s un; f9 i32x4.trunc_sat_f32x4_u un;
fa f32x4.convert_i32x4_s un; fb f32x4.convert_i32x4_u un;
fc i32x4.trunc_sat_f64x2_s_zero un; fd i32x4.trunc_sat_f64x2_u_zero un;
fe f64x2.convert_low_i32x4_s un; ff f64x2.convert_low_i32x4_u un;
100 i8x16.relaxed_swizzle bin; 101 i32x4.relaxed_trunc_f32x4_s un;
102 i32x4.relaxed_trunc_f32x4_u un; 103 i32x4.relaxed_trunc_f64x2_s_zero un;
104 i32x4.relaxed_trunc_f64x2_u_zero un; 105 f32x4.relaxed_madd tern;
106 f32x4.relaxed_nmadd tern; 107 f64x2.relaxed_madd tern; 108 f64x2.relaxed_nmadd tern;
109 i8x16.relaxed_laneselect tern; 10a i16x8.relaxed_laneselect tern;
10b i32x4.relaxed_laneselect tern; 10c i64x2.relaxed_laneselect tern;
10d f32x4.relaxed_min bin; 10e f32x4.relaxed_max bin; 10f f64x2.relaxed_min bin;
110 f64x2.relaxed_max bin; 111 i16x8.relaxed_q15mulr_s bin;
112 i16x8.relaxed_dot_i8x16_i7x16_s bin; 113 i32x4.relaxed_dot_i8x16_i7x16_add_s tern
"""
for _row in _ARITH.replace("\n", " ").split(";"):
    _code, _n, _k = _row.split()
    _add(_n, int(_code, 16), _k, relaxed=int(_code, 16) >= 0x100)

SIMD_OPS.sort(key=lambda o: o.opcode)

# Internal ops that move whole v128 values for non-SIMD instructions (opcode -1: no 0xFD
# instruction of their own): `select` and `global.get`/`global.set` of v128 operands.
SIMD_MOVES: list[SimdOp] = [
    SimdOp("v128.select", -1, "select"),
    SimdOp("v128.global_get", -1, "global_get"),
    SimdOp("v128.global_set", -1, "global_set"),
]


# Operand cells (after the handler cell) and stack effect of each kind.
KIND_CELLS: dict[str, tuple[str, ...]] = {
    "const": ("a=dst", "i64=lo", "i64=hi"),
    "load": ("a=dst b=addr hi=offset",),
    "store": ("a=addr b=val hi=offset",),
    "load_lane": ("a=dst b=addr c=vec d=lane", "lo=offset"),
    "store_lane": ("a=addr b=val c=lane", "lo=offset"),
    "splat": ("a=dst b=x",),
    "extract": ("a=dst b=x c=lane",),
    "replace": ("a=dst b=x c=val d=lane",),
    "shuffle": ("a=dst b=x c=y", "i64=lo", "i64=hi"),
    "un": ("a=dst b=x",),
    "bin": ("a=dst b=x c=y",),
    "tern": ("a=dst b=x c=y d=z",),
    "test": ("a=dst b=x",),
    "shift": ("a=dst b=x c=count",),
    "select": ("a=dst b=x c=y d=cond",),
    "global_get": ("a=dst hi=global",),
    "global_set": ("a=src hi=global",),
}
KIND_EFFECT = {
    "const": "-> v128",
    "load": "i32 -> v128",
    "store": "i32 v128 ->",
    "load_lane": "i32 v128 -> v128",
    "store_lane": "i32 v128 ->",
    "splat": "{t} -> v128",
    "extract": "v128 -> {t}",
    "replace": "v128 {t} -> v128",
    "shuffle": "v128 v128 -> v128",
    "un": "v128 -> v128",
    "bin": "v128 v128 -> v128",
    "tern": "v128 v128 v128 -> v128",
    "test": "v128 -> i32",
    "shift": "v128 i32 -> v128",
    "select": "v128 v128 i32 -> v128",
    "global_get": "-> v128",
    "global_set": "v128 ->",
}
KIND_DOC = {
    "const": "fp[dst..+2) = the 16 immediate bytes (lo, hi).",
    "load": "fp[dst..+2) = {w} from memory[u32(fp[addr]) + offset] ({n} bytes).",
    "store": "{w}: store fp[val..+2) at memory[u32(fp[addr]) + offset].",
    "load_lane": "fp[dst..+2) = fp[vec..+2) with lane `lane` loaded ({n} bytes) from "
    "memory[u32(fp[addr]) + offset].",
    "store_lane": "{w}: store lane `lane` of fp[val..+2) ({n} bytes) at "
    "memory[u32(fp[addr]) + offset].",
    "splat": "fp[dst..+2) = {w}(fp[x]).",
    "extract": "fp[dst] = {w}(fp[x..+2), lane).",
    "replace": "fp[dst..+2) = {w}(fp[x..+2), lane, fp[val]).",
    "shuffle": "fp[dst..+2) = {w}(fp[x..+2), fp[y..+2)) with the 16 lane indices (lo, hi).",
    "un": "fp[dst..+2) = {w}(fp[x..+2)).",
    "bin": "fp[dst..+2) = {w}(fp[x..+2), fp[y..+2)).",
    "tern": "fp[dst..+2) = {w}(fp[x..+2), fp[y..+2), fp[z..+2)).",
    "test": "fp[dst] = {w}(fp[x..+2)) (an i32).",
    "shift": "fp[dst..+2) = {w}(fp[x..+2), fp[count]) (count masked to the lane width).",
    "select": "fp[dst..+2) = fp[x..+2) if i32 fp[cond] != 0 else fp[y..+2) (select of v128).",
    "global_get": "fp[dst..+2) = the two value cells of global `global` (a v128).",
    "global_set": "the two value cells of global `global` = fp[src..+2) (a v128).",
}
TRAP_MEM = "out of bounds memory access"


def isa_rows() -> list[dict]:
    """Keyword arguments of ``isa.op(...)`` for every SIMD op (``kind="simd"``)."""
    rows = []
    for o in SIMD_OPS + SIMD_MOVES:
        doc = KIND_DOC[o.kind].format(w=o.wasm, n=o.width)
        if o.relaxed:
            doc += " Relaxed SIMD (deterministic choice, see wasmrt_simd.h)."
        rows.append(
            {
                "name": o.name,
                "cells": KIND_CELLS[o.kind],
                "effect": KIND_EFFECT[o.kind].format(t=o.scalar),
                "doc": doc,
                "wasm": (o.wasm,),
                "traps": (TRAP_MEM,) if o.width else (),
                "kind": "simd",
            }
        )
    return rows


def by_opcode() -> dict[int, SimdOp]:
    """The SIMD ops keyed by sub-opcode."""
    return {o.opcode: o for o in SIMD_OPS}


def _check() -> None:
    codes = [o.opcode for o in SIMD_OPS]
    assert len(set(codes)) == len(codes), "duplicate SIMD opcode"
    names = [o.wasm for o in SIMD_OPS]
    assert len(set(names)) == len(names), "duplicate SIMD mnemonic"


_check()
