/*
 * The window of business dates a writer accepts (README, "Business dates";
 * docs/ENTRIES.md): from the first day of the FY before the FY of the
 * ledger's first commit to today, both dates in the fund's time zone
 * (KF_FUND_TZ). A planned date (a grant application's start) may run to
 * KF_DATE_LAST instead of today.
 */
#include "fund_internal.h"

#include <stdio.h>
#include <string.h>

/* Keeps the time of the first row's commit (the genesis commit). */
static int first_commit_time(void *ctx, const kf_row *row)
{
    snprintf((char *)ctx, 40, "%s", row->time);
    return 1; /* stop */
}

/* The first day of the window: the FY before the genesis commit's. */
static kf_code window_first(kf_ledger *l, char first[11], kf_err *err)
{
    fund_registry *c = fund_registry_of(l, err);
    const kf_rules *r;
    char unused[11];
    kf_code rc;
    if (!c) return KF_SYSTEM;
    if ((rc = kf_fund_rules(l, &r, err))) return rc;
    if (!c->genesis[0]) {
        char time[40] = "", got[11];
        rc = kf_ledger_scan(l, 1, NULL, first_commit_time, time, err);
        if (rc != KF_OK && !time[0]) return rc;
        if (!kf_fund_date(time, got))
            return kf_fail(err, KF_SYSTEM, "the ledger has no first commit with a date");
        memcpy(c->genesis, got, sizeof c->genesis);
    }
    kf_rules_fy_bounds(r, kf_rules_fy(r, c->genesis) - 1, first, unused);
    return KF_OK;
}

kf_code kf_date_window(kf_ledger *l, char first[11], char last[11], kf_err *err)
{
    kf_code rc = window_first(l, first, err);
    if (rc) return rc;
    if (kf_today(last, err)) return KF_OK;
    return err ? err->code : KF_BAD_INPUT;
}

kf_code kf_date_check(kf_ledger *l, const char *what, const char *date, kf_err *err)
{
    char first[11], today[11];
    kf_code rc = kf_date_window(l, first, today, err);
    if (rc) return rc;
    if (strcmp(date, today) > 0)
        return kf_fail(err, KF_BAD_INPUT,
                       "%s %s is after today (%s, the fund's time zone %s): a business date "
                       "cannot be in the future",
                       what, date, today, KF_FUND_TZ);
    if (strcmp(date, first) < 0)
        return kf_fail(err, KF_BAD_INPUT,
                       "%s %s is outside the business dates this ledger takes, %s to %s (from "
                       "the FY before its first commit's to today)",
                       what, date, first, today);
    return KF_OK;
}

kf_code kf_date_check_planned(kf_ledger *l, const char *what, const char *date, kf_err *err)
{
    char first[11];
    kf_code rc = window_first(l, first, err);
    if (rc) return rc;
    if (strcmp(date, first) < 0 || strcmp(date, KF_DATE_LAST) > 0)
        return kf_fail(err, KF_BAD_INPUT,
                       "%s %s is outside the dates this ledger takes, %s to %s (from the FY "
                       "before its first commit's)",
                       what, date, first, KF_DATE_LAST);
    return KF_OK;
}

kf_code kf_business_date_verify(const kf_row *row, kf_commit_day *day, kf_err *err)
{
    const char *date;
    if (!kf_business_date_kind(row->entry->kind) || !(date = kf_entry_str(row->entry, "date")))
        return KF_OK;
    /* the entries of a commit share its time: convert it once */
    if (!day->date[0] || strcmp(day->time, row->time) != 0) {
        if (!kf_fund_date(row->time, day->date)) {
            day->date[0] = '\0';
            return kf_fail(err, KF_REFUSED,
                           "seq %lld: its commit's time '%s' is not an RFC 3339 time",
                           (long long)row->seq, row->time);
        }
        memcpy(day->time, row->time, sizeof day->time);
    }
    if (strcmp(date, day->date) > 0)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: %s dated %s, after the date of its commit (%s, commit time %s, "
                       "in the fund's time zone %s): a business date cannot be in the future",
                       (long long)row->seq, row->entry->kind, date, day->date, row->time,
                       KF_FUND_TZ);
    return KF_OK;
}

bool kf_business_date_kind(const char *kind)
{
    static const char *const kinds[] = {
        "donation",    "box.collect",  "donation.void", "fund.interest", "group.deregister",
        "grant.apply", "grant.decide", "grant.pay",     "grant.settle",  "grant.refund"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kind, kinds[i]) == 0) return true;
    return false;
}
