"""GC: allocation and field access on wasmrt and wasmtime-py, beside their non-GC baselines.

Four programs of ``benchmarks/gc/`` (WAT), each exporting ``run(n) -> i32`` (no GC
reference crosses the API: wasmtime-py 51 cannot pass them):

- ``binary-trees``: the Benchmarks Game's binary-trees on the GC heap (a node is a struct
  of two references, every tree but the long-lived one left to the collector): allocation;
- ``binary-trees-mem``: the same trees in linear memory from a bump allocator reset after
  each tree (no GC), its baseline;
- ``fields``: a loop of two array and four struct accesses per element (an ``(array (mut
  i32))`` and a struct of an i64 and an i32): field access;
- ``fields-mem``: the same loop on linear memory, its baseline.

Each (runtime, program) runs in a fresh process (so that its peak RSS is its own): a
``run(0)`` warm-up, then ``--repeat`` timed ``run(n)``, timed in thread CPU time (what a
busy machine disturbs least; the collector runs on the calling thread in both runtimes),
the result checked, and the peak RSS (``ru_maxrss``) taken after the first and after the
last run: equal when memory is bounded.  ``--long K`` adds the long run: ``K`` runs of
binary-trees in one Store, peak RSS after the first and the last.

    python -m benchmarks.bench_gc [--runtimes wasmrt,wasmrt-interp,wasmtime] [--repeat 5]
                                  [--scale 1] [--long 20] [--write BENCHMARKS.md]

wasmrt's functions with GC instructions stay interpreted (the native tier does not cover
them), so its default Config runs the GC programs as ``wasmrt-interp`` does, and compiles
the baselines' hot functions to machine code.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.programs import to_i32
from benchmarks.report import write_section

HERE = Path(__file__).resolve().parent / "gc"
#: The name of this benchmark's section of BENCHMARKS.md (``report.write_section``).
SECTION = "gc"
DEFAULT_RUNTIMES = ["wasmrt", "wasmrt-interp", "wasmtime"]


def binary_trees_result(n: int) -> int:
    """What binary-trees' ``run(n)`` returns: the node count of every tree it checks (so
    also the number of nodes it allocates)."""
    top = max(6, n)

    def nodes(depth: int) -> int:
        return (1 << (depth + 1)) - 1

    total = nodes(top + 1) + nodes(top)
    total += sum((1 << (top - d + 4)) * nodes(d) for d in range(4, top + 1, 2))
    return to_i32(total)


def fields_result(n: int) -> int:
    """What fields' ``run(n)`` returns (the loop in Python: for small ``n`` only)."""
    a = [0] * 1024
    total = count = 0
    for r in range(n):
        for i in range(1024):
            v = (a[i] * 31 + (i ^ r)) & 0xFFFFFFFF
            a[i] = v
            total += v
            count += 1
    return to_i32((total & 0xFFFFFFFF) ^ count)


@dataclass(frozen=True)
class GcProgram:
    """One program of ``benchmarks/gc``: ``run(n)`` with ``n`` the benchmark's size."""

    name: str
    file: str
    n: int
    baseline_of: str | None = None      # the GC program this one is the baseline of

    def wat(self) -> str:
        """The program's text."""
        return (HERE / self.file).read_text()

    def expected(self, n: int) -> int | None:
        """``run(n)``'s result, when it is cheap to know (binary-trees: always)."""
        if self.name.startswith("binary-trees"):
            return binary_trees_result(n)
        return fields_result(n) if n <= 64 else None


PROGRAMS = [
    GcProgram("binary-trees", "binary_trees.wat", 16),
    GcProgram("binary-trees-mem", "binary_trees_mem.wat", 16, "binary-trees"),
    GcProgram("fields", "fields.wat", 40000),
    GcProgram("fields-mem", "fields_mem.wat", 40000, "fields"),
]


def _peak_kib() -> int:
    """This process's peak RSS in KiB: Linux's VmHWM (``ru_maxrss`` survives exec, so a
    child would report its parent's peak), else ``ru_maxrss``."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(runtime: str, program: str, n: int, repeat: int) -> dict[str, Any]:
    """Run one program on one runtime in this process: the record ``measure`` reads."""
    from benchmarks.runtimes import get_runtime

    prog = {p.name: p for p in PROGRAMS}[program]
    rt = get_runtime(runtime)
    inst = rt.load(rt.api.wat2wasm(prog.wat()) if hasattr(rt.api, "wat2wasm") else prog.wat())
    inst.call("run", 0)
    base = _peak_kib()
    cpu, wall, peaks, results = [], [], [], set()
    for _ in range(repeat):
        t, c = time.perf_counter(), time.thread_time()
        results.add(to_i32(inst.call("run", n)))
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - t)
        peaks.append(_peak_kib())
    record: dict[str, Any] = {"results": sorted(results), "cpu": cpu, "wall": wall,
                              "base_kib": base, "peaks_kib": peaks}
    if runtime.startswith("wasmrt"):
        from wasmrt import _interp

        record["gc"] = _interp.gc_stats(inst._store._context())
    return record


def measure(runtime: str, program: str, n: int, repeat: int) -> dict[str, Any]:
    """``child`` in a fresh Python process (its own peak RSS)."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_gc", "--child", runtime, program, str(n),
         str(repeat)], capture_output=True, text=True, check=False,
        cwd=Path(__file__).resolve().parents[1])
    if proc.returncode != 0:
        raise SystemExit(f"{runtime} {program}: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.splitlines()[-1])


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def table(runtimes: list[str], repeat: int, scale: float,
          progress: Callable[[str], None] = lambda _line: None) -> tuple[str, dict]:
    """The markdown table of every program on every runtime, and the records."""
    records: dict[tuple[str, str], dict[str, Any]] = {}
    sizes = {p.name: max(int(p.n * scale), 1) for p in PROGRAMS}
    for prog in PROGRAMS:
        for runtime in runtimes:
            rec = measure(runtime, prog.name, sizes[prog.name], repeat)
            expected = prog.expected(sizes[prog.name])
            if len(rec["results"]) != 1 or expected is not None and rec["results"][0] != expected:
                raise SystemExit(f"{runtime} {prog.name}: run({sizes[prog.name]}) returned "
                                 f"{rec['results']}, expected {expected}")
            records[runtime, prog.name] = rec
            progress(f"{prog.name} {runtime}: {min(rec['cpu']):.3f} s")
        results = {records[r, prog.name]["results"][0] for r in runtimes}
        if prog.baseline_of is not None:
            results |= {records[r, prog.baseline_of]["results"][0] for r in runtimes}
        if len(results) != 1:
            raise SystemExit(f"{prog.name}: the runtimes disagree: {sorted(results)}")
    heads = " | ".join(f"{r} s" for r in runtimes)
    ratio = "wasmtime" in runtimes and "wasmrt" in runtimes
    lines = [f"| program | n | {heads} |" + (" wasmrt / wasmtime |" if ratio else "")
             + " " + " | ".join(f"{r} peak RSS MiB" for r in runtimes) + " |"]
    lines.append("|---|---|" + "---|" * (2 * len(runtimes) + ratio))
    for prog in PROGRAMS:
        best = {r: min(records[r, prog.name]["cpu"]) for r in runtimes}
        cells = " | ".join(f"{best[r]:.3f}" for r in runtimes)
        if ratio:
            cells += f" | {best['wasmrt'] / best['wasmtime']:.2f}"
        rss = " | ".join(f"{_mib(records[r, prog.name]['peaks_kib'][0])} → "
                         f"{_mib(records[r, prog.name]['peaks_kib'][-1])}" for r in runtimes)
        lines.append(f"| {prog.name} | {sizes[prog.name]} | {cells} | {rss} |")
    for prog in PROGRAMS:
        if prog.baseline_of is not None:
            cells = " | ".join(
                f"{min(records[r, prog.baseline_of]['cpu']) / min(records[r, prog.name]['cpu']):.2f}x"
                for r in runtimes)
            lines.append(f"| {prog.baseline_of} / {prog.name} | | {cells} |"
                         + (" |" if ratio else "") + " |" * len(runtimes))
    return "\n".join(lines) + "\n", records


def long_run(runtimes: list[str], runs: int, n: int) -> str:
    """The long run's table: ``runs`` runs of binary-trees(n) in one Store per runtime."""
    lines = [(f"| {runs} x binary-trees({n}) | objects allocated | peak RSS MiB after run 1 "
              "| after the last | collections |"), "|---|---|---|---|---|"]
    for runtime in runtimes:
        if runtime == "wasmrt-interp":
            continue
        rec = measure(runtime, "binary-trees", n, runs)
        objects = binary_trees_result(n) * runs
        gc = rec.get("gc", {})
        lines.append(f"| {runtime} | {objects:,} | {_mib(rec['peaks_kib'][0])} | "
                     f"{_mib(rec['peaks_kib'][-1])} | {gc.get('collections', 'n/a')} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print (and with ``--write``, put into BENCHMARKS.md) the tables."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_gc")
    parser.add_argument("--runtimes", default=",".join(DEFAULT_RUNTIMES))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of each n")
    parser.add_argument("--long", type=int, default=0, metavar="K",
                        help="also K runs of binary-trees in one Store (bounded memory)")
    parser.add_argument("--write", metavar="PATH", help="put the tables into this markdown "
                        "file (BENCHMARKS.md), replacing its earlier ones")
    parser.add_argument("--child", nargs=4, metavar=("RUNTIME", "PROGRAM", "N", "REPEAT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        runtime, program, n, repeat = args.child
        print(json.dumps(child(runtime, program, int(n), int(repeat))))
        return 0
    runtimes = args.runtimes.split(",")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    text, _ = table(runtimes, args.repeat, args.scale, lambda line: print(line, file=sys.stderr))
    print(text, end="")
    long_text = ""
    if args.long:
        trees = max(int(PROGRAMS[0].n * args.scale), 1)
        long_text = long_run(runtimes, args.long, trees)
        print(long_text, end="")
    if args.write:
        command = (f"python -m benchmarks.bench_gc --runtimes {args.runtimes} --repeat "
                   f"{args.repeat}" + (f" --scale {args.scale}" if args.scale != 1 else "")
                   + (f" --long {args.long}" if args.long else ""))
        write_section(Path(args.write), SECTION, f"""## GC: allocation and field access

`{command}` (issue 19's GC benchmark, `benchmarks/gc/`, load average {load:.1f} at the
start): best thread CPU time of {args.repeat} runs of `run(n)`, each (runtime, program) in a
fresh process after a `run(0)` warm-up, every result checked. binary-trees allocates every
node as a struct of two references (the collector frees all but the long-lived tree);
binary-trees-mem is the same program on linear memory with a bump allocator reset after
each tree (no GC). fields does two array and four struct accesses per element; fields-mem
the same on linear memory. Peak RSS: the process's (VmHWM), after the first timed run → after the
last (equal when memory stays bounded; wasmrt's default Config loads LLVM once it compiles
a hot function, the baselines' or binary-trees' `run`, hence its larger RSS). The last rows: the GC program's
time over its baseline's (what GC costs beside the same work without it). wasmrt runs
functions with GC instructions in its interpreter (the native tier leaves them), so its
default Config and `wasmrt-interp` match on the GC programs and differ on the baselines.
The long run: one Store running binary-trees over and over, its peak RSS after the first
and the last run.

{text}
{long_text}""")
    return 0


class BinaryTrees:
    """asv: binary-trees on the GC heap (wasmrt, default Config)."""

    timeout = 300

    def setup(self) -> None:
        from benchmarks.runtimes import get_runtime

        rt = get_runtime("wasmrt")
        self.inst = rt.load(PROGRAMS[0].wat())
        self.inst.call("run", 0)

    def time_binary_trees(self) -> None:
        self.inst.call("run", 12)


if __name__ == "__main__":
    sys.exit(main())
