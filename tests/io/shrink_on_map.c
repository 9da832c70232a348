/*
 * shrink_on_map.c — an LD_PRELOAD shim for run_shrink.sh: the moment the
 * program maps the file whose name ends with $SHRINK_FILE, the file is cut
 * to $SHRINK_TO bytes, as another process truncating it while parity
 * reads it would. Deterministic, where a race with a real writer is not.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    static mmap_fn real;
    if (!real) real = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
    void *p = real(addr, len, prot, flags, fd, off);
    const char *want = getenv("SHRINK_FILE"), *to = getenv("SHRINK_TO");
    if (p == MAP_FAILED || fd < 0 || !want || !to) return p;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return p;
    path[n] = '\0';
    size_t lw = strlen(want);
    if ((size_t)n < lw || strcmp(path + n - lw, want) != 0) return p;
    int w = open(path, O_WRONLY);
    if (w >= 0) {
        if (ftruncate(w, (off_t)strtoll(to, NULL, 10)) != 0) perror("shrink_on_map");
        close(w);
    }
    return p;
}
