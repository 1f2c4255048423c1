/*
 * The donation import (include/kifu/import.h; README, "Commands"): header mapping,
 * per-row checks, duplicates, and recording in the caller's transaction.
 *
 * One pass over the file inside one write transaction. A reader thread
 * reads the CSV and checks each row's values (kf_donation_parse); this
 * thread takes the rows in file order and records each good one at once
 * (kf_don_donate), so the ledger-dependent checks of a row see the rows
 * before it (a ref used twice, a partner's pledge already paid by an
 * earlier row). A bad row appends nothing and the pass goes on, so every
 * bad row is reported, in file order; the caller then aborts. The reader
 * keeps at most NBATCHES batches of BATCH_ROWS rows ahead, so memory does
 * not grow with the file, and no second pass is needed when the file is
 * good, which is the common and the large case.
 */
#include "kifu/import.h"
#include "kifu/donations.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    COL_DATE,
    COL_AMOUNT,
    COL_SOURCE,
    COL_TO,
    COL_DONOR,
    COL_ADDRESS,
    COL_REF,
    COL_METHOD,
    COL_FEE,
    NCOLS
};
static const char *const col_names[NCOLS] = {"date",    "amount", "source", "to", "donor",
                                             "address", "ref",    "method", "fee"};
#define COL_LIST "date, amount, source, to, donor, address, ref, method, fee"

/* Refs with the line of each: open addressing over an arena of (int64 line,
 * NUL-terminated ref) records. A slot holds the record's arena offset + 1
 * (0 = empty). The import keeps in it only the refs of rows the ledger
 * checks refused: the refs of recorded rows are in don_refs already. */
typedef struct {
    char *arena;
    size_t len, cap;
    uint64_t *slots;
    size_t nslots, used;
} ref_set;

struct kf_import {
    kf_csv *csv;
    kf_import_opts opts;
    int col_of[NCOLS]; /* field index of each column, or -1 */
    size_t ncols;      /* fields in the header */
    ref_set refused;   /* refs of rows the ledger checks refused */
    int64_t *lines;    /* the line of each recorded row, by seq - first seq */
    size_t nlines, lines_cap;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static const char *ref_at(const ref_set *r, uint64_t slot, int64_t *line)
{
    const char *rec = r->arena + (slot - 1);
    memcpy(line, rec, sizeof *line);
    return rec + sizeof *line;
}

static bool ref_grow(ref_set *r)
{
    size_t n = r->nslots ? r->nslots * 2 : 1024;
    uint64_t *slots = calloc(n, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < r->nslots; i++) {
        if (!r->slots[i]) continue;
        int64_t line;
        size_t j = hash_str(ref_at(r, r->slots[i], &line)) & (n - 1);
        while (slots[j])
            j = (j + 1) & (n - 1);
        slots[j] = r->slots[i];
    }
    free(r->slots);
    r->slots = slots;
    r->nslots = n;
    return true;
}

/* The line of ref in r, or 0. */
static int64_t ref_find(const ref_set *r, const char *ref)
{
    if (!r->used) return 0;
    size_t mask = r->nslots - 1, j = hash_str(ref) & mask;
    for (; r->slots[j]; j = (j + 1) & mask) {
        int64_t seen;
        if (strcmp(ref_at(r, r->slots[j], &seen), ref) == 0) return seen;
    }
    return 0;
}

/* Adds ref with its line (the caller checked it is absent). False if out of
 * memory. */
static bool ref_add(ref_set *r, const char *ref, int64_t line)
{
    if ((r->used + 1) * 2 > r->nslots && !ref_grow(r)) return false;
    size_t mask = r->nslots - 1, j = hash_str(ref) & mask;
    while (r->slots[j])
        j = (j + 1) & mask;
    size_t n = strlen(ref) + 1, need = sizeof line + n;
    if (r->len + need > r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 65536;
        while (cap < r->len + need)
            cap *= 2;
        char *a = realloc(r->arena, cap);
        if (!a) return false;
        r->arena = a;
        r->cap = cap;
    }
    memcpy(r->arena + r->len, &line, sizeof line);
    memcpy(r->arena + r->len + sizeof line, ref, n);
    r->slots[j] = r->len + 1;
    r->len += need;
    r->used++;
    return true;
}

static void report(kf_import *im, int64_t line, const char *reason)
{
    if (im->opts.on_error) im->opts.on_error(im->opts.ctx, line, reason);
}

static void reportf(kf_import *im, int64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reportf(kf_import *im, int64_t line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    report(im, line, msg);
}

static bool all_empty(const kf_csv_record *rec)
{
    for (size_t i = 0; i < rec->nfields; i++)
        if (rec->lens[i]) return false;
    return true;
}

/* Maps the header's fields to columns; reports every problem. */
static int map_header(kf_import *im, const kf_csv_record *rec)
{
    int problems = 0;
    for (int c = 0; c < NCOLS; c++)
        im->col_of[c] = -1;
    im->ncols = rec->nfields;
    for (size_t i = 0; i < rec->nfields; i++) {
        const char *name = rec->fields[i];
        int col = -1;
        for (int c = 0; c < NCOLS; c++)
            if (strcasecmp(name, col_names[c]) == 0) col = c;
        if (col < 0) {
            if (*name)
                reportf(im, rec->line, "unknown column '%.100s' (columns: " COL_LIST ")", name);
            else
                reportf(im, rec->line, "column %zu of the header has no name", i + 1);
            problems++;
        } else if (im->col_of[col] >= 0) {
            reportf(im, rec->line, "column '%s' appears twice (columns %d and %zu)", col_names[col],
                    im->col_of[col] + 1, i + 1);
            problems++;
        } else {
            im->col_of[col] = (int)i;
        }
    }
    for (int c = COL_DATE; c <= COL_AMOUNT; c++)
        if (im->col_of[c] < 0) {
            reportf(im, rec->line,
                    "required column '%s' is missing (the header must name "
                    "date and amount)",
                    col_names[c]);
            problems++;
        }
    return problems;
}

kf_code kf_import_open(FILE *f, kf_csv_encoding enc, const kf_import_opts *opts, kf_import **out,
                       kf_err *err)
{
    kf_import *im = calloc(1, sizeof *im);
    kf_csv_record rec;
    bool eof;
    kf_code rc;
    if (!im) return kf_fail(err, KF_SYSTEM, "out of memory");
    im->opts = *opts;
    if ((rc = kf_csv_open(f, enc, &im->csv, err))) goto out_free;
    do {
        if ((rc = kf_csv_next(im->csv, &rec, &eof, err))) goto out_free;
    } while (!eof && !rec.bad && all_empty(&rec));
    if (eof) {
        report(im, 1, "no header row: the file is empty (the header must name date and amount)");
        rc = kf_fail(err, KF_BAD_INPUT, "no header row");
        goto out_free;
    }
    if (rec.bad) {
        report(im, rec.bad_line, rec.reason);
        rc = kf_fail(err, KF_BAD_INPUT, "the header row is not readable");
        goto out_free;
    }
    int problems = map_header(im, &rec);
    if (problems) {
        rc = kf_fail(err, KF_BAD_INPUT, "the header row has %d problem%s", problems,
                     problems == 1 ? "" : "s");
        goto out_free;
    }
    *out = im;
    return KF_OK;
out_free:
    kf_import_free(im);
    return rc;
}

void kf_import_free(kf_import *im)
{
    if (!im) return;
    kf_csv_close(im->csv);
    free(im->refused.arena);
    free(im->refused.slots);
    free(im->lines);
    free(im);
}

/* The cell of column col, or NULL when the file has no such column. */
static const char *cell(const kf_import *im, const kf_csv_record *rec, int col)
{
    return im->col_of[col] >= 0 ? rec->fields[im->col_of[col]] : NULL;
}

/* Remembers that the row at line got seq (rows are recorded in seq order). */
static bool note_line(kf_import *im, int64_t line)
{
    if (im->nlines == im->lines_cap) {
        size_t cap = im->lines_cap ? im->lines_cap * 2 : 4096;
        int64_t *l = realloc(im->lines, cap * sizeof *l);
        if (!l) return false;
        im->lines = l;
        im->lines_cap = cap;
    }
    im->lines[im->nlines++] = line;
    return true;
}

/* Records one good row with kf_don_donate. A refusal appends nothing, so
 * the transaction stays usable and the next row is checked against the rows
 * before it. A ref used before, in the ledger or by an earlier row of the
 * file, is refused by kf_don_donate (its don_refs insert is the uniqueness
 * check), so a duplicate costs a lookup only when a row is refused. Returns
 * non-OK only for what must stop the import. */
static kf_code record_row(kf_import *im, kf_txn *t, const kf_donation *d, int64_t line,
                          kf_import_result *res, kf_err *err)
{
    kf_err row_err = {0};
    bool exists = false;
    int64_t size_before = kf_txn_size(t), seq = 0, first_seq = 0;
    kf_code rc = kf_don_donate(t, d, &seq, &row_err);
    if (rc == KF_SYSTEM) {
        *err = row_err;
        return rc;
    }
    if (rc) {
        /* If a refusal ever appended something, the rows after it cannot be
         * checked against a sound state: stop the ledger checks. */
        if (kf_txn_size(t) != size_before) res->stopped_line = line;
        if (*d->ref && kf_don_ref_exists(kf_txn_ledger(t), d->ref, &exists, &first_seq, err))
            return KF_SYSTEM;
        if (exists && im->opts.skip_duplicates && !res->stopped_line) {
            res->skipped++;
            return KF_OK;
        }
        if (exists && res->first_seq && first_seq >= res->first_seq &&
            (size_t)(first_seq - res->first_seq) < im->nlines) {
            kf_fail(&row_err, KF_REFUSED, "ref '%s' repeats line %lld", d->ref,
                    (long long)im->lines[first_seq - res->first_seq]);
        } else if (exists) {
            kf_fail(&row_err, KF_REFUSED,
                    "ref '%s' is already recorded (--skip-duplicates skips such rows)", d->ref);
        } else if (*d->ref && !ref_add(&im->refused, d->ref, line)) {
            return kf_fail(err, KF_SYSTEM, "out of memory");
        }
        report(im, line, row_err.msg);
        res->bad++;
        return KF_OK;
    }
    if (!note_line(im, line)) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!res->first_seq) res->first_seq = seq;
    res->last_seq = seq;
    if (!kf_add(res->total, d->amount, &res->total) || !kf_add(res->fees, d->fee, &res->fees)) {
        report(im, line, "the import's total overflows int64 yen");
        res->bad++;
        return KF_OK;
    }
    res->recorded++;
    return KF_OK;
}

/* --- the reader thread -------------------------------------------------- */

/* The file is read, parsed and value-checked (kf_donation_parse) by a
 * second thread while this one does the ledger checks and appends: the two
 * halves of the work overlap on a machine with two cores. The reader hands
 * over rows in batches, in file order, through a ring of NBATCHES batches;
 * the recording side reports every bad row in file order, as before. */
#define BATCH_ROWS 256
#define NBATCHES 4

typedef struct {
    int64_t line;
    bool bad;              /* a bad row: text + msg is the reason */
    size_t msg;            /* bad: offset of the reason in the batch's text */
    size_t donor, address; /* offsets in the batch's text, or SIZE_MAX */
    kf_donation d;         /* good: the parsed values */
} row_item;

typedef struct {
    row_item items[BATCH_ROWS];
    size_t n;
    kf_buf text;     /* reasons, donor names and addresses */
    uint64_t offset; /* bytes of the file consumed after this batch */
    bool end;        /* the last batch (end of file, or rc) */
    kf_code rc;      /* the reader's system error, with err */
    kf_err err;
} row_batch;

typedef struct {
    kf_import *im;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    row_batch b[NBATCHES];
    size_t head, count; /* the filled batches: b[head], b[head + 1], ... */
    bool stop;          /* the recording side gave up */
} row_pipe;

/* Copies s (and its NUL) into the batch's text; its offset, or SIZE_MAX if
 * s is NULL or out of memory (then *oom). */
static size_t batch_text(row_batch *b, const char *s, bool *oom)
{
    if (!s) return SIZE_MAX;
    size_t off = b->text.len;
    if (!kf_buf_put(&b->text, s, strlen(s) + 1)) {
        *oom = true;
        return SIZE_MAX;
    }
    return off;
}

static row_item *bad_item(row_batch *b, int64_t line, const char *reason, bool *oom)
{
    row_item *it = &b->items[b->n++];
    it->line = line;
    it->bad = true;
    it->msg = batch_text(b, reason, oom);
    return it;
}

/* Fills b with the next rows of the file. */
static void fill_batch(kf_import *im, row_batch *b)
{
    kf_csv_record rec;
    kf_err row_err;
    bool eof, oom = false;
    char msg[128];
    b->n = 0;
    b->text.len = 0;
    b->end = false;
    b->rc = KF_OK;
    while (b->n < BATCH_ROWS && !oom) {
        if ((b->rc = kf_csv_next(im->csv, &rec, &eof, &b->err))) break;
        if (eof) break;
        if (rec.bad) {
            bad_item(b, rec.bad_line, rec.reason, &oom);
            continue;
        }
        if (all_empty(&rec)) continue;
        if (rec.nfields != im->ncols) {
            snprintf(msg, sizeof msg, "the row has %zu field%s, the header has %zu", rec.nfields,
                     rec.nfields == 1 ? "" : "s", im->ncols);
            bad_item(b, rec.line, msg, &oom);
            continue;
        }
        row_item *it = &b->items[b->n];
        if (kf_donation_parse(&it->d, cell(im, &rec, COL_AMOUNT), cell(im, &rec, COL_DATE),
                              cell(im, &rec, COL_SOURCE), cell(im, &rec, COL_TO),
                              cell(im, &rec, COL_DONOR), cell(im, &rec, COL_ADDRESS),
                              cell(im, &rec, COL_REF), cell(im, &rec, COL_METHOD),
                              cell(im, &rec, COL_FEE), &row_err)) {
            bad_item(b, rec.line, row_err.msg, &oom);
            continue;
        }
        b->n++;
        it->line = rec.line;
        it->bad = false;
        it->donor = batch_text(b, it->d.donor, &oom);
        it->address = batch_text(b, it->d.address, &oom);
    }
    if (oom && !b->rc) b->rc = kf_fail(&b->err, KF_SYSTEM, "out of memory");
    b->end = b->rc || b->n < BATCH_ROWS;
    b->offset = kf_csv_offset(im->csv);
}

static void *reader_main(void *arg)
{
    row_pipe *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->count == NBATCHES && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        bool stop = p->stop;
        row_batch *b = &p->b[(p->head + p->count) % NBATCHES];
        pthread_mutex_unlock(&p->mu);
        if (stop) return NULL;
        fill_batch(p->im, b);
        pthread_mutex_lock(&p->mu);
        p->count++;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (b->end) return NULL;
    }
}

/* Records (or reports) one row of a batch. */
static kf_code take_row(kf_import *im, kf_txn *t, const row_batch *b, row_item *it,
                        kf_import_result *res, kf_err *err)
{
    res->rows++;
    if (it->bad) {
        report(im, it->line, it->msg == SIZE_MAX ? "out of memory" : b->text.data + it->msg);
        res->bad++;
        return KF_OK;
    }
    kf_donation *d = &it->d;
    d->donor = it->donor == SIZE_MAX ? NULL : b->text.data + it->donor;
    d->address = it->address == SIZE_MAX ? NULL : b->text.data + it->address;
    if (*d->ref) {
        /* A ref of a refused row: don_refs does not have it. */
        int64_t first = ref_find(&im->refused, d->ref);
        if (first) {
            if (im->opts.skip_duplicates) {
                res->skipped++;
            } else {
                reportf(im, it->line, "ref '%s' repeats line %lld", d->ref, (long long)first);
                res->bad++;
            }
            return KF_OK;
        }
    }
    if (res->stopped_line) return KF_OK; /* values only from here on */
    return record_row(im, t, d, it->line, res, err);
}

kf_code kf_import_run(kf_import *im, kf_txn *t, kf_import_result *res, kf_err *err)
{
    row_pipe *p = calloc(1, sizeof *p);
    pthread_t reader;
    kf_code rc = KF_OK;
    memset(res, 0, sizeof *res);
    if (!p) return kf_fail(err, KF_SYSTEM, "out of memory");
    p->im = im;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&reader, NULL, reader_main, p) != 0) {
        rc = kf_fail(err, KF_SYSTEM, "cannot start the reader thread");
        goto out_free;
    }
    for (bool end = false; !end && !rc;) {
        pthread_mutex_lock(&p->mu);
        while (p->count == 0)
            pthread_cond_wait(&p->cv, &p->mu);
        row_batch *b = &p->b[p->head];
        pthread_mutex_unlock(&p->mu);
        for (size_t i = 0; i < b->n && !rc; i++)
            rc = take_row(im, t, b, &b->items[i], res, err);
        if (!rc && im->opts.on_progress) im->opts.on_progress(im->opts.ctx, b->offset);
        end = b->end;
        if (!rc && b->rc) {
            if (err) *err = b->err;
            rc = b->rc;
        }
        pthread_mutex_lock(&p->mu);
        p->head = (p->head + 1) % NBATCHES;
        p->count--;
        if (rc) p->stop = true;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    pthread_join(reader, NULL);
    if (rc) goto out_free;
    if (res->stopped_line)
        reportf(im, res->stopped_line,
                "the ledger checks stopped at this row; the rows after it were checked for "
                "their values only");
    if (res->bad)
        rc = kf_fail(err, KF_BAD_INPUT, "%lld bad row%s", (long long)res->bad,
                     res->bad == 1 ? "" : "s");
out_free:
    for (int i = 0; i < NBATCHES; i++)
        kf_buf_free(&p->b[i].text);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return rc;
}
