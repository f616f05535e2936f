/* The floor for any executor that runs each task as `/bin/sh -c CMD`:
 * posix_spawn `/bin/sh -c true` N times with at most K in flight, reaping
 * with waitpid. No logs, no records, no environment work: just the spawns.
 * Usage: spawn_loop [N] [K]   (default 1000 tasks, 2 in flight)
 * Prints the wall time in seconds. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    int total = argc > 1 ? atoi(argv[1]) : 1000;
    int inflight = argc > 2 ? atoi(argv[2]) : 2;
    char *args[] = {"/bin/sh", "-c", "true", NULL};
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int started = 0, running = 0;
    while (started < total || running > 0) {
        while (running < inflight && started < total) {
            pid_t pid;
            if (posix_spawn(&pid, "/bin/sh", NULL, NULL, args, environ) != 0) { perror("posix_spawn"); return 2; }
            started++;
            running++;
        }
        int status;
        if (waitpid(-1, &status, 0) > 0) running--;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    printf("%.6f\n", (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9);
    return 0;
}
