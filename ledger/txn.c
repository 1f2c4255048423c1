/*
 * The write transaction (kf_txn): at most one per ledger, l->txn.
 *
 *   idle --> BEGIN IMMEDIATE --> appending <--> flushed --> COMMIT --> idle
 *                                    |             |
 *                                    +-------------+------> ROLLBACK --> idle
 *
 *   idle             l->txn is NULL.
 *   BEGIN IMMEDIATE  lg_txn_start: waits for other writers, fixes the commit
 *                    time, sets l->txn. kf_txn_begin then checks the signer
 *                    against the key set and loads the size, the next commit
 *                    id and the Merkle frontier (txn_load; kf_ledger_create
 *                    creates the schema first and loads at its first append).
 *   appending        kf_txn_append: the entry's kind is checked against the
 *                    signer's role (a key entry also against the key set),
 *                    its seq assigned; the entry and the Merkle nodes it
 *                    completes are batched in memory (pend, pnodes) and
 *                    written a batch at a time; each index applies the entry
 *                    and may batch its own rows.
 *   flushed          kf_ledger_flush writes what is batched: the entries, the
 *                    Merkle nodes, then each index's flush. Every read of the
 *                    ledger tables flushes first, and so does the commit.
 *   COMMIT           kf_txn_commit: flush, the root, the signed commit record,
 *                    index_state (lg_index_mark), then COMMIT. t is freed.
 *   ROLLBACK         kf_txn_abort, also on any failure in kf_txn_commit: each
 *                    index drops what it batched (flush with write = false),
 *                    then ROLLBACK. t is freed.
 *
 * SQLite rolled back on its own: after an I/O error, a full disk or running
 * out of memory, SQLite may roll the transaction back by itself, l->txn still
 * set. Every statement after that would run, and commit, on its own (the
 * connection is in autocommit mode again). txn_alive checks for this before
 * every write (kf_txn_append, kf_ledger_flush, so also before the commit):
 * the write fails with KF_SYSTEM and the caller aborts (the ROLLBACK then
 * has nothing to undo).
 */
#include "kifu/ledger.h"
#include "ledger_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

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
    if (t->npend && flush_entries(t) != 0) return lg_db_fail(l, err, "appending entries");
    if (t->npnodes && flush_nodes(t) != 0) return lg_db_fail(l, err, "storing Merkle nodes");
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
    p->idx = lg_node_idx(level, index);
    memcpy(p->hash, h, KF_HASH_LEN);
    return 0;
}

kf_code lg_txn_start(kf_ledger *l, const kf_signer *signer, unsigned role, kf_txn **out,
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
        kf_code rc = lg_db_fail(l, err, "starting a write");
        free(t);
        return rc;
    }
    l->txn = t;
    l->flush_hook = kf_ledger_flush;
    *out = t;
    return KF_OK;
}

static kf_code txn_load(kf_txn *t, kf_err *err)
{
    kf_ledger *l = t->l;
    bool ok;
    t->size = lg_pragma_int(l->db, "SELECT coalesce(max(seq),0) FROM entries", &ok);
    if (!ok) return lg_db_fail(l, err, "reading the size");
    t->commit_id = lg_pragma_int(l->db, "SELECT coalesce(max(id),0)+1 FROM commits", &ok);
    if (!ok) return lg_db_fail(l, err, "reading the commits");
    t->first = t->size + 1;
    if (kf_merkle_frontier_load(&t->frontier, (uint64_t)t->size, lg_ledger_node_reader, l) != 0)
        return lg_tree_fail(l, err,
                            "the Merkle tree of %s is damaged at size %lld (run kifu verify)",
                            l->path, (long long)t->size);
    static const char ins_e[] = "INSERT INTO entries(seq, commit_id, kind, leaf, body) VALUES";
    static const char ins_n[] = "INSERT INTO nodes(idx, hash) VALUES";
    if (!(t->ins_entry = kf_sql_insert_rows(l->db, ins_e, 5, 1)) ||
        !(t->ins_entries = kf_sql_insert_rows(l->db, ins_e, 5, TXN_BATCH)) ||
        !(t->ins_node = kf_sql_insert_rows(l->db, ins_n, 2, 1)) ||
        !(t->ins_nodes = kf_sql_insert_rows(l->db, ins_n, 2, TXN_BATCH)))
        return lg_db_fail(l, err, "preparing a write");
    return KF_OK;
}

kf_code kf_txn_begin(kf_ledger *l, const kf_signer *signer, kf_txn **out, kf_err *err)
{
    kf_txn *t = NULL;
    kf_key_info k;
    kf_hash figures;
    kf_code rc = lg_txn_start(l, signer, 0, &t, err);
    if (rc) return rc;
    /* Nothing is signed over rows that were not checked: the head as it is
     * now that this process holds the write lock, and the derived figures
     * the new commit will build on. */
    if ((rc = lg_head_check(l, err)) || (rc = lg_figures(l, figures, err))) goto out_abort;
    if (memcmp(figures, l->head.figures, KF_HASH_LEN) != 0) {
        rc = kf_fail(err, KF_REFUSED,
                     "%s: the derived figures (table pool_fy) differ from those signed by commit "
                     "%lld; run kifu verify, and kifu reindex (admin) once the cause is found",
                     l->path, (long long)l->head.id);
        goto out_abort;
    }
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

uint32_t kf_txn_actor(const kf_txn *t)
{
    return t->signer.id;
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
        if (strlen(e->kind) < sizeof t->allowed_kind && !lg_is_key_kind(e->kind))
            snprintf(t->allowed_kind, sizeof t->allowed_kind, "%s", e->kind);
    }
    e->magic = KF_ENTRY_MAGIC;
    e->seq = t->size + 1;
    if (lg_is_key_kind(e->kind) && strcmp(e->kind, "genesis") != 0) {
        /* The same checks verification applies: no duplicate name or id,
         * only active keys revoked. */
        kf_key_info *keys;
        size_t n;
        if ((rc = kf_ledger_keys(l, &keys, &n, err))) return rc;
        rc = lg_keys_apply(&keys, &n, e, e->seq, err);
        free(keys);
        if (rc) return rc;
    }
    t->body.len = 0;
    if ((rc = kf_entry_encode(e, &t->body, err))) return rc;
    kf_hash leaf;
    kf_merkle_leaf(t->body.data, t->body.len, leaf);
    if (t->npend == TXN_BATCH && flush_entries(t) != 0)
        return lg_db_fail(l, err, "appending entries");
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
        return lg_db_fail(l, err, "storing Merkle nodes");
    t->size = e->seq;
    kf_row row = {.seq = e->seq, .commit = t->commit_id, .actor = t->signer.id, .entry = e};
    memcpy(row.leaf, leaf, KF_HASH_LEN);
    memcpy(row.time, t->time, sizeof row.time);
    for (int i = 0; i < l->nindexes; i++)
        if ((rc = l->indexes[i].apply(l->indexes[i].ctx, l, &row, err))) return rc;
    return KF_OK;
}

kf_code lg_commit_body(int64_t id, int64_t first, int64_t last, const kf_hash root,
                       const char *time, uint32_t key, const kf_hash figures, kf_buf *out,
                       kf_err *err)
{
    kf_entry *c = kf_entry_new("commit");
    char roothex[65], idhex[9], fighex[65];
    kf_code rc;
    if (!c) return kf_fail(err, KF_SYSTEM, "out of memory");
    c->magic = KF_COMMIT_MAGIC;
    c->seq = id;
    kf_hex(root, KF_HASH_LEN, roothex);
    kf_hex(figures, KF_HASH_LEN, fighex);
    snprintf(idhex, sizeof idhex, "%08x", key);
    if (!(rc = kf_entry_set_str(c, "figures", fighex, err)) &&
        !(rc = kf_entry_set_int(c, "first", first, err)) &&
        !(rc = kf_entry_set_int(c, "last", last, err)) &&
        !(rc = kf_entry_set_int(c, "size", last, err)) &&
        !(rc = kf_entry_set_str(c, "root", roothex, err)) &&
        !(rc = kf_entry_set_str(c, "time", time, err)) &&
        !(rc = kf_entry_set_str(c, "key", idhex, err)))
        rc = kf_entry_encode(c, out, err);
    kf_entry_free(c);
    return rc;
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
    kf_hash figures;
    if ((rc = lg_figures(l, figures, err))) goto out_abort;
    t->body.len = 0;
    if ((rc = lg_commit_body(t->commit_id, t->first, t->size, root, t->time, t->signer.id, figures,
                             &t->body, err)))
        goto out_abort;
    kf_sign(&t->signer, t->body.data, t->body.len, sig);
    if (sqlite3_prepare_v2(l->db, "INSERT INTO commits(id, body, sig) VALUES(?,?,?)", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = lg_db_fail(l, err, "writing the commit");
        goto out_abort;
    }
    sqlite3_bind_int64(st, 1, t->commit_id);
    sqlite3_bind_blob(st, 2, t->body.data, (int)t->body.len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, sig, sizeof sig, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = lg_db_fail(l, err, "writing the commit");
        goto out_abort;
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = lg_index_mark(l, t->size, err))) goto out_abort;
    txn_finalize(t);
    if (sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = lg_db_fail(l, err, "committing");
        goto out_abort;
    }
    if (commit_id) *commit_id = t->commit_id;
    l->head = (kf_commit_info){
        .id = t->commit_id, .first = t->first, .last = t->size, .key = t->signer.id};
    memcpy(l->head.root, root, KF_HASH_LEN);
    memcpy(l->head.time, t->time, sizeof l->head.time);
    memcpy(l->head.figures, figures, KF_HASH_LEN);
    l->have_head = true;
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
