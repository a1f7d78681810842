# The module structures declared in _core.pxd: constructors and repr.  Fields are
# documented in _core.pxd.  The leaf structures hold only numbers, strings, bytes and
# other leaves, so they cannot be part of a reference cycle: ``no_gc`` keeps the
# garbage collector from traversing the tens of thousands of them a large module has.

# Process-wide canonical ids of function types: (params, results) -> id.
cdef dict _TYPE_IDS = {}


cdef int canonical_type_id(tuple params, tuple results):
    """The process-wide id of the signature ``params -> results`` (equal <=> equal ids)."""
    key = (params, results)
    tid = _TYPE_IDS.get(key)
    if tid is None:
        tid = len(_TYPE_IDS)
        _TYPE_IDS[key] = tid
    return tid


VALTYPE_NAMES = {
    0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128",
    0x70: "funcref", 0x6F: "externref",
}
I32 = 0x7F
I64 = 0x7E
F32 = 0x7D
F64 = 0x7C
V128 = 0x7B
FUNCREF = 0x70
EXTERNREF = 0x6F
EXTERN_KINDS = ("func", "table", "memory", "global")
PY_EXTERN_FUNC = EXTERN_FUNC
PY_EXTERN_TABLE = EXTERN_TABLE
PY_EXTERN_MEMORY = EXTERN_MEMORY
PY_EXTERN_GLOBAL = EXTERN_GLOBAL
ACTIVE = SEG_ACTIVE
PASSIVE = SEG_PASSIVE
DECLARATIVE = SEG_DECLARATIVE

# Feature bits (see _core.pxd for their meaning).
FEATURES = {
    "mutable_globals": FEAT_MUTABLE_GLOBALS,
    "sign_ext": FEAT_SIGN_EXT,
    "saturating_float_to_int": FEAT_SAT_FLOAT_TO_INT,
    "multi_value": FEAT_MULTI_VALUE,
    "bulk_memory": FEAT_BULK_MEMORY,
    "reference_types": FEAT_REFERENCE_TYPES,
    "simd": FEAT_SIMD,
    "relaxed_simd": FEAT_RELAXED_SIMD,
    "tail_call": FEAT_TAIL_CALL,
    "gc": FEAT_GC,
    "exceptions": FEAT_EXCEPTIONS,
    "memory64": FEAT_MEMORY64,
    "multi_memory": FEAT_MULTI_MEMORY,
    "threads": FEAT_THREADS,
    "extended_const": FEAT_EXTENDED_CONST,
    "function_references": FEAT_FUNCTION_REFERENCES,
    "wide_arithmetic": FEAT_WIDE_ARITHMETIC,
    "custom_page_sizes": FEAT_CUSTOM_PAGE_SIZES,
}
WASM2_FEATURES = FEATURES_WASM2
# Always on, whatever the mask says: wasmtime (whose Config the api mirrors) has no switch
# for these three, which every engine ships enabled.
BASELINE_FEATURES = FEAT_MUTABLE_GLOBALS | FEAT_SIGN_EXT | FEAT_SAT_FLOAT_TO_INT
# One ``FEATURE_<NAME>`` constant per feature (the api's Config maps its toggles to them).
FEATURE_MUTABLE_GLOBALS = FEAT_MUTABLE_GLOBALS
FEATURE_SIGN_EXT = FEAT_SIGN_EXT
FEATURE_SATURATING_FLOAT_TO_INT = FEAT_SAT_FLOAT_TO_INT
FEATURE_MULTI_VALUE = FEAT_MULTI_VALUE
FEATURE_BULK_MEMORY = FEAT_BULK_MEMORY
FEATURE_REFERENCE_TYPES = FEAT_REFERENCE_TYPES
FEATURE_SIMD = FEAT_SIMD
FEATURE_RELAXED_SIMD = FEAT_RELAXED_SIMD
FEATURE_TAIL_CALL = FEAT_TAIL_CALL
FEATURE_GC = FEAT_GC
FEATURE_EXCEPTIONS = FEAT_EXCEPTIONS
FEATURE_MEMORY64 = FEAT_MEMORY64
FEATURE_MULTI_MEMORY = FEAT_MULTI_MEMORY
FEATURE_THREADS = FEAT_THREADS
FEATURE_EXTENDED_CONST = FEAT_EXTENDED_CONST
FEATURE_FUNCTION_REFERENCES = FEAT_FUNCTION_REFERENCES
FEATURE_WIDE_ARITHMETIC = FEAT_WIDE_ARITHMETIC
FEATURE_CUSTOM_PAGE_SIZES = FEAT_CUSTOM_PAGE_SIZES


def _vt(int t) -> str:
    return VALTYPE_NAMES.get(t, hex(t))


@cython.no_gc
cdef class FuncTypeInfo:
    def __init__(self, tuple params, tuple results, int64_t offset=-1):
        self.params = params
        self.results = results
        self.offset = offset
        self.type_id = canonical_type_id(params, results)

    def __eq__(self, other):
        return isinstance(other, FuncTypeInfo) and (<FuncTypeInfo>other).type_id == self.type_id

    def __hash__(self):
        return hash(self.type_id)

    def __repr__(self):
        params = [_vt(t) for t in self.params]
        return "FuncTypeInfo(%s -> %s)" % (params, [_vt(t) for t in self.results])


@cython.no_gc
cdef class TableTypeInfo:
    def __init__(self, int elem_type, min, max=-1, int64_t offset=-1, bint is_64=False):
        self.elem_type = elem_type
        self.min = int(min)
        self.max = int(max)
        self.offset = offset
        self.is_64 = is_64

    def __repr__(self):
        return "TableTypeInfo(%s%s, %d, %d)" % (
            "i64 " if self.is_64 else "", _vt(self.elem_type), self.min, self.max)


@cython.no_gc
cdef class MemoryTypeInfo:
    def __init__(self, min, max=-1, int64_t offset=-1, bint is_64=False, bint shared=False,
                 uint32_t page_size_log2=16):
        self.min = int(min)
        self.max = int(max)
        self.offset = offset
        self.is_64 = is_64
        self.shared = shared
        self.page_size_log2 = page_size_log2

    def __repr__(self):
        extra = ("i64, " if self.is_64 else "") + ("shared, " if self.shared else "")
        if self.page_size_log2 != 16:
            extra += "pagesize %d, " % (1 << self.page_size_log2)
        return "MemoryTypeInfo(%s%d, %d)" % (extra, self.min, self.max)


@cython.no_gc
cdef class GlobalTypeInfo:
    def __init__(self, int val_type, bint mutable):
        self.val_type = val_type
        self.mutable = mutable

    def __repr__(self):
        return "GlobalTypeInfo(%s, mutable=%s)" % (_vt(self.val_type), self.mutable)


@cython.no_gc
cdef class ImportInfo:
    def __init__(self, str module, str name, int kind, object desc, int64_t offset=-1):
        self.module = module
        self.name = name
        self.kind = kind
        self.desc = desc
        self.offset = offset

    def __repr__(self):
        kind = EXTERN_KINDS[self.kind]
        return "ImportInfo(%r, %r, %s, %r)" % (self.module, self.name, kind, self.desc)


@cython.no_gc
cdef class ExportInfo:
    def __init__(self, str name, int kind, uint32_t index, int64_t offset=-1):
        self.name = name
        self.kind = kind
        self.index = index
        self.offset = offset

    def __repr__(self):
        return "ExportInfo(%r, %s, %d)" % (self.name, EXTERN_KINDS[self.kind], self.index)


@cython.no_gc
cdef class ConstExpr:
    def __init__(self, tuple ops, uint32_t offset=0):
        self.ops = ops
        self.offset = offset

    def __repr__(self):
        return "ConstExpr(%r)" % (self.ops,)


@cython.no_gc
cdef class GlobalInfo:
    def __init__(self, GlobalTypeInfo type, ConstExpr init=None, bint imported=False,
                 int64_t offset=-1):
        self.type = type
        self.init = init
        self.imported = imported
        self.offset = offset

    def __repr__(self):
        return "GlobalInfo(%r, %r)" % (self.type, self.init)


@cython.no_gc
cdef class ElemInfo:
    def __init__(self, int mode, uint32_t table, ConstExpr offset, int elem_type, tuple items,
                 int encoding, int64_t entry_offset=-1):
        self.mode = mode
        self.table = table
        self.offset = offset
        self.elem_type = elem_type
        self.items = items
        self.encoding = encoding
        self.entry_offset = entry_offset

    def __repr__(self):
        return "ElemInfo(mode=%d, table=%d, %s, %d items)" % (
            self.mode, self.table, _vt(self.elem_type), len(self.items))


@cython.no_gc
cdef class DataInfo:
    def __init__(self, int mode, uint32_t memory, ConstExpr offset, bytes data,
                 int64_t entry_offset=-1):
        self.mode = mode
        self.memory = memory
        self.offset = offset
        self.data = data
        self.entry_offset = entry_offset

    def __repr__(self):
        return "DataInfo(mode=%d, memory=%d, %d bytes)" % (self.mode, self.memory, len(self.data))


@cython.no_gc
cdef class CodeInfo:
    def __init__(self, tuple locals, uint64_t num_locals, uint32_t body_start, uint32_t body_end,
                 uint32_t offset, uint32_t locals_offset):
        self.locals = locals
        self.num_locals = num_locals
        self.body_start = body_start
        self.body_end = body_end
        self.offset = offset
        self.locals_offset = locals_offset

    def __repr__(self):
        return "CodeInfo(%d locals, body %d..%d)" % (
            self.num_locals, self.body_start, self.body_end)


cdef class NameInfo:
    def __init__(self):
        self.module = None
        self.functions = {}
        self.locals = {}

    def __repr__(self):
        return "NameInfo(module=%r, %d functions)" % (self.module, len(self.functions))


cdef class ModuleInfo:
    def __init__(self, bytes data=b""):
        self.data = data
        self.types = []
        self.imports = []
        self.func_types = []
        self.tables = []
        self.memories = []
        self.globals = []
        self.exports = []
        self.start = -1
        self.elems = []
        self.datas = []
        self.data_count = -1
        self.codes = []
        self.names = NameInfo()
        self.customs = []
        self.func_codes = []
        self.features = FEATURES_WASM2
        self.start_offset = -1
        self.function_section_offset = -1

    @property
    def num_funcs(self):
        """Size of the function index space (imports first)."""
        return len(self.func_types)

    def func_type(self, uint32_t func_index):
        """The FuncTypeInfo of function ``func_index``."""
        return self.types[self.func_types[func_index]]

    def __repr__(self):
        return "ModuleInfo(%d types, %d imports, %d funcs, %d exports)" % (
            len(self.types), len(self.imports), len(self.func_types), len(self.exports))
