/* Unit tests: certificates (donations/receipts.c, donations/cert_verify.c,
 * reports/receipt.c, reports/receipt_pdf.c; docs/ENTRIES.md "Certificates",
 * docs/FORMAT.md "Receipts"): issuing and its refusals, gapless numbers and
 * reissues, annual and partner certificates, verification re-deriving a
 * forged receipt.issue, receipts checked with no database (text, PDF, QR)
 * and every alteration caught. */
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
                                 "welfare = 保健・医療・福祉の増進\n"
                                 "[tiers]\n"
                                 "regular = 3000\n";

static char dir[64], path[128];
static kf_ledger *L;
static kf_signer admin, treasurer, reviewer;
static char vkey_admin[KF_VKEY_MAX], vkey_treasurer[KF_VKEY_MAX];
/* seqs made by setup */
static int64_t s_rules, s_personal, s_plain, s_box, s_member, s_partner;

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

static void set_identity(void)
{
    kf_err err = {0};
    kf_identity id = {0};
    int64_t seq;
    snprintf(id.issuer_name, sizeof id.issuer_name, "秋元 克広");
    snprintf(id.issuer_title, sizeof id.issuer_title, "札幌市長");
    snprintf(id.address, sizeof id.address, "札幌市中央区北1条西2丁目");
    snprintf(id.phone, sizeof id.phone, "011-211-2111");
    snprintf(id.fund_name, sizeof id.fund_name, "さぽーとほっと基金");
    snprintf(id.tax_note, sizeof id.tax_note, "確定申告の際に添付してください。");
    snprintf(id.url, sizeof id.url, "https://example.org/verify.html");
    kf_txn *t = begin(&admin);
    ck_assert_msg(kf_identity_set(t, &id, &seq, &err) == KF_OK, "%s", err.msg);
    commit(t);
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
    ck_assert_msg(kf_don_member_add(t, "M1", "佐藤 花子", "regular", "2025-04-01", "札幌市北区",
                                    &err) == KF_OK,
                  "%s", err.msg);
    s_member = kf_txn_size(t);
    ck_assert_msg(kf_don_partner_add(t, "P1", "北海道みらい銀行", 5, 30000, NULL,
                                     "札幌市中央区大通", &err) == KF_OK,
                  "%s", err.msg);
    commit(t);
    s_personal = donate("10000", "field:welfare", NAME, ADDRESS, "R1", "transfer");
    s_plain = donate("5000", NULL, NULL, NULL, NULL, NULL);
    kf_box_collection c = {.count_a = 3000, .count_b = 3000, .resolved = -1};
    snprintf(c.id, sizeof c.id, "B1");
    snprintf(c.date, sizeof c.date, "2026-05-03");
    snprintf(c.counters, sizeof c.counters, "A,B");
    t = begin(&treasurer);
    ck_assert_msg(kf_don_box_collect(t, &c, &s_box, &err) == KF_OK, "%s", err.msg);
    kf_yen pledge;
    int64_t seq;
    ck_assert_msg(kf_don_partner_clicks(t, "P1", "2026-04", 1000, &seq, &pledge, &err) == KF_OK,
                  "%s", err.msg);
    ck_assert_msg(kf_don_partner_pay(t, "P1", 5000, "2026-05-02", NULL, &s_partner, &err) == KF_OK,
                  "%s", err.msg);
    commit(t);
}

static void teardown(void)
{
    tu_cleanup(L, dir);
    L = NULL;
}

/* The text receipt of certificate seq, as a NUL-terminated malloc'd string. */
static char *make(int64_t seq, const kf_signer *by)
{
    kf_receipt r;
    kf_err err = {0};
    ck_assert_msg(kf_receipt_make(L, by, seq, &r, &err) == KF_OK, "%s", err.msg);
    char *text = strdup(r.text.data);
    ck_assert_ptr_nonnull(text);
    kf_receipt_free(&r);
    return text;
}

static kf_code verify(const char *text, const char *vkey, kf_receipt_summary *s, kf_err *err)
{
    return kf_receipt_verify(text, strlen(text), vkey, s, err);
}

/* verify must fail with `code` and a message containing `what`. */
static void verify_fails(const char *text, kf_code code, const char *what)
{
    kf_err err = {0};
    kf_receipt_summary *s = malloc(sizeof *s);
    kf_code rc = verify(text, vkey_admin, s, &err);
    free(s);
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

/* Issues a certificate (first issue or reissue); returns the code, and
 * checks a refusal recorded nothing. */
static kf_code issue(int64_t gift, const char *member, int year, bool reissue, kf_cert_issued *out,
                     kf_err *err)
{
    kf_cert_request req = {.gift = gift, .member = member, .year = year, .reissue = reissue};
    snprintf(req.date, sizeof req.date, "%s", year ? "2027-01-10" : "2026-05-10");
    /* an annual certificate is issued after its year: the clock moves there */
    if (year) setenv("KIFU_NOW", "2027-01-10T09:00:00+09:00", 1);
    kf_txn *t = begin(&treasurer);
    int64_t before = kf_txn_size(t);
    kf_code rc = kf_don_cert_issue(t, &req, out, err);
    if (rc) {
        kf_txn_abort(t);
        kf_txn *again = begin(&treasurer);
        ck_assert_int_eq(kf_txn_size(again), before);
        kf_txn_abort(again);
        return rc;
    }
    commit(t);
    return KF_OK;
}

static int64_t issue_ok(int64_t gift, bool reissue, kf_cert_issued *out)
{
    kf_err err = {0};
    ck_assert_msg(issue(gift, NULL, 0, reissue, out, &err) == KF_OK, "%s", err.msg);
    return out->seq;
}

static void refused(int64_t gift, bool reissue, kf_code code, const char *what)
{
    kf_err err = {0};
    kf_cert_issued c;
    kf_code rc = issue(gift, NULL, 0, reissue, &c, &err);
    ck_assert_msg(rc == code, "seq %lld: want %d, got %d: %s", (long long)gift, code, rc, err.msg);
    ck_assert_msg(strstr(err.msg, what), "message '%s' lacks '%s'", err.msg, what);
}

static void ledger_verifies(void)
{
    kf_err err = {0};
    kf_verify_report rep;
    ck_assert_msg(kf_verify_all(L, NULL, 0, &rep, &err) == KF_OK, "%s", err.msg);
}

START_TEST(refusals)
{
    /* no identity yet */
    refused(s_personal, false, KF_REFUSED, "no fund identity is recorded");
    set_identity();
    refused(s_plain, false, KF_REFUSED, "has no identifiable donor");
    refused(s_box, false, KF_REFUSED, "is a box collection");
    refused(999, false, KF_BAD_INPUT, "no entry with seq 999");
    refused(s_rules, false, KF_BAD_INPUT, "is a rules.load, not a donation");
    refused(s_personal, true, KF_REFUSED, "nothing to reissue");
    kf_err err = {0};
    kf_cert_issued c;
    ck_assert_int_eq(issue(0, "M9", 2026, false, &c, &err), KF_BAD_INPUT);
    ck_assert_int_eq(issue(0, "M1", 2026, false, &c, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "has no gift dated in 2026"));
    /* voided */
    int64_t v = donate("2000", NULL, "鈴木", "札幌市", "R2", NULL), vs;
    kf_txn *t = begin(&treasurer);
    ck_assert_msg(kf_don_void(t, v, "誤り", "2026-05-02", &vs, &err) == KF_OK, "%s", err.msg);
    commit(t);
    refused(v, false, KF_REFUSED, "was voided by seq");
    /* erased */
    int64_t e = donate("2000", NULL, "高橋", "札幌市", "R3", NULL), es;
    t = begin(&admin);
    ck_assert_msg(kf_don_erase(t, e, NULL, &es, &err) == KF_OK, "%s", err.msg);
    commit(t);
    refused(e, false, KF_REFUSED, "was erased");
    ledger_verifies();
}
END_TEST

START_TEST(numbers_and_reissues)
{
    kf_cert_issued a, b, c, d;
    set_identity();
    int64_t g2 = donate("3000", NULL, "伊藤", "札幌市東区", "R4", NULL);
    issue_ok(s_personal, false, &a);
    issue_ok(g2, false, &b);
    refused(s_personal, false, KF_REFUSED, "already covers this gift");
    issue_ok(s_personal, true, &c);
    issue_ok(s_partner, false, &d);
    ck_assert_str_eq(a.number_text, "2026-000001");
    ck_assert_str_eq(b.number_text, "2026-000002");
    ck_assert_str_eq(c.number_text, "2026-000003");
    ck_assert_str_eq(c.reissue_of, "2026-000001");
    ck_assert_str_eq(d.number_text, "2026-000004");
    kf_cert_ref *refs;
    size_t n;
    kf_err err = {0};
    ck_assert_int_eq(kf_don_certs(L, s_personal, &refs, &n, &err), KF_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(refs[1].seq, c.seq);
    free(refs);
    ledger_verifies();
    /* the partner's is a 受領書 in the company's name (御中) */
    kf_receipt_summary *s = malloc(sizeof *s);
    char *r = make(d.seq, &admin);
    ck_assert_int_eq(verify(r, vkey_admin, s, &err), KF_OK);
    ck_assert_str_eq(s->title, "受領書");
    ck_assert_str_eq(s->donor_name, "北海道みらい銀行");
    ck_assert_str_eq(s->donor_address, "札幌市中央区大通");
    ck_assert(s->company);
    ck_assert_ptr_nonnull(strstr(r, "寄附者: 北海道みらい銀行 御中\n"));
    free(r);
    r = make(c.seq, &admin);
    ck_assert_ptr_nonnull(strstr(r, "\n再発行（第 2026-000001 号に代わるもの）\n"));
    free(r);
    free(s);
}
END_TEST

START_TEST(annual)
{
    kf_err err = {0};
    kf_donation dn;
    int64_t g[3], vs;
    set_identity();
    /* the year's gifts are recorded after they were made */
    setenv("KIFU_NOW", "2027-01-10T09:00:00+09:00", 1);
    const char *dates[3] = {"2026-01-15", "2026-06-01", "2027-01-02"};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(kf_donation_parse(&dn, "4000", dates[i], "member:M1", NULL, NULL, NULL,
                                           NULL, NULL, NULL, &err),
                         KF_OK);
        kf_txn *t = begin(&treasurer);
        ck_assert_msg(kf_don_donate(t, &dn, &g[i], &err) == KF_OK, "%s", err.msg);
        commit(t);
    }
    int64_t voided = g[1];
    ck_assert_int_eq(kf_donation_parse(&dn, "1000", "2026-07-01", "member:M1", "field:welfare",
                                       NULL, NULL, NULL, NULL, NULL, &err),
                     KF_OK);
    kf_txn *t = begin(&treasurer);
    int64_t g4;
    ck_assert_int_eq(kf_don_donate(t, &dn, &g4, &err), KF_OK);
    ck_assert_int_eq(kf_don_void(t, voided, "返金", "2026-07-02", &vs, &err), KF_OK);
    commit(t);
    kf_cert_issued c;
    ck_assert_msg(issue(0, "M1", 2026, false, &c, &err) == KF_OK, "%s", err.msg);
    ck_assert_uint_eq(c.ngifts, 2);
    ck_assert_int_eq(c.amount, 5000);
    ledger_verifies();
    kf_receipt_summary *s = malloc(sizeof *s);
    char *r = make(c.seq, &admin);
    ck_assert_int_eq(verify(r, vkey_admin, s, &err), KF_OK);
    ck_assert_int_eq(s->year, 2026);
    ck_assert_int_eq(s->gifts[0].seq, g[0]);
    ck_assert_int_eq(s->gifts[1].seq, g4);
    ck_assert(s->proven[0] && s->proven[1]);
    ck_assert_str_eq(s->donor_name, "佐藤 花子");
    ck_assert_str_eq(s->donor_address, "札幌市北区");
    ck_assert_str_eq(s->designation, "基金の事業全般（使途の指定なし）、保健・医療・福祉の増進");
    free(r);
    free(s);
}
END_TEST

/* Appends e as is (signed by the treasurer): the writer's checks bypassed. */
static int64_t forge(kf_entry *e)
{
    kf_err err = {0};
    kf_txn *t = begin(&treasurer);
    ck_assert_msg(kf_txn_append(t, e, &err) == KF_OK, "%s", err.msg);
    commit(t);
    int64_t seq = e->seq;
    kf_entry_free(e);
    return seq;
}

/* A copy of certificate seq's entry with key set to value (an integer when
 * num). */
static kf_entry *altered(int64_t seq, const char *key, const char *value, int64_t num)
{
    kf_entry *e, *copy = kf_entry_new("receipt.issue");
    kf_err err = {0};
    ck_assert_int_eq(kf_ledger_entry(L, seq, &e, &err), KF_OK);
    for (size_t i = 0; i < e->nfields; i++) {
        const kf_field *f = &e->fields[i];
        if (f->type == KF_FIELD_INT)
            kf_entry_set_int(copy, f->key, f->num, NULL);
        else
            kf_entry_set_str(copy, f->key, f->str, NULL);
    }
    kf_entry_free(e);
    if (value)
        kf_entry_set_str(copy, key, value, NULL);
    else
        kf_entry_set_int(copy, key, num, NULL);
    return copy;
}

static void forged_fails(kf_entry *e, const char *what)
{
    kf_err err = {0};
    kf_verify_report rep;
    int64_t seq = forge(e);
    tu_assert_refuses(kf_verify_all(L, NULL, 0, &rep, &err), &err, seq, "receipt.issue", what);
}

START_TEST(forged_gap)
{
    kf_cert_issued a;
    set_identity();
    issue_ok(s_personal, false, &a);
    /* number 3 where 2 is next: a gap */
    forged_fails(altered(a.seq, "number", NULL, 3), "has number 3, but the next number of FY 2026 "
                                                    "is 2");
}
END_TEST

START_TEST(duplicate_number_refused_at_append)
{
    /* The register's UNIQUE(fy, number) refuses a second 2026-000001 while
     * it is appended: the transaction is aborted and nothing is kept. */
    kf_cert_issued a;
    kf_err err = {0};
    set_identity();
    issue_ok(s_personal, false, &a);
    kf_entry *e = altered(a.seq, "number", NULL, 1);
    kf_txn *t = begin(&treasurer);
    int64_t before = kf_txn_size(t);
    ck_assert_int_ne(kf_txn_append(t, e, &err), KF_OK);
    kf_txn_abort(t);
    kf_entry_free(e);
    t = begin(&treasurer);
    ck_assert_int_eq(kf_txn_size(t), before);
    kf_txn_abort(t);
    ledger_verifies();
}
END_TEST

START_TEST(forged_others)
{
    kf_cert_issued a;
    set_identity();
    issue_ok(s_personal, false, &a);
    char gifts[64];
    snprintf(gifts, sizeof gifts, "%lld:2026-05-02:20000", (long long)s_personal);
    kf_entry *e = altered(a.seq, "gifts", gifts, 0);
    kf_entry_set_int(e, "number", 2, NULL);
    kf_entry_set_str(e, "reissue_of", "2026-000001", NULL);
    forged_fails(e, "states a gift's date or amount differently");
}
END_TEST

START_TEST(forged_no_reissue)
{
    kf_cert_issued a;
    set_identity();
    issue_ok(s_personal, false, &a);
    forged_fails(altered(a.seq, "number", NULL, 2),
                 "certifies a gift an earlier certificate covers, and is no reissue");
}
END_TEST

START_TEST(forged_box)
{
    kf_cert_issued a;
    set_identity();
    issue_ok(s_personal, false, &a);
    char gifts[64];
    snprintf(gifts, sizeof gifts, "%lld:2026-05-03:3000", (long long)s_box);
    kf_entry *e = altered(a.seq, "gifts", gifts, 0);
    kf_entry_set_int(e, "number", 2, NULL);
    kf_entry_set_int(e, "amount", 3000, NULL);
    forged_fails(e, "names an entry that is not a donation");
}
END_TEST

START_TEST(receipt_forms_and_tampering)
{
    kf_cert_issued a;
    kf_err err = {0};
    set_identity();
    issue_ok(s_personal, false, &a);
    kf_receipt rc;
    ck_assert_msg(kf_receipt_make(L, &admin, a.seq, &rc, &err) == KF_OK, "%s", err.msg);
    kf_receipt_summary *s = malloc(sizeof *s);
    /* text, PDF, and the QR code's text (with zbarimg's prefix) */
    ck_assert_msg(kf_receipt_verify(rc.text.data, rc.text.len, vkey_admin, s, &err) == KF_OK, "%s",
                  err.msg);
    ck_assert_str_eq(s->number, "2026-000001");
    ck_assert_str_eq(s->date, "2026-05-10");
    ck_assert_str_eq(s->donor_name, NAME);
    ck_assert_int_eq(s->amount, 10000);
    ck_assert_str_eq(s->designation, "保健・医療・福祉の増進");
    ck_assert_str_eq(s->issuer_title, "札幌市長");
    kf_buf pdf = {0}, qr = {0};
    ck_assert_int_eq(kf_receipt_pdf(&rc, &pdf, &err), KF_OK);
    ck_assert_int_eq(kf_receipt_verify(pdf.data, pdf.len, vkey_admin, s, &err), KF_OK);
    kf_buf_puts(&qr, "QR-Code:");
    kf_buf_put(&qr, rc.qr.data, rc.qr.len);
    kf_buf_puts(&qr, "\n");
    ck_assert_msg(strncmp(rc.qr.data, "https://example.org/verify.html#", 32) == 0, "%s",
                  rc.qr.data);
    ck_assert_int_eq(kf_receipt_verify(qr.data, qr.len, vkey_admin, s, &err), KF_OK);
    ck_assert_str_eq(s->donor_name, NAME);
    /* the header, line by line */
    const char *t = rc.text.data;
    ck_assert_ptr_nonnull(
        strstr(t, "寄附金受領証明書\n第 2026-000001 号\n発行日: 令和8年5月10日 (2026-05-10)\n"));
    ck_assert_ptr_nonnull(
        strstr(t, "寄附者: 山田花子 様\n住所: 札幌市中央区北1条西2丁目\n金額: 金 10,000円\n"));
    /* alterations */
    char *x = replace(t, "金額: 金 10,000円", "金額: 金 90,000円");
    verify_fails(x, KF_REFUSED, "readable header line 6 does not match");
    free(x);
    x = replace(t, "\\namount#10000\\ndate=2026-05-10", "\\namount#90000\\ndate=2026-05-10");
    verify_fails(x, KF_REFUSED, "inclusion proof of seq");
    free(x);
    x = replace(t, "donor_name=山田花子", "donor_name=山田太郎");
    verify_fails(x, KF_REFUSED, "does not match the certificate's donor commitment");
    free(x);
    x = replace(t, "発行日: 令和8年5月10日 (2026-05-10)", "発行日: 令和8年5月11日 (2026-05-11)");
    verify_fails(x, KF_REFUSED, "readable header line 3");
    free(x);
    x = replace(t, "date=2026-05-10\\ndesignation", "date=2026-05-11\\ndesignation");
    verify_fails(x, KF_REFUSED, "inclusion proof of seq");
    free(x);
    char key[32];
    snprintf(key, sizeof key, "path.%lld", (long long)a.seq);
    char *p = field(t, key);
    char *q = strdup(p);
    q[0] = q[0] == '0' ? '1' : '0';
    x = replace(t, p, q);
    verify_fails(x, KF_REFUSED, "inclusion proof of seq");
    free(x);
    free(p);
    free(q);
    char *cp = field(t, "checkpoint");
    char *sig = strstr(cp, "— admin ");
    ck_assert_ptr_nonnull(sig);
    sig += strlen("— admin ") + 10;
    char *cp2 = strdup(cp);
    cp2[sig - cp] = cp2[sig - cp] == 'A' ? 'B' : 'A';
    x = replace(t, cp, cp2);
    verify_fails(x, KF_REFUSED, "no valid signature by the origin key admin");
    free(x);
    free(cp);
    free(cp2);
    ck_assert_int_eq(verify(t, vkey_treasurer, s, &err), KF_REFUSED);
    kf_buf_free(&pdf);
    kf_buf_free(&qr);
    kf_receipt_free(&rc);
    free(s);
}
END_TEST

START_TEST(escaped_values)
{
    /* A backslash in the name and a line break in the address stay on one
     * header line each (a name with a line break is refused at recording). */
    kf_cert_issued a;
    set_identity();
    int64_t seq = donate("1234567", NULL, "A\\B", "札幌市\n中央区", "R9", "cash");
    issue_ok(seq, false, &a);
    char *r = make(a.seq, &admin);
    kf_receipt_summary *s = malloc(sizeof *s);
    kf_err err = {0};
    ck_assert_ptr_nonnull(strstr(r, "寄附者: A\\\\B 様\n"));
    ck_assert_ptr_nonnull(strstr(r, "住所: 札幌市\\n中央区\n"));
    ck_assert_ptr_nonnull(strstr(r, "金額: 金 1,234,567円"));
    ck_assert_int_eq(verify(r, vkey_admin, s, &err), KF_OK);
    ck_assert_str_eq(s->donor_name, "A\\B");
    ck_assert_str_eq(s->donor_address, "札幌市\n中央区");
    free(r);
    free(s);
}
END_TEST

START_TEST(wareki_and_certificate_of_a_non_certificate)
{
    kf_err err = {0};
    kf_receipt r;
    ck_assert_int_eq(kf_receipt_make(L, &admin, s_personal, &r, &err), KF_BAD_INPUT);
    ck_assert_int_eq(kf_receipt_make(L, &reviewer, s_personal, &r, &err), KF_REFUSED);
}
END_TEST

int main(void)
{
    if (tu_init()) return EXIT_FAILURE;
    Suite *s = suite_create("receipt");
    TCase *tc = tu_core(s, setup, teardown);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, numbers_and_reissues);
    tcase_add_test(tc, annual);
    tcase_add_test(tc, forged_gap);
    tcase_add_test(tc, forged_others);
    tcase_add_test(tc, duplicate_number_refused_at_append);
    tcase_add_test(tc, forged_no_reissue);
    tcase_add_test(tc, forged_box);
    tcase_add_test(tc, receipt_forms_and_tampering);
    tcase_add_test(tc, escaped_values);
    tcase_add_test(tc, wareki_and_certificate_of_a_non_certificate);
    return tu_run(s);
}
