"""Replay a real program's tier-up batches offline, to A/B the native tier's LLVM cost.

The native tier's compile cost on a real job depends on the load of the machine and on
which bodies got hot when; this tool separates the two:

- ``python tools/native_replay.py record PROGRAM FILE.json`` runs ``PROGRAM`` (a name of
  ``benchmarks.bench_real.PROGRAMS``) in this process with the default strategy and writes
  the batches the native tier compiled by the end of the job (``--wait``: and those still
  queued then), each batch's bodies and the bodies of earlier batches it linked to.
- ``python tools/native_replay.py replay FILE.json [--repeat N] [--ir DIR] [--against
  OTHER_native_ir.py]`` translates the same batches with the translator of this tree (and
  with each ``--against`` translator, alternating batch by batch so that each sees the same
  load) and compiles them in this process with the LLVM worker's pipeline, in order, and
  prints per batch and in all: cells, IR size (bytes and instructions), object code size
  and the CPU seconds of translation, LLVM's parse, optimisation and code generation (best
  of N).  ``--ir DIR`` keeps each batch's IR.

Deterministic up to CPU-time noise: run it before and after a translator change
(alternating, at a similar load) to see what the change does to LLVM's time per cell.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))    # the tree's wasmrt


def record(program: str, out: Path, wait: bool) -> None:
    import wasmrt
    from benchmarks.bench_real import PROGRAMS

    prog = PROGRAMS[program]
    wasm = prog.wasm()
    assert wasm is not None, f"{prog.package} is not installed"
    engine = wasmrt.Engine(wasmrt.Config())
    module = wasmrt.Module(engine, wasm.read_bytes())
    with tempfile.TemporaryDirectory(prefix="wasmrt-replay-") as tmp:
        prog.job(wasmrt, engine, module, Path(tmp))
    if wait:    # the bodies still queued at the job's end too
        from wasmrt import _native

        _native.wait_idle(600)
    nm = module._native
    batches = [{"bodies": every, "linked": linked}
               for _obj, _names, _osr, every, linked in nm.objects]
    out.write_text(json.dumps({"program": program, "batches": batches}, indent=1))
    print(f"{program}: {len(batches)} batches, "
          f"{sum(len(b['bodies']) for b in batches)} bodies -> {out}")


def _ir_instructions(ir: str) -> int:
    return sum(1 for line in ir.splitlines() if line.startswith("  ") and "=" in line
               or line.startswith(("  store", "  br", "  ret", "  switch", "  call")))


def _translator(path: Path | None) -> Any:
    """The translator module of this tree, or the one in file `path` (e.g. another
    commit's: ``git show main:wasmrt/_native_ir.py > /tmp/a.py``)."""
    if path is None:
        from wasmrt import _native_ir

        return _native_ir
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"wasmrt._replay_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def replay(path: Path, repeat: int, ir_dir: Path | None, others: list[Path]) -> None:
    import wasmrt
    from benchmarks.bench_real import PROGRAMS
    from wasmrt import _native
    from wasmrt._native_worker import optimiser

    rec = json.loads(path.read_text())
    wasm = PROGRAMS[rec["program"]].wasm()
    assert wasm is not None
    cfg = wasmrt.Config()
    cfg.strategy = "interpreter"
    module = wasmrt.Module(wasmrt.Engine(cfg), wasm.read_bytes())
    nm = _native.NativeModule(module._info, "auto")
    j = _native.jit()
    opt = optimiser(j.cpu, j.features)
    names = ["this tree"] + [str(o) for o in others]
    trs = [_translator(None)] + [_translator(o) for o in others]
    tot: list[dict[str, float]] = [{} for _ in trs]
    print("translator batch bodies cells IR_KiB IR_instrs obj_KiB translate parse optimise "
          "codegen")
    for k, batch in enumerate(rec["batches"]):
        bodies = [nm.body(fi) for fi in batch["bodies"]]
        linked = {c: nm.lowered(c).max_slots for c in batch["linked"]}
        best: list[list[float] | None] = [None for _ in trs]
        irs, objs = [""] * len(trs), [b""] * len(trs)
        for _ in range(repeat):
            for t, nir in enumerate(trs):     # alternating: the same load for each
                c0 = time.thread_time()
                irs[t] = nir.Translator(nm.module, j.layout).module(bodies, linked)
                tr = time.thread_time() - c0
                objs[t], (p, o, c) = opt(irs[t], _native.opt_level(bodies))
                cur = [tr, p, o, c]
                b = best[t]
                best[t] = cur if b is None or sum(cur) < sum(b) else b
        for t in range(len(trs)):
            bt = best[t]
            assert bt is not None
            if ir_dir is not None:
                d = ir_dir / str(t)
                d.mkdir(parents=True, exist_ok=True)
                (d / f"batch{k:03d}.ll").write_text(irs[t])
            row = {"bodies": len(bodies), "cells": sum(len(b.cells) for b in bodies),
                   "ir_kib": len(irs[t]) / 1024, "ir_instrs": _ir_instructions(irs[t]),
                   "obj_kib": len(objs[t]) / 1024, "translate": bt[0], "parse": bt[1],
                   "optimise": bt[2], "codegen": bt[3]}
            for key, v in row.items():
                tot[t][key] = tot[t].get(key, 0) + v
            print(f"{t} {k:5d} " + " ".join(f"{v:.3f}" if isinstance(v, float) else str(v)
                                             for v in row.values()), flush=True)
    for t, name in enumerate(names):
        tt = tot[t]
        llvm = tt["parse"] + tt["optimise"] + tt["codegen"]
        print(f"{name}: " + " ".join(f"{key}={v:.3f}" if isinstance(v, float) else
                                     f"{key}={v}" for key, v in tt.items()))
        print(f"  LLVM CPU {llvm:.2f} s = {1000 * llvm / tt['cells']:.3f} ms per cell; "
              f"{tt['ir_instrs'] / tt['cells']:.1f} IR instructions per cell")


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("program")
    r.add_argument("out", type=Path)
    r.add_argument("--wait", action="store_true",
                   help="also the batches still queued when the job ended")
    p = sub.add_parser("replay")
    p.add_argument("file", type=Path)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--ir", type=Path, default=None)
    p.add_argument("--against", type=Path, action="append", default=[],
                   help="another translator (a _native_ir.py file) to compile the same "
                        "batches with, alternating")
    a = ap.parse_args(argv)
    if a.cmd == "record":
        record(a.program, a.out, a.wait)
    else:
        replay(a.file, a.repeat, a.ir, a.against)


if __name__ == "__main__":
    main(sys.argv[1:])
