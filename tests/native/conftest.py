"""Fixtures of the native-tier tests: Engines per strategy (skips without llvmlite)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import wasmrt
from wasmrt import _native


@pytest.fixture(scope="session")
def llvmlite_ok() -> None:
    if not _native.available():
        pytest.skip("llvmlite not installed (pip install 'wasmrt[native]'): the native tier")


def engine(strategy: str, **options: object) -> wasmrt.Engine:
    """An Engine with ``Config.strategy = strategy`` and the given options."""
    cfg = wasmrt.Config()
    cfg.strategy = strategy
    for k, v in options.items():
        setattr(cfg, k, v)
    return wasmrt.Engine(cfg)


@pytest.fixture
def native(llvmlite_ok: None) -> wasmrt.Engine:
    return engine("native")


@pytest.fixture
def interp() -> wasmrt.Engine:
    return engine("interpreter")


U32 = 1 << 32


def _signed(args: tuple[int, ...]) -> list[int]:
    return [a - U32 if a >= 1 << 31 else a for a in args]


def observe_cases(mod: Any, eng: Any, wat: str, cases: list[tuple[str, tuple[int, ...]]],
                  pattern: bytes) -> list[object]:
    """Each case (export name, u32 arguments) of `wat` in a fresh instance (of `mod`:
    wasmrt or wasmtime) whose exported memory "mem" starts as `pattern`: its result, or
    ("trap", whether out of bounds), and the memory's first len(pattern) bytes after."""
    m = mod.Module(eng, wat)
    out: list[object] = []
    for name, args in cases:
        store = mod.Store(eng)
        ex = mod.Instance(store, m, []).exports(store)
        mem = ex["mem"]
        mem.write(store, pattern, 0)
        try:
            r: object = ex[name](store, *_signed(args))
        except mod.Trap as t:
            r = ("trap", "out of bounds" in str(t))
        out.append((name, args, r, bytes(mem.read(store, 0, len(pattern)))))
    return out


def observe_alike(native: wasmrt.Engine, interp: wasmrt.Engine, wat: str,
                  cases: list[tuple[str, tuple[int, ...]]], pattern: bytes, traps: int) -> None:
    """`observe_cases` of `wat` is the same under `native`, under `interp` and under
    wasmtime-py (when installed), and `traps` of the cases trap out of bounds."""
    got = observe_cases(wasmrt, native, wat, cases, pattern)
    assert got == observe_cases(wasmrt, interp, wat, cases, pattern)
    trapped = [r for _, _, r, _ in got if isinstance(r, tuple)]
    assert len(trapped) == traps and all(oob for _, oob in trapped)
    wasmtime = pytest.importorskip("wasmtime", reason="wasmtime-py (the reference)")
    assert got == observe_cases(wasmtime, wasmtime.Engine(), wat, cases, pattern)


def trap_reports(eng: wasmrt.Engine, wat: str,
                 cases: list[tuple[str, tuple[int, ...]]]) -> list[object]:
    """The trap of each case of `wat` that traps: its message and frames."""
    store = wasmrt.Store(eng)
    ex = wasmrt.Instance(store, wasmrt.Module(eng, wat), []).exports(store)
    out: list[object] = []
    for name, args in cases:
        try:
            ex[name](store, *_signed(args))
        except wasmrt.Trap as t:
            out.append((name, args, t.message, [(f.func_index, f.func_offset) for f in t.frames]))
    return out


def interrupted_by_epoch(wat: str) -> wasmrt.Module:
    """Run export "spin" of `wat` (argument 1: it never returns) natively with an epoch
    deadline of 1, the epoch incremented 50 ms later: it traps with "interrupt".  Returns
    the Module (its machine code's side exits)."""
    eng = engine("native", epoch_interruption=True)
    store = wasmrt.Store(eng)
    store.set_epoch_deadline(1)
    module = wasmrt.Module(eng, wat)
    spin = wasmrt.Instance(store, module, []).exports(store)["spin"]
    timer = threading.Timer(0.05, eng.increment_epoch)
    timer.start()
    with pytest.raises(wasmrt.Trap, match="interrupt"):
        spin(store, 1)
    timer.join()
    return module
