/* simd: an image/signal kernel written twice, with wasm_simd128.h intrinsics and as plain
 * scalar C, selected by the compiler flag (-msimd128 defines __wasm_simd128__).  Both
 * builds compute the same lane-wise operations in the same order (no float reductions),
 * so they return the same checksum.
 *
 * One unit of `run(n)` = one pass over N pixels:
 *   u8:  d = |a - b| (max - min), c = avgr_u(a, b) +sat 16, a = byte-reverse of each
 *        16-byte block of c, b ^= d;
 *   i16: s = s * 3 + widen(c) (wrapping), then clamped to [-20000, 20000];
 *   f32: f = clamp(f * 0.75 + (float)s, 0, 1000);
 *   i32: acc += trunc(f) ^ s (wrapping, order-independent).
 * Exports `int run(int n)` and `memory`, no imports. */
#include <stdint.h>
#include <stddef.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define N 4096
#define EXPORT __attribute__((visibility("default")))

static uint8_t A[N], B[N];
static int16_t S[N];
static float F[N];

void *memset(void *dst, int c, size_t n) {
    uint8_t *d = dst;
    while (n--) *d++ = (uint8_t)c;
    return dst;
}

static void init(void) {
    uint32_t x = 12345u;
    for (int i = 0; i < N; i++) {
        x = x * 1664525u + 1013904223u;
        A[i] = (uint8_t)(x >> 24);
        B[i] = (uint8_t)(x >> 16);
        S[i] = (int16_t)(x >> 8);
        F[i] = (float)(x & 1023u);
    }
}

#ifdef __wasm_simd128__
static uint32_t pass(void) {
    v128_t acc = wasm_i32x4_splat(0);
    const v128_t k16 = wasm_u8x16_splat(16), three = wasm_i16x8_splat(3);
    const v128_t lo = wasm_i16x8_splat(-20000), hi = wasm_i16x8_splat(20000);
    const v128_t q = wasm_f32x4_splat(0.75f), fz = wasm_f32x4_splat(0.0f),
                 fmax = wasm_f32x4_splat(1000.0f);
    for (int i = 0; i < N; i += 16) {
        v128_t a = wasm_v128_load(A + i), b = wasm_v128_load(B + i);
        v128_t d = wasm_i8x16_sub(wasm_u8x16_max(a, b), wasm_u8x16_min(a, b));
        v128_t c = wasm_u8x16_add_sat(wasm_u8x16_avgr(a, b), k16);
        wasm_v128_store(A + i, wasm_i8x16_shuffle(c, c, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5,
                                                  4, 3, 2, 1, 0));
        wasm_v128_store(B + i, wasm_v128_xor(b, d));
        for (int h = 0; h < 2; h++) {
            v128_t cw = h ? wasm_u16x8_extend_high_u8x16(c) : wasm_u16x8_extend_low_u8x16(c);
            v128_t s = wasm_v128_load(S + i + 8 * h);
            s = wasm_i16x8_add(wasm_i16x8_mul(s, three), cw);
            s = wasm_i16x8_min(wasm_i16x8_max(s, lo), hi);
            wasm_v128_store(S + i + 8 * h, s);
            for (int k = 0; k < 2; k++) {
                v128_t s32 = k ? wasm_i32x4_extend_high_i16x8(s) : wasm_i32x4_extend_low_i16x8(s);
                float *fp = F + i + 8 * h + 4 * k;
                v128_t f = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(fp), q),
                                          wasm_f32x4_convert_i32x4(s32));
                f = wasm_f32x4_min(wasm_f32x4_max(f, fz), fmax);
                wasm_v128_store(fp, f);
                acc = wasm_i32x4_add(acc, wasm_v128_xor(wasm_i32x4_trunc_sat_f32x4(f), s32));
            }
        }
    }
    return (uint32_t)wasm_i32x4_extract_lane(acc, 0) + (uint32_t)wasm_i32x4_extract_lane(acc, 1)
         + (uint32_t)wasm_i32x4_extract_lane(acc, 2) + (uint32_t)wasm_i32x4_extract_lane(acc, 3);
}
#else
static uint32_t pass(void) {
    uint32_t acc = 0;
    uint8_t c[16];
    for (int i = 0; i < N; i += 16) {
        for (int j = 0; j < 16; j++) {
            uint8_t a = A[i + j], b = B[i + j];
            uint8_t d = (uint8_t)((a > b ? a : b) - (a < b ? a : b));
            unsigned avg = ((unsigned)a + b + 1) >> 1;
            c[j] = (uint8_t)(avg + 16 > 255 ? 255 : avg + 16);
            B[i + j] = b ^ d;
        }
        for (int j = 0; j < 16; j++) {
            A[i + j] = c[15 - j];
            int s = (int16_t)(uint16_t)((uint16_t)S[i + j] * 3u + c[j]);
            s = s < -20000 ? -20000 : s > 20000 ? 20000 : s;
            S[i + j] = (int16_t)s;
            float f = F[i + j] * 0.75f + (float)s;
            f = f < 0.0f ? 0.0f : f > 1000.0f ? 1000.0f : f;
            F[i + j] = f;
            acc += (uint32_t)((int32_t)f ^ s);
        }
    }
    return acc;
}
#endif

EXPORT int run(int n) {
    init();
    uint32_t h = 2166136261u;
    for (int r = 0; r < n; r++)
        h = (h ^ pass()) * 16777619u;
    return (int)h;
}
