"""``python -m benchmarks.simd``: the SIMD kernel, SIMD build vs scalar build, per runtime."""

from __future__ import annotations

import argparse
import sys
import time

from ..runtimes import available_runtimes, get_runtime
from . import BUILDS, DEFAULT_N


def measure(runtime_name: str, n: int, repeat: int) -> dict[str, tuple[float, int]]:
    """Best time of ``run(n)`` and its checksum for each build on one runtime."""
    runtime = get_runtime(runtime_name)
    out = {}
    for build, path in BUILDS.items():
        inst = runtime.load(path.read_bytes())
        inst.call("run", 0)
        best, result = float("inf"), 0
        for _ in range(repeat):
            t = time.perf_counter()
            result = inst.call("run", n)
            best = min(best, time.perf_counter() - t)
        out[build] = (best, result)
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 if any checksum differs between builds or runtimes."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.simd", description=__doc__)
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="units of work (passes)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell (best kept)")
    parser.add_argument("--runtimes", default="wasmrt,wasmtime")
    args = parser.parse_args(argv)
    names = available_runtimes(args.runtimes.split(","))
    if not names:
        print("no runtime available", file=sys.stderr)
        return 2
    print(f"SIMD kernel, run({args.n}): best of {args.repeat}, seconds\n")
    print("| runtime | simd128 build | scalar build | scalar / simd128 |")
    print("| --- | ---: | ---: | ---: |")
    checksums = set()
    for name in names:
        res = measure(name, args.n, args.repeat)
        (ts, cs), (tv, cv) = res["simd128"], res["scalar"]
        checksums |= {cs, cv}
        print(f"| {name} | {ts:.4f} | {tv:.4f} | {tv / ts:.2f}x |")
    if len(checksums) != 1:
        print(f"\nchecksum mismatch: {sorted(checksums)}", file=sys.stderr)
        return 1
    print(f"\nchecksum {checksums.pop()} (all runs agree)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
