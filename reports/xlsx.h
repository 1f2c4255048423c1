/*
 * Helpers shared by the Excel workbooks of reports/ (member statement,
 * audit workbook); not a public header.
 *
 * Money goes to Excel as doubles: exact for any sum below 2^53 yen. The
 * first libxlsxwriter error of a workbook is kept (kx_sheet.error points to
 * one lxw_error per workbook) and reported when the workbook is finished.
 * No data validation anywhere: libxlsxwriter 1.1.4 overflows a buffer on
 * lists with multibyte text.
 */
#ifndef KIFU_REPORTS_XLSX_H
#define KIFU_REPORTS_XLSX_H

#include "kifu/common.h"
#include "kifu/ledger.h"

#include <stdbool.h>
#include <time.h>
#include <xlsxwriter.h>

/* Excel's last row index (1,048,576 rows) and its longest cell text. */
#define KX_MAX_ROW 1048575u
#define KX_MAX_TEXT 32767

typedef struct {
    lxw_format *label, *title, *date, *yen, *integer, *header, *total_label, *total_yen;
    lxw_format *wrap; /* long text: wrapped, from the top of its row */
    lxw_format *top;  /* plain text at the top of its row (beside a wrapped cell) */
} kx_formats;

/* Adds the formats every report uses: date_fmt for dates, yen_fmt for money. */
void kx_formats_add(lxw_workbook *wb, kx_formats *f, const char *date_fmt, const char *yen_fmt);

typedef struct {
    lxw_worksheet *ws;
    lxw_error *error; /* the workbook's first error */
    const kx_formats *f;
} kx_sheet;

void kx_note(kx_sheet *s, lxw_error e);
/* How a sheet prints: A4, landscape or portrait, one page wide (as many
 * pages down as it takes), the first `repeat` rows (a table's header) on
 * every page, the sheet's name and "page / pages" in the footer. */
void kx_page_setup(kx_sheet *s, bool landscape, int repeat);
/* The columns the UTF-8 character at *text takes in a cell: 2 for a wide
 * one (CJK, kana, hangul, full-width forms), else 1; moves *text past it.
 * The one measure of text for every workbook's widths and wrapped rows. */
int kx_char_width(const char **text);
/* A page header: `left` (say, the fund and FY; an "&" must be doubled)
 * on the left and the sheet's name on the right. */
void kx_page_header(kx_sheet *s, const char *left);
void kx_str(kx_sheet *s, lxw_row_t row, lxw_col_t col, const char *text, lxw_format *fmt);
void kx_num(kx_sheet *s, lxw_row_t row, lxw_col_t col, int64_t v, lxw_format *fmt);
/* A YYYY-MM-DD date as an Excel date (text if it is not a real date). */
void kx_date(kx_sheet *s, lxw_row_t row, lxw_col_t col, const char *date);
/* A formula with its computed value, for viewers that do not recalculate. */
void kx_formula(kx_sheet *s, lxw_row_t row, lxw_col_t col, const char *formula, int64_t value,
                lxw_format *fmt);
/* Column letters of col (0 = "A") into out (at least 4 bytes). */
void kx_col_name(lxw_col_t col, char out[4]);

/* "2026-05-01T09:00:00+09:00" (or ...Z, with an optional fraction) -> time_t. */
bool kx_rfc3339_time(const char *s, time_t *out);

/* A workbook written to a temporary file next to path, then fsync'd and
 * renamed into place, so a failure leaves no partial file. */
typedef struct {
    lxw_workbook *wb;
    lxw_error error; /* the first write error */
    char *tmp;
    const char *path;
} kx_book;

/* Starts the workbook (constant_memory: rows are written in order, one row
 * in memory per sheet). Its temporary file is created first (libxlsxwriter
 * overwrites it when the workbook is closed), so a path that cannot be
 * written, or that is a directory, fails here with "cannot write PATH:
 * reason" (KF_SYSTEM) and libxlsxwriter prints nothing. KF_SYSTEM on any
 * failure, with nothing left behind. */
kf_code kx_book_open(kx_book *b, const char *path, bool constant_memory, kf_err *err);
/* Sets the workbook's properties: title, the fund as author, and a subject
 * naming the fund, FY, ledger size and root; created = issued (an RFC 3339
 * time, so that KIFU_NOW makes the file reproducible). */
typedef struct {
    const char *title, *fund, *root_hex, *category, *keywords, *comments, *issued;
    int fy;
    int64_t size;
} kx_props;
void kx_book_props(kx_book *b, const kx_props *p);

/* Closes the workbook and moves it into place; on any error (also an
 * earlier write error) removes it and returns KF_SYSTEM. */
kf_code kx_book_finish(kx_book *b, kf_err *err);

/* Which donations were voided, and by which seq: the donation.void entries
 * up to a ledger size, sorted by the seq they void. */
typedef struct {
    struct kx_void {
        int64_t seq, by;
    } * v;
    size_t n, cap;
} kx_voids;

kf_code kx_voids_load(kf_ledger *l, int64_t size, kx_voids *out, kf_err *err);
/* The seq of the void of donation seq, or 0. */
int64_t kx_voided_by(const kx_voids *v, int64_t seq);
void kx_voids_free(kx_voids *v);

#endif
