# The binary decoder (spec 5.5): one method per section, in binary order.
#
# ``Decoder.run`` reads the preamble and every section into a ModuleInfo.  Function
# bodies are only delimited here (locals decoded, instruction bytes recorded); their
# instructions are decoded by the body validator (_core_validate.pxi), which raises
# DecodeError for malformed instructions.  Counts from the input never size an
# allocation: every list grows one decoded element at a time, and each element consumes
# at least one byte, so a huge count fails with "unexpected end" after the real bytes.
# As in the spec's decoder, a section's content is read against the end of the input and
# then checked against its declared size ("section size mismatch"), so that the error
# reported for bytes straddling a section boundary is the spec's.

cdef str rd_message(Reader* r):
    """The spec's wording of the reader's error."""
    cdef int e = r.err
    if e == RD_EOF:
        return "unexpected end of section or function" if r.scoped else "unexpected end"
    if e == RD_TOO_LONG:
        return "integer representation too long"
    if e == RD_TOO_LARGE:
        return "integer too large"
    if e == RD_UTF8:
        return "malformed UTF-8 encoding"
    if e == RD_LENGTH:
        return "length out of bounds"
    return "malformed module"


cdef int raise_read_error(Reader* r) except -1:
    raise DecodeError(rd_message(r), <Py_ssize_t>(r.err_at - r.base) if r.err_at != NULL else -1)


cdef inline int rd_check(Reader* r) except -1:
    if r.err:
        raise_read_error(r)
    return 0


cdef int malformed(str reason, Reader* r, const uint8_t* at=NULL) except -1:
    raise DecodeError(reason, <Py_ssize_t>((at if at != NULL else r.p) - r.base))


cdef str illegal_opcode(uint32_t op, uint32_t sub=0xFFFFFFFF):
    """The reason for an opcode no instruction has: its bytes in hex, as the reference
    decoder words it ("illegal opcode ff", a prefixed one "illegal opcode fc 99")."""
    if sub == 0xFFFFFFFF:
        return f"illegal opcode {op:02x}"
    return f"illegal opcode {op:02x} {sub:02x}"


cdef int unsupported(str what, Reader* r, const uint8_t* at, str malformed_as=None) except -1:
    """Reject a 3.0 encoding.  ``malformed_as``: the Wasm 2.0 wording for the same bytes
    (which 2.0 calls malformed), put first so the message keeps the spec's prefix."""
    cdef str reason = "unsupported feature: " + what
    if malformed_as is not None:
        reason = f"{malformed_as} ({reason})"
    raise UnsupportedFeatureError(reason, <Py_ssize_t>(at - r.base))


cdef str rd_str(Reader* r):
    cdef uint32_t n = 0
    cdef const uint8_t* q = rd_name(r, &n)
    rd_check(r)
    return (<const char*>q)[:n].decode("utf-8")


# Section ids (binary) and their rank in the required order (custom sections: anywhere).
cdef enum:
    SEC_CUSTOM = 0
    SEC_TYPE = 1
    SEC_IMPORT = 2
    SEC_FUNCTION = 3
    SEC_TABLE = 4
    SEC_MEMORY = 5
    SEC_GLOBAL = 6
    SEC_EXPORT = 7
    SEC_START = 8
    SEC_ELEMENT = 9
    SEC_CODE = 10
    SEC_DATA = 11
    SEC_DATACOUNT = 12
    SEC_TAG = 13

cdef int SECTION_RANK[14]
# binary order: ..., memory, tag (13), global, ..., element, data count (12), code, data
SECTION_RANK[:] = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 22, 24, 20, 11]


# Value types (spec 5.3.3-5.3.5) as ``vt_t`` words (_defs.pxd).  The typed forms
# (0x63 ref null / 0x64 ref + heap type) need typed function references; the heap types of
# GC (any, eq, i31, struct, array, none, nofunc, noextern) need GC, those of exceptions
# (exn, noexn) are recognised and rejected as unsupported.  A type index beyond the
# module's types is left to the validator ("unknown type").

cdef enum:
    BLOCKTYPE_VALUE = -0x1000   # read_blocktype: a single result type
    REF_NULL_PREFIX = 0x63      # (ref null ht)
    REF_PREFIX = 0x64           # (ref ht)
    MAX_TYPE_INDEX = (1 << 23) - 1   # what a vt_t holds; more types are rejected


cdef enum:
    HT_EXACT_PREFIX = 0x62      # custom descriptors' `(exact $t)`: not implemented


cdef int check_heap_code(Reader* r, uint32_t code, uint32_t features, const uint8_t* at) except -1:
    """An abstract heap type's code: func/extern, GC's with GC on, or a 3.0 one this build
    cannot run."""
    if code == HT_FUNC or code == HT_EXTERN:
        return 0
    if code == HT_EXN or code == HT_NOEXN:
        if not (features & FEAT_EXCEPTIONS):
            unsupported("exception handling (exnref)", r, at)
        return 0
    if HT_EXN <= code <= HT_NOEXN:
        if features & FEAT_GC:
            return 0
        unsupported("gc (heap type %s)" % HEAPTYPE_NAMES[code], r, at)
    if code == HT_EXACT_PREFIX:
        unsupported("custom descriptors (exact reference types)", r, at,
                    "malformed reference type")
    malformed("malformed reference type", r, at)


cdef vt_t read_heaptype(Reader* r, uint32_t features) except 0:
    """A heap type (s33): an abstract one as its code, a type index as (ref null $t)."""
    cdef const uint8_t* at = r.p
    cdef int64_t x = rd_s33(r)
    rd_check(r)
    if x >= 0:
        if not (features & FEAT_FUNCTION_REFERENCES):
            unsupported("typed function references", r, at)
        return vt_concrete(<uint32_t>(x if x < MAX_TYPE_INDEX else MAX_TYPE_INDEX), 1)
    if x < -0x40:
        malformed("malformed reference type", r, at)
    check_heap_code(r, <uint32_t>(x + 0x80), features, at)
    return <vt_t>(x + 0x80)


cdef vt_t read_valtype(Reader* r, uint32_t features, bint ref_only=False) except 0:
    """A value type (with ``ref_only``: a reference type)."""
    cdef const uint8_t* at = r.p
    cdef uint8_t t = rd_u8(r)
    rd_check(r)
    if (VT_V128 <= t <= VT_I32 and not ref_only) or t == VT_FUNCREF or t == VT_EXTERNREF:
        return t
    if t == REF_NULL_PREFIX or t == REF_PREFIX:
        if not (features & FEAT_FUNCTION_REFERENCES):
            unsupported("typed function references", r, at)
        return read_heaptype(r, features) | (VT_NONNULL if t == REF_PREFIX else 0)
    if HT_EXN <= t <= HT_NOEXN:
        check_heap_code(r, t, features, at)
        return t
    malformed("malformed reference type" if ref_only else "malformed value type", r, at)


cdef int64_t read_blocktype(Reader* r, uint32_t features, vt_t* single) except -0x100000:
    """A block type (s33): BLOCKTYPE_EMPTY, a type index (>= 0), or BLOCKTYPE_VALUE with
    its one result type in ``single[0]``."""
    cdef const uint8_t* at = r.p
    cdef int64_t x
    if r.p >= r.end:
        rd_fail(r, RD_EOF, r.p)
        raise_read_error(r)
    if r.p[0] == 0x40:
        r.p += 1
        return BLOCKTYPE_EMPTY
    if 0x40 < r.p[0] < 0x80:                  # one byte, negative: a value type
        single[0] = read_valtype(r, features)
        return BLOCKTYPE_VALUE
    x = rd_s33(r)
    rd_check(r)
    if x < 0:
        malformed("malformed value type", r, at)
    return x


cdef int read_limits(Reader* r, Limits* lim, bint memory, uint32_t features) except -1:
    """A table's or memory's limits (spec 5.3.9): the flags byte, then min and max (u64 in
    the 3.0 encoding, u32 in the 2.0 one), then a memory's page size exponent.  The flag bits
    of disabled proposals are malformed: in the 3.0 encoding (memory64 on) "malformed
    limits flags"; in the 2.0 one the flag is a LEB128 u1 ("integer too large")."""
    cdef const uint8_t* at = r.p
    cdef uint8_t flags = rd_u8(r)
    cdef uint8_t known = LIM_HAS_MAX
    cdef uint64_t e
    rd_check(r)
    if memory:
        if features & FEAT_THREADS:
            known |= LIM_SHARED
        if features & FEAT_CUSTOM_PAGE_SIZES:
            known |= LIM_PAGE_SIZE
    if features & FEAT_MEMORY64:
        known |= LIM_64
    if flags & ~known:
        if memory and (flags & ~known) == LIM_SHARED:       # threads off
            unsupported("shared memory (threads)", r, at,
                        None if features & FEAT_MEMORY64 else "integer too large")
        if features & FEAT_MEMORY64:
            if memory and (flags & ~known) == LIM_PAGE_SIZE:
                unsupported("custom page sizes", r, at, "malformed limits flags")
            malformed("malformed limits flags", r, at)
        if flags & 0x80:
            malformed("integer representation too long", r, at)
        if flags <= 7 and flags & LIM_64:
            unsupported("64-bit memories and tables (memory64)", r, at, "integer too large")
        if memory and flags <= 15 and flags & LIM_PAGE_SIZE:
            unsupported("custom page sizes", r, at, "integer too large")
        malformed("integer too large", r, at)
    lim.has_max = (flags & LIM_HAS_MAX) != 0
    lim.shared = (flags & LIM_SHARED) != 0
    lim.is_64 = (flags & LIM_64) != 0
    lim.page_size_log2 = 16
    if features & FEAT_MEMORY64:
        # 3.0: limits are u64 whatever the address type (validation bounds a 32-bit one)
        lim.min = rd_u64(r)
        lim.max = rd_u64(r) if lim.has_max else 0
    else:
        lim.min = rd_u32(r)
        lim.max = rd_u32(r) if lim.has_max else 0
    if flags & LIM_PAGE_SIZE:
        at = r.p
        e = rd_u32(r)
        rd_check(r)
        if e >= 64:                         # 2**e does not fit the page size
            malformed("invalid custom page size", r, at)
        lim.page_size_log2 = <uint32_t>e
    rd_check(r)
    return 0


cdef TableTypeInfo table_type_info(Limits* lim, vt_t elem_type, int64_t at,
                                   ConstExpr init=None):
    return TableTypeInfo(elem_type, lim.min, lim.max if lim.has_max else -1, at, lim.is_64,
                         init)


cdef MemoryTypeInfo memory_type_info(Limits* lim, int64_t at):
    return MemoryTypeInfo(lim.min, lim.max if lim.has_max else -1, at, lim.is_64, lim.shared,
                          lim.page_size_log2)


cdef int read_memarg(Reader* r, uint32_t features, Instr* ins) except -1:
    """A memarg (spec 5.4.6) into ``ins.align``/``mem``/``mem_offset``: the flags (u32: the
    alignment exponent; with multi-memory, bit 6 announces a memory index and bit 7 up are
    malformed), the memory index, then the offset (u64 with memory64, else u32)."""
    cdef const uint8_t* at = r.p
    cdef uint32_t flags = rd_u32(r)
    rd_check(r)
    ins.mem = 0
    if features & FEAT_MULTI_MEMORY:
        if flags >= 0x80:
            malformed("malformed memop flags", r, at)
        if flags & 0x40:
            flags &= 0x3F
            ins.mem = rd_u32(r)
            rd_check(r)
    elif 0x40 <= flags < 0x80:
        unsupported("multiple memories (memarg with a memory index)", r, at)
    ins.align = flags
    ins.mem_offset = rd_u64(r) if features & FEAT_MEMORY64 else rd_u32(r)
    rd_check(r)
    return 0


cdef uint32_t read_memidx(Reader* r, uint32_t features) except? 0xFFFFFFFF:
    """A memory index immediate (memory.size/grow/fill/copy/init): a u32 with multi-memory,
    else the single zero byte of Wasm 2.0 ("zero byte expected")."""
    cdef const uint8_t* at = r.p
    cdef uint32_t x
    if features & FEAT_MULTI_MEMORY:
        x = rd_u32(r)
        rd_check(r)
        return x
    x = rd_u8(r)
    rd_check(r)
    if x != 0:
        malformed("zero byte expected", r, at)
    return 0


cdef ConstExpr read_const_expr(Reader* r, uint32_t features, const uint8_t* sec_end):
    """A constant expression up to its ``end`` (see ConstExpr for the ops' form).

    With extended constant expressions (Wasm 3.0) the ``end`` must come before ``sec_end``,
    the end of the enclosing section, as the 3.0 reference decoder reads it ("unexpected
    end of section or function"); a Wasm 2.0 decoder reads on into the next section and
    finds an illegal opcode there, as the 2.0 suite's binary.wast expects."""
    cdef const uint8_t* start = r.p
    cdef const uint8_t* at
    cdef uint32_t op, sub
    cdef list ops = []
    cdef object imm
    cdef const uint8_t* q
    cdef Instr ins
    while True:
        at = r.p
        if at >= sec_end and features & FEAT_EXTENDED_CONST:
            malformed("unexpected end of section or function", r)
        op = rd_u8(r)
        rd_check(r)
        imm = None
        if op == OP_END:
            break
        elif op == OP_I32_CONST:
            imm = rd_s32(r)
        elif op == OP_I64_CONST:
            imm = rd_s64(r)
        elif op == OP_F32_CONST:
            imm = rd_f32_bits(r)
        elif op == OP_F64_CONST:
            imm = rd_f64_bits(r)
        elif op == OP_REF_NULL:
            imm = read_heaptype(r, features)
        elif op == OP_REF_FUNC or op == OP_GLOBAL_GET or op == OP_GLOBAL_SET \
                or op == OP_LOCAL_GET or op == OP_LOCAL_SET or op == OP_LOCAL_TEE \
                or op == OP_CALL or op == OP_BR or op == OP_BR_IF:
            imm = rd_u32(r)
        elif op == OP_MEMORY_SIZE or op == OP_MEMORY_GROW:
            imm = read_memidx(r, features)
        elif OPS_PLAIN[op].imms == IMM_MEMARG:
            read_memarg(r, features, &ins)
            imm = (ins.align, ins.mem_offset)
        elif op == PREFIX_SIMD:
            sub = rd_u32(r)
            rd_check(r)
            op = (PREFIX_SIMD << 16) | (sub if sub <= 0xFFFF else 0xFFFF)
            if op == OP_V128_CONST:
                q = rd_bytes(r, 16)
                rd_check(r)
                imm = (<const char*>q)[:16]
            else:
                malformed("constant expression required", r, at)
        elif op == PREFIX_GC:
            sub = rd_u32(r)
            rd_check(r)
            op = (PREFIX_GC << 16) | (sub if sub <= 0xFFFF else 0xFFFF)
            if not (features & FEAT_GC) or op_info(PREFIX_GC, sub).kind == OK_RESERVED:
                unsupported("gc instructions", r, at)
            if op == OP_STRUCT_NEW or op == OP_STRUCT_NEW_DEFAULT or op == OP_ARRAY_NEW \
                    or op == OP_ARRAY_NEW_DEFAULT:
                imm = rd_u32(r)
            elif op == OP_ARRAY_NEW_FIXED:
                imm = rd_u32(r)
                imm = (imm, rd_u32(r))
            else:                               # validation refuses the others
                scan_immediates(r, op_info(PREFIX_GC, sub).imms, 0, at, features)
        elif op == OP_UNREACHABLE or op == OP_DROP or op == OP_SELECT or op == OP_REF_IS_NULL \
                or (OPS_PLAIN[op].kind == OK_TABLE and OPS_PLAIN[op].imms == 0):  # numerics, nop
            pass
        else:
            malformed(illegal_opcode(op), r, at)
        rd_check(r)
        ops.append((op, imm))
    return ConstExpr(tuple(ops), <uint32_t>(start - r.base))


@cython.final
cdef class Decoder:
    """Reads a module's sections into ``self.m`` (a ModuleInfo)."""
    cdef Reader r
    cdef ModuleInfo m
    cdef int64_t nfunc_decls       # function section count (-1: no function section)
    cdef const uint8_t* sec_end    # the end of the section being read
    cdef const uint8_t* codes_at   # the code section's count, when it differs from nfunc_decls

    def __cinit__(self, bytes data):
        if len(data) > 0xFFFFFFFF:
            raise DecodeError("module too large: offsets are 32-bit (at most 4 GiB)")
        self.m = ModuleInfo(data)
        rd_init(&self.r, <const uint8_t*><const char*>data, len(data))
        self.nfunc_decls = -1

    cdef int run(self) except -1:
        cdef Reader* r = &self.r
        cdef const uint8_t* at
        cdef const uint8_t* sec_end
        cdef uint8_t sid
        cdef uint32_t size
        cdef int last_rank = 0
        cdef int rank
        if rd_left(r) < 4:
            malformed("unexpected end", r)
        if r.p[0] != 0 or r.p[1] != 0x61 or r.p[2] != 0x73 or r.p[3] != 0x6D:
            malformed("magic header not detected", r)
        r.p += 4
        if rd_left(r) < 4:
            malformed("unexpected end", r)
        if r.p[0] != 1 or r.p[1] != 0 or r.p[2] != 0 or r.p[3] != 0:
            if r.p[0] == 0x0D and r.p[2] == 0x01 and r.p[3] == 0x00:
                unsupported("component model", r, r.p)
            malformed("unknown binary version", r)
        r.p += 4
        try:
            while r.p < r.limit:
                at = r.p
                r.end = r.limit
                r.scoped = 0
                sid = rd_u8(r)
                size = rd_u32(r)
                rd_check(r)
                r.scoped = 1
                if size > <size_t>(r.limit - r.p):
                    malformed("length out of bounds", r, at + 1)
                sec_end = r.p + size
                self.sec_end = sec_end
                if sid > SEC_TAG:
                    malformed("malformed section id", r, at)
                if sid == SEC_TAG and not (self.m.features & FEAT_EXCEPTIONS):
                    unsupported("exception handling (tag section)", r, at)
                if sid != SEC_CUSTOM:
                    rank = SECTION_RANK[sid]
                    if rank <= last_rank:
                        malformed("unexpected content after last section", r, at)
                    last_rank = rank
                r.end = sec_end if sid == SEC_CUSTOM else r.limit
                if sid == SEC_CUSTOM:
                    self.custom_section()
                elif sid == SEC_TYPE:
                    self.type_section()
                elif sid == SEC_IMPORT:
                    self.import_section()
                elif sid == SEC_FUNCTION:
                    self.function_section()
                elif sid == SEC_TABLE:
                    self.table_section()
                elif sid == SEC_MEMORY:
                    self.memory_section()
                elif sid == SEC_GLOBAL:
                    self.global_section()
                elif sid == SEC_EXPORT:
                    self.export_section()
                elif sid == SEC_START:
                    self.start_section()
                elif sid == SEC_ELEMENT:
                    self.element_section()
                elif sid == SEC_DATACOUNT:
                    self.datacount_section()
                elif sid == SEC_CODE:
                    self.code_section()
                elif sid == SEC_DATA:
                    self.data_section()
                elif sid == SEC_TAG:
                    self.tag_section()
                rd_check(r)
                if r.p != sec_end:
                    malformed("section size mismatch", r)
            r.end = r.limit
            r.scoped = 0
            # checked after the last section, as the reference decoder does: a misplaced
            # section after the code section is reported first
            if self.codes_at != NULL or (self.nfunc_decls > 0 and len(self.m.codes) == 0):
                malformed("function and code section have inconsistent lengths", r,
                          self.codes_at)
            if self.m.data_count >= 0 and self.m.data_count != len(self.m.datas):
                malformed("data count and data section have inconsistent lengths", r)
        except DecodeError:
            # a malformed body comes first in the spec's (eager) decoding order
            scan_bodies(self.m)
            raise
        return 0

    cdef uint32_t vec_count(self) except? 0xFFFFFFFF:
        cdef uint32_t n = rd_u32(&self.r)
        rd_check(&self.r)
        return n

    # -- 0: custom sections (the name section is parsed, never fatal) ------------------
    cdef int custom_section(self) except -1:
        cdef Reader* r = &self.r
        cdef str name = rd_str(r)
        cdef const uint8_t* body = r.p
        cdef size_t n = rd_left(r)
        content = (<const char*>body)[:n]
        r.p = r.end
        self.m.customs.append((name, content))
        if name == "name":
            self.name_section(body, n)
        return 0

    cdef void name_section(self, const uint8_t* body, size_t n):
        cdef Reader s
        cdef Reader sub
        cdef uint8_t sid
        cdef uint32_t size, count, i, j, idx, nl, li
        cdef int last = -1
        cdef NameInfo names = self.m.names
        s.base = self.r.base
        s.p = body
        s.end = body + n
        s.limit = s.end
        s.err = RD_OK
        s.err_at = NULL
        s.scoped = 1
        try:
            while s.p < s.end:
                sid = rd_u8(&s)
                size = rd_u32(&s)
                rd_check(&s)
                if size > rd_left(&s) or sid <= last:
                    return
                last = sid
                sub = s
                sub.end = s.p + size
                s.p += size
                if sid == 0:
                    names.module = rd_str(&sub)
                elif sid == 1:
                    count = rd_u32(&sub)
                    rd_check(&sub)
                    for i in range(count):
                        idx = rd_u32(&sub)
                        rd_check(&sub)
                        names.functions[idx] = rd_str(&sub)
                elif sid == 2:
                    count = rd_u32(&sub)
                    rd_check(&sub)
                    for i in range(count):
                        idx = rd_u32(&sub)
                        nl = rd_u32(&sub)
                        rd_check(&sub)
                        loc = names.locals.setdefault(idx, {})
                        for j in range(nl):
                            li = rd_u32(&sub)
                            rd_check(&sub)
                            loc[li] = rd_str(&sub)
        except DecodeError:
            pass

    # -- 1: types --------------------------------------------------------------------------
    cdef int type_section(self) except -1:
        """Recursion groups of defined types (``rec``, ``sub``/``sub final``, struct and array
        types need GC; a bare type is a group of one): each group's canonical ids
        (``canonical_group``) are computed here, -1 if it names a later type (the validator
        then reports "unknown type")."""
        cdef Reader* r = &self.r
        cdef uint32_t n = self.vec_count(), i, k, size
        cdef const uint8_t* at
        cdef uint8_t form
        cdef uint32_t start
        cdef list ids = []                  # canonical id of every type so far
        cdef list group
        for i in range(n):
            at = r.p
            form = rd_u8(r)
            rd_check(r)
            start = len(self.m.types)
            if form == 0x4E:
                if not (self.m.features & FEAT_GC):
                    unsupported("gc types (rec/sub/struct/array)", r, at)
                size = self.vec_count()
                group = []
                for k in range(size):
                    at = r.p
                    form = rd_u8(r)
                    group.append(self.sub_type(form, at, start + k))
            else:
                group = [self.sub_type(form, at, start)]
            tid = canonical_group(group, start, ids)
            for k in range(len(group)):
                (<FuncTypeInfo>group[k]).type_id = -1 if tid < 0 else tid + k
                ids.append((<FuncTypeInfo>group[k]).type_id)
            self.m.types.extend(group)
        return 0

    cdef FuncTypeInfo sub_type(self, uint8_t form, const uint8_t* at, uint32_t index):
        """A sub type whose first byte, `form`, is read: ``sub``/``sub final`` with their
        supertypes (-2 for more than one: the validator reports it), or a bare composite
        type (final, no supertype)."""
        cdef Reader* r = &self.r
        cdef uint32_t features = self.m.features, k, ns
        cdef bint final = 1
        cdef int supertype = -1
        cdef tuple params = (), results = (), fields = ()
        cdef int kind
        rd_check(r)
        if index > MAX_TYPE_INDEX:
            malformed("too many types", r)
        if form == 0x50 or form == 0x4F:
            if not (features & FEAT_GC):
                unsupported("gc types (rec/sub/struct/array)", r, at)
            final = form == 0x4F
            ns = self.vec_count()
            for k in range(ns):
                x = self.vec_count()
                supertype = -2 if k else <int>min(x, <uint32_t>MAX_TYPE_INDEX)
            at = r.p
            form = rd_u8(r)
            rd_check(r)
        if form == 0x60:
            kind = TK_FUNC
            ns = self.vec_count()
            params = tuple([read_valtype(r, features) for k in range(ns)])
            ns = self.vec_count()
            results = tuple([read_valtype(r, features) for k in range(ns)])
        elif form == 0x5F or form == 0x5E:
            if not (features & FEAT_GC):
                unsupported("gc types (rec/sub/struct/array)", r, at)
            kind = TK_STRUCT if form == 0x5F else TK_ARRAY
            ns = self.vec_count() if form == 0x5F else 1
            fields = tuple([self.field_type() for k in range(ns)])
        elif form == 0x4D or form == 0x4C:
            unsupported("custom descriptors (descriptor and describes clauses)", r, at,
                        "malformed functype")
        else:
            malformed("integer representation too long" if form & 0x80
                      else "malformed functype", r, at)
        return FuncTypeInfo(params, results, <int64_t>(at - r.base), -1, kind, fields, final,
                            supertype)

    cdef tuple field_type(self):
        """A struct or array field: ``(storage type, mutable)``."""
        cdef Reader* r = &self.r
        cdef const uint8_t* at = r.p
        cdef uint8_t b = rd_u8(r)
        cdef vt_t t
        rd_check(r)
        if b == VT_I8 or b == VT_I16:
            t = b
        else:
            r.p = at
            t = read_valtype(r, self.m.features)
        at = r.p
        b = rd_u8(r)
        rd_check(r)
        if b > 1:
            malformed("malformed mutability", r, at)
        return (t, b == 1)

    # -- 2: imports ------------------------------------------------------------------------
    cdef int import_section(self) except -1:
        cdef Reader* r = &self.r
        cdef uint32_t n = self.vec_count(), i
        cdef const uint8_t* at
        cdef const uint8_t* tat
        cdef int64_t entry
        cdef uint8_t kind
        cdef Limits lim
        cdef ModuleInfo m = self.m
        for i in range(n):
            entry = <int64_t>(r.p - r.base)
            module = rd_str(r)
            name = rd_str(r)
            at = r.p
            kind = rd_u8(r)
            rd_check(r)
            if kind == EXTERN_FUNC:
                desc = self.vec_count()
                m.func_types.append(desc)
                m.num_imported_funcs += 1
            elif kind == EXTERN_TABLE:
                tat = r.p
                et = read_valtype(r, m.features, True)
                read_limits(r, &lim, False, m.features)
                desc = table_type_info(&lim, et, <int64_t>(tat - r.base))
                m.tables.append(desc)
                m.num_imported_tables += 1
            elif kind == EXTERN_MEMORY:
                tat = r.p
                read_limits(r, &lim, True, m.features)
                desc = memory_type_info(&lim, <int64_t>(tat - r.base))
                m.memories.append(desc)
                m.num_imported_memories += 1
            elif kind == EXTERN_GLOBAL:
                desc = self.global_type()
                m.globals.append(GlobalInfo(desc, None, True, entry))
                m.num_imported_globals += 1
            elif kind == 4:
                if not (m.features & FEAT_EXCEPTIONS):
                    unsupported("exception handling (tag import)", r, at,
                                "malformed import kind")
                desc = self.tag_type()
                m.tags.append(desc)
                m.num_imported_tags += 1
            elif kind == 0x20:
                unsupported("custom descriptors (exact function imports)", r, at,
                            "malformed import kind")
            else:
                malformed("malformed import kind", r, at)
            m.imports.append(ImportInfo(module, name, kind, desc, entry))
        return 0

    cdef GlobalTypeInfo global_type(self):
        cdef Reader* r = &self.r
        cdef vt_t t = read_valtype(r, self.m.features)
        cdef const uint8_t* at = r.p
        cdef uint8_t mut = rd_u8(r)
        rd_check(r)
        if mut > 1:
            malformed("malformed mutability", r, at)
        return GlobalTypeInfo(t, mut)

    # -- 3: functions ----------------------------------------------------------------------
    cdef int function_section(self) except -1:
        cdef int64_t at = <int64_t>(self.r.p - self.r.base)
        cdef uint32_t n = self.vec_count(), i
        self.m.function_section_offset = at
        self.nfunc_decls = 0
        for i in range(n):
            self.m.func_types.append(self.vec_count())
            self.nfunc_decls += 1
        return 0

    # -- 4: tables -------------------------------------------------------------------------
    cdef int table_section(self) except -1:
        cdef Reader* r = &self.r
        cdef uint32_t n = self.vec_count(), i
        cdef int64_t at
        cdef Limits lim
        cdef const uint8_t* q
        cdef uint8_t b
        cdef ConstExpr init
        for i in range(n):
            init = None
            q = r.p
            if rd_peek(r) == 0x40:              # 0x40 0x00 tabletype expr (3.0)
                r.p += 1
                b = rd_u8(r)
                rd_check(r)
                if b != 0:
                    malformed("malformed table type", r, r.p - 1)
                if not (self.m.features & FEAT_FUNCTION_REFERENCES):
                    unsupported("table initializer expressions (typed function references)",
                                r, q)
            at = <int64_t>(r.p - r.base)
            et = read_valtype(r, self.m.features, True)
            read_limits(r, &lim, False, self.m.features)
            if q[0] == 0x40:
                init = read_const_expr(r, self.m.features, self.sec_end)
            self.m.tables.append(table_type_info(&lim, et, at, init))
        return 0

    # -- 5: memories -----------------------------------------------------------------------
    cdef int memory_section(self) except -1:
        cdef uint32_t n = self.vec_count(), i
        cdef int64_t at
        cdef Limits lim
        for i in range(n):
            at = <int64_t>(self.r.p - self.r.base)
            read_limits(&self.r, &lim, True, self.m.features)
            self.m.memories.append(memory_type_info(&lim, at))
        return 0

    # -- 6: globals ------------------------------------------------------------------------
    cdef int global_section(self) except -1:
        cdef uint32_t n = self.vec_count(), i
        cdef int64_t at
        for i in range(n):
            at = <int64_t>(self.r.p - self.r.base)
            gt = self.global_type()
            init = read_const_expr(&self.r, self.m.features, self.sec_end)
            self.m.globals.append(GlobalInfo(gt, init, False, at))
        return 0

    # -- 7: exports ------------------------------------------------------------------------
    cdef int export_section(self) except -1:
        cdef Reader* r = &self.r
        cdef uint32_t n = self.vec_count(), i
        cdef const uint8_t* at
        cdef int64_t entry
        cdef uint8_t kind
        for i in range(n):
            entry = <int64_t>(r.p - r.base)
            name = rd_str(r)
            at = r.p
            kind = rd_u8(r)
            rd_check(r)
            if kind > 3:
                if kind != 4:
                    malformed("malformed export kind", r, at)
                if not (self.m.features & FEAT_EXCEPTIONS):
                    unsupported("exception handling (tag export)", r, at)
            self.m.exports.append(ExportInfo(name, kind, self.vec_count(), entry))
        return 0

    # -- 13: tags (exception handling) -------------------------------------------------------
    cdef uint32_t tag_type(self) except? 0xFFFFFFFF:
        """A tag type: attribute 0 (an exception), then its function type's index."""
        cdef Reader* r = &self.r
        cdef const uint8_t* at = r.p
        cdef uint8_t attr = rd_u8(r)
        rd_check(r)
        if attr != 0:
            malformed("malformed tag attribute", r, at)
        return self.vec_count()

    cdef int tag_section(self) except -1:
        cdef uint32_t n = self.vec_count(), i
        for i in range(n):
            self.m.tags.append(self.tag_type())
        return 0

    # -- 8: start --------------------------------------------------------------------------
    cdef int start_section(self) except -1:
        self.m.start_offset = <int64_t>(self.r.p - self.r.base)
        self.m.start = self.vec_count()
        return 0

    # -- 9: elements (8 encodings, spec 5.5.12) ---------------------------------------------
    cdef int element_section(self) except -1:
        cdef Reader* r = &self.r
        cdef uint32_t n = self.vec_count(), i, k, count, flags, table
        cdef const uint8_t* at
        cdef int mode
        cdef vt_t et
        cdef ConstExpr offset
        cdef uint8_t kind
        cdef list items
        cdef int64_t entry
        for i in range(n):
            at = r.p
            entry = <int64_t>(at - r.base)
            flags = rd_u32(r)
            rd_check(r)
            if flags > 7:
                malformed("malformed elements segment kind", r, at)
            table = 0
            offset = None
            # a segment of function indices holds (ref func) since 3.0 (funcref in 2.0)
            et = VT_FUNCREF | (VT_NONNULL if self.m.features & FEAT_FUNCTION_REFERENCES else 0)
            if flags & 1:
                mode = SEG_DECLARATIVE if flags & 2 else SEG_PASSIVE
            else:
                mode = SEG_ACTIVE
                if flags & 2:
                    table = self.vec_count()
                offset = read_const_expr(r, self.m.features, self.sec_end)
            if flags & 4:
                et = VT_FUNCREF             # expressions: funcref unless a type is given
                if flags & 3:
                    et = read_valtype(r, self.m.features, True)
                count = self.vec_count()
                items = []
                for k in range(count):
                    items.append(read_const_expr(r, self.m.features, self.sec_end))
            else:
                if flags & 3:
                    at = r.p
                    kind = rd_u8(r)
                    rd_check(r)
                    if kind != 0:
                        malformed("malformed elements segment kind", r, at)
                count = self.vec_count()
                items = []
                for k in range(count):
                    at = r.p
                    items.append(ConstExpr(((0xD2, self.vec_count()),), <uint32_t>(at - r.base)))
            self.m.elems.append(ElemInfo(mode, table, offset, et, tuple(items), flags, entry))
        return 0

    # -- 12: data count --------------------------------------------------------------------
    cdef int datacount_section(self) except -1:
        self.m.data_count = self.vec_count()
        return 0

    # -- 10: code --------------------------------------------------------------------------
    cdef int code_section(self) except -1:
        cdef Reader* r = &self.r
        cdef uint32_t n = self.vec_count(), i, size, nruns, k, cnt
        cdef const uint8_t* at
        cdef const uint8_t* locals_at
        cdef const uint8_t* body_end
        cdef const uint8_t* sec_end = r.end
        cdef uint64_t total
        cdef list runs
        cdef uint32_t ndecl = <uint32_t>(self.nfunc_decls if self.nfunc_decls > 0 else 0)
        if n != ndecl:
            self.codes_at = r.p
        for i in range(n):
            at = r.p
            size = rd_u32(r)
            rd_check(r)
            if size > rd_left(r):
                malformed("length out of bounds", r, at)
            locals_at = r.p
            body_end = r.p + size
            r.end = body_end
            nruns = self.vec_count()
            total = 0
            runs = []
            for k in range(nruns):
                cnt = rd_u32(r)
                rd_check(r)
                total += cnt
                if total > 0xFFFFFFFFu:
                    malformed("too many locals", r)
                runs.append((cnt, read_valtype(r, self.m.features)))
            if r.p >= body_end:
                # the body needs at least its final ``end``
                r.end = sec_end
                malformed("unexpected end of section or function", r)
            self.m.codes.append(CodeInfo(tuple(runs), total, <uint32_t>(r.p - r.base),
                                         <uint32_t>(body_end - r.base), <uint32_t>(at - r.base),
                                         <uint32_t>(locals_at - r.base)))
            r.p = body_end
            r.end = sec_end
        return 0

    # -- 11: data (3 encodings) ------------------------------------------------------------
    cdef int data_section(self) except -1:
        cdef Reader* r = &self.r
        cdef uint32_t n = self.vec_count(), i, flags, mem, size
        cdef const uint8_t* at
        cdef const uint8_t* q
        cdef ConstExpr offset
        cdef int64_t entry
        for i in range(n):
            at = r.p
            entry = <int64_t>(at - r.base)
            flags = rd_u32(r)
            rd_check(r)
            mem = 0
            offset = None
            if flags == 2:
                mem = self.vec_count()
            elif flags > 2:
                malformed("malformed data segment kind", r, at)
            if flags != 1:
                offset = read_const_expr(r, self.m.features, self.sec_end)
            at = r.p
            size = self.vec_count()
            q = rd_bytes(r, size)
            rd_check(r)
            self.m.datas.append(DataInfo(SEG_PASSIVE if flags == 1 else SEG_ACTIVE, mem, offset,
                                         (<const char*>q)[:size], entry))
        return 0


# -- instruction decoding without typing -------------------------------------------------------
# The body validator decodes instructions as it types them, after all sections are read.
# The spec decodes every body before validation, so that a malformed body wins over an
# invalid module, and over a malformed later section.  ``scan_bodies`` restores that order
# on the error paths only (a valid module never pays for it): it decodes bodies the way the
# spec's decoder does, reading on past a body's declared end, and raises the first
# malformation it finds.

cdef int scan_body(Reader* r, uint32_t start, uint32_t end, int64_t data_count,
                   uint32_t features) except -1:
    """Decode one body's instructions (from ``start``, its first instruction) up to the
    ``end`` that closes the function; raise DecodeError if malformed.  Immediates are read
    by their kinds in the instruction table (OpInfo.imms)."""
    cdef uint8_t* kinds = NULL          # 1 for an open ``if`` (``else`` allowed), else 0
    cdef uint32_t depth = 1, cap = 0, sub
    cdef const uint8_t* at
    cdef uint8_t op, b
    cdef vt_t single
    cdef const OpInfo* oi
    r.p = r.base + start
    r.end = r.limit
    r.scoped = 1
    kinds = <uint8_t*>_grow(NULL, &cap, 1, 64)
    kinds[0] = 0
    try:
        while depth:
            at = r.p
            op = rd_u8(r)
            rd_check(r)
            if op == OP_BLOCK or op == OP_LOOP or op == OP_IF or op == OP_TRY_TABLE \
                    or op == OP_TRY:
                read_blocktype(r, features, &single)
                if op == OP_TRY_TABLE:
                    read_catches(r, NULL)
                if depth == cap:
                    kinds = <uint8_t*>_grow(kinds, &cap, 1, depth + 1)
                kinds[depth] = 1 if op == OP_IF else (2 if op == OP_TRY else 0)
                depth += 1
            elif op == OP_ELSE:
                if kinds[depth - 1] != 1:
                    malformed("END opcode expected", r, at)
                kinds[depth - 1] = 0
            elif op == OP_END:
                depth -= 1
            elif op == OP_DELEGATE:
                rd_u32(r)
                depth -= 1
            else:
                oi = &OPS_PLAIN[op]
                sub = 0xFFFFFFFF
                if oi.kind == OK_PREFIX:
                    sub = rd_u32(r)
                    rd_check(r)
                    oi = op_info(op, sub)
                if oi.kind == OK_RESERVED:
                    unsupported(_GATE_MSG[oi.gate], r, at)
                if oi.kind == OK_NONE:
                    malformed(illegal_opcode(op, sub), r, at)
                scan_immediates(r, oi.imms, data_count, at, features)
            rd_check(r)
    finally:
        PyMem_Free(kinds)
    if r.p != r.base + end:
        malformed("section size mismatch", r)
    return 0


cdef uint32_t read_catches(Reader* r, uint32_t* out) except? 0xFFFFFFFF:
    """try_table's catch clauses: their count; with `out`, each clause's kind, tag index
    (0 for catch_all*) and label depth, three words per clause."""
    cdef uint32_t n = rd_u32(r), i
    cdef uint8_t kind
    cdef const uint8_t* at
    rd_check(r)
    for i in range(n):
        at = r.p
        kind = rd_u8(r)
        rd_check(r)
        if kind > 3:
            malformed("malformed catch clause", r, at)
        if out != NULL:
            out[3 * i] = kind
            out[3 * i + 1] = 0
        if kind < 2:
            if out != NULL:
                out[3 * i + 1] = rd_u32(r)
            else:
                rd_u32(r)
            rd_check(r)
        if out != NULL:
            out[3 * i + 2] = rd_u32(r)
        else:
            rd_u32(r)
        rd_check(r)
    return n


cdef int scan_immediates(Reader* r, uint32_t imms, int64_t data_count,
                         const uint8_t* at, uint32_t features) except -1:
    """Read (and skip) immediates of the kinds ``imms`` (IMM_* codes, first in the low byte)."""
    cdef uint32_t k, n, i
    cdef bint data_index = 0
    cdef Instr ins
    while imms:
        k = imms & 0xFF
        if k == IMM_MEMARG:
            read_memarg(r, features, &ins)
        elif k == IMM_MEMIDX:
            read_memidx(r, features)
        elif k == IMM_LANE or k == IMM_ZERO:
            rd_u8(r)
        elif k == IMM_CASTFLAGS:
            if rd_u8(r) > 3 and not r.err:
                malformed("malformed br_on_cast flags", r, at)
        elif k == IMM_LANES16 or k == IMM_V128:
            rd_bytes(r, 16)
        elif k == IMM_I32:
            rd_s32(r)
        elif k == IMM_I64:
            rd_s64(r)
        elif k == IMM_F32:
            rd_f32_bits(r)
        elif k == IMM_F64:
            rd_f64_bits(r)
        elif k == IMM_HEAPTYPE:
            read_heaptype(r, features)
        elif k == IMM_LABELS:
            n = rd_u32(r)
            rd_check(r)
            for i in range(n):
                rd_u32(r)
                rd_check(r)
            rd_u32(r)
        elif k == IMM_VALTYPES:
            n = rd_u32(r)
            rd_check(r)
            for i in range(n):
                read_valtype(r, features)
        elif k == IMM_LABELIDX or k == IMM_FUNCIDX or k == IMM_TYPEIDX or k == IMM_TABLEIDX \
                or k == IMM_LOCALIDX or k == IMM_GLOBALIDX or k == IMM_ELEMIDX \
                or k == IMM_DATAIDX or k == IMM_TAGIDX or k == IMM_FIELDIDX or k == IMM_U32:
            rd_u32(r)
            data_index |= k == IMM_DATAIDX
        else:
            raise UnsupportedFeatureError("immediate kind %d cannot be decoded yet" % k,
                                          <Py_ssize_t>(at - r.base))
        rd_check(r)
        imms >>= 8
    if data_index and data_count < 0:
        malformed("data count section required", r, at)
    return 0


cdef int scan_bodies(ModuleInfo m) except -1:
    """Raise the DecodeError of the first malformed body of ``m``, if any."""
    cdef Reader r
    cdef CodeInfo code
    rd_init(&r, <const uint8_t*><const char*>m.data, len(m.data))
    for code in m.codes:
        scan_body(&r, code.body_start, code.body_end, m.data_count, m.features)
    return 0
