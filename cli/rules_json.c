/*
 * The rules as JSON (kifu rules show --json): the library returns the
 * parsed kf_rules, the command line renders them. Every key of every
 * section, in a fixed order; sets of bits as arrays of names.
 */
#include "cli.h"
#include "kifu/fund.h"

#include <math.h>
#include <stdio.h>

static void json_ratio(kf_buf *b, kf_ratio q)
{
    kf_buf_printf(b, "\"%lld/%lld\"", (long long)q.num, (long long)q.den);
}

/* The names of the bits set in `bits`, of those in `all` (bits 0, 1, ...). */
static void json_bits(kf_buf *b, const char *(*name)(unsigned), unsigned all, unsigned bits)
{
    bool first = true;
    kf_buf_puts(b, "[");
    for (unsigned bit = 1; bit & all; bit <<= 1) {
        if (!(bits & bit)) continue;
        if (!first) kf_buf_puts(b, ",");
        kf_buf_json_str(b, name(bit));
        first = false;
    }
    kf_buf_puts(b, "]");
}

/* The score without the locale: "3", "3.25". */
static void json_score(kf_buf *b, double x)
{
    if (!isfinite(x) || x < 0 || x > 1e9) x = 0;
    long long scaled = (long long)(x * 1e6 + 0.5);
    long long ip = scaled / 1000000, frac = scaled % 1000000;
    if (!frac) {
        kf_buf_printf(b, "%lld", ip);
        return;
    }
    int digits = 6;
    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    kf_buf_printf(b, "%lld.%0*lld", ip, digits, frac);
}

static void json_key(kf_buf *b, bool *first, const char *key)
{
    if (!*first) kf_buf_puts(b, ",");
    *first = false;
    kf_buf_json_str(b, key);
    kf_buf_puts(b, ":");
}

static void json_int(kf_buf *b, bool *first, const char *key, int64_t v)
{
    json_key(b, first, key);
    kf_buf_printf(b, "%lld", (long long)v);
}

static void json_str(kf_buf *b, bool *first, const char *key, const char *v)
{
    json_key(b, first, key);
    kf_buf_json_str(b, v);
}

static void json_items(kf_buf *b, const kf_rules_item *items, int n)
{
    bool first = true;
    kf_buf_puts(b, "{");
    for (int i = 0; i < n; i++)
        json_str(b, &first, items[i].code, items[i].label);
    kf_buf_puts(b, "}");
}

#define KF_ST_ALL (KF_ST_REGISTERED | KF_ST_PROVISIONAL | KF_ST_DEREGISTERED)

static void json_menu(kf_buf *b, const kf_menu *m)
{
    bool f = true;
    kf_buf_puts(b, "{");
    json_str(b, &f, "name", m->name);
    json_str(b, &f, "source", kf_menu_source_name(m->source));
    json_str(b, &f, "review", kf_menu_review_name(m->review));
    json_int(b, &f, "min_reviewers", m->min_reviewers);
    json_key(b, &f, "pass_score");
    json_score(b, m->pass_score);
    json_key(b, &f, "rate");
    json_ratio(b, m->rate);
    json_int(b, &f, "cap", m->cap);
    for (int i = 0; i < m->ntiers; i++) {
        char key[32];
        snprintf(key, sizeof key, "tier.%lld", (long long)m->tiers[i].min_cost);
        json_key(b, &f, key);
        kf_buf_puts(b, "{\"rate\":");
        json_ratio(b, m->tiers[i].rate);
        kf_buf_printf(b, ",\"cap\":%lld}", (long long)m->tiers[i].cap);
    }
    json_int(b, &f, "min_award", m->min_award);
    json_int(b, &f, "round_down", m->round_down);
    json_int(b, &f, "round_budget", m->round_budget);
    json_key(b, &f, "group_types");
    json_bits(b, kf_group_type_name, KF_GT_ALL, m->group_types);
    json_key(b, &f, "statuses");
    json_bits(b, kf_group_status_name, KF_ST_ALL, m->statuses);
    json_int(b, &f, "min_members", m->min_members);
    json_key(b, &f, "members_exempt");
    json_bits(b, kf_group_type_name, KF_GT_ALL, m->members_exempt);
    json_int(b, &f, "min_years", m->min_years);
    json_int(b, &f, "max_years", m->max_years);
    json_int(b, &f, "partners_min", m->partners_min);
    json_int(b, &f, "max_awards", m->max_awards);
    json_int(b, &f, "max_consecutive", m->max_consecutive);
    json_str(b, &f, "exclusive", m->exclusive);
    json_key(b, &f, "expenses");
    json_bits(b, kf_expense_name, KF_EXP_ALL, m->expenses);
    kf_buf_puts(b, "}");
}

void cli_rules_json(const kf_rules *r, kf_buf *b)
{
    bool f = true;
    char fy[8];
    snprintf(fy, sizeof fy, "%02d-%02d", r->fy_start_month % 100, r->fy_start_day % 100);
    kf_buf_puts(b, "{\"fund\":{");
    json_str(b, &f, "name", r->fund_name);
    json_str(b, &f, "fy_start", fy);
    json_key(b, &f, "designated_share");
    json_ratio(b, r->designated_share);
    json_int(b, &f, "designated_round", r->designated_round);
    json_str(b, &f, "deregister_to", r->deregister_to);
    json_str(b, &f, "interest_to", r->interest_to);
    kf_buf_puts(b, "},\"fields\":");
    json_items(b, r->fields, r->nfields);
    kf_buf_puts(b, ",\"themes\":");
    json_items(b, r->themes, r->nthemes);
    kf_buf_puts(b, ",\"tiers\":{");
    f = true;
    for (int i = 0; i < r->ntiers; i++)
        json_int(b, &f, r->tiers[i].code, r->tiers[i].min);
    kf_buf_puts(b, "},\"menus\":{");
    f = true;
    for (int i = 0; i < r->nmenus; i++) {
        json_key(b, &f, r->menus[i].code);
        json_menu(b, &r->menus[i]);
    }
    kf_buf_puts(b, "}}");
}
