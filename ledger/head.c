/*
 * The head check: what every command (but verify) checks before it reads or
 * writes, in O(log n) reads (docs/FORMAT.md §8, "The head check"):
 *
 *   1. the last commit record parses, and its id is its row's;
 *   2. its signer is entitled: the genesis key for commit 1, else a key
 *      added before the commit's first seq and not revoked before it;
 *   3. its Ed25519 signature verifies over the record;
 *   4. nothing is stored beyond it: no entry after its `last`, no Merkle
 *      node beyond the tree of that size (N leaves have N - popcount(N)
 *      internal nodes, idx 0..N-popcount(N)-1);
 *   5. the stored tree gives its signed root: the root computed from the
 *      stored nodes of the frontier (at most log2 N of them) equals `root`.
 *
 * It proves that nothing was appended, dropped or replaced behind the
 * head's signature at the tree's frontier. It does not prove that every
 * entry and node below the frontier matches (an entry edited with its leaf
 * but not the nodes above it), nor that the keys were not rewritten from the
 * genesis on: only a full `kifu verify`, against a trusted checkpoint, does.
 */
#include "kifu/ledger.h"
#include "ledger_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

void kf_ledger_set_figures(kf_ledger *l, kf_figures_fn fn, void *ctx)
{
    l->figures_fn = fn;
    l->figures_ctx = ctx;
}

bool kf_ledger_writing(const kf_ledger *l)
{
    return l->txn != NULL;
}

kf_code lg_figures(kf_ledger *l, kf_hash out, kf_err *err)
{
    if (l->figures_fn) return l->figures_fn(l->figures_ctx, l, out, err);
    static const char none[] = "kifu.figures.v1\n";
    crypto_hash_sha256(out, (const unsigned char *)none, sizeof none - 1);
    return KF_OK;
}

static kf_code refuse(kf_ledger *l, kf_err *err, const char *what)
{
    return kf_fail(err, KF_REFUSED, "%s: %s; run kifu verify", l->path, what);
}

/* The signer of commit c: its key, entitled to sign it. */
static kf_code head_signer(kf_ledger *l, const lg_commit_rec *c, kf_key_info *out, kf_err *err)
{
    kf_key_info *keys;
    size_t n;
    char what[1400];
    kf_code rc = kf_ledger_keys(l, &keys, &n, err);
    if (rc == KF_REFUSED) {
        snprintf(what, sizeof what, "its keys cannot be read: %s", err ? err->msg : "");
        return refuse(l, err, what);
    }
    if (rc) return rc;
    rc = KF_REFUSED;
    for (size_t i = 0; i < n; i++) {
        const kf_key_info *k = &keys[i];
        if (k->id != c->key) continue;
        if (c->id == 1 ? k->added_seq != 1 : k->added_seq >= c->first) break;
        if (k->revoked_seq && k->revoked_seq < c->first) {
            snprintf(
                what, sizeof what,
                "the last commit %lld (seq %lld..%lld) is signed by key %s, revoked at seq %lld",
                (long long)c->id, (long long)c->first, (long long)c->last, k->name,
                (long long)k->revoked_seq);
            free(keys);
            return refuse(l, err, what);
        }
        *out = *k;
        rc = KF_OK;
        break;
    }
    free(keys);
    if (!rc) return KF_OK;
    snprintf(what, sizeof what,
             "the last commit %lld (seq %lld..%lld) is signed by key %08x, which was not a key of "
             "this ledger before it",
             (long long)c->id, (long long)c->first, (long long)c->last, c->key);
    return refuse(l, err, what);
}

static kf_code check(kf_ledger *l, kf_err *err)
{
    char what[1400];
    sqlite3_stmt *st =
        kf_ledger_stmt(l, "SELECT id, body, sig FROM commits ORDER BY id DESC LIMIT 1");
    if (!st) return lg_db_fail(l, err, "reading the head");
    int s = sqlite3_step(st);
    if (s != SQLITE_ROW) {
        sqlite3_reset(st);
        return s == SQLITE_DONE ? refuse(l, err, "the ledger has no commit")
                                : lg_db_fail(l, err, "reading the head");
    }
    int64_t id = sqlite3_column_int64(st, 0);
    lg_commit_rec c;
    kf_err why;
    uint8_t sig[64];
    kf_buf body = {0};
    bool sig_ok = sqlite3_column_bytes(st, 2) == 64;
    if (sig_ok) memcpy(sig, sqlite3_column_blob(st, 2), 64);
    if (!kf_buf_put(&body, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1))) {
        sqlite3_reset(st);
        return kf_fail(err, KF_SYSTEM, "out of memory");
    }
    sqlite3_reset(st);
    kf_code rc = lg_commit_parse(body.data, body.len, &c, &why);
    if (rc == KF_SYSTEM) {
        kf_buf_free(&body);
        return kf_fail(err, KF_SYSTEM, "%s", why.msg);
    }
    if (rc || c.id != id || !sig_ok) {
        kf_buf_free(&body);
        snprintf(what, sizeof what, "the last commit (row %lld) is not a valid commit record%s%s",
                 (long long)id, rc ? ": " : "", rc ? why.msg : "");
        return refuse(l, err, what);
    }
    bool ok;
    int64_t max_seq = lg_pragma_int(l->db, "SELECT coalesce(max(seq),0) FROM entries", &ok);
    if (!ok) {
        kf_buf_free(&body);
        return lg_db_fail(l, err, "reading the size");
    }
    if (max_seq != c.last) {
        if (max_seq > c.last)
            snprintf(what, sizeof what,
                     "seq %lld..%lld are stored but no signed commit covers them (the last commit "
                     "%lld ends at seq %lld): they are not part of the ledger",
                     (long long)c.last + 1, (long long)max_seq, (long long)c.id, (long long)c.last);
        else
            snprintf(what, sizeof what,
                     "the last commit %lld covers seq %lld..%lld but the entries end at seq %lld",
                     (long long)c.id, (long long)c.first, (long long)c.last, (long long)max_seq);
        kf_buf_free(&body);
        return refuse(l, err, what);
    }
    int64_t max_idx = lg_pragma_int(l->db, "SELECT coalesce(max(idx),-1) FROM nodes", &ok);
    if (!ok) {
        kf_buf_free(&body);
        return lg_db_fail(l, err, "reading the Merkle nodes");
    }
    int64_t want = c.last - __builtin_popcountll((unsigned long long)c.last) - 1;
    if (max_idx > want) {
        snprintf(what, sizeof what,
                 "Merkle node %lld is stored beyond the tree of %lld entries signed by commit %lld",
                 (long long)max_idx, (long long)c.last, (long long)c.id);
        kf_buf_free(&body);
        return refuse(l, err, what);
    }
    kf_key_info k;
    if ((rc = head_signer(l, &c, &k, err))) {
        kf_buf_free(&body);
        return rc;
    }
    bool good = kf_sig_ok(k.pub, body.data, body.len, sig);
    kf_buf_free(&body);
    if (!good) {
        snprintf(what, sizeof what,
                 "the signature of the last commit %lld (seq %lld..%lld) does not verify with key "
                 "%s",
                 (long long)c.id, (long long)c.first, (long long)c.last, k.name);
        return refuse(l, err, what);
    }
    kf_hash root;
    if (kf_merkle_root((uint64_t)c.last, lg_ledger_node_reader, l, root) != 0)
        return lg_tree_fail(l, err,
                            "%s: the stored Merkle tree of size %lld is damaged; run kifu verify",
                            l->path, (long long)c.last);
    if (memcmp(root, c.root, KF_HASH_LEN) != 0) {
        snprintf(what, sizeof what,
                 "the stored Merkle tree of size %lld does not give the root signed by commit %lld",
                 (long long)c.last, (long long)c.id);
        return refuse(l, err, what);
    }
    l->head.id = c.id;
    l->head.first = c.first;
    l->head.last = c.last;
    memcpy(l->head.root, c.root, KF_HASH_LEN);
    memcpy(l->head.time, c.time, sizeof l->head.time);
    l->head.key = c.key;
    memcpy(l->head.figures, c.figures, KF_HASH_LEN);
    l->have_head = true;
    return KF_OK;
}

kf_code lg_head_check(kf_ledger *l, kf_err *err)
{
    if (!sqlite3_get_autocommit(l->db)) return check(l, err);
    if (sqlite3_exec(l->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return lg_db_fail(l, err, "starting a read");
    kf_code rc = check(l, err);
    sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

kf_code kf_ledger_head(kf_ledger *l, kf_commit_info *out, kf_err *err)
{
    bool ok;
    int64_t last = lg_pragma_int(l->db, "SELECT coalesce(max(id),0) FROM commits", &ok);
    if (!ok) return lg_db_fail(l, err, "reading the head");
    if (!l->have_head || last != l->head.id) {
        kf_code rc = lg_head_check(l, err);
        if (rc) return rc;
    }
    *out = l->head;
    return KF_OK;
}
