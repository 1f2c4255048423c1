/* Unit tests: donations through the API, and verification re-deriving what
 * money-in entries assert (a signed entry with a wrong split is caught).
 *
 * Verification runs as kifu verify does: the donations and grants verifiers
 * share a pool tracker, so a void or a deregistration that the pool figures
 * do not allow is caught too. Menu g awards from the lead group's pool. */
#include "check_common.h"
#include "kifu/donations.h"
#include "kifu/report.h"
#include "kifu/grants.h"

#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64], path[128];
static kf_ledger *l;
static kf_signer admin;

static void setup(void)
{
    kf_err err;
    kf_txn *t;
    tu_tmpdir("don", dir, path);
    setenv("KIFU_TEST_SEED", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 1);
    l = tu_ledger(path, "F", "o", &admin);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    tu_small_fund(t);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
}

static void teardown(void)
{
    tu_cleanup(l, dir);
}

static kf_code donate(const char *amount, const char *to, const char *fee, int64_t *seq,
                      kf_err *err)
{
    kf_donation d;
    kf_txn *t;
    kf_code rc =
        kf_donation_parse(&d, amount, "2026-06-01", NULL, to, NULL, NULL, NULL, NULL, fee, err);
    if (rc) return rc;
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, err), KF_OK);
    if ((rc = kf_don_donate(t, &d, seq, err))) {
        kf_txn_abort(t);
        return rc;
    }
    return kf_txn_commit(t, NULL, err);
}

/* Verification as kifu verify runs it (kf_verify_all). */
static kf_code verify(kf_err *err)
{
    kf_verify_report rep;
    memset(err, 0, sizeof *err);
    return kf_verify_all(l, NULL, 0, &rep, err);
}

static void verify_ok(void)
{
    kf_err err;
    kf_code rc = verify(&err);
    ck_assert_msg(rc == KF_OK, "verify: %s", err.msg);
}

/* Verification refuses, naming the forged entry: "seq N: KIND WHAT". */
static void verify_refuses(int64_t seq, const char *kind, const char *what)
{
    kf_err err;
    kf_code rc = verify(&err);
    tu_assert_refuses(rc, &err, seq, kind, what);
}

START_TEST(split_and_rounding)
{
    kf_err err;
    int64_t seq;
    kf_entry *e;
    ck_assert_int_eq(donate("9999", "group:G1", NULL, &seq, &err), KF_OK);
    ck_assert_int_eq(kf_ledger_entry(l, seq, &e, &err), KF_OK);
    int64_t credit, general, fy;
    /* 9999 x 90/100 = 8999.1 -> 8999 -> rounded down to 100: 8900 */
    ck_assert(kf_entry_int(e, "credit", &credit) && credit == 8900);
    ck_assert(kf_entry_int(e, "credit_general", &general) && general == 1099);
    ck_assert(kf_entry_int(e, "fy", &fy) && fy == 2026);
    ck_assert_str_eq(kf_entry_str(e, "credit_pool"), "group:G1");
    kf_entry_free(e);
    /* fee comes off before the split: net 12000 -> 10800 / 1200 */
    ck_assert_int_eq(donate("12345", "group:G1", "345", &seq, &err), KF_OK);
    kf_pool_figures f;
    ck_assert_int_eq(kf_pool_get(l, "group:G1", &f, &err), KF_OK);
    ck_assert_int_eq(f.in, 8900 + 10800);
    ck_assert_int_eq(kf_pool_get(l, "general", &f, &err), KF_OK);
    ck_assert_int_eq(f.in, 1099 + 1200);
    ck_assert_int_eq(verify(&err), KF_OK);
}
END_TEST

START_TEST(parse_errors)
{
    kf_donation d;
    kf_err err;
    ck_assert_int_eq(kf_donation_parse(&d, "100", "2026-06-01", "member:", NULL, NULL, NULL, NULL,
                                       NULL, NULL, &err),
                     KF_BAD_INPUT);
    ck_assert_int_eq(kf_donation_parse(&d, "100", "2026-06-01", "shop:1", NULL, NULL, NULL, NULL,
                                       NULL, NULL, &err),
                     KF_BAD_INPUT);
    ck_assert_int_eq(kf_donation_parse(&d, "100", "2026-06-01", NULL, "group:", NULL, NULL, NULL,
                                       NULL, NULL, &err),
                     KF_BAD_INPUT);
    ck_assert_int_eq(
        kf_donation_parse(&d, "100", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &err),
        KF_BAD_INPUT);
    ck_assert_int_eq(
        kf_donation_parse(&d, "100", "2026-06-01", NULL, NULL, NULL, NULL, NULL, NULL, "-1", &err),
        KF_BAD_INPUT);
    ck_assert_int_eq(kf_donation_parse(&d, "1000000000000", "2026-06-01", NULL, NULL, NULL, NULL,
                                       NULL, NULL, "999999999999", &err),
                     KF_OK);
    ck_assert_int_eq(d.amount - d.fee, 1);
}
END_TEST

/* Appends a donation entry built by hand, bypassing kf_don_donate's
 * arithmetic, and signs it: the ledger accepts it, verification must not. */
static void forge(int64_t amount, int64_t credit, int64_t general, int64_t fy, const char *date)
{
    kf_err err;
    kf_txn *t;
    kf_entry *e = kf_entry_new("donation");
    kf_entry_set_int(e, "amount", amount, NULL);
    kf_entry_set_int(e, "credit", credit, NULL);
    kf_entry_set_int(e, "credit_general", general, NULL);
    kf_entry_set_str(e, "credit_pool", "group:G1", NULL);
    kf_entry_set_str(e, "to", "group:G1", NULL);
    kf_entry_set_str(e, "source", "direct", NULL);
    kf_entry_set_str(e, "date", date, NULL);
    kf_entry_set_int(e, "fy", fy, NULL);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_txn_append(t, e, &err), KF_OK);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    kf_entry_free(e);
}

START_TEST(verify_catches_wrong_split)
{
    kf_err err;
    forge(10000, 10000, 0, 2026, "2026-06-01"); /* the rules say 9000 / 1000 */
    ck_assert_int_eq(verify(&err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "seq 4: donation entry splits its net amount"));
}
END_TEST

START_TEST(verify_catches_wrong_fy)
{
    kf_err err;
    forge(10000, 9000, 1000, 2026, "2026-03-31"); /* that date is in FY 2025 */
    ck_assert_int_eq(verify(&err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "seq 4: donation entry states a fiscal year"));
}
END_TEST

START_TEST(verify_catches_bad_void)
{
    kf_err err;
    int64_t seq;
    ck_assert_int_eq(donate("5000", "field:welfare", NULL, &seq, &err), KF_OK);
    /* a void whose amounts differ from the donation it names */
    kf_txn *t;
    kf_entry *e = kf_entry_new("donation.void");
    kf_entry_set_int(e, "void", seq, NULL);
    kf_entry_set_int(e, "amount", 5000, NULL);
    kf_entry_set_int(e, "credit", 4000, NULL);
    kf_entry_set_int(e, "credit_general", 0, NULL);
    kf_entry_set_str(e, "credit_pool", "field:welfare", NULL);
    kf_entry_set_str(e, "source", "direct", NULL);
    kf_entry_set_str(e, "date", "2026-07-01", NULL);
    kf_entry_set_str(e, "reason", "x", NULL);
    kf_entry_set_int(e, "fy", 2026, NULL);
    kf_entry_set_int(e, "void_fy", 2026, NULL);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_txn_append(t, e, &err), KF_OK);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    kf_entry_free(e);
    ck_assert_int_eq(verify(&err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "seq 5: donation.void entry does not reverse"));
}
END_TEST

START_TEST(void_twice_and_available)
{
    kf_err err;
    int64_t seq, vseq;
    kf_txn *t;
    ck_assert_int_eq(donate("5000", NULL, NULL, &seq, &err), KF_OK);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_don_void(t, seq, "r", "2026-07-01", &vseq, &err), KF_OK);
    ck_assert_int_eq(kf_don_void(t, seq, "r", "2026-07-01", &vseq, &err), KF_REFUSED);
    kf_txn_abort(t);
    kf_pool_figures f;
    ck_assert_int_eq(kf_pool_get(l, "general", &f, &err), KF_OK);
    ck_assert_int_eq(f.balance, 5000); /* the aborted void left nothing */
    ck_assert_int_eq(verify(&err), KF_OK);
}
END_TEST

/* --- pools: voids and deregistrations ------------------------------------------ */

/* Appends e, signed by admin, in a commit of its own; returns its seq. */
static int64_t forge_entry(kf_entry *e)
{
    kf_err err;
    kf_txn *t;
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    kf_code rc = kf_txn_append(t, e, &err);
    ck_assert_msg(rc == KF_OK, "the ledger layer refused a %s: %s", e->kind, err.msg);
    rc = kf_txn_commit(t, NULL, &err);
    ck_assert_msg(rc == KF_OK, "commit: %s", err.msg);
    int64_t seq = e->seq;
    kf_entry_free(e);
    return seq;
}

/* The void kf_don_void would write for the 5,000 yen gift to group:G1 at seq:
 * 4,500 out of group:G1, 500 out of general. */
static kf_entry *forged_void(int64_t seq)
{
    kf_entry *e = kf_entry_new("donation.void");
    ck_assert_ptr_nonnull(e);
    kf_entry_set_int(e, "void", seq, NULL);
    kf_entry_set_str(e, "reason", "x", NULL);
    kf_entry_set_str(e, "date", "2026-07-01", NULL);
    kf_entry_set_int(e, "fy", 2026, NULL);
    kf_entry_set_int(e, "void_fy", 2026, NULL);
    kf_entry_set_int(e, "amount", 5000, NULL);
    kf_entry_set_str(e, "source", "direct", NULL);
    kf_entry_set_str(e, "credit_pool", "group:G1", NULL);
    kf_entry_set_int(e, "credit", 4500, NULL);
    kf_entry_set_int(e, "credit_general", 500, NULL);
    return e;
}

/* The least available money from a FY on, FY by FY (kf_pool_available_from):
 * moves of pool P: FY 2025 in 100; FY 2026 out 150; FY 2028 in 100, so the
 * FY ends are 2025: 100, 2026: -50, 2027: -50, 2028 on: 50. */
START_TEST(available_by_fy)
{
    kf_err err;
    kf_txn *t;
    kf_yen least;
    int at;
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_pool_available_from(l, "P", 2026, &least, &at, &err), KF_OK);
    ck_assert(least == 0 && at == 2026); /* a pool that never moved */
    ck_assert_int_eq(kf_pools_move(l, "test", "P", 2028, 100, 0, 0, &err), KF_OK);
    ck_assert_int_eq(kf_pool_available_from(l, "P", 2025, &least, &at, &err), KF_OK);
    ck_assert_msg(least == 0 && at == 2025, "only FY 2028 money: %lld at %d", (long long)least,
                  at); /* nothing yet at the end of FY 2025 */
    ck_assert_int_eq(kf_pools_move(l, "test", "P", 2025, 100, 0, 0, &err), KF_OK);
    ck_assert_int_eq(kf_pools_move(l, "test", "P", 2026, 0, 150, 0, &err), KF_OK);
    static const struct {
        int from;
        kf_yen least;
        int at;
    } want[] = {{2020, -50, 2026}, {2025, -50, 2026}, {2026, -50, 2026},
                {2027, -50, 2027}, {2028, 50, 2028},  {2030, 50, 2030}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ck_assert_int_eq(kf_pool_available_from(l, "P", want[i].from, &least, &at, &err), KF_OK);
        ck_assert_msg(least == want[i].least && at == want[i].at,
                      "from FY %d: %lld at FY %d, want %lld at FY %d", want[i].from,
                      (long long)least, at, (long long)want[i].least, want[i].at);
    }
    /* committed money counts against what is available */
    ck_assert_int_eq(kf_pools_move(l, "test", "P", 2028, 0, 0, 30, &err), KF_OK);
    ck_assert_int_eq(kf_pool_available_from(l, "P", 2028, &least, &at, &err), KF_OK);
    ck_assert_int_eq(least, 20);
    kf_txn_abort(t);
}
END_TEST

/* A void may not be dated before the donation it reverses: the writer
 * refuses it, and verification refuses a forged one. */
START_TEST(void_dated_before_its_donation)
{
    kf_err err;
    int64_t seq, vseq;
    kf_txn *t;
    ck_assert_int_eq(donate("5000", "group:G1", NULL, &seq, &err), KF_OK); /* 2026-06-01 */
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_don_void(t, seq, "r", "2026-05-31", &vseq, &err), KF_REFUSED);
    ck_assert_msg(strstr(err.msg, "a void dated 2026-05-31 would precede the donation it "
                                  "reverses") != NULL,
                  "%s", err.msg);
    ck_assert_int_eq(kf_don_void(t, seq, "r", "2026-06-01", &vseq, &err), KF_OK);
    kf_txn_abort(t);
    verify_ok();
    kf_entry *e = forged_void(seq);
    kf_entry_set_str(e, "date", "2026-05-31", NULL);
    vseq = forge_entry(e);
    verify_refuses(vseq, "donation.void entry", "is dated before the donation it voids");
}
END_TEST

static kf_entry *forged_deregister(kf_yen moved, const char *to)
{
    kf_entry *e = kf_entry_new("group.deregister");
    ck_assert_ptr_nonnull(e);
    kf_entry_set_str(e, "id", "G1", NULL);
    kf_entry_set_str(e, "reason", "x", NULL);
    kf_entry_set_str(e, "date", "2026-07-01", NULL);
    kf_entry_set_int(e, "fy", 2026, NULL);
    kf_entry_set_int(e, "moved", moved, NULL);
    kf_entry_set_str(e, "to", to, NULL);
    return e;
}

static kf_code deregister(kf_yen *moved, kf_err *err)
{
    kf_txn *t;
    int64_t seq;
    kf_code rc;
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, err), KF_OK);
    if ((rc = kf_group_deregister(t, "G1", "解散", "2026-07-01", &seq, moved, err))) {
        kf_txn_abort(t);
        return rc;
    }
    return kf_txn_commit(t, NULL, err);
}

static kf_code void_donation(int64_t seq, kf_err *err)
{
    kf_txn *t;
    int64_t vseq;
    kf_code rc;
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, err), KF_OK);
    if ((rc = kf_don_void(t, seq, "誤入力", "2026-07-01", &vseq, err))) {
        kf_txn_abort(t);
        return rc;
    }
    return kf_txn_commit(t, NULL, err);
}

/* Applies in menu g and approves `amount` from group:G1. */
static kf_code apply_and_decide(kf_yen amount, kf_err *err)
{
    kf_application *a = malloc(sizeof *a);
    kf_txn *t;
    int64_t seq;
    kf_code rc;
    ck_assert_ptr_nonnull(a);
    rc = kf_application_parse(tu_app_g1(), strlen(tu_app_g1()), "app.ini", a, err);
    ck_assert_msg(rc == KF_OK, "parse: %s", err->msg);
    snprintf(a->date, sizeof a->date, "2026-06-01");
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, err), KF_OK);
    rc = kf_grant_apply(t, a, err);
    ck_assert_msg(rc == KF_OK, "apply: %s", err->msg);
    ck_assert_int_eq(kf_txn_commit(t, NULL, err), KF_OK);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, err), KF_OK);
    rc = kf_grant_decide(t, a->id, true, amount, NULL, "2026-06-15", &seq, err);
    free(a);
    if (rc) {
        kf_txn_abort(t);
        return rc;
    }
    return kf_txn_commit(t, NULL, err);
}

START_TEST(void_and_deregistration_verify)
{
    kf_err err;
    int64_t seq, mistaken;
    kf_yen moved;
    ck_assert_int_eq(donate("5000", "group:G1", NULL, &seq, &err), KF_OK);
    ck_assert_int_eq(donate("3000", "group:G1", NULL, &mistaken, &err), KF_OK);
    ck_assert_int_eq(void_donation(mistaken, &err), KF_OK);
    ck_assert_int_eq(deregister(&moved, &err), KF_OK);
    ck_assert_int_eq(moved, 4500);
    verify_ok();
    kf_pool_figures f;
    ck_assert_int_eq(kf_pool_get(l, "group:G1", &f, &err), KF_OK);
    ck_assert_int_eq(f.balance, 0);
    ck_assert_int_eq(kf_pool_get(l, "general", &f, &err), KF_OK);
    ck_assert_int_eq(f.balance, 5000);
}
END_TEST

/* Deregistration moved group:G1's 4,500 to general; a void of the gift would
 * take 4,500 out of the now empty group:G1. */
START_TEST(void_after_deregistration)
{
    kf_err err;
    int64_t seq;
    kf_yen moved;
    ck_assert_int_eq(donate("5000", "group:G1", NULL, &seq, &err), KF_OK);
    ck_assert_int_eq(deregister(&moved, &err), KF_OK);
    ck_assert_int_eq(moved, 4500);
    ck_assert_int_eq(void_donation(seq, &err), KF_REFUSED);
    verify_ok();
    int64_t vseq = forge_entry(forged_void(seq));
    verify_refuses(vseq, "donation.void", "leaves pool group:G1 with negative available money");
}
END_TEST

/* 4,000 of group:G1's 4,500 is committed to an award: a void of the gift
 * leaves 0 - 4,000 available. */
START_TEST(void_of_committed_money)
{
    kf_err err;
    int64_t seq;
    ck_assert_int_eq(donate("5000", "group:G1", NULL, &seq, &err), KF_OK);
    ck_assert_int_eq(apply_and_decide(4000, &err), KF_OK);
    ck_assert_int_eq(void_donation(seq, &err), KF_REFUSED);
    verify_ok();
    int64_t vseq = forge_entry(forged_void(seq));
    verify_refuses(vseq, "donation.void", "leaves pool group:G1 with negative available money");
}
END_TEST

START_TEST(deregister_moves_less)
{
    kf_err err;
    int64_t seq;
    ck_assert_int_eq(donate("5000", "group:G1", NULL, &seq, &err), KF_OK);
    verify_ok();
    int64_t dseq = forge_entry(forged_deregister(4000, "general"));
    verify_refuses(dseq, "group.deregister",
                   "does not move exactly the balance of an uncommitted pool group:G1");
}
END_TEST

START_TEST(deregister_moves_more)
{
    kf_err err;
    int64_t seq;
    ck_assert_int_eq(donate("5000", "group:G1", NULL, &seq, &err), KF_OK);
    verify_ok();
    int64_t dseq = forge_entry(forged_deregister(5000, "general"));
    verify_refuses(dseq, "group.deregister",
                   "does not move exactly the balance of an uncommitted pool group:G1");
}
END_TEST

/* Exactly the balance, but to field:welfare; the rules say general. */
START_TEST(deregister_to_other_pool)
{
    kf_err err;
    int64_t seq;
    ck_assert_int_eq(donate("5000", "group:G1", NULL, &seq, &err), KF_OK);
    verify_ok();
    int64_t dseq = forge_entry(forged_deregister(4500, "field:welfare"));
    verify_refuses(dseq, "group.deregister",
                   "moves money to field:welfare, not the rules' deregister_to");
}
END_TEST

/* Exactly the balance, to general, while 4,000 is committed to an award. */
START_TEST(deregister_while_committed)
{
    kf_err err;
    int64_t seq;
    kf_yen moved;
    ck_assert_int_eq(donate("5000", "group:G1", NULL, &seq, &err), KF_OK);
    ck_assert_int_eq(apply_and_decide(4000, &err), KF_OK);
    ck_assert_int_eq(deregister(&moved, &err), KF_REFUSED);
    ck_assert_ptr_nonnull(strstr(err.msg, "4000 yen committed"));
    verify_ok();
    int64_t dseq = forge_entry(forged_deregister(4500, "general"));
    verify_refuses(dseq, "group.deregister",
                   "does not move exactly the balance of an uncommitted pool group:G1");
}
END_TEST

/* --- interest earned (fund.interest) ------------------------------------ */

/* Records interest earned in its own commit; *pool gets where it went. */
static kf_code interest(const char *amount, const char *date, const char *ref, int64_t *seq,
                        char pool[KF_POOL_MAX], kf_err *err)
{
    kf_interest in;
    kf_txn *t;
    int fy;
    kf_code rc = kf_interest_parse(&in, amount, date, ref, "利息", err);
    if (rc) return rc;
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, err), KF_OK);
    if ((rc = kf_don_interest(t, &in, seq, pool, &fy, err))) {
        kf_txn_abort(t);
        return rc;
    }
    ck_assert_int_eq(fy, 2026);
    return kf_txn_commit(t, NULL, err);
}

static int64_t ledger_size(void)
{
    kf_err err;
    kf_ledger_info info;
    ck_assert_int_eq(kf_ledger_get_info(l, &info, &err), KF_OK);
    return info.size;
}

START_TEST(interest_to_the_rules_pool)
{
    kf_err err;
    int64_t seq, seq2, rules_seq;
    char pool[KF_POOL_MAX];
    kf_pool_figures f;
    kf_entry *e;
    /* the default interest_to: general */
    ck_assert_int_eq(interest("1234", "2026-06-01", "BANK-I-1", &seq, pool, &err), KF_OK);
    ck_assert_str_eq(pool, "general");
    ck_assert_int_eq(kf_ledger_entry(l, seq, &e, &err), KF_OK);
    int64_t v;
    ck_assert_str_eq(e->kind, "fund.interest");
    ck_assert(kf_entry_int(e, "amount", &v) && v == 1234);
    ck_assert(kf_entry_int(e, "fy", &v) && v == 2026);
    ck_assert_str_eq(kf_entry_str(e, "pool"), "general");
    ck_assert_str_eq(kf_entry_str(e, "date"), "2026-06-01");
    ck_assert_str_eq(kf_entry_str(e, "ref"), "BANK-I-1");
    ck_assert_str_eq(kf_entry_str(e, "note"), "利息");
    kf_entry_free(e);
    ck_assert_int_eq(kf_pool_get(l, "general", &f, &err), KF_OK);
    ck_assert_int_eq(f.in, 1234);
    ck_assert_int_eq(f.available, 1234);
    verify_ok();
    /* refused, nothing appended: a ref used before, a date after today, no amount */
    int64_t size = ledger_size();
    ck_assert_int_eq(interest("1", "2026-06-02", "BANK-I-1", &seq2, pool, &err), KF_REFUSED);
    ck_assert_str_eq(err.msg, "ref 'BANK-I-1' is already recorded (seq 4)");
    ck_assert_int_eq(interest("1", "2027-07-01", NULL, &seq2, pool, &err), KF_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "date 2027-07-01 is after today (2027-06-30"));
    ck_assert_int_eq(interest("0", "2026-06-02", NULL, &seq2, pool, &err), KF_BAD_INPUT);
    ck_assert_int_eq(ledger_size(), size);
    /* the rules decide the pool: interest_to = field:welfare from the next version on */
    const char *rules = "[fund]\ndesignated_share = 90/100\ndesignated_round = 100\n"
                        "interest_to = field:welfare\n[fields]\nwelfare = 福祉\n";
    kf_txn *t;
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_rules_load(t, "w.ini", rules, strlen(rules), &rules_seq, &err), KF_OK);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    ck_assert_int_eq(interest("500", "2027-03-31", NULL, &seq2, pool, &err), KF_OK);
    ck_assert_str_eq(pool, "field:welfare");
    ck_assert_int_eq(kf_pool_get(l, "field:welfare", &f, &err), KF_OK);
    ck_assert_int_eq(f.in, 500);
    ck_assert_int_eq(kf_pool_get(l, "general", &f, &err), KF_OK);
    ck_assert_int_eq(f.in, 1234);
    verify_ok();
    /* the reports' reader: the FY's interest entries, as signed */
    kf_interest_row *rows;
    size_t n;
    ck_assert_int_eq(kf_don_interests(l, 2026, &rows, &n, &err), KF_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(rows[0].seq, seq);
    ck_assert_int_eq(rows[0].amount, 1234);
    ck_assert_str_eq(rows[0].pool, "general");
    ck_assert_str_eq(rows[0].ref, "BANK-I-1");
    ck_assert_str_eq(rows[0].note, "利息");
    ck_assert_int_eq(rows[1].seq, seq2);
    ck_assert_str_eq(rows[1].date, "2027-03-31");
    ck_assert_int_eq(rows[1].fy, 2026);
    ck_assert_str_eq(rows[1].pool, "field:welfare");
    ck_assert_str_eq(rows[1].ref, "");
    free(rows);
    ck_assert_int_eq(kf_don_interests(l, 2025, &rows, &n, &err), KF_OK);
    ck_assert_uint_eq(n, 0);
    free(rows);
    /* rebuilt from the entries, the figures are the same */
    ck_assert_int_eq(kf_ledger_reindex(l, &err), KF_OK);
    ck_assert_int_eq(kf_pool_get(l, "field:welfare", &f, &err), KF_OK);
    ck_assert_int_eq(f.in, 500);
    ck_assert_int_eq(kf_pool_get(l, "general", &f, &err), KF_OK);
    ck_assert_int_eq(f.in, 1234);
}
END_TEST

/* A fund.interest built by hand, as the ledger layer signs whatever it is
 * given: verification re-derives its fy, pool and amount. */
static kf_entry *forged_interest(int64_t amount, const char *date, int64_t fy, const char *pool)
{
    kf_entry *e = kf_entry_new("fund.interest");
    kf_entry_set_int(e, "amount", amount, NULL);
    kf_entry_set_str(e, "date", date, NULL);
    kf_entry_set_int(e, "fy", fy, NULL);
    kf_entry_set_str(e, "pool", pool, NULL);
    return e;
}

START_TEST(forged_interest_pool)
{
    verify_ok();
    int64_t ok_seq = forge_entry(forged_interest(100, "2026-06-01", 2026, "general"));
    ck_assert_int_gt(ok_seq, 0);
    verify_ok();
    int64_t seq = forge_entry(forged_interest(100, "2026-06-01", 2026, "field:welfare"));
    verify_refuses(seq, "fund.interest",
                   "entry credits field:welfare, not the rules' interest_to (general)");
}
END_TEST

START_TEST(forged_interest_fy)
{
    int64_t seq = forge_entry(forged_interest(100, "2027-04-01", 2026, "general"));
    verify_refuses(seq, "fund.interest", "entry states a fiscal year its date is not in");
}
END_TEST

START_TEST(forged_interest_amount)
{
    int64_t seq = forge_entry(forged_interest(0, "2026-06-01", 2026, "general"));
    verify_refuses(seq, "fund.interest", "entry has an amount out of range");
}
END_TEST

int main(void)
{
    if (tu_init()) return EXIT_FAILURE;
    Suite *s = suite_create("donations");
    TCase *tc = tu_core(s, setup, teardown);
    tcase_add_test(tc, split_and_rounding);
    tcase_add_test(tc, parse_errors);
    tcase_add_test(tc, verify_catches_wrong_split);
    tcase_add_test(tc, verify_catches_wrong_fy);
    tcase_add_test(tc, verify_catches_bad_void);
    tcase_add_test(tc, void_twice_and_available);
    tcase_add_test(tc, available_by_fy);
    tcase_add_test(tc, void_dated_before_its_donation);
    tcase_add_test(tc, void_and_deregistration_verify);
    tcase_add_test(tc, void_after_deregistration);
    tcase_add_test(tc, void_of_committed_money);
    tcase_add_test(tc, deregister_moves_less);
    tcase_add_test(tc, deregister_moves_more);
    tcase_add_test(tc, deregister_to_other_pool);
    tcase_add_test(tc, deregister_while_committed);
    tcase_add_test(tc, interest_to_the_rules_pool);
    tcase_add_test(tc, forged_interest_pool);
    tcase_add_test(tc, forged_interest_fy);
    tcase_add_test(tc, forged_interest_amount);
    return tu_run(s);
}
