/*
 * Unit tests: grant applications (docs/ENTRIES.md, "Money out") — the application file, the
 * grant.apply entry fields, the ceiling arithmetic and eligibility, against
 * fixtures/rules.ini and the files in fixtures/applications.
 *
 * Every expected number is worked out by hand in the comment next to it.
 * The registry assumed throughout (fixtures/applications/README.md), with
 * applications dated 2026-05-01:
 *   G001 volunteer    founded 2020-04-01, 12 members, registered  (age 6)
 *   G002 neighborhood founded 2024-06-01,  4 members, provisional (age 1)
 *   G003 npo          founded 2015-01-01, 25 members, registered  (age 11)
 *   G004 other        founded 2025-10-01,  6 members, registered  (age 0)
 */
#include "check_common.h"
#include "kifu/common.h"
#include "kifu/entry.h"
#include "kifu/grants.h"
#include "kifu/rules.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kf_rules *R;

/* ---- files ------------------------------------------------------------------ */

/* Reads fixtures/<rel> from KIFU_SRC or a relative fallback; NULL if absent. */
static char *read_src(const char *rel, size_t *len)
{
    char paths[4][4096];
    int n = 0;
    const char *src = getenv("KIFU_SRC");
    if (src && *src) snprintf(paths[n++], sizeof paths[0], "%s/fixtures/%s", src, rel);
    snprintf(paths[n++], sizeof paths[0], "fixtures/%s", rel);
    snprintf(paths[n++], sizeof paths[0], "../fixtures/%s", rel);
    snprintf(paths[n++], sizeof paths[0], "../../fixtures/%s", rel);
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "rb");
        if (!f) continue;
        size_t cap = 1 << 16;
        char *buf = malloc(cap);
        ck_assert_ptr_nonnull(buf);
        *len = fread(buf, 1, cap - 1, f);
        fclose(f);
        buf[*len] = '\0';
        return buf;
    }
    return NULL;
}

static void setup(void)
{
    R = calloc(1, sizeof *R);
    ck_assert_ptr_nonnull(R);
    size_t len;
    char *text = read_src("rules.ini", &len);
    ck_assert_msg(text != NULL, "fixtures/rules.ini not found (set KIFU_SRC)");
    kf_err err = {0};
    kf_code rc = kf_rules_parse(text, len, "rules.ini", R, &err);
    free(text);
    ck_assert_msg(rc == KF_OK, "rules.ini: %s", err.msg);
}

static void teardown(void)
{
    free(R);
    R = NULL;
}

static const kf_menu *menu(const char *code)
{
    const kf_menu *m = kf_rules_menu(R, code);
    ck_assert_msg(m != NULL, "menu %s not in rules.ini", code);
    return m;
}

/* ---- the registry and applications built in code ------------------------------- */

static void group_set(kf_group *g, const char *id, unsigned type, const char *founded,
                      int64_t members, unsigned status)
{
    memset(g, 0, sizeof *g);
    snprintf(g->id, sizeof g->id, "%s", id);
    snprintf(g->name, sizeof g->name, "group %s", id);
    g->type = type;
    snprintf(g->founded, sizeof g->founded, "%s", founded);
    g->members = members;
    g->status = status;
}

/* found=false for an id outside G001..G004. */
static bool registry(const char *id, kf_group *g)
{
    if (strcmp(id, "G001") == 0)
        group_set(g, id, KF_GT_VOLUNTEER, "2020-04-01", 12, KF_ST_REGISTERED);
    else if (strcmp(id, "G002") == 0)
        group_set(g, id, KF_GT_NEIGHBORHOOD, "2024-06-01", 4, KF_ST_PROVISIONAL);
    else if (strcmp(id, "G003") == 0)
        group_set(g, id, KF_GT_NPO, "2015-01-01", 25, KF_ST_REGISTERED);
    else if (strcmp(id, "G004") == 0)
        group_set(g, id, KF_GT_OTHER, "2025-10-01", 6, KF_ST_REGISTERED);
    else
        return false;
    return true;
}

/* Facts as the caller would gather them, without any history. */
static void facts_for(const kf_application *a, kf_grant_facts *f)
{
    memset(f, 0, sizeof *f);
    f->group_found = registry(a->group, &f->group);
    for (int i = 0; i < a->npartners; i++) {
        kf_group p;
        if (!registry(a->partners[i], &p) || p.status != KF_ST_REGISTERED)
            f->partners_unregistered++;
    }
}

static void app_init(kf_application *a, const char *menu_code, const char *group)
{
    memset(a, 0, sizeof *a);
    snprintf(a->menu, sizeof a->menu, "%s", menu_code);
    snprintf(a->round, sizeof a->round, "2026-early");
    snprintf(a->group, sizeof a->group, "%s", group);
    snprintf(a->title, sizeof a->title, "test project");
    snprintf(a->start, sizeof a->start, "2026-06-01");
    snprintf(a->end, sizeof a->end, "2027-01-31");
    snprintf(a->date, sizeof a->date, "2026-05-01");
    a->requested = 10000000; /* large: tests limit by rate and cap unless they lower it */
}

static void add_line(kf_application *a, unsigned cat, kf_yen amount)
{
    ck_assert_int_lt(a->nlines, KF_APP_MAX_LINES);
    a->lines[a->nlines].category = cat;
    a->lines[a->nlines].amount = amount;
    a->nlines++;
}

static void add_partner(kf_application *a, const char *id)
{
    snprintf(a->partners[a->npartners], sizeof a->partners[0], "%s", id);
    a->npartners++;
}

/* The reasons joined by commas ("" when eligible). */
static const char *reasons(const kf_eval *ev)
{
    static char buf[512];
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < ev->nreasons; i++) {
        int w = snprintf(buf + n, sizeof buf - n, "%s%s", i ? "," : "", ev->reasons[i]);
        ck_assert(w > 0 && (size_t)w < sizeof buf - n);
        n += (size_t)w;
    }
    return buf;
}

/* Evaluates a against menu code with the registry's facts (plus *extra's
 * history if given) and checks the reasons and eligibility. */
static kf_eval eval_app(const char *menu_code, const kf_application *a, const kf_grant_facts *f)
{
    kf_eval ev;
    kf_grant_evaluate(R, menu(menu_code), a, f, &ev);
    ck_assert(ev.eligible == (ev.nreasons == 0));
    return ev;
}

static kf_eval eval_plain(const char *menu_code, const kf_application *a)
{
    kf_grant_facts f;
    facts_for(a, &f);
    return eval_app(menu_code, a, &f);
}

/* ---- ceilings, menu by menu ---------------------------------------------------- */

START_TEST(designated_ceiling)
{
    kf_application a;
    kf_ceiling c;
    app_init(&a, "designated", "G003");
    add_line(&a, KF_EXP_HONORARIA, 100000);
    add_line(&a, KF_EXP_RENTAL, 23456);
    add_line(&a, KF_EXP_RUNNING, 500000);
    kf_grant_ceiling(menu("designated"), &a, &c);
    /* all lines 100000 + 23456 + 500000 = 623456 */
    ck_assert_int_eq(c.budget_total, 623456);
    /* running is not a designated expense: 100000 + 23456 = 123456 */
    ck_assert_int_eq(c.eligible_lines, 123456);
    ck_assert_int_eq(c.eligible_cost, 123456);
    ck_assert_int_eq(c.tier, -1);
    ck_assert_int_eq(c.rate.num, 10);
    ck_assert_int_eq(c.rate.den, 10);
    ck_assert_int_eq(c.cap, 0);
    /* 123456 x 10/10 = 123456, no cap, requested 10000000 */
    ck_assert_int_eq(c.by_rate, 123456);
    ck_assert_int_eq(c.capped, 123456);
    /* rounded down to 1000 */
    ck_assert_int_eq(c.ceiling, 123000);

    /* income 23456: 123456 - 23456 = 100000, already a multiple of 1000 */
    a.income = 23456;
    kf_grant_ceiling(menu("designated"), &a, &c);
    ck_assert_int_eq(c.eligible_lines, 123456);
    ck_assert_int_eq(c.eligible_cost, 100000);
    ck_assert_int_eq(c.ceiling, 100000);

    /* requested 99999 limits it: 99999 -> 99000 */
    a.requested = 99999;
    kf_grant_ceiling(menu("designated"), &a, &c);
    ck_assert_int_eq(c.by_rate, 100000);
    ck_assert_int_eq(c.capped, 99999);
    ck_assert_int_eq(c.ceiling, 99000);

    /* income 200000 > 123456 eligible lines: eligible cost 0 -> only `expenses`
     * (min_award 0, so 0 < 0 is no below_min) */
    a.income = 200000;
    kf_eval ev = eval_plain("designated", &a);
    ck_assert_int_eq(ev.c.eligible_cost, 0);
    ck_assert_int_eq(ev.c.ceiling, 0);
    ck_assert_str_eq(reasons(&ev), "expenses");
    ck_assert(!ev.eligible);

    /* income exactly equal to the eligible lines is also 0 */
    a.income = 123456;
    kf_grant_ceiling(menu("designated"), &a, &c);
    ck_assert_int_eq(c.eligible_cost, 0);

    /* income 123455 leaves 1 yen: by rate 1, rounded down to 0; still `expenses`
     * passes (eligible cost 1 > 0) */
    a.income = 123455;
    a.requested = 1000000;
    ev = eval_plain("designated", &a);
    ck_assert_int_eq(ev.c.eligible_cost, 1);
    ck_assert_int_eq(ev.c.ceiling, 0);
    ck_assert_str_eq(reasons(&ev), "");
    ck_assert(ev.eligible);
}
END_TEST

START_TEST(field_ceiling)
{
    kf_application a;
    app_init(&a, "field", "G001");
    snprintf(a.field, sizeof a.field, "welfare");
    /* the example application of fixtures/applications/README.md */
    add_line(&a, KF_EXP_HONORARIA, 100000);
    add_line(&a, KF_EXP_RENTAL, 120000);
    add_line(&a, KF_EXP_EQUIPMENT, 250000);
    add_line(&a, KF_EXP_RUNNING, 80000);
    a.income = 50000;
    a.requested = 400000;
    kf_eval ev = eval_plain("field", &a);
    /* 100000 + 120000 + 250000 = 470000 eligible lines, + running 80000 = 550000 */
    ck_assert_int_eq(ev.c.budget_total, 550000);
    ck_assert_int_eq(ev.c.eligible_lines, 470000);
    /* 470000 - income 50000 = 420000 */
    ck_assert_int_eq(ev.c.eligible_cost, 420000);
    ck_assert_int_eq(ev.c.tier, -1);
    /* 420000 eligible x 8/10 = 336000, under cap 500000, already a multiple of 1000 */
    ck_assert_int_eq(ev.c.by_rate, 336000);
    ck_assert_int_eq(ev.c.capped, 336000);
    ck_assert_int_eq(ev.c.ceiling, 336000);
    ck_assert_str_eq(reasons(&ev), "");
    ck_assert(ev.eligible);

    /* requested 299999 < 336000: capped 299999, rounded down to 299000 */
    a.requested = 299999;
    ev = eval_plain("field", &a);
    ck_assert_int_eq(ev.c.capped, 299999);
    ck_assert_int_eq(ev.c.ceiling, 299000);

    /* by rate not a multiple of 1000: income 50001 -> 419999 x 8/10 = 335999.2
     * -> 335999 -> 335000 */
    a.requested = 400000;
    a.income = 50001;
    ev = eval_plain("field", &a);
    ck_assert_int_eq(ev.c.eligible_cost, 419999);
    ck_assert_int_eq(ev.c.by_rate, 335999);
    ck_assert_int_eq(ev.c.ceiling, 335000);

    /* the cap: 700000 x 8/10 = 560000 > cap 500000 -> 500000 */
    app_init(&a, "field", "G001");
    snprintf(a.field, sizeof a.field, "welfare");
    add_line(&a, KF_EXP_SERVICES, 400000);
    add_line(&a, KF_EXP_TRAVEL, 300000);
    add_line(&a, KF_EXP_RUNNING, 999000);
    ev = eval_plain("field", &a);
    ck_assert_int_eq(ev.c.eligible_cost, 700000);
    ck_assert_int_eq(ev.c.by_rate, 560000);
    ck_assert_int_eq(ev.c.cap, 500000);
    ck_assert_int_eq(ev.c.capped, 500000);
    ck_assert_int_eq(ev.c.ceiling, 500000);
    ck_assert(ev.eligible);
}
END_TEST

START_TEST(field_tier_boundary)
{
    kf_application a;
    kf_ceiling c;
    const kf_menu *m = menu("field");
    app_init(&a, "field", "G003");
    /* lines 1050001 - income 50000 = 1000001, with running 300000 left out */
    add_line(&a, KF_EXP_EQUIPMENT, 1050001);
    add_line(&a, KF_EXP_RUNNING, 300000);
    a.income = 50000;
    kf_grant_ceiling(m, &a, &c);
    ck_assert_int_eq(c.eligible_cost, 1000001);
    /* 1000001 < 1000002: the base rate 8/10 and cap 500000 */
    ck_assert_int_eq(c.tier, -1);
    ck_assert_int_eq(c.rate.num, 8);
    ck_assert_int_eq(c.rate.den, 10);
    ck_assert_int_eq(c.cap, 500000);
    /* 1000001 x 8/10 = 800000.8 -> 800000, capped at 500000 */
    ck_assert_int_eq(c.by_rate, 800000);
    ck_assert_int_eq(c.capped, 500000);
    ck_assert_int_eq(c.ceiling, 500000);

    /* one yen more: 1000002 >= 1000002, tier 1/2 cap 1000000 */
    a.lines[0].amount = 1050002;
    kf_grant_ceiling(m, &a, &c);
    ck_assert_int_eq(c.eligible_cost, 1000002);
    ck_assert_int_eq(c.tier, 0);
    ck_assert_int_eq(c.rate.num, 1);
    ck_assert_int_eq(c.rate.den, 2);
    ck_assert_int_eq(c.cap, 1000000);
    /* 1000002 x 1/2 = 500001, under cap 1000000 and requested -> 500001 -> 500000 */
    ck_assert_int_eq(c.by_rate, 500001);
    ck_assert_int_eq(c.capped, 500001);
    ck_assert_int_eq(c.ceiling, 500000);

    /* 3000000 x 1/2 = 1500000 > tier cap 1000000 -> 1000000 */
    a.lines[0].amount = 3050000;
    kf_grant_ceiling(m, &a, &c);
    ck_assert_int_eq(c.eligible_cost, 3000000);
    ck_assert_int_eq(c.tier, 0);
    ck_assert_int_eq(c.by_rate, 1500000);
    ck_assert_int_eq(c.capped, 1000000);
    ck_assert_int_eq(c.ceiling, 1000000);

    /* the same 3000000 with requested 777777: 777777 -> 777000 */
    a.requested = 777777;
    kf_grant_ceiling(m, &a, &c);
    ck_assert_int_eq(c.capped, 777777);
    ck_assert_int_eq(c.ceiling, 777000);

    /* the tier is chosen on the eligible cost, not the budget: lines 1000002
     * but income 1 -> 1000001 -> base rate */
    app_init(&a, "field", "G003");
    add_line(&a, KF_EXP_HONORARIA, 1000002);
    a.income = 1;
    kf_grant_ceiling(m, &a, &c);
    ck_assert_int_eq(c.eligible_cost, 1000001);
    ck_assert_int_eq(c.tier, -1);
    ck_assert_int_eq(c.ceiling, 500000);
}
END_TEST

START_TEST(tier_selection_among_several)
{
    /* a menu with three tiers: 1000 -> 9/10 cap 0, 5000 -> 1/2 cap 2000,
     * 10000 -> 1/4 cap 0; base 10/10 cap 0; round_down 1 */
    kf_menu m = *menu("designated");
    m.round_down = 1;
    m.ntiers = 3;
    m.tiers[0] = (kf_menu_tier){1000, {9, 10}, 0};
    m.tiers[1] = (kf_menu_tier){5000, {1, 2}, 2000};
    m.tiers[2] = (kf_menu_tier){10000, {1, 4}, 0};
    kf_application a;
    kf_ceiling c;
    app_init(&a, "designated", "G003");
    add_line(&a, KF_EXP_OTHER, 999);
    kf_grant_ceiling(&m, &a, &c);
    /* 999 < 1000: base 10/10 -> 999 */
    ck_assert_int_eq(c.tier, -1);
    ck_assert_int_eq(c.ceiling, 999);
    a.lines[0].amount = 1000;
    kf_grant_ceiling(&m, &a, &c);
    /* 1000: tier 0, 1000 x 9/10 = 900 */
    ck_assert_int_eq(c.tier, 0);
    ck_assert_int_eq(c.ceiling, 900);
    a.lines[0].amount = 4999;
    kf_grant_ceiling(&m, &a, &c);
    /* 4999 x 9/10 = 4499.1 -> 4499 */
    ck_assert_int_eq(c.tier, 0);
    ck_assert_int_eq(c.ceiling, 4499);
    a.lines[0].amount = 5000;
    kf_grant_ceiling(&m, &a, &c);
    /* 5000 x 1/2 = 2500 > cap 2000 -> 2000 */
    ck_assert_int_eq(c.tier, 1);
    ck_assert_int_eq(c.by_rate, 2500);
    ck_assert_int_eq(c.ceiling, 2000);
    a.lines[0].amount = 12345;
    kf_grant_ceiling(&m, &a, &c);
    /* 12345 x 1/4 = 3086.25 -> 3086, no cap */
    ck_assert_int_eq(c.tier, 2);
    ck_assert_int_eq(c.cap, 0);
    ck_assert_int_eq(c.ceiling, 3086);
}
END_TEST

START_TEST(small_ceiling)
{
    kf_application a;
    app_init(&a, "small", "G004");
    add_line(&a, KF_EXP_EQUIPMENT, 60000);
    add_line(&a, KF_EXP_OTHER, 27654);
    add_line(&a, KF_EXP_RUNNING, 30000);
    a.requested = 100000;
    kf_eval ev = eval_plain("small", &a);
    /* 60000 + 27654 = 87654 (running left out) x 10/10 = 87654 -> 87000 */
    ck_assert_int_eq(ev.c.budget_total, 117654);
    ck_assert_int_eq(ev.c.eligible_cost, 87654);
    ck_assert_int_eq(ev.c.by_rate, 87654);
    ck_assert_int_eq(ev.c.ceiling, 87000);
    ck_assert_str_eq(reasons(&ev), "");

    /* 150000 more equipment: 237654 x 10/10 > cap 100000 -> 100000 */
    add_line(&a, KF_EXP_EQUIPMENT, 150000);
    a.requested = 300000;
    ev = eval_plain("small", &a);
    ck_assert_int_eq(ev.c.eligible_cost, 237654);
    ck_assert_int_eq(ev.c.cap, 100000);
    ck_assert_int_eq(ev.c.capped, 100000);
    ck_assert_int_eq(ev.c.ceiling, 100000);

    /* income 200000: 237654 - 200000 = 37654 -> 37000 */
    a.income = 200000;
    ev = eval_plain("small", &a);
    ck_assert_int_eq(ev.c.eligible_cost, 37654);
    ck_assert_int_eq(ev.c.ceiling, 37000);
    ck_assert(ev.eligible);
}
END_TEST

START_TEST(collab_ceiling_and_partners)
{
    kf_application a;
    app_init(&a, "collab", "G003");
    add_partner(&a, "G001");
    snprintf(a.city_partner, sizeof a.city_partner, "市民自治推進室");
    add_line(&a, KF_EXP_HONORARIA, 300000);
    add_line(&a, KF_EXP_RENTAL, 200000);
    add_line(&a, KF_EXP_SERVICES, 300000);
    add_line(&a, KF_EXP_RUNNING, 50000);
    a.income = 100000;
    a.requested = 600000;
    kf_eval ev = eval_plain("collab", &a);
    /* 800000 - 100000 = 700000 x 8/10 = 560000 > cap 500000 -> 500000 */
    ck_assert_int_eq(ev.c.eligible_cost, 700000);
    ck_assert_int_eq(ev.c.by_rate, 560000);
    ck_assert_int_eq(ev.c.ceiling, 500000);
    ck_assert_str_eq(reasons(&ev), "");

    /* no partners at all: 0 < partners_min 1 */
    a.npartners = 0;
    a.city_partner[0] = '\0';
    ev = eval_plain("collab", &a);
    ck_assert_str_eq(reasons(&ev), "partners");
    ck_assert_int_eq(ev.c.ceiling, 500000); /* the ceiling is still computed */

    /* a city partner alone counts */
    snprintf(a.city_partner, sizeof a.city_partner, "市民自治推進室");
    ev = eval_plain("collab", &a);
    ck_assert_str_eq(reasons(&ev), "");

    /* a partner group alone counts */
    a.city_partner[0] = '\0';
    add_partner(&a, "G004");
    ev = eval_plain("collab", &a);
    ck_assert_str_eq(reasons(&ev), "");

    /* a provisional partner (G002) is an unregistered partner, even though the
     * count is enough */
    add_partner(&a, "G002");
    ev = eval_plain("collab", &a);
    ck_assert_str_eq(reasons(&ev), "partners");

    /* income and running: 100000 honoraria + 500000 running - income 20000
     * = 80000 x 8/10 = 64000 */
    app_init(&a, "collab", "G001");
    add_partner(&a, "G003");
    add_line(&a, KF_EXP_HONORARIA, 100000);
    add_line(&a, KF_EXP_RUNNING, 500000);
    a.income = 20000;
    ev = eval_plain("collab", &a);
    ck_assert_int_eq(ev.c.eligible_cost, 80000);
    ck_assert_int_eq(ev.c.ceiling, 64000);
    ck_assert(ev.eligible);
}
END_TEST

START_TEST(theme_ceiling_and_codes)
{
    kf_application a;
    app_init(&a, "theme", "G001");
    snprintf(a.theme, sizeof a.theme, "smart");
    add_line(&a, KF_EXP_SERVICES, 1600000);
    add_line(&a, KF_EXP_EQUIPMENT, 1000000);
    add_line(&a, KF_EXP_RUNNING, 400000);
    a.requested = 3000000;
    kf_eval ev = eval_plain("theme", &a);
    /* 2600000 x 10/10 = 2600000 > cap 2000000 -> 2000000 */
    ck_assert_int_eq(ev.c.eligible_cost, 2600000);
    ck_assert_int_eq(ev.c.by_rate, 2600000);
    ck_assert_int_eq(ev.c.cap, 2000000);
    ck_assert_int_eq(ev.c.ceiling, 2000000);
    ck_assert_str_eq(reasons(&ev), "");

    /* income 2500001: 99999 -> 99000 < min_award 100000 */
    a.income = 2500001;
    ev = eval_plain("theme", &a);
    ck_assert_int_eq(ev.c.eligible_cost, 99999);
    ck_assert_int_eq(ev.c.ceiling, 99000);
    ck_assert_str_eq(reasons(&ev), "below_min");
    /* income 2500000: 100000 -> exactly min_award: fine */
    a.income = 2500000;
    ev = eval_plain("theme", &a);
    ck_assert_int_eq(ev.c.ceiling, 100000);
    ck_assert_str_eq(reasons(&ev), "");

    /* unknown and missing theme codes; a field code is no theme */
    snprintf(a.theme, sizeof a.theme, "green");
    ev = eval_plain("theme", &a);
    ck_assert_str_eq(reasons(&ev), "theme");
    a.theme[0] = '\0';
    ev = eval_plain("theme", &a);
    ck_assert_str_eq(reasons(&ev), "theme");
    snprintf(a.theme, sizeof a.theme, "welfare");
    ev = eval_plain("theme", &a);
    ck_assert_str_eq(reasons(&ev), "theme");
    /* a theme menu does not look at the field */
    snprintf(a.theme, sizeof a.theme, "smart");
    snprintf(a.field, sizeof a.field, "nonsense");
    ev = eval_plain("theme", &a);
    ck_assert_str_eq(reasons(&ev), "");

    /* and a field menu does not look at the theme; a theme code is no field */
    app_init(&a, "field", "G001");
    add_line(&a, KF_EXP_EQUIPMENT, 200000);
    snprintf(a.theme, sizeof a.theme, "nonsense");
    snprintf(a.field, sizeof a.field, "children");
    ev = eval_plain("field", &a);
    ck_assert_str_eq(reasons(&ev), "");
    snprintf(a.field, sizeof a.field, "smart");
    ev = eval_plain("field", &a);
    ck_assert_str_eq(reasons(&ev), "field");
    a.field[0] = '\0';
    ev = eval_plain("field", &a);
    ck_assert_str_eq(reasons(&ev), "field");
}
END_TEST

START_TEST(ceiling_extremes)
{
    /* huge amounts saturate instead of overflowing (UBSan would catch it) */
    kf_application a;
    kf_ceiling c;
    app_init(&a, "field", "G003");
    add_line(&a, KF_EXP_EQUIPMENT, INT64_MAX);
    add_line(&a, KF_EXP_RENTAL, INT64_MAX);
    a.requested = KF_YEN_MAX_ONE;
    kf_grant_ceiling(menu("field"), &a, &c);
    ck_assert_int_eq(c.budget_total, INT64_MAX);
    ck_assert_int_eq(c.eligible_cost, INT64_MAX);
    ck_assert_int_eq(c.tier, 0);
    /* INT64_MAX / 2 rounded down */
    ck_assert_int_eq(c.by_rate, INT64_MAX / 2);
    /* tier cap 1000000 */
    ck_assert_int_eq(c.ceiling, 1000000);

    /* 64 lines of the largest amount: 64 x 10^12, rate 10/10, no cap */
    app_init(&a, "designated", "G003");
    for (int i = 0; i < KF_APP_MAX_LINES; i++)
        add_line(&a, KF_EXP_OTHER, KF_YEN_MAX_ONE);
    a.requested = KF_YEN_MAX_ONE;
    kf_grant_ceiling(menu("designated"), &a, &c);
    ck_assert_int_eq(c.eligible_cost, INT64_C(64000000000000));
    ck_assert_int_eq(c.by_rate, INT64_C(64000000000000));
    ck_assert_int_eq(c.ceiling, KF_YEN_MAX_ONE);

    /* no lines at all */
    app_init(&a, "designated", "G003");
    kf_grant_ceiling(menu("designated"), &a, &c);
    ck_assert_int_eq(c.budget_total, 0);
    ck_assert_int_eq(c.ceiling, 0);
}
END_TEST

/* ---- every reason code ------------------------------------------------------------ */

START_TEST(reason_status)
{
    kf_application a;
    kf_grant_facts f;
    kf_eval ev;
    /* G002 is provisional; field wants registered. Neighborhood groups are
     * exempt from min_members, its age is 1 >= 1: only status.
     * 250000 x 8/10 = 200000 */
    app_init(&a, "field", "G002");
    snprintf(a.field, sizeof a.field, "machizukuri");
    add_line(&a, KF_EXP_RENTAL, 150000);
    add_line(&a, KF_EXP_EQUIPMENT, 100000);
    ev = eval_plain("field", &a);
    ck_assert_str_eq(reasons(&ev), "status");
    ck_assert_int_eq(ev.c.ceiling, 200000);

    /* the same group is fine for small (registered, provisional) but has 4 < 5
     * members there */
    app_init(&a, "small", "G002");
    add_line(&a, KF_EXP_RENTAL, 30000);
    ev = eval_plain("small", &a);
    ck_assert_str_eq(reasons(&ev), "members");

    /* group not found: status only, group_type/members/age skipped even on a
     * menu with min_members 10 and min_years 1 */
    app_init(&a, "field", "G999");
    snprintf(a.field, sizeof a.field, "welfare");
    add_line(&a, KF_EXP_RENTAL, 200000);
    facts_for(&a, &f);
    ck_assert(!f.group_found);
    ev = eval_app("field", &a, &f);
    ck_assert_str_eq(reasons(&ev), "status");
    ck_assert_int_eq(ev.c.ceiling, 160000); /* 200000 x 8/10 */

    /* deregistered never passes, even where the menu lists it */
    kf_menu m = *menu("designated");
    m.statuses = KF_ST_REGISTERED | KF_ST_PROVISIONAL | KF_ST_DEREGISTERED;
    app_init(&a, "designated", "G001");
    add_line(&a, KF_EXP_RENTAL, 10000);
    facts_for(&a, &f);
    kf_grant_evaluate(R, &m, &a, &f, &ev);
    ck_assert_str_eq(reasons(&ev), "");
    f.group.status = KF_ST_DEREGISTERED;
    kf_grant_evaluate(R, &m, &a, &f, &ev);
    ck_assert_str_eq(reasons(&ev), "status");
    ck_assert(!ev.eligible);
}
END_TEST

START_TEST(reason_group_type)
{
    /* no shipped menu restricts group types: a copy of designated for NPOs and
     * committees only */
    kf_menu m = *menu("designated");
    m.group_types = KF_GT_NPO | KF_GT_COMMITTEE;
    kf_application a;
    kf_grant_facts f;
    kf_eval ev;
    app_init(&a, "designated", "G001");
    add_line(&a, KF_EXP_RENTAL, 10000);
    facts_for(&a, &f);
    kf_grant_evaluate(R, &m, &a, &f, &ev);
    ck_assert_str_eq(reasons(&ev), "group_type");
    ck_assert_int_eq(ev.c.ceiling, 10000);
    app_init(&a, "designated", "G003");
    add_line(&a, KF_EXP_RENTAL, 10000);
    facts_for(&a, &f);
    kf_grant_evaluate(R, &m, &a, &f, &ev);
    ck_assert_str_eq(reasons(&ev), "");
}
END_TEST

START_TEST(reason_members)
{
    kf_application a;
    kf_grant_facts f;
    kf_eval ev;
    /* field: min_members 10. G004 has 6 and is founded 2025-10-01 -> also age */
    app_init(&a, "field", "G004");
    snprintf(a.field, sizeof a.field, "culture");
    add_line(&a, KF_EXP_HONORARIA, 200000);
    ev = eval_plain("field", &a);
    ck_assert_str_eq(reasons(&ev), "members,age");

    /* 10 members exactly is enough; 9 is not (age made fine with a later date) */
    snprintf(a.date, sizeof a.date, "2026-10-01");
    facts_for(&a, &f);
    f.group.members = 10;
    ev = eval_app("field", &a, &f);
    ck_assert_str_eq(reasons(&ev), "");
    f.group.members = 9;
    ev = eval_app("field", &a, &f);
    ck_assert_str_eq(reasons(&ev), "members");

    /* neighborhood groups are exempt in field: G002 with 4 members passes
     * members when its status is allowed */
    kf_menu m = *menu("field");
    m.statuses = KF_ST_REGISTERED | KF_ST_PROVISIONAL;
    app_init(&a, "field", "G002");
    snprintf(a.field, sizeof a.field, "machizukuri");
    add_line(&a, KF_EXP_HONORARIA, 200000);
    facts_for(&a, &f);
    kf_grant_evaluate(R, &m, &a, &f, &ev);
    ck_assert_str_eq(reasons(&ev), "");
    /* not exempt in small (min_members 5) */
    app_init(&a, "small", "G002");
    add_line(&a, KF_EXP_HONORARIA, 20000);
    ev = eval_plain("small", &a);
    ck_assert_str_eq(reasons(&ev), "members");
}
END_TEST

START_TEST(reason_age)
{
    kf_application a;
    kf_grant_facts f;
    kf_eval ev;
    /* small: max_years 3. G001 founded 2020-04-01 is 6 on 2026-05-01 */
    app_init(&a, "small", "G001");
    add_line(&a, KF_EXP_EQUIPMENT, 50000);
    ev = eval_plain("small", &a);
    ck_assert_str_eq(reasons(&ev), "age");
    ck_assert_int_eq(ev.c.ceiling, 50000);

    /* a group founded 2023-05-02: age 2 on 2026-05-01 (passes), 3 on 2026-05-02
     * (3 is not below 3) */
    facts_for(&a, &f);
    snprintf(f.group.founded, sizeof f.group.founded, "2023-05-02");
    ev = eval_app("small", &a, &f);
    ck_assert_str_eq(reasons(&ev), "");
    snprintf(a.date, sizeof a.date, "2026-05-02");
    ev = eval_app("small", &a, &f);
    ck_assert_str_eq(reasons(&ev), "age");

    /* field: min_years 1. A 12-member group founded 2025-10-01 is 0 on
     * 2026-09-30 and 1 on 2026-10-01 */
    app_init(&a, "field", "G004");
    snprintf(a.field, sizeof a.field, "welfare");
    add_line(&a, KF_EXP_EQUIPMENT, 200000);
    facts_for(&a, &f);
    f.group.members = 12;
    snprintf(a.date, sizeof a.date, "2026-09-30");
    ev = eval_app("field", &a, &f);
    ck_assert_str_eq(reasons(&ev), "age");
    snprintf(a.date, sizeof a.date, "2026-10-01");
    ev = eval_app("field", &a, &f);
    ck_assert_str_eq(reasons(&ev), "");

    /* without an application date the age cannot be known: fails where the
     * menu has age limits, ignored where it has none */
    a.date[0] = '\0';
    ev = eval_app("field", &a, &f);
    ck_assert_str_eq(reasons(&ev), "age");
    app_init(&a, "designated", "G004");
    add_line(&a, KF_EXP_EQUIPMENT, 20000);
    a.date[0] = '\0';
    ev = eval_plain("designated", &a);
    ck_assert_str_eq(reasons(&ev), "");
}
END_TEST

START_TEST(reason_history)
{
    kf_application a;
    kf_grant_facts f;
    kf_eval ev;
    /* field: max_awards 3 */
    app_init(&a, "field", "G001");
    snprintf(a.field, sizeof a.field, "welfare");
    add_line(&a, KF_EXP_EQUIPMENT, 200000);
    facts_for(&a, &f);
    f.awards_in_menu = 2;
    ev = eval_app("field", &a, &f);
    ck_assert_str_eq(reasons(&ev), "");
    f.awards_in_menu = 3;
    ev = eval_app("field", &a, &f);
    ck_assert_str_eq(reasons(&ev), "max_awards");
    /* designated has no limit */
    ev = eval_app("designated", &a, &f);
    ck_assert_str_eq(reasons(&ev), "");

    /* small: max_consecutive 3 */
    app_init(&a, "small", "G004");
    add_line(&a, KF_EXP_EQUIPMENT, 50000);
    facts_for(&a, &f);
    f.consecutive_years = 2;
    ev = eval_app("small", &a, &f);
    ck_assert_str_eq(reasons(&ev), "");
    f.consecutive_years = 3;
    ev = eval_app("small", &a, &f);
    ck_assert_str_eq(reasons(&ev), "consecutive");
    /* field has no max_consecutive */
    app_init(&a, "field", "G003");
    snprintf(a.field, sizeof a.field, "welfare");
    add_line(&a, KF_EXP_EQUIPMENT, 200000);
    facts_for(&a, &f);
    f.consecutive_years = 10;
    ev = eval_app("field", &a, &f);
    ck_assert_str_eq(reasons(&ev), "");

    /* exclusive: field, small and theme share "annual"; collab has no tag */
    f.consecutive_years = 0;
    f.exclusive_taken = true;
    ev = eval_app("field", &a, &f);
    ck_assert_str_eq(reasons(&ev), "exclusive");
    app_init(&a, "collab", "G003");
    add_partner(&a, "G001");
    add_line(&a, KF_EXP_EQUIPMENT, 200000);
    facts_for(&a, &f);
    f.exclusive_taken = true;
    ev = eval_app("collab", &a, &f);
    ck_assert_str_eq(reasons(&ev), "");

    /* duplicate applies to every menu */
    f.exclusive_taken = false;
    f.duplicate = true;
    ev = eval_app("collab", &a, &f);
    ck_assert_str_eq(reasons(&ev), "duplicate");
    ck_assert(!ev.eligible);
}
END_TEST

START_TEST(reason_expenses_and_below_min)
{
    kf_application a;
    kf_eval ev;
    /* field: only running -> eligible cost 0 -> expenses; ceiling 0 < 100000 */
    app_init(&a, "field", "G001");
    snprintf(a.field, sizeof a.field, "welfare");
    add_line(&a, KF_EXP_RUNNING, 200000);
    add_line(&a, KF_EXP_RUNNING, 100000);
    ev = eval_plain("field", &a);
    ck_assert_int_eq(ev.c.budget_total, 300000);
    ck_assert_int_eq(ev.c.eligible_lines, 0);
    ck_assert_int_eq(ev.c.eligible_cost, 0);
    ck_assert_int_eq(ev.c.ceiling, 0);
    ck_assert_str_eq(reasons(&ev), "expenses,below_min");

    /* a menu that funds running costs: expenses = all */
    kf_menu m = *menu("field");
    m.expenses = KF_EXP_ALL;
    kf_grant_facts f;
    facts_for(&a, &f);
    kf_grant_evaluate(R, &m, &a, &f, &ev);
    /* 300000 x 8/10 = 240000 */
    ck_assert_int_eq(ev.c.eligible_cost, 300000);
    ck_assert_int_eq(ev.c.ceiling, 240000);
    ck_assert_str_eq(reasons(&ev), "");

    /* below_min at the edge: 124999 x 8/10 = 99999.2 -> 99999 -> 99000 < 100000;
     * 125000 x 8/10 = 100000 -> ok */
    app_init(&a, "field", "G001");
    snprintf(a.field, sizeof a.field, "welfare");
    add_line(&a, KF_EXP_HONORARIA, 90000);
    add_line(&a, KF_EXP_TRAVEL, 39999);
    add_line(&a, KF_EXP_RUNNING, 100000);
    a.income = 5000;
    ev = eval_plain("field", &a);
    ck_assert_int_eq(ev.c.eligible_cost, 124999);
    ck_assert_int_eq(ev.c.by_rate, 99999);
    ck_assert_int_eq(ev.c.ceiling, 99000);
    ck_assert_str_eq(reasons(&ev), "below_min");
    a.income = 4999;
    ev = eval_plain("field", &a);
    ck_assert_int_eq(ev.c.eligible_cost, 125000);
    ck_assert_int_eq(ev.c.ceiling, 100000);
    ck_assert_str_eq(reasons(&ev), "");
    /* below_min because of a small request: 99999 requested -> 99000 */
    a.requested = 99999;
    ev = eval_plain("field", &a);
    ck_assert_int_eq(ev.c.ceiling, 99000);
    ck_assert_str_eq(reasons(&ev), "below_min");
}
END_TEST

START_TEST(reasons_in_spec_order)
{
    /* everything wrong at once on a field-like menu that also wants NPOs, two
     * partners and at most 1 consecutive year */
    kf_menu m = *menu("field");
    m.group_types = KF_GT_NPO;
    m.partners_min = 2;
    m.max_consecutive = 1;
    kf_application a;
    app_init(&a, "field", "G004");
    add_partner(&a, "G002");
    add_line(&a, KF_EXP_RUNNING, 100000);
    kf_grant_facts f;
    facts_for(&a, &f);
    f.group.status = KF_ST_PROVISIONAL;
    f.awards_in_menu = 5;
    f.consecutive_years = 1;
    f.exclusive_taken = true;
    f.duplicate = true;
    ck_assert_int_eq(f.partners_unregistered, 1);
    kf_eval ev;
    kf_grant_evaluate(R, &m, &a, &f, &ev);
    ck_assert_str_eq(reasons(&ev), "status,group_type,members,age,partners,max_awards,"
                                   "consecutive,exclusive,expenses,below_min,duplicate,field");
    ck_assert_int_eq(ev.nreasons, 12);
    ck_assert(!ev.eligible);

    /* the same on a theme menu ends with theme, not field */
    m.source = KF_SRC_THEME;
    kf_grant_evaluate(R, &m, &a, &f, &ev);
    ck_assert_str_eq(reasons(&ev), "status,group_type,members,age,partners,max_awards,"
                                   "consecutive,exclusive,expenses,below_min,duplicate,theme");

    /* an unknown group skips group_type, members and age */
    f.group_found = false;
    kf_grant_evaluate(R, &m, &a, &f, &ev);
    ck_assert_str_eq(reasons(&ev), "status,partners,max_awards,consecutive,exclusive,expenses,"
                                   "below_min,duplicate,theme");
}
END_TEST

/* ---- the fixture applications ------------------------------------------------------ */

typedef struct {
    const char *file;
    const char *menu, *group;
    int awards, consecutive;
    bool exclusive, duplicate;
    const char *reasons;
    kf_yen eligible_cost, ceiling;
    int tier;
} fixture_case;

/* fixtures/applications/README.md lists the same outcomes. */
static const fixture_case fixture_cases[] = {
    /* 80000 + 53456 - 10000 = 123456 x 10/10 -> 123000 */
    {"designated-ok.ini", "designated", "G003", 0, 0, false, false, "", 123456, 123000, -1},
    /* G999 not registered: status; 50000 x 10/10 = 50000 */
    {"designated-unknown-group.ini", "designated", "G999", 0, 0, false, false, "status", 50000,
     50000, -1},
    /* 470000 - 50000 = 420000 x 8/10 = 336000 */
    {"field-ok.ini", "field", "G001", 0, 0, false, false, "", 420000, 336000, -1},
    /* field-ok after 3 field awards to G001 */
    {"field-ok.ini", "field", "G001", 3, 0, false, false, "max_awards", 420000, 336000, -1},
    /* field-ok after G001 got an award in a menu tagged annual this FY */
    {"field-ok.ini", "field", "G001", 0, 0, true, false, "exclusive", 420000, 336000, -1},
    /* recorded after field-ok.ini */
    {"field-duplicate.ini", "field", "G001", 0, 0, false, true, "duplicate", 420000, 336000, -1},
    /* 1500000 >= 1000002: x 1/2 = 750000, under tier cap 1000000 and requested 900000 */
    {"field-tier.ini", "field", "G003", 0, 0, false, false, "", 1500000, 750000, 0},
    /* 250000 x 8/10 = 200000 */
    {"field-provisional.ini", "field", "G002", 0, 0, false, false, "status", 250000, 200000, -1},
    /* 200000 x 8/10 = 160000 */
    {"field-too-young.ini", "field", "G004", 0, 0, false, false, "members,age", 200000, 160000, -1},
    /* 129999 - 5000 = 124999 x 8/10 = 99999 -> 99000 */
    {"field-below-min.ini", "field", "G001", 0, 0, false, false, "below_min", 124999, 99000, -1},
    {"field-no-field.ini", "field", "G001", 0, 0, false, false, "field", 200000, 160000, -1},
    {"field-unknown-field.ini", "field", "G001", 0, 0, false, false, "field", 200000, 160000, -1},
    {"field-running-only.ini", "field", "G001", 0, 0, false, false, "expenses,below_min", 0, 0, -1},
    /* 60000 + 27654 = 87654 -> 87000 */
    {"small-ok.ini", "small", "G004", 0, 0, false, false, "", 87654, 87000, -1},
    /* small-ok after awards in FYs 2023..2025 */
    {"small-ok.ini", "small", "G004", 0, 3, false, false, "consecutive", 87654, 87000, -1},
    {"small-too-old.ini", "small", "G001", 0, 0, false, false, "age", 50000, 50000, -1},
    /* 30000 + 12500 = 42500 -> 42000 */
    {"small-few-members.ini", "small", "G002", 0, 0, false, false, "members", 42500, 42000, -1},
    /* max(0, 50000 - 80000) = 0 */
    {"small-income-exceeds.ini", "small", "G004", 0, 0, false, false, "expenses", 0, 0, -1},
    /* 800000 - 100000 = 700000 x 8/10 = 560000 -> cap 500000 */
    {"collab-ok.ini", "collab", "G003", 0, 0, false, false, "", 700000, 500000, -1},
    /* 125000 x 8/10 = 100000 */
    {"collab-city-partner.ini", "collab", "G001", 0, 0, false, false, "", 125000, 100000, -1},
    /* 100000 x 8/10 = 80000 */
    {"collab-no-partner.ini", "collab", "G001", 0, 0, false, false, "partners", 100000, 80000, -1},
    /* 250000 x 8/10 = 200000 */
    {"collab-partner-provisional.ini", "collab", "G003", 0, 0, false, false, "partners", 250000,
     200000, -1},
    /* 180000 + 95500 = 275500; requested 250500 -> 250000 */
    {"theme-ok.ini", "theme", "G001", 0, 0, false, false, "", 275500, 250000, -1},
    {"theme-ok.ini", "theme", "G001", 0, 0, true, false, "exclusive", 275500, 250000, -1},
    {"theme-unknown.ini", "theme", "G001", 0, 0, false, false, "theme", 150000, 150000, -1},
    {"theme-missing.ini", "theme", "G003", 0, 0, false, false, "theme", 120000, 120000, -1},
    /* 99999 -> 99000 < 100000 */
    {"theme-below-min.ini", "theme", "G003", 0, 0, false, false, "below_min", 99999, 99000, -1},
};

static kf_code parse_fixture_app(const char *file, kf_application *a, kf_err *err)
{
    char rel[256];
    size_t len;
    snprintf(rel, sizeof rel, "applications/%s", file);
    char *text = read_src(rel, &len);
    ck_assert_msg(text != NULL, "fixtures/%s not found (set KIFU_SRC)", rel);
    memset(err, 0, sizeof *err);
    kf_code rc = kf_application_parse(text, len, file, a, err);
    free(text);
    return rc;
}

START_TEST(fixture_outcomes)
{
    const fixture_case *fc = &fixture_cases[_i];
    kf_application a;
    kf_err err;
    kf_code rc = parse_fixture_app(fc->file, &a, &err);
    ck_assert_msg(rc == KF_OK, "%s: %s", fc->file, err.msg);
    ck_assert_str_eq(a.menu, fc->menu);
    ck_assert_str_eq(a.group, fc->group);
    ck_assert_str_eq(a.round, "2026-early");
    ck_assert_str_eq(a.date, "");
    snprintf(a.date, sizeof a.date, "2026-05-01");
    kf_grant_facts f;
    facts_for(&a, &f);
    f.awards_in_menu = fc->awards;
    f.consecutive_years = fc->consecutive;
    f.exclusive_taken = fc->exclusive;
    f.duplicate = fc->duplicate;
    kf_eval ev = eval_app(fc->menu, &a, &f);
    ck_assert_msg(strcmp(reasons(&ev), fc->reasons) == 0, "%s: reasons '%s', want '%s'", fc->file,
                  reasons(&ev), fc->reasons);
    ck_assert_msg(ev.c.eligible_cost == fc->eligible_cost, "%s: eligible_cost %lld, want %lld",
                  fc->file, (long long)ev.c.eligible_cost, (long long)fc->eligible_cost);
    ck_assert_msg(ev.c.ceiling == fc->ceiling, "%s: ceiling %lld, want %lld", fc->file,
                  (long long)ev.c.ceiling, (long long)fc->ceiling);
    ck_assert_int_eq(ev.c.tier, fc->tier);
    ck_assert(ev.eligible == (*fc->reasons == '\0'));
}
END_TEST

START_TEST(fixture_field_ok_values)
{
    kf_application a;
    kf_err err;
    kf_code rc = parse_fixture_app("field-ok.ini", &a, &err);
    ck_assert_msg(rc == KF_OK, "%s", err.msg);
    ck_assert_str_eq(a.id, "");
    ck_assert_int_eq(a.seq, 0);
    ck_assert_str_eq(a.menu, "field");
    ck_assert_str_eq(a.round, "2026-early");
    ck_assert_str_eq(a.group, "G001");
    ck_assert_int_eq(a.npartners, 0);
    ck_assert_str_eq(a.city_partner, "市民自治推進室");
    ck_assert_str_eq(a.field, "welfare");
    ck_assert_str_eq(a.theme, "");
    ck_assert_str_eq(a.title, "子ども食堂の開催");
    ck_assert_str_eq(a.start, "2026-06-01");
    ck_assert_str_eq(a.end, "2027-01-31");
    ck_assert_int_eq(a.requested, 400000);
    ck_assert_int_eq(a.income, 50000);
    ck_assert_int_eq(a.nlines, 4);
    ck_assert_uint_eq(a.lines[0].category, KF_EXP_HONORARIA);
    ck_assert_int_eq(a.lines[0].amount, 100000);
    ck_assert_str_eq(a.lines[0].text, "講師謝礼");
    ck_assert_uint_eq(a.lines[1].category, KF_EXP_RENTAL);
    ck_assert_int_eq(a.lines[1].amount, 120000);
    ck_assert_str_eq(a.lines[1].text, "会場使用料");
    ck_assert_uint_eq(a.lines[2].category, KF_EXP_EQUIPMENT);
    ck_assert_int_eq(a.lines[2].amount, 250000);
    ck_assert_str_eq(a.lines[2].text, "調理器具");
    ck_assert_uint_eq(a.lines[3].category, KF_EXP_RUNNING);
    ck_assert_int_eq(a.lines[3].amount, 80000);
    ck_assert_str_eq(a.lines[3].text, "事務所家賃");

    rc = parse_fixture_app("collab-ok.ini", &a, &err);
    ck_assert_msg(rc == KF_OK, "%s", err.msg);
    ck_assert_int_eq(a.npartners, 1);
    ck_assert_str_eq(a.partners[0], "G001");
}
END_TEST

START_TEST(fixture_parse_errors)
{
    kf_application a;
    kf_err err;
    /* line 14 of the file: the budget's second line */
    ck_assert_int_eq(parse_fixture_app("bad-budget-amount.ini", &a, &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "bad-budget-amount.ini:14: [budget] equipment: '250,000, 調理器具' "
                              "has a thousands separator: write the amount without commas, then "
                              "', description'");
    /* line 8: end */
    ck_assert_int_eq(parse_fixture_app("bad-end-before-start.ini", &a, &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "bad-end-before-start.ini:8: [application] end: '2026-03-31' is "
                              "before start '2026-06-01'");
}
END_TEST

/* ---- parsing ------------------------------------------------------------------------ */

static kf_code parse(const char *text, kf_application *a, kf_err *err)
{
    memset(err, 0, sizeof *err);
    return kf_application_parse(text, strlen(text), "t.ini", a, err);
}

/* lines 1-8 */
#define HEAD                                                                                       \
    "[application]\n"                                                                              \
    "menu = field\n"                                                                               \
    "round = 2026-early\n"                                                                         \
    "group = G001\n"                                                                               \
    "title = t\n"                                                                                  \
    "start = 2026-06-01\n"                                                                         \
    "end = 2027-01-31\n"                                                                           \
    "requested = 400000\n"
/* lines 9-10 after HEAD */
#define BUDGET                                                                                     \
    "[budget]\n"                                                                                   \
    "honoraria = 100000, x\n"

START_TEST(parse_spec_example_bom_crlf)
{
    const char *text = "\xEF\xBB\xBF[application]\r\n"
                       "menu = field\r\n"
                       "round = 2026-early\r\n"
                       "group = G001                  ; lead group\r\n"
                       "partners = G002, G003         ; optional partner groups\r\n"
                       "city_partner = 市民自治推進室   ; optional\r\n"
                       "field = welfare               ; for source=field menus\r\n"
                       "theme =                       ; for source=theme menus\r\n"
                       "title = 子ども食堂の開催\r\n"
                       "start = 2026-06-01\r\n"
                       "end = 2027-01-31\r\n"
                       "requested = 400000\r\n"
                       "income = 50000                # expected project income\r\n"
                       "\r\n"
                       "# a comment line\r\n"
                       "  ; an indented comment\r\n"
                       "[budget]                      ; category = amount, description\r\n"
                       "honoraria = 100000, 講師謝礼\r\n"
                       "rental = 120000, 会場使用料\r\n"
                       "  equipment=250000,調理器具 ; indented, no blanks\r\n"
                       "running = 80000, 事務所家賃\r\n"
                       "honoraria = 5000\r\n"
                       "other = 100, 5人分 #4\r\n"
                       "other = 7,\r\n"
                       "travel = 1, a#b;c";
    kf_application a;
    kf_err err;
    kf_code rc = parse(text, &a, &err);
    ck_assert_msg(rc == KF_OK, "%s", err.msg);
    ck_assert_str_eq(a.group, "G001");
    ck_assert_int_eq(a.npartners, 2);
    ck_assert_str_eq(a.partners[0], "G002");
    ck_assert_str_eq(a.partners[1], "G003");
    ck_assert_str_eq(a.city_partner, "市民自治推進室");
    ck_assert_str_eq(a.field, "welfare");
    ck_assert_str_eq(a.theme, "");
    ck_assert_str_eq(a.title, "子ども食堂の開催");
    ck_assert_int_eq(a.requested, 400000);
    ck_assert_int_eq(a.income, 50000);
    ck_assert_int_eq(a.nlines, 8);
    ck_assert_str_eq(a.lines[2].text, "調理器具");
    ck_assert_int_eq(a.lines[2].amount, 250000);
    /* the category repeats; no description */
    ck_assert_uint_eq(a.lines[4].category, KF_EXP_HONORARIA);
    ck_assert_int_eq(a.lines[4].amount, 5000);
    ck_assert_str_eq(a.lines[4].text, "");
    /* "100, 5人分": a blank after the comma, so not a thousands separator */
    ck_assert_int_eq(a.lines[5].amount, 100);
    ck_assert_str_eq(a.lines[5].text, "5人分");
    ck_assert_int_eq(a.lines[6].amount, 7);
    ck_assert_str_eq(a.lines[6].text, "");
    /* '#' and ';' without a blank before them are text */
    ck_assert_str_eq(a.lines[7].text, "a#b;c");

    /* eligible: 100000 + 120000 + 250000 + 5000 + 100 + 7 + 1 = 475108 - 50000
     * = 425108 x 8/10 = 340086.4 -> 340086, requested 400000 -> 340000 */
    kf_ceiling c;
    kf_grant_ceiling(menu("field"), &a, &c);
    ck_assert_int_eq(c.eligible_cost, 425108);
    ck_assert_int_eq(c.by_rate, 340086);
    ck_assert_int_eq(c.ceiling, 340000);

    /* the minimal file: income defaults to 0, optional keys empty */
    rc = parse(HEAD BUDGET, &a, &err);
    ck_assert_msg(rc == KF_OK, "%s", err.msg);
    ck_assert_int_eq(a.income, 0);
    ck_assert_int_eq(a.npartners, 0);
    ck_assert_str_eq(a.city_partner, "");
    ck_assert_str_eq(a.field, "");
    ck_assert_int_eq(a.nlines, 1);
    /* budget before application, end == start, empty partners */
    rc = parse(BUDGET "[application]\nmenu = m\nround = R_1\ngroup = g-2\ntitle = t\n"
                      "start = 2026-06-01\nend = 2026-06-01\nrequested = 1\npartners =\n",
               &a, &err);
    ck_assert_msg(rc == KF_OK, "%s", err.msg);
    ck_assert_int_eq(a.requested, 1);
    ck_assert_int_eq(a.npartners, 0);
}
END_TEST

START_TEST(parse_limits)
{
    kf_application a;
    kf_err err;
    char text[16384];
    size_t n;
    /* 64 budget lines are fine, 65 are not (line 9 + 65 = 74) */
    n = (size_t)snprintf(text, sizeof text, "%s[budget]\n", HEAD);
    for (int i = 0; i < KF_APP_MAX_LINES; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "other = %d\n", i + 1);
    ck_assert_int_eq(parse(text, &a, &err), KF_OK);
    ck_assert_int_eq(a.nlines, 64);
    ck_assert_int_eq(a.lines[63].amount, 64);
    snprintf(text + n, sizeof text - n, "other = 65\n");
    ck_assert_int_eq(parse(text, &a, &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "t.ini:74: [budget] other: more than 64 budget lines");

    /* 16 partners are fine, 17 are not */
    n = (size_t)snprintf(text, sizeof text, "%spartners = P1", HEAD);
    for (int i = 2; i <= KF_APP_MAX_PARTNERS; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, ",P%d", i);
    snprintf(text + n, sizeof text - n, "\n%s", BUDGET);
    ck_assert_int_eq(parse(text, &a, &err), KF_OK);
    ck_assert_int_eq(a.npartners, 16);
    ck_assert_str_eq(a.partners[15], "P16");
    snprintf(text + n, sizeof text - n, ",P17\n%s", BUDGET);
    ck_assert_int_eq(parse(text, &a, &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "t.ini:9: [application] partners: more than 16 partner groups");

    /* the largest amount is fine; one more is not */
    ck_assert_int_eq(parse(HEAD BUDGET "other = 1000000000000, max\n", &a, &err), KF_OK);
    ck_assert_int_eq(a.lines[1].amount, KF_YEN_MAX_ONE);

    /* a group id of 64 characters is fine, 65 is not */
    char id[70];
    memset(id, 'g', 64);
    id[64] = '\0';
    snprintf(text, sizeof text, "%spartners = %s\n%s", HEAD, id, BUDGET);
    ck_assert_int_eq(parse(text, &a, &err), KF_OK);
    ck_assert_str_eq(a.partners[0], id);
    id[64] = 'g';
    id[65] = '\0';
    snprintf(text, sizeof text, "%spartners = %s\n%s", HEAD, id, BUDGET);
    ck_assert_int_eq(parse(text, &a, &err), KF_BAD_INPUT);
    ck_assert_msg(strncmp(err.msg, "t.ini:9: [application] partners: '", 34) == 0, "%s", err.msg);

    /* a line longer than inih's buffer (198 bytes without comments) */
    char title[210];
    memset(title, 'x', 200);
    title[200] = '\0';
    snprintf(text, sizeof text, "[application]\ntitle = %s\n", title);
    ck_assert_int_eq(parse(text, &a, &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg,
                     "t.ini:2: [application]: line too long (at most 198 bytes without comments)");
    /* but a long comment is fine */
    snprintf(text, sizeof text, "%s%s; %s\n", HEAD, BUDGET, title);
    ck_assert_int_eq(parse(text, &a, &err), KF_OK);

    /* empty input */
    ck_assert_int_eq(kf_application_parse(NULL, 0, "t.ini", &a, &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "t.ini:1: [application] menu: missing (required)");
    /* length, not NUL: the text after len is not read */
    const char *t2 = HEAD BUDGET "running = oops\n";
    ck_assert_int_eq(kf_application_parse(t2, strlen(HEAD BUDGET), "t.ini", &a, &err), KF_OK);
    ck_assert_int_eq(a.nlines, 1);
}
END_TEST

typedef struct {
    const char *text;
    const char *msg; /* exact */
} err_case;

static const err_case err_cases[] = {
    /* sections and keys */
    {HEAD "colour = red\n" BUDGET, "t.ini:9: [application] colour: unknown key"},
    {HEAD "Menu = field\n" BUDGET, "t.ini:9: [application] Menu: unknown key"},
    {HEAD "menu = small\n" BUDGET, "t.ini:9: [application] menu: duplicate key"},
    {HEAD BUDGET "[extra]\nx = 1\n",
     "t.ini:11: [extra]: unknown section (expected [application] or [budget])"},
    {HEAD BUDGET "[application]\n", "t.ini:11: [application]: duplicate section"},
    {HEAD BUDGET "[budget]\n", "t.ini:11: [budget]: duplicate section"},
    {"menu = field\n" HEAD BUDGET, "t.ini:1: menu: key outside any section"},
    {HEAD "just text\n" BUDGET,
     "t.ini:9: syntax error: expected [section], key = value or a comment"},
    {HEAD "[budget\n", "t.ini:9: syntax error: expected [section], key = value or a comment"},
    {"[application] x\n", "t.ini:1: syntax error: text after ']'"},
    {"[application]\nmenu = field\ntitle = \xff\n", "t.ini:3: not valid UTF-8"},
    {"[application]\nmenu = field\ntitle = a\x01\n", "t.ini:3: control character in the line"},
    /* values */
    {"[application]\nmenu = Field\n",
     "t.ini:2: [application] menu: 'Field' is not a menu code ([a-z0-9_-]{1,64})"},
    {"[application]\nmenu =\n", "t.ini:2: [application] menu: '' is not a menu code "
                                "([a-z0-9_-]{1,64})"},
    {"[application]\nround = 2026 early\n",
     "t.ini:2: [application] round: '2026 early' is not a round code like 2026-early "
     "([A-Za-z0-9_-]{1,64})"},
    {"[application]\ngroup = G/1\n",
     "t.ini:2: [application] group: 'G/1' is not a group id ([A-Za-z0-9_-]{1,64})"},
    {"[application]\npartners = G002, G002\n",
     "t.ini:2: [application] partners: 'G002' is listed twice"},
    {"[application]\npartners = G002,,G003\n",
     "t.ini:2: [application] partners: 'G002,,G003' has an empty item"},
    {"[application]\npartners = G002,\n",
     "t.ini:2: [application] partners: 'G002,' has an empty item"},
    {"[application]\npartners = G 2\n",
     "t.ini:2: [application] partners: 'G 2' is not a group id ([A-Za-z0-9_-]{1,64})"},
    {HEAD "partners = G003, G001\n" BUDGET,
     "t.ini:9: [application] partners: the lead group G001 cannot also be a partner"},
    {"[application]\nfield = Welfare\n",
     "t.ini:2: [application] field: 'Welfare' is not a field code ([a-z0-9_-]{1,64})"},
    {"[application]\ntheme = a b\n",
     "t.ini:2: [application] theme: 'a b' is not a theme code ([a-z0-9_-]{1,64})"},
    {"[application]\ntitle =\n", "t.ini:2: [application] title: is empty"},
    {"[application]\nstart = 2026-02-30\n",
     "t.ini:2: [application] start: '2026-02-30' is not a date YYYY-MM-DD"},
    {"[application]\nend = 2026/06/01\n",
     "t.ini:2: [application] end: '2026/06/01' is not a date YYYY-MM-DD"},
    {"[application]\nrequested = 0\n",
     "t.ini:2: [application] requested: '0' is not an amount of yen 1..1000000000000 (a whole "
     "number, no commas)"},
    {"[application]\nrequested = 400,000\n",
     "t.ini:2: [application] requested: '400,000' is not an amount of yen 1..1000000000000 (a "
     "whole number, no commas)"},
    {"[application]\nrequested = 1000000000001\n",
     "t.ini:2: [application] requested: '1000000000001' is not an amount of yen 1..1000000000000 "
     "(a whole number, no commas)"},
    {"[application]\nincome = -1\n",
     "t.ini:2: [application] income: '-1' is not an amount of yen 0..1000000000000 (a whole "
     "number, no commas)"},
    {"[application]\nincome =\n",
     "t.ini:2: [application] income: '' is not an amount of yen 0..1000000000000 (a whole "
     "number, no commas)"},
    /* whole-file checks: end >= start at the end line, required keys at the
     * [application] line or line 1 */
    {"[application]\nmenu = field\nround = r\ngroup = G001\ntitle = t\nend = 2026-05-31\n"
     "start = 2026-06-01\nrequested = 1\n" BUDGET,
     "t.ini:6: [application] end: '2026-05-31' is before start '2026-06-01'"},
    {"[application]\nmenu = field\nround = r\ngroup = G001\nstart = 2026-06-01\n"
     "end = 2027-01-31\nrequested = 1\n" BUDGET,
     "t.ini:1: [application] title: missing (required)"},
    {"; an application\n\n[application]\nmenu = field\nround = r\ngroup = G001\ntitle = t\n"
     "start = 2026-06-01\nend = 2027-01-31\n" BUDGET,
     "t.ini:3: [application] requested: missing (required)"},
    {BUDGET, "t.ini:1: [application] menu: missing (required)"},
    {"[application]\nmenu = field\n[budget]\nother = 1\n",
     "t.ini:1: [application] round: missing (required)"},
    {HEAD "[budget]\n; nothing yet\n",
     "t.ini:9: [budget]: no budget lines (write `category = amount, description`)"},
    {HEAD, "t.ini:1: [budget]: no budget lines (write `category = amount, description`)"},
    /* budget lines */
    {HEAD BUDGET "food = 100\n", "t.ini:11: [budget] food: unknown expense category (honoraria, "
                                 "services, rental, equipment, travel, other or running)"},
    {HEAD BUDGET "Rental = 100\n",
     "t.ini:11: [budget] Rental: unknown expense category (honoraria, services, rental, "
     "equipment, travel, other or running)"},
    {HEAD BUDGET "equipment = 250,000, 調理器具\n",
     "t.ini:11: [budget] equipment: '250,000, 調理器具' has a thousands separator: write the "
     "amount without commas, then ', description'"},
    {HEAD BUDGET "equipment = 1,000,000\n",
     "t.ini:11: [budget] equipment: '1,000,000' has a thousands separator: write the amount "
     "without commas, then ', description'"},
    {HEAD BUDGET "equipment = 0, x\n", "t.ini:11: [budget] equipment: amount '0' is not a whole "
                                       "number of yen 1..1000000000000 (no commas)"},
    {HEAD BUDGET "equipment = -5, x\n", "t.ini:11: [budget] equipment: amount '-5' is not a "
                                        "whole number of yen 1..1000000000000 (no commas)"},
    {HEAD BUDGET "equipment = , x\n", "t.ini:11: [budget] equipment: amount '' is not a whole "
                                      "number of yen 1..1000000000000 (no commas)"},
    {HEAD BUDGET "equipment =\n", "t.ini:11: [budget] equipment: amount '' is not a whole "
                                  "number of yen 1..1000000000000 (no commas)"},
    {HEAD BUDGET "equipment = 12a, x\n", "t.ini:11: [budget] equipment: amount '12a' is not a "
                                         "whole number of yen 1..1000000000000 (no commas)"},
    {HEAD BUDGET "equipment = 1000000000001\n",
     "t.ini:11: [budget] equipment: amount '1000000000001' is not a whole number of yen "
     "1..1000000000000 (no commas)"},
    {HEAD BUDGET "equipment = 1 000, x\n", "t.ini:11: [budget] equipment: amount '1 000' is not "
                                           "a whole number of yen 1..1000000000000 (no commas)"},
};

START_TEST(parse_error_cases)
{
    const err_case *c = &err_cases[_i];
    kf_application a;
    kf_err err;
    kf_code rc = parse(c->text, &a, &err);
    ck_assert_msg(rc == KF_BAD_INPUT, "case %d: rc %d for\n%s", _i, rc, c->text);
    ck_assert_int_eq(err.code, KF_BAD_INPUT);
    ck_assert_msg(strcmp(err.msg, c->msg) == 0, "case %d:\n got '%s'\nwant '%s'", _i, err.msg,
                  c->msg);
}
END_TEST

/* ---- grant.apply entry fields ---------------------------------------------------------- */

START_TEST(entry_round_trip)
{
    const char *text = "[application]\n"
                       "menu = collab\n"
                       "round = 2026-early\n"
                       "group = G003\n"
                       "partners = G001, G004\n"
                       "city_partner = 市民自治推進室\n"
                       "title = 地域防災ネットワークづくり\n"
                       "start = 2026-06-01\n"
                       "end = 2027-03-31\n"
                       "requested = 600000\n"
                       "income = 100000\n"
                       "[budget]\n"
                       "honoraria = 300000, 講師謝礼\n"
                       "rental = 200000\n"
                       "running = 50000, 事務局経費\n";
    kf_application a, b;
    kf_err err;
    kf_code rc = parse(text, &a, &err);
    ck_assert_msg(rc == KF_OK, "%s", err.msg);
    snprintf(a.id, sizeof a.id, "A-2026-0007");
    snprintf(a.date, sizeof a.date, "2026-05-01");
    a.seq = 42;

    kf_entry *e = kf_entry_new("grant.apply");
    ck_assert_ptr_nonnull(e);
    e->seq = 42;
    rc = kf_application_to_entry(&a, e, &err);
    ck_assert_msg(rc == KF_OK, "%s", err.msg);
    ck_assert_str_eq(kf_entry_str(e, "id"), "A-2026-0007");
    ck_assert_str_eq(kf_entry_str(e, "menu"), "collab");
    ck_assert_str_eq(kf_entry_str(e, "round"), "2026-early");
    ck_assert_str_eq(kf_entry_str(e, "group"), "G003");
    ck_assert_str_eq(kf_entry_str(e, "partners"), "G001,G004");
    ck_assert_str_eq(kf_entry_str(e, "city_partner"), "市民自治推進室");
    ck_assert_ptr_null(kf_entry_get(e, "field"));
    ck_assert_ptr_null(kf_entry_get(e, "theme"));
    ck_assert_str_eq(kf_entry_str(e, "title"), "地域防災ネットワークづくり");
    ck_assert_str_eq(kf_entry_str(e, "start"), "2026-06-01");
    ck_assert_str_eq(kf_entry_str(e, "end"), "2027-03-31");
    ck_assert_str_eq(kf_entry_str(e, "date"), "2026-05-01");
    int64_t v;
    ck_assert(kf_entry_int(e, "requested", &v));
    ck_assert_int_eq(v, 600000);
    ck_assert(kf_entry_int(e, "income", &v));
    ck_assert_int_eq(v, 100000);
    ck_assert_str_eq(kf_entry_str(e, "b01.category"), "honoraria");
    ck_assert(kf_entry_int(e, "b01.amount", &v));
    ck_assert_int_eq(v, 300000);
    ck_assert_str_eq(kf_entry_str(e, "b01.text"), "講師謝礼");
    ck_assert_str_eq(kf_entry_str(e, "b02.category"), "rental");
    ck_assert_ptr_null(kf_entry_get(e, "b02.text"));
    ck_assert_str_eq(kf_entry_str(e, "b03.category"), "running");
    ck_assert(kf_entry_int(e, "b03.amount", &v));
    ck_assert_int_eq(v, 50000);
    ck_assert_ptr_null(kf_entry_get(e, "b04.category"));
    /* 12 fixed (no field, theme) + 3 + 2 + 3 budget fields */
    ck_assert_uint_eq(e->nfields, 12 + 3 + 2 + 3);

    /* through the canonical bytes and back */
    kf_buf buf = {0};
    ck_assert_int_eq(kf_entry_encode(e, &buf, &err), KF_OK);
    kf_entry *d = NULL;
    ck_assert_int_eq(kf_entry_decode(buf.data, buf.len, KF_ENTRY_MAGIC, &d, &err), KF_OK);
    kf_buf_free(&buf);
    rc = kf_application_from_entry(d, &b, &err);
    ck_assert_msg(rc == KF_OK, "%s", err.msg);
    ck_assert_int_eq(b.seq, 42);
    ck_assert_str_eq(b.id, "A-2026-0007");
    ck_assert_str_eq(b.menu, "collab");
    ck_assert_str_eq(b.group, "G003");
    ck_assert_int_eq(b.npartners, 2);
    ck_assert_str_eq(b.partners[0], "G001");
    ck_assert_str_eq(b.partners[1], "G004");
    ck_assert_str_eq(b.city_partner, "市民自治推進室");
    ck_assert_str_eq(b.date, "2026-05-01");
    ck_assert_int_eq(b.requested, 600000);
    ck_assert_int_eq(b.income, 100000);
    ck_assert_int_eq(b.nlines, 3);
    ck_assert_uint_eq(b.lines[1].category, KF_EXP_RENTAL);
    ck_assert_int_eq(b.lines[1].amount, 200000);
    ck_assert_str_eq(b.lines[1].text, "");
    ck_assert_str_eq(b.lines[2].text, "事務局経費");
    /* every byte the same (both were zeroed before being filled) */
    ck_assert(memcmp(&a, &b, sizeof a) == 0);
    kf_entry_free(d);
    kf_entry_free(e);

    /* field and theme appear when set; extra non-budget keys are ignored */
    kf_application c;
    ck_assert_int_eq(parse_fixture_app("theme-ok.ini", &c, &err), KF_OK);
    e = kf_entry_new("grant.apply");
    e->seq = 7;
    ck_assert_int_eq(kf_application_to_entry(&c, e, &err), KF_OK);
    ck_assert_str_eq(kf_entry_str(e, "theme"), "smart");
    ck_assert_ptr_null(kf_entry_get(e, "partners"));
    ck_assert_ptr_null(kf_entry_get(e, "city_partner"));
    ck_assert_str_eq(kf_entry_str(e, "id"), "");
    ck_assert_str_eq(kf_entry_str(e, "date"), "");
    ck_assert_int_eq(kf_entry_set_int(e, "fy", 2026, &err), KF_OK);
    ck_assert_int_eq(kf_application_from_entry(e, &b, &err), KF_OK);
    ck_assert_int_eq(b.seq, 7);
    c.seq = 7;
    ck_assert(memcmp(&c, &b, sizeof c) == 0);
    kf_entry_free(e);
}
END_TEST

typedef struct {
    const char *key;
    bool drop;       /* remove the key */
    const char *str; /* else set this string */
    int64_t num;     /* or this int (when str is NULL) */
    const char *msg; /* exact error */
} bad_entry_case;

#define SEQ "grant.apply entry seq 42: "
static const bad_entry_case bad_entries[] = {
    {"requested", true, NULL, 0, SEQ "requested: missing"},
    {"requested", false, "400000", 0, SEQ "requested: not an integer"},
    {"requested", false, NULL, 0, SEQ "requested: 0 is not an amount of yen 1..1000000000000"},
    {"income", false, NULL, -1, SEQ "income: -1 is not an amount of yen 0..1000000000000"},
    {"income", true, NULL, 0, SEQ "income: missing"},
    {"menu", true, NULL, 0, SEQ "menu: missing"},
    {"menu", false, "Field", 0, SEQ "menu: 'Field' is not a menu code"},
    {"menu", false, NULL, 5, SEQ "menu: not a string"},
    {"round", false, "a b", 0, SEQ "round: 'a b' is not a round"},
    {"group", false, "", 0, SEQ "group: '' is not a group id"},
    {"partners", false, "G001", 0, SEQ "partners: the lead group G001 is also a partner"},
    {"partners", false, "G002,G002", 0, SEQ "partners: 'G002' is listed twice"},
    {"partners", false, "", 0, SEQ "partners: is empty"},
    {"field", false, "Welfare", 0, SEQ "field: 'Welfare' is not a field code"},
    {"title", false, "", 0, SEQ "title: is empty"},
    {"title", false, "a\nb", 0, SEQ "title: control character in the line"},
    {"start", false, "2026-13-01", 0, SEQ "start: '2026-13-01' is not a date"},
    {"end", false, "2026-05-31", 0, SEQ "end: '2026-05-31' is before start '2026-06-01'"},
    {"date", false, "2026-5-1", 0, SEQ "date: '2026-5-1' is not a date"},
    {"id", false, "A 1", 0, SEQ "id: 'A 1' is not an id"},
    {"b01.category", false, "food", 0, SEQ "b01.category: 'food' is not an expense category"},
    {"b01.category", true, NULL, 0, SEQ "b01.category: missing (no budget lines)"},
    {"b02.amount", false, NULL, 0, SEQ "b02.amount: 0 is not an amount of yen 1..1000000000000"},
    {"b02.amount", true, NULL, 0, SEQ "b02.amount: missing"},
    {"b01.text", false, "", 0, SEQ "b01.text: is empty"},
    {"b03.amount", false, NULL, 5, SEQ "b03.amount: not a field of budget lines 01..02"},
    {"b02.colour", false, "red", 0, SEQ "b02.colour: not a field of budget lines 01..02"},
    {"b1.amount", false, NULL, 5, SEQ "b1.amount: not a field of budget lines 01..02"},
    {"b00.amount", false, NULL, 5, SEQ "b00.amount: not a field of budget lines 01..02"},
};

START_TEST(entry_malformed)
{
    const bad_entry_case *c = &bad_entries[_i];
    kf_application a, b;
    kf_err err;
    app_init(&a, "field", "G001");
    snprintf(a.id, sizeof a.id, "A-2026-0001");
    add_line(&a, KF_EXP_HONORARIA, 1000);
    snprintf(a.lines[0].text, sizeof a.lines[0].text, "x");
    add_line(&a, KF_EXP_OTHER, 2000);
    kf_entry *e = kf_entry_new("grant.apply");
    e->seq = 42;
    ck_assert_int_eq(kf_application_to_entry(&a, e, &err), KF_OK);
    ck_assert_int_eq(kf_application_from_entry(e, &b, &err), KF_OK);
    kf_entry *bad = kf_entry_new("grant.apply");
    bad->seq = 42;
    for (size_t i = 0; i < e->nfields; i++) {
        const kf_field *f = &e->fields[i];
        if (strcmp(f->key, c->key) == 0) continue;
        if (f->type == KF_FIELD_STR)
            ck_assert_int_eq(kf_entry_set_str(bad, f->key, f->str, &err), KF_OK);
        else
            ck_assert_int_eq(kf_entry_set_int(bad, f->key, f->num, &err), KF_OK);
    }
    if (!c->drop) {
        if (c->str)
            ck_assert_int_eq(kf_entry_set_str(bad, c->key, c->str, &err), KF_OK);
        else
            ck_assert_int_eq(kf_entry_set_int(bad, c->key, c->num, &err), KF_OK);
    }
    memset(&err, 0, sizeof err);
    kf_code rc = kf_application_from_entry(bad, &b, &err);
    ck_assert_msg(rc == KF_BAD_INPUT, "case %d (%s): rc %d", _i, c->key, rc);
    ck_assert_msg(strcmp(err.msg, c->msg) == 0, "case %d:\n got '%s'\nwant '%s'", _i, err.msg,
                  c->msg);
    kf_entry_free(bad);
    kf_entry_free(e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("grant_eval");
    TCase *tc = tu_core(s, setup, teardown);
    tcase_add_test(tc, designated_ceiling);
    tcase_add_test(tc, field_ceiling);
    tcase_add_test(tc, field_tier_boundary);
    tcase_add_test(tc, tier_selection_among_several);
    tcase_add_test(tc, small_ceiling);
    tcase_add_test(tc, collab_ceiling_and_partners);
    tcase_add_test(tc, theme_ceiling_and_codes);
    tcase_add_test(tc, ceiling_extremes);
    tcase_add_test(tc, reason_status);
    tcase_add_test(tc, reason_group_type);
    tcase_add_test(tc, reason_members);
    tcase_add_test(tc, reason_age);
    tcase_add_test(tc, reason_history);
    tcase_add_test(tc, reason_expenses_and_below_min);
    tcase_add_test(tc, reasons_in_spec_order);
    tcase_add_loop_test(tc, fixture_outcomes, 0,
                        (int)(sizeof fixture_cases / sizeof fixture_cases[0]));
    tcase_add_test(tc, fixture_field_ok_values);
    tcase_add_test(tc, fixture_parse_errors);
    tcase_add_test(tc, parse_spec_example_bom_crlf);
    tcase_add_test(tc, parse_limits);
    tcase_add_loop_test(tc, parse_error_cases, 0, (int)(sizeof err_cases / sizeof err_cases[0]));
    tcase_add_test(tc, entry_round_trip);
    tcase_add_loop_test(tc, entry_malformed, 0, (int)(sizeof bad_entries / sizeof bad_entries[0]));
    return tu_run(s);
}
