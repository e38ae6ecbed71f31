/* kvcache: a string-keyed LRU cache with a fixed capacity, a loader for
 * "key = value" configuration files, snapshots to disk and a background
 * flusher thread that writes a snapshot whenever the cache changed.
 *
 *     kvcache *c = kvc_new(1024);
 *     unsigned bad_line;
 *     if (kvc_load(c, "app.conf", &bad_line) < 0)
 *         fprintf(stderr, "app.conf:%u: %s\n", bad_line, strerror(errno));
 *     kvc_put(c, "session:42", "alice");
 *     const char *who = kvc_get(c, "session:42");
 *     kvc_flusher_start(c, "/var/cache/app/kv.snap", 1000);
 *     ...
 *     kvc_flusher_stop(c);
 *     kvc_free(c);
 *
 * The example leakcheck's suite runs against (examples/kvcache/tests). Three
 * paths of this implementation carry planted bugs of the kind a review lets
 * through; kvcache.c marks each with "PLANTED" so they are easy to find once
 * the suite has pointed at them.
 *
 * Threads: one thread at a time may call the cache's functions; the flusher
 * thread reads the cache concurrently under the cache's lock. Functions that
 * fail return -1 (or NULL) and set errno. */
#ifndef KVCACHE_H
#define KVCACHE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kvcache kvcache;

/* Keys and values are C strings without '\n'; a key is not empty and holds
 * no '=' (the file format could not carry them). */
#define KVC_MAX_KEY 256
#define KVC_MAX_VALUE 4096

struct kvc_stats {
    size_t size, capacity;
    uint64_t hits, misses, evictions;
};

/* A cache that holds at most `capacity` entries: a put beyond it evicts the
 * least recently used one. NULL with errno EINVAL (capacity 0) or ENOMEM. */
kvcache *kvc_new(size_t capacity);

/* Stops the flusher if one runs (its error is lost: stop it first to see it)
 * and frees the cache. NULL is accepted. */
void kvc_free(kvcache *c);

/* Inserts or replaces key's value and makes it the most recently used entry.
 * -1 with errno EINVAL (a key or value the format cannot carry, or too long)
 * or ENOMEM; the cache is unchanged then. */
int kvc_put(kvcache *c, const char *key, const char *value);

/* The value of key, which becomes the most recently used entry, or NULL when
 * absent. The string stays valid until the next call that changes the cache. */
const char *kvc_get(kvcache *c, const char *key);

/* Removes key: 0, or -1 with errno ENOENT. */
int kvc_remove(kvcache *c, const char *key);

void kvc_stats(kvcache *c, struct kvc_stats *out);

/* Reads "key = value" lines into the cache (blank lines and lines starting
 * with '#' are skipped; spaces around key and value are trimmed). Returns the
 * number of entries read, or -1 with errno: from fopen/getline, or EINVAL for
 * a malformed line, whose number (from 1) goes to *bad_line when bad_line is
 * not NULL. Entries read before the bad line stay in the cache. */
int kvc_load(kvcache *c, const char *path, unsigned *bad_line);

/* Writes every entry as "key=value" lines, least recently used first (so
 * kvc_load restores the order), to path.tmp and renames it over path: a
 * reader sees the old snapshot or the new one, never half of one. */
int kvc_save(kvcache *c, const char *path);

/* Starts a thread ("kvc-flusher") that writes a snapshot to path every
 * interval_ms milliseconds when the cache changed since the last one.
 * -1 with errno EBUSY (already running), EINVAL, ENOMEM or pthread_create's
 * error. A failed write stops the flusher; kvc_flusher_sync and
 * kvc_flusher_stop report it. */
int kvc_flusher_start(kvcache *c, const char *path, unsigned interval_ms);

/* Has the flusher write a snapshot now and waits for it: 0, or -1 with the
 * errno of the failed write (or EINVAL when no flusher runs). */
int kvc_flusher_sync(kvcache *c);

/* Stops and joins the flusher after a last snapshot. 0, or -1 with the errno
 * of the last write that failed. 0 when no flusher runs. */
int kvc_flusher_stop(kvcache *c);

#ifdef __cplusplus
}
#endif

#endif
