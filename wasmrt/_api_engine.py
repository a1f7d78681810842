"""``Config`` and ``Engine``: global settings shared by every Module and Store of an Engine.

Every option name of wasmtime-py 50's ``Config`` exists.  Proposal toggles
(``wasm_simd``, ``wasm_bulk_memory`` ...) decide which proposals the decoder and
validator accept; a module using a disabled or unimplemented proposal fails to
compile with a ``WasmtimeError``.  Options that only tune wasmtime's native code
generator (cranelift flags, unwind info ...) are checked for type like wasmtime-py
does, then accepted and ignored; ``profiler = "perfmap"`` names the native tier's
machine code for Linux ``perf``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ._api_managed import Closeable
from ._config_values import check_cache_file, check_target
from .errors import WasmtimeError, WrongKindError

__all__ = ["PROPOSALS", "WASM3_OPTIONS", "Config", "Engine"]

# Proposal toggle -> (feature name, enabled by default).  The feature names are the
# ones `_core` understands.  The defaults are wasmtime's: Wasm 3.0 on (GC and exceptions
# once implemented), relaxed SIMD and wide arithmetic too; custom page sizes off.
PROPOSALS: dict[str, tuple[str, bool]] = {
    "wasm_reference_types": ("reference_types", True),
    "wasm_simd": ("simd", True),
    "wasm_bulk_memory": ("bulk_memory", True),
    "wasm_multi_value": ("multi_value", True),
    "wasm_threads": ("threads", False),
    "wasm_tail_call": ("tail_call", True),
    # wasmrt's own toggle (wasmtime has Config::wasm_extended_const; wasmtime-py lacks it)
    "wasm_extended_const": ("extended_const", True),
    "wasm_multi_memory": ("multi_memory", True),
    "wasm_memory64": ("memory64", True),
    "wasm_relaxed_simd": ("relaxed_simd", True),
    "wasm_exceptions": ("exceptions", True),
    "wasm_function_references": ("function_references", True),
    "wasm_gc": ("gc", True),
    "wasm_wide_arithmetic": ("wide_arithmetic", True),
    "wasm_custom_page_sizes": ("custom_page_sizes", False),
    "wasm_stack_switching": ("stack_switching", False),
    "wasm_component_model": ("component_model", False),
}

# The toggles of the proposals that Wasm 3.0 standardised: switched off together they give
# a Wasm 2.0 engine (the 2.0 spec suite runs so: `python -m wasmrt.script --wasm2`).
WASM3_OPTIONS: tuple[str, ...] = (
    "wasm_tail_call",
    "wasm_extended_const",
    "wasm_function_references",
    "wasm_gc",
    "wasm_exceptions",
    "wasm_multi_memory",
    "wasm_memory64",
    "wasm_relaxed_simd",
)

# The other option names of wasmtime-py's Config and the type each one takes.
_BOOL_OPTIONS = (
    "debug_info",
    "wasm_relaxed_simd_deterministic",
    "wasm_component_model_map",
    "wasm_component_model_implements",
    "cranelift_debug_verifier",
    "parallel_compilation",
    "shared_memory",
    "gc_support",
    "cranelift_nan_canonicalization",
    "memory_may_move",
    "native_unwind_info",
    "macos_use_mach_ports",
    "signals_based_traps",
    "memory_init_cow",
)
_INT_OPTIONS = ("memory_reservation", "memory_guard_size", "memory_reservation_for_growth")
_CHOICES = {
    "cranelift_opt_level": ("none", "speed", "speed_and_size"),
    "profiler": ("none", "jitdump", "vtune", "perfmap"),
}
_CHOICE_ERRORS = {
    "cranelift_opt_level": "unknown opt level: ",
    "profiler": "unknown profiler: ",
}


def _expect_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected a bool")
    return value


def _expect_int(value: Any) -> int:
    if not isinstance(value, int):
        raise TypeError("expected an int")
    return value


def _setter(name: str, check: Callable[[Any], Any], doc: str) -> property:
    """A write-only option (as wasmtime-py's ``setter_property``) that stores ``check(value)``."""

    def fset(self: Config, value: Any) -> None:
        self._live()._options[name] = check(value)

    return property(
        fset=fset, doc=doc + "\n\nNote that this field can only be set, it cannot be read"
    )


def _feature_setter(feature: str) -> Callable[[Config, Any], None]:
    """The setter of the proposal toggle of ``feature`` (a bool)."""

    def fset(self: Config, enable: Any) -> None:
        self._live()._features[feature] = _expect_bool(enable)

    return fset


def _choice(name: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in _CHOICES[name]:
            raise WasmtimeError(_CHOICE_ERRORS[name] + str(value))
        return str(value)

    return check


# wasmrt's strategies (see wasmrt/_native.py) and what wasmtime-py's names select:
# "cranelift" and "winch" ask wasmtime for machine code of every function, which wasmrt
# gives to the functions that run hot ("auto"); "native" compiles every function first.
STRATEGIES = {"auto": "auto", "cranelift": "auto", "winch": "auto",
              "interpreter": "interpreter", "native": "native"}


def _strategy(value: Any) -> str:
    if value not in STRATEGIES:
        raise WasmtimeError("unknown strategy: " + str(value))
    if value == "native":
        from . import _native

        _native.require()
    return str(value)


def _cache(value: Any) -> bool | str:
    if isinstance(value, bool):
        if not value:
            raise WasmtimeError("caching cannot be explicitly disabled")
        return value
    if isinstance(value, str):
        return check_cache_file(value)
    raise TypeError("expected string or bool")


def _target(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a str")
    return check_target(value)


# Always on (wasmtime has no toggle for them): mutable globals, sign extension,
# saturating float-to-int conversions.
_ALWAYS_ON = ("mutable_globals", "sign_ext", "saturating_float_to_int")


def feature_mask(features: frozenset[str]) -> int:
    """``_core``'s feature bitmask (its ``FEATURES`` table) for enabled proposal names.

    Proposals ``_core`` does not know (component model, stack switching ...) have no bit:
    modules using them fail to decode whatever the toggle says.
    """
    from . import _core

    bits: dict[str, int] = _core.FEATURES
    mask = 0
    for name in (*_ALWAYS_ON, *features):
        mask |= bits.get(name, 0)
    return mask


class Config(Closeable):
    """Global configuration, used to create an ``Engine``.

    Options are write-only properties, as in wasmtime-py; ``close()`` (or a ``with``
    block) ends its use.  wasmrt honours the proposal
    toggles, ``consume_fuel``, ``epoch_interruption`` and ``max_wasm_stack``, and adds
    ``release_gil``; the other options tune native code generation and are accepted and
    ignored.
    """

    def __init__(self) -> None:
        self._features: dict[str, bool] = {feat: on for feat, on in PROPOSALS.values()}
        self._options: dict[str, Any] = {
            "consume_fuel": False,
            "epoch_interruption": False,
            "max_wasm_stack": None,
            "release_gil": False,
        }

    # Proposal toggles -------------------------------------------------------
    for _name, (_feature, _default) in PROPOSALS.items():
        locals()[_name] = property(
            fset=_feature_setter(_feature),
            doc=f"Whether the wasm `{_feature}` proposal is enabled "
            f"(default {_default}).\n\nNote that this field can only be set, it cannot be read",
        )
    del _name, _feature, _default

    # Engine behaviour -------------------------------------------------------
    consume_fuel = _setter(
        "consume_fuel",
        _expect_bool,
        "Whether wasm code consumes *fuel*; a Store then traps when it runs out.\n"
        "Stores start with 0 fuel: call ``Store.set_fuel`` first.",
    )
    epoch_interruption = _setter(
        "epoch_interruption",
        bool,
        "Whether execution can be interrupted by ``Engine.increment_epoch`` passing a "
        "Store's ``set_epoch_deadline``.",
    )
    release_gil = _setter(
        "release_gil",
        _expect_bool,
        "(wasmrt) Whether a call into wasm releases the GIL while the guest runs, so "
        "Stores on separate threads run wasm in parallel (host functions take the GIL "
        "back while they run).  Off by default: releasing and retaking the GIL costs "
        "each call some tens of nanoseconds and lets other threads in between.",
    )
    max_wasm_stack = _setter(
        "max_wasm_stack",
        _expect_int,
        "The maximum size, in bytes, of the wasm value stack of a Store; deeper recursion "
        "traps with 'call stack exhausted'.",
    )

    # Accepted for compatibility, no effect on an interpreter ----------------
    for _name in _BOOL_OPTIONS:
        locals()[_name] = _setter(
            _name, _expect_bool, f"``{_name}`` (accepted, no effect in wasmrt)."
        )
    for _name in _INT_OPTIONS:
        locals()[_name] = _setter(
            _name, _expect_int, f"``{_name}`` (accepted, no effect in wasmrt)."
        )
    strategy = _setter(
        "strategy",
        _strategy,
        "How wasm code runs: ``\"auto\"`` (default) interprets first and compiles the "
        "functions that run hot to machine code on a background thread (LLVM, the "
        "``wasmrt[native]`` extra; without it everything is interpreted), "
        "``\"interpreter\"`` never compiles, ``\"native\"`` compiles every function "
        "before its first call (an error without llvmlite).  wasmtime-py's "
        "``\"cranelift\"`` and ``\"winch\"`` select ``\"auto\"``; other values raise "
        "``WasmtimeError``.",
    )
    cranelift_opt_level = _setter(
        "cranelift_opt_level",
        _choice("cranelift_opt_level"),
        "``cranelift_opt_level``: one of none, speed, speed_and_size (accepted, no effect "
        "in wasmrt).",
    )
    profiler = _setter(
        "profiler",
        _choice("profiler"),
        "``profiler``: one of none, jitdump, vtune, perfmap.  With ``\"perfmap\"`` the "
        "native tier names every function it compiles in ``/tmp/perf-PID.map``, where "
        "Linux ``perf`` finds the names of machine code it has no symbols for (as "
        "wasmtime does); ``\"jitdump\"`` and ``\"vtune\"`` are accepted and have no "
        "effect.",
    )
    cache = _setter(
        "cache",
        _cache,
        "Code caching: ``True``, or the path of a wasmtime cache configuration file, which "
        "is checked as wasmtime checks it (``WasmtimeError`` if it cannot be read or is "
        "invalid).  wasmrt caches the machine code of its native tier there: in the "
        "file's ``cache.directory``, else ``$XDG_CACHE_HOME/wasmrt`` (``~/.cache/wasmrt``); "
        "``enabled = false`` turns it off.",
    )
    target = _setter(
        "target",
        _target,
        "Target triple, parsed as wasmtime parses it (``WasmtimeError`` for an unknown "
        "one); no effect in wasmrt, whose code runs on any host.",
    )

    def cranelift_flag_enable(self, flag: str) -> None:
        """Enables a Cranelift flag (accepted and ignored: wasmrt interprets)."""
        self._live()
        if not isinstance(flag, str):
            raise TypeError("expected a str")

    def cranelift_flag_set(self, key: str, value: str) -> None:
        """Sets a Cranelift flag (accepted and ignored: wasmrt interprets)."""
        self._live()
        if not isinstance(key, str):
            raise TypeError("expected a str for key")
        if not isinstance(value, str):
            raise TypeError("expected a str for value")


class Engine(Closeable):
    """Compilation settings and the epoch counter shared by Modules and Stores.

    ``Engine(config=None)`` consumes ``config``: it cannot make another Engine or take
    new settings afterwards (``ValueError``).  An Engine is safe to share between
    threads.  Once closed, no Module, Store or Linker can be made with it (those made
    before keep working).
    """

    def __init__(self, config: Config | None = None):
        if config is None:
            config = Config()
        elif not isinstance(config, Config):
            raise WrongKindError("expected Config")
        config._live()
        # the Engine consumes its Config, as in wasmtime-py: using it again (another
        # Engine, setting an option) raises ValueError("already closed")
        config.close()
        self._features: frozenset[str] = frozenset(f for f, on in config._features.items() if on)
        self._consume_fuel: bool = bool(config._options["consume_fuel"])
        self._epoch_interruption: bool = bool(config._options["epoch_interruption"])
        self._max_wasm_stack: int | None = config._options["max_wasm_stack"]
        self._release_gil: bool = bool(config._options["release_gil"])
        # Config.cache: an on-disk cache of machine code (wasmrt/_native.py cache_path)
        self._native_cache: Any = config._options.get("cache")
        # Config.profiler "perfmap": the native tier names its machine code in
        # /tmp/perf-PID.map ("jitdump" and "vtune" are accepted and ignored)
        self._profiler: str = config._options.get("profiler") or "none"
        # WASMRT_STRATEGY changes the default (to run test suites natively)
        self._strategy: str = STRATEGIES[_strategy(
            config._options.get("strategy") or os.environ.get("WASMRT_STRATEGY", "auto"))]
        # Fuel and epoch checks are compiled in (IR_FUEL at function entry and loop
        # heads) only when an Engine asks for them.
        self._metering = self._consume_fuel or self._epoch_interruption
        self._feature_mask: int = feature_mask(self._features)
        if self._metering:
            from . import _core

            self._feature_mask |= _core.FEATURE_METERING
        from . import _interp

        self._epoch_counter: Any = _interp.EpochCounter()

    def __reduce__(self) -> tuple[Any, ...]:
        config = Config()
        config._features = {f: f in self._features for f, _ in PROPOSALS.values()}
        config._options.update(
            consume_fuel=self._consume_fuel,
            epoch_interruption=self._epoch_interruption,
            max_wasm_stack=self._max_wasm_stack,
            release_gil=self._release_gil,
            strategy=self._strategy,
        )
        return (Engine, (config,))

    def increment_epoch(self) -> None:
        """Advance the epoch by one: Stores whose deadline is reached trap with an interrupt."""
        self._live()._epoch_counter.increment()

    def is_pulley(self) -> bool:
        """Whether this engine runs the Pulley interpreter (wasmtime-py API; always False)."""
        self._live()
        return False
