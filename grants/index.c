/*
 * The grants index: derived tables of money out (applications, reviews,
 * decisions, payments, settlements, refunds: grp_apps, grp_reviews, kept by
 * grants/grant.c) and the pool movements of origin "grants". It stands on
 * the fund layer, which kf_grants_attach registers first.
 */
#include "grants_internal.h"

#include <string.h>

static kf_code grants_reset(void *ctx, kf_ledger *l, kf_err *err)
{
    (void)ctx;
    kf_code rc = grant_index_reset(l, err);
    if (rc) return rc;
    return kf_pools_reset(l, "grants", err);
}

static kf_code grants_apply(void *ctx, kf_ledger *l, const kf_row *row, kf_err *err)
{
    (void)ctx;
    if (strncmp(row->entry->kind, "grant.", 6) == 0) return grant_index_apply(l, row, err);
    return KF_OK;
}

kf_code kf_grants_attach(kf_ledger *l, kf_err *err)
{
    kf_code rc = kf_fund_attach(l, err);
    if (rc || kf_ledger_index_ctx(l, "grants")) return rc;
    kf_index ix = {"grants", 4, grants_reset, grants_apply, NULL, NULL, NULL};
    return kf_ledger_add_index(l, &ix, err);
}
