"""The code table (``_core_serial.pxi``): ``load_module(dump_codes(...))`` gives back the
compiled code of every module of the spec suite, its checks accept all of it (plain and
metered), and the table alone is checked (threaded code, damaged tables)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import spec_module_binaries, spec_wast_files
from wasmrt import _core, _interp
from wasmrt.errors import UnsupportedFeatureError, WasmtimeError
from wasmrt.wat import wat2wasm

WAT = """
(module
  (func $f (param i32) (result i32)
    (block (br_table 0 0 (local.get 0))) (i32.add (local.get 0) (i32.const 1)))
  (func (export "g") (result i32) (call $f (i32.const 41))))
"""


def codes(info: _core.ModuleInfo) -> list[tuple[object, ...]]:
    return [
        (f.func_index, f.nparams, f.nresults, f.nlocals, f.max_slots, f.cells(), f.srcmap())
        for f in info.func_codes
    ]


def test_round_trip() -> None:
    wasm = wat2wasm(WAT)
    info = _core.compile_module(wasm)
    table = _core.dump_codes(info)
    again = _core.load_module(wasm, _core.WASM2_FEATURES, table)
    assert codes(again) == codes(info)
    assert again.features == info.features
    assert _core.dump_codes(again) == table
    assert _core.load_module(wasm, _core.WASM2_FEATURES, memoryview(table)).func_codes


def test_threaded_code_needs_the_handler_table() -> None:
    wasm = wat2wasm(WAT)
    info = _core.compile_module(wasm)
    table = _core.dump_codes(info)
    from wasmrt import Engine, Instance, Module, Store

    engine = Engine()
    module = Module(engine, wasm)
    store = Store(engine)
    assert Instance(store, module, []).exports(store)["g"](store) == 42
    with pytest.raises(ValueError, match="handler table"):
        _core.dump_codes(module._info)
    assert _core.dump_codes(module._info, _interp.handler_table()) == table
    with pytest.raises(ValueError, match="handler table of"):
        _core.dump_codes(module._info, b"\0" * 8)


def test_damaged_tables_raise() -> None:
    wasm = wat2wasm(WAT)
    table = _core.dump_codes(_core.compile_module(wasm))
    for bad, match in (
        (b"", "no code table"),
        (table[:3], "no code table"),
        (b"\x05\0\0\0" + table[4:], "code for 5 functions"),
        (table[:20], "truncated"),
        (table[:-1], "size does not match"),
        (table + b"\0" * 8, "size does not match"),
    ):
        with pytest.raises(WasmtimeError, match=match):
            _core.load_module(wasm, _core.WASM2_FEATURES, bad)


@pytest.mark.parametrize("path", spec_wast_files(), ids=lambda p: p.stem)
def test_spec_modules_round_trip(path: Path) -> None:
    """No lowered body of the suite fails the load checks; the loaded code is the same."""
    checked = 0
    for wasm in spec_module_binaries(path):
        for features in (_core.WASM2_FEATURES, _core.WASM2_FEATURES | _core.FEATURE_METERING):
            try:
                info = _core.compile_module(wasm, features)
            except UnsupportedFeatureError:
                break
            again = _core.load_module(wasm, features, _core.dump_codes(info))
            assert codes(again) == codes(info)
            checked += len(info.func_codes)
    if not checked:
        pytest.skip("no function body in this file's modules")
