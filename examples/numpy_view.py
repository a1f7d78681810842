"""A NumPy array over a wasm memory, without copying: Python and wasm see the same bytes."""

import numpy as np

import wasmrt

WAT = """
(module
  (memory (export "memory") 1)
  (func (export "sum") (param $n i32) (result f64)
    (local $i i32) (local $acc f64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (f64.add (local.get $acc)
          (f64.load (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc)))
"""


def main() -> None:
    engine = wasmrt.Engine()
    store = wasmrt.Store(engine)
    exports = wasmrt.Instance(store, wasmrt.Module(engine, WAT), []).exports(store)
    memory = exports["memory"]
    values = np.frombuffer(memory.view(store), dtype=np.float64)
    values[:100] = np.arange(100, dtype=np.float64)  # written straight into wasm memory
    print(exports["sum"](store, 100))  # 4950.0


if __name__ == "__main__":
    main()
