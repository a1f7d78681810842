"""The native tier's LLVM worker: a child process that turns LLVM IR text into optimised
object code (``python _native_worker.py CPU FEATURES``).

Running LLVM's optimiser and code generator here rather than on a thread of the guest's
process means a process can exit at any time: a compile in flight is killed with the
worker (LLVM's static destructors abort a process that exits while a thread is inside
LLVM, so an in-process compile had to be waited for at exit, for seconds on a busy
machine).  It imports only llvmlite.  Protocol on stdin/stdout: a request is an 8-byte
little-endian length, the optimisation level (one byte: LLVM's speed level, 1 or 2) and
the IR text; the answer a status byte (0 = object code, 1 = an
error message) then an 8-byte length and the bytes; object code is preceded by three
doubles, the CPU seconds spent parsing the IR, optimising and generating code (the
native tier's statistics, ``_native.stats()``).
"""

from __future__ import annotations

import struct
import sys
import time


def _read(stream, n: int) -> bytes:  # type: ignore[no-untyped-def]
    buf = b""
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


# LLVM options of code generation that change its time, not its output: the register
# coalescer updates the live intervals of a value rematerialised at many copies once after
# all of them, not after each (LLVM's default: once a def has 100 such copies).  In
# resvg's large bodies the coalescer took 27-44% of code generation (body 303: 0.29 of
# 0.71 s); with 1, code generation of resvg's recorded batches 5.35 -> 4.09 s of CPU,
# the loop job's 2.33 -> 2.31 s and zstd's 0.61 -> 0.56 s, every object byte-identical
# (ARCHITECTURE.md, "Measuring"; `tests/native/test_native.py` checks the sameness)
CODEGEN_OPTIONS = ("-late-remat-update-threshold=1",)


def optimiser(cpu: str, features: str):  # type: ignore[no-untyped-def]
    """A function (IR text, speed level) -> (object code for `cpu` with `features`,
    CPU seconds of parsing, optimising and code generation)."""
    import llvmlite.binding as llvm

    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    target = llvm.Target.from_default_triple()
    for option in CODEGEN_OPTIONS:
        llvm.set_option("", option)
    if target.name.startswith("x86"):
        # no jump that crosses or ends at a 32-byte boundary (the assembler pads before
        # it): where one did, a hot loop ran up to 50% slower on this Intel machine, by
        # where the code happened to fall (ARCHITECTURE.md, "Measuring")
        llvm.set_option("", "-x86-branches-within-32B-boundaries")
    tm = target.create_target_machine(cpu=cpu, features=features, opt=2, reloc="pic",
                                      codemodel="small", jit=True)

    def optimise(ir: str, level: int = 2) -> tuple[bytes, tuple[float, float, float]]:
        t0 = time.thread_time()
        mod = llvm.parse_assembly(ir)
        mod.verify()
        t1 = time.thread_time()
        pto = llvm.create_pipeline_tuning_options(speed_level=level)
        pb = llvm.create_pass_builder(tm, pto)
        # the function simplification pipeline on each function, not the module pipeline
        # (inliner, interprocedural passes, the late loop and vectorizer passes): 40% less
        # optimisation time for the same machine code (ARCHITECTURE.md, "Measuring")
        fpm = pb.getFunctionPassManager()
        for fn in mod.functions:
            if not fn.is_declaration:
                fpm.run(fn, pb)
        t2 = time.thread_time()
        obj = bytes(tm.emit_object(mod))
        return obj, (t1 - t0, t2 - t1, time.thread_time() - t2)
    return optimise


def main() -> None:
    """Serve requests until stdin closes."""
    del sys.path[0]     # this file's folder (wasmrt/): only llvmlite is imported
    optimise = optimiser(sys.argv[1], sys.argv[2])
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            n, level = struct.unpack("<QB", _read(inp, 9))
            ir = _read(inp, n).decode()
        except EOFError:
            return
        try:
            obj, times = optimise(ir, level)
            status, data = 0, struct.pack("<3d", *times) + obj
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            status, data = 1, f"{type(exc).__name__}: {exc}".encode()
        out.write(struct.pack("<BQ", status, len(data)) + data)
        out.flush()


if __name__ == "__main__":
    main()
