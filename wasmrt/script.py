# ruff: noqa: BLE001 - the runner turns any error of the runtime under test into an outcome
"""The ``.wast`` script runner: runs spec test scripts through the public API only.

Like the reference interpreter's ``script/run.ml`` over ``embed.ml``, the runner sees a
narrow engine: the wasmtime-py compatible API (``Engine``, ``Store``, ``Module``,
``Linker``, ``Func``, ``Global``, ``Memory``, ``Table``, ``Trap``, ``WasmtimeError``).
It is parametrised by that API's module, so the same scripts run on wasmrt (the default)
and on wasmtime-py (``run_script(..., api=wasmtime)``), a development oracle.

Scripts are parsed by :func:`wasmrt.wast.parse_wast`.  Each command gets an
:class:`Outcome`; :func:`run_script` returns them all in a :class:`ScriptResult`.

Assertions map to exception classes first (``errors.py``), then to messages:

=========================  ===========================  ==============================
assertion                  wasmrt                       other APIs (wasmtime-py)
=========================  ===========================  ==============================
``assert_malformed``       ``WatError``/``DecodeError``   ``WatError``/``WasmtimeError``
``assert_invalid``         ``ValidationError``          ``WasmtimeError``
``assert_unlinkable``      ``LinkError``                ``WasmtimeError``
``assert_trap`` (+module)  ``Trap``                     ``Trap``
``assert_exhaustion``      ``Trap``                     ``Trap``
=========================  ===========================  ==============================

With ``check_messages`` (the default on wasmrt) the spec's expected text must also be a
prefix of the error's reason (or occur in its message); other APIs word errors their own
way, so only classes are checked there.

Numbers cross the API as Python values: i32/i64 as signed ints, f64 as floats (bit
exact), f32 as floats whose NaN payload is widened/narrowed bit-wise (sign, quiet bit and
payload move together, as a C ``float``/``double`` conversion does for quiet NaNs),
v128 as 128-bit ints, ``(ref.extern N)`` as :class:`ExternRef` ``(N)`` and ``(ref.host N)``
as the same object passed as an anyref (a host object in the any hierarchy), null refs as
None; ``(ref.struct)`` / ``(ref.array)`` match the API's ``StructRef`` / ``ArrayRef``.
Results are compared bit-exactly; NaN patterns are checked per value or per lane.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import struct
import sys
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

__all__ = ["ExternRef", "Outcome", "ScriptResult", "ScriptRunner", "main", "run_script"]

_MASK = {"i32": (1 << 32) - 1, "i64": (1 << 64) - 1, "f32": (1 << 32) - 1, "f64": (1 << 64) - 1}
_MASK["v128"] = (1 << 128) - 1
_LANE_BITS = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "f32": 32, "f64": 64}


@dataclass(frozen=True)
class ExternRef:
    """The host object standing for ``(ref.extern N)`` in a script."""

    value: int


@dataclass
class Outcome:
    """The result of one script command: ``passed``, or failed with a ``reason``."""

    line: int
    command: str
    passed: bool
    reason: str = ""


@dataclass
class ScriptResult:
    """Every command's outcome for one script; ``error`` is set when the script did not parse."""

    filename: str
    outcomes: list[Outcome] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> int:
        """Number of commands that passed."""
        return sum(o.passed for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        """The commands that failed, in script order."""
        return [o for o in self.outcomes if not o.passed]

    @property
    def ok(self) -> bool:
        """True when the script parsed and every command passed."""
        return self.error is None and not self.failures

    def report(self) -> str:
        """``file:line: command: reason`` per failure, then a summary line."""
        name = os.path.basename(self.filename)
        lines = [f"{name}:{o.line}: {o.command}: {o.reason}" for o in self.failures]
        if self.error:
            lines.append(f"{name}: script error: {self.error}")
        lines.append(f"{name}: {self.passed} passed, {len(self.failures)} failed")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable form (``from_json`` reads it back)."""
        return {
            "filename": self.filename,
            "error": self.error,
            "outcomes": [asdict(o) for o in self.outcomes],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScriptResult:
        """The inverse of :meth:`to_json`."""
        return cls(data["filename"], [Outcome(**o) for o in data["outcomes"]], data.get("error"))


class _Failure(Exception):
    """A command did not do what the script expects (the message is the reason)."""


# -- values ------------------------------------------------------------------------------


def _f32_to_float(bits: int) -> float:
    """An f32 bit pattern as a Python float; a NaN keeps its sign, quiet bit and payload."""
    if bits & 0x7F800000 == 0x7F800000 and bits & 0x007FFFFF:
        wide = (bits & 0x80000000) << 32 | 0x7FF << 52 | (bits & 0x007FFFFF) << 29
        return float(struct.unpack("<d", struct.pack("<Q", wide))[0])
    return float(struct.unpack("<f", struct.pack("<I", bits))[0])


def _float_to_f32(value: float) -> int:
    """The f32 bit pattern of a Python float coming from an f32 (inverse of ``_f32_to_float``)."""
    if math.isnan(value):
        wide = int(struct.unpack("<Q", struct.pack("<d", value))[0])
        return (wide >> 32) & 0x80000000 | 0x7F800000 | (wide >> 29) & 0x007FFFFF
    return int(struct.unpack("<I", struct.pack("<f", value))[0])


def _f64_to_float(bits: int) -> float:
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


def _float_to_f64(value: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", value))[0])


def _signed(bits: int, width: int) -> int:
    return bits - (1 << width) if bits >> (width - 1) & 1 else bits


def to_python(value: Any) -> Any:
    """A script ``Value`` as the Python object the API takes for it."""
    t, v = value.type, value.value
    if t == "i32":
        return _signed(v & _MASK["i32"], 32)
    if t == "i64":
        return _signed(v & _MASK["i64"], 64)
    if t == "f32":
        return _f32_to_float(v)
    if t == "f64":
        return _f64_to_float(v)
    if t == "v128":
        return v & _MASK["v128"]
    if t == "externref":
        return None if v is None else ExternRef(v)
    if v is None:
        return None  # a null reference of any type
    if t == "anyref":
        return ExternRef(v)  # (ref.host N): a host object in the any hierarchy
    raise _Failure(f"unknown value type {t}")


def _from_python(vtype: str, obj: Any) -> Any:
    """A result from the API in the script's terms: bit pattern, ``None`` (null) or the object."""
    if vtype in ("i32", "i64"):
        if not isinstance(obj, int):
            raise _Failure(f"{vtype} result is {type(obj).__name__}, not int")
        return obj & _MASK[vtype]
    if vtype in ("f32", "f64"):
        if not isinstance(obj, float):
            raise _Failure(f"{vtype} result is {type(obj).__name__}, not float")
        return _float_to_f32(obj) if vtype == "f32" else _float_to_f64(obj)
    if vtype == "v128":
        if isinstance(obj, (bytes, bytearray)):
            return int.from_bytes(obj, "little")
        if not isinstance(obj, int):
            raise _Failure(f"v128 result is {type(obj).__name__}, not int")
        return obj & _MASK["v128"]
    return obj  # a reference: the object itself, None for null


def _is_nan_pattern(bits: int, width: int, kind: str) -> bool:
    exp_bits = 8 if width == 32 else 11
    mant = width - 1 - exp_bits
    exp_mask = ((1 << exp_bits) - 1) << mant
    quiet = 1 << (mant - 1)
    if bits & exp_mask != exp_mask:
        return False
    payload = bits & ((1 << mant) - 1)
    if kind == "nan:canonical":
        return payload == quiet
    return payload & quiet != 0  # nan:arithmetic


def _show(vtype: str, got: Any) -> str:
    if vtype in ("i32", "i64", "f32", "f64") and isinstance(got, int):
        digits = 8 if vtype.endswith("32") else 16
        extra = ""
        if vtype == "f32":
            extra = f" ({_f32_to_float(got)!r})"
        elif vtype == "f64":
            extra = f" ({_f64_to_float(got)!r})"
        elif vtype == "i32":
            extra = f" ({_signed(got, 32)})"
        else:
            extra = f" ({_signed(got, 64)})"
        return f"{vtype}:0x{got:0{digits}x}{extra}"
    if vtype == "v128" and isinstance(got, int):
        return f"v128:0x{got:032x}"
    return f"{vtype}:{got!r}"


def _expect_text(expected: Any) -> str:
    name = type(expected).__name__
    if name == "Value":
        if expected.value is None:
            return f"(ref.null {expected.type})"
        if expected.type == "anyref":
            return f"(ref.host {expected.value})"
        if expected.type in _MASK:
            return _show(expected.type, expected.value)
        return f"({expected.type} {expected.value})"
    if name == "Pattern":
        if expected.type == "ref":
            return f"({expected.kind})"
        if expected.kind == "lanes":
            return (
                f"(v128 {expected.shape} "
                + " ".join(_expect_text(lane) for lane in expected.lanes or [])
                + ")"
            )
        return f"({expected.type} {expected.kind})"
    if name == "Either":
        return (
            "(either "
            + " ".join(
                "[" + ", ".join(map(_expect_text, alt)) + "]" for alt in expected.alternatives
            )
            + ")"
        )
    return repr(expected)


def _match_scalar(vtype: str, got: Any, expected: Any) -> bool:
    """Whether one result (in script terms) matches one expected ``Value`` or ``Pattern``."""
    name = type(expected).__name__
    if name == "Value":
        if expected.value is None:  # a null matches a null of any reference type
            return vtype not in _MASK and got is None
        if expected.type == "externref":  # (ref.extern N): of any extern reference type
            return vtype not in _MASK and bool(got == ExternRef(expected.value))
        if expected.type == "anyref":  # (ref.host N): the host object, as an anyref
            return vtype not in _MASK and bool(got == ExternRef(expected.value))
        if expected.type != vtype:
            return False
        return bool(got == expected.value & _MASK[vtype])
    if name == "Pattern":
        kind = expected.kind
        if kind in ("nan:canonical", "nan:arithmetic"):
            if vtype not in ("f32", "f64") or expected.type != vtype:
                return False
            return _is_nan_pattern(got, 32 if vtype == "f32" else 64, kind)
        if kind == "ref.null":
            return vtype not in _MASK and got is None
        if kind in ("ref.func", "ref.extern"):
            return vtype not in _MASK and got is not None and _ref_kind(vtype, got) == kind
        if kind == "ref":
            return vtype not in _MASK and got is not None
        if kind in ("ref.i31", "ref.eq", "ref.any") and isinstance(got, int):
            return vtype not in _MASK  # an i31 crosses the API as its value
        if kind in ("ref.struct", "ref.array", "ref.eq"):  # a GC object: StructRef / ArrayRef
            gc_kind = _GC_KINDS.get(type(got).__name__)
            return vtype not in _MASK and gc_kind is not None and kind in ("ref.eq", gc_kind)
        if kind == "ref.any":  # non-null: an i31 (above), a GC object or a host object
            return vtype not in _MASK and got is not None
        if kind.startswith("ref.") and kind != "ref.exn":
            return False
        if kind.startswith("ref."):
            raise _Failure(f"({kind}) results need exception references in the script runner")
        if kind == "lanes":
            if vtype != "v128":
                return False
            return _match_lanes(got, expected)
    raise _Failure(f"unknown expectation {expected!r}")


# The API's classes of GC object references (wasmrt's; wasmtime-py 51 has none) and the
# ``(ref.struct)`` / ``(ref.array)`` pattern each matches.
_GC_KINDS = {"StructRef": "ref.struct", "ArrayRef": "ref.array"}


def _ref_kind(vtype: str, obj: Any) -> str:
    """``ref.func`` for a function reference (a funcref result or an API ``Func``), else
    ``ref.extern``."""
    return "ref.func" if vtype == "funcref" or type(obj).__name__ == "Func" else "ref.extern"


def _match_lanes(got: int, pattern: Any) -> bool:
    shape = pattern.shape or ""
    lane_type = shape.split("x")[0]
    bits = _LANE_BITS[lane_type]
    lanes = pattern.lanes or []
    for i, lane in enumerate(lanes):
        lane_bits = got >> (i * bits) & ((1 << bits) - 1)
        if type(lane).__name__ == "Pattern":
            if not _is_nan_pattern(lane_bits, bits, lane.kind):
                return False
        elif lane_bits != lane.value & ((1 << bits) - 1):
            return False
    return True


def _match(types: list[str], got: list[Any], expected: list[Any]) -> bool:
    if len(got) != len(expected):
        return False
    return all(_match_scalar(t, g, e) for t, g, e in zip(types, got, expected))


# -- the runner ---------------------------------------------------------------------------

_COMMAND_NAMES = {
    "ModuleCmd": "module",
    "ModuleInstance": "module instance",
    "Register": "register",
    "ActionCmd": "action",
    "AssertReturn": "assert_return",
    "AssertTrap": "assert_trap",
    "AssertExhaustion": "assert_exhaustion",
    "AssertException": "assert_exception",
    "AssertInvalid": "assert_invalid",
    "AssertMalformed": "assert_malformed",
    "AssertUnlinkable": "assert_unlinkable",
    "AssertUninstantiable": "assert_uninstantiable",
}


def _type_name(vtype: Any) -> str:
    """A ValType's script name (wasmtime-py spells externref ``anyref``)."""
    name = str(vtype)
    return "externref" if name == "anyref" else name


def _reason_of(exc: BaseException) -> str:
    """The error's own wording: ``reason``/``message`` attribute when it has one."""
    for attr in ("reason", "message"):
        value = getattr(exc, attr, None)
        if isinstance(value, str):
            return value
    return str(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


class ScriptRunner:
    """Runs the commands of one script against one Store of ``api`` (default: wasmrt).

    Every script gets a fresh Engine and Store with the ``spectest`` module registered.
    ``enable`` and ``disable`` name boolean ``Config`` options to switch on or off
    (``"wasm_wide_arithmetic"``; the 2.0 suite runs with ``WASM3_OPTIONS`` off).
    """

    def __init__(
        self,
        api: ModuleType | None = None,
        *,
        check_messages: bool | None = None,
        out: TextIO | None = None,
        enable: tuple[str, ...] = (),
        disable: tuple[str, ...] = (),
    ):
        # The default engine is wasmrt itself.
        self.api: Any = api if api is not None else importlib.import_module("wasmrt")
        # wasmrt itself, or a module re-exporting its API (tests.spec.serialized_api)
        self.native = getattr(self.api, "Engine", None) is importlib.import_module("wasmrt").Engine
        self.check_messages = self.native if check_messages is None else check_messages
        self.out = out
        self._classes = self._error_classes()
        self.engine = self.api.Engine(self._config(enable, disable))
        # the text grammar of the engine's proposals: u64 limits and offsets with memory64
        # (a foreign API's default, as wasmtime's, unless switched off)
        features = getattr(self.engine, "_features", None)
        self.memory64 = "memory64" in features if features is not None \
            else "wasm_memory64" not in disable
        self.threads = "wasm_threads" in enable
        self.store = self.api.Store(self.engine)
        self.linker = self.api.Linker(self.engine)
        self.linker.allow_shadowing = True
        self.current: Any = None
        self.modules: dict[str, Any] = {}
        # `(module definition $m? ...)`: compiled modules by name, and the last one
        self.definitions: dict[str | None, Any] = {}
        self._register_spectest()

    # -- engine glue ---------------------------------------------------------------------

    def _error_classes(self) -> dict[str, tuple[type[BaseException], ...]]:
        from .errors import DecodeError, LinkError, ValidationError, WatError

        api = self.api
        if self.native:
            return {
                "malformed": (WatError, DecodeError),
                "invalid": (ValidationError,),
                "unlinkable": (LinkError,),
                "trap": (api.Trap,),
            }
        return {
            "malformed": (WatError, api.WasmtimeError),
            "invalid": (api.WasmtimeError,),
            "unlinkable": (api.WasmtimeError,),
            "trap": (api.Trap,),
        }

    def _config(self, enable: tuple[str, ...] = (), disable: tuple[str, ...] = ()) -> Any:
        """The API's default Config with the options of ``disable`` switched off and those
        of ``enable`` on.  An option a foreign API lacks is skipped (wasmtime-py has no
        ``wasm_extended_const``); on wasmrt every name must exist."""
        config = self.api.Config()
        for value, options in ((False, disable), (True, enable)):
            for option in options:
                if not self.native and option not in dir(type(config)):
                    continue  # write-only properties in wasmtime-py: no hasattr
                setattr(config, option, value)
        return config

    def _register_spectest(self) -> None:
        """The reference interpreter's ``spectest`` module (``host/spectest.ml``)."""
        api, store = self.api, self.store
        vt = api.ValType

        def define(name: str, item: Any) -> None:
            self.linker.define(store, "spectest", name, item)

        def printer(name: str, params: list[Any]) -> None:
            def fn(*args: Any) -> None:
                if self.out is not None:
                    print(f"{name}: " + " ".join(map(repr, args)), file=self.out)

            define(name, api.Func(store, api.FuncType(params, []), fn))

        printer("print", [])
        printer("print_i32", [vt.i32()])
        printer("print_i64", [vt.i64()])
        printer("print_f32", [vt.f32()])
        printer("print_f64", [vt.f64()])
        printer("print_i32_f32", [vt.i32(), vt.f32()])
        printer("print_f64_f64", [vt.f64(), vt.f64()])
        define("global_i32", api.Global(store, api.GlobalType(vt.i32(), False), api.Val.i32(666)))
        define("global_i64", api.Global(store, api.GlobalType(vt.i64(), False), api.Val.i64(666)))
        define("global_f32", api.Global(store, api.GlobalType(vt.f32(), False), api.Val.f32(666.6)))
        define("global_f64", api.Global(store, api.GlobalType(vt.f64(), False), api.Val.f64(666.6)))
        define("table", api.Table(store, api.TableType(vt.funcref(), api.Limits(10, 20)), None))
        try:        # (wasmtime-py's TableType has no is_64: no table64 there)
            table64 = api.TableType(vt.funcref(), api.Limits(10, 20), is_64=True)
        except TypeError:
            table64 = None
        if table64 is not None:
            define("table64", api.Table(store, table64, None))
        define("memory", api.Memory(store, api.MemoryType(api.Limits(1, 2))))
        if self.threads:        # the threads proposal's spectest adds a shared memory
            shared = api.MemoryType(api.Limits(1, 2), shared=True)
            define("shared_memory", api.SharedMemory(self.engine, shared))

    def _compile(self, source: Any) -> Any:
        data = source.encode(self.memory64)
        if data[:1] != b"\0":
            # Module() takes bytes that do not start with NUL for text (as wasmtime-py does);
            # the script says binary, so let the decoder give its verdict.
            self.api.Module.validate(self.engine, data)
        return self.api.Module(self.engine, data)

    def _instantiate(self, module: Any) -> Any:
        return self.linker.instantiate(self.store, module)

    def _instance(self, name: str | None) -> Any:
        if name is None:
            if self.current is None:
                raise _Failure("no current module (the last module failed or none was defined)")
            return self.current
        if name not in self.modules:
            raise _Failure(f"unknown module {name}")
        return self.modules[name]

    def _export(self, name: str | None, field_name: str) -> Any:
        exports = self._instance(name).exports(self.store)
        try:
            return exports[field_name]
        except (KeyError, IndexError):
            raise _Failure(f"unknown export {field_name!r}") from None

    def _action(self, action: Any) -> tuple[list[str], list[Any]]:
        """Perform an ``Invoke``/``Get``: the result types and values (script terms)."""
        target = self._export(action.module, action.field)
        if type(action).__name__ == "Get":
            vtype = _type_name(target.type(self.store).content)
            return [vtype], [_from_python(vtype, target.value(self.store))]
        ftype = target.type(self.store)
        params = [_type_name(t) for t in ftype.params]
        if not self.native and "v128" in params + [_type_name(t) for t in ftype.results]:
            raise _Failure("v128 values cannot cross this API")  # wasmtime-py aborts on them
        if len(params) != len(action.args):
            raise _Failure(
                f"{action.field} takes {len(params)} arguments, the script passes {len(action.args)}"
            )
        args = [to_python(a) for a in action.args]
        result = target(self.store, *args)
        types = [_type_name(t) for t in ftype.results]
        values = [] if result is None and not types else (result if len(types) > 1 else [result])
        return types, [_from_python(t, v) for t, v in zip(types, values)]

    def _expect_error(self, kind: str, expected: str, call: Any) -> None:
        """Run ``call``; it must raise an error of ``kind`` whose reason starts with ``expected``."""
        classes = self._classes[kind]
        try:
            call()
        except classes as exc:
            if self.check_messages and not self._message_matches(exc, expected):
                raise _Failure(
                    f"wrong message: expected {expected!r}, got {_reason_of(exc)!r}"
                ) from None
            return
        except _Failure:
            raise
        except Exception as exc:
            raise _Failure(f"expected {kind} error {expected!r}, got {_first_line(exc)}") from None
        raise _Failure(f"expected {kind} error {expected!r}, but it succeeded")

    @staticmethod
    def _message_matches(exc: BaseException, expected: str) -> bool:
        reason = _reason_of(exc)
        return reason.startswith(expected) or expected in str(exc)

    # -- commands ------------------------------------------------------------------------

    def run(self, commands: list[Any]) -> list[Outcome]:
        """Run ``commands`` in order; one :class:`Outcome` each (errors never escape)."""
        outcomes = []
        for cmd in commands:
            name = type(cmd).__name__
            handler = getattr(self, "_cmd_" + name, None)
            outcome = Outcome(cmd.loc.line, _COMMAND_NAMES.get(name, name), True)
            try:
                if handler is None:
                    raise _Failure(f"unsupported command {name}")
                handler(cmd)
            except _Failure as exc:
                outcome.passed, outcome.reason = False, str(exc)
            except RecursionError:
                outcome.passed, outcome.reason = False, "RecursionError in the runtime"
            except Exception as exc:
                outcome.passed, outcome.reason = False, "unexpected " + _first_line(exc)
            outcomes.append(outcome)
        return outcomes

    def _cmd_ModuleCmd(self, cmd: Any) -> None:
        source = cmd.module
        if cmd.definition:
            try:
                module = self._compile(source)
            except Exception as exc:
                raise _Failure(f"module definition failed: {_first_line(exc)}") from None
            self.definitions[source.name] = self.definitions[None] = module
            return
        self.current = None
        if source.name is not None:
            self.modules.pop(source.name, None)
        try:
            instance = self._instantiate(self._compile(source))
        except Exception as exc:
            raise _Failure(f"module failed: {_first_line(exc)}") from None
        self.current = instance
        if source.name is not None:
            self.modules[source.name] = instance

    def _cmd_ModuleInstance(self, cmd: Any) -> None:
        self.current = None
        module = self.definitions.get(cmd.module)
        if module is None:
            raise _Failure(f"unknown module definition {cmd.module or '(none defined)'}")
        try:
            instance = self._instantiate(module)
        except Exception as exc:
            raise _Failure(f"module instance failed: {_first_line(exc)}") from None
        self.current = instance
        if cmd.instance is not None:
            self.modules[cmd.instance] = instance

    def _cmd_Register(self, cmd: Any) -> None:
        self.linker.define_instance(self.store, cmd.as_name, self._instance(cmd.module))

    def _cmd_ActionCmd(self, cmd: Any) -> None:
        try:
            self._action(cmd.action)
        except _Failure:
            raise
        except Exception as exc:
            raise _Failure(f"action failed: {_first_line(exc)}") from None

    def _cmd_AssertReturn(self, cmd: Any) -> None:
        try:
            types, got = self._action(cmd.action)
        except _Failure:
            raise
        except Exception as exc:
            raise _Failure(f"expected a result, got {_first_line(exc)}") from None
        expected = cmd.expected
        if len(expected) == 1 and type(expected[0]).__name__ == "Either":
            ok = any(_match(types, got, alt) for alt in expected[0].alternatives)
        else:
            ok = _match(types, got, expected)
        if not ok:
            shown = ", ".join(_show(t, g) for t, g in zip(types, got))
            wanted = ", ".join(_expect_text(e) for e in expected)
            raise _Failure(f"result [{shown}], expected [{wanted}]")

    def _cmd_AssertTrap(self, cmd: Any) -> None:
        target = cmd.target
        if type(target).__name__ == "ModuleSource":
            self._assert_uninstantiable(target, cmd.message)
        else:
            self._expect_error("trap", cmd.message, lambda: self._action(target))

    def _cmd_AssertException(self, cmd: Any) -> None:
        """An uncaught wasm exception leaves the export as a ``WasmtimeError`` that is not a
        ``Trap`` (wasmrt's ``WasmException``; wasmtime-py raises a ``Trap`` caused by a
        "thrown Wasm exception")."""
        try:
            self._action(cmd.action)
        except self.api.Trap as exc:
            if "thrown Wasm exception" in str(exc):
                return
            raise _Failure(f"expected an uncaught exception, got {_first_line(exc)}") from None
        except _Failure:
            raise
        except self.api.WasmtimeError:
            return
        except Exception as exc:
            raise _Failure(f"expected an uncaught exception, got {_first_line(exc)}") from None
        raise _Failure("expected an uncaught exception, but the action returned")

    def _cmd_AssertExhaustion(self, cmd: Any) -> None:
        self._expect_error("trap", cmd.message, lambda: self._action(cmd.action))

    def _cmd_AssertUninstantiable(self, cmd: Any) -> None:
        self._assert_uninstantiable(cmd.module, cmd.message)

    def _assert_uninstantiable(self, source: Any, message: str) -> None:
        module = self._compile_ok(source)
        self._expect_error("trap", message, lambda: self._instantiate(module))

    def _compile_ok(self, source: Any) -> Any:
        try:
            return self._compile(source)
        except Exception as exc:
            raise _Failure(f"module failed to compile: {_first_line(exc)}") from None

    def _cmd_AssertUnlinkable(self, cmd: Any) -> None:
        module = self._compile_ok(cmd.module)
        self._expect_error("unlinkable", cmd.message, lambda: self._instantiate(module))

    def _cmd_AssertInvalid(self, cmd: Any) -> None:
        from .errors import WatError

        try:
            data = cmd.module.encode(self.memory64)
        except WatError as exc:
            raise _Failure(
                f"text did not encode (expected invalid {cmd.message!r}): {exc}"
            ) from None
        self._expect_error("invalid", cmd.message, lambda: self.api.Module(self.engine, data))

    def _cmd_AssertMalformed(self, cmd: Any) -> None:
        self._expect_error("malformed", cmd.message, lambda: self._compile(cmd.module))


def _read(path_or_text: str | os.PathLike[str], filename: str | None) -> tuple[str, str]:
    if isinstance(path_or_text, os.PathLike) or (
        "\n" not in path_or_text and "(" not in path_or_text and Path(path_or_text).is_file()
    ):
        path = Path(path_or_text)
        return path.read_text(encoding="utf-8"), filename or str(path)
    return str(path_or_text), filename or "<wast>"


def run_script(
    path_or_text: str | os.PathLike[str],
    *,
    filename: str | None = None,
    api: ModuleType | None = None,
    check_messages: bool | None = None,
    out: TextIO | None = None,
    enable: tuple[str, ...] = (),
    disable: tuple[str, ...] = (),
) -> ScriptResult:
    """Run a ``.wast`` script (a path, or the script's text) and return every command's outcome.

    ``api`` is the engine's module (default wasmrt; wasmtime-py works too); ``out``
    receives what the ``spectest`` print functions print (default: discarded); ``enable``
    and ``disable`` name ``Config`` options to switch on and off
    (``disable=wasmrt._api_engine.WASM3_OPTIONS`` runs a script as Wasm 2.0).  Errors
    in the runtime become failed outcomes; a script that does not parse gives a result
    with ``error`` set.
    """
    from .errors import WatError
    from .wast import parse_wast

    text, name = _read(path_or_text, filename)
    result = ScriptResult(name)
    try:
        commands = parse_wast(text, name)
    except WatError as exc:
        result.error = str(exc)
        return result
    runner = ScriptRunner(
        api, check_messages=check_messages, out=out, enable=enable, disable=disable
    )
    result.outcomes = runner.run(commands)
    return result


def _wasm3_options() -> tuple[str, ...]:
    from ._api_engine import WASM3_OPTIONS

    return WASM3_OPTIONS


def main(argv: list[str] | None = None) -> int:
    """``python -m wasmrt.script [--api wasmtime] [--json] FILE...``: exit status 1 on any failure."""
    parser = argparse.ArgumentParser(
        prog="python -m wasmrt.script", description="Run .wast spec scripts."
    )
    parser.add_argument("files", nargs="+", help=".wast scripts")
    parser.add_argument(
        "--api", default="wasmrt", help="engine module: wasmrt (default) or wasmtime"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON result per line instead of a report"
    )
    parser.add_argument(
        "--no-messages", action="store_true", help="check error classes only, not messages"
    )
    parser.add_argument(
        "--enable",
        action="append",
        default=[],
        metavar="OPTION",
        help="switch on a boolean Config option, e.g. wasm_wide_arithmetic (repeatable)",
    )
    parser.add_argument(
        "--disable",
        action="append",
        default=[],
        metavar="OPTION",
        help="switch off a boolean Config option, e.g. wasm_tail_call (repeatable)",
    )
    parser.add_argument(
        "--wasm2",
        action="store_true",
        help="run as Wasm 2.0: switch off every Wasm 3.0 option (wasmrt.WASM3_OPTIONS)",
    )
    args = parser.parse_args(argv)
    api = importlib.import_module(args.api)
    status = 0
    for path in args.files:
        try:
            result = run_script(
                Path(path),
                api=api,
                check_messages=False if args.no_messages else None,
                enable=tuple(args.enable),
                disable=tuple(args.disable) + (_wasm3_options() if args.wasm2 else ()),
            )
        except Exception:
            result = ScriptResult(path, error=traceback.format_exc(limit=3))
        if args.json:
            print(json.dumps(result.to_json()), flush=True)
        else:
            print(result.report(), flush=True)
        status |= 0 if result.ok else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
