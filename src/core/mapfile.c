/* mapfile.c — the bytes of input files. A file larger than
 * PARITY__COPY_MAX is mapped read-only: tensor data is never copied, views
 * point into the map, and the kernel pages it in and out, so files larger
 * than memory stream through a bounded resident set. A smaller file is
 * read into memory instead: the kernel allows a process about 65,000 maps
 * (vm.max_map_count), which a folder of 70,000 stage dumps would exceed,
 * and a small file costs a page of page cache and a map either way.
 * Each file's identity (device, inode, size, modification time) is kept,
 * so a caller can tell an output from an input and check at the end of a
 * run that no mapped file changed underneath (docs/reliability.md). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void take_identity(parity_map *map, const struct stat *st) {
    map->dev = (uint64_t)st->st_dev;
    map->ino = (uint64_t)st->st_ino;
    map->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    map->opened_size = (uint64_t)st->st_size;
}

/* A small file's bytes into a new buffer; a file that ends before the
 * size fstat gave shrank while it was read. */
static parity_status copy_in(int fd, const char *path, size_t size, parity_map *map,
                             parity_error *err) {
    unsigned char *p = malloc(size);
    FAIL_IF(!p, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", path);
    size_t got = 0;
    while (got < size) {
        ssize_t k = read(fd, p + got, size - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            int e = k < 0 ? errno : 0;
            free(p);
            FAIL_IF(e, err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot read: %s", path,
                    strerror(e));
            return parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET,
                                "%s: changed while being read (%zu bytes when opened, "
                                "it ended after %zu)", path, size, got);
        }
        got += (size_t)k;
    }
    map->base = p;
    map->size = size;
    map->copied = 1;
    return PARITY_OK;
}

/* ENOMEM from mmap is, for a file of ordinary size, the kernel's limit on
 * maps per process; say so with the limit (read only now: no state). */
static parity_status map_failed(const char *path, int e, parity_error *err) {
    long limit = 0;
    FILE *f = e == ENOMEM ? fopen("/proc/sys/vm/max_map_count", "r") : NULL;
    if (f && fscanf(f, "%ld", &limit) != 1) limit = 0;
    if (f) fclose(f);
    if (limit > 0)
        return parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET,
                            "%s: cannot map: %s (the kernel allows a process %ld maps, "
                            "vm.max_map_count: files over %u KiB are mapped one each; "
                            "see docs/reliability.md)", path, strerror(e), limit,
                            (unsigned)(PARITY__COPY_MAX >> 10));
    return parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot map: %s", path,
                        strerror(e));
}

static parity_status map_in(int fd, const char *path, size_t size, parity_map *map,
                            parity_error *err) {
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) return map_failed(path, errno, err);
    /* Statistics read tensors front to back once. */
    madvise(p, size, MADV_SEQUENTIAL);
    map->base = p;
    map->size = size;
    return PARITY_OK;
}

/* Open, check and read or map; the descriptor is closed in any case. */
static parity_status open_bytes(int fd, const char *path, parity_map *map, parity_error *err) {
    struct stat st;
    FAIL_IF(fstat(fd, &st) != 0, err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot stat: %s",
            path, strerror(errno));
    FAIL_IF(!S_ISREG(st.st_mode), err, PARITY_E_IO, PARITY_NO_OFFSET,
            "%s: not a regular file (%s)", path, parity__file_kind(st.st_mode));
    FAIL_IF((uint64_t)st.st_size > SIZE_MAX, err, PARITY_E_LIMIT, PARITY_NO_OFFSET,
            "%s: %lld bytes do not fit this machine's address space", path,
            (long long)st.st_size);
    take_identity(map, &st);
    size_t size = (size_t)st.st_size;
    if (size == 0) return PARITY_OK;
    if (size <= PARITY__COPY_MAX) return copy_in(fd, path, size, map, err);
    return map_in(fd, path, size, map, err);
}

parity_status parity__map_open(const char *path, parity_map *map,
                               parity_error *err) {
    memset(map, 0, sizeof *map);
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
     * writer forever; fstat then refuses it (and devices, directories)
     * without reading a byte. No effect on regular files. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    FAIL_IF(fd < 0, err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot open: %s",
            path, strerror(errno));
    parity_status st = open_bytes(fd, path, map, err);
    close(fd);
    map->path = st == PARITY_OK ? strdup(path) : NULL;
    if (st == PARITY_OK && !map->path) {
        parity__map_close(map);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", path);
    }
    return st;
}

parity_status parity__map_identify(const char *path, parity_map *map, parity_error *err) {
    memset(map, 0, sizeof *map);
    struct stat st;
    FAIL_IF(stat(path, &st) != 0, err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot stat: %s",
            path, strerror(errno));
    take_identity(map, &st);
    map->path = strdup(path);
    FAIL_IF(!map->path, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", path);
    return PARITY_OK;
}

void parity__map_close(parity_map *map) {
    if (!map) return;
    if (map->base && map->copied) free((void *)map->base);
    else if (map->base) munmap((void *)map->base, map->size);
    free(map->path);
    memset(map, 0, sizeof *map);
}

parity_status parity__map_check(const parity_map *map, parity_error *err) {
    if (!map->path || !map->base || map->copied) return PARITY_OK;
    struct stat st;
    /* Gone or replaced by another file (a rename): the pages mapped are
     * the old file's, which nobody can shrink any more. */
    if (stat(map->path, &st) != 0 || (uint64_t)st.st_dev != map->dev ||
        (uint64_t)st.st_ino != map->ino)
        return PARITY_OK;
    int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    FAIL_IF((uint64_t)st.st_size != map->opened_size, err, PARITY_E_IO, PARITY_NO_OFFSET,
            "%s: changed while being read (%llu bytes when opened, %lld now): the "
            "results may mix two versions of it", map->path,
            (unsigned long long)map->opened_size, (long long)st.st_size);
    FAIL_IF(mtime != map->mtime_ns, err, PARITY_E_IO, PARITY_NO_OFFSET,
            "%s: changed while being read (modified in place): the results may mix "
            "two versions of it", map->path);
    return PARITY_OK;
}
