# The validator (spec 3, and the algorithm of its appendix "Validation Algorithm").
#
# Module rules are checked by ``validate_module_rules`` (Python objects, once per module).
# Bodies are checked by ``validate_body``: one pass over the instruction bytes with C
# arrays for the operand-type stack and the control stack (grown on demand, never by
# recursion), decoding each instruction's immediates into ``v.ins`` (an ``Instr``) and
# handing it to the lowerer once its stack effect has been applied.

# -- operand signatures of the immediate-free numeric ops -----------------------------------
# sig = in0 | in1 << 8 | in2 << 16 | out << 24 (value-type codes, 0 = none); in0 is the
# deepest operand.  Filled once at import from the compact table below.
cdef uint32_t SIG_PLAIN[256]
cdef uint32_t SIG_FC[32]
cdef uint32_t SIG_FD[256]
cdef uint32_t SIG_FD_RELAXED[20]   # 0xFD 0x100..0x113 (relaxed SIMD), no immediates
# natural alignment exponent of memory ops (plain 0x28..0x3E, and 0xFD loads/stores)
cdef uint8_t ALIGN_PLAIN[256]
cdef uint8_t ALIGN_FD[256]
# one byte per value-type code holding that code: results pointer of single-result blocks
cdef uint8_t VT_SELF[256]

cdef dict _SIG_CODES = {"i": VT_I32, "I": VT_I64, "f": VT_F32, "F": VT_F64, "v": VT_V128}


cdef uint32_t _sig(str s):
    ins, out = s.split(":")
    cdef uint32_t sig = 0
    cdef int k
    for k, c in enumerate(ins):
        sig |= (<uint32_t>_SIG_CODES[c]) << (8 * k)
    if out:
        sig |= (<uint32_t>_SIG_CODES[out]) << 24
    return sig


cdef _init_tables():
    cdef int i
    for i in range(256):
        SIG_PLAIN[i] = 0
        SIG_FD[i] = 0
        ALIGN_PLAIN[i] = 0
        ALIGN_FD[i] = 0
        VT_SELF[i] = i
    for i in range(32):
        SIG_FC[i] = 0
    for i, s in enumerate(["vv:v"] + ["v:v"] * 4 + ["vvv:v"] * 8 + ["vv:v"] * 6 + ["vvv:v"]):
        SIG_FD_RELAXED[i] = _sig(s)

    def plain(lo, hi, s):
        for op in range(lo, hi + 1):
            SIG_PLAIN[op] = _sig(s)

    def fd(lo, hi, s):
        for op in range(lo, hi + 1):
            SIG_FD[op] = _sig(s)

    # numeric (spec 5.4.7): test, compare, unary, binary, conversions
    for lo, hi, s in ((0x45, 0x45, "i:i"), (0x46, 0x4F, "ii:i"), (0x50, 0x50, "I:i"),
                      (0x51, 0x5A, "II:i"), (0x5B, 0x60, "ff:i"), (0x61, 0x66, "FF:i"),
                      (0x67, 0x69, "i:i"), (0x6A, 0x78, "ii:i"), (0x79, 0x7B, "I:I"),
                      (0x7C, 0x8A, "II:I"), (0x8B, 0x91, "f:f"), (0x92, 0x98, "ff:f"),
                      (0x99, 0x9F, "F:F"), (0xA0, 0xA6, "FF:F")):
        plain(lo, hi, s)
    for op, s in ((0xA7, "I:i"), (0xA8, "f:i"), (0xA9, "f:i"), (0xAA, "F:i"), (0xAB, "F:i"),
                  (0xAC, "i:I"), (0xAD, "i:I"), (0xAE, "f:I"), (0xAF, "f:I"), (0xB0, "F:I"),
                  (0xB1, "F:I"), (0xB2, "i:f"), (0xB3, "i:f"), (0xB4, "I:f"), (0xB5, "I:f"),
                  (0xB6, "F:f"), (0xB7, "i:F"), (0xB8, "i:F"), (0xB9, "I:F"), (0xBA, "I:F"),
                  (0xBB, "f:F"), (0xBC, "f:i"), (0xBD, "F:I"), (0xBE, "i:f"), (0xBF, "I:F"),
                  (0xC0, "i:i"), (0xC1, "i:i"), (0xC2, "I:I"), (0xC3, "I:I"), (0xC4, "I:I")):
        SIG_PLAIN[op] = _sig(s)
    # saturating truncations 0xFC 0..7
    for sub, s in enumerate(("f:i", "f:i", "F:i", "F:i", "f:I", "f:I", "F:I", "F:I")):
        SIG_FC[sub] = _sig(s)
    # memory ops: natural alignment
    for op, a in ((0x28, 2), (0x29, 3), (0x2A, 2), (0x2B, 3), (0x2C, 0), (0x2D, 0), (0x2E, 1),
                  (0x2F, 1), (0x30, 0), (0x31, 0), (0x32, 1), (0x33, 1), (0x34, 2), (0x35, 2),
                  (0x36, 2), (0x37, 3), (0x38, 2), (0x39, 3), (0x3A, 0), (0x3B, 1), (0x3C, 0),
                  (0x3D, 1), (0x3E, 2)):
        ALIGN_PLAIN[op] = a
    for op, a in ((0x00, 4), (0x01, 3), (0x02, 3), (0x03, 3), (0x04, 3), (0x05, 3), (0x06, 3),
                  (0x07, 0), (0x08, 1), (0x09, 2), (0x0A, 3), (0x0B, 4), (0x54, 0), (0x55, 1),
                  (0x56, 2), (0x57, 3), (0x58, 0), (0x59, 1), (0x5A, 2), (0x5B, 3), (0x5C, 2),
                  (0x5D, 3)):
        ALIGN_FD[op] = a
    # SIMD (spec 5.4.8), the immediate-free ops: (first, last, signature)
    for lo, hi, s in (
        (0x0E, 0x0E, "vv:v"), (0x0F, 0x11, "i:v"), (0x12, 0x12, "I:v"), (0x13, 0x13, "f:v"),
        (0x14, 0x14, "F:v"), (0x23, 0x4C, "vv:v"), (0x4D, 0x4D, "v:v"), (0x4E, 0x51, "vv:v"),
        (0x52, 0x52, "vvv:v"), (0x53, 0x53, "v:i"), (0x5E, 0x5F, "v:v"),
        (0x60, 0x62, "v:v"), (0x63, 0x64, "v:i"), (0x65, 0x66, "vv:v"), (0x67, 0x6A, "v:v"),
        (0x6B, 0x6D, "vi:v"), (0x6E, 0x73, "vv:v"), (0x74, 0x75, "v:v"), (0x76, 0x79, "vv:v"),
        (0x7A, 0x7A, "v:v"), (0x7B, 0x7B, "vv:v"), (0x7C, 0x7F, "v:v"),
        (0x80, 0x81, "v:v"), (0x82, 0x82, "vv:v"), (0x83, 0x84, "v:i"), (0x85, 0x86, "vv:v"),
        (0x87, 0x8A, "v:v"), (0x8B, 0x8D, "vi:v"), (0x8E, 0x93, "vv:v"), (0x94, 0x94, "v:v"),
        (0x95, 0x99, "vv:v"), (0x9B, 0x9F, "vv:v"),
        (0xA0, 0xA1, "v:v"), (0xA3, 0xA4, "v:i"), (0xA7, 0xAA, "v:v"), (0xAB, 0xAD, "vi:v"),
        (0xAE, 0xAE, "vv:v"), (0xB1, 0xB1, "vv:v"), (0xB5, 0xBA, "vv:v"), (0xBC, 0xBF, "vv:v"),
        (0xC0, 0xC1, "v:v"), (0xC3, 0xC4, "v:i"), (0xC7, 0xCA, "v:v"), (0xCB, 0xCD, "vi:v"),
        (0xCE, 0xCE, "vv:v"), (0xD1, 0xD1, "vv:v"), (0xD5, 0xDF, "vv:v"),
        (0xE0, 0xE1, "v:v"), (0xE3, 0xE3, "v:v"), (0xE4, 0xEB, "vv:v"),
        (0xEC, 0xED, "v:v"), (0xEF, 0xEF, "v:v"), (0xF0, 0xF7, "vv:v"), (0xF8, 0xFF, "v:v"),
    ):
        fd(lo, hi, s)


_init_tables()


cdef inline bint is_num(uint8_t t) noexcept nogil:
    return t == VT_I32 or t == VT_I64 or t == VT_F32 or t == VT_F64


cdef inline bint is_ref(uint8_t t) noexcept nogil:
    return t == VT_FUNCREF or t == VT_EXTERNREF


# -- the validator's state ---------------------------------------------------------------------

cdef void* _grow(void* p, uint32_t* cap, size_t item, uint32_t need) except NULL:
    cdef uint32_t n = cap[0] if cap[0] else 16
    while n < need:
        n *= 2
    cdef void* q = PyMem_Realloc(p, n * item)
    if q == NULL:
        raise MemoryError()
    cap[0] = n
    return q


@cython.final
cdef class FuncValidator:
    """Validates the bodies of one module (reusing its stacks from body to body)."""

    def __dealloc__(self):
        PyMem_Free(self.type_buf)
        PyMem_Free(self.type_off)
        PyMem_Free(self.type_np)
        PyMem_Free(self.type_nr)
        PyMem_Free(self.func_type)
        PyMem_Free(self.func_declared)
        PyMem_Free(self.table_type)
        PyMem_Free(self.global_type)
        PyMem_Free(self.global_mut)
        PyMem_Free(self.elem_type)
        PyMem_Free(self.vals)
        PyMem_Free(self.ctrls)
        PyMem_Free(self.locals)
        PyMem_Free(self.targets)


cdef void* _alloc(size_t n) except NULL:
    cdef void* p = PyMem_Malloc(n if n else 1)
    if p == NULL:
        raise MemoryError()
    memset(p, 0, n if n else 1)
    return p


cdef int fv_setup(FuncValidator v, ModuleInfo m, set declared) except -1:
    """Build the C views of the module context."""
    cdef uint32_t i, k, total = 0
    cdef FuncTypeInfo ft
    v.module = m
    v.features = m.features
    v.ntypes = len(m.types)
    for ft in m.types:
        total += len(ft.params) + len(ft.results)
    v.type_buf = <uint8_t*>_alloc(total)
    v.type_off = <uint32_t*>_alloc(v.ntypes * sizeof(uint32_t))
    v.type_np = <uint32_t*>_alloc(v.ntypes * sizeof(uint32_t))
    v.type_nr = <uint32_t*>_alloc(v.ntypes * sizeof(uint32_t))
    total = 0
    for i in range(v.ntypes):
        ft = m.types[i]
        v.type_off[i] = total
        v.type_np[i] = len(ft.params)
        v.type_nr[i] = len(ft.results)
        for t in ft.params:
            v.type_buf[total] = t
            total += 1
        for t in ft.results:
            v.type_buf[total] = t
            total += 1
    v.nfuncs = len(m.func_types)
    v.func_type = <uint32_t*>_alloc(v.nfuncs * sizeof(uint32_t))
    v.func_declared = <uint8_t*>_alloc(v.nfuncs)
    for i in range(v.nfuncs):
        v.func_type[i] = m.func_types[i]
    for f in declared:
        if f < v.nfuncs:
            v.func_declared[<uint32_t>f] = 1
    v.ntables = len(m.tables)
    v.table_type = <uint8_t*>_alloc(v.ntables)
    for i in range(v.ntables):
        v.table_type[i] = (<TableTypeInfo>m.tables[i]).elem_type
    v.nmems = len(m.memories)
    v.nglobals = len(m.globals)
    v.global_type = <uint8_t*>_alloc(v.nglobals)
    v.global_mut = <uint8_t*>_alloc(v.nglobals)
    for i in range(v.nglobals):
        v.global_type[i] = (<GlobalInfo>m.globals[i]).type.val_type
        v.global_mut[i] = (<GlobalInfo>m.globals[i]).type.mutable
    v.nelems = len(m.elems)
    v.elem_type = <uint8_t*>_alloc(v.nelems)
    for i in range(v.nelems):
        v.elem_type[i] = (<ElemInfo>m.elems[i]).elem_type
    v.ndatas = m.data_count
    return 0


cdef int fv_fail(FuncValidator v, str reason) except -1:
    raise ValidationError(reason, v.ins.offset, v.func_index)


cdef int fv_malformed(FuncValidator v, str reason) except -1:
    raise DecodeError(reason, v.ins.offset)


cdef inline int fv_push(FuncValidator v, uint8_t t) except -1:
    if v.nvals == v.cap_vals:
        v.vals = <uint8_t*>_grow(v.vals, &v.cap_vals, 1, v.nvals + 1)
    v.vals[v.nvals] = t
    v.nvals += 1
    return 0


cdef inline int fv_pop(FuncValidator v) except -1:
    """Pop any operand; returns its type (VT_BOTTOM if the stack is polymorphic here)."""
    cdef CtrlFrame* f = &v.ctrls[v.nctrls - 1]
    if v.nvals == f.height:
        if f.unreachable:
            return VT_BOTTOM
        fv_fail(v, "type mismatch")
    v.nvals -= 1
    return v.vals[v.nvals]


cdef inline int fv_pop_expect(FuncValidator v, uint8_t expect) except -1:
    """Pop an operand of type ``expect`` (VT_BOTTOM: any); returns the actual type."""
    cdef CtrlFrame* f = &v.ctrls[v.nctrls - 1]
    cdef uint8_t actual
    if v.nvals == f.height:
        if f.unreachable:
            return expect
        fv_fail(v, "type mismatch")
    v.nvals -= 1
    actual = v.vals[v.nvals]
    if actual != expect and actual != VT_BOTTOM and expect != VT_BOTTOM:
        fv_fail(v, "type mismatch")
    return actual if actual != VT_BOTTOM else expect


cdef inline int fv_pop_vals(FuncValidator v, const uint8_t* types, uint32_t n) except -1:
    cdef uint32_t i = n
    while i > 0:
        i -= 1
        fv_pop_expect(v, types[i])
    return 0


cdef inline int fv_push_vals(FuncValidator v, const uint8_t* types, uint32_t n) except -1:
    cdef uint32_t i
    if v.nvals + n > v.cap_vals:
        v.vals = <uint8_t*>_grow(v.vals, &v.cap_vals, 1, v.nvals + n)
    for i in range(n):
        v.vals[v.nvals + i] = types[i]
    v.nvals += n
    return 0


cdef inline int fv_push_ctrl(FuncValidator v, uint8_t kind, int64_t bt, uint32_t np, uint32_t nr,
                             const uint8_t* params, const uint8_t* results) except -1:
    if v.nctrls == v.cap_ctrls:
        v.ctrls = <CtrlFrame*>_grow(v.ctrls, &v.cap_ctrls, sizeof(CtrlFrame), v.nctrls + 1)
    cdef CtrlFrame* f = &v.ctrls[v.nctrls]
    f.kind = kind
    f.unreachable = 0
    f.height = v.nvals
    f.block_type = bt
    f.nparams = np
    f.nresults = nr
    f.params = params
    f.results = results
    f.offset = v.ins.offset
    v.nctrls += 1
    fv_push_vals(v, params, np)
    return 0


cdef inline int fv_pop_ctrl(FuncValidator v) except -1:
    """Check the innermost frame's results and height; leaves it in ``v.ins.frame_*``."""
    cdef CtrlFrame* f = &v.ctrls[v.nctrls - 1]
    fv_pop_vals(v, f.results, f.nresults)
    if v.nvals != f.height:
        fv_fail(v, "type mismatch")
    v.ins.frame_kind = f.kind
    v.ins.frame_unreachable = f.unreachable
    v.ins.frame_height = f.height
    v.ins.frame_nparams = f.nparams
    v.ins.frame_nresults = f.nresults
    return 0


cdef inline void fv_unreachable(FuncValidator v) noexcept:
    cdef CtrlFrame* f = &v.ctrls[v.nctrls - 1]
    v.nvals = f.height
    f.unreachable = 1


cdef inline int fv_label(FuncValidator v, uint32_t depth, const uint8_t** types) except -1:
    """Label ``depth``: returns its arity and sets ``types`` (loop: params, else results)."""
    if depth >= v.nctrls:
        fv_fail(v, "unknown label")
    cdef CtrlFrame* f = &v.ctrls[v.nctrls - 1 - depth]
    if f.kind == FRAME_LOOP:
        types[0] = f.params
        return f.nparams
    types[0] = f.results
    return f.nresults


cdef inline int fv_memarg(FuncValidator v, uint8_t natural) except -1:
    cdef Reader* r = &v.r
    v.ins.align = rd_u32(r)
    if r.err:
        raise_read_error(r)
    if 0x40 <= v.ins.align < 0x80:
        # 3.0: flag bit 6 announces a memory index between the alignment and the offset
        unsupported("multiple memories (memarg with a memory index)", r, r.base + v.ins.offset)
    v.ins.mem_offset = rd_u32(r)
    if r.err:
        raise_read_error(r)
    if v.nmems == 0:
        fv_fail(v, "unknown memory 0")
    if v.ins.align > natural:
        fv_fail(v, "alignment must not be larger than natural")
    return 0


cdef inline int fv_zero_byte(FuncValidator v) except -1:
    cdef uint8_t b = rd_u8(&v.r)
    if v.r.err:
        raise_read_error(&v.r)
    if b != 0:
        fv_malformed(v, "zero byte expected")
    return 0


cdef inline int fv_lane(FuncValidator v, uint32_t nlanes) except -1:
    cdef uint8_t lane = rd_u8(&v.r)
    if v.r.err:
        raise_read_error(&v.r)
    v.ins.idx = lane
    if lane >= nlanes:
        fv_fail(v, "invalid lane index")
    return 0


cdef inline uint32_t fv_index(FuncValidator v) except? 0xFFFFFFFF:
    cdef uint32_t x = rd_u32(&v.r)
    if v.r.err:
        raise_read_error(&v.r)
    return x


cdef int fv_blocktype(FuncValidator v) except -1:
    """Read a block type into ins.block_type/nparams/nresults (+ the frame's type pointers)."""
    cdef Reader* r = &v.r
    cdef uint8_t b = rd_peek(r)
    cdef int64_t x
    if r.p >= r.end:
        rd_fail(r, RD_EOF, r.p)
        raise_read_error(r)
    if b == 0x40:
        r.p += 1
        v.ins.block_type = BLOCKTYPE_EMPTY
        v.ins.nparams = 0
        v.ins.nresults = 0
        return 0
    if b == VT_I32 or b == VT_I64 or b == VT_F32 or b == VT_F64 or b == VT_V128 \
            or b == VT_FUNCREF or b == VT_EXTERNREF:
        r.p += 1
        v.ins.block_type = <int64_t>b - 0x80
        v.ins.nparams = 0
        v.ins.nresults = 1
        return 0
    x = rd_s33(r)
    if r.err:
        raise_read_error(r)
    if x < 0:
        check_valtype(r, b, r.p - 1)
    if x >= v.ntypes:
        fv_fail(v, "unknown type")
    v.ins.block_type = x
    v.ins.nparams = v.type_np[x]
    v.ins.nresults = v.type_nr[x]
    return 0


cdef inline const uint8_t* bt_params(FuncValidator v, int64_t bt) noexcept:
    if bt >= 0:
        return v.type_buf + v.type_off[bt]
    return NULL


cdef inline const uint8_t* bt_results(FuncValidator v, int64_t bt) noexcept:
    if bt >= 0:
        return v.type_buf + v.type_off[bt] + v.type_np[bt]
    if bt == BLOCKTYPE_EMPTY:
        return NULL
    return &VT_SELF[<uint8_t>(bt + 0x80)]


cdef inline int fv_check_table(FuncValidator v, uint32_t x) except -1:
    if x >= v.ntables:
        fv_fail(v, "unknown table %d" % x)
    return 0


cdef inline int fv_pop_sig(FuncValidator v, uint32_t sig) except -1:
    """Apply an immediate-free signature (see SIG_PLAIN)."""
    cdef uint8_t a = sig & 0xFF, b = (sig >> 8) & 0xFF, c = (sig >> 16) & 0xFF
    cdef uint8_t out = sig >> 24
    cdef CtrlFrame* f
    if c:
        fv_pop_expect(v, c)
    if b:
        # fast path: both operands present and of the right type
        f = &v.ctrls[v.nctrls - 1]
        if v.nvals >= f.height + 2 and v.vals[v.nvals - 1] == b and v.vals[v.nvals - 2] == a:
            v.nvals -= 2
        else:
            fv_pop_expect(v, b)
            fv_pop_expect(v, a)
    elif a:
        fv_pop_expect(v, a)
    if out:
        fv_push(v, out)
    return 0


cdef dict instr_dict(FuncValidator v):
    """``v.ins`` (the fields that apply to its op) and the stack state, as a dict."""
    cdef Instr* ins = &v.ins
    cdef dict d = {
        "op": ins.op, "offset": ins.offset, "height": v.nvals,
        "unreachable": bool(v.ctrls[v.nctrls - 1].unreachable) if v.nctrls else False,
    }
    cdef uint32_t op = ins.op
    if op in (0x0C, 0x0D, 0x10, 0x11, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0xD2) \
            or 0xFC08 <= op <= 0xFC11 or 0xFD15 <= op <= 0xFD22 or 0xFD54 <= op <= 0xFD5B:
        d["idx"] = ins.idx
    if op in (0x11, 0xFC0C, 0xFC0E):
        d["idx2"] = ins.idx2
    if 0x28 <= op <= 0x3E or 0xFD00 <= op <= 0xFD0B or 0xFD54 <= op <= 0xFD5D:
        d["align"] = ins.align
        d["mem_offset"] = ins.mem_offset
    if 0x41 <= op <= 0x44:
        d["bits"] = ins.bits
    if op == 0xFD0C or op == 0xFD0D:
        d["v128"] = (<char*>ins.v128)[:16]
    if op in (0x1A, 0x1B, 0x1C, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0xD0, 0xD1) \
            or 0x28 <= op <= 0x3E:
        d["val_type"] = ins.val_type
    if op in (0x02, 0x03, 0x04, 0x10, 0x11):
        d["nparams"] = ins.nparams
        d["nresults"] = ins.nresults
    if op in (0x02, 0x03, 0x04, 0x0B):
        d["block_type"] = ins.block_type
    if op == 0x0E:
        d["targets"] = [ins.targets[i] for i in range(ins.ntargets)]
        d["idx"] = ins.idx
    if op == 0x05 or op == 0x0B:
        d["frame_kind"] = ins.frame_kind
        d["frame_unreachable"] = bool(ins.frame_unreachable)
        d["frame_height"] = ins.frame_height
        d["frame_nparams"] = ins.frame_nparams
        d["frame_nresults"] = ins.frame_nresults
    return d


cdef int validate_body(FuncValidator v, uint32_t func_index, CodeInfo code, Lowerer lw,
                       list trace=None) except -1:
    """Validate (and hand to ``lw``, if not None) one function body; with ``trace``, also
    append one ``instr_dict`` per instruction to it (for tests and tools)."""
    cdef Reader* r = &v.r
    cdef ModuleInfo m = v.module
    cdef uint32_t tidx = v.func_type[func_index]
    cdef uint32_t np = v.type_np[tidx], nr = v.type_nr[tidx]
    cdef const uint8_t* ftypes = v.type_buf + v.type_off[tidx]
    cdef uint64_t total = np + code.num_locals
    cdef uint32_t i, k, n, x, y, sub, cnt, arity
    cdef uint32_t sig, op
    cdef uint8_t t, t1, t2
    cdef const uint8_t* lt
    cdef const uint8_t* lt2
    cdef CtrlFrame* f
    cdef Instr* ins = &v.ins

    v.func_index = func_index
    ins.offset = code.offset
    if total > MAX_FUNC_LOCALS:
        fv_fail(v, "too many locals")
    if total > v.cap_locals:
        v.locals = <uint8_t*>_grow(v.locals, &v.cap_locals, 1, <uint32_t>total)
    for i in range(np):
        v.locals[i] = ftypes[i]
    n = np
    for run in code.locals:
        cnt = run[0]
        t = run[1]
        for i in range(cnt):
            v.locals[n] = t
            n += 1
    v.nlocals = n
    v.nvals = 0
    v.nctrls = 0
    ins.offset = code.body_start
    fv_push_ctrl(v, FRAME_FUNC, tidx, 0, nr, NULL, ftypes + np)
    r.base = <const uint8_t*><const char*>m.data
    r.limit = r.base + len(m.data)
    r.p = r.base + code.body_start
    r.end = r.base + code.body_end
    r.err = RD_OK
    r.err_at = NULL
    r.scoped = 1
    if lw is not None:
        lw.begin(v, func_index)

    while v.nctrls:
        if r.p >= r.end:
            # no ``end`` before the body's declared size: report what the spec's decoder
            # finds when it reads on past it
            scan_body(r, code.body_start, code.body_end, m.data_count)
            fv_malformed(v, "unexpected end of section or function")
        ins.offset = <uint32_t>(r.p - r.base)
        op = r.p[0]
        r.p += 1
        ins.op = op
        ins.val_type = VT_BOTTOM
        sig = SIG_PLAIN[op]
        if sig:
            if 0xC0 <= op <= 0xC4 and not (v.features & FEAT_SIGN_EXT):
                unsupported("sign-extension operators", r, r.p - 1)
            fv_pop_sig(v, sig)
        # -- control (spec 3.3.8) --
        elif op == 0x00:                       # unreachable  [t1*] -> [t2*]
            fv_unreachable(v)
        elif op == 0x01:                       # nop
            pass
        elif op == 0x02 or op == 0x03:         # block/loop bt  [t1*] -> [t2*]
            fv_blocktype(v)
            lt = bt_params(v, ins.block_type)
            fv_pop_vals(v, lt, ins.nparams)
            fv_push_ctrl(v, FRAME_BLOCK if op == 0x02 else FRAME_LOOP, ins.block_type,
                         ins.nparams, ins.nresults, lt, bt_results(v, ins.block_type))
        elif op == 0x04:                       # if bt  [t1* i32] -> [t2*]
            fv_blocktype(v)
            fv_pop_expect(v, VT_I32)
            lt = bt_params(v, ins.block_type)
            fv_pop_vals(v, lt, ins.nparams)
            fv_push_ctrl(v, FRAME_IF, ins.block_type, ins.nparams, ins.nresults, lt,
                         bt_results(v, ins.block_type))
        elif op == 0x05:                       # else
            f = &v.ctrls[v.nctrls - 1]
            if f.kind != FRAME_IF:
                fv_malformed(v, "END opcode expected")
            fv_pop_ctrl(v)
            f = &v.ctrls[v.nctrls - 1]
            f.kind = FRAME_ELSE
            f.unreachable = 0
            v.nvals = f.height
            fv_push_vals(v, f.params, f.nparams)
        elif op == 0x0B:                       # end
            fv_pop_ctrl(v)
            f = &v.ctrls[v.nctrls - 1]
            if f.kind == FRAME_IF:
                # an if without else must have equal params and results
                if f.nparams != f.nresults:
                    fv_fail(v, "type mismatch")
                for i in range(f.nparams):
                    if f.params[i] != f.results[i]:
                        fv_fail(v, "type mismatch")
            v.nctrls -= 1
            ins.nresults = f.nresults
            ins.block_type = f.block_type
            fv_push_vals(v, f.results, f.nresults)
        elif op == 0x0C:                       # br l  [t1* t*] -> [t2*]
            ins.idx = fv_index(v)
            n = fv_label(v, ins.idx, &lt)
            fv_pop_vals(v, lt, n)
            fv_unreachable(v)
        elif op == 0x0D:                       # br_if l  [t* i32] -> [t*]
            ins.idx = fv_index(v)
            fv_pop_expect(v, VT_I32)
            n = fv_label(v, ins.idx, &lt)
            fv_pop_vals(v, lt, n)
            fv_push_vals(v, lt, n)
        elif op == 0x0E:                       # br_table l* l  [t1* t* i32] -> [t2*]
            cnt = fv_index(v)
            n = 0
            while n < cnt:
                x = rd_u32(r)
                if r.err:
                    raise_read_error(r)
                if n == v.cap_targets:
                    v.targets = <uint32_t*>_grow(v.targets, &v.cap_targets, sizeof(uint32_t), n + 1)
                v.targets[n] = x
                n += 1
            ins.idx = fv_index(v)
            ins.targets = v.targets
            ins.ntargets = cnt
            fv_pop_expect(v, VT_I32)
            arity = fv_label(v, ins.idx, &lt)
            for i in range(cnt):
                n = fv_label(v, v.targets[i], &lt2)
                if n != arity:
                    fv_fail(v, "type mismatch")
                # pop-check then restore, as the spec's algorithm does per label
                k = v.nvals
                fv_pop_vals(v, lt2, n)
                v.nvals = k
            fv_pop_vals(v, lt, arity)
            fv_unreachable(v)
        elif op == 0x0F:                       # return
            f = &v.ctrls[0]
            fv_pop_vals(v, f.results, f.nresults)
            fv_unreachable(v)
        elif op == 0x10:                       # call f
            x = fv_index(v)
            ins.idx = x
            if x >= v.nfuncs:
                fv_fail(v, "unknown function %d" % x)
            y = v.func_type[x]
            lt = v.type_buf + v.type_off[y]
            ins.nparams = v.type_np[y]
            ins.nresults = v.type_nr[y]
            fv_pop_vals(v, lt, ins.nparams)
            fv_push_vals(v, lt + ins.nparams, ins.nresults)
        elif op == 0x11:                       # call_indirect y x  [t1* i32] -> [t2*]
            y = fv_index(v)
            x = fv_index(v)
            ins.idx = y
            ins.idx2 = x
            fv_check_table(v, x)
            if v.table_type[x] != VT_FUNCREF:
                fv_fail(v, "type mismatch")
            if y >= v.ntypes:
                fv_fail(v, "unknown type")
            fv_pop_expect(v, VT_I32)
            lt = v.type_buf + v.type_off[y]
            ins.nparams = v.type_np[y]
            ins.nresults = v.type_nr[y]
            fv_pop_vals(v, lt, ins.nparams)
            fv_push_vals(v, lt + ins.nparams, ins.nresults)
        elif op == 0x12 or op == 0x13:
            unsupported("tail calls", r, r.p - 1)
        elif op == 0x14 or op == 0x15 or 0xD3 <= op <= 0xD6:
            unsupported("typed function references", r, r.p - 1)
        elif 0x06 <= op <= 0x0A or op == 0x18 or op == 0x19 or op == 0x1F:
            unsupported("exception handling", r, r.p - 1)
        # -- parametric (3.3.4) --
        elif op == 0x1A:                       # drop  [t] -> []
            ins.val_type = fv_pop(v)
        elif op == 0x1B:                       # select  [t t i32] -> [t], t numeric or vector
            fv_pop_expect(v, VT_I32)
            t1 = fv_pop(v)
            t2 = fv_pop(v)
            if (t1 != VT_BOTTOM and is_ref(t1)) or (t2 != VT_BOTTOM and is_ref(t2)):
                fv_fail(v, "type mismatch")
            if t1 != t2 and t1 != VT_BOTTOM and t2 != VT_BOTTOM:
                fv_fail(v, "type mismatch")
            t = t2 if t1 == VT_BOTTOM else t1
            ins.val_type = t
            fv_push(v, t)
        elif op == 0x1C:                       # select t*  [t t i32] -> [t]
            cnt = fv_index(v)
            if cnt != 1:
                fv_fail(v, "invalid result arity")
            t = read_valtype(r)
            ins.val_type = t
            fv_pop_expect(v, VT_I32)
            fv_pop_expect(v, t)
            fv_pop_expect(v, t)
            fv_push(v, t)
        # -- variables (3.3.6) --
        elif op == 0x20 or op == 0x21 or op == 0x22:   # local.get/set/tee x
            x = fv_index(v)
            ins.idx = x
            if x >= v.nlocals:
                fv_fail(v, "unknown local %d" % x)
            t = v.locals[x]
            ins.val_type = t
            if op == 0x20:
                fv_push(v, t)
            else:
                fv_pop_expect(v, t)
                if op == 0x22:
                    fv_push(v, t)
        elif op == 0x23 or op == 0x24:         # global.get/set x
            x = fv_index(v)
            ins.idx = x
            if x >= v.nglobals:
                fv_fail(v, "unknown global %d" % x)
            t = v.global_type[x]
            ins.val_type = t
            if op == 0x23:
                fv_push(v, t)
            else:
                if not v.global_mut[x]:
                    fv_fail(v, "global is immutable")
                fv_pop_expect(v, t)
        # -- tables (3.3.5) --
        elif op == 0x25:                       # table.get x  [i32] -> [t]
            x = fv_index(v)
            ins.idx = x
            fv_check_table(v, x)
            t = v.table_type[x]
            ins.val_type = t
            fv_pop_expect(v, VT_I32)
            fv_push(v, t)
        elif op == 0x26:                       # table.set x  [i32 t] -> []
            x = fv_index(v)
            ins.idx = x
            fv_check_table(v, x)
            t = v.table_type[x]
            ins.val_type = t
            fv_pop_expect(v, t)
            fv_pop_expect(v, VT_I32)
        # -- memory (3.3.7) --
        elif 0x28 <= op <= 0x35:               # t.load memarg  [i32] -> [t]
            fv_memarg(v, ALIGN_PLAIN[op])
            t = VT_I32 if (op == 0x28 or 0x2C <= op <= 0x2F) else (
                VT_F32 if op == 0x2A else (VT_F64 if op == 0x2B else VT_I64))
            ins.val_type = t
            fv_pop_expect(v, VT_I32)
            fv_push(v, t)
        elif 0x36 <= op <= 0x3E:               # t.store memarg  [i32 t] -> []
            fv_memarg(v, ALIGN_PLAIN[op])
            t = VT_I32 if (op == 0x36 or op == 0x3A or op == 0x3B) else (
                VT_F32 if op == 0x38 else (VT_F64 if op == 0x39 else VT_I64))
            ins.val_type = t
            fv_pop_expect(v, t)
            fv_pop_expect(v, VT_I32)
        elif op == 0x3F:                       # memory.size  [] -> [i32]
            fv_zero_byte(v)
            if v.nmems == 0:
                fv_fail(v, "unknown memory 0")
            fv_push(v, VT_I32)
        elif op == 0x40:                       # memory.grow  [i32] -> [i32]
            fv_zero_byte(v)
            if v.nmems == 0:
                fv_fail(v, "unknown memory 0")
            fv_pop_expect(v, VT_I32)
            fv_push(v, VT_I32)
        # -- numeric constants --
        elif op == 0x41:
            ins.bits = <uint64_t>(<int64_t>rd_s32(r))
            if r.err:
                raise_read_error(r)
            fv_push(v, VT_I32)
        elif op == 0x42:
            ins.bits = <uint64_t>rd_s64(r)
            if r.err:
                raise_read_error(r)
            fv_push(v, VT_I64)
        elif op == 0x43:
            ins.bits = rd_f32_bits(r)
            if r.err:
                raise_read_error(r)
            fv_push(v, VT_F32)
        elif op == 0x44:
            ins.bits = rd_f64_bits(r)
            if r.err:
                raise_read_error(r)
            fv_push(v, VT_F64)
        # -- references (3.3.3) --
        elif op == 0xD0:                       # ref.null t  [] -> [t]
            t = read_reftype(r)
            ins.val_type = t
            fv_push(v, t)
        elif op == 0xD1:                       # ref.is_null  [t] -> [i32]
            t = fv_pop(v)
            if t != VT_BOTTOM and not is_ref(t):
                fv_fail(v, "type mismatch")
            ins.val_type = t
            fv_push(v, VT_I32)
        elif op == 0xD2:                       # ref.func x  [] -> [funcref]
            x = fv_index(v)
            ins.idx = x
            if x >= v.nfuncs:
                fv_fail(v, "unknown function %d" % x)
            if not v.func_declared[x]:
                fv_fail(v, "undeclared function reference")
            fv_push(v, VT_FUNCREF)
        elif op == 0xFC:
            validate_fc(v)
        elif op == 0xFD:
            validate_fd(v)
        elif op == 0xFB:
            unsupported("gc instructions", r, r.p - 1)
        elif op == 0xFE:
            unsupported("threads (atomic instructions)", r, r.p - 1)
        else:
            fv_malformed(v, "illegal opcode")
        if lw is not None:
            lw.instr(v, ins)
        if trace is not None:
            trace.append(instr_dict(v))

    if r.p != r.end:
        ins.offset = <uint32_t>(r.p - r.base)
        fv_malformed(v, "section size mismatch")
    if lw is not None:
        m.func_codes.append(lw.finish(v))
    return 0


cdef int validate_fc(FuncValidator v) except -1:
    """The 0xFC prefix: saturating truncations, bulk memory, table ops."""
    cdef Reader* r = &v.r
    cdef Instr* ins = &v.ins
    cdef uint32_t sub = fv_index(v)
    cdef uint32_t x, y
    cdef uint8_t t
    ins.op = 0xFC00 | (sub & 0xFF) if sub < 256 else 0xFCFF
    if sub < 8:
        if not (v.features & FEAT_SAT_FLOAT_TO_INT):
            unsupported("saturating float-to-int conversions", r, r.base + ins.offset)
        fv_pop_sig(v, SIG_FC[sub])
        return 0
    if sub > 17:
        fv_malformed(v, "illegal opcode")
    if not (v.features & FEAT_BULK_MEMORY):
        unsupported("bulk memory", r, r.base + ins.offset)
    if sub == 8:                               # memory.init x 0  [i32 i32 i32] -> []
        x = fv_index(v)
        ins.idx = x
        fv_zero_byte(v)
        if v.ndatas < 0:
            fv_malformed(v, "data count section required")
        if v.nmems == 0:
            fv_fail(v, "unknown memory 0")
        if x >= v.ndatas:
            fv_fail(v, "unknown data segment %d" % x)
        fv_pop_sig(v, _SIG_III)
    elif sub == 9:                             # data.drop x
        x = fv_index(v)
        ins.idx = x
        if v.ndatas < 0:
            fv_malformed(v, "data count section required")
        if x >= v.ndatas:
            fv_fail(v, "unknown data segment %d" % x)
    elif sub == 10:                            # memory.copy 0 0  [i32 i32 i32] -> []
        fv_zero_byte(v)
        fv_zero_byte(v)
        if v.nmems == 0:
            fv_fail(v, "unknown memory 0")
        fv_pop_sig(v, _SIG_III)
    elif sub == 11:                            # memory.fill 0  [i32 i32 i32] -> []
        fv_zero_byte(v)
        if v.nmems == 0:
            fv_fail(v, "unknown memory 0")
        fv_pop_sig(v, _SIG_III)
    elif sub == 12:                            # table.init y x  [i32 i32 i32] -> []
        y = fv_index(v)
        x = fv_index(v)
        ins.idx = y
        ins.idx2 = x
        fv_check_table(v, x)
        if y >= v.nelems:
            fv_fail(v, "unknown elem segment %d" % y)
        if v.elem_type[y] != v.table_type[x]:
            fv_fail(v, "type mismatch")
        ins.val_type = v.table_type[x]
        fv_pop_sig(v, _SIG_III)
    elif sub == 13:                            # elem.drop x
        x = fv_index(v)
        ins.idx = x
        if x >= v.nelems:
            fv_fail(v, "unknown elem segment %d" % x)
    elif sub == 14:                            # table.copy x y  [i32 i32 i32] -> []
        x = fv_index(v)
        y = fv_index(v)
        ins.idx = x
        ins.idx2 = y
        fv_check_table(v, x)
        fv_check_table(v, y)
        if v.table_type[x] != v.table_type[y]:
            fv_fail(v, "type mismatch")
        ins.val_type = v.table_type[x]
        fv_pop_sig(v, _SIG_III)
    else:                                      # table.grow/size/fill x
        x = fv_index(v)
        ins.idx = x
        fv_check_table(v, x)
        t = v.table_type[x]
        ins.val_type = t
        if sub == 15:                          # [t i32] -> [i32]
            fv_pop_expect(v, VT_I32)
            fv_pop_expect(v, t)
            fv_push(v, VT_I32)
        elif sub == 16:                        # [] -> [i32]
            fv_push(v, VT_I32)
        else:                                  # table.fill [i32 t i32] -> []
            fv_pop_expect(v, VT_I32)
            fv_pop_expect(v, t)
            fv_pop_expect(v, VT_I32)
    return 0


cdef uint32_t _SIG_III = VT_I32 | (VT_I32 << 8) | (VT_I32 << 16)


cdef int validate_fd(FuncValidator v) except -1:
    """The 0xFD prefix: SIMD (validation of every Wasm 2.0 vector instruction)."""
    cdef Reader* r = &v.r
    cdef Instr* ins = &v.ins
    cdef uint32_t sub = fv_index(v)
    cdef uint32_t sig
    cdef const uint8_t* q
    cdef int i
    ins.op = 0xFD00 | sub if sub < 0x200 else 0xFDFF
    ins.idx2 = sub                             # the full sub-opcode (relaxed ones exceed 0xFF)
    if not (v.features & FEAT_SIMD):
        unsupported("simd", r, r.base + ins.offset)
    if sub > 0xFF:
        if sub > 0x113:
            fv_malformed(v, "illegal opcode")
        if not (v.features & FEAT_RELAXED_SIMD):
            unsupported("relaxed simd", r, r.base + ins.offset)
        fv_pop_sig(v, SIG_FD_RELAXED[sub - 0x100])
        return 0
    sig = SIG_FD[sub]
    if sig:
        fv_pop_sig(v, sig)
        return 0
    if sub <= 0x0A or sub == 0x5C or sub == 0x5D:   # v128.load*  [i32] -> [v128]
        fv_memarg(v, ALIGN_FD[sub])
        fv_pop_expect(v, VT_I32)
        fv_push(v, VT_V128)
    elif sub == 0x0B:                          # v128.store  [i32 v128] -> []
        fv_memarg(v, ALIGN_FD[sub])
        fv_pop_expect(v, VT_V128)
        fv_pop_expect(v, VT_I32)
    elif sub == 0x0C:                          # v128.const
        q = rd_bytes(r, 16)
        if r.err:
            raise_read_error(r)
        memcpy(ins.v128, q, 16)
        fv_push(v, VT_V128)
    elif sub == 0x0D:                          # i8x16.shuffle lanes  [v128 v128] -> [v128]
        q = rd_bytes(r, 16)
        if r.err:
            raise_read_error(r)
        memcpy(ins.v128, q, 16)
        for i in range(16):
            if q[i] >= 32:
                fv_fail(v, "invalid lane index")
        fv_pop_sig(v, _SIG_VVV)
    elif 0x15 <= sub <= 0x22:                  # extract_lane / replace_lane
        fv_lane_op(v, sub)
    elif 0x54 <= sub <= 0x5B:                  # v128.loadN_lane / storeN_lane
        fv_memarg(v, ALIGN_FD[sub])
        fv_lane(v, 16 >> ALIGN_FD[sub])
        if sub <= 0x57:                        # [i32 v128] -> [v128]
            fv_pop_expect(v, VT_V128)
            fv_pop_expect(v, VT_I32)
            fv_push(v, VT_V128)
        else:                                  # [i32 v128] -> []
            fv_pop_expect(v, VT_V128)
            fv_pop_expect(v, VT_I32)
    else:
        fv_malformed(v, "illegal opcode")
    return 0


cdef uint32_t _SIG_VVV = VT_V128 | (VT_V128 << 8) | (<uint32_t>VT_V128 << 24)


cdef int fv_lane_op(FuncValidator v, uint32_t sub) except -1:
    # 0x15..0x22: i8x16 (extract_s, extract_u, replace), i16x8 (same), i32x4, i64x2,
    # f32x4, f64x2 (extract, replace)
    cdef uint32_t nlanes
    cdef uint8_t t
    cdef bint replace
    if sub <= 0x17:
        nlanes = 16
        t = VT_I32
        replace = sub == 0x17
    elif sub <= 0x1A:
        nlanes = 8
        t = VT_I32
        replace = sub == 0x1A
    elif sub <= 0x1C:
        nlanes = 4
        t = VT_I32
        replace = sub == 0x1C
    elif sub <= 0x1E:
        nlanes = 2
        t = VT_I64
        replace = sub == 0x1E
    elif sub <= 0x20:
        nlanes = 4
        t = VT_F32
        replace = sub == 0x20
    else:
        nlanes = 2
        t = VT_F64
        replace = sub == 0x22
    fv_lane(v, nlanes)
    v.ins.val_type = t
    if replace:                                # [v128 t] -> [v128]
        fv_pop_expect(v, t)
        fv_pop_expect(v, VT_V128)
        fv_push(v, VT_V128)
    else:                                      # [v128] -> [t]
        fv_pop_expect(v, VT_V128)
        fv_push(v, t)
    return 0


# -- module rules (spec 3.4) -----------------------------------------------------------------

cdef int check_limits(int64_t mn, int64_t mx, int64_t bound, str too_big,
                      int64_t offset) except -1:
    if mn > bound or mx > bound:
        raise ValidationError(too_big, offset)
    if mx >= 0 and mn > mx:
        raise ValidationError("size minimum must not be greater than maximum", offset)
    return 0


cdef int64_t func_decl_offset(ModuleInfo m, uint32_t func_index):
    """Byte offset of the type index of function ``func_index``: its import entry, or its
    entry in the function section (found by reading the section again: error paths only)."""
    cdef ImportInfo im
    cdef Reader r
    cdef uint32_t k = 0, i, n
    if func_index < m.num_imported_funcs:
        for im in m.imports:
            if im.kind == EXTERN_FUNC:
                if k == func_index:
                    return im.offset
                k += 1
        return -1
    if m.function_section_offset < 0:
        return -1
    rd_init(&r, <const uint8_t*><const char*>m.data, len(m.data))
    r.p = r.base + m.function_section_offset
    n = rd_u32(&r)
    if r.err or func_index - m.num_imported_funcs >= n:
        return -1
    for i in range(func_index - m.num_imported_funcs):
        rd_u32(&r)
    if r.err:
        return -1
    return <int64_t>(r.p - r.base)


cdef int check_const(ModuleInfo m, ConstExpr e, int expected, uint32_t nglobals) except -1:
    """A constant expression of type ``expected``; global.get may name globals < nglobals."""
    cdef list stack = []
    cdef uint32_t x
    cdef GlobalInfo g
    for op, imm in e.ops:
        if op == 0x41:
            stack.append(VT_I32)
        elif op == 0x42:
            stack.append(VT_I64)
        elif op == 0x43:
            stack.append(VT_F32)
        elif op == 0x44:
            stack.append(VT_F64)
        elif op == 0xFD0C:
            stack.append(VT_V128)
        elif op == 0xD0:
            stack.append(imm)
        elif op == 0xD2:
            if imm >= len(m.func_types):
                raise ValidationError("unknown function %d" % imm, e.offset)
            stack.append(VT_FUNCREF)
        elif op == 0x23:
            if imm >= nglobals:
                raise ValidationError("unknown global %d" % imm, e.offset)
            g = m.globals[imm]
            if g.type.mutable:
                raise ValidationError("constant expression required", e.offset)
            stack.append(g.type.val_type)
        else:
            raise ValidationError("constant expression required", e.offset)
    if len(stack) != 1 or stack[0] != expected:
        raise ValidationError("type mismatch: constant expression of type [%s], expected %s"
                              % (" ".join(_vt(t) for t in stack), _vt(expected)), e.offset)
    return 0


cdef set declared_funcs(ModuleInfo m):
    """C.refs: the functions named outside function bodies (elems, exports, globals)."""
    cdef set refs = set()
    cdef ElemInfo el
    cdef ConstExpr e
    cdef GlobalInfo g
    cdef ExportInfo ex
    for el in m.elems:
        for e in el.items:
            for op, imm in e.ops:
                if op == 0xD2:
                    refs.add(imm)
    for ex in m.exports:
        if ex.kind == EXTERN_FUNC:
            refs.add(ex.index)
    for g in m.globals:
        if g.init is not None:
            for op, imm in g.init.ops:
                if op == 0xD2:
                    refs.add(imm)
    return refs


cdef int validate_module_rules(ModuleInfo m) except -1:
    cdef uint32_t ntypes = len(m.types)
    cdef uint32_t nfuncs = len(m.func_types)
    cdef uint32_t features = m.features
    cdef ImportInfo im
    cdef TableTypeInfo tt
    cdef MemoryTypeInfo mt
    cdef GlobalInfo g
    cdef ExportInfo ex
    cdef ElemInfo el
    cdef DataInfo d
    cdef FuncTypeInfo ft
    cdef ConstExpr e
    cdef uint32_t i
    for ft in m.types:
        if len(ft.results) > 1 and not (features & FEAT_MULTI_VALUE):
            raise ValidationError("invalid result arity", ft.offset)
    for i in range(nfuncs):
        x = m.func_types[i]
        if x >= ntypes:
            raise ValidationError("unknown type %d" % x, func_decl_offset(m, i))
    for tt in m.tables:
        check_limits(tt.min, tt.max, 0xFFFFFFFF, "table size must be at most 2^32-1", tt.offset)
    for mt in m.memories:
        check_limits(mt.min, mt.max, MAX_PAGES, "memory size must be at most 65536 pages (4GiB)",
                     mt.offset)
    if len(m.memories) > 1:
        raise ValidationError("multiple memories", (<MemoryTypeInfo>m.memories[1]).offset)
    if len(m.tables) > 1 and not (features & FEAT_REFERENCE_TYPES):
        raise ValidationError("multiple tables", (<TableTypeInfo>m.tables[1]).offset)
    if not (features & FEAT_MUTABLE_GLOBALS):
        for im in m.imports:
            if im.kind == EXTERN_GLOBAL and (<GlobalTypeInfo>im.desc).mutable:
                raise ValidationError("mutable global import (mutable-globals disabled)",
                                      im.offset)
    for g in m.globals:
        if g.init is not None:
            check_const(m, g.init, g.type.val_type, m.num_imported_globals)
    for el in m.elems:
        for e in el.items:
            check_const(m, e, el.elem_type, m.num_imported_globals)
        if el.mode == SEG_ACTIVE:
            if el.table >= len(m.tables):
                raise ValidationError("unknown table %d" % el.table, el.entry_offset)
            check_const(m, el.offset, VT_I32, m.num_imported_globals)
            tt = m.tables[el.table]
            if tt.elem_type != el.elem_type:
                raise ValidationError("type mismatch: %s element segment for a table of %s"
                                      % (_vt(el.elem_type), _vt(tt.elem_type)), el.offset.offset)
    for d in m.datas:
        if d.mode == SEG_ACTIVE:
            if d.memory >= len(m.memories):
                raise ValidationError("unknown memory %d" % d.memory, d.entry_offset)
            check_const(m, d.offset, VT_I32, m.num_imported_globals)
    if m.start >= 0:
        if m.start >= nfuncs:
            raise ValidationError("unknown function %d" % m.start, m.start_offset)
        ft = m.types[m.func_types[m.start]]
        if ft.params or ft.results:
            raise ValidationError("start function must have type [] -> []", m.start_offset)
    names = set()
    for ex in m.exports:
        if ex.name in names:
            raise ValidationError("duplicate export name %r" % ex.name, ex.offset)
        names.add(ex.name)
        if ex.kind == EXTERN_FUNC and ex.index >= nfuncs:
            raise ValidationError("unknown function %d" % ex.index, ex.offset)
        if ex.kind == EXTERN_TABLE and ex.index >= len(m.tables):
            raise ValidationError("unknown table %d" % ex.index, ex.offset)
        if ex.kind == EXTERN_MEMORY and ex.index >= len(m.memories):
            raise ValidationError("unknown memory %d" % ex.index, ex.offset)
        if ex.kind == EXTERN_GLOBAL:
            if ex.index >= len(m.globals):
                raise ValidationError("unknown global %d" % ex.index, ex.offset)
            g = m.globals[ex.index]
            if not (features & FEAT_MUTABLE_GLOBALS) and g.type.mutable:
                raise ValidationError("mutable global export (mutable-globals disabled)",
                                      ex.offset)
    return 0


cdef int validate_all(ModuleInfo m, bint lower, list traces=None) except -1:
    """Module rules, then every body in order (lowering each when ``lower``); with
    ``traces``, one list of instruction dicts per body is appended to it."""
    try:
        validate_body_all(m, lower, traces)
    except ValidationError:
        # the spec decodes everything first: a malformed body wins over an invalid module
        scan_bodies(m)
        raise
    return 0


cdef int validate_body_all(ModuleInfo m, bint lower, list traces) except -1:
    validate_module_rules(m)
    cdef FuncValidator v = FuncValidator()
    fv_setup(v, m, declared_funcs(m))
    cdef uint32_t i
    cdef uint32_t base = m.num_imported_funcs
    cdef CodeInfo code
    cdef Lowerer lw = Lowerer() if lower else None   # one per module: buffers reused per body
    for i in range(len(m.codes)):
        code = m.codes[i]
        trace = None
        if traces is not None:
            trace = []
            traces.append(trace)
        validate_body(v, base + i, code, lw, trace)
    return 0
