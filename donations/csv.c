/*
 * The CSV reader of the donation import (include/kifu/import.h): libcsv for
 * the quoting, one physical line at a time so that every record knows the
 * line it starts on.
 *
 * How lines are tracked: the file is cut into physical lines, each ending at
 * LF, CRLF or a lone CR (the bytes that libcsv takes as line ends; none of
 * them can be the second byte of a CP932 character, so CP932 lines can be cut
 * before conversion). Each line is converted / checked and then fed to
 * libcsv whole. libcsv ends a record only at a line end outside quotes, so a
 * line ends at most one record, at its very end: after feeding a line,
 * either the record callback fired (the next line starts a new record), or
 * the line was blank between records (libcsv skips it), or the record goes
 * on in a quoted field. Only the first line of a record sets its start.
 *
 * Errors inside a record (invalid bytes, a stray quote, an over-long line)
 * mark the record bad with the line of the problem; after a parse error the
 * parser is reset and reading resumes at the next line.
 */
#include "kifu/import.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#define READ_CHUNK (64 * 1024)
/* A physical line longer than this is refused (and skipped). */
#define LINE_MAX_BYTES (KF_CSV_RECORD_MAX + 16)
#define CSV_OPTIONS (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)

struct kf_csv {
    FILE *f;
    kf_csv_encoding enc;
    iconv_t cd;  /* CP932 -> UTF-8, or (iconv_t)-1 */
    bool hinted; /* the --encoding cp932 hint was given */
    struct csv_parser parser;
    bool parser_live; /* csv_init succeeded; needs csv_free */

    /* Raw input: buf[pos..len) not yet consumed. */
    char *buf;
    size_t pos, len, cap;
    bool eof;        /* fread reached the end */
    bool finished;   /* csv_fini done: nothing more */
    uint64_t offset; /* bytes consumed */
    int64_t lineno;  /* physical lines consumed */
    bool between;    /* no record is open */
    bool first;      /* the first line is next (byte order mark) */
    char *conv;      /* CP932 converted to UTF-8 */
    size_t conv_cap;

    /* The record being read. */
    int64_t start;
    bool complete, bad, oom;
    int64_t bad_line;
    char reason[256];
    char *data; /* fields, each NUL-terminated */
    size_t data_len, data_cap;
    size_t *offs, *lens, nfields, fields_cap;
    const char **ptrs;
};

bool kf_csv_encoding_parse(const char *name, kf_csv_encoding *out)
{
    if (!name || !strcasecmp(name, "utf-8") || !strcasecmp(name, "utf8")) {
        *out = KF_CSV_UTF8;
        return true;
    }
    /* Shift_JIS as Windows writes it (Excel's CSV): every common name. */
    static const char *const cp932[] = {"cp932",     "ms932",     "windows-31j", "sjis",
                                        "shift_jis", "shift-jis", "shiftjis",    NULL};
    for (int i = 0; cp932[i]; i++)
        if (!strcasecmp(name, cp932[i])) {
            *out = KF_CSV_CP932;
            return true;
        }
    return false;
}

/* Marks the current record bad (the first problem wins). */
static void mark_bad(kf_csv *c, int64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void mark_bad(kf_csv *c, int64_t line, const char *fmt, ...)
{
    if (c->bad) return;
    c->bad = true;
    c->bad_line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
}

static bool data_reserve(kf_csv *c, size_t more)
{
    if (c->data_len + more <= c->data_cap) return true;
    size_t cap = c->data_cap ? c->data_cap : 4096;
    while (cap < c->data_len + more)
        cap *= 2;
    char *d = realloc(c->data, cap);
    if (!d) return false;
    c->data = d;
    c->data_cap = cap;
    return true;
}

/* libcsv field callback: appends the field (CRLF inside it becomes LF). */
static void on_field(void *s, size_t len, void *ctx)
{
    kf_csv *c = ctx;
    const char *src = s ? s : "";
    if (c->bad || c->oom) return;
    if (c->data_len + len + 1 > KF_CSV_RECORD_MAX) {
        mark_bad(c, c->lineno, "record is longer than %d bytes (a quote not closed?)",
                 KF_CSV_RECORD_MAX);
        return;
    }
    if (c->nfields == c->fields_cap) {
        size_t cap = c->fields_cap ? c->fields_cap * 2 : 16;
        size_t *o = realloc(c->offs, cap * sizeof *o);
        if (o) c->offs = o;
        size_t *l = realloc(c->lens, cap * sizeof *l);
        if (l) c->lens = l;
        const char **p = realloc(c->ptrs, cap * sizeof *p);
        if (p) c->ptrs = p;
        if (!o || !l || !p) {
            c->oom = true;
            return;
        }
        c->fields_cap = cap;
    }
    if (!data_reserve(c, len + 1)) {
        c->oom = true;
        return;
    }
    char *dst = c->data + c->data_len;
    size_t n = 0;
    if (!memchr(src, '\r', len)) {
        memcpy(dst, src, len);
        n = len;
    } else {
        for (size_t i = 0; i < len; i++)
            if (!(src[i] == '\r' && i + 1 < len && src[i + 1] == '\n')) dst[n++] = src[i];
    }
    dst[n] = '\0';
    c->offs[c->nfields] = c->data_len;
    c->lens[c->nfields] = n;
    c->nfields++;
    c->data_len += n + 1;
}

/* libcsv record callback. */
static void on_record(int term, void *ctx)
{
    (void)term;
    ((kf_csv *)ctx)->complete = true;
}

static bool parser_reset(kf_csv *c)
{
    if (c->parser_live) csv_free(&c->parser);
    c->parser_live = csv_init(&c->parser, CSV_OPTIONS) == 0;
    return c->parser_live;
}

kf_code kf_csv_open(FILE *f, kf_csv_encoding enc, kf_csv **out, kf_err *err)
{
    kf_csv *c = calloc(1, sizeof *c);
    if (!c) return kf_fail(err, KF_SYSTEM, "out of memory");
    c->f = f;
    c->enc = enc;
    c->cd = (iconv_t)-1;
    c->between = c->first = true;
    if (enc == KF_CSV_CP932 && (c->cd = iconv_open("UTF-8", "CP932")) == (iconv_t)-1) {
        free(c);
        return kf_fail(err, KF_SYSTEM, "cannot convert from CP932: %s", strerror(errno));
    }
    if (!(c->buf = malloc(READ_CHUNK)) || !parser_reset(c)) {
        kf_csv_close(c);
        return kf_fail(err, KF_SYSTEM, "out of memory");
    }
    c->cap = READ_CHUNK;
    *out = c;
    return KF_OK;
}

void kf_csv_close(kf_csv *c)
{
    if (!c) return;
    if (c->parser_live) csv_free(&c->parser);
    if (c->cd != (iconv_t)-1) iconv_close(c->cd);
    free(c->buf);
    free(c->conv);
    free(c->data);
    free(c->offs);
    free(c->lens);
    free(c->ptrs);
    free(c);
}

uint64_t kf_csv_offset(const kf_csv *c)
{
    return c->offset;
}

/* Reads more input after buf[pos..len), compacting and growing the buffer
 * up to LINE_MAX_BYTES. Returns false (with *sys set on a read error) when
 * nothing more could be read. */
static bool fill(kf_csv *c, bool *sys)
{
    if (c->eof) return false;
    if (c->pos > 0) {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->pos = 0;
    }
    if (c->len == c->cap) {
        if (c->cap >= LINE_MAX_BYTES) return false;
        size_t cap = c->cap * 2 > LINE_MAX_BYTES ? LINE_MAX_BYTES : c->cap * 2;
        char *b = realloc(c->buf, cap);
        if (!b) {
            *sys = true;
            return false;
        }
        c->buf = b;
        c->cap = cap;
    }
    size_t n = fread(c->buf + c->len, 1, c->cap - c->len, c->f);
    c->len += n;
    if (n == 0) {
        if (ferror(c->f)) *sys = true;
        c->eof = true;
        return false;
    }
    return true;
}

/* The end (exclusive) of the physical line at buf[pos..), or 0 if the
 * buffer holds no line end yet. A CR as the last byte needs the next byte
 * to tell CRLF from a lone CR. */
static size_t line_end(const kf_csv *c)
{
    const char *p = c->buf + c->pos, *end = c->buf + c->len;
    const char *lf = memchr(p, '\n', (size_t)(end - p));
    const char *cr = memchr(p, '\r', (size_t)((lf ? lf : end) - p));
    if (cr) {
        if (cr + 1 < end) return (size_t)(cr + 1 - c->buf) + (cr[1] == '\n');
        return c->eof ? c->len : 0;
    }
    return lf ? (size_t)(lf + 1 - c->buf) : 0;
}

typedef enum { PIECE_OK, PIECE_EOF, PIECE_TOO_LONG, PIECE_SYSTEM } piece_rc;

/* The next physical line (with its line end, if any) in *p, *n. */
static piece_rc next_line(kf_csv *c, const char **p, size_t *n)
{
    bool sys = false;
    size_t end;
    while (!(end = line_end(c))) {
        if (fill(c, &sys)) continue;
        if (sys) return PIECE_SYSTEM;
        if (c->eof) {
            if (c->pos == c->len) return PIECE_EOF;
            end = c->len; /* the last line has no line end */
            break;
        }
        /* The buffer is full without a line end: skip to the next one. */
        c->offset += c->len - c->pos;
        c->pos = c->len = 0;
        while (!(end = line_end(c))) {
            c->offset += c->len;
            c->pos = c->len = 0;
            if (!fill(c, &sys)) {
                if (sys) return PIECE_SYSTEM;
                end = c->len;
                break;
            }
        }
        c->offset += end - c->pos;
        c->pos = end;
        return PIECE_TOO_LONG;
    }
    *p = c->buf + c->pos;
    *n = end - c->pos;
    c->offset += *n;
    c->pos = end;
    return PIECE_OK;
}

/* The offset of the first byte of s[0..n) that is not valid UTF-8 (a NUL
 * byte counts as invalid), or n. */
static size_t utf8_check(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = s[i];
        if (b >= 0x20 && b < 0x80) {
            i++;
            continue;
        }
        if (b < 0x80) {
            if (b == 0) return i;
            i++;
            continue;
        }
        size_t k;
        uint32_t cp;
        if ((b & 0xE0) == 0xC0) {
            k = 1;
            cp = b & 0x1F;
        } else if ((b & 0xF0) == 0xE0) {
            k = 2;
            cp = b & 0x0F;
        } else if ((b & 0xF8) == 0xF0) {
            k = 3;
            cp = b & 0x07;
        } else {
            return i;
        }
        if (i + k >= n) return i;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80) return i;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += k + 1;
    }
    return n;
}

/* Converts a CP932 line to UTF-8 in c->conv. An invalid or incomplete byte
 * marks the record bad and becomes U+FFFD, so that the quoting (all ASCII)
 * is still parsed. */
static bool from_cp932(kf_csv *c, const char **p, size_t *n)
{
    size_t need = *n * 3 + 4;
    if (need > c->conv_cap) {
        char *b = realloc(c->conv, need);
        if (!b) return false;
        c->conv = b;
        c->conv_cap = need;
    }
    char *in = (char *)*p, *out = c->conv;
    size_t inleft = *n, outleft = c->conv_cap;
    iconv(c->cd, NULL, NULL, NULL, NULL);
    while (inleft > 0) {
        if (iconv(c->cd, &in, &inleft, &out, &outleft) != (size_t)-1) break;
        if (errno != EILSEQ && errno != EINVAL) return false; /* E2BIG: cannot happen */
        mark_bad(c, c->lineno, "invalid CP932 byte 0x%02X", (unsigned char)*in);
        memcpy(out, "\xEF\xBF\xBD", 3); /* 1 byte in, 3 out: fits the 3x room */
        out += 3;
        outleft -= 3;
        in++;
        inleft--;
    }
    *p = c->conv;
    *n = (size_t)(out - c->conv);
    return true;
}

static bool only_blanks(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') return false;
    return true;
}

static void record_reset(kf_csv *c)
{
    c->complete = c->bad = false;
    c->bad_line = 0;
    c->reason[0] = '\0';
    c->data_len = c->nfields = 0;
}

/* Hands the finished record to the caller. */
static void record_out(kf_csv *c, kf_csv_record *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->line = c->start;
    if (c->bad) {
        rec->bad = true;
        rec->bad_line = c->bad_line;
        snprintf(rec->reason, sizeof rec->reason, "%s", c->reason);
        return;
    }
    for (size_t i = 0; i < c->nfields; i++)
        c->ptrs[i] = c->data + c->offs[i];
    rec->nfields = c->nfields;
    rec->fields = c->ptrs;
    rec->lens = c->lens;
}

kf_code kf_csv_next(kf_csv *c, kf_csv_record *rec, bool *eof, kf_err *err)
{
    const char *p;
    size_t n;
    *eof = false;
    memset(rec, 0, sizeof *rec);
    if (c->finished) {
        *eof = true;
        return KF_OK;
    }
    record_reset(c);
    for (;;) {
        piece_rc pr = next_line(c, &p, &n);
        if (pr == PIECE_SYSTEM) return kf_fail(err, KF_SYSTEM, "cannot read: %s", strerror(errno));
        if (pr == PIECE_EOF) {
            c->finished = true;
            if (csv_fini(&c->parser, on_field, on_record, c) != 0)
                mark_bad(c, c->start,
                         "malformed CSV (a quoted field is not closed at the end of the file)");
            if (c->oom) return kf_fail(err, KF_SYSTEM, "out of memory");
            if (c->bad || c->complete) {
                record_out(c, rec);
                return KF_OK;
            }
            *eof = true;
            return KF_OK;
        }
        c->lineno++;
        bool was_between = c->between;
        if (was_between) c->start = c->lineno;
        if (pr == PIECE_TOO_LONG) {
            mark_bad(c, c->lineno, "line is longer than %d bytes", KF_CSV_RECORD_MAX);
            goto out_resync;
        }
        if (c->first) {
            c->first = false;
            if (c->enc == KF_CSV_UTF8 && n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) {
                p += 3;
                n -= 3;
            } else if (c->enc == KF_CSV_CP932 && n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) {
                mark_bad(c, c->lineno,
                         "the file starts with a UTF-8 byte order mark: it is UTF-8, not CP932");
            }
        }
        if (c->enc == KF_CSV_CP932 && !from_cp932(c, &p, &n))
            return kf_fail(err, KF_SYSTEM, "converting from CP932: %s", strerror(errno));
        size_t badat = utf8_check((const unsigned char *)p, n);
        if (badat < n) {
            if (p[badat] == '\0')
                mark_bad(c, c->lineno, "a NUL byte");
            else if (c->enc == KF_CSV_UTF8 && !c->hinted && !c->bad) {
                /* The hint once per file, on its first bad line. */
                c->hinted = true;
                mark_bad(c, c->lineno,
                         "invalid UTF-8 byte 0x%02X (for a CP932 file, use --encoding cp932)",
                         (unsigned char)p[badat]);
            } else if (c->enc == KF_CSV_UTF8)
                mark_bad(c, c->lineno, "invalid UTF-8 byte 0x%02X", (unsigned char)p[badat]);
            else
                mark_bad(c, c->lineno, "invalid byte 0x%02X", (unsigned char)p[badat]);
        }
        c->complete = false;
        size_t used = csv_parse(&c->parser, p, n, on_field, on_record, c);
        if (c->oom) return kf_fail(err, KF_SYSTEM, "out of memory");
        if (used != n || csv_error(&c->parser) != CSV_SUCCESS) {
            if (csv_error(&c->parser) != CSV_EPARSE)
                return kf_fail(err, KF_SYSTEM, "reading CSV: %s",
                               csv_strerror(csv_error(&c->parser)));
            mark_bad(c, c->lineno,
                     "malformed CSV (a quote inside an unquoted field, or text after a "
                     "closing quote)");
            goto out_resync;
        }
        if (c->complete) {
            c->between = true;
            record_out(c, rec);
            return KF_OK;
        }
        if (was_between && !c->bad && only_blanks(p, n)) continue;
        c->between = false;
        if (csv_get_buffer_size(&c->parser) > KF_CSV_RECORD_MAX) {
            mark_bad(c, c->start, "record is longer than %d bytes (a quote not closed?)",
                     KF_CSV_RECORD_MAX);
            goto out_resync;
        }
    }
out_resync:
    /* Drop what the parser holds and start afresh at the next line. */
    if (!parser_reset(c)) return kf_fail(err, KF_SYSTEM, "out of memory");
    c->between = true;
    record_out(c, rec);
    return KF_OK;
}
