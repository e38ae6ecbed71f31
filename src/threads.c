/* threads.c: per-thread counter slots (hook path).
 *
 * Each thread that allocates inside a scope binds one slot of a fixed mmap'd
 * array on its first tracked call; only that thread writes the slot's counters,
 * so counting takes no lock and no atomic read-modify-write. The harness sums
 * the slots at iteration boundaries. A thread that exits folds its counters into
 * `retired` (under a lock: thread exit is not a hot path) and frees its slot.
 * When every slot is taken, threads share slot 0 with atomic adds. A slot's
 * index also names the thread's block table (table.c), which outlives the
 * thread: the next thread to bind the slot takes it over with its records.
 * The inline fast half (slot lookup, counting) is threads_fast.h.
 * (The pthread_create wrapper and the thread registry are in thread_registry.c.) */

#include <pthread.h>
#include <string.h>

#include "internal.h"

static struct lc_slot *slots;
static struct {
    int lock;
    uint32_t gen;
    struct lc_ctr c[2];
} retired;
static pthread_key_t exit_key;

static void thread_exit(void *arg);

int lc__threads_init(void) {
    if (slots)
        return 0;
    slots = lc__mmap(sizeof(struct lc_slot) * LC_MAX_THREADS);
    if (!slots)
        return LEAKCHECK_ENOMEM;
    slots[0].state = 2;
    for (uint32_t i = 0; i < LC_MAX_THREADS; i++)
        slots[i].index = i;
    if (pthread_key_create(&exit_key, thread_exit)) {
        lc__munmap(slots, sizeof(struct lc_slot) * LC_MAX_THREADS);
        slots = NULL; /* all or nothing, so the next call tries again */
        return LEAKCHECK_ENOMEM;
    }
    return 0;
}

uint32_t lc__slot_index(const struct lc_slot *s) { return s->index; }

static inline void ctr_reset(struct lc_ctr *c) { memset(c, 0, sizeof *c); }

/* Binds the calling thread's slot, or moves it to generation gen (the slow
 * half of lc__slot_fast, threads_fast.h). */
LC_HOOK_TEXT struct lc_slot *lc__slot_get(uint32_t gen) {
    struct lc_tls *t = &lc__tls;
    struct lc_slot *s = t->slot;
    if (LC_UNLIKELY(!s)) {
        if (t->dead)
            return &slots[0];
        for (uint32_t i = 1; i < LC_MAX_THREADS; i++) {
            int free_state = 0;
            if (__atomic_load_n(&slots[i].state, __ATOMIC_RELAXED) == 0 &&
                __atomic_compare_exchange_n(&slots[i].state, &free_state, 1, 0,
                                            __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
                s = &slots[i];
                break;
            }
        }
        if (!s)
            return &slots[0];
        s->gen = 0;
        t->slot = s;
        /* Run thread_exit when this thread ends (not for the main thread,
         * which never frees its slot). pthread_setspecific may calloc: our
         * guard is up, so that passes through. */
        int saved = errno;
        pthread_setspecific(exit_key, s);
        errno = saved;
    }
    if (LC_UNLIKELY(s->gen != gen)) {
        ctr_reset(&s->c[0]);
        ctr_reset(&s->c[1]);
        __atomic_store_n(&s->gen, gen, __ATOMIC_RELEASE);
    }
    return s;
}

static void thread_exit(void *arg) {
    struct lc_slot *s = arg;
    lc__tls.dead = 1;
    lc__tls.slot = NULL;
    lc__spin_lock(&retired.lock);
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_RELAXED);
    if (retired.gen != gen) {
        ctr_reset(&retired.c[0]);
        ctr_reset(&retired.c[1]);
        retired.gen = gen;
    }
    if (s->gen == gen) {
        uint32_t epoch = __atomic_load_n(&lc__st.peak_epoch, __ATOMIC_RELAXED);
        for (int k = 0; k < 2; k++) {
            struct lc_ctr *r = &retired.c[k], *c = &s->c[k];
            r->allocs += c->allocs;
            r->frees += c->frees;
            r->bytes_allocated += c->bytes_allocated;
            r->bytes_freed += c->bytes_freed;
            r->live += c->live;
            /* retired.peak is the sum of the retired threads' peaks in the
             * current peak window */
            if (r->peak_epoch != epoch) {
                r->peak = 0;
                r->peak_epoch = epoch;
            }
            r->peak += c->peak_epoch == epoch ? c->peak : c->live;
        }
    }
    /* released under the lock: a reader summing the slots and `retired`
     * under the same lock sees this thread's counts exactly once */
    __atomic_store_n(&s->state, 0, __ATOMIC_RELEASE);
    lc__spin_unlock(&retired.lock);
}

/* The shared slot 0: any thread may write it, so with atomic adds. */
void lc__slot_shared_alloc(struct lc_slot *s, int cls, uint64_t size) {
    struct lc_ctr *c = &s->c[cls];
    __atomic_fetch_add(&c->allocs, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&c->bytes_allocated, size, __ATOMIC_RELAXED);
    __atomic_fetch_add(&c->live, (int64_t)size, __ATOMIC_RELAXED);
}

void lc__slot_shared_free(struct lc_slot *s, int cls, uint64_t size) {
    struct lc_ctr *c = &s->c[cls];
    __atomic_fetch_add(&c->frees, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&c->bytes_freed, size, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&c->live, (int64_t)size, __ATOMIC_RELAXED);
}

/* A free counted by realloc that glibc then refused: the block is still live. */
void lc__slot_account_unfree(struct lc_slot *s, int cls, uint64_t size) {
    struct lc_ctr *c = &s->c[cls];
    if (s == &slots[0]) {
        __atomic_fetch_sub(&c->frees, 1, __ATOMIC_RELAXED);
        __atomic_fetch_sub(&c->bytes_freed, size, __ATOMIC_RELAXED);
        __atomic_fetch_add(&c->live, (int64_t)size, __ATOMIC_RELAXED);
        return;
    }
    __atomic_store_n(&c->frees, c->frees - 1, __ATOMIC_RELAXED);
    __atomic_store_n(&c->bytes_freed, c->bytes_freed - size, __ATOMIC_RELAXED);
    __atomic_store_n(&c->live, c->live + (int64_t)size, __ATOMIC_RELAXED);
}

void lc__slots_reset_shared(uint32_t gen) {
    ctr_reset(&slots[0].c[0]);
    ctr_reset(&slots[0].c[1]);
    slots[0].gen = gen;
}

static void add_ctr(lc_counters *out, int64_t *live, int64_t *peak, const struct lc_ctr *c,
                    uint32_t epoch) {
    out->allocs += __atomic_load_n(&c->allocs, __ATOMIC_RELAXED);
    out->frees += __atomic_load_n(&c->frees, __ATOMIC_RELAXED);
    out->bytes_allocated += __atomic_load_n(&c->bytes_allocated, __ATOMIC_RELAXED);
    out->bytes_freed += __atomic_load_n(&c->bytes_freed, __ATOMIC_RELAXED);
    int64_t l = __atomic_load_n(&c->live, __ATOMIC_RELAXED);
    *live += l;
    if (__atomic_load_n(&c->peak_epoch, __ATOMIC_ACQUIRE) == epoch)
        *peak += __atomic_load_n(&c->peak, __ATOMIC_RELAXED);
    else
        *peak += l; /* no change since the window opened */
}

void lc__counters_sum(lc_counters *out, int cls, uint32_t gen) {
    memset(out, 0, sizeof *out);
    if (!slots)
        return;
    uint32_t epoch = __atomic_load_n(&lc__st.peak_epoch, __ATOMIC_RELAXED);
    int64_t live = 0, peak = 0;
    /* One lock over the slots and `retired`: an exiting thread moves its
     * counts from its slot to `retired` under the same lock, so they are
     * never missed or counted twice. Thread exit waits at most one sum. */
    lc__spin_lock(&retired.lock);
    for (int k = 0; k < 2; k++) {
        if (cls != LEAKCHECK_ALL && cls != k)
            continue;
        for (uint32_t i = 0; i < LC_MAX_THREADS; i++) {
            struct lc_slot *s = &slots[i];
            if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == 0 ||
                __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE) != gen)
                continue;
            add_ctr(out, &live, &peak, &s->c[k], epoch);
        }
        if (retired.gen == gen) {
            struct lc_ctr r = retired.c[k];
            if (r.peak_epoch != epoch)
                r.peak = r.live;
            add_ctr(out, &live, &peak, &r, epoch);
        }
    }
    lc__spin_unlock(&retired.lock);
    out->live_blocks = out->allocs - out->frees;
    out->live_bytes = out->bytes_allocated - out->bytes_freed;
    out->peak_bytes = peak > (int64_t)out->live_bytes ? (uint64_t)peak : out->live_bytes;
}

void lc__threads_lock(void) { lc__spin_lock(&retired.lock); }
void lc__threads_unlock(void) { lc__spin_unlock(&retired.lock); }

int lc__thread_attributed(uint32_t gen) {
    return lc__st.all_threads || lc__tls.attrib_gen == gen;
}
