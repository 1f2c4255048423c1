/*
 * The INI line reader shared by the rules file (grants/rules.c) and the grant
 * application file (grants/application.c); not a public header.
 *
 * Parsing goes through libinih's ini_parse_stream with our own line reader,
 * which reads the in-memory text one line at a time and counts lines, so the
 * handler (called by inih right after the reader returned that line) knows
 * the line number (src->lineno). The reader also normalises each line before
 * inih sees it:
 *   - a UTF-8 BOM on line 1 is dropped; "\r\n" and "\n" both end a line;
 *   - a line must be valid UTF-8 without control characters (tab is fine);
 *   - leading blanks are dropped, so indented keys are fine and inih's
 *     multi-line continuation never applies (an indented line without '='
 *     is a syntax error, not a continuation);
 *   - comments are removed: a line whose first non-blank character is ';' or
 *     '#', and from a ';' or '#' preceded by a blank to the end of the line
 *     ("cap = 500000   # note"); "a#b" and "a;b" are kept as values;
 *   - section lines "[name]" are handed to the parser's start_section (inih
 *     truncates section names to 49 bytes and never reports empty sections),
 *     so unknown and duplicate sections are reported even when they hold no
 *     key; text after the ']' is an error;
 * What remains of a line must fit inih's line buffer (ini_max_line, 200 bytes
 * in Debian's build); a longer line is an error, not silently split.
 *
 * Errors: the first error stops parsing and reads
 *     FILE:LINE: [section] key: what
 * (see kf_ini_fail), and a line inih cannot parse reads
 * "FILE:LINE: syntax error: ...".
 */
#ifndef KIFU_GRANTS_INI_H
#define KIFU_GRANTS_INI_H

#include "kifu/common.h"

#include <ini.h>
#include <stdbool.h>
#include <stddef.h>

/* Called by the reader for a section line, with [s, e) the text between '['
 * and ']'. Returns false after reporting an error with kf_ini_fail. */
typedef bool (*kf_ini_section_fn)(void *ctx, const char *s, const char *e);

typedef struct {
    /* the text and the reader's position */
    const char *p, *end;
    const char *file; /* as shown in errors */
    int lineno;       /* the line the reader returned last, from 1 */
    /* the first error */
    kf_err *err;
    int err_line; /* 0 while there is none */
    /* the parser's current section as shown in errors; "" outside any
     * section (the parser keeps it so until a section starts) */
    const char *section;
    kf_ini_section_fn start_section;
    void *ctx; /* for start_section */
} kf_ini_src;

/* Sets up src to read [text, text + len) (NULL text: an empty file); file
 * names it in errors, or default_file when NULL or empty. */
void kf_ini_init(kf_ini_src *src, const char *text, size_t len, const char *file,
                 const char *default_file, kf_err *err, const char *section,
                 kf_ini_section_fn start_section, void *ctx);

/* Records the first error: "FILE:LINE: [section] key: what", leaving out
 * "[section] " when section is NULL or empty and "key: " when key is NULL.
 * Later errors are ignored. Returns 0 so a handler can `return fail(...)`. */
int kf_ini_fail(kf_ini_src *src, int line, const char *section, const char *key, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

/* Runs ini_parse_stream over src with handler (user is its first argument).
 * KF_OK, KF_BAD_INPUT with the first error in src->err, or KF_SYSTEM. */
kf_code kf_ini_parse(kf_ini_src *src, ini_handler handler, void *user);

/* ---- small text helpers ---------------------------------------------------- */

/* Space or tab. */
bool kf_ini_is_blank(char c);

/* Copies src into dst (size bytes), truncating; the callers check lengths. */
void kf_ini_copy_str(char *dst, size_t size, const char *src);

/* Copies [s, e) without surrounding blanks into out (NUL-terminated); false
 * if it does not fit. */
bool kf_ini_trim_copy(const char *s, const char *e, char *out, size_t outsz);

/* Valid UTF-8 without control characters other than tab. NULL if ok, else
 * what is wrong ("not valid UTF-8", "control character in the line"). */
const char *kf_ini_check_text(const unsigned char *s, const unsigned char *e);

/* A code: [a-z0-9_-]{1,64} (KF_CODE_MAX). */
bool kf_ini_valid_code(const char *s);

#endif
