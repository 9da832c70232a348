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
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
     * writer forever; fstat then refuses it (and devices, directories)
     * without reading a byte. No effect on regular files. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    FAIL_IF(fd < 0, err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot open: %s",
            path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno; /* only a failed call has an errno worth printing */
        close(fd);
        return parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET,
                            "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET,
                            "%s: not a regular file (%s)", path,
                            S_ISDIR(st.st_mode)    ? "a directory"
                            : S_ISFIFO(st.st_mode) ? "a FIFO"
                            : S_ISCHR(st.st_mode)  ? "a character device"
                            : S_ISBLK(st.st_mode)  ? "a block device"
                            : S_ISSOCK(st.st_mode) ? "a socket"
                                                   : "a special file");
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
