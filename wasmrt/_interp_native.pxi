# The runtime side of the native tier (wasmrt/_native.py compiles; this file connects).
#
# Machine code of a body keeps the interpreter's frame (the same fp[] slots) and its call
# records, so backtraces, traps and a later resumption in the interpreter see the same
# state.  A compiled body has two functions:
#   body(fp, cx, cell) -> rc    C-callable: runs the body from `cell` (0, or a loop header:
#                               OSR) with the activation's call record already pushed, and
#                               returns 0 with the results in fp[0..) or a trap code (with
#                               cx.trap_pc set to the interpreter pc that trapped)
#   entry(pc, fp, cx, mem, msize) handler-shaped: runs body from pc, then returns to the
#                               caller as `ret` does (a tail call of its resume handler)
# `install` swaps cell 0's handler for `entry` (one aligned pointer store), so every call
# made by the interpreter, by Python or by other machine code enters the machine code.
#
# Calls from machine code to anything but a body of its own (or an earlier) batch call the
# callee's machine code inline where it has some and every check passes
# (`_native_ir.FuncTranslator.native_call`); the rest go through `wr_call`: host
# functions as the interpreter calls them; interpreted bodies run nested, their call
# record's ret_pc pointing to a two-cell stub on the C stack (cell 0: `h_exit`, cell 1:
# the real resume pc) so their `ret` comes back here; the real pc is put back into the
# record when the callee traps, so a backtrace reads the records as the interpreter
# leaves them.  Native frames recurse on the C stack: `Ctx.sp_limit` bounds them and a
# call past it traps with "call stack exhausted".
#
# Pausing (call_async, ARCHITECTURE.md "Pausing a guest"): an async host call reached
# through `wr_call`, or a yield at an attention check (`wr_attend`, `wr_call`'s), sets the
# pause point (`pause_point`: the interpreter pc and frame to resume at) and returns
# TRAP_PAUSE / TRAP_YIELD; every machine-code activation on the way out spills its slots
# to fp[] and leaves its call record (ret_pc an interpreter pc, never the C-stack stub),
# so the C stack holds nothing and the interpreter resumes the guest (`resume`).
#
# Tier-up (Config.strategy "auto"): `attention()` (the slow path of the checks that loop
# back-edges, br_table and calls already make) charges a sample to the running body;
# the ticker of include/wasmrt_attn.h makes every running guest take that path once
# per millisecond.  A body with TIER_SAMPLES samples or more, at least TIER_PER_KCELL
# per 1000 of its cells and at least `FuncCode.tier_at`, is queued for the compile thread,
# once (`FuncCode.queued`; a full queue leaves it for its next sample).  The compile
# thread prices the body's batch and gives back one that has not run that long yet
# (`tier_defer`: queued again at `tier_at` samples).
# A body without loops or calls is never charged (its time goes to the next check, in its
# caller); machine code counts its calls of such a body (`wr_call`) and queues it at
# TIER_CALLS.
# `h_attend` also enters machine code at a loop header once its body has an OSR entry
# there, so a long loop of a function called once moves to machine code while it runs.

cdef extern from "wasmrt_tier.h":
    volatile int wasmrt_tier_busy
    volatile int wasmrt_tier_awake
    int wasmrt_tier_push(void* code) nogil
    int wasmrt_tier_pop(void** out, int cap, long timeout_ms, int held) nogil
    void wasmrt_tier_idle() nogil
    void wasmrt_tier_nap() nogil
    size_t wasmrt_sp_limit() nogil
    size_t wasmrt_sp_here() nogil

cdef extern from *:
    """
    #define wasmrt_publish(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
    """
    void wasmrt_publish(void** p, void* v) nogil


ctypedef int (*body_t)(uint64_t* fp, Ctx* cx, uint32_t cell) noexcept nogil

cdef uint32_t TIER_SAMPLES = 25         # samples (ms of running) before a body is queued
# ... and at least this many per 1000 lowered cells of the body: compiling it costs LLVM
# time in proportion to its size (0.1-0.6 ms of CPU per cell), so a body is compiled once
# its interpreted running has cost about what compiling it will (ski rental: never more
# than twice the better choice in hindsight).  This is the floor (the cheapest per cell);
# the compile thread's estimate of the body's batch decides (_native._consider, scaled by
# this setting: 150 = the estimate).  `set_tier_cost`; ARCHITECTURE.md, native tier.
cdef uint32_t TIER_PER_KCELL = 150
# calls from machine code before an interpreted body (a callee left out of its caller's
# batch) is queued
cdef uint32_t TIER_CALLS = 10000
cdef uint32_t YIELD_EVERY = 4           # a GIL-holding guest yields at most every 4th tick
cdef uint32_t yield_tick = 0


# ---- tier-up: sampling and OSR (called from attention() / h_attend) ----

# Bodies over TIER_BIG cells (CPython's eval loop) are compiled in part, the blocks that
# run (_native.NativeModule.plan_partial): their samples' pcs are recorded (`reach_*`, a
# ring the compile thread drains: `tier_reach`), and they are priced as TIER_BIG_PRICE
# cells until the compile thread knows what part runs (the loop job's eval loop: 4,800
# of its 43,351 cells).
cdef uint32_t TIER_BIG = 20000
cdef uint32_t TIER_BIG_PRICE = 4000
DEF REACH_N = 4096
cdef void* reach_code[REACH_N]
cdef uint32_t reach_idx[REACH_N]
cdef uint32_t reach_head = 0
cdef uint32_t reach_tail = 0


cdef void tier_sample(Ctx* cx, const Cell* pc) noexcept nogil:
    """Charge one sample to the running body (`pc`: the instruction about to run); queue it
    for compilation when hot."""
    global wasmrt_samples_seen, reach_head
    cdef FuncCode* code
    cdef uint32_t ncells
    if cx.depth == 0:
        return
    code = cx.recs[cx.depth - 1].func.code
    if code == NULL or code.native != NULL:
        return
    wasmrt_samples_seen += 1
    code.samples += 1
    ncells = code.ncells
    if ncells > TIER_BIG:
        ncells = TIER_BIG_PRICE
        if pc >= code.code and pc < code.code + code.ncells:
            reach_code[reach_head % REACH_N] = <void*>code
            reach_idx[reach_head % REACH_N] = <uint32_t>(pc - code.code)
            reach_head += 1
    if (code.samples >= TIER_SAMPLES
            and <uint64_t>code.samples * 1000 >= <uint64_t>ncells * TIER_PER_KCELL
            and code.samples >= code.tier_at and not code.queued):
        code.queued = wasmrt_tier_push(<void*>code)


cdef void tier_yield_gil(Ctx* cx) noexcept nogil:
    """A guest holding the GIL lets the compile thread run its Python part while bodies
    are queued or compiling, or while the thread is out of its wait (`tier_pop`) at all
    (at most every YIELD_EVERY ticks: the compile thread may keep the GIL for a switch
    interval)."""
    global yield_tick
    if cx.gil_held and (wasmrt_tier_busy or wasmrt_tier_awake):
        yield_tick += 1
        if yield_tick >= YIELD_EVERY:
            yield_tick = 0
            with gil:
                with nogil:
                    wasmrt_tier_nap()


cdef handler_t osr_entry(Ctx* cx, const Cell* pc) noexcept nogil:
    """The machine-code entry for a loop header `pc` of the running body, or NULL."""
    cdef FuncCode* code
    cdef NativeCode* nc
    cdef uint32_t idx, lo, hi, mid
    if cx.depth == 0:
        return NULL
    code = cx.recs[cx.depth - 1].func.code
    if code == NULL:
        return NULL
    nc = code.native
    if nc == NULL or pc < code.code or pc >= code.code + code.ncells:
        return NULL
    idx = <uint32_t>(pc - code.code)
    lo = 0
    hi = nc.nosr
    while lo < hi:
        mid = (lo + hi) // 2
        if nc.osr[mid] < idx:
            lo = mid + 1
        else:
            hi = mid
    if lo < nc.nosr and nc.osr[lo] == idx:
        return <handler_t>nc.entry
    return NULL


# ---- helpers called by machine code (their addresses go to the JIT as symbols) ----

cdef int wr_trap(Ctx* cx, uint32_t idx, int rc) noexcept nogil:
    """Trap `rc` at cell `idx` of the running body."""
    cx.trap_pc = cx.recs[cx.depth - 1].func.code.code + idx
    return rc


cdef int wr_mem_fault(Ctx* cx, uint32_t idx, uint64_t ea, uint64_t offset, uint32_t n,
                      uint64_t msize) noexcept nogil:
    """The access of `n` bytes at wasm address `ea` (memarg `offset` included) at cell
    `idx` is beyond the memory's `msize` bytes: as the interpreter's `mem_fault`."""
    return mem_fault(cx, cx.recs[cx.depth - 1].func.code.code + idx, ea, n, offset, msize)


cdef int wr_exhausted(Ctx* cx, uint32_t idx, FuncRec* f) noexcept nogil:
    """The call at cell `idx` of `f` (a body of the batch) exhausted the stack: as the
    interpreter's calls, the callee that could not start is part of the backtrace."""
    cx.trap_callee = f
    return wr_trap(cx, idx, TRAP_STACK_EXHAUSTED)


cdef int wr_attend(Ctx* cx, uint64_t* fp, uint32_t idx) noexcept nogil:
    """An attention check fired in machine code (Ctrl-C, tier-up ticks, a call_async
    guest's time slice): as `h_attend`, a yield resumes at cell `idx` in frame `fp` (the
    machine code spills the frame's slots before it returns TRAP_YIELD)."""
    cdef const Cell* pc = cx.recs[cx.depth - 1].func.code.code + idx
    cdef int rc = attention(cx, pc)
    if rc != 0:
        if rc == TRAP_YIELD:
            pause_point(cx, pc, fp)
            cx.pause_func = NULL
        return wr_trap(cx, idx, rc)
    return 0


cdef inline void pause_point(Ctx* cx, const Cell* pc, uint64_t* fp) noexcept nogil:
    """Machine code pauses: the interpreter resumes at `pc` in frame `fp` (`resume`)."""
    cx.resume_pc = pc
    cx.resume_fp = fp


# checks of the activation that left after a side exit that keep attention requested
# (`attention()`): the interpreter running the left-out block reaches its body's next
# loop header within a few checks and enters machine code there (h_attend); a callee
# takes the slow path once (its return through `entry`, machine code's, requests it
# again: `Translator.entry`)
cdef uint32_t SIDE_ATTEND = 256


cdef void side_lapsed() noexcept nogil:
    """An activation that left machine code at a side exit ran SIDE_ATTEND checks without
    reaching a loop header that has machine code (a loop of the left-out blocks runs): the
    ticker's next ticks look again (`attention()`), so it must not park meanwhile (it parks
    when no tier-up sample is taken: the bodies that run have machine code)."""
    global wasmrt_samples_seen
    wasmrt_samples_seen += 1
    if wasmrt_ticker_parked:
        wasmrt_ticker_wake()


cdef int wr_side(Ctx* cx, uint64_t* fp, uint32_t idx) noexcept nogil:
    """Machine code reached cell `idx`, which it has no code for (a body compiled in
    part) or where a group's bounds check failed (the interpreter runs the accesses and
    traps where they do), its slots live there spilled to `fp`: count the exit (of a body
    compiled in part), and continue the activation in the interpreter (TRAP_SIDE:
    machine-code callers spill and leave as for a pause, `run_caught` resumes at `idx` at
    once), with attention requested so that the
    interpreter's next loop header enters machine code again (`attention()`)."""
    cdef FuncCode* code = cx.recs[cx.depth - 1].func.code
    cdef NativeCode* nc = code.native
    cdef uint32_t lo = 0, hi, mid
    if nc != NULL:      # (the installed code's count: a copy of the body compiled again
        hi = nc.nexits  # in another batch, to inline it, shares its exits)
        while lo < hi:
            mid = (lo + hi) // 2
            if nc.exits[mid] < idx:
                lo = mid + 1
            else:
                hi = mid
        if lo < nc.nexits and nc.exits[lo] == idx:
            nc.exit_counts[lo] += 1
    cx.resume_pc = code.code + idx
    cx.resume_fp = fp
    cx.pause_func = NULL
    cx.side_attn = wasmrt_attn
    cx.attn_seen = cx.side_attn - 1
    cx.side_left = SIDE_ATTEND
    cx.side_depth = cx.depth
    return TRAP_SIDE


cdef int wr_fuel(Ctx* cx, uint32_t idx) noexcept nogil:
    """The `fuel` op ran out of budget in machine code."""
    cdef int rc = fuel_slow(cx)
    if rc != 0:
        return wr_trap(cx, idx, rc)
    return 0


cdef int wr_call(Ctx* cx, uint64_t* fp, FuncRec* f, uint32_t base, uint32_t idx,
                 uint32_t ret_idx) noexcept nogil:
    """Call `f` with frame fp + base from machine code: the call instruction is at cell
    `idx` of the running body, the caller resumes at `ret_idx`.  Returns a trap code."""
    cdef const Cell* code0 = cx.recs[cx.depth - 1].func.code.code
    cdef uint64_t* nfp = fp + base
    cdef FuncCode* code = f.code
    cdef CallRec* rec
    cdef uint32_t d0
    cdef Cell stub[2]
    cdef int rc
    if code == NULL:
        cx.call_ret = code0 + ret_idx      # as the interpreter's calls leave them: the
        cx.host_pcs[cx.nest] = code0 + idx  # profiler's and nested backtraces' pcs
        rc = call_host(cx, f, nfp)
        if rc != 0:
            cx.trap_pc = code0 + idx
            cx.throw_fp = fp
            if rc == TRAP_PAUSE:        # an async host call: resume after the call
                pause_point(cx, code0 + ret_idx, fp)
        return rc
    if WASMRT_DEBUG:
        wasmrt_check(call_frame_ok(cx, fp, nfp, code), "native call: the callee's arguments "
                     "or results lie outside the caller's frame")
    if (cx.depth >= cx.max_depth or nfp + code.max_slots > cx.stack_end
            or wasmrt_sp_here() < cx.sp_limit):
        cx.trap_pc = code0 + idx
        cx.trap_callee = f
        return TRAP_STACK_EXHAUSTED
    if wasmrt_attn_pending(cx.attn_seen):
        rc = attention(cx, code0 + idx)
        if rc != 0:
            cx.trap_pc = code0 + idx
            if rc == TRAP_YIELD:        # make the call when resumed
                pause_point(cx, code0 + idx, fp)
                cx.pause_func = NULL
            return rc
    d0 = cx.depth
    rec = &cx.recs[d0]
    cx.depth = d0 + 1
    rec.fp = fp
    rec.inst = cx.inst
    rec.func = f
    cx.inst = f.inst
    if code.native != NULL:
        rec.ret_pc = code0 + ret_idx
        rc = (<body_t>code.native.body)(nfp, cx, 0)
        if rc == 0:
            cx.depth = d0
            cx.inst = rec.inst
        return rc
    if cx.tier_up:                  # an interpreted callee left out of its caller's
        code.calls += 1             # batch (one without loops is never sampled)
        if code.calls >= TIER_CALLS and not code.queued:
            code.queued = wasmrt_tier_push(<void*>code)
    stub[0].h = <void*>h_exit
    stub[1].u64 = <uint64_t>(code0 + ret_idx)
    rec.ret_pc = stub
    rc = (<handler_t>code.code[0].h)(code.code, nfp, cx, f.inst.mem.base, f.inst.mem.size)
    if rc != 0:
        rec.ret_pc = code0 + ret_idx    # the record stays for the backtrace (or a resume)
    return rc


cdef int wr_call_indirect(Ctx* cx, uint64_t* fp, uint32_t table, uint32_t i, uint32_t type_index,
                          uint32_t base, uint32_t idx, uint32_t ret_idx) noexcept nogil:
    """call_indirect from machine code: the checks of h_call_indirect, then `wr_call`."""
    cdef TableRec* t = cx.inst.tables[table]
    cdef FuncRec* f
    if i >= t.size:
        cx.trap_arg = i
        return wr_trap(cx, idx, TRAP_UNDEFINED_ELEMENT)
    f = <FuncRec*>t.elems[i]
    if f == NULL:
        cx.trap_arg = i
        return wr_trap(cx, idx, TRAP_UNINIT_ELEMENT)
    if f.type_id != cx.inst.type_ids[type_index] and not canon_sub(
            CANON, f.type_id, cx.inst.type_ids[type_index]):
        return wr_trap(cx, idx, TRAP_SIG_MISMATCH)
    return wr_call(cx, fp, f, base, idx, ret_idx)


cdef uint64_t wr_memory_grow(Ctx* cx, uint32_t delta) noexcept nogil:
    return <uint32_t>mem_grow(cx.inst.mem, delta)


cdef int wr_memory_fill(Ctx* cx, uint32_t d, uint32_t v, uint32_t n) noexcept nogil:
    cdef MemRec* m = cx.inst.mem
    if <uint64_t>d + n > m.size:
        return TRAP_OOB_MEMORY
    memset(m.base + d, <uint8_t>v, n)
    return 0


cdef int wr_memory_copy(Ctx* cx, uint32_t d, uint32_t s, uint32_t n) noexcept nogil:
    cdef MemRec* m = cx.inst.mem
    if <uint64_t>d + n > m.size or <uint64_t>s + n > m.size:
        return TRAP_OOB_MEMORY
    memmove(m.base + d, m.base + s, n)
    return 0


cdef int wr_memory_init(Ctx* cx, uint32_t seg, uint32_t d, uint32_t s, uint32_t n) noexcept nogil:
    cdef DataRec* sg = &cx.inst.datas[seg]
    cdef MemRec* m = cx.inst.mem
    if <uint64_t>s + n > sg.len or <uint64_t>d + n > m.size:
        return TRAP_OOB_MEMORY
    memcpy(m.base + d, sg.bytes + s, n)
    return 0


cdef void wr_data_drop(Ctx* cx, uint32_t seg) noexcept nogil:
    cx.inst.datas[seg].len = 0


cdef void wr_elem_drop(Ctx* cx, uint32_t seg) noexcept nogil:
    cx.inst.elems[seg].len = 0


cdef int wr_table_get(Ctx* cx, uint32_t table, uint32_t i, uint64_t* out) noexcept nogil:
    cdef TableRec* t = cx.inst.tables[table]
    if i >= t.size:
        return TRAP_OOB_TABLE
    out[0] = t.elems[i]
    return 0


cdef int wr_table_set(Ctx* cx, uint32_t table, uint32_t i, uint64_t v) noexcept nogil:
    cdef TableRec* t = cx.inst.tables[table]
    if i >= t.size:
        return TRAP_OOB_TABLE
    t.elems[i] = v
    return 0


cdef uint64_t wr_table_size(Ctx* cx, uint32_t table) noexcept nogil:
    return cx.inst.tables[table].size


cdef uint64_t wr_table_grow(Ctx* cx, uint32_t table, uint64_t init, uint32_t n) noexcept nogil:
    return <uint32_t>table_grow(cx.inst.tables[table], n, init)


cdef int wr_table_fill(Ctx* cx, uint32_t table, uint32_t d, uint64_t v, uint32_t n) noexcept nogil:
    cdef TableRec* t = cx.inst.tables[table]
    cdef uint64_t i
    if <uint64_t>d + n > t.size:
        return TRAP_OOB_TABLE
    for i in range(d, <uint64_t>d + n):
        t.elems[i] = v
    return 0


cdef int wr_table_copy(Ctx* cx, uint32_t dt_i, uint32_t st_i, uint32_t d, uint32_t s,
                       uint32_t n) noexcept nogil:
    cdef TableRec* dt = cx.inst.tables[dt_i]
    cdef TableRec* st = cx.inst.tables[st_i]
    if <uint64_t>d + n > dt.size or <uint64_t>s + n > st.size:
        return TRAP_OOB_TABLE
    memmove(dt.elems + d, st.elems + s, n * sizeof(uint64_t))
    return 0


cdef int wr_table_init(Ctx* cx, uint32_t table, uint32_t seg, uint32_t d, uint32_t s,
                       uint32_t n) noexcept nogil:
    cdef TableRec* t = cx.inst.tables[table]
    cdef ElemRec* sg = &cx.inst.elems[seg]
    if <uint64_t>s + n > sg.len or <uint64_t>d + n > t.size:
        return TRAP_OOB_TABLE
    memcpy(t.elems + d, sg.refs + s, n * sizeof(uint64_t))
    return 0


def native_symbols() -> dict:
    """The runtime symbols machine code links against: name -> address."""
    return {
        "wasmrt_attn": <size_t>&wasmrt_attn,
        "wr_trap": <size_t>wr_trap,
        "wr_mem_fault": <size_t>wr_mem_fault,
        "wr_exhausted": <size_t>wr_exhausted,
        "wr_attend": <size_t>wr_attend,
        "wr_side": <size_t>wr_side,
        "wr_fuel": <size_t>wr_fuel,
        "wr_call": <size_t>wr_call,
        "wr_call_indirect": <size_t>wr_call_indirect,
        "wr_memory_grow": <size_t>wr_memory_grow,
        "wr_memory_fill": <size_t>wr_memory_fill,
        "wr_memory_copy": <size_t>wr_memory_copy,
        "wr_memory_init": <size_t>wr_memory_init,
        "wr_data_drop": <size_t>wr_data_drop,
        "wr_elem_drop": <size_t>wr_elem_drop,
        "wr_table_get": <size_t>wr_table_get,
        "wr_table_set": <size_t>wr_table_set,
        "wr_table_size": <size_t>wr_table_size,
        "wr_table_grow": <size_t>wr_table_grow,
        "wr_table_fill": <size_t>wr_table_fill,
        "wr_table_copy": <size_t>wr_table_copy,
        "wr_table_init": <size_t>wr_table_init,
    }


def native_layout() -> dict:
    """Byte offsets of the runtime struct fields machine code reads (and struct sizes)."""
    cdef Ctx c
    cdef InstCtx i
    cdef FuncRec f
    cdef CallRec r
    cdef MemRec m
    cdef FuncCode fc
    cdef TableRec t
    cdef NativeCode nc

    def off(size_t a, size_t b) -> int:
        return <Py_ssize_t>(a - b)
    return {
        "cx.inst": off(<size_t>&c.inst, <size_t>&c),
        "cx.stack_end": off(<size_t>&c.stack_end, <size_t>&c),
        "cx.recs": off(<size_t>&c.recs, <size_t>&c),
        "cx.depth": off(<size_t>&c.depth, <size_t>&c),
        "cx.max_depth": off(<size_t>&c.max_depth, <size_t>&c),
        "cx.budget": off(<size_t>&c.budget, <size_t>&c),
        "cx.attn_seen": off(<size_t>&c.attn_seen, <size_t>&c),
        "cx.side_left": off(<size_t>&c.side_left, <size_t>&c),
        "cx.sp_limit": off(<size_t>&c.sp_limit, <size_t>&c),
        "inst.funcs": off(<size_t>&i.funcs, <size_t>&i),
        "inst.globals": off(<size_t>&i.globals, <size_t>&i),
        "inst.mem": off(<size_t>&i.mem, <size_t>&i),
        "inst.tables": off(<size_t>&i.tables, <size_t>&i),
        "inst.type_ids": off(<size_t>&i.type_ids, <size_t>&i),
        "func.code": off(<size_t>&f.code, <size_t>&f),
        "func.inst": off(<size_t>&f.inst, <size_t>&f),
        "func.type_id": off(<size_t>&f.type_id, <size_t>&f),
        "rec.ret_pc": off(<size_t>&r.ret_pc, <size_t>&r),
        "rec.fp": off(<size_t>&r.fp, <size_t>&r),
        "rec.inst": off(<size_t>&r.inst, <size_t>&r),
        "rec.func": off(<size_t>&r.func, <size_t>&r),
        "rec.size": sizeof(CallRec),
        "mem.base": off(<size_t>&m.base, <size_t>&m),
        "mem.size": off(<size_t>&m.size, <size_t>&m),
        "mem.pages": off(<size_t>&m.pages, <size_t>&m),
        "code.code": off(<size_t>&fc.code, <size_t>&fc),
        "code.max_slots": off(<size_t>&fc.max_slots, <size_t>&fc),
        "code.native": off(<size_t>&fc.native, <size_t>&fc),
        "native.body": off(<size_t>&nc.body, <size_t>&nc),
        "table.elems": off(<size_t>&t.elems, <size_t>&t),
        "table.size": off(<size_t>&t.size, <size_t>&t),
    }


cdef inline FuncCode* _fc(LoweredFunc lf) noexcept:
    return &lf.fc


def code_cells(LoweredFunc lf) -> list:
    """The cells of `lf` as unsigned 64-bit ints, handler cells as IR_* numbers whether or
    not the code is threaded (or enters machine code)."""
    cdef FuncCode* c = _fc(lf)
    cdef uint32_t i = 0, n, op, k
    cdef void* h
    if not c.threaded:
        return lf.cells()
    cdef dict ops = {<size_t>HANDLERS[k]: k for k in range(<int>IR_COUNT)}
    out = [c.code[i].u64 for i in range(c.ncells)]
    i = 0
    while i < c.ncells:
        h = c.code[i].h
        if i == 0 and c.native != NULL:
            h = c.native.h0
        op = ops[<size_t>h]
        out[i] = op
        n = <uint32_t>c.code[i + 1].w.hi if op == IR_BR_TABLE else 0
        i += ir_ncells(op, n)
    return out


def native_install(LoweredFunc lf, size_t entry, size_t body, osr, exits=()) -> bool:
    """Attach machine code to `lf` (entry/body addresses; `osr`: loop-header cells the entry
    accepts; `exits`: the cells of the blocks it left out, its side exits) and swap cell
    0's handler for the entry.  False if it already has some."""
    cdef FuncCode* c = _fc(lf)
    cdef NativeCode* nc
    cdef uint32_t* o
    cdef uint32_t* x
    cdef uint32_t* xc
    cdef Py_ssize_t k
    if c.native != NULL:
        return False
    if thread_code(c) != 0:
        raise RuntimeError("internal error: malformed lowered code")
    nc = <NativeCode*>calloc(1, sizeof(NativeCode))
    o = <uint32_t*>calloc(len(osr) + 1, sizeof(uint32_t))
    x = <uint32_t*>calloc(len(exits) + 1, sizeof(uint32_t))
    xc = <uint32_t*>calloc(len(exits) + 1, sizeof(uint32_t))
    if nc == NULL or o == NULL or x == NULL or xc == NULL:
        free(nc)
        free(o)
        free(x)
        free(xc)
        raise MemoryError()
    for k, idx in enumerate(sorted(osr)):
        o[k] = idx
    for k, idx in enumerate(sorted(exits)):
        x[k] = idx
    nc.h0 = c.code[0].h
    nc.entry = <void*>entry
    nc.body = <void*>body
    nc.osr = o
    nc.nosr = len(osr)
    nc.exits = x
    nc.exit_counts = xc
    nc.nexits = len(exits)
    wasmrt_publish(<void**>&c.native, <void*>nc)             # body first, then the entry
    wasmrt_publish(&c.code[0].h, <void*>entry)
    return True


def native_replace(LoweredFunc lf, size_t entry, size_t body, osr, exits=()) -> None:
    """Attach new machine code to `lf`, which has some (a body compiled in part, compiled
    again with more of its blocks).  The old code may still be running (an activation on
    a C stack, another thread): it stays linked, and its NativeCode is not freed (a few
    per body, a bounded number of recompiles)."""
    cdef FuncCode* c = _fc(lf)
    cdef NativeCode* old = c.native
    if old == NULL:
        native_install(lf, entry, body, osr, exits)
        return
    c.native = NULL     # (native_install builds the new one: its h0 is the old one's)
    c.code[0].h = old.h0
    native_install(lf, entry, body, osr, exits)


def native_uninstall(LoweredFunc lf) -> None:
    """Detach the machine code of `lf` (its code must be running nowhere)."""
    cdef FuncCode* c = _fc(lf)
    cdef NativeCode* nc = c.native
    if nc == NULL:
        return
    c.code[0].h = nc.h0
    c.native = NULL
    free(<void*>nc.osr)
    free(<void*>nc.exits)
    free(nc.exit_counts)
    free(nc)


def native_exits(LoweredFunc lf) -> dict:
    """The side exits of `lf`'s machine code: left-out cell -> times machine code left
    there ({} for a body compiled whole, or interpreted)."""
    cdef NativeCode* nc = _fc(lf).native
    if nc == NULL:
        return {}
    return {nc.exits[k]: nc.exit_counts[k] for k in range(nc.nexits)}


def native_state(LoweredFunc lf) -> tuple:
    """(has machine code, tier-up samples) of `lf`."""
    cdef FuncCode* c = _fc(lf)
    return (c.native != NULL, c.samples)


def tier_pop(int cap=64, long timeout_ms=100, bint held=False) -> list:
    """Queued hot bodies (FuncCode addresses), waiting up to `timeout_ms` without the GIL
    (`held`: the caller still holds bodies it took before, so `tier_busy` stays true)."""
    cdef void* buf[64]
    cdef int n
    if cap > 64:
        cap = 64
    with nogil:
        n = wasmrt_tier_pop(buf, cap, timeout_ms, held)
    return [<size_t>buf[k] for k in range(n)]


def tier_reach() -> list:
    """The pcs sampled in bodies over TIER_BIG cells since the last call: (FuncCode
    address, cell index) pairs, at most the ring's last REACH_N."""
    global reach_tail
    cdef uint32_t head = reach_head
    cdef uint32_t k = reach_tail
    if head - k > REACH_N:
        k = head - REACH_N
    out = [(<size_t>reach_code[i % REACH_N], reach_idx[i % REACH_N]) for i in range(k, head)]
    reach_tail = head
    return out


def set_tier_big(uint32_t cells) -> int:
    """Bodies over `cells` lowered cells are compiled in part (their samples' pcs are
    recorded); returns the previous setting (tests: `_native.MAX_TIER_CELLS` with it)."""
    global TIER_BIG
    cdef uint32_t old = TIER_BIG
    TIER_BIG = cells
    return old


def tier_idle() -> None:
    """The compile thread installed its batch."""
    wasmrt_tier_idle()


def tier_samples(size_t code) -> int:
    """Tier-up samples of the body whose FuncCode is at address `code` (a queued one)."""
    return (<FuncCode*>code).samples


def tier_defer(size_t code, uint32_t samples) -> None:
    """Take back a queued body (FuncCode address `code`) until it has `samples` samples
    (or TIER_CALLS more calls from machine code): the compile thread's estimate of its
    batch's cost is higher than what it has run."""
    cdef FuncCode* c = <FuncCode*>code
    c.tier_at = samples
    c.calls = 0         # (and TIER_CALLS more calls from machine code)
    c.queued = 0


def funccode_address(LoweredFunc lf) -> int:
    """The address of `lf`'s FuncCode (what the compile queue holds)."""
    return <size_t>_fc(lf)


def set_tier_samples(uint32_t n) -> int:
    """Samples (milliseconds of running) before a body is queued for compilation; returns
    the previous setting."""
    global TIER_SAMPLES
    cdef uint32_t old = TIER_SAMPLES
    TIER_SAMPLES = n if n > 0 else 1
    return old


def set_tick_idle(unsigned ticks) -> int:
    """Ticks without a tier-up sample before the ticker parks (default 500: half a second);
    returns the old value (tests)."""
    global wasmrt_tick_idle
    cdef unsigned old = wasmrt_tick_idle
    wasmrt_tick_idle = ticks if ticks > 0 else 1
    return old


def set_tier_cost(uint32_t per_kcell) -> int:
    """Samples per 1000 lowered cells a body needs too before it is queued (compiling a
    body costs LLVM time in proportion to its size); returns the previous setting."""
    global TIER_PER_KCELL
    cdef uint32_t old = TIER_PER_KCELL
    TIER_PER_KCELL = per_kcell
    return old


def tier_cost() -> int:
    """Samples per 1000 lowered cells a body needs before it is queued (`set_tier_cost`)."""
    return TIER_PER_KCELL


def tier_busy() -> bool:
    """True while bodies are queued for compilation or a batch is compiling."""
    return wasmrt_tier_busy != 0


def store_set_tier_up(StoreCtx store, bint on) -> None:
    """Whether `store` samples for tier-up and enters machine code at loop headers."""
    store.cx.tier_up = on


cdef extern from "<dlfcn.h>":
    void* dlopen(const char* path, int flags) nogil
    int RTLD_NOW
    int RTLD_LOCAL


def preload_library(bytes path) -> bool:
    """dlopen `path` without the GIL (the library stays mapped: ctypes maps it again
    cheaply)."""
    cdef const char* p = path
    cdef void* h
    with nogil:
        h = dlopen(p, RTLD_NOW | RTLD_LOCAL)
    return h != NULL
