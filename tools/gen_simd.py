"""Generate ``wasmrt/_interp_simd_ops.pxi`` from the SIMD ops (``tools/isa_simd.py``, built
from the v128 rows of the wasm instruction table ``tools/wasm_ops.py``).

The generated part holds, for every v128 instruction: the ``cdef extern`` declaration of its
lane-semantics function in ``wasmrt/include/wasmrt_simd.h``, its entry in the table the
test-only ``_simd_eval`` dispatches through, and its handler ``h_<name>`` (same signature
and tail-call dispatch as every handler; operand layouts in ``tools/isa_simd.py``).  Run
``python tools/gen_simd.py`` (or ``make gen``) after editing the table (``--check`` exits 1
if the committed file is stale).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from isa_simd import SIMD_MEM_OPS, SIMD_MOVES, SIMD_OPS, SimdOp

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "wasmrt" / "_interp_simd_ops.pxi"

# C signature of the lane function of each kind, and the function-pointer type naming it.
SIGNATURES = {
    "const": None,
    "load": ("v_load_fn", "v128_t {}(const uint8_t* p)"),
    "store": ("v_store_fn", "void {}(uint8_t* p, v128_t v)"),
    "load_lane": ("v_load_lane_fn", "v128_t {}(const uint8_t* p, v128_t v, int lane)"),
    "store_lane": ("v_store_lane_fn", "void {}(uint8_t* p, v128_t v, int lane)"),
    "splat": ("v_splat_fn", "v128_t {}(uint64_t x)"),
    "extract": ("v_extract_fn", "uint64_t {}(v128_t a, int lane)"),
    "replace": ("v_replace_fn", "v128_t {}(v128_t a, int lane, uint64_t x)"),
    "shuffle": ("v_tern_fn", "v128_t {}(v128_t a, v128_t b, v128_t lanes)"),
    "un": ("v_un_fn", "v128_t {}(v128_t a)"),
    "bin": ("v_bin_fn", "v128_t {}(v128_t a, v128_t b)"),
    "tern": ("v_tern_fn", "v128_t {}(v128_t a, v128_t b, v128_t c)"),
    "test": ("v_test_fn", "uint64_t {}(v128_t a)"),
    "shift": ("v_shift_fn", "v128_t {}(v128_t a, uint32_t count)"),
}


def _ops() -> list[SimdOp]:
    return [o for o in SIMD_OPS if SIGNATURES[o.kind] is not None]


SIG = "(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem, uint64_t msize) noexcept nogil"


def _next(n: int) -> str:
    return f"    return (<handler_t>pc[{n}].h)(pc + {n}, fp, cx, mem, msize)"


def _v(field: str) -> str:
    """The v128 held at the slot named by operand field `field` of cell 1."""
    return f"simd_get(&fp[pc[1].s.{field}])"


def _ea(addr: str, offset: str, width: int) -> list[str]:
    return [
        f"    cdef uint64_t ea = <uint64_t><uint32_t>fp[pc[1].s.{addr}] + <uint32_t>{offset}",
        f"    if ea + {width} > msize:",
        f"        return mem_fault(cx, pc, ea, {width}, <uint32_t>{offset}, msize)",
    ]


def _ea_m(addr: str, mem: str, offset: str, width: int) -> list[str]:
    """The address of an access of any memory (``*_m`` kinds): its MemRec is ``m``."""
    return [
        f"    cdef MemRec* m = cx.inst.mems[{mem}]",
        "    cdef uint64_t ea",
        f"    if mem_oob(m, fp[pc[1].s.{addr}], {offset}, {width}, &ea):",
        f"        return mem_fault_m(cx, pc, m, fp[pc[1].s.{addr}], {offset}, {width})",
    ]


# The memory kinds: the address operand's field, and the access ({p}: the byte pointer) ...
_MEM_ACCESS = {
    "load": ("b", "    simd_put(&fp[pc[1].s.a], {f}({p}))"),
    "store": ("a", "    {f}({p}, " + _v("b") + ")"),
    "load_lane": ("b", "    simd_put(&fp[pc[1].s.a], {f}({p}, " + _v("c") + ", pc[1].s.d))"),
    "store_lane": ("a", "    {f}({p}, " + _v("b") + ", pc[1].s.c)"),
}
# ... and per layout, where the offset and the memory index are (None: memory 0) and the
# instruction's size in cells (tools/isa_simd.py KIND_CELLS).
_MEM_LAYOUT = {
    "load": ("pc[1].w.hi", None, 2),
    "store": ("pc[1].w.hi", None, 2),
    "load_lane": ("pc[2].w.lo", None, 3),
    "store_lane": ("pc[2].w.lo", None, 3),
    "load_m": ("pc[2].u64", "pc[1].s.c", 3),
    "store_m": ("pc[2].u64", "pc[1].s.c", 3),
    "load_lane_m": ("pc[3].u64", "<uint32_t>pc[2].w.lo", 4),
    "store_lane_m": ("pc[2].u64", "pc[1].s.d", 3),
}


def handler(o: SimdOp) -> list[str]:
    """The Cython handler of one SIMD op: a thin wrapper over its lane function."""
    f, k = o.helper, o.kind
    put = "    simd_put(&fp[pc[1].s.a], {})"
    if k == "const":
        body = ["    fp[pc[1].s.a] = pc[2].u64", "    fp[pc[1].s.a + 1] = pc[3].u64", _next(4)]
    elif k in _MEM_LAYOUT:
        addr, access = _MEM_ACCESS[k.removesuffix("_m")]
        offset, mem, n = _MEM_LAYOUT[k]
        if mem is None:                         # memory 0: mem/msize in registers
            ea, p = _ea(addr, offset, o.width), "mem + ea"
        else:                                   # any memory, its MemRec `m`
            ea, p = _ea_m(addr, mem, offset, o.width), "m.base + ea"
        body = [*ea, access.format(f=f, p=p), _next(n)]
    elif k == "splat":
        body = [put.format(f"{f}(fp[pc[1].s.b])"), _next(2)]
    elif k == "extract":
        body = [f"    fp[pc[1].s.a] = {f}({_v('b')}, pc[1].s.c)", _next(2)]
    elif k == "replace":
        body = [put.format(f"{f}({_v('b')}, pc[1].s.d, fp[pc[1].s.c])"), _next(2)]
    elif k == "shuffle":
        body = [put.format(f"{f}({_v('b')}, {_v('c')}, simd_get(&pc[2]))"), _next(4)]
    elif k == "un":
        body = [put.format(f"{f}({_v('b')})"), _next(2)]
    elif k == "bin":
        body = [put.format(f"{f}({_v('b')}, {_v('c')})"), _next(2)]
    elif k == "tern":
        body = [put.format(f"{f}({_v('b')}, {_v('c')}, {_v('d')})"), _next(2)]
    elif k == "test":
        body = [f"    fp[pc[1].s.a] = {f}({_v('b')})", _next(2)]
    elif k == "shift":
        body = [put.format(f"{f}({_v('b')}, <uint32_t>fp[pc[1].s.c])"), _next(2)]
    elif k == "select":
        body = [
            "    cdef uint16_t src = pc[1].s.b if <uint32_t>fp[pc[1].s.d] != 0 else pc[1].s.c",
            put.format("simd_get(&fp[src])"),
            _next(2),
        ]
    elif k == "global_get":
        body = [put.format("simd_get(cx.inst.globals[<uint32_t>pc[1].w.hi])"), _next(2)]
    elif k == "global_set":
        body = [f"    simd_put(cx.inst.globals[<uint32_t>pc[1].w.hi], {_v('a')})", _next(2)]
    else:
        raise ValueError(k)
    return [f"cdef int h_{o.name}{SIG}:", f'    """{o.wasm}"""', *body, "", ""]


def render() -> str:
    """The text of the generated file."""
    out = [
        "# GENERATED by tools/gen_simd.py from tools/isa_simd.py: do not edit.",
        "# The lane-semantics functions of wasmrt/include/wasmrt_simd.h, one per v128",
        "# instruction, and the table `_simd_eval` dispatches through (kind, function address).",
        "",
        'cdef extern from "wasmrt_simd.h" nogil:',
    ]
    for o in _ops():
        out.append("    " + SIGNATURES[o.kind][1].format(o.helper))
    out += ["", "", "cdef dict _SIMD_HELPERS = {"]
    for o in _ops():
        fntype = SIGNATURES[o.kind][0]
        out.append(f'    "{o.wasm}": ("{o.kind}", {o.width}, <size_t><{fntype}>{o.helper}),')
    out += [
        "}",
        "",
        "",
        "# Handlers: one per SIMD op of tools/isa.py (IR_<NAME> -> h_<name>).",
        "",
        "# hot:begin",
        "",
    ]
    for o in SIMD_OPS + SIMD_MEM_OPS + SIMD_MOVES:
        out += handler(o)
    out += ["# hot:end", ""]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """Write (or with ``--check``, compare) the generated file."""
    text = render()
    if "--check" not in argv:
        OUT.write_text(text)
        return 0
    if OUT.exists() and OUT.read_text() == text:
        return 0
    print(f"{OUT.relative_to(ROOT)} is stale: run python tools/gen_simd.py")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
