# The module structures declared in _core.pxd: constructors and repr.  Fields are
# documented in _core.pxd.  The leaf structures hold only numbers, strings, bytes and
# other leaves, so they cannot be part of a reference cycle: ``no_gc`` keeps the
# garbage collector from traversing the tens of thousands of them a large module has.

# Process-wide canonical ids of defined types, iso-recursive (spec 3.1, "Type
# equivalence"): a recursion group is keyed by its types with every reference to a type of
# the group rewritten to HT_REC (its index in the group) and every reference to an earlier
# type to that type's canonical id (HT_CONCRETE); equal keys <=> equivalent groups, and
# the i-th type of a group gets id (the group's first id + i).  A type's key is
# ``(kind, final, supertype, a, b)``: a function's params and results, or a struct's or
# array's fields as ``(storage type, mutable)`` pairs in ``a``; the supertype as a value
# type (0: none).  ``_CANON[id]`` is the key with HT_REC resolved to ids and the supertype
# to its id (-1: none): the canonical form the runtime and the API use.  ``canon_chunks``
# mirrors the kind and supertype of every id (``canon_info`` in _defs.pxd) for the
# validator's subtyping (``ht_sub``) and the runtime's call_indirect, which run without
# Python objects.
cdef dict _GROUP_IDS = {}
cdef list _CANON = []
cdef uint32_t* canon_chunks[CANON_CHUNKS]     # see canon_info in _defs.pxd
cdef GcLayout** layout_chunks[CANON_CHUNKS]   # see gc_layout in _defs.pxd


cdef uint32_t** canon_table() noexcept nogil:
    """The chunk table of the canonical types' kinds and supertypes (its address never
    changes: the runtime keeps it)."""
    return canon_chunks


cdef GcLayout*** gc_layout_table() noexcept nogil:
    """The chunk table of the struct and array types' object layouts (``gc_layout`` in
    _defs.pxd; its address never changes: the runtime keeps it)."""
    return layout_chunks


cdef GcLayout* gc_layout_ptr(uint32_t type_id) noexcept nogil:
    """The object layout of canonical type `type_id` (NULL: a function type), for lowered
    code to hold (it never moves)."""
    return gc_layout(layout_chunks, type_id)


cdef enum:
    MAX_CANONICAL_ID = (1 << 23) - 1


cdef inline uint8_t _storage_size(vt_t t) noexcept nogil:
    cdef uint32_t c = t & 0xFF
    if c == VT_I8:
        return 1
    if c == VT_I16:
        return 2
    if c == VT_I32 or c == VT_F32:
        return 4
    if c == VT_V128:
        return 16
    return 8                    # i64, f64, references


cdef GcLayout* _make_layout(uint32_t type_id, uint32_t kind, tuple fields) except NULL:
    """The object layout of a struct (`fields`: (storage type, mutable) pairs) or array
    (one pair) type: one block holding the GcLayout, its fields and its reference offsets.
    Struct fields go in declaration order, each at its natural alignment."""
    cdef uint32_t n = len(fields), i, off = sizeof(GcHeader), nrefs = 0, sz
    cdef size_t bytes = sizeof(GcLayout) + n * sizeof(GcField) + n * sizeof(uint32_t)
    cdef GcLayout* lay = <GcLayout*>PyMem_Malloc(bytes)
    cdef GcField* f
    if lay == NULL:
        raise MemoryError()
    memset(lay, 0, bytes)
    lay.type_id = type_id
    lay.kind = kind
    lay.nfields = n
    lay.fields = <GcField*>(<char*>lay + sizeof(GcLayout))
    lay.refs = <uint32_t*>(<char*>lay.fields + n * sizeof(GcField))
    for i in range(n):
        t, mut = fields[i]
        f = &lay.fields[i]
        sz = _storage_size(<vt_t>t)
        if kind == TK_ARRAY:
            off = GC_ARRAY_DATA
        else:
            off = (off + sz - 1) & ~(sz - 1)
        f.offset = off
        f.size = <uint8_t>sz
        f.code = GC_REF if vt_is_ref(<vt_t>t) else <uint8_t>(<vt_t>t & 0xFF)
        f.mutable = 1 if mut else 0
        f.vt = <vt_t>t
        if f.code == GC_REF:
            lay.refs[nrefs] = off
            nrefs += 1
        off += sz
    lay.nrefs = nrefs
    lay.size = GC_ARRAY_DATA if kind == TK_ARRAY else (off + 15) & ~(<uint32_t>15)
    return lay


cdef vt_t _canon_vt(vt_t t, uint32_t start, uint32_t end, list ids) except? 0xFFFFFFFF:
    """`t` of a type of the group [start, end): in-group refs become HT_REC, earlier ones
    canonical ids; VT_BOTTOM (never a real type) for a reference to a later type or to an
    invalid one.  With `ids` None the codes are canonical already (no group indices)."""
    cdef uint32_t x
    if (t & 0xFF) != HT_CONCRETE:
        return t
    x = vt_index(t)
    if ids is None:         # canonical codes (the API's types): a reference names an id
        return t if x < <uint32_t>len(_CANON) else VT_BOTTOM
    if start <= x < end:
        return HT_REC | ((x - start) << VT_INDEX_SHIFT) | (t & VT_NONNULL)
    if x < start and <int>ids[x] >= 0:
        return HT_CONCRETE | (<uint32_t>ids[x] << VT_INDEX_SHIFT) | (t & VT_NONNULL)
    return VT_BOTTOM


cdef tuple _canon_key(FuncTypeInfo d, uint32_t start, uint32_t end, list ids):
    """The key of type `d` of the group [start, end) (None if it names a later type)."""
    cdef vt_t sup = 0
    cdef vt_t t
    if d.supertype >= 0:
        sup = _canon_vt(vt_concrete(<uint32_t>d.supertype, 1), start, end, ids)
        if sup == VT_BOTTOM:
            return None
    if d.kind == TK_FUNC:
        a = tuple([_canon_vt(t, start, end, ids) for t in d.params])
        b = tuple([_canon_vt(t, start, end, ids) for t in d.results])
        if VT_BOTTOM in a or VT_BOTTOM in b:
            return None
    else:
        a = tuple([(_canon_vt(t, start, end, ids), mut) for t, mut in d.fields])
        b = ()
        for t, mut in a:
            if t == VT_BOTTOM:
                return None
    return (d.kind, d.final, sup, a, b)


cdef inline vt_t _resolve_rec(vt_t t, uint32_t first):
    if (t & 0xFF) == HT_REC:
        return HT_CONCRETE | ((first + vt_index(t)) << VT_INDEX_SHIFT) | (t & VT_NONNULL)
    return t


cdef int _canon_grow(uint32_t need) except -1:
    """Allocate the chunks of ids below `need` (once: a chunk never moves)."""
    cdef uint32_t c
    cdef uint32_t* chunk
    cdef GcLayout** layouts
    for c in range((need + 0xFFFF) >> CANON_CHUNK_BITS):
        if canon_chunks[c] == NULL:
            chunk = <uint32_t*>PyMem_Malloc(sizeof(uint32_t) << CANON_CHUNK_BITS)
            layouts = <GcLayout**>PyMem_Malloc(sizeof(GcLayout*) << CANON_CHUNK_BITS)
            if chunk == NULL or layouts == NULL:
                PyMem_Free(chunk)
                PyMem_Free(layouts)
                raise MemoryError()
            memset(chunk, 0, sizeof(uint32_t) << CANON_CHUNK_BITS)     # ids not given
            memset(layouts, 0, sizeof(GcLayout*) << CANON_CHUNK_BITS)  # out yet: no
            canon_chunks[c] = chunk                                    # supertype/layout
            layout_chunks[c] = layouts
    return 0


cdef int canonical_group(list defs, uint32_t start, list ids, bint add=True) except -2:
    """The canonical id of the first type of the recursion group ``defs`` (FuncTypeInfo,
    module-relative codes) at module type indices ``start ..``; ``ids`` holds the canonical
    ids of the types before it.  -1 if the group names a later type (the validator reports
    "unknown type"); -3 if ``add`` is false and the process has no such group yet."""
    cdef uint32_t end = start + len(defs), i
    cdef list key = []
    cdef FuncTypeInfo d
    for d in defs:
        k = _canon_key(d, start, end, ids)
        if k is None:
            return -1
        key.append(k)
    group = tuple(key)
    first = _GROUP_IDS.get(group)
    if first is None:
        if not add:
            return -3
        first = len(_CANON)
        if first + len(defs) > MAX_CANONICAL_ID:
            raise WasmtimeError("too many distinct types in this process")
        _canon_grow(first + len(defs))
        _GROUP_IDS[group] = first
        for kind, final, sup, a, b in key:      # resolve HT_REC to the ids just given
            if kind == TK_FUNC:
                a = tuple([_resolve_rec(t, first) for t in a])
                b = tuple([_resolve_rec(t, first) for t in b])
            else:
                a = tuple([(_resolve_rec(t, first), mut) for t, mut in a])
            sid = -1 if sup == 0 else <int>vt_index(_resolve_rec(sup, first))
            i = len(_CANON)
            canon_chunks[i >> CANON_CHUNK_BITS][i & 0xFFFF] = kind | <uint32_t>(sid + 1) << 2
            layout_chunks[i >> CANON_CHUNK_BITS][i & 0xFFFF] = (
                NULL if kind == TK_FUNC else _make_layout(i, kind, a))
            _CANON.append((kind, final, sid, a, b))
    return first


cdef int canonical_type_id(tuple params, tuple results) except -2:
    """The process-wide id of the final function type ``params -> results`` without
    supertype whose codes are canonical (references to defined types by canonical id): a
    group of one."""
    return canonical_group([FuncTypeInfo(params, results, -1, -1)], 0, None)


cdef inline bint canon_is_sub(int32_t a, int32_t b) noexcept nogil:
    """Canonical type `a` is `b` or declares it among its supertypes (transitively)."""
    return canon_sub(canon_chunks, <uint32_t>a, <uint32_t>b)


cdef inline uint8_t canon_kind(int32_t type_id) noexcept nogil:
    """The kind (TK_*) of canonical type `type_id`."""
    return canon_info(canon_chunks, <uint32_t>type_id) & 3


def canonical_func_type(tuple params, tuple results) -> int:
    """The canonical id of the function type ``params -> results`` (canonical codes) that
    ``FuncType`` makes (final, no supertype, a group of one) if this process has it, else
    -1: a lookup that makes no type."""
    cdef int tid = canonical_group([FuncTypeInfo(params, results, -1, -1)], 0, None, False)
    return -1 if tid < 0 else tid


def canonical_matches(int a, int b) -> bool:
    """Whether canonical type ``a`` matches ``b`` (equal, or ``b`` among its declared
    supertypes): a function of type ``a`` satisfies an import of type ``b``."""
    return canon_is_sub(a, b)


def canonical_type(int type_id) -> tuple:
    """``(kind, final, supertype id or -1, a, b)`` of canonical type ``type_id`` (see
    ``canonical_group``)."""
    return _CANON[type_id]


def canonical_count() -> int:
    """How many canonical ids exist (ids are 0 .. count - 1)."""
    return len(_CANON)


def canonical_kind(int type_id) -> int:
    """The kind of canonical type ``type_id``: TK_FUNC 0, TK_STRUCT 1, TK_ARRAY 2."""
    return canon_kind(type_id)


def canonical_signature(int type_id) -> tuple:
    """``(params, results)`` of canonical function type ``type_id``, as canonical value
    types; ``((), ())`` for a struct or array type."""
    t = _CANON[type_id]
    return t[3:] if t[0] == TK_FUNC else ((), ())


def canonical_valtype(vt_t t, list type_ids) -> int:
    """Value type `t` of a module whose types have canonical ids `type_ids`, in canonical
    form (a type index becomes the type's canonical id)."""
    if (t & 0xFF) == HT_CONCRETE:
        return HT_CONCRETE | (<uint32_t>type_ids[vt_index(t)] << VT_INDEX_SHIFT) | (t & VT_NONNULL)
    return t


VALTYPE_NAMES = {
    0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x78: "i8", 0x77: "i16",
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
TYPE_FUNC = TK_FUNC
TYPE_STRUCT = TK_STRUCT
TYPE_ARRAY = TK_ARRAY
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
    def __init__(self, tuple params, tuple results, int64_t offset=-1, type_id=None,
                 int kind=TK_FUNC, tuple fields=(), bint final=True, int supertype=-1):
        self.params = params
        self.results = results
        self.offset = offset
        self.kind = kind
        self.fields = fields
        self.final = final
        self.supertype = supertype
        # the decoder passes -1 and sets the id it computes for the module's group;
        # otherwise the codes are canonical ones (the API's function types)
        self.type_id = canonical_type_id(params, results) if type_id is None else type_id

    def __eq__(self, other):
        return isinstance(other, FuncTypeInfo) and (<FuncTypeInfo>other).type_id == self.type_id

    def __hash__(self):
        return hash(self.type_id)

    def __repr__(self):
        if self.kind != TK_FUNC:
            fields = [("mut " if mut else "") + _vt(t) for t, mut in self.fields]
            return "FuncTypeInfo(%s %s)" % (("struct", "array")[self.kind - 1], fields)
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
        self.tags = []
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
