"""Random modules dense in the shapes the lowerer rewrites: address adds and scaled indexes
folded into loads and stores, ``x + (y << s)``, loop counters fused with their branches,
float products feeding adds and subs, ``local.tee`` and ``local.set`` between them, nested
loops and ifs.  ``wasm-tools smith`` produces these shapes only now and then; here every
function is made of them, with edge-case constants (wrap-around at 2**32, addresses at the
end of memory, NaN and signed zeros).

``pattern_module(rng)`` returns the text of a module that ``smith.observe`` can run: exported
functions without parameters, an exported memory and global; every loop is bounded by a
trip counter, so every call ends (with a value or a trap).
"""

from __future__ import annotations

import random

I32_EDGE = [0, 1, -1, 2, 3, 4, 7, 8, 16, 255, 256, 1 << 15, 65528, 65532, 65535, 65536,
            -8, -16, 0x7FFFFFFF, -0x80000000, 0x12345678, 1000]
F64_EDGE = ["0", "-0", "1", "-1.5", "0x1.0000001p+0", "0x1.fffffffp-1", "inf", "-inf",
            "nan", "1e300", "-3.25", "0x1p-1074"]
CMPS = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"]
I32_LOCALS = ["$a", "$b", "$c", "$p"]
F64_LOCALS = ["$x", "$y"]
LOADS = ["i32.load", "i32.load8_u", "i32.load8_s", "i32.load16_u", "i32.load16_s"]
STORES = ["i32.store", "i32.store8", "i32.store16"]


class _Gen:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.loops = 0

    def const(self) -> str:
        r = self.rng
        k = r.choice(I32_EDGE) if r.random() < 0.7 else r.randint(-(2**31), 2**31 - 1)
        return f"(i32.const {k})"

    def fconst(self) -> str:
        return f"(f64.const {self.rng.choice(F64_EDGE)})"

    def addr(self, depth: int) -> str:
        """An address: mostly in bounds (a masked value plus a constant), sometimes not."""
        r = self.rng
        base = self.i32(depth)
        shape = r.randrange(5)
        if shape == 0:     # base + k: the *_add forms
            return f"(i32.add (i32.and {base} (i32.const 0xFFF0)) (i32.const {r.choice([0, 4, 8, 12, 65520])}))"
        if shape == 1:     # (i << s) + k: the *_shl forms
            s = r.choice([1, 2, 3, 33])
            return (f"(i32.add (i32.shl (i32.and {base} (i32.const 0x3FF)) (i32.const {s}))"
                    f" (i32.const {r.choice([0, 64, 1024, 60000])}))")
        if shape == 2:     # x + (i << s)
            return (f"(i32.add (i32.and {base} (i32.const 0xFF00))"
                    f" (i32.shl (i32.and {self.i32(depth)} (i32.const 0x3F)) (i32.const 2)))")
        if shape == 3:     # p - k: a subtraction folded as an add
            return f"(i32.sub (i32.and {base} (i32.const 0xFFFF)) (i32.const {r.choice([1, 4, 8])}))"
        return base        # anything: may trap

    def i32(self, depth: int) -> str:
        r = self.rng
        if depth <= 0 or r.random() < 0.25:
            return r.choice([f"(local.get {r.choice(I32_LOCALS)})", self.const()])
        d = depth - 1
        forms = [
            lambda: f"(i32.add {self.i32(d)} {self.const()})",
            lambda: f"(i32.sub {self.i32(d)} {self.const()})",
            lambda: f"(i32.add {self.i32(d)} (i32.shl {self.i32(d)} (i32.const {r.randrange(40)})))",
            lambda: f"({r.choice(LOADS)} offset={r.choice([0, 0, 0, 4, 65532])} {self.addr(d)})",
            lambda: f"(i32.{r.choice(['add', 'sub', 'mul', 'xor', 'and', 'or'])} {self.i32(d)} {self.i32(d)})",
            lambda: f"(i32.{r.choice(CMPS)} {self.i32(d)} {self.i32(d)})",
            lambda: f"(local.tee {r.choice(I32_LOCALS)} {self.i32(d)})",
            lambda: f"(i32.trunc_sat_f64_s {self.f64(d)})",
            lambda: f"(select {self.i32(d)} {self.i32(d)} {self.i32(d)})",
            lambda: f"(i32.shl {self.i32(d)} (i32.const {r.randrange(40)}))",
            lambda: f"(i32.eqz {self.i32(d)})",
            lambda: f"(i32.add (i32.add {self.i32(d)} {self.const()}) {self.i32(d)})",
        ]
        return r.choice(forms)()

    def f64(self, depth: int) -> str:
        r = self.rng
        if depth <= 0 or r.random() < 0.3:
            return r.choice([f"(local.get {r.choice(F64_LOCALS)})", self.fconst()])
        d = depth - 1
        forms = [
            lambda: f"(f64.add (f64.mul {self.f64(d)} {self.f64(d)}) {self.f64(d)})",
            lambda: f"(f64.sub {self.f64(d)} (f64.mul {self.f64(d)} {self.f64(d)}))",
            lambda: f"(f64.sub (f64.mul {self.f64(d)} {self.f64(d)}) {self.f64(d)})",
            lambda: f"(f64.{r.choice(['add', 'sub', 'mul', 'div', 'min', 'max'])} {self.f64(d)} {self.f64(d)})",
            lambda: f"(f64.convert_i32_s {self.i32(d)})",
            lambda: f"(f64.load {self.addr(d)})",
            lambda: f"(local.tee {r.choice(F64_LOCALS)} {self.f64(d)})",
        ]
        return r.choice(forms)()

    def stmt(self, depth: int) -> str:
        r = self.rng
        choice = r.randrange(8)
        if choice <= 1:
            return f"(local.set {r.choice(I32_LOCALS)} {self.i32(depth)})"
        if choice == 2:
            return f"(local.set {r.choice(F64_LOCALS)} {self.f64(depth)})"
        if choice == 3:
            return f"({r.choice(STORES)} {self.addr(depth)} {self.i32(depth)})"
        if choice == 4:        # NaNs stored canonical: their payloads may differ by engine
            return (f"(f64.store {self.addr(depth)} (select (f64.const nan)"
                    f" (local.tee $y {self.f64(depth)}) (f64.ne (local.get $y) (local.get $y))))")
        if choice == 5 and depth > 0:
            return (f"(if {self.i32(depth - 1)} (then {self.block(depth - 1)})"
                    f" (else {self.block(depth - 1)}))")
        if depth > 0 and self.loops < 6:
            return self.loop(depth - 1)
        return f"(global.set $g (i32.add (global.get $g) {self.i32(depth)}))"

    def block(self, depth: int) -> str:
        return " ".join(self.stmt(depth) for _ in range(self.rng.randint(1, 3)))

    def loop(self, depth: int) -> str:
        """A loop whose counter is fused with its branch, bounded by a trip counter."""
        r = self.rng
        self.loops += 1
        n = self.loops
        var = r.choice(I32_LOCALS)
        step = r.choice([1, -1, 2, 4, -4, 8, 0x7FFFFFFF])
        bump = f"(local.tee {var} (i32.add (local.get {var}) (i32.const {step})))"
        other = r.choice([self.const(), f"(local.get {r.choice(I32_LOCALS)})"])
        test = r.choice([f"(i32.{r.choice(CMPS)} {bump} {other})",
                         bump,
                         f"(i32.eqz (local.tee {var} (i32.sub (local.get {var}) (i32.const {step}))))"])
        return (f"(local.set $t{n} (i32.const {r.randint(1, 12)}))"
                f" (block $b{n} (loop $l{n}"
                f" (br_if $b{n} (i32.eqz (local.tee $t{n} (i32.sub (local.get $t{n}) (i32.const 1)))))"
                f" {self.block(depth)} (br_if $l{n} {test})))")

    def func(self, k: int) -> str:
        self.loops = 0
        body = " ".join(self.stmt(3) for _ in range(self.rng.randint(2, 6)))
        trips = " ".join(f"(local $t{i} i32)" for i in range(1, 7))
        inits = " ".join(f"(local.set {v} {self.const()})" for v in I32_LOCALS)
        finit = " ".join(f"(local.set {v} {self.fconst()})" for v in F64_LOCALS)
        return (f'(func (export "f{k}") (result i32 f64)'
                f" (local $a i32) (local $b i32) (local $c i32) (local $p i32)"
                f" (local $x f64) (local $y f64) {trips}"
                f" {inits} {finit} {body}"
                f" (i32.add (local.get $a) (i32.xor (local.get $b) (i32.add (local.get $c)"
                f" (local.get $p)))) (f64.add (local.get $x) (local.get $y)))")


def pattern_module(rng: random.Random) -> str:
    """The WAT text of one random module (see the module docstring)."""
    gen = _Gen(rng)
    data = "".join(f"\\{rng.randrange(256):02x}" for _ in range(64))
    funcs = "\n".join(gen.func(k) for k in range(rng.randint(1, 3)))
    return (f'(module (memory (export "mem") 1) (global $g (export "g") (mut i32) (i32.const 0))'
            f' (data (i32.const 0) "{data}") (data (i32.const 65472) "{data}")\n{funcs})')
