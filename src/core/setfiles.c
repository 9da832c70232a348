/*
 * setfiles.c — the files a set was read from: their identity for callers
 * that must not write over an input (parity_set_file), and the check, at
 * the end of a run, that no mapped file changed underneath
 * (parity_set_check_files). See docs/reliability.md.
 */
#include "internal.h"

#include <string.h>

parity_status parity__set_note_file(parity_set *set, const char *path, parity_error *err) {
    parity_map id;
    TRY(parity__map_identify(path, &id, err));
    parity_status st = parity__set_keep_map(set, &id, err);
    if (st != PARITY_OK) parity__map_close(&id);
    return st;
}

static int holds(const parity_map *map, const unsigned char *p) {
    return map->base && p >= map->base && p < map->base + map->size;
}

void parity__set_mark_backed(parity_set *set, size_t first_tensor, size_t first_map) {
    size_t n = set->n_maps - first_map, at = 0; /* readers add a file's tensors */
    const parity_map *maps = set->maps + first_map; /* together: start each   */
    for (size_t i = first_tensor; i < set->n_tensors; i++) { /* search where */
        parity_tensor *t = &set->tensors[i];                 /* the last hit */
        const parity_map *map = NULL;
        for (size_t k = 0; t->data && k < n && !map; k++)
            if (holds(&maps[(at + k) % n], t->data)) at = (at + k) % n, map = &maps[at];
        /* a copy in memory is the process's own: dropping its pages would
         * lose the bytes, not free page cache */
        t->priv.file_backed = !(map && map->copied);
    }
}

size_t parity_set_file_count(const parity_set *set) {
    size_t n = 0;
    for (size_t m = 0; set && m < set->n_maps; m++) n += set->maps[m].path != NULL;
    return n;
}

/* The i-th map with a path: maps[i] itself when every map has one (the
 * usual case: callers walk every file, so a scan here would make that walk
 * quadratic in the files of a folder), else counted. */
static const parity_map *named_map(const parity_set *set, size_t i) {
    if (!set) return NULL;
    if (set->n_unnamed_maps == 0) return i < set->n_maps ? &set->maps[i] : NULL;
    for (size_t m = 0; m < set->n_maps; m++)
        if (set->maps[m].path && i-- == 0) return &set->maps[m];
    return NULL;
}

parity_status parity_set_file(const parity_set *set, size_t i, parity_file_info *out) {
    memset(out, 0, sizeof *out);
    const parity_map *map = named_map(set, i);
    if (map) {
        out->path = map->path;
        out->dev = map->dev;
        out->ino = map->ino;
        out->size = map->opened_size;
        out->mtime_ns = map->mtime_ns;
        if (!map->copied) out->map = map->base, out->map_len = map->base ? map->size : 0;
        return PARITY_OK;
    }
    return PARITY_E_USAGE;
}

parity_status parity_set_check_files(const parity_set *set, parity_error *err) {
    for (size_t m = 0; set && m < set->n_maps; m++) TRY(parity__map_check(&set->maps[m], err));
    return PARITY_OK;
}
