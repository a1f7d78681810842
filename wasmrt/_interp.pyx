# cython: language_level=3
# Hot-loop directives: raw-pointer code, C division (wasm's traps are checked explicitly),
# no Python-level initialisation checks.
# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""wasmrt._interp: the runtime (a table of contents).

Runtime objects are declared in _interp.pxd.  Parts, in dependency order:

- _interp_numeric.pxi  one `noexcept nogil` helper per numeric instruction
- _interp_frames.pxi   handler table, code threading, entry, traps, fuel, table growth
- _interp_host.pxi     host calls (wasm -> Python), trap construction
- _interp_gc.pxi       the Store's GC heap: pages, allocation (inline in the handlers)
- _interp_prof.pxi     the sampling profiler's stack walk and `ProfilerCtx`
- _interp_loop.pxi     the hand-written handlers (control, calls, memory, tables, ...)
- _interp_gcops.pxi    GC's struct, array and cast handlers
- _interp_native.pxi   the native tier's runtime side: helpers machine code calls,
                       installing machine code, tier-up sampling and OSR entry
- _interp_simd.pxi     v128 lane semantics (include/wasmrt_simd.h) + GENERATED SIMD handlers
- _interp_ops.pxi      GENERATED handlers of the uniform families + the handler table
- _interp_store.pxi    StoreCtx, FuncInstance (the Python -> wasm entry), globals, tables,
                       instance contexts
- _interp_instance.pxi instantiation, the C-level bases of the public Store and Func
- _interp_pause.pxi    a paused guest: the `call_async` entry (`AsyncCall`)
- _interp_snapshot.pxi a paused Store as data (`StoreImage`): capture and restore
- _interp_debug.pxi    hand-assembled code for tests (`DebugCode`)
"""

import sys

cimport cython

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.pythread cimport PyThread_get_thread_ident
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_CheckExact
from cpython.long cimport PyLong_AsLongLongAndOverflow, PyLong_CheckExact
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE, PyTuple_New, PyTuple_SET_ITEM
from cpython.ref cimport Py_INCREF
from libc.stdint cimport (INT32_MIN, INT64_MAX, INT64_MIN, int8_t, int16_t, int32_t, int64_t,
                          uint8_t, uint16_t, uint32_t, uint64_t, uintptr_t)
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memmove, memset
from libc.math cimport ceil, ceilf, floor, floorf, rint, rintf, sqrt, sqrtf, trunc, truncf

from ._defs cimport (HK_CATCH, HK_CATCH_ALL, HK_CATCH_REF, HK_DELEGATE, HK_LEGACY_CATCH,
                     HT_ANY, HT_CONCRETE, HT_EXN, HT_I31, HT_NOEXN, HT_NOEXTERN, HT_NOFUNC,
                     VT_EXTERNREF, VT_F32, VT_F64, VT_I32, VT_I64, VT_NONNULL, VT_V128,
                     TK_FUNC, TK_ARRAY, GC_ARRAY_LEN, Cell, FuncCode, GcHeader, GcLayout,
                     HandlerRec, NativeCode, gc_layout, vt_index, vt_is_anyref,
                     vt_is_externref, vt_is_funcref, vt_is_ref, vt_slots, vt_t, canon_sub)
from ._defs cimport (HT_ARRAY, HT_EQ, HT_EXTERN, HT_FUNC, HT_STRUCT, TK_STRUCT, GC_ARRAY_DATA,
                     GcField, VT_I8, VT_I16,
                     canon_info)                  # GC instructions (_interp_gcops.pxi)
from ._defs cimport HT_REC, VT_INDEX_SHIFT, vt_concrete      # snapshots' type numbers
from ._core cimport canon_table, gc_layout_table
from ._isa cimport *
from ._port cimport wasmrt_vm_alloc, wasmrt_vm_free
from ._memory cimport (MemRec, MemoryInstance, mem_grow, mem_ld_u16, mem_ld_u32, mem_ld_u64,
                       mem_oob, mem_range_oob, mem_st_u16, mem_st_u32, mem_st_u64)

from ._memory import MemoryInstance
from ._core import (FuncTypeInfo, canonical_count, canonical_func_type, canonical_signature,
                    canonical_type, canonical_valtype, valtype_name)
from array import array

cdef extern from "wasmrt_debug.h":          # the debug build's invariant checks
    bint WASMRT_DEBUG                       # 1 in the debug build (make debug), else 0
    void wasmrt_check(bint cond, const char* what) nogil   # debug: abort() unless cond

DEBUG_BUILD = bool(WASMRT_DEBUG)            # whether this is the debug build (make debug)

cdef extern from "wasmrt_attn.h":           # attention requests: Ctrl-C reaches running wasm
    uint32_t wasmrt_attn
    int wasmrt_sigint
    bint wasmrt_attn_pending(uint32_t seen) nogil
    int wasmrt_hook_sigint() nogil
    unsigned long wasmrt_thread_ident() nogil
    int64_t wasmrt_now_ns() nogil
    int wasmrt_tick_acquire(int64_t interval_ns) nogil
    void wasmrt_tick_release() nogil
    volatile int wasmrt_ticker_parked
    volatile uint32_t wasmrt_samples_seen
    unsigned wasmrt_tick_idle
    void wasmrt_ticker_wake() nogil

cdef extern from "wasmrt_wait.h" nogil:     # threads: atomics (C11) and wait/notify
    uint64_t wr_atomic_load8(uint8_t* p)
    uint64_t wr_atomic_load16(uint8_t* p)
    uint64_t wr_atomic_load32(uint8_t* p)
    uint64_t wr_atomic_load64(uint8_t* p)
    void wr_atomic_store8(uint8_t* p, uint64_t v)
    void wr_atomic_store16(uint8_t* p, uint64_t v)
    void wr_atomic_store32(uint8_t* p, uint64_t v)
    void wr_atomic_store64(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_add8(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_add16(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_add32(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_add64(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_sub8(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_sub16(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_sub32(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_sub64(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_and8(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_and16(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_and32(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_and64(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_or8(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_or16(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_or32(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_or64(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_xor8(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_xor16(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_xor32(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_xor64(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_xchg8(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_xchg16(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_xchg32(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_xchg64(uint8_t* p, uint64_t v)
    uint64_t wr_atomic_cmpxchg8(uint8_t* p, uint64_t expected, uint64_t rep)
    uint64_t wr_atomic_cmpxchg16(uint8_t* p, uint64_t expected, uint64_t rep)
    uint64_t wr_atomic_cmpxchg32(uint8_t* p, uint64_t expected, uint64_t rep)
    uint64_t wr_atomic_cmpxchg64(uint8_t* p, uint64_t expected, uint64_t rep)
    void wr_atomic_fence()
    void wr_spin_lock(int* lock)
    void wr_spin_unlock(int* lock)
    ctypedef struct wr_waiter:
        pass
    int wr_wait_enter(wr_waiter* w, uint8_t* p, uint64_t expected, int wide)
    int wr_wait_block(wr_waiter* w, int64_t until_ns)
    int wr_wait_leave(wr_waiter* w)
    wr_waiter* wr_waiter_new()
    void wr_waiter_free(wr_waiter* w)
    uint32_t wr_notify(const uint8_t* p, uint32_t count)
    void* wr_gil_release()
    void wr_gil_restore(void* ts)

# The canonical types' kinds and supertypes (``canon_sub``): the table's address is fixed.
cdef uint32_t** CANON = canon_table()
# The struct and array types' object layouts (``gc_layout``): the table's address is fixed.
cdef GcLayout*** GC_LAYOUTS = gc_layout_table()

include "_interp_numeric.pxi"
include "_interp_frames.pxi"
include "_interp_host.pxi"
include "_interp_gc.pxi"
include "_interp_prof.pxi"
include "_interp_loop.pxi"
include "_interp_gcops.pxi"
include "_interp_simd.pxi"
include "_interp_ops.pxi"
include "_interp_store.pxi"
include "_interp_instance.pxi"
include "_interp_native.pxi"
include "_interp_pause.pxi"
include "_interp_snapshot.pxi"
include "_interp_debug.pxi"

_init_handlers()
