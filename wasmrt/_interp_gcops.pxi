# GC instructions (Wasm 3.0): structs, arrays and casts (included in _interp.pyx after
# _interp_loop.pxi).  An object reference is the address of its GcHeader (_defs.pxd): a
# struct's field at the byte offset its GcLayout gives (baked into the op), an array's
# uint32 length at GC_ARRAY_LEN and element i at GC_ARRAY_DATA + i * size.  Validation
# makes an operand of a struct/array op null or an object of that type, so an access is a
# null check and a load or store at a constant offset (arrays: one bounds compare).
# Allocation (``gc_alloc``, _interp_gc.pxi) is the collector's only safepoint: the ops
# that allocate read their operands from the frame's slots after it.

cdef inline int gc_next(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem, uint64_t msize,
                        uint32_t ncells) noexcept nogil:
    """Continue with the handler after an op of `ncells` cells."""
    return (<handler_t>pc[ncells].h)(pc + ncells, fp, cx, mem, msize)


cdef inline const GcLayout* layout_of(Ctx* cx, int32_t type) noexcept nogil:
    """The layout of the running instance's type `type` (a module type index)."""
    return gc_layout(GC_LAYOUTS, cx.inst.type_ids[<uint32_t>type])


cdef inline void gc_store(uint8_t* p, const uint64_t* src, uint32_t size) noexcept nogil:
    """Store the value of slots `src` (two for a v128) as a field of `size` bytes."""
    if size == 8:
        (<uint64_t*>p)[0] = src[0]
    elif size == 4:
        (<uint32_t*>p)[0] = <uint32_t>src[0]
    elif size == 1:
        p[0] = <uint8_t>src[0]
    elif size == 2:
        (<uint16_t*>p)[0] = <uint16_t>src[0]
    else:
        memcpy(p, src, 16)


# ---- structs ----

cdef int h_struct_new(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    cdef const GcLayout* lay = layout_of(cx, pc[1].w.hi)
    cdef uint8_t* p = gc_alloc(cx, lay, 0, fp)
    cdef const uint64_t* src = fp + pc[1].s.b
    cdef uint32_t k
    if p == NULL:
        return trap_at(cx, pc, cx.gc.trap)
    for k in range(lay.nfields):
        gc_store(p + lay.fields[k].offset, src, lay.fields[k].size)
        src += 2 if lay.fields[k].size == 16 else 1
    fp[pc[1].s.a] = <uint64_t><uintptr_t>p
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_struct_new_default(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                              uint64_t msize) noexcept nogil:
    cdef uint8_t* p = gc_alloc(cx, layout_of(cx, pc[1].w.hi), 0, fp)
    if p == NULL:
        return trap_at(cx, pc, cx.gc.trap)
    fp[pc[1].s.a] = <uint64_t><uintptr_t>p
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef inline uint8_t* struct_field(const Cell* pc, uint64_t* fp, uint16_t slot) noexcept nogil:
    """The address of the field at the op's offset of the struct in fp[slot] (NULL: null)."""
    cdef uint64_t obj = fp[slot]
    if obj == 0:
        return NULL
    return <uint8_t*><uintptr_t>obj + <uint32_t>pc[1].w.hi


cdef int h_struct_get8_s(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                         uint64_t msize) noexcept nogil:
    cdef uint8_t* f = struct_field(pc, fp, pc[1].s.b)
    if f == NULL:
        return trap_at(cx, pc, TRAP_NULL_STRUCT)
    fp[pc[1].s.a] = <uint32_t><int32_t>(<int8_t*>f)[0]
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_struct_get8_u(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                         uint64_t msize) noexcept nogil:
    cdef uint8_t* f = struct_field(pc, fp, pc[1].s.b)
    if f == NULL:
        return trap_at(cx, pc, TRAP_NULL_STRUCT)
    fp[pc[1].s.a] = f[0]
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_struct_get16_s(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                          uint64_t msize) noexcept nogil:
    cdef uint8_t* f = struct_field(pc, fp, pc[1].s.b)
    if f == NULL:
        return trap_at(cx, pc, TRAP_NULL_STRUCT)
    fp[pc[1].s.a] = <uint32_t><int32_t>(<int16_t*>f)[0]
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_struct_get16_u(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                          uint64_t msize) noexcept nogil:
    cdef uint8_t* f = struct_field(pc, fp, pc[1].s.b)
    if f == NULL:
        return trap_at(cx, pc, TRAP_NULL_STRUCT)
    fp[pc[1].s.a] = (<uint16_t*>f)[0]
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_struct_get32(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    cdef uint8_t* f = struct_field(pc, fp, pc[1].s.b)
    if f == NULL:
        return trap_at(cx, pc, TRAP_NULL_STRUCT)
    fp[pc[1].s.a] = (<uint32_t*>f)[0]
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_struct_get64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    cdef uint8_t* f = struct_field(pc, fp, pc[1].s.b)
    if f == NULL:
        return trap_at(cx, pc, TRAP_NULL_STRUCT)
    fp[pc[1].s.a] = (<uint64_t*>f)[0]
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_struct_get128(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                         uint64_t msize) noexcept nogil:
    cdef uint8_t* f = struct_field(pc, fp, pc[1].s.b)
    if f == NULL:
        return trap_at(cx, pc, TRAP_NULL_STRUCT)
    memcpy(fp + pc[1].s.a, f, 16)
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef inline int struct_set_at(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                              uint64_t msize, uint32_t size) noexcept nogil:
    cdef uint8_t* f = struct_field(pc, fp, pc[1].s.a)
    if f == NULL:
        return trap_at(cx, pc, TRAP_NULL_STRUCT)
    gc_store(f, fp + pc[1].s.b, size)
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_struct_set8(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    return struct_set_at(pc, fp, cx, mem, msize, 1)


cdef int h_struct_set16(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    return struct_set_at(pc, fp, cx, mem, msize, 2)


cdef int h_struct_set32(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    return struct_set_at(pc, fp, cx, mem, msize, 4)


cdef int h_struct_set64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    return struct_set_at(pc, fp, cx, mem, msize, 8)


cdef int h_struct_set128(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                         uint64_t msize) noexcept nogil:
    return struct_set_at(pc, fp, cx, mem, msize, 16)


# ---- arrays ----

cdef inline uint32_t array_len(uint64_t arr) noexcept nogil:
    return (<uint32_t*>(<uint8_t*><uintptr_t>arr + GC_ARRAY_LEN))[0]


cdef inline uint8_t* array_elem(uint64_t arr, uint64_t i, uint32_t size) noexcept nogil:
    return <uint8_t*><uintptr_t>arr + GC_ARRAY_DATA + i * size


cdef inline bint array_range_oob(uint64_t arr, uint64_t start, uint64_t n) noexcept nogil:
    """Whether [start, start + n) reaches past the array's length (u32 operands)."""
    return start + n > array_len(arr)


cdef inline void array_fill_cells(uint8_t* p, const uint64_t* val, uint64_t n,
                                  uint32_t size) noexcept nogil:
    """Store the value of slots `val` into n consecutive elements of `size` bytes from p."""
    cdef uint64_t i
    if size == 1:
        memset(p, <uint8_t>val[0], n)
        return
    for i in range(n):
        gc_store(p + i * size, val, size)


cdef int h_array_new(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                     uint64_t msize) noexcept nogil:
    cdef const GcLayout* lay = layout_of(cx, pc[2].w.lo)
    cdef uint32_t n = <uint32_t>fp[pc[1].s.c]
    cdef uint8_t* p = gc_alloc(cx, lay, n, fp)
    cdef const uint64_t* val
    if p == NULL:
        return trap_at(cx, pc, cx.gc.trap)
    val = fp + pc[1].s.b
    # a new object is zero: a zero value (0, +0.0, null) needs no stores
    if val[0] != 0 or (lay.fields[0].size == 16 and val[1] != 0):
        array_fill_cells(p + GC_ARRAY_DATA, val, n, lay.fields[0].size)
    fp[pc[1].s.a] = <uint64_t><uintptr_t>p
    return gc_next(pc, fp, cx, mem, msize, 3)


cdef int h_array_new_default(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                             uint64_t msize) noexcept nogil:
    cdef uint8_t* p = gc_alloc(cx, layout_of(cx, pc[1].w.hi), <uint32_t>fp[pc[1].s.b], fp)
    if p == NULL:
        return trap_at(cx, pc, cx.gc.trap)
    fp[pc[1].s.a] = <uint64_t><uintptr_t>p
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_array_new_fixed(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                           uint64_t msize) noexcept nogil:
    cdef const GcLayout* lay = layout_of(cx, pc[2].w.lo)
    cdef uint32_t n = <uint32_t>pc[1].w.hi, k
    cdef uint32_t size = lay.fields[0].size
    cdef uint8_t* p = gc_alloc(cx, lay, n, fp)
    cdef const uint64_t* src = fp + pc[1].s.b
    if p == NULL:
        return trap_at(cx, pc, cx.gc.trap)
    for k in range(n):
        gc_store(p + GC_ARRAY_DATA + k * size, src, size)
        src += 2 if size == 16 else 1
    fp[pc[1].s.a] = <uint64_t><uintptr_t>p
    return gc_next(pc, fp, cx, mem, msize, 3)


cdef int h_array_new_data(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                          uint64_t msize) noexcept nogil:
    cdef const GcLayout* lay = layout_of(cx, pc[2].w.hi)
    cdef DataRec* seg = &cx.inst.datas[<uint32_t>pc[2].w.lo]
    cdef uint64_t s = <uint32_t>fp[pc[1].s.b]
    cdef uint32_t n = <uint32_t>fp[pc[1].s.c]
    cdef uint64_t nbytes = <uint64_t>n * lay.fields[0].size
    cdef uint8_t* p
    if s + nbytes > seg.len:
        return trap_at(cx, pc, TRAP_OOB_MEMORY)
    p = gc_alloc(cx, lay, n, fp)
    if p == NULL:
        return trap_at(cx, pc, cx.gc.trap)
    memcpy(p + GC_ARRAY_DATA, seg.bytes + s, nbytes)
    fp[pc[1].s.a] = <uint64_t><uintptr_t>p
    return gc_next(pc, fp, cx, mem, msize, 3)


cdef int h_array_new_elem(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                          uint64_t msize) noexcept nogil:
    cdef ElemRec* seg = &cx.inst.elems[<uint32_t>pc[2].w.lo]
    cdef uint64_t s = <uint32_t>fp[pc[1].s.b]
    cdef uint32_t n = <uint32_t>fp[pc[1].s.c]
    cdef uint8_t* p
    if s + n > seg.len:
        return trap_at(cx, pc, TRAP_OOB_TABLE)
    p = gc_alloc(cx, layout_of(cx, pc[2].w.hi), n, fp)
    if p == NULL:
        return trap_at(cx, pc, cx.gc.trap)
    memcpy(p + GC_ARRAY_DATA, seg.refs + s, <uint64_t>n * 8)
    fp[pc[1].s.a] = <uint64_t><uintptr_t>p
    return gc_next(pc, fp, cx, mem, msize, 3)


cdef inline uint8_t* array_at(const Cell* pc, uint64_t* fp, Ctx* cx, uint16_t arr_slot,
                              uint16_t index_slot, uint32_t size, int* trap) noexcept nogil:
    """The address of element u32(fp[index_slot]) of the array in fp[arr_slot], or NULL
    with `trap` set (a null array, an index out of bounds)."""
    cdef uint64_t arr = fp[arr_slot]
    cdef uint32_t i = <uint32_t>fp[index_slot]
    if arr == 0:
        trap[0] = TRAP_NULL_ARRAY
        return NULL
    if i >= array_len(arr):
        trap[0] = TRAP_OOB_ARRAY
        return NULL
    return array_elem(arr, i, size)


cdef int h_array_get8_s(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    cdef int trap = 0
    cdef uint8_t* e = array_at(pc, fp, cx, pc[1].s.b, pc[1].s.c, 1, &trap)
    if e == NULL:
        return trap_at(cx, pc, trap)
    fp[pc[1].s.a] = <uint32_t><int32_t>(<int8_t*>e)[0]
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_array_get8_u(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    cdef int trap = 0
    cdef uint8_t* e = array_at(pc, fp, cx, pc[1].s.b, pc[1].s.c, 1, &trap)
    if e == NULL:
        return trap_at(cx, pc, trap)
    fp[pc[1].s.a] = e[0]
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_array_get16_s(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                         uint64_t msize) noexcept nogil:
    cdef int trap = 0
    cdef uint8_t* e = array_at(pc, fp, cx, pc[1].s.b, pc[1].s.c, 2, &trap)
    if e == NULL:
        return trap_at(cx, pc, trap)
    fp[pc[1].s.a] = <uint32_t><int32_t>(<int16_t*>e)[0]
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_array_get16_u(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                         uint64_t msize) noexcept nogil:
    cdef int trap = 0
    cdef uint8_t* e = array_at(pc, fp, cx, pc[1].s.b, pc[1].s.c, 2, &trap)
    if e == NULL:
        return trap_at(cx, pc, trap)
    fp[pc[1].s.a] = (<uint16_t*>e)[0]
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_array_get32(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    cdef int trap = 0
    cdef uint8_t* e = array_at(pc, fp, cx, pc[1].s.b, pc[1].s.c, 4, &trap)
    if e == NULL:
        return trap_at(cx, pc, trap)
    fp[pc[1].s.a] = (<uint32_t*>e)[0]
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_array_get64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    cdef int trap = 0
    cdef uint8_t* e = array_at(pc, fp, cx, pc[1].s.b, pc[1].s.c, 8, &trap)
    if e == NULL:
        return trap_at(cx, pc, trap)
    fp[pc[1].s.a] = (<uint64_t*>e)[0]
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_array_get128(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    cdef int trap = 0
    cdef uint8_t* e = array_at(pc, fp, cx, pc[1].s.b, pc[1].s.c, 16, &trap)
    if e == NULL:
        return trap_at(cx, pc, trap)
    memcpy(fp + pc[1].s.a, e, 16)
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef inline int array_set_at(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                             uint64_t msize, uint32_t size) noexcept nogil:
    cdef int trap = 0
    cdef uint8_t* e = array_at(pc, fp, cx, pc[1].s.a, pc[1].s.b, size, &trap)
    if e == NULL:
        return trap_at(cx, pc, trap)
    gc_store(e, fp + pc[1].s.c, size)
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_array_set8(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    return array_set_at(pc, fp, cx, mem, msize, 1)


cdef int h_array_set16(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    return array_set_at(pc, fp, cx, mem, msize, 2)


cdef int h_array_set32(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    return array_set_at(pc, fp, cx, mem, msize, 4)


cdef int h_array_set64(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                       uint64_t msize) noexcept nogil:
    return array_set_at(pc, fp, cx, mem, msize, 8)


cdef int h_array_set128(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                        uint64_t msize) noexcept nogil:
    return array_set_at(pc, fp, cx, mem, msize, 16)


cdef int h_array_len(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                     uint64_t msize) noexcept nogil:
    cdef uint64_t arr = fp[pc[1].s.b]
    if arr == 0:
        return trap_at(cx, pc, TRAP_NULL_ARRAY)
    fp[pc[1].s.a] = array_len(arr)
    return gc_next(pc, fp, cx, mem, msize, 2)


cdef int h_array_fill(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    cdef uint64_t arr = fp[pc[1].s.a]
    cdef uint64_t d = <uint32_t>fp[pc[1].s.b]
    cdef uint64_t n = <uint32_t>fp[pc[1].s.d]
    cdef uint32_t size = <uint32_t>pc[2].w.lo
    if arr == 0:
        return trap_at(cx, pc, TRAP_NULL_ARRAY)
    if array_range_oob(arr, d, n):
        return trap_at(cx, pc, TRAP_OOB_ARRAY)
    array_fill_cells(array_elem(arr, d, size), fp + pc[1].s.c, n, size)
    return gc_next(pc, fp, cx, mem, msize, 3)


cdef int h_array_copy(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                      uint64_t msize) noexcept nogil:
    cdef uint64_t dst = fp[pc[1].s.a], src = fp[pc[1].s.c]
    cdef uint64_t d = <uint32_t>fp[pc[1].s.b]
    cdef uint64_t s = <uint32_t>fp[pc[1].s.d]
    cdef uint64_t n = <uint32_t>fp[pc[2].s.a]
    cdef uint32_t size = <uint32_t>pc[2].w.hi
    if dst == 0 or src == 0:
        return trap_at(cx, pc, TRAP_NULL_ARRAY)
    if array_range_oob(dst, d, n) or array_range_oob(src, s, n):
        return trap_at(cx, pc, TRAP_OOB_ARRAY)
    memmove(array_elem(dst, d, size), array_elem(src, s, size), n * size)
    return gc_next(pc, fp, cx, mem, msize, 3)


cdef int h_array_init_data(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                           uint64_t msize) noexcept nogil:
    cdef uint64_t arr = fp[pc[1].s.a]
    cdef uint64_t d = <uint32_t>fp[pc[1].s.b]
    cdef uint64_t s = <uint32_t>fp[pc[1].s.c]
    cdef uint64_t n = <uint32_t>fp[pc[1].s.d]
    cdef DataRec* seg = &cx.inst.datas[<uint32_t>pc[2].w.lo]
    cdef uint32_t size = <uint32_t>pc[2].w.hi
    if arr == 0:
        return trap_at(cx, pc, TRAP_NULL_ARRAY)
    if array_range_oob(arr, d, n):
        return trap_at(cx, pc, TRAP_OOB_ARRAY)
    if s + n * size > seg.len:
        return trap_at(cx, pc, TRAP_OOB_MEMORY)
    memcpy(array_elem(arr, d, size), seg.bytes + s, n * size)
    return gc_next(pc, fp, cx, mem, msize, 3)


cdef int h_array_init_elem(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                           uint64_t msize) noexcept nogil:
    cdef uint64_t arr = fp[pc[1].s.a]
    cdef uint64_t d = <uint32_t>fp[pc[1].s.b]
    cdef uint64_t s = <uint32_t>fp[pc[1].s.c]
    cdef uint64_t n = <uint32_t>fp[pc[1].s.d]
    cdef ElemRec* seg = &cx.inst.elems[<uint32_t>pc[2].w.lo]
    if arr == 0:
        return trap_at(cx, pc, TRAP_NULL_ARRAY)
    if array_range_oob(arr, d, n):
        return trap_at(cx, pc, TRAP_OOB_ARRAY)
    if s + n > seg.len:
        return trap_at(cx, pc, TRAP_OOB_TABLE)
    memcpy(array_elem(arr, d, 8), seg.refs + s, n * 8)
    return gc_next(pc, fp, cx, mem, msize, 3)


# ---- casts ----
# A target is a heap type code (bit 8: null matches) and, for a defined type, its module
# type index.  Cells: any/extern hierarchies 0 null, odd i31, ...000 a GC object, ...10
# a host object; func hierarchy a FuncRec*.

cdef inline bint ref_matches(Ctx* cx, uint64_t cell, uint32_t target,
                             uint32_t type) noexcept nogil:
    """Whether reference `cell` is of the op's target type (its hierarchy is the static
    type's, so a cell is read only as what that hierarchy holds)."""
    cdef uint32_t code = target & 0xFF
    cdef uint32_t t, id
    if cell == 0:
        return (target >> 8) & 1
    if code == HT_CONCRETE:
        id = cx.inst.type_ids[type]
        if canon_info(CANON, id) & 3 == TK_FUNC:
            t = (<FuncRec*><uintptr_t>cell).type_id
        elif cell & 7:
            return 0
        else:
            t = (<GcHeader*><uintptr_t>cell).type_id
        return t == id or canon_sub(CANON, t, id)
    if code == HT_ANY or code == HT_FUNC or code == HT_EXTERN or code == HT_EXN:
        return 1
    if code == HT_I31:
        return cell & 1
    if code == HT_EQ:
        return (cell & 1) or (cell & 7) == 0
    if code == HT_STRUCT or code == HT_ARRAY:
        if cell & 7:
            return 0
        return canon_info(CANON, (<GcHeader*><uintptr_t>cell).type_id) & 3 == (
            TK_STRUCT if code == HT_STRUCT else TK_ARRAY)
    return 0                                    # none, nofunc, noextern, noexn: null only


cdef int h_ref_test(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                    uint64_t msize) noexcept nogil:
    fp[pc[1].s.a] = ref_matches(cx, fp[pc[1].s.b], <uint32_t>pc[2].w.lo, <uint32_t>pc[2].w.hi)
    return gc_next(pc, fp, cx, mem, msize, 3)


cdef int h_ref_cast(const Cell* pc, uint64_t* fp, Ctx* cx, uint8_t* mem,
                    uint64_t msize) noexcept nogil:
    if not ref_matches(cx, fp[pc[1].s.a], <uint32_t>pc[2].w.lo, <uint32_t>pc[2].w.hi):
        return trap_at(cx, pc, TRAP_CAST)
    return gc_next(pc, fp, cx, mem, msize, 3)
