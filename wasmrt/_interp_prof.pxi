# The sampling guest profiler's runtime half (include/wasmrt_prof.h has the clock and the
# stack table; wasmrt/profiler.py names the frames and writes the files).
#
# A profiled Store has `cx.prof` set.  Nothing on the fast path reads it: the clock raises
# an attention request, and the slow path of the attention check (`attention`, reached
# from loop back-edges, br_table and calls) calls `prof_record` when the clock has ticked.
# Host calls made while profiling are tracked (`call_host`), so their time is recorded
# with the host function as the innermost frame, and a wasm call made from a host call
# shows the host frame between its wasm callers and callees.

cdef extern from "wasmrt_prof.h":
    wasmrt_prof* wasmrt_prof_new(long interval_ns, const uint32_t* active,
                                 size_t max_frames) nogil
    int wasmrt_prof_start(wasmrt_prof* p) nogil
    void wasmrt_prof_stop(wasmrt_prof* p) nogil
    void wasmrt_prof_free(wasmrt_prof* p) nogil
    void wasmrt_prof_add(wasmrt_prof* p, uint32_t nframes, uint32_t weight) nogil


cdef inline const Cell* real_ret_pc(const Cell* r) noexcept nogil:
    """Where a call record's caller resumes: its ret_pc, or for a call from machine code
    into interpreted code (`wr_call`), the pc its two-cell stub holds (cell 0 `h_exit`)."""
    if r != EXIT_CELL and r[0].h == <void*>h_exit:
        return <const Cell*>r[1].u64
    return r


cdef void prof_record(Ctx* cx, const Cell* pc) noexcept nogil:
    """Record the running stack, weighted by the clock's ticks since the last record.

    Frames go outermost first as two words each: a wasm activation as (FuncRec*, a pc
    inside its code: where it runs, or its call instruction), a host call in progress as
    (FuncRec*, the calling InstCtx*).  `pc` is the innermost wasm activation's pc (NULL
    when a host call is the innermost frame: its caller's pc was saved with it)."""
    cdef wasmrt_prof* p = cx.prof
    cdef uint32_t t = p.ticks
    cdef uint32_t weight = t - p.seen
    cdef uint64_t* w = p.scratch
    cdef uint32_t n = 0
    cdef uint32_t h = 0
    cdef uint32_t k
    cdef uint32_t depth = cx.depth
    cdef const Cell* fpc
    p.seen = t
    if weight == 0:
        return
    for k in range(depth):
        while h < p.nhost and p.host[h].depth <= k:     # host calls made by frame k - 1
            w[2 * n] = <uint64_t>p.host[h].func
            w[2 * n + 1] = <uint64_t>p.host[h].caller
            n += 1
            h += 1
        if h < p.nhost and p.host[h].depth == k + 1:
            fpc = <const Cell*>p.host[h].ret_pc - 1
        elif k + 1 < depth:
            fpc = real_ret_pc(cx.recs[k + 1].ret_pc) - 1
        else:
            fpc = pc
        w[2 * n] = <uint64_t>cx.recs[k].func
        w[2 * n + 1] = <uint64_t>fpc
        n += 1
    while h < p.nhost:
        w[2 * n] = <uint64_t>p.host[h].func
        w[2 * n + 1] = <uint64_t>p.host[h].caller
        n += 1
        h += 1
    wasmrt_prof_add(p, n, weight)


cdef inline void prof_host_enter(Ctx* cx, wasmrt_prof* p, FuncRec* f) noexcept nogil:
    cdef wasmrt_prof_host* e
    if p.host_lost or p.nhost >= WASMRT_PROF_MAX_HOST:
        p.host_lost += 1
        return
    e = &p.host[p.nhost]
    e.func = <void*>f
    e.caller = <void*>cx.inst
    e.ret_pc = <const void*>cx.call_ret
    e.depth = cx.depth
    p.nhost += 1


cdef inline void prof_host_leave(Ctx* cx, wasmrt_prof* p) noexcept nogil:
    if p.host_lost:
        p.host_lost -= 1
        return
    if p.ticks != p.seen:
        prof_record(cx, NULL)
    if p.nhost:
        p.nhost -= 1


cdef class ProfilerCtx:
    """The runtime side of a `wasmrt.Profiler`: the C profiler of one store, its clock
    ticking every `interval` seconds while the store runs wasm."""
    cdef wasmrt_prof* p
    cdef readonly StoreCtx store
    cdef readonly double interval

    def __cinit__(self, StoreCtx store, double interval):
        if not interval > 0 or interval > 3600:
            raise ValueError(f"the sampling interval must be in (0, 3600] seconds, not {interval}")
        self.store = store
        self.interval = interval
        self.p = wasmrt_prof_new(<long>(interval * 1e9), <const uint32_t*>&store.cx.nest,
                                 store.cx.max_depth)
        if self.p == NULL:
            raise MemoryError("cannot allocate the profiler")

    def __dealloc__(self):
        if self.p != NULL:
            with nogil:
                wasmrt_prof_stop(self.p)
            if self.store is not None and self.store.cx.prof == self.p:
                self.store.cx.prof = NULL
            wasmrt_prof_free(self.p)
            self.p = NULL

    def start(self) -> None:
        """Attach to the store and start the clock (not from inside a call into wasm)."""
        cdef Ctx* cx = &self.store.cx
        if cx.prof == self.p:
            return
        if cx.prof != NULL:
            raise _errors.WasmtimeError("this Store is already being profiled")
        if cx.nest:
            raise _errors.WasmtimeError("a profiler cannot start inside a call into wasm")
        self.p.seen = self.p.ticks
        self.p.nhost = 0
        self.p.host_lost = 0
        cx.prof = self.p
        if wasmrt_prof_start(self.p) != 0:
            cx.prof = NULL
            raise OSError("cannot start the profiler's clock thread")

    def stop(self) -> None:
        """Stop the clock and detach from the store (not from inside a call into wasm)."""
        cdef Ctx* cx = &self.store.cx
        if cx.prof == self.p and cx.nest:
            raise _errors.WasmtimeError("a profiler cannot stop inside a call into wasm")
        with nogil:
            wasmrt_prof_stop(self.p)
        if cx.prof == self.p:
            cx.prof = NULL

    @property
    def running(self) -> bool:
        """Whether the profiler is attached to its store."""
        return self.store.cx.prof == self.p

    @property
    def ticks(self) -> int:
        """Clock ticks recorded in samples so far."""
        return self.p.total

    @property
    def out_of_memory(self) -> bool:
        """Whether samples were dropped for lack of memory."""
        return self.p.oom != 0

    def export(self):
        """The samples so far: ``(frames, stacks, samples)``.

        ``frames[i]`` describes frame i: ``("wasm", instance, func_index, module_offset)``
        (instance an ``InstanceCtx``), ``("host", func_instance, caller_instance,
        import_index)`` (the host function's index among the caller's imported functions,
        or -1), or ``("truncated",)`` (frames left out of a very deep stack);
        ``stacks[s]`` is a tuple of frame indices, outermost first; ``samples`` lists
        ``(stack, ticks)`` in time order."""
        cdef wasmrt_prof* p = self.p
        cdef Ctx* cx = &self.store.cx
        cdef uint32_t s, i
        cdef uint64_t a, b
        cdef size_t j
        if cx.nest and cx.owner_thread != PyThread_get_thread_ident():
            raise _errors.WasmtimeError(STORE_BUSY)
        ids = {}
        frames = []
        stacks = []
        for s in range(p.nstacks):
            stack = []
            for i in range(p.stacks[s].n // 2):
                a = p.words[p.stacks[s].start + 2 * i]
                b = p.words[p.stacks[s].start + 2 * i + 1]
                key = (a, b)
                fid = ids.get(key)
                if fid is None:
                    fid = ids[key] = len(frames)
                    frames.append(describe_frame(<FuncRec*>a, b))
                stack.append(fid)
            stacks.append(tuple(stack))
        samples = [(p.samples[2 * j], p.samples[2 * j + 1]) for j in range(p.nsamples)]
        return frames, stacks, samples


cdef tuple describe_frame(FuncRec* f, uint64_t b):
    """A recorded frame (two words, see `prof_record`) as Python values."""
    cdef FuncCode* code
    cdef const Cell* pc
    cdef InstCtx* caller
    cdef uint32_t i, off
    if f == NULL:
        return ("truncated",)
    code = f.code
    if code == NULL:
        caller = <InstCtx*>b
        index = -1
        if caller != NULL:
            for i in range(caller.nfuncs):
                if caller.funcs[i] == f:
                    index = i
                    break
        return ("host", <object>f.owner,
                <object>caller.owner if caller != NULL and caller.owner != NULL else None, index)
    pc = <const Cell*>b
    if pc != NULL and code.code <= pc < code.code + code.ncells:
        off = src_offset(code, pc)
    else:               # the activation's pc is unknown: the function is
        off = code.body_offset
    inst = <object>f.inst.owner if f.inst != NULL and f.inst.owner != NULL else None
    return ("wasm", inst, code.func_index, off)
