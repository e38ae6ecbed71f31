/* A small key=value document parser with many allocation error paths, for
 * the fail-sweep tests. Built twice: as is, three error paths leak and one
 * dereferences NULL (each marked with a SWEEP: comment on the allocation
 * whose failure shows it); with -DFIXED every error path cleans up. */
#define _GNU_SOURCE /* asprintf */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

struct entry {
    char *key, *value;
};

struct doc {
    char *name;
    struct entry **index;
    size_t n, cap;
    char **tags;
    size_t ntags;
};

void doc_free(struct doc *d) {
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->index[i]->key);
        free(d->index[i]->value);
        free(d->index[i]);
    }
    for (size_t i = 0; i < d->ntags; i++)
        free(d->tags[i]);
    free(d->tags);
    free(d->index);
    free(d->name);
    free(d);
}

struct doc *doc_new(const char *name) {
    struct doc *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->name = strdup(name);
    if (!d->name) {
        free(d);
        return NULL;
    }
    d->cap = 2;
    d->index = malloc(d->cap * sizeof *d->index);
    if (!d->index) {
        free(d->name);
        free(d);
        return NULL;
    }
    d->tags = malloc(4 * sizeof *d->tags); /* SWEEP:LEAK */
    if (!d->tags) {
#ifdef FIXED
        doc_free(d);
#endif
        return NULL;
    }
    return d;
}

static struct entry *entry_new(const char *line, size_t len) {
    const char *eq = memchr(line, '=', len);
    if (!eq)
        return NULL;
    struct entry *e = malloc(sizeof *e);
    if (!e)
        return NULL;
    e->key = malloc((size_t)(eq - line) + 1);
    if (!e->key) {
        free(e);
        return NULL;
    }
    memcpy(e->key, line, (size_t)(eq - line));
    e->key[eq - line] = 0;
    size_t vlen = len - (size_t)(eq - line) - 1;
    e->value = malloc(vlen + 1); /* SWEEP:LEAK */
    if (!e->value) {
#ifdef FIXED
        free(e->key);
        free(e);
#endif
        return NULL;
    }
    memcpy(e->value, eq + 1, vlen);
    e->value[vlen] = 0;
    return e;
}

static int doc_add(struct doc *d, const char *line, size_t len) {
    struct entry *e = entry_new(line, len);
    if (!e)
        return -1;
    if (d->n == d->cap) {
#ifdef FIXED
        struct entry **grown = realloc(d->index, d->cap * 2 * sizeof *grown);
        if (!grown) {
            free(e->key);
            free(e->value);
            free(e);
            return -1;
        }
        d->index = grown;
#else
        d->index = realloc(d->index, d->cap * 2 * sizeof *d->index); /* SWEEP:LEAK */
        if (!d->index) {
            free(e->key);
            free(e->value);
            free(e);
            d->n = 0;
            return -1;
        }
#endif
        d->cap *= 2;
    }
    d->index[d->n++] = e;
    return 0;
}

int doc_tag(struct doc *d, const char *tag) {
    if (d->ntags == 4)
        return -1;
    char *t = strdup(tag);
    if (!t)
        return -1;
    d->tags[d->ntags++] = t;
    return 0;
}

struct doc *doc_load(const char *path, const char *name) {
    struct doc *d = doc_new(name);
    if (!d)
        return NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        doc_free(d);
        return NULL;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int bad = 0;
    while (!bad && (len = getline(&line, &cap, f)) > 0) {
        while (len > 0 && line[len - 1] == '\n')
            len--;
        if (len && doc_add(d, line, (size_t)len) != 0)
            bad = 1;
    }
    free(line);
    fclose(f);
    if (bad) {
        doc_free(d);
        return NULL;
    }
    return d;
}

char *doc_summary(const struct doc *d) {
    char *s;
    if (asprintf(&s, "%s: %zu entries", d->name, d->n) < 0)
        return NULL;
    return s;
}

char *doc_upper_name(const struct doc *d) {
    size_t n = strlen(d->name);
    char *up = malloc(n + 1); /* SWEEP:CRASH */
#ifdef FIXED
    if (!up)
        return NULL;
#endif
    for (size_t i = 0; i < n; i++)
        up[i] = (char)toupper((unsigned char)d->name[i]); /* SWEEP:DEREF */
    up[n] = 0;
    return up;
}

const char *doc_get(const struct doc *d, const char *key) {
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->index[i]->key, key) == 0)
            return d->index[i]->value;
    return NULL;
}
