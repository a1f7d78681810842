"""wasmrt: a WebAssembly runtime for Python with a wasmtime-py compatible API.

The public names are re-exported here from the modules that define them; see
``ARCHITECTURE.md`` for the pipeline (text -> decode -> validate + lower -> execute).
"""

from .errors import ExitTrap, Frame, Trap, TrapCode, WasmtimeError

__all__ = [
    "WasmtimeError",
    "Trap",
    "TrapCode",
    "Frame",
    "ExitTrap",
]
