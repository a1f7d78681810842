"""Each runtime the benchmarks compare, behind one small interface.

``RUNTIMES`` maps a short name to an adapter class: ``wasmrt`` (the default
``Config``: strategy ``"auto"``, tiering up to machine code), ``wasmrt-interp`` and
``wasmrt-native`` (one column per ``Config.strategy``) and ``wasmtime`` (wasmtime-py)
share the wasmtime-py API; ``wasm3`` is pywasm3 (``import wasm3``), the
fastest C interpreter and the baseline of the ratios; ``pywasm`` is a pure-Python
interpreter, so slow that it runs each program at ``n_small`` (see ``Runtime.slow``).
Peers are optional (the ``bench`` extra): ``available()`` says whether one is installed.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import io
import time
from collections.abc import Callable
from typing import Any

__all__ = ["RUNTIMES", "HostFunc", "Instance", "Runtime", "available_runtimes", "get_runtime"]

# A host function: ``(module, name) -> (param types, result types, callable)``; types are
# "i32", "i64", "f32", "f64".  Only what the micro-benchmarks need.
HostFunc = tuple[tuple[str, ...], tuple[str, ...], Callable[..., Any]]


class Instance:
    """An instantiated program: call exports, write its memory, time a call loop."""

    def call(self, name: str, *args: int) -> int:
        """Call export ``name`` and return its (single) result."""
        raise NotImplementedError

    def call_loop(self, name: str, arg: int, count: int) -> float:
        """Seconds taken by ``count`` Python-side calls of export ``name`` with ``arg``."""
        raise NotImplementedError

    def write_memory(self, data: bytes, offset: int = 0) -> None:
        """Copy ``data`` into the exported memory at ``offset`` from the host."""
        raise NotImplementedError


class Runtime:
    """One WebAssembly runtime: compile bytes, instantiate with host functions."""

    name = ""
    #: A pure-Python interpreter: benchmarks run it at ``n_small`` and extrapolate.
    slow = False

    @classmethod
    def available(cls) -> bool:
        """Whether the runtime can be imported (and, for wasmrt, runs code)."""
        try:
            cls._import()
        except Exception:  # noqa: BLE001 - any failure means unusable
            return False
        return True

    @classmethod
    def _import(cls) -> Any:
        return importlib.import_module(cls.name)

    @classmethod
    def version(cls) -> str:
        """The installed version, for the results table."""
        try:
            return importlib.metadata.version(cls.dist)
        except importlib.metadata.PackageNotFoundError:
            return getattr(cls._import(), "__version__", "dev")

    dist = ""

    def compile(self, wasm: bytes) -> Any:
        """Decode, validate and (where the runtime does) translate ``wasm``."""
        raise NotImplementedError

    def instantiate(
        self, compiled: Any, host: dict[tuple[str, str], HostFunc] | None = None
    ) -> Instance:
        """Instantiate a compiled module, resolving imports from ``host``."""
        raise NotImplementedError

    def load(self, wasm: bytes, host: dict[tuple[str, str], HostFunc] | None = None) -> Instance:
        """``instantiate(compile(wasm), host)``."""
        return self.instantiate(self.compile(wasm), host)


# -- wasmtime-py API (wasmrt and wasmtime) -----------------------------------------------


class _WasmtimeInstance(Instance):
    def __init__(self, api: Any, store: Any, instance: Any):
        self._store = store
        self._exports = instance.exports(store)

    def call(self, name: str, *args: int) -> int:
        return self._exports[name](self._store, *args)

    def call_loop(self, name: str, arg: int, count: int) -> float:
        f, store = self._exports[name], self._store
        loop = range(count)
        t = time.perf_counter()
        for _ in loop:
            f(store, arg)
        return time.perf_counter() - t

    def write_memory(self, data: bytes, offset: int = 0) -> None:
        self._exports["memory"].write(self._store, data, offset)


class _WasmtimeAPI(Runtime):
    def __init__(self) -> None:
        self.api = self._import()
        self.engine = self.api.Engine()

    def compile(self, wasm: bytes) -> Any:
        return self.api.Module(self.engine, wasm)

    def instantiate(
        self, compiled: Any, host: dict[tuple[str, str], HostFunc] | None = None
    ) -> Instance:
        api = self.api
        store = api.Store(self.engine)
        imports = []
        for imp in compiled.imports:
            params, results, fn = (host or {})[(imp.module, imp.name)]
            ftype = api.FuncType(
                [getattr(api.ValType, t)() for t in params],
                [getattr(api.ValType, t)() for t in results],
            )
            imports.append(api.Func(store, ftype, fn))
        return _WasmtimeInstance(api, store, api.Instance(store, compiled, imports))


class WasmrtRuntime(_WasmtimeAPI):
    """wasmrt itself, through its wasmtime-py compatible API."""

    name = "wasmrt"
    dist = "wasmrt"

    @classmethod
    def _import(cls) -> Any:
        api = importlib.import_module("wasmrt")
        # Usable once the public API and the interpreter are built.
        for attr in ("Engine", "Store", "Module", "Instance", "Func", "FuncType", "ValType"):
            getattr(api, attr)
        return api

    @classmethod
    def version(cls) -> str:
        return getattr(cls._import(), "__version__", None) or "dev (in-place build)"


class _WasmrtStrategy(WasmrtRuntime):
    """wasmrt with one ``Config.strategy`` (the plain ``wasmrt`` column is the default,
    ``"auto"``)."""

    strategy = ""

    @classmethod
    def available(cls) -> bool:
        if not super().available():
            return False
        if cls.strategy == "native":
            from wasmrt import _native

            return _native.available()
        return True

    def __init__(self) -> None:
        self.api = self._import()
        cfg = self.api.Config()
        cfg.strategy = self.strategy
        self.engine = self.api.Engine(cfg)


class WasmrtInterpreter(_WasmrtStrategy):
    """wasmrt with ``Config.strategy = "interpreter"`` (never compiles)."""

    name = "wasmrt-interp"
    strategy = "interpreter"


class WasmrtNative(_WasmrtStrategy):
    """wasmrt with ``Config.strategy = "native"`` (every function compiled first)."""

    name = "wasmrt-native"
    strategy = "native"


class WasmtimeRuntime(_WasmtimeAPI):
    """wasmtime-py: Cranelift-compiled native code (a JIT, not an interpreter)."""

    name = "wasmtime"
    dist = "wasmtime"


# -- pywasm3 -------------------------------------------------------------------------------

_WASM3_SIG = {"i32": "i", "i64": "I", "f32": "f", "f64": "F"}


class _Wasm3Instance(Instance):
    def __init__(self, runtime: Any, module: Any):
        self._rt = runtime
        self._module = module
        self._funcs: dict[str, Any] = {}

    def _func(self, name: str) -> Any:
        if name not in self._funcs:
            self._funcs[name] = self._rt.find_function(name)
        return self._funcs[name]

    def call(self, name: str, *args: int) -> int:
        return self._func(name)(*args)

    def call_loop(self, name: str, arg: int, count: int) -> float:
        f = self._func(name)
        loop = range(count)
        t = time.perf_counter()
        for _ in loop:
            f(arg)
        return time.perf_counter() - t

    def write_memory(self, data: bytes, offset: int = 0) -> None:
        self._rt.get_memory(0)[offset : offset + len(data)] = data


class Wasm3Runtime(Runtime):
    """pywasm3: the wasm3 C interpreter (the baseline of the ratios)."""

    name = "wasm3"
    dist = "pywasm3"
    stack_size = 1 << 20

    def __init__(self) -> None:
        self.api = self._import()
        self.env = self.api.Environment()

    def compile(self, wasm: bytes) -> Any:
        # wasm3 parses here and compiles each function lazily, on its first call.
        return wasm

    def instantiate(
        self, compiled: Any, host: dict[tuple[str, str], HostFunc] | None = None
    ) -> Instance:
        rt = self.env.new_runtime(self.stack_size)
        module = self.env.parse_module(compiled)
        rt.load(module)
        for (mod, name), (params, results, fn) in (host or {}).items():
            sig = "".join(_WASM3_SIG[t] for t in results) or "v"
            sig += "(" + "".join(_WASM3_SIG[t] for t in params) + ")"
            module.link_function(mod, name, sig, fn)
        return _Wasm3Instance(rt, module)


# -- pywasm --------------------------------------------------------------------------------


class _PywasmInstance(Instance):
    def __init__(self, runtime: Any, instance: Any):
        self._rt = runtime
        self._inst = instance

    def call(self, name: str, *args: int) -> int:
        return self._rt.invocate(self._inst, name, list(args))[0]

    def call_loop(self, name: str, arg: int, count: int) -> float:
        rt, inst, args = self._rt, self._inst, [arg]
        loop = range(count)
        t = time.perf_counter()
        for _ in loop:
            rt.invocate(inst, name, args)
        return time.perf_counter() - t

    def write_memory(self, data: bytes, offset: int = 0) -> None:
        self._rt.exported_memory(self._inst, "memory").data[offset : offset + len(data)] = data


def _pywasm_host(fn: Callable[..., Any], has_result: bool) -> Callable[[Any, list[Any]], list[Any]]:
    def host(machine: Any, args: list[Any]) -> list[Any]:
        result = fn(*args)
        return [result] if has_result else []

    return host


class PywasmRuntime(Runtime):
    """pywasm: a pure-Python interpreter (run at ``n_small``, times extrapolated to ``n``)."""

    name = "pywasm"
    dist = "pywasm"
    slow = True

    def __init__(self) -> None:
        self.api = self._import()

    def compile(self, wasm: bytes) -> Any:
        return self.api.core.ModuleDesc.from_reader(io.BytesIO(wasm))

    def instantiate(
        self, compiled: Any, host: dict[tuple[str, str], HostFunc] | None = None
    ) -> Instance:
        core = self.api.core
        rt = core.Runtime()
        for (mod, name), (params, results, fn) in (host or {}).items():
            ftype = core.FuncType(
                [getattr(core.ValType, t)() for t in params],
                [getattr(core.ValType, t)() for t in results],
            )
            rt.imports.setdefault(mod, {})[name] = rt.allocate_func_host(
                ftype, _pywasm_host(fn, bool(results))
            )
        return _PywasmInstance(rt, rt.instance(compiled))


RUNTIMES: dict[str, type[Runtime]] = {
    "wasmrt": WasmrtRuntime,
    "wasmrt-interp": WasmrtInterpreter,
    "wasmrt-native": WasmrtNative,
    "wasm3": Wasm3Runtime,
    "wasmtime": WasmtimeRuntime,
    "pywasm": PywasmRuntime,
}


def available_runtimes(names: list[str] | None = None) -> list[str]:
    """The names (of ``names``, default all) whose runtime is installed and usable."""
    return [n for n in (names or list(RUNTIMES)) if RUNTIMES[n].available()]


def get_runtime(name: str) -> Runtime:
    """A fresh adapter for runtime ``name``."""
    return RUNTIMES[name]()
