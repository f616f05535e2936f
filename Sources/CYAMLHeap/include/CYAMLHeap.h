#ifndef SLUICE_CYAML_HEAP_H
#define SLUICE_CYAML_HEAP_H

#include <stddef.h>

// libyaml's allocation functions, defined by this target in place of libyaml's own (yaml_heap.c
// says how and why). libyaml declares them only in its private header, so they are declared here
// for the tests, which call them directly.
void *yaml_malloc(size_t size);
void *yaml_realloc(void *pointer, size_t size);
void yaml_free(void *pointer);
unsigned char *yaml_strdup(const unsigned char *string);

/// Whether `pointer` lies in this heap's chunks (false for what it handed to `malloc`).
int sluice_yaml_heap_owns(const void *pointer);

/// How many chunks have been carved from the heap's reservation so far. Chunks are reused once
/// every object in them is freed, so this stays near the most ever live at once.
long sluice_yaml_heap_chunks_carved(void);

#endif
