/*
 * fileio.c — the one way libparity writes a file: into a new temporary
 * file beside the target, created exclusively (O_EXCL | O_NOFOLLOW, so a
 * link planted at the temporary name is never followed and nothing of the
 * user's is consumed) under an unpredictable hidden name, with the mode
 * the umask gives (a file it replaces keeps its own); fsync'ed, then
 * renamed over the target, then the directory fsync'ed. A reader sees the
 * old file or the new one, never a half-written one, and a crash leaves at
 * most a hidden ".NAME.XXXXXX.tmp". The target must be absent or a regular
 * file the caller may write: a symbolic link, a directory, a device or a
 * FIFO is refused before anything is written (a rename would replace the
 * link or the node itself; a caller that means the file a link names
 * resolves the link first). Every error names the path and says why
 * (strerror).
 */
/* copy_file_range is a Linux extension */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Six letters no other process can predict. */
static void random_suffix(char out[7]) {
    static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[6];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)getpid() << 20 ^
                     (uint64_t)(uintptr_t)out;
        for (int i = 0; i < 6; i++, x >>= 8) r[i] = (unsigned char)x;
    }
    for (int i = 0; i < 6; i++) out[i] = abc[r[i] % (sizeof abc - 1)];
    out[6] = '\0';
}

/* "DIR/.BASE.XXXXXX.tmp" for path "DIR/BASE". */
static char *temp_name(const char *path) {
    const char *slash = strrchr(path, '/');
    size_t dir = slash ? (size_t)(slash - path) + 1 : 0, n = strlen(path) + 16;
    char *t = malloc(n), sfx[7];
    if (!t) return NULL;
    random_suffix(sfx);
    snprintf(t, n, "%.*s.%s.%s.tmp", (int)dir, path, path + dir, sfx);
    return t;
}

const char *parity__file_kind(unsigned long mode) {
    mode_t m = (mode_t)mode;
    return S_ISLNK(m)    ? "a symbolic link"
           : S_ISDIR(m)  ? "a directory"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "a special file";
}

const char *parity__path_dir(const char *path, char *buf, size_t cap) {
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (!slash) return ".";
    if (n == 0) return "/";
    if (n >= cap) n = cap - 1;
    memcpy(buf, path, n);
    buf[n] = '\0';
    return buf;
}

/* What is at path may be replaced: nothing, or a regular file the caller
 * may write (a read-only file is refused as a shell's ">" refuses it).
 * A link, a directory or a device never is: the rename would replace the
 * link or the node itself. *mode receives the file's permission bits, or
 * -1 when there is no file. */
static parity_status check_target(const char *path, int *mode, parity_error *err) {
    struct stat st;
    *mode = -1;
    if (lstat(path, &st) != 0) {
        FAIL_IF(errno != ENOENT, err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot write: %s",
                path, strerror(errno));
        return PARITY_OK;
    }
    FAIL_IF(S_ISLNK(st.st_mode), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: a symbolic link: refusing to replace it (write to the file it names "
            "instead)", path);
    FAIL_IF(!S_ISREG(st.st_mode), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: not a regular file (%s): refusing to write over it", path,
            parity__file_kind(st.st_mode));
    FAIL_IF(access(path, W_OK) != 0, err, PARITY_E_IO, PARITY_NO_OFFSET,
            "%s: cannot write: %s", path, strerror(errno));
    *mode = (int)(st.st_mode & 0777);
    return PARITY_OK;
}

parity_status parity__out_open(parity__out_file *f, const char *path,
                               parity_error *err) {
    f->fd = -1;
    f->path = path;
    f->tmp = NULL;
    int mode;
    TRY(check_target(path, &mode, err));
    for (int attempt = 0; attempt < 16 && f->fd < 0; attempt++) {
        free(f->tmp);
        f->tmp = temp_name(path);
        FAIL_IF(!f->tmp, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", path);
        /* 0666: the umask decides, as for any new file */
        f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (f->fd < 0 && errno != EEXIST) break;
    }
    if (f->fd >= 0) {
        if (mode >= 0) fchmod(f->fd, (mode_t)mode); /* a replaced file keeps its mode */
        return PARITY_OK;
    }
    int e = errno;
    free(f->tmp);
    f->tmp = NULL;
    return parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET,
                        "%s: cannot create a temporary file beside it: %s", path, strerror(e));
}

parity_status parity__out_write(parity__out_file *f, const void *p, uint64_t n,
                                parity_error *err) {
    const unsigned char *c = p;
    while (n > 0) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : (size_t)n;
        ssize_t k = write(f->fd, c, chunk);
        if (k < 0 && errno == EINTR) continue;
        FAIL_IF(k <= 0, err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot write: %s",
                f->path, k < 0 ? strerror(errno) : "no space written");
        c += k;
        n -= (uint64_t)k;
    }
    return PARITY_OK;
}

/* The bytes [at, at + n) of src_fd through a buffer, where the kernel
 * cannot copy them itself. */
static parity_status copy_through(parity__out_file *f, int src_fd, uint64_t at, uint64_t n,
                                  parity_error *err) {
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = malloc(CHUNK);
    FAIL_IF(!buf, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", f->path);
    parity_status st = PARITY_OK;
    while (n > 0 && st == PARITY_OK) {
        ssize_t k = pread(src_fd, buf, n < CHUNK ? (size_t)n : CHUNK, (off_t)at);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            st = parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot read back: %s",
                              f->path, k < 0 ? strerror(errno) : "the source ended early");
        else st = parity__out_write(f, buf, (uint64_t)k, err);
        at += (uint64_t)(k > 0 ? k : 0), n -= (uint64_t)(k > 0 ? k : 0);
    }
    free(buf);
    return st;
}

parity_status parity__out_copy(parity__out_file *f, int src_fd, uint64_t at, uint64_t n,
                               parity_error *err) {
    loff_t in = (loff_t)at;
    while (n > 0) {
        ssize_t k = copy_file_range(src_fd, &in, f->fd, NULL, n > (1u << 30) ? (1u << 30) : n, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break; /* not on this file system (EXDEV, ENOSYS...) */
        n -= (uint64_t)k;
    }
    return n ? copy_through(f, src_fd, (uint64_t)in, n, err) : PARITY_OK;
}

void parity__out_abort(parity__out_file *f) {
    if (f->fd >= 0) close(f->fd);
    if (f->tmp) unlink(f->tmp);
    free(f->tmp);
    f->fd = -1;
    f->tmp = NULL;
}

/* Make the rename durable too; best effort (some filesystems refuse). */
static void sync_dir(const char *path) {
    size_t cap = strlen(path) + 2;
    char *buf = malloc(cap);
    if (!buf) return;
    int fd = open(parity__path_dir(path, buf, cap), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(buf);
}

parity_status parity__out_commit(parity__out_file *f, parity_error *err) {
    int e = fsync(f->fd) == 0 ? 0 : errno;
    if (close(f->fd) != 0 && !e) e = errno;
    f->fd = -1;
    if (e) {
        parity__out_abort(f);
        return parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot write: %s",
                            f->path, strerror(e));
    }
    /* Again just before the rename: something put there meanwhile (a
     * link, a device) is still never replaced. */
    int mode;
    parity_status st = check_target(f->path, &mode, err);
    if (st == PARITY_OK && rename(f->tmp, f->path) != 0) {
        e = errno;
        st = parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot replace it: %s",
                          f->path, strerror(e));
    }
    if (st != PARITY_OK) {
        parity__out_abort(f);
        return st;
    }
    free(f->tmp);
    f->tmp = NULL;
    sync_dir(f->path);
    return PARITY_OK;
}

parity_status parity_write_file(const char *path, const void *data, size_t len,
                                parity_error *err) {
    parity__out_file f;
    TRY(parity__out_open(&f, path, err));
    parity_status st = parity__out_write(&f, data, len, err);
    if (st != PARITY_OK) {
        parity__out_abort(&f);
        return st;
    }
    return parity__out_commit(&f, err);
}
