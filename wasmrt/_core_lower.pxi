# The lowerer: validated wasm bodies -> the internal register IR (owned by the lowering
# stage; this minimal version lowers nothing, so the front end builds and tests alone).
#
# Protocol (driven by ``validate_body`` in _core_validate.pxi, one Lowerer per body):
#   lw.begin(v, func_index)      before the first instruction (v.locals/nlocals are set)
#   lw.instr(v, &v.ins)          after each instruction has been fully type-checked
#   code = lw.finish(v)          after the final ``end``; stored in ModuleInfo.func_codes
# ``v`` is the FuncValidator; the fields it documents in _core.pxd are readable here.


cdef class Lowerer:
    """Builds the FuncCode of one function body (placeholder: returns None)."""

    cdef int begin(self, FuncValidator v, uint32_t func_index) except -1:
        return 0

    cdef int instr(self, FuncValidator v, Instr* ins) except -1:
        return 0

    cdef object finish(self, FuncValidator v):
        return None
