"""Module.serialize / deserialize / deserialize_file and pickling: round trips run alike,
the stored code is the compiled code, foreign or damaged input raises WasmtimeError."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import pickle
import struct
import sys
from pathlib import Path
from typing import Any

import pytest

import wasmrt
from wasmrt import _api_module, _interp, _isa_names
from wasmrt.script import run_script

PROGRAM = """
(module
  (type $bin (func (param i32 i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (memory (export "mem") 1)
  (global $count (mut i32) (i32.const 0))
  (table 3 funcref)
  (elem (i32.const 0) $add $sub $mul)
  (data (i32.const 16) "\\01\\02\\03\\04")
  (func $add (type $bin) local.get 0 local.get 1 i32.add)
  (func $sub (type $bin) local.get 0 local.get 1 i32.sub)
  (func $mul (type $bin) local.get 0 local.get 1 i32.mul)
  (func (export "apply") (param i32 i32 i32) (result i32)
    local.get 1 local.get 2 local.get 0 call_indirect (type $bin))
  (func (export "classify") (param i32) (result i32)
    (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 10)))
      (return (i32.const 20)))
    i32.const 30)
  (func (export "sum") (param $n i32) (result i64) (local $acc i64)
    (loop $top
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $top (i32.gt_s (local.get $n) (i32.const 0))))
    local.get $acc)
  (func (export "bytes") (result i32) (i32.load (i32.const 16)))
  (func (export "lanes") (result i32)
    (i32x4.extract_lane 2 (i32x4.add (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40))))
  (func (export "tick") (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (call $log (global.get $count))
    global.get $count)
  (func $deep (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func (export "divide") (param i32) (result i32) (call $deep (local.get 0))))
"""


def run_program(module: wasmrt.Module) -> tuple[Any, ...]:
    """Every export of PROGRAM's module on a fresh Store, and the trap of ``divide(0)``."""
    engine = module.engine
    store = wasmrt.Store(engine)
    logged: list[int] = []
    linker = wasmrt.Linker(engine)
    linker.define_func("env", "log", wasmrt.FuncType([wasmrt.ValType.i32()], []), logged.append)
    exports = linker.instantiate(store, module).exports(store)
    results = (
        [exports["apply"](store, k, 7, 5) for k in range(3)],
        [exports["classify"](store, k) for k in range(5)],
        exports["sum"](store, 1000),
        exports["bytes"](store),
        exports["lanes"](store),
        [exports["tick"](store) for _ in range(3)],
        exports["divide"](store, 4),
    )
    with pytest.raises(wasmrt.Trap) as trap:
        exports["divide"](store, 0)
    frames = [(f.func_index, f.func_offset, f.module_offset) for f in trap.value.frames]
    return results, logged, trap.value.trap_code, frames


def round_trip(module: wasmrt.Module, engine: wasmrt.Engine | None = None) -> wasmrt.Module:
    return wasmrt.Module.deserialize(engine or module.engine, module.serialize())


def code_table_at(data: bytes | bytearray) -> int:
    """Offset of the code table in a serialized module (after the 72-byte header and the binary)."""
    return 72 + struct.unpack_from("<Q", data, 24)[0]


def reseal(data: bytearray) -> bytearray:
    """Give edited serialized data a matching checksum, so the checks behind it run."""
    struct.pack_into("<I", data, 64, _api_module._checksum((memoryview(data),)))
    return data


def test_round_trip_runs_the_same() -> None:
    module = wasmrt.Module(wasmrt.Engine(), PROGRAM)
    again = round_trip(module)
    expected = run_program(module)
    assert expected[0][0] == [12, 2, 35] and expected[0][1] == [10, 20, 30, 30, 30]
    assert expected[0][2] == 500500 and expected[0][4] == 33
    assert run_program(again) == expected
    assert again.serialize() == module.serialize()
    assert [e.name for e in again.exports] == [e.name for e in module.exports]
    assert [(i.module, i.name) for i in again.imports] == [("env", "log")]


def test_round_trip_keeps_the_interface(rt: Any) -> None:
    """serialize -> deserialize keeps imports and exports (wasmtime-py, the oracle, too)."""
    engine = rt.Engine()
    module = rt.Module(engine, PROGRAM)
    again = rt.Module.deserialize(engine, module.serialize())
    assert [e.name for e in again.exports] == [e.name for e in module.exports]
    assert [type(e.type) for e in again.exports] == [type(e.type) for e in module.exports]
    assert [(i.module, i.name) for i in again.imports] == [("env", "log")]


def info_fields(info: Any) -> dict[str, Any]:
    """Everything of a ModuleInfo that the runtime and the API read, as comparable values."""

    def ops(expr: Any) -> Any:
        return None if expr is None else expr.ops

    def desc(d: Any) -> Any:
        return d if isinstance(d, int) else repr(d)

    return {
        "data": info.data,
        "types": [(t.params, t.results, t.type_id) for t in info.types],
        "imports": [(i.module, i.name, i.kind, desc(i.desc)) for i in info.imports],
        "func_types": list(info.func_types),
        "tables": [(t.elem_type, t.min, t.max) for t in info.tables],
        "memories": [(m.min, m.max) for m in info.memories],
        "globals": [
            (g.type.val_type, g.type.mutable, ops(g.init), g.imported) for g in info.globals
        ],
        "exports": [(e.name, e.kind, e.index) for e in info.exports],
        "start": info.start,
        "elems": [
            (e.mode, e.table, ops(e.offset), e.elem_type, [ops(i) for i in e.items])
            for e in info.elems
        ],
        "datas": [(d.mode, d.memory, ops(d.offset), d.data) for d in info.datas],
        "data_count": info.data_count,
        "codes": [(c.locals, c.num_locals, c.body_start, c.body_end, c.offset) for c in info.codes],
        "names": (info.names.module, info.names.functions, info.names.locals),
        "customs": info.customs,
        "imported": (
            info.num_imported_funcs,
            info.num_imported_tables,
            info.num_imported_memories,
            info.num_imported_globals,
        ),
        "features": info.features,
        "func_codes": [
            (
                f.func_index,
                f.nparams,
                f.nresults,
                f.nlocals,
                f.max_slots,
                f.ncells,
                _interp.code_cells(f),   # (machine code threads it at once)
                f.srcmap(),
            )
            for f in info.func_codes
        ],
    }


def bench_binaries() -> list[bytes]:
    from benchmarks.programs import bench_dir, load_programs

    return [p.wasm() for p in load_programs()] if bench_dir() else []


@pytest.mark.parametrize("metering", [False, True], ids=["plain", "metering"])
def test_deserialized_info_equals_compiled(metering: bool) -> None:
    config = wasmrt.Config()
    config.consume_fuel = metering
    engine = wasmrt.Engine(config)
    for wasm in [wasmrt.wat2wasm(PROGRAM), *bench_binaries()]:
        module = wasmrt.Module(engine, wasm)
        again = round_trip(module)
        assert info_fields(again._info) == info_fields(module._info)
        fuel_op = _isa_names.NAMES.index("fuel")
        assert (_interp.code_cells(module._info.func_codes[0])[0] == fuel_op) == metering


def test_bench_programs_round_trip(bench_dir: Path) -> None:
    from benchmarks.programs import load_programs, to_i32

    engine = wasmrt.Engine()
    for program in load_programs(bench_dir):
        again = round_trip(wasmrt.Module(engine, program.wasm()))
        store = wasmrt.Store(engine)
        run = wasmrt.Instance(store, again, []).exports(store)["run"]
        assert to_i32(run(store, program.n_small)) == program.checksum_small, program.name


def test_serialize_after_instantiation() -> None:
    """Instances thread the shared code (IR numbers -> handler addresses): serialize maps
    it back, so a module serializes to the same bytes before and after it ran."""
    module = wasmrt.Module(wasmrt.Engine(), PROGRAM)
    before = module.serialize()
    expected = run_program(module)
    with pytest.raises(ValueError, match="threaded"):
        module._info.func_codes[0].cells()
    after = module.serialize()
    handlers = struct.unpack(f"{len(_interp.handler_table()) // 8}Q", _interp.handler_table())
    if len(set(handlers)) == len(handlers):  # else folded handlers map back to their lowest op
        assert after == before
    assert run_program(wasmrt.Module.deserialize(module.engine, after)) == expected


def test_deserialize_file(tmp_path: Path) -> None:
    module = wasmrt.Module(wasmrt.Engine(), PROGRAM)
    path = tmp_path / "program.cwasm"
    path.write_bytes(module.serialize())
    assert run_program(wasmrt.Module.deserialize_file(module.engine, path)) == run_program(module)
    assert run_program(wasmrt.Module.deserialize_file(module.engine, str(path)))[0][2] == 500500


def test_deserialize_takes_bytes_like() -> None:
    module = wasmrt.Module(wasmrt.Engine(), PROGRAM)
    data = module.serialize()
    for form in (bytes(data), data, memoryview(data)):
        assert wasmrt.Module.deserialize(module.engine, form).serialize() == data
    with pytest.raises(TypeError):
        wasmrt.Module.deserialize(module.engine, "text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        wasmrt.Module.deserialize(None, data)  # type: ignore[arg-type]


# -- rejection -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def serialized() -> bytes:
    return bytes(wasmrt.Module(wasmrt.Engine(), PROGRAM).serialize())


def rejects(data: bytes | bytearray, match: str, engine: wasmrt.Engine | None = None) -> None:
    with pytest.raises(wasmrt.WasmtimeError, match=match):
        wasmrt.Module.deserialize(engine or wasmrt.Engine(), data)


def test_rejects_foreign_data(serialized: bytes) -> None:
    rejects(b"\0asm\x01\0\0\0", "bad magic")
    rejects(wasmrt.wat2wasm(PROGRAM), "bad magic")
    rejects(b"", "bad magic")
    rejects(b"\x7fELF" + serialized[4:], "bad magic")


def test_rejects_other_format_version(serialized: bytes) -> None:
    for version in (1, 2, 3, 4, 0xFFFF):
        data = bytearray(serialized)
        struct.pack_into("<H", data, 8, version)
        rejects(reseal(data), f"format version {version}; this wasmrt reads 5")


def test_rejects_truncated(serialized: bytes) -> None:
    for size in (3, 9, 40, 71, 72, 100, len(serialized) // 2, len(serialized) - 1):
        rejects(serialized[:size], "truncated")


def test_rejects_checksum_mismatch(serialized: bytes) -> None:
    for at in (11, 30, 70, 80, len(serialized) // 2, len(serialized) - 1):
        data = bytearray(serialized)
        data[at] ^= 0x10
        rejects(data, r"corrupted \(checksum mismatch\)")
    rejects(serialized + b"\0", "corrupted")


def test_rejects_other_byte_order(serialized: bytes) -> None:
    data = bytearray(serialized)
    data[10] = 2 if sys.byteorder == "little" else 1
    rejects(reseal(data), "byte order")


def test_rejects_other_instruction_set(serialized: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ISA fingerprint follows the generated tables: an op added to them (as
    tools/gen_isa.py would write it) makes earlier serialized code foreign."""
    fingerprint = _api_module._isa_fingerprint()
    assert serialized[32:64] == fingerprint
    monkeypatch.setattr(_isa_names, "NAMES", (*_isa_names.NAMES, "new_op"))
    monkeypatch.setattr(_isa_names, "NCELLS", (*_isa_names.NCELLS, 2))
    monkeypatch.setattr(_isa_names, "LAYOUT", (*_isa_names.LAYOUT, ("a=dst b=x",)))
    _api_module._isa_fingerprint.cache_clear()
    try:
        assert _api_module._isa_fingerprint() != fingerprint
        rejects(serialized, "another wasmrt instruction set")
    finally:
        _api_module._isa_fingerprint.cache_clear()
    monkeypatch.undo()
    assert _api_module._isa_fingerprint() == fingerprint
    data = bytearray(serialized)
    data[40] ^= 1
    rejects(reseal(data), "another wasmrt instruction set")


def test_rejects_other_engine_features(serialized: bytes) -> None:
    config = wasmrt.Config()
    config.wasm_simd = False
    rejects(serialized, "incompatible Engine settings", wasmrt.Engine(config))
    for option in ("consume_fuel", "epoch_interruption"):
        config = wasmrt.Config()
        setattr(config, option, True)
        metered = wasmrt.Engine(config)
        rejects(serialized, r"incompatible Engine settings.*metering", metered)
        metered_data = wasmrt.Module(metered, PROGRAM).serialize()
        rejects(metered_data, "incompatible Engine settings")
        wasmrt.Module.deserialize(metered, metered_data)


def test_metered_code_still_meters() -> None:
    config = wasmrt.Config()
    config.consume_fuel = True
    engine = wasmrt.Engine(config)
    module = round_trip(wasmrt.Module(engine, PROGRAM))
    store = wasmrt.Store(engine)
    store.set_fuel(10_000)
    linker = wasmrt.Linker(engine)
    linker.define_func("env", "log", wasmrt.FuncType([wasmrt.ValType.i32()], []), lambda x: None)
    sum_ = linker.instantiate(store, module).exports(store)["sum"]
    with pytest.raises(wasmrt.Trap) as trap:
        sum_(store, 10**9)
    assert trap.value.trap_code == wasmrt.TrapCode.OUT_OF_FUEL


# -- the structural checks of the code table (behind a matching checksum) -----------------


def edit_code(serialized: bytes, func: int, cell: int, value: int) -> bytearray:
    """``serialized`` with cell ``cell`` of defined function ``func`` set to ``value``, resealed."""
    data = bytearray(serialized)
    table = code_table_at(data)
    count = struct.unpack_from("<I", data, table)[0]
    cells = table + 4 + 40 * count
    for k in range(func):
        cells += 8 * struct.unpack_from("<I", data, table + 4 + 40 * k)[0]
    struct.pack_into("<Q", data, cells + 8 * cell, value)
    return reseal(data)


def edit_record(serialized: bytes, func: int, field: int, value: int) -> bytearray:
    data = bytearray(serialized)
    struct.pack_into("<I", data, code_table_at(data) + 4 + 40 * func + 4 * field, value)
    return reseal(data)


def lowered(serialized: bytes) -> list[Any]:
    return wasmrt.Module.deserialize(wasmrt.Engine(), serialized)._info.func_codes


def instructions(cells: list[int]) -> list[tuple[int, str]]:
    """``(pc, op name)`` of every instruction of un-threaded code."""
    found = []
    pc = 0
    while pc < len(cells):
        name = _isa_names.NAMES[cells[pc]]
        found.append((pc, name))
        pc += 3 + (cells[pc + 1] >> 32) if name == "br_table" else _isa_names.NCELLS[cells[pc]]
    return found


def op_of_size(ncells: int) -> int:
    """An op of ``ncells`` cells that falls through to the next instruction."""
    return next(
        op
        for op, name in enumerate(_isa_names.NAMES)
        if _isa_names.NCELLS[op] == ncells and not name.startswith(("br", "ret"))
    )


def test_checks_op_numbers_and_walk(serialized: bytes) -> None:
    rejects(edit_code(serialized, 0, 0, len(_isa_names.NAMES)), "op number out of range")
    rejects(edit_code(serialized, 0, 0, 1 << 40), "op number out of range")
    code = lowered(serialized)[0]
    last, name = instructions(_interp.code_cells(code))[-1]
    size = _isa_names.NCELLS[_isa_names.NAMES.index(name)]
    assert name.startswith("ret")
    rejects(edit_code(serialized, 0, last, op_of_size(size)), "does not end in a return")
    rejects(edit_code(serialized, 0, last, op_of_size(size + 1)), "runs past the end")


def with_offset(cell: int, field: str, offset: int) -> int:
    """``cell`` with its ``lo`` or ``hi`` half set to the int32 ``offset``."""
    if field == "lo":
        return (cell & ~0xFFFFFFFF) | (offset & 0xFFFFFFFF)
    return (cell & 0xFFFFFFFF) | ((offset & 0xFFFFFFFF) << 32)


def test_checks_branch_targets(serialized: bytes) -> None:
    checked = set()
    for k, code in enumerate(lowered(serialized)):
        cells = _interp.code_cells(code)
        for pc, name in instructions(cells):
            if name == "br_table" and name not in checked:
                cell = with_offset(cells[pc + 2], "lo", code.ncells - pc)
                rejects(edit_code(serialized, k, pc + 2, cell), "br_table target is not")
                checked.add(name)
            layout = _isa_names.LAYOUT[_isa_names.NAMES.index(name)]
            if name.startswith("br_") and name != "br_table" and "branch" not in checked:
                at, field = next(
                    (j, item.split("=")[0])
                    for j, spec in enumerate(layout)
                    for item in spec.split()
                    if item.endswith("=offset")
                )
                for offset in (1, -pc - 1, code.ncells - pc):  # an operand, before, past the end
                    cell = with_offset(cells[pc + 1 + at], field, offset)
                    rejects(edit_code(serialized, k, pc + 1 + at, cell), "branch target is not")
                checked.add("branch")
    assert checked == {"br_table", "branch"}


def test_checks_records(serialized: bytes) -> None:
    code = lowered(serialized)[0]
    for field, value, match in (
        (0, code.ncells + 1, "size does not match"),  # ncells
        (1, 0xFFFF_FFFF, "size does not match"),  # nsrc
        (2, code.nparams + 1, "frame does not match"),  # nparams
        (3, code.nresults + 1, "frame does not match"),  # nresults
        (4, code.nlocals + 2, "frame does not match"),  # nlocals
        (5, 0x10000, "out of range"),  # max_slots
        (5, code.nparams + code.nlocals - 1, "out of range"),
        (6, 7, "record does not match the module"),  # func_index
        (7, 1, "record does not match the module"),  # type_index
        (8, 0, "record does not match the module"),  # body_offset
    ):
        rejects(edit_record(serialized, 0, field, value), match)
    data = bytearray(serialized)
    struct.pack_into("<I", data, code_table_at(data), 3)
    rejects(reseal(data), "code for 3 functions, the module defines")


def test_checks_srcmap(serialized: bytes) -> None:
    funcs = lowered(serialized)
    data = bytearray(serialized)
    table = code_table_at(data)
    count = len(funcs)
    srcmaps = table + 4 + 40 * count + 8 * sum(f.ncells for f in funcs)
    k = next(i for i, f in enumerate(funcs) if len(f.srcmap()) >= 2)
    at = srcmaps + 8 * sum(len(f.srcmap()) for f in funcs[:k])
    bad_pc = bytearray(data)
    struct.pack_into("<I", bad_pc, at, funcs[k].ncells)
    rejects(reseal(bad_pc), "srcmap cells unsorted or out of range")
    unsorted = bytearray(data)
    struct.pack_into("<I", unsorted, at + 8, 0)
    struct.pack_into("<I", unsorted, at, funcs[k].srcmap()[1][0])
    rejects(reseal(unsorted), "srcmap cells unsorted or out of range")
    past = bytearray(data)
    struct.pack_into("<I", past, at + 4, 1 << 30)
    rejects(reseal(past), "srcmap offset past the module")


def test_any_damaged_byte_raises_wasmtime_error(serialized: bytes) -> None:
    """Every byte flipped in turn: the checksum catches it.  Resealed, so the decoder and
    the code table checks see the damage: each outcome is a WasmtimeError or a module the
    checks accept (operand cells are trusted), never another exception or a crash."""
    engine = wasmrt.Engine()
    accepted = 0
    for at in range(len(serialized)):
        data = bytearray(serialized)
        data[at] ^= 0xA5
        with pytest.raises(wasmrt.WasmtimeError):
            wasmrt.Module.deserialize(engine, data)
        try:
            wasmrt.Module.deserialize(engine, reseal(data))
            accepted += 1
        except wasmrt.WasmtimeError:
            pass
    assert 0 < accepted < len(serialized)


# -- pickle and worker processes -----------------------------------------------------------


def test_pickle() -> None:
    module = wasmrt.Module(wasmrt.Engine(), PROGRAM)
    again = pickle.loads(pickle.dumps(module))
    assert isinstance(again, wasmrt.Module)
    assert again.engine is not module.engine
    assert again.engine._feature_mask == module.engine._feature_mask
    assert run_program(again) == run_program(module)
    assert again.serialize() == module.serialize()


def run_in_worker(module: wasmrt.Module, n: int) -> tuple[int, int]:
    """In a worker process: the module arrived pickled; run ``sum(n)`` and ``apply``."""
    store = wasmrt.Store(module.engine)
    linker = wasmrt.Linker(module.engine)
    linker.define_func("env", "log", wasmrt.FuncType([wasmrt.ValType.i32()], []), lambda x: None)
    exports = linker.instantiate(store, module).exports(store)
    return exports["sum"](store, n), exports["apply"](store, 2, 6, 7)


def test_process_pool_runs_shipped_module() -> None:
    module = wasmrt.Module(wasmrt.Engine(), PROGRAM)
    run_program(module)  # threaded in this process: ships all the same
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        results = list(pool.map(run_in_worker, [module] * 3, [10, 100, 1000]))
    assert results == [(55, 42), (5050, 42), (500500, 42)]


# -- the spec suite on deserialized modules --------------------------------------------------

SPEC_SAMPLE = [
    "br_table.wast",
    "call_indirect.wast",
    "float_exprs.wast",
    "memory_trap.wast",
    "simd_lane.wast",
    "table_copy.wast",
    "loop.wast",
    "left-to-right.wast",
]


@pytest.mark.parametrize("name", SPEC_SAMPLE)
def test_spec_sample_on_deserialized_modules(name: str, spec_dir: Path) -> None:
    """A sample of the spec suite with every module serialized and deserialized first
    (``pytest tests/spec --spec-api tests.spec.serialized_api`` runs all of it)."""
    from tests.spec import serialized_api
    from tests.spec.harness import judge, load_expected

    result = run_script(spec_dir / name, api=serialized_api)
    verdict = judge(name, result, load_expected())
    assert verdict.ok, verdict.report()
    assert len(result.outcomes) > 50
    plain = run_script(spec_dir / name)
    assert [o.passed for o in result.outcomes] == [o.passed for o in plain.outcomes]


@pytest.mark.parametrize("strategy", ["auto", "interpreter", "native"])
def test_a_pickled_engine_keeps_its_strategy(strategy: str) -> None:
    config = wasmrt.Config()
    config.strategy = strategy
    config.consume_fuel = True
    engine = pickle.loads(pickle.dumps(wasmrt.Engine(config)))
    assert engine._strategy == strategy and engine._consume_fuel
