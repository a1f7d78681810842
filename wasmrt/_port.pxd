# cython: language_level=3
"""The compiler- and OS-specific helpers of ``include/wasmrt_port.h`` (bit counts, virtual
memory), declared once for the modules that use them."""

from libc.stdint cimport uint32_t, uint64_t

cdef extern from "wasmrt_port.h" nogil:
    int wasmrt_clz32(uint32_t x)        # x != 0
    int wasmrt_ctz32(uint32_t x)        # x != 0
    int wasmrt_popcnt32(uint32_t x)
    int wasmrt_clz64(uint64_t x)        # x != 0
    int wasmrt_ctz64(uint64_t x)        # x != 0
    int wasmrt_popcnt64(uint64_t x)
    void* wasmrt_vm_reserve(size_t n)   # no access; NULL on failure
    int wasmrt_vm_commit(void* p, size_t n)  # read-write, zero-filled; 0 on success
    void* wasmrt_vm_alloc(size_t n)     # read-write, backed once touched; NULL on failure
    void wasmrt_vm_free(void* p, size_t n)
    int wasmrt_image_new(uint64_t n)    # a file of n zero bytes; -1 (errno) on failure
    int wasmrt_image_seal(int fd)       # 0 on success
    void* wasmrt_image_map(void* at, size_t n, int fd)  # copy-on-write at `at`; NULL
    int wasmrt_image_write(int fd, const void* p, uint64_t n, uint64_t off)  # 0 on success
    int wasmrt_image_read(int fd, void* p, uint64_t n, uint64_t off)         # 0 on success
    void wasmrt_image_close(int fd)
