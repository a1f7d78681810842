"""LLVM runs in a worker process (``wasmrt/_native_worker.py``),
so a process can exit while a body is being compiled: the worker is killed, the batch fails,
nothing is waited for."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from wasmrt import Config, Engine, Instance, Module, Store, wat2wasm

pytest.importorskip("llvmlite", reason="the native tier needs llvmlite (wasmrt[native])")

from wasmrt import _native

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_llvm_runs_in_a_worker_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_native, "_no_worker", False)
    cfg = Config()
    cfg.strategy = "native"
    engine = Engine(cfg)
    wasm = wat2wasm('(module (func (export "f") (param i32) (result i32) '
                    "local.get 0 i32.const 40 i32.add))")
    store = Store(engine)
    f = Instance(store, Module(engine, wasm), []).exports(store)["f"]
    assert f(store, 2) == 42
    worker = _native._the_worker
    assert worker is not None and worker.alive() and worker.proc.pid != os.getpid()


def test_exit_while_compiling() -> None:
    # a body big enough that LLVM is still at it when the process exits
    script = textwrap.dedent("""
        import threading, time, wasmrt
        from wasmrt import _native
        ops = "local.get 0 i32.const 3 i32.mul i32.const 7 i32.add local.set 0 " * 4000
        wat = f'(module (func (export "f") (param i32) (result i32) {ops} local.get 0))'
        cfg = wasmrt.Config()
        cfg.strategy = "auto"
        module = wasmrt.Module(wasmrt.Engine(cfg), wasmrt.wat2wasm(wat))
        nm = module._native
        threading.Thread(target=nm.tier_up, args=(nm.nimp,), daemon=True).start()
        while _native._the_worker is None:
            time.sleep(0.001)
        print("exiting", flush=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False,
                          env={k: v for k, v in os.environ.items()
                               if k != "WASMRT_NATIVE_WORKER"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "exiting\n"
