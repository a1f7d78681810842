"""Scale: N Stores on N threads, each running a benchmark program, in parallel.

One compiled Module is shared; every thread has its own Store and Instance and calls
``run(n)`` once.  The table gives the wall time of N threads against one thread doing the
same N runs one after the other (speed-up = sequential / threaded), for wasmrt with and
without ``Config.release_gil`` and for wasmtime-py (whose ctypes calls release the GIL)
when installed.  Every checksum is checked.

    python -m benchmarks.bench_threads [--threads 2] [--programs fib,sieve] [--repeat 3]

``--counter`` measures the threads proposal instead: one shared memory, a counter that
``--total`` ``i32.atomic.rmw.add`` increments (3 million) bring to exactly that number,
done by one thread and then split over ``--threads`` threads (each with its own Store and
instance of ``examples/threads.wat``, ``release_gil``); ``--work`` rounds of private
computation precede each increment (0: the threads only contend for the counter).  Beside
the wall times it gives the CPU time of each thread (``time.thread_time``) and the machine's
load average: on a busy machine the wall-time speed-up is noise, while the CPU-time one
(one thread's CPU time over the largest of the threads' in the split run: the speed-up if
each thread had a core) still shows what the threads cost each other (contention on the
counter's cache line, the wait/notify queue).  ``--private`` adds the control: the same
loop with each thread incrementing a counter of its own, a cache line apart, so the rows
differ only by the one contended line; what is left between one and two threads there is
what the runtime costs threads.

``Threads`` is the asv form (wasmrt with ``release_gil``, two threads).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.programs import Program, bench_dir, load_programs, to_i32
from benchmarks.report import write_section

DEFAULT_PROGRAMS = ["fib", "sieve", "nbody", "sha256"]


def runner(api: Any, release_gil: bool, prog: Program) -> Callable[[], Callable[[int], int]]:
    """A factory of ``run`` callables, each on a fresh Store of one shared Module."""
    config = api.Config()
    if release_gil:
        config.release_gil = True
    engine = api.Engine(config)
    module = api.Module(engine, prog.wasm())

    def make() -> Callable[[int], int]:
        store = api.Store(engine)
        run = api.Instance(store, module, []).exports(store)["run"]
        return lambda n: run(store, n)

    return make


def measure(make: Callable[[], Callable[[int], int]], prog: Program, n: int, threads: int,
            repeat: int) -> tuple[float, float]:
    """Best wall times of ``threads`` runs one after the other, and on ``threads`` threads."""
    runs = [make() for _ in range(threads)]
    expected = prog.expected(n)

    def check(got: int) -> None:
        if expected is not None and to_i32(got) != expected:
            raise SystemExit(f"{prog.name}: run({n}) returned {got}, expected {expected}")

    def sequential() -> None:
        for run in runs:
            check(run(n))

    def parallel() -> None:
        errors: list[BaseException] = []

        def body(run: Callable[[int], int]) -> None:
            try:
                check(run(n))
            except BaseException as exc:  # noqa: BLE001 - re-raised on the main thread
                errors.append(exc)

        workers = [threading.Thread(target=body, args=(run,)) for run in runs]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if errors:
            raise errors[0]

    def best(fn: Callable[[], None]) -> float:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    runs[0](0)
    return best(sequential), best(parallel)


GUEST = Path(__file__).resolve().parents[1] / "examples" / "threads.wat"
PRIVATE = 1024          # threads.wat's private counters: 1024 + 64 * i
#: The name of the counter table's section of BENCHMARKS.md (``report.write_section``).
SECTION = "threads-counter"


def counter_times(threads: int, total: int, work: int, repeat: int,
                  private: bool = False) -> tuple[float, float, float, list[float]]:
    """Best wall times of ``total`` shared-counter increments on one thread and split over
    ``threads`` threads (the counter is checked to end exact every time), and the CPU
    times of the one thread and of each of the threads in the split run of best wall time.

    ``private``: each thread increments a counter of its own, a cache line apart
    (``count_at``), with the same atomics and work; their sum is checked."""
    import wasmrt

    config = wasmrt.Config()
    config.wasm_threads = True
    config.release_gil = True
    engine = wasmrt.Engine(config)
    module = wasmrt.Module(engine, GUEST.read_text())

    def once(n: int) -> tuple[float, list[float]]:
        memory = wasmrt.SharedMemory(engine, wasmrt.MemoryType(wasmrt.Limits(1, 1), shared=True))
        calls = []
        cpu: list[float] = []
        for _ in range(n):
            store = wasmrt.Store(engine)
            count = wasmrt.Instance(store, module, [memory]).exports(store)["count_at"]
            calls.append((store, count))

        def body(store: Any, count: Any, addr: int) -> None:
            t0 = time.thread_time()
            count(store, total // n, work, addr)
            cpu.append(time.thread_time() - t0)

        workers = [threading.Thread(target=body, args=(*call, PRIVATE + 64 * i if private else 0))
                   for i, call in enumerate(calls)]
        t = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - t
        view = memory.view(0, PRIVATE + 64 * n)
        got = (sum(int.from_bytes(view[PRIVATE + 64 * i:PRIVATE + 64 * i + 4], "little")
                   for i in range(n)) if private else int.from_bytes(view[0:4], "little"))
        if got != total // n * n:
            raise SystemExit(f"counter {got}, expected {total // n * n}")
        return elapsed, sorted(cpu)

    once(threads)                                       # warm up
    one, one_cpu = min(once(1) for _ in range(repeat))
    many, many_cpu = min(once(threads) for _ in range(repeat))
    return one, many, one_cpu[0], many_cpu


def counter_table(threads: int, total: int, works: list[int], repeat: int,
                  private: bool) -> str:
    """The markdown table of ``counter_times`` for each work setting (and its private
    control when ``private``), with the load average before each row."""
    lines = [(f"shared counter: {total} i32.atomic.rmw.add in all, 1 thread vs {threads}; "
             f"best of {repeat} (wall); CPU s per thread"), "",
             ("| counter | work per increment | load avg | 1 thread s | threaded s | speed-up "
             "| 1 thread CPU s | threads' CPU s | CPU-time speed-up |"),
             "|---|---|---|---|---|---|---|---|---|"]
    for work in works:
        for own in (False, True) if private else (False,):
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
            one, many, one_cpu, many_cpu = counter_times(threads, total, work, repeat, own)
            cpus = ", ".join(f"{c:.3f}" for c in many_cpu)
            lines.append(f"| {'private' if own else 'shared'} | {work} | {load:.1f} "
                         f"| {one:.3f} | {many:.3f} | {one / many:.2f}x "
                         f"| {one_cpu:.3f} | {cpus} | {one_cpu / max(many_cpu):.2f}x |")
    return "\n".join(lines) + "\n"


def _variants() -> list[tuple[str, Any, bool]]:
    import wasmrt

    out: list[tuple[str, Any, bool]] = [("wasmrt", wasmrt, False),
                                        ("wasmrt release_gil", wasmrt, True)]
    try:
        out.append(("wasmtime", importlib.import_module("wasmtime"), False))
    except ImportError:
        pass
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the table of sequential and threaded times."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_threads")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--programs", default=",".join(DEFAULT_PROGRAMS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=float, default=0.25, help="fraction of each n")
    parser.add_argument("--counter", action="store_true", help="the shared-counter workload")
    parser.add_argument("--total", type=int, default=3_000_000)
    parser.add_argument("--work", default="0,8", help="work rounds per increment (list)")
    parser.add_argument("--private", action="store_true",
                        help="also the control: each thread its own counter")
    parser.add_argument("--write", metavar="PATH", help="put the counter table into this "
                        "markdown file (BENCHMARKS.md), replacing its earlier one")
    args = parser.parse_args(argv)
    if args.counter:
        table = counter_table(args.threads, args.total, [int(w) for w in args.work.split(",")],
                              args.repeat, args.private)
        print(table, end="")
        if args.write:
            command = ("python -m benchmarks.bench_threads --counter --work "
                       f"{args.work} --repeat {args.repeat}" + (" --private" if args.private else ""))
            write_section(Path(args.write), SECTION, f"""## One shared counter on two threads

`{command}` (the threads proposal, issue 20's workload): {args.total:,}
`i32.atomic.rmw.add` increments of one counter in a shared memory, done by one thread, then
split over {args.threads} threads, each with its own Store and instance of
`examples/threads.wat` (`release_gil`); before each increment, `work` rounds of a private
xorshift. The "private" rows are the control: the same loop, each thread incrementing a
counter of its own a cache line apart. CPU-time speed-up: one thread's CPU time over the
larger of the threads' (`time.thread_time`), what the threads cost each other.

{table}""")
        return 0
    if bench_dir() is None:
        print("benchmark programs not found (../shared/bench)", file=sys.stderr)
        return 2
    programs = {p.name: p for p in load_programs()}
    print(f"{args.threads} threads, each one run(n * {args.scale}) on its own Store; "
          f"best of {args.repeat}")
    print("| program | runtime | sequential s | threaded s | speed-up |")
    print("|---|---|---|---|---|")
    for name in args.programs.split(","):
        prog = programs[name]
        n = max(int(prog.n * args.scale), 1)
        for label, api, release in _variants():
            seq, par = measure(runner(api, release, prog), prog, n, args.threads, args.repeat)
            print(f"| {name} | {label} | {seq:.3f} | {par:.3f} | {seq / par:.2f}x |")
    return 0


class Threads:
    """asv: two threads running ``fib`` on their own Stores, GIL released."""

    timeout = 300

    def setup(self) -> None:
        prog = {p.name: p for p in load_programs()}["fib"]
        self.prog = prog
        self.make = runner(importlib.import_module("wasmrt"), True, prog)
        self.n = max(prog.n // 10, 1)

    def time_two_threads(self) -> None:
        measure(self.make, self.prog, self.n, 2, 1)


if __name__ == "__main__":
    sys.exit(main())
