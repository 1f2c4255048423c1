/*
 * Full verification of a ledger (docs/FORMAT.md §8).
 *
 * One pass over three ordered streams (commits, entries, nodes) inside one
 * read transaction. For each commit: its record is parsed and its signature
 * checked against the keys the ledger had before it (for commit 1, the key
 * the genesis entry names); then its entries are streamed — each decoded
 * (canonical form), re-hashed, appended to an in-memory frontier whose new
 * Merkle nodes must equal the stored nodes of the same creation index,
 * checked against the signer's role, handed to the rule hooks and freed —
 * and at the commit's end the root must equal the signed one. Key entries
 * take effect after their commit. Memory stays constant whatever the size of
 * a commit. The first failure stops the pass and names its seq or commit.
 */
#include "kifu/ledger.h"
#include "ledger_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    kf_ledger *l;
    sqlite3_stmt *commits, *entries, *nodes;
    kf_merkle_frontier frontier;
    int64_t next_node;
    int64_t seq; /* seq being checked, for node errors */
    kf_err *err;
    kf_key_info *keys;
    size_t nkeys;
    const kf_note *trust;
    bool trust_root_seen;
    kf_hash trust_root;
    int64_t nodes_checked;
    kf_entry **ents; /* the current commit's key entries, applied after it */
    size_t ents_cap;
    kf_entry *last; /* the last entry streamed (its kind is compared with the next) */
} verifier;

/* Compares each node the frontier creates with the next stored node. */
static int check_node(void *ctx, int level, uint64_t index, const kf_hash h)
{
    verifier *v = ctx;
    int64_t want = lg_node_idx(level, index);
    int s = sqlite3_step(v->nodes);
    if (s != SQLITE_ROW && s != SQLITE_DONE) {
        kf_fail(v->err, KF_SYSTEM, "database error reading Merkle nodes: %s",
                sqlite3_errmsg(sqlite3_db_handle(v->nodes)));
        return 1;
    }
    if (s != SQLITE_ROW) {
        kf_fail(v->err, KF_REFUSED, "seq %lld: Merkle node %lld is missing", (long long)v->seq,
                (long long)want);
        return 1;
    }
    int64_t idx = sqlite3_column_int64(v->nodes, 0);
    if (idx != want || sqlite3_column_bytes(v->nodes, 1) != KF_HASH_LEN ||
        memcmp(sqlite3_column_blob(v->nodes, 1), h, KF_HASH_LEN) != 0) {
        kf_fail(v->err, KF_REFUSED,
                "seq %lld: stored Merkle node %lld (level %d) does not match the entries",
                (long long)v->seq, (long long)want, level);
        return 1;
    }
    v->nodes_checked++;
    return 0;
}

static const kf_key_info *find_key(const verifier *v, uint32_t id)
{
    for (size_t i = 0; i < v->nkeys; i++)
        if (v->keys[i].id == id) return &v->keys[i];
    return NULL;
}

/* Reads and checks the next entry, which must be `seq` of commit `c`. */
static kf_code check_entry(verifier *v, const lg_commit_rec *c, int64_t seq, kf_entry **out)
{
    kf_err *err = v->err;
    int s = sqlite3_step(v->entries);
    if (s != SQLITE_ROW) {
        if (s != SQLITE_DONE) return lg_db_fail(v->l, err, "reading entries");
        return kf_fail(err, KF_REFUSED, "seq %lld is missing (commit %lld covers %lld..%lld)",
                       (long long)seq, (long long)c->id, (long long)c->first, (long long)c->last);
    }
    int64_t got = sqlite3_column_int64(v->entries, 0);
    if (got != seq)
        return kf_fail(err, KF_REFUSED, "seq %lld is missing (next stored entry is seq %lld)",
                       (long long)seq, (long long)got);
    if (sqlite3_column_int64(v->entries, 1) != c->id)
        return kf_fail(err, KF_REFUSED, "seq %lld: stored in commit %lld but commit %lld covers it",
                       (long long)seq, (long long)sqlite3_column_int64(v->entries, 1),
                       (long long)c->id);
    const void *body = sqlite3_column_blob(v->entries, 4);
    size_t len = (size_t)sqlite3_column_bytes(v->entries, 4);
    kf_err why;
    kf_entry *e;
    kf_code drc = kf_entry_decode(body, len, KF_ENTRY_MAGIC, &e, &why);
    if (drc == KF_SYSTEM) return kf_fail(err, KF_SYSTEM, "%s", why.msg);
    if (drc)
        return kf_fail(err, KF_REFUSED, "seq %lld: entry bytes are not a canonical entry: %s",
                       (long long)seq, why.msg);
    if (e->seq != seq) {
        kf_fail(err, KF_REFUSED, "seq %lld: entry bytes say seq %lld (entries moved or swapped)",
                (long long)seq, (long long)e->seq);
        goto out_bad;
    }
    const char *kind = (const char *)sqlite3_column_text(v->entries, 2);
    if (!kind || strcmp(kind, e->kind) != 0) {
        kf_fail(err, KF_REFUSED, "seq %lld: stored kind '%s' differs from the entry's '%s'",
                (long long)seq, kind ? kind : "", e->kind);
        goto out_bad;
    }
    kf_hash leaf;
    kf_merkle_leaf(body, len, leaf);
    if (sqlite3_column_bytes(v->entries, 3) != KF_HASH_LEN ||
        memcmp(sqlite3_column_blob(v->entries, 3), leaf, KF_HASH_LEN) != 0) {
        kf_fail(err, KF_REFUSED, "seq %lld: entry does not match its stored leaf hash (edited)",
                (long long)seq);
        goto out_bad;
    }
    if ((seq == 1) != (strcmp(e->kind, "genesis") == 0)) {
        kf_fail(err, KF_REFUSED, "seq %lld: %s", (long long)seq,
                seq == 1 ? "the first entry is not a genesis" : "a second genesis entry");
        goto out_bad;
    }
    v->seq = seq;
    if (kf_merkle_frontier_append(&v->frontier, leaf, check_node, v) != 0) goto out_bad;
    *out = e;
    return KF_OK;
out_bad:
    kf_entry_free(e);
    return err && err->code == KF_SYSTEM ? KF_SYSTEM
                                         : KF_REFUSED; /* check_node: a database error */
}

static kf_code check_commit(verifier *v, int64_t id, int64_t first, const kf_verify_opts *opts)
{
    kf_err *err = v->err;
    lg_commit_rec c;
    kf_err why;
    kf_code rc = KF_OK;
    sqlite3_stmt *cs = v->commits;
    int64_t rowid = sqlite3_column_int64(cs, 0);
    if (rowid != id)
        return kf_fail(err, KF_REFUSED, "commit %lld is missing (next stored commit is %lld)",
                       (long long)id, (long long)rowid);
    const void *body = sqlite3_column_blob(cs, 1);
    size_t len = (size_t)sqlite3_column_bytes(cs, 1);
    kf_code prc = lg_commit_parse(body, len, &c, &why);
    if (prc == KF_SYSTEM) return kf_fail(err, KF_SYSTEM, "%s", why.msg);
    if (prc)
        return kf_fail(err, KF_REFUSED, "commit %lld: record is corrupt: %s", (long long)id,
                       why.msg);
    if (c.id != id || c.first != first || c.last < c.first || c.size != c.last)
        return kf_fail(err, KF_REFUSED,
                       "commit %lld: covers seq %lld..%lld but should start at seq %lld",
                       (long long)id, (long long)c.first, (long long)c.last, (long long)first);
    if (sqlite3_column_bytes(cs, 2) != 64)
        return kf_fail(err, KF_REFUSED, "commit %lld: signature is missing or malformed",
                       (long long)id);
    uint8_t sig[64];
    memcpy(sig, sqlite3_column_blob(cs, 2), 64);

    /* The signer: a key the ledger had before this commit; for the genesis
     * commit, the admin key the genesis entry itself names (checked once
     * that entry is read). Entries are then streamed: each is checked,
     * handed to the rule hooks and freed, so a commit of a million entries
     * needs no memory for them. Key entries take effect after the commit. */
    kf_key_info signer;
    memset(&signer, 0, sizeof signer);
    if (id != 1) {
        const kf_key_info *k = find_key(v, c.key);
        if (!k)
            return kf_fail(err, KF_REFUSED,
                           "commit %lld (seq %lld..%lld): signed by key %08x, which is not a key "
                           "of this ledger",
                           (long long)id, (long long)c.first, (long long)c.last, c.key);
        if (k->revoked_seq)
            return kf_fail(err, KF_REFUSED,
                           "commit %lld (seq %lld..%lld): signed by key %s, revoked at seq %lld",
                           (long long)id, (long long)c.first, (long long)c.last, k->name,
                           (long long)k->revoked_seq);
        signer = *k;
        if (!kf_sig_ok(signer.pub, body, len, sig))
            return kf_fail(err, KF_REFUSED,
                           "commit %lld (seq %lld..%lld): signature does not verify with key %s "
                           "(%08x)",
                           (long long)id, (long long)c.first, (long long)c.last, signer.name,
                           c.key);
    }
    size_t nkeyents = 0;
    const char *last_kind = NULL; /* roles are looked up once per run of a kind */
    bool last_ok = false;
    for (int64_t seq = c.first; seq <= c.last; seq++) {
        kf_entry *e = NULL;
        if ((rc = check_entry(v, &c, seq, &e))) goto out_free;
        if (seq == 1) {
            if ((rc = lg_key_from_entry(e, 1, &signer, err))) goto out_entry;
            if (signer.id != c.key || !kf_sig_ok(signer.pub, body, len, sig)) {
                rc = kf_fail(err, KF_REFUSED,
                             "commit %lld (seq %lld..%lld): signature does not verify with key "
                             "%s (%08x)",
                             (long long)id, (long long)c.first, (long long)c.last, signer.name,
                             c.key);
                goto out_entry;
            }
        }
        if (!last_kind || strcmp(last_kind, e->kind) != 0)
            last_ok = kf_role_may_write(signer.role, e->kind);
        if (!last_ok) {
            rc = kf_fail(err, KF_REFUSED,
                         "commit %lld, seq %lld: key %s has role %s, which may not write %s "
                         "entries",
                         (long long)id, (long long)seq, signer.name, kf_role_name(signer.role),
                         e->kind);
            goto out_entry;
        }
        if (opts && opts->on_entry) {
            kf_row row = {.seq = seq, .commit = id, .actor = c.key, .entry = e};
            memcpy(row.time, c.time, sizeof row.time);
            if ((rc = opts->on_entry(opts->ctx, &row, err))) goto out_entry;
        }
        if (lg_is_key_kind(e->kind)) {
            if (nkeyents == v->ents_cap) {
                size_t cap = v->ents_cap ? v->ents_cap * 2 : 8;
                kf_entry **grown = realloc(v->ents, cap * sizeof *grown);
                if (!grown) {
                    rc = kf_fail(err, KF_SYSTEM, "out of memory");
                    goto out_entry;
                }
                v->ents = grown;
                v->ents_cap = cap;
            }
            v->ents[nkeyents++] = e; /* kept until the commit is checked */
            last_kind = NULL;
            continue;
        }
        kf_entry_free(v->last);
        v->last = e; /* keeps last_kind valid */
        last_kind = e->kind;
        continue;
    out_entry:
        kf_entry_free(e);
        goto out_free;
    }
    kf_hash root;
    kf_merkle_frontier_root(&v->frontier, root);
    if (memcmp(root, c.root, KF_HASH_LEN) != 0) {
        rc = kf_fail(err, KF_REFUSED,
                     "commit %lld (seq %lld..%lld): signed root does not match the entries",
                     (long long)id, (long long)c.first, (long long)c.last);
        goto out_free;
    }
    for (size_t i = 0; i < nkeyents; i++)
        if ((rc = lg_keys_apply(&v->keys, &v->nkeys, v->ents[i], v->ents[i]->seq, err)))
            goto out_free;
    if (v->trust && !v->trust_root_seen && v->trust->size >= c.first && v->trust->size <= c.last) {
        /* The trusted size falls inside this commit: recompute its root from
         * the stored nodes that this pass has just checked. */
        if (kf_merkle_root((uint64_t)v->trust->size, lg_ledger_node_reader, v->l, v->trust_root)) {
            rc = lg_tree_fail(v->l, err, "cannot compute the root at trusted size %lld",
                              (long long)v->trust->size);
            goto out_free;
        }
        v->trust_root_seen = true;
    }
out_free:
    for (size_t i = 0; i < nkeyents; i++)
        kf_entry_free(v->ents[i]);
    return rc;
}

static kf_code check_trust(verifier *v, int64_t size)
{
    kf_err *err = v->err;
    const kf_note *t = v->trust;
    kf_ledger_info info;
    kf_code rc = kf_ledger_get_info(v->l, &info, err);
    if (rc) return rc;
    if (strcmp(t->origin, info.origin) != 0)
        return kf_fail(err, KF_REFUSED, "trusted checkpoint is for '%s', this ledger is '%s'",
                       t->origin, info.origin);
    if (t->size > size)
        return kf_fail(err, KF_REFUSED,
                       "ledger has %lld entries but the trusted checkpoint has %lld: truncated or "
                       "rolled back; seq %lld is missing",
                       (long long)size, (long long)t->size, (long long)size + 1);
    if (t->size < 1 || !v->trust_root_seen)
        return kf_fail(err, KF_REFUSED, "trusted checkpoint size %lld is not a tree of this ledger",
                       (long long)t->size);
    if (memcmp(v->trust_root, t->root, KF_HASH_LEN) != 0)
        return kf_fail(err, KF_REFUSED,
                       "ledger does not extend the trusted checkpoint: its root at size %lld "
                       "differs (an entry at or before seq %lld was rewritten, or the ledger was "
                       "rebuilt)",
                       (long long)t->size, (long long)t->size);
    for (size_t i = 0; i < v->nkeys; i++)
        if (kf_note_signed_by(t, v->keys[i].name, v->keys[i].pub)) return KF_OK;
    return kf_fail(err, KF_REFUSED, "trusted checkpoint is not signed by any key of this ledger");
}

kf_code kf_ledger_verify(kf_ledger *l, const kf_verify_opts *opts, kf_verify_report *rep,
                         kf_err *err)
{
    verifier v = {.l = l, .err = err};
    kf_note trust = {0};
    kf_code rc = KF_OK;
    memset(rep, 0, sizeof *rep);
    if (opts && opts->trust) {
        if ((rc = kf_note_parse(opts->trust, opts->trust_len, &trust, err))) return rc;
        v.trust = &trust;
    }
    if (sqlite3_exec(l->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        rc = lg_db_fail(l, err, "starting a read");
        goto out_note;
    }
    if (sqlite3_prepare_v2(l->db, "SELECT id, body, sig FROM commits ORDER BY id", -1, &v.commits,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(l->db,
                           "SELECT seq, commit_id, kind, leaf, body FROM entries ORDER BY seq", -1,
                           &v.entries, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(l->db, "SELECT idx, hash FROM nodes ORDER BY idx", -1, &v.nodes, NULL) !=
            SQLITE_OK) {
        rc = lg_db_fail(l, err, "reading the ledger");
        goto out_end;
    }
    int64_t id = 0, next_seq = 1;
    int s;
    while ((s = sqlite3_step(v.commits)) == SQLITE_ROW) {
        id++;
        if ((rc = check_commit(&v, id, next_seq, opts))) goto out_end;
        next_seq = v.frontier.size + 1;
    }
    if (s != SQLITE_DONE) {
        rc = lg_db_fail(l, err, "reading commits");
        goto out_end;
    }
    if (id == 0) {
        rc = kf_fail(err, KF_REFUSED, "commit 1 is missing: the ledger has no genesis commit");
        goto out_end;
    }
    if ((s = sqlite3_step(v.entries)) == SQLITE_ROW) {
        rc = kf_fail(err, KF_REFUSED, "seq %lld is not covered by any signed commit",
                     (long long)sqlite3_column_int64(v.entries, 0));
        goto out_end;
    }
    if ((s = sqlite3_step(v.nodes)) == SQLITE_ROW) {
        rc = kf_fail(err, KF_REFUSED, "Merkle node %lld is beyond the tree of %lld entries",
                     (long long)sqlite3_column_int64(v.nodes, 0), (long long)v.frontier.size);
        goto out_end;
    }
    if (v.trust && (rc = check_trust(&v, (int64_t)v.frontier.size))) goto out_end;
    rep->entries = (int64_t)v.frontier.size;
    rep->commits = id;
    rep->nodes = v.nodes_checked;
    rep->keys = (int64_t)v.nkeys;
    rep->trusted = v.trust != NULL;
    kf_merkle_frontier_root(&v.frontier, rep->root);
out_end:
    sqlite3_finalize(v.commits);
    sqlite3_finalize(v.entries);
    sqlite3_finalize(v.nodes);
    sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
out_note:
    free(v.keys);
    free(v.ents);
    kf_entry_free(v.last);
    kf_note_free(&trust);
    return rc;
}
