/*
 * set_check.h — what the readers' unit tests check of an opened set
 * through libparity's internals (test_st_index.c, test_torchzip.c).
 */
#ifndef PARITY_SET_CHECK_H
#define PARITY_SET_CHECK_H

#include "internal.h"

/* What priv.file_backed must say of t: 1 when its bytes lie in a file map,
 * 0 when in a copy read into memory (files of PARITY__COPY_MAX or less). */
static inline int backed_expected(const parity_set *set, const parity_tensor *t) {
    for (size_t m = 0; m < set->n_maps; m++) {
        const parity_map *map = &set->maps[m];
        if (map->base && t->data >= map->base && t->data < map->base + map->size)
            return !map->copied;
    }
    return 1;
}

#endif /* PARITY_SET_CHECK_H */
