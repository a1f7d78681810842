# cython: language_level=3
"""Types shared by the compile pipeline (``_core``) and the runtime (``_interp``): codes only.

Value types use their binary encoding, so a byte read from a module *is* the type code.
This file holds declarations only (no code): enums and small structs.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t


# Value types: the binary codes of the Wasm 2.0 format (spec 5.3.4, 5.3.3).
cdef enum ValType:
    VT_BOTTOM = 0x00      # validator only: the unknown type of a polymorphic stack
    VT_I32 = 0x7F
    VT_I64 = 0x7E
    VT_F32 = 0x7D
    VT_F64 = 0x7C
    VT_V128 = 0x7B
    VT_FUNCREF = 0x70
    VT_EXTERNREF = 0x6F


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
