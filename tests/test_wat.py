"""The text format: literals, encoding, error positions (the .wast parser: test_wast.py)."""

from __future__ import annotations

import math
import struct

import pytest

from tests.test_wat_spec import sections
from wasmrt.errors import WatError
from wasmrt.wast import ModuleSource, parse_wast
from wasmrt.wat import _float_bits, wat2wasm


def f32_bits(tok: str) -> int:
    v = _float_bits(tok, 23, 8)
    assert v is not None
    return v


def f64_bits(tok: str) -> int:
    v = _float_bits(tok, 52, 11)
    assert v is not None
    return v


def body_of(wasm: bytes) -> bytes:
    """The code of the only function of ``wasm`` (without locals header and final end)."""
    code = next(payload for sid, payload in sections(wasm) if sid == 10)
    # count=1, body size (1 byte for small bodies), locals vec (0)
    assert code[0] == 1
    return code[3:-1]


# ---- literals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "tok, bits",
    [
        ("0", 0),
        ("-0", 0x80000000),
        ("1.5", 0x3FC00000),
        ("0x1p-149", 1),  # smallest subnormal
        ("0x1p-150", 0),  # ties to even -> 0
        ("0x1.000002p-149", 1),
        ("0x1.fffffep127", 0x7F7FFFFF),
        ("inf", 0x7F800000),
        ("-inf", 0xFF800000),
        ("nan", 0x7FC00000),
        ("-nan:0x1", 0xFF800001),
        ("nan:0x7f_ffff", 0x7FFFFFFF),
        ("1_000.5e-1_0", struct.unpack("<I", struct.pack("<f", 1000.5e-10))[0]),
        # double rounding via f64 would give 0x3f800001: exact rounding gives 0x3f800000
        ("1.000000059604644775390625", 0x3F800000),
        ("1.00000005960464477539062500000000000001", 0x3F800001),
        ("0x1.00000100000000000p-50", 0x26800000),
        ("0x1.000001000000000000000001p-50", 0x26800001),
    ],
)
def test_f32_literals(tok: str, bits: int) -> None:
    assert f32_bits(tok) == bits


@pytest.mark.parametrize(
    "tok, value",
    [("0.1", 0.1), ("-1e308", -1e308), ("0x1.921fb54442d18p+1", math.pi), ("4.9e-324", 5e-324)],
)
def test_f64_literals(tok: str, value: float) -> None:
    assert f64_bits(tok) == struct.unpack("<Q", struct.pack("<d", value))[0]


def test_f64_nan_payload() -> None:
    assert f64_bits("nan:0x4000000000000") == 0x7FF4000000000000


@pytest.mark.parametrize("tok", ["1e39", "0x1p128", "nan:0x0", "nan:0x80_0000", "-0x1.ffffffp127"])
def test_f32_out_of_range(tok: str) -> None:
    with pytest.raises(OverflowError):
        _float_bits(tok, 23, 8)


@pytest.mark.parametrize("tok", ["1__0", "_1", "1_", "0x", "1.e", "0x1p", "nan:1", "infinity"])
def test_malformed_float_literals(tok: str) -> None:
    assert _float_bits(tok, 23, 8) is None


def test_integer_literals_encode_signed_leb() -> None:
    code = body_of(
        wat2wasm(
            "(func (result i32) i32.const 0xffff_ffff drop i32.const -0x8000_0000 drop "
            "i32.const 1_000)"
        )
    )
    assert code == b"\x41\x7f\x1a\x41\x80\x80\x80\x80\x78\x1a\x41\xe8\x07"


@pytest.mark.parametrize(
    "const",
    ["i32.const 0x1_0000_0000", "i32.const -0x8000_0001", "i64.const 0x1_0000_0000_0000_0000"],
)
def test_integer_out_of_range(const: str) -> None:
    with pytest.raises(WatError, match="constant out of range"):
        wat2wasm(f"(func {const} drop)")


def test_v128_shapes() -> None:
    a = body_of(
        wat2wasm("(func (result v128) v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 -1)")
    )
    b = body_of(
        wat2wasm(
            "(func (result v128) v128.const i16x8 0x100 0x302 0x504 0x706 0x908 0xb0a 0xd0c 0xff0e)"
        )
    )
    assert a == b
    assert a[:2] == b"\xfd\x0c" and a[2:] == bytes(range(15)) + b"\xff"
    c = body_of(wat2wasm("(func (result v128) v128.const f32x4 1 -0 nan inf)"))
    assert c[2:] == struct.pack("<IIII", 0x3F800000, 0x80000000, 0x7FC00000, 0x7F800000)


def test_strings_and_escapes() -> None:
    wasm = wat2wasm(
        '(memory 1) (data (i32.const 0) "a\\t\\n\\r\\"\\\'\\\\\\00\\ff\\u{e9}\\u{1F600}")'
    )
    assert wasm.endswith(b"a\t\n\r\"'\\\x00\xff\xc3\xa9\xf0\x9f\x98\x80")


# ---- encoding -----------------------------------------------------------------------


def test_fields_without_module_wrapper() -> None:
    assert wat2wasm("(func)") == wat2wasm("(module (func))")


def test_folded_and_flat_forms_agree() -> None:
    folded = "(func (param i32) (result i32) (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2))))"
    flat = "(func (param i32) (result i32) local.get 0 if (result i32) i32.const 1 else i32.const 2 end)"
    assert wat2wasm(folded) == wat2wasm(flat)


def test_labels_resolve_to_depths() -> None:
    code = body_of(wat2wasm("(func block $a loop $b br $a br $b br 1 end end)"))
    assert code == b"\x02\x40\x03\x40\x0c\x01\x0c\x00\x0c\x01\x0b\x0b"


def test_memarg() -> None:
    code = body_of(wat2wasm("(memory 1) (func (drop (i64.load offset=16 align=2 (i32.const 0))))"))
    assert code == b"\x41\x00\x29\x01\x10\x1a"


def test_name_section() -> None:
    """Names of every index space, locals and labels: the bytes wasm-tools writes."""
    wasm = wat2wasm(
        """(module $M
          (type $t (func))
          (import "a" "b" (func $imp))
          (table $tab 1 funcref)
          (memory $mem 1)
          (global $g i32 (i32.const 0))
          (elem $e func $f)
          (data $d "")
          (func $f (param $p i32) (local $l i32)
            block $b1 loop $b2 end end block end (if $b3 (i32.const 0) (then))))"""
    )
    custom = [payload for sid, payload in sections(wasm) if sid == 0]
    assert custom == [
        (
            b"\x04name\x00\x02\x01M\x01\t\x02\x00\x03imp\x01\x01f\x02\t\x01\x01\x02\x00\x01p"
            b"\x01\x01l\x03\x0f\x01\x01\x03\x00\x02b1\x01\x02b2\x03\x02b3\x04\x04\x01\x00\x01t"
            b"\x05\x06\x01\x00\x03tab\x06\x06\x01\x00\x03mem\x07\x04\x01\x00\x01g\x08\x04\x01"
            b"\x00\x01e\t\x04\x01\x00\x01d"
        )
    ]


def test_comments_and_annotations_are_skipped() -> None:
    text = '(module (; block (; nested ;) ;) ;; line\n (@x "x" (a b)) (func))'
    assert wat2wasm(text) == wat2wasm("(module (func))")


def test_deep_nesting_does_not_recurse() -> None:
    depth = 20000
    text = "(func " + "(block " * depth + ")" * depth + ")"
    wasm = wat2wasm(text)
    assert wasm.count(b"\x02\x40") == depth
    folded = (
        "(func (result i32) "
        + "(i32.add (i32.const 1) " * depth
        + "(i32.const 0)"
        + ")" * depth
        + ")"
    )
    assert len(wat2wasm(folded)) > depth


def test_binary_input_passes_through() -> None:
    wasm = wat2wasm("(module)")
    assert wat2wasm(wasm) == wasm
    assert wat2wasm(b"(module)") == wasm


# ---- errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, column, message",
    [
        ("(module\n  (func\n    i32.add2))", 3, 5, "unknown operator i32.add2"),
        ("(module (func br $nope))", 1, 18, "unknown label $nope"),
        ("(module\n (func (call $f)))", 2, 14, "unknown func $f"),
        ("(module (func (i32.const 0x1_0000_0000) drop))", 1, 26, "constant out of range"),
        ("(module (func (local.get 0)", 1, 29, "unexpected end"),
        ("(module (func) (func $f) (func $f))", 1, 32, "duplicate func $f"),
        ("(module (func block $a end $b))", 1, 28, "mismatching label"),
        ("(module (memory 1) (func (drop (i32.load align=3 (i32.const 0)))))", 1, 42, "alignment"),
        ('(module (func) (import "a" "b" (func)))', 1, 16, "import after func"),
        ('(module (func (result i32) "str"))', 1, 28, "unexpected token"),
        ('(module (func (export "\\ff")))', 1, 23, "malformed UTF-8 encoding"),
        ("(module (bogus))", 1, 10, "unknown operator bogus"),
        ("(module (func) (param i32))", 1, 17, "unexpected token 'param'"),
        ("(module (func (i32.const 0x)))", 1, 26, "unknown operator 0x"),
        ('(module (data "a""b"))', 1, 15, "unknown operator"),
        ('(module (func (export "f)))', 1, 23, "unterminated string"),
        # quoted identifiers: empty, malformed or not UTF-8, or run together with a word
        ('(module (func $""))', 1, 15, "empty identifier"),
        ('(module (func $"a\nb"))', 1, 15, "empty identifier"),
        ('(module (func $"\\ef"))', 1, 15, "malformed UTF-8"),
        ('(module (func (block $l (br $"l"0))))', 1, 29, "unknown operator $\"l\"0"),
        ('(module (func (call $"f"x)))', 1, 21, "unknown operator"),
    ],
)
def test_error_positions(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(WatError) as info:
        wat2wasm(text)
    e = info.value
    assert message in str(e)
    assert (e.line, e.column) == (line, column), str(e)


def test_unclosed_block_comment() -> None:
    with pytest.raises(WatError, match="unclosed block comment"):
        wat2wasm("(module (; never closed")


def test_mutated_modules_raise_only_wat_error(spec_dir) -> None:  # type: ignore[no-untyped-def]
    """Random token edits of spec modules: the encoder returns bytes or raises WatError."""
    import random
    import re

    rng = random.Random(7)
    texts = []
    for path in sorted(spec_dir.glob("*.wast"))[::7]:
        for cmd in parse_wast(path.read_text(encoding="utf-8"), path.name):
            m = getattr(cmd, "module", None)
            if isinstance(m, ModuleSource) and m.kind == "text" and len(m.text) < 2000:
                texts.append(m.text)
    assert texts
    words = ["(", ")", "$x", "0", "-1", '"s"', "i32", "func", "block", "end", "else", "then"]
    words += ["param", "result", "type", "local.get", "offset=3", "nan:0x1", "0x1p3", "(;"]
    for _ in range(2000):
        toks = re.findall(r'\(|\)|"[^"]*"|[^\s()]+', rng.choice(texts))
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(toks))
            r = rng.random()
            if r < 0.3:
                del toks[i]
            elif r < 0.7:
                toks.insert(i, rng.choice(words))
            else:
                toks[i] = rng.choice(words)
        try:
            assert wat2wasm(" ".join(toks)).startswith(b"\x00asm")
        except WatError:
            pass


def test_string_ids() -> None:
    """``$"..."`` ids (as ``wasm-tools print`` writes them) name the same thing as ``$...``."""
    a = wat2wasm('(module (func $"f" (call $f)) (func $"g h" (call $"g h")))')
    assert b"\x03g h" in a
    assert body_of(wat2wasm('(func $"f" (call $f))')) == b"\x10\x00"


def test_comment_and_annotation_edge_cases() -> None:
    plain = wat2wasm("(module (func))")
    # a quote inside a block comment is not a string; parens inside annotation strings
    # do not count; annotations may hold block comments
    assert wat2wasm('(module (; " ;) (func))') == plain
    assert wat2wasm('(module (@a "(((" (b (; ) ;) c)) (func))') == plain
    assert wat2wasm("(module " + '(@a (; x ;) "y") ' * 5000 + "(func))") == plain
    # a line comment hides an opening block comment; ;; ends at \r too
    assert wat2wasm("(module ;; (;\n (func))") == plain
    assert wat2wasm("(module ;; x\r(func))") == plain
    with pytest.raises(WatError, match="unclosed annotation"):
        wat2wasm("(module (@a (b)")


def _exact_f32(num: int, den: int) -> int:
    """Reference: the f32 nearest to num/den (ties to even), by exact integer arithmetic."""
    from wasmrt.wat import _round_bits

    bits = _round_bits(num, den, 23, 127)
    assert bits is not None
    return bits


def _decimal(num: int, den_pow2: int) -> str:
    """The exact decimal text of num / 2**den_pow2."""
    digits = str(num * 5**den_pow2).rjust(den_pow2 + 1, "0")
    return f"{digits[:-den_pow2]}.{digits[-den_pow2:]}" if den_pow2 else digits


def test_f32_decimal_rounding_near_midpoints() -> None:
    """Decimals on, just above and just below the midpoint of two f32 neighbours round
    exactly (the f64 fast path must not double-round)."""
    import random

    rng = random.Random(3)
    for _ in range(300):
        e = rng.randrange(-149, 104)  # from the subnormals to the largest binade
        m = rng.randrange(1, (1 << 24) - (e == 103))
        # midpoint of m*2^e and (m+1)*2^e is (2m+1)*2^(e-1)
        num, p = 2 * m + 1, -(e - 1)
        if p <= 0:
            num, p = num << -p, 0
        mid = _decimal(num, p)
        assert f32_bits(mid) == _exact_f32(num, 1 << p)
        for tail in ("1", "0000000000000000000001"):
            above = mid + ("" if "." in mid else ".") + tail
            n2, d2 = int(above.replace(".", "")), 10 ** len(above.split(".")[1])
            assert f32_bits(above) == _exact_f32(n2, d2), above


@pytest.mark.parametrize(
    "tok, bits",
    [
        ("1.000000059604644775390625" + "0" * 5000, 0x3F800000),  # a tie: to even
        ("1.000000059604644775390625" + "0" * 2000 + "1", 0x3F800001),  # past the tie
        ("0." + "0" * 3000 + "1" + "0" * 3000 + "e3001", 0x3F800000),
        ("1e-" + "9" * 5000, 0),
        ("0x1p-" + "9" * 5000, 0),
    ],
)
def test_very_long_float_literals(tok: str, bits: int) -> None:
    assert f32_bits(tok) == bits


@pytest.mark.parametrize(
    "text",
    [
        "(func i32.const 1" + "0" * 5000 + " drop)",
        "(func f32.const 1e" + "9" * 5000 + " drop)",
        "(memory " + "1" * 5000 + ")",
    ],
)
def test_very_long_literals_out_of_range(text: str) -> None:
    with pytest.raises(WatError, match="constant out of range"):
        wat2wasm(text)
