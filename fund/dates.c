/*
 * The window of business dates a writer accepts (README, "Business dates";
 * docs/ENTRIES.md): from the first day of the FY before the FY of the
 * ledger's first commit to KF_DATE_LAST.
 */
#include "fund_internal.h"

#include <stdio.h>
#include <string.h>

/* Keeps the date of the first row's commit (the genesis commit). */
static int first_commit_date(void *ctx, const kf_row *row)
{
    snprintf((char *)ctx, 11, "%.10s", row->time);
    return 1; /* stop */
}

kf_code kf_date_window(kf_ledger *l, char first[11], char last[11], kf_err *err)
{
    fund_registry *c = fund_registry_of(l, err);
    const kf_rules *r;
    char unused[11];
    kf_code rc;
    if (!c) return KF_SYSTEM;
    if ((rc = kf_fund_rules(l, &r, err))) return rc;
    if (!c->genesis[0]) {
        char got[11] = "";
        rc = kf_ledger_scan(l, 1, NULL, first_commit_date, got, err);
        if (rc != KF_OK && !got[0]) return rc;
        if (!kf_parse_date(got, NULL, NULL, NULL))
            return kf_fail(err, KF_SYSTEM, "the ledger has no first commit with a date");
        memcpy(c->genesis, got, sizeof c->genesis);
    }
    kf_rules_fy_bounds(r, kf_rules_fy(r, c->genesis) - 1, first, unused);
    memcpy(last, KF_DATE_LAST, 11);
    return KF_OK;
}

kf_code kf_date_check(kf_ledger *l, const char *what, const char *date, kf_err *err)
{
    char first[11], last[11];
    kf_code rc = kf_date_window(l, first, last, err);
    if (rc) return rc;
    if (strcmp(date, first) < 0 || strcmp(date, last) > 0)
        return kf_fail(err, KF_BAD_INPUT,
                       "%s %s is outside the business dates this ledger takes, %s to %s (from "
                       "the FY before its first commit's)",
                       what, date, first, last);
    return KF_OK;
}
