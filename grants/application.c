/*
 * Grant applications (docs/ENTRIES.md, "Money out"): the application file, its grant.apply
 * entry fields, the ceiling arithmetic and eligibility. Everything here is
 * pure: no ledger, no clock; the caller gathers the registry and history
 * into a kf_grant_facts.
 *
 * Parsing uses libinih's ini_parse_stream with the line reader shared with
 * the rules file (grants/ini.c, see grants/ini.h): it counts lines, drops a
 * UTF-8 BOM, accepts "\r\n", refuses invalid UTF-8 and control characters,
 * drops leading blanks (no multi-line continuation), removes comments (a line
 * starting with ';' or '#', and from a ';' or '#' preceded by a blank), and
 * hands section lines to start_section below. A line must fit inih's line
 * buffer (198 bytes without the comment in Debian's build, ini_max_line =
 * 200): a longer line is an error.
 *
 * Errors: the first one stops parsing and reads "FILE:LINE: [section] key:
 * what"; a missing required key points at the [application] line (or line 1
 * without one) and names the key; "no budget lines" points at the [budget]
 * line (or line 1).
 *
 * Choices (written down in docs/ENTRIES.md):
 *   - both sections may appear once; [application] keys at most once;
 *   - `partners =`, `city_partner =`, `field =` and `theme =` (empty) mean
 *     none; `title` may not be empty; `income` defaults to 0;
 *   - a budget amount is 1..KF_YEN_MAX_ONE without commas; an amount of 1-3
 *     digits followed by a comma and a digit ("250,000, 調理器具") is refused
 *     as a thousands separator rather than read as 250 yen (write
 *     "100, 5人分" with a blank if a description starts with a digit);
 *   - the description after the first comma is trimmed and may be empty.
 *
 * grant.apply fields (kf_application_to_entry): id, menu, round, group,
 * title, start, end, date, requested#, income# always; partners
 * (comma-joined, no blanks), city_partner, field and theme only when
 * non-empty; per budget line NN = 01, 02...: bNN.category (the name),
 * bNN.amount#, and bNN.text when non-empty. kf_application_from_entry
 * re-validates everything (as the file parser would) and refuses any bNN.*
 * key outside 01..nlines; it does not check the entry's kind and ignores
 * other extra keys, so the recording code may add its own fields.
 *
 * Evaluation (kf_grant_evaluate): when the lead group is not found, only
 * `status` is reported for it: group_type, members and age are skipped.
 * A deregistered group always fails `status`, whatever the menu's statuses.
 * The age check runs only when the menu has min_years > 0 or max_years > 0;
 * an age that cannot be computed (no valid application date) or a date
 * before the founding date then fails it.
 */
#include "kifu/entry.h"
#include "kifu/grants.h"

#include "kifu/ini.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- value checks shared by the file parser and from_entry ------------------ */

static const char *const expense_names[] = {"honoraria", "services", "rental", "equipment",
                                            "travel",    "other",    "running"};

static const char *expense_name(unsigned bit)
{
    for (size_t i = 0; i < NELEM(expense_names); i++)
        if (bit == 1u << i) return expense_names[i];
    return NULL;
}

static bool valid_id(const char *s)
{
    return strlen(s) <= KF_GROUP_ID_MAX && kf_id_valid(s);
}

static bool parse_money(const char *v, kf_yen min, kf_yen *out)
{
    int64_t x;
    if (!kf_parse_i64(v, &x) || x < min || x > KF_YEN_MAX_ONE) return false;
    *out = x;
    return true;
}

/* A comma list of partner group ids into a (npartners, partners). On error
 * writes what is wrong into why and returns false. The lead group is checked
 * by the caller (it may come later in the file). */
static bool parse_partners(const char *v, kf_application *a, char *why, size_t whysz)
{
    a->npartners = 0;
    if (!*v) return true;
    const char *s = v;
    for (;;) {
        const char *comma = strchr(s, ',');
        const char *e = comma ? comma : s + strlen(s);
        char item[256];
        if (!kf_ini_trim_copy(s, e, item, sizeof item)) {
            snprintf(why, whysz, "a partner is not a group id ([A-Za-z0-9_-]{1,64})");
            return false;
        }
        if (!*item) {
            snprintf(why, whysz, "'%s' has an empty item", v);
            return false;
        }
        if (!valid_id(item)) {
            snprintf(why, whysz, "'%s' is not a group id ([A-Za-z0-9_-]{1,64})", item);
            return false;
        }
        for (int i = 0; i < a->npartners; i++) {
            if (strcmp(a->partners[i], item) == 0) {
                snprintf(why, whysz, "'%s' is listed twice", item);
                return false;
            }
        }
        if (a->npartners >= KF_APP_MAX_PARTNERS) {
            snprintf(why, whysz, "more than %d partner groups", KF_APP_MAX_PARTNERS);
            return false;
        }
        kf_ini_copy_str(a->partners[a->npartners++], sizeof a->partners[0], item);
        if (!comma) break;
        s = comma + 1;
    }
    return true;
}

static bool partners_have(const kf_application *a, const char *id)
{
    for (int i = 0; i < a->npartners; i++)
        if (strcmp(a->partners[i], id) == 0) return true;
    return false;
}

/* ---- the file parser ----------------------------------------------------------- */

typedef enum { SEC_NONE, SEC_APP, SEC_BUDGET } sec_kind;

enum {
    AK_MENU,
    AK_ROUND,
    AK_GROUP,
    AK_PARTNERS,
    AK_CITY,
    AK_FIELD,
    AK_THEME,
    AK_TITLE,
    AK_START,
    AK_END,
    AK_REQUESTED,
    AK_INCOME,
    AK_COUNT
};
static const char *const app_keys[AK_COUNT] = {"menu",         "round", "group",     "partners",
                                               "city_partner", "field", "theme",     "title",
                                               "start",        "end",   "requested", "income"};

typedef struct {
    kf_ini_src in; /* the text, the reader's position and the first error */
    kf_application *a;
    sec_kind kind;
    char section[256];
    bool seen_app, seen_budget;
    int app_line, budget_line;
    unsigned seen;
    int key_line[AK_COUNT];
    kf_yen total; /* budget lines so far, overflow-checked */
} parse_state;

/* Records the first error: "FILE:LINE: [section] key: what" (kf_ini_fail).
 * Returns 0. */
#define fail(st, ...) kf_ini_fail(&(st)->in, __VA_ARGS__)
#define FAIL(st, key, ...) fail((st), (st)->in.lineno, (st)->section, (key), __VA_ARGS__)

static bool start_section(void *ctx, const char *s, const char *e)
{
    parse_state *st = ctx;
    char name[256];
    if (!kf_ini_trim_copy(s, e, name, sizeof name)) {
        fail(st, st->in.lineno, NULL, NULL, "section name is too long");
        return false;
    }
    kf_ini_copy_str(st->section, sizeof st->section, name);
    bool *seen;
    if (strcmp(name, "application") == 0) {
        st->kind = SEC_APP;
        seen = &st->seen_app;
        st->app_line = st->in.lineno;
    } else if (strcmp(name, "budget") == 0) {
        st->kind = SEC_BUDGET;
        seen = &st->seen_budget;
        st->budget_line = st->in.lineno;
    } else {
        st->kind = SEC_NONE;
        fail(st, st->in.lineno, name, NULL, "unknown section (expected [application] or [budget])");
        return false;
    }
    if (*seen) {
        fail(st, st->in.lineno, name, NULL, "duplicate section");
        return false;
    }
    *seen = true;
    return true;
}

static int text_value(parse_state *st, const char *key, const char *v, char *out, size_t outsz,
                      bool empty_ok)
{
    if (!*v && !empty_ok) return FAIL(st, key, "is empty");
    if (strlen(v) >= outsz) return FAIL(st, key, "is longer than %zu bytes", outsz - 1);
    kf_ini_copy_str(out, outsz, v);
    return 1;
}

static int app_key(parse_state *st, const char *key, const char *v)
{
    kf_application *a = st->a;
    int k;
    for (k = 0; k < AK_COUNT; k++)
        if (strcmp(app_keys[k], key) == 0) break;
    if (k == AK_COUNT) return FAIL(st, key, "unknown key");
    if (st->seen & (1u << k)) return FAIL(st, key, "duplicate key");
    st->seen |= 1u << k;
    st->key_line[k] = st->in.lineno;
    switch (k) {
    case AK_MENU:
        if (!kf_ini_valid_code(v))
            return FAIL(st, key, "'%s' is not a menu code ([a-z0-9_-]{1,64})", v);
        kf_ini_copy_str(a->menu, sizeof a->menu, v);
        return 1;
    case AK_ROUND:
        if (!valid_id(v))
            return FAIL(st, key, "'%s' is not a round code like 2026-early ([A-Za-z0-9_-]{1,64})",
                        v);
        kf_ini_copy_str(a->round, sizeof a->round, v);
        return 1;
    case AK_GROUP:
        if (!valid_id(v)) return FAIL(st, key, "'%s' is not a group id ([A-Za-z0-9_-]{1,64})", v);
        kf_ini_copy_str(a->group, sizeof a->group, v);
        return 1;
    case AK_PARTNERS: {
        char why[600];
        if (!parse_partners(v, a, why, sizeof why)) return FAIL(st, key, "%s", why);
        return 1;
    }
    case AK_CITY:
        return text_value(st, key, v, a->city_partner, sizeof a->city_partner, true);
    case AK_FIELD:
    case AK_THEME: {
        char *out = k == AK_FIELD ? a->field : a->theme;
        if (*v && !kf_ini_valid_code(v))
            return FAIL(st, key, "'%s' is not a %s code ([a-z0-9_-]{1,64})", v, key);
        kf_ini_copy_str(out, KF_CODE_MAX + 1, v);
        return 1;
    }
    case AK_TITLE:
        return text_value(st, key, v, a->title, sizeof a->title, false);
    case AK_START:
    case AK_END: {
        char *out = k == AK_START ? a->start : a->end;
        if (!kf_parse_date(v, NULL, NULL, NULL))
            return FAIL(st, key, "'%s' is not a date YYYY-MM-DD", v);
        kf_ini_copy_str(out, 11, v);
        return 1;
    }
    case AK_REQUESTED:
        if (!parse_money(v, 1, &a->requested))
            return FAIL(st, key, "'%s' is not an amount of yen 1..%lld (a whole number, no commas)",
                        v, (long long)KF_YEN_MAX_ONE);
        return 1;
    case AK_INCOME:
        if (!parse_money(v, 0, &a->income))
            return FAIL(st, key, "'%s' is not an amount of yen 0..%lld (a whole number, no commas)",
                        v, (long long)KF_YEN_MAX_ONE);
        return 1;
    }
    return 1;
}

static int budget_key(parse_state *st, const char *key, const char *v)
{
    kf_application *a = st->a;
    unsigned cat = kf_expense_parse(key);
    if (!cat)
        return FAIL(st, key,
                    "unknown expense category (honoraria, services, rental, equipment, "
                    "travel, other or running)");
    if (a->nlines >= KF_APP_MAX_LINES)
        return FAIL(st, key, "more than %d budget lines", KF_APP_MAX_LINES);
    const char *comma = strchr(v, ',');
    const char *amount_end = comma ? comma : v + strlen(v);
    char amount[64];
    kf_budget_line *line = &a->lines[a->nlines];
    if (!kf_ini_trim_copy(v, amount_end, amount, sizeof amount))
        return FAIL(st, key, "amount is not a whole number of yen 1..%lld (no commas)",
                    (long long)KF_YEN_MAX_ONE);
    size_t alen = strlen(amount);
    /* "250,000": digits right before and right after the comma */
    if (comma && alen >= 1 && alen <= 3 && strspn(amount, "0123456789") == alen && comma > v &&
        comma[-1] >= '0' && comma[-1] <= '9' && comma[1] >= '0' && comma[1] <= '9')
        return FAIL(st, key,
                    "'%s' has a thousands separator: write the amount without commas, then "
                    "', description'",
                    v);
    if (!parse_money(amount, 1, &line->amount))
        return FAIL(st, key, "amount '%s' is not a whole number of yen 1..%lld (no commas)", amount,
                    (long long)KF_YEN_MAX_ONE);
    if (comma) {
        if (!kf_ini_trim_copy(comma + 1, v + strlen(v), line->text, sizeof line->text))
            return FAIL(st, key, "description is longer than %zu bytes", sizeof line->text - 1);
    } else {
        line->text[0] = '\0';
    }
    if (!kf_add(st->total, line->amount, &st->total))
        return FAIL(st, key, "budget total overflows");
    line->category = cat;
    a->nlines++;
    return 1;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    parse_state *st = user;
    (void)section; /* inih's copy may be truncated; st->section is ours */
    if (st->in.err_line) return 0;
    if (!value) value = "";
    switch (st->kind) {
    case SEC_NONE:
        return fail(st, st->in.lineno, NULL, key, "key outside any section");
    case SEC_APP:
        return app_key(st, key, value);
    case SEC_BUDGET:
        return budget_key(st, key, value);
    }
    return 1;
}

static bool check_whole(parse_state *st)
{
    kf_application *a = st->a;
    static const int required[] = {AK_MENU,  AK_ROUND, AK_GROUP,    AK_TITLE,
                                   AK_START, AK_END,   AK_REQUESTED};
    int app_line = st->app_line ? st->app_line : 1;
    for (size_t i = 0; i < NELEM(required); i++) {
        int k = required[i];
        if (!(st->seen & (1u << k))) {
            fail(st, app_line, "application", app_keys[k], "missing (required)");
            return false;
        }
    }
    if (partners_have(a, a->group)) {
        fail(st, st->key_line[AK_PARTNERS], "application", "partners",
             "the lead group %s cannot also be a partner", a->group);
        return false;
    }
    if (strcmp(a->end, a->start) < 0) {
        fail(st, st->key_line[AK_END], "application", "end", "'%s' is before start '%s'", a->end,
             a->start);
        return false;
    }
    if (a->nlines == 0) {
        fail(st, st->budget_line ? st->budget_line : 1, "budget", NULL,
             "no budget lines (write `category = amount, description`)");
        return false;
    }
    return true;
}

kf_code kf_application_parse(const char *text, size_t len, const char *file, kf_application *out,
                             kf_err *err)
{
    parse_state st;
    memset(&st, 0, sizeof st);
    memset(out, 0, sizeof *out);
    kf_ini_init(&st.in, text, len, file, "application", err, st.section, start_section, &st);
    st.a = out;
    kf_code rc = kf_ini_parse(&st.in, handler, &st);
    if (rc) return rc;
    if (!check_whole(&st)) return KF_BAD_INPUT;
    return KF_OK;
}

/* ---- grant.apply entry fields ------------------------------------------------- */

kf_code kf_application_to_entry(const kf_application *a, kf_entry *e, kf_err *err)
{
    kf_code rc = KF_OK;
#define SET_S(k, v)                                                                                \
    do {                                                                                           \
        if (!rc) rc = kf_entry_set_str(e, (k), (v), err);                                          \
    } while (0)
#define SET_OPT(k, v)                                                                              \
    do {                                                                                           \
        if (!rc && *(v)) rc = kf_entry_set_str(e, (k), (v), err);                                  \
    } while (0)
#define SET_I(k, v)                                                                                \
    do {                                                                                           \
        if (!rc) rc = kf_entry_set_int(e, (k), (v), err);                                          \
    } while (0)
    if (a->npartners < 0 || a->npartners > KF_APP_MAX_PARTNERS || a->nlines < 0 ||
        a->nlines > KF_APP_MAX_LINES)
        return kf_fail(err, KF_BAD_INPUT, "application %s: bad partner or budget line count",
                       a->id);
    SET_S("id", a->id);
    SET_S("menu", a->menu);
    SET_S("round", a->round);
    SET_S("group", a->group);
    char partners[KF_APP_MAX_PARTNERS * (KF_GROUP_ID_MAX + 1) + 1];
    size_t plen = 0;
    for (int i = 0; i < a->npartners; i++) {
        size_t n = strnlen(a->partners[i], KF_GROUP_ID_MAX);
        if (i) partners[plen++] = ',';
        memcpy(partners + plen, a->partners[i], n);
        plen += n;
    }
    partners[plen] = '\0';
    SET_OPT("partners", partners);
    SET_OPT("city_partner", a->city_partner);
    SET_OPT("field", a->field);
    SET_OPT("theme", a->theme);
    SET_S("title", a->title);
    SET_S("start", a->start);
    SET_S("end", a->end);
    SET_S("date", a->date);
    SET_I("requested", a->requested);
    SET_I("income", a->income);
    for (int i = 0; i < a->nlines && !rc; i++) {
        const kf_budget_line *l = &a->lines[i];
        const char *cat = expense_name(l->category);
        char key[32];
        if (!cat)
            return kf_fail(err, KF_BAD_INPUT, "application %s: budget line %d has no category",
                           a->id, i + 1);
        snprintf(key, sizeof key, "b%02d.category", i + 1);
        SET_S(key, cat);
        snprintf(key, sizeof key, "b%02d.amount", i + 1);
        SET_I(key, l->amount);
        snprintf(key, sizeof key, "b%02d.text", i + 1);
        SET_OPT(key, l->text);
    }
#undef SET_S
#undef SET_OPT
#undef SET_I
    return rc;
}

__attribute__((format(printf, 4, 5))) static kf_code ebad(const kf_entry *e, kf_err *err,
                                                          const char *key, const char *fmt, ...)
{
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return kf_fail(err, KF_BAD_INPUT, "grant.apply entry seq %lld: %s: %s", (long long)e->seq, key,
                   what);
}

/* A string field into out: absent is "" unless required; present must be a
 * string that fits, without control characters. */
static kf_code get_text(const kf_entry *e, const char *key, bool required, char *out, size_t outsz,
                        kf_err *err)
{
    const kf_field *f = kf_entry_get(e, key);
    out[0] = '\0';
    if (!f) return required ? ebad(e, err, key, "missing") : KF_OK;
    if (f->type != KF_FIELD_STR || !f->str) return ebad(e, err, key, "not a string");
    size_t n = strlen(f->str);
    if (n >= outsz) return ebad(e, err, key, "longer than %zu bytes", outsz - 1);
    const char *why =
        kf_ini_check_text((const unsigned char *)f->str, (const unsigned char *)f->str + n);
    if (why) return ebad(e, err, key, "%s", why);
    memcpy(out, f->str, n + 1);
    return KF_OK;
}

static kf_code get_money(const kf_entry *e, const char *key, kf_yen min, kf_yen *out, kf_err *err)
{
    const kf_field *f = kf_entry_get(e, key);
    if (!f) return ebad(e, err, key, "missing");
    if (f->type != KF_FIELD_INT) return ebad(e, err, key, "not an integer");
    if (f->num < min || f->num > KF_YEN_MAX_ONE)
        return ebad(e, err, key, "%lld is not an amount of yen %lld..%lld", (long long)f->num,
                    (long long)min, (long long)KF_YEN_MAX_ONE);
    *out = f->num;
    return KF_OK;
}

/* "bNN." with NN two digits; *n receives NN. */
static bool budget_key_index(const char *key, int *n)
{
    if (key[0] != 'b' || key[1] < '0' || key[1] > '9') return false;
    if (key[2] < '0' || key[2] > '9' || key[3] != '.') {
        *n = -1; /* b<digit>... but not bNN.: a malformed budget key */
        return true;
    }
    *n = (key[1] - '0') * 10 + (key[2] - '0');
    return true;
}

kf_code kf_application_from_entry(const kf_entry *e, kf_application *out, kf_err *err)
{
    kf_code rc;
    memset(out, 0, sizeof *out);
    out->seq = e->seq;
    char buf[1200];
    if ((rc = get_text(e, "id", false, out->id, sizeof out->id, err))) return rc;
    if (*out->id && !kf_id_valid(out->id)) return ebad(e, err, "id", "'%s' is not an id", out->id);
    if ((rc = get_text(e, "menu", true, out->menu, sizeof out->menu, err))) return rc;
    if (!kf_ini_valid_code(out->menu))
        return ebad(e, err, "menu", "'%s' is not a menu code", out->menu);
    if ((rc = get_text(e, "round", true, out->round, sizeof out->round, err))) return rc;
    if (!valid_id(out->round)) return ebad(e, err, "round", "'%s' is not a round", out->round);
    if ((rc = get_text(e, "group", true, out->group, sizeof out->group, err))) return rc;
    if (!valid_id(out->group)) return ebad(e, err, "group", "'%s' is not a group id", out->group);
    if ((rc = get_text(e, "partners", false, buf, sizeof buf, err))) return rc;
    {
        char why[600];
        if (kf_entry_str(e, "partners") && !*buf) return ebad(e, err, "partners", "is empty");
        if (!parse_partners(buf, out, why, sizeof why)) return ebad(e, err, "partners", "%s", why);
        if (partners_have(out, out->group))
            return ebad(e, err, "partners", "the lead group %s is also a partner", out->group);
    }
    if ((rc = get_text(e, "city_partner", false, out->city_partner, sizeof out->city_partner, err)))
        return rc;
    if ((rc = get_text(e, "field", false, out->field, sizeof out->field, err))) return rc;
    if (*out->field && !kf_ini_valid_code(out->field))
        return ebad(e, err, "field", "'%s' is not a field code", out->field);
    if ((rc = get_text(e, "theme", false, out->theme, sizeof out->theme, err))) return rc;
    if (*out->theme && !kf_ini_valid_code(out->theme))
        return ebad(e, err, "theme", "'%s' is not a theme code", out->theme);
    if ((rc = get_text(e, "title", true, out->title, sizeof out->title, err))) return rc;
    if (!*out->title) return ebad(e, err, "title", "is empty");
    if ((rc = get_text(e, "start", true, out->start, sizeof out->start, err))) return rc;
    if (!kf_parse_date(out->start, NULL, NULL, NULL))
        return ebad(e, err, "start", "'%s' is not a date", out->start);
    if ((rc = get_text(e, "end", true, out->end, sizeof out->end, err))) return rc;
    if (!kf_parse_date(out->end, NULL, NULL, NULL))
        return ebad(e, err, "end", "'%s' is not a date", out->end);
    if (strcmp(out->end, out->start) < 0)
        return ebad(e, err, "end", "'%s' is before start '%s'", out->end, out->start);
    if ((rc = get_text(e, "date", false, out->date, sizeof out->date, err))) return rc;
    if (*out->date && !kf_parse_date(out->date, NULL, NULL, NULL))
        return ebad(e, err, "date", "'%s' is not a date", out->date);
    if ((rc = get_money(e, "requested", 1, &out->requested, err))) return rc;
    if ((rc = get_money(e, "income", 0, &out->income, err))) return rc;

    for (int i = 0; i < KF_APP_MAX_LINES; i++) {
        char key[32], name[16];
        snprintf(key, sizeof key, "b%02d.category", i + 1);
        if (!kf_entry_get(e, key)) break;
        kf_budget_line *l = &out->lines[i];
        if ((rc = get_text(e, key, true, name, sizeof name, err))) return rc;
        l->category = kf_expense_parse(name);
        if (!l->category) return ebad(e, err, key, "'%s' is not an expense category", name);
        snprintf(key, sizeof key, "b%02d.amount", i + 1);
        if ((rc = get_money(e, key, 1, &l->amount, err))) return rc;
        snprintf(key, sizeof key, "b%02d.text", i + 1);
        if ((rc = get_text(e, key, false, l->text, sizeof l->text, err))) return rc;
        if (kf_entry_get(e, key) && !*l->text) return ebad(e, err, key, "is empty");
        out->nlines = i + 1;
    }
    if (out->nlines == 0) return ebad(e, err, "b01.category", "missing (no budget lines)");
    kf_yen total = 0;
    for (int i = 0; i < out->nlines; i++)
        if (!kf_add(total, out->lines[i].amount, &total))
            return ebad(e, err, "budget", "total overflows");
    /* every budget key must belong to a line 01..nlines */
    for (size_t i = 0; i < e->nfields; i++) {
        const char *key = e->fields[i].key;
        int n;
        if (!budget_key_index(key, &n)) continue;
        const char *rest = key + 4;
        if (n < 1 || n > out->nlines ||
            (strcmp(rest, "category") != 0 && strcmp(rest, "amount") != 0 &&
             strcmp(rest, "text") != 0))
            return ebad(e, err, key, "not a field of budget lines 01..%02d", out->nlines);
    }
    return KF_OK;
}

/* ---- ceiling and eligibility ---------------------------------------------------- */

static kf_yen sat_add(kf_yen a, kf_yen b)
{
    kf_yen r;
    if (kf_add(a, b, &r)) return r;
    return b > 0 ? INT64_MAX : INT64_MIN;
}

void kf_grant_ceiling(const kf_menu *m, const kf_application *a, kf_ceiling *out)
{
    memset(out, 0, sizeof *out);
    int nlines = a->nlines < 0 ? 0 : a->nlines > KF_APP_MAX_LINES ? KF_APP_MAX_LINES : a->nlines;
    for (int i = 0; i < nlines; i++) {
        kf_yen amt = a->lines[i].amount > 0 ? a->lines[i].amount : 0;
        out->budget_total = sat_add(out->budget_total, amt);
        if (a->lines[i].category & m->expenses)
            out->eligible_lines = sat_add(out->eligible_lines, amt);
    }
    if (a->income <= 0)
        out->eligible_cost = out->eligible_lines;
    else if (a->income >= out->eligible_lines)
        out->eligible_cost = 0;
    else
        out->eligible_cost = out->eligible_lines - a->income;

    out->tier = -1;
    out->rate = m->rate;
    out->cap = m->cap;
    kf_yen best = 0;
    int ntiers = m->ntiers < 0 ? 0 : m->ntiers > KF_MENU_MAX_TIERS ? KF_MENU_MAX_TIERS : m->ntiers;
    for (int i = 0; i < ntiers; i++) {
        const kf_menu_tier *t = &m->tiers[i];
        if (t->min_cost <= out->eligible_cost && (out->tier < 0 || t->min_cost > best)) {
            out->tier = i;
            best = t->min_cost;
            out->rate = t->rate;
            out->cap = t->cap;
        }
    }

    __int128 by = 0;
    if (out->rate.den > 0 && out->rate.num > 0)
        by = (__int128)out->eligible_cost * out->rate.num / out->rate.den;
    out->by_rate = by > INT64_MAX ? INT64_MAX : (kf_yen)by;

    kf_yen capped = a->requested > 0 ? a->requested : 0;
    if (out->by_rate < capped) capped = out->by_rate;
    if (out->cap > 0 && out->cap < capped) capped = out->cap;
    out->capped = capped;
    out->ceiling = kf_floor_to(capped, m->round_down);
}

static void add_reason(kf_eval *out, const char *code)
{
    if (out->nreasons < KF_REASON_MAX) out->reasons[out->nreasons++] = code;
}

void kf_grant_evaluate(const kf_rules *r, const kf_menu *m, const kf_application *a,
                       const kf_grant_facts *f, kf_eval *out)
{
    memset(out, 0, sizeof *out);
    kf_grant_ceiling(m, a, &out->c);
    const kf_group *g = &f->group;
    bool found = f->group_found;

    if (!found || (g->status & KF_ST_DEREGISTERED) || !(g->status & m->statuses))
        add_reason(out, "status");
    if (found) {
        if (!(g->type & m->group_types)) add_reason(out, "group_type");
        if (!(g->type & m->members_exempt) && g->members < m->min_members)
            add_reason(out, "members");
        if (m->min_years > 0 || m->max_years > 0) {
            int age = kf_group_age(g, a->date);
            if (age < 0 || age < m->min_years || (m->max_years > 0 && age >= m->max_years))
                add_reason(out, "age");
        }
    }
    int64_t partners = (int64_t)(a->npartners > 0 ? a->npartners : 0) + (*a->city_partner ? 1 : 0);
    if (partners < m->partners_min || f->partners_unregistered > 0) add_reason(out, "partners");
    if (m->max_awards > 0 && f->awards_in_menu >= m->max_awards) add_reason(out, "max_awards");
    if (m->max_consecutive > 0 && f->consecutive_years >= m->max_consecutive)
        add_reason(out, "consecutive");
    if (*m->exclusive && f->exclusive_taken) add_reason(out, "exclusive");
    if (out->c.eligible_cost == 0) add_reason(out, "expenses");
    if (out->c.ceiling < m->min_award) add_reason(out, "below_min");
    if (f->duplicate) add_reason(out, "duplicate");
    if (m->source == KF_SRC_FIELD && (!*a->field || !kf_rules_field(r, a->field)))
        add_reason(out, "field");
    if (m->source == KF_SRC_THEME && (!*a->theme || !kf_rules_theme(r, a->theme)))
        add_reason(out, "theme");
    out->eligible = out->nreasons == 0;
}

const char *kf_grant_amount_rule(const kf_menu *m, kf_yen ceiling, kf_yen amount)
{
    if (amount <= 0 || amount > ceiling) return "ceiling";
    if (amount < m->min_award) return "min_award";
    if (m->round_down > 0 && amount % m->round_down != 0) return "round_down";
    return NULL;
}

bool kf_grant_score_passes(double pass_score, int64_t reviews, int64_t total)
{
    if (reviews <= 0) return false;
    /* pass_score is I.F with at most 6 decimals, 0..5 (fund/rules.c), so
     * pass_score x 10^6 is within far less than 0.5 of a whole number:
     * rounding it recovers the decimal exactly */
    int64_t micro = (int64_t)(pass_score * 1e6 + 0.5);
    return (__int128)total * 1000000 >= (__int128)micro * reviews;
}
