/* relpath_lib.c: the library sssd_relpath dlopens by a relative path, with
 * a leak in a function the tests call (confdb_get_domain_enabled's shape: a
 * string on no parent, never freed). */
#include <stdlib.h>
#include <string.h>

void *volatile relpath_sink;

__attribute__((noinline)) char *domain_section(const char *domain) {
    char *s = malloc(strlen(domain) + 32);
    if (s)
        strcpy(s, domain);
    return s;
}

int domain_enabled(const char *domain) {
    relpath_sink = domain_section(domain);
    return relpath_sink != NULL;
}
