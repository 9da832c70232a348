/*
 * torchzip.c — PyTorch zip checkpoints (torch.save since 1.6), read
 * through the safe pickle subset of pickle.c; nothing is ever executed.
 *
 * Byte layout: a zip archive (zip.c) whose members all live under one
 * directory, the archive name P (torch.save uses the file stem):
 *   P/data.pkl        the pickled object, protocol 2: usually a (nested)
 *                     dict of tensors; each tensor is
 *                       _rebuild_tensor_v2(storage, storage_offset, size,
 *                                          stride, requires_grad, hooks)
 *                     and each storage the persistent id
 *                       ('storage', torch.<T>Storage, KEY, location, numel)
 *   P/data/KEY        the storage's raw bytes: numel elements of T,
 *                     little-endian; stored (not deflated) and 64-byte
 *                     aligned by torch.save, so they are viewed in place
 *   P/version         format version, ASCII decimal ("3\n")
 *   P/byteorder       "little" or "big" (newer releases)
 *   P/.data/version, P/.data/serialization_id, P/.format_version,
 *   P/.storage_alignment   bookkeeping of newer releases
 *
 * Tensors are strided views into their storage's bytes: two tensors on one
 * storage (tied or shared weights) and non-contiguous views (transposes,
 * slices with an offset, expands with stride 0) need no copy. Checked for
 * each, with 64-bit overflow checks: storage_offset, sizes and strides are
 * >= 0; every element a view reaches lies inside the storage
 * (offset + sum((size_i - 1) * stride_i) < numel); numel x element size is
 * the member's size exactly; one KEY has one type and one numel.
 *
 * Names: the path to each tensor in the pickled tree, dict keys (str or
 * int) and list or tuple indices joined with '.': {"layers": [{"w": t}]}
 * gives "layers.0.w"; src->prefix adds "prefix/". A pickled lone tensor
 * is named src->single_name, else src->prefix, else src->path. Other
 * leaves (numbers, strings, None) hold no tensor and are skipped; the
 * top-level ones with str keys become the set's metadata when
 * src->take_metadata ({"epoch": 3} -> "epoch" = "3").
 *
 * Refused: TorchScript archives (P/code/, P/constants.pkl), members
 * torch.save does not write (strict), byteorder "big", legacy non-zip
 * pickles (parity__sniff_torch_legacy).
 */
#include "formats/pickle.h"
#include "formats/zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEGACY_MESSAGE                                                       \
    "a PyTorch legacy (non-zip) checkpoint: not supported; re-save it "      \
    "with torch.save(..., _use_new_zipfile_serialization=True)"

/* PROTO n, LONG1 10, then 0x1950a86a20f9469cfc6c little-endian. */
int parity__sniff_torch_legacy(const unsigned char *buf, size_t len) {
    static const unsigned char magic[12] = {0x8a, 0x0a, 0x6c, 0xfc,
                                            0x9c, 0x46, 0xf9, 0x20,
                                            0x6a, 0xa8, 0x50, 0x19};
    return len >= 14 && buf[0] == 0x80 && memcmp(buf + 2, magic, 12) == 0;
}

parity_status parity__refuse_torch_legacy(const parity__source *src,
                                          parity_error *err) {
    return parity__fail(err, PARITY_E_UNSUPPORTED, 0, "%s: " LEGACY_MESSAGE,
                        src->path ? src->path : "(buffer)");
}

/* A storage member once read: its bytes, type and numel. */
typedef struct tz_storage {
    const unsigned char *bytes;
    int loaded, in_file;
    unsigned stype;            /* index in the storage type table         */
    int64_t numel;
} tz_storage;

typedef struct tz {
    parity_set *set;
    const parity__source *src;
    parity__zip *z;
    parity__pickle pk;
    const char *file;          /* src->path, owned by the set              */
    const unsigned char *prefix; /* the archive directory, with its '/'    */
    size_t prefix_len;
    tz_storage *st;            /* [z->n] by member index                   */
    char *name;                /* the tensor name being built [name_len]   */
    size_t name_len, name_cap;
    uint64_t visits, max_visits;
    uint64_t max_depth;
    uint64_t max_view_bytes;   /* opts.max_decompressed_bytes            */
    parity_error *err;
} tz;

/* ---- the archive's members --------------------------------------------- */

static int member_is(const tz *t, const parity__zip_member *m,
                     const char *rest) {
    size_t r = strlen(rest);
    return m->name_len == t->prefix_len + r &&
           memcmp(m->name + t->prefix_len, rest, r) == 0;
}

static int member_under(const tz *t, const parity__zip_member *m,
                        const char *dir) {
    size_t r = strlen(dir);
    return m->name_len > t->prefix_len + r &&
           memcmp(m->name + t->prefix_len, dir, r) == 0;
}

/* The P/data.pkl member gives P; the index of data.pkl in *pkl. */
static parity_status find_prefix(tz *t, size_t *pkl) {
    const parity__zip *z = t->z;
    long found = -1;
    for (size_t i = 0; i < z->n; i++) {
        const parity__zip_member *m = &z->m[i];
        size_t n = m->name_len;
        if (n < 9 || memcmp(m->name + n - 9, "/data.pkl", 9) != 0) continue;
        if (memchr(m->name, '/', n - 9) != NULL) continue; /* nested */
        FAIL_IF(found >= 0, t->err, PARITY_E_FORMAT, m->cd_off,
                "%s: two data.pkl members (one archive directory expected)",
                t->file);
        found = (long)i;
    }
    FAIL_IF(found < 0, t->err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: no ARCHIVE/data.pkl member: not a PyTorch checkpoint",
            t->file);
    *pkl = (size_t)found;
    t->prefix = z->m[found].name;
    t->prefix_len = z->m[found].name_len - 8; /* keeps the '/' */
    return PARITY_OK;
}

/* Every member under P/, each one torch.save writes; TorchScript named. */
static parity_status check_members(const tz *t) {
    char q[256];
    for (size_t i = 0; i < t->z->n; i++) {
        const parity__zip_member *m = &t->z->m[i];
        const char *mn = parity__zip_name(m, q, sizeof q);
        FAIL_IF(m->name_len < t->prefix_len ||
                    memcmp(m->name, t->prefix, t->prefix_len) != 0,
                t->err, PARITY_E_FORMAT, m->cd_off,
                "%s: zip member '%s' is outside the archive directory "
                "'%.*s' (one directory holds a checkpoint)", t->file, mn,
                (int)t->prefix_len, (const char *)t->prefix);
        FAIL_IF(member_under(t, m, "code/") ||
                    member_is(t, m, "constants.pkl") ||
                    member_is(t, m, "bytecode.pkl"),
                t->err, PARITY_E_UNSUPPORTED, m->cd_off,
                "%s: a TorchScript archive (member '%s'): not a state dict, "
                "not read", t->file, mn);
        int known = member_is(t, m, "data.pkl") || member_is(t, m, "version")
                    || member_is(t, m, "byteorder") ||
                    member_is(t, m, ".data/version") ||
                    member_is(t, m, ".data/serialization_id") ||
                    member_is(t, m, ".format_version") ||
                    member_is(t, m, ".storage_alignment") ||
                    member_under(t, m, "data/");
        FAIL_IF(!known && t->z->strict, t->err, PARITY_E_FORMAT, m->cd_off,
                "%s: zip member '%s' is not part of a torch.save "
                "checkpoint", t->file, mn);
    }
    return PARITY_OK;
}

/* Member P/<rest>'s bytes, or NULL when it is absent. */
static parity_status small_member(tz *t, const char *rest,
                                  const unsigned char **b, size_t *n) {
    char name[64];
    int k = snprintf(name, sizeof name, "%.*s%s", (int)t->prefix_len,
                     (const char *)t->prefix, rest);
    *b = NULL;
    *n = 0;
    long i = k > 0 && (size_t)k < sizeof name
                 ? parity__zip_find(t->z, name, (size_t)k) : -1;
    if (i < 0) return PARITY_OK;
    const parity__zip_member *m = &t->z->m[i];
    char q[256];
    FAIL_IF(m->usize > 64, t->err, PARITY_E_FORMAT, m->cd_off,
            "%s: zip member '%s': %llu bytes (a few expected)", t->file,
            parity__zip_name(m, q, sizeof q), (unsigned long long)m->usize);
    int in_file;
    TRY(parity__zip_read(t->z, t->set, (size_t)i, b, &in_file, t->err));
    *n = (size_t)m->usize;
    return PARITY_OK;
}

/* byteorder, when present, is "little"; version is a decimal. */
static parity_status check_bookkeeping(tz *t) {
    const unsigned char *b;
    size_t n;
    TRY(small_member(t, "byteorder", &b, &n));
    FAIL_IF(b && n == 3 && !memcmp(b, "big", 3), t->err,
            PARITY_E_UNSUPPORTED, PARITY_NO_OFFSET,
            "%s: byteorder 'big': big-endian checkpoints are not read",
            t->file);
    FAIL_IF(b && !(n == 6 && !memcmp(b, "little", 6)), t->err,
            PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: byteorder member is neither 'little' nor 'big'", t->file);
    TRY(small_member(t, "version", &b, &n));
    size_t digits = 0;
    while (b && digits < n && b[digits] >= '0' && b[digits] <= '9') digits++;
    FAIL_IF(b && (digits == 0 || n - digits > 1 ||
                  (n > digits && b[digits] != '\n')),
            t->err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: version member is not a decimal number", t->file);
    return PARITY_OK;
}

/* ---- storages ---------------------------------------------------------- */

/* Index of the first control character (< 0x20, 0x7f) in s[0..n), or n:
 * names and keys holding one would break one-line messages and reports. */
static size_t control_at(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7f) return i;
    return n;
}

/* The persistent id's key names member P/data/KEY. */
static parity_status storage_member(tz *t, const parity__pk_node *s,
                                    const char *tname, size_t *mi) {
    const parity__pk_node *key = &t->pk.node[s->u.st.key];
    size_t kn = key->n;
    int ok = kn > 0 && kn <= 200 && memchr(key->u.s, '/', kn) == NULL &&
             control_at(key->u.s, kn) == kn &&
             !(kn == 1 && key->u.s[0] == '.') &&
             !(kn == 2 && !memcmp(key->u.s, "..", 2));
    FAIL_IF(!ok, t->err, PARITY_E_FORMAT, s->off,
            "%s: tensor '%s': storage key at data.pkl byte %llu is not a "
            "plain member name", t->file, tname,
            (unsigned long long)s->off);
    char name[512];
    int k = snprintf(name, sizeof name, "%.*sdata/%.*s", (int)t->prefix_len,
                     (const char *)t->prefix, (int)kn,
                     (const char *)key->u.s);
    long i = k > 0 && (size_t)k < sizeof name
                 ? parity__zip_find(t->z, name, (size_t)k) : -1;
    FAIL_IF(i < 0, t->err, PARITY_E_FORMAT, s->off,
            "%s: tensor '%s': storage '%.*s' has no member '%s'", t->file,
            tname, (int)kn, (const char *)key->u.s, name);
    *mi = (size_t)i;
    return PARITY_OK;
}

/* Read (once) the storage s and check it against every use of its key. */
static parity_status storage_get(tz *t, const parity__pk_node *s,
                                 const char *tname, tz_storage **out) {
    size_t mi = 0;
    TRY(storage_member(t, s, tname, &mi));
    const parity__zip_member *m = &t->z->m[mi];
    const parity__pk_storage_type *ty = parity__pk_storage_at(s->glob);
    int64_t numel = t->pk.node[s->u.st.numel].u.i;
    tz_storage *st = &t->st[mi];
    char q[256];
    const char *mn = parity__zip_name(m, q, sizeof q);
    if (st->loaded) {
        FAIL_IF(st->stype != s->glob || st->numel != numel, t->err,
                PARITY_E_FORMAT, s->off,
                "%s: tensor '%s': storage '%s' declared as %s of %lld and "
                "%s of %lld elements", t->file, tname, mn,
                parity__pk_storage_at(st->stype)->name, (long long)st->numel,
                ty->name, (long long)numel);
        *out = st;
        return PARITY_OK;
    }
    uint64_t esz = parity_dtype_size(ty->dtype) * (ty->complex ? 2u : 1u);
    uint64_t bytes;
    FAIL_IF(!parity__mul_u64((uint64_t)numel, esz, &bytes), t->err,
            PARITY_E_FORMAT, s->off,
            "%s: tensor '%s': storage '%s': %lld %s elements overflow 64 "
            "bits of bytes", t->file, tname, mn, (long long)numel, ty->name);
    FAIL_IF(bytes != m->usize, t->err, PARITY_E_FORMAT, s->off,
            "%s: tensor '%s': storage '%s' of %lld %s elements needs %llu "
            "bytes, the member holds %llu", t->file, tname, mn,
            (long long)numel, ty->name, (unsigned long long)bytes,
            (unsigned long long)m->usize);
    TRY(parity__zip_read(t->z, t->set, mi, &st->bytes, &st->in_file,
                         t->err));
    st->loaded = 1;
    st->stype = s->glob;
    st->numel = numel;
    *out = st;
    return PARITY_OK;
}

/* ---- tensor views ------------------------------------------------------ */

/* The ints of a size or stride tuple into v[]; *n their count. */
static void tuple_ints(const tz *t, uint32_t tuple, int64_t *v, int *n) {
    *n = 0;
    for (uint32_t it = t->pk.node[tuple].u.c.first; it != PARITY__PK_NONE_IDX;
         it = t->pk.item[it].next)
        v[(*n)++] = t->pk.node[t->pk.item[it].value].u.i;
}

/* Shape and strides are >= 0, the element count and the last element
 * reached fit 64 bits, and that element lies inside the storage. */
static parity_status check_view(const tz *t, const char *tname,
                                const parity__pk_node *tn, int ndim,
                                const int64_t *size, const int64_t *stride,
                                int64_t offset, int64_t numel,
                                uint64_t esz, uint64_t *count) {
    uint64_t at = tn->off;
    FAIL_IF(offset < 0, t->err, PARITY_E_FORMAT, at,
            "%s: tensor '%s': storage_offset %lld is negative", t->file,
            tname, (long long)offset);
    uint64_t last = (uint64_t)offset;
    int ok = 1;
    *count = 1;
    for (int k = 0; k < ndim; k++) {
        FAIL_IF(size[k] < 0 || stride[k] < 0, t->err, PARITY_E_FORMAT, at,
                "%s: tensor '%s': dim %d has size %lld, stride %lld (both "
                "must be >= 0)", t->file, tname, k, (long long)size[k],
                (long long)stride[k]);
        /* a dim of size 1 reaches nothing whatever its stride: bound it so
         * stride arithmetic downstream (complex parts: x2) cannot wrap */
        FAIL_IF(stride[k] > INT64_MAX / 4, t->err, PARITY_E_FORMAT, at,
                "%s: tensor '%s': dim %d: stride %lld over 2^61", t->file,
                tname, k, (long long)stride[k]);
        uint64_t reach;
        ok = ok && parity__mul_u64(*count, (uint64_t)size[k], count) &&
             *count <= INT64_MAX;
        if (size[k] > 0)
            ok = ok && parity__mul_u64((uint64_t)size[k] - 1,
                                       (uint64_t)stride[k], &reach) &&
                 parity__add_u64(last, reach, &last) && last <= INT64_MAX;
    }
    FAIL_IF(!ok, t->err, PARITY_E_FORMAT, at,
            "%s: tensor '%s': size and stride overflow 64 bits", t->file,
            tname);
    FAIL_IF(*count > 0 && last >= (uint64_t)numel, t->err, PARITY_E_FORMAT,
            at, "%s: tensor '%s': reaches element %llu of a storage of "
            "%lld", t->file, tname, (unsigned long long)last,
            (long long)numel);
    /* stride 0 (expand) makes a view larger than its storage: its
     * elements are read one by one, so bound them like inflated bytes */
    uint64_t logical;
    FAIL_IF(*count > (uint64_t)numel &&
                (!parity__mul_u64(*count, esz, &logical) ||
                 logical > t->max_view_bytes),
            t->err, PARITY_E_LIMIT, at,
            "%s: tensor '%s': a view of %llu elements over a storage of "
            "%lld exceeds max_decompressed_bytes", t->file, tname,
            (unsigned long long)*count, (long long)numel);
    FAIL_IF(*count == 0 && (uint64_t)offset > (uint64_t)numel, t->err,
            PARITY_E_FORMAT, at,
            "%s: tensor '%s': storage_offset %lld past a storage of %lld",
            t->file, tname, (long long)offset, (long long)numel);
    return PARITY_OK;
}

/* A complex tensor is read as its parts: a trailing axis of 2 (re, im),
 * every stride and the offset counted in parts. */
static parity_status complex_parts(const tz *t, const char *tname,
                                   parity_tensor *pt, int64_t *offset) {
    FAIL_IF(pt->ndim + 1 > PARITY_MAX_DIMS, t->err, PARITY_E_LIMIT,
            PARITY_NO_OFFSET,
            "%s: tensor '%s': a complex tensor of %d dims needs %d, over "
            "the limit of %d", t->file, tname, pt->ndim, pt->ndim + 1,
            PARITY_MAX_DIMS);
    for (int k = 0; k < pt->ndim; k++) pt->stride[k] *= 2; /* < 2^62 */
    pt->shape[pt->ndim] = 2;
    pt->stride[pt->ndim] = 1;
    pt->ndim++;
    pt->count *= 2;
    pt->complex_parts = 1;
    *offset *= 2;
    return PARITY_OK;
}

/* The view of storage s as tensor tname. */
static parity_status add_view(tz *t, const char *tname,
                              const parity__pk_node *tn, uint32_t storage,
                              int ndim, const int64_t *size,
                              const int64_t *stride, int64_t offset) {
    const parity__pk_node *s = &t->pk.node[storage];
    tz_storage *st = NULL;
    TRY(storage_get(t, s, tname, &st));
    const parity__pk_storage_type *ty = parity__pk_storage_at(st->stype);
    parity_tensor pt;
    memset(&pt, 0, sizeof pt);
    uint64_t count = 0;
    uint64_t esz = parity_dtype_size(ty->dtype) * (ty->complex ? 2u : 1u);
    TRY(check_view(t, tname, tn, ndim, size, stride, offset, st->numel, esz,
                   &count));
    pt.ndim = ndim;
    memcpy(pt.shape, size, sizeof *size * (size_t)ndim);
    memcpy(pt.stride, stride, sizeof *stride * (size_t)ndim);
    pt.count = count;
    if (ty->complex) TRY(complex_parts(t, tname, &pt, &offset));
    esz = parity_dtype_size(ty->dtype); /* now of one part */
    pt.dtype = ty->dtype;
    pt.nbytes = pt.count * esz; /* count x esz was checked above */
    pt.data = st->bytes ? st->bytes + (uint64_t)offset * esz : NULL;
    pt.file_offset = st->in_file ? (uint64_t)(pt.data - t->z->buf)
                                 : PARITY_NO_OFFSET;
    if (!st->bytes) pt.file_offset = PARITY_NO_OFFSET;
    pt.file = t->file;
    pt.name = parity__set_strdup(t->set, tname, strlen(tname));
    FAIL_IF(!pt.name, t->err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory", t->file);
    return parity__set_add(t->set, &pt, t->err);
}

static parity_status add_tensor(tz *t, const char *tname, uint32_t node) {
    const parity__pk_node *tn = &t->pk.node[node];
    int64_t size[PARITY_MAX_DIMS], stride[PARITY_MAX_DIMS];
    int ndim, nstride;
    tuple_ints(t, tn->u.t.size, size, &ndim);
    tuple_ints(t, tn->u.t.stride, stride, &nstride);
    return add_view(t, tname, tn, tn->u.t.storage, ndim, size, stride,
                    t->pk.node[tn->u.t.offset].u.i);
}

/* A bare storage in the tree reads as the 1-D tensor of its elements. */
static parity_status add_storage(tz *t, const char *tname, uint32_t node) {
    const parity__pk_node *s = &t->pk.node[node];
    int64_t numel = t->pk.node[s->u.st.numel].u.i, one = 1;
    return add_view(t, tname, s, node, 1, &numel, &one, 0);
}

/* ---- names: walking the tree ------------------------------------------- */

enum { WALK_ON_PATH = 1 };

static parity_status name_reserve(tz *t, size_t more) {
    size_t need;
    FAIL_IF(__builtin_add_overflow(t->name_len, more + 1, &need), t->err,
            PARITY_E_LIMIT, PARITY_NO_OFFSET, "%s: name too long", t->file);
    if (need <= t->name_cap) return PARITY_OK;
    size_t cap = t->name_cap ? t->name_cap : 256;
    while (cap < need) cap *= 2;
    char *p = realloc(t->name, cap);
    FAIL_IF(!p, t->err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            t->file);
    t->name = p;
    t->name_cap = cap;
    return PARITY_OK;
}

/* Append ".part" (no '.' first, or after "prefix/") to the name. */
static parity_status name_push(tz *t, const char *part, size_t n,
                               size_t base) {
    TRY(name_reserve(t, n + 1));
    if (t->name_len > base) t->name[t->name_len++] = '.';
    memcpy(t->name + t->name_len, part, n);
    t->name_len += n;
    t->name[t->name_len] = '\0';
    return PARITY_OK;
}

/* A dict key as a name part: str as is, int in decimal. */
static parity_status key_part(const tz *t, uint32_t key, char *num,
                              const char **part, size_t *n) {
    const parity__pk_node *k = &t->pk.node[key];
    if (k->kind == PARITY__PK_STR) {
        size_t c = control_at(k->u.s, k->n);
        FAIL_IF(c < k->n, t->err, PARITY_E_FORMAT, k->off,
                "%s: data.pkl byte %llu: control character 0x%02x in a dict "
                "key", t->file, (unsigned long long)k->off, k->u.s[c]);
        *part = (const char *)k->u.s;
        *n = k->n;
        return PARITY_OK;
    }
    FAIL_IF(k->kind != PARITY__PK_INT, t->err, PARITY_E_UNSUPPORTED, k->off,
            "%s: data.pkl byte %llu: a dict key of type %s (tensor names "
            "are built from str and int keys)", t->file,
            (unsigned long long)k->off, parity__pk_kind_name(k));
    *n = (size_t)snprintf(num, 24, "%lld", (long long)k->u.i);
    *part = num;
    return PARITY_OK;
}

static parity_status walk(tz *t, uint32_t node, uint64_t depth, size_t base);

/* Each item of a container, named by its key or position. */
static parity_status walk_items(tz *t, uint32_t node, uint64_t depth,
                                size_t base) {
    const parity__pk_node *c = &t->pk.node[node];
    int is_dict = c->kind == PARITY__PK_DICT;
    uint64_t index = 0;
    for (uint32_t it = c->u.c.first; it != PARITY__PK_NONE_IDX;
         it = t->pk.item[it].next, index++) {
        char num[24];
        const char *part = num;
        size_t n = 0;
        if (is_dict)
            TRY(key_part(t, t->pk.item[it].key, num, &part, &n));
        else
            n = (size_t)snprintf(num, sizeof num, "%llu",
                                 (unsigned long long)index);
        size_t keep = t->name_len;
        TRY(name_push(t, part, n, base));
        TRY(walk(t, t->pk.item[it].value, depth + 1, base));
        t->name_len = keep;
        t->name[keep] = '\0';
    }
    return PARITY_OK;
}

/* Containers recurse (bounded depth, no cycles, bounded total visits:
 * shared containers cannot blow up exponentially); tensors and storages
 * are added; other leaves hold no tensor. */
static parity_status walk(tz *t, uint32_t node, uint64_t depth, size_t base) {
    parity__pk_node *n = &t->pk.node[node];
    FAIL_IF(++t->visits > t->max_visits, t->err, PARITY_E_LIMIT, n->off,
            "%s: data.pkl: containers shared so often that naming the "
            "tensors visits more than %llu values", t->file,
            (unsigned long long)t->max_visits);
    if (n->kind == PARITY__PK_TENSOR) return add_tensor(t, t->name, node);
    if (n->kind == PARITY__PK_STORAGE) return add_storage(t, t->name, node);
    if (n->kind != PARITY__PK_DICT && n->kind != PARITY__PK_LIST &&
        n->kind != PARITY__PK_TUPLE)
        return PARITY_OK;
    FAIL_IF(n->walk & WALK_ON_PATH, t->err, PARITY_E_FORMAT, n->off,
            "%s: data.pkl byte %llu: a %s that contains itself", t->file,
            (unsigned long long)n->off, parity__pk_kind_name(n));
    FAIL_IF(depth >= t->max_depth, t->err, PARITY_E_LIMIT, n->off,
            "%s: data.pkl byte %llu: containers nested deeper than %llu "
            "(limit max_pickle_depth)", t->file, (unsigned long long)n->off,
            (unsigned long long)t->max_depth);
    n->walk |= WALK_ON_PATH;
    parity_status st = walk_items(t, node, depth, base);
    t->pk.node[node].walk &= (uint8_t)~WALK_ON_PATH;
    return st;
}

/* Top-level scalars with str keys become metadata strings. */
static parity_status top_metadata(tz *t) {
    const parity__pk_node *root = &t->pk.node[t->pk.root];
    if (root->kind != PARITY__PK_DICT || !t->src->take_metadata)
        return PARITY_OK;
    for (uint32_t it = root->u.c.first; it != PARITY__PK_NONE_IDX;
         it = t->pk.item[it].next) {
        const parity__pk_node *k = &t->pk.node[t->pk.item[it].key];
        const parity__pk_node *v = &t->pk.node[t->pk.item[it].value];
        char text[40];
        const char *s = text;
        size_t n = 0;
        if (k->kind != PARITY__PK_STR) continue;
        if (v->kind == PARITY__PK_STR) {
            s = (const char *)v->u.s;
            n = v->n;
        } else if (v->kind == PARITY__PK_INT) {
            n = (size_t)snprintf(text, sizeof text, "%lld", (long long)v->u.i);
        } else if (v->kind == PARITY__PK_FLOAT) {
            n = (size_t)snprintf(text, sizeof text, "%.17g", v->u.f);
        } else if (v->kind == PARITY__PK_BOOL || v->kind == PARITY__PK_NONE) {
            s = v->kind == PARITY__PK_NONE ? "None" : v->u.i ? "True"
                                                              : "False";
            n = strlen(s);
        } else {
            continue;
        }
        TRY(parity__set_meta_add(t->set, (const char *)k->u.s, k->n, s, n,
                                 t->err));
    }
    return PARITY_OK;
}

/* The tree's root: a lone tensor, or containers to flatten. */
static parity_status read_tree(tz *t) {
    const parity__pk_node *root = &t->pk.node[t->pk.root];
    const char *prefix = t->src->prefix && *t->src->prefix ? t->src->prefix
                                                           : NULL;
    if (root->kind == PARITY__PK_TENSOR || root->kind == PARITY__PK_STORAGE) {
        const char *one = t->src->single_name && *t->src->single_name
                              ? t->src->single_name
                          : prefix ? prefix : t->file;
        return root->kind == PARITY__PK_TENSOR
                   ? add_tensor(t, one, t->pk.root)
                   : add_storage(t, one, t->pk.root);
    }
    FAIL_IF(root->kind != PARITY__PK_DICT && root->kind != PARITY__PK_LIST &&
                root->kind != PARITY__PK_TUPLE,
            t->err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: data.pkl holds a %s, not tensors", t->file,
            parity__pk_kind_name(root));
    size_t base = 0;
    TRY(name_reserve(t, prefix ? strlen(prefix) + 1 : 0));
    if (prefix) base = (size_t)sprintf(t->name, "%s/", prefix);
    t->name_len = base;
    t->name[base] = '\0';
    TRY(top_metadata(t));
    return walk(t, t->pk.root, 0, base);
}

/* ---- the checkpoint ---------------------------------------------------- */

/* data.pkl's bytes, bounded by max_header_bytes, then its tree. */
static parity_status load_pickle(tz *t, size_t pkl) {
    const parity__zip_member *m = &t->z->m[pkl];
    char what[320], q[256];
    snprintf(what, sizeof what, "%s: %s", t->file,
             parity__zip_name(m, q, sizeof q));
    uint64_t limit = t->set->opts.max_header_bytes;
    FAIL_IF(m->usize > limit, t->err, PARITY_E_LIMIT, m->cd_off,
            "%s: %llu bytes, over the %llu-byte limit (max_header_bytes)",
            what, (unsigned long long)m->usize, (unsigned long long)limit);
    const unsigned char *b;
    int in_file;
    TRY(parity__zip_read(t->z, t->set, pkl, &b, &in_file, t->err));
    parity_status st = parity__pickle_load(&t->pk, b, (size_t)m->usize,
                                           &t->set->opts, what, t->err);
    if (st != PARITY_OK && t->err && t->err->offset != PARITY_NO_OFFSET)
        t->err->offset = in_file ? t->err->offset + m->data_off
                                 : PARITY_NO_OFFSET;
    return st;
}

parity_status parity__torch_from_zip(parity_set *set,
                                     const parity__source *src,
                                     parity__zip *z, parity_error *err) {
    tz t;
    memset(&t, 0, sizeof t);
    t.set = set;
    t.src = src;
    t.z = z;
    t.err = err;
    /* torch.save writes each storage once, so tied weights share it and
     * copies do not (weights_tie.c relies on that) */
    set->records_sharing = 1;
    /* a state dict is an OrderedDict whose keys come in module order,
     * which the pickle keeps and read_tree appends in */
    set->file_ordered = 1;
    t.max_depth = set->opts.max_pickle_depth;
    t.max_view_bytes = set->opts.max_decompressed_bytes;
    t.file = parity__set_strdup(set, src->path, strlen(src->path));
    FAIL_IF(!t.file, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory", src->path);
    size_t pkl = 0;
    TRY(find_prefix(&t, &pkl));
    TRY(check_members(&t));
    TRY(check_bookkeeping(&t));
    t.st = calloc(z->n ? z->n : 1, sizeof *t.st);
    FAIL_IF(!t.st, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            src->path);
    parity_status st = load_pickle(&t, pkl);
    /* a tree visits each item once; shared containers get 3x more */
    t.max_visits = 4 * ((uint64_t)t.pk.n_item + 1);
    if (st == PARITY_OK) st = read_tree(&t);
    parity__pickle_free(&t.pk);
    free(t.st);
    free(t.name);
    return st;
}

parity_status parity__read_torchzip(parity_set *set,
                                    const parity__source *src,
                                    parity_error *err) {
    parity__zip z;
    parity__source s = *src;
    s.path = src->path ? src->path : "(buffer)";
    if (parity__sniff_torch_legacy(src->buf, src->len))
        return parity__refuse_torch_legacy(&s, err);
    TRY(parity__zip_open(&z, s.path, src->buf, src->len, &set->opts, err));
    parity_status st = parity__torch_from_zip(set, &s, &z, err);
    parity__zip_close(&z);
    return st;
}
