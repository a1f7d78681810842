# cython: language_level=3
"""Types shared by the compile pipeline (``_core``) and the runtime (``_interp``): codes only.

Value types use their binary encoding, so a byte read from a module *is* the type code.
This file holds declarations only (no code): enums and small structs.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t


# Value types (``vt_t``): one 32-bit word, the form every stage and the runtime share.
#
#   bits 0-7   the code: a number or vector type's binary code (VT_I32 0x7F .. VT_V128
#              0x7B); an abstract heap type's binary code (HT_NOEXN 0x74 .. HT_EXN 0x69);
#              HT_CONCRETE, a defined type whose index is in bits 9-31; HT_REC, a type of
#              the same recursion group (canonical forms only, index in the group); HT_BOT,
#              the validator's bottom heap type; or 0, VT_BOTTOM, the validator's unknown
#              operand (a polymorphic stack)
#   bit 8      VT_NONNULL: a reference type without null, ``(ref ht)``; clear, ``(ref null ht)``
#   bits 9-31  the type index of HT_CONCRETE / HT_REC (so at most 2^23 types)
#
# Every Wasm 2.0 type keeps its one-byte binary code (funcref = (ref null func) = 0x70,
# externref = 0x6F), so 2.0 code compares plain codes.  Inside a module (ModuleInfo, the
# validator, the lowerer) HT_CONCRETE indexes the module's type section; outside it (the
# runtime's FuncRec, the API's ValType) the index is the type's process-wide canonical id
# (FuncTypeInfo.type_id, equal ids <=> equivalent types, iso-recursively), so a value type
# means the same in every module and compares by value.  GC adds struct/array heap types
# under the same codes (HT_STRUCT/HT_ARRAY abstract, HT_CONCRETE for defined ones: the
# type's kind comes from its definition), exceptions add HT_EXN/HT_NOEXN.
ctypedef uint32_t vt_t

cdef enum ValType:
    VT_BOTTOM = 0x00      # validator only: the unknown type of a polymorphic stack
    HT_BOT = 0x01         # validator only: the bottom heap type (an unknown reference)
    HT_CONCRETE = 0x02    # a defined type: index << VT_INDEX_SHIFT
    HT_REC = 0x03         # canonical forms: a type of the same rec group (index in it)
    VT_I32 = 0x7F
    VT_I64 = 0x7E
    VT_F32 = 0x7D
    VT_F64 = 0x7C
    VT_V128 = 0x7B
    # packed storage types (struct and array fields only)
    VT_I8 = 0x78
    VT_I16 = 0x77
    # abstract heap types (binary codes; as value types: the nullable reference)
    HT_NOEXN = 0x74
    HT_NOFUNC = 0x73
    HT_NOEXTERN = 0x72
    HT_NONE = 0x71
    HT_FUNC = 0x70
    HT_EXTERN = 0x6F
    HT_ANY = 0x6E
    HT_EQ = 0x6D
    HT_I31 = 0x6C
    HT_STRUCT = 0x6B
    HT_ARRAY = 0x6A
    HT_EXN = 0x69
    VT_FUNCREF = 0x70     # (ref null func)
    VT_EXTERNREF = 0x6F   # (ref null extern)
    VT_NONNULL = 0x100
    VT_INDEX_SHIFT = 9


# Kinds of defined (composite) types: ``FuncTypeInfo.kind``, the canonical tables.
cdef enum TypeKind:
    TK_FUNC = 0
    TK_STRUCT = 1
    TK_ARRAY = 2


# The canonical types' kinds and declared supertypes, for subtyping without Python objects:
# ``_core`` owns a table of chunks (``canon_table()``), chunk ``id >> 16`` holding word
# ``id & 0xFFFF`` = kind | (supertype id + 1) << 2 (0 above the kind: no supertype).  A chunk
# is allocated before the first id in it is handed out and never moves or is freed, so the
# runtime reads it from handlers (no lock, no call) for any id that exists.
cdef enum:
    CANON_CHUNK_BITS = 16
    CANON_CHUNKS = 128      # (1 << 23) ids, what a vt_t's index holds


cdef inline uint32_t canon_info(uint32_t** chunks, uint32_t type_id) noexcept nogil:
    """The word of canonical type `type_id`: its kind in bits 0-1, supertype + 1 above."""
    return chunks[type_id >> CANON_CHUNK_BITS][type_id & 0xFFFF]


cdef inline bint canon_sub(uint32_t** chunks, uint32_t a, uint32_t b) noexcept nogil:
    """Canonical type `a` is `b` or declares it among its supertypes (transitively)."""
    cdef uint32_t s
    while a != b:
        s = chunks[a >> CANON_CHUNK_BITS][a & 0xFFFF] >> 2
        if s == 0:
            return 0
        a = s - 1
    return 1


# GC objects (Wasm 3.0 structs and arrays) in a Store's heap (``_interp_gc.pxi``): an
# object starts with a GcHeader; a struct's fields follow at its layout's offsets, an
# array has its uint32 length at GC_ARRAY_LEN and element i at GC_ARRAY_DATA + i * size.
# Objects are 16-byte aligned and every field naturally aligned, so a reference cell to
# one has its low three bits clear (0 = null, odd = i31, ...10 = host object).
# ``_core`` fills a GcLayout per canonical struct/array id when the id is created (under
# the GIL), in chunks like ``canon_info``'s; a layout never moves or is freed, so handlers
# and the collector read it with no lock, and lowered code may hold its address.
cdef enum:
    GC_ARRAY_LEN = 8        # byte offset of an array's uint32 length
    GC_ARRAY_DATA = 16      # byte offset of its first element
    GC_REF = 1              # GcField.code of a reference field


ctypedef struct GcHeader:
    uint32_t type_id        # the object's canonical type id
    uint32_t gc             # the collector's (mark bit); handlers never touch it


ctypedef struct GcField:
    uint32_t offset         # byte offset from the object's start (an array's elements: 16)
    uint8_t size            # bytes: 1, 2, 4, 8 or 16
    uint8_t code            # VT_I8 VT_I16 VT_I32 VT_I64 VT_F32 VT_F64 VT_V128, or GC_REF
    uint8_t mutable
    uint8_t pad
    vt_t vt                 # the storage type, canonical (i8/i16 or a value type)


ctypedef struct GcLayout:
    uint32_t type_id
    uint32_t kind           # TK_STRUCT or TK_ARRAY
    uint32_t size           # struct: object bytes (header included; a multiple of 16,
    #                         at least 16); array: the bytes before its elements (16)
    uint32_t nfields        # struct: its fields; array: 1 (fields[0] is the element)
    GcField* fields
    uint32_t nrefs          # how many fields are references (an array: 0 or 1)
    uint32_t* refs          # the reference fields' byte offsets (a struct's)


cdef inline GcLayout* gc_layout(GcLayout*** chunks, uint32_t type_id) noexcept nogil:
    """The layout of canonical type `type_id` (NULL for a function type)."""
    return chunks[type_id >> CANON_CHUNK_BITS][type_id & 0xFFFF]


cdef inline bint vt_is_ref(vt_t t) noexcept nogil:
    """Whether `t` is a reference type (VT_BOTTOM is not)."""
    cdef uint32_t c = t & 0xFF
    return (HT_BOT <= c <= HT_REC) or (HT_EXN <= c <= HT_NOEXN)


cdef inline uint32_t vt_index(vt_t t) noexcept nogil:
    """The type index (or canonical id) of an HT_CONCRETE / HT_REC type."""
    return t >> VT_INDEX_SHIFT


cdef inline vt_t vt_concrete(uint32_t index, bint nullable) noexcept nogil:
    """``(ref null? $index)``."""
    return HT_CONCRETE | (index << VT_INDEX_SHIFT) | (0 if nullable else VT_NONNULL)


cdef inline bint vt_is_funcref(uint32_t** canon, vt_t t) noexcept nogil:
    """A reference to a function: func, nofunc or a defined function type (canonical form:
    a defined type's kind is read from the canonical table `canon`, ``canon_table()``)."""
    cdef uint32_t c = t & 0xFF
    if c == HT_CONCRETE:
        return (canon_info(canon, t >> VT_INDEX_SHIFT) & 3) == TK_FUNC
    return c == HT_FUNC or c == HT_NOFUNC


cdef inline bint vt_is_externref(vt_t t) noexcept nogil:
    """A reference to a host object: extern or noextern."""
    cdef uint32_t c = t & 0xFF
    return c == HT_EXTERN or c == HT_NOEXTERN


cdef inline bint vt_is_anyref(vt_t t) noexcept nogil:
    """An abstract heap type of GC's any hierarchy: any, eq, i31, struct, array or none
    (a defined struct or array type's kind is in its definition)."""
    cdef uint32_t c = t & 0xFF
    return (HT_ARRAY <= c <= HT_ANY) or c == HT_NONE


cdef inline uint32_t vt_slots(vt_t t) noexcept nogil:
    """Frame slots a value of type `t` takes: 2 for v128, else 1."""
    return 2 if t == VT_V128 else 1


# Block type "empty" (binary 0x40 read as s33), as stored in ``Instr.block_type``; a
# single-result block type is stored as ``valtype - 0x80`` (its s33 value, e.g. i32 -> -1).
cdef enum:
    BLOCKTYPE_EMPTY = -64


# External kinds: binary codes of imports and exports (spec 5.5.5, 5.5.10).
cdef enum ExternKind:
    EXTERN_FUNC = 0
    EXTERN_TABLE = 1
    EXTERN_MEMORY = 2
    EXTERN_GLOBAL = 3
    EXTERN_TAG = 4


# Limits of the implementation (not of the spec).
cdef enum:
    MAX_FUNC_LOCALS = 50000      # params + locals of one function (wasmtime's limit too)


# ---------------------------------------------------------------------------------------
# Internal code: what the lowerer (_core_lower.pxi) hands to the interpreter (_interp).
# The instruction set and operand layouts are in _isa.pxd / docs/isa.md (from tools/isa.py).
# ---------------------------------------------------------------------------------------

ctypedef struct CellS:          # four uint16 operands: frame-slot indices or small counts
    uint16_t a
    uint16_t b
    uint16_t c
    uint16_t d

ctypedef struct CellW:          # two int32 halves: `lo` overlaps a,b and `hi` overlaps c,d
    int32_t lo                  # branch offsets (cells, relative to the branching
    int32_t hi                  # instruction's handler cell), u32 indices/offsets/immediates

ctypedef union Cell:            # 8 bytes: one handler cell or one operand cell
    void* h                     # handler cell once threaded: address of the op's handler
    uint64_t u64                # handler cell as emitted: the IR_* number; or a u64 immediate
    int64_t i64                 # a 64-bit immediate
    double f64
    CellS s
    CellW w


ctypedef struct NativeCode:
    # What the native tier attaches to a FuncCode (`FuncCode.native`).  Once it is set,
    # cell 0's handler is `entry`: interpreter calls enter the machine code unchanged.
    void* h0                    # cell 0's interpreter handler before `entry` replaced it
    void* entry                 # handler-shaped entry: at cell 0, or at a loop header (OSR)
    void* body                  # int body(uint64_t* fp, Ctx* cx, uint32_t cell): C-callable
    const uint32_t* osr         # sorted cell indexes of the loop headers `entry` accepts
    uint32_t nosr
    # Side exits (a body compiled in part): the sorted cells of the blocks left out, where
    # machine code hands the activation to the interpreter (`wr_side`), and how often each
    const uint32_t* exits
    uint32_t* exit_counts
    uint32_t nexits


# Exception handlers (try_table catch clauses): what the unwinder consults, only when an
# exception is thrown, for the activation it passes through.  Nothing runs on entry to a
# try_table, so code that throws nothing pays nothing.
cdef enum HandlerKind:
    HK_CATCH = 0                # catch x l: the payload to the label's slots
    HK_CATCH_REF = 1            # catch_ref x l: the payload, then the exnref
    HK_CATCH_ALL = 2            # catch_all l: nothing
    HK_CATCH_ALL_REF = 3        # catch_all_ref l: the exnref
    # the legacy instructions: the exnref goes to `dst` (a slot of the catch block below
    # its values: rethrow reads it), the payload after it; a delegate continues the search
    # in this activation with the handlers of frames at depth <= `target` only
    HK_LEGACY_CATCH = 4
    HK_LEGACY_CATCH_ALL = 5
    HK_DELEGATE = 6


ctypedef struct HandlerRec:
    uint32_t start              # the protected cells [start, end) (a try_table's body)
    uint32_t end
    uint32_t target             # the cell the landing continues at (the label's target);
    #                             HK_DELEGATE: the control depth it delegates to
    uint32_t tag                # module tag index (catch, catch_ref)
    uint32_t dst                # first slot of the values the label receives
    uint32_t kind               # HandlerKind
    uint32_t level              # control depth of its try (0: the function)


ctypedef struct FuncCode:
    # The lowered body of one defined function.  Instance-independent: functions, globals,
    # tables, memories, types and segments are referred to by module index.
    #
    # Hand-over contract:
    # * The lowerer malloc()s `code` and `srcmap` and fills every field but `threaded`
    #   (left 0); handler cells hold IR_* numbers in `.u64`.  (A deserialized module's
    #   FuncCodes come from the stored copy of that output: _core_serial.pxi.)  The owner
    #   of the FuncCode (the compiled module, in _core) free()s both arrays when it dies;
    #   nothing else does.
    # * _interp threads the code once, before the first instance runs it
    #   (`thread_code()`): it walks the instructions with `ir_ncells()` and replaces each
    #   IR_* number by its handler address, then sets `threaded = 1`.  The code is then
    #   shared read-only by every instance in every store.
    # * The last instruction does not fall through: a `ret*` (the lowerer emits the final
    #   one for `end`), or `br`/`br_table`/`unreachable` when the end is not reachable.
    # * Frame: fp[0 .. nparams) params, fp[nparams .. nparams+nlocals) declared locals
    #   (zeroed by the code's first instruction, `zero_locals`), then temporaries;
    #   every slot index used by the code is < max_slots <= 65535.  Results are
    #   returned in fp[0 .. nresults).  Slots count v128 as 2 (i32/i64/f32/f64/refs: 1).
    # * `call` at base b clobbers fp[b ..]; the callee needs max(nparams, nresults) slots
    #   at fp + b within the caller's max_slots (the callee checks its own frame fits).
    Cell* code
    uint32_t ncells
    uint32_t nparams            # slots of the parameters
    uint32_t nresults           # slots of the results
    uint32_t nlocals            # slots of the declared locals (not counting params)
    uint32_t max_slots          # frame size in slots: params + locals + temporaries
    uint32_t func_index         # index in the module's function index space
    uint32_t type_index         # index in the module's type section
    # module offset of the body's start (its locals vector, after the size), so a
    # backtrace can give function-relative offsets as wasmtime counts them
    uint32_t body_offset
    # pc -> module offset: nsrc pairs (cell index, byte offset of the wasm instruction in
    # the module), sorted by cell index; at least one pair per instruction that may trap
    # or call
    uint32_t* srcmap
    uint32_t nsrc
    int threaded                # 0 as emitted; 1 once _interp replaced op numbers by handlers
    # The native tier (wasmrt/_native.py, _interp_native.pxi).  The lowerer leaves both 0.
    NativeCode* native          # machine code of this body once compiled (NULL until then)
    uint32_t samples            # tier-up samples taken while this body ran
    uint32_t calls              # calls from machine code while it was interpreted
    uint32_t queued             # 1 once tier-up queued it (samples or calls past the threshold)
    uint32_t tier_at            # samples before it is queued again (0: the size rule alone)
    # The exception handlers of the body, innermost first (malloc()ed by the lowerer like
    # `code`; NULL and 0 for a body without try_table)
    HandlerRec* handlers
    uint32_t nhandlers
