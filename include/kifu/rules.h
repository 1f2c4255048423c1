/*
 * kifu rules: the fund's policy file, one INI file in UTF-8.
 *
 *   [fund]    name, fy_start, designated_share, designated_round, deregister_to,
 *             interest_to
 *   [fields]  code = label        (分野)
 *   [themes]  code = label        (テーマ)
 *   [tiers]   tier = minimum yearly donation (supporters' club)
 *   [menu X]  one grant menu per section (keys in docs/ENTRIES.md, "The rules file")
 *
 * Unknown sections or keys, duplicates and bad values are errors that name
 * file:line and the key. Each loaded version is a `rules.load` entry holding
 * the file's text; decisions use the version in force at their seq.
 */
#ifndef KIFU_RULES_H
#define KIFU_RULES_H

#include "kifu/common.h"

#define KF_CODE_MAX 64 /* field, theme, tier, menu codes */
#define KF_RULES_MAX_ITEMS 64
#define KF_MENU_MAX_TIERS 8

typedef struct {
    int64_t num, den; /* 0 <= num <= den, den > 0 */
} kf_ratio;

typedef struct {
    char code[KF_CODE_MAX + 1];
    char label[256];
} kf_rules_item;

typedef struct {
    char code[KF_CODE_MAX + 1];
    kf_yen min; /* minimum yearly donation */
} kf_tier;

typedef struct {
    kf_yen min_cost; /* threshold: eligible cost >= min_cost */
    kf_ratio rate;
    kf_yen cap; /* 0 = none */
} kf_menu_tier;

/* Expense categories, as bits. */
enum {
    KF_EXP_HONORARIA = 1 << 0,
    KF_EXP_SERVICES = 1 << 1,
    KF_EXP_RENTAL = 1 << 2,
    KF_EXP_EQUIPMENT = 1 << 3,
    KF_EXP_TRAVEL = 1 << 4,
    KF_EXP_OTHER = 1 << 5,
    KF_EXP_RUNNING = 1 << 6,
    KF_EXP_ALL = (1 << 7) - 1,
};
/* "honoraria" -> KF_EXP_HONORARIA...; 0 if unknown. */
unsigned kf_expense_parse(const char *name);

/* Group types, as bits. */
enum {
    KF_GT_NEIGHBORHOOD = 1 << 0,
    KF_GT_VOLUNTEER = 1 << 1,
    KF_GT_NPO = 1 << 2,
    KF_GT_COMMITTEE = 1 << 3,
    KF_GT_OTHER = 1 << 4,
    KF_GT_ALL = (1 << 5) - 1,
};
unsigned kf_group_type_parse(const char *name);
/* The name of one KF_GT_* bit; "?" for anything else. */
const char *kf_group_type_name(unsigned type);

/* Group statuses, as bits. */
enum { KF_ST_REGISTERED = 1 << 0, KF_ST_PROVISIONAL = 1 << 1, KF_ST_DEREGISTERED = 1 << 2 };
unsigned kf_group_status_parse(const char *name);
/* The name of one KF_ST_* bit; "?" for anything else. */
const char *kf_group_status_name(unsigned status);

typedef enum { KF_SRC_GROUP, KF_SRC_FIELD, KF_SRC_THEME, KF_SRC_GENERAL } kf_menu_source;
typedef enum { KF_REVIEW_NONE, KF_REVIEW_SCORED } kf_menu_review;

typedef struct {
    char code[KF_CODE_MAX + 1]; /* from [menu <code>] */
    char name[256];
    kf_menu_source source;
    kf_menu_review review;                 /* [none] */
    int64_t min_reviewers;                 /* [1] */
    double pass_score;                     /* [0]: a mean score, not money */
    kf_ratio rate;                         /* [10/10] */
    kf_yen cap;                            /* [0 = none] */
    kf_menu_tier tiers[KF_MENU_MAX_TIERS]; /* sorted by min_cost ascending */
    int ntiers;
    kf_yen min_award;                /* [0] */
    kf_yen round_down;               /* [1000] */
    kf_yen round_budget;             /* [0 = none] */
    unsigned group_types;            /* [KF_GT_ALL] */
    unsigned statuses;               /* [KF_ST_REGISTERED] */
    int64_t min_members;             /* [0] */
    unsigned members_exempt;         /* group types exempt from min_members [0] */
    int64_t min_years;               /* [0] */
    int64_t max_years;               /* [0 = none; age must be below it] */
    int64_t partners_min;            /* [0] partner groups plus a city partner */
    int64_t max_awards;              /* [0 = none] per lead group, lifetime */
    int64_t max_consecutive;         /* [0 = none] fiscal years in a row */
    char exclusive[KF_CODE_MAX + 1]; /* [""] */
    unsigned expenses;               /* [all but running] */
} kf_menu;

typedef struct {
    /* [fund] */
    char fund_name[256];
    int fy_start_month, fy_start_day;     /* [04-01] */
    kf_ratio designated_share;            /* [100/100] */
    kf_yen designated_round;              /* [1] */
    char deregister_to[KF_CODE_MAX + 16]; /* a pool: [general] */
    char interest_to[KF_CODE_MAX + 16];   /* a pool, for fund.interest: [general] */
    kf_rules_item fields[KF_RULES_MAX_ITEMS];
    int nfields;
    kf_rules_item themes[KF_RULES_MAX_ITEMS];
    int nthemes;
    kf_tier tiers[KF_RULES_MAX_ITEMS];
    int ntiers;
    kf_menu menus[KF_RULES_MAX_ITEMS];
    int nmenus;
} kf_rules;

/* The defaults when no rules were loaded: no fields, themes, tiers or menus;
 * FY from April 1; the whole of a group-designated gift goes to the group. */
void kf_rules_default(kf_rules *r);

/* Parses rules text. `file` names it in errors ("file:line: key: what").
 * Returns KF_BAD_INPUT on any error; *r is then unspecified. */
kf_code kf_rules_parse(const char *text, size_t len, const char *file, kf_rules *r, kf_err *err);

const kf_rules_item *kf_rules_field(const kf_rules *r, const char *code);
const kf_rules_item *kf_rules_theme(const kf_rules *r, const char *code);
const kf_tier *kf_rules_tier(const kf_rules *r, const char *code);
const kf_menu *kf_rules_menu(const kf_rules *r, const char *code);

/* The fiscal year (named by the year it starts in) of a valid date. */
int kf_rules_fy(const kf_rules *r, const char *date);
/* First and last day of FY y ("YYYY-MM-DD"). */
void kf_rules_fy_bounds(const kf_rules *r, int fy, char first[11], char last[11]);

/* Names for output (kifu rules show --json): of one KF_EXP_* bit ("?" if
 * not one), of a menu's source and review ("" if out of range). Group types
 * and statuses: kf_group_type_name, kf_group_status_name (kifu/fund.h). */
const char *kf_expense_name(unsigned bit);
const char *kf_menu_source_name(kf_menu_source s);
const char *kf_menu_review_name(kf_menu_review r);

#endif
