/* Unit tests: the names and dates of the reports (reports/labels.c): 和暦
 * dates at the eras' edges, FY names, grant states in words, pools and
 * sources named from the registry and the rules. */
#include "check_common.h"
#include "kifu/fund.h"

#include "../reports/labels.h"

static void wareki_is(const char *date, const char *want)
{
    char out[64];
    ck_assert(kx_wareki(date, out, sizeof out));
    ck_assert_str_eq(out, want);
}

START_TEST(wareki_dates_at_the_eras_edges)
{
    wareki_is("2026-05-01", "令和8年5月1日");
    wareki_is("2019-05-01", "令和元年5月1日");
    wareki_is("2019-04-30", "平成31年4月30日");
    wareki_is("1989-01-08", "平成元年1月8日");
    wareki_is("1989-01-07", "昭和64年1月7日");
    wareki_is("1926-12-25", "昭和元年12月25日");
    wareki_is("1926-12-24", "大正15年12月24日");
    wareki_is("1912-07-29", "明治45年7月29日");
    wareki_is("2100-12-31", "令和82年12月31日");
    char out[64];
    ck_assert(!kx_wareki("2026-02-30", out, sizeof out));
    ck_assert_str_eq(out, "2026-02-30");
    kx_date_text(KF_STATEMENT_EN, "2026-05-01", out, sizeof out);
    ck_assert_str_eq(out, "2026-05-01");
}
END_TEST

START_TEST(fy_names)
{
    char out[64];
    kx_fy_name(KF_STATEMENT_JA, "2026-04-01", 2026, out, sizeof out);
    ck_assert_str_eq(out, "令和8年度");
    kx_fy_name(KF_STATEMENT_JA, "2019-04-01", 2019, out, sizeof out);
    ck_assert_str_eq(out,
                     "平成31年度"); /* the era of the FY's first day, as 平成31年度 was named */
    kx_fy_name(KF_STATEMENT_JA, "2020-04-01", 2020, out, sizeof out);
    ck_assert_str_eq(out, "令和2年度");
    kx_fy_name(KF_STATEMENT_EN, "2026-04-01", 2026, out, sizeof out);
    ck_assert_str_eq(out, "FY2026");
}
END_TEST

START_TEST(grant_states_in_words)
{
    kf_grant_row g = {.status = "approved", .approved = 300000};
    ck_assert_str_eq(kx_grant_state(&g, KF_STATEMENT_JA), "交付決定");
    g.paid = 100000;
    ck_assert_str_eq(kx_grant_state(&g, KF_STATEMENT_JA), "一部交付済");
    g.paid = 300000;
    ck_assert_str_eq(kx_grant_state(&g, KF_STATEMENT_JA), "交付済");
    g.settled = true;
    ck_assert_str_eq(kx_grant_state(&g, KF_STATEMENT_JA), "確定");
    g.refund_due = 29000;
    ck_assert_str_eq(kx_grant_state(&g, KF_STATEMENT_JA), "確定（返還待ち）");
    g.refunded = 29000;
    ck_assert_str_eq(kx_grant_state(&g, KF_STATEMENT_JA), "確定（返還済）");
    ck_assert_str_eq(kx_grant_state(&g, KF_STATEMENT_EN), "settled, refunded");
    /* as kf_grant_rows gives a settled grant */
    kf_grant_row st = {.status = "settled",
                       .approved = 300000,
                       .paid = 300000,
                       .settled = true,
                       .refund_due = 29000,
                       .refunded = 29000};
    ck_assert_str_eq(kx_grant_state(&st, KF_STATEMENT_JA), "確定（返還済）");
    st.refunded = 0;
    ck_assert_str_eq(kx_grant_state(&st, KF_STATEMENT_JA), "確定（返還待ち）");
    kf_grant_row o = {.status = "open"}, r = {.status = "rejected"};
    ck_assert_str_eq(kx_grant_state(&o, KF_STATEMENT_JA), "申請中");
    ck_assert_str_eq(kx_grant_state(&r, KF_STATEMENT_JA), "不採択");
    ck_assert_str_eq(kx_kind_name("box.collect", KF_STATEMENT_JA), "募金箱の回収");
    ck_assert_str_eq(kx_kind_name("no.such", KF_STATEMENT_JA), "no.such");
    ck_assert_str_eq(kx_method_name("transfer", KF_STATEMENT_JA), "口座振込");
    char yen[48];
    kx_yen_text(KF_STATEMENT_JA, 1234567, yen, sizeof yen);
    ck_assert_str_eq(yen, "1,234,567円");
    kx_yen_text(KF_STATEMENT_EN, -1000, yen, sizeof yen);
    ck_assert_str_eq(yen, "-¥1,000");
    kx_grouped(INT64_MIN, yen);
    ck_assert_str_eq(yen, "-9,223,372,036,854,775,808");
}
END_TEST

START_TEST(pools_and_sources_by_name)
{
    char dir[64], path[128], out[256];
    kf_signer admin;
    kf_err err = {0};
    tu_tmpdir("labels", dir, path);
    kf_ledger *l = tu_ledger(path, "テスト基金", "kifu.test/labels", &admin);
    kf_txn *t = NULL;
    int64_t seq = 0;
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    const char *rules = "[fields]\nwelfare = 保健・医療・福祉\n[tiers]\nregular = 3000\n";
    ck_assert_msg(kf_rules_load(t, "r.ini", rules, strlen(rules), &seq, &err) == KF_OK, "%s",
                  err.msg);
    kf_group g = {.id = "G5",
                  .name = "子ども食堂",
                  .type = KF_GT_VOLUNTEER,
                  .founded = "2020-04-01",
                  .members = 12,
                  .status = KF_ST_REGISTERED};
    ck_assert_msg(kf_group_add(t, &g, &seq, &err) == KF_OK, "%s", err.msg);
    ck_assert_msg(kf_member_add(t, "M1", "山田花子", "regular", "2024-04-01", &err) == KF_OK, "%s",
                  err.msg);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    kx_names *n = NULL;
    ck_assert_msg(kx_names_load(l, KF_STATEMENT_JA, &n, &err) == KF_OK, "%s", err.msg);
    kx_pool_name(n, "general", out, sizeof out);
    ck_assert_str_eq(out, "一般");
    kx_pool_name(n, "group:G5", out, sizeof out);
    ck_assert_str_eq(out, "子ども食堂（団体）");
    kx_pool_name(n, "field:welfare", out, sizeof out);
    ck_assert_str_eq(out, "保健・医療・福祉（分野）");
    kx_pool_name(n, "field:nosuch", out, sizeof out);
    ck_assert_str_eq(out, "field:nosuch");
    kx_source_name(n, "member:M1", out, sizeof out);
    ck_assert_str_eq(out, "会員 山田花子");
    kx_source_name(n, "direct", out, sizeof out);
    ck_assert_str_eq(out, "直接");
    kx_names_free(n);
    kf_ledger_close(l);
    unlink(path);
    rmdir(dir);
}
END_TEST

int main(void)
{
    if (tu_init()) return EXIT_FAILURE;
    Suite *s = suite_create("labels");
    TCase *tc = tu_core(s, NULL, NULL);
    tcase_add_test(tc, wareki_dates_at_the_eras_edges);
    tcase_add_test(tc, fy_names);
    tcase_add_test(tc, grant_states_in_words);
    tcase_add_test(tc, pools_and_sources_by_name);
    return tu_run(s);
}
