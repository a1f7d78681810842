/* wasmrt_simd.h: the lane semantics of every Wasm 2.0 v128 instruction, plus relaxed SIMD.
 *
 * One `static inline` C function per instruction, named after the spec mnemonic with the
 * dot replaced (`i8x16.add_sat_s` -> `simd_i8x16_add_sat_s`).  Values are `v128_t`, a
 * 16-byte union passed by value; the interpreter keeps a v128 in two consecutive 64-bit
 * slots and moves it in and out with `simd_get`/`simd_put` (unaligned 16-byte copies).
 * Every function is a fixed-size lane loop over local copies, which gcc -O3 turns into
 * SSE code; there is no Python here and nothing can fail: memory bounds are checked by the
 * caller, which hands the load/store helpers an in-bounds pointer.
 *
 * Spec rules that C does not give for free, and how they are met:
 *  - integer lanes are computed in unsigned arithmetic (no signed-overflow UB), shift
 *    counts are masked to the lane width, `abs(INT_MIN)` wraps to INT_MIN;
 *  - float min/max propagate NaN and order -0 < +0; pmin/pmax are `b < a ? b : a` /
 *    `a < b ? b : a`; abs/neg/copysign are bit operations (NaN payloads kept);
 *  - arithmetic NaN results come from the hardware (an input NaN quieted, or the default
 *    NaN), which the spec allows (canonical in, canonical out);
 *  - float->int conversions check NaN and range before converting (trunc_sat clamps);
 *  - `nearest` rounds half to even (`rint` in the default rounding mode).
 *
 * Relaxed SIMD (Wasm 3.0) takes one deterministic choice per instruction, the one the
 * spec's deterministic profile names and wasmtime's `relaxed_simd_deterministic` uses:
 *   relaxed_swizzle = swizzle (index >= 16 gives 0); relaxed_trunc* = trunc_sat*;
 *   relaxed_madd/nmadd = fused multiply-add (one rounding); relaxed_laneselect = bitselect;
 *   relaxed_min/max = min/max; relaxed_q15mulr_s = q15mulr_sat_s;
 *   relaxed_dot_i8x16_i7x16_s = signed*signed products, pairs added with i16 wrap-around;
 *   relaxed_dot_i8x16_i7x16_add_s = that i16x8 result, pairs sign-extended and added to c.
 */
#ifndef WASMRT_SIMD_H
#define WASMRT_SIMD_H

#include <stdint.h>
#include <string.h>
#include <math.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "wasmrt_simd.h assumes a little-endian host (wasm lane 0 = lowest address)"
#endif

typedef union v128_t {
    uint8_t u8[16];
    int8_t i8[16];
    uint16_t u16[8];
    int16_t i16[8];
    uint32_t u32[4];
    int32_t i32[4];
    uint64_t u64[2];
    int64_t i64[2];
    float f32[4];
    double f64[2];
} v128_t;

/* ---- moving values: slots, memory, scalars ------------------------------------------ */

/* Read the v128 held in two consecutive 64-bit slots (or any 16 bytes). */
static inline v128_t simd_get(const void *p) { v128_t r; memcpy(&r, p, 16); return r; }
/* Write a v128 into two consecutive 64-bit slots (or any 16 bytes). */
static inline void simd_put(void *p, v128_t v) { memcpy(p, &v, 16); }

static inline uint32_t simd_f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline uint64_t simd_f64_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static inline float simd_bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline double simd_bits_f64(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

/* Lane-loop helpers: `FOR(n)` iterates the lanes of an n-lane shape. */
#define SIMD_FOR(n) for (int i = 0; i < (n); i++)
#define SIMD_UN(name, n, expr) \
    static inline v128_t simd_##name(v128_t a) { v128_t r; SIMD_FOR(n) { r.expr; } return r; }
#define SIMD_BIN(name, n, expr) \
    static inline v128_t simd_##name(v128_t a, v128_t b) { v128_t r; SIMD_FOR(n) { r.expr; } return r; }

/* ---- v128.const / splat --------------------------------------------------------------- */
/* Splats take the scalar as its slot bits (i32/f32 in the low 32 bits). */
static inline v128_t simd_i8x16_splat(uint64_t x) { v128_t r; SIMD_FOR(16) r.u8[i] = (uint8_t)x; return r; }
static inline v128_t simd_i16x8_splat(uint64_t x) { v128_t r; SIMD_FOR(8) r.u16[i] = (uint16_t)x; return r; }
static inline v128_t simd_i32x4_splat(uint64_t x) { v128_t r; SIMD_FOR(4) r.u32[i] = (uint32_t)x; return r; }
static inline v128_t simd_i64x2_splat(uint64_t x) { v128_t r; r.u64[0] = r.u64[1] = x; return r; }
static inline v128_t simd_f32x4_splat(uint64_t x) { return simd_i32x4_splat(x); }
static inline v128_t simd_f64x2_splat(uint64_t x) { return simd_i64x2_splat(x); }

/* ---- lanes: extract (result as slot bits) / replace ----------------------------------- */
static inline uint64_t simd_i8x16_extract_lane_s(v128_t a, int l) { return (uint32_t)(int32_t)a.i8[l & 15]; }
static inline uint64_t simd_i8x16_extract_lane_u(v128_t a, int l) { return a.u8[l & 15]; }
static inline uint64_t simd_i16x8_extract_lane_s(v128_t a, int l) { return (uint32_t)(int32_t)a.i16[l & 7]; }
static inline uint64_t simd_i16x8_extract_lane_u(v128_t a, int l) { return a.u16[l & 7]; }
static inline uint64_t simd_i32x4_extract_lane(v128_t a, int l) { return a.u32[l & 3]; }
static inline uint64_t simd_i64x2_extract_lane(v128_t a, int l) { return a.u64[l & 1]; }
static inline uint64_t simd_f32x4_extract_lane(v128_t a, int l) { return a.u32[l & 3]; }
static inline uint64_t simd_f64x2_extract_lane(v128_t a, int l) { return a.u64[l & 1]; }
static inline v128_t simd_i8x16_replace_lane(v128_t a, int l, uint64_t x) { a.u8[l & 15] = (uint8_t)x; return a; }
static inline v128_t simd_i16x8_replace_lane(v128_t a, int l, uint64_t x) { a.u16[l & 7] = (uint16_t)x; return a; }
static inline v128_t simd_i32x4_replace_lane(v128_t a, int l, uint64_t x) { a.u32[l & 3] = (uint32_t)x; return a; }
static inline v128_t simd_i64x2_replace_lane(v128_t a, int l, uint64_t x) { a.u64[l & 1] = x; return a; }
static inline v128_t simd_f32x4_replace_lane(v128_t a, int l, uint64_t x) { a.u32[l & 3] = (uint32_t)x; return a; }
static inline v128_t simd_f64x2_replace_lane(v128_t a, int l, uint64_t x) { a.u64[l & 1] = x; return a; }

/* ---- shuffle / swizzle ------------------------------------------------------------------ */
/* `idx` holds 16 lane indices, each < 32 (the validator guarantees it). */
static inline v128_t simd_i8x16_shuffle(v128_t a, v128_t b, v128_t idx) {
    uint8_t both[32]; v128_t r;
    memcpy(both, &a, 16); memcpy(both + 16, &b, 16);
    SIMD_FOR(16) r.u8[i] = both[idx.u8[i] & 31];
    return r;
}
SIMD_BIN(i8x16_swizzle, 16, u8[i] = b.u8[i] < 16 ? a.u8[b.u8[i]] : 0)

/* ---- bitwise ------------------------------------------------------------------------------ */
SIMD_UN(v128_not, 2, u64[i] = ~a.u64[i])
SIMD_BIN(v128_and, 2, u64[i] = a.u64[i] & b.u64[i])
SIMD_BIN(v128_andnot, 2, u64[i] = a.u64[i] & ~b.u64[i])
SIMD_BIN(v128_or, 2, u64[i] = a.u64[i] | b.u64[i])
SIMD_BIN(v128_xor, 2, u64[i] = a.u64[i] ^ b.u64[i])
static inline v128_t simd_v128_bitselect(v128_t a, v128_t b, v128_t c) {
    v128_t r; SIMD_FOR(2) r.u64[i] = (a.u64[i] & c.u64[i]) | (b.u64[i] & ~c.u64[i]); return r;
}

/* ---- tests: any_true / all_true / bitmask (results are i32) ------------------------------ */
static inline uint64_t simd_v128_any_true(v128_t a) { return (a.u64[0] | a.u64[1]) != 0; }
#define SIMD_ALL_TRUE(name, n, lane) \
    static inline uint64_t simd_##name(v128_t a) { int ok = 1; SIMD_FOR(n) ok &= a.lane[i] != 0; return ok; }
SIMD_ALL_TRUE(i8x16_all_true, 16, u8)
SIMD_ALL_TRUE(i16x8_all_true, 8, u16)
SIMD_ALL_TRUE(i32x4_all_true, 4, u32)
SIMD_ALL_TRUE(i64x2_all_true, 2, u64)
#define SIMD_BITMASK(name, n, lane, bits) \
    static inline uint64_t simd_##name(v128_t a) { \
        uint32_t m = 0; SIMD_FOR(n) m |= (uint32_t)(a.lane[i] >> (bits - 1)) << i; return m; }
SIMD_BITMASK(i8x16_bitmask, 16, u8, 8)
SIMD_BITMASK(i16x8_bitmask, 8, u16, 16)
SIMD_BITMASK(i32x4_bitmask, 4, u32, 32)
SIMD_BITMASK(i64x2_bitmask, 2, u64, 64)

/* ---- integer arithmetic --------------------------------------------------------------------- */
#define SIMD_INT_ARITH(sh, n, u, s, ut) \
    SIMD_BIN(sh##_add, n, u[i] = (ut)(a.u[i] + b.u[i])) \
    SIMD_BIN(sh##_sub, n, u[i] = (ut)(a.u[i] - b.u[i])) \
    SIMD_UN(sh##_neg, n, u[i] = (ut)(0u - a.u[i])) \
    SIMD_UN(sh##_abs, n, u[i] = a.s[i] < 0 ? (ut)(0u - a.u[i]) : a.u[i])
SIMD_INT_ARITH(i8x16, 16, u8, i8, uint8_t)
SIMD_INT_ARITH(i16x8, 8, u16, i16, uint16_t)
SIMD_INT_ARITH(i32x4, 4, u32, i32, uint32_t)
SIMD_INT_ARITH(i64x2, 2, u64, i64, uint64_t)
SIMD_BIN(i16x8_mul, 8, u16[i] = (uint16_t)((uint32_t)a.u16[i] * b.u16[i]))
SIMD_BIN(i32x4_mul, 4, u32[i] = a.u32[i] * b.u32[i])
SIMD_BIN(i64x2_mul, 2, u64[i] = a.u64[i] * b.u64[i])

static inline int32_t simd_sat(int32_t x, int32_t lo, int32_t hi) { return x < lo ? lo : x > hi ? hi : x; }
SIMD_BIN(i8x16_add_sat_s, 16, i8[i] = (int8_t)simd_sat((int32_t)a.i8[i] + b.i8[i], -128, 127))
SIMD_BIN(i8x16_add_sat_u, 16, u8[i] = (uint8_t)simd_sat((int32_t)a.u8[i] + b.u8[i], 0, 255))
SIMD_BIN(i8x16_sub_sat_s, 16, i8[i] = (int8_t)simd_sat((int32_t)a.i8[i] - b.i8[i], -128, 127))
SIMD_BIN(i8x16_sub_sat_u, 16, u8[i] = (uint8_t)simd_sat((int32_t)a.u8[i] - b.u8[i], 0, 255))
SIMD_BIN(i16x8_add_sat_s, 8, i16[i] = (int16_t)simd_sat((int32_t)a.i16[i] + b.i16[i], -32768, 32767))
SIMD_BIN(i16x8_add_sat_u, 8, u16[i] = (uint16_t)simd_sat((int32_t)a.u16[i] + b.u16[i], 0, 65535))
SIMD_BIN(i16x8_sub_sat_s, 8, i16[i] = (int16_t)simd_sat((int32_t)a.i16[i] - b.i16[i], -32768, 32767))
SIMD_BIN(i16x8_sub_sat_u, 8, u16[i] = (uint16_t)simd_sat((int32_t)a.u16[i] - b.u16[i], 0, 65535))

#define SIMD_MINMAX(sh, n, u, s) \
    SIMD_BIN(sh##_min_s, n, s[i] = a.s[i] < b.s[i] ? a.s[i] : b.s[i]) \
    SIMD_BIN(sh##_min_u, n, u[i] = a.u[i] < b.u[i] ? a.u[i] : b.u[i]) \
    SIMD_BIN(sh##_max_s, n, s[i] = a.s[i] > b.s[i] ? a.s[i] : b.s[i]) \
    SIMD_BIN(sh##_max_u, n, u[i] = a.u[i] > b.u[i] ? a.u[i] : b.u[i])
SIMD_MINMAX(i8x16, 16, u8, i8)
SIMD_MINMAX(i16x8, 8, u16, i16)
SIMD_MINMAX(i32x4, 4, u32, i32)
SIMD_BIN(i8x16_avgr_u, 16, u8[i] = (uint8_t)(((uint32_t)a.u8[i] + b.u8[i] + 1) >> 1))
SIMD_BIN(i16x8_avgr_u, 8, u16[i] = (uint16_t)(((uint32_t)a.u16[i] + b.u16[i] + 1) >> 1))
/* popcnt per byte, SWAR on 64-bit halves (no popcnt instruction needed, vectorizes). */
static inline v128_t simd_i8x16_popcnt(v128_t a) {
    v128_t r;
    SIMD_FOR(2) {
        uint64_t x = a.u64[i];
        x = x - ((x >> 1) & 0x5555555555555555ull);
        x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
        r.u64[i] = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    }
    return r;
}

/* q15 rounding multiply: (a*b + 2^14) >> 15, saturated (only -32768*-32768 overflows). */
SIMD_BIN(i16x8_q15mulr_sat_s, 8,
         i16[i] = (int16_t)simd_sat(((int32_t)a.i16[i] * b.i16[i] + 0x4000) >> 15, -32768, 32767))
/* Products of pairs, added with 32-bit wrap-around (only all -32768 inputs wrap). */
SIMD_BIN(i32x4_dot_i16x8_s, 4,
         u32[i] = (uint32_t)((int32_t)a.i16[2 * i] * b.i16[2 * i])
                  + (uint32_t)((int32_t)a.i16[2 * i + 1] * b.i16[2 * i + 1]))

/* ---- shifts (count from an i32, masked to the lane width) ------------------------------- */
#define SIMD_SHIFTS(sh, n, u, s, ut, st, bits) \
    static inline v128_t simd_##sh##_shl(v128_t a, uint32_t c) { \
        v128_t r; c &= bits - 1; SIMD_FOR(n) r.u[i] = (ut)(a.u[i] << c); return r; } \
    static inline v128_t simd_##sh##_shr_s(v128_t a, uint32_t c) { \
        v128_t r; c &= bits - 1; SIMD_FOR(n) r.s[i] = (st)(a.s[i] >> c); return r; } \
    static inline v128_t simd_##sh##_shr_u(v128_t a, uint32_t c) { \
        v128_t r; c &= bits - 1; SIMD_FOR(n) r.u[i] = (ut)(a.u[i] >> c); return r; }
SIMD_SHIFTS(i8x16, 16, u8, i8, uint8_t, int8_t, 8)
SIMD_SHIFTS(i16x8, 8, u16, i16, uint16_t, int16_t, 16)
SIMD_SHIFTS(i32x4, 4, u32, i32, uint32_t, int32_t, 32)
SIMD_SHIFTS(i64x2, 2, u64, i64, uint64_t, int64_t, 64)

/* ---- comparisons (all-ones lane when true) ---------------------------------------------- */
#define SIMD_CMP(name, n, out, in, op) SIMD_BIN(name, n, out[i] = a.in[i] op b.in[i] ? -1 : 0)
#define SIMD_INT_CMP(sh, n, u, s) \
    SIMD_CMP(sh##_eq, n, s, u, ==) SIMD_CMP(sh##_ne, n, s, u, !=) \
    SIMD_CMP(sh##_lt_s, n, s, s, <) SIMD_CMP(sh##_lt_u, n, s, u, <) \
    SIMD_CMP(sh##_gt_s, n, s, s, >) SIMD_CMP(sh##_gt_u, n, s, u, >) \
    SIMD_CMP(sh##_le_s, n, s, s, <=) SIMD_CMP(sh##_le_u, n, s, u, <=) \
    SIMD_CMP(sh##_ge_s, n, s, s, >=) SIMD_CMP(sh##_ge_u, n, s, u, >=)
SIMD_INT_CMP(i8x16, 16, u8, i8)
SIMD_INT_CMP(i16x8, 8, u16, i16)
SIMD_INT_CMP(i32x4, 4, u32, i32)
SIMD_CMP(i64x2_eq, 2, i64, u64, ==)
SIMD_CMP(i64x2_ne, 2, i64, u64, !=)
SIMD_CMP(i64x2_lt_s, 2, i64, i64, <)
SIMD_CMP(i64x2_gt_s, 2, i64, i64, >)
SIMD_CMP(i64x2_le_s, 2, i64, i64, <=)
SIMD_CMP(i64x2_ge_s, 2, i64, i64, >=)
#define SIMD_FLOAT_CMP(sh, n, s, f) \
    SIMD_CMP(sh##_eq, n, s, f, ==) SIMD_CMP(sh##_ne, n, s, f, !=) \
    SIMD_CMP(sh##_lt, n, s, f, <) SIMD_CMP(sh##_gt, n, s, f, >) \
    SIMD_CMP(sh##_le, n, s, f, <=) SIMD_CMP(sh##_ge, n, s, f, >=)
SIMD_FLOAT_CMP(f32x4, 4, i32, f32)
SIMD_FLOAT_CMP(f64x2, 2, i64, f64)

/* ---- narrow / extend / extmul / extadd_pairwise ------------------------------------------- */
/* narrow: saturate the lanes of a (low half of the result) and b (high half). */
#define SIMD_NARROW(name, n, out, ot, in, lo, hi) \
    static inline v128_t simd_##name(v128_t a, v128_t b) { \
        v128_t r; SIMD_FOR(n) { r.out[i] = (ot)simd_sat(a.in[i], lo, hi); \
                                r.out[i + n] = (ot)simd_sat(b.in[i], lo, hi); } return r; }
SIMD_NARROW(i8x16_narrow_i16x8_s, 8, i8, int8_t, i16, -128, 127)
SIMD_NARROW(i8x16_narrow_i16x8_u, 8, u8, uint8_t, i16, 0, 255)
SIMD_NARROW(i16x8_narrow_i32x4_s, 4, i16, int16_t, i32, -32768, 32767)
SIMD_NARROW(i16x8_narrow_i32x4_u, 4, u16, uint16_t, i32, 0, 65535)
/* extend_{low,high}: widen the low/high half of the lanes. */
#define SIMD_EXTEND(dst, n, out, in, half) \
    SIMD_UN(dst##_extend_low_##half, n, out[i] = a.in[i]) \
    SIMD_UN(dst##_extend_high_##half, n, out[i] = a.in[i + n])
SIMD_EXTEND(i16x8, 8, i16, i8, i8x16_s)
SIMD_EXTEND(i16x8, 8, u16, u8, i8x16_u)
SIMD_EXTEND(i32x4, 4, i32, i16, i16x8_s)
SIMD_EXTEND(i32x4, 4, u32, u16, i16x8_u)
SIMD_EXTEND(i64x2, 2, i64, i32, i32x4_s)
SIMD_EXTEND(i64x2, 2, u64, u32, i32x4_u)
#define SIMD_EXTMUL(dst, n, out, in, wide, half) \
    SIMD_BIN(dst##_extmul_low_##half, n, out[i] = (wide)a.in[i] * (wide)b.in[i]) \
    SIMD_BIN(dst##_extmul_high_##half, n, out[i] = (wide)a.in[i + n] * (wide)b.in[i + n])
SIMD_EXTMUL(i16x8, 8, i16, i8, int32_t, i8x16_s)
SIMD_EXTMUL(i16x8, 8, u16, u8, uint32_t, i8x16_u)
SIMD_EXTMUL(i32x4, 4, i32, i16, int32_t, i16x8_s)
SIMD_EXTMUL(i32x4, 4, u32, u16, uint32_t, i16x8_u)
SIMD_EXTMUL(i64x2, 2, i64, i32, int64_t, i32x4_s)
SIMD_EXTMUL(i64x2, 2, u64, u32, uint64_t, i32x4_u)
SIMD_UN(i16x8_extadd_pairwise_i8x16_s, 8, i16[i] = (int16_t)(a.i8[2 * i] + a.i8[2 * i + 1]))
SIMD_UN(i16x8_extadd_pairwise_i8x16_u, 8, u16[i] = (uint16_t)(a.u8[2 * i] + a.u8[2 * i + 1]))
SIMD_UN(i32x4_extadd_pairwise_i16x8_s, 4, i32[i] = (int32_t)a.i16[2 * i] + a.i16[2 * i + 1])
SIMD_UN(i32x4_extadd_pairwise_i16x8_u, 4, u32[i] = (uint32_t)a.u16[2 * i] + a.u16[2 * i + 1])

/* ---- float arithmetic ------------------------------------------------------------------------ */
static inline float simd_fmin32(float a, float b) {
    if (a != a || b != b) return a + b;              /* NaN in: a quieted input NaN out */
    if (a == b) return simd_bits_f32(simd_f32_bits(a) | simd_f32_bits(b));  /* min(-0,+0) = -0 */
    return a < b ? a : b;
}
static inline float simd_fmax32(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == b) return simd_bits_f32(simd_f32_bits(a) & simd_f32_bits(b));  /* max(-0,+0) = +0 */
    return a > b ? a : b;
}
static inline double simd_fmin64(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == b) return simd_bits_f64(simd_f64_bits(a) | simd_f64_bits(b));
    return a < b ? a : b;
}
static inline double simd_fmax64(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == b) return simd_bits_f64(simd_f64_bits(a) & simd_f64_bits(b));
    return a > b ? a : b;
}
/* libm's rounding functions return a signalling NaN unchanged; the spec wants it quieted. */
#define SIMD_QNAN(x, e) ((x) != (x) ? (x) + (x) : (e))
#define SIMD_FLOAT_ARITH(sh, n, f, u, sign, rnd) \
    SIMD_BIN(sh##_add, n, f[i] = a.f[i] + b.f[i]) \
    SIMD_BIN(sh##_sub, n, f[i] = a.f[i] - b.f[i]) \
    SIMD_BIN(sh##_mul, n, f[i] = a.f[i] * b.f[i]) \
    SIMD_BIN(sh##_div, n, f[i] = a.f[i] / b.f[i]) \
    SIMD_BIN(sh##_pmin, n, f[i] = b.f[i] < a.f[i] ? b.f[i] : a.f[i]) \
    SIMD_BIN(sh##_pmax, n, f[i] = a.f[i] < b.f[i] ? b.f[i] : a.f[i]) \
    SIMD_UN(sh##_abs, n, u[i] = a.u[i] & ~(sign)) \
    SIMD_UN(sh##_neg, n, u[i] = a.u[i] ^ (sign)) \
    SIMD_UN(sh##_sqrt, n, f[i] = sqrt##rnd(a.f[i])) \
    SIMD_UN(sh##_ceil, n, f[i] = SIMD_QNAN(a.f[i], ceil##rnd(a.f[i]))) \
    SIMD_UN(sh##_floor, n, f[i] = SIMD_QNAN(a.f[i], floor##rnd(a.f[i]))) \
    SIMD_UN(sh##_trunc, n, f[i] = SIMD_QNAN(a.f[i], trunc##rnd(a.f[i]))) \
    SIMD_UN(sh##_nearest, n, f[i] = SIMD_QNAN(a.f[i], rint##rnd(a.f[i])))
SIMD_FLOAT_ARITH(f32x4, 4, f32, u32, 0x80000000u, f)
SIMD_FLOAT_ARITH(f64x2, 2, f64, u64, 0x8000000000000000ull, )
SIMD_BIN(f32x4_min, 4, f32[i] = simd_fmin32(a.f32[i], b.f32[i]))
SIMD_BIN(f32x4_max, 4, f32[i] = simd_fmax32(a.f32[i], b.f32[i]))
SIMD_BIN(f64x2_min, 2, f64[i] = simd_fmin64(a.f64[i], b.f64[i]))
SIMD_BIN(f64x2_max, 2, f64[i] = simd_fmax64(a.f64[i], b.f64[i]))

/* ---- conversions ------------------------------------------------------------------------------- */
static inline int32_t simd_trunc_sat_s32(double x) {
    if (x != x) return 0;
    if (x <= -2147483649.0) return INT32_MIN;
    if (x >= 2147483648.0) return INT32_MAX;
    return (int32_t)x;
}
static inline uint32_t simd_trunc_sat_u32(double x) {
    if (!(x > -1.0)) return 0;                        /* NaN and x <= -1 */
    if (x >= 4294967296.0) return UINT32_MAX;
    return (uint32_t)x;
}
SIMD_UN(i32x4_trunc_sat_f32x4_s, 4, i32[i] = simd_trunc_sat_s32(a.f32[i]))
SIMD_UN(i32x4_trunc_sat_f32x4_u, 4, u32[i] = simd_trunc_sat_u32(a.f32[i]))
static inline v128_t simd_i32x4_trunc_sat_f64x2_s_zero(v128_t a) {
    v128_t r; r.i32[0] = simd_trunc_sat_s32(a.f64[0]); r.i32[1] = simd_trunc_sat_s32(a.f64[1]);
    r.u64[1] = 0; return r;
}
static inline v128_t simd_i32x4_trunc_sat_f64x2_u_zero(v128_t a) {
    v128_t r; r.u32[0] = simd_trunc_sat_u32(a.f64[0]); r.u32[1] = simd_trunc_sat_u32(a.f64[1]);
    r.u64[1] = 0; return r;
}
SIMD_UN(f32x4_convert_i32x4_s, 4, f32[i] = (float)a.i32[i])
SIMD_UN(f32x4_convert_i32x4_u, 4, f32[i] = (float)a.u32[i])
SIMD_UN(f64x2_convert_low_i32x4_s, 2, f64[i] = (double)a.i32[i])
SIMD_UN(f64x2_convert_low_i32x4_u, 2, f64[i] = (double)a.u32[i])
static inline v128_t simd_f32x4_demote_f64x2_zero(v128_t a) {
    v128_t r; r.f32[0] = (float)a.f64[0]; r.f32[1] = (float)a.f64[1]; r.u64[1] = 0; return r;
}
SIMD_UN(f64x2_promote_low_f32x4, 2, f64[i] = (double)a.f32[i])

/* ---- memory: `p` is in bounds for the access size (the caller checked) -------------------------- */
static inline v128_t simd_v128_load(const uint8_t *p) { return simd_get(p); }
static inline void simd_v128_store(uint8_t *p, v128_t v) { simd_put(p, v); }
#define SIMD_LOAD_EXT(name, n, out, st) \
    static inline v128_t simd_##name(const uint8_t *p) { \
        st h[n]; v128_t r; memcpy(h, p, 8); SIMD_FOR(n) r.out[i] = h[i]; return r; }
SIMD_LOAD_EXT(v128_load8x8_s, 8, i16, int8_t)
SIMD_LOAD_EXT(v128_load8x8_u, 8, u16, uint8_t)
SIMD_LOAD_EXT(v128_load16x4_s, 4, i32, int16_t)
SIMD_LOAD_EXT(v128_load16x4_u, 4, u32, uint16_t)
SIMD_LOAD_EXT(v128_load32x2_s, 2, i64, int32_t)
SIMD_LOAD_EXT(v128_load32x2_u, 2, u64, uint32_t)
static inline v128_t simd_v128_load8_splat(const uint8_t *p) { return simd_i8x16_splat(p[0]); }
static inline v128_t simd_v128_load16_splat(const uint8_t *p) { uint16_t x; memcpy(&x, p, 2); return simd_i16x8_splat(x); }
static inline v128_t simd_v128_load32_splat(const uint8_t *p) { uint32_t x; memcpy(&x, p, 4); return simd_i32x4_splat(x); }
static inline v128_t simd_v128_load64_splat(const uint8_t *p) { uint64_t x; memcpy(&x, p, 8); return simd_i64x2_splat(x); }
static inline v128_t simd_v128_load32_zero(const uint8_t *p) { v128_t r = {{0}}; memcpy(&r, p, 4); return r; }
static inline v128_t simd_v128_load64_zero(const uint8_t *p) { v128_t r = {{0}}; memcpy(&r, p, 8); return r; }
#define SIMD_LANE_MEM(bits, lanes) \
    static inline v128_t simd_v128_load##bits##_lane(const uint8_t *p, v128_t v, int l) { \
        memcpy((uint8_t *)&v + (l & (lanes - 1)) * (bits / 8), p, bits / 8); return v; } \
    static inline void simd_v128_store##bits##_lane(uint8_t *p, v128_t v, int l) { \
        memcpy(p, (const uint8_t *)&v + (l & (lanes - 1)) * (bits / 8), bits / 8); }
SIMD_LANE_MEM(8, 16)
SIMD_LANE_MEM(16, 8)
SIMD_LANE_MEM(32, 4)
SIMD_LANE_MEM(64, 2)

/* ---- relaxed SIMD (Wasm 3.0), deterministic choices (see the header comment) ------------------- */
static inline v128_t simd_i8x16_relaxed_swizzle(v128_t a, v128_t b) { return simd_i8x16_swizzle(a, b); }
static inline v128_t simd_i32x4_relaxed_trunc_f32x4_s(v128_t a) { return simd_i32x4_trunc_sat_f32x4_s(a); }
static inline v128_t simd_i32x4_relaxed_trunc_f32x4_u(v128_t a) { return simd_i32x4_trunc_sat_f32x4_u(a); }
static inline v128_t simd_i32x4_relaxed_trunc_f64x2_s_zero(v128_t a) { return simd_i32x4_trunc_sat_f64x2_s_zero(a); }
static inline v128_t simd_i32x4_relaxed_trunc_f64x2_u_zero(v128_t a) { return simd_i32x4_trunc_sat_f64x2_u_zero(a); }
static inline v128_t simd_f32x4_relaxed_madd(v128_t a, v128_t b, v128_t c) {
    v128_t r; SIMD_FOR(4) r.f32[i] = fmaf(a.f32[i], b.f32[i], c.f32[i]); return r;
}
static inline v128_t simd_f32x4_relaxed_nmadd(v128_t a, v128_t b, v128_t c) {
    v128_t r; SIMD_FOR(4) r.f32[i] = fmaf(-a.f32[i], b.f32[i], c.f32[i]); return r;
}
static inline v128_t simd_f64x2_relaxed_madd(v128_t a, v128_t b, v128_t c) {
    v128_t r; SIMD_FOR(2) r.f64[i] = fma(a.f64[i], b.f64[i], c.f64[i]); return r;
}
static inline v128_t simd_f64x2_relaxed_nmadd(v128_t a, v128_t b, v128_t c) {
    v128_t r; SIMD_FOR(2) r.f64[i] = fma(-a.f64[i], b.f64[i], c.f64[i]); return r;
}
static inline v128_t simd_i8x16_relaxed_laneselect(v128_t a, v128_t b, v128_t c) { return simd_v128_bitselect(a, b, c); }
static inline v128_t simd_i16x8_relaxed_laneselect(v128_t a, v128_t b, v128_t c) { return simd_v128_bitselect(a, b, c); }
static inline v128_t simd_i32x4_relaxed_laneselect(v128_t a, v128_t b, v128_t c) { return simd_v128_bitselect(a, b, c); }
static inline v128_t simd_i64x2_relaxed_laneselect(v128_t a, v128_t b, v128_t c) { return simd_v128_bitselect(a, b, c); }
static inline v128_t simd_f32x4_relaxed_min(v128_t a, v128_t b) { return simd_f32x4_min(a, b); }
static inline v128_t simd_f32x4_relaxed_max(v128_t a, v128_t b) { return simd_f32x4_max(a, b); }
static inline v128_t simd_f64x2_relaxed_min(v128_t a, v128_t b) { return simd_f64x2_min(a, b); }
static inline v128_t simd_f64x2_relaxed_max(v128_t a, v128_t b) { return simd_f64x2_max(a, b); }
static inline v128_t simd_i16x8_relaxed_q15mulr_s(v128_t a, v128_t b) { return simd_i16x8_q15mulr_sat_s(a, b); }
SIMD_BIN(i16x8_relaxed_dot_i8x16_i7x16_s, 8,
         u16[i] = (uint16_t)((int32_t)a.i8[2 * i] * b.i8[2 * i] + (int32_t)a.i8[2 * i + 1] * b.i8[2 * i + 1]))
static inline v128_t simd_i32x4_relaxed_dot_i8x16_i7x16_add_s(v128_t a, v128_t b, v128_t c) {
    v128_t d = simd_i16x8_relaxed_dot_i8x16_i7x16_s(a, b), r;
    SIMD_FOR(4) r.u32[i] = (uint32_t)((int32_t)d.i16[2 * i] + d.i16[2 * i + 1]) + c.u32[i];
    return r;
}

#endif /* WASMRT_SIMD_H */
