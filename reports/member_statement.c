/*
 * Supporters' club member statements (年間寄附明細, README, "The auditor's workbook"): a
 * member's donations in one fiscal year as a one-sheet Excel workbook.
 *
 * kf_member_statement_load reads the member from the registry (name, tier
 * and its minimum) and the lines from the entries themselves: `donation`
 * entries with source=member:<id> and fy#=FY, less those a `donation.void`
 * names. The total and the active/lapsed status are derived from those
 * lines, so the sheet agrees with the ledger even if a derived table lags.
 *
 * kf_member_statement_xlsx lays it out (labels in Japanese or English):
 *
 *     row 0          title
 *     rows 1..7      fund, member, tier, FY and its days, total, status,
 *                    ledger size and root, issue time (label/value pairs)
 *     row HDR        column headers (frozen, autofilter)
 *     rows HDR+1..   one line per donation, by date then seq
 *     total row      SUM formulas carrying their computed values
 *
 * Money goes to Excel as doubles: exact for any sum below 2^53 yen.
 * No data validation: libxlsxwriter 1.1.4 overflows a buffer on lists with
 * multibyte text.
 */
#include "kifu/report.h"
#include "kifu/grants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xlsx.h"

bool kf_statement_lang_parse(const char *s, kf_statement_lang *out)
{
    if (s && strcmp(s, "ja") == 0) {
        *out = KF_STATEMENT_JA;
        return true;
    }
    if (s && strcmp(s, "en") == 0) {
        *out = KF_STATEMENT_EN;
        return true;
    }
    return false;
}

void kf_member_statement_free(kf_member_statement *st)
{
    if (!st) return;
    free(st->lines);
    st->lines = NULL;
    st->nlines = 0;
}

/* --- loading -------------------------------------------------------------- */

typedef struct {
    kf_member_statement *st;
    char source[KF_ID_MAX + 8]; /* "member:<id>" */
    size_t cap;
    kf_code rc;
    kf_err *err;
} load_ctx;

static int add_line(void *ctx, const kf_row *row)
{
    load_ctx *c = ctx;
    const kf_entry *e = row->entry;
    const char *source = kf_entry_str(e, "source");
    int64_t fy, amount, fee = 0;
    if (!source || strcmp(source, c->source) != 0) return 0;
    if (!kf_entry_int(e, "fy", &fy) || fy != c->st->fy) return 0;
    const char *date = kf_entry_str(e, "date"), *to = kf_entry_str(e, "to");
    const char *method = kf_entry_str(e, "method"), *ref = kf_entry_str(e, "ref");
    if (!kf_entry_int(e, "amount", &amount) || !date || !to) {
        return c->rc =
                   kf_fail(c->err, KF_SYSTEM, "seq %lld: the donation lacks its amount, date or to",
                           (long long)row->seq);
    }
    kf_entry_int(e, "fee", &fee);
    if (c->st->nlines == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        kf_statement_line *p = realloc(c->st->lines, cap * sizeof *p);
        if (!p) {
            return c->rc = kf_fail(c->err, KF_SYSTEM, "out of memory");
        }
        c->st->lines = p;
        c->cap = cap;
    }
    kf_statement_line *line = &c->st->lines[c->st->nlines++];
    memset(line, 0, sizeof *line);
    line->seq = row->seq;
    line->amount = amount;
    line->fee = fee;
    snprintf(line->date, sizeof line->date, "%s", date);
    snprintf(line->receipt_no, sizeof line->receipt_no, "%lld-%06lld", (long long)fy,
             (long long)row->seq);
    snprintf(line->to, sizeof line->to, "%s", to);
    snprintf(line->method, sizeof line->method, "%s", method ? method : "");
    snprintf(line->ref, sizeof line->ref, "%s", ref ? ref : "");
    return 0;
}

static int by_seq(const void *key, const void *elem)
{
    int64_t seq = *(const int64_t *)key, other = ((const kf_statement_line *)elem)->seq;
    return seq < other ? -1 : seq > other;
}

/* Drops the lines a void names (lines are in seq order while loading). */
static int drop_voided(void *ctx, const kf_row *row)
{
    load_ctx *c = ctx;
    int64_t target;
    if (!kf_entry_int(row->entry, "void", &target)) return 0;
    kf_statement_line *hit =
        bsearch(&target, c->st->lines, c->st->nlines, sizeof *c->st->lines, by_seq);
    if (!hit) return 0;
    size_t at = (size_t)(hit - c->st->lines);
    memmove(hit, hit + 1, (c->st->nlines - at - 1) * sizeof *hit);
    c->st->nlines--;
    c->st->voided++;
    return 0;
}

static int by_date_seq(const void *a, const void *b)
{
    const kf_statement_line *x = a, *y = b;
    int d = strcmp(x->date, y->date);
    if (d) return d;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The readable name of a designation: a group's name, a field or theme label
 * of the rules in force; "" when none. Best effort. */
static void designation_label(kf_ledger *l, const kf_rules *r, const char *to, char *out,
                              size_t outsz)
{
    out[0] = '\0';
    if (strncmp(to, "group:", 6) == 0) {
        kf_group g;
        bool found = false;
        if (kf_group_get(l, to + 6, &g, &found, NULL) == KF_OK && found)
            snprintf(out, outsz, "%s", g.name);
        return;
    }
    const kf_rules_item *it = strncmp(to, "field:", 6) == 0   ? kf_rules_field(r, to + 6)
                              : strncmp(to, "theme:", 6) == 0 ? kf_rules_theme(r, to + 6)
                                                              : NULL;
    if (it) snprintf(out, outsz, "%s", it->label);
}

static kf_code find_member(kf_ledger *l, const char *id, int fy, kf_member *out, kf_err *err)
{
    kf_member *members = NULL;
    size_t n = 0;
    bool found = false;
    kf_code rc = kf_don_members(l, fy, &members, &n, err);
    if (rc) return rc;
    for (size_t i = 0; i < n && !found; i++)
        if (strcmp(members[i].id, id) == 0) {
            *out = members[i];
            found = true;
        }
    free(members);
    return found ? KF_OK : kf_fail(err, KF_REFUSED, "no member %s", id);
}

kf_code kf_member_statement_load(kf_ledger *l, const char *id, int fy, kf_member_statement *out,
                                 kf_err *err)
{
    kf_ledger_info info;
    kf_hash root;
    kf_rules *r = NULL;
    kf_code rc;
    memset(out, 0, sizeof *out);
    out->fy = fy;
    if (!kf_id_valid(id)) return kf_fail(err, KF_BAD_INPUT, "'%s' is not a member id", id);
    if ((rc = find_member(l, id, fy, &out->member, err))) return rc;
    if ((rc = kf_ledger_get_info(l, &info, err)) || (rc = kf_ledger_root(l, info.size, root, err)))
        return rc;
    snprintf(out->fund, sizeof out->fund, "%s", info.fund);
    out->size = info.size;
    kf_hex(root, KF_HASH_LEN, out->root_hex);
    if (!(r = malloc(sizeof *r))) return kf_fail(err, KF_SYSTEM, "out of memory");
    if ((rc = kf_rules_current(l, r, NULL, err))) goto out_free_rules;
    kf_rules_fy_bounds(r, fy, out->fy_first, out->fy_last);

    /* A member's donations and their voids all come after member.add. */
    load_ctx c = {.st = out, .err = err};
    snprintf(c.source, sizeof c.source, "member:%s", id);
    rc = kf_ledger_scan(l, out->member.seq, "donation", add_line, &c, err);
    if (!rc && !c.rc && out->nlines)
        rc = kf_ledger_scan(l, out->lines[0].seq, "donation.void", drop_voided, &c, err);
    if (c.rc) rc = c.rc;
    if (rc) goto out_free_lines;

    if (out->nlines > 1) qsort(out->lines, out->nlines, sizeof *out->lines, by_date_seq);
    for (size_t i = 0; i < out->nlines; i++) {
        kf_statement_line *line = &out->lines[i];
        if (!kf_add(out->total, line->amount, &out->total) ||
            !kf_add(out->fees, line->fee, &out->fees)) {
            rc = kf_fail(err, KF_SYSTEM, "member %s: FY %d total overflows", id, fy);
            goto out_free_lines;
        }
        designation_label(l, r, line->to, line->to_label, sizeof line->to_label);
    }
    out->member.fy_total = out->total;
    out->member.active = out->total >= out->member.tier_min;
    free(r);
    return KF_OK;
out_free_lines:
    kf_member_statement_free(out);
out_free_rules:
    free(r);
    return rc;
}

/* --- labels --------------------------------------------------------------- */

enum { COL_DATE, COL_RECEIPT, COL_AMOUNT, COL_FEE, COL_TO, COL_METHOD, COL_REF, COL_SEQ, NCOLS };

typedef struct {
    const char *sheet, *title, *fund, *member, *name, *tier, *tier_min, *fy, *fy_fmt, *first, *last,
        *total_donated, *status, *active, *lapsed, *size, *root, *issued;
    const char *cols[NCOLS];
    const char *total, *none, *voided_fmt, *general;
    const char *methods[4][2]; /* code, label */
    const char *date_fmt, *yen_fmt;
} labels;

static const labels LABELS_JA = {
    .sheet = "明細",
    .title = "年間寄附明細（サポーターズクラブ）",
    .fund = "基金",
    .member = "会員番号",
    .name = "氏名",
    .tier = "会員種別",
    .tier_min = "年間最低額",
    .fy = "年度",
    .fy_fmt = "%d年度",
    .first = "期首",
    .last = "期末",
    .total_donated = "寄附合計",
    .status = "会員資格",
    .active = "有効 (active)",
    .lapsed = "失効 (lapsed)",
    .size = "台帳の記録数",
    .root = "台帳ルート",
    .issued = "発行",
    .cols = {"日付", "受領番号", "金額", "手数料", "指定", "方法", "参照番号", "seq"},
    .total = "合計",
    .none = "（この年度の寄附はありません）",
    .voided_fmt = "取り消された寄附 %zu 件は含みません。",
    .general = "一般",
    .methods = {{"cash", "現金"}, {"transfer", "振込"}, {"card", "カード"}, {"slip", "払込票"}},
    .date_fmt = "yyyy/mm/dd",
    .yen_fmt = "#,##0\"円\"",
};

static const labels LABELS_EN = {
    .sheet = "Statement",
    .title = "Annual donation statement (supporters' club)",
    .fund = "Fund",
    .member = "Member ID",
    .name = "Name",
    .tier = "Tier",
    .tier_min = "Yearly minimum",
    .fy = "Fiscal year",
    .fy_fmt = "FY %d",
    .first = "First day",
    .last = "Last day",
    .total_donated = "Total donated",
    .status = "Status",
    .active = "active",
    .lapsed = "lapsed",
    .size = "Ledger entries",
    .root = "Ledger root",
    .issued = "Issued",
    .cols = {"Date", "Receipt no.", "Amount", "Fee", "Designation", "Method", "Reference", "seq"},
    .total = "Total",
    .none = "(no donations in this fiscal year)",
    .voided_fmt = "%zu voided donation(s) not included.",
    .general = "general",
    .methods = {{"cash", "cash"},
                {"transfer", "bank transfer"},
                {"card", "card"},
                {"slip", "payment slip"}},
    .date_fmt = "yyyy-mm-dd",
    .yen_fmt = "\"¥\"#,##0",
};

static const char *method_label(const labels *lb, const char *method)
{
    for (size_t i = 0; i < sizeof lb->methods / sizeof lb->methods[0]; i++)
        if (strcmp(lb->methods[i][0], method) == 0) return lb->methods[i][1];
    return method;
}

/* --- writing -------------------------------------------------------------- */

typedef kx_sheet sheet;

/* Lays the statement out on s (see the layout at the top of the file). */
static void write_sheet(sheet *s, const kf_member_statement *st, const labels *lb,
                        const char *issued)
{
    const lxw_row_t hdr = 9, first = hdr + 1;
    const lxw_row_t nrows = st->nlines ? (lxw_row_t)st->nlines : 1;
    const lxw_row_t total_row = first + nrows;
    char text[512], formula[64];

    kx_str(s, 0, 0, lb->title, s->f->title);
    kx_str(s, 1, 0, lb->fund, s->f->label);
    kx_str(s, 1, 1, st->fund, NULL);
    kx_str(s, 2, 0, lb->member, s->f->label);
    kx_str(s, 2, 1, st->member.id, NULL);
    kx_str(s, 2, 4, lb->name, s->f->label);
    kx_str(s, 2, 5, st->member.name, NULL);
    kx_str(s, 3, 0, lb->tier, s->f->label);
    kx_str(s, 3, 1, st->member.tier, NULL);
    kx_str(s, 3, 4, lb->tier_min, s->f->label);
    kx_num(s, 3, 5, st->member.tier_min, s->f->yen);
    kx_str(s, 4, 0, lb->fy, s->f->label);
    snprintf(text, sizeof text, lb->fy_fmt, st->fy);
    kx_str(s, 4, 1, text, NULL);
    kx_str(s, 4, 4, lb->first, s->f->label);
    kx_date(s, 4, 5, st->fy_first);
    kx_str(s, 5, 4, lb->last, s->f->label);
    kx_date(s, 5, 5, st->fy_last);
    kx_str(s, 5, 0, lb->total_donated, s->f->label);
    snprintf(formula, sizeof formula, "=C%u", (unsigned)total_row + 1);
    kx_formula(s, 5, 1, formula, st->total, s->f->yen);
    kx_str(s, 6, 0, lb->status, s->f->label);
    kx_str(s, 6, 1, st->member.active ? lb->active : lb->lapsed, NULL);
    kx_str(s, 6, 4, lb->size, s->f->label);
    kx_num(s, 6, 5, st->size, s->f->integer);
    kx_str(s, 7, 0, lb->issued, s->f->label);
    kx_str(s, 7, 1, issued, NULL);
    kx_str(s, 7, 4, lb->root, s->f->label);
    kx_str(s, 7, 5, st->root_hex, NULL);

    for (lxw_col_t col = 0; col < NCOLS; col++)
        kx_str(s, hdr, col, lb->cols[col], s->f->header);
    for (size_t i = 0; i < st->nlines; i++) {
        const kf_statement_line *line = &st->lines[i];
        lxw_row_t row = first + (lxw_row_t)i;
        kx_date(s, row, COL_DATE, line->date);
        kx_str(s, row, COL_RECEIPT, line->receipt_no, NULL);
        kx_num(s, row, COL_AMOUNT, line->amount, s->f->yen);
        kx_num(s, row, COL_FEE, line->fee, s->f->yen);
        if (strcmp(line->to, "general") == 0)
            snprintf(text, sizeof text, "%s", lb->general);
        else if (line->to_label[0])
            snprintf(text, sizeof text, "%s (%s)", line->to_label, line->to);
        else
            snprintf(text, sizeof text, "%s", line->to);
        kx_str(s, row, COL_TO, text, NULL);
        if (line->method[0]) kx_str(s, row, COL_METHOD, method_label(lb, line->method), NULL);
        if (line->ref[0]) kx_str(s, row, COL_REF, line->ref, NULL);
        kx_num(s, row, COL_SEQ, line->seq, s->f->integer);
    }
    if (!st->nlines) kx_str(s, first, COL_DATE, lb->none, NULL);

    kx_str(s, total_row, COL_DATE, lb->total, s->f->total_label);
    for (lxw_col_t col = COL_RECEIPT; col < NCOLS; col++)
        if (col != COL_AMOUNT && col != COL_FEE) kx_str(s, total_row, col, "", s->f->total_label);
    snprintf(formula, sizeof formula, "=SUM(C%u:C%u)", (unsigned)first + 1, (unsigned)total_row);
    kx_formula(s, total_row, COL_AMOUNT, formula, st->total, s->f->total_yen);
    snprintf(formula, sizeof formula, "=SUM(D%u:D%u)", (unsigned)first + 1, (unsigned)total_row);
    kx_formula(s, total_row, COL_FEE, formula, st->fees, s->f->total_yen);
    if (st->voided) {
        snprintf(text, sizeof text, lb->voided_fmt, st->voided);
        kx_str(s, total_row + 2, COL_DATE, text, NULL);
    }

    static const double widths[NCOLS] = {14, 15, 14, 10, 34, 13, 20, 8};
    for (lxw_col_t col = 0; col < NCOLS; col++)
        kx_note(s, worksheet_set_column(s->ws, col, col, widths[col], NULL));
    worksheet_freeze_panes(s->ws, first, 0);
    kx_note(s, worksheet_autofilter(s->ws, hdr, 0, total_row - 1, NCOLS - 1));
    worksheet_set_paper(s->ws, 9); /* A4 */
    worksheet_set_landscape(s->ws);
    worksheet_fit_to_pages(s->ws, 1, 0);
    kx_note(s, worksheet_repeat_rows(s->ws, hdr, hdr));
}

kf_code kf_member_statement_xlsx(const kf_member_statement *st, kf_statement_lang lang,
                                 const char *path, kf_err *err)
{
    const labels *lb = lang == KF_STATEMENT_EN ? &LABELS_EN : &LABELS_JA;
    char issued[40], title[512];
    kx_book b;
    kx_formats f;
    kf_code rc;
    if (!kf_now(issued, err)) return err->code ? err->code : KF_BAD_INPUT;
    if ((rc = kx_book_open(&b, path, false, err))) return rc;
    sheet s = {.ws = workbook_add_worksheet(b.wb, lb->sheet), .error = &b.error, .f = &f};
    if (!s.ws) b.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
    kx_formats_add(b.wb, &f, lb->date_fmt, lb->yen_fmt);
    if (s.ws) write_sheet(&s, st, lb, issued);

    snprintf(title, sizeof title, "%s %s %d", lb->title, st->member.id, st->fy);
    kx_book_props(&b, &(kx_props){.title = title,
                                  .fund = st->fund,
                                  .root_hex = st->root_hex,
                                  .category = "kifu member statement",
                                  .keywords = "kifu, 年間寄附明細, supporters' club",
                                  .comments = "kifu export member",
                                  .issued = issued,
                                  .fy = st->fy,
                                  .size = st->size});
    return kx_book_finish(&b, err);
}
