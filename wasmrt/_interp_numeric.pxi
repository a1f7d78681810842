# Numeric helpers: one `noexcept nogil` function per wasm numeric instruction, with the
# spec's exact semantics.  Values are slot cells (uint64_t): i32/f32 in the low 32 bits
# (the high half is ignored on read and zero on write), floats as bit patterns.
# Trapping helpers write the result through `r` and return a TrapKind (0 = ok).
#
# hot:begin

from ._port cimport (wasmrt_clz32, wasmrt_clz64, wasmrt_ctz32, wasmrt_ctz64,
                     wasmrt_popcnt32, wasmrt_popcnt64)


cdef inline float f32_of(uint64_t b) noexcept nogil:
    cdef uint32_t u = <uint32_t>b
    cdef float f
    memcpy(&f, &u, 4)
    return f


cdef inline uint64_t f32_bits(float f) noexcept nogil:
    cdef uint32_t u
    memcpy(&u, &f, 4)
    return u


cdef inline double f64_of(uint64_t b) noexcept nogil:
    cdef double f
    memcpy(&f, &b, 8)
    return f


cdef inline uint64_t f64_bits(double f) noexcept nogil:
    cdef uint64_t u
    memcpy(&u, &f, 8)
    return u


# ---- i32 ----
cdef inline uint64_t i32_eqz(uint64_t x) noexcept nogil:
    return <uint32_t>x == 0

cdef inline uint64_t i32_clz(uint64_t x) noexcept nogil:
    return 32 if <uint32_t>x == 0 else <uint64_t>wasmrt_clz32(<uint32_t>x)

cdef inline uint64_t i32_ctz(uint64_t x) noexcept nogil:
    return 32 if <uint32_t>x == 0 else <uint64_t>wasmrt_ctz32(<uint32_t>x)

cdef inline uint64_t i32_popcnt(uint64_t x) noexcept nogil:
    return <uint64_t>wasmrt_popcnt32(<uint32_t>x)

cdef inline uint64_t i32_add(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>(<uint32_t>x + <uint32_t>y)

cdef inline uint64_t i32_sub(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>(<uint32_t>x - <uint32_t>y)

cdef inline uint64_t i32_mul(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>(<uint32_t>x * <uint32_t>y)

cdef inline uint64_t i32_and(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>(<uint32_t>x & <uint32_t>y)

cdef inline uint64_t i32_or(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>(<uint32_t>x | <uint32_t>y)

cdef inline uint64_t i32_xor(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>(<uint32_t>x ^ <uint32_t>y)

cdef inline uint64_t i32_shl(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>(<uint32_t>x << (y & 31))

cdef inline uint64_t i32_shr_s(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>(<uint32_t>(<int32_t>x >> (y & 31)))

cdef inline uint64_t i32_shr_u(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>(<uint32_t>x >> (y & 31))

cdef inline uint64_t i32_rotl(uint64_t x, uint64_t y) noexcept nogil:
    cdef uint32_t v = <uint32_t>x
    cdef unsigned int k = y & 31
    return <uint32_t>((v << k) | (v >> ((32 - k) & 31)))

cdef inline uint64_t i32_rotr(uint64_t x, uint64_t y) noexcept nogil:
    cdef uint32_t v = <uint32_t>x
    cdef unsigned int k = y & 31
    return <uint32_t>((v >> k) | (v << ((32 - k) & 31)))

cdef inline uint64_t i32_eq(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>x == <uint32_t>y

cdef inline uint64_t i32_ne(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>x != <uint32_t>y

cdef inline uint64_t i32_lt_s(uint64_t x, uint64_t y) noexcept nogil:
    return <int32_t>x < <int32_t>y

cdef inline uint64_t i32_lt_u(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>x < <uint32_t>y

cdef inline uint64_t i32_gt_s(uint64_t x, uint64_t y) noexcept nogil:
    return <int32_t>x > <int32_t>y

cdef inline uint64_t i32_gt_u(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>x > <uint32_t>y

cdef inline uint64_t i32_le_s(uint64_t x, uint64_t y) noexcept nogil:
    return <int32_t>x <= <int32_t>y

cdef inline uint64_t i32_le_u(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>x <= <uint32_t>y

cdef inline uint64_t i32_ge_s(uint64_t x, uint64_t y) noexcept nogil:
    return <int32_t>x >= <int32_t>y

cdef inline uint64_t i32_ge_u(uint64_t x, uint64_t y) noexcept nogil:
    return <uint32_t>x >= <uint32_t>y

cdef inline int i32_div_s(uint64_t* r, uint64_t x, uint64_t y) noexcept nogil:
    cdef int32_t a = <int32_t>x
    cdef int32_t b = <int32_t>y
    if b == 0:
        return TRAP_DIV_ZERO
    if b == -1:
        if a == INT32_MIN:
            return TRAP_INT_OVERFLOW
        r[0] = <uint32_t>(0 - <uint32_t>a)
        return 0
    r[0] = <uint32_t>(a // b)
    return 0


cdef inline int i32_div_u(uint64_t* r, uint64_t x, uint64_t y) noexcept nogil:
    if <uint32_t>y == 0:
        return TRAP_DIV_ZERO
    r[0] = <uint32_t>x // <uint32_t>y
    return 0


cdef inline int i32_rem_s(uint64_t* r, uint64_t x, uint64_t y) noexcept nogil:
    cdef int32_t a = <int32_t>x
    cdef int32_t b = <int32_t>y
    if b == 0:
        return TRAP_DIV_ZERO
    if b == -1:
        r[0] = 0
        return 0
    r[0] = <uint32_t>(a % b)
    return 0


cdef inline int i32_rem_u(uint64_t* r, uint64_t x, uint64_t y) noexcept nogil:
    if <uint32_t>y == 0:
        return TRAP_DIV_ZERO
    r[0] = <uint32_t>x % <uint32_t>y
    return 0


# ---- i64 ----
cdef inline uint64_t i64_eqz(uint64_t x) noexcept nogil:
    return <uint64_t>x == 0

cdef inline uint64_t i64_clz(uint64_t x) noexcept nogil:
    return 64 if <uint64_t>x == 0 else <uint64_t>wasmrt_clz64(<uint64_t>x)

cdef inline uint64_t i64_ctz(uint64_t x) noexcept nogil:
    return 64 if <uint64_t>x == 0 else <uint64_t>wasmrt_ctz64(<uint64_t>x)

cdef inline uint64_t i64_popcnt(uint64_t x) noexcept nogil:
    return <uint64_t>wasmrt_popcnt64(<uint64_t>x)

cdef inline uint64_t i64_add(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>(<uint64_t>x + <uint64_t>y)

cdef inline uint64_t i64_sub(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>(<uint64_t>x - <uint64_t>y)

cdef inline uint64_t i64_mul(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>(<uint64_t>x * <uint64_t>y)

cdef inline uint64_t i64_and(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>(<uint64_t>x & <uint64_t>y)

cdef inline uint64_t i64_or(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>(<uint64_t>x | <uint64_t>y)

cdef inline uint64_t i64_xor(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>(<uint64_t>x ^ <uint64_t>y)

cdef inline uint64_t i64_shl(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>(<uint64_t>x << (y & 63))

cdef inline uint64_t i64_shr_s(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>(<uint64_t>(<int64_t>x >> (y & 63)))

cdef inline uint64_t i64_shr_u(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>(<uint64_t>x >> (y & 63))

cdef inline uint64_t i64_rotl(uint64_t x, uint64_t y) noexcept nogil:
    cdef uint64_t v = <uint64_t>x
    cdef unsigned int k = y & 63
    return <uint64_t>((v << k) | (v >> ((64 - k) & 63)))

cdef inline uint64_t i64_rotr(uint64_t x, uint64_t y) noexcept nogil:
    cdef uint64_t v = <uint64_t>x
    cdef unsigned int k = y & 63
    return <uint64_t>((v >> k) | (v << ((64 - k) & 63)))

cdef inline uint64_t i64_eq(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>x == <uint64_t>y

cdef inline uint64_t i64_ne(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>x != <uint64_t>y

cdef inline uint64_t i64_lt_s(uint64_t x, uint64_t y) noexcept nogil:
    return <int64_t>x < <int64_t>y

cdef inline uint64_t i64_lt_u(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>x < <uint64_t>y

cdef inline uint64_t i64_gt_s(uint64_t x, uint64_t y) noexcept nogil:
    return <int64_t>x > <int64_t>y

cdef inline uint64_t i64_gt_u(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>x > <uint64_t>y

cdef inline uint64_t i64_le_s(uint64_t x, uint64_t y) noexcept nogil:
    return <int64_t>x <= <int64_t>y

cdef inline uint64_t i64_le_u(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>x <= <uint64_t>y

cdef inline uint64_t i64_ge_s(uint64_t x, uint64_t y) noexcept nogil:
    return <int64_t>x >= <int64_t>y

cdef inline uint64_t i64_ge_u(uint64_t x, uint64_t y) noexcept nogil:
    return <uint64_t>x >= <uint64_t>y

cdef inline int i64_div_s(uint64_t* r, uint64_t x, uint64_t y) noexcept nogil:
    cdef int64_t a = <int64_t>x
    cdef int64_t b = <int64_t>y
    if b == 0:
        return TRAP_DIV_ZERO
    if b == -1:
        if a == INT64_MIN:
            return TRAP_INT_OVERFLOW
        r[0] = <uint64_t>(0 - <uint64_t>a)
        return 0
    r[0] = <uint64_t>(a // b)
    return 0


cdef inline int i64_div_u(uint64_t* r, uint64_t x, uint64_t y) noexcept nogil:
    if <uint64_t>y == 0:
        return TRAP_DIV_ZERO
    r[0] = <uint64_t>x // <uint64_t>y
    return 0


cdef inline int i64_rem_s(uint64_t* r, uint64_t x, uint64_t y) noexcept nogil:
    cdef int64_t a = <int64_t>x
    cdef int64_t b = <int64_t>y
    if b == 0:
        return TRAP_DIV_ZERO
    if b == -1:
        r[0] = 0
        return 0
    r[0] = <uint64_t>(a % b)
    return 0


cdef inline int i64_rem_u(uint64_t* r, uint64_t x, uint64_t y) noexcept nogil:
    if <uint64_t>y == 0:
        return TRAP_DIV_ZERO
    r[0] = <uint64_t>x % <uint64_t>y
    return 0


# ---- f32 ----
cdef inline uint64_t f32_abs(uint64_t x) noexcept nogil:
    return x & 0x7FFFFFFFULL

cdef inline uint64_t f32_neg(uint64_t x) noexcept nogil:
    return (x ^ 0x80000000ULL) & (0x7FFFFFFFULL | 0x80000000ULL)

cdef inline uint64_t f32_copysign(uint64_t x, uint64_t y) noexcept nogil:
    return (x & 0x7FFFFFFFULL) | (y & 0x80000000ULL)

cdef inline uint64_t f32_ceil(uint64_t x) noexcept nogil:
    cdef float a = f32_of(x)
    if a != a:
        return x | 0x400000ULL  # NaN in: a quiet (arithmetic) NaN out
    return f32_bits(ceilf(a))

cdef inline uint64_t f32_floor(uint64_t x) noexcept nogil:
    cdef float a = f32_of(x)
    if a != a:
        return x | 0x400000ULL  # NaN in: a quiet (arithmetic) NaN out
    return f32_bits(floorf(a))

cdef inline uint64_t f32_trunc(uint64_t x) noexcept nogil:
    cdef float a = f32_of(x)
    if a != a:
        return x | 0x400000ULL  # NaN in: a quiet (arithmetic) NaN out
    return f32_bits(truncf(a))

cdef inline uint64_t f32_nearest(uint64_t x) noexcept nogil:
    cdef float a = f32_of(x)
    if a != a:
        return x | 0x400000ULL  # NaN in: a quiet (arithmetic) NaN out
    return f32_bits(rintf(a))

cdef inline uint64_t f32_sqrt(uint64_t x) noexcept nogil:
    cdef float a = f32_of(x)
    if a != a:
        return x | 0x400000ULL  # NaN in: a quiet (arithmetic) NaN out
    return f32_bits(sqrtf(a))

cdef inline uint64_t f32_add(uint64_t x, uint64_t y) noexcept nogil:
    return f32_bits(f32_of(x) + f32_of(y))

cdef inline uint64_t f32_sub(uint64_t x, uint64_t y) noexcept nogil:
    return f32_bits(f32_of(x) - f32_of(y))

cdef inline uint64_t f32_mul(uint64_t x, uint64_t y) noexcept nogil:
    return f32_bits(f32_of(x) * f32_of(y))

cdef inline uint64_t f32_div(uint64_t x, uint64_t y) noexcept nogil:
    return f32_bits(f32_of(x) / f32_of(y))

cdef inline uint64_t f32_min(uint64_t x, uint64_t y) noexcept nogil:
    cdef float a = f32_of(x)
    cdef float b = f32_of(y)
    if a != a or b != b:
        return f32_bits(a + b)  # a quiet NaN from the NaN operand(s)
    if a == b:
        return (x | y) & (0x7FFFFFFFULL | 0x80000000ULL)  # min(-0, +0): the sign bits decide
    return x if a < b else y

cdef inline uint64_t f32_max(uint64_t x, uint64_t y) noexcept nogil:
    cdef float a = f32_of(x)
    cdef float b = f32_of(y)
    if a != a or b != b:
        return f32_bits(a + b)  # a quiet NaN from the NaN operand(s)
    if a == b:
        return (x & y) & (0x7FFFFFFFULL | 0x80000000ULL)  # max(-0, +0): the sign bits decide
    return x if a > b else y

cdef inline uint64_t f32_eq(uint64_t x, uint64_t y) noexcept nogil:
    return f32_of(x) == f32_of(y)

cdef inline uint64_t f32_ne(uint64_t x, uint64_t y) noexcept nogil:
    return f32_of(x) != f32_of(y)

cdef inline uint64_t f32_lt(uint64_t x, uint64_t y) noexcept nogil:
    return f32_of(x) < f32_of(y)

cdef inline uint64_t f32_gt(uint64_t x, uint64_t y) noexcept nogil:
    return f32_of(x) > f32_of(y)

cdef inline uint64_t f32_le(uint64_t x, uint64_t y) noexcept nogil:
    return f32_of(x) <= f32_of(y)

cdef inline uint64_t f32_ge(uint64_t x, uint64_t y) noexcept nogil:
    return f32_of(x) >= f32_of(y)


# ---- f64 ----
cdef inline uint64_t f64_abs(uint64_t x) noexcept nogil:
    return x & 0x7FFFFFFFFFFFFFFFULL

cdef inline uint64_t f64_neg(uint64_t x) noexcept nogil:
    return (x ^ 0x8000000000000000ULL) & (0x7FFFFFFFFFFFFFFFULL | 0x8000000000000000ULL)

cdef inline uint64_t f64_copysign(uint64_t x, uint64_t y) noexcept nogil:
    return (x & 0x7FFFFFFFFFFFFFFFULL) | (y & 0x8000000000000000ULL)

cdef inline uint64_t f64_ceil(uint64_t x) noexcept nogil:
    cdef double a = f64_of(x)
    if a != a:
        return x | 0x8000000000000ULL  # NaN in: a quiet (arithmetic) NaN out
    return f64_bits(ceil(a))

cdef inline uint64_t f64_floor(uint64_t x) noexcept nogil:
    cdef double a = f64_of(x)
    if a != a:
        return x | 0x8000000000000ULL  # NaN in: a quiet (arithmetic) NaN out
    return f64_bits(floor(a))

cdef inline uint64_t f64_trunc(uint64_t x) noexcept nogil:
    cdef double a = f64_of(x)
    if a != a:
        return x | 0x8000000000000ULL  # NaN in: a quiet (arithmetic) NaN out
    return f64_bits(trunc(a))

cdef inline uint64_t f64_nearest(uint64_t x) noexcept nogil:
    cdef double a = f64_of(x)
    if a != a:
        return x | 0x8000000000000ULL  # NaN in: a quiet (arithmetic) NaN out
    return f64_bits(rint(a))

cdef inline uint64_t f64_sqrt(uint64_t x) noexcept nogil:
    cdef double a = f64_of(x)
    if a != a:
        return x | 0x8000000000000ULL  # NaN in: a quiet (arithmetic) NaN out
    return f64_bits(sqrt(a))

cdef inline uint64_t f64_add(uint64_t x, uint64_t y) noexcept nogil:
    return f64_bits(f64_of(x) + f64_of(y))

cdef inline uint64_t f64_sub(uint64_t x, uint64_t y) noexcept nogil:
    return f64_bits(f64_of(x) - f64_of(y))

cdef inline uint64_t f64_mul(uint64_t x, uint64_t y) noexcept nogil:
    return f64_bits(f64_of(x) * f64_of(y))

cdef inline uint64_t f64_div(uint64_t x, uint64_t y) noexcept nogil:
    return f64_bits(f64_of(x) / f64_of(y))

cdef inline uint64_t f64_min(uint64_t x, uint64_t y) noexcept nogil:
    cdef double a = f64_of(x)
    cdef double b = f64_of(y)
    if a != a or b != b:
        return f64_bits(a + b)  # a quiet NaN from the NaN operand(s)
    if a == b:  # equal bits, or min(-0, +0): the sign bits decide (-0)
        return x | y
    return x if a < b else y

cdef inline uint64_t f64_max(uint64_t x, uint64_t y) noexcept nogil:
    cdef double a = f64_of(x)
    cdef double b = f64_of(y)
    if a != a or b != b:
        return f64_bits(a + b)  # a quiet NaN from the NaN operand(s)
    if a == b:  # equal bits, or max(-0, +0): the sign bits decide (+0)
        return x & y
    return x if a > b else y

cdef inline uint64_t f64_eq(uint64_t x, uint64_t y) noexcept nogil:
    return f64_of(x) == f64_of(y)

cdef inline uint64_t f64_ne(uint64_t x, uint64_t y) noexcept nogil:
    return f64_of(x) != f64_of(y)

cdef inline uint64_t f64_lt(uint64_t x, uint64_t y) noexcept nogil:
    return f64_of(x) < f64_of(y)

cdef inline uint64_t f64_gt(uint64_t x, uint64_t y) noexcept nogil:
    return f64_of(x) > f64_of(y)

cdef inline uint64_t f64_le(uint64_t x, uint64_t y) noexcept nogil:
    return f64_of(x) <= f64_of(y)

cdef inline uint64_t f64_ge(uint64_t x, uint64_t y) noexcept nogil:
    return f64_of(x) >= f64_of(y)


# ---- conversions ----
cdef inline uint64_t i32_wrap_i64(uint64_t x) noexcept nogil:
    return <uint32_t>x

cdef inline uint64_t i64_extend_i32_s(uint64_t x) noexcept nogil:
    return <uint64_t><int64_t><int32_t>x

cdef inline uint64_t i64_extend_i32_u(uint64_t x) noexcept nogil:
    return <uint32_t>x

cdef inline uint64_t f32_convert_i32_s(uint64_t x) noexcept nogil:
    return f32_bits(<float><int32_t>x)

cdef inline uint64_t f32_convert_i32_u(uint64_t x) noexcept nogil:
    return f32_bits(<float><uint32_t>x)

cdef inline uint64_t f32_convert_i64_s(uint64_t x) noexcept nogil:
    return f32_bits(<float><int64_t>x)

cdef inline uint64_t f32_convert_i64_u(uint64_t x) noexcept nogil:
    return f32_bits(<float>x)

cdef inline uint64_t f32_demote_f64(uint64_t x) noexcept nogil:
    return f32_bits(<float>f64_of(x))

cdef inline uint64_t f64_convert_i32_s(uint64_t x) noexcept nogil:
    return f64_bits(<double><int32_t>x)

cdef inline uint64_t f64_convert_i32_u(uint64_t x) noexcept nogil:
    return f64_bits(<double><uint32_t>x)

cdef inline uint64_t f64_convert_i64_s(uint64_t x) noexcept nogil:
    return f64_bits(<double><int64_t>x)

cdef inline uint64_t f64_convert_i64_u(uint64_t x) noexcept nogil:
    return f64_bits(<double>x)

cdef inline uint64_t f64_promote_f32(uint64_t x) noexcept nogil:
    return f64_bits(<double>f32_of(x))

cdef inline uint64_t i32_extend8_s(uint64_t x) noexcept nogil:
    return <uint32_t><int32_t><int8_t>x

cdef inline uint64_t i32_extend16_s(uint64_t x) noexcept nogil:
    return <uint32_t><int32_t><int16_t>x

cdef inline uint64_t i64_extend8_s(uint64_t x) noexcept nogil:
    return <uint64_t><int64_t><int8_t>x

cdef inline uint64_t i64_extend16_s(uint64_t x) noexcept nogil:
    return <uint64_t><int64_t><int16_t>x

cdef inline uint64_t i64_extend32_s(uint64_t x) noexcept nogil:
    return <uint64_t><int64_t><int32_t>x

cdef inline int i32_trunc_f32_s(uint64_t* r, uint64_t x) noexcept nogil:
    cdef double f = f32_of(x)
    if f != f:
        return TRAP_BAD_CONVERSION
    if not (f > -2147483649.0 and f < 2147483648.0):
        return TRAP_INT_OVERFLOW
    r[0] = <uint32_t><int32_t>f
    return 0


cdef inline uint64_t i32_trunc_sat_f32_s(uint64_t x) noexcept nogil:
    cdef double f = f32_of(x)
    if f != f:
        return 0
    if not (f > -2147483649.0):
        return 0x80000000ULL
    if not (f < 2147483648.0):
        return 0x7FFFFFFFULL
    return <uint32_t><int32_t>f

cdef inline int i32_trunc_f32_u(uint64_t* r, uint64_t x) noexcept nogil:
    cdef double f = f32_of(x)
    if f != f:
        return TRAP_BAD_CONVERSION
    if not (f > -1.0 and f < 4294967296.0):
        return TRAP_INT_OVERFLOW
    r[0] = <uint32_t>f
    return 0


cdef inline uint64_t i32_trunc_sat_f32_u(uint64_t x) noexcept nogil:
    cdef double f = f32_of(x)
    if f != f:
        return 0
    if not (f > -1.0):
        return 0
    if not (f < 4294967296.0):
        return 0xFFFFFFFFULL
    return <uint32_t>f

cdef inline int i32_trunc_f64_s(uint64_t* r, uint64_t x) noexcept nogil:
    cdef double f = f64_of(x)
    if f != f:
        return TRAP_BAD_CONVERSION
    if not (f > -2147483649.0 and f < 2147483648.0):
        return TRAP_INT_OVERFLOW
    r[0] = <uint32_t><int32_t>f
    return 0


cdef inline uint64_t i32_trunc_sat_f64_s(uint64_t x) noexcept nogil:
    cdef double f = f64_of(x)
    if f != f:
        return 0
    if not (f > -2147483649.0):
        return 0x80000000ULL
    if not (f < 2147483648.0):
        return 0x7FFFFFFFULL
    return <uint32_t><int32_t>f

cdef inline int i32_trunc_f64_u(uint64_t* r, uint64_t x) noexcept nogil:
    cdef double f = f64_of(x)
    if f != f:
        return TRAP_BAD_CONVERSION
    if not (f > -1.0 and f < 4294967296.0):
        return TRAP_INT_OVERFLOW
    r[0] = <uint32_t>f
    return 0


cdef inline uint64_t i32_trunc_sat_f64_u(uint64_t x) noexcept nogil:
    cdef double f = f64_of(x)
    if f != f:
        return 0
    if not (f > -1.0):
        return 0
    if not (f < 4294967296.0):
        return 0xFFFFFFFFULL
    return <uint32_t>f

cdef inline int i64_trunc_f32_s(uint64_t* r, uint64_t x) noexcept nogil:
    cdef double f = f32_of(x)
    if f != f:
        return TRAP_BAD_CONVERSION
    if not (f >= -9223372036854775808.0 and f < 9223372036854775808.0):
        return TRAP_INT_OVERFLOW
    r[0] = <uint64_t><int64_t>f
    return 0


cdef inline uint64_t i64_trunc_sat_f32_s(uint64_t x) noexcept nogil:
    cdef double f = f32_of(x)
    if f != f:
        return 0
    if not (f >= -9223372036854775808.0):
        return 0x8000000000000000ULL
    if not (f < 9223372036854775808.0):
        return 0x7FFFFFFFFFFFFFFFULL
    return <uint64_t><int64_t>f

cdef inline int i64_trunc_f32_u(uint64_t* r, uint64_t x) noexcept nogil:
    cdef double f = f32_of(x)
    if f != f:
        return TRAP_BAD_CONVERSION
    if not (f > -1.0 and f < 18446744073709551616.0):
        return TRAP_INT_OVERFLOW
    r[0] = <uint64_t>f
    return 0


cdef inline uint64_t i64_trunc_sat_f32_u(uint64_t x) noexcept nogil:
    cdef double f = f32_of(x)
    if f != f:
        return 0
    if not (f > -1.0):
        return 0
    if not (f < 18446744073709551616.0):
        return 0xFFFFFFFFFFFFFFFFULL
    return <uint64_t>f

cdef inline int i64_trunc_f64_s(uint64_t* r, uint64_t x) noexcept nogil:
    cdef double f = f64_of(x)
    if f != f:
        return TRAP_BAD_CONVERSION
    if not (f >= -9223372036854775808.0 and f < 9223372036854775808.0):
        return TRAP_INT_OVERFLOW
    r[0] = <uint64_t><int64_t>f
    return 0


cdef inline uint64_t i64_trunc_sat_f64_s(uint64_t x) noexcept nogil:
    cdef double f = f64_of(x)
    if f != f:
        return 0
    if not (f >= -9223372036854775808.0):
        return 0x8000000000000000ULL
    if not (f < 9223372036854775808.0):
        return 0x7FFFFFFFFFFFFFFFULL
    return <uint64_t><int64_t>f

cdef inline int i64_trunc_f64_u(uint64_t* r, uint64_t x) noexcept nogil:
    cdef double f = f64_of(x)
    if f != f:
        return TRAP_BAD_CONVERSION
    if not (f > -1.0 and f < 18446744073709551616.0):
        return TRAP_INT_OVERFLOW
    r[0] = <uint64_t>f
    return 0


cdef inline uint64_t i64_trunc_sat_f64_u(uint64_t x) noexcept nogil:
    cdef double f = f64_of(x)
    if f != f:
        return 0
    if not (f > -1.0):
        return 0
    if not (f < 18446744073709551616.0):
        return 0xFFFFFFFFFFFFFFFFULL
    return <uint64_t>f

# ---- wide arithmetic (128-bit values as (low, high) i64 pairs; portable 64-bit C) ----
cdef inline void i64_add128(uint64_t alo, uint64_t ahi, uint64_t blo, uint64_t bhi,
                            uint64_t* lo, uint64_t* hi) noexcept nogil:
    lo[0] = alo + blo
    hi[0] = ahi + bhi + (lo[0] < alo)


cdef inline void i64_sub128(uint64_t alo, uint64_t ahi, uint64_t blo, uint64_t bhi,
                            uint64_t* lo, uint64_t* hi) noexcept nogil:
    lo[0] = alo - blo
    hi[0] = ahi - bhi - (alo < blo)


cdef inline void i64_mul_wide_u(uint64_t x, uint64_t y, uint64_t* lo, uint64_t* hi) noexcept nogil:
    """The 128-bit product from four 32 x 32-bit products."""
    cdef uint64_t x0 = x & 0xFFFFFFFFULL, x1 = x >> 32
    cdef uint64_t y0 = y & 0xFFFFFFFFULL, y1 = y >> 32
    cdef uint64_t p00 = x0 * y0, p01 = x0 * y1, p10 = x1 * y0, p11 = x1 * y1
    cdef uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFULL) + (p10 & 0xFFFFFFFFULL)
    lo[0] = (mid << 32) | (p00 & 0xFFFFFFFFULL)
    hi[0] = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32)


cdef inline void i64_mul_wide_s(uint64_t x, uint64_t y, uint64_t* lo, uint64_t* hi) noexcept nogil:
    """The signed product: the unsigned one, its high half corrected for negative factors."""
    i64_mul_wide_u(x, y, lo, hi)
    if <int64_t>x < 0:
        hi[0] -= y
    if <int64_t>y < 0:
        hi[0] -= x


# hot:end
