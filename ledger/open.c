/*
 * The ledger file: its schema, and opening, creating and closing it. The
 * schema (docs/FORMAT.md §1):
 *
 *   entries(seq PK, commit_id, kind, leaf, body)   body = canonical entry bytes
 *   commits(id PK, body, sig)                       body = canonical commit bytes
 *   nodes(idx PK, hash)                             complete Merkle nodes, level >= 1
 *
 * nodes.idx is the creation order of internal nodes: node (L, n) with L >= 1
 * is created by appending leaf i = ((n+1) << L) - 1, after the i - popcount(i)
 * nodes of the smaller tree, so idx = i - popcount(i) + (L - 1) (lg_node_idx,
 * read.c). Leaves (level 0) live in entries.leaf.
 *
 * The rest of the ledger's storage: txn.c writes, read.c reads and proves,
 * keyset.c derives the key set, indexes.c keeps the registered indexes.
 */
#include "kifu/ledger.h"
#include "ledger_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

static const char *schema_sql =
    "CREATE TABLE entries(seq INTEGER PRIMARY KEY, commit_id INTEGER NOT NULL,"
    " kind TEXT NOT NULL, leaf BLOB NOT NULL, body BLOB NOT NULL) STRICT;"
    /* Kinds other than donations are few and looked up by kind (keys, rules,
     * cosignatures...); donations are many and never looked up by kind, so
     * the index leaves them out and costs an import nothing. */
    "CREATE INDEX entries_kind ON entries(kind, seq) WHERE kind <> 'donation';"
    "CREATE TABLE commits(id INTEGER PRIMARY KEY, body BLOB NOT NULL, sig BLOB NOT NULL) STRICT;"
    "CREATE TABLE nodes(idx INTEGER PRIMARY KEY, hash BLOB NOT NULL) STRICT;"
    "CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries"
    " BEGIN SELECT RAISE(ABORT, 'kifu: the ledger is append-only'); END;"
    "CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries"
    " BEGIN SELECT RAISE(ABORT, 'kifu: the ledger is append-only'); END;"
    "CREATE TRIGGER commits_no_update BEFORE UPDATE ON commits"
    " BEGIN SELECT RAISE(ABORT, 'kifu: the ledger is append-only'); END;"
    "CREATE TRIGGER commits_no_delete BEFORE DELETE ON commits"
    " BEGIN SELECT RAISE(ABORT, 'kifu: the ledger is append-only'); END;"
    "CREATE TRIGGER nodes_no_update BEFORE UPDATE ON nodes"
    " BEGIN SELECT RAISE(ABORT, 'kifu: the ledger is append-only'); END;"
    "CREATE TRIGGER nodes_no_delete BEFORE DELETE ON nodes"
    " BEGIN SELECT RAISE(ABORT, 'kifu: the ledger is append-only'); END;";

static kf_code configure(kf_ledger *l, kf_err *err)
{
    sqlite3_busy_timeout(l->db, 60000);
    if (sqlite3_exec(l->db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                     /* INSERT OR REPLACE then fires the delete triggers. */
                     " PRAGMA recursive_triggers=ON;",
                     NULL, NULL, NULL) != SQLITE_OK)
        return lg_db_fail(l, err, "setting up");
    return KF_OK;
}

static kf_ledger *ledger_alloc(const char *path)
{
    kf_ledger *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->path = strdup(path);
    if (!l->path) {
        free(l);
        return NULL;
    }
    return l;
}

void kf_ledger_close(kf_ledger *l)
{
    if (!l) return;
    sqlite3_finalize(l->get_leaf);
    sqlite3_finalize(l->get_node);
    for (int i = 0; i < l->nstmts; i++) {
        sqlite3_finalize(l->stmts[i].st);
        free(l->stmts[i].sql);
    }
    for (int i = 0; i < l->nindexes; i++)
        if (l->indexes[i].close) l->indexes[i].close(l->indexes[i].ctx);
    sqlite3_close(l->db);
    free(l->path);
    free(l);
}

sqlite3 *kf_ledger_db(kf_ledger *l)
{
    return l->db;
}

static kf_code open_file(const char *path, bool readonly, kf_ledger **out, kf_err *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return kf_fail(err, KF_BAD_INPUT, "no ledger at %s (%s); create one with 'kifu init'", path,
                       strerror(errno));
    kf_ledger *l = ledger_alloc(path);
    if (!l) return kf_fail(err, KF_SYSTEM, "out of memory");
    l->readonly = readonly;
    if (sqlite3_open_v2(path, &l->db, readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE,
                        NULL) != SQLITE_OK) {
        kf_code rc = kf_fail(err, KF_SYSTEM, "cannot open %s: %s", path,
                             l->db ? sqlite3_errmsg(l->db) : "out of memory");
        kf_ledger_close(l);
        return rc;
    }
    sqlite3_busy_timeout(l->db, 60000);
    bool ok;
    int64_t app = lg_pragma_int(l->db, "PRAGMA application_id", &ok);
    if (!ok && sqlite3_errcode(l->db) != SQLITE_NOTADB) {
        kf_code rc = lg_db_fail(l, err, "opening");
        kf_ledger_close(l);
        return rc;
    }
    if (!ok || app != KIFU_APP_ID) {
        kf_ledger_close(l);
        return kf_fail(err, KF_BAD_INPUT, "%s is not a kifu ledger", path);
    }
    int64_t ver = lg_pragma_int(l->db, "PRAGMA user_version", &ok);
    if (!ok || ver != KIFU_SCHEMA_VERSION) {
        kf_ledger_close(l);
        return kf_fail(err, KF_BAD_INPUT, "%s has ledger schema version %lld; this kifu reads %d",
                       path, (long long)ver, KIFU_SCHEMA_VERSION);
    }
    kf_code rc = readonly ? KF_OK : configure(l, err);
    if (!rc && !readonly) rc = lg_head_check(l, err);
    if (rc) {
        kf_ledger_close(l);
        return rc;
    }
    *out = l;
    return KF_OK;
}

kf_code kf_ledger_open(const char *path, kf_ledger **out, kf_err *err)
{
    return open_file(path, false, out, err);
}

kf_code kf_ledger_open_readonly(const char *path, kf_ledger **out, kf_err *err)
{
    return open_file(path, true, out, err);
}

static kf_code genesis_entry(const char *fund, const char *origin, const kf_signer *admin,
                             kf_entry **out, kf_err *err)
{
    if (!fund || !*fund) return kf_fail(err, KF_BAD_INPUT, "the fund needs a name (--fund)");
    if (!origin || !*origin || strchr(origin, '\n') || !kf_utf8_valid(origin))
        return kf_fail(err, KF_BAD_INPUT, "the checkpoint origin must be one non-empty line");
    kf_entry *e;
    kf_code rc = lg_key_entry("genesis", admin->name, admin->pub, "admin", &e, err);
    if (rc) return rc;
    if ((rc = kf_entry_set_str(e, "fund", fund, err)) ||
        (rc = kf_entry_set_str(e, "origin", origin, err)) ||
        (rc = kf_entry_set_str(e, "format", "kifu-ledger-2", err))) {
        kf_entry_free(e);
        return rc;
    }
    *out = e;
    return KF_OK;
}

kf_code kf_ledger_create(const char *path, const char *fund, const char *origin,
                         const kf_signer *admin, kf_ledger **out, kf_err *err)
{
    struct stat sb;
    kf_txn *t = NULL;
    kf_entry *g = NULL;
    kf_code rc;
    if (stat(path, &sb) == 0)
        return kf_fail(err, KF_BAD_INPUT, "%s already exists; refusing to overwrite a ledger",
                       path);
    if ((rc = genesis_entry(fund, origin, admin, &g, err))) return rc;
    kf_ledger *l = ledger_alloc(path);
    if (!l) {
        kf_entry_free(g);
        return kf_fail(err, KF_SYSTEM, "out of memory");
    }
    if (sqlite3_open_v2(path, &l->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE,
                        NULL) != SQLITE_OK) {
        rc = kf_fail(err, KF_SYSTEM, "cannot create %s: %s", path,
                     l->db ? sqlite3_errmsg(l->db) : "out of memory");
        goto out_close;
    }
    if ((rc = configure(l, err))) goto out_unlink;
    if ((rc = lg_txn_start(l, admin, KF_ROLE_ADMIN, &t, err))) goto out_unlink;
    char pragmas[128];
    snprintf(pragmas, sizeof pragmas, "PRAGMA application_id=%d; PRAGMA user_version=%d;",
             KIFU_APP_ID, KIFU_SCHEMA_VERSION);
    if (sqlite3_exec(l->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(l->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
        rc = lg_db_fail(l, err, "creating the schema");
        goto out_abort;
    }
    if ((rc = kf_txn_append(t, g, err))) goto out_abort;
    rc = kf_txn_commit(t, NULL, err);
    t = NULL;
    if (rc) goto out_unlink;
    kf_entry_free(g);
    *out = l;
    return KF_OK;
out_abort:
    kf_txn_abort(t);
out_unlink:
    sqlite3_close(l->db);
    l->db = NULL;
    unlink(path);
    {
        char side[4096];
        snprintf(side, sizeof side, "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", path);
        unlink(side);
    }
out_close:
    kf_entry_free(g);
    kf_ledger_close(l);
    return rc;
}

void kf_ledger_flush_wal(kf_ledger *l)
{
    sqlite3_wal_checkpoint_v2(l->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}
