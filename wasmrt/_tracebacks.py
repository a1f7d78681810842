"""Python tracebacks that show the wasm frames between a host function and its caller.

When a host function raises, the exception reaches the Python code that called into wasm
unchanged (same object, same type).  ``attach(exc, frames)`` adds the wasm activations that
were running (a ``Trap``'s ``Frame`` list, innermost first) to its traceback, above the
host function's own entries, so a Python traceback reads from the caller down::

    File "app.py", line 12, in <module>               the Python caller
      run(store)
    File "prog.c", line 28, in main                   the wasm frames (DWARF: source lines)
      return lookup(argc + 7);
    File "prog.c", line 13, in lookup
      int v = load(table, i * 100000000);
              ^
    File "app.py", line 5, in host                    the host function
      raise ValueError("boom")

Each wasm frame is a real frame object of a tiny code object named after the function,
whose position is the DWARF file, line and column (one entry per inlined function too);
without DWARF the file reads ``<wasm MODULE @ 0xOFFSET>`` at line 0.  Python's traceback
printers read them as any other frame (the ``^`` marks the DWARF column; a line without
a column is not marked).  The code objects are cached by position.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import CodeType, TracebackType
from typing import Any

__all__ = ["attach"]

_CODES: dict[tuple[str, int, int | None, str], CodeType] = {}
_MAX_CODES = 4096


class _WasmFrame(BaseException):
    """Raised by a wasm frame's code object to obtain its frame."""


def _code(filename: str, line: int, column: int | None, name: str) -> CodeType:
    key = (filename, line, column, name)
    code = _CODES.get(key)
    if code is None:
        # imported only when a host function raised: keeps `import wasmrt` light
        import ast
        import linecache

        if column:
            start, end = column - 1, column
        else:       # no column: mark the whole line, which Python's printers leave unmarked
            text = linecache.getline(filename, line)
            start = len(text) - len(text.lstrip())
            end = max(len(text.rstrip()), start + 1)
        name_node = ast.Name("__wasm_frame__", ast.Load())
        node = ast.Raise(exc=name_node, cause=None)
        for part in (node, name_node):
            part.lineno = part.end_lineno = line
            part.col_offset, part.end_col_offset = start, end
        tree = ast.Module(body=[node], type_ignores=[])
        code = compile(tree, filename, "exec", dont_inherit=True).replace(co_name=name)
        if len(_CODES) >= _MAX_CODES:
            _CODES.clear()
        _CODES[key] = code
    return code


def _entry(filename: str, line: int, column: int | None, name: str,
           below: TracebackType | None) -> TracebackType:
    try:
        exec(_code(filename, line, column, name),  # noqa: S102 - our own code object
             {"__name__": "wasm", "__wasm_frame__": _WasmFrame()})
    except _WasmFrame:
        tb = sys.exc_info()[2]
        assert tb is not None and tb.tb_next is not None
        frame = tb.tb_next.tb_frame
        lasti = tb.tb_next.tb_lasti
    return TracebackType(below, frame, lasti, line)


def _positions(frame: Any) -> list[tuple[str, int, int | None, str]]:
    """(file, line, column, name) of a wasm frame's functions, outermost first."""
    symbols = frame.symbols
    if symbols:
        raw = frame.func_name or f"<wasm function {frame.func_index}>"
        return [(s.file or "<wasm>", s.line or 0, s.column, s.name or raw)
                for s in reversed(symbols)]
    where = [frame.module_name] if frame.module_name else []
    if frame.module_offset is not None:
        where.append(f"@ {frame.module_offset:#x}")
    name = frame.func_name or f"<wasm function {frame.func_index}>"
    return [(f"<wasm {' '.join(where)}>".replace("<wasm >", "<wasm>"), 0, None, name)]


def attach(exc: BaseException, frames: Sequence[Any]) -> None:
    """Put the wasm ``frames`` (innermost first) in front of ``exc``'s traceback; not for
    an exception whose ``_wasmrt_no_frames`` is true (a host's own control flow, such as
    ``PythonSandbox``'s output limit, which nobody reads a traceback of: in a big module
    with DWARF, the first lookups parse its compilation units, a second or more)."""
    if getattr(exc, "_wasmrt_no_frames", False):
        return
    tb = exc.__traceback__
    try:
        for frame in frames:
            for position in reversed(_positions(frame)):
                tb = _entry(*position, tb)
    except Exception:  # noqa: BLE001 - never hide the host's exception behind one of ours
        return
    exc.__traceback__ = tb
