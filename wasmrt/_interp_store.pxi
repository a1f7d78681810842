# The runtime objects (declared in _interp.pxd): store context, functions, globals,
# tables, instance contexts; and the Python -> wasm entry `FuncInstance.__call__`.


cdef inline double f32_widen(uint64_t b) noexcept nogil:
    """An f32 as a Python float; a NaN keeps sign, quiet bit and payload bit for bit
    (hardware conversion would quiet a signalling NaN)."""
    cdef uint64_t w
    if (b & 0x7F800000ULL) == 0x7F800000ULL and (b & 0x007FFFFFULL) != 0:
        w = ((b & 0x80000000ULL) << 32) | ((<uint64_t>0x7FF) << 52) | ((b & 0x007FFFFFULL) << 29)
        return f64_of(w)
    return <double>f32_of(b)


cdef inline uint64_t f32_narrow(double v) noexcept nogil:
    """Inverse of `f32_widen` (rounds non-NaN values to nearest f32)."""
    cdef uint64_t w
    if v != v:
        w = f64_bits(v)
        if (w >> 29) & 0x007FFFFFULL == 0:  # payload only in the dropped bits: keep it a NaN
            w |= (<uint64_t>1) << 51
        return ((w >> 32) & 0x80000000ULL) | 0x7F800000ULL | ((w >> 29) & 0x007FFFFFULL)
    return f32_bits(<float>v)


# The public `Val` class (`set_val_class`, called by wasmrt._api_func): a `Val` where a
# value is expected is unwrapped once its type is checked.
cdef object _ValClass = None

# Why a Store refuses a second thread (see FuncInstance.__call__ and StoreBase._context).
STORE_BUSY = ("store used from two threads at once: another thread is running WebAssembly "
              "in this Store (a Store belongs to one thread at a time)")


cdef object convert_error(object value, vt_t vt):
    """The TypeError for a Python value that is no value of wasm type `vt` (wasmtime-py's
    words)."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} object>"
    if len(text) > 80:
        text = text[:77] + "..."
    return TypeError(f"don't know how to convert {text} to {valtype_name(vt)}")


cdef object null_error(vt_t vt):
    """The TypeError for None where a non-null reference type `vt` is expected."""
    return TypeError(f"null reference where {valtype_name(vt)} is expected")


cdef object func_type_error(FuncInstance fi, vt_t vt):
    """The TypeError for a function of another type where `(ref $t)` is expected."""
    return TypeError(f"function of type {valtype_name(vt_concrete_of(fi.rec.type_id))} where "
                     f"{valtype_name(vt)} is expected")


cdef inline vt_t vt_concrete_of(uint32_t type_id) noexcept:
    return HT_CONCRETE | (type_id << 9) | VT_NONNULL


cdef bytes vt_array(tuple types):
    """`types` as a C array of vt_t (the memory of FuncRec.params/results)."""
    return array("I", types).tobytes()


cdef inline bint vt_is_gcref(vt_t vt) noexcept:
    """A reference into GC's any hierarchy: an abstract one or a defined struct or array
    type (whose values are GC objects, i31s or null)."""
    if (vt & 0xFF) == HT_CONCRETE:
        return (canon_info(CANON, vt_index(vt)) & 3) != TK_FUNC
    return vt_is_anyref(vt)


cdef object val_payload(object val, vt_t vt):
    """The Python value inside the public `Val` `val`, which must be of type `vt` (or, for
    a reference type, a reference of its hierarchy: the payload is checked afterwards)."""
    cdef vt_t kind = val._kind._code
    if kind != vt and not (vt_is_funcref(CANON, vt) and vt_is_funcref(CANON, kind)) \
            and not (vt_is_externref(vt) and vt_is_externref(kind)) \
            and not (vt_is_gcref(vt) and vt_is_gcref(kind)):
        raise TypeError("wrong type of `Val` provided")
    return val._val


cdef inline uint64_t int_cell(object value, vt_t vt,
                              uint64_t mask) except? 0xFFFFFFFFFFFFFFFF:
    """An int (a bool too) wrapped to the width of `mask`, as wasmtime-py converts them."""
    if not isinstance(value, int):
        raise convert_error(value, vt)
    try:
        return (<uint64_t>(<int64_t>value)) & mask
    except OverflowError:
        return (<uint64_t>(value & 0xFFFFFFFFFFFFFFFF)) & mask


cdef class StoreCtx:
    """The runtime side of a Store (see _interp.pxd): value stack, call records, fuel, and
    every object created in it.  `stack_slots`, `max_depth` and `max_nest` bound the wasm
    stack, the wasm call depth and Python->wasm re-entry."""

    def __cinit__(self, size_t stack_slots=DEF_STACK_SLOTS, uint32_t max_depth=DEF_MAX_DEPTH,
                  uint32_t max_nest=DEF_MAX_NEST):
        cdef void* p
        memset(&self.cx, 0, sizeof(Ctx))
        self.funcs = []
        self.objects = []
        self.externs = []
        self.extern_ids = {}
        self.pending_exc = None
        self.pending_call = None
        self.async_task = None
        self.paused = None
        self.yield_interval_ns = DEF_YIELD_NS
        # One lazily committed mapping holds the value stack, then the call records and
        # the host-call sites (a separate 1.6 MB malloc was a second mmap/munmap pair per
        # Store).
        cdef size_t slot_bytes = stack_slots * sizeof(uint64_t)
        cdef size_t rec_bytes = (<size_t>max_depth + 1) * sizeof(CallRec)
        self.stack_bytes = slot_bytes + rec_bytes + (<size_t>max_nest + 1) * sizeof(Cell*)
        p = wasmrt_vm_alloc(self.stack_bytes)
        if p == NULL:
            raise MemoryError("cannot allocate the wasm value stack")
        self.cx.stack = <uint64_t*>p
        self.cx.gc = gc_heap_new()
        if self.cx.gc == NULL:
            raise MemoryError("cannot allocate the GC heap")
        self.cx.stack_end = self.cx.stack + stack_slots
        self.cx.top = self.cx.stack
        self.cx.recs = <CallRec*>(<char*>p + slot_bytes)
        self.cx.host_pcs = <const Cell**>(<char*>p + slot_bytes + rec_bytes)
        self.cx.max_depth = max_depth
        self.cx.max_nest = max_nest
        self.cx.inst = &EMPTY_INST
        self.private_epoch = 0
        self.cx.epoch_counter = &self.private_epoch
        self.cx.epoch_deadline = 0xFFFFFFFFFFFFFFFFULL
        self.cx.store = <void*>self
        self.cx.attend = <void*>h_attend
        self.cx.host_call = <void*>h_call_host
        self.cx.attn_seen = wasmrt_attn
        wasmrt_hook_sigint()        # again: signal.signal() or asyncio may have replaced it

    def __dealloc__(self):
        gc_heap_free(self.cx.gc)
        self.cx.gc = NULL
        if self.cx.stack != NULL:
            wasmrt_vm_free(self.cx.stack, self.stack_bytes)
            self.cx.stack = NULL
        self.cx.recs = NULL
        self.cx.host_pcs = NULL

    @property
    def release_gil(self) -> bool:
        """Whether calls into wasm run without the GIL (``Config.release_gil``)."""
        return self.cx.release_gil != 0

    @release_gil.setter
    def release_gil(self, bint on) -> None:
        self.cx.release_gil = on

    @property
    def can_pause(self) -> bool:
        """Whether a host call made now may pause the guest: the innermost entry into
        wasm is a `call_async` one (an async host function returning a coroutine is then
        awaited; otherwise it is refused)."""
        return self.cx.async_nest != 0 and self.cx.async_nest == self.cx.nest

    # ---- fuel and epochs ----

    def set_fuel(self, fuel: int) -> None:
        """Enable fuel metering with `fuel` units (one per function entry / loop iteration)."""
        if fuel < 0:
            raise ValueError("fuel must be non-negative")
        self.cx.fuel_enabled = 1
        self.cx.fuel = fuel
        self.cx.budget = 0
        self.cx.budget_start = 0

    def get_fuel(self) -> int:
        """Fuel left (0 when metering is off)."""
        if not self.cx.fuel_enabled:
            return 0
        return self.cx.fuel - (self.cx.budget_start - self.cx.budget)

    def set_epoch_deadline(self, deadline: int) -> None:
        """Trap with "interrupt" once the epoch counter reaches `deadline`."""
        self.cx.epoch_enabled = 1
        self.cx.epoch_deadline = deadline
        self.cx.budget = 0

    def increment_epoch(self) -> None:
        """Advance this store's private epoch counter (engines may share their own)."""
        self.cx.epoch_counter[0] += 1

    @property
    def max_depth(self) -> int:
        """The wasm call depth limit."""
        return self.cx.max_depth

    # ---- references ----

    cdef uint64_t extern_ref(self, object obj) except? 0:
        """The externref cell of `obj` (0 for None), interning it in `externs`: a host
        object's cell is ``index << 2 | 2`` (see "The GC heap" in ARCHITECTURE.md)."""
        if obj is None:
            return 0
        key = id(obj)
        r = self.extern_ids.get(key)
        if r is not None:
            return <uint64_t>r
        r = len(self.externs) << 2 | 2
        self.externs.append(obj)
        self.extern_ids[key] = r
        return <uint64_t>r

    cdef object extern_obj(self, uint64_t ref):
        """The value of externref cell `ref`: None for null, the host object, or the
        anyref an ``extern.convert_any`` put there (as ``from_cell`` gives an anyref).
        Checked: the module runs without bounds checks, and a cell left stale by a bug
        must not read past the list."""
        if ref == 0:
            return None
        if (ref & 3) != 2:
            return self.from_cell(ref, HT_ANY)
        if (ref >> 2) >= <uint64_t>len(self.externs):
            raise RuntimeError(f"internal error: externref {ref} is not in the store")
        return self.externs[ref >> 2]

    cdef uint64_t to_cell(self, object value, vt_t vt) except? 0xFFFFFFFFFFFFFFFF:
        """Unbox a Python value of wasm type `vt` into a slot cell (TypeError if it isn't one:
        also None for a non-null reference type, and a function of another type where a
        defined function type is expected).  References of the any hierarchy: None, an int
        in i31 range (an i31), an ``AnyRef`` of this Store whose type fits (``gc_ref_cell``),
        or, for ``anyref`` itself, any other Python object but a function or exception: a
        host object, as ``any.convert_extern`` makes one."""
        cdef FuncInstance fi
        if type(value) is _ValClass:
            value = val_payload(value, vt)
        if vt == VT_I32:
            return int_cell(value, vt, 0xFFFFFFFFULL)
        if vt == VT_I64:
            return int_cell(value, vt, 0xFFFFFFFFFFFFFFFFULL)
        if vt == VT_F32 or vt == VT_F64:
            # an int is a float here, as for Python's float(), struct and ctypes (wasmtime-py
            # takes floats only; this accepts a superset of what it accepts)
            if not isinstance(value, float):
                if not isinstance(value, int):
                    raise convert_error(value, vt)
                value = float(value)
            return f32_narrow(<double>value) if vt == VT_F32 else f64_bits(<double>value)
        if vt_is_gcref(vt):
            if value is None:
                if vt & VT_NONNULL:
                    raise null_error(vt)
                return 0
            if isinstance(value, AnyRef):
                return gc_ref_cell(self, <AnyRef>value, vt)
            if isinstance(value, int) and not isinstance(value, bool) \
                    and HT_I31 <= (vt & 0xFF) <= HT_ANY and -(1 << 30) <= value < (1 << 31):
                return (<uint32_t>(<int64_t>value) << 1 | 1) & 0xFFFFFFFFULL  # an i31
            if (vt & 0xFF) == HT_ANY and not isinstance(value, (int, ExnRef, FuncInstance)) \
                    and getattr(value, "_func", None) is None:
                return self.extern_ref(value)   # a host object, as any.convert_extern has it
            raise convert_error(value, vt)
        if vt_is_funcref(CANON, vt):
            if value is None:
                if vt & VT_NONNULL:
                    raise null_error(vt)
                return 0
            if not isinstance(value, FuncInstance):
                value = getattr(value, "_func", value)
            if not isinstance(value, FuncInstance) or (vt & 0xFF) == HT_NOFUNC:
                raise convert_error(value, vt)
            fi = <FuncInstance>value
            if fi.store is not self:
                raise ValueError("function belongs to another store")
            if (vt & 0xFF) == HT_CONCRETE and not canon_sub(CANON, fi.rec.type_id, vt_index(vt)):
                raise func_type_error(fi, vt)
            return <uint64_t>fi.rec
        if vt_is_externref(vt):
            if value is None:
                if vt & VT_NONNULL:
                    raise null_error(vt)
                return 0
            if (vt & 0xFF) == HT_NOEXTERN:
                raise convert_error(value, vt)
            if isinstance(value, AnyRef):       # an anyref as externref (extern.convert_any)
                return gc_ref_cell(self, <AnyRef>value, vt)
            return self.extern_ref(value)
        if (vt & 0xFF) == HT_EXN or (vt & 0xFF) == HT_NOEXN:
            if value is None:
                if vt & VT_NONNULL:
                    raise null_error(vt)
                return 0
            if not isinstance(value, ExnRef) or (vt & 0xFF) == HT_NOEXN:
                raise convert_error(value, vt)
            if (<ExnRef>value).store is not self:
                raise ValueError("exception belongs to another store")
            return (<ExnRef>value).ref
        raise TypeError(f"unsupported value type {valtype_name(vt)}")

    cdef object from_cell(self, uint64_t v, vt_t vt):
        """Box a slot cell of wasm type `vt` into a Python value."""
        cdef FuncInstance fi
        if vt == VT_I32:
            return <int32_t>v
        if vt == VT_I64:
            return <int64_t>v
        if vt == VT_F32:
            return f32_widen(v)
        if vt == VT_F64:
            return f64_of(v)
        if vt_is_gcref(vt):
            if v == 0:
                return None
            if v & 1:                                   # an i31: its signed value
                return <int32_t>(<uint32_t>v) >> 1
            if (v & 3) == 2:                            # a host object (any.convert_extern)
                return self.extern_obj(v)
            return gc_ref_new(self, <uint8_t*>v)       # a struct or array
        if vt_is_funcref(CANON, vt):
            if v == 0:
                return None
            fi = self.func_object(<FuncRec*>v)
            return fi.wrapper if fi.wrapper is not None else fi
        if vt_is_externref(vt):
            return self.extern_obj(v)
        if (vt & 0xFF) == HT_EXN or (vt & 0xFF) == HT_NOEXN:
            return None if v == 0 else ExnRef(self, v)
        raise TypeError(f"unsupported value type {valtype_name(vt)}")

    cdef int to_cells(self, object value, vt_t vt, uint64_t* dst) except -1:
        """Unbox `value` into the cell(s) at `dst`: two for a v128 (an int, masked to 128
        bits, or 16 little-endian bytes), one otherwise.  Returns the number of cells."""
        if vt != VT_V128:
            dst[0] = self.to_cell(value, vt)
            return 1
        if type(value) is _ValClass:
            value = val_payload(value, vt)
        if isinstance(value, (bytes, bytearray, memoryview)):
            if len(value) != 16:
                raise TypeError(f"expected 16 bytes for a v128, got {len(value)}")
            value = int.from_bytes(value, "little")
        elif not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"expected an int or 16 bytes for a v128, got {type(value).__name__}")
        value &= (1 << 128) - 1
        dst[0] = <uint64_t>(value & 0xFFFFFFFFFFFFFFFF)
        dst[1] = <uint64_t>(value >> 64)
        return 2

    cdef object from_cells(self, const uint64_t* src, vt_t vt):
        """Box the cell(s) at `src` of type `vt`; a v128 becomes an unsigned 128-bit int."""
        if vt == VT_V128:
            return (<object>src[1] << 64) | <object>src[0]
        return self.from_cell(src[0], vt)

    def value_to_cell(self, value, vt_t vt) -> int:
        """Python-level `to_cell` (for instantiation code and tests)."""
        return self.to_cell(value, vt)

    def cell_to_value(self, uint64_t v, vt_t vt):
        """Python-level `from_cell`."""
        return self.from_cell(v, vt)

    # ---- object creation ----

    def new_host_func(self, host, params, results, int type_id, bint access_caller=False):
        """A host function calling `host(*args)` (with the calling InstanceCtx first when
        `access_caller`); `params`/`results` are sequences of canonical value types."""
        cdef FuncInstance fi = FuncInstance.__new__(FuncInstance)
        if not callable(host):
            raise TypeError("host function must be callable")
        fi.store = self
        fi.rec = &fi.own
        fi.set_types(tuple(params), tuple(results), vt_array(tuple(params) + tuple(results)))
        fi.host = host
        fi.instance = None
        fi.rec.code = NULL
        fi.rec.inst = NULL
        fi.rec.type_id = <uint32_t>type_id
        fi.rec.host = <void*>host
        fi.rec.access_caller = access_caller
        fi.rec.owner = <void*>fi
        self.funcs.append(fi)
        return fi

    cdef FuncInstance func_object(self, FuncRec* f):
        """The FuncInstance of record `f` (a function of this store), made on first use
        for a function defined by an instance (`InstanceCtx.defs`)."""
        cdef FuncInstance fi
        cdef InstanceCtx inst
        if f.owner != NULL:
            return <FuncInstance>f.owner
        inst = <InstanceCtx>f.inst.owner
        fi = FuncInstance.__new__(FuncInstance)
        fi.rec = f
        fi.store = self
        fi.params = tuple([f.params[i] for i in range(f.nparams)])
        fi.results = tuple([f.results[i] for i in range(f.nresults)])
        fi.host = None
        fi.instance = inst
        f.owner = <void*>fi
        self.funcs.append(fi)       # (keeps it alive: records point to it, borrowed)
        return fi

    cdef FuncInstance new_wasm_func(self, InstanceCtx inst, FuncCode* code, tuple params,
                                    tuple results, bytes types, int type_id):
        """A wasm function running `code` in `inst` (threads the code on first use);
        `params`/`results`: canonical value types, `types`: both as a vt_t array."""
        cdef FuncInstance fi = FuncInstance.__new__(FuncInstance)
        if thread_code(code) != 0:
            raise RuntimeError("internal error: malformed lowered code")
        fi.store = self
        fi.rec = &fi.own
        fi.set_types(params, results, types)
        fi.host = None
        fi.instance = inst
        fi.rec.code = code
        fi.rec.inst = &inst.ctx
        fi.rec.type_id = <uint32_t>type_id
        fi.rec.host = NULL
        fi.rec.access_caller = 0
        fi.rec.owner = <void*>fi
        self.funcs.append(fi)
        return fi

    def new_tag(self, tuple params, uint32_t type_id):
        """An exception tag whose payload has the (canonical) value types `params`;
        `type_id`: the canonical id of its function type."""
        cdef TagInstance t = TagInstance.__new__(TagInstance)
        cdef uint32_t n = 0
        t.store = self
        t.params = params
        t.types = vt_array(params)
        t.rec.type_id = type_id
        t.rec.nparams = <uint32_t>len(params)
        t.rec.params = <const vt_t*>(<char*>t.types)
        for vt in params:
            n += vt_slots(vt)
        t.rec.nslots = n
        t.rec.owner = <void*>t
        t.refs = bytes(4 * len(params) + 4)
        gc_tag_layout(&t.rec, <uint32_t*>PyBytes_AS_STRING(t.refs))
        self.objects.append(t)
        return t

    cdef TagRec* exn_of(self, uint64_t ref) except NULL:
        """The tag of exnref `ref`, which must name a live exception of this store."""
        cdef uint8_t* p = gc_object_at(self.cx.gc, ref)
        if p == NULL or (<GcHeader*>p).type_id != GC_EXN:
            raise ValueError("not an exception of this store")
        return exn_tag(ref)

    def exception(self, uint64_t ref):
        """The exception of exnref `ref` (nonzero): (its TagInstance, its payload as
        Python values)."""
        cdef TagRec* tag = self.exn_of(ref)
        cdef uint64_t* cells = exn_cells(ref)
        cdef uint32_t i, j = 0
        values = []
        for i in range(tag.nparams):
            values.append(self.from_cells(cells + j, tag.params[i]))
            j += vt_slots(tag.params[i])
        return <object>tag.owner, values

    def new_exception(self, TagInstance tag, values) -> ExnRef:
        """A new exception of `tag` with the payload `values` (Python values), held by the
        returned ExnRef (the heap may collect it once no ExnRef or wasm value refers to
        it)."""
        cdef uint8_t* p
        cdef ExnRef ref
        cdef uint32_t i, j = 0
        if tag.store is not self:
            raise ValueError("the tag belongs to another store")
        values = list(values)
        if len(values) != tag.rec.nparams:
            raise TypeError("the tag's payload has %d values, %d given"
                            % (tag.rec.nparams, len(values)))
        p = new_exn(&self.cx, &tag.rec, NULL)      # (outside wasm: never collects)
        if p == NULL:
            raise _Trap(TRAP_MESSAGES[self.cx.gc.trap], TRAP_CODES.get(self.cx.gc.trap))
        ref = ExnRef(self, <uint64_t>p)
        for i in range(tag.rec.nparams):
            j += self.to_cells(values[i], tag.rec.params[i], exn_cells(ref.ref) + j)
        return ref

    def new_global(self, vt_t valtype, bint mutable, value=None):
        """A global of (canonical) type `valtype` holding `value` (a Python value; None =
        zero/null)."""
        cdef GlobalInstance g = GlobalInstance.__new__(GlobalInstance)
        g.store = self
        g.valtype = valtype
        g.mutable = mutable
        g.cell[0] = 0
        g.cell[1] = 0
        if value is not None:
            self.to_cells(value, g.valtype, g.cell)
        self.add_object(g)
        return g

    def new_table(self, vt_t elem_type, uint32_t size, object max_size=None, init=None,
                  bint is_64=False):
        """A table of `size` references of (canonical) type `elem_type` (`init`, a Python
        value, or null) growing to `max_size`; `is_64`: a table64 (its maximum may be any
        u64: the runtime's sizes stay below 2**32)."""
        cdef TableInstance t = TableInstance.__new__(TableInstance)
        cdef uint64_t v = 0
        cdef uint32_t i
        t.store = self
        t.is_64 = is_64
        t.rec.elem_type = elem_type
        if max_size is not None and max_size >= 0xFFFFFFFF:
            t.wide_max = max_size
            max_size = None
        t.rec.max = 0xFFFFFFFFULL if max_size is None else <uint32_t>max_size
        t.rec.size = 0
        t.rec.elems = NULL
        if init is not None:
            v = self.to_cell(init, t.rec.elem_type)
        if size:
            t.rec.elems = <uint64_t*>malloc(size * sizeof(uint64_t))
            if t.rec.elems == NULL:
                raise out_of_memory(size * sizeof(uint64_t))
            for i in range(size):
                t.rec.elems[i] = v
            t.rec.size = size
        self.add_object(t)
        return t

    cdef int add_object(self, object obj) except -1:
        """Keep a table, global, memory or instance made in this store for its life; a
        table or global that may hold GC objects, and an instance's element segments, are
        roots of the GC heap from now on."""
        cdef GlobalInstance g
        cdef TableInstance t
        self.objects.append(obj)
        if type(obj) is GlobalInstance:
            g = <GlobalInstance>obj
            if vt_may_hold_object(g.valtype):
                gc_add_root(self.cx.gc, GC_ROOT_CELL, &g.cell[0])
        elif type(obj) is TableInstance:
            t = <TableInstance>obj
            if vt_may_hold_object(t.rec.elem_type):
                gc_add_root(self.cx.gc, GC_ROOT_TABLE, &t.rec)
        elif type(obj) is InstanceCtx:
            gc_add_root(self.cx.gc, GC_ROOT_INST, &(<InstanceCtx>obj).ctx)
        return 0

    def new_memory(self, uint64_t min_pages, object max_pages=None, bint is_64=False,
                   uint32_t page_size_log2=16, bint shared=False):
        """A linear memory of `min_pages` pages (see _memory.MemoryInstance)."""
        m = MemoryInstance(min_pages, max_pages, True, is_64, page_size_log2, shared)
        self.objects.append(m)
        return m

    cdef void restore(self, uint32_t depth0, InstCtx* inst0, uint64_t* top0) noexcept:
        self.cx.depth = depth0
        self.cx.inst = inst0
        self.cx.top = top0


cdef inline bint enter_check(FuncRec* f, Ctx* cx, tuple args, Py_ssize_t first) except -1:
    """The checks of a Python->wasm entry of `f` on ``args[first:]``: argument count,
    thread (the store's owner while an entry is active; else this one becomes it), room
    on the value stack and the re-entry cap.  True for a host function (no entry)."""
    cdef uint32_t n = f.nparams
    cdef uint32_t nr = f.nresults
    if <uint32_t>(PyTuple_GET_SIZE(args) - first) != n:
        raise TypeError(f"expected {n} arguments, got {len(args) - first}")
    if cx.nest == 0:
        cx.owner_thread = PyThread_get_thread_ident()
    elif cx.owner_thread != PyThread_get_thread_ident():
        # a host call let another thread in: running here would interleave two call
        # stacks on one value stack
        raise _errors.WasmtimeError(STORE_BUSY)
    if f.code == NULL:
        return True
    if cx.top + 2 * (n if n > nr else nr) > cx.stack_end or cx.nest >= cx.max_nest:
        raise _Trap(TRAP_MESSAGES[TRAP_STACK_EXHAUSTED], _TrapCode.STACK_OVERFLOW)
    return False


cdef inline int load_args(FuncRec* f, StoreCtx store, uint64_t* fp, tuple args,
                          Py_ssize_t first) except -1:
    """Unbox ``args[first:]`` into the parameter slots at `fp` (a v128 takes two)."""
    cdef uint32_t i
    cdef uint32_t j = 0
    cdef vt_t t
    cdef long long x
    cdef int ovf
    for i in range(f.nparams):
        t = f.params[i]
        a = <object>PyTuple_GET_ITEM(args, first + i)
        if (t == VT_I32 or t == VT_I64) and PyLong_CheckExact(a):  # fast path: exact ints
            x = PyLong_AsLongLongAndOverflow(a, &ovf)
            if ovf == 0:
                fp[j] = (<uint64_t>x) & 0xFFFFFFFFULL if t == VT_I32 else <uint64_t>x
                j += 1
                continue
        elif t == VT_F64 and PyFloat_CheckExact(a):
            fp[j] = f64_bits(PyFloat_AS_DOUBLE(a))
            j += 1
            continue
        if t != VT_V128:
            fp[j] = store.to_cell(a, t)
            j += 1
        else:
            j += store.to_cells(a, t, fp + j)
    return 0


cdef inline object box_results(FuncRec* f, StoreCtx store, uint64_t* fp):
    """The results at `fp` as a call returns them: None, one value, or a list."""
    cdef uint32_t i
    cdef uint32_t j = 0
    cdef uint32_t nr = f.nresults
    cdef vt_t t
    if nr == 1:
        t = f.results[0]
        if t == VT_I32:
            return <int32_t>fp[0]
        if t == VT_I64:
            return <int64_t>fp[0]
        if t == VT_F64:
            return f64_of(fp[0])
        return store.from_cells(fp, t)
    if nr == 0:
        return None
    out = []
    for i in range(nr):
        t = f.results[i]
        out.append(store.from_cells(fp + j, t))
        j += 2 if t == VT_V128 else 1
    return out


cdef class FuncInstance:
    """A function in a store.  Calling it runs it: ``fi(*args)`` takes Python values of its
    parameter types and returns None, one value, or a list for several results."""

    def __call__(self, *args):
        return self.call(args, 0)

    cdef object call(self, tuple args, Py_ssize_t first):
        """Run the function on the Python values ``args[first:]`` (what ``__call__`` does,
        reached from C by the public Func without a second Python call or a new tuple)."""
        cdef StoreCtx store = self.store
        cdef Ctx* cx = &store.cx
        cdef uint64_t* fp = cx.top
        cdef uint32_t depth0 = cx.depth
        cdef InstCtx* inst0 = cx.inst
        cdef FuncRec* f = self.rec
        cdef int rc, gil0
        if enter_check(f, cx, args, first):     # a host function called from Python
            return call_host_py(self, args[first:])
        load_args(f, store, fp, args, first)
        gil0 = cx.gil_held
        cx.nest += 1
        if cx.release_gil:      # other threads run meanwhile (host calls take it back)
            cx.gil_held = 0
            with nogil:
                rc = invoke(cx, f, fp)
        else:
            cx.gil_held = 1
            rc = invoke(cx, f, fp)
        cx.nest -= 1
        cx.gil_held = gil0
        if rc != TRAP_NONE:
            exc = build_trap(store, rc, depth0)
            store.restore(depth0, inst0, fp)
            raise exc
        cx.inst = inst0
        return box_results(f, store, fp)

    cdef void set_types(self, tuple params, tuple results, bytes types):
        """Set the function's value types; `types` holds them as a vt_t array."""
        self.params = params
        self.results = results
        self.types = types
        self.rec.nparams = len(params)
        self.rec.nresults = len(results)
        self.rec.params = <const vt_t*>(<char*>types)
        self.rec.results = self.rec.params + len(params)

    @property
    def is_host(self) -> bool:
        """True for a host (Python) function."""
        return self.rec.code == NULL

    @property
    def type_id(self) -> int:
        """Canonical type id of the function's signature."""
        return self.rec.type_id

    @property
    def func_index(self) -> int:
        """Index of a wasm function in its module (-1 for host functions)."""
        return -1 if self.rec.code == NULL else self.rec.code.func_index


cdef class ExnRef:
    """A reference to a wasm exception (an ``exnref`` value) of a store: the exception
    stays alive (pinned in the store's GC heap) while this object lives."""
    cdef readonly StoreCtx store
    cdef readonly uint64_t ref

    def __init__(self, StoreCtx store, uint64_t ref):
        store.exn_of(ref)
        gc_pin(store.cx.gc, <uint8_t*>ref)
        self.store = store
        self.ref = ref

    def __dealloc__(self):
        if self.store is not None and self.store.cx.gc != NULL:
            gc_release(&self.store.cx, <uint8_t*>self.ref)

    def exception(self):
        """(its TagInstance, its payload as Python values)."""
        return self.store.exception(self.ref)

    def __eq__(self, other):
        return isinstance(other, ExnRef) and (<ExnRef>other).store is self.store \
            and (<ExnRef>other).ref == self.ref

    def __hash__(self):
        return hash((id(self.store), self.ref))


cdef class TagInstance:
    """An exception tag: `params`, the payload's value types; compared by identity."""

    @property
    def type_id(self) -> int:
        """The canonical id of its function type."""
        return self.rec.type_id


cdef class GlobalInstance:
    """A global variable: `valtype`, `mutable`, and `value` (get/set as a Python value)."""

    @property
    def value(self):
        return self.store.from_cells(self.cell, self.valtype)

    @value.setter
    def value(self, v) -> None:
        self.store.to_cells(v, self.valtype, self.cell)

    @property
    def raw(self) -> int:
        """The value cell's bits (a v128: both cells, as an unsigned 128-bit int)."""
        if self.valtype == VT_V128:
            return (<object>self.cell[1] << 64) | <object>self.cell[0]
        return self.cell[0]

    @raw.setter
    def raw(self, bits) -> None:
        if self.valtype == VT_V128:
            self.store.to_cells(bits, VT_V128, self.cell)
        else:
            self.cell[0] = <uint64_t>bits


cdef class TableInstance:
    """A table of references (funcref or externref)."""

    def __dealloc__(self):
        free(self.rec.elems)
        self.rec.elems = NULL

    @property
    def elem_type(self) -> int:
        return self.rec.elem_type

    @property
    def size(self) -> int:
        return self.rec.size

    @property
    def max(self):
        """Declared maximum or None."""
        if self.wide_max is not None and self.rec.max == 0xFFFFFFFFULL:
            return self.wide_max
        return None if self.rec.max == 0xFFFFFFFFULL else self.rec.max

    def get(self, uint32_t index):
        """Element `index` as a Python value (IndexError when out of bounds)."""
        if index >= self.rec.size:
            raise IndexError("out of bounds table access")
        return self.store.from_cell(self.rec.elems[index], self.rec.elem_type)

    def set(self, uint32_t index, value) -> None:
        """Set element `index` (IndexError when out of bounds, TypeError for a wrong value)."""
        if index >= self.rec.size:
            raise IndexError("out of bounds table access")
        self.rec.elems[index] = self.store.to_cell(value, self.rec.elem_type)

    def get_raw(self, uint32_t index) -> int:
        if index >= self.rec.size:
            raise IndexError("out of bounds table access")
        return self.rec.elems[index]

    def set_raw(self, uint32_t index, uint64_t cell) -> None:
        if index >= self.rec.size:
            raise IndexError("out of bounds table access")
        self.rec.elems[index] = cell

    def grow(self, uint32_t delta, init=None) -> int:
        """Grow by `delta` elements set to `init`; old size, or -1 if it cannot grow."""
        cdef uint64_t v = self.store.to_cell(init, self.rec.elem_type)
        return table_grow(&self.rec, delta, v)


cdef class InstanceCtx:
    """The runtime side of an instance (see _interp.pxd for what instantiation fills in)."""

    def __cinit__(self, StoreCtx store, object module=None):
        memset(&self.ctx, 0, sizeof(InstCtx))
        self.defs = NULL
        self.ndefs = 0
        self.ctx.mem = &EMPTY_MEM
        self.ctx.owner = <void*>self
        self.store = store
        self.module = module
        self.name = None
        self.keep = []
        self.exports = {}
        store.add_object(self)

    def __dealloc__(self):
        cdef uint32_t i
        free(self.defs)
        free(self.ctx.funcs)
        free(self.ctx.globals)
        free(self.ctx.tables)
        free(self.ctx.type_ids)
        free(self.ctx.mems)
        free(self.ctx.tags)
        free(self.ctx.datas)
        if self.ctx.elems != NULL:
            for i in range(self.ctx.nelems):
                free(self.ctx.elems[i].refs)
        free(self.ctx.elems)

    def alloc(self, uint32_t nfuncs, uint32_t nglobals, uint32_t ntables, uint32_t ntypes,
              uint32_t ndatas, uint32_t nelems) -> None:
        """Allocate the index-space arrays (zeroed); call once, before filling them."""
        if self.ctx.funcs != NULL or self.ctx.globals != NULL:
            raise RuntimeError("instance context already allocated")
        self.ctx.funcs = <FuncRec**>calloc(nfuncs + 1, sizeof(FuncRec*))
        self.ctx.globals = <uint64_t**>calloc(nglobals + 1, sizeof(uint64_t*))
        self.ctx.tables = <TableRec**>calloc(ntables + 1, sizeof(TableRec*))
        self.ctx.type_ids = <uint32_t*>calloc(ntypes + 1, sizeof(uint32_t))
        self.ctx.datas = <DataRec*>calloc(ndatas + 1, sizeof(DataRec))
        self.ctx.elems = <ElemRec*>calloc(nelems + 1, sizeof(ElemRec))
        if (self.ctx.funcs == NULL or self.ctx.globals == NULL or self.ctx.tables == NULL
                or self.ctx.type_ids == NULL or self.ctx.datas == NULL or self.ctx.elems == NULL):
            raise MemoryError("cannot allocate the instance")
        self.ctx.nfuncs = nfuncs
        self.ctx.nglobals = nglobals
        self.ctx.ntables = ntables
        self.ctx.ntypes = ntypes
        self.ctx.ndatas = ndatas
        self.ctx.nelems = nelems

    def set_tags(self, list tags) -> None:
        """The tag index space: `tags` (TagInstances, imported first)."""
        cdef uint32_t i
        cdef TagInstance t
        free(self.ctx.tags)
        self.ctx.tags = <TagRec**>calloc(len(tags) + 1, sizeof(TagRec*))
        if self.ctx.tags == NULL:
            raise MemoryError("cannot allocate the instance")
        for i in range(len(tags)):
            t = <TagInstance>tags[i]
            self.ctx.tags[i] = &t.rec
        self.ctx.ntags = len(tags)
        self.keep.extend(tags)

    def set_func(self, uint32_t i, FuncInstance f) -> None:
        """Function i of the index space is `f` (imported or defined)."""
        if i >= self.ctx.nfuncs:
            raise IndexError("function index out of range")
        self.ctx.funcs[i] = f.rec
        self.keep.append(f)

    def set_global(self, uint32_t i, GlobalInstance g) -> None:
        if i >= self.ctx.nglobals:
            raise IndexError("global index out of range")
        self.ctx.globals[i] = &g.cell[0]
        self.keep.append(g)

    def set_table(self, uint32_t i, TableInstance t) -> None:
        if i >= self.ctx.ntables:
            raise IndexError("table index out of range")
        self.ctx.tables[i] = &t.rec
        self.keep.append(t)

    def set_memories(self, list memories) -> None:
        """The memory index space: `memories` (MemoryInstance objects, imports first);
        memory 0 is also `ctx.mem`, the one the interpreter keeps in registers."""
        cdef uint32_t i, n = len(memories)
        cdef MemRec** mems
        if n == 0:
            return
        mems = <MemRec**>calloc(n, sizeof(MemRec*))
        if mems == NULL:
            raise MemoryError("cannot allocate the instance")
        for i in range(n):
            mems[i] = &(<MemoryInstance>memories[i]).rec
        free(self.ctx.mems)
        self.ctx.mems = mems
        self.ctx.nmems = n
        self.ctx.mem = mems[0]
        self.keep.extend(memories)

    def set_memory(self, MemoryInstance m) -> None:
        """A single memory: memory 0 is `m`."""
        self.set_memories([m])

    def set_type_id(self, uint32_t i, uint32_t type_id) -> None:
        if i >= self.ctx.ntypes:
            raise IndexError("type index out of range")
        self.ctx.type_ids[i] = type_id

    def set_data(self, uint32_t i, bytes data) -> None:
        """Data segment i holds `data` (kept alive here)."""
        if i >= self.ctx.ndatas:
            raise IndexError("data index out of range")
        self.ctx.datas[i].bytes = <const uint8_t*>(<char*>data)
        self.ctx.datas[i].len = <uint32_t>len(data)
        self.keep.append(data)

    def drop_data(self, uint32_t i) -> None:
        if i >= self.ctx.ndatas:
            raise IndexError("data index out of range")
        self.ctx.datas[i].len = 0

    def set_elem(self, uint32_t i, cells) -> None:
        """Element segment i holds the reference cells `cells` (ints from `value_to_cell`)."""
        cdef uint32_t n = len(cells)
        cdef uint32_t k
        cdef uint64_t* refs
        if i >= self.ctx.nelems:
            raise IndexError("element index out of range")
        refs = <uint64_t*>malloc((n + 1) * sizeof(uint64_t))
        if refs == NULL:
            raise MemoryError("cannot allocate the element segment")
        for k in range(n):
            refs[k] = <uint64_t>cells[k]
        free(self.ctx.elems[i].refs)
        self.ctx.elems[i].refs = refs
        self.ctx.elems[i].len = n

    def drop_elem(self, uint32_t i) -> None:
        if i >= self.ctx.nelems:
            raise IndexError("element index out of range")
        self.ctx.elems[i].len = 0

    def func(self, uint32_t i) -> FuncInstance:
        """The FuncInstance of function i."""
        if i >= self.ctx.nfuncs or self.ctx.funcs[i] == NULL:
            raise IndexError("function index out of range")
        return self.store.func_object(self.ctx.funcs[i])

    def func_cell(self, uint32_t i) -> int:
        """The funcref cell of function i (for element segments and ref.func globals)."""
        if i >= self.ctx.nfuncs or self.ctx.funcs[i] == NULL:
            raise IndexError("function index out of range")
        return <uint64_t>self.ctx.funcs[i]

    def global_cell(self, uint32_t i) -> int:
        """The value bits of global i (for constant expressions)."""
        if i >= self.ctx.nglobals or self.ctx.globals[i] == NULL:
            raise IndexError("global index out of range")
        return self.ctx.globals[i][0]
