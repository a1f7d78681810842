"""Scale: N Stores on N threads, each running a benchmark program, in parallel.

One compiled Module is shared; every thread has its own Store and Instance and calls
``run(n)`` once.  The table gives the wall time of N threads against one thread doing the
same N runs one after the other (speed-up = sequential / threaded), for wasmrt with and
without ``Config.release_gil`` and for wasmtime-py (whose ctypes calls release the GIL)
when installed.  Every checksum is checked.

    python -m benchmarks.bench_threads [--threads 2] [--programs fib,sieve] [--repeat 3]

``Threads`` is the asv form (wasmrt with ``release_gil``, two threads).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from benchmarks.programs import Program, bench_dir, load_programs, to_i32

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
    args = parser.parse_args(argv)
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
