"""``Module``: a compiled, validated WebAssembly module (immutable, shareable across threads).

``Module(engine, wasm)`` takes binary (``bytes``, ``bytearray``, ``memoryview``) or text
(``str``, or bytes that do not start with ``\\0``) and runs the decode -> validate + lower
pipeline of ``_core`` once; every instance in every Store shares the result.

Serialized form (``Module.serialize``), format version 5: the module binary and the
lowered code of every defined function, so ``Module.deserialize`` only decodes the module
structure (``_core.load_module``) and copies the code, without validating or lowering a
single body again.  Integers of the envelope are little-endian::

    offset  size
     0       8   magic b"\\0wasmrt\\0"
     8       2   u16 format version (5)
    10       1   u8 byte order of the code table: 1 little-endian, 2 big-endian
    11       1   u8 0
    12       4   u32 feature mask the code was lowered with (``ModuleInfo.features``:
                 the proposals, plus ``FEATURE_METERING`` for consume_fuel/epoch_interruption)
    16       8   u64 length of the whole serialized module
    24       8   u64 length n of the module binary
    32      32   ISA fingerprint: SHA-256 of the instruction set tables (``_isa_names``)
    64       4   u32 CRC-32 of bytes [0, 64) and [68, end)
    68       4   u32 length m of the native section (0: none)
    72       n   the module binary
    72+n    ...  the code table (``_core.dump_codes``; layout in ``_core_serial.pxi``):
                 per function its ``FuncCode`` fields, cells (handler cells hold IR_*
                 numbers) and srcmap
    end-m    m   the native section (``_native.NativeModule.dump``): the machine code
                 compiled so far, used when the same CPU, llvmlite and wasmrt read it
                 and the section matches the SHA-256 it starts with (otherwise
                 ignored: the module is interpreted and tiers up again)

``deserialize`` rejects with ``WasmtimeError``: other data (magic), another format
version, truncated data, a checksum mismatch, code of another byte order or another
wasmrt instruction set, code lowered for other Engine features (metering included); the
code table gets structural checks (sizes, op numbers, instruction walk, branch targets,
srcmap; see ``_core_serial.pxi``).  Beyond these checks a serialized module is trusted
input, as in wasmtime: deserialize only what ``serialize`` wrote, never data from an
untrusted source.  Bump the format version when the lowerer changes what the code of an
unchanged instruction set means.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import struct
import sys
import zlib
from typing import Any, TypeAlias, TypeVar

from . import _core
from ._api_engine import Engine
from ._api_managed import Closeable
from ._api_types import (
    AsExternType,
    ExportType,
    FuncType,
    GlobalType,
    ImportType,
    Limits,
    MemoryType,
    TableType,
    TagType,
    ValType,
)
from .errors import WasmtimeError, WrongKindError

__all__ = ["EXTERN_FUNC", "EXTERN_GLOBAL", "EXTERN_MEMORY", "EXTERN_TABLE", "Module", "wat2wasm"]

# Extern kinds, in binary order (the same numbers as `_core`'s ImportInfo.kind).
EXTERN_FUNC, EXTERN_TABLE, EXTERN_MEMORY, EXTERN_GLOBAL, EXTERN_TAG = 0, 1, 2, 3, 4

_MAGIC = b"\0wasmrt\0"
_VERSION = 5
# magic, version, byte order, 0, features, total length, binary length, ISA fingerprint,
# checksum, 0.  The checksum (CRC-32: it guards against damage, not against tampering: a
# serialized module is trusted input) covers the header up to itself and all after it.
_HEADER = struct.Struct("<8sHBBIQQ32sII")
_CHECKSUM_AT = 64
_BYTE_ORDER = {"little": 1, "big": 2}
_Buffer = TypeVar("_Buffer", bytes, bytearray)

Wasm: TypeAlias = str | bytes | bytearray | memoryview


def wat2wasm(wat: str | bytes) -> bytearray:
    """Convert WebAssembly text (a module, or module fields without ``(module ...)``) to
    binary (a ``bytearray``, as wasmtime-py returns).

    Raises ``WatError`` (a ``WasmtimeError``) naming ``line:column`` on malformed text.
    """
    return bytearray(_encode_text(wat))


def _encode_text(wat: str | bytes) -> bytes:
    """The binary module of WebAssembly text ``wat`` (``str`` or UTF-8 ``bytes``)."""
    from .wat import wat2wasm as convert

    if isinstance(wat, (bytes, bytearray)):
        wat = bytes(wat).decode("utf-8")
    return bytes(convert(wat))


_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 13)) + b"\x7f"


def _looks_like_text(data: bytes) -> bool:
    """Whether bytes are WebAssembly text: non-empty, not starting with ``\\0`` (as
    wasmtime-py decides), UTF-8, and free of control characters, which the text format
    never contains raw (so malformed binaries still fail as binaries)."""
    if not data or data[0] == 0:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(c in data for c in _CONTROL)


def to_wasm(wasm: Any) -> bytes:
    """The binary module for ``wasm``: text is encoded first (as wasmtime-py's ``_to_wasm``)."""
    if isinstance(wasm, str):
        if wasm and wasm[0] != "\0":
            return _encode_text(wasm)
        return wasm.encode("latin-1")
    if isinstance(wasm, (bytes, bytearray, memoryview)):
        data = bytes(wasm)
        if _looks_like_text(data):
            return _encode_text(data)
        return data
    raise TypeError("expected wasm bytes")


def _limits(info: Any) -> Limits:
    return Limits(info.min, None if info.max is None or info.max < 0 else info.max)


def extern_type(module_info: Any, kind: int, desc: Any) -> AsExternType:
    """The public extern type of an import/export descriptor of ``_core``'s ModuleInfo.

    ``desc`` is a type index for functions, else a TableTypeInfo / MemoryTypeInfo /
    GlobalTypeInfo.
    """
    if kind == EXTERN_FUNC:
        return FuncType._from_type_id(module_info.types[desc].type_id)
    type_ids = [t.type_id for t in module_info.types]
    if kind == EXTERN_TABLE:
        elem = _core.canonical_valtype(desc.elem_type, type_ids)
        return TableType(ValType._of(elem), _limits(desc), is_64=bool(desc.is_64))
    if kind == EXTERN_MEMORY:
        return MemoryType(
            _limits(desc),
            is_64=bool(desc.is_64),
            shared=bool(desc.shared),
            page_size_log2=int(desc.page_size_log2),
        )
    if kind == EXTERN_GLOBAL:
        content = _core.canonical_valtype(desc.val_type, type_ids)
        return GlobalType(ValType._of(content), bool(desc.mutable))
    if kind == EXTERN_TAG:
        return TagType(FuncType._from_type_id(module_info.types[desc].type_id))
    raise WasmtimeError(f"unknown extern kind {kind}")


def export_desc(module_info: Any, kind: int, index: int) -> Any:
    """The descriptor (as in ``extern_type``) of the item ``index`` of index space ``kind``."""
    if kind == EXTERN_FUNC:
        return module_info.func_types[index]
    if kind == EXTERN_TABLE:
        return module_info.tables[index]
    if kind == EXTERN_MEMORY:
        return module_info.memories[index]
    if kind == EXTERN_GLOBAL:
        g = module_info.globals[index]
        return getattr(g, "type", g)
    if kind == EXTERN_TAG:
        return module_info.tags[index]
    raise WasmtimeError(f"unknown extern kind {kind}")


def _compile(engine: Engine, binary: bytes) -> Any:
    return _core.compile_module(binary, engine._live()._feature_mask)


class Module(Closeable):
    """A compiled WebAssembly module: ``Module(engine, wasm_or_wat)``.

    Immutable and safe to share between threads and Stores of the same Engine.  Once
    closed it can no longer be instantiated or inspected (its instances keep working).
    Raises ``WasmtimeError`` subclasses (``WatError``, ``DecodeError``, ``ValidationError``)
    for malformed or invalid input.
    """

    _engine: Engine
    _binary: bytes
    _info: Any

    def __init__(self, engine: Engine, wasm: Wasm):
        if not isinstance(engine, Engine):
            raise WrongKindError("expected an Engine")
        engine._live()
        binary = to_wasm(wasm)
        self._init(engine, binary, _compile(engine, binary))

    def _init(self, engine: Engine, binary: bytes, info: Any, native: bytes = b"") -> None:
        self._engine = engine
        self._binary = binary
        self._info = info
        self._plan: Any = None  # _interp.ModulePlan, made on first instantiation
        self._imports: list[ImportType] | None = None
        self._exports: list[ExportType] | None = None
        from . import _native  # machine code for Config.strategy "native" / "auto"

        self._native: Any = _native.attach(info, engine._strategy, native,
                                           engine._native_cache, binary,
                                           engine._profiler == "perfmap")

    @classmethod
    def from_file(cls, engine: Engine, path: str | bytes | os.PathLike[Any]) -> Module:
        """Compile the module (binary or text) in the file at ``path``."""
        with open(path, "rb") as f:
            contents = f.read()
        return cls(engine, contents)

    @classmethod
    def validate(cls, engine: Engine, wasm: bytes | bytearray) -> None:
        """Check that ``wasm`` is a valid binary module for ``engine``'s configuration.

        Raises ``WasmtimeError`` (a ``DecodeError`` or ``ValidationError``) if it is not.
        Decodes and validates only: nothing is translated.
        """
        if not isinstance(engine, Engine):
            raise WrongKindError("expected an Engine")
        if not isinstance(wasm, (bytes, bytearray, memoryview)):
            raise TypeError("expected wasm bytes")
        _core.validate_module(bytes(wasm), engine._live()._feature_mask)

    @property
    def engine(self) -> Engine:
        """The Engine this module was compiled for."""
        return self._engine

    @property
    def name(self) -> str | None:
        """The module name from the ``name`` custom section, if any."""
        names = getattr(self._live()._info, "names", None)
        return getattr(names, "module", None) if names is not None else None

    @property
    def imports(self) -> list[ImportType]:
        """The module's imports, in order, with their expected extern types."""
        self._live()
        if self._imports is None:
            info = self._info
            self._imports = [
                ImportType(imp.module, imp.name, extern_type(info, imp.kind, imp.desc))
                for imp in info.imports
            ]
        return list(self._imports)

    @property
    def exports(self) -> list[ExportType]:
        """The module's exports, in order, with their extern types."""
        self._live()
        if self._exports is None:
            info = self._info
            self._exports = [
                ExportType(
                    exp.name, extern_type(info, exp.kind, export_desc(info, exp.kind, exp.index))
                )
                for exp in info.exports
            ]
        return list(self._exports)

    # Serialization ----------------------------------------------------------

    def serialize(self) -> bytearray:
        """This module in wasmrt's versioned format (see the module docstring), for
        ``Module.deserialize`` by the same wasmrt build with the same Engine features."""
        self._live()
        return self._serialize(bytearray)

    def _serialize(self, kind: type[_Buffer]) -> _Buffer:
        from . import _interp  # threaded code maps back to IR numbers through its handlers

        codes = _core.dump_codes(self._info, _interp.handler_table())
        native = self._native.dump() if self._native is not None else b""
        binary = self._binary
        fields = (
            _MAGIC,
            _VERSION,
            _BYTE_ORDER[sys.byteorder],
            0,
            self._info.features,
            _HEADER.size + len(binary) + len(codes) + len(native),
            len(binary),
            _isa_fingerprint(),
        )
        checksum = _checksum((_HEADER.pack(*fields, 0, len(native)), binary, codes, native))
        return kind().join((_HEADER.pack(*fields, checksum, len(native)), binary, codes, native))

    @classmethod
    def deserialize(cls, engine: Engine, encoded: bytes | bytearray | memoryview) -> Module:
        """Recreate a module from ``Module.serialize`` output without validating or
        lowering it again.

        Raises ``WasmtimeError`` if ``encoded`` is not in wasmrt's format, was written by
        another format version, for another instruction set or byte order or Engine
        features, or is truncated or corrupted.  Serialized modules are trusted input
        beyond these checks: only deserialize what ``serialize`` wrote.
        """
        if not isinstance(engine, Engine):
            raise WrongKindError("expected an Engine")
        if not isinstance(encoded, (bytes, bytearray, memoryview)):
            raise TypeError("expected bytes")
        engine._live()
        view = memoryview(encoded).cast("B")
        binary, codes, native = _unpack(view, engine._feature_mask | _core.BASELINE_FEATURES)
        module = cls.__new__(cls)
        module._init(engine, binary, _core.load_module(binary, engine._feature_mask, codes),
                     bytes(native))
        return module

    @classmethod
    def deserialize_file(cls, engine: Engine, path: str | bytes | os.PathLike[Any]) -> Module:
        """``Module.deserialize`` of the contents of the file at ``path``."""
        with open(path, "rb") as f:
            return cls.deserialize(engine, f.read())

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the Engine and the serialized module: workers of ``multiprocessing``
        or ``concurrent.futures`` get the compiled module without compiling it again."""
        return (_unpickle, (self._engine, self._serialize(bytes)))

    def __repr__(self) -> str:
        if self._closed:
            return "<wasmrt.Module (closed)>"
        name = self.name
        return f"<wasmrt.Module{' ' + name if name else ''} ({len(self._binary)} bytes)>"


@functools.cache
def _isa_fingerprint() -> bytes:
    """SHA-256 of the generated instruction set tables (op names, operand layouts, cell
    counts): lowered code is only meaningful to a runtime with the same ones."""
    from . import _isa_names

    tables = [_isa_names.NAMES, _isa_names.LAYOUT, _isa_names.NCELLS]
    return hashlib.sha256(json.dumps(tables).encode()).digest()


def _feature_names(mask: int) -> list[str]:
    names = [name for name, bit in _core.FEATURES.items() if mask & bit]
    if mask & _core.FEATURE_METERING:
        names.append("metering (consume_fuel/epoch_interruption)")
    return sorted(names)


def _checksum(parts: tuple[Any, ...]) -> int:
    """CRC-32 of a serialized module given in parts, its checksum field excluded."""
    first = memoryview(parts[0])
    crc = zlib.crc32(first[_CHECKSUM_AT + 4 :], zlib.crc32(first[:_CHECKSUM_AT]))
    for part in parts[1:]:
        crc = zlib.crc32(part, crc)
    return crc


def _unpack(view: memoryview, features: int) -> tuple[bytes, memoryview, memoryview]:
    """The module binary, the code table and the native section of a serialized module,
    after the checks of its envelope against this wasmrt and an Engine with the feature
    mask ``features``."""
    size = len(view)
    if bytes(view[:8]) != _MAGIC:
        if 0 < size < 8 and _MAGIC.startswith(bytes(view)):
            raise WasmtimeError("serialized module is truncated")
        raise WasmtimeError("not a serialized wasmrt module (bad magic)")
    if size < 10:
        raise WasmtimeError("serialized module is truncated")
    version = int.from_bytes(view[8:10], "little")
    if version != _VERSION:
        raise WasmtimeError(
            f"serialized module has format version {version}; this wasmrt reads {_VERSION}"
        )
    if size < _HEADER.size:
        raise WasmtimeError("serialized module is truncated")
    fields = _HEADER.unpack_from(view)
    _, _, order, zero, module_features, total, nbinary, isa, checksum, nnative = fields
    if size < total:
        raise WasmtimeError(f"serialized module is truncated ({size} of {total} bytes)")
    if size > total:
        raise WasmtimeError(f"serialized module is corrupted ({size - total} bytes too many)")
    if _checksum((view,)) != checksum:
        raise WasmtimeError("serialized module is corrupted (checksum mismatch)")
    if zero or nbinary + nnative > size - _HEADER.size:
        raise WasmtimeError("serialized module is corrupted (bad header)")
    if order != _BYTE_ORDER[sys.byteorder]:
        raise WasmtimeError("serialized module was written on a machine of another byte order")
    if isa != _isa_fingerprint():
        raise WasmtimeError(
            "serialized module was compiled for another wasmrt instruction set "
            "(another wasmrt build): compile the module again"
        )
    if module_features != features:
        raise WasmtimeError(
            "Module was compiled with incompatible Engine settings: features "
            f"{_feature_names(module_features)} != {_feature_names(features)}"
        )
    end = _HEADER.size + nbinary
    return bytes(view[_HEADER.size : end]), view[end : size - nnative], view[size - nnative :]


def _unpickle(engine: Engine, encoded: bytes) -> Module:
    """The reconstructor of pickled modules (``Module.__reduce__``)."""
    return Module.deserialize(engine, encoded)
