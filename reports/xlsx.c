/*
 * Helpers shared by the Excel workbooks of reports/: see reports/xlsx.h.
 */
#include "xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void kx_formats_add(lxw_workbook *wb, kx_formats *f, const char *date_fmt, const char *yen_fmt)
{
    f->label = workbook_add_format(wb);
    format_set_bold(f->label);
    f->title = workbook_add_format(wb);
    format_set_bold(f->title);
    format_set_font_size(f->title, 14);
    f->date = workbook_add_format(wb);
    format_set_num_format(f->date, date_fmt);
    format_set_align(f->date, LXW_ALIGN_LEFT);
    format_set_align(f->date, LXW_ALIGN_VERTICAL_TOP);
    f->yen = workbook_add_format(wb);
    format_set_num_format(f->yen, yen_fmt);
    format_set_align(f->yen, LXW_ALIGN_VERTICAL_TOP);
    f->integer = workbook_add_format(wb);
    format_set_num_format(f->integer, "0");
    f->header = workbook_add_format(wb);
    format_set_bold(f->header);
    format_set_bottom(f->header, LXW_BORDER_THIN);
    format_set_bg_color(f->header, 0xDDEBF7);
    f->total_label = workbook_add_format(wb);
    format_set_bold(f->total_label);
    format_set_top(f->total_label, LXW_BORDER_DOUBLE);
    f->total_yen = workbook_add_format(wb);
    format_set_bold(f->total_yen);
    format_set_top(f->total_yen, LXW_BORDER_DOUBLE);
    format_set_num_format(f->total_yen, yen_fmt);
    f->wrap = workbook_add_format(wb);
    format_set_text_wrap(f->wrap);
    format_set_align(f->wrap, LXW_ALIGN_VERTICAL_TOP);
    f->top = workbook_add_format(wb);
    format_set_align(f->top, LXW_ALIGN_VERTICAL_TOP);
    /* numbers too, so that a row with a wrapped cell reads from its top */
    format_set_align(f->integer, LXW_ALIGN_VERTICAL_TOP);
}

void kx_page_setup(kx_sheet *s, bool landscape, int repeat)
{
    if (!s->ws) return;
    worksheet_set_paper(s->ws, 9); /* A4 */
    if (landscape)
        worksheet_set_landscape(s->ws);
    else
        worksheet_set_portrait(s->ws);
    worksheet_fit_to_pages(s->ws, 1, 0);
    worksheet_set_margins(s->ws, 0.5, 0.5, 0.6, 0.6);
    if (repeat > 0) kx_note(s, worksheet_repeat_rows(s->ws, 0, (lxw_row_t)(repeat - 1)));
    kx_note(s, worksheet_set_footer(s->ws, "&L&A&R&P / &N"));
}

void kx_page_header(kx_sheet *s, const char *left)
{
    char h[256];
    if (!s->ws || !left) return;
    /* Excel's header is at most 255 characters (bytes, for libxlsxwriter):
     * a long fund name is cut at a character boundary. */
    size_t n = strlen(left), max = sizeof h - 16;
    if (n > max) {
        n = max;
        while (n && ((unsigned char)left[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(h, sizeof h, "&L%.*s&R&A", (int)n, left);
    kx_note(s, worksheet_set_header(s->ws, h));
}

/* Wide (2 columns) code points: CJK, kana, hangul, full-width forms. */
static bool wide(unsigned cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
           (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

int kx_char_width(const char **text)
{
    const unsigned char *p = (const unsigned char *)*text;
    unsigned cp = *p;
    int n = cp < 0x80 ? 0 : cp < 0xE0 ? 1 : cp < 0xF0 ? 2 : 3;
    cp = n == 0 ? cp : n == 1 ? cp & 0x1F : n == 2 ? cp & 0x0F : cp & 0x07;
    p++;
    for (int i = 0; i < n && (*p & 0xC0) == 0x80; i++, p++)
        cp = (cp << 6) | (*p & 0x3F);
    *text = (const char *)p;
    return wide(cp) ? 2 : 1;
}

void kx_note(kx_sheet *s, lxw_error e)
{
    if (e != LXW_NO_ERROR && *s->error == LXW_NO_ERROR) *s->error = e;
}

void kx_str(kx_sheet *s, lxw_row_t row, lxw_col_t col, const char *text, lxw_format *fmt)
{
    kx_note(s, worksheet_write_string(s->ws, row, col, text, fmt));
}

void kx_num(kx_sheet *s, lxw_row_t row, lxw_col_t col, int64_t v, lxw_format *fmt)
{
    kx_note(s, worksheet_write_number(s->ws, row, col, (double)v, fmt));
}

void kx_date(kx_sheet *s, lxw_row_t row, lxw_col_t col, const char *date)
{
    int y, m, d;
    if (!kf_parse_date(date, &y, &m, &d)) {
        kx_str(s, row, col, date, NULL);
        return;
    }
    lxw_datetime dt = {.year = y, .month = m, .day = d};
    kx_note(s, worksheet_write_datetime(s->ws, row, col, &dt, s->f->date));
}

void kx_formula(kx_sheet *s, lxw_row_t row, lxw_col_t col, const char *formula, int64_t value,
                lxw_format *fmt)
{
    kx_note(s, worksheet_write_formula_num(s->ws, row, col, formula, fmt, (double)value));
}

void kx_col_name(lxw_col_t col, char out[4])
{
    char tmp[4];
    int n = 0;
    unsigned c = (unsigned)col + 1;
    while (c && n < 3) {
        tmp[n++] = (char)('A' + (c - 1) % 26);
        c = (c - 1) / 26;
    }
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

bool kx_rfc3339_time(const char *s, time_t *out)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
        return false;
    const char *p = s + n;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++) {
        }
    long offset = 0;
    if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2) return false;
        offset = (*p == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    } else if (*p != 'Z' && *p != 'z') {
        return false;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == (time_t)-1) return false;
    *out = t - offset;
    return true;
}

kf_code kx_book_open(kx_book *b, const char *path, bool constant_memory, kf_err *err)
{
    struct stat st;
    memset(b, 0, sizeof *b);
    b->path = path;
    /* The workbook is renamed onto path at the end: a directory there would
     * fail only then. */
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return kf_fail(err, KF_SYSTEM, "cannot write %s: %s", path, strerror(EISDIR));
    size_t n = strlen(path) + 40;
    if (!(b->tmp = malloc(n))) return kf_fail(err, KF_SYSTEM, "out of memory");
    /* The temporary file is created now, so that a path that cannot be
     * written fails here with kifu's message, not when the workbook is
     * closed (where libxlsxwriter prints its own); libxlsxwriter then
     * overwrites it. A stale file of the same name (a pid reused) is left
     * alone. (kifu export checks its --out before any work, too.) */
    int fd = -1;
    for (int i = 0; i < 100 && fd < 0; i++) {
        if (i)
            snprintf(b->tmp, n, "%s.tmp%d-%d.xlsx", path, (int)getpid(), i);
        else
            snprintf(b->tmp, n, "%s.tmp%d.xlsx", path, (int)getpid());
        fd = open(b->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        kf_code rc = kf_fail(err, KF_SYSTEM, "cannot write %s: %s", path, strerror(errno));
        free(b->tmp);
        b->tmp = NULL;
        return rc;
    }
    close(fd);
    lxw_workbook_options o = {.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE};
    if (!(b->wb = workbook_new_opt(b->tmp, &o))) {
        unlink(b->tmp);
        free(b->tmp);
        b->tmp = NULL;
        return kf_fail(err, KF_SYSTEM, "cannot start the workbook %s", path);
    }
    return KF_OK;
}

void kx_book_props(kx_book *b, const kx_props *p)
{
    char subject[1024];
    snprintf(subject, sizeof subject, "%s; FY %d; ledger size %lld; root %s", p->fund, p->fy,
             (long long)p->size, p->root_hex);
    lxw_doc_properties props = {.title = (char *)p->title,
                                .subject = subject,
                                .author = (char *)p->fund,
                                .category = (char *)p->category,
                                .keywords = (char *)p->keywords,
                                .comments = (char *)p->comments};
    kx_rfc3339_time(p->issued, &props.created);
    lxw_error e = workbook_set_properties(b->wb, &props);
    if (b->error == LXW_NO_ERROR) b->error = e;
}

kf_code kx_book_finish(kx_book *b, kf_err *err)
{
    kf_code rc = KF_OK;
    /* Closing writes the file (even after a write error, to free the
     * workbook); the first error wins. */
    errno = 0;
    lxw_error closed = workbook_close(b->wb);
    b->wb = NULL;
    if (b->error != LXW_NO_ERROR) {
        rc = kf_fail(err, KF_SYSTEM, "cannot write %s: %s", b->path, lxw_strerror(b->error));
    } else if (closed != LXW_NO_ERROR) {
        rc = kf_fail(err, KF_SYSTEM, "cannot write %s: %s%s%s", b->path, lxw_strerror(closed),
                     errno ? ": " : "", errno ? strerror(errno) : "");
    } else {
        int fd = open(b->tmp, O_RDONLY);
        bool synced = fd >= 0 && fsync(fd) == 0;
        if (fd >= 0) close(fd);
        if (!synced || rename(b->tmp, b->path) != 0)
            rc = kf_fail(err, KF_SYSTEM, "cannot write %s: %s", b->path, strerror(errno));
    }
    if (rc) unlink(b->tmp);
    free(b->tmp);
    b->tmp = NULL;
    return rc;
}

/* --- voids ----------------------------------------------------------------- */

typedef struct {
    kx_voids *v;
    int64_t size;
    kf_code rc;
    kf_err *err;
} voids_ctx;

static int add_void(void *ctx, const kf_row *row)
{
    voids_ctx *c = ctx;
    int64_t target;
    if (row->seq > c->size || !kf_entry_int(row->entry, "void", &target)) return 0;
    kx_voids *v = c->v;
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 64;
        struct kx_void *p = realloc(v->v, cap * sizeof *p);
        if (!p) {
            return c->rc = kf_fail(c->err, KF_SYSTEM, "out of memory");
        }
        v->v = p;
        v->cap = cap;
    }
    v->v[v->n++] = (struct kx_void){target, row->seq};
    return 0;
}

static int by_seq(const void *x, const void *y)
{
    const struct kx_void *a = x, *b = y;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

kf_code kx_voids_load(kf_ledger *l, int64_t size, kx_voids *out, kf_err *err)
{
    voids_ctx c = {.v = out, .size = size, .err = err};
    memset(out, 0, sizeof *out);
    kf_code rc = kf_ledger_scan(l, 1, "donation.void", add_void, &c, err);
    if (!rc) rc = c.rc;
    if (rc) {
        kx_voids_free(out);
        return rc;
    }
    if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, by_seq);
    return KF_OK;
}

int64_t kx_voided_by(const kx_voids *v, int64_t seq)
{
    struct kx_void key = {seq, 0};
    const struct kx_void *hit = v->n ? bsearch(&key, v->v, v->n, sizeof key, by_seq) : NULL;
    return hit ? hit->by : 0;
}

void kx_voids_free(kx_voids *v)
{
    free(v->v);
    memset(v, 0, sizeof *v);
}
