/* walk_memo.c: the pool of per-thread walk memos (walk_memo.h). One mmap
 * reservation of LC_MAX_THREADS entries; a thread claims one with a
 * compare-and-swap on its first stack walk and a pthread key destructor gives
 * it back at thread exit. Hook path (claiming: once per thread); no lock. */
#include <pthread.h>

#include "internal.h"
#include "walk_memo.h"

struct entry {
    int used;
    struct lc_walk_memos m;
};

static struct entry *pool;
static pthread_key_t key;
static int key_ok;
static unsigned next_hint;

/* 0: not claimed yet; 1: claimed (mine); 2: none (pool full, or exiting) */
static __thread int state __attribute__((tls_model("initial-exec")));
static __thread struct lc_walk_memos *mine __attribute__((tls_model("initial-exec")));

static void release(void *arg) {
    struct entry *e = arg;
    mine = NULL;
    state = 2; /* a later walk of this exiting thread records nothing */
    __atomic_store_n(&e->used, 0, __ATOMIC_RELEASE);
}

int lc__memo_init(void) {
    if (pool)
        return 0;
    pool = lc__reserve(sizeof(struct entry) * LC_MAX_THREADS);
    if (!pool)
        return -1;
    key_ok = pthread_key_create(&key, release) == 0;
    return 0;
}

__attribute__((noinline, cold)) static struct lc_walk_memos *claim(void) {
    state = 2;
    if (!pool || !key_ok)
        return NULL;
    unsigned start = __atomic_fetch_add(&next_hint, 1, __ATOMIC_RELAXED);
    for (unsigned k = 0; k < LC_MAX_THREADS; k++) {
        struct entry *e = &pool[(start + k) % LC_MAX_THREADS];
        int free_state = 0;
        if (__atomic_load_n(&e->used, __ATOMIC_RELAXED) == 0 &&
            __atomic_compare_exchange_n(&e->used, &free_state, 1, 0, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED)) {
            for (int w = 0; w < LC_MEMO_WAYS; w++)
                e->m.way[w].n = -1;
            e->m.next = e->m.last = 0;
            /* the caller's guard is up: a calloc in here passes through */
            if (pthread_setspecific(key, e) != 0) {
                __atomic_store_n(&e->used, 0, __ATOMIC_RELEASE);
                return NULL;
            }
            mine = &e->m;
            state = 1;
            return mine;
        }
    }
    return NULL;
}

struct lc_walk_memos *lc__memo_mine(void) {
    if (LC_LIKELY(state == 1))
        return mine;
    return state == 0 ? claim() : NULL;
}
