"""Wasm exceptions across wasm, ``call_indirect`` and Python host functions.

``calc.wat`` is an expression calculator in the shape clang gives C++ built with
``-fwasm-exceptions``: one tag thrown deep in a recursive-descent parser, frames that
annotate and rethrow (``catch_ref`` + ``throw_ref``), cleanup frames that pop their
shadow-stack frame (``catch_all_ref`` + ``throw_ref``), a typed catch that rethrows what it
does not handle, and ``main``'s catch printing the error.  (It is written by hand: Debian's
clang has no wasm32 libc++abi, whose personality routine C++ exceptions need.)

Two host functions take part: ``env.lookup`` gives the variables and throws a wasm
exception for an unknown one (``WasmException(tag, [code, message])``), ``env.isqrt``
calls the guest back, and a wasm exception thrown there crosses the Python frame back into
the guest's handlers.

    python examples/calc.py ["1 + 2 * (3 - x)" ...]
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import wasmrt

GUEST = Path(__file__).with_name("calc.wat")
UNKNOWN = -0x80000000          # env.lookup's "no such variable" when the host does not throw


class Calculator:
    """One instance of ``calc.wat`` on runtime ``rt`` (``wasmrt``, or ``wasmtime`` for a
    differential run).  ``host_throws``: ``env.lookup`` raises the guest's exception for an
    unknown variable (else it returns ``UNKNOWN`` and the guest throws)."""

    def __init__(self, rt: ModuleType = wasmrt, variables: dict[str, int] | None = None,
                 host_throws: bool = True, engine: Any = None) -> None:
        self.rt = rt
        self.variables = dict(variables or {})
        self.store = rt.Store(engine or rt.Engine())
        unary = rt.FuncType([rt.ValType.i32()], [rt.ValType.i32()])
        exports: dict[str, Any] = {}

        def lookup(letter: int) -> int:
            name = chr(letter)
            if name in self.variables:
                return self.variables[name]
            if host_throws:
                message = exports["msg_unknown_var"].value(self.store)
                raise rt.WasmException(exports["error"], [3, message])
            return UNKNOWN

        def isqrt(x: int) -> int:
            return int(exports["isqrt_checked"](self.store, x))

        module = rt.Module(self.store.engine, GUEST.read_text())
        self.module = module
        imports = [rt.Func(self.store, unary, lookup), rt.Func(self.store, unary, isqrt)]
        instance = rt.Instance(self.store, module, imports)
        exports.update((e.name, instance.exports(self.store)[e.name]) for e in module.exports)
        self.exports = exports
        self.memory = exports["memory"]

    def _load(self, text: str) -> int:
        data = text.encode()
        self.memory.write(self.store, data, self.exports["input"].value(self.store))
        return len(data)

    def eval(self, text: str) -> str:
        """The guest's answer: ``= value`` or ``error code: message at column ...``."""
        n = self.exports["eval"](self.store, self._load(text))
        start = self.exports["output"].value(self.store)
        return bytes(self.memory.read(self.store, start, start + n)).decode()

    def eval_uncaught(self, text: str) -> int:
        """The value, or the guest's exception leaving the call (wasmrt: ``WasmException``
        with ``values == [code, message address]``)."""
        return int(self.exports["eval_uncaught"](self.store, self._load(text)))

    def message(self, address: int) -> str:
        """The NUL-terminated message at ``address`` in the guest's memory."""
        raw = bytes(self.memory.read(self.store, address, address + 64))
        return raw.split(b"\0", 1)[0].decode()

    def stack_pointer(self) -> int:
        """The guest's shadow-stack pointer (65536 when no frame is live)."""
        return int(self.exports["sp"].value(self.store))


EXAMPLES = [
    "1 + 2 * 3",
    "(1 + 2) * (3 - x)",
    "7 / (2 - 2)",
    "10 - (3 * (4 / (y - y)))",
    "T(8 / (1 - 1)) + 5",
    "T(S(70000)) + 1",
    "R(S(12) + 25)",
    "(R(1 - 2))",
    "A(-5) * z",
    "((((((((((((1))))))))))))",
    "2 * 99999999999",
    "Q(1)",
    "1 + ",
]


def main(argv: list[str] | None = None) -> None:
    """Print the answer to each expression of `argv` (default: EXAMPLES), then an uncaught
    exception's code and message."""
    calc = Calculator(variables={"x": 5, "y": 3})
    for text in argv or EXAMPLES:
        print(f"{text:28} {calc.eval(text)}")
    try:
        calc.eval_uncaught("1 / 0")
    except wasmrt.WasmException as exc:
        code, address = exc.values
        print(f"uncaught: tag {'error' if exc.tag == calc.exports['error'] else '?'}, "
              f"code {code}, {calc.message(address)!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
