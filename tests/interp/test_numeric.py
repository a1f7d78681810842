"""Numeric handlers, bit-exact against wasmtime-py (the oracle) on edge-case operands.

Floats travel as bit patterns: the oracle module reinterprets integer parameters to floats
and back, so NaN payloads and signed zeros are compared exactly.
"""

from __future__ import annotations

import itertools
import struct

import pytest
from isa import CONV, FLT_BIN, FLT_CMP, FLT_UN, IMM_OPS, INT_BIN, INT_CMP, INT_DIV, INT_UN

from .conftest import F32, F64, I32, I64, Rig

wasmtime = pytest.importorskip("wasmtime", reason="wasmtime-py is the numeric oracle")

VT = {"i32": I32, "i64": I64, "f32": F32, "f64": F64}
BITS_T = {"i32": "i32", "i64": "i64", "f32": "i32", "f64": "i64"}

I32_VALS = [0, 1, 2, 3, 7, 31, 32, 33, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF,
            0xFFFFFFFE, 0x12345678, 0xDEADBEEF, 0x10000]
I64_VALS = [0, 1, 2, 63, 64, 65, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFF,
            0x8000000000000001, 0x123456789ABCDEF0, 0xFFFFFFFF, 0x100000000, 0xFFFFFFFF80000000]


def f32b(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64b(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


F32_VALS = [f32b(v) for v in (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.7, -3.7,
                               float("inf"), float("-inf"), 2147483520.0, 2147483648.0,
                               -2147483648.0, -2147483904.0, 4294967040.0, 4294967296.0,
                               9.2233715e18, 1.8446743e19, 1e-45, 3.4e38, -0.9)]
F32_VALS += [0x7FC00000, 0xFFC00000, 0x7FA00000, 0x7F800001, 0xFFFFFFFF]
F64_VALS = [f64b(v) for v in (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.7, -3.7,
                               float("inf"), float("-inf"), 2147483647.0, 2147483647.9,
                               2147483648.0, -2147483648.0, -2147483648.9, -2147483649.0,
                               4294967295.0, 4294967296.0, -0.99, 9223372036854774784.0,
                               9223372036854775808.0, -9223372036854775808.0,
                               18446744073709549568.0, 18446744073709551616.0, 5e-324, 1e308,
                               0.49999999999999994, 4503599627370497.0)]
F64_VALS += [0x7FF8000000000000, 0xFFF8000000000000, 0x7FF4000000000000, 0x7FF0000000000001]
VALS = {"i32": I32_VALS, "i64": I64_VALS, "f32": F32_VALS, "f64": F64_VALS}


def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _cases() -> list[tuple[str, str, tuple[str, ...], str]]:
    """(ir op, wasm op, param types, result type) for every numeric op."""
    out = []
    for t in ("i32", "i64"):
        out += [(f"{t}_{n}", f"{t}.{n}", (t,), "i32" if n == "eqz" else t) for n in INT_UN]
        out += [(f"{t}_{n}", f"{t}.{n}", (t, t), t) for n in INT_BIN + INT_DIV]
        out += [(f"{t}_{n}", f"{t}.{n}", (t, t), "i32") for n in INT_CMP]
    for t in ("f32", "f64"):
        out += [(f"{t}_{n}", f"{t}.{n}", (t,), t) for n in FLT_UN]
        out += [(f"{t}_{n}", f"{t}.{n}", (t, t), t) for n in FLT_BIN]
        out += [(f"{t}_{n}", f"{t}.{n}", (t, t), "i32") for n in FLT_CMP]
    out += [(name, name.replace("_", ".", 1), (src,), dst) for name, src, dst, _ in CONV]
    return out


CASES = _cases()


def _oracle_wat() -> str:
    funcs = []
    for name, wasm, params, res in CASES:
        ps = " ".join(f"(param {BITS_T[p]})" for p in params)
        body = []
        for i, p in enumerate(params):
            body.append(f"local.get {i}")
            if p in ("f32", "f64"):
                body.append(f"{p}.reinterpret_{BITS_T[p]}")
        body.append(wasm)
        if res in ("f32", "f64"):
            body.append(f"{BITS_T[res]}.reinterpret_{res}")
        funcs.append(f'(func (export "{name}") {ps} (result {BITS_T[res]}) {" ".join(body)})')
    return "(module " + "\n".join(funcs) + ")"


@pytest.fixture(scope="module")
def oracle():
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module(engine, _oracle_wat())
    inst = wasmtime.Instance(store, module, [])
    exports = inst.exports(store)

    def call(name: str, args: list[int], params: tuple[str, ...]):
        conv = [_signed(a, 32 if BITS_T[p] == "i32" else 64) for a, p in zip(args, params)]
        try:
            return exports[name](store, *conv)
        except wasmtime.Trap as e:
            return ("trap", str(e))
    return call


def _ours(rig: Rig, name: str, params: tuple[str, ...], res: str):
    prog = [(name, {"dst": len(params), "x": 0, "y": 1}), ("ret_slot", {"src": len(params)})]
    # pass every operand as raw bits through an integer-typed parameter of the same width
    return rig.func(0, prog, [VT[BITS_T[p]] for p in params], [VT[BITS_T[res]]])


TRAP_WORDS = ["integer divide by zero", "integer overflow", "invalid conversion to integer"]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_numeric_op_matches_oracle(oracle, case) -> None:
    from wasmrt.errors import Trap

    name, _wasm, params, res = case
    rig = Rig()
    f = _ours(rig, name, params, res)
    for args in itertools.product(*(VALS[p] for p in params)):
        conv = [_signed(a, 32 if BITS_T[p] == "i32" else 64) for a, p in zip(args, params)]
        want = oracle(name, list(args), params)
        try:
            got = f(*conv)
        except Trap as e:
            got = ("trap", e.message)
        if isinstance(want, tuple):
            assert isinstance(got, tuple), (name, args, want, got)
            assert any(w in want[1] for w in TRAP_WORDS if w == got[1]), (name, args, want, got)
        elif got != want and res in ("f32", "f64") and _nan_kind(want, res) is not None:
            # which operand's NaN propagates is not specified: the spec asks for a canonical
            # NaN when no operand is a non-canonical NaN, else any quiet (arithmetic) NaN
            kinds = {_nan_kind(a, p) for a, p in zip(args, params) if p in ("f32", "f64")}
            need = {"canonical"} if kinds <= {None, "canonical"} else {"canonical", "arithmetic"}
            assert _nan_kind(got, res) in need, (name, args, got, want)
        else:
            assert got == want, (name, [hex(a) for a in args], got, want)


def _nan_kind(bits: int, t: str) -> str | None:
    """None for a non-NaN; "canonical" or "arithmetic" (quiet) or "signalling" for NaNs."""
    if t == "f32":
        bits &= 0xFFFFFFFF
        exp, frac, quiet = (bits >> 23) & 0xFF, bits & 0x7FFFFF, 0x400000
        full = 0xFF
    else:
        bits &= 0xFFFFFFFFFFFFFFFF
        exp, frac, quiet = (bits >> 52) & 0x7FF, bits & 0xFFFFFFFFFFFFF, 1 << 51
        full = 0x7FF
    if exp != full or frac == 0:
        return None
    if frac == quiet:
        return "canonical"
    return "arithmetic" if frac & quiet else "signalling"


@pytest.mark.parametrize("n", IMM_OPS)
@pytest.mark.parametrize("t", ["i32", "i64"])
def test_imm_variant_equals_register_form(n: str, t: str) -> None:
    rig = Rig()
    vt = VT[t]
    reg = rig.func(0, [(f"{t}_{n}", {"dst": 2, "x": 0, "y": 1}), ("ret_slot", {"src": 2})], [vt, vt],
                   [I32 if n in INT_CMP else vt])
    bits = 32 if t == "i32" else 64
    for imm in (0, 1, 5, 31, 63, -1, -7, 0x7FFFFFFF, -0x80000000):
        imm_f = rig.func(1, [(f"{t}_{n}_imm", {"dst": 1, "x": 0, "imm": imm}), ("ret_slot", {"src": 1})],
                         [vt], [I32 if n in INT_CMP else vt])
        for x in VALS[t]:
            xs = _signed(x, bits)
            assert imm_f(xs) == reg(xs, _signed(imm, bits)), (n, x, imm)
