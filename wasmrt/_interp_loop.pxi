# The hand-written handlers: moves, memory/table/global/reference ops, control flow, calls.
# (The uniform families - numerics, loads/stores, fused compare+branch - are generated into
# _interp_ops.pxi from tools/isa.py.)  Every handler has the signature of `handler_t` and
# ends in a sibling call to the next instruction's handler, which gcc -O2 turns into a jump;
# slow paths call non-inlined helpers (_interp_frames.pxi, _interp_host.pxi) first.
#
# hot:begin

cdef int h_exit(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem, uint64_t msize) noexcept nogil:
    """The return address of a Python->wasm entry: stop the chain."""
    return TRAP_NONE


cdef int h_nop(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem, uint64_t msize) noexcept nogil:
    return (<handler_t>pc[1].h)(pc + 1, fp, cx, mem, msize)


cdef int h_copy(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem, uint64_t msize) noexcept nogil:
    fp[pc[1].s.a] = fp[pc[1].s.b]
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_copy2(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                 uint64_t msize) noexcept nogil:
    fp[pc[1].s.a] = fp[pc[1].s.b]
    fp[pc[1].s.c] = fp[pc[1].s.d]
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_copy_n(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                  uint64_t msize) noexcept nogil:
    memmove(fp + pc[1].s.a, fp + pc[1].s.b, pc[1].s.c * sizeof(uint64_t))
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_const32(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                   uint64_t msize) noexcept nogil:
    fp[pc[1].s.a] = <uint32_t>pc[1].w.hi
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_const64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                   uint64_t msize) noexcept nogil:
    fp[pc[1].s.a] = pc[2].u64
    return (<handler_t>pc[3].h)(pc + 3, fp, cx, mem, msize)


cdef int h_i32_add_shl(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    fp[pc[1].s.a] = <uint32_t>(<uint32_t>fp[pc[1].s.b] + (<uint32_t>fp[pc[1].s.c] << pc[1].s.d))
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_select(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                  uint64_t msize) noexcept nogil:
    if <uint32_t>fp[pc[1].s.d] != 0:
        fp[pc[1].s.a] = fp[pc[1].s.b]
    else:
        fp[pc[1].s.a] = fp[pc[1].s.c]
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


# ---- wide arithmetic: 128-bit results in fp[dst] (low) and fp[dst + 1] (high) ----

cdef int h_i64_add128(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    cdef uint64_t lo, hi
    i64_add128(fp[pc[1].s.b], fp[pc[1].s.c], fp[pc[1].s.d], fp[pc[2].s.a], &lo, &hi)
    fp[pc[1].s.a] = lo
    fp[pc[1].s.a + 1] = hi
    return (<handler_t>pc[3].h)(pc + 3, fp, cx, mem, msize)


cdef int h_i64_sub128(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    cdef uint64_t lo, hi
    i64_sub128(fp[pc[1].s.b], fp[pc[1].s.c], fp[pc[1].s.d], fp[pc[2].s.a], &lo, &hi)
    fp[pc[1].s.a] = lo
    fp[pc[1].s.a + 1] = hi
    return (<handler_t>pc[3].h)(pc + 3, fp, cx, mem, msize)


cdef int h_i64_mul_wide_s(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                          uint64_t msize) noexcept nogil:
    cdef uint64_t lo, hi
    i64_mul_wide_s(fp[pc[1].s.b], fp[pc[1].s.c], &lo, &hi)
    fp[pc[1].s.a] = lo
    fp[pc[1].s.a + 1] = hi
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_i64_mul_wide_u(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                          uint64_t msize) noexcept nogil:
    cdef uint64_t lo, hi
    i64_mul_wide_u(fp[pc[1].s.b], fp[pc[1].s.c], &lo, &hi)
    fp[pc[1].s.a] = lo
    fp[pc[1].s.a + 1] = hi
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


# ---- linear memory (beyond loads/stores) ----
# Memory 0 of a 32-bit memory uses the registers `mem`/`msize`; the `*_m` ops name any
# memory (multi-memory, memory64) and read it from the instance (`cx.inst.mems`), with
# addresses and lengths of its width (`MemRec.addr_mask`).

# memory.size derives the page count from `size`, the field every bounds check reads: on a
# shared memory grown by another thread, a size seen here is then seen by this thread's
# accesses too (coherence of one location; `pages` and `size` are two).
cdef int h_memory_size(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    cdef MemRec* m = cx.inst.mem
    fp[pc[1].s.a] = m.size >> m.page_shift
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_memory_size_m(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                         uint64_t msize) noexcept nogil:
    cdef MemRec* m = cx.inst.mems[pc[1].s.b]
    fp[pc[1].s.a] = m.size >> m.page_shift
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_memory_grow(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    cdef MemRec* m = cx.inst.mem
    fp[pc[1].s.a] = <uint32_t>mem_grow(m, <uint32_t>fp[pc[1].s.b])
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, m.base, m.size)


cdef int h_memory_grow_m(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                         uint64_t msize) noexcept nogil:
    cdef MemRec* m = cx.inst.mems[pc[1].s.c]
    fp[pc[1].s.a] = <uint64_t>mem_grow(m, fp[pc[1].s.b] & m.addr_mask) & m.addr_mask
    m = cx.inst.mem                             # memory 0 may be the one that grew
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, m.base, m.size)


cdef int h_memory_fill(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    cdef uint64_t d = <uint32_t>fp[pc[1].s.a]
    cdef uint64_t n = <uint32_t>fp[pc[1].s.c]
    if d + n > msize:
        return trap_at(cx, pc, TRAP_OOB_MEMORY)
    memset(mem + d, <uint8_t>fp[pc[1].s.b], n)
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_memory_fill_m(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                         uint64_t msize) noexcept nogil:
    cdef MemRec* m = cx.inst.mems[pc[1].s.d]
    cdef uint64_t d = fp[pc[1].s.a] & m.addr_mask
    cdef uint64_t n = fp[pc[1].s.c] & m.addr_mask
    if mem_range_oob(m, d, n):
        return trap_at(cx, pc, TRAP_OOB_MEMORY)
    memset(m.base + d, <uint8_t>fp[pc[1].s.b], n)
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_memory_copy(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    cdef uint64_t d = <uint32_t>fp[pc[1].s.a]
    cdef uint64_t s = <uint32_t>fp[pc[1].s.b]
    cdef uint64_t n = <uint32_t>fp[pc[1].s.c]
    if d + n > msize or s + n > msize:
        return trap_at(cx, pc, TRAP_OOB_MEMORY)
    memmove(mem + d, mem + s, n)
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_memory_copy_m(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                         uint64_t msize) noexcept nogil:
    cdef MemRec* dm = cx.inst.mems[<uint32_t>pc[2].w.lo]
    cdef MemRec* sm = cx.inst.mems[<uint32_t>pc[2].w.hi]
    cdef uint64_t d = fp[pc[1].s.a] & dm.addr_mask
    cdef uint64_t s = fp[pc[1].s.b] & sm.addr_mask
    cdef uint64_t n = fp[pc[1].s.c] & dm.addr_mask & sm.addr_mask
    if mem_range_oob(dm, d, n) or mem_range_oob(sm, s, n):
        return trap_at(cx, pc, TRAP_OOB_MEMORY)
    memmove(dm.base + d, sm.base + s, n)
    return (<handler_t>pc[3].h)(pc + 3, fp, cx, mem, msize)


cdef int h_memory_init(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    cdef DataRec* seg = &cx.inst.datas[<uint32_t>pc[2].w.lo]
    cdef uint64_t d = <uint32_t>fp[pc[1].s.a]
    cdef uint64_t s = <uint32_t>fp[pc[1].s.b]
    cdef uint64_t n = <uint32_t>fp[pc[1].s.c]
    if s + n > seg.len or d + n > msize:
        return trap_at(cx, pc, TRAP_OOB_MEMORY)
    memcpy(mem + d, seg.bytes + s, n)
    return (<handler_t>pc[3].h)(pc + 3, fp, cx, mem, msize)


cdef int h_memory_init_m(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                         uint64_t msize) noexcept nogil:
    cdef MemRec* m = cx.inst.mems[pc[1].s.d]
    cdef DataRec* seg = &cx.inst.datas[<uint32_t>pc[2].w.lo]
    cdef uint64_t d = fp[pc[1].s.a] & m.addr_mask
    cdef uint64_t s = <uint32_t>fp[pc[1].s.b]
    cdef uint64_t n = <uint32_t>fp[pc[1].s.c]
    if s + n > seg.len or mem_range_oob(m, d, n):
        return trap_at(cx, pc, TRAP_OOB_MEMORY)
    memcpy(m.base + d, seg.bytes + s, n)
    return (<handler_t>pc[3].h)(pc + 3, fp, cx, mem, msize)


cdef int h_data_drop(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                     uint64_t msize) noexcept nogil:
    cx.inst.datas[<uint32_t>pc[1].w.lo].len = 0
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


# ---- atomics (threads): wait, notify, fence; the accesses are generated (_interp_ops.pxi) ----

cdef enum:
    WAIT_SLICE_NS = 5000000     # a waiter attends to Ctrl-C and epochs this often
    WAIT_SIGNAL_SLICES = 4      # and the main thread runs Python's signal handlers every 20 ms


cdef int atomic_wait(const Cell* pc, uint64_t* fp, Ctx* cx, uint64_t width) noexcept nogil:
    """memory.atomic.wait32/64 [a=dst b=addr c=exp d=new(timeout)] up to its result in
    fp[dst] (0 returned) or its trap (the code returned): bounds, alignment, a
    shared memory; then 1 if the cell does not hold fp[exp], else block (without the GIL)
    until notified (0) or fp[timeout] ns pass (2; negative: no timeout).  Every
    WAIT_SLICE_NS the waiter looks at the epoch deadline (trap "interrupt") and the
    attention counter; on the main thread it also runs Python's signal handlers itself
    every WAIT_SIGNAL_SLICES slices (Ctrl-C unwinds it with KeyboardInterrupt), so no
    signal waits on wasmrt's SIGINT hook, which another handler may have displaced.  A
    call_async guest that can pause yields (TRAP_YIELD) when its time slice is over and
    stays queued (its waiter is on the heap, Ctx.wait_parked, kept by the AsyncCall while
    paused): other tasks of the event loop run, a notify among them counts it, and the
    resumed wait goes on until the same deadline."""
    cdef MemRec* m = cx.inst.mems[pc[2].w.lo]
    cdef uint64_t ea
    cdef wr_waiter local
    cdef wr_waiter* w = &local
    cdef bint can_yield = cx.yield_at != 0 and cx.async_nest == cx.nest
    cdef bint queued
    cdef int64_t timeout = <int64_t>fp[pc[1].s.d]
    cdef int64_t now, deadline, until
    cdef int rc = 0, r = 1
    cdef void* ts
    cdef bint main_thread
    cdef uint32_t slices = 0
    if mem_oob(m, fp[pc[1].s.b], pc[3].u64, width, &ea):
        return mem_fault_m(cx, pc, m, fp[pc[1].s.b], pc[3].u64, width)
    if ea & (width - 1):
        return trap_at(cx, pc, TRAP_UNALIGNED)
    if not m.shared:
        return trap_at(cx, pc, TRAP_WAIT_UNSHARED)
    now = wasmrt_now_ns()
    deadline = INT64_MAX if timeout < 0 or timeout > INT64_MAX - now else now + timeout
    if cx.wait_parked != NULL and cx.resume_pc == pc and cx.resume_fp == fp:
        w = <wr_waiter*>cx.wait_parked  # resumed after a yield: still queued
        deadline = cx.wait_deadline
        cx.wait_parked = NULL
        queued = True
    else:
        if can_yield:
            w = wr_waiter_new()
            if w == NULL:               # (out of memory: wait without yielding)
                w = &local
                can_yield = False
        queued = wr_wait_enter(w, m.base + ea, fp[pc[1].s.c], width == 8) == 0
        if not queued and w != &local:
            wr_waiter_free(w)
    if queued:
        ts = wr_gil_release()           # (a Store without release_gil: let Python run)
        main_thread = wasmrt_thread_ident() == MAIN_THREAD
        r = 2
        while True:
            until = now + WAIT_SLICE_NS
            if until > deadline:
                until = deadline
            if wr_wait_block(w, until):
                break
            now = wasmrt_now_ns()
            if now >= deadline:
                break
            if cx.epoch_enabled and cx.epoch_counter[0] >= cx.epoch_deadline:
                rc = TRAP_INTERRUPT
                break
            if wasmrt_attn_pending(cx.attn_seen) or wasmrt_sigint:
                rc = attention(cx, pc)
                if rc == TRAP_YIELD:
                    rc = 0
                if rc != 0:
                    break
            # Python's handlers run only where PyErr_CheckSignals is called: the main
            # thread calls it itself now and then, whether or not wasmrt's hook saw the
            # signal (a handler installed over the hook, a SIGALRM of a test timeout)
            slices += 1
            if main_thread and slices % WAIT_SIGNAL_SLICES == 0:
                rc = check_signals(cx)
                if rc != 0:
                    break
            if can_yield and now >= cx.yield_at:    # call_async: let the event loop run
                rc = TRAP_YIELD
                break
        if rc == TRAP_YIELD:            # pause here, still queued (see above)
            wr_gil_restore(ts)
            cx.wait_parked = <void*>w
            cx.wait_deadline = deadline
            cx.resume_pc = pc
            cx.resume_fp = fp
            cx.pause_func = NULL
            return trap_at(cx, pc, rc)
        if wr_wait_leave(w):            # notified (perhaps while leaving): woken
            r = 0
            rc = 0
        if w != &local:
            wr_waiter_free(w)
        wr_gil_restore(ts)
        if rc != 0:
            return trap_at(cx, pc, rc)
    fp[pc[1].s.a] = r
    return 0


cdef int h_memory_atomic_wait32(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                                uint64_t msize) noexcept nogil:
    cdef int rc = atomic_wait(pc, fp, cx, 4)
    cdef MemRec* m = cx.inst.mem                # (memory 0 may have grown meanwhile)
    if rc != 0:
        return rc
    return (<handler_t>pc[4].h)(pc + 4, fp, cx, m.base, m.size)


cdef int h_memory_atomic_wait64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                                uint64_t msize) noexcept nogil:
    cdef int rc = atomic_wait(pc, fp, cx, 8)
    cdef MemRec* m = cx.inst.mem
    if rc != 0:
        return rc
    return (<handler_t>pc[4].h)(pc + 4, fp, cx, m.base, m.size)


cdef int h_memory_atomic_notify(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                                uint64_t msize) noexcept nogil:
    """Wake up to u32 fp[count] waiters on the cell (none on a memory that is not shared)."""
    cdef MemRec* m = cx.inst.mems[pc[1].s.d]
    cdef uint64_t ea
    if mem_oob(m, fp[pc[1].s.b], pc[2].u64, 4, &ea):
        return mem_fault_m(cx, pc, m, fp[pc[1].s.b], pc[2].u64, 4)
    if ea & 3:
        return trap_at(cx, pc, TRAP_UNALIGNED)
    fp[pc[1].s.a] = wr_notify(m.base + ea, <uint32_t>fp[pc[1].s.c]) if m.shared else 0
    return (<handler_t>pc[3].h)(pc + 3, fp, cx, mem, msize)


cdef int h_atomic_fence(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    wr_atomic_fence()
    return (<handler_t>pc[1].h)(pc + 1, fp, cx, mem, msize)


# ---- globals and references ----

cdef int h_global_get(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    fp[pc[1].s.a] = cx.inst.globals[<uint32_t>pc[1].w.hi][0]
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_global_set(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    cx.inst.globals[<uint32_t>pc[1].w.hi][0] = fp[pc[1].s.a]
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_ref_is_null(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    fp[pc[1].s.a] = fp[pc[1].s.b] == 0
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


# ---- i31 and ref.eq (GC) ----
# An i31 reference is the odd cell (u31 << 1 | 1): never null (0), never an object pointer
# (aligned), and equal values are equal cells, so ref.eq compares cells.

cdef int h_ref_eq(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                  uint64_t msize) noexcept nogil:
    fp[pc[1].s.a] = fp[pc[1].s.b] == fp[pc[1].s.c]
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_ref_i31(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                   uint64_t msize) noexcept nogil:
    fp[pc[1].s.a] = <uint32_t>((<uint32_t>fp[pc[1].s.b] << 1) | 1)
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_i31_get_s(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                     uint64_t msize) noexcept nogil:
    cdef uint64_t v = fp[pc[1].s.b]
    if v == 0:
        return trap_at(cx, pc, TRAP_NULL_I31)
    fp[pc[1].s.a] = <uint32_t>(<int32_t>(<uint32_t>v) >> 1)
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_i31_get_u(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                     uint64_t msize) noexcept nogil:
    cdef uint64_t v = fp[pc[1].s.b]
    if v == 0:
        return trap_at(cx, pc, TRAP_NULL_I31)
    fp[pc[1].s.a] = <uint32_t>v >> 1
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_ref_func(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                    uint64_t msize) noexcept nogil:
    fp[pc[1].s.a] = <uint64_t>cx.inst.funcs[<uint32_t>pc[1].w.hi]
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


# ---- tables ----
# Each op reads its indices at the table's width (u32, or u64 for the *64 ops of table64)
# and shares the rest through an inline helper, so a 32-bit handler is what it always was.
# `range_oob`'s `wide` is a constant in each handler: 32-bit ranges (below 2**33) need no
# check for wrapping.

cdef inline bint range_oob(uint64_t start, uint64_t n, uint64_t size, bint wide) noexcept nogil:
    """Whether [start, start + n) reaches past `size` elements."""
    if wide:
        return start > size or n > size - start
    return start + n > size


cdef inline int table_get_at(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                             uint64_t msize, uint64_t i) noexcept nogil:
    cdef TableRec* t = cx.inst.tables[<uint32_t>pc[1].w.hi]
    if i >= t.size:
        return trap_at(cx, pc, TRAP_OOB_TABLE)
    fp[pc[1].s.a] = t.elems[i]
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_table_get(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                     uint64_t msize) noexcept nogil:
    return table_get_at(pc, fp, cx, mem, msize, <uint32_t>fp[pc[1].s.b])


cdef int h_table_get64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    return table_get_at(pc, fp, cx, mem, msize, fp[pc[1].s.b])


cdef inline int table_set_at(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                             uint64_t msize, uint64_t i) noexcept nogil:
    cdef TableRec* t = cx.inst.tables[<uint32_t>pc[1].w.hi]
    if i >= t.size:
        return trap_at(cx, pc, TRAP_OOB_TABLE)
    t.elems[i] = fp[pc[1].s.b]
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_table_set(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                     uint64_t msize) noexcept nogil:
    return table_set_at(pc, fp, cx, mem, msize, <uint32_t>fp[pc[1].s.a])


cdef int h_table_set64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    return table_set_at(pc, fp, cx, mem, msize, fp[pc[1].s.a])


cdef int h_table_size(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    fp[pc[1].s.a] = cx.inst.tables[<uint32_t>pc[1].w.hi].size
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_table_grow(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    cdef TableRec* t = cx.inst.tables[<uint32_t>pc[2].w.lo]
    fp[pc[1].s.a] = <uint32_t>table_grow(t, <uint32_t>fp[pc[1].s.c], fp[pc[1].s.b])
    return (<handler_t>pc[3].h)(pc + 3, fp, cx, mem, msize)


cdef int h_table_grow64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    cdef TableRec* t = cx.inst.tables[<uint32_t>pc[2].w.lo]
    fp[pc[1].s.a] = <uint64_t>table_grow(t, fp[pc[1].s.c], fp[pc[1].s.b])
    return (<handler_t>pc[3].h)(pc + 3, fp, cx, mem, msize)


cdef inline int table_fill_at(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                              uint64_t msize, uint64_t d, uint64_t n, bint wide) noexcept nogil:
    cdef TableRec* t = cx.inst.tables[<uint32_t>pc[2].w.lo]
    cdef uint64_t v = fp[pc[1].s.b]
    cdef uint64_t i
    if range_oob(d, n, t.size, wide):
        return trap_at(cx, pc, TRAP_OOB_TABLE)
    for i in range(d, d + n):
        t.elems[i] = v
    return (<handler_t>pc[3].h)(pc + 3, fp, cx, mem, msize)


cdef int h_table_fill(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    return table_fill_at(pc, fp, cx, mem, msize, <uint32_t>fp[pc[1].s.a],
                         <uint32_t>fp[pc[1].s.c], False)


cdef int h_table_fill64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    return table_fill_at(pc, fp, cx, mem, msize, fp[pc[1].s.a], fp[pc[1].s.c], True)


cdef inline int table_copy_at(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                              uint64_t msize, uint64_t d, uint64_t s, uint64_t n,
                              bint wide) noexcept nogil:
    cdef TableRec* dt = cx.inst.tables[<uint32_t>pc[2].w.lo]
    cdef TableRec* st = cx.inst.tables[<uint32_t>pc[2].w.hi]
    if range_oob(d, n, dt.size, wide) or range_oob(s, n, st.size, wide):
        return trap_at(cx, pc, TRAP_OOB_TABLE)
    memmove(dt.elems + d, st.elems + s, n * sizeof(uint64_t))
    return (<handler_t>pc[3].h)(pc + 3, fp, cx, mem, msize)


cdef int h_table_copy(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    return table_copy_at(pc, fp, cx, mem, msize, <uint32_t>fp[pc[1].s.a],
                         <uint32_t>fp[pc[1].s.b], <uint32_t>fp[pc[1].s.c], False)


cdef int h_table_copy64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    cdef uint32_t wide = pc[1].s.d            # bit 0: dst is table64, bit 1: src is
    cdef uint64_t d = fp[pc[1].s.a] if wide & 1 else <uint32_t>fp[pc[1].s.a]
    cdef uint64_t s = fp[pc[1].s.b] if wide & 2 else <uint32_t>fp[pc[1].s.b]
    cdef uint64_t n = fp[pc[1].s.c] if wide == 3 else <uint32_t>fp[pc[1].s.c]
    return table_copy_at(pc, fp, cx, mem, msize, d, s, n, True)


cdef inline int table_init_at(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                              uint64_t msize, uint64_t d, bint wide) noexcept nogil:
    cdef TableRec* t = cx.inst.tables[<uint32_t>pc[2].w.lo]
    cdef ElemRec* seg = &cx.inst.elems[<uint32_t>pc[2].w.hi]
    cdef uint64_t s = <uint32_t>fp[pc[1].s.b]
    cdef uint64_t n = <uint32_t>fp[pc[1].s.c]
    if s + n > seg.len or range_oob(d, n, t.size, wide):
        return trap_at(cx, pc, TRAP_OOB_TABLE)
    memcpy(t.elems + d, seg.refs + s, n * sizeof(uint64_t))
    return (<handler_t>pc[3].h)(pc + 3, fp, cx, mem, msize)


cdef int h_table_init(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    return table_init_at(pc, fp, cx, mem, msize, <uint32_t>fp[pc[1].s.a], False)


cdef int h_table_init64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    return table_init_at(pc, fp, cx, mem, msize, fp[pc[1].s.a], True)


cdef int h_elem_drop(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                     uint64_t msize) noexcept nogil:
    cx.inst.elems[<uint32_t>pc[1].w.lo].len = 0
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


# ---- control flow ----

cdef int h_unreachable(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    return trap_at(cx, pc, TRAP_UNREACHABLE)


cdef int h_br_table(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                    uint64_t msize) noexcept nogil:
    cdef uint32_t n = <uint32_t>pc[1].w.hi
    cdef uint32_t i = <uint32_t>fp[pc[1].s.a]
    if i > n:
        i = n
    pc = pc + pc[2 + i].w.lo
    if wasmrt_attn_pending(cx.attn_seen):       # an arm may be a loop back-edge
        return ATTEND(pc, fp, cx, mem, msize)
    return (<handler_t>pc[0].h)(pc, fp, cx, mem, msize)


cdef int h_zero_locals(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    cdef uint64_t* p = fp + pc[1].s.a
    cdef uint32_t n = pc[1].s.b
    while n >= 4:
        p[0] = 0
        p[1] = 0
        p[2] = 0
        p[3] = 0
        p += 4
        n -= 4
    if n & 2:                   # no loop here: gcc would make it a call of memset
        p[0] = 0
        p[1] = 0
        p += 2
    if n & 1:
        p[0] = 0
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef int h_fuel(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem, uint64_t msize) noexcept nogil:
    cdef int rc
    if cx.budget <= 0:
        rc = fuel_slow(cx)
        if rc != 0:
            return trap_at(cx, pc, rc)
    cx.budget -= 1
    return (<handler_t>pc[1].h)(pc + 1, fp, cx, mem, msize)


# ---- exceptions (the landing is `unwind`'s, at the entry: _interp_frames.pxi) ----

cdef int h_throw(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                 uint64_t msize) noexcept nogil:
    # (a safepoint: the payload stays in its slots until the exception is allocated)
    cdef TagRec* tag = cx.inst.tags[<uint32_t>pc[1].w.hi]
    cdef uint8_t* p = new_exn(cx, tag, fp)
    if p == NULL:
        return trap_at(cx, pc, cx.gc.trap)
    memcpy(p + GC_EXN_DATA, fp + pc[1].s.a, tag.nslots * sizeof(uint64_t))
    cx.exn = <uint64_t>p
    cx.throw_fp = fp
    return trap_at(cx, pc, TRAP_THROW)


cdef int h_throw_ref(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                     uint64_t msize) noexcept nogil:
    cdef uint64_t r = fp[pc[1].s.a]
    if r == 0:
        return trap_at(cx, pc, TRAP_NULL_EXN)
    cx.exn = r
    cx.throw_fp = fp
    return trap_at(cx, pc, TRAP_THROW)


# ---- calls ----

cdef int h_call_host(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                     uint64_t msize) noexcept nogil:
    """The host half of a call (handler-shaped, reached by a tail call through HOST_CALL):
    run host function `cx.call_func` on the frame `cx.call_fp`, then resume at
    `cx.call_ret`; `pc` is the calling instruction.  An async host function pauses the
    guest there instead (TRAP_PAUSE, see `resume`)."""
    cdef const Cell* ret_pc = cx.call_ret
    cdef int rc
    cx.host_pcs[cx.nest] = pc      # where a trap in a nested entry continues its backtrace
    rc = call_host(cx, cx.call_func, cx.call_fp)
    cdef MemRec* m
    if rc != 0:
        if rc == TRAP_PAUSE:            # an async host call: continue at ret_pc later
            cx.resume_pc = ret_pc
            cx.resume_fp = fp
        cx.throw_fp = fp                # (TRAP_THROW: a wasm exception from the host)
        return trap_at(cx, pc, rc)
    m = cx.inst.mem
    return (<handler_t>ret_pc[0].h)(ret_pc, fp, cx, m.base, m.size)


# Reached through a pointer in the Ctx, as ATTEND: inlined, it would give every call's fast
# path the prologue of a C call.
cdef inline int HOST_CALL(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                          uint64_t msize) noexcept nogil:
    return (<handler_t>cx.host_call)(pc, fp, cx, mem, msize)


cdef inline bint call_frame_ok(Ctx* cx, uint64_t* fp, uint64_t* nfp,
                               FuncCode* callee) noexcept nogil:
    """Debug build: the callee's parameter and result slots lie inside the caller's frame
    (the lowered code's contract: a call at base b uses fp[b .. b + max(nparams, nresults)),
    below the caller's max_slots).  Checked by the interpreter's calls and the native
    tier's (`wr_call`)."""
    cdef FuncCode* caller = cx.recs[cx.depth - 1].func.code if cx.depth else NULL
    cdef uint32_t need = callee.nparams if callee.nparams > callee.nresults else callee.nresults
    return caller == NULL or (nfp >= fp and nfp + need <= fp + caller.max_slots)


cdef inline bint tail_frame_ok(Ctx* cx, uint32_t base, uint32_t nslots,
                               FuncCode* callee) noexcept nogil:
    """Debug build: a tail call's arguments, `nslots` slots at fp + base, lie inside the
    running function's frame, and they are the callee's parameters (same slot count)."""
    cdef FuncCode* caller = cx.recs[cx.depth - 1].func.code if cx.depth else NULL
    return (caller == NULL or base + nslots <= caller.max_slots) and (
        callee == NULL or nslots == callee.nparams)


cdef inline int do_call(const Cell* pc, const Cell* ret_pc, uint64_t* fp, Ctx* cx, FuncRec* f,
                        uint64_t* nfp, uint8_t* mem, uint64_t msize) noexcept nogil:
    """Call `f` with frame `nfp`; `pc` is the calling instruction and `ret_pc` the next one.
    The callee's first instruction zeroes its locals (`zero_locals`); no C call is made
    on the wasm path."""
    cdef FuncCode* code = f.code
    cdef CallRec* rec
    if code == NULL:
        cx.call_func = f
        cx.call_fp = nfp
        cx.call_ret = ret_pc
        return HOST_CALL(pc, fp, cx, mem, msize)
    if WASMRT_DEBUG:
        wasmrt_check(call_frame_ok(cx, fp, nfp, code),
                     "call: the callee's arguments or results lie outside the caller's frame")
    if cx.depth >= cx.max_depth or nfp + code.max_slots > cx.stack_end:
        cx.trap_callee = f
        return trap_at(cx, pc, TRAP_STACK_EXHAUSTED)
    if wasmrt_attn_pending(cx.attn_seen):       # recursion without loops: attend, then
        return ATTEND(pc, fp, cx, mem, msize)   # run the call instruction again
    rec = &cx.recs[cx.depth]
    cx.depth += 1
    rec.ret_pc = ret_pc
    rec.fp = fp
    rec.inst = cx.inst
    rec.func = f
    if f.inst != cx.inst:
        cx.inst = f.inst
        mem = f.inst.mem.base
        msize = f.inst.mem.size
    return (<handler_t>code.code[0].h)(code.code, nfp, cx, mem, msize)


cdef int h_call(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem, uint64_t msize) noexcept nogil:
    return do_call(pc, pc + 2, fp, cx, cx.inst.funcs[<uint32_t>pc[1].w.hi], fp + pc[1].s.a,
                   mem, msize)


cdef inline FuncRec* table_callee(Ctx* cx, uint64_t i, uint32_t table,
                                  uint32_t type_index) noexcept nogil:
    """The function at element `i` of `table` (the handler reads the index at the table's
    width), checked against module type `type_index` (call_indirect's checks); if one
    fails, its trap code cast to a pointer (below TRAP_COUNT: no FuncRec lives there)."""
    cdef TableRec* t = cx.inst.tables[table]
    cdef FuncRec* f
    if i >= t.size:
        cx.trap_arg = i
        return <FuncRec*><uintptr_t>TRAP_UNDEFINED_ELEMENT
    f = <FuncRec*>t.elems[i]
    if f == NULL:
        cx.trap_arg = i
        return <FuncRec*><uintptr_t>TRAP_UNINIT_ELEMENT
    if f.type_id != cx.inst.type_ids[type_index] and not canon_sub(
            CANON, f.type_id, cx.inst.type_ids[type_index]):    # GC: a declared subtype also fits
        return <FuncRec*><uintptr_t>TRAP_SIG_MISMATCH
    return f


cdef int h_call_indirect(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                         uint64_t msize) noexcept nogil:
    cdef FuncRec* f = table_callee(cx, <uint32_t>fp[pc[1].s.b], <uint32_t>pc[2].w.lo,
                                   <uint32_t>pc[1].w.hi)
    if <uintptr_t>f < TRAP_COUNT:
        return trap_at(cx, pc, <int><uintptr_t>f)
    return do_call(pc, pc + 3, fp, cx, f, fp + pc[1].s.a, mem, msize)


# (Each handler has its own body rather than one shared helper: clang does not inline a
# helper used twice, and the handler would end in a direct jump to it.)
cdef int h_call_indirect64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                           uint64_t msize) noexcept nogil:
    cdef FuncRec* f = table_callee(cx, fp[pc[1].s.b], <uint32_t>pc[2].w.lo, <uint32_t>pc[1].w.hi)
    if <uintptr_t>f < TRAP_COUNT:
        return trap_at(cx, pc, <int><uintptr_t>f)
    return do_call(pc, pc + 3, fp, cx, f, fp + pc[1].s.a, mem, msize)


cdef inline int do_tail_call(const Cell* pc, uint64_t* fp, Ctx* cx, FuncRec* f, uint32_t base,
                             uint32_t nslots, uint8_t* mem, uint64_t msize) noexcept nogil:
    """Tail-call `f` (``return_call*``): its arguments, the `nslots` slots at fp + base, move
    down to fp[0], and `f` runs in this frame and this activation's call record, so that
    it returns to this function's caller.  Neither the C stack, the value stack nor the
    call depth grows: a tail-recursive loop runs in constant space.  A host function runs
    on the frame, then returns through `RET_CELL`."""
    cdef FuncCode* code = f.code
    cdef CallRec* rec
    if WASMRT_DEBUG:
        wasmrt_check(tail_frame_ok(cx, base, nslots, code),
                     "return_call: the arguments lie outside the frame or miss the callee's")
    if code != NULL and fp + code.max_slots > cx.stack_end:
        cx.trap_callee = f
        return trap_at(cx, pc, TRAP_STACK_EXHAUSTED)
    if wasmrt_attn_pending(cx.attn_seen):       # a tail-call loop: attend, then
        return ATTEND(pc, fp, cx, mem, msize)   # run the call instruction again
    memmove(fp, fp + base, nslots * sizeof(uint64_t))
    if code == NULL:
        cx.call_func = f
        cx.call_fp = fp
        cx.call_ret = RET_CELL
        return HOST_CALL(pc, fp, cx, mem, msize)
    rec = &cx.recs[cx.depth - 1]
    rec.func = f
    if f.inst != cx.inst:
        cx.inst = f.inst
        mem = f.inst.mem.base
        msize = f.inst.mem.size
    return (<handler_t>code.code[0].h)(code.code, fp, cx, mem, msize)


cdef int h_return_call(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    return do_tail_call(pc, fp, cx, cx.inst.funcs[<uint32_t>pc[1].w.hi], pc[1].s.a, pc[1].s.b,
                        mem, msize)


cdef int h_return_call_indirect(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                                uint64_t msize) noexcept nogil:
    cdef FuncRec* f = table_callee(cx, <uint32_t>fp[pc[1].s.b], <uint32_t>pc[2].w.lo,
                                   <uint32_t>pc[2].w.hi)
    if <uintptr_t>f < TRAP_COUNT:
        return trap_at(cx, pc, <int><uintptr_t>f)
    return do_tail_call(pc, fp, cx, f, pc[1].s.a, pc[1].s.c, mem, msize)


cdef int h_return_call_indirect64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                                  uint64_t msize) noexcept nogil:
    cdef FuncRec* f = table_callee(cx, fp[pc[1].s.b], <uint32_t>pc[2].w.lo, <uint32_t>pc[2].w.hi)
    if <uintptr_t>f < TRAP_COUNT:
        return trap_at(cx, pc, <int><uintptr_t>f)
    return do_tail_call(pc, fp, cx, f, pc[1].s.a, pc[1].s.c, mem, msize)


cdef int h_call_ref(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                    uint64_t msize) noexcept nogil:
    cdef FuncRec* f = <FuncRec*>fp[pc[1].s.b]
    if f == NULL:
        return trap_at(cx, pc, TRAP_NULL_FUNC_REF)
    return do_call(pc, pc + 2, fp, cx, f, fp + pc[1].s.a, mem, msize)


cdef int h_return_call_ref(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                           uint64_t msize) noexcept nogil:
    cdef FuncRec* f = <FuncRec*>fp[pc[1].s.b]
    if f == NULL:
        return trap_at(cx, pc, TRAP_NULL_FUNC_REF)
    return do_tail_call(pc, fp, cx, f, pc[1].s.a, pc[1].s.c, mem, msize)


cdef int h_ref_as_non_null(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                           uint64_t msize) noexcept nogil:
    if fp[pc[1].s.a] == 0:
        return trap_at(cx, pc, TRAP_NULL_REF)
    return (<handler_t>pc[2].h)(pc + 2, fp, cx, mem, msize)


cdef inline int do_ret(Ctx* cx) noexcept nogil:
    cx.depth -= 1
    cdef CallRec* rec = &cx.recs[cx.depth]
    cdef InstCtx* inst = rec.inst
    cx.inst = inst
    return (<handler_t>rec.ret_pc[0].h)(rec.ret_pc, rec.fp, cx, inst.mem.base, inst.mem.size)


cdef int h_ret(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem, uint64_t msize) noexcept nogil:
    return do_ret(cx)


cdef int h_ret_slot(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                    uint64_t msize) noexcept nogil:
    fp[0] = fp[pc[1].s.a]
    return do_ret(cx)


cdef int h_ret_n(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                 uint64_t msize) noexcept nogil:
    memmove(fp, fp + pc[1].s.a, pc[1].s.b * sizeof(uint64_t))
    return do_ret(cx)

# hot:end
