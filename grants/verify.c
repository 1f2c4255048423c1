/*
 * Re-deriving what grant entries assert, for `kifu verify` (docs/ENTRIES.md, "Money out"):
 * an award within the ceiling that the rules in force at its seq give for
 * the application; a review by a reviewer not affiliated with the lead or a
 * partner group; payments within the award (the final amount once settled);
 * a settlement's final amount from spent, income and the decision's rate; a
 * refund within what is due back. Fed every entry in seq order.
 */
#include "grants_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char id[KF_APP_ID_MAX];
    int64_t seq;
    char lead[KF_GROUP_ID_MAX + 1];
    char partners[KF_APP_MAX_PARTNERS][KF_GROUP_ID_MAX + 1];
    int npartners;
    int state; /* 0 open, 1 approved, 2 rejected */
    bool settled;
    kf_yen approved, paid, final, refunded;
    kf_ratio rate;
    kf_yen round_down;
    char decided[11], settled_on[11]; /* dates of the decision and settlement */
    char pool[KF_POOL_MAX];
    char menu[KF_CODE_MAX + 1], round[KF_CODE_MAX + 1];
    int64_t fy; /* the application's FY */
    struct vreview {
        uint32_t reviewer;
        int64_t score;
    } * reviews; /* the latest score per reviewer key (malloc'd, as many as there are) */
    int nreviews, reviews_cap;
} vapp;

typedef struct {
    uint32_t id;
    char affiliation[512];
} vkey;

struct kf_grant_verifier {
    kf_ledger *l;
    kf_group *groups; /* the registry as the entries so far build it */
    size_t ngroups, groups_cap;
    kf_pool_tracker *pools; /* shared, may be NULL */
    kf_rules *rules;
    vapp *apps;
    size_t napps, apps_cap;
    vkey *keys;
    size_t nkeys, keys_cap;
};

kf_grant_verifier *kf_grant_verifier_new(kf_ledger *l)
{
    kf_grant_verifier *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->l = l;
    if (!(v->rules = malloc(sizeof *v->rules))) {
        free(v);
        return NULL;
    }
    kf_rules_default(v->rules);
    return v;
}

void kf_grant_verifier_pools(kf_grant_verifier *v, kf_pool_tracker *pools)
{
    v->pools = pools;
}

/* Moves a pool on the shared tracker; refuses negative available money. */
static kf_code track(kf_grant_verifier *v, const kf_row *row, const char *pool, kf_yen in,
                     kf_yen out, kf_yen committed, kf_err *err)
{
    kf_yen least;
    int64_t fy64 = 0;
    int at;
    if (!v->pools) return KF_OK;
    kf_entry_int(row->entry, "fy", &fy64); /* checked by the caller (fy_ok) */
    kf_code rc = kf_pool_tracker_move(v->pools, pool, (int)fy64, in, out, committed, err);
    if (rc == KF_REFUSED)
        return kf_fail(err, KF_REFUSED, "seq %lld: pool figures overflow", (long long)row->seq);
    if (rc) return rc;
    /* money out in FY fy: every FY end from fy on must stay at 0 or more */
    if (committed <= 0 && out <= 0) return KF_OK;
    kf_pool_tracker_least(v->pools, pool, (int)fy64, &least, &at);
    if (least < 0)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: %s leaves pool %s with negative available money at the end of "
                       "FY %d",
                       (long long)row->seq, row->entry->kind, pool, at);
    return KF_OK;
}

/* An entry's fy must be the fiscal year of its date under the rules. */
static bool fy_ok(const kf_grant_verifier *v, const kf_entry *e)
{
    int64_t fy;
    const char *date = kf_entry_str(e, "date");
    return date && kf_entry_int(e, "fy", &fy) && fy == kf_rules_fy(v->rules, date);
}

static kf_yen committed_of(const vapp *p)
{
    kf_yen limit = p->settled ? p->final : p->approved;
    return limit > p->paid ? limit - p->paid : 0;
}

void kf_grant_verifier_free(kf_grant_verifier *v)
{
    if (!v) return;
    free(v->rules);
    for (size_t i = 0; i < v->napps; i++)
        free(v->apps[i].reviews);
    free(v->apps);
    free(v->keys);
    free(v->groups);
    free(v);
}

static kf_code bad(kf_err *err, int64_t seq, const char *kind, const char *fmt, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, what);
    return kf_fail(err, KF_REFUSED, "seq %lld: %s %s", (long long)seq, kind, msg);
}

static vapp *find_app(kf_grant_verifier *v, const char *id)
{
    for (size_t i = 0; i < v->napps; i++)
        if (strcmp(v->apps[i].id, id) == 0) return &v->apps[i];
    return NULL;
}

static kf_code on_apply(kf_grant_verifier *v, const kf_row *row, kf_err *err)
{
    kf_application *a = malloc(sizeof *a);
    kf_code rc;
    int64_t fy;
    if (!a) return kf_fail(err, KF_SYSTEM, "out of memory");
    if ((rc = kf_application_from_entry(row->entry, a, err))) {
        free(a);
        if (rc == KF_SYSTEM) return rc;
        return kf_fail(err, KF_REFUSED, "seq %lld: grant.apply is malformed", (long long)row->seq);
    }
    if (!kf_entry_int(row->entry, "fy", &fy) || fy != kf_rules_fy(v->rules, a->start) ||
        find_app(v, a->id)) {
        rc = bad(err, row->seq, "grant.apply", "%s", "states a wrong FY or reuses an id");
        free(a);
        return rc;
    }
    if (v->napps == v->apps_cap) {
        size_t cap = v->apps_cap ? v->apps_cap * 2 : 16;
        vapp *grown = realloc(v->apps, cap * sizeof *grown);
        if (!grown) {
            free(a);
            return kf_fail(err, KF_SYSTEM, "out of memory");
        }
        v->apps = grown;
        v->apps_cap = cap;
    }
    vapp *p = &v->apps[v->napps++];
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", a->id);
    p->seq = row->seq;
    snprintf(p->lead, sizeof p->lead, "%s", a->group);
    p->npartners = a->npartners;
    memcpy(p->partners, a->partners, sizeof p->partners);
    snprintf(p->menu, sizeof p->menu, "%s", a->menu);
    snprintf(p->round, sizeof p->round, "%s", a->round);
    p->fy = fy;
    free(a);
    return KF_OK;
}

/* --- the registry, replayed, for eligibility at decision time ----------- */

static kf_group *find_group(kf_grant_verifier *v, const char *id)
{
    for (size_t i = 0; i < v->ngroups; i++)
        if (strcmp(v->groups[i].id, id) == 0) return &v->groups[i];
    return NULL;
}

static kf_code on_group(kf_grant_verifier *v, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    const char *id = kf_entry_str(e, "id");
    int64_t members;
    if (!id) return bad(err, row->seq, e->kind, "%s", "lacks id");
    kf_group *g = find_group(v, id);
    if (strcmp(e->kind, "group.add") == 0) {
        if (g) return bad(err, row->seq, e->kind, "adds group %s twice", id);
        if (v->ngroups == v->groups_cap) {
            size_t cap = v->groups_cap ? v->groups_cap * 2 : 16;
            kf_group *grown = realloc(v->groups, cap * sizeof *grown);
            if (!grown) return kf_fail(err, KF_SYSTEM, "out of memory");
            v->groups = grown;
            v->groups_cap = cap;
        }
        g = &v->groups[v->ngroups++];
        memset(g, 0, sizeof *g);
        snprintf(g->id, sizeof g->id, "%s", id);
        g->seq = row->seq;
    } else if (!g) {
        return bad(err, row->seq, e->kind, "names unknown group %s", id);
    } else if (g->status & KF_ST_DEREGISTERED) {
        /* a deregistered group keeps its id and stays deregistered */
        return bad(err, row->seq, e->kind, "changes group %s, which is deregistered", id);
    }
    const char *type = kf_entry_str(e, "type"), *founded = kf_entry_str(e, "founded");
    const char *status = kf_entry_str(e, "status"), *fields = kf_entry_str(e, "fields");
    if (type) g->type = kf_group_type_parse(type);
    if (founded) snprintf(g->founded, sizeof g->founded, "%s", founded);
    if (status) {
        /* group.add and group.update set registered or provisional:
         * deregistration is its own entry, which moves the group's money */
        unsigned st = kf_group_status_parse(status);
        if (strcmp(e->kind, "group.deregister") != 0 && st != KF_ST_REGISTERED &&
            st != KF_ST_PROVISIONAL)
            return bad(err, row->seq, e->kind, "sets status '%s', not registered or provisional",
                       status);
        g->status = st;
    }
    if (fields) snprintf(g->fields, sizeof g->fields, "%s", fields);
    if (kf_entry_int(e, "members", &members)) g->members = members;
    if (strcmp(e->kind, "group.deregister") == 0) g->status = KF_ST_DEREGISTERED;
    return KF_OK;
}

/* The same facts gather_facts() in grant.c reads from the derived tables,
 * from the verifier's replay: the registry and the decisions before seq. */
static void facts_of(kf_grant_verifier *v, const kf_menu *m, const kf_application *a,
                     const vapp *self, kf_grant_facts *f)
{
    memset(f, 0, sizeof *f);
    const kf_group *g = find_group(v, a->group);
    if (g) {
        f->group_found = true;
        f->group = *g;
    }
    for (int i = 0; i < a->npartners; i++) {
        const kf_group *pg = find_group(v, a->partners[i]);
        if (!pg || pg->status != KF_ST_REGISTERED) f->partners_unregistered++;
    }
    for (size_t i = 0; i < v->napps; i++) {
        const vapp *o = &v->apps[i];
        if (o == self || strcmp(o->lead, a->group) != 0) continue;
        if (strcmp(o->menu, m->code) == 0) {
            if (o->state == 1) f->awards_in_menu++;
            if (strcmp(o->round, a->round) == 0 && o->seq < self->seq) f->duplicate = true;
        }
    }
    for (int k = 1;; k++) {
        bool any = false;
        for (size_t i = 0; i < v->napps && !any; i++) {
            const vapp *o = &v->apps[i];
            any = o != self && o->state == 1 && o->fy == self->fy - k &&
                  strcmp(o->lead, a->group) == 0 && strcmp(o->menu, m->code) == 0;
        }
        if (!any) break;
        f->consecutive_years = k;
    }
    if (*m->exclusive)
        for (size_t i = 0; i < v->napps && !f->exclusive_taken; i++) {
            const vapp *o = &v->apps[i];
            const kf_menu *om = kf_rules_menu(v->rules, o->menu);
            f->exclusive_taken = o != self && o->state == 1 && o->fy == self->fy &&
                                 strcmp(o->lead, a->group) == 0 && om &&
                                 strcmp(om->exclusive, m->exclusive) == 0;
        }
}

static const char *affiliation_of(kf_grant_verifier *v, uint32_t id)
{
    for (size_t i = 0; i < v->nkeys; i++)
        if (v->keys[i].id == id) return v->keys[i].affiliation;
    return "";
}

static kf_code on_review(kf_grant_verifier *v, const kf_row *row, vapp *p, kf_err *err)
{
    int64_t score;
    if (!kf_entry_int(row->entry, "score", &score) || score < 1 || score > 5)
        return bad(err, row->seq, "grant.review", "%s", "has a score outside 1..5");
    if (p->state != 0) return bad(err, row->seq, "grant.review", "reviews decided %s", p->id);
    kf_application probe;
    memset(&probe, 0, sizeof probe);
    snprintf(probe.group, sizeof probe.group, "%s", p->lead);
    probe.npartners = p->npartners;
    memcpy(probe.partners, p->partners, sizeof probe.partners);
    const char *group;
    if (kf_grant_recusal(affiliation_of(v, row->actor), &probe, &group))
        return bad(err, row->seq, "grant.review", "is by a reviewer affiliated with %s", group);
    for (int i = 0; i < p->nreviews; i++)
        if (p->reviews[i].reviewer == row->actor) {
            p->reviews[i].score = score; /* a later score replaces the earlier */
            return KF_OK;
        }
    if (p->nreviews == p->reviews_cap) {
        int cap = p->reviews_cap ? p->reviews_cap * 2 : 8;
        struct vreview *grown = realloc(p->reviews, (size_t)cap * sizeof *grown);
        if (!grown) return kf_fail(err, KF_SYSTEM, "out of memory");
        p->reviews = grown;
        p->reviews_cap = cap;
    }
    p->reviews[p->nreviews].reviewer = row->actor;
    p->reviews[p->nreviews++].score = score;
    return KF_OK;
}

static kf_code on_decide(kf_grant_verifier *v, const kf_row *row, vapp *p, kf_err *err)
{
    const kf_entry *e = row->entry;
    const char *decision = kf_entry_str(e, "decision");
    if (p->state != 0) return bad(err, row->seq, "grant.decide", "decides %s twice", p->id);
    if (decision && strcmp(decision, "reject") == 0) {
        p->state = 2;
        return KF_OK;
    }
    int64_t amount, ceiling, round_down;
    const char *rate = kf_entry_str(e, "rate");
    if (!kf_entry_int(e, "amount", &amount) || !kf_entry_int(e, "ceiling", &ceiling) ||
        !kf_entry_int(e, "round_down", &round_down) || !rate)
        return bad(err, row->seq, "grant.decide", "%s",
                   "lacks amount, ceiling, rate or round_down");
    kf_entry *ae;
    kf_application *a = malloc(sizeof *a);
    kf_code rc;
    if (!a) return kf_fail(err, KF_SYSTEM, "out of memory");
    if ((rc = kf_ledger_entry(v->l, p->seq, &ae, err))) {
        free(a);
        return rc;
    }
    rc = kf_application_from_entry(ae, a, err);
    kf_entry_free(ae);
    if (rc == KF_SYSTEM) {
        free(a);
        return rc;
    }
    const kf_menu *m = rc ? NULL : kf_rules_menu(v->rules, a->menu);
    kf_ceiling c;
    if (!m) {
        free(a);
        return bad(err, row->seq, "grant.decide", "approves %s under a menu not in force", p->id);
    }
    kf_grant_ceiling(m, a, &c);
    kf_grant_pool(m, a, p->pool);
    kf_grant_facts facts;
    kf_eval ev;
    facts_of(v, m, a, p, &facts);
    kf_grant_evaluate(v->rules, m, a, &facts, &ev);
    const char *date = kf_entry_str(e, "date");
    bool early = date && *a->date && strcmp(date, a->date) < 0;
    free(a);
    if (early)
        return bad(err, row->seq, "grant.decide", "approves %s on a date before its application",
                   p->id);
    if (!ev.eligible)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: grant.decide approves %s, which was not eligible (%s)",
                       (long long)row->seq, p->id, ev.reasons[0]);
    if (m->review == KF_REVIEW_SCORED) {
        int64_t total = 0;
        for (int i = 0; i < p->nreviews; i++)
            total += p->reviews[i].score;
        if (p->nreviews < m->min_reviewers)
            return kf_fail(err, KF_REFUSED,
                           "seq %lld: grant.decide approves %s without enough reviews at the pass "
                           "score (min_reviewers: %d of %lld)",
                           (long long)row->seq, p->id, p->nreviews, (long long)m->min_reviewers);
        if (!kf_grant_score_passes(m->pass_score, p->nreviews, total))
            return kf_fail(err, KF_REFUSED,
                           "seq %lld: grant.decide approves %s without enough reviews at the pass "
                           "score (pass_score: %lld points from %d reviews, below %.6g)",
                           (long long)row->seq, p->id, (long long)total, p->nreviews,
                           m->pass_score);
    }
    const char *pool = kf_entry_str(e, "pool");
    if (!pool || !*p->pool || strcmp(pool, p->pool) != 0)
        return bad(err, row->seq, "grant.decide", "commits %s from a pool its menu does not name",
                   p->id);
    if (!fy_ok(v, e))
        return bad(err, row->seq, "grant.decide", "states a fiscal year its date is not in%s", "");
    char want_rate[48];
    snprintf(want_rate, sizeof want_rate, "%lld/%lld", (long long)c.rate.num,
             (long long)c.rate.den);
    if (ceiling != c.ceiling || strcmp(rate, want_rate) != 0 || round_down != m->round_down)
        return bad(err, row->seq, "grant.decide",
                   "states a ceiling or rate for %s that the rules in force do not give", p->id);
    const char *broken = kf_grant_amount_rule(m, c.ceiling, amount);
    if (broken && strcmp(broken, "ceiling") == 0)
        return bad(err, row->seq, "grant.decide", "approves %s above its ceiling", p->id);
    if (broken && strcmp(broken, "min_award") == 0)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: grant.decide approves %s with %lld yen, below the min_award of "
                       "menu %s (%lld yen)",
                       (long long)row->seq, p->id, (long long)amount, m->code,
                       (long long)m->min_award);
    if (broken)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld: grant.decide approves %s with %lld yen, not a multiple of the "
                       "round_down of menu %s (%lld yen)",
                       (long long)row->seq, p->id, (long long)amount, m->code,
                       (long long)m->round_down);
    if (m->round_budget) {
        kf_yen used = 0;
        for (size_t i = 0; i < v->napps; i++) {
            const vapp *o = &v->apps[i];
            if (o->state == 1 && strcmp(o->menu, p->menu) == 0 && strcmp(o->round, p->round) == 0)
                used += o->approved;
        }
        if (used + amount > m->round_budget)
            return bad(err, row->seq, "grant.decide", "approves %s beyond the round budget", p->id);
    }
    p->state = 1;
    p->approved = amount;
    snprintf(p->decided, sizeof p->decided, "%s", kf_entry_str(e, "date"));
    p->rate = c.rate;
    p->round_down = m->round_down;
    return track(v, row, p->pool, 0, 0, amount, err);
}

static kf_code on_money(kf_grant_verifier *v, const kf_row *row, vapp *p, kf_err *err)
{
    const kf_entry *e = row->entry;
    const char *k = e->kind, *pool = kf_entry_str(e, "pool");
    int64_t amount;
    kf_yen before = committed_of(p);
    if (p->state != 1)
        return bad(err, row->seq, k, "moves money for %s, which is not approved", p->id);
    if (!fy_ok(v, e)) return bad(err, row->seq, k, "states a fiscal year its date is not in%s", "");
    if (pool && strcmp(pool, p->pool) != 0)
        return bad(err, row->seq, k, "names a pool other than the award's for %s", p->id);
    /* money moves on or after the decision; a refund on or after the
     * settlement (fy_ok has checked the date is there) */
    const char *date = kf_entry_str(e, "date");
    bool refund = strcmp(k, "grant.refund") == 0;
    if (strcmp(date, p->decided) < 0 || (refund && strcmp(date, p->settled_on) < 0))
        return bad(err, row->seq, k, "is dated before the %s of its grant",
                   refund && strcmp(date, p->settled_on) < 0 ? "settlement" : "decision");
    if (strcmp(k, "grant.pay") == 0) {
        kf_yen limit = p->settled ? p->final : p->approved;
        if (!kf_entry_int(e, "amount", &amount) || amount <= 0 || amount > limit - p->paid)
            return bad(err, row->seq, k, "pays %s more than its award", p->id);
        p->paid += amount;
        return track(v, row, p->pool, 0, amount, committed_of(p) - before, err);
    }
    if (strcmp(k, "grant.settle") == 0) {
        int64_t spent, income, final, due, payable;
        if (p->settled) return bad(err, row->seq, k, "settles %s twice", p->id);
        if (!kf_entry_int(e, "spent", &spent) || !kf_entry_int(e, "income", &income) ||
            !kf_entry_int(e, "final", &final) || !kf_entry_int(e, "refund_due", &due) ||
            !kf_entry_int(e, "payable", &payable) ||
            final != kf_grant_final(p->approved, spent, income, p->rate, p->round_down) ||
            due != (p->paid > final ? p->paid - final : 0) ||
            payable != (final > p->paid ? final - p->paid : 0))
            return bad(err, row->seq, k, "states a final amount for %s that does not follow",
                       p->id);
        p->settled = true;
        p->final = final;
        snprintf(p->settled_on, sizeof p->settled_on, "%s", date);
        return track(v, row, p->pool, 0, 0, committed_of(p) - before, err);
    }
    if (strcmp(k, "grant.refund") == 0) {
        kf_yen due = p->settled && p->paid > p->final ? p->paid - p->final : 0;
        if (!kf_entry_int(e, "amount", &amount) || amount <= 0 || amount > due - p->refunded)
            return bad(err, row->seq, k, "refunds more than is due back for %s", p->id);
        p->refunded += amount;
        return track(v, row, p->pool, amount, 0, 0, err);
    }
    return KF_OK;
}

/* A deregistration moves exactly the group pool's balance to the rules'
 * deregister_to pool, with nothing committed to the group. */
static kf_code on_deregister(kf_grant_verifier *v, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    const char *id = kf_entry_str(e, "id"), *to = kf_entry_str(e, "to");
    int64_t moved;
    char pool[KF_POOL_MAX];
    if (!id || !to || !kf_entry_int(e, "moved", &moved) || !fy_ok(v, e))
        return bad(err, row->seq, e->kind, "%s", "lacks id, to, moved or a right fy");
    if (strcmp(to, v->rules->deregister_to) != 0)
        return bad(err, row->seq, e->kind, "moves money to %s, not the rules' deregister_to", to);
    if (!v->pools) return KF_OK;
    kf_yen balance, committed;
    snprintf(pool, sizeof pool, "group:%s", id);
    kf_pool_tracker_get(v->pools, pool, &balance, &committed);
    if (moved != balance || committed != 0)
        return bad(err, row->seq, e->kind,
                   "does not move exactly the balance of an uncommitted pool %s", pool);
    kf_code rc = track(v, row, pool, 0, moved, 0, err);
    return rc ? rc : track(v, row, to, moved, 0, 0, err);
}

kf_code kf_grant_verify_entry(kf_grant_verifier *v, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    const char *k = e->kind;
    if (strcmp(k, "rules.load") == 0) {
        kf_code rc = kf_rules_from_entry(e, v->rules, err);
        if (rc == KF_SYSTEM) return rc;
        if (rc)
            return kf_fail(err, KF_REFUSED, "seq %lld: rules.load does not parse",
                           (long long)row->seq);
        return KF_OK;
    }
    if (strcmp(k, "key.add") == 0 || strcmp(k, "genesis") == 0) {
        const char *aff = kf_entry_str(e, "affiliation"), *idhex = kf_entry_str(e, "id");
        uint8_t b[4];
        if (!idhex || !kf_unhex(idhex, b, 4)) return KF_OK; /* the ledger pass checks keys */
        if (v->nkeys == v->keys_cap) {
            size_t cap = v->keys_cap ? v->keys_cap * 2 : 16;
            vkey *grown = realloc(v->keys, cap * sizeof *grown);
            if (!grown) return kf_fail(err, KF_SYSTEM, "out of memory");
            v->keys = grown;
            v->keys_cap = cap;
        }
        vkey *key = &v->keys[v->nkeys++];
        key->id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        snprintf(key->affiliation, sizeof key->affiliation, "%s", aff ? aff : "");
        return KF_OK;
    }
    if (strncmp(k, "group.", 6) == 0) {
        kf_code rc = strcmp(k, "group.deregister") == 0 ? on_deregister(v, row, err) : KF_OK;
        return rc ? rc : on_group(v, row, err);
    }
    if (strncmp(k, "grant.", 6) != 0) return KF_OK;
    if (strcmp(k, "grant.apply") == 0) return on_apply(v, row, err);
    const char *id = kf_entry_str(e, "app");
    vapp *p = id ? find_app(v, id) : NULL;
    if (!p) return bad(err, row->seq, k, "names unknown application %s", id ? id : "(none)");
    if (strcmp(k, "grant.review") == 0) return on_review(v, row, p, err);
    if (strcmp(k, "grant.decide") == 0) return on_decide(v, row, p, err);
    return on_money(v, row, p, err);
}
