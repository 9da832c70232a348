/*
 * scratch.c — unlinked temporary files that hold bytes no input file
 * holds as such (inflated zip members), mapped read-only for a set.
 *
 * The file is unlinked before a byte is written, so nothing is left behind
 * whatever happens to the process. Data goes in through write(2) from the
 * caller's bounded chunks, never through the mapping, so filling a file of
 * any size keeps resident memory at one chunk; the mapping is made once the
 * file is complete.
 */
/* O_TMPFILE is a Linux extension */
#define _GNU_SOURCE
#include "core/scratch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* An unlinked file in dir, or -1 with errno set. */
static int tmp_unlinked(const char *dir) {
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    /* EOPNOTSUPP / EISDIR: a file system without O_TMPFILE; fall back */
#endif
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/parity-scratch-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd2 = mkstemp(path);
    if (fd2 < 0) return -1;
    unlink(path);
    fcntl(fd2, F_SETFD, FD_CLOEXEC);
    return fd2;
}

parity_status parity__scratch_open(parity__scratch *s, uint64_t size,
                                   const char *what, parity_error *err) {
    s->fd = -1;
    s->size = size;
    s->written = 0;
    s->what = what;
    FAIL_IF(size > (uint64_t)SIZE_MAX || size > (uint64_t)INT64_MAX, err,
            PARITY_E_LIMIT, PARITY_NO_OFFSET,
            "%s: %llu bytes do not fit this machine's address space", what,
            (unsigned long long)size);
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    s->fd = tmp_unlinked(dir);
    FAIL_IF(s->fd < 0, err, PARITY_E_IO, PARITY_NO_OFFSET,
            "%s: cannot create a temporary file in %s: %s", what, dir,
            strerror(errno));
    /* Sparse: the size is reserved in name only, and mmap later covers
     * exactly what was written. */
    if (ftruncate(s->fd, (off_t)size) != 0) {
        int e = errno;
        parity__scratch_discard(s);
        return parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET,
                            "%s: cannot size a temporary file to %llu "
                            "bytes: %s", what, (unsigned long long)size,
                            strerror(e));
    }
    return PARITY_OK;
}

parity_status parity__scratch_write(parity__scratch *s, const void *p,
                                    size_t n, parity_error *err) {
    FAIL_IF(s->fd < 0, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: temporary file already closed", s->what);
    FAIL_IF(n > s->size - s->written, err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: more than the %llu bytes declared", s->what,
            (unsigned long long)s->size);
    const unsigned char *b = p;
    while (n > 0) {
        ssize_t k = pwrite(s->fd, b, n, (off_t)s->written);
        if (k < 0 && errno == EINTR) continue;
        FAIL_IF(k <= 0, err, PARITY_E_IO, PARITY_NO_OFFSET,
                "%s: cannot write a temporary file: %s", s->what,
                k < 0 ? strerror(errno) : "no progress");
        b += k;
        n -= (size_t)k;
        s->written += (uint64_t)k;
    }
    return PARITY_OK;
}

parity_status parity__scratch_keep(parity__scratch *s, parity_set *set,
                                   const unsigned char **out,
                                   parity_error *err) {
    *out = NULL;
    if (s->written != s->size) {
        parity_status st = parity__fail(
            err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: %llu bytes where %llu were declared", s->what,
            (unsigned long long)s->written, (unsigned long long)s->size);
        parity__scratch_discard(s);
        return st;
    }
    if (s->size == 0) {
        parity__scratch_discard(s);
        return PARITY_OK;
    }
    void *m = mmap(NULL, (size_t)s->size, PROT_READ, MAP_SHARED, s->fd, 0);
    int e = errno;
    parity__scratch_discard(s); /* the mapping keeps the file alive */
    FAIL_IF(m == MAP_FAILED, err, PARITY_E_IO, PARITY_NO_OFFSET,
            "%s: cannot map a temporary file: %s", s->what, strerror(e));
    madvise(m, (size_t)s->size, MADV_SEQUENTIAL);
    parity_map map = {.base = m, .size = (size_t)s->size}; /* no user's file */
    parity_status st = parity__set_keep_map(set, &map, err);
    if (st != PARITY_OK) {
        parity__map_close(&map);
        return st;
    }
    *out = m;
    return PARITY_OK;
}

void parity__scratch_discard(parity__scratch *s) {
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
}
