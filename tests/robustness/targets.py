"""Fuzz targets: each takes raw input and must either succeed or raise the documented
exception class; anything else (another exception, a crash, a hang) is a finding.

The same targets serve the bounded hypothesis tests (tests/robustness/test_fuzz_*.py) and
the long run (``make fuzz``: ``python -m tests.robustness.fuzz``).
"""

from __future__ import annotations

import random
from typing import Any

import wasmrt
from benchmarks.programs import bench_dir
from tests.robustness.smith import GUEST_MEMORY, GUEST_TABLE
from wasmrt.errors import WasmtimeError
from wasmrt.wast import parse_wast
from wasmrt.wat import wat2wasm

_FUEL_CONFIG = wasmrt.Config()
_FUEL_CONFIG.consume_fuel = True
_FUEL_ENGINE = wasmrt.Engine(_FUEL_CONFIG)

_ZERO = {"i32": 0, "i64": 0, "f32": 0.0, "f64": 0.0}


# Small valid modules to mutate when no corpus is on disk.
SEED_WAT = [
    '(module (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add))',
    '(module (memory 1) (data (i32.const 0) "hi") (func (export "l") (result i32) i32.const 0 i32.load))',
    ('(module (table 2 funcref) (elem (i32.const 0) $a $a) (func $a (result i32) i32.const 3)'
     ' (type $t (func (result i32))) (func (export "c") (result i32) i32.const 1 call_indirect (type $t)))'),
    ('(module (global $g (mut i64) (i64.const 5)) (func (export "g") (result i64) global.get $g'
     ' (block (result i64) i64.const 2 br 0) i64.mul))'),
    ('(module (func (export "loop") (param i32) (result i32) (local i32) (loop $l local.get 1'
     ' local.get 0 i32.add local.set 1 local.get 0 i32.const 1 i32.sub local.tee 0 br_if $l) local.get 1))'),
    ('(module (func (export "f") (param f64) (result f64 i32) local.get 0 f64.sqrt'
     ' local.get 0 f64.const 0 f64.lt (if (result i32) (then i32.const 1) (else i32.const 2))))'),
]


def seed_modules() -> list[bytes]:
    """Valid binary modules to mutate: the seed texts plus the benchmark programs if present."""
    out = [wat2wasm(text) for text in SEED_WAT]
    bench = bench_dir()
    for path in sorted((bench / "wasm").glob("*.wasm"))[:4] if bench else []:
        if path.stat().st_size < 200_000:
            out.append(path.read_bytes())
    return out


def mutate(data: bytes, rng: random.Random) -> bytes:
    """Apply 1-4 random edits (flip, replace, insert, delete, duplicate a span, LEB blowup)."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not buf:
            buf.extend(rng.randbytes(4))
        pos = rng.randrange(len(buf))
        op = rng.randrange(6)
        if op == 0:
            buf[pos] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[pos] = rng.choice([0, 0x7F, 0x80, 0xFF, rng.randrange(256)])
        elif op == 2:
            buf[pos:pos] = rng.randbytes(rng.randint(1, 8))
        elif op == 3:
            del buf[pos:pos + rng.randint(1, 8)]
        elif op == 4:
            end = min(len(buf), pos + rng.randint(1, 64))
            buf[pos:pos] = buf[pos:end]
        else:
            buf[pos:pos + 1] = b"\xff\xff\xff\xff\x0f"
    return bytes(buf)


def decode_target(data: bytes) -> None:
    """Compile ``data``: accepted, or ``WasmtimeError``; if accepted, instantiate it without
    imports and call each exported function with zero arguments under fuel."""
    try:
        module = wasmrt.Module(_FUEL_ENGINE, data)
    except WasmtimeError:
        return
    run_module(module)


def run_module(module: Any, fuel: int = 20_000) -> None:
    """Instantiate a module compiled by ``_FUEL_ENGINE`` and call its exports (those with
    numeric parameters, given zeros) under ``fuel``: only ``Trap`` and ``WasmtimeError``
    may come out."""
    if module.imports:
        return
    store = wasmrt.Store(_FUEL_ENGINE)
    store.set_fuel(fuel)
    store.set_limits(memory_size=GUEST_MEMORY, table_elements=GUEST_TABLE)
    try:
        instance = wasmrt.Instance(store, module, [])
    except (wasmrt.Trap, WasmtimeError):
        return
    exports = instance.exports(store)
    for name in exports:
        item = exports[name]
        if isinstance(item, wasmrt.Func):
            params = [str(p) for p in item.type(store).params]
            if any(p not in _ZERO for p in params):
                continue
            try:
                item(store, *[_ZERO[p] for p in params])
            except (wasmrt.Trap, WasmtimeError):
                pass


def text_target(text: str) -> None:
    """Parse ``text`` as a module and as a ``.wast`` script: only ``WasmtimeError``
    (``WatError``) may come out."""
    try:
        wat2wasm(text)
    except WasmtimeError:
        pass
    try:
        parse_wast(text)
    except WasmtimeError:
        pass


def mutate_text(text: str, rng: random.Random) -> str:
    """Token-level edits: drop, duplicate or swap tokens, insert brackets, strings, numbers."""
    tokens = text.replace("(", " ( ").replace(")", " ) ").split()
    extras = ["(", ")", "\"", "\"\\ff\\u{110000}\"", ";;", "(;", ";)", "0x", "1e999", "-0x1p-1075",
              "nan:0x0", "$x", "i32.const", "local.get", "block", "end", "(module", "offset=",
              "align=3", "0xFFFFFFFFFFFFFFFFFF", "\x00", "é"]
    for _ in range(rng.randint(1, 5)):
        if not tokens:
            tokens.append(rng.choice(extras))
        pos = rng.randrange(len(tokens))
        op = rng.randrange(4)
        if op == 0:
            del tokens[pos]
        elif op == 1:
            tokens.insert(pos, tokens[pos])
        elif op == 2:
            tokens.insert(pos, rng.choice(extras))
        else:
            other = rng.randrange(len(tokens))
            tokens[pos], tokens[other] = tokens[other], tokens[pos]
    return " ".join(tokens)
