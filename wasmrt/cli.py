"""The ``wasmrt`` command line (``python -m wasmrt``, console script ``wasmrt``).

Subcommands (flag shapes as in the ``wasmtime`` CLI)::

    wasmrt run [--dir HOST[::GUEST]]... [--env KEY[=VALUE]]... [--invoke NAME] [--fuel N]
               [--preload NAME=PATH]... [--profile OUT.json|OUT.svg [--profile-interval MS]]
               FILE.wasm|FILE.wat [ARGS...]
    wasmrt wast FILE...
    wasmrt validate FILE
    wasmrt wat2wasm IN [-o OUT]

``wasmrt FILE [ARGS...]`` is short for ``wasmrt run FILE [ARGS...]``.  ``run`` exits with the
guest's exit status; a trap prints its message and wasm backtrace on stderr and exits with
134 (as ``wasmtime`` does: 128 + SIGABRT); any other error exits with 1.  ``--profile``
samples the guest (``wasmrt.Profiler``) and writes the profile when it ends, however it
ends: speedscope JSON for a ``.json`` file, a flame graph for ``.svg``.

``main(argv, api=...)`` takes the module providing the wasmtime-compatible API (the
``wasmrt`` package by default; wasmtime-py also works, which the tests use as a reference).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from . import errors, wasi
from .errors import ExitTrap

__all__ = ["build_parser", "main"]

TRAP_EXIT_STATUS = 134  # 128 + SIGABRT, as the wasmtime CLI on Unix
ERROR_EXIT_STATUS = 1
SUBCOMMANDS = ("run", "wast", "validate", "wat2wasm")

DESCRIPTION = """\
wasmrt: run WebAssembly modules and WASI programs.

  wasmrt run hello.wasm                      run a WASI command
  wasmrt run --dir .::/work prog.wasm a b    ... with the current directory as /work
  wasmrt run --invoke add math.wat 2 3       call an exported function, print its results
  wasmrt run --profile out.svg prog.wasm     ... and write a flame graph of where it ran
  wasmrt wast test.wast                      run a spec test script
  wasmrt validate module.wasm                decode and validate a module
  wasmrt wat2wasm module.wat -o module.wasm  convert text to binary
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``wasmrt`` command."""
    parser = argparse.ArgumentParser(
        prog="wasmrt", description=DESCRIPTION, formatter_class=_HelpFormatter,
        epilog="Run `wasmrt COMMAND --help` for the options of a command.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run", help="run a WebAssembly module or WASI program",
        formatter_class=_HelpFormatter,
        description="Run a WASI command (its `_start`), or call one export with --invoke.\n"
                    "The program sees only the directories, environment variables and\n"
                    "arguments given here. The exit status is the program's exit code;\n"
                    "a trap exits with 134 after printing the trap and its backtrace.",
    )
    run.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                     help="grant access to the host directory HOST, seen by the program as "
                          "GUEST (default: the same path); repeatable")
    run.add_argument("--env", action="append", default=[], metavar="KEY[=VALUE]",
                     help="set an environment variable for the program; KEY alone passes "
                          "this process's value through; repeatable")
    run.add_argument("--invoke", metavar="NAME",
                     help="call the export NAME with ARGS parsed by its parameter types and "
                          "print its results, instead of running `_start`")
    run.add_argument("--fuel", type=int, metavar="N",
                     help="trap once the program has used N units of fuel")
    run.add_argument("--preload", action="append", default=[], metavar="NAME=PATH",
                     help="instantiate the module at PATH first and make its exports "
                          "importable under the module name NAME; repeatable")
    run.add_argument("--profile", metavar="OUT",
                     help="sample the program while it runs and write the profile to OUT: "
                          "speedscope JSON (OUT.json, https://www.speedscope.app) or a flame "
                          "graph (OUT.svg, opens in a browser)")
    run.add_argument("--profile-interval", type=float, metavar="MS",
                     help="milliseconds between profile samples (default 1)")
    run.add_argument("file", metavar="FILE", help="the module (.wasm binary or .wat text)")
    run.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                     help="arguments passed to the program (argv[1:]) or to --invoke")

    wast = sub.add_parser("wast", help="run .wast spec test scripts",
                          description="Run WebAssembly spec test scripts and report each "
                                      "directive that fails. Exit status 1 if any fails.")
    wast.add_argument("files", nargs="+", metavar="FILE", help=".wast script")

    validate = sub.add_parser("validate", help="check that a module decodes and validates",
                              description="Decode and validate a module; print the error "
                                          "and exit with 1 if it is malformed or invalid.")
    validate.add_argument("file", metavar="FILE", help="the module (.wasm or .wat)")

    w2w = sub.add_parser("wat2wasm", help="convert WebAssembly text to binary",
                         description="Convert a .wat module to the binary format.")
    w2w.add_argument("input", metavar="IN", help="the .wat file ('-' for stdin)")
    w2w.add_argument("-o", "--output", metavar="OUT",
                     help="where to write the binary ('-' for stdout; default: IN with the "
                          "suffix .wasm)")
    return parser


def main(argv: Sequence[str] | None = None, *, api: ModuleType | None = None) -> int:
    """Run the ``wasmrt`` command with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] not in SUBCOMMANDS and not args[0].startswith("-"):
        args.insert(0, "run")  # `wasmrt FILE ARGS...`
    parser = build_parser()
    opts = parser.parse_args(args)
    if opts.command is None:
        parser.print_help()
        return 0
    if api is None:
        api = sys.modules[__package__ or "wasmrt"]  # the wasmrt package: every public name
    handler = {"run": _run, "wast": _wast, "validate": _validate, "wat2wasm": _wat2wasm}
    try:
        return handler[opts.command](opts, api)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return ERROR_EXIT_STATUS


def _api_name(api: ModuleType, name: str) -> Any:
    """``api.NAME``, else wasmrt's own class of that name (``wasmrt.api`` leaves errors to
    ``wasmrt.errors``)."""
    return getattr(api, name, None) or getattr(errors, name)


def _error(message: str) -> int:
    sys.stdout.flush()
    print(f"error: {message}", file=sys.stderr)
    return ERROR_EXIT_STATUS


def _load(api: ModuleType, engine: Any, path: str) -> Any:
    """A ``Module`` from a ``.wasm`` or ``.wat`` file."""
    data = Path(path).read_bytes()
    if not data.startswith(b"\0asm"):
        return api.Module(engine, data.decode("utf-8"))
    return api.Module(engine, data)


# run ------------------------------------------------------------------------------


def _wasi_config(opts: argparse.Namespace) -> wasi.WasiConfig:
    config = wasi.WasiConfig()
    config.argv = [opts.file, *opts.args]
    env = []
    for item in opts.env:
        key, eq, value = item.partition("=")
        if not eq:
            if key not in os.environ:
                continue
            value = os.environ[key]
        env.append((key, value))
    config.env = env
    config.inherit_stdin()
    config.inherit_stdout()
    config.inherit_stderr()
    for spec in opts.dir:
        host, sep, guest = spec.partition("::")
        config.preopen_dir(host, guest if sep else host)
    return config


def _parse_arg(ty: Any, text: str) -> Any:
    kind = str(ty)
    try:
        if kind in ("i32", "i64"):
            value = int(text, 0)
            bits = 32 if kind == "i32" else 64
            if not -(1 << (bits - 1)) <= value < (1 << bits):
                raise ValueError(f"out of range for {kind}")
            return value - (1 << bits) if value >= 1 << (bits - 1) else value
        if kind in ("f32", "f64"):
            return float(text)
    except ValueError as exc:
        raise ValueError(f"invalid {kind} argument {text!r}: {exc}") from None
    raise ValueError(f"cannot pass an argument of type {kind} from the command line")


def _format_result(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _run(opts: argparse.Namespace, api: ModuleType) -> int:
    config = api.Config()
    if opts.fuel is not None:
        config.consume_fuel = True
    engine = api.Engine(config)
    try:
        module = _load(api, engine, opts.file)
        wasi_config = _wasi_config(opts)
    except (OSError, UnicodeDecodeError) as exc:
        return _error(f"cannot read {opts.file}: {exc}")
    except _api_name(api, "WasmtimeError") as exc:
        return _error(f"failed to compile {opts.file}: {exc}")
    store = api.Store(engine)
    if opts.fuel is not None:
        store.set_fuel(opts.fuel)
    profiler = None
    if opts.profile is not None:
        try:
            profiler = _profiler(api, store, opts)
        except (ValueError, TypeError) as exc:
            return _error(str(exc))
    linker = api.Linker(engine)
    status = ERROR_EXIT_STATUS
    try:
        status = _run_in(api, engine, store, linker, module, wasi_config, opts)
    finally:   # also after Ctrl-C: the profile says where a long run was
        if profiler is not None:
            profiler.stop()
            try:
                profiler.write(opts.profile)
            except OSError as exc:
                status = _error(f"cannot write the profile {opts.profile}: {exc}")
    return status


def _profiler(api: ModuleType, store: Any, opts: argparse.Namespace) -> Any:
    """A started ``Profiler`` of ``store`` for ``--profile`` (ValueError for a file name
    of no known format, or a runtime that has no profiler)."""
    profiler_class = getattr(api, "Profiler", None)
    if profiler_class is None:
        raise ValueError("--profile needs wasmrt's runtime (this one has no Profiler)")
    from .profiler import DEFAULT_INTERVAL, check_format

    check_format(opts.profile)
    ms = opts.profile_interval
    if ms is not None and not 0 < ms <= 3_600_000:
        raise ValueError(f"--profile-interval must be a positive number of ms, not {ms}")
    interval = DEFAULT_INTERVAL if ms is None else ms / 1000
    profiler = profiler_class(store, interval, name=Path(opts.file).name)
    profiler.start()
    return profiler


def _run_in(api: ModuleType, engine: Any, store: Any, linker: Any, module: Any,
            wasi_config: wasi.WasiConfig, opts: argparse.Namespace) -> int:
    """``run`` once the module is compiled and the store made."""
    with wasi.WasiContext(wasi_config) as ctx:
        wasi.define_wasi(linker, ctx)
        try:
            for spec in opts.preload:
                name, eq, path = spec.partition("=")
                if not eq or not name or not path:
                    return _error(f"--preload expects NAME=PATH, got {spec!r}")
                preload = linker.instantiate(store, _load(api, engine, path))
                linker.define_instance(store, name, preload)
            instance = linker.instantiate(store, module)
            exports = instance.exports(store)
            if opts.invoke is None:
                start = exports.get("_start") if hasattr(exports, "get") else None
                if start is None:
                    return _error(f"{opts.file} exports no `_start` function; use --invoke NAME "
                                  "to call an export")
                start(store)
                return 0
            return _invoke(api, store, exports, opts)
        except ExitTrap as exc:
            return exc.code & 0xFF
        except _api_name(api, "Trap") as exc:
            sys.stdout.flush()
            print(f"error: failed to run {opts.file}: {exc}", file=sys.stderr)
            return TRAP_EXIT_STATUS
        except (OSError, UnicodeDecodeError) as exc:
            return _error(f"cannot read a preloaded module: {exc}")
        except _api_name(api, "WasmtimeError") as exc:
            exit_trap = _exit_code_in(exc)
            if exit_trap is not None:
                return exit_trap
            if "wasm trap" in str(exc) or "wasm backtrace" in str(exc):
                sys.stdout.flush()
                print(f"error: failed to run {opts.file}: {exc}", file=sys.stderr)
                return TRAP_EXIT_STATUS
            return _error(str(exc))
        finally:
            sys.stdout.flush()


def _exit_code_in(exc: BaseException) -> int | None:
    """The exit code if ``exc`` is (or wraps) a WASI exit (for engines that wrap it)."""
    code = getattr(exc, "code", None)
    if isinstance(exc, ExitTrap) or (type(exc).__name__ == "ExitTrap" and isinstance(code, int)):
        return int(code) & 0xFF  # type: ignore[arg-type]
    return None


def _invoke(api: ModuleType, store: Any, exports: Any, opts: argparse.Namespace) -> int:
    init = exports.get("_initialize") if hasattr(exports, "get") else None
    if init is not None:
        init(store)
    func = exports.get(opts.invoke) if hasattr(exports, "get") else None
    if func is None or not callable(func) or not hasattr(func, "type"):
        return _error(f"{opts.file} exports no function named `{opts.invoke}`")
    ty = func.type(store)
    params = list(ty.params)
    if len(opts.args) != len(params):
        return _error(f"`{opts.invoke}` takes {len(params)} argument(s) "
                      f"({', '.join(str(p) for p in params) or 'none'}), "
                      f"{len(opts.args)} given")
    try:
        values = [_parse_arg(p, a) for p, a in zip(params, opts.args)]
    except ValueError as exc:
        return _error(str(exc))
    result = func(store, *values)
    results = [] if result is None else list(result) if isinstance(result, (list, tuple)) \
        else [result]
    for value in results:
        print(_format_result(value))
    return 0


# wast, validate, wat2wasm ---------------------------------------------------------------


def _wast(opts: argparse.Namespace, api: ModuleType) -> int:
    from .script import run_script

    status = 0
    for path in opts.files:
        if not Path(path).is_file():
            status = _error(f"no such file: {path}")
            continue
        result = run_script(Path(path), api=api)
        print(result.report(), flush=True)
        if not result.ok:
            status = ERROR_EXIT_STATUS
    return status


def _validate(opts: argparse.Namespace, api: ModuleType) -> int:
    try:
        data = Path(opts.file).read_bytes()
    except OSError as exc:
        return _error(f"cannot read {opts.file}: {exc}")
    engine = api.Engine()
    try:
        if not data.startswith(b"\0asm"):
            data = api.wat2wasm(data.decode("utf-8"))
        api.Module.validate(engine, data)
    except UnicodeDecodeError as exc:
        return _error(f"{opts.file}: not a module (neither binary nor UTF-8 text): {exc}")
    except _api_name(api, "WasmtimeError") as exc:
        return _error(f"{opts.file}: {exc}")
    return 0


def _wat2wasm(opts: argparse.Namespace, api: ModuleType) -> int:
    try:
        text = sys.stdin.read() if opts.input == "-" else Path(opts.input).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return _error(f"cannot read {opts.input}: {exc}")
    try:
        binary = api.wat2wasm(text)
    except _api_name(api, "WasmtimeError") as exc:
        return _error(str(exc))
    out = opts.output
    if out is None:
        out = "-" if opts.input == "-" else str(Path(opts.input).with_suffix(".wasm"))
    if out == "-":
        sys.stdout.buffer.write(binary)
        sys.stdout.flush()
    else:
        try:
            Path(out).write_bytes(binary)
        except OSError as exc:
            return _error(f"cannot write {out}: {exc}")
    return 0
