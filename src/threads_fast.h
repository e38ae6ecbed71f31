/* threads_fast.h: the inline half of threads.c's per-thread counter slots,
 * for hooks.c's fast path (hook path). One load of the thread's slot and one
 * compare of its generation find the counters; the owner updates them with
 * plain stores. The shared slot 0, binding a slot and everything else stay in
 * threads.c. */
#ifndef LC_THREADS_FAST_H
#define LC_THREADS_FAST_H

#include "internal.h"

/* The calling thread's slot for generation gen (bound on first use). */
static inline struct lc_slot *lc__slot_fast(struct lc_tls *t, uint32_t gen) {
    struct lc_slot *s = t->slot;
    if (LC_LIKELY(s && s->gen == gen))
        return s;
    return lc__slot_get(gen);
}

void lc__slot_shared_alloc(struct lc_slot *s, int cls, uint64_t size);
void lc__slot_shared_free(struct lc_slot *s, int cls, uint64_t size);

/* Counts an allocation in a slot the calling thread owns (not slot 0). */
static inline void lc__count_alloc_own(struct lc_slot *s, int cls, uint64_t size) {
    struct lc_ctr *c = &s->c[cls];
    uint32_t epoch = __atomic_load_n(&lc__st.peak_epoch, __ATOMIC_RELAXED);
    __atomic_store_n(&c->allocs, c->allocs + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&c->bytes_allocated, c->bytes_allocated + size, __ATOMIC_RELAXED);
    int64_t live = c->live + (int64_t)size;
    __atomic_store_n(&c->live, live, __ATOMIC_RELAXED);
    if (LC_UNLIKELY(c->peak_epoch != epoch)) {
        __atomic_store_n(&c->peak, live, __ATOMIC_RELAXED);
        __atomic_store_n(&c->peak_epoch, epoch, __ATOMIC_RELEASE);
    } else if (live > c->peak) {
        __atomic_store_n(&c->peak, live, __ATOMIC_RELAXED);
    }
}

static inline void lc__count_alloc(struct lc_slot *s, int cls, uint64_t size) {
    if (LC_UNLIKELY(s->state == 2))
        lc__slot_shared_alloc(s, cls, size);
    else
        lc__count_alloc_own(s, cls, size);
}

/* Counts a free in a slot the calling thread owns (not slot 0). */
static inline void lc__count_free_own(struct lc_slot *s, int cls, uint64_t size) {
    struct lc_ctr *c = &s->c[cls];
    uint32_t epoch = __atomic_load_n(&lc__st.peak_epoch, __ATOMIC_RELAXED);
    __atomic_store_n(&c->frees, c->frees + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&c->bytes_freed, c->bytes_freed + size, __ATOMIC_RELAXED);
    int64_t before = c->live;
    __atomic_store_n(&c->live, before - (int64_t)size, __ATOMIC_RELAXED);
    if (LC_UNLIKELY(c->peak_epoch != epoch)) { /* the window's peak so far is where we were */
        __atomic_store_n(&c->peak, before, __ATOMIC_RELAXED);
        __atomic_store_n(&c->peak_epoch, epoch, __ATOMIC_RELEASE);
    }
}

static inline void lc__count_free(struct lc_slot *s, int cls, uint64_t size) {
    if (LC_UNLIKELY(s->state == 2))
        lc__slot_shared_free(s, cls, size);
    else
        lc__count_free_own(s, cls, size);
}

#endif
