/*
 * The derived state compared with the entries (docs/FORMAT.md §8, "Derived
 * state"): what kifu verify checks after the entries themselves.
 *
 * A scratch ledger (ledger/scratch.c) over the file, with the modules
 * attached, replays every entry through every index into an in-memory
 * database; the file is attached read-only and never written. Then each
 * table the indexes created is compared with the file's table of the same
 * name, row by row in primary-key order (both sides are read in that order,
 * so one merge pass does it): a row whose values differ, a row the entries
 * give that is not stored, and a stored row the entries do not give are all
 * differences. Both sides are written by the same code from the same
 * entries, so they match exactly, rows of all-zero pool figures included
 * (a movement of nothing still writes its pool_fy row, on both sides).
 *
 * An index whose row in the file's index_state does not say it covers the
 * entries (another version, or built before the last entries were
 * appended) is not compared: every command rebuilds such an index before
 * reading its tables. Rows of a table with an `origin` column (pool_fy)
 * belong to the index of that name: those of an index not compared are left
 * out on both sides (rows of an origin that is no index are compared, and
 * so found).
 *
 * Personal data is not derived; it is checked on the verification's own
 * thread, entry by entry as verification hands them over (derived_entry),
 * inside its read of the file: each row of `personal` must belong to a
 * donation, box.collect, member.add, partner.add or receipt.issue entry
 * whose `donor` field is the commitment of its
 * salt, name and address, and no personal.erase entry may name it; an entry
 * with a `donor` field must have its row, or be named by a personal.erase
 * (else the data is lost).
 *
 * The rebuild runs on a thread of its own while kf_ledger_verify runs on
 * the caller's: the scratch takes its view of the file before verification
 * starts, so the entries it derives from are among those verified (a commit
 * that lands in between is verified, not compared: the report gives the
 * size compared). Its result counts only once verification has passed.
 */
#include "verify_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define ADVICE "kifu reindex (admin) rebuilds derived state once the cause is found"
#define MAX_COLS 64

struct derived_check {
    kf_ledger *l; /* the ledger verified */
    kf_ledger *s; /* the scratch ledger */
    int64_t size;
    pthread_t thread;
    bool threaded;
    atomic_bool stop;
    kf_code rc;
    kf_err err;
    kf_derived_report rep;
    /* personal data, checked on the verification's thread (derived_entry) */
    bool pers_started, pers_done;
    int64_t last; /* the last seq stored */
    sqlite3_stmt *pers, *pers_one;
    bool pers_row; /* pers holds a row not yet matched */
    int64_t *lost; /* donor commitments with no personal row (yet) */
    size_t nlost, lost_cap;
    kf_code pers_rc; /* the first problem found, reported after verification */
    kf_err pers_err;
};

static kf_code db_fail(derived_check *d, kf_err *err, const char *what)
{
    return kf_fail(err, KF_SYSTEM, "database error %s (derived state): %s", what,
                   sqlite3_errmsg(kf_ledger_db(d->s)));
}

static kf_code stopped(derived_check *d, kf_err *err)
{
    (void)d;
    return kf_fail(err, KF_SYSTEM, "the comparison of the derived state was stopped");
}

/* --- values ------------------------------------------------------------- */

/* Appends column i of st for a message: integers as they are, text in
 * quotes (plain when `bare` and it is one simple word), blobs in hex; long
 * values are cut. */
static void put_value(kf_buf *b, sqlite3_stmt *st, int i, bool bare)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
        kf_buf_puts(b, "NULL");
        return;
    case SQLITE_INTEGER:
        kf_buf_printf(b, "%lld", (long long)sqlite3_column_int64(st, i));
        return;
    case SQLITE_FLOAT:
        kf_buf_printf(b, "%.17g", sqlite3_column_double(st, i));
        return;
    case SQLITE_BLOB: {
        const unsigned char *p = sqlite3_column_blob(st, i);
        int n = sqlite3_column_bytes(st, i);
        kf_buf_puts(b, "x'");
        for (int k = 0; k < n && k < 32; k++)
            kf_buf_printf(b, "%02x", p[k]);
        kf_buf_puts(b, n > 32 ? "...'" : "'");
        return;
    }
    default: {
        const char *t = (const char *)sqlite3_column_text(st, i);
        int n = sqlite3_column_bytes(st, i);
        bool simple = bare && n > 0 && n <= 64;
        for (int k = 0; simple && k < n; k++)
            simple = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-:.",
                            t[k]) != NULL;
        if (simple) {
            kf_buf_put(b, t, (size_t)n);
            return;
        }
        int cut = n > 80 ? 80 : n;
        while (cut < n && cut > 0 && ((unsigned char)t[cut] & 0xC0) == 0x80)
            cut--; /* not inside a UTF-8 character */
        kf_buf_puts(b, "'");
        for (int k = 0; k < cut; k++)
            kf_buf_put(b, t[k] == '\'' ? "''" : &t[k], t[k] == '\'' ? 2 : 1);
        kf_buf_puts(b, cut < n ? "...'" : "'");
    }
    }
}

/* The order of SQLite's ORDER BY (BINARY collation): NULL, numbers, text,
 * blobs. */
static int value_cmp(sqlite3_stmt *a, sqlite3_stmt *b, int i)
{
    static const int class_of[] = {[SQLITE_NULL] = 0,
                                   [SQLITE_INTEGER] = 1,
                                   [SQLITE_FLOAT] = 1,
                                   [SQLITE_TEXT] = 2,
                                   [SQLITE_BLOB] = 3};
    int ta = sqlite3_column_type(a, i), tb = sqlite3_column_type(b, i);
    int ca = class_of[ta], cb = class_of[tb];
    if (ca != cb) return ca < cb ? -1 : 1;
    if (ca == 0) return 0;
    if (ca == 1) {
        if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
            int64_t x = sqlite3_column_int64(a, i), y = sqlite3_column_int64(b, i);
            return (x > y) - (x < y);
        }
        double x = sqlite3_column_double(a, i), y = sqlite3_column_double(b, i);
        return (x > y) - (x < y);
    }
    const void *pa = ca == 2 ? (const void *)sqlite3_column_text(a, i) : sqlite3_column_blob(a, i);
    const void *pb = ca == 2 ? (const void *)sqlite3_column_text(b, i) : sqlite3_column_blob(b, i);
    int na = sqlite3_column_bytes(a, i), nb = sqlite3_column_bytes(b, i);
    int c = memcmp(pa ? pa : "", pb ? pb : "", (size_t)(na < nb ? na : nb));
    return c ? (c < 0 ? -1 : 1) : (na > nb) - (na < nb);
}

/* Equal values: the same type and the same value. */
static bool value_same(sqlite3_stmt *a, sqlite3_stmt *b, int i)
{
    return sqlite3_column_type(a, i) == sqlite3_column_type(b, i) && value_cmp(a, b, i) == 0;
}

/* --- one table ------------------------------------------------------------ */

typedef struct {
    int n;
    char name[MAX_COLS][64];
    char type[MAX_COLS][32];
    int notnull[MAX_COLS], pk[MAX_COLS];
    int key[MAX_COLS]; /* the primary key's columns, in key order */
    int nkey;
    bool origin; /* has a column "origin" */
} columns;

/* PRAGMA <schema>.table_info(table); c->n = 0 if there is no such table. */
static kf_code read_columns(derived_check *d, const char *schema, const char *table, columns *c,
                            kf_err *err)
{
    sqlite3 *db = kf_ledger_db(d->s);
    sqlite3_stmt *st;
    char *sql = sqlite3_mprintf("PRAGMA \"%w\".table_info(\"%w\")", schema, table);
    memset(c, 0, sizeof *c);
    if (!sql) return kf_fail(err, KF_SYSTEM, "out of memory");
    int r = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (r != SQLITE_OK) return db_fail(d, err, "reading a table's columns");
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (c->n == MAX_COLS) {
            sqlite3_finalize(st);
            return kf_fail(err, KF_SYSTEM, "derived table %s has too many columns", table);
        }
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const char *type = (const char *)sqlite3_column_text(st, 2);
        snprintf(c->name[c->n], sizeof c->name[0], "%s", name ? name : "");
        snprintf(c->type[c->n], sizeof c->type[0], "%s", type ? type : "");
        c->notnull[c->n] = sqlite3_column_int(st, 3);
        c->pk[c->n] = sqlite3_column_int(st, 5);
        if (strcmp(c->name[c->n], "origin") == 0) c->origin = true;
        c->n++;
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) return db_fail(d, err, "reading a table's columns");
    for (int k = 1; k <= c->n; k++)
        for (int i = 0; i < c->n; i++)
            if (c->pk[i] == k) c->key[c->nkey++] = i;
    if (c->nkey == 0) /* no primary key: all columns, in order */
        for (int i = 0; i < c->n; i++)
            c->key[c->nkey++] = i;
    return KF_OK;
}

static bool same_columns(const columns *a, const columns *b)
{
    if (a->n != b->n) return false;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->name[i], b->name[i]) != 0 || strcasecmp(a->type[i], b->type[i]) != 0 ||
            a->notnull[i] != b->notnull[i] || a->pk[i] != b->pk[i])
            return false;
    return true;
}

static bool is_key(const columns *c, int i)
{
    for (int k = 0; k < c->nkey; k++)
        if (c->key[k] == i) return true;
    return false;
}

/* SELECT every column FROM schema.table [WHERE origin NOT IN skip] ORDER BY
 * the key. */
static sqlite3_stmt *select_rows(derived_check *d, const char *schema, const char *table,
                                 const columns *c, const char *skip_origins)
{
    kf_buf b = {0};
    sqlite3_stmt *st = NULL;
    kf_buf_puts(&b, "SELECT ");
    for (int i = 0; i < c->n; i++) {
        char *q = sqlite3_mprintf("%s\"%w\"", i ? ", " : "", c->name[i]);
        if (!q) b.failed = true;
        kf_buf_puts(&b, q ? q : "");
        sqlite3_free(q);
    }
    char *q = sqlite3_mprintf(" FROM \"%w\".\"%w\"", schema, table);
    if (!q) b.failed = true;
    kf_buf_puts(&b, q ? q : "");
    sqlite3_free(q);
    if (c->origin && *skip_origins) kf_buf_printf(&b, " WHERE origin NOT IN (%s)", skip_origins);
    kf_buf_puts(&b, " ORDER BY ");
    for (int k = 0; k < c->nkey; k++) {
        q = sqlite3_mprintf("%s\"%w\" COLLATE BINARY", k ? ", " : "", c->name[c->key[k]]);
        if (!q) b.failed = true;
        kf_buf_puts(&b, q ? q : "");
        sqlite3_free(q);
    }
    if (kf_buf_put(&b, "", 1) &&
        sqlite3_prepare_v2(kf_ledger_db(d->s), b.data, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        st = NULL;
    }
    kf_buf_free(&b);
    return st;
}

/* "col=value, col=value" of the key of the row st holds. */
static void put_key(kf_buf *b, const columns *c, sqlite3_stmt *st)
{
    for (int k = 0; k < c->nkey; k++) {
        kf_buf_printf(b, "%s%s=", k ? ", " : "", c->name[c->key[k]]);
        put_value(b, st, c->key[k], true);
    }
}

/* "col=value, ..." of the columns not in the key (only those that differ
 * from `other`'s when other is not NULL). */
static void put_rest(kf_buf *b, const columns *c, sqlite3_stmt *st, sqlite3_stmt *other)
{
    bool first = true;
    for (int i = 0; i < c->n; i++) {
        if (is_key(c, i) || (other && value_same(st, other, i))) continue;
        kf_buf_printf(b, "%s%s=", first ? "" : ", ", c->name[i]);
        put_value(b, st, i, false);
        first = false;
    }
}

/* A value read from a row may have been lost to a failed allocation
 * (sqlite3_column_* then give 0 or NULL and set SQLITE_NOMEM): never a
 * difference. */
static bool read_failed(sqlite3 *db)
{
    return sqlite3_errcode(db) == SQLITE_NOMEM;
}

/* The difference found, as a refusal. */
static kf_code differ(derived_check *d, kf_buf *msg, kf_err *err)
{
    if (read_failed(kf_ledger_db(d->s))) return kf_fail(err, KF_SYSTEM, "out of memory");
    kf_buf_puts(msg, "; " ADVICE);
    if (!kf_buf_put(msg, "", 1)) return kf_fail(err, KF_SYSTEM, "out of memory");
    kf_code rc = kf_fail(err, KF_REFUSED, "%s", msg->data);
    kf_buf_free(msg);
    return rc;
}

/* Compares main.table (from the entries) with src.table (stored). */
static kf_code compare_table(derived_check *d, const char *table, const char *skip_origins,
                             kf_err *err)
{
    columns mine, theirs;
    kf_buf msg = {0};
    kf_code rc;
    if ((rc = read_columns(d, "main", table, &mine, err)) ||
        (rc = read_columns(d, "src", table, &theirs, err)))
        return rc;
    if (theirs.n == 0) {
        kf_buf_printf(&msg,
                      "derived table %s is not stored, though index_state says its index "
                      "covers the entries",
                      table);
        return differ(d, &msg, err);
    }
    if (!same_columns(&mine, &theirs)) {
        kf_buf_printf(&msg,
                      "derived table %s: the stored table's columns are not those its index "
                      "creates",
                      table);
        return differ(d, &msg, err);
    }
    sqlite3_stmt *a = select_rows(d, "main", table, &mine, skip_origins);
    sqlite3_stmt *b = a ? select_rows(d, "src", table, &mine, skip_origins) : NULL;
    if (!a || !b) {
        rc = db_fail(d, err, "reading a derived table");
        goto out;
    }
    int sa = sqlite3_step(a), sb = sqlite3_step(b);
    int64_t n = 0;
    while (sa == SQLITE_ROW || sb == SQLITE_ROW) {
        /* A read that fails is no row missing: it is an error. */
        if ((sa != SQLITE_ROW && sa != SQLITE_DONE) || (sb != SQLITE_ROW && sb != SQLITE_DONE))
            break;
        if ((++n & 0xFFFF) == 0 && atomic_load(&d->stop)) {
            rc = stopped(d, err);
            goto out;
        }
        int cmp = 0;
        if (sa != SQLITE_ROW)
            cmp = 1;
        else if (sb != SQLITE_ROW)
            cmp = -1;
        else
            for (int k = 0; k < mine.nkey && !cmp; k++)
                cmp = value_cmp(a, b, mine.key[k]);
        if (cmp == 0) {
            for (int i = 0; i < mine.n; i++) {
                if (value_same(a, b, i)) continue;
                kf_buf_printf(&msg, "derived table %s, ", table);
                put_key(&msg, &mine, a);
                kf_buf_puts(&msg, ": stored ");
                put_rest(&msg, &mine, b, a);
                kf_buf_puts(&msg, ", the entries give ");
                put_rest(&msg, &mine, a, b);
                rc = differ(d, &msg, err);
                goto out;
            }
        } else {
            sqlite3_stmt *row = cmp < 0 ? a : b;
            kf_buf_printf(&msg, "derived table %s, ", table);
            put_key(&msg, &mine, row);
            kf_buf_puts(&msg, cmp < 0 ? ": the entries give a row (" : ": stored row (");
            put_rest(&msg, &mine, row, NULL);
            kf_buf_puts(&msg, cmp < 0 ? ") that is not stored" : ") that the entries do not give");
            rc = differ(d, &msg, err);
            goto out;
        }
        if (cmp <= 0) sa = sqlite3_step(a);
        if (cmp >= 0) sb = sqlite3_step(b);
        d->rep.rows++;
    }
    if (sa != SQLITE_DONE || sb != SQLITE_DONE) rc = db_fail(d, err, "reading a derived table");
out:
    kf_buf_free(&msg);
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    return rc;
}

/* --- all tables ----------------------------------------------------------- */

/* Whether the file's index_state says index `name` (version, seq) covers
 * the entries as the scratch's does. */
static kf_code index_current(derived_check *d, bool have_state, const char *name, bool *current,
                             kf_err *err)
{
    sqlite3 *db = kf_ledger_db(d->s);
    sqlite3_stmt *st;
    *current = false;
    if (!have_state) return KF_OK;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM main.index_state m JOIN src.index_state s USING(name) "
                           "WHERE name=?1 AND s.version=m.version AND s.seq=m.seq",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(d, err, "reading index_state");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE) return db_fail(d, err, "reading index_state");
    *current = r == SQLITE_ROW;
    return KF_OK;
}

static kf_code compare_tables(derived_check *d, kf_err *err)
{
    sqlite3 *db = kf_ledger_db(d->s);
    sqlite3_stmt *st = NULL;
    kf_buf skip = {0}; /* the stale indexes' names, quoted for SQL */
    kf_code rc = KF_OK;
    bool have_state;
    int r;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM src.sqlite_schema WHERE type='table' AND "
                           "name='index_state'",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = db_fail(d, err, "reading the ledger's schema");
        goto out;
    }
    have_state = sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT name FROM main.index_state ORDER BY rowid", -1, &st, NULL) !=
        SQLITE_OK) {
        rc = db_fail(d, err, "reading index_state");
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        bool current;
        if (!name) {
            rc = kf_fail(err, KF_SYSTEM, "out of memory");
            goto out;
        }
        if ((rc = index_current(d, have_state, name, &current, err))) goto out;
        if (current) continue;
        char *q = sqlite3_mprintf("%s%Q", skip.len ? "," : "", name);
        if (!q) skip.failed = true;
        kf_buf_puts(&skip, q ? q : "");
        sqlite3_free(q);
        size_t used = strlen(d->rep.skipped);
        snprintf(d->rep.skipped + used, sizeof d->rep.skipped - used, "%s%s", used ? ", " : "",
                 name);
    }
    if (r != SQLITE_DONE) {
        rc = db_fail(d, err, "reading index_state");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (!kf_buf_put(&skip, "", 1)) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM main.sqlite_schema WHERE type='table' AND name NOT "
                           "LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(d, err, "reading the scratch schema");
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        char table[64];
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (!name) {
            rc = kf_fail(err, KF_SYSTEM, "out of memory");
            goto out;
        }
        snprintf(table, sizeof table, "%s", name);
        const char *owner = kf_ledger_table_owner(d->s, table);
        if (!owner) continue; /* index_state, personal */
        columns c, stored;
        bool current;
        if ((rc = read_columns(d, "main", table, &c, err)) ||
            (rc = read_columns(d, "src", table, &stored, err)) ||
            (rc = index_current(d, have_state, owner, &current, err)))
            goto out;
        /* A table goes with its index; the rows of a table with an origin
         * column go with the index of that name, once the table exists. */
        if (!current && !(c.origin && stored.n)) continue;
        if ((rc = compare_table(d, table, skip.data, err))) goto out;
        d->rep.tables++;
    }
    if (r != SQLITE_DONE) rc = db_fail(d, err, "reading the scratch schema");
out:
    sqlite3_finalize(st);
    kf_buf_free(&skip);
    return rc;
}

/* --- personal data -------------------------------------------------------- */

/* On the verification's thread, inside its read of the file: the rows of
 * `personal` in seq order, merged with the entries as they are verified. */

static kf_code pers_db_fail(derived_check *d, kf_err *err)
{
    return kf_fail(err, KF_SYSTEM, "database error reading personal data: %s",
                   sqlite3_errmsg(kf_ledger_db(d->l)));
}

static kf_code personal_next(derived_check *d, kf_err *err)
{
    int r = sqlite3_step(d->pers);
    d->pers_row = r == SQLITE_ROW;
    if (r != SQLITE_ROW && r != SQLITE_DONE) return pers_db_fail(d, err);
    return KF_OK;
}

static kf_code personal_fail(derived_check *d, kf_err *err, int64_t seq, const char *what)
{
    if (read_failed(kf_ledger_db(d->l))) return kf_fail(err, KF_SYSTEM, "out of memory");
    return kf_fail(err, KF_REFUSED, "personal data of seq %lld: %s", (long long)seq, what);
}

/* The table, if the file has one, and the last seq stored. */
static kf_code personal_open(derived_check *d, kf_err *err)
{
    sqlite3 *db = kf_ledger_db(d->l);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT count(*) FROM main.sqlite_schema WHERE type='table' "
                           "AND name='personal'), (SELECT coalesce(max(seq), 0) FROM main.entries)",
                           -1, &st, NULL) != SQLITE_OK)
        return pers_db_fail(d, err);
    int r = sqlite3_step(st);
    bool have = r == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    if (r == SQLITE_ROW) d->last = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    if (r != SQLITE_ROW) return pers_db_fail(d, err);
    if (!have) return KF_OK;
    if (sqlite3_prepare_v2(db, "SELECT seq, salt, name, address FROM main.personal ORDER BY seq",
                           -1, &d->pers, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT 1 FROM main.personal WHERE seq=?", -1, &d->pers_one, NULL) !=
            SQLITE_OK)
        return pers_db_fail(d, err);
    return personal_next(d, err);
}

/* One entry, in seq order. */
static kf_code personal_entry(derived_check *d, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    /* the kinds that may carry personal data: gifts, a member's or partner's
     * address, a certificate's donor */
    bool personal = strcmp(e->kind, "donation") == 0 || strcmp(e->kind, "box.collect") == 0 ||
                    strcmp(e->kind, "member.add") == 0 || strcmp(e->kind, "partner.add") == 0 ||
                    strcmp(e->kind, "receipt.issue") == 0;
    const char *donor = personal ? kf_entry_str(e, "donor") : NULL;
    char what[160];
    if (d->pers_row && sqlite3_column_int64(d->pers, 0) < row->seq) {
        int64_t seq = sqlite3_column_int64(d->pers, 0);
        snprintf(what, sizeof what, "there is no entry at seq %lld", (long long)seq);
        return personal_fail(d, err, seq, what);
    }
    if (d->pers_row && sqlite3_column_int64(d->pers, 0) == row->seq) {
        if (!donor) {
            snprintf(what, sizeof what, "the entry at seq %lld (%s) holds no donor commitment",
                     (long long)row->seq, e->kind);
            return personal_fail(d, err, row->seq, what);
        }
        const char *name = (const char *)sqlite3_column_text(d->pers, 2);
        const char *address = (const char *)sqlite3_column_text(d->pers, 3);
        char commit[65];
        if (sqlite3_column_bytes(d->pers, 1) != 16 || !name || !address)
            return personal_fail(d, err, row->seq,
                                 "the stored row is malformed (salt, name, address)");
        kf_personal_commitment(sqlite3_column_blob(d->pers, 1), name, address, commit);
        if (strcmp(commit, donor) != 0)
            return personal_fail(d, err, row->seq,
                                 "the stored name and address do not give the donor commitment "
                                 "its entry holds (edited)");
        d->rep.personal++;
        return personal_next(d, err);
    }
    if (donor) {
        if (d->nlost == d->lost_cap) {
            size_t cap = d->lost_cap ? d->lost_cap * 2 : 16;
            int64_t *grown = realloc(d->lost, cap * sizeof *grown);
            if (!grown) return kf_fail(err, KF_SYSTEM, "out of memory");
            d->lost = grown;
            d->lost_cap = cap;
        }
        d->lost[d->nlost++] = row->seq;
    }
    int64_t erased;
    if (strcmp(e->kind, "personal.erase") == 0 && kf_entry_int(e, "donation", &erased)) {
        for (size_t i = 0; i < d->nlost; i++)
            if (d->lost[i] == erased) d->lost[i] = 0;
        if (!d->pers_one) return KF_OK;
        sqlite3_bind_int64(d->pers_one, 1, erased);
        int r = sqlite3_step(d->pers_one);
        sqlite3_reset(d->pers_one);
        if (r != SQLITE_ROW && r != SQLITE_DONE) return pers_db_fail(d, err);
        if (r == SQLITE_ROW) {
            snprintf(what, sizeof what, "still stored, though personal.erase at seq %lld erased it",
                     (long long)row->seq);
            return personal_fail(d, err, erased, what);
        }
    }
    return KF_OK;
}

/* After the last entry: rows beyond it, commitments whose data is gone. */
static kf_code personal_end(derived_check *d, kf_err *err)
{
    char what[160];
    if (d->pers_row) {
        int64_t seq = sqlite3_column_int64(d->pers, 0);
        snprintf(what, sizeof what, "there is no entry at seq %lld", (long long)seq);
        return personal_fail(d, err, seq, what);
    }
    for (size_t i = 0; i < d->nlost; i++)
        if (d->lost[i])
            return personal_fail(d, err, d->lost[i],
                                 "its entry holds a donor commitment, but no personal data is "
                                 "stored and no personal.erase names it (the data is lost)");
    return KF_OK;
}

/* Done with personal data: its first problem kept, its reads ended. */
static void personal_done(derived_check *d, kf_code rc, const kf_err *why)
{
    d->pers_done = true;
    if (rc == KF_REFUSED && !d->pers_rc) {
        d->pers_rc = rc;
        d->pers_err = *why;
    }
    sqlite3_finalize(d->pers);
    sqlite3_finalize(d->pers_one);
    d->pers = d->pers_one = NULL;
    d->pers_row = false;
}

kf_code derived_entry(derived_check *d, const kf_row *row, kf_err *err)
{
    kf_err why = {0};
    kf_code rc;
    if (!d || d->pers_done) return KF_OK;
    if (!d->pers_started) {
        d->pers_started = true;
        if ((rc = personal_open(d, &why))) goto done;
    }
    if ((rc = personal_entry(d, row, &why))) goto done;
    if (row->seq < d->last) return KF_OK;
    rc = personal_end(d, &why);
done:
    personal_done(d, rc, &why);
    /* A difference waits for the verification's end; an error stops it. */
    if (rc == KF_REFUSED) return KF_OK;
    if (rc) kf_fail(err, rc, "%s", why.msg);
    return rc;
}

/* --- the replay and the thread ---------------------------------------------- */

static int on_row(void *ctx, const kf_row *row)
{
    derived_check *d = ctx;
    (void)row;
    return atomic_load_explicit(&d->stop, memory_order_relaxed) ? stopped(d, &d->err) : 0;
}

static kf_code derive_and_compare(derived_check *d, kf_err *err)
{
    kf_code rc = kf_ledger_scratch_build(d->s, d->size, on_row, d, err);
    d->rep.size = d->size;
    if (!rc && atomic_load(&d->stop)) rc = stopped(d, err);
    if (!rc) rc = compare_tables(d, err);
    return rc;
}

static void *derived_thread(void *arg)
{
    derived_check *d = arg;
    d->rc = derive_and_compare(d, &d->err);
    return NULL;
}

static void derived_free(derived_check *d)
{
    if (!d) return;
    sqlite3_finalize(d->pers);
    sqlite3_finalize(d->pers_one);
    kf_ledger_close(d->s);
    free(d->lost);
    free(d);
}

kf_code derived_start(kf_ledger *l, derived_check **out, kf_err *err)
{
    derived_check *d = calloc(1, sizeof *d);
    kf_code rc;
    *out = NULL;
    if (!d) return kf_fail(err, KF_SYSTEM, "out of memory");
    atomic_init(&d->stop, false);
    if ((rc = kf_ledger_open_scratch(l, &d->s, err))) {
        free(d);
        return rc;
    }
    d->l = l;
    if ((rc = kf_grants_attach(d->s, err)) || (rc = kf_donations_attach(d->s, err)) ||
        (rc = kf_ledger_scratch_begin(d->s, &d->size, err))) {
        derived_free(d);
        return rc;
    }
    d->threaded = pthread_create(&d->thread, NULL, derived_thread, d) == 0;
    *out = d;
    return KF_OK;
}

kf_code derived_finish(derived_check *d, bool wanted, const kf_verify_report *rep,
                       kf_derived_report *out, kf_err *err)
{
    kf_code rc = KF_OK;
    if (!d) return KF_OK;
    if (d->threaded) {
        if (!wanted) {
            atomic_store(&d->stop, true);
            sqlite3_interrupt(kf_ledger_db(d->s));
        }
        pthread_join(d->thread, NULL);
    } else if (wanted) {
        d->rc = derive_and_compare(d, &d->err);
    }
    if (wanted && !d->pers_done) { /* the last entry was not the last seq read */
        kf_err why = {0};
        kf_code prc = d->pers_started ? personal_end(d, &why) : KF_OK;
        personal_done(d, prc, &why);
        if (prc && prc != KF_REFUSED) d->rc = kf_fail(&d->err, prc, "%s", why.msg);
    }
    if (wanted) {
        rc = d->rc;
        if (d->pers_rc) /* in seq order, personal data comes with the entries */
            rc = kf_fail(err, d->pers_rc, "%s", d->pers_err.msg);
        else if (rc)
            kf_fail(err, rc, "%s", d->err.msg);
        else if (d->size > rep->entries)
            rc = kf_fail(err, KF_SYSTEM,
                         "the ledger changed during verification (%lld entries verified, %lld "
                         "when the derived state was read); run kifu verify again",
                         (long long)rep->entries, (long long)d->size);
        if (!rc && out) *out = d->rep;
    }
    derived_free(d);
    return rc;
}
