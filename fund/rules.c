/*
 * The rules file (docs/ENTRIES.md, "The rules file"): parsing, defaults, lookups, fiscal years,
 * JSON.
 *
 * Parsing goes through libinih's ini_parse_stream with the line reader of
 * grants/ini.c (shared with the application parser; see grants/ini.h): it
 * counts lines, drops a UTF-8 BOM, accepts "\r\n", refuses invalid UTF-8
 * and control characters, drops leading blanks (no multi-line continuation),
 * removes comments (a line starting with ';' or '#', and from a ';' or '#'
 * preceded by a blank), hands section lines to start_section below (so
 * unknown and duplicate sections are reported even when they hold no key)
 * and refuses a line longer than inih's line buffer.
 *
 * Errors: the first error stops parsing and reads
 *     FILE:LINE: [section] key: what
 * e.g. "rules.ini:12: [menu field] rate: '3/0' is not a ratio N/D with D > 0";
 * errors about a whole section read "FILE:LINE: [section]: what", and a line
 * inih cannot parse reads "FILE:LINE: syntax error: ...".
 *
 * Choices (written down in docs/ENTRIES.md):
 *   - a menu without `name` is named by its code; `source` is required (the
 *     error points at the [menu] line);
 *   - labels (fund name, field/theme labels, menu names) may not be empty;
 *   - `exclusive =` (empty) means no tag; `group_types = any` means all types;
 *     `members_exempt = none` (or empty) means no exemption; `statuses` and
 *     `expenses` must name at least one item;
 *   - money is a whole number of yen 0..KF_YEN_MAX_ONE, without commas;
 *     round_down and designated_round are at least 1; min_reviewers is at
 *     least 1; other counts are 0..1000000;
 *   - ratios are N/D with 0 <= N <= D and 0 < D <= 1000000 (so amount × N
 *     cannot overflow for amounts up to KF_YEN_MAX_ONE);
 *   - pass_score is a decimal 0..5 with at most 6 decimals, parsed without
 *     the C locale's help;
 *   - a menu with max_years > 0 must have max_years > min_years;
 *   - fy_start is MM-DD, any real day of a non-leap year (02-29 is refused).
 */
#include "kifu/rules.h"

#include "kifu/ini.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define COUNT_MAX INT64_C(1000000)
#define RATIO_DEN_MAX INT64_C(1000000)

/* ---- names ------------------------------------------------------------ */

static const char *const expense_names[] = {"honoraria", "services", "rental", "equipment",
                                            "travel",    "other",    "running"};
static const char *const group_type_names[] = {"neighborhood", "volunteer", "npo", "committee",
                                               "other"};
static const char *const status_names[] = {"registered", "provisional", "deregistered"};
static const char *const source_names[] = {"group", "field", "theme", "general"};
static const char *const review_names[] = {"none", "scored"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static unsigned name_bit(const char *const *names, size_t n, const char *name)
{
    if (!name) return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return 1u << i;
    return 0;
}

unsigned kf_expense_parse(const char *name)
{
    return name_bit(expense_names, NELEM(expense_names), name);
}

unsigned kf_group_type_parse(const char *name)
{
    return name_bit(group_type_names, NELEM(group_type_names), name);
}

unsigned kf_group_status_parse(const char *name)
{
    return name_bit(status_names, NELEM(status_names), name);
}

/* The name of a single bit of names; "?" for anything else. */
static const char *bit_name(const char *const *names, size_t n, unsigned bit)
{
    for (size_t i = 0; i < n; i++)
        if (bit == 1u << i) return names[i];
    return "?";
}

const char *kf_group_type_name(unsigned type)
{
    return bit_name(group_type_names, NELEM(group_type_names), type);
}

const char *kf_group_status_name(unsigned status)
{
    return bit_name(status_names, NELEM(status_names), status);
}

/* ---- defaults and lookups ---------------------------------------------- */

void kf_rules_default(kf_rules *r)
{
    memset(r, 0, sizeof *r);
    r->fy_start_month = 4;
    r->fy_start_day = 1;
    r->designated_share = (kf_ratio){100, 100};
    r->designated_round = 1;
    snprintf(r->deregister_to, sizeof r->deregister_to, "general");
    snprintf(r->interest_to, sizeof r->interest_to, "general");
}

static void menu_default(kf_menu *m, const char *code)
{
    memset(m, 0, sizeof *m);
    kf_ini_copy_str(m->code, sizeof m->code, code);
    m->source = KF_SRC_GENERAL;
    m->review = KF_REVIEW_NONE;
    m->min_reviewers = 1;
    m->pass_score = 0;
    m->rate = (kf_ratio){10, 10};
    m->round_down = 1000;
    m->group_types = KF_GT_ALL;
    m->statuses = KF_ST_REGISTERED;
    m->expenses = KF_EXP_ALL & ~(unsigned)KF_EXP_RUNNING;
}

static const kf_rules_item *find_item(const kf_rules_item *items, int n, const char *code)
{
    if (!code) return NULL;
    for (int i = 0; i < n; i++)
        if (strcmp(items[i].code, code) == 0) return &items[i];
    return NULL;
}

const kf_rules_item *kf_rules_field(const kf_rules *r, const char *code)
{
    return find_item(r->fields, r->nfields, code);
}

const kf_rules_item *kf_rules_theme(const kf_rules *r, const char *code)
{
    return find_item(r->themes, r->nthemes, code);
}

const kf_tier *kf_rules_tier(const kf_rules *r, const char *code)
{
    if (!code) return NULL;
    for (int i = 0; i < r->ntiers; i++)
        if (strcmp(r->tiers[i].code, code) == 0) return &r->tiers[i];
    return NULL;
}

const kf_menu *kf_rules_menu(const kf_rules *r, const char *code)
{
    if (!code) return NULL;
    for (int i = 0; i < r->nmenus; i++)
        if (strcmp(r->menus[i].code, code) == 0) return &r->menus[i];
    return NULL;
}

/* ---- fiscal years ------------------------------------------------------- */

static void fy_start_of(const kf_rules *r, int *m, int *d)
{
    *m = 4;
    *d = 1;
    if (r && r->fy_start_month >= 1 && r->fy_start_month <= 12 && r->fy_start_day >= 1 &&
        r->fy_start_day <= kf_days_in_month(2001, r->fy_start_month)) {
        *m = r->fy_start_month;
        *d = r->fy_start_day;
    }
}

int kf_rules_fy(const kf_rules *r, const char *date)
{
    int y, m, d, sm, sd;
    if (!kf_parse_date(date, &y, &m, &d)) return -1;
    fy_start_of(r, &sm, &sd);
    return m > sm || (m == sm && d >= sd) ? y : y - 1;
}

void kf_rules_fy_bounds(const kf_rules *r, int fy, char first[11], char last[11])
{
    int sm, sd;
    fy_start_of(r, &sm, &sd);
    kf_format_date(first, fy, sm, sd);
    /* the day before the next FY starts */
    if (sd > 1)
        kf_format_date(last, fy + 1, sm, sd - 1);
    else if (sm > 1)
        kf_format_date(last, fy + 1, sm - 1, kf_days_in_month(fy + 1, sm - 1));
    else
        kf_format_date(last, fy, 12, 31);
}

/* ---- parser state and errors ------------------------------------------- */

typedef enum { SEC_NONE, SEC_FUND, SEC_FIELDS, SEC_THEMES, SEC_TIERS, SEC_MENU } sec_kind;

/* Menu keys, in the order docs/ENTRIES.md lists them; their index is their bit in menu_seen. */
enum {
    MK_NAME,
    MK_SOURCE,
    MK_REVIEW,
    MK_MIN_REVIEWERS,
    MK_PASS_SCORE,
    MK_RATE,
    MK_CAP,
    MK_MIN_AWARD,
    MK_ROUND_DOWN,
    MK_ROUND_BUDGET,
    MK_GROUP_TYPES,
    MK_STATUSES,
    MK_MIN_MEMBERS,
    MK_MEMBERS_EXEMPT,
    MK_MIN_YEARS,
    MK_MAX_YEARS,
    MK_PARTNERS_MIN,
    MK_MAX_AWARDS,
    MK_MAX_CONSECUTIVE,
    MK_EXCLUSIVE,
    MK_EXPENSES,
    MK_COUNT
};
static const char *const menu_keys[MK_COUNT] = {
    "name",        "source",       "review",      "min_reviewers",   "pass_score",
    "rate",        "cap",          "min_award",   "round_down",      "round_budget",
    "group_types", "statuses",     "min_members", "members_exempt",  "min_years",
    "max_years",   "partners_min", "max_awards",  "max_consecutive", "exclusive",
    "expenses"};

enum { FK_NAME, FK_FY_START, FK_SHARE, FK_ROUND, FK_DEREGISTER, FK_INTEREST, FK_COUNT };
static const char *const fund_keys[FK_COUNT] = {
    "name", "fy_start", "designated_share", "designated_round", "deregister_to", "interest_to"};

typedef struct {
    kf_ini_src in; /* the text, the reader's position and the first error */
    kf_rules *r;   /* the result */
    /* the current section */
    sec_kind kind;
    char section[256]; /* as shown in errors: "fund", "menu field" */
    int menu;          /* index in r->menus for SEC_MENU */
    bool seen_fund, seen_fields, seen_themes, seen_tiers;
    unsigned fund_seen;
    int fund_line[FK_COUNT];
    uint32_t menu_seen[KF_RULES_MAX_ITEMS];
    int menu_line[KF_RULES_MAX_ITEMS];
    int menu_key_line[KF_RULES_MAX_ITEMS][MK_COUNT];
} parse_state;

/* Records the first error: "FILE:LINE: [section] key: what" (kf_ini_fail).
 * Returns 0 so a handler can `return fail(...)`. */
#define fail(st, ...) kf_ini_fail(&(st)->in, __VA_ARGS__)

/* ---- value parsers (true if ok) ----------------------------------------- */

static int bad_code(parse_state *st, const char *key, const char *what, const char *v)
{
    return fail(st, st->in.lineno, st->section, key, "%s '%s' is not a code ([a-z0-9_-]{1,64})",
                what, v);
}

static bool parse_money(const char *v, kf_yen *out)
{
    int64_t x;
    if (!kf_parse_i64(v, &x) || x < 0 || x > KF_YEN_MAX_ONE) return false;
    *out = x;
    return true;
}

static int bad_money(parse_state *st, const char *key, const char *v)
{
    return fail(st, st->in.lineno, st->section, key,
                "'%s' is not an amount of yen (a whole number 0..%lld, no commas)", v,
                (long long)KF_YEN_MAX_ONE);
}

static bool parse_count(const char *v, int64_t min, int64_t *out)
{
    int64_t x;
    if (!kf_parse_i64(v, &x) || x < min || x > COUNT_MAX) return false;
    *out = x;
    return true;
}

static int bad_count(parse_state *st, const char *key, const char *v, int64_t min)
{
    return fail(st, st->in.lineno, st->section, key, "'%s' is not a whole number %lld..%lld", v,
                (long long)min, (long long)COUNT_MAX);
}

/* "N/D" with blanks allowed around the numbers. Returns NULL if ok, else
 * what is wrong with it. */
static const char *parse_ratio(const char *v, kf_ratio *out)
{
    const char *slash = strchr(v, '/');
    char a[32], b[32];
    int64_t n, d;
    if (!slash || strchr(slash + 1, '/') || !kf_ini_trim_copy(v, slash, a, sizeof a) ||
        !kf_ini_trim_copy(slash + 1, v + strlen(v), b, sizeof b) || !kf_parse_i64(a, &n) ||
        !kf_parse_i64(b, &d))
        return "is not a ratio N/D";
    if (d <= 0) return "is not a ratio N/D with D > 0";
    if (d > RATIO_DEN_MAX) return "is not a ratio N/D with D <= 1000000";
    if (n < 0 || n > d) return "is not a ratio N/D with 0 <= N <= D";
    out->num = n;
    out->den = d;
    return NULL;
}

static int ratio_value(parse_state *st, const char *key, const char *v, kf_ratio *out)
{
    const char *why = parse_ratio(v, out);
    if (why) return fail(st, st->in.lineno, st->section, key, "'%s' %s", v, why);
    return 1;
}

/* A decimal score 0..5 like "3", "3.0" or "3.25" (at most 6 decimals). */
static bool parse_score(const char *v, double *out)
{
    const char *p = v;
    int64_t ip = 0, frac = 0, scale = 1;
    if (*p < '0' || *p > '9') return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        ip = ip * 10 + (*p - '0');
        if (ip > 5) return false;
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') return false;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (scale == 1000000) return false;
            frac = frac * 10 + (*p - '0');
            scale *= 10;
        }
    }
    if (*p) return false;
    double x = (double)ip + (double)frac / (double)scale;
    if (!isfinite(x) || x < 0 || x > 5) return false;
    *out = x;
    return true;
}

/* A label: non-empty, fits out. */
static int label_value(parse_state *st, const char *key, const char *v, char *out, size_t outsz)
{
    if (!*v) return fail(st, st->in.lineno, st->section, key, "label is empty");
    if (strlen(v) >= outsz)
        return fail(st, st->in.lineno, st->section, key, "label is longer than %zu bytes",
                    outsz - 1);
    kf_ini_copy_str(out, outsz, v);
    return 1;
}

typedef unsigned (*name_parser)(const char *);

/* A comma-separated list of names, each mapped to a bit by parse. An empty
 * list is allowed only if empty_ok. */
static int list_value(parse_state *st, const char *key, const char *v, name_parser parse,
                      const char *what, bool empty_ok, unsigned *out)
{
    unsigned bits = 0;
    const char *s = v;
    if (!*v) {
        if (empty_ok) {
            *out = 0;
            return 1;
        }
        return fail(st, st->in.lineno, st->section, key, "list is empty");
    }
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *e = comma ? comma : s + strlen(s);
        char item[64];
        if (!kf_ini_trim_copy(s, e, item, sizeof item))
            return fail(st, st->in.lineno, st->section, key, "item is too long");
        if (!*item) return fail(st, st->in.lineno, st->section, key, "'%s' has an empty item", v);
        unsigned bit = parse(item);
        if (!bit)
            return fail(st, st->in.lineno, st->section, key, "'%s' is not a known %s", item, what);
        bits |= bit;
        if (!comma) break;
        s = comma + 1;
    }
    *out = bits;
    return 1;
}

static int enum_value(parse_state *st, const char *key, const char *v, const char *const *names,
                      size_t n, int *out)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], v) == 0) {
            *out = (int)i;
            return 1;
        }
    }
    char choices[128] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof choices; i++) {
        int w = snprintf(choices + len, sizeof choices - len, "%s%s", i ? "|" : "", names[i]);
        if (w < 0) break;
        len += (size_t)w;
    }
    return fail(st, st->in.lineno, st->section, key, "'%s' is not one of %s", v, choices);
}

/* ---- sections ------------------------------------------------------------ */

static bool start_section(void *ctx, const char *s, const char *e)
{
    parse_state *st = ctx;
    char name[256];
    if (!kf_ini_trim_copy(s, e, name, sizeof name)) {
        fail(st, st->in.lineno, NULL, NULL, "section name is too long");
        return false;
    }
    st->kind = SEC_NONE;
    kf_ini_copy_str(st->section, sizeof st->section, name);
    bool *seen = NULL;
    if (strcmp(name, "fund") == 0) {
        st->kind = SEC_FUND;
        seen = &st->seen_fund;
    } else if (strcmp(name, "fields") == 0) {
        st->kind = SEC_FIELDS;
        seen = &st->seen_fields;
    } else if (strcmp(name, "themes") == 0) {
        st->kind = SEC_THEMES;
        seen = &st->seen_themes;
    } else if (strcmp(name, "tiers") == 0) {
        st->kind = SEC_TIERS;
        seen = &st->seen_tiers;
    }
    if (seen) {
        if (*seen) {
            fail(st, st->in.lineno, name, NULL, "duplicate section");
            return false;
        }
        *seen = true;
        return true;
    }
    if (strncmp(name, "menu", 4) == 0 && (name[4] == '\0' || kf_ini_is_blank(name[4]))) {
        char code[256];
        kf_ini_trim_copy(name + 4, name + strlen(name), code, sizeof code);
        if (!kf_ini_valid_code(code)) {
            fail(st, st->in.lineno, name, NULL, "menu code '%s' is not a code ([a-z0-9_-]{1,64})",
                 code);
            return false;
        }
        snprintf(st->section, sizeof st->section, "menu %.*s", KF_CODE_MAX, code);
        if (kf_rules_menu(st->r, code)) {
            fail(st, st->in.lineno, st->section, NULL, "duplicate menu '%s'", code);
            return false;
        }
        if (st->r->nmenus >= KF_RULES_MAX_ITEMS) {
            fail(st, st->in.lineno, st->section, NULL, "more than %d menus", KF_RULES_MAX_ITEMS);
            return false;
        }
        st->kind = SEC_MENU;
        st->menu = st->r->nmenus++;
        menu_default(&st->r->menus[st->menu], code);
        st->menu_seen[st->menu] = 0;
        st->menu_line[st->menu] = st->in.lineno;
        return true;
    }
    fail(st, st->in.lineno, name, NULL,
         "unknown section (expected [fund], [fields], [themes], [tiers] or [menu <code>])");
    return false;
}

/* ---- keys ------------------------------------------------------------------ */

static int fund_key(parse_state *st, const char *key, const char *v)
{
    kf_rules *r = st->r;
    int k;
    for (k = 0; k < FK_COUNT; k++)
        if (strcmp(fund_keys[k], key) == 0) break;
    if (k == FK_COUNT) return fail(st, st->in.lineno, st->section, key, "unknown key");
    if (st->fund_seen & (1u << k))
        return fail(st, st->in.lineno, st->section, key, "duplicate key");
    st->fund_seen |= 1u << k;
    st->fund_line[k] = st->in.lineno;
    switch (k) {
    case FK_NAME:
        return label_value(st, key, v, r->fund_name, sizeof r->fund_name);
    case FK_FY_START: {
        int m = -1, d = -1;
        if (strlen(v) == 5 && v[2] == '-' && v[0] >= '0' && v[0] <= '9' && v[1] >= '0' &&
            v[1] <= '9' && v[3] >= '0' && v[3] <= '9' && v[4] >= '0' && v[4] <= '9') {
            m = (v[0] - '0') * 10 + (v[1] - '0');
            d = (v[3] - '0') * 10 + (v[4] - '0');
        }
        if (m < 1 || m > 12 || d < 1 || d > kf_days_in_month(2001, m))
            return fail(st, st->in.lineno, st->section, key,
                        "'%s' is not a month-day MM-DD like 04-01 (02-29 is not allowed)", v);
        r->fy_start_month = m;
        r->fy_start_day = d;
        return 1;
    }
    case FK_SHARE:
        return ratio_value(st, key, v, &r->designated_share);
    case FK_ROUND:
        if (!parse_money(v, &r->designated_round) || r->designated_round < 1)
            return fail(st, st->in.lineno, st->section, key,
                        "'%s' is not a whole number of yen >= 1 (no commas)", v);
        return 1;
    case FK_DEREGISTER:
        /* checked against [fields] and [themes] once the whole file is read */
        if (strlen(v) >= sizeof r->deregister_to)
            return fail(st, st->in.lineno, st->section, key, "'%s' is too long", v);
        kf_ini_copy_str(r->deregister_to, sizeof r->deregister_to, v);
        return 1;
    case FK_INTEREST:
        /* likewise */
        if (strlen(v) >= sizeof r->interest_to)
            return fail(st, st->in.lineno, st->section, key, "'%s' is too long", v);
        kf_ini_copy_str(r->interest_to, sizeof r->interest_to, v);
        return 1;
    }
    return 1;
}

static int item_key(parse_state *st, const char *key, const char *v, kf_rules_item *items, int *n)
{
    if (!kf_ini_valid_code(key)) return bad_code(st, key, "key", key);
    if (find_item(items, *n, key))
        return fail(st, st->in.lineno, st->section, key, "duplicate key");
    if (*n >= KF_RULES_MAX_ITEMS)
        return fail(st, st->in.lineno, st->section, key, "more than %d entries",
                    KF_RULES_MAX_ITEMS);
    kf_rules_item *it = &items[*n];
    if (!label_value(st, key, v, it->label, sizeof it->label)) return 0;
    kf_ini_copy_str(it->code, sizeof it->code, key);
    (*n)++;
    return 1;
}

static int tier_key(parse_state *st, const char *key, const char *v)
{
    kf_rules *r = st->r;
    kf_yen min;
    if (!kf_ini_valid_code(key)) return bad_code(st, key, "key", key);
    if (kf_rules_tier(r, key)) return fail(st, st->in.lineno, st->section, key, "duplicate key");
    if (r->ntiers >= KF_RULES_MAX_ITEMS)
        return fail(st, st->in.lineno, st->section, key, "more than %d entries",
                    KF_RULES_MAX_ITEMS);
    if (!parse_money(v, &min)) return bad_money(st, key, v);
    kf_tier *t = &r->tiers[r->ntiers++];
    kf_ini_copy_str(t->code, sizeof t->code, key);
    t->min = min;
    return 1;
}

/* tier.<min_cost> = N/D, cap */
static int menu_tier_key(parse_state *st, kf_menu *m, const char *key, const char *v)
{
    int64_t min_cost;
    const char *thr = key + strlen("tier.");
    if (!kf_parse_i64(thr, &min_cost) || min_cost < 1 || min_cost > KF_YEN_MAX_ONE)
        return fail(st, st->in.lineno, st->section, key,
                    "threshold '%s' is not a positive whole number of yen", thr);
    for (int i = 0; i < m->ntiers; i++)
        if (m->tiers[i].min_cost == min_cost)
            return fail(st, st->in.lineno, st->section, key, "duplicate key");
    if (m->ntiers >= KF_MENU_MAX_TIERS)
        return fail(st, st->in.lineno, st->section, key, "more than %d tiers in a menu",
                    KF_MENU_MAX_TIERS);
    const char *comma = strchr(v, ',');
    if (!comma)
        return fail(st, st->in.lineno, st->section, key,
                    "'%s' lacks the cap: write %s = N/D, cap (cap 0 = none)", v, key);
    char ratio[64], cap[64];
    kf_menu_tier t = {.min_cost = min_cost};
    if (!kf_ini_trim_copy(v, comma, ratio, sizeof ratio))
        return fail(st, st->in.lineno, st->section, key, "'%s' is not N/D, cap", v);
    const char *why = parse_ratio(ratio, &t.rate);
    if (why) return fail(st, st->in.lineno, st->section, key, "'%s' %s", ratio, why);
    if (!kf_ini_trim_copy(comma + 1, v + strlen(v), cap, sizeof cap))
        return fail(st, st->in.lineno, st->section, key, "'%s' is not N/D, cap", v);
    if (!parse_money(cap, &t.cap))
        return fail(st, st->in.lineno, st->section, key,
                    "cap '%s' is not an amount of yen (a whole number 0..%lld, no commas)", cap,
                    (long long)KF_YEN_MAX_ONE);
    /* keep tiers sorted by min_cost ascending */
    int i = m->ntiers;
    while (i > 0 && m->tiers[i - 1].min_cost > min_cost) {
        m->tiers[i] = m->tiers[i - 1];
        i--;
    }
    m->tiers[i] = t;
    m->ntiers++;
    return 1;
}

static unsigned group_types_or_any(const char *name)
{
    return strcmp(name, "any") == 0 ? (unsigned)KF_GT_ALL : kf_group_type_parse(name);
}

static int menu_key(parse_state *st, const char *key, const char *v)
{
    kf_menu *m = &st->r->menus[st->menu];
    if (strncmp(key, "tier.", 5) == 0) return menu_tier_key(st, m, key, v);
    int k;
    for (k = 0; k < MK_COUNT; k++)
        if (strcmp(menu_keys[k], key) == 0) break;
    if (k == MK_COUNT) return fail(st, st->in.lineno, st->section, key, "unknown key");
    if (st->menu_seen[st->menu] & (1u << k))
        return fail(st, st->in.lineno, st->section, key, "duplicate key");
    st->menu_seen[st->menu] |= 1u << k;
    st->menu_key_line[st->menu][k] = st->in.lineno;
    int e = 0;
    switch (k) {
    case MK_NAME:
        return label_value(st, key, v, m->name, sizeof m->name);
    case MK_SOURCE:
        if (!enum_value(st, key, v, source_names, NELEM(source_names), &e)) return 0;
        m->source = (kf_menu_source)e;
        return 1;
    case MK_REVIEW:
        if (!enum_value(st, key, v, review_names, NELEM(review_names), &e)) return 0;
        m->review = (kf_menu_review)e;
        return 1;
    case MK_MIN_REVIEWERS:
        if (!parse_count(v, 1, &m->min_reviewers)) return bad_count(st, key, v, 1);
        return 1;
    case MK_PASS_SCORE:
        if (!parse_score(v, &m->pass_score))
            return fail(st, st->in.lineno, st->section, key,
                        "'%s' is not a score 0..5 like 3.0 or 3.25", v);
        return 1;
    case MK_RATE:
        return ratio_value(st, key, v, &m->rate);
    case MK_CAP:
        return parse_money(v, &m->cap) ? 1 : bad_money(st, key, v);
    case MK_MIN_AWARD:
        return parse_money(v, &m->min_award) ? 1 : bad_money(st, key, v);
    case MK_ROUND_DOWN:
        if (!parse_money(v, &m->round_down) || m->round_down < 1)
            return fail(st, st->in.lineno, st->section, key,
                        "'%s' is not a whole number of yen >= 1 (no commas)", v);
        return 1;
    case MK_ROUND_BUDGET:
        return parse_money(v, &m->round_budget) ? 1 : bad_money(st, key, v);
    case MK_GROUP_TYPES:
        return list_value(st, key, v, group_types_or_any, "group type", false, &m->group_types);
    case MK_STATUSES:
        return list_value(st, key, v, kf_group_status_parse, "group status", false, &m->statuses);
    case MK_MIN_MEMBERS:
        return parse_count(v, 0, &m->min_members) ? 1 : bad_count(st, key, v, 0);
    case MK_MEMBERS_EXEMPT:
        if (strcmp(v, "none") == 0) {
            m->members_exempt = 0;
            return 1;
        }
        return list_value(st, key, v, kf_group_type_parse, "group type", true, &m->members_exempt);
    case MK_MIN_YEARS:
        return parse_count(v, 0, &m->min_years) ? 1 : bad_count(st, key, v, 0);
    case MK_MAX_YEARS:
        return parse_count(v, 0, &m->max_years) ? 1 : bad_count(st, key, v, 0);
    case MK_PARTNERS_MIN:
        return parse_count(v, 0, &m->partners_min) ? 1 : bad_count(st, key, v, 0);
    case MK_MAX_AWARDS:
        return parse_count(v, 0, &m->max_awards) ? 1 : bad_count(st, key, v, 0);
    case MK_MAX_CONSECUTIVE:
        return parse_count(v, 0, &m->max_consecutive) ? 1 : bad_count(st, key, v, 0);
    case MK_EXCLUSIVE:
        if (*v && !kf_ini_valid_code(v)) return bad_code(st, key, "tag", v);
        kf_ini_copy_str(m->exclusive, sizeof m->exclusive, v);
        return 1;
    case MK_EXPENSES:
        return list_value(st, key, v, kf_expense_parse, "expense category", false, &m->expenses);
    }
    return 1;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    parse_state *st = user;
    (void)section; /* inih's copy is truncated; st->section is the full name */
    if (st->in.err_line) return 0;
    if (!value) value = "";
    switch (st->kind) {
    case SEC_NONE:
        return fail(st, st->in.lineno, NULL, key, "key outside any section");
    case SEC_FUND:
        return fund_key(st, key, value);
    case SEC_FIELDS:
        return item_key(st, key, value, st->r->fields, &st->r->nfields);
    case SEC_THEMES:
        return item_key(st, key, value, st->r->themes, &st->r->nthemes);
    case SEC_TIERS:
        return tier_key(st, key, value);
    case SEC_MENU:
        return menu_key(st, key, value);
    }
    return 1;
}

/* ---- after the whole file ------------------------------------------------ */

/* A [fund] key naming the pool some money goes to (deregister_to,
 * interest_to): general, or a field or theme the rules define. */
static bool check_pool_key(parse_state *st, int key, const char *pool)
{
    kf_rules *r = st->r;
    if (strcmp(pool, "general") == 0) return true;
    if (strncmp(pool, "field:", 6) == 0 && kf_rules_field(r, pool + 6)) return true;
    if (strncmp(pool, "theme:", 6) == 0 && kf_rules_theme(r, pool + 6)) return true;
    fail(st, st->fund_line[key], "fund", fund_keys[key],
         "'%s' is not general or field:<code>/theme:<code> naming a defined field or theme", pool);
    return false;
}

static bool check_whole(parse_state *st)
{
    kf_rules *r = st->r;
    if (!check_pool_key(st, FK_DEREGISTER, r->deregister_to) ||
        !check_pool_key(st, FK_INTEREST, r->interest_to))
        return false;
    for (int i = 0; i < r->nmenus; i++) {
        kf_menu *m = &r->menus[i];
        char sec[KF_CODE_MAX + 8];
        snprintf(sec, sizeof sec, "menu %s", m->code);
        uint32_t seen = st->menu_seen[i];
        if (!(seen & (1u << MK_SOURCE))) {
            fail(st, st->menu_line[i], sec, "source",
                 "missing (required: group, field, theme or general)");
            return false;
        }
        if (!(seen & (1u << MK_NAME))) kf_ini_copy_str(m->name, sizeof m->name, m->code);
        if (m->max_years > 0 && m->max_years <= m->min_years) {
            int line = st->menu_key_line[i][MK_MAX_YEARS];
            fail(st, line, sec, "max_years",
                 "%lld is not above min_years %lld, so no group could qualify",
                 (long long)m->max_years, (long long)m->min_years);
            return false;
        }
    }
    return true;
}

kf_code kf_rules_parse(const char *text, size_t len, const char *file, kf_rules *r, kf_err *err)
{
    parse_state st;
    memset(&st, 0, sizeof st);
    kf_rules_default(r);
    kf_ini_init(&st.in, text, len, file, "rules", err, st.section, start_section, &st);
    st.r = r;
    kf_code rc = kf_ini_parse(&st.in, handler, &st);
    if (rc) return rc;
    if (!check_whole(&st)) return KF_BAD_INPUT;
    return KF_OK;
}

/* ---- names, for the command line's rendering of the rules ---------------- */

const char *kf_expense_name(unsigned bit)
{
    for (size_t i = 0; i < NELEM(expense_names); i++)
        if (bit == 1u << i) return expense_names[i];
    return "?";
}

const char *kf_menu_source_name(kf_menu_source s)
{
    return (unsigned)s < NELEM(source_names) ? source_names[s] : "";
}

const char *kf_menu_review_name(kf_menu_review r)
{
    return (unsigned)r < NELEM(review_names) ? review_names[r] : "";
}
