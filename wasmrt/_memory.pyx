# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""wasmrt._memory: linear memory (reserve address space, commit on grow, zero-copy buffers;
mmap/mprotect or VirtualAlloc, see include/wasmrt_port.h).

See `_memory.pxd` for the `MemRec` layout and the inline access helpers the interpreter uses.
"""

import sys

from .errors import WasmtimeError

from libc.stdint cimport int64_t, uint8_t, uint64_t
from libc.stdlib cimport free, realloc
from libc.errno cimport errno
from libc.string cimport memcmp, memcpy, memset

from ._port cimport (wasmrt_image_close, wasmrt_image_map, wasmrt_image_new,
                     wasmrt_image_read, wasmrt_image_seal, wasmrt_image_write,
                     wasmrt_vm_commit, wasmrt_vm_free, wasmrt_vm_reserve)

cdef extern from "wasmrt_atomic.h" nogil:
    void wr_spin_lock(int* lock)
    void wr_spin_unlock(int* lock)
    void wr_store_release_u64(uint64_t* p, uint64_t v)

if sys.byteorder != "little":  # loads/stores are memcpy of host-order integers
    raise ImportError("wasmrt needs a little-endian host")

# wasm32 addresses reach 2**32 - 1 plus a 32-bit offset: reserve 4 GiB of pages and a guard.
cdef uint64_t RESERVE_BYTES = (1ULL << 32) + (1ULL << 31)
# A 64-bit memory reserves its maximum size, up to this much address space (every access
# is checked explicitly); it cannot grow past its reservation.
cdef uint64_t MEM64_RESERVE_BYTES = 1ULL << 34
cdef uint64_t COMMIT_UNIT = 65536         # commits are in 64 KiB steps (any host page size)


cdef inline uint64_t round_commit(uint64_t n) noexcept nogil:
    return (n + COMMIT_UNIT - 1) & ~(COMMIT_UNIT - 1)


def max_pages_of(bint is_64, uint32_t page_size_log2) -> int:
    """The largest size in pages of a memory type: 2**32 bytes for a 32-bit memory, 2**48
    pages of 64 KiB (or 2**64 - 1 bytes) for a 64-bit one."""
    if is_64:
        return (1 << 48) if page_size_log2 == 16 else (1 << 64) - 1
    return (1 << 32) >> page_size_log2


cdef int64_t mem_grow(MemRec* m, uint64_t delta) noexcept nogil:
    """Grow by `delta` pages; old size in pages, or -1 when the memory cannot grow.  A
    shared memory grows under its lock (other threads may grow it at the same time)."""
    cdef int64_t r
    if not m.shared:
        return grow_locked(m, delta)
    wr_spin_lock(&m.grow_lock)
    r = grow_locked(m, delta)
    wr_spin_unlock(&m.grow_lock)
    return r


cdef int64_t grow_locked(MemRec* m, uint64_t delta) noexcept nogil:
    cdef uint64_t old = m.pages
    cdef uint64_t new_pages, new_size, have, need
    cdef void* p
    if old > m.max_pages or delta > m.max_pages - old:   # (a Store limit may be below old)
        m.refused += 1
        return -1
    if delta == 0:
        return <int64_t>old
    new_pages = old + delta
    if new_pages > (0xFFFFFFFFFFFFFFFFULL >> m.page_shift):
        return -1
    new_size = new_pages << m.page_shift
    if m.mode == MEM_MODE_MMAP:
        if new_size > m.reserved:
            return -1
        have = round_commit(m.size)
        need = round_commit(new_size)
        if need > have and wasmrt_vm_commit(m.base + have, need - have) != 0:
            return -1
    elif m.mode == MEM_MODE_MALLOC:
        if m.exports > 0 or new_size != <size_t>new_size:
            return -1
        p = realloc(m.base, new_size)
        if p == NULL:
            return -1
        memset(<uint8_t*>p + m.size, 0, new_size - m.size)
        m.base = <uint8_t*>p
    else:
        return -1
    # The committed pages first, then the size, then the page count: a thread that reads
    # the new count (memory.size) and then accesses the new pages finds the size there.
    wr_store_release_u64(&m.size, new_size)
    wr_store_release_u64(&m.pages, new_pages)
    return <int64_t>old


cdef class MemoryInstance:
    """A linear memory of `min_pages` pages growing up to `declared_max` pages (or the
    largest size of its type): 32-bit or 64-bit (`is_64`), with 64 KiB pages or, with
    `page_size_log2=0`, 1-byte pages.

    Supports the buffer protocol: ``memoryview(mem)`` is a zero-copy, writable view of the
    committed bytes; it stays valid across ``grow`` (the base never moves).
    """

    def __cinit__(self, uint64_t min_pages, object max_pages=None, bint reserve=True,
                  bint is_64=False, uint32_t page_size_log2=16, bint shared=False):
        cdef void* p
        cdef uint64_t limit, reserve_bytes
        if page_size_log2 != 16 and page_size_log2 != 0:
            raise ValueError("invalid custom page size")
        limit = max_pages_of(is_64, page_size_log2)
        if min_pages > limit:
            raise ValueError("memory size must be at most %d pages" % limit)
        if max_pages is not None:
            if max_pages < min_pages:
                raise ValueError("size minimum must not be greater than maximum")
            if max_pages < limit:
                limit = <uint64_t>max_pages
        self.min_pages = min_pages
        self.declared_max = max_pages
        self.is_64 = is_64
        self.rec.max_pages = limit
        self.rec.page_shift = page_size_log2
        self.rec.addr_mask = 0xFFFFFFFFFFFFFFFFULL if is_64 else 0xFFFFFFFFULL
        self.rec.pages = 0
        self.rec.size = 0
        self.rec.exports = 0
        self.rec.refused = 0
        self.rec.shared = shared
        self.rec.grow_lock = 0
        self.shared = shared
        reserve_bytes = RESERVE_BYTES
        if is_64:
            reserve_bytes = MEM64_RESERVE_BYTES
            if limit <= (MEM64_RESERVE_BYTES >> page_size_log2):
                reserve_bytes = round_commit(limit << page_size_log2)
        p = NULL
        if reserve and reserve_bytes:  # reserve=False forces the realloc fallback
            p = wasmrt_vm_reserve(reserve_bytes)
        if p != NULL:
            self.rec.mode = MEM_MODE_MMAP
            self.rec.base = <uint8_t*>p
            self.rec.reserved = reserve_bytes
        elif shared:        # its base must never move: no realloc fallback
            raise WasmtimeError(
                f"out of memory (failed to reserve {reserve_bytes} bytes for a shared memory)")
        else:
            self.rec.mode = MEM_MODE_MALLOC
            self.rec.base = NULL
            self.rec.reserved = 0
        if min_pages and mem_grow(&self.rec, min_pages) < 0:
            # what the host refused, in wasmtime's words (never a bare MemoryError)
            raise WasmtimeError(
                f"out of memory (failed to allocate {min_pages << page_size_log2} bytes)")

    def __dealloc__(self):
        if self.rec.mode == MEM_MODE_MMAP and self.rec.base != NULL:
            wasmrt_vm_free(self.rec.base, self.rec.reserved)
        elif self.rec.mode == MEM_MODE_MALLOC:
            free(self.rec.base)
        self.rec.base = NULL

    cdef int64_t grow_pages(self, uint64_t delta) noexcept nogil:
        return mem_grow(&self.rec, delta)

    def grow(self, delta: int) -> int:
        """Grow by `delta` pages; returns the old size in pages, or -1 if it cannot grow."""
        if delta < 0 or delta > 0xFFFFFFFFFFFFFFFF:
            return -1
        return mem_grow(&self.rec, <uint64_t>delta)

    @property
    def pages(self) -> int:
        """Current size in pages."""
        return self.rec.pages

    @property
    def page_size_log2(self) -> int:
        """log2 of the page size in bytes: 16 (64 KiB), or 0 (custom page sizes)."""
        return self.rec.page_shift

    @property
    def data_len(self) -> int:
        """Current size in bytes."""
        return self.rec.size

    @property
    def max_pages(self) -> int:
        """Effective maximum in pages (the declared one, or the largest of its type)."""
        return self.rec.max_pages

    @property
    def data_ptr(self) -> int:
        """Address of the first byte (stable in mmap mode)."""
        return <size_t>self.rec.base

    @property
    def mmap_backed(self) -> bool:
        """True when the memory reserved its address space (the base never moves)."""
        return self.rec.mode == MEM_MODE_MMAP

    cdef int _check(self, uint64_t start, uint64_t n) except -1:
        if start > self.rec.size or n > self.rec.size - start:
            raise IndexError("out of bounds memory access")
        return 0

    def read(self, start: int, stop: int) -> bytes:
        """Bytes [start, stop) as a new `bytes` object (IndexError when out of bounds)."""
        if start < 0 or stop < start:
            raise IndexError("out of bounds memory access")
        self._check(start, stop - start)
        return (<char*>self.rec.base)[start:stop]

    def write(self, data, start: int = 0) -> None:
        """Copy a bytes-like object into memory at `start` (IndexError when out of bounds)."""
        cdef const uint8_t[::1] view = memoryview(data).cast("B")
        cdef Py_ssize_t n = view.shape[0]
        if start < 0:
            raise IndexError("out of bounds memory access")
        self._check(start, n)
        if n:
            memcpy(self.rec.base + <uint64_t>start, &view[0], n)

    def __getbuffer__(self, Py_buffer* buf, int flags):
        buf.buf = <void*>self.rec.base if self.rec.base != NULL else <void*>&self.rec
        buf.len = <Py_ssize_t>self.rec.size
        buf.readonly = 0
        buf.itemsize = 1
        buf.format = "B"
        buf.ndim = 1
        buf.shape = &buf.len
        buf.strides = &buf.itemsize
        buf.suboffsets = NULL
        buf.internal = NULL
        buf.obj = self
        self.rec.exports += 1

    def __releasebuffer__(self, Py_buffer* buf):
        self.rec.exports -= 1

    def __len__(self) -> int:
        return <Py_ssize_t>self.rec.size

    @property
    def grows_refused(self) -> int:
        """How many grows were refused for going past the maximum (e.g. a Store limit)."""
        return self.rec.refused

    # ---- images (snapshots): the contents in a sealed file, mapped copy-on-write ----

    def save_image(self) -> int:
        """The committed bytes in a new sealed image file (`new_image`, `seal_image`), runs
        of zeros left as holes; returns the descriptor, which the caller owns."""
        cdef int fd = new_image(self.rec.size)
        cdef uint64_t off = 0
        cdef uint64_t n
        cdef bint ok = True
        with nogil:
            while off < self.rec.size:
                n = self.rec.size - off
                if n > IMAGE_CHUNK:
                    n = IMAGE_CHUNK
                if memcmp(self.rec.base + off, ZERO_CHUNK, n) != 0:
                    if wasmrt_image_write(fd, self.rec.base + off, n, off) != 0:
                        ok = False
                        break
                off += n
        if not ok:
            wasmrt_image_close(fd)
            raise OSError(errno, "cannot write the memory image")
        try:
            seal_image(fd)
        except BaseException:
            wasmrt_image_close(fd)
            raise
        return fd

    def load_image(self, int fd, uint64_t pages) -> None:
        """Make this new memory (no bigger than the image, never written) `pages` pages
        holding the image in `fd` (as long): a private mapping of it, so its pages are
        shared with every other memory loaded from it until written (copy-on-write).
        Without a reservation the bytes are copied."""
        cdef uint64_t size
        if self.rec.pages > pages or pages > self.rec.max_pages:
            raise ValueError("an image loads into a new memory it can grow to")
        if pages == 0:
            return
        size = pages << self.rec.page_shift
        if self.rec.mode == MEM_MODE_MMAP and size <= self.rec.reserved:
            if wasmrt_image_map(self.rec.base, size, fd) == NULL:
                raise OSError(errno, "cannot map the memory image")
            self.rec.size = size
            self.rec.pages = pages
            return
        if mem_grow(&self.rec, pages - self.rec.pages) < 0:
            raise MemoryError(f"cannot allocate a memory of {pages} pages")
        if wasmrt_image_read(fd, self.rec.base, size, 0) != 0:
            raise OSError(errno, "cannot read the memory image")


cdef enum:
    IMAGE_CHUNK = 65536             # runs of zeros this long stay holes in an image


cdef uint8_t ZERO_CHUNK[65536]


def new_image(uint64_t nbytes) -> int:
    """A new file of `nbytes` zero bytes (a memfd on Linux), to hold a memory image; the
    caller owns the descriptor."""
    cdef int fd = wasmrt_image_new(nbytes)
    if fd < 0:
        raise OSError(errno, "cannot create a memory image")
    return fd


def seal_image(int fd) -> None:
    """Make image `fd` immutable: its size and bytes can no longer change, which the
    private mappings of `load_image` rely on (a write to the file would show through
    pages not yet copied)."""
    if wasmrt_image_seal(fd) != 0:
        raise OSError(errno, "cannot seal the memory image")
