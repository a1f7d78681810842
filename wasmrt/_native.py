"""The native tier: hot functions compiled to machine code through LLVM (llvmlite).

``Config.strategy`` chooses: ``"auto"`` (the default) interprets first and compiles the
bodies that run hot on a background thread; ``"native"`` compiles every body a module has
before its first call; ``"interpreter"`` never compiles.  Without llvmlite (the
``wasmrt[native]`` extra) ``"auto"`` interprets and ``"native"`` is an error.

Pieces: ``_native_ir`` translates lowered code to LLVM IR; this module optimises and
links it (one LLVM module per batch of bodies, ORC LLJIT), installs it
(``_interp.native_install``: cell 0 of the body enters the machine code), and runs the
tier-up thread, which takes the bodies that ``attention()`` found hot (samples, see
``_interp_native.pxi``) and compiles each with its direct callees, so calls between them
are direct C calls.

Compilation holds a lock (LLVM objects are not shared between threads); llvmlite's C
calls release the GIL.  A guest that holds the GIL lets the compile thread in at every
sample tick while a compile is pending (``tier_yield_gil``).
"""

from __future__ import annotations

import atexit
import bisect
import dataclasses
import hashlib
import json
import os
import struct
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

from .errors import WasmtimeError

if TYPE_CHECKING:
    from pathlib import Path

    from . import _native_ir as nir

# Bodies larger than this are compiled in part by tier-up, the blocks that run (LLVM's
# time grows faster than linearly in one huge function; _interp's TIER_BIG is the same
# size); "native" compiles every size whole.
MAX_TIER_CELLS = 20000
# ... but for a body compiled in part (CPython's eval loop, 43,351 cells): the blocks that
# ran (tier-up samples' pcs, widened: `_native_ir.Body.reached`) if they are at most
# PARTIAL_CELLS, compiled again (at most PARTIAL_RECOMPILES times) with the blocks its
# side exits lead to once they left machine code EXITS_RECOMPILE times (exits with at
# least EXIT_SHARE of them); one without enough samples waits PARTIAL_WAIT more.
PARTIAL_CELLS = 12000
# Off by default (WASMRT_NATIVE_PARTIAL=1 turns it on): measured on the loop job it does
# not pay yet (ARCHITECTURE.md, "Side exits and bodies compiled in part").
PARTIAL = os.environ.get("WASMRT_NATIVE_PARTIAL", "") not in ("", "0")
PARTIAL_RECOMPILES = 3
EXITS_RECOMPILE = 20000
EXIT_SHARE = 0.005
PARTIAL_WAIT = 500
# ... and a pc sampled once may be a rare path: it takes two samples to be compiled (the
# loop job: 5,963 samples of the eval loop at 57 pcs; from those sampled twice or more its
# blocks are 4,847 cells, from all 8,688)
PARTIAL_SEED = 2
# A tier-up batch: the hot body plus direct callees up to this depth and cell budget that
# have run long enough to pay for their own cells (`NativeModule.callee_pays`) or are
# small (cheap to take along, and called in registers: `_native_ir.Translator.reg_bodies`),
# none compiled in an earlier batch (those are linked); LLVM's time goes with the batch's
# size, and most callees of a hot body are cold paths.  A callee left out is compiled once
# machine code has called it TIER_CALLS times (_interp_native.pxi).
CALLEE_DEPTH = 2
BATCH_CELLS = 20000
CALLEE_SMALL = 64
# "native": bodies per LLVM module (compile time grows with module size), and the LLVM
# workers that optimise batches side by side (at most one per CPU the process may use)
NATIVE_BATCH_CELLS = 40000
NATIVE_WORKERS = 4

# Tier-up's threshold grows with a body's size (_interp_native.pxi: 25 samples and
# TIER_PER_KCELL per 1000 lowered cells, a floor; then the compile thread's estimate of
# the body's batch, _tier_loop); WASMRT_NATIVE_TIER_COST=N sets N samples per 1000 cells
# instead of the default and scales the estimate in proportion (experiments:
# _interp.set_tier_cost).
_TIER_COST_FORCED = os.environ.get("WASMRT_NATIVE_TIER_COST", "")
# What a tier-up batch costs (CPU seconds of translation, LLVM and linking), estimated
# from its cells: ~40 ms a batch (LLVM, the worker's pipe, linking), 0.1-0.2 ms per cell
# of the hot body itself when it is large (resvg's largest hot bodies, 1,000-3,000 cells)
# and ~0.45 per cell of the callees it pulls in, measured on resvg's and CPython's tier-up
# batches (a least-squares fit over their batches replayed, tools/native_replay.py: 0.48
# per callee cell, 0.46 while small callees compiled before were compiled again).  A
# process scales the estimate by what its own batches cost (_Price: the machine, its
# load, the program).
COST_BATCH = 0.04
COST_CELL = 0.00015
COST_CALLEE_CELL = 0.00045
# ... but a body compiled in part (the part of CPython's eval loop that runs: many memory
# accesses and branches per cell, ~450 bytes of IR per cell against resvg's ~230) ~0.8 ms
# per cell of the part (the loop job's: 4,863 cells, 4.3 s of LLVM with its small callees)
COST_PARTIAL_CELL = 0.0008
# ... and the first batch of a process starts LLVM (the worker process, the JIT): ~0.15 s
COST_START = 0.15
# _interp's default TIER_PER_KCELL: the floor under the estimate (the cheapest per cell)
TIER_COST_DEFAULT = 150
# ... while a CPU core sits idle beside the guest (`_Spare`): the compile thread's CPU
# time then delays nothing, and the guest's wall time is what compiling early saves, so
# a body is compiled once it has run a tenth of its estimated compile time (the price
# falls to SPARE_COST per 1000 cells).  A core counts as idle when the CPUs this process
# may run on were idle SPARE_IDLE of a core or more (the compile thread's own time
# counted as idle) over the last SPARE_WINDOW seconds or more, the first time over
# SPARE_FIRST (the compile thread looks that often until then: the first bodies of a
# job reach their price within its first second).
SPARE_COST = 15
SPARE_IDLE = 0.75
SPARE_WINDOW = 0.25
SPARE_FIRST = 0.05
# a body queued with fewer samples came through its calls from machine code (TIER_CALLS)
TIER_SAMPLES_MIN = 25

# A test knob for side exits (tests, the fuzzer): WASMRT_NATIVE_OMIT=P[:SEED] leaves out
# of every body compiled each block but the first with probability P (a pseudo-random
# choice per body, from SEED and the function index), so machine code leaves at those
# blocks and the interpreter continues (`_native_ir.Body.omit`, `wr_side`).
_OMIT = os.environ.get("WASMRT_NATIVE_OMIT", "")

# LLVM's speed level per batch (opt_level): WASMRT_NATIVE_OPT=N forces one (experiments).
_OPT_FORCED = int(os.environ.get("WASMRT_NATIVE_OPT", "0") or 0)

_lock = threading.RLock()
_jit: _Jit | None = None
_llvm: Any = None
_STAT_KEYS = ("bodies", "batches", "seconds", "failed", "cells", "ir_bytes", "translate_s",
              "parse_s", "optimise_s", "codegen_s", "link_s")
_stats: dict[str, float] = dict.fromkeys(_STAT_KEYS, 0)
# WASMRT_NATIVE_LOG=FILE (or "-" for stderr): one line per compiled batch (its bodies,
# cells, IR size and the seconds of each phase).
_log_to = os.environ.get("WASMRT_NATIVE_LOG", "")
_t0 = time.monotonic()     # the log's clock: seconds since this module was imported


def available() -> bool:
    """Whether llvmlite (the ``wasmrt[native]`` extra) is installed (without importing
    it: loading LLVM takes about 0.3 s, paid on the compile thread)."""
    import importlib.util

    try:
        return importlib.util.find_spec("llvmlite") is not None
    except (ImportError, ValueError):
        return False


def _preload() -> None:
    """Map llvmlite's LLVM library without holding the GIL (ctypes' own dlopen holds
    it for the ~0.3 s a cold load takes, which would stall a guest's host calls)."""
    import importlib.util
    from pathlib import Path

    from . import _interp

    spec = importlib.util.find_spec("llvmlite")
    if spec is None or not spec.submodule_search_locations:
        return
    lib = Path(next(iter(spec.submodule_search_locations))) / "binding" / "libllvmlite.so"
    if lib.exists():
        _interp.preload_library(str(lib).encode())


def require() -> None:
    """Raise ``WasmtimeError`` naming the extra when llvmlite is missing."""
    if not available():
        raise WasmtimeError(
            'strategy "native" needs llvmlite: install the native extra '
            "(pip install 'wasmrt[native]')")


def stats() -> dict[str, float]:
    """Counters of this process: bodies compiled and installed, batches, failed batches,
    the batches' lowered cells and IR bytes, and seconds: wall time in all (``seconds``,
    each batch from translation to installation) and CPU time per phase (``translate_s``
    in Python here, ``parse_s``, ``optimise_s`` and ``codegen_s`` in LLVM, ``link_s``
    here)."""
    return dict(_stats)


def _note(bodies: list[int], cells: int, ir: str, wall: float,
          times: tuple[float, ...]) -> None:
    """Count one compiled batch of `wall` seconds (`times`: translate, parse, optimise,
    codegen, link)."""
    _stats["batches"] += 1
    _stats["cells"] += cells
    _stats["ir_bytes"] += len(ir)
    for key, t in zip(("translate_s", "parse_s", "optimise_s", "codegen_s", "link_s"), times):
        _stats[key] += t
    _stats["seconds"] += wall
    if _log_to:
        line = (f"wasmrt-native batch {int(_stats['batches'])} at {time.monotonic() - _t0:.2f} s: "
                f"{len(bodies)} bodies "
                f"{cells} cells {len(ir) >> 10} KiB IR; {wall:.3f} s: translate {times[0]:.3f} parse "
                f"{times[1]:.3f} optimise {times[2]:.3f} codegen {times[3]:.3f} link "
                f"{times[4]:.3f} s; bodies {bodies[:8]}{'...' if len(bodies) > 8 else ''}\n")
        import sys

        try:
            if _log_to == "-":
                sys.stderr.write(line)
            else:
                with open(_log_to, "a") as f:
                    f.write(line)
        except (OSError, ValueError):   # a log that cannot be written is no log
            pass


class _Jit:
    """One LLJIT, target machine and symbol table for the process."""

    def __init__(self) -> None:
        global _llvm
        import llvmlite.binding as llvm

        from . import _interp

        _llvm = llvm
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        target = llvm.Target.from_default_triple()
        self.cpu = llvm.get_host_cpu_name()
        self.features = llvm.get_host_cpu_features().flatten()
        self.tm = target.create_target_machine(cpu=self.cpu, features=self.features, opt=2,
                                               reloc="pic", codemodel="small", jit=True)
        self.jit = llvm.create_lljit_compiler(self.tm, use_jit_link=True)
        self.symbols = _interp.native_symbols()
        self.layout = _interp.native_layout()
        self.count = 0
        self.local: Any = None      # the in-process optimiser, when there is no worker

    def optimise(self, ir: str, level: int) -> tuple[bytes, tuple[float, float, float]]:
        """IR text -> (object code optimised at LLVM speed `level`, seconds of parsing,
        optimising and code generation): in the LLVM worker process, or here when no
        worker can be started."""
        if _stopping:   # the process is exiting: no LLVM in it now (see _stop)
            raise RuntimeError("the process is exiting")
        worker = _worker(self.cpu, self.features)
        if worker is not None:
            return worker.optimise(ir, level)
        if self.local is None:
            from ._native_worker import optimiser

            self.local = optimiser(self.cpu, self.features)
        obj, times = self.local(ir, level)
        return bytes(obj), times

    def link(self, obj: bytes, exports: list[str],
             imports: dict[str, int]) -> tuple[Any, dict[str, int]]:
        """Load object code whose undefined symbols are the runtime's and `imports`
        (name -> address): (resource tracker, export name -> address)."""
        b = _llvm.JITLibraryBuilder().add_object_img(obj)
        for name, addr in {**self.symbols, **imports}.items():
            b.import_symbol(name, addr)
        for name in exports:
            b.export_symbol(name)
        self.count += 1
        tracker = b.link(self.jit, f"wasmrt{self.count}")
        return tracker, {name: tracker[name] for name in exports}


class _Worker:
    """The LLVM worker process (``_native_worker.py``): optimises and emits object code,
    so that the process can exit without waiting for a compile (the worker is killed)."""

    def __init__(self, cpu: str, features: str):
        import subprocess
        import sys

        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_native_worker.py")
        self.proc = subprocess.Popen([sys.executable, path, cpu, features],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)

    def optimise(self, ir: str, level: int) -> tuple[bytes, tuple[float, float, float]]:
        data = ir.encode()
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(struct.pack("<QB", len(data), level) + data)
            stdin.flush()
            head = stdout.read(9)
            status, n = struct.unpack("<BQ", head)
            body = stdout.read(n)
        except (OSError, ValueError, struct.error) as exc:
            self.stop()
            raise RuntimeError("the LLVM worker stopped") from exc
        if len(body) != n:
            self.stop()
            raise RuntimeError("the LLVM worker stopped")
        if status != 0:
            raise RuntimeError(body.decode(errors="replace"))
        return body[24:], struct.unpack_from("<3d", body)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


_the_worker: _Worker | None = None
# the LLVM workers beyond the first that strategy "native" compiles with (`_Pool`)
_more_workers: list[_Worker] = []
# On unless WASMRT_NATIVE_WORKER=0 (then LLVM runs in this process, and a compile in flight
# is waited for at exit).
_no_worker = os.environ.get("WASMRT_NATIVE_WORKER", "1") == "0"


def _worker(cpu: str, features: str) -> _Worker | None:
    """The LLVM worker, started on first use (again if it died); None when processes
    cannot be started here (then LLVM runs in this process)."""
    global _the_worker, _no_worker
    if _no_worker:
        return None
    if _the_worker is None or not _the_worker.alive():
        try:
            _the_worker = _Worker(cpu, features)
        except OSError:
            _no_worker = True
            return None
    return _the_worker


def opt_level(bodies: list[nir.Body]) -> int:
    """LLVM's speed level for a batch of `bodies`."""
    return _OPT_FORCED or 2


def _ir() -> Any:
    """The translator module (imported on first use: it is not needed to interpret)."""
    from . import _native_ir

    return _native_ir


def jit() -> _Jit:
    global _jit
    with _lock:
        if _jit is None:
            _jit = _Jit()
        return _jit


def cpu_key() -> str:
    """The CPU the code is for (name + features): part of every cache key."""
    j = jit()
    return f"{j.cpu}:{hashlib.sha256(j.features.encode()).hexdigest()[:16]}"


@dataclasses.dataclass
class _Batch:
    """A batch of bodies between translation (`NativeModule.translate`) and linking
    (`NativeModule.link`)."""

    bodies: list[nir.Body]
    names: list[int]        # the bodies it installs
    every: list[int]        # every body it holds
    linked: list[int]       # the bodies of earlier batches it calls
    replace: bool
    ir: str
    t0: float               # (perf_counter at the start of its translation)
    translate_s: float
    obj: bytes = b""
    llvm_times: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def optimised(self, obj: bytes, times: tuple[float, float, float]) -> None:
        self.obj, self.llvm_times = obj, times


class _Pool:
    """LLVM workers optimising batches side by side (strategy "native"): a thread per
    worker process, each sending its batches' IR and waiting for the object code without
    the GIL.  The workers are the tier-up's (`_worker`) and more of its kind, kept for the
    process (`_more_workers`)."""

    def __init__(self, workers: list[_Worker]) -> None:
        import concurrent.futures
        import queue

        self.free: queue.Queue[_Worker] = queue.Queue()
        for w in workers:
            self.free.put(w)
        self.ex = concurrent.futures.ThreadPoolExecutor(len(workers),
                                                        thread_name_prefix="wasmrt-llvm")

    @classmethod
    def start(cls, n: int) -> _Pool | None:
        """A pool of n workers, or None where worker processes cannot be started (then
        LLVM runs in this process, one batch at a time)."""
        j = jit()
        first = _worker(j.cpu, j.features)
        if first is None:
            return None
        try:
            for k, w in enumerate(_more_workers):
                if not w.alive():
                    _more_workers[k] = _Worker(j.cpu, j.features)
            while len(_more_workers) < n - 1:
                _more_workers.append(_Worker(j.cpu, j.features))
        except OSError:
            return None
        return cls([first, *_more_workers[:n - 1]])

    def submit(self, ir: str, level: int) -> Any:
        return self.ex.submit(self._run, ir, level)

    def _run(self, ir: str, level: int) -> tuple[bytes, tuple[float, float, float]]:
        if _stopping:
            raise RuntimeError("the process is exiting")
        w = self.free.get()
        try:
            return w.optimise(ir, level)
        finally:
            self.free.put(w)


class NativeModule:
    """The machine code of one compiled module (``ModuleInfo``): the loaded batches, kept
    alive by the API ``Module`` and by every instance; dropping it puts the interpreter
    back in front of every body (nothing can be running it then)."""

    def __init__(self, info: Any, strategy: str):
        from . import _interp

        self.info = info
        self.strategy = strategy
        self.perfmap = False    # Config.profiler "perfmap": name each batch's code (perf_map)
        self.codes = list(info.func_codes)
        self.nimp = int(info.num_imported_funcs)
        self._module: nir.Module | None = None     # made on first compile
        self.trackers: list[Any] = []
        # per batch: object code, the bodies it installed, their loop-header entries, every
        # body it holds, and the bodies of earlier batches it calls (links to)
        self.objects: list[tuple[bytes, list[int], dict[int, list[int]], list[int],
                                 list[int]]] = []
        self.body_addr: dict[int, int] = {}     # function index -> its body's machine code
        self.reg_addr: dict[int, int] = {}      # ... and its `reg_name` function's, if any
        self.failed: set[int] = set()       # module function indexes left interpreted
        self.installed: set[int] = set()
        self.compile_seconds: list[tuple[list[int], float]] = []
        self.exit_cells: dict[int, list[int]] = {}  # a body compiled in part: its exits
        # bodies over MAX_TIER_CELLS compiled in part: the blocks left out, the cells
        # compiled, the exit cells grown back in, and how often each was compiled
        self.partial: dict[int, frozenset[int]] = {}
        self.partial_cells: dict[int, int] = {}
        self.grown: dict[int, set[int]] = {}
        self.partial_runs: dict[int, int] = {}
        self.whole: dict[int, nir.Body] = {}
        self.cache_path: Path | None = None
        # bodies that ran hot in the process that wrote the native section loaded and had
        # no machine code there (`hot_left`), and the list this process saved last
        self.hot: list[int] = []
        self.saved_hot: list[int] = []
        self._interp = _interp

    @property
    def module(self) -> nir.Module:
        if self._module is None:
            self._module = _ir().Module.of(self.info)
        return self._module

    # -- bodies --
    def lowered(self, fi: int) -> Any:
        return self.codes[fi - self.nimp]

    def body(self, fi: int) -> nir.Body:
        lf = self.lowered(fi)
        if lf.handlers:     # exception handlers: the interpreter's unwinder lands there
            raise _ir().Unsupported("exception handlers (try_table)")
        b: nir.Body
        if fi in self.partial:      # (decoded once: `plan_partial`)
            b = dataclasses.replace(self.whole[fi], omit=self.partial[fi])
            self.check_heap_refs(b)
            return b
        b = _ir().Body(fi, self._interp.code_cells(lf), lf.nparams, lf.nresults,
                       lf.max_slots)
        b.decode()
        self.check_heap_refs(b)
        if _OMIT:
            b.omit = omitted(b, _OMIT)
        return b

    def plan_partial(self, fi: int) -> bool:
        """Choose the blocks of body `fi` (over MAX_TIER_CELLS) to compile: those its
        tier-up samples reached, and those its side exits led to often (`grown`).  False
        when it has no samples yet, or they reach more than PARTIAL_CELLS (then it stays
        interpreted: `failed`)."""
        lf = self.lowered(fi)
        seen = _reach.get(self._interp.funccode_address(lf), {})
        seeds = [c for c, n in seen.items() if n >= PARTIAL_SEED]
        if not seeds:
            return False
        b = self.whole.get(fi)
        if b is None:       # (decoded once: 0.1-0.9 s for CPython's eval loop)
            b = self.whole[fi] = _ir().Body(fi, self._interp.code_cells(lf), lf.nparams,
                                            lf.nresults, lf.max_slots)
            b.decode()
        keep = b.reached(seeds, self.grown.get(fi, ()))
        sizes = b.block_cells()
        cells = sum(sizes[k] for k in keep)
        if cells > PARTIAL_CELLS:       # (more samples only reach more)
            self.failed.add(fi)
            return False
        self.partial[fi] = frozenset(sizes) - keep
        self.partial_cells[fi] = cells
        return True

    def own_cells(self, fi: int) -> int:
        """The cells of body `fi` a compile translates (the part of one compiled in part)."""
        return self.partial_cells.get(fi) or int(self.lowered(fi).ncells)

    def grow_partial(self, fi: int) -> bool:
        """Body `fi`, compiled in part, left machine code often: compile it again with the
        blocks its frequent exits lead to.  False (and nothing done) when its exits are
        rare yet or it was compiled PARTIAL_RECOMPILES times."""
        exits = self.side_exits(fi)
        total = sum(exits.values())
        if total < EXITS_RECOMPILE or self.partial_runs.get(fi, 0) > PARTIAL_RECOMPILES:
            return False
        hot = {c for c, n in exits.items() if n >= total * EXIT_SHARE}
        self.grown.setdefault(fi, set()).update(hot)
        self.partial_runs[fi] = self.partial_runs.get(fi, 0) + 1
        if not self.plan_partial(fi):
            self.partial_runs[fi] = PARTIAL_RECOMPILES + 1     # (too big now: keep it)
            return False
        self.compile([fi], replace=True)
        return True

    def heap_ref(self, vt: int) -> bool:
        """Whether a value of (module-form) type `vt` may be a GC object or an exception
        (the any, extern or exn hierarchy)."""
        code = vt & 0xFF
        if code == 0x02:                                # a defined type: not a function's
            return int(self.info.types[vt >> 9].kind) != 0
        return 0x69 <= code <= 0x6F                     # exn array struct i31 eq any extern

    def check_heap_refs(self, b: nir.Body) -> None:
        """Leave interpreted a body that may hold a reference to a GC object or exception
        in a register across a call: one that reads such a reference from a global, a
        table or a call's results (ARCHITECTURE.md, "The GC heap": the collector scans
        only slots; a body's parameters stay in their slots, so they are safe).  Machine
        code writes its values to their slots only at calls' arguments and pause exits."""
        ir, info = _ir(), self.info
        op_global, op_table = ir.OP["global_get"], ir.OP["table_get"]
        op_call, op_ind = ir.OP["call"], ir.OP["call_indirect"]
        for i in b.instrs:
            op = b.cells[i]
            if op == op_global:
                g = ir._get(b.cells, i, ir.FIELDS[op]["global"])
                if self.heap_ref(int(info.globals[g].type.val_type)):
                    raise ir.Unsupported("a GC reference read from a global")
            elif op == op_table:
                t = ir._get(b.cells, i, ir.FIELDS[op]["table"])
                if self.heap_ref(int(info.tables[t].elem_type)):
                    raise ir.Unsupported("a GC reference read from a table")
            elif op in (op_call, op_ind):
                if op == op_call:
                    ft = info.types[info.func_types[
                        ir._get(b.cells, i, ir.FIELDS[op]["func"]) & 0xFFFFFFFF]]
                else:
                    ft = info.types[ir._get(b.cells, i, ir.FIELDS[op]["type"]) & 0xFFFFFFFF]
                if any(self.heap_ref(int(r)) for r in ft.results):
                    raise ir.Unsupported("a GC reference returned by a call")

    def callees(self, fi: int, b: nir.Body) -> list[int]:
        out = []
        leaders = b.leaders() if b.omit else []
        for i in b.instrs:
            if leaders and leaders[bisect.bisect_right(leaders, i) - 1] in b.omit:
                continue    # (a block left out: the interpreter makes its calls)
            if b.cells[i] == _ir().OP["call"]:
                callee = _ir()._get(b.cells, i, (1, "hi")) & 0xFFFFFFFF
                if callee >= self.nimp and callee not in out:
                    out.append(callee)
        return out

    # -- compiling --
    def compile(self, funcs: list[int], install: list[int] | None = None,
                replace: bool = False) -> list[int]:
        """Translate, optimise and link `funcs` as one batch, then install those of
        `install` (default: all) that have no machine code yet (`replace`: or have some,
        a body compiled in part compiled again).  Bodies that cannot be translated are
        left out.  Returns the function indexes installed."""
        with _lock:
            bt = self.translate(funcs, install, replace)
            if bt is None:
                return []
            bt.optimised(*jit().optimise(bt.ir, opt_level(bt.bodies)))
            return self.link(bt)

    def translate(self, funcs: list[int], install: list[int] | None = None,
                  replace: bool = False, ahead: frozenset[int] = frozenset()) -> _Batch | None:
        """The first step of `compile`: the batch of `funcs` translated to LLVM IR (None
        when none of them can be); its calls of bodies compiled before, and of the bodies
        `ahead` (in batches translated before it and linked before it), are calls of
        their machine code."""
        bodies = []
        for fi in funcs:
            if fi in self.failed:
                continue
            try:
                bodies.append(self.body(fi))
            except _ir().Unsupported:
                self.failed.add(fi)
        if not bodies:
            return None
        want = set(funcs if install is None else install)
        ours = {b.func_index for b in bodies}
        linked = sorted({c for b in bodies for c in self.callees(b.func_index, b)
                         if (c in self.body_addr or c in ahead) and c not in ours})
        j = jit()
        t0, c0 = time.perf_counter(), time.thread_time()
        ir = _ir().Translator(self.module, j.layout).module(
            bodies, {c: self.lowered(c).max_slots for c in linked},
            frozenset(c for c in linked if self.module.in_registers(c)))
        names = [b.func_index for b in bodies if b.func_index in want
                 and (replace or b.func_index not in self.installed)]
        return _Batch(bodies, names, [b.func_index for b in bodies], linked, replace, ir,
                      t0, time.thread_time() - c0)

    def link(self, bt: _Batch) -> list[int]:
        """The last step of `compile`: link a batch's object code and install its bodies
        (every body it calls in machine code is linked by now)."""
        c2 = time.thread_time()
        osr = {b.func_index: b.osr_headers() for b in bt.bodies}
        for b in bt.bodies:
            if b.omit and b.func_index in bt.names:
                self.exit_cells[b.func_index] = sorted(b.omit)
        done = self.load(bt.obj, bt.names, osr, bt.every, bt.linked, bt.replace)
        t3 = time.perf_counter()
        _stats["bodies"] += len(done)
        _note(bt.every, sum(len(b.cells) for b in bt.bodies), bt.ir, t3 - bt.t0,
              (bt.translate_s, *bt.llvm_times, time.thread_time() - c2))
        self.compile_seconds.append((bt.every, t3 - bt.t0))
        self.objects.append((bt.obj, bt.names, {fi: osr[fi] for fi in bt.names}, bt.every,
                             bt.linked))
        return done

    def load(self, obj: bytes, names: list[int], osr: dict[int, list[int]],
             every: list[int], linked: list[int], replace: bool = False) -> list[int]:
        """Link object code (the bodies `every`, calling the `linked` bodies of earlier
        batches), point each body's code global at its lowered cells, and install the
        bodies `names`."""
        import ctypes

        ir = _ir()
        exports = [ir.entry_name(fi) for fi in names]
        exports += [f(fi) for fi in every for f in (ir.body_name, ir.code_name)]
        if self.perfmap:
            exports.append(ir.FUNCS_NAME)
        # (machine code loaded from a cache or a serialized module came from this very
        # translator, `code_key`: its bodies in registers export their alias too)
        regs = [fi for fi in every if self.module.in_registers(fi)]
        exports += [ir.reg_export_name(fi) for fi in regs]
        j = jit()
        imports = {ir.body_name(fi): self.body_addr[fi] for fi in linked}
        imports.update({ir.reg_export_name(fi): self.reg_addr[fi] for fi in linked
                        if self.module.in_registers(fi)})
        tracker, addrs = j.link(obj, exports, imports)
        for fi in regs:
            self.reg_addr.setdefault(fi, addrs[ir.reg_export_name(fi)])
        self.trackers.append(tracker)
        if self.perfmap:
            self.perf_map(obj, addrs)
        for fi in every:
            self.body_addr.setdefault(fi, addrs[ir.body_name(fi)])
        for fi in every:        # before any of them can run
            fc = self._interp.funccode_address(self.lowered(fi))
            cells = ctypes.c_void_p.from_address(fc + j.layout["code.code"]).value
            ctypes.c_void_p.from_address(addrs[ir.code_name(fi)]).value = cells
        done = []
        for fi in names:
            if replace and fi in self.installed:
                self._interp.native_replace(self.lowered(fi), addrs[_ir().entry_name(fi)],
                                            addrs[_ir().body_name(fi)], osr[fi],
                                            self.exit_cells.get(fi, ()))
                done.append(fi)
            elif self._interp.native_install(self.lowered(fi), addrs[_ir().entry_name(fi)],
                                           addrs[_ir().body_name(fi)], osr[fi],
                                           self.exit_cells.get(fi, ())):
                self.installed.add(fi)
                done.append(fi)
        return done

    # -- machine code across processes (Module.serialize, the on-disk cache) --
    def hot_left(self) -> list[int]:
        """The bodies without machine code that have run hot (TIER_SAMPLES_MIN samples)
        here or in the process whose native section this module loaded (`hot`): a
        process that loads this module's native section compiles them at once (a body
        that never paid for its batch within one run pays across the runs a cache
        serves).  Bodies compiled in part are left to their samples."""
        out = {fi for fi in self.hot if fi not in self.installed}
        for k, lf in enumerate(self.codes):
            fi = self.nimp + k
            if (fi not in self.installed and lf.ncells <= MAX_TIER_CELLS
                    and self._interp.native_state(lf)[1] >= TIER_SAMPLES_MIN):
                out.add(fi)
        return sorted(out - self.failed)

    def dump(self, hot: list[int] | None = None) -> bytes:
        """The native section of a serialized module: every batch's object code, the
        bodies it installs and their loop-header entries, for this CPU and llvmlite, and
        the bodies left hot (`hot_left`, or `hot`)."""
        if not self.objects:
            return b""
        desc = {"key": code_key(), "hot": self.hot_left() if hot is None else hot, "batches": [
            {"size": len(obj), "funcs": names, "osr": {str(k): v for k, v in osr.items()},
             "exits": {str(k): self.exit_cells[k] for k in names if k in self.exit_cells},
             "bodies": every, "links": linked}
            for obj, names, osr, every, linked in self.objects]}
        head = json.dumps(desc).encode()
        rest = b"".join([struct.pack("<I", len(head)), head, *(e[0] for e in self.objects)])
        return NATIVE_MAGIC + hashlib.sha256(rest).digest() + rest

    def perf_map(self, obj: bytes, addrs: dict[str, int]) -> None:
        """Name the functions of a batch just linked (object code `obj`, its exported
        addresses `addrs`) in this process's perf map (`write_perf_map`): every function of
        its table (`_native_ir.FUNCS_NAME`)."""
        import ctypes

        ir = _ir()
        sizes = elf_symbol_sizes(obj)
        rows: list[tuple[int, int, int, str]] = []     # address, size, function index, kind
        n = sizes.get(ir.FUNCS_NAME, 0) // _FUNC_ROW.size
        raw = ctypes.string_at(addrs[ir.FUNCS_NAME], n * _FUNC_ROW.size)
        for addr, fi, kind in _FUNC_ROW.iter_unpack(raw):
            name = ir.func_names(fi)[kind]
            rows.append((addr, sizes.get(name, 0), fi, ir.FUNC_KINDS[kind]))
        in_regs = {fi for _a, _s, fi, kind in rows if kind == "registers"}
        names = getattr(self.info, "names", None)
        functions = getattr(names, "functions", None) or {}
        from ._demangle import demangle

        lines = []
        for addr, size, fi, kind in rows:
            label = f"wasm::function[{fi}]"
            known = functions.get(fi)
            if known:
                label += "::" + demangle(known)
            if kind == "entry":
                label += " [entry]"
            elif kind == "body" and fi in in_regs:
                label += " [from frame]"    # (its arguments from fp[], then the body)
            if size:
                lines.append(f"{addr:x} {size:x} {label}\n")
        write_perf_map(lines)

    def load_dump(self, data: bytes) -> bool:
        """Install the machine code of a native section (False, and nothing installed,
        when it was made for another CPU, llvmlite or wasmrt, or is damaged: the section
        must match its SHA-256, since LLVM links object code without checking it and the
        machine code then runs as it is)."""
        try:
            if data[:8] != NATIVE_MAGIC or hashlib.sha256(data[40:]).digest() != data[8:40]:
                return False
            (n,) = struct.unpack_from("<I", data, 40)
            desc = json.loads(bytes(data[44:44 + n]))
            if desc.get("key") != code_key():
                return False
            hot = [int(f) for f in desc.get("hot", ())]
            if not all(self.nimp <= fi < self.nimp + len(self.codes) for fi in hot):
                return False
            pos = 44 + n
            batches = []
            have = set(self.body_addr)
            for b in desc["batches"]:
                obj = bytes(data[pos:pos + b["size"]])
                if len(obj) != b["size"]:
                    return False
                pos += b["size"]
                batches.append((obj, [int(f) for f in b["funcs"]],
                                {int(k): [int(x) for x in v] for k, v in b["osr"].items()},
                                [int(f) for f in b["bodies"]], [int(f) for f in b["links"]]))
                for k, v in b.get("exits", {}).items():
                    self.exit_cells[int(k)] = [int(x) for x in v]
                every, linked = batches[-1][3], batches[-1][4]
                if not (set(batches[-1][1]) <= set(every) and set(linked) <= have and all(
                        self.nimp <= fi < self.nimp + len(self.codes) for fi in every)):
                    return False
                have.update(every)
        except (ValueError, KeyError, TypeError, struct.error):
            return False
        for obj, names, osr, every, linked in batches:
            names = [fi for fi in names if fi not in self.installed]
            with _lock:
                self.load(obj, names, osr, every, linked)
            self.objects.append((obj, names, osr, every, linked))
        self.hot = [fi for fi in hot if fi not in self.installed]
        self.saved_hot = self.hot_left()
        return True

    def save(self, hot: list[int] | None = None) -> None:
        """Write this module's machine code to the on-disk cache (when it has one), with
        the bodies left hot (`hot_left`, or `hot`)."""
        if self.cache_path is None or not self.objects:
            return
        self.saved_hot = self.hot_left() if hot is None else hot
        data = self.dump(self.saved_hot)
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(self.cache_path)
        except OSError:   # a cache that cannot be written is no cache
            pass

    def compile_all(self) -> None:
        """Strategy "native": every body, in batches of about NATIVE_BATCH_CELLS cells;
        with more than one CPU to run on, LLVM optimises several batches side by side
        (`_Pool`), translated and linked in order here."""
        batches: list[list[int]] = [[]]
        size = 0
        for k, lf in enumerate(self.codes):
            if self.nimp + k in self.installed:
                continue
            if size >= NATIVE_BATCH_CELLS:
                batches.append([])
                size = 0
            batches[-1].append(self.nimp + k)
            size += lf.ncells
        batches = [b for b in batches if b]
        n = min(len(batches), NATIVE_WORKERS, int(_spare.usable))
        with _lock:
            pool = _Pool.start(n) if n > 1 else None
            if pool is None:
                for batch in batches:
                    self.compile(batch)
                return
            try:
                ahead: set[int] = set()
                queue: list[tuple[_Batch, Any]] = []
                for batch in [*batches, []]:
                    if batch:
                        bt = self.translate(batch, ahead=frozenset(ahead))
                        if bt is not None:
                            ahead.update(bt.every)
                            queue.append((bt, pool.submit(bt.ir, opt_level(bt.bodies))))
                    # link what is done, in order; at most 2n batches of IR in flight
                    while queue and (not batch or len(queue) >= 2 * n or queue[0][1].done()):
                        bt, fut = queue.pop(0)
                        bt.optimised(*fut.result())
                        self.link(bt)
            finally:
                pool.ex.shutdown(wait=True, cancel_futures=True)

    def tier_batch(self, fi: int) -> list[int]:
        """The batch tier-up compiles for hot body `fi`: it and its direct callees (to
        CALLEE_DEPTH) that have run long enough to pay for themselves or are small; [] when
        `fi` is compiled already or stays interpreted."""
        if fi in self.installed or fi in self.failed or _stopping:
            return []
        if self.lowered(fi).ncells > MAX_TIER_CELLS:
            if not PARTIAL:
                self.failed.add(fi)
                return []
            if not self.plan_partial(fi):
                return []   # (compiled in part once its samples show what runs)
        batch = [fi]
        size = self.own_cells(fi)
        frontier = [fi]
        part = fi in self.partial   # (its callees: only small ones)
        for _ in range(1 if part else CALLEE_DEPTH):
            nxt = []
            for f in frontier:
                try:
                    b = self.body(f)
                except _ir().Unsupported:
                    continue
                for c in self.callees(f, b):
                    lf = self.lowered(c)
                    n = lf.ncells
                    # (a callee compiled in an earlier batch is called there, small ones
                    # too: nothing inlines them, so a copy would be compiled for nothing)
                    if (c not in batch and c not in self.failed and c not in self.body_addr
                            and size + n <= BATCH_CELLS
                            and (n <= CALLEE_SMALL or (not part and self.callee_pays(lf)))):
                        batch.append(c)
                        size += n
                        nxt.append(c)
            frontier = nxt
        return batch

    def callee_pays(self, lf: Any) -> bool:
        """Whether a (not small) callee has run long enough interpreted to pay for its
        own cells in a tier-up batch: the samples (ms) its cells are estimated to cost
        there (`priced`).  A callee that ran a little would be compiled for nothing:
        resvg's hot body 303 took in its 3,409-cell callee 312 for a few samples, 3.1 of
        the batch's 5.5 s of LLVM CPU."""
        samples = self._interp.native_state(lf)[1]
        return bool(samples) and samples >= self.priced(
            1000 * COST_CALLEE_CELL * int(lf.ncells))

    def priced(self, ms: float) -> float:
        """The samples an estimated `ms` of compiling must be paid with: scaled by what
        this process's batches cost against their estimates (`_Price`) and by the tier
        cost against its default (`_consider`, `callee_pays`)."""
        return ms * _price.scale() * (self._interp.tier_cost() / TIER_COST_DEFAULT)

    def tier_up(self, fi: int) -> None:
        """Compile hot body `fi` with its direct callees (the batch calls them directly)."""
        batch = self.tier_batch(fi)
        if not batch:
            return
        before = _compile_cpu()
        try:
            self.compile(batch, [f for f in batch if f not in self.installed])
        except Exception:  # noqa: BLE001 - LLVM or translator failure: stay interpreted
            _stats["failed"] += 1
            self.failed.update(batch)
            return
        if fi in self.partial and fi in self.installed:
            _partials.append((weakref.ref(self), fi))
        _price.learn(self.estimate(batch), _compile_cpu() - before)
        self.save()

    def estimate(self, batch: list[int]) -> float:
        """CPU seconds compiling `batch` (a hot body and its callees) is expected to cost,
        before this process's own compiles correct the scale (_Price)."""
        own = self.own_cells(batch[0])
        callees = sum(int(self.lowered(f).ncells) for f in batch[1:])
        per_cell = COST_PARTIAL_CELL if batch[0] in self.partial else COST_CELL
        return COST_BATCH + per_cell * own + COST_CALLEE_CELL * callees

    def side_exits(self, fi: int) -> dict[int, int]:
        """The side exits of body `fi`'s machine code (compiled in part): left-out cell ->
        times machine code left there."""
        return dict(self._interp.native_exits(self.lowered(fi)))

    def release(self) -> None:
        for k, lf in enumerate(self.codes):
            if self.nimp + k in self.installed:
                self._interp.native_uninstall(lf)
        self.installed.clear()
        self.trackers.clear()

    def __del__(self) -> None:
        self.release()


# ---- tier-up: the registry of bodies and the compile thread ----------------------------

_registry: dict[int, tuple[weakref.ref[NativeModule], int]] = {}
_thread: threading.Thread | None = None
# bodies over MAX_TIER_CELLS: the cells their tier-up samples were taken at (FuncCode
# address -> cell -> samples; _interp.tier_reach), and those compiled in part
_reach: dict[int, dict[int, int]] = {}
_partials: list[tuple[weakref.ref[NativeModule], int]] = []


def _take_reach() -> None:
    """Note the pcs the interpreter sampled in bodies over MAX_TIER_CELLS."""
    from . import _interp

    for addr, cell in _interp.tier_reach():
        seen = _reach.setdefault(addr, {})
        seen[cell] = seen.get(cell, 0) + 1


def _grow_partials() -> None:
    """Compile again the bodies compiled in part whose side exits fire often."""
    for ref, fi in list(_partials):
        nm = ref()
        if nm is None:
            _partials.remove((ref, fi))
            continue
        try:
            nm.grow_partial(fi)
        except Exception:  # noqa: BLE001 - LLVM or translator failure: keep the code it has
            _stats["failed"] += 1
            _partials.remove((ref, fi))


def omitted(b: nir.Body, spec: str) -> frozenset[int]:
    """The blocks of `b` the test knob leaves out (`_OMIT`: "P[:SEED]")."""
    import random

    p, _, seed = spec.partition(":")
    rng = random.Random(f"{seed}:{b.func_index}")
    return frozenset(c for c in b.leaders() if c != 0 and rng.random() < float(p))


def attach(info: Any, strategy: str, stored: bytes = b"", cache: Any = None,
           binary: bytes = b"", perfmap: bool = False) -> NativeModule | None:
    """The native state of a freshly compiled module under `strategy` (None when it
    stays interpreted).  Machine code comes first from `stored` (a serialized module's
    native section) or from the on-disk cache (`cache`: ``Config.cache``, True for the
    default directory or a directory name; keyed by `binary`); then "native" compiles
    every body left, "auto" registers the bodies for tier-up.  `perfmap`
    (``Config.profiler = "perfmap"``): every batch linked is named in the perf map."""
    if strategy == "interpreter" or not info.func_codes:
        return None
    if strategy == "native":
        require()
    elif not available():
        return None
    nm = NativeModule(info, strategy)
    nm.perfmap = perfmap
    if cache:
        nm.cache_path = cache_path(cache, binary, info.features)
        if not stored and nm.cache_path is not None and nm.cache_path.exists():
            stored = nm.cache_path.read_bytes()
    if stored:
        nm.load_dump(stored)
    if strategy == "native":
        nm.compile_all()
        nm.save()
        return nm
    from . import _interp

    ref = weakref.ref(nm)
    for k, lf in enumerate(nm.codes):
        _registry[_interp.funccode_address(lf)] = (ref, nm.nimp + k)
    weakref.finalize(nm, _forget, [_interp.funccode_address(lf) for lf in nm.codes])
    _warm.extend((ref, fi) for fi in nm.hot)
    if nm.cache_path is not None:
        _cached.add(nm)
    _start_thread()
    return nm


# bodies hot in an earlier process (`NativeModule.hot`): compiled while the compile thread
# has nothing queued; and the modules whose cache is brought up to date at exit
_warm: list[tuple[Any, int]] = []
_cached: weakref.WeakSet[NativeModule] = weakref.WeakSet()


def _forget(addrs: list[int]) -> None:
    for a in addrs:
        _registry.pop(a, None)


_stopping = False


def _stop() -> None:
    """At exit: kill the LLVM worker (a compile in flight fails at once), wait for the
    batch being linked and start no other (LLVM's static destructors run at process exit
    and abort an in-process compile or link still in flight)."""
    global _stopping, _no_worker
    _stopping = True
    _no_worker = True
    for w in [_the_worker, *_more_workers]:
        if w is not None:
            w.stop()
    _lock.acquire()     # held until the process ends: no compile starts after this
    for nm in list(_cached):    # (the bodies that got hot since the last batch was saved)
        hot = nm.hot_left()
        if hot != nm.saved_hot:
            nm.save(hot)


def _start_thread() -> None:
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            if _TIER_COST_FORCED:
                from . import _interp

                _interp.set_tier_cost(int(_TIER_COST_FORCED))
            _thread = threading.Thread(target=_tier_loop, name="wasmrt-native", daemon=True)
            _thread.start()
            atexit.register(_stop)


# CPU seconds a tier-up batch costs (translation, LLVM, linking)
_COST_KEYS = ("translate_s", "parse_s", "optimise_s", "codegen_s", "link_s")


def _compile_cpu() -> float:
    """CPU seconds this process's batches have cost so far (all of _COST_KEYS)."""
    return sum(_stats[k] for k in _COST_KEYS)


class _Price:
    """What this process's tier-up batches cost against their estimates
    (``NativeModule.estimate``): the scale applied to the next estimates."""

    def __init__(self) -> None:
        self.estimated = 0.0
        self.spent = 0.0

    def learn(self, estimated: float, spent: float) -> None:
        self.estimated += estimated
        self.spent += spent

    def scale(self) -> float:
        if self.estimated < 0.2:    # too little seen yet: the estimate as fitted
            return 1.0
        return min(max(self.spent / self.estimated, 0.5), 3.0)


_price = _Price()


def cpu_quota(root: str = "/sys/fs/cgroup", cgroup: str = "/proc/self/cgroup") -> float | None:
    """The CPUs this process's cgroup may use per second (a container's ``--cpus``: cgroup
    v2's cpu.max, v1's cfs quota and period), or None without a quota."""
    try:
        with open(cgroup) as f:
            lines = [line.rstrip("\n").split(":", 2) for line in f]
    except OSError:
        return None
    for hid, controllers, path in (x for x in lines if len(x) == 3):
        try:
            if hid == "0" and not controllers:      # v2: "max 100000" or "200000 100000"
                with open(f"{root}{path.rstrip('/')}/cpu.max") as f:
                    quota, period = f.read().split()[:2]
                if quota != "max":
                    return int(quota) / int(period)
            elif "cpu" in controllers.split(","):   # v1
                base = f"{root}/{controllers}{path.rstrip('/')}"
                with open(f"{base}/cpu.cfs_quota_us") as f:
                    quota = f.read().strip()
                with open(f"{base}/cpu.cfs_period_us") as f:
                    period = f.read().strip()
                if int(quota) > 0:
                    return int(quota) / int(period)
        except (OSError, ValueError):
            continue
    return None


class _Spare:
    """Whether a CPU core is idle beside the guest: the idle time of the CPUs this process
    may run on (Linux's /proc/stat; elsewhere the load average against the CPU count),
    plus the compile thread's own CPU time, per second of the last window.  Never with
    fewer than two CPUs to run on (its affinity, and a container's CPU quota)."""

    def __init__(self) -> None:
        try:
            self.cpus = sorted(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            self.cpus = list(range(os.cpu_count() or 1))
        quota = cpu_quota()
        self.usable = len(self.cpus) if quota is None else min(len(self.cpus), quota)
        self.lines = {f"cpu{c}" for c in self.cpus}     # their /proc/stat lines
        self.hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.last: tuple[float, float, float] | None = None    # wall, idle, compile CPU
        self.spare = False
        self.judged = False     # (a verdict from a window, not the start's default)

    def _idle(self) -> float | None:
        """Idle seconds of our CPUs since boot, or None where /proc/stat is not readable."""
        try:
            with open("/proc/stat") as f:
                ticks = sum(int(v[4]) + int(v[5]) for v in (line.split() for line in f)
                            if v and v[0] in self.lines and len(v) > 5)
        except (OSError, ValueError):
            return None
        return ticks / self.hz

    def update(self) -> bool:
        """Measure again (at most once per SPARE_WINDOW, the first time after
        SPARE_FIRST); whether a core is idle now."""
        if self.usable < 2:
            return False
        now = time.monotonic()
        if (self.last is not None
                and now - self.last[0] < (SPARE_WINDOW if self.judged else SPARE_FIRST)):
            return self.spare
        idle = self._idle()
        spent = _compile_cpu()
        if idle is None:
            try:    # (the load counts the guest's own thread: a core idle beside it)
                self.spare = os.getloadavg()[0] <= self.usable - SPARE_IDLE
            except OSError:
                self.spare = False
            self.judged = True
        elif self.last is not None:
            cores = (idle - self.last[1] + spent - self.last[2]) / (now - self.last[0])
            self.spare = cores >= SPARE_IDLE
            self.judged = True
        self.last = (now, idle or 0.0, spent)
        return self.spare


_spare = _Spare()
# the tier cost this module set last (a test's or WASMRT_NATIVE_TIER_COST's is left alone)
_auto_cost = TIER_COST_DEFAULT


def _set_price() -> None:
    """The interpreter's tier cost by whether a core is idle (SPARE_COST) or not."""
    global _auto_cost
    from . import _interp

    if _TIER_COST_FORCED or _interp.tier_cost() != _auto_cost:
        return
    cost = SPARE_COST if _spare.update() else TIER_COST_DEFAULT
    if cost != _auto_cost:
        _interp.set_tier_cost(cost)
        _auto_cost = cost


def _tier_loop() -> None:
    """The compile thread: takes the queued bodies, defers those whose batch would cost
    more than they have run, and compiles the rest hottest first."""
    from . import _interp

    _preload()
    # queued FuncCode address -> [its samples when last seen, the estimated samples
    # (milliseconds) of compiling its batch]
    held: dict[int, list[float]] = {}
    while True:
        _set_price()
        wait = 200 if _spare.judged or _spare.usable < 2 else int(1000 * SPARE_FIRST)
        for addr in _interp.tier_pop(64, 0 if held or _warm else wait, bool(held)):
            if addr not in held:
                _consider(addr, held)
        _take_reach()
        if _partials:
            _grow_partials()
        if not held and _warm:
            ref, fi = _warm[0]
            nm = ref()
            if nm is not None:
                nm.tier_up(fi)
            _warm.pop(0)    # (after: `wait_idle` waits for it)
            continue
        if not held:
            _interp.tier_idle()
            continue
        addr = _hottest(held)
        entry = _registry.get(addr)
        nm = entry[0]() if entry is not None else None
        if nm is not None:
            nm.tier_up(entry[1])  # type: ignore[index]
        if not held:
            _interp.tier_idle()


def _consider(addr: int, held: dict[int, list[float]]) -> None:
    """A body the interpreter queued: hold it for compiling once the samples (ms of
    running) of its batch (it and the callees compiled with it, whose time is saved too)
    pay for the estimated cost of the batch (ski rental with a per-batch price), or once
    it has run one millisecond per lowered cell itself (the price of one per cell, which
    CPython's small hot helpers with many callees need: later cost the loop job 15-20%);
    the process's first batch costs COST_START more.  Else give it back to the
    interpreter until then.  TIER_PER_KCELL scales the prices: its default
    (TIER_COST_DEFAULT) is the estimate as it is, 0 compiles at once."""
    from . import _interp

    entry = _registry.get(addr)
    nm = entry[0]() if entry is not None else None
    samples = _interp.tier_samples(addr)
    _take_reach()
    batch = nm.tier_batch(entry[1]) if nm is not None else []  # type: ignore[index]
    if (PARTIAL and nm is not None and not batch
            and entry[1] not in nm.installed  # type: ignore[index]
            and int(nm.lowered(entry[1]).ncells) > MAX_TIER_CELLS):  # type: ignore[index]
        _interp.tier_defer(addr, samples + PARTIAL_WAIT)    # (what runs: not known yet)
        return
    if nm is None or not batch or samples < TIER_SAMPLES_MIN:   # (queued by its calls)
        held[addr] = [samples, 0.0]
        return
    scale = _interp.tier_cost() / TIER_COST_DEFAULT
    start = 0.0 if _stats["batches"] else 1000 * COST_START * scale
    ms = nm.priced(1000 * nm.estimate(batch))
    # what the batch has run interpreted: the time of its callees that have no machine
    # code yet is saved too
    ran = 0
    for f in batch:
        native, n = _interp.native_state(nm.lowered(f))
        ran += 0 if native else n
    own = max(TIER_SAMPLES_MIN, nm.own_cells(batch[0])) * scale
    missing = min(ms - ran, own - samples) + start
    if missing > 0:
        _interp.tier_defer(addr, int(samples + missing) + 1)
    else:
        held[addr] = [samples, ms]


def _hottest(held: dict[int, list[float]]) -> int:
    """Take from `held` the body to compile next: the one whose samples grew most per
    estimated cost of its batch since the last choice (its running time saved per second
    of LLVM: Smith's rule, the order that least delays what machine code saves), and
    note every other's samples now."""
    from . import _interp

    best, score = 0, -1.0
    for addr, seen in held.items():
        n = _interp.tier_samples(addr)
        s = (n - seen[0] + 1) / (seen[1] + 10)
        seen[0] = n
        if s > score:
            best, score = addr, s
    del held[best]
    return best


def wait_idle(timeout: float = 30.0) -> bool:
    """Wait until the compile queue is empty and no batch is compiling (for tests and
    benchmarks); True if it got there."""
    from . import _interp

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not _interp.tier_busy() and not _warm:
            return True
        time.sleep(0.005)
    return False


# a row of `_native_ir.FUNCS_NAME`: address, function index, kind
_FUNC_ROW = struct.Struct("<QII")
_perf_map_lock = threading.Lock()
_perf_map_file: Any = None


def write_perf_map(lines: list[str]) -> None:
    """Append `lines` ("START SIZE name", hexadecimal) to /tmp/perf-PID.map, the file
    in which Linux ``perf`` looks up the names of code it has no symbols for (created
    afresh by the process's first entries, as wasmtime's perfmap profiler does)."""
    global _perf_map_file
    if not lines:
        return
    with _perf_map_lock:
        if _perf_map_file is None or _perf_map_file[0] != os.getpid():
            try:
                f = open(f"/tmp/perf-{os.getpid()}.map", "w")  # noqa: SIM115 - kept open
            except OSError:
                return
            _perf_map_file = (os.getpid(), f)
        f = _perf_map_file[1]
        f.writelines(lines)
        f.flush()


def elf_symbol_sizes(obj: bytes) -> dict[str, int]:
    """The sizes of the named symbols of a 64-bit little-endian ELF object (the native
    tier's object code on Linux); empty for any other format."""
    if len(obj) < 64 or obj[:6] != b"\x7fELF\x02\x01":
        return {}
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", obj, shoff + k * shentsize)
                for k in range(shnum)]
    out: dict[str, int] = {}
    for _name, kind, _fl, _addr, off, size, link, _info, _al, entsize in sections:
        if kind != 2 or not entsize:      # SHT_SYMTAB
            continue
        stroff = sections[link][4]
        for k in range(size // entsize):
            st_name, _i, _o, _sh, _v, st_size = struct.unpack_from("<IBBHQQ", obj,
                                                                   off + k * entsize)
            if st_name and st_size:
                end = obj.index(b"\0", stroff + st_name)
                out[obj[stroff + st_name:end].decode(errors="replace")] = st_size
    return out


NATIVE_MAGIC = b"wrnativ2"   # then SHA-256 of the rest, length of the head, head, objects


def code_key() -> str:
    """What machine code depends on beyond the module: wasmrt's instruction set and
    translator, llvmlite/LLVM, the CPU."""
    import importlib.metadata

    import llvmlite

    from ._api_module import _isa_fingerprint

    try:
        version = importlib.metadata.version("wasmrt")
    except importlib.metadata.PackageNotFoundError:
        version = "dev"
    with open(_ir().__file__, "rb") as f:
        tr = hashlib.sha256(f.read())
    tr.update(json.dumps(jit().layout, sort_keys=True).encode())
    return (f"wasmrt {version} isa {_isa_fingerprint().hex()[:16]} "
            f"translator {tr.hexdigest()[:16]} llvmlite {llvmlite.__version__} cpu {cpu_key()}")


def cache_path(cache: Any, binary: bytes, features: int) -> Path | None:
    """The cache file of a module: ``<dir>/<sha256 of binary, features, code key>.native``.
    ``cache`` is ``Config.cache``: True, or a wasmtime cache configuration file (already
    checked) whose ``cache.directory`` names the directory and ``cache.enabled`` may turn
    it off; the default directory is ``$XDG_CACHE_HOME/wasmrt`` (``~/.cache/wasmrt``)."""
    from pathlib import Path

    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wasmrt"
    if isinstance(cache, str):
        import tomllib

        with open(cache, "rb") as f:
            section = tomllib.load(f).get("cache", {})
        if section.get("enabled") is False:
            return None
        if section.get("directory"):
            root = Path(section["directory"])
    h = hashlib.sha256(binary)
    h.update(struct.pack("<I", features))
    h.update(code_key().encode())
    return root / f"{h.hexdigest()}.native"
