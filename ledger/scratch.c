/*
 * A scratch ledger: the derived state rebuilt from the entries in memory,
 * never in the file (kifu verify compares it with the stored one,
 * docs/FORMAT.md §8).
 *
 * Its SQLite handle is an in-memory database with the ledger file attached
 * read-only as schema "src" (mode=ro: SQLite opens the file O_RDONLY, and a
 * read-only connection never writes the WAL nor checkpoints). Unqualified
 * names resolve temp, main, then src: `entries`, `commits` and `nodes`,
 * which main never holds, are the file's, so the ledger's readers
 * (kf_ledger_scan, kf_ledger_entry...) read the real entries, while every
 * index's CREATE TABLE goes to main and its later statements find main's
 * table first. An authorizer keeps it so:
 *
 *   - DROP of a src table (an index's "DROP TABLE IF EXISTS t" before main
 *     has t) is skipped, not done;
 *   - any other write to src is refused (it would fail anyway: read-only);
 *   - until kf_ledger_scratch_build has run, reads of src tables other than
 *     entries, commits, nodes and the schema are refused: the indexes
 *     derive their tables from the entries alone, never from the stored
 *     copies.
 *
 * Indexes added to a scratch ledger are created empty and not caught up
 * (indexes.c); kf_ledger_scratch_build then replays the entries once through
 * all of them, inside the one read transaction kf_ledger_scratch_begin
 * started, so that the entries replayed and the stored tables compared
 * afterwards are the same state of the file.
 */
#include "kifu/ledger.h"
#include "ledger_internal.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

static bool entry_table(const char *t)
{
    return t &&
           (strcmp(t, "entries") == 0 || strcmp(t, "commits") == 0 || strcmp(t, "nodes") == 0 ||
            strcmp(t, "personal") == 0 || strcmp(t, "sqlite_master") == 0);
}

static int scratch_auth(void *ctx, int action, const char *a, const char *b, const char *db,
                        const char *trigger)
{
    const kf_ledger *l = ctx;
    (void)b, (void)trigger;
    if (!db || strcmp(db, "src") != 0) return SQLITE_OK;
    switch (action) {
    case SQLITE_READ:
        return l->scratch_built || entry_table(a) ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_PRAGMA:
        return SQLITE_OK;
    case SQLITE_DELETE: /* DROP TABLE asks this first, for sqlite_schema */
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_INDEX:
    case SQLITE_DROP_TRIGGER:
    case SQLITE_DROP_VIEW:
        return SQLITE_IGNORE;
    default:
        return SQLITE_DENY;
    }
}

/* "file:<path>?mode=ro", the path percent-encoded where a URI needs it. */
static char *ro_uri(const char *path)
{
    kf_buf b = {0};
    kf_buf_puts(&b, path[0] == '/' ? "file://" : "file:");
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            kf_buf_printf(&b, "%%%02X", (unsigned char)*p);
        else
            kf_buf_put(&b, p, 1);
    }
    kf_buf_puts(&b, "?mode=ro");
    if (!kf_buf_put(&b, "", 1)) {
        kf_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

static kf_code attach_file(kf_ledger *s, kf_err *err)
{
    char *uri = ro_uri(s->path);
    sqlite3_stmt *st = NULL;
    if (!uri) return kf_fail(err, KF_SYSTEM, "out of memory");
    int r = sqlite3_prepare_v2(s->db, "ATTACH ?1 AS src", -1, &st, NULL);
    if (r == SQLITE_OK) {
        sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    free(uri);
    if (r != SQLITE_OK && r != SQLITE_DONE) return lg_db_fail(s, err, "attaching the ledger");
    bool ok;
    int64_t app = lg_pragma_int(s->db, "PRAGMA src.application_id", &ok);
    if (!ok) return lg_db_fail(s, err, "reading the ledger");
    int64_t ver = lg_pragma_int(s->db, "PRAGMA src.user_version", &ok);
    if (!ok) return lg_db_fail(s, err, "reading the ledger");
    if (app != KIFU_APP_ID || ver != KIFU_SCHEMA_VERSION)
        return kf_fail(err, KF_BAD_INPUT, "%s is not a kifu ledger of schema version %d", s->path,
                       KIFU_SCHEMA_VERSION);
    return KF_OK;
}

kf_code kf_ledger_open_scratch(kf_ledger *of, kf_ledger **out, kf_err *err)
{
    kf_ledger *s = calloc(1, sizeof *s);
    kf_code rc;
    if (!s || !(s->path = strdup(of->path))) {
        free(s);
        return kf_fail(err, KF_SYSTEM, "out of memory");
    }
    s->scratch = true;
    /* One thread at a time uses it (NOMUTEX: no lock per call). */
    if (sqlite3_open_v2(":memory:", &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        rc = kf_fail(err, KF_SYSTEM, "cannot open an in-memory database: %s",
                     s->db ? sqlite3_errmsg(s->db) : "out of memory");
        kf_ledger_close(s);
        return rc;
    }
    sqlite3_busy_timeout(s->db, 60000);
    /* Nothing in main needs rolling back (a failure discards the scratch):
     * no rollback journal for it; bigger pages make the big tables (don_refs)
     * quicker to fill. */
    if (sqlite3_exec(s->db, "PRAGMA main.journal_mode=OFF; PRAGMA main.page_size=16384", NULL, NULL,
                     NULL) != SQLITE_OK) {
        rc = lg_db_fail(s, err, "setting up the scratch ledger");
        kf_ledger_close(s);
        return rc;
    }
    if ((rc = attach_file(s, err))) {
        kf_ledger_close(s);
        return rc;
    }
    sqlite3_set_authorizer(s->db, scratch_auth, s);
    *out = s;
    return KF_OK;
}

kf_code kf_ledger_scratch_begin(kf_ledger *s, int64_t *size, kf_err *err)
{
    *size = 0;
    if (!s->scratch) return kf_fail(err, KF_SYSTEM, "not a scratch ledger");
    if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return lg_db_fail(s, err, "starting a read");
    /* The first read fixes the view of the file for the transaction. */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT body FROM commits ORDER BY id DESC LIMIT 1", -1, &st,
                           NULL) != SQLITE_OK)
        return lg_db_fail(s, err, "reading the head");
    int r = sqlite3_step(st);
    kf_code rc = KF_OK;
    if (r == SQLITE_ROW) {
        lg_commit_rec c;
        kf_err why;
        rc = lg_commit_parse(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), &c,
                             &why);
        if (rc == KF_SYSTEM)
            kf_fail(err, KF_SYSTEM, "%s", why.msg);
        else if (rc == KF_OK)
            *size = c.last;
        if (rc != KF_SYSTEM) rc = KF_OK; /* a bad head: verification says so */
    } else if (r != SQLITE_DONE) {
        rc = lg_db_fail(s, err, "reading the head");
    }
    sqlite3_finalize(st);
    return rc;
}

kf_code kf_ledger_scratch_build(kf_ledger *s, int64_t size, kf_row_fn fn, void *ctx, kf_err *err)
{
    sqlite3_stmt *st = NULL, *cst = NULL;
    kf_code rc = KF_OK;
    lg_commit_rec commit = {0};
    int r;
    if (!s->scratch) return kf_fail(err, KF_SYSTEM, "not a scratch ledger");
    /* As kf_ledger_scan, without its join: the commit record is read when
     * the commit changes. */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, commit_id, leaf, body FROM entries WHERE seq <= ?1 "
                           "ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "SELECT body FROM commits WHERE id = ?1", -1, &cst, NULL) !=
            SQLITE_OK) {
        rc = lg_db_fail(s, err, "reading entries");
        goto out;
    }
    sqlite3_bind_int64(st, 1, size);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        kf_row row = {.seq = sqlite3_column_int64(st, 0), .commit = sqlite3_column_int64(st, 1)};
        kf_entry *e;
        if (sqlite3_column_bytes(st, 2) == KF_HASH_LEN)
            memcpy(row.leaf, sqlite3_column_blob(st, 2), KF_HASH_LEN);
        if (row.commit != commit.id) {
            memset(&commit, 0, sizeof commit);
            sqlite3_bind_int64(cst, 1, row.commit);
            int cr = sqlite3_step(cst);
            if (cr == SQLITE_ROW) {
                kf_err why;
                kf_code prc = lg_commit_parse(sqlite3_column_blob(cst, 0),
                                              (size_t)sqlite3_column_bytes(cst, 0), &commit, &why);
                if (prc == KF_SYSTEM) rc = kf_fail(err, KF_SYSTEM, "%s", why.msg);
                if (prc) memset(&commit, 0, sizeof commit); /* verify names a bad commit */
            } else if (cr != SQLITE_DONE) {
                rc = lg_db_fail(s, err, "reading commits");
            }
            sqlite3_reset(cst);
            if (rc) break;
        }
        if (commit.id == row.commit) {
            memcpy(row.time, commit.time, sizeof row.time);
            row.actor = commit.key;
        }
        if ((rc = lg_stored_entry(sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3),
                                  row.seq, &e, err)))
            break;
        row.entry = e;
        for (int i = 0; !rc && i < s->nindexes; i++)
            rc = s->indexes[i].apply(s->indexes[i].ctx, s, &row, err);
        if (!rc && fn) rc = (kf_code)fn(ctx, &row);
        kf_entry_free(e);
        if (rc) break;
    }
    if (!rc && r != SQLITE_DONE) rc = lg_db_fail(s, err, "reading entries");
    if (!rc) rc = lg_index_flush(s, err);
    if (!rc) rc = lg_index_mark(s, size, err);
    if (!rc) s->scratch_built = true;
out:
    sqlite3_finalize(st);
    sqlite3_finalize(cst);
    return rc;
}
