# Snapshots (ARCHITECTURE.md, "Snapshots"): a Store whose guest is paused (`AsyncCall`),
# captured as data (`StoreImage`) and rebuilt in a fresh Store of the same Engine.
#
# Every pointer of the Store's runtime state becomes a number on capture and a pointer of
# the new Store on restore.  Functions are numbered host functions first (in
# `StoreCtx.funcs` order), then the defined functions of each instance (`InstanceCtx.defs`,
# instances in `StoreCtx.objects` order); instances, tables, globals and memories by their
# place among the objects of their kind; frames and the pause point by slot offsets from
# the stack base; return addresses by cell offsets into the calling function's `FuncCode`
# (shared by every instance of a module: in this process the same code, in another one
# the code of the same module deserialized).  Funcref values become function number + 1
# (0 = null); host objects (`index << 2 | 2`) are indices into the Store's externref list,
# which the image copies in order; the live objects of the GC heap (structs, arrays,
# exceptions) are numbered in heap order, and a reference to object n becomes (n + 1) << 3
# (an address-like cell: i31 and host cells keep their values; in an object's fields,
# whose cells say what they are, a funcref is (function number + 1) << 3 | 4).  Defined
# types (of objects, and in the value types of globals, tables and tags) are numbers into
# the image's type table, each a type of an instance's module (instance, type index), so
# that a restore in another process finds their canonical ids there.  Memory contents
# are the API layer's business (`MemoryInstance.save_image` / `load_image`: sealed memfd
# images, mapped copy-on-write).

from array import array

cdef enum:
    IMG_NONE = 0xFFFFFFFF               # no instance (EMPTY_INST) / the entry's return
    IMG_EXN = 0                         # StoreImage.objects: an exception
    IMG_OBJ = 1                         # - a struct or array
    REF_PLAIN = 0                       # how a cell is translated (`ref_kind`)
    REF_FUNC = 1
    REF_OBJECT = 2
    REF_ANY = 3                         # an object's reference field: any reference


cdef class StoreImage:
    """A paused Store as data (`capture_store`); immutable, restored any number of times
    (`restore_store`).  Its fields are plain values, bytes of packed native integers, and
    the instances' `ModulePlan`s (`plans`, left out of its pickled form)."""
    cdef readonly uint32_t nhosts       # host functions (made again by the API layer)
    cdef readonly list plans            # ModulePlan per instance
    # per instance: (name, funcs, globals, tables, mems, data lengths, elems, exports)
    cdef readonly list instances
    cdef readonly list globals          # (valtype, mutable, lo, hi) per global
    cdef readonly list tables           # (elem_type, max, cells, is_64) per table
    # (min_pages, declared_max, max_pages, pages, is_64, page_size_log2) per memory
    cdef readonly list memories
    cdef readonly list externs          # externref targets (the objects themselves)
    cdef readonly list tags             # (params, canonical type id) per tag
    # per object of the GC heap: (kind, what, length, bytes); IMG_EXN: an exception,
    # `what` its tag number, `bytes` its payload; IMG_OBJ: a struct or array, `what` its
    # type number, `length` an array's, `bytes` its fields or elements (references
    # numbered)
    cdef readonly list objects
    cdef readonly list types            # (instance, type index) per type number
    cdef readonly bytes stack           # the slots of the paused frames
    cdef readonly bytes stack_refs      # uint32 (slot, function number + 1) of funcrefs
    cdef readonly bytes stack_objs      # uint32 (slot, object number) of object references
    cdef readonly bytes recs            # uint32 (ret offset, fp slot, instance, function)
    cdef readonly tuple state           # see capture_store

    def __reduce__(self):
        return (_image_from_state, (self.nhosts, self.instances, self.globals, self.tables,
                                    self.memories, self.externs, self.stack, self.stack_refs,
                                    self.recs, self.state, self.tags, self.objects,
                                    self.stack_objs, self.types))

    def with_plans(self, list plans) -> StoreImage:
        """This image with `plans` (one per instance: those of the same modules, e.g.
        deserialized in another process)."""
        cdef StoreImage img = _image_from_state(*self.__reduce__()[1])
        if len(plans) != len(self.instances):
            raise ValueError("one plan per instance expected")
        img.plans = list(plans)
        return img


def _image_from_state(nhosts, instances, globals_, tables, memories, externs, stack,
                      stack_refs, recs, state, tags, objects, stack_objs,
                      types) -> StoreImage:
    """A StoreImage from the values of `StoreImage.__reduce__` (without plans)."""
    cdef StoreImage img = StoreImage.__new__(StoreImage)
    img.nhosts = nhosts
    img.plans = None
    img.instances = list(instances)
    img.globals = list(globals_)
    img.tables = list(tables)
    img.memories = list(memories)
    img.externs = list(externs)
    img.stack = bytes(stack)
    img.stack_refs = bytes(stack_refs)
    img.recs = bytes(recs)
    img.state = tuple(state)
    img.tags = list(tags)
    img.objects = list(objects)
    img.types = list(types)
    img.stack_objs = bytes(stack_objs)
    if len(img.stack) % 8 or len(img.stack_refs) % 8 or len(img.recs) % 16 \
            or len(img.stack_objs) % 8 \
            or len(img.state) != 8:
        raise ValueError("malformed store image")
    return img


cdef int ref_kind(vt_t vt) noexcept:
    """How an image holds a cell of type `vt`: REF_FUNC (function number + 1), REF_OBJECT
    (an object of the GC heap as (number + 1) << 3, other cells as they are) or
    REF_PLAIN (as it is)."""
    if vt_may_hold_object(vt):
        return REF_OBJECT
    if vt_is_ref(vt) and vt_is_funcref(CANON, vt):
        return REF_FUNC
    return REF_PLAIN


cdef class FuncNumbers:
    """Function record address -> function number, and the GC heap's live objects
    (address -> object number), for a capture."""
    cdef dict objs                      # object address -> number
    cdef dict hosts                     # address -> number
    cdef list ranges                    # (first record address, end address, first number)
    cdef uint64_t lo, hi                # the addresses of every record lie in [lo, hi)

    cdef int64_t find(self, uint64_t addr) except -2:
        """The number of the record at `addr`, or -1 if it is none of the store's."""
        if addr < self.lo or addr >= self.hi:
            return -1
        for first, end, base in self.ranges:
            if first <= addr < end:
                if (addr - <uint64_t>first) % sizeof(FuncRec):
                    return -1
                return <int64_t>base + <int64_t>((addr - <uint64_t>first) // sizeof(FuncRec))
        n = self.hosts.get(addr)
        return -1 if n is None else <int64_t>n

    cdef uint32_t num(self, FuncRec* f) except? 0xFFFFFFFF:
        cdef int64_t n = self.find(<uint64_t>f)
        if n < 0:
            raise RuntimeError("internal error: a function record of no function of the store")
        return <uint32_t>n

    cdef uint64_t ref(self, uint64_t cell) except? 0xFFFFFFFFFFFFFFFF:
        """Function number + 1 of funcref `cell` (0: null)."""
        return 0 if cell == 0 else <uint64_t>self.num(<FuncRec*>cell) + 1

    cdef uint64_t out(self, uint64_t cell, int kind) except? 0xFFFFFFFFFFFFFFFF:
        """Cell `cell` as the image holds it (`kind`: `ref_kind` of its type)."""
        if kind == REF_FUNC:
            return self.ref(cell)
        if kind >= REF_OBJECT and cell != 0 and (cell & 7) == 0:
            n = self.objs.get(cell)
            if n is not None:
                return (<uint64_t>n + 1) << 3
            if kind == REF_ANY and self.find(cell) >= 0:
                return ((<uint64_t>self.find(cell) + 1) << 3) | 4
            raise RuntimeError("internal error: a reference to no live object")
        return cell


cdef uint64_t cell_in(uint64_t v, int kind, FuncRec** recs, uint32_t nf,
                      list objs) except? 0xFFFFFFFFFFFFFFFF:
    """Inverse of `FuncNumbers.out` (numbers -> the new store's records and objects)."""
    if kind == REF_FUNC and v != 0:
        return <uint64_t>rec_of(recs, nf, v - 1)
    if kind >= REF_OBJECT and v != 0 and (v & 7) == 0:
        if (v >> 3) > <uint64_t>len(objs):
            raise ValueError("malformed store image: object number")
        return <uint64_t>objs[(v >> 3) - 1]
    if kind == REF_ANY and (v & 7) == 4:
        return <uint64_t>rec_of(recs, nf, (v >> 3) - 1)
    return v


cdef bytes ref_cells_out(const uint64_t* cells, uint32_t n, vt_t elem_type,
                         FuncNumbers numbers):
    """`n` reference cells as packed uint64, funcrefs as function number + 1."""
    cdef bytearray out = bytearray(<size_t>n * 8)
    cdef uint64_t* dst = <uint64_t*>(<char*>out)
    cdef uint32_t i
    cdef int kind = ref_kind(elem_type)
    for i in range(n):
        dst[i] = numbers.out(cells[i], kind)
    return bytes(out)


cdef int ref_cells_in(bytes data, uint64_t* dst, uint32_t n, vt_t elem_type,
                      FuncRec** recs, uint32_t nf, list objs) except -1:
    """Inverse of `ref_cells_out` into `dst` (numbers -> the new store's records and
    objects)."""
    cdef const uint64_t* src = <const uint64_t*>PyBytes_AS_STRING(data)
    cdef uint32_t i
    cdef int kind = ref_kind(elem_type)
    if <size_t>PyBytes_GET_SIZE(data) != <size_t>n * 8:
        raise ValueError("malformed store image: reference cells")
    for i in range(n):
        dst[i] = cell_in(src[i], kind, recs, nf, objs)
    return 0


cdef AsyncCall paused_call_of(StoreCtx store):
    """The outermost call_async entry of `store`, paused, nothing running above it."""
    call = store.paused
    if call is None or store.cx.nest != 1:
        raise _errors.WasmtimeError(
            "Store.snapshot() needs the Store's guest paused in an async host call (or at a "
            "yield) of its outermost call_async, with no other call into wasm running")
    return <AsyncCall>call


def capture_store(StoreCtx store, list memories, list hosts) -> StoreImage:
    """The image of `store`, whose guest is paused (`paused_call_of`).  `memories`
    receives the store's MemoryInstances in image order (the caller saves their contents),
    `hosts` its host FuncInstances in number order (the caller keeps their definitions)."""
    cdef AsyncCall call = paused_call_of(store)
    cdef Ctx* cx = &store.cx
    cdef StoreImage img = StoreImage.__new__(StoreImage)
    cdef FuncNumbers numbers = FuncNumbers.__new__(FuncNumbers)
    cdef FuncInstance fi
    cdef InstanceCtx inst
    cdef GlobalInstance g
    cdef TableInstance t
    cdef MemoryInstance m
    cdef InstCtx* ic
    cdef FuncRec* f
    cdef uint32_t i, k
    cdef int64_t n
    cdef dict inst_index = {}       # InstCtx address -> instance index
    cdef dict global_index = {}     # value cell address -> global index
    cdef dict table_index = {}      # TableRec address -> table index
    cdef dict mem_index = {}        # MemRec address -> memory index
    cdef dict tag_index = {}        # TagRec address -> tag number
    cdef list objs
    cdef list insts = []
    cdef uint64_t* base = cx.stack
    cdef uint64_t* end
    cdef uint64_t v
    cdef bytearray recs
    cdef uint32_t* q
    cdef TypeNumbers types = TypeNumbers.__new__(TypeNumbers)
    gc_collect(cx, cx.top)          # (the paused guest's frames stay roots: pinned_end)
    objs = gc_live_objects(cx.gc)
    numbers.objs = {v: k for k, v in enumerate(objs)}
    numbers.hosts = {}
    numbers.ranges = []
    numbers.lo = 0xFFFFFFFFFFFFFFFFULL
    numbers.hi = 0
    for o in store.funcs:
        fi = <FuncInstance>o
        if fi.rec == &fi.own:
            if fi.rec.code != NULL:
                raise _errors.WasmtimeError("cannot snapshot a function made without a module")
            numbers.hosts[<uint64_t>fi.rec] = len(hosts)
            hosts.append(fi)
    img.nhosts = len(hosts)
    img.tags = []
    n = len(hosts)
    for o in store.objects:
        if type(o) is TagInstance:
            tag_index[<size_t>&(<TagInstance>o).rec] = len(tag_index)
        elif type(o) is InstanceCtx:
            inst = <InstanceCtx>o
            if inst.plan is None or (inst.defs == NULL and inst.ndefs):
                raise _errors.WasmtimeError("cannot snapshot an instance made without a module")
            for k in range(inst.ctx.nmems):
                if inst.ctx.mems[k].shared:
                    raise _errors.WasmtimeError(
                        "cannot snapshot a Store using a shared memory (other threads change it)")
            inst_index[<size_t>&inst.ctx] = len(insts)
            insts.append(inst)
            numbers.ranges.append((<uint64_t>inst.defs,
                                   <uint64_t>(inst.defs + inst.ndefs), n))
            n += inst.ndefs
        elif type(o) is GlobalInstance:
            global_index[<size_t>&(<GlobalInstance>o).cell[0]] = len(global_index)
        elif type(o) is TableInstance:
            table_index[<size_t>&(<TableInstance>o).rec] = len(table_index)
        elif isinstance(o, MemoryInstance):
            mem_index[<size_t>&(<MemoryInstance>o).rec] = len(mem_index)
            memories.append(o)
    types.start(insts)
    for o in store.objects:
        if type(o) is TagInstance:
            img.tags.append((tuple([types.vt(vt) for vt in (<TagInstance>o).params]),
                             types.tag_type((<TagInstance>o).rec.type_id)))
    for v in numbers.hosts:
        numbers.lo = min(numbers.lo, v)
        numbers.hi = max(numbers.hi, v + 1)
    for first, last, _ in numbers.ranges:
        numbers.lo = min(numbers.lo, <uint64_t>first)
        numbers.hi = max(numbers.hi, <uint64_t>last)

    img.globals = []
    img.tables = []
    img.memories = []
    for o in store.objects:
        if type(o) is GlobalInstance:
            g = <GlobalInstance>o
            v = numbers.out(g.cell[0], ref_kind(g.valtype))
            img.globals.append((types.vt(g.valtype), g.mutable, v, g.cell[1]))
        elif type(o) is TableInstance:
            t = <TableInstance>o
            img.tables.append((types.vt(t.rec.elem_type),
                               t.rec.max if t.wide_max is None else t.wide_max,
                               ref_cells_out(t.rec.elems, t.rec.size, t.rec.elem_type,
                                             numbers),
                               t.is_64))
        elif isinstance(o, MemoryInstance):
            m = <MemoryInstance>o
            img.memories.append((m.min_pages, m.declared_max, m.rec.max_pages, m.rec.pages,
                                 m.is_64, m.rec.page_shift))

    img.plans = []
    img.instances = []
    for o in insts:
        inst = <InstanceCtx>o
        ic = &inst.ctx
        plan = inst.plan
        img.plans.append(plan)
        elem_types = [canonical_valtype(e.elem_type, (<ModulePlan>plan).type_ids)
                      for e in plan.info.elems]
        img.instances.append((
            inst.name,
            array("I", [numbers.num(ic.funcs[i]) for i in range(ic.nfuncs)]).tobytes(),
            [global_index[<size_t>ic.globals[i]] for i in range(ic.nglobals)],
            [table_index[<size_t>ic.tables[i]] for i in range(ic.ntables)],
            [mem_index[<size_t>ic.mems[i]] for i in range(ic.nmems)],
            array("I", [ic.datas[i].len for i in range(ic.ndatas)]).tobytes(),
            [ref_cells_out(ic.elems[i].refs, ic.elems[i].len, elem_types[i], numbers)
             for i in range(ic.nelems)],
            [export_entry(name, item, numbers, global_index, table_index, mem_index,
                          tag_index)
             for name, item in inst.exports.items()],
            [tag_index[<size_t>ic.tags[i]] for i in range(ic.ntags)],
        ))
    img.externs = list(store.externs)
    img.objects = []
    for v in objs:
        if (<GcHeader*>v).type_id == GC_EXN:
            img.objects.append((IMG_EXN, tag_index[<size_t>exn_tag(v)], 0,
                                payload_out(exn_tag(v), exn_cells(v), numbers)))
        else:
            img.objects.append(object_out(<uint8_t*>v, types, numbers))
    img.types = types.table

    # the wasm call stack: the slots up to the end of the innermost frame, the records
    f = cx.recs[cx.depth - 1].func
    end = call.resume_fp + f.code.max_slots
    if cx.top > end:
        end = cx.top
    img.stack = PyBytes_FromStringAndSize(<const char*>base, (end - base) * sizeof(uint64_t))
    refs = []
    orefs = []
    for k in range(<uint32_t>(end - base)):
        n = numbers.find(base[k])   # conservative: a slot holding a function record's
        if n >= 0:                  # address is a funcref (no wasm value can know one)
            refs.append(k)
            refs.append(n + 1)
        elif base[k] in numbers.objs:   # and one holding a live object's, a reference
            orefs.append(k)
            orefs.append(numbers.objs[base[k]])
    img.stack_refs = array("I", refs).tobytes()
    img.stack_objs = array("I", orefs).tobytes()
    recs = bytearray(16 * cx.depth)
    q = <uint32_t*>(<char*>recs)
    for k in range(cx.depth):
        q[4 * k] = IMG_NONE if k == 0 else \
            <uint32_t>(cx.recs[k].ret_pc - cx.recs[k - 1].func.code.code)
        q[4 * k + 1] = <uint32_t>(cx.recs[k].fp - base)
        q[4 * k + 2] = IMG_NONE if cx.recs[k].inst == &EMPTY_INST else \
            <uint32_t>inst_index[<size_t>cx.recs[k].inst]
        q[4 * k + 3] = numbers.num(cx.recs[k].func)
    img.recs = bytes(recs)
    img.state = (
        inst_index[<size_t>cx.inst],
        <size_t>(call.resume_pc - f.code.code),
        <size_t>(call.resume_fp - base),
        numbers.num(call.pause_func) if call.pause_func != NULL else -1,
        <size_t>(call.pause_args - base) if call.pause_func != NULL else 0,
        <size_t>(call.pause_top - base) if call.pause_func != NULL else 0,
        <size_t>(cx.top - base),
        numbers.num(call.func.rec),
    )
    return img


cdef tuple export_entry(name, item, FuncNumbers numbers, dict globals_, dict tables,
                        dict mems, dict tags):
    """(name, kind, index) of an export: kind 0-4 as in the binary format."""
    if type(item) is FuncInstance:
        return (name, 0, numbers.num((<FuncInstance>item).rec))
    if type(item) is TableInstance:
        return (name, 1, tables[<size_t>&(<TableInstance>item).rec])
    if isinstance(item, MemoryInstance):
        return (name, 2, mems[<size_t>&(<MemoryInstance>item).rec])
    if type(item) is TagInstance:
        return (name, 4, tags[<size_t>&(<TagInstance>item).rec])
    return (name, 3, globals_[<size_t>&(<GlobalInstance>item).cell[0]])


cdef class TypeNumbers:
    """Canonical type id -> the image's type number, for a capture: each a type of an
    instance's module, (instance number, type index), so that a restore finds the
    canonical id of the same type in its process (`types_in`)."""
    cdef dict where                     # canonical id -> (instance number, type index)
    cdef dict nums                      # canonical id -> type number
    cdef list table                     # (instance number, type index) per type number

    cdef int start(self, list insts) except -1:
        self.where = {}
        self.nums = {}
        self.table = []
        for i, inst in enumerate(insts):
            for k, tid in enumerate((<ModulePlan>(<InstanceCtx>inst).plan).type_ids):
                self.where.setdefault(tid, (i, k))
        return 0

    cdef int64_t num(self, uint32_t type_id) except -2:
        """The type number of canonical id `type_id`, or -1 if the image cannot name it:
        a type of a module of the store, or a function type made by the host (a final
        function type without supertype in a group of its own, as ``FuncType`` makes
        them), described by its parameters and results (numbered first)."""
        n = self.nums.get(type_id)
        if n is None:
            at = self.where.get(type_id)
            if at is None:
                at = self.host_func_type(type_id)
                if at is None:
                    return -1
            n = self.nums[type_id] = len(self.table)
            self.table.append(at)
        return n

    cdef tuple host_func_type(self, uint32_t type_id):
        """``("func", params, results)`` (value types as the image holds them) if
        `type_id` is the function type of a group of one that its signature alone gives."""
        if canonical_type(type_id)[0] != TK_FUNC:
            return None
        params, results = canonical_signature(type_id)
        if canonical_func_type(params, results) != type_id:
            return None
        return ("func", tuple([self.vt(t) for t in params]),
                tuple([self.vt(t) for t in results]))

    cdef vt_t vt(self, vt_t vt) except? 0xFFFFFFFF:
        """Value type `vt` as the image holds it: a defined type as HT_REC with its type
        number (HT_REC never names a value's type elsewhere)."""
        if (vt & 0xFF) != HT_CONCRETE:
            return vt
        return <vt_t>((<uint64_t>self.need(vt_index(vt)) << VT_INDEX_SHIFT)
                      | (vt & VT_NONNULL) | HT_REC)

    cdef int64_t need(self, uint32_t type_id) except -1:
        """The type number of `type_id`; WasmtimeError if the image cannot name it."""
        cdef int64_t n = self.num(type_id)
        if n < 0:
            raise _errors.WasmtimeError(
                "cannot snapshot a value of a type that no module of the Store defines and "
                f"that is no function type made by the host (canonical type {type_id})")
        return n

    cdef int64_t tag_type(self, uint32_t type_id) except? -2:
        """A tag's function type: -(type number + 1)."""
        return -(self.need(type_id) + 1)


cdef list types_in(StoreImage img):
    """The canonical id of each of the image's type numbers, in this process."""
    out = []
    for entry in img.types:
        if len(entry) == 3 and entry[0] == "func":      # made by the host (TypeNumbers.num)
            out.append(FuncTypeInfo(tuple([vt_in(t, out) for t in entry[1]]),
                                    tuple([vt_in(t, out) for t in entry[2]])).type_id)
            continue
        inst, k = entry
        if not 0 <= inst < len(img.plans) \
                or not 0 <= k < len((<ModulePlan>img.plans[inst]).type_ids):
            raise ValueError("malformed store image: type")
        out.append((<ModulePlan>img.plans[inst]).type_ids[k])
    return out


cdef vt_t vt_in(vt_t vt, list ids) except? 0xFFFFFFFF:
    """Inverse of `TypeNumbers.vt`."""
    if (vt & 0xFF) != HT_REC:
        return vt
    if vt_index(vt) >= <uint32_t>len(ids):
        raise ValueError("malformed store image: type number")
    return vt_concrete(<uint32_t>ids[vt_index(vt)], not (vt & VT_NONNULL))


cdef size_t object_body(const uint8_t* p, const GcLayout* lay, size_t* start,
                        uint32_t* length) noexcept:
    """The bytes of object `p` an image holds, from `start`: a struct's after its header,
    an array's elements (`length` of them; 0 for a struct)."""
    if lay.kind == TK_ARRAY:
        length[0] = (<const uint32_t*>(p + GC_ARRAY_LEN))[0]
        start[0] = GC_ARRAY_DATA
        return <size_t>length[0] * lay.fields[0].size
    length[0] = 0
    start[0] = sizeof(GcHeader)
    return lay.size - start[0]


cdef tuple object_out(uint8_t* p, TypeNumbers types, FuncNumbers numbers):
    """(IMG_OBJ, type number, length, bytes) of struct or array `p`: its bytes after the
    header (an array's: its elements), reference fields numbered (REF_ANY)."""
    cdef uint32_t type_id = (<GcHeader*>p).type_id
    cdef const GcLayout* lay = gc_layout(GC_LAYOUTS, type_id)
    cdef int64_t n = types.num(type_id)
    cdef uint32_t length = 0, i
    cdef size_t start, size
    cdef bytearray out
    cdef uint64_t* cells
    if n < 0:
        raise _errors.WasmtimeError(
            "cannot snapshot a GC object whose type no module of the Store defines "
            f"(canonical type {type_id})")
    size = object_body(p, lay, &start, &length)
    out = bytearray(PyBytes_FromStringAndSize(<const char*>(p + start), size))
    cells = <uint64_t*>(<char*>out)
    if lay.kind == TK_ARRAY:
        if lay.nrefs:
            for i in range(length):
                cells[i] = numbers.out(cells[i], REF_ANY)
    else:
        for i in range(lay.nrefs):
            cells[(lay.refs[i] - start) // 8] = numbers.out(
                cells[(lay.refs[i] - start) // 8], REF_ANY)
    return (IMG_OBJ, n, length, bytes(out))


cdef uint8_t* object_new(Ctx* cx, tuple entry, list ids) except NULL:
    """A new object for image entry `entry` (IMG_OBJ), its fields zero (`object_in` fills
    them)."""
    cdef const GcLayout* lay
    cdef uint8_t* p
    _, n, length, data = entry
    if not 0 <= n < len(ids):
        raise ValueError("malformed store image: type number")
    lay = gc_layout(GC_LAYOUTS, <uint32_t>ids[n])
    if lay == NULL:
        raise ValueError("malformed store image: not a struct or array type")
    p = gc_alloc(cx, lay, <uint32_t>length, NULL)
    if p == NULL:
        raise _Trap(TRAP_MESSAGES[cx.gc.trap], TRAP_CODES.get(cx.gc.trap))
    return p


cdef int object_in(uint8_t* p, bytes data, FuncRec** recs, uint32_t nf,
                   list objs) except -1:
    """Fill struct or array `p` from its image bytes (`object_out`)."""
    cdef const GcLayout* lay = gc_obj_layout(p)
    cdef uint32_t length = 0, i
    cdef size_t start, size
    cdef uint64_t* cells
    size = object_body(p, lay, &start, &length)
    if <size_t>PyBytes_GET_SIZE(data) != size:
        raise ValueError("malformed store image: object size")
    memcpy(p + start, PyBytes_AS_STRING(data), size)
    cells = <uint64_t*>(p + start)
    if lay.kind == TK_ARRAY:
        if lay.nrefs:
            for i in range(length):
                cells[i] = cell_in(cells[i], REF_ANY, recs, nf, objs)
    else:
        for i in range(lay.nrefs):
            cells[(lay.refs[i] - start) // 8] = cell_in(
                cells[(lay.refs[i] - start) // 8], REF_ANY, recs, nf, objs)
    return 0


cdef bytes payload_out(TagRec* tag, const uint64_t* cells, FuncNumbers numbers):
    """The payload `cells` of an exception of `tag` as packed uint64, references numbered
    (`FuncNumbers.out`)."""
    cdef bytearray out = bytearray(<size_t>tag.nslots * 8)
    cdef uint64_t* dst = <uint64_t*>(<char*>out)
    cdef uint32_t i, j = 0
    for i in range(tag.nparams):
        dst[j] = numbers.out(cells[j], ref_kind(tag.params[i]))
        if vt_slots(tag.params[i]) == 2:
            dst[j + 1] = cells[j + 1]
        j += vt_slots(tag.params[i])
    return bytes(out)


cdef int payload_in(bytes data, TagRec* tag, uint64_t* cells, FuncRec** recs, uint32_t nf,
                    list objs) except -1:
    """Inverse of `payload_out` into `cells`."""
    cdef const uint64_t* src = <const uint64_t*>PyBytes_AS_STRING(data)
    cdef uint32_t i, j = 0
    if <size_t>PyBytes_GET_SIZE(data) != <size_t>tag.nslots * 8:
        raise ValueError("malformed store image: exception payload")
    for i in range(tag.nparams):
        cells[j] = cell_in(src[j], ref_kind(tag.params[i]), recs, nf, objs)
        if vt_slots(tag.params[i]) == 2:
            cells[j + 1] = src[j + 1]
        j += vt_slots(tag.params[i])
    return 0


def restore_store(StoreImage img, StoreCtx store, list hosts, list memories,
                  StoreBase owner=None) -> AsyncCall:
    """Rebuild `img` in `store` (fresh: no instance, nothing running) and return its
    paused entry (`AsyncCall.redo_call` or `resume` continues it).  `hosts` holds the
    store's host FuncInstances, one per host function number (the API layer makes them
    from the original definitions); `memories` the MemoryInstances of the image's
    memories, already holding their contents (the API layer loads the saved images)."""
    cdef Ctx* cx = &store.cx
    cdef const uint32_t* q = <const uint32_t*>PyBytes_AS_STRING(img.recs)
    cdef const uint32_t* sr = <const uint32_t*>PyBytes_AS_STRING(img.stack_refs)
    cdef const uint32_t* so = <const uint32_t*>PyBytes_AS_STRING(img.stack_objs)
    cdef const uint32_t* fnum
    cdef uint32_t nslots = <uint32_t>(len(img.stack) // 8)
    cdef uint32_t depth = <uint32_t>(len(img.recs) // 16)
    cdef uint32_t nf = img.nhosts
    cdef uint32_t i, k, n
    cdef FuncRec** recs = NULL
    cdef InstanceCtx inst
    cdef ModulePlan plan
    cdef GlobalInstance g
    cdef TableInstance t
    cdef MemoryInstance m
    cdef InstCtx* ic
    cdef AsyncCall call
    cdef list insts = []
    cdef list gobjs = []
    cdef list tobjs = []
    cdef list tagobjs = []
    cdef TagInstance tag
    cdef uint8_t* p
    cdef list objs = []
    cdef list ids
    if img.plans is None or len(img.plans) != len(img.instances):
        raise _errors.WasmtimeError("the snapshot has no modules to restore")
    if cx.nest or cx.depth or any(type(o) is InstanceCtx for o in store.objects):
        raise _errors.WasmtimeError("a snapshot resumes in a fresh Store (no instance, no call)")
    if len(hosts) != img.nhosts or len(memories) != len(img.memories):
        raise ValueError("one host function per host number, one memory per memory expected")
    if nslots > <uint32_t>(cx.stack_end - cx.stack) or depth == 0 or depth > cx.max_depth:
        raise _errors.WasmtimeError("the snapshot's wasm stack does not fit this Store")
    for i in range(len(img.instances)):
        plan = <ModulePlan>img.plans[i]
        nf += plan.nfuncs - plan.nimp_funcs
    recs = <FuncRec**>malloc((nf + 1) * sizeof(FuncRec*))
    if recs == NULL:
        raise MemoryError()
    try:
        for i in range(img.nhosts):
            recs[i] = (<FuncInstance>hosts[i]).rec
        n = img.nhosts
        for i, entry in enumerate(img.instances):
            plan = <ModulePlan>img.plans[i]
            inst = InstanceCtx(store, plan.info)
            inst.name = entry[0]
            inst.plan = plan
            inst.alloc(plan.nfuncs, len(entry[2]), len(entry[3]), len(plan.type_ids),
                       len(plan.datas), len(entry[6]))
            instance_records(inst, plan)
            inst.keep.append(plan)
            for k in range(inst.ndefs):
                recs[n + k] = &inst.defs[k]
            n += inst.ndefs
            insts.append(inst)
        ids = types_in(img)
        for params, type_id in img.tags:
            tagobjs.append(store.new_tag(tuple([vt_in(vt, ids) for vt in params]),
                                         type_id if type_id >= 0 else ids[-type_id - 1]))
        # the GC heap's objects (allocated outside wasm: no collection until the guest
        # runs, when the globals, tables, segments and slots below refer to them)
        for entry in img.objects:
            if entry[0] == IMG_EXN:
                tag = <TagInstance>tagobjs[entry[1]]
                p = new_exn(cx, &tag.rec, NULL)
                if p == NULL:
                    raise _Trap(TRAP_MESSAGES[cx.gc.trap], TRAP_CODES.get(cx.gc.trap))
            elif entry[0] == IMG_OBJ:
                p = object_new(cx, entry, ids)
            else:
                raise ValueError("malformed store image: object kind")
            objs.append(<uint64_t>p)
        for k in range(len(objs)):
            if img.objects[k][0] == IMG_EXN:
                payload_in(img.objects[k][3], exn_tag(objs[k]), exn_cells(objs[k]), recs,
                           nf, objs)
            else:
                object_in(<uint8_t*><uint64_t>objs[k], img.objects[k][3], recs, nf, objs)
        for valtype, mutable, lo, hi in img.globals:
            g = GlobalInstance.__new__(GlobalInstance)
            g.store = store
            g.valtype = vt_in(<vt_t>valtype, ids)
            g.mutable = mutable
            g.cell[0] = cell_in(<uint64_t>lo, ref_kind(g.valtype), recs, nf, objs)
            g.cell[1] = <uint64_t>hi
            store.add_object(g)
            gobjs.append(g)
        for elem_type, tmax, cells, is_64 in img.tables:
            t = store.new_table(vt_in(<vt_t>elem_type, ids), 0, tmax, None, is_64)
            k = <uint32_t>(len(cells) // 8)
            if k:
                t.rec.elems = <uint64_t*>malloc(k * sizeof(uint64_t))
                if t.rec.elems == NULL:
                    raise MemoryError("cannot allocate a table")
                ref_cells_in(cells, t.rec.elems, k, t.rec.elem_type, recs, nf, objs)
                t.rec.size = k
            tobjs.append(t)
        for o in memories:
            store.objects.append(<MemoryInstance?>o)
        for i, entry in enumerate(img.instances):
            inst = <InstanceCtx>insts[i]
            plan = <ModulePlan>img.plans[i]
            ic = &inst.ctx
            _, funcs, globals_, tables, mems, datas, elems, exports, tags = entry
            if <size_t>len(funcs) != <size_t>ic.nfuncs * 4 \
                    or <size_t>len(datas) != <size_t>ic.ndatas * 4:
                raise ValueError("malformed store image: instance")
            fnum = <const uint32_t*>PyBytes_AS_STRING(funcs)
            for k in range(ic.nfuncs):
                ic.funcs[k] = rec_of(recs, nf, fnum[k])
            for k in range(ic.nglobals):
                g = <GlobalInstance>gobjs[globals_[k]]
                ic.globals[k] = &g.cell[0]
            for k in range(ic.ntables):
                t = <TableInstance>tobjs[tables[k]]
                ic.tables[k] = &t.rec
            inst.set_memories([memories[k] for k in mems])
            inst.set_tags([tagobjs[k] for k in tags])
            for k in range(ic.ntypes):
                ic.type_ids[k] = <uint32_t>plan.type_ids[k]
            data_lengths(ic, datas)
            for k in range(ic.nelems):
                n = <uint32_t>(len(elems[k]) // 8)
                ic.elems[k].refs = <uint64_t*>malloc((n + 1) * sizeof(uint64_t))
                if ic.elems[k].refs == NULL:
                    raise MemoryError("cannot allocate an element segment")
                ref_cells_in(elems[k], ic.elems[k].refs, n,
                             canonical_valtype(plan.info.elems[k].elem_type, plan.type_ids),
                             recs, nf, objs)
                ic.elems[k].len = n
            inst.keep.extend(gobjs)
            inst.keep.extend(tobjs)
            inst.keep.extend(memories)
            for name, kind, index in exports:
                if kind == 0:
                    inst.exports[name] = store.func_object(rec_of(recs, nf, index))
                elif kind == 1:
                    inst.exports[name] = tobjs[index]
                elif kind == 2:
                    inst.exports[name] = memories[index]
                elif kind == 4:
                    inst.exports[name] = tagobjs[index]
                else:
                    inst.exports[name] = gobjs[index]
        store.externs[:] = img.externs
        store.extern_ids.clear()
        for r, obj in enumerate(store.externs, 1):
            store.extern_ids[id(obj)] = r

        # the wasm call stack
        memcpy(cx.stack, PyBytes_AS_STRING(img.stack), nslots * sizeof(uint64_t))
        for k in range(<uint32_t>(len(img.stack_refs) // 8)):
            if sr[2 * k] >= nslots or sr[2 * k + 1] == 0:
                raise ValueError("malformed store image: stack reference")
            cx.stack[sr[2 * k]] = <uint64_t>rec_of(recs, nf, sr[2 * k + 1] - 1)
        for k in range(<uint32_t>(len(img.stack_objs) // 8)):
            if so[2 * k] >= nslots or so[2 * k + 1] >= <uint32_t>len(objs):
                raise ValueError("malformed store image: stack object reference")
            cx.stack[so[2 * k]] = <uint64_t>objs[so[2 * k + 1]]
        for k in range(depth):
            cx.recs[k].func = rec_of(recs, nf, q[4 * k + 3])
            if k == 0:
                cx.recs[k].ret_pc = &EXIT_CELL[0]
            else:
                cx.recs[k].ret_pc = code_at(cx.recs[k - 1].func, q[4 * k])
            cx.recs[k].fp = slot_at(cx, nslots, q[4 * k + 1])
            if q[4 * k + 2] == IMG_NONE:
                cx.recs[k].inst = &EMPTY_INST
            else:
                cx.recs[k].inst = &(<InstanceCtx>insts[q[4 * k + 2]]).ctx
        inst_i, resume_off, resume_fp, pause_func, pause_args, pause_top, top, entry = \
            img.state
        call = AsyncCall(store.func_object(rec_of(recs, nf, entry)), owner)
        call.resume_pc = code_at(cx.recs[depth - 1].func, resume_off)
        call.resume_fp = slot_at(cx, nslots, resume_fp)
        call.pause_func = NULL if pause_func < 0 else rec_of(recs, nf, pause_func)
        if call.pause_func != NULL and call.pause_func.code != NULL:
            raise ValueError("malformed store image: paused at a wasm function")
        call.pause_args = slot_at(cx, nslots, pause_args)
        call.pause_top = slot_at(cx, nslots, pause_top)
        cx.depth = depth
        cx.inst = &(<InstanceCtx>insts[inst_i]).ctx
        cx.top = slot_at(cx, nslots, top)
    finally:
        free(recs)
    call.enter_paused()
    return call


cdef int data_lengths(InstCtx* ic, bytes lengths) except -1:
    """Data segment k of `ic` (all its bytes: `instance_records`) keeps `lengths[k]` of
    them: as long, or 0 once dropped."""
    cdef const uint32_t* n = <const uint32_t*>PyBytes_AS_STRING(lengths)
    cdef uint32_t k
    for k in range(ic.ndatas):
        if n[k] < ic.datas[k].len:
            ic.datas[k].len = n[k]
    return 0


cdef inline FuncRec* rec_of(FuncRec** recs, uint32_t nf, uint64_t i) except NULL:
    if i >= nf:
        raise ValueError("malformed store image: function number")
    return recs[i]


cdef inline const Cell* code_at(FuncRec* f, size_t off) except NULL:
    if f.code == NULL or off >= f.code.ncells:
        raise ValueError("malformed store image: code offset")
    return f.code.code + off


cdef inline uint64_t* slot_at(Ctx* cx, uint32_t nslots, size_t off) except NULL:
    if off > nslots:
        raise ValueError("malformed store image: slot offset")
    return cx.stack + off
