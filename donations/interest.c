/*
 * Interest earned on the fund's deposits (運用益; docs/ENTRIES.md, "Money
 * in"): a `fund.interest` entry carries amount#, date, fy#, pool and
 * optionally ref and note. The whole amount goes to the pool the rules in
 * force name ([fund] interest_to, default general) in the FY of its date:
 * pool figures `in` += amount (the donations index moves it; verify.c
 * re-derives fy and pool). A ref shares the ledger's one namespace of
 * external references with donations, so a bank line is recorded once.
 */
#include "don_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

kf_code kf_interest_parse(kf_interest *in, const char *amount, const char *date, const char *ref,
                          const char *note, kf_err *err)
{
    memset(in, 0, sizeof *in);
    if (!amount || !*amount) return kf_fail(err, KF_BAD_INPUT, "--amount is missing");
    if (!kf_parse_i64(amount, &in->amount) || in->amount < 1 || in->amount > KF_YEN_MAX_ONE)
        return kf_fail(err, KF_BAD_INPUT,
                       "--amount '%s' must be a whole number of yen from 1 to 1,000,000,000,000",
                       amount);
    if (!date || !kf_parse_date(date, NULL, NULL, NULL))
        return kf_fail(err, KF_BAD_INPUT, "--date '%s' is not a real date YYYY-MM-DD",
                       date ? date : "");
    snprintf(in->date, sizeof in->date, "%s", date);
    if (ref && *ref) {
        if (strlen(ref) >= sizeof in->ref || !kf_utf8_valid(ref) || strpbrk(ref, "\r\n"))
            return kf_fail(err, KF_BAD_INPUT, "--ref '%s' must be one line under 128 bytes", ref);
        snprintf(in->ref, sizeof in->ref, "%s", ref);
    }
    if (note && *note) {
        bool control = false;
        for (const unsigned char *p = (const unsigned char *)note; *p; p++)
            if (*p < 0x20 || *p == 0x7f) control = true;
        if (strlen(note) >= sizeof in->note || !kf_utf8_valid(note) || control)
            return kf_fail(err, KF_BAD_INPUT,
                           "--note must be one line of UTF-8 under 512 bytes without control "
                           "characters");
        snprintf(in->note, sizeof in->note, "%s", note);
    }
    return KF_OK;
}

kf_code kf_don_interest(kf_txn *t, const kf_interest *in, int64_t *seq, char *pool, int *fy,
                        kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    const kf_rules *r;
    char to[KF_POOL_MAX];
    kf_code rc;
    if (in->amount < 1 || in->amount > KF_YEN_MAX_ONE)
        return kf_fail(err, KF_BAD_INPUT, "interest of %lld yen is out of range",
                       (long long)in->amount);
    if (!kf_parse_date(in->date, NULL, NULL, NULL))
        return kf_fail(err, KF_BAD_INPUT, "date '%s' is not a real date YYYY-MM-DD", in->date);
    if ((rc = kf_date_check(l, "date", in->date, err)) || (rc = kf_fund_rules(l, &r, err)))
        return rc;
    if (*in->ref) {
        bool used;
        int64_t by;
        if ((rc = kf_don_ref_exists(l, in->ref, &used, &by, err))) return rc;
        if (used)
            return kf_fail(err, KF_REFUSED, "ref '%s' is already recorded (seq %lld)", in->ref,
                           (long long)by);
    }
    /* the rules' pointer lasts until a rules.load is applied: copy first */
    snprintf(to, sizeof to, "%s", r->interest_to);
    int year = kf_rules_fy(r, in->date);
    kf_entry *e = kf_entry_new("fund.interest");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!(rc = kf_entry_set_int(e, "amount", in->amount, err)) &&
        !(rc = kf_entry_set_str(e, "date", in->date, err)) &&
        !(rc = kf_entry_set_int(e, "fy", year, err)) &&
        !(*in->note && (rc = kf_entry_set_str(e, "note", in->note, err))) &&
        !(rc = kf_entry_set_str(e, "pool", to, err)) &&
        !(*in->ref && (rc = kf_entry_set_str(e, "ref", in->ref, err))) &&
        !(rc = kf_txn_append(t, e, err))) {
        *seq = e->seq;
        if (pool) snprintf(pool, KF_POOL_MAX, "%s", to);
        if (fy) *fy = year;
    }
    kf_entry_free(e);
    return rc;
}

typedef struct {
    int fy;
    kf_interest_row *rows;
    size_t n, cap;
    kf_err *err;
} interest_list;

static void copy_field(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static int collect(void *ctx, const kf_row *row)
{
    interest_list *c = ctx;
    const kf_entry *e = row->entry;
    int64_t fy = 0, amount = 0;
    kf_entry_int(e, "fy", &fy);
    if (c->fy >= 0 && fy != c->fy) return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        kf_interest_row *grown = realloc(c->rows, cap * sizeof *grown);
        if (!grown) {
            kf_fail(c->err, KF_SYSTEM, "out of memory");
            return KF_SYSTEM;
        }
        c->rows = grown;
        c->cap = cap;
    }
    kf_interest_row *r = &c->rows[c->n++];
    memset(r, 0, sizeof *r);
    kf_entry_int(e, "amount", &amount);
    r->seq = row->seq;
    r->fy = (int)fy;
    r->amount = amount;
    copy_field(r->date, sizeof r->date, kf_entry_str(e, "date"));
    copy_field(r->pool, sizeof r->pool, kf_entry_str(e, "pool"));
    copy_field(r->ref, sizeof r->ref, kf_entry_str(e, "ref"));
    copy_field(r->note, sizeof r->note, kf_entry_str(e, "note"));
    copy_field(r->time, sizeof r->time, row->time);
    return 0;
}

kf_code kf_don_interests(kf_ledger *l, int fy, kf_interest_row **out, size_t *n, kf_err *err)
{
    interest_list c = {.fy = fy, .err = err};
    kf_code rc = kf_ledger_scan(l, 1, "fund.interest", collect, &c, err);
    if (rc) {
        free(c.rows);
        return rc;
    }
    *out = c.rows;
    *n = c.n;
    return KF_OK;
}
