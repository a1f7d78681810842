"""Steady-state machine code against wasmtime-py, in thread CPU time.

Issue 16's shared/bench target (the native tier's execution geomean at most wasmtime-py's)
is measured here: every program of ``../shared/bench`` (``benchmarks.programs``) on each
runtime, ``instantiate(compile(bytes))``, a ``run(0)`` warm-up, then ``--repeat`` rounds of
one ``run(n)`` per runtime in turn, each timed by ``time.thread_time()`` and its checksum
checked; the best run of each runtime is kept. After the second round the native tier's
compile queue is waited for (``wasmrt._native.wait_idle``), so wasmrt's best run is its
hot functions' machine code (strategy "auto" compiles them on a background worker, whose
CPU a thread's clock does not count: compile cost is ``benchmarks.bench_real``'s subject).
Thread CPU time is what a busy machine disturbs least; it still grows with cache and SMT
contention, so say the load with the numbers.

    python -m benchmarks native-cpu [--runtimes wasmrt,wasmtime] [--programs fib,...]
                                    [--repeat 6] [--write BENCHMARKS.md]

The ratio column is the first runtime's time over the last one's (lower is better).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

from .compare import _check, _error, environment, geomean
from .programs import Program, bench_dir, load_programs
from .report import write_section
from .runtimes import RUNTIMES, Runtime, available_runtimes, get_runtime

#: The name of this benchmark's section of BENCHMARKS.md (``report.write_section``).
SECTION = "native-cpu"
DEFAULT_RUNTIMES = ["wasmrt", "wasmtime"]
#: The round after which wasmrt's compile queue is waited for (0-based).
_WAIT_AFTER = 1


def _wait_for_native(runtime: Runtime) -> None:
    if runtime.name.startswith("wasmrt"):
        from wasmrt import _native

        _native.wait_idle(60)


def measure(runtimes: list[Runtime], program: Program, repeat: int) -> dict[str, float | str]:
    """The best thread CPU seconds of ``run(n)`` per runtime (rounds interleaved), or the
    error that stopped a runtime."""
    best: dict[str, float | str] = {}
    instances = {}
    for rt in runtimes:
        try:
            inst = rt.instantiate(rt.compile(program.wasm()))
            _check(program, 0, inst.call("run", 0))
            instances[rt.name] = inst
            best[rt.name] = math.inf
        except Exception as exc:  # noqa: BLE001 - a failing runtime must not stop the table
            best[rt.name] = _error(exc)
    for round_ in range(repeat):
        for rt in runtimes:
            previous = best[rt.name]
            if rt.name not in instances or isinstance(previous, str):
                continue
            try:
                t = time.thread_time()
                got = instances[rt.name].call("run", program.n)
                elapsed = time.thread_time() - t
                _check(program, program.n, got)
                best[rt.name] = min(previous, elapsed)
            except Exception as exc:  # noqa: BLE001
                best[rt.name] = _error(exc)
            if round_ == _WAIT_AFTER:
                _wait_for_native(rt)
    return best


def format_table(rows: dict[str, dict[str, float | str]], names: list[str]) -> str:
    """The markdown table: seconds per runtime, then first / last runtime, and the geomean
    of that ratio over the programs every runtime ran."""
    head = "| program | " + " | ".join(f"{n} s" for n in names)
    ratio_name = f"{names[0]} / {names[-1]}" if len(names) > 1 else ""
    lines = [head + (f" | {ratio_name} |" if ratio_name else " |"),
             "|---" * (len(names) + 1 + bool(ratio_name)) + "|"]
    ratios = []
    for prog, row in rows.items():
        cells = [f"{v:.3f}" if isinstance(v, float) else f"FAIL {v}" for v in
                 (row[n] for n in names)]
        if ratio_name:
            first, last = row[names[0]], row[names[-1]]
            if isinstance(first, float) and isinstance(last, float):
                ratios.append(first / last)
                cells.append(f"{first / last:.2f}")
            else:
                cells.append("-")
        lines.append(f"| {prog} | " + " | ".join(cells) + " |")
    if ratio_name and ratios:
        lines.append("| **geomean** |" + " |" * len(names) + f" **{geomean(ratios):.3f}** |")
    return "\n".join(lines) + "\n"


_PREAMBLE = """## The native tier against wasmtime-py in CPU time

Produced by `python -m benchmarks native-cpu --write BENCHMARKS.md`
(`benchmarks/bench_native_cpu.py`): thread CPU time of `run(n)`, best of {repeat} rounds
(the runtimes in turn within a round, each after a `run(0)` warm-up; wasmrt with the default
Config, its compile queue waited for after the second round, so its best run is steady-state
machine code); the ratio is {ratio} (lower is better). Thread CPU time is what a busy
machine disturbs least; it still grows with cache and SMT contention, and a branchy
program's (vm's) moves with its machine code's layout: judge a change of the translator by
callgrind's instruction counts (ARCHITECTURE.md, the native tier's Measuring).

{env}
"""


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, measure, print the table (and write it into BENCHMARKS.md with
    ``--write``); returns the exit status (1 when a runtime failed a program)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks native-cpu",
                                     description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command line's options (shared with ``python -m benchmarks native-cpu``)."""
    parser.add_argument("--runtimes", default=",".join(DEFAULT_RUNTIMES),
                        help="comma-separated runtimes; the ratio is the first over the last "
                        f"(default {','.join(DEFAULT_RUNTIMES)})")
    parser.add_argument("--programs", help="comma-separated program names (default: all)")
    parser.add_argument("--repeat", type=int, default=6,
                        help="rounds, the best run of each runtime kept (default 6)")
    parser.add_argument("--write", metavar="PATH", help="put the table into BENCHMARKS.md")


def run(args: argparse.Namespace) -> int:
    """Measure as ``args`` say (see ``add_arguments``)."""
    if bench_dir() is None:
        print("benchmark programs not found: set WASMRT_BENCH_DIR or provide ../shared/bench",
              file=sys.stderr)
        return 2
    wanted = args.runtimes.split(",")
    unknown = [n for n in wanted if n not in RUNTIMES]
    if unknown:
        print(f"unknown runtime(s): {', '.join(unknown)}; known: {', '.join(RUNTIMES)}",
              file=sys.stderr)
        return 2
    names = available_runtimes(wanted)
    if names != wanted:
        print(f"not installed or not usable: {', '.join(sorted(set(wanted) - set(names)))}",
              file=sys.stderr)
        return 2
    programs = load_programs()
    if args.programs:
        keep = set(args.programs.split(","))
        programs = [p for p in programs if p.name in keep]
    runtimes = [get_runtime(n) for n in names]
    rows = {}
    for prog in programs:
        rows[prog.name] = row = measure(runtimes, prog, args.repeat)
        print(f"{prog.name:12} load {os.getloadavg()[0]:4.1f}  " + "  ".join(
            f"{n} {v:.4f} s" if isinstance(v, float) else f"{n} FAIL {v}"
            for n, v in row.items()), file=sys.stderr, flush=True)
    table = format_table(rows, names)
    print(table)
    if args.write:
        env = environment(names)
        text = "\n".join(f"- **{k}**: {v}" for k, v in env.items())
        ratio = (f"{names[0]}'s time over {names[-1]}'s" if len(names) > 1 else "none")
        write_section(Path(args.write), SECTION, _PREAMBLE.format(
            repeat=args.repeat, ratio=ratio, env=text) + "\n" + table)
    return 1 if any(isinstance(v, str) for row in rows.values() for v in row.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
