"""The sampling guest profiler (``wasmrt.Profiler``, ``run --profile``): what it samples,
and its files -- speedscope JSON checked against speedscope's schema, the flame graph by an
XML parser.  Not a timing test: its overhead is measured by ``python -m
benchmarks.bench_profile``."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import wasmrt
from benchmarks.programs import Program, load_programs
from benchmarks.programs import bench_dir as bench_dir_path
from tests.wasi.conftest import program
from wasmrt import cli
from wasmrt.profiler import ProfileFrame, Profiler

SCHEMA = Path(__file__).resolve().parent / "data" / "speedscope-file-format-schema.json"
SVG = "{http://www.w3.org/2000/svg}"
DWARF_PROGRAM = program("backtrace")    # built with -g (tests/wasi/Makefile)


def bench_program(name: str) -> Program:
    if bench_dir_path() is None:
        pytest.skip("benchmark programs not found: expected ../shared/bench")
    return {p.name: p for p in load_programs()}[name]


def until(done: Callable[[], bool], seconds: float) -> Iterator[None]:
    """Rounds until ``done()`` or ``seconds`` pass: a loaded machine may not tick the
    profiler's clock during one short run, so a test runs again until the clock has ticked
    where it looks (its assertions then say whether it did)."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        yield


def profile_bench(name: str, n: int, interval: float = 0.0005) -> Profiler:
    prog = bench_program(name)
    store = wasmrt.Store()
    run = wasmrt.Instance(store, wasmrt.Module(store.engine, prog.wasm()), []).exports(store)["run"]
    with wasmrt.Profiler(store, interval) as prof:
        run(store, n)
        # again until 50 intervals are recorded, so the shares the tests compare mean something
        for _ in until(lambda: prof.total >= 50 * interval, 30):
            run(store, n)
    return prof


def hottest(prof: Profiler) -> ProfileFrame:
    return next(iter(prof.self_times()))


def validate_speedscope(doc: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (test extra) missing")
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    nframes = len(doc["shared"]["frames"])
    (profile,) = doc["profiles"]
    assert len(profile["samples"]) == len(profile["weights"]) > 0
    assert all(0 <= f < nframes for stack in profile["samples"] for f in stack)
    assert sum(profile["weights"]) == pytest.approx(profile["endValue"])


def svg_boxes(path: Path) -> dict[str, float]:
    """Width of each box of a flame graph, by the name of its frame (added up)."""
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg"
    out: dict[str, float] = {}
    for g in root.iter(SVG + "g"):
        if g.get("class") != "f":
            continue
        rect = g.find(SVG + "rect")
        assert rect is not None and g.find(SVG + "title") is not None
        name = g.get("data-name", "")
        out[name] = out.get(name, 0.0) + float(rect.get("width", "0"))
    return out


# what it samples -----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "n", "hot"), [("fib", 400, "fib"), ("sha256", 1500, "compress")])
def test_hottest_frame_is_the_hot_function(name: str, n: int, hot: str) -> None:
    prof = profile_bench(name, n)
    assert hottest(prof).name == hot
    assert prof.self_times()[hottest(prof)] > 0.5 * prof.total
    assert all(stack[0].name == "run" for stack in prof.stacks())


def test_no_samples_outside_wasm() -> None:
    store = wasmrt.Store()
    with wasmrt.Profiler(store, 0.001) as prof:
        time.sleep(0.05)
    assert prof.total == 0
    assert prof.samples() == []


def _host_program(store: wasmrt.Store, host: Any, *, reenter: bool = False) -> Any:
    linker = wasmrt.Linker(store.engine)
    linker.define_func("env", "host", wasmrt.FuncType([], []), host)
    module = wasmrt.Module(store.engine, """(module
      (import "env" "host" (func $host))
      (func $spin (export "spin") (local i32)
        (loop (br_if 0 (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1)))
                               (i32.const 3000000)))))
      (func $outer (export "outer") call $host))""")
    return linker.instantiate(store, module).exports(store)


def test_host_calls_are_frames() -> None:
    store = wasmrt.Store()
    exports = _host_program(store, lambda: time.sleep(0.03))
    with wasmrt.Profiler(store, 0.001) as prof:
        for _ in range(3):
            exports["outer"](store)
    host = ProfileFrame("env::host", None, "host")
    assert prof.self_times().get(host, 0.0) > 0.045
    assert all(stack[-2:] == (ProfileFrame("outer"), host) for stack in prof.stacks())


def test_wasm_called_by_a_host_call_stacks_above_it() -> None:
    store = wasmrt.Store()
    exports: dict[str, Any] = {}
    exports.update(_host_program(store, lambda: exports["spin"](store)))
    names: set[tuple[str, ...]] = set()
    for _ in until(lambda: ("outer", "env::host", "spin") in names, 10):
        with wasmrt.Profiler(store, 0.0005) as prof:
            exports["outer"](store)
        names.update(tuple(f.name for f in stack) for stack in prof.stacks())
    assert ("outer", "env::host", "spin") in names


def test_deep_stacks_keep_both_ends() -> None:
    store = wasmrt.Store()
    module = wasmrt.Module(store.engine, """(module
      (func $rec (export "rec") (param i32) (local i32)
        (if (local.get 0)
          (then (call $rec (i32.sub (local.get 0) (i32.const 1))))
          (else (loop (br_if 0 (i32.ne (local.tee 1 (i32.add (local.get 1) (i32.const 1)))
                                       (i32.const 3000000))))))))""")
    rec = wasmrt.Instance(store, module, []).exports(store)["rec"]
    deep: list[tuple[ProfileFrame, ...]] = []
    for _ in until(lambda: bool(deep), 10):
        with wasmrt.Profiler(store, 0.0005) as prof:
            rec(store, 3000)
        deep.extend(stack for stack in prof.stacks() if len(stack) > 1000)
    assert deep, "no sample at the bottom of the recursion"
    for stack in deep:
        assert len(stack) == 1024
        assert stack[511].kind == "truncated"
        assert {f.name for f in stack} == {"rec", "[frames left out]"}


def test_dwarf_names_and_files(tmp_path: Path) -> None:
    engine = wasmrt.Engine()
    store = wasmrt.Store(engine)
    config = wasmrt.WasiConfig()
    config.argv = ["backtrace", "work", "16"]
    config.stdout = lambda data: None
    store.set_wasi(config)
    linker = wasmrt.Linker(engine)
    linker.define_wasi()
    module = wasmrt.Module.from_file(engine, DWARF_PROGRAM)
    main = ProfileFrame("__main_argc_argv", "./src/backtrace.c")
    below: dict[ProfileFrame, float] = {}      # time under each function main calls
    # Which callee gets the most samples depends on the load (checksum and sort_sum take
    # turns on a loaded machine), so the test asks for the names and files DWARF gives,
    # sampling until checksum (the work 16 loop) has been seen.
    for _ in until(lambda: any(f.name == "checksum" for f in below), 20):
        instance = linker.instantiate(store, module)
        with wasmrt.Profiler(store, 0.0005) as prof:
            instance.exports(store)["_start"](store)    # exit status 0: no ExitTrap
        for stack, seconds in prof.stacks().items():
            if main in stack[:-1]:
                callee = stack[stack.index(main) + 1]
                below[callee] = below.get(callee, 0.0) + seconds
    names = {(f.name, f.file, f.kind) for f in below}
    assert ("checksum", "./src/backtrace.c", "wasm") in names


# the files -------------------------------------------------------------------------------


def test_speedscope_file(tmp_path: Path) -> None:
    prof = profile_bench("sha256", 600)
    prof.write(tmp_path / "out.json")
    doc = json.loads((tmp_path / "out.json").read_text())
    validate_speedscope(doc)
    names = [f["name"] for f in doc["shared"]["frames"]]
    assert "compress" in names and "run" in names
    assert doc["profiles"][0]["endValue"] == pytest.approx(prof.total)


def test_flamegraph_file(tmp_path: Path) -> None:
    prof = profile_bench("sha256", 600)
    prof.write(tmp_path / "out.svg")
    boxes = svg_boxes(tmp_path / "out.svg")
    assert boxes["all"] == pytest.approx(boxes["run"], rel=1e-3)
    assert boxes["compress"] > 0.5 * boxes["all"]


def test_flamegraph_escapes_names(tmp_path: Path) -> None:
    store = wasmrt.Store()
    module = wasmrt.Module(store.engine, """(module
      (func $<T&x> (export "f") (local i32)
        (loop (br_if 0 (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1)))
                               (i32.const 2000000))))))""")
    f = wasmrt.Instance(store, module, []).exports(store)["f"]
    with wasmrt.Profiler(store, 0.0005) as prof:
        for _ in until(lambda: prof.total > 0, 10):
            f(store)
    prof.write(tmp_path / "out.svg", "svg")
    assert "<T&x>" in svg_boxes(tmp_path / "out.svg")


def test_cli_profile(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    def sampled(path: Path) -> bool:
        if path.suffix == ".svg":
            return "checksum" in svg_boxes(path)
        return bool(json.loads(path.read_text())["profiles"][0]["samples"])

    for name in ("p.json", "p.svg"):
        for _ in range(10):     # a run may end before the clock ticks (a loaded machine)
            argv = ["run", "--profile", str(tmp_path / name), "--profile-interval", "0.5",
                    str(DWARF_PROGRAM), "work", "3"]
            assert cli.main(argv) == 0
            assert capfd.readouterr().out.count("\n") == 3
            if sampled(tmp_path / name):
                break
    validate_speedscope(json.loads((tmp_path / "p.json").read_text()))
    assert "checksum" in svg_boxes(tmp_path / "p.svg")


def test_cli_profile_of_a_trap_is_written(tmp_path: Path) -> None:
    out = tmp_path / "trap.svg"
    status = cli.main(["run", "--profile", str(out), str(DWARF_PROGRAM), "div", "0"])
    assert status == cli.TRAP_EXIT_STATUS
    assert svg_boxes(out)


def test_cli_profile_format_checked_first(tmp_path: Path,
                                         capfd: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["run", "--profile", str(tmp_path / "p.txt"), str(DWARF_PROGRAM),
                       "work", "1"])
    assert status == cli.ERROR_EXIT_STATUS
    out, err = capfd.readouterr()
    assert out == "" and ".json" in err and not (tmp_path / "p.txt").exists()


# refusals ---------------------------------------------------------------------------------


def test_bad_arguments(tmp_path: Path) -> None:
    store = wasmrt.Store()
    for interval in (0, -1.0, float("nan")):
        with pytest.raises(ValueError):
            wasmrt.Profiler(store, interval)
    with pytest.raises(TypeError):
        wasmrt.Profiler(store, "1ms")  # type: ignore[arg-type]
    prof = wasmrt.Profiler(store)
    with pytest.raises(ValueError, match="format"):
        prof.write(tmp_path / "out.txt")
    with pytest.raises(ValueError, match="unknown profile format"):
        prof.write(tmp_path / "out.json", "pprof")


def test_one_profiler_per_store() -> None:
    store = wasmrt.Store()
    with wasmrt.Profiler(store), pytest.raises(wasmrt.WasmtimeError, match="already"):
        wasmrt.Profiler(store).start()
    with wasmrt.Profiler(store) as again:      # free again after the first stopped
        assert again.running
    assert not again.running


def test_not_from_inside_wasm() -> None:
    store = wasmrt.Store()
    errors: list[BaseException] = []

    def host() -> None:
        try:
            wasmrt.Profiler(store).start()
        except wasmrt.WasmtimeError as exc:
            errors.append(exc)

    _host_program(store, host)["outer"](store)
    assert len(errors) == 1 and "inside a call into wasm" in str(errors[0])


def test_threads_without_the_gil() -> None:
    config = wasmrt.Config()
    config.release_gil = True  # type: ignore[attr-defined]
    prog = bench_program("fib")
    store = wasmrt.Store(wasmrt.Engine(config))
    run = wasmrt.Instance(store, wasmrt.Module(store.engine, prog.wasm()), []).exports(store)["run"]
    with wasmrt.Profiler(store, 0.0005) as prof:
        run(store, 300)
    assert hottest(prof).name == "fib"


def test_cli_profile_needs_wasmrt(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    wasmtime = pytest.importorskip("wasmtime", reason="wasmtime-py (the reference) missing")
    status = cli.main(["run", "--profile", str(tmp_path / "p.svg"), str(DWARF_PROGRAM),
                       "work", "1"], api=wasmtime)
    assert status == cli.ERROR_EXIT_STATUS
    assert "--profile needs wasmrt" in capfd.readouterr().err
    assert not (tmp_path / "p.svg").exists()
