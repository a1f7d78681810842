# Lowering of the v128 instructions (0xFD prefix): one IR op each (the rows of
# tools/wasm_ops.py with a ``v.<kind>`` family; tools/isa_simd.py gives the operand layout of
# every kind).  Called by ``Lowerer.instr`` for every 0xFD
# instruction.  A v128 provider takes two slots; a v128 operand field names the first.
# Every SIMD handler reads all its operands before it writes its result, so the result may
# reuse the home slot of its first operand (as the scalar ops do) and `local.set` may
# retarget it.

cdef enum SimdKind:
    SK_NONE = 0
    SK_CONST = 1        # [a=dst] [lo] [hi]                     -> v128
    SK_LOAD = 2         # [a=dst b=addr hi=offset]              i32 -> v128
    SK_STORE = 3        # [a=addr b=val hi=offset]              i32 v128 ->
    SK_LOAD_LANE = 4    # [a=dst b=addr c=vec d=lane] [lo=offset]  i32 v128 -> v128
    SK_STORE_LANE = 5   # [a=addr b=val c=lane] [lo=offset]     i32 v128 ->
    SK_SPLAT = 6        # [a=dst b=x]                           t -> v128
    SK_EXTRACT = 7      # [a=dst b=x c=lane]                    v128 -> t
    SK_REPLACE = 8      # [a=dst b=x c=val d=lane]              v128 t -> v128
    SK_SHUFFLE = 9      # [a=dst b=x c=y] [lo] [hi]             v128 v128 -> v128
    SK_UN = 10          # [a=dst b=x]                           v128 -> v128
    SK_BIN = 11         # [a=dst b=x c=y]                       v128 v128 -> v128
    SK_TERN = 12        # [a=dst b=x c=y d=z]                   v128 v128 v128 -> v128
    SK_TEST = 13        # [a=dst b=x]                           v128 -> i32
    SK_SHIFT = 14       # [a=dst b=x c=count]                   v128 i32 -> v128

# Sub-opcode (after 0xFD) -> IR op and kind.
cdef uint16_t _simd_ir[NSUB_SIMD]
cdef uint8_t _simd_kind[NSUB_SIMD]


cdef void _simd_tables():
    """Fill the SIMD opcode tables from the v128 rows of the wasm instruction table (lowering
    family ``v.<kind>``) and the IR names (at import)."""
    from wasmrt._isa_names import NAMES
    from wasmrt._wasm_ops import OPS
    cdef dict ir = {n: i for i, n in enumerate(NAMES)}
    cdef uint32_t sub
    kinds = {"const": SK_CONST, "load": SK_LOAD, "store": SK_STORE, "load_lane": SK_LOAD_LANE,
             "store_lane": SK_STORE_LANE, "splat": SK_SPLAT, "extract": SK_EXTRACT,
             "replace": SK_REPLACE, "shuffle": SK_SHUFFLE, "un": SK_UN, "bin": SK_BIN,
             "tern": SK_TERN, "test": SK_TEST, "shift": SK_SHIFT}
    memset(_simd_ir, 0, sizeof(_simd_ir))
    memset(_simd_kind, 0, sizeof(_simd_kind))
    for row in OPS:
        op, family, name = row[1], row[8], row[9]
        if family.startswith("v."):
            sub = op & 0xFFFF
            _simd_ir[sub] = ir[name]
            _simd_kind[sub] = kinds[family[2:]]


_simd_tables()


cdef int lower_simd(Lowerer lw, uint32_t sub, Instr* ins) except -1:
    """Lower the 0xFD instruction `sub` (validated): operands from the top providers,
    result to the home slot of the first operand."""
    cdef uint8_t kind = _simd_kind[sub] if sub < NSUB_SIMD else SK_NONE
    cdef uint32_t op = _simd_ir[sub] if sub < NSUB_SIMD else 0
    cdef uint32_t nin, nout, i, base, home
    cdef uint32_t s[3]
    cdef int32_t pc
    if kind == SK_NONE:
        raise UnsupportedFeatureError("SIMD instruction 0x%x cannot be lowered" % sub)
    if kind == SK_CONST:
        home = lw._top_home()
        pc = lw._emit(op, 4)
        lw.code[pc + 1].s.a = home
        memcpy(&lw.code[pc + 2], ins.v128, 16)
        lw._push(LV_TEMP, 2)
        lw.last_dst = pc
        return 0
    # operands in, result slots out
    if kind == SK_SPLAT or kind == SK_UN or kind == SK_TEST or kind == SK_EXTRACT \
            or kind == SK_LOAD:
        nin = 1
    elif kind == SK_TERN:
        nin = 3
    else:
        nin = 2
    if kind == SK_STORE or kind == SK_STORE_LANE:
        nout = 0
    elif kind == SK_TEST or kind == SK_EXTRACT:
        nout = 1
    else:
        nout = 2
    base = lw.nvals - nin
    home = lw.vals[base].home
    for i in range(nin):
        s[i] = lw._slot(base + i)
    pc = lw._emit(op, 4 if kind == SK_SHUFFLE else 3 if kind == SK_LOAD_LANE
                  or kind == SK_STORE_LANE else 2)
    if nout == 0:                               # stores: [a=addr b=val ...]
        lw.code[pc + 1].s.a = s[0]
        lw.code[pc + 1].s.b = s[1]
        if kind == SK_STORE:
            lw.code[pc + 1].w.hi = <int32_t><uint32_t>ins.mem_offset
        else:
            lw.code[pc + 1].s.c = ins.idx
            lw.code[pc + 2].w.lo = <int32_t><uint32_t>ins.mem_offset
        lw._pop(nin)
        return 0
    lw.code[pc + 1].s.a = home
    lw.code[pc + 1].s.b = s[0]
    if nin > 1:
        lw.code[pc + 1].s.c = s[1]
    if nin > 2:
        lw.code[pc + 1].s.d = s[2]
    if kind == SK_LOAD:
        lw.code[pc + 1].w.hi = <int32_t><uint32_t>ins.mem_offset
    elif kind == SK_LOAD_LANE:
        lw.code[pc + 1].s.d = ins.idx
        lw.code[pc + 2].w.lo = <int32_t><uint32_t>ins.mem_offset
    elif kind == SK_EXTRACT:
        lw.code[pc + 1].s.c = ins.idx
    elif kind == SK_REPLACE:
        lw.code[pc + 1].s.d = ins.idx
    elif kind == SK_SHUFFLE:
        memcpy(&lw.code[pc + 2], ins.v128, 16)
    lw._pop(nin)
    lw._push(LV_TEMP, nout)
    lw.last_dst = pc
    return 0
