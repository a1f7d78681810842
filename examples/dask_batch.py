"""A batch of wasm jobs on Dask: compiled Modules and a CPython snapshot shipped to workers.

    python examples/dask_batch.py [--jobs 8] [--sandbox-jobs 4] [--program fib] [--small]
        [--strategy interpreter]
    python examples/dask_batch.py --scheduler tcp://HOST:8786     # an existing cluster

The batch: ``--jobs`` runs of a CPU-heavy program of ``../shared/bench`` (``run(n)`` in a
fresh Store and Instance of a compiled ``wasmrt.Module``; its checksum checked against
``benchmarks.json``), and ``--sandbox-jobs`` runs of CPU-heavy Python code in
``wasmrt.sandbox.PythonSandbox`` (a fresh resume of the CPython snapshot; its output
checked against the same code run by this Python).  The Module and the started sandbox
pickle (the Module serialized, the sandbox with its snapshot: no compile and no CPython
start-up on the workers), and are sent to every worker once (``Client.scatter(...,
broadcast=True)``); the jobs refer to them.

Without ``--scheduler``, a ``distributed.LocalCluster`` of one worker process runs the
batch, then one of two; the last line is

    DASK: N jobs, 1 worker T1 s, 2 workers T2 s

(T: the batch, from its first job sent to its last result; the workers hold the Module
and the sandbox then: shipping them, timed apart, is a one-off).

``--strategy`` is the Engine's ``Config.strategy`` (the pickled Module and sandbox carry
it to the workers).  The default is "interpreter": with "auto" every worker process tiers
up and compiles the same hot functions again, so on a short batch two workers pay that
compile twice on the same cores (measured on 2 idle cores: auto 8.1 s with one worker,
14.0 s with two; interpreter 12.3 s and 6.5 s).  Long jobs gain from "auto".  With ``--scheduler``,
the batch runs once on that cluster, whose workers need the same wasmrt build (``pip
install 'wasmrt[dask]'``; CPython for WASI travels in the snapshot).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from dask.distributed import Client, LocalCluster

import wasmrt
from wasmrt.sandbox import PythonSandbox

# CPU-heavy Python (``{k}``: 1,000 for the batch, 10 for a quick one), each program's
# output checked against this Python running it
SANDBOX_CODE = [
    "print(sum(i * i % 7 for i in range(200 * {k})))",
    ("import hashlib\nh = b''\nfor i in range(20 * {k}):\n    h = hashlib.sha256(h).digest()\n"
     "print(h.hex())"),
    ("primes = [p for p in range(2, 20 * {k}) if all(p % d for d in range(2, int(p ** 0.5) + 1))]\n"
     "print(len(primes), primes[-1])"),
    ("import json\ndata = [{{'id': i, 'tags': [str(i % 7)] * 3}} for i in range(5 * {k})]\n"
     "print(len(json.dumps(data)), json.loads(json.dumps(data))[-1])"),
]


def bench_dir() -> Path:
    """``$WASMRT_BENCH_DIR``, else ``shared/bench`` beside the checkout (or its parent)."""
    if os.environ.get("WASMRT_BENCH_DIR"):
        return Path(os.environ["WASMRT_BENCH_DIR"])
    root = Path(__file__).resolve().parents[1]
    for parent in (root.parent, root.parent.parent):
        if (parent / "shared" / "bench" / "benchmarks.json").is_file():
            return parent / "shared" / "bench"
    raise SystemExit("benchmark programs not found: set WASMRT_BENCH_DIR")


def program(name: str, small: bool) -> tuple[bytes, int, int]:
    """The wasm of program ``name``, its ``n`` (or ``n_small``) and the checksum of run(n)."""
    directory = bench_dir()
    manifest = json.loads((directory / "benchmarks.json").read_text())
    for entry in manifest["benchmarks"]:
        if entry["name"] == name:
            wasm = (directory / manifest["wasm_dir"] / entry["file"]).read_bytes()
            if small:
                return wasm, entry["n_small"], entry["checksum_small"]
            return wasm, entry["n"], entry["checksum"]
    raise SystemExit(f"no program {name!r} in {directory / 'benchmarks.json'}")


def expected_output(code: str) -> str:
    """What ``code`` prints, run by this Python."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<expected>", "exec"), {"__name__": "__main__"})  # noqa: S102
    return out.getvalue()


# ---- the jobs (run on the workers) ----

def run_program(module: wasmrt.Module, n: int) -> int:
    """``run(n)`` of ``module`` in a fresh Store and Instance: its checksum."""
    store = wasmrt.Store(module.engine)
    run = wasmrt.Instance(store, module, []).exports(store)["run"]
    return int(run(store, n))


def run_sandbox(sandbox: PythonSandbox, code: str) -> tuple[str, str, int | None, str | None]:
    """``code`` in a fresh resume of the sandbox's snapshot: stdout, stderr, exit code,
    error."""
    r = sandbox.run(code)
    return r.stdout.decode(), r.stderr.decode(), r.exit_code, r.error


def held(dask_future: Any) -> None:
    """A job that only makes sure its worker holds (has unpickled) a shipped object."""


def run_batch(client: Client, module: wasmrt.Module, n: int, checksum: int, jobs: int,
              sandbox: PythonSandbox | None, codes: list[str],
              expected: list[str]) -> tuple[float, float]:
    """Ship the Module (and the sandbox) to every worker, then run the batch and check
    every result: the seconds of each."""
    began = time.perf_counter()
    shipped = client.scatter(module, broadcast=True)
    box = client.scatter(sandbox, broadcast=True) if sandbox is not None and codes else None
    workers = list(client.scheduler_info()["workers"])
    client.gather([client.submit(held, thing, workers=[w], pure=False)
                   for w in workers for thing in (shipped, box) if thing is not None])
    ship = time.perf_counter() - began
    began = time.perf_counter()
    # the longer jobs (the sandbox runs) first, so that none is left alone at the end
    boxed = [client.submit(run_sandbox, box, code, pure=False, priority=1) for code in codes]
    futures = [client.submit(run_program, shipped, n, pure=False) for _ in range(jobs)]
    results = client.gather(futures + boxed)
    took = time.perf_counter() - began
    for i, result in enumerate(results[:jobs]):
        if result != checksum:
            raise SystemExit(f"job {i}: checksum {result}, expected {checksum}")
    for code, want, (stdout, stderr, exit_code, error) in zip(codes, expected, results[jobs:]):
        if (stdout, exit_code, error) != (want, 0, None):
            raise SystemExit(f"sandbox job {code[:40]!r}: {stdout!r} {exit_code} {error} "
                             f"{stderr[-500:]}, expected {want!r}")
    return ship, took


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=8, help="runs of the program")
    parser.add_argument("--sandbox-jobs", type=int, default=4, help="sandbox runs")
    parser.add_argument("--program", default="fib", help="a program of ../shared/bench")
    parser.add_argument("--small", action="store_true",
                        help="a quick batch: run(n_small), sandbox code 100x smaller")
    parser.add_argument("--strategy", default="interpreter", choices=["auto", "interpreter"],
                        help="wasmrt's Config.strategy on the workers (auto: LLVM tier-up)")
    parser.add_argument("--scheduler", help="an existing Dask scheduler's address")
    parser.add_argument("--write", metavar="PATH",
                        help="put the result into this markdown file (BENCHMARKS.md)")
    args = parser.parse_args(argv)

    wasm, n, checksum = program(args.program, args.small)
    config = wasmrt.Config()
    config.strategy = args.strategy
    engine = wasmrt.Engine(config)
    module = wasmrt.Module(engine, wasm)
    k = 10 if args.small else 1000
    codes = [SANDBOX_CODE[i % len(SANDBOX_CODE)].format(k=k) for i in range(args.sandbox_jobs)]
    sandbox = None
    if codes:
        sandbox = PythonSandbox(engine=engine, timeout=120.0, memory_limit=256 << 20)
        sandbox.start()
    expected = [expected_output(code) for code in codes]
    total = args.jobs + len(codes)
    print(f"batch: {args.jobs} x {args.program} run({n}), {len(codes)} sandbox runs",
          flush=True)

    if args.scheduler:
        with Client(args.scheduler) as client:
            workers = len(client.scheduler_info()["workers"])
            ship, took = run_batch(client, module, n, checksum, args.jobs, sandbox, codes,
                                   expected)
        print(f"DASK: {total} jobs on {args.scheduler} ({workers} workers) {took:.2f} s "
              f"(shipping {ship:.2f} s)")
        return
    times, ships = [], []
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            ship, took = run_batch(client, module, n, checksum, args.jobs, sandbox, codes,
                                   expected)
        times.append(took)
        ships.append(ship)
        print(f"{workers} worker(s): shipping the Module and the sandbox {ship:.2f} s, "
              f"the batch {took:.2f} s, every result checked", flush=True)
    if args.write:
        write_result(Path(args.write), argv, args, n, len(codes), times, ships)
    print(f"DASK: {total} jobs, 1 worker {times[0]:.2f} s, 2 workers {times[1]:.2f} s")


def write_result(path: Path, argv: list[str] | None, args: argparse.Namespace, n: int,
                 sandbox_jobs: int, times: list[float], ships: list[float]) -> None:
    """The batch's section of BENCHMARKS.md (``benchmarks.report``)."""
    from benchmarks.report import write_section

    options = " ".join(a for a in (sys.argv[1:] if argv is None else argv)
                       if not a.startswith("--write") and a != args.write)
    text = f"""## Wasm jobs on Dask

`python examples/dask_batch.py{" " + options if options else ""}` (load average {os.getloadavg()[0]:.1f}
on the {os.cpu_count()} cores at the end): {args.jobs} runs of `{args.program}` `run({n})`
(a fresh Store each, on a shipped Module) and {sandbox_jobs} Python programs (a fresh resume
each of a shipped PythonSandbox snapshot), every result checked, on a `distributed.LocalCluster`
of one worker process, then two (one thread each), Config.strategy "{args.strategy}". Shipping: sending the Module and the
sandbox (its snapshot, ~70 MB pickled) to every worker, before the batch.

| workers | batch (s) | speed-up | shipping (s) |
|---|---|---|---|
| 1 | {times[0]:.2f} | 1.00 | {ships[0]:.2f} |
| 2 | {times[1]:.2f} | {times[0] / times[1]:.2f} | {ships[1]:.2f} |
"""
    write_section(path, "dask", text)


if __name__ == "__main__":
    sys.exit(main())
