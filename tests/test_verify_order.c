/* Unit tests: the order of verification's checks (ledger/verify.c).
 *   - a trusted checkpoint is judged on its own (parse, origin, a signature
 *     by an admin or treasurer key the ledger had at its size) before its
 *     size and root are compared with the ledger;
 *   - checkpoint.cosign entries are re-checked (fields, origin, auditor,
 *     size, root, signature line);
 *   - a commit's entries are all checked against its signed root before any
 *     role or rule check, so a rewritten entry is a root that does not match;
 *   - on_entry and on_commit are called in order, for small commits (kept
 *     between the steps) and large ones (read again). */
#include "../ledger/ledger_internal.h"
#include "check_common.h"
#include "kifu/ledger.h"

#include <sqlite3.h>

#define ORIGIN "example.org/kifu"
#define TRUST_BAD "trusted checkpoint is not a valid checkpoint of this ledger: "

static char dir[64], path[128];

static void setup(void)
{
    tu_tmpdir("vorder", dir, path);
    setenv("KIFU_NOW", "2026-05-01T09:00:00+09:00", 1);
    unsetenv("KIFU_TEST_SEED");
}

static void teardown(void)
{
    tu_cleanup(NULL, dir);
}

/* A plain ledger (no modules) at p with a new admin key. */
static kf_ledger *make(const char *p, kf_signer *admin)
{
    kf_ledger *l = NULL;
    kf_err err = {0};
    ck_assert_int_eq(kf_key_generate("admin", admin, &err), KF_OK);
    ck_assert_msg(kf_ledger_create(p, "F", ORIGIN, admin, &l, &err) == KF_OK, "%s", err.msg);
    return l;
}

/* Appends e in a commit of its own by `by`; returns its seq. Takes e. */
static int64_t append1(kf_ledger *l, const kf_signer *by, kf_entry *e)
{
    kf_err err = {0};
    kf_txn *t;
    ck_assert_msg(kf_txn_begin(l, by, &t, &err) == KF_OK, "%s", err.msg);
    ck_assert_msg(kf_txn_append(t, e, &err) == KF_OK, "%s", err.msg);
    ck_assert_msg(kf_txn_commit(t, NULL, &err) == KF_OK, "%s", err.msg);
    int64_t seq = e->seq;
    kf_entry_free(e);
    return seq;
}

static int64_t add_key(kf_ledger *l, const kf_signer *by, const char *name, unsigned role,
                       kf_signer *out)
{
    kf_entry *e;
    ck_assert_int_eq(kf_key_generate(name, out, NULL), KF_OK);
    ck_assert_int_eq(kf_key_add_entry(name, out->pub, role, NULL, &e, NULL), KF_OK);
    return append1(l, by, e);
}

static int64_t revoke_key(kf_ledger *l, const kf_signer *by, uint32_t id)
{
    kf_entry *e;
    ck_assert_int_eq(kf_key_revoke_entry(id, &e, NULL), KF_OK);
    return append1(l, by, e);
}

static kf_entry *donation(int64_t amount)
{
    kf_entry *e = kf_entry_new("donation");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(kf_entry_set_int(e, "amount", amount, NULL), KF_OK);
    ck_assert_int_eq(kf_entry_set_str(e, "date", "2026-05-01", NULL), KF_OK);
    return e;
}

/* Padding for entries: 300 entries with a pad of PAD bytes are more than the
 * 4 MiB of entry bytes that verification keeps between its steps
 * (ledger/verify.c), so their commit is read again. */
#define PAD 16000

/* One commit of n donations by `by`, amounts base, base + 1...; with a field
 * of `pad` (<= PAD) bytes if not 0. */
static void donations(kf_ledger *l, const kf_signer *by, int n, int64_t base, int pad)
{
    kf_err err = {0};
    kf_txn *t;
    static char padding[PAD + 1];
    ck_assert_int_le(pad, PAD);
    memset(padding, 'x', (size_t)pad);
    padding[pad] = '\0';
    ck_assert_msg(kf_txn_begin(l, by, &t, &err) == KF_OK, "%s", err.msg);
    for (int i = 0; i < n; i++) {
        kf_entry *e = donation(base + i);
        if (pad) ck_assert_int_eq(kf_entry_set_str(e, "pad", padding, NULL), KF_OK);
        ck_assert_msg(kf_txn_append(t, e, &err) == KF_OK, "%s", err.msg);
        kf_entry_free(e);
    }
    ck_assert_msg(kf_txn_commit(t, NULL, &err) == KF_OK, "%s", err.msg);
}

/* The C2SP signature line "— name base64(id || sig)" (no newline) of s over
 * the checkpoint body of (origin, size, root). */
static void sig_line(const kf_signer *s, const char *origin, int64_t size, const kf_hash root,
                     char out[256])
{
    char rb64[64], body[512], sb64[128];
    uint8_t raw[68];
    kf_b64(root, KF_HASH_LEN, rb64, sizeof rb64);
    int n = snprintf(body, sizeof body, "%s\n%lld\n%s\n", origin, (long long)size, rb64);
    raw[0] = (uint8_t)(s->id >> 24);
    raw[1] = (uint8_t)(s->id >> 16);
    raw[2] = (uint8_t)(s->id >> 8);
    raw[3] = (uint8_t)s->id;
    kf_sign(s, body, (size_t)n, raw + 4);
    kf_b64(raw, sizeof raw, sb64, sizeof sb64);
    snprintf(out, 256, "\xE2\x80\x94 %s %s", s->name, sb64);
}

/* A checkpoint note of (origin, size, root) signed by s1 and, if given, s2. */
static void note(kf_buf *out, const char *origin, int64_t size, const kf_hash root,
                 const kf_signer *s1, const kf_signer *s2)
{
    char b64[64], line[256];
    out->len = 0;
    kf_b64(root, KF_HASH_LEN, b64, sizeof b64);
    ck_assert(kf_buf_printf(out, "%s\n%lld\n%s\n\n", origin, (long long)size, b64));
    sig_line(s1, origin, size, root, line);
    ck_assert(kf_buf_printf(out, "%s\n", line));
    if (s2) {
        sig_line(s2, origin, size, root, line);
        ck_assert(kf_buf_printf(out, "%s\n", line));
    }
}

static kf_code verify_trust(kf_ledger *l, const kf_buf *cp, kf_err *err)
{
    kf_verify_opts vo = {.trust = cp->data, .trust_len = cp->len};
    kf_verify_report rep;
    kf_code rc = kf_ledger_verify(l, &vo, &rep, err);
    if (rc == KF_OK) ck_assert(rep.trusted);
    return rc;
}

/* The checkpoint was refused as a checkpoint (KF_BAD_INPUT), never blamed on
 * the ledger, with `why` after the prefix. */
static void assert_bad_checkpoint(kf_ledger *l, const kf_buf *cp, const char *why)
{
    kf_err err = {0};
    kf_code rc = verify_trust(l, cp, &err);
    ck_assert_msg(rc == KF_BAD_INPUT, "verify gave %d (%s) for a bad checkpoint", rc, err.msg);
    ck_assert_msg(strncmp(err.msg, TRUST_BAD, strlen(TRUST_BAD)) == 0, "said '%s'", err.msg);
    ck_assert_msg(strstr(err.msg, why) != NULL, "said '%s', want '%s'", err.msg, why);
    ck_assert_msg(!strstr(err.msg, "truncated") && !strstr(err.msg, "rewritten") &&
                      !strstr(err.msg, "does not extend"),
                  "blamed the ledger: %s", err.msg);
}

static void assert_good_checkpoint(kf_ledger *l, const kf_buf *cp)
{
    kf_err err = {0};
    ck_assert_msg(verify_trust(l, cp, &err) == KF_OK, "refused: %s\n%s", err.msg, cp->data);
}

/* Replaces the first occurrence of `from` in the note text by `to`. */
static void edit(kf_buf *cp, const char *from, const char *to)
{
    char *at = strstr(cp->data, from);
    ck_assert_ptr_nonnull(at);
    size_t fl = strlen(from), tl = strlen(to), tail = cp->len - (size_t)(at - cp->data) - fl;
    kf_buf b = {0};
    ck_assert(kf_buf_put(&b, cp->data, (size_t)(at - cp->data)) && kf_buf_put(&b, to, tl) &&
              kf_buf_put(&b, at + fl, tail));
    cp->len = 0;
    ck_assert(kf_buf_put(cp, b.data, b.len));
    kf_buf_free(&b);
}

/* seq 1 genesis (admin), 2 t1 treasurer, 3 a1 auditor, 4 r1 reviewer,
 * 5 t2 treasurer, 6..8 donations by t1 (one commit), 9 t2 revoked,
 * 10 t3 treasurer, 11 donation by t3, 12..13 t4 and t5 treasurers (one
 * commit). */
START_TEST(trusted_checkpoint_judged_first)
{
    kf_signer admin, t1, a1, r1, t2, t3, t4, t5, stranger;
    kf_ledger *l = make(path, &admin);
    kf_hash root[14];
    kf_buf cp = {0};
    ck_assert_int_eq(add_key(l, &admin, "t1", KF_ROLE_TREASURER, &t1), 2);
    ck_assert_int_eq(add_key(l, &admin, "a1", KF_ROLE_AUDITOR, &a1), 3);
    ck_assert_int_eq(add_key(l, &admin, "r1", KF_ROLE_REVIEWER, &r1), 4);
    ck_assert_int_eq(add_key(l, &admin, "t2", KF_ROLE_TREASURER, &t2), 5);
    donations(l, &t1, 3, 1000, 0);
    ck_assert_int_eq(revoke_key(l, &admin, t2.id), 9);
    ck_assert_int_eq(add_key(l, &admin, "t3", KF_ROLE_TREASURER, &t3), 10);
    ck_assert_int_eq(append1(l, &t3, donation(5)), 11);
    kf_txn *t;
    kf_entry *e4, *e5;
    ck_assert_int_eq(kf_key_generate("t4", &t4, NULL), KF_OK);
    ck_assert_int_eq(kf_key_generate("t5", &t5, NULL), KF_OK);
    ck_assert_int_eq(kf_key_add_entry("t4", t4.pub, KF_ROLE_TREASURER, NULL, &e4, NULL), KF_OK);
    ck_assert_int_eq(kf_key_add_entry("t5", t5.pub, KF_ROLE_TREASURER, NULL, &e5, NULL), KF_OK);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, NULL), KF_OK);
    ck_assert_int_eq(kf_txn_append(t, e4, NULL), KF_OK);
    ck_assert_int_eq(kf_txn_append(t, e5, NULL), KF_OK);
    ck_assert_int_eq(kf_txn_commit(t, NULL, NULL), KF_OK);
    kf_entry_free(e4);
    kf_entry_free(e5);
    ck_assert_int_eq(kf_key_generate("stranger", &stranger, NULL), KF_OK);
    for (int64_t n = 1; n <= 13; n++)
        ck_assert_int_eq(kf_ledger_root(l, n, root[n], NULL), KF_OK);

    /* good ones: kifu's own, and notes by keys the ledger had at the size */
    ck_assert_int_eq(kf_checkpoint(l, &admin, &cp, NULL), KF_OK);
    assert_good_checkpoint(l, &cp);
    note(&cp, ORIGIN, 8, root[8], &t2, NULL); /* t2 revoked at 9, after size 8 */
    assert_good_checkpoint(l, &cp);
    note(&cp, ORIGIN, 10, root[10], &t3, NULL); /* t3 added at seq 10 */
    assert_good_checkpoint(l, &cp);
    note(&cp, ORIGIN, 1, root[1], &admin, NULL);
    assert_good_checkpoint(l, &cp);
    note(&cp, ORIGIN, 7, root[7], &a1, &t1); /* one signature qualifies */
    assert_good_checkpoint(l, &cp);

    /* the size line edited: the signature fails, the checkpoint is blamed */
    ck_assert_int_eq(kf_checkpoint(l, &admin, &cp, NULL), KF_OK);
    edit(&cp, "\n13\n", "\n14\n");
    assert_bad_checkpoint(l, &cp, "its signature by admin");
    edit(&cp, "\n14\n", "\n10\n");
    assert_bad_checkpoint(l, &cp, "does not verify over its text");
    edit(&cp, "\n10\n", "\n3\n");
    assert_bad_checkpoint(l, &cp, "does not verify over its text");

    /* keys that may not sign it */
    note(&cp, ORIGIN, 8, root[8], &a1, NULL);
    assert_bad_checkpoint(l, &cp, "it is signed by a1 (");
    assert_bad_checkpoint(l, &cp, "a key with role auditor; only admin and treasurer keys");
    note(&cp, ORIGIN, 8, root[8], &r1, NULL);
    assert_bad_checkpoint(l, &cp, "a key with role reviewer");
    note(&cp, ORIGIN, 9, root[9], &t2, NULL);
    assert_bad_checkpoint(l, &cp, "a key revoked at seq 9, at or before its size 9");
    note(&cp, ORIGIN, 11, root[11], &t2, NULL);
    assert_bad_checkpoint(l, &cp, "t2");
    note(&cp, ORIGIN, 9, root[9], &t3, NULL); /* t3 added by a later commit */
    assert_bad_checkpoint(l, &cp, "it is signed by t3 (");
    assert_bad_checkpoint(l, &cp, "which was not a key of this ledger at its size 9");
    note(&cp, ORIGIN, 12, root[12], &t5, NULL); /* t5 added by the same commit, later */
    assert_bad_checkpoint(l, &cp, "it is signed by t5 (");
    assert_bad_checkpoint(l, &cp, "a key added at seq 13, after its size 12");
    note(&cp, ORIGIN, 12, root[12], &t4, NULL);
    assert_good_checkpoint(l, &cp);
    note(&cp, ORIGIN, 11, root[11], &stranger, NULL);
    assert_bad_checkpoint(l, &cp, "signed by stranger (");
    assert_bad_checkpoint(l, &cp, "which was not a key of this ledger at its size 11");
    note(&cp, ORIGIN, 14, root[13], &stranger, NULL);
    assert_bad_checkpoint(l, &cp,
                          "which was not a key of this ledger (it claims size 14; the "
                          "ledger has 13 entries)");

    /* other origin, size 0, not a note */
    note(&cp, "other.example/x", 11, root[11], &admin, NULL);
    assert_bad_checkpoint(l, &cp, "it is for 'other.example/x', this ledger is '" ORIGIN "'");
    note(&cp, ORIGIN, 0, root[1], &admin, NULL);
    assert_bad_checkpoint(l, &cp, "its size is 0");
    cp.len = 0;
    ck_assert(kf_buf_puts(&cp, ORIGIN "\nx\nroot\n\n\xE2\x80\x94 admin AAAA\n"));
    assert_bad_checkpoint(l, &cp, "line 2 is not a tree size");

    /* valid checkpoints that the ledger does not extend: the ledger is blamed */
    kf_err err = {0};
    note(&cp, ORIGIN, 14, root[13], &t1, NULL);
    ck_assert_int_eq(verify_trust(l, &cp, &err), KF_REFUSED);
    ck_assert_msg(strstr(err.msg, "ledger has 13 entries but the trusted checkpoint has 14: "
                                  "truncated or rolled back; seq 14 is missing") != NULL,
                  "%s", err.msg);
    note(&cp, ORIGIN, 8, root[7], &admin, NULL);
    ck_assert_int_eq(verify_trust(l, &cp, &err), KF_REFUSED);
    ck_assert_msg(strstr(err.msg, "ledger does not extend the trusted checkpoint: its root at "
                                  "size 8 differs") != NULL,
                  "%s", err.msg);
    kf_buf_free(&cp);
    kf_ledger_close(l);
}
END_TEST

/* --- checkpoint.cosign entries -------------------------------------------- */

typedef struct {
    kf_signer admin, a1, a2;
    kf_hash root4, root5;
    char root5hex[65], a1id[9], a2id[9];
} cosign_fixture;

/* seq 1 genesis, 2 a1 auditor, 3 a2 auditor, 4..5 donations by admin. */
static kf_ledger *cosign_ledger(const char *p, cosign_fixture *f)
{
    kf_ledger *l = make(p, &f->admin);
    add_key(l, &f->admin, "a1", KF_ROLE_AUDITOR, &f->a1);
    add_key(l, &f->admin, "a2", KF_ROLE_AUDITOR, &f->a2);
    donations(l, &f->admin, 2, 1000, 0);
    ck_assert_int_eq(kf_ledger_root(l, 4, f->root4, NULL), KF_OK);
    ck_assert_int_eq(kf_ledger_root(l, 5, f->root5, NULL), KF_OK);
    kf_hex(f->root5, KF_HASH_LEN, f->root5hex);
    snprintf(f->a1id, sizeof f->a1id, "%08x", f->a1.id);
    snprintf(f->a2id, sizeof f->a2id, "%08x", f->a2.id);
    return l;
}

/* The cosign entry kf_cosign would write for a1 at size 5. */
static kf_entry *good_cosign(const cosign_fixture *f)
{
    char line[256];
    kf_entry *e = kf_entry_new("checkpoint.cosign");
    ck_assert_ptr_nonnull(e);
    sig_line(&f->a1, ORIGIN, 5, f->root5, line);
    ck_assert_int_eq(kf_entry_set_str(e, "auditor", f->a1id, NULL), KF_OK);
    ck_assert_int_eq(kf_entry_set_str(e, "origin", ORIGIN, NULL), KF_OK);
    ck_assert_int_eq(kf_entry_set_str(e, "root", f->root5hex, NULL), KF_OK);
    ck_assert_int_eq(kf_entry_set_str(e, "signature", line, NULL), KF_OK);
    ck_assert_int_eq(kf_entry_set_int(e, "size", 5, NULL), KF_OK);
    return e;
}

/* A new entry with the fields of e except `drop` (may be NULL). */
static kf_entry *without(kf_entry *e, const char *drop)
{
    kf_entry *c = kf_entry_new(e->kind);
    for (size_t i = 0; i < e->nfields; i++) {
        const kf_field *fl = &e->fields[i];
        if (drop && strcmp(fl->key, drop) == 0) continue;
        if (fl->type == KF_FIELD_INT)
            ck_assert_int_eq(kf_entry_set_int(c, fl->key, fl->num, NULL), KF_OK);
        else
            ck_assert_int_eq(kf_entry_set_str(c, fl->key, fl->str, NULL), KF_OK);
    }
    kf_entry_free(e);
    return c;
}

static kf_code verify_plain(kf_ledger *l, kf_err *err)
{
    kf_verify_report rep;
    return kf_ledger_verify(l, NULL, &rep, err);
}

enum {
    C_GOOD,
    C_REAL,
    C_ROOT,
    C_ROOT_UPPER,
    C_ORIGIN,
    C_SIZE_SELF,
    C_SIZE_0,
    C_SIG_OTHER_KEY,
    C_SIG_OTHER_SIZE,
    C_SIG_TWO_LINES,
    C_SIG_GARBAGE,
    C_AUDITOR_OTHER,
    C_AUDITOR_UPPER,
    C_MISSING,
    C_EXTRA,
    C_SIZE_STR,
    C_NCASES
};

START_TEST(cosign_entries_checked)
{
    static const char *want[C_NCASES] = {
        [C_ROOT] = "seq 6: checkpoint.cosign root differs from the ledger's root at size 5",
        [C_ROOT_UPPER] = "seq 6: checkpoint.cosign root is not 64 lowercase hex digits",
        [C_ORIGIN] = "seq 6: checkpoint.cosign is for origin 'evil.example/kifu', not this "
                     "ledger's '" ORIGIN "'",
        [C_SIZE_SELF] = "seq 6: checkpoint.cosign size 6 is not an earlier size of the ledger "
                        "(1..5)",
        [C_SIZE_0] = "seq 6: checkpoint.cosign size 0 is not an earlier size",
        [C_SIG_OTHER_KEY] = "seq 6: checkpoint.cosign signature is not a valid signature line by "
                            "auditor a1 of the checkpoint at size 5",
        [C_SIG_OTHER_SIZE] = "seq 6: checkpoint.cosign signature is not a valid signature line",
        [C_SIG_TWO_LINES] = "seq 6: checkpoint.cosign signature is not a valid signature line",
        [C_SIG_GARBAGE] = "seq 6: checkpoint.cosign signature is not a valid signature line",
        [C_AUDITOR_OTHER] = "seq 6: checkpoint.cosign names auditor ",
        [C_AUDITOR_UPPER] = "seq 6: checkpoint.cosign auditor '",
        [C_MISSING] = "seq 6: checkpoint.cosign must have exactly the fields auditor, origin, root",
        [C_EXTRA] = "seq 6: checkpoint.cosign must have exactly the fields",
        [C_SIZE_STR] = "seq 6: checkpoint.cosign must have exactly the fields",
    };
    for (int c = 0; c < C_NCASES; c++) {
        char p[160], line[256], up[65];
        cosign_fixture f;
        kf_err err = {0};
        snprintf(p, sizeof p, "%s/cosign-%d.db", dir, c);
        kf_ledger *l = cosign_ledger(p, &f);
        kf_entry *e = good_cosign(&f);
        switch (c) {
        case C_REAL: {
            kf_buf cp = {0}, co = {0};
            int64_t seq;
            kf_entry_free(e);
            e = NULL;
            ck_assert_int_eq(kf_checkpoint(l, &f.admin, &cp, NULL), KF_OK);
            ck_assert_int_eq(kf_cosign(l, &f.a1, cp.data, cp.len, &co, &seq, &err), KF_OK);
            ck_assert_int_eq(seq, 6);
            kf_buf_free(&cp);
            kf_buf_free(&co);
            break;
        }
        case C_ROOT:
            kf_hex(f.root4, KF_HASH_LEN, up);
            ck_assert_int_eq(kf_entry_set_str(e, "root", up, NULL), KF_OK);
            break;
        case C_ROOT_UPPER:
            for (int i = 0; i < 64; i++)
                up[i] = (char)(f.root5hex[i] >= 'a' ? f.root5hex[i] - 32 : f.root5hex[i]);
            up[64] = '\0';
            ck_assert_int_eq(kf_entry_set_str(e, "root", up, NULL), KF_OK);
            break;
        case C_ORIGIN:
            ck_assert_int_eq(kf_entry_set_str(e, "origin", "evil.example/kifu", NULL), KF_OK);
            break;
        case C_SIZE_SELF:
            ck_assert_int_eq(kf_entry_set_int(e, "size", 6, NULL), KF_OK);
            break;
        case C_SIZE_0:
            ck_assert_int_eq(kf_entry_set_int(e, "size", 0, NULL), KF_OK);
            break;
        case C_SIG_OTHER_KEY: /* a2's line, a1 named and signing the commit */
            sig_line(&f.a2, ORIGIN, 5, f.root5, line);
            ck_assert_int_eq(kf_entry_set_str(e, "signature", line, NULL), KF_OK);
            break;
        case C_SIG_OTHER_SIZE:
            sig_line(&f.a1, ORIGIN, 4, f.root4, line);
            ck_assert_int_eq(kf_entry_set_str(e, "signature", line, NULL), KF_OK);
            break;
        case C_SIG_TWO_LINES: {
            char two[520];
            sig_line(&f.a1, ORIGIN, 5, f.root5, line);
            snprintf(two, sizeof two, "%s\n%s", line, line);
            ck_assert_int_eq(kf_entry_set_str(e, "signature", two, NULL), KF_OK);
            break;
        }
        case C_SIG_GARBAGE:
            ck_assert_int_eq(kf_entry_set_str(e, "signature", "signed, a1", NULL), KF_OK);
            break;
        case C_AUDITOR_OTHER:
            ck_assert_int_eq(kf_entry_set_str(e, "auditor", f.a2id, NULL), KF_OK);
            break;
        case C_AUDITOR_UPPER:
            snprintf(up, sizeof up, "%08X", f.a1.id);
            if (strcmp(up, f.a1id) == 0) snprintf(up, sizeof up, "0x%06x", f.a1.id & 0xffffff);
            ck_assert_int_eq(kf_entry_set_str(e, "auditor", up, NULL), KF_OK);
            break;
        case C_MISSING:
            e = without(e, "signature");
            break;
        case C_EXTRA:
            ck_assert_int_eq(kf_entry_set_str(e, "note", "x", NULL), KF_OK);
            break;
        case C_SIZE_STR:
            e = without(e, "size");
            ck_assert_int_eq(kf_entry_set_str(e, "size", "5", NULL), KF_OK);
            break;
        }
        if (e) ck_assert_int_eq(append1(l, &f.a1, e), 6);
        kf_code rc = verify_plain(l, &err);
        if (!want[c]) {
            ck_assert_msg(rc == KF_OK, "case %d refused: %s", c, err.msg);
        } else {
            ck_assert_msg(rc == KF_REFUSED, "case %d: verify gave %d (%s)", c, rc, err.msg);
            ck_assert_msg(strstr(err.msg, want[c]) != NULL, "case %d: said '%s', want '%s'", c,
                          err.msg, want[c]);
        }
        if (c == C_AUDITOR_OTHER)
            ck_assert_msg(strstr(err.msg, "but commit 5 is signed by key a1 (") != NULL, "%s",
                          err.msg);
        kf_ledger_close(l);
    }
}
END_TEST

/* Runs sql on the file at p with sqlite3 (not kifu's connection). */
static void sql(const char *p, const char *text)
{
    sqlite3 *db;
    char *msg = NULL;
    ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
    int rc = sqlite3_exec(db, text, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", text, msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(db);
}

/* Commit `id` re-signed by s: its key= line names s, then s signs it. */
static void resign_commit(const char *p, int64_t id, const kf_signer *s)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT body FROM commits WHERE id=?", -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, id);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    char body[1024];
    int n = sqlite3_column_bytes(st, 0);
    ck_assert_int_lt(n, (int)sizeof body);
    memcpy(body, sqlite3_column_blob(st, 0), (size_t)n);
    body[n] = '\0';
    sqlite3_finalize(st);
    char *key = strstr(body, "\nkey=");
    ck_assert_ptr_nonnull(key);
    char hex[9];
    snprintf(hex, sizeof hex, "%08x", s->id);
    memcpy(key + 5, hex, 8);
    uint8_t sig[64];
    kf_sign(s, body, (size_t)n, sig);
    ck_assert_int_eq(sqlite3_exec(db, "DROP TRIGGER commits_no_update", NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(
        sqlite3_prepare_v2(db, "UPDATE commits SET body=?, sig=? WHERE id=?", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_blob(st, 1, body, n, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, sig, 64, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, id);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A cosign entry in a commit re-signed by the admin: the role check names
 * its seq (an auditor-only kind). */
START_TEST(cosign_signed_by_non_auditor)
{
    cosign_fixture f;
    kf_err err = {0};
    kf_ledger *l = cosign_ledger(path, &f);
    kf_entry *e = good_cosign(&f);
    char id[9];
    snprintf(id, sizeof id, "%08x", f.admin.id);
    ck_assert_int_eq(kf_entry_set_str(e, "auditor", id, NULL), KF_OK);
    ck_assert_int_eq(append1(l, &f.a1, e), 6);
    kf_ledger_close(l);
    resign_commit(path, 5, &f.admin);
    ck_assert_int_eq(kf_ledger_open(path, &l, &err), KF_OK);
    ck_assert_int_eq(verify_plain(l, &err), KF_REFUSED);
    ck_assert_msg(strstr(err.msg, "commit 5, seq 6: key admin has role admin, which may not write "
                                  "checkpoint.cosign entries") != NULL,
                  "%s", err.msg);
    kf_ledger_close(l);
}
END_TEST

/* --- one order of checks per commit ----------------------------------------- */

typedef struct {
    int64_t entries, commits, last_seq, last_commit_end;
    int64_t refuse_amount; /* on_entry refuses a donation of this amount */
    int64_t refuse_commit; /* on_commit refuses this commit id */
    kf_ledger *l;
} hook_log;

static kf_code log_entry(void *ctx, const kf_row *row, kf_err *err)
{
    hook_log *h = ctx;
    int64_t amount;
    ck_assert_int_eq(row->seq, h->last_seq + 1);
    ck_assert_int_eq(row->commit, h->commits + 1); /* its commit is not done yet */
    h->last_seq = row->seq;
    h->entries++;
    if (h->refuse_amount && kf_entry_int(row->entry, "amount", &amount) &&
        amount == h->refuse_amount)
        return kf_fail(err, KF_REFUSED, "seq %lld: donation of %lld refused by the rule hook",
                       (long long)row->seq, (long long)amount);
    return KF_OK;
}

static kf_code log_commit(void *ctx, const kf_commit_info *c, kf_err *err)
{
    hook_log *h = ctx;
    ck_assert_int_eq(c->id, h->commits + 1);
    ck_assert_int_eq(c->first, h->last_commit_end + 1);
    ck_assert_int_eq(c->last, h->last_seq); /* after all its entries */
    ck_assert_int_eq(c->time[0], '2');
    kf_hash root;
    ck_assert_int_eq(kf_ledger_root(h->l, c->last, root, NULL), KF_OK);
    ck_assert(memcmp(root, c->root, KF_HASH_LEN) == 0);
    h->commits++;
    h->last_commit_end = c->last;
    if (c->id == h->refuse_commit)
        return kf_fail(err, KF_REFUSED, "commit %lld refused by on_commit", (long long)c->id);
    return KF_OK;
}

static kf_code verify_hooks(kf_ledger *l, hook_log *h, kf_err *err)
{
    kf_verify_opts vo = {.on_entry = log_entry, .on_commit = log_commit, .ctx = h};
    kf_verify_report rep;
    h->l = l;
    h->entries = h->commits = h->last_seq = h->last_commit_end = 0;
    return kf_ledger_verify(l, &vo, &rep, err);
}

START_TEST(hooks_in_order)
{
    kf_signer admin, t1;
    kf_err err = {0};
    kf_ledger *l = make(path, &admin);
    add_key(l, &admin, "t1", KF_ROLE_TREASURER, &t1);
    donations(l, &t1, 3, 1000, 0);
    /* seq 6..2105: 8 MiB, more than verify keeps between its steps, and more
     * entries than it had kept when it stopped keeping */
    donations(l, &t1, 2100, 2000, 4000);
    donations(l, &t1, 700, 5000, 0); /* seq 2106..2805 */
    donations(l, &admin, 1, 9000, 0);
    hook_log h = {0};
    ck_assert_msg(verify_hooks(l, &h, &err) == KF_OK, "%s", err.msg);
    ck_assert_int_eq(h.entries, 2806);
    ck_assert_int_eq(h.commits, 6);
    /* a hook's failure stops the pass with its message */
    h.refuse_commit = 4;
    ck_assert_int_eq(verify_hooks(l, &h, &err), KF_REFUSED);
    ck_assert_str_eq(err.msg, "commit 4 refused by on_commit");
    ck_assert_int_eq(h.commits, 4);
    h.refuse_commit = 0;
    h.refuse_amount = 4050; /* in the commit read again, near its end */
    ck_assert_int_eq(verify_hooks(l, &h, &err), KF_REFUSED);
    ck_assert_str_eq(err.msg, "seq 2056: donation of 4050 refused by the rule hook");
    ck_assert_int_eq(h.commits, 3);
    ck_assert_int_eq(h.entries, 2056);
    h.refuse_amount = 5500; /* in the commit kept */
    ck_assert_int_eq(verify_hooks(l, &h, &err), KF_REFUSED);
    ck_assert_str_eq(err.msg, "seq 2606: donation of 5500 refused by the rule hook");
    ck_assert_int_eq(h.commits, 4);
    ck_assert_int_eq(h.entries, 2606);
    kf_ledger_close(l);
}
END_TEST

static int collect_node(void *ctx, int level, uint64_t index, const kf_hash h)
{
    sqlite3_stmt *st = ctx;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, lg_node_idx(level, index));
    sqlite3_bind_blob(st, 2, h, KF_HASH_LEN, SQLITE_TRANSIENT);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : 1;
}

/* A careful forger's edit of the file at p: the body of `seq` gets `from`
 * replaced by `to` (kind column too, if given), its leaf is recomputed and
 * every Merkle node rebuilt. Only the signed roots can tell. */
static void forge_entry(const char *p, int64_t seq, const char *from, const char *to,
                        const char *kind)
{
    sqlite3 *db;
    sqlite3_stmt *st, *ins;
    ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db,
                                  "DROP TRIGGER entries_no_update; DROP TRIGGER nodes_no_delete;"
                                  "BEGIN",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT body FROM entries WHERE seq=?", -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, seq);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_bytes(st, 0);
    char *body = malloc((size_t)n + 1), *out = malloc((size_t)n + 64);
    ck_assert(body && out && strlen(to) < strlen(from) + 60);
    memcpy(body, sqlite3_column_blob(st, 0), (size_t)n);
    body[n] = '\0';
    sqlite3_finalize(st);
    char *at = strstr(body, from);
    ck_assert_msg(at != NULL, "'%s' not in seq %lld", from, (long long)seq);
    size_t len = (size_t)snprintf(out, (size_t)n + 64, "%.*s%s%s", (int)(at - body), body, to,
                                  at + strlen(from));
    free(body);
    kf_hash leaf;
    kf_merkle_leaf(out, len, leaf);
    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "UPDATE entries SET body=?1, leaf=?2, "
                                        "kind=coalesce(?3, kind) WHERE seq=?4",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_blob(st, 1, out, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, leaf, KF_HASH_LEN, SQLITE_TRANSIENT);
    if (kind) sqlite3_bind_text(st, 3, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, seq);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    free(out);
    /* every node again, from the leaves */
    ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM nodes", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(
        sqlite3_prepare_v2(db, "INSERT INTO nodes(idx, hash) VALUES(?, ?)", -1, &ins, NULL),
        SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT leaf FROM entries ORDER BY seq", -1, &st, NULL),
                     SQLITE_OK);
    kf_merkle_frontier fr = {0};
    while (sqlite3_step(st) == SQLITE_ROW)
        ck_assert_int_eq(
            kf_merkle_frontier_append(&fr, sqlite3_column_blob(st, 0), collect_node, ins), 0);
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* The ledger of the rewrite tests: seq 1 genesis, 2 t1 treasurer, commit 3
 * = seq 3..5 donations by t1 (amounts 1000..1002), then commit 4 = `big`
 * padded donations by t1 (read again by verify), commit 5 = one donation by
 * the admin. */
static kf_ledger *rewrite_ledger(const char *p, int big)
{
    kf_signer admin, t1;
    kf_ledger *l = make(p, &admin);
    add_key(l, &admin, "t1", KF_ROLE_TREASURER, &t1);
    donations(l, &t1, 3, 1000, 0);
    donations(l, &t1, big, 1000, PAD);
    donations(l, &admin, 1, 9000, 0);
    return l;
}

START_TEST(rewritten_entry_is_a_root_mismatch)
{
    kf_err err = {0};
    hook_log h = {0};
    char p[160];
    int64_t mid = 6 + 150; /* in the middle of the big commit (seq 6..305) */
    /* the kind of seq 4 turned into key.add, which t1 may not write */
    kf_ledger *l = rewrite_ledger(path, 300);
    ck_assert_int_eq(verify_hooks(l, &h, &err), KF_OK);
    kf_ledger_close(l);
    forge_entry(path, 4, "kind=donation", "kind=key.add", "key.add");
    ck_assert_int_eq(kf_ledger_open_readonly(path, &l, &err), KF_OK);
    ck_assert_int_eq(verify_hooks(l, &h, &err), KF_REFUSED);
    ck_assert_str_eq(err.msg, "commit 3 (seq 3..5): signed root does not match the entries");
    ck_assert_int_eq(h.entries, 2); /* seq 1 and 2: none of commit 3 */
    ck_assert_int_eq(verify_plain(l, &err), KF_REFUSED);
    ck_assert_str_eq(err.msg, "commit 3 (seq 3..5): signed root does not match the entries");
    kf_ledger_close(l);

    /* an amount the rule hook refuses, in a small commit */
    snprintf(p, sizeof p, "%s/amount.db", dir);
    l = rewrite_ledger(p, 300);
    kf_ledger_close(l);
    forge_entry(p, 5, "amount#1002", "amount#1500", NULL);
    ck_assert_int_eq(kf_ledger_open_readonly(p, &l, &err), KF_OK);
    h.refuse_amount = 1500;
    ck_assert_int_eq(verify_hooks(l, &h, &err), KF_REFUSED);
    ck_assert_str_eq(err.msg, "commit 3 (seq 3..5): signed root does not match the entries");
    kf_ledger_close(l);

    /* the same in a commit too large to keep: its entries are read again */
    snprintf(p, sizeof p, "%s/big-kind.db", dir);
    l = rewrite_ledger(p, 300);
    kf_ledger_close(l);
    forge_entry(p, mid, "kind=donation", "kind=key.add", "key.add");
    ck_assert_int_eq(kf_ledger_open_readonly(p, &l, &err), KF_OK);
    ck_assert_int_eq(verify_hooks(l, &h, &err), KF_REFUSED);
    ck_assert_str_eq(err.msg, "commit 4 (seq 6..305): signed root does not match the entries");
    ck_assert_int_eq(h.entries, 5);
    kf_ledger_close(l);

    snprintf(p, sizeof p, "%s/big-amount.db", dir);
    l = rewrite_ledger(p, 300);
    kf_ledger_close(l);
    forge_entry(p, mid, "amount#1150", "amount#1500", NULL);
    ck_assert_int_eq(kf_ledger_open_readonly(p, &l, &err), KF_OK);
    h.refuse_amount = 1500;
    ck_assert_int_eq(verify_hooks(l, &h, &err), KF_REFUSED);
    ck_assert_str_eq(err.msg, "commit 4 (seq 6..305): signed root does not match the entries");
    ck_assert_int_eq(h.entries, 5);
    kf_ledger_close(l);

    /* without the node rebuild the stored nodes tell, still before any rule */
    snprintf(p, sizeof p, "%s/nodes.db", dir);
    l = rewrite_ledger(p, 300);
    kf_ledger_close(l);
    sql(p, "DROP TRIGGER entries_no_update;"
           "UPDATE entries SET kind='key.add', body=CAST(replace(CAST(body AS TEXT), "
           "'kind=donation', 'kind=key.add') AS BLOB) WHERE seq=7");
    /* (the head check refuses to open it: its key set no longer reads) */
    ck_assert_int_eq(kf_ledger_open(p, &l, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "run kifu verify"));
    ck_assert_int_eq(kf_ledger_open_readonly(p, &l, &err), KF_OK);
    h.refuse_amount = 0;
    ck_assert_int_eq(verify_hooks(l, &h, &err), KF_REFUSED);
    ck_assert_str_eq(err.msg, "seq 7: entry does not match its stored leaf hash (edited)");
    ck_assert_int_eq(h.entries, 5);
    kf_ledger_close(l);
}
END_TEST

int main(void)
{
    if (tu_init()) return EXIT_FAILURE;
    Suite *s = suite_create("verify_order");
    TCase *tc = tu_core(s, setup, teardown);
    tcase_add_test(tc, trusted_checkpoint_judged_first);
    tcase_add_test(tc, cosign_entries_checked);
    tcase_add_test(tc, cosign_signed_by_non_auditor);
    tcase_add_test(tc, hooks_in_order);
    tcase_add_test(tc, rewritten_entry_is_a_root_mismatch);
    return tu_run(s);
}
