/*
 * output.c — where -o writes (plot, report, match), checked before any work so
 * that nothing of the user's is lost (docs/reliability.md):
 * - "-" is standard output, written through;
 * - a path must be absent or a regular file in a directory that exists
 *   and may be written: a directory, a device (/dev/null), a FIFO is
 *   refused; a symbolic link too, unless --force, which writes to the file
 *   the link names (the link stays);
 * - once the inputs are open, an output that is one of them (the same
 *   device and inode: a file given, a file inside a folder given, a shard
 *   an index names, a trace's index.json, the --map file) is refused;
 * - the file itself is written by the library (parity_write_file): a new
 *   temporary file beside it, renamed over it when complete.
 * Every refusal is one line and exit status 2.
 */
#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* kind_of and dir_of are the library's parity__file_kind and
 * parity__path_dir: the command line sees only parity.h. */
static const char *kind_of(mode_t m) {
    return S_ISDIR(m)    ? "a directory"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "a special file";
}

/* -o's link resolved into o->output_buf (--force). */
static int follow_link(const cli_verb *v, cli_opts *o) {
    if (!o->force)
        return cli_fail("%s: -o %s: a symbolic link: refusing to replace it (--force "
                        "writes to the file it names)", v->name, o->output);
    char *real = realpath(o->output, NULL);
    if (!real)
        return cli_fail("%s: -o %s: a symbolic link to nothing that can be written: %s",
                        v->name, o->output, strerror(errno));
    size_t n = strlen(real);
    if (n >= sizeof o->output_buf) {
        free(real);
        return cli_fail("%s: -o %s: the file it names has too long a path", v->name,
                        o->output);
    }
    memcpy(o->output_buf, real, n + 1);
    free(real);
    o->output_target = o->output_buf;
    return 0;
}

/* The directory of path, into buf ("." for a bare name). */
static const char *dir_of(const char *path, char *buf, size_t cap) {
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (!slash) return ".";
    if (n == 0) return "/";
    if (n >= cap) n = cap - 1;
    memcpy(buf, path, n);
    buf[n] = '\0';
    return buf;
}

int cli_output_prepare(const cli_verb *v, cli_opts *o) {
    o->output_target = NULL;
    if (strcmp(o->output, "-") == 0) return 0;
    o->output_target = o->output;
    struct stat st;
    if (lstat(o->output, &st) == 0 && S_ISLNK(st.st_mode) && follow_link(v, o)) return 2;
    const char *t = o->output_target;
    int exists = stat(t, &st) == 0;
    if (exists && !S_ISREG(st.st_mode))
        return cli_fail("%s: -o %s: not a regular file (%s): parity writes regular files "
                        "only (-o - is standard output)", v->name, o->output,
                        kind_of(st.st_mode));
    if (exists && access(t, W_OK) != 0)
        return cli_fail("%s: -o %s: cannot write: %s", v->name, o->output, strerror(errno));
    char buf[4096];
    const char *dir = dir_of(t, buf, sizeof buf);
    if (access(dir, W_OK | X_OK) != 0)
        return cli_fail("%s: -o %s: cannot write in %s: %s", v->name, o->output, dir,
                        strerror(errno));
    return 0;
}

static int same_file(const struct stat *out, uint64_t dev, uint64_t ino) {
    return (uint64_t)out->st_dev == dev && (uint64_t)out->st_ino == ino;
}

static int refuse(const cli_verb *v, const cli_opts *o, const char *input) {
    return cli_fail("%s: -o %s is the input file %s: refusing to replace an input",
                    v->name, o->output, input);
}

int cli_output_not_input(const cli_verb *v, const cli_opts *o, parity_set *const *sets, int n) {
    struct stat out, in;
    if (!o->output_target || stat(o->output_target, &out) != 0) return 0;
    for (int s = 0; s < n; s++) {
        size_t count = sets[s] ? parity_set_file_count(sets[s]) : 0;
        for (size_t i = 0; i < count; i++) {
            parity_file_info f;
            if (parity_set_file(sets[s], i, &f) == PARITY_OK && same_file(&out, f.dev, f.ino))
                return refuse(v, o, f.path);
        }
    }
    const char *map = o->match.map_file;
    if (map && stat(map, &in) == 0 && same_file(&out, (uint64_t)in.st_dev, (uint64_t)in.st_ino))
        return refuse(v, o, map);
    return 0;
}

int cli_output_write(const cli_opts *o, const void *data, size_t len) {
    if (!o->output_target) {
        cli_progress_before_stdout();
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
            return cli_fail("cannot write to standard output: %s", strerror(errno));
        return 0;
    }
    parity_error err = {0};
    parity_status st = parity_write_file(o->output_target, data, len, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->output, st);
    cli_progress_before_stdout();
    cli_put_line(stdout, o->output); /* control characters escaped */
    return 0;
}
