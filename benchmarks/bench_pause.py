"""Paused guests (issue 21): the targets of ``call_async`` and of snapshots, measured.

* ``sleepers``: 20 guests (one Store each) on one event loop, each awaiting three 50 ms
  host sleeps through an async host function: the wall time of all of them (target: well
  under 0.6 s; the sleeps one after the other would take 3 s).
* ``ticker``: a 10 ms ticker task beside a guest computing for about a second under
  ``call_async``: how many ticks it got and its largest gap; the same computation called
  synchronously, for the cost of yielding.
* ``cpython``: CPython for WASI running ``print(...)`` to exit: a cold start (a new Store,
  instantiation and ``_start``; the module compiled once) against ``PythonSandbox.run``
  (a resume of the snapshot taken at CPython's first read of stdin, in a fresh Store, and
  the run to exit), and the restore alone (what happens before the guest runs); medians
  (target: 10x faster than the cold start, under 20 ms).

    python -m benchmarks.bench_pause [--runs 30] [--cold 5] [--guests 20]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time
from typing import Any

import wasmrt

SLEEPERS_WAT = """(module
  (import "env" "sleep" (func $sleep (param i32) (result i32)))
  (func (export "run") (result i32)
    (i32.add (call $sleep (i32.const 1))
      (i32.add (call $sleep (i32.const 2)) (call $sleep (i32.const 3))))))"""

SPIN_WAT = """(module
  (func (export "spin") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $i) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    local.get $acc))"""

PRINT_CODE = "print('hello from the sandbox', 6 * 7)"


def sleepers(guests: int = 20, sleep_s: float = 0.05) -> float:
    """Wall time of ``guests`` guests each awaiting three ``sleep_s``-second host sleeps."""
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, SLEEPERS_WAT)
    linker = wasmrt.Linker(engine)

    async def sleep(x: int) -> int:
        await asyncio.sleep(sleep_s)
        return x

    i32 = wasmrt.ValType.i32()
    linker.define_func("env", "sleep", wasmrt.FuncType([i32], [i32]), sleep)

    async def guest() -> int:
        store = wasmrt.Store(engine)
        run = linker.instantiate(store, module).exports(store)["run"]
        return int(await run.call_async(store))

    async def main() -> float:
        began = time.perf_counter()
        results = await asyncio.gather(*[guest() for _ in range(guests)])
        elapsed = time.perf_counter() - began
        if results != [6] * guests:
            raise SystemExit(f"sleepers: wrong results {results}")
        return elapsed

    return asyncio.run(main())


def ticker(n: int) -> dict[str, float]:
    """A 10 ms ticker task beside ``spin(n)`` under call_async; ``spin(n)`` called alone."""
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, SPIN_WAT)
    store = wasmrt.Store(engine)
    spin = wasmrt.Instance(store, module, []).exports(store)["spin"]
    began = time.perf_counter()
    expected = spin(store, n)
    sync = time.perf_counter() - began

    async def main() -> dict[str, float]:
        ticks: list[float] = []
        guest_done = asyncio.Event()

        async def tick() -> None:
            while not guest_done.is_set():
                await asyncio.sleep(0.01)
                ticks.append(time.perf_counter())

        task = asyncio.create_task(tick())
        await asyncio.sleep(0.02)
        began = time.perf_counter()
        result = await spin.call_async(store, n)
        ended = time.perf_counter()
        guest_done.set()
        await task
        if result != expected:
            raise SystemExit("ticker: wrong result")
        during = [began] + [t for t in ticks if began <= t <= ended] + [ended]
        gaps = [b - a for a, b in itertools.pairwise(during)]
        return {"compute_s": ended - began, "sync_compute_s": sync,
                "ticks": len(during) - 2, "median_gap_ms": 1e3 * statistics.median(gaps),
                "max_gap_ms": 1e3 * max(gaps)}

    return asyncio.run(main())


def cpython(runs: int, cold_runs: int) -> dict[str, Any]:
    """CPython for WASI: cold starts against sandbox resumes, ``print`` to exit."""
    from wasmrt.sandbox import PythonSandbox, default_module_path

    sandbox = PythonSandbox()
    engine = sandbox.engine
    module = wasmrt.Module.from_file(engine, default_module_path())
    linker = wasmrt.Linker(engine)
    linker.define_wasi()
    expected = b"hello from the sandbox 42\n"
    cold = []
    for _ in range(cold_runs):
        out: list[bytes] = []
        config = wasmrt.WasiConfig()
        config.argv = ["python", "-c", PRINT_CODE]
        config.stdout = out.append
        began = time.perf_counter()
        store = wasmrt.Store(engine)
        store.set_wasi(config)
        try:
            linker.instantiate(store, module).exports(store)["_start"](store)
        except wasmrt.ExitTrap as exc:
            if exc.code:
                raise
        cold.append(time.perf_counter() - began)
        if b"".join(out) != expected:
            raise SystemExit(f"cold start printed {out!r}")
    sandbox._module = module                  # (the module compiled above)
    snapshot = sandbox.start()
    resumes = []
    for _ in range(runs):
        began = time.perf_counter()
        result = sandbox.run(PRINT_CODE)
        resumes.append(time.perf_counter() - began)
        if result.stdout != expected or not result.ok:
            raise SystemExit(f"sandbox run gave {result!r}")
    restores = []
    for _ in range(runs):
        store = wasmrt.Store(engine)
        began = time.perf_counter()
        call = snapshot._restore(store)
        restores.append(time.perf_counter() - began)
        call.abort()
    memory = sum(m.nbytes for m in snapshot._memories)
    return {"cold_s": statistics.median(cold), "resume_s": statistics.median(resumes),
            "resume_min_s": min(resumes), "restore_s": statistics.median(restores),
            "startup_s": sandbox.startup_time or 0.0, "memory_bytes": memory,
            "speedup": statistics.median(cold) / statistics.median(resumes)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="sandbox runs (median)")
    parser.add_argument("--cold", type=int, default=5, help="cold CPython starts (median)")
    parser.add_argument("--guests", type=int, default=20)
    parser.add_argument("--spin", type=int, default=0,
                        help="loop iterations of the computing guest (default: ~1 s)")
    args = parser.parse_args(argv)

    elapsed = min(sleepers(args.guests) for _ in range(3))
    print(f"sleepers: {args.guests} guests x three 50 ms host sleeps: {elapsed:.3f} s "
          f"(best of 3; one after the other: {args.guests * 0.15:.1f} s)")

    n = args.spin
    if not n:           # calibrate: about a second of computing
        t = ticker(2_000_000)
        n = int(2_000_000 / max(t["sync_compute_s"], 1e-3))
    t = ticker(n)
    print(f"ticker: guest computing {t['compute_s']:.2f} s under call_async "
          f"({t['sync_compute_s']:.2f} s called synchronously): the 10 ms ticker ticked "
          f"{t['ticks']} times, median gap {t['median_gap_ms']:.1f} ms, "
          f"max gap {t['max_gap_ms']:.1f} ms")

    try:
        c = cpython(args.runs, args.cold)
    except wasmrt.WasmtimeError as exc:
        print(f"cpython: skipped ({exc})")
        return 0
    print(f"cpython: cold start print() to exit {1e3 * c['cold_s']:.0f} ms (median of "
          f"{args.cold}); sandbox resume + run to exit {1e3 * c['resume_s']:.1f} ms (median "
          f"of {args.runs}, min {1e3 * c['resume_min_s']:.1f}): {c['speedup']:.0f}x faster; "
          f"restore before the guest runs {1e3 * c['restore_s']:.2f} ms "
          f"({c['memory_bytes'] / (1 << 20):.0f} MiB of memory, mapped copy-on-write); "
          f"start-up + snapshot once {c['startup_s']:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
