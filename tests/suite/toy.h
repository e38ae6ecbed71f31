/* toy.h: a small "library" the suite in this directory tests the way a real
 * project's cmocka suite tests its library: global state that per-test
 * fixtures reset, a 30-entry global queue, a dependency mocked with
 * will_return, a worker thread started by a group fixture, state that makes
 * some tests not repeatable. Each planted leak has a clean twin. */
#ifndef TOY_H
#define TOY_H

#include <stddef.h>

/* ---- the queue: 30 entries, global ---- */
#define TOY_QUEUE_CAP 30
void toy_init(void);                 /* resets the global state */
int toy_queue_push(const char *name); /* 0, or -1 when full */
size_t toy_queue_len(void);
void toy_queue_reset(void);           /* frees every entry */
void toy_queue_reset_leaky(void);     /* planted: forgets the entries' names */

/* ---- configuration from a source the tests mock (toy_source_read) ---- */
int toy_source_read(char *buf, size_t len); /* defined by the tests: mock() */
char *toy_config_load(void);          /* NULL when the source fails */
char *toy_config_load_leaky(void);    /* planted: the error path leaks its buffer */

/* ---- a worker thread that runs jobs ---- */
int toy_worker_start(void);
void toy_worker_stop(void);
void toy_worker_run(int leak);        /* one job, waits for it; leak: planted */

/* ---- once-only state ---- */
int toy_register(void);               /* returns how many times it ran */
int toy_register_leaky(void);         /* planted: leaks a block each call */
int toy_lock_create(const char *path); /* O_EXCL: an fd, or -1 when it exists */
int toy_lock_create_leaky(const char *path); /* planted: keeps the fd open */
char *toy_take_buffer(void);          /* the global buffer, once: NULL afterwards */

/* ---- cmocka's test_malloc (toy_um.c is built with -DUNIT_TESTING) ---- */
void *toy_um_make(void);
void toy_um_free(void *p);
void toy_um_leak(void);               /* planted: a test_malloc block lost */
void toy_um_grow(void);               /* calloc, realloc twice, free: clean */

#endif
