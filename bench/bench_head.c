/*
 * bench_head: the cost of the head check every command (but verify) runs
 * when it opens a ledger (ledger/head.c), on a ledger you give it, say the
 * 1,000,000-entry ledger bench_import leaves in /tmp/kifu-bench.
 *
 *   bench_head LEDGER [RUNS]
 *
 * Timed, median of RUNS (default 51), in this process:
 *   baseline  sqlite3_open_v2 + the checks kf_ledger_open made before the
 *             head check (application_id, user_version) + close;
 *   open      kf_ledger_open (the same, the pragmas, and the head check) +
 *             kf_ledger_close;
 *   head      kf_ledger_head after another process committed (forced: the
 *             cached head is dropped by reopening), i.e. open - baseline.
 * The ratio open / baseline and the difference are printed.
 */
#define BENCH_NAME "bench_head"
#include "common.h"
#include "kifu/ledger.h"

static double time_baseline(const char *path)
{
    sqlite3 *db;
    double t0 = now_ms();
    sql_check(NULL, sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), "open");
    sqlite3_stmt *st;
    const char *q[] = {"PRAGMA application_id", "PRAGMA user_version"};
    for (int i = 0; i < 2; i++) {
        sql_check(db, sqlite3_prepare_v2(db, q[i], -1, &st, NULL), "prepare");
        sql_check(db, sqlite3_step(st), "step");
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return now_ms() - t0;
}

static double time_open(const char *path)
{
    kf_ledger *l;
    kf_err err = {0};
    double t0 = now_ms();
    check(kf_ledger_open(path, &l, &err), &err, "kf_ledger_open");
    kf_ledger_close(l);
    return now_ms() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 2) die("usage: bench_head LEDGER [RUNS]");
    int64_t n = 51;
    if (argc > 2 && (!kf_parse_i64(argv[2], &n) || n < 1 || n > 100000))
        die("RUNS '%s' must be a whole number from 1 to 100000", argv[2]);
    int runs = (int)n;
    double *b = calloc((size_t)runs, sizeof *b), *o = calloc((size_t)runs, sizeof *o);
    if (!b || !o) die("out of memory");
    time_open(argv[1]); /* warm the page cache */
    for (int i = 0; i < runs; i++) {
        b[i] = time_baseline(argv[1]);
        o[i] = time_open(argv[1]);
    }
    kf_ledger *l;
    kf_err err = {0};
    kf_ledger_info info;
    check(kf_ledger_open(argv[1], &l, &err), &err, "kf_ledger_open");
    check(kf_ledger_get_info(l, &info, &err), &err, "kf_ledger_get_info");
    kf_ledger_close(l);
    double mb = median(b, (size_t)runs), mo = median(o, (size_t)runs);
    printf("ledger %s: %lld entries, %lld commits; %d runs, medians\n", argv[1],
           (long long)info.size, (long long)info.commits, runs);
    printf("baseline open (sqlite3 + application_id + user_version)  %8.3f ms\n", mb);
    printf("kf_ledger_open with the head check                      %8.3f ms\n", mo);
    printf("head check (difference)                                 %8.3f ms\n", mo - mb);
    printf("ratio open / baseline                                   %8.2fx\n", mo / mb);
    printf("head_open_ms=%.3f baseline_ms=%.3f head_check_ms=%.3f entries=%lld\n", mo, mb, mo - mb,
           (long long)info.size);
    free(b);
    free(o);
    return 0;
}
