/* kvcache.c: the LRU cache, the configuration loader, snapshots and the
 * flusher thread (API in kvcache.h).
 *
 * Entries live in a chained hash table (power-of-two buckets, FNV-1a) and on
 * a doubly linked recency list, most recently used first; the table never
 * grows because the capacity bounds the entries. One mutex guards everything:
 * the only concurrency is the flusher reading the cache while it writes a
 * snapshot.
 *
 * Three bugs are planted for leakcheck's example suite, each marked PLANTED
 * and reachable through one API path only: kvc_put replacing a value with a
 * longer one, kvc_load meeting a malformed line, and kvc_flusher_stop after
 * the flusher gave up on a failed write. */
#define _GNU_SOURCE
#include "kvcache.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct entry {
    struct entry *chain;       /* next in the bucket */
    struct entry *prev, *next; /* recency list: prev is more recent */
    uint32_t hash;
    char *value;
    size_t vcap; /* bytes allocated for value */
    char key[];
};

struct flusher {
    pthread_t thread;
    int started; /* a thread was created and is not yet stopped */
    int quit;    /* asked to stop */
    int exited;  /* the thread has left its loop and returns */
    int error;   /* errno of the failed write that made it give up */
    unsigned interval_ms;
    char *path;
    uint64_t sync_req, sync_done; /* kvc_flusher_sync tickets */
    pthread_cond_t wake;          /* to the thread: quit, or a sync request */
    pthread_cond_t done;          /* from the thread: a write finished, or exited */
};

struct kvcache {
    pthread_mutex_t lock;
    struct entry **buckets;
    size_t mask; /* buckets - 1 */
    size_t size, capacity;
    struct entry *mru, *lru;
    uint64_t hits, misses, evictions;
    uint64_t gen, saved_gen; /* changes so far, and at the last snapshot */
    struct flusher flusher;
};

/* ---- keys, values, hashing ---- */

static uint32_t hash_key(const char *key) {
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

/* What the snapshot format can carry back unchanged: no line breaks, no
 * blanks at either end (kvc_load trims them), no '=' in a key. */
static int valid_text(const char *s, size_t len, size_t max, int is_key) {
    if (len > max || (is_key && len == 0) || strpbrk(s, is_key ? "\r\n=" : "\r\n"))
        return 0;
    if (len == 0)
        return 1;
    return !isspace((unsigned char)s[0]) && !isspace((unsigned char)s[len - 1]);
}

/* The link that points at key's entry, or at the NULL ending its chain. */
static struct entry **find(kvcache *c, const char *key, uint32_t h) {
    struct entry **link = &c->buckets[h & c->mask];
    while (*link && ((*link)->hash != h || strcmp((*link)->key, key) != 0))
        link = &(*link)->chain;
    return link;
}

/* ---- recency list ---- */

static void lru_unlink(kvcache *c, struct entry *e) {
    if (e->prev)
        e->prev->next = e->next;
    else
        c->mru = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->lru = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(kvcache *c, struct entry *e) {
    e->prev = NULL;
    e->next = c->mru;
    if (c->mru)
        c->mru->prev = e;
    else
        c->lru = e;
    c->mru = e;
}

/* ---- entries ---- */

static void entry_free(struct entry *e) {
    free(e->value);
    free(e);
}

/* Stores value in e. The value buffer is reused when the new value fits, so
 * a counter or a timestamp rewritten in place costs no allocation. */
static int entry_set_value(struct entry *e, const char *value, size_t len) {
    if (len < e->vcap) {
        memmove(e->value, value, len + 1); /* value may be kvc_get's result */
        return 0;
    }
    char *v = malloc(len + 1);
    if (!v)
        return -1;
    memcpy(v, value, len + 1);
    /* PLANTED (memory leak): when e already had a value that was shorter,
     * its buffer is dropped here without a free. New entries (vcap 0) and
     * values that fit are fine, which is why a quick test passes. */
    e->value = v;
    e->vcap = len + 1;
    return 0;
}

/* Unlinks e from its bucket chain, where it must be. */
static void chain_remove(kvcache *c, struct entry *e) {
    struct entry **link = &c->buckets[e->hash & c->mask];
    while (*link != e)
        link = &(*link)->chain;
    *link = e->chain;
}

static void evict_lru(kvcache *c) {
    struct entry *e = c->lru;
    chain_remove(c, e);
    lru_unlink(c, e);
    entry_free(e);
    c->size--;
    c->evictions++;
}

/* ---- the cache ---- */

kvcache *kvc_new(size_t capacity) {
    if (capacity == 0 || capacity > SIZE_MAX / 4 / sizeof(struct entry *)) {
        errno = EINVAL;
        return NULL;
    }
    size_t nbuckets = 8;
    while (nbuckets < capacity)
        nbuckets *= 2;
    kvcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->buckets = calloc(nbuckets, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return NULL;
    }
    c->mask = nbuckets - 1;
    c->capacity = capacity;
    /* The flusher sleeps on a monotonic clock: a wall clock set back an hour
     * must not stop snapshots for an hour. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->flusher.wake, &ca);
    pthread_cond_init(&c->flusher.done, NULL);
    pthread_condattr_destroy(&ca);
    return c;
}

void kvc_free(kvcache *c) {
    if (!c)
        return;
    kvc_flusher_stop(c);
    for (struct entry *e = c->mru, *next; e; e = next) {
        next = e->next;
        entry_free(e);
    }
    free(c->buckets);
    pthread_cond_destroy(&c->flusher.wake);
    pthread_cond_destroy(&c->flusher.done);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

int kvc_put(kvcache *c, const char *key, const char *value) {
    size_t klen = strlen(key), vlen = strlen(value);
    if (!valid_text(key, klen, KVC_MAX_KEY, 1) ||
        !valid_text(value, vlen, KVC_MAX_VALUE, 0)) {
        errno = EINVAL;
        return -1;
    }
    uint32_t h = hash_key(key);
    pthread_mutex_lock(&c->lock);
    struct entry **link = find(c, key, h);
    struct entry *e = *link;
    if (e) {
        if (entry_set_value(e, value, vlen) != 0)
            goto fail;
        lru_unlink(c, e);
    } else {
        /* Allocate before evicting: on ENOMEM the cache keeps every entry. */
        e = calloc(1, sizeof *e + klen + 1);
        if (!e || entry_set_value(e, value, vlen) != 0) {
            free(e);
            goto fail;
        }
        memcpy(e->key, key, klen + 1);
        e->hash = h;
        if (c->size == c->capacity) {
            evict_lru(c);
            link = find(c, key, h); /* the eviction may have changed the chain */
        }
        *link = e;
        c->size++;
    }
    lru_push_front(c, e);
    c->gen++;
    pthread_mutex_unlock(&c->lock);
    return 0;
fail:
    pthread_mutex_unlock(&c->lock);
    errno = ENOMEM;
    return -1;
}

const char *kvc_get(kvcache *c, const char *key) {
    pthread_mutex_lock(&c->lock);
    struct entry *e = *find(c, key, hash_key(key));
    if (e) {
        c->hits++;
        lru_unlink(c, e);
        lru_push_front(c, e);
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return e ? e->value : NULL;
}

int kvc_remove(kvcache *c, const char *key) {
    pthread_mutex_lock(&c->lock);
    struct entry **link = find(c, key, hash_key(key));
    struct entry *e = *link;
    if (e) {
        *link = e->chain;
        lru_unlink(c, e);
        entry_free(e);
        c->size--;
        c->gen++;
    }
    pthread_mutex_unlock(&c->lock);
    if (!e) {
        errno = ENOENT;
        return -1;
    }
    return 0;
}

void kvc_stats(kvcache *c, struct kvc_stats *out) {
    pthread_mutex_lock(&c->lock);
    *out = (struct kvc_stats){c->size, c->capacity, c->hits, c->misses, c->evictions};
    pthread_mutex_unlock(&c->lock);
}

/* ---- configuration files ---- */

enum { LINE_ENTRY, LINE_SKIP, LINE_BAD };

static char *trim(char *s) {
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Splits "key = value" in place. */
static int parse_line(char *line, char **key, char **value) {
    char *s = trim(line);
    if (*s == '\0' || *s == '#')
        return LINE_SKIP;
    char *eq = strchr(s, '=');
    if (!eq)
        return LINE_BAD;
    *eq = '\0';
    *key = trim(s);
    *value = trim(eq + 1);
    return **key ? LINE_ENTRY : LINE_BAD;
}

int kvc_load(kvcache *c, const char *path, unsigned *bad_line) {
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char *line = NULL, *key, *value;
    size_t cap = 0;
    unsigned lineno = 0;
    int loaded = 0, err = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        int kind = parse_line(line, &key, &value);
        if (kind == LINE_SKIP)
            continue;
        if (kind == LINE_BAD) {
            /* PLANTED (fd leak): this early return frees the line buffer but
             * skips the fclose at the end, so the FILE (its fd, its struct
             * and its buffer) stays open. Only a malformed file gets here. */
            if (bad_line)
                *bad_line = lineno;
            free(line);
            errno = EINVAL;
            return -1;
        }
        if (kvc_put(c, key, value) != 0) {
            err = errno;
            if (bad_line)
                *bad_line = lineno;
            break;
        }
        loaded++;
    }
    if (!err && ferror(f))
        err = EIO;
    free(line);
    fclose(f);
    if (err) {
        errno = err;
        return -1;
    }
    return loaded;
}

/* Writes the snapshot; the caller holds the lock, so it is consistent. */
static int save_locked(kvcache *c, const char *path) {
    size_t n = strlen(path);
    char *tmp = malloc(n + sizeof ".tmp");
    if (!tmp)
        return -1;
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp", sizeof ".tmp");
    FILE *f = fopen(tmp, "we");
    if (!f) {
        int e = errno;
        free(tmp);
        errno = e;
        return -1;
    }
    for (struct entry *e = c->lru; e; e = e->prev)
        fprintf(f, "%s=%s\n", e->key, e->value);
    int err = ferror(f) ? EIO : 0;
    if (fclose(f) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err)
        unlink(tmp);
    else
        c->saved_gen = c->gen;
    free(tmp);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

int kvc_save(kvcache *c, const char *path) {
    pthread_mutex_lock(&c->lock);
    int rc = save_locked(c, path);
    int err = errno; /* unlocking may not touch errno, but nothing says so */
    pthread_mutex_unlock(&c->lock);
    errno = err;
    return rc;
}

/* ---- the flusher ---- */

static struct timespec deadline_after(unsigned ms) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Writes a snapshot at every tick when the cache changed, and at once when
 * kvc_flusher_sync asks. A failed write ends the thread: retrying a full disk
 * every tick only fills the log; the error waits for sync or stop. */
static void *flusher_main(void *arg) {
    kvcache *c = arg;
    struct flusher *f = &c->flusher;
    pthread_mutex_lock(&c->lock);
    while (!f->quit && !f->error) {
        struct timespec deadline = deadline_after(f->interval_ms);
        int timed_out = 0;
        while (!f->quit && f->sync_req == f->sync_done && !timed_out)
            timed_out =
                pthread_cond_timedwait(&f->wake, &c->lock, &deadline) == ETIMEDOUT;
        if (f->quit)
            break;
        uint64_t ticket = f->sync_req;
        int wanted = ticket != f->sync_done || c->gen != c->saved_gen;
        if (wanted && save_locked(c, f->path) != 0)
            f->error = errno;
        f->sync_done = ticket;
        pthread_cond_broadcast(&f->done);
    }
    f->exited = 1;
    pthread_cond_broadcast(&f->done);
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

static void flusher_reset(struct flusher *f) {
    free(f->path);
    f->path = NULL;
    f->started = f->quit = f->exited = f->error = 0;
    f->sync_req = f->sync_done = 0;
}

int kvc_flusher_start(kvcache *c, const char *path, unsigned interval_ms) {
    if (!path || !*path || interval_ms == 0) {
        errno = EINVAL;
        return -1;
    }
    char *copy = strdup(path);
    if (!copy)
        return -1;
    struct flusher *f = &c->flusher;
    pthread_mutex_lock(&c->lock);
    if (f->started) {
        pthread_mutex_unlock(&c->lock);
        free(copy);
        errno = EBUSY;
        return -1;
    }
    f->path = copy;
    f->interval_ms = interval_ms;
    int rc = pthread_create(&f->thread, NULL, flusher_main, c);
    if (rc != 0) {
        flusher_reset(f);
        pthread_mutex_unlock(&c->lock);
        errno = rc;
        return -1;
    }
    f->started = 1;
    pthread_setname_np(f->thread, "kvc-flusher");
    pthread_mutex_unlock(&c->lock);
    return 0;
}

int kvc_flusher_sync(kvcache *c) {
    struct flusher *f = &c->flusher;
    pthread_mutex_lock(&c->lock);
    if (!f->started) {
        pthread_mutex_unlock(&c->lock);
        errno = EINVAL;
        return -1;
    }
    uint64_t ticket = ++f->sync_req;
    pthread_cond_signal(&f->wake);
    while (f->sync_done < ticket && !f->exited)
        pthread_cond_wait(&f->done, &c->lock);
    int err = f->error;
    pthread_mutex_unlock(&c->lock);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}

int kvc_flusher_stop(kvcache *c) {
    struct flusher *f = &c->flusher;
    pthread_mutex_lock(&c->lock);
    if (!f->started) {
        pthread_mutex_unlock(&c->lock);
        return 0;
    }
    if (f->exited) {
        /* PLANTED (thread leak): the flusher gave up after a failed write and
         * has returned, so this path only reports the error. But a thread
         * that returned is not gone until it is joined (or detached): its
         * stack and descriptor stay allocated. The normal path below joins. */
        int err = f->error;
        flusher_reset(f);
        pthread_mutex_unlock(&c->lock);
        errno = err;
        return -1;
    }
    f->quit = 1;
    pthread_cond_signal(&f->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(f->thread, NULL);

    /* A last snapshot, so that nothing put since the last tick is lost. */
    pthread_mutex_lock(&c->lock);
    int err = c->gen != c->saved_gen && save_locked(c, f->path) != 0 ? errno : 0;
    flusher_reset(f);
    pthread_mutex_unlock(&c->lock);
    if (err) {
        errno = err;
        return -1;
    }
    return 0;
}
