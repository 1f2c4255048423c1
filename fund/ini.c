/*
 * The INI line reader shared by the rules and application parsers: see
 * grants/ini.h for what it does to each line and how errors read.
 */
#include "kifu/ini.h"

#include "kifu/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- small text helpers ---------------------------------------------------- */

bool kf_ini_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

void kf_ini_copy_str(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

bool kf_ini_trim_copy(const char *s, const char *e, char *out, size_t outsz)
{
    while (s < e && kf_ini_is_blank(*s))
        s++;
    while (e > s && kf_ini_is_blank(e[-1]))
        e--;
    if ((size_t)(e - s) >= outsz) return false;
    memcpy(out, s, (size_t)(e - s));
    out[e - s] = '\0';
    return true;
}

const char *kf_ini_check_text(const unsigned char *s, const unsigned char *e)
{
    while (s < e) {
        unsigned c = *s;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t') || c == 0x7f) return "control character in the line";
            s++;
            continue;
        }
        int n;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return "not valid UTF-8";
        }
        if (e - s <= n) return "not valid UTF-8";
        for (int i = 1; i <= n; i++) {
            if ((s[i] & 0xc0) != 0x80) return "not valid UTF-8";
            cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return "not valid UTF-8";
        s += n + 1;
    }
    return NULL;
}

bool kf_ini_valid_code(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > KF_CODE_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* ---- errors ---------------------------------------------------------------- */

int kf_ini_fail(kf_ini_src *src, int line, const char *section, const char *key, const char *fmt,
                ...)
{
    if (src->err_line) return 0;
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    src->err_line = line;
    if (section && *section && key)
        kf_fail(src->err, KF_BAD_INPUT, "%s:%d: [%s] %s: %s", src->file, line, section, key, what);
    else if (section && *section)
        kf_fail(src->err, KF_BAD_INPUT, "%s:%d: [%s]: %s", src->file, line, section, what);
    else if (key)
        kf_fail(src->err, KF_BAD_INPUT, "%s:%d: %s: %s", src->file, line, key, what);
    else
        kf_fail(src->err, KF_BAD_INPUT, "%s:%d: %s", src->file, line, what);
    return 0;
}

/* ---- the line reader -------------------------------------------------------- */

static char *reader(char *str, int num, void *stream)
{
    kf_ini_src *src = stream;
    if (src->err_line || src->p >= src->end) return NULL;
    const char *s = src->p;
    const char *nl = memchr(s, '\n', (size_t)(src->end - s));
    const char *e = nl ? nl : src->end;
    src->p = nl ? nl + 1 : src->end;
    src->lineno++;
    if (e > s && e[-1] == '\r') e--;
    if (src->lineno == 1 && e - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3;
    const char *why = kf_ini_check_text((const unsigned char *)s, (const unsigned char *)e);
    if (why) {
        kf_ini_fail(src, src->lineno, NULL, NULL, "%s", why);
        return NULL;
    }
    while (s < e && kf_ini_is_blank(*s))
        s++;
    if (s < e && (*s == ';' || *s == '#')) {
        e = s;
    } else {
        for (const char *q = s + 1; q < e; q++) {
            if ((*q == ';' || *q == '#') && kf_ini_is_blank(q[-1])) {
                e = q;
                break;
            }
        }
    }
    while (e > s && kf_ini_is_blank(e[-1]))
        e--;
    if (s < e && *s == '[') {
        const char *close = memchr(s, ']', (size_t)(e - s));
        if (close) {
            if (close + 1 != e) {
                kf_ini_fail(src, src->lineno, NULL, NULL, "syntax error: text after ']'");
                return NULL;
            }
            if (!src->start_section(src->ctx, s + 1, close)) return NULL;
        }
        /* without ']' inih reports the syntax error */
    }
    size_t n = (size_t)(e - s);
    if (num < 2 || n + 2 > (size_t)num) {
        kf_ini_fail(src, src->lineno, src->section, NULL,
                    "line too long (at most %d bytes without comments)", num < 2 ? 0 : num - 2);
        return NULL;
    }
    memcpy(str, s, n);
    str[n] = '\n';
    str[n + 1] = '\0';
    return str;
}

void kf_ini_init(kf_ini_src *src, const char *text, size_t len, const char *file,
                 const char *default_file, kf_err *err, const char *section,
                 kf_ini_section_fn start_section, void *ctx)
{
    memset(src, 0, sizeof *src);
    src->p = text ? text : "";
    src->end = src->p + (text ? len : 0);
    src->file = file && *file ? file : default_file;
    src->err = err;
    src->section = section;
    src->start_section = start_section;
    src->ctx = ctx;
}

kf_code kf_ini_parse(kf_ini_src *src, ini_handler handler, void *user)
{
    int rc = ini_parse_stream(reader, src, handler, user);
    if (rc < 0) return kf_fail(src->err, KF_SYSTEM, "%s: out of memory while parsing", src->file);
    if (rc > 0 && (src->err_line == 0 || rc < src->err_line))
        return kf_fail(src->err, KF_BAD_INPUT,
                       "%s:%d: syntax error: expected [section], key = value or a comment",
                       src->file, rc);
    return src->err_line ? KF_BAD_INPUT : KF_OK;
}
