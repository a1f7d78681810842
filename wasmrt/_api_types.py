"""Types and values of the public API: ``ValType``, ``FuncType``, ``GlobalType``,
``TableType``, ``MemoryType``, ``Limits``, ``ImportType``, ``ExportType``, ``Val``,
and the annotation markers used by ``Func.wrap`` (``i32``, ``i64``, ``f32``, ``f64``,
``v128``, ``externref``, ``funcref``).

Names, signatures and raised exceptions follow wasmtime-py 50.  A ``ValType`` is a
small immutable object around a value-type word of the Cython cores (``_defs.pxd``: the
binary code for the Wasm 2.0 types, ``0x7F`` for ``i32`` ...; typed references in their
canonical form, a defined type named by its process-wide canonical id, so equal types
compare equal across modules).  wasmtime-py has no typed references; wasmrt adds them as
wasmtime's Rust API has them (``RefType::new(nullable, heap_type)``): ``ValType.ref``,
``ValType.nullable``, ``ValType.heap_type``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Hashable, Iterable
from typing import Annotated, Any, ClassVar, TypeAlias

from . import _core
from ._api_managed import NothingToClose
from .errors import WasmtimeError, WrongKindError

__all__ = [
    "ArrayType",
    "AsExternType",
    "ExportType",
    "FieldType",
    "FuncType",
    "GlobalType",
    "ImportType",
    "Limits",
    "MemoryType",
    "StructType",
    "TableType",
    "TagType",
    "Val",
    "ValType",
    "externref",
    "f32",
    "f32_from_bits",
    "f32_to_bits",
    "f64",
    "f64_from_bits",
    "f64_to_bits",
    "funcref",
    "i32",
    "i64",
    "v128",
]

# Binary value-type codes (the same numbers as `_defs.pxd` and the binary format).
I32, I64, F32, F64, V128, FUNCREF, EXTERNREF = 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F
_NAMES = {
    I32: "i32",
    I64: "i64",
    F32: "f32",
    F64: "f64",
    V128: "v128",
    FUNCREF: "funcref",
    EXTERNREF: "externref",
}
REF_CODES = (FUNCREF, EXTERNREF)
# Value-type words (_defs.pxd): the non-null bit, the code of a defined type, the shift
# of its canonical id; the abstract heap types by name.
_NONNULL, _CONCRETE, _INDEX_SHIFT = 0x100, 0x02, 9
HEAP_TYPES = {
    "func": 0x70, "nofunc": 0x73, "extern": 0x6F, "noextern": 0x72, "any": 0x6E, "eq": 0x6D,
    "i31": 0x6C, "struct": 0x6B, "array": 0x6A, "none": 0x71, "exn": 0x69, "noexn": 0x74,
}  # fmt: skip
_HEAP_NAMES = {code: name for name, code in HEAP_TYPES.items()}


def is_ref_code(code: int) -> bool:
    """Whether value-type word ``code`` is a reference type."""
    c = code & 0xFF
    return c == _CONCRETE or c in _HEAP_NAMES


def is_func_code(code: int) -> bool:
    """Whether ``code`` references functions (func, nofunc, a defined function type):
    its values cross the API as ``Func`` objects (or ``None``)."""
    c = code & 0xFF
    if c == _CONCRETE:
        return bool(_core.canonical_kind(code >> _INDEX_SHIFT) == 0)
    return c in (0x70, 0x73)

_U32, _U64, _U128 = (1 << 32) - 1, (1 << 64) - 1, (1 << 128) - 1


# ---------------------------------------------------------------------------
# Float bit patterns.  NaN payloads cross exactly: an f32 NaN widened to a
# Python float keeps sign, quiet bit and payload in the top mantissa bits, and
# narrowing moves them back (the C cast would set the quiet bit of a signalling
# NaN, which the spec tests observe).
# ---------------------------------------------------------------------------

_pack_d, _unpack_d = struct.Struct("<d").pack, struct.Struct("<d").unpack
_pack_q, _unpack_q = struct.Struct("<Q").pack, struct.Struct("<Q").unpack
_pack_f, _unpack_f = struct.Struct("<f").pack, struct.Struct("<f").unpack
_pack_i, _unpack_i = struct.Struct("<I").pack, struct.Struct("<I").unpack


def f64_to_bits(value: float) -> int:
    """The IEEE-754 binary64 bit pattern of ``value``, as an unsigned int."""
    return int(_unpack_q(_pack_d(value))[0])


def f64_from_bits(bits: int) -> float:
    """The float whose binary64 bit pattern is ``bits`` (NaN payloads kept)."""
    return float(_unpack_d(_pack_q(bits & _U64))[0])


def f32_from_bits(bits: int) -> float:
    """Widen the binary32 pattern ``bits`` to a Python float, moving NaN payload bits."""
    bits &= _U32
    if (bits & 0x7F800000) == 0x7F800000 and bits & 0x007FFFFF:
        sign = (bits >> 31) << 63
        return f64_from_bits(sign | 0x7FF0000000000000 | ((bits & 0x007FFFFF) << 29))
    return float(_unpack_f(_pack_i(bits))[0])


def f32_to_bits(value: float) -> int:
    """Narrow a Python float to a binary32 pattern (round to nearest; NaN payload moved)."""
    if math.isnan(value):
        bits = f64_to_bits(value)
        payload = (bits >> 29) & 0x007FFFFF
        return ((bits >> 63) << 31) | 0x7F800000 | (payload or 0x00400000)
    try:
        return int(_unpack_i(_pack_f(value))[0])
    except OverflowError:
        # Finite doubles beyond f32's range round to infinity, as a C cast does.
        return 0xFF800000 if value < 0 else 0x7F800000


def _round_f32(value: float) -> float:
    return f32_from_bits(f32_to_bits(value))


# ---------------------------------------------------------------------------
# Value types
# ---------------------------------------------------------------------------


class _ByKey:
    """Mixin: a value compared and hashed by its ``_key()``; equal only to an object of
    the same class with an equal key (type objects are values: two reads of one type are
    equal, and usable as dict keys)."""

    __slots__ = ()

    def _key(self) -> Hashable:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())


class ValType(_ByKey, NothingToClose):
    """A WebAssembly value type: ``ValType.i32()``, ``.i64()``, ``.f32()``, ``.f64()``,
    ``.v128()``, ``.funcref()``, ``.externref()``, or a typed reference
    ``ValType.ref(heap_type, nullable=False)`` (Wasm 3.0).

    Instances compare equal by type (defined types by iso-recursive equivalence) and
    print as their text-format name.
    """

    __slots__ = ("_code",)
    _code: int
    _by_code: ClassVar[dict[int, ValType]] = {}

    def __init__(self) -> None:
        raise WasmtimeError("cannot construct directly")

    @classmethod
    def _of(cls, code: int) -> ValType:
        """The shared instance for (canonical) value-type word ``code``."""
        try:
            return cls._by_code[code]
        except KeyError:
            if code not in _NAMES and not is_ref_code(code):
                raise WasmtimeError(f"unknown value type 0x{code:x}") from None
            ty = object.__new__(cls)
            ty._code = code
            cls._by_code[code] = ty
            return ty

    @classmethod
    def i32(cls) -> ValType:
        """The 32-bit integer type."""
        return cls._of(I32)

    @classmethod
    def i64(cls) -> ValType:
        """The 64-bit integer type."""
        return cls._of(I64)

    @classmethod
    def f32(cls) -> ValType:
        """The 32-bit float type."""
        return cls._of(F32)

    @classmethod
    def f64(cls) -> ValType:
        """The 64-bit float type."""
        return cls._of(F64)

    @classmethod
    def v128(cls) -> ValType:
        """The 128-bit SIMD vector type (values are 128-bit ints or 16 bytes)."""
        return cls._of(V128)

    @classmethod
    def funcref(cls) -> ValType:
        """The function reference type (values are ``Func`` or ``None``)."""
        return cls._of(FUNCREF)

    @classmethod
    def externref(cls) -> ValType:
        """The external reference type (values are any Python object, ``None`` is null)."""
        return cls._of(EXTERNREF)

    @classmethod
    def ref(cls, heap_type: HeapType, nullable: bool = False) -> ValType:
        """The reference type ``(ref null? heap_type)``: ``heap_type`` is a defined type
        (a ``FuncType``: references to functions of that type; a ``StructType`` or
        ``ArrayType`` from ``ValType.heap_type`` or ``AnyRef.type``) or an abstract heap
        type's name (``"func"``, ``"extern"``, ``"nofunc"``, ``"noextern"``, ``"any"``,
        ``"eq"``, ``"i31"``, ``"struct"``, ``"array"``, ``"none"``, ``"exn"``,
        ``"noexn"``).  ``ValType.ref("func", nullable=True) == ValType.funcref()``."""
        if isinstance(heap_type, (FuncType, StructType, ArrayType)):
            code = _CONCRETE | (heap_type._canonical_id() << _INDEX_SHIFT)
        elif isinstance(heap_type, str) and heap_type in HEAP_TYPES:
            code = HEAP_TYPES[heap_type]
        else:
            raise WasmtimeError(f"unknown heap type {heap_type!r}")
        return cls._of(code if nullable else code | _NONNULL)

    @property
    def is_reference(self) -> bool:
        """Whether this is a reference type (``funcref``, ``externref``, ``ValType.ref``)."""
        return is_ref_code(self._code)

    @property
    def nullable(self) -> bool:
        """Whether a reference type includes null (False for number and vector types)."""
        return is_ref_code(self._code) and not self._code & _NONNULL

    @property
    def heap_type(self) -> HeapType | None:
        """A reference type's heap type: its defined type (a ``FuncType``, ``StructType``
        or ``ArrayType``), or an abstract heap type's name; None for number and vector
        types."""
        if not is_ref_code(self._code):
            return None
        if self._code & 0xFF == _CONCRETE:
            return defined_type(self._code >> _INDEX_SHIFT)
        return _HEAP_NAMES[self._code & 0xFF]

    def _key(self) -> Hashable:
        return self._code

    def __str__(self) -> str:
        name = _NAMES.get(self._code)
        if name is not None:
            return name
        if self._code & 0xFF != _CONCRETE:
            null = "" if self._code & _NONNULL else "null "
            return f"(ref {null}{_HEAP_NAMES[self._code & 0xFF]})"
        return str(_core.valtype_name(self._code))

    __repr__ = __str__

    def __reduce__(self) -> tuple[Any, ...]:
        if self._code & 0xFF == _CONCRETE:
            return (ValType.ref, (self.heap_type, self.nullable))
        return (ValType._of, (self._code,))


def _valtypes(items: Iterable[Any]) -> list[ValType]:
    out = list(items)
    for item in out:
        if not isinstance(item, ValType):
            raise WrongKindError("expected ValType")
    return out


def _valtype(item: Any) -> ValType:
    if not isinstance(item, ValType):
        raise WrongKindError("expected valtype")
    return item


class FuncType(_ByKey, NothingToClose):
    """A function signature: ``FuncType(params, results)`` with lists of ``ValType``."""

    __slots__ = ("_codes", "_id", "_params", "_results")

    def __init__(self, params: Iterable[ValType], results: Iterable[ValType]):
        self._params = tuple(_valtypes(params))
        self._results = tuple(_valtypes(results))
        self._codes = (
            tuple(t._code for t in self._params),
            tuple(t._code for t in self._results),
        )
        self._id: int | None = None

    @classmethod
    def _from_codes(cls, params: Iterable[int], results: Iterable[int]) -> FuncType:
        return cls([ValType._of(c) for c in params], [ValType._of(c) for c in results])

    @classmethod
    def _from_type_id(cls, type_id: int) -> FuncType:
        """The function type of canonical id ``type_id`` (a module's type, which may refer
        to itself: the id is kept, not recomputed from the codes)."""
        ty = cls._from_codes(*_core.canonical_signature(type_id))
        ty._id = type_id
        return ty

    def _canonical_id(self) -> int:
        """The process-wide canonical id of this type (as ``_core`` assigns them)."""
        if self._id is None:
            self._id = int(_core.FuncTypeInfo(*self._codes).type_id)
        return self._id

    @property
    def params(self) -> list[ValType]:
        """The parameter types."""
        return list(self._params)

    @property
    def results(self) -> list[ValType]:
        """The result types."""
        return list(self._results)

    def _key(self) -> Hashable:
        return self._canonical_id()

    def __repr__(self) -> str:
        params = " ".join(map(str, self._params))
        results = " ".join(map(str, self._results))
        return f"FuncType(func (param {params}) (result {results}))"

    def __reduce__(self) -> tuple[Any, ...]:
        # canonical ids are per process: a defined type in a parameter is pickled by
        # value (its FuncType), hence through ValType.__reduce__
        return (FuncType, (list(self._params), list(self._results)))


# Packed storage types of struct fields and array elements (binary codes, _defs.pxd).
_PACKED = {0x78: "i8", 0x77: "i16"}


class FieldType(_ByKey, NothingToClose):
    """The type of a struct field or an array's elements (wasmtime's ``FieldType``):
    ``storage``, a ``ValType`` or a packed ``"i8"`` / ``"i16"``, and ``mutable``."""

    __slots__ = ("_mutable", "_storage")

    def __init__(self, storage: ValType | str, mutable: bool):
        if not (isinstance(storage, ValType) or storage in ("i8", "i16")):
            raise WrongKindError("expected a ValType, 'i8' or 'i16'")
        self._storage = storage
        self._mutable = bool(mutable)

    @classmethod
    def _from_code(cls, code: int, mutable: bool) -> FieldType:
        return cls(_PACKED.get(code) or ValType._of(code), mutable)

    @property
    def storage(self) -> ValType | str:
        """The stored type: a ``ValType``, or ``"i8"`` / ``"i16"`` for packed integers
        (read from Python zero-extended, as wasmtime does)."""
        return self._storage

    @property
    def mutable(self) -> bool:
        """Whether ``struct.set`` / ``array.set`` (and Python) may change it."""
        return self._mutable

    def _key(self) -> Hashable:
        return (self._storage, self._mutable)

    def __repr__(self) -> str:
        return f"FieldType({self._storage}, mutable={self._mutable})"


class _GcType(_ByKey, NothingToClose):
    """A defined struct or array type, as the runtime knows it: made from its process-wide
    canonical id (by ``ValType.heap_type``, ``AnyRef.type``), never by Python; equal
    types (iso-recursively) compare equal."""

    __slots__ = ("_fields", "_id")
    _fields: tuple[FieldType, ...]
    _id: int

    def __init__(self) -> None:
        raise WasmtimeError("struct and array types come from modules (ValType.heap_type, "
                            "AnyRef.type), not from Python")

    @classmethod
    def _from_type_id(cls, type_id: int) -> Any:
        ty = object.__new__(cls)
        ty._id = type_id
        ty._fields = tuple(
            FieldType._from_code(code, mut) for code, mut in _core.canonical_type(type_id)[3]
        )
        return ty

    def _canonical_id(self) -> int:
        return self._id

    @property
    def supertype(self) -> StructType | ArrayType | None:
        """The declared supertype (``sub $t``), or None."""
        sid = _core.canonical_type(self._id)[2]
        return None if sid < 0 else defined_type(sid)  # type: ignore[return-value]

    @property
    def final(self) -> bool:
        """Whether no type may declare this one as its supertype."""
        return bool(_core.canonical_type(self._id)[1])

    def _key(self) -> Hashable:
        return self._id

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError(f"cannot pickle a {type(self).__name__}: its identity is the "
                        "process's canonical id")


class StructType(_GcType):
    """A struct type (wasmtime's ``StructType``): ``fields``, a list of ``FieldType``."""

    __slots__ = ()

    @property
    def fields(self) -> list[FieldType]:
        """The fields' types, in order."""
        return list(self._fields)

    def __repr__(self) -> str:
        return f"StructType({list(self._fields)})"


class ArrayType(_GcType):
    """An array type (wasmtime's ``ArrayType``): ``field_type``, its elements' type."""

    __slots__ = ()

    @property
    def field_type(self) -> FieldType:
        """The elements' type."""
        return self._fields[0]

    def __repr__(self) -> str:
        return f"ArrayType({self._fields[0]})"


HeapType: TypeAlias = str | FuncType | StructType | ArrayType


def defined_type(type_id: int) -> FuncType | StructType | ArrayType:
    """The ``FuncType``, ``StructType`` or ``ArrayType`` of canonical id ``type_id``."""
    kind = _core.canonical_kind(type_id)
    if kind == 0:
        return FuncType._from_type_id(type_id)
    return (StructType if kind == 1 else ArrayType)._from_type_id(type_id)  # type: ignore[no-any-return]


class Limits(_ByKey):
    """Size limits of a table or memory: ``min`` and optional ``max`` (``None`` = unbounded)."""

    __slots__ = ("max", "min")

    def __init__(self, min: int, max: int | None):
        self.min = min
        self.max = max

    def _key(self) -> Hashable:
        return (self.min, self.max)

    def __repr__(self) -> str:
        return f"Limits({self.min}, {self.max})"

    def _matches(self, expected: Limits) -> bool:
        """Import subtyping: ``self`` (the provided limits) fits within ``expected``."""
        if self.min < expected.min:
            return False
        if expected.max is None:
            return True
        return self.max is not None and self.max <= expected.max


def _limits(limits: Any) -> Limits:
    if not isinstance(limits, Limits):
        raise WrongKindError("expected Limits")
    return limits


class GlobalType(_ByKey, NothingToClose):
    """The type of a global: its ``content`` value type and whether it is ``mutable``."""

    __slots__ = ("_content", "_mutable")

    def __init__(self, valtype: ValType, mutable: bool):
        self._content = _valtype(valtype)
        self._mutable = bool(mutable)

    @property
    def content(self) -> ValType:
        """The type of the value held."""
        return self._content

    @property
    def mutable(self) -> bool:
        """Whether ``global.set`` / ``Global.set_value`` may change it."""
        return self._mutable

    def _key(self) -> Hashable:
        return (self._content, self._mutable)

    def __repr__(self) -> str:
        return f"GlobalType({self._content}, mutable={self._mutable})"


class TableType(_ByKey, NothingToClose):
    """The type of a table: its ``element`` reference type, ``limits`` (in elements) and
    ``is_64`` (a table64, indexed by i64: the memory64 proposal; a wasmrt extension of
    wasmtime-py's constructor, as ``MemoryType`` has it)."""

    __slots__ = ("_element", "_is_64", "_limits")

    def __init__(self, valtype: ValType, limits: Limits, is_64: bool = False):
        self._limits = _limits(limits)
        self._element = _valtype(valtype)
        maximum = 1 << 64 if is_64 else 1 << 32
        if limits.min >= maximum:
            raise WasmtimeError("minimum size too large")
        if limits.max is not None and limits.max >= maximum:
            raise WasmtimeError("maximum size too large")
        self._is_64 = bool(is_64)

    @property
    def element(self) -> ValType:
        """The element type (``funcref`` or ``externref``)."""
        return self._element

    @property
    def limits(self) -> Limits:
        """Minimum and maximum size in elements."""
        return self._limits

    @property
    def is_64(self) -> bool:
        """Whether this is a 64-bit (table64) table."""
        return self._is_64

    def _key(self) -> tuple[Any, ...]:
        return (self._element, self._limits, self._is_64)


    def __repr__(self) -> str:
        return f"TableType({'i64, ' if self._is_64 else ''}{self._element}, {self._limits})"


class MemoryType(_ByKey, NothingToClose):
    """The type of a linear memory: ``limits`` in pages, ``is_64``, ``is_shared``, page size."""

    __slots__ = ("_is_64", "_limits", "_page_size_log2", "_shared")

    def __init__(
        self,
        limits: Limits,
        is_64: bool = False,
        shared: bool = False,
        page_size_log2: int = 16,
    ):
        _limits(limits)
        maximum = 1 << 64 if is_64 else 1 << 32
        if limits.min >= maximum:
            raise WasmtimeError("minimum size too large")
        if limits.max and limits.max >= maximum:
            raise WasmtimeError("maximum size too large")
        if page_size_log2 not in (0, 16):
            raise WasmtimeError("page size must be 1 or 65536 bytes")
        self._limits = limits
        self._is_64 = bool(is_64)
        self._shared = bool(shared)
        self._page_size_log2 = page_size_log2

    @property
    def limits(self) -> Limits:
        """Minimum and maximum size in pages."""
        return self._limits

    @property
    def is_64(self) -> bool:
        """Whether this is a 64-bit (memory64) memory."""
        return self._is_64

    @property
    def is_shared(self) -> bool:
        """Whether this is a shared memory (threads proposal)."""
        return self._shared

    @property
    def page_size(self) -> int:
        """The page size in bytes (65536 unless custom page sizes are used)."""
        return 1 << self._page_size_log2

    @property
    def page_size_log2(self) -> int:
        """log2 of the page size in bytes."""
        return self._page_size_log2

    def _key(self) -> tuple[Any, ...]:
        return (self._limits, self._is_64, self._shared, self._page_size_log2)


    def __repr__(self) -> str:
        extra = "i64, " if self._is_64 else ""
        if self._page_size_log2 != 16:
            extra += f"page_size={1 << self._page_size_log2}, "
        shared = ", shared=True" if self._shared else ""
        return f"MemoryType({extra}{self._limits}{shared})"


class TagType(_ByKey, NothingToClose):
    """The type of an exception tag: ``TagType(functype)``, the function type whose
    parameters are the payload of the exceptions thrown with it (its results are empty)."""

    __slots__ = ("_functype",)

    def __init__(self, functype: FuncType):
        if not isinstance(functype, FuncType):
            raise TypeError("expected a FuncType")
        self._functype = functype

    @property
    def functype(self) -> FuncType:
        """The function type describing the payload."""
        return self._functype

    def _key(self) -> Hashable:
        return self._functype

    def __repr__(self) -> str:
        return f"TagType({self._functype!r})"


AsExternType: TypeAlias = FuncType | TableType | MemoryType | GlobalType | TagType


class ImportType(NothingToClose):
    """One import of a module: ``module`` and ``name`` it is looked up by, and its extern ``type``."""

    __slots__ = ("_module", "_name", "_type")

    def __init__(self, module: str, name: str | None, type: AsExternType):
        self._module = module
        self._name = name
        self._type = type

    @property
    def module(self) -> str:
        """The module name of the import."""
        return self._module

    @property
    def name(self) -> str | None:
        """The field name of the import."""
        return self._name

    @property
    def type(self) -> AsExternType:
        """The expected extern type (``FuncType``, ``TableType``, ``MemoryType``, ``GlobalType``)."""
        return self._type

    def __repr__(self) -> str:
        return f"ImportType({self._module!r}, {self._name!r}, {self._type!r})"


class ExportType(NothingToClose):
    """One export of a module: its ``name`` and extern ``type``."""

    __slots__ = ("_name", "_type")

    def __init__(self, name: str, type: AsExternType):
        self._name = name
        self._type = type

    @property
    def name(self) -> str:
        """The export name."""
        return self._name

    @property
    def type(self) -> AsExternType:
        """The extern type of the exported item."""
        return self._type

    def __repr__(self) -> str:
        return f"ExportType({self._name!r}, {self._type!r})"


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def wrap_i32(value: int) -> int:
    """``value`` wrapped to a signed 32-bit integer (as wasmtime-py's ``Val.i32``)."""
    value &= _U32
    return value - (1 << 32) if value & 0x80000000 else value


def wrap_i64(value: int) -> int:
    """``value`` wrapped to a signed 64-bit integer."""
    value &= _U64
    return value - (1 << 64) if value & 0x8000000000000000 else value


def v128_to_int(value: Any) -> int:
    """A v128 value (int, or 16 bytes little-endian) as an unsigned 128-bit int."""
    if isinstance(value, int):
        return value & _U128
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        if len(raw) != 16:
            raise TypeError("expected 16 bytes for a v128")
        return int.from_bytes(raw, "little")
    raise TypeError("expected an integer or 16 bytes")


class Val:
    """A typed WebAssembly value; ``.value`` is the Python value and ``.type`` its ``ValType``.

    Constructors wrap integers to their width (``Val.i32(2**31).value == -2**31``) and round
    ``f32`` values to single precision; functions accept plain Python values too.
    """

    __slots__ = ("_kind", "_val")

    def __init__(self, kind: ValType, val: Any):
        self._kind = kind
        self._val = val

    @classmethod
    def i32(cls, val: int) -> Val:
        """A 32-bit integer value (wrapped to signed 32 bits)."""
        if not isinstance(val, int):
            raise TypeError("expected an integer")
        return Val(ValType._of(I32), wrap_i32(val))

    @classmethod
    def i64(cls, val: int) -> Val:
        """A 64-bit integer value (wrapped to signed 64 bits)."""
        if not isinstance(val, int):
            raise TypeError("expected an integer")
        return Val(ValType._of(I64), wrap_i64(val))

    @classmethod
    def f32(cls, val: float) -> Val:
        """A 32-bit float value (rounded to single precision, NaN payload kept)."""
        if not isinstance(val, float):
            raise TypeError("expected a float")
        return Val(ValType._of(F32), _round_f32(val))

    @classmethod
    def f64(cls, val: float) -> Val:
        """A 64-bit float value."""
        if not isinstance(val, float):
            raise TypeError("expected a float")
        return Val(ValType._of(F64), val)

    @classmethod
    def v128(cls, val: int | bytes) -> Val:
        """A 128-bit vector value from an int (wrapped to 128 bits) or 16 little-endian bytes."""
        return Val(ValType._of(V128), v128_to_int(val))

    @classmethod
    def externref(cls, extern: Any | None) -> Val:
        """An external reference to any Python object (``None`` is the null reference)."""
        return Val(ValType._of(EXTERNREF), extern)

    @classmethod
    def funcref(cls, f: Any | None) -> Val:
        """A function reference (``Func`` or ``None`` for null)."""
        return Val(ValType._of(FUNCREF), f)

    @classmethod
    def ref_null(cls, ty: ValType) -> Val:
        """The null reference of reference type ``ty``."""
        if isinstance(ty, ValType) and ty._code in REF_CODES:
            return Val(ty, None)
        raise WasmtimeError(f"Invalid reference type for `ref_null`: {ty}")

    @property
    def value(self) -> Any:
        """The underlying Python value."""
        return self._val

    @property
    def type(self) -> ValType:
        """The ``ValType`` of this value."""
        return self._kind

    def _as(self, code: int) -> Any:
        return self._val if self._kind._code == code else None

    def as_i32(self) -> int | None:
        """The value if this is an ``i32``, else ``None``."""
        return self._as(I32)  # type: ignore[no-any-return]

    def as_i64(self) -> int | None:
        """The value if this is an ``i64``, else ``None``."""
        return self._as(I64)  # type: ignore[no-any-return]

    def as_f32(self) -> float | None:
        """The value if this is an ``f32``, else ``None``."""
        return self._as(F32)  # type: ignore[no-any-return]

    def as_f64(self) -> float | None:
        """The value if this is an ``f64``, else ``None``."""
        return self._as(F64)  # type: ignore[no-any-return]

    def as_v128(self) -> int | None:
        """The value (unsigned 128-bit int) if this is a ``v128``, else ``None``."""
        return self._as(V128)  # type: ignore[no-any-return]

    def as_externref(self) -> Any | None:
        """The referenced object if this is an ``externref``, else ``None``."""
        return self._as(EXTERNREF)

    def as_funcref(self) -> Any | None:
        """The ``Func`` if this is a non-null ``funcref``, else ``None``."""
        return self._as(FUNCREF)

    def __eq__(self, rhs: object) -> Any:
        if isinstance(rhs, Val):
            return self._kind == rhs._kind and self._val == rhs._val
        return self._val == rhs

    __hash__ = None  # type: ignore[assignment]  # compares equal to plain values

    def __repr__(self) -> str:
        return f"Val.{self._kind}({self._val!r})"


# ---------------------------------------------------------------------------
# Annotation markers for Func.wrap: `def f(x: wasmrt.i32) -> wasmrt.f32: ...`
# Each is `Annotated[<python type>, ValType]`, so type checkers see plain Python types.
# ---------------------------------------------------------------------------

i32 = Annotated[int, ValType.i32()]
i64 = Annotated[int, ValType.i64()]
f32 = Annotated[float, ValType.f32()]
f64 = Annotated[float, ValType.f64()]
v128 = Annotated[int, ValType.v128()]
externref = Annotated[Any, ValType.externref()]
funcref = Annotated[object | None, ValType.funcref()]
