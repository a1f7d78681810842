"""Runaway guests: an infinite loop is stopped by fuel, by an epoch deadline raised from a
watchdog thread, and by ``KeyboardInterrupt`` (a signal handler), within a bounded delay;
the Store stays usable afterwards.

On a metering Engine (``consume_fuel`` or ``epoch_interruption``) Python signal handlers run
from the ``fuel`` op at function entries and loop heads.  On any Engine, Ctrl-C (SIGINT)
reaches the guest through wasmrt's SIGINT hook and the attention checks on loop back-edges,
``br_table`` and calls (``include/wasmrt_attn.h``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import pytest

import wasmrt

SPIN = """(module
  (func (export "spin") (loop $l (br $l)))
  (func (export "spin_calls") (loop $l (call $leaf) (br $l)))
  (func $leaf)
  (func (export "one") (result i32) i32.const 1))"""


def _interruptible() -> wasmrt.Config:
    """Metering compiled in, with an epoch deadline that never comes: only signals stop it."""
    config = wasmrt.Config()
    config.epoch_interruption = True
    return config


def _instance(config: wasmrt.Config) -> tuple[wasmrt.Store, wasmrt.InstanceExports]:
    engine = wasmrt.Engine(config)
    store = wasmrt.Store(engine)
    return store, wasmrt.Instance(store, wasmrt.Module(engine, SPIN), []).exports(store)


@pytest.mark.parametrize("name", ["spin", "spin_calls"])
def test_fuel_stops_infinite_loop_and_store_stays_usable(name: str) -> None:
    config = wasmrt.Config()
    config.consume_fuel = True
    store, ex = _instance(config)
    store.set_fuel(1_000_000)
    start = time.monotonic()
    with pytest.raises(wasmrt.Trap) as info:
        ex[name](store)
    assert info.value.trap_code == wasmrt.TrapCode.OUT_OF_FUEL
    assert time.monotonic() - start < 10
    store.set_fuel(100)
    assert ex["one"](store) == 1


@pytest.mark.parametrize("name", ["spin", "spin_calls"])
def test_epoch_watchdog_stops_infinite_loop_promptly(name: str) -> None:
    config = wasmrt.Config()
    config.epoch_interruption = True
    store, ex = _instance(config)
    store.set_epoch_deadline(1)
    fired: list[float] = []

    def watchdog() -> None:
        time.sleep(0.2)
        fired.append(time.monotonic())
        store.engine.increment_epoch()

    thread = threading.Thread(target=watchdog)
    thread.start()
    with pytest.raises(wasmrt.Trap) as info:
        ex[name](store)
    stopped = time.monotonic()
    thread.join()
    assert info.value.trap_code == wasmrt.TrapCode.INTERRUPT
    assert stopped - fired[0] < 1.0, "the epoch deadline took more than a second to stop the guest"
    store.set_epoch_deadline(1000)
    assert ex["one"](store) == 1


@pytest.mark.parametrize("name", ["spin", "spin_calls"])
def test_keyboard_interrupt_stops_infinite_loop(name: str) -> None:
    store, ex = _instance(_interruptible())
    store.set_epoch_deadline(2**62)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            ex[name](store)
        assert time.monotonic() - start < 5
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert ex["one"](store) == 1


def test_sigint_to_self_stops_infinite_loop() -> None:
    store, ex = _instance(_interruptible())
    store.set_epoch_deadline(2**62)
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    timer = threading.Timer(0.2, signal.raise_signal, (signal.SIGINT,))
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            ex["spin"](store)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, old)
    assert ex["one"](store) == 1


SPIN_DEFAULT = """(module
  (func (export "spin") (loop $l (br $l)))
  (func (export "count") (param i32) (result i32)
    (loop $l (br_if $l (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1)))
                               (i32.const 0)))) (local.get 0))
  (func (export "dispatch") (param i32)
    (loop $l (block $a (block $b (br_table $a $b $l (local.get 0))) (br $l)) (br $l)))
  (func $tree (export "tree") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1))
      (else (i32.add (call $tree (i32.sub (local.get 0) (i32.const 1)))
                     (call $tree (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "one") (result i32) i32.const 1))"""


@pytest.mark.parametrize("name,args", [("spin", ()), ("count", (1,)), ("dispatch", (2,)),
                                       ("dispatch", (0,)), ("tree", (60,))])
def test_sigint_stops_a_guest_on_a_default_engine(name: str, args: tuple[int, ...]) -> None:
    """No metering: loops, a br_table loop and call-only recursion still stop on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        engine = wasmrt.Engine()
        store = wasmrt.Store(engine)   # a new Store re-hooks SIGINT after signal.signal()
        ex = wasmrt.Instance(store, wasmrt.Module(engine, SPIN_DEFAULT), []).exports(store)
        # Ctrl-C as a terminal sends it: from outside (a thread of this process would need
        # the GIL, which the guest holds)
        killer = subprocess.Popen(["sh", "-c", f"sleep 0.2; kill -INT {os.getpid()}"])
        start = time.monotonic()
        try:
            with pytest.raises(KeyboardInterrupt):
                ex[name](store, *args)
        finally:
            killer.wait()
        assert time.monotonic() - start < 5
        assert ex["one"](store) == 1       # the Store stays usable
    finally:
        signal.signal(signal.SIGINT, old)


def test_sigint_hook_is_only_chained_over_a_real_handler() -> None:
    from wasmrt import _interp

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal.signal works on the main thread only")
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert _interp.hook_sigint() is False          # ignored stays ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        assert _interp.hook_sigint() is False          # default stays default
        signal.signal(signal.SIGINT, signal.default_int_handler)
        assert _interp.hook_sigint() is True           # chained in front of CPython's
        assert _interp.hook_sigint() is True           # (once)
        seen: list[int] = []
        signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
        assert _interp.hook_sigint() is True
        signal.raise_signal(signal.SIGINT)             # the Python handler still runs
        assert seen == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, old)
