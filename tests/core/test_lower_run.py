"""Lowered code runs: every optimisation of the lowerer (immediate forms, operand swaps,
local.set/tee retargeting and preserve-copies, fused compare+branch, label copies,
br_table trampolines, call spans, memory offsets, dead code) is executed on wasmrt and
compared with wasmtime-py (the oracle; these tests skip without it)."""

from __future__ import annotations

import math
import random
import struct
from typing import Any

import pytest

INT_BIN = ["add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor",
           "shl", "shr_s", "shr_u", "rotl", "rotr"]
INT_CMP = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"]
I32_EDGE = [0, 1, -1, 2, 7, 31, 32, 33, -2**31, 2**31 - 1, 0x12345678, -0x1234567]
I64_EDGE = I32_EDGE + [63, 64, -2**63, 2**63 - 1, 2**32, -2**32 - 5, 0x123456789ABCDEF]


class Pair:
    """One module instantiated on wasmrt and on wasmtime-py, called side by side."""

    def __init__(self, wasmrt: Any, wasmtime: Any, text: str):
        self.rt = self._inst(wasmrt, text)
        self.wt = self._inst(wasmtime, text)

    @staticmethod
    def _inst(api: Any, text: str) -> tuple[Any, Any, Any]:
        engine = api.Engine()
        store = api.Store(engine)
        module = api.Module(engine, text)
        return api, store, api.Instance(store, module, []).exports(store)

    @staticmethod
    def _call(side: tuple[Any, Any, Any], name: str, args: tuple) -> Any:
        api, store, exports = side
        try:
            return ("ok", _norm(exports[name](store, *args)))
        except (api.Trap, api.WasmtimeError) as exc:  # compare the kind, not the class
            return ("trap", _trap_words(str(exc) or type(exc).__name__))

    def check(self, name: str, *args: Any) -> None:
        want = self._call(self.wt, name, args)
        got = self._call(self.rt, name, args)
        assert got == want, f"{name}{args}: wasmrt {got} != wasmtime {want}"


# Trap kinds by the words of either runtime's message (wasmrt uses the spec's wording,
# wasmtime its own for some: "out of bounds table access" for "undefined element").
_TRAP_KINDS = [("divide by zero", "div0"), ("integer overflow", "overflow"),
               ("out of bounds memory", "memory"), ("unreachable", "unreachable"),
               ("out of bounds table", "table"), ("undefined element", "table"),
               ("uninitialized element", "null"), ("null", "null"),
               ("indirect call type mismatch", "signature"), ("call stack", "stack")]


def _trap_words(msg: str) -> str:
    low = msg.lower()
    for words, kind in _TRAP_KINDS:
        if words in low:
            return kind
    return msg.splitlines()[0]


def _norm(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return tuple(_norm(x) for x in v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else struct.pack("<d", v)
    return v


@pytest.fixture(scope="module")
def apis(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    wasmtime = pytest.importorskip("wasmtime", reason="wasmtime-py (the oracle) is not installed")
    wasmrt = request.getfixturevalue("runnable_wasmrt")
    return wasmrt, wasmtime


def pair(apis: tuple[Any, Any], text: str) -> Pair:
    return Pair(apis[0], apis[1], text)


def _sample(edge: list[int], bits: int, n: int = 12, seed: int = 1) -> list[int]:
    rnd = random.Random(seed)
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return edge + [rnd.randint(lo, hi) for _ in range(n)]


# -- immediate forms and operand swaps ----------------------------------------------------


@pytest.mark.parametrize("t", ["i32", "i64"])
def test_binops_with_constants(apis: tuple[Any, Any], t: str) -> None:
    edge = I32_EDGE if t == "i32" else I64_EDGE
    consts = [0, 1, -1, 5, 31, -2**31] + ([2**40, -2**33] if t == "i64" else [])
    funcs = []
    for op in INT_BIN + INT_CMP:
        res = "i32" if op in INT_CMP else t
        funcs.append(f'(func (export "{op}") (param {t} {t}) (result {res})'
                     f" local.get 0 local.get 1 {t}.{op})")
        for j, k in enumerate(consts):
            funcs.append(f'(func (export "{op}_r{j}") (param {t}) (result {res})'
                         f" local.get 0 {t}.const {k} {t}.{op})")
            funcs.append(f'(func (export "{op}_l{j}") (param {t}) (result {res})'
                         f" {t}.const {k} local.get 0 {t}.{op})")
    p = pair(apis, "(module " + "\n".join(funcs) + ")")
    xs = _sample(edge, 32 if t == "i32" else 64)
    for op in INT_BIN + INT_CMP:
        for x in xs:
            for y in edge[:8]:
                p.check(op, x, y)
            for j in range(len(consts)):
                p.check(f"{op}_r{j}", x)
                p.check(f"{op}_l{j}", x)


def test_both_operands_constant(apis: tuple[Any, Any]) -> None:
    p = pair(apis, """(module
      (func (export "a") (result i32) i32.const 7 i32.const -3 i32.sub)
      (func (export "b") (result i64) i64.const 5 i64.const 0x100000000 i64.mul)
      (func (export "c") (result i32) i32.const 1 i32.const 0 i32.div_u)
      (func (export "d") (result f64) f64.const 1.5 f64.const -2 f64.mul))""")
    for name in "abcd":
        p.check(name)


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_float_ops_with_constants(apis: tuple[Any, Any], t: str) -> None:
    consts = ["0", "-0", "1.5", "-2", "inf", "-inf", "nan", "0x1p-149", "3.4e38"]
    ops = ["add", "sub", "mul", "div", "min", "max", "copysign"]
    cmps = ["eq", "ne", "lt", "gt", "le", "ge"]
    funcs = []
    for j, k in enumerate(consts):
        for op in ops:
            funcs.append(f'(func (export "{op}_r{j}") (param {t}) (result {t})'
                         f" local.get 0 {t}.const {k} {t}.{op})")
            funcs.append(f'(func (export "{op}_l{j}") (param {t}) (result {t})'
                         f" {t}.const {k} local.get 0 {t}.{op})")
        for op in cmps:
            funcs.append(f'(func (export "br_{op}_{j}") (param {t}) (result i32)'
                         f" block (result i32) i32.const 1 local.get 0 {t}.const {k} {t}.{op}"
                         f" br_if 0 drop i32.const 0 end)")
            funcs.append(f'(func (export "if_{op}_{j}") (param {t}) (result i32)'
                         f" {t}.const {k} local.get 0 {t}.{op} if (result i32) i32.const 1"
                         f" else i32.const 0 end)")
    for op in cmps:
        funcs.append(f'(func (export "br_{op}") (param {t} {t}) (result i32)'
                     f" block (result i32) i32.const 1 local.get 0 local.get 1 {t}.{op}"
                     f" br_if 0 drop i32.const 0 end)")
    p = pair(apis, "(module " + "\n".join(funcs) + ")")
    xs = [0.0, -0.0, 1.5, -2.0, 3.0, float("inf"), float("-inf"), float("nan"), 1e-45]
    for j in range(len(consts)):
        for x in xs:
            for op in ops:
                p.check(f"{op}_r{j}", x)
                p.check(f"{op}_l{j}", x)
            for op in cmps:
                p.check(f"br_{op}_{j}", x)
                p.check(f"if_{op}_{j}", x)
    for op in cmps:
        for x in xs:
            for y in xs:
                p.check(f"br_{op}", x, y)


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_float_multiply_then_add_or_sub(apis: tuple[Any, Any], t: str) -> None:
    """mul feeding add/sub fuses into one op (f64_mul_add, f64_sub_mul, f64_mul_sub) that
    still rounds the product first: the inputs include ones where a fused multiply-add
    would round differently, and NaN payloads/infinities/signed zeros."""
    p = pair(apis, f"""(module
      (func (export "mul_add") (param {t} {t} {t}) (result {t})
        local.get 0 local.get 1 {t}.mul local.get 2 {t}.add)
      (func (export "add_mul") (param {t} {t} {t}) (result {t})
        local.get 2 local.get 0 local.get 1 {t}.mul {t}.add)
      (func (export "mul_sub") (param {t} {t} {t}) (result {t})
        local.get 0 local.get 1 {t}.mul local.get 2 {t}.sub)
      (func (export "sub_mul") (param {t} {t} {t}) (result {t})
        local.get 2 local.get 0 local.get 1 {t}.mul {t}.sub)
      (func (export "chain") (param {t} {t} {t}) (result {t})
        local.get 2 local.get 0 local.get 1 {t}.mul {t}.sub local.get 0 {t}.mul
        local.get 1 {t}.add))""")
    eps = 2.0**-12 if t == "f32" else 2.0**-27
    vals = [0.0, -0.0, 1.0, -1.0, 1 + eps, 1 - eps, 3.0, float("inf"), float("-inf"),
            float("nan"), 1e-300, -2.5]
    for name in ("mul_add", "add_mul", "mul_sub", "sub_mul", "chain"):
        for a in vals:
            for b in (1 + eps, 1 - eps, -0.0, float("inf"), 2.0, float("nan")):
                for c in (-1.0, 1.0, 0.0, -0.0, float("-inf"), float("nan")):
                    p.check(name, a, b, c)


# -- compare + branch fusion -------------------------------------------------------------


def test_counters_fused_with_their_branches(apis: tuple[Any, Any]) -> None:
    """br_add_*: the add, the slot write and the branch in one op; counts wrap at 2**32,
    the compared slot may be the one written, and the loop/forward forms agree."""
    cmps = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"]
    funcs = []
    for c in cmps:
        # counts iterations of x += k until the compare with the bound fails (at most 40)
        funcs.append(f"""(func (export "imm_{c}") (param i32 i32) (result i32) (local i32)
          (block $done (loop $l
            (local.set 2 (i32.add (local.get 2) (i32.const 1)))
            (br_if $done (i32.eq (local.get 2) (i32.const 40)))
            (br_if $l (i32.{c} (local.tee 0 (i32.add (local.get 0) (local.get 1)))
                               (i32.const 7)))))
          (i32.add (i32.mul (local.get 2) (i32.const 1000)) (local.get 0)))""")
        funcs.append(f"""(func (export "reg_{c}") (param i32 i32 i32) (result i32) (local i32)
          (block $done (loop $l
            (local.set 3 (i32.add (local.get 3) (i32.const 1)))
            (br_if $done (i32.eq (local.get 3) (i32.const 40)))
            (br_if $l (i32.{c} (local.get 2) (local.tee 0 (i32.add (local.get 0)
                                                                    (i32.const 3)))))))
          (i32.add (i32.mul (local.get 3) (i32.const 1000)) (local.get 0)))""")
        funcs.append(f"""(func (export "if_{c}") (param i32) (result i32)
          (if (result i32) (i32.{c} (local.tee 0 (i32.add (local.get 0) (i32.const -5)))
                                    (local.get 0))
            (then (i32.const 1)) (else (i32.const 2))))""")
    funcs.append("""(func (export "nez") (param i32) (result i32) (local i32)
      (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br_if $l (local.tee 0 (i32.add (local.get 0) (i32.const -1)))))
      (local.get 1))""")
    p = pair(apis, "(module " + "\n".join(funcs) + ")")
    for c in cmps:
        for x0, k in ((0, 1), (5, 2), (-3, 1), (2**31 - 2, 1), (-1, 1), (6, -1), (100, 7)):
            p.check(f"imm_{c}", x0, k)
        for x0, y in ((0, 10), (-9, 0), (2**31 - 4, 2**31 - 1), (-2, 1), (7, 7)):
            p.check(f"reg_{c}", x0, 0, y)
        for x0 in (0, 5, -2**31 + 2, 2**31 - 1):
            p.check(f"if_{c}", x0)
    for n in (1, 2, 17, 0):
        p.check("nez", n)



@pytest.mark.parametrize("t", ["i32", "i64"])
def test_compare_fused_with_br_if_and_if(apis: tuple[Any, Any], t: str) -> None:
    funcs = []
    for op in INT_CMP:
        funcs.append(f'(func (export "br_{op}") (param {t} {t}) (result i32)'
                     f" block (result i32) i32.const 1 local.get 0 local.get 1 {t}.{op} br_if 0"
                     f" drop i32.const 0 end)")
        funcs.append(f'(func (export "brk_{op}") (param {t}) (result i32)'
                     f" block (result i32) i32.const 1 local.get 0 {t}.const -5 {t}.{op} br_if 0"
                     f" drop i32.const 0 end)")
        funcs.append(f'(func (export "if_{op}") (param {t} {t}) (result i32)'
                     f" local.get 0 local.get 1 {t}.{op} if (result i32) i32.const 10"
                     f" else i32.const 20 end)")
        funcs.append(f'(func (export "ifk_{op}") (param {t}) (result i32)'
                     f" i32.const 9 {t}.const 3 local.get 0 {t}.{op} if"
                     f" (param i32) (result i32) i32.const 100 i32.add end)")
    funcs.append(f'(func (export "eqz_br") (param {t}) (result i32)'
                 f" block local.get 0 {t}.eqz br_if 0 i32.const 1 return end i32.const 2)")
    funcs.append(f'(func (export "eqz_if") (param {t}) (result i32)'
                 f" local.get 0 {t}.eqz if (result i32) i32.const 1 else i32.const 2 end)")
    funcs.append(f'(func (export "eqz_eqz") (param {t}) (result i32)'
                 f" local.get 0 {t}.eqz i32.eqz if (result i32) i32.const 1 else i32.const 2 end)")
    p = pair(apis, "(module " + "\n".join(funcs) + ")")
    vals = [-6, -5, -4, 0, 2, 3, 4, -1, 2**31 - 1]
    for op in INT_CMP:
        for x in vals:
            p.check(f"brk_{op}", x)
            p.check(f"ifk_{op}", x)
            for y in vals[:6]:
                p.check(f"br_{op}", x, y)
                p.check(f"if_{op}", x, y)
    for x in vals:
        p.check("eqz_br", x)
        p.check("eqz_if", x)
        p.check("eqz_eqz", x)


def test_loops_with_fused_back_edges(apis: tuple[Any, Any]) -> None:
    p = pair(apis, """(module
      (func (export "count") (param i32) (result i32) (local i32)
        loop
          local.get 1 i32.const 3 i32.add local.set 1
          local.get 0 i32.const 1 i32.sub local.tee 0
          i32.const 0 i32.gt_s br_if 0
        end
        local.get 1)
      (func (export "fac") (param i64) (result i64) (local i64)
        i64.const 1 local.set 1
        block loop
          local.get 0 i64.eqz br_if 1
          local.get 1 local.get 0 i64.mul local.set 1
          local.get 0 i64.const 1 i64.sub local.set 0
          br 0 end end
        local.get 1)
      (func (export "sum_to") (param i32) (result i32)
        i32.const 0
        loop (param i32) (result i32)
          local.get 0 i32.add
          local.get 0 i32.const 1 i32.sub local.tee 0
          br_if 0
        end))""")
    for n in (1, 2, 10, 1000):
        p.check("count", n)
        p.check("sum_to", n)
    for n in (0, 1, 5, 20, 25):
        p.check("fac", n)


# -- local.set / local.tee ---------------------------------------------------------------


def test_local_set_and_tee(apis: tuple[Any, Any]) -> None:
    p = pair(apis, """(module
      (func (export "swap") (param i32 i32) (result i32 i32)
        (local i32)
        local.get 0 local.set 2 local.get 1 local.set 0 local.get 2 local.set 1
        local.get 0 local.get 1)
      (func (export "pending") (param i32) (result i32)
        local.get 0
        local.get 0 i32.const 1 i32.add local.set 0
        local.get 0 i32.const 10 i32.mul i32.add)
      (func (export "pending_tee") (param i32) (result i32)
        local.get 0 local.get 0 local.get 0 i32.const 5 i32.mul local.tee 0 i32.add
        local.get 0 i32.sub i32.sub)
      (func (export "self") (param i32) (result i32)
        local.get 0 local.set 0 local.get 0 local.tee 0 local.get 0 i32.add)
      (func (export "across_block") (param i32) (result i32)
        local.get 0
        block local.get 0 i32.eqz br_if 0 i32.const 100 local.set 0 end
        local.get 0 i32.sub)
      (func (export "across_loop") (param i32) (result i32) (local i32)
        local.get 0
        loop
          local.get 0 i32.const 1 i32.add local.set 0
          local.get 1 i32.const 1 i32.add local.tee 1 i32.const 3 i32.lt_u br_if 0
        end
        local.get 0 i32.sub)
      (func (export "across_if") (param i32 i32) (result i32)
        local.get 0
        local.get 1 if local.get 1 local.set 0 else i32.const 7 local.set 0 end
        local.get 0 i32.sub))""")
    for x in (0, 1, 5, -3, 2**31 - 1):
        p.check("swap", x, 9)
        p.check("pending", x)
        p.check("pending_tee", x)
        p.check("self", x)
        p.check("across_block", x)
        p.check("across_loop", x)
        p.check("across_if", x, 0)
        p.check("across_if", x, 4)


# -- blocks, labels, br_table --------------------------------------------------------------


def test_labels_and_values(apis: tuple[Any, Any]) -> None:
    p = pair(apis, """(module
      (func (export "br_if_value") (param i32 i32) (result i32)
        block (result i32) i32.const 7 local.get 0 br_if 0 drop local.get 1 end)
      (func (export "params") (param i32 i32) (result i32 i32)
        local.get 0 local.get 1
        block (param i32 i32) (result i32 i32)
          local.get 0 i32.eqz br_if 0
          i32.add i32.const 1
        end)
      (func (export "if_params") (param i32 i32) (result i32)
        local.get 0 local.get 1
        if (param i32) (result i32) i32.const 3 i32.mul else i32.const -1 i32.xor end)
      (func (export "nested") (param i32) (result i32)
        block (result i32)
          block (result i32)
            block (result i32)
              local.get 0 local.get 0 i32.const 2 i32.rem_u br_if 1
              i32.const 1 i32.add local.get 0 i32.const 3 i32.rem_u br_if 2
            end
            i32.const 10 i32.add
          end
          i32.const 100 i32.add
        end)
      (func (export "table") (param i32) (result i32)
        block (result i32)
          i32.const 1000
          block (result i32)
            block (result i32)
              i32.const 5 local.get 0 br_table 0 1 2 3 1
            end
            i32.const 10 i32.add return
          end
          i32.add
        end
        i32.const 7 i32.add)
      (func (export "table_multi") (param i32) (result i32 i32)
        block (result i32 i32)
          block (result i32 i32)
            local.get 0 i32.const 3 local.get 0 br_table 0 1 0
          end
          i32.const 9 i32.mul
        end)
      (func (export "dead") (param i32) (result i32)
        block (result i32)
          local.get 0 br 0
          i32.const 1 i32.add block (result i32) i32.const 3 end br_if 0 unreachable
        end)
      (func (export "ret_if") (param i32) (result i32 i32)
        local.get 0 i32.const 4 local.get 0 br_if 0 drop drop i32.const 5 i32.const 6))""")
    for x in range(-1, 8):
        for y in (0, 1, 9):
            p.check("br_if_value", x, y)
            p.check("params", x, y)
            p.check("if_params", x, y)
        p.check("nested", x)
        p.check("table", x)
        p.check("table_multi", x)
        p.check("dead", x)
        p.check("ret_if", x)


# -- calls -------------------------------------------------------------------------------


def test_calls(apis: tuple[Any, Any]) -> None:
    p = pair(apis, """(module
      (type $bin (func (param i32 i32) (result i32)))
      (table funcref (elem $sub $add))
      (func $sub (type $bin) local.get 0 local.get 1 i32.sub)
      (func $add (type $bin) local.get 0 local.get 1 i32.add)
      (func $fib (export "fib") (param i32) (result i32)
        local.get 0 i32.const 2 i32.lt_u
        if (result i32) local.get 0
        else local.get 0 i32.const 1 i32.sub call $fib
             local.get 0 i32.const 2 i32.sub call $fib i32.add end)
      (func $three (result i32 i64 f64) i32.const 1 i64.const 2 f64.const 3.5)
      (func (export "multi") (result f64 i32 i64) (local f64)
        call $three f64.const 1 f64.add local.set 0 drop drop
        local.get 0 call $three local.set 0)
      (func (export "indirect") (param i32 i32 i32) (result i32)
        local.get 1 i32.const 100 local.get 0 call_indirect (type $bin) local.get 2 i32.add)
      (func (export "args") (param i32) (result i32)
        i32.const 3 local.get 0 call $sub local.get 0 i32.const 3 call $sub i32.mul)
      ;; $dirty leaves values in the frame slots where $clean's locals live next: the
      ;; callee's first instruction zeroes them (1, 2, 3, 4 and 5 locals)
      (func $dirty (param i32) (local i32 i32 i32 i32 i32)
        (local.set 1 (local.get 0)) (local.set 2 (local.get 0)) (local.set 3 (local.get 0))
        (local.set 4 (local.get 0)) (local.set 5 (local.get 0)))
      (func $clean (param i32) (result i32) (local i32 i32 i32 i32 i32)
        (i32.add (local.get 0) (i32.add (i32.add (local.get 1) (local.get 2))
          (i32.add (i32.add (local.get 3) (local.get 4)) (local.get 5)))))
      (func $clean1 (param i32) (result i32) (local i32) (i32.add (local.get 0) (local.get 1)))
      (func (export "locals_start_at_zero") (param i32) (result i32)
        (call $dirty (local.get 0)) (call $clean (i32.const 1))
        (call $dirty (local.get 0)) (call $clean1 (i32.const 2)) i32.add))""")
    for n in range(15):
        p.check("fib", n)
    p.check("multi")
    for k in (0, 1, 2, -1):
        p.check("indirect", k, 5, 1)
    for x in (0, 4, -8):
        p.check("args", x)
    p.check("locals_start_at_zero", 77)


# -- memory, globals, tables, select ------------------------------------------------------


def test_memory_globals_tables(apis: tuple[Any, Any]) -> None:
    p = pair(apis, """(module
      (memory 1 3)
      (global $g (mut i64) (i64.const 5))
      (table $t 2 10 externref)
      (func (export "mem") (param i32 i32) (result i64)
        local.get 0 local.get 1 i32.store offset=4
        local.get 0 local.get 1 i32.const 7 i32.add i32.store8 offset=9
        local.get 0 i64.load offset=4
        local.get 0 i32.load16_s offset=8 i64.extend_i32_s i64.add)
      (func (export "addr_add") (param i32 i32) (result i64)
        ;; address adds folded into the accesses (wrapping u32 adds, offset 0)
        local.get 0 i32.const 12 i32.add local.get 1 i32.store
        local.get 0 i32.const -4 i32.add local.get 1 i32.const 7 i32.add i32.store16
        local.get 0 i32.const 16 i32.add
        local.get 0 i32.const 12 i32.add i32.load8_s local.tee 1 i32.store8
        local.get 0 i32.const 3 i32.sub i32.const 15 i32.add i64.load
        local.get 1 i64.extend_i32_s i64.add)
      (func (export "addr_loop") (param i32 i32) (result i32) (local i32)
        ;; a byte copy loop whose pointers step by address adds
        block loop
          local.get 1 i32.eqz br_if 1
          local.get 0 i32.const 100 i32.add
          local.get 0 i32.const 1 i32.add local.tee 0 i32.const -1 i32.add i32.load8_u
          i32.store8
          local.get 2 local.get 0 i32.const 99 i32.add i32.load8_u i32.add local.set 2
          local.get 1 i32.const 1 i32.sub local.set 1
          br 0
        end end local.get 2)
      (func (export "scaled") (param i32 i32) (result i32)
        ;; element addresses and loads with the index shifted (by 2, 3 and 33 = 1)
        local.get 0 local.get 1 i32.const 2 i32.shl i32.add
        local.get 1 i32.const 33 i32.shl i32.const 8 i32.add i32.load16_u i32.add
        local.get 1 i32.const 3 i32.shl i32.const -8 i32.add i64.load8_s i32.wrap_i64 i32.add
        local.get 1 i32.const 2 i32.shl i32.const 4 i32.add i32.load i32.add)
      (func (export "const_plus_temp") (param i32) (result i32)
        ;; k + t (the constant below the temporary) then another push: the sum must not
        ;; stay pending on t's slot, which the next value reuses (found by the pattern fuzzer)
        i32.const -1003308244 local.get 0 i32.const 7 i32.shl i32.add
        i32.const 814686178 i32.const 21 i32.shl i32.add
        i32.const 16 local.get 0 i32.const 2 i32.shl i32.add i32.const 4 i32.add i32.load
        i32.add)
      (func (export "const_addr") (result i32)
        i32.const 16 i32.const 0x1234 i32.store i32.const 17 i32.load8_u)
      (func (export "grow") (param i32) (result i32)
        local.get 0 memory.grow memory.size i32.const 16 i32.shl i32.add)
      (func (export "bulk") (param i32 i32 i32) (result i32)
        local.get 0 i32.const 171 local.get 2 memory.fill
        local.get 1 local.get 0 local.get 2 memory.copy
        local.get 1 i32.load)
      (func (export "glob") (param i64) (result i64)
        global.get $g local.get 0 i64.add global.set $g global.get $g)
      (func (export "tbl") (param i32) (result i32)
        ref.null extern local.get 0 table.grow $t table.size $t i32.add
        i32.const 0 table.get $t ref.is_null i32.add)
      (func (export "sel") (param i32 i32 i32) (result i32)
        local.get 0 local.get 1 local.get 2 select
        i32.const 5 local.get 1 i32.const 0 select i32.add
        local.get 0 i32.const 9 i32.const 1 select i32.add))""")
    for a in (0, 8, 65530, 65540, -1):
        p.check("mem", a, 0x11223344)
    for a in (0, 4, 8, 65520, 65524, 65525, -12, -13, -16, 3, 2**31):
        p.check("addr_add", a, 0x5566778)
    for a, n in ((0, 5), (65430, 6), (65431, 6), (-100, 3)):
        p.check("addr_loop", a, n)
    for a, i in ((0, 0), (3, 5), (7, 16383), (-1, 1), (0, 2**30 - 1), (0, 2**29), (5, -2)):
        p.check("scaled", a, i)
    for a in (0, 1, 3, -1, 2**20):
        p.check("const_plus_temp", a)
    p.check("const_addr")
    for d in (0, 1, 5, 1):
        p.check("grow", d)
    p.check("bulk", 100, 200, 8)
    p.check("bulk", 100, 104, 8)
    p.check("bulk", 65530, 0, 8)
    for d in (1, -7, 2**40):
        p.check("glob", d)
    for d in (0, 3, 20):
        p.check("tbl", d)
    for c in (0, 1, -5):
        p.check("sel", 3, 4, c)
