"""A fuel-limited guest: an infinite loop stops with a trap once its fuel is used up."""

import wasmrt

WAT = """
(module
  (func (export "spin") (loop $l (br $l)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
"""


def main() -> None:
    config = wasmrt.Config()
    config.consume_fuel = True
    engine = wasmrt.Engine(config)
    store = wasmrt.Store(engine)
    exports = wasmrt.Instance(store, wasmrt.Module(engine, WAT), []).exports(store)
    store.set_fuel(10_000)
    print(exports["add"](store, 1, 2))
    print("fuel left:", store.get_fuel())
    try:
        exports["spin"](store)
    except wasmrt.Trap as trap:
        print("spin stopped:", trap.message, trap.trap_code.name)


if __name__ == "__main__":
    main()
