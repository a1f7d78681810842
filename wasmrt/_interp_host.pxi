# The bridge between Python and wasm: host calls (wasm -> Python) and the entry
# (Python -> wasm), with value boxing/unboxing and trap construction.

from cpython.exc cimport PyErr_CheckSignals
from cpython.ref cimport PyObject

cdef extern from "Python.h":
    bint PyCoro_CheckExact(object o)

from itertools import islice

from . import errors as _errors
from ._tracebacks import attach as _attach_frames
from .debuginfo import debug_info as _debug_info

_Trap = _errors.Trap
_Frame = _errors.Frame
_TrapCode = _errors.TrapCode

TRAP_MESSAGES = {
    TRAP_UNREACHABLE: "unreachable",
    TRAP_OOB_MEMORY: "out of bounds memory access",
    TRAP_OOB_TABLE: "out of bounds table access",
    TRAP_DIV_ZERO: "integer divide by zero",
    TRAP_INT_OVERFLOW: "integer overflow",
    TRAP_BAD_CONVERSION: "invalid conversion to integer",
    TRAP_UNDEFINED_ELEMENT: "undefined element",
    TRAP_UNINIT_ELEMENT: "uninitialized element",
    TRAP_SIG_MISMATCH: "indirect call type mismatch",
    TRAP_STACK_EXHAUSTED: "call stack exhausted",
    TRAP_INTERRUPT: "interrupt",
    TRAP_OUT_OF_FUEL: "all fuel consumed by WebAssembly",
    TRAP_MEM_FAULT: "out of bounds memory access",
    TRAP_UNALIGNED: "unaligned atomic",
    TRAP_WAIT_UNSHARED: "atomic wait on non-shared memory",
    TRAP_NULL_FUNC_REF: "null function reference",
    TRAP_NULL_REF: "null reference",
    TRAP_NULL_I31: "null i31 reference",
    TRAP_NULL_EXN: "null exception reference",
    TRAP_GC_OOM: "GC heap out of memory",
    TRAP_ALLOC_TOO_LARGE: "allocation size too large",
    TRAP_NULL_STRUCT: "null structure reference",
    TRAP_NULL_ARRAY: "null array reference",
    TRAP_OOB_ARRAY: "out of bounds array access",
    TRAP_CAST: "cast failure",
}

TRAP_CODES = {     # (TRAP_GC_OOM has none: wasmtime reports it as an error, not a code)
    TRAP_UNREACHABLE: _TrapCode.UNREACHABLE,
    TRAP_OOB_MEMORY: _TrapCode.MEMORY_OUT_OF_BOUNDS,
    TRAP_OOB_TABLE: _TrapCode.TABLE_OUT_OF_BOUNDS,
    TRAP_DIV_ZERO: _TrapCode.INTEGER_DIVISION_BY_ZERO,
    TRAP_INT_OVERFLOW: _TrapCode.INTEGER_OVERFLOW,
    TRAP_BAD_CONVERSION: _TrapCode.BAD_CONVERSION_TO_INTEGER,
    TRAP_UNDEFINED_ELEMENT: _TrapCode.TABLE_OUT_OF_BOUNDS,
    TRAP_UNINIT_ELEMENT: _TrapCode.INDIRECT_CALL_TO_NULL,
    TRAP_SIG_MISMATCH: _TrapCode.BAD_SIGNATURE,
    TRAP_STACK_EXHAUSTED: _TrapCode.STACK_OVERFLOW,
    TRAP_INTERRUPT: _TrapCode.INTERRUPT,
    TRAP_OUT_OF_FUEL: _TrapCode.OUT_OF_FUEL,
    TRAP_MEM_FAULT: _TrapCode.MEMORY_OUT_OF_BOUNDS,
    TRAP_UNALIGNED: _TrapCode.HEAP_MISALIGNED,
    TRAP_WAIT_UNSHARED: _TrapCode.ATOMIC_WAIT_NON_SHARED_MEMORY,
    TRAP_NULL_FUNC_REF: _TrapCode.NULL_REFERENCE,
    TRAP_NULL_REF: _TrapCode.NULL_REFERENCE,
    TRAP_NULL_I31: _TrapCode.NULL_REFERENCE,
    TRAP_NULL_EXN: _TrapCode.NULL_REFERENCE,
    TRAP_ALLOC_TOO_LARGE: _TrapCode.ALLOCATION_TOO_LARGE,
    TRAP_NULL_STRUCT: _TrapCode.NULL_REFERENCE,
    TRAP_NULL_ARRAY: _TrapCode.NULL_REFERENCE,
    TRAP_OOB_ARRAY: _TrapCode.ARRAY_OUT_OF_BOUNDS,
    TRAP_CAST: _TrapCode.CAST_FAILURE,
}

cdef object out_of_memory(uint64_t nbytes):
    """The error for an allocation the host refused (a table or memory too large for this
    machine): a `WasmtimeError` in wasmtime's words, never a bare `MemoryError`."""
    return _errors.WasmtimeError(f"out of memory (failed to allocate {nbytes} bytes)")


cdef int stash_exception(StoreCtx store) noexcept:
    """Move the current Python exception into the running store: the wasm call unwinds
    with TRAP_HOST and the outermost Python caller re-raises it unchanged."""
    exc = sys.exc_info()[1]
    if store.pending_exc is None:
        store.pending_exc = exc
    return TRAP_HOST


cdef tuple host_results(object res, uint32_t nr):
    """The `nr` results in `res`, a host function's return value, by wasmtime-py's rules:
    no results: only None; one: the value itself (a list or tuple is no result of type
    i32); several: any sized iterable of exactly `nr` values.  Raises WasmtimeError for a
    wrong count, TypeError for a value without a length."""
    if nr == 0:
        if res is not None:
            raise _errors.WasmtimeError("callback produced results when it shouldn't")
        return ()
    if nr == 1:
        return (res,)
    if len(res) != nr:
        raise _errors.WasmtimeError("callback produced wrong number of results")
    values = tuple(islice(res, nr + 1))     # bounded: a lying __len__ cannot run away
    if <uint32_t>len(values) != nr:
        raise _errors.WasmtimeError("callback produced wrong number of results")
    return values


cdef object crossed(StoreCtx store, object value, vt_t vt):
    """`value` as wasm sees it after crossing into a value of type `vt` and back (wrapped
    to width, f32 rounded; TypeError if it is none); an externref crosses unchanged."""
    cdef uint64_t cells[2]
    if vt == VT_EXTERNREF:
        return val_payload(value, vt) if type(value) is _ValClass else value
    store.to_cells(value, vt, cells)
    return store.from_cells(cells, vt)


cdef list host_params(FuncInstance fi, tuple args):
    """The arguments of a host function called from Python, crossed as on a call from
    wasm (`crossed`), with the caller slot (None) first when it takes one."""
    cdef StoreCtx store = fi.store
    cdef uint32_t i
    params = [None] if fi.rec.access_caller else []
    for i in range(fi.rec.nparams):
        params.append(crossed(store, args[i], fi.rec.params[i]))
    return params


cdef object host_value(FuncInstance fi, object res):
    """A host function's return value `res` as a call from Python returns it (`crossed`,
    `host_results`): None, one value or a list of them."""
    cdef StoreCtx store = fi.store
    cdef uint32_t i
    cdef uint32_t nr = fi.rec.nresults
    values = host_results(res, nr)
    out = [crossed(store, values[i], fi.rec.results[i]) for i in range(nr)]
    if nr == 0:
        return None
    return out[0] if nr == 1 else out


cdef object call_host_py(FuncInstance fi, tuple args):
    """A host function called from Python (synchronously: an async one is refused)."""
    res = (<object>fi.rec.host)(*host_params(fi, args))
    if PyCoro_CheckExact(res):
        close_unstarted(res)
        raise _errors.WasmtimeError(NEEDS_ASYNC)
    return host_value(fi, res)


def host_call_begin(FuncInstance fi, tuple args):
    """Call host function `fi` from Python on `args`; its raw return value (a coroutine
    for an async host function).  `host_call_end` converts it."""
    return (<object>fi.rec.host)(*host_params(fi, args))


def host_call_end(FuncInstance fi, res):
    """What a call of host function `fi` from Python returns, for its return value `res`."""
    return host_value(fi, res)


# Why an async host function (one returning a coroutine) cannot run.
NEEDS_ASYNC = ("an async host function (it returned a coroutine) can only be called while "
               "wasm runs under `await func.call_async(store, ...)`, which pauses the guest "
               "while the coroutine runs; this call into wasm was synchronous")
NOT_PAUSABLE = ("an async host function cannot pause this guest: a synchronous host function "
                "is on the call stack below it (call_async -> wasm -> host -> wasm -> async "
                "host); only wasm frames can be paused")


cdef void close_unstarted(object coro):
    """Close a host function's coroutine that will never run, and the unstarted coroutines
    it was handed (an adapter's `await inner`: closing the adapter alone would leave the
    inner one to warn "never awaited")."""
    frame = coro.cr_frame
    if frame is not None and coro.cr_await is None and not coro.cr_running:
        for value in frame.f_locals.values():
            if PyCoro_CheckExact(value):
                close_unstarted(value)
    coro.close()


cdef int store_results(StoreCtx store, FuncRec* f, uint64_t* fp, object res) except -1:
    """Unbox host function `f`'s return value `res` into its result slots at `fp`."""
    cdef uint32_t i
    cdef uint32_t j = 0
    cdef uint32_t nr = f.nresults
    if nr == 1:
        store.to_cells(res, f.results[0], fp)
    elif nr:
        for i, v in enumerate(host_results(res, nr)):
            j += store.to_cells(v, f.results[i], fp + j)
    elif res is not None:
        host_results(res, 0)
    return 0


cdef int pause_at_host(Ctx* cx, StoreCtx store, FuncRec* f, uint64_t* fp, object coro,
                       uint64_t* saved_top) except -1:
    """Host function `f` returned the coroutine `coro`: pause the guest (TRAP_PAUSE) if
    the innermost entry is a call_async one, else refuse (WasmtimeError).  `cx.top` stays
    above the argument slots until the call completes (`AsyncCall.resume_with`)."""
    if cx.async_nest == 0 or cx.async_nest != cx.nest:     # (StoreCtx.can_pause)
        close_unstarted(coro)
        raise _errors.WasmtimeError(NOT_PAUSABLE if cx.async_nest else NEEDS_ASYNC)
    store.pending_call = coro
    store.pause_top = saved_top
    cx.pause_func = f
    cx.pause_args = fp
    return TRAP_PAUSE


ctypedef int (*held_gil_call_t)(Ctx* cx, FuncRec* f, uint64_t* fp) noexcept nogil


cdef int call_host(Ctx* cx, FuncRec* f, uint64_t* fp) noexcept nogil:
    """wasm -> Python: run host function `f` on the arguments at fp; results to fp[0..).
    A profiled store records the call (_interp_prof.pxi), so the time spent in it is
    the host function's."""
    cdef wasmrt_prof* p = cx.prof
    cdef int rc
    if p != NULL:
        prof_host_enter(cx, p, f)
        rc = enter_host(cx, f, fp)
        if cx.prof == p:        # still attached (it cannot stop during a call into wasm)
            prof_host_leave(cx, p)
        return rc
    return enter_host(cx, f, fp)


cdef inline int enter_host(Ctx* cx, FuncRec* f, uint64_t* fp) noexcept nogil:
    if cx.gil_held:
        # this thread has the GIL (the entry kept it): call straight in, without the
        # PyGILState_Ensure/Release round trip of `with gil`
        return (<held_gil_call_t>call_host_gil)(cx, f, fp)
    with gil:
        return call_host_gil(cx, f, fp)


cdef inline tuple host_args(Ctx* cx, StoreCtx store, FuncRec* f, uint64_t* fp):
    """The arguments of a call of host function `f` from wasm: the calling instance first
    if it takes one, then the values at `fp` (a v128 takes two slots)."""
    cdef uint32_t i
    cdef uint32_t j = 0
    cdef uint32_t n = f.nparams
    cdef const vt_t* pt = f.params
    cdef int skip = 1 if f.access_caller else 0
    cdef tuple args = PyTuple_New(n + skip)
    if skip:
        caller = <object>cx.inst.owner if cx.inst.owner != NULL else None
        Py_INCREF(caller)
        PyTuple_SET_ITEM(args, 0, caller)
    for i in range(n):
        v = store.from_cells(fp + j, pt[i])
        j += 2 if pt[i] == VT_V128 else 1
        Py_INCREF(v)
        PyTuple_SET_ITEM(args, i + skip, v)
    return args


cdef int call_host_gil(Ctx* cx, FuncRec* f, uint64_t* fp) noexcept:
    cdef FuncInstance fi = <FuncInstance>f.owner
    cdef StoreCtx store = fi.store
    cdef uint64_t* saved_top = cx.top
    cdef uint32_t n = f.nparams
    cdef uint32_t nr = f.nresults
    cdef object res
    cx.top = fp + 2 * (n if n > nr else nr)     # room for v128s (two slots each)
    try:
        res = (<object>f.host)(*host_args(cx, store, f, fp))
        if PyCoro_CheckExact(res):      # an async host function: pause the guest
            return pause_at_host(cx, store, f, fp, res, saved_top)
        if nr == 1:                     # (the common case inline)
            store.to_cells(res, f.results[0], fp)
        else:
            store_results(store, f, fp, res)
    except _errors.WasmException as exc:        # a wasm exception: wasm may catch it
        cx.top = saved_top
        return throw_from_host(cx, store, exc)
    except BaseException:
        cx.top = saved_top
        return stash_exception(store)
    cx.top = saved_top
    return TRAP_NONE


cdef int throw_from_host(Ctx* cx, StoreCtx store, object exc) noexcept:
    """A host function raised `exc`, a WasmException: throw it into the calling wasm
    (TRAP_THROW; the same exception object when it came from this store's wasm)."""
    try:
        ref = exc._ref(store)
    except BaseException:
        return stash_exception(store)
    cx.exn = <uint64_t>ref
    return TRAP_THROW


cdef enum:
    MAX_TRAP_FRAMES = 1000      # innermost frames kept in a Trap's backtrace


# wasmtime's defaults on 64-bit hosts: each 32-bit memory is a 4 GiB reservation
# followed by a 32 MiB guard region
WASMTIME_RESERVATION = 1 << 32
WASMTIME_GUARD = 32 << 20


cdef object fault_of(Ctx* cx):
    """(wasm address, memory size) that wasmtime's report names for the out-of-bounds
    access recorded by `mem_fault`, or None.  wasmtime runs such an access against its
    guard pages and names the faulting address (the first inaccessible byte: the access's
    address, or the memory's end for one that straddles it), unless Cranelift checked the
    bounds explicitly first: it does when the static offset + size reaches past the guard
    region and the access past the 4 GiB reservation."""
    ea, msize = cx.trap_arg, cx.trap_msize
    offset, n = cx.trap_span >> 8, cx.trap_span & 0xFF
    if offset + n > WASMTIME_GUARD + 1 and ea + n > WASMTIME_RESERVATION:
        return None
    return (max(ea, msize), msize)


cdef object trap_frame(FuncRec* f, object off):
    """The backtrace `Frame` of an activation of wasm function `f` at module offset `off`
    (None: before its first instruction), with its module's DWARF reader if it has one."""
    inst = <InstanceCtx>f.inst.owner if f.inst.owner != NULL else None
    name = None
    modname = None
    debug = None
    if inst is not None:
        modname = inst.name
        names = getattr(inst.module, "names", None)
        if names is not None:
            name = names.functions.get(f.code.func_index)
            if modname is None:
                modname = names.module
            debug = _debug_info(inst.module)
    rel = None if off is None else off - f.code.body_offset
    return _Frame(f.code.func_index, name, modname, rel, off, debug=debug)


cdef object build_trap(StoreCtx store, int rc, uint32_t depth0):
    """The exception for trap `rc`: a new `Trap` whose frames are the activations above
    `depth0` (`trap_frames`); or the exception a host function raised (stashed in the
    store), with those frames put into its traceback between the host function and the
    Python caller (`_tracebacks.attach`; not for a WASI exit)."""
    cdef Ctx* cx = &store.cx
    if rc == TRAP_THROW:
        ref = ExnRef(store, cx.exn)     # (pins it while the WasmException lives)
        cx.exn = 0
        tag, values = ref.exception()
        frames = trap_frames(cx, rc, depth0, True)
        return _errors.WasmException._from_wasm(store, ref, tag, values, frames)
    if rc == TRAP_HOST:
        exc = store.pending_exc
        store.pending_exc = None
        if exc is None:
            exc = RuntimeError("host call failed without an exception")
        elif not isinstance(exc, _errors.ExitTrap):
            _attach_frames(exc, trap_frames(cx, rc, depth0))
        return exc
    if rc == TRAP_GC_OOM:
        return gc_failure(cx.gc)
    frames = trap_frames(cx, rc, depth0, True)
    message = TRAP_MESSAGES.get(rc, "trap")
    if rc == TRAP_UNDEFINED_ELEMENT or rc == TRAP_UNINIT_ELEMENT:
        message = f"{message} {cx.trap_arg}"  # as the reference interpreter words it
    fault = fault_of(cx) if rc == TRAP_MEM_FAULT else None
    return _Trap(message, TRAP_CODES.get(rc), frames, fault)


cdef list trap_frames(Ctx* cx, int rc, uint32_t depth0, bint nested=False):
    """The `Frame`s of the activations above `depth0`, innermost first (at most
    MAX_TRAP_FRAMES): the trapping one at `cx.trap_pc`, the others at their call
    instructions.  A call that exhausted the stack adds its callee, not started, as
    wasmtime does.  With `nested` (a Trap's backtrace, which in wasmtime goes on below),
    the activations of the entries this one is nested in follow: the wasm that called the
    host function that called in here, at that call (`Ctx.host_pcs`)."""
    cdef uint32_t k
    cdef uint32_t level = cx.nest      # the entry level of the activations below depth0
    cdef uint32_t stop = 0 if nested else depth0
    cdef FuncRec* f
    cdef const Cell* pc
    frames = []
    if rc == TRAP_STACK_EXHAUSTED and cx.trap_callee != NULL and cx.trap_callee.code != NULL:
        frames.append(trap_frame(cx.trap_callee, None))
    cx.trap_callee = NULL
    k = cx.depth
    pc = cx.trap_pc
    while k > stop and len(frames) < MAX_TRAP_FRAMES:
        k -= 1
        f = cx.recs[k].func
        if f.code != NULL:
            frames.append(trap_frame(f, src_offset(f.code, pc) if pc != NULL
                                     else f.code.body_offset))
        if cx.recs[k].ret_pc != EXIT_CELL:
            # the caller resumes after its call instruction: point inside that instruction
            pc = cx.recs[k].ret_pc - 1
            continue
        # an entry from Python: below it, the wasm that called the host function that
        # made this entry, at that call
        if k == 0 or level == 0:
            break
        pc = cx.host_pcs[level]
        level -= 1
    return frames
