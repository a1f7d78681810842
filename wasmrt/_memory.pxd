# cython: language_level=3
"""Linear memory: the `MemRec` the interpreter reads, and inline access helpers.

A memory reserves its whole address range once (wasm32: 4 GiB + a guard, `PROT_NONE`,
`MAP_NORESERVE`; a 64-bit memory: its maximum size, at most `MEM64_RESERVE_BYTES`) and
commits pages with `mprotect` on grow, so `base` never moves and exported buffers stay
valid.  Every access is bounds-checked explicitly (guard pages cannot cover a 64-bit
address space; the wasm32 guard only keeps wild C pointers from other mappings).  If the
reservation fails it falls back to `realloc` and refuses to grow while buffers are
exported.  A shared memory (threads) must reserve (its base never moves while other threads
run); its grows are serialised and publish the new size last.  The interpreter keeps memory
0's `base`/`size` in registers and reloads them
after `memory.grow`, calls and host calls; other memories, and 64-bit ones, are read
through the instance (`InstCtx.mems`).

Page sizes: 64 KiB, or 1 byte with the custom-page-sizes proposal (`page_shift` 16 or 0);
`pages`, `max_pages` and `memory.grow`'s delta count in the memory's own pages.

Loads and stores are little-endian (`memcpy`); the host must be little-endian too
(x86-64, aarch64), which `_memory.pyx` checks at import.
"""

from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

cdef enum:
    MEM_MODE_EMPTY = 0      # no storage (size 0, the shared placeholder of memory-less instances)
    MEM_MODE_MMAP = 1       # reserved address space, committed on grow
    MEM_MODE_MALLOC = 2     # realloc fallback: grow refused while buffers are exported


ctypedef struct MemRec:
    uint8_t* base           # first byte; never moves in MMAP mode
    uint64_t size           # bytes = pages << page_shift (the bounds of every access)
    # an address operand is `slot & addr_mask`: 0xFFFFFFFF for a 32-bit memory (an i32 in
    # a slot), all ones for a 64-bit one; memory.grow's -1 is all ones of that width too
    uint64_t addr_mask
    uint64_t pages          # current size in pages
    uint64_t max_pages      # declared maximum, else the largest size of its address type
    uint64_t reserved       # bytes of address space reserved (MMAP mode)
    uint32_t page_shift     # log2 of the page size: 16, or 0 (custom page sizes)
    int mode                # MEM_MODE_*
    int exports             # buffers currently exported (memoryviews, NumPy arrays)
    uint64_t refused        # grows refused for going past max_pages (a Store limit, ...)
    int shared              # a shared memory (threads): used by Stores on several threads
    int grow_lock           # a shared memory's grows are serialised (wr_spin_lock)


cdef class MemoryInstance:
    """A linear memory owned by a store; instances that import it share the `MemRec`."""
    cdef MemRec rec
    cdef readonly uint64_t min_pages        # declared minimum (its type)
    cdef readonly object declared_max       # declared maximum (int) or None (its type)
    cdef readonly bint is_64                # memory64: i64 addresses (its type)
    cdef readonly bint shared               # threads: a shared memory (its type)
    cdef int64_t grow_pages(self, uint64_t delta) noexcept nogil
    cdef int _check(self, uint64_t start, uint64_t n) except -1


# Grow by `delta` pages: old size in pages, or -1 (over the maximum, the reservation,
# out of memory, or buffers exported in MALLOC mode).  Never raises.
cdef int64_t mem_grow(MemRec* m, uint64_t delta) noexcept nogil


cdef inline uint16_t mem_ld_u16(const uint8_t* p) noexcept nogil:
    cdef uint16_t v
    memcpy(&v, p, 2)
    return v


cdef inline uint32_t mem_ld_u32(const uint8_t* p) noexcept nogil:
    cdef uint32_t v
    memcpy(&v, p, 4)
    return v


cdef inline uint64_t mem_ld_u64(const uint8_t* p) noexcept nogil:
    cdef uint64_t v
    memcpy(&v, p, 8)
    return v


cdef inline void mem_st_u16(uint8_t* p, uint16_t v) noexcept nogil:
    memcpy(p, &v, 2)


cdef inline void mem_st_u32(uint8_t* p, uint32_t v) noexcept nogil:
    memcpy(p, &v, 4)


cdef inline void mem_st_u64(uint8_t* p, uint64_t v) noexcept nogil:
    memcpy(p, &v, 8)


cdef inline bint mem_in_bounds(uint64_t size, uint64_t ea, uint64_t n) noexcept nogil:
    """True when [ea, ea + n) lies inside a memory of `size` bytes (64-bit arithmetic: ea and
    n are each below 2**33, so the sum cannot wrap)."""
    return ea + n <= size


cdef inline bint mem_oob(const MemRec* m, uint64_t addr, uint64_t offset, uint64_t n,
                         uint64_t* ea) noexcept nogil:
    """An access of `n` bytes at address operand `addr` (a slot, read as the memory's width)
    plus `offset` in memory `m`: sets `ea` and returns True when out of bounds.  Exact for
    64-bit operands: `addr + offset` wrapping past 2**64 is out of bounds."""
    cdef uint64_t e = (addr & m.addr_mask) + offset
    ea[0] = e
    return e < offset or n > m.size or e > m.size - n


cdef inline bint mem_range_oob(const MemRec* m, uint64_t start, uint64_t n) noexcept nogil:
    """Whether bytes [start, start + n) (u64 values) reach past memory `m` (bulk ops)."""
    return start > m.size or n > m.size - start
