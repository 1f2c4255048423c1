/*
 * The one-sheet statements' page (reports/ only; not a public header):
 * the group's, the partner's and the member's statements lay their sheet out
 * twice with the same code, first to measure, then to write.
 *
 * Measuring (ks_sheet.ws == NULL) writes nothing and notes how wide each
 * column's widest content is: text counted as it prints (a CJK or other
 * wide character as 2, others as 1, bold and larger fonts wider), numbers
 * as their yen or count format shows them, dates as 令和8年5月1日 (ja) or
 * 2026-05-01 (en). A text wider than KS_WRAP sets its column to KS_WRAP and
 * is written wrapped, its row as tall as its lines. Writing then sets each
 * column to its measured width, so that nothing is cut off, and the sheet
 * prints one page wide (portrait when the columns fit, else landscape).
 *
 * A span (a title, a note, the ledger root) does not widen its column: it
 * runs over the empty cells to its right; one wider than the columns from
 * its own to the last is merged over them and wrapped.
 */
#ifndef KIFU_REPORTS_STMT_SHEET_H
#define KIFU_REPORTS_STMT_SHEET_H

#include "kifu/report.h"

#include "xlsx.h"

#define KS_MAXCOL 16
#define KS_WRAP 40.0 /* the widest a column gets; wider text wraps */

/* The statements' own formats besides kx_formats: numbers keep a space
 * at their right (Excel's "_-"), so that a right-aligned figure does not
 * touch the text of the next column; headers are centred. */
typedef struct {
    lxw_format *yen, *total_yen; /* kx_yen_format(lang), padded */
    lxw_format *count;           /* #,##0 (clicks) */
    lxw_format *seq;             /* 0 (a seq) */
    lxw_format *total_count;     /* a total row's count */
    lxw_format *header;          /* a table's header cell */
} ks_formats;
void ks_formats_add(lxw_workbook *wb, ks_formats *f, kf_statement_lang lang);

#define KS_MAXSPAN 32

typedef struct {
    kx_sheet s; /* s.ws NULL while measuring */
    const ks_formats *k;
    kf_statement_lang lang;
    lxw_row_t row; /* the row being laid out */
    double width[KS_MAXCOL];
    lxw_col_t ncols; /* columns with content */
    int lines;       /* the current row's lines (wrapped text) */
    double height;   /* the current row's height set by ks_height, or 0 */
    struct ks_span {
        lxw_col_t from, to;
        double w;
    } spans[KS_MAXSPAN]; /* text that runs over columns from..to (measuring) */
    int nspans;
} ks_sheet;

/* Display width of UTF-8 text: 2 per wide (CJK, full-width) character. */
double ks_text_width(const char *text);

/* The cell writers: at (s->row, col). fmt NULL is the plain format. */
void ks_text(ks_sheet *s, lxw_col_t col, const char *text, lxw_format *fmt);
void ks_span(ks_sheet *s, lxw_col_t col, const char *text, lxw_format *fmt);
/* Text that may run over the empty cells col..last (of the same row): the
 * columns are made wide enough together (the last one widened). */
void ks_span_to(ks_sheet *s, lxw_col_t col, lxw_col_t last, const char *text, lxw_format *fmt);
/* An empty cell with a format (a total row's border). */
void ks_blank(ks_sheet *s, lxw_col_t col, lxw_format *fmt);
void ks_yen(ks_sheet *s, lxw_col_t col, int64_t v, lxw_format *fmt);
void ks_int(ks_sheet *s, lxw_col_t col, int64_t v, lxw_format *fmt);
void ks_date(ks_sheet *s, lxw_col_t col, const char *date);
/* A formula with its computed value; yen (the yen format) or a count. */
void ks_formula(ks_sheet *s, lxw_col_t col, const char *formula, int64_t value, lxw_format *fmt,
                bool yen);
/* The current row's height in points (a title's taller row). */
void ks_height(ks_sheet *s, double points);
/* Ends the current row (its height follows its wrapped lines). */
void ks_next(ks_sheet *s);

/* "=SUBTOTAL(9,D12:D20)" over 0-based rows first..last-1 of col (so a
 * filter changes the total); first..first when there are none. */
void ks_subtotal(char *out, size_t size, lxw_col_t col, lxw_row_t first, lxw_row_t last);

/* After measuring: the sheet's columns set to their widths, as they will
 * be written. Returns whether the columns are too wide for portrait A4. */
bool ks_widths_done(ks_sheet *s);
/* Starts writing on ws with the measured widths. */
void ks_begin(ks_sheet *s, lxw_worksheet *ws);
/* A4 (portrait or landscape), one page wide, row `repeat` (a table's header)
 * repeated on every page, the fund and the title in the page header, the
 * sheet and "page / pages" in the footer. */
void ks_print(ks_sheet *s, bool landscape, lxw_row_t repeat, const char *fund, const char *title);

/* "2026-05-01T09:00:00+09:00" as a reader reads it: 令和8年5月1日 09:00 (ja),
 * 2026-05-01 09:00 (en). */
void ks_time_text(kf_statement_lang lang, const char *rfc3339, char *out, size_t size);
/* A month (YYYY-MM) as 令和8年4月 (ja) or 2026-04 (en). */
void ks_month_text(kf_statement_lang lang, const char *month, char *out, size_t size);

#endif
