/*
 * npz.c — NumPy .npz archives: what np.savez (stored members) and
 * np.savez_compressed (deflated members) write.
 *
 * Byte layout: a zip archive (zip.c) whose every member is NAME.npy, a
 * complete .npy file (npy.c) holding the array NumPy loads as npz[NAME].
 * NumPy writes each local header with a zip64 extra field and no data
 * descriptor; members of 4 GiB and more get zip64 sizes.
 *
 * Rules: members other than NAME.npy are refused by name (NumPy ignores
 * them, but an archive that is not what it claims is more likely a
 * mistake than a convention); an empty NAME is refused; each member's
 * bytes are read by parity__read_npy with every .npy rule (strict mode:
 * nothing after the data). Stored members are viewed in the mapped file;
 * deflated ones are inflated once into a temporary file the set keeps
 * (zip.c), so the tensors of both are file-backed views.
 */
#include "formats/zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Member i: its array becomes tensor [prefix/]NAME. */
static parity_status npz_member(parity_set *set, const parity__source *src,
                                parity__zip *z, size_t i, const char *file,
                                parity_error *err) {
    const parity__zip_member *m = &z->m[i];
    char q[256];
    const char *mname = parity__zip_name(m, q, sizeof q);
    size_t n = m->name_len;
    FAIL_IF(n < 4 || memcmp(m->name + n - 4, ".npy", 4) != 0, err,
            PARITY_E_FORMAT, m->cd_off,
            "%s: zip member '%s' is not a .npy array (an .npz holds only "
            "NAME.npy members)", src->path, mname);
    FAIL_IF(n == 4, err, PARITY_E_FORMAT, m->cd_off,
            "%s: zip member '%s': empty array name", src->path, mname);
    const char *prefix = src->prefix && *src->prefix ? src->prefix : NULL;
    size_t plen = prefix ? strlen(prefix) + 1 : 0;
    char *name = malloc(plen + n - 4 + 1);
    char *where = malloc(strlen(src->path) + strlen(mname) + 16);
    parity_status st = PARITY_OK;
    if (!name || !where) {
        st = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                          "%s: out of memory", src->path);
        goto done;
    }
    if (prefix) snprintf(name, plen + 1, "%s/", prefix);
    memcpy(name + plen, m->name, n - 4);
    name[plen + n - 4] = '\0';
    sprintf(where, "%s: member '%s'", src->path, mname);
    const unsigned char *bytes = NULL;
    int in_file = 0;
    st = parity__zip_read(z, set, i, &bytes, &in_file, err);
    if (st != PARITY_OK) goto done;
    parity__source one = {where, bytes, (size_t)m->usize, NULL, name, 0};
    size_t before = set->n_tensors;
    st = parity__read_npy(set, &one, err);
    if (st != PARITY_OK) {
        /* npy offsets are within the member; the file's, when it is there */
        if (err && err->offset != PARITY_NO_OFFSET)
            err->offset = in_file ? err->offset + m->data_off
                                  : PARITY_NO_OFFSET;
        goto done;
    }
    for (size_t k = before; k < set->n_tensors; k++) {
        parity_tensor *t = &set->tensors[k];
        t->file = file;
        t->file_offset = in_file ? m->data_off + t->file_offset
                                 : PARITY_NO_OFFSET;
    }
done:
    free(name);
    free(where);
    return st;
}

parity_status parity__npz_from_zip(parity_set *set, const parity__source *src,
                                   parity__zip *z, parity_error *err) {
    const char *file = parity__set_strdup(set, src->path, strlen(src->path));
    FAIL_IF(!file, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            src->path);
    for (size_t i = 0; i < z->n; i++)
        TRY(npz_member(set, src, z, i, file, err));
    return PARITY_OK;
}

parity_status parity__read_npz(parity_set *set, const parity__source *src,
                               parity_error *err) {
    parity__zip z;
    const char *path = src->path ? src->path : "(buffer)";
    parity__source s = *src;
    s.path = path;
    TRY(parity__zip_open(&z, path, src->buf, src->len, &set->opts, err));
    parity_status st = parity__npz_from_zip(set, &s, &z, err);
    parity__zip_close(&z);
    return st;
}
