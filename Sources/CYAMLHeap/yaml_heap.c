// libyaml's small allocations, served from chunks of a heap of their own (docs/speed.md, "yalloc").
//
// Why. libyaml allocates only through its own exported `yaml_malloc`, `yaml_realloc`, `yaml_free`
// and `yaml_strdup`, and Debian's build calls them through its PLT, so definitions in the
// executable take their place for every call libyaml makes: the dynamic linker binds libyaml's
// calls to the executable's symbols, which the linkers (bfd, gold, lld) export because a linked
// shared library defines the same names. On the 10,000-task bench spec libyaml makes about 584,000
// allocations of 16 bytes (four per plain scalar: the value and three scratch strings) and 30,000
// growths; through glibc they took 98M of the parsing thread's 441M instructions, and
// `EventPipeline`, which then freed each event a ring's lap (16,384 events) after libyaml made it,
// had glibc hand that memory back cold.
//
// How. Sizes up to 1 KiB are rounded up to a power of two from 16 (seven classes). A thread
// allocates each class by bumping a pointer through a 64 KiB chunk of its own. A chunk counts its
// live objects and returns to a shared list of free chunks (reused newest first, the warmest) when
// the count reaches zero. A free does not touch the object, only its chunk's count, so the ring's
// lap-old frees cost a counter in a header that consecutive frees share. Two cases are cheaper:
// - an object freed by the thread that is bumping through its chunk (libyaml's scratch strings,
//   freed within the same scalar) goes on that thread's list for its class and is handed out
//   again first, still in cache; it stays counted as live meanwhile;
// - a thread's consecutive frees into one chunk (lap-old frees come in allocation order) are
//   counted locally and subtracted from the chunk in one atomic step when a free lands elsewhere.
// Larger sizes (libyaml's input buffers, long scalars) go to malloc, as does everything when the
// reservation cannot be made or is used up; `yaml_free` tells the two apart by address. Any thread
// may free what another allocated (EventPipeline's deinit frees the last lap on the consumer's
// thread); what a thread holds (its chunks, its lists, its uncounted frees) is given back when it
// exits. Memory is never returned to the system: chunks are reused instead.
//
// Under AddressSanitizer (scripts/sanitize, the fuzzer) every call goes to malloc, so ASan checks
// libyaml's memory exactly as it did before this heap. Linux only: elsewhere (a macOS dylib binds
// its own calls within itself) the file defines only the queries, and libyaml keeps its functions.
#define _GNU_SOURCE
#include "CYAMLHeap.h"

#if defined(__linux__)

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CHUNK_SIZE ((uintptr_t)64 << 10)
/// Address space reserved once (pages are touched only as chunks are used): 4,096 chunks, far
/// more than a parse keeps live (the bench spec's lap: about a dozen).
#define RESERVATION ((uintptr_t)256 << 20)
#define CLASS_COUNT 7
#define SMALLEST_SIZE 16
#define LARGEST_SMALL_SIZE (SMALLEST_SIZE << (CLASS_COUNT - 1))
/// The header keeps a cache line to itself: other threads' frees write its count.
#define HEADER_SIZE 64
/// Added to a chunk's count while a thread bumps through it, which keeps it from reaching zero;
/// the thread takes it off, less what it handed out, when it moves on (see `retire`).
#define OWNER_BIAS ((long)1 << 40)

struct chunk {
    _Atomic long live;
    unsigned size_class;
    struct chunk *next_free;
};

/// One thread's allocation state, in static TLS (initial-exec: one %fs-relative access).
struct thread_heap {
    struct chunk *current[CLASS_COUNT];
    char *next[CLASS_COUNT];
    char *end[CLASS_COUNT];
    /// Objects bumped from `current` so far.
    long handed_out[CLASS_COUNT];
    /// Objects of `current` chunks freed by this thread, linked through their first word.
    void *recently_freed[CLASS_COUNT];
    /// The chunk of this thread's last frees outside its current chunks, and how many of them
    /// are not yet subtracted from its count.
    struct chunk *pending_chunk;
    long pending_frees;
    /// Whether the exit handler is set for this thread.
    bool registered;
};

static __thread struct thread_heap thread_heap __attribute__((tls_model("initial-exec")));

/// The reservation: `region_size` stays 0 (no address inside) until `region_start` is set.
static _Atomic uintptr_t region_start;
static _Atomic uintptr_t region_size;
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static bool heap_enabled;
static pthread_key_t thread_exit_key;

static pthread_mutex_t chunk_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *free_chunks;     // guarded by chunk_lock
static uintptr_t carved_end;          // guarded by chunk_lock
static _Atomic long chunks_carved;

/// Present only when the AddressSanitizer runtime is linked in (weak: 0 otherwise).
extern void __asan_init(void) __attribute__((weak));

static void thread_exiting(void *heap);

static void setup(void) {
    if (__asan_init != 0) return;
    if (pthread_key_create(&thread_exit_key, thread_exiting) != 0) return;
    void *mapped = mmap(NULL, RESERVATION + CHUNK_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapped == MAP_FAILED) return;
    // Chunks are aligned to their size, so an object's chunk is its address rounded down.
    uintptr_t start = ((uintptr_t)mapped + CHUNK_SIZE - 1) & ~(CHUNK_SIZE - 1);
    carved_end = start;
    atomic_store_explicit(&region_start, start, memory_order_relaxed);
    atomic_store_explicit(&region_size, RESERVATION, memory_order_release);
    heap_enabled = true;
}

int sluice_yaml_heap_owns(const void *pointer) {
    uintptr_t size = atomic_load_explicit(&region_size, memory_order_acquire);
    return (uintptr_t)pointer - atomic_load_explicit(&region_start, memory_order_relaxed) < size;
}

long sluice_yaml_heap_chunks_carved(void) { return atomic_load_explicit(&chunks_carved, memory_order_relaxed); }

static inline struct chunk *chunk_of(const void *pointer) {
    return (struct chunk *)((uintptr_t)pointer & ~(CHUNK_SIZE - 1));
}

static inline size_t class_size(unsigned size_class) { return (size_t)SMALLEST_SIZE << size_class; }

/// The smallest class that holds `size` bytes (at most LARGEST_SMALL_SIZE).
static inline unsigned class_for(size_t size) {
    if (size <= SMALLEST_SIZE) return 0;
    // ceil(log2(size)) less log2(SMALLEST_SIZE).
    return (unsigned)(64 - __builtin_clzl((unsigned long)(size - 1))) - 4;
}

__attribute__((noinline, cold)) static void recycle(struct chunk *chunk) {
    pthread_mutex_lock(&chunk_lock);
    chunk->next_free = free_chunks;
    free_chunks = chunk;
    pthread_mutex_unlock(&chunk_lock);
}

/// Takes `count` objects (or the owner's bias) off `chunk`; the one that brings it to zero frees it.
static inline void release(struct chunk *chunk, long count) {
    if (atomic_fetch_sub_explicit(&chunk->live, count, memory_order_acq_rel) == count) recycle(chunk);
}

static struct chunk *take_chunk(void) {
    pthread_mutex_lock(&chunk_lock);
    struct chunk *chunk = free_chunks;
    if (chunk) {
        free_chunks = chunk->next_free;
    } else if (carved_end < atomic_load_explicit(&region_start, memory_order_relaxed) + RESERVATION) {
        chunk = (struct chunk *)carved_end;
        carved_end += CHUNK_SIZE;
        atomic_fetch_add_explicit(&chunks_carved, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&chunk_lock);
    return chunk;
}

/// The thread stops bumping through its chunk of `size_class`: the chunk's count becomes what is
/// still live in it (its objects on this thread's list included).
static void retire(struct thread_heap *heap, unsigned size_class) {
    struct chunk *chunk = heap->current[size_class];
    if (!chunk) return;
    heap->current[size_class] = NULL;
    heap->next[size_class] = heap->end[size_class] = NULL;
    release(chunk, OWNER_BIAS - heap->handed_out[size_class]);
}

static void flush_pending_frees(struct thread_heap *heap) {
    if (heap->pending_chunk) release(heap->pending_chunk, heap->pending_frees);
    heap->pending_chunk = NULL;
    heap->pending_frees = 0;
}

static void register_thread(struct thread_heap *heap) {
    if (heap->registered) return;
    heap->registered = true;
    pthread_setspecific(thread_exit_key, heap);
}

/// A thread that used the heap exits: everything it holds is counted back.
static void thread_exiting(void *argument) {
    struct thread_heap *heap = argument;
    heap->registered = false;
    for (unsigned size_class = 0; size_class < CLASS_COUNT; size_class++) {
        void *object = heap->recently_freed[size_class];
        heap->recently_freed[size_class] = NULL;
        while (object) {
            void *next = *(void **)object;
            release(chunk_of(object), 1);
            object = next;
        }
        retire(heap, size_class);
    }
    flush_pending_frees(heap);
}

/// The thread's chunk of `size_class` is full or it has none yet: a fresh one.
__attribute__((noinline, cold)) static void *allocate_from_new_chunk(unsigned size_class, size_t size) {
    pthread_once(&setup_once, setup);
    if (!heap_enabled) return malloc(size ? size : 1);
    struct thread_heap *heap = &thread_heap;
    register_thread(heap);
    retire(heap, size_class);
    struct chunk *chunk = take_chunk();
    if (!chunk) return malloc(size ? size : 1);
    atomic_store_explicit(&chunk->live, OWNER_BIAS, memory_order_relaxed);
    chunk->size_class = size_class;
    char *first = (char *)chunk + HEADER_SIZE;
    heap->current[size_class] = chunk;
    heap->next[size_class] = first + class_size(size_class);
    heap->end[size_class] = (char *)chunk + CHUNK_SIZE;
    heap->handed_out[size_class] = 1;
    return first;
}

/// A free outside the thread's current chunks, into a chunk other than its last such free's.
__attribute__((noinline, cold)) static void start_pending_frees(struct thread_heap *heap, struct chunk *chunk) {
    register_thread(heap);
    flush_pending_frees(heap);
    heap->pending_chunk = chunk;
    heap->pending_frees = 1;
}

void *yaml_malloc(size_t size) {
    if (size > LARGEST_SMALL_SIZE) return malloc(size);
    unsigned size_class = class_for(size);
    struct thread_heap *heap = &thread_heap;
    void *reused = heap->recently_freed[size_class];
    if (reused) {
        heap->recently_freed[size_class] = *(void **)reused;
        return reused;
    }
    char *object = heap->next[size_class];
    size_t step = class_size(size_class);
    if (object && object + step <= heap->end[size_class]) {
        heap->next[size_class] = object + step;
        heap->handed_out[size_class] += 1;
        return object;
    }
    return allocate_from_new_chunk(size_class, size);
}

void yaml_free(void *pointer) {
    if (!pointer) return;
    if (!sluice_yaml_heap_owns(pointer)) {
        free(pointer);
        return;
    }
    struct chunk *chunk = chunk_of(pointer);
    struct thread_heap *heap = &thread_heap;
    unsigned size_class = chunk->size_class;
    if (chunk == heap->current[size_class]) {
        *(void **)pointer = heap->recently_freed[size_class];
        heap->recently_freed[size_class] = pointer;
    } else if (chunk == heap->pending_chunk) {
        heap->pending_frees += 1;
    } else {
        start_pending_frees(heap, chunk);
    }
}

void *yaml_realloc(void *pointer, size_t size) {
    if (!pointer) return yaml_malloc(size);
    if (!sluice_yaml_heap_owns(pointer)) return realloc(pointer, size ? size : 1);
    size_t capacity = class_size(chunk_of(pointer)->size_class);
    if (size <= capacity) return pointer;
    void *grown = yaml_malloc(size);
    if (!grown) return NULL;  // as realloc: the old block stays valid
    memcpy(grown, pointer, capacity);
    yaml_free(pointer);
    return grown;
}

unsigned char *yaml_strdup(const unsigned char *string) {
    if (!string) return NULL;
    size_t size = strlen((const char *)string) + 1;
    unsigned char *copy = yaml_malloc(size);
    if (copy) memcpy(copy, string, size);
    return copy;
}

#else

int sluice_yaml_heap_owns(const void *pointer) { (void)pointer; return 0; }
long sluice_yaml_heap_chunks_carved(void) { return 0; }

#endif
