# Instantiation: a compiled module + its resolved imports -> an InstanceCtx in a store.
#
# Entry points (Python-visible; the public API in wasmrt/_api_instance.py calls them
# after it has checked every import's kind and type):
#   plan_module(info) -> ModulePlan       once per compiled module (cached by the API)
#   instantiate(store, plan, imports, mem_limit, table_limit) -> InstanceCtx
#       `imports`: runtime objects in import order (FuncInstance, TableInstance,
#       MemoryInstance, GlobalInstance); the limits are the Store's `set_limits` values
#       (memory bytes / table elements, -1 = none).  Raises `Trap` when a segment is out
#       of bounds or the start function traps; what was done before stays done (the
#       spec's partial instantiation: earlier segments stay written to imported tables
#       and memories, and the instance's functions stay referenced from them).
# plus the Store-level helpers the API needs that reach into C state (epoch counter,
# limits, externref collection).
#
# Order (spec 4.5.4, Wasm 2.0): functions, tables, memory, globals (initialisers see the
# imported globals and every function), element segments evaluated, exports; then every
# active element segment (table.init + elem.drop), every active data segment
# (memory.init + data.drop), declarative element segments dropped, the start function.

from ._core cimport LoweredFunc
from ._wasm_ops cimport *

from . import errors as _api_errors

cdef enum:
    CX_STACK = 16            # operand stack of a constant expression

    SEG_MODE_ACTIVE = 0
    SEG_MODE_PASSIVE = 1
    SEG_MODE_DECLARATIVE = 2


cdef class ModulePlan:
    """What instantiating a compiled module needs, converted once per module from its
    ModuleInfo: canonical value types (tuples, and as vt_t arrays), constant expressions
    as op tuples, segment lists."""
    cdef readonly object info
    cdef list type_params           # canonical value types (tuple), per type index
    cdef list type_results
    cdef list type_arrays           # params then results as a vt_t array, per type index
    cdef list type_ids              # canonical type id per type index
    cdef list func_types            # type index per function (imports first)
    cdef list codes                 # LoweredFunc per defined function
    cdef uint32_t nfuncs, nimp_funcs, ntables, nimp_tables, nmems, nimp_mems
    cdef uint32_t nglobals, nimp_globals
    cdef list tables                # (elem_type, min, max or None, is_64, init ops or None)
    #                                 per defined table (canonical types)
    cdef list mems                  # (min, max or None, is_64, page_size_log2) per defined memory
    cdef list mem_is_64             # is_64 per memory, imports first
    cdef list table_is_64           # is_64 per table, imports first
    cdef list globals               # (valtype, mutable, ops) per defined global
    cdef list tags                  # type index per tag (imports first)
    cdef uint32_t nimp_tags
    cdef list elems                 # (mode, table, offset ops or None, [item ops])
    cdef list datas                 # (mode, memory, offset ops or None, bytes)
    cdef list exports               # (name, kind, index)
    cdef int64_t start
    cdef FuncRec* defs              # template records of the defined functions (no inst)
    cdef DataRec* data_recs         # the data segments, as an instance starts with them

    def __dealloc__(self):
        free(self.defs)
        free(self.data_recs)


def plan_module(info) -> ModulePlan:
    """The instantiation plan of a ModuleInfo from `_core.compile_module`."""
    cdef ModulePlan p = ModulePlan.__new__(ModulePlan)
    p.info = info
    p.type_ids = [t.type_id for t in info.types]
    sigs = [canonical_signature(tid) for tid in p.type_ids]
    p.type_params = [params for params, _ in sigs]
    p.type_results = [results for _, results in sigs]
    p.type_arrays = [vt_array(params + results) for params, results in sigs]
    p.func_types = list(info.func_types)
    p.codes = list(info.func_codes)
    p.nfuncs = len(p.func_types)
    p.nimp_funcs = info.num_imported_funcs
    p.ntables = len(info.tables)
    p.nimp_tables = info.num_imported_tables
    p.nmems = len(info.memories)
    p.nimp_mems = info.num_imported_memories
    p.nglobals = len(info.globals)
    p.nimp_globals = info.num_imported_globals
    if <uint32_t>len(p.codes) != p.nfuncs - p.nimp_funcs:
        raise _api_errors.WasmtimeError(
            "module has no lowered code (compile it with compile_module)")
    p.tables = [(canonical_valtype(t.elem_type, p.type_ids), t.min,
                 None if t.max < 0 else t.max, t.is_64, None if t.init is None else t.init.ops)
                for t in info.tables[p.nimp_tables:]]
    p.mems = [(m.min, None if m.max < 0 else m.max, m.is_64, m.page_size_log2, m.shared)
              for m in info.memories[p.nimp_mems:]]
    p.mem_is_64 = [m.is_64 for m in info.memories]
    p.table_is_64 = [t.is_64 for t in info.tables]
    p.globals = [(canonical_valtype(g.type.val_type, p.type_ids), g.type.mutable, g.init.ops)
                 for g in info.globals[p.nimp_globals:]]
    p.elems = [(e.mode, e.table, None if e.offset is None else e.offset.ops,
                [item.ops for item in e.items]) for e in info.elems]
    p.datas = [(d.mode, d.memory, None if d.offset is None else d.offset.ops, d.data)
               for d in info.datas]
    p.exports = [(x.name, x.kind, x.index) for x in info.exports]
    p.tags = list(info.tags)
    p.nimp_tags = info.num_imported_tags
    p.start = info.start
    plan_records(p)
    return p


cdef int plan_records(ModulePlan p) except -1:
    """The templates every instance of `p` copies: a record per defined function (its
    code threaded here, once), a record per data segment."""
    cdef uint32_t k, ti
    cdef uint32_t ndefs = p.nfuncs - p.nimp_funcs
    cdef uint32_t ndatas = len(p.datas)
    cdef LoweredFunc code
    cdef FuncRec* f
    cdef tuple params, results
    cdef bytes types, data
    p.defs = <FuncRec*>calloc(ndefs + 1, sizeof(FuncRec))
    p.data_recs = <DataRec*>calloc(ndatas + 1, sizeof(DataRec))
    if p.defs == NULL or p.data_recs == NULL:
        raise MemoryError("cannot allocate the module plan")
    for k in range(ndefs):
        ti = p.func_types[p.nimp_funcs + k]
        code = <LoweredFunc>p.codes[k]
        if thread_code(&code.fc) != 0:
            raise RuntimeError("internal error: malformed lowered code")
        params = p.type_params[ti]
        results = p.type_results[ti]
        f = &p.defs[k]
        f.code = &code.fc
        f.type_id = <uint32_t>p.type_ids[ti]
        f.nparams = <uint32_t>len(params)
        f.nresults = <uint32_t>len(results)
        types = p.type_arrays[ti]                                   # (the plan keeps them)
        f.params = <const vt_t*>PyBytes_AS_STRING(types)
        f.results = f.params + f.nparams
    for k in range(ndatas):
        data = <bytes>(<tuple>p.datas[k])[3]
        p.data_recs[k].bytes = <const uint8_t*>PyBytes_AS_STRING(data)
        p.data_recs[k].len = <uint32_t>PyBytes_GET_SIZE(data)
    return 0


cdef int instance_records(InstanceCtx inst, ModulePlan plan) except -1:
    """Give `inst` (allocated: `InstanceCtx.alloc`) the records of its defined functions,
    copied from `plan`'s templates, at the end of its function index space, and its data
    segments as the module has them (all bytes, none dropped)."""
    cdef uint32_t k
    cdef uint32_t ndefs = plan.nfuncs - plan.nimp_funcs
    cdef InstCtx* ic = &inst.ctx
    if inst.defs != NULL or ic.nfuncs != plan.nfuncs or ic.ndatas != <uint32_t>len(plan.datas):
        raise RuntimeError("internal error: instance records made twice or misallocated")
    inst.defs = <FuncRec*>malloc((ndefs + 1) * sizeof(FuncRec))
    if inst.defs == NULL:
        raise MemoryError("cannot allocate the instance's functions")
    memcpy(inst.defs, plan.defs, ndefs * sizeof(FuncRec))
    inst.ndefs = ndefs
    for k in range(ndefs):
        inst.defs[k].inst = ic
        ic.funcs[plan.nimp_funcs + k] = &inst.defs[k]
    memcpy(ic.datas, plan.data_recs, ic.ndatas * sizeof(DataRec))
    return 0


cdef int eval_const(Ctx* cx, InstCtx* ctx, tuple ops, uint64_t* out) except -1:
    """Evaluate a constant expression into out[0] (and out[1] for v128); GC allocations
    go to the heap of `cx`, the Store's (they never collect: see gc_alloc)."""
    cdef uint64_t small[2 * CX_STACK]
    cdef uint64_t* stack = small                # values (a deep one: on the heap)
    cdef uint64_t* high                         # the upper halves of v128 values
    cdef int depth = len(ops) + 1
    if depth <= CX_STACK:
        depth = CX_STACK
    else:                                       # array.new_fixed of many constants
        stack = <uint64_t*>malloc(2 * depth * sizeof(uint64_t))
        if stack == NULL:
            raise MemoryError("cannot evaluate a constant expression")
    high = stack + depth
    try:
        eval_const_on(cx, ctx, ops, out, stack, high)
    finally:
        if stack != small:
            free(stack)
    return 0


cdef int eval_const_on(Ctx* cx, InstCtx* ctx, tuple ops, uint64_t* out, uint64_t* stack,
                       uint64_t* high) except -1:
    """eval_const on a stack of at least len(ops) + 1 values (and their upper halves)."""
    cdef int sp = 0
    cdef uint32_t idx
    cdef int op
    cdef bytes raw
    for instr in ops:
        op = instr[0]
        imm = instr[1]
        high[sp] = 0
        if op == OP_I32_CONST:
            stack[sp] = (<uint64_t>(<int64_t>imm)) & 0xFFFFFFFFULL
        elif op == OP_I64_CONST:
            stack[sp] = <uint64_t>(<int64_t>imm)
        elif op == OP_F32_CONST or op == OP_F64_CONST:
            stack[sp] = <uint64_t>imm
        elif op == OP_REF_NULL:
            stack[sp] = 0
        elif op == OP_REF_FUNC:
            idx = imm
            if idx >= ctx.nfuncs:
                raise _api_errors.WasmtimeError(f"unknown function {idx}")
            stack[sp] = <uint64_t>ctx.funcs[idx]
        elif op == OP_GLOBAL_GET:
            idx = imm
            if idx >= ctx.nglobals or ctx.globals[idx] == NULL:
                raise _api_errors.WasmtimeError(f"unknown global {idx}")
            stack[sp] = ctx.globals[idx][0]
            high[sp] = ctx.globals[idx][1]
        elif op == OP_V128_CONST:
            raw = bytes(imm)
            memcpy(&stack[sp], <const char*>raw, 8)
            memcpy(&high[sp], (<const char*>raw) + 8, 8)
        elif sp >= 1 and op == OP_REF_I31:                 # GC: an i31 (h_ref_i31's cell)
            sp -= 1
            stack[sp] = <uint32_t>((<uint32_t>stack[sp] << 1) | 1)
        elif op == OP_STRUCT_NEW or op == OP_STRUCT_NEW_DEFAULT or op == OP_ARRAY_NEW \
                or op == OP_ARRAY_NEW_DEFAULT or op == OP_ARRAY_NEW_FIXED:
            sp = const_new(cx, ctx, op, imm, stack, high, sp)
        elif op == OP_ANY_CONVERT_EXTERN or op == OP_EXTERN_CONVERT_ANY:
            sp -= 1                                         # the identity on cells
        elif sp >= 2 and OP_I32_ADD <= op <= OP_I32_MUL:   # extended constant expressions
            sp -= 2
            if op == OP_I32_ADD:
                stack[sp] = (stack[sp] + stack[sp + 1]) & 0xFFFFFFFFULL
            elif op == OP_I32_SUB:
                stack[sp] = (stack[sp] - stack[sp + 1]) & 0xFFFFFFFFULL
            else:
                stack[sp] = (stack[sp] * stack[sp + 1]) & 0xFFFFFFFFULL
        elif sp >= 2 and OP_I64_ADD <= op <= OP_I64_MUL:
            sp -= 2
            if op == OP_I64_ADD:
                stack[sp] = stack[sp] + stack[sp + 1]
            elif op == OP_I64_SUB:
                stack[sp] = stack[sp] - stack[sp + 1]
            else:
                stack[sp] = stack[sp] * stack[sp + 1]
        else:
            raise _api_errors.WasmtimeError(f"constant expression required (opcode 0x{op:x})")
        sp += 1
    if sp != 1:
        raise _api_errors.WasmtimeError("type mismatch in constant expression")
    out[0] = stack[0]
    out[1] = high[0]
    return 0


cdef int const_new(Ctx* cx, InstCtx* ctx, int op, object imm, uint64_t* stack,
                   uint64_t* high, int sp) except -1:
    """A GC allocation of a constant expression (struct.new(_default), array.new(_default,
    _fixed)) on the evaluator's stack: returns the slot its reference goes to."""
    cdef uint32_t x = imm[0] if op == OP_ARRAY_NEW_FIXED else imm
    cdef const GcLayout* lay = gc_layout(GC_LAYOUTS, ctx.type_ids[x])
    cdef uint32_t nops = 0, length = 0, k, size
    cdef uint64_t v[2]
    cdef uint8_t* p
    if op == OP_STRUCT_NEW:
        nops = lay.nfields
    elif op == OP_ARRAY_NEW:
        nops = 2
    elif op == OP_ARRAY_NEW_DEFAULT:
        nops = 1
    elif op == OP_ARRAY_NEW_FIXED:
        nops = length = imm[1]
    if <uint32_t>sp < nops:
        raise _api_errors.WasmtimeError("type mismatch in constant expression")
    if op == OP_ARRAY_NEW or op == OP_ARRAY_NEW_DEFAULT:
        length = <uint32_t>stack[sp - 1]
    p = gc_alloc(cx, lay, length, NULL)
    if p == NULL:
        raise gc_failure(cx.gc)
    sp -= nops
    if op == OP_STRUCT_NEW:
        for k in range(nops):
            v[0] = stack[sp + k]
            v[1] = high[sp + k]
            gc_store(p + lay.fields[k].offset, v, lay.fields[k].size)
    elif op == OP_ARRAY_NEW or op == OP_ARRAY_NEW_FIXED:
        size = lay.fields[0].size
        for k in range(length):
            v[0] = stack[sp + (0 if op == OP_ARRAY_NEW else k)]
            v[1] = high[sp + (0 if op == OP_ARRAY_NEW else k)]
            gc_store(p + GC_ARRAY_DATA + k * size, v, size)
    stack[sp] = <uint64_t><uintptr_t>p
    high[sp] = 0
    return sp


cdef object segment_trap(int code):
    return _Trap(TRAP_MESSAGES[code], TRAP_CODES[code])


def instantiate(StoreCtx store, ModulePlan plan, list imports, int64_t mem_limit=-1,
                int64_t table_limit=-1, object source=None) -> InstanceCtx:
    """Create an instance of `plan` in `store` with the already type-checked `imports`
    (`source`: the public Module, kept for snapshots)."""
    cdef InstanceCtx inst = InstanceCtx(store, plan.info)
    cdef InstCtx* ctx
    cdef uint32_t i, k, n, ti
    cdef uint64_t cells[2]
    cdef uint64_t offset
    cdef FuncInstance fi
    cdef GlobalInstance g
    cdef TableInstance t
    cdef MemoryInstance m
    cdef TableRec* tr
    cdef ElemRec* er
    cdef DataRec* dr
    cdef LoweredFunc code
    cdef list tables = []
    cdef list globals_ = []
    cdef list tags = []
    cdef TagInstance tag
    cdef list memories = []
    cdef MemoryInstance memory = None
    cdef MemRec* mr
    cdef uint32_t nimports = len(imports)
    cdef uint32_t nf = 0, nt = 0, ng = 0
    keep = inst.keep

    inst.plan = plan
    inst.source = source
    inst.alloc(plan.nfuncs, plan.nglobals, plan.ntables, len(plan.type_ids),
               len(plan.datas), len(plan.elems))
    ctx = &inst.ctx
    for i in range(ctx.ntypes):
        ctx.type_ids[i] = <uint32_t>plan.type_ids[i]

    # Imports, in import order: each fills the next slot of its index space.
    for i in range(nimports):
        item = imports[i]
        if type(item) is FuncInstance:
            fi = <FuncInstance>item
            ctx.funcs[nf] = fi.rec
            nf += 1
        elif type(item) is TableInstance:
            t = <TableInstance>item
            ctx.tables[nt] = &t.rec
            tables.append(t)
            nt += 1
        elif type(item) is GlobalInstance:
            g = <GlobalInstance>item
            ctx.globals[ng] = &g.cell[0]
            globals_.append(g)
            ng += 1
        elif isinstance(item, MemoryInstance):
            memories.append(item)
        elif type(item) is TagInstance:
            tags.append(item)
        else:
            raise TypeError(f"not a runtime extern: {item!r}")
        keep.append(item)
    if nf != plan.nimp_funcs or nt != plan.nimp_tables or ng != plan.nimp_globals \
            or <uint32_t>len(memories) != plan.nimp_mems \
            or <uint32_t>len(tags) != plan.nimp_tags:
        raise _api_errors.LinkError("imports do not match the module's import section")

    # Defined functions (and the data segments, pointing at the module's bytes).
    instance_records(inst, plan)
    keep.append(plan)                   # keeps the LoweredFunc codes and the data alive

    # Defined tables; their initialisers (which see the imported globals and every
    # function) run after the globals', in the spec's order (as in wasmtime: which error
    # an instantiation gives when both would fail, e.g. "GC heap out of memory").
    for elem_type, tmin, tmax, t64, init_ops in plan.tables:
        if table_limit >= 0:
            if tmin > table_limit:
                raise _api_errors.WasmtimeError(
                    f"table minimum size of {tmin} elements exceeds table limits")
            if tmax is None or tmax > table_limit:
                tmax = table_limit
        if tmin > 0xFFFFFFFF:                   # a table64 too large for any host
            raise out_of_memory(tmin * sizeof(uint64_t))
        t = store.new_table(elem_type, tmin, tmax, None, t64)
        ctx.tables[nt] = &t.rec
        tables.append(t)
        nt += 1

    # Defined memories.
    for mmin, mmax, m64, page_log2, shared in plan.mems:
        if mem_limit >= 0 and mmin > (mem_limit >> page_log2):
            raise _api_errors.WasmtimeError(
                f"memory minimum size of {mmin} pages exceeds memory limits")
        memory = store.new_memory(mmin, mmax, m64, page_log2, shared)
        if not shared:                  # (a shared memory is not the Store's alone)
            memory_limit(memory, mem_limit)
        memories.append(memory)
    inst.set_memories(memories)

    # Defined tags: each one new (a tag's identity is its instance's).
    for ti in plan.tags[plan.nimp_tags:]:
        tags.append(store.new_tag(plan.type_params[ti], plan.type_ids[ti]))
    inst.set_tags(tags)

    # Defined globals.
    for valtype, mutable, ops in plan.globals:
        g = GlobalInstance.__new__(GlobalInstance)
        g.store = store
        g.valtype = valtype
        g.mutable = mutable
        eval_const(&store.cx, ctx, ops, g.cell)
        store.add_object(g)
        ctx.globals[ng] = &g.cell[0]
        globals_.append(g)
        ng += 1
    keep.extend(globals_)
    keep.extend(tables)

    # The tables' initialisers.
    for i in range(len(plan.tables)):
        init_ops = plan.tables[i][4]
        if init_ops is not None:
            t = tables[plan.nimp_tables + i]
            eval_const(&store.cx, ctx, init_ops, cells)
            for k in range(t.rec.size):
                t.rec.elems[k] = cells[0]

    # Element segments: evaluate the references.
    for i in range(ctx.nelems):
        items = plan.elems[i][3]
        n = len(items)
        er = &ctx.elems[i]
        er.refs = <uint64_t*>malloc((n + 1) * sizeof(uint64_t))
        if er.refs == NULL:
            raise MemoryError("cannot allocate an element segment")
        for k in range(n):
            eval_const(&store.cx, ctx, <tuple>items[k], cells)
            er.refs[k] = cells[0]
        er.len = n

    # Exports, in export order.
    exports = inst.exports
    for name, kind, index in plan.exports:
        if kind == 0:
            exports[name] = store.func_object(ctx.funcs[<uint32_t>index])
        elif kind == 1:
            exports[name] = tables[index]
        elif kind == 2:
            exports[name] = memories[index]
        elif kind == 4:
            exports[name] = tags[index]
        else:
            exports[name] = globals_[index]

    # Active element segments, in order (table.init + elem.drop); declarative: dropped.
    for i in range(ctx.nelems):
        mode, table_index, offset_ops = plan.elems[i][:3]
        er = &ctx.elems[i]
        if mode == SEG_MODE_ACTIVE:
            eval_const(&store.cx, ctx, offset_ops, cells)
            offset = cells[0] if plan.table_is_64[table_index] else cells[0] & 0xFFFFFFFFULL
            tr = ctx.tables[<uint32_t>table_index]
            if offset > tr.size or er.len > tr.size - offset:
                raise segment_trap(TRAP_OOB_TABLE)
            if er.len:
                memcpy(tr.elems + offset, er.refs, er.len * sizeof(uint64_t))
            er.len = 0
        elif mode == SEG_MODE_DECLARATIVE:
            er.len = 0

    # Active data segments, in order (memory.init + data.drop), each into its memory.
    for i in range(ctx.ndatas):
        mode, mem_index, offset_ops, _ = plan.datas[i]
        if mode != SEG_MODE_ACTIVE:
            continue
        dr = &ctx.datas[i]
        mr = ctx.mems[<uint32_t>mem_index]
        eval_const(&store.cx, ctx, offset_ops, cells)
        offset = cells[0] & mr.addr_mask
        if mem_range_oob(mr, offset, dr.len):
            raise segment_trap(TRAP_OOB_MEMORY)
        if dr.len:
            memcpy(mr.base + offset, dr.bytes, dr.len)
        dr.len = 0

    # The start function.
    if plan.start >= 0:
        store.func_object(ctx.funcs[<uint32_t>plan.start])()
    return inst


# ---- Store-level helpers of the public API ------------------------------------------


cdef class EpochCounter:
    """An Engine's epoch: Stores of the Engine read it through `Ctx.epoch_counter`."""
    cdef uint64_t value

    def increment(self) -> None:
        """Advance the epoch by one."""
        self.value += 1

    @property
    def current(self) -> int:
        """The current epoch."""
        return self.value


def store_use_epoch(StoreCtx store, EpochCounter counter) -> None:
    """Make `store` read the epoch of `counter` (its Engine's)."""
    store.cx.epoch_counter = &counter.value
    store.objects.append(counter)


def memory_limit(MemoryInstance memory, int64_t max_bytes) -> None:
    """Cap how far `memory` may grow (a Store's `memory_size` limit, in bytes; -1: none)."""
    cdef uint64_t max_pages
    if max_bytes >= 0:
        max_pages = <uint64_t>max_bytes >> memory.rec.page_shift
        if max_pages < memory.rec.max_pages:
            memory.rec.max_pages = max_pages


def table_limit(TableInstance table, int64_t max_elems) -> None:
    """Cap how far `table` may grow (a Store's `table_elements` limit)."""
    if max_elems >= 0 and <uint64_t>max_elems < table.rec.max:
        table.rec.max = <uint32_t>max_elems


def store_running(StoreCtx store) -> bool:
    """Whether wasm code of `store` is running (a Python->wasm call is active)."""
    return store.cx.nest > 0


def store_gc(StoreCtx store) -> int:
    """Collect the GC heap (the slots below ``cx.top`` and paused guests' frames are live),
    then forget host objects (externref targets) no longer referenced from any table,
    global, element segment, exception payload or GC object of `store`; renumbers the
    survivors.  The second part only while no wasm runs (no live stack values).  Returns
    how many host objects were released."""
    cdef list cells = []               # addresses of every cell holding a host object
    gc_collect(&store.cx, store.cx.top)
    if store.cx.nest > 0 or not store.externs:
        return 0
    host_cells(&store.cx, cells)
    live = {}
    new_externs = []
    for addr in cells:
        old = (<uint64_t*><size_t>addr)[0]
        r = live.get(old)
        if r is None:
            r = len(new_externs) << 2 | 2
            new_externs.append(store.externs[old >> 2])
            live[old] = r
        (<uint64_t*><size_t>addr)[0] = <uint64_t>r
    released = len(store.externs) - len(new_externs)
    store.externs[:] = new_externs
    store.extern_ids.clear()
    for k, obj in enumerate(new_externs):
        store.extern_ids[id(obj)] = k << 2 | 2
    return released


cdef inline int host_cell(uint64_t* c, list cells) except -1:
    if (c[0] & 3) == 2:
        cells.append(<size_t>c)
    return 0


cdef int host_cells(Ctx* cx, list cells) except -1:
    """The addresses of the reference cells that hold a host object (``index << 2 | 2``):
    in the GC heap's roots (globals and tables that may hold one, element segments) and
    the GC objects' reference fields (exceptions' reference payloads included)."""
    cdef GcHeap* h = cx.gc
    cdef GcRoot* r
    cdef TableRec* t
    cdef InstCtx* ic
    cdef GcPage* pg
    cdef const GcLayout* lay
    cdef uint8_t* p
    cdef uint32_t k, i, j, n
    cdef size_t c
    for k in range(h.nroots):
        r = &h.roots[k]
        if r.kind == GC_ROOT_CELL:
            host_cell(<uint64_t*>r.p, cells)
        elif r.kind == GC_ROOT_TABLE:
            t = <TableRec*>r.p
            for i in range(t.size):
                host_cell(&t.elems[i], cells)
        else:
            ic = <InstCtx*>r.p
            for i in range(ic.nelems):
                for j in range(ic.elems[i].len):
                    host_cell(&ic.elems[i].refs[j], cells)
    for k in range(h.npages):
        pg = &h.pages[k]
        for c in range(pg.ncells):
            p = pg.base + c * pg.cell
            if (<GcHeader*>p).type_id == GC_FREE:
                continue
            lay = gc_obj_layout(p)
            if lay.kind == TK_ARRAY:
                if lay.nrefs:
                    n = (<uint32_t*>(p + GC_ARRAY_LEN))[0]
                    for i in range(n):
                        host_cell(<uint64_t*>(p + GC_ARRAY_DATA) + i, cells)
            else:
                for i in range(lay.nrefs):
                    host_cell(<uint64_t*>(p + lay.refs[i]), cells)
    return 0


# ---- The C-level base classes of the public Store and Func ---------------------------
#
# `wasmrt.Store` and `wasmrt.Func` (wasmrt/_api_*.py) subclass these, so the common call
# `func(store, *args)` runs here without Python-level frames: check the store and the
# thread, then enter the runtime function (which unwraps `Val` arguments).  Everything
# unusual (a Caller as store, host functions called from Python, funcref results, a wrong
# argument count) goes to the subclass's `_call_slow`.

from cpython.pythread cimport PyThread_get_thread_ident


cdef class StoreBase:
    """C-level state of a public Store: its runtime store and the thread running in it."""
    cdef public StoreCtx _ctx
    cdef unsigned long _thread       # thread running wasm of this store (valid if _depth)
    cdef uint32_t _depth             # Python->wasm entries active through the public API

    cdef int enter(self) except -1:
        cdef unsigned long tid = PyThread_get_thread_ident()
        if self._depth and self._thread != tid:
            raise _api_errors.WasmtimeError(STORE_BUSY)
        self._thread = tid
        self._depth += 1
        return 0

    def _context(self) -> StoreCtx:
        """The runtime store, for an operation on it: ``ValueError`` once closed,
        ``WasmtimeError`` while another thread is running wasm in it (from a host call or
        a fuel/epoch check of that thread, which let this one in)."""
        cdef StoreCtx ctx = self._ctx
        if ctx is None:
            raise ValueError("already closed")
        if ctx.cx.nest and ctx.cx.owner_thread != PyThread_get_thread_ident():
            raise _api_errors.WasmtimeError(STORE_BUSY)
        return ctx


cdef class FuncBase:
    """C-level part of a public Func: the runtime function and the Store owning it."""
    cdef public FuncInstance _func
    cdef public StoreBase _store
    cdef public bint _simple         # wasm function without function-reference results

    def __call__(self, *args):
        # ``(store, *params)``, read in place: slicing off the store would build a tuple
        cdef FuncInstance fi = self._func
        cdef StoreBase st = self._store
        cdef Py_ssize_t n = PyTuple_GET_SIZE(args)
        if n == 0:
            raise TypeError("missing the store argument: func(store, *params)")
        if <object>PyTuple_GET_ITEM(args, 0) is not st or not self._simple \
                or <uint32_t>(n - 1) != fi.rec.nparams:
            return self._call_slow(args[0], args[1:])
        st.enter()
        try:
            return fi.call(args, 1)
        finally:
            st._depth -= 1

    def _invoke(self, tuple params):
        """Run the runtime function on plain values, with the store's thread check."""
        cdef StoreBase st = self._store
        st.enter()
        try:
            return self._func.call(params, 0)
        finally:
            st._depth -= 1


def set_val_class(cls) -> None:
    """Tell FuncBase which class is the public `Val` (its arguments take the slow path)."""
    global _ValClass
    _ValClass = cls
