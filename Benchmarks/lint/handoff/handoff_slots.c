/* Experiment (docs/speed.md, "front"): the two-thread hand-off of
 * `EventPipeline` in C, a consumer that reads each scalar's bytes, and the
 * producer thread's CPU time. MODE 0: a ring of 16384 `yaml_event_t`, each
 * freed when its slot comes round again (main at 9e9f039); MODE 1: freed soon
 * after the consumer releases it, at most two before each new event.
 * cc -O2 -pthread -o handoff handoff_slots.c -lyaml && ./handoff large.yaml 0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>
#define CAP 16384
#define BATCH 128
static yaml_event_t slots[CAP];
static _Atomic long published, released; static _Atomic int finished;
static unsigned char *buf; static size_t len; static int mode;
static double thread_ms(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static double prod_ms;
static void *produce(void *arg) {
    yaml_parser_t p; yaml_parser_initialize(&p); yaml_parser_set_input_string(&p, buf, len);
    long count = 0, freed = 0, seen = 0;
    for (;;) {
        if (count - (mode ? freed : seen) >= CAP) {
            for (;;) { seen = atomic_load(&released);
                if (mode) while (freed < seen) yaml_event_delete(&slots[freed++ % CAP]);
                if (count - (mode ? freed : seen) < CAP) break;
                usleep(20);
            }
        } else if (mode) { long end = seen < freed + 2 ? seen : freed + 2; while (freed < end) yaml_event_delete(&slots[freed++ % CAP]); }
        yaml_event_t *e = &slots[count % CAP];
        if (!mode) yaml_event_delete(e);
        if (!yaml_parser_parse(&p, e)) exit(1);
        count++;
        if (e->type == YAML_STREAM_END_EVENT) break;
        if (count % BATCH == 0) { atomic_store(&published, count); seen = atomic_load(&released); }
    }
    atomic_store(&published, count); atomic_store(&finished, 1);
    prod_ms = thread_ms();
    return 0;
}
int main(int argc, char **argv) {
    mode = atoi(argv[2]);
    FILE *f = fopen(argv[1], "rb"); struct stat st; fstat(fileno(f), &st); len = st.st_size;
    buf = malloc(len); fread(buf, 1, len, f); fclose(f);
    struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t th; pthread_create(&th, 0, produce, 0);
    long next = 0, avail = 0; unsigned long sum = 0; int spins = 0;
    for (;;) {
        if (next == avail) { atomic_store(&released, next);
            for (;;) { avail = atomic_load(&published); if (avail > next) break; if (atomic_load(&finished)) { avail = atomic_load(&published); break; } if (++spins > 16) usleep(20); }
            if (avail == next) break; }
        yaml_event_t *e = &slots[next % CAP]; next++;
        if (e->type == YAML_SCALAR_EVENT) { for (size_t i = 0; i < e->data.scalar.length; i++) sum += e->data.scalar.value[i]; }
        if (e->type == YAML_STREAM_END_EVENT) break;
        if (next % BATCH == 0) atomic_store(&released, next);
    }
    pthread_join(th, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("mode %d producer cpu %.2f ms wall %.2f ms consumer cpu %.2f (%lu)\n", mode, prod_ms, (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, thread_ms(), sum % 7);
    return 0;
}
