"""pyperf A/B script: one benchmark program on one runtime.

    python benchmarks/pyperf/bench_program.py --runtime wasmrt --program fib -o before.json
    (change, rebuild)
    python benchmarks/pyperf/bench_program.py --runtime wasmrt --program fib -o after.json
    python -m pyperf compare_to before.json after.json

``--n`` defaults to a tenth of ``benchmarks.json``'s ``n``; the checksum of every run is checked
when ``n`` is one of the listed sizes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyperf

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.programs import load_programs, to_i32
from benchmarks.runtimes import RUNTIMES, get_runtime


def main() -> None:
    """Parse the pyperf command line and time ``run(n)``."""
    runner = pyperf.Runner()
    runner.argparser.add_argument("--runtime", default="wasmrt", choices=sorted(RUNTIMES))
    runner.argparser.add_argument("--program", default="fib")
    runner.argparser.add_argument("--n", type=int, default=0, help="units of work (default n/10)")
    args = runner.parse_args()
    prog = {p.name: p for p in load_programs()}[args.program]
    n = args.n or max(prog.n // 10, 1)
    instance = get_runtime(args.runtime).load(prog.wasm())
    expected = prog.expected(n)

    def run() -> None:
        got = to_i32(instance.call("run", n))
        if expected is not None and got != expected:
            raise SystemExit(f"{args.program}: run({n}) returned {got}, expected {expected}")

    runner.bench_func(f"{args.program}-{args.runtime}-n{n}", run)


if __name__ == "__main__":
    main()
