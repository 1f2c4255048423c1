/*
 * A group's and a click-fund partner's statements for one fiscal year
 * (`kifu export group|partner ID --fy Y --out F.xlsx`), each a
 * one-sheet Excel workbook read from the entries themselves.
 *
 * Group (団体別明細): the group, its pool's figures for the FY (opening, in,
 * out, closing, committed, available), the FY's donations and box
 * collections credited to its pool (group:ID), with the seq of any void,
 * and its applications of the FY as lead group (requested, approved, paid,
 * settled at, refunded, status).
 *
 * Partner (クリック募金明細): the partner (rate, monthly cap, designation),
 * its months of the FY (clicks, pledge, paid, outstanding: payments are
 * applied to the months in order, as `kifu partner show`), and its payments
 * of the FY, with the seq of any void.
 *
 * Layout: the title on row 1, then the label/value pairs two to a row, as
 * the member statement lays them out (label, value, label, value: the
 * left pair in columns A-B, with a name in C, the right pair in E-F for a
 * group, D-E for a partner), then the tables one below the other, each
 * with a header row and SUM formulas carrying their values. The first
 * table's title row is taller instead of a blank row above it; that table
 * has the autofilter, and the rows down to its header are frozen (11 for a
 * group, 9 for a partner, so a laptop screen keeps room to scroll):
 *
 *   group      row  left pair               right pair
 *               2   fund                    issued
 *               3   group (ID, name)        status
 *               4   FY                      first day
 *               5   pool                    last day
 *               6   opening                 committed
 *               7   in                      available
 *               8   out                     ledger entries
 *               9   closing                 ledger root
 *              10   donations' title, 11 their header
 *
 *   partner     2   fund                    issued
 *               3   partner (ID, name)      (none: room for the name)
 *               4   per click               monthly cap
 *               5   FY                      first day
 *               6   designation             last day
 *               7   ledger entries          ledger root
 *               8   months' title, 9 their header
 *
 * Written in constant_memory mode (rows in order), so a group with a
 * quarter of a million donations needs little memory; the lines themselves
 * are read into memory first (about 100 bytes each).
 */
#include "kifu/grants.h"
#include "kifu/report.h"

#include "xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t seq, void_by;
    char date[11], source[KF_POOL_MAX];
    kf_yen amount, credit;
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

static int collect_line(void *ctx, const kf_row *row)
{
    loader *c = ctx;
    const kf_entry *e = row->entry;
    int64_t fy, amount, credit = 0;
    if (row->seq > c->size || !kf_entry_int(e, "fy", &fy) || fy != c->fy ||
        !kf_entry_int(e, "amount", &amount))
        return 0;
    const char *pool = kf_entry_str(e, "credit_pool"), *source = kf_entry_str(e, "source");
    const char *date = kf_entry_str(e, "date");
    if (c->pool && (!pool || strcmp(pool, c->pool) != 0)) return 0;
    if (c->source && (!source || strcmp(source, c->source) != 0)) return 0;
    kf_entry_int(e, "credit", &credit);
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        line *p = realloc(c->v, cap * sizeof *p);
        if (!p) {
            return c->rc = kf_fail(c->err, KF_SYSTEM, "out of memory");
        }
        c->v = p;
        c->cap = cap;
    }
    line *l = &c->v[c->n++];
    memset(l, 0, sizeof *l);
    l->seq = row->seq;
    l->amount = amount;
    l->credit = credit;
    snprintf(l->date, sizeof l->date, "%s", date ? date : "");
    snprintf(l->source, sizeof l->source, "%s", source ? source : "");
    l->void_by = kx_voided_by(&c->voids, row->seq);
    return 0;
}

/* The FY's lines (donation and box.collect entries) of the pool or source. */
static kf_code load_lines(kf_ledger *l, loader *c)
{
    kf_ledger_info info;
    kf_code rc = kf_ledger_get_info(l, &info, c->err);
    if (rc) return rc;
    c->size = info.size;
    if ((rc = kx_voids_load(l, c->size, &c->voids, c->err))) return rc;
    if ((rc = kf_ledger_scan(l, 1, "donation", collect_line, c, c->err)) || (rc = c->rc)) return rc;
    if (c->pool && (rc = kf_ledger_scan(l, 1, "box.collect", collect_line, c, c->err))) return rc;
    return c->rc;
}

/* --- labels ------------------------------------------------------------- */

typedef struct {
    const char *sheet, *group_title, *partner_title, *fund, *group, *partner, *status, *fy, *fy_fmt,
        *first, *last, *pool, *opening, *in, *out, *closing, *committed, *available, *size, *root,
        *issued, *per_click, *cap, *to, *donations_title, *grants_title, *months_title,
        *payments_title, *total, *voided, *net, *none;
    const char *dcols[7], *gcols[10], *mcols[5], *pcols[5];
    const char *statuses[3], *date_fmt, *yen_fmt;
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
    .fy_fmt = "%d年度",
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
    .per_click = "1クリック",
    .cap = "月額上限",
    .to = "指定",
    .donations_title = "この団体への寄附（財源への計上分）",
    .grants_title = "助成（代表団体として）",
    .months_title = "月別のクリックと寄附",
    .payments_title = "入金",
    .total = "合計",
    .voided = "うち取消",
    .net = "差引",
    .none = "（なし）",
    .dcols = {"日付", "受領番号", "寄附元", "金額", "計上額", "取消seq", "seq"},
    .gcols = {"申請ID", "メニュー", "募集回", "事業名", "申請額", "決定額", "支払額", "確定額",
              "返還済", "状態"},
    .mcols = {"月", "クリック数", "寄附額", "入金額", "未入金"},
    .pcols = {"日付", "受領番号", "金額", "取消seq", "seq"},
    .statuses = {"登録", "仮登録", "登録抹消"},
    .date_fmt = "yyyy/mm/dd",
    .yen_fmt = "#,##0\"円\"",
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
    .fy_fmt = "FY %d",
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
    .months_title = "Clicks and pledges by month",
    .payments_title = "Payments",
    .total = "Total",
    .voided = "of which voided",
    .net = "Net",
    .none = "(none)",
    .dcols = {"Date", "Receipt no.", "Source", "Amount", "Credited", "Voided by", "seq"},
    .gcols = {"Application", "Menu", "Round", "Title", "Requested", "Approved", "Paid",
              "Settled at", "Refunded", "Status"},
    .mcols = {"Month", "Clicks", "Pledged", "Paid", "Outstanding"},
    .pcols = {"Date", "Receipt no.", "Amount", "Voided by", "seq"},
    .statuses = {"registered", "provisional", "deregistered"},
    .date_fmt = "yyyy-mm-dd",
    .yen_fmt = "\"¥\"#,##0",
};

/* --- writing ------------------------------------------------------------ */

typedef struct {
    kx_sheet *s;
    lxw_row_t row;
} pen;

/* A label/value pair of the block above the first table. */
enum { P_NONE, P_TEXT, P_DATE, P_YEN, P_INT };
typedef struct {
    int kind;
    const char *label, *text; /* text: P_TEXT, or a P_DATE's YYYY-MM-DD */
    int64_t n;                /* P_YEN, P_INT */
    const char *name;         /* a second text in the next column, or NULL */
} pair;

static void put_pair(kx_sheet *s, lxw_row_t row, lxw_col_t col, const pair *x)
{
    if (x->kind == P_NONE) return;
    kx_str(s, row, col, x->label, s->f->label);
    if (x->kind == P_TEXT)
        kx_str(s, row, col + 1, x->text, NULL);
    else if (x->kind == P_DATE)
        kx_date(s, row, col + 1, x->text);
    else
        kx_num(s, row, col + 1, x->n, x->kind == P_YEN ? s->f->yen : s->f->integer);
    if (x->name) kx_str(s, row, col + 2, x->name, NULL);
}

/* The title on row 0, then n rows of two pairs: rows[i][0] in columns A-B
 * (and C for a name), rows[i][1] from column right. */
static void head(pen *p, const char *title, const pair (*rows)[2], size_t n, lxw_col_t right)
{
    kx_str(p->s, p->row++, 0, title, p->s->f->title);
    for (size_t i = 0; i < n; i++, p->row++) {
        put_pair(p->s, p->row, 0, &rows[i][0]);
        put_pair(p->s, p->row, right, &rows[i][1]);
    }
}

/* The first table's title, right under the pairs: a taller row sets it off
 * from them, in place of a blank row. */
static void first_title(pen *p, const char *title)
{
    kx_note(p->s, worksheet_set_row(p->s->ws, p->row, 24, NULL));
    kx_str(p->s, p->row++, 0, title, p->s->f->label);
}

static void header(pen *p, const char *const *cols, int n)
{
    for (int c = 0; c < n; c++)
        kx_str(p->s, p->row, (lxw_col_t)c, cols[c], p->s->f->header);
    p->row++;
}

/* f = the SUM of column col over the 0-based rows first..last-1, or "=0"
 * when there are none. */
static void sum_formula(char f[64], lxw_col_t col, lxw_row_t first, lxw_row_t last)
{
    char cn[4];
    kx_col_name(col, cn);
    if (last > first)
        snprintf(f, 64, "=SUM(%s%u:%s%u)", cn, (unsigned)first + 1, cn, (unsigned)last);
    else
        snprintf(f, 64, "=0");
}

/* Total, voided (SUMIF on the void column) and net rows under the lines
 * first..p->row-1 for the money columns. */
static void totals(pen *p, const labels *lb, lxw_row_t first, const lxw_col_t *money,
                   const kf_yen *sum, const kf_yen *voided, int n, lxw_col_t void_col)
{
    char f[160], vc[4];
    kx_col_name(void_col, vc);
    lxw_row_t last = p->row; /* 0-based: the lines are first..last-1 */
    const char *names[3] = {lb->total, lb->voided, lb->net};
    for (int i = 0; i < 3; i++, p->row++) {
        kx_str(p->s, p->row, 0, names[i], i == 1 ? p->s->f->label : p->s->f->total_label);
        for (int k = 0; k < n; k++) {
            char cn[4];
            kx_col_name(money[k], cn);
            if (i == 0)
                sum_formula(f, money[k], first, last);
            else if (i == 1 && last > first)
                snprintf(f, sizeof f, "=SUMIF(%s%u:%s%u,\">0\",%s%u:%s%u)", vc, (unsigned)first + 1,
                         vc, (unsigned)last, cn, (unsigned)first + 1, cn, (unsigned)last);
            else if (i == 2)
                snprintf(f, sizeof f, "=%s%u-%s%u", cn, (unsigned)p->row - 1, cn, (unsigned)p->row);
            else
                snprintf(f, sizeof f, "=0");
            kf_yen v = i == 0 ? sum[k] : i == 1 ? voided[k] : sum[k] - voided[k];
            kx_formula(p->s, p->row, money[k], f, v, i == 1 ? p->s->f->yen : p->s->f->total_yen);
        }
    }
}

static void receipt_no(const line *l, int fy, char *out, size_t size)
{
    snprintf(out, size, "%d-%06lld", fy, (long long)l->seq);
}

static void set_widths(kx_sheet *s, const double *w, int n)
{
    for (int c = 0; c < n; c++)
        kx_note(s, worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, w[c], NULL));
}

/* The pairs both statements show: fund, FY and its days, the ledger's
 * size and root, the issue time. */
typedef struct {
    pair fund, fy, first, last, size, root, issued;
    char fy_text[64], first_day[11], last_day[11];
} facts;

typedef struct {
    const labels *lb;
    kf_ledger_info info;
    char root[65], issued[40];
    kf_rules *rules;
    kx_book book;
    kx_formats f;
    kx_sheet s;
} doc;

static kf_code doc_open(doc *d, kf_ledger *l, kf_statement_lang lang, const char *path, kf_err *err)
{
    kf_hash h;
    kf_code rc;
    memset(d, 0, sizeof *d);
    d->lb = lang == KF_STATEMENT_EN ? &EN : &JA;
    if (!kf_now(d->issued, err)) return err->code ? err->code : KF_BAD_INPUT;
    if ((rc = kf_ledger_get_info(l, &d->info, err)) ||
        (rc = kf_ledger_root(l, d->info.size, h, err)))
        return rc;
    kf_hex(h, KF_HASH_LEN, d->root);
    if (!(d->rules = calloc(1, sizeof *d->rules))) return kf_fail(err, KF_SYSTEM, "out of memory");
    if ((rc = kf_rules_current(l, d->rules, NULL, err)) ||
        (rc = kx_book_open(&d->book, path, true, err))) {
        free(d->rules);
        d->rules = NULL;
        return rc;
    }
    kx_formats_add(d->book.wb, &d->f, d->lb->date_fmt, d->lb->yen_fmt);
    d->s = (kx_sheet){.ws = workbook_add_worksheet(d->book.wb, d->lb->sheet),
                      .error = &d->book.error,
                      .f = &d->f};
    if (!d->s.ws) d->book.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
    kx_page_setup(&d->s, false, 0);
    return KF_OK;
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
    free(d->rules);
    d->rules = NULL;
    return kx_book_finish(&d->book, err);
}

static void facts_init(facts *c, const doc *d, int fy)
{
    const labels *lb = d->lb;
    snprintf(c->fy_text, sizeof c->fy_text, lb->fy_fmt, fy);
    kf_rules_fy_bounds(d->rules, fy, c->first_day, c->last_day);
    c->fund = (pair){P_TEXT, lb->fund, d->info.fund, 0, NULL};
    c->fy = (pair){P_TEXT, lb->fy, c->fy_text, 0, NULL};
    c->first = (pair){P_DATE, lb->first, c->first_day, 0, NULL};
    c->last = (pair){P_DATE, lb->last, c->last_day, 0, NULL};
    c->size = (pair){P_INT, lb->size, NULL, d->info.size, NULL};
    c->root = (pair){P_TEXT, lb->root, d->root, 0, NULL};
    c->issued = (pair){P_TEXT, lb->issued, d->issued, 0, NULL};
}

/* --- the group statement ---------------------------------------------------- */

kf_code kf_group_statement_xlsx(kf_ledger *l, const char *id, int fy, kf_statement_lang lang,
                                const char *path, kf_statement_result *res, kf_err *err)
{
    kf_group g;
    bool found = false;
    char pool[KF_POOL_MAX], title[512], text[64];
    kf_code rc;
    memset(res, 0, sizeof *res);
    if ((rc = kf_group_get(l, id, &g, &found, err))) return rc;
    if (!found) return kf_fail(err, KF_REFUSED, "no group %s", id);
    snprintf(pool, sizeof pool, "group:%s", id);
    loader c = {.fy = fy, .pool = pool, .err = err};
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

    doc d;
    if ((rc = doc_open(&d, l, lang, path, err))) goto out;
    const labels *lb = d.lb;
    pen p = {.s = &d.s};
    snprintf(title, sizeof title, "%s %s %d", lb->group_title, id, fy);
    if (d.s.ws) {
        facts fx;
        facts_init(&fx, &d, fy);
        const char *status =
            lb->statuses[g.status == KF_ST_DEREGISTERED ? 2 : g.status == KF_ST_PROVISIONAL];
        const pair rows[8][2] = {
            {fx.fund, fx.issued},
            {{P_TEXT, lb->group, id, 0, g.name}, {P_TEXT, lb->status, status, 0, NULL}},
            {fx.fy, fx.first},
            {{P_TEXT, lb->pool, pool, 0, NULL}, fx.last},
            {{P_YEN, lb->opening, NULL, mine.opening, NULL},
             {P_YEN, lb->committed, NULL, mine.committed, NULL}},
            {{P_YEN, lb->in, NULL, mine.in, NULL},
             {P_YEN, lb->available, NULL, mine.available, NULL}},
            {{P_YEN, lb->out, NULL, mine.out, NULL}, fx.size},
            {{P_YEN, lb->closing, NULL, mine.balance, NULL}, fx.root},
        };
        head(&p, lb->group_title, rows, 8, 4);
        first_title(&p, lb->donations_title);
        lxw_row_t hdr = p.row;
        kx_note(p.s, worksheet_autofilter(p.s->ws, hdr, 0, hdr + (c.n ? (lxw_row_t)c.n : 1), 6));
        worksheet_freeze_panes(p.s->ws, hdr + 1, 0);
        header(&p, lb->dcols, 7);
        lxw_row_t first = p.row;
        kf_yen sum[2] = {0}, voided[2] = {0};
        for (size_t i = 0; i < c.n; i++, p.row++) {
            const line *x = &c.v[i];
            kx_date(p.s, p.row, 0, x->date);
            receipt_no(x, fy, text, sizeof text);
            kx_str(p.s, p.row, 1, text, NULL);
            kx_str(p.s, p.row, 2, x->source, NULL);
            kx_num(p.s, p.row, 3, x->amount, p.s->f->yen);
            kx_num(p.s, p.row, 4, x->credit, p.s->f->yen);
            if (x->void_by) kx_num(p.s, p.row, 5, x->void_by, p.s->f->integer);
            kx_num(p.s, p.row, 6, x->seq, p.s->f->integer);
            kf_add(sum[0], x->amount, &sum[0]);
            kf_add(sum[1], x->credit, &sum[1]);
            if (x->void_by) {
                kf_add(voided[0], x->amount, &voided[0]);
                kf_add(voided[1], x->credit, &voided[1]);
                res->voided++;
            } else {
                kf_add(res->total, x->credit, &res->total);
            }
        }
        if (!c.n) kx_str(p.s, p.row++, 0, lb->none, NULL);
        static const lxw_col_t money[2] = {3, 4};
        totals(&p, lb, first, money, sum, voided, 2, 5);

        p.row++;
        kx_str(p.s, p.row++, 0, lb->grants_title, p.s->f->label);
        header(&p, lb->gcols, 10);
        first = p.row;
        kf_yen gsum[5] = {0};
        for (size_t i = 0; i < nown; i++, p.row++) {
            const kf_grant_row *a = &own[i];
            kx_str(p.s, p.row, 0, a->id, NULL);
            kx_str(p.s, p.row, 1, a->menu, NULL);
            kx_str(p.s, p.row, 2, a->round, NULL);
            kx_str(p.s, p.row, 3, a->title, NULL);
            const kf_yen v[5] = {a->requested, a->approved, a->paid, a->settled ? a->final : 0,
                                 a->refunded};
            for (int k = 0; k < 5; k++) {
                if (k == 3 && !a->settled) continue;
                kx_num(p.s, p.row, (lxw_col_t)(4 + k), v[k], p.s->f->yen);
                kf_add(gsum[k], v[k], &gsum[k]);
            }
            kx_str(p.s, p.row, 9, a->status, NULL);
            kf_add(res->approved, a->approved, &res->approved);
            kf_add(res->paid, a->paid, &res->paid);
        }
        if (!nown) kx_str(p.s, p.row++, 0, lb->none, NULL);
        kx_str(p.s, p.row, 0, lb->total, p.s->f->total_label);
        for (int k = 0; k < 5; k++) {
            char f[64];
            sum_formula(f, (lxw_col_t)(4 + k), first, nown ? p.row : first);
            kx_formula(p.s, p.row, (lxw_col_t)(4 + k), f, gsum[k], p.s->f->total_yen);
        }
        static const double w[10] = {14, 16, 22, 34, 16, 14, 14, 14, 12, 10};
        set_widths(p.s, w, 10);
        kx_page_setup(p.s, true, 0);
    }
    res->lines = (int64_t)c.n;
    res->applications = (int64_t)nown;
    rc = doc_close(&d, title, fy, "kifu group statement", err);
out:
    free(own);
    free(apps);
    free(figs);
    free(c.v);
    kx_voids_free(&c.voids);
    return rc;
}

/* --- the partner statement ---------------------------------------------------- */

kf_code kf_partner_statement_xlsx(kf_ledger *l, const char *id, int fy, kf_statement_lang lang,
                                  const char *path, kf_statement_result *res, kf_err *err)
{
    kf_partner *parts = NULL, me = {0};
    kf_partner_month *months = NULL;
    size_t nparts = 0, nmonths = 0;
    char source[KF_POOL_MAX], title[512], text[64];
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
        (rc = doc_open(&d, l, lang, path, err)))
        goto out;
    const labels *lb = d.lb;
    pen p = {.s = &d.s};
    snprintf(title, sizeof title, "%s %s %d", lb->partner_title, id, fy);
    /* the FY's months: April of fy to March of fy + 1 */
    char from[16], to[16];
    snprintf(from, sizeof from, "%04d-04", fy);
    snprintf(to, sizeof to, "%04d-03", fy + 1);
    if (d.s.ws) {
        facts fx;
        facts_init(&fx, &d, fy);
        const pair rows[6][2] = {
            {fx.fund, fx.issued},
            {{P_TEXT, lb->partner, id, 0, me.name}, {P_NONE, NULL, NULL, 0, NULL}},
            {{P_YEN, lb->per_click, NULL, me.per_click, NULL},
             {P_YEN, lb->cap, NULL, me.monthly_cap, NULL}},
            {fx.fy, fx.first},
            {{P_TEXT, lb->to, me.to, 0, NULL}, fx.last},
            {fx.size, fx.root},
        };
        head(&p, lb->partner_title, rows, 6, 3);
        first_title(&p, lb->months_title);
        size_t nfy = 0;
        for (size_t i = 0; i < nmonths; i++)
            if (strcmp(months[i].month, from) >= 0 && strcmp(months[i].month, to) <= 0) nfy++;
        kx_note(p.s,
                worksheet_autofilter(p.s->ws, p.row, 0, p.row + (nfy ? (lxw_row_t)nfy : 1), 4));
        worksheet_freeze_panes(p.s->ws, p.row + 1, 0);
        header(&p, lb->mcols, 5);
        lxw_row_t first = p.row;
        kf_yen msum[4] = {0};
        for (size_t i = 0; i < nmonths; i++) {
            const kf_partner_month *m = &months[i];
            if (strcmp(m->month, from) < 0 || strcmp(m->month, to) > 0) continue;
            kx_str(p.s, p.row, 0, m->month, NULL);
            kx_num(p.s, p.row, 1, m->clicks, p.s->f->integer);
            const kf_yen v[3] = {m->pledged, m->paid, m->outstanding};
            for (int k = 0; k < 3; k++)
                kx_num(p.s, p.row, (lxw_col_t)(2 + k), v[k], p.s->f->yen);
            char f[96];
            snprintf(f, sizeof f, "=C%u-D%u", (unsigned)p.row + 1, (unsigned)p.row + 1);
            kx_formula(p.s, p.row, 4, f, m->outstanding, p.s->f->yen);
            kf_add(msum[0], m->clicks, &msum[0]);
            kf_add(msum[1], m->pledged, &msum[1]);
            kf_add(msum[2], m->paid, &msum[2]);
            kf_add(msum[3], m->outstanding, &msum[3]);
            p.row++;
        }
        if (!nfy) kx_str(p.s, p.row++, 0, lb->none, NULL);
        kx_str(p.s, p.row, 0, lb->total, p.s->f->total_label);
        for (int k = 0; k < 4; k++) {
            char f[64];
            sum_formula(f, (lxw_col_t)(1 + k), first, nfy ? p.row : first);
            kx_formula(p.s, p.row, (lxw_col_t)(1 + k), f, msum[k],
                       k ? p.s->f->total_yen : p.s->f->total_label);
        }
        p.row++;
        res->pledged = msum[1];
        res->outstanding = msum[3];

        p.row++;
        kx_str(p.s, p.row++, 0, lb->payments_title, p.s->f->label);
        header(&p, lb->pcols, 5);
        first = p.row;
        kf_yen sum[1] = {0}, voided[1] = {0};
        for (size_t i = 0; i < c.n; i++, p.row++) {
            const line *x = &c.v[i];
            kx_date(p.s, p.row, 0, x->date);
            receipt_no(x, fy, text, sizeof text);
            kx_str(p.s, p.row, 1, text, NULL);
            kx_num(p.s, p.row, 2, x->amount, p.s->f->yen);
            if (x->void_by) kx_num(p.s, p.row, 3, x->void_by, p.s->f->integer);
            kx_num(p.s, p.row, 4, x->seq, p.s->f->integer);
            kf_add(sum[0], x->amount, &sum[0]);
            if (x->void_by) {
                kf_add(voided[0], x->amount, &voided[0]);
                res->voided++;
            } else {
                kf_add(res->total, x->amount, &res->total);
            }
        }
        if (!c.n) kx_str(p.s, p.row++, 0, lb->none, NULL);
        static const lxw_col_t money[1] = {2};
        totals(&p, lb, first, money, sum, voided, 1, 3);
        static const double w[5] = {16, 16, 16, 16, 14};
        set_widths(p.s, w, 5);
    }
    res->lines = (int64_t)c.n;
    rc = doc_close(&d, title, fy, "kifu partner statement", err);
out:
    if (rc && d.rules) free(d.rules);
    free(months);
    free(c.v);
    kx_voids_free(&c.voids);
    return rc;
}
