# The module structures declared in _core.pxd: constructors and repr.  Fields are
# documented in _core.pxd.  The leaf structures hold only numbers, strings, bytes and
# other leaves, so they cannot be part of a reference cycle: ``no_gc`` keeps the
# garbage collector from traversing the tens of thousands of them a large module has.

# Process-wide canonical ids of defined types, iso-recursive (spec 3.1, "Type
# equivalence"): a recursion group is keyed by its types with every reference to a type of
# the group rewritten to HT_REC (its index in the group) and every reference to an earlier
# type to that type's canonical id (HT_CONCRETE); equal keys <=> equivalent groups, and
# the i-th type of a group gets id (the group's first id + i).  Without GC every group
# holds one function type.  ``_CANON[id]`` is the type with HT_REC resolved to ids: the
# canonical form the runtime and the API use (``canonical_signature``).
cdef dict _GROUP_IDS = {}
cdef list _CANON = []

cdef enum:
    MAX_CANONICAL_ID = (1 << 23) - 1


cdef vt_t _canon_vt(vt_t t, uint32_t start, uint32_t end, list ids) except? 0xFFFFFFFF:
    """`t` of a type of the group [start, end): in-group refs become HT_REC, earlier ones
    canonical ids; VT_BOTTOM (never a real type) for a reference to a later type or to an
    invalid one."""
    cdef uint32_t x
    if (t & 0xFF) != HT_CONCRETE:
        return t
    x = vt_index(t)
    if start <= x < end:
        return HT_REC | ((x - start) << VT_INDEX_SHIFT) | (t & VT_NONNULL)
    if x < start and <int>ids[x] >= 0:
        return HT_CONCRETE | (<uint32_t>ids[x] << VT_INDEX_SHIFT) | (t & VT_NONNULL)
    return VT_BOTTOM


cdef int canonical_group(list sigs, uint32_t start, list ids) except -2:
    """The canonical id of the first type of the recursion group of function signatures
    ``sigs`` ((params, results) pairs, module-relative codes) at module type indices
    ``start ..``; ``ids`` holds the canonical ids of the types before it.  -1 if the group
    names a later type (the validator reports "unknown type")."""
    cdef uint32_t end = start + len(sigs)
    cdef list key = []
    cdef vt_t t
    for params, results in sigs:
        ps = tuple([_canon_vt(t, start, end, ids) for t in params])
        rs = tuple([_canon_vt(t, start, end, ids) for t in results])
        if VT_BOTTOM in ps or VT_BOTTOM in rs:
            return -1
        key.append((ps, rs))
    group = tuple(key)
    first = _GROUP_IDS.get(group)
    if first is None:
        first = len(_CANON)
        if first + len(sigs) > MAX_CANONICAL_ID:
            raise WasmtimeError("too many distinct types in this process")
        _GROUP_IDS[group] = first
        for ps, rs in key:      # resolve HT_REC to the ids just given
            _CANON.append((tuple([_resolve_rec(t, first) for t in ps]),
                           tuple([_resolve_rec(t, first) for t in rs])))
    return first


cdef inline vt_t _resolve_rec(vt_t t, uint32_t first):
    if (t & 0xFF) == HT_REC:
        return HT_CONCRETE | ((first + vt_index(t)) << VT_INDEX_SHIFT) | (t & VT_NONNULL)
    return t


cdef int canonical_type_id(tuple params, tuple results) except -2:
    """The process-wide id of the function type ``params -> results`` whose codes are
    canonical (references to defined types by canonical id): a group of one."""
    return canonical_group([(params, results)], 0, [])


def canonical_signature(int type_id) -> tuple:
    """``(params, results)`` of canonical type ``type_id``, as canonical value types."""
    return _CANON[type_id]


def canonical_valtype(vt_t t, list type_ids) -> int:
    """Value type `t` of a module whose types have canonical ids `type_ids`, in canonical
    form (a type index becomes the type's canonical id)."""
    if (t & 0xFF) == HT_CONCRETE:
        return HT_CONCRETE | (<uint32_t>type_ids[vt_index(t)] << VT_INDEX_SHIFT) | (t & VT_NONNULL)
    return t


VALTYPE_NAMES = {
    0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128",
    0x70: "funcref", 0x6F: "externref",
}
HEAPTYPE_NAMES = {
    HT_NOEXN: "noexn", HT_NOFUNC: "nofunc", HT_NOEXTERN: "noextern", HT_NONE: "none",
    HT_FUNC: "func", HT_EXTERN: "extern", HT_ANY: "any", HT_EQ: "eq", HT_I31: "i31",
    HT_STRUCT: "struct", HT_ARRAY: "array", HT_EXN: "exn", HT_BOT: "bot",
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


def valtype_name(vt_t t) -> str:
    """The text-format spelling of value type `t` (a type index as ``$N``; a canonical
    one, outside modules, names the canonical id the same way)."""
    name = VALTYPE_NAMES.get(t)
    if name is not None:
        return name
    if not vt_is_ref(t):
        return "bot" if t == VT_BOTTOM else hex(t)
    code = t & 0xFF
    heap = HEAPTYPE_NAMES.get(code)
    if heap is None:
        heap = ("$" if code == HT_CONCRETE else "rec.") + str(vt_index(t))
    return "(ref %s%s)" % ("" if t & VT_NONNULL else "null ", heap)


_vt = valtype_name


@cython.no_gc
cdef class FuncTypeInfo:
    def __init__(self, tuple params, tuple results, int64_t offset=-1, type_id=None):
        self.params = params
        self.results = results
        self.offset = offset
        # the decoder passes the id it computed for the module's group; otherwise the codes
        # are canonical ones (the API's function types)
        self.type_id = canonical_type_id(params, results) if type_id is None else type_id

    def __eq__(self, other):
        return isinstance(other, FuncTypeInfo) and (<FuncTypeInfo>other).type_id == self.type_id

    def __hash__(self):
        return hash(self.type_id)

    def __repr__(self):
        params = [_vt(t) for t in self.params]
        return "FuncTypeInfo(%s -> %s)" % (params, [_vt(t) for t in self.results])


@cython.no_gc
cdef class TableTypeInfo:
    def __init__(self, vt_t elem_type, min, max=-1, int64_t offset=-1, bint is_64=False,
                 ConstExpr init=None):
        self.elem_type = elem_type
        self.min = int(min)
        self.max = int(max)
        self.offset = offset
        self.is_64 = is_64
        self.init = init

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
    def __init__(self, vt_t val_type, bint mutable):
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
    def __init__(self, int mode, uint32_t table, ConstExpr offset, vt_t elem_type, tuple items,
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
