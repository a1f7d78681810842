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
cdef uint16_t _simd_ir_m[NSUB_SIMD]             # a memory kind's `*_m` form (any memory)
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
    memset(_simd_ir_m, 0, sizeof(_simd_ir_m))
    memset(_simd_kind, 0, sizeof(_simd_kind))
    for row in OPS:
        op, family, name = row[1], row[8], row[9]
        if family.startswith("v."):
            sub = op & 0xFFFF
            _simd_ir[sub] = ir[name]
            _simd_ir_m[sub] = ir.get(name + "_m", 0)
            _simd_kind[sub] = kinds[family[2:]]


_simd_tables()


cdef int lower_simd(Lowerer lw, uint32_t sub, Instr* ins, bint any_mem) except -1:
    """Lower the 0xFD instruction `sub` (validated): operands from the top providers,
    result to the home slot of the first operand.  `any_mem`: an access of a memory other
    than a 32-bit memory 0 (the `*_m` forms: [.. c=mem] [u64 offset], load_lane
    [a b c d] [lo=mem] [u64 offset], store_lane [a b c=lane d=mem] [u64 offset])."""
    cdef uint8_t kind = _simd_kind[sub] if sub < NSUB_SIMD else SK_NONE
    cdef uint32_t op = _simd_ir[sub] if sub < NSUB_SIMD else 0
    cdef uint32_t nin, nout, i, base, home
    cdef uint32_t s[3]
    cdef int32_t pc
    cdef int32_t offset = <int32_t><uint32_t>ins.mem_offset
    cdef uint64_t lo, hi                        # v128.const / i8x16.shuffle bytes
    memcpy(&lo, ins.v128, 8)
    memcpy(&hi, ins.v128 + 8, 8)
    if kind == SK_NONE:
        raise UnsupportedFeatureError("SIMD instruction 0x%x cannot be lowered" % sub)
    if kind == SK_CONST:
        lw._result(0, 2, emit_dst_lo64_hi64(lw, op, lw._top_home(), lo, hi))
        return 0
    # operands in, result slots out
    if kind == SK_SPLAT or kind == SK_UN or kind == SK_TEST or kind == SK_EXTRACT \
            or kind == SK_LOAD:
        nin = 1
    elif kind == SK_TERN:
        nin = 3
    else:
        nin = 2
    base = lw.nvals - nin
    home = lw.vals[base].home
    for i in range(nin):
        s[i] = lw._slot(base + i)
    if any_mem and _simd_ir_m[sub]:
        op = _simd_ir_m[sub]
        if kind == SK_STORE:
            emit_addr_val_mem_offset64(lw, op, s[0], s[1], ins.mem, ins.mem_offset)
        elif kind == SK_STORE_LANE:
            emit_addr_val_lane_mem_offset64(lw, op, s[0], s[1], ins.idx, ins.mem, ins.mem_offset)
        elif kind == SK_LOAD:
            lw._result(nin, 2, emit_dst_addr_mem_offset64(lw, op, home, s[0], ins.mem,
                                                          ins.mem_offset))
            return 0
        else:                                   # SK_LOAD_LANE
            lw._result(nin, 2, emit_dst_addr_vec_lane_mem_offset64(
                lw, op, home, s[0], s[1], ins.idx, ins.mem, ins.mem_offset))
            return 0
        lw._pop(nin)
        return 0
    if kind == SK_STORE or kind == SK_STORE_LANE:
        if kind == SK_STORE:
            emit_addr_val_offset(lw, op, s[0], s[1], offset)
        else:
            emit_addr_val_lane_offset(lw, op, s[0], s[1], ins.idx, offset)
        lw._pop(nin)
        return 0
    nout = 1 if kind == SK_TEST or kind == SK_EXTRACT else 2
    if kind == SK_LOAD:
        pc = emit_dst_addr_offset(lw, op, home, s[0], offset)
    elif kind == SK_LOAD_LANE:
        pc = emit_dst_addr_vec_lane_offset(lw, op, home, s[0], s[1], ins.idx, offset)
    elif kind == SK_EXTRACT:
        pc = emit_dst_x_lane(lw, op, home, s[0], ins.idx)
    elif kind == SK_REPLACE:
        pc = emit_dst_x_val_lane(lw, op, home, s[0], s[1], ins.idx)
    elif kind == SK_SHUFFLE:
        pc = emit_dst_x_y_lo64_hi64(lw, op, home, s[0], s[1], lo, hi)
    elif kind == SK_TERN:
        pc = emit_dst_x_y_z(lw, op, home, s[0], s[1], s[2])
    elif kind == SK_BIN:
        pc = emit_dst_x_y(lw, op, home, s[0], s[1])
    elif kind == SK_SHIFT:
        pc = emit_dst_x_count(lw, op, home, s[0], s[1])
    else:                                       # splat, un, test: [a=dst b=x]
        pc = emit_dst_x(lw, op, home, s[0])
    lw._result(nin, nout, pc)
    return 0
