"""Linking two modules: one exports a memory and a function, the other imports them."""

import wasmrt

LIBRARY = """
(module
  (memory (export "memory") 1)
  (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2))))
"""

APP = """
(module
  (import "lib" "memory" (memory 1))
  (import "lib" "double" (func $double (param i32) (result i32)))
  (func (export "run") (param i32) (result i32)
    (i32.store (i32.const 0) (call $double (local.get 0)))
    (i32.load (i32.const 0))))
"""


def main() -> None:
    engine = wasmrt.Engine()
    store = wasmrt.Store(engine)
    linker = wasmrt.Linker(engine)
    library = linker.instantiate(store, wasmrt.Module(engine, LIBRARY))
    linker.define_instance(store, "lib", library)
    app = linker.instantiate(store, wasmrt.Module(engine, APP))
    print(app.exports(store)["run"](store, 21))  # 42
    memory = library.exports(store)["memory"]
    print(memory.read(store, 0, 4))  # the shared memory holds the result too


if __name__ == "__main__":
    main()
