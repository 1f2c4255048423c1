/*
 * SQLite storage of the ledger: schema, open/create, write transactions,
 * reads and proofs. The schema (docs/FORMAT.md §1):
 *
 *   entries(seq PK, commit_id, kind, leaf, body)   body = canonical entry bytes
 *   commits(id PK, body, sig)                       body = canonical commit bytes
 *   nodes(idx PK, hash)                             complete Merkle nodes, level >= 1
 *
 * nodes.idx is the creation order of internal nodes: node (L, n) with L >= 1
 * is created by appending leaf i = ((n+1) << L) - 1, after the i - popcount(i)
 * nodes of the smaller tree, so idx = i - popcount(i) + (L - 1). Leaves
 * (level 0) live in entries.leaf.
 */
#include "kifu/ledger.h"
#include "ledger_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#define KIFU_APP_ID 0x6B696675 /* "kifu" */
#define KIFU_SCHEMA_VERSION 1

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

/* Appends are written to SQLite in batches of TXN_BATCH rows, one
 * multi-row INSERT each: the per-statement cost of SQLite (bind, step,
 * reset, the VDBE preamble) is then paid once per batch. Until a batch is
 * full the rows wait in the transaction; kf_ledger_flush writes them before
 * any read and before the commit. */
#define TXN_BATCH 32

typedef struct {
    int64_t seq;
    size_t kind_off, body_off, body_len; /* in pend_bytes */
    kf_hash leaf;
} pend_entry;

typedef struct {
    int64_t idx;
    kf_hash hash;
} pend_node;

struct kf_txn {
    kf_ledger *l;
    kf_signer signer;
    unsigned role;
    int64_t commit_id;
    int64_t first; /* first seq of this commit */
    int64_t size;  /* entries including this commit's so far */
    kf_merkle_frontier frontier;
    char time[40];                         /* the commit time, fixed when the transaction begins */
    char allowed_kind[32];                 /* the last kind the signer's role was checked for */
    sqlite3_stmt *ins_entry, *ins_node;    /* one row */
    sqlite3_stmt *ins_entries, *ins_nodes; /* TXN_BATCH rows */
    pend_entry pend[TXN_BATCH];            /* appended, not yet written */
    size_t npend;
    kf_buf pend_bytes; /* their kinds and bodies */
    pend_node pnodes[TXN_BATCH];
    size_t npnodes;
    kf_buf body;
};

kf_code kf_db_fail(kf_ledger *l, kf_err *err, const char *what)
{
    return kf_fail(err, KF_SYSTEM, "database error %s (%s): %s", what, l->path,
                   sqlite3_errmsg(l->db));
}

int64_t kf_node_idx(int level, uint64_t n)
{
    uint64_t i = ((n + 1) << level) - 1;
    return (int64_t)(i - (uint64_t)__builtin_popcountll(i) + (uint64_t)(level - 1));
}

kf_code kf_tree_fail(kf_ledger *l, kf_err *err, const char *damaged, ...)
{
    if (l->node_db_error) return kf_db_fail(l, err, "reading the Merkle tree");
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, damaged);
    vsnprintf(msg, sizeof msg, damaged, ap);
    va_end(ap);
    return kf_fail(err, KF_REFUSED, "%s", msg);
}

/* kf_node_reader over the ledger tables. */
int kf_ledger_node_reader(void *ctx, int level, uint64_t index, kf_hash out)
{
    kf_ledger *l = ctx;
    sqlite3_stmt *st;
    l->node_db_error = true; /* until a row is read or found missing */
    if (kf_ledger_flush(l, NULL)) return -1;
    if (level == 0) {
        if (!l->get_leaf && sqlite3_prepare_v2(l->db, "SELECT leaf FROM entries WHERE seq=?", -1,
                                               &l->get_leaf, NULL) != SQLITE_OK)
            return -1;
        st = l->get_leaf;
        sqlite3_bind_int64(st, 1, (int64_t)index + 1);
    } else {
        if (!l->get_node && sqlite3_prepare_v2(l->db, "SELECT hash FROM nodes WHERE idx=?", -1,
                                               &l->get_node, NULL) != SQLITE_OK)
            return -1;
        st = l->get_node;
        sqlite3_bind_int64(st, 1, kf_node_idx(level, index));
    }
    int rc = -1, s = sqlite3_step(st);
    if (s == SQLITE_ROW && sqlite3_column_bytes(st, 0) == KF_HASH_LEN) {
        memcpy(out, sqlite3_column_blob(st, 0), KF_HASH_LEN);
        rc = 0;
    }
    l->node_db_error = s != SQLITE_ROW && s != SQLITE_DONE;
    sqlite3_reset(st);
    return rc;
}

static kf_code configure(kf_ledger *l, kf_err *err)
{
    sqlite3_busy_timeout(l->db, 60000);
    if (sqlite3_exec(l->db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                     /* INSERT OR REPLACE then fires the delete triggers. */
                     " PRAGMA recursive_triggers=ON;",
                     NULL, NULL, NULL) != SQLITE_OK)
        return kf_db_fail(l, err, "setting up");
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
const char *kf_ledger_path(const kf_ledger *l)
{
    return l->path;
}

static int64_t pragma_int(sqlite3 *db, const char *sql, bool *ok)
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

kf_code kf_ledger_open(const char *path, kf_ledger **out, kf_err *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return kf_fail(err, KF_BAD_INPUT, "no ledger at %s (%s); create one with 'kifu init'", path,
                       strerror(errno));
    kf_ledger *l = ledger_alloc(path);
    if (!l) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        kf_code rc = kf_fail(err, KF_SYSTEM, "cannot open %s: %s", path,
                             l->db ? sqlite3_errmsg(l->db) : "out of memory");
        kf_ledger_close(l);
        return rc;
    }
    sqlite3_busy_timeout(l->db, 60000);
    bool ok;
    int64_t app = pragma_int(l->db, "PRAGMA application_id", &ok);
    if (!ok && sqlite3_errcode(l->db) != SQLITE_NOTADB) {
        kf_code rc = kf_db_fail(l, err, "opening");
        kf_ledger_close(l);
        return rc;
    }
    if (!ok || app != KIFU_APP_ID) {
        kf_ledger_close(l);
        return kf_fail(err, KF_BAD_INPUT, "%s is not a kifu ledger", path);
    }
    int64_t ver = pragma_int(l->db, "PRAGMA user_version", &ok);
    if (!ok || ver != KIFU_SCHEMA_VERSION) {
        kf_ledger_close(l);
        return kf_fail(err, KF_BAD_INPUT, "%s has ledger schema version %lld; this kifu reads %d",
                       path, (long long)ver, KIFU_SCHEMA_VERSION);
    }
    kf_code rc = configure(l, err);
    if (rc) {
        kf_ledger_close(l);
        return rc;
    }
    *out = l;
    return KF_OK;
}

static kf_code txn_start(kf_ledger *l, const kf_signer *signer, unsigned role, kf_txn **out,
                         kf_err *err);
static kf_code genesis_entry(const char *fund, const char *origin, const kf_signer *admin,
                             kf_entry **out, kf_err *err);

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
    if ((rc = txn_start(l, admin, KF_ROLE_ADMIN, &t, err))) goto out_unlink;
    char pragmas[128];
    snprintf(pragmas, sizeof pragmas, "PRAGMA application_id=%d; PRAGMA user_version=%d;",
             KIFU_APP_ID, KIFU_SCHEMA_VERSION);
    if (sqlite3_exec(l->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(l->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
        rc = kf_db_fail(l, err, "creating the schema");
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

static kf_code set_key_fields(kf_entry *e, const char *name, const uint8_t pub[32], uint32_t id,
                              const char *role, kf_err *err)
{
    char b64[64], idhex[9];
    kf_b64(pub, 32, b64, sizeof b64);
    snprintf(idhex, sizeof idhex, "%08x", id);
    kf_code rc;
    if ((rc = kf_entry_set_str(e, "name", name, err)) ||
        (rc = kf_entry_set_str(e, "public", b64, err)) ||
        (rc = kf_entry_set_str(e, "id", idhex, err)) ||
        (rc = kf_entry_set_str(e, "role", role, err)))
        return rc;
    return KF_OK;
}

kf_code kf_key_entry(const char *kind, const char *name, const uint8_t pub[32], const char *role,
                     kf_entry **out, kf_err *err)
{
    kf_entry *e = kf_entry_new(kind);
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    kf_code rc = set_key_fields(e, name, pub, kf_key_id(name, pub), role, err);
    if (rc) {
        kf_entry_free(e);
        return rc;
    }
    *out = e;
    return KF_OK;
}

kf_code kf_key_add_entry(const char *name, const uint8_t pub[32], unsigned role,
                         const char *affiliation, kf_entry **out, kf_err *err)
{
    if (!kf_key_name_valid(name))
        return kf_fail(err, KF_BAD_INPUT, "key name '%s' must be 1-64 bytes without spaces or '+'",
                       name);
    if (strcmp(kf_role_name(role), "?") == 0)
        return kf_fail(err, KF_BAD_INPUT, "a key has exactly one role");
    kf_entry *e;
    kf_code rc = kf_key_entry("key.add", name, pub, kf_role_name(role), &e, err);
    if (rc) return rc;
    if (affiliation && *affiliation &&
        (rc = kf_entry_set_str(e, "affiliation", affiliation, err))) {
        kf_entry_free(e);
        return rc;
    }
    *out = e;
    return KF_OK;
}

kf_code kf_key_revoke_entry(uint32_t id, kf_entry **out, kf_err *err)
{
    char idhex[9];
    kf_entry *e = kf_entry_new("key.revoke");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    snprintf(idhex, sizeof idhex, "%08x", id);
    kf_code rc = kf_entry_set_str(e, "id", idhex, err);
    if (rc) {
        kf_entry_free(e);
        return rc;
    }
    *out = e;
    return KF_OK;
}

static kf_code genesis_entry(const char *fund, const char *origin, const kf_signer *admin,
                             kf_entry **out, kf_err *err)
{
    if (!fund || !*fund) return kf_fail(err, KF_BAD_INPUT, "the fund needs a name (--fund)");
    if (!origin || !*origin || strchr(origin, '\n') || !kf_utf8_valid(origin))
        return kf_fail(err, KF_BAD_INPUT, "the checkpoint origin must be one non-empty line");
    kf_entry *e;
    kf_code rc = kf_key_entry("genesis", admin->name, admin->pub, "admin", &e, err);
    if (rc) return rc;
    if ((rc = kf_entry_set_str(e, "fund", fund, err)) ||
        (rc = kf_entry_set_str(e, "origin", origin, err)) ||
        (rc = kf_entry_set_str(e, "format", "kifu-ledger-1", err))) {
        kf_entry_free(e);
        return rc;
    }
    *out = e;
    return KF_OK;
}

/* --- keys --------------------------------------------------------------- */

kf_code kf_key_from_entry(const kf_entry *e, int64_t seq, kf_key_info *k, kf_err *err)
{
    const char *name = kf_entry_str(e, "name"), *pub = kf_entry_str(e, "public");
    const char *role = kf_entry_str(e, "role"), *aff = kf_entry_str(e, "affiliation");
    const char *idhex = kf_entry_str(e, "id");
    size_t n;
    memset(k, 0, sizeof *k);
    if (!name || !pub || !role || !idhex || !kf_key_name_valid(name) ||
        !kf_unb64(pub, k->pub, sizeof k->pub, &n) || n != 32 || !(k->role = kf_role_parse(role)))
        return kf_fail(err, KF_REFUSED, "seq %lld: %s entry has a bad name, public key or role",
                       (long long)seq, e->kind);
    snprintf(k->name, sizeof k->name, "%s", name);
    k->id = kf_key_id(name, k->pub);
    char want[9];
    snprintf(want, sizeof want, "%08x", k->id);
    if (strcmp(want, idhex) != 0)
        return kf_fail(err, KF_REFUSED, "seq %lld: key id %s does not match its name and key",
                       (long long)seq, idhex);
    if (aff) snprintf(k->affiliation, sizeof k->affiliation, "%s", aff);
    k->added_seq = seq;
    return KF_OK;
}

/* Applies a genesis/key.add/key.revoke entry to a key list. */
kf_code kf_keys_apply(kf_key_info **keys, size_t *n, const kf_entry *e, int64_t seq, kf_err *err)
{
    if (strcmp(e->kind, "key.revoke") == 0) {
        const char *idhex = kf_entry_str(e, "id");
        for (size_t i = 0; idhex && i < *n; i++) {
            char h[9];
            snprintf(h, sizeof h, "%08x", (*keys)[i].id);
            if (strcmp(h, idhex) == 0 && !(*keys)[i].revoked_seq) {
                (*keys)[i].revoked_seq = seq;
                return KF_OK;
            }
        }
        return kf_fail(err, KF_REFUSED, "seq %lld: revokes key %s which is not an active key",
                       (long long)seq, idhex ? idhex : "(none)");
    }
    kf_key_info k;
    kf_code rc = kf_key_from_entry(e, seq, &k, err);
    if (rc) return rc;
    for (size_t i = 0; i < *n; i++)
        if ((*keys)[i].id == k.id || strcmp((*keys)[i].name, k.name) == 0)
            return kf_fail(err, KF_REFUSED, "seq %lld: key %s (%08x) is already in the ledger",
                           (long long)seq, k.name, k.id);
    kf_key_info *grown = realloc(*keys, (*n + 1) * sizeof **keys);
    if (!grown) return kf_fail(err, KF_SYSTEM, "out of memory");
    *keys = grown;
    (*keys)[(*n)++] = k;
    return KF_OK;
}

/* Decodes the body of a stored entry: bytes that do not decode are a
 * damaged ledger (refused, see kifu verify); running out of memory is not. */
static kf_code stored_entry(const void *body, size_t len, int64_t seq, kf_entry **out, kf_err *err)
{
    kf_err why = {0};
    kf_code rc = kf_entry_decode(body, len, KF_ENTRY_MAGIC, out, &why);
    if (rc == KF_SYSTEM) return kf_fail(err, KF_SYSTEM, "%s", why.msg);
    if (rc)
        return kf_fail(err, KF_REFUSED, "seq %lld: entry is corrupt (run kifu verify)",
                       (long long)seq);
    return KF_OK;
}

kf_code kf_ledger_keys(kf_ledger *l, kf_key_info **keys, size_t *n, kf_err *err)
{
    sqlite3_stmt *st;
    kf_code rc = KF_OK;
    *keys = NULL;
    *n = 0;
    if ((rc = kf_ledger_flush(l, err))) return rc;
    if (sqlite3_prepare_v2(l->db,
                           "SELECT seq, body FROM entries WHERE kind <> 'donation' AND kind IN "
                           "('genesis','key.add','key.revoke') ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return kf_db_fail(l, err, "reading keys");
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        kf_entry *e;
        int64_t seq = sqlite3_column_int64(st, 0);
        if ((rc = stored_entry(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), seq,
                               &e, err)))
            break;
        rc = kf_keys_apply(keys, n, e, seq, err);
        kf_entry_free(e);
        if (rc) break;
    }
    if (!rc && s != SQLITE_DONE) rc = kf_db_fail(l, err, "reading keys");
    sqlite3_finalize(st);
    if (rc) {
        free(*keys);
        *keys = NULL;
        *n = 0;
    }
    return rc;
}

kf_code kf_ledger_key(kf_ledger *l, uint32_t id, kf_key_info *out, kf_err *err)
{
    kf_key_info *keys;
    size_t n;
    kf_code rc = kf_ledger_keys(l, &keys, &n, err);
    if (rc) return rc;
    rc = kf_fail(err, KF_REFUSED, "no key %08x in the ledger", id);
    for (size_t i = 0; i < n; i++)
        if (keys[i].id == id) {
            *out = keys[i];
            rc = KF_OK;
            if (err) err->code = KF_OK;
        }
    free(keys);
    return rc;
}

kf_code kf_ledger_get_info(kf_ledger *l, kf_ledger_info *out, kf_err *err)
{
    kf_entry *g;
    memset(out, 0, sizeof *out);
    kf_code rc = kf_ledger_entry(l, 1, &g, err); /* flushes */
    if (rc) return rc;
    const char *fund = kf_entry_str(g, "fund"), *origin = kf_entry_str(g, "origin");
    snprintf(out->fund, sizeof out->fund, "%s", fund ? fund : "");
    snprintf(out->origin, sizeof out->origin, "%s", origin ? origin : "");
    kf_entry_free(g);
    bool ok;
    out->size = pragma_int(l->db, "SELECT coalesce(max(seq),0) FROM entries", &ok);
    if (!ok) return kf_db_fail(l, err, "reading the size");
    out->commits = pragma_int(l->db, "SELECT coalesce(max(id),0) FROM commits", &ok);
    if (!ok) return kf_db_fail(l, err, "reading the commits");
    return KF_OK;
}

/* --- writing ------------------------------------------------------------ */

static int flush_nodes(kf_txn *t)
{
    size_t i = 0;
    if (t->npnodes == TXN_BATCH) {
        for (int j = 0; j < TXN_BATCH; j++) {
            sqlite3_bind_int64(t->ins_nodes, 2 * j + 1, t->pnodes[j].idx);
            sqlite3_bind_blob(t->ins_nodes, 2 * j + 2, t->pnodes[j].hash, KF_HASH_LEN,
                              SQLITE_STATIC);
        }
        int rc = sqlite3_step(t->ins_nodes);
        sqlite3_reset(t->ins_nodes);
        if (rc != SQLITE_DONE) return -1;
        i = TXN_BATCH;
    }
    for (; i < t->npnodes; i++) {
        sqlite3_bind_int64(t->ins_node, 1, t->pnodes[i].idx);
        sqlite3_bind_blob(t->ins_node, 2, t->pnodes[i].hash, KF_HASH_LEN, SQLITE_STATIC);
        int rc = sqlite3_step(t->ins_node);
        sqlite3_reset(t->ins_node);
        if (rc != SQLITE_DONE) return -1;
    }
    t->npnodes = 0;
    return 0;
}

static void bind_entry(sqlite3_stmt *st, int col, const kf_txn *t, const pend_entry *p)
{
    sqlite3_bind_int64(st, col + 1, p->seq);
    sqlite3_bind_int64(st, col + 2, t->commit_id);
    sqlite3_bind_text(st, col + 3, t->pend_bytes.data + p->kind_off, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, col + 4, p->leaf, KF_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, col + 5, t->pend_bytes.data + p->body_off, (int)p->body_len,
                      SQLITE_STATIC);
}

static int flush_entries(kf_txn *t)
{
    size_t i = 0;
    if (t->npend == TXN_BATCH) {
        for (int j = 0; j < TXN_BATCH; j++)
            bind_entry(t->ins_entries, 5 * j, t, &t->pend[j]);
        int rc = sqlite3_step(t->ins_entries);
        sqlite3_reset(t->ins_entries);
        if (rc != SQLITE_DONE) return -1;
        i = TXN_BATCH;
    }
    for (; i < t->npend; i++) {
        bind_entry(t->ins_entry, 0, t, &t->pend[i]);
        int rc = sqlite3_step(t->ins_entry);
        sqlite3_reset(t->ins_entry);
        if (rc != SQLITE_DONE) return -1;
    }
    t->npend = 0;
    t->pend_bytes.len = 0;
    return 0;
}

/* SQLite rolls a transaction back by itself after some errors (I/O, disk
 * full, out of memory). Every statement after that would run, and commit,
 * on its own: a write checks that its transaction is still open first. */
static kf_code txn_alive(kf_ledger *l, kf_err *err)
{
    if (!sqlite3_get_autocommit(l->db)) return KF_OK;
    return kf_fail(err, KF_SYSTEM,
                   "database error: SQLite rolled the write back after an earlier error (%s)",
                   l->path);
}

kf_code kf_ledger_flush(kf_ledger *l, kf_err *err)
{
    kf_txn *t = l->txn;
    kf_code rc;
    if (!t) return KF_OK;
    if ((rc = txn_alive(l, err))) return rc;
    if (t->npend && flush_entries(t) != 0) return kf_db_fail(l, err, "appending entries");
    if (t->npnodes && flush_nodes(t) != 0) return kf_db_fail(l, err, "storing Merkle nodes");
    for (int i = 0; i < l->nindexes; i++)
        if (l->indexes[i].flush && (rc = l->indexes[i].flush(l->indexes[i].ctx, l, true, err)))
            return rc;
    return KF_OK;
}

static int write_node(void *ctx, int level, uint64_t index, const kf_hash h)
{
    kf_txn *t = ctx;
    if (t->npnodes == TXN_BATCH && flush_nodes(t) != 0) return -1;
    pend_node *p = &t->pnodes[t->npnodes++];
    p->idx = kf_node_idx(level, index);
    memcpy(p->hash, h, KF_HASH_LEN);
    return 0;
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

static kf_code txn_start(kf_ledger *l, const kf_signer *signer, unsigned role, kf_txn **out,
                         kf_err *err)
{
    kf_txn *t = calloc(1, sizeof *t);
    if (!t) return kf_fail(err, KF_SYSTEM, "out of memory");
    t->l = l;
    t->signer = *signer;
    t->role = role;
    if (!kf_now(t->time, err)) {
        free(t);
        return err ? err->code : KF_BAD_INPUT;
    }
    if (sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        kf_code rc = kf_db_fail(l, err, "starting a write");
        free(t);
        return rc;
    }
    l->txn = t;
    *out = t;
    return KF_OK;
}

static kf_code txn_load(kf_txn *t, kf_err *err)
{
    kf_ledger *l = t->l;
    bool ok;
    t->size = pragma_int(l->db, "SELECT coalesce(max(seq),0) FROM entries", &ok);
    if (!ok) return kf_db_fail(l, err, "reading the size");
    t->commit_id = pragma_int(l->db, "SELECT coalesce(max(id),0)+1 FROM commits", &ok);
    if (!ok) return kf_db_fail(l, err, "reading the commits");
    t->first = t->size + 1;
    if (kf_merkle_frontier_load(&t->frontier, (uint64_t)t->size, kf_ledger_node_reader, l) != 0)
        return kf_tree_fail(l, err,
                            "the Merkle tree of %s is damaged at size %lld (run kifu verify)",
                            l->path, (long long)t->size);
    static const char ins_e[] = "INSERT INTO entries(seq, commit_id, kind, leaf, body) VALUES";
    static const char ins_n[] = "INSERT INTO nodes(idx, hash) VALUES";
    if (!(t->ins_entry = kf_sql_insert_rows(l->db, ins_e, 5, 1)) ||
        !(t->ins_entries = kf_sql_insert_rows(l->db, ins_e, 5, TXN_BATCH)) ||
        !(t->ins_node = kf_sql_insert_rows(l->db, ins_n, 2, 1)) ||
        !(t->ins_nodes = kf_sql_insert_rows(l->db, ins_n, 2, TXN_BATCH)))
        return kf_db_fail(l, err, "preparing a write");
    return KF_OK;
}

kf_code kf_txn_begin(kf_ledger *l, const kf_signer *signer, kf_txn **out, kf_err *err)
{
    kf_txn *t = NULL;
    kf_key_info k;
    kf_code rc = txn_start(l, signer, 0, &t, err);
    if (rc) return rc;
    if ((rc = kf_ledger_key(l, signer->id, &k, err))) {
        if (rc != KF_SYSTEM)
            rc = kf_fail(err, KF_REFUSED, "key %s (%08x) is not a key of this ledger", signer->name,
                         signer->id);
        goto out_abort;
    }
    if (memcmp(k.pub, signer->pub, 32) != 0 || strcmp(k.name, signer->name) != 0) {
        rc = kf_fail(err, KF_REFUSED, "key %s (%08x) does not match the ledger's key", signer->name,
                     signer->id);
        goto out_abort;
    }
    if (k.revoked_seq) {
        rc = kf_fail(err, KF_REFUSED, "key %s (%08x) was revoked at seq %lld", k.name, k.id,
                     (long long)k.revoked_seq);
        goto out_abort;
    }
    t->role = k.role;
    if ((rc = txn_load(t, err))) goto out_abort;
    *out = t;
    return KF_OK;
out_abort:
    kf_txn_abort(t);
    return rc;
}

kf_ledger *kf_txn_ledger(kf_txn *t)
{
    return t->l;
}
int64_t kf_txn_size(const kf_txn *t)
{
    return t->size;
}

kf_code kf_txn_append(kf_txn *t, kf_entry *e, kf_err *err)
{
    kf_ledger *l = t->l;
    kf_code rc;
    if ((rc = txn_alive(l, err))) return rc;
    if (!t->ins_entry && (rc = txn_load(t, err))) return rc; /* genesis path */
    /* An import appends a million entries of one kind: check its role once. */
    if (strcmp(e->kind, t->allowed_kind) != 0) {
        if (!kf_role_may_write(t->role, e->kind)) {
            if (!kf_kind_roles(e->kind))
                return kf_fail(err, KF_BAD_INPUT, "unknown entry kind '%s'", e->kind);
            return kf_fail(err, KF_REFUSED, "key %s has role %s, which may not write %s entries",
                           t->signer.name, kf_role_name(t->role), e->kind);
        }
        if (strcmp(e->kind, "genesis") == 0 && t->size != 0)
            return kf_fail(err, KF_REFUSED, "a genesis entry can only be seq 1");
        if (strlen(e->kind) < sizeof t->allowed_kind && !kf_is_key_kind(e->kind))
            snprintf(t->allowed_kind, sizeof t->allowed_kind, "%s", e->kind);
    }
    e->magic = KF_ENTRY_MAGIC;
    e->seq = t->size + 1;
    if (kf_is_key_kind(e->kind) && strcmp(e->kind, "genesis") != 0) {
        /* The same checks verification applies: no duplicate name or id,
         * only active keys revoked. */
        kf_key_info *keys;
        size_t n;
        if ((rc = kf_ledger_keys(l, &keys, &n, err))) return rc;
        rc = kf_keys_apply(&keys, &n, e, e->seq, err);
        free(keys);
        if (rc) return rc;
    }
    t->body.len = 0;
    if ((rc = kf_entry_encode(e, &t->body, err))) return rc;
    kf_hash leaf;
    kf_merkle_leaf(t->body.data, t->body.len, leaf);
    if (t->npend == TXN_BATCH && flush_entries(t) != 0)
        return kf_db_fail(l, err, "appending entries");
    pend_entry *p = &t->pend[t->npend];
    p->seq = e->seq;
    p->kind_off = t->pend_bytes.len;
    p->body_len = t->body.len;
    memcpy(p->leaf, leaf, KF_HASH_LEN);
    if (!kf_buf_put(&t->pend_bytes, e->kind, strlen(e->kind) + 1))
        return kf_fail(err, KF_SYSTEM, "out of memory");
    p->body_off = t->pend_bytes.len;
    if (!kf_buf_put(&t->pend_bytes, t->body.data, t->body.len))
        return kf_fail(err, KF_SYSTEM, "out of memory");
    t->npend++;
    if (kf_merkle_frontier_append(&t->frontier, leaf, write_node, t) != 0)
        return kf_db_fail(l, err, "storing Merkle nodes");
    t->size = e->seq;
    kf_row row = {.seq = e->seq, .commit = t->commit_id, .actor = t->signer.id, .entry = e};
    memcpy(row.leaf, leaf, KF_HASH_LEN);
    memcpy(row.time, t->time, sizeof row.time);
    for (int i = 0; i < l->nindexes; i++)
        if ((rc = l->indexes[i].apply(l->indexes[i].ctx, l, &row, err))) return rc;
    return KF_OK;
}

kf_code kf_commit_body(int64_t id, int64_t first, int64_t last, const kf_hash root,
                       const char *time, uint32_t key, kf_buf *out, kf_err *err)
{
    kf_entry *c = kf_entry_new("commit");
    char roothex[65], idhex[9];
    kf_code rc;
    if (!c) return kf_fail(err, KF_SYSTEM, "out of memory");
    c->magic = KF_COMMIT_MAGIC;
    c->seq = id;
    kf_hex(root, KF_HASH_LEN, roothex);
    snprintf(idhex, sizeof idhex, "%08x", key);
    if (!(rc = kf_entry_set_int(c, "first", first, err)) &&
        !(rc = kf_entry_set_int(c, "last", last, err)) &&
        !(rc = kf_entry_set_int(c, "size", last, err)) &&
        !(rc = kf_entry_set_str(c, "root", roothex, err)) &&
        !(rc = kf_entry_set_str(c, "time", time, err)) &&
        !(rc = kf_entry_set_str(c, "key", idhex, err)))
        rc = kf_entry_encode(c, out, err);
    kf_entry_free(c);
    return rc;
}

/* --- derived indexes ------------------------------------------------------ */

static kf_code index_state_table(kf_ledger *l, kf_err *err)
{
    if (sqlite3_exec(l->db,
                     "CREATE TABLE IF NOT EXISTS index_state(name TEXT PRIMARY KEY, "
                     "version INTEGER NOT NULL, seq INTEGER NOT NULL) STRICT",
                     NULL, NULL, NULL) != SQLITE_OK)
        return kf_db_fail(l, err, "creating index_state");
    return KF_OK;
}

/* Records that every registered index covers entries up to seq. */
static kf_code index_mark(kf_ledger *l, int64_t seq, kf_err *err)
{
    sqlite3_stmt *st;
    if (l->nindexes == 0) return KF_OK;
    if (sqlite3_prepare_v2(l->db,
                           "INSERT INTO index_state(name, version, seq) VALUES(?,?,?) "
                           "ON CONFLICT(name) DO UPDATE SET version=excluded.version, "
                           "seq=excluded.seq",
                           -1, &st, NULL) != SQLITE_OK)
        return kf_db_fail(l, err, "updating index_state");
    for (int i = 0; i < l->nindexes; i++) {
        sqlite3_bind_text(st, 1, l->indexes[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, l->indexes[i].version);
        sqlite3_bind_int64(st, 3, seq);
        int s = sqlite3_step(st);
        sqlite3_reset(st);
        if (s != SQLITE_DONE) {
            sqlite3_finalize(st);
            return kf_db_fail(l, err, "updating index_state");
        }
    }
    sqlite3_finalize(st);
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
        return kf_db_fail(l, err, "reading index_state");
    sqlite3_bind_text(st, 1, ix->name, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        version = sqlite3_column_int64(st, 0);
        from = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE) return kf_db_fail(l, err, "reading index_state");
    bool ok;
    int64_t size = pragma_int(l->db, "SELECT coalesce(max(seq),0) FROM entries", &ok);
    if (!ok) return kf_db_fail(l, err, "reading the size");
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

static kf_code index_sync(kf_ledger *l, int first, bool rebuild, kf_err *err)
{
    kf_code rc;
    bool ok;
    if (sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return kf_db_fail(l, err, "starting to index");
    if ((rc = index_state_table(l, err))) goto out_rollback;
    for (int i = first; i < l->nindexes; i++)
        if ((rc = index_catch_up(l, &l->indexes[i], rebuild, err))) goto out_rollback;
    int64_t size = pragma_int(l->db, "SELECT coalesce(max(seq),0) FROM entries", &ok);
    if (!ok) {
        rc = kf_db_fail(l, err, "reading the size");
        goto out_rollback;
    }
    for (int i = 0; i < l->nindexes; i++)
        if (l->indexes[i].flush && (rc = l->indexes[i].flush(l->indexes[i].ctx, l, true, err)))
            goto out_rollback;
    if ((rc = index_mark(l, size, err))) goto out_rollback;
    if (sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = kf_db_fail(l, err, "committing the index");
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

static void txn_finalize(kf_txn *t)
{
    sqlite3_finalize(t->ins_entry);
    sqlite3_finalize(t->ins_node);
    sqlite3_finalize(t->ins_entries);
    sqlite3_finalize(t->ins_nodes);
    t->ins_entry = t->ins_node = t->ins_entries = t->ins_nodes = NULL;
}

static void txn_free(kf_txn *t)
{
    t->l->txn = NULL;
    kf_buf_free(&t->body);
    kf_buf_free(&t->pend_bytes);
    sodium_memzero(&t->signer, sizeof t->signer);
    free(t);
}

kf_code kf_txn_commit(kf_txn *t, int64_t *commit_id, kf_err *err)
{
    kf_ledger *l = t->l;
    kf_code rc;
    kf_hash root;
    uint8_t sig[64];
    sqlite3_stmt *st = NULL;
    if (t->size < t->first) {
        rc = kf_fail(err, KF_BAD_INPUT, "nothing to commit");
        goto out_abort;
    }
    if ((rc = kf_ledger_flush(l, err))) goto out_abort;
    kf_merkle_frontier_root(&t->frontier, root);
    t->body.len = 0;
    if ((rc = kf_commit_body(t->commit_id, t->first, t->size, root, t->time, t->signer.id, &t->body,
                             err)))
        goto out_abort;
    kf_sign(&t->signer, t->body.data, t->body.len, sig);
    if (sqlite3_prepare_v2(l->db, "INSERT INTO commits(id, body, sig) VALUES(?,?,?)", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = kf_db_fail(l, err, "writing the commit");
        goto out_abort;
    }
    sqlite3_bind_int64(st, 1, t->commit_id);
    sqlite3_bind_blob(st, 2, t->body.data, (int)t->body.len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, sig, sizeof sig, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = kf_db_fail(l, err, "writing the commit");
        goto out_abort;
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = index_mark(l, t->size, err))) goto out_abort;
    txn_finalize(t);
    if (sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = kf_db_fail(l, err, "committing");
        goto out_abort;
    }
    if (commit_id) *commit_id = t->commit_id;
    txn_free(t);
    return KF_OK;
out_abort:
    sqlite3_finalize(st);
    kf_txn_abort(t);
    return rc;
}

void kf_txn_abort(kf_txn *t)
{
    if (!t) return;
    for (int i = 0; i < t->l->nindexes; i++)
        if (t->l->indexes[i].flush) t->l->indexes[i].flush(t->l->indexes[i].ctx, t->l, false, NULL);
    txn_finalize(t);
    sqlite3_exec(t->l->db, "ROLLBACK", NULL, NULL, NULL);
    txn_free(t);
}

/* --- reading ------------------------------------------------------------ */

kf_code kf_commit_parse(const void *body, size_t len, kf_commit_rec *c, kf_err *err)
{
    kf_entry *e;
    kf_code rc = kf_entry_decode(body, len, KF_COMMIT_MAGIC, &e, err);
    if (rc) return rc;
    const char *root = kf_entry_str(e, "root"), *time = kf_entry_str(e, "time");
    const char *key = kf_entry_str(e, "key");
    uint8_t kb[4];
    memset(c, 0, sizeof *c);
    c->id = e->seq;
    if (strcmp(e->kind, "commit") != 0 || !kf_entry_int(e, "first", &c->first) ||
        !kf_entry_int(e, "last", &c->last) || !kf_entry_int(e, "size", &c->size) || !root ||
        !kf_unhex(root, c->root, KF_HASH_LEN) || !time || strlen(time) >= sizeof c->time ||
        !kf_valid_rfc3339(time) || !key || !kf_unhex(key, kb, 4) || e->nfields != 6) {
        kf_entry_free(e);
        return kf_fail(err, KF_BAD_INPUT, "commit record is missing or has bad fields");
    }
    snprintf(c->time, sizeof c->time, "%s", time);
    c->key = (uint32_t)kb[0] << 24 | (uint32_t)kb[1] << 16 | (uint32_t)kb[2] << 8 | kb[3];
    kf_entry_free(e);
    return KF_OK;
}

kf_code kf_ledger_scan(kf_ledger *l, int64_t since, const char *kind, kf_row_fn fn, void *ctx,
                       kf_err *err)
{
    sqlite3_stmt *st;
    kf_code rc = KF_OK;
    /* "kind <> 'donation'" lets SQLite use the partial index entries_kind. */
    const char *sql = !kind ? "SELECT e.seq, e.commit_id, e.leaf, e.body, c.body FROM entries e "
                              "LEFT JOIN commits c ON c.id = e.commit_id "
                              "WHERE e.seq >= ?1 ORDER BY e.seq"
                      : strcmp(kind, "donation") == 0
                          ? "SELECT e.seq, e.commit_id, e.leaf, e.body, c.body FROM entries e "
                            "LEFT JOIN commits c ON c.id = e.commit_id "
                            "WHERE e.kind = ?2 AND e.seq >= ?1 ORDER BY e.seq"
                          : "SELECT e.seq, e.commit_id, e.leaf, e.body, c.body FROM entries e "
                            "LEFT JOIN commits c ON c.id = e.commit_id "
                            "WHERE e.kind = ?2 AND e.kind <> 'donation' AND e.seq >= ?1 "
                            "ORDER BY e.seq";
    if ((rc = kf_ledger_flush(l, err))) return rc;
    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
        return kf_db_fail(l, err, "reading entries");
    sqlite3_bind_int64(st, 1, since);
    if (kind) sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    kf_commit_rec commit = {0};
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        kf_row row = {0};
        kf_entry *e;
        row.seq = sqlite3_column_int64(st, 0);
        row.commit = sqlite3_column_int64(st, 1);
        if (sqlite3_column_bytes(st, 2) == KF_HASH_LEN)
            memcpy(row.leaf, sqlite3_column_blob(st, 2), KF_HASH_LEN);
        if ((rc = stored_entry(sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3),
                               row.seq, &e, err)))
            break;
        if (commit.id != row.commit && sqlite3_column_type(st, 4) == SQLITE_BLOB) {
            kf_err why = {0};
            kf_code prc = kf_commit_parse(sqlite3_column_blob(st, 4),
                                          (size_t)sqlite3_column_bytes(st, 4), &commit, &why);
            if (prc == KF_SYSTEM) {
                kf_entry_free(e);
                rc = kf_fail(err, KF_SYSTEM, "%s", why.msg);
                break;
            }
            if (prc) memset(&commit, 0, sizeof commit); /* verify names a bad commit */
        }
        if (commit.id == row.commit) {
            snprintf(row.time, sizeof row.time, "%s", commit.time);
            row.actor = commit.key;
        }
        row.entry = e;
        int stop = fn(ctx, &row);
        kf_entry_free(e);
        if (stop) {
            rc = (kf_code)stop;
            break;
        }
    }
    if (!rc && s != SQLITE_DONE) rc = kf_db_fail(l, err, "reading entries");
    sqlite3_finalize(st);
    return rc;
}

kf_code kf_ledger_entry(kf_ledger *l, int64_t seq, kf_entry **out, kf_err *err)
{
    sqlite3_stmt *st;
    kf_code rc;
    if ((rc = kf_ledger_flush(l, err))) return rc;
    if (sqlite3_prepare_v2(l->db, "SELECT body FROM entries WHERE seq=?", -1, &st, NULL) !=
        SQLITE_OK)
        return kf_db_fail(l, err, "reading an entry");
    sqlite3_bind_int64(st, 1, seq);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        rc = stored_entry(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), seq, out,
                          err);
    } else if (s == SQLITE_DONE) {
        rc = kf_fail(err, KF_REFUSED, "no entry with seq %lld", (long long)seq);
    } else {
        rc = kf_db_fail(l, err, "reading an entry");
    }
    sqlite3_finalize(st);
    return rc;
}

/* --- proofs ------------------------------------------------------------- */

static kf_code current_size(kf_ledger *l, int64_t *size, kf_err *err)
{
    bool ok;
    kf_code rc = kf_ledger_flush(l, err);
    if (rc) return rc;
    *size = pragma_int(l->db, "SELECT coalesce(max(seq),0) FROM entries", &ok);
    if (!ok) return kf_db_fail(l, err, "reading the size");
    return KF_OK;
}

static kf_code check_size(kf_ledger *l, int64_t *size, kf_err *err)
{
    int64_t cur;
    kf_code rc = current_size(l, &cur, err);
    if (rc) return rc;
    if (*size == 0) *size = cur;
    if (*size < 1 || *size > cur)
        return kf_fail(err, KF_BAD_INPUT, "size %lld is outside the ledger (1..%lld)",
                       (long long)*size, (long long)cur);
    return KF_OK;
}

kf_code kf_ledger_root(kf_ledger *l, int64_t size, kf_hash root, kf_err *err)
{
    kf_code rc = check_size(l, &size, err);
    if (rc) return rc;
    if (kf_merkle_root((uint64_t)size, kf_ledger_node_reader, l, root) != 0)
        return kf_tree_fail(l, err, "the Merkle tree is damaged at size %lld (run kifu verify)",
                            (long long)size);
    return KF_OK;
}

kf_code kf_ledger_leaf(kf_ledger *l, int64_t seq, kf_hash leaf, kf_err *err)
{
    if (seq < 1) return kf_fail(err, KF_REFUSED, "no entry with seq %lld", (long long)seq);
    if (kf_ledger_node_reader(l, 0, (uint64_t)seq - 1, leaf) != 0)
        return kf_tree_fail(l, err, "no entry with seq %lld", (long long)seq);
    return KF_OK;
}

kf_code kf_ledger_prove_inclusion(kf_ledger *l, int64_t seq, int64_t size,
                                  kf_hash path[KF_PROOF_MAX], size_t *n, kf_err *err)
{
    kf_code rc = check_size(l, &size, err);
    if (rc) return rc;
    if (seq < 1 || seq > size)
        return kf_fail(err, KF_BAD_INPUT, "seq %lld is not in a tree of size %lld", (long long)seq,
                       (long long)size);
    if (kf_merkle_prove_inclusion((uint64_t)seq - 1, (uint64_t)size, kf_ledger_node_reader, l, path,
                                  n) != 0)
        return kf_tree_fail(l, err, "the Merkle tree is damaged (run kifu verify)");
    return KF_OK;
}

kf_code kf_ledger_prove_consistency(kf_ledger *l, int64_t from, int64_t size,
                                    kf_hash path[KF_PROOF_MAX], size_t *n, kf_err *err)
{
    kf_code rc = check_size(l, &size, err);
    if (rc) return rc;
    if (from < 1 || from > size)
        return kf_fail(err, KF_BAD_INPUT, "--from %lld must be between 1 and the size %lld",
                       (long long)from, (long long)size);
    if (kf_merkle_prove_consistency((uint64_t)from, (uint64_t)size, kf_ledger_node_reader, l, path,
                                    n) != 0)
        return kf_tree_fail(l, err, "the Merkle tree is damaged (run kifu verify)");
    return KF_OK;
}

void kf_ledger_flush_wal(kf_ledger *l)
{
    sqlite3_wal_checkpoint_v2(l->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
}

uint32_t kf_txn_actor(const kf_txn *t)
{
    return t->signer.id;
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
