"""Host-boundary costs, side by side with wasmtime-py and pywasm3 (when installed).

* ``identity``: one Python -> wasm call of ``id(i32) -> i32`` (micro-identity.wasm)
* ``hostcall``: one wasm -> Python call, from ``loop(n)`` calling import ``env.h``
  n times (micro-hostcall.wasm), per call
* ``instantiate``: a new Store + Instance of the already compiled micro-identity module
* ``mem-write`` / ``mem-read``: copying 1 MiB into / out of an exported memory
  (micro-memory.wasm)

Run ``python -m benchmarks.bench_host`` for a table of times and ratios against wasmrt;
the ``Host`` class is the asv form of the same measurements.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, ClassVar

from benchmarks.programs import bench_dir, micro_path
from benchmarks.runtimes import HostFunc, available_runtimes, get_runtime

RUNTIMES = ["wasmrt", "wasmtime", "wasm3"]
CASES = ["identity", "hostcall", "instantiate", "mem-write", "mem-read"]
MIB = 1 << 20
_HOST: dict[tuple[str, str], HostFunc] = {("env", "h"): (("i32",), ("i32",), lambda x: x + 1)}


def _read_memory(runtime: str, inst: Any) -> bytes | bytearray:
    """A copy of 1 MiB of the exported memory, through each runtime's own API (one copy
    each: ``Memory.read`` returns a new bytearray, pywasm3 gives a view to copy)."""
    if runtime == "wasm3":
        return bytes(inst._rt.get_memory(0)[0:MIB])
    return inst._exports["memory"].read(inst._store, 0, MIB)


class Case:
    """One prepared measurement: ``run(k)`` does ``k`` operations."""

    def __init__(self, runtime: str, case: str):
        rt = get_runtime(runtime)
        self.runtime, self.case = runtime, case
        if case in ("identity", "instantiate"):
            self.compiled = rt.compile(micro_path("identity").read_bytes())
            if case == "identity":
                inst = rt.instantiate(self.compiled)
                self.run: Callable[[int], float] = lambda k: inst.call_loop("id", 5, k)
            else:
                self.run = lambda k: _timed(k, lambda: rt.instantiate(self.compiled))
        elif case == "hostcall":
            inst = rt.load(micro_path("hostcall").read_bytes(), _HOST)
            self.run = lambda k: _timed(1, lambda: inst.call("loop", k))
        else:
            inst = rt.load(micro_path("memory").read_bytes())
            data = bytes(range(256)) * (MIB // 256)
            if case == "mem-write":
                self.run = lambda k: _timed(k, lambda: inst.write_memory(data, 0))
            else:
                inst.write_memory(data, 0)  # touch the pages first: steady-state reads
                self.run = lambda k: _timed(k, lambda: _read_memory(runtime, inst))

    def per_op(self, budget: float = 0.2) -> float:
        """Seconds per operation: the best of 5 runs sized to take about ``budget`` s."""
        k = 1
        while self.run(k) < budget / 10 and k < 1 << 24:
            k *= 4
        return min(self.run(k) for _ in range(5)) / k


def _timed(k: int, op: Callable[[], Any]) -> float:
    t = time.perf_counter()
    for _ in range(k):
        op()
    return time.perf_counter() - t


def measure(runtimes: list[str] | None = None) -> dict[str, dict[str, float]]:
    """``{case: {runtime: seconds per operation}}`` for the installed runtimes."""
    names = available_runtimes(runtimes or RUNTIMES)
    return {case: {rt: Case(rt, case).per_op() for rt in names} for case in CASES}


def _fmt(seconds: float) -> str:
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    return f"{seconds * 1e3:.2f} ms"


def table(results: dict[str, dict[str, float]]) -> str:
    """A markdown table: time per operation, and each peer's time over wasmrt's."""
    names = list(next(iter(results.values())))
    lines = [
        "| case | "
        + " | ".join(names)
        + " | "
        + " | ".join(f"{n}/wasmrt" for n in names if n != "wasmrt")
        + " |"
    ]
    lines.append("|---" * (1 + 2 * len(names) - 1) + "|")
    for case, row in results.items():
        base = row.get("wasmrt")
        ratios = [f"{row[n] / base:.1f}x" if base else "-" for n in names if n != "wasmrt"]
        lines.append(
            f"| {case} | "
            + " | ".join(_fmt(row[n]) for n in names)
            + " | "
            + " | ".join(ratios)
            + " |"
        )
    return "\n".join(lines)


class Host:
    """asv suite: the host-boundary costs per runtime."""

    params: ClassVar = (CASES, RUNTIMES)
    param_names: ClassVar = ["case", "runtime"]

    def setup(self, case: str, runtime: str) -> None:
        if bench_dir() is None or runtime not in available_runtimes([runtime]):
            raise NotImplementedError(f"{runtime} or the benchmark programs are not installed")
        self.bench = Case(runtime, case)

    def time_op(self, case: str, runtime: str) -> None:
        self.bench.run(1000 if case in ("identity", "hostcall") else 10)


def main(argv: list[str] | None = None) -> None:
    """Print the table for the runtimes named on the command line (default: all)."""
    args = sys.argv[1:] if argv is None else argv
    print(table(measure(args or None)))


if __name__ == "__main__":
    main()
