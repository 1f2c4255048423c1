/*
 * A group's and a click-fund partner's statements for one fiscal year
 * (`kifu export group|partner ID --fy Y --out F.xlsx`), each a
 * one-sheet Excel workbook read from the entries themselves; README, "The
 * statements", tells what they show and why.
 *
 * Group (団体別明細): the group, its pool's figures for the FY (opening, in,
 * out, closing, committed, available); the FY's donations and box
 * collections credited to its pool (group:ID) and the FY's voids of such
 * gifts as lines of their own with minus amounts (the void's date, the
 * gift's receipt number), so that the total is what the pool kept and a
 * filter changes it; its applications of the FY as lead group (requested,
 * approved, paid, final, refunded, the state in words); and every dated step
 * of those applications (申請, 交付決定 or 不交付決定, each 支払, 額の確定,
 * each 返還), whatever FY the step falls in.
 *
 * Partner (クリック募金明細): the partner (rate, monthly cap, designation),
 * the FY's twelve months (clicks, clicks × rate, whether the cap cut the
 * pledge, pledge, paid, outstanding: payments are applied to the months in
 * order, as `kifu partner show`; a month with no clicks is a row of 0), and
 * its payments of the FY with their voids as minus lines.
 *
 * Names, not codes: the group's, the partner's, the pool's and the menus'
 * names (labels.h); a donation's source on the group statement is its kind
 * only for a member or a direct donor (直接, 会員: a donor is personal data,
 * not the group's to read), the partner's or the box's name otherwise.
 * Dates are Excel dates shown in 和暦 (ja) or ISO (en); rows in date order,
 * then seq; totals are SUBTOTAL(9, …) carrying their values.
 *
 * Layout (rows 1-based): the title, the facts two to a row (label and value
 * in A-B, a name in C; label and value from column E for a group, D for a
 * partner), the ledger root on a row of its own, then the tables one below
 * the other; the first table's header row is frozen, filtered and repeated
 * on every printed page:
 *
 *   group      row  left pair               right pair
 *               2   fund                    issued
 *               3   group (ID, name)        status
 *               4   FY                      first day
 *               5   pool                    last day
 *               6   opening                 committed
 *               7   in                      available
 *               8   out                     ledger entries
 *               9   closing
 *              10   ledger root
 *              11   donations' title, 12 their header
 *
 *   partner     2   fund                    issued
 *               3   partner (ID, name)
 *               4   per click               monthly cap
 *               5   FY                      first day
 *               6   designation             last day
 *               7   ledger entries
 *               8   ledger root
 *               9   months' title, 10 their header
 *
 * The sheet is laid out twice by the same code (stmt_sheet.h): measured,
 * then written with columns as wide as their content. Written in
 * constant_memory mode (rows in order); the lines are read into memory
 * first (about 150 bytes each).
 */
#include "kifu/grants.h"
#include "kifu/report.h"

#include "labels.h"
#include "stmt_sheet.h"
#include "xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the donations and payments ------------------------------------------ */

typedef struct {
    int64_t seq;
    int64_t void_by; /* a gift: the seq of its void, or 0 */
    int64_t void_of; /* a void: the seq of the gift it voids, or 0 */
    int64_t fy;      /* the gift's FY (its receipt number's) */
    char date[11], source[KF_POOL_MAX], reason[128];
    kf_yen amount, credit; /* minus for a void */
} line;

typedef struct {
    line *v;
    size_t n, cap;
    kx_voids voids;
    int fy;
    const char *pool;   /* group: lines credited to this pool */
    const char *source; /* partner: lines from this source */
    int64_t size;
    kf_code rc;
    kf_err *err;
} loader;

static line *new_line(loader *c)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        line *p = realloc(c->v, cap * sizeof *p);
        if (!p) {
            c->rc = kf_fail(c->err, KF_SYSTEM, "out of memory");
            return NULL;
        }
        c->v = p;
        c->cap = cap;
    }
    line *l = &c->v[c->n++];
    memset(l, 0, sizeof *l);
    return l;
}

static int collect_line(void *ctx, const kf_row *row)
{
    loader *c = ctx;
    const kf_entry *e = row->entry;
    int64_t fy, amount, credit = 0, of = 0, gift_fy = 0;
    if (row->seq > c->size || !kf_entry_int(e, "fy", &fy) || fy != c->fy ||
        !kf_entry_int(e, "amount", &amount))
        return 0;
    const char *pool = kf_entry_str(e, "credit_pool"), *source = kf_entry_str(e, "source");
    const char *date = kf_entry_str(e, "date"), *reason = kf_entry_str(e, "reason");
    if (c->pool && (!pool || strcmp(pool, c->pool) != 0)) return 0;
    if (c->source && (!source || strcmp(source, c->source) != 0)) return 0;
    kf_entry_int(e, "credit", &credit);
    bool is_void = kf_entry_int(e, "void", &of);
    if (is_void && !kf_entry_int(e, "void_fy", &gift_fy)) gift_fy = fy;
    line *l = new_line(c);
    if (!l) return c->rc;
    l->seq = row->seq;
    l->fy = is_void ? gift_fy : fy;
    l->amount = is_void ? -amount : amount;
    l->credit = is_void ? -credit : credit;
    l->void_of = is_void ? of : 0;
    l->void_by = is_void ? 0 : kx_voided_by(&c->voids, row->seq);
    snprintf(l->date, sizeof l->date, "%s", date ? date : "");
    snprintf(l->source, sizeof l->source, "%s", source ? source : "");
    snprintf(l->reason, sizeof l->reason, "%s", is_void && reason ? reason : "");
    return 0;
}

static int by_date_seq(const void *a, const void *b)
{
    const line *x = a, *y = b;
    int d = strcmp(x->date, y->date);
    return d ? d : (x->seq > y->seq) - (x->seq < y->seq);
}

/* The FY's lines (donation and box.collect entries, and the FY's voids of
 * them) of the pool or source, by date then seq. */
static kf_code load_lines(kf_ledger *l, loader *c)
{
    kf_ledger_info info;
    kf_code rc = kf_ledger_get_info(l, &info, c->err);
    if (rc) return rc;
    c->size = info.size;
    if ((rc = kx_voids_load(l, c->size, &c->voids, c->err))) return rc;
    if ((rc = kf_ledger_scan(l, 1, "donation", collect_line, c, c->err)) || (rc = c->rc)) return rc;
    if (c->pool &&
        ((rc = kf_ledger_scan(l, 1, "box.collect", collect_line, c, c->err)) || (rc = c->rc)))
        return rc;
    if ((rc = kf_ledger_scan(l, 1, "donation.void", collect_line, c, c->err)) || (rc = c->rc))
        return rc;
    if (c->n > 1) qsort(c->v, c->n, sizeof *c->v, by_date_seq);
    return KF_OK;
}

/* --- the grants' steps ----------------------------------------------------- */

enum { EV_APPLY, EV_APPROVE, EV_REJECT, EV_PAY, EV_SETTLE, EV_REFUND };

typedef struct {
    int64_t seq;
    int kind;
    char date[11], app[KF_APP_ID_MAX], note[256];
    kf_yen amount, refund_due;
} event;

typedef struct {
    event *v;
    size_t n, cap;
    const kf_grant_row *apps;
    size_t napps;
    int64_t size;
    kf_code rc;
    kf_err *err;
} ev_loader;

static int collect_event(void *ctx, const kf_row *row)
{
    ev_loader *c = ctx;
    const kf_entry *e = row->entry;
    if (row->seq > c->size) return 0;
    const char *app = kf_entry_str(e, "app"), *date = kf_entry_str(e, "date");
    const char *k = e->kind;
    bool apply = !strcmp(k, "grant.apply");
    if (apply) app = kf_entry_str(e, "id");
    if (!app) return 0;
    bool mine = false;
    for (size_t i = 0; i < c->napps && !mine; i++)
        mine = !strcmp(c->apps[i].id, app);
    if (!mine) return 0;
    event x = {.seq = row->seq};
    snprintf(x.app, sizeof x.app, "%s", app);
    snprintf(x.date, sizeof x.date, "%s", date ? date : "");
    if (apply) {
        x.kind = EV_APPLY;
        kf_entry_int(e, "requested", &x.amount);
    } else if (!strcmp(k, "grant.decide")) {
        const char *d = kf_entry_str(e, "decision"), *reason = kf_entry_str(e, "reason");
        x.kind = d && !strcmp(d, "approve") ? EV_APPROVE : EV_REJECT;
        kf_entry_int(e, "amount", &x.amount);
        if (x.kind == EV_REJECT && reason) snprintf(x.note, sizeof x.note, "%s", reason);
    } else if (!strcmp(k, "grant.pay")) {
        x.kind = EV_PAY;
        kf_entry_int(e, "amount", &x.amount);
    } else if (!strcmp(k, "grant.settle")) {
        x.kind = EV_SETTLE;
        kf_entry_int(e, "final", &x.amount);
        kf_entry_int(e, "refund_due", &x.refund_due);
    } else if (!strcmp(k, "grant.refund")) {
        x.kind = EV_REFUND;
        kf_entry_int(e, "amount", &x.amount);
    } else {
        return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        event *p = realloc(c->v, cap * sizeof *p);
        if (!p) return c->rc = kf_fail(c->err, KF_SYSTEM, "out of memory");
        c->v = p;
        c->cap = cap;
    }
    c->v[c->n++] = x;
    return 0;
}

static int event_order(const void *a, const void *b)
{
    const event *x = a, *y = b;
    int d = strcmp(x->date, y->date);
    return d ? d : (x->seq > y->seq) - (x->seq < y->seq);
}

static kf_code load_events(kf_ledger *l, ev_loader *c)
{
    static const char *const kinds[] = {"grant.apply", "grant.decide", "grant.pay", "grant.settle",
                                        "grant.refund"};
    kf_code rc;
    if (!c->napps) return KF_OK;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if ((rc = kf_ledger_scan(l, 1, kinds[i], collect_event, c, c->err)) || (rc = c->rc))
            return rc;
    if (c->n > 1) qsort(c->v, c->n, sizeof *c->v, event_order);
    return KF_OK;
}

/* The date of an application's first step of kind k ("" if none). */
static const char *step_date(const ev_loader *c, const char *app, int k)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].kind == k && !strcmp(c->v[i].app, app)) return c->v[i].date;
    return "";
}

/* --- labels ------------------------------------------------------------- */

typedef struct {
    const char *sheet, *group_title, *partner_title, *fund, *group, *partner, *status, *fy, *first,
        *last, *pool, *opening, *in, *out, *closing, *committed, *available, *size, *root, *issued,
        *per_click, *cap, *to, *donations_title, *grants_title, *steps_title, *months_title,
        *payments_title, *total, *none, *cap_mark, *voided_fmt, *void_fmt, *refund_due_fmt;
    const char *dcols[7], *gcols[10], *scols[6], *mcols[7], *pcols[5];
    const char *steps[6], *member, *direct;
} labels;

static const labels JA = {
    .sheet = "明細",
    .group_title = "団体別明細",
    .partner_title = "クリック募金明細",
    .fund = "基金",
    .group = "団体",
    .partner = "協賛企業",
    .status = "状態",
    .fy = "年度",
    .first = "期首",
    .last = "期末",
    .pool = "財源",
    .opening = "期首残高",
    .in = "収入",
    .out = "支出",
    .closing = "期末残高",
    .committed = "確保額",
    .available = "利用可能額",
    .size = "台帳の記録数",
    .root = "台帳ルート",
    .issued = "発行",
    .per_click = "1クリック単価",
    .cap = "月額上限",
    .to = "指定",
    .donations_title = "この団体への寄附（財源への計上分）",
    .grants_title = "助成（代表団体として）",
    .steps_title = "助成の経過",
    .months_title = "月別のクリックと寄附",
    .payments_title = "入金",
    .total = "合計",
    .none = "（なし）",
    .cap_mark = "○",
    .voided_fmt = "取消済（記録番号 %lld）",
    .void_fmt = "取消（%s）",
    .refund_due_fmt = "返還すべき額 %s円",
    .dcols = {"日付", "受領番号", "寄附元", "金額", "計上額", "備考", "記録番号"},
    .gcols = {"申請ID", "事業名", "メニュー", "申請日", "申請額", "交付決定額", "支払額", "確定額",
              "返還額", "状態"},
    .scols = {"日付", "申請ID", "事項", "金額", "備考", "記録番号"},
    .mcols = {"月", "クリック数", "単価×クリック数", "上限適用", "寄附額", "入金額", "未入金"},
    .pcols = {"日付", "受領番号", "金額", "備考", "記録番号"},
    .steps = {"申請", "交付決定", "不交付決定", "支払", "額の確定", "返還"},
    .member = "会員",
    .direct = "直接",
};

static const labels EN = {
    .sheet = "Statement",
    .group_title = "Group statement",
    .partner_title = "Click-fund partner statement",
    .fund = "Fund",
    .group = "Group",
    .partner = "Partner",
    .status = "Status",
    .fy = "Fiscal year",
    .first = "First day",
    .last = "Last day",
    .pool = "Pool",
    .opening = "Opening",
    .in = "In",
    .out = "Out",
    .closing = "Closing",
    .committed = "Committed",
    .available = "Available",
    .size = "Ledger entries",
    .root = "Ledger root",
    .issued = "Issued",
    .per_click = "Per click",
    .cap = "Monthly cap",
    .to = "Designation",
    .donations_title = "Donations credited to the group's pool",
    .grants_title = "Grants (as lead group)",
    .steps_title = "Grant steps",
    .months_title = "Clicks and pledges by month",
    .payments_title = "Payments",
    .total = "Total",
    .none = "(none)",
    .cap_mark = "cap applied",
    .voided_fmt = "voided (seq %lld)",
    .void_fmt = "void (%s)",
    .refund_due_fmt = "refund due %s yen",
    .dcols = {"Date", "Receipt no.", "Source", "Amount", "Credited", "Note", "seq"},
    .gcols = {"Application", "Title", "Menu", "Applied", "Requested", "Approved", "Paid", "Final",
              "Refunded", "State"},
    .scols = {"Date", "Application", "Step", "Amount", "Note", "seq"},
    .mcols = {"Month", "Clicks", "Clicks x rate", "Cap", "Pledged", "Paid", "Outstanding"},
    .pcols = {"Date", "Receipt no.", "Amount", "Note", "seq"},
    .steps = {"applied", "awarded", "not awarded", "paid", "settled", "refunded"},
    .member = "member",
    .direct = "direct",
};

/* --- writing ------------------------------------------------------------ */

/* A label/value pair of the block above the first table. */
enum { P_NONE, P_TEXT, P_DATE, P_YEN, P_INT };
typedef struct {
    int kind;
    const char *label, *text; /* text: P_TEXT, or a P_DATE's YYYY-MM-DD */
    int64_t n;                /* P_YEN, P_INT */
    const char *name;         /* a second text in the next column, or NULL */
} pair;

/* A text value (and a name after it) may run over the empty cells up to
 * column last. */
static void put_pair(ks_sheet *s, lxw_col_t col, lxw_col_t last, const pair *x)
{
    if (x->kind == P_NONE) return;
    ks_text(s, col, x->label, s->s.f->label);
    if (x->kind == P_TEXT)
        ks_span_to(s, col + 1, x->name ? col + 1 : last, x->text, NULL);
    else if (x->kind == P_DATE)
        ks_date(s, col + 1, x->text);
    else if (x->kind == P_YEN)
        ks_yen(s, col + 1, x->n, NULL);
    else
        ks_int(s, col + 1, x->n, NULL);
    if (x->name) ks_span_to(s, col + 2, last, x->name, NULL);
}

/* The title, then n rows of two pairs (rows[i][0] from column A, rows[i][1]
 * from column right), then the ledger root on its own row. */
static void head(ks_sheet *s, const char *title, const pair (*rows)[2], size_t n, lxw_col_t right,
                 const char *root_label, const char *root)
{
    ks_span(s, 0, title, s->s.f->title);
    ks_height(s, 21);
    ks_next(s);
    for (size_t i = 0; i < n; i++) {
        put_pair(s, 0, right - 1, &rows[i][0]);
        put_pair(s, right, KS_MAXCOL - 1, &rows[i][1]);
        ks_next(s);
    }
    ks_text(s, 0, root_label, s->s.f->label);
    ks_span(s, 1, root, NULL);
    ks_next(s);
}

/* A table's title: a taller row sets it off from what is above it. */
static void table_title(ks_sheet *s, const char *title)
{
    ks_height(s, 24);
    ks_span(s, 0, title, s->s.f->label);
    ks_next(s);
}

/* A table's header row (centred). */
static void header(ks_sheet *s, const char *const *cols, int n)
{
    for (int c = 0; c < n; c++)
        ks_text(s, (lxw_col_t)c, cols[c], s->k->header);
    ks_next(s);
}

/* The total row: SUBTOTAL(9, …) of the money columns over the rows
 * first..s->row-1 (so a filter changes it). */
static void totals(ks_sheet *s, const labels *lb, lxw_row_t first, const lxw_col_t *cols,
                   const kf_yen *sum, int n, int width)
{
    char f[96];
    for (int c = 1; c < width; c++)
        ks_blank(s, (lxw_col_t)c, s->s.f->total_label);
    ks_text(s, 0, lb->total, s->s.f->total_label);
    for (int k = 0; k < n; k++) {
        ks_subtotal(f, sizeof f, cols[k], first, s->row);
        ks_formula(s, cols[k], f, sum[k], s->k->total_yen, true);
    }
    ks_next(s);
}

static void receipt_no(const line *l, char *out, size_t size)
{
    snprintf(out, size, "%lld-%06lld", (long long)l->fy,
             (long long)(l->void_of ? l->void_of : l->seq));
}

/* A line's note: the seq of its void, or a void's reason. */
static void line_note(const labels *lb, const line *x, char *out, size_t size)
{
    out[0] = '\0';
    if (x->void_by) snprintf(out, size, lb->voided_fmt, (long long)x->void_by);
    if (x->void_of) snprintf(out, size, lb->void_fmt, x->reason);
}

/* What both statements hold besides their sheet. */
typedef struct {
    const labels *lb;
    kf_statement_lang lang;
    kf_ledger_info info;
    char root[65], issued[40], issued_text[64];
    char fy_text[64], first_day[11], last_day[11];
    kx_names *names;
    kx_book book;
    kx_formats f;
    ks_formats kf;
    ks_sheet s;
    pair fund, fy, first, last, size, issued_pair;
} doc;

static kf_code doc_open(doc *d, kf_ledger *l, kf_statement_lang lang, int fy, const char *path,
                        kf_err *err)
{
    kf_hash h;
    kf_code rc;
    memset(d, 0, sizeof *d);
    d->lang = lang;
    d->lb = lang == KF_STATEMENT_EN ? &EN : &JA;
    if (!kf_now(d->issued, err)) return err->code ? err->code : KF_BAD_INPUT;
    if ((rc = kf_ledger_get_info(l, &d->info, err)) ||
        (rc = kf_ledger_root(l, d->info.size, h, err)) ||
        (rc = kx_names_load(l, lang, &d->names, err)))
        return rc;
    kf_hex(h, KF_HASH_LEN, d->root);
    ks_time_text(lang, d->issued, d->issued_text, sizeof d->issued_text);
    kf_rules_fy_bounds(kx_names_rules(d->names), fy, d->first_day, d->last_day);
    kx_fy_name(lang, d->first_day, fy, d->fy_text, sizeof d->fy_text);
    const labels *lb = d->lb;
    d->fund = (pair){P_TEXT, lb->fund, d->info.fund, 0, NULL};
    d->fy = (pair){P_TEXT, lb->fy, d->fy_text, 0, NULL};
    d->first = (pair){P_DATE, lb->first, d->first_day, 0, NULL};
    d->last = (pair){P_DATE, lb->last, d->last_day, 0, NULL};
    d->size = (pair){P_INT, lb->size, NULL, d->info.size, NULL};
    d->issued_pair = (pair){P_TEXT, lb->issued, d->issued_text, 0, NULL};
    if ((rc = kx_book_open(&d->book, path, true, err))) {
        kx_names_free(d->names);
        d->names = NULL;
        return rc;
    }
    kx_formats_add(d->book.wb, &d->f, kx_date_format(lang), kx_yen_format(lang));
    ks_formats_add(d->book.wb, &d->kf, lang);
    d->s = (ks_sheet){
        .s = {.ws = NULL, .error = &d->book.error, .f = &d->f}, .k = &d->kf, .lang = lang};
    return KF_OK;
}

/* After measuring: the worksheet, with the measured widths. */
static void doc_sheet(doc *d)
{
    lxw_worksheet *ws = workbook_add_worksheet(d->book.wb, d->lb->sheet);
    if (!ws) d->book.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
    ks_begin(&d->s, ws);
}

static kf_code doc_close(doc *d, const char *title, int fy, const char *category, kf_err *err)
{
    kx_book_props(&d->book, &(kx_props){.title = title,
                                        .fund = d->info.fund,
                                        .root_hex = d->root,
                                        .category = category,
                                        .keywords = "kifu",
                                        .comments = category,
                                        .issued = d->issued,
                                        .fy = fy,
                                        .size = d->info.size});
    kx_names_free(d->names);
    d->names = NULL;
    return kx_book_finish(&d->book, err);
}

/* --- the group statement ---------------------------------------------------- */

/* A gift's source as the group reads it: the kind only for a member or a
 * direct donor, the partner's or the box's name otherwise. */
static void group_source(const doc *d, const char *source, char *out, size_t size)
{
    int k = kx_source_kind(source);
    if (k == KX_SRC_MEMBER || k == KX_SRC_DIRECT)
        snprintf(out, size, "%s", k == KX_SRC_MEMBER ? d->lb->member : d->lb->direct);
    else
        kx_source_name(d->names, source, out, size);
}

typedef struct {
    const kf_group *g;
    const char *id, *pool_text;
    const kf_pool_figures *mine;
    const loader *c;
    const kf_grant_row *own;
    size_t nown;
    const ev_loader *ev;
} group_data;

/* Lays the group statement out (measuring or writing); returns the row of
 * the donations' header (0-based). */
static lxw_row_t group_sheet(doc *d, const group_data *g, kf_statement_result *res)
{
    const labels *lb = d->lb;
    ks_sheet *s = &d->s;
    char text[512], text2[64];
    const char *status = kx_group_status_name(g->g->status, d->lang);
    const pair rows[8][2] = {
        {d->fund, d->issued_pair},
        {{P_TEXT, lb->group, g->id, 0, g->g->name}, {P_TEXT, lb->status, status, 0, NULL}},
        {d->fy, d->first},
        {{P_TEXT, lb->pool, g->pool_text, 0, NULL}, d->last},
        {{P_YEN, lb->opening, NULL, g->mine->opening, NULL},
         {P_YEN, lb->committed, NULL, g->mine->committed, NULL}},
        {{P_YEN, lb->in, NULL, g->mine->in, NULL},
         {P_YEN, lb->available, NULL, g->mine->available, NULL}},
        {{P_YEN, lb->out, NULL, g->mine->out, NULL}, d->size},
        {{P_YEN, lb->closing, NULL, g->mine->balance, NULL}, {P_NONE, NULL, NULL, 0, NULL}},
    };
    snprintf(text, sizeof text, "%s %s", lb->group_title, d->fy_text);
    head(s, text, rows, 8, 4, lb->root, d->root);

    /* the donations */
    table_title(s, lb->donations_title);
    lxw_row_t hdr = s->row;
    const loader *c = g->c;
    if (s->s.ws) {
        kx_note(&s->s,
                worksheet_autofilter(s->s.ws, hdr, 0, hdr + (c->n ? (lxw_row_t)c->n : 1), 6));
        worksheet_freeze_panes(s->s.ws, hdr + 1, 0);
    }
    header(s, lb->dcols, 7);
    lxw_row_t first = s->row;
    kf_yen sum[2] = {0};
    memset(res, 0, sizeof *res);
    for (size_t i = 0; i < c->n; i++) {
        const line *x = &c->v[i];
        ks_date(s, 0, x->date);
        receipt_no(x, text2, sizeof text2);
        ks_text(s, 1, text2, NULL);
        group_source(d, x->source, text, sizeof text);
        ks_text(s, 2, text, NULL);
        ks_yen(s, 3, x->amount, NULL);
        ks_yen(s, 4, x->credit, NULL);
        line_note(lb, x, text, sizeof text);
        if (text[0]) ks_text(s, 5, text, NULL);
        ks_int(s, 6, x->seq, NULL);
        ks_next(s);
        kf_add(sum[0], x->amount, &sum[0]);
        kf_add(sum[1], x->credit, &sum[1]);
        if (x->void_of)
            res->voided++;
        else
            res->lines++;
    }
    res->total = sum[1];
    if (!c->n) {
        ks_text(s, 0, lb->none, NULL);
        ks_next(s);
    }
    static const lxw_col_t money[2] = {3, 4};
    totals(s, lb, first, money, sum, 2, 7);

    /* the applications */
    ks_next(s);
    table_title(s, lb->grants_title);
    header(s, lb->gcols, 10);
    first = s->row;
    kf_yen gsum[5] = {0};
    for (size_t i = 0; i < g->nown; i++) {
        const kf_grant_row *a = &g->own[i];
        ks_text(s, 0, a->id, NULL);
        ks_text(s, 1, a->title, NULL);
        ks_text(s, 2, kx_menu_name(d->names, a->menu), NULL);
        const char *applied = step_date(g->ev, a->id, EV_APPLY);
        if (applied[0]) ks_date(s, 3, applied);
        const kf_yen v[5] = {a->requested, a->approved, a->paid, a->final, a->refunded};
        for (int k = 0; k < 5; k++) {
            if (k == 3 && !a->settled) continue;
            ks_yen(s, (lxw_col_t)(4 + k), v[k], NULL);
            kf_add(gsum[k], v[k], &gsum[k]);
        }
        ks_text(s, 9, kx_grant_state(a, d->lang), NULL);
        ks_next(s);
        res->applications++;
        kf_add(res->approved, a->approved, &res->approved);
        kf_add(res->paid, a->paid, &res->paid);
    }
    if (!g->nown) {
        ks_text(s, 0, lb->none, NULL);
        ks_next(s);
    }
    static const lxw_col_t gmoney[5] = {4, 5, 6, 7, 8};
    totals(s, lb, first, gmoney, gsum, 5, 10);

    /* every step of those applications, by date */
    if (g->ev->n) {
        ks_next(s);
        table_title(s, lb->steps_title);
        header(s, lb->scols, 6);
        for (size_t i = 0; i < g->ev->n; i++) {
            const event *e = &g->ev->v[i];
            ks_date(s, 0, e->date);
            ks_text(s, 1, e->app, NULL);
            ks_text(s, 2, lb->steps[e->kind], NULL);
            if (e->kind != EV_REJECT) ks_yen(s, 3, e->amount, NULL);
            if (e->kind == EV_SETTLE && e->refund_due > 0) {
                char num[32];
                kx_grouped(e->refund_due, num);
                snprintf(text, sizeof text, lb->refund_due_fmt, num);
                ks_text(s, 4, text, NULL);
            } else if (e->note[0]) {
                ks_text(s, 4, e->note, NULL);
            }
            ks_int(s, 5, e->seq, NULL);
            ks_next(s);
        }
    }
    return hdr;
}

kf_code kf_group_statement_xlsx(kf_ledger *l, const char *id, int fy, kf_statement_lang lang,
                                const char *path, kf_statement_result *res, kf_err *err)
{
    kf_group g;
    bool found = false;
    char pool[KF_POOL_MAX], pool_text[512], title[512];
    kf_code rc;
    memset(res, 0, sizeof *res);
    if ((rc = kf_group_get(l, id, &g, &found, err))) return rc;
    if (!found) return kf_fail(err, KF_REFUSED, "no group %s", id);
    snprintf(pool, sizeof pool, "group:%s", id);
    loader c = {.fy = fy, .pool = pool, .err = err};
    ev_loader ev = {.err = err};
    kf_pool_figures *figs = NULL, total, mine = {0};
    size_t nfigs = 0;
    kf_grant_row *apps = NULL, *own = NULL;
    size_t napps = 0, nown = 0;
    if ((rc = load_lines(l, &c)) || (rc = kf_pools_figures(l, fy, &figs, &nfigs, &total, err)) ||
        (rc = kf_grant_rows(l, fy, &apps, &napps, err)))
        goto out;
    for (size_t i = 0; i < nfigs; i++)
        if (!strcmp(figs[i].pool, pool)) mine = figs[i];
    if (napps && !(own = calloc(napps, sizeof *own))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < napps; i++)
        if (!strcmp(apps[i].group, id)) own[nown++] = apps[i];
    ev.apps = own;
    ev.napps = nown;
    ev.size = c.size;
    if ((rc = load_events(l, &ev))) goto out;
    /* the applications by the date applied, then seq */
    for (size_t i = 1; i < nown; i++)
        for (size_t j = i; j > 0; j--) {
            const char *a = step_date(&ev, own[j - 1].id, EV_APPLY),
                       *b = step_date(&ev, own[j].id, EV_APPLY);
            int o = strcmp(a, b);
            if (o < 0 || (o == 0 && own[j - 1].seq < own[j].seq)) break;
            kf_grant_row t = own[j];
            own[j] = own[j - 1];
            own[j - 1] = t;
        }

    doc d;
    if ((rc = doc_open(&d, l, lang, fy, path, err))) goto out;
    kx_pool_name(d.names, pool, pool_text, sizeof pool_text);
    group_data gd = {&g, id, pool_text, &mine, &c, own, nown, &ev};
    group_sheet(&d, &gd, res); /* measure */
    bool landscape = ks_widths_done(&d.s);
    doc_sheet(&d);
    lxw_row_t hdr = group_sheet(&d, &gd, res);
    snprintf(title, sizeof title, "%s %s %s", d.lb->group_title, g.name, d.fy_text);
    ks_print(&d.s, landscape, hdr, d.info.fund, title);
    snprintf(title, sizeof title, "%s %s %d", d.lb->group_title, id, fy);
    rc = doc_close(&d, title, fy, "kifu group statement", err);
out:
    free(ev.v);
    free(own);
    free(apps);
    free(figs);
    free(c.v);
    kx_voids_free(&c.voids);
    return rc;
}

/* --- the partner statement ---------------------------------------------------- */

typedef struct {
    const kf_partner *me;
    const char *to_text;
    const kf_partner_month *months; /* the FY's 12, in order */
    const loader *c;
} partner_data;

/* Whether the monthly cap cut the month's pledge, and clicks × rate
 * (INT64_MAX when it overflows). */
static bool capped(const kf_partner *p, const kf_partner_month *m, kf_yen *raw)
{
    if (__builtin_mul_overflow(m->clicks, p->per_click, raw)) *raw = INT64_MAX;
    return *raw > m->pledged;
}

static lxw_row_t partner_sheet(doc *d, const partner_data *pd, kf_statement_result *res)
{
    const labels *lb = d->lb;
    ks_sheet *s = &d->s;
    const kf_partner *me = pd->me;
    char text[512], text2[64];
    const pair rows[6][2] = {
        {d->fund, d->issued_pair},
        {{P_TEXT, lb->partner, me->id, 0, me->name}, {P_NONE, NULL, NULL, 0, NULL}},
        {{P_YEN, lb->per_click, NULL, me->per_click, NULL},
         {P_YEN, lb->cap, NULL, me->monthly_cap, NULL}},
        {d->fy, d->first},
        {{P_TEXT, lb->to, pd->to_text, 0, NULL}, d->last},
        {d->size, {P_NONE, NULL, NULL, 0, NULL}},
    };
    snprintf(text, sizeof text, "%s %s", lb->partner_title, d->fy_text);
    head(s, text, rows, 6, 3, lb->root, d->root);

    table_title(s, lb->months_title);
    lxw_row_t hdr = s->row;
    if (s->s.ws) {
        kx_note(&s->s, worksheet_autofilter(s->s.ws, hdr, 0, hdr + 12, 6));
        worksheet_freeze_panes(s->s.ws, hdr + 1, 0);
    }
    header(s, lb->mcols, 7);
    lxw_row_t first = s->row;
    kf_yen msum[4] = {0};
    memset(res, 0, sizeof *res);
    for (int i = 0; i < 12; i++) {
        const kf_partner_month *m = &pd->months[i];
        kf_yen raw;
        bool cut = capped(me, m, &raw);
        ks_month_text(d->lang, m->month, text, sizeof text);
        ks_text(s, 0, text, NULL);
        ks_int(s, 1, m->clicks, s->k->count);
        ks_yen(s, 2, raw, NULL);
        if (cut) ks_text(s, 3, lb->cap_mark, NULL);
        ks_yen(s, 4, m->pledged, NULL);
        ks_yen(s, 5, m->paid, NULL);
        char f[64];
        snprintf(f, sizeof f, "=E%u-F%u", (unsigned)s->row + 1, (unsigned)s->row + 1);
        ks_formula(s, 6, f, m->outstanding, d->kf.yen, true);
        ks_next(s);
        kf_add(msum[0], m->clicks, &msum[0]);
        kf_add(msum[1], m->pledged, &msum[1]);
        kf_add(msum[2], m->paid, &msum[2]);
        kf_add(msum[3], m->outstanding, &msum[3]);
    }
    {
        char f[96];
        for (int k = 2; k < 4; k++)
            ks_blank(s, (lxw_col_t)k, s->s.f->total_label);
        ks_text(s, 0, lb->total, s->s.f->total_label);
        ks_subtotal(f, sizeof f, 1, first, s->row);
        ks_formula(s, 1, f, msum[0], s->k->total_count, false);
        static const lxw_col_t cols[3] = {4, 5, 6};
        for (int k = 0; k < 3; k++) {
            ks_subtotal(f, sizeof f, cols[k], first, s->row);
            ks_formula(s, cols[k], f, msum[1 + k], s->k->total_yen, true);
        }
        ks_next(s);
    }
    res->pledged = msum[1];
    res->outstanding = msum[3];

    ks_next(s);
    table_title(s, lb->payments_title);
    header(s, lb->pcols, 5);
    first = s->row;
    const loader *c = pd->c;
    kf_yen sum[1] = {0};
    for (size_t i = 0; i < c->n; i++) {
        const line *x = &c->v[i];
        ks_date(s, 0, x->date);
        receipt_no(x, text2, sizeof text2);
        ks_text(s, 1, text2, NULL);
        ks_yen(s, 2, x->amount, NULL);
        line_note(lb, x, text, sizeof text);
        if (text[0]) ks_text(s, 3, text, NULL);
        ks_int(s, 4, x->seq, NULL);
        ks_next(s);
        kf_add(sum[0], x->amount, &sum[0]);
        if (x->void_of)
            res->voided++;
        else
            res->lines++;
    }
    res->total = sum[0];
    if (!c->n) {
        ks_text(s, 0, lb->none, NULL);
        ks_next(s);
    }
    static const lxw_col_t money[1] = {2};
    totals(s, lb, first, money, sum, 1, 5);
    return hdr;
}

kf_code kf_partner_statement_xlsx(kf_ledger *l, const char *id, int fy, kf_statement_lang lang,
                                  const char *path, kf_statement_result *res, kf_err *err)
{
    kf_partner *parts = NULL, me = {0};
    kf_partner_month *months = NULL, fym[12];
    size_t nparts = 0, nmonths = 0;
    char source[KF_POOL_MAX], to_text[512], title[512];
    bool found = false;
    kf_code rc;
    memset(res, 0, sizeof *res);
    if ((rc = kf_don_partners(l, &parts, &nparts, err))) return rc;
    for (size_t i = 0; i < nparts; i++)
        if (!strcmp(parts[i].id, id)) {
            me = parts[i];
            found = true;
        }
    free(parts);
    if (!found) return kf_fail(err, KF_REFUSED, "no partner %s", id);
    snprintf(source, sizeof source, "partner:%s", id);
    loader c = {.fy = fy, .source = source, .err = err};
    doc d = {0};
    if ((rc = load_lines(l, &c)) || (rc = kf_don_partner_months(l, id, &months, &nmonths, err)) ||
        (rc = doc_open(&d, l, lang, fy, path, err)))
        goto out;
    /* the FY's twelve months from its first day's month; 0 where none */
    int y = 0, m = 0, day = 0;
    kf_parse_date(d.first_day, &y, &m, &day);
    for (int i = 0; i < 12; i++) {
        memset(&fym[i], 0, sizeof fym[i]);
        int yy = (y + (m - 1 + i) / 12) % 10000, mm = (m - 1 + i) % 12 + 1;
        snprintf(fym[i].month, sizeof fym[i].month, "%04d-%02d", yy < 0 ? 0 : yy, mm < 1 ? 1 : mm);
        for (size_t k = 0; k < nmonths; k++)
            if (!strcmp(months[k].month, fym[i].month)) fym[i] = months[k];
    }
    kx_pool_name(d.names, me.to, to_text, sizeof to_text);
    partner_data pd = {&me, to_text, fym, &c};
    partner_sheet(&d, &pd, res); /* measure */
    bool landscape = ks_widths_done(&d.s);
    doc_sheet(&d);
    lxw_row_t hdr = partner_sheet(&d, &pd, res);
    snprintf(title, sizeof title, "%s %s %s", d.lb->partner_title, me.name, d.fy_text);
    ks_print(&d.s, landscape, hdr, d.info.fund, title);
    snprintf(title, sizeof title, "%s %s %d", d.lb->partner_title, id, fy);
    rc = doc_close(&d, title, fy, "kifu partner statement", err);
out:
    if (rc && d.names) kx_names_free(d.names);
    free(months);
    free(c.v);
    kx_voids_free(&c.voids);
    return rc;
}
