# The value stack, call records, entry into the handler chain, code threading, and the
# slow paths the handlers call (traps, fuel, table growth).

cdef void* HANDLERS[<int>IR_COUNT]      # IR_* -> handler address (filled at import)
cdef Cell EXIT_CELL[1]                  # return address of a Python->wasm entry
cdef Cell RET_CELL[1]                   # a `ret`: where a host function tail-called resumes
cdef MemRec EMPTY_MEM                   # the memory of instances that have none
cdef InstCtx EMPTY_INST                 # the "instance" outside any wasm call

cdef enum:
    DEF_STACK_SLOTS = 1 << 20           # 8 MiB of slots per store (mmap'ed lazily)
    DEF_MAX_DEPTH = 50000               # wasm call depth ("call stack exhausted")
    DEF_MAX_NEST = 100                  # Python->wasm re-entry cap
    FUEL_CHUNK = 10000                  # fuel-op units between slow-path checks
    DEF_YIELD_NS = 10000000             # a call_async guest yields every 10 ms


cdef inline int trap_at(Ctx* cx, const Cell* pc, int code) noexcept nogil:
    """Record where a trap happened; the code travels back up the handler chain."""
    cx.trap_pc = pc
    return code


cdef inline int mem_fault(Ctx* cx, const Cell* pc, uint64_t ea, uint64_t n, uint64_t offset,
                          uint64_t msize) noexcept nogil:
    """A load or store of `n` bytes at wasm address `ea` (memarg `offset` included) beyond
    the memory's `msize` bytes: record them for the Trap's report (`fault_of`), with plain
    stores only, so the handler's fast path keeps its shape."""
    cx.trap_arg = ea
    cx.trap_msize = msize
    cx.trap_span = (offset << 8) | n
    return trap_at(cx, pc, TRAP_MEM_FAULT)


cdef int mem_fault_m(Ctx* cx, const Cell* pc, const MemRec* m, uint64_t addr, uint64_t offset,
                     uint64_t n) noexcept nogil:
    """An access of `n` bytes at address operand `addr` + `offset` out of bounds of memory `m`
    (the `*_m` ops): a 32-bit memory faults as memory 0 does (`mem_fault`); a 64-bit one
    traps as wasmtime's explicit bounds check does, without a fault address."""
    if m.addr_mask == 0xFFFFFFFFULL:
        return mem_fault(cx, pc, (addr & 0xFFFFFFFFULL) + offset, n, offset, m.size)
    return trap_at(cx, pc, TRAP_OOB_MEMORY)


cdef int fuel_slow(Ctx* cx) noexcept nogil:
    """The `fuel` op ran out of budget: charge fuel, check the epoch and Ctrl-C, refill."""
    cdef int64_t chunk = FUEL_CHUNK
    if cx.fuel_enabled:
        cx.fuel -= cx.budget_start - cx.budget
        cx.budget_start = 0
        cx.budget = 0
        if cx.fuel <= 0:
            cx.fuel = 0
            return TRAP_OUT_OF_FUEL
        if cx.fuel < chunk:
            chunk = cx.fuel
    if cx.epoch_enabled and cx.epoch_counter[0] >= cx.epoch_deadline:
        return TRAP_INTERRUPT
    if check_signals(cx) != 0:
        return TRAP_HOST
    cx.budget = chunk
    cx.budget_start = chunk
    return TRAP_NONE


cdef int check_signals(Ctx* cx) noexcept nogil:
    cdef int rc
    with gil:
        rc = check_signals_gil(cx)
        if rc == 0:
            with nogil:
                pass    # yield the GIL: other threads (an epoch timer, ...) get to run
    return rc


cdef int check_signals_gil(Ctx* cx) noexcept:
    """Run pending Python signal handlers (Ctrl-C); stash what they raise."""
    try:
        PyErr_CheckSignals()
    except BaseException:
        return stash_exception(<StoreCtx>cx.store)
    return 0


cdef unsigned long MAIN_THREAD = 0     # CPython runs signal handlers on this thread only


cdef int attention(Ctx* cx, const Cell* pc) noexcept nogil:
    """The slow path of an attention check (include/wasmrt_attn.h): `wasmrt_attn` moved
    since this store last looked; `pc` is the instruction about to run.  A profiler's
    clock that ticked records the stack (`prof_record`, _interp_prof.pxi).  On the main
    thread a pending SIGINT runs CPython's handlers, and what they raise
    (KeyboardInterrupt) unwinds the guest; elsewhere the request is only acknowledged (the
    main thread handles it)."""
    global wasmrt_sigint
    cdef int rc
    cdef uint32_t a = wasmrt_attn
    cdef bint tick = 1
    cx.attn_seen = a
    if cx.side_left != 0:           # after a side exit (`wr_side`): still requested, so
        tick = a != cx.side_attn    # that the next loop header enters machine code (a
        cx.side_attn = a            # real tick came too?); a callee's checks do not count
        if cx.depth < cx.side_depth:
            cx.side_left = 0        # (the activation returned)
            cx.side_depth = 0
        elif cx.depth == cx.side_depth:
            cx.side_left -= 1
            if cx.side_left != 0:
                cx.attn_seen = a - 1
            else:                   # no loop header with machine code yet (an inner loop
                side_lapsed()       # of the left-out code runs): look again at ticks
    elif cx.side_depth != 0:        # ... which came: SIDE_ATTEND more checks
        if cx.depth < cx.side_depth:
            cx.side_depth = 0
        elif cx.depth == cx.side_depth and a != cx.side_attn:
            cx.side_attn = a
            cx.side_left = SIDE_ATTEND
            cx.attn_seen = a - 1
            side_lapsed()
    if cx.prof != NULL and cx.prof.ticks != cx.prof.seen:
        prof_record(cx, pc)
    if cx.tier_up and tick:         # the native tier's sampling (_interp_native.pxi)
        tier_sample(cx, pc)
        tier_yield_gil(cx)
    if wasmrt_sigint and wasmrt_thread_ident() == MAIN_THREAD:
        wasmrt_sigint = 0
        rc = check_signals(cx)
        if rc != 0:
            return rc
    # a call_async guest due to yield (the ticker of wasmrt_attn.h bumped the counter);
    # not when a synchronous entry runs above it (it could not pause)
    if cx.yield_at != 0 and cx.async_nest == cx.nest and wasmrt_now_ns() >= cx.yield_at:
        return TRAP_YIELD
    return TRAP_NONE


cdef int h_attend(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                  uint64_t msize) noexcept nogil:
    """A handler-shaped slow path: attend to the request, then run the instruction at pc
    (or pause before it: TRAP_YIELD)."""
    cdef int rc = attention(cx, pc)
    cdef handler_t osr
    if rc != 0:
        if rc == TRAP_YIELD:
            cx.resume_pc = pc
            cx.resume_fp = fp
            cx.pause_func = NULL
        return trap_at(cx, pc, rc)
    # a loop header with machine code: enter it (OSR; a tiered-up body, or a native
    # activation the interpreter resumed after a pause)
    osr = osr_entry(cx, pc)
    if osr != NULL:
        cx.side_depth = 0
        if cx.side_left != 0:       # (back in machine code after a side exit)
            cx.side_left = 0
            cx.attn_seen = wasmrt_attn
        return osr(pc, fp, cx, mem, msize)
    return (<handler_t>pc[0].h)(pc, fp, cx, mem, msize)


# Handlers reach h_attend through a pointer, as a tail call (`return ATTEND(pc, ...)`):
# called directly, gcc would inline it and give their fast paths its prologue.  The pointer
# is a field of the Ctx (set by StoreCtx), which no compiler can fold: clang turned a static
# pointer that is never reassigned into a direct call and inlined the slow path, and
# do_call, grown too big to inline, then cost h_call its sibling call.
cdef inline int ATTEND(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    return (<handler_t>cx.attend)(pc, fp, cx, mem, msize)


def hook_sigint() -> bool:
    """Chain wasmrt's SIGINT hook in front of the current handler (see wasmrt_attn.h);
    True if it is in place (False when SIGINT is ignored or has its default action)."""
    return wasmrt_hook_sigint() != 0


cdef int64_t table_grow(TableRec* t, uint64_t n, uint64_t init) noexcept nogil:
    """Grow by `n` elements set to `init`: old size, or -1 past the maximum / out of memory."""
    cdef uint32_t old = t.size
    cdef uint64_t new_size
    cdef uint64_t* p
    cdef uint64_t i
    if n > <uint64_t>t.max - old:
        return -1
    new_size = <uint64_t>old + n
    if n == 0:
        return old
    p = <uint64_t*>realloc(t.elems, new_size * sizeof(uint64_t))
    if p == NULL:
        return -1
    for i in range(old, new_size):
        p[i] = init
    t.elems = p
    t.size = <uint32_t>new_size
    return old


cdef int thread_code(FuncCode* c) noexcept nogil:
    """Replace the IR_* numbers of `c` by handler addresses (once; idempotent).

    Returns 0, or -1 if the code holds an unknown op or overruns `ncells`."""
    cdef uint32_t i = 0
    cdef uint64_t op
    cdef uint32_t n
    if c.threaded:
        return 0
    while i < c.ncells:
        op = c.code[i].u64
        if op >= <uint64_t>IR_COUNT:
            return -1
        n = 0
        if op == IR_BR_TABLE:
            if i + 1 >= c.ncells:
                return -1
            n = <uint32_t>c.code[i + 1].w.hi
        n = ir_ncells(<unsigned int>op, n)
        if i + n > c.ncells:
            return -1
        i += n
    i = 0
    while i < c.ncells:
        op = c.code[i].u64
        n = 0
        if op == IR_BR_TABLE:
            n = <uint32_t>c.code[i + 1].w.hi
        c.code[i].h = HANDLERS[op]
        i += ir_ncells(<unsigned int>op, n)
    c.threaded = 1
    return 0


cdef bint is_tail_call(const Cell* pc) noexcept nogil:
    """Whether the instruction at `pc` is a tail call (its activation is gone)."""
    cdef void* h = pc[0].h
    return (h == HANDLERS[<int>IR_RETURN_CALL] or h == HANDLERS[<int>IR_RETURN_CALL_INDIRECT]
            or h == HANDLERS[<int>IR_RETURN_CALL_INDIRECT64]
            or h == HANDLERS[<int>IR_RETURN_CALL_REF])


# The return code of a throw down the handler chain (the native tier's `check_rc` tests it).
THROWN = TRAP_THROW
# ... and of a side exit of machine code compiled in part (`wr_side`).
SIDE_EXIT = TRAP_SIDE


cdef const Cell* unwind(Ctx* cx, uint64_t** fp_out) noexcept nogil:
    """Exception `cx.exn` was thrown at `cx.trap_pc` in frame `cx.throw_fp` (TRAP_THROW):
    find the innermost handler, searching each activation's handler table (innermost
    first) down to the entry from Python.  If one matches, the activations above it are
    dropped, its values written to the label's slots, and the cell to continue at is
    returned with its frame in `fp_out`; else NULL (the records stay for the backtrace).
    Only this slow path reads the tables: code that throws nothing pays nothing."""
    cdef TagRec* tag = exn_tag(cx.exn)
    cdef uint64_t* cells = exn_cells(cx.exn)
    cdef const Cell* pc = cx.trap_pc
    cdef uint64_t* fp = cx.throw_fp
    cdef uint32_t k = cx.depth
    cdef uint32_t i, off, n, depth
    cdef uint32_t kind
    cdef FuncRec* f
    cdef FuncCode* code
    cdef HandlerRec* h
    while k > 0:
        k -= 1
        f = cx.recs[k].func
        code = f.code
        if code != NULL and code.nhandlers and pc != NULL and pc >= code.code \
                and pc < code.code + code.ncells \
                and not (k + 1 == cx.depth and is_tail_call(pc)):
            off = <uint32_t>(pc - code.code)
            depth = 0xFFFFFFFF          # a delegate lowers it: outer frames' handlers only
            for i in range(code.nhandlers):
                h = &code.handlers[i]
                if off < h.start or off >= h.end or h.level > depth:
                    continue
                kind = h.kind
                if kind == HK_DELEGATE:
                    depth = h.target
                    continue
                if (kind == HK_CATCH or kind == HK_CATCH_REF or kind == HK_LEGACY_CATCH) \
                        and f.inst.tags[h.tag] != tag:
                    continue
                if kind >= HK_LEGACY_CATCH:     # the exnref below the payload (rethrow)
                    fp[h.dst] = cx.exn
                    if kind == HK_LEGACY_CATCH:
                        memcpy(fp + h.dst + 1, cells, tag.nslots * sizeof(uint64_t))
                else:
                    n = 0
                    if kind < HK_CATCH_ALL:
                        n = tag.nslots
                        memcpy(fp + h.dst, cells, n * sizeof(uint64_t))
                    if kind & 1:
                        fp[h.dst + n] = cx.exn
                cx.depth = k + 1
                cx.inst = f.inst
                cx.exn = 0          # landed: only slots hold it now
                fp_out[0] = fp
                return code.code + h.target
        if cx.recs[k].ret_pc == EXIT_CELL:      # the entry from Python: uncaught here
            return NULL
        pc = cx.recs[k].ret_pc - 1
        fp = cx.recs[k].fp
    return NULL


cdef int run_caught(Ctx* cx, int rc) noexcept nogil:
    """After the handler chain returned `rc`: while it is a thrown exception that a
    handler of this entry catches, continue there; while it is a side exit of machine code
    (TRAP_SIDE: every machine-code activation on the way out spilled its slots and left
    its call record, as for a pause), continue the guest in the interpreter at once."""
    cdef const Cell* pc
    cdef uint64_t* fp
    cdef MemRec* m
    while rc == TRAP_THROW or rc == TRAP_SIDE:
        if rc == TRAP_SIDE:
            pc = cx.resume_pc
            fp = cx.resume_fp
        else:
            pc = unwind(cx, &fp)
            if pc == NULL:
                return rc
        m = cx.inst.mem
        rc = (<handler_t>pc[0].h)(pc, fp, cx, m.base, m.size)
    return rc


cdef int invoke(Ctx* cx, FuncRec* f, uint64_t* fp) noexcept nogil:
    """Run wasm function `f` with its arguments at `fp`: the entry of the handler chain.

    Returns a TrapKind; on success the results are in fp[0 .. nresults).  On a trap the
    call records of the trapped activations are left in place for the backtrace."""
    cdef FuncCode* code = f.code
    cdef CallRec* rec
    if cx.depth >= cx.max_depth or fp + code.max_slots > cx.stack_end:
        cx.trap_pc = NULL
        cx.trap_callee = f
        return TRAP_STACK_EXHAUSTED
    cx.sp_limit = wasmrt_sp_limit()     # native frames stop above it (_interp_native.pxi)
    if cx.tier_up and wasmrt_ticker_parked:
        wasmrt_ticker_wake()
    rec = &cx.recs[cx.depth]
    cx.depth += 1
    rec.ret_pc = EXIT_CELL
    rec.fp = fp
    rec.inst = cx.inst
    rec.func = f
    cx.inst = f.inst
    cdef int rc = (<handler_t>code.code[0].h)(code.code, fp, cx, f.inst.mem.base,
                                              f.inst.mem.size)
    if rc == TRAP_THROW or rc == TRAP_SIDE:
        return run_caught(cx, rc)
    return rc


cdef int resume(Ctx* cx) noexcept nogil:
    """Continue a paused guest (ARCHITECTURE.md, "Pausing a guest") at `cx.resume_pc` in
    frame `cx.resume_fp`; returns like `invoke`.  A host call's results must be in place."""
    cdef const Cell* pc = cx.resume_pc
    cdef MemRec* m = cx.inst.mem
    cdef handler_t osr = osr_entry(cx, pc)     # a loop header of machine code: enter it
    cdef int rc
    cx.pause_func = NULL
    if osr != NULL:
        rc = osr(pc, cx.resume_fp, cx, m.base, m.size)
    else:
        rc = (<handler_t>pc[0].h)(pc, cx.resume_fp, cx, m.base, m.size)
    if rc == TRAP_THROW or rc == TRAP_SIDE:
        return run_caught(cx, rc)
    return rc


cdef uint32_t src_offset(FuncCode* c, const Cell* pc) noexcept nogil:
    """Module byte offset of the wasm instruction that `pc` (inside `c`) came from."""
    cdef uint64_t idx = <uint64_t>(pc - c.code)
    cdef uint32_t lo = 0
    cdef uint32_t hi = c.nsrc
    cdef uint32_t mid
    if c.nsrc == 0:
        return c.body_offset
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if c.srcmap[2 * mid] <= idx:
            lo = mid
        else:
            hi = mid
    return c.srcmap[2 * lo + 1]


def _init_handlers() -> None:
    global MAIN_THREAD
    import threading
    MAIN_THREAD = threading.main_thread().ident
    wasmrt_hook_sigint()
    isa_fill_handlers(HANDLERS)
    EXIT_CELL[0].h = <void*>h_exit
    RET_CELL[0].h = <void*>h_ret
    memset(&EMPTY_MEM, 0, sizeof(MemRec))
    memset(&EMPTY_INST, 0, sizeof(InstCtx))
    EMPTY_INST.mem = &EMPTY_MEM


def handler_table_complete() -> bool:
    """True when every IR_* op has a handler address (checked by the tests)."""
    cdef int i
    for i in range(<int>IR_COUNT):
        if HANDLERS[i] == NULL:
            return False
    return True


def handler_table() -> bytes:
    """The handler address of every IR_* op (IR_COUNT native-endian 64-bit words): what
    `thread_code` writes into handler cells, so `_core.dump_codes` can map threaded code
    back to op numbers."""
    return PyBytes_FromStringAndSize(<const char*>HANDLERS, sizeof(HANDLERS))
