/*
 * kifu verify: kf_ledger_verify with the rule checks of every money module
 * on each entry, sharing one pool tracker, so that both modules re-derive
 * the same pool figures.
 */
#include "kifu/verify.h"

#include <string.h>

typedef struct {
    kf_don_verifier *donations;
    kf_grant_verifier *grants;
} rule_checks;

static kf_code check_rules(void *ctx, const kf_row *row, kf_err *err)
{
    rule_checks *c = ctx;
    kf_code rc = kf_don_verify_entry(c->donations, row, err);
    return rc ? rc : kf_grant_verify_entry(c->grants, row, err);
}

kf_code kf_verify_all(kf_ledger *l, const char *trust, size_t trust_len, kf_verify_report *rep,
                      kf_err *err)
{
    kf_pool_tracker *pools = kf_pool_tracker_new();
    rule_checks checks = {.donations = kf_don_verifier_new(l), .grants = kf_grant_verifier_new(l)};
    kf_code rc;
    memset(rep, 0, sizeof *rep);
    if (!pools || !checks.donations || !checks.grants) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
    } else {
        kf_don_verifier_pools(checks.donations, pools);
        kf_grant_verifier_pools(checks.grants, pools);
        kf_verify_opts vo = {
            .trust = trust, .trust_len = trust_len, .on_entry = check_rules, .ctx = &checks};
        rc = kf_ledger_verify(l, &vo, rep, err);
    }
    kf_don_verifier_free(checks.donations);
    kf_grant_verifier_free(checks.grants);
    kf_pool_tracker_free(pools);
    return rc;
}
