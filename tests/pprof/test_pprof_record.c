/* lc_pprof_write_records on a record of this very process (its module map
 * from dl_iterate_phdr, a stack captured here): the site symbolized to the
 * planted function, labels test=process:NAME and kind, the build-id, and a
 * record's "sampling BYTES" line scaling the site as Go does while the exact
 * counters' rest at [no stack kept] is not scaled. Built from the tool's own
 * sources (it never links libleakcheck). */
#include <elf.h>
#include <link.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/pprof.h"
#include "../../tools/run.h"
#include "profile.pb-c.h"

static int fails;
#define CHECK(cond)                                                       \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            fails++;                                                      \
        }                                                                 \
    } while (0)

struct self { uintptr_t bias, lo, hi; char id[128]; };

/* The main program's bias, PT_LOAD range and build-id (hex). */
static int main_module(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    struct self *m = arg;
    m->bias = info->dlpi_addr;
    m->lo = UINTPTR_MAX;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD) {
            m->lo = a < m->lo ? a : m->lo;
            m->hi = a + ph->p_memsz > m->hi ? a + ph->p_memsz : m->hi;
        } else if (ph->p_type == PT_NOTE) {
            for (const char *n = (const char *)a; n < (const char *)a + ph->p_memsz;) {
                const ElfW(Nhdr) *h = (const ElfW(Nhdr) *)n;
                const unsigned char *desc = (const unsigned char *)(h + 1) + ((h->n_namesz + 3) & ~3u);
                if (h->n_type == NT_GNU_BUILD_ID)
                    for (unsigned k = 0; k < h->n_descsz && k < 60; k++)
                        sprintf(m->id + 2 * k, "%02x", desc[k]);
                n = (const char *)desc + ((h->n_descsz + 3) & ~3u);
            }
        }
    }
    return 1; /* the first entry is the program */
}

static uintptr_t captured[2];
__attribute__((noinline)) static void capture(void) {
    captured[0] = (uintptr_t)__builtin_return_address(0);
}
__attribute__((noinline)) void pp_planted_site(void) {
    capture();
    __asm__ volatile("" ::: "memory"); /* the call above is not a tail call */
}

static Lcpb__Profile *read_profile(const char *path) {
    FILE *f = fopen(path, "rb");
    static unsigned char buf[1 << 20];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0, raw_n = 0;
    if (f)
        fclose(f);
    unsigned char *raw = lc__gunzip(buf, n, 1 << 24, &raw_n);
    Lcpb__Profile *p = raw ? lc__pprof_decode(raw, raw_n) : NULL;
    free(raw);
    return p;
}

static const char *str(const Lcpb__Profile *p, int64_t i) { return p->strings[i]; }

static const char *label(const Lcpb__Profile *p, const Lcpb__Sample *s, const char *key) {
    for (size_t i = 0; i < s->n_label; i++)
        if (strcmp(str(p, s->label[i]->key), key) == 0)
            return str(p, s->label[i]->str);
    return NULL;
}

int main(void) {
    struct self m = {0};
    dl_iterate_phdr(main_module, &m);
    pp_planted_site();
    char exe[4096];
    ssize_t en = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[en > 0 ? en : 0] = 0;
    /* 2 sampled blocks of 1024 B at the site; exact counters well above */
    char *text = NULL;
    int len = asprintf(&text,
        "leakcheck-run 1 %d %d\nprog pp_record\nexe %s\n"
        "counters 5000 2000 5000000 2000000 3000 3000000 3200000\n"
        "module %lx %lx %lx 0 %s %s\nstack 1 0 %lx\nsite 1 0 0 2 2048\nsampling 524288\nend\n",
        (int)getpid(), (int)getppid(), exe, (unsigned long)m.bias, (unsigned long)m.lo,
        (unsigned long)m.hi, m.id[0] ? m.id : "-", exe, (unsigned long)captured[0]);
    struct rr_proc *procs = NULL;
    char err[512], path[] = "/tmp/lc-pprof-record-XXXXXX";
    long n = lc_run_records_parse(text, (size_t)len, &procs, err, sizeof err);
    CHECK(n == 1 && procs[0].complete && procs[0].sample_rate == 524288);
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK(lc_pprof_write_records(procs, (size_t)n, path, err, sizeof err) == 0);
    Lcpb__Profile *p = read_profile(path);
    unlink(path);
    CHECK(p != NULL);
    if (!p)
        return 1;
    CHECK(p->period == 524288);
    CHECK(p->n_sample == 2);
    double scale = 1.0 / (1.0 - exp(-1024.0 / 524288.0));
    const Lcpb__Sample *site = p->sample[0], *rest = p->sample[1];
    CHECK(site->value[2] == (int64_t)(2 * scale + 0.5));
    CHECK(site->value[3] == (int64_t)(2048 * scale + 0.5));
    CHECK(rest->value[3] == 3000000 - site->value[3]); /* exact, not scaled */
    CHECK(rest->value[0] == 5000 - site->value[0]);
    CHECK(label(p, site, "test") && strcmp(label(p, site, "test"), "process:pp_record") == 0);
    CHECK(label(p, site, "kind") && strcmp(label(p, site, "kind"), "definite") == 0);
    const Lcpb__Location *l = p->location[site->location_id[0] - 1];
    const char *fn = str(p, p->function[l->line[l->n_line - 1]->function_id - 1]->name);
    CHECK(strcmp(fn, "pp_planted_site") == 0);
    CHECK(p->n_mapping >= 1 && strcmp(str(p, p->mapping[0]->filename), exe) == 0);
    CHECK(m.id[0] && strcmp(str(p, p->mapping[0]->build_id), m.id) == 0);
    /* an unwritable path: one line naming it */
    CHECK(lc_pprof_write_records(procs, (size_t)n, "/proc/nonexistent/x.pb.gz", err,
                                 sizeof err) == -1);
    const char *want = "leakcheck: cannot write pprof profile '/proc/nonexistent/x.pb.gz': ";
    CHECK(strncmp(err, want, strlen(want)) == 0 && !strchr(err, '\n'));
    lc__pprof_decoded_free(p);
    lc_run_records_free(procs, (size_t)n);
    free(text);
    printf("%s\n", fails ? "FAILED" : "ok: record -> profile, sampled and exact values");
    return fails != 0;
}
