# cython: language_level=3
"""The compile front end: module structures, the validator's state and the lowering seam.

Entry points (``_core.pyx``):
  ``decode_module(data) -> ModuleInfo``              raises ``DecodeError``
  ``validate_module(data, features) -> ModuleInfo``  + ``ValidationError`` (no lowering)
  ``compile_module(data, features) -> ModuleInfo``   decode, validate and lower every body

Everything below is readable from Python (``readonly`` attributes).  Value types are
``vt_t`` words (_defs.pxd: the binary codes of the 2.0 types, i32 0x7F ... externref 0x6F;
typed references with HT_CONCRETE naming module type indices); extern kinds are
``EXTERN_FUNC/TABLE/MEMORY/GLOBAL`` (0..3).  Index spaces put imports first.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t

from wasmrt._defs cimport Cell, FuncCode, GcLayout, vt_t
from wasmrt._reader cimport Reader


cdef class ConstExpr


# Proposals, as bits of the ``features`` mask of ``compile_module``/``validate_module``
# (Python: ``_core.FEATURE_<NAME>``, and the ``_core.FEATURES`` name -> bit dict).
# The Wasm 2.0 ones are implemented (``FEATURES_WASM2`` enables them all); mutable
# globals, sign-ext and saturating conversions are always on (wasmtime has no switch for
# them).  Of the 3.0 ones, relaxed SIMD is validated when its bit is set; the others are
# recognised only: modules using them fail with ``UnsupportedFeatureError``.
cdef enum Feature:
    FEAT_MUTABLE_GLOBALS = 1 << 0     # import/export of mutable globals
    FEAT_SIGN_EXT = 1 << 1            # i32.extend8_s ... i64.extend32_s
    FEAT_SAT_FLOAT_TO_INT = 1 << 2    # 0xFC 0..7 *.trunc_sat_*
    FEAT_MULTI_VALUE = 1 << 3         # several results; block types by type index
    FEAT_BULK_MEMORY = 1 << 4         # memory.init/copy/fill, data.drop, table.init/copy, elem.drop
    FEAT_REFERENCE_TYPES = 1 << 5     # funcref/externref values, several tables, table.* ops
    FEAT_SIMD = 1 << 6                # v128 and the 0xFD ops
    FEATURES_WASM2 = 0x7F
    # Not a proposal: lower with `fuel` checks at function entry and loop heads (for
    # Config.consume_fuel / epoch_interruption).
    FEAT_METERING = 1 << 30
    # Wasm 3.0 proposals: recognised, rejected unless implemented and enabled: relaxed SIMD
    # (Config.wasm_relaxed_simd; deterministic choices, see wasmrt_simd.h), 64-bit memories
    # and tables, multiple memories, wide arithmetic and custom page sizes.
    FEAT_RELAXED_SIMD = 1 << 16
    FEAT_TAIL_CALL = 1 << 17
    FEAT_GC = 1 << 18
    FEAT_EXCEPTIONS = 1 << 19
    FEAT_MEMORY64 = 1 << 20
    FEAT_MULTI_MEMORY = 1 << 21
    FEAT_THREADS = 1 << 22
    FEAT_EXTENDED_CONST = 1 << 23
    FEAT_FUNCTION_REFERENCES = 1 << 24
    FEAT_WIDE_ARITHMETIC = 1 << 25    # i64.add128, i64.sub128, i64.mul_wide_s/u
    FEAT_CUSTOM_PAGE_SIZES = 1 << 26  # (pagesize 1) memories (limits flag 0x08)


cdef class FuncTypeInfo:
    """A defined type (a function, struct or array type; the name is older than GC).

    ``kind``: TK_FUNC, TK_STRUCT or TK_ARRAY.  A function type's ``params``/``results``
    are tuples of value types (module-relative); a struct's ``fields`` (an array's one
    field) are ``(storage type, mutable)`` pairs, the storage type a value type or
    VT_I8/VT_I16.  ``final``: no type may declare it as its supertype; ``supertype``: the
    declared supertype's module index, -1 if none (``(type (func))`` is final without
    supertype).

    ``type_id`` is process-wide and canonical: two types have equal ``type_id`` iff they
    are equivalent, iso-recursively (their recursion groups are equal and they sit at the
    same place in them): ``call_indirect``, ``call_ref``'s static types, casts and import
    checks compare ids; -1 for a type naming a later type (invalid).
    ``canonical_type(type_id)`` gives its canonical form, ``canonical_signature`` a
    function type's.

    ``offset``: byte offset of its entry (the form byte) in the type section; -1 for
    a type not decoded from a module.  The same holds for the ``offset`` of the other
    structures below: where decoded, -1 otherwise.  Module-level ValidationErrors carry it."""
    cdef readonly tuple params
    cdef readonly tuple results
    cdef readonly int type_id
    cdef readonly int64_t offset
    cdef readonly int kind
    cdef readonly tuple fields
    cdef readonly bint final
    cdef readonly int supertype


# Limits as decoded (spec 5.3.9, with the 3.0 flag bits): ``min``/``max`` are u64 (memory64
# and table64 limits are 64-bit); the flags byte's bits are kept as fields.
cdef enum LimitsFlag:
    LIM_HAS_MAX = 0x01
    LIM_SHARED = 0x02            # threads: a shared memory
    LIM_64 = 0x04                # memory64/table64: i64 addresses
    LIM_PAGE_SIZE = 0x08         # custom-page-sizes: a page size exponent follows


ctypedef struct Limits:
    uint64_t min
    uint64_t max                 # valid if has_max
    bint has_max
    bint shared
    bint is_64
    uint32_t page_size_log2      # 16 unless a custom page size is given


cdef class TableTypeInfo:
    """``elem_type`` (a reference type), ``min``, ``max`` (-1 if none), in elements;
    ``is_64``: a table64 (i64 indices); ``init``: the initialiser expression of a defined
    table (3.0; None: null).  ``offset``: the table type's (its reftype byte), in the table
    or import section."""
    cdef readonly vt_t elem_type
    cdef readonly object min
    cdef readonly object max
    cdef readonly bint is_64
    cdef readonly int64_t offset
    cdef readonly ConstExpr init


cdef class MemoryTypeInfo:
    """Limits in pages: ``min``, ``max`` (-1 if none); ``is_64`` (memory64: i64
    addresses), ``shared`` (threads), ``page_size_log2`` (16: 64 KiB pages; 0 with the
    custom-page-sizes proposal).  ``offset``: the memory type's (its limits flag byte), in
    the memory or import section."""
    cdef readonly object min
    cdef readonly object max
    cdef readonly bint is_64
    cdef readonly bint shared
    cdef readonly uint32_t page_size_log2
    cdef readonly int64_t offset


cdef class GlobalTypeInfo:
    """``val_type`` (a value type) and ``mutable``."""
    cdef readonly vt_t val_type
    cdef readonly bint mutable


cdef class ImportInfo:
    """``module``, ``name``, ``kind`` (EXTERN_*) and ``desc``: a type index (func),
    ``TableTypeInfo``, ``MemoryTypeInfo`` or ``GlobalTypeInfo``.  ``offset``: the start
    of the import entry (its module name's length)."""
    cdef readonly str module
    cdef readonly str name
    cdef readonly int kind
    cdef readonly object desc
    cdef readonly int64_t offset


cdef class ExportInfo:
    """``name``, ``kind`` (EXTERN_*) and ``index`` in that kind's index space.
    ``offset``: the start of the export entry (its name's length)."""
    cdef readonly str name
    cdef readonly int kind
    cdef readonly uint32_t index
    cdef readonly int64_t offset


cdef class ConstExpr:
    """A decoded constant expression (without its ``end``), evaluated at instantiation.

    ``ops`` is a tuple of ``(opcode, immediate)``, opcodes as ``OP_*`` (_wasm_ops.pxd):
    ``(0x41, int)`` i32.const (signed), ``(0x42, int)`` i64.const (signed), ``(0x43, bits)``
    f32.const, ``(0x44, bits)`` f64.const (bit patterns), ``(0xFD000C, bytes16)``
    v128.const, ``(0xD0, vt)`` ref.null (vt: the nullable reference type of its heap
    type), ``(0xD2, funcidx)`` ref.func, ``(0x23, globalidx)`` global.get.  Other
    opcodes may appear in a decoded-but-invalid module (immediate ``None``); a validated
    module holds exactly one of the above.  ``offset`` is its byte offset."""
    cdef readonly tuple ops
    cdef readonly uint32_t offset


cdef class GlobalInfo:
    """One global: ``type`` (GlobalTypeInfo) and ``init`` (ConstExpr; None if imported).
    ``offset``: the start of its entry in the global section (of its import entry if
    imported)."""
    cdef readonly GlobalTypeInfo type
    cdef readonly ConstExpr init
    cdef readonly bint imported
    cdef readonly int64_t offset


cdef enum SegmentMode:
    SEG_ACTIVE = 0
    SEG_PASSIVE = 1
    SEG_DECLARATIVE = 2


cdef class ElemInfo:
    """An element segment: ``mode`` (SEG_ACTIVE/PASSIVE/DECLARATIVE), ``table`` and
    ``offset`` (ConstExpr, None unless active), ``elem_type`` (reftype), ``items``: a
    tuple of ConstExpr (``ref.func x`` for the index encodings), ``encoding`` (flags 0..7).
    ``entry_offset``: the start of the segment (its flags) -- ``offset`` is the spec's
    name of the offset expression."""
    cdef readonly int mode
    cdef readonly uint32_t table
    cdef readonly ConstExpr offset
    cdef readonly vt_t elem_type
    cdef readonly tuple items
    cdef readonly int encoding
    cdef readonly int64_t entry_offset


cdef class DataInfo:
    """A data segment: ``mode`` (SEG_ACTIVE/PASSIVE), ``memory`` and ``offset`` (ConstExpr,
    None if passive), ``data`` (bytes).  ``entry_offset``: the start of the segment (its
    flags), as for ElemInfo."""
    cdef readonly int mode
    cdef readonly uint32_t memory
    cdef readonly ConstExpr offset
    cdef readonly bytes data
    cdef readonly int64_t entry_offset


cdef class CodeInfo:
    """A function body: ``locals`` (tuple of ``(count, valtype)`` runs as encoded),
    ``num_locals`` (their total, params excluded), and the instruction bytes
    ``module.data[body_start:body_end]`` (the final ``end`` included).  ``offset`` is the
    start of the code entry (its size field), ``locals_offset`` the start of its locals
    vector, just after the size: the function's start as wasmtime counts frame offsets."""
    cdef readonly tuple locals
    cdef readonly uint64_t num_locals
    cdef readonly uint32_t body_start
    cdef readonly uint32_t body_end
    cdef readonly uint32_t offset
    cdef readonly uint32_t locals_offset


cdef class NameInfo:
    """The ``name`` custom section: ``module`` (str or None), ``functions``
    ({funcidx: str}), ``locals`` ({funcidx: {localidx: str}}).  A malformed name
    section is ignored from the first malformed byte on."""
    cdef readonly object module
    cdef readonly dict functions
    cdef readonly dict locals


cdef class ModuleInfo:
    """A decoded (and, from ``compile_module``, validated and lowered) module.

    ``data``: the module bytes.  ``types``: [FuncTypeInfo].  ``imports``: [ImportInfo].
    ``func_types``: type index of every function.  ``tables``: [TableTypeInfo].
    ``memories``: [MemoryTypeInfo].  ``globals``: [GlobalInfo].  ``num_imported_funcs``
    (and ``_tables``, ``_memories``, ``_globals``): the imported prefix of each space.
    ``exports``: [ExportInfo].  ``start``: function index or -1.  ``elems``: [ElemInfo].
    ``datas``: [DataInfo].  ``data_count``: -1 if no data count section.  ``codes``:
    [CodeInfo], one per defined function.  ``names``: NameInfo.  ``customs``: [(name,
    bytes)] in order.  ``func_codes``: the lowerer's result per defined function
    (``compile_module`` only, else empty).  ``features``: the mask it was checked with.
    ``start_offset``: byte offset of the start section's function index (-1 if none).
    ``function_section_offset``: of the function section's content (its count; -1 if
    none) -- the offsets of its type indices are found from it on error paths only.
    ``debug``: the module's DWARF reader, set on first use by ``wasmrt.debuginfo``
    (None: not looked for yet; False: the module has none)."""
    cdef readonly bytes data
    cdef readonly list types
    cdef readonly list imports
    cdef readonly list func_types
    cdef readonly list tables
    cdef readonly list memories
    cdef readonly list globals
    cdef readonly list tags             # the type index of each tag (imported first)
    cdef readonly list exports
    cdef readonly int64_t start
    cdef readonly list elems
    cdef readonly list datas
    cdef readonly int64_t data_count
    cdef readonly list codes
    cdef readonly NameInfo names
    cdef readonly list customs
    cdef readonly list func_codes
    cdef readonly uint32_t num_imported_funcs
    cdef readonly uint32_t num_imported_tables
    cdef readonly uint32_t num_imported_memories
    cdef readonly uint32_t num_imported_globals
    cdef readonly uint32_t num_imported_tags
    cdef readonly uint32_t features
    cdef readonly int64_t start_offset
    cdef readonly int64_t function_section_offset
    cdef public object debug


# ---------------------------------------------------------------------------------------
# The body validator and its seam with the lowerer (_core_lower.pxi).

# Kinds of control frames.
cdef enum FrameKind:
    FRAME_FUNC = 0
    FRAME_BLOCK = 1
    FRAME_LOOP = 2
    FRAME_IF = 3
    FRAME_ELSE = 4
    FRAME_TRY_TABLE = 5       # exceptions: a try_table (a block whose body has handlers)
    FRAME_TRY = 6             # legacy try: the body
    FRAME_CATCH = 7           # legacy catch / catch_all: the handler code (rethrow's label)


# A control frame.  The function's own frame (FRAME_FUNC, ctrls[0]) has nparams 0 (its
# params are locals), the function's results, and its type index as block_type.
ctypedef struct CtrlFrame:
    uint8_t kind              # FrameKind
    uint8_t unreachable       # the rest of this frame is unreachable (polymorphic stack)
    uint8_t catch_all         # legacy FRAME_CATCH: its clause is catch_all (the last one)
    uint32_t height           # operand-stack height at entry, below the frame's params
    # a type index >= 0, BLOCKTYPE_EMPTY (-64), or a single result: ``block_type + 0x80``
    # for a one-byte value type (2.0's s33), else ``-0x80 - block_type`` indexes the
    # validator's ``single_types`` (typed references)
    int64_t block_type
    uint32_t nparams          # block type's params
    uint32_t nresults         # block type's results
    const vt_t* params        # their types (valid while the module is validated)
    const vt_t* results
    uint32_t offset           # byte offset of the opening instruction
    uint32_t init_height      # `ninits` at entry: locals set inside are unset at its end


# One decoded, type-checked instruction, handed to ``Lowerer.instr`` after the validator
# has fully applied it (operands popped/pushed, frames pushed/popped).
ctypedef struct Instr:
    uint32_t op               # opcode: OP_* (_wasm_ops.pxd), prefixed ops prefix << 16 | sub
    uint32_t offset           # byte offset of the opcode in the module
    # the index immediate: local/global/func/table/type/elem/data, label depth (br, br_if;
    # br_table's default), lane (lane ops)
    uint32_t idx
    # second index: call_indirect table, table.copy source, table.init table
    uint32_t idx2
    # the memory of a memarg or memidx (memory.copy: the destination), and memory.copy's
    # source memory
    uint32_t mem
    uint32_t mem2
    uint32_t align            # memarg alignment exponent
    uint64_t mem_offset       # memarg offset (u64: memory64 offsets are 64-bit)
    # *.const bits: i32/i64 sign-extended two's complement, f32/f64 bit patterns
    uint64_t bits
    uint8_t v128[16]          # v128.const bytes, i8x16.shuffle lanes
    # operand type: drop/select/local.*/global.*/load result/store operand/ref.null type/
    # table.* elem type/ref.as_non_null, br_on_(non_)null operand (VT_BOTTOM in unreachable
    # code where unknown)
    vt_t val_type
    int64_t block_type        # block/loop/if (and end: the closed frame's): see CtrlFrame
    uint32_t nparams          # block/loop/if: block type arity; call*: callee arity;
    #                           end: nresults is the closed frame's result count
    uint32_t nresults
    # br_table: the label depths (``ntargets`` of them), default in idx; call_ref,
    # return_call_ref: idx is the type index
    const uint32_t* targets
    uint32_t ntargets
    # end / else: the frame just closed (for else, the ``if`` frame's then-part)
    uint8_t frame_kind
    uint8_t frame_unreachable
    uint32_t frame_height
    uint32_t frame_nparams
    uint32_t frame_nresults


cdef class LoweredFunc:
    """The lowered code of one defined function (an item of ``ModuleInfo.func_codes``):
    owns ``fc.code`` and ``fc.srcmap`` (freed with it); see ``FuncCode`` in _defs.pxd."""
    cdef FuncCode fc


cdef class FuncValidator:
    # Module context (C views of a ModuleInfo, built once per module).
    cdef ModuleInfo module
    cdef uint32_t features
    cdef uint32_t ntypes
    cdef vt_t* type_buf           # params then results of every type, back to back
    cdef uint32_t* type_off       # type i: params at type_buf+type_off[i], results after them
    cdef uint32_t* type_np
    cdef uint32_t* type_nr
    cdef int32_t* type_canon      # canonical id of each type (FuncTypeInfo.type_id)
    cdef uint8_t* type_kind       # kind of each type (FuncTypeInfo.kind: TK_FUNC, ...)
    # single result types of block types, at stable addresses: [0, 512) one per code
    # (nullable, then non-null), then (ref null $i), (ref $i) for each type i
    cdef vt_t* single_types
    cdef uint32_t nfuncs
    cdef uint32_t* func_type      # type index of each function
    cdef uint8_t* func_declared   # function may be named by ref.func (elems/exports/globals)
    cdef uint32_t ntables
    cdef vt_t* table_type         # elem type of each table
    cdef uint8_t* table_addr      # index type of each table: VT_I32, VT_I64 (table64)
    cdef uint32_t nmems
    cdef uint8_t* mem_addr        # address type of each memory: VT_I32, VT_I64 (memory64)
    # memory 0 is reached by the *_m ops: a 64-bit memory, or a shared one (another thread
    # may grow it: its size is read at each access, never kept in a register)
    cdef bint mem0_m
    cdef uint32_t nglobals
    cdef vt_t* global_type
    cdef uint8_t* global_mut
    cdef uint32_t ntags
    cdef uint32_t* tag_type       # the type index of each tag
    cdef uint32_t nelems
    cdef vt_t* elem_type
    cdef int64_t ndatas           # data count section value, -1 if absent

    # Per body.  The lowerer may read (never write) these during ``Lowerer.instr``:
    #   vals[0:nvals]     operand-stack types (VT_BOTTOM for unknown values in
    #                     unreachable code); nvals is the current height
    #   ctrls[0:nctrls]   control frames, ctrls[0] the function, ctrls[nctrls-1] innermost;
    #                     its ``unreachable`` says whether code here is dead
    #   locals[0:nlocals] types of params then declared locals
    #   func_index        the function being validated (module index space)
    cdef vt_t* vals
    cdef uint32_t nvals
    cdef uint32_t cap_vals
    cdef CtrlFrame* ctrls
    cdef uint32_t nctrls
    cdef uint32_t cap_ctrls
    cdef vt_t* locals
    cdef uint32_t nlocals
    cdef uint32_t cap_locals
    # Initialisation of non-defaultable locals (3.0: non-null references): locals from
    # `first_nondefault` on are tracked; `local_set[i]` is 1 once local i is set on every
    # path here, and `inits[0:ninits]` lists the locals set since the frames' entries.
    cdef uint32_t first_nondefault
    cdef uint8_t* local_set
    cdef uint32_t* inits
    cdef uint32_t ninits
    cdef uint32_t cap_inits
    cdef uint32_t* targets
    cdef uint32_t cap_targets
    cdef uint32_t func_index
    cdef Reader r
    cdef Instr ins


# Canonical types (``_core_module.pxi``): the chunk table of their kinds and supertypes
# (``canon_info``/``canon_sub`` in _defs.pxd read it); the runtime takes its address once.
cdef uint32_t** canon_table() noexcept nogil
# The struct and array types' object layouts (``gc_layout`` in _defs.pxd), same chunks.
cdef GcLayout*** gc_layout_table() noexcept nogil
cdef GcLayout* gc_layout_ptr(uint32_t type_id) noexcept nogil
