/*
 * scratch.h — temporary file space a set owns (internal).
 *
 * Some tensor bytes exist in no file: a deflated zip member has to be
 * inflated first. Rather than hold them in the heap (a checkpoint can be
 * larger than memory), a reader streams them into an unlinked temporary
 * file and maps it read-only; the set keeps the mapping and unmaps it when
 * freed, and the tensors over it are file-backed like any other, so
 * streaming passes can drop their pages.
 *
 *   parity__scratch s;
 *   TRY(parity__scratch_open(&s, size, "a.npz: member 'x.npy'", err));
 *   ... parity__scratch_write(&s, chunk, n, err) until size bytes ...
 *   TRY(parity__scratch_keep(&s, set, &bytes, err));   (or _discard)
 */
#ifndef PARITY_CORE_SCRATCH_H
#define PARITY_CORE_SCRATCH_H

#include "internal.h"

typedef struct parity__scratch {
    int fd;            /* the unlinked file; -1 when closed            */
    uint64_t size;     /* bytes it will hold, fixed at open            */
    uint64_t written;  /* bytes written so far                         */
    const char *what;  /* names the data in messages (borrowed)        */
} parity__scratch;

/* Create an unlinked temporary file of size bytes in $TMPDIR, else /tmp
 * (O_TMPFILE where the file system has it, else mkstemp + unlink). The
 * caller has checked size against its limits; nothing is allocated from
 * it here (the file is sparse until written). */
parity_status parity__scratch_open(parity__scratch *s, uint64_t size,
                                   const char *what, parity_error *err);
/* Append p[0..n); fails with PARITY_E_FORMAT when that would pass size
 * (the caller's data is longer than it declared), PARITY_E_IO when the
 * file system refuses (disk full). */
parity_status parity__scratch_write(parity__scratch *s, const void *p,
                                    size_t n, parity_error *err);
/* Once exactly size bytes are written: map them read-only, hand the
 * mapping to set (unmapped by parity_set_free) and close the file. *out
 * is NULL for size 0. On failure the scratch is discarded. */
parity_status parity__scratch_keep(parity__scratch *s, parity_set *set,
                                   const unsigned char **out,
                                   parity_error *err);
/* Close and forget the file (after a failure); safe to call twice. */
void parity__scratch_discard(parity__scratch *s);

#endif /* PARITY_CORE_SCRATCH_H */
