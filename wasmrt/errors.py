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
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ._api_managed import NothingToClose

__all__ = [
    "DecodeError",
    "ExitTrap",
    "Frame",
    "FrameSymbol",
    "LinkError",
    "Trap",
    "TrapCode",
    "UnsupportedFeatureError",
    "ValidationError",
    "WasmException",
    "WasmtimeError",
    "WatError",
    "WrongKindError",
]


class WasmtimeError(Exception, NothingToClose):
    """Base class of every wasmrt error that is not a trap."""


class WrongKindError(TypeError, AttributeError):
    """Another kind of object was given where a wasmrt object is expected: a Store, Engine,
    Module, MemoryType ... (``"expected a Store"``).

    Both a ``TypeError``, as Python argument checks are, and an ``AttributeError``, which
    is what wasmtime-py raises there (it reaches for an attribute of the object it was
    given), so handlers written for either keep working.
    """


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


class WasmException(WasmtimeError):
    """A WebAssembly exception (the exception-handling proposal).

    Raised by a call into wasm when the guest throws an exception that no handler catches:
    ``tag`` is the ``Tag`` it was thrown with, ``values`` its payload (Python values, as
    the tag's parameter types give them), ``frames`` the wasm backtrace at the throw.

    A host function raises ``WasmException(tag, values)`` to throw a wasm exception into
    the wasm code that called it, which catches it like one thrown by ``throw``; an
    uncaught one re-raised unchanged by a host function keeps its identity (a
    ``catch_ref`` sees the same ``exnref``).  Any other Python exception raised by a
    host function is not a wasm exception: wasm cannot catch it, and it unwinds every
    wasm frame up to the Python caller (as a trap does).
    """

    def __init__(self, tag: Any, values: Any = ()):
        self.tag = tag
        self.values = list(values)
        self.frames: list[Frame] = []
        self._origin: Any = None      # the runtime ExnRef of an exception from wasm (it
        #                               keeps the exception alive in its store's heap)
        super().__init__("thrown Wasm exception")

    @classmethod
    def _from_wasm(cls, store: Any, ref: Any, tag_rt: Any, values: list[Any],
                   frames: list[Frame]) -> WasmException:
        from ._api_extern import Tag

        tag = tag_rt.wrapper if tag_rt.wrapper is not None else Tag._from_runtime(tag_rt,
                                                                                  store.owner)
        exc = cls(tag, values)
        exc.frames = frames
        exc._origin = ref
        return exc

    def _ref(self, store: Any) -> int:
        """The exnref of this exception in the runtime store ``store``."""
        if self._origin is not None and self._origin.store is store:
            return int(self._origin.ref)
        rt = getattr(self.tag, "_rt", self.tag)
        # (a new exception, held only until the throw lands: no collection runs before)
        return int(store.new_exception(rt, self.values).ref)

    def __str__(self) -> str:
        if not self.frames:
            return "thrown Wasm exception"
        lines = ["error while executing at wasm backtrace:"]
        for i, frame in enumerate(self.frames[:MAX_BACKTRACE_FRAMES]):
            lines += frame.backtrace_lines(i)
        return "\n".join(lines + ["", "Caused by:", "    thrown Wasm exception"]) + "\n"


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


# wasmtime's words for each trap code: the Display of wasmtime's `Trap` (after its
# "wasm trap: " prefix), which wasmtime-py's messages carry.
TRAP_WORDS: dict[TrapCode, str] = {
    TrapCode.STACK_OVERFLOW: "call stack exhausted",
    TrapCode.MEMORY_OUT_OF_BOUNDS: "out of bounds memory access",
    TrapCode.HEAP_MISALIGNED: "unaligned atomic",
    TrapCode.TABLE_OUT_OF_BOUNDS: "undefined element: out of bounds table access",
    TrapCode.INDIRECT_CALL_TO_NULL: "uninitialized element",
    TrapCode.BAD_SIGNATURE: "indirect call type mismatch",
    TrapCode.INTEGER_OVERFLOW: "integer overflow",
    TrapCode.INTEGER_DIVISION_BY_ZERO: "integer divide by zero",
    TrapCode.BAD_CONVERSION_TO_INTEGER: "invalid conversion to integer",
    TrapCode.UNREACHABLE: "wasm `unreachable` instruction executed",
    TrapCode.INTERRUPT: "interrupt",
    TrapCode.OUT_OF_FUEL: "all fuel consumed by WebAssembly",
    TrapCode.ATOMIC_WAIT_NON_SHARED_MEMORY: "atomic wait on non-shared memory",
    TrapCode.NULL_REFERENCE: "null reference",
    TrapCode.ARRAY_OUT_OF_BOUNDS: "out of bounds array access",
    TrapCode.ALLOCATION_TOO_LARGE: "allocation size too large",
    TrapCode.CAST_FAILURE: "cast failure",
    TrapCode.UNHANDLED_TAG: "unhandled tag",
    TrapCode.CONTINUATION_ALREADY_CONSUMED: "continuation already consumed",
}

# How many frames wasmtime's backtrace shows (its default `wasm_backtrace_max_frames`).
MAX_BACKTRACE_FRAMES = 20


@dataclass(frozen=True)
class FrameSymbol:
    """A source function active in a frame, from the module's DWARF (as wasmtime's
    ``FrameSymbol``): ``name`` (linkage name, else name), the source ``file``, and the
    1-based ``line`` and ``column`` (None when the debug information does not say)."""

    name: str | None
    file: str | None
    line: int | None
    column: int | None


@dataclass(frozen=True)
class Frame(NothingToClose):
    """One wasm frame of a trap backtrace, innermost first.

    ``module_offset`` is the byte offset, in the module, of the instruction the frame was
    executing (in a caller: its call instruction); ``func_offset`` the same counted from
    the start of the function's body (its locals vector), as wasmtime counts them.  Both
    are ``None`` for a function that had not started: the callee whose call exhausted the
    stack.

    ``symbols`` lists the source functions active at ``module_offset`` when the module
    carries DWARF (``.debug_info`` and ``.debug_line``; built with ``-g``): the innermost
    inlined function first, the function the frame runs last.  It is read from the DWARF on
    first use (``wasmrt.debuginfo``), and is empty without debug information.
    """

    func_index: int
    func_name: str | None
    module_name: str | None
    func_offset: int | None
    module_offset: int | None
    debug: Any = field(default=None, repr=False, compare=False, kw_only=True)

    @cached_property
    def symbols(self) -> list[FrameSymbol]:
        """The DWARF symbols of this frame, innermost first (empty without DWARF)."""
        if self.debug is None or self.module_offset is None:
            return []
        return list(self.debug.symbols(self.module_offset))

    def __str__(self) -> str:
        """The frame as a line of wasmtime's backtrace shows it (after the frame number)."""
        where = "" if self.module_offset is None else f"{self.module_offset:#8x} - "
        return f"{where}{self.module_name or '<unknown>'}!{self._raw_name()}"

    def backtrace_lines(self, index: int) -> list[str]:
        """Frame ``index`` of a backtrace as wasmtime prints it: the offset and
        ``module!function``, or with DWARF each symbol (inlined ones on lines of their
        own, starting ``- ``) followed by its ``at file:line:column`` line."""
        head = f"  {index:>3}: "
        symbols = self.symbols
        if not symbols:
            return [f"{head}{self}"]
        if self.module_offset is not None:
            head += f"{self.module_offset:#8x} - "
        lines: list[str] = []
        for k, sym in enumerate(symbols):
            if sym.name:
                from ._demangle import demangle

                name = demangle(sym.name)
            else:
                name = self._raw_name() if k == 0 else "<inlined function>"
            lines.append((head if k == 0 else " " * 16 + "- ") + name)
            if sym.file is not None:
                at = sym.file
                if sym.line is not None:
                    at += f":{sym.line}"
                    if sym.column is not None:
                        at += f":{sym.column}"
                lines.append(" " * 20 + "at " + at)
        return lines

    def _raw_name(self) -> str:
        """The function's name (Rust and C++ names demangled, as wasmtime shows them), or
        ``<wasm function N>``."""
        if not self.func_name:
            return f"<wasm function {self.func_index}>"
        from ._demangle import demangle

        return demangle(self.func_name)


class Trap(Exception, NothingToClose):
    """A WebAssembly trap: execution stopped with ``trap_code`` and a wasm backtrace.

    ``message`` is what went wrong in the spec's words (``"unreachable"``, ``"integer divide
    by zero"``, ``"uninitialized element 2"``); ``frames`` the wasm backtrace, innermost first
    (at most 1000 frames).  ``str(trap)`` is wasmtime's report, as wasmtime-py shows it: the
    backtrace (its first 20 frames), then "Caused by:" and wasmtime's words for the trap.
    ``Trap(message)`` may also be raised by a host function to trap the calling wasm code;
    it reaches the Python caller unchanged.
    """

    def __init__(
        self,
        message: str,
        trap_code: TrapCode | None = None,
        frames: list[Frame] | None = None,
        fault: tuple[int, int] | None = None,
    ):
        self.message = message
        self.trap_code = trap_code
        self.frames: list[Frame] = list(frames or [])
        # (wasm address, memory size) of an out-of-bounds access that wasmtime would
        # see as a memory fault (see `_interp_frames.pxi`'s `mem_fault`)
        self._fault = fault
        super().__init__(message)

    def __str__(self) -> str:
        if self.trap_code is None:
            return self.message
        words = "wasm trap: " + TRAP_WORDS.get(self.trap_code, self.message)
        if not self.frames:
            return words
        lines = ["error while executing at wasm backtrace:"]
        for i, frame in enumerate(self.frames[:MAX_BACKTRACE_FRAMES]):
            lines += frame.backtrace_lines(i)
        lines += ["", "Caused by:"]
        if self._fault is None:
            lines.append(f"    {words}")
        else:
            address, size = self._fault
            lines.append(f"    0: memory fault at wasm address 0x{address:x} "
                         f"in linear memory of size 0x{size:x}")
            lines.append(f"    1: {words}")
        return "\n".join(lines) + "\n"
