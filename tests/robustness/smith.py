"""Random valid modules from ``wasm-tools smith`` and a runner that records what they do.

``observe`` instantiates a module and calls every exported function with zero-valued
arguments, then reads every exported memory and global: the same record, built once with
wasmrt and once with wasmtime-py, must match (``--canonicalize-nans`` keeps NaN payloads
out of memory, and float results compare NaN-to-NaN).  ``--ensure-termination`` makes
smith insert a fuel counter, so every call ends, by a return or a trap.
"""

from __future__ import annotations

import ctypes
import hashlib
import math
import random
import shutil
import subprocess
from typing import Any

SMITH_FLAGS = [
    "--ensure-termination", "--canonicalize-nans", "true", "--export-everything", "true",
    "--max-imports", "0", "--max-memories", "1", "--max-memory32-bytes", "1048576",
    "--max-tables", "2", "--min-funcs", "1",
    "--simd-enabled", "false", "--reference-types-enabled", "true",
    "--bulk-memory-enabled", "true", "--multi-value-enabled", "true",
    "--saturating-float-to-int-enabled", "true", "--sign-extension-ops-enabled", "true",
    "--exceptions-enabled", "false", "--gc-enabled", "false", "--memory64-enabled", "false",
    "--relaxed-simd-enabled", "false", "--tail-call-enabled", "false",
    "--threads-enabled", "false", "--wide-arithmetic-enabled", "false",
    "--extended-const-enabled", "false", "--custom-page-sizes-enabled", "false",
    "--shared-everything-threads-enabled", "false", "--custom-descriptors-enabled", "false",
    "--compact-imports-enabled", "false",
]

# Profiles: smith options over SMITH_FLAGS, and the Config options both runtimes need for
# the modules they make.  "memories": several memories (multi-memory), 64-bit memories and
# tables (memory64), 1-byte pages (custom page sizes) and wide arithmetic.  "threads":
# shared memories and atomics (wasmtime also needs `shared_memory`, which wasmrt accepts).
# "exceptions": exception handling, exnref and the legacy instructions.  "gc": GC types
# and instructions (structs, arrays, i31, casts; typed function references with them).
PROFILES: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "mvp": ({}, ()),
    "memories": (
        {"--max-memories": "4", "--memory64-enabled": "true", "--max-memory64-bytes": "1048576",
         "--custom-page-sizes-enabled": "true", "--wide-arithmetic-enabled": "true"},
        ("wasm_multi_memory", "wasm_memory64", "wasm_custom_page_sizes", "wasm_wide_arithmetic"),
    ),
    "threads": ({"--threads-enabled": "true"}, ("wasm_threads", "shared_memory")),
    # tags, throw, throw_ref, try_table (smith generates no legacy instructions)
    "exceptions": ({"--exceptions-enabled": "true"},
                   ("wasm_exceptions",)),
    "gc": ({"--gc-enabled": "true"}, ("wasm_gc", "wasm_function_references")),
}


def smith_flags(profile: str = "mvp") -> list[str]:
    """SMITH_FLAGS with the options of ``profile`` (PROFILES) in place of their values."""
    overrides = PROFILES[profile][0]
    flags = list(SMITH_FLAGS)
    for i in range(len(flags) - 1):
        if flags[i] in overrides:
            flags[i + 1] = overrides[flags[i]]
    return flags


GUEST_MEMORY = 64 << 20  # bytes per linear memory a fuzzed guest may reach
GUEST_TABLE = 1 << 20  # elements per table


def wasm_tools() -> str | None:
    """The ``wasm-tools`` executable, or None when it is not installed."""
    return shutil.which("wasm-tools")


def smith(exe: str, seed: bytes, extra: list[str] | None = None, profile: str = "mvp") -> bytes:
    """The module ``wasm-tools smith`` builds from the random bytes ``seed``."""
    proc = subprocess.run([exe, "smith", *smith_flags(profile), *(extra or []), "-o", "/dev/stdout"],
                          input=seed, capture_output=True, timeout=60, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"wasm-tools smith failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def seeds(tag: str, count: int) -> list[bytes]:
    """``count`` reproducible random seeds for smith, derived from ``tag``."""
    rng = random.Random(tag)
    return [bytes(rng.randrange(256) for _ in range(rng.randint(100, 4000))) for _ in range(count)]


def _zero(kind: str) -> Any:
    return {"i32": 0, "i64": 0, "f32": 0.0, "f64": 0.0}.get(kind)


def _norm(value: Any) -> Any:
    """Results compared by value: NaNs equal each other, references only by presence."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else value
    if isinstance(value, (list, tuple)):
        return tuple(_norm(v) for v in value)
    if value is None or isinstance(value, int):
        return value
    if getattr(value, "value", 0) is None:  # wasmtime-py's null reference: a Val holding None
        return None
    return "ref"


def engine(rt: Any, profile: str = "mvp") -> Any:
    """An Engine of ``rt`` with the Config options of ``profile`` switched on."""
    config = rt.Config()
    for option in PROFILES[profile][1]:
        setattr(config, option, True)
    return rt.Engine(config)


# The value types wasmtime-py 51 can pass and show: it aborts the process on ``str()`` of
# an exnref ValType, and on any reference type but funcref/externref at its API boundary.
# With GC, an externref may hold a GC value (extern.convert_any of an i31, struct or
# array: the only non-null externrefs of smith's modules, which import nothing), and
# wasmtime-py reads that as None, like a null: it cannot show those either.
_PASSABLE = frozenset(("i32", "i64", "f32", "f64", "v128", "funcref", "externref"))
_PASSABLE_GC = _PASSABLE - {"externref"}


def _unpassable_exports(data: bytes, profile: str = "exceptions") -> set[str]:
    """The exports whose type holds a reference type wasmtime-py cannot pass (exnref, GC
    references, typed function references; with GC externref too), as wasmrt reads them."""
    import wasmrt

    passable = _PASSABLE_GC if profile == "gc" else _PASSABLE

    module = wasmrt.Module(wasmrt.Engine(), data)
    names = set()
    for e in module.exports:
        ty = e.type
        if isinstance(ty, wasmrt.FuncType):
            types = list(ty.params) + list(ty.results)
        elif isinstance(ty, wasmrt.GlobalType):
            types = [ty.content]
        elif isinstance(ty, wasmrt.TableType):
            types = [ty.element]
        else:
            types = []
        if any(str(t) not in passable for t in types):
            names.add(e.name)
    return names


def observe(rt: Any, data: bytes, store: Any = None, profile: str = "mvp") -> list[tuple[Any, ...]]:
    """What ``data`` does under runtime ``rt`` (the ``wasmrt`` or ``wasmtime`` module).

    Returns a list of events: the instantiation outcome, then per exported function its
    results or ``("trap",)``, then the contents of exported memories and globals.
    """
    if store is None:
        store = rt.Store(engine(rt, profile))
    # a guest may table.grow to 2^32-1 elements (32 GiB in both runtimes): cap what it can take
    store.set_limits(memory_size=GUEST_MEMORY, table_elements=GUEST_TABLE)
    module = rt.Module(store.engine, data)
    events: list[tuple[Any, ...]] = []
    try:
        instance = rt.Instance(store, module, [])
    except rt.Trap:
        return [("instantiate", "trap")]
    except rt.WasmtimeError:  # a memory or table larger than the Store's limits allow
        return [("instantiate", "error")]
    events.append(("instantiate", "ok"))
    exports = instance.exports(store)
    exn_names = _unpassable_exports(data, profile) if profile in ("exceptions", "gc") else set()
    names = [e.name for e in module.exports]
    for name in names:
        item = exports[name]
        if isinstance(item, rt.Func):
            if name in exn_names:
                events.append((name, "unpassable"))  # (wasmtime-py cannot pass its types)
                continue
            ty = item.type(store)
            kinds = [str(p) for p in ty.params]
            try:
                result = item(store, *[_zero(k) for k in kinds])
            except getattr(rt, "WasmException", ()):
                events.append((name, "exception"))  # wasmrt: an uncaught wasm exception
            except rt.Trap as exc:
                # wasmtime-py reports an uncaught wasm exception as a Trap
                thrown = "thrown Wasm exception" in str(exc)
                events.append((name, "exception" if thrown else "trap"))
            else:
                events.append((name, _norm(result)))
    for name in names:
        item = exports[name]
        if isinstance(item, rt.Memory):
            events.append((name, "memory", item.size(store), bytes(item.read(store, 0, item.data_len(store)))))
        elif isinstance(item, getattr(rt, "SharedMemory", ())):   # (wasmtime-py: no size())
            n = item.data_len()
            events.append((name, "shared memory", n, ctypes.string_at(item.data_ptr(), n)))
        elif isinstance(item, rt.Global):
            if name in exn_names:       # (wasmtime-py cannot read such values)
                events.append((name, "global", "unpassable"))
            else:
                events.append((name, "global", _norm(item.value(store))))
        elif isinstance(item, rt.Table):
            events.append((name, "table", item.size(store) if name not in exn_names
                           else "unpassable"))
        elif isinstance(item, getattr(rt, "Tag", ())):
            events.append((name, "tag", len(item.type(store).functype.params)))
    return events


def observe_tiers(rt: Any, data: bytes, oracle: Any = None) -> list[str]:
    """The differential of the native tier: ``data`` observed in wasmrt (``rt``) compiled
    to machine code (``Config.strategy = "native"``), interpreted, and, when ``oracle``
    (wasmtime-py) is given, there.  Also compiled in part ("native-partial": about half of
    each body's blocks left out, a choice seeded by the module, so machine code leaves at
    them and the interpreter continues: `_native._OMIT`).  Returns the disagreements
    (empty when all agree)."""
    from wasmrt import _native

    records = {}
    for strategy in ("native", "native-partial", "interpreter"):
        cfg = rt.Config()
        cfg.strategy = strategy.removesuffix("-partial")
        kept = _native._OMIT
        if strategy == "native-partial":
            _native._OMIT = f"0.5:{hashlib.sha256(data).hexdigest()[:8]}"
        try:
            records[strategy] = observe(rt, data, rt.Store(rt.Engine(cfg)))
        finally:
            _native._OMIT = kept
    if oracle is not None:
        records["wasmtime"] = observe(oracle, data)
    base = records["interpreter"]
    return [f"{name}: {rec!r} != interpreter {base!r}"[:400]
            for name, rec in records.items() if rec != base]
