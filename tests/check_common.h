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

#include "kifu/common.h"

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
