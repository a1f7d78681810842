"""The wasm instruction table (tools/wasm_ops.py): its generated files are current, and every
stage reads its facts from it (text format, validator, decoder, lowerer, internal ISA)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from wasmrt import _core, _isa_names, _wasm_ops, wat
from wasmrt.errors import DecodeError, UnsupportedFeatureError
from wasmrt.wat import wat2wasm

ROOT = Path(__file__).resolve().parents[2]

import wasm_ops


def test_generated_files_are_current() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_wasm_ops.py"), "--check"],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_generated_rows_match_the_table() -> None:
    assert [row[0] for row in _wasm_ops.OPS] == [o.name for o in wasm_ops.OPS]
    assert [row[1] for row in _wasm_ops.OPS] == [o.op for o in wasm_ops.OPS]


def test_text_format_names_every_row() -> None:
    for o in wasm_ops.OPS:
        if o.text:
            _kind, opbytes, align = wat.OPS[o.text]
            assert opbytes == o.encoding and align == o.align, o.name
    assert len(wat.OPS) == sum(1 for o in wasm_ops.OPS if o.text)


def test_table_lowered_rows_have_internal_ops() -> None:
    names = set(_isa_names.NAMES)
    for o in wasm_ops.OPS:
        if o.ir:
            assert o.ir in names, f"{o.name}: no internal op {o.ir} in tools/isa.py"


def test_relations_name_internal_ops() -> None:
    names = set(_isa_names.NAMES)
    for key, pairs in _isa_names.RELATIONS.items():
        for a, b in pairs:
            assert a in names and b in names, (key, a, b)


def one_body(code: bytes) -> bytes:
    """A module with one function type () -> () and one function of body ``code``."""
    body = b"\x00" + code                      # no locals
    return (b"\x00asm\x01\x00\x00\x00" + b"\x01\x04\x01\x60\x00\x00" + b"\x03\x02\x01\x00"
            + b"\x0a" + bytes([len(body) + 2, 1, len(body)]) + body)


@pytest.mark.parametrize("proposal, opcodes", sorted(wasm_ops.RESERVED.items()))
def test_reserved_opcodes_name_their_proposal(proposal: str, opcodes: tuple[int, ...]) -> None:
    """An opcode of a proposal with no rows yet is an unsupported feature, not malformed
    (a byte, or one prefixed instruction: ``prefix << 16 | sub``)."""
    message = wasm_ops.PROPOSALS[proposal][1]
    for op in opcodes:
        code = bytes([op]) if op < 0x100 else bytes([op >> 16, op & 0xFFFF])  # subs < 0x80
        with pytest.raises(UnsupportedFeatureError, match=re.escape(message)):
            _core.validate_module(one_body(code + b"\x00" * 4 + b"\x0b"))


def test_illegal_opcode_is_malformed() -> None:
    holes = [b for b in range(256) if not any(o.op == b for o in wasm_ops.OPS)
             and b not in {c for codes in wasm_ops.RESERVED.values() for c in codes}
             and b not in wasm_ops.PREFIXES]
    assert 0x27 in holes
    for byte in holes:
        with pytest.raises(DecodeError, match="illegal opcode"):
            _core.validate_module(one_body(bytes([byte, 0x0B])))


def test_every_table_validated_row_validates_and_lowers() -> None:
    """Each row the table alone validates (fixed signature, memarg/lane/memidx immediates),
    run through the validator and lowerer once, with operands of its signature."""
    consts = {"i32": "i32.const 0", "addr": "i32.const 0", "i64": "i64.const 0",
              "f32": "f32.const 0", "f64": "f64.const 0", "v128": "v128.const i64x2 0 0"}
    funcs = []
    for o in wasm_ops.OPS:
        fixed = all(t in consts for t in o.operands + o.results)
        if not (o.text and fixed and set(o.imm) <= {"memarg", "lane", "memidx"}):
            continue
        imm = " 0" if "lane" in o.imm else ""
        body = " ".join(consts[t] for t in o.operands) + f" {o.name}{imm}"
        body += " drop" * len(o.results)
        funcs.append(f"(func {body})")
    assert len(funcs) > 300
    module = wat2wasm("(module (memory 1) " + " ".join(funcs) + ")")
    features = (_core.WASM2_FEATURES | _core.FEATURE_RELAXED_SIMD | _core.FEATURE_WIDE_ARITHMETIC
                | _core.FEATURE_MEMORY64 | _core.FEATURE_MULTI_MEMORY | _core.FEATURE_THREADS)
    info = _core.compile_module(module, features)
    assert len(info.func_codes) == len(funcs)
