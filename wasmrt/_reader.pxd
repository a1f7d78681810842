# cython: language_level=3
"""Inline, ``nogil`` byte reader over a module's bytes: u8, LEB128, floats, names.

A ``Reader`` is a cursor ``p`` between ``base`` (start of the module, for offsets) and
``end`` (end of the current section or body).  Every ``rd_*`` helper is
``noexcept nogil``: on failure it records the *first* error in ``r.err`` (a ``ReadError``)
and ``r.err_at``, moves the cursor to ``end`` (so later reads fail too) and returns 0.
Callers check ``r.err`` after a group of reads and raise ``DecodeError`` once, with
``rd_message(err)`` and the byte offset ``err_at - base``.

LEB128 follows the spec (5.2.2): at most ceil(N/7) bytes ("integer representation too
long"), and the unused bits of the last byte must be zero (unsigned) or a sign extension
(signed) ("integer too large").
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t


cdef enum ReadError:
    RD_OK = 0
    RD_EOF = 1            # "unexpected end"
    RD_TOO_LONG = 2       # "integer representation too long"
    RD_TOO_LARGE = 3      # "integer too large"
    RD_UTF8 = 4           # "malformed UTF-8 encoding"
    RD_LENGTH = 5         # "length out of bounds" (a length prefix beyond the input)


ctypedef struct Reader:
    const uint8_t* base   # first byte of the module: offsets are ``p - base``
    const uint8_t* p      # cursor
    const uint8_t* end    # one past the last byte this reader may read
    const uint8_t* limit  # one past the last byte of the whole input
    int err               # first ReadError seen (sticky), RD_OK if none
    const uint8_t* err_at  # where that error happened
    # inside a section or body: RD_EOF reads "unexpected end of section or function"
    # (outside: "unexpected end")
    int scoped


cdef inline void rd_init(Reader* r, const uint8_t* base, size_t n) noexcept nogil:
    r.base = base
    r.p = base
    r.end = base + n
    r.limit = base + n
    r.err = RD_OK
    r.err_at = NULL
    r.scoped = 0


cdef inline void rd_fail(Reader* r, int err, const uint8_t* at) noexcept nogil:
    if r.err == RD_OK:
        r.err = err
        r.err_at = at
    r.p = r.end


cdef inline size_t rd_offset(Reader* r) noexcept nogil:
    return <size_t>(r.p - r.base)


cdef inline size_t rd_left(Reader* r) noexcept nogil:
    return <size_t>(r.end - r.p) if r.p < r.end else 0


cdef inline bint rd_eof(Reader* r) noexcept nogil:
    return r.p >= r.end


cdef inline uint8_t rd_u8(Reader* r) noexcept nogil:
    if r.p >= r.end:
        rd_fail(r, RD_EOF, r.p)
        return 0
    cdef uint8_t b = r.p[0]
    r.p += 1
    return b


cdef inline uint8_t rd_peek(Reader* r) noexcept nogil:
    if r.p >= r.end:
        return 0
    return r.p[0]


cdef inline uint64_t rd_uleb(Reader* r, int bits) noexcept nogil:
    """Unsigned LEB128 of at most ``bits`` bits (32 or 64)."""
    cdef uint64_t result = 0
    cdef int shift = 0
    cdef uint8_t b
    cdef int maxbytes = (bits + 6) // 7
    cdef int i
    for i in range(maxbytes):
        if r.p >= r.end:
            rd_fail(r, RD_EOF, r.p)
            return 0
        b = r.p[0]
        r.p += 1
        if i == maxbytes - 1:
            # Last allowed byte: no continuation, unused high bits zero.
            if b & 0x80:
                rd_fail(r, RD_TOO_LONG, r.p - 1)
                return 0
            if bits - shift < 7 and (b >> (bits - shift)) != 0:
                rd_fail(r, RD_TOO_LARGE, r.p - 1)
                return 0
        result |= (<uint64_t>(b & 0x7F)) << shift
        if not (b & 0x80):
            return result
        shift += 7
    return result


cdef inline int64_t rd_sleb(Reader* r, int bits) noexcept nogil:
    """Signed LEB128 of at most ``bits`` bits (32, 33 or 64), sign-extended to 64 bits."""
    cdef uint64_t result = 0
    cdef int shift = 0
    cdef uint8_t b = 0
    cdef int maxbytes = (bits + 6) // 7
    cdef int i, used
    cdef uint8_t mask, signbits
    for i in range(maxbytes):
        if r.p >= r.end:
            rd_fail(r, RD_EOF, r.p)
            return 0
        b = r.p[0]
        r.p += 1
        if i == maxbytes - 1:
            if b & 0x80:
                rd_fail(r, RD_TOO_LONG, r.p - 1)
                return 0
            used = bits - shift          # payload bits this byte may carry (1..7)
            if used < 7:
                # bits [used-1 .. 6] must all equal the sign bit
                mask = <uint8_t>((0x7F >> (used - 1)) << (used - 1)) & 0x7F
                signbits = b & mask
                if signbits != 0 and signbits != mask:
                    rd_fail(r, RD_TOO_LARGE, r.p - 1)
                    return 0
        result |= (<uint64_t>(b & 0x7F)) << shift
        shift += 7
        if not (b & 0x80):
            break
    if shift < 64 and (b & 0x40):
        result |= (~(<uint64_t>0)) << shift
    return <int64_t>result


cdef inline uint32_t rd_u32(Reader* r) noexcept nogil:
    return <uint32_t>rd_uleb(r, 32)


cdef inline int32_t rd_s32(Reader* r) noexcept nogil:
    return <int32_t>rd_sleb(r, 32)


cdef inline int64_t rd_s33(Reader* r) noexcept nogil:
    return rd_sleb(r, 33)


cdef inline int64_t rd_s64(Reader* r) noexcept nogil:
    return rd_sleb(r, 64)


cdef inline uint64_t rd_u64(Reader* r) noexcept nogil:
    return rd_uleb(r, 64)


cdef inline uint32_t rd_le32(const uint8_t* q) noexcept nogil:
    return ((<uint32_t>q[0]) | (<uint32_t>q[1] << 8) | (<uint32_t>q[2] << 16)
            | (<uint32_t>q[3] << 24))


cdef inline uint32_t rd_f32_bits(Reader* r) noexcept nogil:
    """Little-endian IEEE 754 single, returned as its bit pattern."""
    if r.end - r.p < 4:
        rd_fail(r, RD_EOF, r.p)
        return 0
    cdef const uint8_t* q = r.p
    r.p += 4
    return rd_le32(q)


cdef inline uint64_t rd_f64_bits(Reader* r) noexcept nogil:
    """Little-endian IEEE 754 double, returned as its bit pattern."""
    if r.end - r.p < 8:
        rd_fail(r, RD_EOF, r.p)
        return 0
    cdef const uint8_t* q = r.p
    r.p += 8
    return (<uint64_t>rd_le32(q)) | ((<uint64_t>rd_le32(q + 4)) << 32)


cdef inline const uint8_t* rd_bytes(Reader* r, uint32_t n) noexcept nogil:
    """``n`` raw bytes: a pointer to them, or NULL (RD_EOF) if fewer remain."""
    if <size_t>(r.end - r.p) < n or r.p > r.end:
        rd_fail(r, RD_EOF, r.p)
        return NULL
    cdef const uint8_t* q = r.p
    r.p += n
    return q


cdef inline bint utf8_valid(const uint8_t* s, size_t n) noexcept nogil:
    """Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF), as the spec's ``name``."""
    cdef size_t i = 0
    cdef uint8_t c, c1
    cdef int k, j
    while i < n:
        c = s[i]
        if c < 0x80:
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            k = 1
        elif 0xE0 <= c <= 0xEF:
            k = 2
        elif 0xF0 <= c <= 0xF4:
            k = 3
        else:
            return False
        if i + k >= n:
            return False
        c1 = s[i + 1]
        if c == 0xE0 and c1 < 0xA0:
            return False
        if c == 0xED and c1 > 0x9F:
            return False
        if c == 0xF0 and c1 < 0x90:
            return False
        if c == 0xF4 and c1 > 0x8F:
            return False
        for j in range(1, k + 1):
            if (s[i + j] & 0xC0) != 0x80:
                return False
        i += k + 1
    return True


cdef inline const uint8_t* rd_name(Reader* r, uint32_t* n) noexcept nogil:
    """A ``name``: u32 length + UTF-8 bytes.  Returns a pointer to the bytes (length in ``n``)."""
    cdef const uint8_t* at = r.p
    cdef uint32_t length = rd_u32(r)
    if r.err:
        return NULL
    if <size_t>(r.limit - r.p) < length:
        rd_fail(r, RD_LENGTH, at)
        return NULL
    cdef const uint8_t* q = rd_bytes(r, length)
    if q == NULL:
        return NULL
    if not utf8_valid(q, length):
        rd_fail(r, RD_UTF8, at)
        return NULL
    n[0] = length
    return q
