/* tool.h: what the leakcheck tool's commands share (tools/report.c reads JSON
 * reports back into struct lc_run and writes files atomically; tools/compare.c
 * uses both). The tool never links libleakcheck. */
#ifndef LC_TOOL_H
#define LC_TOOL_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "../src/results.h"

/* One loaded report: the parsed document (which owns every string the run
 * points to) and the run rebuilt from it. */
struct loaded {
    const char *path;
    const char *cmd; /* the command named in errors; NULL: "report" */
    json_t *doc;
    struct lc_run run;
    const char *hostname, *timestamp;
};

/* Reads l->path as a JSON report. Returns 0, or -1 with one line naming the
 * file and the problem in err ("leakcheck: CMD: PATH: problem"). */
int lc_tool_report_load(struct loaded *l, char *err, size_t errlen);
void lc_tool_report_unload(struct loaded *l);
/* Writes data to path through a temporary file and a rename; on failure prints
 * "leakcheck: CMD: cannot write 'PATH': reason" and returns -1. */
int lc_tool_write_atomic(const char *path, const char *data, size_t len, const char *cmd);
/* Writes a rendered buffer as lc_tool_write_atomic does, or says "out of
 * memory rendering 'PATH'" when rendering failed; frees the buffer. */
struct lc_buf;
int lc_tool_write_rendered(const char *path, struct lc_buf *b, const char *cmd);

/* Prints a string from a report safely: control characters as \xNN in text,
 * Markdown and HTML syntax neutralized in Markdown; newlines become spaces. */
void lc_tool_put(FILE *out, const char *s, int markdown);

int lc_cmd_report(int argc, char **argv);
/* `report --pprof OUT`: one heap profile of the loaded reports (pprof_report.c);
 * 0, or -1 after one line on stderr. */
int lc_tool_report_pprof(const char *out, const struct loaded *ls, size_t n);
/* `leakcheck diff OLD.pb.gz NEW.pb.gz` (diff.c). */
int lc_cmd_diff(int argc, char **argv);
int lc_cmd_run(int argc, char **argv);
/* The options lc__opts() answers with in the tool (the report writers read it). */
struct lc_options_values;
void lc_tool_set_options(const struct lc_options_values *o);
int lc_cmd_compare(int argc, char **argv);
int lc_cmd_baseline(int argc, char **argv);
int lc_cmd_snapshot(int argc, char **argv); /* run_live.c */

#endif
