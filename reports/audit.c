/*
 * The auditor's workbook (`kifu export audit`, README "The auditor's
 * workbook"), as a municipal fund's auditor (監査委員) reads and prints it.
 *
 * Sheets, in order (Japanese / English names):
 *
 *   概要 Summary        fund, FY (令和8年度), period, ledger size and root,
 *                       verification result; the reconciliation per pool and
 *                       in total, with counts (寄附金(総額) − 手数料 − 取消 +
 *                       返還金(戻入) + 運用益 + 移管受入 = 収入; 期首 + 収入 −
 *                       助成金支出 − 移管払出 = 期末), 指定/一般正味財産
 *                       subtotals; the fund's 運用状況; donations by month
 *                       and source kind with a chart; the sign-off block.
 *   寄附 Donations      every donation and box collection of the FY, in date
 *                       order (then seq), names not codes, the seq and amount
 *                       of any void; totals that follow filters (SUBTOTAL).
 *   助成（交付台帳）    the grant register: each application of the FY with
 *   Grants (register)   its dates (申請, 交付決定, each payment, 確定, 返還),
 *                       review scores, ceiling, award and why it was partial
 *                       or refused, in words.
 *   財源 Pools          every pool's figures of every FY up to this one.
 *   照合 Reconciliation the FY's gifts by payment method (counts, gross,
 *                       fees, voids, net received) and the book balance
 *                       beside a cell for the bank book's balance.
 *   台帳 Ledger         every entry as signed: seq, commit, time, kind,
 *                       actor, leaf hash, its fields.
 *   検証 Verification   the verification at export time, the root in hex
 *                       and base64 (one value), the checkpoint, every
 *                       cosigned checkpoint and whether the ledger extends
 *                       it, the keys with their roles.
 *
 * The workbook is written in libxlsxwriter's constant_memory mode: one row
 * per sheet in memory. audit_figures.c reads the entries once and gathers
 * the figures (and the FY's donations as (date, seq) keys, sorted); the
 * Donations rows are then read back by seq in date order, and a second pass
 * writes the Ledger. A sheet that would pass Excel's 1,048,576 rows
 * continues on "寄附 (2)", "台帳 (2)"...; totals cover every part.
 */
#include "kifu/report.h"
#include "kifu/grants.h"
#include "kifu/verify.h"

#include "audit_internal.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- columns and words ---------------------------------------------------- */

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
    D_VOIDED,
    D_NCOLS
};
enum { L_SEQ, L_COMMIT, L_TIME, L_KIND, L_ACTOR, L_LEAF, L_FIELDS, L_NCOLS };
enum {
    G_ID,
    G_APPLIED,
    G_GROUP,
    G_MENU,
    G_ROUND,
    G_TITLE,
    G_REQUESTED,
    G_SCORES,
    G_CEILING,
    G_DECIDED,
    G_APPROVED,
    G_WHY,
    G_PAYS,
    G_PAID,
    G_SETTLED,
    G_FINAL,
    G_REFUNDED,
    G_REFUND_DATE,
    G_STATE,
    G_POOL,
    G_NCOLS
};
/* The Summary's reconciliation. */
enum {
    R_KIND,
    R_POOL,
    R_OPENING,
    R_GIFTS,
    R_GROSS,
    R_FEE,
    R_VOIDS,
    R_VOIDED,
    R_REFUNDS,
    R_INTEREST,
    R_XIN,
    R_INCOME,
    R_PAID,
    R_XOUT,
    R_CLOSING,
    R_COMMITTED,
    R_AVAILABLE,
    R_NCOLS
};
#define R_POOL_WIDTH 28
enum { P_FY, P_KIND, P_POOL, P_OPENING, P_IN, P_OUT, P_CLOSING, P_COMMITTED, P_AVAILABLE, P_NCOLS };
enum { M_METHOD, M_GIFTS, M_GROSS, M_FEE, M_VOIDS, M_VOIDED, M_NET, M_NCOLS };

typedef struct {
    const char *summary, *donations, *grants, *pools, *recon, *ledger, *verification;
    const char *title, *fund, *fy, *period, *size, *root, *root_note, *exported, *verified, *ok,
        *failed, *recon_title, *recon_note, *designated, *general_kind, *designated_total,
        *general_total, *total, *net, *none, *status_title, *status_rows[5], *status_note,
        *months_title, *month, *signoff_title, *signoff_roles[4], *signoff_rows[3], *date_blank,
        *chart_title;
    const char *dcols[D_NCOLS], *lcols[L_NCOLS], *gcols[G_NCOLS], *rcols[R_NCOLS], *pcols[P_NCOLS],
        *mcols[M_NCOLS];
    const char *other_method, *bank_title, *bank_book, *bank_entry, *bank_diff, *bank_note,
        *committed_now, *available_now;
    const char *verify_title, *entries, *commits, *nodes, *keys, *error, *root_hex, *root_b64,
        *same_value, *checkpoint, *unsigned_note, *cosign_title, *cosign_cols[6], *cosign_note,
        *yes, *no, *no_cosign, *keys_title, *kcols[7];
    const char *partial_fmt, *rejected_fmt, *full, *open_fmt;
} labels;

static const labels JA = {
    .summary = "概要",
    .donations = "寄附",
    .grants = "助成（交付台帳）",
    .pools = "財源",
    .recon = "照合",
    .ledger = "台帳",
    .verification = "検証",
    .title = "監査用ワークブック",
    .fund = "基金",
    .fy = "年度",
    .period = "期間",
    .size = "台帳の記録数",
    .root = "台帳ルート（16進）",
    .root_note = "検証シートのチェックポイントのBase64表記と同じ値です。",
    .exported = "作成日時",
    .verified = "検証",
    .ok = "成功",
    .failed = "失敗",
    .recon_title = "財源別の収支（照合）",
    .recon_note =
        "収入 = 寄附金(総額) − 手数料 − 取消 + 返還金(戻入) + 運用益 + 移管受入、期末残高 = "
        "期首残高 + 収入 − 助成金支出 − 移管払出。手数料は寄附の計上先の財源が負担し、取消は"
        "計上額（手数料控除後）を戻します。",
    .designated = "指定",
    .general_kind = "一般",
    .designated_total = "指定正味財産 計",
    .general_total = "一般正味財産 計",
    .total = "合計",
    .net = "取消を除く合計",
    .none = "（なし）",
    .status_title = "基金の運用状況",
    .status_rows = {"前年度末現在高", "積立（寄附金等の受入）", "運用益", "取崩（助成金の支出）",
                    "当年度末現在高"},
    .status_note = "積立 = 寄附金(総額) − 手数料 − 取消 + 返還金(戻入)。財源間の移管は基金の中の"
                   "移動で、合計では差し引きゼロです。",
    .months_title = "月別・寄附元別の寄附（取消を除く）",
    .month = "月",
    .signoff_title = "決裁・確認欄",
    .signoff_roles = {"作成者", "確認者", "会計管理者", "監査委員"},
    .signoff_rows = {"氏名", "日付", "印"},
    .date_blank = "令和　　年　　月　　日",
    .chart_title = "月別の寄附",
    .dcols = {"seq", "日付", "受領番号", "種別", "寄附元", "指定", "計上先", "金額", "手数料",
              "指定分", "一般分", "方法", "参照番号", "取消seq", "取消額"},
    .lcols = {"seq", "コミット", "時刻", "種類", "記録者", "リーフハッシュ", "内容"},
    .gcols = {"申請番号",
              "申請日",
              "団体",
              "メニュー",
              "募集回",
              "事業名",
              "申請額",
              "審査点",
              "上限額",
              "交付決定日",
              "交付決定額",
              "決定の内容",
              "支払（日付・金額）",
              "支払額",
              "実績報告・確定日",
              "確定額",
              "返還額",
              "返還日",
              "状態",
              "財源"},
    .rcols = {"区分", "財源", "期首残高", "寄附件数", "寄附金(総額)", "手数料", "取消件数", "取消",
              "返還金(戻入)", "運用益", "移管受入", "収入", "助成金支出", "移管払出", "期末残高",
              "確保額", "利用可能額"},
    .pcols = {"年度", "区分", "財源", "期首残高", "収入", "支出", "期末残高", "確保額",
              "利用可能額"},
    .mcols = {"収納方法", "件数", "寄附金(総額)", "手数料", "取消件数", "取消", "入金額（差引）"},
    .other_method = "その他",
    .bank_title = "預金残高の照合（年度末）",
    .bank_book = "帳簿上の残高（全財源の期末残高）",
    .bank_entry = "預金通帳の残高（記入してください）",
    .bank_diff = "差額（通帳 − 帳簿）",
    .bank_note = "取消は計上額（手数料控除後）。入金額 = 寄附金(総額) − 手数料 − 取消。",
    .committed_now = "うち確保額（交付決定済・未払）",
    .available_now = "うち利用可能額",
    .verify_title = "検証結果（作成時）",
    .entries = "記録数",
    .commits = "コミット数",
    .nodes = "Merkleノード数",
    .keys = "鍵の数",
    .error = "エラー",
    .root_hex = "ルート（16進）",
    .root_b64 = "ルート（Base64）",
    .same_value =
        "16進とBase64は同じ32バイトの値の二つの書き方です（チェックポイントはBase64で書きます）。",
    .checkpoint = "チェックポイント",
    .unsigned_note = "（署名なし：kifu checkpoint で署名付きのものを作れます）",
    .cosign_title = "監査委員が連署したチェックポイント",
    .cosign_cols = {"監査委員（鍵）", "記録数", "連署の記録seq", "ルート（16進）", "連署の時刻",
                    "台帳はその延長か"},
    .cosign_note =
        "「はい」：この台帳の最初のその記録数までの木のルートが、監査委員の連署したルートと同じ"
        "（連署後の記録はその上に追加されただけで、書き換えはない）。",
    .yes = "はい",
    .no = "いいえ（一致しません）",
    .no_cosign = "（連署されたチェックポイントはまだありません：kifu cosign）",
    .keys_title = "鍵",
    .kcols = {"ID", "名前", "役割", "検証鍵", "所属", "追加seq", "失効seq"},
    .partial_fmt = "上限額 %s のうち %s を交付決定（%s 減額。助成率 "
                   "%s。決定額は財源の利用可能額と募集回の予算を超えない）",
    .rejected_fmt = "不交付：%s",
    .full = "上限額どおり",
    .open_fmt = "審査中（現在の規則では対象外：%s）",
};

static const labels EN = {
    .summary = "Summary",
    .donations = "Donations",
    .grants = "Grants (register)",
    .pools = "Pools",
    .recon = "Reconciliation",
    .ledger = "Ledger",
    .verification = "Verification",
    .title = "Audit workbook",
    .fund = "Fund",
    .fy = "Fiscal year",
    .period = "Period",
    .size = "Ledger entries",
    .root = "Ledger root (hex)",
    .root_note = "The same value as the checkpoint's base64 root on the Verification sheet.",
    .exported = "Exported",
    .verified = "Verification",
    .ok = "passed",
    .failed = "FAILED",
    .recon_title = "Pools: reconciliation",
    .recon_note = "Income = donations (gross) - fees - voided + refunds returned + interest + "
                  "transfers in; closing = opening + income - grants paid - transfers out. A "
                  "gift's fee is borne by its credited pool; a void takes back what was credited "
                  "(net of the fee).",
    .designated = "designated",
    .general_kind = "general",
    .designated_total = "Designated funds",
    .general_total = "General funds",
    .total = "Total",
    .net = "Total less voided",
    .none = "(none)",
    .status_title = "The fund in the year",
    .status_rows = {"Balance at the start", "Received (donations net, refunds)", "Interest",
                    "Spent (grants paid)", "Balance at the end"},
    .status_note = "Received = donations (gross) - fees - voided + refunds returned. Transfers "
                   "between pools stay in the fund and net to zero.",
    .months_title = "Donations by month and source (voids excluded)",
    .month = "Month",
    .signoff_title = "Sign-off",
    .signoff_roles = {"Prepared by", "Checked by", "Treasurer", "Auditor"},
    .signoff_rows = {"Name", "Date", "Seal / signature"},
    .date_blank = "",
    .chart_title = "Donations by month",
    .dcols = {"seq", "Date", "Receipt no.", "Kind", "Source", "Designation", "Credited to",
              "Amount", "Fee", "Designated", "General", "Method", "Reference", "Voided by",
              "Voided amount"},
    .lcols = {"seq", "Commit", "Time", "Kind", "Actor", "Leaf hash", "Fields"},
    .gcols = {"Application", "Applied",   "Group",         "Menu",    "Round",
              "Title",       "Requested", "Review scores", "Ceiling", "Decided",
              "Awarded",     "Decision",  "Payments",      "Paid",    "Settled",
              "Final",       "Refunded",  "Refund date",   "State",   "Pool"},
    .rcols = {"Kind", "Pool", "Opening", "Gifts", "Donations (gross)", "Fees", "Voids", "Voided",
              "Refunds returned", "Interest", "Transfers in", "Income", "Grants paid",
              "Transfers out", "Closing", "Committed", "Available"},
    .pcols = {"FY", "Kind", "Pool", "Opening", "In", "Out", "Closing", "Committed", "Available"},
    .mcols = {"Method", "Gifts", "Donations (gross)", "Fees", "Voids", "Voided", "Net received"},
    .other_method = "other",
    .bank_title = "Bank balance at the FY's end",
    .bank_book = "Book balance (all pools, closing)",
    .bank_entry = "Bank book balance (enter it)",
    .bank_diff = "Difference (bank - book)",
    .bank_note =
        "Voided: what was credited (net of the fee). Net received = gross - fees - voided.",
    .committed_now = "of which committed (awarded, unpaid)",
    .available_now = "of which available",
    .verify_title = "Verification at export time",
    .entries = "Entries",
    .commits = "Commits",
    .nodes = "Merkle nodes",
    .keys = "Keys",
    .error = "Error",
    .root_hex = "Root (hex)",
    .root_b64 = "Root (base64)",
    .same_value = "Hex and base64 are two spellings of the same 32-byte value (the checkpoint "
                  "uses base64).",
    .checkpoint = "Checkpoint",
    .unsigned_note = "(unsigned: kifu checkpoint makes a signed one)",
    .cosign_title = "Checkpoints cosigned by auditors",
    .cosign_cols = {"Auditor (key)", "Size", "Cosign seq", "Root (hex)", "Cosigned at",
                    "Extended?"},
    .cosign_note = "\"yes\": this ledger's tree over its first SIZE entries has the root the "
                   "auditor cosigned (entries since were only appended, none rewritten).",
    .yes = "yes",
    .no = "NO (it does not match)",
    .no_cosign = "(no cosigned checkpoint yet: kifu cosign)",
    .keys_title = "Keys",
    .kcols = {"ID", "Name", "Role", "Verifier key", "Affiliation", "Added (seq)", "Revoked (seq)"},
    .partial_fmt = "awarded %2$s of a ceiling of %1$s (%3$s less; rate %4$s; an award never "
                   "exceeds the pool's available money or the round's budget)",
    .rejected_fmt = "not awarded: %s",
    .full = "the ceiling in full",
    .open_fmt = "under review (not eligible under the rules in force: %s)",
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
    const char *header; /* the page header's left part (fund and FY) */
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
    kx_page_header(&t->s, t->header);
    if (t->total < 0) return; /* rows not counted: the caller sets the filter */
    lxw_row_t last = t->rows[t->part - 1] ? t->rows[t->part - 1] : 1;
    kx_note(&t->s, worksheet_autofilter(t->s.ws, 0, 0, last, (lxw_col_t)(t->ncols - 1)));
}

static void table_init(table *t, kx_book *b, const kx_formats *f, const char *name,
                       const char *const *cols, const double *widths, int ncols, int64_t total,
                       lxw_row_t reserve, const char *header)
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
    t->header = header;
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

/* "=SUBTOTAL(9,H2:H99)", or "=SUBTOTAL(9,'寄附'!H2:H1048572,'寄附 (2)'!H2:H50)"
 * over column col of every part: a total that follows the filters. */
static void subtotal_parts(const table *t, lxw_col_t col, kf_buf *out)
{
    char cn[4];
    kx_col_name(col, cn);
    kf_buf_puts(out, "=SUBTOTAL(9,");
    for (int i = 0; i < t->part; i++) {
        unsigned last = (unsigned)(t->rows[i] ? t->rows[i] : 1) + 1;
        if (t->part == 1)
            kf_buf_printf(out, "%s2:%s%u", cn, cn, last);
        else
            kf_buf_printf(out, "%s'%s'!%s2:%s%u", i ? "," : "", t->names[i], cn, cn, last);
    }
    kf_buf_puts(out, ")");
}

/* --- the workbook's state -------------------------------------------------- */

typedef struct {
    kx_audit_data d;
    const labels *lb;
    kf_statement_lang lang;
    table don, led;
    kf_key_info *keys;
    size_t nkeys;
    kf_buf text;
    char header[600]; /* the page header's left part */
    lxw_format *box, *box_head, *input, *note, *total_int;
    lxw_row_t summary_total_row; /* the Summary's total row (0-based), for the Reconciliation */
} audit;

static void set_widths(kx_sheet *s, const double *w, int n)
{
    for (int c = 0; c < n; c++)
        kx_note(s, worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, w[c], NULL));
}

static void formula(kx_sheet *s, lxw_row_t r, lxw_col_t c, lxw_format *f, kf_yen v, const char *fmt,
                    ...) __attribute__((format(printf, 6, 7)));
static void formula(kx_sheet *s, lxw_row_t r, lxw_col_t c, lxw_format *f, kf_yen v, const char *fmt,
                    ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    kx_formula(s, r, c, text, v, f);
}

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

static bool designated(const char *pool)
{
    return strcmp(pool, "general") != 0;
}

/* The lines a wrapped cell of `width` columns needs for text (a wide
 * character takes two: kx_char_width). */
static int wrapped_lines(const char *text, double width)
{
    int lines = 1;
    double col = 0;
    for (const char *p = text; *p;) {
        if (*p == '\n') {
            lines++;
            col = 0;
            p++;
            continue;
        }
        int w = kx_char_width(&p);
        col += w;
        if (col > width) {
            lines++;
            col = w;
        }
    }
    return lines;
}

/* --- 概要 Summary ------------------------------------------------------------ */

/* The reconciliation table from row r (its header); returns the row after
 * its last line. Rows: each pool, the total (SUBTOTAL), the designated and
 * general subtotals (SUMIF on the kind column). */
static lxw_row_t recon_table(audit *a, kx_sheet *s, lxw_row_t r)
{
    const labels *lb = a->lb;
    const kx_audit_data *d = &a->d;
    char c[R_NCOLS][4], name[512];
    for (int i = 0; i < R_NCOLS; i++) {
        kx_col_name((lxw_col_t)i, c[i]);
        kx_str(s, r, (lxw_col_t)i, lb->rcols[i], s->f->header);
    }
    r++;
    lxw_row_t first = r;
    /* general first, then the designated pools by name (as kifu balance) */
    kf_yen tot[R_NCOLS] = {0}, part[2][R_NCOLS] = {{0}};
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < d->nrecon; i++) {
            const kx_recon *p = &d->recon[i];
            if (designated(p->pool) != (pass == 1)) continue;
            unsigned x = (unsigned)r + 1;
            kf_yen income = p->gross - p->fee - p->voided + p->refunds + p->interest + p->xfer_in;
            kf_yen closing = p->fig.opening + income - p->paid - p->xfer_out;
            const kf_yen v[R_NCOLS] = {0,
                                       0,
                                       p->fig.opening,
                                       p->gifts,
                                       p->gross,
                                       p->fee,
                                       p->voids,
                                       p->voided,
                                       p->refunds,
                                       p->interest,
                                       p->xfer_in,
                                       income,
                                       p->paid,
                                       p->xfer_out,
                                       closing,
                                       p->fig.committed,
                                       closing - p->fig.committed};
            kx_str(s, r, R_KIND, pass ? lb->designated : lb->general_kind, s->f->top);
            kx_pool_name(a->d.names, p->pool, name, sizeof name);
            kx_str(s, r, R_POOL, name, s->f->wrap);
            /* (a CJK character prints a little narrower than two columns) */
            int lines = wrapped_lines(name, R_POOL_WIDTH + 4);
            if (lines > 1) kx_note(s, worksheet_set_row(s->ws, r, 16.0 * lines + 2, NULL));
            for (int k = R_OPENING; k < R_NCOLS; k++) {
                kf_add(tot[k], v[k], &tot[k]);
                kf_add(part[pass][k], v[k], &part[pass][k]);
                lxw_format *fmt = k == R_GIFTS || k == R_VOIDS ? s->f->integer : s->f->yen;
                if (k == R_INCOME)
                    formula(s, r, (lxw_col_t)k, fmt, v[k], "=%s%u-%s%u-%s%u+%s%u+%s%u+%s%u",
                            c[R_GROSS], x, c[R_FEE], x, c[R_VOIDED], x, c[R_REFUNDS], x,
                            c[R_INTEREST], x, c[R_XIN], x);
                else if (k == R_CLOSING)
                    formula(s, r, (lxw_col_t)k, fmt, v[k], "=%s%u+%s%u-%s%u-%s%u", c[R_OPENING], x,
                            c[R_INCOME], x, c[R_PAID], x, c[R_XOUT], x);
                else if (k == R_AVAILABLE)
                    formula(s, r, (lxw_col_t)k, fmt, v[k], "=%s%u-%s%u", c[R_CLOSING], x,
                            c[R_COMMITTED], x);
                else
                    kx_num(s, r, (lxw_col_t)k, v[k], fmt);
            }
            r++;
        }
    if (r == first) kx_str(s, r++, R_POOL, lb->none, NULL);
    a->summary_total_row = r;
    kx_str(s, r, R_KIND, lb->total, s->f->total_label);
    kx_str(s, r, R_POOL, "", s->f->total_label);
    for (int k = R_OPENING; k < R_NCOLS; k++)
        formula(s, r, (lxw_col_t)k, k == R_GIFTS || k == R_VOIDS ? a->total_int : s->f->total_yen,
                tot[k], "=SUBTOTAL(9,%s%u:%s%u)", c[k], (unsigned)first + 1, c[k], (unsigned)r);
    r++;
    const char *names[2] = {lb->general_total, lb->designated_total};
    const char *kinds[2] = {lb->general_kind, lb->designated};
    for (int pass = 1; pass >= 0; pass--, r++) {
        kx_str(s, r, R_KIND, names[pass], s->f->label);
        for (int k = R_OPENING; k < R_NCOLS; k++)
            formula(s, r, (lxw_col_t)k, k == R_GIFTS || k == R_VOIDS ? s->f->integer : s->f->yen,
                    part[pass][k], "=SUMIF(%s%u:%s%u,\"%s\",%s%u:%s%u)", c[R_KIND],
                    (unsigned)first + 1, c[R_KIND], (unsigned)a->summary_total_row, kinds[pass],
                    c[k], (unsigned)first + 1, c[k], (unsigned)a->summary_total_row);
    }
    return r;
}

/* 基金の運用状況: five lines that refer to the reconciliation's total row. */
static lxw_row_t status_table(audit *a, kx_sheet *s, lxw_row_t r)
{
    const labels *lb = a->lb;
    const kx_audit_data *d = &a->d;
    kf_yen t[R_NCOLS] = {0};
    for (size_t i = 0; i < d->nrecon; i++) {
        const kx_recon *p = &d->recon[i];
        kf_add(t[R_OPENING], p->fig.opening, &t[R_OPENING]);
        kf_add(t[R_GROSS], p->gross, &t[R_GROSS]);
        kf_add(t[R_FEE], p->fee, &t[R_FEE]);
        kf_add(t[R_VOIDED], p->voided, &t[R_VOIDED]);
        kf_add(t[R_REFUNDS], p->refunds, &t[R_REFUNDS]);
        kf_add(t[R_INTEREST], p->interest, &t[R_INTEREST]);
        kf_add(t[R_PAID], p->paid, &t[R_PAID]);
    }
    unsigned tr = (unsigned)a->summary_total_row + 1;
    char c[R_NCOLS][4];
    for (int i = 0; i < R_NCOLS; i++)
        kx_col_name((lxw_col_t)i, c[i]);
    kx_str(s, r++, 0, lb->status_title, s->f->label);
    lxw_row_t first = r;
    kf_yen in = t[R_GROSS] - t[R_FEE] - t[R_VOIDED] + t[R_REFUNDS];
    kf_yen end = t[R_OPENING] + in + t[R_INTEREST] - t[R_PAID];
    for (int i = 0; i < 5; i++, r++) {
        kx_str(s, r, 0, lb->status_rows[i], i == 4 ? s->f->total_label : s->f->label);
        kx_str(s, r, 1, "", i == 4 ? s->f->total_label : NULL);
        lxw_format *f = i == 4 ? s->f->total_yen : s->f->yen;
        switch (i) {
        case 0:
            formula(s, r, 2, f, t[R_OPENING], "=%s%u", c[R_OPENING], tr);
            break;
        case 1:
            formula(s, r, 2, f, in, "=%s%u-%s%u-%s%u+%s%u", c[R_GROSS], tr, c[R_FEE], tr,
                    c[R_VOIDED], tr, c[R_REFUNDS], tr);
            break;
        case 2:
            formula(s, r, 2, f, t[R_INTEREST], "=%s%u", c[R_INTEREST], tr);
            break;
        case 3:
            formula(s, r, 2, f, t[R_PAID], "=%s%u", c[R_PAID], tr);
            break;
        default:
            formula(s, r, 2, f, end, "=C%u+C%u+C%u-C%u", (unsigned)first + 1, (unsigned)first + 2,
                    (unsigned)first + 3, (unsigned)first + 4);
        }
    }
    kx_str(s, r++, 0, lb->status_note, a->note);
    return r;
}

static lxw_row_t months_table(audit *a, kx_sheet *s, lxw_row_t r)
{
    const labels *lb = a->lb;
    kx_str(s, r++, 0, lb->months_title, s->f->label);
    lxw_row_t hdr = r;
    kx_str(s, r, 0, lb->month, s->f->header);
    for (int k = 0; k < KX_NSRC; k++)
        kx_str(s, r, (lxw_col_t)(1 + k), kx_source_kind_name(k, a->lang), s->f->header);
    kx_str(s, r, 1 + KX_NSRC, lb->total, s->f->header);
    r++;
    kf_yen col_total[KX_NSRC + 1] = {0};
    char a0[4], a1[4], text[64], first[11], last[11];
    kx_col_name(1, a0);
    kx_col_name(KX_NSRC, a1);
    kf_rules_fy_bounds(a->d.rules, a->d.o->fy, first, last);
    int y0 = a->d.o->fy, m0 = a->d.rules->fy_start_month;
    for (int i = 0; i < 12; i++, r++) {
        int month = (m0 - 1 + i) % 12 + 1, year = y0 + (m0 - 1 + i) / 12;
        if (a->lang == KF_STATEMENT_JA) {
            char day[32], w[64];
            snprintf(day, sizeof day, "%04d-%02d-01", year, month);
            kx_wareki(day, w, sizeof w);
            char *nen = strstr(w, "月");
            if (nen) nen[strlen("月")] = '\0'; /* 令和8年4月 */
            snprintf(text, sizeof text, "%s", w);
        } else {
            snprintf(text, sizeof text, "%d-%02d", year, month);
        }
        kx_str(s, r, 0, text, NULL);
        kf_yen row_total = 0;
        for (int k = 0; k < KX_NSRC; k++) {
            kx_num(s, r, (lxw_col_t)(1 + k), a->d.months[i][k], s->f->yen);
            kf_add(row_total, a->d.months[i][k], &row_total);
            kf_add(col_total[k], a->d.months[i][k], &col_total[k]);
        }
        kf_add(col_total[KX_NSRC], row_total, &col_total[KX_NSRC]);
        formula(s, r, 1 + KX_NSRC, s->f->yen, row_total, "=SUM(%s%u:%s%u)", a0, (unsigned)r + 1, a1,
                (unsigned)r + 1);
    }
    kx_str(s, r, 0, lb->total, s->f->total_label);
    for (int k = 0; k <= KX_NSRC; k++) {
        char cn[4];
        kx_col_name((lxw_col_t)(1 + k), cn);
        formula(s, r, (lxw_col_t)(1 + k), s->f->total_yen, col_total[k], "=SUM(%s%u:%s%u)", cn,
                (unsigned)hdr + 2, cn, (unsigned)r);
    }
    /* The chart: one stacked column per month, a series per source kind,
     * to the right of the table. */
    lxw_chart *chart = workbook_add_chart(a->don.book->wb, LXW_CHART_COLUMN_STACKED);
    if (chart) {
        for (int k = 0; k < KX_NSRC; k++) {
            lxw_chart_series *ser = chart_add_series(chart, NULL, NULL);
            if (!ser) continue;
            chart_series_set_categories(ser, s->ws->name, hdr + 1, 0, hdr + 12, 0);
            chart_series_set_values(ser, s->ws->name, hdr + 1, (lxw_col_t)(1 + k), hdr + 12,
                                    (lxw_col_t)(1 + k));
            chart_series_set_name_range(ser, s->ws->name, hdr, (lxw_col_t)(1 + k));
        }
        chart_title_set_name(chart, lb->chart_title);
        chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
        lxw_chart_options opt = {.x_scale = 1.6, .y_scale = 0.95};
        kx_note(s, worksheet_insert_chart_opt(s->ws, hdr, 2 + KX_NSRC + 1, chart, &opt));
    }
    return r + 1;
}

/* The sign-off block: two columns per role (merged), rows for name, date
 * and seal. */
static lxw_row_t signoff(audit *a, kx_sheet *s, lxw_row_t r)
{
    const labels *lb = a->lb;
    kx_str(s, r++, 0, lb->signoff_title, s->f->label);
    kx_str(s, r, 0, "", a->box);
    for (int i = 0; i < 4; i++)
        kx_note(s,
                worksheet_merge_range(s->ws, r, (lxw_col_t)(1 + 2 * i), r, (lxw_col_t)(2 + 2 * i),
                                      lb->signoff_roles[i], a->box_head));
    r++;
    for (int k = 0; k < 3; k++, r++) {
        if (k == 2) kx_note(s, worksheet_set_row(s->ws, r, 54, NULL));
        kx_str(s, r, 0, lb->signoff_rows[k], a->box);
        for (int i = 0; i < 4; i++)
            kx_note(s, worksheet_merge_range(s->ws, r, (lxw_col_t)(1 + 2 * i), r,
                                             (lxw_col_t)(2 + 2 * i), k == 1 ? lb->date_blank : "",
                                             a->box));
    }
    return r;
}

static void write_summary(audit *a, kx_sheet *s, const kf_ledger_info *info, const char *root,
                          const char *exported, bool verified, const char *why)
{
    const labels *lb = a->lb;
    char text[1024], first[11], last[11], d1[64], d2[64];
    kx_str(s, 0, 0, lb->title, s->f->title);
    kx_str(s, 1, 0, lb->fund, s->f->label);
    kx_str(s, 1, 2, info->fund, NULL);
    kf_rules_fy_bounds(a->d.rules, a->d.o->fy, first, last);
    kx_str(s, 2, 0, lb->fy, s->f->label);
    kx_fy_name(a->lang, first, a->d.o->fy, text, sizeof text);
    kx_str(s, 2, 2, text, NULL);
    kx_str(s, 2, 4, lb->period, s->f->label);
    kx_date_text(a->lang, first, d1, sizeof d1);
    kx_date_text(a->lang, last, d2, sizeof d2);
    snprintf(text, sizeof text, "%s – %s", d1, d2);
    kx_str(s, 2, 6, text, NULL);
    kx_str(s, 3, 0, lb->size, s->f->label);
    kx_num(s, 3, 2, a->d.size, s->f->integer);
    kx_str(s, 3, 4, lb->root, s->f->label);
    kx_str(s, 3, 6, root, NULL);
    kx_str(s, 4, 0, lb->exported, s->f->label);
    kx_str(s, 4, 2, exported, NULL);
    kx_str(s, 4, 4, "", NULL);
    kx_str(s, 4, 6, lb->root_note, a->note);
    kx_str(s, 5, 0, lb->verified, s->f->label);
    snprintf(text, sizeof text, "%s%s%s", verified ? lb->ok : lb->failed, verified ? "" : ": ",
             verified ? "" : why);
    kx_str(s, 5, 2, text, verified ? NULL : s->f->label);

    lxw_row_t r = 7;
    kx_str(s, r++, 0, lb->recon_title, s->f->label);
    r = recon_table(a, s, r);
    kx_str(s, r++, 0, lb->recon_note, a->note);
    r += 1;
    r = status_table(a, s, r);
    r += 1;
    r = months_table(a, s, r);
    r += 1;
    signoff(a, s, r);
    static const double widths[R_NCOLS] = {12, R_POOL_WIDTH, 13, 12, 13, 12, 9,  11, 12,
                                           10, 10,           13, 12, 10, 13, 12, 13};
    set_widths(s, widths, R_NCOLS);
}

/* --- 寄附 Donations ------------------------------------------------------- */

static void donation_row(audit *a, int64_t seq)
{
    kf_entry *e = NULL;
    kf_err err = {0};
    if (kf_ledger_entry(a->d.l, seq, &e, &err) != KF_OK) {
        a->d.rc = kf_fail(a->d.err, KF_SYSTEM, "reading seq %lld: %s", (long long)seq, err.msg);
        return;
    }
    int64_t fy = 0, amount = 0, fee = 0, credit = 0, general = 0;
    kf_entry_int(e, "fy", &fy);
    kf_entry_int(e, "amount", &amount);
    kf_entry_int(e, "fee", &fee);
    kf_entry_int(e, "credit", &credit);
    kf_entry_int(e, "credit_general", &general);
    const char *date = kf_entry_str(e, "date"), *source = kf_entry_str(e, "source");
    const char *to = kf_entry_str(e, "to"), *pool = kf_entry_str(e, "credit_pool");
    const char *method = kf_entry_str(e, "method"), *ref = kf_entry_str(e, "ref");
    int64_t by = kx_voided_by(&a->d.voids, seq);
    lxw_row_t r = table_row(&a->don);
    kx_sheet *s = &a->don.s;
    char text[512];
    if (s->ws) {
        kx_num(s, r, D_SEQ, seq, s->f->integer);
        if (date) kx_date(s, r, D_DATE, date);
        snprintf(text, sizeof text, "%lld-%06lld", (long long)fy, (long long)seq);
        kx_str(s, r, D_RECEIPT, text, NULL);
        kx_str(s, r, D_KIND, kx_kind_name(e->kind, a->lang), NULL);
        kx_source_name(a->d.names, source ? source : "direct", text, sizeof text);
        kx_str(s, r, D_SOURCE, text, NULL);
        kx_pool_name(a->d.names, to ? to : "general", text, sizeof text);
        kx_str(s, r, D_TO, text, NULL);
        kx_pool_name(a->d.names, pool ? pool : "general", text, sizeof text);
        kx_str(s, r, D_POOL, text, NULL);
        kx_num(s, r, D_AMOUNT, amount, s->f->yen);
        kx_num(s, r, D_FEE, fee, s->f->yen);
        kx_num(s, r, D_CREDIT, credit, s->f->yen);
        kx_num(s, r, D_GENERAL, general, s->f->yen);
        if (method) kx_str(s, r, D_METHOD, kx_method_name(method, a->lang), NULL);
        if (ref) kx_str(s, r, D_REF, ref, NULL);
        if (by) {
            kx_num(s, r, D_VOID, by, s->f->integer);
            kx_num(s, r, D_VOIDED, amount, s->f->yen);
        }
    }
    kf_entry_free(e);
}

static void donation_totals(audit *a)
{
    table *t = &a->don;
    kx_sheet *s = &t->s;
    const labels *lb = a->lb;
    static const lxw_col_t money[5] = {D_AMOUNT, D_FEE, D_CREDIT, D_GENERAL, D_VOIDED};
    if (!s->ws) return;
    if (t->total == 0) kx_str(s, t->row++, D_DATE, lb->none, NULL);
    lxw_row_t r = t->row;
    kf_buf f = {0};
    kx_str(s, r, D_SEQ, lb->total, s->f->total_label);
    for (int k = 0; k < 5; k++) {
        f.len = 0;
        subtotal_parts(t, money[k], &f);
        if (kf_buf_put(&f, "", 1))
            kx_formula(s, r, money[k], f.data, a->d.total[k], s->f->total_yen);
    }
    char amount[4], voided[4];
    kx_col_name(D_AMOUNT, amount);
    kx_col_name(D_VOIDED, voided);
    kx_str(s, r + 1, D_SEQ, lb->net, s->f->label);
    formula(s, r + 1, D_AMOUNT, s->f->yen, a->d.total[0] - a->d.total[4], "=%s%u-%s%u", amount,
            (unsigned)r + 1, voided, (unsigned)r + 1);
    kf_buf_free(&f);
}

/* --- 助成（交付台帳） Grants ------------------------------------------------ */

static void why_text(audit *a, const kf_grant_row *g, const kx_grant_extra *x, char *out,
                     size_t size)
{
    out[0] = '\0';
    if (!strcmp(g->status, "rejected")) {
        char words[512];
        kx_reasons_text(x->reason, a->lang, words, sizeof words);
        snprintf(out, size, a->lb->rejected_fmt, words);
    } else if (!strcmp(g->status, "open")) {
        /* Why it would not be funded, under the rules in force. */
        kf_grant_detail det;
        kf_err e = {0};
        if (kf_grant_show(a->d.l, g->id, &det, &e) == KF_OK && !det.ev.eligible) {
            char codes[256] = "", words[512];
            size_t len = 0;
            for (int i = 0; i < det.ev.nreasons && len < sizeof codes; i++)
                len += (size_t)snprintf(codes + len, sizeof codes - len, "%s%s", i ? "," : "",
                                        det.ev.reasons[i]);
            kx_reasons_text(codes, a->lang, words, sizeof words);
            snprintf(out, size, a->lb->open_fmt, words);
        }
    } else if (x->has_ceiling) {
        if (g->approved < x->ceiling) {
            char c[32], v[32], diff[32];
            kx_yen_text(a->lang, x->ceiling, c, sizeof c);
            kx_yen_text(a->lang, g->approved, v, sizeof v);
            kx_yen_text(a->lang, x->ceiling - g->approved, diff, sizeof diff);
            snprintf(out, size, a->lb->partial_fmt, c, v, diff, x->rate);
        } else {
            snprintf(out, size, "%s", a->lb->full);
        }
    }
}

static void write_grants(audit *a, table *t)
{
    kx_sheet *s = &t->s;
    const kx_audit_data *d = &a->d;
    if (!s->ws) return;
    kf_yen totals[G_NCOLS] = {0};
    static const int money[] = {G_REQUESTED, G_CEILING, G_APPROVED, G_PAID, G_FINAL, G_REFUNDED};
    /* by application date, then seq */
    size_t *order = malloc((d->ngrows ? d->ngrows : 1) * sizeof *order);
    if (!order) {
        a->d.rc = kf_fail(a->d.err, KF_SYSTEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < d->ngrows; i++)
        order[i] = i;
    for (size_t i = 1; i < d->ngrows; i++) /* few rows: insertion sort, stable */
        for (size_t j = i;
             j > 0 && strcmp(d->gx[order[j - 1]].applied, d->gx[order[j]].applied) > 0; j--) {
            size_t tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    char text[1024];
    for (size_t i = 0; i < d->ngrows; i++) {
        const kf_grant_row *g = &d->grows[order[i]];
        const kx_grant_extra *x = &d->gx[order[i]];
        lxw_row_t r = table_row(t);
        why_text(a, g, x, text, sizeof text);
        char scores[160] = "", pool[512] = "";
        if (x->nscores)
            snprintf(scores, sizeof scores,
                     a->lang == KF_STATEMENT_JA ? "%s（平均 %.2f）" : "%s (mean %.2f)", x->scores,
                     (double)x->score_sum / x->nscores);
        if (g->pool[0]) kx_pool_name(d->names, g->pool, pool, sizeof pool);
        const char *gname = kx_group_name(d->names, g->group);
        if (!*gname) gname = g->group;
        /* The row is as tall as its longest wrapped cell. */
        const struct {
            int col;
            const char *text;
        } wrapped[] = {{G_GROUP, gname},
                       {G_MENU, kx_menu_name(d->names, g->menu)},
                       {G_TITLE, g->title},
                       {G_SCORES, scores},
                       {G_WHY, text},
                       {G_PAYS, x->pays.data ? x->pays.data : ""},
                       {G_STATE, kx_grant_state(g, a->lang)},
                       {G_POOL, pool}};
        int lines = 1;
        for (size_t k = 0; k < sizeof wrapped / sizeof wrapped[0]; k++) {
            int n = wrapped_lines(wrapped[k].text, t->widths[wrapped[k].col] - 1);
            if (n > lines) lines = n;
            kx_str(s, r, (lxw_col_t)wrapped[k].col, wrapped[k].text, s->f->wrap);
        }
        if (lines > 1) kx_note(s, worksheet_set_row(s->ws, r, 16.0 * lines + 2, NULL));
        kx_str(s, r, G_ID, g->id, s->f->top);
        if (x->applied[0]) kx_date(s, r, G_APPLIED, x->applied);
        kx_str(s, r, G_ROUND, g->round, s->f->top);
        if (x->decided[0]) kx_date(s, r, G_DECIDED, x->decided);
        if (x->settled[0]) kx_date(s, r, G_SETTLED, x->settled);
        if (x->refunded[0]) kx_date(s, r, G_REFUND_DATE, x->refunded);
        const kf_yen v[] = {g->requested, x->has_ceiling ? x->ceiling : 0, g->approved,
                            g->paid,      g->settled ? g->final : 0,       g->refunded};
        for (size_t k = 0; k < sizeof money / sizeof money[0]; k++) {
            if ((money[k] == G_FINAL && !g->settled) || (money[k] == G_CEILING && !x->has_ceiling))
                continue;
            kx_num(s, r, (lxw_col_t)money[k], v[k], s->f->yen);
            kf_add(totals[money[k]], v[k], &totals[money[k]]);
        }
    }
    free(order);
    if (!d->ngrows) kx_str(s, t->row++, G_ID, a->lb->none, NULL);
    lxw_row_t r = t->row;
    kx_str(s, r, G_ID, a->lb->total, s->f->total_label);
    for (size_t k = 0; k < sizeof money / sizeof money[0]; k++) {
        char cn[4];
        kx_col_name((lxw_col_t)money[k], cn);
        formula(s, r, (lxw_col_t)money[k], s->f->total_yen, totals[money[k]],
                "=SUBTOTAL(9,%s2:%s%u)", cn, cn, (unsigned)r);
    }
    a->d.res->applications = (int64_t)d->ngrows;
}

/* --- 財源 Pools ---------------------------------------------------------- */

/* The pools' rows of FY fy from row r, then a total row; returns the row
 * after it. The FY is in the first column of every row (the total row too,
 * so that filtering on the FY keeps its total). */
static lxw_row_t pool_rows(audit *a, kx_sheet *s, lxw_row_t r, int fy)
{
    kf_pool_figures *rows = NULL, total;
    size_t n = 0;
    char name[512], fyname[64], first_day[11], last_day[11], cn[P_NCOLS][4];
    kx_audit_data *d = &a->d;
    if ((d->rc = kf_pools_figures(d->l, fy, &rows, &n, &total, d->err))) return r;
    kf_rules_fy_bounds(d->rules, fy, first_day, last_day);
    kx_fy_name(a->lang, first_day, fy, fyname, sizeof fyname);
    for (int i = 0; i < P_NCOLS; i++)
        kx_col_name((lxw_col_t)i, cn[i]);
    lxw_row_t first = r;
    for (size_t i = 0; i < n; i++, r++) {
        const kf_pool_figures *p = &rows[i];
        unsigned x = (unsigned)r + 1;
        kx_str(s, r, P_FY, fyname, NULL);
        kx_str(s, r, P_KIND, designated(p->pool) ? a->lb->designated : a->lb->general_kind, NULL);
        kx_pool_name(d->names, p->pool, name, sizeof name);
        kx_str(s, r, P_POOL, name, NULL);
        kx_num(s, r, P_OPENING, p->opening, s->f->yen);
        kx_num(s, r, P_IN, p->in, s->f->yen);
        kx_num(s, r, P_OUT, p->out, s->f->yen);
        formula(s, r, P_CLOSING, s->f->yen, p->balance, "=%s%u+%s%u-%s%u", cn[P_OPENING], x,
                cn[P_IN], x, cn[P_OUT], x);
        kx_num(s, r, P_COMMITTED, p->committed, s->f->yen);
        formula(s, r, P_AVAILABLE, s->f->yen, p->available, "=%s%u-%s%u", cn[P_CLOSING], x,
                cn[P_COMMITTED], x);
    }
    if (!n) {
        kx_str(s, r, P_FY, fyname, NULL);
        kx_str(s, r++, P_POOL, a->lb->none, NULL);
    }
    kx_str(s, r, P_FY, fyname, s->f->total_label);
    kx_str(s, r, P_KIND, a->lb->total, s->f->total_label);
    kx_str(s, r, P_POOL, "", s->f->total_label);
    const kf_yen tv[6] = {total.opening, total.in,        total.out,
                          total.balance, total.committed, total.available};
    for (int i = 0; i < 6; i++) {
        lxw_col_t col = (lxw_col_t)(P_OPENING + i);
        if (n)
            formula(s, r, col, s->f->total_yen, tv[i], "=SUBTOTAL(9,%s%u:%s%u)", cn[col],
                    (unsigned)first + 1, cn[col], (unsigned)r);
        else
            kx_formula(s, r, col, "=0", 0, s->f->total_yen);
    }
    free(rows);
    return r + 1;
}

static void write_pools(audit *a, table *t)
{
    if (!t->s.ws) return;
    int from = a->d.first_fy && a->d.first_fy < a->d.o->fy ? a->d.first_fy : a->d.o->fy;
    lxw_row_t r = 1;
    for (int fy = from; fy <= a->d.o->fy && !a->d.rc; fy++)
        r = pool_rows(a, &t->s, r, fy) + 1;
    /* One filter over every FY's rows, up to the last total row (the row
     * written last: constant_memory mode allows it now). */
    if (!a->d.rc && r >= 3)
        kx_note(&t->s, worksheet_autofilter(t->s.ws, 0, 0, r - 2, (lxw_col_t)(P_NCOLS - 1)));
}

/* --- 照合 Reconciliation --------------------------------------------------- */

static void write_recon(audit *a, kx_sheet *s)
{
    const labels *lb = a->lb;
    const kx_audit_data *d = &a->d;
    static const char *const codes[KX_NMETHOD] = {"cash", "transfer", "card", "slip", NULL};
    char c[M_NCOLS][4];
    if (!s->ws) return;
    for (int i = 0; i < M_NCOLS; i++) {
        kx_col_name((lxw_col_t)i, c[i]);
        kx_str(s, 0, (lxw_col_t)i, lb->mcols[i], s->f->header);
    }
    lxw_row_t r = 1;
    kf_yen tot[M_NCOLS] = {0};
    for (int m = 0; m < KX_NMETHOD; m++) {
        const kx_method_sum *x = &d->methods[m];
        if (m == KX_M_OTHER && !x->gifts && !x->voids) continue;
        unsigned row = (unsigned)r + 1;
        kx_str(s, r, M_METHOD, codes[m] ? kx_method_name(codes[m], a->lang) : lb->other_method,
               NULL);
        const kf_yen v[M_NCOLS] = {
            0, x->gifts, x->gross, x->fee, x->voids, x->voided, x->gross - x->fee - x->voided};
        for (int k = 1; k < M_NCOLS; k++) {
            kf_add(tot[k], v[k], &tot[k]);
            lxw_format *f = k == M_GIFTS || k == M_VOIDS ? s->f->integer : s->f->yen;
            if (k == M_NET)
                formula(s, r, (lxw_col_t)k, f, v[k], "=%s%u-%s%u-%s%u", c[M_GROSS], row, c[M_FEE],
                        row, c[M_VOIDED], row);
            else
                kx_num(s, r, (lxw_col_t)k, v[k], f);
        }
        r++;
    }
    kx_note(s, worksheet_autofilter(s->ws, 0, 0, r - 1, M_NCOLS - 1));
    kx_str(s, r, M_METHOD, lb->total, s->f->total_label);
    for (int k = 1; k < M_NCOLS; k++)
        formula(s, r, (lxw_col_t)k, s->f->total_yen, tot[k], "=SUBTOTAL(9,%s2:%s%u)", c[k], c[k],
                (unsigned)r);
    r++;
    kx_str(s, r++, 0, lb->bank_note, a->note);
    r++;
    /* The bank book: the books' closing balance (the Summary's total row)
     * beside a cell for the balance the bank book shows. */
    kf_yen closing = 0, committed = 0;
    for (size_t i = 0; i < d->nrecon; i++) {
        kf_add(closing, d->recon[i].fig.balance, &closing);
        kf_add(committed, d->recon[i].fig.committed, &committed);
    }
    char cl[4], cm[4];
    kx_col_name(R_CLOSING, cl);
    kx_col_name(R_COMMITTED, cm);
    unsigned tr = (unsigned)a->summary_total_row + 1;
    kx_str(s, r++, 0, lb->bank_title, s->f->label);
    lxw_row_t book = r;
    kx_str(s, r, 0, lb->bank_book, s->f->label);
    formula(s, r++, 2, s->f->yen, closing, "='%s'!%s%u", lb->summary, cl, tr);
    kx_str(s, r, 0, lb->committed_now, NULL);
    formula(s, r++, 2, s->f->yen, committed, "='%s'!%s%u", lb->summary, cm, tr);
    kx_str(s, r, 0, lb->available_now, NULL);
    formula(s, r++, 2, s->f->yen, closing - committed, "=C%u-C%u", (unsigned)book + 1,
            (unsigned)book + 2);
    lxw_row_t entry = r;
    kx_str(s, r, 0, lb->bank_entry, s->f->label);
    kx_note(s, worksheet_write_blank(s->ws, r++, 2, a->input));
    kx_str(s, r, 0, lb->bank_diff, s->f->label);
    char f[128];
    snprintf(f, sizeof f, "=IF(C%u=\"\",\"\",C%u-C%u)", (unsigned)entry + 1, (unsigned)entry + 1,
             (unsigned)book + 1);
    kx_note(s, worksheet_write_formula_str(s->ws, r, 2, f, s->f->yen, ""));
    static const double widths[M_NCOLS] = {34, 10, 16, 14, 10, 14, 16};
    set_widths(s, widths, M_NCOLS);
}

/* --- 台帳 Ledger ------------------------------------------------------------ */

static void ledger_row(audit *a, const kf_row *row)
{
    lxw_row_t r = table_row(&a->led);
    kx_sheet *s = &a->led.s;
    char hex[65], actor[96];
    if (!s->ws) return;
    a->text.len = 0;
    if (!kf_entry_fields_text(row->entry, &a->text) || !kf_buf_put(&a->text, "", 1)) {
        a->d.rc = kf_fail(a->d.err, KF_SYSTEM, "out of memory");
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
    a->d.res->ledger_rows++;
}

#define PAST_SIZE 1000

static int ledger_entry(void *ctx, const kf_row *row)
{
    audit *a = ctx;
    if (row->seq > a->d.size) return PAST_SIZE;
    ledger_row(a, row);
    if (a->d.o->on_progress && row->seq % 4096 == 0)
        a->d.o->on_progress(a->d.o->ctx, a->d.size / 2 + row->seq / 2, a->d.size);
    return a->d.rc; /* the scan returns it */
}

/* --- 検証 Verification ---------------------------------------------------- */

static void write_verification(audit *a, kx_sheet *sp, const kf_code vrc,
                               const kf_verify_report *rep, const char *why, kf_buf *note,
                               const char *note_err)
{
    const labels *lb = a->lb;
    const kx_formats *fm = sp->f;
    kx_sheet s = *sp;
    char text[600], root[65], b64[64];
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
    sodium_bin2base64(b64, sizeof b64, rep->root, KF_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
    kx_str(&s, r, 0, lb->root_hex, fm->label);
    kx_str(&s, r++, 1, vrc ? "" : root, NULL);
    kx_str(&s, r, 0, lb->root_b64, fm->label);
    kx_str(&s, r++, 1, vrc ? "" : b64, NULL);
    kx_str(&s, r++, 1, lb->same_value, a->note);

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
        if (kf_ledger_get_info(a->d.l, &info, NULL) == KF_OK &&
            kf_ledger_root(a->d.l, a->d.size, h, NULL) == KF_OK) {
            sodium_bin2base64(b64, sizeof b64, h, KF_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
            kx_str(&s, r++, 0, info.origin, NULL);
            snprintf(text, sizeof text, "%lld", (long long)a->d.size);
            kx_str(&s, r++, 0, text, NULL);
            kx_str(&s, r++, 0, b64, NULL);
        }
        kx_str(&s, r++, 0, note_err && *note_err ? note_err : lb->unsigned_note, NULL);
    }

    /* Every cosigned checkpoint, and whether this ledger extends it: its
     * tree at the cosigned size still has the cosigned root. */
    r++;
    kx_str(&s, r++, 0, lb->cosign_title, fm->label);
    for (int c = 0; c < 6; c++)
        kx_str(&s, r, (lxw_col_t)c, lb->cosign_cols[c], fm->header);
    r++;
    if (!a->d.ncosigns) kx_str(&s, r++, 0, lb->no_cosign, NULL);
    for (size_t i = 0; i < a->d.ncosigns; i++, r++) {
        const kx_cosign *c = &a->d.cosigns[i];
        kf_hash h;
        char hex[65] = "", actor[96];
        bool extends = c->size >= 1 && c->size <= a->d.size &&
                       kf_ledger_root(a->d.l, c->size, h, NULL) == KF_OK;
        if (extends) {
            kf_hex(h, KF_HASH_LEN, hex);
            extends = !strcmp(hex, c->root);
        }
        kx_str(&s, r, 0, actor_name(a, c->auditor, actor, sizeof actor), NULL);
        kx_num(&s, r, 1, c->size, fm->integer);
        kx_num(&s, r, 2, c->seq, fm->integer);
        kx_str(&s, r, 3, c->root, NULL);
        kx_str(&s, r, 4, c->time, NULL);
        kx_str(&s, r, 5, extends ? lb->yes : lb->no, extends ? NULL : fm->label);
    }
    kx_str(&s, r++, 0, lb->cosign_note, a->note);

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
        kx_str(&s, r, 2, kx_role_name(k->role, a->lang), NULL);
        kx_str(&s, r, 3, vkey, NULL);
        kx_str(&s, r, 4, k->affiliation, NULL);
        kx_num(&s, r, 5, k->added_seq, fm->integer);
        if (k->revoked_seq) kx_num(&s, r, 6, k->revoked_seq, fm->integer);
    }
    static const double widths[7] = {22, 16, 16, 70, 27, 12, 10};
    set_widths(&s, widths, 7);
}

/* --- the workbook ----------------------------------------------------------- */

static void add_formats(audit *a, lxw_workbook *wb)
{
    a->box = workbook_add_format(wb);
    format_set_border(a->box, LXW_BORDER_THIN);
    format_set_align(a->box, LXW_ALIGN_VERTICAL_CENTER);
    a->box_head = workbook_add_format(wb);
    format_set_border(a->box_head, LXW_BORDER_THIN);
    format_set_bold(a->box_head);
    format_set_align(a->box_head, LXW_ALIGN_CENTER);
    format_set_bg_color(a->box_head, 0xDDEBF7);
    a->input = workbook_add_format(wb);
    format_set_border(a->input, LXW_BORDER_THIN);
    format_set_bg_color(a->input, 0xFFF2CC);
    format_set_num_format(a->input, kx_yen_format(a->lang));
    a->total_int = workbook_add_format(wb);
    format_set_bold(a->total_int);
    format_set_top(a->total_int, LXW_BORDER_DOUBLE);
    format_set_num_format(a->total_int, "#,##0");
    a->note = workbook_add_format(wb);
    format_set_italic(a->note);
    format_set_font_color(a->note, 0x595959);
}

kf_code kf_audit_xlsx(kf_ledger *l, const kf_audit_opts *o, const char *path, kf_audit_result *res,
                      kf_err *err)
{
    const labels *lb = o->lang == KF_STATEMENT_EN ? &EN : &JA;
    static const double dwidths[D_NCOLS] = {8, 15, 13, 12, 20, 22, 22, 12,
                                            9, 12, 12, 12, 16, 8,  11};
    static const double lwidths[L_NCOLS] = {8, 7, 25, 16, 20, 66, 140};
    static const double gwidths[G_NCOLS] = {11, 14, 14, 14, 10, 16, 11, 11, 11, 14,
                                            11, 26, 22, 11, 14, 11, 10, 14, 12, 14};
    static const double pwidths[P_NCOLS] = {12, 8, 26, 14, 14, 14, 14, 14, 14};
    kf_err verr = {0};
    char exported[40], root[65], why[sizeof verr.msg] = "", title[512], fyname[64], first[11],
                                            last[11];
    kf_ledger_info info;
    kf_verify_report rep;
    kf_rules *rules = NULL;
    kx_names *names = NULL;
    kf_hash h;
    kx_book b;
    kx_formats fm;
    kf_code rc;
    memset(res, 0, sizeof *res);
    audit a = {.lb = lb, .lang = o->lang};
    a.d = (kx_audit_data){.l = l, .o = o, .res = res, .err = err};
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
    if ((rc = kf_rules_current(l, rules, NULL, err)) ||
        (rc = kx_names_load(l, o->lang, &names, err)))
        goto out_rules;
    a.d.rules = rules;
    a.d.names = names;
    a.d.size = info.size;
    res->size = info.size;
    kf_hex(h, KF_HASH_LEN, root);
    snprintf(res->root_hex, sizeof res->root_hex, "%s", root);
    kf_rules_fy_bounds(rules, o->fy, first, last);
    kx_fy_name(o->lang, first, o->fy, fyname, sizeof fyname);
    /* The page header: fund and FY on the left ("&" doubled), the sheet on
     * the right. */
    {
        size_t k = 0;
        for (const char *p = info.fund; *p && k + 3 < sizeof a.header - 80; p++) {
            if (*p == '&') a.header[k++] = '&';
            a.header[k++] = *p;
        }
        snprintf(a.header + k, sizeof a.header - k, "　%s", fyname);
    }

    /* Everything below reads one snapshot, of size info.size. */
    if ((rc = kf_ledger_keys(l, &a.keys, &a.nkeys, err))) goto out_free;
    if ((rc = kx_audit_gather(&a.d, err))) goto out_free;

    if ((rc = kx_book_open(&b, path, true, err))) goto out_free;
    kx_formats_add(b.wb, &fm, kx_date_format(o->lang), kx_yen_format(o->lang));
    add_formats(&a, b.wb);
    /* All sheets are added first, in their order; continued parts
     * ("台帳 (2)") come after the last sheet. */
    kx_sheet summary = {
        .ws = workbook_add_worksheet(b.wb, lb->summary), .error = &b.error, .f = &fm};
    table grants, pools;
    table_init(&a.don, &b, &fm, lb->donations, lb->dcols, dwidths, D_NCOLS, res->donations, 4,
               a.header);
    table_init(&grants, &b, &fm, lb->grants, lb->gcols, gwidths, G_NCOLS, (int64_t)a.d.ngrows, 2,
               a.header);
    table_init(&pools, &b, &fm, lb->pools, lb->pcols, pwidths, P_NCOLS, -1, 0, a.header);
    kx_sheet recon = {.ws = workbook_add_worksheet(b.wb, lb->recon), .error = &b.error, .f = &fm};
    table_init(&a.led, &b, &fm, lb->ledger, lb->lcols, lwidths, L_NCOLS, a.d.size, 0, a.header);
    kx_sheet verification = {
        .ws = workbook_add_worksheet(b.wb, lb->verification), .error = &b.error, .f = &fm};
    if (!summary.ws || !verification.ws || !recon.ws) b.error = LXW_ERROR_MEMORY_MALLOC_FAILED;
    kx_page_setup(&summary, true, 0);
    /* The Summary prints on one page (unless the fund has very many pools). */
    if (summary.ws && a.d.nrecon <= 40) worksheet_fit_to_pages(summary.ws, 1, 1);
    kx_page_header(&summary, a.header);
    kx_page_setup(&recon, false, 1);
    kx_page_header(&recon, a.header);
    kx_page_setup(&verification, true, 0);
    kx_page_header(&verification, a.header);
    if (summary.ws) write_summary(&a, &summary, &info, root, exported, res->verified, why);
    for (size_t i = 0; i < a.d.ndkeys && !a.d.rc; i++) {
        donation_row(&a, a.d.dkeys[i].seq);
        if (o->on_progress && i % 4096 == 0) o->on_progress(o->ctx, (int64_t)i / 4, a.d.size);
    }
    if (!a.d.rc) donation_totals(&a);
    if (!a.d.rc) write_grants(&a, &grants);
    if (!a.d.rc) write_pools(&a, &pools);
    if (!a.d.rc) write_recon(&a, &recon);
    if (!a.d.rc) write_verification(&a, &verification, vrc, &rep, why, &note, nerr.msg);
    /* Every entry to the Ledger. */
    if (!a.d.rc) {
        rc = kf_ledger_scan(l, 1, NULL, ledger_entry, &a, err);
        if (rc == PAST_SIZE) rc = KF_OK;
        if (!rc) rc = a.d.rc;
        if (rc) a.d.rc = rc;
    }
    res->sheets = 3 + a.don.part + grants.part + pools.part + a.led.part;
    if (o->on_progress) o->on_progress(o->ctx, a.d.size, a.d.size);

    snprintf(title, sizeof title, "%s %s %s", lb->title, info.fund, fyname);
    kx_book_props(&b, &(kx_props){.title = title,
                                  .fund = info.fund,
                                  .root_hex = root,
                                  .category = "kifu audit workbook",
                                  .keywords = "kifu, 監査, audit",
                                  .comments = "kifu export audit",
                                  .issued = exported,
                                  .fy = o->fy,
                                  .size = info.size});
    if (a.d.rc) {
        /* Close to free the workbook, but keep no file. */
        b.error = b.error ? b.error : LXW_ERROR_PARAMETER_VALIDATION;
        kx_book_finish(&b, NULL);
        rc = a.d.rc;
    } else {
        rc = kx_book_finish(&b, err);
    }
out_free:
    kx_audit_data_free(&a.d);
    free(a.keys);
    kf_buf_free(&a.text);
out_rules:
    kx_names_free(names);
    kf_buf_free(&note);
    free(rules);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL); /* the read ends */
    return rc;
}
