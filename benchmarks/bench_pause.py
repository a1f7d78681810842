"""Paused guests: the targets of ``call_async`` and of snapshots, measured.

* ``sleepers``: 20 guests (one Store each) on one event loop, each awaiting three 50 ms
  host sleeps through an async host function: the wall time of all of them (target: well
  under 0.6 s; the sleeps one after the other would take 3 s).
* ``ticker``: a 10 ms ticker task beside a guest computing for about a second under
  ``call_async``: how many ticks it got and its largest gap; the same computation called
  synchronously, for the cost of yielding.  Once per ``Config.strategy``: the default
  "auto" (the loop moves to machine code while it runs, and yields from there) and
  "interpreter".
* ``cpython``: CPython for WASI running ``print(...)`` to exit: a cold start (a new Store,
  instantiation and ``_start``; the module compiled once) against ``PythonSandbox.run``
  (a resume of the snapshot taken at CPython's first read of stdin, in a fresh Store, and
  the run to exit), and the restore alone (what happens before the guest runs); medians
  (target: 10x faster than the cold start, under 20 ms).
* ``isolation``: sandbox runs that each look for what an earlier run left (a builtin, a
  module in ``sys.modules``, an environment variable, a file) and then leave it: how many
  runs saw anything (target: none).

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

# a xorshift generator: no closed form for LLVM to fold the loop into
SPIN_WAT = """(module
  (func (export "spin") (param $n i64) (result i64)
    (local $i i64) (local $x i64)
    (local.set $x (i64.const 88172645463325252))
    (loop $l
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
      (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    local.get $x))"""

PRINT_CODE = "print('hello from the sandbox', 6 * 7)"

# What an earlier run may have left behind, then leave it for the next run.
ISOLATION_CODE = """
import builtins, os, sys, types
seen = [getattr(builtins, "LEFT", None), "left_module" in sys.modules, os.environ.get("LEFT")]
try:
    seen.append(open("/tmp/left").read())
except OSError:
    seen.append(None)
builtins.LEFT = 1
sys.modules["left_module"] = types.ModuleType("left_module")
os.environ["LEFT"] = "1"
try:
    open("/tmp/left", "w").write("1")
except OSError:
    pass
print(seen)
"""


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


def ticker(n: int, strategy: str = "auto") -> dict[str, float]:
    """A 10 ms ticker task beside ``spin(n)`` under call_async; ``spin(n)`` called alone
    (on an Engine of ``Config.strategy`` ``strategy``)."""
    config = wasmrt.Config()
    config.strategy = strategy
    engine = wasmrt.Engine(config)
    module = wasmrt.Module(engine, SPIN_WAT)
    store = wasmrt.Store(engine)
    spin = wasmrt.Instance(store, module, []).exports(store)["spin"]
    expected = spin(store, n)       # (under "auto", the loop moves to machine code here)
    if strategy == "auto":
        from wasmrt import _native

        _native.wait_idle(60)       # its compilation finished
    began = time.perf_counter()
    if spin(store, n) != expected:
        raise SystemExit("ticker: wrong result")
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
    leaks = 0
    for _ in range(runs):
        result = sandbox.run(ISOLATION_CODE)
        if not result.ok:
            raise SystemExit(f"isolation run gave {result!r}")
        leaks += result.stdout != b"[None, False, None, None]\n"
    return {"cold_s": statistics.median(cold), "resume_s": statistics.median(resumes),
            "resume_min_s": min(resumes), "restore_s": statistics.median(restores),
            "startup_s": sandbox.startup_time or 0.0, "memory_bytes": memory,
            "speedup": statistics.median(cold) / statistics.median(resumes),
            "isolation_runs": runs, "isolation_leaks": leaks}


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

    for strategy in ("auto", "interpreter"):
        n = args.spin
        if not n:           # calibrate: about a second of computing
            n = 2_000_000
            while True:
                t = ticker(n, strategy)
                if t["sync_compute_s"] >= 0.25:
                    break
                n *= 4
            n = int(n / t["sync_compute_s"])
        t = ticker(n, strategy)
        print(f"ticker ({strategy}): guest computing {t['compute_s']:.2f} s under call_async "
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
    print(f"isolation: {c['isolation_leaks']} of {c['isolation_runs']} sandbox runs saw "
          f"state an earlier run left (a builtin, a module, an environment variable, a file)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
