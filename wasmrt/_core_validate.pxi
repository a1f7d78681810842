# The validator (spec 3, and the algorithm of its appendix "Validation Algorithm").
#
# Module rules are checked by ``validate_module_rules`` (Python objects, once per module).
# Bodies are checked by ``validate_body``: one pass over the instruction bytes with C
# arrays for the operand-type stack and the control stack (grown on demand, never by
# recursion), decoding each instruction's immediates into ``v.ins`` (an ``Instr``) and
# handing it to the lowerer once its stack effect has been applied.

# -- the instruction table ------------------------------------------------------------------
# What the validator and the decoder's body scan need of every opcode, filled once at import
# from the wasm instruction table (tools/wasm_ops.py, generated into wasmrt/_wasm_ops.py).
# One OpInfo per plain opcode byte and per sub-opcode of each prefix.
cdef enum OpKind:
    OK_NONE = 0         # no instruction: malformed, "illegal opcode"
    OK_HAND = 1         # typed by hand in validate_body / fv_misc / fv_simd (its OP_* case)
    OK_TABLE = 2        # a fixed signature and immediates among memarg, lane, one memidx:
    #                     the table alone validates it (fv_table_op)
    OK_PREFIX = 3       # a prefix byte with rows (the sub-opcode follows)
    OK_RESERVED = 4     # an opcode of a proposal with no rows yet: UnsupportedFeatureError


ctypedef struct OpInfo:
    # fixed signature: in0 | in1 << 8 | in2 << 16 | out << 24 (value-type codes, 0 = none;
    # in0 is the deepest operand), 0 if the signature is not fixed (typed by hand); its
    # `addr` words are i32 in `sig` and i64 in `sig64` (the op on a 64-bit memory)
    uint32_t sig
    uint32_t sig64
    uint32_t imms       # the immediate kinds (IMM_*), the first in the low byte
    uint8_t kind        # OpKind
    uint8_t align       # natural alignment exponent of a memarg
    uint8_t lanes       # the lane count a lane immediate must stay below
    uint8_t gate        # the proposal whose feature bit it needs (index into _gate_bit), 0: none
    uint8_t vt          # Instr.val_type of a table-validated op with a memarg or lane: the
    #                     value type accessed (the result, else the non-address operand)


cdef OpInfo OPS_PLAIN[256]
cdef OpInfo OPS_GC[NSUB_GC]
cdef OpInfo OPS_MISC[NSUB_MISC]
cdef OpInfo OPS_SIMD[NSUB_SIMD]
cdef OpInfo OPS_ATOMIC[NSUB_ATOMIC]
cdef OpInfo NO_OP                               # all zero: OK_NONE
cdef OpInfo* _prefix_ops[4]                     # the tables of prefixes 0xFB .. 0xFE
cdef uint32_t _prefix_n[4]
cdef uint8_t _prefix_gate[4]                    # the gate of every instruction of a prefix
cdef uint32_t _gate_bit[64]                     # gate -> FEAT_* bit (0: never enabled)
cdef list _GATE_MSG = []                        # gate -> what UnsupportedFeatureError names

cdef dict _TYPE_CODES = {"i32": VT_I32, "i64": VT_I64, "f32": VT_F32, "f64": VT_F64,
                         "v128": VT_V128, "funcref": VT_FUNCREF, "externref": VT_EXTERNREF,
                         "addr": VT_I32}        # the address type of a 32-bit memory


cdef inline const OpInfo* op_info(uint32_t prefix, uint32_t sub) noexcept nogil:
    """The OpInfo of sub-opcode `sub` of a prefix byte (NO_OP past its table)."""
    cdef uint32_t p = prefix - PREFIX_GC
    if p < 4 and sub < _prefix_n[p]:
        return &_prefix_ops[p][sub]
    return &NO_OP


cdef uint32_t _pack_sig(str sig, int addr=VT_I32):
    """The OpInfo.sig of a signature with ``addr`` as its address type, 0 if it has type
    variables or does not fit."""
    ins, outs = [s.split() for s in sig.split("->")]
    if len(ins) > 3 or len(outs) > 1 or any(t not in _TYPE_CODES for t in ins + outs):
        return 0
    cdef uint32_t packed = 0
    for k, t in enumerate(ins):
        packed |= (<uint32_t><uint8_t>(addr if t == "addr" else _TYPE_CODES[t])) << (8 * k)
    if outs:
        packed |= (<uint32_t><uint8_t>(addr if outs[0] == "addr" else _TYPE_CODES[outs[0]])) << 24
    return packed


cdef _init_tables():
    from wasmrt._wasm_ops import IMMEDIATES, OPS, PREFIXES, PROPOSALS, RESERVED
    cdef int i
    cdef OpInfo* oi
    cdef uint32_t op, sub, imms
    memset(OPS_PLAIN, 0, sizeof(OPS_PLAIN))
    memset(&NO_OP, 0, sizeof(OpInfo))
    for i, (ops, n) in enumerate(((<size_t>OPS_GC, NSUB_GC), (<size_t>OPS_MISC, NSUB_MISC),
                                  (<size_t>OPS_SIMD, NSUB_SIMD),
                                  (<size_t>OPS_ATOMIC, NSUB_ATOMIC))):
        _prefix_ops[i] = <OpInfo*><size_t>ops
        _prefix_n[i] = n
        memset(_prefix_ops[i], 0, n * sizeof(OpInfo))
    gates = {}                                  # proposal -> gate index
    for name, (feature, message) in PROPOSALS.items():
        if feature is not None:
            gates[name] = len(_GATE_MSG) + 1
            _gate_bit[gates[name]] = FEATURES.get(feature, 0)
            _GATE_MSG.append(message)
    _GATE_MSG.insert(0, "")
    for byte, (_, gate) in PREFIXES.items():
        _prefix_gate[byte - PREFIX_GC] = gates.get(gate, 0) if gate else 0
    table_imms = {"memarg", "lane", "memidx"}
    for name, op, imm, align, lanes, sig, proposal, gate, lower, ir, text in OPS:
        oi = &OPS_PLAIN[op] if op < 0x100 else <OpInfo*>op_info(op >> 16, op & 0xFFFF)
        if op >= 0x100:
            OPS_PLAIN[op >> 16].kind = OK_PREFIX
        oi.sig = _pack_sig(sig)
        oi.sig64 = _pack_sig(sig, VT_I64)
        imms = 0
        for i, k in enumerate(imm.split()):
            imms |= <uint32_t>(IMMEDIATES.index(k) + 1) << (8 * i)
        oi.imms = imms
        fixed = oi.sig != 0 or sig.replace(" ", "") == "->"
        # (memory.copy names two memories, whose address types may differ: by hand)
        oi.kind = OK_TABLE if fixed and set(imm.split()) <= table_imms \
            and imm.split().count("memidx") <= 1 else OK_HAND
        oi.align = align.bit_length() - 1 if align else 0
        oi.lanes = lanes
        oi.gate = gates.get(gate, 0)
        if "memarg" in imm or "lane" in imm:     # the scalar accessed, if any
            out = (oi.sig >> 24) & 0xFF
            in1 = (oi.sig >> 8) & 0xFF
            oi.vt = out if out and out != VT_V128 else (in1 if in1 != VT_V128 else 0)
    for proposal, codes in RESERVED.items():
        for op in codes:
            oi = &OPS_PLAIN[op] if op < 0x100 else <OpInfo*>op_info(op >> 16, op & 0xFFFF)
            assert oi != &NO_OP, f"reserved opcode {op:#x} past its prefix's table"
            oi.kind = OK_RESERVED
            oi.gate = gates[proposal]


_init_tables()


# -- subtyping (spec 3.3.x "Matching") ---------------------------------------------------
# Heap types form three hierarchies (four with exceptions): func > (concrete function
# types) > nofunc; extern > noextern; any > eq > (i31, struct > concrete structs, array >
# concrete arrays) > none; exn > noexn.  HT_BOT is below all of them.  A concrete type
# matches another when their canonical ids are equal (iso-recursive equivalence) or the
# second is among the first's declared supertypes (``canon_is_sub``); its hierarchy comes
# from its kind (``canon_kind``; both from ``canon_chunks``).

cdef inline uint32_t ht_top_of_bottom(uint32_t code) noexcept nogil:
    """The top of the hierarchy whose bottom is `code` (0 if it is not a bottom)."""
    if code == HT_NOFUNC:
        return HT_FUNC
    if code == HT_NOEXTERN:
        return HT_EXTERN
    if code == HT_NONE:
        return HT_ANY
    if code == HT_NOEXN:
        return HT_EXN
    return 0


cdef inline int32_t ht_id(const int32_t* canon, vt_t ht) noexcept nogil:
    """The canonical id of concrete heap type `ht` (`canon` as for ht_sub)."""
    return canon[vt_index(ht)] if canon != NULL else <int32_t>vt_index(ht)


cdef inline uint32_t ht_top(const int32_t* canon, vt_t ht) noexcept nogil:
    """The top heap type of `ht`'s hierarchy (0 for HT_BOT)."""
    cdef uint32_t c = ht & 0xFF
    cdef uint32_t b
    if c == HT_CONCRETE:
        return HT_FUNC if canon_kind(ht_id(canon, ht)) == TK_FUNC else HT_ANY
    b = ht_top_of_bottom(c)
    if b:
        return b
    if c == HT_EQ or c == HT_I31 or c == HT_STRUCT or c == HT_ARRAY:
        return HT_ANY
    return c if c != HT_BOT else 0


cdef bint ht_sub(const int32_t* canon, vt_t a, vt_t b) noexcept nogil:
    """Heap type `a` matches `b` (both as nullable codes, VT_NONNULL clear).  `canon`: the
    canonical id of each module type index (NULL: the indices are canonical ids)."""
    cdef uint32_t ca = a & 0xFF, cb = b & 0xFF
    cdef uint8_t kind
    if a == b or ca == HT_BOT:
        return 1
    if ca == HT_CONCRETE:
        if cb == HT_CONCRETE:
            return canon_is_sub(ht_id(canon, a), ht_id(canon, b))
        kind = canon_kind(ht_id(canon, a))
        if kind == TK_FUNC:
            return cb == HT_FUNC
        if cb == HT_ANY or cb == HT_EQ:
            return 1
        return cb == (HT_STRUCT if kind == TK_STRUCT else HT_ARRAY)
    if ht_top_of_bottom(ca):                    # a bottom: below its whole hierarchy
        return ht_top(canon, b) == ht_top_of_bottom(ca)
    if cb == HT_ANY:
        return ca == HT_EQ or ca == HT_I31 or ca == HT_STRUCT or ca == HT_ARRAY
    if cb == HT_EQ:
        return ca == HT_I31 or ca == HT_STRUCT or ca == HT_ARRAY
    return 0


cdef bint vt_matches(const int32_t* canon, vt_t a, vt_t b) noexcept nogil:
    """Value type `a` matches `b` (VT_BOTTOM, the unknown operand, matches anything);
    `canon` as for ht_sub."""
    if a == b or a == VT_BOTTOM:
        return 1
    if not vt_is_ref(a) or not vt_is_ref(b):
        return 0
    if (b & VT_NONNULL) and not (a & VT_NONNULL):
        return 0
    return ht_sub(canon, a & ~VT_NONNULL, b & ~VT_NONNULL)


cdef inline bint vt_sub(FuncValidator v, vt_t a, vt_t b) noexcept:
    """`a` matches `b`, both types of the module being validated."""
    return vt_matches(v.type_canon, a, b)


def valtype_matches(vt_t a, vt_t b) -> bool:
    """Whether canonical value type `a` matches `b` (import and API checks)."""
    return vt_matches(NULL, a, b)


cdef inline bint is_num(vt_t t) noexcept nogil:
    return t == VT_I32 or t == VT_I64 or t == VT_F32 or t == VT_F64


cdef inline bint defaultable(vt_t t) noexcept nogil:
    """A type with a default value (locals start with it): all but non-null references."""
    return not (t & VT_NONNULL)


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
        PyMem_Free(self.type_canon)
        PyMem_Free(self.type_kind)
        PyMem_Free(self.single_types)
        PyMem_Free(self.func_type)
        PyMem_Free(self.func_declared)
        PyMem_Free(self.table_type)
        PyMem_Free(self.table_addr)
        PyMem_Free(self.mem_addr)
        PyMem_Free(self.global_type)
        PyMem_Free(self.global_mut)
        PyMem_Free(self.elem_type)
        PyMem_Free(self.tag_type)
        PyMem_Free(self.vals)
        PyMem_Free(self.ctrls)
        PyMem_Free(self.locals)
        PyMem_Free(self.targets)
        PyMem_Free(self.local_set)
        PyMem_Free(self.inits)


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
    v.type_buf = <vt_t*>_alloc(total * sizeof(vt_t))
    v.type_off = <uint32_t*>_alloc(v.ntypes * sizeof(uint32_t))
    v.type_np = <uint32_t*>_alloc(v.ntypes * sizeof(uint32_t))
    v.type_nr = <uint32_t*>_alloc(v.ntypes * sizeof(uint32_t))
    v.type_canon = <int32_t*>_alloc(v.ntypes * sizeof(int32_t))
    v.type_kind = <uint8_t*>_alloc(v.ntypes)
    v.single_types = <vt_t*>_alloc((512 + 2 * v.ntypes) * sizeof(vt_t))
    for i in range(256):
        v.single_types[i] = i
        v.single_types[256 + i] = i | VT_NONNULL
    total = 0
    for i in range(v.ntypes):
        ft = m.types[i]
        v.type_canon[i] = ft.type_id
        v.type_kind[i] = ft.kind
        v.single_types[512 + 2 * i] = vt_concrete(i, 1)
        v.single_types[512 + 2 * i + 1] = vt_concrete(i, 0)
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
    v.table_type = <vt_t*>_alloc(v.ntables * sizeof(vt_t))
    v.table_addr = <uint8_t*>_alloc(v.ntables)
    for i in range(v.ntables):
        v.table_type[i] = (<TableTypeInfo>m.tables[i]).elem_type
        v.table_addr[i] = VT_I64 if (<TableTypeInfo>m.tables[i]).is_64 else VT_I32
    v.nmems = len(m.memories)
    v.mem_addr = <uint8_t*>_alloc(v.nmems)
    for i in range(v.nmems):
        v.mem_addr[i] = VT_I64 if (<MemoryTypeInfo>m.memories[i]).is_64 else VT_I32
    v.mem0_m = v.nmems > 0 and ((<MemoryTypeInfo>m.memories[0]).is_64
                                or (<MemoryTypeInfo>m.memories[0]).shared)
    v.nglobals = len(m.globals)
    v.global_type = <vt_t*>_alloc(v.nglobals * sizeof(vt_t))
    v.global_mut = <uint8_t*>_alloc(v.nglobals)
    for i in range(v.nglobals):
        v.global_type[i] = (<GlobalInfo>m.globals[i]).type.val_type
        v.global_mut[i] = (<GlobalInfo>m.globals[i]).type.mutable
    v.nelems = len(m.elems)
    v.elem_type = <vt_t*>_alloc(v.nelems * sizeof(vt_t))
    for i in range(v.nelems):
        v.elem_type[i] = (<ElemInfo>m.elems[i]).elem_type
    v.ndatas = m.data_count
    v.ntags = len(m.tags)
    v.tag_type = <uint32_t*>_alloc(v.ntags * sizeof(uint32_t))
    for i in range(v.ntags):
        v.tag_type[i] = m.tags[i]
    return 0


cdef int fv_pop_detailed(FuncValidator v, const vt_t* types, uint32_t n, str what) except -1:
    """``fv_pop_vals``, failing in the reference interpreter's words: "type mismatch:
    instruction requires [i32] but stack has [i64]" (the values of the innermost frame)."""
    cdef CtrlFrame* f = &v.ctrls[v.nctrls - 1]
    cdef uint32_t i
    cdef bint ok = f.unreachable or v.nvals - f.height >= n
    if ok:
        for i in range(n):
            if v.nvals + i >= n + f.height and v.vals[v.nvals + i - n] != VT_BOTTOM \
                    and not vt_sub(v, v.vals[v.nvals + i - n], types[i]):
                ok = 0
    if not ok:
        fv_fail(v, "type mismatch: %s requires [%s] but stack has [%s]" % (
            what, " ".join(_vt(types[i]) for i in range(n)),
            " ".join(_vt(v.vals[i]) for i in range(f.height, v.nvals))))
    return fv_pop_vals(v, types, n)


cdef inline uint32_t fv_tag(FuncValidator v, uint32_t x, const vt_t** params) except? 0xFFFFFFFF:
    """Tag ``x``: its payload's arity, and its types in ``params``."""
    cdef uint32_t t
    if x >= v.ntags:
        fv_fail(v, "unknown tag %d" % x)
    t = v.tag_type[x]
    params[0] = v.type_buf + v.type_off[t]
    return v.type_np[t]


cdef int fv_catch_label(FuncValidator v, uint32_t depth, const vt_t* types, uint32_t n,
                        bint with_ref) except -1:
    """A try_table catch clause branches to label ``depth`` with ``types`` (and a
    ``(ref exn)`` after them): the label's types must take them."""
    cdef const vt_t* lt
    cdef uint32_t arity = fv_label(v, depth, &lt), i
    if arity != n + with_ref:
        fv_fail(v, "type mismatch")
    for i in range(n):
        if not vt_sub(v, types[i], lt[i]):
            fv_fail(v, "type mismatch")
    if with_ref and not vt_sub(v, HT_EXN | VT_NONNULL, lt[n]):
        fv_fail(v, "type mismatch")
    return 0


cdef int fv_fail(FuncValidator v, str reason) except -1:
    raise ValidationError(reason, v.ins.offset, v.func_index)


cdef int fv_malformed(FuncValidator v, str reason) except -1:
    raise DecodeError(reason, v.ins.offset)


cdef inline int fv_push(FuncValidator v, vt_t t) except -1:
    if v.nvals == v.cap_vals:
        v.vals = <vt_t*>_grow(v.vals, &v.cap_vals, sizeof(vt_t), v.nvals + 1)
    v.vals[v.nvals] = t
    v.nvals += 1
    return 0


cdef inline vt_t fv_pop(FuncValidator v) except? 0xFFFFFFFF:
    """Pop any operand; returns its type (VT_BOTTOM if the stack is polymorphic here)."""
    cdef CtrlFrame* f = &v.ctrls[v.nctrls - 1]
    if v.nvals == f.height:
        if f.unreachable:
            return VT_BOTTOM
        fv_fail(v, "type mismatch")
    v.nvals -= 1
    return v.vals[v.nvals]


cdef inline vt_t fv_pop_expect(FuncValidator v, vt_t expect) except? 0xFFFFFFFF:
    """Pop an operand of a type matching ``expect`` (VT_BOTTOM: any); returns the actual
    type (``expect`` for an unknown operand)."""
    cdef CtrlFrame* f = &v.ctrls[v.nctrls - 1]
    cdef vt_t actual
    if v.nvals == f.height:
        if f.unreachable:
            return expect
        fv_fail(v, "type mismatch")
    v.nvals -= 1
    actual = v.vals[v.nvals]
    if actual != expect and actual != VT_BOTTOM and expect != VT_BOTTOM:
        if not vt_sub(v, actual, expect):
            fv_fail(v, "type mismatch")
    return actual if actual != VT_BOTTOM else expect


cdef inline int fv_pop_vals(FuncValidator v, const vt_t* types, uint32_t n) except -1:
    cdef uint32_t i = n
    while i > 0:
        i -= 1
        fv_pop_expect(v, types[i])
    return 0


cdef inline int fv_push_vals(FuncValidator v, const vt_t* types, uint32_t n) except -1:
    cdef uint32_t i
    if v.nvals + n > v.cap_vals:
        v.vals = <vt_t*>_grow(v.vals, &v.cap_vals, sizeof(vt_t), v.nvals + n)
    for i in range(n):
        v.vals[v.nvals + i] = types[i]
    v.nvals += n
    return 0


cdef inline int fv_push_ctrl(FuncValidator v, uint8_t kind, int64_t bt, uint32_t np, uint32_t nr,
                             const vt_t* params, const vt_t* results) except -1:
    if v.nctrls == v.cap_ctrls:
        v.ctrls = <CtrlFrame*>_grow(v.ctrls, &v.cap_ctrls, sizeof(CtrlFrame), v.nctrls + 1)
    cdef CtrlFrame* f = &v.ctrls[v.nctrls]
    f.kind = kind
    f.unreachable = 0
    f.catch_all = 0
    f.height = v.nvals
    f.block_type = bt
    f.nparams = np
    f.nresults = nr
    f.params = params
    f.results = results
    f.offset = v.ins.offset
    f.init_height = v.ninits
    v.nctrls += 1
    fv_push_vals(v, params, np)
    return 0


cdef inline int fv_pop_ctrl(FuncValidator v) except -1:
    """Check the innermost frame's results and height; leaves it in ``v.ins.frame_*``."""
    cdef CtrlFrame* f = &v.ctrls[v.nctrls - 1]
    if f.kind == FRAME_TRY or f.kind == FRAME_CATCH:     # (the legacy suite's words)
        return fv_pop_try(v, f)
    fv_pop_vals(v, f.results, f.nresults)
    if v.nvals != f.height:
        fv_fail(v, "type mismatch")
    v.ins.frame_kind = f.kind
    v.ins.frame_unreachable = f.unreachable
    v.ins.frame_height = f.height
    v.ins.frame_nparams = f.nparams
    v.ins.frame_nresults = f.nresults
    if v.ninits > f.init_height:
        fv_reset_inits(v, f.init_height)
    return 0


cdef int fv_pop_try(FuncValidator v, CtrlFrame* f) except -1:
    """``fv_pop_ctrl`` of a legacy try or catch frame, failing in the reference
    interpreter's words ("type mismatch: block requires [] but stack has [i32]")."""
    cdef uint32_t i
    above = " ".join(_vt(v.vals[i]) for i in range(f.height, v.nvals))
    fv_pop_detailed(v, f.results, f.nresults, "instruction")
    if v.nvals != f.height:
        fv_fail(v, "type mismatch: block requires [%s] but stack has [%s]"
                % (" ".join(_vt(f.results[i]) for i in range(f.nresults)), above))
    v.ins.frame_kind = f.kind
    v.ins.frame_unreachable = f.unreachable
    v.ins.frame_height = f.height
    v.ins.frame_nparams = f.nparams
    v.ins.frame_nresults = f.nresults
    if v.ninits > f.init_height:
        fv_reset_inits(v, f.init_height)
    return 0


cdef void fv_reset_inits(FuncValidator v, uint32_t height) noexcept:
    """Forget the locals set since `height` (a frame ends, or its else arm begins)."""
    while v.ninits > height:
        v.ninits -= 1
        v.local_set[v.inits[v.ninits]] = 0


cdef inline int fv_local_get(FuncValidator v, uint32_t x) except -1:
    """A non-defaultable local must be set before it is read."""
    if x >= v.first_nondefault and not v.local_set[x]:
        fv_fail(v, "uninitialized local")
    return 0


cdef inline int fv_local_set(FuncValidator v, uint32_t x) except -1:
    """Record that a non-defaultable local is set (for the rest of the innermost frame)."""
    if x >= v.first_nondefault and not v.local_set[x]:
        v.local_set[x] = 1
        if v.ninits == v.cap_inits:
            v.inits = <uint32_t*>_grow(v.inits, &v.cap_inits, sizeof(uint32_t), v.ninits + 1)
        v.inits[v.ninits] = x
        v.ninits += 1
    return 0


cdef inline void fv_unreachable(FuncValidator v) noexcept:
    cdef CtrlFrame* f = &v.ctrls[v.nctrls - 1]
    v.nvals = f.height
    f.unreachable = 1


cdef inline int fv_gate(FuncValidator v, const OpInfo* oi) except -1:
    """A hand-typed instruction of a proposal: its feature gate (from the table) must be on."""
    if oi.gate and not (v.features & _gate_bit[oi.gate]):
        unsupported(_GATE_MSG[oi.gate], &v.r, v.r.base + v.ins.offset)
    return 0


cdef int fv_tail_results(FuncValidator v, const vt_t* results, uint32_t n) except -1:
    """A tail call's callee returns to this function's caller: its results must match this
    function's results; the rest of the block is unreachable."""
    cdef CtrlFrame* f = &v.ctrls[0]
    cdef uint32_t i
    if n != f.nresults:
        fv_fail(v, "type mismatch")
    for i in range(n):
        if not vt_sub(v, results[i], f.results[i]):
            fv_fail(v, "type mismatch")
    fv_unreachable(v)
    return 0


cdef inline int fv_label(FuncValidator v, uint32_t depth, const vt_t** types) except -1:
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
    """A memarg (read_memarg) checked against its memory: it exists, the alignment is at most
    `natural`, a 32-bit memory's offset fits in 32 bits.  Returns the address type."""
    read_memarg(&v.r, v.features, &v.ins)
    if v.ins.mem >= v.nmems:
        fv_fail(v, "unknown memory %d" % v.ins.mem)
    if v.ins.align > natural:
        fv_fail(v, "alignment must not be larger than natural")
    if v.mem_addr[v.ins.mem] == VT_I32 and v.ins.mem_offset > 0xFFFFFFFFu:
        fv_fail(v, "offset out of range")
    return v.mem_addr[v.ins.mem]


cdef inline uint32_t fv_memidx(FuncValidator v) except? 0xFFFFFFFF:
    """A memory index immediate (read_memidx) naming an existing memory."""
    cdef uint32_t x = read_memidx(&v.r, v.features)
    if x >= v.nmems:
        fv_fail(v, "unknown memory %d" % x)
    return x


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
    cdef vt_t single = 0
    cdef int64_t x = read_blocktype(&v.r, v.features, &single)
    if x == BLOCKTYPE_EMPTY:
        v.ins.block_type = BLOCKTYPE_EMPTY
        v.ins.nparams = 0
        v.ins.nresults = 0
        return 0
    if x == BLOCKTYPE_VALUE:
        fv_check_vt(v, single)
        v.ins.block_type = <int64_t>single - 0x80 if single < 0x80 else -0x80 - <int64_t>(
            single_slot(single))
        v.ins.nparams = 0
        v.ins.nresults = 1
        return 0
    fv_functype(v, x)
    v.ins.block_type = x
    v.ins.nparams = v.type_np[x]
    v.ins.nresults = v.type_nr[x]
    return 0


cdef inline int fv_functype(FuncValidator v, uint64_t y) except -1:
    """Type index `y`, read in a body, names a function type."""
    if y >= v.ntypes:
        fv_fail(v, "unknown type")
    if v.type_kind[y] != TK_FUNC:
        fv_fail(v, "type mismatch: type %d is not a function type" % y)
    return 0


cdef inline uint32_t single_slot(vt_t t) noexcept nogil:
    """Where `t` sits in ``FuncValidator.single_types``."""
    if (t & 0xFF) == HT_CONCRETE:
        return 512 + 2 * vt_index(t) + ((t & VT_NONNULL) != 0)
    return (t & 0x1FF)


cdef inline int fv_check_vt(FuncValidator v, vt_t t) except -1:
    """A value type read in a body: its type index must exist."""
    if (t & 0xFF) == HT_CONCRETE and vt_index(t) >= v.ntypes:
        fv_fail(v, "unknown type")
    return 0


cdef inline const vt_t* bt_params(FuncValidator v, int64_t bt) noexcept:
    if bt >= 0:
        return v.type_buf + v.type_off[bt]
    return NULL


cdef inline const vt_t* bt_results(FuncValidator v, int64_t bt) noexcept:
    if bt >= 0:
        return v.type_buf + v.type_off[bt] + v.type_np[bt]
    if bt == BLOCKTYPE_EMPTY:
        return NULL
    if bt >= -0x80:
        return &v.single_types[<uint32_t>(bt + 0x80)]
    return &v.single_types[<uint32_t>(-0x80 - bt)]


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


cdef int fv_table_op(FuncValidator v, const OpInfo* oi) except -1:
    """An instruction the table validates (OK_TABLE): its feature gate, its immediates
    (memarg, lane, memidx), then its fixed signature (with the memory's address type)."""
    cdef uint32_t imms = oi.imms, k
    cdef uint8_t addr = VT_I32
    if oi.gate and not (v.features & _gate_bit[oi.gate]):
        unsupported(_GATE_MSG[oi.gate], &v.r, v.r.base + v.ins.offset)
    if imms:
        while imms:
            k = imms & 0xFF
            if k == IMM_MEMARG:
                addr = fv_memarg(v, oi.align)
                if v.ins.align != oi.align and (v.ins.op >> 16) == PREFIX_ATOMIC:
                    fv_fail(v, "atomic alignment must be natural")
            elif k == IMM_LANE:
                fv_lane(v, oi.lanes)
            else:                                   # IMM_MEMIDX (memory.size/grow)
                v.ins.mem = fv_memidx(v)
                addr = v.mem_addr[v.ins.mem]
            imms >>= 8
        if oi.vt:
            v.ins.val_type = oi.vt
    fv_pop_sig(v, oi.sig64 if addr == VT_I64 else oi.sig)
    return 0


cdef dict instr_dict(FuncValidator v):
    """``v.ins`` (the fields that apply to its op) and the stack state, as a dict."""
    cdef Instr* ins = &v.ins
    cdef dict d = {
        "op": ins.op, "offset": ins.offset, "height": v.nvals,
        "unreachable": bool(v.ctrls[v.nctrls - 1].unreachable) if v.nctrls else False,
    }
    cdef uint32_t op = ins.op
    cdef const OpInfo* oi = op_info(op >> 16, op & 0xFFFF)
    cdef uint32_t imms, k
    if op < 0x100:
        oi = &OPS_PLAIN[op]
    imms = oi.imms
    while imms:
        k = imms & 0xFF
        if k == IMM_LABELIDX or k == IMM_FUNCIDX or k == IMM_LOCALIDX or k == IMM_GLOBALIDX \
                or k == IMM_DATAIDX or k == IMM_ELEMIDX or k == IMM_LANE or k == IMM_LABELS \
                or (k == IMM_TABLEIDX and op != OP_CALL_INDIRECT
                    and op != OP_RETURN_CALL_INDIRECT) or k == IMM_TYPEIDX:
            d["idx"] = ins.idx
        if k == IMM_MEMARG:
            d["align"] = ins.align
            d["mem_offset"] = ins.mem_offset
        if k == IMM_MEMARG or k == IMM_MEMIDX:
            d["mem"] = ins.mem
        if k == IMM_I32 or k == IMM_I64 or k == IMM_F32 or k == IMM_F64:
            d["bits"] = ins.bits
        if k == IMM_V128 or k == IMM_LANES16:
            d["v128"] = (<char*>ins.v128)[:16]
        if k == IMM_LABELS:
            d["targets"] = [ins.targets[i] for i in range(ins.ntargets)]
        imms >>= 8
    if op == OP_CALL_INDIRECT or op == OP_RETURN_CALL_INDIRECT or op == OP_TABLE_INIT \
            or op == OP_TABLE_COPY:
        d["idx2"] = ins.idx2
    if op == OP_MEMORY_COPY:
        d["mem2"] = ins.mem2
    if op == OP_DROP or op == OP_SELECT or op == OP_SELECT_T or op == OP_LOCAL_GET \
            or op == OP_LOCAL_SET or op == OP_LOCAL_TEE or op == OP_GLOBAL_GET \
            or op == OP_GLOBAL_SET or op == OP_TABLE_GET or op == OP_TABLE_SET \
            or op == OP_REF_NULL or op == OP_REF_IS_NULL \
            or (op < 0x100 and oi.imms == IMM_MEMARG):
        d["val_type"] = ins.val_type
    if op == OP_BLOCK or op == OP_LOOP or op == OP_IF or op == OP_CALL \
            or op == OP_CALL_INDIRECT or op == OP_RETURN_CALL or op == OP_RETURN_CALL_INDIRECT:
        d["nparams"] = ins.nparams
        d["nresults"] = ins.nresults
    if op == OP_BLOCK or op == OP_LOOP or op == OP_IF or op == OP_END:
        d["block_type"] = ins.block_type
    if op == OP_ELSE or op == OP_END:
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
    cdef const vt_t* ftypes = v.type_buf + v.type_off[tidx]
    cdef uint64_t total = np + code.num_locals
    cdef uint32_t i, k, n, x, y, sub, cnt, arity
    cdef uint32_t op
    cdef const OpInfo* oi
    cdef vt_t t, t1, t2
    cdef const vt_t* lt
    cdef const vt_t* lt2
    cdef CtrlFrame* f
    cdef Instr* ins = &v.ins
    cdef void* q

    v.func_index = func_index
    ins.offset = code.offset
    if total > MAX_FUNC_LOCALS:
        fv_fail(v, "too many locals")
    if total > v.cap_locals:
        v.locals = <vt_t*>_grow(v.locals, &v.cap_locals, sizeof(vt_t), <uint32_t>total)
        q = PyMem_Realloc(v.local_set, v.cap_locals)
        if q == NULL:
            raise MemoryError()
        v.local_set = <uint8_t*>q
    for i in range(np):
        v.locals[i] = ftypes[i]
    n = np
    v.first_nondefault = <uint32_t>total
    for run in code.locals:
        cnt = run[0]
        t = run[1]
        fv_check_vt(v, t)
        if not defaultable(t) and v.first_nondefault == total:
            v.first_nondefault = n
        for i in range(cnt):
            v.locals[n] = t
            n += 1
    v.nlocals = n
    v.ninits = 0
    for i in range(v.first_nondefault, n):     # (a defaultable local after one that is
        v.local_set[i] = defaultable(v.locals[i])   # not is set from the start)
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
            scan_body(r, code.body_start, code.body_end, m.data_count, v.features)
            fv_malformed(v, "unexpected end of section or function")
        ins.offset = <uint32_t>(r.p - r.base)
        op = r.p[0]
        r.p += 1
        ins.op = op
        ins.val_type = VT_BOTTOM
        oi = &OPS_PLAIN[op]
        if oi.kind == OK_TABLE:                # numerics, loads, stores, memory.size/grow
            fv_table_op(v, oi)
        # -- control (spec 3.3.8) --
        elif op == OP_UNREACHABLE:             # [t1*] -> [t2*]
            fv_unreachable(v)
        elif op == OP_BLOCK or op == OP_LOOP:  # bt  [t1*] -> [t2*]
            fv_blocktype(v)
            lt = bt_params(v, ins.block_type)
            fv_pop_vals(v, lt, ins.nparams)
            fv_push_ctrl(v, FRAME_BLOCK if op == OP_BLOCK else FRAME_LOOP, ins.block_type,
                         ins.nparams, ins.nresults, lt, bt_results(v, ins.block_type))
        elif op == OP_IF:                      # bt  [t1* i32] -> [t2*]
            fv_blocktype(v)
            fv_pop_expect(v, VT_I32)
            lt = bt_params(v, ins.block_type)
            fv_pop_vals(v, lt, ins.nparams)
            fv_push_ctrl(v, FRAME_IF, ins.block_type, ins.nparams, ins.nresults, lt,
                         bt_results(v, ins.block_type))
        elif op == OP_ELSE:
            f = &v.ctrls[v.nctrls - 1]
            if f.kind != FRAME_IF:
                fv_malformed(v, "END opcode expected")
            fv_pop_ctrl(v)
            f = &v.ctrls[v.nctrls - 1]
            f.kind = FRAME_ELSE
            f.unreachable = 0
            v.nvals = f.height
            fv_push_vals(v, f.params, f.nparams)
        elif op == OP_END:
            fv_pop_ctrl(v)
            f = &v.ctrls[v.nctrls - 1]
            if f.kind == FRAME_CATCH:
                v.nvals -= 1                    # the caught exception
            if f.kind == FRAME_IF:
                # an if without else must have equal params and results
                if f.nparams != f.nresults:
                    fv_fail(v, "type mismatch")
                for i in range(f.nparams):
                    if not vt_sub(v, f.params[i], f.results[i]):
                        fv_fail(v, "type mismatch")
            v.nctrls -= 1
            ins.nresults = f.nresults
            ins.block_type = f.block_type
            fv_push_vals(v, f.results, f.nresults)
        # -- exceptions (try_table, throw, throw_ref; the legacy try/catch/delegate) --
        elif op == OP_THROW:                   # x  [t1* t*] -> [t2*]
            fv_gate(v, oi)
            ins.idx = fv_index(v)
            n = fv_tag(v, ins.idx, &lt)
            fv_pop_detailed(v, lt, n, "instruction")
            fv_unreachable(v)
        elif op == OP_THROW_REF:               # [t1* exnref] -> [t2*]
            fv_gate(v, oi)
            fv_pop_expect(v, HT_EXN)
            fv_unreachable(v)
        elif op == OP_TRY_TABLE:               # bt catch*  [t1*] -> [t2*]
            fv_gate(v, oi)
            fv_blocktype(v)
            q = <void*>r.p
            cnt = read_catches(r, NULL)
            if 3 * cnt > v.cap_targets:
                v.targets = <uint32_t*>_grow(v.targets, &v.cap_targets, sizeof(uint32_t),
                                             3 * cnt)
            r.p = <const uint8_t*>q
            read_catches(r, v.targets)
            for i in range(cnt):
                k = v.targets[3 * i]
                if k < 2:
                    n = fv_tag(v, v.targets[3 * i + 1], &lt)
                else:
                    n = 0
                    lt = NULL
                fv_catch_label(v, v.targets[3 * i + 2], lt, n, k & 1)
            ins.targets = v.targets
            ins.ntargets = cnt
            lt = bt_params(v, ins.block_type)
            fv_pop_vals(v, lt, ins.nparams)
            fv_push_ctrl(v, FRAME_TRY_TABLE, ins.block_type, ins.nparams, ins.nresults, lt,
                         bt_results(v, ins.block_type))
        elif op == OP_TRY:                     # legacy: bt  [t1*] -> [t2*]
            fv_gate(v, oi)
            fv_blocktype(v)
            lt = bt_params(v, ins.block_type)
            fv_pop_vals(v, lt, ins.nparams)
            fv_push_ctrl(v, FRAME_TRY, ins.block_type, ins.nparams, ins.nresults, lt,
                         bt_results(v, ins.block_type))
        elif op == OP_CATCH or op == OP_CATCH_ALL:     # legacy: x? (a handler of the try)
            fv_gate(v, oi)
            f = &v.ctrls[v.nctrls - 1]
            if f.kind != FRAME_TRY and not (f.kind == FRAME_CATCH and not f.catch_all):
                fv_malformed(v, "catch without try" if f.kind != FRAME_CATCH
                             else "catch after catch_all")
            n = 0
            lt = NULL
            k = f.kind == FRAME_TRY
            if op == OP_CATCH:
                ins.idx = fv_index(v)
                n = fv_tag(v, ins.idx, &lt)
            fv_pop_ctrl(v)
            f = &v.ctrls[v.nctrls - 1]
            if k:
                # the caught exception (rethrow's) sits below the clauses' values: a
                # value of the try's outer frame until the try ends
                v.nvals = f.height
                fv_push(v, HT_EXN | VT_NONNULL)
                f.height = v.nvals
            f.kind = FRAME_CATCH
            f.unreachable = 0
            f.catch_all = op == OP_CATCH_ALL
            v.nvals = f.height
            fv_push_vals(v, lt, n)
        elif op == OP_RETHROW:                 # legacy: l  [t1*] -> [t2*]
            fv_gate(v, oi)
            ins.idx = fv_index(v)
            if ins.idx >= v.nctrls or v.ctrls[v.nctrls - 1 - ins.idx].kind != FRAME_CATCH:
                fv_fail(v, "invalid rethrow label")
            fv_unreachable(v)
        elif op == OP_DELEGATE:                # legacy: l, ends a try without handlers
            fv_gate(v, oi)
            f = &v.ctrls[v.nctrls - 1]
            if f.kind != FRAME_TRY:
                fv_malformed(v, "delegate without try")
            ins.idx = fv_index(v)
            fv_pop_ctrl(v)
            v.nctrls -= 1
            if ins.idx >= v.nctrls:
                fv_fail(v, "unknown label")
            ins.nresults = f.nresults
            ins.block_type = f.block_type
            fv_push_vals(v, f.results, f.nresults)
        elif op == OP_BR:                      # l  [t1* t*] -> [t2*]
            ins.idx = fv_index(v)
            n = fv_label(v, ins.idx, &lt)
            fv_pop_vals(v, lt, n)
            fv_unreachable(v)
        elif op == OP_BR_IF:                   # l  [t* i32] -> [t*]
            ins.idx = fv_index(v)
            fv_pop_expect(v, VT_I32)
            n = fv_label(v, ins.idx, &lt)
            fv_pop_vals(v, lt, n)
            fv_push_vals(v, lt, n)
        elif op == OP_BR_TABLE:                # l* l  [t1* t* i32] -> [t2*]
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
        elif op == OP_RETURN:
            f = &v.ctrls[0]
            fv_pop_vals(v, f.results, f.nresults)
            fv_unreachable(v)
        elif op == OP_CALL:                    # f
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
        elif op == OP_CALL_INDIRECT or op == OP_RETURN_CALL_INDIRECT:  # y x  [t1* i32] -> [t2*]
            fv_gate(v, oi)
            y = fv_index(v)
            x = fv_index(v)
            ins.idx = y
            ins.idx2 = x
            fv_check_table(v, x)
            if not vt_sub(v, v.table_type[x], VT_FUNCREF):
                fv_fail(v, "type mismatch")
            fv_functype(v, y)
            fv_pop_expect(v, v.table_addr[x])
            lt = v.type_buf + v.type_off[y]
            ins.nparams = v.type_np[y]
            ins.nresults = v.type_nr[y]
            fv_pop_vals(v, lt, ins.nparams)
            if op == OP_CALL_INDIRECT:
                fv_push_vals(v, lt + ins.nparams, ins.nresults)
            else:
                fv_tail_results(v, lt + ins.nparams, ins.nresults)
        elif op == OP_RETURN_CALL:             # f  [t1*] -> [t2*], t2* the caller's results
            fv_gate(v, oi)
            x = fv_index(v)
            ins.idx = x
            if x >= v.nfuncs:
                fv_fail(v, "unknown function %d" % x)
            y = v.func_type[x]
            lt = v.type_buf + v.type_off[y]
            ins.nparams = v.type_np[y]
            ins.nresults = v.type_nr[y]
            fv_pop_vals(v, lt, ins.nparams)
            fv_tail_results(v, lt + ins.nparams, ins.nresults)
        elif op == OP_CALL_REF or op == OP_RETURN_CALL_REF:   # y  [t1* (ref null y)] -> [t2*]
            fv_gate(v, oi)
            if op == OP_RETURN_CALL_REF and not (v.features & FEAT_TAIL_CALL):
                unsupported("tail calls", r, r.base + ins.offset)
            y = fv_index(v)
            ins.idx = y
            fv_functype(v, y)
            fv_pop_expect(v, vt_concrete(y, 1))
            lt = v.type_buf + v.type_off[y]
            ins.nparams = v.type_np[y]
            ins.nresults = v.type_nr[y]
            fv_pop_vals(v, lt, ins.nparams)
            if op == OP_CALL_REF:
                fv_push_vals(v, lt + ins.nparams, ins.nresults)
            else:
                fv_tail_results(v, lt + ins.nparams, ins.nresults)
        # -- parametric (3.3.4) --
        elif op == OP_DROP:                    # [t] -> []
            ins.val_type = fv_pop(v)
        elif op == OP_SELECT:                  # [t t i32] -> [t], t numeric or vector
            fv_pop_expect(v, VT_I32)
            t1 = fv_pop(v)
            t2 = fv_pop(v)
            if vt_is_ref(t1) or vt_is_ref(t2):
                fv_fail(v, "type mismatch")
            if t1 != t2 and t1 != VT_BOTTOM and t2 != VT_BOTTOM:
                fv_fail(v, "type mismatch")
            t = t2 if t1 == VT_BOTTOM else t1
            ins.val_type = t
            fv_push(v, t)
        elif op == OP_SELECT_T:                # select t*  [t t i32] -> [t]
            cnt = fv_index(v)
            if cnt != 1:
                fv_fail(v, "invalid result arity")
            t = read_valtype(r, v.features)
            fv_check_vt(v, t)
            ins.val_type = t
            fv_pop_expect(v, VT_I32)
            fv_pop_expect(v, t)
            fv_pop_expect(v, t)
            fv_push(v, t)
        # -- variables (3.3.6) --
        elif op == OP_LOCAL_GET or op == OP_LOCAL_SET or op == OP_LOCAL_TEE:  # x
            x = fv_index(v)
            ins.idx = x
            if x >= v.nlocals:
                fv_fail(v, "unknown local %d" % x)
            t = v.locals[x]
            ins.val_type = t
            if op == OP_LOCAL_GET:
                fv_local_get(v, x)
                fv_push(v, t)
            else:
                fv_pop_expect(v, t)
                fv_local_set(v, x)
                if op == OP_LOCAL_TEE:
                    fv_push(v, t)
        elif op == OP_GLOBAL_GET or op == OP_GLOBAL_SET:    # x
            x = fv_index(v)
            ins.idx = x
            if x >= v.nglobals:
                fv_fail(v, "unknown global %d" % x)
            t = v.global_type[x]
            ins.val_type = t
            if op == OP_GLOBAL_GET:
                fv_push(v, t)
            else:
                if not v.global_mut[x]:
                    fv_fail(v, "immutable global: the global is immutable")
                fv_pop_expect(v, t)
        # -- tables (3.3.5) --
        elif op == OP_TABLE_GET:               # x  [at] -> [t]
            x = fv_index(v)
            ins.idx = x
            fv_check_table(v, x)
            t = v.table_type[x]
            ins.val_type = t
            fv_pop_expect(v, v.table_addr[x])
            fv_push(v, t)
        elif op == OP_TABLE_SET:               # x  [at t] -> []
            x = fv_index(v)
            ins.idx = x
            fv_check_table(v, x)
            t = v.table_type[x]
            ins.val_type = t
            fv_pop_expect(v, t)
            fv_pop_expect(v, v.table_addr[x])
        # -- numeric constants --
        elif op == OP_I32_CONST:
            ins.bits = <uint64_t>(<int64_t>rd_s32(r))
            if r.err:
                raise_read_error(r)
            fv_push(v, VT_I32)
        elif op == OP_I64_CONST:
            ins.bits = <uint64_t>rd_s64(r)
            if r.err:
                raise_read_error(r)
            fv_push(v, VT_I64)
        elif op == OP_F32_CONST:
            ins.bits = rd_f32_bits(r)
            if r.err:
                raise_read_error(r)
            fv_push(v, VT_F32)
        elif op == OP_F64_CONST:
            ins.bits = rd_f64_bits(r)
            if r.err:
                raise_read_error(r)
            fv_push(v, VT_F64)
        # -- references (3.3.3) --
        elif op == OP_REF_NULL:                # ht  [] -> [(ref null ht)]
            t = read_heaptype(r, v.features)
            fv_check_vt(v, t)
            ins.val_type = t
            fv_push(v, t)
        elif op == OP_REF_IS_NULL:             # [(ref null ht)] -> [i32]
            t = fv_pop(v)
            if t != VT_BOTTOM and not vt_is_ref(t):
                fv_fail(v, "type mismatch")
            ins.val_type = t
            fv_push(v, VT_I32)
        elif op == OP_REF_FUNC:                # x  [] -> [(ref $t)] (2.0: [funcref])
            x = fv_index(v)
            ins.idx = x
            if x >= v.nfuncs:
                fv_fail(v, "unknown function %d" % x)
            if not v.func_declared[x]:
                fv_fail(v, "undeclared function reference")
            fv_push(v, vt_concrete(v.func_type[x], 0)
                    if v.features & FEAT_FUNCTION_REFERENCES else VT_FUNCREF)
        elif op == OP_REF_EQ:                  # [eqref eqref] -> [i32]
            fv_gate(v, oi)
            fv_pop_expect(v, HT_EQ)
            fv_pop_expect(v, HT_EQ)
            fv_push(v, VT_I32)
        elif op == OP_REF_AS_NON_NULL:         # [(ref null ht)] -> [(ref ht)]
            fv_gate(v, oi)
            t = fv_pop_ref(v)
            ins.val_type = t
            fv_push(v, t | VT_NONNULL)
        elif op == OP_BR_ON_NULL:              # l  [t* (ref null ht)] -> [t* (ref ht)]
            fv_gate(v, oi)
            ins.idx = fv_index(v)
            t = fv_pop_ref(v)
            ins.val_type = t
            n = fv_label(v, ins.idx, &lt)
            fv_pop_vals(v, lt, n)
            fv_push_vals(v, lt, n)
            fv_push(v, t | VT_NONNULL)
        elif op == OP_BR_ON_NON_NULL:          # l  [t* (ref null ht)] -> [t*]
            fv_gate(v, oi)
            ins.idx = fv_index(v)
            n = fv_label(v, ins.idx, &lt)
            if n == 0 or not vt_is_ref(lt[n - 1]):
                fv_fail(v, "type mismatch")
            t = fv_pop_ref(v)
            ins.val_type = t
            if not vt_sub(v, t | VT_NONNULL, lt[n - 1]):
                fv_fail(v, "type mismatch")
            fv_pop_vals(v, lt, n - 1)
            fv_push_vals(v, lt, n - 1)
        elif oi.kind == OK_PREFIX:
            validate_prefixed(v, op)
        elif oi.kind == OK_RESERVED:           # a proposal with no rows yet
            unsupported(_GATE_MSG[oi.gate], r, r.p - 1)
        else:
            fv_malformed(v, illegal_opcode(op))
        if lw is not None:
            lw.instr(v, ins)
            if WASMRT_DEBUG:
                lw.check_invariants(v)
        if trace is not None:
            trace.append(instr_dict(v))

    if r.p != r.end:
        ins.offset = <uint32_t>(r.p - r.base)
        fv_malformed(v, "section size mismatch")
    if lw is not None:
        m.func_codes.append(lw.finish(v))
    return 0


cdef vt_t fv_pop_ref(FuncValidator v) except 0xFFFFFFFF:
    """Pop a reference operand; an unknown one (unreachable code) is (ref null bot)."""
    cdef vt_t t = fv_pop(v)
    if t == VT_BOTTOM:
        return HT_BOT
    if not vt_is_ref(t):
        fv_fail(v, "type mismatch")
    return t


cdef int validate_prefixed(FuncValidator v, uint32_t prefix) except -1:
    """A prefixed instruction: the sub-opcode, the prefix's and the row's feature gates, then
    the table (OK_TABLE) or the prefix's hand-written rules."""
    cdef Reader* r = &v.r
    cdef Instr* ins = &v.ins
    cdef uint32_t sub = fv_index(v)
    cdef const OpInfo* oi = op_info(prefix, sub)
    cdef uint8_t gate = _prefix_gate[prefix - PREFIX_GC]
    ins.op = (prefix << 16) | (sub if sub <= 0xFFFF else 0xFFFF)
    if gate and not (v.features & _gate_bit[gate]):
        unsupported(_GATE_MSG[gate], r, r.base + ins.offset)
    if oi.kind == OK_RESERVED:                  # a proposal's instruction with no row yet
        unsupported(_GATE_MSG[oi.gate], r, r.base + ins.offset)
    if oi.kind == OK_NONE:
        fv_malformed(v, illegal_opcode(prefix, sub))
    if oi.kind == OK_TABLE:
        return fv_table_op(v, oi)
    if oi.gate and not (v.features & _gate_bit[oi.gate]):
        unsupported(_GATE_MSG[oi.gate], r, r.base + ins.offset)
    if prefix == PREFIX_MISC:
        return fv_misc(v, ins.op)
    if prefix == PREFIX_GC:
        return fv_gc(v, ins.op)
    if prefix == PREFIX_SIMD:
        return fv_simd(v, ins.op)
    if ins.op == OP_ATOMIC_FENCE:               # its reserved ordering byte
        if rd_u8(r) != 0:
            fv_malformed(v, "zero byte expected")
        rd_check(r)
        return 0
    raise UnsupportedFeatureError("instruction 0x%x has a row in tools/wasm_ops.py but no "
                                  "validation rule" % ins.op, ins.offset)


cdef tuple fv_composite(FuncValidator v, uint32_t x, int kind):
    """Type index `x` (read in a body) names a struct (`kind` TK_STRUCT) or array type:
    its fields, ``(storage type, mutable)`` pairs."""
    if x >= v.ntypes:
        fv_fail(v, "unknown type %d" % x)
    if v.type_kind[x] != kind:
        fv_fail(v, "type mismatch: type %d is not %s type"
                % (x, "a struct" if kind == TK_STRUCT else "an array"))
    return (<FuncTypeInfo>v.module.types[x]).fields


cdef inline vt_t unpacked(vt_t st) noexcept:
    """The value type of storage type `st` on the operand stack (i8, i16: i32)."""
    return VT_I32 if st == VT_I8 or st == VT_I16 else st


cdef int fv_field_access(FuncValidator v, vt_t st, bint packed_op, str what) except -1:
    """struct.get/array.get and their _s/_u forms: the _s/_u forms read packed fields, the
    plain one the others."""
    cdef bint packed = st == VT_I8 or st == VT_I16
    if packed != packed_op:
        fv_fail(v, "type mismatch: %s is %s" % (what, "packed" if packed else "not packed"))
    return 0


cdef int fv_elem_into(FuncValidator v, uint32_t y, vt_t st) except -1:
    """Element segment `y` exists and its references can be stored as `st`."""
    if y >= v.nelems:
        fv_fail(v, "unknown elem segment %d" % y)
    if not vt_sub(v, v.elem_type[y], st):
        fv_fail(v, "type mismatch")
    return 0


cdef int fv_data_into(FuncValidator v, uint32_t y, vt_t st) except -1:
    """Data segment `y` exists and `st` is a numeric or vector storage type."""
    if v.ndatas < 0:
        fv_malformed(v, "data count section required")
    if y >= v.ndatas:
        fv_fail(v, "unknown data segment %d" % y)
    if vt_is_ref(st):
        fv_fail(v, "array type is not numeric or vector")
    return 0


cdef vt_t fv_cast_type(FuncValidator v, bint nullable) except 0xFFFFFFFF:
    """The heap type immediate of a cast as a reference type (nullable or not)."""
    cdef vt_t t = read_heaptype(&v.r, v.features)
    fv_check_vt(v, t)
    return t if nullable else t | VT_NONNULL


cdef int fv_gc(FuncValidator v, uint32_t op) except -1:
    """GC's instructions (prefix 0xFB).  For the
    lowerer: ``idx`` the (first) type index, ``idx2`` the field index, the second type or
    the segment, or array.new_fixed's count; ``val_type`` the field's value type
    (unpacked) for accesses and allocations, the operand's type for casts; ``bits`` the
    cast's target type (br_on_cast(_fail): val_type the source, bits the target)."""
    cdef Instr* ins = &v.ins
    cdef Reader* r = &v.r
    cdef uint32_t x, y, n, i
    cdef tuple fields
    cdef vt_t st, t, t1, t2
    cdef const vt_t* lt
    cdef uint8_t flags
    cdef bint unknown
    if op == OP_REF_I31:                        # [i32] -> [(ref i31)]
        fv_pop_expect(v, VT_I32)
        fv_push(v, HT_I31 | VT_NONNULL)
    elif op == OP_I31_GET_S or op == OP_I31_GET_U:  # [i31ref] -> [i32]
        fv_pop_expect(v, HT_I31)
        fv_push(v, VT_I32)
    elif op == OP_STRUCT_NEW or op == OP_STRUCT_NEW_DEFAULT:   # x  [t*] -> [(ref x)]
        x = fv_index(v)
        ins.idx = x
        fields = fv_composite(v, x, TK_STRUCT)
        n = len(fields)
        if op == OP_STRUCT_NEW:
            for i in range(n):
                fv_pop_expect(v, unpacked(fields[n - 1 - i][0]))
        else:
            for f in fields:
                if not defaultable(f[0]):
                    fv_fail(v, "type mismatch: field type is not defaultable")
        fv_push(v, vt_concrete(x, 0))
    elif op == OP_STRUCT_GET or op == OP_STRUCT_GET_S or op == OP_STRUCT_GET_U \
            or op == OP_STRUCT_SET:                # x i  [(ref null x)] -> [t] / [(ref null x) t]
        x = fv_index(v)
        y = fv_index(v)
        ins.idx = x
        ins.idx2 = y
        fields = fv_composite(v, x, TK_STRUCT)
        if y >= <uint32_t>len(fields):
            fv_fail(v, "unknown field %d" % y)
        st = fields[y][0]
        ins.val_type = unpacked(st)
        if op == OP_STRUCT_SET:
            if not fields[y][1]:
                fv_fail(v, "immutable field")
            fv_pop_expect(v, ins.val_type)
            fv_pop_expect(v, vt_concrete(x, 1))
        else:
            fv_field_access(v, st, op != OP_STRUCT_GET, "field")
            fv_pop_expect(v, vt_concrete(x, 1))
            fv_push(v, ins.val_type)
    elif op == OP_ARRAY_NEW or op == OP_ARRAY_NEW_DEFAULT or op == OP_ARRAY_NEW_FIXED \
            or op == OP_ARRAY_NEW_DATA or op == OP_ARRAY_NEW_ELEM:
        x = fv_index(v)
        ins.idx = x
        st = fv_composite(v, x, TK_ARRAY)[0][0]
        ins.val_type = unpacked(st)
        if op == OP_ARRAY_NEW:                 # [t i32]
            fv_pop_expect(v, VT_I32)
            fv_pop_expect(v, ins.val_type)
        elif op == OP_ARRAY_NEW_DEFAULT:       # [i32]
            if not defaultable(st):
                fv_fail(v, "type mismatch: array type is not defaultable")
            fv_pop_expect(v, VT_I32)
        elif op == OP_ARRAY_NEW_FIXED:         # n  [t^n]
            n = fv_index(v)
            ins.idx2 = n
            for i in range(n):
                fv_pop_expect(v, ins.val_type)
        else:                                  # y  [i32 i32]
            y = fv_index(v)
            ins.idx2 = y
            if op == OP_ARRAY_NEW_DATA:
                fv_data_into(v, y, st)
            else:
                fv_elem_into(v, y, st)
            fv_pop_expect(v, VT_I32)
            fv_pop_expect(v, VT_I32)
        fv_push(v, vt_concrete(x, 0))
    elif op == OP_ARRAY_GET or op == OP_ARRAY_GET_S or op == OP_ARRAY_GET_U \
            or op == OP_ARRAY_SET or op == OP_ARRAY_FILL:
        x = fv_index(v)
        ins.idx = x
        fields = fv_composite(v, x, TK_ARRAY)
        st = fields[0][0]
        ins.val_type = unpacked(st)
        if op == OP_ARRAY_SET or op == OP_ARRAY_FILL:  # [(ref null x) i32 t (i32)]
            if not fields[0][1]:
                fv_fail(v, "immutable array")
            if op == OP_ARRAY_FILL:
                fv_pop_expect(v, VT_I32)
            fv_pop_expect(v, ins.val_type)
            fv_pop_expect(v, VT_I32)
            fv_pop_expect(v, vt_concrete(x, 1))
        else:                                  # [(ref null x) i32] -> [t]
            fv_field_access(v, st, op != OP_ARRAY_GET, "array")
            fv_pop_expect(v, VT_I32)
            fv_pop_expect(v, vt_concrete(x, 1))
            fv_push(v, ins.val_type)
    elif op == OP_ARRAY_LEN:                   # [(ref null array)] -> [i32]
        fv_pop_expect(v, HT_ARRAY)
        fv_push(v, VT_I32)
    elif op == OP_ARRAY_COPY:                  # x y  [(ref null x) i32 (ref null y) i32 i32]
        x = fv_index(v)
        y = fv_index(v)
        ins.idx = x
        ins.idx2 = y
        fields = fv_composite(v, x, TK_ARRAY)
        st = fv_composite(v, y, TK_ARRAY)[0][0]
        if not fields[0][1]:
            fv_fail(v, "immutable array")
        t = fields[0][0]
        if not (st == t or (vt_is_ref(st) and vt_is_ref(t) and vt_sub(v, st, t))):
            fv_fail(v, "array types do not match")
        ins.val_type = unpacked(t)
        fv_pop_expect(v, VT_I32)
        fv_pop_expect(v, VT_I32)
        fv_pop_expect(v, vt_concrete(y, 1))
        fv_pop_expect(v, VT_I32)
        fv_pop_expect(v, vt_concrete(x, 1))
    elif op == OP_ARRAY_INIT_DATA or op == OP_ARRAY_INIT_ELEM:  # x y  [(ref null x) i32 i32 i32]
        x = fv_index(v)
        y = fv_index(v)
        ins.idx = x
        ins.idx2 = y
        fields = fv_composite(v, x, TK_ARRAY)
        st = fields[0][0]
        ins.val_type = unpacked(st)
        if not fields[0][1]:
            fv_fail(v, "immutable array")
        if op == OP_ARRAY_INIT_DATA:
            fv_data_into(v, y, st)
        else:
            fv_elem_into(v, y, st)
        fv_pop_expect(v, VT_I32)
        fv_pop_expect(v, VT_I32)
        fv_pop_expect(v, VT_I32)
        fv_pop_expect(v, vt_concrete(x, 1))
    elif op == OP_REF_TEST or op == OP_REF_TEST_NULL or op == OP_REF_CAST \
            or op == OP_REF_CAST_NULL:             # rt  [rt'] -> [i32] / [rt]
        t = fv_cast_type(v, op == OP_REF_TEST_NULL or op == OP_REF_CAST_NULL)
        ins.bits = t
        t1 = fv_pop_expect(v, ht_top(v.type_canon, t & ~VT_NONNULL))
        ins.val_type = t1
        fv_push(v, VT_I32 if op == OP_REF_TEST or op == OP_REF_TEST_NULL else t)
    elif op == OP_BR_ON_CAST or op == OP_BR_ON_CAST_FAIL:  # flags l rt1 rt2
        flags = rd_u8(r)
        if r.err:
            raise_read_error(r)
        if flags > 3:
            fv_malformed(v, "malformed br_on_cast flags")
        ins.idx = fv_index(v)
        t1 = fv_cast_type(v, flags & 1)
        t2 = fv_cast_type(v, flags & 2)
        ins.val_type = t1
        ins.bits = t2
        if not vt_sub(v, t2, t1):
            fv_fail(v, "type mismatch: the cast's target type must match its source type")
        n = fv_label(v, ins.idx, &lt)
        # diff(rt1, rt2): the source without what the target takes (null, if nullable)
        t = t1 | VT_NONNULL if not (t2 & VT_NONNULL) else t1
        if op == OP_BR_ON_CAST:                # the branch takes rt2, the rest falls through
            t, t2 = t2, t
        if n == 0 or not vt_sub(v, t, lt[n - 1]):
            fv_fail(v, "type mismatch")
        fv_pop_expect(v, t1)
        fv_pop_vals(v, lt, n - 1)
        fv_push_vals(v, lt, n - 1)
        fv_push(v, t2)
    elif op == OP_ANY_CONVERT_EXTERN or op == OP_EXTERN_CONVERT_ANY:
        # [(ref null? extern)] -> [(ref null? any)] and back: nullable iff the operand is
        # (an unknown operand: non-null, the subtype of both)
        unknown = v.nvals == v.ctrls[v.nctrls - 1].height or v.vals[v.nvals - 1] == VT_BOTTOM
        t = fv_pop_expect(v, HT_EXTERN if op == OP_ANY_CONVERT_EXTERN else HT_ANY)
        fv_push(v, (HT_ANY if op == OP_ANY_CONVERT_EXTERN else HT_EXTERN)
                | (VT_NONNULL if unknown else t & VT_NONNULL))
    else:
        raise UnsupportedFeatureError("instruction 0x%x has a row in tools/wasm_ops.py but "
                                      "no validation rule" % op, v.ins.offset)
    return 0


cdef inline uint8_t addr_min(uint8_t a, uint8_t b) noexcept:
    """The address type of a length spanning two memories or tables: i64 only if both are."""
    return VT_I64 if a == VT_I64 and b == VT_I64 else VT_I32


cdef int fv_misc(FuncValidator v, uint32_t op) except -1:
    """The 0xFC instructions with index immediates (bulk memory and table ops; `at` is the
    address type of the memory or table named) and wide arithmetic."""
    cdef Instr* ins = &v.ins
    cdef uint32_t x, y
    cdef vt_t t
    cdef uint8_t at
    if op == OP_MEMORY_INIT:                   # x m  [at i32 i32] -> []
        x = fv_index(v)
        ins.idx = x
        ins.mem = read_memidx(&v.r, v.features)
        if v.ndatas < 0:
            fv_malformed(v, "data count section required")
        if ins.mem >= v.nmems:
            fv_fail(v, "unknown memory %d" % ins.mem)
        if x >= v.ndatas:
            fv_fail(v, "unknown data segment %d" % x)
        fv_pop_expect(v, VT_I32)
        fv_pop_expect(v, VT_I32)
        fv_pop_expect(v, v.mem_addr[ins.mem])
    elif op == OP_DATA_DROP:                   # x
        x = fv_index(v)
        ins.idx = x
        if v.ndatas < 0:
            fv_malformed(v, "data count section required")
        if x >= v.ndatas:
            fv_fail(v, "unknown data segment %d" % x)
    elif op == OP_MEMORY_COPY:                 # d s  [at_d at_s min(at_d, at_s)] -> []
        ins.mem = fv_memidx(v)
        ins.mem2 = fv_memidx(v)
        fv_pop_expect(v, addr_min(v.mem_addr[ins.mem], v.mem_addr[ins.mem2]))
        fv_pop_expect(v, v.mem_addr[ins.mem2])
        fv_pop_expect(v, v.mem_addr[ins.mem])
    elif op == OP_MEMORY_FILL:                 # m  [at i32 at] -> []
        ins.mem = fv_memidx(v)
        at = v.mem_addr[ins.mem]
        fv_pop_expect(v, at)
        fv_pop_expect(v, VT_I32)
        fv_pop_expect(v, at)
    elif op == OP_TABLE_INIT:                  # y x  [at i32 i32] -> []
        y = fv_index(v)
        x = fv_index(v)
        ins.idx = y
        ins.idx2 = x
        fv_check_table(v, x)
        if y >= v.nelems:
            fv_fail(v, "unknown elem segment %d" % y)
        if not vt_sub(v, v.elem_type[y], v.table_type[x]):
            fv_fail(v, "type mismatch")
        ins.val_type = v.table_type[x]
        fv_pop_expect(v, VT_I32)
        fv_pop_expect(v, VT_I32)
        fv_pop_expect(v, v.table_addr[x])
    elif op == OP_ELEM_DROP:                   # x
        x = fv_index(v)
        ins.idx = x
        if x >= v.nelems:
            fv_fail(v, "unknown elem segment %d" % x)
    elif op == OP_TABLE_COPY:                  # x y  [at_x at_y min(at_x, at_y)] -> []
        x = fv_index(v)
        y = fv_index(v)
        ins.idx = x
        ins.idx2 = y
        fv_check_table(v, x)
        fv_check_table(v, y)
        if not vt_sub(v, v.table_type[y], v.table_type[x]):
            fv_fail(v, "type mismatch")
        ins.val_type = v.table_type[x]
        fv_pop_expect(v, addr_min(v.table_addr[x], v.table_addr[y]))
        fv_pop_expect(v, v.table_addr[y])
        fv_pop_expect(v, v.table_addr[x])
    elif op == OP_I64_ADD128 or op == OP_I64_SUB128:    # [i64 i64 i64 i64] -> [i64 i64]
        for x in range(4):
            fv_pop_expect(v, VT_I64)
        fv_push(v, VT_I64)
        fv_push(v, VT_I64)
    elif op == OP_I64_MUL_WIDE_S or op == OP_I64_MUL_WIDE_U:   # [i64 i64] -> [i64 i64]
        fv_pop_expect(v, VT_I64)
        fv_pop_expect(v, VT_I64)
        fv_push(v, VT_I64)
        fv_push(v, VT_I64)
    else:                                      # table.grow/size/fill x
        x = fv_index(v)
        ins.idx = x
        fv_check_table(v, x)
        t = v.table_type[x]
        at = v.table_addr[x]
        ins.val_type = t
        if op == OP_TABLE_GROW:                # [t at] -> [at]
            fv_pop_expect(v, at)
            fv_pop_expect(v, t)
            fv_push(v, at)
        elif op == OP_TABLE_SIZE:              # [] -> [at]
            fv_push(v, at)
        else:                                  # table.fill [at t at] -> []
            fv_pop_expect(v, at)
            fv_pop_expect(v, t)
            fv_pop_expect(v, at)
    return 0


cdef int fv_simd(FuncValidator v, uint32_t op) except -1:
    """The 0xFD instructions with 16 immediate bytes (the others are validated by the table:
    loads, stores, lanes and every lane-wise operation)."""
    cdef Reader* r = &v.r
    cdef Instr* ins = &v.ins
    cdef const uint8_t* q = rd_bytes(r, 16)
    cdef int i
    if r.err:
        raise_read_error(r)
    memcpy(ins.v128, q, 16)
    if op == OP_V128_CONST:                    # [] -> [v128]
        fv_push(v, VT_V128)
    else:                                      # i8x16.shuffle lanes  [v128 v128] -> [v128]
        for i in range(16):
            if q[i] >= 32:
                fv_fail(v, "invalid lane index")
        fv_pop_sig(v, op_info(PREFIX_SIMD, OP_I8X16_SHUFFLE & 0xFFFF).sig)
    return 0


# -- module rules (spec 3.4) -----------------------------------------------------------------

cdef int check_limits(object mn, object mx, object bound, str too_big,
                      int64_t offset) except -1:
    if mn > bound or mx > bound:
        raise ValidationError(too_big, offset)
    if mx >= 0 and mn > mx:
        raise ValidationError("size minimum must not be greater than maximum", offset)
    return 0


cdef int check_memory_type(MemoryTypeInfo mt) except -1:
    """A memory type's page size (1 or 64 KiB) and limits (spec 3.2.8 with memory64 and
    custom page sizes: at most 2**32 bytes for a 32-bit memory (2**32 - 1 1-byte pages),
    2**48 pages of 64 KiB for a 64-bit one)."""
    if mt.page_size_log2 != 16 and mt.page_size_log2 != 0:
        raise ValidationError("invalid custom page size", mt.offset)
    if mt.is_64:
        if mt.page_size_log2 == 16:
            check_limits(mt.min, mt.max, 1 << 48, "memory size must be at most 2**48 pages",
                         mt.offset)
        else:
            check_limits(mt.min, mt.max, 0xFFFFFFFFFFFFFFFF, "", mt.offset)
    else:
        # 1-byte pages: at most 2**32 - 1 of them (memory.size returns the count as an i32)
        check_limits(mt.min, mt.max, (1 << 32) >> mt.page_size_log2 if mt.page_size_log2
                     else 0xFFFFFFFF,
                     "memory size must be at most 65536 pages (4GiB)" if mt.page_size_log2
                     else "memory size must be at most 2**32 - 1 bytes", mt.offset)
    if mt.shared and mt.max < 0:
        raise ValidationError("shared memory must have maximum", mt.offset)
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


cdef int check_module_vt(ModuleInfo m, vt_t t, int64_t offset) except -1:
    """A value type of the module's sections: a type index must name one of its types."""
    if (t & 0xFF) == HT_CONCRETE and vt_index(t) >= len(m.types):
        raise ValidationError("unknown type", offset)
    return 0


cdef int check_module_types(ModuleInfo m) except -1:
    """Every value type outside the bodies names existing types (before any subtyping)."""
    cdef FuncTypeInfo ft
    cdef ImportInfo im
    cdef TableTypeInfo tt
    cdef GlobalInfo g
    cdef ElemInfo el
    for ft in m.types:
        if ft.type_id < 0:
            raise ValidationError("unknown type", ft.offset)
    for tt in m.tables:
        check_module_vt(m, tt.elem_type, tt.offset)
    for g in m.globals:
        check_module_vt(m, g.type.val_type, g.offset)
    for el in m.elems:
        check_module_vt(m, el.elem_type, el.entry_offset)
    return 0


cdef bint field_matches(const int32_t* canon, tuple a, tuple b) noexcept:
    """Field ``a`` ((storage type, mutable)) of a subtype matches field ``b`` of its
    supertype: the same mutability; a mutable field's type equal, an immutable one's
    covariant."""
    if a[1] != b[1]:
        return 0
    if not vt_matches(canon, a[0], b[0]):
        return 0
    return not a[1] or vt_matches(canon, b[0], a[0])


cdef bint composite_matches(const int32_t* canon, FuncTypeInfo a, FuncTypeInfo b):
    """Composite type ``a`` matches ``b`` (spec 3.3.x): same kind; functions contravariant
    in their parameters and covariant in their results; a struct has at least ``b``'s
    fields, each matching; an array's field matches."""
    cdef Py_ssize_t i
    if a.kind != b.kind:
        return 0
    if a.kind == TK_FUNC:
        if len(a.params) != len(b.params) or len(a.results) != len(b.results):
            return 0
        for i in range(len(a.params)):
            if not vt_matches(canon, b.params[i], a.params[i]):
                return 0
        for i in range(len(a.results)):
            if not vt_matches(canon, a.results[i], b.results[i]):
                return 0
        return 1
    if len(a.fields) < len(b.fields):
        return 0
    for i in range(len(b.fields)):
        if not field_matches(canon, a.fields[i], b.fields[i]):
            return 0
    return 1


cdef int check_sub_types(ModuleInfo m, FuncValidator v) except -1:
    """Each declared supertype is one (at most), defined before its subtype, not final,
    and the subtype's definition matches it."""
    cdef FuncTypeInfo ft, sup
    cdef uint32_t i
    for i in range(len(m.types)):
        ft = m.types[i]
        if ft.supertype == -1:
            continue
        if ft.supertype == -2:
            raise ValidationError("sub type: multiple supertypes", ft.offset)
        if <uint32_t>ft.supertype >= i:
            raise ValidationError("unknown type %d: forward use of a type in a sub type "
                                  "definition" % ft.supertype, ft.offset)
        sup = m.types[ft.supertype]
        if sup.final:
            raise ValidationError("sub type %d does not match its final supertype %d"
                                  % (i, ft.supertype), ft.offset)
        if not composite_matches(v.type_canon, ft, sup):
            raise ValidationError("sub type %d does not match its supertype %d"
                                  % (i, ft.supertype), ft.offset)
    return 0


cdef int check_const(ModuleInfo m, FuncValidator v, ConstExpr e, vt_t expected,
                     uint32_t nglobals) except -1:
    """A constant expression of a type matching ``expected``; global.get may name globals
    < nglobals.  With extended constant expressions, ``i32/i64.add/sub/mul`` are constant
    too."""
    cdef list stack = []
    cdef uint32_t x
    cdef GlobalInfo g
    cdef bint extended = m.features & FEAT_EXTENDED_CONST
    for op, imm in e.ops:
        if op == OP_I32_CONST:
            stack.append(VT_I32)
        elif op == OP_I64_CONST:
            stack.append(VT_I64)
        elif op == OP_F32_CONST:
            stack.append(VT_F32)
        elif op == OP_F64_CONST:
            stack.append(VT_F64)
        elif op == OP_V128_CONST:
            stack.append(VT_V128)
        elif op == OP_REF_NULL:
            check_module_vt(m, imm, e.offset)
            stack.append(imm)
        elif op == OP_REF_FUNC:
            if imm >= len(m.func_types):
                raise ValidationError("unknown function %d" % imm, e.offset)
            stack.append(vt_concrete(m.func_types[imm], 0)
                         if m.features & FEAT_FUNCTION_REFERENCES else VT_FUNCREF)
        elif op == OP_GLOBAL_GET:
            if imm >= nglobals:
                raise ValidationError("unknown global %d" % imm, e.offset)
            g = m.globals[imm]
            if g.type.mutable:
                raise ValidationError("constant expression required", e.offset)
            stack.append(g.type.val_type)
        elif op == OP_REF_I31:
            n = len(stack)
            if n < 1 or stack[n - 1] != VT_I32:
                raise ValidationError("type mismatch: ref.i31 of a constant expression needs "
                                      "an i32", e.offset)
            stack[n - 1] = HT_I31 | VT_NONNULL
        elif op == OP_STRUCT_NEW or op == OP_STRUCT_NEW_DEFAULT or op == OP_ARRAY_NEW \
                or op == OP_ARRAY_NEW_DEFAULT or op == OP_ARRAY_NEW_FIXED:
            const_alloc(m, v, op, imm, stack, e.offset)
        elif op == OP_ANY_CONVERT_EXTERN or op == OP_EXTERN_CONVERT_ANY:
            n = len(stack)
            t = HT_EXTERN if op == OP_ANY_CONVERT_EXTERN else HT_ANY
            if n < 1 or not vt_sub(v, stack[n - 1], t):
                raise ValidationError("type mismatch: %s of a constant expression needs "
                                      "a %s" % ("any.convert_extern" if t == HT_EXTERN
                                                else "extern.convert_any", _vt(t)), e.offset)
            stack[n - 1] = (HT_ANY if t == HT_EXTERN else HT_EXTERN) | (stack[n - 1] & VT_NONNULL)
        elif extended and (OP_I32_ADD <= op <= OP_I32_MUL or OP_I64_ADD <= op <= OP_I64_MUL):
            t = VT_I32 if op <= OP_I32_MUL else VT_I64
            n = len(stack)                     # (no negative indexing: wraparound is off)
            if n < 2 or stack[n - 1] != t or stack[n - 2] != t:
                raise ValidationError("type mismatch: %s operands of a constant expression"
                                      % _vt(t), e.offset)
            stack.pop()
        else:
            raise ValidationError("constant expression required", e.offset)
    if len(stack) != 1 or not vt_sub(v, stack[0], expected):
        raise ValidationError("type mismatch: constant expression of type [%s], expected %s"
                              % (" ".join(_vt(t) for t in stack), _vt(expected)), e.offset)
    return 0


cdef int const_alloc(ModuleInfo m, FuncValidator v, uint32_t op, object imm, list stack,
                     int64_t offset) except -1:
    """A GC allocation in a constant expression: pops its operands off ``stack`` (value
    types) and pushes ``(ref x)``."""
    cdef uint32_t x = imm[0] if op == OP_ARRAY_NEW_FIXED else imm
    cdef FuncTypeInfo ft
    cdef list want = []
    if x >= <uint32_t>len(m.types):
        raise ValidationError("unknown type %d" % x, offset)
    ft = m.types[x]
    if ft.kind != (TK_STRUCT if op == OP_STRUCT_NEW or op == OP_STRUCT_NEW_DEFAULT
                   else TK_ARRAY):
        raise ValidationError("type mismatch: type %d of a constant expression" % x, offset)
    if op == OP_STRUCT_NEW:
        want = [unpacked(f[0]) for f in ft.fields]
    elif op == OP_ARRAY_NEW:
        want = [unpacked(ft.fields[0][0]), VT_I32]
    elif op == OP_ARRAY_NEW_DEFAULT:
        want = [VT_I32]
    elif op == OP_ARRAY_NEW_FIXED:
        want = [unpacked(ft.fields[0][0])] * imm[1]
    if op == OP_STRUCT_NEW_DEFAULT or op == OP_ARRAY_NEW_DEFAULT:
        for f in ft.fields:
            if not defaultable(f[0]):
                raise ValidationError("type mismatch: field type is not defaultable", offset)
    if len(stack) < len(want):
        raise ValidationError("type mismatch: a constant expression's allocation needs %d "
                              "operands" % len(want), offset)
    for k in range(len(want)):
        if not vt_sub(v, stack[len(stack) - len(want) + k], want[k]):
            raise ValidationError("type mismatch: operand %d of a constant expression's "
                                  "allocation" % k, offset)
    del stack[len(stack) - len(want):]
    stack.append(vt_concrete(x, 0))
    return 0


cdef set declared_funcs(ModuleInfo m):
    """C.refs: the functions named outside function bodies (elems, exports, globals,
    table initialisers)."""
    cdef set refs = set()
    cdef TableTypeInfo tt
    cdef ElemInfo el
    cdef ConstExpr e
    cdef GlobalInfo g
    cdef ExportInfo ex
    for el in m.elems:
        for e in el.items:
            for op, imm in e.ops:
                if op == OP_REF_FUNC:
                    refs.add(imm)
    for ex in m.exports:
        if ex.kind == EXTERN_FUNC:
            refs.add(ex.index)
    for g in m.globals:
        if g.init is not None:
            for op, imm in g.init.ops:
                if op == OP_REF_FUNC:
                    refs.add(imm)
    for tt in m.tables:
        if tt.init is not None:
            for op, imm in tt.init.ops:
                if op == OP_REF_FUNC:
                    refs.add(imm)
    return refs


cdef int validate_module_rules(ModuleInfo m, FuncValidator v) except -1:
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
    check_sub_types(m, v)
    for i in range(nfuncs):
        x = m.func_types[i]
        if x >= ntypes:
            raise ValidationError("unknown type %d" % x, func_decl_offset(m, i))
        if v.type_kind[x] != TK_FUNC:
            raise ValidationError("type mismatch: type %d is not a function type" % x,
                                  func_decl_offset(m, i))
    for tt in m.tables:
        check_limits(tt.min, tt.max, 0xFFFFFFFFFFFFFFFF if tt.is_64 else 0xFFFFFFFF,
                     "table size must be at most 2^32-1", tt.offset)
    for mt in m.memories:
        check_memory_type(mt)
    if len(m.memories) > 1 and not (features & FEAT_MULTI_MEMORY):
        raise ValidationError("multiple memories", (<MemoryTypeInfo>m.memories[1]).offset)
    if len(m.tables) > 1 and not (features & FEAT_REFERENCE_TYPES):
        raise ValidationError("multiple tables", (<TableTypeInfo>m.tables[1]).offset)
    if not (features & FEAT_MUTABLE_GLOBALS):
        for im in m.imports:
            if im.kind == EXTERN_GLOBAL and (<GlobalTypeInfo>im.desc).mutable:
                raise ValidationError("mutable global import (mutable-globals disabled)",
                                      im.offset)
    # Constant expressions see the imported globals (Wasm 2.0); since 3.0 (extended const,
    # gc) every global defined before them: all of them in segments.
    cdef bint later_globals = features & (FEAT_EXTENDED_CONST | FEAT_GC)
    cdef uint32_t seg_globals = len(m.globals) if later_globals else m.num_imported_globals
    for tt in m.tables[m.num_imported_tables:]:
        if tt.init is not None:             # tables see the imported globals only
            check_const(m, v, tt.init, tt.elem_type, m.num_imported_globals)
        elif not defaultable(tt.elem_type):
            raise ValidationError("type mismatch: a table of %s needs an initialiser"
                                  % _vt(tt.elem_type), tt.offset)
    for i in range(len(m.globals)):
        g = m.globals[i]
        if g.init is not None:
            check_const(m, v, g.init, g.type.val_type,
                        i if later_globals else m.num_imported_globals)
    for el in m.elems:
        for e in el.items:
            check_const(m, v, e, el.elem_type, seg_globals)
        if el.mode == SEG_ACTIVE:
            if el.table >= len(m.tables):
                raise ValidationError("unknown table %d" % el.table, el.entry_offset)
            tt = m.tables[el.table]
            check_const(m, v, el.offset, VT_I64 if tt.is_64 else VT_I32, seg_globals)
            if not vt_sub(v, el.elem_type, tt.elem_type):
                raise ValidationError("type mismatch: %s element segment for a table of %s"
                                      % (_vt(el.elem_type), _vt(tt.elem_type)), el.offset.offset)
    for d in m.datas:
        if d.mode == SEG_ACTIVE:
            if d.memory >= len(m.memories):
                raise ValidationError("unknown memory %d" % d.memory, d.entry_offset)
            check_const(m, v, d.offset,
                        VT_I64 if (<MemoryTypeInfo>m.memories[d.memory]).is_64 else VT_I32,
                        seg_globals)
    if m.start >= 0:
        if m.start >= nfuncs:
            raise ValidationError("unknown function %d" % m.start, m.start_offset)
        ft = m.types[m.func_types[m.start]]
        if ft.params or ft.results:
            raise ValidationError("start function must have type [] -> []", m.start_offset)
    for x in m.tags:
        if x >= ntypes:
            raise ValidationError("unknown type %d" % x, -1)
        if (<FuncTypeInfo>m.types[x]).results:
            raise ValidationError("non-empty tag result type", (<FuncTypeInfo>m.types[x]).offset)
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
        if ex.kind == EXTERN_TAG and ex.index >= len(m.tags):
            raise ValidationError("unknown tag %d" % ex.index, ex.offset)
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
    cdef FuncValidator v = FuncValidator()
    check_module_types(m)
    fv_setup(v, m, declared_funcs(m))
    validate_module_rules(m, v)
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
