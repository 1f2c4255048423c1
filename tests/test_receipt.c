/* Unit tests: donor receipts (reports/receipt.c, docs/FORMAT.md "Receipts"):
 * making, verifying with no database, tampering, voids, erasure. */
#include "check_common.h"
#include "kifu/donations.h"
#include "kifu/grants.h"
#include "kifu/report.h"

#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEST_SEED "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define TEST_NOW "2026-05-10T09:00:00+09:00" /* after the gifts of 2026-05-02..04 */
#define NAME "山田花子"
#define ADDRESS "札幌市中央区北1条西2丁目"

static const char rules_text[] = "[fund]\n"
                                 "name = さぽーとほっと基金\n"
                                 "[fields]\n"
                                 "welfare = 保健・医療・福祉の増進\n";

static char dir[64], path[128];
static kf_ledger *L;
static kf_signer admin, treasurer, reviewer;
static char vkey_admin[KF_VKEY_MAX], vkey_treasurer[KF_VKEY_MAX];
/* seqs made by setup */
static int64_t s_rules, s_personal, s_plain, s_box;

static kf_txn *begin(const kf_signer *s)
{
    kf_txn *t = NULL;
    kf_err err = {0};
    ck_assert_msg(kf_txn_begin(L, s, &t, &err) == KF_OK, "%s", err.msg);
    return t;
}

static void commit(kf_txn *t)
{
    kf_err err = {0};
    ck_assert_msg(kf_txn_commit(t, NULL, &err) == KF_OK, "%s", err.msg);
}

static void add_key(const char *name, unsigned role, kf_signer *out)
{
    kf_err err = {0};
    kf_entry *e;
    ck_assert_int_eq(kf_key_generate(name, out, &err), KF_OK);
    ck_assert_int_eq(kf_key_add_entry(name, out->pub, role, NULL, &e, &err), KF_OK);
    kf_txn *t = begin(&admin);
    ck_assert_msg(kf_txn_append(t, e, &err) == KF_OK, "%s", err.msg);
    commit(t);
    kf_entry_free(e);
}

static int64_t donate(const char *amount, const char *to, const char *donor, const char *address,
                      const char *ref, const char *method)
{
    kf_err err = {0};
    kf_donation d;
    int64_t seq = 0;
    ck_assert_msg(kf_donation_parse(&d, amount, "2026-05-02", NULL, to, donor, address, ref, method,
                                    NULL, &err) == KF_OK,
                  "%s", err.msg);
    kf_txn *t = begin(&treasurer);
    ck_assert_msg(kf_don_donate(t, &d, &seq, &err) == KF_OK, "%s", err.msg);
    commit(t);
    return seq;
}

static void setup(void)
{
    kf_err err = {0};
    tu_tmpdir("receipt", dir, path);
    setenv("KIFU_TEST_SEED", TEST_SEED, 1);
    L = tu_ledger(path, "さぽーとほっと基金", "example.org/kifu", &admin);
    setenv("KIFU_NOW", TEST_NOW, 1);
    add_key("treasurer1", KF_ROLE_TREASURER, &treasurer);
    add_key("reviewer1", KF_ROLE_REVIEWER, &reviewer);
    kf_key_vkey(admin.name, admin.pub, vkey_admin);
    kf_key_vkey(treasurer.name, treasurer.pub, vkey_treasurer);
    kf_txn *t = begin(&admin);
    ck_assert_msg(kf_rules_load(t, "rules.ini", rules_text, strlen(rules_text), &s_rules, &err) ==
                      KF_OK,
                  "%s", err.msg);
    ck_assert_msg(kf_box_add(t, "B1", "札幌駅", "ホスト", NULL, &err) == KF_OK, "%s", err.msg);
    commit(t);
    s_personal = donate("10000", "field:welfare", NAME, ADDRESS, "R1", "transfer");
    s_plain = donate("5000", NULL, NULL, NULL, NULL, NULL);
    kf_box_collection c = {.count_a = 3000, .count_b = 3000, .resolved = -1};
    snprintf(c.id, sizeof c.id, "B1");
    snprintf(c.date, sizeof c.date, "2026-05-03");
    snprintf(c.counters, sizeof c.counters, "A,B");
    t = begin(&treasurer);
    ck_assert_msg(kf_don_box_collect(t, &c, &s_box, &err) == KF_OK, "%s", err.msg);
    commit(t);
}

static void teardown(void)
{
    tu_cleanup(L, dir);
    L = NULL;
}

/* A receipt as a NUL-terminated malloc'd string. */
static char *make(int64_t seq, const kf_signer *by)
{
    kf_buf b = {0};
    kf_err err = {0};
    ck_assert_msg(kf_receipt_make(L, by, seq, &b, &err) == KF_OK, "%s", err.msg);
    ck_assert(kf_buf_put(&b, "", 1));
    return b.data;
}

static kf_code verify(const char *text, const char *vkey, kf_receipt_summary *s, kf_err *err)
{
    return kf_receipt_verify(text, strlen(text), vkey, s, err);
}

static void verify_ok(const char *text, kf_receipt_summary *s)
{
    kf_err err = {0};
    ck_assert_msg(verify(text, vkey_admin, s, &err) == KF_OK, "%s", err.msg);
}

/* verify must fail with `code` and a message containing `what`. */
static void verify_fails(const char *text, kf_code code, const char *what)
{
    kf_err err = {0};
    kf_receipt_summary s;
    kf_code rc = verify(text, vkey_admin, &s, &err);
    ck_assert_msg(rc == code, "want %d, got %d: %s", code, rc, err.msg);
    ck_assert_msg(strstr(err.msg, what), "message '%s' lacks '%s'", err.msg, what);
}

/* A copy of s with the first occurrence of from replaced by to. */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    ck_assert_msg(at != NULL, "'%s' not in the receipt", from);
    size_t pre = (size_t)(at - s), fl = strlen(from), tl = strlen(to), rest = strlen(at + fl);
    char *out = malloc(pre + tl + rest + 1);
    ck_assert_ptr_nonnull(out);
    memcpy(out, s, pre);
    memcpy(out + pre, to, tl);
    memcpy(out + pre + tl, at + fl, rest + 1);
    return out;
}

/* The value of a record line "key=..." (up to the newline), malloc'd. */
static char *field(const char *text, const char *key)
{
    char pat[80];
    snprintf(pat, sizeof pat, "\n%s=", key);
    const char *at = strstr(text, pat);
    ck_assert_msg(at != NULL, "no field %s", key);
    at += strlen(pat);
    size_t n = strcspn(at, "\n");
    char *v = malloc(n + 1);
    memcpy(v, at, n);
    v[n] = '\0';
    return v;
}

START_TEST(make_and_verify)
{
    char *r = make(s_personal, &admin);
    kf_receipt_summary s;
    verify_ok(r, &s);
    char want_no[32];
    snprintf(want_no, sizeof want_no, "2026-%06lld", (long long)s_personal);
    ck_assert_int_eq(s.seq, s_personal);
    ck_assert_str_eq(s.kind, "donation");
    ck_assert_int_eq(s.amount, 10000);
    ck_assert_str_eq(s.date, "2026-05-02");
    ck_assert_str_eq(s.designation, "field:welfare");
    ck_assert_str_eq(s.receipt_no, want_no);
    ck_assert_str_eq(s.fund, "さぽーとほっと基金");
    ck_assert_str_eq(s.origin, "example.org/kifu");
    ck_assert_int_eq(s.size, s_box);
    ck_assert_str_eq(s.signer, "admin");
    ck_assert(s.donor);
    ck_assert_str_eq(s.donor_name, NAME);
    ck_assert_str_eq(s.donor_address, ADDRESS);
    /* The readable header. */
    ck_assert_ptr_nonnull(
        strstr(r, "寄附金受領証明書 / Donation receipt\n基金 / Fund: さぽーとほっと基金\n"));
    ck_assert_ptr_nonnull(strstr(r, "寄附者 / Donor: " NAME "\n住所 / Address: " ADDRESS "\n"));
    ck_assert_ptr_nonnull(strstr(r, "金額 / Amount: 10,000 円 (yen)\n"));
    ck_assert_ptr_nonnull(
        strstr(r, "指定 / Designation: field:welfare (保健・医療・福祉の増進)\n"));
    ck_assert_ptr_nonnull(strstr(r, "方法 / Method: transfer\n"));
    ck_assert_ptr_nonnull(strstr(r, "\n\nkifu.receipt.v1\n"));
    /* Made the same way twice (KIFU_NOW, KIFU_TEST_SEED): the same bytes. */
    char *again = make(s_personal, &admin);
    ck_assert_str_eq(r, again);
    free(again);
    /* The ledger grows; the receipt still verifies (it is self-contained). */
    donate("700", NULL, NULL, NULL, NULL, NULL);
    verify_ok(r, &s);
    ck_assert_int_eq(s.size, s_box);
    free(r);
}
END_TEST

START_TEST(plain_box_and_treasurer)
{
    kf_receipt_summary s;
    kf_err err = {0};
    char *r = make(s_plain, &admin);
    verify_ok(r, &s);
    ck_assert(!s.donor);
    ck_assert_int_eq(s.amount, 5000);
    ck_assert_str_eq(s.designation, "general");
    ck_assert_ptr_null(strstr(r, "寄附者"));
    ck_assert_ptr_null(strstr(r, "\nsalt="));
    ck_assert_ptr_null(strstr(r, "方法 / Method"));
    free(r);
    r = make(s_box, &treasurer);
    ck_assert_int_eq(verify(r, vkey_treasurer, &s, &err), KF_OK);
    ck_assert_str_eq(s.kind, "box.collect");
    ck_assert_int_eq(s.amount, 3000);
    ck_assert_str_eq(s.signer, "treasurer1");
    /* Signed by the treasurer, so the admin's key does not vouch for it. */
    verify_fails(r, KF_REFUSED, "no valid signature by the origin key admin");
    free(r);
}
END_TEST

START_TEST(refusals)
{
    kf_buf b = {0};
    kf_err err = {0};
    ck_assert_int_eq(kf_receipt_make(L, &admin, 1, &b, &err), KF_REFUSED);
    ck_assert_str_eq(err.msg, "seq 1 is a genesis, not a donation");
    ck_assert_int_eq(kf_receipt_make(L, &admin, s_rules, &b, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "is a rules.load, not a donation"));
    ck_assert_int_eq(kf_receipt_make(L, &admin, 999, &b, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "no entry with seq 999"));
    ck_assert_int_eq(kf_receipt_make(L, &admin, 0, &b, &err), KF_BAD_INPUT);
    /* Only admin and treasurer keys sign checkpoints. */
    ck_assert_int_eq(kf_receipt_make(L, &reviewer, s_personal, &b, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "may not sign"));
    ck_assert_uint_eq(b.len, 0);
    /* A voided donation gets no receipt. */
    int64_t vseq = 0;
    kf_txn *t = begin(&treasurer);
    ck_assert_msg(kf_don_void(t, s_plain, "returned", "2026-05-04", &vseq, &err) == KF_OK, "%s",
                  err.msg);
    commit(t);
    ck_assert_int_eq(kf_receipt_make(L, &admin, s_plain, &b, &err), KF_REFUSED);
    char want[64];
    snprintf(want, sizeof want, "seq %lld was voided by seq %lld", (long long)s_plain,
             (long long)vseq);
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(kf_receipt_make(L, &admin, vseq, &b, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "is a donation.void, not a donation"));
    ck_assert_uint_eq(b.len, 0);
    kf_buf_free(&b);
}
END_TEST

START_TEST(tampering)
{
    char *r = make(s_personal, &admin), *x, *y, *z;
    /* the amount in the record (header left alone) */
    x = replace(r, "\namount#10000\n", "\namount#10001\n");
    verify_fails(x, KF_REFUSED, "amount 10001 does not match the entry's amount 10000");
    free(x);
    /* the amount in the header only */
    x = replace(r, "10,000 円", "100,000 円");
    verify_fails(x, KF_REFUSED, "readable header line 6 does not match");
    free(x);
    /* the date, in record and header */
    x = replace(r, "\ndate=2026-05-02\n", "\ndate=2026-05-01\n");
    y = replace(x, "寄附日 / Date: 2026-05-02", "寄附日 / Date: 2026-05-01");
    verify_fails(y, KF_REFUSED, "date '2026-05-01' does not match the entry's '2026-05-02'");
    free(x);
    free(y);
    /* the designation */
    x = replace(r, "\ndesignation=field:welfare\n", "\ndesignation=general\n");
    verify_fails(x, KF_REFUSED, "designation 'general' does not match");
    free(x);
    /* the receipt number */
    x = replace(r, "\nreceipt_no=2026-", "\nreceipt_no=2025-");
    verify_fails(x, KF_REFUSED, "receipt number '2025-");
    free(x);
    /* the donor's name, everywhere it appears */
    x = replace(r, "Donor: " NAME, "Donor: 山田太郎");
    y = replace(x, "donor_name=" NAME, "donor_name=山田太郎");
    verify_fails(y, KF_REFUSED, "donor name or address does not match");
    free(x);
    free(y);
    /* the salt */
    char *salt = field(r, "salt");
    char bad_salt[40];
    snprintf(bad_salt, sizeof bad_salt, "salt=%c%s", salt[0] == '0' ? '1' : '0', salt + 1);
    char old_salt[40];
    snprintf(old_salt, sizeof old_salt, "salt=%s", salt);
    x = replace(r, old_salt, bad_salt);
    verify_fails(x, KF_REFUSED, "donor name or address does not match");
    free(x);
    free(salt);
    /* a hash of the proof */
    char *p = field(r, "path");
    char *q = strdup(p);
    q[10] = q[10] == 'a' ? 'b' : 'a';
    x = replace(r, p, q);
    verify_fails(x, KF_REFUSED, "inclusion proof of seq");
    free(x);
    /* a hash dropped from the proof */
    if (strchr(p, ',')) {
        x = replace(r, strchr(p, ','), "");
        verify_fails(x, KF_REFUSED, "inclusion proof of seq");
        free(x);
    }
    free(p);
    free(q);
    /* the genesis proof */
    p = field(r, "genesis_path");
    q = strdup(p);
    q[0] = q[0] == 'a' ? 'b' : 'a';
    x = replace(r, p, q);
    verify_fails(x, KF_REFUSED, "genesis inclusion proof");
    free(x);
    free(p);
    free(q);
    /* the checkpoint's size, then its root */
    char size_line[32];
    snprintf(size_line, sizeof size_line, "kifu\\n%lld\\n", (long long)s_box);
    x = replace(r, size_line, "kifu\\n99\\n");
    verify_fails(x, KF_REFUSED, "no valid signature by the origin key admin");
    free(x);
    x = replace(r, "\\n\\n— admin ", "\\n\\n— admin A");
    verify_fails(x, KF_REFUSED, "no valid signature by the origin key admin");
    free(x);
    /* a forged entry with consistent fields: the proof catches it */
    char *b64 = field(r, "entry");
    uint8_t raw[4096];
    size_t rawlen;
    ck_assert(kf_unb64(b64, raw, sizeof raw - 1, &rawlen));
    raw[rawlen] = '\0';
    char *forged = replace((char *)raw, "amount#10000\n", "amount#90000\n");
    char forged64[8192];
    kf_b64((const uint8_t *)forged, strlen(forged), forged64, sizeof forged64);
    x = replace(r, b64, forged64);
    y = replace(x, "\namount#10000\n", "\namount#90000\n");
    z = replace(y, "10,000 円", "90,000 円");
    verify_fails(z, KF_REFUSED, "inclusion proof of seq");
    free(x);
    free(y);
    free(z);
    free(forged);
    /* entry bytes that are not canonical base64 / not an entry: malformed */
    x = replace(r, b64, "AAAA");
    verify_fails(x, KF_BAD_INPUT, "entry is not a canonical kifu entry");
    free(x);
    x = replace(r, "\nentry=", "\nentry=!");
    verify_fails(x, KF_BAD_INPUT, "entry is not base64");
    free(x);
    free(b64);
    /* the fund, in record and header */
    x = replace(r, "\nfund=さぽーとほっと基金\n", "\nfund=偽基金\n");
    y = replace(x, "Fund: さぽーとほっと基金", "Fund: 偽基金");
    verify_fails(y, KF_REFUSED, "fund '偽基金' does not match the genesis");
    free(x);
    free(y);
    /* structure */
    x = replace(r, "\n\nkifu.receipt.v1\n", "\nkifu.receipt.v1\n");
    verify_fails(x, KF_BAD_INPUT, "no blank line");
    free(x);
    x = replace(r, "\nsalt=", "\nsalz=");
    verify_fails(x, KF_BAD_INPUT, "unknown field 'salz'");
    free(x);
    x = replace(r, "\nsize#", "\nsize=");
    verify_fails(x, KF_BAD_INPUT, "field 'size' must be an integer");
    free(x);
    x = replace(r, "\nkind=receipt\n", "\nkind=receipt\naaa=1\n");
    verify_fails(x, KF_BAD_INPUT, "unknown field 'aaa'");
    free(x);
    verify_fails("", KF_BAD_INPUT, "no blank line");
    /* keys */
    kf_err err = {0};
    kf_receipt_summary s;
    ck_assert_int_eq(verify(r, vkey_treasurer, &s, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "no valid signature by the origin key treasurer1"));
    ck_assert_int_eq(verify(r, "admin+00000000+AAAA", &s, &err), KF_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "origin key"));
    free(r);
}
END_TEST

START_TEST(erasure)
{
    kf_err err = {0};
    kf_receipt_summary s;
    char *before = make(s_personal, &admin);
    int64_t eseq = 0;
    kf_txn *t = begin(&admin);
    ck_assert_msg(kf_don_erase(t, 0, "R1", &eseq, &err) == KF_OK, "%s", err.msg);
    commit(t);
    kf_verify_report rep;
    kf_verify_opts vo = {0};
    ck_assert_msg(kf_ledger_verify(L, &vo, &rep, &err) == KF_OK, "%s", err.msg);
    /* The earlier receipt still proves the name and address. */
    verify_ok(before, &s);
    ck_assert(s.donor);
    ck_assert_str_eq(s.donor_name, NAME);
    /* A new one has no personal data, and still proves amount and date. */
    char *after = make(s_personal, &admin);
    ck_assert_ptr_null(strstr(after, NAME));
    ck_assert_ptr_null(strstr(after, ADDRESS));
    ck_assert_ptr_null(strstr(after, "\nsalt="));
    verify_ok(after, &s);
    ck_assert(!s.donor);
    ck_assert_int_eq(s.amount, 10000);
    ck_assert_str_eq(s.date, "2026-05-02");
    ck_assert_int_eq(s.size, eseq);
    free(before);
    free(after);
}
END_TEST

START_TEST(escaped_values)
{
    /* A backslash in the name and a line break in the address stay on one
     * header line each (a name with a line break is refused at recording). */
    int64_t seq = donate("1234567", NULL, "A\\B", "札幌市\n中央区", "R9", "cash");
    char *r = make(seq, &admin);
    kf_receipt_summary s;
    ck_assert_ptr_nonnull(strstr(r, "寄附者 / Donor: A\\\\B\n"));
    ck_assert_ptr_nonnull(strstr(r, "住所 / Address: 札幌市\\n中央区\n"));
    ck_assert_ptr_nonnull(strstr(r, "金額 / Amount: 1,234,567 円"));
    verify_ok(r, &s);
    ck_assert(s.donor);
    ck_assert_str_eq(s.donor_name, "A\\B");
    ck_assert_str_eq(s.donor_address, "札幌市\n中央区");
    free(r);
}
END_TEST

int main(void)
{
    if (tu_init()) return EXIT_FAILURE;
    Suite *s = suite_create("receipt");
    TCase *tc = tu_core(s, setup, teardown);
    tcase_add_test(tc, make_and_verify);
    tcase_add_test(tc, plain_box_and_treasurer);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, tampering);
    tcase_add_test(tc, erasure);
    tcase_add_test(tc, escaped_values);
    return tu_run(s);
}
