"""A host function reading a UTF-8 string out of the calling instance's memory.

The host receives a ``Caller`` (first parameter annotated ``Caller``), looks up the
caller's exported ``memory`` and decodes ``len`` bytes at ``ptr``.  An out-of-bounds range
or invalid UTF-8 raises ``Trap``, which traps the wasm code that called it.
"""

import wasmrt
from wasmrt import Caller, Trap

WAT = """
(module
  (import "env" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "Hello, caller!")
  (data (i32.const 200) "\\ff\\fe")
  (func (export "greet") (call $log (i32.const 100) (i32.const 14)))
  (func (export "bad_utf8") (call $log (i32.const 200) (i32.const 2)))
  (func (export "out_of_bounds") (call $log (i32.const 65530) (i32.const 100))))
"""


def make_linker(engine: wasmrt.Engine, messages: list) -> wasmrt.Linker:
    linker = wasmrt.Linker(engine)

    @linker.func_wrap("env", "log")
    def log(caller: Caller, ptr: int, length: int) -> None:
        memory = caller.get("memory")
        if not isinstance(memory, wasmrt.Memory):
            raise Trap("caller exports no memory")
        if ptr < 0 or length < 0 or ptr + length > memory.data_len(caller):
            raise Trap("string out of bounds")
        raw = memory.read(caller, ptr, ptr + length)
        try:
            messages.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise Trap("string is not valid UTF-8") from None

    return linker


def main() -> None:
    engine = wasmrt.Engine()
    messages: list = []
    linker = make_linker(engine, messages)
    store = wasmrt.Store(engine)
    exports = linker.instantiate(store, wasmrt.Module(engine, WAT)).exports(store)
    exports["greet"](store)
    print(messages[-1])
    for name in ("bad_utf8", "out_of_bounds"):
        try:
            exports[name](store)
        except Trap as trap:
            print(f"{name}: trapped: {trap.message}")


if __name__ == "__main__":
    main()
