"""The cost of profiling: each benchmark program run plain and under ``wasmrt.Profiler``.

For each program, ``run(n)`` on one instance, alternating plain and profiled runs (so a
busy moment of the shared machine hits both), ``--repeat`` of each; the table gives the
best wall time of each and their ratio, and the same for the CPU time of the running
thread (which the clock thread's own wake-ups and other processes do not disturb).  The
issue's bar is 1.15x at the default interval.  Every checksum is checked.

    python -m benchmarks.bench_profile [--programs fib,sha256] [--repeat 5] [--interval MS]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import wasmrt
from benchmarks.programs import Program, bench_dir, load_programs, to_i32
from wasmrt.profiler import DEFAULT_INTERVAL

DEFAULT_PROGRAMS = ["fib", "sieve", "nbody", "sha256", "quicksort", "vm"]


def measure(prog: Program, interval: float, repeat: int) -> tuple[list[float], list[float],
                                                                   int]:
    """Best (wall, cpu) of plain runs, of profiled runs, and the ticks sampled by the last."""
    store = wasmrt.Store()
    run = wasmrt.Instance(store, wasmrt.Module(store.engine, prog.wasm()), []).exports(store)["run"]
    n = prog.n

    def timed(call: Callable[[], int]) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.thread_time()
        got = call()
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        if to_i32(got) != prog.checksum:
            raise SystemExit(f"{prog.name}: run({n}) returned {got}, expected {prog.checksum}")
        return wall, cpu

    run(store, prog.n_small)
    plain = [float("inf")] * 2
    profiled = [float("inf")] * 2
    samples = 0
    for _ in range(repeat):
        plain = [min(a, b) for a, b in zip(plain, timed(lambda: run(store, n)))]
        prof = wasmrt.Profiler(store, interval)
        with prof:
            got = timed(lambda: run(store, n))
        profiled = [min(a, b) for a, b in zip(profiled, got)]
        samples = round(prof.total / interval)
    return plain, profiled, samples


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit status 0."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_profile",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", default=",".join(DEFAULT_PROGRAMS))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL * 1000,
                        help="milliseconds between samples")
    opts = parser.parse_args(argv)
    if bench_dir() is None:
        print("benchmark programs not found: expected ../shared/bench", file=sys.stderr)
        return 1
    programs = {p.name: p for p in load_programs()}
    print(f"interval {opts.interval:g} ms, best of {opts.repeat} alternating runs")
    print("| program | plain s | profiled s | ratio | CPU plain s | CPU profiled s | CPU ratio "
          "| samples |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in opts.programs.split(","):
        prog = programs[name]
        plain, profiled, samples = measure(prog, opts.interval / 1000, opts.repeat)
        print(f"| {name} | {plain[0]:.3f} | {profiled[0]:.3f} | {profiled[0] / plain[0]:.3f} "
              f"| {plain[1]:.3f} | {profiled[1]:.3f} | {profiled[1] / plain[1]:.3f} "
              f"| {samples} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
