/* Experiment (docs/speed.md, "front"): libyaml on one thread, each event kept
 * in a ring of RING slots and freed when its slot comes round again, as the
 * parsing thread of `EventPipeline` frees them; RING=1 frees each at once, as
 * the floor does. Prints the parse time (one thread: its CPU time).
 * cc -O2 -o ringfloor ringfloor.c -lyaml && ./ringfloor large.yaml 16384 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include <sys/stat.h>
#include <time.h>
int main(int argc, char **argv) {
    long ring = atol(argv[2]);
    FILE *f = fopen(argv[1], "rb"); struct stat st; fstat(fileno(f), &st);
    unsigned char *buf = malloc(st.st_size); fread(buf, 1, st.st_size, f); fclose(f);
    struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
    yaml_event_t *slots = calloc(ring, sizeof(yaml_event_t));
    yaml_parser_t parser; yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, buf, st.st_size);
    long n = 0;
    for (;;) {
        yaml_event_t *e = &slots[n % ring];
        yaml_event_delete(e);
        if (!yaml_parser_parse(&parser, e)) return 1;
        n++;
        if (e->type == YAML_STREAM_END_EVENT) break;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%ld events ring %ld: %.2f ms\n", n, ring, (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
    return 0;
}
