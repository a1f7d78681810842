"""Hello world: a wasm module calling a host function imported from Python."""

import wasmrt

WAT = """
(module
  (import "host" "hello" (func $hello (param i32)))
  (func (export "run") (call $hello (i32.const 42))))
"""


def main() -> None:
    engine = wasmrt.Engine()
    store = wasmrt.Store(engine)
    module = wasmrt.Module(engine, WAT)

    def hello(n: int) -> None:
        print(f"Hello from Python! wasm says {n}")

    func = wasmrt.Func.wrap(store, hello)
    instance = wasmrt.Instance(store, module, [func])
    instance.exports(store)["run"](store)


if __name__ == "__main__":
    main()
