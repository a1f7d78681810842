"""asv suite, phase *instantiate*: a fresh instance of an already compiled program.

Measures allocation of memories/tables/globals, data and element segments and import
resolution (wasm3 parses and loads here, it has no separate compile step).
"""

from __future__ import annotations

from typing import Any, ClassVar

from benchmarks.programs import bench_dir, load_programs, micro_path
from benchmarks.runtimes import HostFunc, available_runtimes, get_runtime

RUNTIMES = ["wasmrt", "wasm3", "wasmtime", "pywasm"]
_PROGRAMS = {p.name: p.path for p in load_programs()} if bench_dir() else {}
if bench_dir():
    _PROGRAMS["micro-hostcall"] = micro_path("hostcall")
_HOST: dict[tuple[str, str], HostFunc] = {("env", "h"): (("i32",), ("i32",), lambda x: x + 1)}


class Instantiate:
    """Time of ``instantiate(compiled)`` per program and runtime."""

    params: ClassVar = (list(_PROGRAMS), RUNTIMES)
    param_names: ClassVar = ["program", "runtime"]

    def setup(self, program: str, runtime: str) -> None:
        if program not in _PROGRAMS or runtime not in available_runtimes([runtime]):
            raise NotImplementedError(f"{runtime} or the benchmark programs are not installed")
        self.runtime = get_runtime(runtime)
        self.compiled: Any = self.runtime.compile(_PROGRAMS[program].read_bytes())
        self.host = _HOST if program == "micro-hostcall" else None

    def time_instantiate(self, program: str, runtime: str) -> None:
        self.runtime.instantiate(self.compiled, self.host)
