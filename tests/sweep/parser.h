/* The fail-sweep tests' parser (parser.c). */
#ifndef SWEEP_PARSER_H
#define SWEEP_PARSER_H

struct doc;
struct doc *doc_new(const char *name);
struct doc *doc_load(const char *path, const char *name);
void doc_free(struct doc *d);
int doc_tag(struct doc *d, const char *tag);
char *doc_summary(const struct doc *d);
char *doc_upper_name(const struct doc *d);
const char *doc_get(const struct doc *d, const char *key);

#endif
