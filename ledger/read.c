/*
 * Reading the ledger: entries (scan, one entry, the ledger's info), commit
 * records, the Merkle tree (the node reader, root, leaf, inclusion and
 * consistency proofs) and the cache of prepared statements (kf_ledger_stmt).
 * A read of the ledger tables first flushes the open write transaction, if
 * any (kf_ledger_flush, txn.c), so that it sees the rows still batched in
 * memory.
 */
#include "kifu/ledger.h"
#include "ledger_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* nodes.idx of node (level, n), level >= 1: see the schema in open.c. */
int64_t lg_node_idx(int level, uint64_t n)
{
    uint64_t i = ((n + 1) << level) - 1;
    return (int64_t)(i - (uint64_t)__builtin_popcountll(i) + (uint64_t)(level - 1));
}

kf_code lg_tree_fail(kf_ledger *l, kf_err *err, const char *damaged, ...)
{
    if (l->node_db_error) return lg_db_fail(l, err, "reading the Merkle tree");
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, damaged);
    vsnprintf(msg, sizeof msg, damaged, ap);
    va_end(ap);
    return kf_fail(err, KF_REFUSED, "%s", msg);
}

/* kf_node_reader over the ledger tables. */
int lg_ledger_node_reader(void *ctx, int level, uint64_t index, kf_hash out)
{
    kf_ledger *l = ctx;
    sqlite3_stmt *st;
    l->node_db_error = true; /* until a row is read or found missing */
    if (lg_flush(l, NULL)) return -1;
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
        sqlite3_bind_int64(st, 1, lg_node_idx(level, index));
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

/* Decodes the body of a stored entry: bytes that do not decode are a
 * damaged ledger (refused, see kifu verify); running out of memory is not. */
kf_code lg_stored_entry(const void *body, size_t len, int64_t seq, kf_entry **out, kf_err *err)
{
    kf_err why = {0};
    kf_code rc = kf_entry_decode(body, len, KF_ENTRY_MAGIC, out, &why);
    if (rc == KF_SYSTEM) return kf_fail(err, KF_SYSTEM, "%s", why.msg);
    if (rc)
        return kf_fail(err, KF_REFUSED, "seq %lld: entry is corrupt (run kifu verify)",
                       (long long)seq);
    return KF_OK;
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
    out->size = lg_pragma_int(l->db, "SELECT coalesce(max(seq),0) FROM entries", &ok);
    if (!ok) return lg_db_fail(l, err, "reading the size");
    out->commits = lg_pragma_int(l->db, "SELECT coalesce(max(id),0) FROM commits", &ok);
    if (!ok) return lg_db_fail(l, err, "reading the commits");
    return KF_OK;
}

kf_code lg_commit_parse(const void *body, size_t len, lg_commit_rec *c, kf_err *err)
{
    kf_entry *e;
    kf_code rc = kf_entry_decode(body, len, KF_COMMIT_MAGIC, &e, err);
    if (rc) return rc;
    const char *root = kf_entry_str(e, "root"), *time = kf_entry_str(e, "time");
    const char *key = kf_entry_str(e, "key"), *figures = kf_entry_str(e, "figures");
    uint8_t kb[4];
    memset(c, 0, sizeof *c);
    c->id = e->seq;
    if (strcmp(e->kind, "commit") != 0 || !kf_entry_int(e, "first", &c->first) ||
        !kf_entry_int(e, "last", &c->last) || !kf_entry_int(e, "size", &c->size) || !root ||
        !kf_unhex(root, c->root, KF_HASH_LEN) || !time || strlen(time) >= sizeof c->time ||
        !kf_valid_rfc3339(time) || !key || !kf_unhex(key, kb, 4) || !figures ||
        strlen(figures) != 2 * KF_HASH_LEN || !kf_unhex(figures, c->figures, KF_HASH_LEN) ||
        e->nfields != 7) {
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
    if ((rc = lg_flush(l, err))) return rc;
    if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
        return lg_db_fail(l, err, "reading entries");
    sqlite3_bind_int64(st, 1, since);
    if (kind) sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    lg_commit_rec commit = {0};
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        kf_row row = {0};
        kf_entry *e;
        row.seq = sqlite3_column_int64(st, 0);
        row.commit = sqlite3_column_int64(st, 1);
        if (sqlite3_column_bytes(st, 2) == KF_HASH_LEN)
            memcpy(row.leaf, sqlite3_column_blob(st, 2), KF_HASH_LEN);
        if ((rc = lg_stored_entry(sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3),
                                  row.seq, &e, err)))
            break;
        if (commit.id != row.commit && sqlite3_column_type(st, 4) == SQLITE_BLOB) {
            kf_err why = {0};
            kf_code prc = lg_commit_parse(sqlite3_column_blob(st, 4),
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
    if (!rc && s != SQLITE_DONE) rc = lg_db_fail(l, err, "reading entries");
    sqlite3_finalize(st);
    return rc;
}

kf_code kf_ledger_entry(kf_ledger *l, int64_t seq, kf_entry **out, kf_err *err)
{
    sqlite3_stmt *st;
    kf_code rc;
    if ((rc = lg_flush(l, err))) return rc;
    if (sqlite3_prepare_v2(l->db, "SELECT body FROM entries WHERE seq=?", -1, &st, NULL) !=
        SQLITE_OK)
        return lg_db_fail(l, err, "reading an entry");
    sqlite3_bind_int64(st, 1, seq);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        rc = lg_stored_entry(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), seq,
                             out, err);
    } else if (s == SQLITE_DONE) {
        rc = kf_fail(err, KF_REFUSED, "no entry with seq %lld", (long long)seq);
    } else {
        rc = lg_db_fail(l, err, "reading an entry");
    }
    sqlite3_finalize(st);
    return rc;
}

/* --- proofs ------------------------------------------------------------- */

static kf_code current_size(kf_ledger *l, int64_t *size, kf_err *err)
{
    bool ok;
    kf_code rc = lg_flush(l, err);
    if (rc) return rc;
    *size = lg_pragma_int(l->db, "SELECT coalesce(max(seq),0) FROM entries", &ok);
    if (!ok) return lg_db_fail(l, err, "reading the size");
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
    if (kf_merkle_root((uint64_t)size, lg_ledger_node_reader, l, root) != 0)
        return lg_tree_fail(l, err, "the Merkle tree is damaged at size %lld (run kifu verify)",
                            (long long)size);
    return KF_OK;
}

kf_code kf_ledger_leaf(kf_ledger *l, int64_t seq, kf_hash leaf, kf_err *err)
{
    if (seq < 1) return kf_fail(err, KF_REFUSED, "no entry with seq %lld", (long long)seq);
    if (lg_ledger_node_reader(l, 0, (uint64_t)seq - 1, leaf) != 0)
        return lg_tree_fail(l, err, "no entry with seq %lld", (long long)seq);
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
    if (kf_merkle_prove_inclusion((uint64_t)seq - 1, (uint64_t)size, lg_ledger_node_reader, l, path,
                                  n) != 0)
        return lg_tree_fail(l, err, "the Merkle tree is damaged (run kifu verify)");
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
    if (kf_merkle_prove_consistency((uint64_t)from, (uint64_t)size, lg_ledger_node_reader, l, path,
                                    n) != 0)
        return lg_tree_fail(l, err, "the Merkle tree is damaged (run kifu verify)");
    return KF_OK;
}
