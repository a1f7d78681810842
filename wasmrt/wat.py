"""The WebAssembly text format: WAT -> binary.

:func:`wat2wasm` encodes a module written in the text format (Wasm 2.0: folded and flat
instructions, every abbreviation, symbolic ids for every index space, all literal forms,
SIMD) into the binary format, with a ``name`` section built from the ids.  The ``.wast``
script object model and its parser live in :mod:`wasmrt.wast`, on top of this lexer and
module encoder.

Layout of this file: lexer, literals, the module encoder (pass 1 collects the ids of every
index space, pass 2 encodes each field).

Every error is a :class:`~wasmrt.errors.WatError` naming ``line:column`` and what was
expected.  Parsing is iterative (explicit stacks), so deep nesting never reaches Python's
recursion limit.
"""

from __future__ import annotations

import bisect
import re
import struct
from collections.abc import Callable
from itertools import accumulate, repeat
from typing import Any

from . import _wasm_ops
from .errors import WatError

__all__ = ["wat2wasm"]

# --------------------------------------------------------------------------------------
# Lexer
# --------------------------------------------------------------------------------------
# A token is one of "(", ")", a string (starts with '"'), or an atom: a keyword, an $id,
# a number or a reserved word.  Whitespace and line comments are skipped by the possessive
# prefix; block comments and annotations are blanked out beforehand (position preserving).
_STR = r'"[^"\\]*+(?:\\[\s\S][^"\\]*+)*+"'
_WORD = r'[^\s()";]'
# A string must be followed by a separator; a string or word run together with another
# word is one malformed ("reserved") token.
_TOKEN_RE = re.compile(
    r"(?:\s++|;;[^\n\r]*+)*+(\(|\)|"
    + (_WORD + r"++(?:" + _STR + _WORD + r"*+)*+|")
    + (_STR + r"(?![^\s();])|")
    + (_STR + r"(?:" + _WORD + r"++|" + _STR + r")++|\S)")
)
_STR_RE = re.compile(_STR + r"\Z")
_COMMENT_SCAN_RE = re.compile(_STR + r"|;;[^\n\r]*|\(;")
_ANNOT_SCAN_RE = re.compile(_STR + r"|;;[^\n\r]*|\(@")
_ANNOT_INNER_RE = re.compile(_STR + r"|;;[^\n\r]*|\(|\)|\"")
_IDCHAR_RE = re.compile(r"[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]")
_ANNOT_ID_RE = re.compile(r"[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]+|" + _STR)
# what may stand outside strings in an annotation: printable ASCII and the three spaces
_ANNOT_ILLEGAL_RE = re.compile(_STR + r"|[^\t\n\r\x20-\x7e]")
_NEST_STEP = {"(;": 1, ";)": -1, "(": 1, ")": -1}
_NOT_NEWLINE_RE = re.compile(r"[^\n]")
_NESTED_RE = re.compile(r"\(;|;\)")
_SENTINEL = "\n\x00"
_PAREN_STEP = {"(": 1, ")": -1}


class _Source:
    """A lexed text: the token list, and positions computed only when asked for."""

    __slots__ = ("_depth", "_lines", "_pos", "customs", "filename", "text", "toks")

    def __init__(self, text: str, filename: str) -> None:
        self.filename = filename
        self.text = text
        self._pos: list[int] | None = None
        self._lines: list[int] | None = None
        self._depth: list[int] | None = None
        # the (@custom ...) annotations: (offset, its text), in order
        self.customs: list[tuple[int, str]] = []
        if "(;" in text or "(@" in text:
            text = _blank_comments(text, self)
        toks = _TOKEN_RE.findall(text + _SENTINEL)
        toks.pop()  # the sentinel
        if '$"' in text:
            toks = [_string_id(t) if t[:2] == '$"' else t for t in toks]
        self.toks: list[str] = toks

    def depth(self) -> list[int]:
        """Paren depth after each token (computed once, at C speed): the ')' matching the
        '(' at ``k`` is the first later token whose depth is ``depth[k] - 1``."""
        if self._depth is None:
            self._depth = list(accumulate(map(_PAREN_STEP.get, self.toks, repeat(0))))
        return self._depth

    def positions(self) -> list[int]:
        """The character offset of every token (computed once)."""
        if self._pos is None:
            text = self.text
            if "(;" in text or "(@" in text:
                text = _blank_comments(text, _Source("", self.filename), self.linecol)
            self._pos = [m.start(1) for m in _TOKEN_RE.finditer(text + _SENTINEL)]
        return self._pos

    def offset(self, k: int) -> int:
        """Character offset of token ``k`` (the end of the text past the last token)."""
        pos = self.positions()
        if 0 <= k < len(pos):
            return pos[k]
        return len(self.text)

    def linecol(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        if self._lines is None:
            self._lines = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_right(self._lines, offset)
        return line, offset - self._lines[line - 1] + 1

    def error(self, message: str, k: int) -> WatError:
        if 0 <= k < len(self.toks) and self.toks[k] == '"':
            message = "unterminated string"
        line, col = self.linecol(self.offset(k))
        return WatError(message, line, col, self.filename)


def _blank_comments(text: str, src: _Source,
                    linecol: Callable[[int], tuple[int, int]] | None = None) -> str:
    """Replace block comments ``(; ... ;)`` (nested) and annotations ``(@id ...)`` by spaces,
    keeping newlines so that positions stay true.  Annotations are checked as the
    annotations proposal says (a non-empty id, tokens of the text format); each
    ``(@custom ...)`` is recorded in ``src.customs`` for the module encoder."""
    linecol = linecol or src.linecol
    if "(;" in text:
        text = _blank_spans(text, linecol, src.filename, _COMMENT_SCAN_RE, "(;", _NESTED_RE,
                            "unclosed block comment")
    if "(@" in text:
        text = _blank_spans(text, linecol, src.filename, _ANNOT_SCAN_RE, "(@", _ANNOT_INNER_RE,
                            "unclosed annotation", src.customs)
    return text


def _check_annotation(text: str, start: int, end: int) -> tuple[str, int] | None:
    """What is wrong with the annotation ``text[start:end]`` (its "(@" at ``start``), as
    (message, offset), or None."""
    m = _ANNOT_ID_RE.match(text, start + 2)
    if m is None:
        return "empty annotation id", start
    if m.group()[0] == '"':
        raw = _string_bytes(m.group())
        if not raw:
            return "empty annotation id", start
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return "malformed UTF-8 encoding", m.start()
    for c in _ANNOT_ILLEGAL_RE.finditer(text, m.end(), end):
        if c.group() == "\ufffd":  # a quoted module's bad UTF-8, replaced
            return "malformed UTF-8 encoding", c.start()
        if c.group()[0] != '"':
            return "illegal character", c.start()
    return None


def _blank_spans(
    text: str, linecol: Callable[[int], tuple[int, int]], filename: str, scan: re.Pattern[str],
    opener: str, inner: re.Pattern[str], what: str, customs: list[tuple[int, str]] | None = None,
) -> str:
    """Blank each span that ``scan`` finds starting with ``opener``; ``inner`` finds the
    nested openers (depth +1) and closers (depth -1) up to the end of the span.  With
    ``customs``, the spans are annotations: each is checked, and the ``@custom`` ones are
    appended to ``customs``."""

    def error(message: str, at: int) -> WatError:
        line, col = linecol(at)
        return WatError(message, line, col, filename)

    out: list[str] = []
    i = 0
    while True:
        m = scan.search(text, i)
        if m is None:
            break
        if m.group() != opener:  # a string or a line comment: kept as it is
            out.append(text[i : m.end()])
            i = m.end()
            continue
        start = m.start()
        depth = 1
        j = m.end()
        while depth:
            m2 = inner.search(text, j)
            if m2 is None:
                raise error(what, start)
            if m2.group() == '"':
                raise error("unclosed string", m2.start())
            depth += _NEST_STEP.get(m2.group(), 0)
            j = m2.end()
        if customs is not None:
            wrong = _check_annotation(text, start, j)
            if wrong is not None:
                raise error(*wrong)
            if text.startswith("(@custom", start) and not _IDCHAR_RE.match(text, start + 8):
                customs.append((start, text[start:j]))
        out.append(text[i:start])
        out.append(_NOT_NEWLINE_RE.sub(" ", text[start:j]))
        i = j
    out.append(text[i:])
    return "".join(out)


# --------------------------------------------------------------------------------------
# Literals
# --------------------------------------------------------------------------------------
_DEC_RE = re.compile(r"[0-9](?:_?[0-9])*\Z")
_HEX_RE = re.compile(r"[0-9a-fA-F](?:_?[0-9a-fA-F])*\Z")
_DECFLOAT_RE = re.compile(
    r"([0-9](?:_?[0-9])*)(?:\.((?:[0-9](?:_?[0-9])*)?))?(?:[eE]([+-]?[0-9](?:_?[0-9])*))?\Z"
)
_HEXFLOAT_RE = re.compile(
    r"0x([0-9a-fA-F](?:_?[0-9a-fA-F])*)(?:\.((?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?))?"
    r"(?:[pP]([+-]?[0-9](?:_?[0-9])*))?\Z"
)


_HUGE = 1 << 256  # stands for any decimal literal too long to be in range


def _dec_int(digits: str) -> int:
    """A decimal digit string as an int; ``_HUGE`` when it is too long to be in any range
    (Python refuses to convert more than 4300 digits)."""
    if len(digits) > 80:
        digits = digits.lstrip("0") or "0"
        if len(digits) > 80:
            return _HUGE
    return int(digits)


def _exponent(text: str | None) -> int:
    """A decimal exponent, clamped to +-10**9 (far past any float's range)."""
    if not text:
        return 0
    text = text.replace("_", "")
    neg = text[0] == "-"
    v = _dec_int(text.lstrip("+-"))
    v = min(v, 10**9)
    return -v if neg else v


def _parse_uint(tok: str) -> int | None:
    """An unsigned integer literal (decimal or hex, ``_`` between digits), else None."""
    if tok.isdigit() and tok.isascii():
        return _dec_int(tok)
    if tok.startswith("0x"):
        body = tok[2:]
        if _HEX_RE.match(body):
            return int(body.replace("_", ""), 16)
        return None
    if _DEC_RE.match(tok):
        return _dec_int(tok.replace("_", ""))
    return None


def _parse_int(tok: str) -> int | None:
    """A signed or unsigned integer literal, else None."""
    c = tok[:1]
    if c == "-":
        v = _parse_uint(tok[1:])
        return None if v is None else -v
    if c == "+":
        return _parse_uint(tok[1:])
    return _parse_uint(tok)


def _int_bits(tok: str, bits: int) -> int | None:
    """An iN literal as its unsigned bit pattern; None if malformed or out of range."""
    v = _parse_int(tok)
    if v is None:
        return None
    if v < 0:
        if v < -(1 << (bits - 1)):
            return None
        return v + (1 << bits)
    if v >> bits:
        return None
    return v


def _round_bits(n: int, d: int, mbits: int, bias: int) -> int | None:
    """Bits of the float nearest to n/d > 0 (ties to even); None when it rounds to infinity."""
    e = n.bit_length() - d.bit_length()
    if e >= 0:
        if n < (d << e):
            e -= 1
    elif (n << -e) < d:
        e -= 1
    emin = 1 - bias
    e = max(e, emin)
    q = e - mbits
    if q >= 0:
        s, r = divmod(n, d << q)
        den = d << q
    else:
        s, r = divmod(n << -q, d)
        den = d
    r2 = r << 1
    if r2 > den or (r2 == den and s & 1):
        s += 1
    if s >> (mbits + 1):
        s >>= 1
        e += 1
    if not s >> mbits:
        return s  # subnormal (or zero)
    if e > bias:
        return None
    return ((e + bias) << mbits) | (s - (1 << mbits))


_FLOAT_CACHE: dict[tuple[str, int], int] = {}
_F32_MIN_NORMAL = 1.1754943508222875e-38


def _float_bits(tok: str, mbits: int, ebits: int) -> int | None:
    """A float literal as the bit pattern of f32 (mbits=23) or f64 (52); None if malformed.

    Raises ``OverflowError`` when the literal rounds to infinity or its NaN payload is out
    of range ("constant out of range").  Results are memoized (scripts repeat literals).
    """
    key = (tok, mbits)
    v = _FLOAT_CACHE.get(key)
    if v is None:
        v = _float_bits_uncached(tok, mbits, ebits)
        if v is not None and len(_FLOAT_CACHE) < 1 << 16:
            _FLOAT_CACHE[key] = v
    return v


def _float_bits_uncached(tok: str, mbits: int, ebits: int) -> int | None:
    """A float literal as the bit pattern of f32 (mbits=23) or f64 (52); None if malformed.

    Raises ``OverflowError`` when the literal is well-formed but rounds to infinity or has
    an out-of-range NaN payload ("constant out of range").
    """
    sign = 0
    body = tok
    c = tok[:1]
    if c == "-":
        sign = 1 << (mbits + ebits)
        body = tok[1:]
    elif c == "+":
        body = tok[1:]
    expmask = ((1 << ebits) - 1) << mbits
    if body == "inf":
        return sign | expmask
    if body[:3] == "nan":
        if body == "nan":
            return sign | expmask | (1 << (mbits - 1))
        if body[:6] != "nan:0x" or not _HEX_RE.match(body[6:]):
            return None
        payload = int(body[6:].replace("_", ""), 16)
        if payload == 0 or payload >> mbits:
            raise OverflowError("constant out of range")
        return sign | expmask | payload
    bias = (1 << (ebits - 1)) - 1
    if body[:2] == "0x":
        m = _HEXFLOAT_RE.match(body)
        if m is None:
            return None
        ip, fp, ep = m.groups()
        digits = ip.replace("_", "") + (fp.replace("_", "") if fp else "")
        mant = int(digits, 16)
        exp = _exponent(ep) - 4 * (len(digits) - len(ip.replace("_", "")))
        if mant == 0:
            return sign
        top = mant.bit_length() + exp
        if top > bias + 2:
            raise OverflowError("constant out of range")
        if top <= 1 - bias - mbits - 1:
            return sign
        if exp >= 0:
            bits = _round_bits(mant << exp, 1, mbits, bias)
        else:
            bits = _round_bits(mant, 1 << -exp, mbits, bias)
    else:
        m = _DECFLOAT_RE.match(body)
        if m is None:
            return None
        x = float(body.replace("_", ""))  # correctly rounded to f64
        if x == _INF:
            raise OverflowError("constant out of range")
        b64: int = _unpack_q(_pack_d(x))[0]
        if mbits == 52:
            return sign | b64
        # f64 -> f32 is exact unless x sits on an f32 midpoint (double rounding) or is
        # in the f32 subnormal range: then round the decimal exactly below.
        if (b64 & 0x1FFFFFFF) != 0x10000000 and x >= _F32_MIN_NORMAL:
            b32: int = _unpack_i(_pack_f(x))[0]
            return sign | b32
        ip, fp, ep = m.groups()
        ip = ip.replace("_", "")
        fp = fp.replace("_", "") if fp else ""
        digits = (ip + fp).lstrip("0")
        if not digits:
            return sign
        exp = _exponent(ep) - len(fp)
        if len(digits) > 1000:
            # beyond ~800 significant digits only "is anything left" matters for rounding
            sticky = digits[1000:].strip("0") != ""
            exp += len(digits) - 1000 - sticky
            digits = digits[:1000] + ("1" if sticky else "")
        mant = int(digits)
        mag = len(digits) + exp
        if mag > 60:
            raise OverflowError("constant out of range")
        if mag < -70:
            return sign
        if exp >= 0:
            bits = _round_bits(mant * 10**exp, 1, mbits, bias)
        else:
            bits = _round_bits(mant, 10**-exp, mbits, bias)
    if bits is None:
        raise OverflowError("constant out of range")
    return sign | bits


_INF = float("inf")
_pack_d = struct.Struct("<d").pack
_pack_f = struct.Struct("<f").pack
_unpack_q = struct.Struct("<Q").unpack
_unpack_i = struct.Struct("<I").unpack

_STR_ESC_RE = re.compile(
    r'\\(?:([0-9a-fA-F]{2})|u\{([0-9a-fA-F](?:_?[0-9a-fA-F])*)\}|([tnr"\'\\]))'
)
_STR_BAD_RE = re.compile(r"[\x00-\x1f\x7f]")
_SIMPLE_ESC = {"t": b"\t", "n": b"\n", "r": b"\r", '"': b'"', "'": b"'", "\\": b"\\"}


def _string_bytes(tok: str) -> bytes | None:
    """The bytes of a string token (with its quotes); None if an escape is malformed."""
    body = tok[1:-1]
    if _STR_BAD_RE.search(body):
        return None
    if "\\" not in body:
        return body.encode("utf-8")
    out = bytearray()
    i = 0
    while True:
        j = body.find("\\", i)
        if j < 0:
            out += body[i:].encode("utf-8")
            return bytes(out)
        out += body[i:j].encode("utf-8")
        m = _STR_ESC_RE.match(body, j)
        if m is None:
            return None
        hx, uni, simple = m.groups()
        if hx is not None:
            out.append(int(hx, 16))
        elif uni is not None:
            cp = int(uni.replace("_", ""), 16)
            if cp >= 0x110000 or 0xD800 <= cp < 0xE000:
                return None
            out += chr(cp).encode("utf-8")
        else:
            out += _SIMPLE_ESC[simple]
        i = m.end()


# --------------------------------------------------------------------------------------
# Binary encoding helpers
# --------------------------------------------------------------------------------------
def _uleb(v: int) -> bytes:
    if v < 0x80:
        return bytes((v,))
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _sleb(v: int) -> bytes:
    if -64 <= v < 64:
        return bytes((v & 0x7F,))
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if (v == 0 and not b & 0x40) or (v == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def _vec(items: list[bytes]) -> bytes:
    return _uleb(len(items)) + b"".join(items)


def _name(s: bytes) -> bytes:
    return _uleb(len(s)) + s


# Abstract heap types and the reference-type shorthands (binary: one byte each; ``(ref null
# ht)`` of an abstract ``ht`` is encoded as its shorthand, as wasm-tools does).
_HEAPTYPES = {
    "func": 0x70, "extern": 0x6F, "any": 0x6E, "eq": 0x6D, "i31": 0x6C, "struct": 0x6B,
    "array": 0x6A, "exn": 0x69, "none": 0x71, "noextern": 0x72, "nofunc": 0x73, "noexn": 0x74,
}  # fmt: skip
_REFTYPES = {
    "funcref": 0x70, "externref": 0x6F, "anyref": 0x6E, "eqref": 0x6D, "i31ref": 0x6C,
    "structref": 0x6B, "arrayref": 0x6A, "exnref": 0x69, "nullref": 0x71,
    "nullexternref": 0x72, "nullfuncref": 0x73, "nullexnref": 0x74,
}  # fmt: skip
# A lane index that is no u8: the 2.0 suite's words, then the 3.0 suite's.
_BAD_LANE = "malformed lane index (i8 constant out of range)"

_PACKED = {"i8": b"\x78", "i16": b"\x77"}  # packed storage types of struct/array fields
VALTYPES = {"i32": 0x7F, "i64": 0x7E, "f32": 0x7D, "f64": 0x7C, "v128": 0x7B, **_REFTYPES}

# --------------------------------------------------------------------------------------
# Instructions: name -> (immediate kind, opcode bytes, natural alignment)
# --------------------------------------------------------------------------------------
(
    K_NONE,
    K_MEM,
    K_I32,
    K_I64,
    K_F32,
    K_F64,
    K_LABEL,
    K_BRTABLE,
    K_FUNC,
    K_CALLIND,
    K_LOCAL,
    K_GLOBAL,
    K_TABLE,
    K_TABLECOPY,
    K_TABLEINIT,
    K_ELEM,
    K_MEMINIT,
    K_DATA,
    K_ZERO,
    K_ZERO2,
    K_SELECT,
    K_REFNULL,
    K_V128,
    K_SHUFFLE,
    K_LANE,
    K_MEMLANE,
    K_BLOCK,
    K_BYTE0,
    K_TYPE,
    K_TAG,
    K_FIELD,
    K_TYPEU32,
    K_TYPEDATA,
    K_TYPEELEM,
    K_TYPE2,
    K_CAST,
    K_BRCAST,
) = range(37)

# The instructions come from the wasm instruction table (tools/wasm_ops.py, generated into
# _wasm_ops.py); here only how each kind of immediate is written in the text format.
_TEXT_KINDS = {
    "": K_NONE,
    "memarg": K_MEM,
    "i32": K_I32,
    "i64": K_I64,
    "f32": K_F32,
    "f64": K_F64,
    "labelidx": K_LABEL,
    "labels": K_BRTABLE,
    "funcidx": K_FUNC,
    "typeidx tableidx": K_CALLIND,
    "localidx": K_LOCAL,
    "globalidx": K_GLOBAL,
    "tableidx": K_TABLE,
    "tableidx tableidx": K_TABLECOPY,
    "elemidx tableidx": K_TABLEINIT,
    "elemidx": K_ELEM,
    "dataidx memidx": K_MEMINIT,
    "dataidx": K_DATA,
    "memidx": K_ZERO,
    "memidx memidx": K_ZERO2,
    "heaptype": K_REFNULL,
    "v128": K_V128,
    "lanes16": K_SHUFFLE,
    "lane": K_LANE,
    "memarg lane": K_MEMLANE,
    "blocktype": K_BLOCK,
    "zero": K_BYTE0,
    "typeidx": K_TYPE,
    "tagidx": K_TAG,
    "blocktype catches": K_BLOCK,
    "typeidx fieldidx": K_FIELD,
    "typeidx u32": K_TYPEU32,
    "typeidx dataidx": K_TYPEDATA,
    "typeidx elemidx": K_TYPEELEM,
    "typeidx typeidx": K_TYPE2,
    "castflags labelidx heaptype heaptype": K_BRCAST,
}
# Syntax that is more than the binary immediates: structured instructions, and `select`
# with an optional `(result t)` (the binary `select_t` form).
# `ref.test`/`ref.cast` take a reference type whose nullability picks the opcode (the
# binary `_null` forms are the next sub-opcode).
_SYNTAX_KINDS = {"block": K_BLOCK, "loop": K_BLOCK, "if": K_BLOCK, "else": K_BLOCK,
                 "end": K_BLOCK, "select": K_SELECT, "try_table": K_BLOCK, "try": K_BLOCK,
                 "catch": K_BLOCK, "catch_all": K_BLOCK, "delegate": K_BLOCK, "ref.test": K_CAST,
                 "ref.cast": K_CAST}  # fmt: skip
# try_table's catch clauses: keyword -> (binary kind, has a tag index)
_CATCH_CLAUSES = {"catch": (0, True), "catch_ref": (1, True), "catch_all": (2, False),
                  "catch_all_ref": (3, False)}


def _opcode_bytes(op: int) -> bytes:
    """The encoding of an ``Instr.op`` value: the byte, or the prefix and LEB128 sub-opcode."""
    return bytes((op,)) if op < 0x100 else bytes((op >> 16,)) + _uleb(op & 0xFFFF)


def _build_ops() -> dict[str, tuple[int, bytes, int]]:
    """Text mnemonic -> (immediate kind, opcode bytes, natural alignment in bytes)."""
    ops: dict[str, tuple[int, bytes, int]] = {}
    for row in _wasm_ops.OPS:
        op, imm, align, text = row[1], row[2], row[3], row[10]
        if text:
            ops[text] = (_SYNTAX_KINDS.get(text, _TEXT_KINDS[imm]), _opcode_bytes(op), align)
    return ops


_SELECT_T = next(_opcode_bytes(row[1]) for row in _wasm_ops.OPS if row[0] == "select_t")[0]
OPS = _build_ops()

_LANES = {"i8x16": (16, 8), "i16x8": (8, 16), "i32x4": (4, 32), "i64x2": (2, 64), "f32x4": (4, 32),
          "f64x2": (2, 64)}  # fmt: skip

_FIELDS = frozenset(
    ("type", "import", "func", "table", "memory", "global", "export", "start", "elem", "data",
     "tag")
)
_UNKNOWN_ID_RE = re.compile(r"unknown (?:type|func|table|memory|global|elem|data|tag) ")
_KIND_NAMES = {"func": "function", "table": "table", "memory": "memory", "global": "global",
               "tag": "tag"}
# keywords of the syntax around instructions: out of place, they are unexpected tokens
_SYNTAX_WORDS = frozenset(_FIELDS | {"param", "result", "local", "then", "mut", "offset", "item",
                                     "rec", "sub", "final", "field", "i8", "i16"})
_SPACES = ("type", "func", "table", "memory", "global", "elem", "data", "tag")
_IMPORT_KINDS = {"func": 0, "table": 1, "memory": 2, "global": 3, "tag": 4}


_ID_RE = re.compile(r"\$(?:[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]+|\x01[^\x01]*)\Z")
_IDCHARS_RE = re.compile(r"[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]+\Z")


def _string_id(tok: str) -> str:
    """Normalize a ``$"..."`` id token: ``$"abc"`` is ``$abc``; other names become
    ``$\x01name`` (a form no source token has).  Malformed ones are left as they are."""
    if not _STR_RE.match(tok, 1):
        return tok
    b = _string_bytes(tok[1:])
    try:
        name = b.decode("utf-8") if b is not None else None
    except UnicodeDecodeError:
        name = None
    if not name:
        return tok
    return "$" + name if _IDCHARS_RE.match(name) else "$\x01" + name


def _malformed_atom(tok: str) -> str:
    """The error for an atom that is no keyword, number or id, as the reference lexer
    words it: an empty ``$`` or ``$""`` (or a ``$"..."`` whose string is malformed) is an
    "empty identifier", a ``$"..."`` that is not UTF-8 is "malformed UTF-8", any other
    word is an "unknown operator"."""
    if tok == "$":
        return "empty identifier"
    if tok[:2] == '$"' and _STR_RE.match(tok, 1):
        b = _string_bytes(tok[1:])
        if not b:
            return "empty identifier"
        try:
            b.decode("utf-8")
        except UnicodeDecodeError:
            return "malformed UTF-8"
    return f"unknown operator {tok}"


def _id_name(tok: str) -> str:
    """The name an id token stands for (for the name section)."""
    return tok[2:] if tok[1] == "\x01" else tok[1:]


def _is_word(t: str) -> bool:
    """Whether an atom is a keyword, number or id that the text format knows."""
    return (
        t in OPS
        or t in VALTYPES
        or t in _SYNTAX_WORDS
        or t in _HEAPTYPES
        or t in _LANES
        or t in ("nan:canonical", "nan:arithmetic")
        or _is_id(t)
        or _parse_int(t) is not None
        or _is_float(t)
    )


def _is_lane_literal(t: str) -> bool:
    """Whether a token stands where a lane literal may (a number, or a malformed word)."""
    if t[0] in "0123456789+-" or t.startswith(("nan", "inf")):
        return True
    return t not in ("(", ")") and not _STR_RE.match(t) and not _is_word(t)


def _is_float(t: str) -> bool:
    try:
        return _float_bits(t, 52, 11) is not None
    except OverflowError:
        return True


def _is_id(t: str) -> bool:
    return t[0] == "$" and _ID_RE.match(t) is not None


# --------------------------------------------------------------------------------------
# Module encoder
# --------------------------------------------------------------------------------------
# A function type: the binary encodings of its parameter and result types.
Sig = tuple[tuple[bytes, ...], tuple[bytes, ...]]


# Where a (@custom ...) section may be placed: before or after each of these (the order
# of sections in a module; tags included, as the text format names them), or before
# "first" / after "last".
_CUSTOM_KINDS = ("type", "import", "func", "table", "memory", "tag", "global", "export",
                 "start", "elem", "code", "data")


def _custom_annotation(text: str) -> tuple[tuple[str, str], bytes] | tuple[str, int]:
    """``(@custom "name" (before|after kind)? "data"*)``: its placement and section payload,
    or what is wrong with it and the offset (in ``text``) of the fault."""
    body = text[len("(@custom"):-1]
    spans = [(m.group(1), m.start(1) + 8) for m in _TOKEN_RE.finditer(body + _SENTINEL)][:-1]
    toks = [t for t, _ in spans] + [")"]
    if not _STR_RE.match(toks[0]):
        return "missing section name", spans[0][1] if spans else 0
    name = _string_bytes(toks[0])
    try:
        if name is None:
            raise UnicodeDecodeError("utf-8", b"", 0, 1, "malformed escape")
        name.decode("utf-8")
    except UnicodeDecodeError:
        return "malformed UTF-8 encoding", spans[0][1]
    place = ("after", "last")
    i = 1
    if toks[i] == "(":
        where, kind = toks[i + 1], toks[i + 2]
        if where not in ("before", "after"):
            return "malformed placement", spans[i][1]
        first_last = "first" if where == "before" else "last"
        if kind not in _CUSTOM_KINDS and kind != first_last:
            return "malformed section kind", spans[i][1]
        if toks[i + 3] != ")":
            return "malformed placement", spans[i][1]
        place = (where, kind)
        i += 4
    data = bytearray()
    for t, at in spans[i:]:
        b = _string_bytes(t) if _STR_RE.match(t) else None
        if b is None:
            return "unexpected token", at
        data += b
    return place, _name(name) + bytes(data)


class _ModuleParser:
    """Encodes the module fields between token ``start`` and the closing ``end`` index."""

    def __init__(self, src: _Source, memory64: bool = True) -> None:
        self.src = src
        self.toks = src.toks
        # the 3.0 grammar: u64 memarg offsets (memory64); the 2.0 one has u32 offsets
        self.memory64 = memory64
        self.ids: dict[str, dict[str, int]] = {s: {} for s in _SPACES}
        self.counts = dict.fromkeys(_SPACES, 0)
        # the signature of every type (None for a struct or array type), its encoding (a
        # sub type) and the sizes of the recursion groups, in order
        self.types: list[Sig | None] = []
        self.typedefs: list[bytes] = []
        self.groups: list[int] = []  # the size of each group, negative for a ``(rec ...)``
        # the first plain function type (final, no supertype, a group of one) of each
        # signature: what an inline type use names
        self.first_type: dict[Sig, int] = {}
        self.field_ids: dict[int, dict[str, int]] = {}  # (struct (field $x ..)): type -> ids
        self.imports: list[bytes] = []
        self.funcs: list[int] = []  # type index of each defined function
        self.tables: list[bytes] = []
        self.memories: list[bytes] = []
        self.globals: list[bytes] = []
        self.tags: list[bytes] = []
        self.exports: list[bytes] = []
        self.start: int | None = None
        self.elems: list[bytes] = []
        self.datas: list[bytes] = []
        self.codes: list[bytes] = []
        self.uses_data_count = False
        self.module_name: str | None = None
        self.customs: list[tuple[tuple[str, str], bytes]] = []  # (placement, payload)
        self.local_names: dict[int, dict[int, str]] = {}
        self.type_param_names: dict[int, dict[int, str]] = {}  # (type (func (param $x ..)))
        self.label_names: dict[int, dict[int, str]] = {}
        self.block_count = 0  # blocks, loops and ifs of the current function so far
        self.block_names: dict[int, str] = {}
        # per-function state
        self.locals: dict[str, int] = {}
        self.labels: list[str | None] = []

    # ---- errors and token helpers --------------------------------------------------
    def err(self, message: str, k: int) -> WatError:
        return self.src.error(message, k)

    def expect_end(self, k: int, end: int) -> None:
        """Nothing may follow at `k` before the form's closing paren at `end`."""
        if k != end:
            raise self.err(f"unexpected token '{self.toks[k]}'", k)

    def expect(self, k: int, what: str) -> None:
        t = self.toks[k] if k < len(self.toks) else ""
        if t != what:
            raise self.err(f"expected '{what}'" + (f", found '{t}'" if t else ""), k)

    def close(self, k: int) -> int:
        """Index just after the ')' that must be at ``k``."""
        if self.toks[k] != ")":
            raise self.err(f"unexpected token '{self.toks[k]}', expected ')'", k)
        return k + 1

    def skip(self, k: int) -> int:
        """Index just after the parenthesised group opening at ``k`` (the '(')."""
        depth = self.src.depth()
        try:
            return depth.index(depth[k] - 1, k + 1) + 1
        except ValueError:
            raise self.err("unexpected end of input, expected ')'", len(self.toks)) from None

    def string(self, k: int) -> bytes:
        t = self.toks[k]
        if t[0] != '"' or not _STR_RE.match(t):
            raise self.unexpected(k, "a string")
        b = _string_bytes(t)
        if b is None:
            raise self.err("malformed string escape", k)
        return b

    def utf8(self, k: int) -> bytes:
        b = self.string(k)
        try:
            b.decode("utf-8")
        except UnicodeDecodeError:
            raise self.err("malformed UTF-8 encoding", k) from None
        return b

    def unexpected(self, k: int, expected: str) -> WatError:
        """The error for token ``k`` where ``expected`` was due: a word that is no keyword,
        number or id is an "unknown operator" (as the reference lexer reports it), any
        other token is an "unexpected token"."""
        t = self.toks[k]
        if t not in ("(", ")") and not _STR_RE.match(t) and not _is_word(t):
            return self.err(_malformed_atom(t), k)
        return self.err(f"unexpected token '{t}', expected {expected}", k)

    def u32(self, k: int, bits: int = 32) -> int:
        """The natural number at ``k``, below ``2**bits``."""
        t = self.toks[k]
        v = _parse_uint(t) if t[0] in "0123456789" else None
        if v is None:
            raise self.unexpected(k, "a natural number")
        if v >> bits:
            raise self.err(f"i{bits} constant out of range", k)
        return v

    def u64(self, k: int) -> int:
        return self.u32(k, 64)

    def is_num(self, k: int) -> bool:
        return self.toks[k][0] in "0123456789"

    def is_index(self, k: int) -> bool:
        """Whether token ``k`` is an index: a number or an ``$id``."""
        t = self.toks[k]
        return t[0] in "0123456789" or (t[0] == "$" and len(t) > 1)

    def idx(self, k: int, space: str) -> int:
        t = self.toks[k]
        if t[0] == "$":
            if not _is_id(t):
                raise self.err(_malformed_atom(t), k)
            v = self.ids[space].get(t)
            if v is None:
                raise self.err(f"unknown {space} {t}", k)
            return v
        if t[0] in "0123456789":
            return self.u32(k)
        raise self.unexpected(k, f"a {space} index")

    def bind(self, space: str, k: int, index: int) -> None:
        t = self.toks[k]
        d = self.ids[space]
        if t in d:
            raise self.err(f"duplicate {space} {t}", k)
        d[t] = index

    def valtype(self, k: int) -> tuple[bytes, int]:
        """A value type at ``k``: its encoding and the index after it."""
        v = VALTYPES.get(self.toks[k])
        if v is not None:
            return bytes((v,)), k + 1
        if self.toks[k] == "(" and self.toks[k + 1] == "ref":
            return self.reftype(k)
        raise self.unexpected(k, "a value type")

    def reftype(self, k: int) -> tuple[bytes, int]:
        """A reference type (a shorthand such as ``funcref``, or ``(ref null? heaptype)``):
        its encoding and the index after it."""
        null, heap, k = self.cast_type(k)
        if null and len(heap) == 1 and heap[0] in _HEAPTYPES.values():
            return heap, k                      # (ref null func) is funcref's byte
        return (b"\x63" if null else b"\x64") + heap, k

    def cast_type(self, k: int) -> tuple[bool, bytes, int]:
        """A reference type of a cast (``(ref null? ht)`` or a shorthand): whether it is
        nullable, its heap type's encoding, and the index after it."""
        toks = self.toks
        v = _REFTYPES.get(toks[k])
        if v is not None:
            return True, bytes((v,)), k + 1
        if toks[k] == "(" and toks[k + 1] == "ref":
            j = k + 2
            null = toks[j] == "null"
            j += null
            return null, self.heaptype(j), self.close(j + 1)
        raise self.err(f"unexpected token '{toks[k]}', expected a reference type", k)

    def heaptype(self, k: int) -> bytes:
        """A heap type: an abstract one's byte, or a type index (``$t``/``N``) as s33."""
        t = self.toks[k]
        h = _HEAPTYPES.get(t)
        if h is not None:
            return bytes((h,))
        if _is_id(t) or t[:1].isdigit():
            return _sleb(self.idx(k, "type"))
        raise self.err(f"unexpected token '{t}', expected a heap type", k)

    # ---- pass 1 --------------------------------------------------------------------
    def encode(self, k: int, end: int) -> bytes:
        """Encode the fields from token ``k`` up to the ')' (or end of input) at ``end``.

        When pass 1 fails, the fields before the failure are still encoded first, so that
        the error reported is the first one in the text (as a one-pass parser finds it).
        """
        fields: list[tuple[str, int, int]] = []
        if self.src.customs:
            self.collect_customs(k, end)
        try:
            self.collect(k, end, fields)
        except WatError:
            try:
                self.encode_fields(fields)
            except WatError as e:
                if not _UNKNOWN_ID_RE.match(e.reason):  # not just a later field's id
                    raise
            except IndexError:
                pass
            raise
        self.encode_fields(fields)
        return self.assemble()

    def collect_customs(self, k: int, end: int) -> None:
        """The ``(@custom ...)`` annotations among the fields from token ``k`` to ``end``:
        each becomes a custom section (a misplaced or malformed one is a WatError)."""
        src = self.src
        pos = src.positions()
        depth = src.depth()
        level = depth[k - 1] if k > 0 else 0
        first = pos[k - 1] if k > 0 else -1
        for offset, text in src.customs:
            t = bisect.bisect_left(pos, offset)  # the first token after the annotation
            if offset < first or t > end:
                continue  # another module's
            if (depth[t - 1] if t > 0 else 0) != level:
                line, col = src.linecol(offset)
                raise WatError("misplaced @custom annotation", line, col, src.filename)
            parsed = _custom_annotation(text)
            if isinstance(parsed[0], str):
                line, col = src.linecol(offset + int(parsed[1]))
                raise WatError(f"@custom annotation: {parsed[0]}", line, col, src.filename)
            self.customs.append(parsed)

    def encode_fields(self, fields: list[tuple[str, int, int]]) -> None:
        """Pass 2: encode each field in order."""
        self.next_index = dict.fromkeys(("func", "table", "memory", "global", "tag"), 0)
        for kw, a, b in fields:
            if kw not in ("type", "rec"):  # types were read in pass 1
                getattr(self, "field_" + kw)(a + 2, b - 1)

    def collect(self, k: int, end: int, fields: list[tuple[str, int, int]]) -> None:
        """Pass 1: the extent of each field, the ids of every index space and the types."""
        toks = self.toks
        defined: str | None = None
        # type ids first: a type may name a later one ((ref $t) before $t is defined)
        j, ntypes = k, 0
        while j < end and toks[j] == "(":
            if toks[j + 1] == "type":
                if _is_id(toks[j + 2]):
                    self.bind("type", j + 2, ntypes)
                ntypes += 1
            elif toks[j + 1] == "rec":
                m = j + 2
                while toks[m] == "(" and toks[m + 1] == "type":
                    if _is_id(toks[m + 2]):
                        self.bind("type", m + 2, ntypes)
                    ntypes += 1
                    m = self.skip(m)
            j = self.skip(j)
        while k < end:
            if toks[k] != "(":
                raise self.unexpected(k, "a module field")
            kw = toks[k + 1]
            stop = self.skip(k)
            j = k + 2
            if kw == "type":
                self.typedef(k, single=True)
            elif kw == "rec":
                self.groups.append(0)
                while toks[j] == "(" and toks[j + 1] == "type":
                    j = self.typedef(j, single=False)
                    self.groups[-1] -= 1
                self.close(j)
            elif kw in ("func", "table", "memory", "global", "tag"):
                space = kw
                has_id = _is_id(toks[j])
                if has_id:
                    j += 1
                imported = False
                while toks[j] == "(" and toks[j + 1] in ("export", "import"):
                    if toks[j + 1] == "import":
                        imported = True
                    j = self.skip(j)
                if imported:
                    if defined is not None:
                        raise self.err(f"import after {_KIND_NAMES[defined]}", k)
                else:
                    defined = defined or kw
                if has_id:
                    self.bind(space, k + 2, self.counts[space])
                self.counts[space] += 1
                # inline (table ... (elem ...)) / (memory (data ...)) create a segment
                if not imported and kw in ("table", "memory"):
                    seg = "elem" if kw == "table" else "data"
                    m = j
                    while m < stop - 1:
                        if toks[m] == "(" and toks[m + 1] == seg:
                            self.counts[seg] += 1
                            break
                        m += 1
            elif kw == "import":
                if defined is not None:
                    raise self.err(f"import after {_KIND_NAMES[defined]}", k)
                j += 2
                if toks[j] != "(" or toks[j + 1] not in _IMPORT_KINDS:
                    raise self.err("unexpected token, expected an import description", j)
                space = toks[j + 1]
                if _is_id(toks[j + 2]):
                    self.bind(space, j + 2, self.counts[space])
                self.counts[space] += 1
            elif kw in ("elem", "data"):
                if _is_id(toks[j]):
                    self.bind(kw, j, self.counts[kw])
                self.counts[kw] += 1
            elif kw not in ("export", "start"):
                raise self.unexpected(k + 1, "a module field")
            fields.append((kw, k, stop))
            k = stop

    # ---- type definitions ----------------------------------------------------------
    def typedef(self, k: int, single: bool) -> int:
        """``(type $id? subtype)`` at ``k`` (alone: a recursion group of one): records the
        type; the index after its ')'."""
        toks = self.toks
        j = k + 2
        if _is_id(toks[j]):
            j += 1
        index = len(self.types)
        self.expect(j, "(")
        if toks[j + 1] == "sub":
            j += 2
            final = toks[j] == "final"
            j += final
            supers = []
            while self.is_index(j):
                supers.append(_uleb(self.idx(j, "type")))
                j += 1
            body, sig, j = self.comptype(j, index)
            j = self.close(j)
            encoded = (b"\x4f" if final else b"\x50") + _vec(supers) + body
            plain = final and not supers
        else:
            body, sig, j = self.comptype(j, index)
            encoded, plain = body, True
        if single:
            self.groups.append(1)
            if plain and sig is not None:
                self.first_type.setdefault(sig, index)
        self.types.append(sig)
        self.typedefs.append(encoded)
        return self.close(j)

    def comptype(self, j: int, index: int) -> tuple[bytes, Sig | None, int]:
        """``(func ...)``, ``(struct (field ...)*)`` or ``(array fieldtype)`` at ``j``: its
        encoding, its signature (None but for a function) and the index after its ')'."""
        toks = self.toks
        self.expect(j, "(")
        kw = toks[j + 1]
        if kw == "func":
            sig, j, names = self.sig(j + 2, allow_names=True)
            if names:
                self.type_param_names[index] = {i: _id_name(t) for _, t, i in names}
            return b"\x60" + _vec(list(sig[0])) + _vec(list(sig[1])), sig, self.close(j)
        if kw == "array":
            field, j = self.fieldtype(j + 2)
            return b"\x5e" + field, None, self.close(j)
        if kw != "struct":
            raise self.unexpected(j + 1, "func, struct or array")
        fields, names, j = self.decls(j + 2, "field", self.fieldtype)
        ids: dict[str, int] = {}
        for at, name, i in names:
            if name in ids:
                raise self.err(f"duplicate field {name}", at)
            ids[name] = i
        if ids:
            self.field_ids[index] = ids
        return b"\x5f" + _vec(fields), None, self.close(j)

    def fieldtype(self, j: int) -> tuple[bytes, int]:
        """``storagetype`` or ``(mut storagetype)``: its encoding and the index after it."""
        toks = self.toks
        mut = toks[j] == "(" and toks[j + 1] == "mut"
        if mut:
            j += 2
        t = _PACKED.get(toks[j])
        if t is not None:
            enc, j = t, j + 1
        else:
            enc, j = self.valtype(j)
        if mut:
            j = self.close(j)
        return enc + (b"\x01" if mut else b"\x00"), j

    # ---- type uses -----------------------------------------------------------------
    def sig(self, k: int, allow_names: bool) -> tuple[Sig, int, list[tuple[int, str, int]]]:
        """``(param ...)* (result ...)*`` from ``k``: (signature, next index, param ids)."""
        toks = self.toks
        results: list[bytes] = []
        params, names, k = self.decls(k, "param", self.valtype, allow_names)
        while toks[k] == "(" and toks[k + 1] == "result":
            k += 2
            while toks[k] != ")":
                t, k = self.valtype(k)
                results.append(t)
            k += 1
        if toks[k] == "(" and toks[k + 1] in ("param", "type"):
            raise self.err(f"unexpected token '{toks[k + 1]}'", k + 1)
        return (tuple(params), tuple(results)), k, names

    def decls(
        self, k: int, kw: str, parse: Callable[[int], tuple[bytes, int]], allow_ids: bool = True
    ) -> tuple[list[bytes], list[tuple[int, str, int]], int]:
        """``(kw $id item)`` or ``(kw item*)``, repeated from ``k`` (params, struct fields):
        the items (each read by ``parse``), the ids as (token index, id, item index) and the
        index after them."""
        toks = self.toks
        items: list[bytes] = []
        names: list[tuple[int, str, int]] = []
        while toks[k] == "(" and toks[k + 1] == kw:
            k += 2
            if _is_id(toks[k]):
                if not allow_ids:
                    raise self.err("unexpected token, parameter ids are not allowed here", k)
                names.append((k, toks[k], len(items)))
                item, k = parse(k + 1)
                items.append(item)
                k = self.close(k)
                continue
            while toks[k] != ")":
                item, k = parse(k)
                items.append(item)
            k += 1
        return items, names, k

    def typeuse(
        self, k: int, allow_names: bool
    ) -> tuple[int, int, list[tuple[int, str, int]], Sig]:
        """A type use: (type index, next index, param ids, signature)."""
        toks = self.toks
        explicit = None
        if toks[k] == "(" and toks[k + 1] == "type":
            explicit = self.idx(k + 2, "type")
            at = k
            k = self.close(k + 3)
        sig, k2, names = self.sig(k, allow_names)
        if explicit is not None:
            if explicit >= len(self.types):
                if k2 != k:
                    raise self.err(f"unknown type {explicit}", at + 2)
                return explicit, k2, names, ((), ())  # the validator reports it
            if self.types[explicit] is None:
                if k2 != k:
                    raise self.err(f"type {explicit} is not a function type", at + 2)
                return explicit, k2, names, ((), ())  # the validator reports it
            if k2 != k and sig != self.types[explicit]:
                raise self.err("inline function type does not match the type definition", k)
            return explicit, k2, names, self.types[explicit]  # type: ignore[return-value]
        return self.intern(sig), k2, names, sig

    def intern(self, sig: Sig) -> int:
        index = self.first_type.get(sig)
        if index is None:
            index = self.first_type[sig] = len(self.types)
            self.types.append(sig)
            self.typedefs.append(b"\x60" + _vec(list(sig[0])) + _vec(list(sig[1])))
            self.groups.append(1)
        return index

    # ---- fields --------------------------------------------------------------------
    def take_index(self, k: int, space: str) -> tuple[int, int]:
        """A definition's index in `space` (the next one), and `k` past its optional
        ``$id`` (bound to the index by the first pass)."""
        index = self.next_index[space]
        self.next_index[space] += 1
        return index, k + 1 if _is_id(self.toks[k]) else k

    def field_head(self, k: int, space: str) -> tuple[int, int, tuple[bytes, bytes] | None]:
        """The head every definition field shares, from `k` just after its keyword
        (``func``, ``table``, ``memory``, ``global``, ``tag``): takes the field's index in
        its index space, skips the optional ``$id``, records the inline ``(export ..)*``
        and parses the inline ``(import ..)?``.  Returns ``(index, k, import names)``."""
        toks = self.toks
        index, k = self.take_index(k, space)
        kind = _IMPORT_KINDS[space]
        imp = None
        while toks[k] == "(":
            w = toks[k + 1]
            if w == "export":
                name = self.utf8(k + 2)
                self.exports.append(_name(name) + bytes((kind,)) + _uleb(index))
                k = self.close(k + 3)
            elif w == "import":
                imp = (self.utf8(k + 2), self.utf8(k + 3))
                k = self.close(k + 4)
            else:
                break
        return index, k, imp

    def add_import(self, imp: tuple[bytes, bytes], space: str, desc: bytes) -> None:
        """Append an import entry: module and field names, the kind of `space`, `desc`."""
        self.imports.append(_name(imp[0]) + _name(imp[1]) + bytes((_IMPORT_KINDS[space],)) + desc)

    def field_func(self, k: int, end: int) -> None:
        toks = self.toks
        index, k, imp = self.field_head(k, "func")
        tidx, k, names, sig = self.typeuse(k, allow_names=True)
        if imp is not None:
            if k != end:
                raise self.err("unexpected token in imported function", k)
            self.add_import(imp, "func", _uleb(tidx))
            return
        self.funcs.append(tidx)
        self.locals = {}
        lnames: dict[int, str] = {}
        for tk, name, pidx in names:
            if name in self.locals:
                raise self.err(f"duplicate local {name}", tk)
            self.locals[name] = pidx
            lnames[pidx] = _id_name(name)
        nparams = len(sig[0])
        local_types: list[bytes] = []
        n = nparams
        while toks[k] == "(" and toks[k + 1] == "local":
            k += 2
            if _is_id(toks[k]):
                if toks[k] in self.locals:
                    raise self.err(f"duplicate local {toks[k]}", k)
                self.locals[toks[k]] = n
                lnames[n] = _id_name(toks[k])
                t, k = self.valtype(k + 1)
                local_types.append(t)
                n += 1
                k = self.close(k)
                continue
            while toks[k] != ")":
                t, k = self.valtype(k)
                local_types.append(t)
                n += 1
            k += 1
        if lnames:
            self.local_names[index] = lnames
        self.labels = []
        self.block_count = 0
        self.block_names = {}
        body = bytearray()
        groups: list[bytes] = []
        run_t = b""
        run_n = 0
        for t in local_types:
            if t == run_t:
                run_n += 1
            else:
                if run_n:
                    groups.append(_uleb(run_n) + run_t)
                run_t, run_n = t, 1
        if run_n:
            groups.append(_uleb(run_n) + run_t)
        body += _vec(groups)
        k = self.instrs(k, body)
        self.expect_end(k, end)
        body.append(0x0B)
        if self.block_names:
            self.label_names[index] = self.block_names
        self.codes.append(_uleb(len(body)) + bytes(body))

    def addrtype(self, k: int) -> tuple[bool, int]:
        """An optional address type (``i32``/``i64``) of a memory or table: (is 64-bit, next)."""
        t = self.toks[k]
        if t == "i64" or t == "i32":
            return t == "i64", k + 1
        return False, k

    def limits(self, k: int, is_64: bool = False) -> tuple[bytes, int]:
        """``min max?`` (u64; u32 in the 2.0 grammar), encoded with its flags (0x01: a
        maximum, 0x04: i64)."""
        num = self.u64 if is_64 or self.memory64 else self.u32    # (3.0: u64, then validated)
        flags = 4 if is_64 else 0
        lo = num(k)
        k += 1
        if self.is_num(k):
            hi = num(k)
            return bytes((flags | 1,)) + _uleb(lo) + _uleb(hi), k + 1
        return bytes((flags,)) + _uleb(lo), k

    def pagesize(self, k: int) -> tuple[int, int]:
        """An optional ``(pagesize n)`` (custom page sizes): (log2 of n or -1, next index)."""
        toks = self.toks
        if toks[k] != "(" or toks[k + 1] != "pagesize":
            return -1, k
        n = self.u32(k + 2)
        if n == 0 or n & (n - 1):
            raise self.err("invalid custom page size", k + 2)
        return n.bit_length() - 1, self.close(k + 3)

    def memtype(self, k: int) -> tuple[bytes, int]:
        """``addrtype? limits shared? (pagesize n)?``: the encoded memory type (flag 0x02:
        a shared memory, threads)."""
        is_64, k = self.addrtype(k)
        desc, k = self.limits(k, is_64)
        if self.toks[k] == "shared":
            desc = bytes((desc[0] | 2,)) + desc[1:]
            k += 1
        log2, k = self.pagesize(k)
        if log2 >= 0:                           # flag 0x08: the page size exponent follows
            desc = bytes((desc[0] | 8,)) + desc[1:] + _uleb(log2)
        return desc, k

    def field_table(self, k: int, end: int) -> None:
        toks = self.toks
        index, k, imp = self.field_head(k, "table")
        is_64, k = self.addrtype(k)
        zero = b"\x42\x00\x0b" if is_64 else b"\x41\x00\x0b"    # the inline segment's offset
        init = b""
        if self.is_num(k):
            lim, k = self.limits(k, is_64)
            rt, k = self.reftype(k)
            desc = rt + lim
            if imp is None and k < end:             # (table limits reftype expr): 3.0
                expr = bytearray()
                k = self.const_expr(k, expr)
                init = bytes(expr)
        else:
            rt, k = self.reftype(k)
            if imp is not None or toks[k] != "(" or toks[k + 1] != "elem":
                raise self.err("unexpected token, expected table limits", k)
            seg = bytearray()
            k += 2
            if toks[k] == "(":
                items: list[bytes] = []
                while toks[k] == "(":
                    k = self.elem_expr(k, items)
                n = len(items)
                seg += b"\x06" + _uleb(index) + zero + rt + _vec(items)
            else:
                idxs = []
                while toks[k] != ")":
                    idxs.append(_uleb(self.idx(k, "func")))
                    k += 1
                n = len(idxs)
                if rt == b"\x70":
                    seg += b"\x02" + _uleb(index) + zero + b"\x00" + _vec(idxs)
                else:   # a typed table: the segment has the table's type, ref.func items
                    seg += b"\x06" + _uleb(index) + zero + rt + _vec(
                        [b"\xd2" + x + b"\x0b" for x in idxs])
            k = self.close(k)
            self.elems.append(bytes(seg))
            lo = _uleb(n)
            desc = rt + bytes((5 if is_64 else 1,)) + lo + lo
        self.expect_end(k, end)
        if imp is not None:
            self.add_import(imp, "table", desc)
        elif init:
            self.tables.append(b"\x40\x00" + desc + init)
        else:
            self.tables.append(desc)

    def field_memory(self, k: int, end: int) -> None:
        toks = self.toks
        index, k, imp = self.field_head(k, "memory")
        is_64, j = self.addrtype(k)
        log2, j = self.pagesize(j)
        if imp is None and toks[j] == "(" and toks[j + 1] == "data":
            data = bytearray()
            k = j + 2
            while toks[k] != ")":
                data += self.string(k)
                k += 1
            k += 1
            size = 1 << (16 if log2 < 0 else log2)
            pages = _uleb((len(data) + size - 1) // size)
            flags = (5 if is_64 else 1) | (8 if log2 >= 0 else 0)
            desc = bytes((flags,)) + pages + pages + (_uleb(log2) if log2 >= 0 else b"")
            seg = (b"\x00" if index == 0 else b"\x02" + _uleb(index))
            seg += b"\x42\x00\x0b" if is_64 else b"\x41\x00\x0b"
            self.datas.append(seg + _uleb(len(data)) + bytes(data))
        else:
            desc, k = self.memtype(k)
        self.expect_end(k, end)
        if imp is not None:
            self.add_import(imp, "memory", desc)
        else:
            self.memories.append(desc)

    def globaltype(self, k: int) -> tuple[bytes, int]:
        toks = self.toks
        if toks[k] == "(" and toks[k + 1] == "mut":
            t, k = self.valtype(k + 2)
            return t + b"\x01", self.close(k)
        t, k = self.valtype(k)
        return t + b"\x00", k

    def field_global(self, k: int, end: int) -> None:
        _, k, imp = self.field_head(k, "global")
        gt, k = self.globaltype(k)
        if imp is not None:
            self.expect_end(k, end)
            self.add_import(imp, "global", gt)
            return
        init = bytearray()
        k = self.const_expr(k, init)
        self.expect_end(k, end)
        self.globals.append(gt + bytes(init))

    def field_tag(self, k: int, end: int) -> None:
        """``(tag $id? (export ..)* (import ..)? typeuse)``: attribute 0 (an exception) and
        the type index of its payload's function type."""
        _, k, imp = self.field_head(k, "tag")
        tidx, k, _, _ = self.typeuse(k, allow_names=False)
        self.expect_end(k, end)
        desc = b"\x00" + _uleb(tidx)
        if imp is not None:
            self.add_import(imp, "tag", desc)
        else:
            self.tags.append(desc)

    def field_import(self, k: int, end: int) -> None:
        toks = self.toks
        mod = self.utf8(k)
        nm = self.utf8(k + 1)
        k += 2
        kind = toks[k + 1]
        k += 2
        _, k = self.take_index(k, kind)
        if kind == "func":
            tidx, k, _, _ = self.typeuse(k, allow_names=True)
            desc = _uleb(tidx)
        elif kind == "table":
            is_64, k = self.addrtype(k)
            lim, k = self.limits(k, is_64)
            rt, k = self.reftype(k)
            desc = rt + lim
        elif kind == "memory":
            lim, k = self.memtype(k)
            desc = lim
        elif kind == "tag":
            tidx, k, _, _ = self.typeuse(k, allow_names=False)
            desc = b"\x00" + _uleb(tidx)
        else:
            gt, k = self.globaltype(k)
            desc = gt
        k = self.close(k)
        self.expect_end(k, end)
        self.add_import((mod, nm), kind, desc)

    def field_export(self, k: int, end: int) -> None:
        toks = self.toks
        name = self.utf8(k)
        k += 1
        self.expect(k, "(")
        kind = _IMPORT_KINDS.get(toks[k + 1])
        if kind is None:
            raise self.err(f"unexpected token '{toks[k + 1]}', expected an export kind", k + 1)
        index = self.idx(k + 2, toks[k + 1])
        k = self.close(k + 3)
        self.expect_end(k, end)
        self.exports.append(_name(name) + bytes((kind,)) + _uleb(index))

    def field_start(self, k: int, end: int) -> None:
        if self.start is not None:
            raise self.err("multiple start sections", k - 1)
        self.start = self.idx(k, "func")
        self.expect_end(k + 1, end)

    def offset_expr(self, k: int, out: bytearray) -> int:
        toks = self.toks
        if toks[k] == "(" and toks[k + 1] == "offset":
            k = self.const_expr(k + 2, out)
            return self.close(k)
        if toks[k] != "(":
            raise self.err(f"unexpected token '{toks[k]}', expected an offset expression", k)
        # a single folded instruction
        stop = self.skip(k)
        self.instrs(k, out, stop)
        out.append(0x0B)
        return stop

    def const_expr(self, k: int, out: bytearray) -> int:
        self.labels = []
        k = self.instrs(k, out)
        out.append(0x0B)
        return k

    def elem_expr(self, k: int, items: list[bytes]) -> int:
        """One element expression: ``(item instr*)`` or a single folded instruction."""
        toks = self.toks
        e = bytearray()
        if toks[k + 1] == "item":
            k = self.close(self.const_expr(k + 2, e))
        else:
            stop = self.skip(k)
            self.labels = []
            self.instrs(k, e, stop)
            e.append(0x0B)
            k = stop
        items.append(bytes(e))
        return k

    def field_elem(self, k: int, end: int) -> None:
        toks = self.toks
        if _is_id(toks[k]):
            k += 1
        mode = "passive"
        table: int | None = None
        bare = False                    # the MVP form, whose function list has no `func`
        offset = bytearray()
        if toks[k] == "declare":
            mode = "declare"
            k += 1
        elif self.is_index(k) and toks[k + 1] == "(":     # the MVP form: `(elem 0 (offset) ..`
            table = self.idx(k, "table")
            mode = "active"
            bare = True
            k = self.offset_expr(k + 1, offset)
        elif toks[k] == "(":
            w = toks[k + 1]
            if w == "table":
                table = self.idx(k + 2, "table")
                k = self.close(k + 3)
                mode = "active"
                k = self.offset_expr(k, offset)
            elif w not in ("item",) and w not in _REFTYPES and w != "ref":
                mode = "active"
                k = self.offset_expr(k, offset)
        # element list
        exprs: list[bytes] | None = None
        idxs: list[bytes] | None = None
        rt = b"\x70"
        t = toks[k]
        if t == "func":
            k += 1
            idxs = []
            while k < end:
                idxs.append(_uleb(self.idx(k, "func")))
                k += 1
        elif t in _REFTYPES or (t == "(" and toks[k + 1] == "ref"):
            rt, k = self.reftype(k)
            exprs = []
            while k < end and toks[k] == "(":
                k = self.elem_expr(k, exprs)
        else:
            if (mode != "active" or (table is not None and not bare)) and k < end:
                raise self.err(f"unexpected token '{t}', expected 'func' or a reference type", k)
            idxs = []
            while k < end:
                idxs.append(_uleb(self.idx(k, "func")))
                k += 1
        self.expect_end(k, end)
        seg = bytearray()
        if idxs is not None:
            if mode == "active":
                if table is None:
                    seg += b"\x00" + offset
                else:
                    seg += b"\x02" + _uleb(table) + offset + b"\x00"
            elif mode == "passive":
                seg += b"\x01\x00"
            else:
                seg += b"\x03\x00"
            seg += _vec(idxs)
        else:
            assert exprs is not None
            if mode == "active":
                if table is None and rt == b"\x70":
                    seg += b"\x04" + offset
                else:
                    seg += b"\x06" + _uleb(table or 0) + offset + rt
            elif mode == "passive":
                seg += b"\x05" + rt
            else:
                seg += b"\x07" + rt
            seg += _vec(exprs)
        self.elems.append(bytes(seg))

    def field_data(self, k: int, end: int) -> None:
        toks = self.toks
        if _is_id(toks[k]):
            k += 1
        seg = bytearray()
        mem = 0
        if self.is_index(k) and toks[k + 1] == "(":         # the MVP form: `(data 0 (offset) ..`
            mem = self.idx(k, "memory")
            k += 1
        if toks[k] == "(":
            if toks[k + 1] == "memory":
                mem = self.idx(k + 2, "memory")
                k = self.close(k + 3)
            offset = bytearray()
            k = self.offset_expr(k, offset)
            if mem == 0:
                seg.append(0)
            else:
                seg += b"\x02" + _uleb(mem)
            seg += offset
        else:
            seg.append(1)
        data = bytearray()
        while k < end:
            data += self.string(k)
            k += 1
        seg += _uleb(len(data)) + data
        self.datas.append(bytes(seg))

    # ---- instructions --------------------------------------------------------------
    def label(self, k: int) -> tuple[str | None, int]:
        t = self.toks[k]
        if t[0] == "$" and _ID_RE.match(t):
            return t, k + 1
        return None, k

    def blocktype(self, k: int) -> tuple[bytes, int]:
        toks = self.toks
        if toks[k] != "(":
            return b"\x40", k
        w = toks[k + 1]
        if w == "result" and toks[k + 2] != ")":
            t, j = self.valtype(k + 2)
            if toks[j] == ")" and not (toks[j + 1] == "(" and toks[j + 2] == "result"):
                return t, j + 1                     # (result t): the value type itself
        if w not in ("type", "param", "result"):
            return b"\x40", k
        if (
            w == "result"
            and toks[k + 2] == ")"
            and not (toks[k + 3] == "(" and toks[k + 4] in ("result",))
        ):
            return b"\x40", k + 3
        tidx, k2, _, sig = self.typeuse(k, allow_names=False)
        if w != "type" and not sig[0] and len(sig[1]) <= 1:
            # only an empty/single result: the short forms
            return (sig[1][0] if sig[1] else b"\x40"), k2
        return _sleb(tidx), k2

    def label_index(self, k: int) -> int:
        t = self.toks[k]
        labels = self.labels
        if t[0] == "$":
            if not _is_id(t):
                raise self.err(_malformed_atom(t), k)
            for depth in range(len(labels) - 1, -1, -1):
                if labels[depth] == t:
                    return len(labels) - 1 - depth
            raise self.err(f"unknown label {t}", k)
        return self.u32(k)

    def instrs(self, k: int, out: bytearray, stop: int = -1) -> int:
        """Encode instructions from ``k`` until the ')' closing the enclosing construct.

        Returns the index of that ')' (or ``stop`` when given: a single folded instruction).
        Folded and flat forms nest through an explicit stack, never Python recursion.
        """
        toks = self.toks
        labels = self.labels
        # frame: [state, pending bytes, label]; states: P plain folded, B folded block/loop,
        # I folded if (condition), T then, A after then, E else, Z after else,
        # F flat block/loop, FI flat if, FE flat else
        frames: list[list[Any]] = []
        ops = OPS
        while True:
            if k == stop and not frames:
                return k
            t = toks[k]
            if t == "(":
                op = toks[k + 1]
                if frames:
                    st = frames[-1][0]
                    if st == "I" or st == "A":
                        if st == "I" and op == "then":
                            f = frames[-1]
                            out += f[1]
                            labels.append(f[2])
                            if f[2] is not None:
                                self.block_names[self.block_count] = _id_name(f[2])
                            self.block_count += 1
                            f[0] = "T"
                            k += 2
                            continue
                        if st == "A" and op == "else":
                            out.append(0x05)
                            frames[-1][0] = "E"
                            k += 2
                            continue
                        if st == "A" or op in ("else",):
                            raise self.err(
                                f"unexpected token '{op}', expected 'else' or ')'", k + 1
                            )
                    elif st == "Z" or st == "YX":
                        raise self.err(f"unexpected token '{op}', expected ')'", k + 1)
                    elif st == "Y":     # legacy (try ... (do ..) (catch ..)* (catch_all ..)?)
                        k = self.try_clause(k, out, frames[-1])
                        continue
                info = ops.get(op)
                if info is None:
                    if op in _SYNTAX_WORDS:
                        raise self.err(f"unexpected token '{op}'", k + 1)
                    raise self.err(f"unknown operator {op}", k + 1)
                kind = info[0]
                if kind == K_BLOCK:
                    if op == "block" or op == "loop":
                        lab, k = self.label(k + 2)
                        bt, k = self.blocktype(k)
                        out += info[1]
                        out += bt
                        labels.append(lab)
                        frames.append(["B", None, lab])
                        if lab is not None:
                            self.block_names[self.block_count] = _id_name(lab)
                        self.block_count += 1
                        continue
                    if op == "if":
                        lab, k = self.label(k + 2)
                        bt, k = self.blocktype(k)
                        frames.append(["I", b"\x04" + bt, lab])
                        continue
                    if op == "try_table" or op == "try":
                        k = self.open_try(k + 2, op, out)
                        frames.append(["B" if op == "try_table" else "Y", None, labels[-1]])
                        continue
                    raise self.err(f"unexpected token '{op}'", k + 1)
                if toks[k + 2] == ")" and kind == K_NONE:
                    out += info[1]
                    k += 3
                    continue
                pend = bytearray()
                k = self.instr(k + 2, info, pend, op)
                if toks[k] == ")":
                    out += pend
                    k += 1
                else:
                    frames.append(["P", pend, None])
                continue
            if t == ")":
                if not frames:
                    return k
                f = frames[-1]
                st = f[0]
                if st == "P":
                    out += f[1]
                    frames.pop()
                elif st == "B" or st == "A" or st == "Z" or st == "Y":
                    out.append(0x0B)
                    labels.pop()
                    frames.pop()
                elif st == "YD" or st == "YC":
                    f[0] = "Y"
                elif st == "YX":        # after (delegate l): no end
                    frames.pop()
                elif st == "T":
                    f[0] = "A"
                elif st == "E":
                    f[0] = "Z"
                elif st == "I":
                    raise self.err("unexpected token ')', expected '(then'", k)
                else:
                    raise self.err("unexpected token ')', expected 'end'", k)
                k += 1
                continue
            # flat instruction
            if frames and frames[-1][0] in ("I", "A", "Z", "Y", "YX"):
                raise self.err(f"unexpected token '{t}', expected '('", k)
            info = ops.get(t)
            if info is None:
                if _STR_RE.match(t):
                    raise self.err("unexpected token: a string", k)
                raise self.err(_malformed_atom(t), k)
            kind = info[0]
            if kind == K_NONE:
                out += info[1]
                k += 1
                continue
            if kind == K_BLOCK:
                if t == "block" or t == "loop" or t == "if":
                    lab, k = self.label(k + 1)
                    bt, k = self.blocktype(k)
                    out += info[1]
                    out += bt
                    labels.append(lab)
                    frames.append(["FI" if t == "if" else "F", None, lab])
                    if lab is not None:
                        self.block_names[self.block_count] = _id_name(lab)
                    self.block_count += 1
                    continue
                if t == "try_table" or t == "try":
                    k = self.open_try(k + 1, t, out)
                    frames.append(["F" if t == "try_table" else "FT", None, labels[-1]])
                    continue
                if not frames or frames[-1][0] not in ("F", "FI", "FE", "FT"):
                    raise self.err(f"unexpected token '{t}'", k)
                f = frames[-1]
                if t in ("catch", "catch_all", "delegate"):
                    if f[0] != "FT":
                        raise self.err(f"unexpected token '{t}'", k)
                    if t == "catch":
                        out += OPS["catch"][1] + _uleb(self.idx(k + 1, "tag"))
                        k += 2
                    elif t == "catch_all":
                        out += OPS["catch_all"][1]
                        k += 1
                    else:
                        labels.pop()
                        frames.pop()
                        out += OPS["delegate"][1] + _uleb(self.label_index(k + 1))
                        k += 2
                    continue
                if t == "else":
                    if f[0] != "FI":
                        raise self.err("unexpected token 'else'", k)
                    f[0] = "FE"
                    out.append(0x05)
                else:
                    out.append(0x0B)
                    labels.pop()
                    frames.pop()
                k += 1
                nt = toks[k]
                if nt[0] == "$" and len(nt) > 1:
                    if nt != f[2]:
                        raise self.err(f"mismatching label {nt}", k)
                    k += 1
                continue
            k = self.instr(k + 1, info, out, t)

    def open_try(self, k: int, op: str, out: bytearray) -> int:
        """``try_table $l? bt catch*`` or legacy ``try $l? bt`` from ``k`` (after the
        keyword): encode it, push its label; returns the next index.  try_table's catch
        clauses name labels outside it."""
        toks = self.toks
        lab, k = self.label(k)
        bt, k = self.blocktype(k)
        out += OPS[op][1]
        out += bt
        if op == "try_table":
            clauses = []
            while toks[k] == "(" and toks[k + 1] in _CATCH_CLAUSES:
                code, tagged = _CATCH_CLAUSES[toks[k + 1]]
                clause = bytes((code,))
                k += 2
                if tagged:
                    clause += _uleb(self.idx(k, "tag"))
                    k += 1
                clause += _uleb(self.label_index(k))
                k = self.close(k + 1)
                clauses.append(clause)
            out += _uleb(len(clauses)) + b"".join(clauses)
        self.labels.append(lab)
        if lab is not None:
            self.block_names[self.block_count] = _id_name(lab)
        self.block_count += 1
        return k

    def try_clause(self, k: int, out: bytearray, frame: list[Any]) -> int:
        """A clause of a folded legacy try at ``k`` (its '('): ``(do``, ``(catch $x``,
        ``(catch_all`` open one, ``(delegate l)`` ends the try."""
        toks = self.toks
        w = toks[k + 1]
        if w == "do" and frame[1] is None:
            frame[0] = "YD"
            frame[1] = "do"
            return k + 2
        if w == "catch" and frame[1] in ("do", "catch"):
            out += OPS["catch"][1] + _uleb(self.idx(k + 2, "tag"))
            frame[0] = "YC"
            frame[1] = "catch"
            return k + 3
        if w == "catch_all" and frame[1] in ("do", "catch"):
            out += OPS["catch_all"][1]
            frame[0] = "YC"
            frame[1] = "all"
            return k + 2
        if w == "delegate" and frame[1] == "do":
            self.labels.pop()
            out += OPS["delegate"][1] + _uleb(self.label_index(k + 2))
            frame[0] = "YX"
            return self.close(k + 3)
        raise self.err(f"unexpected token '{w}', expected '(do', '(catch' or '(delegate'", k + 1)

    def memarg(self, k: int, natural: int, out: bytearray, mem: int = 0) -> int:
        """``offset=n? align=n?`` of memory ``mem``: the flags (alignment exponent, 0x40 when
        a memory index follows), the index of a memory other than 0, the offset (u64; u32
        in the 2.0 grammar)."""
        toks = self.toks
        offset = 0
        align = natural
        t = toks[k]
        if t.startswith("offset="):
            v = _parse_uint(t[7:])
            if v is None:
                raise self.err(f"unknown operator {t}", k)
            if v >> 64 or (v >> 32 and not self.memory64):
                raise self.err(f"i{64 if self.memory64 else 32} constant out of range", k)
            offset = v
            k += 1
            t = toks[k]
        if t.startswith("align="):
            v = _parse_uint(t[6:])
            if v is None:
                raise self.err(f"unknown operator {t}", k)
            if v == 0 or v & (v - 1):
                raise self.err("alignment must be a power of two", k)
            align = v
            k += 1
        if mem:
            out += _uleb((align.bit_length() - 1) | 0x40) + _uleb(mem)
        else:
            out += _uleb(align.bit_length() - 1)
        out += _uleb(offset)
        return k

    def memidx(self, k: int) -> tuple[int, int]:
        """An optional memory index: (index or 0, next token)."""
        if self.is_index(k):
            return self.idx(k, "memory"), k + 1
        return 0, k

    def instr(self, k: int, info: tuple[int, bytes, int], out: bytearray, op: str) -> int:
        """Encode one plain instruction whose immediates start at ``k``; returns the next index."""
        kind, opbytes, align = info
        toks = self.toks
        if kind == K_LOCAL:
            out += opbytes
            t = toks[k]
            if t[0] == "$":
                v = self.locals.get(t)
                if v is None:
                    raise self.err(f"unknown local {t}", k)
            else:
                v = self.u32(k)
            out += _uleb(v)
            return k + 1
        if kind == K_I32 or kind == K_I64:
            bits = 32 if kind == K_I32 else 64
            v = self.int_lit(k, bits)
            out += opbytes
            out += _sleb(v - (1 << bits) if v >> (bits - 1) else v)
            return k + 1
        if kind == K_F32 or kind == K_F64:
            v = self.float_lit(k, 23 if kind == K_F32 else 52)
            out += opbytes
            out += v.to_bytes(4 if kind == K_F32 else 8, "little")
            return k + 1
        if kind == K_MEM:
            out += opbytes
            mem, k = self.memidx(k)
            return self.memarg(k, align, out, mem)
        out += opbytes
        if kind == K_NONE:
            return k
        if kind == K_LABEL:
            out += _uleb(self.label_index(k))
            return k + 1
        if kind == K_FUNC:
            out += _uleb(self.idx(k, "func"))
            return k + 1
        if kind == K_TAG:
            out += _uleb(self.idx(k, "tag"))
            return k + 1
        if kind == K_GLOBAL:
            out += _uleb(self.idx(k, "global"))
            return k + 1
        if kind == K_BRTABLE:
            targets = []
            while True:
                t = toks[k]
                if t[0] == "$" or t[0] in "0123456789":
                    targets.append(self.label_index(k))
                    k += 1
                else:
                    break
            if not targets:
                raise self.err(f"unexpected token '{toks[k]}', expected a label", k)
            out += _uleb(len(targets) - 1)
            for x in targets:
                out += _uleb(x)
            return k
        if kind == K_CALLIND:
            table = 0
            t = toks[k]
            if t[0] == "$" or t[0] in "0123456789":
                table = self.idx(k, "table")
                k += 1
            tidx, k, _, _ = self.typeuse(k, allow_names=False)
            out += _uleb(tidx)
            out += _uleb(table)
            return k
        if kind == K_TABLE:
            t = toks[k]
            if t[0] == "$" or t[0] in "0123456789":
                out += _uleb(self.idx(k, "table"))
                return k + 1
            out.append(0)
            return k
        if kind == K_TABLECOPY:
            t = toks[k]
            if t[0] == "$" or t[0] in "0123456789":
                a = self.idx(k, "table")
                b = self.idx(k + 1, "table")
                out += _uleb(a) + _uleb(b)
                return k + 2
            out += b"\x00\x00"
            return k
        if kind == K_TABLEINIT:
            t2 = toks[k + 1]
            if t2[0] == "$" or t2[0] in "0123456789":
                table = self.idx(k, "table")
                elem = self.idx(k + 1, "elem")
                out += _uleb(elem) + _uleb(table)
                return k + 2
            out += _uleb(self.idx(k, "elem")) + b"\x00"
            return k + 1
        if kind == K_ELEM:
            out += _uleb(self.idx(k, "elem"))
            return k + 1
        if kind == K_MEMINIT or kind == K_DATA:
            self.uses_data_count = True
            mem = 0
            if kind == K_MEMINIT and self.is_index(k + 1):  # memory.init memidx dataidx
                mem = self.idx(k, "memory")
                k += 1
            out += _uleb(self.idx(k, "data"))
            if kind == K_MEMINIT:
                out += _uleb(mem)
            return k + 1
        if kind == K_BYTE0:                     # atomic.fence: a reserved 0x00, no text
            out += b"\x00"
            return k
        if kind == K_ZERO:                      # memory.size/grow/fill memidx?
            mem, k = self.memidx(k)
            out += _uleb(mem)
            return k
        if kind == K_ZERO2:                     # memory.copy (memidx memidx)?
            if self.is_index(k):
                out += _uleb(self.idx(k, "memory")) + _uleb(self.idx(k + 1, "memory"))
                return k + 2
            out += b"\x00\x00"
            return k
        if kind == K_SELECT:
            types: list[bytes] = []
            seen = False
            while toks[k] == "(" and toks[k + 1] == "result":
                seen = True
                k += 2
                while toks[k] != ")":
                    vt, k = self.valtype(k)
                    types.append(vt)
                k += 1
            if seen:
                out[-1] = _SELECT_T
                out += _vec(types)
            return k
        if kind == K_REFNULL:
            out += self.heaptype(k)
            return k + 1
        if kind == K_TYPE:
            out += _uleb(self.idx(k, "type"))
            return k + 1
        if kind == K_FIELD:                     # struct.get $t $f
            tidx = self.idx(k, "type")
            out += _uleb(tidx)
            t = toks[k + 1]
            if t[0] == "$":
                f = self.field_ids.get(tidx, {}).get(t)
                if f is None:
                    raise self.err(f"unknown field {t}", k + 1)
                out += _uleb(f)
            else:
                out += _uleb(self.u32(k + 1))
            return k + 2
        if kind == K_TYPEU32:                   # array.new_fixed $t n
            out += _uleb(self.idx(k, "type")) + _uleb(self.u32(k + 1))
            return k + 2
        if kind == K_TYPEDATA or kind == K_TYPEELEM:  # array.new_data $t $d
            space = "data" if kind == K_TYPEDATA else "elem"
            self.uses_data_count |= kind == K_TYPEDATA
            out += _uleb(self.idx(k, "type")) + _uleb(self.idx(k + 1, space))
            return k + 2
        if kind == K_TYPE2:                     # array.copy $dst $src
            out += _uleb(self.idx(k, "type")) + _uleb(self.idx(k + 1, "type"))
            return k + 2
        if kind == K_CAST:                      # ref.test/ref.cast reftype
            null, heap, k = self.cast_type(k)
            if null:
                out[-1] += 1                    # the _null form: the next sub-opcode
            out += heap
            return k
        if kind == K_BRCAST:                    # br_on_cast(_fail) $l rt1 rt2
            label = self.label_index(k)
            null1, heap1, k = self.cast_type(k + 1)
            null2, heap2, k = self.cast_type(k)
            out.append(null1 | null2 << 1)
            out += _uleb(label) + heap1 + heap2
            return k
        if kind == K_V128:
            v, k = self.v128_lit(k)
            out += v.to_bytes(16, "little")
            return k
        if kind == K_SHUFFLE:
            for _ in range(16):
                t = toks[k]
                if t == "(" or t == ")":
                    raise self.err("invalid lane length: expected 16 lane indices", k)
                v = _parse_int(t)
                if v is None or not 0 <= v <= 255:
                    raise self.err(_BAD_LANE, k)
                out.append(v)
                k += 1
            if toks[k] not in (")",) and toks[k][0] in "0123456789":
                raise self.err("invalid lane length: expected 16 lane indices", k)
            return k
        if kind == K_MEMLANE:
            # memidx? memarg lane: a number is a memory index when more immediates follow
            mem = 0
            nxt = toks[k + 1]
            if toks[k][0] == "$" or (
                self.is_num(k) and (self.is_num(k + 1) or nxt.startswith(("offset=", "align=")))
            ):
                mem, k = self.idx(k, "memory"), k + 1
            k = self.memarg(k, align, out, mem)
        if kind == K_LANE or kind == K_MEMLANE:
            t = toks[k]
            v = _parse_uint(t) if t[0] in "0123456789" else None
            if v is None:
                raise self.err(f"unexpected token '{t}', expected a lane index", k)
            if v > 255:
                raise self.err(_BAD_LANE, k)
            out.append(v)
            return k + 1
        raise self.err(f"unexpected token '{op}'", k - 1)

    def int_lit(self, k: int, bits: int) -> int:
        """The iN literal at ``k`` as its unsigned bit pattern."""
        t = self.toks[k]
        v = _int_bits(t, bits)
        if v is None:
            if _parse_int(t) is not None:
                raise self.err("constant out of range", k)
            raise self.unexpected(k, f"an i{bits} literal")
        return v

    def float_lit(self, k: int, mbits: int) -> int:
        t = self.toks[k]
        try:
            v = _float_bits(t, mbits, 8 if mbits == 23 else 11)
        except OverflowError:
            raise self.err("constant out of range", k) from None
        if v is None:
            raise self.unexpected(k, "a float literal")
        return v

    def v128_lit(self, k: int) -> tuple[int, int]:
        toks = self.toks
        shape = toks[k]
        lanes = _LANES.get(shape)
        if lanes is None:
            raise self.err(f"unexpected token '{shape}', expected a lane shape", k)
        n, bits = lanes
        k += 1
        count = 0
        while count <= n and _is_lane_literal(toks[k + count]):
            count += 1
        if count != n:
            raise self.err("wrong number of lane literals", k + min(count, n))
        value = 0
        if shape[0] == "f":
            mbits = 23 if bits == 32 else 52
            cache = _FLOAT_CACHE
            for i in range(n):
                t = toks[k]
                v = cache.get((t, mbits))
                if v is None:
                    if t == ")" or t == "(":
                        raise self.err("wrong number of lane literals", k)
                    v = self.float_lit(k, mbits)
                value |= v << (i * bits)
                k += 1
            return value, k
        for i in range(n):
            t = toks[k]
            if t == ")" or t == "(":
                raise self.err("wrong number of lane literals", k)
            value |= self.int_lit(k, bits) << (i * bits)
            k += 1
        return value, k

    # ---- assembly ------------------------------------------------------------------
    def assemble(self) -> bytes:
        out = bytearray(b"\x00asm\x01\x00\x00\x00")

        def section(sid: int, payload: bytes) -> None:
            out.append(sid)
            out.extend(_uleb(len(payload)))
            out.extend(payload)

        customs: dict[tuple[str, str], list[bytes]] = {}
        for placement, custom in self.customs:
            customs.setdefault(placement, []).append(custom)

        def place(where: str, kind: str) -> None:
            for custom in customs.get((where, kind), ()):
                section(0, custom)

        def vec(items: list[bytes]) -> bytes | None:
            return _vec(items) if items else None

        groups, at = [], 0
        for size in self.groups:
            defs = self.typedefs[at : at + abs(size)]
            at += abs(size)
            groups.append(defs[0] if size == 1 else b"\x4e" + _vec(defs))
        types = vec(groups)
        sections: dict[str, tuple[int, bytes | None]] = {
            "type": (1, types),
            "import": (2, vec(self.imports)),
            "func": (3, vec([_uleb(t) for t in self.funcs])),
            "table": (4, vec(self.tables)),
            "memory": (5, vec(self.memories)),
            "tag": (13, vec(self.tags)),
            "global": (6, vec(self.globals)),
            "export": (7, vec(self.exports)),
            "start": (8, None if self.start is None else _uleb(self.start)),
            "elem": (9, vec(self.elems)),
            "code": (10, vec(self.codes)),
            "data": (11, vec(self.datas)),
        }
        place("before", "first")
        for kind in _CUSTOM_KINDS:
            sid, body = sections[kind]
            place("before", kind)
            if body is not None:
                section(sid, body)
            place("after", kind)
            if kind == "elem" and self.uses_data_count:
                section(12, _uleb(len(self.datas)))
        place("after", "last")
        names = bytearray()
        if self.module_name is not None:
            names += b"\x00" + _name(_name(self.module_name.encode()))

        def name_map(ids: dict[int, str]) -> bytes:
            return _vec([_uleb(i) + _name(n.encode()) for i, n in sorted(ids.items())])

        def space_names(space: str) -> dict[int, str]:
            return {i: _id_name(t) for t, i in self.ids[space].items()}

        if self.ids["func"]:
            names += b"\x01" + _name(name_map(space_names("func")))
        for sub_id, nested in ((2, self.local_names), (3, self.label_names)):
            if nested:
                sub = _vec([_uleb(f) + name_map(ns) for f, ns in sorted(nested.items())])
                names += bytes((sub_id,)) + _name(sub)
        for sub_id, space in enumerate(("type", "table", "memory", "global", "elem", "data"), 4):
            if self.ids[space]:
                names += bytes((sub_id,)) + _name(name_map(space_names(space)))
        if self.field_ids:  # subsection 10: field names of struct types
            fields = {t: {i: _id_name(n) for n, i in ids.items()}
                      for t, ids in self.field_ids.items()}
            sub = _vec([_uleb(t) + name_map(ns) for t, ns in sorted(fields.items())])
            names += b"\x0a" + _name(sub)
        if self.ids["tag"]:
            names += b"\x0b" + _name(name_map(space_names("tag")))
        if self.type_param_names:  # wasm-tools' subsection 12: parameter names of types
            sub = _vec([_uleb(t) + name_map(ns) for t, ns in sorted(self.type_param_names.items())])
            names += b"\x0c" + _name(sub)
        if names:
            section(0, _name(b"name") + bytes(names))
        return bytes(out)


def _encode_module(src: _Source, k: int, end: int, memory64: bool = True) -> bytes:
    """Encode ``(module $id? field*)`` starting at token ``k``, or bare fields if ``k`` is not
    a ``(module`` token; ``end`` is the index of the closing ')' (or len(toks)).
    ``memory64=False``: the Wasm 2.0 grammar (memarg offsets are u32)."""
    toks = src.toks
    p = _ModuleParser(src, memory64)
    if k < end and toks[k] == "(" and toks[k + 1] == "module":
        stop = p.skip(k)
        if stop < end:
            raise src.error(f"unexpected token '{toks[stop]}' after the module", stop)
        j = k + 2 + (toks[k + 2] == "definition")  # a script's `(module definition ...)`
        if _is_id(toks[j]):
            p.module_name = _id_name(toks[j])
            j += 1
        if toks[j] in ("binary", "quote"):
            parts, _ = _module_strings(src, j + 1)
            if toks[j] == "binary":
                return b"".join(parts)
            line, column = src.linecol(src.offset(k))
            return _encode_text(_quote_text(parts), f"<quote at {line}:{column}>", memory64)
        return p.encode(j, stop - 1)
    return p.encode(k, end)


def wat2wasm(text: str | bytes) -> bytes:
    """Encode a WebAssembly text module into the binary format.

    ``text`` is ``(module ...)`` or bare module fields, as ``str`` or UTF-8 ``bytes``;
    bytes that already start with the binary magic are returned unchanged.  Identifiers
    become a ``name`` section (module, function and local names).  Raises
    :class:`~wasmrt.errors.WatError` with ``line:column`` on malformed text.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        data = bytes(text)
        if data[:4] == b"\x00asm":
            return data
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise WatError("malformed UTF-8 encoding") from e
    return _encode_text(text, "<wat>")


def _encode_text(text: str, filename: str, memory64: bool = True) -> bytes:
    """Lex ``text`` and encode the module it holds (``filename`` names it in errors)."""
    src = _Source(text, filename)
    try:
        return _encode_module(src, 0, len(src.toks), memory64)
    except IndexError:
        raise src.error("unexpected end of input", len(src.toks)) from None


def _module_strings(src: _Source, j: int) -> tuple[list[bytes], int]:
    """The strings of a ``binary``/``quote`` module from token ``j`` up to the closing ')',
    and that token's index."""
    toks = src.toks
    parts = []
    while toks[j] != ")":
        t = toks[j]
        b = _string_bytes(t) if t[0] == '"' and _STR_RE.match(t) else None
        if b is None:
            raise src.error("unexpected token, expected a string", j)
        parts.append(b)
        j += 1
    return parts, j


def _quote_text(parts: list[bytes]) -> str:
    """The text of a ``quote`` module: its strings joined by spaces (bad UTF-8 replaced)."""
    try:
        return " ".join(p.decode("utf-8") for p in parts)
    except UnicodeDecodeError:
        return " ".join(p.decode("utf-8", "replace") for p in parts)


def __getattr__(name: str) -> Any:
    """The ``.wast`` names that used to live here (``parse_wast``, the script object model)
    resolve to :mod:`wasmrt.wast`."""
    from . import wast

    if name in wast.__all__:
        return getattr(wast, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
