/* Unit tests: business dates and the fund's time zone (README and
 * docs/ENTRIES.md, "Business dates"). Today is the date of the clock
 * (KIFU_NOW) in the fund's time zone, +09:00; every writer refuses a
 * business date after it, exit 2; verification refuses a signed entry whose
 * business date is after the date of its commit's time, naming its seq. */
#include "check_common.h"
#include "kifu/fund.h"
#include "kifu/verify.h"

static char dir[64], path[128];
static kf_ledger *l;
static kf_signer admin;

static void setup(void)
{
    kf_err err;
    kf_txn *t;
    tu_tmpdir("dates", dir, path);
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

static const char *fund_date(const char *time)
{
    static char out[11];
    ck_assert_msg(kf_fund_date(time, out), "kf_fund_date(%s) failed", time);
    return out;
}

START_TEST(fund_date_is_in_japan)
{
    ck_assert_str_eq(fund_date("2026-05-01T09:00:00+09:00"), "2026-05-01");
    ck_assert_str_eq(fund_date("2026-05-01T00:00:00+09:00"), "2026-05-01");
    ck_assert_str_eq(fund_date("2026-05-01T23:59:59+09:00"), "2026-05-01");
    /* 15:00 UTC is midnight in Japan */
    ck_assert_str_eq(fund_date("2026-05-01T14:59:59Z"), "2026-05-01");
    ck_assert_str_eq(fund_date("2026-05-01T15:00:00Z"), "2026-05-02");
    ck_assert_str_eq(fund_date("2026-05-01T15:00:00.999+00:00"), "2026-05-02");
    /* a negative offset, over a year's end */
    ck_assert_str_eq(fund_date("2026-12-31T23:00:00-05:00"), "2027-01-01");
    ck_assert_str_eq(fund_date("2026-12-31T09:59:00-05:00"), "2026-12-31");
    /* a time zone ahead of Japan's goes back a day */
    ck_assert_str_eq(fund_date("2026-05-02T01:00:00+14:00"), "2026-05-01");
    /* leap days, the FY's first day */
    ck_assert_str_eq(fund_date("2028-02-28T15:00:00Z"), "2028-02-29");
    ck_assert_str_eq(fund_date("2028-02-29T15:00:00Z"), "2028-03-01");
    ck_assert_str_eq(fund_date("2100-02-28T15:00:00Z"), "2100-03-01"); /* 2100: no leap day */
    ck_assert_str_eq(fund_date("2027-03-31T15:00:00Z"), "2027-04-01");
    ck_assert_str_eq(fund_date("1970-01-01T00:00:00Z"), "1970-01-01");
    ck_assert_str_eq(fund_date("1969-12-31T14:59:00Z"), "1969-12-31");
    ck_assert_str_eq(fund_date("1969-12-31T15:00:00Z"), "1970-01-01");
    char out[11];
    ck_assert(!kf_fund_date("2026-05-01", out));
    ck_assert(!kf_fund_date("2026-05-01T09:00:00", out));
    ck_assert(!kf_fund_date("2026-02-30T09:00:00Z", out));
}
END_TEST

START_TEST(today_is_the_clock_in_japan)
{
    char today[11];
    kf_err err;
    setenv("KIFU_NOW", "2026-05-01T20:00:00Z", 1);
    ck_assert(kf_today(today, &err));
    ck_assert_str_eq(today, "2026-05-02");
    setenv("KIFU_NOW", "2026-05-01T14:59:59Z", 1);
    ck_assert(kf_today(today, &err));
    ck_assert_str_eq(today, "2026-05-01");
    setenv("KIFU_NOW", "2026-05-01T09:00:00+09:00", 1);
    ck_assert(kf_today(today, &err));
    ck_assert_str_eq(today, "2026-05-01");
    setenv("KIFU_NOW", "yesterday", 1);
    ck_assert(!kf_today(today, &err));
    ck_assert_int_eq(err.code, KF_BAD_INPUT);
    /* the real clock gives a date too */
    unsetenv("KIFU_NOW");
    ck_assert(kf_today(today, &err));
    ck_assert(kf_parse_date(today, NULL, NULL, NULL));
}
END_TEST

START_TEST(window_ends_today)
{
    kf_err err = {0};
    char first[11], last[11];
    setenv("KIFU_NOW", "2026-06-01T09:00:00+09:00", 1);
    ck_assert_int_eq(kf_date_window(l, first, last, &err), KF_OK);
    ck_assert_str_eq(first, "2025-04-01");
    ck_assert_str_eq(last, "2026-06-01");
    ck_assert_int_eq(kf_date_check(l, "date", "2026-06-01", &err), KF_OK);
    ck_assert_int_eq(kf_date_check(l, "date", "2025-04-01", &err), KF_OK);
    ck_assert_int_eq(kf_date_check(l, "date", "2026-06-02", &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "date 2026-06-02 is after today (2026-06-01, the fund's time zone "
                              "+09:00): a business date cannot be in the future");
    ck_assert_int_eq(kf_date_check(l, "--date", "2100-12-31", &err), KF_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "--date 2100-12-31 is after today (2026-06-01"));
    ck_assert_int_eq(kf_date_check(l, "date", "2025-03-31", &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "date 2025-03-31 is outside the business dates this ledger takes, "
                              "2025-04-01 to 2026-06-01 (from the FY before its first commit's "
                              "to today)");
    /* at 16:00 UTC it is already the next day in Japan */
    setenv("KIFU_NOW", "2026-06-01T16:00:00Z", 1);
    ck_assert_int_eq(kf_date_check(l, "date", "2026-06-02", &err), KF_OK);
    ck_assert_int_eq(kf_date_check(l, "date", "2026-06-03", &err), KF_BAD_INPUT);
    /* a planned date (an application's start) may lie ahead, to 2100 */
    ck_assert_int_eq(kf_date_check_planned(l, "its start", "2030-06-01", &err), KF_OK);
    ck_assert_int_eq(kf_date_check_planned(l, "its start", "2100-12-31", &err), KF_OK);
    ck_assert_int_eq(kf_date_check_planned(l, "its start", "2101-01-01", &err), KF_BAD_INPUT);
    ck_assert_int_eq(kf_date_check_planned(l, "its start", "2025-03-31", &err), KF_BAD_INPUT);
}
END_TEST

/* A donation dated after today is refused before anything is appended; the
 * day itself is taken. */
START_TEST(donation_after_today_refused)
{
    kf_err err = {0};
    kf_donation d;
    kf_txn *t;
    int64_t seq;
    kf_ledger_info before, after;
    setenv("KIFU_NOW", "2026-06-01T09:00:00+09:00", 1);
    ck_assert_int_eq(kf_ledger_get_info(l, &before, &err), KF_OK);
    ck_assert_int_eq(
        kf_donation_parse(&d, "1000", "2026-06-02", NULL, NULL, NULL, NULL, NULL, NULL, NULL, &err),
        KF_OK);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_don_donate(t, &d, &seq, &err), KF_BAD_INPUT);
    ck_assert_int_eq(kf_txn_size(t), before.size);
    kf_txn_abort(t);
    ck_assert_ptr_nonnull(strstr(err.msg, "date 2026-06-02 is after today (2026-06-01"));
    ck_assert_int_eq(kf_ledger_get_info(l, &after, &err), KF_OK);
    ck_assert_int_eq(after.size, before.size);
    ck_assert_int_eq(
        kf_donation_parse(&d, "1000", "2026-06-01", NULL, NULL, NULL, NULL, NULL, NULL, NULL, &err),
        KF_OK);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_don_donate(t, &d, &seq, &err), KF_OK);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    ck_assert_int_eq(seq, before.size + 1);
}
END_TEST

/* Appends a well-formed donation of 10,000 yen to general dated `date`,
 * bypassing the writer's check of the date, signed at the clock `now`. */
static int64_t forge_gift(const char *date, const char *now)
{
    kf_err err;
    kf_txn *t;
    kf_entry *e = kf_entry_new("donation");
    kf_entry_set_int(e, "amount", 10000, NULL);
    kf_entry_set_int(e, "credit", 10000, NULL);
    kf_entry_set_int(e, "credit_general", 0, NULL);
    kf_entry_set_str(e, "credit_pool", "general", NULL);
    kf_entry_set_str(e, "to", "general", NULL);
    kf_entry_set_str(e, "source", "direct", NULL);
    kf_entry_set_str(e, "date", date, NULL);
    kf_entry_set_int(e, "fy", 2026, NULL);
    setenv("KIFU_NOW", now, 1);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_txn_append(t, e, &err), KF_OK);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    int64_t seq = e->seq;
    kf_entry_free(e);
    return seq;
}

static kf_code verify(kf_err *err)
{
    kf_verify_report rep;
    memset(err, 0, sizeof *err);
    return kf_verify_all(l, NULL, 0, &rep, err);
}

START_TEST(verify_refuses_a_date_after_its_commit)
{
    kf_err err;
    /* 2026-06-02 in Japan from 15:00 UTC on June 1 */
    forge_gift("2026-06-02", "2026-06-01T15:00:00Z");
    forge_gift("2026-06-01", "2026-06-01T09:00:00+09:00");
    ck_assert_msg(verify(&err) == KF_OK, "verify: %s", err.msg);
    int64_t seq = forge_gift("2026-06-02", "2026-06-01T14:59:59Z");
    ck_assert_int_eq(verify(&err), KF_REFUSED);
    char want[256];
    snprintf(want, sizeof want,
             "seq %lld: donation dated 2026-06-02, after the date of its commit (2026-06-01, "
             "commit time 2026-06-01T14:59:59Z, in the fund's time zone +09:00): a business date "
             "cannot be in the future",
             (long long)seq);
    ck_assert_str_eq(err.msg, want);
}
END_TEST

/* The kinds whose `date` is a business date, each checked against its
 * commit's date; other kinds' dates are not. */
START_TEST(business_date_kinds)
{
    static const char *dated[] = {
        "donation",    "box.collect",  "donation.void", "fund.interest", "group.deregister",
        "grant.apply", "grant.decide", "grant.pay",     "grant.settle",  "grant.refund"};
    static const char *undated[] = {"partner.clicks", "member.add", "group.add", "rules.load",
                                    "grant.review"};
    kf_err err = {0};
    for (size_t i = 0; i < sizeof dated / sizeof dated[0]; i++) {
        kf_entry *e = kf_entry_new(dated[i]);
        kf_entry_set_str(e, "date", "2026-05-02", NULL);
        kf_row row = {.seq = 7, .entry = e};
        snprintf(row.time, sizeof row.time, "2026-05-01T23:59:59+09:00");
        ck_assert(kf_business_date_kind(dated[i]));
        ck_assert_int_eq(kf_business_date_verify(&row, &(kf_commit_day){0}, &err), KF_REFUSED);
        char want[128];
        snprintf(want, sizeof want, "seq 7: %s dated 2026-05-02, after the date of its commit",
                 dated[i]);
        ck_assert_msg(strstr(err.msg, want), "%s: %s", dated[i], err.msg);
        snprintf(row.time, sizeof row.time, "2026-05-02T00:00:00+09:00");
        ck_assert_int_eq(kf_business_date_verify(&row, &(kf_commit_day){0}, &err), KF_OK);
        kf_entry_free(e);
    }
    for (size_t i = 0; i < sizeof undated / sizeof undated[0]; i++) {
        kf_entry *e = kf_entry_new(undated[i]);
        kf_entry_set_str(e, "date", "2030-01-01", NULL);
        kf_row row = {.seq = 7, .entry = e};
        snprintf(row.time, sizeof row.time, "2026-05-01T09:00:00+09:00");
        ck_assert(!kf_business_date_kind(undated[i]));
        ck_assert_int_eq(kf_business_date_verify(&row, &(kf_commit_day){0}, &err), KF_OK);
        kf_entry_free(e);
    }
}
END_TEST

int main(void)
{
    if (tu_init()) return EXIT_FAILURE;
    Suite *s = suite_create("dates");
    TCase *tc = tu_core(s, setup, teardown);
    tcase_add_test(tc, fund_date_is_in_japan);
    tcase_add_test(tc, today_is_the_clock_in_japan);
    tcase_add_test(tc, window_ends_today);
    tcase_add_test(tc, donation_after_today_refused);
    tcase_add_test(tc, verify_refuses_a_date_after_its_commit);
    tcase_add_test(tc, business_date_kinds);
    return tu_run(s);
}
