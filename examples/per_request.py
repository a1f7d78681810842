"""The per-request pattern: compile once, then a fresh Store and Instance per request.

An Engine, a Module and a Linker are shared (and may be shared between threads); each
request gets its own Store, so no state leaks from one request to the next.
"""

import wasmrt

WAT = """
(module
  (import "env" "request_id" (func $id (result i32)))
  (global $counter (mut i32) (i32.const 0))
  (func (export "handle") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.add (i32.mul (call $id) (i32.const 1000)) (global.get $counter))))
"""


def main() -> None:
    engine = wasmrt.Engine()
    module = wasmrt.Module(engine, WAT)
    linker = wasmrt.Linker(engine)

    @linker.func_wrap("env", "request_id")
    def request_id(caller: wasmrt.Caller) -> int:
        return caller.data()

    pre = linker.instantiate_pre(module)
    for request in range(1, 4):
        store = wasmrt.Store(engine, data=request)
        instance = pre.instantiate(store)
        # The counter starts from zero for every request: 1001, 2001, 3001.
        print(instance.exports(store)["handle"](store))


if __name__ == "__main__":
    main()
