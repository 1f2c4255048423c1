/* Unit tests: the ledger API (create, append, roles, proofs, verify) and the
 * test vectors of docs/FORMAT.md §9. */
#include "check_common.h"
#include "kifu/ledger.h"

#include <check.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEST_SEED "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define TEST_NOW "2026-05-01T09:00:00+09:00"

/* docs/FORMAT.md §9 vectors. */
#define VEC_ADMIN_PUB "fa9c7fdad9e83e043c9b45c77f44695e91398952e84d5cfe61662e11031555f1"
#define VEC_ADMIN_ID "d7dafc67"
#define VEC_GENESIS_LEAF "b07d0a8b061ba4660b952a8cfd426079d4841921cc0da5c1603f66629e380580"
#define VEC_COMMIT1_SIG                                                                            \
    "21dad97209178a40fc69313d9cbef137bc5024f15550cac05d698a7aecd171b273d4625f027250a36e08981a5cc7" \
    "2841f84e0cea147617de5da08f8ccb7e6605"
#define VEC_ROOT3 "f3a837cd960f7873bc46fe91ea0c1805406163ecbd038b2e3aafee70785e6ca7"

static char dir[64], path[128];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/kifu-ledger-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/l.db", dir);
    setenv("KIFU_TEST_SEED", TEST_SEED, 1);
    setenv("KIFU_NOW", TEST_NOW, 1);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static kf_ledger *make(const char *p, kf_signer *admin)
{
    kf_ledger *l = NULL;
    kf_err err;
    ck_assert_int_eq(kf_key_generate("admin", admin, &err), KF_OK);
    kf_code rc = kf_ledger_create(p, "さぽーとほっと基金", "example.org/kifu", admin, &l, &err);
    ck_assert_msg(rc == KF_OK, "%s", err.msg);
    return l;
}

static int64_t add_key(kf_ledger *l, const kf_signer *by, const char *name, unsigned role,
                       kf_signer *out, kf_code want)
{
    kf_err err;
    kf_txn *t;
    kf_entry *e;
    ck_assert_int_eq(kf_key_generate(name, out, &err), KF_OK);
    ck_assert_int_eq(kf_key_add_entry(name, out->pub, role, NULL, &e, &err), KF_OK);
    kf_code rc = kf_txn_begin(l, by, &t, &err);
    if (rc == KF_OK) {
        rc = kf_txn_append(t, e, &err);
        if (rc == KF_OK)
            rc = kf_txn_commit(t, NULL, &err);
        else
            kf_txn_abort(t);
    }
    ck_assert_msg(rc == want, "want %d got %d: %s", want, rc, err.msg);
    int64_t seq = e->seq;
    kf_entry_free(e);
    return seq;
}

static void hexof(const uint8_t *b, size_t n, char *out)
{
    kf_hex(b, n, out);
}

START_TEST(vectors)
{
    kf_signer admin, t1, a1;
    kf_ledger *l = make(path, &admin);
    char hex[129];
    hexof(admin.pub, 32, hex);
    printf("VEC_ADMIN_PUB %s\nVEC_ADMIN_ID %08x\n", hex, admin.id);
    kf_hash leaf, root;
    ck_assert_int_eq(kf_ledger_leaf(l, 1, leaf, NULL), KF_OK);
    hexof(leaf, 32, hex);
    printf("VEC_GENESIS_LEAF %s\n", hex);
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(kf_ledger_db(l), "SELECT sig, body FROM commits WHERE id=1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    hexof(sqlite3_column_blob(st, 0), 64, hex);
    printf("VEC_COMMIT1_SIG %s\n", hex);
    printf("VEC_COMMIT1_BODY\n%.*s", sqlite3_column_bytes(st, 1),
           (const char *)sqlite3_column_blob(st, 1));
    ck_assert_str_eq(hex, VEC_COMMIT1_SIG);
    sqlite3_finalize(st);
    add_key(l, &admin, "treasurer1", KF_ROLE_TREASURER, &t1, KF_OK);
    add_key(l, &admin, "auditor1", KF_ROLE_AUDITOR, &a1, KF_OK);
    kf_hash leaf3;
    ck_assert_int_eq(kf_ledger_leaf(l, 3, leaf3, NULL), KF_OK);
    hexof(leaf3, 32, hex);
    ck_assert_str_eq(hex, "d889a68bb8088a2d1386ca1256e6a8c26f5ef5a89ef204e605a378567bfb5ee0");
    kf_buf cp = {0};
    ck_assert_int_eq(kf_checkpoint(l, &admin, &cp, NULL), KF_OK);
    printf("VEC_CHECKPOINT\n%s", cp.data);
    ck_assert_str_eq(
        cp.data, "example.org/kifu\n3\n86g3zZYPeHO8Rv6R6gwYBUBhY+y9A4suOq/ucHhebKc=\n\n"
                 "\xe2\x80\x94 admin 19r8Z9KRfmp1CnTp7ANg9S0jnMDMExqXK7C3qPTjmAzSTQ2C7XWKzSTW6dwX"
                 "45/Jmi3M+zFeIm2n6bvtCEEkEGrozAY=\n");
    kf_buf_free(&cp);
    ck_assert_int_eq(kf_ledger_root(l, 3, root, NULL), KF_OK);
    hexof(root, 32, hex);
    printf("VEC_ROOT3 %s\n", hex);
    ck_assert_str_eq(hex, VEC_ROOT3);
    hexof(admin.pub, 32, hex);
    ck_assert_str_eq(hex, VEC_ADMIN_PUB);
    snprintf(hex, sizeof hex, "%08x", admin.id);
    ck_assert_str_eq(hex, VEC_ADMIN_ID);
    hexof(leaf, 32, hex);
    ck_assert_str_eq(hex, VEC_GENESIS_LEAF);
    kf_ledger_close(l);
}
END_TEST

START_TEST(genesis_bytes)
{
    kf_signer admin;
    kf_ledger *l = make(path, &admin);
    kf_entry *g;
    kf_buf b = {0};
    char b64[64], want[512];
    ck_assert_int_eq(kf_ledger_entry(l, 1, &g, NULL), KF_OK);
    ck_assert_int_eq(kf_entry_encode(g, &b, NULL), KF_OK);
    kf_b64(admin.pub, 32, b64, sizeof b64);
    snprintf(want, sizeof want,
             "kifu.entry.v1\nseq#1\nkind=genesis\nformat=kifu-ledger-2\nfund=さぽーとほっと基金\n"
             "id=%08x\nname=admin\norigin=example.org/kifu\npublic=%s\nrole=admin\n",
             admin.id, b64);
    ck_assert_str_eq(b.data, want);
    /* leaf = SHA-256(0x00 || bytes) */
    kf_hash leaf, stored;
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, (const uint8_t *)"\0", 1);
    crypto_hash_sha256_update(&s, (const uint8_t *)b.data, b.len);
    crypto_hash_sha256_final(&s, leaf);
    ck_assert_int_eq(kf_ledger_leaf(l, 1, stored, NULL), KF_OK);
    ck_assert(memcmp(leaf, stored, 32) == 0);
    kf_buf_free(&b);
    kf_entry_free(g);
    kf_ledger_close(l);
}
END_TEST

START_TEST(reproducible_root)
{
    kf_signer admin, k;
    char p2[160];
    kf_hash r1, r2;
    snprintf(p2, sizeof p2, "%s/second.db", dir);
    kf_ledger *l1 = make(path, &admin);
    add_key(l1, &admin, "r1", KF_ROLE_REVIEWER, &k, KF_OK);
    kf_ledger *l2 = make(p2, &admin);
    add_key(l2, &admin, "r1", KF_ROLE_REVIEWER, &k, KF_OK);
    ck_assert_int_eq(kf_ledger_root(l1, 0, r1, NULL), KF_OK);
    ck_assert_int_eq(kf_ledger_root(l2, 0, r2, NULL), KF_OK);
    ck_assert(memcmp(r1, r2, 32) == 0);
    kf_ledger_close(l1);
    kf_ledger_close(l2);
}
END_TEST

START_TEST(roles_enforced_on_write)
{
    kf_signer admin, t1, r1, a1, x;
    kf_ledger *l = make(path, &admin);
    add_key(l, &admin, "t1", KF_ROLE_TREASURER, &t1, KF_OK);
    add_key(l, &admin, "r1", KF_ROLE_REVIEWER, &r1, KF_OK);
    add_key(l, &admin, "a1", KF_ROLE_AUDITOR, &a1, KF_OK);
    /* neither a treasurer nor a reviewer may add keys */
    add_key(l, &t1, "x1", KF_ROLE_ADMIN, &x, KF_REFUSED);
    add_key(l, &r1, "x2", KF_ROLE_ADMIN, &x, KF_REFUSED);
    /* a key that is not in the ledger may not begin a write */
    kf_signer stranger;
    kf_txn *t;
    kf_err err;
    kf_key_generate("stranger", &stranger, NULL);
    ck_assert_int_eq(kf_txn_begin(l, &stranger, &t, &err), KF_REFUSED);
    /* unknown kinds are refused */
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    kf_entry *e = kf_entry_new("no.such.kind");
    ck_assert_int_eq(kf_txn_append(t, e, &err), KF_BAD_INPUT);
    kf_txn_abort(t);
    kf_entry_free(e);
    /* a revoked key may not write */
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_key_revoke_entry(t1.id, &e, &err), KF_OK);
    ck_assert_int_eq(kf_txn_append(t, e, &err), KF_OK);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    kf_entry_free(e);
    ck_assert_int_eq(kf_txn_begin(l, &t1, &t, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "revoked"));
    kf_ledger_info info;
    ck_assert_int_eq(kf_ledger_get_info(l, &info, NULL), KF_OK);
    ck_assert_int_eq(info.size, 5);
    kf_verify_report rep;
    ck_assert_int_eq(kf_ledger_verify(l, NULL, &rep, &err), KF_OK);
    ck_assert_int_eq(rep.entries, 5);
    ck_assert_int_eq(rep.keys, 4);
    kf_ledger_close(l);
}
END_TEST

static kf_code count_reset(void *ctx, kf_ledger *l, kf_err *err)
{
    (void)l;
    (void)err;
    *(int *)ctx = 0;
    return KF_OK;
}

static kf_code failing_indexer(void *ctx, kf_ledger *l, const kf_row *row, kf_err *err)
{
    (void)l;
    int *calls = ctx;
    if (++*calls == 3) return kf_fail(err, KF_REFUSED, "refused at %s", row->entry->kind);
    return KF_OK;
}

static kf_code counting_indexer(void *ctx, kf_ledger *l, const kf_row *row, kf_err *err)
{
    (void)l;
    (void)err;
    ck_assert_int_eq(row->seq, *(int *)ctx + 1);
    ++*(int *)ctx;
    return KF_OK;
}

START_TEST(abort_writes_nothing)
{
    kf_signer admin, k;
    kf_ledger *l = make(path, &admin);
    kf_hash before, after;
    kf_txn *t;
    kf_err err;
    ck_assert_int_eq(kf_ledger_root(l, 0, before, NULL), KF_OK);
    int calls = 0;
    kf_index ix = {"failing", 1, count_reset, failing_indexer, NULL, &calls, NULL};
    ck_assert_int_eq(kf_ledger_add_index(l, &ix, &err), KF_OK);
    ck_assert_int_eq(calls, 1); /* caught up with the genesis */
    calls = 1;
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    kf_code rc = KF_OK;
    for (int i = 0; i < 3 && rc == KF_OK; i++) {
        char name[16];
        kf_entry *e;
        snprintf(name, sizeof name, "k%d", i);
        kf_key_generate(name, &k, NULL);
        kf_key_add_entry(name, k.pub, KF_ROLE_REVIEWER, NULL, &e, &err);
        rc = kf_txn_append(t, e, &err);
        kf_entry_free(e);
    }
    ck_assert_int_eq(rc, KF_REFUSED);
    kf_txn_abort(t);
    kf_ledger_close(l);
    ck_assert_int_eq(kf_ledger_open(path, &l, &err), KF_OK);
    kf_ledger_info info;
    ck_assert_int_eq(kf_ledger_get_info(l, &info, NULL), KF_OK);
    ck_assert_int_eq(info.size, 1);
    ck_assert_int_eq(kf_ledger_root(l, 0, after, NULL), KF_OK);
    ck_assert(memcmp(before, after, 32) == 0);
    /* and a later write still works and verifies */
    add_key(l, &admin, "k9", KF_ROLE_REVIEWER, &k, KF_OK);
    kf_verify_report rep;
    ck_assert_int_eq(kf_ledger_verify(l, NULL, &rep, &err), KF_OK);
    ck_assert_int_eq(rep.entries, 2);
    kf_ledger_close(l);
}
END_TEST

START_TEST(index_catch_up_and_rebuild)
{
    kf_signer admin, k;
    kf_err err;
    kf_ledger *l = make(path, &admin);
    add_key(l, &admin, "a", KF_ROLE_REVIEWER, &k, KF_OK);
    int count = -1;
    kf_index ix = {"count", 1, count_reset, counting_indexer, NULL, &count, NULL};
    ck_assert_int_eq(kf_ledger_add_index(l, &ix, &err), KF_OK);
    ck_assert_int_eq(count, 2); /* rebuilt from both entries */
    add_key(l, &admin, "b", KF_ROLE_REVIEWER, &k, KF_OK);
    ck_assert_int_eq(count, 3); /* applied on append */
    kf_ledger_close(l);
    /* entries appended without the index are caught up on the next open */
    ck_assert_int_eq(kf_ledger_open(path, &l, &err), KF_OK);
    add_key(l, &admin, "c", KF_ROLE_REVIEWER, &k, KF_OK);
    ck_assert_int_eq(kf_ledger_add_index(l, &ix, &err), KF_OK);
    ck_assert_int_eq(count, 4);
    ck_assert_int_eq(kf_ledger_reindex(l, &err), KF_OK);
    ck_assert_int_eq(count, 4);
    /* a new version rebuilds */
    kf_ledger_close(l);
    ck_assert_int_eq(kf_ledger_open(path, &l, &err), KF_OK);
    count = 100;
    ix.version = 2;
    ck_assert_int_eq(kf_ledger_add_index(l, &ix, &err), KF_OK);
    ck_assert_int_eq(count, 4);
    kf_ledger_close(l);
}
END_TEST

START_TEST(proofs_verify)
{
    kf_signer admin, k;
    kf_ledger *l = make(path, &admin);
    kf_txn *t;
    kf_err err;
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    for (int i = 0; i < 40; i++) {
        char name[16];
        kf_entry *e;
        snprintf(name, sizeof name, "k%02d", i);
        kf_key_generate(name, &k, NULL);
        kf_key_add_entry(name, k.pub, KF_ROLE_REVIEWER, NULL, &e, &err);
        ck_assert_int_eq(kf_txn_append(t, e, &err), KF_OK);
        kf_entry_free(e);
    }
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    for (int64_t size = 1; size <= 41; size++) {
        kf_hash root, leaf, path_[KF_PROOF_MAX], old;
        size_t n;
        ck_assert_int_eq(kf_ledger_root(l, size, root, &err), KF_OK);
        for (int64_t seq = 1; seq <= size; seq++) {
            ck_assert_int_eq(kf_ledger_prove_inclusion(l, seq, size, path_, &n, &err), KF_OK);
            ck_assert_int_eq(kf_ledger_leaf(l, seq, leaf, &err), KF_OK);
            ck_assert(kf_merkle_verify_inclusion((uint64_t)seq - 1, (uint64_t)size, leaf,
                                                 (const kf_hash *)path_, n, root));
        }
        for (int64_t m = 1; m <= size; m++) {
            ck_assert_int_eq(kf_ledger_prove_consistency(l, m, size, path_, &n, &err), KF_OK);
            ck_assert_int_eq(kf_ledger_root(l, m, old, &err), KF_OK);
            ck_assert(kf_merkle_verify_consistency((uint64_t)m, (uint64_t)size, old, root,
                                                   (const kf_hash *)path_, n));
        }
    }
    kf_hash p[KF_PROOF_MAX];
    size_t n;
    ck_assert_int_eq(kf_ledger_prove_inclusion(l, 42, 0, p, &n, &err), KF_BAD_INPUT);
    ck_assert_int_eq(kf_ledger_prove_consistency(l, 5, 4, p, &n, &err), KF_BAD_INPUT);
    kf_ledger_close(l);
}
END_TEST

static kf_entry *donation(int i)
{
    kf_entry *e = kf_entry_new("donation");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(kf_entry_set_int(e, "amount", 1000 + i, NULL), KF_OK);
    ck_assert_int_eq(kf_entry_set_str(e, "date", "2026-05-01", NULL), KF_OK);
    return e;
}

/* Appends wait in the transaction and go to SQLite in batches: every reader
 * must see them (entries, leaves, nodes), the commit must write them all,
 * and an abort must drop them. */
START_TEST(batched_appends)
{
    kf_signer admin;
    kf_ledger *l = make(path, &admin);
    kf_txn *t;
    kf_err err;
    kf_hash in_txn, root, p[KF_PROOF_MAX], leaf;
    size_t n;
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    for (int i = 0; i < 70; i++) {
        kf_entry *e = donation(i);
        ck_assert_int_eq(kf_txn_append(t, e, &err), KF_OK);
        kf_entry_free(e);
    }
    /* seq 71 was appended last: still in the batch until a reader asks */
    kf_entry *got;
    int64_t amount;
    ck_assert_int_eq(kf_ledger_entry(l, 71, &got, &err), KF_OK);
    ck_assert(kf_entry_int(got, "amount", &amount));
    ck_assert_int_eq(amount, 1069);
    kf_entry_free(got);
    ck_assert_int_eq(kf_ledger_root(l, 0, in_txn, &err), KF_OK);
    ck_assert_int_eq(kf_ledger_prove_inclusion(l, 71, 0, p, &n, &err), KF_OK);
    ck_assert_int_eq(kf_ledger_leaf(l, 71, leaf, &err), KF_OK);
    ck_assert(kf_merkle_verify_inclusion(70, 71, leaf, (const kf_hash *)p, n, in_txn));
    for (int i = 70; i < 75; i++) { /* more appends after the readers */
        kf_entry *e = donation(i);
        ck_assert_int_eq(kf_txn_append(t, e, &err), KF_OK);
        kf_entry_free(e);
    }
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    kf_ledger_info info;
    ck_assert_int_eq(kf_ledger_get_info(l, &info, &err), KF_OK);
    ck_assert_int_eq(info.size, 76);
    ck_assert_int_eq(kf_ledger_root(l, 71, root, &err), KF_OK);
    ck_assert(memcmp(root, in_txn, sizeof root) == 0);
    kf_verify_report rep;
    ck_assert_int_eq(kf_ledger_verify(l, NULL, &rep, &err), KF_OK);
    ck_assert_int_eq(rep.entries, 76);

    /* 40 appends aborted leave nothing; the next commit starts clean */
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    for (int i = 0; i < 40; i++) {
        kf_entry *e = donation(100 + i);
        ck_assert_int_eq(kf_txn_append(t, e, &err), KF_OK);
        kf_entry_free(e);
    }
    kf_txn_abort(t);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    kf_entry *e = donation(7);
    ck_assert_int_eq(kf_txn_append(t, e, &err), KF_OK);
    kf_entry_free(e);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    ck_assert_int_eq(kf_ledger_entry(l, 77, &got, &err), KF_OK);
    ck_assert(kf_entry_int(got, "amount", &amount));
    ck_assert_int_eq(amount, 1007);
    kf_entry_free(got);
    ck_assert_int_eq(kf_ledger_verify(l, NULL, &rep, &err), KF_OK);
    ck_assert_int_eq(rep.entries, 77);
    kf_ledger_close(l);
}
END_TEST

START_TEST(checkpoint_and_cosign)
{
    kf_signer admin, a1, r1;
    kf_ledger *l = make(path, &admin);
    add_key(l, &admin, "a1", KF_ROLE_AUDITOR, &a1, KF_OK);
    add_key(l, &admin, "r1", KF_ROLE_REVIEWER, &r1, KF_OK);
    kf_buf cp = {0}, co = {0};
    kf_err err;
    ck_assert_int_eq(kf_checkpoint(l, &admin, &cp, &err), KF_OK);
    /* an auditor may not make checkpoints; a reviewer may not cosign */
    kf_buf junk = {0};
    ck_assert_int_eq(kf_checkpoint(l, &a1, &junk, &err), KF_REFUSED);
    int64_t seq;
    ck_assert_int_eq(kf_cosign(l, &r1, cp.data, cp.len, &junk, &seq, &err), KF_REFUSED);
    ck_assert_int_eq(kf_cosign(l, &a1, cp.data, cp.len, &co, &seq, &err), KF_OK);
    ck_assert_int_eq(seq, 4);
    kf_note note;
    ck_assert_int_eq(kf_note_parse(co.data, co.len, &note, &err), KF_OK);
    ck_assert_int_eq(note.size, 3);
    ck_assert_uint_eq(note.nsigs, 2);
    ck_assert(kf_note_signed_by(&note, "admin", admin.pub));
    ck_assert(kf_note_signed_by(&note, "a1", a1.pub));
    ck_assert(!kf_note_signed_by(&note, "r1", r1.pub));
    kf_note_free(&note);
    /* cosigning twice, or an older checkpoint, is refused */
    ck_assert_int_eq(kf_cosign(l, &a1, co.data, co.len, &junk, &seq, &err), KF_REFUSED);
    /* the cosigned checkpoint is a valid trust anchor */
    kf_verify_opts vo = {.trust = co.data, .trust_len = co.len};
    kf_verify_report rep;
    ck_assert_int_eq(kf_ledger_verify(l, &vo, &rep, &err), KF_OK);
    ck_assert(rep.trusted);
    /* a tampered note is refused as a checkpoint (its signature fails), not
     * blamed on the ledger */
    char *root_line = strchr(strchr(cp.data, '\n') + 1, '\n') + 1;
    root_line[0] = root_line[0] == 'A' ? 'B' : 'A';
    vo.trust = cp.data;
    vo.trust_len = cp.len;
    ck_assert_int_eq(kf_ledger_verify(l, &vo, &rep, &err), KF_BAD_INPUT);
    ck_assert_msg(strstr(err.msg, "trusted checkpoint is not a valid checkpoint of this ledger: "
                                  "its signature by admin") == err.msg,
                  "%s", err.msg);
    kf_buf_free(&cp);
    kf_buf_free(&co);
    kf_buf_free(&junk);
    kf_ledger_close(l);
}
END_TEST

START_TEST(open_errors)
{
    kf_ledger *l;
    kf_err err;
    char p[160];
    snprintf(p, sizeof p, "%s/none.db", dir);
    ck_assert_int_eq(kf_ledger_open(p, &l, &err), KF_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "no ledger"));
    sqlite3 *db;
    snprintf(p, sizeof p, "%s/other.db", dir);
    ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    ck_assert_int_eq(kf_ledger_open(p, &l, &err), KF_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a kifu ledger"));
    kf_signer admin;
    kf_key_generate("admin", &admin, NULL);
    ck_assert_int_eq(kf_ledger_create(p, "f", "o", &admin, &l, &err), KF_BAD_INPUT);
}
END_TEST

int main(void)
{
    if (tu_init()) return EXIT_FAILURE;
    Suite *s = suite_create("ledger");
    TCase *tc = tu_core(s, setup, teardown);
    tcase_add_test(tc, vectors);
    tcase_add_test(tc, genesis_bytes);
    tcase_add_test(tc, reproducible_root);
    tcase_add_test(tc, roles_enforced_on_write);
    tcase_add_test(tc, abort_writes_nothing);
    tcase_add_test(tc, proofs_verify);
    tcase_add_test(tc, batched_appends);
    tcase_add_test(tc, index_catch_up_and_rebuild);
    tcase_add_test(tc, checkpoint_and_cosign);
    tcase_add_test(tc, open_errors);
    return tu_run(s);
}
