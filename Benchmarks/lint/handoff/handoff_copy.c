/* Experiment (docs/speed.md, "front"): as handoff_slots.c, but the producer
 * copies each event (type, style, marks, scalar bytes) into a 1 MiB byte ring
 * and frees it at once; the consumer reads the copies.
 * cc -O2 -pthread -o handoff_copy handoff_copy.c -lyaml && ./handoff_copy large.yaml */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>
#define CAPB (1<<20)
#define BATCHB 8192
typedef struct { int type, style; size_t len; yaml_mark_t s, e; } rec_t;
static unsigned char ring[CAPB];
static _Atomic long published, released; static _Atomic int finished;
static unsigned char *buf; static size_t len;
static double thread_ms(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static double prod_ms;
static void *produce(void *arg) {
    yaml_parser_t p; yaml_parser_initialize(&p); yaml_parser_set_input_string(&p, buf, len);
    long w = 0, seen = 0, lastpub = 0; yaml_event_t e;
    for (;;) {
        if (!yaml_parser_parse(&p, &e)) exit(1);
        size_t n = e.type == YAML_SCALAR_EVENT ? e.data.scalar.length : 0;
        size_t need = (sizeof(rec_t) + n + 7) & ~7UL;
        size_t off = w % CAPB;
        if (off + need > CAPB) { ((rec_t *)(ring + off))->type = -1; w += CAPB - off; off = 0; }
        while (w + need - seen > CAPB) { seen = atomic_load(&released); if (w + need - seen > CAPB) usleep(20); }
        rec_t *r = (rec_t *)(ring + off); r->type = e.type; r->len = n; r->s = e.start_mark; r->e = e.end_mark;
        if (n) { r->style = e.data.scalar.style; memcpy(ring + off + sizeof(rec_t), e.data.scalar.value, n); }
        w += need;
        int done = e.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&e);
        if (done) break;
        if (w - lastpub >= BATCHB) { atomic_store(&published, w); lastpub = w; seen = atomic_load(&released); }
    }
    atomic_store(&published, w); atomic_store(&finished, 1);
    prod_ms = thread_ms();
    return 0;
}
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "rb"); struct stat st; fstat(fileno(f), &st); len = st.st_size;
    buf = malloc(len); fread(buf, 1, len, f); fclose(f);
    struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t th; pthread_create(&th, 0, produce, 0);
    long next = 0, avail = 0, lastrel = 0; unsigned long sum = 0; int spins = 0;
    for (;;) {
        if (next == avail) { atomic_store(&released, next);
            for (;;) { avail = atomic_load(&published); if (avail > next) break; if (atomic_load(&finished)) { avail = atomic_load(&published); break; } if (++spins > 16) usleep(20); }
            if (avail == next) break; }
        size_t off = next % CAPB; rec_t *r = (rec_t *)(ring + off);
        if (r->type == -1) { next += CAPB - off; continue; }
        for (size_t i = 0; i < r->len; i++) sum += ring[off + sizeof(rec_t) + i];
        next += (sizeof(rec_t) + r->len + 7) & ~7UL;
        if (r->type == YAML_STREAM_END_EVENT) break;
        if (next - lastrel >= BATCHB) { atomic_store(&released, next); lastrel = next; }
    }
    pthread_join(th, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("mode 3 producer cpu %.2f ms wall %.2f ms consumer cpu %.2f (%lu)\n", prod_ms, (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, thread_ms(), sum % 7);
    return 0;
}
