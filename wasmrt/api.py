"""The public embedding API of wasmrt, a drop-in for wasmtime-py's core API.

Each concept lives in its own private module (``_api_types``, ``_api_engine``,
``_api_module`` ...); this module re-exports them so that ``from wasmrt.api import X``
and ``import wasmrt as wasmtime`` both work.  Its ``__all__`` is the one list of public
names: ``wasmrt`` re-exports exactly these (with ``__version__``).
"""

from ._api_engine import Config, Engine
from ._api_extern import Global, Memory, SharedMemory, Table, Tag
from ._api_func import Caller, Func
from ._api_gc import AnyRef, ArrayRef, StructRef
from ._api_instance import Instance, InstanceExports, InstancePre
from ._api_linker import Linker
from ._api_module import Module, wat2wasm
from ._api_snapshot import Snapshot
from ._api_store import Store, Storelike
from ._api_types import (
    ArrayType,
    ExportType,
    FieldType,
    FuncType,
    GlobalType,
    ImportType,
    Limits,
    MemoryType,
    StructType,
    TableType,
    TagType,
    Val,
    ValType,
    externref,
    f32,
    f64,
    funcref,
    i32,
    i64,
    v128,
)
from .errors import (
    ExitTrap,
    Frame,
    FrameSymbol,
    Trap,
    TrapCode,
    WasmException,
    WasmtimeError,
    WrongKindError,
)
from .profiler import Profiler
from .wasi import DirPerms, FilePerms, WasiConfig

__all__ = [
    "AnyRef",
    "ArrayRef",
    "ArrayType",
    "Caller",
    "Config",
    "DirPerms",
    "Engine",
    "ExitTrap",
    "ExportType",
    "FieldType",
    "FilePerms",
    "Frame",
    "FrameSymbol",
    "Func",
    "FuncType",
    "Global",
    "GlobalType",
    "ImportType",
    "Instance",
    "InstanceExports",
    "InstancePre",
    "Limits",
    "Linker",
    "Memory",
    "MemoryType",
    "Module",
    "Profiler",
    "SharedMemory",
    "Snapshot",
    "Store",
    "Storelike",
    "StructRef",
    "StructType",
    "Table",
    "TableType",
    "Tag",
    "TagType",
    "Trap",
    "TrapCode",
    "Val",
    "ValType",
    "WasiConfig",
    "WasmException",
    "WasmtimeError",
    "WrongKindError",
    "externref",
    "f32",
    "f64",
    "funcref",
    "i32",
    "i64",
    "v128",
    "wat2wasm",
]
