/*
 * The statements' page: measured, then written (stmt_sheet.h).
 */
#include "stmt_sheet.h"

#include "labels.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* fmt with "_-" (a space as wide as '-') after each of its sections. */
static void padded(const char *fmt, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = fmt;; p++) {
        if ((*p == ';' || !*p) && n + 3 < size) {
            out[n++] = '_';
            out[n++] = '-';
        }
        if (!*p || n + 2 >= size) break;
        out[n++] = *p;
    }
    out[n] = '\0';
}

void ks_formats_add(lxw_workbook *wb, ks_formats *f, kf_statement_lang lang)
{
    char yen[128];
    padded(kx_yen_format(lang), yen, sizeof yen);
    f->yen = workbook_add_format(wb);
    format_set_num_format(f->yen, yen);
    f->total_yen = workbook_add_format(wb);
    format_set_bold(f->total_yen);
    format_set_top(f->total_yen, LXW_BORDER_DOUBLE);
    format_set_num_format(f->total_yen, yen);
    f->count = workbook_add_format(wb);
    format_set_num_format(f->count, "#,##0_-");
    f->seq = workbook_add_format(wb);
    format_set_num_format(f->seq, "0_-");
    f->total_count = workbook_add_format(wb);
    format_set_bold(f->total_count);
    format_set_top(f->total_count, LXW_BORDER_DOUBLE);
    format_set_num_format(f->total_count, "#,##0_-");
    f->header = workbook_add_format(wb);
    format_set_bold(f->header);
    format_set_bottom(f->header, LXW_BORDER_THIN);
    format_set_bg_color(f->header, 0xDDEBF7);
    format_set_align(f->header, LXW_ALIGN_CENTER);
}

double ks_text_width(const char *text)
{
    double w = 0;
    for (const char *p = text; *p;)
        w += kx_char_width(&p);
    return w;
}

/* How much wider than plain 11-point text a format prints. */
static double scale(const lxw_format *fmt)
{
    double k = 1;
    if (fmt && fmt->bold) k *= 1.15;
    if (fmt && fmt->font_size > 0) k *= fmt->font_size / 11.0;
    return k;
}

/* Notes that col needs w (measuring), or how many lines w takes (writing). */
static void need(ks_sheet *s, lxw_col_t col, double w)
{
    if (col >= KS_MAXCOL) return;
    w += 2.5; /* the cell's padding */
    if (col + 1 > s->ncols) s->ncols = col + 1;
    if (!s->s.ws) {
        if (w > KS_WRAP) w = KS_WRAP;
        if (w > s->width[col]) s->width[col] = w;
    } else if (s->width[col] > 0) {
        int lines = (int)ceil(w / s->width[col]);
        if (lines > s->lines) s->lines = lines;
    }
}

void ks_text(ks_sheet *s, lxw_col_t col, const char *text, lxw_format *fmt)
{
    double w = ks_text_width(text) * scale(fmt);
    need(s, col, w);
    if (!s->s.ws) return;
    if (!fmt && w + 2.5 > KS_WRAP) fmt = s->s.f->wrap;
    kx_str(&s->s, s->row, col, text, fmt);
}

void ks_span(ks_sheet *s, lxw_col_t col, const char *text, lxw_format *fmt)
{
    double w = ks_text_width(text) * scale(fmt) + 1.5;
    if (!s->s.ws) return;
    double room = 0;
    for (lxw_col_t c = col; c < s->ncols; c++)
        room += s->width[c];
    if (w <= room || s->ncols <= col + 1) {
        kx_str(&s->s, s->row, col, text, fmt);
        return;
    }
    int lines = (int)ceil(w / room);
    if (lines > s->lines) s->lines = lines;
    kx_note(&s->s, worksheet_merge_range(s->s.ws, s->row, col, s->row, s->ncols - 1, text,
                                         fmt ? fmt : s->s.f->wrap));
}

void ks_span_to(ks_sheet *s, lxw_col_t col, lxw_col_t last, const char *text, lxw_format *fmt)
{
    double w = ks_text_width(text) * scale(fmt) + 1.5;
    if (last < col) last = col;
    if (last >= KS_MAXCOL) last = KS_MAXCOL - 1;
    if (!s->s.ws) {
        if (col + 1 > s->ncols) s->ncols = col + 1;
        if (w > KS_WRAP * (last - col + 1)) w = KS_WRAP * (last - col + 1);
        if (s->nspans < KS_MAXSPAN) s->spans[s->nspans++] = (struct ks_span){col, last, w};
        return;
    }
    if (last >= s->ncols) last = s->ncols ? s->ncols - 1 : 0;
    double room = 0;
    for (lxw_col_t c = col; c <= last; c++)
        room += s->width[c];
    if (w <= room || last <= col) {
        kx_str(&s->s, s->row, col, text, fmt);
        return;
    }
    int lines = (int)ceil(w / room);
    if (lines > s->lines) s->lines = lines;
    kx_note(&s->s, worksheet_merge_range(s->s.ws, s->row, col, s->row, last, text,
                                         fmt ? fmt : s->s.f->wrap));
}

void ks_blank(ks_sheet *s, lxw_col_t col, lxw_format *fmt)
{
    if (s->s.ws) kx_note(&s->s, worksheet_write_blank(s->s.ws, s->row, col, fmt));
}

/* Width of a number as "1,234,567" (digits, separators, sign). */
static double number_width(int64_t v)
{
    char t[32];
    int n = snprintf(t, sizeof t, "%lld", (long long)(v < 0 ? -(v + 1) : v));
    return n + (n - 1) / 3 + (v < 0);
}

void ks_yen(ks_sheet *s, lxw_col_t col, int64_t v, lxw_format *fmt)
{
    if (!fmt) fmt = s->k->yen;
    need(s, col, (number_width(v) + (s->lang == KF_STATEMENT_JA ? 3 : 2)) * scale(fmt));
    if (s->s.ws) kx_num(&s->s, s->row, col, v, fmt);
}

void ks_int(ks_sheet *s, lxw_col_t col, int64_t v, lxw_format *fmt)
{
    if (!fmt) fmt = s->k->seq;
    need(s, col, (number_width(v) + 1) * scale(fmt));
    if (s->s.ws) kx_num(&s->s, s->row, col, v, fmt);
}

void ks_date(ks_sheet *s, lxw_col_t col, const char *date)
{
    char t[64];
    kx_date_text(s->lang, date, t, sizeof t);
    need(s, col, ks_text_width(t));
    if (s->s.ws) kx_date(&s->s, s->row, col, date);
}

void ks_formula(ks_sheet *s, lxw_col_t col, const char *formula, int64_t value, lxw_format *fmt,
                bool yen)
{
    double w = number_width(value) + 1 + (yen ? (s->lang == KF_STATEMENT_JA ? 2 : 1) : 0);
    need(s, col, w * scale(fmt));
    if (s->s.ws) kx_formula(&s->s, s->row, col, formula, value, fmt);
}

void ks_height(ks_sheet *s, double points)
{
    s->height = points;
}

void ks_next(ks_sheet *s)
{
    if (s->s.ws) {
        double h = s->height;
        if (s->lines > 1 && s->lines * 15.0 > h) h = s->lines * 15.0;
        if (h > 0) kx_note(&s->s, worksheet_set_row(s->s.ws, s->row, h, NULL));
    }
    s->lines = 0;
    s->height = 0;
    s->row++;
}

void ks_subtotal(char *out, size_t size, lxw_col_t col, lxw_row_t first, lxw_row_t last)
{
    char cn[4];
    kx_col_name(col, cn);
    if (last <= first) last = first + 1;
    snprintf(out, size, "=SUBTOTAL(9,%s%u:%s%u)", cn, (unsigned)first + 1, cn, (unsigned)last);
}

bool ks_widths_done(ks_sheet *s)
{
    double total = 0;
    for (int i = 0; i < s->nspans; i++) {
        const struct ks_span *p = &s->spans[i];
        lxw_col_t last = p->to < s->ncols ? p->to : s->ncols - 1;
        double room = 0;
        for (lxw_col_t c = p->from; c <= last; c++)
            room += s->width[c] > 4 ? s->width[c] : 4;
        /* widened up to KS_WRAP; text wider still wraps (merged) */
        double more = p->w - room, most = KS_WRAP - s->width[last];
        if (more > 0 && most > 0) s->width[last] += more < most ? more : most;
    }
    for (lxw_col_t c = 0; c < s->ncols; c++) {
        if (s->width[c] < 4) s->width[c] = 4;
        total += s->width[c];
    }
    /* A4 portrait holds about 100 columns of 11-point text between the
     * margins at 100 %; fitting to the page width scales the rest. */
    return total > 100;
}

void ks_begin(ks_sheet *s, lxw_worksheet *ws)
{
    s->s.ws = ws;
    s->row = 0;
    s->lines = 0;
    s->height = 0;
    if (!ws) return;
    for (lxw_col_t c = 0; c < s->ncols; c++)
        kx_note(&s->s, worksheet_set_column(ws, c, c, s->width[c], NULL));
}

/* text with every '&' doubled (a page header's escape), at most size - 1
 * bytes, cut on a character boundary. */
static void escape_amp(const char *text, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = text; *p;) {
        size_t len = 1; /* the whole character: a lead byte and its continuations */
        while ((p[len] & 0xC0) == 0x80)
            len++;
        size_t need = len + (*p == '&');
        if (n + need + 1 > size) break;
        if (*p == '&') out[n++] = '&';
        memcpy(out + n, p, len);
        n += len;
        p += len;
    }
    out[n] = '\0';
}

void ks_print(ks_sheet *s, bool landscape, lxw_row_t repeat, const char *fund, const char *title)
{
    if (!s->s.ws) return;
    kx_page_setup(&s->s, landscape, 0);
    kx_note(&s->s, worksheet_repeat_rows(s->s.ws, repeat, repeat));
    char f[100], t[120], h[256];
    escape_amp(fund, f, sizeof f);
    escape_amp(title, t, sizeof t);
    snprintf(h, sizeof h, "&L%s&R%s", f, t);
    kx_note(&s->s, worksheet_set_header(s->s.ws, h));
}

void ks_time_text(kf_statement_lang lang, const char *t, char *out, size_t size)
{
    char date[11], w[64];
    if (strlen(t) < 16 || t[10] != 'T') {
        snprintf(out, size, "%s", t);
        return;
    }
    memcpy(date, t, 10);
    date[10] = '\0';
    kx_date_text(lang, date, w, sizeof w);
    snprintf(out, size, "%s %.5s", w, t + 11);
}

void ks_month_text(kf_statement_lang lang, const char *month, char *out, size_t size)
{
    char date[16], w[64];
    if (lang == KF_STATEMENT_EN) {
        snprintf(out, size, "%s", month);
        return;
    }
    snprintf(date, sizeof date, "%.7s-01", month);
    if (!kx_wareki(date, w, sizeof w)) {
        snprintf(out, size, "%s", month);
        return;
    }
    char *tsuki = strstr(w, "月");
    if (tsuki) tsuki[strlen("月")] = '\0';
    snprintf(out, size, "%s", w);
}
