"""``wasmrt.Profiler``: a sampling profiler of the wasm code a Store runs.

::

    with wasmrt.Profiler(store, interval=0.001) as prof:
        instance.exports(store)["run"](store)
    prof.write("out.json")      # speedscope (https://www.speedscope.app)
    prof.write("out.svg")       # a flame graph: a self-contained SVG a browser opens

How it samples: a clock thread (``include/wasmrt_prof.h``) ticks every ``interval`` seconds
while the Store runs wasm and raises an attention request, the mechanism that Ctrl-C and
epochs use; the next attention check of the running code (a loop back-edge, ``br_table`` or
a call) records the wasm call stack from the interpreter's call records
(``_interp_prof.pxi``).  The hot path does not change: the checks are made anyway.  Time
spent in a host function is charged to it, as a frame above the wasm function that called
it.  Frames are named here, after the run: with DWARF (a ``-g`` build) by the source
functions at each frame's instruction, inlined ones as frames of their own; else by the
name section; host functions by the import name the caller used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from . import _interp
from .debuginfo import debug_info

if TYPE_CHECKING:
    from ._api_store import Storelike

__all__ = ["DEFAULT_INTERVAL", "ProfileFrame", "Profiler", "check_format"]

DEFAULT_INTERVAL = 0.001        # seconds between samples
FORMATS = {".json": "speedscope", ".svg": "svg"}
SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json"


@dataclass(frozen=True)
class ProfileFrame:
    """A frame of a profile: ``name``, the source ``file`` when DWARF says, and ``kind``:
    ``"wasm"``, ``"inlined"`` (a function inlined into the frame below it), ``"host"``
    (a Python function called by wasm) or ``"truncated"`` (frames left out of a stack
    deeper than 1024)."""

    name: str
    file: str | None = None
    kind: str = "wasm"


_TRUNCATED = ProfileFrame("[frames left out]", None, "truncated")


class Profiler:
    """Samples the wasm call stacks of ``store`` every ``interval`` seconds of running
    wasm (default 1 ms) between ``start()`` and ``stop()`` (or inside ``with``).

    Several start/stop periods add up.  A Store has one running profiler at a time, and
    starting or stopping it inside a call into wasm (from a host function) is refused."""

    def __init__(self, store: Storelike, interval: float = DEFAULT_INTERVAL, *,
                 name: str | None = None):
        ctx = store._context() if hasattr(store, "_context") else store
        if not isinstance(interval, (int, float)) or isinstance(interval, bool):
            raise TypeError("the interval is a number of seconds")
        self._ctx = _interp.ProfilerCtx(ctx, float(interval))
        self.name = name or "wasmrt"
        self._names: dict[tuple[int, int], tuple[ProfileFrame, ...]] = {}

    @property
    def interval(self) -> float:
        """Seconds between samples."""
        return float(self._ctx.interval)

    @property
    def running(self) -> bool:
        """Whether the profiler is sampling its Store."""
        return bool(self._ctx.running)

    def start(self) -> None:
        """Start sampling (``WasmtimeError`` if the Store has a running profiler)."""
        self._ctx.start()

    def stop(self) -> None:
        """Stop sampling; what was sampled stays (``write`` it)."""
        self._ctx.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- the samples -----------------------------------------------------------------------

    def samples(self) -> list[tuple[tuple[ProfileFrame, ...], float]]:
        """Every sample in time order: (stack, seconds), the stack outermost first;
        consecutive samples of one stack are merged."""
        frames, stacks, samples = self._ctx.export()
        named = [self._frame(d) for d in frames]
        resolved = [tuple(f for fid in stack for f in named[fid]) for stack in stacks]
        return [(resolved[s], ticks * self.interval) for s, ticks in samples]

    def stacks(self) -> dict[tuple[ProfileFrame, ...], float]:
        """Seconds per distinct stack (outermost frame first)."""
        out: dict[tuple[ProfileFrame, ...], float] = {}
        for stack, seconds in self.samples():
            out[stack] = out.get(stack, 0.0) + seconds
        return out

    def self_times(self) -> dict[ProfileFrame, float]:
        """Seconds per frame as the innermost one (its own time), most first."""
        out: dict[ProfileFrame, float] = {}
        for stack, seconds in self.stacks().items():
            if stack:
                out[stack[-1]] = out.get(stack[-1], 0.0) + seconds
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    @property
    def total(self) -> float:
        """Seconds sampled."""
        return float(self._ctx.ticks) * self.interval

    # -- output --------------------------------------------------------------------------

    def write(self, path: str | os.PathLike[str], format: str | None = None) -> None:
        """Write the profile to ``path``: ``format`` ``"speedscope"`` (JSON) or ``"svg"``
        (a flame graph), by default chosen by the extension (``.json``, ``.svg``)."""
        if format is None:
            format = check_format(path)
        if format == "speedscope":
            import json

            text = json.dumps(self.speedscope(), separators=(",", ":"))
        elif format == "svg":
            text = self.flamegraph()
        else:
            raise ValueError(f"unknown profile format {format!r} (speedscope, svg)")
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)

    def speedscope(self) -> dict[str, Any]:
        """The profile in speedscope's file format (one sampled profile, in seconds)."""
        index: dict[ProfileFrame, int] = {}
        frames: list[dict[str, Any]] = []
        stacks: list[list[int]] = []
        weights: list[float] = []
        for stack, seconds in self.samples():
            ids = []
            for frame in stack:
                fid = index.get(frame)
                if fid is None:
                    fid = index[frame] = len(frames)
                    entry: dict[str, Any] = {"name": _label(frame)}
                    if frame.file:
                        entry["file"] = frame.file
                    frames.append(entry)
                ids.append(fid)
            stacks.append(ids)
            weights.append(seconds)
        total = sum(weights)
        return {
            "$schema": SPEEDSCOPE_SCHEMA,
            "shared": {"frames": frames},
            "profiles": [{
                "type": "sampled", "name": self.name, "unit": "seconds",
                "startValue": 0, "endValue": total, "samples": stacks, "weights": weights,
            }],
            "name": self.name,
            "activeProfileIndex": 0,
            "exporter": "wasmrt",
        }

    def flamegraph(self, title: str | None = None) -> str:
        """The profile as a flame graph: the text of a self-contained SVG."""
        from ._flamegraph import render_svg

        stacks = [(tuple((_label(f), f.kind) for f in stack), seconds)
                  for stack, seconds in self.stacks().items()]
        return render_svg(stacks, title or f"{self.name}: wasm guest profile",
                          f"{self.interval * 1000:g} ms samples")

    # -- naming ----------------------------------------------------------------------------

    def _frame(self, desc: tuple[Any, ...]) -> tuple[ProfileFrame, ...]:
        kind = desc[0]
        if kind == "wasm":
            return self._wasm_frames(desc[1], desc[2], desc[3])
        if kind == "host":
            return (_host_frame(desc[1], desc[2], desc[3]),)
        return (_TRUNCATED,)

    def _wasm_frames(self, inst: Any, func_index: int, offset: int) -> tuple[ProfileFrame, ...]:
        module = inst.module if inst is not None else None
        key = (id(module), offset)
        found = self._names.get(key)
        if found is not None:
            return found
        frames: tuple[ProfileFrame, ...] = ()
        names = getattr(module, "names", None)
        debug = debug_info(module) if names is not None else None
        if debug is not None:
            symbols = debug.symbols(offset)
            if symbols:
                frames = tuple(ProfileFrame(s.name or _func_name(names, func_index), s.file,
                                            "wasm" if k == len(symbols) - 1 else "inlined")
                               for k, s in reversed(list(enumerate(symbols))))
        if not frames:
            frames = (ProfileFrame(_func_name(names, func_index)),)
        self._names[key] = frames
        return frames


def _func_name(names: Any, func_index: int) -> str:
    name = names.functions.get(func_index) if names is not None else None
    return name or f"<wasm function {func_index}>"


def _host_frame(func: Any, caller: Any, index: int) -> ProfileFrame:
    """A host function by the import name its caller used, else by its Python name."""
    module = caller.module if caller is not None else None
    if module is not None and 0 <= index < module.num_imported_funcs:
        funcs = [imp for imp in module.imports if imp.kind == 0]
        if index < len(funcs):
            return ProfileFrame(f"{funcs[index].module}::{funcs[index].name}", None, "host")
    host = getattr(func, "host", None)
    name = getattr(host, "__qualname__", None) or getattr(host, "__name__", None)
    return ProfileFrame(str(name or "<host function>"), None, "host")


def _label(frame: ProfileFrame) -> str:
    if frame.kind == "host":
        return f"{frame.name} (host)"
    if frame.kind == "inlined":
        return f"{frame.name} (inlined)"
    return frame.name


def check_format(path: str | os.PathLike[str]) -> str:
    """The profile format that ``path``'s extension picks (``ValueError`` if none)."""
    format = FORMATS.get(os.path.splitext(os.fspath(path))[1].lower())
    if format is None:
        raise ValueError(f"cannot tell the profile format of {os.fspath(path)!r}: use a "
                         ".json (speedscope) or .svg (flame graph) file name")
    return format

