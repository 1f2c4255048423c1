/*
 * The SQL helper pair every module uses for its derived tables:
 * kf_sql_exec runs a statement, kf_sql_row reads one row. Both use the
 * ledger's statement cache (kf_ledger_stmt) and agree on what a failure is:
 *
 *   a constraint failed (the entries contradict each other)  KF_REFUSED
 *   anything else (I/O, out of memory, a bad statement)       KF_SYSTEM
 *
 * Arguments are described by a type string, one letter per parameter:
 * 's' text (NULL binds NULL), 'i' int64_t. kf_sql_row's columns are
 * described the same way: 'i' an int64_t *, 's' a char * followed by its
 * size (size_t); a NULL text column reads as "".
 *
 * Also kf_sql_insert_rows, the multi-row INSERT of batched appends (the
 * ledger's entries and nodes in txn.c, donations' personal data).
 */
#include "ledger_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first error of a bind, or SQLITE_OK. A text that could not be copied
 * (out of memory) is left NULL: stepping would then fail a NOT NULL
 * constraint, and the want of memory would pass for contradicting entries. */
static int bind_args(sqlite3_stmt *st, const char *types, va_list *ap)
{
    int rc = SQLITE_OK;
    for (int i = 0; types[i]; i++) {
        int b;
        if (types[i] == 's') {
            const char *v = va_arg(*ap, const char *);
            if (v)
                b = sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT);
            else
                b = sqlite3_bind_null(st, i + 1);
        } else {
            b = sqlite3_bind_int64(st, i + 1, va_arg(*ap, int64_t));
        }
        if (rc == SQLITE_OK) rc = b;
    }
    return rc;
}

static kf_code sql_fail(kf_ledger *l, kf_err *err, int s, const char *sql)
{
    kf_code code = s == SQLITE_CONSTRAINT ? KF_REFUSED : KF_SYSTEM;
    const char *what =
        s == SQLITE_CONSTRAINT ? "derived state contradicts itself" : "database error";
    return kf_fail(err, code, "%s (%s): %s", what, sqlite3_errmsg(l->db), sql);
}

kf_code kf_sql_exec(kf_ledger *l, kf_err *err, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st = kf_ledger_stmt(l, sql);
    if (!st) return sql_fail(l, err, SQLITE_ERROR, sql);
    va_list ap;
    va_start(ap, types);
    int b = bind_args(st, types, &ap);
    va_end(ap);
    if (b != SQLITE_OK) return sql_fail(l, err, b, sql);
    int s = sqlite3_step(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW) s = sqlite3_errcode(l->db);
    sqlite3_reset(st);
    if (s == SQLITE_DONE || s == SQLITE_ROW) return KF_OK;
    return sql_fail(l, err, s, sql);
}

kf_code kf_sql_row(kf_ledger *l, kf_err *err, bool *found, const char *sql, const char *in_types,
                   const char *out_types, ...)
{
    sqlite3_stmt *st = kf_ledger_stmt(l, sql);
    *found = false;
    if (!st) return sql_fail(l, err, SQLITE_ERROR, sql);
    va_list ap;
    va_start(ap, out_types);
    int b = bind_args(st, in_types, &ap);
    if (b != SQLITE_OK) {
        va_end(ap);
        return sql_fail(l, err, b, sql);
    }
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *found = true;
        for (int i = 0; out_types[i]; i++) {
            if (out_types[i] == 'i') {
                int64_t *out = va_arg(ap, int64_t *);
                *out = sqlite3_column_int64(st, i);
            } else {
                char *out = va_arg(ap, char *);
                size_t outsz = va_arg(ap, size_t);
                const unsigned char *txt = sqlite3_column_text(st, i);
                snprintf(out, outsz, "%s", txt ? (const char *)txt : "");
            }
        }
    } else if (s != SQLITE_DONE) {
        s = sqlite3_errcode(l->db);
    }
    va_end(ap);
    sqlite3_reset(st);
    if (s == SQLITE_ROW || s == SQLITE_DONE) return KF_OK;
    return sql_fail(l, err, s, sql);
}

sqlite3_stmt *kf_sql_insert_rows(sqlite3 *db, const char *head, int ncols, int rows)
{
    kf_buf sql = {0};
    sqlite3_stmt *st = NULL;
    bool ok = kf_buf_puts(&sql, head);
    for (int r = 0; ok && r < rows; r++) {
        ok = kf_buf_puts(&sql, r ? ",(?" : "(?");
        for (int c = 1; ok && c < ncols; c++)
            ok = kf_buf_puts(&sql, ",?");
        ok = ok && kf_buf_puts(&sql, ")");
    }
    if (ok && kf_buf_put(&sql, "", 1) &&
        sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        st = NULL;
    }
    kf_buf_free(&sql);
    return st;
}

/* --- the base of ledger/: errors, one-value queries, the statement cache --- */

kf_code lg_db_fail(kf_ledger *l, kf_err *err, const char *what)
{
    return kf_fail(err, KF_SYSTEM, "database error %s (%s): %s", what, l->path,
                   sqlite3_errmsg(l->db));
}

int64_t lg_pragma_int(sqlite3 *db, const char *sql, bool *ok)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    *ok = false;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    if (sqlite3_step(st) == SQLITE_ROW) { /* anything else (an error too): not ok */
        v = sqlite3_column_int64(st, 0);
        *ok = true;
    }
    sqlite3_finalize(st);
    return v;
}

kf_code lg_flush(kf_ledger *l, kf_err *err)
{
    return l->txn && l->flush_hook ? l->flush_hook(l, err) : KF_OK;
}

sqlite3_stmt *kf_ledger_stmt(kf_ledger *l, const char *sql)
{
    /* Most callers pass string literals: the pointer finds the statement
     * with one comparison of the text (a buffer reused for other text
     * fails it and falls back to the search). */
    int hit = -1;
    for (int i = 0; i < l->nstmts && hit < 0; i++)
        if (l->stmts[i].origin == sql && strcmp(l->stmts[i].sql, sql) == 0) hit = i;
    for (int i = 0; i < l->nstmts && hit < 0; i++)
        if (strcmp(l->stmts[i].sql, sql) == 0) hit = i;
    if (hit >= 0) {
        sqlite3_stmt *st = l->stmts[hit].st;
        l->stmts[hit].origin = sql;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    sqlite3_stmt *st;
    char *key = strdup(sql);
    if (!key) return NULL;
    if (sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        free(key);
        return NULL;
    }
    if (l->nstmts == (int)(sizeof l->stmts / sizeof l->stmts[0])) {
        /* Full: evict the oldest (statements are reset between uses). */
        sqlite3_finalize(l->stmts[0].st);
        free(l->stmts[0].sql);
        memmove(&l->stmts[0], &l->stmts[1], sizeof l->stmts[0] * (size_t)(l->nstmts - 1));
        l->nstmts--;
    }
    l->stmts[l->nstmts].sql = key;
    l->stmts[l->nstmts].origin = sql;
    l->stmts[l->nstmts].st = st;
    l->nstmts++;
    return st;
}
