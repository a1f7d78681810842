"""Type stubs of the compile front end (``_core.pyx``; structures documented in ``_core.pxd``)."""

from typing import Any

I32: int
I64: int
F32: int
F64: int
V128: int
FUNCREF: int
EXTERNREF: int
VALTYPE_NAMES: dict[int, str]
EXTERN_KINDS: tuple[str, str, str, str]
PY_EXTERN_FUNC: int
PY_EXTERN_TABLE: int
PY_EXTERN_MEMORY: int
PY_EXTERN_GLOBAL: int
ACTIVE: int
PASSIVE: int
DECLARATIVE: int
FEATURES: dict[str, int]
WASM2_FEATURES: int
BASELINE_FEATURES: int
FEATURE_MUTABLE_GLOBALS: int
FEATURE_SIGN_EXT: int
FEATURE_SATURATING_FLOAT_TO_INT: int
FEATURE_MULTI_VALUE: int
FEATURE_BULK_MEMORY: int
FEATURE_REFERENCE_TYPES: int
FEATURE_SIMD: int
FEATURE_RELAXED_SIMD: int
FEATURE_TAIL_CALL: int
FEATURE_GC: int
FEATURE_EXCEPTIONS: int
FEATURE_MEMORY64: int
FEATURE_MULTI_MEMORY: int
FEATURE_THREADS: int
FEATURE_EXTENDED_CONST: int
FEATURE_FUNCTION_REFERENCES: int
FEATURE_METERING: int

TYPE_FUNC: int
TYPE_STRUCT: int
TYPE_ARRAY: int

class FuncTypeInfo:
    params: tuple[int, ...]
    results: tuple[int, ...]
    type_id: int
    offset: int
    kind: int
    fields: tuple[tuple[int, bool], ...]
    final: bool
    supertype: int
    def __init__(self, params: tuple[int, ...], results: tuple[int, ...], offset: int = -1,
                 type_id: int | None = None, kind: int = 0,
                 fields: tuple[tuple[int, bool], ...] = (), final: bool = True,
                 supertype: int = -1) -> None: ...

class TableTypeInfo:
    elem_type: int
    min: int
    max: int
    is_64: bool
    init: ConstExpr | None
    def __init__(self, elem_type: int, min: int, max: int = -1, offset: int = -1,
                 is_64: bool = False, init: ConstExpr | None = None) -> None: ...

class MemoryTypeInfo:
    min: int
    max: int
    is_64: bool
    shared: bool
    page_size_log2: int
    def __init__(self, min: int, max: int = -1, offset: int = -1, is_64: bool = False,
                 shared: bool = False, page_size_log2: int = 16) -> None: ...

class GlobalTypeInfo:
    val_type: int
    mutable: bool
    def __init__(self, val_type: int, mutable: bool) -> None: ...

class ImportInfo:
    module: str
    name: str
    kind: int
    desc: int | TableTypeInfo | MemoryTypeInfo | GlobalTypeInfo

class ExportInfo:
    name: str
    kind: int
    index: int

class ConstExpr:
    ops: tuple[tuple[int, Any], ...]
    offset: int

class GlobalInfo:
    type: GlobalTypeInfo
    init: ConstExpr | None
    imported: bool

class ElemInfo:
    mode: int
    table: int
    offset: ConstExpr | None
    elem_type: int
    items: tuple[ConstExpr, ...]
    encoding: int

class DataInfo:
    mode: int
    memory: int
    offset: ConstExpr | None
    data: bytes

class CodeInfo:
    locals: tuple[tuple[int, int], ...]
    num_locals: int
    body_start: int
    body_end: int
    offset: int
    locals_offset: int

class NameInfo:
    module: str | None
    functions: dict[int, str]
    locals: dict[int, dict[int, str]]

class ModuleInfo:
    data: bytes
    types: list[FuncTypeInfo]
    imports: list[ImportInfo]
    func_types: list[int]
    tables: list[TableTypeInfo]
    memories: list[MemoryTypeInfo]
    globals: list[GlobalInfo]
    tags: list[int]
    exports: list[ExportInfo]
    start: int
    elems: list[ElemInfo]
    datas: list[DataInfo]
    data_count: int
    codes: list[CodeInfo]
    names: NameInfo
    customs: list[tuple[str, bytes]]
    func_codes: list[Any]
    num_imported_funcs: int
    num_imported_tables: int
    num_imported_memories: int
    num_imported_globals: int
    num_imported_tags: int
    features: int
    debug: Any
    @property
    def num_funcs(self) -> int: ...
    def func_type(self, func_index: int) -> FuncTypeInfo: ...

def canonical_signature(type_id: int) -> tuple[tuple[int, ...], tuple[int, ...]]: ...
def canonical_func_type(params: tuple[int, ...], results: tuple[int, ...]) -> int: ...
def canonical_matches(a: int, b: int) -> bool: ...
def canonical_type(type_id: int) -> tuple[Any, ...]: ...
def canonical_count() -> int: ...
def canonical_kind(type_id: int) -> int: ...
def canonical_valtype(t: int, type_ids: list[int]) -> int: ...
def valtype_name(t: int) -> str: ...
def valtype_matches(a: int, b: int) -> bool: ...
def decode_module(data: bytes | bytearray | memoryview) -> ModuleInfo: ...
def validate_module(data: bytes | bytearray | memoryview, features: int = ...) -> ModuleInfo: ...
def compile_module(data: bytes | bytearray | memoryview, features: int = ...) -> ModuleInfo: ...
def dump_codes(module: ModuleInfo, handlers: bytes | None = None) -> bytes: ...
def load_module(
    data: bytes | bytearray | memoryview, features: int, codes: bytes | bytearray | memoryview
) -> ModuleInfo: ...
def trace_instrs(data: bytes | bytearray | memoryview, features: int = ...) -> list[list[dict[str, Any]]]: ...
def read_leb128(data: bytes | bytearray | memoryview, bits: int, signed: bool = False) -> tuple[int, int]: ...
def read_name(data: bytes | bytearray | memoryview) -> str: ...
