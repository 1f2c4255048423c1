/* Property test: the writer and the verifier of money in agree, and both
 * agree with the pure functions of donations/money.c.
 *
 * A deterministic generator (splitmix64; the seed is printed with every
 * failure, and KIFU_MONEY_SEED=<decimal> replays another one) builds
 * ledgers with random rules — designated_share N/D (0 <= N <= D), rounding
 * 1..10,000, fiscal year start, fields and themes — that change between
 * batches, random groups, click-fund partners and donation boxes, and
 * records through the real writers (kf_don_donate, kf_don_box_collect,
 * kf_don_partner_clicks, kf_don_partner_pay) many cases per batch: amounts
 * 1..10^12, fees 0..amount-1, designations general, group:, field:, theme:,
 * per_click, monthly_cap and clicks up to products that overflow int64.
 *
 * For every ledger: kifu verify (kf_verify_all) passes; every recorded
 * entry's credit, credit_general, credit_pool and fy (pledge for clicks)
 * equal kf_designated_split / kf_rules_fy / kf_partner_pledge under the
 * rules the generator wrote, and those equal an independent computation
 * here; the donations verifier (kf_don_verify_entry) refuses a copy of every
 * money entry whose split (or pledge) is off by one yen; and a forged entry
 * off by one yen, appended and committed, makes kf_verify_all fail. */
#include "check_common.h"
#include "kifu/verify.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NLEDGERS 8  /* one Check test each */
#define NVERSIONS 5 /* rules versions per ledger, one batch each */
#define NBATCH 80   /* cases per batch */
#define MAX_GROUPS 4
#define MAX_FIELDS 3
#define MAX_THEMES 2
#define MAX_PARTNERS 4
#define MAX_BOXES 3
#define ORACLE_CASES 200000

static uint64_t base_seed = UINT64_C(20261122);

/* ---- the generator --------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t next(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in lo..hi (inclusive, lo <= hi). */
static int64_t between(int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
    return span == 0 ? (int64_t)next() : lo + (int64_t)(next() % span);
}

static bool chance(int percent)
{
    return between(1, 100) <= percent;
}

/* lo..hi with every order of magnitude about as likely, and the ends often. */
static int64_t spread(int64_t lo, int64_t hi)
{
    int r = (int)between(0, 19);
    if (r == 0) return lo;
    if (r == 1) return hi;
    int64_t top = lo > 0 ? lo : 1;
    int digits = (int)between(1, 19);
    for (int i = 1; i < digits && top <= INT64_MAX / 10; i++)
        top *= 10;
    if (top > hi) top = hi;
    return between(lo, top);
}

/* The seed and place of the case at hand, for every failure message. */
static char where[160];
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            char what_[4096];                                                                      \
            snprintf(what_, sizeof what_, __VA_ARGS__);                                            \
            ck_abort_msg("%s (seed %" PRIu64 ", %s; KIFU_MONEY_SEED=%" PRIu64 " replays)", what_,  \
                         base_seed, where, base_seed);                                             \
        }                                                                                          \
    } while (0)

/* ---- what the generator wrote ---------------------------------------------------- */

typedef struct {
    int64_t num, den, round;
    int fy_month, fy_day;
} rules_params;

typedef struct {
    char id[16];
    char to[KF_POOL_MAX];
    kf_yen per_click, cap;
    kf_yen outstanding; /* pledged and unpaid, as of the last commit */
    kf_yen batch_pledged, batch_paid;
    int months; /* months tallied so far */
} partner_model;

typedef struct {
    char id[16];
    char to[KF_POOL_MAX];
} box_model;

/* One recorded case, found again by its seq. */
typedef enum { CASE_NONE, CASE_MONEY, CASE_CLICKS } case_kind;
typedef struct {
    case_kind kind;
    int version;
    char to[KF_POOL_MAX];
    kf_yen amount, fee;
    char date[11];
    int64_t clicks;
    kf_yen per_click, cap;
} case_model;

typedef struct {
    char dir[64], path[128];
    kf_ledger *l;
    kf_signer admin;
    rules_params versions[NVERSIONS];
    int nversions;
    int ngroups, nfields, nthemes, npartners, nboxes;
    char fields[MAX_FIELDS][16], themes[MAX_THEMES][16];
    partner_model partners[MAX_PARTNERS];
    box_model boxes[MAX_BOXES];
    case_model *cases; /* by seq */
    size_t ncases_cap;
    int counts[10]; /* by kind of case (N_*) */
} world;

enum {
    N_DONATION,
    N_BOX,
    N_CLICKS,
    N_PAY,
    N_OVERFLOW,    /* clicks x per_click overflows int64 */
    N_GROUP_SPLIT, /* a group designation that leaves a part to general */
    N_TO_GROUP,
    N_TO_FIELD,
    N_TO_THEME,
    N_TO_GENERAL
};

static case_model *case_at(world *w, int64_t seq)
{
    if ((size_t)seq >= w->ncases_cap) {
        size_t cap = w->ncases_cap ? w->ncases_cap : 256;
        while (cap <= (size_t)seq)
            cap *= 2;
        case_model *grown = realloc(w->cases, cap * sizeof *grown);
        ck_assert_ptr_nonnull(grown);
        memset(grown + w->ncases_cap, 0, (cap - w->ncases_cap) * sizeof *grown);
        w->cases = grown;
        w->ncases_cap = cap;
    }
    return &w->cases[seq];
}

/* The rules of version v as the pure functions see them (r holds the
 * defaults otherwise). */
static void model_rules(const world *w, int v, kf_rules *r)
{
    r->designated_share = (kf_ratio){w->versions[v].num, w->versions[v].den};
    r->designated_round = w->versions[v].round;
    r->fy_start_month = w->versions[v].fy_month;
    r->fy_start_day = w->versions[v].fy_day;
}

/* ---- generating ------------------------------------------------------------------ */

static void random_params(rules_params *p)
{
    static const int64_t dens[] = {1, 2, 3, 7, 10, 100, 997, 1000000};
    p->den = chance(50) ? dens[between(0, 7)] : between(1, 1000000);
    int r = (int)between(0, 9);
    p->num = r == 0 ? 0 : r == 1 ? p->den : between(0, p->den);
    static const int64_t rounds[] = {1, 10, 100, 1000, 10000};
    p->round = chance(50) ? rounds[between(0, 4)] : between(1, 10000);
    if (chance(40)) {
        p->fy_month = 4;
        p->fy_day = 1;
    } else {
        p->fy_month = (int)between(1, 12);
        p->fy_day = (int)between(1, kf_days_in_month(2001, p->fy_month));
    }
}

/* The rules file of p with the world's fields and themes. */
static void rules_text(const world *w, const rules_params *p, char *out, size_t size)
{
    size_t n = (size_t)snprintf(out, size,
                                "[fund]\nfy_start = %02d-%02d\ndesignated_share = %" PRId64
                                "/%" PRId64 "\ndesignated_round = %" PRId64 "\n",
                                p->fy_month, p->fy_day, p->num, p->den, p->round);
    if (w->nfields) n += (size_t)snprintf(out + n, size - n, "[fields]\n");
    for (int i = 0; i < w->nfields; i++)
        n += (size_t)snprintf(out + n, size - n, "%s = 分野 %d\n", w->fields[i], i);
    if (w->nthemes) n += (size_t)snprintf(out + n, size - n, "[themes]\n");
    for (int i = 0; i < w->nthemes; i++)
        n += (size_t)snprintf(out + n, size - n, "%s = テーマ %d\n", w->themes[i], i);
    ck_assert_uint_lt(n, size);
}

/* YYYY-MM of the i-th month from January 2000. */
static void month_of(int i, char out[8])
{
    char date[11];
    kf_format_date(date, 2000 + i / 12, 1 + i % 12, 1);
    memcpy(out, date, 7);
    out[7] = '\0';
}

static void random_date(char out[11])
{
    int y = (int)between(1990, 2099), m = (int)between(1, 12);
    kf_format_date(out, y, m, (int)between(1, kf_days_in_month(y, m)));
}

/* A designation that the ledger accepts now. */
static void random_designation(const world *w, char out[KF_POOL_MAX])
{
    int r = (int)between(0, 9);
    if (r <= 4 && w->ngroups)
        snprintf(out, KF_POOL_MAX, "group:G%d", (int)between(0, w->ngroups - 1));
    else if (r <= 6 && w->nfields)
        snprintf(out, KF_POOL_MAX, "field:%s", w->fields[between(0, w->nfields - 1)]);
    else if (r == 7 && w->nthemes)
        snprintf(out, KF_POOL_MAX, "theme:%s", w->themes[between(0, w->nthemes - 1)]);
    else
        snprintf(out, KF_POOL_MAX, "%s", r == 8 ? "" : "general"); /* "" means general */
}

static void commit(kf_txn *t)
{
    kf_err err = {0};
    kf_code rc = kf_txn_commit(t, NULL, &err);
    CHECK(rc == KF_OK, "commit: %s", err.msg);
}

static void load_rules(world *w, kf_txn *t)
{
    kf_err err = {0};
    int64_t seq;
    rules_params *p = &w->versions[w->nversions];
    random_params(p);
    char text[1024];
    rules_text(w, p, text, sizeof text);
    kf_code rc = kf_rules_load(t, "gen.ini", text, strlen(text), &seq, &err);
    CHECK(rc == KF_OK, "rules.load: %s\n%s", err.msg, text);
    w->nversions++;
}

/* A ledger with rules version 0, groups, partners and boxes. */
static void world_create(world *w)
{
    kf_err err = {0};
    kf_txn *t;
    int64_t seq;
    kf_code rc;
    tu_tmpdir("money", w->dir, w->path);
    /* The ledger begins in 1989, so that random_date's business dates (from
     * 1990) lie in its window (README, "Business dates"); then the clock
     * stands at the end of 2099, so that none of them (to 2099) is after
     * today. */
    setenv("KIFU_NOW", "1989-01-01T09:00:00+09:00", 1);
    ck_assert_int_eq(kf_key_generate("admin", &w->admin, &err), KF_OK);
    ck_assert_msg(kf_ledger_create(w->path, "F", "o", &w->admin, &w->l, &err) == KF_OK,
                  "create: %s", err.msg);
    ck_assert_msg(kf_grants_attach(w->l, &err) == KF_OK && kf_donations_attach(w->l, &err) == KF_OK,
                  "attach: %s", err.msg);
    setenv("KIFU_NOW", "2099-12-31T09:00:00+09:00", 1);
    w->nfields = (int)between(0, MAX_FIELDS);
    w->nthemes = (int)between(0, MAX_THEMES);
    for (int i = 0; i < w->nfields; i++)
        snprintf(w->fields[i], sizeof w->fields[i], "f%d_%d", i, (int)between(0, 999));
    for (int i = 0; i < w->nthemes; i++)
        snprintf(w->themes[i], sizeof w->themes[i], "t%d_%d", i, (int)between(0, 999));
    ck_assert_int_eq(kf_txn_begin(w->l, &w->admin, &t, &err), KF_OK);
    load_rules(w, t);
    w->ngroups = (int)between(0, MAX_GROUPS);
    for (int i = 0; i < w->ngroups; i++) {
        kf_group g = {.type = 1u << between(0, 4),
                      .founded = "2000-01-01",
                      .members = between(0, 100),
                      .status = chance(50) ? KF_ST_REGISTERED : KF_ST_PROVISIONAL};
        snprintf(g.id, sizeof g.id, "G%d", i);
        snprintf(g.name, sizeof g.name, "group %d", i);
        if (w->nfields && chance(50)) snprintf(g.fields, sizeof g.fields, "%s", w->fields[0]);
        rc = kf_group_add(t, &g, &seq, &err);
        CHECK(rc == KF_OK, "group.add: %s", err.msg);
    }
    w->npartners = (int)between(1, MAX_PARTNERS);
    for (int i = 0; i < w->npartners; i++) {
        partner_model *p = &w->partners[i];
        snprintf(p->id, sizeof p->id, "P%d", i);
        random_designation(w, p->to);
        if (!*p->to) snprintf(p->to, sizeof p->to, "general");
        p->per_click = spread(1, KF_YEN_MAX_ONE);
        p->cap = spread(1, KF_YEN_MAX_ONE);
        rc = kf_partner_add(t, p->id, "partner", p->per_click, p->cap, p->to, &err);
        CHECK(rc == KF_OK, "partner.add: %s", err.msg);
    }
    w->nboxes = (int)between(1, MAX_BOXES);
    for (int i = 0; i < w->nboxes; i++) {
        box_model *b = &w->boxes[i];
        snprintf(b->id, sizeof b->id, "B%d", i);
        random_designation(w, b->to);
        if (!*b->to) snprintf(b->to, sizeof b->to, "general");
        rc = kf_box_add(t, b->id, "station", "host", b->to, &err);
        CHECK(rc == KF_OK, "box.add: %s", err.msg);
    }
    commit(t);
}

static void world_free(world *w)
{
    tu_cleanup(w->l, w->dir);
    free(w->cases);
}

static void record_donation(world *w, kf_txn *t, int n)
{
    kf_err err = {0};
    kf_donation d;
    int64_t seq;
    char amount[32], fee[32] = "", to[KF_POOL_MAX], date[11];
    kf_yen a = spread(1, KF_YEN_MAX_ONE), f = 0;
    if (chance(50)) f = chance(10) ? a - 1 : spread(0, a - 1);
    random_designation(w, to);
    random_date(date);
    snprintf(amount, sizeof amount, "%" PRId64, a);
    if (f || chance(20)) snprintf(fee, sizeof fee, "%" PRId64, f);
    kf_code rc = kf_donation_parse(&d, amount, date, NULL, to, NULL, NULL, NULL, NULL, fee, &err);
    CHECK(rc == KF_OK, "case %d: parse: %s", n, err.msg);
    rc = kf_don_donate(t, &d, &seq, &err);
    CHECK(rc == KF_OK, "case %d: donate %s to '%s': %s", n, amount, to, err.msg);
    case_model *c = case_at(w, seq);
    *c = (case_model){.kind = CASE_MONEY, .version = w->nversions - 1, .amount = a, .fee = f};
    snprintf(c->to, sizeof c->to, "%s", *to ? to : "general");
    memcpy(c->date, date, sizeof c->date);
    w->counts[N_DONATION]++;
}

static void record_box(world *w, kf_txn *t, int n)
{
    kf_err err = {0};
    int64_t seq;
    box_model *b = &w->boxes[between(0, w->nboxes - 1)];
    kf_box_collection c = {.resolved = -1};
    snprintf(c.id, sizeof c.id, "%s", b->id);
    snprintf(c.counters, sizeof c.counters, "A,B");
    random_date(c.date);
    c.count_a = c.count_b = spread(1, KF_YEN_MAX_ONE);
    kf_yen amount = c.count_a;
    if (chance(30)) {
        c.count_b = spread(0, KF_YEN_MAX_ONE);
        if (c.count_b != c.count_a) {
            amount = c.resolved = spread(1, KF_YEN_MAX_ONE);
            snprintf(c.note, sizeof c.note, "recounted");
        }
    }
    kf_code rc = kf_don_box_collect(t, &c, &seq, &err);
    CHECK(rc == KF_OK, "case %d: box collect: %s", n, err.msg);
    case_model *m = case_at(w, seq);
    *m = (case_model){.kind = CASE_MONEY, .version = w->nversions - 1, .amount = amount};
    snprintf(m->to, sizeof m->to, "%s", b->to);
    memcpy(m->date, c.date, sizeof m->date);
    w->counts[N_BOX]++;
}

static void record_clicks(world *w, kf_txn *t, int n)
{
    kf_err err = {0};
    int64_t seq;
    kf_yen pledge;
    partner_model *p = &w->partners[between(0, w->npartners - 1)];
    char month[8];
    month_of(p->months++, month);
    int64_t clicks;
    switch (between(0, 5)) {
    case 0:
        clicks = p->cap / p->per_click;
        break; /* just under or at the cap */
    case 1:
        clicks = p->cap / p->per_click + 1;
        break; /* just over */
    case 2:    /* at the edge of int64 */
        clicks = INT64_MAX / p->per_click;
        if (clicks < INT64_MAX) clicks += between(0, 1);
        break;
    case 3:
        clicks = between(INT64_MAX / 4, INT64_MAX);
        break; /* mostly overflows */
    default:
        clicks = spread(0, INT64_MAX);
        break;
    }
    kf_code rc = kf_don_partner_clicks(t, p->id, month, clicks, &seq, &pledge, &err);
    CHECK(rc == KF_OK, "case %d: clicks: %s", n, err.msg);
    case_model *c = case_at(w, seq);
    *c = (case_model){.kind = CASE_CLICKS,
                      .version = w->nversions - 1,
                      .clicks = clicks,
                      .per_click = p->per_click,
                      .cap = p->cap};
    p->batch_pledged += pledge;
    kf_yen product;
    if (!kf_mul(clicks, p->per_click, &product)) w->counts[N_OVERFLOW]++;
    w->counts[N_CLICKS]++;
}

/* A payment of what was pledged and unpaid before this batch. */
static bool record_pay(world *w, kf_txn *t, int n)
{
    kf_err err = {0};
    int64_t seq;
    partner_model *p = &w->partners[between(0, w->npartners - 1)];
    kf_yen left = p->outstanding - p->batch_paid;
    if (left <= 0) return false;
    kf_yen amount = spread(1, left < KF_YEN_MAX_ONE ? left : KF_YEN_MAX_ONE);
    char date[11];
    random_date(date);
    kf_code rc = kf_don_partner_pay(t, p->id, amount, date, NULL, &seq, &err);
    CHECK(rc == KF_OK, "case %d: partner pay %" PRId64 ": %s", n, amount, err.msg);
    case_model *c = case_at(w, seq);
    *c = (case_model){.kind = CASE_MONEY, .version = w->nversions - 1, .amount = amount};
    snprintf(c->to, sizeof c->to, "%s", p->to);
    memcpy(c->date, date, sizeof c->date);
    p->batch_paid += amount;
    w->counts[N_PAY]++;
    return true;
}

static void record_batch(world *w)
{
    kf_err err = {0};
    kf_txn *t;
    ck_assert_int_eq(kf_txn_begin(w->l, &w->admin, &t, &err), KF_OK);
    for (int n = 0; n < NBATCH; n++) {
        int r = (int)between(0, 9);
        if (r == 0)
            record_box(w, t, n);
        else if (r == 1)
            record_clicks(w, t, n);
        else if (r == 2 && record_pay(w, t, n))
            continue;
        else
            record_donation(w, t, n);
    }
    commit(t);
    for (int i = 0; i < w->npartners; i++) {
        partner_model *p = &w->partners[i];
        p->outstanding += p->batch_pledged - p->batch_paid;
        p->batch_pledged = p->batch_paid = 0;
    }
}

/* ---- checking -------------------------------------------------------------------- */

/* The split computed here, independently of donations/money.c. */
static void oracle_split(const rules_params *p, const char *to, kf_yen net, kf_yen *credit,
                         kf_yen *general)
{
    kf_yen c = net;
    if (strncmp(to, "group:", 6) == 0) {
        __int128 share = (__int128)net * p->num / p->den;
        c = (kf_yen)(share - share % p->round);
    }
    *credit = c;
    *general = net - c;
}

static kf_yen oracle_pledge(int64_t clicks, kf_yen per_click, kf_yen cap)
{
    __int128 product = (__int128)clicks * per_click;
    return product < cap ? (kf_yen)product : cap;
}

static kf_entry *entry_copy(const kf_entry *e)
{
    kf_entry *c = kf_entry_new(e->kind);
    ck_assert_ptr_nonnull(c);
    c->seq = e->seq;
    for (size_t i = 0; i < e->nfields; i++) {
        const kf_field *f = &e->fields[i];
        kf_code rc = f->type == KF_FIELD_INT ? kf_entry_set_int(c, f->key, f->num, NULL)
                                             : kf_entry_set_str(c, f->key, f->str, NULL);
        ck_assert_int_eq(rc, KF_OK);
    }
    return c;
}

/* The donations verifier refuses a copy of row with key1 (and key2) set to
 * val1 (and val2), saying what. It keeps no state of a refused entry. */
static void refuse_changed(kf_don_verifier *v, const kf_row *row, const char *key1, int64_t val1,
                           const char *key2, int64_t val2, const char *what)
{
    kf_err err = {0};
    kf_entry *e = entry_copy(row->entry);
    kf_entry_set_int(e, key1, val1, NULL);
    if (key2) kf_entry_set_int(e, key2, val2, NULL);
    kf_row forged = *row;
    forged.entry = e;
    kf_code rc = kf_don_verify_entry(v, &forged, &err);
    kf_entry_free(e);
    char want[256];
    snprintf(want, sizeof want, "seq %" PRId64 ": %s entry %s", row->seq, row->entry->kind, what);
    CHECK(rc == KF_REFUSED && strstr(err.msg, want),
          "seq %" PRId64 ": the verifier did not refuse (%d: %s) a %s with %s=%" PRId64 "%s",
          row->seq, rc, err.msg, row->entry->kind, key1, val1, key2 ? " changed by one yen" : "");
}

typedef struct {
    world *w;
    kf_don_verifier *v;
    kf_rules *model;
    int checked;
} scan_ctx;

static void check_money_row(scan_ctx *s, const kf_row *row, const case_model *c)
{
    const kf_entry *e = row->entry;
    const rules_params *p = &s->w->versions[c->version];
    int64_t credit, general, fy, amount, fee = 0;
    const char *pool = kf_entry_str(e, "credit_pool"), *to = kf_entry_str(e, "to");
    CHECK(kf_entry_int(e, "credit", &credit) && kf_entry_int(e, "credit_general", &general) &&
              kf_entry_int(e, "fy", &fy) && kf_entry_int(e, "amount", &amount) && pool && to,
          "seq %" PRId64 ": %s lacks its money fields", row->seq, e->kind);
    kf_entry_int(e, "fee", &fee);
    CHECK(amount == c->amount && fee == c->fee && strcmp(to, c->to) == 0,
          "seq %" PRId64 ": recorded %" PRId64 " - %" PRId64 " to %s, given %" PRId64 " - %" PRId64
          " to %s",
          row->seq, amount, fee, to, c->amount, c->fee, c->to);
    model_rules(s->w, c->version, s->model);
    kf_yen want_credit, want_general, o_credit, o_general;
    kf_designated_split(s->model, c->to, c->amount - c->fee, &want_credit, &want_general);
    oracle_split(p, c->to, c->amount - c->fee, &o_credit, &o_general);
    CHECK(want_credit == o_credit && want_general == o_general,
          "kf_designated_split(%" PRId64 "/%" PRId64 " round %" PRId64 ", %s, %" PRId64
          ") = %" PRId64 " + %" PRId64 ", want %" PRId64 " + %" PRId64,
          p->num, p->den, p->round, c->to, c->amount - c->fee, want_credit, want_general, o_credit,
          o_general);
    CHECK(credit == want_credit && general == want_general,
          "seq %" PRId64 ": the writer split %" PRId64 " (rules %" PRId64 "/%" PRId64
          " round %" PRId64 ", to %s) into %" PRId64 " + %" PRId64 ", the pure function into "
          "%" PRId64 " + %" PRId64,
          row->seq, c->amount - c->fee, p->num, p->den, p->round, c->to, credit, general,
          want_credit, want_general);
    CHECK(strcmp(pool, credit ? c->to : "general") == 0,
          "seq %" PRId64 ": credit_pool %s for %" PRId64 " to %s", row->seq, pool, credit, c->to);
    int want_fy = kf_rules_fy(s->model, c->date);
    CHECK(fy == want_fy && want_fy > 0,
          "seq %" PRId64 ": fy %" PRId64 " for %s with FY start %02d-%02d, want %d", row->seq, fy,
          c->date, p->fy_month, p->fy_day, want_fy);
    if (strncmp(c->to, "group:", 6) == 0 && general) s->w->counts[N_GROUP_SPLIT]++;
    s->w->counts[!strncmp(c->to, "group:", 6)   ? N_TO_GROUP
                 : !strncmp(c->to, "field:", 6) ? N_TO_FIELD
                 : !strncmp(c->to, "theme:", 6) ? N_TO_THEME
                                                : N_TO_GENERAL]++;
    /* one yen moved between the two parts, either way */
    if (general > 0)
        refuse_changed(s->v, row, "credit", credit + 1, "credit_general", general - 1,
                       "splits its net amount differently from the rules in force");
    if (credit > 0)
        refuse_changed(s->v, row, "credit", credit - 1, "credit_general", general + 1,
                       "splits its net amount differently from the rules in force");
    /* one yen more or less for the group alone */
    refuse_changed(s->v, row, "credit", credit + 1, NULL, 0,
                   "splits its net amount differently from the rules in force");
}

static void check_clicks_row(scan_ctx *s, const kf_row *row, const case_model *c)
{
    const kf_entry *e = row->entry;
    int64_t clicks, pledge;
    CHECK(kf_entry_int(e, "clicks", &clicks) && kf_entry_int(e, "pledge", &pledge),
          "seq %" PRId64 ": partner.clicks lacks clicks or pledge", row->seq);
    kf_yen want = kf_partner_pledge(c->clicks, c->per_click, c->cap);
    kf_yen oracle = oracle_pledge(c->clicks, c->per_click, c->cap);
    CHECK(want == oracle,
          "kf_partner_pledge(%" PRId64 ", %" PRId64 ", %" PRId64 ") = %" PRId64 ", want %" PRId64,
          c->clicks, c->per_click, c->cap, want, oracle);
    CHECK(clicks == c->clicks && pledge == want,
          "seq %" PRId64 ": recorded %" PRId64 " clicks pledging %" PRId64 ", given %" PRId64
          " at %" PRId64 " cap %" PRId64 ": %" PRId64,
          row->seq, clicks, pledge, c->clicks, c->per_click, c->cap, want);
    if (pledge > 0)
        refuse_changed(s->v, row, "pledge", pledge - 1, NULL, 0,
                       "pledge is not min(clicks x per_click, cap)");
    refuse_changed(s->v, row, "pledge", pledge + 1, NULL, 0,
                   "pledge is not min(clicks x per_click, cap)");
}

static int scan_row(void *ctx, const kf_row *row)
{
    scan_ctx *s = ctx;
    const case_model *c = (size_t)row->seq < s->w->ncases_cap ? &s->w->cases[row->seq] : NULL;
    if (c && c->kind == CASE_MONEY) check_money_row(s, row, c);
    if (c && c->kind == CASE_CLICKS) check_clicks_row(s, row, c);
    if (c && c->kind != CASE_NONE) s->checked++;
    kf_err err = {0};
    kf_code rc = kf_don_verify_entry(s->v, row, &err);
    CHECK(rc == KF_OK, "the donations verifier refused seq %" PRId64 ": %s", row->seq, err.msg);
    return 0;
}

static void verify_ok(world *w)
{
    kf_err err = {0};
    kf_verify_report rep;
    kf_code rc = kf_verify_all(w->l, NULL, 0, &rep, &err);
    CHECK(rc == KF_OK, "kifu verify: %s", err.msg);
}

/* Every recorded case against the pure functions and the verifier. */
static int check_cases(world *w)
{
    kf_err err = {0};
    scan_ctx s = {.w = w, .v = kf_don_verifier_new(w->l), .model = malloc(sizeof(kf_rules))};
    ck_assert(s.v && s.model);
    kf_rules_default(s.model);
    kf_code rc = kf_ledger_scan(w->l, 1, NULL, scan_row, &s, &err);
    CHECK(rc == KF_OK, "scan: %s", err.msg);
    kf_don_verifier_free(s.v);
    free(s.model);
    return s.checked;
}

/* Appends e, as signed by the admin, in a commit of its own. */
static int64_t forge(world *w, kf_entry *e)
{
    kf_err err = {0};
    kf_txn *t;
    ck_assert_int_eq(kf_txn_begin(w->l, &w->admin, &t, &err), KF_OK);
    kf_code rc = kf_txn_append(t, e, &err);
    CHECK(rc == KF_OK, "the ledger refused a forged %s: %s", e->kind, err.msg);
    commit(t);
    int64_t seq = e->seq;
    kf_entry_free(e);
    return seq;
}

/* A donation to a group (or general) under the last rules, split off by one
 * yen; kifu verify must refuse it. */
static void forge_donation(world *w)
{
    kf_err err = {0};
    kf_verify_report rep;
    char to[KF_POOL_MAX], date[11];
    int v = w->nversions - 1;
    kf_rules *r = malloc(sizeof *r);
    ck_assert_ptr_nonnull(r);
    kf_rules_default(r);
    model_rules(w, v, r);
    snprintf(to, sizeof to, w->ngroups ? "group:G0" : "general");
    random_date(date);
    kf_yen amount = spread(1, KF_YEN_MAX_ONE), credit, general;
    kf_designated_split(r, to, amount, &credit, &general);
    if (general > 0) {
        credit++;
        general--;
    } else {
        credit--;
        general++;
    }
    kf_entry *e = kf_entry_new("donation");
    kf_entry_set_int(e, "amount", amount, NULL);
    kf_entry_set_int(e, "credit", credit, NULL);
    kf_entry_set_int(e, "credit_general", general, NULL);
    kf_entry_set_str(e, "credit_pool", credit ? to : "general", NULL);
    kf_entry_set_str(e, "date", date, NULL);
    kf_entry_set_int(e, "fy", kf_rules_fy(r, date), NULL);
    kf_entry_set_str(e, "source", "direct", NULL);
    kf_entry_set_str(e, "to", to, NULL);
    free(r);
    int64_t seq = forge(w, e);
    kf_code rc = kf_verify_all(w->l, NULL, 0, &rep, &err);
    char want[128];
    snprintf(want, sizeof want, "seq %" PRId64 ": donation entry splits its net amount", seq);
    CHECK(rc == KF_REFUSED && strstr(err.msg, want),
          "kifu verify passed (%d: %s) a donation of %" PRId64 " to %s split %" PRId64 " + %" PRId64
          ", one yen off",
          rc, err.msg, amount, to, credit, general);
}

/* A month's clicks of partner P0 pledging one yen off. */
static void forge_clicks(world *w)
{
    kf_err err = {0};
    kf_verify_report rep;
    partner_model *p = &w->partners[0];
    int64_t clicks = spread(0, INT64_MAX);
    kf_yen pledge = kf_partner_pledge(clicks, p->per_click, p->cap);
    pledge += pledge > 0 ? -1 : 1;
    char month[8];
    month_of(p->months, month);
    kf_entry *e = kf_entry_new("partner.clicks");
    kf_entry_set_str(e, "partner", p->id, NULL);
    kf_entry_set_str(e, "month", month, NULL);
    kf_entry_set_int(e, "clicks", clicks, NULL);
    kf_entry_set_int(e, "pledge", pledge, NULL);
    int64_t seq = forge(w, e);
    kf_code rc = kf_verify_all(w->l, NULL, 0, &rep, &err);
    char want[128];
    snprintf(want, sizeof want, "seq %" PRId64 ": partner.clicks entry pledge is not", seq);
    CHECK(rc == KF_REFUSED && strstr(err.msg, want),
          "kifu verify passed (%d: %s) %" PRId64 " clicks at %" PRId64 " cap %" PRId64
          " pledging %" PRId64 ", one yen off",
          rc, err.msg, clicks, p->per_click, p->cap, pledge);
}

/* ---- the tests ------------------------------------------------------------------- */

/* Ledger _i: NVERSIONS batches of NBATCH cases, then a forged entry. */
START_TEST(writer_and_verifier_agree)
{
    world *w = calloc(1, sizeof *w);
    ck_assert_ptr_nonnull(w);
    rng_state = base_seed + (uint64_t)_i * UINT64_C(0x100000001);
    snprintf(where, sizeof where, "ledger %d", _i);
    world_create(w);
    for (int v = 0; v < NVERSIONS; v++) {
        if (v > 0) {
            kf_err err = {0};
            kf_txn *t;
            ck_assert_int_eq(kf_txn_begin(w->l, &w->admin, &t, &err), KF_OK);
            load_rules(w, t);
            commit(t);
        }
        snprintf(where, sizeof where, "ledger %d, rules version %d", _i, v);
        record_batch(w);
    }
    snprintf(where, sizeof where, "ledger %d", _i);
    verify_ok(w);
    int checked = check_cases(w);
    CHECK(checked == NVERSIONS * NBATCH, "checked %d cases, recorded %d", checked,
          NVERSIONS * NBATCH);
    if (_i % 2 == 0)
        forge_donation(w);
    else
        forge_clicks(w);
    printf("test_money: ledger %d: %d cases (%d donations, %d box collections, %d partner "
           "payments, %d click tallies of which %d overflow clicks x per_click; %d group splits "
           "with a general part; money to %d group, %d field, %d theme, %d general), %d groups, "
           "%d fields, %d themes, seed %" PRIu64 "\n",
           _i, checked, w->counts[N_DONATION], w->counts[N_BOX], w->counts[N_PAY],
           w->counts[N_CLICKS], w->counts[N_OVERFLOW], w->counts[N_GROUP_SPLIT],
           w->counts[N_TO_GROUP], w->counts[N_TO_FIELD], w->counts[N_TO_THEME],
           w->counts[N_TO_GENERAL], w->ngroups, w->nfields, w->nthemes, base_seed);
    world_free(w);
    free(w);
}
END_TEST

/* The pure functions against the computation here, without a ledger. */
START_TEST(pure_functions_agree)
{
    kf_rules *r = malloc(sizeof *r);
    ck_assert_ptr_nonnull(r);
    kf_rules_default(r);
    rng_state = base_seed ^ UINT64_C(0x5eed);
    snprintf(where, sizeof where, "pure functions");
    world w = {.nversions = 1};
    static const char *const tos[] = {"group:G", "general", "field:f", "theme:t"};
    for (int i = 0; i < ORACLE_CASES; i++) {
        random_params(&w.versions[0]);
        model_rules(&w, 0, r);
        const char *to = tos[between(0, 3)];
        kf_yen net = spread(1, KF_YEN_MAX_ONE), credit, general, o_credit, o_general;
        kf_designated_split(r, to, net, &credit, &general);
        oracle_split(&w.versions[0], to, net, &o_credit, &o_general);
        bool group = strncmp(to, "group:", 6) == 0;
        CHECK(credit == o_credit && general == o_general && credit >= 0 && general >= 0 &&
                  (group ? credit % w.versions[0].round == 0 : general == 0),
              "case %d: split of %" PRId64 " to %s under %" PRId64 "/%" PRId64 " round %" PRId64
              ": %" PRId64 " + %" PRId64 ", want %" PRId64 " + %" PRId64,
              i, net, to, w.versions[0].num, w.versions[0].den, w.versions[0].round, credit,
              general, o_credit, o_general);
        int64_t clicks = spread(0, INT64_MAX);
        kf_yen per = spread(1, KF_YEN_MAX_ONE), cap = spread(1, KF_YEN_MAX_ONE);
        CHECK(kf_partner_pledge(clicks, per, cap) == oracle_pledge(clicks, per, cap),
              "case %d: pledge of %" PRId64 " clicks at %" PRId64 " cap %" PRId64, i, clicks, per,
              cap);
    }
    free(r);
}
END_TEST

/* The figures digest every commit signs (docs/FORMAT.md §9 "Figures": the
 * vectors there were computed independently, with Python's hashlib), fed in
 * any order: kf_pool_fy_sort puts the rows in the canonical order, and rows of
 * three zeros are left out. */
START_TEST(figures_digest_vectors)
{
    kf_pool_fy rows[] = {
        {.pool = "group:G001", .fy = 2027, .in = 0, .out = 5000, .committed = -5000},
        {.pool = "zzz:empty", .fy = 2026},
        {.pool = "general", .fy = 2026, .in = 25649, .out = 10000},
        {.pool = "group:G001", .fy = 2026, .in = 19700, .committed = 5000},
    };
    kf_hash h;
    char hex[65];
    kf_pool_fy_sort(rows, 4);
    ck_assert_str_eq(rows[0].pool, "general");
    ck_assert_int_eq(rows[1].fy, 2026);
    kf_figures_digest(rows, 4, h);
    kf_hex(h, KF_HASH_LEN, hex);
    ck_assert_str_eq(hex, "4ebd648164128abec8d7c02de5b56456ce0eb2d8804c289f869325812d890397");
    kf_figures_digest(rows, 0, h);
    kf_hex(h, KF_HASH_LEN, hex);
    ck_assert_str_eq(hex, "75c4bec7fddbaedb0ba994cfa7e867e0cab0ab90b2de0aa91ed27782885db923");
    /* one yen more anywhere is another digest */
    rows[2].in++;
    kf_figures_digest(rows, 4, h);
    kf_hex(h, KF_HASH_LEN, hex);
    ck_assert_str_ne(hex, "4ebd648164128abec8d7c02de5b56456ce0eb2d8804c289f869325812d890397");
}
END_TEST

int main(void)
{
    if (tu_init()) return EXIT_FAILURE;
    const char *seed = getenv("KIFU_MONEY_SEED");
    if (seed && *seed) base_seed = strtoull(seed, NULL, 10);
    Suite *s = suite_create("money");
    TCase *tc = tu_core(s, NULL, NULL);
    tcase_add_test(tc, pure_functions_agree);
    tcase_add_test(tc, figures_digest_vectors);
    tcase_add_loop_test(tc, writer_and_verifier_agree, 0, NLEDGERS);
    return tu_run(s);
}
