"""asv suite, phase *execute*: ``run(n)`` of every program on wasmrt and the installed peers.

``n`` is a tenth of ``benchmarks.json``'s ``n`` (0.1-0.3 s on wasm3), so asv's repeats stay
affordable; the instance is created in ``setup`` and reused (``run`` re-initialises its state).
pywasm is left out: even ``n_small`` takes seconds.
"""

from __future__ import annotations

from typing import ClassVar

from benchmarks.programs import bench_dir, load_programs
from benchmarks.runtimes import available_runtimes, get_runtime

RUNTIMES = ["wasmrt", "wasm3", "wasmtime"]
_PROGRAMS = {p.name: p for p in load_programs()} if bench_dir() else {}


class Execute:
    """Time of ``run(n // 10)`` per program and runtime."""

    params: ClassVar = (list(_PROGRAMS), RUNTIMES)
    param_names: ClassVar = ["program", "runtime"]
    timeout = 300

    def setup(self, program: str, runtime: str) -> None:
        if program not in _PROGRAMS or runtime not in available_runtimes([runtime]):
            raise NotImplementedError(f"{runtime} or the benchmark programs are not installed")
        prog = _PROGRAMS[program]
        self.n = max(prog.n // 10, 1)
        self.instance = get_runtime(runtime).load(prog.wasm())
        self.instance.call("run", 0)

    def time_run(self, program: str, runtime: str) -> None:
        self.instance.call("run", self.n)
