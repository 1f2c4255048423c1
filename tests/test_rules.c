/* Unit tests: the rules file (docs/ENTRIES.md): parsing, defaults, errors, FY, JSON. */
#include "check_common.h"
#include "kifu/common.h"
#include "kifu/rules.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The JSON of kifu rules show is rendered by the command line (the library
 * returns the parsed rules): its renderer is compiled in here. */
#include "../cli/rules_json.c"

static kf_rules *R;

static void setup(void)
{
    R = calloc(1, sizeof *R);
    ck_assert_ptr_nonnull(R);
}

static void teardown(void)
{
    free(R);
    R = NULL;
}

static kf_code parse(const char *text, kf_err *err)
{
    memset(err, 0, sizeof *err);
    return kf_rules_parse(text, strlen(text), "t.ini", R, err);
}

/* Parses text that must be valid. */
static void parse_ok(const char *text)
{
    kf_err err;
    kf_code rc = parse(text, &err);
    ck_assert_msg(rc == KF_OK, "parse failed: %s", err.msg);
}

static char *read_fixture(size_t *len)
{
    char path[4096];
    const char *src = getenv("KIFU_SRC");
    const char *tries[] = {NULL, "fixtures/rules.ini", "../fixtures/rules.ini",
                           "../../fixtures/rules.ini"};
    if (src && *src) {
        snprintf(path, sizeof path, "%s/fixtures/rules.ini", src);
        tries[0] = path;
    }
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        if (!tries[i]) continue;
        FILE *f = fopen(tries[i], "rb");
        if (!f) continue;
        static char buf[65536];
        *len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[*len] = '\0';
        char *copy = malloc(*len + 1);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, buf, *len + 1);
        return copy;
    }
    ck_abort_msg("fixtures/rules.ini not found (set KIFU_SRC)");
    return NULL;
}

static void parse_fixture(void)
{
    size_t len;
    char *text = read_fixture(&len);
    kf_err err = {0};
    kf_code rc = kf_rules_parse(text, len, "rules.ini", R, &err);
    free(text);
    ck_assert_msg(rc == KF_OK, "fixture: %s", err.msg);
}

#define NO_RUNNING (KF_EXP_ALL & ~(unsigned)KF_EXP_RUNNING)

/* ---- the shipped fixture ---------------------------------------------------- */

START_TEST(fixture_fund_fields_themes_tiers)
{
    parse_fixture();
    ck_assert_str_eq(R->fund_name, "さぽーとほっと基金");
    ck_assert_int_eq(R->fy_start_month, 4);
    ck_assert_int_eq(R->fy_start_day, 1);
    ck_assert_int_eq(R->designated_share.num, 100);
    ck_assert_int_eq(R->designated_share.den, 100);
    ck_assert_int_eq(R->designated_round, 1);
    ck_assert_str_eq(R->deregister_to, "general");

    ck_assert_int_eq(R->nfields, 4);
    ck_assert_str_eq(R->fields[0].code, "welfare");
    ck_assert_str_eq(R->fields[0].label, "保健・医療・福祉の増進");
    ck_assert_str_eq(R->fields[1].code, "machizukuri");
    ck_assert_str_eq(R->fields[1].label, "まちづくりの推進");
    ck_assert_str_eq(R->fields[2].code, "culture");
    ck_assert_str_eq(R->fields[2].label, "文化・スポーツ・観光・経済等の振興");
    ck_assert_str_eq(R->fields[3].code, "children");
    ck_assert_str_eq(R->fields[3].label, "子どもの健全育成");
    ck_assert_ptr_eq(kf_rules_field(R, "culture"), &R->fields[2]);
    ck_assert_ptr_null(kf_rules_field(R, "smart"));
    ck_assert_ptr_null(kf_rules_field(R, "Welfare"));

    ck_assert_int_eq(R->nthemes, 1);
    ck_assert_str_eq(kf_rules_theme(R, "smart")->label, "スマート市民活動");
    ck_assert_ptr_null(kf_rules_theme(R, "welfare"));

    ck_assert_int_eq(R->ntiers, 2);
    ck_assert_str_eq(R->tiers[0].code, "regular");
    ck_assert_int_eq(kf_rules_tier(R, "regular")->min, 3000);
    ck_assert_int_eq(kf_rules_tier(R, "gold")->min, 10000);
    ck_assert_ptr_null(kf_rules_tier(R, "silver"));

    ck_assert_int_eq(R->nmenus, 5);
    ck_assert_str_eq(R->menus[0].code, "designated");
    ck_assert_str_eq(R->menus[1].code, "field");
    ck_assert_str_eq(R->menus[2].code, "small");
    ck_assert_str_eq(R->menus[3].code, "collab");
    ck_assert_str_eq(R->menus[4].code, "theme");
    ck_assert_ptr_null(kf_rules_menu(R, "nope"));
    ck_assert_ptr_null(kf_rules_menu(R, NULL));
}
END_TEST

START_TEST(fixture_menu_designated_and_field)
{
    parse_fixture();
    const kf_menu *m = kf_rules_menu(R, "designated");
    ck_assert_ptr_eq(m, &R->menus[0]);
    ck_assert_str_eq(m->name, "団体指定助成");
    ck_assert_int_eq(m->source, KF_SRC_GROUP);
    ck_assert_int_eq(m->review, KF_REVIEW_NONE);
    ck_assert_int_eq(m->min_reviewers, 1);
    ck_assert(m->pass_score == 0);
    ck_assert_int_eq(m->rate.num, 10);
    ck_assert_int_eq(m->rate.den, 10);
    ck_assert_int_eq(m->cap, 0);
    ck_assert_int_eq(m->ntiers, 0);
    ck_assert_int_eq(m->min_award, 0);
    ck_assert_int_eq(m->round_down, 1000);
    ck_assert_int_eq(m->round_budget, 0);
    ck_assert_uint_eq(m->group_types, KF_GT_ALL);
    ck_assert_uint_eq(m->statuses, KF_ST_REGISTERED);
    ck_assert_int_eq(m->min_members, 0);
    ck_assert_uint_eq(m->members_exempt, 0);
    ck_assert_int_eq(m->min_years, 0);
    ck_assert_int_eq(m->max_years, 0);
    ck_assert_int_eq(m->partners_min, 0);
    ck_assert_int_eq(m->max_awards, 0);
    ck_assert_int_eq(m->max_consecutive, 0);
    ck_assert_str_eq(m->exclusive, "");
    ck_assert_uint_eq(m->expenses, NO_RUNNING);

    m = kf_rules_menu(R, "field");
    ck_assert_str_eq(m->name, "分野指定助成");
    ck_assert_int_eq(m->source, KF_SRC_FIELD);
    ck_assert_int_eq(m->review, KF_REVIEW_SCORED);
    ck_assert_int_eq(m->min_reviewers, 2);
    ck_assert(m->pass_score == 3.0);
    ck_assert_int_eq(m->rate.num, 8);
    ck_assert_int_eq(m->rate.den, 10);
    ck_assert_int_eq(m->cap, 500000);
    ck_assert_int_eq(m->ntiers, 1);
    ck_assert_int_eq(m->tiers[0].min_cost, 1000002);
    ck_assert_int_eq(m->tiers[0].rate.num, 1);
    ck_assert_int_eq(m->tiers[0].rate.den, 2);
    ck_assert_int_eq(m->tiers[0].cap, 1000000);
    ck_assert_int_eq(m->min_award, 100000);
    ck_assert_int_eq(m->round_down, 1000);
    ck_assert_int_eq(m->round_budget, 0);
    ck_assert_uint_eq(m->group_types, KF_GT_ALL);
    ck_assert_uint_eq(m->statuses, KF_ST_REGISTERED);
    ck_assert_int_eq(m->min_members, 10);
    ck_assert_uint_eq(m->members_exempt, KF_GT_NEIGHBORHOOD);
    ck_assert_int_eq(m->min_years, 1);
    ck_assert_int_eq(m->max_years, 0);
    ck_assert_int_eq(m->partners_min, 0);
    ck_assert_int_eq(m->max_awards, 3);
    ck_assert_int_eq(m->max_consecutive, 0);
    ck_assert_str_eq(m->exclusive, "annual");
    ck_assert_uint_eq(m->expenses, NO_RUNNING);
}
END_TEST

START_TEST(fixture_menu_small_collab_theme)
{
    parse_fixture();
    const kf_menu *m = kf_rules_menu(R, "small");
    ck_assert_str_eq(m->name, "小口・スタートアップ助成");
    ck_assert_int_eq(m->source, KF_SRC_GENERAL);
    ck_assert_int_eq(m->review, KF_REVIEW_NONE);
    ck_assert_int_eq(m->min_reviewers, 1);
    ck_assert_int_eq(m->rate.num, 10);
    ck_assert_int_eq(m->rate.den, 10);
    ck_assert_int_eq(m->cap, 100000);
    ck_assert_int_eq(m->ntiers, 0);
    ck_assert_int_eq(m->min_award, 0);
    ck_assert_int_eq(m->round_down, 1000);
    ck_assert_uint_eq(m->group_types, KF_GT_ALL);
    ck_assert_uint_eq(m->statuses, KF_ST_REGISTERED | KF_ST_PROVISIONAL);
    ck_assert_int_eq(m->min_members, 5);
    ck_assert_uint_eq(m->members_exempt, 0);
    ck_assert_int_eq(m->min_years, 0);
    ck_assert_int_eq(m->max_years, 3);
    ck_assert_int_eq(m->partners_min, 0);
    ck_assert_int_eq(m->max_awards, 0);
    ck_assert_int_eq(m->max_consecutive, 3);
    ck_assert_str_eq(m->exclusive, "annual");
    ck_assert_uint_eq(m->expenses, NO_RUNNING);

    m = kf_rules_menu(R, "collab");
    ck_assert_str_eq(m->name, "協働助成");
    ck_assert_int_eq(m->source, KF_SRC_GENERAL);
    ck_assert_int_eq(m->review, KF_REVIEW_SCORED);
    ck_assert_int_eq(m->min_reviewers, 2);
    ck_assert(m->pass_score == 3.0);
    ck_assert_int_eq(m->rate.num, 8);
    ck_assert_int_eq(m->rate.den, 10);
    ck_assert_int_eq(m->cap, 500000);
    ck_assert_int_eq(m->partners_min, 1);
    ck_assert_int_eq(m->min_award, 0);
    ck_assert_uint_eq(m->statuses, KF_ST_REGISTERED);
    ck_assert_int_eq(m->max_consecutive, 0);
    ck_assert_str_eq(m->exclusive, "");
    ck_assert_uint_eq(m->expenses, NO_RUNNING);

    m = kf_rules_menu(R, "theme");
    ck_assert_str_eq(m->name, "テーマ助成");
    ck_assert_int_eq(m->source, KF_SRC_THEME);
    ck_assert_int_eq(m->review, KF_REVIEW_NONE);
    ck_assert_int_eq(m->rate.num, 10);
    ck_assert_int_eq(m->rate.den, 10);
    ck_assert_int_eq(m->cap, 2000000);
    ck_assert_int_eq(m->min_award, 100000);
    ck_assert_int_eq(m->partners_min, 0);
    ck_assert_str_eq(m->exclusive, "annual");
    ck_assert_uint_eq(m->statuses, KF_ST_REGISTERED);
}
END_TEST

/* ---- defaults ------------------------------------------------------------------- */

START_TEST(defaults)
{
    memset(R, 0x5a, sizeof *R);
    kf_rules_default(R);
    ck_assert_str_eq(R->fund_name, "");
    ck_assert_int_eq(R->fy_start_month, 4);
    ck_assert_int_eq(R->fy_start_day, 1);
    ck_assert_int_eq(R->designated_share.num, 100);
    ck_assert_int_eq(R->designated_share.den, 100);
    ck_assert_int_eq(R->designated_round, 1);
    ck_assert_str_eq(R->deregister_to, "general");
    ck_assert_int_eq(R->nfields + R->nthemes + R->ntiers + R->nmenus, 0);

    /* empty text: the defaults */
    memset(R, 0x5a, sizeof *R);
    parse_ok("");
    ck_assert_int_eq(R->fy_start_month, 4);
    ck_assert_int_eq(R->designated_round, 1);
    ck_assert_str_eq(R->deregister_to, "general");
    ck_assert_int_eq(R->nmenus, 0);

    /* a menu with only its source: every key's default, named by its code */
    parse_ok("[menu m]\nsource = general\n");
    ck_assert_int_eq(R->nmenus, 1);
    const kf_menu *m = &R->menus[0];
    ck_assert_str_eq(m->code, "m");
    ck_assert_str_eq(m->name, "m");
    ck_assert_int_eq(m->source, KF_SRC_GENERAL);
    ck_assert_int_eq(m->review, KF_REVIEW_NONE);
    ck_assert_int_eq(m->min_reviewers, 1);
    ck_assert(m->pass_score == 0);
    ck_assert_int_eq(m->rate.num, 10);
    ck_assert_int_eq(m->rate.den, 10);
    ck_assert_int_eq(m->cap, 0);
    ck_assert_int_eq(m->ntiers, 0);
    ck_assert_int_eq(m->min_award, 0);
    ck_assert_int_eq(m->round_down, 1000);
    ck_assert_int_eq(m->round_budget, 0);
    ck_assert_uint_eq(m->group_types, KF_GT_ALL);
    ck_assert_uint_eq(m->statuses, KF_ST_REGISTERED);
    ck_assert_int_eq(m->min_members, 0);
    ck_assert_uint_eq(m->members_exempt, 0);
    ck_assert_int_eq(m->min_years, 0);
    ck_assert_int_eq(m->max_years, 0);
    ck_assert_int_eq(m->partners_min, 0);
    ck_assert_int_eq(m->max_awards, 0);
    ck_assert_int_eq(m->max_consecutive, 0);
    ck_assert_str_eq(m->exclusive, "");
    ck_assert_uint_eq(m->expenses, NO_RUNNING);
    ck_assert(!(m->expenses & KF_EXP_RUNNING));
    ck_assert(m->expenses & KF_EXP_HONORARIA);
}
END_TEST

START_TEST(name_parsers)
{
    ck_assert_uint_eq(kf_expense_parse("honoraria"), KF_EXP_HONORARIA);
    ck_assert_uint_eq(kf_expense_parse("services"), KF_EXP_SERVICES);
    ck_assert_uint_eq(kf_expense_parse("rental"), KF_EXP_RENTAL);
    ck_assert_uint_eq(kf_expense_parse("equipment"), KF_EXP_EQUIPMENT);
    ck_assert_uint_eq(kf_expense_parse("travel"), KF_EXP_TRAVEL);
    ck_assert_uint_eq(kf_expense_parse("other"), KF_EXP_OTHER);
    ck_assert_uint_eq(kf_expense_parse("running"), KF_EXP_RUNNING);
    ck_assert_uint_eq(kf_expense_parse("Running"), 0);
    ck_assert_uint_eq(kf_expense_parse(""), 0);
    ck_assert_uint_eq(kf_expense_parse(NULL), 0);
    ck_assert_uint_eq(kf_group_type_parse("neighborhood"), KF_GT_NEIGHBORHOOD);
    ck_assert_uint_eq(kf_group_type_parse("volunteer"), KF_GT_VOLUNTEER);
    ck_assert_uint_eq(kf_group_type_parse("npo"), KF_GT_NPO);
    ck_assert_uint_eq(kf_group_type_parse("committee"), KF_GT_COMMITTEE);
    ck_assert_uint_eq(kf_group_type_parse("other"), KF_GT_OTHER);
    ck_assert_uint_eq(kf_group_type_parse("any"), 0);
    ck_assert_uint_eq(kf_group_status_parse("registered"), KF_ST_REGISTERED);
    ck_assert_uint_eq(kf_group_status_parse("provisional"), KF_ST_PROVISIONAL);
    ck_assert_uint_eq(kf_group_status_parse("deregistered"), KF_ST_DEREGISTERED);
    ck_assert_uint_eq(kf_group_status_parse("active"), 0);
}
END_TEST

/* ---- values --------------------------------------------------------------------- */

START_TEST(values_lists_tiers)
{
    parse_ok("[fields]\nwelfare = W\n[themes]\nsmart = S\n"
             "[menu a]\n"
             "source = field\n"
             "review = scored\n"
             "min_reviewers = 3\n"
             "pass_score = 3.25\n"
             "rate = 2 / 3\n"
             "tier.500000 = 1/2, 0\n"
             "tier.100 = 3/4, 1000\n"
             "tier.20000 = 2/3 ,  5000\n"
             "min_award = 0\n"
             "round_down = 1\n"
             "round_budget = 3000000\n"
             "group_types = npo , volunteer\n"
             "statuses = registered,provisional ,deregistered\n"
             "min_members = 1000000\n"
             "members_exempt = neighborhood, committee\n"
             "min_years = 2\n"
             "max_years = 5\n"
             "partners_min = 2\n"
             "max_awards = 4\n"
             "max_consecutive = 2\n"
             "exclusive = tag_1-x\n"
             "expenses = running, travel\n"
             "[menu b]\n"
             "source = theme\n"
             "name = B\n"
             "group_types = any\n"
             "members_exempt = none\n"
             "exclusive =\n"
             "pass_score = 5\n"
             "rate = 0/1\n"
             "[menu c]\n"
             "source = group\n"
             "members_exempt =\n"
             "pass_score = 0.5\n");
    const kf_menu *m = kf_rules_menu(R, "a");
    ck_assert_str_eq(m->name, "a");
    ck_assert_int_eq(m->source, KF_SRC_FIELD);
    ck_assert_int_eq(m->review, KF_REVIEW_SCORED);
    ck_assert_int_eq(m->min_reviewers, 3);
    ck_assert(m->pass_score == 3.25);
    ck_assert_int_eq(m->rate.num, 2);
    ck_assert_int_eq(m->rate.den, 3);
    /* tiers sorted by min_cost ascending whatever the file order */
    ck_assert_int_eq(m->ntiers, 3);
    ck_assert_int_eq(m->tiers[0].min_cost, 100);
    ck_assert_int_eq(m->tiers[0].rate.num, 3);
    ck_assert_int_eq(m->tiers[0].rate.den, 4);
    ck_assert_int_eq(m->tiers[0].cap, 1000);
    ck_assert_int_eq(m->tiers[1].min_cost, 20000);
    ck_assert_int_eq(m->tiers[1].rate.num, 2);
    ck_assert_int_eq(m->tiers[1].rate.den, 3);
    ck_assert_int_eq(m->tiers[1].cap, 5000);
    ck_assert_int_eq(m->tiers[2].min_cost, 500000);
    ck_assert_int_eq(m->tiers[2].rate.num, 1);
    ck_assert_int_eq(m->tiers[2].rate.den, 2);
    ck_assert_int_eq(m->tiers[2].cap, 0);
    ck_assert_int_eq(m->min_award, 0);
    ck_assert_int_eq(m->round_down, 1);
    ck_assert_int_eq(m->round_budget, 3000000);
    ck_assert_uint_eq(m->group_types, KF_GT_NPO | KF_GT_VOLUNTEER);
    ck_assert_uint_eq(m->statuses, KF_ST_REGISTERED | KF_ST_PROVISIONAL | KF_ST_DEREGISTERED);
    ck_assert_int_eq(m->min_members, 1000000);
    ck_assert_uint_eq(m->members_exempt, KF_GT_NEIGHBORHOOD | KF_GT_COMMITTEE);
    ck_assert_int_eq(m->min_years, 2);
    ck_assert_int_eq(m->max_years, 5);
    ck_assert_int_eq(m->partners_min, 2);
    ck_assert_int_eq(m->max_awards, 4);
    ck_assert_int_eq(m->max_consecutive, 2);
    ck_assert_str_eq(m->exclusive, "tag_1-x");
    ck_assert_uint_eq(m->expenses, KF_EXP_RUNNING | KF_EXP_TRAVEL);

    m = kf_rules_menu(R, "b");
    ck_assert_str_eq(m->name, "B");
    ck_assert_int_eq(m->source, KF_SRC_THEME);
    ck_assert_uint_eq(m->group_types, KF_GT_ALL);
    ck_assert_uint_eq(m->members_exempt, 0);
    ck_assert_str_eq(m->exclusive, "");
    ck_assert(m->pass_score == 5.0);
    ck_assert_int_eq(m->rate.num, 0);
    ck_assert_int_eq(m->rate.den, 1);

    m = kf_rules_menu(R, "c");
    ck_assert_int_eq(m->source, KF_SRC_GROUP);
    ck_assert_uint_eq(m->members_exempt, 0);
    ck_assert(m->pass_score == 0.5);
}
END_TEST

START_TEST(fund_keys_and_deregister_to)
{
    /* deregister_to may name a field defined later in the file */
    parse_ok("[fund]\nname = F\nfy_start = 10-01\ndesignated_share = 9/10\n"
             "designated_round = 100\nderegister_to = field:welfare\n"
             "[fields]\nwelfare = W\n");
    ck_assert_str_eq(R->fund_name, "F");
    ck_assert_int_eq(R->fy_start_month, 10);
    ck_assert_int_eq(R->fy_start_day, 1);
    ck_assert_int_eq(R->designated_share.num, 9);
    ck_assert_int_eq(R->designated_share.den, 10);
    ck_assert_int_eq(R->designated_round, 100);
    ck_assert_str_eq(R->deregister_to, "field:welfare");

    parse_ok("[themes]\nsmart = S\n[fund]\nderegister_to = theme:smart\nfy_start = 12-31\n");
    ck_assert_str_eq(R->deregister_to, "theme:smart");
    ck_assert_int_eq(R->fy_start_month, 12);
    ck_assert_int_eq(R->fy_start_day, 31);

    parse_ok("[fund]\nderegister_to = general\nfy_start = 02-28\n");
    ck_assert_str_eq(R->deregister_to, "general");
    ck_assert_int_eq(R->fy_start_month, 2);
    ck_assert_int_eq(R->fy_start_day, 28);
    ck_assert_str_eq(R->interest_to, "general"); /* the default */

    /* interest_to: the pool interest earned goes to, like deregister_to */
    parse_ok("[fund]\ninterest_to = theme:smart\n[themes]\nsmart = S\n");
    ck_assert_str_eq(R->interest_to, "theme:smart");
    ck_assert_str_eq(R->deregister_to, "general");
    parse_ok("[fields]\nwelfare = W\n[fund]\ninterest_to = field:welfare\n");
    ck_assert_str_eq(R->interest_to, "field:welfare");

    /* empty sections are fine */
    parse_ok("[fund]\n[fields]\n[themes]\n[tiers]\n");
    ck_assert_int_eq(R->nfields, 0);
}
END_TEST

/* ---- comments, BOM, CRLF ------------------------------------------------------- */

START_TEST(comments_bom_crlf)
{
    parse_ok("; a comment\n"
             "# another\n"
             "   ; indented comment\n"
             "\t# indented hash comment\n"
             "\n"
             "[fund]   ; after a section\n"
             "name = Fund#1;x   # the '#' and ';' inside stay\n"
             "fy_start = 05-01\t; tab then comment\n"
             "[fields] # hash after a section\n"
             "  welfare = 福祉 ; inline\n"
             "\tculture=文化\t# tab before the comment\n"
             "[menu m]\n"
             "source = general # pool\n"
             "cap = 500000   # note\n"
             "rate = 1/2\t;x\n"
             "name = a#b;c\n");
    ck_assert_str_eq(R->fund_name, "Fund#1;x");
    ck_assert_int_eq(R->fy_start_month, 5);
    ck_assert_int_eq(R->nfields, 2);
    ck_assert_str_eq(kf_rules_field(R, "welfare")->label, "福祉");
    ck_assert_str_eq(kf_rules_field(R, "culture")->label, "文化");
    const kf_menu *m = kf_rules_menu(R, "m");
    ck_assert_int_eq(m->cap, 500000);
    ck_assert_int_eq(m->source, KF_SRC_GENERAL);
    ck_assert_str_eq(m->name, "a#b;c");
    ck_assert_int_eq(m->rate.num, 1);
    ck_assert_int_eq(m->rate.den, 2);
}
END_TEST

START_TEST(bom_and_crlf)
{
    parse_ok("\xEF\xBB\xBF[fund]\r\nname = ほっと\r\n\r\n[fields]\r\nwelfare = W  ; c\r\n"
             "culture = C\r\n[menu m]\r\nsource = field\r\ncap = 7\r\n");
    ck_assert_str_eq(R->fund_name, "ほっと");
    ck_assert_str_eq(kf_rules_field(R, "welfare")->label, "W");
    ck_assert_str_eq(kf_rules_field(R, "culture")->label, "C");
    ck_assert_int_eq(kf_rules_menu(R, "m")->cap, 7);

    /* line numbers count CRLF lines and the BOM line as line 1 */
    kf_err err;
    ck_assert_int_eq(parse("\xEF\xBB\xBF[fund]\r\n\r\nfoo = 1\r\n", &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "t.ini:3: [fund] foo: unknown key");
    ck_assert_int_eq(parse("\xEF\xBB\xBF"
                           "foo = 1\n",
                           &err),
                     KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "t.ini:1: foo: key outside any section");
    /* a BOM anywhere but the start is not whitespace */
    ck_assert_int_eq(parse("[fund]\n\xEF\xBB\xBF"
                           "name = x\n",
                           &err),
                     KF_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "t.ini:2: "));
}
END_TEST

START_TEST(length_not_nul)
{
    /* only len bytes are read */
    const char text[] = "[fund]\nname = abcXYZ\nfoo = 1\n";
    kf_err err;
    ck_assert_int_eq(kf_rules_parse(text, strlen("[fund]\nname = abc"), "t.ini", R, &err), KF_OK);
    ck_assert_str_eq(R->fund_name, "abc");
    /* a NUL byte inside the text is an error on its line */
    const char nul[] = "[fund]\nname = a\0b\n";
    ck_assert_int_eq(kf_rules_parse(nul, sizeof nul - 1, "t.ini", R, &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "t.ini:2: control character in the line");
    /* NULL text with len 0 and a NULL file name */
    ck_assert_int_eq(kf_rules_parse(NULL, 0, NULL, R, &err), KF_OK);
    ck_assert_int_eq(kf_rules_parse("[x]\n", 4, NULL, R, &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "rules:1: [x]: unknown section (expected [fund], [fields], "
                              "[themes], [tiers] or [menu <code>])");
    /* a NULL err is allowed */
    ck_assert_int_eq(kf_rules_parse("[x]\n", 4, "t.ini", R, NULL), KF_BAD_INPUT);
}
END_TEST

START_TEST(long_lines)
{
    char text[2048];
    char comment[600];
    memset(comment, 'c', sizeof comment - 1);
    comment[sizeof comment - 1] = '\0';
    /* a long comment is fine: only the content must fit inih's line buffer */
    snprintf(text, sizeof text, "[fund] ; %s\nname = x   # %s\n; %s\n", comment, comment, comment);
    parse_ok(text);
    ck_assert_str_eq(R->fund_name, "x");
    /* a 190-byte label fits */
    char label[191];
    memset(label, 'a', sizeof label - 1);
    label[sizeof label - 1] = '\0';
    snprintf(text, sizeof text, "[fields]\nw = %s\n", label);
    parse_ok(text);
    ck_assert_str_eq(R->fields[0].label, label);
    /* a 300-byte label does not, and says so instead of splitting the line */
    snprintf(text, sizeof text, "[fields]\nw = %s%s\n", comment + 300, "");
    kf_err err;
    ck_assert_int_eq(parse(text, &err), KF_BAD_INPUT);
    ck_assert_msg(strncmp(err.msg, "t.ini:2: [fields]: line too long", 32) == 0, "%s", err.msg);
}
END_TEST

START_TEST(limits)
{
    static char text[16384];
    size_t len = 0;
    len += (size_t)snprintf(text + len, sizeof text - len, "[fields]\n");
    for (int i = 0; i < KF_RULES_MAX_ITEMS; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "f%d = L%d\n", i, i);
    parse_ok(text);
    ck_assert_int_eq(R->nfields, KF_RULES_MAX_ITEMS);
    ck_assert_str_eq(kf_rules_field(R, "f63")->label, "L63");
    snprintf(text + len, sizeof text - len, "f64 = L64\n");
    kf_err err;
    ck_assert_int_eq(parse(text, &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "t.ini:66: [fields] f64: more than 64 entries");

    /* 64 menus fit, the 65th does not */
    len = 0;
    for (int i = 0; i < KF_RULES_MAX_ITEMS; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "[menu m%d]\nsource = general\n", i);
    parse_ok(text);
    ck_assert_int_eq(R->nmenus, KF_RULES_MAX_ITEMS);
    ck_assert_str_eq(R->menus[63].code, "m63");
    snprintf(text + len, sizeof text - len, "[menu m64]\nsource = general\n");
    ck_assert_int_eq(parse(text, &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "t.ini:129: [menu m64]: more than 64 menus");

    /* 8 tiers fit, the 9th does not */
    len = (size_t)snprintf(text, sizeof text, "[menu m]\nsource = general\n");
    for (int i = 1; i <= KF_MENU_MAX_TIERS; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "tier.%d = 1/2, %d\n",
                                (KF_MENU_MAX_TIERS + 1 - i) * 1000, i);
    parse_ok(text);
    ck_assert_int_eq(R->menus[0].ntiers, KF_MENU_MAX_TIERS);
    for (int i = 0; i < KF_MENU_MAX_TIERS; i++) {
        ck_assert_int_eq(R->menus[0].tiers[i].min_cost, (i + 1) * 1000);
        ck_assert_int_eq(R->menus[0].tiers[i].cap, KF_MENU_MAX_TIERS - i);
    }
    snprintf(text + len, sizeof text - len, "tier.99999 = 1/2, 5\n");
    ck_assert_int_eq(parse(text, &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "t.ini:11: [menu m] tier.99999: more than 8 tiers in a menu");

    /* codes of 64 characters are fine, 65 are not */
    char code[KF_CODE_MAX + 2];
    memset(code, 'x', sizeof code - 1);
    code[KF_CODE_MAX] = '\0';
    snprintf(text, sizeof text, "[menu %s]\nsource = group\n[themes]\n%s = T\n", code, code);
    parse_ok(text);
    ck_assert_str_eq(R->menus[0].code, code);
    ck_assert_str_eq(R->themes[0].code, code);
    code[KF_CODE_MAX] = 'x';
    code[KF_CODE_MAX + 1] = '\0';
    snprintf(text, sizeof text, "[themes]\n%s = T\n", code);
    ck_assert_int_eq(parse(text, &err), KF_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "t.ini:2: [themes] xxxx"));
    ck_assert_ptr_nonnull(strstr(err.msg, "is not a code"));
    snprintf(text, sizeof text, "[fund]\n\n[menu %s]\nsource = group\n", code);
    ck_assert_int_eq(parse(text, &err), KF_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "t.ini:3: [menu xxxx"));
    ck_assert_ptr_nonnull(strstr(err.msg, "is not a code"));
}
END_TEST

/* ---- errors -------------------------------------------------------------------- */

#define M "[menu m]\nsource = general\n" /* lines 1-2 */

typedef struct {
    const char *text;
    const char *prefix; /* the message starts with this: file:line: [section] key: */
    const char *what;   /* and contains this */
} err_case;

static const err_case err_cases[] = {
    /* sections */
    {"[fnd]\n", "t.ini:1: [fnd]: ", "unknown section"},
    {"[fund]\nname = x\n\n[bogus stuff]\n", "t.ini:4: [bogus stuff]: ", "unknown section"},
    {"[Fund]\n", "t.ini:1: [Fund]: ", "unknown section"},
    {"[fund]\n[fields]\n[fund]\n", "t.ini:3: [fund]: ", "duplicate section"},
    {"[fields]\na = x\n[themes]\n[fields]\n", "t.ini:4: [fields]: ", "duplicate section"},
    {"[tiers]\n[tiers]\n", "t.ini:2: [tiers]: ", "duplicate section"},
    {"[themes]\n[themes]\n", "t.ini:2: [themes]: ", "duplicate section"},
    {M "[menu m]\n", "t.ini:3: [menu m]: ", "duplicate menu 'm'"},
    {M "[menu x]\nsource = group\n[menu  m ]\n", "t.ini:5: [menu m]: ", "duplicate menu"},
    {"[menu Field]\nsource = field\n", "t.ini:1: [menu Field]: ", "'Field' is not a code"},
    {"[menu]\nsource = field\n", "t.ini:1: [menu]: ", "'' is not a code"},
    {"[menu a b]\nsource = field\n", "t.ini:1: [menu a b]: ", "'a b' is not a code"},
    {"[menu é]\nsource = field\n", "t.ini:1: [menu é]: ", "is not a code"},
    {"[menux]\n", "t.ini:1: [menux]: ", "unknown section"},
    /* keys */
    {"name = x\n", "t.ini:1: name: ", "key outside any section"},
    {"[fund]\nfy_start = 04-01\nfoo = 1\n", "t.ini:3: [fund] foo: ", "unknown key"},
    {M "rte = 1/2\n", "t.ini:3: [menu m] rte: ", "unknown key"},
    {M "Rate = 1/2\n", "t.ini:3: [menu m] Rate: ", "unknown key"},
    {M "tiers = 1/2\n", "t.ini:3: [menu m] tiers: ", "unknown key"},
    {"[fund]\nname = a\nname = b\n", "t.ini:3: [fund] name: ", "duplicate key"},
    {M "rate = 1/2\ncap = 5\nrate = 1/3\n", "t.ini:5: [menu m] rate: ", "duplicate key"},
    {M "source = field\n", "t.ini:3: [menu m] source: ", "duplicate key"},
    {"[fields]\nwelfare = a\nculture = b\nwelfare = c\n",
     "t.ini:4: [fields] welfare: ", "duplicate key"},
    {"[themes]\nsmart = a\nsmart = b\n", "t.ini:3: [themes] smart: ", "duplicate key"},
    {"[tiers]\ngold = 1\ngold = 2\n", "t.ini:3: [tiers] gold: ", "duplicate key"},
    {M "tier.100 = 1/2, 5\ntier.100 = 1/3, 6\n", "t.ini:4: [menu m] tier.100: ", "duplicate key"},
    {"[fields]\nWelfare = x\n", "t.ini:2: [fields] Welfare: ", "'Welfare' is not a code"},
    {"[fields]\na b = x\n", "t.ini:2: [fields] a b: ", "is not a code"},
    {"[themes]\n= x\n", "t.ini:2: [themes] : ", "'' is not a code"},
    {"[tiers]\nGold = 5\n", "t.ini:2: [tiers] Gold: ", "is not a code"},
    /* labels */
    {"[fields]\nwelfare =\n", "t.ini:2: [fields] welfare: ", "label is empty"},
    {"[themes]\nsmart = ; only a comment\n", "t.ini:2: [themes] smart: ", "label is empty"},
    {"[fund]\nname = \n", "t.ini:2: [fund] name: ", "label is empty"},
    {"[menu m]\nname =\nsource = group\n", "t.ini:2: [menu m] name: ", "label is empty"},
    /* ratios */
    {M "rate = 3/0\n", "t.ini:3: [menu m] rate: ", "'3/0' is not a ratio N/D with D > 0"},
    {M "rate = 11/10\n", "t.ini:3: [menu m] rate: ", "'11/10' is not a ratio N/D with 0 <= N"},
    {M "rate = -1/2\n", "t.ini:3: [menu m] rate: ", "'-1/2' is not a ratio N/D with 0 <= N"},
    {M "rate = 1/-2\n", "t.ini:3: [menu m] rate: ", "'1/-2' is not a ratio N/D with D > 0"},
    {M "rate = a/b\n", "t.ini:3: [menu m] rate: ", "'a/b' is not a ratio N/D"},
    {M "rate = 1/2/3\n", "t.ini:3: [menu m] rate: ", "'1/2/3' is not a ratio N/D"},
    {M "rate = 1/\n", "t.ini:3: [menu m] rate: ", "'1/' is not a ratio N/D"},
    {M "rate = /2\n", "t.ini:3: [menu m] rate: ", "'/2' is not a ratio N/D"},
    {M "rate = 0.5\n", "t.ini:3: [menu m] rate: ", "'0.5' is not a ratio N/D"},
    {M "rate =\n", "t.ini:3: [menu m] rate: ", "'' is not a ratio N/D"},
    {M "rate = 1/2000000\n", "t.ini:3: [menu m] rate: ", "with D <= 1000000"},
    {M "rate = +1/2\n", "t.ini:3: [menu m] rate: ", "is not a ratio"},
    {"[fund]\ndesignated_share = 101/100\n",
     "t.ini:2: [fund] designated_share: ", "'101/100' is not a ratio"},
    /* money */
    {M "cap = -1\n", "t.ini:3: [menu m] cap: ", "'-1' is not an amount of yen"},
    {M "cap = abc\n", "t.ini:3: [menu m] cap: ", "'abc' is not an amount of yen"},
    {M "cap = 1,000\n", "t.ini:3: [menu m] cap: ", "'1,000' is not an amount of yen"},
    {M "cap = 1.5\n", "t.ini:3: [menu m] cap: ", "is not an amount of yen"},
    {M "cap = 1000000000001\n", "t.ini:3: [menu m] cap: ", "is not an amount of yen"},
    {M "cap = 99999999999999999999999\n", "t.ini:3: [menu m] cap: ", "is not an amount"},
    {M "cap =\n", "t.ini:3: [menu m] cap: ", "'' is not an amount of yen"},
    {M "min_award = -5\n", "t.ini:3: [menu m] min_award: ", "is not an amount of yen"},
    {M "round_budget = x\n", "t.ini:3: [menu m] round_budget: ", "is not an amount of yen"},
    {M "round_down = 0\n", "t.ini:3: [menu m] round_down: ", "'0' is not a whole number of yen"},
    {M "round_down = -1000\n", "t.ini:3: [menu m] round_down: ", "is not a whole number of yen"},
    {"[fund]\ndesignated_round = 0\n",
     "t.ini:2: [fund] designated_round: ", "is not a whole number of yen >= 1"},
    {"[tiers]\nregular = -1\n", "t.ini:2: [tiers] regular: ", "'-1' is not an amount of yen"},
    {"[tiers]\nregular = 3,000\n", "t.ini:2: [tiers] regular: ", "is not an amount of yen"},
    /* menu tiers */
    {M "tier.1000002 = 1/2\n", "t.ini:3: [menu m] tier.1000002: ", "'1/2' lacks the cap"},
    {M "tier.0 = 1/2, 5\n", "t.ini:3: [menu m] tier.0: ", "threshold '0' is not a positive"},
    {M "tier.abc = 1/2, 5\n", "t.ini:3: [menu m] tier.abc: ", "threshold 'abc'"},
    {M "tier.-5 = 1/2, 5\n", "t.ini:3: [menu m] tier.-5: ", "threshold '-5'"},
    {M "tier. = 1/2, 5\n", "t.ini:3: [menu m] tier.: ", "threshold ''"},
    {M "tier.1e6 = 1/2, 5\n", "t.ini:3: [menu m] tier.1e6: ", "threshold '1e6'"},
    {M "tier.5 = 1/2, x\n", "t.ini:3: [menu m] tier.5: ", "cap 'x' is not an amount of yen"},
    {M "tier.5 = 1/2, -1\n", "t.ini:3: [menu m] tier.5: ", "is not an amount of yen"},
    {M "tier.5 = 1/2,\n", "t.ini:3: [menu m] tier.5: ", "is not an amount of yen"},
    {M "tier.5 = 1/2, 3, 4\n", "t.ini:3: [menu m] tier.5: ", "is not an amount of yen"},
    {M "tier.5 = 3/2, 5\n", "t.ini:3: [menu m] tier.5: ", "'3/2' is not a ratio N/D"},
    {M "tier.5 = 1/0, 5\n", "t.ini:3: [menu m] tier.5: ", "'1/0' is not a ratio N/D with D > 0"},
    {M "tier.5 = , 5\n", "t.ini:3: [menu m] tier.5: ", "'' is not a ratio N/D"},
    /* enums and lists */
    {"[menu m]\nsource = pool\n",
     "t.ini:2: [menu m] source: ", "'pool' is not one of group|field|theme|general"},
    {"[menu m]\nsource =\n", "t.ini:2: [menu m] source: ", "'' is not one of"},
    {M "review = scores\n", "t.ini:3: [menu m] review: ", "'scores' is not one of none|scored"},
    {M "group_types = npo, club\n",
     "t.ini:3: [menu m] group_types: ", "'club' is not a known group type"},
    {M "group_types = npo,, volunteer\n", "t.ini:3: [menu m] group_types: ", "empty item"},
    {M "group_types =\n", "t.ini:3: [menu m] group_types: ", "list is empty"},
    {M "statuses = registered, gone\n",
     "t.ini:3: [menu m] statuses: ", "'gone' is not a known group status"},
    {M "statuses =\n", "t.ini:3: [menu m] statuses: ", "list is empty"},
    {M "statuses = registered,\n", "t.ini:3: [menu m] statuses: ", "empty item"},
    {M "expenses = honoraria, food\n",
     "t.ini:3: [menu m] expenses: ", "'food' is not a known expense category"},
    {M "expenses = all\n", "t.ini:3: [menu m] expenses: ", "'all' is not a known expense"},
    {M "expenses =\n", "t.ini:3: [menu m] expenses: ", "list is empty"},
    {M "members_exempt = neighbourhood\n",
     "t.ini:3: [menu m] members_exempt: ", "'neighbourhood' is not a known group type"},
    {M "members_exempt = none, npo\n", "t.ini:3: [menu m] members_exempt: ", "'none'"},
    {M "members_exempt = any\n", "t.ini:3: [menu m] members_exempt: ", "'any'"},
    {M "exclusive = Annual!\n", "t.ini:3: [menu m] exclusive: ", "tag 'Annual!' is not a code"},
    {M "exclusive = a b\n", "t.ini:3: [menu m] exclusive: ", "tag 'a b' is not a code"},
    /* fy_start */
    {"[fund]\nfy_start = 13-01\n", "t.ini:2: [fund] fy_start: ", "'13-01' is not a month-day"},
    {"[fund]\nfy_start = 02-29\n", "t.ini:2: [fund] fy_start: ", "'02-29' is not a month-day"},
    {"[fund]\nfy_start = 04-31\n", "t.ini:2: [fund] fy_start: ", "'04-31'"},
    {"[fund]\nfy_start = 4-1\n", "t.ini:2: [fund] fy_start: ", "'4-1'"},
    {"[fund]\nfy_start = 00-10\n", "t.ini:2: [fund] fy_start: ", "'00-10'"},
    {"[fund]\nfy_start = 04-00\n", "t.ini:2: [fund] fy_start: ", "'04-00'"},
    {"[fund]\nfy_start = 0401\n", "t.ini:2: [fund] fy_start: ", "'0401'"},
    {"[fund]\nfy_start = 04/01\n", "t.ini:2: [fund] fy_start: ", "'04/01'"},
    {"[fund]\nfy_start = 2026-04-01\n", "t.ini:2: [fund] fy_start: ", "'2026-04-01'"},
    /* pass_score and counts */
    {M "pass_score = 5.5\n", "t.ini:3: [menu m] pass_score: ", "'5.5' is not a score 0..5"},
    {M "pass_score = 6\n", "t.ini:3: [menu m] pass_score: ", "'6' is not a score"},
    {M "pass_score = -1\n", "t.ini:3: [menu m] pass_score: ", "'-1' is not a score"},
    {M "pass_score = abc\n", "t.ini:3: [menu m] pass_score: ", "'abc' is not a score"},
    {M "pass_score = nan\n", "t.ini:3: [menu m] pass_score: ", "'nan' is not a score"},
    {M "pass_score = inf\n", "t.ini:3: [menu m] pass_score: ", "'inf' is not a score"},
    {M "pass_score = 3.\n", "t.ini:3: [menu m] pass_score: ", "'3.' is not a score"},
    {M "pass_score = .5\n", "t.ini:3: [menu m] pass_score: ", "'.5' is not a score"},
    {M "pass_score = 1e0\n", "t.ini:3: [menu m] pass_score: ", "'1e0' is not a score"},
    {M "pass_score = 3.1234567\n", "t.ini:3: [menu m] pass_score: ", "is not a score"},
    {M "pass_score = 5.000001\n", "t.ini:3: [menu m] pass_score: ", "is not a score"},
    {M "pass_score =\n", "t.ini:3: [menu m] pass_score: ", "'' is not a score"},
    {M "min_reviewers = 0\n",
     "t.ini:3: [menu m] min_reviewers: ", "'0' is not a whole number 1..1000000"},
    {M "min_members = -1\n",
     "t.ini:3: [menu m] min_members: ", "'-1' is not a whole number 0..1000000"},
    {M "min_years = x\n", "t.ini:3: [menu m] min_years: ", "'x' is not a whole number"},
    {M "max_years = 1.5\n", "t.ini:3: [menu m] max_years: ", "'1.5' is not a whole number"},
    {M "partners_min = 1000001\n", "t.ini:3: [menu m] partners_min: ", "is not a whole number"},
    {M "max_awards = -3\n", "t.ini:3: [menu m] max_awards: ", "is not a whole number"},
    {M "max_consecutive = three\n", "t.ini:3: [menu m] max_consecutive: ", "is not a whole number"},
    /* checks after the whole file */
    {"[fund]\n\n[menu m]\nname = x\n", "t.ini:3: [menu m] source: ", "missing (required"},
    {M "[menu n]\nname = N\n[menu o]\n", "t.ini:3: [menu n] source: ", "missing"},
    {M "min_years = 3\nmax_years = 3\n",
     "t.ini:4: [menu m] max_years: ", "3 is not above min_years 3"},
    {M "max_years = 2\nmin_years = 5\n", "t.ini:3: [menu m] max_years: ", "is not above"},
    {"[fund]\nderegister_to = nope\n",
     "t.ini:2: [fund] deregister_to: ", "'nope' is not general or field:<code>/theme:<code>"},
    {"[fields]\nwelfare = W\n[fund]\nname = F\nderegister_to = field:zzz\n",
     "t.ini:5: [fund] deregister_to: ", "'field:zzz'"},
    {"[fields]\nwelfare = W\n[fund]\nderegister_to = theme:welfare\n",
     "t.ini:4: [fund] deregister_to: ", "'theme:welfare'"},
    {"[fund]\nderegister_to = group:G001\n", "t.ini:2: [fund] deregister_to: ", "'group:G001'"},
    {"[fund]\nderegister_to = field:\n", "t.ini:2: [fund] deregister_to: ", "'field:'"},
    {"[fund]\nderegister_to =\n", "t.ini:2: [fund] deregister_to: ", "'' is not general"},
    {"[fund]\ninterest_to = nope\n",
     "t.ini:2: [fund] interest_to: ", "'nope' is not general or field:<code>/theme:<code>"},
    {"[fields]\nwelfare = W\n[fund]\nname = F\ninterest_to = field:zzz\n",
     "t.ini:5: [fund] interest_to: ", "'field:zzz'"},
    {"[fund]\ninterest_to = group:G001\n", "t.ini:2: [fund] interest_to: ", "'group:G001'"},
    {"[fund]\ninterest_to =\n", "t.ini:2: [fund] interest_to: ", "'' is not general"},
    {"[fund]\ninterest_to = general\ninterest_to = general\n",
     "t.ini:3: [fund] interest_to: ", "duplicate key"},
    /* syntax errors and the order of errors */
    {"[fund]\nname = x\njunk\n", "t.ini:3: syntax error", ""},
    {"[fund\n", "t.ini:1: syntax error", ""},
    {"[fund] extra\n", "t.ini:1: syntax error", "text after ']'"},
    {"[fund]\nname = x\n  more text\n", "t.ini:3: syntax error", ""},
    {"[fund]\njunk\nfoo = 1\n", "t.ini:2: syntax error", ""},
    {"[fund]\nfoo = 1\njunk\n", "t.ini:2: [fund] foo: ", "unknown key"},
    {"[fund]\njunk\n[nope]\n", "t.ini:2: syntax error", ""},
    {"[nope]\njunk\n", "t.ini:1: [nope]: ", "unknown section"},
    {"[fund]\n; c\n# c\nfoo = 1 # z\n", "t.ini:4: [fund] foo: ", "unknown key"},
    {"[fund] ; c\r\n\r\nfoo = 1 ; x\r\n", "t.ini:3: [fund] foo: ", "unknown key"},
    /* encoding */
    {"[fund]\nname = \xff\n", "t.ini:2: ", "not valid UTF-8"},
    {"[fund]\nname = \xe3\x81\n", "t.ini:2: ", "not valid UTF-8"},
    {"[fund]\nname = \xc0\xaf\n", "t.ini:2: ", "not valid UTF-8"},
    {"[fund]\nname = \xed\xa0\x80\n", "t.ini:2: ", "not valid UTF-8"},
    {"[fund]\n; \x82\xb3\x82\xdb\n", "t.ini:2: ", "not valid UTF-8"},
    {"[fund]\nname = a\x01"
     "b\n",
     "t.ini:2: ", "control character"},
    {"[fund]\nname = a\rb\n", "t.ini:2: ", "control character"},
};

START_TEST(error_cases)
{
    const err_case *c = &err_cases[_i];
    kf_err err;
    kf_code rc = parse(c->text, &err);
    ck_assert_msg(rc == KF_BAD_INPUT, "case %d (%s): rc %d", _i, c->text, rc);
    ck_assert_int_eq(err.code, KF_BAD_INPUT);
    ck_assert_msg(strncmp(err.msg, c->prefix, strlen(c->prefix)) == 0,
                  "case %d: message '%s' does not start with '%s'", _i, err.msg, c->prefix);
    ck_assert_msg(strstr(err.msg + strlen(c->prefix), c->what) != NULL,
                  "case %d: message '%s' lacks '%s'", _i, err.msg, c->what);
}
END_TEST

START_TEST(error_message_exact)
{
    kf_err err;
    ck_assert_int_eq(parse("[fund]\nname = x\n\n[menu field]\nsource = field\n"
                           "; rates\n"
                           "rate = 3/0   ; bad\n",
                           &err),
                     KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "t.ini:7: [menu field] rate: '3/0' is not a ratio N/D with D > 0");
    ck_assert_int_eq(kf_rules_parse("[menu m]\nsource = general\ntier.1000002 = 1/2\n",
                                    strlen("[menu m]\nsource = general\ntier.1000002 = 1/2\n"),
                                    "rules.ini", R, &err),
                     KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "rules.ini:3: [menu m] tier.1000002: '1/2' lacks the cap: write "
                              "tier.1000002 = N/D, cap (cap 0 = none)");
    ck_assert_int_eq(parse("[fund]\nname = x\n\nbad line\n", &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg,
                     "t.ini:4: syntax error: expected [section], key = value or a comment");
    ck_assert_int_eq(parse("[fund]\n[fund]\n", &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "t.ini:2: [fund]: duplicate section");
    ck_assert_int_eq(parse("[menu m]\nname = x\n", &err), KF_BAD_INPUT);
    ck_assert_str_eq(err.msg, "t.ini:1: [menu m] source: missing (required: group, field, theme or "
                              "general)");
}
END_TEST

/* ---- fiscal years ------------------------------------------------------------------ */

START_TEST(fiscal_years_april)
{
    kf_rules_default(R);
    ck_assert_int_eq(kf_rules_fy(R, "2027-03-31"), 2026);
    ck_assert_int_eq(kf_rules_fy(R, "2026-04-01"), 2026);
    ck_assert_int_eq(kf_rules_fy(R, "2026-03-31"), 2025);
    ck_assert_int_eq(kf_rules_fy(R, "2026-12-31"), 2026);
    ck_assert_int_eq(kf_rules_fy(R, "2027-01-01"), 2026);
    ck_assert_int_eq(kf_rules_fy(R, "2026-02-30"), -1);
    ck_assert_int_eq(kf_rules_fy(R, "2026-4-1"), -1);
    ck_assert_int_eq(kf_rules_fy(R, NULL), -1);
    /* an April 1 start */
    const char *dates[] = {"2024-02-29", "2025-04-01", "2025-03-31", "2000-12-01"};
    const int fys[] = {2023, 2025, 2024, 2000};
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(kf_rules_fy(R, dates[i]), fys[i]);
    char first[11], last[11];
    kf_rules_fy_bounds(R, 2026, first, last);
    ck_assert_str_eq(first, "2026-04-01");
    ck_assert_str_eq(last, "2027-03-31");
    kf_rules_fy_bounds(R, 2023, first, last);
    ck_assert_str_eq(first, "2023-04-01");
    ck_assert_str_eq(last, "2024-03-31");
    /* the fixture starts in April too */
    parse_fixture();
    ck_assert_int_eq(kf_rules_fy(R, "2027-03-31"), 2026);
}
END_TEST

START_TEST(fiscal_years_other_starts)
{
    char first[11], last[11];
    /* calendar year */
    parse_ok("[fund]\nfy_start = 01-01\n");
    ck_assert_int_eq(kf_rules_fy(R, "2026-01-01"), 2026);
    ck_assert_int_eq(kf_rules_fy(R, "2026-12-31"), 2026);
    ck_assert_int_eq(kf_rules_fy(R, "2025-12-31"), 2025);
    kf_rules_fy_bounds(R, 2026, first, last);
    ck_assert_str_eq(first, "2026-01-01");
    ck_assert_str_eq(last, "2026-12-31");

    /* March 1: the FY ends on the last day of February, 28 or 29 */
    parse_ok("[fund]\nfy_start = 03-01\n");
    ck_assert_int_eq(kf_rules_fy(R, "2028-02-29"), 2027);
    ck_assert_int_eq(kf_rules_fy(R, "2028-03-01"), 2028);
    kf_rules_fy_bounds(R, 2027, first, last);
    ck_assert_str_eq(first, "2027-03-01");
    ck_assert_str_eq(last, "2028-02-29");
    kf_rules_fy_bounds(R, 2026, first, last);
    ck_assert_str_eq(first, "2026-03-01");
    ck_assert_str_eq(last, "2027-02-28");
    kf_rules_fy_bounds(R, 2099, first, last);
    ck_assert_str_eq(last, "2100-02-28"); /* 2100 is not a leap year */
    kf_rules_fy_bounds(R, 1999, first, last);
    ck_assert_str_eq(last, "2000-02-29"); /* 2000 is */

    /* October 1 (e.g. a fund on the national FY of a partner) */
    parse_ok("[fund]\nfy_start = 10-01\n");
    ck_assert_int_eq(kf_rules_fy(R, "2026-09-30"), 2025);
    ck_assert_int_eq(kf_rules_fy(R, "2026-10-01"), 2026);
    kf_rules_fy_bounds(R, 2026, first, last);
    ck_assert_str_eq(first, "2026-10-01");
    ck_assert_str_eq(last, "2027-09-30");

    /* a mid-month start */
    parse_ok("[fund]\nfy_start = 07-16\n");
    ck_assert_int_eq(kf_rules_fy(R, "2026-07-15"), 2025);
    ck_assert_int_eq(kf_rules_fy(R, "2026-07-16"), 2026);
    ck_assert_int_eq(kf_rules_fy(R, "2026-08-01"), 2026);
    ck_assert_int_eq(kf_rules_fy(R, "2026-06-30"), 2025);
    kf_rules_fy_bounds(R, 2026, first, last);
    ck_assert_str_eq(first, "2026-07-16");
    ck_assert_str_eq(last, "2027-07-15");

    /* every date of a few years falls in the FY whose bounds contain it */
    const int starts[][2] = {{4, 1}, {1, 1}, {3, 1}, {12, 31}, {2, 28}};
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        kf_rules_default(R);
        R->fy_start_month = starts[s][0];
        R->fy_start_day = starts[s][1];
        for (int y = 2023; y <= 2029; y++) {
            for (int m = 1; m <= 12; m++) {
                for (int d = 1; d <= 31; d++) {
                    char date[48];
                    snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
                    int fy = kf_rules_fy(R, date);
                    if (fy < 0) continue;
                    kf_rules_fy_bounds(R, fy, first, last);
                    ck_assert_msg(strcmp(first, date) <= 0 && strcmp(date, last) <= 0,
                                  "%s not in FY %d (%s..%s)", date, fy, first, last);
                }
            }
        }
    }
}
END_TEST

/* ---- JSON ---------------------------------------------------------------------- */

static const char *to_json(kf_buf *b)
{
    b->len = 0;
    cli_rules_json(R, b);
    ck_assert(!b->failed);
    return b->data;
}

START_TEST(json_minimal_exact)
{
    kf_buf b = {0};
    parse_ok("[menu m]\nsource = general\n");
    ck_assert_str_eq(to_json(&b),
                     "{\"fund\":{\"name\":\"\",\"fy_start\":\"04-01\",\"designated_share\":"
                     "\"100/100\",\"designated_round\":1,\"deregister_to\":\"general\","
                     "\"interest_to\":\"general\"},"
                     "\"fields\":{},\"themes\":{},\"tiers\":{},\"menus\":{\"m\":{"
                     "\"name\":\"m\",\"source\":\"general\",\"review\":\"none\","
                     "\"min_reviewers\":1,\"pass_score\":0,\"rate\":\"10/10\",\"cap\":0,"
                     "\"min_award\":0,\"round_down\":1000,\"round_budget\":0,"
                     "\"group_types\":[\"neighborhood\",\"volunteer\",\"npo\",\"committee\","
                     "\"other\"],\"statuses\":[\"registered\"],\"min_members\":0,"
                     "\"members_exempt\":[],\"min_years\":0,\"max_years\":0,"
                     "\"partners_min\":0,\"max_awards\":0,\"max_consecutive\":0,"
                     "\"exclusive\":\"\",\"expenses\":[\"honoraria\",\"services\",\"rental\","
                     "\"equipment\",\"travel\",\"other\"]}}}");
    /* escaping */
    parse_ok("[fund]\nname = a\"b\\c\tz\n[fields]\nw = 福祉\n[tiers]\ngold = 10000\n"
             "[menu m]\nsource = field\npass_score = 3.25\nexpenses = running\n");
    const char *j = to_json(&b);
    ck_assert_ptr_nonnull(strstr(j, "\"name\":\"a\\\"b\\\\c\\tz\""));
    ck_assert_ptr_nonnull(strstr(j, "\"fields\":{\"w\":\"福祉\"}"));
    ck_assert_ptr_nonnull(strstr(j, "\"tiers\":{\"gold\":10000}"));
    ck_assert_ptr_nonnull(strstr(j, "\"pass_score\":3.25,"));
    ck_assert_ptr_nonnull(strstr(j, "\"expenses\":[\"running\"]"));
    parse_ok("[menu m]\nsource = field\npass_score = 0.000001\n");
    ck_assert_ptr_nonnull(strstr(to_json(&b), "\"pass_score\":0.000001,"));
    kf_buf_free(&b);
}
END_TEST

START_TEST(json_fixture)
{
    kf_buf b = {0};
    parse_fixture();
    const char *j = to_json(&b);
    const char *want[] = {
        "{\"fund\":{\"name\":\"さぽーとほっと基金\",\"fy_start\":\"04-01\","
        "\"designated_share\":\"100/100\",\"designated_round\":1,\"deregister_to\":\"general\","
        "\"interest_to\":\"general\"}",
        "\"fields\":{\"welfare\":\"保健・医療・福祉の増進\","
        "\"machizukuri\":\"まちづくりの推進\","
        "\"culture\":\"文化・スポーツ・観光・経済等の振興\","
        "\"children\":\"子どもの健全育成\"}",
        "\"themes\":{\"smart\":\"スマート市民活動\"}",
        "\"tiers\":{\"regular\":3000,\"gold\":10000}",
        "\"menus\":{\"designated\":{\"name\":\"団体指定助成\",\"source\":\"group\"",
        "\"field\":{\"name\":\"分野指定助成\",\"source\":\"field\",\"review\":\"scored\","
        "\"min_reviewers\":2,\"pass_score\":3,\"rate\":\"8/10\",\"cap\":500000,"
        "\"tier.1000002\":{\"rate\":\"1/2\",\"cap\":1000000},\"min_award\":100000,"
        "\"round_down\":1000,\"round_budget\":0,",
        "\"statuses\":[\"registered\"],\"min_members\":10,"
        "\"members_exempt\":[\"neighborhood\"],\"min_years\":1,\"max_years\":0,"
        "\"partners_min\":0,\"max_awards\":3,\"max_consecutive\":0,\"exclusive\":\"annual\"",
        "\"small\":{\"name\":\"小口・スタートアップ助成\"",
        "\"statuses\":[\"registered\",\"provisional\"],\"min_members\":5",
        "\"max_years\":3,\"partners_min\":0,\"max_awards\":0,\"max_consecutive\":3",
        "\"collab\":{\"name\":\"協働助成\",\"source\":\"general\",\"review\":\"scored\","
        "\"min_reviewers\":2,\"pass_score\":3,\"rate\":\"8/10\",\"cap\":500000,",
        "\"partners_min\":1,",
        "\"theme\":{\"name\":\"テーマ助成\",\"source\":\"theme\",\"review\":\"none\","
        "\"min_reviewers\":1,\"pass_score\":0,\"rate\":\"10/10\",\"cap\":2000000,"
        "\"min_award\":100000,",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(j, want[i]) != NULL, "JSON lacks %s\nin %s", want[i], j);
    ck_assert(j[strlen(j) - 1] == '}');
    ck_assert_ptr_null(strstr(j, "\"running\""));
    /* brackets balance (no string in the fixture holds one) */
    int depth = 0;
    for (const char *p = j; *p; p++) {
        depth += (*p == '{' || *p == '[') - (*p == '}' || *p == ']');
        ck_assert_int_ge(depth, 0);
    }
    ck_assert_int_eq(depth, 0);
    kf_buf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tu_core(s, setup, teardown);
    tcase_add_test(tc, fixture_fund_fields_themes_tiers);
    tcase_add_test(tc, fixture_menu_designated_and_field);
    tcase_add_test(tc, fixture_menu_small_collab_theme);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, name_parsers);
    tcase_add_test(tc, values_lists_tiers);
    tcase_add_test(tc, fund_keys_and_deregister_to);
    tcase_add_test(tc, comments_bom_crlf);
    tcase_add_test(tc, bom_and_crlf);
    tcase_add_test(tc, length_not_nul);
    tcase_add_test(tc, long_lines);
    tcase_add_test(tc, limits);
    tcase_add_loop_test(tc, error_cases, 0, (int)(sizeof err_cases / sizeof err_cases[0]));
    tcase_add_test(tc, error_message_exact);
    tcase_add_test(tc, fiscal_years_april);
    tcase_add_test(tc, fiscal_years_other_starts);
    tcase_add_test(tc, json_minimal_exact);
    tcase_add_test(tc, json_fixture);
    return tu_run(s);
}
