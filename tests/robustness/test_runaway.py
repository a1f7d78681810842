"""Runaway guests: an infinite loop is stopped by fuel, by an epoch deadline raised from a
watchdog thread, and by ``KeyboardInterrupt`` (a signal handler), within a bounded delay;
the Store stays usable afterwards.

Signal handlers run from the same check as fuel and epochs (the ``fuel`` op at function
entries and loop heads), which is compiled in only when the Engine meters execution
(``consume_fuel`` or ``epoch_interruption``): an interruptible guest needs such an Engine.
"""

from __future__ import annotations

import signal
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
