"""Source locations from DWARF: trap backtraces (``Frame.symbols``, ``str(Trap)``, the CLI)
and wasm frames in the tracebacks of host exceptions.

The subject is ``tests/wasi/wasm/backtrace.wasm``, built with ``-g`` from
``tests/wasi/src/backtrace.c`` (``make -C tests/wasi``); the expected lines are found in
the source by its ``LINE:`` markers, and wasmtime-py (``WASMTIME_BACKTRACE_DETAILS=1``) is
the reference for the layout and every column.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

import wasmrt
from tests.wasi.conftest import program
from wasmrt import cli
from wasmrt.debuginfo import code_section_offset, debug_info
from wasmrt.errors import FrameSymbol
from wasmrt.wasi import WasiConfig

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "wasi" / "src" / "backtrace.c"
WASM = program("backtrace")
FILE = "./src/backtrace.c"      # as recorded (-fdebug-prefix-map, see tests/wasi/Makefile)


def line_of(marker: str) -> int:
    """The line of ``backtrace.c`` carrying ``/* LINE: marker */``."""
    for number, text in enumerate(SOURCE.read_text().splitlines(), 1):
        if f"LINE: {marker} " in text:
            return number
    raise AssertionError(f"no LINE: {marker} in {SOURCE}")


def run_trap(*args: str, stdout: Any = None) -> BaseException:
    """Run backtrace.wasm with ``args`` on wasmrt; the exception it ends with."""
    engine = wasmrt.Engine()
    store = wasmrt.Store(engine)
    config = WasiConfig()
    config.argv = ["backtrace", *args]
    config.stdout = stdout if stdout is not None else (lambda data: None)
    store.set_wasi(config)
    linker = wasmrt.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, wasmrt.Module.from_file(engine, WASM))
    with pytest.raises(BaseException) as info:
        instance.exports(store)["_start"](store)
    return info.value


def backtrace_lines(text: str) -> list[str]:
    """The frame lines of a trap's text (from the line after "wasm backtrace:" to the
    first blank line)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith("wasm backtrace:")) + 1
    out = []
    for line in lines[start:]:
        if not line.strip():
            break
        out.append(line)
    return out


# Frame.symbols ----------------------------------------------------------------------------


def test_frames_carry_source_locations() -> None:
    trap = run_trap("oob")
    assert isinstance(trap, wasmrt.Trap)
    inner = trap.frames[0]
    assert [(s.name, s.file, s.line) for s in inner.symbols] == [
        ("element", FILE, line_of("element")),          # inlined into lookup
        ("lookup", FILE, line_of("lookup")),            # where lookup calls it
    ]
    assert all(isinstance(s, FrameSymbol) and s.column for s in inner.symbols)
    caller = trap.frames[1]
    assert [(s.file, s.line) for s in caller.symbols] == [(FILE, line_of("main-oob"))]
    # frames of libc without debug information for them have no symbols, not a guess
    assert any(not f.symbols for f in trap.frames)


def test_trap_text_shows_file_line_column() -> None:
    text = str(run_trap("div", "0"))
    lines = backtrace_lines(text)
    assert re.fullmatch(r" +0: +0x[0-9a-f]+ - divide", lines[0])
    assert lines[1] == f"{' ' * 20}at {FILE}:{line_of('divide')}:14"
    assert lines[2].endswith(" - __main_argc_argv")     # the DWARF (linkage) name of main
    assert lines[3].startswith(f"{' ' * 20}at {FILE}:{line_of('main-div')}:")


def test_inlined_frames_as_wasmtime_prints_them() -> None:
    lines = backtrace_lines(str(run_trap("oob")))
    assert lines[0].endswith(" - element")
    assert lines[1].startswith(f"{' ' * 20}at {FILE}:{line_of('element')}:")
    assert lines[2] == f"{' ' * 16}- lookup"
    assert lines[3].startswith(f"{' ' * 20}at {FILE}:{line_of('lookup')}:")


_WASMTIME_TRAP = """
import sys, wasmtime
engine = wasmtime.Engine()
linker = wasmtime.Linker(engine)
linker.define_wasi()
store = wasmtime.Store(engine)
config = wasmtime.WasiConfig()
config.argv = ["backtrace", *sys.argv[2:]]
store.set_wasi(config)
instance = linker.instantiate(store, wasmtime.Module.from_file(engine, sys.argv[1]))
try:
    instance.exports(store)["_start"](store)
except wasmtime.Trap as trap:
    print(str(trap))
"""


@pytest.mark.parametrize("args", [("oob",), ("div", "0")])
def test_same_report_as_wasmtime(args: tuple[str, ...]) -> None:
    pytest.importorskip("wasmtime", reason="wasmtime-py (the reference) is not installed")
    env = dict(os.environ, WASMTIME_BACKTRACE_DETAILS="1")
    theirs = subprocess.run([sys.executable, "-c", _WASMTIME_TRAP, str(WASM), *args],
                            capture_output=True, text=True, env=env, timeout=120, check=True)
    assert str(run_trap(*args)) + "\n" == theirs.stdout        # print's newline


def test_cli_prints_source_lines(capfd: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", str(WASM), "div", "0"]) == cli.TRAP_EXIT_STATUS
    err = capfd.readouterr().err
    assert f"at {FILE}:{line_of('divide')}:" in err
    assert f"at {FILE}:{line_of('main-div')}:" in err


# lazy, and harmless -----------------------------------------------------------------------


def test_nothing_is_read_before_a_trap() -> None:
    engine = wasmrt.Engine()
    module = wasmrt.Module.from_file(engine, WASM)
    store = wasmrt.Store(engine)
    config = WasiConfig()
    config.argv = ["backtrace", "div", "3"]
    store.set_wasi(config)
    linker = wasmrt.Linker(engine)
    linker.define_wasi()
    with pytest.raises(wasmrt.ExitTrap):
        linker.instantiate(store, module).exports(store)["_start"](store)
    assert module._info.debug is None          # no trap: the sections were not even looked at
    with pytest.raises(wasmrt.Trap) as info:
        wasmrt.Instance(store, wasmrt.Module(engine, "(module (func (export \"f\") unreachable))"),
                        []).exports(store)["f"](store)
    assert info.value.frames[0].symbols == []


def test_parsed_on_first_backtrace_only() -> None:
    trap = run_trap("oob")
    debug = trap.frames[0].debug
    assert debug is not None and debug._units is None      # found, not parsed
    str(trap)
    assert debug._units is not None
    again = run_trap("oob")
    assert again.frames[0].debug is not debug or debug._units is not None


def test_malformed_dwarf_gives_no_symbols() -> None:
    base = wasmrt.wat2wasm('(module (func (export "f") unreachable))')

    def custom(name: str, body: bytes) -> bytes:
        payload = bytes([len(name)]) + name.encode() + body
        return bytes([0, len(payload)]) + payload

    data = base + custom(".debug_info", b"\x07\x00\x00\x00junk!!!") + \
        custom(".debug_line", b"\xff" * 20) + custom(".debug_abbrev", b"\x01")
    store = wasmrt.Store()
    module = wasmrt.Module(store.engine, data)
    with pytest.raises(wasmrt.Trap) as info:
        wasmrt.Instance(store, module, []).exports(store)["f"](store)
    assert info.value.frames[0].symbols == []
    assert "unreachable" in str(info.value)
    assert debug_info(module._info).broken is not None


def test_code_section_offset() -> None:
    data = wasmrt.wat2wasm('(module (func (export "f") nop))')
    offset = code_section_offset(data)
    assert data[offset - 2] == 10 and data[offset] == 1     # id 10, size, then the count
    assert code_section_offset(b"\0asm\1\0\0\0") == -1


# host exceptions: Python and wasm frames in one traceback ----------------------------------


def _host_module(store: wasmrt.Store, host: Any) -> Any:
    linker = wasmrt.Linker(store.engine)
    linker.define_func("env", "host", wasmrt.FuncType([wasmrt.ValType.i32()], []), host)
    module = wasmrt.Module(store.engine, """(module $demo
      (import "env" "host" (func $host (param i32)))
      (func $inner (param i32) local.get 0 call $host)
      (func $outer (export "outer") (param i32) local.get 0 i32.const 1 i32.add call $inner))""")
    return linker.instantiate(store, module).exports(store)["outer"]


def _call_outer(store: wasmrt.Store, outer: Any) -> None:
    outer(store, 41)


def test_host_exception_traceback_shows_wasm_frames() -> None:
    def host(x: int) -> None:
        raise ValueError(f"boom {x}")

    store = wasmrt.Store()
    outer = _host_module(store, host)
    with pytest.raises(ValueError, match="boom 42") as info:
        _call_outer(store, outer)
    names = [(f.filename, f.name) for f in traceback.extract_tb(info.value.__traceback__)]
    order = [name for _, name in names]
    assert order.index("_call_outer") < order.index("outer") < order.index("inner") \
        < order.index("host")
    wasm = [file for file, name in names if name in ("outer", "inner")]
    assert all(re.fullmatch(r"<wasm demo @ 0x[0-9a-f]+>", file) for file in wasm)


def test_host_exception_can_decline_wasm_frames() -> None:
    """An exception whose ``_wasmrt_no_frames`` is true keeps its own traceback (a host's
    control flow: no DWARF lookups for it)."""
    class Stop(Exception):
        _wasmrt_no_frames = True

    def host(x: int) -> None:
        raise Stop

    store = wasmrt.Store()
    outer = _host_module(store, host)
    with pytest.raises(Stop) as info:
        _call_outer(store, outer)
    names = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert "host" in names and "inner" not in names and "outer" not in names


def test_host_exception_traceback_with_dwarf_lines() -> None:
    def sink(data: bytes) -> None:
        raise RuntimeError("sink refused")

    exc = run_trap("work", "1", stdout=sink)
    assert isinstance(exc, RuntimeError)
    entries = traceback.extract_tb(exc.__traceback__)
    main = [e for e in entries if e.name == "__main_argc_argv"]
    assert main and main[0].filename == FILE
    text = SOURCE.read_text().splitlines()[main[0].lineno - 1]
    assert "printf" in text
    names = [e.name for e in entries]
    assert names.index("__main_argc_argv") < names.index("fd_write")     # wasi.py's


def test_exit_keeps_its_traceback() -> None:
    exc = run_trap("div", "3")
    assert isinstance(exc, wasmrt.ExitTrap)
    assert not any(e.filename.startswith(("<wasm", "./"))
                   for e in traceback.extract_tb(exc.__traceback__))
