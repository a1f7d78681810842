"""The WebAssembly instruction set: one table, one row per instruction, the single source of
every opcode fact.

This is the wasm-side twin of ``tools/isa.py`` (wasmrt's internal instruction set), modelled
on wasmparser's ``for_each_operator!`` list (one line per operator: proposal, name,
immediates, arity) and on the spec interpreter's layout, whose folders follow the spec's
chapters (``syntax``, ``binary``, ``text``, ``valid``, ``exec``): the rows below are grouped by
the spec's instruction classes (2.4.x, validated in 3.3.x, encoded in 5.4.x) and every stage
reads its facts from here.  ``python tools/gen_wasm_ops.py`` (``make gen``) writes:

- ``wasmrt/_wasm_ops.pxd``: the ``OP_*`` constants (one per row, the value ``Instr.op``
  holds) and the ``IMM_*`` immediate kinds, for the validator, lowerer, decoder and
  instantiation (``cimport``);
- ``wasmrt/_wasm_ops.py``: the rows as tuples, read once at import by the text format
  (mnemonic -> opcode bytes, immediates, alignment), the validator (signatures, natural
  alignments, lane counts, feature gates, immediate kinds), the decoder's body scanner and
  the lowerer (wasm op -> internal op and lowering family);
- ``docs/wasm_ops.md``: the reference table.

The SIMD rows are also the rows of the internal v128 ops: ``tools/isa_simd.py`` turns every
row with a ``v.*`` lowering family into an ``IR_*`` op whose handler ``tools/gen_simd.py``
generates.

Adding an instruction
---------------------
One ``I(...)`` row here, ``make gen``, and its handler: a row whose signature has fixed
types only and whose immediates are among ``memarg``/``lane`` is validated by the table
alone; a row lowered by a family (``lower=``) needs only the internal op of that name in
``tools/isa.py`` and its interpreter handler.  Anything else (control flow, typed
references, immediates that index the module) also gets its case in
``_core_validate.pxi`` / ``_core_lower.pxi``, spelled with its ``OP_*`` constant.

Row schema: ``I(name, opcode, signature, immediates="", *, align=0, lower="", ir="",
proposal=<current>, gate=<proposal>, text=<name>)``
------------------------------------------------------------------------------------------

``name``
    The text-format mnemonic (``i32.add``).  The constant is ``OP_`` + the name in upper
    case with ``.`` -> ``_`` (``OP_I32_ADD``).  A binary form with no mnemonic of its own
    gets a descriptive name and ``text=""`` (``select_t``: ``select (result t)``).
``opcode``
    ``0x6A`` (one byte), or ``(prefix, sub)`` for the prefixed spaces: ``0xFB`` GC,
    ``0xFC`` misc (saturating truncation, bulk memory, tables, wide arithmetic), ``0xFD``
    SIMD, ``0xFE`` threads/atomics.  ``sub`` is the u32 LEB128 after the prefix (relaxed
    SIMD goes past 0xFF).  ``Instr.op`` / ``OP_*`` = ``prefix << 16 | sub`` (plain: the byte).
``signature``
    ``"operands -> results"`` in stack order, the deepest operand first.  Type words:

    ============  =================================================================
    ``i32 i64 f32 f64 v128``   fixed value types
    ``funcref externref``      fixed reference types
    ``addr``      the index type of the memory or table the instruction names (its
                  ``memarg``/``memidx``/``tableidx``): i32, i64 for memory64/table64
    ``t``         one value whose type comes from an immediate or the operand stack
    ``ref``       a reference type given by an immediate or the table
    ``t* t1* t2*`` sequences (labels, blocks, calls)
    ============  =================================================================

    A signature with fixed types and ``addr`` only (at most 3 operands, 1 result) is
    applied by the validator from the table; one with ``t``/``ref``/sequences is typed by
    hand in ``_core_validate.pxi``.
``immediates``
    The immediate kinds in binary order, space separated (see ``IMMEDIATES``).
``align``
    Natural alignment in bytes of a ``memarg`` access (the access width).
``lower``
    The lowerer's family for a table-lowered row (one wasm op -> one internal op named
    ``ir``, default the mnemonic with ``.`` -> ``_``): ``un``, ``bin``, ``cmp``, ``eqz``
    (numerics; compares and eqz fuse with branches), ``load``, ``store``, ``nop`` (a
    reinterpretation: no code), ``a.load``, ``a.store``, ``a.rmw``, ``a.cmpxchg``,
    ``a.wait``, ``a.notify`` (atomics: ops of any memory, ``_core_lower.pxi``
    ``Lowerer._atomic``), and ``v.<kind>`` for v128 ops (kinds and operand cells in
    ``tools/isa_simd.py``).  Empty: lowered by hand (``Lowerer.instr`` and friends).
``proposal``
    The proposal that introduced it (``PROPOSALS``), set per block by ``proposal(...)``.
``gate``
    The proposal whose feature bit the validator requires (default: ``proposal``);
    ``table.grow/size/fill`` are reference-types instructions gated with bulk memory, as
    wasmrt always has.
"""

from __future__ import annotations

from dataclasses import dataclass

# Immediate kinds: binary encoding, and what it holds.  Wasm 3.0 kinds are listed ahead of
# the rows that will use them.
IMMEDIATES: dict[str, str] = {
    "blocktype": "0x40 (empty) | a value type | s33 type index: a block's type",
    "labelidx": "u32 label depth",
    "labels": "vec(labelidx) then the default labelidx (br_table)",
    "funcidx": "u32 function index",
    "typeidx": "u32 type index (call_indirect; 3.0: struct/array/func types of GC and "
    "typed references)",
    "tableidx": "u32 table index",
    "memidx": "u32 memory index; a single 0x00 byte ('zero byte expected') while multi-memory "
    "is off",
    "localidx": "u32 local index",
    "globalidx": "u32 global index",
    "elemidx": "u32 element segment index",
    "dataidx": "u32 data segment index",
    "tagidx": "u32 tag index (3.0 exceptions: throw, catch clauses)",
    "fieldidx": "u32 field index of a struct type (3.0 GC: struct.get typeidx fieldidx)",
    "memarg": "u32 flags: the alignment exponent, bit 6 set: a memidx follows (multi-memory; "
    "flags >= 0x80 are malformed), then the offset (u32; u64 with memory64)",
    "lane": "u8 lane index, below the lane count of the shape (16 >> log2 width)",
    "lanes16": "16 lane-index bytes, each below 32 (i8x16.shuffle)",
    "i32": "s32 LEB128 constant",
    "i64": "s64 LEB128 constant",
    "f32": "4 bytes, IEEE 754 little endian",
    "f64": "8 bytes, IEEE 754 little endian",
    "v128": "16 bytes (v128.const)",
    "valtypes": "vec(valtype) (select t*)",
    "heaptype": "s33 heap type: 0x70 func / 0x6F extern in Wasm 2.0; 3.0 adds the other "
    "abstract heap types and type indices (ref.null, ref.test, ref.cast)",
    "reftype": "a reference type: 0x64/0x63 (ref / ref null) + heaptype, or a one-byte "
    "shorthand (3.0: br_on_cast)",
    "castflags": "u8: bit 0 the source, bit 1 the target of br_on_cast(_fail) is nullable "
    "(other bits: malformed)",
    "catches": "vec(catch clause): kind byte, tagidx for catch/catch_ref, labelidx (try_table)",
    "u32": "u32 count (array.new_fixed length)",
    "zero": "a reserved 0x00 byte, no text syntax (atomic.fence's ordering flags)",
}

# Proposals: the ``_core.FEATURES`` name of the feature bit that gates its instructions
# (None: always accepted) and the ``UnsupportedFeatureError`` message when it is off.
PROPOSALS: dict[str, tuple[str | None, str]] = {
    "mvp": (None, ""),
    "sign_ext": ("sign_ext", "sign-extension operators"),
    "saturating_float_to_int": ("saturating_float_to_int", "saturating float-to-int conversions"),
    "multi_value": (None, ""),
    # the feature bit gates multiple tables, not these instructions
    "reference_types": (None, ""),
    "bulk_memory": ("bulk_memory", "bulk memory"),
    "simd": ("simd", "simd"),
    "relaxed_simd": ("relaxed_simd", "relaxed simd"),
    # Wasm 3.0: opcodes reserved below until their rows land
    "tail_call": ("tail_call", "tail calls"),
    "function_references": ("function_references", "typed function references"),
    "exceptions": ("exceptions", "exception handling"),
    "gc": ("gc", "gc instructions"),
    "threads": ("threads", "threads (atomic instructions)"),
    "memory64": ("memory64", "64-bit memories"),
    "multi_memory": ("multi_memory", "multiple memories"),
    "extended_const": ("extended_const", "extended constant expressions"),
    "wide_arithmetic": ("wide_arithmetic", "wide arithmetic"),
    # not implemented (no feature bit: never enabled); its opcodes are reserved below
    "custom_descriptors": ("custom_descriptors", "custom descriptors"),
}

# Opcodes of proposals that have no rows yet: decoding one raises UnsupportedFeatureError
# naming the proposal (not "illegal opcode").  A row added for one of these opcodes must
# leave this list (the generator checks).  Plain bytes, a whole prefix, or one prefixed
# instruction as ``prefix << 16 | sub`` (its ``Instr.op``).
RESERVED: dict[str, tuple[int, ...]] = {
    # struct.new_desc, struct.new_default_desc, ref.get_desc, ref.cast_desc_eq (non-null,
    # nullable), br_on_cast_desc_eq, br_on_cast_desc_eq_fail
    "custom_descriptors": tuple(0xFB << 16 | sub for sub in range(0x20, 0x27)),
}

# The prefix bytes: name of the ``PREFIX_*`` constant, and the proposal every instruction of
# the prefix needs (checked before the sub-opcode: any 0xFD byte is "unsupported simd" when
# SIMD is off), or None.
PREFIXES: dict[int, tuple[str, str | None]] = {
    0xFB: ("GC", None),
    0xFC: ("MISC", None),
    0xFD: ("SIMD", "simd"),
    0xFE: ("ATOMIC", None),
}

LOWER_FAMILIES = ("un", "bin", "cmp", "eqz", "load", "store", "nop", "a.load", "a.store", "a.rmw",
                  "a.cmpxchg", "a.wait", "a.notify")
SIMD_KINDS = ("const", "load", "store", "load_lane", "store_lane", "splat", "extract",
              "replace", "shuffle", "un", "bin", "tern", "test", "shift")
FIXED_TYPES = ("i32", "i64", "f32", "f64", "v128", "funcref", "externref", "addr")
TYPE_WORDS = FIXED_TYPES + ("t", "ref", "t*", "t1*", "t2*")


@dataclass(frozen=True)
class Instr:
    """One wasm instruction (a row of the table; see the module docstring)."""

    name: str
    prefix: int  # 0 or a PREFIXES byte
    code: int  # the opcode byte, or the sub-opcode after the prefix
    sig: str
    imm: tuple[str, ...]
    align: int
    lower: str
    ir: str
    proposal: str
    gate: str
    text: str
    chapter: str

    @property
    def op(self) -> int:
        """The ``Instr.op`` value: the byte, or ``prefix << 16 | sub``."""
        return self.prefix << 16 | self.code if self.prefix else self.code

    @property
    def const(self) -> str:
        """The name of its constant, ``OP_I32_ADD``."""
        return "OP_" + self.name.upper().replace(".", "_")

    @property
    def operands(self) -> list[str]:
        """The operand type words, deepest first."""
        return self.sig.split("->")[0].split()

    @property
    def results(self) -> list[str]:
        """The result type words."""
        return self.sig.split("->")[1].split()

    @property
    def fixed(self) -> bool:
        """Whether the signature has fixed types only (the validator applies it as is)."""
        return all(w in FIXED_TYPES for w in self.operands + self.results)

    @property
    def encoding(self) -> bytes:
        """The opcode bytes: the byte, or the prefix then the LEB128 sub-opcode."""
        if not self.prefix:
            return bytes((self.code,))
        out, v = bytearray((self.prefix,)), self.code
        while True:
            b, v = v & 0x7F, v >> 7
            out.append(b | (0x80 if v else 0))
            if not v:
                return bytes(out)


OPS: list[Instr] = []
_STATE = {"chapter": "", "proposal": "mvp"}


def chapter(title: str, spec: str, proposal: str = "mvp") -> None:
    """Start a group of rows: a spec instruction class (``spec``: its sections), with the
    default proposal of the rows that follow."""
    _STATE["chapter"] = f"{title} ({spec})"
    _STATE["proposal"] = proposal


def proposal(name: str) -> None:
    """Set the proposal of the rows that follow (until the next chapter)."""
    _STATE["proposal"] = name


def I(
    name: str,
    opcode: int | tuple[int, int],
    sig: str,
    imm: str = "",
    *,
    align: int = 0,
    lower: str = "",
    ir: str = "",
    gate: str = "",
    text: str | None = None,
) -> Instr:
    """Append one row (see the module docstring)."""
    prefix, code = opcode if isinstance(opcode, tuple) else (0, opcode)
    prop = _STATE["proposal"]
    if lower and lower != "nop" and not ir:
        ir = name.replace(".", "_")
    row = Instr(name, prefix, code, sig, tuple(imm.split()), align, lower, ir, prop,
                gate or prop, name if text is None else text, _STATE["chapter"])
    OPS.append(row)
    return row


# The table (aligned by hand: not reformatted).
# fmt: off

# ------------------------------------------------------------------------------------------
chapter("Control instructions", "spec 2.4.8, 3.3.8, 5.4.1")
I("unreachable",              0x00,         "t1* -> t2*")
I("nop",                      0x01,         "->")
I("block",                    0x02,         "t1* -> t2*",     "blocktype")
I("loop",                     0x03,         "t1* -> t2*",     "blocktype")
I("if",                       0x04,         "t1* i32 -> t2*", "blocktype")
I("else",                     0x05,         "t1* -> t2*")
I("end",                      0x0B,         "t1* -> t2*")
I("br",                       0x0C,         "t1* t* -> t2*",  "labelidx")
I("br_if",                    0x0D,         "t* i32 -> t*",   "labelidx")
I("br_table",                 0x0E,         "t1* t* i32 -> t2*", "labels")
I("return",                   0x0F,         "t1* t* -> t2*")
I("call",                     0x10,         "t1* -> t2*",     "funcidx")
I("call_indirect",            0x11,         "t1* i32 -> t2*", "typeidx tableidx")

proposal("tail_call")
I("return_call",              0x12,         "t1* -> t2*",     "funcidx")
I("return_call_indirect",     0x13,         "t1* i32 -> t2*", "typeidx tableidx")

proposal("function_references")
I("call_ref",                 0x14,         "t1* ref -> t2*", "typeidx")
I("return_call_ref",          0x15,         "t1* ref -> t2*", "typeidx")    # + tail_call
I("br_on_null",               0xD5,         "t* ref -> t* ref", "labelidx")
I("br_on_non_null",           0xD6,         "t* ref -> t*",   "labelidx")

proposal("exceptions")
I("throw",                    0x08,         "t1* t* -> t2*",  "tagidx")
I("throw_ref",                0x0A,         "t1* ref -> t2*")
I("try_table",                0x1F,         "t1* -> t2*",     "blocktype catches")
# the legacy instructions (Emscripten's output; the legacy/ folder of the suite)
I("try",                      0x06,         "t1* -> t2*",     "blocktype")
I("catch",                    0x07,         "t1* -> t2*",     "tagidx")
I("rethrow",                  0x09,         "t1* -> t2*",     "labelidx")
I("delegate",                 0x18,         "t1* -> t2*",     "labelidx")
I("catch_all",                0x19,         "t1* -> t2*")


# ------------------------------------------------------------------------------------------
chapter("Reference instructions", "spec 2.4.3, 3.3.3, 5.4.2")

proposal("reference_types")
I("ref.null",                 0xD0,         "-> ref",         "heaptype")
I("ref.is_null",              0xD1,         "ref -> i32")
I("ref.func",                 0xD2,         "-> ref",         "funcidx")

proposal("function_references")
I("ref.as_non_null",          0xD4,         "ref -> ref")

proposal("gc")
I("ref.eq",                   0xD3,         "ref ref -> i32")
I("struct.new",               (0xFB, 0x00), "t* -> ref",      "typeidx")
I("struct.new_default",       (0xFB, 0x01), "-> ref",         "typeidx")
I("struct.get",               (0xFB, 0x02), "ref -> t",       "typeidx fieldidx")
I("struct.get_s",             (0xFB, 0x03), "ref -> i32",     "typeidx fieldidx")
I("struct.get_u",             (0xFB, 0x04), "ref -> i32",     "typeidx fieldidx")
I("struct.set",               (0xFB, 0x05), "ref t ->",       "typeidx fieldidx")
I("array.new",                (0xFB, 0x06), "t i32 -> ref",   "typeidx")
I("array.new_default",        (0xFB, 0x07), "i32 -> ref",     "typeidx")
I("array.new_fixed",          (0xFB, 0x08), "t* -> ref",      "typeidx u32")
I("array.new_data",           (0xFB, 0x09), "i32 i32 -> ref", "typeidx dataidx")
I("array.new_elem",           (0xFB, 0x0A), "i32 i32 -> ref", "typeidx elemidx")
I("array.get",                (0xFB, 0x0B), "ref i32 -> t",   "typeidx")
I("array.get_s",              (0xFB, 0x0C), "ref i32 -> i32", "typeidx")
I("array.get_u",              (0xFB, 0x0D), "ref i32 -> i32", "typeidx")
I("array.set",                (0xFB, 0x0E), "ref i32 t ->",   "typeidx")
I("array.len",                (0xFB, 0x0F), "ref -> i32")
I("array.fill",               (0xFB, 0x10), "ref i32 t i32 ->", "typeidx")
I("array.copy",               (0xFB, 0x11), "ref i32 ref i32 i32 ->", "typeidx typeidx")
I("array.init_data",          (0xFB, 0x12), "ref i32 i32 i32 ->", "typeidx dataidx")
I("array.init_elem",          (0xFB, 0x13), "ref i32 i32 i32 ->", "typeidx elemidx")
# ref.test/ref.cast (ref ht) and (ref null ht): one mnemonic each, the reference type's
# nullability picks the opcode (text: wat.py K_CAST)
I("ref.test",                 (0xFB, 0x14), "ref -> i32",     "heaptype")
I("ref.test_null",            (0xFB, 0x15), "ref -> i32",     "heaptype", text="")
I("ref.cast",                 (0xFB, 0x16), "ref -> ref",     "heaptype")
I("ref.cast_null",            (0xFB, 0x17), "ref -> ref",     "heaptype", text="")
I("br_on_cast",               (0xFB, 0x18), "t* ref -> t* ref", "castflags labelidx heaptype heaptype")
I("br_on_cast_fail",          (0xFB, 0x19), "t* ref -> t* ref", "castflags labelidx heaptype heaptype")
I("ref.i31",                  (0xFB, 0x1C), "i32 -> ref")
I("i31.get_s",                (0xFB, 0x1D), "ref -> i32")
I("i31.get_u",                (0xFB, 0x1E), "ref -> i32")
# the identity on cells (a host object's cell is index << 2 | 2 in both hierarchies)
I("any.convert_extern",       (0xFB, 0x1A), "ref -> ref")
I("extern.convert_any",       (0xFB, 0x1B), "ref -> ref")


# ------------------------------------------------------------------------------------------
chapter("Parametric instructions", "spec 2.4.4, 3.3.4, 5.4.3")
I("drop",                     0x1A,         "t ->")
I("select",                   0x1B,         "t t i32 -> t")

proposal("reference_types")
I("select_t",                 0x1C,         "t t i32 -> t",   "valtypes", text="")


# ------------------------------------------------------------------------------------------
chapter("Variable instructions", "spec 2.4.5, 3.3.5, 5.4.4")
I("local.get",                0x20,         "-> t",           "localidx")
I("local.set",                0x21,         "t ->",           "localidx")
I("local.tee",                0x22,         "t -> t",         "localidx")
I("global.get",               0x23,         "-> t",           "globalidx")
I("global.set",               0x24,         "t ->",           "globalidx")


# ------------------------------------------------------------------------------------------
chapter("Table instructions", "spec 2.4.6, 3.3.6, 5.4.5")

proposal("reference_types")
I("table.get",                0x25,         "addr -> ref",    "tableidx")
I("table.set",                0x26,         "addr ref ->",    "tableidx")
I("table.grow",               (0xFC, 0x0F), "ref addr -> addr", "tableidx", gate="bulk_memory")
I("table.size",               (0xFC, 0x10), "-> addr",        "tableidx", gate="bulk_memory")
I("table.fill",               (0xFC, 0x11), "addr ref addr ->", "tableidx", gate="bulk_memory")

proposal("bulk_memory")
I("table.init",               (0xFC, 0x0C), "addr i32 i32 ->", "elemidx tableidx")
I("elem.drop",                (0xFC, 0x0D), "->",             "elemidx")
I("table.copy",               (0xFC, 0x0E), "addr addr addr ->", "tableidx tableidx")


# ------------------------------------------------------------------------------------------
chapter("Memory instructions", "spec 2.4.7, 3.3.7, 5.4.6")
I("i32.load",                 0x28,         "addr -> i32",    "memarg", align=4, lower="load")
I("i64.load",                 0x29,         "addr -> i64",    "memarg", align=8, lower="load")
I("f32.load",                 0x2A,         "addr -> f32",    "memarg", align=4, lower="load")
I("f64.load",                 0x2B,         "addr -> f64",    "memarg", align=8, lower="load")
I("i32.load8_s",              0x2C,         "addr -> i32",    "memarg", align=1, lower="load")
I("i32.load8_u",              0x2D,         "addr -> i32",    "memarg", align=1, lower="load")
I("i32.load16_s",             0x2E,         "addr -> i32",    "memarg", align=2, lower="load")
I("i32.load16_u",             0x2F,         "addr -> i32",    "memarg", align=2, lower="load")
I("i64.load8_s",              0x30,         "addr -> i64",    "memarg", align=1, lower="load")
I("i64.load8_u",              0x31,         "addr -> i64",    "memarg", align=1, lower="load")
I("i64.load16_s",             0x32,         "addr -> i64",    "memarg", align=2, lower="load")
I("i64.load16_u",             0x33,         "addr -> i64",    "memarg", align=2, lower="load")
I("i64.load32_s",             0x34,         "addr -> i64",    "memarg", align=4, lower="load")
I("i64.load32_u",             0x35,         "addr -> i64",    "memarg", align=4, lower="load")
I("i32.store",                0x36,         "addr i32 ->",    "memarg", align=4, lower="store")
I("i64.store",                0x37,         "addr i64 ->",    "memarg", align=8, lower="store")
I("f32.store",                0x38,         "addr f32 ->",    "memarg", align=4, lower="store")
I("f64.store",                0x39,         "addr f64 ->",    "memarg", align=8, lower="store")
I("i32.store8",               0x3A,         "addr i32 ->",    "memarg", align=1, lower="store")
I("i32.store16",              0x3B,         "addr i32 ->",    "memarg", align=2, lower="store")
I("i64.store8",               0x3C,         "addr i64 ->",    "memarg", align=1, lower="store")
I("i64.store16",              0x3D,         "addr i64 ->",    "memarg", align=2, lower="store")
I("i64.store32",              0x3E,         "addr i64 ->",    "memarg", align=4, lower="store")
I("memory.size",              0x3F,         "-> addr",        "memidx")
I("memory.grow",              0x40,         "addr -> addr",   "memidx")

proposal("bulk_memory")
I("memory.init",              (0xFC, 0x08), "addr i32 i32 ->", "dataidx memidx")
I("data.drop",                (0xFC, 0x09), "->",             "dataidx")
I("memory.copy",              (0xFC, 0x0A), "addr addr addr ->", "memidx memidx")
I("memory.fill",              (0xFC, 0x0B), "addr i32 addr ->", "memidx")


# ------------------------------------------------------------------------------------------
chapter("Numeric instructions", "spec 2.4.1, 3.3.1, 5.4.7")
I("i32.const",                0x41,         "-> i32",         "i32")
I("i64.const",                0x42,         "-> i64",         "i64")
I("f32.const",                0x43,         "-> f32",         "f32")
I("f64.const",                0x44,         "-> f64",         "f64")
I("i32.eqz",                  0x45,         "i32 -> i32",     lower="eqz")
I("i32.eq",                   0x46,         "i32 i32 -> i32", lower="cmp")
I("i32.ne",                   0x47,         "i32 i32 -> i32", lower="cmp")
I("i32.lt_s",                 0x48,         "i32 i32 -> i32", lower="cmp")
I("i32.lt_u",                 0x49,         "i32 i32 -> i32", lower="cmp")
I("i32.gt_s",                 0x4A,         "i32 i32 -> i32", lower="cmp")
I("i32.gt_u",                 0x4B,         "i32 i32 -> i32", lower="cmp")
I("i32.le_s",                 0x4C,         "i32 i32 -> i32", lower="cmp")
I("i32.le_u",                 0x4D,         "i32 i32 -> i32", lower="cmp")
I("i32.ge_s",                 0x4E,         "i32 i32 -> i32", lower="cmp")
I("i32.ge_u",                 0x4F,         "i32 i32 -> i32", lower="cmp")
I("i64.eqz",                  0x50,         "i64 -> i32",     lower="eqz")
I("i64.eq",                   0x51,         "i64 i64 -> i32", lower="cmp")
I("i64.ne",                   0x52,         "i64 i64 -> i32", lower="cmp")
I("i64.lt_s",                 0x53,         "i64 i64 -> i32", lower="cmp")
I("i64.lt_u",                 0x54,         "i64 i64 -> i32", lower="cmp")
I("i64.gt_s",                 0x55,         "i64 i64 -> i32", lower="cmp")
I("i64.gt_u",                 0x56,         "i64 i64 -> i32", lower="cmp")
I("i64.le_s",                 0x57,         "i64 i64 -> i32", lower="cmp")
I("i64.le_u",                 0x58,         "i64 i64 -> i32", lower="cmp")
I("i64.ge_s",                 0x59,         "i64 i64 -> i32", lower="cmp")
I("i64.ge_u",                 0x5A,         "i64 i64 -> i32", lower="cmp")
I("f32.eq",                   0x5B,         "f32 f32 -> i32", lower="cmp")
I("f32.ne",                   0x5C,         "f32 f32 -> i32", lower="cmp")
I("f32.lt",                   0x5D,         "f32 f32 -> i32", lower="cmp")
I("f32.gt",                   0x5E,         "f32 f32 -> i32", lower="cmp")
I("f32.le",                   0x5F,         "f32 f32 -> i32", lower="cmp")
I("f32.ge",                   0x60,         "f32 f32 -> i32", lower="cmp")
I("f64.eq",                   0x61,         "f64 f64 -> i32", lower="cmp")
I("f64.ne",                   0x62,         "f64 f64 -> i32", lower="cmp")
I("f64.lt",                   0x63,         "f64 f64 -> i32", lower="cmp")
I("f64.gt",                   0x64,         "f64 f64 -> i32", lower="cmp")
I("f64.le",                   0x65,         "f64 f64 -> i32", lower="cmp")
I("f64.ge",                   0x66,         "f64 f64 -> i32", lower="cmp")
I("i32.clz",                  0x67,         "i32 -> i32",     lower="un")
I("i32.ctz",                  0x68,         "i32 -> i32",     lower="un")
I("i32.popcnt",               0x69,         "i32 -> i32",     lower="un")
I("i32.add",                  0x6A,         "i32 i32 -> i32", lower="bin")
I("i32.sub",                  0x6B,         "i32 i32 -> i32", lower="bin")
I("i32.mul",                  0x6C,         "i32 i32 -> i32", lower="bin")
I("i32.div_s",                0x6D,         "i32 i32 -> i32", lower="bin")
I("i32.div_u",                0x6E,         "i32 i32 -> i32", lower="bin")
I("i32.rem_s",                0x6F,         "i32 i32 -> i32", lower="bin")
I("i32.rem_u",                0x70,         "i32 i32 -> i32", lower="bin")
I("i32.and",                  0x71,         "i32 i32 -> i32", lower="bin")
I("i32.or",                   0x72,         "i32 i32 -> i32", lower="bin")
I("i32.xor",                  0x73,         "i32 i32 -> i32", lower="bin")
I("i32.shl",                  0x74,         "i32 i32 -> i32", lower="bin")
I("i32.shr_s",                0x75,         "i32 i32 -> i32", lower="bin")
I("i32.shr_u",                0x76,         "i32 i32 -> i32", lower="bin")
I("i32.rotl",                 0x77,         "i32 i32 -> i32", lower="bin")
I("i32.rotr",                 0x78,         "i32 i32 -> i32", lower="bin")
I("i64.clz",                  0x79,         "i64 -> i64",     lower="un")
I("i64.ctz",                  0x7A,         "i64 -> i64",     lower="un")
I("i64.popcnt",               0x7B,         "i64 -> i64",     lower="un")
I("i64.add",                  0x7C,         "i64 i64 -> i64", lower="bin")
I("i64.sub",                  0x7D,         "i64 i64 -> i64", lower="bin")
I("i64.mul",                  0x7E,         "i64 i64 -> i64", lower="bin")
I("i64.div_s",                0x7F,         "i64 i64 -> i64", lower="bin")
I("i64.div_u",                0x80,         "i64 i64 -> i64", lower="bin")
I("i64.rem_s",                0x81,         "i64 i64 -> i64", lower="bin")
I("i64.rem_u",                0x82,         "i64 i64 -> i64", lower="bin")
I("i64.and",                  0x83,         "i64 i64 -> i64", lower="bin")
I("i64.or",                   0x84,         "i64 i64 -> i64", lower="bin")
I("i64.xor",                  0x85,         "i64 i64 -> i64", lower="bin")
I("i64.shl",                  0x86,         "i64 i64 -> i64", lower="bin")
I("i64.shr_s",                0x87,         "i64 i64 -> i64", lower="bin")
I("i64.shr_u",                0x88,         "i64 i64 -> i64", lower="bin")
I("i64.rotl",                 0x89,         "i64 i64 -> i64", lower="bin")
I("i64.rotr",                 0x8A,         "i64 i64 -> i64", lower="bin")
I("f32.abs",                  0x8B,         "f32 -> f32",     lower="un")
I("f32.neg",                  0x8C,         "f32 -> f32",     lower="un")
I("f32.ceil",                 0x8D,         "f32 -> f32",     lower="un")
I("f32.floor",                0x8E,         "f32 -> f32",     lower="un")
I("f32.trunc",                0x8F,         "f32 -> f32",     lower="un")
I("f32.nearest",              0x90,         "f32 -> f32",     lower="un")
I("f32.sqrt",                 0x91,         "f32 -> f32",     lower="un")
I("f32.add",                  0x92,         "f32 f32 -> f32", lower="bin")
I("f32.sub",                  0x93,         "f32 f32 -> f32", lower="bin")
I("f32.mul",                  0x94,         "f32 f32 -> f32", lower="bin")
I("f32.div",                  0x95,         "f32 f32 -> f32", lower="bin")
I("f32.min",                  0x96,         "f32 f32 -> f32", lower="bin")
I("f32.max",                  0x97,         "f32 f32 -> f32", lower="bin")
I("f32.copysign",             0x98,         "f32 f32 -> f32", lower="bin")
I("f64.abs",                  0x99,         "f64 -> f64",     lower="un")
I("f64.neg",                  0x9A,         "f64 -> f64",     lower="un")
I("f64.ceil",                 0x9B,         "f64 -> f64",     lower="un")
I("f64.floor",                0x9C,         "f64 -> f64",     lower="un")
I("f64.trunc",                0x9D,         "f64 -> f64",     lower="un")
I("f64.nearest",              0x9E,         "f64 -> f64",     lower="un")
I("f64.sqrt",                 0x9F,         "f64 -> f64",     lower="un")
I("f64.add",                  0xA0,         "f64 f64 -> f64", lower="bin")
I("f64.sub",                  0xA1,         "f64 f64 -> f64", lower="bin")
I("f64.mul",                  0xA2,         "f64 f64 -> f64", lower="bin")
I("f64.div",                  0xA3,         "f64 f64 -> f64", lower="bin")
I("f64.min",                  0xA4,         "f64 f64 -> f64", lower="bin")
I("f64.max",                  0xA5,         "f64 f64 -> f64", lower="bin")
I("f64.copysign",             0xA6,         "f64 f64 -> f64", lower="bin")
I("i32.wrap_i64",             0xA7,         "i64 -> i32",     lower="un")
I("i32.trunc_f32_s",          0xA8,         "f32 -> i32",     lower="un")
I("i32.trunc_f32_u",          0xA9,         "f32 -> i32",     lower="un")
I("i32.trunc_f64_s",          0xAA,         "f64 -> i32",     lower="un")
I("i32.trunc_f64_u",          0xAB,         "f64 -> i32",     lower="un")
I("i64.extend_i32_s",         0xAC,         "i32 -> i64",     lower="un")
I("i64.extend_i32_u",         0xAD,         "i32 -> i64",     lower="un")
I("i64.trunc_f32_s",          0xAE,         "f32 -> i64",     lower="un")
I("i64.trunc_f32_u",          0xAF,         "f32 -> i64",     lower="un")
I("i64.trunc_f64_s",          0xB0,         "f64 -> i64",     lower="un")
I("i64.trunc_f64_u",          0xB1,         "f64 -> i64",     lower="un")
I("f32.convert_i32_s",        0xB2,         "i32 -> f32",     lower="un")
I("f32.convert_i32_u",        0xB3,         "i32 -> f32",     lower="un")
I("f32.convert_i64_s",        0xB4,         "i64 -> f32",     lower="un")
I("f32.convert_i64_u",        0xB5,         "i64 -> f32",     lower="un")
I("f32.demote_f64",           0xB6,         "f64 -> f32",     lower="un")
I("f64.convert_i32_s",        0xB7,         "i32 -> f64",     lower="un")
I("f64.convert_i32_u",        0xB8,         "i32 -> f64",     lower="un")
I("f64.convert_i64_s",        0xB9,         "i64 -> f64",     lower="un")
I("f64.convert_i64_u",        0xBA,         "i64 -> f64",     lower="un")
I("f64.promote_f32",          0xBB,         "f32 -> f64",     lower="un")
I("i32.reinterpret_f32",      0xBC,         "f32 -> i32",     lower="nop")
I("i64.reinterpret_f64",      0xBD,         "f64 -> i64",     lower="nop")
I("f32.reinterpret_i32",      0xBE,         "i32 -> f32",     lower="nop")
I("f64.reinterpret_i64",      0xBF,         "i64 -> f64",     lower="nop")

proposal("sign_ext")
I("i32.extend8_s",            0xC0,         "i32 -> i32",     lower="un")
I("i32.extend16_s",           0xC1,         "i32 -> i32",     lower="un")
I("i64.extend8_s",            0xC2,         "i64 -> i64",     lower="un")
I("i64.extend16_s",           0xC3,         "i64 -> i64",     lower="un")
I("i64.extend32_s",           0xC4,         "i64 -> i64",     lower="un")

proposal("saturating_float_to_int")
I("i32.trunc_sat_f32_s",      (0xFC, 0x00), "f32 -> i32",     lower="un")
I("i32.trunc_sat_f32_u",      (0xFC, 0x01), "f32 -> i32",     lower="un")
I("i32.trunc_sat_f64_s",      (0xFC, 0x02), "f64 -> i32",     lower="un")
I("i32.trunc_sat_f64_u",      (0xFC, 0x03), "f64 -> i32",     lower="un")
I("i64.trunc_sat_f32_s",      (0xFC, 0x04), "f32 -> i64",     lower="un")
I("i64.trunc_sat_f32_u",      (0xFC, 0x05), "f32 -> i64",     lower="un")
I("i64.trunc_sat_f64_s",      (0xFC, 0x06), "f64 -> i64",     lower="un")
I("i64.trunc_sat_f64_u",      (0xFC, 0x07), "f64 -> i64",     lower="un")

proposal("wide_arithmetic")
I("i64.add128",               (0xFC, 0x13), "i64 i64 i64 i64 -> i64 i64")
I("i64.sub128",               (0xFC, 0x14), "i64 i64 i64 i64 -> i64 i64")
I("i64.mul_wide_s",           (0xFC, 0x15), "i64 i64 -> i64 i64")
I("i64.mul_wide_u",           (0xFC, 0x16), "i64 i64 -> i64 i64")


# ------------------------------------------------------------------------------------------
chapter("Atomic memory instructions", "threads proposal: Overview.md, binary 0xFE", "threads")
# Every atomic access is sequentially consistent; its memarg alignment must be the natural
# one, and an effective address that is not a multiple of the width traps ("unaligned
# atomic").  `a.*` families: lowered to the `*_atomic_*` internal ops of tools/isa.py.
I("memory.atomic.notify",     (0xFE, 0x00), "addr i32 -> i32", "memarg", align=4, lower="a.notify")
I("memory.atomic.wait32",     (0xFE, 0x01), "addr i32 i64 -> i32", "memarg", align=4,
  lower="a.wait")
I("memory.atomic.wait64",     (0xFE, 0x02), "addr i64 i64 -> i32", "memarg", align=8,
  lower="a.wait")
I("atomic.fence",             (0xFE, 0x03), "->",             "zero")
I("i32.atomic.load",          (0xFE, 0x10), "addr -> i32", "memarg", align=4, lower="a.load")
I("i64.atomic.load",          (0xFE, 0x11), "addr -> i64", "memarg", align=8, lower="a.load")
I("i32.atomic.load8_u",       (0xFE, 0x12), "addr -> i32", "memarg", align=1, lower="a.load")
I("i32.atomic.load16_u",      (0xFE, 0x13), "addr -> i32", "memarg", align=2, lower="a.load")
I("i64.atomic.load8_u",       (0xFE, 0x14), "addr -> i64", "memarg", align=1, lower="a.load")
I("i64.atomic.load16_u",      (0xFE, 0x15), "addr -> i64", "memarg", align=2, lower="a.load")
I("i64.atomic.load32_u",      (0xFE, 0x16), "addr -> i64", "memarg", align=4, lower="a.load")
I("i32.atomic.store",         (0xFE, 0x17), "addr i32 ->", "memarg", align=4, lower="a.store")
I("i64.atomic.store",         (0xFE, 0x18), "addr i64 ->", "memarg", align=8, lower="a.store")
I("i32.atomic.store8",        (0xFE, 0x19), "addr i32 ->", "memarg", align=1, lower="a.store")
I("i32.atomic.store16",       (0xFE, 0x1A), "addr i32 ->", "memarg", align=2, lower="a.store")
I("i64.atomic.store8",        (0xFE, 0x1B), "addr i64 ->", "memarg", align=1, lower="a.store")
I("i64.atomic.store16",       (0xFE, 0x1C), "addr i64 ->", "memarg", align=2, lower="a.store")
I("i64.atomic.store32",       (0xFE, 0x1D), "addr i64 ->", "memarg", align=4, lower="a.store")
I("i32.atomic.rmw.add",       (0xFE, 0x1E), "addr i32 -> i32", "memarg", align=4, lower="a.rmw")
I("i64.atomic.rmw.add",       (0xFE, 0x1F), "addr i64 -> i64", "memarg", align=8, lower="a.rmw")
I("i32.atomic.rmw8.add_u",    (0xFE, 0x20), "addr i32 -> i32", "memarg", align=1, lower="a.rmw")
I("i32.atomic.rmw16.add_u",   (0xFE, 0x21), "addr i32 -> i32", "memarg", align=2, lower="a.rmw")
I("i64.atomic.rmw8.add_u",    (0xFE, 0x22), "addr i64 -> i64", "memarg", align=1, lower="a.rmw")
I("i64.atomic.rmw16.add_u",   (0xFE, 0x23), "addr i64 -> i64", "memarg", align=2, lower="a.rmw")
I("i64.atomic.rmw32.add_u",   (0xFE, 0x24), "addr i64 -> i64", "memarg", align=4, lower="a.rmw")
I("i32.atomic.rmw.sub",       (0xFE, 0x25), "addr i32 -> i32", "memarg", align=4, lower="a.rmw")
I("i64.atomic.rmw.sub",       (0xFE, 0x26), "addr i64 -> i64", "memarg", align=8, lower="a.rmw")
I("i32.atomic.rmw8.sub_u",    (0xFE, 0x27), "addr i32 -> i32", "memarg", align=1, lower="a.rmw")
I("i32.atomic.rmw16.sub_u",   (0xFE, 0x28), "addr i32 -> i32", "memarg", align=2, lower="a.rmw")
I("i64.atomic.rmw8.sub_u",    (0xFE, 0x29), "addr i64 -> i64", "memarg", align=1, lower="a.rmw")
I("i64.atomic.rmw16.sub_u",   (0xFE, 0x2A), "addr i64 -> i64", "memarg", align=2, lower="a.rmw")
I("i64.atomic.rmw32.sub_u",   (0xFE, 0x2B), "addr i64 -> i64", "memarg", align=4, lower="a.rmw")
I("i32.atomic.rmw.and",       (0xFE, 0x2C), "addr i32 -> i32", "memarg", align=4, lower="a.rmw")
I("i64.atomic.rmw.and",       (0xFE, 0x2D), "addr i64 -> i64", "memarg", align=8, lower="a.rmw")
I("i32.atomic.rmw8.and_u",    (0xFE, 0x2E), "addr i32 -> i32", "memarg", align=1, lower="a.rmw")
I("i32.atomic.rmw16.and_u",   (0xFE, 0x2F), "addr i32 -> i32", "memarg", align=2, lower="a.rmw")
I("i64.atomic.rmw8.and_u",    (0xFE, 0x30), "addr i64 -> i64", "memarg", align=1, lower="a.rmw")
I("i64.atomic.rmw16.and_u",   (0xFE, 0x31), "addr i64 -> i64", "memarg", align=2, lower="a.rmw")
I("i64.atomic.rmw32.and_u",   (0xFE, 0x32), "addr i64 -> i64", "memarg", align=4, lower="a.rmw")
I("i32.atomic.rmw.or",        (0xFE, 0x33), "addr i32 -> i32", "memarg", align=4, lower="a.rmw")
I("i64.atomic.rmw.or",        (0xFE, 0x34), "addr i64 -> i64", "memarg", align=8, lower="a.rmw")
I("i32.atomic.rmw8.or_u",     (0xFE, 0x35), "addr i32 -> i32", "memarg", align=1, lower="a.rmw")
I("i32.atomic.rmw16.or_u",    (0xFE, 0x36), "addr i32 -> i32", "memarg", align=2, lower="a.rmw")
I("i64.atomic.rmw8.or_u",     (0xFE, 0x37), "addr i64 -> i64", "memarg", align=1, lower="a.rmw")
I("i64.atomic.rmw16.or_u",    (0xFE, 0x38), "addr i64 -> i64", "memarg", align=2, lower="a.rmw")
I("i64.atomic.rmw32.or_u",    (0xFE, 0x39), "addr i64 -> i64", "memarg", align=4, lower="a.rmw")
I("i32.atomic.rmw.xor",       (0xFE, 0x3A), "addr i32 -> i32", "memarg", align=4, lower="a.rmw")
I("i64.atomic.rmw.xor",       (0xFE, 0x3B), "addr i64 -> i64", "memarg", align=8, lower="a.rmw")
I("i32.atomic.rmw8.xor_u",    (0xFE, 0x3C), "addr i32 -> i32", "memarg", align=1, lower="a.rmw")
I("i32.atomic.rmw16.xor_u",   (0xFE, 0x3D), "addr i32 -> i32", "memarg", align=2, lower="a.rmw")
I("i64.atomic.rmw8.xor_u",    (0xFE, 0x3E), "addr i64 -> i64", "memarg", align=1, lower="a.rmw")
I("i64.atomic.rmw16.xor_u",   (0xFE, 0x3F), "addr i64 -> i64", "memarg", align=2, lower="a.rmw")
I("i64.atomic.rmw32.xor_u",   (0xFE, 0x40), "addr i64 -> i64", "memarg", align=4, lower="a.rmw")
I("i32.atomic.rmw.xchg",      (0xFE, 0x41), "addr i32 -> i32", "memarg", align=4, lower="a.rmw")
I("i64.atomic.rmw.xchg",      (0xFE, 0x42), "addr i64 -> i64", "memarg", align=8, lower="a.rmw")
I("i32.atomic.rmw8.xchg_u",   (0xFE, 0x43), "addr i32 -> i32", "memarg", align=1, lower="a.rmw")
I("i32.atomic.rmw16.xchg_u",  (0xFE, 0x44), "addr i32 -> i32", "memarg", align=2, lower="a.rmw")
I("i64.atomic.rmw8.xchg_u",   (0xFE, 0x45), "addr i64 -> i64", "memarg", align=1, lower="a.rmw")
I("i64.atomic.rmw16.xchg_u",  (0xFE, 0x46), "addr i64 -> i64", "memarg", align=2, lower="a.rmw")
I("i64.atomic.rmw32.xchg_u",  (0xFE, 0x47), "addr i64 -> i64", "memarg", align=4, lower="a.rmw")
I("i32.atomic.rmw.cmpxchg",   (0xFE, 0x48), "addr i32 i32 -> i32", "memarg", align=4, lower="a.cmpxchg")
I("i64.atomic.rmw.cmpxchg",   (0xFE, 0x49), "addr i64 i64 -> i64", "memarg", align=8, lower="a.cmpxchg")
I("i32.atomic.rmw8.cmpxchg_u",(0xFE, 0x4A), "addr i32 i32 -> i32", "memarg", align=1, lower="a.cmpxchg")
I("i32.atomic.rmw16.cmpxchg_u",(0xFE, 0x4B), "addr i32 i32 -> i32", "memarg", align=2, lower="a.cmpxchg")
I("i64.atomic.rmw8.cmpxchg_u",(0xFE, 0x4C), "addr i64 i64 -> i64", "memarg", align=1, lower="a.cmpxchg")
I("i64.atomic.rmw16.cmpxchg_u",(0xFE, 0x4D), "addr i64 i64 -> i64", "memarg", align=2, lower="a.cmpxchg")
I("i64.atomic.rmw32.cmpxchg_u",(0xFE, 0x4E), "addr i64 i64 -> i64", "memarg", align=4, lower="a.cmpxchg")


# ------------------------------------------------------------------------------------------
chapter("Vector instructions", "spec 2.4.2, 3.3.2, 5.4.8", proposal="simd")
I("v128.load",                (0xFD, 0x00), "addr -> v128",   "memarg", align=16, lower="v.load")
I("v128.load8x8_s",           (0xFD, 0x01), "addr -> v128",   "memarg", align=8, lower="v.load")
I("v128.load8x8_u",           (0xFD, 0x02), "addr -> v128",   "memarg", align=8, lower="v.load")
I("v128.load16x4_s",          (0xFD, 0x03), "addr -> v128",   "memarg", align=8, lower="v.load")
I("v128.load16x4_u",          (0xFD, 0x04), "addr -> v128",   "memarg", align=8, lower="v.load")
I("v128.load32x2_s",          (0xFD, 0x05), "addr -> v128",   "memarg", align=8, lower="v.load")
I("v128.load32x2_u",          (0xFD, 0x06), "addr -> v128",   "memarg", align=8, lower="v.load")
I("v128.load8_splat",         (0xFD, 0x07), "addr -> v128",   "memarg", align=1, lower="v.load")
I("v128.load16_splat",        (0xFD, 0x08), "addr -> v128",   "memarg", align=2, lower="v.load")
I("v128.load32_splat",        (0xFD, 0x09), "addr -> v128",   "memarg", align=4, lower="v.load")
I("v128.load64_splat",        (0xFD, 0x0A), "addr -> v128",   "memarg", align=8, lower="v.load")
I("v128.store",               (0xFD, 0x0B), "addr v128 ->",   "memarg", align=16, lower="v.store")
I("v128.const",               (0xFD, 0x0C), "-> v128",        "v128", lower="v.const")
I("i8x16.shuffle",            (0xFD, 0x0D), "v128 v128 -> v128", "lanes16", lower="v.shuffle")
I("i8x16.swizzle",            (0xFD, 0x0E), "v128 v128 -> v128", lower="v.bin")
I("i8x16.splat",              (0xFD, 0x0F), "i32 -> v128",    lower="v.splat")
I("i16x8.splat",              (0xFD, 0x10), "i32 -> v128",    lower="v.splat")
I("i32x4.splat",              (0xFD, 0x11), "i32 -> v128",    lower="v.splat")
I("i64x2.splat",              (0xFD, 0x12), "i64 -> v128",    lower="v.splat")
I("f32x4.splat",              (0xFD, 0x13), "f32 -> v128",    lower="v.splat")
I("f64x2.splat",              (0xFD, 0x14), "f64 -> v128",    lower="v.splat")
I("i8x16.extract_lane_s",     (0xFD, 0x15), "v128 -> i32",    "lane", lower="v.extract")
I("i8x16.extract_lane_u",     (0xFD, 0x16), "v128 -> i32",    "lane", lower="v.extract")
I("i8x16.replace_lane",       (0xFD, 0x17), "v128 i32 -> v128", "lane", lower="v.replace")
I("i16x8.extract_lane_s",     (0xFD, 0x18), "v128 -> i32",    "lane", lower="v.extract")
I("i16x8.extract_lane_u",     (0xFD, 0x19), "v128 -> i32",    "lane", lower="v.extract")
I("i16x8.replace_lane",       (0xFD, 0x1A), "v128 i32 -> v128", "lane", lower="v.replace")
I("i32x4.extract_lane",       (0xFD, 0x1B), "v128 -> i32",    "lane", lower="v.extract")
I("i32x4.replace_lane",       (0xFD, 0x1C), "v128 i32 -> v128", "lane", lower="v.replace")
I("i64x2.extract_lane",       (0xFD, 0x1D), "v128 -> i64",    "lane", lower="v.extract")
I("i64x2.replace_lane",       (0xFD, 0x1E), "v128 i64 -> v128", "lane", lower="v.replace")
I("f32x4.extract_lane",       (0xFD, 0x1F), "v128 -> f32",    "lane", lower="v.extract")
I("f32x4.replace_lane",       (0xFD, 0x20), "v128 f32 -> v128", "lane", lower="v.replace")
I("f64x2.extract_lane",       (0xFD, 0x21), "v128 -> f64",    "lane", lower="v.extract")
I("f64x2.replace_lane",       (0xFD, 0x22), "v128 f64 -> v128", "lane", lower="v.replace")
I("i8x16.eq",                 (0xFD, 0x23), "v128 v128 -> v128", lower="v.bin")
I("i8x16.ne",                 (0xFD, 0x24), "v128 v128 -> v128", lower="v.bin")
I("i8x16.lt_s",               (0xFD, 0x25), "v128 v128 -> v128", lower="v.bin")
I("i8x16.lt_u",               (0xFD, 0x26), "v128 v128 -> v128", lower="v.bin")
I("i8x16.gt_s",               (0xFD, 0x27), "v128 v128 -> v128", lower="v.bin")
I("i8x16.gt_u",               (0xFD, 0x28), "v128 v128 -> v128", lower="v.bin")
I("i8x16.le_s",               (0xFD, 0x29), "v128 v128 -> v128", lower="v.bin")
I("i8x16.le_u",               (0xFD, 0x2A), "v128 v128 -> v128", lower="v.bin")
I("i8x16.ge_s",               (0xFD, 0x2B), "v128 v128 -> v128", lower="v.bin")
I("i8x16.ge_u",               (0xFD, 0x2C), "v128 v128 -> v128", lower="v.bin")
I("i16x8.eq",                 (0xFD, 0x2D), "v128 v128 -> v128", lower="v.bin")
I("i16x8.ne",                 (0xFD, 0x2E), "v128 v128 -> v128", lower="v.bin")
I("i16x8.lt_s",               (0xFD, 0x2F), "v128 v128 -> v128", lower="v.bin")
I("i16x8.lt_u",               (0xFD, 0x30), "v128 v128 -> v128", lower="v.bin")
I("i16x8.gt_s",               (0xFD, 0x31), "v128 v128 -> v128", lower="v.bin")
I("i16x8.gt_u",               (0xFD, 0x32), "v128 v128 -> v128", lower="v.bin")
I("i16x8.le_s",               (0xFD, 0x33), "v128 v128 -> v128", lower="v.bin")
I("i16x8.le_u",               (0xFD, 0x34), "v128 v128 -> v128", lower="v.bin")
I("i16x8.ge_s",               (0xFD, 0x35), "v128 v128 -> v128", lower="v.bin")
I("i16x8.ge_u",               (0xFD, 0x36), "v128 v128 -> v128", lower="v.bin")
I("i32x4.eq",                 (0xFD, 0x37), "v128 v128 -> v128", lower="v.bin")
I("i32x4.ne",                 (0xFD, 0x38), "v128 v128 -> v128", lower="v.bin")
I("i32x4.lt_s",               (0xFD, 0x39), "v128 v128 -> v128", lower="v.bin")
I("i32x4.lt_u",               (0xFD, 0x3A), "v128 v128 -> v128", lower="v.bin")
I("i32x4.gt_s",               (0xFD, 0x3B), "v128 v128 -> v128", lower="v.bin")
I("i32x4.gt_u",               (0xFD, 0x3C), "v128 v128 -> v128", lower="v.bin")
I("i32x4.le_s",               (0xFD, 0x3D), "v128 v128 -> v128", lower="v.bin")
I("i32x4.le_u",               (0xFD, 0x3E), "v128 v128 -> v128", lower="v.bin")
I("i32x4.ge_s",               (0xFD, 0x3F), "v128 v128 -> v128", lower="v.bin")
I("i32x4.ge_u",               (0xFD, 0x40), "v128 v128 -> v128", lower="v.bin")
I("f32x4.eq",                 (0xFD, 0x41), "v128 v128 -> v128", lower="v.bin")
I("f32x4.ne",                 (0xFD, 0x42), "v128 v128 -> v128", lower="v.bin")
I("f32x4.lt",                 (0xFD, 0x43), "v128 v128 -> v128", lower="v.bin")
I("f32x4.gt",                 (0xFD, 0x44), "v128 v128 -> v128", lower="v.bin")
I("f32x4.le",                 (0xFD, 0x45), "v128 v128 -> v128", lower="v.bin")
I("f32x4.ge",                 (0xFD, 0x46), "v128 v128 -> v128", lower="v.bin")
I("f64x2.eq",                 (0xFD, 0x47), "v128 v128 -> v128", lower="v.bin")
I("f64x2.ne",                 (0xFD, 0x48), "v128 v128 -> v128", lower="v.bin")
I("f64x2.lt",                 (0xFD, 0x49), "v128 v128 -> v128", lower="v.bin")
I("f64x2.gt",                 (0xFD, 0x4A), "v128 v128 -> v128", lower="v.bin")
I("f64x2.le",                 (0xFD, 0x4B), "v128 v128 -> v128", lower="v.bin")
I("f64x2.ge",                 (0xFD, 0x4C), "v128 v128 -> v128", lower="v.bin")
I("v128.not",                 (0xFD, 0x4D), "v128 -> v128",   lower="v.un")
I("v128.and",                 (0xFD, 0x4E), "v128 v128 -> v128", lower="v.bin")
I("v128.andnot",              (0xFD, 0x4F), "v128 v128 -> v128", lower="v.bin")
I("v128.or",                  (0xFD, 0x50), "v128 v128 -> v128", lower="v.bin")
I("v128.xor",                 (0xFD, 0x51), "v128 v128 -> v128", lower="v.bin")
I("v128.bitselect",           (0xFD, 0x52), "v128 v128 v128 -> v128", lower="v.tern")
I("v128.any_true",            (0xFD, 0x53), "v128 -> i32",    lower="v.test")
I("v128.load8_lane", (0xFD, 0x54), "addr v128 -> v128", "memarg lane", align=1, lower="v.load_lane")
I("v128.load16_lane", (0xFD, 0x55), "addr v128 -> v128", "memarg lane", align=2, lower="v.load_lane")
I("v128.load32_lane", (0xFD, 0x56), "addr v128 -> v128", "memarg lane", align=4, lower="v.load_lane")
I("v128.load64_lane", (0xFD, 0x57), "addr v128 -> v128", "memarg lane", align=8, lower="v.load_lane")
I("v128.store8_lane", (0xFD, 0x58), "addr v128 ->", "memarg lane", align=1, lower="v.store_lane")
I("v128.store16_lane", (0xFD, 0x59), "addr v128 ->", "memarg lane", align=2, lower="v.store_lane")
I("v128.store32_lane", (0xFD, 0x5A), "addr v128 ->", "memarg lane", align=4, lower="v.store_lane")
I("v128.store64_lane", (0xFD, 0x5B), "addr v128 ->", "memarg lane", align=8, lower="v.store_lane")
I("v128.load32_zero",         (0xFD, 0x5C), "addr -> v128",   "memarg", align=4, lower="v.load")
I("v128.load64_zero",         (0xFD, 0x5D), "addr -> v128",   "memarg", align=8, lower="v.load")
I("f32x4.demote_f64x2_zero",  (0xFD, 0x5E), "v128 -> v128",   lower="v.un")
I("f64x2.promote_low_f32x4",  (0xFD, 0x5F), "v128 -> v128",   lower="v.un")
I("i8x16.abs",                (0xFD, 0x60), "v128 -> v128",   lower="v.un")
I("i8x16.neg",                (0xFD, 0x61), "v128 -> v128",   lower="v.un")
I("i8x16.popcnt",             (0xFD, 0x62), "v128 -> v128",   lower="v.un")
I("i8x16.all_true",           (0xFD, 0x63), "v128 -> i32",    lower="v.test")
I("i8x16.bitmask",            (0xFD, 0x64), "v128 -> i32",    lower="v.test")
I("i8x16.narrow_i16x8_s",     (0xFD, 0x65), "v128 v128 -> v128", lower="v.bin")
I("i8x16.narrow_i16x8_u",     (0xFD, 0x66), "v128 v128 -> v128", lower="v.bin")
I("f32x4.ceil",               (0xFD, 0x67), "v128 -> v128",   lower="v.un")
I("f32x4.floor",              (0xFD, 0x68), "v128 -> v128",   lower="v.un")
I("f32x4.trunc",              (0xFD, 0x69), "v128 -> v128",   lower="v.un")
I("f32x4.nearest",            (0xFD, 0x6A), "v128 -> v128",   lower="v.un")
I("i8x16.shl",                (0xFD, 0x6B), "v128 i32 -> v128", lower="v.shift")
I("i8x16.shr_s",              (0xFD, 0x6C), "v128 i32 -> v128", lower="v.shift")
I("i8x16.shr_u",              (0xFD, 0x6D), "v128 i32 -> v128", lower="v.shift")
I("i8x16.add",                (0xFD, 0x6E), "v128 v128 -> v128", lower="v.bin")
I("i8x16.add_sat_s",          (0xFD, 0x6F), "v128 v128 -> v128", lower="v.bin")
I("i8x16.add_sat_u",          (0xFD, 0x70), "v128 v128 -> v128", lower="v.bin")
I("i8x16.sub",                (0xFD, 0x71), "v128 v128 -> v128", lower="v.bin")
I("i8x16.sub_sat_s",          (0xFD, 0x72), "v128 v128 -> v128", lower="v.bin")
I("i8x16.sub_sat_u",          (0xFD, 0x73), "v128 v128 -> v128", lower="v.bin")
I("f64x2.ceil",               (0xFD, 0x74), "v128 -> v128",   lower="v.un")
I("f64x2.floor",              (0xFD, 0x75), "v128 -> v128",   lower="v.un")
I("i8x16.min_s",              (0xFD, 0x76), "v128 v128 -> v128", lower="v.bin")
I("i8x16.min_u",              (0xFD, 0x77), "v128 v128 -> v128", lower="v.bin")
I("i8x16.max_s",              (0xFD, 0x78), "v128 v128 -> v128", lower="v.bin")
I("i8x16.max_u",              (0xFD, 0x79), "v128 v128 -> v128", lower="v.bin")
I("f64x2.trunc",              (0xFD, 0x7A), "v128 -> v128",   lower="v.un")
I("i8x16.avgr_u",             (0xFD, 0x7B), "v128 v128 -> v128", lower="v.bin")
I("i16x8.extadd_pairwise_i8x16_s", (0xFD, 0x7C), "v128 -> v128", lower="v.un")
I("i16x8.extadd_pairwise_i8x16_u", (0xFD, 0x7D), "v128 -> v128", lower="v.un")
I("i32x4.extadd_pairwise_i16x8_s", (0xFD, 0x7E), "v128 -> v128", lower="v.un")
I("i32x4.extadd_pairwise_i16x8_u", (0xFD, 0x7F), "v128 -> v128", lower="v.un")
I("i16x8.abs",                (0xFD, 0x80), "v128 -> v128",   lower="v.un")
I("i16x8.neg",                (0xFD, 0x81), "v128 -> v128",   lower="v.un")
I("i16x8.q15mulr_sat_s",      (0xFD, 0x82), "v128 v128 -> v128", lower="v.bin")
I("i16x8.all_true",           (0xFD, 0x83), "v128 -> i32",    lower="v.test")
I("i16x8.bitmask",            (0xFD, 0x84), "v128 -> i32",    lower="v.test")
I("i16x8.narrow_i32x4_s",     (0xFD, 0x85), "v128 v128 -> v128", lower="v.bin")
I("i16x8.narrow_i32x4_u",     (0xFD, 0x86), "v128 v128 -> v128", lower="v.bin")
I("i16x8.extend_low_i8x16_s", (0xFD, 0x87), "v128 -> v128",   lower="v.un")
I("i16x8.extend_high_i8x16_s", (0xFD, 0x88), "v128 -> v128",  lower="v.un")
I("i16x8.extend_low_i8x16_u", (0xFD, 0x89), "v128 -> v128",   lower="v.un")
I("i16x8.extend_high_i8x16_u", (0xFD, 0x8A), "v128 -> v128",  lower="v.un")
I("i16x8.shl",                (0xFD, 0x8B), "v128 i32 -> v128", lower="v.shift")
I("i16x8.shr_s",              (0xFD, 0x8C), "v128 i32 -> v128", lower="v.shift")
I("i16x8.shr_u",              (0xFD, 0x8D), "v128 i32 -> v128", lower="v.shift")
I("i16x8.add",                (0xFD, 0x8E), "v128 v128 -> v128", lower="v.bin")
I("i16x8.add_sat_s",          (0xFD, 0x8F), "v128 v128 -> v128", lower="v.bin")
I("i16x8.add_sat_u",          (0xFD, 0x90), "v128 v128 -> v128", lower="v.bin")
I("i16x8.sub",                (0xFD, 0x91), "v128 v128 -> v128", lower="v.bin")
I("i16x8.sub_sat_s",          (0xFD, 0x92), "v128 v128 -> v128", lower="v.bin")
I("i16x8.sub_sat_u",          (0xFD, 0x93), "v128 v128 -> v128", lower="v.bin")
I("f64x2.nearest",            (0xFD, 0x94), "v128 -> v128",   lower="v.un")
I("i16x8.mul",                (0xFD, 0x95), "v128 v128 -> v128", lower="v.bin")
I("i16x8.min_s",              (0xFD, 0x96), "v128 v128 -> v128", lower="v.bin")
I("i16x8.min_u",              (0xFD, 0x97), "v128 v128 -> v128", lower="v.bin")
I("i16x8.max_s",              (0xFD, 0x98), "v128 v128 -> v128", lower="v.bin")
I("i16x8.max_u",              (0xFD, 0x99), "v128 v128 -> v128", lower="v.bin")
I("i16x8.avgr_u",             (0xFD, 0x9B), "v128 v128 -> v128", lower="v.bin")
I("i16x8.extmul_low_i8x16_s", (0xFD, 0x9C), "v128 v128 -> v128", lower="v.bin")
I("i16x8.extmul_high_i8x16_s", (0xFD, 0x9D), "v128 v128 -> v128", lower="v.bin")
I("i16x8.extmul_low_i8x16_u", (0xFD, 0x9E), "v128 v128 -> v128", lower="v.bin")
I("i16x8.extmul_high_i8x16_u", (0xFD, 0x9F), "v128 v128 -> v128", lower="v.bin")
I("i32x4.abs",                (0xFD, 0xA0), "v128 -> v128",   lower="v.un")
I("i32x4.neg",                (0xFD, 0xA1), "v128 -> v128",   lower="v.un")
I("i32x4.all_true",           (0xFD, 0xA3), "v128 -> i32",    lower="v.test")
I("i32x4.bitmask",            (0xFD, 0xA4), "v128 -> i32",    lower="v.test")
I("i32x4.extend_low_i16x8_s", (0xFD, 0xA7), "v128 -> v128",   lower="v.un")
I("i32x4.extend_high_i16x8_s", (0xFD, 0xA8), "v128 -> v128",  lower="v.un")
I("i32x4.extend_low_i16x8_u", (0xFD, 0xA9), "v128 -> v128",   lower="v.un")
I("i32x4.extend_high_i16x8_u", (0xFD, 0xAA), "v128 -> v128",  lower="v.un")
I("i32x4.shl",                (0xFD, 0xAB), "v128 i32 -> v128", lower="v.shift")
I("i32x4.shr_s",              (0xFD, 0xAC), "v128 i32 -> v128", lower="v.shift")
I("i32x4.shr_u",              (0xFD, 0xAD), "v128 i32 -> v128", lower="v.shift")
I("i32x4.add",                (0xFD, 0xAE), "v128 v128 -> v128", lower="v.bin")
I("i32x4.sub",                (0xFD, 0xB1), "v128 v128 -> v128", lower="v.bin")
I("i32x4.mul",                (0xFD, 0xB5), "v128 v128 -> v128", lower="v.bin")
I("i32x4.min_s",              (0xFD, 0xB6), "v128 v128 -> v128", lower="v.bin")
I("i32x4.min_u",              (0xFD, 0xB7), "v128 v128 -> v128", lower="v.bin")
I("i32x4.max_s",              (0xFD, 0xB8), "v128 v128 -> v128", lower="v.bin")
I("i32x4.max_u",              (0xFD, 0xB9), "v128 v128 -> v128", lower="v.bin")
I("i32x4.dot_i16x8_s",        (0xFD, 0xBA), "v128 v128 -> v128", lower="v.bin")
I("i32x4.extmul_low_i16x8_s", (0xFD, 0xBC), "v128 v128 -> v128", lower="v.bin")
I("i32x4.extmul_high_i16x8_s", (0xFD, 0xBD), "v128 v128 -> v128", lower="v.bin")
I("i32x4.extmul_low_i16x8_u", (0xFD, 0xBE), "v128 v128 -> v128", lower="v.bin")
I("i32x4.extmul_high_i16x8_u", (0xFD, 0xBF), "v128 v128 -> v128", lower="v.bin")
I("i64x2.abs",                (0xFD, 0xC0), "v128 -> v128",   lower="v.un")
I("i64x2.neg",                (0xFD, 0xC1), "v128 -> v128",   lower="v.un")
I("i64x2.all_true",           (0xFD, 0xC3), "v128 -> i32",    lower="v.test")
I("i64x2.bitmask",            (0xFD, 0xC4), "v128 -> i32",    lower="v.test")
I("i64x2.extend_low_i32x4_s", (0xFD, 0xC7), "v128 -> v128",   lower="v.un")
I("i64x2.extend_high_i32x4_s", (0xFD, 0xC8), "v128 -> v128",  lower="v.un")
I("i64x2.extend_low_i32x4_u", (0xFD, 0xC9), "v128 -> v128",   lower="v.un")
I("i64x2.extend_high_i32x4_u", (0xFD, 0xCA), "v128 -> v128",  lower="v.un")
I("i64x2.shl",                (0xFD, 0xCB), "v128 i32 -> v128", lower="v.shift")
I("i64x2.shr_s",              (0xFD, 0xCC), "v128 i32 -> v128", lower="v.shift")
I("i64x2.shr_u",              (0xFD, 0xCD), "v128 i32 -> v128", lower="v.shift")
I("i64x2.add",                (0xFD, 0xCE), "v128 v128 -> v128", lower="v.bin")
I("i64x2.sub",                (0xFD, 0xD1), "v128 v128 -> v128", lower="v.bin")
I("i64x2.mul",                (0xFD, 0xD5), "v128 v128 -> v128", lower="v.bin")
I("i64x2.eq",                 (0xFD, 0xD6), "v128 v128 -> v128", lower="v.bin")
I("i64x2.ne",                 (0xFD, 0xD7), "v128 v128 -> v128", lower="v.bin")
I("i64x2.lt_s",               (0xFD, 0xD8), "v128 v128 -> v128", lower="v.bin")
I("i64x2.gt_s",               (0xFD, 0xD9), "v128 v128 -> v128", lower="v.bin")
I("i64x2.le_s",               (0xFD, 0xDA), "v128 v128 -> v128", lower="v.bin")
I("i64x2.ge_s",               (0xFD, 0xDB), "v128 v128 -> v128", lower="v.bin")
I("i64x2.extmul_low_i32x4_s", (0xFD, 0xDC), "v128 v128 -> v128", lower="v.bin")
I("i64x2.extmul_high_i32x4_s", (0xFD, 0xDD), "v128 v128 -> v128", lower="v.bin")
I("i64x2.extmul_low_i32x4_u", (0xFD, 0xDE), "v128 v128 -> v128", lower="v.bin")
I("i64x2.extmul_high_i32x4_u", (0xFD, 0xDF), "v128 v128 -> v128", lower="v.bin")
I("f32x4.abs",                (0xFD, 0xE0), "v128 -> v128",   lower="v.un")
I("f32x4.neg",                (0xFD, 0xE1), "v128 -> v128",   lower="v.un")
I("f32x4.sqrt",               (0xFD, 0xE3), "v128 -> v128",   lower="v.un")
I("f32x4.add",                (0xFD, 0xE4), "v128 v128 -> v128", lower="v.bin")
I("f32x4.sub",                (0xFD, 0xE5), "v128 v128 -> v128", lower="v.bin")
I("f32x4.mul",                (0xFD, 0xE6), "v128 v128 -> v128", lower="v.bin")
I("f32x4.div",                (0xFD, 0xE7), "v128 v128 -> v128", lower="v.bin")
I("f32x4.min",                (0xFD, 0xE8), "v128 v128 -> v128", lower="v.bin")
I("f32x4.max",                (0xFD, 0xE9), "v128 v128 -> v128", lower="v.bin")
I("f32x4.pmin",               (0xFD, 0xEA), "v128 v128 -> v128", lower="v.bin")
I("f32x4.pmax",               (0xFD, 0xEB), "v128 v128 -> v128", lower="v.bin")
I("f64x2.abs",                (0xFD, 0xEC), "v128 -> v128",   lower="v.un")
I("f64x2.neg",                (0xFD, 0xED), "v128 -> v128",   lower="v.un")
I("f64x2.sqrt",               (0xFD, 0xEF), "v128 -> v128",   lower="v.un")
I("f64x2.add",                (0xFD, 0xF0), "v128 v128 -> v128", lower="v.bin")
I("f64x2.sub",                (0xFD, 0xF1), "v128 v128 -> v128", lower="v.bin")
I("f64x2.mul",                (0xFD, 0xF2), "v128 v128 -> v128", lower="v.bin")
I("f64x2.div",                (0xFD, 0xF3), "v128 v128 -> v128", lower="v.bin")
I("f64x2.min",                (0xFD, 0xF4), "v128 v128 -> v128", lower="v.bin")
I("f64x2.max",                (0xFD, 0xF5), "v128 v128 -> v128", lower="v.bin")
I("f64x2.pmin",               (0xFD, 0xF6), "v128 v128 -> v128", lower="v.bin")
I("f64x2.pmax",               (0xFD, 0xF7), "v128 v128 -> v128", lower="v.bin")
I("i32x4.trunc_sat_f32x4_s",  (0xFD, 0xF8), "v128 -> v128",   lower="v.un")
I("i32x4.trunc_sat_f32x4_u",  (0xFD, 0xF9), "v128 -> v128",   lower="v.un")
I("f32x4.convert_i32x4_s",    (0xFD, 0xFA), "v128 -> v128",   lower="v.un")
I("f32x4.convert_i32x4_u",    (0xFD, 0xFB), "v128 -> v128",   lower="v.un")
I("i32x4.trunc_sat_f64x2_s_zero", (0xFD, 0xFC), "v128 -> v128", lower="v.un")
I("i32x4.trunc_sat_f64x2_u_zero", (0xFD, 0xFD), "v128 -> v128", lower="v.un")
I("f64x2.convert_low_i32x4_s", (0xFD, 0xFE), "v128 -> v128",  lower="v.un")
I("f64x2.convert_low_i32x4_u", (0xFD, 0xFF), "v128 -> v128",  lower="v.un")

proposal("relaxed_simd")
I("i8x16.relaxed_swizzle",    (0xFD, 0x100), "v128 v128 -> v128", lower="v.bin")
I("i32x4.relaxed_trunc_f32x4_s", (0xFD, 0x101), "v128 -> v128", lower="v.un")
I("i32x4.relaxed_trunc_f32x4_u", (0xFD, 0x102), "v128 -> v128", lower="v.un")
I("i32x4.relaxed_trunc_f64x2_s_zero", (0xFD, 0x103), "v128 -> v128", lower="v.un")
I("i32x4.relaxed_trunc_f64x2_u_zero", (0xFD, 0x104), "v128 -> v128", lower="v.un")
I("f32x4.relaxed_madd",       (0xFD, 0x105), "v128 v128 v128 -> v128", lower="v.tern")
I("f32x4.relaxed_nmadd",      (0xFD, 0x106), "v128 v128 v128 -> v128", lower="v.tern")
I("f64x2.relaxed_madd",       (0xFD, 0x107), "v128 v128 v128 -> v128", lower="v.tern")
I("f64x2.relaxed_nmadd",      (0xFD, 0x108), "v128 v128 v128 -> v128", lower="v.tern")
I("i8x16.relaxed_laneselect", (0xFD, 0x109), "v128 v128 v128 -> v128", lower="v.tern")
I("i16x8.relaxed_laneselect", (0xFD, 0x10A), "v128 v128 v128 -> v128", lower="v.tern")
I("i32x4.relaxed_laneselect", (0xFD, 0x10B), "v128 v128 v128 -> v128", lower="v.tern")
I("i64x2.relaxed_laneselect", (0xFD, 0x10C), "v128 v128 v128 -> v128", lower="v.tern")
I("f32x4.relaxed_min",        (0xFD, 0x10D), "v128 v128 -> v128", lower="v.bin")
I("f32x4.relaxed_max",        (0xFD, 0x10E), "v128 v128 -> v128", lower="v.bin")
I("f64x2.relaxed_min",        (0xFD, 0x10F), "v128 v128 -> v128", lower="v.bin")
I("f64x2.relaxed_max",        (0xFD, 0x110), "v128 v128 -> v128", lower="v.bin")
I("i16x8.relaxed_q15mulr_s",  (0xFD, 0x111), "v128 v128 -> v128", lower="v.bin")
I("i16x8.relaxed_dot_i8x16_i7x16_s", (0xFD, 0x112), "v128 v128 -> v128", lower="v.bin")
I("i32x4.relaxed_dot_i8x16_i7x16_add_s", (0xFD, 0x113), "v128 v128 v128 -> v128", lower="v.tern")

# fmt: on


# ------------------------------------------------------------------------------------------
def by_name() -> dict[str, Instr]:
    """The rows keyed by mnemonic."""
    return {o.name: o for o in OPS}


def lane_count(o: Instr) -> int:
    """The lane count a ``lane`` immediate of ``o`` must stay below: from the shape of an
    extract/replace (``i16x8.`` -> 8), or 16 / the access width of a lane load/store."""
    if "memarg" in o.imm:
        return 16 // o.align
    return int(o.name.split(".")[0].split("x")[1])


def _check() -> None:
    seen_names: set[str] = set()
    seen_ops: set[int] = set()
    reserved = {b for codes in RESERVED.values() for b in codes}
    for o in OPS:
        where = f"{o.name} ({o.chapter})"
        assert o.name not in seen_names, f"duplicate mnemonic {where}"
        assert o.op not in seen_ops, f"duplicate opcode {where}"
        seen_names.add(o.name)
        seen_ops.add(o.op)
        assert o.prefix == 0 or o.prefix in PREFIXES, f"unknown prefix {where}"
        gate = PREFIXES[o.prefix][1] if o.prefix else None
        assert gate in (None, o.gate, "simd"), f"{where}: prefix gate {gate} over {o.gate}"
        assert (o.prefix or o.code) not in reserved and o.op not in reserved, \
            f"{where}: opcode still in RESERVED"
        assert o.prefix or (o.code < 256 and o.code not in PREFIXES), f"bad opcode {where}"
        assert o.sig.count("->") == 1, f"{where}: signature needs one '->'"
        for w in o.operands + o.results:
            assert w in TYPE_WORDS, f"{where}: unknown type word {w!r}"
        for k in o.imm:
            assert k in IMMEDIATES, f"{where}: unknown immediate kind {k!r}"
        assert o.proposal in PROPOSALS and o.gate in PROPOSALS, f"unknown proposal {where}"
        assert ("memarg" in o.imm) == (o.align > 0), f"{where}: align goes with memarg"
        if o.lower.startswith("v."):
            assert o.lower[2:] in SIMD_KINDS, f"{where}: unknown SIMD kind {o.lower}"
        else:
            assert o.lower in LOWER_FAMILIES + ("",), f"{where}: unknown family {o.lower}"
        if o.lower and o.lower not in ("nop", "v.const", "v.shuffle"):
            assert o.fixed, f"{where}: a table-lowered row needs a fixed signature"


_check()
