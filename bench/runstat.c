/* runstat.c — run a command and report what it cost: wall seconds, user
 * and system CPU seconds, peak RSS (getrusage) and peak anonymous RSS
 * (RssAnon of /proc/PID/status, sampled every millisecond: what the
 * process allocated, beyond the file pages it maps). Its stdout goes to
 * /dev/null; one line on stderr:
 *   wall=S user=S sys=S maxrss_kib=K rssanon_kib=K exit=N
 * Usage: runstat CMD [ARG...]   (cc -O2 runstat.c -o runstat) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static long rss_anon(pid_t pid) {
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "RssAnon:", 8) == 0) kib = atol(line + 8);
    fclose(f);
    return kib;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: runstat CMD [ARG...]\n");
        return 2;
    }
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) dup2(fd, 1);
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    long peak = 0;
    int status = 0;
    struct rusage ru;
    for (;;) {
        pid_t r = wait4(pid, &status, WNOHANG, &ru);
        if (r == pid) break;
        long a = rss_anon(pid);
        if (a > peak) peak = a;
        usleep(1000);
    }
    double wall = now() - t0;
    fprintf(stderr, "wall=%.4f user=%.4f sys=%.4f maxrss_kib=%ld rssanon_kib=%ld exit=%d\n", wall,
            (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec,
            (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec, ru.ru_maxrss, peak,
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}
