"""The ``.wast`` script format: its object model and parser.

:func:`parse_wast` reads a script into a list of commands (:class:`ModuleCmd`,
:class:`AssertReturn`, ...; the object model below).  Text modules inside a script are kept
as token ranges of the lexed script and encoded lazily by :meth:`ModuleSource.encode`, with
the lexer and module encoder of :mod:`wasmrt.wat`.  The runner that executes the commands
through the public API is :mod:`wasmrt.script`.

Every error is a :class:`~wasmrt.errors.WatError` naming ``line:column`` and what was
expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .errors import WatError
from .wat import (
    _FIELDS,
    _LANES,
    _encode_module,
    _encode_text,
    _is_id,
    _module_strings,
    _ModuleParser,
    _parse_uint,
    _quote_text,
    _Source,
)

__all__ = [
    "Action",
    "ActionCmd",
    "AssertException",
    "AssertExhaustion",
    "AssertInvalid",
    "AssertMalformed",
    "AssertReturn",
    "AssertTrap",
    "AssertUninstantiable",
    "AssertUnlinkable",
    "Command",
    "Either",
    "Get",
    "Invoke",
    "Loc",
    "ModuleCmd",
    "ModuleInstance",
    "ModuleSource",
    "Pattern",
    "Register",
    "Value",
    "parse_wast",
]


# --------------------------------------------------------------------------------------
# Script object model
# --------------------------------------------------------------------------------------
@dataclass
class Loc:
    """A 1-based position in a script."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


@dataclass
class ModuleSource:
    """A module as written in a script: text (tokens), ``binary`` bytes or ``quote`` text."""

    kind: Literal["text", "binary", "quote"]
    loc: Loc
    name: str | None
    data: bytes | str = b""  # binary: the bytes; quote: the concatenated text
    _src: _Source | None = field(default=None, repr=False, compare=False)
    _range: tuple[int, int] = field(default=(0, 0), repr=False, compare=False)

    def encode(self, memory64: bool = True) -> bytes:
        """The binary module: encoded from text (may raise ``WatError``), or the bytes.
        ``memory64=False`` reads the text with the Wasm 2.0 grammar (u32 limits and memarg
        offsets: a larger one is malformed, not invalid)."""
        if self.kind == "binary":
            assert isinstance(self.data, bytes)
            return self.data
        if self.kind == "quote":
            assert isinstance(self.data, str)
            return _encode_text(self.data, f"<quote at {self.loc}>", memory64)
        assert self._src is not None
        src = self._src
        a, b = self._range
        try:
            return _encode_module(src, a, b, memory64)
        except IndexError:
            raise src.error("unexpected end of input", b) from None

    @property
    def text(self) -> str:
        """The module's source text (for text modules: the ``(module ...)`` slice)."""
        if self.kind == "quote":
            assert isinstance(self.data, str)
            return self.data
        if self._src is None:
            return ""
        a, b = self._range
        return self._src.text[self._src.offset(a) : self._src.offset(b - 1) + 1]


ValueType = Literal[
    "i32", "i64", "f32", "f64", "v128", "funcref", "externref", "anyref", "exnref"
]

#: The script's ``(ref.null ht)`` constants by heap type: the top reference type of the
#: heap type's hierarchy (a null of any heap type below ``func`` is a null funcref ...).
NULL_TYPES: dict[str, ValueType] = {
    "func": "funcref",
    "nofunc": "funcref",
    "extern": "externref",
    "noextern": "externref",
    "any": "anyref",
    "none": "anyref",
    "eq": "anyref",
    "i31": "anyref",
    "struct": "anyref",
    "array": "anyref",
    "exn": "exnref",
    "noexn": "exnref",
}

#: Result patterns that match any non-null reference of a kind: ``(ref.func)``,
#: ``(ref.extern)``, the GC kinds, and ``(ref)`` for any reference at all.
REF_PATTERNS = ("ref", "ref.func", "ref.extern", "ref.any", "ref.eq", "ref.i31", "ref.struct",
                "ref.array", "ref.exn")

PatternKind = Literal[
    "nan:canonical",
    "nan:arithmetic",
    "lanes",
    "ref.null",
    "ref",
    "ref.func",
    "ref.extern",
    "ref.any",
    "ref.eq",
    "ref.i31",
    "ref.struct",
    "ref.array",
    "ref.exn",
]


@dataclass
class Value:
    """An argument or an exact expected result.

    ``value``: the unsigned bit pattern for i32/i64/f32/f64, a 128-bit int for v128, N of
    ``(ref.extern N)`` for externref and of ``(ref.host N)`` for anyref, ``None`` for
    ``ref.null``.
    """

    type: ValueType
    value: int | None


@dataclass
class Pattern:
    """An expected result that is not one exact value: a NaN class, lanes, ``(ref.null)``
    (a null of any type), or any non-null reference of a kind (``REF_PATTERNS``)."""

    type: str
    kind: PatternKind
    lanes: list[Value | Pattern] | None = None
    shape: str | None = None


@dataclass
class Either:
    """``(either r1 r2 ...)``: any one of the alternative result lists."""

    alternatives: list[list[Value | Pattern]]


@dataclass
class Invoke:
    """``(invoke $m? "field" arg*)``."""

    loc: Loc
    module: str | None
    field: str
    args: list[Value]


@dataclass
class Get:
    """``(get $m? "field")``."""

    loc: Loc
    module: str | None
    field: str


Action = Invoke | Get


@dataclass
class ModuleCmd:
    """``(module ...)``: define and instantiate a module; ``(module definition ...)``
    (``definition``): only define it, for :class:`ModuleInstance` to instantiate."""

    loc: Loc
    module: ModuleSource
    definition: bool = False


@dataclass
class ModuleInstance:
    """``(module instance $i? $m?)``: instantiate the module definition ``$m`` (default: the
    last one) as instance ``$i``, which becomes the current module."""

    loc: Loc
    instance: str | None
    module: str | None


@dataclass
class Register:
    """``(register "as_name" $m?)``."""

    loc: Loc
    as_name: str
    module: str | None


@dataclass
class ActionCmd:
    """A bare action."""

    loc: Loc
    action: Action


@dataclass
class AssertReturn:
    """``(assert_return action result*)``."""

    loc: Loc
    action: Action
    expected: list[Value | Pattern | Either]


@dataclass
class AssertTrap:
    """``(assert_trap action|module "msg")``: a module here must trap while instantiating."""

    loc: Loc
    target: Action | ModuleSource
    message: str


@dataclass
class AssertException:
    """``(assert_exception action)``: the action throws a wasm exception nobody catches."""

    loc: Loc
    action: Action


@dataclass
class AssertExhaustion:
    """``(assert_exhaustion action "msg")``."""

    loc: Loc
    action: Action
    message: str


@dataclass
class AssertInvalid:
    """``(assert_invalid module "msg")``: the module encodes but fails validation."""

    loc: Loc
    module: ModuleSource
    message: str


@dataclass
class AssertMalformed:
    """``(assert_malformed module "msg")``: the module fails to parse or decode."""

    loc: Loc
    module: ModuleSource
    message: str


@dataclass
class AssertUnlinkable:
    """``(assert_unlinkable module "msg")``."""

    loc: Loc
    module: ModuleSource
    message: str


@dataclass
class AssertUninstantiable:
    """``(assert_uninstantiable module "msg")``."""

    loc: Loc
    module: ModuleSource
    message: str


Command = (
    ModuleCmd
    | ModuleInstance
    | Register
    | ActionCmd
    | AssertReturn
    | AssertTrap
    | AssertException
    | AssertExhaustion
    | AssertInvalid
    | AssertMalformed
    | AssertUnlinkable
    | AssertUninstantiable
)


# --------------------------------------------------------------------------------------
# Script parser
# --------------------------------------------------------------------------------------
def _loc(src: _Source, k: int) -> Loc:
    """The position of token ``k``."""
    return Loc(*src.linecol(src.offset(k)))


def _module_source(src: _Source, k: int, stop: int, definition: bool = False) -> ModuleSource:
    """The ``(module ...)`` opening at token ``k`` and ending just before ``stop`` (after the
    ``definition`` keyword when ``definition``)."""
    toks = src.toks
    loc = _loc(src, k)
    j = k + 2 + definition
    name = None
    if _is_id(toks[j]):
        name = toks[j]
        j += 1
    w = toks[j]
    if w in ("binary", "quote"):
        parts, _ = _module_strings(src, j + 1)
        if w == "binary":
            return ModuleSource("binary", loc, name, b"".join(parts))
        return ModuleSource("quote", loc, name, _quote_text(parts))
    if w in ("definition", "instance"):
        raise src.error(f"unexpected token '{w}', expected a module", j)
    return ModuleSource("text", loc, name, b"", src, (k, stop))


class _ScriptParser:
    def __init__(self, src: _Source) -> None:
        self.src = src
        self.toks = src.toks
        self.mp = _ModuleParser(src)

    def err(self, message: str, k: int) -> WatError:
        return self.src.error(message, k)

    def string(self, k: int) -> str:
        b = self.mp.string(k)
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            raise self.err("malformed UTF-8 encoding", k) from None

    def parse(self) -> list[Command]:
        toks = self.toks
        n = len(toks)
        cmds: list[Command] = []
        k = 0
        while k < n:
            if toks[k] != "(":
                raise self.err(f"unexpected token '{toks[k]}', expected '('", k)
            stop = self.mp.skip(k)
            if toks[k + 1] in _FIELDS:
                # bare module fields: one implicit module up to the next command
                start = k
                while k < n and toks[k] == "(" and toks[k + 1] in _FIELDS:
                    k = self.mp.skip(k)
                ms = ModuleSource("text", _loc(self.src, start), None, b"", self.src, (start, k))
                cmds.append(ModuleCmd(ms.loc, ms))
                continue
            cmds.append(self.command(k, stop))
            k = stop
        return cmds

    def command(self, k: int, stop: int) -> Command:
        toks = self.toks
        w = toks[k + 1]
        loc = _loc(self.src, k)
        if w == "module":
            if toks[k + 2] == "instance":
                ids = [t for t in toks[k + 3 : stop - 1] if _is_id(t)]
                if len(ids) != stop - 1 - (k + 3) or len(ids) > 2:
                    raise self.err("expected '(module instance $instance? $module?)'", k + 3)
                return ModuleInstance(loc, *(ids + [None, None])[:2])
            definition = toks[k + 2] == "definition"
            return ModuleCmd(loc, _module_source(self.src, k, stop, definition), definition)
        if w == "register":
            name = self.string(k + 2)
            mod = toks[k + 3] if _is_id(toks[k + 3]) else None
            self.end(k + 3 + (mod is not None), stop)
            return Register(loc, name, mod)
        if w in ("invoke", "get"):
            act, j = self.action(k)
            if j != stop:
                raise self.err(f"unexpected token '{self.toks[j]}', expected ')'", j)
            return ActionCmd(loc, act)
        if w == "assert_return":
            act, j = self.action(k + 2)
            expected: list[Value | Pattern | Either] = []
            while toks[j] == "(":
                r, j = self.result(j)
                expected.append(r)
            self.end(j, stop)
            return AssertReturn(loc, act, expected)
        if w == "assert_exception":
            act, j = self.action(k + 2)
            self.end(j, stop)
            return AssertException(loc, act)
        if w in ("assert_trap", "assert_exhaustion"):
            j = k + 2
            target: Action | ModuleSource
            if toks[j] == "(" and toks[j + 1] == "module":
                if w == "assert_exhaustion":
                    raise self.err("unexpected token 'module', expected an action", j + 1)
                e = self.mp.skip(j)
                target = _module_source(self.src, j, e)
                j = e
            else:
                target, j = self.action(j)
            msg = self.string(j)
            self.end(j + 1, stop)
            if w == "assert_trap":
                return AssertTrap(loc, target, msg)
            assert not isinstance(target, ModuleSource)
            return AssertExhaustion(loc, target, msg)
        kinds: dict[
            str, type[AssertInvalid | AssertMalformed | AssertUnlinkable | AssertUninstantiable]
        ] = {
            "assert_invalid": AssertInvalid,
            "assert_malformed": AssertMalformed,
            # the custom-section suites' (custom/*.wast) form: malformed in an annotation
            "assert_malformed_custom": AssertMalformed,
            "assert_unlinkable": AssertUnlinkable,
            "assert_uninstantiable": AssertUninstantiable,
        }
        cls = kinds.get(w)
        if cls is not None:
            j = k + 2
            if toks[j] != "(" or toks[j + 1] != "module":
                raise self.err("expected '(module'", j)
            e = self.mp.skip(j)
            ms = _module_source(self.src, j, e)
            msg = self.string(e)
            self.end(e + 1, stop)
            return cls(loc, ms, msg)
        raise self.err(f"unknown script command '{w}'", k + 1)

    def end(self, j: int, stop: int) -> None:
        if j != stop - 1:
            raise self.err(f"unexpected token '{self.toks[j]}', expected ')'", j)

    def action(self, k: int) -> tuple[Action, int]:
        toks = self.toks
        if toks[k] != "(" or toks[k + 1] not in ("invoke", "get"):
            raise self.err("expected an action: '(invoke' or '(get'", k)
        loc = _loc(self.src, k)
        w = toks[k + 1]
        j = k + 2
        mod = None
        if _is_id(toks[j]):
            mod = toks[j]
            j += 1
        name = self.string(j)
        j += 1
        if w == "get":
            return Get(loc, mod, name), self.mp.close(j)
        args: list[Value] = []
        while toks[j] == "(":
            v, j = self.result(j)
            if not isinstance(v, Value):
                raise self.err("expected a constant argument", j)
            args.append(v)
        return Invoke(loc, mod, name, args), self.mp.close(j)

    def result(self, k: int) -> tuple[Value | Pattern | Either, int]:
        """A constant, a result pattern or ``(either ...)`` at ``k``; returns the next index."""
        toks = self.toks
        op = toks[k + 1]
        j = k + 2
        if op == "either":
            alts: list[list[Value | Pattern]] = []
            while toks[j] == "(":
                r, j = self.result(j)
                if isinstance(r, Either):
                    raise self.err("nested 'either'", j)
                alts.append([r])
            return Either(alts), self.mp.close(j)
        if op in ("i32.const", "i64.const"):
            v = self.mp.int_lit(j, 32 if op[1] == "3" else 64)
            return Value(op[:3], v), self.mp.close(j + 1)  # type: ignore[arg-type]
        if op in ("f32.const", "f64.const"):
            t = toks[j]
            if t in ("nan:canonical", "nan:arithmetic"):
                return Pattern(op[:3], t), self.mp.close(j + 1)  # type: ignore[arg-type]
            v = self.mp.float_lit(j, 23 if op[1] == "3" else 52)
            return Value(op[:3], v), self.mp.close(j + 1)  # type: ignore[arg-type]
        if op == "v128.const":
            shape = toks[j]
            lanes = _LANES.get(shape)
            if lanes is None:
                raise self.err(f"unexpected token '{shape}', expected a lane shape", j)
            lane_toks = toks[j + 1 : j + 1 + lanes[0]]
            if shape[0] == "f" and ("nan:canonical" in lane_toks or "nan:arithmetic" in lane_toks):
                n, bits = lanes
                lane_vals: list[Value | Pattern] = []
                lt = "f32" if bits == 32 else "f64"
                m = j + 1
                for _ in range(n):
                    t = toks[m]
                    if t in ("nan:canonical", "nan:arithmetic"):
                        lane_vals.append(Pattern(lt, t))  # type: ignore[arg-type]
                    else:
                        v = self.mp.float_lit(m, 23 if bits == 32 else 52)
                        lane_vals.append(Value(lt, v))  # type: ignore[arg-type]
                    m += 1
                return Pattern("v128", "lanes", lane_vals, shape), self.mp.close(m)
            v, m = self.mp.v128_lit(j)
            return Value("v128", v), self.mp.close(m)
        if op == "ref.null":
            h = toks[j]
            if h == ")":
                return Pattern("ref", "ref.null"), j + 1
            vtype = NULL_TYPES.get(h)
            if vtype is None:
                raise self.err(f"unexpected token '{h}', expected a heap type", j)
            return Value(vtype, None), self.mp.close(j + 1)
        if op in ("ref.extern", "ref.host") and toks[j] != ")":
            num = _parse_uint(toks[j])
            if num is None:
                raise self.err(f"unexpected token '{toks[j]}', expected a number", j)
            return Value("externref" if op == "ref.extern" else "anyref", num), self.mp.close(j + 1)
        if op in REF_PATTERNS:
            if toks[j] != ")":
                raise self.err(f"unexpected token '{toks[j]}', expected ')'", j)
            return Pattern("ref", op), j + 1  # type: ignore[arg-type]
        raise self.err(f"unexpected token '{op}', expected a constant or result pattern", k + 1)


def parse_wast(text: str, filename: str = "<wast>") -> list[Command]:
    """Parse a ``.wast`` script into its commands.

    Text modules are not encoded here: :meth:`ModuleSource.encode` does it on demand.
    Unknown commands (the threads proposal's ``thread`` and ``wait``) raise
    :class:`~wasmrt.errors.WatError` with their position.
    """
    src = _Source(text, filename)
    try:
        return _ScriptParser(src).parse()
    except IndexError:
        raise src.error("unexpected end of input", len(src.toks)) from None
