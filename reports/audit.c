/*
 * The auditor's workbook (`kifu export audit`, README "The auditor's workbook") and the
 * whole-ledger verification that `kifu verify` and the workbook share.
 *
 * Sheets, in order (Japanese / English names):
 *
 *   概要 Summary       fund, FY, ledger size and root, verification result;
 *                      per pool: opening, in, out, closing, committed,
 *                      available for the FY (closing and available are
 *                      formulas); donations of the FY by month and source
 *                      kind, with a stacked column chart.
 *   寄附 Donations     every donation and box collection of the FY (its fy#),
 *                      in seq order, with the seq of the void that cancelled
 *                      it; total, voided and net rows (formulas).
 *   助成 Grants        the FY's applications: requested, approved, paid,
 *                      settled, refunds, committed, status; totals.
 *   財源 Pools         the pool figures of every FY from the ledger's first
 *                      up to this one.
 *   台帳 Ledger        every entry of the ledger: seq, commit, time, kind,
 *                      actor, leaf hash, its fields as one line.
 *   検証 Verification  the result of kf_verify_all at export time, the
 *                      checkpoint (signed when a key is given), the keys with
 *                      roles and verifier keys.
 *
 * The workbook is written in libxlsxwriter's constant_memory mode: one row
 * per sheet in memory, so a million donations need no more memory than ten.
 * The entries are read in one pass (kf_ledger_scan), which writes the
 * Donations and Ledger rows and sums the Summary's figures; the other sheets
 * follow. A sheet that would pass Excel's 1,048,576 rows continues on
 * "寄附 (2)", "台帳 (2)"...; the Donations totals then sum every part.
 * Amounts are numbers with a yen format, dates Excel dates, and every total
 * is a formula that carries its computed value.
 */
#include "kifu/report.h"
#include "kifu/grants.h"
#include "kifu/verify.h"

#include "xlsx.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- labels --------------------------------------------------------------- */

enum { SRC_DIRECT, SRC_MEMBER, SRC_PARTNER, SRC_BOX, NSRC };

enum {
    D_SEQ,
    D_DATE,
    D_RECEIPT,
    D_KIND,
    D_SOURCE,
    D_TO,
    D_POOL,
    D_AMOUNT,
    D_FEE,
    D_CREDIT,
    D_GENERAL,
    D_METHOD,
    D_REF,
    D_VOID,
    D_NCOLS
};
enum { L_SEQ, L_COMMIT, L_TIME, L_KIND, L_ACTOR, L_LEAF, L_FIELDS, L_NCOLS };
enum {
    G_ID,
    G_SEQ,
    G_GROUP,
    G_MENU,
    G_ROUND,
    G_TITLE,
    G_REQUESTED,
    G_APPROVED,
    G_PAID,
    G_FINAL,
    G_REFUND_DUE,
    G_REFUNDED,
    G_COMMITTED,
    G_STATUS,
    G_POOL,
    G_NCOLS
};
enum { P_POOL, P_LABEL, P_OPENING, P_IN, P_OUT, P_CLOSING, P_COMMITTED, P_AVAILABLE, P_NCOLS };

typedef struct {
    const char *summary, *donations, *grants, *pools, *ledger, *verification;
    const char *title, *fund, *fy, *fy_fmt, *first, *last, *size, *root, *exported, *verified, *ok,
        *failed, *pools_title, *months_title, *total, *voided, *net, *none;
    const char *dcols[D_NCOLS], *lcols[L_NCOLS], *gcols[G_NCOLS], *pcols[P_NCOLS];
    const char *fy_col, *month, *sources[NSRC], *month_fmt;
    const char *verify_title, *entries, *commits, *nodes, *keys, *error, *checkpoint,
        *unsigned_note, *keys_title, *kcols[7];
    const char *general, *date_fmt, *yen_fmt, *chart_title;
} labels;

static const labels JA = {
    .summary = "概要",
    .donations = "寄附",
    .grants = "助成",
    .pools = "財源",
    .ledger = "台帳",
    .verification = "検証",
    .title = "監査用ワークブック",
    .fund = "基金",
    .fy = "年度",
    .fy_fmt = "%d年度",
    .first = "期首",
    .last = "期末",
    .size = "台帳の記録数",
    .root = "台帳ルート",
    .exported = "作成",
    .verified = "検証",
    .ok = "成功",
    .failed = "失敗",
    .pools_title = "財源別の収支",
    .months_title = "月別・寄附元別の寄附（取消を除く）",
    .total = "合計",
    .voided = "うち取消",
    .net = "差引",
    .none = "（なし）",
    .dcols = {"seq", "日付", "受領番号", "種別", "寄附元", "指定", "計上先", "金額", "手数料",
              "指定分", "一般分", "方法", "参照番号", "取消seq"},
    .lcols = {"seq", "コミット", "時刻", "種類", "記録者", "リーフハッシュ", "内容"},
    .gcols = {"申請ID", "seq", "団体", "メニュー", "募集回", "事業名", "申請額", "決定額", "支払額",
              "確定額", "返還額", "返還済", "未払の確保額", "状態", "財源"},
    .pcols = {"財源", "名称", "期首残高", "収入", "支出", "期末残高", "確保額", "利用可能額"},
    .fy_col = "年度",
    .month = "月",
    .sources = {"直接", "サポーターズクラブ", "クリック募金", "募金箱"},
    .month_fmt = "%d年%d月",
    .verify_title = "検証結果（作成時）",
    .entries = "記録数",
    .commits = "コミット数",
    .nodes = "Merkleノード数",
    .keys = "鍵の数",
    .error = "エラー",
    .checkpoint = "チェックポイント",
    .unsigned_note = "（署名なし：kifu checkpoint で署名付きのものを作れます）",
    .keys_title = "鍵",
    .kcols = {"ID", "名前", "役割", "検証鍵", "所属", "追加seq", "失効seq"},
    .general = "一般",
    .date_fmt = "yyyy/mm/dd",
    .yen_fmt = "#,##0\"円\"",
    .chart_title = "月別の寄附",
};

static const labels EN = {
    .summary = "Summary",
    .donations = "Donations",
    .grants = "Grants",
    .pools = "Pools",
    .ledger = "Ledger",
    .verification = "Verification",
    .title = "Audit workbook",
    .fund = "Fund",
    .fy = "Fiscal year",
    .fy_fmt = "FY %d",
    .first = "First day",
    .last = "Last day",
    .size = "Ledger entries",
    .root = "Ledger root",
    .exported = "Exported",
    .verified = "Verification",
    .ok = "passed",
    .failed = "FAILED",
    .pools_title = "Pools",
    .months_title = "Donations by month and source (voids excluded)",
    .total = "Total",
    .voided = "of which voided",
    .net = "Net",
    .none = "(none)",
    .dcols = {"seq", "Date", "Receipt no.", "Kind", "Source", "Designation", "Credited to",
              "Amount", "Fee", "Designated", "General", "Method", "Reference", "Voided by"},
    .lcols = {"seq", "Commit", "Time", "Kind", "Actor", "Leaf hash", "Fields"},
    .gcols = {"Application", "seq", "Group", "Menu", "Round", "Title", "Requested", "Approved",
              "Paid", "Settled at", "Refund due", "Refunded", "Committed", "Status", "Pool"},
    .pcols = {"Pool", "Name", "Opening", "In", "Out", "Closing", "Committed", "Available"},
    .fy_col = "FY",
    .month = "Month",
    .sources = {"direct", "supporters' club", "click fund", "donation boxes"},
    .month_fmt = "%d-%02d",
    .verify_title = "Verification at export time",
    .entries = "Entries",
    .commits = "Commits",
    .nodes = "Merkle nodes",
    .keys = "Keys",
    .error = "Error",
    .checkpoint = "Checkpoint",
    .unsigned_note = "(unsigned: kifu checkpoint makes a signed one)",
    .keys_title = "Keys",
    .kcols = {"ID", "Name", "Role", "Verifier key", "Affiliation", "Added (seq)", "Revoked (seq)"},
    .general = "general",
    .date_fmt = "yyyy-mm-dd",
    .yen_fmt = "\"¥\"#,##0",
    .chart_title = "Donations by month",
};

/* --- a table that continues on new sheets past Excel's last row ----------- */

#define MAX_PARTS 8

/* A table's rows are counted before it is written (constant_memory mode
 * cannot go back to set an autofilter once rows are out). */
typedef struct {
    kx_book *book;
    const kx_formats *f;
    const char *name;
    const char *const *cols;
    const double *widths;
    int ncols;
    int64_t total;             /* data rows to come, in all parts */
    int64_t written;           /* data rows given out so far */
    lxw_row_t reserve;         /* rows kept after the last part's data (totals) */
    int part;                  /* parts started: 1, 2, ... */
    kx_sheet s;                /* the current part */
    lxw_row_t row;             /* its next row */
    lxw_row_t rows[MAX_PARTS]; /* data rows of each part (rows 1..rows[i]) */
    char names[MAX_PARTS][64];
} table;

/* The last row a sheet may use: Excel's, or (tests only) a smaller one from
 * KIFU_TEST_XLSX_ROWS, so that a few rows exercise the continued sheets. */
static lxw_row_t max_row(void)
{
    const char *s = getenv("KIFU_TEST_XLSX_ROWS");
    long v = s ? strtol(s, NULL, 10) : 0;
    return v >= 8 && v < (long)KX_MAX_ROW ? (lxw_row_t)v : KX_MAX_ROW;
}

static void table_part(table *t)
{
    char *name = t->names[t->part];
    if (t->part == 0)
        snprintf(name, sizeof t->names[0], "%s", t->name);
    else
        snprintf(name, sizeof t->names[0], "%s (%d)", t->name, t->part + 1);
    int64_t left = t->total - t->written, cap = (int64_t)(max_row() - t->reserve);
    if (t->part == MAX_PARTS - 1) cap = left; /* the last part takes the rest (Excel may cut) */
    t->rows[t->part] = t->total < 0 ? 0 : (lxw_row_t)(left < cap ? left : cap);
    t->part++;
    t->row = 1;
    t->s.ws = workbook_add_worksheet(t->book->wb, name);
    t->s.error = &t->book->error;
    t->s.f = t->f;
    if (!t->s.ws) {
        t->book->error = LXW_ERROR_MEMORY_MALLOC_FAILED;
        return;
    }
    for (int c = 0; c < t->ncols; c++) {
        kx_str(&t->s, 0, (lxw_col_t)c, t->cols[c], t->f->header);
        kx_note(&t->s,
                worksheet_set_column(t->s.ws, (lxw_col_t)c, (lxw_col_t)c, t->widths[c], NULL));
    }
    worksheet_freeze_panes(t->s.ws, 1, 0);
    kx_page_setup(&t->s, true, 1);
    if (t->total < 0) return; /* rows not counted: the caller sets the filter */
    lxw_row_t last = t->rows[t->part - 1] ? t->rows[t->part - 1] : 1;
    kx_note(&t->s, worksheet_autofilter(t->s.ws, 0, 0, last, (lxw_col_t)(t->ncols - 1)));
}

static void table_init(table *t, kx_book *b, const kx_formats *f, const char *name,
                       const char *const *cols, const double *widths, int ncols, int64_t total,
                       lxw_row_t reserve)
{
    memset(t, 0, sizeof *t);
    t->book = b;
    t->f = f;
    t->name = name;
    t->cols = cols;
    t->widths = widths;
    t->ncols = ncols;
    t->total = total;
    t->reserve = reserve;
    table_part(t);
}

/* The row for the next record, in a new part when this one is full. */
static lxw_row_t table_row(table *t)
{
    if (t->total >= 0 && t->row > t->rows[t->part - 1] && t->part < MAX_PARTS && t->s.ws)
        table_part(t);
    t->written++;
    return t->row++;
}

/* "=SUM(H2:H99)", or "=SUM('寄附'!H2:H1048572,'寄附 (2)'!H2:H50)" over column
 * col of every part. */
static void sum_parts(const table *t, lxw_col_t col, kf_buf *out)
{
    char cn[4];
    kx_col_name(col, cn);
    kf_buf_puts(out, "=SUM(");
    for (int i = 0; i < t->part; i++) {
        unsigned last = (unsigned)(t->rows[i] ? t->rows[i] : 1) + 1;
        if (t->part == 1)
            kf_buf_printf(out, "%s2:%s%u", cn, cn, last);
        else
            kf_buf_printf(out, "%s'%s'!%s2:%s%u", i ? "," : "", t->names[i], cn, cn, last);
    }
    kf_buf_puts(out, ")");
}

/* --- the pass over the entries ------------------------------------------- */

typedef struct {
    kf_ledger *l;
    const kf_audit_opts *o;
    const labels *lb;
    const kf_rules *rules;
    table don, led;
    kx_voids voids;
    kf_key_info *keys;
    size_t nkeys;
    kf_yen total[4], voided[4]; /* amount, fee, credit, credit_general */
    kf_yen months[12][NSRC];
    int first_fy; /* the smallest fy# of any entry, or 0 */
    int64_t size;
    kf_audit_result *res;
    kf_buf text;
    kf_code rc;
    kf_err *err;
} audit;

static const char *actor_name(const audit *a, uint32_t id, char *buf, size_t size)
{
    for (size_t i = 0; i < a->nkeys; i++)
        if (a->keys[i].id == id) {
            snprintf(buf, size, "%s (%08x)", a->keys[i].name, id);
            return buf;
        }
    snprintf(buf, size, "%08x", id);
    return buf;
}

static int source_kind(const char *source)
{
    if (!strncmp(source, "member:", 7)) return SRC_MEMBER;
    if (!strncmp(source, "partner:", 8)) return SRC_PARTNER;
    if (!strncmp(source, "box:", 4)) return SRC_BOX;
    return SRC_DIRECT;
}

static bool add_to(kf_yen *sum, kf_yen v, audit *a)
{
    if (kf_add(*sum, v, sum)) return true;
    a->rc = kf_fail(a->err, KF_SYSTEM, "a total of the audit workbook overflows");
    return false;
}

/* The FY's donation-like entries: the first pass sums them, the second
 * writes them. */
static bool fy_donation(const audit *a, const kf_row *row, int64_t *fy, int64_t *amount)
{
    const char *kind = row->entry->kind;
    return row->seq <= a->size && (!strcmp(kind, "donation") || !strcmp(kind, "box.collect")) &&
           kf_entry_int(row->entry, "fy", fy) && *fy == a->o->fy &&
           kf_entry_int(row->entry, "amount", amount);
}

static int count_donation(void *ctx, const kf_row *row)
{
    audit *a = ctx;
    const kf_entry *e = row->entry;
    int64_t fy, amount, fee = 0, credit = 0, general = 0;
    if (kf_entry_int(e, "fy", &fy) && fy > 0 && (!a->first_fy || fy < a->first_fy))
        a->first_fy = (int)fy;
    if (!fy_donation(a, row, &fy, &amount)) return 0;
    kf_entry_int(e, "fee", &fee);
    kf_entry_int(e, "credit", &credit);
    kf_entry_int(e, "credit_general", &general);
    const char *date = kf_entry_str(e, "date"), *source = kf_entry_str(e, "source");
    int64_t by = kx_voided_by(&a->voids, row->seq);
    const kf_yen v[4] = {amount, fee, credit, general};
    for (int i = 0; i < 4; i++)
        if (!add_to(&a->total[i], v[i], a) || (by && !add_to(&a->voided[i], v[i], a))) return a->rc;
    a->res->donations++;
    if (by) {
        a->res->voided++;
        return 0;
    }
    if (!add_to(&a->res->donated, amount, a)) return a->rc;
    int y, m, d;
    if (date && kf_parse_date(date, &y, &m, &d) &&
        !add_to(&a->months[(m + 8) % 12][source_kind(source ? source : "")], amount, a))
        return a->rc; /* (m + 8) % 12: April is 0 */
    return 0;
}

static void donation_row(audit *a, const kf_row *row)
{
    const kf_entry *e = row->entry;
    int64_t fy, amount, fee = 0, credit = 0, general = 0;
    if (!fy_donation(a, row, &fy, &amount)) return;
    kf_entry_int(e, "fee", &fee);
    kf_entry_int(e, "credit", &credit);
    kf_entry_int(e, "credit_general", &general);
    const char *date = kf_entry_str(e, "date"), *source = kf_entry_str(e, "source");
    const char *to = kf_entry_str(e, "to"), *pool = kf_entry_str(e, "credit_pool");
    const char *method = kf_entry_str(e, "method"), *ref = kf_entry_str(e, "ref");
    int64_t by = kx_voided_by(&a->voids, row->seq);
    lxw_row_t r = table_row(&a->don);
    kx_sheet *s = &a->don.s;
    char text[64];
    if (!s->ws) return;
    kx_num(s, r, D_SEQ, row->seq, s->f->integer);
    if (date) kx_date(s, r, D_DATE, date);
    snprintf(text, sizeof text, "%lld-%06lld", (long long)fy, (long long)row->seq);
    kx_str(s, r, D_RECEIPT, text, NULL);
    kx_str(s, r, D_KIND, e->kind, NULL);
    kx_str(s, r, D_SOURCE, source ? source : "", NULL);
    kx_str(s, r, D_TO, to ? to : "", NULL);
    kx_str(s, r, D_POOL, pool ? pool : "", NULL);
    kx_num(s, r, D_AMOUNT, amount, s->f->yen);
    kx_num(s, r, D_FEE, fee, s->f->yen);
    kx_num(s, r, D_CREDIT, credit, s->f->yen);
    kx_num(s, r, D_GENERAL, general, s->f->yen);
    if (method) kx_str(s, r, D_METHOD, method, NULL);
    if (ref) kx_str(s, r, D_REF, ref, NULL);
    if (by) kx_num(s, r, D_VOID, by, s->f->integer);
}

/* The lines a wrapped cell of `width` characters needs for text (a
 * character of 3 or 4 UTF-8 bytes, Japanese, takes two columns). */
static int wrapped_lines(const char *text, double width)
{
    int lines = 1;
    double col = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n') {
            lines++;
            col = 0;
            continue;
        }
        if ((*p & 0xC0) == 0x80) continue;
        col += *p >= 0xE0 ? 2 : 1;
        if (col > width) {
            lines++;
            col = *p >= 0xE0 ? 2 : 1;
        }
    }
    return lines;
}

static void ledger_row(audit *a, const kf_row *row)
{
    lxw_row_t r = table_row(&a->led);
    kx_sheet *s = &a->led.s;
    char hex[65], actor[96];
    if (!s->ws) return;
    a->text.len = 0;
    if (!kf_entry_fields_text(row->entry, &a->text) || !kf_buf_put(&a->text, "", 1)) {
        a->rc = kf_fail(a->err, KF_SYSTEM, "out of memory");
        return;
    }
    if (a->text.len > KX_MAX_TEXT) {
        /* Excel's limit: cut at a character boundary and say so. */
        size_t cut = KX_MAX_TEXT - 4;
        while (cut && ((unsigned char)a->text.data[cut] & 0xC0) == 0x80)
            cut--;
        memcpy(a->text.data + cut, " …", 5);
    }
    /* The fields wrap in their column and the row is as tall as they need
     * (a viewer does not size rows itself), so that a printed page shows
     * every character and no row overlaps the next. */
    int lines = wrapped_lines(a->text.data, a->led.widths[L_FIELDS] * 0.8);
    if (lines > 1) kx_note(s, worksheet_set_row(s->ws, r, 13.0 * lines, NULL));
    kx_num(s, r, L_SEQ, row->seq, s->f->integer);
    kx_num(s, r, L_COMMIT, row->commit, s->f->integer);
    kx_str(s, r, L_TIME, row->time, s->f->top);
    kx_str(s, r, L_KIND, row->entry->kind, s->f->top);
    kx_str(s, r, L_ACTOR, actor_name(a, row->actor, actor, sizeof actor), s->f->top);
    kf_hex(row->leaf, KF_HASH_LEN, hex);
    kx_str(s, r, L_LEAF, hex, s->f->top);
    kx_str(s, r, L_FIELDS, a->text.data, s->f->wrap);
    a->res->ledger_rows++;
}

/* Past the size read at the start: entries appended since are not in it. */
#define PAST_SIZE 1000

static int audit_entry(void *ctx, const kf_row *row)
{
    audit *a = ctx;
    if (row->seq > a->size) return PAST_SIZE;
    donation_row(a, row);
    ledger_row(a, row);
    if (a->o->on_progress && row->seq % 4096 == 0) a->o->on_progress(a->o->ctx, row->seq, a->size);
    return a->rc; /* the scan returns it */
}

/* --- the other sheets ------------------------------------------------------ */

static void pool_label(audit *a, const char *pool, char *out, size_t size)
{
    out[0] = '\0';
    if (!strcmp(pool, "general")) {
        snprintf(out, size, "%s", a->lb->general);
    } else if (!strncmp(pool, "group:", 6)) {
        kf_group g;
        bool found = false;
        if (kf_group_get(a->l, pool + 6, &g, &found, NULL) == KF_OK && found)
            snprintf(out, size, "%s", g.name);
    } else {
        const kf_rules_item *it = !strncmp(pool, "field:", 6)   ? kf_rules_field(a->rules, pool + 6)
                                  : !strncmp(pool, "theme:", 6) ? kf_rules_theme(a->rules, pool + 6)
                                                                : NULL;
        if (it) snprintf(out, size, "%s", it->label);
    }
}

/* The pools' rows of FY fy from row r, then a total row; returns the row
 * after it. fycol 1: a first column holds the FY (the Pools sheet; the
 * total row holds it too, so that filtering on the FY keeps its total).
 * filter: an autofilter over the header (row r - 1) and the pool rows, set
 * before the total row (constant_memory mode cannot go back). */
static lxw_row_t pool_table(audit *a, kx_sheet *s, lxw_row_t r, int fy, int fycol, bool filter)
{
    kf_pool_figures *rows = NULL, total;
    size_t n = 0;
    char label[256], f[160], cn[4][4];
    if ((a->rc = kf_pools_figures(a->l, fy, &rows, &n, &total, a->err))) return r;
    lxw_col_t c0 = (lxw_col_t)fycol; /* 0 or 1 */
    for (int i = 0; i < 4; i++)
        kx_col_name(c0 + P_OPENING + (lxw_col_t)i, cn[i]); /* opening, in, out, closing */
    char committed[4];
    kx_col_name(c0 + P_COMMITTED, committed);
    lxw_row_t first = r;
    for (size_t i = 0; i < n; i++, r++) {
        const kf_pool_figures *p = &rows[i];
        unsigned x = (unsigned)r + 1;
        if (fycol) kx_num(s, r, 0, fy, s->f->integer);
        kx_str(s, r, c0 + P_POOL, p->pool, NULL);
        pool_label(a, p->pool, label, sizeof label);
        kx_str(s, r, c0 + P_LABEL, label, NULL);
        kx_num(s, r, c0 + P_OPENING, p->opening, s->f->yen);
        kx_num(s, r, c0 + P_IN, p->in, s->f->yen);
        kx_num(s, r, c0 + P_OUT, p->out, s->f->yen);
        snprintf(f, sizeof f, "=%s%u+%s%u-%s%u", cn[0], x, cn[1], x, cn[2], x);
        kx_formula(s, r, c0 + P_CLOSING, f, p->balance, s->f->yen);
        kx_num(s, r, c0 + P_COMMITTED, p->committed, s->f->yen);
        snprintf(f, sizeof f, "=%s%u-%s%u", cn[3], x, committed, x);
        kx_formula(s, r, c0 + P_AVAILABLE, f, p->available, s->f->yen);
    }
    if (!n) kx_str(s, r++, c0 + P_POOL, a->lb->none, NULL);
    if (filter && first > 0)
        kx_note(s, worksheet_autofilter(s->ws, first - 1, 0, r - 1, c0 + P_AVAILABLE));
    if (fycol) kx_num(s, r, 0, fy, s->f->total_label);
    kx_str(s, r, c0 + P_POOL, a->lb->total, s->f->total_label);
    kx_str(s, r, c0 + P_LABEL, "", s->f->total_label);
    const kf_yen tv[6] = {total.opening, total.in,        total.out,
                          total.balance, total.committed, total.available};
    for (int i = 0; i < 6; i++) {
        char col[4];
        kx_col_name(c0 + P_OPENING + (lxw_col_t)i, col);
        /* the data rows are first..r-1 (1-based first+1..r) */
        if (n)
            snprintf(f, sizeof f, "=SUM(%s%u:%s%u)", col, (unsigned)first + 1, col, (unsigned)r);
        else
            snprintf(f, sizeof f, "=0");
        kx_formula(s, r, c0 + P_OPENING + (lxw_col_t)i, f, tv[i], s->f->total_yen);
    }
    free(rows);
    return r + 1;
}

static void write_summary(audit *a, kx_sheet *s, const kf_ledger_info *info, const char *root,
                          const char *exported, bool verified, const char *why)
{
    const labels *lb = a->lb;
    char text[512], first[11], last[11];
    kx_str(s, 0, 0, lb->title, s->f->title);
    kx_str(s, 1, 0, lb->fund, s->f->label);
    kx_str(s, 1, 1, info->fund, NULL);
    kx_str(s, 2, 0, lb->fy, s->f->label);
    snprintf(text, sizeof text, lb->fy_fmt, a->o->fy);
    kx_str(s, 2, 1, text, NULL);
    kf_rules_fy_bounds(a->rules, a->o->fy, first, last);
    kx_str(s, 2, 3, lb->first, s->f->label);
    kx_date(s, 2, 4, first);
    kx_str(s, 2, 5, lb->last, s->f->label);
    kx_date(s, 2, 6, last);
    kx_str(s, 3, 0, lb->size, s->f->label);
    kx_num(s, 3, 1, a->size, s->f->integer);
    kx_str(s, 3, 3, lb->root, s->f->label);
    kx_str(s, 3, 4, root, NULL);
    kx_str(s, 4, 0, lb->exported, s->f->label);
    kx_str(s, 4, 1, exported, NULL);
    kx_str(s, 5, 0, lb->verified, s->f->label);
    snprintf(text, sizeof text, "%s%s%s", verified ? lb->ok : lb->failed, verified ? "" : ": ",
             verified ? "" : why);
    kx_str(s, 5, 1, text, verified ? NULL : s->f->label);
    /* The title and these facts stay in view; the tables scroll. */
    worksheet_freeze_panes(s->ws, 6, 0);

    lxw_row_t r = 7;
    kx_str(s, r++, 0, lb->pools_title, s->f->label);
    for (int c = 0; c < P_NCOLS; c++)
        kx_str(s, r, (lxw_col_t)c, lb->pcols[c], s->f->header);
    r = pool_table(a, s, r + 1, a->o->fy, 0, true);

    r += 1;
    kx_str(s, r++, 0, lb->months_title, s->f->label);
    lxw_row_t hdr = r;
    kx_str(s, r, 0, lb->month, s->f->header);
    for (int k = 0; k < NSRC; k++)
        kx_str(s, r, (lxw_col_t)(1 + k), lb->sources[k], s->f->header);
    kx_str(s, r, 1 + NSRC, lb->total, s->f->header);
    r++;
    kf_yen col_total[NSRC + 1] = {0};
    char f[128], a0[4], a1[4];
    kx_col_name(1, a0);
    kx_col_name(NSRC, a1);
    for (int i = 0; i < 12; i++, r++) {
        int month = (i + 3) % 12 + 1, year = a->o->fy + (month < 4);
        snprintf(text, sizeof text, lb->month_fmt, year, month);
        kx_str(s, r, 0, text, NULL);
        kf_yen row_total = 0;
        for (int k = 0; k < NSRC; k++) {
            kx_num(s, r, (lxw_col_t)(1 + k), a->months[i][k], s->f->yen);
            kf_add(row_total, a->months[i][k], &row_total);
            kf_add(col_total[k], a->months[i][k], &col_total[k]);
        }
        kf_add(col_total[NSRC], row_total, &col_total[NSRC]);
        snprintf(f, sizeof f, "=SUM(%s%u:%s%u)", a0, (unsigned)r + 1, a1, (unsigned)r + 1);
        kx_formula(s, r, 1 + NSRC, f, row_total, s->f->yen);
    }
    kx_str(s, r, 0, lb->total, s->f->total_label);
    for (int k = 0; k <= NSRC; k++) {
        char cn[4];
        kx_col_name((lxw_col_t)(1 + k), cn);
        snprintf(f, sizeof f, "=SUM(%s%u:%s%u)", cn, (unsigned)hdr + 2, cn, (unsigned)r);
        kx_formula(s, r, (lxw_col_t)(1 + k), f, col_total[k], s->f->total_yen);
    }

    /* The chart: one stacked column per month, a series per source kind. */
    lxw_chart *chart = workbook_add_chart(a->don.book->wb, LXW_CHART_COLUMN_STACKED);
    if (chart) {
        for (int k = 0; k < NSRC; k++) {
            lxw_chart_series *ser = chart_add_series(chart, NULL, NULL);
            if (!ser) continue;
            chart_series_set_categories(ser, s->ws->name, hdr + 1, 0, hdr + 12, 0);
            chart_series_set_values(ser, s->ws->name, hdr + 1, (lxw_col_t)(1 + k), hdr + 12,
                                    (lxw_col_t)(1 + k));
            chart_series_set_name_range(ser, s->ws->name, hdr, (lxw_col_t)(1 + k));
        }
        chart_title_set_name(chart, lb->chart_title);
        chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
        kx_note(s, worksheet_insert_chart(s->ws, hdr, 2 + NSRC + 1, chart));
    }
    static const double widths[P_NCOLS] = {22, 26, 14, 14, 14, 14, 14, 14};
    for (int c = 0; c < P_NCOLS; c++)
        kx_note(s, worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL));
}

static void donation_totals(audit *a)
{
    table *t = &a->don;
    kx_sheet *s = &t->s;
    const labels *lb = a->lb;
    static const lxw_col_t money[4] = {D_AMOUNT, D_FEE, D_CREDIT, D_GENERAL};
    if (!s->ws) return;
    if (t->total == 0) kx_str(s, t->row++, D_DATE, lb->none, NULL);
    lxw_row_t r = t->row;
    kf_buf f = {0};
    char vcol[4];
    kx_col_name(D_VOID, vcol);
    /* Row by row: constant_memory mode cannot go back to an earlier row. */
    const char *names[3] = {lb->total, lb->voided, lb->net};
    for (int i = 0; i < 3; i++) {
        lxw_row_t row = r + (lxw_row_t)i;
        kx_str(s, row, D_SEQ, names[i], i == 1 ? s->f->label : s->f->total_label);
        for (int k = 0; k < 4; k++) {
            char cn[4];
            kx_col_name(money[k], cn);
            f.len = 0;
            kf_yen value = i == 0   ? a->total[k]
                           : i == 1 ? a->voided[k]
                                    : a->total[k] - a->voided[k];
            if (i == 0) {
                sum_parts(t, money[k], &f);
            } else if (i == 1 && t->part == 1) {
                /* the rows with a "voided by" seq */
                kf_buf_printf(&f, "=SUMIF(%s2:%s%u,\">0\",%s2:%s%u)", vcol, vcol, (unsigned)r, cn,
                              cn, (unsigned)r);
            } else if (i == 2) {
                kf_buf_printf(&f, "=%s%u-%s%u", cn, (unsigned)r + 1, cn, (unsigned)r + 2);
            }
            if (f.len && kf_buf_put(&f, "", 1))
                kx_formula(s, row, money[k], f.data, value, i == 1 ? s->f->yen : s->f->total_yen);
            else
                kx_num(s, row, money[k], value, s->f->yen);
        }
    }
    kf_buf_free(&f);
}

static void write_grants(audit *a, table *t, const kf_grant_row *rows, size_t n)
{
    kx_sheet *s = &t->s;
    if (!s->ws) return;
    kf_yen totals[7] = {0};
    for (size_t i = 0; i < n; i++) {
        const kf_grant_row *g = &rows[i];
        lxw_row_t r = table_row(t);
        kx_str(s, r, G_ID, g->id, NULL);
        kx_num(s, r, G_SEQ, g->seq, s->f->integer);
        kx_str(s, r, G_GROUP, g->group, NULL);
        kx_str(s, r, G_MENU, g->menu, NULL);
        kx_str(s, r, G_ROUND, g->round, NULL);
        kx_str(s, r, G_TITLE, g->title, NULL);
        const kf_yen v[7] = {g->requested,  g->approved, g->paid,     g->settled ? g->final : 0,
                             g->refund_due, g->refunded, g->committed};
        for (int k = 0; k < 7; k++) {
            if (k == 3 && !g->settled) continue;
            kx_num(s, r, (lxw_col_t)(G_REQUESTED + k), v[k], s->f->yen);
            kf_add(totals[k], v[k], &totals[k]);
        }
        kx_str(s, r, G_STATUS, g->status, NULL);
        kx_str(s, r, G_POOL, g->pool, NULL);
    }
    if (!n) kx_str(s, t->row++, G_ID, a->lb->none, NULL);
    lxw_row_t r = t->row;
    kx_str(s, r, G_ID, a->lb->total, s->f->total_label);
    char f[96];
    for (int k = 0; k < 7; k++) {
        char cn[4];
        kx_col_name((lxw_col_t)(G_REQUESTED + k), cn);
        snprintf(f, sizeof f, "=SUM(%s2:%s%u)", cn, cn, (unsigned)r);
        kx_formula(s, r, (lxw_col_t)(G_REQUESTED + k), f, totals[k], s->f->total_yen);
    }
    a->res->applications = (int64_t)n;
}

static void write_pools(audit *a, table *t)
{
    if (!t->s.ws) return;
    int from = a->first_fy && a->first_fy < a->o->fy ? a->first_fy : a->o->fy;
    lxw_row_t r = 1;
    for (int fy = from; fy <= a->o->fy && !a->rc; fy++)
        r = pool_table(a, &t->s, r, fy, 1, false) + 1;
    /* One filter over every FY's rows, up to the last total row (the row
     * written last: constant_memory mode allows it now). */
    if (!a->rc && r >= 3)
        kx_note(&t->s, worksheet_autofilter(t->s.ws, 0, 0, r - 2, (lxw_col_t)P_NCOLS));
}

static void write_verification(audit *a, kx_sheet *sp, const kf_code vrc,
                               const kf_verify_report *rep, const char *why, kf_buf *note,
                               const char *note_err)
{
    const labels *lb = a->lb;
    const kx_formats *fm = sp->f;
    kx_sheet s = *sp;
    char text[600], root[65];
    if (!s.ws) return;
    lxw_row_t r = 0;
    kx_str(&s, r++, 0, lb->verify_title, fm->title);
    kx_str(&s, r, 0, lb->verified, fm->label);
    kx_str(&s, r++, 1, vrc ? lb->failed : lb->ok, vrc ? fm->label : NULL);
    if (vrc) {
        kx_str(&s, r, 0, lb->error, fm->label);
        kx_str(&s, r++, 1, why, NULL);
    }
    /* The title and the result (and its error) stay in view. */
    worksheet_freeze_panes(s.ws, r, 0);
    const char *names[4] = {lb->entries, lb->commits, lb->nodes, lb->keys};
    const int64_t values[4] = {rep->entries, rep->commits, rep->nodes, rep->keys};
    for (int i = 0; i < 4; i++, r++) {
        kx_str(&s, r, 0, names[i], fm->label);
        kx_num(&s, r, 1, values[i], fm->integer);
    }
    kf_hex(rep->root, KF_HASH_LEN, root);
    kx_str(&s, r, 0, lb->root, fm->label);
    kx_str(&s, r++, 1, vrc ? "" : root, NULL);

    r++;
    kx_str(&s, r++, 0, lb->checkpoint, fm->label);
    if (note->len && kf_buf_put(note, "", 1)) {
        for (char *line = note->data, *nl; line && *line; line = nl) {
            nl = strchr(line, '\n');
            if (nl) *nl++ = '\0';
            kx_str(&s, r++, 0, *line ? line : " ", NULL);
        }
    } else {
        kf_ledger_info info;
        kf_hash h;
        char b64[64];
        if (kf_ledger_get_info(a->l, &info, NULL) == KF_OK &&
            kf_ledger_root(a->l, a->size, h, NULL) == KF_OK) {
            sodium_bin2base64(b64, sizeof b64, h, KF_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
            kx_str(&s, r++, 0, info.origin, NULL);
            snprintf(text, sizeof text, "%lld", (long long)a->size);
            kx_str(&s, r++, 0, text, NULL);
            kx_str(&s, r++, 0, b64, NULL);
        }
        kx_str(&s, r++, 0, note_err && *note_err ? note_err : lb->unsigned_note, NULL);
    }

    r++;
    kx_str(&s, r++, 0, lb->keys_title, fm->label);
    for (int c = 0; c < 7; c++)
        kx_str(&s, r, (lxw_col_t)c, lb->kcols[c], fm->header);
    /* The keys are the sheet's table: the filter covers them. */
    kx_note(&s, worksheet_autofilter(s.ws, r, 0, r + (a->nkeys ? (lxw_row_t)a->nkeys : 1), 6));
    r++;
    for (size_t i = 0; i < a->nkeys; i++, r++) {
        const kf_key_info *k = &a->keys[i];
        char id[9], vkey[KF_VKEY_MAX];
        snprintf(id, sizeof id, "%08x", k->id);
        kf_key_vkey(k->name, k->pub, vkey);
        kx_str(&s, r, 0, id, NULL);
        kx_str(&s, r, 1, k->name, NULL);
        kx_str(&s, r, 2, kf_role_name(k->role), NULL);
        kx_str(&s, r, 3, vkey, NULL);
        kx_str(&s, r, 4, k->affiliation, NULL);
        kx_num(&s, r, 5, k->added_seq, fm->integer);
        if (k->revoked_seq) kx_num(&s, r, 6, k->revoked_seq, fm->integer);
    }
    static const double widths[7] = {22, 16, 12, 70, 16, 10, 10};
    for (int c = 0; c < 7; c++)
        kx_note(&s, worksheet_set_column(s.ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL));
}

/* --- the workbook ----------------------------------------------------------- */

kf_code kf_audit_xlsx(kf_ledger *l, const kf_audit_opts *o, const char *path, kf_audit_result *res,
                      kf_err *err)
{
    const labels *lb = o->lang == KF_STATEMENT_EN ? &EN : &JA;
    static const double dwidths[D_NCOLS] = {9, 12, 14, 11, 16, 18, 18, 13, 10, 13, 13, 10, 20, 10};
    static const double lwidths[L_NCOLS] = {8, 7, 25, 16, 20, 66, 140};
    static const double gwidths[G_NCOLS] = {14, 8,  10, 12, 14, 36, 14, 14,
                                            14, 14, 14, 14, 14, 12, 18};
    static const double pwidths[P_NCOLS + 1] = {8, 22, 26, 14, 14, 14, 14, 14, 14};
    kf_err verr = {0};
    char exported[40], root[65], why[sizeof verr.msg] = "", title[512];
    kf_ledger_info info;
    kf_verify_report rep;
    kf_rules *rules = NULL;
    kf_hash h;
    kx_book b;
    kx_formats fm;
    kf_grant_row *grows = NULL;
    size_t ngrows = 0;
    kf_code rc;
    memset(res, 0, sizeof *res);
    audit a = {.l = l, .o = o, .lb = lb, .res = res, .err = err};
    if (!kf_now(exported, err)) return err->code ? err->code : KF_BAD_INPUT;
    if (o->fy < 1900 || o->fy > 9998)
        return kf_fail(err, KF_BAD_INPUT, "--fy %d is out of range", o->fy);
    /* One read snapshot for everything: the verification, the checkpoint
     * and every figure the workbook shows, so that what it says it verified
     * is what it shows (a commit by another process in between is not in
     * it). The workbook states what the verification found. */
    sqlite3 *db = kf_ledger_db(l);
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "starting a read: %s", sqlite3_errmsg(db));
    kf_code vrc = kf_verify_all(l, NULL, 0, &rep, &verr);
    if (vrc == KF_SYSTEM) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        *err = verr;
        return vrc;
    }
    res->verified = vrc == KF_OK;
    snprintf(why, sizeof why, "%s", vrc ? verr.msg : "");
    /* The checkpoint, signed now if a key is given. */
    kf_buf note = {0};
    kf_err nerr = {0};
    if (o->signer && (rc = kf_checkpoint(l, o->signer, &note, &nerr))) {
        /* Asked to sign and cannot (say, a reviewer's key): nothing written. */
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        kf_buf_free(&note);
        *err = nerr;
        return rc;
    }
    if ((rc = kf_ledger_get_info(l, &info, err)) || (rc = kf_ledger_root(l, info.size, h, err)))
        goto out_rules;
    if (!(rules = calloc(1, sizeof *rules))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out_rules;
    }
    if ((rc = kf_rules_current(l, rules, NULL, err))) goto out_rules;
    a.rules = rules;
    a.size = info.size;
    res->size = info.size;
    kf_hex(h, KF_HASH_LEN, root);
    snprintf(res->root_hex, sizeof res->root_hex, "%s", root);

    /* Everything below reads one snapshot, of size info.size. */
    if ((rc = kf_ledger_keys(l, &a.keys, &a.nkeys, err))) goto out_rules;
    if ((rc = kx_voids_load(l, a.size, &a.voids, err))) goto out_free;
    /* First pass: the FY's donations are counted and summed (the Summary
     * and the totals need them, and constant_memory mode writes forwards). */
    if ((rc = kf_ledger_scan(l, 1, "donation", count_donation, &a, err)) || (rc = a.rc) ||
        (rc = kf_ledger_scan(l, 1, "box.collect", count_donation, &a, err)) || (rc = a.rc) ||
        (rc = kf_grant_rows(l, o->fy, &grows, &ngrows, err)))
        goto out_free;

    if ((rc = kx_book_open(&b, path, true, err))) goto out_free;
    kx_formats_add(b.wb, &fm, lb->date_fmt, lb->yen_fmt);
    /* All sheets are added first, in their order; continued parts
     * ("台帳 (2)") come after the last sheet. */
    const char *pcols[P_NCOLS + 1] = {lb->fy_col};
    for (int c = 0; c < P_NCOLS; c++)
        pcols[c + 1] = lb->pcols[c];
    kx_sheet summary = {
        .ws = workbook_add_worksheet(b.wb, lb->summary), .error = &b.error, .f = &fm};
    table grants, pools;
    table_init(&a.don, &b, &fm, lb->donations, lb->dcols, dwidths, D_NCOLS, res->donations, 4);
    table_init(&grants, &b, &fm, lb->grants, lb->gcols, gwidths, G_NCOLS, (int64_t)ngrows, 2);
    table_init(&pools, &b, &fm, lb->pools, pcols, pwidths, P_NCOLS + 1, -1, 0);
    table_init(&a.led, &b, &fm, lb->ledger, lb->lcols, lwidths, L_NCOLS, a.size, 0);
    kx_sheet verification = {
        .ws = workbook_add_worksheet(b.wb, lb->verification), .error = &b.error, .f = &fm};
    if (!summary.ws || !verification.ws) b.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
    kx_page_setup(&summary, false, 0);
    kx_page_setup(&verification, true, 0);
    if (summary.ws) write_summary(&a, &summary, &info, root, exported, res->verified, why);
    if (!a.rc) write_grants(&a, &grants, grows, ngrows);
    if (!a.rc) write_pools(&a, &pools);
    if (!a.rc) write_verification(&a, &verification, vrc, &rep, why, &note, nerr.msg);
    /* Second pass: every entry to the Ledger, the FY's donations to Donations. */
    if (!a.rc) {
        rc = kf_ledger_scan(l, 1, NULL, audit_entry, &a, err);
        if (rc == PAST_SIZE) rc = KF_OK;
        if (!rc) rc = a.rc;
        if (rc) a.rc = rc;
    }
    if (!a.rc) donation_totals(&a);
    res->sheets = 3 + a.don.part + grants.part + pools.part + a.led.part - 1;
    if (o->on_progress) o->on_progress(o->ctx, a.size, a.size);

    snprintf(title, sizeof title, "%s %s %d", lb->title, info.fund, o->fy);
    kx_book_props(&b, &(kx_props){.title = title,
                                  .fund = info.fund,
                                  .root_hex = root,
                                  .category = "kifu audit workbook",
                                  .keywords = "kifu, 監査, audit",
                                  .comments = "kifu export audit",
                                  .issued = exported,
                                  .fy = o->fy,
                                  .size = info.size});
    if (a.rc) {
        /* Close to free the workbook, but keep no file. */
        b.error = b.error ? b.error : LXW_ERROR_PARAMETER_VALIDATION;
        kx_book_finish(&b, NULL);
        rc = a.rc;
    } else {
        rc = kx_book_finish(&b, err);
    }
out_free:
    free(grows);
    kx_voids_free(&a.voids);
    free(a.keys);
    kf_buf_free(&a.text);
out_rules:
    kf_buf_free(&note);
    free(rules);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL); /* the read ends */
    return rc;
}
