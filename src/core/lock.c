/*
 * lock.c — an exclusive lock on an output for as long as a writer (a
 * tracer) works on it, so that two writers fail loudly instead of mixing
 * their work: flock(2) on the file or the directory itself, taken without
 * waiting. The kernel drops the lock when the process ends, however it
 * ends (SIGKILL included), so a crash leaves no stale lock to clean up.
 * The Python tracer takes the same lock (fcntl.flock), so C and Python
 * writers exclude each other too. Locks are advisory: readers never take
 * them, and a trace can be read while it is written.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The descriptor still names what is at path (not replaced meanwhile). */
static int still_there(int fd, const char *path) {
    struct stat a, b;
    return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

parity_status parity__lock(const char *path, int is_dir, int *out, parity_error *err) {
    *out = -1;
    for (int attempt = 0; attempt < 8; attempt++) {
        int fd = is_dir ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                        : open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
        FAIL_IF(fd < 0 && errno == ELOOP, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "tracer: %s: a symbolic link: refusing to write a trace through it", path);
        FAIL_IF(fd < 0, err, PARITY_E_IO, PARITY_NO_OFFSET, "tracer: %s: cannot open: %s",
                path, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            close(fd);
            FAIL_IF(e == EWOULDBLOCK, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                    "tracer: %s: another process is writing a trace there (it holds "
                    "the lock); two tracers would mix their stages", path);
            return parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET,
                                "tracer: %s: cannot lock: %s", path, strerror(e));
        }
        if (is_dir || still_there(fd, path)) {
            *out = fd;
            return PARITY_OK;
        }
        close(fd); /* replaced between open and lock (the last writer's */
    }              /* rename): lock what is there now                   */
    return parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET,
                        "tracer: %s: cannot lock: it keeps being replaced", path);
}
