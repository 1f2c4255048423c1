/*
 * The index registry: derived indexes registered with kf_ledger_add_index
 * (kf_index: apply, reset, flush, close), their state in
 * index_state(name, version, seq), catching an index up with the entries
 * appended without it, and kf_ledger_reindex. On a scratch ledger
 * (scratch.c) an index is only created, and which tables it created is
 * recorded (kf_ledger_table_owner).
 */
#include "kifu/ledger.h"
#include "ledger_internal.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

static kf_code index_state_table(kf_ledger *l, kf_err *err)
{
    if (sqlite3_exec(l->db,
                     "CREATE TABLE IF NOT EXISTS index_state(name TEXT PRIMARY KEY, "
                     "version INTEGER NOT NULL, seq INTEGER NOT NULL) STRICT",
                     NULL, NULL, NULL) != SQLITE_OK)
        return lg_db_fail(l, err, "creating index_state");
    return KF_OK;
}

/* Records that every registered index covers entries up to seq. */
kf_code lg_index_mark(kf_ledger *l, int64_t seq, kf_err *err)
{
    sqlite3_stmt *st;
    if (l->nindexes == 0) return KF_OK;
    if (sqlite3_prepare_v2(l->db,
                           "INSERT INTO index_state(name, version, seq) VALUES(?,?,?) "
                           "ON CONFLICT(name) DO UPDATE SET version=excluded.version, "
                           "seq=excluded.seq",
                           -1, &st, NULL) != SQLITE_OK)
        return lg_db_fail(l, err, "updating index_state");
    for (int i = 0; i < l->nindexes; i++) {
        sqlite3_bind_text(st, 1, l->indexes[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, l->indexes[i].version);
        sqlite3_bind_int64(st, 3, seq);
        int s = sqlite3_step(st);
        sqlite3_reset(st);
        if (s != SQLITE_DONE) {
            sqlite3_finalize(st);
            return lg_db_fail(l, err, "updating index_state");
        }
    }
    sqlite3_finalize(st);
    return KF_OK;
}

kf_code lg_index_flush(kf_ledger *l, kf_err *err)
{
    kf_code rc;
    for (int i = 0; i < l->nindexes; i++)
        if (l->indexes[i].flush && (rc = l->indexes[i].flush(l->indexes[i].ctx, l, true, err)))
            return rc;
    return KF_OK;
}

typedef struct {
    kf_ledger *l;
    const kf_index *ix;
    kf_err *err;
    kf_code rc;
} replay_ctx;

static int replay_row(void *ctx, const kf_row *row)
{
    replay_ctx *c = ctx;
    c->rc = c->ix->apply(c->ix->ctx, c->l, row, c->err);
    return c->rc ? 1 : 0;
}

/* Brings one index up to date inside the caller's write transaction. */
static kf_code index_catch_up(kf_ledger *l, const kf_index *ix, bool rebuild, kf_err *err)
{
    sqlite3_stmt *st;
    int64_t version = -1, from = 0;
    kf_code rc;
    if (sqlite3_prepare_v2(l->db, "SELECT version, seq FROM index_state WHERE name=?", -1, &st,
                           NULL) != SQLITE_OK)
        return lg_db_fail(l, err, "reading index_state");
    sqlite3_bind_text(st, 1, ix->name, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        version = sqlite3_column_int64(st, 0);
        from = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE) return lg_db_fail(l, err, "reading index_state");
    bool ok;
    int64_t size = lg_pragma_int(l->db, "SELECT coalesce(max(seq),0) FROM entries", &ok);
    if (!ok) return lg_db_fail(l, err, "reading the size");
    if (!rebuild && version == ix->version && from == size) return KF_OK;
    /* Entries appended without this index, or a new version: rebuild from
     * the start, so that an index's state (e.g. the rules in force) is
     * always derived in seq order from the genesis. */
    if ((rc = ix->reset(ix->ctx, l, err))) return rc;
    from = 0;
    replay_ctx c = {.l = l, .ix = ix, .err = err};
    rc = kf_ledger_scan(l, from + 1, NULL, replay_row, &c, err);
    if (c.rc) return c.rc;
    return rc;
}

/* A scratch ledger: each index from `first` on is reset (its tables
 * created, empty, in memory) and not caught up; the tables its reset
 * created are recorded as its own. */
static kf_code scratch_sync(kf_ledger *l, int first, kf_err *err)
{
    char before[32][64];
    int nbefore = 0;
    kf_code rc = KF_OK;
    sqlite3_stmt *st = NULL;
    if (sqlite3_exec(l->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return lg_db_fail(l, err, "starting to index");
    if (first == 0) l->nowners = 0;
    if ((rc = index_state_table(l, err))) goto out;
    if (sqlite3_prepare_v2(l->db, "SELECT name FROM main.sqlite_schema WHERE type='table'", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = lg_db_fail(l, err, "reading the scratch schema");
        goto out;
    }
    for (int i = first; i < l->nindexes; i++) {
        int s;
        nbefore = 0;
        while ((s = sqlite3_step(st)) == SQLITE_ROW && nbefore < 32)
            snprintf(before[nbefore++], sizeof before[0], "%s", sqlite3_column_text(st, 0));
        sqlite3_reset(st);
        if (s != SQLITE_DONE) {
            rc = s == SQLITE_ROW ? kf_fail(err, KF_SYSTEM, "too many tables in the scratch ledger")
                                 : lg_db_fail(l, err, "reading the scratch schema");
            goto out;
        }
        if ((rc = l->indexes[i].reset(l->indexes[i].ctx, l, err))) goto out;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(st, 0);
            bool old = false;
            for (int j = 0; j < nbefore && !old; j++)
                old = strcmp(before[j], name) == 0;
            if (old) continue;
            if (l->nowners == (int)(sizeof l->owners / sizeof l->owners[0]) ||
                strlen(name) >= sizeof l->owners[0].table) {
                rc = kf_fail(err, KF_SYSTEM, "too many tables in the scratch ledger");
                goto out;
            }
            snprintf(l->owners[l->nowners].table, sizeof l->owners[0].table, "%s", name);
            l->owners[l->nowners++].index = i;
        }
        sqlite3_reset(st);
        if (s != SQLITE_DONE) {
            rc = lg_db_fail(l, err, "reading the scratch schema");
            goto out;
        }
    }
out:
    sqlite3_finalize(st);
    if (!rc && sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = lg_db_fail(l, err, "committing the scratch index");
    if (rc) sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

const char *kf_ledger_table_owner(kf_ledger *l, const char *table)
{
    for (int i = 0; i < l->nowners; i++)
        if (strcmp(l->owners[i].table, table) == 0) return l->indexes[l->owners[i].index].name;
    return NULL;
}

static kf_code index_sync(kf_ledger *l, int first, bool rebuild, kf_err *err)
{
    kf_code rc;
    bool ok;
    if (l->scratch) return scratch_sync(l, first, err);
    if (sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return lg_db_fail(l, err, "starting to index");
    if ((rc = index_state_table(l, err))) goto out_rollback;
    for (int i = first; i < l->nindexes; i++)
        if ((rc = index_catch_up(l, &l->indexes[i], rebuild, err))) goto out_rollback;
    int64_t size = lg_pragma_int(l->db, "SELECT coalesce(max(seq),0) FROM entries", &ok);
    if (!ok) {
        rc = lg_db_fail(l, err, "reading the size");
        goto out_rollback;
    }
    if ((rc = lg_index_flush(l, err))) goto out_rollback;
    if ((rc = lg_index_mark(l, size, err))) goto out_rollback;
    if (sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = lg_db_fail(l, err, "committing the index");
        goto out_rollback;
    }
    return KF_OK;
out_rollback:
    for (int i = 0; i < l->nindexes; i++)
        if (l->indexes[i].flush) l->indexes[i].flush(l->indexes[i].ctx, l, false, NULL);
    sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

kf_code kf_ledger_add_index(kf_ledger *l, const kf_index *ix, kf_err *err)
{
    if (l->nindexes == KF_MAX_INDEXES) return kf_fail(err, KF_SYSTEM, "too many indexes");
    l->indexes[l->nindexes++] = *ix;
    kf_code rc = index_sync(l, l->nindexes - 1, false, err);
    if (rc) {
        /* Not registered: the caller still owns ctx. */
        l->nindexes--;
    }
    return rc;
}

void *kf_ledger_index_ctx(kf_ledger *l, const char *name)
{
    for (int i = 0; i < l->nindexes; i++)
        if (strcmp(l->indexes[i].name, name) == 0) return l->indexes[i].ctx;
    return NULL;
}

kf_code kf_ledger_reindex(kf_ledger *l, kf_err *err)
{
    return index_sync(l, 0, true, err);
}
