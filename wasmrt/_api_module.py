"""``Module``: a compiled, validated WebAssembly module (immutable, shareable across threads).

``Module(engine, wasm)`` takes binary (``bytes``, ``bytearray``, ``memoryview``) or text
(``str``, or bytes that do not start with ``\\0``) and runs the decode -> validate + lower
pipeline of ``_core`` once; every instance in every Store shares the result.

Serialized form (``Module.serialize``), version 1::

    b"\\0wasmrt\\0"  magic (8 bytes)
    u16 LE        format version
    u16 LE        length of the features field, then the enabled features (comma separated)
    32 bytes      SHA-256 of the module binary
    ...           the module binary

Deserializing checks magic, version and hash, then compiles the binary again (lowered
code is not yet serializable; the hash check guards against corruption).
"""

from __future__ import annotations

import hashlib
import os
import struct
from typing import Any, TypeAlias

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
    ValType,
)
from .errors import WasmtimeError

__all__ = ["EXTERN_FUNC", "EXTERN_GLOBAL", "EXTERN_MEMORY", "EXTERN_TABLE", "Module", "wat2wasm"]

# Extern kinds, in binary order (the same numbers as `_core`'s ImportInfo.kind).
EXTERN_FUNC, EXTERN_TABLE, EXTERN_MEMORY, EXTERN_GLOBAL = 0, 1, 2, 3

_MAGIC = b"\0wasmrt\0"
_VERSION = 1
_HEADER = struct.Struct("<8sHH")

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
        ft = module_info.types[desc]
        return FuncType._from_codes(ft.params, ft.results)
    if kind == EXTERN_TABLE:
        return TableType(ValType._of(desc.elem_type), _limits(desc))
    if kind == EXTERN_MEMORY:
        return MemoryType(
            _limits(desc),
            is_64=bool(getattr(desc, "is_64", False)),
            shared=bool(getattr(desc, "shared", False)),
        )
    if kind == EXTERN_GLOBAL:
        return GlobalType(ValType._of(desc.val_type), bool(desc.mutable))
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
            raise TypeError("expected an Engine")
        engine._live()
        binary = to_wasm(wasm)
        self._init(engine, binary, _compile(engine, binary))

    def _init(self, engine: Engine, binary: bytes, info: Any) -> None:
        self._engine = engine
        self._binary = binary
        self._info = info
        self._plan: Any = None  # _interp.ModulePlan, made on first instantiation
        self._imports: list[ImportType] | None = None
        self._exports: list[ExportType] | None = None

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
        """
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        if not isinstance(wasm, (bytes, bytearray, memoryview)):
            raise TypeError("expected wasm bytes")
        _compile(engine, bytes(wasm))

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
        """This module in wasmrt's versioned format, for ``Module.deserialize``."""
        self._live()
        features = ",".join(sorted(self._engine._features)).encode()
        header = _HEADER.pack(_MAGIC, _VERSION, len(features))
        digest = hashlib.sha256(self._binary).digest()
        return bytearray(header + features + digest + self._binary)

    @classmethod
    def deserialize(cls, engine: Engine, encoded: bytes | bytearray) -> Module:
        """Recreate a module from ``Module.serialize`` output.

        Raises ``WasmtimeError`` if ``encoded`` is not in wasmrt's format, was written by
        another format version or for other enabled features, or is corrupted.
        """
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        if not isinstance(encoded, (bytes, bytearray, memoryview)):
            raise TypeError("expected bytes")
        binary, features = _unpack(bytes(encoded))
        if features != engine._features:
            raise WasmtimeError(
                "Module was compiled with incompatible Engine settings: features "
                f"{sorted(features)} != {sorted(engine._features)}"
            )
        module = cls.__new__(cls)
        module._init(engine, binary, _compile(engine, binary))
        return module

    @classmethod
    def deserialize_file(cls, engine: Engine, path: str) -> Module:
        """``Module.deserialize`` of the contents of the file at ``path``."""
        with open(path, "rb") as f:
            return cls.deserialize(engine, f.read())

    def __reduce__(self) -> tuple[Any, ...]:
        return (_unpickle, (self._engine, bytes(self.serialize())))

    def __repr__(self) -> str:
        if self._closed:
            return "<wasmrt.Module (closed)>"
        name = self.name
        return f"<wasmrt.Module{' ' + name if name else ''} ({len(self._binary)} bytes)>"


def _unpack(encoded: bytes) -> tuple[bytes, frozenset[str]]:
    if len(encoded) < _HEADER.size or encoded[:8] != _MAGIC:
        raise WasmtimeError("not a serialized wasmrt module (bad magic)")
    _, version, flen = _HEADER.unpack_from(encoded)
    if version != _VERSION:
        raise WasmtimeError(
            f"unsupported serialized module version {version} (expected {_VERSION})"
        )
    start = _HEADER.size
    if len(encoded) < start + flen + 32:
        raise WasmtimeError("serialized module is truncated")
    features_raw = encoded[start : start + flen]
    digest = encoded[start + flen : start + flen + 32]
    binary = encoded[start + flen + 32 :]
    if hashlib.sha256(binary).digest() != digest:
        raise WasmtimeError("serialized module is corrupted (checksum mismatch)")
    try:
        features = frozenset(f for f in features_raw.decode().split(",") if f)
    except UnicodeDecodeError:
        raise WasmtimeError("serialized module is corrupted (bad features)") from None
    return binary, features


def _unpickle(engine: Engine, encoded: bytes) -> Module:
    return Module.deserialize(engine, encoded)
