"""The public embedding API of wasmrt, a drop-in for wasmtime-py's core API.

Each concept lives in its own private module (``_api_types``, ``_api_engine``,
``_api_module`` ...); this module re-exports them so that ``from wasmrt.api import X``
and ``import wasmrt as wasmtime`` both work.
"""

from ._api_engine import Config, Engine
from ._api_module import Module, wat2wasm
from ._api_types import (
    ExportType,
    FuncType,
    GlobalType,
    ImportType,
    Limits,
    MemoryType,
    TableType,
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

__all__ = [
    "Config",
    "Engine",
    "ExportType",
    "FuncType",
    "GlobalType",
    "ImportType",
    "Limits",
    "MemoryType",
    "Module",
    "TableType",
    "Val",
    "ValType",
    "externref",
    "f32",
    "f64",
    "funcref",
    "i32",
    "i64",
    "v128",
    "wat2wasm",
]
