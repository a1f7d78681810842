"""The SIMD benchmark: one C kernel built with and without ``-msimd128`` (see ``simd.c``).

``python -m benchmarks.simd [--n N] [--repeat R] [--runtimes wasmrt,wasmtime]`` times
``run(n)`` of both builds on each available runtime, checks that every run returns the
same checksum, and prints a markdown table.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILDS = {"simd128": HERE / "simd.wasm", "scalar": HERE / "simd-scalar.wasm"}
#: Expected checksums of run(n) (both builds agree; checked under wasmtime).
CHECKSUMS = {0: -2128831035, 1: 743417594, 10: -2030902819, 300: 1963439906}
DEFAULT_N = 300
