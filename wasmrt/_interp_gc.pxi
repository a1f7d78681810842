# The Store's GC heap (included in _interp.pyx before the handlers): structs and arrays of
# Wasm 3.0 GC.  Layouts come from ``_core`` (GcLayout, _defs.pxd); the heap (GcHeap,
# _interp.pxd) is the Store's alone and everything here runs without the GIL.
#
# Pages: an object of at most GC_SMALL_MAX bytes takes a cell of its size class in a page
# of GC_PAGE_BYTES holding cells of that class only; a larger one gets a page of its own.
# The pages are kept sorted by address, so whether a word is the start of an object is a
# binary search and a division (``gc_object_at``).  Free cells are linked through their
# bytes 8..16 and carry type_id GC_FREE; ``gc_alloc`` pops one (the fast path, inline in
# the handlers) or takes ``gc_alloc_slow`` (a new page, a large object, the limit).
# Objects never move.

cdef enum:
    GC_MIN_THRESHOLD = 4 << 20      # bytes allocated between collections, at least

# The most bytes a Store's heap may take, whatever its limits say: 4 GiB, as in wasmtime,
# whose GC heap is a memory with a 32-bit index (it grows to at most ``1 << 32`` bytes;
# ``StoreLimits.memory_size`` caps it lower, since the heap's growth asks the Store's
# resource limiter as a linear memory's does).
cdef size_t GC_HEAP_MAX = <size_t>1 << 32

cdef size_t GC_CLASS_SIZE[GC_NCLASSES]          # bytes per cell of each size class
cdef uint8_t GC_CLASS_OF[(GC_SMALL_MAX >> 4) + 1]   # class of a (size + 15) >> 4


cdef void gc_init_classes() noexcept:
    """16-byte steps up to 256, then four classes per power of two up to GC_SMALL_MAX."""
    cdef uint32_t c, k, size = 0
    for c in range(GC_NCLASSES):
        if c < 16:
            size = (c + 1) * 16
        else:
            k = c - 16          # 320 384 448 512 640 ... 4096
            size = (256 << (k >> 2)) + ((k & 3) + 1) * (64 << (k >> 2))
        GC_CLASS_SIZE[c] = size
    c = 0
    for k in range((GC_SMALL_MAX >> 4) + 1):
        while GC_CLASS_SIZE[c] < (<size_t>k << 4):
            c += 1
        GC_CLASS_OF[k] = <uint8_t>c


gc_init_classes()


cdef GcHeap* gc_heap_new() noexcept nogil:
    """An empty heap (no pages yet), or NULL if out of memory."""
    cdef GcHeap* h = <GcHeap*>calloc(1, sizeof(GcHeap))
    if h != NULL:
        h.limit = GC_HEAP_MAX
        h.threshold = GC_MIN_THRESHOLD
    return h


cdef void gc_heap_free(GcHeap* h) noexcept nogil:
    """Free every object and the heap (the Store dies)."""
    cdef uint32_t i
    if h == NULL:
        return
    for i in range(h.npages):
        wasmrt_vm_free(h.pages[i].base, h.pages[i].span)
    free(h.pages)
    free(h.roots)
    free(h.pins)
    free(h.unpins)
    free(h.marks)
    free(h)


cdef inline uint8_t* gc_alloc(Ctx* cx, const GcLayout* lay, uint32_t length,
                              uint64_t* fp) noexcept nogil:
    """A new object of layout `lay` (an array of `length` elements), its fields zero; NULL
    with the trap code in ``cx.gc.trap`` if it cannot be had.  `fp` is the running frame
    (a collection may start here: every reference still needed must be in a slot of the
    frames up to this one's end), or NULL outside wasm code (never collects)."""
    cdef GcHeap* h = cx.gc
    cdef uint64_t size = lay.size
    cdef uint8_t* p
    cdef uint32_t c
    if lay.kind == TK_ARRAY:
        size += <uint64_t>length * lay.fields[0].size
    if size <= GC_SMALL_MAX:
        c = GC_CLASS_OF[(size + 15) >> 4]
        p = h.free[c]
        if p != NULL and h.allocated < h.threshold:     # (no collection due)
            h.free[c] = (<uint8_t**>(p + 8))[0]
            h.allocated += GC_CLASS_SIZE[c]
            h.nallocs += 1
            memset(p, 0, (size + 15) & ~(<uint64_t>15))
            (<GcHeader*>p).type_id = lay.type_id
            if lay.kind == TK_ARRAY:
                (<uint32_t*>(p + GC_ARRAY_LEN))[0] = length
            return p
    return gc_alloc_slow(cx, lay, length, size, fp)


cdef inline uint8_t* new_exn(Ctx* cx, TagRec* tag, uint64_t* fp) noexcept nogil:
    """A new exception of `tag` (an object of the heap, its payload zero: the caller
    fills it), or NULL with the trap code in ``cx.gc.trap``.  `fp` as for `gc_alloc`: a
    throw is a safepoint (its payload is still in its slots)."""
    cdef uint8_t* p = gc_alloc(cx, &tag.layout, 0, fp)
    if p != NULL:
        (<TagRec**>(p + GC_EXN_TAG))[0] = tag
    return p


cdef uint32_t gc_tag_layout(TagRec* tag, uint32_t* refs) noexcept:
    """Fill `tag.layout`, the layout of its exceptions: `refs` (room for `tag.nparams`
    offsets, kept alive by the caller) receives the offsets of the payload cells that may
    hold a GC object or exception.  Returns how many."""
    cdef uint32_t i, j = 0, n = 0
    cdef GcLayout* lay = &tag.layout
    for i in range(tag.nparams):
        if vt_may_hold_object(tag.params[i]):
            refs[n] = GC_EXN_DATA + 8 * j
            n += 1
        j += vt_slots(tag.params[i])
    lay.type_id = GC_EXN
    lay.kind = TK_STRUCT
    lay.size = (GC_EXN_DATA + 8 * j + 15) & ~15
    lay.nfields = 0
    lay.fields = NULL
    lay.nrefs = n
    lay.refs = refs
    return n


cdef inline const GcLayout* gc_obj_layout(const uint8_t* p) noexcept nogil:
    """The layout of object `p`: its canonical type's, or its tag's for an exception."""
    cdef uint32_t id = (<const GcHeader*>p).type_id
    if id == GC_EXN:
        return &(<TagRec**>(p + GC_EXN_TAG))[0].layout
    return gc_layout(GC_LAYOUTS, id)


cdef int gc_reserve(void** array, size_t* cap, size_t item, size_t need) noexcept nogil:
    """Make one of the heap's arrays (`*array`, of `*cap` items of `item` bytes) hold
    `need` items, doubling its capacity (from 16); -1 if memory is short (then the array
    and its capacity are unchanged)."""
    cdef size_t n = cap[0] if cap[0] else 16
    cdef void* q
    if need <= cap[0]:
        return 0
    while n < need:
        n *= 2
    q = realloc(array[0], n * item)
    if q == NULL:
        return -1
    array[0] = q
    cap[0] = n
    return 0


cdef int gc_add_page(GcHeap* h, uint8_t* base, size_t span, size_t cell, uint32_t ncells,
                     int32_t cls) noexcept nogil:
    """Insert a page (sorted by base); -1 if out of memory (the mapping not taken then)."""
    cdef uint32_t lo = 0, hi = h.npages, mid
    if gc_reserve(<void**>&h.pages, &h.cap_pages, sizeof(GcPage), h.npages + 1) < 0:
        return -1
    while lo < hi:
        mid = (lo + hi) >> 1
        if h.pages[mid].base < base:
            lo = mid + 1
        else:
            hi = mid
    memmove(&h.pages[lo + 1], &h.pages[lo], (h.npages - lo) * sizeof(GcPage))
    h.pages[lo].base = base
    h.pages[lo].span = span
    h.pages[lo].cell = cell
    h.pages[lo].ncells = ncells
    h.pages[lo].cls = cls
    h.npages += 1
    h.bytes += span
    return 0


cdef uint8_t* gc_new_page(GcHeap* h, size_t span, size_t cell, uint32_t ncells,
                          int32_t cls) noexcept nogil:
    """A new page of `span` zeroed bytes (its own mapping, so that a freed page goes back
    to the system at once: page-aligned, hence 16-byte aligned), or NULL."""
    cdef uint8_t* base = <uint8_t*>wasmrt_vm_alloc(span)
    if base == NULL:
        return NULL
    if gc_add_page(h, base, span, cell, ncells, cls) < 0:
        wasmrt_vm_free(base, span)
        return NULL
    return base


cdef int gc_grow(GcHeap* h, uint32_t c) noexcept nogil:
    """A new page of size class `c`, its cells on the free list; a trap code if it is not
    to be had (the limit, or malloc)."""
    cdef size_t cell = GC_CLASS_SIZE[c]
    cdef uint32_t n = <uint32_t>(GC_PAGE_BYTES // cell), i
    cdef uint8_t* base
    cdef uint8_t* p
    if h.bytes + GC_PAGE_BYTES > h.limit:
        return TRAP_GC_OOM
    base = gc_new_page(h, GC_PAGE_BYTES, cell, n, <int32_t>c)
    if base == NULL:
        return TRAP_GC_OOM
    i = n
    while i > 0:                # linked in address order
        i -= 1
        p = base + i * cell
        (<GcHeader*>p).type_id = GC_FREE
        (<uint8_t**>(p + 8))[0] = h.free[c]
        h.free[c] = p
    return 0


cdef uint8_t* gc_alloc_slow(Ctx* cx, const GcLayout* lay, uint32_t length, uint64_t size,
                            uint64_t* fp) noexcept nogil:
    """`gc_alloc` when the free list of its class is empty, the object is large, or the
    bytes allocated since the last collection passed the threshold."""
    cdef GcHeap* h = cx.gc
    cdef uint32_t c
    cdef int rc
    cdef uint8_t* p
    cdef size_t span
    cdef bint collected = False
    cdef uint64_t counted = size
    if lay.kind == TK_ARRAY and lay.nrefs != 0:     # (an array of references)
        counted = lay.size + <uint64_t>length * 4
    if counted > <uint64_t>0xFFFFFFF0:
        # Too large is what wasmtime, whose object sizes are u32, calls too large: its
        # references are 4 bytes (ours 8), so a bigger array of references is "GC heap out
        # of memory" below, as there, not this trap.
        h.trap = TRAP_ALLOC_TOO_LARGE
        return NULL
    h.need = (size + 15) & ~(<uint64_t>15)    # (for the message, should it fail)
    if fp != NULL and h.allocated >= h.threshold:
        gc_collect(cx, gc_frame_end(cx, fp))
        collected = True
    if size <= GC_SMALL_MAX:
        c = GC_CLASS_OF[(size + 15) >> 4]
        if h.free[c] == NULL:
            rc = gc_grow(h, c)
            if rc != 0 and fp != NULL and not collected:    # the limit: collect first
                gc_collect(cx, gc_frame_end(cx, fp))
                rc = 0 if h.free[c] != NULL else gc_grow(h, c)
            if rc != 0:
                h.trap = rc
                return NULL
        p = h.free[c]
        h.free[c] = (<uint8_t**>(p + 8))[0]
        h.allocated += GC_CLASS_SIZE[c]
        memset(p, 0, (size + 15) & ~(<uint64_t>15))
    else:
        size = (size + 15) & ~(<uint64_t>15)
        span = (size + 4095) & ~(<size_t>4095)
        if h.bytes + span > h.limit and fp != NULL and not collected:
            gc_collect(cx, gc_frame_end(cx, fp))
        if h.bytes + span > h.limit:
            h.trap = TRAP_GC_OOM
            return NULL
        p = gc_new_page(h, span, size, 1, -1)
        if p == NULL:
            h.trap = TRAP_GC_OOM
            return NULL
        h.allocated += span
    h.nallocs += 1
    (<GcHeader*>p).type_id = lay.type_id
    if lay.kind == TK_ARRAY:
        (<uint32_t*>(p + GC_ARRAY_LEN))[0] = length
    return p


cdef uint8_t* gc_object_at(GcHeap* h, uint64_t cell) noexcept nogil:
    """The object `cell` points to the start of, or NULL: a null, i31, host or function
    reference, a number, a free cell or any other address is none."""
    cdef uint32_t lo = 0, hi = h.npages, mid
    cdef uint8_t* a = <uint8_t*>cell
    cdef GcPage* pg
    cdef size_t off
    if cell == 0 or (cell & 7) != 0 or h.npages == 0:
        return NULL
    if h.hint < h.npages and h.pages[h.hint].base <= a \
            and a < h.pages[h.hint].base + h.pages[h.hint].span:
        pg = &h.pages[h.hint]   # (the page of the last object found: a neighbour's, often)
    else:
        if a < h.pages[0].base:
            return NULL
        while hi - lo > 1:      # the last page whose base <= a
            mid = (lo + hi) >> 1
            if h.pages[mid].base <= a:
                lo = mid
            else:
                hi = mid
        pg = &h.pages[lo]
        if a >= pg.base + pg.span:
            return NULL
        h.hint = lo
    off = <size_t>(a - pg.base)
    if off >= pg.cell * pg.ncells or off % pg.cell != 0:
        return NULL
    if (<GcHeader*>a).type_id == GC_FREE:
        return NULL
    return a


# ---- the collector: non-moving mark-sweep, stop-the-world at an allocation ----
#
# Roots: the slot stack [cx.stack, end) scanned conservatively (every cell checked with
# gc_object_at, so i31, host, funcref and number cells are never misread; a stale or
# numeric cell that equals an object's address only keeps that object alive longer), the
# registered globals, tables and element segments (GcRoot), the pinned objects of API
# values (ExnRef too), an exception being thrown (`cx.exn`), and `pinned_end` (paused
# guests).  The heap is traced precisely (layouts; an exception's payload by its tag's).

cdef enum:
    GC_MARK = 1                     # GcHeader.gc: reached in this collection


cdef inline uint64_t* gc_frame_end(Ctx* cx, uint64_t* fp) noexcept nogil:
    """The end of the running wasm frame at `fp` (no wasm running: `fp` itself): the slots
    the collector scans end here."""
    if cx.depth == 0:
        return fp
    return fp + cx.recs[cx.depth - 1].func.code.max_slots


cdef inline int gc_grey(GcHeap* h, uint64_t cell, size_t* n) noexcept nogil:
    """Mark the object `cell` points to (if it is one) and queue it if it has references;
    -1 if the mark stack cannot grow."""
    cdef uint8_t* p
    cdef const GcLayout* lay
    if cell == 0 or (cell & 7) != 0:    # null, i31, host: no object (and no search)
        return 0
    p = gc_object_at(h, cell)
    if p == NULL or ((<GcHeader*>p).gc & GC_MARK):
        return 0
    (<GcHeader*>p).gc |= GC_MARK
    lay = gc_obj_layout(p)
    if lay.nrefs == 0:
        return 0
    if n[0] == h.cap_marks and gc_reserve(<void**>&h.marks, &h.cap_marks, sizeof(uint8_t*),
                                          n[0] + 1) < 0:
        return -1
    h.marks[n[0]] = p
    n[0] += 1
    return 0


cdef int gc_mark_cells(GcHeap* h, const uint64_t* cells, size_t count, size_t* n) noexcept nogil:
    cdef size_t i
    for i in range(count):
        if gc_grey(h, cells[i], n) < 0:
            return -1
    return 0


cdef int gc_mark(Ctx* cx, uint64_t* end) noexcept nogil:
    """Mark everything reachable from the roots; -1 if out of memory for the mark stack."""
    cdef GcHeap* h = cx.gc
    cdef size_t n = 0, i
    cdef uint32_t k, j
    cdef GcRoot* r
    cdef TableRec* t
    cdef InstCtx* ic
    cdef uint8_t* p
    cdef const GcLayout* lay
    if h.pinned_end > end:
        end = h.pinned_end
    if cx.top > end:
        end = cx.top
    if end > cx.stack_end:
        end = cx.stack_end
    if gc_mark_cells(h, cx.stack, <size_t>(end - cx.stack), &n) < 0:
        return -1
    for k in range(h.nroots):
        r = &h.roots[k]
        if r.kind == GC_ROOT_CELL:
            if gc_grey(h, (<uint64_t*>r.p)[0], &n) < 0:
                return -1
        elif r.kind == GC_ROOT_TABLE:
            t = <TableRec*>r.p
            if gc_mark_cells(h, t.elems, t.size, &n) < 0:
                return -1
        else:
            ic = <InstCtx*>r.p
            for j in range(ic.nelems):
                if ic.elems[j].refs != NULL and gc_mark_cells(
                        h, ic.elems[j].refs, ic.elems[j].len, &n) < 0:
                    return -1
    if gc_mark_pins(h, &n) < 0:
        return -1
    if gc_grey(h, cx.exn, &n) < 0:  # an exception in flight (none at a safepoint today)
        return -1
    while n > 0:
        n -= 1
        p = h.marks[n]
        lay = gc_obj_layout(p)
        if lay.kind == TK_ARRAY:
            if gc_mark_cells(h, <uint64_t*>(p + GC_ARRAY_DATA),
                             (<uint32_t*>(p + GC_ARRAY_LEN))[0], &n) < 0:
                return -1
        else:
            for k in range(lay.nrefs):
                if gc_grey(h, (<uint64_t*>(p + lay.refs[k]))[0], &n) < 0:
                    return -1
    return 0


cdef void gc_sweep(GcHeap* h, bint unmark_only) noexcept nogil:
    """Free the unmarked objects (or, `unmark_only`, clear every mark: a collection given
    up), rebuild the free lists; free the pages left empty beyond `threshold` bytes of
    them (kept for the next allocations) and every large page left empty."""
    cdef uint32_t i, j = 0, c
    cdef size_t k, nlive, live = 0, bytes = 0, spare = 0
    cdef GcPage pg
    cdef uint8_t* p
    cdef uint8_t* free
    cdef uint8_t* tail
    cdef GcHeader* hd
    for c in range(GC_NCLASSES):
        h.free[c] = NULL
    for i in range(h.npages):
        pg = h.pages[i]
        nlive = 0
        free = tail = NULL      # the page's free cells, linked in address order
        k = pg.ncells
        while k > 0:            # (one pass over the cells, from the last down)
            k -= 1
            p = pg.base + k * pg.cell
            hd = <GcHeader*>p
            if hd.type_id != GC_FREE and ((hd.gc & GC_MARK) or unmark_only):
                hd.gc &= ~(<uint32_t>GC_MARK)
                nlive += 1
            else:
                hd.type_id = GC_FREE
                (<uint8_t**>(p + 8))[0] = free
                if free == NULL:
                    tail = p
                free = p
        if nlive == 0 and (pg.cls < 0 or spare + pg.span > h.threshold):
            wasmrt_vm_free(pg.base, pg.span)
            continue
        if nlive == 0:
            spare += pg.span
        if pg.cls >= 0 and free != NULL:    # the page's cells before the earlier pages'
            (<uint8_t**>(tail + 8))[0] = h.free[pg.cls]
            h.free[pg.cls] = free
        live += nlive * pg.cell
        bytes += pg.span
        h.pages[j] = pg
        j += 1
    h.npages = j
    h.bytes = bytes
    h.live = live


cdef void gc_collect(Ctx* cx, uint64_t* end) noexcept nogil:
    """A full collection: the slots below `end` (and `cx.top`, `pinned_end`) are live.
    The next one is due once as many bytes as live now (at least GC_MIN_THRESHOLD) have
    been allocated."""
    cdef GcHeap* h = cx.gc
    cdef int rc
    if h.npages == 0:
        return
    rc = gc_mark(cx, end)
    gc_sweep(h, rc < 0)
    h.collections += 1
    h.allocated = 0
    h.threshold = h.live if h.live > GC_MIN_THRESHOLD else GC_MIN_THRESHOLD


cdef list gc_live_objects(GcHeap* h):
    """The addresses of the heap's objects, in address order (after a collection: the
    live ones)."""
    cdef list out = []
    cdef uint32_t i
    cdef size_t k
    cdef GcPage* pg
    cdef uint8_t* p
    for i in range(h.npages):
        pg = &h.pages[i]
        for k in range(pg.ncells):
            p = pg.base + k * pg.cell
            if (<GcHeader*>p).type_id != GC_FREE:
                out.append(<uint64_t>p)
    return out


cdef int gc_add_root(GcHeap* h, int kind, void* p) except -1:
    """Register a global's cell, a table or an instance's element segments as a root for
    the Store's life."""
    if gc_reserve(<void**>&h.roots, &h.cap_roots, sizeof(GcRoot), h.nroots + 1) < 0:
        raise MemoryError()
    h.roots[h.nroots].kind = kind
    h.roots[h.nroots].p = p
    h.nroots += 1
    return 0


# Pins (API values): the object's header counts them (GcHeader.gc above GC_PIN_SHIFT), so
# pinning and unpinning are O(1) whatever the number of live API values.  An object whose
# count went from 0 to 1 is listed once in ``GcHeap.pins`` (GC_LISTED); marking greys the
# listed objects still pinned and drops the others from the list, so the list holds each
# object pinned since the last collection at most once, and never a freed one.
cdef enum:
    GC_LISTED = 2                   # GcHeader.gc: in GcHeap.pins
    GC_PIN_SHIFT = 2                # GcHeader.gc >> GC_PIN_SHIFT: the object's pin count
    GC_PIN_MAX = (1 << 30) - 1


cdef int gc_pin(GcHeap* h, uint8_t* obj) except -1:
    """Keep `obj` alive until a matching `gc_unpin` (an API value refers to it)."""
    cdef GcHeader* hd = <GcHeader*>obj
    if (hd.gc >> GC_PIN_SHIFT) == GC_PIN_MAX:
        raise OverflowError("too many references to one GC object")
    if not (hd.gc & GC_LISTED):
        if gc_reserve(<void**>&h.pins, &h.cap_pins, sizeof(uint8_t*), h.npins + 1) < 0:
            raise MemoryError()
        h.pins[h.npins] = obj
        h.npins += 1
        hd.gc |= GC_LISTED
    hd.gc += 1 << GC_PIN_SHIFT
    return 0


cdef inline void gc_unpin(GcHeap* h, uint8_t* obj) noexcept nogil:
    """Drop one pin of `obj` (it stays listed until the next collection)."""
    (<GcHeader*>obj).gc -= 1 << GC_PIN_SHIFT


cdef void gc_release(Ctx* cx, uint8_t* obj) noexcept:
    """An API value of `obj` is gone (its ``__dealloc__``, GIL held): unpin it, or, while
    another thread runs the Store's wasm (it may be collecting without the GIL, writing
    the same header word), queue the unpin for the collector (``gc_mark_pins`` applies
    it).  Under the GIL the Store's entry count and owner are stable: that thread enters
    and leaves wasm holding it.  If the queue cannot grow the object stays pinned."""
    cdef GcHeap* h = cx.gc
    if cx.nest == 0 or cx.owner_thread == PyThread_get_thread_ident():
        gc_unpin(h, obj)
        return
    wr_spin_lock(&h.unpins_lock)
    if gc_reserve(<void**>&h.unpins, &h.cap_unpins, sizeof(uint8_t*), h.nunpins + 1) == 0:
        h.unpins[h.nunpins] = obj
        h.nunpins += 1
    wr_spin_unlock(&h.unpins_lock)


cdef void gc_apply_unpins(GcHeap* h) noexcept nogil:
    """Apply the unpins other threads queued (``gc_release``)."""
    cdef size_t i
    wr_spin_lock(&h.unpins_lock)
    for i in range(h.nunpins):
        gc_unpin(h, h.unpins[i])
    h.nunpins = 0
    wr_spin_unlock(&h.unpins_lock)


cdef int gc_mark_pins(GcHeap* h, size_t* n) noexcept nogil:
    """Grey the pinned objects; unlist those no longer pinned."""
    cdef size_t i, j = 0
    cdef GcHeader* hd
    gc_apply_unpins(h)
    for i in range(h.npins):
        hd = <GcHeader*>h.pins[i]
        if (hd.gc >> GC_PIN_SHIFT) == 0:
            hd.gc &= ~(<uint32_t>GC_LISTED)
            continue
        h.pins[j] = h.pins[i]
        j += 1
        if gc_grey(h, <uint64_t>h.pins[i], n) < 0:
            h.npins = j + (h.npins - i - 1)     # (the rest not yet compacted: keep them)
            memmove(&h.pins[j], &h.pins[i + 1], (h.npins - j) * sizeof(uint8_t*))
            return -1
    h.npins = j
    return 0


# ---- GC objects as Python values (AnyRef, StructRef, ArrayRef) ----

GC_KIND_NAMES = {TK_STRUCT: "struct", TK_ARRAY: "array"}


@cython.no_gc_clear         # (its Store must outlive its unpin, even in a dying cycle)
cdef class AnyRef:
    """A reference to a GC object (a Wasm 3.0 struct or array) of a Store's heap, as an
    ``anyref``, ``eqref``, ``structref``, ``arrayref`` or ``(ref $t)`` value crosses to
    Python (wasmtime's ``AnyRef``; a struct is a ``StructRef``, an array an ``ArrayRef``).
    The null reference is ``None`` and an ``i31ref`` an ``int``: they are no AnyRef.

    An AnyRef keeps its object (and its Store) alive while it lives.  Two AnyRefs to the
    same object compare (and hash) equal, as ``ref.eq`` sees them.  It is a value of its
    Store only: another Store refuses it (``ValueError``).  WebAssembly code makes them;
    Python cannot construct one."""
    cdef StoreCtx store
    cdef uint8_t* obj

    def __init__(self, *args, **kwargs):
        raise TypeError("GC references are made by WebAssembly code (struct.new, array.new..."
                        "), not by Python")

    def __dealloc__(self):
        if self.obj != NULL and self.store is not None and self.store.cx.gc != NULL:
            gc_release(&self.store.cx, self.obj)
            self.obj = NULL

    @property
    def kind(self) -> str:
        """``"struct"`` or ``"array"``."""
        return GC_KIND_NAMES[canon_info(CANON, (<GcHeader*>self.obj).type_id) & 3]

    @property
    def type_id(self) -> int:
        """The process-wide canonical id of the object's defined type."""
        return (<GcHeader*>self.obj).type_id

    def __eq__(self, other):
        if not isinstance(other, AnyRef):
            return NotImplemented
        return (<AnyRef>other).obj == self.obj

    def __hash__(self):
        return hash(<size_t>self.obj)

    def __repr__(self):
        return (f"<{type(self).__name__} of type "
                f"{valtype_name(vt_concrete_of((<GcHeader*>self.obj).type_id))}>")

    def __reduce__(self):
        raise TypeError(f"cannot pickle a {type(self).__name__}: a GC reference is a value "
                        "of its Store")

    def type(self, store):
        """The object's defined type: a ``StructType`` or ``ArrayType``."""
        from ._api_types import defined_type
        gc_ref_store(self, store)
        return defined_type((<GcHeader*>self.obj).type_id)


cdef class StructRef(AnyRef):
    """A reference to a GC struct (see ``AnyRef``).  ``field(store, i)`` reads field `i`
    and ``set_field(store, i, value)`` writes a mutable one, typed as the struct's type
    says and bounds-checked (``IndexError``), as wasmtime's ``StructRef`` does."""

    def field(self, store, Py_ssize_t index):
        """Field `index` as a Python value (as a call's result gives one; a packed
        ``i8``/``i16`` field zero-extended, as wasmtime does)."""
        return gc_field_get(self, store, index)

    def set_field(self, store, Py_ssize_t index, value) -> None:
        """Set mutable field `index` to `value` (checked as a call's argument is; a packed
        field takes an int wrapped to its width)."""
        gc_field_set(self, store, index, value)


cdef class ArrayRef(AnyRef):
    """A reference to a GC array (see ``AnyRef``).  ``len(store)``, ``get(store, i)`` and
    ``set(store, i, value)`` (a mutable array's), typed as the array's type says and
    bounds-checked (``IndexError``), as wasmtime's ``ArrayRef`` does."""

    def len(self, store) -> int:
        """The number of elements."""
        gc_ref_store(self, store)
        return (<uint32_t*>(self.obj + GC_ARRAY_LEN))[0]

    def get(self, store, Py_ssize_t index):
        """Element `index` as a Python value (a packed one zero-extended)."""
        return gc_field_get(self, store, index)

    def set(self, store, Py_ssize_t index, value) -> None:
        """Set element `index` of a mutable array to `value`."""
        gc_field_set(self, store, index, value)


cdef StoreCtx gc_ref_store(AnyRef r, object store):
    """The runtime store of `store` (a Store or Caller: open, not running wasm on another
    thread), which must be `r`'s (ValueError otherwise)."""
    from ._api_store import store_of
    cdef StoreCtx ctx = store_of(store)._context()
    if ctx is not r.store:
        raise ValueError("GC reference belongs to another store")
    return ctx


cdef uint8_t* gc_field_at(AnyRef r, Py_ssize_t index, const GcField** f) except NULL:
    """The address of field (struct) or element (array) `index` of `r`'s object, its type
    in `f`; IndexError if there is none."""
    cdef const GcLayout* lay = gc_layout(GC_LAYOUTS, (<GcHeader*>r.obj).type_id)
    cdef uint32_t n
    if lay.kind == TK_STRUCT:
        if index < 0 or index >= lay.nfields:
            raise IndexError(f"field index {index} out of range: the struct has "
                             f"{lay.nfields} fields")
        f[0] = &lay.fields[index]
        return r.obj + lay.fields[index].offset
    n = (<uint32_t*>(r.obj + GC_ARRAY_LEN))[0]
    if index < 0 or index >= n:
        raise IndexError(f"array index {index} out of bounds: the array has {n} elements")
    f[0] = &lay.fields[0]
    return r.obj + GC_ARRAY_DATA + <size_t>index * lay.fields[0].size


cdef object gc_field_get(AnyRef r, object store, Py_ssize_t index):
    cdef StoreCtx ctx = gc_ref_store(r, store)
    cdef const GcField* f = NULL
    cdef uint8_t* p = gc_field_at(r, index, &f)
    cdef uint64_t cells[2]
    if f.code == VT_I8:
        return p[0]
    if f.code == VT_I16:
        return (<uint16_t*>p)[0]
    cells[0] = 0
    cells[1] = 0
    memcpy(cells, p, f.size)
    v = ctx.from_cells(cells, f.vt)
    if isinstance(v, FuncInstance):                 # a function: the API's Func
        from ._api_func import Func
        from ._api_store import store_of
        return Func._from_runtime(v, store_of(store))
    return v


cdef int gc_field_set(AnyRef r, object store, Py_ssize_t index, object value) except -1:
    cdef StoreCtx ctx = gc_ref_store(r, store)
    cdef const GcField* f = NULL
    cdef uint8_t* p = gc_field_at(r, index, &f)
    cdef uint64_t cells[2]
    if not f.mutable:
        raise _api_errors.WasmtimeError(f"field {index} is immutable"
                                        if isinstance(r, StructRef) else "immutable array")
    if f.code == VT_I8 or f.code == VT_I16:
        cells[0] = int_cell(value, VT_I32, 0xFF if f.code == VT_I8 else 0xFFFF)
    else:
        ctx.to_cells(value, f.vt, cells)
    memcpy(p, cells, f.size)
    return 0


cdef AnyRef gc_ref_new(StoreCtx store, uint8_t* obj):
    """The Python value of a reference cell to object `obj` of `store`'s heap (pinned)."""
    cdef AnyRef r
    if gc_object_at(store.cx.gc, <uint64_t>obj) == NULL \
            or (<GcHeader*>obj).type_id == GC_EXN:
        raise RuntimeError(f"internal error: GC reference {<size_t>obj:#x} is not an object "
                           "of the store")
    if (canon_info(CANON, (<GcHeader*>obj).type_id) & 3) == TK_STRUCT:
        r = StructRef.__new__(StructRef)
    else:
        r = ArrayRef.__new__(ArrayRef)
    r.store = store
    gc_pin(store.cx.gc, obj)
    r.obj = obj
    return r


cdef uint64_t gc_ref_cell(StoreCtx store, AnyRef r, vt_t vt) except? 0:
    """The cell of `r` as a value of reference type `vt` (of the any hierarchy, or extern:
    ``extern.convert_any``'s form); ValueError for another Store's reference, TypeError if
    the object's type is not `vt`'s heap type or a subtype of it."""
    cdef uint32_t tid = (<GcHeader*>r.obj).type_id
    cdef uint32_t kind = canon_info(CANON, tid) & 3
    cdef uint32_t c = vt & 0xFF
    if r.store is not store:
        raise ValueError("GC reference belongs to another store")
    if not (c == HT_ANY or c == HT_EQ or c == HT_EXTERN
            or (c == HT_STRUCT and kind == TK_STRUCT) or (c == HT_ARRAY and kind == TK_ARRAY)
            or (c == HT_CONCRETE and canon_sub(CANON, tid, vt_index(vt)))):
        raise TypeError(f"{GC_KIND_NAMES[kind]} of type {valtype_name(vt_concrete_of(tid))} "
                        f"where {valtype_name(vt)} is expected")
    return <uint64_t>r.obj


cdef inline bint vt_may_hold_object(vt_t t) noexcept:
    """Whether a cell of type `t` (a global, table element, field or payload value) may
    hold a GC object, an exception or a host object: a reference type of the any or
    extern hierarchy (an externref may hold a converted anyref, an anyref a converted
    externref) or of the exn hierarchy."""
    cdef uint32_t c = t & 0xFF
    if not vt_is_ref(t) or c == HT_FUNC or c == HT_NOFUNC:
        return False
    return c != HT_CONCRETE or (canon_info(CANON, vt_index(t)) & 3) != TK_FUNC


# ---- internal hooks for the tests (no GC instruction needed) ----

cdef const GcLayout* gc_test_layout_of(uint32_t type_id) except NULL:
    if <size_t>type_id >= <size_t>canonical_count() or gc_layout(GC_LAYOUTS, type_id) == NULL:
        raise ValueError(f"{type_id} is not a struct or array type")
    return gc_layout(GC_LAYOUTS, type_id)


def gc_test_alloc(StoreCtx store, uint32_t type_id, uint32_t length=0,
                  bint collect=False) -> int:
    """Allocate an object of canonical struct/array type `type_id` outside wasm code (as a
    constant expression does; `collect`: as wasm code does, so a collection may start,
    with the slots below ``cx.top`` live); its address.  Traps raise as in wasm."""
    cdef const GcLayout* lay = gc_test_layout_of(type_id)
    cdef uint8_t* p = gc_alloc(&store.cx, lay, length, store.cx.top if collect else NULL)
    if p == NULL:
        raise gc_failure(store.cx.gc)
    return <size_t>p


def gc_test_layout(uint32_t type_id) -> tuple:
    """``(kind, size, ((offset, size, code, mutable), ...), ref offsets)`` of the layout of
    canonical type `type_id`, or None for a function type."""
    cdef const GcLayout* lay
    if <size_t>type_id >= <size_t>canonical_count():
        raise ValueError(f"no type {type_id}")
    lay = gc_layout(GC_LAYOUTS, type_id)
    if lay == NULL:
        return None
    return (lay.kind, lay.size,
            tuple([(lay.fields[i].offset, lay.fields[i].size, lay.fields[i].code,
                    lay.fields[i].mutable) for i in range(lay.nfields)]),
            tuple([lay.refs[i] for i in range(lay.nrefs)]))


def gc_test_object_at(StoreCtx store, uint64_t cell) -> bool:
    """Whether `cell` is the address of an object of `store`'s heap."""
    return gc_object_at(store.cx.gc, cell) != NULL


def gc_stats(StoreCtx store) -> dict:
    """The heap's counters: bytes of pages, live bytes after the last collection, bytes
    allocated since, objects allocated ever, collections, pages, objects listed as pinned
    (pinned since the last collection, or still pinned), unpins other threads queued for
    the collector."""
    cdef GcHeap* h = store.cx.gc
    cdef size_t unpins
    wr_spin_lock(&h.unpins_lock)
    unpins = h.nunpins
    wr_spin_unlock(&h.unpins_lock)
    return {"bytes": h.bytes, "live": h.live, "allocated": h.allocated,
            "objects": h.nallocs, "collections": h.collections, "pages": h.npages,
            "pins": h.npins, "unpins": unpins}


def gc_test_pin(StoreCtx store, uint64_t addr, bint pin=True) -> None:
    """Pin (or unpin) the object at `addr`, as an API value does."""
    if pin:
        gc_pin(store.cx.gc, <uint8_t*>addr)
    else:
        gc_release(&store.cx, <uint8_t*>addr)


def gc_set_limit(StoreCtx store, int64_t limit) -> None:
    """Cap the bytes of `store`'s GC heap pages at `limit` (negative: the default, and
    never more than, GC_HEAP_MAX: 4 GiB); ``StoreLimits``' ``memory_size`` sets it.  Pages
    already taken stay."""
    store.cx.gc.limit = GC_HEAP_MAX if limit < 0 or <uint64_t>limit > GC_HEAP_MAX else <size_t>limit


cdef object gc_failure(GcHeap* h):
    """The exception for the allocation that failed last: a ``WasmtimeError`` when the
    heap is full, as wasmtime raises it (an error of the host, not a trap code of the
    program), else the ``Trap`` ("allocation size too large")."""
    if h.trap == TRAP_GC_OOM:
        return _errors.WasmtimeError(
            f"GC heap out of memory: no capacity for allocation of {h.need} bytes")
    return _Trap(TRAP_MESSAGES[h.trap], TRAP_CODES.get(h.trap))


def gc_test_churn(StoreCtx store, uint32_t type_id, uint32_t length, size_t count,
                  uint32_t keep) -> int:
    """Allocate `count` objects as wasm code does, without the GIL, keeping the last
    `keep` (<= 64) in slots above ``cx.top`` and paused guests; with `keep`, each new
    object's first reference field (if any) points to the previous one, in chains of
    1,000; returns the last object's address."""
    cdef const GcLayout* lay = gc_test_layout_of(type_id)
    cdef Ctx* cx = &store.cx
    cdef uint64_t* slots = cx.top if cx.top > cx.gc.pinned_end else cx.gc.pinned_end
    cdef uint64_t* top0 = cx.top
    cdef uint8_t* p = NULL
    cdef uint8_t* prev = NULL
    cdef size_t i
    if keep > 64 or slots + 64 > cx.stack_end:
        raise ValueError("keep at most 64")
    memset(slots, 0, 64 * sizeof(uint64_t))
    cx.top = slots + keep       # the kept objects' slots are live
    with nogil:
        for i in range(count):
            p = gc_alloc(cx, lay, length, cx.top)
            if p == NULL:
                break
            if keep > 0 and lay.nrefs > 0 and lay.kind != TK_ARRAY and i % 1000 != 0:
                (<uint64_t*>(p + lay.refs[0]))[0] = <uint64_t>prev
            prev = p
            if keep > 0:
                slots[i % keep] = <uint64_t>p
    cx.top = top0
    if p == NULL:
        raise gc_failure(cx.gc)
    return <size_t>p


def gc_test_cells(object obj) -> int:
    """The address of a GlobalInstance's cell or a TableInstance's elements."""
    if type(obj) is GlobalInstance:
        return <size_t>&(<GlobalInstance>obj).cell[0]
    return <size_t>(<TableInstance>obj).rec.elems
