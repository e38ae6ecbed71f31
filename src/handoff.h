/* handoff.h: the raw record that `leakcheck run`'s traced process hands its
 * parent at exit, as a file DIR/PID.rec in the tool's private directory.
 * The traced side (run.c) only formats numbers and escaped strings; the tool
 * (tools/run_read.c) parses, symbolizes and writes every report.
 *
 * A record is text, one item per line, numbers in hex where they are
 * addresses; strings are percent-escaped (bytes <= 0x20, '%', 0x7f) so that a
 * line always splits on spaces:
 *
 *   leakcheck-run 1 PID PPID              first line; the version is 1
 *   prog NAME                             program_invocation_short_name
 *   exe PATH                              /proc/self/exe
 *   counters ALLOCS FREES BYTES_ALLOCATED BYTES_FREED LIVE_BLOCKS LIVE_BYTES PEAK
 *   wrap LO HI                            our wrapper text (frames keep no file:line)
 *   self LO HI                            libleakcheck's text (outermost frames cut)
 *   module BIAS LO HI CLOSE_EPOCH BUILDID PATH   close_epoch 0: loaded at exit;
 *                                         build-id in hex, - when unknown
 *   stack ID EPOCH PC...                  raw return addresses, innermost first
 *   site STACK KIND CLASS BLOCKS BYTES    live blocks grouped by stack and kind
 *   fd FD STACK TARGET                    opened since start-up, still open
 *   thread TID NAME                       other threads alive at exit
 *   dropped TID STATE                     an unfinished thread (running, exited-unjoined)
 *                                         whose pthread_t is stored nowhere reachable
 *   mapping START LEN PROT FLAGS SHM STACK FILE   mmap/shmat mappings made and still
 *                                         mapped (hex START LEN; FILE - when anonymous)
 *   scan ROOT_BYTES HEAP_BYTES THREADS UNSTOPPED MICROSECONDS
 *   sampling BYTES                        optional: sites hold sampled blocks, one per
 *                                         BYTES allocated on average (exact without it)
 *   note TEXT                             something the check could not do
 *   end                                   the record is complete
 *
 * Each process writes its own file, so followed children never interleave.
 * Not on the hook path. */
#ifndef LC_HANDOFF_H
#define LC_HANDOFF_H

#include "xml.h"

#define LC_HANDOFF_MAGIC "leakcheck-run"
#define LC_HANDOFF_VERSION 1
/* "unchecked.PID" in the run directory: one line saying why that process
 * keeps no record (the tool shows it instead of guessing) */
#define LC_HANDOFF_UNCHECKED "unchecked."
/* "started.PID" in the run directory: a followed process (not the one the
 * tool started) began tracking; it holds the program's name. A marker with no
 * record of that pid at the end names a process that ended without its exit
 * handlers (a signal) or was still running (the tool says so) */
#define LC_HANDOFF_STARTED "started."

/* Appends s percent-escaped (NULL as "-"). */
void lc__handoff_escape(struct lc_buf *b, const char *s);
/* Undoes lc__handoff_escape in place; returns s, or NULL for "-" or a bad
 * escape. */
char *lc__handoff_unescape(char *s);

#endif
