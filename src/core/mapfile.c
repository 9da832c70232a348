/* mapfile.c — read-only memory maps of input files. Tensor data is never
 * copied: views point into the map, and the kernel pages it in and out, so
 * files larger than memory stream through a bounded resident set. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

parity_status parity__map_open(const char *path, parity_map *map,
                               parity_error *err) {
    map->base = NULL;
    map->size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    FAIL_IF(fd < 0, err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot open: %s",
            path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        return parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET,
                            "%s: not a regular file%s%s", path,
                            e ? ": " : "", e ? strerror(e) : "");
    }
    if (st.st_size == 0) {
        close(fd);
        return PARITY_OK;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    FAIL_IF(p == MAP_FAILED, err, PARITY_E_IO, PARITY_NO_OFFSET,
            "%s: cannot map: %s", path, strerror(e));
    /* Statistics read tensors front to back once. */
    madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
    map->base = p;
    map->size = (size_t)st.st_size;
    return PARITY_OK;
}

void parity__map_close(parity_map *map) {
    if (map && map->base) munmap((void *)map->base, map->size);
    if (map) {
        map->base = NULL;
        map->size = 0;
    }
}
