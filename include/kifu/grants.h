/*
 * kifu grants: money out — the registry of groups, the rules in
 * force, and (later) applications, reviews, allocation, decisions, payment
 * and settlement.
 */
#ifndef KIFU_GRANTS_H
#define KIFU_GRANTS_H

#include "kifu/fund.h"

/* Registers the grants index (applications, reviews, decisions, payments,
 * settlements, refunds) on an open ledger, and the fund layer below it. */
kf_code kf_grants_attach(kf_ledger *l, kf_err *err);

/* --- applications (pure: grants/application.c) --------------------------- */

#define KF_APP_MAX_LINES 64
#define KF_APP_MAX_PARTNERS 16
#define KF_APP_ID_MAX 32

typedef struct {
    unsigned category; /* one KF_EXP_* bit */
    kf_yen amount;     /* > 0 */
    char text[256];    /* description, may be empty */
} kf_budget_line;

typedef struct {
    char id[KF_APP_ID_MAX]; /* A-<FY>-<nnnn>, assigned when recorded ("" before) */
    int64_t seq;            /* its grant.apply entry (0 before) */
    char menu[KF_CODE_MAX + 1];
    char round[KF_CODE_MAX + 1];
    char group[KF_GROUP_ID_MAX + 1]; /* the lead group */
    char partners[KF_APP_MAX_PARTNERS][KF_GROUP_ID_MAX + 1];
    int npartners;
    char city_partner[256];      /* "" if none */
    char field[KF_CODE_MAX + 1]; /* "" if none */
    char theme[KF_CODE_MAX + 1]; /* "" if none */
    char title[256];
    char start[11], end[11]; /* the project's dates; FY = FY of start */
    char date[11];           /* the application's date (--date, default today) */
    kf_yen requested, income;
    kf_budget_line lines[KF_APP_MAX_LINES];
    int nlines;
} kf_application;

/* Parses an application file: [application] keys menu, round,
 * group, partners, city_partner, field, theme, title, start, end, requested,
 * income; [budget] lines `category = amount, description` (a category may
 * repeat). Errors are KF_BAD_INPUT "FILE:LINE: [section] key: what". Checks
 * syntax and values only (menu, groups, codes are checked when recorded).
 * out->date is left empty. */
kf_code kf_application_parse(const char *text, size_t len, const char *file, kf_application *out,
                             kf_err *err);
/* Sets the application's fields on a grant.apply entry (docs/ENTRIES.md):
 * id, menu, round, group, partners, city_partner, field, theme, title,
 * start, end, date, requested#, income#, and per budget line NN (01, 02...)
 * bNN.category, bNN.amount#, bNN.text. */
kf_code kf_application_to_entry(const kf_application *a, kf_entry *e, kf_err *err);
/* The reverse; out->seq is e->seq. */
kf_code kf_application_from_entry(const kf_entry *e, kf_application *out, kf_err *err);

/* The ceiling arithmetic of docs/ENTRIES.md ("Money out"), step by step (for kifu grant show). */
typedef struct {
    kf_yen budget_total;   /* all budget lines */
    kf_yen eligible_lines; /* lines in the menu's expense categories */
    kf_yen eligible_cost;  /* max(0, eligible_lines - income) */
    int tier;              /* index of the menu tier used, or -1 for the base rate and cap */
    kf_ratio rate;
    kf_yen cap;     /* 0 = none */
    kf_yen by_rate; /* floor(eligible_cost * rate) */
    kf_yen capped;  /* min(requested, by_rate, cap) */
    kf_yen ceiling; /* floor_to(capped, round_down) */
} kf_ceiling;
void kf_grant_ceiling(const kf_menu *m, const kf_application *a, kf_ceiling *out);

/* What the registry and history say about an application, gathered from the
 * ledger by the caller, so that evaluation itself is a pure function. */
typedef struct {
    bool group_found;
    kf_group group;            /* the lead group, as it stands now */
    int partners_unregistered; /* partner groups missing or not registered */
    int64_t awards_in_menu;    /* approved awards to the lead group in this menu, ever */
    int consecutive_years; /* FYs in a row just before the app's FY with an award in this menu */
    bool exclusive_taken;  /* an award to the lead group in the app's FY in a menu sharing the
                              menu's exclusive tag */
    bool duplicate;        /* an earlier application with the same lead group, menu and round */
} kf_grant_facts;

#define KF_REASON_MAX 16
typedef struct {
    bool eligible;
    const char *reasons[KF_REASON_MAX]; /* static strings, in the order docs/ENTRIES.md gives */
    int nreasons;
    kf_ceiling c;
} kf_eval;

/* Eligibility and ceiling. Reason codes: status, group_type,
 * members, age, partners, max_awards, consecutive, exclusive, expenses,
 * below_min, duplicate, field, theme. */
void kf_grant_evaluate(const kf_rules *r, const kf_menu *m, const kf_application *a,
                       const kf_grant_facts *f, kf_eval *out);

/* The rules of a menu that an approved amount itself must meet (docs/ENTRIES.md,
 * "What every approval meets"), checked alike by kf_grant_decide and by
 * verification: NULL when amount may be awarded, else the rule it breaks:
 * "ceiling" (amount <= 0 or > ceiling), "min_award" (below the menu's
 * min_award) or "round_down" (not a multiple of the menu's round_down). */
const char *kf_grant_amount_rule(const kf_menu *m, kf_yen ceiling, kf_yen amount);

/* Whether `reviews` latest scores adding up to `total` reach pass_score
 * (a decimal with at most 6 decimals), compared exactly:
 * total x 10^6 >= round(pass_score x 10^6) x reviews. False without reviews.
 * Used by decide, allocate and verification alike. */
bool kf_grant_score_passes(double pass_score, int64_t reviews, int64_t total);

/* --- the life of a grant (grants/grant.c) ------------------------------- */

/* Records an application (grant.apply): checks the menu and lead group
 * exist, assigns a->id = A-<FY of start>-<nnnn> and a->seq. Eligibility is
 * evaluated later, against the registry as it then stands. */
kf_code kf_grant_apply(kf_txn *t, kf_application *a, kf_err *err);
/* A reviewer's score 1..5 (a later score by the same key replaces the
 * earlier). Refused when the reviewer's key lists an affiliation with the
 * lead or a partner group (recusal), or the application is decided. */
kf_code kf_grant_review(kf_txn *t, const char *id, int64_t score, const char *note, int64_t *seq,
                        kf_err *err);
/* KF_REFUSED and *group set when affiliation (comma list) names the lead or a
 * partner group of a. */
kf_code kf_grant_recusal(const char *affiliation, const kf_application *a, const char **group);
/* Approves `amount` (<= the current ceiling, <= the pool's available money
 * and the round budget left; eligible; enough reviews above the pass score
 * for scored menus), committing it, or rejects with a reason. */
kf_code kf_grant_decide(kf_txn *t, const char *id, bool approve, kf_yen amount, const char *reason,
                        const char *date, int64_t *seq, kf_err *err);
/* Payments add up to at most the award (the final amount once settled). */
kf_code kf_grant_pay(kf_txn *t, const char *id, kf_yen amount, const char *date, int64_t *seq,
                     kf_err *err);

typedef struct {
    kf_yen final, refund_due, payable;
} kf_grant_settlement;
/* final = min(approved, floor_to(floor(max(0, spent - income) x rate),
 * round_down)) with the rate and round_down used at decision. */
kf_yen kf_grant_final(kf_yen approved, kf_yen spent, kf_yen income, kf_ratio rate,
                      kf_yen round_down);
kf_code kf_grant_settle(kf_txn *t, const char *id, kf_yen spent, kf_yen income, const char *date,
                        int64_t *seq, kf_grant_settlement *out, kf_err *err);
/* A refund (<= what is still due back) credits the pool. */
kf_code kf_grant_refund(kf_txn *t, const char *id, kf_yen amount, const char *date, int64_t *seq,
                        kf_err *err);

/* The pool an application's award comes from, per the menu's source:
 * group:<lead>, field:<field>, theme:<theme> or general ("" when the code the
 * menu needs is missing). */
void kf_grant_pool(const kf_menu *m, const kf_application *a, char pool[KF_POOL_MAX]);

/* One open application in a round's allocation. */
typedef struct {
    char id[KF_APP_ID_MAX];
    char group[KF_GROUP_ID_MAX + 1]; /* the lead group */
    kf_eval ev;                      /* eligibility, reasons and ceiling under the rules in force */
    int64_t reviews;
    double mean;        /* the mean score, when reviews > 0 */
    const char *status; /* funded, no_funds, ineligible, awaiting_review or below_pass */
    kf_yen award;       /* proposed (funded), a multiple of the menu's round_down */
    bool partial;       /* award < ceiling */
    char pool[KF_POOL_MAX];
} kf_grant_proposal;

/* Read-only, deterministic allocation of a round: the open
 * applications of menu and round in allocation order (mean score for scored
 * menus, then seq), each with its status and proposed award; *out is
 * malloc'd (n may be 0). */
kf_code kf_grant_allocate(kf_ledger *l, const char *menu, const char *round,
                          kf_grant_proposal **out, size_t *n, kf_err *err);

/* One application's state, as kifu grant list shows it, with its title and
 * the amount requested (from the application entry). */
typedef struct {
    char id[KF_APP_ID_MAX];
    int64_t seq, fy;
    char menu[KF_CODE_MAX + 1], round[KF_CODE_MAX + 1], group[KF_GROUP_ID_MAX + 1];
    char title[256];
    char status[16]; /* open, approved or rejected */
    kf_yen requested, approved, paid, final, refund_due, refunded, committed;
    bool settled;
    char pool[KF_POOL_MAX]; /* the award's pool, fixed at approval ("" before) */
} kf_grant_row;

/* The applications of FY fy (fy < 0: all), by seq; *rows is malloc'd. */
kf_code kf_grant_rows(kf_ledger *l, int fy, kf_grant_row **rows, size_t *n, kf_err *err);

/* One application as kifu grant show tells it: its state, its evaluation
 * under the rules in force and the ceiling arithmetic step by step. */
typedef struct {
    kf_grant_row row;     /* menu, round, group, title and requested from the application */
    kf_yen income;        /* the expected income it states */
    char menu_name[256];  /* the menu's, in the rules in force */
    kf_yen round_down;    /* the menu's */
    kf_yen tier_min_cost; /* of the menu tier used (ev.c.tier >= 0) */
    kf_eval ev;
    int64_t reviews;
    double mean;            /* the mean score, when reviews > 0 */
    char pool[KF_POOL_MAX]; /* the pool an award would come from under the rules in force */
} kf_grant_detail;
kf_code kf_grant_show(kf_ledger *l, const char *id, kf_grant_detail *out, kf_err *err);

/* Re-derives what grant entries assert during kifu verify (awards within
 * ceilings, recusal, payments, settlements, refunds): feed every entry. */
typedef struct kf_grant_verifier kf_grant_verifier;
kf_grant_verifier *kf_grant_verifier_new(kf_ledger *l);
/* Also check pool figures (deregistration transfers, no negative available
 * money after an approval) on a tracker shared with the donations verifier. */
void kf_grant_verifier_pools(kf_grant_verifier *v, kf_pool_tracker *pools);
kf_code kf_grant_verify_entry(kf_grant_verifier *v, const kf_row *row, kf_err *err);
void kf_grant_verifier_free(kf_grant_verifier *v);

#endif
