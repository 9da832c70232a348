/* setdir.h — the parts of opening a set that set.c delegates: directories,
 * execution order, and the name index. Internal. */
#ifndef PARITY_SETDIR_H
#define PARITY_SETDIR_H

#include "internal.h"

struct parity_name_index;

/* Load one file into set; in_folder names tensors by file stem. */
parity_status parity__set_load_file(parity_set *set, const char *path,
                                    int in_folder, parity_error *err);
/* Load a trace directory (index.json) or a plain folder of tensor files. */
parity_status parity__set_load_dir(parity_set *set, const char *dir,
                                   parity_error *err);
/* Order a single file's tensors by its "parity.order" metadata and mark
 * "parity.inputs"; without the metadata, natural name order. */
parity_status parity__set_order_from_meta(parity_set *set, parity_error *err);
/* Reorder set->tensors: names listed in the JSON array text `order` first,
 * in that order, the rest after them in natural order. Marks tensors named
 * in the JSON array `inputs` (may be NULL). */
parity_status parity__set_apply_order(parity_set *set, const char *order,
                                      const char *inputs, parity_error *err);
/* Build the name index; fails on duplicate names. */
parity_status parity__set_finish(parity_set *set, parity_error *err);

void parity__file_stem(const char *path, char *buf, size_t cap);

void parity__index_free(struct parity_name_index *ix);
long parity__index_find(const struct parity_name_index *ix,
                        const parity_tensor *tensors, const char *name);

#endif
