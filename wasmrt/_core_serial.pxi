# The code table of a serialized module: the lowered code of every defined function, as
# the lowerer emitted it.  ``Module.serialize`` wraps it in an envelope (magic, version,
# ISA fingerprint, features, checksum, the module binary: wasmrt/_api_module.py documents
# the whole format); ``load_module`` decodes the binary and rebuilds the LoweredFuncs from
# the table, so no body is validated or lowered again.
#
# Layout, in the writer's native byte order (the envelope records it):
#   u32 count                      defined functions (= len(ModuleInfo.codes))
#   count x 10 u32                 per function, FuncCode's fields: ncells nsrc nparams
#                                  nresults nlocals max_slots func_index type_index body_offset
#                                  nhandlers
#   sum(ncells) x 8 bytes          the cells of every function, in order; handler cells hold
#                                  IR_* numbers (never addresses: threaded code is mapped back)
#   sum(nsrc) x 2 u32              the srcmap pairs of every function, in order
#   sum(nhandlers) x 7 u32         the exception handlers of every function, in order:
#                                  start end target tag dst kind level (HandlerRec)
#
# ``load_codes`` checks what is cheap and keeps the interpreter from running off its code:
# sizes add up, the record fields agree with the decoded module (function and type
# indices, body offsets, the slots of params/results/locals, max_slots <= 65535), every
# op number is in range, the instruction walk with ``ir_ncells`` ends exactly at ``ncells``
# on an instruction that does not fall through, every branch lands on an instruction of
# its function, the srcmap is sorted with cells and offsets in range, every handler covers
# cells of its function, lands on one of its instructions, names a tag of the module and a
# slot of the frame.  Operand cells (slot
# indices, module indices) are not checked: beyond these checks a serialized module is
# trusted input, as the output of ``Module.serialize`` is.

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize

cdef enum:
    CT_FIELDS = 10              # u32 fields of a function record
    CT_RECORD = CT_FIELDS * 4
    CT_HANDLER = 7 * 4          # a HandlerRec

# Per IR op, where its branch offset lies (the ops named br* with an operand named
# ``offset`` in the ISA's layout, as ``disassemble`` reads them): 0 for none, else
# 2 * (operand cell) + 1 if it is the cell's ``hi`` half.  br_table is checked apart.
cdef uint8_t _ct_branch[IR_COUNT]


cdef void _ct_tables():
    """Fill ``_ct_branch`` from the ISA's operand layouts (once, at import)."""
    from wasmrt._isa_names import LAYOUT, NAMES
    cdef int op
    memset(_ct_branch, 0, sizeof(_ct_branch))
    for op in range(<int>IR_COUNT):
        if op == IR_BR_TABLE or not NAMES[op].startswith("br"):
            continue
        for k, spec in enumerate(LAYOUT[op]):
            for item in spec.split():
                field, name = item.split("=")
                if name == "offset":
                    _ct_branch[op] = 2 * (k + 1) + (field == "hi")


_ct_tables()


cdef inline uint32_t _rd32(const uint8_t* p) noexcept nogil:
    cdef uint32_t v
    memcpy(&v, p, 4)
    return v


cdef inline void _wr32(uint8_t* p, uint32_t v) noexcept nogil:
    memcpy(p, &v, 4)


cdef inline uint64_t _instr_cells(const Cell* code, uint64_t i, uint64_t ncells,
                                  uint64_t op) noexcept nogil:
    """Cells of the instruction at ``code[i]`` (op ``op < IR_COUNT``), 0 if its br_table
    count cell lies past ``ncells``."""
    if op == IR_BR_TABLE:
        if i + 1 >= ncells:
            return 0
        return 3 + <uint64_t><uint32_t>code[i + 1].w.hi
    return ir_ncells(<unsigned int>op, 0)


# -- writing -------------------------------------------------------------------------------

cdef void _put_record(uint8_t* p, const FuncCode* c) noexcept nogil:
    _wr32(p, c.ncells)
    _wr32(p + 4, c.nsrc)
    _wr32(p + 8, c.nparams)
    _wr32(p + 12, c.nresults)
    _wr32(p + 16, c.nlocals)
    _wr32(p + 20, c.max_slots)
    _wr32(p + 24, c.func_index)
    _wr32(p + 28, c.type_index)
    _wr32(p + 32, c.body_offset)
    _wr32(p + 36, c.nhandlers)


cdef void _put_handlers(uint8_t* p, const FuncCode* c) noexcept nogil:
    cdef uint32_t i
    cdef const HandlerRec* h
    for i in range(c.nhandlers):
        h = &c.handlers[i]
        _wr32(p, h.start)
        _wr32(p + 4, h.end)
        _wr32(p + 8, h.target)
        _wr32(p + 12, h.tag)
        _wr32(p + 16, h.dst)
        _wr32(p + 20, h.kind)
        _wr32(p + 24, h.level)
        p += CT_HANDLER


cdef int _unthread(const FuncCode* c, uint8_t* out, const uint64_t* addrs, const uint16_t* ops,
                   uint32_t nops) except -1:
    """Put the IR_* number of every handler cell of threaded code ``c`` into ``out`` (a copy
    of its cells, maybe unaligned); ``addrs``/``ops``: the handler addresses, sorted, and
    their op numbers."""
    cdef uint64_t i = 0, n, addr, op
    cdef uint32_t lo, hi, mid
    while i < c.ncells:
        addr = c.code[i].u64
        if i == 0 and c.native != NULL:     # cell 0 enters machine code: the handler it had
            addr = <uint64_t>c.native.h0
        lo = 0
        hi = nops
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if addrs[mid] <= addr:
                lo = mid
            else:
                hi = mid
        if addrs[lo] != addr:
            raise ValueError("function %d: threaded code holds an unknown handler" % c.func_index)
        op = ops[lo]
        memcpy(out + i * sizeof(Cell), &op, sizeof(Cell))
        n = _instr_cells(c.code, i, c.ncells, op)
        if n == 0:
            raise ValueError("function %d: truncated br_table" % c.func_index)
        i += n
    return 0


def dump_codes(ModuleInfo m, handlers=None) -> bytes:
    """The code table of ``m``'s lowered code (layout in the header of _core_serial.pxi).

    Code the runtime has already threaded is mapped back to IR_* numbers with
    ``handlers``, the runtime's handler table (``_interp.handler_table()``: the handler
    address of every op)."""
    cdef LoweredFunc lf
    cdef uint64_t total_cells = 0, total_src = 0, total_hnd = 0
    cdef uint32_t count = len(m.func_codes), nops = 0, k
    cdef bint threaded = False
    for lf in m.func_codes:
        total_cells += lf.fc.ncells
        total_src += lf.fc.nsrc
        total_hnd += lf.fc.nhandlers
        threaded |= lf.fc.threaded
    if threaded and handlers is None:
        raise ValueError("the code is threaded: dump_codes needs the handler table")
    cdef uint64_t* addrs = NULL
    cdef uint16_t* ops = NULL
    cdef bytes out = PyBytes_FromStringAndSize(
        NULL, 4 + <Py_ssize_t>count * CT_RECORD + 8 * (total_cells + total_src)
        + CT_HANDLER * total_hnd)
    cdef uint8_t* rec = <uint8_t*>PyBytes_AS_STRING(out)
    cdef uint8_t* cells = rec + 4 + <size_t>count * CT_RECORD
    cdef uint8_t* srcs = cells + 8 * total_cells
    cdef uint8_t* hnds = srcs + 8 * total_src
    try:
        if threaded:
            table = memoryview(handlers).cast("B").cast("Q")
            if len(table) != IR_COUNT:
                raise ValueError("handler table of %d ops, expected %d" % (len(table), IR_COUNT))
            # sorted by address; a handler shared by several ops (identical code folded by
            # the C compiler) maps back to the lowest of them: they behave alike
            pairs = sorted((table[op], op) for op in range(IR_COUNT))
            addrs = <uint64_t*>malloc(IR_COUNT * sizeof(uint64_t))
            ops = <uint16_t*>malloc(IR_COUNT * sizeof(uint16_t))
            if addrs == NULL or ops == NULL:
                raise MemoryError()
            for addr, op in pairs:
                if nops == 0 or addrs[nops - 1] != addr:
                    addrs[nops] = addr
                    ops[nops] = op
                    nops += 1
        _wr32(rec, count)
        rec += 4
        for lf in m.func_codes:
            _put_record(rec, &lf.fc)
            rec += CT_RECORD
            memcpy(cells, lf.fc.code, lf.fc.ncells * sizeof(Cell))
            if lf.fc.threaded:
                _unthread(&lf.fc, cells, addrs, ops, nops)
            memcpy(srcs, lf.fc.srcmap, 2 * lf.fc.nsrc * sizeof(uint32_t))
            cells += lf.fc.ncells * sizeof(Cell)
            srcs += 2 * lf.fc.nsrc * sizeof(uint32_t)
            _put_handlers(hnds, &lf.fc)
            hnds += CT_HANDLER * lf.fc.nhandlers
    finally:
        free(addrs)
        free(ops)
    return out


# -- reading -------------------------------------------------------------------------------

cdef object _corrupt(str what):
    return WasmtimeError("serialized module is corrupted: " + what)


cdef const char* _check_code(const FuncCode* c, uint8_t* starts, uint32_t* branches,
                             uint64_t nbytes, uint32_t ntags) noexcept nogil:
    """The structural checks of one function's code (see the header); NULL if it passes,
    else what failed.  ``starts`` and ``branches`` have room for ``c.ncells`` items."""
    cdef const Cell* code = c.code
    cdef const HandlerRec* h
    cdef uint64_t i = 0, n, j, op, last = IR_COUNT, target
    cdef uint32_t k, nbranches = 0
    cdef int64_t off
    cdef uint8_t where
    memset(starts, 0, c.ncells)
    while i < c.ncells:
        op = code[i].u64
        if op >= IR_COUNT:
            return "op number out of range"
        n = _instr_cells(code, i, c.ncells, op)
        if n == 0 or i + n > c.ncells:
            return "an instruction runs past the end of the code"
        starts[i] = 1
        if _ct_branch[op] or op == IR_BR_TABLE:
            branches[nbranches] = <uint32_t>i
            nbranches += 1
        last = op
        i += n
    if not (last == IR_RET or last == IR_RET_SLOT or last == IR_RET_N or last == IR_BR
            or last == IR_BR_LOOP or last == IR_BR_TABLE or last == IR_UNREACHABLE
            or last == IR_THROW or last == IR_THROW_REF or last == IR_RETURN_CALL
            or last == IR_RETURN_CALL_INDIRECT or last == IR_RETURN_CALL_INDIRECT64
            or last == IR_RETURN_CALL_REF):
        return "the code does not end in a return, branch or trap"
    for k in range(nbranches):
        i = branches[k]
        op = code[i].u64
        where = _ct_branch[op]
        if where:
            off = code[i + (where >> 1)].w.hi if where & 1 else code[i + (where >> 1)].w.lo
            target = <uint64_t>(<int64_t>i + off)
            if target >= c.ncells or not starts[target]:
                return "a branch target is not an instruction"
        else:
            for j in range(_instr_cells(code, i, c.ncells, op) - 2):
                target = <uint64_t>(<int64_t>i + code[i + 2 + j].w.lo)
                if target >= c.ncells or not starts[target]:
                    return "a br_table target is not an instruction"
    for j in range(c.nsrc):
        if c.srcmap[2 * j] >= c.ncells or (j > 0 and c.srcmap[2 * j] < c.srcmap[2 * j - 2]):
            return "srcmap cells unsorted or out of range"
        if c.srcmap[2 * j + 1] >= nbytes:
            return "srcmap offset past the module"
    for j in range(c.nhandlers):
        h = &c.handlers[j]
        if h.start > h.end or h.end > c.ncells or h.kind > HK_DELEGATE \
                or (h.kind != HK_DELEGATE and (h.target >= c.ncells or not starts[h.target]
                                               or h.tag >= ntags or h.dst > c.max_slots)):
            return "a handler is out of range"
    return NULL


cdef uint32_t _slots(tuple types):
    cdef uint32_t n = 0
    for t in types:
        n += vt_slots(t)
    return n


cdef int load_codes(ModuleInfo m, const uint8_t[::1] table) except -1:
    """Set ``m.func_codes`` from a code table (``dump_codes`` output) after the checks of
    the header; raises ``WasmtimeError`` when one fails."""
    cdef Py_ssize_t size = table.shape[0]
    cdef uint32_t count, i, k
    cdef uint64_t total_cells = 0, total_src = 0, max_cells = 0, ncells, nsrc, nlocals
    cdef uint64_t total_hnd = 0, nhnd
    cdef uint32_t j
    cdef const uint8_t* rec
    cdef const uint8_t* cells
    cdef const uint8_t* srcs
    cdef const uint8_t* hnds
    cdef LoweredFunc lf
    cdef FuncCode* fc
    cdef CodeInfo code
    cdef const char* failed
    cdef uint8_t* starts = NULL
    cdef uint32_t* branches = NULL
    cdef uint64_t nbytes = len(m.data)
    if size < 4:
        raise _corrupt("no code table")
    count = _rd32(&table[0])
    if count != len(m.codes):
        raise _corrupt("code for %d functions, the module defines %d" % (count, len(m.codes)))
    if 4 + <uint64_t>count * CT_RECORD > <uint64_t>size:
        raise _corrupt("code table truncated")
    rec = &table[0] + 4
    for i in range(count):
        ncells = _rd32(rec + <size_t>i * CT_RECORD)
        nsrc = _rd32(rec + <size_t>i * CT_RECORD + 4)
        nhnd = _rd32(rec + <size_t>i * CT_RECORD + 36)
        if ncells > <uint64_t>size or nsrc > <uint64_t>size or nhnd > <uint64_t>size:
            raise _corrupt("code table size does not match its records")   # (small sums)
        total_cells += ncells
        total_src += nsrc
        total_hnd += nhnd
        if ncells > max_cells:
            max_cells = ncells
    if 4 + <uint64_t>count * CT_RECORD + 8 * (total_cells + total_src) \
            + CT_HANDLER * total_hnd != <uint64_t>size:
        raise _corrupt("code table size does not match its records")
    cells = rec + <size_t>count * CT_RECORD
    srcs = cells + 8 * total_cells
    hnds = srcs + 8 * total_src
    # Slots of each type's params and results (v128 takes two).
    cdef list type_slots = [(_slots(ft.params), _slots(ft.results)) for ft in m.types]
    cdef list func_codes = []
    starts = <uint8_t*>malloc(max_cells if max_cells else 1)
    branches = <uint32_t*>malloc((max_cells if max_cells else 1) * sizeof(uint32_t))
    if starts == NULL or branches == NULL:
        free(starts)
        free(branches)
        raise MemoryError()
    try:
        for i in range(count):
            lf = LoweredFunc.__new__(LoweredFunc)
            fc = &lf.fc
            fc.ncells = _rd32(rec)
            fc.nsrc = _rd32(rec + 4)
            fc.nparams = _rd32(rec + 8)
            fc.nresults = _rd32(rec + 12)
            fc.nlocals = _rd32(rec + 16)
            fc.max_slots = _rd32(rec + 20)
            fc.func_index = _rd32(rec + 24)
            fc.type_index = _rd32(rec + 28)
            fc.body_offset = _rd32(rec + 32)
            fc.nhandlers = 0
            nhnd = _rd32(rec + 36)
            fc.threaded = 0
            rec += CT_RECORD
            k = m.num_imported_funcs + i
            code = m.codes[i]
            if fc.func_index != k or fc.type_index != m.func_types[k] \
                    or fc.type_index >= len(type_slots) \
                    or fc.body_offset != code.locals_offset:
                raise _corrupt("function %d: record does not match the module" % k)
            np, nr = type_slots[fc.type_index]
            nlocals = 0
            for run in code.locals:
                nlocals += <uint64_t>run[0] * vt_slots(run[1])
            if fc.nparams != np or fc.nresults != nr or fc.nlocals != nlocals:
                raise _corrupt("function %d: frame does not match its type and locals" % k)
            if fc.max_slots > 0xFFFF or fc.max_slots < <uint64_t>fc.nparams + fc.nlocals \
                    or fc.max_slots < fc.nresults or fc.ncells == 0:
                raise _corrupt("function %d: frame or code size out of range" % k)
            fc.code = <Cell*>malloc(fc.ncells * sizeof(Cell))
            fc.srcmap = <uint32_t*>malloc((2 * fc.nsrc if fc.nsrc else 1) * sizeof(uint32_t))
            if fc.code == NULL or fc.srcmap == NULL:
                raise MemoryError()         # lf frees what was allocated
            memcpy(fc.code, cells, fc.ncells * sizeof(Cell))
            memcpy(fc.srcmap, srcs, 2 * fc.nsrc * sizeof(uint32_t))
            cells += fc.ncells * sizeof(Cell)
            srcs += 2 * fc.nsrc * sizeof(uint32_t)
            if nhnd:
                fc.handlers = <HandlerRec*>malloc(nhnd * sizeof(HandlerRec))
                if fc.handlers == NULL:
                    raise MemoryError()
                fc.nhandlers = <uint32_t>nhnd
                for j in range(fc.nhandlers):
                    fc.handlers[j].start = _rd32(hnds)
                    fc.handlers[j].end = _rd32(hnds + 4)
                    fc.handlers[j].target = _rd32(hnds + 8)
                    fc.handlers[j].tag = _rd32(hnds + 12)
                    fc.handlers[j].dst = _rd32(hnds + 16)
                    fc.handlers[j].kind = _rd32(hnds + 20)
                    fc.handlers[j].level = _rd32(hnds + 24)
                    hnds += CT_HANDLER
            failed = _check_code(fc, starts, branches, nbytes, len(m.tags))
            if failed != NULL:
                raise _corrupt("function %d: %s" % (k, failed.decode()))
            func_codes.append(lf)
    finally:
        free(starts)
        free(branches)
    m.func_codes = func_codes
    return 0
