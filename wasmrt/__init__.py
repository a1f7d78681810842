"""wasmrt: a WebAssembly runtime for Python with a wasmtime-py compatible API.

The public names are re-exported here from the modules that define them; see
``ARCHITECTURE.md`` for the pipeline (text -> decode -> validate + lower -> execute).
"""

from .errors import ExitTrap, Frame, Trap, TrapCode, WasmtimeError
from .api import Config, Engine, Module, wat2wasm
from .api import ExportType, FuncType, GlobalType, ImportType, Limits, MemoryType, TableType
from .api import Val, ValType
from .api import Caller, Func, Global, Instance, InstancePre, Linker, Memory, Store, Storelike, Table
from .api import externref, f32, f64, funcref, i32, i64, v128
from .wasi import DirPerms, FilePerms, WasiConfig

__all__ = [
    "WasiConfig",
    "DirPerms",
    "FilePerms",
    "WasmtimeError",
    "Trap",
    "TrapCode",
    "Frame",
    "ExitTrap",
    "Config",
    "Engine",
    "Store",
    "Storelike",
    "Instance",
    "InstancePre",
    "Linker",
    "Func",
    "Caller",
    "Memory",
    "Table",
    "Global",
    "Module",
    "wat2wasm",
    "ValType",
    "FuncType",
    "GlobalType",
    "TableType",
    "MemoryType",
    "Limits",
    "ImportType",
    "ExportType",
    "Val",
    "i32",
    "i64",
    "f32",
    "f64",
    "v128",
    "externref",
    "funcref",
]
