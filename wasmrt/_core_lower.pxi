# The lowerer: validated wasm bodies -> the register IR of _isa.pxd (docs/isa.md).
#
# Protocol (driven by ``validate_body`` in _core_validate.pxi; one Lowerer per module, reused):
#   lw.begin(v, func_index)      before the first instruction (v.locals/nlocals are set)
#   lw.instr(v, &v.ins)          after each instruction has been fully type-checked
#   code = lw.finish(v)          after the final ``end``; stored in ModuleInfo.func_codes
# ``v`` is the FuncValidator; the fields it documents in _core.pxd are readable here.
#
# How it works.  A frame is [params | locals | temporaries]; every
# operand-stack position p has a fixed *home* slot (nlocal_slots + the slots below p), so a
# block's results live at the home slots of its height and need no run-time stack pointer.
# The lowerer keeps a stack of operand *providers* parallel to the validator's type stack:
#   LV_TEMP   the value is in its home slot (written by an emitted instruction)
#   LV_LOCAL  the value is local `src` (``local.get`` emits nothing)
#   LV_CONST  the value is the constant `bits` (folded into *_imm forms, or materialised)
#   LV_ADDI   the i32 value u32(slot `src` + `bits`): an ``i32.add``/``sub`` of a constant not
#             yet emitted, so a load/store with offset 0 folds it into its address (the
#             *_add forms); `src` is a local or the entry's own home slot
# Consumers read providers directly.  ``local.set``/``local.tee`` rewrite the destination of
# the instruction that produced the value (when it is the last one emitted and no label was
# bound since), after preserve-copying any pending read of that local.  Pending reads
# (LV_LOCAL, LV_ADDI) are materialised on entry to every block, loop and if, so
# control-flow joins never see a provider that only one path made real.
#
# Emission goes through the typed emitters of _isa_emit.pxi (generated from the operand
# layouts of tools/isa.py): ``emit_<layout>``/``emit_<op>`` append an instruction, its
# ``put_<layout>`` twin rewrites the last one into a fused form; ``_result`` pushes the value
# an instruction wrote to a fresh home slot.  The fusions look only at ``st`` (``Staged``:
# the last instructions, the compare a branch may absorb, the copy a second move may join),
# which ``forget`` clears whenever a label is bound or code is cut.
#
# Control: every label has fixed result slots (its ``base``); a branch carrying values
# first copies them there.  Forward branches are recorded as fix-ups (Wizard's side
# table) and patched when the label is bound at ``end``/``else``; loop labels are bound at
# their head; a branch back to a loop head uses the op's ``*_loop`` twin, which also
# checks for Ctrl-C.  Compares fuse with the ``br_if``/``if`` that consumes them, ``eqz``
# too.  Code after ``br``/``return``/``unreachable`` is dead and emits nothing.

from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, memset

from wasmrt._isa cimport *
from wasmrt.errors import UnsupportedFeatureError


cdef enum LvKind:
    LV_TEMP = 0
    LV_LOCAL = 1
    LV_CONST = 2
    LV_ADDI = 3


ctypedef struct LwVal:          # one operand-stack entry (a provider)
    uint8_t kind                # LvKind
    uint8_t nslots              # 1, or 2 for v128
    uint32_t home               # its home slot
    uint32_t src                # LV_LOCAL: the local's slot; LV_ADDI: the slot added to
    uint64_t bits               # LV_CONST: the value's bits (i32/f32 low); LV_ADDI: the u32 k


ctypedef struct LwCtrl:         # one control frame / label
    uint8_t kind                # FrameKind
    uint8_t live_in             # code before the frame opened was live
    uint8_t else_live           # if: the else arm is reachable
    uint8_t has_else
    uint32_t height             # operand entries below the frame's params
    uint32_t base               # home slot of the first param/result
    uint32_t nparams
    uint32_t nresults
    const vt_t* params          # their types (the validator's, valid during validation)
    const vt_t* results
    int32_t head                # loop: cell index of the loop head
    int32_t else_fix            # if: fix-up (index into fixs) of the branch to else, or -1
    int32_t fixups              # head of the list of branches to the end label, or -1
    int32_t label_id            # its entry in Lowerer.ltarget (exception landings)
    uint8_t caught              # a catch clause lands at its label
    int32_t try_start           # try_table, try: the cell its body starts at
    int32_t try_end             # try: where its body ended (its first clause)
    uint32_t pend_lo            # try_table: its catch clauses are pend[pend_lo ..)


ctypedef struct LwFix:          # a forward branch waiting for its label
    int32_t pc                  # handler cell of the branching instruction
    int32_t cell                # the cell holding the offset
    int32_t hi                  # 1: offset in .w.hi, 0: in .w.lo
    int32_t next                # next fix-up of the same label, or -1


ctypedef struct Staged:
    # What the peephole fusions know of the instructions just emitted: the state every
    # fusion reads and ``forget`` clears (a label, a new instruction, a rewrite).
    int32_t cur_pc              # pc of the last instruction emitted (-1: unknown)
    int32_t prev_pc             # pc of the one before it (-1: unknown)
    int32_t label_pc            # cell index of the last bound label: no fusion looks across it
    int32_t dst                 # pc of the last instruction if it wrote one fresh value
    #                             (a=dst), which local.set may retarget; else -1
    int32_t cmp                 # pc of the last instruction if it is a compare or eqz a
    #                             branch may fuse with; else -1.  That compare:
    uint32_t cmp_op             # - its IR op,
    uint32_t cmp_x, cmp_y       # - its operand slots,
    int32_t cmp_start           # - where it starts (with a constant materialised for it),
    int64_t cmp_imm             # - its immediate,
    bint cmp_is_imm             # - if it is an *_imm form
    int32_t copy                # pc of the last instruction if it is a one-slot copy (a
    #                             second move turns it into copy2); else -1
    # The conditional branch _emit_cond just emitted, until its target is known:
    int32_t br_cell             # - the cell holding its offset,
    bint br_hi                  # - in that cell's .w.hi (else .w.lo);
    bint const_cond             # or, when it folded away, the constant condition's value


cdef inline void forget(Staged* st) noexcept nogil:
    """Nothing emitted so far fuses with what comes next (the last instruction is no
    longer a candidate: a new one was emitted, a label bound, code cut or rewritten)."""
    st.dst = -1
    st.cmp = -1
    st.copy = -1


# Kinds of plain numeric instructions (one wasm op -> one IR op).
cdef enum LwKind:
    LK_NONE = 0                 # not a plain numeric op
    LK_UN = 1                   # [a=dst b=x]
    LK_BIN = 2                  # [a=dst b=x c=y]
    LK_CMP = 3                  # [a=dst b=x c=y], an integer compare (fuses with branches)
    LK_EQZ = 4                  # [a=dst b=x], i32/i64.eqz (fuses with branches)
    LK_NOP = 5                  # a reinterpretation: same bits, nothing to emit
    LK_LOAD = 6                 # [a=dst b=addr hi=offset]
    LK_STORE = 7                # [a=addr b=val hi=offset]
    # atomics (0xFE sub-opcodes, `a.*` families): any memory, [.. mem] [u64 offset]
    LK_A_LOAD = 8               # [a=dst b=addr c=mem] as a *_m load
    LK_A_STORE = 9              # [a=addr b=val c=mem] as a *_m store
    LK_A_RMW = 10               # [a=dst b=addr c=val d=mem]
    LK_A_CMPXCHG = 11           # [a=dst b=addr c=exp d=new] [lo=mem]
    LK_A_WAIT = 12              # [a=dst b=addr c=exp d=new(timeout)] [lo=mem]
    LK_A_NOTIFY = 13            # [a=dst b=addr c=val(count) d=mem]


# Wasm opcode -> IR op and kind: index op for one-byte opcodes, 0x100 + sub for 0xFC sub.
cdef uint16_t _w2ir[0x120]
cdef uint8_t _w2kind[0x120]
# Atomic (0xFE) sub-opcode -> IR op and kind (LK_A_*); atomic.fence is lowered by hand.
cdef uint16_t _a2ir[0x50]
cdef uint8_t _a2kind[0x50]
# Per IR op: its *_imm form, the op with swapped operands, its fused branch forms, and the
# negated compare (for ``if``, which branches to else when the condition is false).
cdef uint16_t _ir_imm[IR_COUNT]
cdef uint16_t _ir_swap[IR_COUNT]
cdef uint16_t _ir_br[IR_COUNT]
cdef uint16_t _ir_br_imm[IR_COUNT]
cdef uint16_t _ir_neg[IR_COUNT]
cdef uint8_t _ir_is64[IR_COUNT]
cdef uint8_t _ir_immk[IR_COUNT]         # how the *_imm form holds its constant (IK_*)
cdef uint16_t _ir_addr[IR_COUNT]        # load/store -> its *_add form (address x + imm)
cdef uint16_t _ir_shl[IR_COUNT]         # load -> its *_shl form (address (x << s) + imm)
cdef uint16_t _ir_mem[IR_COUNT]         # memory-0 op -> its *_m form (any memory, memory64)
cdef uint16_t _ir_loop[IR_COUNT]        # branch -> its *_loop twin (back-edges check Ctrl-C)
cdef uint16_t _ir_addbr[IR_COUNT]       # i32 conditional branch -> its br_add_* form
cdef uint8_t _ir_addbr_reg[IR_COUNT]    # 1 if that branch compares two slots
cdef uint16_t _ir_fmul[IR_COUNT]        # f32/f64 add/sub -> the mul of its type (fusion)
# f32/f64 add/sub -> its fused form with the product as [top, below] operand
# (add: mul_add, mul_add; sub: sub_mul, mul_sub)
cdef uint16_t _ir_fused[IR_COUNT][2]


cdef enum ImmKind:
    IK_INT = 0                  # sign-extended int32 in `hi` (the constant must fit)
    IK_F32 = 1                  # f32 bits in `hi`
    IK_F64 = 2                  # f64 bits in a cell of their own


cdef void _lw_tables():
    """Fill the opcode tables (once, at import): wasm op -> IR op and family from the wasm
    instruction table (tools/wasm_ops.py), the IR relations from the internal one
    (tools/isa.py RELATIONS)."""
    from wasmrt._isa_names import NAMES, RELATIONS
    from wasmrt._wasm_ops import OPS
    cdef dict ir = {n: i for i, n in enumerate(NAMES)}
    cdef uint32_t code
    memset(_w2ir, 0, sizeof(_w2ir))
    memset(_w2kind, 0, sizeof(_w2kind))
    memset(_a2ir, 0, sizeof(_a2ir))
    memset(_a2kind, 0, sizeof(_a2kind))
    memset(_ir_imm, 0, sizeof(_ir_imm))
    memset(_ir_swap, 0, sizeof(_ir_swap))
    memset(_ir_br, 0, sizeof(_ir_br))
    memset(_ir_br_imm, 0, sizeof(_ir_br_imm))
    memset(_ir_neg, 0, sizeof(_ir_neg))
    memset(_ir_is64, 0, sizeof(_ir_is64))
    memset(_ir_immk, 0, sizeof(_ir_immk))
    memset(_ir_addr, 0, sizeof(_ir_addr))
    memset(_ir_shl, 0, sizeof(_ir_shl))
    memset(_ir_mem, 0, sizeof(_ir_mem))
    memset(_ir_loop, 0, sizeof(_ir_loop))
    memset(_ir_addbr, 0, sizeof(_ir_addbr))
    memset(_ir_addbr_reg, 0, sizeof(_ir_addbr_reg))
    memset(_ir_fmul, 0, sizeof(_ir_fmul))
    memset(_ir_fused, 0, sizeof(_ir_fused))
    families = {"un": LK_UN, "bin": LK_BIN, "cmp": LK_CMP, "eqz": LK_EQZ, "load": LK_LOAD,
                "store": LK_STORE, "nop": LK_NOP}
    atomics = {"a.load": LK_A_LOAD, "a.store": LK_A_STORE, "a.rmw": LK_A_RMW,
               "a.cmpxchg": LK_A_CMPXCHG, "a.wait": LK_A_WAIT, "a.notify": LK_A_NOTIFY}
    for row in OPS:
        op, family, name = row[1], row[8], row[9]
        if family in atomics:
            _a2kind[op & 0xFFFF] = atomics[family]
            _a2ir[op & 0xFFFF] = ir[name]
            continue
        if family not in families:                  # lowered by hand, or v128
            continue
        code = op if op < 0x100 else 0x100 + (op & 0xFFFF)     # (0xFC sub-opcodes < 0x20)
        _w2kind[code] = families[family]
        if family != "nop":
            _w2ir[code] = ir[name]
    for key, immk, wide in (("imm_i32", IK_INT, 0), ("imm_i64", IK_INT, 1),
                            ("imm_f32", IK_F32, 0), ("imm_f64", IK_F64, 0)):
        for a, b in RELATIONS[key]:
            _ir_imm[ir[a]] = ir[b]
            _ir_immk[ir[a]] = immk
            _ir_is64[ir[a]] = wide
    for table, key in ((<size_t>_ir_swap, "swap"), (<size_t>_ir_neg, "neg"),
                       (<size_t>_ir_br, "br"), (<size_t>_ir_br_imm, "br_imm"),
                       (<size_t>_ir_addr, "addr"), (<size_t>_ir_shl, "shl"),
                       (<size_t>_ir_mem, "mem"),
                       (<size_t>_ir_loop, "loop"), (<size_t>_ir_addbr, "addbr"),
                       (<size_t>_ir_fmul, "fmul")):
        for a, b in RELATIONS[key]:
            (<uint16_t*><size_t>table)[<int>ir[a]] = ir[b]
    for a, b in RELATIONS["addbr_reg"]:
        _ir_addbr_reg[ir[a]] = 1
    for a, b in RELATIONS["fused_top"]:
        _ir_fused[ir[a]][0] = ir[b]
    for a, b in RELATIONS["fused_below"]:
        _ir_fused[ir[a]][1] = ir[b]


_lw_tables()

# The ``features`` bit of ``compile_module`` asking for fuel/epoch checks in the code.
FEATURE_METERING = FEAT_METERING


cdef inline bint _fits_i32(int64_t v) noexcept nogil:
    return -2147483648 <= v <= 2147483647


@cython.final
cdef class LoweredFunc:
    """The lowered code of one defined function: owns its ``FuncCode`` (``code`` and
    ``srcmap`` are freed with this object).  Read-only views for tests and tools."""

    def __dealloc__(self):
        free(self.fc.code)
        free(self.fc.srcmap)
        free(self.fc.handlers)
        self.fc.handlers = NULL
        self.fc.code = NULL
        self.fc.srcmap = NULL

    @property
    def func_index(self) -> int:
        """Index of the function in the module's function index space."""
        return self.fc.func_index

    @property
    def nparams(self) -> int:
        """Slots of the parameters."""
        return self.fc.nparams

    @property
    def nresults(self) -> int:
        """Slots of the results."""
        return self.fc.nresults

    @property
    def nlocals(self) -> int:
        """Slots of the declared locals (params excluded)."""
        return self.fc.nlocals

    @property
    def handlers(self) -> list:
        """The exception handlers, innermost first: (start, end, target, tag, dst, kind,
        level) (cell indices, module tag index, first slot, ``HK_*``, control depth)."""
        cdef uint32_t i
        cdef HandlerRec* h
        out = []
        for i in range(self.fc.nhandlers):
            h = &self.fc.handlers[i]
            out.append((h.start, h.end, h.target, h.tag, h.dst, h.kind, h.level))
        return out

    @property
    def max_slots(self) -> int:
        """Frame size in slots: params + locals + temporaries."""
        return self.fc.max_slots

    @property
    def ncells(self) -> int:
        """Length of the code in 8-byte cells."""
        return self.fc.ncells

    def cells(self) -> list:
        """The code as a list of unsigned 64-bit cells (handler cells hold IR_* numbers
        until _interp threads the code)."""
        if self.fc.threaded:
            raise ValueError("the code is threaded: handler cells hold addresses")
        return [self.fc.code[i].u64 for i in range(self.fc.ncells)]

    def srcmap(self) -> list:
        """``[(cell index, module byte offset), ...]`` sorted by cell index."""
        return [(self.fc.srcmap[2 * i], self.fc.srcmap[2 * i + 1]) for i in range(self.fc.nsrc)]

    def __repr__(self):
        return "<LoweredFunc %d: %d cells, %d slots>" % (
            self.fc.func_index, self.fc.ncells, self.fc.max_slots)


@cython.final
cdef class Lowerer:
    """Translates one validated function body into a ``LoweredFunc`` (see the header)."""

    cdef Cell* code               # the code being emitted
    cdef uint32_t ncode, cap_code
    cdef LwVal* vals              # operand providers, parallel to the validator's stack
    cdef uint32_t nvals, cap_vals
    cdef LwCtrl* ctrls            # labels, parallel to the validator's control stack
    cdef uint32_t nctrls, cap_ctrls
    cdef LwFix* fixs              # forward-branch fix-ups (linked per label)
    cdef uint32_t nfixs, cap_fixs
    cdef uint32_t* srcmap         # (cell index, module offset) pairs
    cdef uint32_t nsrc, cap_src
    cdef uint32_t* local_slot     # slot of each local (v128 takes two)
    cdef int32_t* arm             # br_table: trampoline per label depth
    cdef uint32_t func_index, type_index
    cdef uint32_t nparam_slots, nlocal_slots, nresult_slots, max_slots
    cdef uint32_t nlocal_refs     # pending reads (LV_LOCAL, LV_ADDI) on the stack,
    cdef uint32_t* lrefs          # - per local slot,
    cdef uint32_t local_floor     # - all at stack index >= local_floor
    cdef bint live                # the code being lowered is reachable
    cdef bint fuel                # emit fuel checks at entry and loop heads
    cdef Staged st                # the peephole fusions' view of the code just emitted
    cdef uint32_t dbg_low         # debug build: lowest operand height since the last check
    cdef uint32_t cur_off         # module offset of the instruction being lowered
    # exception handlers: each label's target cell (by LwCtrl.label_id, -1 until known),
    # the catch clauses of the open try_tables (label_id in `target` until `finish`), the
    # handler records of the closed ones
    cdef int32_t* ltarget
    cdef uint32_t nlabels, cap_labels
    cdef HandlerRec* pend
    cdef uint32_t npend, cap_pend
    cdef HandlerRec* hnd
    cdef uint32_t nhnd, cap_hnd

    def __cinit__(self):
        self.code = NULL
        self.vals = NULL
        self.ctrls = NULL
        self.fixs = NULL
        self.srcmap = NULL
        self.local_slot = NULL
        self.lrefs = NULL
        self.arm = NULL
        self.ltarget = NULL
        self.pend = NULL
        self.hnd = NULL

    def __dealloc__(self):
        PyMem_Free(self.code)           # the growing buffers (``_grow``)
        PyMem_Free(self.vals)
        PyMem_Free(self.ctrls)
        PyMem_Free(self.fixs)
        PyMem_Free(self.srcmap)
        PyMem_Free(self.ltarget)
        PyMem_Free(self.pend)
        PyMem_Free(self.hnd)
        free(self.local_slot)
        free(self.lrefs)
        free(self.arm)

    # -- set-up and result -------------------------------------------------------------

    cdef int begin(self, FuncValidator v, uint32_t func_index) except -1:
        cdef uint32_t t = v.func_type[func_index]
        cdef uint32_t np = v.type_np[t]
        cdef uint32_t i, slot = 0
        cdef int32_t pc
        self.func_index = func_index
        self.type_index = t
        self.ncode = 0
        self.nvals = 0
        self.nctrls = 0
        self.nfixs = 0
        self.nsrc = 0
        self.nlabels = 0
        self.npend = 0
        self.nhnd = 0
        self.dbg_low = 0
        self.live = 1
        forget(&self.st)
        self.st.label_pc = 0
        self.st.cur_pc = -1
        self.st.prev_pc = -1
        # what the function does before its first instruction (the fuel/epoch check at
        # entry) maps to the function's start
        self.cur_off = (<CodeInfo>v.module.codes[
            func_index - v.module.num_imported_funcs]).locals_offset
        self.nlocal_refs = 0
        self.local_floor = 0
        self.fuel = (v.features & FEAT_METERING) != 0
        self._reserve_code(64)
        self.local_slot = <uint32_t*>realloc(self.local_slot, (v.nlocals + 1) * sizeof(uint32_t))
        if self.local_slot == NULL:
            raise MemoryError()
        for i in range(v.nlocals):
            if i == np:
                self.nparam_slots = slot
            self.local_slot[i] = slot
            slot += vt_slots(v.locals[i])
        if v.nlocals == np:
            self.nparam_slots = slot
        self.nlocal_slots = slot
        self.max_slots = slot
        self.lrefs = <uint32_t*>realloc(self.lrefs, (slot + 1) * sizeof(uint32_t))
        if self.lrefs == NULL:
            raise MemoryError()
        memset(self.lrefs, 0, (slot + 1) * sizeof(uint32_t))
        self.nresult_slots = 0
        cdef const vt_t* res = v.type_buf + v.type_off[t] + np
        for i in range(v.type_nr[t]):
            self.nresult_slots += vt_slots(res[i])
        if self.nresult_slots > self.max_slots:
            self.max_slots = self.nresult_slots
        # The function's own label: branching to it returns.
        cdef LwCtrl* c = self._push_ctrl()
        c.kind = FRAME_FUNC
        c.nparams = 0
        c.nresults = v.type_nr[t]
        c.base = 0
        if self.fuel:
            emit_fuel(self)
        if self.nlocal_slots > self.nparam_slots:      # locals start at zero
            emit_zero_locals(self, self.nparam_slots, self.nlocal_slots - self.nparam_slots)
        return 0

    cdef object finish(self, FuncValidator v):
        cdef LoweredFunc lf = LoweredFunc.__new__(LoweredFunc)
        cdef uint32_t i
        if WASMRT_DEBUG:
            self.check_pending_reads()
        if self.max_slots > 0xFFFF:
            raise UnsupportedFeatureError(
                "function %d needs %d frame slots (limit 65535)"
                % (self.func_index, self.max_slots))
        lf.fc.code = <Cell*>malloc((self.ncode if self.ncode else 1) * sizeof(Cell))
        lf.fc.srcmap = <uint32_t*>malloc((2 * self.nsrc if self.nsrc else 1) * sizeof(uint32_t))
        if lf.fc.code == NULL or lf.fc.srcmap == NULL:
            raise MemoryError()
        memcpy(lf.fc.code, self.code, self.ncode * sizeof(Cell))
        memcpy(lf.fc.srcmap, self.srcmap, 2 * self.nsrc * sizeof(uint32_t))
        if self.nhnd:
            lf.fc.handlers = <HandlerRec*>malloc(self.nhnd * sizeof(HandlerRec))
            if lf.fc.handlers == NULL:
                raise MemoryError()
            for i in range(self.nhnd):
                lf.fc.handlers[i] = self.hnd[i]
                if self.hnd[i].kind != HK_DELEGATE:     # (its target is a depth)
                    lf.fc.handlers[i].target = <uint32_t>self.ltarget[self.hnd[i].target]
            lf.fc.nhandlers = self.nhnd
        lf.fc.ncells = self.ncode
        lf.fc.nsrc = self.nsrc
        lf.fc.nparams = self.nparam_slots
        lf.fc.nresults = self.nresult_slots
        lf.fc.nlocals = self.nlocal_slots - self.nparam_slots
        lf.fc.max_slots = self.max_slots
        lf.fc.func_index = self.func_index
        lf.fc.type_index = self.type_index
        lf.fc.body_offset = (<CodeInfo>v.module.codes[
            self.func_index - v.module.num_imported_funcs]).locals_offset
        lf.fc.threaded = 0
        return lf

    cdef int check_invariants(self, FuncValidator v) except -1:
        """The debug build checks these after every instruction (``if WASMRT_DEBUG``), in
        O(1): the labels mirror the validator's control stack; in live code the providers
        mirror its operand stack, and the entries pushed since the last check (those above
        ``dbg_low``, the lowest height ``_pop`` reached) sit where their types put them: one
        entry per value, two slots for a v128, home slots contiguous from the first
        temporary, inside the frame; the staged state points into the code."""
        cdef uint32_t i, home
        cdef LwVal* e
        cdef uint32_t low = self.dbg_low
        self.dbg_low = self.nvals
        if self.nctrls != v.nctrls:
            raise AssertionError("lowerer: %d labels, the validator %d frames"
                                 % (self.nctrls, v.nctrls))
        if self.st.cur_pc >= <int32_t>self.ncode or self.st.dst >= <int32_t>self.ncode \
                or self.st.cmp >= <int32_t>self.ncode or self.st.copy >= <int32_t>self.ncode \
                or self.st.label_pc > <int32_t>self.ncode:
            raise AssertionError("lowerer: staged state past the code (%d cells)" % self.ncode)
        if not self.live:
            return 0
        if self.nvals != v.nvals:
            raise AssertionError("lowerer: operand height %d, the validator's %d"
                                 % (self.nvals, v.nvals))
        for i in range(low, self.nvals):
            e = &self.vals[i]
            home = self.vals[i - 1].home + self.vals[i - 1].nslots if i else self.nlocal_slots
            if e.nslots != vt_slots(v.vals[i]) or e.home != home \
                    or home + e.nslots > self.max_slots:
                raise AssertionError("lowerer: operand %d (home %d, %d slots) is not where "
                                     "its type puts it (slot %d, frame %d)"
                                     % (i, e.home, e.nslots, home, self.max_slots))
            if e.kind == LV_LOCAL and e.src >= self.nlocal_slots:
                raise AssertionError("lowerer: operand %d reads slot %d, not a local"
                                     % (i, e.src))
        return 0

    cdef int check_pending_reads(self) except -1:
        """The debug build checks at the end of a body that the pending-read count matches
        the LV_LOCAL/LV_ADDI entries left on the stack."""
        cdef uint32_t i, refs = 0
        for i in range(self.nvals):
            if self.vals[i].kind == LV_LOCAL or self.vals[i].kind == LV_ADDI:
                refs += 1
        if refs != self.nlocal_refs:
            raise AssertionError("lowerer: %d pending reads counted, %d on the stack"
                                 % (self.nlocal_refs, refs))
        return 0

    # -- buffers -----------------------------------------------------------------------

    cdef int _reserve_code(self, uint32_t n) except -1:
        if self.ncode + n > self.cap_code:
            self.code = <Cell*>_grow(self.code, &self.cap_code, sizeof(Cell), self.ncode + n)
        return 0

    cdef int32_t _emit(self, uint32_t op, uint32_t ncells) except -1:
        """Append an instruction of `ncells` cells (operand cells zeroed); return its pc.
        Only the typed emitters (``emit_*``, _isa_emit.pxi) call it."""
        cdef int32_t pc = self.ncode
        self._reserve_code(ncells)
        memset(&self.code[pc], 0, ncells * sizeof(Cell))
        self.code[pc].u64 = op
        self.ncode += ncells
        self.st.prev_pc = self.st.cur_pc
        self.st.cur_pc = pc
        forget(&self.st)
        self._map_src(pc)
        return pc

    cdef int32_t _widen_last(self) except -1:
        """Make room for a fused form of three cells in place of the last instruction (two
        cells, at ``cur_pc``), which the caller rewrites with a ``put_*``.  Returns its pc."""
        cdef int32_t pc = self.st.cur_pc
        self._reserve_code(1)
        self.ncode += 1
        return pc

    cdef int _map_src(self, int32_t pc) except -1:
        """Map the instruction at `pc` (the last one) to the wasm instruction being lowered
        (``cur_off``), for trap backtraces; a fused instruction is re-mapped to the last
        wasm instruction it does."""
        if self.nsrc and <int32_t>self.srcmap[2 * (self.nsrc - 1)] == pc:
            self.srcmap[2 * self.nsrc - 1] = self.cur_off
        elif self.nsrc == 0 or self.srcmap[2 * self.nsrc - 1] != self.cur_off:
            if self.nsrc >= self.cap_src:
                self.srcmap = <uint32_t*>_grow(self.srcmap, &self.cap_src,
                                               2 * sizeof(uint32_t), self.nsrc + 1)
            self.srcmap[2 * self.nsrc] = pc
            self.srcmap[2 * self.nsrc + 1] = self.cur_off
            self.nsrc += 1
        return 0

    cdef void _truncate(self, int32_t pc) noexcept:
        """Drop the instructions from `pc` on (the last one, replaced by a fused form)."""
        if pc == self.st.cur_pc:
            self.st.cur_pc = self.st.prev_pc
        elif pc != <int32_t>self.ncode:
            self.st.cur_pc = -1
        self.st.prev_pc = -1
        self.ncode = pc
        while self.nsrc and <int32_t>self.srcmap[2 * (self.nsrc - 1)] >= pc:
            self.nsrc -= 1
        forget(&self.st)

    cdef LwVal* _push(self, uint8_t kind, uint8_t nslots) except NULL:
        cdef LwVal* e
        if self.nvals >= self.cap_vals:
            self.vals = <LwVal*>_grow(self.vals, &self.cap_vals, sizeof(LwVal), self.nvals + 1)
        e = &self.vals[self.nvals]
        e.kind = kind
        e.nslots = nslots
        e.home = self.vals[self.nvals - 1].home + self.vals[self.nvals - 1].nslots \
            if self.nvals else self.nlocal_slots
        e.src = 0
        e.bits = 0
        if e.home + nslots > self.max_slots:
            self.max_slots = e.home + nslots
        self.nvals += 1
        return e

    cdef LwVal* _push_local(self, uint32_t src, uint8_t nslots) except NULL:
        """Push a read of the local at slot `src` (``local.get``: nothing emitted)."""
        cdef LwVal* e = self._push(LV_TEMP, nslots)
        self._make_local(self.nvals - 1, src)
        return e

    cdef inline void _make_local(self, uint32_t i, uint32_t src) noexcept:
        """Entry i becomes a pending read of the local at slot `src`."""
        self.vals[i].kind = LV_LOCAL
        self.vals[i].src = src
        self._ref(i)

    cdef inline void _ref(self, uint32_t i) noexcept:
        """Count entry i (an LV_LOCAL or LV_ADDI) as a pending read."""
        self.nlocal_refs += 1
        if self.vals[i].src < self.nlocal_slots:
            self.lrefs[self.vals[i].src] += 1
        if i < self.local_floor:
            self.local_floor = i

    cdef inline void _unref(self, LwVal* e) noexcept:
        self.nlocal_refs -= 1
        if e.src < self.nlocal_slots:
            self.lrefs[e.src] -= 1

    cdef inline uint32_t _top_home(self) noexcept:
        """The home slot of the next entry to be pushed."""
        if self.nvals:
            return self.vals[self.nvals - 1].home + self.vals[self.nvals - 1].nslots
        return self.nlocal_slots

    cdef inline void _pop(self, uint32_t n) noexcept:
        while n:
            self.nvals -= 1
            if self.vals[self.nvals].kind == LV_LOCAL or self.vals[self.nvals].kind == LV_ADDI:
                self._unref(&self.vals[self.nvals])
            n -= 1
        if WASMRT_DEBUG and self.nvals < self.dbg_low:
            self.dbg_low = self.nvals

    cdef LwCtrl* _push_ctrl(self) except NULL:
        cdef LwCtrl* c
        if self.nctrls >= self.cap_ctrls:
            self.ctrls = <LwCtrl*>_grow(self.ctrls, &self.cap_ctrls, sizeof(LwCtrl),
                                        self.nctrls + 1)
        c = &self.ctrls[self.nctrls]
        memset(c, 0, sizeof(LwCtrl))
        c.live_in = self.live
        c.else_live = self.live
        c.head = -1
        c.else_fix = -1
        c.fixups = -1
        c.label_id = self._new_label()
        self.nctrls += 1
        return c

    cdef int32_t _new_label(self) except -1:
        """A new entry of `ltarget` (target unknown): its id."""
        if self.nlabels >= self.cap_labels:
            self.ltarget = <int32_t*>_grow(self.ltarget, &self.cap_labels, sizeof(int32_t),
                                           self.nlabels + 1)
        self.ltarget[self.nlabels] = -1
        self.nlabels += 1
        return self.nlabels - 1

    cdef HandlerRec* _handler(self, bint pending) except NULL:
        """A new catch clause (`pending`: of an open try_table) or handler record."""
        if pending:
            if self.npend >= self.cap_pend:
                self.pend = <HandlerRec*>_grow(self.pend, &self.cap_pend, sizeof(HandlerRec),
                                               self.npend + 1)
            self.npend += 1
            return &self.pend[self.npend - 1]
        if self.nhnd >= self.cap_hnd:
            self.hnd = <HandlerRec*>_grow(self.hnd, &self.cap_hnd, sizeof(HandlerRec),
                                          self.nhnd + 1)
        self.nhnd += 1
        return &self.hnd[self.nhnd - 1]

    cdef int32_t _add_fix(self, int32_t pc, int32_t cell, int32_t hi, int32_t next) except -1:
        if self.nfixs >= self.cap_fixs:
            self.fixs = <LwFix*>_grow(self.fixs, &self.cap_fixs, sizeof(LwFix), self.nfixs + 1)
        self.fixs[self.nfixs].pc = pc
        self.fixs[self.nfixs].cell = cell
        self.fixs[self.nfixs].hi = hi
        self.fixs[self.nfixs].next = next
        self.nfixs += 1
        return self.nfixs - 1

    cdef void _patch(self, int32_t f, int32_t target) noexcept:
        """Point the branches of fix-up list `f` at cell `target`."""
        while f >= 0:
            put_branch_offset(self.code, self.fixs[f].cell, self.fixs[f].hi,
                              target - self.fixs[f].pc)
            f = self.fixs[f].next
        return

    cdef inline void _bind(self) noexcept:
        """A label is bound here: no peephole may look across it."""
        self.st.label_pc = self.ncode
        forget(&self.st)

    # -- operands ----------------------------------------------------------------------

    cdef int _move(self, uint32_t dst, LwVal* e) except -1:
        """Emit the copy of provider `e` into slot(s) `dst` (nothing if already there)."""
        cdef int32_t pc
        cdef uint32_t src
        if e.kind == LV_CONST:
            if e.bits <= 0xFFFFFFFF:
                pc = emit_const32(self, dst, <int32_t><uint32_t>e.bits)
            else:
                pc = emit_const64(self, dst, e.bits)
            self.st.dst = pc
            return 0
        src = e.home if e.kind == LV_TEMP else e.src
        if e.kind == LV_ADDI and (<uint32_t>e.bits != 0 or src != dst):
            self.st.dst = emit_dst_x_imm(self, IR_I32_ADD_IMM, dst, src,
                                         <int32_t><uint32_t>e.bits)
            return 0
        if src == dst:
            return 0
        if e.nslots == 2:
            emit_copy2(self, dst, src, dst + 1, src + 1)
        elif self.st.copy >= 0:               # two moves in a row: one copy2
            pc = self.st.copy
            put_dst0_src0_dst1_src1(self.code, pc, IR_COPY2, dst_of(self.code, pc),
                                    self.code[pc + 1].s.b, dst, src)
            forget(&self.st)                    # (the copy was the last instruction)
        else:
            pc = emit_copy(self, dst, src)
            self.st.dst = pc
            self.st.copy = pc
        return 0

    cdef int _materialize(self, uint32_t i) except -1:
        """Make entry i an LV_TEMP: its value goes to its home slot."""
        cdef LwVal* e = &self.vals[i]
        if e.kind == LV_TEMP:
            return 0
        self._move(e.home, e)
        if e.kind == LV_LOCAL or e.kind == LV_ADDI:
            self._unref(e)
        e.kind = LV_TEMP
        return 0

    cdef inline uint32_t _slot(self, uint32_t i) except? 0xFFFFFFFF:
        """The slot holding entry i's value (a constant is materialised first)."""
        cdef LwVal* e = &self.vals[i]
        if e.kind == LV_LOCAL:
            return e.src
        if e.kind == LV_CONST or e.kind == LV_ADDI:
            self._materialize(i)
        return e.home

    cdef int _preserve_locals(self) except -1:
        """Materialise every pending read (before a control-flow construct)."""
        cdef uint32_t i
        if self.nlocal_refs:
            for i in range(self.local_floor, self.nvals):
                if self.vals[i].kind == LV_LOCAL or self.vals[i].kind == LV_ADDI:
                    self._materialize(i)
        self.local_floor = self.nvals
        return 0

    cdef int _preserve_local(self, uint32_t slot, uint32_t below) except -1:
        """Materialise the pending reads of `slot` (all among entries [0, below)),
        newest first: amortised O(1), since a deep one was pushed long ago."""
        cdef uint32_t i = below
        while self.lrefs[slot] and i > self.local_floor:
            i -= 1
            if (self.vals[i].kind == LV_LOCAL or self.vals[i].kind == LV_ADDI) \
                    and self.vals[i].src == slot:
                self._materialize(i)
        return 0

    # -- emission helpers --------------------------------------------------------------

    cdef int32_t _result(self, uint32_t npop, uint8_t nslots, int32_t pc) except -1:
        """The instruction at `pc`, just emitted, wrote one result to the home slot of the
        first of the `npop` entries it consumed (with none: of the next entry): pop them and
        push the result (`nslots` wide), which ``local.set`` may retarget.  Returns pc."""
        self._pop(npop)
        self._push(LV_TEMP, nslots)
        self.st.dst = pc
        return pc

    cdef int _unop(self, uint32_t op) except -1:
        """A one-operand op [a=dst b=x] on the top entry."""
        cdef uint32_t i = self.nvals - 1
        cdef uint32_t x = self._slot(i)
        return self._result(1, 1, emit_dst_x(self, op, self.vals[i].home, x))

    cdef int _binop(self, uint32_t op, bint is_cmp) except -1:
        cdef uint32_t i = self.nvals - 2
        cdef LwVal* x = &self.vals[i]
        cdef LwVal* y = &self.vals[i + 1]
        cdef uint32_t home = x.home, sx, sy
        cdef int64_t k
        cdef uint32_t imm_op
        cdef int32_t pc, start
        cdef bint const_y
        cdef uint64_t ybits
        cdef LwVal* t
        if x.kind == LV_CONST and y.kind != LV_CONST and _ir_swap[op]:
            op = _ir_swap[op]
            t = x
            x = y
            y = t
        if op == IR_I32_ADD or op == IR_I32_SUB:
            if y.kind == LV_CONST and x.kind != LV_CONST:
                return self._addi(x, <uint32_t>y.bits, op == IR_I32_SUB)
            if (x.kind == LV_ADDI or y.kind == LV_ADDI) and x.kind != LV_CONST \
                    and y.kind != LV_CONST:
                return self._add_reassoc(op, i)
        if _ir_fmul[op] and x.kind != LV_CONST and y.kind != LV_CONST \
                and self._fuse_mul(op, i):
            return 0
        imm_op = _ir_imm[op]
        if y.kind == LV_CONST and imm_op:
            if _ir_immk[op] == IK_INT:
                k = <int64_t>y.bits if _ir_is64[op] else <int64_t><int32_t><uint32_t>y.bits
            else:
                k = <int64_t>y.bits
            if _ir_immk[op] != IK_INT or _fits_i32(k):
                sx = self._slot(<uint32_t>(x - self.vals))
                if _ir_immk[op] == IK_F64:
                    pc = emit_dst_x_imm64(self, imm_op, home, sx, y.bits)
                else:
                    pc = emit_dst_x_imm(self, imm_op, home, sx,
                                        <int32_t><uint32_t>(<uint64_t>k & 0xFFFFFFFF))
                self._result(2, 1, pc)
                if is_cmp:
                    self.st.cmp = pc
                    self.st.cmp_start = pc
                    self.st.cmp_op = op
                    self.st.cmp_x = sx
                    self.st.cmp_imm = k
                    self.st.cmp_is_imm = 1
                return pc
        # A compare with a constant and no *_imm form (floats): the constant is
        # materialised right before it, and both go if a branch fuses with it.
        const_y = is_cmp and y.kind == LV_CONST and x.kind != LV_CONST
        ybits = y.bits
        start = self.ncode
        sx = self._slot(<uint32_t>(x - self.vals))
        sy = self._slot(<uint32_t>(y - self.vals))
        pc = self._result(2, 1, self._emit_binop(op, home, i, sx, sy))
        if is_cmp:
            self.st.cmp = pc
            self.st.cmp_start = start if const_y else pc
            self.st.cmp_op = op
            self.st.cmp_x = sx
            self.st.cmp_y = sy
            self.st.cmp_imm = <int64_t>ybits
            self.st.cmp_is_imm = const_y
        return pc

    cdef int _addi(self, LwVal* x, uint32_t k, bint sub) except -1:
        """``i32.add``/``i32.sub`` of the top two entries, x and the constant k: an LV_ADDI
        entry (nothing emitted yet; constants accumulate: u32 addition is associative)."""
        cdef uint32_t src
        cdef uint32_t home = self.vals[self.nvals - 2].home
        if sub:
            k = 0 - k
        if x.kind == LV_ADDI:
            k += <uint32_t>x.bits
            src = x.src
        elif x.kind == LV_LOCAL:
            src = x.src
        else:
            src = x.home
        self._pop(2)
        x = self._push(LV_ADDI, 1)
        x.src = src
        x.bits = k
        self._ref(self.nvals - 1)
        if src >= self.nlocal_slots and src != home:
            # x was above the constant (``k + x``): its temporary is not the result's slot
            # and the next push would overwrite it, so add now
            self._materialize(self.nvals - 1)
        return 0

    cdef bint _fuse_mul(self, uint32_t op, uint32_t i) except -1:
        """A float add/sub of entries i, i+1 one of which is the product the last
        instruction computed: turn that mul into the fused op (f64_mul_add ...), which
        writes the sum straight to the result's slot.  False if there is no such mul."""
        cdef int32_t pc = self.st.dst
        cdef LwVal* x = &self.vals[i]
        cdef LwVal* y = &self.vals[i + 1]
        cdef uint32_t z
        cdef int below
        if pc < 0 or pc < self.st.label_pc or pc + 2 != <int32_t>self.ncode \
                or self.code[pc].u64 != _ir_fmul[op]:
            return 0
        if y.kind == LV_TEMP and y.home == dst_of(self.code, pc):
            below = 0                               # x op (a * b)
            z = self._slot(i)
        elif x.kind == LV_TEMP and x.home == dst_of(self.code, pc):
            below = 1                               # (a * b) op y: y emitted nothing
            z = self._slot(i + 1)
        else:
            return 0
        put_dst_x_y_z(self.code, pc, _ir_fused[op][below], x.home, self.code[pc + 1].s.b,
                      self.code[pc + 1].s.c, z)
        self._result(2, 1, pc)
        return 1

    cdef inline bint _shl_of(self, uint32_t i, uint32_t slot) noexcept:
        """Whether `slot`, the value of entry i (a temp, or the base of its LV_ADDI), is
        what the last instruction, an ``i32_shl_imm``, wrote (and so is used only here)."""
        cdef LwVal* e = &self.vals[i]
        cdef int32_t pc = self.st.cur_pc
        return slot == e.home and (e.kind == LV_TEMP or e.kind == LV_ADDI) and pc >= 0 \
            and pc >= self.st.label_pc and pc + 2 == <int32_t>self.ncode \
            and self.code[pc].u64 == IR_I32_SHL_IMM and dst_of(self.code, pc) == slot

    cdef int32_t _emit_binop(self, uint32_t op, uint32_t dst, uint32_t i, uint32_t sx,
                             uint32_t sy) except -1:
        """Emit ``op dst = sx, sy`` for entries i, i+1 (before they are popped); an
        ``i32.add`` of the shift the last instruction made becomes ``i32_add_shl``.
        ``st.dst`` is the caller's to set."""
        cdef int32_t pc = self.st.cur_pc
        cdef uint32_t other, src, k
        if op == IR_I32_ADD and (self._shl_of(i + 1, sy) or self._shl_of(i, sx)):
            other = sx if self._shl_of(i + 1, sy) else sy
            src = self.code[pc + 1].s.b               # i32_shl_imm [a=dst b=x hi=imm]
            k = <uint32_t>self.code[pc + 1].w.hi & 31
            put_dst_x_y_shift(self.code, pc, IR_I32_ADD_SHL, dst, other, src, k)
            return pc
        return emit_dst_x_y(self, op, dst, sx, sy)

    cdef int _add_reassoc(self, uint32_t op, uint32_t i) except -1:
        """``i32.add``/``sub`` of entries i, i+1 where one is an LV_ADDI: the constant moves
        out, (s + k) + y = (s + y) + k, so an access can still fold it (emits the add/sub
        of the slots; the result is an LV_ADDI on it)."""
        cdef LwVal* x = &self.vals[i]
        cdef LwVal* y = &self.vals[i + 1]
        cdef uint32_t kx = <uint32_t>x.bits if x.kind == LV_ADDI else 0
        cdef uint32_t ky = <uint32_t>y.bits if y.kind == LV_ADDI else 0
        cdef uint32_t home = x.home
        cdef uint32_t sx = x.src if x.kind == LV_ADDI else self._slot(i)
        cdef uint32_t sy = y.src if y.kind == LV_ADDI else self._slot(i + 1)
        self._emit_binop(op, home, i, sx, sy)
        self.st.dst = -1
        self._pop(2)
        x = self._push(LV_ADDI, 1)
        x.src = home
        x.bits = kx + ky if op == IR_I32_ADD else kx - ky
        self._ref(self.nvals - 1)
        return 0

    cdef int _eqz(self, uint32_t op) except -1:
        cdef uint32_t x = self._slot(self.nvals - 1)
        cdef int32_t pc = self._unop(op)
        self.st.cmp = pc
        self.st.cmp_start = pc
        self.st.cmp_op = op
        self.st.cmp_x = x
        self.st.cmp_is_imm = 0
        return pc

    cdef int _copies_to(self, LwCtrl* L, uint32_t n) except -1:
        """Copy the top `n` entries into the slots of label L (ascending: sources are
        never below their targets, so no copy clobbers a later source)."""
        cdef uint32_t i, dst = L.base
        for i in range(self.nvals - n, self.nvals):
            self._move(dst, &self.vals[i])
            dst += self.vals[i].nslots
        return 0

    cdef bint _needs_copies(self, LwCtrl* L, uint32_t n, uint32_t below) noexcept:
        """Whether the n entries under the top `below` ones are not yet in L's slots."""
        cdef uint32_t i, dst = L.base
        for i in range(self.nvals - below - n, self.nvals - below):
            if self.vals[i].kind != LV_TEMP or self.vals[i].home != dst:
                return 1
            dst += self.vals[i].nslots
        return 0

    cdef inline uint32_t _arity(self, LwCtrl* L) noexcept:
        return L.nparams if L.kind == FRAME_LOOP else L.nresults

    cdef int _return(self) except -1:
        """Emit the return of the function's results (the top entries)."""
        cdef uint32_t n = self.ctrls[0].nresults
        cdef uint32_t i
        cdef int32_t pc
        cdef LwVal* e
        if n == 0:
            emit_ret(self)
            return 0
        e = &self.vals[self.nvals - 1]
        if n == 1 and e.nslots == 1:
            if e.kind == LV_ADDI:
                self._materialize(self.nvals - 1)
            if e.kind == LV_CONST:
                self._move(0, e)
                emit_ret(self)
            else:
                emit_ret_slot(self, e.home if e.kind == LV_TEMP else e.src)
            return 0
        for i in range(self.nvals - n, self.nvals):
            self._materialize(i)
        emit_ret_n(self, self.vals[self.nvals - n].home, self.nresult_slots)
        return 0

    cdef int _jump(self, LwCtrl* L) except -1:
        """Emit an unconditional branch to label L (values already in place)."""
        cdef int32_t pc = self.ncode
        if L.kind == FRAME_LOOP:
            emit_offset(self, IR_BR_LOOP, L.head - pc)
        else:
            emit_offset(self, IR_BR, 0)
            L.fixups = self._add_fix(pc, pc + 1, 0, L.fixups)
        return 0

    cdef int _branch(self, uint32_t depth) except -1:
        """``br depth``: copy the label's values and jump (or return)."""
        cdef LwCtrl* L = &self.ctrls[self.nctrls - 1 - depth]
        if L.kind == FRAME_FUNC:
            return self._return()
        self._copies_to(L, self._arity(L))
        return self._jump(L)

    cdef int32_t _emit_cond(self, bint when_true, uint32_t materialize, bint preserve) except -2:
        """Pop the i32 condition on top and emit a conditional branch taken when it is
        true (`when_true`) or false, fusing a just-emitted compare or eqz (and an add
        before it, ``_emit_br``).  Returns the pc of the branch (its offset goes in
        ``self.st.br_cell``, see ``_set_offset``) or -1 if the condition is a constant (then
        ``self.st.const_cond`` tells whether it is true).  Before the branch,
        the `materialize` entries below the condition are materialised, and with
        `preserve` every pending local too (both paths must agree on the providers)."""
        cdef uint32_t i = self.nvals - 1
        cdef LwVal* e = &self.vals[i]
        cdef int32_t pc, cpc
        cdef uint32_t op
        if e.kind == LV_CONST:
            self.st.const_cond = (<uint32_t>e.bits) != 0
            self._pop(1)
            self._prepare(materialize, preserve)
            return -1
        cpc = self.st.cmp
        op = self.st.cmp_op
        if e.kind == LV_TEMP and cpc >= 0 and cpc >= self.st.label_pc \
                and dst_of(self.code, cpc) == e.home \
                and <uint32_t>cpc + ir_ncells(<uint32_t>self.code[cpc].u64, 0) == self.ncode \
                and (when_true or _ir_neg[op] or op == IR_I32_EQZ or op == IR_I64_EQZ):
            self._truncate(self.st.cmp_start)
            self._pop(1)
            self._prepare(materialize, preserve)
            if op == IR_I32_EQZ or op == IR_I64_EQZ:
                if op == IR_I32_EQZ:
                    op = IR_BR_EQZ if when_true else IR_BR_NEZ
                else:
                    op = IR_BR_I64_EQZ if when_true else IR_BR_I64_NEZ
                return self._emit_br(op, self.st.cmp_x, 0, 0)
            if not when_true:
                op = _ir_neg[op]
            if self.st.cmp_is_imm:
                return self._emit_br(_ir_br_imm[op], self.st.cmp_x, 0, self.st.cmp_imm)
            if self._added(self.st.cmp_y) and not self._added(self.st.cmp_x):
                # the slot just added to is the right operand: compare the other way round
                return self._emit_br(_ir_br[_ir_swap[op]], self.st.cmp_y, self.st.cmp_x, 0)
            return self._emit_br(_ir_br[op], self.st.cmp_x, self.st.cmp_y, 0)
        op = IR_BR_NEZ if when_true else IR_BR_EQZ
        cpc = self._slot(i)
        self._pop(1)
        self._prepare(materialize, preserve)
        return self._emit_br(op, <uint32_t>cpc, 0, 0)

    cdef inline bint _added(self, uint32_t slot) noexcept:
        """Whether the last instruction is ``i32_add_imm slot = ...`` (fusable with a
        branch that tests `slot`: nothing can jump in between)."""
        cdef int32_t pc = self.st.cur_pc
        return pc >= 0 and pc >= self.st.label_pc and pc + 2 == <int32_t>self.ncode \
            and self.code[pc].u64 == IR_I32_ADD_IMM and dst_of(self.code, pc) == slot

    cdef int32_t _emit_br(self, uint32_t op, uint32_t x, uint32_t y, int64_t imm) except -1:
        """Emit conditional branch `op` (br_nez/eqz, br_<cmp>, br_<cmp>_imm) on slot x (and
        slot y or immediate imm).  When the last instruction is the ``i32_add_imm`` that
        computes x, the two become one ``br_add_*`` op.  Returns the branch's pc and sets
        ``st.br_cell``/``st.br_hi`` to where its offset goes."""
        cdef int32_t pc
        cdef uint32_t dst, src
        cdef int32_t k
        if _ir_addbr[op] and self._added(x):      # i32_add_imm [a=dst b=x hi=k] before it
            dst = dst_of(self.code, self.st.cur_pc)
            src = self.code[self.st.cur_pc + 1].s.b
            k = self.code[self.st.cur_pc + 1].w.hi
            pc = self._widen_last()
            if _ir_addbr_reg[op]:
                put_dst_x_y_offset_imm(self.code, pc, _ir_addbr[op], dst, src, y, 0, k)
            else:
                put_dst_x_imm_offset_c(self.code, pc, _ir_addbr[op], dst, src, k, 0,
                                       <int32_t>imm)
            forget(&self.st)
            self.st.br_cell = pc + 2
            self.st.br_hi = 0
            return pc
        if ir_ncells(op, 0) == 3:
            pc = emit_x_offset_imm64(self, op, x, 0, <uint64_t>imm)
        else:
            pc = emit_x_y_offset(self, op, x, y, 0)
        self.st.br_cell = pc + 1
        self.st.br_hi = 1
        return pc

    cdef void _set_offset(self, int32_t pc, int32_t cell, bint hi, int32_t target) noexcept:
        """Point the branch at `pc`, whose offset is in `cell` (``.w.hi`` or ``.w.lo``),
        at cell `target`."""
        put_branch_offset(self.code, cell, hi, target - pc)

    cdef int _prepare(self, uint32_t n, bint preserve) except -1:
        """See ``_emit_cond``: materialise the top n entries, and pending locals."""
        cdef uint32_t i
        if preserve:
            self._preserve_locals()
        for i in range(self.nvals - n, self.nvals):
            self._materialize(i)
        return 0

    # -- the instructions --------------------------------------------------------------

    cdef int instr(self, FuncValidator v, Instr* ins) except -1:
        """Lower one instruction (already type-checked and applied by the validator)."""
        cdef uint32_t op = ins.op
        cdef uint32_t code, kind
        self.cur_off = ins.offset
        if op == OP_BLOCK or op == OP_LOOP or op == OP_IF:
            return self._open(v, ins)
        if op == OP_TRY_TABLE:
            return self._open_try(v, ins)
        if op == OP_TRY:
            self._open(v, ins)
            self.ctrls[self.nctrls - 1].kind = FRAME_TRY
            self.ctrls[self.nctrls - 1].try_start = self.ncode
            return 0
        if op == OP_CATCH or op == OP_CATCH_ALL:
            return self._catch(v, ins)
        if op == OP_DELEGATE:
            return self._delegate(v, ins)
        if op == OP_ELSE:
            return self._else(v, ins)
        if op == OP_END:
            return self._end(v, ins)
        if not self.live:
            return 0
        if (op >> 16) == PREFIX_ATOMIC:                 # threads
            return self._atomic(ins)
        if (op >> 16) == PREFIX_SIMD:                   # v128: _core_lower_simd.pxi
            return lower_simd(self, op & 0xFFFF, ins,
                              v.nmems > 0 and (ins.mem or v.mem0_m))
        if (op >> 16) == PREFIX_GC and (op & 0xFFFF) < (OP_ANY_CONVERT_EXTERN & 0xFFFF):
            return self._gc(v, ins)                     # structs, arrays, casts
        if op < 0x100:
            code = op
        elif (op >> 16) == PREFIX_MISC and (op & 0xFFFF) < 0x20:
            code = 0x100 + (op & 0xFFFF)
        else:
            return self._misc(v, ins)
        kind = _w2kind[code]
        if kind == LK_NONE:
            return self._misc(v, ins)
        if kind == LK_BIN:
            self._binop(_w2ir[code], 0)
        elif kind == LK_CMP:
            self._binop(_w2ir[code], 1)
        elif kind == LK_UN:
            self._unop(_w2ir[code])
        elif kind == LK_EQZ:
            self._eqz(_w2ir[code])
        elif kind == LK_LOAD or kind == LK_STORE:
            if ins.mem or v.mem0_m:     # another memory, or a 64-bit or shared one
                self._access_m(_ir_mem[_w2ir[code]], kind == LK_LOAD, ins)
            elif kind == LK_LOAD:
                self._load(_w2ir[code], ins)
            else:
                self._store(_w2ir[code], ins)
        return 0

    cdef int _misc(self, FuncValidator v, Instr* ins) except -1:
        """Everything but block structure and plain numerics."""
        cdef uint32_t op = ins.op
        cdef uint32_t n, s
        cdef uint32_t sl[4]
        cdef LwVal* e
        cdef bint t64 = ins.idx < v.ntables and v.table_addr[ins.idx] == VT_I64
        cdef bint m_any = v.nmems > 0 and (ins.mem or v.mem0_m)
        if op == OP_LOCAL_GET:                          # x: [] -> [t]
            self._push_local(self.local_slot[ins.idx], vt_slots(v.locals[ins.idx]))
        elif op == OP_LOCAL_SET or op == OP_LOCAL_TEE:  # x: [t] -> [] / [t]
            self._set_local(v, ins.idx, op == OP_LOCAL_TEE)
        elif op == OP_I32_CONST or op == OP_F32_CONST:  # [] -> [t]
            e = self._push(LV_CONST, 1)
            e.bits = ins.bits & 0xFFFFFFFF
        elif op == OP_I64_CONST or op == OP_F64_CONST:  # [] -> [t]
            e = self._push(LV_CONST, 1)
            e.bits = ins.bits
        elif op == OP_DROP:                             # [t] -> []
            self._pop(1)
        elif op == OP_NOP:
            pass
        elif op == OP_SELECT or op == OP_SELECT_T:      # [t t i32] -> [t]
            self._select()
        elif op == OP_UNREACHABLE:
            emit_unreachable(self)
            self.live = 0
        elif op == OP_BR:                               # l
            self._branch(ins.idx)
            self.live = 0
        elif op == OP_THROW:                            # x: [t*] -> unreachable
            self._throw(v, ins.idx)
            self.live = 0
        elif op == OP_RETHROW:                          # legacy: the caught exception
            emit_throw_ref(self, self.ctrls[self.nctrls - 1 - ins.idx].base)
            self.live = 0
        elif op == OP_THROW_REF:                        # [exnref] -> unreachable
            emit_throw_ref(self, self._slot(self.nvals - 1))
            self._pop(1)
            self.live = 0
        elif op == OP_BR_IF:                            # l: [t* i32] -> [t*]
            self._br_if(ins.idx)
        elif op == OP_BR_TABLE:                         # l* l: [t* i32] -> [t*]
            self._br_table(ins)
            self.live = 0
        elif op == OP_RETURN:
            self._return()
            self.live = 0
        elif op == OP_CALL:                             # f
            self._call(v, v.func_type[ins.idx], IR_CALL, ins.idx, 0)
        elif op == OP_CALL_INDIRECT:                    # t table
            self._call(v, ins.idx, IR_CALL_INDIRECT64 if v.table_addr[ins.idx2] == VT_I64
                       else IR_CALL_INDIRECT, ins.idx, ins.idx2)
        elif op == OP_RETURN_CALL:                      # f
            self._call(v, v.func_type[ins.idx], IR_RETURN_CALL, ins.idx, 0)
            self.live = 0
        elif op == OP_RETURN_CALL_INDIRECT:             # t table
            self._call(v, ins.idx, IR_RETURN_CALL_INDIRECT64 if v.table_addr[ins.idx2] == VT_I64
                       else IR_RETURN_CALL_INDIRECT, ins.idx, ins.idx2)
            self.live = 0
        elif op == OP_CALL_REF:                         # t: [t1* (ref null t)] -> [t2*]
            self._call(v, ins.idx, IR_CALL_REF, ins.idx, 0)
        elif op == OP_RETURN_CALL_REF:                  # t
            self._call(v, ins.idx, IR_RETURN_CALL_REF, ins.idx, 0)
            self.live = 0
        elif op == OP_REF_AS_NON_NULL:                  # [(ref null ht)] -> [(ref ht)]
            emit_ref_as_non_null(self, self._slot(self.nvals - 1))
        elif op == OP_BR_ON_NULL:                       # l: [t* ref] -> [t* ref]
            self._br_on_null(ins.idx, 1)
        elif op == OP_BR_ON_NON_NULL:                   # l: [t* ref] -> [t*]
            self._br_on_null(ins.idx, 0)
        elif op == OP_GLOBAL_GET:                       # g: [] -> [t]
            n = vt_slots(v.global_type[ins.idx])
            self._result(0, n, emit_dst_global(self, IR_GLOBAL_GET if n == 1 else
                                               IR_V128_GLOBAL_GET, self._top_home(), ins.idx))
        elif op == OP_GLOBAL_SET:                       # g: [t] -> []
            n = vt_slots(v.global_type[ins.idx])
            emit_src_global(self, IR_GLOBAL_SET if n == 1 else IR_V128_GLOBAL_SET,
                            self._slot(self.nvals - 1), ins.idx)
            self._pop(1)
        elif op == OP_TABLE_GET:                        # t: [at] -> [ref]
            s = self._slot(self.nvals - 1)
            self._result(1, 1, (emit_table_get64 if t64 else emit_table_get)(
                self, self.vals[self.nvals - 1].home, s, ins.idx))
        elif op == OP_TABLE_SET:                        # t: [at ref] -> []
            self._slots(2, sl)
            (emit_table_set64 if t64 else emit_table_set)(self, sl[0], sl[1], ins.idx)
            self._pop(2)
        elif op == OP_MEMORY_SIZE:                      # m: [] -> [at]
            if m_any:
                self._result(0, 1, emit_memory_size_m(self, self._top_home(), ins.mem))
            else:
                self._result(0, 1, emit_memory_size(self, self._top_home()))
        elif op == OP_MEMORY_GROW:                      # m: [at] -> [at]
            s = self._slot(self.nvals - 1)
            if m_any:
                self._result(1, 1, emit_memory_grow_m(self, self.vals[self.nvals - 1].home, s,
                                                      ins.mem))
            else:
                self._result(1, 1, emit_memory_grow(self, self.vals[self.nvals - 1].home, s))
        elif op == OP_REF_NULL:                         # t: [] -> [ref]
            e = self._push(LV_CONST, 1)
            e.bits = 0
        elif op == OP_REF_IS_NULL:                      # [ref] -> [i32]
            self._unop(IR_REF_IS_NULL)
        elif op == OP_REF_EQ:                           # [eqref eqref] -> [i32]
            sl[0] = self._slot(self.nvals - 2)
            sl[1] = self._slot(self.nvals - 1)
            self._result(2, 1, emit_ref_eq(self, self.vals[self.nvals - 2].home, sl[0], sl[1]))
        elif op == OP_REF_I31:                          # [i32] -> [(ref i31)]
            self._unop(IR_REF_I31)
        elif op == OP_I31_GET_S:                        # [i31ref] -> [i32]
            self._unop(IR_I31_GET_S)
        elif op == OP_I31_GET_U:
            self._unop(IR_I31_GET_U)
        elif op == OP_ANY_CONVERT_EXTERN or op == OP_EXTERN_CONVERT_ANY:
            pass                                        # the identity on cells
        elif op == OP_REF_FUNC:                         # f: [] -> [funcref]
            self._result(0, 1, emit_ref_func(self, self._top_home(), ins.idx))
        elif op == OP_MEMORY_INIT:                      # d m: [at i32 i32] -> []
            self._slots(3, sl)
            if m_any:
                emit_memory_init_m(self, sl[0], sl[1], sl[2], ins.mem, ins.idx)
            else:
                emit_memory_init(self, sl[0], sl[1], sl[2], ins.idx)
            self._pop(3)
        elif op == OP_DATA_DROP:                        # d
            emit_data_drop(self, ins.idx)
        elif op == OP_MEMORY_COPY:                      # d s: [at_d at_s at] -> []
            self._slots(3, sl)
            if m_any or ins.mem2:
                emit_memory_copy_m(self, sl[0], sl[1], sl[2], ins.mem, ins.mem2)
            else:
                emit_memory_copy(self, sl[0], sl[1], sl[2])
            self._pop(3)
        elif op == OP_MEMORY_FILL:                      # m: [at i32 at] -> []
            self._slots(3, sl)
            if m_any:
                emit_memory_fill_m(self, sl[0], sl[1], sl[2], ins.mem)
            else:
                emit_memory_fill(self, sl[0], sl[1], sl[2])
            self._pop(3)
        elif op == OP_TABLE_INIT:                       # e t: [at i32 i32] -> []
            self._slots(3, sl)
            (emit_table_init64 if v.table_addr[ins.idx2] == VT_I64 else emit_table_init)(
                self, sl[0], sl[1], sl[2], ins.idx2, ins.idx)
            self._pop(3)
        elif op == OP_ELEM_DROP:                        # e
            emit_elem_drop(self, ins.idx)
        elif op == OP_TABLE_COPY:                       # d s: [at_d at_s at] -> []
            self._slots(3, sl)
            n = (v.table_addr[ins.idx] == VT_I64) | (v.table_addr[ins.idx2] == VT_I64) << 1
            if n:                                       # which of the two are table64
                emit_table_copy64(self, sl[0], sl[1], sl[2], n, ins.idx, ins.idx2)
            else:
                emit_table_copy(self, sl[0], sl[1], sl[2], ins.idx, ins.idx2)
            self._pop(3)
        elif op == OP_TABLE_GROW:                       # t: [ref at] -> [at]
            s = self._slots(2, sl)
            self._result(2, 1, (emit_table_grow64 if t64 else emit_table_grow)(
                self, s, sl[0], sl[1], ins.idx))
        elif op == OP_TABLE_SIZE:                       # t: [] -> [at]
            self._result(0, 1, emit_table_size(self, self._top_home(), ins.idx))
        elif op == OP_TABLE_FILL:                       # t: [at ref at] -> []
            self._slots(3, sl)
            (emit_table_fill64 if t64 else emit_table_fill)(self, sl[0], sl[1], sl[2], ins.idx)
            self._pop(3)
        elif op == OP_I64_ADD128 or op == OP_I64_SUB128:    # [i64 i64 i64 i64] -> [i64 i64]
            s = self._slots(4, sl)
            (emit_i64_add128 if op == OP_I64_ADD128 else emit_i64_sub128)(
                self, s, sl[0], sl[1], sl[2], sl[3])
            self._wide(4)
        elif op == OP_I64_MUL_WIDE_S or op == OP_I64_MUL_WIDE_U:   # [i64 i64] -> [i64 i64]
            s = self._slots(2, sl)
            (emit_i64_mul_wide_s if op == OP_I64_MUL_WIDE_S else emit_i64_mul_wide_u)(
                self, s, sl[0], sl[1])
            self._wide(2)
        else:
            raise UnsupportedFeatureError("instruction 0x%x cannot be lowered" % op)
        return 0

    cdef uint32_t _slots(self, uint32_t n, uint32_t* s) except? 0xFFFFFFFF:
        """The slots of the top `n` entries into s[0 .. n), in order (constants are
        materialised); returns the home slot of the first (where a result goes)."""
        cdef uint32_t base = self.nvals - n
        cdef uint32_t i
        for i in range(n):
            s[i] = self._slot(base + i)
        return self.vals[base].home

    cdef int _load(self, uint32_t op, Instr* ins) except -1:
        cdef LwVal* e = &self.vals[self.nvals - 1]
        cdef int32_t pc
        cdef uint32_t x, y, shift
        if e.kind == LV_ADDI and ins.mem_offset == 0 and self._shl_of(self.nvals - 1, e.src):
            # address (y << s) + k: the last instruction, i32_shl_imm [a=dst b=y hi=s],
            # becomes the *_shl form
            pc = self.st.cur_pc
            y = self.code[pc + 1].s.b
            shift = self.code[pc + 1].w.hi & 31
            self._widen_last()
            put_dst_x_imm_shift(self.code, pc, _ir_shl[op], e.home, y,
                                <int32_t><uint32_t>e.bits, shift)
            self._map_src(pc)
            self._result(1, 1, pc)
            return 0
        if e.kind == LV_ADDI and ins.mem_offset == 0:   # address x + k: the *_add form
            self._result(1, 1, emit_dst_x_imm(self, _ir_addr[op], e.home, e.src,
                                              <int32_t><uint32_t>e.bits))
            return 0
        x = self._slot(self.nvals - 1)
        self._result(1, 1, emit_dst_addr_offset(self, op, self.vals[self.nvals - 1].home, x,
                                                <int32_t><uint32_t>ins.mem_offset))
        return 0

    cdef int _store(self, uint32_t op, Instr* ins) except -1:
        cdef LwVal* e = &self.vals[self.nvals - 2]
        cdef uint32_t sv
        cdef uint32_t sl[2]
        if e.kind == LV_ADDI and ins.mem_offset == 0:   # address x + k: the *_add form
            sv = self._slot(self.nvals - 1)
            emit_x_val_imm(self, _ir_addr[op], e.src, sv, <int32_t><uint32_t>e.bits)
            self._pop(2)
            return 0
        self._slots(2, sl)
        emit_addr_val_offset(self, op, sl[0], sl[1], <int32_t><uint32_t>ins.mem_offset)
        self._pop(2)
        return 0

    cdef int _access_m(self, uint32_t op, bint load, Instr* ins) except -1:
        """A load or store of any memory (another than memory 0, or a 64-bit one): its
        ``*_m`` form, [a b c=mem] [u64 offset]; no address folding."""
        cdef uint32_t sl[2]
        cdef uint32_t home = self._slots(1 if load else 2, sl)
        if load:
            self._result(1, 1, emit_dst_addr_mem_offset64(self, op, home, sl[0], ins.mem,
                                                          ins.mem_offset))
        else:
            emit_addr_val_mem_offset64(self, op, sl[0], sl[1], ins.mem, ins.mem_offset)
            self._pop(2)
        return 0

    cdef int _atomic(self, Instr* ins) except -1:
        """An atomic instruction: its op of any memory (``*_atomic_*``, like the ``*_m``
        ops: no address folding, the memory from the instance)."""
        cdef uint32_t sub = ins.op & 0xFFFF
        cdef uint32_t kind = _a2kind[sub] if sub < 0x50 else 0
        cdef uint32_t op = _a2ir[sub] if sub < 0x50 else 0
        cdef uint32_t sl[3]
        cdef uint32_t home
        if ins.op == OP_ATOMIC_FENCE:
            emit_atomic_fence(self)
        elif kind == LK_A_LOAD or kind == LK_A_STORE:
            self._access_m(op, kind == LK_A_LOAD, ins)
        elif kind == LK_A_RMW or kind == LK_A_NOTIFY:     # [.. c=val d=mem]
            home = self._slots(2, sl)
            self._result(2, 1, emit_dst_addr_val_mem_offset64(self, op, home, sl[0], sl[1],
                                                              ins.mem, ins.mem_offset))
        elif kind == LK_A_CMPXCHG or kind == LK_A_WAIT:   # [.. c=exp d=new] [lo=mem]
            home = self._slots(3, sl)
            self._result(3, 1, emit_dst_addr_exp_new_mem_offset64(
                self, op, home, sl[0], sl[1], sl[2], ins.mem, ins.mem_offset))
        else:
            raise AssertionError("atomic op 0x%x has no lowering" % ins.op)
        return 0

    cdef int _wide(self, uint32_t n) except -1:
        """After a wide-arithmetic op: its n i64 operands out, its two i64 results (low,
        high) in, in the home slots of the first two operands."""
        self._pop(n)
        self._push(LV_TEMP, 1)
        self._push(LV_TEMP, 1)
        return 0

    cdef int _set_local(self, FuncValidator v, uint32_t idx, bint tee) except -1:
        """``local.set``/``local.tee``: retarget the producer, or copy."""
        cdef uint32_t x = self.local_slot[idx]
        cdef uint32_t top = self.nvals - 1
        cdef LwVal* e = &self.vals[top]
        cdef int32_t pc
        if e.kind == LV_LOCAL and e.src == x:           # x = x
            if not tee:
                self._pop(1)
            return 0
        if e.kind == LV_ADDI:                           # x = src + k, one add_imm
            self._unref(e)                              # (not a pending read of x itself)
            self._preserve_local(x, top)
            self._move(x, e)
            e.kind = LV_TEMP
            self.st.dst = -1
            if tee:
                self._make_local(top, x)
            else:
                self._pop(1)
            return 0
        self._preserve_local(x, top)
        pc = self.st.dst
        if e.kind == LV_TEMP and pc >= 0 and pc >= self.st.label_pc \
                and dst_of(self.code, pc) == e.home:
            set_dst(self.code, pc, x)                   # the producer writes x directly
            self.st.dst = -1
            self.st.cmp = -1
            if tee:
                self._make_local(top, x)
            else:
                self._pop(1)
            return 0
        self._move(x, e)
        self.st.dst = -1
        if not tee:
            self._pop(1)
        return 0

    cdef int _select(self) except -1:
        """``select``: [t t i32] -> [t]; a constant condition picks statically."""
        cdef uint32_t i = self.nvals - 3
        cdef LwVal* c = &self.vals[i + 2]
        cdef LwVal* x = &self.vals[i]
        cdef LwVal* y = &self.vals[i + 1]
        cdef uint32_t sx, sy, sc, home = x.home
        cdef uint64_t bits
        cdef int32_t pc
        cdef LwVal* e
        if x.nslots != 1:                              # v128: IR_V128_SELECT
            sx = self._slot(i)
            sy = self._slot(i + 1)
            sc = self._slot(i + 2)
            self._result(3, 2, emit_dst_x_y_cond(self, IR_V128_SELECT, home, sx, sy, sc))
            return 0
        if c.kind == LV_CONST:
            if y.kind == LV_ADDI:
                self._materialize(i + 1)
            if <uint32_t>c.bits == 0:                  # the result is y, at x's position
                if y.kind == LV_TEMP:
                    self._move(home, y)
                    self._pop(3)
                    self._push(LV_TEMP, 1)
                    self.st.dst = -1
                else:
                    sx = y.kind
                    sy = y.src
                    bits = y.bits
                    self._pop(3)
                    if sx == LV_LOCAL:
                        self._push_local(sy, 1)
                    else:
                        e = self._push(<uint8_t>sx, 1)
                        e.bits = bits
            else:
                self._pop(2)
            return 0
        sx = self._slot(i)
        sy = self._slot(i + 1)
        sc = self._slot(i + 2)
        self._result(3, 1, emit_select(self, home, sx, sy, sc))
        return 0

    cdef int _call(self, FuncValidator v, uint32_t t, uint32_t op, uint32_t idx,
                   uint32_t table) except -1:
        """``call``/``call_indirect``: arguments in their home slots (contiguous from
        ``base``), the callee's frame starts there and leaves its results there.
        ``return_call``/``return_call_indirect``: the same arguments, moved down to fp[0]
        by the tail call itself (no results: the code after it is dead)."""
        cdef uint32_t np = v.type_np[t], nr = v.type_nr[t]
        cdef const vt_t* res = v.type_buf + v.type_off[t] + np
        cdef uint32_t i, sidx = 0, first, base, nslots = 0
        cdef bint indirect = (op == IR_CALL_INDIRECT or op == IR_CALL_INDIRECT64
                              or op == IR_RETURN_CALL_INDIRECT or op == IR_RETURN_CALL_INDIRECT64
                              or op == IR_CALL_REF or op == IR_RETURN_CALL_REF)
        if indirect:
            sidx = self._slot(self.nvals - 1)
        first = self.nvals - np - indirect
        for i in range(first, first + np):
            self._materialize(i)
            nslots += self.vals[i].nslots
        base = self.vals[first].home if np else (
            self.vals[first - 1].home + self.vals[first - 1].nslots if first else self.nlocal_slots)
        if op == IR_CALL:
            emit_call(self, base, idx)
        elif op == IR_CALL_INDIRECT:
            emit_call_indirect(self, base, sidx, idx, table)
        elif op == IR_CALL_INDIRECT64:
            emit_call_indirect64(self, base, sidx, idx, table)
        elif op == IR_CALL_REF:
            emit_call_ref(self, base, sidx)
        elif op == IR_RETURN_CALL:
            emit_return_call(self, base, nslots, idx)
        elif op == IR_RETURN_CALL_INDIRECT:
            emit_return_call_indirect(self, base, sidx, nslots, table, idx)
        elif op == IR_RETURN_CALL_INDIRECT64:
            emit_return_call_indirect64(self, base, sidx, nslots, table, idx)
        else:
            emit_return_call_ref(self, base, sidx, nslots)
        self._pop(np + indirect)
        if (op == IR_CALL or op == IR_CALL_INDIRECT or op == IR_CALL_INDIRECT64
                or op == IR_CALL_REF):
            for i in range(nr):
                self._push(LV_TEMP, vt_slots(res[i]))
        return 0

    cdef int _throw(self, FuncValidator v, uint32_t x) except -1:
        """``throw x``: the payload in contiguous home slots (as a call's arguments)."""
        cdef uint32_t np = v.type_np[v.tag_type[x]]
        cdef uint32_t i, first = self.nvals - np, base
        for i in range(first, self.nvals):
            self._materialize(i)
        base = self.vals[first].home if np else self._top_home()
        emit_throw(self, base, x)
        self._pop(np)
        return 0

    # -- control -----------------------------------------------------------------------

    cdef int _open_try(self, FuncValidator v, Instr* ins) except -1:
        """``try_table``: a block whose body the catch clauses protect.  Nothing is emitted
        for them: each becomes a handler record (`finish`) the unwinder reads."""
        cdef uint32_t i, plo = self.npend
        cdef LwCtrl* L
        cdef LwCtrl* c
        cdef HandlerRec* h
        for i in range(ins.ntargets):
            L = &self.ctrls[self.nctrls - 1 - ins.targets[3 * i + 2]]
            if self.live:
                L.caught = 1
            h = self._handler(1)
            h.kind = ins.targets[3 * i]
            h.tag = ins.targets[3 * i + 1]
            h.target = <uint32_t>L.label_id
            h.dst = L.base
        self._open(v, ins)
        c = &self.ctrls[self.nctrls - 1]
        c.kind = FRAME_TRY_TABLE
        c.pend_lo = plo
        for i in range(plo, self.npend):
            self.pend[i].level = self.nctrls - 1
        c.try_start = self.ncode
        if not self.live:
            self.npend = plo            # dead code: no handlers
        return 0

    cdef int32_t _here(self) except -1:
        """A label bound at the next cell (a legacy catch clause's code): its id."""
        cdef int32_t lid = self._new_label()
        self._bind()
        self.ltarget[lid] = self.ncode
        return lid

    cdef int _catch(self, FuncValidator v, Instr* ins) except -1:
        """Legacy ``catch x`` / ``catch_all``: the try body (or the previous clause) ends
        like an if-arm; the clause's code starts here, a handler record lands on it with
        the exnref in the slot below the clause's values (the validator's hidden value)."""
        cdef LwCtrl* c = &self.ctrls[self.nctrls - 1]
        cdef HandlerRec* h
        cdef bint first = c.kind == FRAME_TRY
        cdef uint32_t n = 0, i
        cdef const vt_t* lt = NULL
        if self.live:
            self._copies_to(c, c.nresults)
            self._jump(c)
        if first:
            c.try_end = self.ncode
        if self.nvals > c.height:
            self._pop(self.nvals - c.height)
        if first:
            self._push(LV_TEMP, 1)              # the caught exnref, at c.base
            c.height += 1
        c.kind = FRAME_CATCH
        if ins.op == OP_CATCH:
            n = v.type_np[v.tag_type[ins.idx]]
            lt = v.type_buf + v.type_off[v.tag_type[ins.idx]]
        self.live = c.live_in
        if c.live_in:
            h = self._handler(0)
            h.start = <uint32_t>c.try_start
            h.end = <uint32_t>c.try_end
            h.kind = HK_LEGACY_CATCH if ins.op == OP_CATCH else HK_LEGACY_CATCH_ALL
            h.tag = ins.idx if ins.op == OP_CATCH else 0
            h.dst = c.base
            h.level = self.nctrls - 1
            h.target = <uint32_t>self._here()
        for i in range(n):
            self._push(LV_TEMP, vt_slots(lt[i]))
        return 0

    cdef int _delegate(self, FuncValidator v, Instr* ins) except -1:
        """Legacy ``delegate l``: ends the try like ``end``; an exception of its body
        goes on to the handlers of label l's frame and those around it."""
        cdef LwCtrl* c = &self.ctrls[self.nctrls - 1]
        cdef HandlerRec* h
        cdef uint32_t start = <uint32_t>c.try_start
        if c.live_in and self.ncode > start:
            h = self._handler(0)
            h.start = start
            h.end = self.ncode
            h.kind = HK_DELEGATE
            h.tag = 0
            h.dst = 0
            h.level = self.nctrls - 1
            h.target = self.nctrls - 2 - ins.idx
        return self._end(v, ins)

    cdef int _open(self, FuncValidator v, Instr* ins) except -1:
        """``block``/``loop``/``if``: push a label."""
        cdef uint32_t np = ins.nparams
        cdef int32_t pc = -1
        cdef bint live = self.live
        cdef uint32_t height
        cdef LwCtrl* c
        cdef CtrlFrame* f = &v.ctrls[v.nctrls - 1]
        if live:
            if ins.op == OP_IF:
                pc = self._emit_cond(False, np, 1)
            else:
                self._preserve_locals()
                if ins.op == OP_LOOP:
                    self._prepare(np, 0)
            height = self.nvals - np
        else:
            height = self.nvals
        c = self._push_ctrl()
        c.kind = FRAME_BLOCK if ins.op == OP_BLOCK else (
            FRAME_LOOP if ins.op == OP_LOOP else FRAME_IF)
        c.nparams = np
        c.nresults = ins.nresults
        c.params = f.params
        c.results = f.results
        c.height = height
        c.base = self.vals[height].home if height < self.nvals else self._top_home()
        if not live:
            return 0
        if ins.op == OP_LOOP:
            self._bind()
            c.head = self.ncode
            self.ltarget[c.label_id] = c.head
            if self.fuel:
                emit_fuel(self)
        elif ins.op == OP_IF:
            if pc >= 0:
                c.else_fix = self._add_fix(pc, self.st.br_cell, self.st.br_hi, -1)
            elif self.st.const_cond:
                c.else_live = 0
            else:
                self.live = 0
        return 0

    cdef int _reset(self, LwCtrl* c, uint32_t n, const vt_t* types) except -1:
        """Cut the operand stack to the label's height and push n values in its slots."""
        cdef uint32_t i
        if self.nvals > c.height:
            self._pop(self.nvals - c.height)
        for i in range(n):
            self._push(LV_TEMP, vt_slots(types[i]))
        return 0

    cdef int _else(self, FuncValidator v, Instr* ins) except -1:
        cdef LwCtrl* c = &self.ctrls[self.nctrls - 1]
        if self.live:
            self._copies_to(c, c.nresults)
            self._jump(c)
        if c.else_fix >= 0:
            self._patch(c.else_fix, self.ncode)
            c.else_fix = -1
        self._bind()
        c.has_else = 1
        self._reset(c, c.nparams, c.params)
        self.live = c.else_live
        return 0

    cdef int _end(self, FuncValidator v, Instr* ins) except -1:
        cdef LwCtrl* c = &self.ctrls[self.nctrls - 1]
        cdef bint live_after
        cdef uint32_t i
        cdef HandlerRec* h
        if c.kind == FRAME_FUNC:
            if self.live:
                self._return()
            if c.caught:                # a catch clause's landing returns
                self.ltarget[c.label_id] = emit_ret(self)
            self.nctrls -= 1
            self.live = 0
            return 0
        if self.live:
            self._copies_to(c, c.nresults)
        if c.kind == FRAME_CATCH:
            c.height -= 1                       # the caught exnref goes too
        if c.kind == FRAME_TRY_TABLE and c.pend_lo < self.npend:
            for i in range(c.pend_lo, self.npend):     # the clauses protect the body
                h = self._handler(0)
                h[0] = self.pend[i]
                h.start = <uint32_t>c.try_start
                h.end = self.ncode
            self.npend = c.pend_lo
        if c.kind == FRAME_LOOP:
            live_after = self.live
        else:
            live_after = self.live or c.fixups >= 0 or c.caught or \
                (c.kind == FRAME_IF and not c.has_else and c.else_live)
            if c.fixups >= 0 or c.else_fix >= 0 or c.caught:
                self._patch(c.fixups, self.ncode)
                self._patch(c.else_fix, self.ncode)
                self._bind()
            self.ltarget[c.label_id] = self.ncode
        self._reset(c, c.nresults, c.results)
        self.nctrls -= 1
        self.live = live_after
        return 0

    cdef int _br_if(self, uint32_t depth) except -1:
        """``br_if``: a fused conditional branch when the values are in place, else a
        branch around the copies."""
        cdef LwCtrl* L = &self.ctrls[self.nctrls - 1 - depth]
        cdef uint32_t n = self._arity(L)
        cdef int32_t pc, cell
        cdef bint hi
        if L.kind != FRAME_FUNC and not self._needs_copies(L, n, 1):
            pc = self._emit_cond(True, 0, 0)
            if pc == -1:
                if self.st.const_cond:
                    self._jump(L)
                    self.live = 0
                return 0
            if L.kind == FRAME_LOOP:                    # a back-edge: the *_loop twin
                self.code[pc].u64 = _ir_loop[self.code[pc].u64]
                self._set_offset(pc, self.st.br_cell, self.st.br_hi, L.head)
            else:
                L.fixups = self._add_fix(pc, self.st.br_cell, self.st.br_hi, L.fixups)
            return 0
        # Both paths must agree on the providers: materialise the values for a return.
        pc = self._emit_cond(False, n if L.kind == FRAME_FUNC else 0, 0)
        if pc == -1:
            if self.st.const_cond:
                self._branch(depth)
                self.live = 0
            return 0
        cell = self.st.br_cell
        hi = self.st.br_hi
        self._branch(depth)
        self._set_offset(pc, cell, hi, self.ncode)
        self._bind()
        return 0

    cdef int _gc(self, FuncValidator v, Instr* ins) except -1:
        """GC's struct, array and cast instructions (``_interp_gcops.pxi``).  Ops that
        allocate take their operands in slots (the collector's safepoint) and a struct's
        fields or array.new_fixed's elements contiguous from the first one's home; field
        accesses carry the field's byte offset, chosen by its storage size."""
        cdef uint32_t op = ins.op, n, i, base
        cdef uint32_t sl[5]
        cdef const GcLayout* lay = NULL
        cdef const GcField* f
        cdef uint32_t s
        cdef int32_t target, tid
        cdef vt_t t
        if op != OP_ARRAY_LEN and op < OP_REF_TEST:
            lay = gc_layout_ptr(v.type_canon[ins.idx])
        if op == OP_STRUCT_NEW or op == OP_ARRAY_NEW_FIXED:   # [t*] -> [(ref x)]
            n = lay.nfields if op == OP_STRUCT_NEW else ins.idx2
            for i in range(self.nvals - n, self.nvals):
                self._materialize(i)
            base = self.vals[self.nvals - n].home if n else self._top_home()
            if op == OP_STRUCT_NEW:
                self._result(n, 1, emit_struct_new(self, base, base, <int32_t>ins.idx))
            else:
                self._result(n, 1, emit_array_new_fixed(self, base, base, <int32_t>n,
                                                        <int32_t>ins.idx))
        elif op == OP_STRUCT_NEW_DEFAULT:                   # [] -> [(ref x)]
            self._result(0, 1, emit_struct_new_default(self, self._top_home(),
                                                       <int32_t>ins.idx))
        elif op == OP_STRUCT_GET or op == OP_STRUCT_GET_S or op == OP_STRUCT_GET_U:
            f = &lay.fields[ins.idx2]
            s = self._slot(self.nvals - 1)
            self._result(1, vt_slots(ins.val_type), emit_dst_x_imm(
                self, _struct_get_op(f.size, op == OP_STRUCT_GET_S), self.vals[self.nvals - 1].home,
                s, <int32_t>f.offset))
        elif op == OP_STRUCT_SET:                           # [(ref null x) t] -> []
            f = &lay.fields[ins.idx2]
            self._slots(2, sl)
            emit_dst_x_imm(self, _struct_set_op(f.size), sl[0], sl[1], <int32_t>f.offset)
            self._pop(2)
        elif op == OP_ARRAY_NEW:                            # [t i32] -> [(ref x)]
            s = self._slots(2, sl)
            self._result(2, 1, emit_array_new(self, s, sl[0], sl[1], <int32_t>ins.idx))
        elif op == OP_ARRAY_NEW_DEFAULT:                    # [i32] -> [(ref x)]
            s = self._slots(1, sl)
            self._result(1, 1, emit_array_new_default(self, s, sl[0], <int32_t>ins.idx))
        elif op == OP_ARRAY_NEW_DATA or op == OP_ARRAY_NEW_ELEM:   # [i32 i32] -> [(ref x)]
            s = self._slots(2, sl)
            self._result(2, 1, (emit_array_new_data if op == OP_ARRAY_NEW_DATA
                                else emit_array_new_elem)(self, s, sl[0], sl[1],
                                                          <int32_t>ins.idx2, <int32_t>ins.idx))
        elif op == OP_ARRAY_GET or op == OP_ARRAY_GET_S or op == OP_ARRAY_GET_U:
            s = self._slots(2, sl)
            self._result(2, vt_slots(ins.val_type), emit_dst_x_y(
                self, _struct_get_op(lay.fields[0].size, op == OP_ARRAY_GET_S)
                - IR_STRUCT_GET8_S + IR_ARRAY_GET8_S, s, sl[0], sl[1]))
        elif op == OP_ARRAY_SET:                            # [(ref null x) i32 t] -> []
            self._slots(3, sl)
            emit_dst_x_y(self, _struct_set_op(lay.fields[0].size) - IR_STRUCT_SET8
                         + IR_ARRAY_SET8, sl[0], sl[1], sl[2])
            self._pop(3)
        elif op == OP_ARRAY_LEN:                            # [(ref null array)] -> [i32]
            self._unop(IR_ARRAY_LEN)
        elif op == OP_ARRAY_FILL:                           # [(ref null x) i32 t i32] -> []
            self._slots(4, sl)
            emit_array_fill(self, sl[0], sl[1], sl[2], sl[3], <int32_t>lay.fields[0].size)
            self._pop(4)
        elif op == OP_ARRAY_COPY:   # [(ref null x) i32 (ref null y) i32 i32]
            self._slots(5, sl)
            emit_array_copy(self, sl[0], sl[1], sl[2], sl[3], sl[4], <int32_t>lay.fields[0].size)
            self._pop(5)
        elif op == OP_ARRAY_INIT_DATA:                      # [(ref null x) i32 i32 i32] -> []
            self._slots(4, sl)
            emit_array_init_data(self, sl[0], sl[1], sl[2], sl[3], <int32_t>ins.idx2,
                                 <int32_t>lay.fields[0].size)
            self._pop(4)
        elif op == OP_ARRAY_INIT_ELEM:
            self._slots(4, sl)
            emit_array_init_elem(self, sl[0], sl[1], sl[2], sl[3], <int32_t>ins.idx2)
            self._pop(4)
        else:                                               # ref.test, ref.cast, br_on_cast*
            t = <vt_t>ins.bits
            target = (t & 0xFF) | ((not (t & VT_NONNULL)) << 8)
            tid = vt_index(t) if (t & 0xFF) == HT_CONCRETE else 0
            if op == OP_REF_TEST or op == OP_REF_TEST_NULL:
                s = self._slot(self.nvals - 1)
                self._result(1, 1, emit_ref_test(self, self.vals[self.nvals - 1].home, s,
                                                 target, tid))
            elif op == OP_REF_CAST or op == OP_REF_CAST_NULL:
                emit_ref_cast(self, self._slot(self.nvals - 1), target, tid)
            else:                                           # br_on_cast(_fail) l
                s = self._top_home()                        # a scratch slot above the stack
                if s + 1 > self.max_slots:
                    self.max_slots = s + 1
                emit_ref_test(self, s, self._slot(self.nvals - 1), target, tid)
                self._br_on(ins.idx, IR_BR_NEZ if op == OP_BR_ON_CAST else IR_BR_EQZ,
                            IR_BR_EQZ if op == OP_BR_ON_CAST else IR_BR_NEZ, s, 0, 0)
        return 0

    cdef int _br_on_null(self, uint32_t depth, bint on_null) except -1:
        """``br_on_null l`` (`on_null`): branch with the label's values, which sit under the
        reference, when it is null; ``br_on_non_null l``: branch with the values and the
        reference when it is not (then drop it)."""
        cdef uint32_t ref = self._slot(self.nvals - 1)
        return self._br_on(depth, IR_BR_I64_EQZ if on_null else IR_BR_I64_NEZ,
                           IR_BR_I64_NEZ if on_null else IR_BR_I64_EQZ, ref, on_null,
                           not on_null)

    cdef int _br_on(self, uint32_t depth, uint32_t taken, uint32_t not_taken, uint32_t cond,
                    bint below, bint drop) except -1:
        """A conditional branch to label `depth` on slot `cond` (branch op `taken`, its
        negation `not_taken`) with the label's values: the top entries, or with `below`
        the ones under the top entry (br_on_null: the reference stays on the fall-through
        path only); `drop`: pop the top entry after (br_on_non_null).  A direct
        conditional branch when the values are in the label's slots, else a branch around
        the copies."""
        cdef LwCtrl* L = &self.ctrls[self.nctrls - 1 - depth]
        cdef uint32_t n = self._arity(L)
        cdef uint32_t i
        cdef int32_t pc, cell
        cdef bint hi
        cdef LwVal saved
        if L.kind != FRAME_FUNC and not self._needs_copies(L, n, below):
            pc = self._emit_br(taken, cond, 0, 0)
            if L.kind == FRAME_LOOP:                    # a back-edge: the *_loop twin
                self.code[pc].u64 = _ir_loop[self.code[pc].u64]
                self._set_offset(pc, self.st.br_cell, self.st.br_hi, L.head)
            else:
                L.fixups = self._add_fix(pc, self.st.br_cell, self.st.br_hi, L.fixups)
        else:
            if L.kind == FRAME_FUNC:                    # both paths agree on the providers
                for i in range(self.nvals - below - n, self.nvals - below):
                    self._materialize(i)
            pc = self._emit_br(not_taken, cond, 0, 0)
            cell = self.st.br_cell
            hi = self.st.br_hi
            if below:
                # the taken path sees the values without the reference above them
                saved = self.vals[self.nvals - 1]
                self.nvals -= 1
                self._branch(depth)
                self.vals[self.nvals] = saved
                self.nvals += 1
            else:
                self._branch(depth)
            self._set_offset(pc, cell, hi, self.ncode)
            self._bind()
        if drop:
            self._pop(1)
        return 0

    cdef int _br_table(self, Instr* ins) except -1:
        """``br_table``: one offset per arm; arms whose values need copies (or that
        return) go through a trampoline after the table, shared per label."""
        cdef uint32_t nt = ins.ntargets, k, depth
        cdef LwCtrl* L = &self.ctrls[self.nctrls - 1 - ins.idx]
        cdef uint32_t n = self._arity(L)
        cdef uint32_t sidx
        cdef int32_t pc, t
        cdef LwVal* e = &self.vals[self.nvals - 1]
        if e.kind == LV_CONST:
            k = <uint32_t>e.bits
            self._pop(1)
            return self._branch(ins.targets[k] if k < nt else ins.idx)
        sidx = self._slot(self.nvals - 1)
        self._pop(1)
        self._prepare(n, 0)
        pc = emit_br_table(self, sidx, nt)
        self.arm = <int32_t*>realloc(self.arm, self.nctrls * sizeof(int32_t))
        if self.arm == NULL:
            raise MemoryError()
        for k in range(self.nctrls):
            self.arm[k] = -1
        # Direct arms first, then the trampolines.
        for k in range(nt + 1):
            depth = ins.targets[k] if k < nt else ins.idx
            L = &self.ctrls[self.nctrls - 1 - depth]
            if L.kind == FRAME_FUNC or self._needs_copies(L, n, 0):
                continue
            if L.kind == FRAME_LOOP:
                put_branch_offset(self.code, pc + 2 + k, 0, L.head - pc)
            else:
                L.fixups = self._add_fix(pc, pc + 2 + k, 0, L.fixups)
        for k in range(nt + 1):
            depth = ins.targets[k] if k < nt else ins.idx
            L = &self.ctrls[self.nctrls - 1 - depth]
            if not (L.kind == FRAME_FUNC or self._needs_copies(L, n, 0)):
                continue
            t = self.arm[depth]
            if t < 0:
                t = self.ncode
                self.arm[depth] = t
                self._branch(depth)
            put_branch_offset(self.code, pc + 2 + k, 0, t - pc)
        return 0


def _cell_field(uint64_t cell, str field):
    """One named field of an operand cell (see the ISA's ``Cell`` layout)."""
    if field == "a":
        return cell & 0xFFFF
    if field == "b":
        return (cell >> 16) & 0xFFFF
    if field == "c":
        return (cell >> 32) & 0xFFFF
    if field == "d":
        return (cell >> 48) & 0xFFFF
    if field == "lo":
        return <int32_t><uint32_t>(cell & 0xFFFFFFFF)
    if field == "hi":
        return <int32_t><uint32_t>(cell >> 32)
    return <int64_t>cell


def disassemble(LoweredFunc func, bint pcs=True) -> str:
    """A readable listing of lowered code, one instruction per line, e.g.
    ``3: i32_add dst=2 x=0 y=1``; branch offsets are shown as absolute targets
    (``offset=@9``).  Names and operand layouts come from the ISA (``_isa_names``)."""
    from wasmrt._isa_names import LAYOUT, NAMES
    cells = func.cells()
    lines = []
    pc = 0
    while pc < len(cells):
        op = cells[pc]
        if op >= len(NAMES):
            raise ValueError("cell %d: unknown op %d" % (pc, op))
        parts = [NAMES[op]]
        layout = LAYOUT[op]
        for k, spec in enumerate(layout):
            for item in spec.split():
                field, name = item.split("=")
                if name.endswith("..."):           # br_table: n + 1 offsets follow
                    n = _cell_field(cells[pc + 1], "hi")
                    targets = ["@%d" % (pc + _cell_field(cells[pc + 2 + j], "lo"))
                               for j in range(n + 1)]
                    parts.append("%s=[%s]" % (name[:-3], " ".join(targets)))
                    continue
                value = _cell_field(cells[pc + 1 + k], field)
                if name == "offset" and (NAMES[op].startswith("br") or NAMES[op] == "br"):
                    parts.append("offset=@%d" % (pc + value))
                else:
                    parts.append("%s=%d" % (name, value))
        size = 3 + _cell_field(cells[pc + 1], "hi") if NAMES[op] == "br_table" \
            else 1 + len(layout)
        lines.append(("%d: " % pc if pcs else "") + " ".join(parts))
        pc += size
    return "\n".join(lines)


cdef inline uint32_t _struct_get_op(uint32_t size, bint signed) noexcept:
    """The struct_get op reading a field of `size` bytes (packed ones: `signed` or not);
    the array_get ops follow the same order from IR_ARRAY_GET8_S."""
    if size == 1:
        return IR_STRUCT_GET8_S if signed else IR_STRUCT_GET8_U
    if size == 2:
        return IR_STRUCT_GET16_S if signed else IR_STRUCT_GET16_U
    return IR_STRUCT_GET32 if size == 4 else (IR_STRUCT_GET64 if size == 8 else IR_STRUCT_GET128)


cdef inline uint32_t _struct_set_op(uint32_t size) noexcept:
    """The struct_set op storing a field of `size` bytes (array_set: from IR_ARRAY_SET8)."""
    if size == 1:
        return IR_STRUCT_SET8
    if size == 2:
        return IR_STRUCT_SET16
    return IR_STRUCT_SET32 if size == 4 else (IR_STRUCT_SET64 if size == 8 else IR_STRUCT_SET128)
