"""The native tier's translator: lowered code (``FuncCode`` cells) -> LLVM IR text.

It reads the interpreter's register-style IR one instruction at a time, driven by the
instruction-set table (``_isa_names``: layouts, slot types, families, numeric helpers), so
the lowerer's work (slot allocation, fused ops, resolved branches) is reused and a native
frame *is* an interpreter frame:

- every slot of the frame is an ``i64`` alloca; LLVM promotes them to registers.  Slots
  are read from ``fp[]`` at an entry (cell 0, or a loop header for on-stack replacement)
  and written to ``fp[]`` where the frame is handed over: the arguments of a call, the
  results at a return.  A call's results are read back from ``fp[]``.
- each op family has one emitter here; the numeric helpers of ``_interp_numeric.pxi``
  have their LLVM twin in ``_SEM`` (same names, the same exact semantics: wasm's
  masks for shifts, explicit traps for division and truncation, NaN bits kept, no
  contraction of ``a*b+c``: no fast-math flags anywhere).
- traps set ``cx.trap_pc`` to the trapping instruction's interpreter pc (``wr_trap``),
  so a backtrace is the interpreter's; calls push the interpreter's call records.
- a pause (``call_async``: an async host call, a yield at an attention check) leaves
  every activation with its slots spilled to ``fp[]`` (``check_rc``'s pause exits) and
  its call record in place: the interpreter resumes it (ARCHITECTURE.md, "Pausing a
  guest").
- a body using an op the table marks as not translatable (most SIMD: `_SIMD` lists the
  v128 ops covered) raises ``Unsupported``
  and stays interpreted.

The runtime side (symbols ``wr_*``, struct layouts, the entry/body contract) is in
``_interp_native.pxi``; the driver (compilation, installation, tier-up) in ``_native.py``.
"""

from __future__ import annotations

import bisect
import re
import struct
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import _isa_names as isa

# Trap codes (_interp.pxd TrapKind).
TRAP_UNREACHABLE = 1
TRAP_OOB_MEMORY = 2
TRAP_OOB_TABLE = 3
TRAP_DIV_ZERO = 4
TRAP_INT_OVERFLOW = 5
TRAP_BAD_CONVERSION = 6
TRAP_STACK_EXHAUSTED = 10
TRAP_PAUSE = 15         # not traps: the guest pauses (call_async; `leave`)
TRAP_YIELD = 16
TRAP_THROW = 22         # not a trap: a wasm exception unwinds (`unwind`, _interp_frames.pxi)
TRAP_SIDE = 30          # not a trap: a side exit, the interpreter continues (`side_exit`)
NO_PAUSE = -1           # `check_rc`: no pause can come back here
# the runtime calls that record a trap, whose code the body then returns
TRAP_HELPERS = (" @wr_trap(", " @wr_mem_fault(", " @wr_exhausted(")

OP = {name: i for i, name in enumerate(isa.NAMES)}
_OP_COPY, _OP_COPY2, _OP_COPY_N, _OP_SELECT = (OP[n] for n in ("copy", "copy2", "copy_n", "select"))
_OP_CALL = OP["call"]
# the kinds whose x/y/z operands a float operation may read (Body.float_slots)
_FLOAT_OPERAND_KINDS = frozenset({"unop", "binop", "binop_imm", "binop_imm64", "mul_addsub",
                                  "cmp_br", "cmp_br_imm"})
VT_V128 = 0x7B
NUMERIC = frozenset({0x7F, 0x7E, 0x7D, 0x7C})     # i32, i64, f32, f64
REG_PARAMS = 8          # the most parameters a body takes in registers (`reg_name`)

# Families translated by generic emitters (the rest are handled by name below).
_GENERIC = {"unop", "binop", "binop_imm", "binop_imm64", "mul_addsub", "trap_unop",
            "trap_binop", "load", "store", "br", "cmp_br", "cmp_br_imm", "add_br"}
_MANUAL = {"nop", "copy", "copy2", "copy_n", "const32", "const64", "i32_add_shl", "select",
           "memory_size", "memory_grow", "memory_fill", "memory_copy", "memory_init",
           "data_drop", "global_get", "global_set", "ref_is_null", "ref_func", "table_get",
           "table_set", "table_size", "table_grow", "table_fill", "table_copy", "table_init",
           "elem_drop", "unreachable", "br_table", "zero_locals", "fuel", "call",
           "call_indirect", "ret", "ret_slot", "ret_n"}
# v128 ops translated (`FuncTranslator.op_v128_*`, `lanes`): moves to and from memory,
# constants, shuffles and lane extraction, and the integer lane arithmetic of `_LANE_BIN`
# (a v128 is two slots, its low 8 bytes first, as the interpreter keeps it).
_LANE_BIN: dict[str, tuple[int, str]] = {
    f"{s}x{n}_{op}": (n, ir)
    for s, n in (("i8", 16), ("i16", 8), ("i32", 4), ("i64", 2))
    for op, ir in (("add", "add"), ("sub", "sub"), ("mul", "mul"), ("min_s", "smin"),
                   ("min_u", "umin"), ("max_s", "smax"), ("max_u", "umax"))
    if not (n == 16 and op == "mul") and not (n == 2 and op[:3] in ("min", "max"))
}
_LANE_BIN.update({"v128_and": (2, "and"), "v128_or": (2, "or"), "v128_xor": (2, "xor")})
_SIMD = {"v128_load", "v128_store", "v128_const", "i8x16_shuffle", "i32x4_extract_lane",
         "i64x2_extract_lane", *_LANE_BIN}
COVERED = frozenset(i for i, name in enumerate(isa.NAMES)
                    if isa.KIND[i] in _GENERIC or name in _MANUAL or name in _SIMD)

LL = {"i32": "i32", "i64": "i64", "f32": "float", "f64": "double"}
WIDTH = {"i32": 32, "i64": 64}
# A body compiled in part grows forward from what ran up to a join of more edges than this
# (`Body.reached`: an error path that many blocks branch to stays a side exit)
JOIN_PREDS = 4
SHORT_LOOP = 65536      # cells run by a counted loop that needs no attention check
OSR_ALL = 8             # loops of a body that all get an OSR entry (else the outermost)


# The translator lets other threads take the GIL after this many seconds of its work
# (`pause`): it runs on the compile thread, which must not hold up a guest's host calls
# for a whole switch interval (5 ms).  It used to yield every 64 instructions: a guest
# that holds the GIL gives it up only at its ticks (every 4 ms: _interp's
# `tier_yield_gil`), so the translator ran a slice of ~1.5 ms every ~5.5 ms and CPython's
# eval loop part (0.5 s of translation) took 1.8 s of wall time; with 2 ms slices, 1.0 s.
PAUSE_EVERY = 0.002
_paused = [0.0]
_clock, _sleep = time.perf_counter, time.sleep


def pause() -> None:
    """Let other threads take the GIL, once PAUSE_EVERY has passed since the last time
    (the translator calls it every 64 instructions)."""
    if _clock() - _paused[0] >= PAUSE_EVERY:
        _sleep(0)
        _paused[0] = _clock()


class Unsupported(Exception):
    """The body uses an instruction the native tier does not translate (it stays
    interpreted)."""


def dbl(x: float) -> str:
    """An LLVM floating constant (the hex form of the double, exact for floats too)."""
    return f"0x{struct.unpack('<Q', struct.pack('<d', x))[0]:016X}"


def _fields(layout: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    """Operand name -> (cell, field) of a layout such as ('a=dst b=x', 'lo=offset')."""
    out = {}
    for k, cell in enumerate(layout):
        for part in cell.split():
            fld, name = part.split("=")
            out[name.rstrip(".")] = (k + 1, fld)
    return out


FIELDS = [_fields(lay) for lay in isa.LAYOUT]


def _get(cells: list[int], pc: int, where: tuple[int, str]) -> int:
    v = cells[pc + where[0]]
    fld = where[1]
    if fld in "abcd":
        return (v >> (16 * "abcd".index(fld))) & 0xFFFF
    if fld == "lo":
        x = v & 0xFFFFFFFF
    elif fld == "hi":
        x = v >> 32
    else:  # i64
        return v - (1 << 64) if v >> 63 else v
    return x - (1 << 32) if x >> 31 else x


def slots_of(valtypes: tuple[int, ...]) -> int:
    """Slots taken by values of these types (a v128 takes two)."""
    return sum(2 if t == VT_V128 else 1 for t in valtypes)


class Fn:
    """The LLVM IR of one function under construction."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.n = 0
        self.block = ""     # the label of the block being emitted
        # emitted before each call of the runtime (`FuncTranslator.body`: the depth)
        self.before_runtime_call: Callable[[], str] | None = None
        # emitted after each call of the runtime that returns (`FuncTranslator.call_record`)
        self.after_runtime_call = ""

    def tmp(self) -> str:
        self.n += 1
        return f"%t{self.n}"

    def op(self, text: str) -> str:
        v = self.tmp()
        self.line(f"  {v} = {text}", text)
        return v

    def emit(self, text: str) -> None:
        self.line(f"  {text}", text)

    def line(self, line: str, text: str) -> None:
        """Append `line` (instruction `text`), with the hooks around a runtime call."""
        if "call " not in text or " @wr_" not in text:
            self.lines.append(line)
            return
        if self.before_runtime_call:
            self.lines.append(self.before_runtime_call())
        self.lines.append(line)
        if self.after_runtime_call and not any(t in text for t in TRAP_HELPERS):
            self.lines.append(self.after_runtime_call)

    def label(self, name: str) -> None:
        self.lines.append(f"{name}:")
        self.block = name

    def fresh(self, stem: str) -> str:
        """A new block label."""
        self.n += 1
        return f"{stem}{self.n}"

    # -- typed values <-> 64-bit slot cells --
    def from_cell(self, v: str, t: str) -> str:
        if t == "i64":
            return v
        if t == "f64":
            return self.op(f"bitcast i64 {v} to double")
        w = self.op(f"trunc i64 {v} to i32")
        return w if t == "i32" else self.op(f"bitcast i32 {w} to float")

    def to_cell(self, v: str, t: str) -> str:
        if t == "i64":
            return v
        if t == "f64":
            return self.op(f"bitcast double {v} to i64")
        if t == "f32":
            v = self.op(f"bitcast float {v} to i32")
        return self.op(f"zext i32 {v} to i64")

    def bits(self, v: str, t: str) -> str:
        """A float's bit pattern (an integer of its width); integers as they are."""
        if t == "f32":
            return self.op(f"bitcast float {v} to i32")
        if t == "f64":
            return self.op(f"bitcast double {v} to i64")
        return v

    def of_bits(self, v: str, t: str) -> str:
        if t == "f32":
            return self.op(f"bitcast i32 {v} to float")
        if t == "f64":
            return self.op(f"bitcast i64 {v} to double")
        return v

    def b2i(self, c: str) -> str:
        return self.op(f"zext i1 {c} to i32")


def _ity(t: str) -> str:
    return "i32" if t in ("i32", "f32") else "i64"


# ---- numeric semantics: the LLVM twin of every helper of _interp_numeric.pxi ----------
# Each entry: (fn, args, types) -> result value (typed as the op's effect says), where
# `trap(cond, code)` may add a trap check.  Args are typed LLVM values.

def _int_bin(opname: str):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        return f.op(f"{opname} {LL[t]} {a[0]}, {a[1]}")
    return sem


def _shift(opname: str):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        k = f.op(f"and {LL[t]} {a[1]}, {WIDTH[t] - 1}")
        return f.op(f"{opname} {LL[t]} {a[0]}, {k}")
    return sem


def _rot(intr: str):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        ty = LL[t]
        return f.op(f"call {ty} @llvm.{intr}.{ty}({ty} {a[0]}, {ty} {a[0]}, {ty} {a[1]})")
    return sem


def _icmp(pred: str):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        return f.b2i(f.op(f"icmp {pred} {LL[t]} {a[0]}, {a[1]}"))
    return sem


def _fcmp(pred: str):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        return f.b2i(f.op(f"fcmp {pred} {LL[t]} {a[0]}, {a[1]}"))
    return sem


def _count(intr: str):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        ty = LL[t]
        extra = ", i1 false" if intr != "ctpop" else ""
        return f.op(f"call {ty} @llvm.{intr}.{ty}({ty} {a[0]}{extra})")
    return sem


def _eqz(f: Fn, a: list[str], t: str, trap: Any) -> str:
    return f.b2i(f.op(f"icmp eq {LL[t]} {a[0]}, 0"))


def _div(signed: bool, rem: bool):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        ty = LL[t]
        trap(f.op(f"icmp eq {ty} {a[1]}, 0"), TRAP_DIV_ZERO)
        if not signed:
            return f.op(f"{'urem' if rem else 'udiv'} {ty} {a[0]}, {a[1]}")
        m1 = f.op(f"icmp eq {ty} {a[1]}, -1")
        if rem:  # x rem -1 = 0 (srem INT_MIN, -1 is undefined in LLVM): divide by 1 instead
            y = f.op(f"select i1 {m1}, {ty} 1, {ty} {a[1]}")
            return f.op(f"srem {ty} {a[0]}, {y}")
        imin = -(1 << (WIDTH[t] - 1))
        trap(f.op(f"and i1 {m1}, {f.op(f'icmp eq {ty} {a[0]}, {imin}')}"), TRAP_INT_OVERFLOW)
        return f.op(f"sdiv {ty} {a[0]}, {a[1]}")
    return sem


def fenced(f: Fn, v: str, t: str) -> str:
    """`v` hidden from LLVM's constant folding: it would fold x*1, x+(-0), x-0, x/1 to x,
    which must quiet a signalling NaN (wasm's arithmetic NaN).  No code is emitted."""
    ty = LL[t]
    return f.op(f"call {ty} @llvm.arithmetic.fence.{ty}({ty} {v})")


def opaque_cell(f: Fn, v: str) -> str:
    """The 64-bit cell `v` with its value hidden from LLVM (`fenced` as a double): a
    constant or a value LLVM could compute that a float operation will read."""
    d = fenced(f, f.op(f"bitcast i64 {v} to double"), "f64")
    return f.op(f"bitcast double {d} to i64")


def int_copy(f: Fn, v: str) -> str:
    """A copy of the 64-bit cell `v` that LLVM cannot relate to `v` (an empty inline asm):
    an equality of the copy with a constant tells LLVM nothing about `v`."""
    return f.op(f'call i64 asm "", "=r,0"(i64 {v})')


def farith(f: Fn, opname: str, t: str, x: str, y: str) -> str:
    """fadd/fsub/fmul/fdiv, rounded once, no fast-math flags.  Its operands are never
    values LLVM can prove constant: the translator fences every value that enters a slot
    a float operation reads other than as a float operation's result
    (`FuncTranslator.wr`, `Body.float_slots`), and float immediates."""
    return f.op(f"{opname} {LL[t]} {x}, {y}")


def _fbin(opname: str):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        return farith(f, opname, t, a[0], a[1])
    return sem


_SIGN = {"f32": 0x80000000, "f64": 0x8000000000000000}
_QUIET = {"f32": 0x400000, "f64": 0x8000000000000}


def _fminmax(is_min: bool):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        ty, it = LL[t], _ity(t)
        x, y = f.bits(a[0], t), f.bits(a[1], t)
        nan = f.bits(f.op(f"fadd {ty} {a[0]}, {a[1]}"), t)  # a quiet NaN from the NaN operand(s)
        uno = f.op(f"fcmp uno {ty} {a[0]}, {a[1]}")
        eq = f.op(f"fcmp oeq {ty} {a[0]}, {a[1]}")
        signs = f.op(f"{'or' if is_min else 'and'} {it} {x}, {y}")  # min/max(-0, +0)
        lt = f.op(f"fcmp {'olt' if is_min else 'ogt'} {ty} {a[0]}, {a[1]}")
        pick = f.op(f"select i1 {lt}, {it} {x}, {it} {y}")
        r = f.op(f"select i1 {eq}, {it} {signs}, {it} {pick}")
        return f.of_bits(f.op(f"select i1 {uno}, {it} {nan}, {it} {r}"), t)
    return sem


def _fbits(expr: str):  # type: ignore[no-untyped-def]
    """abs / neg / copysign: pure bit operations (NaN payloads pass unchanged)."""
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        it, s = _ity(t), _SIGN[t]
        x = f.bits(a[0], t)
        if expr == "abs":
            r = f.op(f"and {it} {x}, {s - 1}")
        elif expr == "neg":
            r = f.op(f"xor {it} {x}, {s - (1 << (64 if t == 'f64' else 32))}")
        else:
            y = f.bits(a[1], t)
            mag = f.op(f"and {it} {x}, {s - 1}")
            sg = f.op(f"and {it} {y}, {s - (1 << (64 if t == 'f64' else 32))}")
            r = f.op(f"or {it} {mag}, {sg}")
        return f.of_bits(r, t)
    return sem


def _fround(intr: str):  # type: ignore[no-untyped-def]
    """ceil/floor/trunc/nearest/sqrt: a NaN comes out as that NaN, quieted."""
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        ty, it = LL[t], _ity(t)
        r = f.bits(f.op(f"call {ty} @llvm.{intr}.{ty}({ty} {a[0]})"), t)
        q = f.op(f"or {it} {f.bits(a[0], t)}, {_QUIET[t]}")
        uno = f.op(f"fcmp uno {ty} {a[0]}, {a[0]}")
        return f.of_bits(f.op(f"select i1 {uno}, {it} {q}, {it} {r}"), t)
    return sem


def _cast(opname: str, src: str, dst: str):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        x = fenced(f, a[0], src) if opname in ("fpext", "fptrunc") else a[0]  # demote(promote x)
        return f.op(f"{opname} {LL[src]} {x} to {LL[dst]}")
    return sem


def _ext_n(bits: int, t: str):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], _t: str, trap: Any) -> str:
        n = f.op(f"trunc {LL[t]} {a[0]} to i{bits}")
        return f.op(f"sext i{bits} {n} to {LL[t]}")
    return sem


# Ranges of the trapping truncations (as in _interp_numeric.pxi, on the value as double).
_TRUNC = {("i32", True): ("ogt", -2147483649.0, 2147483648.0),
          ("i32", False): ("ogt", -1.0, 4294967296.0),
          ("i64", True): ("oge", -9223372036854775808.0, 9223372036854775808.0),
          ("i64", False): ("ogt", -1.0, 18446744073709551616.0)}


def _trunc(src: str, dst: str, signed: bool):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        d = a[0] if src == "f64" else f.op(f"fpext float {a[0]} to double")
        trap(f.op(f"fcmp uno double {d}, {d}"), TRAP_BAD_CONVERSION)
        lo_pred, lo, hi = _TRUNC[(dst, signed)]
        ok_lo = f.op(f"fcmp {lo_pred} double {d}, {dbl(lo)}")
        ok_hi = f.op(f"fcmp olt double {d}, {dbl(hi)}")
        bad = f.op(f"xor i1 {f.op(f'and i1 {ok_lo}, {ok_hi}')}, true")
        trap(bad, TRAP_INT_OVERFLOW)
        return f.op(f"{'fptosi' if signed else 'fptoui'} double {d} to {LL[dst]}")
    return sem


def _trunc_sat(src: str, dst: str, signed: bool):  # type: ignore[no-untyped-def]
    def sem(f: Fn, a: list[str], t: str, trap: Any) -> str:
        s, d = LL[src], LL[dst]
        intr = f"llvm.fpto{'s' if signed else 'u'}i.sat.{d}.{'f32' if src == 'f32' else 'f64'}"
        return f.op(f"call {d} @{intr}({s} {a[0]})")
    return sem


def _build_sem() -> dict[str, Any]:
    sem: dict[str, Any] = {}
    for t in ("i32", "i64"):
        for n, o in (("add", "add"), ("sub", "sub"), ("mul", "mul"), ("and", "and"),
                     ("or", "or"), ("xor", "xor")):
            sem[f"{t}_{n}"] = _int_bin(o)
        for n, o in (("shl", "shl"), ("shr_s", "ashr"), ("shr_u", "lshr")):
            sem[f"{t}_{n}"] = _shift(o)
        sem[f"{t}_rotl"] = _rot("fshl")
        sem[f"{t}_rotr"] = _rot("fshr")
        for n, p in (("eq", "eq"), ("ne", "ne"), ("lt_s", "slt"), ("lt_u", "ult"),
                     ("gt_s", "sgt"), ("gt_u", "ugt"), ("le_s", "sle"), ("le_u", "ule"),
                     ("ge_s", "sge"), ("ge_u", "uge")):
            sem[f"{t}_{n}"] = _icmp(p)
        sem[f"{t}_eqz"] = _eqz
        sem[f"{t}_clz"] = _count("ctlz")
        sem[f"{t}_ctz"] = _count("cttz")
        sem[f"{t}_popcnt"] = _count("ctpop")
        sem[f"{t}_div_s"] = _div(True, False)
        sem[f"{t}_div_u"] = _div(False, False)
        sem[f"{t}_rem_s"] = _div(True, True)
        sem[f"{t}_rem_u"] = _div(False, True)
    for t in ("f32", "f64"):
        for n in ("add", "sub", "mul", "div"):
            sem[f"{t}_{n}"] = _fbin("f" + n)
        sem[f"{t}_min"] = _fminmax(True)
        sem[f"{t}_max"] = _fminmax(False)
        sem[f"{t}_abs"] = _fbits("abs")
        sem[f"{t}_neg"] = _fbits("neg")
        sem[f"{t}_copysign"] = _fbits("copysign")
        for n, intr in (("ceil", "ceil"), ("floor", "floor"), ("trunc", "trunc"),
                        ("nearest", "rint"), ("sqrt", "sqrt")):
            sem[f"{t}_{n}"] = _fround(intr)
        for n, p in (("eq", "oeq"), ("ne", "une"), ("lt", "olt"), ("gt", "ogt"),
                     ("le", "ole"), ("ge", "oge")):
            sem[f"{t}_{n}"] = _fcmp(p)
    sem["i32_wrap_i64"] = _cast("trunc", "i64", "i32")
    sem["i64_extend_i32_s"] = _cast("sext", "i32", "i64")
    sem["i64_extend_i32_u"] = _cast("zext", "i32", "i64")
    for d in ("f32", "f64"):
        for s in ("i32", "i64"):
            sem[f"{d}_convert_{s}_s"] = _cast("sitofp", s, d)
            sem[f"{d}_convert_{s}_u"] = _cast("uitofp", s, d)
    sem["f32_demote_f64"] = _cast("fptrunc", "f64", "f32")
    sem["f64_promote_f32"] = _cast("fpext", "f32", "f64")
    for t, bits in (("i32", 8), ("i32", 16), ("i64", 8), ("i64", 16), ("i64", 32)):
        sem[f"{t}_extend{bits}_s"] = _ext_n(bits, t)
    for d in ("i32", "i64"):
        for s in ("f32", "f64"):
            for sg in ("s", "u"):
                sem[f"{d}_trunc_{s}_{sg}"] = _trunc(s, d, sg == "s")
                sem[f"{d}_trunc_sat_{s}_{sg}"] = _trunc_sat(s, d, sg == "s")
    return sem


SEM = _build_sem()


def _effect(op: int) -> tuple[list[str], list[str]]:
    ins, outs = isa.EFFECT[op].split("->")
    return ins.split(), outs.split()


# Loads: width in bytes, and how the loaded integer becomes the slot's cell.
def _load_ext(name: str) -> str:
    if name.endswith("_s"):
        return "sext"
    return "zext"


@dataclass
class Module:
    """What translation needs of the module: function types (slot counts)."""

    func_types: list[int]
    type_params: list[tuple[int, ...]]
    type_results: list[tuple[int, ...]]
    num_imported: int

    def func_slots(self, fi: int) -> tuple[int, int]:
        t = self.func_types[fi]
        return slots_of(self.type_params[t]), slots_of(self.type_results[t])

    def type_slots(self, t: int) -> tuple[int, int]:
        return slots_of(self.type_params[t]), slots_of(self.type_results[t])

    def in_registers(self, fi: int) -> bool:
        """Whether a direct call of fi can pass its arguments and result in registers:
        numbers only (a reference must stay in fp[], where the collector scans for it),
        at most REG_PARAMS of them and one result."""
        t = self.func_types[fi]
        ps, rs = self.type_params[t], self.type_results[t]
        return (len(ps) <= REG_PARAMS and len(rs) <= 1
                and all(v in NUMERIC for v in ps) and all(v in NUMERIC for v in rs))

    @classmethod
    def of(cls, info: Any) -> Module:
        return cls([int(t) for t in info.func_types],
                   [tuple(t.params) for t in info.types],
                   [tuple(t.results) for t in info.types],
                   int(info.num_imported_funcs))


@dataclass
class Body:
    """One body to translate: its cells (handler cells as IR_* numbers) and frame."""

    func_index: int
    cells: list[int]
    nparams: int
    nresults: int
    max_slots: int
    instrs: list[int] = field(default_factory=list)     # cell index of each instruction
    # Blocks left out (their first cells, of `leaders()`): machine code has no code for
    # them; an edge into one is a side exit to the interpreter (`FuncTranslator.side_exit`)
    omit: frozenset[int] = frozenset()

    def decode(self) -> None:
        i, n = 0, len(self.cells)
        out = []
        while i < n:
            op = self.cells[i]
            if op >= len(isa.NAMES):
                raise Unsupported(f"bad op {op}")
            if op not in COVERED:
                raise Unsupported(isa.NAMES[op])
            out.append(i)
            i += self.size(i)
        self.instrs = out

    def size(self, i: int) -> int:
        op = self.cells[i]
        if op == OP["br_table"]:
            return 3 + _get(self.cells, i, (1, "hi"))
        return isa.NCELLS[op]

    def back_edges_through_calls(self) -> set[int]:
        """Loop back-edges that need no attention check of their own: every path from the
        loop header to the branch passes a `call`, whose check (`direct_call`, `wr_call`)
        runs once per iteration (fib's loop around its recursive call made two).  A call
        at c covers the back-edge at i to header h <= c if no branch outside (c, i]
        enters (c, i] (so control reaches (c, i] only through the call); an OSR entry at
        an inner loop header there skips the call once, then every iteration passes it."""
        out: set[int] = set()
        calls = [i for i in self.instrs if self.cells[i] == OP["call"]]
        if not calls:
            return out
        edges = sorted((t, j) for j in self.instrs for t in branch_targets(self.cells, j))
        for i in self.instrs:
            op = self.cells[i]
            if not isa.EXTRA[op].get("back") or op == OP["br_table"]:
                continue
            h = i + _get(self.cells, i, FIELDS[op]["offset"])
            # the last few calls of the loop, the nearest first
            for c in reversed(calls[bisect.bisect_left(calls, h):bisect.bisect_left(calls, i)][-4:]):
                into = edges[bisect.bisect_right(edges, (c, 1 << 62)):
                             bisect.bisect_right(edges, (i, 1 << 62))]
                if all(c < j <= i for _, j in into):
                    out.add(i)
                    break
        return out

    def float_slots(self) -> dict[int, int]:
        """The slots some float operation reads as an operand (or compares), with the
        slots untyped moves (copy, select) link them to, each mapped to its group (slots
        linked by moves).  Flow-insensitive: a slot the lowerer also uses for integers is
        in it too; `FuncTranslator.float_flow` finds which writes and reads of these
        slots need a fence (see `FuncTranslator.wr` and `rd`)."""
        out: set[int] = set()
        moves: list[tuple[int, int]] = []
        cells = self.cells
        for i in self.instrs:
            op = cells[i]
            kind = isa.KIND[op]
            fields = FIELDS[op]
            if kind in _FLOAT_OPERAND_KINDS:
                ins = _effect(op)[0] if kind != "mul_addsub" else [isa.HELPER[op]] * 3
                for key, t in zip(("x", "y", "z"), ins):
                    if t in ("f32", "f64") and key in fields:
                        out.add(_get(cells, i, fields[key]))
            elif op in _MOVE_OPS:
                moves += _moves(cells, i)[0]
        group = {x: x for x in out}                 # union-find over the moves
        links: dict[int, list[int]] = {}
        for d, src in moves:
            links.setdefault(d, []).append(src)
            links.setdefault(src, []).append(d)
        todo = list(out)
        while todo:
            x = todo.pop()
            for y in links.get(x, ()):
                if y not in group:
                    group[y] = group[x]
                    todo.append(y)
                elif group[y] != group[x]:      # two float operand slots moved together
                    old, new = group[y], group[x]
                    for k, v in group.items():
                        if v == old:
                            group[k] = new
        return group

    def bounded_back_edges(self, budget: int = SHORT_LOOP) -> set[int]:
        """Back-edges of short counted loops, which need no attention check of their own:
        an innermost loop (no other back-edge, `br_table` or call inside, no branch from
        outside into it after its header), entered by falling through from a `const32` of
        its counter, whose back-edge adds a constant to the counter (no other instruction
        of the loop writes it) and loops while a compare with a constant holds, so few
        times that its cells times its iterations stay within `budget`.  An iteration runs
        the loop's code at most once, so the loop ends in bounded time, and the enclosing
        code's checks keep
        Ctrl-C, epochs and tier-up ticks seen in bounded time (matmul's 20-iteration inner
        loop, an unrolled copy of a fixed size).  (An OSR entry at the header comes from
        the interpreter running the same code: its counter is one of the same values.)"""
        out: set[int] = set()
        cells, instrs = self.cells, self.instrs
        pos = {i: k for k, i in enumerate(instrs)}
        sources: dict[int, list[int]] = {}
        for j in instrs:
            for t in branch_targets(cells, j):
                sources.setdefault(t, []).append(j)
        for k, i in enumerate(instrs):
            op = cells[i]
            if isa.KIND[op] != "add_br" or not isa.EXTRA[op].get("back"):
                continue
            g = {key: _get(cells, i, w) for key, w in FIELDS[op].items()}
            h = i + g["offset"]
            v, step = g["dst"], g["imm"]
            kh = pos.get(h)
            if kh is None or kh == 0 or g["x"] != v or "y" in g:
                continue
            prev = instrs[kh - 1]
            if cells[prev] != OP["const32"] or _get(cells, prev, FIELDS[OP["const32"]]["dst"]) != v:
                continue
            inside = instrs[kh:k]
            if any(isa.EXTRA[cells[j]].get("back") or cells[j] in _LOOP_BREAKERS
                   or v in _writes(cells, j) for j in inside):
                continue
            if any(not h <= src <= i for t in inside for src in sources.get(t, ())):
                continue        # (the header is entered by falling through, or from inside)
            name = isa.NAMES[op].removesuffix("_loop")
            cond = _ADD_BR_CONDS.get(name if name in _ADD_BR_CONDS else isa.HELPER[op])
            if cond is None:
                continue
            c = g.get("c", 0) & 0xFFFFFFFF
            x = _get(cells, prev, FIELDS[OP["const32"]]["imm"]) & 0xFFFFFFFF
            for _ in range(budget // (i + isa.NCELLS[op] - h)):
                x = (x + step) & 0xFFFFFFFF
                if not cond(x, c):
                    out.add(i)
                    break
        return out

    def osr_headers(self) -> list[int]:
        """The loop headers machine code can be entered at (OSR): targets of backward
        branches (loop twins, backward br_table arms).  In a body of more than `OSR_ALL`
        loops, only the outermost loops' headers: each entry costs LLVM a block loading
        the slots live there and a phi per slot at the header (zstd's match finder, 17
        loops of which 13 are small loops inside its block loop: a third of its LLVM
        time), and an inner loop's run ends at its enclosing loop's back-edge, which
        enters there.  But a body compiled in part gets every loop header it keeps: the
        interpreter that continues after a side exit must find an entry at the next
        back-edge it takes (CPython's eval loop dispatches in the third of three nested
        loops, whose outermost one iterates once per call).  The blocks left out
        (`omit`) have none."""
        ends: dict[int, int] = {}       # header -> its furthest back-edge
        for i in self.instrs:
            op = self.cells[i]
            if isa.EXTRA[op].get("back") or op == OP["br_table"]:
                for tgt in branch_targets(self.cells, i):
                    if tgt <= i and tgt not in self.omit:
                        ends[tgt] = max(ends.get(tgt, i), i)
        if len(ends) <= OSR_ALL or self.omit:
            return sorted(ends)
        return sorted(h for h in ends if not any(h2 < h <= e2 for h2, e2 in ends.items()))

    def reached(self, seeds: Iterable[int], grown: Iterable[int] = (),
                joins: int = JOIN_PREDS) -> set[int]:
        """The blocks (their first cells) to compile of a body compiled in part: those of
        the sampled pcs `seeds` (tier-up samples: loop headers, calls, br_tables) and every
        block on a path of forward edges (not loop back-edges) from cell 0 to them; from
        them and from the blocks `grown` (side exits that fired often), the blocks forward
        edges lead to, up to a join of more than `joins` edges (an error path many blocks
        share; not a latch, a block that branches back to a kept loop header), a loop
        header or a br_table's arms.  An edge into a block left out is a side exit."""
        leaders = self.leaders()
        starts = set(leaders)
        cells, instrs = self.cells, self.instrs
        succ: dict[int, list[int]] = {}
        preds: dict[int, list[int]] = {}

        def block(i: int) -> int:
            return leaders[bisect.bisect_right(leaders, i) - 1]

        latch: dict[int, set[int]] = {}     # block -> the loop headers it branches back to
        for k, i in enumerate(instrs):
            nxt = instrs[k + 1] if k + 1 < len(instrs) else None
            if nxt is None or nxt in starts:        # i ends its block
                back = {t for t in branch_targets(cells, i) if t <= i}
                if back:
                    latch[block(i)] = back
                out = [t for t in branch_targets(cells, i) if t > i]
                if nxt is not None and falls_through(cells, i):
                    out.append(nxt)
                succ[block(i)] = out
                for t in out:
                    preds.setdefault(t, []).append(block(i))
        heads = set(self.osr_headers())

        keep = {block(i) for i in seeds if 0 <= i < len(cells)}
        todo = list(keep)
        while todo:     # backward: the forward paths from cell 0
            for p in preds.get(todo.pop(), ()):
                if p not in keep:
                    keep.add(p)
                    todo.append(p)
        todo = [block(i) for i in seeds if 0 <= i < len(cells)] + [block(i) for i in grown]
        keep.update(todo)
        while todo:     # forward: the way on from each, up to a shared join
            k = todo.pop()
            if len(succ.get(k, ())) > 2:
                continue    # (a br_table's arms: those that ran have samples or exits)
            for t in succ.get(k, ()):   # (a loop's latch that many blocks share is in)
                if t not in keep and t not in heads and (len(preds.get(t, ())) <= joins
                                                         or latch.get(t, set()) & keep):
                    keep.add(t)
                    todo.append(t)
        return keep

    def block_cells(self) -> dict[int, int]:
        """The cells of each block (first cell -> size)."""
        leaders = self.leaders()
        ends = leaders[1:] + [len(self.cells)]
        return {lead: end - lead for lead, end in zip(leaders, ends)}

    def leaders(self) -> list[int]:
        """The first cells of the body's blocks, the units a partial compile leaves out:
        cell 0, branch targets, and the instruction after a branch (the way on of a
        conditional one), a return or `unreachable`."""
        out = {0}
        cells, instrs = self.cells, self.instrs
        for k, i in enumerate(instrs):
            tg = branch_targets(cells, i)
            out.update(tg)
            if k + 1 < len(instrs) and (tg or not falls_through(cells, i)):
                out.add(instrs[k + 1])
        return sorted(out)


_LABEL_REF = re.compile(r"%c(\d+)\b")    # a branch to the block of a cell (`c<cell>`)
_LOOP_BREAKERS = frozenset(OP[n] for n in ("call", "call_indirect", "br_table"))
_ADD_BR_CONDS: dict[str, Any] = {
    "br_add_nez": lambda v, c: v != 0, "br_add_eqz": lambda v, c: v == 0,
    "i32_eq": lambda v, c: v == c, "i32_ne": lambda v, c: v != c,
    "i32_lt_u": lambda v, c: v < c, "i32_gt_u": lambda v, c: v > c,
    "i32_le_u": lambda v, c: v <= c, "i32_ge_u": lambda v, c: v >= c,
    "i32_lt_s": lambda v, c: _s32(v) < _s32(c), "i32_gt_s": lambda v, c: _s32(v) > _s32(c),
    "i32_le_s": lambda v, c: _s32(v) <= _s32(c), "i32_ge_s": lambda v, c: _s32(v) >= _s32(c),
}


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


def _writes(cells: list[int], i: int) -> set[int]:
    """The slots instruction i writes (of the ops a short counted loop may hold)."""
    op = cells[i]
    g = {key: _get(cells, i, w) for key, w in FIELDS[op].items() if not key.endswith("...")}
    name = isa.NAMES[op]
    if name == "copy2":
        return {g["dst0"], g["dst1"]}
    if name == "copy_n":
        return set(range(g["dst"], g["dst"] + g["n"]))
    if name == "zero_locals":
        return set(range(g["first"], g["first"] + g["n"]))
    if "dst" not in g:
        return set()
    return {g["dst"], g["dst"] + 1} if _effect(op)[1] == ["v128"] else {g["dst"]}


def solve_backward(succs: list[list[int]], transfer: Callable[[int, int], int],
                   outside: int) -> tuple[list[int], list[int]]:
    """The least fixpoint of a backward dataflow problem over a body's instructions (by
    position): for each position k, the bitset after it (the union of its successors'
    `succs[k]`, a negative one being outside the body, which contributes `outside`) and
    before it (`transfer(k, after)`, monotone).  Liveness and the float fences' liveness
    (`FuncTranslator.liveness`, `float_flow`) are two such problems."""
    n = len(succs)
    live_in = [0] * n
    live_out = [0] * n
    changed = True
    while changed:
        changed = False
        for k in range(n - 1, -1, -1):
            out = 0
            for t in succs[k]:
                out |= live_in[t] if t >= 0 else outside
            live_out[k] = out
            v = transfer(k, out)
            if v != live_in[k]:
                live_in[k] = v
                changed = True
    return live_in, live_out


def branch_targets(cells: list[int], i: int) -> list[int]:
    op = cells[i]
    name = isa.NAMES[op]
    if name == "br_table":
        n = _get(cells, i, (1, "hi"))
        return [i + _get(cells, i, (2 + k, "lo")) for k in range(n + 1)]
    if isa.KIND[op] in ("br", "cmp_br", "cmp_br_imm", "add_br"):
        return [i + _get(cells, i, FIELDS[op]["offset"])]
    return []


def falls_through(cells: list[int], i: int) -> bool:
    """Whether control may go on to the next instruction (not after a return, an
    unconditional branch, a br_table or unreachable)."""
    name = isa.NAMES[cells[i]]
    if name in ("ret", "ret_slot", "ret_n", "br_table", "unreachable"):
        return False
    return not (isa.KIND[cells[i]] == "br" and name.removesuffix("_loop") == "br")


_MOVE_OPS = frozenset({_OP_COPY, _OP_COPY2, _OP_COPY_N, _OP_SELECT})


def _moves(cells: list[int], i: int) -> tuple[list[tuple[int, int]], bool]:
    """An untyped move's (dst, src) pairs (copy, copy2, copy_n, select: its two
    sources), and whether they happen one after the other (copy2) rather than all
    sources read first."""
    op = cells[i]
    fields = FIELDS[op]
    if op == _OP_COPY2:
        return [(_get(cells, i, fields["dst0"]), _get(cells, i, fields["src0"])),
                (_get(cells, i, fields["dst1"]), _get(cells, i, fields["src1"]))], True
    d = _get(cells, i, fields["dst"])
    if op == _OP_COPY_N:
        src = _get(cells, i, fields["src"])
        return [(d + k, src + k) for k in range(_get(cells, i, fields["n"]))], False
    if op == _OP_SELECT:
        return [(d, _get(cells, i, fields["x"])), (d, _get(cells, i, fields["y"]))], False
    return [(d, _get(cells, i, fields["src"]))], False


# ---- one bounds check per group of accesses -------------------------------------------
# A straight-line stretch of simple instructions (`region`) often makes several accesses off
# one index value: an unrolled copy (x, x+8, ..., x+56), a struct's fields, a[i] and a[i+1]
# computed by `i32.add` of a constant.  Each access's address is `zext(R + c) + k` for a root
# value R (a slot's value at the stretch's start, a value an instruction defined, or zero for
# constants), a 32-bit constant c (constant adds tracked through `i32_add_imm`/`copy`) and
# the access's offset k.  One compare of R against the hull of a group (every access off the
# same root) replaces the group's checks: when it passes no address wraps and every access is
# in bounds; when it fails, machine code leaves at the check point (a side exit: the
# interpreter runs the stretch), so a trap comes exactly where the interpreter's does, after
# the earlier stores.  (At cell 0, whose handler enters machine code, a copy of the stretch
# with every check of its own runs instead.)

_REGION_KINDS = frozenset({"unop", "binop", "binop_imm", "binop_imm64", "mul_addsub",
                           "trap_unop", "trap_binop", "load", "store"})
_REGION_OPS = frozenset(OP[n] for n in ("nop", "copy", "copy2", "copy_n", "const32", "const64",
                                        "i32_add_shl", "select", "global_get", "global_set",
                                        "zero_locals"))
REGION_MAX = 64         # instructions of a stretch
ZERO = ("zero",)        # the root of constants
NEAR = 4096             # field offsets: a group's accesses this close above its slot's value


@dataclass
class Group:
    """Accesses off one root value: their cell indexes and (constant, offset, width).  A
    root ("shl", R, k) is R << k (`i32_shl_imm`, the `_shl` accesses)."""

    root: Any
    members: dict[int, tuple[int, int, int]] = field(default_factory=dict)


@dataclass
class Guard:
    """One check point of a stretch (before its instruction `at`, a position in
    `Body.instrs`): the groups it checks, each with how to get its root there: a slot
    (None for ZERO), that slot's constant c and a shift k (the root is (slot - c) << k)."""

    at: int
    groups: list[tuple[Group, int | None, int, int]]


def _region_op(op: int) -> bool:
    return isa.KIND[op] in _REGION_KINDS or op in _REGION_OPS


def plan_guards(b: Body) -> dict[int, tuple[int, list[Guard]]]:
    """Stretches with a group of two or more accesses: first position -> (end position,
    its check points in order).  Positions index `b.instrs` (decoded)."""
    out: dict[int, tuple[int, list[Guard]]] = {}
    instrs, cells = b.instrs, b.cells
    targets = {t for i in instrs for t in branch_targets(cells, i)}
    k, n = 0, len(instrs)
    while k < n:
        if not _region_op(cells[instrs[k]]):
            k += 1
            continue
        e = k + 1
        while (e < n and e - k < REGION_MAX and _region_op(cells[instrs[e]])
               and instrs[e] not in targets):
            e += 1
        guards = _guards(cells, instrs[k:e], k)
        if guards:
            out[guards[0].at] = (e, guards)
        k = e
    return out


def _guards(cells: list[int], stretch: list[int], k0: int) -> list[Guard]:
    sym: dict[int, tuple[Any, int]] = {}        # slot -> (root, c): the slot holds R + c

    def val(s: int) -> tuple[Any, int]:
        return sym.get(s) or sym.setdefault(s, (("in", s), 0))

    def holder(pos: int, root: Any) -> tuple[int, int, int] | None:
        """A slot holding `root` (shifted) before the instruction at `pos`: (slot, its
        constant, the shift)."""
        at = seen[pos]
        for s, (r, c) in sorted(at.items()):
            if r == root:
                return s, c, 0
        if root[0] == "in" and root[1] not in at:
            return root[1], 0, 0
        if root[0] == "shl":
            inner = holder(pos, root[1])
            if inner is not None and not inner[2]:
                return inner[0], inner[1], root[2]
        return None

    groups: dict[Any, Group] = {}
    first: dict[Any, int] = {}
    seen: list[dict[int, tuple[Any, int]]] = []     # per position: the slots' values before it
    for pos, i in enumerate(stretch):
        seen.append(dict(sym))
        op = cells[i]
        name = isa.NAMES[op]
        g = {key: _get(cells, i, w) for key, w in FIELDS[op].items() if not key.endswith("...")}
        kind = isa.KIND[op]
        if kind in ("load", "store"):
            extra = isa.EXTRA[op]
            width = int(extra["width"])
            if extra.get("shl"):
                sh = _get(cells, i, (2, "lo")) & 31
                r, c = val(g["x"])
                key = ("shl", r, sh) if sh and r != ZERO else r
                cm, off = (c << sh) + g["imm"], 0
            elif extra.get("base"):
                r, c = val(g["x"])
                key, cm, off = r, c + g["imm"], 0
            else:
                key, cm = val(g["addr"])
                off = g["offset"] & 0xFFFFFFFF
            grp = groups.setdefault(key, Group(key))
            first.setdefault(key, pos)
            grp.members[i] = (cm & 0xFFFFFFFF, off, width)
            # (a load then writes its dst: below)
        if name == "i32_add_imm" or name == "i32_sub_imm":
            r, c = val(g["x"])
            sym[g["dst"]] = (r, c + (g["imm"] if name == "i32_add_imm" else -g["imm"]))
        elif name == "copy":
            sym[g["dst"]] = val(g["src"])
        elif name == "copy2":
            sym[g["dst0"]] = val(g["src0"])
            sym[g["dst1"]] = val(g["src1"])
        elif name == "copy_n":
            vals = [val(g["src"] + j) for j in range(g["n"])]
            for j, v in enumerate(vals):
                sym[g["dst"] + j] = v
        elif name == "i32_shl_imm" and g["imm"] & 31:
            r, c = val(g["x"])      # (R + c) << k = (R << k) + (c << k)
            sh = g["imm"] & 31
            sym[g["dst"]] = (r if r == ZERO else ("shl", r, sh), c << sh)
        elif name == "const32":
            sym[g["dst"]] = (ZERO, g["imm"])
        elif name == "const64":
            sym[g["dst"]] = (ZERO, cells[i + 2])
        elif name == "zero_locals":
            for s in range(g["first"], g["first"] + g["n"]):
                sym[s] = (ZERO, 0)
        elif "dst" in g:
            sym[g["dst"]] = (("def", k0 + pos), 0)
    # check points: groups in the order of their first access; a group joins the current
    # check point when its root is held by a slot there
    guards: list[Guard] = []
    for key in sorted((key for key in groups if len(groups[key].members) > 1),
                      key=lambda key: first[key]):
        grp = groups[key]
        if not (guards and (grp.root == ZERO or holder(guards[-1].at - k0, grp.root))):
            guards.append(Guard(k0 + first[key], []))
        at = guards[-1].at - k0
        hold = (None, 0, 0) if grp.root == ZERO else holder(at, grp.root)
        assert hold is not None     # (a group's first access reads its root from a slot)
        guards[-1].groups.append((grp, *hold))
    return guards


SYMBOL_DECLS = """\
@wasmrt_attn = external global i32
declare i32 @wr_trap(ptr, i32, i32)
declare i32 @wr_mem_fault(ptr, i32, i64, i64, i32, i64)
declare i32 @wr_exhausted(ptr, i32, ptr)
declare i32 @wr_attend(ptr, ptr, i32)
declare i32 @wr_side(ptr, ptr, i32)
declare i32 @wr_fuel(ptr, i32)
declare i32 @wr_call(ptr, ptr, ptr, i32, i32, i32)
declare i32 @wr_call_indirect(ptr, ptr, i32, i32, i32, i32, i32, i32)
declare i64 @wr_memory_grow(ptr, i32)
declare i32 @wr_memory_fill(ptr, i32, i32, i32)
declare i32 @wr_memory_copy(ptr, i32, i32, i32)
declare i32 @wr_memory_init(ptr, i32, i32, i32, i32)
declare void @wr_data_drop(ptr, i32)
declare void @wr_elem_drop(ptr, i32)
declare i32 @wr_table_get(ptr, i32, i32, ptr)
declare i32 @wr_table_set(ptr, i32, i32, i64)
declare i64 @wr_table_size(ptr, i32)
declare i64 @wr_table_grow(ptr, i32, i64, i32)
declare i32 @wr_table_fill(ptr, i32, i32, i64, i32)
declare i32 @wr_table_copy(ptr, i32, i32, i32, i32, i32)
declare i32 @wr_table_init(ptr, i32, i32, i32, i32, i32)
"""

INTRINSICS = "".join(
    f"declare <{n} x i{128 // n}> @llvm.{ir}.v{n}i{128 // n}(<{n} x i{128 // n}>, <{n} x i{128 // n}>)\n"
    for n in (16, 8, 4) for ir in ("smin", "umin", "smax", "umax")
) + """\
declare float @llvm.arithmetic.fence.float(float)
declare double @llvm.arithmetic.fence.double(double)
declare i32 @llvm.fshl.i32(i32, i32, i32)
declare i64 @llvm.fshl.i64(i64, i64, i64)
declare i32 @llvm.fshr.i32(i32, i32, i32)
declare i64 @llvm.fshr.i64(i64, i64, i64)
declare i32 @llvm.ctlz.i32(i32, i1)
declare i64 @llvm.ctlz.i64(i64, i1)
declare i32 @llvm.cttz.i32(i32, i1)
declare i64 @llvm.cttz.i64(i64, i1)
declare i32 @llvm.ctpop.i32(i32)
declare i64 @llvm.ctpop.i64(i64)
""" + "".join(
    f"declare {ty} @llvm.{i}.{ty}({ty})\n"
    for ty in ("float", "double") for i in ("ceil", "floor", "trunc", "rint", "sqrt")
) + "".join(
    f"declare {d} @llvm.fpto{s}i.sat.{d}.{n}({ty})\n"
    for d in ("i32", "i64") for s in "su" for ty, n in (("float", "f32"), ("double", "f64"))
)


# Fields that do not change while machine code runs: the value stack's end and the depth
# limit (set when the Store is made) and the C stack's limit (set at each entry from the
# host, on the thread that runs the guest: the same value).  Their loads are
# `!invariant.load`, so a call's stack and depth checks are loop-invariant where the depth
# is (a loop's direct calls restore it) and LLVM moves them out of a loop.  Marking
# cx.recs, inst.funcs, inst.globals and inst.mem too cost fib 2% more instructions
# (values kept across the call in spilled registers instead of loaded again; measured
# while every call wrote its record).
INVARIANT = frozenset({"cx.stack_end", "cx.sp_limit", "cx.max_depth"})


def body_name(fi: int) -> str:
    return f"wb{fi}"


def reg_name(fi: int) -> str:
    """A body's internal function for direct calls within its batch: its parameters in
    registers and its result returned (`Translator.reg_bodies`)."""
    return f"wi{fi}"


def entry_name(fi: int) -> str:
    return f"we{fi}"


# An exported table of the batch's functions, each (its address, its function index, its
# kind: FUNC_KINDS), by which a profiler's map names the linked machine code
# (`NativeModule.perf_map`): the bodies' own functions are local symbols, which the
# linker does not give out.
FUNCS_NAME = "wasmrt_funcs"
FUNC_KINDS = ("body", "registers", "entry")     # of `func_names`


def func_names(fi: int) -> tuple[str, str, str]:
    """The names a body's functions may have, in FUNC_KINDS order."""
    return body_name(fi), reg_name(fi), entry_name(fi)


def reg_export_name(fi: int) -> str:
    """The exported alias of a body's `reg_name` function, by which later batches call it
    in registers (`Translator.module`'s `linked_regs`)."""
    return f"wx{fi}"


def code_name(fi: int) -> str:
    """The global holding the address of the body's lowered cells (set when the batch is
    linked, before it runs: `NativeModule.load`), for the call records' return pcs."""
    return f"wk{fi}"


class Translator:
    """Translates a batch of bodies of one module into one LLVM module (text)."""

    def __init__(self, module: Module, layout: dict[str, int], metering: bool = False):
        self.m = module
        self.L = layout
        # bodies called directly: function index -> max_slots (this batch's, and bodies
        # of earlier batches, `linked`, whose symbols the link resolves)
        self.batch: dict[int, int] = {}
        # bodies of this batch that also have a `reg_name` function
        self.reg_bodies: set[int] = set()
        # ... and bodies of earlier batches called in registers (their `reg_export_name`)
        self.reg_linked: set[int] = set()

    def module(self, bodies: list[Body], linked: dict[int, int] | None = None,
               linked_regs: frozenset[int] = frozenset()) -> str:
        """The IR of `bodies` (each decoded): a body and an entry function per body.  Their
        calls of `linked` bodies (function index -> max_slots; machine code of an earlier
        batch) are direct calls of an external `body_name` symbol, not recompiled, or of
        its `reg_export_name` for those in `linked_regs` (in registers, as `reg_call`)."""
        linked = {fi: n for fi, n in (linked or {}).items()
                  if fi not in {b.func_index for b in bodies}}
        self.batch = {**linked, **{b.func_index: b.max_slots for b in bodies}}
        self.reg_bodies = {b.func_index for b in bodies if self.m.in_registers(b.func_index)}
        self.reg_linked = {fi for fi in linked if fi in linked_regs}
        parts = [SYMBOL_DECLS, INTRINSICS]
        parts += [f"declare i32 @{body_name(fi)}(ptr, ptr, i32)" for fi in sorted(linked)]
        for fi in sorted(self.reg_linked):
            np_, nr = self.m.func_slots(fi)
            rty = "{i32, i64}" if nr else "i32"
            parts.append(f"declare {rty} @{reg_export_name(fi)}(ptr, ptr, i32, i32"
                         + ", i64" * np_ + ")")
        for b in bodies:
            parts.append(f"@{code_name(b.func_index)} = dso_local global ptr null, align 8")
            parts.append(FuncTranslator(self, b).body())
            if b.func_index in self.reg_bodies:
                parts.append(self.reg_wrapper(b))
                parts.append(f"@{reg_export_name(b.func_index)} = alias i8, ptr "
                             f"@{reg_name(b.func_index)}")
            parts.append(self.entry(b))
        parts.append(self.function_table(bodies))
        parts.append('attributes #0 = { nounwind "frame-pointer"="none" }')
        parts.append('!0 = !{!"branch_weights", i32 1, i32 1000}')
        parts.append("!1 = !{}")
        return "\n".join(parts)

    def function_table(self, bodies: list[Body]) -> str:
        """`FUNCS_NAME`: every function of the batch (in FUNC_KINDS order per body)."""
        row = "{ ptr, i32, i32 }"
        rows = []
        for b in bodies:
            fi = b.func_index
            rows += [f"{row} {{ ptr @{n}, i32 {fi}, i32 {k} }}"
                     for k, n in enumerate(func_names(fi))
                     if FUNC_KINDS[k] != "registers" or fi in self.reg_bodies]
        return f"@{FUNCS_NAME} = constant [{len(rows)} x {row}] [{', '.join(rows)}]"

    # -- runtime struct access --
    def fld(self, f: Fn, base: str, key: str, ty: str) -> str:
        """Load field `key` of the structure at `base`.  The fields of INVARIANT do not
        change while machine code runs (`!invariant.load`): LLVM loads them once, also
        across calls, and a stack check on them is hoisted out of a loop."""
        p = f.op(f"getelementptr inbounds i8, ptr {base}, i64 {self.L[key]}")
        inv = ", !invariant.load !1" if key in INVARIANT else ""
        return f.op(f"load {ty}, ptr {p}{inv}")

    def fld_ptr(self, f: Fn, base: str, key: str) -> str:
        return f.op(f"getelementptr inbounds i8, ptr {base}, i64 {self.L[key]}")

    def reg_wrapper(self, b: Body) -> str:
        """`body_name` of a body translated as `reg_name`: its arguments from fp[], its
        result (if it returns) back to fp[0], as every caller outside the batch expects."""
        f = Fn()
        fi = b.func_index
        args = f", i32 {self.fld(f, '%cx', 'cx.depth', 'i32')}"
        for s in range(b.nparams):
            p = f.op(f"getelementptr inbounds i64, ptr %fp, i64 {s}")
            # (volatile: one load each, as the caller stored them; past six arguments,
            # the code generator merged consecutive loads into a 16- or 32-byte one to
            # pass them on the stack, which cannot take its bytes from the caller's
            # 8-byte stores still in flight, and waited for them)
            args += f", i64 {f.op(f'load volatile i64, ptr {p}')}"
        if not b.nresults:
            rc = f.op(f"call i32 @{reg_name(fi)}(ptr %fp, ptr %cx, i32 %cell{args})")
            f.emit(f"ret i32 {rc}")
        else:
            r = f.op(f"call {{i32, i64}} @{reg_name(fi)}(ptr %fp, ptr %cx, i32 %cell{args})")
            rc = f.op(f"extractvalue {{i32, i64}} {r}, 0")
            ok = f.op(f"icmp eq i32 {rc}, 0")
            f.emit(f"br i1 {ok}, label %ok, label %out")
            f.label("ok")
            f.emit(f"store i64 {f.op(f'extractvalue {{i32, i64}} {r}, 1')}, ptr %fp")
            f.emit("br label %out")
            f.label("out")
            f.emit(f"ret i32 {rc}")
        return (f"define i32 @{body_name(fi)}(ptr %fp, ptr {self.cx_param()}, i32 %cell) #0 "
                "{\n" + "\n".join(f.lines) + "\n}\n")

    def cx_param(self) -> str:
        """The body's cx parameter (dereferenceable: LLVM may load its invariant fields
        where a path would not)."""
        cx_bytes = max(off for key, off in self.L.items() if key.startswith("cx.")) + 8
        return f"dereferenceable({cx_bytes}) %cx"

    def entry(self, b: Body) -> str:
        """The handler-shaped entry: run the body from pc, then return as `ret` does."""
        f = Fn()
        L = self.L
        depth = self.fld(f, "%cx", "cx.depth", "i32")
        recs = self.fld(f, "%cx", "cx.recs", "ptr")
        d1 = f.op(f"sub i32 {depth}, 1")
        d1x = f.op(f"zext i32 {d1} to i64")
        top = f.op(f"getelementptr inbounds [{L['rec.size']} x i8], ptr {recs}, i64 {d1x}")
        func = self.fld(f, top, "rec.func", "ptr")
        code = self.fld(f, func, "func.code", "ptr")
        code0 = self.fld(f, code, "code.code", "ptr")
        pci = f.op("ptrtoint ptr %pc to i64")
        c0i = f.op(f"ptrtoint ptr {code0} to i64")
        off = f.op(f"sub i64 {pci}, {c0i}")
        cell = f.op(f"trunc i64 {f.op(f'lshr i64 {off}, 3')} to i32")
        rc = f.op(f"call i32 @{body_name(b.func_index)}(ptr %fp, ptr %cx, i32 {cell})")
        bad = f.op(f"icmp ne i32 {rc}, 0")
        f.emit(f"br i1 {bad}, label %fail, label %ok")
        f.label("fail")
        f.emit(f"ret i32 {rc}")
        f.label("ok")
        # after a side exit of an interpreted caller (`wr_side`): request attention again,
        # so that the caller's next loop header enters its machine code
        side = self.fld(f, "%cx", "cx.side_left", "i32")
        again = f.op(f"icmp ne i32 {side}, 0")
        f.emit(f"br i1 {again}, label %side, label %back, !prof !0")
        f.label("side")
        seen = f.op(f"sub i32 {f.op('load volatile i32, ptr @wasmrt_attn')}, 1")
        f.emit(f"store i32 {seen}, ptr {self.fld_ptr(f, '%cx', 'cx.attn_seen')}")
        f.emit("br label %back")
        f.label("back")
        # (the depth at entry: the body leaves cx.depth as its last runtime call set it)
        f.emit(f"store i32 {d1}, ptr {self.fld_ptr(f, '%cx', 'cx.depth')}")
        inst = self.fld(f, top, "rec.inst", "ptr")
        f.emit(f"store ptr {inst}, ptr {self.fld_ptr(f, '%cx', 'cx.inst')}")
        rp = self.fld(f, top, "rec.ret_pc", "ptr")
        rfp = self.fld(f, top, "rec.fp", "ptr")
        h = f.op(f"load ptr, ptr {rp}")
        mem = self.fld(f, inst, "inst.mem", "ptr")
        base = self.fld(f, mem, "mem.base", "ptr")
        size = self.fld(f, mem, "mem.size", "i64")
        r = f.op(f"musttail call i32 {h}(ptr {rp}, ptr {rfp}, ptr %cx, ptr {base}, i64 {size})")
        f.emit(f"ret i32 {r}")
        return (f"define i32 @{entry_name(b.func_index)}(ptr %pc, ptr %fp, ptr %cx, ptr %mem, "
                f"i64 %msize) #0 {{\n" + "\n".join(f.lines) + "\n}\n")


class FuncTranslator:
    """One body: blocks at branch targets, one emitter call per instruction."""

    def __init__(self, unit: Translator, b: Body):
        self.u = unit
        self.b = b
        self.f = Fn()
        self.L = unit.L
        self.cells = b.cells
        self.traps: dict[tuple[int, int], str] = {}
        # check_rc's exits: key -> (the slots it spills below, its sites: (rc, block, the
        # resume cell, the line of its branch))
        self.leaves: dict[str, tuple[int | None, list[tuple[str, str, int, int]]]] = {}
        self.used: set[int] = set()
        # the slots each instruction reads and writes (bitsets), recorded as it is emitted
        self.cur: int | None = None
        self.uses: dict[int, int] = {}
        self.defs: dict[int, int] = {}
        self.ea_parts: dict[str, tuple[str, int]] = {}  # an address: (zext index, offset)
        # Floats and constants (`farith`): a value that may reach a float operand in a
        # slot of `fslots` is a float result or fenced (`wr`); a float read that may see
        # a value also read as an integer or as bits that leave through memory or a
        # global is fenced too (`rd`), as an equality of those bits with a constant would
        # let LLVM replace the float by a constant in a branch.  Which ones is decided
        # when the body has been emitted (`float_flow`): the writes and float reads of
        # fslots' slots are recorded (`wr_sites`, `rd_sites`: line, instruction, slot)
        # with the slots each instruction reads as floats (`fuses`) or as bits (`buses`),
        # and those it reads after writing them (`late`: add_br's compare; float reads in
        # the low bits, bits reads above them).
        self.fslots = b.float_slots()
        self.fmask = sum(1 << s for s in self.fslots)
        self.fuses: dict[int, int] = {}
        self.buses: dict[int, int] = {}
        self.late: dict[int, int] = {}
        self.wrote = (-1, 0)        # the instruction being emitted, the slots it wrote
        self.wr_sites: list[tuple[int, int, int]] = []
        self.rd_sites: list[tuple[int, int, int]] = []
        self.flive: dict[int, int] = {}     # the slots float-live before an entry
        self.fast: dict[int, tuple[str, int]] = {}  # accesses a group's check covers (guarded)
        # translated as `reg_name`: parameters as arguments, the result returned
        self.in_regs = b.func_index in unit.reg_bodies
        self.lazy_depth = False    # (`depth_at_start`)
        self.rty = "{i32, i64}" if self.in_regs and b.nresults else "i32"
        self.live_in: dict[int, int] = {}      # the slots live before each instruction
        self.exits: list[int] = []      # the left-out blocks an edge leads to (`side_exit`)
        self.guard_exits: list[int] = []    # the check points of groups (`guarded`)
        self.live: tuple[dict[int, int], dict[int, int]] | None = None
        self.succ: tuple[dict[int, int], list[list[int]]] | None = None

    def ret(self, rc: str, result: str | None = None) -> None:
        """Return code rc (0: returned, with `result` in slot 0's form, else a trap or a
        pause).  As `reg_name`, the result is returned; as `body_name` it is in fp[0]."""
        f = self.f
        if self.rty == "i32":
            f.emit(f"ret i32 {rc}")
            return
        r = f.op(f"insertvalue {{i32, i64}} undef, i32 {rc}, 0")
        if result is not None:
            r = f.op(f"insertvalue {{i32, i64}} {r}, i64 {result}, 1")
        f.emit(f"ret {{i32, i64}} {r}")

    # -- slots --
    def rd(self, s: int, t: str = "i64", move: bool = False) -> str:
        """Slot s as a value of type t (`move`: a copy's or a frame's raw cell).  A float
        read of a slot of `fslots` is fenced where a value that is also read as bits may
        reach it (`float_flow` decides, and rewrites the line that defines it)."""
        f = self.f
        v = f.from_cell(f.op(f"load i64, ptr %s{s}"), t)
        if self.read(s, t, move) and t in ("f32", "f64"):
            if self.cur is None:
                v = fenced(f, v, t)
            else:
                self.rd_sites.append((len(f.lines) - 1, self.cur, s))
        return v

    def read(self, s: int, t: str = "i64", move: bool = False) -> bool:
        """Record that the instruction being emitted reads slot s as type t (`liveness`,
        `float_flow`); whether the read is one of a slot of `fslots`, not a move."""
        self.used.add(s)
        cur = self.cur
        if cur is not None:
            self.uses[cur] = self.uses.get(cur, 0) | 1 << s
        if move or s not in self.fslots:
            return False
        if cur is not None:
            fl = t in ("f32", "f64")
            reads = self.fuses if fl else self.buses
            reads[cur] = reads.get(cur, 0) | 1 << s
            if self.wrote[0] == cur and self.wrote[1] >> s & 1:
                self.late[cur] = self.late.get(cur, 0) | 1 << (s if fl else s + self.b.max_slots)
        return True

    def wr(self, s: int, v: str, t: str = "i64", move: bool = False) -> None:
        """Write `v` (of type t) to slot s.  Into a slot a float operation reads, a value
        that is not a float operation's result (a constant, a load, an integer result) is
        fenced where it may reach a float operand (`float_flow` decides, and rewrites the
        store), unless it is moved from another slot (`move`: that slot's writes are)."""
        f = self.f
        self.used.add(s)
        cur = self.cur
        if cur is not None:
            self.defs[cur] = self.defs.get(cur, 0) | 1 << s
        cell = f.to_cell(v, t)
        if s in self.fslots:
            if cur is None:
                if t not in ("f32", "f64") and not move:
                    cell = opaque_cell(f, cell)
            else:
                wrote = self.wrote
                self.wrote = (cur, wrote[1] | 1 << s if wrote[0] == cur else 1 << s)
                if t not in ("f32", "f64") and not move:
                    self.wr_sites.append((len(f.lines), cur, s))
        f.emit(f"store i64 {cell}, ptr %s{s}")

    def fp_slot(self, s: int) -> str:
        return self.f.op(f"getelementptr inbounds i64, ptr %fp, i64 {s}")

    def spill(self, first: int, n: int, args: bool = False) -> None:
        """Store slots to fp[]: a direct call's arguments (`args`: LLVM may inline the
        callee, which may compare their bits, so a float's is an opaque copy) or a frame
        handed over."""
        for s in range(first, first + n):
            v = self.rd(s, move=True)
            if args and s in self.fslots:
                v = int_copy(self.f, v)
            self.f.emit(f"store i64 {v}, ptr {self.fp_slot(s)}")

    def reload(self, first: int, n: int) -> None:
        for s in range(first, first + n):     # (fenced in a float operand's slot: `wr`)
            self.wr(s, self.f.op(f"load i64, ptr {self.fp_slot(s)}"))

    def reload_mem(self) -> None:
        f = self.f
        f.emit(f"store ptr {self.u.fld(f, '%memrec', 'mem.base', 'ptr')}, ptr %mbase")
        f.emit(f"store i64 {self.u.fld(f, '%memrec', 'mem.size', 'i64')}, ptr %msize")

    # -- traps --
    def trap_block(self, idx: int, code: int) -> str:
        key = (idx, code)
        if key not in self.traps:
            self.traps[key] = f"trap_{idx}_{code}"
        return self.traps[key]

    def trap_if(self, cond: str, idx: int, code: int) -> None:
        ok = self.f.fresh("ok")
        self.f.emit(f"br i1 {cond}, label %{self.trap_block(idx, code)}, label %{ok}, "
                    "!prof !0")
        self.f.label(ok)

    def check_rc(self, rc: str, idx: int, below: int | None = NO_PAUSE) -> None:
        """Leave with `rc` if nonzero (a trap whose pc is already recorded).  Where the
        guest may pause (`below` >= 0 after a call: the caller's slots under the callee's
        frame; None at an attention check: every slot), a pause first spills the slots to
        fp[] so that the interpreter can resume this activation (`leave`).  The exits are
        shared by the checks of a body (`leave_blocks`): here, one compare and branch."""
        f = self.f
        key = "ret" if below == NO_PAUSE else "pause_all" if below is None else f"pause_{below}"
        bad = f.op(f"icmp ne i32 {rc}, 0")
        self.leaves.setdefault(key, (below, []))[1].append((rc, f.block, idx, len(f.lines)))
        ok = f.fresh("rc")
        f.emit(f"br i1 {bad}, label %lv_{key}, label %{ok}, !prof !0")
        f.label(ok)

    def leave_blocks(self) -> None:
        """The exits `check_rc` branches to: a trap returns its code; a pause (or a wasm
        exception: a handler below may land in an activation the interpreter then
        continues) first spills the slots to fp[], then leaves with its code.  The
        interpreter continues the activation (`cx.resume_pc` and the call records hold
        interpreter pcs), so a paused native frame needs no C stack.  The spills form one
        chain, every slot's store once: `pause_all` spills the slots at or above the
        highest call base, then falls into the exit of that base, which spills the slots
        from the next lower base, and so on down to slot 0.

        Only slots live where the interpreter resumes are spilled (`liveness`): at the
        call's next instruction after a call (a pause below it), at the call itself (a
        yield at its attention check), at the check's cell for an attention check.  A
        site where a slot of its chain is dead stores 0 to it on its way in, so LLVM does
        not keep the slot's old value across the call for the pause's sake; the dead slot
        in fp[] then holds 0, which no resumed instruction reads before writing it (and
        which the collector's and snapshots' conservative scans take for no reference)."""
        f = self.f
        live_in, live_out = self.liveness()
        self.live_in = live_in
        self.side_exits(live_in)
        needs: dict[int, int] = {}      # the slots a site's resumption reads (bitset)
        for below, sites in self.leaves.values():
            for _, _, idx, _ in sites:
                if below != NO_PAUSE:   # (a call and its attention check share the cell)
                    needs[idx] = needs.get(idx, 0) | live_in.get(idx, -1) | (
                        live_out.get(idx, -1) if below is not None else 0)
        spilled = 0
        for need in needs.values():
            spilled |= need
        for key, (below, sites) in self.leaves.items():
            preds = []
            for rc, lab, idx, at in sites:
                dead = [s for s in sorted(self.used) if (below is None or s < (below or 0))
                        and spilled >> s & 1 and not needs.get(idx, -1) >> s & 1] \
                    if below != NO_PAUSE else []
                if dead:
                    site = f"{lab}.lv"
                    f.lines[at] = f.lines[at].replace(f"label %lv_{key},", f"label %{site},")
                    f.label(site)
                    for s in dead:
                        f.emit(f"store i64 0, ptr %s{s}")
                    f.emit(f"br label %lv_{key}")
                    lab = site
                preds.append((rc, lab))
            f.label(f"lv_{key}")
            rc = f"%lv_{key}.rc"
            f.lines.append(f"  {rc} = phi i32 " + ", ".join(f"[ {r}, %{lab} ]"
                                                             for r, lab in preds))
            if below != NO_PAUSE:
                off = f.op(f"sub i32 {rc}, {TRAP_PAUSE}")
                pause = f.op(f"icmp ult i32 {off}, {TRAP_YIELD - TRAP_PAUSE + 1}")
                thrown = f.op(f"icmp eq i32 {rc}, {TRAP_THROW}")
                side = f.op(f"icmp eq i32 {rc}, {TRAP_SIDE}")
                paused = f.op(f"or i1 {f.op(f'or i1 {pause}, {thrown}')}, {side}")
                plain = f.fresh("trapped")
                f.emit(f"br i1 {paused}, label %{key}, label %{plain}")
                f.label(plain)
            self.ret(rc)
        chain = sorted((below for below, _ in self.leaves.values() if below != NO_PAUSE),
                       key=lambda b: (b is not None, -(b or 0)))    # pause_all first
        names = ["pause_all" if below is None else f"pause_{below}" for below in chain]
        used = sorted(self.used)
        for k, below in enumerate(chain):
            key = names[k]
            f.label(key)
            ins = f"[ %lv_{key}.rc, %lv_{key} ]"
            if k > 0:
                ins += f", [ %{names[k - 1]}.rc, %{names[k - 1]} ]"
            f.lines.append(f"  %{key}.rc = phi i32 {ins}")
            lo = chain[k + 1] or 0 if k + 1 < len(chain) else 0     # (only the first is None)
            hi = (used[-1] + 1 if used else 0) if below is None else below
            for s in used:
                if lo <= s < hi and spilled >> s & 1:
                    self.spill(s, 1)
            if k + 1 < len(chain):
                f.emit(f"br label %{names[k + 1]}")
            else:
                self.ret(f"%{key}.rc")

    def side_exits(self, live_in: dict[int, int]) -> None:
        """The blocks left out (`Body.omit`) that an edge leads to, and the check points
        of groups whose check failed (`guard_exits`): each spills the slots
        live there (those machine code keeps in registers: a slot it never touched is in
        fp[] already) and leaves with TRAP_SIDE (`wr_side`: the interpreter continues the
        activation at that cell; the callers that are machine code spill and leave as for
        a pause)."""
        f = self.f
        used = sorted(self.used)
        exits: list[tuple[str, int]] = []
        wanted = set(self.exits)
        refs = {int(m) for line in f.lines if "%c" in line
                for m in _LABEL_REF.findall(line) if int(m) in wanted}
        for i in self.exits:
            if i in refs:   # (else a block left out that no edge of machine code enters)
                exits.append((f"c{i}", i))
        exits += [(f"gx{i}", i) for i in self.guard_exits]  # (a group's check failed)
        for label, i in exits:
            f.label(label)
            need = live_in.get(i, -1)
            for s in used:
                if need >> s & 1:
                    self.spill(s, 1)
            self.ret(f.op(f"call i32 @wr_side(ptr %cx, ptr %fp, i32 {i})"))

    def shadow(self, k: int, leaders: set[int]) -> int:
        """A left-out block, from instruction position k: emitted into nothing, for the
        slots its instructions read and write (`liveness`: the interpreter may run it after
        any exit or pause); returns the position of the next block."""
        kept = (self.f, self.traps, self.leaves, self.used, self.ea_parts, self.wr_sites,
                self.rd_sites)
        self.f, self.traps, self.leaves, self.used, self.ea_parts, self.wr_sites, \
            self.rd_sites = Fn(), {}, {}, set(), {}, [], []
        instrs = self.b.instrs
        n = len(instrs)
        while True:
            if k % 64 == 63:
                pause()
            self.cur = instrs[k]
            self.instr(instrs[k], instrs[k + 1] if k + 1 < n else None)
            k += 1
            if k >= n or instrs[k] in leaders:
                break
        self.cur = None
        self.f, self.traps, self.leaves, self.used, self.ea_parts, self.wr_sites, \
            self.rd_sites = kept
        return k

    def liveness(self) -> tuple[dict[int, int], dict[int, int]]:
        """The slots live before and after each instruction (bitsets: read on some path
        from there before being written), from the reads and writes its emitter made."""
        if self.live is not None:
            return self.live
        instrs = self.b.instrs
        uses = [self.uses.get(i, 0) for i in instrs]
        keep = [~self.defs.get(i, 0) for i in instrs]
        live_in, live_out = solve_backward(
            self.successors()[1], lambda k, out: uses[k] | (out & keep[k]), -1)
        self.live = (dict(zip(instrs, live_in)), dict(zip(instrs, live_out)))
        return self.live

    def successors(self) -> tuple[dict[int, int], list[list[int]]]:
        """Each instruction's position in the body, and by position the positions of its
        successors (the instructions control may go on to; -1: outside the body, where
        anything may be read)."""
        if self.succ is None:
            instrs, cells = self.b.instrs, self.cells
            pos = {i: k for k, i in enumerate(instrs)}
            succs = []
            for k, i in enumerate(instrs):
                ts = [pos.get(t, -1) for t in branch_targets(cells, i)]
                if k + 1 < len(instrs) and falls_through(cells, i):
                    ts.append(k + 1)
                succs.append(ts)
            self.succ = (pos, succs)
        return self.succ

    def float_flow(self) -> None:
        """Of the writes and float reads of `fslots`' slots the body recorded (`wr`,
        `rd`), fence those that need it, and find the slots each entry fences (`flive`).
        Flow-sensitive, over the lowered code's control flow (branches, loop back-edges,
        calls; the blocks left out count as code, which only adds paths):

        - a slot is float-live where some path from there reads its value as a float,
          or moves it (copy, copy2, copy_n, select) into a slot float-live there, before
          writing it; bits-live likewise for reads as an integer or as raw bits (a
          store, a global, a reinterpret, an address).  Backward, as `liveness`.
        - a value that is not a float operation's result is fenced where it is written
          (an instruction, or an entry's load from fp[]) if its slot is float-live there;
        - a float read is fenced if a value written where its slot was bits-live (or
          moved from one) may reach it (forward): an equality of those bits with a
          constant would let GVN put the constant in the float operation.

        Writes are definite: an instruction that writes a slot does so on every path to
        its successors (a call's results on its success path; its other paths leave).
        A read after the instruction's own write of the slot (`late`) counts as after."""
        f = self.f
        if not self.fmask:
            return
        instrs = self.b.instrs
        n = len(instrs)
        pos, succs = self.successors()
        # The float-live slots in the low bits, the bits-live ones above them.
        w = self.b.max_slots
        fm = self.fmask
        both = fm | fm << w
        fuses, buses, defs, late = self.fuses, self.buses, self.defs, self.late
        gen = [0] * n
        kill = [0] * n
        moves: list[tuple[list[tuple[int, int]], bool] | None] = [None] * n
        cells = self.cells
        for k, i in enumerate(instrs):
            gen[k] = fuses.get(i, 0) | buses.get(i, 0) << w
            if cells[i] in _MOVE_OPS:
                moves[k] = _moves(cells, i)
            else:
                d = defs.get(i, 0) & fm
                kill[k] = ~(d | d << w)

        def transfer(k: int, out: int) -> int:
            mv = moves[k]
            if mv is None:
                return gen[k] | (out & kill[k])
            v = out
            if mv[1]:         # one after the other: the last move first
                for d, src in reversed(mv[0]):
                    v = (v & ~(1 << d | 1 << d + w)) | (v >> d & 1) << src \
                        | (v >> d + w & 1) << src + w
            else:
                for d, _ in mv[0]:
                    v &= ~(1 << d | 1 << d + w)
                for d, src in mv[0]:
                    v |= (out >> d & 1) << src | (out >> d + w & 1) << src + w
            return v | gen[k]

        live_in, live_out = solve_backward(succs, transfer, both)
        # the entries: cell 0 (the parameters) and the OSR entries
        entries = {0: 0}
        for h in self.heads:
            if h in pos:
                entries[pos[h]] = 0
        for k in entries:
            self.flive[instrs[k]] = live_in[k] & fm
            entries[k] = live_in[k] >> w & fm
        if not self.rd_sites:
            self.fence_writes(live_out, pos)
            return
        # forward: the slots that may hold a value some bits read sees
        preds: list[list[int]] = [[] for _ in range(n)]
        for k, ts in enumerate(succs):
            for t in ts:
                if t >= 0:
                    preds[t].append(k)
        t_in = [0] * n
        t_out = [0] * n
        changed = True
        while changed:
            changed = False
            for k in range(n):
                v = entries.get(k, 0)
                for p in preds[k]:
                    v |= t_out[p]
                t_in[k] = v
                mv = moves[k]
                if mv is None:
                    i = instrs[k]
                    d = defs.get(i, 0) & fm
                    v = (v & ~d) | (d & (live_out[k] | late.get(i, 0)) >> w)
                elif mv[1]:
                    for d, src in mv[0]:
                        v = (v & ~(1 << d)) | (v >> src & 1) << d
                else:
                    vin = v
                    for d, _ in mv[0]:
                        v &= ~(1 << d)
                    for d, src in mv[0]:
                        v |= (vin >> src & 1) << d
                if v != t_out[k]:
                    t_out[k] = v
                    changed = True
        self.fence_writes(live_out, pos)
        lines = f.lines
        for at, i, s in self.rd_sites:
            if (t_in[pos[i]] | late.get(i, 0)) >> s & 1:
                line = lines[at]
                name, _, text = line.strip().partition(" = ")
                ty = "double" if text.endswith("double") else "float"
                lines[at] = (f"  {name}.u = {text}\n"
                             f"  {name} = call {ty} @llvm.arithmetic.fence.{ty}({ty} {name}.u)")

    def fence_writes(self, live_out: list[int], pos: dict[int, int]) -> None:
        """Fence the recorded writes (`wr_sites`) of a slot float-live after them (the
        store becomes `opaque_cell`'s)."""
        f = self.f
        lines, late = f.lines, self.late
        for at, i, s in self.wr_sites:
            if (live_out[pos[i]] | late.get(i, 0)) >> s & 1:
                line = lines[at]
                cell = line[len("  store i64 "):line.index(", ptr ")]
                a, b, c = f.tmp(), f.tmp(), f.tmp()
                lines[at] = (f"  {a} = bitcast i64 {cell} to double\n"
                             f"  {b} = call double @llvm.arithmetic.fence.double(double {a})\n"
                             f"  {c} = bitcast double {b} to i64\n"
                             f"  store i64 {c}, ptr %s{s}")

    def helper_trap(self, rc: str, idx: int) -> None:
        """A helper returned a trap code to record at `idx` (0 = none)."""
        f = self.f
        bad = f.op(f"icmp ne i32 {rc}, 0")
        lab, ok = f.fresh("htrap"), f.fresh("hk")
        f.emit(f"br i1 {bad}, label %{lab}, label %{ok}, !prof !0")
        f.label(lab)
        r = f.op(f"call i32 @wr_trap(ptr %cx, i32 {idx}, i32 {rc})")
        self.ret(r)
        f.label(ok)

    def attention(self, idx: int) -> None:
        """An attention check (Ctrl-C, tier-up ticks): trap at `idx` if it says so."""
        f = self.f
        a = f.op("load volatile i32, ptr @wasmrt_attn")
        seen = self.u.fld(f, "%cx", "cx.attn_seen", "i32")
        pend = f.op(f"icmp ne i32 {a}, {seen}")
        slow, ok = f.fresh("attn"), f.fresh("attok")
        f.emit(f"br i1 {pend}, label %{slow}, label %{ok}, !prof !0")
        f.label(slow)
        rc = f.op(f"call i32 @wr_attend(ptr %cx, ptr %fp, i32 {idx})")
        self.check_rc(rc, idx, None)
        f.emit(f"br label %{ok}")
        f.label(ok)

    def depth_at_start(self, lazy: bool) -> None:
        """The activation's depth (`%depth`: `reg_name`'s parameter, else cx.depth at
        entry) and how cx.depth follows it.  A body that makes direct calls in registers
        keeps cx.depth lazily (`self.lazy_depth`): it passes a callee its depth as an
        argument and stores its own to cx.depth only before a call of the runtime, the one
        reader (backtraces, pauses, host calls), so a call costs no store of the depth
        before and after it (fib: 2.0 -> 1.4 of wasmtime-py's time).  After a callee
        returns, cx.depth may hold a deeper depth: every caller outside that protocol
        sets it again (`direct_call`, `native_call`, `wr_call`, the entry).  Any other
        body keeps cx.depth exact all along, as the interpreter does: a lazy body's
        runtime-call stores are in cold blocks, yet they cost the register allocator
        (vm, one br_table loop and no call, 30% slower with them)."""
        f, u = self.f, self.u
        self.lazy_depth = lazy
        f.lines.append(f"  %depthp = getelementptr inbounds i8, ptr %cx, i64 {u.L['cx.depth']}")
        if not lazy:
            if self.in_regs:
                f.lines.append("  store i32 %depth, ptr %depthp")
            return
        if not self.in_regs:
            f.lines.append("  %depth = load i32, ptr %depthp")

        def store_depth() -> str:
            p = f.tmp()     # (addressed here: a pointer kept from entry costs a register)
            return (f"  {p} = getelementptr inbounds i8, ptr %cx, i64 {u.L['cx.depth']}\n"
                    f"  store i32 %depth, ptr {p}")
        f.before_runtime_call = store_depth

    def depth(self) -> str:
        """The activation's depth where a call needs it (`depth_at_start`)."""
        return "%depth" if self.lazy_depth else self.u.fld(self.f, "%cx", "cx.depth", "i32")

    # -- the function --
    def body(self) -> str:
        b, f, u = self.b, self.f, self.u
        targets: set[int] = {0}
        for i in b.instrs:
            targets.update(branch_targets(self.cells, i))
        heads = b.osr_headers()
        self.heads = heads
        self.call_checked = b.back_edges_through_calls() | b.bounded_back_edges()
        callees = [_get(self.cells, i, FIELDS[_OP_CALL]["func"]) & 0xFFFFFFFF
                   for i in b.instrs if self.cells[i] == _OP_CALL]
        direct = [c for c in callees if c in u.batch]
        self.one_direct_call = len(direct) == 1
        f.label("start")
        self.depth_at_start(any(c in u.reg_bodies or c in u.reg_linked for c in direct))
        inst = u.fld(f, "%cx", "cx.inst", "ptr")
        f.lines.append(f"  %inst = getelementptr i8, ptr {inst}, i64 0")
        memrec = u.fld(f, "%inst", "inst.mem", "ptr")
        f.lines.append(f"  %memrec = getelementptr i8, ptr {memrec}, i64 0")
        f.emit("%mbase = alloca ptr")
        f.emit("%msize = alloca i64")
        f.emit("%tmp = alloca i64")
        f.emit("%spmark = alloca i8")
        f.emit("%recat = alloca i32")
        f.emit("store i32 -1, ptr %recat")
        f.after_runtime_call = "  store i32 -1, ptr %recat"
        self.reload_mem()
        # (the cells' address: one load of a global, not a walk from the call record)
        f.lines.append(f"  %code0 = load ptr, ptr @{code_name(b.func_index)}, align 8")
        alloca_at = len(f.lines)
        cases = " ".join(f"i32 {h}, label %entry{h}" for h in heads if h != 0)
        f.emit(f"switch i32 %cell, label %bad [i32 0, label %entry0 {cases}]")
        f.label("bad")
        r = f.op(f"call i32 @wr_trap(ptr %cx, i32 0, i32 {TRAP_UNREACHABLE})")
        self.ret(r)
        entry_lines_at = len(f.lines)
        # instructions
        guards = plan_guards(b)
        leaders = set(b.leaders()) if b.omit else set()
        prev_falls = False
        k, n = 0, len(b.instrs)
        while k < n:
            i = b.instrs[k]
            if k % 64 == 63:
                pause()
            if i in b.omit:     # a block left out: its label is a side exit (`side_exits`)
                if prev_falls:
                    f.emit(f"br label %c{i}")
                self.exits.append(i)
                k, prev_falls = self.shadow(k, leaders), False
                continue
            if i in targets or not prev_falls:
                if prev_falls:
                    f.emit(f"br label %c{i}")
                f.label(f"c{i}")
            if k in guards:
                end, gs = guards[k]
                join = f.fresh("gj")
                self.guarded(k, end, gs, {}, join)
                f.label(join)
                k, prev_falls = end, True
                continue
            nxt = b.instrs[k + 1] if k + 1 < n else None
            self.cur = i
            prev_falls = self.instr(i, nxt)
            self.cur = None
            k += 1
        if prev_falls:
            f.emit(f"call i32 @wr_trap(ptr %cx, i32 0, i32 {TRAP_UNREACHABLE})")
            self.ret(str(TRAP_UNREACHABLE))
        for (idx, code_), lab in self.traps.items():
            f.label(lab)
            if code_ == TRAP_STACK_EXHAUSTED:   # (a direct call's: its callee is reported)
                callee = _get(self.cells, idx, FIELDS[self.cells[idx]]["func"])
                fr = self.func_rec(callee & 0xFFFFFFFF)
                r = f.op(f"call i32 @wr_exhausted(ptr %cx, i32 {idx}, ptr {fr})")
            else:
                r = f.op(f"call i32 @wr_trap(ptr %cx, i32 {idx}, i32 {code_})")
            self.ret(r)
        self.leave_blocks()
        self.float_flow()
        # entries: load the live-in slots (params at cell 0; at a loop header the slots
        # live there: a dead slot is written before any read, and a pause exit spills only
        # live slots or stores 0 first, `leave_blocks`)
        entries: list[str] = []
        ef = Fn()           # (the entries' own values, numbered after the body's)
        ef.n = f.n
        for h in [0] + [h for h in heads if h != 0]:
            entries.append(f"entry{h}:")
            live = self.live_in.get(h, -1) if h in heads else (1 << b.nparams) - 1
            for s in range(b.max_slots):
                if s in self.used and live >> s & 1:
                    p = f"%e{h}p{s}"
                    v = f"%e{h}v{s}"
                    if h == 0 and self.in_regs and s < b.nparams:
                        v = f"%a{s}"
                    else:
                        entries.append(f"  {p} = getelementptr inbounds i64, ptr %fp, i64 {s}")
                        entries.append(f"  {v} = load i64, ptr {p}")
                    if self.flive.get(h, 0) >> s & 1:    # (an inlined caller's constant)
                        v = opaque_cell(ef, v)
                        entries += ef.lines
                        ef.lines = []
                    entries.append(f"  store i64 {v}, ptr %s{s}")
            entries.append(f"  br label %c{h}")
        allocas = [f"  %s{s} = alloca i64" for s in sorted(self.used)]
        lines = (f.lines[:alloca_at] + allocas + f.lines[alloca_at:entry_lines_at] + entries
                 + f.lines[entry_lines_at:])
        if self.in_regs:
            params = ", i32 %depth" + "".join(f", i64 %a{s}" for s in range(b.nparams))
            name = reg_name(b.func_index)
            head = f"define internal {self.rty} @{name}"
        else:
            params = ""
            name = body_name(b.func_index)
            head = f"define i32 @{name}"
        # (a section of its own: LLVM's assembler lays out and relaxes the jumps of a
        # section again and again until they settle, in time growing faster than the
        # section; one .text of 53 bodies of zstd, 27,651 cells, took 6.5 s of code
        # generation, 3.6 s with a section per body)
        return (f'{head}(ptr %fp, ptr {u.cx_param()}, i32 %cell{params}) #0 '
                f'section ".text.{name}" {{\n' + "\n".join(lines) + "\n}\n")

    def guarded(self, k: int, end: int, guards: list[Guard], fast: dict[int, tuple[str, int]],
                join: str) -> None:
        """Emit the stretch's instructions from position k to `end`, then branch to `join`.
        At each check point, one compare per group: where it passes, the group's accesses
        are emitted unchecked (`fast`: cell -> (zero-extended root, constant)); where it
        fails, machine code leaves there for the interpreter (`guard_exits`, a side exit;
        at cell 0 a copy of the rest of the stretch checks every access itself)."""
        f = self.f
        instrs = self.b.instrs
        while k < end:
            self.cur = instrs[k]    # (the slots each instruction reads: `liveness`)
            if guards and guards[0].at == k:
                more = dict(fast)
                bad: list[str] = []
                size = f.op("load i64, ptr %msize")
                for grp, slot, cs, sh in guards[0].groups:
                    # relative to the slot's value when the accesses lie a little above it
                    # (fields, an unrolled copy), else to the lowest index (R + c0, wrapped
                    # as wasm does: `table + 4 * i` with a negative i counting up to 0 must
                    # not be checked as i + table), so that every d >= 0 and one compare
                    # suffices.  (LLVM's loop strength reduction allocates registers better
                    # with the slot itself: sha256 9% fewer instructions.)
                    c0 = cs << sh
                    rel0 = [_s32(cm - c0) for cm, _, _ in grp.members.values()]
                    if not 0 <= min(rel0) <= max(rel0) < NEAR:
                        c1 = next(iter(grp.members.values()))[0]
                        c0 = c1 + min(_s32(cm - c1) for cm, _, _ in grp.members.values())
                    zv = str(c0 & 0xFFFFFFFF)
                    if slot is not None:
                        v = self.rd(slot, "i32")
                        if sh:
                            v = f.op(f"shl i32 {v}, {sh}")
                        if _s32(c0 - (cs << sh)):
                            v = f.op(f"add i32 {v}, {_s32(c0 - (cs << sh))}")
                        zv = f.op(f"zext i32 {v} to i64")
                    rel = {i: (_s32(cm - c0), off, w) for i, (cm, off, w) in grp.members.items()}
                    hi = max(d + off + w for d, off, w in rel.values())
                    # zv + hi <= size (every d >= 0): no access wraps, none is out of bounds
                    bad.append(f.op(f"icmp sgt i64 {zv}, {f.op(f'sub i64 {size}, {hi}')}"))
                    for i, (d, off, _) in rel.items():
                        more[i] = (zv, d + off)
                while len(bad) > 1:
                    bad = [f.op(f"or i1 {bad[0]}, {bad[1]}")] + bad[2:]
                go, slow = f.fresh("gf"), f.fresh("gs")
                f.emit(f"br i1 {bad[0]}, label %{slow}, label %{go}, !prof !0")
                f.label(go)
                self.guarded(k, end, guards[1:], more, join)
                f.label(slow)
                if instrs[k] == 0:  # (cell 0's handler enters machine code: no exit there)
                    self.guarded(k, end, [], fast, join)
                else:
                    self.guard_exits.append(instrs[k])
                    f.emit(f"br label %gx{instrs[k]}")
                return
            self.fast = fast
            self.instr(instrs[k], None)
            k += 1
        self.fast = {}
        self.cur = None
        f.emit(f"br label %{join}")

    # -- one instruction; returns whether control falls through to the next --
    def instr(self, i: int, nxt: int | None) -> bool:
        op = self.cells[i]
        name = isa.NAMES[op]
        kind = isa.KIND[op]
        g = {k: _get(self.cells, i, w) for k, w in FIELDS[op].items()
             if not k.endswith("...")}
        if kind in ("unop", "binop", "binop_imm", "binop_imm64"):
            ins, outs = _effect(op)
            args = [self.rd(g["x"], ins[0])]
            if kind == "binop":
                args.append(self.rd(g["y"], ins[1]))
            elif kind == "binop_imm":
                args.append(self.imm(g["imm"], ins[0]))
            elif kind == "binop_imm64":
                args.append(self.imm64(self.cells[i + 2], ins[0]))
            v = SEM[isa.HELPER[op]](self.f, args, ins[0], None)
            if outs[0] in ("f32", "f64") and ins[0] not in ("f32", "f64"):
                v = fenced(self.f, v, outs[0])      # an integer's conversion (`wr`)
            self.wr(g["dst"], v, outs[0])
            return True
        if kind in ("trap_unop", "trap_binop"):
            ins, outs = _effect(op)
            args = [self.rd(g["x"], ins[0])]
            if kind == "trap_binop":
                args.append(self.rd(g["y"], ins[1]))
            v = SEM[isa.HELPER[op]](self.f, args, ins[0],
                                    lambda c, code: self.trap_if(c, i, code))
            self.wr(g["dst"], v, outs[0])
            return True
        if kind == "mul_addsub":
            t = isa.HELPER[op]
            x, y, z = (self.rd(g[k], t) for k in ("x", "y", "z"))
            p = farith(self.f, "fmul", t, x, y)
            form = isa.EXTRA[op]["form"]
            if form == "mul_add":
                v = farith(self.f, "fadd", t, p, z)
            elif form == "mul_sub":
                v = farith(self.f, "fsub", t, p, z)
            else:
                v = farith(self.f, "fsub", t, z, p)
            self.wr(g["dst"], v, t)
            return True
        if kind == "load":
            self.load(i, op, g)
            return True
        if kind == "store":
            self.store(i, op, g)
            return True
        if kind in ("br", "cmp_br", "cmp_br_imm", "add_br"):
            return self.branch(i, op, g, nxt)
        if name in _LANE_BIN:
            self.lanes(i, g, name)
            return True
        return bool(getattr(self, "op_" + name)(i, g, nxt))

    def imm(self, v: int, t: str) -> str:
        """A 32-bit immediate (`hi`), sign-extended, as a value of type t."""
        if t == "i32":
            return str(v)
        if t == "i64":
            return str(v)
        if t == "f32":
            return fenced(self.f, self.f.op(f"bitcast i32 {v} to float"), t)
        raise ValueError(t)

    def imm64(self, bits: int, t: str) -> str:
        s = bits - (1 << 64) if bits >> 63 else bits
        if t == "f64":
            return fenced(self.f, self.f.op(f"bitcast i64 {s} to double"), t)
        if t == "f32":
            w = bits & 0xFFFFFFFF
            return fenced(self.f, self.f.op(
                f"bitcast i32 {w - (1 << 32) if w >> 31 else w} to float"), t)
        if t == "i32":
            w = bits & 0xFFFFFFFF
            return str(w - (1 << 32) if w >> 31 else w)
        return str(s)

    # -- memory --
    def ea(self, i: int, op: int, g: dict[str, int], addr_key: str) -> str:
        f = self.f
        extra = isa.EXTRA[op]
        if extra.get("shl"):
            x = self.rd(g["x"], "i32")
            sh = _get(self.cells, i, (2, "lo")) & 31
            s = f.op(f"shl i32 {x}, {sh}")
            a = f.op(f"add i32 {s}, {g['imm']}")
            return f.op(f"zext i32 {a} to i64")
        if extra.get("base"):
            x = self.rd(g["x"], "i32")
            a = f.op(f"add i32 {x}, {g['imm']}")
            return f.op(f"zext i32 {a} to i64")
        x = self.rd(g[addr_key], "i32")
        a = f.op(f"zext i32 {x} to i64")
        k = g["offset"] & 0xFFFFFFFF
        ea = f.op(f"add nuw nsw i64 {a}, {k}")
        self.ea_parts[ea] = (a, k)
        return ea

    def checked_ptr(self, i: int, ea: str, width: int) -> str:
        f = self.f
        size = f.op("load i64, ptr %msize")
        idx, k = self.ea_parts.get(ea, (ea, 0))
        # ea + width > size as idx > size - width - k (signed: idx and k < 2^32, 0 <= size <
        # 2^63, no overflow), so that LLVM hoists size - width - k out of a loop and the
        # check is one compare of the index, the offset left to the addressing mode
        lim = f.op(f"sub i64 {size}, {width + k}")
        # (a block of its own, not trap_if's shared one: the same access is emitted again
        # in a group's checked copy, and the report names the faulting address and size)
        bad, ok = f.fresh("oob"), f.fresh("ok")
        f.emit(f"br i1 {f.op(f'icmp sgt i64 {idx}, {lim}')}, label %{bad}, label %{ok}, "
               "!prof !0")
        f.label(bad)
        ea_k = f.op(f"add i64 {idx}, {k}") if ea == idx else ea
        r = f.op(f"call i32 @wr_mem_fault(ptr %cx, i32 {i}, i64 {ea_k}, i64 {k}, i32 {width}, "
                 f"i64 {size})")
        self.ret(r)
        f.label(ok)
        base = f.op("load ptr, ptr %mbase")
        return f.op(f"getelementptr i8, ptr {base}, i64 {ea}")

    def access_ptr(self, i: int, op: int, g: dict[str, int], width: int) -> str:
        """The host address of the access at i: checked, or covered by its group's check
        (`guarded`: the zero-extended root plus a constant, no wrap possible)."""
        if i not in self.fast:
            return self.checked_ptr(i, self.ea(i, op, g, "addr"), width)
        f = self.f
        # (the interpreter reads the address's slot: after a check point's exit, it runs
        # this access, so the slot is live up to here)
        extra = isa.EXTRA[op]
        self.read(g["x"] if extra.get("shl") or extra.get("base") else g["addr"], "i32")
        zv, d = self.fast[i]
        ea = f.op(f"add nsw i64 {zv}, {d}") if d else zv
        return f.op(f"getelementptr i8, ptr {f.op('load ptr, ptr %mbase')}, i64 {ea}")

    def load(self, i: int, op: int, g: dict[str, int]) -> None:
        f = self.f
        width = int(isa.EXTRA[op]["width"])
        name = isa.EXTRA[op].get("base") or isa.NAMES[op]
        p = self.access_ptr(i, op, g, width)
        v = f.op(f"load i{8 * width}, ptr {p}, align 1")
        res = _effect(op)[1][0]
        if width == 8:
            self.wr(g["dst"], v)
            return
        rt = _ity(res)
        if width * 8 != int(rt[1:]):
            v = f.op(f"{_load_ext(name)} i{8 * width} {v} to {rt}")
        self.wr(g["dst"], f.op(f"zext {rt} {v} to i64") if rt == "i32" else v)

    def store(self, i: int, op: int, g: dict[str, int]) -> None:
        f = self.f
        width = int(isa.EXTRA[op]["width"])
        p = self.access_ptr(i, op, g, width)
        v = self.rd(g["val"])
        if width != 8:
            v = f.op(f"trunc i64 {v} to i{8 * width}")
        f.emit(f"store i{8 * width} {v}, ptr {p}, align 1")

    # -- branches --
    def branch(self, i: int, op: int, g: dict[str, int], nxt: int | None) -> bool:
        f = self.f
        kind = isa.KIND[op]
        name = isa.NAMES[op]
        target = i + g["offset"]
        back = bool(isa.EXTRA[op].get("back")) and i not in self.call_checked
        cond: str | None = None
        if kind == "br":
            base = name.removesuffix("_loop")
            if base != "br":
                t = "i64" if "i64" in base else "i32"
                v = self.rd(g["cond"], t)
                cond = f.op(f"icmp {'ne' if base.endswith('nez') else 'eq'} {LL[t]} {v}, 0")
        elif kind == "cmp_br":
            t = _effect(op)[0][0]
            cond = self.cmp(isa.HELPER[op], self.rd(g["x"], t), self.rd(g["y"], t), t)
        elif kind == "cmp_br_imm":
            t = _effect(op)[0][0]
            cond = self.cmp(isa.HELPER[op], self.rd(g["x"], t),
                            self.imm64(self.cells[i + 2], t), t)
        else:  # add_br: the slot is written first, then the condition reads it
            k = g["imm"]
            x = self.rd(g["x"], "i32")
            v = f.op(f"add i32 {x}, {k}")
            self.wr(g["dst"], v, "i32")
            base = name.removesuffix("_loop")
            if base == "br_add_nez":
                cond = f.op(f"icmp ne i32 {v}, 0")
            elif base == "br_add_eqz":
                cond = f.op(f"icmp eq i32 {v}, 0")
            elif base.endswith("_imm"):
                cond = self.cmp(isa.HELPER[op], v, str(g["c"]), "i32")
            else:
                cond = self.cmp(isa.HELPER[op], v, self.rd(g["y"], "i32"), "i32")
        dest = f"c{target}"
        if back:
            dest = f"back{i}"
        if cond is None:
            f.emit(f"br label %{dest}")
        else:
            f.emit(f"br i1 {cond}, label %{dest}, label %c{nxt}")
        if back:
            f.label(dest)
            self.attention(target)
            f.emit(f"br label %c{target}")
        return False    # a conditional branch's next instruction starts a block

    def cmp(self, helper: str, x: str, y: str, t: str) -> str:
        v = SEM[helper](self.f, [x, y], t, None)
        return self.f.op(f"icmp ne i32 {v}, 0")

    # -- manual ops (named after the ISA) --
    def op_nop(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        return True

    def op_copy(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.wr(g["dst"], self.rd(g["src"], move=True), move=True)
        return True

    def op_copy2(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.wr(g["dst0"], self.rd(g["src0"], move=True), move=True)
        self.wr(g["dst1"], self.rd(g["src1"], move=True), move=True)
        return True

    def op_copy_n(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        vals = [self.rd(g["src"] + k, move=True) for k in range(g["n"])]  # memmove: all first
        for k, v in enumerate(vals):
            self.wr(g["dst"] + k, v, move=True)
        return True

    def op_const32(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.wr(g["dst"], str(g["imm"] & 0xFFFFFFFF))
        return True

    def op_const64(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        v = self.cells[i + 2]
        self.wr(g["dst"], str(v - (1 << 64) if v >> 63 else v))
        return True

    def op_i32_add_shl(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        f = self.f
        s = f.op(f"shl i32 {self.rd(g['y'], 'i32')}, {g['shift'] & 31}")
        self.wr(g["dst"], f.op(f"add i32 {self.rd(g['x'], 'i32')}, {s}"), "i32")
        return True

    # -- v128: two slots, the low 8 bytes first --
    def rd_v(self, s: int, lanes: int) -> str:
        """The v128 in slots s, s+1 as a vector of `lanes` integer lanes."""
        f = self.f
        lo = f.op(f"insertelement <2 x i64> poison, i64 {self.rd(s)}, i32 0")
        v = f.op(f"insertelement <2 x i64> {lo}, i64 {self.rd(s + 1)}, i32 1")
        return v if lanes == 2 else f.op(f"bitcast <2 x i64> {v} to <{lanes} x i{128 // lanes}>")

    def wr_v(self, s: int, v: str, lanes: int) -> None:
        f = self.f
        if lanes != 2:
            v = f.op(f"bitcast <{lanes} x i{128 // lanes}> {v} to <2 x i64>")
        self.wr(s, f.op(f"extractelement <2 x i64> {v}, i32 0"))
        self.wr(s + 1, f.op(f"extractelement <2 x i64> {v}, i32 1"))

    def op_v128_load(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        f = self.f
        p = self.access_ptr(i, self.cells[i], g, 16)
        self.wr(g["dst"], f.op(f"load i64, ptr {p}, align 1"))
        p8 = f.op(f"getelementptr i8, ptr {p}, i64 8")
        self.wr(g["dst"] + 1, f.op(f"load i64, ptr {p8}, align 1"))
        return True

    def op_v128_store(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        f = self.f
        p = self.access_ptr(i, self.cells[i], g, 16)
        lo, hi = self.rd(g["val"]), self.rd(g["val"] + 1)
        f.emit(f"store i64 {lo}, ptr {p}, align 1")
        f.emit(f"store i64 {hi}, ptr {f.op(f'getelementptr i8, ptr {p}, i64 8')}, align 1")
        return True

    def op_v128_const(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.wr(g["dst"], str(g["lo"]))
        self.wr(g["dst"] + 1, str(g["hi"]))
        return True

    def op_i8x16_shuffle(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        lanes = ((g["lo"] & (1 << 64) - 1) | (g["hi"] & (1 << 64) - 1) << 64).to_bytes(16, "little")
        mask = ", ".join(f"i32 {b & 31}" for b in lanes)
        v = self.f.op(f"shufflevector <16 x i8> {self.rd_v(g['x'], 16)}, "
                      f"<16 x i8> {self.rd_v(g['y'], 16)}, <16 x i32> <{mask}>")
        self.wr_v(g["dst"], v, 16)
        return True

    def op_i32x4_extract_lane(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        v = self.f.op(f"extractelement <4 x i32> {self.rd_v(g['x'], 4)}, i32 {g['lane'] & 3}")
        self.wr(g["dst"], v, "i32")
        return True

    def op_i64x2_extract_lane(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.wr(g["dst"], self.rd(g["x"] + (g["lane"] & 1)))
        return True

    def lanes(self, i: int, g: dict[str, int], name: str) -> None:
        """An integer lane operation of `_LANE_BIN` (wrapping add/sub/mul, min/max)."""
        n, ir = _LANE_BIN[name]
        ty = f"<{n} x i{128 // n}>"
        x, y = self.rd_v(g["x"], n), self.rd_v(g["y"], n)
        if ir in ("smin", "umin", "smax", "umax"):
            v = self.f.op(f"call {ty} @llvm.{ir}.v{n}i{128 // n}({ty} {x}, {ty} {y})")
        else:
            v = self.f.op(f"{ir} {ty} {x}, {y}")
        self.wr_v(g["dst"], v, n)

    def op_select(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        f = self.f
        c = f.op(f"icmp ne i32 {self.rd(g['cond'], 'i32')}, 0")
        x, y = self.rd(g["x"], move=True), self.rd(g["y"], move=True)
        v = f.op(f"select i1 {c}, i64 {x}, i64 {y}")
        self.wr(g["dst"], v, move=True)
        return True

    def op_memory_size(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        # The page count with acquire, then the size again (memory.grow stores the size
        # before the count): another thread may have grown a shared memory, and an access
        # to a page this count includes must not be checked against an older size.
        f = self.f
        p = self.u.fld_ptr(f, "%memrec", "mem.pages")
        self.wr(g["dst"], f.op(f"load atomic i64, ptr {p} acquire, align 8"))
        self.reload_mem()
        return True

    def op_memory_grow(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        d = self.rd(g["delta"], "i32")
        self.wr(g["dst"], self.f.op(f"call i64 @wr_memory_grow(ptr %cx, i32 {d})"))
        self.reload_mem()
        return True

    def _helper(self, i: int, call: str) -> None:
        self.helper_trap(self.f.op(call), i)

    def op_memory_fill(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        d, v, n = (self.rd(g[k], "i32") for k in ("dst", "val", "n"))
        self._helper(i, f"call i32 @wr_memory_fill(ptr %cx, i32 {d}, i32 {v}, i32 {n})")
        return True

    def op_memory_copy(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        d, s, n = (self.rd(g[k], "i32") for k in ("dst", "src", "n"))
        self._helper(i, f"call i32 @wr_memory_copy(ptr %cx, i32 {d}, i32 {s}, i32 {n})")
        return True

    def op_memory_init(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        d, s, n = (self.rd(g[k], "i32") for k in ("dst", "src", "n"))
        self._helper(i, f"call i32 @wr_memory_init(ptr %cx, i32 {g['data']}, i32 {d}, "
                        f"i32 {s}, i32 {n})")
        return True

    def op_data_drop(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.f.emit(f"call void @wr_data_drop(ptr %cx, i32 {g['data']})")
        return True

    def op_elem_drop(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.f.emit(f"call void @wr_elem_drop(ptr %cx, i32 {g['elem']})")
        return True

    def global_ptr(self, gi: int) -> str:
        f = self.f
        arr = self.u.fld(f, "%inst", "inst.globals", "ptr")
        pp = f.op(f"getelementptr inbounds ptr, ptr {arr}, i64 {gi & 0xFFFFFFFF}")
        return f.op(f"load ptr, ptr {pp}")

    def op_global_get(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.wr(g["dst"], self.f.op(f"load i64, ptr {self.global_ptr(g['global'])}"))
        return True

    def op_global_set(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.f.emit(f"store i64 {self.rd(g['src'])}, ptr {self.global_ptr(g['global'])}")
        return True

    def op_ref_is_null(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        f = self.f
        self.wr(g["dst"], f.b2i(f.op(f"icmp eq i64 {self.rd(g['x'])}, 0")), "i32")
        return True

    def func_rec(self, fi: int) -> str:
        f = self.f
        arr = self.u.fld(f, "%inst", "inst.funcs", "ptr")
        pp = f.op(f"getelementptr inbounds ptr, ptr {arr}, i64 {fi & 0xFFFFFFFF}")
        return f.op(f"load ptr, ptr {pp}")

    def op_ref_func(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.wr(g["dst"], self.f.op(f"ptrtoint ptr {self.func_rec(g['func'])} to i64"))
        return True

    def op_table_get(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        x = self.rd(g["index"], "i32")
        self._helper(i, f"call i32 @wr_table_get(ptr %cx, i32 {g['table']}, i32 {x}, ptr %tmp)")
        self.wr(g["dst"], self.f.op("load i64, ptr %tmp"))
        return True

    def op_table_set(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        x, v = self.rd(g["index"], "i32"), self.rd(g["val"])
        self._helper(i, f"call i32 @wr_table_set(ptr %cx, i32 {g['table']}, i32 {x}, i64 {v})")
        return True

    def op_table_size(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.wr(g["dst"], self.f.op(f"call i64 @wr_table_size(ptr %cx, i32 {g['table']})"))
        return True

    def op_table_grow(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        init, n = self.rd(g["init"]), self.rd(g["n"], "i32")
        self.wr(g["dst"], self.f.op(f"call i64 @wr_table_grow(ptr %cx, i32 {g['table']}, "
                                    f"i64 {init}, i32 {n})"))
        return True

    def op_table_fill(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        d, v, n = self.rd(g["dst"], "i32"), self.rd(g["val"]), self.rd(g["n"], "i32")
        self._helper(i, f"call i32 @wr_table_fill(ptr %cx, i32 {g['table']}, i32 {d}, "
                        f"i64 {v}, i32 {n})")
        return True

    def op_table_copy(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        d, s, n = (self.rd(g[k], "i32") for k in ("dst", "src", "n"))
        self._helper(i, f"call i32 @wr_table_copy(ptr %cx, i32 {g['dst_table']}, "
                        f"i32 {g['src_table']}, i32 {d}, i32 {s}, i32 {n})")
        return True

    def op_table_init(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        d, s, n = (self.rd(g[k], "i32") for k in ("dst", "src", "n"))
        self._helper(i, f"call i32 @wr_table_init(ptr %cx, i32 {g['table']}, i32 {g['elem']}, "
                        f"i32 {d}, i32 {s}, i32 {n})")
        return True

    def op_unreachable(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.f.emit(f"br label %{self.trap_block(i, TRAP_UNREACHABLE)}")
        return False

    def op_br_table(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        f = self.f
        n = g["n"]
        x = self.rd(g["index"], "i32")
        self.attention(i)   # as h_br_table: its arms may be loop back-edges
        tg = branch_targets(self.cells, i)
        cases = " ".join(f"i32 {k}, label %c{tg[k]}" for k in range(n))
        f.emit(f"switch i32 {x}, label %c{tg[n]} [{cases}]")
        return False

    def op_zero_locals(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        for s in range(g["first"], g["first"] + g["n"]):
            self.wr(s, "0")
        return True

    def op_fuel(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        f = self.f
        bp = self.u.fld_ptr(f, "%cx", "cx.budget")
        b = f.op(f"load i64, ptr {bp}")
        out = f.op(f"icmp sle i64 {b}, 0")
        slow, ok = f.fresh("fuel"), f.fresh("fuelok")
        f.emit(f"br i1 {out}, label %{slow}, label %{ok}, !prof !0")
        f.label(slow)
        self.check_rc(f.op(f"call i32 @wr_fuel(ptr %cx, i32 {i})"), i)
        f.emit(f"br label %{ok}")
        f.label(ok)
        b = f.op(f"load i64, ptr {bp}")
        f.emit(f"store i64 {f.op(f'sub i64 {b}, 1')}, ptr {bp}")
        return True

    def op_call(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        fi = g["func"] & 0xFFFFFFFF
        base = g["base"]
        np_, nr = self.u.m.func_slots(fi)
        ret_idx = i + isa.NCELLS[self.cells[i]]
        if fi in self.u.reg_bodies or fi in self.u.reg_linked:
            return self.reg_call(i, fi, base, ret_idx, np_, nr)
        self.spill(base, np_, args=True)
        if fi in self.u.batch:      # (or linked from an earlier batch)
            rc = self.direct_call(i, fi, base, ret_idx)
        else:
            fr = self.func_rec(fi)
            rc = self.native_call(i, fr, base, ret_idx, "", "")
        self.check_rc(rc, i, base)
        self.reload(base, nr)
        self.reload_mem()
        return True

    def reg_call(self, i: int, fi: int, base: int, ret_idx: int, np_: int, nr: int) -> bool:
        """A call of a body of this batch translated as `reg_name`: the arguments go in
        registers, not through the callee's fp[] (whose entry would load them again), and
        its result comes back in a register.  The callee's frame in fp[] holds them only
        where it is handed to the interpreter: a pause exit spills the slots live there,
        parameters included; its result is in the caller's slot (an alloca), which this
        frame's own exits spill where live."""
        f = self.f
        args = []
        for s in range(base, base + np_):
            v = self.rd(s, move=True)
            if s in self.fslots:        # (as `spill`'s arguments: LLVM may inline)
                v = int_copy(f, v)
            args.append(f", i64 {v}")
        r = self.direct_call(i, fi, base, ret_idx, "".join(args))
        rc = f.op(f"extractvalue {{i32, i64}} {r}, 0") if nr else r
        self.check_rc(rc, i, base)
        if nr:
            self.wr(base, f.op(f"extractvalue {{i32, i64}} {r}, 1"))
        self.reload_mem()
        return True

    def direct_call(self, i: int, fi: int, base: int, ret_idx: int,
                    args: str | None = None) -> str:
        """A call of a body of this batch (or an earlier one): the interpreter's checks and
        call record, then a C call of its body (of its `reg_name` function with `args`:
        then the call's value, `{rc, result}` where it returns one)."""
        f, u = self.f, self.u
        depth = self.depth()
        nfp = f.op(f"getelementptr inbounds i64, ptr %fp, i64 {base}")
        self.trap_if(self.frame_unfit(depth, nfp, str(u.batch[fi])), i, TRAP_STACK_EXHAUSTED)
        self.attention(i)
        self.call_record(i, depth, fi, ret_idx)
        d1 = f.op(f"add i32 {depth}, 1")
        if args is not None:    # (only a lazy body calls in registers: `depth_at_start`)
            rty = "{i32, i64}" if self.u.m.func_slots(fi)[1] else "i32"
            name = reg_name(fi) if fi in u.reg_bodies else reg_export_name(fi)
            return f.op(f"call {rty} @{name}(ptr {nfp}, ptr %cx, i32 0, i32 {d1}{args})")
        f.emit(f"store i32 {d1}, ptr %depthp")     # (a `body_name` reads it there)
        rc = f.op(f"call i32 @{body_name(fi)}(ptr {nfp}, ptr %cx, i32 0)")
        if not self.lazy_depth:
            self.restore_depth(rc, depth)
        return rc

    def restore_depth(self, rc: str, depth: str) -> None:
        """cx.depth back to `depth` after a call that returned `rc` 0 (a callee that
        leaves keeps its own there: where the interpreter resumes)."""
        f = self.f
        ok, done = f.fresh("dc"), f.fresh("dcd")
        f.emit(f"br i1 {f.op(f'icmp eq i32 {rc}, 0')}, label %{ok}, label %{done}")
        f.label(ok)
        f.emit(f"store i32 {depth}, ptr %depthp")
        f.emit(f"br label %{done}")
        f.label(done)

    def frame_unfit(self, depth: str, nfp: str, slots: str) -> str:
        """The condition of "call stack exhausted" for a call at `depth` (cx.depth) of a
        callee of `slots` slots at `nfp`: the depth limit, the slot stack, the C stack."""
        f, u = self.f, self.u
        maxd = u.fld(f, "%cx", "cx.max_depth", "i32")
        end = f.op(f"getelementptr inbounds i64, ptr {nfp}, i64 {slots}")
        send = u.fld(f, "%cx", "cx.stack_end", "ptr")
        c1 = f.op(f"icmp uge i32 {depth}, {maxd}")
        c2 = f.op(f"icmp ugt ptr {end}, {send}")
        sp = f.op("ptrtoint ptr %spmark to i64")
        lim = u.fld(f, "%cx", "cx.sp_limit", "i64")
        c3 = f.op(f"icmp ult i64 {sp}, {lim}")
        return f.op(f"or i1 {f.op(f'or i1 {c1}, {c2}')}, {c3}")

    def put_record(self, depth: str, ret_idx: int, fr: str) -> None:
        """Write the call record at `depth` of a call of FuncRec `fr` that returns to cell
        `ret_idx`."""
        f, u, L = self.f, self.u, self.L
        recs = u.fld(f, "%cx", "cx.recs", "ptr")
        dx = f.op(f"zext i32 {depth} to i64")
        rec = f.op(f"getelementptr inbounds [{L['rec.size']} x i8], ptr {recs}, i64 {dx}")
        rp = f.op(f"getelementptr inbounds i64, ptr %code0, i64 {ret_idx}")
        f.emit(f"store ptr {rp}, ptr {u.fld_ptr(f, rec, 'rec.ret_pc')}")
        f.emit(f"store ptr %fp, ptr {u.fld_ptr(f, rec, 'rec.fp')}")
        f.emit(f"store ptr %inst, ptr {u.fld_ptr(f, rec, 'rec.inst')}")
        f.emit(f"store ptr {fr}, ptr {u.fld_ptr(f, rec, 'rec.func')}")

    def or_slow(self, cond: str, slow: str) -> None:
        """Continue at block `slow` (a call's way through the runtime) if `cond`."""
        ok = self.f.fresh("fc")
        self.f.emit(f"br i1 {cond}, label %{slow}, label %{ok}, !prof !0")
        self.f.label(ok)

    def native_call(self, i: int, fr: str, base: int, ret_idx: int, slow: str,
                    slow_call: str) -> str:
        """A call of the function at FuncRec `fr` that is not a body of this batch (one
        compiled later, an import, a call_indirect's target): where it has machine code,
        it is called as `wr_call` would, inline (its checks, call record and depth), and
        through `wr_call` (`slow_call` in block `slow`, to which the caller's own checks
        may branch too; "": this call's `wr_call`) where it has none (a host function, an
        interpreted body: tier-up counts its calls), where its frame does not fit, or
        where attention is pending (a yield resumes at this call).  Returns the rc."""
        f, u = self.f, self.u
        if not slow:
            slow = f.fresh("cs")
            slow_call = (f"call i32 @wr_call(ptr %cx, ptr %fp, ptr {fr}, i32 {base}, "
                         f"i32 {i}, i32 {ret_idx})")
        fast, good, done = f.fresh("cf"), f.fresh("cfok"), f.fresh("cfd")
        code = u.fld(f, fr, "func.code", "ptr")
        self.or_slow(f.op(f"icmp eq ptr {code}, null"), slow)
        np_ = u.fld_ptr(f, code, "code.native")    # (published by native_install)
        nc = f.op(f"load atomic ptr, ptr {np_} acquire, align 8")
        self.or_slow(f.op(f"icmp eq ptr {nc}, null"), slow)
        body = u.fld(f, nc, "native.body", "ptr")
        depth = self.depth()
        nfp = f.op(f"getelementptr inbounds i64, ptr %fp, i64 {base}")
        ms = f.op(f"zext i32 {u.fld(f, code, 'code.max_slots', 'i32')} to i64")
        a = f.op("load volatile i32, ptr @wasmrt_attn")
        seen = u.fld(f, "%cx", "cx.attn_seen", "i32")
        bad = f.op(f"or i1 {self.frame_unfit(depth, nfp, ms)}, {f.op(f'icmp ne i32 {a}, {seen}')}")
        f.emit(f"br i1 {bad}, label %{slow}, label %{fast}, !prof !0")
        f.label(fast)
        self.put_record(depth, ret_idx, fr)
        f.emit("store i32 -1, ptr %recat")     # (the record no longer holds a direct call's)
        ip = u.fld_ptr(f, "%cx", "cx.inst")
        f.emit(f"store ptr {u.fld(f, fr, 'func.inst', 'ptr')}, ptr {ip}")
        f.emit(f"store i32 {f.op(f'add i32 {depth}, 1')}, ptr %depthp")
        rc1 = f.op(f"call i32 {body}(ptr {nfp}, ptr %cx, i32 0)")
        f.emit(f"br i1 {f.op(f'icmp eq i32 {rc1}, 0')}, label %{good}, label %{done}")
        f.label(good)
        if not self.lazy_depth:
            f.emit(f"store i32 {depth}, ptr %depthp")
        f.emit(f"store ptr %inst, ptr {ip}")
        f.emit(f"br label %{done}")
        f.label(slow)
        rc2 = f.op(slow_call)
        f.emit(f"br label %{done}")
        f.label(done)
        return f.op(f"phi i32 [{rc1}, %{fast}], [0, %{good}], [{rc2}, %{slow}]")

    def call_record(self, i: int, depth: str, fi: int, ret_idx: int) -> None:
        """Push the call record of the direct call at cell i (at `depth`), unless the
        record there already holds it: `%recat` is the cell of the call whose record this
        activation last wrote there, -1 at an entry and after any call of the runtime
        (`Fn.after_runtime_call`: a host function or an attention callback may enter the
        Store again and write records from this depth).  A callee runs one level deeper
        and leaves this record as it was, so a loop around one call writes it once.
        Only in a body with one direct call: where several alternate (quicksort's two
        recursive calls, one per iteration, chosen by the data), the test is a branch
        the processor mispredicts and saves no store (CPU 3-10% slower)."""
        f = self.f
        put, done = f.fresh("rec"), f.fresh("recd")
        if self.one_direct_call:
            at = f.op("load i32, ptr %recat")
            hit = f.op(f"icmp eq i32 {at}, {i}")
            f.emit(f"br i1 {hit}, label %{done}, label %{put}")
        else:
            f.emit(f"br label %{put}")
        f.label(put)
        self.put_record(depth, ret_idx, self.func_rec(fi))
        f.emit(f"store i32 {i}, ptr %recat")
        f.emit(f"br label %{done}")
        f.label(done)

    def op_call_indirect(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        t = g["type"] & 0xFFFFFFFF
        base = g["base"]
        np_, nr = self.u.m.type_slots(t)
        x = self.rd(g["index"], "i32")
        self.spill(base, np_)
        # The table index too: it lies in the callee's frame (above `base`, which a pause
        # exit does not spill), and a yield at the call's attention check (`wr_call`)
        # resumes the interpreter at this call_indirect, which reads it from fp[] again.
        self.spill(g["index"], 1)
        ret_idx = i + isa.NCELLS[self.cells[i]]
        f, u = self.f, self.u
        slow = f.fresh("cis")
        tables = u.fld(f, "%inst", "inst.tables", "ptr")
        tp = f.op(f"getelementptr inbounds ptr, ptr {tables}, i64 {g['table']}")
        tab = f.op(f"load ptr, ptr {tp}")
        size = u.fld(f, tab, "table.size", "i32")
        self.or_slow(f.op(f"icmp uge i32 {x}, {size}"), slow)
        elems = u.fld(f, tab, "table.elems", "ptr")
        ep = f.op(f"getelementptr inbounds i64, ptr {elems}, i64 {f.op(f'zext i32 {x} to i64')}")
        fr = f.op(f"load ptr, ptr {ep}")
        self.or_slow(f.op(f"icmp eq ptr {fr}, null"), slow)
        ids = u.fld(f, "%inst", "inst.type_ids", "ptr")
        want = f.op(f"load i32, ptr {f.op(f'getelementptr inbounds i32, ptr {ids}, i64 {t}')}")
        have = u.fld(f, fr, "func.type_id", "i32")
        self.or_slow(f.op(f"icmp ne i32 {have}, {want}"), slow)
        rc = self.native_call(i, fr, base, ret_idx, slow,
                              f"call i32 @wr_call_indirect(ptr %cx, ptr %fp, i32 {g['table']}, "
                              f"i32 {x}, i32 {t}, i32 {base}, i32 {i}, i32 {ret_idx})")
        self.check_rc(rc, i, base)
        self.reload(base, nr)
        self.reload_mem()
        return True

    def op_ret(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.ret_values([self.rd(s, move=True) for s in range(self.b.nresults)])
        return False

    def op_ret_slot(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.ret_values([self.rd(g["src"], move=True)])
        return False

    def op_ret_n(self, i: int, g: dict[str, int], nxt: int | None) -> bool:
        self.ret_values([self.rd(g["src"] + k, move=True) for k in range(g["n"])])
        return False

    def ret_values(self, vals: list[str]) -> None:
        """Return the results: in fp[0..), or as `reg_name` the one result returned."""
        if self.in_regs and vals:
            self.ret("0", vals[0])
            return
        for k, v in enumerate(vals):
            self.f.emit(f"store i64 {v}, ptr {self.fp_slot(k)}")
        self.ret("0")
