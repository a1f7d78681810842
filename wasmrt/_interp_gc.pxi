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
        h.limit = <size_t>-1
        h.threshold = <size_t>-1
    return h


cdef void gc_heap_free(GcHeap* h) noexcept nogil:
    """Free every object and the heap (the Store dies)."""
    cdef uint32_t i
    if h == NULL:
        return
    for i in range(h.npages):
        wasmrt_vm_free(h.pages[i].base, h.pages[i].span)
    free(h.pages)
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
        if p != NULL and h.allocated < h.threshold:
            h.free[c] = (<uint8_t**>(p + 8))[0]
            h.allocated += GC_CLASS_SIZE[c]
            h.nallocs += 1
            memset(p, 0, (size + 15) & ~(<uint64_t>15))
            (<GcHeader*>p).type_id = lay.type_id
            if lay.kind == TK_ARRAY:
                (<uint32_t*>(p + GC_ARRAY_LEN))[0] = length
            return p
    return gc_alloc_slow(cx, lay, length, size, fp)


cdef int gc_add_page(GcHeap* h, uint8_t* base, size_t span, size_t cell, uint32_t ncells,
                     int32_t cls) noexcept nogil:
    """Insert a page (sorted by base); -1 if out of memory (the mapping not taken then)."""
    cdef uint32_t lo = 0, hi = h.npages, mid
    cdef GcPage* pages
    if h.npages == h.cap_pages:
        pages = <GcPage*>realloc(h.pages, (h.cap_pages * 2 + 16) * sizeof(GcPage))
        if pages == NULL:
            return -1
        h.pages = pages
        h.cap_pages = h.cap_pages * 2 + 16
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
    if size > <uint64_t>0xFFFFFFF0 or size > h.limit:
        h.trap = TRAP_ALLOC_TOO_LARGE
        return NULL
    if size <= GC_SMALL_MAX:
        c = GC_CLASS_OF[(size + 15) >> 4]
        if h.free[c] == NULL:
            rc = gc_grow(h, c)
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
    if a < h.pages[0].base:
        return NULL
    while hi - lo > 1:          # the last page whose base <= a
        mid = (lo + hi) >> 1
        if h.pages[mid].base <= a:
            lo = mid
        else:
            hi = mid
    pg = &h.pages[lo]
    off = <size_t>(a - pg.base)
    if off >= pg.cell * pg.ncells or off % pg.cell != 0:
        return NULL
    if (<GcHeader*>a).type_id == GC_FREE:
        return NULL
    return a


# ---- internal hooks for the tests (no GC instruction needed) ----

def gc_test_alloc(StoreCtx store, uint32_t type_id, uint32_t length=0) -> int:
    """Allocate an object of canonical struct/array type `type_id` outside wasm code (as a
    constant expression does); its address.  Traps raise as in wasm."""
    cdef const GcLayout* lay
    cdef uint8_t* p
    if <size_t>type_id >= <size_t>canonical_count() or gc_layout(GC_LAYOUTS, type_id) == NULL:
        raise ValueError(f"{type_id} is not a struct or array type")
    lay = gc_layout(GC_LAYOUTS, type_id)
    p = gc_alloc(&store.cx, lay, length, NULL)
    if p == NULL:
        raise _Trap(TRAP_MESSAGES[store.cx.gc.trap], TRAP_CODES[store.cx.gc.trap])
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
    allocated since, objects allocated ever, collections, pages."""
    cdef GcHeap* h = store.cx.gc
    return {"bytes": h.bytes, "live": h.live, "allocated": h.allocated,
            "objects": h.nallocs, "collections": h.collections, "pages": h.npages}
