/* sqlite_leak: a small program on the real libsqlite3 that leaks an object
 * the library returns: describe_row formats each row with sqlite3_mprintf
 * and, unless "clean" is given, never calls sqlite3_free on it (3 rows, 3
 * strings lost). Everything else (the database, the statement) is closed,
 * so the only leak is that one, allocated inside libsqlite3. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static char *volatile last; /* the latest string: the earlier ones are lost */

__attribute__((noinline)) static void describe_row(sqlite3_stmt *st, int clean) {
    char *s = sqlite3_mprintf("row %d: %s", sqlite3_column_int(st, 0),
                              (const char *)sqlite3_column_text(st, 1));
    if (clean)
        sqlite3_free(s);
    else
        last = s;
    last = NULL;
}

int main(int argc, char **argv) {
    int clean = argc > 1 && strcmp(argv[1], "clean") == 0;
    sqlite3 *db;
    sqlite3_stmt *st;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK)
        return 3;
    if (sqlite3_exec(db, "create table t(id integer, name text);"
                         "insert into t values (1, 'one'), (2, 'two'), (3, 'three');",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "select id, name from t order by id", -1, &st, NULL) !=
            SQLITE_OK)
        return 3;
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        describe_row(st, clean);
        rows++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    printf("%d rows\n", rows);
    return 0;
}
