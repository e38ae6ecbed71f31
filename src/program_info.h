/* program_info.h: facts about the running program's own ELF file
 * (program_info.c). Report time only, never on the hook path. */
#ifndef LC_PROGRAM_INFO_H
#define LC_PROGRAM_INFO_H

struct lc_program_info {
    int read;            /* 0: /proc/self/exe could not be read */
    int needs_cmocka;    /* a DT_NEEDED entry names libcmocka */
    int needs_leakcheck; /* a DT_NEEDED entry names libleakcheck */
    int defines_runner;  /* it defines _cmocka_run_group_tests (cmocka linked in) */
};

/* Reads /proc/self/exe's dynamic section and symbol tables. Call with the
 * guard up. */
void lc__program_info(struct lc_program_info *out);

/* 1 when the program is built as a test: it links cmocka or leakcheck, or has
 * cmocka's runner linked in (or its file could not be read). A wrapper such
 * as timeout, env, a shell or make's test driver is not. Guard up. */
int lc__program_is_test(void);

#endif
