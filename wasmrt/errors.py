"""The exceptions of wasmrt, one per phase of the pipeline.

``WasmtimeError`` is the public base of every error that is not a trap (same name and
role as in wasmtime-py).  Each phase raises its own subclass, and each subclass maps to
one kind of spec-script assertion:

=====================  =====================  ========================
class                  raised by              ``.wast`` assertion
=====================  =====================  ========================
``WatError``           the text parser        ``assert_malformed`` (text)
``DecodeError``        the binary decoder     ``assert_malformed`` (binary)
``ValidationError``    the validator          ``assert_invalid``
``LinkError``          import resolution      ``assert_unlinkable``
``Trap``               execution              ``assert_trap`` / ``assert_uninstantiable``
``Trap`` (exhaustion)  execution              ``assert_exhaustion``
=====================  =====================  ========================

``Trap`` is *not* a ``WasmtimeError`` (as in wasmtime-py); ``ExitTrap`` (WASI
``proc_exit``) is.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "DecodeError",
    "ExitTrap",
    "Frame",
    "LinkError",
    "Trap",
    "TrapCode",
    "UnsupportedFeatureError",
    "ValidationError",
    "WasmtimeError",
    "WatError",
]


class WasmtimeError(Exception):
    """Base class of every wasmrt error that is not a trap."""


class WatError(WasmtimeError):
    """Malformed WebAssembly text: the message names ``line:column`` and what was expected."""

    def __init__(self, message: str, line: int = 0, column: int = 0, filename: str = "<input>"):
        self.line = line
        self.column = column
        self.filename = filename
        self.reason = message
        where = f"{filename}:{line}:{column}: " if line else ""
        super().__init__(f"{where}{message}")


class DecodeError(WasmtimeError):
    """Malformed binary module; ``offset`` is the byte offset where decoding failed.

    ``reason`` holds the spec's wording (e.g. ``"unexpected end"``, ``"integer too large"``).
    """

    def __init__(self, reason: str, offset: int = -1):
        self.reason = reason
        self.offset = offset
        where = f" (at offset 0x{offset:x})" if offset >= 0 else ""
        super().__init__(f"{reason}{where}")


class UnsupportedFeatureError(DecodeError):
    """The module uses a proposal that is not implemented or not enabled in the ``Config``."""


class ValidationError(WasmtimeError):
    """The module is well-formed but invalid (``"type mismatch"``, ``"unknown function 5"``...)."""

    def __init__(self, reason: str, offset: int = -1, func_index: int = -1):
        self.reason = reason
        self.offset = offset
        self.func_index = func_index
        where = []
        if func_index >= 0:
            where.append(f"in function {func_index}")
        if offset >= 0:
            where.append(f"at offset 0x{offset:x}")
        super().__init__(f"{reason} ({', '.join(where)})" if where else reason)


class LinkError(WasmtimeError):
    """Instantiation failed to resolve imports (``"unknown import"``, ``"incompatible import type"``)."""


class ExitTrap(WasmtimeError):
    """A WASI program called ``proc_exit``; ``code`` is its exit status."""

    def __init__(self, code: int, message: str | None = None):
        self.code = code
        super().__init__(message or f"Exited with i32 exit status {code}")


class TrapCode(enum.IntEnum):
    """Why a trap happened: every code of wasmtime-py 50, with its names and values.

    wasmrt raises the Wasm 2.0 ones (0-11); the others belong to proposals it does not
    run (threads, GC, exceptions, stack switching, the component model) and are here so
    that code comparing against them works unchanged.
    """

    STACK_OVERFLOW = 0
    MEMORY_OUT_OF_BOUNDS = 1
    HEAP_MISALIGNED = 2
    TABLE_OUT_OF_BOUNDS = 3
    INDIRECT_CALL_TO_NULL = 4
    BAD_SIGNATURE = 5
    INTEGER_OVERFLOW = 6
    INTEGER_DIVISION_BY_ZERO = 7
    BAD_CONVERSION_TO_INTEGER = 8
    UNREACHABLE = 9
    INTERRUPT = 10
    OUT_OF_FUEL = 11
    ATOMIC_WAIT_NON_SHARED_MEMORY = 12
    NULL_REFERENCE = 13
    ARRAY_OUT_OF_BOUNDS = 14
    ALLOCATION_TOO_LARGE = 15
    CAST_FAILURE = 16
    CANNOT_ENTER_COMPONENT = 17
    NO_ASYNC_RESULT = 18
    UNHANDLED_TAG = 19
    CONTINUATION_ALREADY_CONSUMED = 20
    DISABLED_OPCODE = 21
    ASYNC_DEADLOCK = 22
    CANNOT_LEAVE_COMPONENT = 23
    CANNOT_BLOCK_SYNC_TASK = 24
    INVALID_CHAR = 25
    DEBUG_ASSERT_STRING_ENCODING_FINISHED = 26
    DEBUG_ASSERT_EQUAL_CODE_UNITS = 27
    DEBUG_ASSERT_POINTER_ALIGNED = 28
    DEBUG_ASSERT_UPPER_BITS_UNSET = 29
    STRING_OUT_OF_BOUNDS = 30
    LIST_OUT_OF_BOUNDS = 31
    INVALID_DISCRIMINANT = 32
    UNALIGNED_POINTER = 33
    TASK_CANCEL_NOT_CANCELLED = 34
    TASK_CANCEL_OR_RETURN_TWICE = 35
    SUBTASK_CANCEL_AFTER_TERMINAL = 36
    TASK_RETURN_INVALID = 37
    WAITABLE_SET_DROP_HAS_WAITERS = 38
    SUBTASK_DROP_NOT_RESOLVED = 39
    THREAD_NEW_INDIRECT_INVALID_TYPE = 40
    THREAD_NEW_INDIRECT_UNINITIALIZED = 41
    BACKPRESSURE_OVERFLOW = 42
    UNSUPPORTED_CALLBACK_CODE = 43
    CANNOT_RESUME_THREAD = 44
    CONCURRENT_FUTURE_STREAM_OP = 45
    REFERENCE_COUNT_OVERFLOW = 46
    STREAM_OP_TOO_BIG = 47
    WAITABLE_SYNC_AND_ASYNC = 48
    UNCAUGHT_EXCEPTION = 49


@dataclass(frozen=True)
class Frame:
    """One wasm frame of a trap backtrace."""

    func_index: int
    func_name: str | None
    module_name: str | None
    func_offset: int
    module_offset: int

    def __str__(self) -> str:
        name = self.func_name or f"<wasm function {self.func_index}>"
        mod = f"{self.module_name}!" if self.module_name else ""
        return f"0x{self.module_offset:x} - {mod}{name}"


class Trap(Exception):
    """A WebAssembly trap: execution stopped with ``trap_code`` and a wasm backtrace.

    ``Trap(message)`` may also be raised by a host function to trap the calling wasm code.
    """

    def __init__(
        self,
        message: str,
        trap_code: TrapCode | None = None,
        frames: list[Frame] | None = None,
    ):
        self.message = message
        self.trap_code = trap_code
        self.frames: list[Frame] = list(frames or [])
        super().__init__(message)

    def __str__(self) -> str:
        if not self.frames:
            return self.message
        lines = [self.message, "wasm backtrace:"]
        lines += [f"  {i:>2}: {f}" for i, f in enumerate(self.frames)]
        return "\n".join(lines)
