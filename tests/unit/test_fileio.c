/*
 * test_fileio.c — the writer every output goes through and the reading of
 * input files (src/core/fileio.c, mapfile.c, setfiles.c;
 * docs/reliability.md):
 * - parity_write_file refuses a symbolic link, a directory, a FIFO, a
 *   device (nothing written, the node unchanged), names the reason when the
 *   directory is missing, gives a new file the umask's mode and keeps the
 *   mode of a file it replaces, consumes no user's "OUT.tmp", follows no
 *   link planted there, and leaves no temporary file behind;
 * - small files are read into memory, larger ones mapped; a set lists the
 *   files it read with their identity;
 * - parity_set_check_files: a mapped file that grew, shrank or was
 *   rewritten in place is named; one replaced by a rename, or a file read
 *   into memory, is not.
 */
#include "internal.h"
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#define CHECK_OK_ERR(expr) CHECK_MSG((expr) == 0, "%s", err.msg)

static char tmpdir[64];

static const char *tmp_path(char *buf, size_t cap, const char *name) {
    snprintf(buf, cap, "%s/%s", tmpdir, name);
    return buf;
}

static void put(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f) fputs(text, f), fclose(f);
}

static int has(const char *path, const char *text) {
    char buf[256] = "";
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = '\0';
    return strcmp(buf, text) == 0;
}

/* Files in tmpdir whose names end in ".tmp". */
static int temp_files(void) {
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) != NULL) {
        size_t k = strlen(e->d_name);
        n += k > 4 && !strcmp(e->d_name + k - 4, ".tmp");
    }
    if (d) closedir(d);
    return n;
}

static void test_refusals(void) {
    char path[128], target[128];
    parity_error err = {0};
    tmp_path(target, sizeof target, "target.txt");
    put(target, "keep");
    tmp_path(path, sizeof path, "link.html");
    CHECK(symlink("target.txt", path) == 0);
    CHECK_EQ_INT(parity_write_file(path, "new", 3, &err), PARITY_E_USAGE);
    CHECK_MSG(strstr(err.msg, "link.html: a symbolic link: refusing"), "%s", err.msg);
    CHECK(has(target, "keep"));
    struct stat st;
    CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
    tmp_path(path, sizeof path, "dir");
    CHECK(mkdir(path, 0777) == 0);
    CHECK_EQ_INT(parity_write_file(path, "new", 3, &err), PARITY_E_USAGE);
    CHECK_MSG(strstr(err.msg, "not a regular file (a directory)"), "%s", err.msg);
    tmp_path(path, sizeof path, "fifo");
    CHECK(mkfifo(path, 0666) == 0);
    CHECK_EQ_INT(parity_write_file(path, "new", 3, &err), PARITY_E_USAGE);
    CHECK_MSG(strstr(err.msg, "not a regular file (a FIFO)"), "%s", err.msg);
    CHECK(lstat(path, &st) == 0 && S_ISFIFO(st.st_mode));
    tmp_path(path, sizeof path, "null"); /* a device of our own, where we may */
    if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) == 0) {
        CHECK_EQ_INT(parity_write_file(path, "new", 3, &err), PARITY_E_USAGE);
        CHECK_MSG(strstr(err.msg, "not a regular file (a character device)"), "%s", err.msg);
        CHECK(lstat(path, &st) == 0 && S_ISCHR(st.st_mode));
        unlink(path);
    }
    tmp_path(path, sizeof path, "none/x.html");
    CHECK_EQ_INT(parity_write_file(path, "new", 3, &err), PARITY_E_IO);
    CHECK_MSG(strstr(err.msg, "none/x.html: cannot create a temporary file beside it: No such "
                              "file or directory"), "%s", err.msg);
    CHECK_EQ_INT(temp_files(), 0);
}

static void test_modes_and_temp_names(void) {
    char path[128], tmp[160], victim[128];
    parity_error err = {0};
    struct stat st;
    tmp_path(path, sizeof path, "r.html");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    tmp_path(victim, sizeof victim, "victim");
    put(victim, "victim");
    CHECK(symlink("victim", tmp) == 0); /* the old predictable name, planted */
    mode_t old = umask(027);
    CHECK_OK_ERR(parity_write_file(path, "page", 4, &err));
    umask(old);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
    CHECK(has(path, "page") && has(victim, "victim"));
    CHECK(lstat(tmp, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(unlink(tmp) == 0);
    put(tmp, "mine"); /* a user's own OUT.tmp is not consumed either */
    CHECK(chmod(path, 0604) == 0);
    CHECK_OK_ERR(parity_write_file(path, "page2", 5, &err));
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0604); /* kept */
    CHECK(has(path, "page2") && has(tmp, "mine"));
    CHECK(unlink(tmp) == 0);
    CHECK_EQ_INT(temp_files(), 0);
}

/* n bytes: a .npy of F32 zeros whose data fill it (n - 128 a multiple of 4). */
static void write_npy(const char *path, size_t n) {
    char hdr[128];
    size_t count = (n - 128) / 4;
    int k = snprintf(hdr, sizeof hdr, "\x93NUMPY\x01%c%c%c{'descr': '<f4', 'fortran_order': "
                     "False, 'shape': (%zu,), }", 0, 118, 0, count);
    memset(hdr + k, ' ', sizeof hdr - (size_t)k);
    hdr[127] = '\n';
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(hdr, 1, 128, f);
    for (size_t i = 0; i < count * 4; i++) fputc(0, f);
    fclose(f);
}

static void test_copy_or_map(void) {
    char small[128], big[128], other[128];
    parity_error err = {0};
    tmp_path(small, sizeof small, "small.npy");
    tmp_path(big, sizeof big, "big.npy");
    write_npy(small, 128 + 4 * 1000);
    write_npy(big, 128 + 4 * 100000);
    parity_set *s = NULL, *b = NULL;
    if (!CHECK_OK_ERR(parity_set_open(small, NULL, &s, &err))) return;
    if (!CHECK_OK_ERR(parity_set_open(big, NULL, &b, &err))) return;
    CHECK(s->n_maps == 1 && s->maps[0].copied == 1);
    CHECK(b->n_maps == 1 && b->maps[0].copied == 0);
    CHECK_EQ_INT(parity_set_tensor(s, 0)->priv.file_backed, 0);
    CHECK_EQ_INT(parity_set_tensor(b, 0)->priv.file_backed, 1);
    parity_file_info f;
    struct stat st;
    CHECK_EQ_U64(parity_set_file_count(b), 1);
    CHECK_OK_ERR(parity_set_file(b, 0, &f));
    CHECK(stat(big, &st) == 0 && f.dev == (uint64_t)st.st_dev && f.ino == (uint64_t)st.st_ino);
    CHECK(f.size == 128 + 400000 && f.map != NULL && f.map_len == f.size);
    CHECK_OK_ERR(parity_set_file(s, 0, &f));
    CHECK(f.map == NULL && !strcmp(f.path, small));
    CHECK_EQ_INT(parity_set_file(s, 1, &f), PARITY_E_USAGE);
    /* unchanged: fine; a copy that changed: still fine (it is a copy) */
    CHECK_OK_ERR(parity_set_check_files(b, &err));
    write_npy(small, 128 + 4 * 10);
    CHECK_OK_ERR(parity_set_check_files(s, &err));
    /* the mapped file grew: named */
    FILE *a = fopen(big, "ab");
    if (a) fputs("more", a), fclose(a);
    CHECK_EQ_INT(parity_set_check_files(b, &err), PARITY_E_IO);
    CHECK_MSG(strstr(err.msg, "big.npy: changed while being read (400128 bytes when opened, "
                              "400132 now)"), "%s", err.msg);
    CHECK(truncate(big, 128 + 400000) == 0);
    /* rewritten in place, same size, another modification time */
    struct timeval tv[2] = {{1000, 0}, {1000, 0}};
    CHECK(utimes(big, tv) == 0);
    CHECK_EQ_INT(parity_set_check_files(b, &err), PARITY_E_IO);
    CHECK_MSG(strstr(err.msg, "(modified in place)"), "%s", err.msg);
    /* replaced by a rename: the map holds the old file, intact */
    tmp_path(other, sizeof other, "other.npy");
    write_npy(other, 128 + 4 * 5);
    CHECK(rename(other, big) == 0);
    CHECK_OK_ERR(parity_set_check_files(b, &err));
    parity_set_free(s);
    parity_set_free(b);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/parity_fileio_XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    test_refusals();
    test_modes_and_temp_names();
    test_copy_or_map();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) return 1;
    return TEST_SUMMARY();
}
