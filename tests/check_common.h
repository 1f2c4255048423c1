/* What every Check program of kifu shares: start-up, one test case with a
 * generous timeout, the runner, and the assertion that verification refused
 * a forged entry by name. Header-only: each test is one program. */
#ifndef KIFU_TESTS_CHECK_COMMON_H
#define KIFU_TESTS_CHECK_COMMON_H

#include <check.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kifu/common.h"
#include "kifu/donations.h"
#include "kifu/grants.h"
#include "kifu/ledger.h"

/* libsodium ready, and Argon2id at its lowest cost: Check's timeouts are
 * seconds, a real key unlock is not. Non-zero when libsodium failed. */
static inline int tu_init(void)
{
    if (sodium_init() < 0) return -1;
    setenv("KIFU_KDF_COST", "min", 1);
    return 0;
}

/* The suite's one test case "core", with a fixture when setup is given.
 * 60 s: generous under ASan on a busy 2-core CI (Check's default is 4 s). */
static inline TCase *tu_core(Suite *s, void (*setup)(void), void (*teardown)(void))
{
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    if (setup) tcase_add_checked_fixture(tc, setup, teardown);
    suite_add_tcase(s, tc);
    return tc;
}

/* Runs every test of s; the program's exit status. */
static inline int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* A fresh temporary directory for a test's ledger: dir, and path = dir/l.db. */
static inline void tu_tmpdir(const char *tag, char dir[64], char path[128])
{
    snprintf(dir, 64, "/tmp/kifu-%s-XXXXXX", tag);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, 128, "%s/l.db", dir);
}

/* The clock (KIFU_NOW) the tests write under once their ledger exists: a
 * business date may not be after it (README, "Business dates"), and the
 * tests write dates up to FY 2027's first months. */
#define TU_NOW "2027-06-30T09:00:00+09:00"

/* A new ledger at path with a new admin key and the grants and donations
 * modules attached. Its genesis commit is dated 2026-05-01 (so its window
 * of business dates begins on 2025-04-01); then the clock moves to TU_NOW. */
static inline kf_ledger *tu_ledger(const char *path, const char *fund, const char *origin,
                                   kf_signer *admin)
{
    kf_err err = {0};
    kf_ledger *l = NULL;
    setenv("KIFU_NOW", "2026-05-01T09:00:00+09:00", 1);
    ck_assert_int_eq(kf_key_generate("admin", admin, &err), KF_OK);
    ck_assert_msg(kf_ledger_create(path, fund, origin, admin, &l, &err) == KF_OK, "create: %s",
                  err.msg);
    ck_assert_msg(kf_grants_attach(l, &err) == KF_OK && kf_donations_attach(l, &err) == KF_OK,
                  "attach: %s", err.msg);
    setenv("KIFU_NOW", TU_NOW, 1);
    return l;
}

/* The rules of a small fund: designated gifts 90/100 to the group rounded
 * down to 100 yen, field welfare, tier regular (3,000 yen), and menu g,
 * which awards from the lead group's pool at 10/10. */
static inline const char *tu_small_rules(void)
{
    return "[fund]\n"
           "designated_share = 90/100\n"
           "designated_round = 100\n"
           "[fields]\n"
           "welfare = 福祉\n"
           "[tiers]\n"
           "regular = 3000\n"
           "[menu g]\n"
           "name = G\n"
           "source = group\n"
           "rate = 10/10\n";
}

/* Records tu_small_rules and a registered group G1 in the open transaction t
 * (the small fund most tests start from). */
static inline void tu_small_fund(kf_txn *t)
{
    kf_err err;
    int64_t seq;
    ck_assert_int_eq(
        kf_rules_load(t, "r.ini", tu_small_rules(), strlen(tu_small_rules()), &seq, &err), KF_OK);
    kf_group g = {.id = "G1",
                  .name = "g",
                  .type = KF_GT_OTHER,
                  .founded = "2020-01-01",
                  .members = 5,
                  .status = KF_ST_REGISTERED};
    ck_assert_int_eq(kf_group_add(t, &g, &seq, &err), KF_OK);
}

/* An application by G1 in menu g of tu_small_rules: ceiling 4,000 (what it
 * requests). */
static inline const char *tu_app_g1(void)
{
    return "[application]\n"
           "menu = g\n"
           "round = R1\n"
           "group = G1\n"
           "title = t\n"
           "start = 2026-06-01\n"
           "end = 2027-03-31\n"
           "requested = 4000\n"
           "[budget]\n"
           "equipment = 5000\n";
}

/* Closes the ledger (NULL is fine) and removes the directory. */
static inline void tu_cleanup(kf_ledger *l, const char *dir)
{
    char cmd[128];
    kf_ledger_close(l);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Verification (its result rc, its error err) refused the forged entry at
 * seq, naming it "seq N: KIND WHAT". */
static inline void tu_assert_refuses(kf_code rc, const kf_err *err, int64_t seq, const char *kind,
                                     const char *what)
{
    char want[256];
    ck_assert_msg(rc == KF_REFUSED, "verify passed (%d) a forged %s at seq %lld", rc, kind,
                  (long long)seq);
    snprintf(want, sizeof want, "seq %lld: %s %s", (long long)seq, kind, what);
    ck_assert_msg(strstr(err->msg, want) != NULL, "verify said '%s', want '%s'", err->msg, want);
}

#endif
