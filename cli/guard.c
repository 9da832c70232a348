/*
 * guard.c — a file that shrinks while parity reads it: the kernel answers
 * a read of a mapped page past the new end of the file with SIGBUS, which
 * would kill the process without a word. The program owns the process,
 * so the handler and its table live here, not in the library (which holds
 * no global state; docs/reliability.md):
 *
 * - cli_guard_install() sets the SIGBUS handler, once, at start;
 * - cli_guard_watch(set) records where each file the set mapped lies in
 *   memory (parity_set_file), with the name the user gave it;
 *   cli_guard_forget(set) drops them before the set is freed;
 * - on SIGBUS the handler finds the file whose map holds the faulting
 *   address: in that table, else in /proc/self/maps (a file mapped while
 *   a set was being opened, not yet in the table), writes one line,
 *   "parity: FILE: changed while being read (...)", and exits with 2.
 *   A SIGBUS at an address no file map holds is no input's fault: the
 *   handler steps aside and the default action (a core dump) follows.
 *
 * The handler calls only async-signal-safe functions (stat, open, read,
 * write, _exit) and reads the table through atomics: the main thread
 * publishes a finished block with one atomic store.
 */
#include "options.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct region {
    uintptr_t lo, hi;   /* [lo, hi): the file's bytes in memory          */
    const char *path;   /* as the user named it (in the block)           */
    uint64_t size;      /* when it was opened                            */
} region;

typedef struct block {  /* the mapped files of one set                   */
    struct block *next;
    const parity_set *set;
    size_t n;
    region r[];
} block;

static _Atomic(block *) watched;

/* ---- async-signal-safe text ------------------------------------------- */

typedef struct line {
    char buf[4608];
    size_t k;
} line;

static void put(line *l, const char *s) {
    while (*s && l->k + 1 < sizeof l->buf) l->buf[l->k++] = *s++;
}

static void put_u64(line *l, uint64_t v) {
    char d[24];
    int n = 0;
    do d[n++] = (char)('0' + v % 10), v /= 10;
    while (v);
    while (n > 0 && l->k + 1 < sizeof l->buf) l->buf[l->k++] = d[--n];
}

static uint64_t hex(const char **p) {
    uint64_t v = 0;
    for (;; (*p)++) {
        char c = **p;
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return v;
        v = v * 16 + (uint64_t)d;
    }
}

/* ---- where the address lies -------------------------------------------- */

static const region *in_table(uintptr_t a) {
    for (block *b = atomic_load(&watched); b; b = b->next)
        for (size_t i = 0; i < b->n; i++)
            if (a >= b->r[i].lo && a < b->r[i].hi) return &b->r[i];
    return NULL;
}

/* Past the rest of this field and the spaces after it. */
static const char *next_field(const char *s) {
    while (*s && *s != ' ') s++;
    while (*s == ' ') s++;
    return s;
}

/* One line of /proc/self/maps, "lo-hi perms offset dev inode   path": the
 * path (into out) and the file offset of a when the line maps a file
 * holding a. */
static int maps_line(const char *s, uintptr_t a, char *out, size_t cap, uint64_t *off) {
    uint64_t lo = hex(&s);
    if (*s++ != '-') return 0;
    uint64_t hi = hex(&s);
    if (a < lo || a >= hi) return 0;
    s = next_field(s);        /* at the permissions */
    s = next_field(s);        /* at the file offset */
    *off = hex(&s) + (a - lo);
    s = next_field(s);        /* at the device */
    s = next_field(s);        /* at the inode */
    s = next_field(s);        /* at the path */
    if (*s != '/') return 0; /* anonymous, [heap], [stack]... */
    size_t k = 0;
    while (s[k] && k + 1 < cap) out[k] = s[k], k++;
    out[k] = '\0';
    return 1;
}

static int in_proc_maps(uintptr_t a, char *out, size_t cap, uint64_t *off) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[8192];
    size_t have = 0;
    int found = 0;
    for (;;) {
        ssize_t k = read(fd, buf + have, sizeof buf - 1 - have);
        if (k <= 0) break;
        have += (size_t)k;
        buf[have] = '\0';
        char *s = buf, *nl;
        while (!found && (nl = strchr(s, '\n')) != NULL) {
            *nl = '\0';
            found = maps_line(s, a, out, cap, off);
            s = nl + 1;
        }
        if (found) break;
        have = (size_t)(buf + have - s); /* keep the partial line */
        memmove(buf, s, have);
        if (have == sizeof buf - 1) have = 0; /* a line longer than buf */
    }
    close(fd);
    return found;
}

static void on_sigbus(int sig, siginfo_t *si, void *ctx) {
    (void)sig, (void)ctx;
    uintptr_t a = (uintptr_t)si->si_addr;
    char proc_path[4096];
    const region *r = in_table(a);
    const char *path = r ? r->path : NULL;
    uint64_t off = r ? a - r->lo : 0;
    if (!path && in_proc_maps(a, proc_path, sizeof proc_path, &off)) path = proc_path;
    if (!path) { /* not an input's doing: let the default action follow */
        signal(SIGBUS, SIG_DFL);
        return;
    }
    line l = {.k = 0};
    struct stat st;
    put(&l, "parity: ");
    put(&l, path);
    put(&l, ": changed while being read (");
    if (stat(path, &st) == 0 && (uint64_t)st.st_size <= off) {
        put(&l, "it shrank to ");
        put_u64(&l, (uint64_t)st.st_size);
        put(&l, " bytes");
        if (r) put(&l, " from "), put_u64(&l, r->size);
        put(&l, " while byte ");
        put_u64(&l, off);
        put(&l, " was being read)\n");
    } else {
        put(&l, "byte ");
        put_u64(&l, off);
        put(&l, " could not be read: the file shrank, or its storage failed)\n");
    }
    ssize_t w = write(STDERR_FILENO, l.buf, l.k);
    (void)w;
    _exit(2);
}

/* ---- the table ---------------------------------------------------------- */

void cli_guard_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}

void cli_guard_watch(const parity_set *set) {
    size_t n = 0, text = 0, count = parity_set_file_count(set);
    for (size_t i = 0; i < count; i++) {
        parity_file_info f;
        if (parity_set_file(set, i, &f) == PARITY_OK && f.map) n++, text += strlen(f.path) + 1;
    }
    if (n == 0) return;
    block *b = malloc(sizeof *b + n * sizeof(region) + text);
    if (!b) return; /* unwatched: a SIGBUS is still named, from /proc */
    char *s = (char *)(b->r + n);
    b->set = set;
    b->n = 0;
    for (size_t i = 0; i < count; i++) {
        parity_file_info f;
        if (parity_set_file(set, i, &f) != PARITY_OK || !f.map) continue;
        size_t len = strlen(f.path) + 1;
        memcpy(s, f.path, len);
        b->r[b->n++] = (region){(uintptr_t)f.map, (uintptr_t)f.map + f.map_len, s, f.size};
        s += len;
    }
    b->next = atomic_load(&watched);
    atomic_store(&watched, b);
}

/* Sets are closed when the work is done and the worker threads joined, so
 * no handler can be reading the block freed here. */
void cli_guard_forget(const parity_set *set) {
    block *prev = NULL, *b = atomic_load(&watched);
    while (b && b->set != set) prev = b, b = b->next;
    if (!b) return;
    if (prev) prev->next = b->next;
    else atomic_store(&watched, b->next);
    free(b);
}
