/*
 * Supporters' club member statements (年間寄附明細, README, "The
 * statements"): a member's donations in one fiscal year, or in one calendar
 * year for the member's 確定申告, as a one-sheet Excel workbook.
 *
 * kf_member_statement_load reads the member from the registry (name, tier
 * and its minimum) and the lines from the entries themselves: `donation`
 * entries with source=member:<id> whose fy# is the FY (or whose date falls
 * in the calendar year), less those a `donation.void` names. The total and
 * the active/lapsed status (an FY's only) are derived from those lines, so
 * the sheet agrees with the ledger even if a derived table lags.
 *
 * kf_member_statement_xlsx lays it out (labels in Japanese or English,
 * names not codes, 和暦 dates in ja):
 *
 *     row 1          title (with the FY or the year)
 *     row 2          "this is not a receipt" (寄附金受領証明書ではありません)
 *     rows 3..8      fund, issue time, member and name, tier and its
 *                    minimum, FY (or year) and its days, total, status
 *                    (an FY's), ledger size (label/value pairs, two to a row)
 *     row 9          ledger root
 *     row 10         column headers (frozen, autofilter, repeated in print)
 *     rows 11..      one line per donation, by date then seq
 *     total row      SUBTOTAL formulas carrying their computed values
 *
 * Laid out twice by the same code (stmt_sheet.h): measured, then written
 * with columns as wide as their content. Money goes to Excel as doubles:
 * exact for any sum below 2^53 yen.
 */
#include "kifu/report.h"
#include "kifu/grants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "labels.h"
#include "stmt_sheet.h"
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
    char year[8];               /* the calendar year as text, or "" */
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
    if (!kf_entry_int(e, "fy", &fy)) return 0;
    const char *date = kf_entry_str(e, "date"), *to = kf_entry_str(e, "to");
    if (c->st->fy && fy != c->st->fy) return 0;
    if (c->st->year && (!date || strncmp(date, c->year, 4) != 0 || date[4] != '-')) return 0;
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
        c->st->nlines ? bsearch(&target, c->st->lines, c->st->nlines, sizeof *c->st->lines, by_seq)
                      : NULL;
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

kf_code kf_member_statement_load(kf_ledger *l, const char *id, int fy, int year,
                                 kf_statement_lang lang, kf_member_statement *out, kf_err *err)
{
    kf_ledger_info info;
    kf_hash root;
    kx_names *names = NULL;
    kf_code rc;
    memset(out, 0, sizeof *out);
    out->fy = fy;
    out->year = year;
    out->lang = lang;
    if ((fy != 0) == (year != 0))
        return kf_fail(err, KF_BAD_INPUT, "a statement is for one FY or one calendar year");
    if (!kf_id_valid(id)) return kf_fail(err, KF_BAD_INPUT, "'%s' is not a member id", id);
    if ((rc = find_member(l, id, fy, &out->member, err))) return rc;
    if ((rc = kf_ledger_get_info(l, &info, err)) || (rc = kf_ledger_root(l, info.size, root, err)))
        return rc;
    snprintf(out->fund, sizeof out->fund, "%s", info.fund);
    out->size = info.size;
    kf_hex(root, KF_HASH_LEN, out->root_hex);
    if ((rc = kx_names_load(l, lang, &names, err))) return rc;
    if (fy) {
        kf_rules_fy_bounds(kx_names_rules(names), fy, out->fy_first, out->fy_last);
    } else {
        snprintf(out->fy_first, sizeof out->fy_first, "%04u-01-01", (unsigned)year % 10000u);
        snprintf(out->fy_last, sizeof out->fy_last, "%04u-12-31", (unsigned)year % 10000u);
    }

    /* A member's donations and their voids all come after member.add. */
    load_ctx c = {.st = out, .err = err};
    snprintf(c.source, sizeof c.source, "member:%s", id);
    if (year) snprintf(c.year, sizeof c.year, "%04u", (unsigned)year % 10000u);
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
            rc = kf_fail(err, KF_SYSTEM, "member %s: the total overflows", id);
            goto out_free_lines;
        }
        kx_pool_name(names, line->to, line->to_label, sizeof line->to_label);
    }
    out->member.fy_total = out->total;
    out->member.active = out->total >= out->member.tier_min;
    kx_names_free(names);
    return KF_OK;
out_free_lines:
    kf_member_statement_free(out);
    kx_names_free(names);
    return rc;
}

/* --- labels --------------------------------------------------------------- */

enum { COL_DATE, COL_RECEIPT, COL_AMOUNT, COL_FEE, COL_TO, COL_METHOD, COL_REF, COL_SEQ, NCOLS };

typedef struct {
    const char *sheet, *title, *year_title, *not_receipt, *fund, *member, *name, *tier, *tier_min,
        *fy, *year, *year_fmt, *first, *last, *year_first, *year_last, *total_donated, *status,
        *active, *lapsed, *size, *root, *issued;
    const char *cols[NCOLS];
    const char *total, *none, *none_year, *voided_fmt;
} labels;

static const labels LABELS_JA = {
    .sheet = "明細",
    .title = "年間寄附明細（サポーターズクラブ）",
    .year_title = "寄附明細（サポーターズクラブ・暦年）",
    .not_receipt = "この明細は寄附金受領証明書ではありません。確定申告には寄附金受領証明書をご利用"
                   "ください。",
    .fund = "基金",
    .member = "会員番号",
    .name = "氏名",
    .tier = "会員種別",
    .tier_min = "年間最低額",
    .fy = "年度",
    .year = "期間",
    .year_fmt = "%s（%d年1月〜12月）",
    .first = "期首",
    .last = "期末",
    .year_first = "開始日",
    .year_last = "終了日",
    .total_donated = "寄附合計",
    .status = "会員資格",
    .active = "有効",
    .lapsed = "失効",
    .size = "台帳の記録数",
    .root = "台帳ルート",
    .issued = "発行",
    .cols = {"日付", "受領番号", "金額", "手数料", "指定", "方法", "参照番号", "記録番号"},
    .total = "合計",
    .none = "（この年度の寄附はありません）",
    .none_year = "（この年の寄附はありません）",
    .voided_fmt = "取り消された寄附 %zu 件は含みません。",
};

static const labels LABELS_EN = {
    .sheet = "Statement",
    .title = "Annual donation statement (supporters' club)",
    .year_title = "Donation statement (supporters' club, calendar year)",
    .not_receipt = "This statement is not a donation receipt (寄附金受領証明書). For a tax return, "
                   "use the donation receipt.",
    .fund = "Fund",
    .member = "Member ID",
    .name = "Name",
    .tier = "Tier",
    .tier_min = "Yearly minimum",
    .fy = "Fiscal year",
    .year = "Period",
    .year_fmt = "%s (January to December %d)",
    .first = "First day",
    .last = "Last day",
    .year_first = "First day",
    .year_last = "Last day",
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
    .none_year = "(no donations in this year)",
    .voided_fmt = "%zu voided donation(s) not included.",
};

/* --- writing -------------------------------------------------------------- */

/* The period's name: 令和8年度 / FY2026, or 令和8年（2026年1月〜12月） /
 * calendar year 2026 (January to December 2026). */
static void period_name(const kf_member_statement *st, const labels *lb, char *out, size_t size)
{
    if (st->fy) {
        kx_fy_name(st->lang, st->fy_first, st->fy, out, size);
        return;
    }
    char era[64];
    if (st->lang == KF_STATEMENT_JA && kx_wareki(st->fy_last, era, sizeof era)) {
        char *nen = strstr(era, "年");
        if (nen) nen[strlen("年")] = '\0';
    } else {
        snprintf(era, sizeof era, "%d", st->year);
    }
    snprintf(out, size, lb->year_fmt, era, st->year);
}

/* Lays the statement out on s (see the layout at the top of the file);
 * returns the header row (0-based). */
static lxw_row_t write_sheet(ks_sheet *s, const kf_member_statement *st, const labels *lb,
                             const char *issued)
{
    const kx_formats *f = s->s.f;
    const lxw_row_t hdr = 9, first = hdr + 1;
    const lxw_row_t nrows = st->nlines ? (lxw_row_t)st->nlines : 1;
    const lxw_row_t total_row = first + nrows;
    char text[512], formula[64], period[128];
    const lxw_col_t right = COL_TO, end = KS_MAXCOL - 1;

    period_name(st, lb, period, sizeof period);
    snprintf(text, sizeof text, "%s %s", st->fy ? lb->title : lb->year_title, period);
    ks_span(s, 0, text, f->title);
    ks_height(s, 21);
    ks_next(s);
    ks_span(s, 0, lb->not_receipt, f->label);
    ks_next(s);

    ks_text(s, 0, lb->fund, f->label);
    ks_span_to(s, 1, right - 1, st->fund, NULL);
    ks_text(s, right, lb->issued, f->label);
    ks_time_text(st->lang, issued, text, sizeof text);
    ks_span_to(s, right + 1, end, text, NULL);
    ks_next(s);
    ks_text(s, 0, lb->member, f->label);
    ks_span_to(s, 1, right - 1, st->member.id, NULL);
    ks_text(s, right, lb->name, f->label);
    ks_span_to(s, right + 1, end, st->member.name, NULL);
    ks_next(s);
    ks_text(s, 0, lb->tier, f->label);
    ks_span_to(s, 1, right - 1, st->member.tier, NULL);
    ks_text(s, right, lb->tier_min, f->label);
    ks_yen(s, right + 1, st->member.tier_min, NULL);
    ks_next(s);
    ks_text(s, 0, st->fy ? lb->fy : lb->year, f->label);
    ks_span_to(s, 1, right - 1, period, NULL);
    ks_text(s, right, st->fy ? lb->first : lb->year_first, f->label);
    ks_date(s, right + 1, st->fy_first);
    ks_next(s);
    ks_text(s, 0, lb->total_donated, f->label);
    snprintf(formula, sizeof formula, "=SUM(C%u:C%u)", (unsigned)first + 1, (unsigned)total_row);
    ks_formula(s, 1, formula, st->total, s->k->yen, true);
    ks_text(s, right, st->fy ? lb->last : lb->year_last, f->label);
    ks_date(s, right + 1, st->fy_last);
    ks_next(s);
    if (st->fy) {
        ks_text(s, 0, lb->status, f->label);
        ks_span_to(s, 1, right - 1, st->member.active ? lb->active : lb->lapsed, NULL);
    }
    ks_text(s, right, lb->size, f->label);
    ks_int(s, right + 1, st->size, NULL);
    ks_next(s);
    ks_text(s, 0, lb->root, f->label);
    ks_span(s, 1, st->root_hex, NULL);
    ks_next(s);

    if (s->s.ws) {
        worksheet_freeze_panes(s->s.ws, first, 0);
        kx_note(&s->s, worksheet_autofilter(s->s.ws, hdr, 0, total_row - 1, NCOLS - 1));
    }
    for (lxw_col_t col = 0; col < NCOLS; col++)
        ks_text(s, col, lb->cols[col], s->k->header);
    ks_next(s);
    for (size_t i = 0; i < st->nlines; i++) {
        const kf_statement_line *line = &st->lines[i];
        ks_date(s, COL_DATE, line->date);
        ks_text(s, COL_RECEIPT, line->receipt_no, NULL);
        ks_yen(s, COL_AMOUNT, line->amount, NULL);
        ks_yen(s, COL_FEE, line->fee, NULL);
        ks_text(s, COL_TO, line->to_label[0] ? line->to_label : line->to, NULL);
        if (line->method[0]) ks_text(s, COL_METHOD, kx_method_name(line->method, st->lang), NULL);
        if (line->ref[0]) ks_text(s, COL_REF, line->ref, NULL);
        ks_int(s, COL_SEQ, line->seq, NULL);
        ks_next(s);
    }
    if (!st->nlines) {
        ks_span(s, COL_DATE, st->fy ? lb->none : lb->none_year, NULL);
        ks_next(s);
    }

    for (lxw_col_t col = COL_RECEIPT; col < NCOLS; col++)
        if (col != COL_AMOUNT && col != COL_FEE) ks_blank(s, col, f->total_label);
    ks_text(s, COL_DATE, lb->total, f->total_label);
    ks_subtotal(formula, sizeof formula, COL_AMOUNT, first, total_row);
    ks_formula(s, COL_AMOUNT, formula, st->total, s->k->total_yen, true);
    ks_subtotal(formula, sizeof formula, COL_FEE, first, total_row);
    ks_formula(s, COL_FEE, formula, st->fees, s->k->total_yen, true);
    ks_next(s);
    if (st->voided) {
        ks_next(s);
        snprintf(text, sizeof text, lb->voided_fmt, st->voided);
        ks_span(s, COL_DATE, text, NULL);
        ks_next(s);
    }
    return hdr;
}

kf_code kf_member_statement_xlsx(const kf_member_statement *st, const char *path, kf_err *err)
{
    const labels *lb = st->lang == KF_STATEMENT_EN ? &LABELS_EN : &LABELS_JA;
    char issued[40], title[512], period[128];
    kx_book b;
    kx_formats f;
    ks_formats kf;
    kf_code rc;
    if (!kf_now(issued, err)) return err->code ? err->code : KF_BAD_INPUT;
    if ((rc = kx_book_open(&b, path, false, err))) return rc;
    kx_formats_add(b.wb, &f, kx_date_format(st->lang), kx_yen_format(st->lang));
    ks_formats_add(b.wb, &kf, st->lang);
    ks_sheet s = {.s = {.ws = NULL, .error = &b.error, .f = &f}, .k = &kf, .lang = st->lang};
    write_sheet(&s, st, lb, issued); /* measure */
    bool landscape = ks_widths_done(&s);
    lxw_worksheet *ws = workbook_add_worksheet(b.wb, lb->sheet);
    if (!ws) b.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
    ks_begin(&s, ws);
    if (ws) {
        lxw_row_t hdr = write_sheet(&s, st, lb, issued);
        period_name(st, lb, period, sizeof period);
        snprintf(title, sizeof title, "%s %s %s", st->fy ? lb->title : lb->year_title,
                 st->member.name, period);
        ks_print(&s, landscape, hdr, st->fund, title);
    }

    snprintf(title, sizeof title, "%s %s %d", st->fy ? lb->title : lb->year_title, st->member.id,
             st->fy ? st->fy : st->year);
    kx_book_props(&b, &(kx_props){.title = title,
                                  .fund = st->fund,
                                  .root_hex = st->root_hex,
                                  .category = "kifu member statement",
                                  .keywords = "kifu, 年間寄附明細, supporters' club",
                                  .comments = "kifu export member",
                                  .issued = issued,
                                  .fy = st->fy ? st->fy : st->year,
                                  .size = st->size});
    return kx_book_finish(&b, err);
}
