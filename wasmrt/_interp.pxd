# cython: language_level=3
"""The runtime objects of wasmrt: the C structs the handlers read, and the cdef classes
that own them.

Ownership: a `StoreCtx` owns everything created in it (function, table, global, memory and
instance objects are kept in its lists until it dies), so the raw pointers between the
structs below (`FuncRec*`, `TableRec*`, global cells, `MemRec*`, `InstCtx*`) stay valid for
the store's lifetime.  The handlers only ever see the structs: no Python object is touched
on the fast path.

Values in slots, tables, globals and element segments are untyped 64-bit cells:
i32/f32 bit patterns zero-extended, i64/f64 bits, funcref = the address of its `FuncRec`
(0 = null); any/extern-hierarchy references: 0 null, odd an i31, ``index << 2 | 2`` a host
object in `StoreCtx.externs`, else a GC object's address (``_interp_gc.pxi``).  v128 takes
two cells.

What instantiation (`_interp_instance.pxi`, included in _interp.pyx) fills in, per
instance, into `InstanceCtx.ctx` (see `InstanceCtx.alloc`):
  funcs[i]   the `FuncRec*` of function i (imports first: the imported FuncInstance's rec;
             then the instance's own records, `InstanceCtx.defs`, copied from the
             ModulePlan's templates by `instance_records`: a defined function gets a
             FuncInstance only when Python needs one, `StoreCtx.func_object`)
  globals[i] `&GlobalInstance.cell[0]` of global i (imported or `StoreCtx.new_global`)
  tables[i]  `&TableInstance.rec` of table i (imported or `StoreCtx.new_table`)
  mems[i]    `&MemoryInstance.rec` of memory i (imported or new), `set_memories`
  mem        mems[0]; left at the shared empty memory when the module has none
  type_ids[i] canonical type id of type i (`FuncTypeInfo.type_id`), for call_indirect
  datas[i]   bytes + length of data segment i (the module's bytes, kept alive by `keep`);
             set `len = 0` for active segments once applied (they count as dropped)
  elems[i]   the evaluated references of element segment i (`alloc_elem`); `len = 0`
             once an active or declarative segment is applied
and appends every Python object it points into to `InstanceCtx.keep`.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

from ._defs cimport Cell, FuncCode, GcLayout, NativeCode, vt_t
from ._memory cimport MemRec, MemoryInstance


cdef extern from "wasmrt_prof.h":        # the sampling profiler (wasmrt.Profiler)
    enum:
        WASMRT_PROF_MAX_HOST
    ctypedef struct wasmrt_prof_host:
        void* func
        void* caller
        const void* ret_pc
        uint32_t depth
    ctypedef struct wasmrt_prof_stack:
        size_t start
        uint32_t n
    ctypedef struct wasmrt_prof:
        uint32_t ticks
        uint32_t seen
        wasmrt_prof_host host[WASMRT_PROF_MAX_HOST]
        uint32_t nhost
        uint32_t host_lost
        uint64_t* scratch
        size_t scratch_cap
        uint64_t* words
        wasmrt_prof_stack* stacks
        uint32_t nstacks
        uint32_t* samples
        size_t nsamples
        uint64_t total
        int oom
        int running


# Trap codes: handlers return them (0 = keep going / finished normally).
cdef enum TrapKind:
    TRAP_NONE = 0
    TRAP_UNREACHABLE = 1        # "unreachable"
    TRAP_OOB_MEMORY = 2         # "out of bounds memory access"
    TRAP_OOB_TABLE = 3          # "out of bounds table access"
    TRAP_DIV_ZERO = 4           # "integer divide by zero"
    TRAP_INT_OVERFLOW = 5       # "integer overflow"
    TRAP_BAD_CONVERSION = 6     # "invalid conversion to integer"
    TRAP_UNDEFINED_ELEMENT = 7  # "undefined element" (call_indirect index >= table size)
    TRAP_UNINIT_ELEMENT = 8     # "uninitialized element" (call_indirect of a null entry)
    TRAP_SIG_MISMATCH = 9       # "indirect call type mismatch"
    TRAP_STACK_EXHAUSTED = 10   # "call stack exhausted"
    TRAP_HOST = 11              # a host function raised: the exception is stashed in the store
    TRAP_INTERRUPT = 12         # epoch deadline reached: "interrupt"
    TRAP_OUT_OF_FUEL = 13       # "all fuel consumed by WebAssembly"
    TRAP_MEM_FAULT = 14         # "out of bounds memory access", by a load or store
    # that wasmtime reports as a memory fault (`mem_fault`)
    TRAP_PAUSE = 15             # no trap: an async host call paused the guest (call_async)
    TRAP_YIELD = 16             # no trap: an attention check paused the guest to yield
    TRAP_UNALIGNED = 17         # "unaligned atomic" (threads: an atomic access off its width)
    TRAP_WAIT_UNSHARED = 18     # "atomic wait on non-shared memory"
    TRAP_NULL_FUNC_REF = 19     # "null function reference" (call_ref of null)
    TRAP_NULL_REF = 20          # "null reference" (ref.as_non_null of null)
    TRAP_NULL_I31 = 21          # "null i31 reference" (i31.get_s/u of null)
    TRAP_THROW = 22             # no trap: a wasm exception is thrown (`cx.exn`), see `unwind`
    TRAP_NULL_EXN = 23          # "null exception reference" (throw_ref of null)
    TRAP_GC_OOM = 24            # "GC heap out of memory" (the Store's GC heap limit, or malloc)
    TRAP_ALLOC_TOO_LARGE = 25   # "allocation size too large" (a GC object over 4 GiB / the limit)
    TRAP_NULL_STRUCT = 26       # "null structure reference" (struct.get/set of null)
    TRAP_NULL_ARRAY = 27        # "null array reference" (array.* of null)
    TRAP_OOB_ARRAY = 28         # "out of bounds array access"
    TRAP_CAST = 29              # "cast failure" (ref.cast)
    TRAP_SIDE = 30              # no trap: machine code left its body at a block it has no
    # code for (a side exit); the interpreter continues there at once (`run_caught`)
    TRAP_COUNT = 31


ctypedef struct TagRec:         # an exception tag (its identity is its address)
    uint32_t type_id            # canonical type id of its function type
    uint32_t nparams
    const vt_t* params          # the payload's value types (canonical)
    uint32_t nslots             # slots of the payload (v128 takes two)
    void* owner                 # its TagInstance (borrowed)
    # the layout of its exceptions in the GC heap: type_id GC_EXN, a struct of
    # GC_EXN_DATA + 8 * nslots bytes whose `refs` are the payload cells that may hold
    # a GC object or exception (refs owned by the TagInstance)
    GcLayout layout


# An exception is an object of its Store's GC heap (`new_exn`, _interp_gc.pxi): header
# type_id GC_EXN, its TagRec* at GC_EXN_TAG, the payload's cells from GC_EXN_DATA.  An
# exnref is its address (0 = null), like any GC reference.
cdef enum:
    GC_EXN_TAG = 8
    GC_EXN_DATA = 16


cdef inline TagRec* exn_tag(uint64_t ref) noexcept nogil:
    """The tag of exception `ref` (an exnref, not null)."""
    return (<TagRec**>(<uint8_t*>ref + GC_EXN_TAG))[0]


cdef inline uint64_t* exn_cells(uint64_t ref) noexcept nogil:
    """The payload cells of exception `ref` (an exnref, not null)."""
    return <uint64_t*>(<uint8_t*>ref + GC_EXN_DATA)


# A Store's GC heap (``_interp_gc.pxi``; ARCHITECTURE.md "The GC heap").  Objects live in
# pages: a small object (<= GC_SMALL_MAX bytes) in a GC_PAGE_BYTES page of cells of one
# size class, a larger one in a page of its own.  Free cells of a class are linked through
# their bytes 8..16 (`free[class]`); a free cell's header has type_id GC_FREE.
cdef enum:
    GC_NCLASSES = 32
    GC_SMALL_MAX = 4096
    GC_PAGE_BYTES = 65536
    GC_FREE = 0xFFFFFFFF
    GC_EXN = 0xFFFFFFFE         # the type_id of an exception (its TagRec gives the layout)


ctypedef struct GcPage:
    uint8_t* base               # the first cell: the page's own mapping (wasmrt_vm_alloc)
    size_t span                 # the mapping's bytes
    size_t cell                 # bytes per cell: the size class, or the large object's size
    uint32_t ncells             # 1 for a large object
    int32_t cls                 # size class, or -1: a large object


ctypedef struct GcRoot:          # a place the collector reads references from
    int kind                    # GC_ROOT_CELL, GC_ROOT_TABLE or GC_ROOT_INST
    void* p                     # a global's cell, a TableRec*, an InstCtx* (its elements)


cdef enum:
    GC_ROOT_CELL = 0
    GC_ROOT_TABLE = 1
    GC_ROOT_INST = 2


ctypedef struct GcHeap:
    uint8_t* free[GC_NCLASSES]  # free cells per size class
    size_t allocated            # bytes allocated since the last collection
    size_t threshold            # the allocation that passes it takes the slow path
    size_t bytes                # bytes of all pages (their mappings)
    size_t limit                # bytes the pages may take (at most GC_HEAP_MAX)
    size_t live                 # bytes of the objects alive after the last collection
    GcPage* pages               # sorted by base
    uint32_t npages
    uint32_t hint               # the page gc_object_at found last (checked before a search)
    size_t cap_pages
    uint64_t nallocs            # objects allocated, ever
    uint64_t collections        # collections run
    int trap                    # why the last gc_alloc returned NULL (a TrapKind)
    uint64_t need               # and the bytes of the object it could not have
    # roots besides the slot stack: registered when the Store makes the object (they live
    # as long as it), and objects pinned by API values (a multiset)
    GcRoot* roots
    uint32_t nroots
    size_t cap_roots
    uint8_t** pins
    size_t npins
    size_t cap_pins
    # unpins by a thread other than the one running the Store's wasm (an API value dropped
    # there while that thread may be collecting without the GIL): applied by the collector
    uint8_t** unpins
    size_t nunpins
    size_t cap_unpins
    int unpins_lock             # wr_spin_lock
    # slots below this are live even while no wasm runs: paused call_async guests' frames
    uint64_t* pinned_end
    uint8_t** marks             # the mark stack (grey objects)
    size_t cap_marks


ctypedef struct TableRec:
    uint64_t* elems             # `size` reference cells (realloc'ed on grow)
    uint32_t size
    uint32_t max                # declared maximum, or 0xFFFFFFFF
    vt_t elem_type              # a reference type (canonical)


ctypedef struct DataRec:
    const uint8_t* bytes        # the segment's bytes (inside a bytes object kept alive)
    uint32_t len                # 0 once dropped


ctypedef struct ElemRec:
    uint64_t* refs              # evaluated references (owned by the InstanceCtx)
    uint32_t len                # 0 once dropped


ctypedef struct InstCtx:
    FuncRec** funcs
    uint32_t nfuncs
    uint64_t** globals          # value cell of each global
    uint32_t nglobals
    TableRec** tables
    uint32_t ntables
    MemRec* mem                 # memory 0, never NULL (a shared empty memory when there is none)
    uint32_t* type_ids          # canonical type id per type index
    uint32_t ntypes
    DataRec* datas
    uint32_t ndatas
    ElemRec* elems
    uint32_t nelems
    void* owner                 # the InstanceCtx object (borrowed)
    MemRec** mems               # every memory (multi-memory), mems[0] == mem; NULL if none
    uint32_t nmems
    TagRec** tags               # every tag (imported first)
    uint32_t ntags


ctypedef struct FuncRec:
    FuncCode* code              # the lowered body; NULL for a host function
    InstCtx* inst               # wasm: the owning instance; host: NULL
    uint32_t type_id            # canonical type id (call_indirect compares it)
    uint32_t nparams            # parameter count
    uint32_t nresults           # result count
    const vt_t* params          # the parameters' value types (canonical)
    const vt_t* results         # the results' value types (canonical)
    void* host                  # host: the Python callable (borrowed; FuncInstance.host)
    int access_caller           # host: pass the calling InstanceCtx as first argument
    void* owner                 # its FuncInstance (borrowed), or NULL: none made yet


ctypedef struct CallRec:        # one activation of a wasm function
    const Cell* ret_pc          # where the caller resumes
    uint64_t* fp                # the caller's frame
    InstCtx* inst               # the caller's instance
    FuncRec* func               # the function running in this activation (backtraces)


ctypedef struct Ctx:            # per store: the state the handlers share
    InstCtx* inst               # instance of the running function
    uint64_t* stack             # slot array (mmap'ed, `stack_end - stack` slots)
    uint64_t* stack_end
    uint64_t* top               # where the next Python->wasm entry puts its frame
    CallRec* recs               # call records [0 .. max_depth)
    uint32_t depth
    uint32_t max_depth          # wasm call depth limit ("call stack exhausted")
    uint32_t nest               # Python->wasm entries currently active
    uint32_t max_nest           # cap on Python->wasm->Python->wasm re-entry
    unsigned long owner_thread  # thread running the outermost entry while nest > 0
    const Cell* trap_pc         # instruction that trapped
    # detail for the message: the element index of call_indirect, the faulting wasm
    # address of TRAP_MEM_FAULT
    uint64_t trap_arg
    uint64_t trap_msize         # the memory's size in bytes at a TRAP_MEM_FAULT
    uint64_t trap_span          # and the access: memarg offset << 8 | its size in bytes
    FuncRec* trap_callee        # the function whose call exhausted the stack
    # the call instruction of each host call in progress, by Python->wasm entry level
    # (`nest`), so a backtrace can go on below a nested entry (max_nest + 1 of them)
    const Cell** host_pcs
    int64_t budget              # fuel/epoch/Ctrl-C countdown of the `fuel` op
    int64_t budget_start        # value `budget` was last reset to
    int64_t fuel                # remaining fuel (when fuel_enabled)
    int fuel_enabled
    int epoch_enabled
    uint64_t epoch_deadline
    uint64_t* epoch_counter     # the engine's epoch counter (or a private zero)
    uint32_t attn_seen          # `wasmrt_attn` when this store last attended (wasmrt_attn.h)
    int release_gil             # run wasm without the GIL (Config.release_gil)
    int gil_held                # the innermost Python->wasm entry kept the GIL
    void* store                 # the StoreCtx owning this Ctx (borrowed)
    FuncRec* call_func          # a host call in progress (h_call_host's arguments): the
    uint64_t* call_fp           # - function, its frame,
    const Cell* call_ret        # - and where the caller resumes
    wasmrt_prof* prof           # the Profiler sampling this store, or NULL
    void* attend                # the slow paths handlers reach by a tail call: h_attend
    void* host_call             # and h_call_host (see ATTEND in _interp_frames.pxi)
    # The native tier (_interp_native.pxi): the lowest C stack address native code may
    # reach (set at each entry), and whether this store samples for tier-up / enters
    # native code at loop headers (Config.strategy "auto").
    size_t sp_limit
    int tier_up
    # A paused guest (ARCHITECTURE.md, "Pausing a guest"): set when the handler chain
    # returns TRAP_PAUSE / TRAP_YIELD; the call records and slots stay as they are.
    const Cell* resume_pc       # the instruction the guest continues at
    uint64_t* resume_fp         # the frame it continues in (cx.inst is its instance)
    # A side exit (TRAP_SIDE, _interp_native.pxi `wr_side`) keeps attention requested for
    # this many more checks of the activation that left (so that the interpreter enters
    # machine code again at its next loop header; a machine-code callee's return from
    # `entry` requests it again); `side_attn` is `wasmrt_attn` when it did (a tick since
    # is a real one)
    uint32_t side_left
    uint32_t side_attn
    uint32_t side_depth         # `depth` of the activation that left (its checks count)
    FuncRec* pause_func         # TRAP_PAUSE: the async host function called; else NULL
    uint64_t* pause_args        # - its argument slots, where its results go
    uint32_t async_nest         # `nest` of the innermost call_async entry (0: none)
    int64_t yield_at            # CLOCK_MONOTONIC ns at which the guest yields (0: never)
    # a memory.atomic.wait that yielded (call_async) stays queued: its waiter (a
    # wr_waiter*, heap) and deadline, handed to the AsyncCall at the pause and back at the
    # resume, when the wait at resume_pc takes them and waits on
    void* wait_parked
    int64_t wait_deadline
    # Exceptions (objects of the GC heap): the one being thrown (TRAP_THROW; 0 once it
    # landed or left), the frame of its throw
    uint64_t exn
    uint64_t* throw_fp
    GcHeap* gc                  # the Store's GC heap (_interp_gc.pxi), never NULL


ctypedef int (*handler_t)(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                          uint64_t msize) noexcept nogil


cdef class FuncInstance
cdef class InstanceCtx


cdef class StoreCtx:
    """The runtime side of a Store: value stack, call records, and every object created in it."""
    cdef Ctx cx
    cdef size_t stack_bytes         # the mapping at cx.stack: value slots, then call records
    cdef readonly list funcs        # FuncInstance objects (keep FuncRec.owner valid)
    cdef readonly list objects      # tables, globals, memories, instances
    cdef readonly list externs      # host objects: ref cell r (r & 3 == 2) -> externs[r >> 2]
    cdef dict extern_ids            # id(obj) -> ref value, to intern externrefs
    cdef object pending_exc         # exception stashed by a host call (type, value, tb)
    cdef object pending_call        # a paused guest's host call: the coroutine to await
    cdef uint64_t* pause_top        # cx.top to restore once that host call returns
    cdef public int64_t yield_interval_ns   # call_async guests yield this often (0: never)
    cdef public object async_task   # the asyncio task of the outermost call_async, or None
    cdef public object paused       # that call_async's AsyncCall while it is paused, or None
    cdef uint64_t private_epoch
    cdef public object data         # the embedder's store data (wasmtime Store.data)
    cdef public object owner        # the api-level Store (weak use only)

    cdef uint64_t extern_ref(self, object obj) except? 0
    cdef object extern_obj(self, uint64_t ref)
    cdef uint64_t to_cell(self, object value, vt_t vt) except? 0xFFFFFFFFFFFFFFFF
    cdef object from_cell(self, uint64_t v, vt_t vt)
    cdef int to_cells(self, object value, vt_t vt, uint64_t* dst) except -1
    cdef TagRec* exn_of(self, uint64_t ref) except NULL
    cdef object from_cells(self, const uint64_t* src, vt_t vt)
    cdef FuncInstance new_wasm_func(self, InstanceCtx inst, FuncCode* code, tuple params,
                                    tuple results, bytes types, int type_id)
    cdef FuncInstance func_object(self, FuncRec* f)
    cdef void restore(self, uint32_t depth0, InstCtx* inst0, uint64_t* top0) noexcept
    cdef int add_object(self, object obj) except -1


cdef class FuncInstance:
    """A function in a store: wasm (code + instance) or host (Python callable + type).
    The function object of a record (`func_object`): a wasm function defined by an
    instance is a record in `InstanceCtx.defs`, and gets a FuncInstance only when Python
    needs one (an export, a funcref crossing to Python, the start function)."""
    cdef FuncRec* rec               # the record (`own`, or one of its instance's `defs`)
    cdef FuncRec own                # the record of a host function (or a test's wasm one)
    cdef readonly StoreCtx store
    cdef readonly tuple params      # value types (canonical)
    cdef readonly tuple results
    cdef bytes types                # params then results as a vt_t array (rec.params)
    cdef readonly object host       # host callable, or None
    cdef readonly InstanceCtx instance  # owning instance for wasm functions, or None
    cdef public object wrapper      # the api-level object wrapping this one, if any
    # host: how the API made it, for snapshots (made again in other Stores, _api_snapshot)
    cdef public object origin
    cdef object call(self, tuple args, Py_ssize_t first)
    cdef void set_types(self, tuple params, tuple results, bytes types)


cdef class TagInstance:
    """An exception tag in a store (defined by an instance or by the host)."""
    cdef TagRec rec
    cdef readonly StoreCtx store
    cdef readonly tuple params      # the payload's value types (canonical)
    cdef bytes types                # params as a vt_t array (rec.params)
    cdef bytes refs                 # uint32 offsets of its exceptions' reference cells
    cdef public object wrapper      # the api-level Tag wrapping this one, if any


cdef class GlobalInstance:
    cdef uint64_t cell[2]           # the value (v128 uses both cells)
    cdef readonly StoreCtx store
    cdef readonly vt_t valtype      # canonical
    cdef readonly bint mutable


cdef class TableInstance:
    cdef TableRec rec
    cdef readonly StoreCtx store
    cdef readonly bint is_64        # table64: i64 indices (its type)
    cdef object wide_max            # a table64's declared maximum beyond u32, else None


cdef class InstanceCtx:
    """The runtime side of an instance: the index spaces its code resolves against."""
    cdef InstCtx ctx
    cdef FuncRec* defs              # the records of its defined functions (owned)
    cdef uint32_t ndefs
    cdef readonly StoreCtx store
    cdef readonly object module     # the compiled module (names for backtraces)
    cdef public str name            # module name for backtraces (registered name), or None
    cdef readonly list keep         # Python objects the raw pointers point into
    cdef public dict exports        # name -> extern object, filled by instantiation
    cdef public object plan         # the ModulePlan it was made from (snapshots)
    cdef public object source       # the public Module, if the API made it (snapshots)
