/*
 * kifu common definitions: money type, errors, checked arithmetic.
 *
 * Every library function that can fail returns a kf_code and fills a kf_err
 * with a lowercase message that says what failed and where (file:line, seq,
 * id). The CLI prints "kifu: <msg>" and exits with the code (README, "Commands").
 */
#ifndef KIFU_COMMON_H
#define KIFU_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Money is whole yen, always int64. No float ever holds money. */
typedef int64_t kf_yen;

/* Largest amount a single donation or award may carry (1,000,000,000,000). */
#define KF_YEN_MAX_ONE INT64_C(1000000000000)

typedef enum {
    KF_OK = 0,
    KF_REFUSED = 1,   /* refused by the rules, or verification failed */
    KF_BAD_INPUT = 2, /* bad usage or bad input */
    KF_SYSTEM = 3     /* I/O, database, out of memory */
} kf_code;

typedef struct {
    kf_code code;
    char msg[1024];
} kf_err;

/* Sets err (if non-NULL) and returns code. printf-style. */
kf_code kf_fail(kf_err *err, kf_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Checked arithmetic: return false on overflow, leaving *out untouched. */
bool kf_add(kf_yen a, kf_yen b, kf_yen *out);
bool kf_sub(kf_yen a, kf_yen b, kf_yen *out);
bool kf_mul(kf_yen a, kf_yen b, kf_yen *out);

/* Parse a whole decimal int64 (optional leading '-', no spaces, no '+').
 * Returns false for empty, non-numeric, trailing junk or overflow. */
bool kf_parse_i64(const char *s, int64_t *out);

/* Round v down to a multiple of step (step >= 1, v >= 0). */
kf_yen kf_floor_to(kf_yen v, kf_yen step);

/* An id (group, member, partner, box) is [A-Za-z0-9_-]{1,64}. */
bool kf_id_valid(const char *id);

/* Hex helpers. out must hold 2*n+1 bytes. */
void kf_hex(const uint8_t *in, size_t n, char *out);
bool kf_unhex(const char *hex, uint8_t *out, size_t n);

/* Base64 (standard, padded) of n bytes into out (size >= 4*((n+2)/3)+1). */
void kf_b64(const uint8_t *in, size_t n, char *out, size_t outsz);
/* Decode standard padded base64; *outlen receives the length. */
bool kf_unb64(const char *in, uint8_t *out, size_t outmax, size_t *outlen);

/* Dates. A date is "YYYY-MM-DD"; returns false for impossible dates. */
bool kf_parse_date(const char *s, int *y, int *m, int *d);
/* Gregorian leap year; the days of month m (1..12) of year y. */
bool kf_is_leap(int y);
int kf_days_in_month(int y, int m);
/* "YYYY-MM-DD" of y (clamped to 0..9999), m and d, which the caller keeps
 * in range. */
void kf_format_date(char out[11], int y, int m, int d);

/* The clock: KIFU_NOW (RFC 3339) if set, else the system time, formatted as
 * RFC 3339 with offset. Returns false if KIFU_NOW is malformed. */
bool kf_now(char out[40], kf_err *err);
/* The fund's time zone: Japan Standard Time, UTC+09:00 all year (Japan has
 * no daylight saving). "Today" and the date of a commit are dates in it
 * (README and docs/ENTRIES.md, "Business dates"). */
#define KF_FUND_TZ_MINUTES (9 * 60)
#define KF_FUND_TZ "+09:00"
/* The date (YYYY-MM-DD) that the RFC 3339 time falls on in the fund's time
 * zone (2026-05-01T20:00:00Z is 2026-05-02). False if time is malformed. */
bool kf_fund_date(const char *time, char out[11]);
/* Today's date (YYYY-MM-DD) in the fund's time zone, per kf_now. */
bool kf_today(char out[11], kf_err *err);
/* Validate an RFC 3339 timestamp like 2026-05-01T09:00:00+09:00 or ...Z. */
bool kf_valid_rfc3339(const char *s);

/* Dynamic byte buffer, data NUL-terminated. The error is sticky: once an
 * append fails (out of memory, or a size past SIZE_MAX) `failed` is set,
 * that append and every later one add nothing and return false, and the
 * code that finishes the document checks once, with kf_buf_check. So a
 * document is either whole or reported, never silently cut short; the
 * appends' results need no checking one by one. kf_buf_free clears it. */
typedef struct {
    char *data;
    size_t len, cap;
    bool failed;
} kf_buf;
bool kf_buf_put(kf_buf *b, const void *p, size_t n);
bool kf_buf_puts(kf_buf *b, const char *s);
bool kf_buf_printf(kf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a JSON string literal (with quotes and escapes). */
bool kf_buf_json_str(kf_buf *b, const char *s);
/* KF_OK if every append to b succeeded, else KF_SYSTEM "out of memory". */
kf_code kf_buf_check(const kf_buf *b, kf_err *err);
void kf_buf_free(kf_buf *b);

#endif
