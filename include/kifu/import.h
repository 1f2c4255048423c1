/*
 * kifu import: donations from a CSV file in one commit.
 *
 * Two layers:
 *
 *   kf_csv_*     reads a CSV file record by record with libcsv: RFC 4180
 *                quoting (commas and line breaks inside quotes), LF, CRLF or
 *                lone CR line ends, a UTF-8 byte order mark, and CP932 (the
 *                encoding of Japanese Excel and bank exports) converted to
 *                UTF-8 with iconv. Every record carries the physical line
 *                where it starts, so that errors can name FILE:LINE even
 *                when a quoted field spans lines. A record with invalid bytes
 *                or malformed quoting comes back marked bad with its reason;
 *                the reader then carries on at the next line.
 *
 *   kf_import_*  maps the header to the columns date, amount (required) and
 *                source, to, donor, address, ref, method, fee (optional, any
 *                order), checks every row with kf_donation_parse and records
 *                it with kf_don_donate in the caller's transaction. It keeps
 *                going after a bad row, so that one run reports every bad
 *                row; the caller commits only if no row was bad.
 *
 * Invariants: a row that fails kf_don_donate has appended nothing (the
 * donations module validates before kf_txn_append); if that ever stops being
 * true, kf_import_run stops the ledger checks at that row rather than check
 * later rows against a half-applied one. Memory is bounded by the longest
 * record plus the refs of the file (to catch a ref repeated in the file); no
 * row is kept once it is recorded.
 */
#ifndef KIFU_IMPORT_H
#define KIFU_IMPORT_H

#include "kifu/common.h"
#include "kifu/ledger.h"

#include <stdio.h>

typedef enum { KF_CSV_UTF8, KF_CSV_CP932 } kf_csv_encoding;

/* "utf-8"/"utf8" or "cp932" (ASCII case-insensitive); false if neither. */
bool kf_csv_encoding_parse(const char *name, kf_csv_encoding *out);

/* --- the CSV reader ------------------------------------------------------- */

typedef struct kf_csv kf_csv;

/* Largest record (all its fields) the reader accepts: a longer one is bad
 * (usually a quote that is never closed). */
#define KF_CSV_RECORD_MAX (1 << 20)

typedef struct {
    int64_t line;        /* physical line (1-based) where the record starts */
    size_t nfields;      /* 0 for a bad record */
    const char **fields; /* UTF-8, NUL-terminated; CRLF inside a field is LF */
    const size_t *lens;  /* byte lengths (a field may hold a NUL byte) */
    bool bad;            /* invalid bytes or malformed CSV; fields unusable */
    int64_t bad_line;    /* the physical line of the problem */
    char reason[256];
} kf_csv_record;

/* Reads from f (not closed by kf_csv_close). A UTF-8 byte order mark at the
 * start is skipped for KF_CSV_UTF8. */
kf_code kf_csv_open(FILE *f, kf_csv_encoding enc, kf_csv **out, kf_err *err);
/* The next record that is not a blank line (a bad one included); *eof is
 * set, and rec left empty, after the last. rec's pointers stay valid until
 * the next call. KF_SYSTEM on a read error or out of memory. */
kf_code kf_csv_next(kf_csv *c, kf_csv_record *rec, bool *eof, kf_err *err);
/* Bytes of the file consumed so far (for progress). */
uint64_t kf_csv_offset(const kf_csv *c);
void kf_csv_close(kf_csv *c);

/* --- the donation import --------------------------------------------------- */

typedef struct {
    bool skip_duplicates; /* skip (and count) rows whose ref is already used */
    /* Called for every bad row (and header problem) in file order: the line
     * and the reason. */
    void (*on_error)(void *ctx, int64_t line, const char *reason);
    /* Called every few hundred rows with the bytes consumed. May be NULL. */
    void (*on_progress)(void *ctx, uint64_t offset);
    void *ctx;
} kf_import_opts;

typedef struct {
    int64_t rows;                /* data records read (blank lines not counted) */
    int64_t recorded;            /* donations appended to the transaction */
    int64_t skipped;             /* duplicates skipped (skip_duplicates) */
    int64_t bad;                 /* bad rows (each reported to on_error) */
    kf_yen total;                /* sum of the recorded amounts */
    kf_yen fees;                 /* sum of their fees */
    int64_t first_seq, last_seq; /* seqs of the recorded rows (0 if none) */
    int64_t stopped_line;        /* >0: ledger checks stopped at this line */
} kf_import_result;

typedef struct kf_import kf_import;

/* Reads the header row. Unknown, repeated or missing columns are reported
 * to opts->on_error with the header's line and give KF_BAD_INPUT (with a
 * summary in err). f stays the caller's. */
kf_code kf_import_open(FILE *f, kf_csv_encoding enc, const kf_import_opts *opts, kf_import **out,
                       kf_err *err);
/* Checks and records every data row in t (one kf_don_donate each).
 * KF_OK: every row is good and recorded in t (commit it, or abort for a dry
 * run). KF_BAD_INPUT: res->bad rows were bad and reported; t holds a partial
 * import and must be aborted. Any other code is a system error. */
kf_code kf_import_run(kf_import *im, kf_txn *t, kf_import_result *res, kf_err *err);
void kf_import_free(kf_import *im);

#endif
