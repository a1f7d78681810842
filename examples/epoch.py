"""An epoch-interrupted guest: another thread advances the engine's epoch after a timeout."""

import threading

import wasmrt

WAT = '(module (func (export "spin") (loop $l (br $l))))'


def main() -> None:
    config = wasmrt.Config()
    config.epoch_interruption = True
    engine = wasmrt.Engine(config)
    store = wasmrt.Store(engine)
    spin = wasmrt.Instance(store, wasmrt.Module(engine, WAT), []).exports(store)["spin"]
    store.set_epoch_deadline(1)
    timer = threading.Timer(0.2, engine.increment_epoch)
    timer.start()
    try:
        spin(store)
    except wasmrt.Trap as trap:
        print("interrupted:", trap.trap_code.name)
    finally:
        timer.cancel()


if __name__ == "__main__":
    main()
