/*
 * Re-deriving what money-in entries assert, for `kifu verify` (docs/ENTRIES.md, "Money in"):
 * every donation's split and fiscal year follow from its amount, fee, date,
 * designation and the rules in force at its seq; a void reverses exactly one
 * earlier, not yet voided donation; a click tally's pledge is
 * min(clicks x per_click, monthly_cap); a box collection records the agreed
 * count; interest earned goes to the rules' interest_to pool in the FY of
 * its date. A signed entry that asserts anything else is a verification failure
 * naming its seq.
 */
#include "don_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char id[KF_ID_MAX + 1];
    kf_yen per_click, cap;
} partner_terms;

struct kf_don_verifier {
    kf_ledger *l;
    kf_pool_tracker *pools; /* shared, may be NULL */
    kf_rules *rules;
    partner_terms *partners;
    size_t npartners, partners_cap;
    int64_t *voided; /* sorted seqs already voided */
    size_t nvoided, voided_cap;
    don_cert_verifier *certs; /* receipt.issue (cert_verify.c) */
};

kf_don_verifier *kf_don_verifier_new(kf_ledger *l)
{
    kf_don_verifier *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->l = l;
    v->rules = malloc(sizeof *v->rules);
    v->certs = don_cert_verifier_new();
    if (!v->rules || !v->certs) {
        free(v->rules);
        don_cert_verifier_free(v->certs);
        free(v);
        return NULL;
    }
    kf_rules_default(v->rules);
    return v;
}

void kf_don_verifier_pools(kf_don_verifier *v, kf_pool_tracker *pools)
{
    v->pools = pools;
}

/* Moves credit/general into (sign +1) or out of (sign -1) the tracker. */
static kf_code track(kf_don_verifier *v, const kf_row *row, const char *pool, kf_yen credit,
                     kf_yen general, int sign, kf_err *err)
{
    if (!v->pools) return KF_OK;
    int64_t fy64 = 0;
    kf_entry_int(row->entry, "fy", &fy64); /* checked by the caller */
    int fy = (int)fy64;
    kf_code rc = KF_OK;
    if (credit)
        rc = kf_pool_tracker_move(v->pools, pool, fy, sign > 0 ? credit : 0, sign > 0 ? 0 : credit,
                                  0, err);
    if (!rc && general)
        rc = kf_pool_tracker_move(v->pools, "general", fy, sign > 0 ? general : 0,
                                  sign > 0 ? 0 : general, 0, err);
    if (rc == KF_REFUSED)
        return kf_fail(err, KF_REFUSED, "seq %lld: pool figures overflow", (long long)row->seq);
    if (rc) return rc;
    if (sign > 0) return KF_OK;
    /* money out in FY fy: every FY end from fy on must stay at 0 or more */
    const char *pools[2] = {credit ? pool : NULL, general ? "general" : NULL};
    for (int i = 0; i < 2; i++) {
        kf_yen least;
        int at;
        if (!pools[i]) continue;
        kf_pool_tracker_least(v->pools, pools[i], fy, &least, &at);
        if (least < 0)
            return kf_fail(err, KF_REFUSED,
                           "seq %lld: %s leaves pool %s with negative available money at the "
                           "end of FY %d",
                           (long long)row->seq, row->entry->kind, pools[i], at);
    }
    return KF_OK;
}

void kf_don_verifier_free(kf_don_verifier *v)
{
    if (!v) return;
    free(v->rules);
    free(v->partners);
    free(v->voided);
    don_cert_verifier_free(v->certs);
    free(v);
}

static kf_code bad(kf_err *err, int64_t seq, const char *kind, const char *what)
{
    return kf_fail(err, KF_REFUSED, "seq %lld: %s entry %s", (long long)seq, kind, what);
}

static bool get(const kf_entry *e, const char *key, int64_t *v)
{
    return kf_entry_int(e, key, v);
}

/* Checks the money fields shared by donation and box.collect. */
static kf_code check_money(kf_don_verifier *v, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    int64_t amount, fee = 0, credit, general, fy;
    const char *date = kf_entry_str(e, "date"), *to = kf_entry_str(e, "to");
    const char *pool = kf_entry_str(e, "credit_pool"), *source = kf_entry_str(e, "source");
    if (!get(e, "amount", &amount) || !get(e, "credit", &credit) ||
        !get(e, "credit_general", &general) || !get(e, "fy", &fy) || !date || !to || !pool ||
        !source)
        return bad(err, row->seq, e->kind, "lacks amount, credit, fy, date, to or source");
    if (kf_entry_get(e, "fee") && !get(e, "fee", &fee))
        return bad(err, row->seq, e->kind, "has a non-numeric fee");
    if (amount <= 0 || amount > KF_YEN_MAX_ONE || fee < 0 || fee >= amount)
        return bad(err, row->seq, e->kind, "has an amount or fee out of range");
    if (!kf_parse_date(date, NULL, NULL, NULL))
        return bad(err, row->seq, e->kind, "has an impossible date");
    if (fy != kf_rules_fy(v->rules, date))
        return bad(err, row->seq, e->kind, "states a fiscal year its date is not in");
    if (!kf_pool_valid(to)) return bad(err, row->seq, e->kind, "has an invalid designation");
    kf_yen want_credit, want_general;
    kf_designated_split(v->rules, to, amount - fee, &want_credit, &want_general);
    if (credit != want_credit || general != want_general)
        return bad(err, row->seq, e->kind,
                   "splits its net amount differently from the rules in force");
    if (strcmp(pool, credit ? to : "general") != 0)
        return bad(err, row->seq, e->kind, "credits the wrong pool");
    return track(v, row, pool, credit, general, +1, err);
}

static kf_code check_void(kf_don_verifier *v, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    int64_t target;
    kf_entry *orig = NULL;
    kf_code rc = KF_OK;
    if (!get(e, "void", &target) || target < 1 || target >= row->seq)
        return bad(err, row->seq, e->kind, "does not name an earlier seq");
    for (size_t i = 0; i < v->nvoided; i++)
        if (v->voided[i] == target) return bad(err, row->seq, e->kind, "voids a seq twice");
    if (kf_ledger_entry(v->l, target, &orig, err))
        return bad(err, row->seq, e->kind, "names an unreadable seq");
    if (strcmp(orig->kind, "donation") != 0 && strcmp(orig->kind, "box.collect") != 0) {
        rc = bad(err, row->seq, e->kind, "voids an entry that is not a donation");
        goto out;
    }
    static const char *same_int[] = {"amount", "credit", "credit_general"};
    for (size_t i = 0; i < 3; i++) {
        int64_t a, b;
        if (!get(e, same_int[i], &a) || !get(orig, same_int[i], &b) || a != b) {
            rc = bad(err, row->seq, e->kind, "does not reverse the donation's amounts");
            goto out;
        }
    }
    int64_t vfy, ofy, fy;
    const char *pool = kf_entry_str(e, "credit_pool"), *opool = kf_entry_str(orig, "credit_pool");
    const char *date = kf_entry_str(e, "date");
    if (!pool || !opool || strcmp(pool, opool) != 0 || !get(e, "void_fy", &vfy) ||
        !get(orig, "fy", &ofy) || vfy != ofy || !date || !get(e, "fy", &fy) ||
        fy != kf_rules_fy(v->rules, date)) {
        rc = bad(err, row->seq, e->kind, "does not match the donation's pool or fiscal year");
        goto out;
    }
    const char *odate = kf_entry_str(orig, "date");
    if (!odate || strcmp(date, odate) < 0) {
        rc = bad(err, row->seq, e->kind, "is dated before the donation it voids");
        goto out;
    }
    if (v->nvoided == v->voided_cap) {
        size_t cap = v->voided_cap ? v->voided_cap * 2 : 16;
        int64_t *grown = realloc(v->voided, cap * sizeof *grown);
        if (!grown) {
            rc = kf_fail(err, KF_SYSTEM, "out of memory");
            goto out;
        }
        v->voided = grown;
        v->voided_cap = cap;
    }
    v->voided[v->nvoided++] = target;
    int64_t credit, general;
    kf_entry_int(e, "credit", &credit);
    kf_entry_int(e, "credit_general", &general);
    rc = track(v, row, pool, credit, general, -1, err);
out:
    kf_entry_free(orig);
    return rc;
}

static kf_code check_clicks(kf_don_verifier *v, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    const char *id = kf_entry_str(e, "partner");
    int64_t clicks, pledge;
    if (!id || !get(e, "clicks", &clicks) || !get(e, "pledge", &pledge))
        return bad(err, row->seq, e->kind, "lacks partner, clicks or pledge");
    for (size_t i = 0; i < v->npartners; i++) {
        if (strcmp(v->partners[i].id, id) != 0) continue;
        kf_yen want = kf_partner_pledge(clicks, v->partners[i].per_click, v->partners[i].cap);
        if (clicks < 0 || pledge != want)
            return bad(err, row->seq, e->kind, "pledge is not min(clicks x per_click, cap)");
        return KF_OK;
    }
    return bad(err, row->seq, e->kind, "names an unknown partner");
}

static kf_code check_box(const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    int64_t a, b, amount, resolved;
    if (!get(e, "count_a", &a) || !get(e, "count_b", &b) || !get(e, "amount", &amount))
        return bad(err, row->seq, e->kind, "lacks its two counts");
    bool has_resolved = get(e, "resolved", &resolved);
    if (a == b ? (has_resolved || amount != a) : (!has_resolved || amount != resolved))
        return bad(err, row->seq, e->kind, "amount is not the agreed count");
    return KF_OK;
}

/* fund.interest: amount in range, fy of its date, the rules' interest_to. */
static kf_code check_interest(kf_don_verifier *v, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    int64_t amount, fy;
    const char *date = kf_entry_str(e, "date"), *pool = kf_entry_str(e, "pool");
    if (!get(e, "amount", &amount) || !get(e, "fy", &fy) || !date || !pool)
        return bad(err, row->seq, e->kind, "lacks amount, date, fy or pool");
    if (amount < 1 || amount > KF_YEN_MAX_ONE)
        return bad(err, row->seq, e->kind, "has an amount out of range");
    if (!kf_parse_date(date, NULL, NULL, NULL))
        return bad(err, row->seq, e->kind, "has an impossible date");
    if (fy != kf_rules_fy(v->rules, date))
        return bad(err, row->seq, e->kind, "states a fiscal year its date is not in");
    if (strcmp(pool, v->rules->interest_to) != 0)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: %s entry credits %s, not the rules' interest_to (%s)",
                       (long long)row->seq, e->kind, pool, v->rules->interest_to);
    return track(v, row, pool, amount, 0, +1, err);
}

kf_code kf_don_verify_entry(kf_don_verifier *v, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    const char *k = e->kind;
    kf_code rc;
    if (strcmp(k, "rules.load") == 0) {
        if ((rc = kf_rules_from_entry(e, v->rules, err)) == KF_SYSTEM) return rc;
        if (rc)
            return kf_fail(err, KF_REFUSED, "seq %lld: rules.load does not parse: %s",
                           (long long)row->seq, err ? err->msg : "");
        return KF_OK;
    }
    if ((rc = don_cert_verify_entry(v->certs, v->l, v->rules, v->voided, v->nvoided, row, err)))
        return rc;
    if (strcmp(k, "donation") == 0) return check_money(v, row, err);
    if (strcmp(k, "box.collect") == 0) {
        if ((rc = check_money(v, row, err))) return rc;
        return check_box(row, err);
    }
    if (strcmp(k, "donation.void") == 0) return check_void(v, row, err);
    if (strcmp(k, "fund.interest") == 0) return check_interest(v, row, err);
    if (strcmp(k, "partner.clicks") == 0) return check_clicks(v, row, err);
    if (strcmp(k, "partner.add") == 0) {
        const char *id = kf_entry_str(e, "id");
        int64_t per, cap;
        if (!id || strlen(id) > KF_ID_MAX || !get(e, "per_click", &per) ||
            !get(e, "monthly_cap", &cap))
            return bad(err, row->seq, k, "lacks id, per_click or monthly_cap");
        if (v->npartners == v->partners_cap) {
            size_t ncap = v->partners_cap ? v->partners_cap * 2 : 8;
            partner_terms *grown = realloc(v->partners, ncap * sizeof *grown);
            if (!grown) return kf_fail(err, KF_SYSTEM, "out of memory");
            v->partners = grown;
            v->partners_cap = ncap;
        }
        partner_terms *p = &v->partners[v->npartners++];
        snprintf(p->id, sizeof p->id, "%s", id);
        p->per_click = per;
        p->cap = cap;
    }
    return KF_OK;
}
