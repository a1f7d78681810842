"""The internal instruction set of wasmrt: one table, the single source of truth.

`tools/gen_isa.py` turns this table into the committed, generated files
``wasmrt/_isa.pxd`` (the ``IR_*`` enum and the cell-count table), ``wasmrt/_isa_names.py``
(names for a disassembler), ``docs/isa.md`` (the reference) and ``wasmrt/_interp_ops.pxi``
(the handlers of the uniform families: numerics, loads/stores, fused compare+branch).

Encoding (see ``Cell`` in ``wasmrt/_defs.pxd``): an instruction is one *handler cell*
followed by its operand cells, 8 bytes each.  Operand cell fields:

``a b c d``   uint16 frame-slot indices (``fp[a]``), or small counts
``lo hi``     int32 halves of the cell (``lo`` overlaps ``a b``, ``hi`` overlaps ``c d``):
              branch offsets (signed, in cells, relative to the instruction's handler cell),
              32-bit immediates, memory offsets and module indices (read as uint32)
``i64``       the whole cell: a 64-bit immediate (i64 bits, f64 bits or a sign-extended i32)

Values live untyped in 64-bit slots: i32/f32 as their 32-bit pattern in the low half
(readers ignore the high half; writers zero it), i64/f64 as 64 bits, references as
funcref = address of the store's function record / host object = index << 2 | 2 into the
store's object table / i31 = odd / GC object = its address (0 = null).  ``*.reinterpret_*`` are therefore plain copies (or nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Op:
    """One internal instruction."""

    name: str  # lower_snake name; the enum member is IR_<NAME>, the handler h_<name>
    cells: tuple[str, ...]  # operand cells after the handler cell, e.g. ("a=dst b=x c=y",)
    effect: str  # slot semantics as types: "i32 i32 -> i32"
    doc: str  # one-line meaning
    wasm: tuple[str, ...] = ()  # the wasm instruction(s) it implements
    traps: tuple[str, ...] = ()  # trap messages it may raise
    kind: str = "manual"  # handler family: generated families, or "manual" (_interp_loop.pxi)
    helper: str = ""  # numeric helper (``_interp_numeric.pxi``) used by generated families
    extra: dict[str, str] = field(default_factory=dict)  # family parameters (load width, ...)
    variable: bool = False  # variable length (br_table): count in cell 1's ``hi``
    group: str = ""  # section of the reference

    @property
    def ncells(self) -> int:
        """Cells of the fixed part, handler cell included."""
        return 1 + len(self.cells)


OPS: list[Op] = []
_GROUP = [""]


def section(title: str) -> None:
    """Start a group of ops (a section of docs/isa.md)."""
    _GROUP[0] = title


def op(*args, **kwargs) -> Op:  # type: ignore[no-untyped-def]
    """Append one op to the table."""
    o = Op(*args, group=_GROUP[0], **kwargs)
    OPS.append(o)
    return o


TRAP_DIV = "integer divide by zero"
TRAP_OVF = "integer overflow"
TRAP_CONV = "invalid conversion to integer"
TRAP_MEM = "out of bounds memory access"
TRAP_TABLE = "out of bounds table access"
TRAP_ALIGN = "unaligned atomic"
TRAP_UNSHARED = "atomic wait on non-shared memory"

# ---------------------------------------------------------------------------------------
# Moves and constants
# ---------------------------------------------------------------------------------------
section("Moves and constants")
op("nop", (), "->", "Do nothing (padding).", ("nop",))
op("copy", ("a=dst b=src",), "t -> t", "fp[dst] = fp[src] (one slot).",
   ("local.get", "local.set", "local.tee", "i32.reinterpret_f32", "i64.reinterpret_f64",
    "f32.reinterpret_i32", "f64.reinterpret_i64"))
op("copy2", ("a=dst0 b=src0 c=dst1 d=src1",), "t t -> t t",
   "fp[dst0] = fp[src0]; then fp[dst1] = fp[src1] (two independent moves, in that order).")
op("copy_n", ("a=dst b=src c=n",), "t* -> t*",
   "Move n slots fp[src..src+n) to fp[dst..dst+n) (memmove: overlap allowed).")
op("const32", ("a=dst hi=imm",), "-> i32",
   "fp[dst] = imm zero-extended (i32.const, f32.const bits, ref.null as 0).",
   ("i32.const", "f32.const", "ref.null"))
op("const64", ("a=dst", "i64=imm"), "-> i64",
   "fp[dst] = imm (i64.const, f64.const bits).", ("i64.const", "f64.const"))
op("i32_add_shl", ("a=dst b=x c=y d=shift",), "i32 i32 -> i32",
   "fp[dst] = u32(fp[x] + (fp[y] << shift)): an `i32.shl` by a constant feeding an `i32.add` "
   "(an element address).", ("i32.shl + i32.add",))
op("select", ("a=dst b=x c=y d=cond",), "t t i32 -> t",
   "fp[dst] = fp[x] if i32 fp[cond] != 0 else fp[y] (one slot; refs too).",
   ("select", "select t"))

# ---------------------------------------------------------------------------------------
# Numerics: one op per wasm instruction, slots in, slot out
# ---------------------------------------------------------------------------------------
section("Numerics")
INT_UN = ["eqz", "clz", "ctz", "popcnt"]
INT_BIN = ["add", "sub", "mul", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"]
INT_DIV = ["div_s", "div_u", "rem_s", "rem_u"]
INT_CMP = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"]
FLT_UN = ["abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"]
FLT_BIN = ["add", "sub", "mul", "div", "min", "max", "copysign"]
FLT_CMP = ["eq", "ne", "lt", "gt", "le", "ge"]
# Negation of each integer comparison (for lowering `if` / `br_if (eqz ...)` to fused branches).
INT_CMP_NEGATE = {"eq": "ne", "ne": "eq", "lt_s": "ge_s", "lt_u": "ge_u", "gt_s": "le_s",
                  "gt_u": "le_u", "le_s": "gt_s", "le_u": "gt_u", "ge_s": "lt_s", "ge_u": "lt_u"}
IMM_OPS = INT_BIN + INT_CMP

for t in ("i32", "i64"):
    for n in INT_UN:
        res = "i32" if n == "eqz" else t
        op(f"{t}_{n}", ("a=dst b=x",), f"{t} -> {res}", f"fp[dst] = {t}.{n}(fp[x]).",
           (f"{t}.{n}",), kind="unop", helper=f"{t}_{n}")
    for n in INT_BIN:
        op(f"{t}_{n}", ("a=dst b=x c=y",), f"{t} {t} -> {t}",
           f"fp[dst] = {t}.{n}(fp[x], fp[y]).", (f"{t}.{n}",), kind="binop", helper=f"{t}_{n}")
    for n in INT_DIV:
        traps = (TRAP_DIV, TRAP_OVF) if n == "div_s" else (TRAP_DIV,)
        op(f"{t}_{n}", ("a=dst b=x c=y",), f"{t} {t} -> {t}",
           f"fp[dst] = {t}.{n}(fp[x], fp[y]).", (f"{t}.{n}",), traps, kind="trap_binop",
           helper=f"{t}_{n}")
    for n in INT_CMP:
        op(f"{t}_{n}", ("a=dst b=x c=y",), f"{t} {t} -> i32",
           f"fp[dst] = {t}.{n}(fp[x], fp[y]) (0 or 1).", (f"{t}.{n}",), kind="binop",
           helper=f"{t}_{n}")
    for n in IMM_OPS:
        res = "i32" if n in INT_CMP else t
        op(f"{t}_{n}_imm", ("a=dst b=x hi=imm",), f"{t} -> {res}",
           f"fp[dst] = {t}.{n}(fp[x], imm) with imm a sign-extended int32 "
           f"(lower: `{t}.const k; {t}.{n}` when k fits in int32).",
           (f"{t}.{n}",), kind="binop_imm", helper=f"{t}_{n}")

for t in ("f32", "f64"):
    for n in FLT_UN:
        op(f"{t}_{n}", ("a=dst b=x",), f"{t} -> {t}", f"fp[dst] = {t}.{n}(fp[x]).",
           (f"{t}.{n}",), kind="unop", helper=f"{t}_{n}")
    for n in FLT_BIN:
        op(f"{t}_{n}", ("a=dst b=x c=y",), f"{t} {t} -> {t}",
           f"fp[dst] = {t}.{n}(fp[x], fp[y]).", (f"{t}.{n}",), kind="binop", helper=f"{t}_{n}")
    for n in FLT_CMP:
        op(f"{t}_{n}", ("a=dst b=x c=y",), f"{t} {t} -> i32",
           f"fp[dst] = {t}.{n}(fp[x], fp[y]) (0 or 1).", (f"{t}.{n}",), kind="binop",
           helper=f"{t}_{n}")
    # A constant operand folded in: f32 bits in `hi`, f64 bits in a cell of their own.
    for n in FLT_BIN:
        cells = ("a=dst b=x hi=imm",) if t == "f32" else ("a=dst b=x", "i64=imm")
        op(f"{t}_{n}_imm", cells, f"{t} -> {t}",
           f"fp[dst] = {t}.{n}(fp[x], imm) with imm the constant's bits "
           f"(lower: `{t}.const k; {t}.{n}`).", (f"{t}.{n}",),
           kind="binop_imm" if t == "f32" else "binop_imm64", helper=f"{t}_{n}")

# A float multiply whose product feeds an add/sub at once: one op, rounded after each
# operation exactly as the two wasm instructions are (no fused multiply-add).
MUL_ADDSUB = {"mul_add": "x * y + z", "mul_sub": "x * y - z", "sub_mul": "z - x * y"}
for t in ("f32", "f64"):
    for n, expr in MUL_ADDSUB.items():
        op(f"{t}_{n}", ("a=dst b=x c=y d=z",), f"{t} {t} {t} -> {t}",
           f"fp[dst] = {expr}, the product rounded to {t} first.",
           (f"{t}.mul + {t}.add" if n == "mul_add" else f"{t}.mul + {t}.sub",),
           kind="mul_addsub", helper=t, extra={"form": n})

# Wide arithmetic: 128-bit results in two slots (dst: low half, dst + 1: high half); the
# handlers read every operand before they write.
op("i64_add128", ("a=dst b=x_lo c=x_hi d=y_lo", "a=y_hi"), "i64 i64 i64 i64 -> i64 i64",
   "(fp[dst], fp[dst+1]) = (x_lo, x_hi) + (y_lo, y_hi) modulo 2**128.", ("i64.add128",))
op("i64_sub128", ("a=dst b=x_lo c=x_hi d=y_lo", "a=y_hi"), "i64 i64 i64 i64 -> i64 i64",
   "(fp[dst], fp[dst+1]) = (x_lo, x_hi) - (y_lo, y_hi) modulo 2**128.", ("i64.sub128",))
op("i64_mul_wide_s", ("a=dst b=x c=y",), "i64 i64 -> i64 i64",
   "(fp[dst], fp[dst+1]) = the signed 128-bit product of fp[x] and fp[y].",
   ("i64.mul_wide_s",))
op("i64_mul_wide_u", ("a=dst b=x c=y",), "i64 i64 -> i64 i64",
   "(fp[dst], fp[dst+1]) = the unsigned 128-bit product of fp[x] and fp[y].",
   ("i64.mul_wide_u",))

# Conversions (reinterpretations are `copy`).
section("Conversions")
CONV = [
    ("i32_wrap_i64", "i64", "i32", ()),
    ("i32_trunc_f32_s", "f32", "i32", (TRAP_CONV, TRAP_OVF)),
    ("i32_trunc_f32_u", "f32", "i32", (TRAP_CONV, TRAP_OVF)),
    ("i32_trunc_f64_s", "f64", "i32", (TRAP_CONV, TRAP_OVF)),
    ("i32_trunc_f64_u", "f64", "i32", (TRAP_CONV, TRAP_OVF)),
    ("i64_extend_i32_s", "i32", "i64", ()),
    ("i64_extend_i32_u", "i32", "i64", ()),
    ("i64_trunc_f32_s", "f32", "i64", (TRAP_CONV, TRAP_OVF)),
    ("i64_trunc_f32_u", "f32", "i64", (TRAP_CONV, TRAP_OVF)),
    ("i64_trunc_f64_s", "f64", "i64", (TRAP_CONV, TRAP_OVF)),
    ("i64_trunc_f64_u", "f64", "i64", (TRAP_CONV, TRAP_OVF)),
    ("f32_convert_i32_s", "i32", "f32", ()),
    ("f32_convert_i32_u", "i32", "f32", ()),
    ("f32_convert_i64_s", "i64", "f32", ()),
    ("f32_convert_i64_u", "i64", "f32", ()),
    ("f32_demote_f64", "f64", "f32", ()),
    ("f64_convert_i32_s", "i32", "f64", ()),
    ("f64_convert_i32_u", "i32", "f64", ()),
    ("f64_convert_i64_s", "i64", "f64", ()),
    ("f64_convert_i64_u", "i64", "f64", ()),
    ("f64_promote_f32", "f32", "f64", ()),
    ("i32_extend8_s", "i32", "i32", ()),
    ("i32_extend16_s", "i32", "i32", ()),
    ("i64_extend8_s", "i64", "i64", ()),
    ("i64_extend16_s", "i64", "i64", ()),
    ("i64_extend32_s", "i64", "i64", ()),
    ("i32_trunc_sat_f32_s", "f32", "i32", ()),
    ("i32_trunc_sat_f32_u", "f32", "i32", ()),
    ("i32_trunc_sat_f64_s", "f64", "i32", ()),
    ("i32_trunc_sat_f64_u", "f64", "i32", ()),
    ("i64_trunc_sat_f32_s", "f32", "i64", ()),
    ("i64_trunc_sat_f32_u", "f32", "i64", ()),
    ("i64_trunc_sat_f64_s", "f64", "i64", ()),
    ("i64_trunc_sat_f64_u", "f64", "i64", ()),
]
for name, src, dst, traps in CONV:
    wasm = name.replace("_", ".", 1)
    op(name, ("a=dst b=x",), f"{src} -> {dst}", f"fp[dst] = {wasm}(fp[x]).", (wasm,), traps,
       kind="trap_unop" if traps else "unop", helper=name)

# ---------------------------------------------------------------------------------------
# Linear memory (memory 0; `mem`/`msize` live in registers).  ea = u32(fp[addr]) + offset,
# checked as 64-bit `ea + width <= msize`.
# ---------------------------------------------------------------------------------------
section("Linear memory")
LOADS = [("i32_load", 4, "i32"), ("i64_load", 8, "i64"), ("f32_load", 4, "f32"),
         ("f64_load", 8, "f64"), ("i32_load8_s", 1, "i32"), ("i32_load8_u", 1, "i32"),
         ("i32_load16_s", 2, "i32"), ("i32_load16_u", 2, "i32"), ("i64_load8_s", 1, "i64"),
         ("i64_load8_u", 1, "i64"), ("i64_load16_s", 2, "i64"), ("i64_load16_u", 2, "i64"),
         ("i64_load32_s", 4, "i64"), ("i64_load32_u", 4, "i64")]
STORES = [("i32_store", 4, "i32"), ("i64_store", 8, "i64"), ("f32_store", 4, "f32"),
          ("f64_store", 8, "f64"), ("i32_store8", 1, "i32"), ("i32_store16", 2, "i32"),
          ("i64_store8", 1, "i64"), ("i64_store16", 2, "i64"), ("i64_store32", 4, "i64")]
# `*_add` forms: `i32.add x k` (or `sub`) feeding an access with offset 0 is computed by the
# access itself (ea = u32(fp[x] + k), wasm's wrapping add), so the add emits nothing.
for name, width, t in LOADS:
    wasm = name.replace("_", ".", 1)
    op(name, ("a=dst b=addr hi=offset",), f"i32 -> {t}",
       f"fp[dst] = {wasm} from memory[u32(fp[addr]) + offset], {width} byte(s).", (wasm,),
       (TRAP_MEM,), kind="load", extra={"width": str(width)})
    op(f"{name}_add", ("a=dst b=x hi=imm",), f"i32 -> {t}",
       f"fp[dst] = {wasm} from memory[u32(fp[x] + imm)], {width} byte(s).",
       (f"i32.add + {wasm} offset=0",), (TRAP_MEM,), kind="load",
       extra={"width": str(width), "base": name})
    op(f"{name}_shl", ("a=dst b=x hi=imm", "lo=shift"), f"i32 -> {t}",
       f"fp[dst] = {wasm} from memory[u32((fp[x] << shift) + imm)], {width} byte(s) (an "
       f"array element: the index scaled by the `i32.shl` before it).",
       (f"i32.shl + i32.add + {wasm} offset=0",), (TRAP_MEM,), kind="load",
       extra={"width": str(width), "base": name, "shl": "1"})
for name, width, t in STORES:
    wasm = name.replace("_", ".", 1)
    op(name, ("a=addr b=val hi=offset",), f"i32 {t} ->",
       f"{wasm}: store the low {width} byte(s) of fp[val] at memory[u32(fp[addr]) + offset].",
       (wasm,), (TRAP_MEM,), kind="store", extra={"width": str(width)})
    op(f"{name}_add", ("a=x b=val hi=imm",), f"i32 {t} ->",
       f"{wasm}: store the low {width} byte(s) of fp[val] at memory[u32(fp[x] + imm)].",
       (f"i32.add + {wasm} offset=0",), (TRAP_MEM,), kind="store",
       extra={"width": str(width), "base": name})

op("memory_size", ("a=dst",), "-> i32", "fp[dst] = current memory size in pages.",
   ("memory.size",))
op("memory_grow", ("a=dst b=delta",), "i32 -> i32",
   "fp[dst] = old size in pages after growing by fp[delta] pages, or -1 (never traps).",
   ("memory.grow",))
op("memory_fill", ("a=dst b=val c=n",), "i32 i32 i32 ->",
   "Fill memory[fp[dst] .. +fp[n]) with the byte fp[val].", ("memory.fill",), (TRAP_MEM,))
op("memory_copy", ("a=dst b=src c=n",), "i32 i32 i32 ->",
   "Copy memory[fp[src] .. +fp[n]) to memory[fp[dst] ..] (overlap allowed).",
   ("memory.copy",), (TRAP_MEM,))
op("memory_init", ("a=dst b=src c=n", "lo=data"), "i32 i32 i32 ->",
   "Copy data segment `data` bytes [fp[src] .. +fp[n]) to memory[fp[dst] ..].",
   ("memory.init",), (TRAP_MEM,))
op("data_drop", ("lo=data",), "->", "Drop data segment `data` (its length becomes 0).",
   ("data.drop",))

# ---------------------------------------------------------------------------------------
# Any memory: the ops above serve memory 0 of a 32-bit memory (`mem`/`msize` in registers),
# these the others (multi-memory) and 64-bit ones (memory64), through the running
# instance's `mems[mem]`.  An address is read as the memory's width (`MemRec.addr_mask`:
# an i32 slot's value, or the whole i64) and checked explicitly against the memory's size,
# in 64-bit arithmetic that catches the wrap of `addr + offset`; the offset is u64.
# ---------------------------------------------------------------------------------------
section("Any memory (multi-memory, memory64)")
for name, width, t in LOADS:
    wasm = name.replace("_", ".", 1)
    op(f"{name}_m", ("a=dst b=addr c=mem", "i64=offset"), f"addr -> {t}",
       f"fp[dst] = {wasm} from memory `mem`[fp[addr] + offset], {width} byte(s).", (wasm,),
       (TRAP_MEM,), kind="load_m", extra={"width": str(width), "base": name})
for name, width, t in STORES:
    wasm = name.replace("_", ".", 1)
    op(f"{name}_m", ("a=addr b=val c=mem", "i64=offset"), f"addr {t} ->",
       f"{wasm}: store the low {width} byte(s) of fp[val] at memory `mem`[fp[addr] + offset].",
       (wasm,), (TRAP_MEM,), kind="store_m", extra={"width": str(width), "base": name})
op("memory_size_m", ("a=dst b=mem",), "-> addr", "fp[dst] = size of memory `mem` in pages.",
   ("memory.size",))
op("memory_grow_m", ("a=dst b=delta c=mem",), "addr -> addr",
   "fp[dst] = old size in pages of memory `mem` after growing it by fp[delta] pages, or -1 "
   "(of its address width); reloads memory 0 (it may be the same memory).", ("memory.grow",))
op("memory_fill_m", ("a=dst b=val c=n d=mem",), "addr i32 addr ->",
   "Fill memory `mem`[fp[dst] .. +fp[n]) with the byte fp[val].", ("memory.fill",),
   (TRAP_MEM,))
op("memory_copy_m", ("a=dst b=src c=n", "lo=dst_mem hi=src_mem"), "addr addr addr ->",
   "Copy memory `src_mem`[fp[src] .. +fp[n]) to memory `dst_mem`[fp[dst] ..] (overlap "
   "allowed; n has the narrower address width of the two).", ("memory.copy",), (TRAP_MEM,))
op("memory_init_m", ("a=dst b=src c=n d=mem", "lo=data"), "addr i32 i32 ->",
   "Copy data segment `data` bytes [fp[src] .. +fp[n]) to memory `mem`[fp[dst] ..].",
   ("memory.init",), (TRAP_MEM,))

# ---------------------------------------------------------------------------------------
# Atomics (threads): any memory, through `mems[mem]` as the *_m ops, sequentially consistent
# C11 atomics (`include/wasmrt_atomic.h`).  The bounds check comes first, then the
# alignment check: ea must be a multiple of the width ("unaligned atomic").  Values are
# zero-extended from the width (the `_u` forms); rmw and cmpxchg return the old value.
# ---------------------------------------------------------------------------------------
section("Atomics (threads)")
ATOMIC_SHAPES = [("i32_atomic_{}", 4, "i32"), ("i64_atomic_{}", 8, "i64"),
                 ("i32_atomic_{}8_u", 1, "i32"), ("i32_atomic_{}16_u", 2, "i32"),
                 ("i64_atomic_{}8_u", 1, "i64"), ("i64_atomic_{}16_u", 2, "i64"),
                 ("i64_atomic_{}32_u", 4, "i64")]
ATOMIC_RMW = ["add", "sub", "and", "or", "xor", "xchg"]


def _wasm_atomic(name: str) -> str:
    """The mnemonic of an atomic op: ``i32_atomic_rmw8_add_u`` -> ``i32.atomic.rmw8.add_u``."""
    t, _, rest = name.split("_", 2)
    if rest.startswith("rmw"):
        head, _, tail = rest.partition("_")
        return f"{t}.atomic.{head}.{tail}"
    return f"{t}.atomic.{rest}"


for pattern, width, t in ATOMIC_SHAPES:
    name = pattern.format("load")
    op(name, ("a=dst b=addr c=mem", "i64=offset"), f"addr -> {t}",
       f"fp[dst] = atomic load of {width} byte(s) at memory `mem`[fp[addr] + offset].",
       (_wasm_atomic(name),), (TRAP_MEM, TRAP_ALIGN), kind="atomic_load",
       extra={"width": str(width)})
for pattern, width, t in ATOMIC_SHAPES:
    name = pattern.format("store").removesuffix("_u")
    op(name, ("a=addr b=val c=mem", "i64=offset"), f"addr {t} ->",
       f"Atomic store of the low {width} byte(s) of fp[val] at memory `mem`[fp[addr] + "
       f"offset].", (_wasm_atomic(name),), (TRAP_MEM, TRAP_ALIGN), kind="atomic_store",
       extra={"width": str(width)})
for rmw in ATOMIC_RMW:
    for pattern, width, t in ATOMIC_SHAPES:
        name = (pattern.format("rmw") + f"_{rmw}" if width == int(t[1:]) // 8 else
                pattern.format("rmw").replace("_u", f"_{rmw}_u"))
        op(name, ("a=dst b=addr c=val d=mem", "i64=offset"), f"addr {t} -> {t}",
           f"fp[dst] = the {width} byte(s) at memory `mem`[fp[addr] + offset], replaced "
           f"atomically by {rmw}(old, fp[val]).", (_wasm_atomic(name),),
           (TRAP_MEM, TRAP_ALIGN), kind="atomic_rmw", extra={"width": str(width), "rmw": rmw})
for pattern, width, t in ATOMIC_SHAPES:
    name = (pattern.format("rmw") + "_cmpxchg" if width == int(t[1:]) // 8 else
            pattern.format("rmw").replace("_u", "_cmpxchg_u"))
    op(name, ("a=dst b=addr c=exp d=new", "lo=mem", "i64=offset"),
       f"addr {t} {t} -> {t}",
       f"fp[dst] = the {width} byte(s) at memory `mem`[fp[addr] + offset]; atomically "
       f"replaced by fp[new] if they equal fp[exp] wrapped to {width} byte(s).",
       (_wasm_atomic(name),), (TRAP_MEM, TRAP_ALIGN), kind="atomic_cmpxchg",
       extra={"width": str(width)})
op("memory_atomic_wait32", ("a=dst b=addr c=exp d=new", "lo=mem", "i64=offset"),
   "addr i32 i64 -> i32",
   "fp[dst] = 1 if the i32 at memory `mem`[fp[addr] + offset] differs from fp[exp], "
   "else 0 once notified or 2 after fp[new] ns (the timeout; negative: none); the wait "
   "releases the "
   "GIL and attends to Ctrl-C and epochs.", ("memory.atomic.wait32",),
   (TRAP_MEM, TRAP_ALIGN, TRAP_UNSHARED))
op("memory_atomic_wait64", ("a=dst b=addr c=exp d=new", "lo=mem", "i64=offset"),
   "addr i64 i64 -> i32", "memory.atomic.wait32 on an i64.", ("memory.atomic.wait64",),
   (TRAP_MEM, TRAP_ALIGN, TRAP_UNSHARED))
op("memory_atomic_notify", ("a=dst b=addr c=val d=mem", "i64=offset"), "addr i32 -> i32",
   "fp[dst] = how many waiters on memory `mem`[fp[addr] + offset] were woken, at most "
   "u32(fp[val]) (the count; 0 on a memory that is not shared).", ("memory.atomic.notify",),
   (TRAP_MEM, TRAP_ALIGN))
op("atomic_fence", (), "->", "A sequentially consistent fence.", ("atomic.fence",))

# ---------------------------------------------------------------------------------------
# Globals, references, tables
# ---------------------------------------------------------------------------------------
section("Globals, references, tables")
op("global_get", ("a=dst hi=global",), "-> t", "fp[dst] = value cell of global `global`.",
   ("global.get",))
op("global_set", ("a=src hi=global",), "t ->", "value cell of global `global` = fp[src].",
   ("global.set",))
op("ref_is_null", ("a=dst b=x",), "ref -> i32", "fp[dst] = 1 if fp[x] == 0 else 0.",
   ("ref.is_null",))
op("ref_func", ("a=dst hi=func",), "-> funcref",
   "fp[dst] = funcref of function `func` of the running instance.", ("ref.func",))
op("ref_as_non_null", ("a=x",), "ref ->", "Trap if fp[x] is null (the value stays).",
   ("ref.as_non_null",), ("null reference",))
op("ref_eq", ("a=dst b=x c=y",), "ref ref -> i32",
   "fp[dst] = 1 if fp[x] == fp[y] else 0 (an i31 is its tagged cell, so equal values are "
   "equal cells).", ("ref.eq",))
op("ref_i31", ("a=dst b=x",), "i32 -> ref",
   "fp[dst] = the i31 reference of fp[x]'s low 31 bits: (u32(fp[x]) << 1 | 1) & 0xFFFFFFFF, "
   "a cell no object pointer and no null has (odd).", ("ref.i31",))
op("i31_get_s", ("a=dst b=x",), "ref -> i32",
   "fp[dst] = the i31 fp[x] sign-extended from 31 bits; trap if fp[x] is null.",
   ("i31.get_s",), ("null i31 reference",))
op("i31_get_u", ("a=dst b=x",), "ref -> i32",
   "fp[dst] = the i31 fp[x] zero-extended from 31 bits; trap if fp[x] is null.",
   ("i31.get_u",), ("null i31 reference",))
# GC objects (structs, arrays, casts): an object reference is the address of its GcHeader
# (_defs.pxd); a struct field or array element sits at a constant offset / 16 + i * size.
# The allocating ops are the collector's safepoints (their operands are in slots).  Types
# are module type indices (the running instance's `type_ids` give the canonical id, whose
# GcLayout is in `GC_LAYOUTS`), so lowered code stays instance- and process-independent.
TRAP_NULL_STRUCT = "null structure reference"
TRAP_NULL_ARRAY = "null array reference"
TRAP_ARRAY = "out of bounds array access"
TRAP_CAST = "cast failure"
TRAP_GC = ("GC heap out of memory", "allocation size too large")
GC_WIDTHS = {"8_s": "i8 -> i32 (sign-extended)", "8_u": "i8 -> i32 (zero-extended)",
             "16_s": "i16 -> i32 (sign-extended)", "16_u": "i16 -> i32 (zero-extended)",
             "32": "i32/f32", "64": "i64/f64/ref", "128": "v128 (two slots)"}
op("struct_new", ("a=dst b=base hi=type",), "t* -> ref",
   "fp[dst] = a new struct of type `type` (a module type index), field k from the slots from fp[base] "
   "on (a v128 takes two).", ("struct.new",), TRAP_GC)
op("struct_new_default", ("a=dst hi=type",), "-> ref",
   "fp[dst] = a new struct of type `type`, every field zero / null.", ("struct.new_default",),
   TRAP_GC)
for w, what in GC_WIDTHS.items():
    op(f"struct_get{w}", ("a=dst b=obj hi=offset",), "ref -> t",
       f"fp[dst] = the {what} field at byte `offset` of struct fp[obj].",
       ("struct.get", "struct.get_s", "struct.get_u"), (TRAP_NULL_STRUCT,))
for w in ("8", "16", "32", "64", "128"):
    op(f"struct_set{w}", ("a=obj b=val hi=offset",), "ref t ->",
       f"The {w}-bit field at byte `offset` of struct fp[obj] = fp[val].", ("struct.set",),
       (TRAP_NULL_STRUCT,))
op("array_new", ("a=dst b=val c=len", "lo=type"), "t i32 -> ref",
   "fp[dst] = a new array of type `type` with u32(fp[len]) elements, each fp[val].",
   ("array.new",), TRAP_GC)
op("array_new_default", ("a=dst b=len hi=type",), "i32 -> ref",
   "fp[dst] = a new array of type `type` with u32(fp[len]) zero / null elements.",
   ("array.new_default",), TRAP_GC)
op("array_new_fixed", ("a=dst b=base hi=n", "lo=type"), "t* -> ref",
   "fp[dst] = a new array of type `type` whose n elements are the slots from fp[base] on.",
   ("array.new_fixed",), TRAP_GC)
op("array_new_data", ("a=dst b=src c=len", "lo=data hi=type"), "i32 i32 -> ref",
   "fp[dst] = a new array of type `type` of u32(fp[len]) elements read from data segment `data` at byte "
   "fp[src].", ("array.new_data",), ("out of bounds memory access",) + TRAP_GC)
op("array_new_elem", ("a=dst b=src c=len", "lo=elem hi=type"), "i32 i32 -> ref",
   "fp[dst] = a new array of type `type` of elements [fp[src] .. +fp[len]) of element segment `elem`.",
   ("array.new_elem",), (TRAP_TABLE,) + TRAP_GC)
for w, what in GC_WIDTHS.items():
    op(f"array_get{w}", ("a=dst b=arr c=index",), "ref i32 -> t",
       f"fp[dst] = {what} element u32(fp[index]) of array fp[arr].",
       ("array.get", "array.get_s", "array.get_u"), (TRAP_NULL_ARRAY, TRAP_ARRAY))
for w in ("8", "16", "32", "64", "128"):
    op(f"array_set{w}", ("a=arr b=index c=val",), "ref i32 t ->",
       f"The {w}-bit element u32(fp[index]) of array fp[arr] = fp[val].", ("array.set",),
       (TRAP_NULL_ARRAY, TRAP_ARRAY))
op("array_len", ("a=dst b=arr",), "ref -> i32", "fp[dst] = the length of array fp[arr].",
   ("array.len",), (TRAP_NULL_ARRAY,))
op("array_fill", ("a=arr b=off c=val d=n", "lo=size"), "ref i32 t i32 ->",
   "Elements [fp[off] .. +fp[n]) of array fp[arr] (`size` bytes each) = fp[val].",
   ("array.fill",), (TRAP_NULL_ARRAY, TRAP_ARRAY))
op("array_copy", ("a=dst b=dst_off c=src d=src_off", "a=n hi=size"), "ref i32 ref i32 i32 ->",
   "Copy elements [fp[src_off] .. +fp[n]) of array fp[src] to array fp[dst] at fp[dst_off] "
   "(`size` bytes each; overlap allowed).", ("array.copy",), (TRAP_NULL_ARRAY, TRAP_ARRAY))
op("array_init_data", ("a=arr b=dst_off c=src d=n", "lo=data hi=size"), "ref i32 i32 i32 ->",
   "Elements [fp[dst_off] .. +fp[n]) of array fp[arr] = bytes from fp[src] of data segment "
   "`data`.", ("array.init_data",), (TRAP_NULL_ARRAY, TRAP_ARRAY, "out of bounds memory access"))
op("array_init_elem", ("a=arr b=dst_off c=src d=n", "lo=elem"), "ref i32 i32 i32 ->",
   "Elements [fp[dst_off] .. +fp[n]) of array fp[arr] = elements from fp[src] of element "
   "segment `elem`.", ("array.init_elem",), (TRAP_NULL_ARRAY, TRAP_ARRAY, TRAP_TABLE))
op("ref_test", ("a=dst b=x", "lo=target hi=type"), "ref -> i32",
   "fp[dst] = 1 if fp[x] is of the reference type `target` (a heap type code, bit 8: "
   "nullable; `type` the module type index of a concrete one) else 0.",
   ("ref.test", "br_on_cast", "br_on_cast_fail"))
op("ref_cast", ("a=x", "lo=target hi=type"), "ref ->",
   "Trap unless fp[x] is of the reference type `target` (as ref_test; the value stays).",
   ("ref.cast",), (TRAP_CAST,))
op("table_get", ("a=dst b=index hi=table",), "i32 -> ref",
   "fp[dst] = element fp[index] of table `table`.", ("table.get",), (TRAP_TABLE,))
op("table_set", ("a=index b=val hi=table",), "i32 ref ->",
   "element fp[index] of table `table` = fp[val].", ("table.set",), (TRAP_TABLE,))
op("table_size", ("a=dst hi=table",), "-> i32", "fp[dst] = number of elements of `table`.",
   ("table.size",))
op("table_grow", ("a=dst b=init c=n", "lo=table"), "ref i32 -> i32",
   "fp[dst] = old size after growing `table` by fp[n] elements set to fp[init], or -1.",
   ("table.grow",))
op("table_fill", ("a=dst b=val c=n", "lo=table"), "i32 ref i32 ->",
   "Set elements [fp[dst] .. +fp[n]) of `table` to fp[val].", ("table.fill",), (TRAP_TABLE,))
op("table_copy", ("a=dst b=src c=n", "lo=dst_table hi=src_table"), "i32 i32 i32 ->",
   "Copy elements [fp[src] .. +fp[n]) of src_table to dst_table at fp[dst] (overlap allowed).",
   ("table.copy",), (TRAP_TABLE,))
op("table_init", ("a=dst b=src c=n", "lo=table hi=elem"), "i32 i32 i32 ->",
   "Copy elements [fp[src] .. +fp[n]) of element segment `elem` into `table` at fp[dst].",
   ("table.init",), (TRAP_TABLE,))
op("elem_drop", ("lo=elem",), "->", "Drop element segment `elem` (its length becomes 0).",
   ("elem.drop",))
# table64: the same ops with i64 indices (`table.size` needs none: a size is below 2**32,
# so its zero-extended value is the i64 result too).
op("table_get64", ("a=dst b=index hi=table",), "i64 -> ref",
   "fp[dst] = element fp[index] (i64) of table `table`.", ("table.get",), (TRAP_TABLE,))
op("table_set64", ("a=index b=val hi=table",), "i64 ref ->",
   "element fp[index] (i64) of table `table` = fp[val].", ("table.set",), (TRAP_TABLE,))
op("table_grow64", ("a=dst b=init c=n", "lo=table"), "ref i64 -> i64",
   "fp[dst] = old size after growing `table` by fp[n] (i64) elements set to fp[init], or -1.",
   ("table.grow",))
op("table_fill64", ("a=dst b=val c=n", "lo=table"), "i64 ref i64 ->",
   "Set elements [fp[dst] .. +fp[n]) (i64) of `table` to fp[val].", ("table.fill",),
   (TRAP_TABLE,))
op("table_copy64", ("a=dst b=src c=n d=wide", "lo=dst_table hi=src_table"), "addr addr addr ->",
   "table.copy with i64 indices: bit 0 of `wide` for dst, bit 1 for src (n is i64 when both "
   "tables are table64).", ("table.copy",), (TRAP_TABLE,))
op("table_init64", ("a=dst b=src c=n", "lo=table hi=elem"), "i64 i32 i32 ->",
   "table.init into a table64: dst is i64, the segment range i32.", ("table.init",),
   (TRAP_TABLE,))

# ---------------------------------------------------------------------------------------
# Control flow.  Offsets are in cells, relative to the branching instruction's handler cell.
# ---------------------------------------------------------------------------------------
section("Control flow")
op("unreachable", (), "->", "Trap.", ("unreachable",), ("unreachable",))
op("br", ("lo=offset",), "->", "pc += offset.", ("br", "else", "end of if-arm"), kind="br",
   extra={"cond": ""})
op("br_nez", ("a=cond hi=offset",), "i32 ->", "if i32 fp[cond] != 0: pc += offset.",
   ("br_if",), kind="br", extra={"cond": "<uint32_t>fp[pc[1].s.a] != 0"})
op("br_eqz", ("a=cond hi=offset",), "i32 ->", "if i32 fp[cond] == 0: pc += offset.",
   ("if", "i32.eqz + br_if"), kind="br", extra={"cond": "<uint32_t>fp[pc[1].s.a] == 0"})
op("br_i64_nez", ("a=cond hi=offset",), "i64 ->", "if i64 fp[cond] != 0: pc += offset.",
   ("i64.eqz + if",), kind="br", extra={"cond": "fp[pc[1].s.a] != 0"})
op("br_i64_eqz", ("a=cond hi=offset",), "i64 ->", "if i64 fp[cond] == 0: pc += offset.",
   ("i64.eqz + br_if",), kind="br", extra={"cond": "fp[pc[1].s.a] == 0"})
for t in ("i32", "i64"):
    for n in INT_CMP:
        op(f"br_{t}_{n}", ("a=x b=y hi=offset",), f"{t} {t} ->",
           f"if {t}.{n}(fp[x], fp[y]): pc += offset "
           f"(`if` uses the negation br_{t}_{INT_CMP_NEGATE[n]}).",
           (f"{t}.{n} + br_if", f"{t}.{n} + if"), kind="cmp_br", helper=f"{t}_{n}")
        op(f"br_{t}_{n}_imm", ("a=x hi=offset", "i64=imm"), f"{t} ->",
           f"if {t}.{n}(fp[x], imm): pc += offset.",
           (f"{t}.const + {t}.{n} + br_if",), kind="cmp_br_imm", helper=f"{t}_{n}")
# Float compares fuse with `br_if` only: their negation is not a compare (NaN).
for t in ("f32", "f64"):
    for n in FLT_CMP:
        op(f"br_{t}_{n}", ("a=x b=y hi=offset",), f"{t} {t} ->",
           f"if {t}.{n}(fp[x], fp[y]): pc += offset.", (f"{t}.{n} + br_if",), kind="cmp_br",
           helper=f"{t}_{n}")
        op(f"br_{t}_{n}_imm", ("a=x hi=offset", "i64=imm"), f"{t} ->",
           f"if {t}.{n}(fp[x], imm): pc += offset (imm: the constant's bits).",
           (f"{t}.const + {t}.{n} + br_if",), kind="cmp_br_imm", helper=f"{t}_{n}")
# Loop counters: `x = x + k` (an i32.add of a constant kept in a slot) right before the
# conditional branch that tests it: one op that adds, writes the slot and branches.
op("br_add_nez", ("a=dst b=x hi=imm", "lo=offset"), "i32 -> i32",
   "fp[dst] = u32(fp[x] + imm); if fp[dst] != 0: pc += offset.", ("i32.add + br_if",),
   kind="add_br", extra={"cond": "v != 0"})
op("br_add_eqz", ("a=dst b=x hi=imm", "lo=offset"), "i32 -> i32",
   "fp[dst] = u32(fp[x] + imm); if fp[dst] == 0: pc += offset.", ("i32.add + i32.eqz + br_if",),
   kind="add_br", extra={"cond": "v == 0"})
for n in INT_CMP:
    op(f"br_add_i32_{n}_imm", ("a=dst b=x hi=imm", "lo=offset hi=c"), "i32 -> i32",
       f"fp[dst] = u32(fp[x] + imm); if i32.{n}(fp[dst], c): pc += offset.",
       (f"i32.add + i32.{n} + br_if",), kind="add_br", helper=f"i32_{n}",
       extra={"cond": f"i32_{n}(v, <uint32_t>pc[2].w.hi)"})
    op(f"br_add_i32_{n}", ("a=dst b=x c=y", "lo=offset hi=imm"), "i32 i32 -> i32",
       f"fp[dst] = u32(fp[x] + imm); if i32.{n}(fp[dst], fp[y]): pc += offset (y read after "
       "dst is written).", (f"i32.add + i32.{n} + br_if",), kind="add_br", helper=f"i32_{n}",
       extra={"cond": f"i32_{n}(v, fp[pc[1].s.c])", "k": "pc[2].w.hi"})
# Every branch above has a twin for loop back-edges (offset < 0, to a loop head) that also
# checks for an attention request (Ctrl-C: wasmrt_attn, include/wasmrt_attn.h) when taken,
# so any loop can be interrupted at the cost of a compare on its back-edge.
for _o in [o for o in OPS if o.kind in ("br", "cmp_br", "cmp_br_imm", "add_br")]:
    op(f"{_o.name}_loop", _o.cells, _o.effect,
       f"{_o.doc} A loop back-edge: checks for an attention request when taken.",
       tuple(f"{w} (to a loop)" for w in _o.wasm), ("interrupt (KeyboardInterrupt)",),
       kind=_o.kind, helper=_o.helper, extra={**_o.extra, "back": "1"})
op("br_table", ("a=index hi=n", "lo=offset..."), "i32 ->",
   "pc += offset[min(u32 fp[index], n)]: n+1 cells of `lo` offsets follow (the last is the "
   "default); an arm needing result copies targets a trampoline (copies + br).  Checks for "
   "an attention request (its arms may be loop back-edges).",
   ("br_table",), variable=True)
op("zero_locals", ("a=first b=n",), "->",
   "fp[first .. first+n) = 0: a function's declared locals, its first instruction when it "
   "has any (so a call does not zero them).")
op("fuel", (), "->",
   "Charge one unit of fuel / check the epoch deadline and Ctrl-C; emitted at function entry "
   "and loop headers only when metering is enabled.", (), ("all fuel consumed",))

# ---------------------------------------------------------------------------------------
# Calls.  Arguments sit at fp[base .. base+nparams); results come back in fp[base ..
# base+nresults).  The callee's frame starts at fp + base, so everything at or above
# `base` is clobbered: `base` must be above every live slot of the caller.
# ---------------------------------------------------------------------------------------
section("Calls")
op("call", ("a=base hi=func",), "t* -> t*",
   "Call function `func` (module index, imported or defined) with frame base fp + base.",
   ("call",), ("call stack exhausted",))
op("call_indirect", ("a=base b=index hi=type", "lo=table"), "t* i32 -> t*",
   "Call table[fp[index]] checking its type against module type `type`.",
   ("call_indirect",), (TRAP_TABLE, "uninitialized element", "indirect call type mismatch",
                        "call stack exhausted"))
op("return_call", ("a=base b=nslots hi=func",), "t* ->",
   "Tail call: move the nslots argument slots fp[base ..) to fp[0 ..), then run function "
   "`func` in this frame and call record (its results go to this function's caller).",
   ("return_call",), ("call stack exhausted",))
op("return_call_indirect", ("a=base b=index c=nslots", "lo=table hi=type"), "t* i32 ->",
   "Tail call of table[fp[index]] after call_indirect's checks (see return_call).",
   ("return_call_indirect",), (TRAP_TABLE, "uninitialized element",
                               "indirect call type mismatch", "call stack exhausted"))
op("return_call_indirect64", ("a=base b=index c=nslots", "lo=table hi=type"), "t* i64 ->",
   "return_call_indirect through a table64: the index fp[index] is an i64.",
   ("return_call_indirect",), (TRAP_TABLE, "uninitialized element",
                               "indirect call type mismatch", "call stack exhausted"))
op("call_indirect64", ("a=base b=index hi=type", "lo=table"), "t* i64 -> t*",
   "call_indirect through a table64: the index fp[index] is an i64.",
   ("call_indirect",), (TRAP_TABLE, "uninitialized element", "indirect call type mismatch",
                        "call stack exhausted"))
op("call_ref", ("a=base b=ref",), "t* ref -> t*",
   "Call the function fp[ref] (a funcref; its type is the one validation proved).",
   ("call_ref",), ("null function reference", "call stack exhausted"))
op("return_call_ref", ("a=base b=ref c=nslots",), "t* ref ->",
   "Tail call of the function fp[ref] (see return_call).",
   ("return_call_ref",), ("null function reference", "call stack exhausted"))
op("throw", ("a=base hi=tag",), "t* ->",
   "Throw a new exception of tag `tag` with the payload fp[base..); the handler tables of "
   "the activations decide where it lands (no code runs on entry to a try_table).",
   ("throw",))
op("throw_ref", ("a=x",), "exnref ->", "Throw the exception fp[x] again (trap if null).",
   ("throw_ref",), ("null exception reference",))
op("ret", (), "->", "Return; the results are already in fp[0 .. nresults).", ("return", "end"))
op("ret_slot", ("a=src",), "t ->", "fp[0] = fp[src]; return.", ("return", "end"))
op("ret_n", ("a=src b=n",), "t* ->", "Move n slots fp[src..) to fp[0..) (memmove); return.",
   ("return", "end"))

# ---------------------------------------------------------------------------------------
# SIMD: one op per v128 instruction (Wasm 2.0, plus relaxed SIMD).  The rows, operand
# layouts and lane semantics are in tools/isa_simd.py / wasmrt/include/wasmrt_simd.h; the
# handlers are generated by tools/gen_simd.py into wasmrt/_interp_simd_ops.pxi.  A v128
# operand names the first of its two consecutive slots.
# ---------------------------------------------------------------------------------------
section("SIMD")
from isa_simd import isa_rows

for _row in isa_rows():
    op(**_row)


# ---------------------------------------------------------------------------------------
# Relations between ops: what the lowerer's peephole rewrites turn an op into.  Generated
# into ``wasmrt/_isa_names.py`` as ``RELATIONS`` (name -> ((op, related op), ...)), from
# which the lowerer fills its tables at import.
# ---------------------------------------------------------------------------------------
# x op y == y op' x: each integer/float comparison and its operands-swapped form
INT_CMP_SWAP = {"eq": "eq", "ne": "ne", "lt_s": "gt_s", "lt_u": "gt_u", "gt_s": "lt_s",
                "gt_u": "lt_u", "le_s": "ge_s", "le_u": "ge_u", "ge_s": "le_s", "ge_u": "le_u"}
FLT_CMP_SWAP = {"eq": "eq", "ne": "ne", "lt": "gt", "gt": "lt", "le": "ge", "ge": "le"}
COMMUTATIVE = {"i": ["add", "mul", "and", "or", "xor"], "f": ["add", "mul", "min", "max"]}
RELATION_DOCS = {
    "imm_i32": "i32 op -> its *_imm form (a sign-extended int32 constant in `hi`)",
    "imm_i64": "i64 op -> its *_imm form (the int64 constant must fit int32)",
    "imm_f32": "f32 op -> its *_imm form (f32 bits in `hi`)",
    "imm_f64": "f64 op -> its *_imm form (f64 bits in a cell of their own)",
    "swap": "binary op -> the op computing the same with its operands swapped",
    "neg": "integer compare -> its negation (`if` branches when the condition is false)",
    "br": "compare -> the branch fusing it (br_if / if)",
    "br_imm": "compare -> the branch fusing it with a constant right operand",
    "addr": "load/store -> its *_add form (address x + imm)",
    "mem": "memory-0 access (32-bit) -> its form for any memory (*_m: multi-memory, memory64)",
    "shl": "load -> its *_shl form (address (x << s) + imm)",
    "loop": "branch -> its *_loop twin (a back-edge, checks for Ctrl-C)",
    "addbr": "conditional i32 branch -> its br_add_* form (an add of a constant fused in)",
    "addbr_reg": "the addbr pairs whose branch compares two slots",
    "fmul": "f32/f64 add/sub -> the mul of its type (fusion candidate)",
    "fused_top": "f32/f64 add/sub -> its fused form with the product as top operand",
    "fused_below": "f32/f64 add/sub -> its fused form with the product below",
}


def relations() -> dict[str, list[tuple[str, str]]]:
    """The relations of RELATION_DOCS, as (op, related op) pairs of op names."""
    names = by_name()
    rel: dict[str, list[tuple[str, str]]] = {k: [] for k in RELATION_DOCS}
    for t in ("i32", "i64", "f32", "f64"):
        for n in IMM_OPS if t[0] == "i" else FLT_BIN:
            rel[f"imm_{t}"].append((f"{t}_{n}", f"{t}_{n}_imm"))
        for n in COMMUTATIVE[t[0]]:
            rel["swap"].append((f"{t}_{n}", f"{t}_{n}"))
        for n, m in (INT_CMP_SWAP if t[0] == "i" else FLT_CMP_SWAP).items():
            rel["swap"].append((f"{t}_{n}", f"{t}_{m}"))
            rel["br"].append((f"{t}_{n}", f"br_{t}_{n}"))
            rel["br_imm"].append((f"{t}_{n}", f"br_{t}_{n}_imm"))
            if t[0] == "i":
                rel["neg"].append((f"{t}_{n}", f"{t}_{INT_CMP_NEGATE[n]}"))
    for name, _, _ in LOADS + STORES:
        rel["addr"].append((name, f"{name}_add"))
    for name, _, _ in LOADS:
        rel["shl"].append((name, f"{name}_shl"))
    for o in OPS:
        if o.kind in ("load_m", "store_m") or (o.kind == "simd" and o.name.endswith("_m")):
            rel["mem"].append((o.name[:-2], o.name))
    for name in ("memory_size", "memory_grow", "memory_fill", "memory_copy", "memory_init"):
        rel["mem"].append((name, f"{name}_m"))
    for o in OPS:
        if o.name + "_loop" in names:
            rel["loop"].append((o.name, o.name + "_loop"))
    for br in ["br_nez", "br_eqz"] + [f"br_i32_{n}{imm}" for n in INT_CMP for imm in ("", "_imm")]:
        rel["addbr"].append((br, "br_add" + br[2:]))
        if br.startswith("br_i32") and not br.endswith("_imm"):
            rel["addbr_reg"].append((br, "br_add" + br[2:]))
    for t in ("f32", "f64"):
        for n, top, below in (("add", "mul_add", "mul_add"), ("sub", "sub_mul", "mul_sub")):
            rel["fmul"].append((f"{t}_{n}", f"{t}_mul"))
            rel["fused_top"].append((f"{t}_{n}", f"{t}_{top}"))
            rel["fused_below"].append((f"{t}_{n}", f"{t}_{below}"))
    for pairs in rel.values():
        for a, b in pairs:
            assert a in names and b in names, (a, b)
    return rel


def by_name() -> dict[str, Op]:
    """The ops keyed by name."""
    return {o.name: o for o in OPS}


def _check() -> None:
    names = [o.name for o in OPS]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, f"duplicate ops: {dup}"
    overlap = {"lo": {"a", "b"}, "hi": {"c", "d"}, "i64": {"a", "b", "c", "d", "lo", "hi"}}
    for o in OPS:
        for cell in o.cells:
            used = {part.split("=")[0] for part in cell.split()}
            for wide, narrow in overlap.items():
                assert not (wide in used and used & narrow), f"{o.name}: {cell} overlaps"


_check()
