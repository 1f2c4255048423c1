/*
 * bench_export: `kifu export audit` of a 1,000,000-donation ledger against
 * libxlsxwriter writing the same cells (target: ≤ 1.5× that baseline, peak
 * memory ≤ 100 MB). See bench/README.md.
 *
 *   bench_export [WORKDIR] [--ledger PATH] [--kifu PATH] [--fy Y] [--runs R]
 *
 * The ledger defaults to WORKDIR/ledger-1m.db, the ledger bench_import
 * leaves behind (its `kifu import donations` of 1,000,000 rows).
 *
 * kifu: `kifu --db LEDGER export audit --fy Y --out WORKDIR/audit.xlsx` as a
 * process, start to exit, with its peak RSS (wait4). It verifies the whole
 * ledger, reads every entry, and writes the six sheets.
 *
 * Baseline, in this process, timed from opening the ledger to the closed
 * workbook: raw SQLite reads of the entries (no decoding, no verification)
 * and libxlsxwriter in constant_memory mode writing the same two big sheets
 * with the same cells: the FY's donations (15 columns: the same numbers,
 * dates, and strings) and one row per entry (7 columns: seq, commit, time,
 * kind, actor, leaf hash, and the entry's fields as one line). The four
 * small sheets (a few hundred cells) are left out.
 */
#define BENCH_NAME "bench_export"
#include "common.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* --- kifu as a process ---------------------------------------------------- */

typedef struct {
    double ms;
    long rss_kb;
    char out[1024];
} proc;

static proc run_kifu(const char *kifu, const char *ledger, int fy, const char *xlsx)
{
    proc p = {0};
    char fys[16], outfile[PATH_MAX];
    snprintf(fys, sizeof fys, "%d", fy);
    snprintf(outfile, sizeof outfile, "%s.out", xlsx);
    fflush(stdout); /* or the child's freopen flushes our buffer a second time */
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) die("fork: %s", strerror(errno));
    if (pid == 0) {
        if (!freopen(outfile, "w", stdout)) _exit(126);
        setenv("KIFU_NOW", "2027-04-10T10:00:00+09:00", 1);
        /* --force: the workbook of the run before is replaced */
        execl(kifu, kifu, "--db", ledger, "--json", "export", "audit", "--fy", fys, "--out", xlsx,
              "--force", (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) die("wait4: %s", strerror(errno));
    p.ms = now_ms() - t0;
    p.rss_kb = ru.ru_maxrss;
    FILE *f = fopen(outfile, "r");
    if (f) {
        size_t n = fread(p.out, 1, sizeof p.out - 1, f);
        p.out[n] = '\0';
        fclose(f);
    }
    unlink(outfile);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("%s export audit failed (status %d): %s", kifu, status, p.out);
    return p;
}

/* --- the baseline ---------------------------------------------------------- */

/* The value of "\nKEY=" or "\nKEY#" in body (up to the line end), or NULL. */
static const char *field(const char *body, const char *key, char *out, size_t size)
{
    char pat[40];
    size_t n = (size_t)snprintf(pat, sizeof pat, "\n%s", key);
    for (const char *p = strstr(body, pat); p; p = strstr(p + 1, pat)) {
        char sep = p[n];
        if (sep != '=' && sep != '#') continue;
        const char *v = p + n + 1, *e = strchr(v, '\n');
        size_t len = e ? (size_t)(e - v) : strlen(v);
        if (len >= size) len = size - 1;
        memcpy(out, v, len);
        out[len] = '\0';
        return out;
    }
    return NULL;
}

typedef struct {
    int64_t donations, entries;
    double ms;
} base_result;

static base_result run_baseline(const char *ledger, int fy, const char *xlsx)
{
    base_result r = {0};
    double t0 = now_ms();
    sqlite3 *db;
    sqlite3_stmt *st;
    if (sqlite3_open_v2(ledger, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die("open %s: %s", ledger, sqlite3_errmsg(db));
    if (sqlite3_prepare_v2(db,
                           "SELECT e.seq, e.commit_id, e.kind, e.leaf, e.body, c.body FROM entries "
                           "e LEFT JOIN commits c ON c.id = e.commit_id ORDER BY e.seq",
                           -1, &st, NULL) != SQLITE_OK)
        die("prepare: %s", sqlite3_errmsg(db));
    lxw_workbook_options o = {.constant_memory = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(xlsx, &o);
    if (!wb) die("workbook_new_opt %s", xlsx);
    lxw_format *date = workbook_add_format(wb), *yen = workbook_add_format(wb),
               *integer = workbook_add_format(wb);
    format_set_num_format(date, "yyyy/mm/dd");
    format_set_num_format(yen, "#,##0\"円\"");
    format_set_num_format(integer, "0");
    workbook_add_worksheet(wb, "概要");
    lxw_worksheet *don = workbook_add_worksheet(wb, "寄附");
    workbook_add_worksheet(wb, "助成（交付台帳）");
    workbook_add_worksheet(wb, "財源");
    workbook_add_worksheet(wb, "照合");
    lxw_worksheet *led = workbook_add_worksheet(wb, "台帳");
    workbook_add_worksheet(wb, "検証");
    static const char *dcols[15] = {"seq",    "日付",   "受領番号", "種別",    "寄附元",
                                    "指定",   "計上先", "金額",     "手数料",  "指定分",
                                    "一般分", "方法",   "参照番号", "取消seq", "取消額"};
    static const char *lcols[7] = {"seq",    "コミット",       "時刻", "種類",
                                   "記録者", "リーフハッシュ", "内容"};
    for (int c = 0; c < 15; c++)
        worksheet_write_string(don, 0, (lxw_col_t)c, dcols[c], NULL);
    for (int c = 0; c < 7; c++)
        worksheet_write_string(led, 0, (lxw_col_t)c, lcols[c], NULL);
    lxw_row_t drow = 1, lrow = 1;
    char *text = malloc(1 << 20);
    if (!text) die("out of memory");
    char v[256], time_s[64] = "", hex[65], actor[300];
    int64_t commit_seen = -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0), commit = sqlite3_column_int64(st, 1);
        const char *kind = (const char *)sqlite3_column_text(st, 2);
        const unsigned char *leaf = sqlite3_column_blob(st, 3);
        const char *body = (const char *)sqlite3_column_text(st, 4);
        if (commit != commit_seen && sqlite3_column_type(st, 5) != SQLITE_NULL) {
            const char *cb = (const char *)sqlite3_column_text(st, 5);
            field(cb, "time", time_s, sizeof time_s);
            field(cb, "key", v, sizeof v);
            snprintf(actor, sizeof actor, "admin (%s)", v);
            commit_seen = commit;
        }
        /* Donations */
        if ((!strcmp(kind, "donation") || !strcmp(kind, "box.collect")) &&
            field(body, "fy", v, sizeof v) && strtol(v, NULL, 10) == fy) {
            int y, m, d;
            worksheet_write_number(don, drow, 0, (double)seq, integer);
            if (field(body, "date", v, sizeof v) && sscanf(v, "%d-%d-%d", &y, &m, &d) == 3) {
                lxw_datetime dt = {.year = y, .month = m, .day = d};
                worksheet_write_datetime(don, drow, 1, &dt, date);
            }
            snprintf(v, sizeof v, "%d-%06lld", fy, (long long)seq);
            worksheet_write_string(don, drow, 2, v, NULL);
            worksheet_write_string(don, drow, 3, kind, NULL);
            static const char *strs[3] = {"source", "to", "credit_pool"};
            for (int i = 0; i < 3; i++)
                worksheet_write_string(don, drow, (lxw_col_t)(4 + i),
                                       field(body, strs[i], v, sizeof v) ? v : "", NULL);
            static const char *nums[4] = {"amount", "fee", "credit", "credit_general"};
            for (int i = 0; i < 4; i++)
                worksheet_write_number(don, drow, (lxw_col_t)(7 + i),
                                       field(body, nums[i], v, sizeof v) ? atof(v) : 0, yen);
            if (field(body, "method", v, sizeof v)) worksheet_write_string(don, drow, 11, v, NULL);
            if (field(body, "ref", v, sizeof v)) worksheet_write_string(don, drow, 12, v, NULL);
            drow++;
            r.donations++;
        }
        /* Ledger */
        worksheet_write_number(led, lrow, 0, (double)seq, integer);
        worksheet_write_number(led, lrow, 1, (double)commit, integer);
        worksheet_write_string(led, lrow, 2, time_s, NULL);
        worksheet_write_string(led, lrow, 3, kind, NULL);
        worksheet_write_string(led, lrow, 4, actor, NULL);
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", leaf ? leaf[i] : 0);
        worksheet_write_string(led, lrow, 5, hex, NULL);
        /* the fields: the lines after "kind=", joined by spaces */
        const char *p = strstr(body, "\nkind=");
        p = p ? strchr(p + 1, '\n') : NULL;
        size_t n = 0;
        for (p = p ? p + 1 : ""; *p && n < (1 << 20) - 2; p++)
            text[n++] = *p == '\n' ? ' ' : *p;
        while (n && text[n - 1] == ' ')
            n--;
        text[n] = '\0';
        worksheet_write_string(led, lrow, 6, text, NULL);
        lrow++;
        r.entries++;
    }
    free(text);
    sqlite3_finalize(st);
    sqlite3_close(db);
    lxw_error e = workbook_close(wb);
    if (e != LXW_NO_ERROR) die("workbook_close: %s", lxw_strerror(e));
    r.ms = now_ms() - t0;
    return r;
}

/* --- main ------------------------------------------------------------------- */

static int64_t json_int(const char *s, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(s, pat);
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

/* An integer option in [min, max], or exit 2. */
static int int_arg(const char *opt, const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "bench_export: %s needs an integer from %ld to %ld\n", opt, min, max);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv)
{
    const char *dir = "/tmp/kifu-bench", *ledger = NULL, *kifu = NULL;
    int fy = 2026, runs = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--ledger") && i + 1 < argc)
            ledger = argv[++i];
        else if (!strcmp(argv[i], "--kifu") && i + 1 < argc)
            kifu = argv[++i];
        else if (!strcmp(argv[i], "--fy") && i + 1 < argc)
            fy = int_arg("--fy", argv[++i], 1900, 9998);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = int_arg("--runs", argv[++i], 1, 99);
        else if (argv[i][0] != '-')
            dir = argv[i];
        else {
            fprintf(stderr, "usage: bench_export [WORKDIR] [--ledger PATH] [--kifu PATH] [--fy Y] "
                            "[--runs R]\n");
            return 2;
        }
    }
    char lpath[PATH_MAX], kx[PATH_MAX], bx[PATH_MAX], kbin[PATH_MAX];
    if (!ledger) {
        snprintf(lpath, sizeof lpath, "%s/ledger-1m.db", dir);
        ledger = lpath;
    }
    if (!kifu) {
        /* next to this binary */
        ssize_t n = readlink("/proc/self/exe", kbin, sizeof kbin - 8);
        if (n < 0) die("readlink: %s", strerror(errno));
        kbin[n] = '\0';
        char *slash = strrchr(kbin, '/');
        size_t dir_len = slash ? (size_t)(slash + 1 - kbin) : 0;
        snprintf(kbin + dir_len, sizeof kbin - dir_len, "kifu");
        kifu = kbin;
    }
    struct stat sb;
    if (stat(ledger, &sb) != 0) {
        fprintf(stderr,
                "bench_export: no ledger %s; run bench_import first (bench/run.sh --only import), "
                "or give --ledger\n",
                ledger);
        return 2;
    }
    snprintf(kx, sizeof kx, "%s/audit-kifu.xlsx", dir);
    snprintf(bx, sizeof bx, "%s/audit-base.xlsx", dir);
    printf("export: %s (%.0f MB), FY %d, %d runs; kifu = `kifu export audit` (process), "
           "baseline = raw SQLite reads + libxlsxwriter writing the same cells\n",
           ledger, (double)sb.st_size / 1e6, fy, runs);
    double k[100], b[100], ratio[100];
    long rss = 0;
    proc last = {0};
    base_result br = {0};
    for (int r = 0; r < runs; r++) {
        sync();
        if (r % 2 == 0) last = run_kifu(kifu, ledger, fy, kx);
        sync();
        br = run_baseline(ledger, fy, bx);
        if (r % 2 == 1) {
            sync();
            last = run_kifu(kifu, ledger, fy, kx);
        }
        k[r] = last.ms;
        b[r] = br.ms;
        ratio[r] = k[r] / b[r];
        if (last.rss_kb > rss) rss = last.rss_kb;
        struct stat ks, bs;
        stat(kx, &ks);
        stat(bx, &bs);
        printf("  run %d: kifu %8.0f ms (peak RSS %ld MB, %.0f MB file)   baseline %8.0f ms (%.0f "
               "MB file)   ratio %.2f\n",
               r + 1, k[r], last.rss_kb / 1024, (double)ks.st_size / 1e6, b[r],
               (double)bs.st_size / 1e6, ratio[r]);
        fflush(stdout);
    }
    int64_t kd = json_int(last.out, "donations"), ke = json_int(last.out, "entries");
    printf("  cells: kifu %lld donation rows and %lld ledger rows; baseline %lld and %lld%s\n",
           (long long)kd, (long long)ke, (long long)br.donations, (long long)br.entries,
           kd == br.donations && ke == br.entries ? "" : "  MISMATCH");
    double km = median(k, (size_t)runs), bm = median(b, (size_t)runs),
           rm = median(ratio, (size_t)runs);
    printf("\nexport_audit_ms=%.0f baseline_ms=%.0f ratio=%.2f ratio_median_of_runs=%.2f "
           "peak_rss_mb=%ld runs=%d target_ratio=1.5 met=%s target_rss_mb=100 rss_met=%s\n",
           km, bm, km / bm, rm, rss / 1024, runs, km / bm <= 1.5 ? "yes" : "no",
           rss / 1024 <= 100 ? "yes" : "no");
    unlink(kx);
    unlink(bx);
    return 0;
}
