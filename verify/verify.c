/*
 * kifu verify: kf_ledger_verify with the rule checks of every money module
 * on each entry, sharing one pool tracker, so that both modules re-derive
 * the same pool figures, and no business date after its commit's date;
 * meanwhile derived.c rebuilds the derived state
 * from the entries, in memory, and compares it with the stored one.
 */
#include "verify_internal.h"

#include <string.h>

typedef struct {
    kf_don_verifier *donations;
    kf_grant_verifier *grants;
    kf_pool_tracker *pools;
    derived_check *derived;
    kf_commit_day day; /* the commit date of the last business date checked */
} rule_checks;

static kf_code check_rules(void *ctx, const kf_row *row, kf_err *err)
{
    rule_checks *c = ctx;
    kf_code rc = kf_don_verify_entry(c->donations, row, err);
    if (!rc) rc = kf_grant_verify_entry(c->grants, row, err);
    if (!rc) rc = kf_business_date_verify(row, &c->day, err);
    return rc ? rc : derived_entry(c->derived, row, err);
}

/* After each commit: the figures it signed are those the entries give. */
static kf_code check_figures(void *ctx, const kf_commit_info *c, kf_err *err)
{
    rule_checks *rc = ctx;
    kf_hash want;
    kf_code code = kf_pool_tracker_digest(rc->pools, want, err);
    if (code) return code;
    if (memcmp(want, c->figures, KF_HASH_LEN) != 0)
        return kf_fail(err, KF_REFUSED,
                       "commit %lld (seq %lld..%lld): the figures it signed are not those its "
                       "entries give (pool figures per fiscal year)",
                       (long long)c->id, (long long)c->first, (long long)c->last);
    return KF_OK;
}

kf_code kf_verify_ledger(kf_ledger *l, const char *trust, size_t trust_len, kf_verify_report *rep,
                         kf_derived_report *derived, kf_err *err)
{
    kf_pool_tracker *pools = kf_pool_tracker_new();
    rule_checks checks = {
        .donations = kf_don_verifier_new(l), .grants = kf_grant_verifier_new(l), .pools = pools};
    kf_code rc;
    memset(rep, 0, sizeof *rep);
    if (derived) memset(derived, 0, sizeof *derived);
    if (!pools || !checks.donations || !checks.grants) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
    } else if (!(rc = derived_start(l, &checks.derived, err))) {
        kf_don_verifier_pools(checks.donations, pools);
        kf_grant_verifier_pools(checks.grants, pools);
        kf_verify_opts vo = {.trust = trust,
                             .trust_len = trust_len,
                             .on_entry = check_rules,
                             .on_commit = check_figures,
                             .ctx = &checks};
        rc = kf_ledger_verify(l, &vo, rep, err);
        /* The entries first: the derived state counts only if they verify. */
        kf_code drc = derived_finish(checks.derived, rc == KF_OK, rep, derived, err);
        if (!rc) rc = drc;
    }
    kf_don_verifier_free(checks.donations);
    kf_grant_verifier_free(checks.grants);
    kf_pool_tracker_free(pools);
    return rc;
}

kf_code kf_verify_all(kf_ledger *l, const char *trust, size_t trust_len, kf_verify_report *rep,
                      kf_err *err)
{
    return kf_verify_ledger(l, trust, trust_len, rep, NULL, err);
}
