# A paused guest (ARCHITECTURE.md, "Pausing a guest"): the `call_async` entry.
#
# A wasm call runs no C call (call records + slots), so the handler chain can return at a
# host call (TRAP_PAUSE: the host function returned a coroutine) or at an attention check
# (TRAP_YIELD: the guest's time slice is over) with every wasm frame left in place.
# `AsyncCall` is one such entry: `start` runs the guest until it returns, traps or pauses;
# the driver (wasmrt/_api_async.py) awaits the pending coroutine or yields to the event
# loop, then `resume_with` / `resume` continue the guest where it stopped.

# What `AsyncCall.start`, `resume` and `resume_with` return.
ASYNC_DONE = 0                      # the guest returned: `result()` has its results
ASYNC_CALL = TRAP_PAUSE             # paused at an async host call: await `take_call()`
ASYNC_YIELD = TRAP_YIELD            # paused to let the event loop run


cdef class AsyncCall:
    """One `call_async` entry of wasm function `func` in `store`: the Python->wasm entry
    made in steps.  The entry counts as active in its store (`Ctx.nest`, the public
    Store's thread check) from `start` until it returns, traps or is aborted."""
    cdef FuncInstance func
    cdef StoreCtx store
    cdef StoreBase owner            # the public Store (thread check), or None
    cdef uint64_t* fp               # the entry frame (arguments, then results)
    cdef uint32_t depth0
    cdef InstCtx* inst0
    cdef uint32_t nest              # cx.nest of this entry
    cdef uint32_t async_nest0       # the cx.async_nest it hides
    cdef uint32_t paused_depth      # cx.depth when it paused
    cdef readonly bint active
    cdef object value               # the results once done
    # where it is paused (the Ctx fields of the same names, moved here at the pause, so
    # that an entry nested in its host call can pause and resume in turn)
    cdef const Cell* resume_pc
    cdef bint throwing              # the next step throws cx.exn at the pause point
    cdef uint64_t* resume_fp
    cdef FuncRec* pause_func
    cdef uint64_t* pause_args
    cdef uint64_t* pause_top
    cdef object pending             # the host call's coroutine, until handed out
    cdef void* wait_parked          # a wait that yielded: its queued waiter (Ctx.wait_parked)
    cdef int64_t wait_deadline
    cdef uint64_t* gc_end0          # the heap's pinned_end before this pause raised it
    cdef bint gc_held               # this pause's frames are roots of the GC heap

    def __cinit__(self, FuncInstance func, StoreBase owner=None):
        if func.rec.code == NULL:
            raise TypeError("AsyncCall runs wasm functions (host functions are awaited)")
        self.func = func
        self.store = func.store
        self.owner = owner
        self.active = False

    def start(self, tuple args) -> int:
        """Enter the function on the Python values `args` and run it until it returns
        (ASYNC_DONE), pauses (ASYNC_CALL, ASYNC_YIELD) or raises (a trap, a host
        exception: the entry is then over)."""
        cdef StoreCtx store = self.store
        cdef Ctx* cx = &store.cx
        if self.active or self.value is not None:
            raise RuntimeError("AsyncCall started twice")
        if enter_check(self.func.rec, cx, args, 0):
            raise TypeError("AsyncCall runs wasm functions")
        if self.owner is not None:
            self.owner.enter()
        self.fp = cx.top
        self.depth0 = cx.depth
        self.inst0 = cx.inst
        try:
            load_args(self.func.rec, store, self.fp, args, 0)
        except BaseException:
            if self.owner is not None:
                self.owner._depth -= 1
            raise
        cx.nest += 1
        self.nest = cx.nest
        self.async_nest0 = cx.async_nest
        self.active = True
        return self.step(True)

    cdef void hold_frames(self) noexcept:
        """While paused, the guest's slots (up to the end of its innermost frame, or the
        raised `cx.top` of a host call) are roots of the GC heap, wasm running or not."""
        cdef Ctx* cx = &self.store.cx
        cdef GcHeap* h = cx.gc
        cdef uint64_t* end = self.pause_top if self.pause_func != NULL else cx.top
        cdef FuncRec* f
        if self.gc_held:
            return
        if self.resume_fp != NULL and cx.depth > 0:
            f = cx.recs[cx.depth - 1].func
            if f.code != NULL and self.resume_fp + f.code.max_slots > end:
                end = self.resume_fp + f.code.max_slots
        if cx.top > end:
            end = cx.top
        self.gc_end0 = h.pinned_end
        if end > h.pinned_end:
            h.pinned_end = end
        self.gc_held = True

    cdef void release_frames(self) noexcept:
        """The guest runs again (its live slots are below the running frame) or is over."""
        if self.gc_held:
            self.store.cx.gc.pinned_end = self.gc_end0
            self.gc_held = False

    def resume(self) -> int:
        """Continue the guest after ASYNC_YIELD."""
        self.check_paused(False)
        return self.step(False)

    def resume_with(self, value) -> int:
        """Continue the guest after ASYNC_CALL with `value`, what the awaited coroutine
        returned, as the host function's results (converted as a synchronous host
        function's are; a wrong value raises here and ends the entry)."""
        self.check_paused(True)
        try:
            store_results(self.store, self.pause_func, self.pause_args, value)
        except BaseException:
            self.abort()
            raise
        self.store.cx.top = self.pause_top
        return self.step(False)

    def resume_throw(self, exc) -> int:
        """Continue the guest after ASYNC_CALL when the awaited coroutine raised `exc`, a
        WasmException: it is thrown at the host call, as by a synchronous host function."""
        cdef Ctx* cx = &self.store.cx
        self.check_paused(True)
        try:
            ref = exc._ref(self.store)
        except BaseException:
            self.abort()
            raise
        cx.top = self.pause_top
        cx.exn = <uint64_t>ref
        cx.trap_pc = self.resume_pc - 1         # inside the call instruction
        cx.throw_fp = self.resume_fp
        self.throwing = True
        return self.step(False)

    def redo_call(self) -> int:
        """Make the host call the guest is paused at (a restored snapshot's, in the new
        Store, so through its host function), then go on as after a pause there:
        ASYNC_CALL if it returned a coroutine, else continue the guest with its results."""
        cdef StoreCtx store = self.store
        cdef Ctx* cx = &store.cx
        self.check_paused(True)
        try:
            args = host_args(cx, store, self.pause_func, self.pause_args)
            res = (<object>self.pause_func.host)(*args)
        except BaseException:
            self.abort()
            raise
        if PyCoro_CheckExact(res):
            self.pending = res
            return ASYNC_CALL
        return self.resume_with(res)

    @property
    def at_call(self) -> bool:
        """Whether it is paused at a host call (else at a yield, or not paused)."""
        return self.pause_func != NULL

    @property
    def results(self) -> tuple:
        """The value types (canonical) of the entry function's results."""
        return self.func.results

    cdef int enter_paused(self) except -1:
        """Count this entry, restored paused (`restore_store`), as active in its store."""
        cdef Ctx* cx = &self.store.cx
        if self.owner is not None:
            self.owner.enter()
        cx.nest = 1
        cx.owner_thread = PyThread_get_thread_ident()
        self.nest = 1
        self.async_nest0 = 0
        self.fp = cx.stack
        self.depth0 = 0
        self.inst0 = &EMPTY_INST
        self.paused_depth = cx.depth
        self.active = True
        self.store.paused = self
        self.hold_frames()
        return 0

    def take_call(self):
        """The coroutine of the host call the guest is paused at (handed out once)."""
        coro = self.pending
        self.pending = None
        return coro

    def result(self):
        """The results of a finished entry (None, one value or a list)."""
        return self.value if self.value is not _NO_VALUE else None

    cdef int check_paused(self, bint at_call) except -1:
        cdef Ctx* cx = &self.store.cx
        if not self.active:
            raise RuntimeError("AsyncCall is not paused")
        if self.owner is not None and self.owner._ctx is None:
            raise ValueError("already closed")
        if cx.owner_thread != PyThread_get_thread_ident():
            raise _errors.WasmtimeError(STORE_BUSY)
        if cx.nest != self.nest or cx.depth != self.paused_depth:
            raise _errors.WasmtimeError(
                "store re-entered while a call_async was paused in it: another entry is "
                "still running above the paused guest")
        if at_call != (self.pause_func != NULL):
            raise RuntimeError("AsyncCall resumed the wrong way")
        return 0

    cdef int step(self, bint first) except -1:
        """Run the guest from its entry (`first`) or its pause point until it stops."""
        cdef StoreCtx store = self.store
        cdef Ctx* cx = &store.cx
        cdef int rc
        cdef int gil0 = cx.gil_held
        cdef int ticking
        cdef int64_t interval = store.yield_interval_ns
        if store.paused is self:
            store.paused = None
        self.release_frames()
        cx.async_nest = self.nest
        cx.yield_at = wasmrt_now_ns() + interval if interval > 0 else 0
        cdef bint throwing = self.throwing
        self.throwing = False
        if not first:
            cx.resume_pc = self.resume_pc
            cx.resume_fp = self.resume_fp
            cx.wait_parked = self.wait_parked   # (taken by the wait at resume_pc)
            cx.wait_deadline = self.wait_deadline
            self.wait_parked = NULL
        ticking = interval > 0 and wasmrt_tick_acquire(interval) == 0
        if cx.release_gil:
            cx.gil_held = 0
            with nogil:
                if throwing:            # (resume_throw: the unwinder lands, or not)
                    cx.pause_func = NULL
                    rc = run_caught(cx, TRAP_THROW)
                else:
                    rc = invoke(cx, self.func.rec, self.fp) if first else resume(cx)
        else:
            cx.gil_held = 1
            if throwing:
                cx.pause_func = NULL
                rc = run_caught(cx, TRAP_THROW)
            else:
                rc = invoke(cx, self.func.rec, self.fp) if first else resume(cx)
        if ticking:
            wasmrt_tick_release()
        cx.gil_held = gil0
        cx.yield_at = 0
        cx.async_nest = self.async_nest0
        if rc == TRAP_PAUSE or rc == TRAP_YIELD:
            self.paused_depth = cx.depth
            self.resume_pc = cx.resume_pc
            self.resume_fp = cx.resume_fp
            self.pause_func = cx.pause_func if rc == TRAP_PAUSE else NULL
            self.pause_args = cx.pause_args
            self.pause_top = store.pause_top
            self.wait_parked = cx.wait_parked
            self.wait_deadline = cx.wait_deadline
            cx.wait_parked = NULL
            self.pending = store.pending_call
            store.pending_call = None
            cx.pause_func = NULL
            self.hold_frames()
            if self.async_nest0 == 0:   # the outermost call_async: Store.snapshot() may
                store.paused = self     # capture it
            return rc
        self.finish(rc)
        return ASYNC_DONE

    cdef int finish(self, int rc) except -1:
        """The guest returned (rc 0: box its results) or trapped (raise the trap)."""
        cdef StoreCtx store = self.store
        exc = None
        if rc != TRAP_NONE:
            exc = build_trap(store, rc, self.depth0)
        else:
            store.cx.inst = self.inst0
            self.value = box_results(self.func.rec, store, self.fp)
            if self.value is None:
                self.value = _NO_VALUE
        self.leave()
        if exc is not None:
            raise exc
        return 0

    cdef void leave(self) noexcept:
        """End the entry: unwind what is left of its frames, restore the store."""
        cdef StoreCtx store = self.store
        cdef Ctx* cx = &store.cx
        if not self.active:
            return
        self.active = False
        if store.paused is self:
            store.paused = None
        self.release_frames()
        store.restore(self.depth0, self.inst0, self.fp)
        self.pause_func = NULL
        self.resume_pc = NULL
        drop_parked_wait(self)
        cx.nest -= 1
        cx.async_nest = self.async_nest0
        coro = self.pending
        self.pending = None
        if coro is not None:
            try:
                coro.close()
            except BaseException:
                pass
        if self.owner is not None:
            self.owner._depth -= 1

    def abort(self) -> None:
        """Stop a paused guest (cancellation, an exception of its host call): its frames
        are dropped and the store is usable again.  Nothing happens if it is over."""
        self.leave()

    def __dealloc__(self):
        drop_parked_wait(self)


cdef void drop_parked_wait(AsyncCall call) noexcept:
    """Take the waiter of a wait the guest yielded in out of the queue (the guest will not
    resume: it is over, aborted or gone) and free it."""
    cdef wr_waiter* w = <wr_waiter*>call.wait_parked
    if w != NULL:
        call.wait_parked = NULL
        wr_wait_leave(w)
        wr_waiter_free(w)


cdef object _NO_VALUE = object()    # AsyncCall.value of a finished call without results
