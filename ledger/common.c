/*
 * Small checked helpers used everywhere instead of ad-hoc parsing: errors,
 * int64 arithmetic, decimal parsing, hex/base64, dates, the clock, buffers.
 */
#include "kifu/common.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

kf_code kf_fail(kf_err *err, kf_code code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

bool kf_add(kf_yen a, kf_yen b, kf_yen *out)
{
    kf_yen r;
    if (__builtin_add_overflow(a, b, &r)) return false;
    *out = r;
    return true;
}

bool kf_sub(kf_yen a, kf_yen b, kf_yen *out)
{
    kf_yen r;
    if (__builtin_sub_overflow(a, b, &r)) return false;
    *out = r;
    return true;
}

bool kf_mul(kf_yen a, kf_yen b, kf_yen *out)
{
    kf_yen r;
    if (__builtin_mul_overflow(a, b, &r)) return false;
    *out = r;
    return true;
}

bool kf_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s) return false;
    const char *p = s;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    if (!*p) return false;
    int64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        int digit = *p - '0';
        if (__builtin_mul_overflow(v, 10, &v)) return false;
        if (neg ? __builtin_sub_overflow(v, digit, &v) : __builtin_add_overflow(v, digit, &v))
            return false;
    }
    *out = v;
    return true;
}

kf_yen kf_floor_to(kf_yen v, kf_yen step)
{
    if (step <= 1 || v <= 0) return v < 0 ? 0 : v;
    return v - v % step;
}

void kf_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool kf_unhex(const char *hex, uint8_t *out, size_t n)
{
    if (strlen(hex) != 2 * n) return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void kf_b64(const uint8_t *in, size_t n, char *out, size_t outsz)
{
    sodium_bin2base64(out, outsz, in, n, sodium_base64_VARIANT_ORIGINAL);
}

bool kf_unb64(const char *in, uint8_t *out, size_t outmax, size_t *outlen)
{
    const char *end = NULL;
    size_t len = strlen(in);
    if (sodium_base642bin(out, outmax, in, len, NULL, outlen, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    return end == in + len;
}

bool kf_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int kf_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && kf_is_leap(y) ? 29 : days[m - 1];
}

void kf_format_date(char out[11], int y, int m, int d)
{
    char tmp[48];
    if (y < 0) y = 0;
    if (y > 9999) y = 9999;
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
    memcpy(out, tmp, 10);
    out[10] = '\0';
}

static bool digits_at(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool kf_parse_date(const char *s, int *y, int *m, int *d)
{
    int yy, mm, dd;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
    if (!digits_at(s, 4, &yy) || !digits_at(s + 5, 2, &mm) || !digits_at(s + 8, 2, &dd))
        return false;
    if (yy < 1900 || mm < 1 || mm > 12 || dd < 1 || dd > kf_days_in_month(yy, mm)) return false;
    if (y) *y = yy;
    if (m) *m = mm;
    if (d) *d = dd;
    return true;
}

bool kf_valid_rfc3339(const char *s)
{
    int v;
    size_t len = s ? strlen(s) : 0;
    if (len < 20 ||
        !kf_parse_date((char[11]){s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], 0},
                       NULL, NULL, NULL))
        return false;
    if (s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
    if (!digits_at(s + 11, 2, &v) || v > 23 || !digits_at(s + 14, 2, &v) || v > 59 ||
        !digits_at(s + 17, 2, &v) || v > 60)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (p[0] == 'Z' && p[1] == '\0') return true;
    if ((p[0] != '+' && p[0] != '-') || strlen(p) != 6 || p[3] != ':') return false;
    return digits_at(p + 1, 2, &v) && v <= 23 && digits_at(p + 4, 2, &v) && v <= 59;
}

bool kf_now(char out[40], kf_err *err)
{
    const char *env = getenv("KIFU_NOW");
    if (env && *env) {
        if (strlen(env) >= 40 || !kf_valid_rfc3339(env)) {
            kf_fail(err, KF_BAD_INPUT,
                    "KIFU_NOW '%s' is not an RFC 3339 time like 2026-05-01T09:00:00+09:00", env);
            return false;
        }
        snprintf(out, 40, "%s", env);
        return true;
    }
    time_t t = time(NULL);
    struct tm tm;
    if (!localtime_r(&t, &tm)) {
        kf_fail(err, KF_SYSTEM, "cannot read the clock");
        return false;
    }
    char tz[8];
    strftime(tz, sizeof tz, "%z", &tm); /* +0900 */
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s%.3s:%.2s", base, tz, tz + 3);
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
 * Hinnant's days_from_civil and civil_from_days). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

bool kf_fund_date(const char *time, char out[11])
{
    int y = 1970, mo = 1, d = 1, hh = 0, mi = 0, off = 0;
    if (!kf_valid_rfc3339(time)) return false;
    kf_parse_date((char[11]){time[0], time[1], time[2], time[3], time[4], time[5], time[6], time[7],
                             time[8], time[9], 0},
                  &y, &mo, &d);
    digits_at(time + 11, 2, &hh);
    digits_at(time + 14, 2, &mi);
    const char *z = time + 19;
    if (*z == '.')
        for (z++; isdigit((unsigned char)*z); z++)
            ;
    if (*z != 'Z') {
        int oh = 0, om = 0;
        digits_at(z + 1, 2, &oh);
        digits_at(z + 4, 2, &om);
        off = (*z == '-' ? -1 : 1) * (oh * 60 + om);
    }
    /* minutes since 1970-01-01T00:00 in the fund's time zone */
    int64_t minutes = days_from_civil(y, mo, d) * 1440 + hh * 60 + mi - off + KF_FUND_TZ_MINUTES;
    int64_t day = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
    civil_from_days(day, &y, &mo, &d);
    kf_format_date(out, y, mo, d);
    return true;
}

bool kf_today(char out[11], kf_err *err)
{
    char now[40];
    if (!kf_now(now, err)) return false;
    if (!kf_fund_date(now, out)) {
        kf_fail(err, KF_SYSTEM, "the clock's time '%s' is not an RFC 3339 time", now);
        return false;
    }
    return true;
}

bool kf_buf_put(kf_buf *b, const void *p, size_t n)
{
    if (b->failed) return false;
    if (n >= SIZE_MAX - b->len) { /* len + n + 1 would wrap */
        b->failed = true;
        return false;
    }
    if (b->len + n + 1 > b->cap) {
        size_t need = b->len + n + 1, cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        char *d = realloc(b->data, cap);
        if (!d) {
            b->failed = true;
            return false;
        }
        b->data = d;
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool kf_buf_puts(kf_buf *b, const char *s)
{
    return kf_buf_put(b, s, strlen(s));
}

bool kf_buf_printf(kf_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (b->failed) return false;
    if (n < 0) {
        b->failed = true;
        return false;
    }
    if ((size_t)n < sizeof small) return kf_buf_put(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = true;
        return false;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    bool ok = kf_buf_put(b, big, (size_t)n);
    free(big);
    return ok;
}

bool kf_buf_json_str(kf_buf *b, const char *s)
{
    bool ok = kf_buf_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; ok && *p; p++) {
        switch (*p) {
        case '"':
            ok = kf_buf_puts(b, "\\\"");
            break;
        case '\\':
            ok = kf_buf_puts(b, "\\\\");
            break;
        case '\n':
            ok = kf_buf_puts(b, "\\n");
            break;
        case '\r':
            ok = kf_buf_puts(b, "\\r");
            break;
        case '\t':
            ok = kf_buf_puts(b, "\\t");
            break;
        default:
            if (*p < 0x20)
                ok = kf_buf_printf(b, "\\u%04x", *p);
            else
                ok = kf_buf_put(b, p, 1);
        }
    }
    return ok && kf_buf_put(b, "\"", 1);
}

kf_code kf_buf_check(const kf_buf *b, kf_err *err)
{
    return b->failed ? kf_fail(err, KF_SYSTEM, "out of memory") : KF_OK;
}

void kf_buf_free(kf_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

bool kf_id_valid(const char *id)
{
    size_t len = strlen(id);
    if (len == 0 || len > 64) return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}
