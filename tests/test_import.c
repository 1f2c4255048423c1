/* Unit tests: the CSV reader of the donation import (quoting, line ends,
 * BOM, CP932, start lines, malformed input) and kf_import_* on a ledger. */
#include "check_common.h"
#include "kifu/donations.h"
#include "kifu/grants.h"
#include "kifu/import.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads every record of text; the records are rendered one per line as
 * "LINE:field|field|..." or "LINE:bad@BADLINE:reason". */
static char *read_all(const char *text, size_t len, kf_csv_encoding enc)
{
    FILE *f = fmemopen((void *)text, len, "rb");
    ck_assert_ptr_nonnull(f);
    kf_csv *c;
    kf_err err;
    kf_buf out = {0};
    ck_assert_int_eq(kf_csv_open(f, enc, &c, &err), KF_OK);
    for (;;) {
        kf_csv_record rec;
        bool eof;
        ck_assert_int_eq(kf_csv_next(c, &rec, &eof, &err), KF_OK);
        if (eof) break;
        kf_buf_printf(&out, "%lld:", (long long)rec.line);
        if (rec.bad) {
            kf_buf_printf(&out, "bad@%lld:%s\n", (long long)rec.bad_line, rec.reason);
            continue;
        }
        for (size_t i = 0; i < rec.nfields; i++) {
            ck_assert_uint_eq(strlen(rec.fields[i]), rec.lens[i]);
            kf_buf_printf(&out, "%s%s", i ? "|" : "", rec.fields[i]);
        }
        kf_buf_puts(&out, "\n");
    }
    kf_csv_close(c);
    fclose(f);
    kf_buf_put(&out, "", 0);
    return out.data;
}

#define CHECK_CSV(text, enc, want)                                                                 \
    do {                                                                                           \
        char *got = read_all((text), sizeof(text) - 1, (enc));                                     \
        ck_assert_str_eq(got, (want));                                                             \
        free(got);                                                                                 \
    } while (0)

START_TEST(quoting_and_start_lines)
{
    CHECK_CSV("date,amount,donor\n"
              "2026-04-01,1000,\"山田, 太郎\"\n"
              "\n"
              "2026-04-02,2000,\"two\nline\n\nfield\"\n"
              "  \n"
              "2026-04-03,3000,\"say \"\"hi\"\"\"\n"
              "2026-04-04,4000,last",
              KF_CSV_UTF8,
              "1:date|amount|donor\n"
              "2:2026-04-01|1000|山田, 太郎\n"
              "4:2026-04-02|2000|two\nline\n\nfield\n"
              "9:2026-04-03|3000|say \"hi\"\n"
              "10:2026-04-04|4000|last\n");
}
END_TEST

START_TEST(crlf_bom_and_lone_cr)
{
    /* CRLF inside quotes becomes LF; a lone CR ends a line as libcsv does. */
    CHECK_CSV("\xEF\xBB\xBF"
              "date,amount\r\n"
              "2026-04-01,\"a\r\nb\"\r\n"
              "\r\n"
              "2026-04-02,2\r"
              "2026-04-03,3\r\n",
              KF_CSV_UTF8,
              "1:date|amount\n"
              "2:2026-04-01|a\nb\n"
              "5:2026-04-02|2\n"
              "6:2026-04-03|3\n");
    /* A BOM anywhere but the start is data (and a field, not the header). */
    CHECK_CSV("a\n\xEF\xBB\xBF"
              "b\n",
              KF_CSV_UTF8,
              "1:a\n2:\xEF\xBB\xBF"
              "b\n");
}
END_TEST

START_TEST(empty_fields_and_blank_lines)
{
    CHECK_CSV("\n\na,,\"\"\n,,\n", KF_CSV_UTF8, "3:a||\n4:||\n");
    CHECK_CSV("", KF_CSV_UTF8, "");
    CHECK_CSV("\r\n\r\n", KF_CSV_UTF8, "");
}
END_TEST

START_TEST(cp932)
{
    /* 山田 (8E 52 93 63), half-width ﾀﾛｳ (C0 DB B3), ① (87 40), 髙 (FB FC),
     * a comma inside quotes and CRLF inside and after. */
    CHECK_CSV("donor,address\r\n"
              "\x8E\x52\x93\x63 \xC0\xDB\xB3,\"\x87\x40\r\n\xFB\xFC, 2F\"\r\n"
              "x,y\r\n",
              KF_CSV_CP932,
              "1:donor|address\n"
              "2:山田 ﾀﾛｳ|①\n髙, 2F\n"
              "4:x|y\n");
    /* An invalid byte is a bad record at its line; the next one is fine. */
    CHECK_CSV("a,b\r\n\"\x82\xA0\r\n\x82\",c\r\nok,1\r\n", KF_CSV_CP932,
              "1:a|b\n2:bad@3:invalid CP932 byte 0x82\n4:ok|1\n");
    /* A UTF-8 file read as CP932 is named as such. */
    CHECK_CSV("\xEF\xBB\xBF"
              "a\n",
              KF_CSV_CP932,
              "1:bad@1:the file starts with a UTF-8 byte order mark: it is UTF-8, not CP932\n");
}
END_TEST

START_TEST(bad_bytes_and_malformed)
{
    CHECK_CSV("a,b\n\xFF,1\nc,2\n", KF_CSV_UTF8,
              "1:a|b\n2:bad@2:invalid UTF-8 byte 0xFF (for a CP932 file, use --encoding "
              "cp932)\n3:c|2\n");
    CHECK_CSV("a,b\nx\0y,1\nc,2\n", KF_CSV_UTF8, "1:a|b\n2:bad@2:a NUL byte\n3:c|2\n");
    /* Overlong encodings and surrogates are not UTF-8. */
    CHECK_CSV("\xC0\xAF\n\xED\xA0\x80\n\xE3\x81\n", KF_CSV_UTF8,
              "1:bad@1:invalid UTF-8 byte 0xC0 (for a CP932 file, use --encoding cp932)\n"
              "2:bad@2:invalid UTF-8 byte 0xED\n"
              "3:bad@3:invalid UTF-8 byte 0xE3\n");
    /* A stray quote: the record is bad, reading resumes on the next line. */
    CHECK_CSV("a,b\nx\"y,1\n\"q\"z,2\nc,3\n", KF_CSV_UTF8,
              "1:a|b\n"
              "2:bad@2:malformed CSV (a quote inside an unquoted field, or text after a "
              "closing quote)\n"
              "3:bad@3:malformed CSV (a quote inside an unquoted field, or text after a "
              "closing quote)\n"
              "4:c|3\n");
    /* A quote never closed: named at the line where its record starts. */
    CHECK_CSV("a,b\nc,\"open\nmore\nlines\n", KF_CSV_UTF8,
              "1:a|b\n2:bad@2:malformed CSV (a quoted field is not closed at the end of the "
              "file)\n");
}
END_TEST

START_TEST(long_lines)
{
    size_t n = KF_CSV_RECORD_MAX + 100;
    char *text = malloc(n + 32);
    ck_assert_ptr_nonnull(text);
    memcpy(text, "a\n", 2);
    memset(text + 2, 'x', n);
    memcpy(text + 2 + n, "\nb\n", 3);
    char *got = read_all(text, n + 5, KF_CSV_UTF8);
    char want[256];
    snprintf(want, sizeof want, "1:a\n2:bad@2:line is longer than %d bytes\n3:b\n",
             KF_CSV_RECORD_MAX);
    ck_assert_str_eq(got, want);
    free(got);
    /* A quoted field that runs over the limit across many lines. */
    size_t lines = KF_CSV_RECORD_MAX / 1000 + 10, len = 0;
    char *big = malloc(lines * 1001 + 64);
    ck_assert_ptr_nonnull(big);
    len += (size_t)snprintf(big, 64, "a\n\"");
    for (size_t i = 0; i < lines; i++) {
        memset(big + len, 'y', 1000);
        big[len + 1000] = '\n';
        len += 1001;
    }
    memcpy(big + len, "\"\nok\n", 5);
    got = read_all(big, len + 5, KF_CSV_UTF8);
    ck_assert_msg(strncmp(got, "1:a\n2:bad@2:record is longer than", 33) == 0, "got %.200s", got);
    free(got);
    free(text);
    free(big);
}
END_TEST

START_TEST(encoding_names)
{
    kf_csv_encoding e;
    ck_assert(kf_csv_encoding_parse(NULL, &e) && e == KF_CSV_UTF8);
    ck_assert(kf_csv_encoding_parse("UTF-8", &e) && e == KF_CSV_UTF8);
    ck_assert(kf_csv_encoding_parse("cp932", &e) && e == KF_CSV_CP932);
    ck_assert(kf_csv_encoding_parse("utf8", &e) && e == KF_CSV_UTF8);
    const char *cp932[] = {"CP932", "ms932",     "Windows-31J", "sjis",
                           "SJIS",  "shift_jis", "Shift-JIS"};
    for (size_t i = 0; i < sizeof cp932 / sizeof cp932[0]; i++)
        ck_assert(kf_csv_encoding_parse(cp932[i], &e) && e == KF_CSV_CP932);
    ck_assert(!kf_csv_encoding_parse("euc-jp", &e));
    ck_assert(!kf_csv_encoding_parse("utf-16", &e));
}
END_TEST

/* --- kf_import on a ledger ------------------------------------------------- */

static char dir[64], path[128];
static kf_ledger *L;
static kf_signer admin;
static kf_buf errors;

static void on_error(void *ctx, int64_t line, const char *reason)
{
    (void)ctx;
    kf_buf_printf(&errors, "%lld: %s\n", (long long)line, reason);
}

static void setup(void)
{
    kf_err err;
    kf_txn *t;
    int64_t seq;
    static const char rules[] = "[fields]\nwelfare = 福祉\n";
    tu_tmpdir("imp", dir, path);
    L = tu_ledger(path, "F", "o", &admin);
    ck_assert_int_eq(kf_txn_begin(L, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_rules_load(t, "r.ini", rules, sizeof rules - 1, &seq, &err), KF_OK);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    errors.len = 0;
}

static void teardown(void)
{
    kf_buf_free(&errors);
    tu_cleanup(L, dir);
}

/* Imports text in one transaction; commits if good. */
static kf_code import(const char *text, bool skip, kf_import_result *res)
{
    FILE *f = fmemopen((void *)text, strlen(text), "rb");
    kf_import_opts o = {.skip_duplicates = skip, .on_error = on_error};
    kf_import *im;
    kf_txn *t;
    kf_err err;
    ck_assert_ptr_nonnull(f);
    memset(res, 0, sizeof *res);
    errors.len = 0;
    kf_code rc = kf_import_open(f, KF_CSV_UTF8, &o, &im, &err);
    if (rc) {
        fclose(f);
        return rc;
    }
    ck_assert_int_eq(kf_txn_begin(L, &admin, &t, &err), KF_OK);
    rc = kf_import_run(im, t, res, &err);
    if (rc == KF_OK && res->recorded)
        ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    else
        kf_txn_abort(t);
    kf_import_free(im);
    fclose(f);
    return rc;
}

static const char *errs(void)
{
    return errors.data ? errors.data : "";
}

START_TEST(header_problems)
{
    kf_import_result r;
    ck_assert_int_eq(import("\n\nAmount,date,bogus,date,\n", false, &r), KF_BAD_INPUT);
    ck_assert_str_eq(errs(), "3: unknown column 'bogus' (columns: date, amount, source, to, "
                             "donor, address, ref, method, fee)\n"
                             "3: column 'date' appears twice (columns 2 and 4)\n"
                             "3: column 5 of the header has no name\n");
    ck_assert_int_eq(import("ref,donor\n", false, &r), KF_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(errs(), "1: required column 'date' is missing"));
    ck_assert_ptr_nonnull(strstr(errs(), "1: required column 'amount' is missing"));
    ck_assert_int_eq(import("", false, &r), KF_BAD_INPUT);
    ck_assert_ptr_nonnull(strstr(errs(), "1: no header row"));
    ck_assert_int_eq(import("date,amount\n", false, &r), KF_OK);
    ck_assert_int_eq(r.rows, 0);
    ck_assert_int_eq(r.recorded, 0);
}
END_TEST

START_TEST(all_or_nothing)
{
    kf_import_result r;
    kf_ledger_info before, after;
    kf_err err;
    ck_assert_int_eq(kf_ledger_get_info(L, &before, &err), KF_OK);
    ck_assert_int_eq(import("amount,date,ref,to\n"
                            "100,2026-05-01,R1,field:welfare\n"
                            "200,2026-05-02,R2,field:nosuch\n"
                            ",,,\n"
                            "-1,2026-05-03,R3,\n"
                            "300,2026-05-04,R1,\n"
                            "400,2026-05-05,R4,general\n",
                            false, &r),
                     KF_BAD_INPUT);
    ck_assert_str_eq(errs(), "3: unknown field nosuch (see kifu rules show)\n"
                             "5: amount -1 must be more than 0 yen\n"
                             "6: ref 'R1' repeats line 2\n");
    ck_assert_int_eq(r.rows, 5);
    ck_assert_int_eq(r.bad, 3);
    ck_assert_int_eq(r.recorded, 2); /* in the aborted transaction */
    ck_assert_int_eq(kf_ledger_get_info(L, &after, &err), KF_OK);
    ck_assert_int_eq(after.size, before.size);

    /* A repeat names the line of the first row, whether that row was
     * recorded (the refs in the transaction) or refused by the ledger
     * checks (the import's own set); the rows between are counted right. */
    ck_assert_int_eq(import("amount,date,ref,to\n"
                            "1,2026-05-01,A1,\n"
                            "2,2026-05-01,B1,field:nosuch\n"
                            "\n"
                            "3,2026-05-01,A2,\n"
                            "4,2026-05-01,A3,\n"
                            "5,2026-05-01,B1,\n"
                            "6,2026-05-01,A3,\n"
                            "7,2026-05-01,A1,\n",
                            false, &r),
                     KF_BAD_INPUT);
    ck_assert_str_eq(errs(), "3: unknown field nosuch (see kifu rules show)\n"
                             "7: ref 'B1' repeats line 3\n"
                             "8: ref 'A3' repeats line 6\n"
                             "9: ref 'A1' repeats line 2\n");
    ck_assert_int_eq(r.bad, 4);
    ck_assert_int_eq(r.recorded, 3);
    ck_assert_int_eq(kf_ledger_get_info(L, &after, &err), KF_OK);
    ck_assert_int_eq(after.size, before.size);

    ck_assert_int_eq(import("amount,date,ref,fee\n"
                            "100,2026-05-01,R1,\n"
                            "1000,2026-05-02,R2,30\n",
                            false, &r),
                     KF_OK);
    ck_assert_int_eq(r.recorded, 2);
    ck_assert_int_eq(r.total, 1100);
    ck_assert_int_eq(r.fees, 30);
    ck_assert_int_eq(r.first_seq, before.size + 1);
    ck_assert_int_eq(r.last_seq, before.size + 2);
    ck_assert_int_eq(kf_ledger_get_info(L, &after, &err), KF_OK);
    ck_assert_int_eq(after.size, before.size + 2);
    ck_assert_int_eq(after.commits, before.commits + 1);

    /* Again: refused, or skipped (ledger and in-file repeats alike). */
    ck_assert_int_eq(import("amount,date,ref\n100,2026-05-01,R1\n", false, &r), KF_BAD_INPUT);
    ck_assert_str_eq(errs(),
                     "2: ref 'R1' is already recorded (--skip-duplicates skips such rows)\n");
    ck_assert_int_eq(import("amount,date,ref\n100,2026-05-01,R1\n5,2026-05-01,R9\n"
                            "6,2026-05-01,R9\n",
                            true, &r),
                     KF_OK);
    ck_assert_int_eq(r.skipped, 2);
    ck_assert_int_eq(r.recorded, 1);
    ck_assert_int_eq(r.total, 5);
}
END_TEST

static uint64_t last_offset;
static int64_t progress_calls;

static void on_progress(void *ctx, uint64_t offset)
{
    (void)ctx;
    ck_assert_uint_ge(offset, last_offset);
    last_offset = offset;
    progress_calls++;
}

/* The rows go through the reader thread in batches of 256: bad rows on both
 * sides of batch boundaries are reported once each, in file order; a ref
 * repeats across batches; donors' names and addresses arrive with their
 * rows; progress is reported in order up to the end of the file. */
START_TEST(many_batches)
{
    enum { ROWS = 1000 };
    kf_buf csv = {0}, want = {0};
    kf_import_result r;
    kf_err err;
    kf_buf_puts(&csv, "ref,amount,date,to,donor,address\n");
    for (int i = 0; i < ROWS; i++) {
        int line = i + 2;
        switch (i) {
        case 0:
        case 256:
            kf_buf_printf(&csv, "Q%d,-%d,2026-05-01,,,\n", i, i + 1);
            kf_buf_printf(&want, "%d: amount -%d must be more than 0 yen\n", line, i + 1);
            break;
        case 255:
            kf_buf_printf(&csv, "Q%d,1,2026-05-01,field:nosuch,,\n", i);
            kf_buf_printf(&want, "%d: unknown field nosuch (see kifu rules show)\n", line);
            break;
        case 257:
            kf_buf_printf(&csv, "Q%d,1,2026-05-01\n", i);
            kf_buf_printf(&want, "%d: the row has 3 fields, the header has 6\n", line);
            break;
        case 511:
            kf_buf_printf(&csv, "Q%d,1,2026-05-01,ab\"c,,\n", i);
            kf_buf_printf(&want,
                          "%d: malformed CSV (a quote inside an unquoted field, or text after "
                          "a closing quote)\n",
                          line);
            break;
        case 512:
            kf_buf_printf(&csv, "R10,1,2026-05-01,,,\n");
            kf_buf_printf(&want, "%d: ref 'R10' repeats line 12\n", line);
            break;
        case 700:
            kf_buf_printf(&csv, "Q255,1,2026-05-01,,,\n");
            kf_buf_printf(&want, "%d: ref 'Q255' repeats line 257\n", line);
            break;
        case ROWS - 1:
            kf_buf_printf(&csv, "Q%d,1,2026-02-30,,,\n", i);
            kf_buf_printf(&want, "%d: date '2026-02-30' is not a real date YYYY-MM-DD\n", line);
            break;
        default:
            kf_buf_printf(&csv, "R%d,%d,2026-05-01,,Donor %d,\"札幌市, %d\"\n", i, i + 1, i, i);
        }
    }
    kf_buf_put(&csv, "", 1);
    kf_buf_put(&want, "", 1);
    ck_assert_int_eq(import(csv.data, false, &r), KF_BAD_INPUT);
    ck_assert_str_eq(errs(), want.data);
    ck_assert_int_eq(r.rows, ROWS);
    ck_assert_int_eq(r.bad, 8);
    ck_assert_int_eq(r.recorded, ROWS - 8);

    /* The good rows alone, with progress: every donor's data is where it
     * belongs. */
    csv.len = 0;
    kf_buf_puts(&csv, "ref,amount,date,to,donor,address\n");
    for (int i = 0; i < ROWS; i++)
        kf_buf_printf(&csv, "R%d,%d,2026-05-01,,Donor %d,\"札幌市, %d\"\n", i, i + 1, i, i);
    size_t size = csv.len;
    kf_buf_put(&csv, "", 1);
    kf_ledger_info before;
    ck_assert_int_eq(kf_ledger_get_info(L, &before, &err), KF_OK);
    FILE *f = fmemopen(csv.data, size, "rb");
    kf_import_opts o = {.on_error = on_error, .on_progress = on_progress};
    kf_import *im;
    kf_txn *t;
    last_offset = 0;
    progress_calls = 0;
    ck_assert_int_eq(kf_import_open(f, KF_CSV_UTF8, &o, &im, &err), KF_OK);
    ck_assert_int_eq(kf_txn_begin(L, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_import_run(im, t, &r, &err), KF_OK);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    kf_import_free(im);
    fclose(f);
    ck_assert_int_eq(r.recorded, ROWS);
    ck_assert_int_eq(r.total, (int64_t)ROWS * (ROWS + 1) / 2);
    ck_assert_uint_eq(last_offset, size);
    ck_assert_int_eq(progress_calls, (ROWS + 255) / 256);
    for (int i = 0; i < ROWS; i += 37) {
        kf_personal p;
        char name[32], address[64];
        snprintf(name, sizeof name, "Donor %d", i);
        snprintf(address, sizeof address, "札幌市, %d", i);
        ck_assert_int_eq(kf_don_personal(L, before.size + 1 + i, &p, &err), KF_OK);
        ck_assert(p.present);
        ck_assert_str_eq(p.name, name);
        ck_assert_str_eq(p.address, address);
    }
    kf_buf_free(&csv);
    kf_buf_free(&want);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("import");
    TCase *tc = tcase_create("csv");
    tcase_set_timeout(tc, 60); /* generous under ASan on a busy 2-core CI */
    tcase_add_test(tc, quoting_and_start_lines);
    tcase_add_test(tc, crlf_bom_and_lone_cr);
    tcase_add_test(tc, empty_fields_and_blank_lines);
    tcase_add_test(tc, cp932);
    tcase_add_test(tc, bad_bytes_and_malformed);
    tcase_add_test(tc, long_lines);
    tcase_add_test(tc, encoding_names);
    suite_add_tcase(s, tc);
    tc = tcase_create("import");
    tcase_set_timeout(tc, 60); /* generous under ASan on a busy 2-core CI */
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, header_problems);
    tcase_add_test(tc, all_or_nothing);
    tcase_add_test(tc, many_batches);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(suite());
}
