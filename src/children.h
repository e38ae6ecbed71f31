/* children.h: the process's child processes, for process-leak verdicts.
 *
 * Ground truth is /proc/self/task/TID/children (every thread's children): a
 * snapshot lists each child with its state and command. fork (hooks.c) and
 * the posix_spawn wrappers (children.c) only attribute: while a scope is
 * active they remember the stack that started each child. A child no wrapper
 * saw (vfork, clone, system's internal spawn) is still listed, with no
 * stack; popen's child is found through its stream. */
#ifndef LC_CHILDREN_H
#define LC_CHILDREN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define LC_CHILDREN_MAX 1024u

struct lc_child {
    pid_t pid;
    char state;         /* /proc/PID/stat's: 'Z' a zombie (exited, not waited for) */
    const char *comm;   /* interned */
    uint32_t stack;     /* depot id of the call that started it, 0 when not attributed */
};

struct lc_childset {
    size_t n;           /* listed (at most LC_CHILDREN_MAX) */
    size_t total;       /* all the children; more than n when the list is full */
    struct lc_child *c; /* sorted by pid; lc__xmalloc'd */
};

/* How many children the process has now (0 when /proc cannot say). */
uint32_t lc__children_count(void);
/* Lists them with their state, command and stack. Report time: call with the
 * guard up. Returns 0 or a negative lc_error. */
int lc__children_snapshot(struct lc_childset *out);
void lc__childset_free(struct lc_childset *s);
/* The children of `now` absent from `base`. Returns the count; *out is
 * lc__xmalloc'd (free with lc__xfree). */
size_t lc__children_added(const struct lc_childset *base, const struct lc_childset *now,
                          struct lc_child **out);
/* Hook path (fork's parent side, posix_spawn): pid was started by the caller. */
void lc__children_note(pid_t pid);
/* Hook path (popen's wrapper): notes the child of the stream popen returned. */
void lc__children_note_popen(FILE *f);
/* 1 when /proc/self/task/TID/children can be read (the kernel has
 * CONFIG_PROC_CHILDREN); else 0 with one line in err. */
int lc__children_observable(char *err, size_t errlen);

#endif
