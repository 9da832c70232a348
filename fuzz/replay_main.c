/*
 * replay_main.c — runs a fuzz target's LLVMFuzzerTestOneInput over files,
 * without libFuzzer, so CI replays every corpus under plain builds and
 * sanitizers alike. Shared by every fuzz/fuzz_*.c target.
 *
 *   fuzz_X_replay DIR_OR_FILE...   each file of each directory (sorted by
 *                                  name), or the file itself
 *
 * Exit status: 0 when every input ran (a crash aborts the process, which is
 * the failure signal), 2 when an argument cannot be read or no input was
 * found.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one file; returns 0 when it could not be read. */
static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t cap = 1 << 16, n = 0, k;
    uint8_t *buf = malloc(cap);
    while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n < cap) continue;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int ok = buf != NULL && !ferror(f);
    fclose(f);
    /* an exact-size copy, so ASan sees reads past the input's end */
    uint8_t *exact = ok ? malloc(n ? n : 1) : NULL;
    if (exact) {
        memcpy(exact, buf, n);
        LLVMFuzzerTestOneInput(exact, n);
    }
    free(exact);
    free(buf);
    return exact != NULL;
}

static int not_hidden(const struct dirent *e) { return e->d_name[0] != '.'; }

/* Every regular file of dir, in name order; returns files run, or -1
 * when the directory or one of its files cannot be read. */
static long replay_dir(const char *dir) {
    struct dirent **list;
    int n = scandir(dir, &list, not_hidden, alphasort);
    if (n < 0) return -1;
    long done = 0;
    int failed = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        int len = snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        int is_file = len > 0 && (size_t)len < sizeof path &&
                      stat(path, &st) == 0 && S_ISREG(st.st_mode);
        if (is_file && replay_file(path)) done++;
        else if (is_file) failed = 1;
        free(list[i]);
    }
    free(list);
    return failed ? -1 : done;
}

int main(int argc, char **argv) {
    long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        long n = -1;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            n = replay_dir(argv[i]);
        else if (stat(argv[i], &st) == 0)
            n = replay_file(argv[i]) ? 1 : -1;
        if (n < 0) {
            fprintf(stderr, "replay: cannot read %s\n", argv[i]);
            return 2;
        }
        total += n;
    }
    printf("replayed %ld inputs\n", total);
    if (total == 0) fprintf(stderr, "replay: no inputs given or found\n");
    return total == 0 ? 2 : 0;
}
