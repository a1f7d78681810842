# Hand-assembled code for tests and debugging: a FuncCode built from a list of cells.


cdef class DebugCode:
    """A FuncCode owning its cells: `cells` are 64-bit ints (handler cells hold IR_*
    numbers, as the lowerer emits them; see tests/interp/asm.py).  `srcmap` is a list of
    (cell index, module offset) pairs."""
    cdef FuncCode code
    cdef readonly tuple params      # value types (`params`/`results` given as bytes or ints)
    cdef readonly tuple results

    def __cinit__(self, cells, params=b"", results=b"", uint32_t nlocals=0,
                  uint32_t max_slots=0, uint32_t func_index=0, uint32_t type_index=0,
                  srcmap=(), uint32_t body_offset=0):
        cdef uint32_t i
        cdef uint32_t n = len(cells)
        memset(&self.code, 0, sizeof(FuncCode))
        self.params = tuple(params)
        self.results = tuple(results)
        self.code.code = <Cell*>malloc((n + 1) * sizeof(Cell))
        self.code.srcmap = <uint32_t*>malloc((2 * len(srcmap) + 1) * sizeof(uint32_t))
        if self.code.code == NULL or self.code.srcmap == NULL:
            raise MemoryError()
        for i in range(n):
            self.code.code[i].u64 = <uint64_t>cells[i]
        for i in range(len(srcmap)):
            self.code.srcmap[2 * i] = srcmap[i][0]
            self.code.srcmap[2 * i + 1] = srcmap[i][1]
        self.code.nsrc = len(srcmap)
        self.code.ncells = n
        self.code.nparams = len(self.params)
        self.code.nresults = len(self.results)
        self.code.nlocals = nlocals
        self.code.max_slots = max_slots or (self.code.nparams + nlocals + 16)
        self.code.func_index = func_index
        self.code.type_index = type_index
        self.code.body_offset = body_offset
        if thread_code(&self.code) != 0:
            raise ValueError("malformed code: unknown op or truncated instruction")

    def __dealloc__(self):
        free(self.code.code)
        free(self.code.srcmap)

    def instantiate(self, StoreCtx store, InstanceCtx inst, int type_id=0) -> FuncInstance:
        """A wasm function of `inst` running this code (keeps this object alive)."""
        fi = store.new_wasm_func(inst, &self.code, self.params, self.results,
                                 vt_array(self.params + self.results), type_id)
        inst.keep.append(self)
        return fi
