/*
 * Full verification of a ledger (docs/FORMAT.md §8).
 *
 * One pass over three ordered streams (commits, entries, nodes) inside one
 * read transaction. Each commit is checked in one order:
 *   1. its record parses; its signer is a key the ledger had before it (for
 *      commit 1, the key the genesis entry names, read first) and not
 *      revoked; the signature verifies;
 *   2. all its entries are read: each decoded (canonical form), re-hashed and
 *      appended to an in-memory frontier whose new Merkle nodes must equal
 *      the stored nodes of the same creation index; then the root at `last`
 *      must equal the signed root;
 *   3. only then, entry by entry: the signer's role, the rule hooks
 *      (on_entry), the checks of checkpoint.cosign entries; then the key
 *      entries take effect and on_commit is called.
 * So a rewritten entry is reported as a root that does not match, never as a
 * rule its signer broke. Step 3 decodes the entries again: from the bytes
 * step 2 kept when they fit in KEEP_BYTES, else read again from the file,
 * so memory stays bounded whatever the size of a commit.
 *
 * A trusted checkpoint is judged on its own before it is compared with the
 * ledger: it parses, its origin is the genesis origin and it carries a valid
 * signature by an admin or treasurer key that the ledger had at its size
 * (added at a seq <= size, not revoked at a seq <= size). That is decided as
 * soon as the pass has applied the keys up to its size (at the end when the
 * ledger is shorter). A bad checkpoint is KF_BAD_INPUT ("trusted checkpoint
 * is not a valid checkpoint of this ledger: ..."); only a good one can show
 * the ledger truncated or rewritten. The first failure stops the pass and
 * names its seq or commit.
 */
#include "kifu/ledger.h"
#include "ledger_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Step 2 keeps the bytes of a commit's entries for step 3 up to this size;
 * the entries of a larger commit are read again. */
#define KEEP_BYTES (4u << 20)

#define TRUST_BAD "trusted checkpoint is not a valid checkpoint of this ledger: "

typedef struct {
    kf_ledger *l;
    sqlite3_stmt *commits, *entries, *nodes;
    sqlite3_stmt *again; /* a commit's entries, read again for step 3 */
    kf_merkle_frontier frontier;
    int64_t next_node;
    int64_t seq; /* seq being checked, for node errors */
    kf_err *err;
    kf_key_info *keys;
    size_t nkeys;
    char origin[256]; /* the genesis origin */
    const kf_note *trust;
    bool trust_root_seen, trust_checked;
    kf_hash trust_root;
    int64_t nodes_checked;
    kf_buf kept;  /* step 2's entry bytes of the commit, one after another */
    size_t *ends; /* where each kept entry ends in kept */
    size_t nends, ends_cap;
    bool too_big;    /* the commit's bytes did not fit: step 3 reads them again */
    kf_entry **ents; /* the current commit's key entries, applied after it */
    size_t ents_cap;
    kf_entry *last; /* the last entry checked (its kind is compared with the next) */
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
    if (!v->too_big && v->kept.len + len > KEEP_BYTES) v->too_big = true;
    if (!v->too_big) {
        if (v->nends == v->ends_cap) {
            size_t cap = v->ends_cap ? v->ends_cap * 2 : 1024;
            size_t *grown = realloc(v->ends, cap * sizeof *grown);
            if (!grown) {
                kf_fail(err, KF_SYSTEM, "out of memory");
                goto out_bad;
            }
            v->ends = grown;
            v->ends_cap = cap;
        }
        if (!kf_buf_put(&v->kept, body, len)) {
            kf_fail(err, KF_SYSTEM, "out of memory");
            goto out_bad;
        }
        v->ends[v->nends++] = v->kept.len;
    }
    *out = e;
    return KF_OK;
out_bad:
    kf_entry_free(e);
    return err && err->code == KF_SYSTEM ? KF_SYSTEM
                                         : KF_REFUSED; /* check_node: a database error */
}

/* Step 3 reads entry `seq` again (step 2 checked its bytes). */
static kf_code reread_entry(verifier *v, int64_t seq, kf_entry **out)
{
    int s = sqlite3_step(v->again);
    if (s != SQLITE_ROW) {
        if (s != SQLITE_DONE) return lg_db_fail(v->l, v->err, "reading entries");
        return kf_fail(v->err, KF_REFUSED, "seq %lld is missing", (long long)seq);
    }
    if (sqlite3_column_int64(v->again, 0) != seq)
        return kf_fail(v->err, KF_REFUSED, "seq %lld is missing (next stored entry is seq %lld)",
                       (long long)seq, (long long)sqlite3_column_int64(v->again, 0));
    return lg_stored_entry(sqlite3_column_blob(v->again, 1),
                           (size_t)sqlite3_column_bytes(v->again, 1), seq, out, v->err);
}

static bool lower_hex(const char *s, size_t n)
{
    if (strlen(s) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

/* A checkpoint.cosign entry (docs/FORMAT.md §2): the auditor that signed its
 * commit cosigned a checkpoint of this ledger at an earlier size, and the
 * signature line it recorded verifies over that checkpoint. Called in step 3,
 * when every node of the trees up to seq - 1 has been checked. */
static kf_code check_cosign(verifier *v, const lg_commit_rec *c, const kf_key_info *signer,
                            const kf_entry *e)
{
    kf_err *err = v->err;
    long long seq = (long long)e->seq;
    const char *origin = kf_entry_str(e, "origin"), *root = kf_entry_str(e, "root");
    const char *auditor = kf_entry_str(e, "auditor"), *line = kf_entry_str(e, "signature");
    int64_t size;
    if (e->nfields != 5 || !origin || !root || !auditor || !line || !kf_entry_int(e, "size", &size))
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: checkpoint.cosign must have exactly the fields auditor, origin, "
                       "root (strings), size (an integer) and signature",
                       seq);
    if (strcmp(origin, v->origin) != 0)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: checkpoint.cosign is for origin '%s', not this ledger's '%s'",
                       seq, origin, v->origin);
    char signer_id[9];
    snprintf(signer_id, sizeof signer_id, "%08x", c->key);
    if (!lower_hex(auditor, 8))
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: checkpoint.cosign auditor '%s' is not a key id (8 lowercase hex "
                       "digits)",
                       seq, auditor);
    if (strcmp(auditor, signer_id) != 0)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: checkpoint.cosign names auditor %s, but commit %lld is signed "
                       "by key %s (%s)",
                       seq, auditor, (long long)c->id, signer->name, signer_id);
    if (!(signer->role & KF_ROLE_AUDITOR))
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: checkpoint.cosign is signed by key %s, which has role %s, not "
                       "auditor",
                       seq, signer->name, kf_role_name(signer->role));
    if (size < 1 || size > e->seq - 1)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: checkpoint.cosign size %lld is not an earlier size of the "
                       "ledger (1..%lld)",
                       seq, (long long)size, seq - 1);
    kf_hash want, got;
    if (!lower_hex(root, 2 * KF_HASH_LEN) || !kf_unhex(root, want, KF_HASH_LEN))
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: checkpoint.cosign root is not 64 lowercase hex digits", seq);
    if (kf_merkle_root((uint64_t)size, lg_ledger_node_reader, v->l, got))
        return lg_tree_fail(v->l, err, "seq %lld: cannot compute the root at size %lld", seq,
                            (long long)size);
    if (memcmp(want, got, KF_HASH_LEN) != 0)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: checkpoint.cosign root differs from the ledger's root at size "
                       "%lld",
                       seq, (long long)size);
    bool ok;
    kf_code rc =
        lg_checkpoint_line_ok(origin, size, want, line, signer->name, signer->pub, &ok, err);
    if (rc) return rc;
    if (!ok)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: checkpoint.cosign signature is not a valid signature line by "
                       "auditor %s of the checkpoint at size %lld",
                       seq, signer->name, (long long)size);
    return KF_OK;
}

/* The trusted checkpoint is a checkpoint of this ledger: the genesis origin
 * and a valid signature by an admin or treasurer key the ledger had at its
 * size. Called once the keys up to that size are applied, or at the end of
 * the pass when the ledger is shorter (size = the ledger's). When no
 * signature qualifies, the message tells why, first of: a valid signature by
 * a key that may not sign it; a signature by a key of the ledger that does
 * not verify (the text was edited); a signature by a key the ledger does not
 * have. */
static kf_code check_trust_note(verifier *v, int64_t size)
{
    kf_err *err = v->err;
    const kf_note *t = v->trust;
    v->trust_checked = true;
    if (strcmp(t->origin, v->origin) != 0)
        return kf_fail(err, KF_BAD_INPUT, TRUST_BAD "it is for '%s', this ledger is '%s'",
                       t->origin, v->origin);
    const kf_key_info *unfit = NULL, *unverified = NULL;
    size_t unknown = t->nsigs;
    for (size_t i = 0; i < t->nsigs; i++) {
        const kf_key_info *k = find_key(v, t->sigs[i].id);
        if (!k || strcmp(k->name, t->sigs[i].name) != 0) {
            if (unknown == t->nsigs) unknown = i;
            continue;
        }
        if (!kf_sig_ok(k->pub, t->text, t->body_len, t->sigs[i].sig)) {
            if (!unverified) unverified = k;
            continue;
        }
        if ((k->role & (KF_ROLE_ADMIN | KF_ROLE_TREASURER)) && k->added_seq <= t->size &&
            (!k->revoked_seq || k->revoked_seq > t->size))
            return KF_OK;
        if (!unfit) unfit = k;
    }
    if (unfit && !(unfit->role & (KF_ROLE_ADMIN | KF_ROLE_TREASURER)))
        return kf_fail(err, KF_BAD_INPUT,
                       TRUST_BAD "it is signed by %s (%08x), a key with role %s; only admin and "
                                 "treasurer keys sign checkpoints",
                       unfit->name, unfit->id, kf_role_name(unfit->role));
    if (unfit && unfit->added_seq > t->size)
        return kf_fail(err, KF_BAD_INPUT,
                       TRUST_BAD "it is signed by %s (%08x), a key added at seq %lld, after its "
                                 "size %lld",
                       unfit->name, unfit->id, (long long)unfit->added_seq, (long long)t->size);
    if (unfit)
        return kf_fail(err, KF_BAD_INPUT,
                       TRUST_BAD "it is signed by %s (%08x), a key revoked at seq %lld, at or "
                                 "before its size %lld",
                       unfit->name, unfit->id, (long long)unfit->revoked_seq, (long long)t->size);
    if (unverified)
        return kf_fail(err, KF_BAD_INPUT,
                       TRUST_BAD "its signature by %s (%08x) does not verify over its text "
                                 "(edited after signing?)",
                       unverified->name, unverified->id);
    char claim[96];
    if (t->size > size)
        snprintf(claim, sizeof claim, " (it claims size %lld; the ledger has %lld entries)",
                 (long long)t->size, (long long)size);
    else
        snprintf(claim, sizeof claim, " at its size %lld", (long long)t->size);
    if (unknown < t->nsigs)
        return kf_fail(err, KF_BAD_INPUT,
                       TRUST_BAD "it is signed by %s (%08x), which was not a key of this ledger%s",
                       t->sigs[unknown].name, t->sigs[unknown].id, claim);
    return kf_fail(err, KF_BAD_INPUT, TRUST_BAD "it carries no valid signature");
}

/* Step 3 for one entry: the signer's role, the rule hooks, a cosignature;
 * a key entry is kept in v->ents until the commit is done. Takes e. */
static kf_code check_entry_rules(verifier *v, const lg_commit_rec *c, const kf_key_info *signer,
                                 kf_entry *e, size_t *nkeyents, const char **last_kind,
                                 bool *last_ok, const kf_verify_opts *opts)
{
    kf_err *err = v->err;
    kf_code rc = KF_OK;
    if (!*last_kind || strcmp(*last_kind, e->kind) != 0)
        *last_ok = kf_role_may_write(signer->role, e->kind);
    if (!*last_ok) {
        rc = kf_fail(err, KF_REFUSED,
                     "commit %lld, seq %lld: key %s has role %s, which may not write %s entries",
                     (long long)c->id, (long long)e->seq, signer->name, kf_role_name(signer->role),
                     e->kind);
        goto out_entry;
    }
    if (opts && opts->on_entry) {
        kf_row row = {.seq = e->seq, .commit = c->id, .actor = c->key, .entry = e};
        memcpy(row.time, c->time, sizeof row.time);
        if ((rc = opts->on_entry(opts->ctx, &row, err))) goto out_entry;
    }
    if (strcmp(e->kind, "checkpoint.cosign") == 0 && (rc = check_cosign(v, c, signer, e)))
        goto out_entry;
    if (lg_is_key_kind(e->kind)) {
        if (*nkeyents == v->ents_cap) {
            size_t cap = v->ents_cap ? v->ents_cap * 2 : 8;
            kf_entry **grown = realloc(v->ents, cap * sizeof *grown);
            if (!grown) {
                rc = kf_fail(err, KF_SYSTEM, "out of memory");
                goto out_entry;
            }
            v->ents = grown;
            v->ents_cap = cap;
        }
        v->ents[(*nkeyents)++] = e; /* kept until the commit is checked */
        *last_kind = NULL;
        return KF_OK;
    }
    kf_entry_free(v->last);
    v->last = e; /* keeps last_kind valid */
    *last_kind = e->kind;
    return KF_OK;
out_entry:
    kf_entry_free(e);
    return rc;
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

    /* Step 1. The signer: a key the ledger had before this commit; for the
     * genesis commit, the admin key the genesis entry itself names (checked
     * once that entry is read, before any other). */
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

    /* Step 2: the bytes, leaves and nodes of every entry, then the root. */
    v->kept.len = 0;
    v->nends = 0;
    v->too_big = false;
    for (int64_t seq = c.first; seq <= c.last; seq++) {
        kf_entry *e = NULL;
        if ((rc = check_entry(v, &c, seq, &e))) goto out_free;
        if (seq == 1) {
            const char *origin = kf_entry_str(e, "origin");
            snprintf(v->origin, sizeof v->origin, "%s", origin ? origin : "");
            if ((rc = lg_key_from_entry(e, 1, &signer, err))) {
                kf_entry_free(e);
                goto out_free;
            }
            if (signer.id != c.key || !kf_sig_ok(signer.pub, body, len, sig)) {
                kf_entry_free(e);
                rc = kf_fail(err, KF_REFUSED,
                             "commit %lld (seq %lld..%lld): signature does not verify with key "
                             "%s (%08x)",
                             (long long)id, (long long)c.first, (long long)c.last, signer.name,
                             c.key);
                goto out_free;
            }
        }
        kf_entry_free(e);
    }
    kf_hash root;
    kf_merkle_frontier_root(&v->frontier, root);
    if (memcmp(root, c.root, KF_HASH_LEN) != 0) {
        rc = kf_fail(err, KF_REFUSED,
                     "commit %lld (seq %lld..%lld): signed root does not match the entries",
                     (long long)id, (long long)c.first, (long long)c.last);
        goto out_free;
    }

    /* Step 3: roles, rule hooks and cosignatures, entry by entry. */
    size_t nkeyents = 0;
    const char *last_kind = NULL; /* roles are looked up once per run of a kind */
    bool last_ok = false;
    if (v->too_big) {
        sqlite3_reset(v->again);
        sqlite3_bind_int64(v->again, 1, c.first);
        sqlite3_bind_int64(v->again, 2, c.last);
    }
    for (int64_t seq = c.first; seq <= c.last; seq++) {
        kf_entry *e = NULL;
        if (!v->too_big) {
            size_t i = (size_t)(seq - c.first), start = i ? v->ends[i - 1] : 0;
            rc = lg_stored_entry(v->kept.data + start, v->ends[i] - start, seq, &e, err);
        } else {
            rc = reread_entry(v, seq, &e);
        }
        if (rc) goto out_keys;
        if ((rc = check_entry_rules(v, &c, &signer, e, &nkeyents, &last_kind, &last_ok, opts)))
            goto out_keys;
    }
    for (size_t i = 0; i < nkeyents; i++)
        if ((rc = lg_keys_apply(&v->keys, &v->nkeys, v->ents[i], v->ents[i]->seq, err)))
            goto out_keys;
    if (opts && opts->on_commit) {
        kf_commit_info ci = {.id = c.id, .first = c.first, .last = c.last, .key = c.key};
        memcpy(ci.root, c.root, KF_HASH_LEN);
        memcpy(ci.time, c.time, sizeof ci.time);
        memcpy(ci.figures, c.figures, KF_HASH_LEN);
        if ((rc = opts->on_commit(opts->ctx, &ci, err))) goto out_keys;
    }
    if (v->trust && !v->trust_root_seen && v->trust->size >= c.first && v->trust->size <= c.last) {
        /* The trusted size falls inside this commit: the keys up to it are
         * known, so the checkpoint is judged now; then its root is computed
         * from the stored nodes that this pass has just checked (compared at
         * the end). */
        if ((rc = check_trust_note(v, c.last))) goto out_keys;
        if (kf_merkle_root((uint64_t)v->trust->size, lg_ledger_node_reader, v->l, v->trust_root)) {
            rc = lg_tree_fail(v->l, err, "cannot compute the root at trusted size %lld",
                              (long long)v->trust->size);
            goto out_keys;
        }
        v->trust_root_seen = true;
    }
out_keys:
    for (size_t i = 0; i < nkeyents; i++)
        kf_entry_free(v->ents[i]);
out_free:
    if (v->too_big) sqlite3_reset(v->again);
    return rc;
}

/* At the end of the pass: the checkpoint (judged now if the ledger is
 * shorter than it), then the ledger's size and root against it. */
static kf_code check_trust(verifier *v, int64_t size)
{
    kf_err *err = v->err;
    const kf_note *t = v->trust;
    kf_code rc;
    if (!v->trust_checked && (rc = check_trust_note(v, size))) return rc;
    if (t->size > size)
        return kf_fail(err, KF_REFUSED,
                       "ledger has %lld entries but the trusted checkpoint has %lld: truncated or "
                       "rolled back; seq %lld is missing",
                       (long long)size, (long long)t->size, (long long)size + 1);
    if (!v->trust_root_seen)
        return kf_fail(err, KF_REFUSED, "trusted checkpoint size %lld is not a tree of this ledger",
                       (long long)t->size);
    if (memcmp(v->trust_root, t->root, KF_HASH_LEN) != 0)
        return kf_fail(err, KF_REFUSED,
                       "ledger does not extend the trusted checkpoint: its root at size %lld "
                       "differs (an entry at or before seq %lld was rewritten, or the ledger was "
                       "rebuilt)",
                       (long long)t->size, (long long)t->size);
    return KF_OK;
}

kf_code kf_ledger_verify(kf_ledger *l, const kf_verify_opts *opts, kf_verify_report *rep,
                         kf_err *err)
{
    verifier v = {.l = l, .err = err};
    kf_note trust = {0};
    kf_code rc = KF_OK;
    memset(rep, 0, sizeof *rep);
    if (opts && opts->trust) {
        kf_err why = {0};
        if ((rc = kf_note_parse(opts->trust, opts->trust_len, &trust, &why)))
            return kf_fail(err, rc, rc == KF_SYSTEM ? "%s" : TRUST_BAD "%s", why.msg);
        v.trust = &trust;
        if (trust.size < 1) {
            rc = kf_fail(err, KF_BAD_INPUT, TRUST_BAD "its size is 0 (a ledger starts at 1)");
            goto out_note;
        }
    }
    /* One read snapshot: the caller's, if it holds one (the auditor's
     * workbook reads what it verified), else one of its own. */
    bool own_read = sqlite3_get_autocommit(l->db);
    if (own_read && sqlite3_exec(l->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        rc = lg_db_fail(l, err, "starting a read");
        goto out_note;
    }
    if (sqlite3_prepare_v2(l->db, "SELECT id, body, sig FROM commits ORDER BY id", -1, &v.commits,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(l->db,
                           "SELECT seq, commit_id, kind, leaf, body FROM entries ORDER BY seq", -1,
                           &v.entries, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(l->db, "SELECT idx, hash FROM nodes ORDER BY idx", -1, &v.nodes, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(l->db,
                           "SELECT seq, body FROM entries WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq",
                           -1, &v.again, NULL) != SQLITE_OK) {
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
    sqlite3_finalize(v.again);
    if (own_read) sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
out_note:
    free(v.keys);
    kf_buf_free(&v.kept);
    free(v.ends);
    free(v.ents);
    kf_entry_free(v.last);
    kf_note_free(&trust);
    return rc;
}
