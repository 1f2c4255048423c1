/*
 * bench_ledger: performance of the kifu ledger against its targets (bench/README.md).
 *
 *   append   one commit of N (10,000) donation entries through kf_txn_begin /
 *            kf_txn_append / kf_txn_commit, against a raw SQLite baseline that
 *            inserts the same canonical entry bytes as BLOBs and SHA-256s each
 *            one, in one BEGIN IMMEDIATE transaction with the same pragmas
 *            (WAL, synchronous=FULL).                  target: <= 2x baseline
 *   verify   kf_ledger_verify of a ledger of M (1,000,000) entries built from
 *            commits of 10,000.                        target: <= 3 s at 1M
 *   prove    kf_ledger_prove_inclusion of random seqs on that ledger.
 *                                                      target: <= 10 ms each
 *   root     kf_ledger_root of the whole ledger (no target; reported).
 *
 * Each measurement is repeated --runs times and the MEDIAN is reported; the
 * append and baseline runs are interleaved so that machine noise hits both.
 * Usage: bench_ledger [WORKDIR] [--entries M] [--runs R] [--append N]
 *                     [--commit N] [--proofs K] [--rebuild] [--no-append]
 *                     [--no-verify] [--keep]
 * Exit codes: 0 ok (targets are reported, not enforced), 2 bad usage,
 * 3 a kifu/SQLite/system call failed.
 */
#define BENCH_NAME "bench_ledger"
#include "common.h"
#include "kifu/common.h"
#include "kifu/entry.h"
#include "kifu/keys.h"
#include "kifu/ledger.h"
#include "kifu/merkle.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#define TARGET_APPEND_RATIO 2.0
#define TARGET_VERIFY_MS_PER_1M 3000.0
#define TARGET_PROVE_MS 10.0
#define PATH_SZ 4096

typedef struct {
    const char *dir;
    int64_t entries; /* entries in the verify ledger (besides genesis) */
    int64_t append;  /* entries in the append commit */
    int64_t commit;  /* entries per commit when building the verify ledger */
    int runs;
    int proofs; /* random seqs proved per run */
    bool rebuild, do_append, do_verify, keep;
} options;

static kf_signer admin;

/* --- helpers ------------------------------------------------------------ */

/* "10k", "1m", or the plain number, for metric names. */
static void count_label(int64_t n, char *out, size_t outsz)
{
    if (n >= 1000000 && n % 1000000 == 0)
        snprintf(out, outsz, "%lldm", (long long)(n / 1000000));
    else if (n >= 1000 && n % 1000 == 0)
        snprintf(out, outsz, "%lldk", (long long)(n / 1000));
    else
        snprintf(out, outsz, "%lld", (long long)n);
}

/* --- entries ------------------------------------------------------------ */

/* A realistic donation entry; i makes amount, ref and donor_commit vary. */
static kf_entry *make_donation(int64_t i)
{
    kf_err err = {0};
    kf_entry *e = kf_entry_new("donation");
    if (!e) die("out of memory");
    char ref[32], donor[65];
    uint8_t seed[8], digest[32];
    for (int b = 0; b < 8; b++)
        seed[b] = (uint8_t)((uint64_t)i >> (8 * b));
    crypto_hash_sha256(digest, seed, sizeof seed);
    kf_hex(digest, sizeof digest, donor);
    snprintf(ref, sizeof ref, "R%06lld", (long long)(i % 1000000 + 1));
    int64_t amount = 1000 + (int64_t)(digest[0] | digest[1] << 8) * 7 % 299000;
    check(kf_entry_set_int(e, "amount", amount, &err), &err, "kf_entry_set_int amount");
    check(kf_entry_set_str(e, "date", "2026-05-01", &err), &err, "kf_entry_set_str date");
    check(kf_entry_set_str(e, "to", "general", &err), &err, "kf_entry_set_str to");
    check(kf_entry_set_str(e, "ref", ref, &err), &err, "kf_entry_set_str ref");
    check(kf_entry_set_str(e, "method", "transfer", &err), &err, "kf_entry_set_str method");
    check(kf_entry_set_str(e, "donor_commit", donor, &err), &err, "kf_entry_set_str donor_commit");
    return e;
}

/* --- benchmark a: append ------------------------------------------------ */

/* Fresh ledger (not timed), then begin + n appends + commit (timed). */
/* Phase split of the last timed run (for the breakdown line). */
typedef struct {
    double loop_ms, commit_ms;
} phases;

static double run_kifu_append(const options *o, kf_entry **ents, int64_t n, int run, phases *ph)
{
    kf_err err = {0};
    kf_ledger *l;
    kf_txn *t;
    char path[PATH_SZ];
    snprintf(path, sizeof path, "%s/append-kifu-%d.db", o->dir, run);
    remove_db(path);
    check(kf_ledger_create(path, "Bench Fund", "bench.example/append", &admin, &l, &err), &err,
          "kf_ledger_create");
    double t0 = now_ms();
    check(kf_txn_begin(l, &admin, &t, &err), &err, "kf_txn_begin");
    for (int64_t i = 0; i < n; i++) {
        kf_code rc = kf_txn_append(t, ents[i], &err);
        if (rc != KF_OK) {
            kf_txn_abort(t);
            check(rc, &err, "kf_txn_append");
        }
    }
    double t1 = now_ms();
    int64_t cid = 0;
    check(kf_txn_commit(t, &cid, &err), &err, "kf_txn_commit");
    double dt = now_ms() - t0;
    ph->loop_ms = t1 - t0;
    ph->commit_ms = now_ms() - t1;
    if (cid != 2) die("append commit got id %lld, expected 2", (long long)cid);
    kf_ledger_info info;
    check(kf_ledger_get_info(l, &info, &err), &err, "kf_ledger_get_info");
    if (info.size != n + 1)
        die("append ledger has %lld entries, expected %lld", (long long)info.size,
            (long long)(n + 1));
    kf_ledger_close(l);
    if (!o->keep) remove_db(path);
    return dt;
}

/* Fresh SQLite file with the same pragmas and a (seq, body) table (not
 * timed), then BEGIN IMMEDIATE + n inserts with SHA-256 of each body +
 * COMMIT (timed). */
static double run_baseline(const options *o, kf_buf *bodies, int64_t n, int run, phases *ph)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st;
    char path[PATH_SZ];
    snprintf(path, sizeof path, "%s/append-base-%d.db", o->dir, run);
    remove_db(path);
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    sql_check(db, rc, "open");
    sql_check(db,
              sqlite3_exec(db,
                           "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                           "CREATE TABLE entries(seq INTEGER PRIMARY KEY, body BLOB NOT NULL);",
                           NULL, NULL, NULL),
              "setup");
    double t0 = now_ms();
    sql_check(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), "BEGIN IMMEDIATE");
    sql_check(db,
              sqlite3_prepare_v2(db, "INSERT INTO entries(seq, body) VALUES(?,?)", -1, &st, NULL),
              "prepare");
    volatile uint8_t sink = 0;
    for (int64_t i = 0; i < n; i++) {
        uint8_t h[32];
        crypto_hash_sha256(h, (const uint8_t *)bodies[i].data, bodies[i].len);
        sink ^= h[0];
        sqlite3_bind_int64(st, 1, i + 2);
        sqlite3_bind_blob(st, 2, bodies[i].data, (int)bodies[i].len, SQLITE_STATIC);
        sql_check(db, sqlite3_step(st), "insert");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    double t1 = now_ms();
    sql_check(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "COMMIT");
    double dt = now_ms() - t0;
    ph->loop_ms = t1 - t0;
    ph->commit_ms = now_ms() - t1;
    (void)sink;
    sqlite3_close(db);
    if (!o->keep) remove_db(path);
    return dt;
}

typedef struct {
    double kifu_ms, base_ms, ratio, ratio_of_runs;
    double kifu_loop_ms, kifu_commit_ms, base_loop_ms, base_commit_ms; /* medians */
} append_result;

static append_result bench_append(const options *o)
{
    int64_t n = o->append;
    kf_err err = {0};
    kf_entry **ents = calloc((size_t)n, sizeof *ents);
    kf_buf *bodies = calloc((size_t)n, sizeof *bodies);
    double *tk = calloc((size_t)o->runs, sizeof *tk), *tb = calloc((size_t)o->runs, sizeof *tb);
    double *tr = calloc((size_t)o->runs, sizeof *tr);
    double *ph4 = calloc(4 * (size_t)o->runs, sizeof *ph4); /* kloop, kcommit, bloop, bcommit */
    if (!ents || !bodies || !tk || !tb || !tr || !ph4) die("out of memory");
    /* The baseline stores exactly the bytes kifu will store: seq 2..n+1. */
    for (int64_t i = 0; i < n; i++) {
        ents[i] = make_donation(i);
        ents[i]->magic = KF_ENTRY_MAGIC;
        ents[i]->seq = i + 2;
        check(kf_entry_encode(ents[i], &bodies[i], &err), &err, "kf_entry_encode");
    }
    printf("append: %lld entries per commit, %d runs (first body %zu bytes)\n", (long long)n,
           o->runs, bodies[0].len);
    for (int r = 0; r < o->runs; r++) {
        /* Alternate which goes first so drift affects both equally. */
        phases pk, pb;
        if (r % 2 == 0) {
            tk[r] = run_kifu_append(o, ents, n, r, &pk);
            tb[r] = run_baseline(o, bodies, n, r, &pb);
        } else {
            tb[r] = run_baseline(o, bodies, n, r, &pb);
            tk[r] = run_kifu_append(o, ents, n, r, &pk);
        }
        tr[r] = tk[r] / tb[r];
        size_t R = (size_t)o->runs;
        ph4[0 * R + (size_t)r] = pk.loop_ms;
        ph4[1 * R + (size_t)r] = pk.commit_ms;
        ph4[2 * R + (size_t)r] = pb.loop_ms;
        ph4[3 * R + (size_t)r] = pb.commit_ms;
        printf("  run %d: kifu %8.1f ms (appends %.1f + commit %.1f)   baseline %8.1f ms "
               "(inserts %.1f + commit %.1f)   ratio %.2f\n",
               r + 1, tk[r], pk.loop_ms, pk.commit_ms, tb[r], pb.loop_ms, pb.commit_ms, tr[r]);
        fflush(stdout);
    }
    append_result res;
    res.kifu_ms = median(tk, (size_t)o->runs);
    res.base_ms = median(tb, (size_t)o->runs);
    res.ratio = res.kifu_ms / res.base_ms;
    res.ratio_of_runs = median(tr, (size_t)o->runs);
    res.kifu_loop_ms = median(ph4, (size_t)o->runs);
    res.kifu_commit_ms = median(ph4 + o->runs, (size_t)o->runs);
    res.base_loop_ms = median(ph4 + 2 * o->runs, (size_t)o->runs);
    res.base_commit_ms = median(ph4 + 3 * o->runs, (size_t)o->runs);
    free(ph4);
    for (int64_t i = 0; i < n; i++) {
        kf_entry_free(ents[i]);
        kf_buf_free(&bodies[i]);
    }
    free(ents);
    free(bodies);
    free(tk);
    free(tb);
    free(tr);
    return res;
}

/* --- benchmark b: verify, prove, root ----------------------------------- */

/* Opens the cached ledger if it has exactly want entries; else NULL. */
static kf_ledger *open_cached(const char *path, int64_t want)
{
    kf_err err = {0};
    kf_ledger *l;
    struct stat sb;
    if (stat(path, &sb) != 0) return NULL;
    if (kf_ledger_open(path, &l, &err) != KF_OK) {
        printf("  cached ledger %s unusable (%s); rebuilding\n", path, err.msg);
        return NULL;
    }
    kf_ledger_info info;
    check(kf_ledger_get_info(l, &info, &err), &err, "kf_ledger_get_info");
    if (info.size != want) {
        printf("  cached ledger %s has %lld entries, not %lld; rebuilding\n", path,
               (long long)info.size, (long long)want);
        kf_ledger_close(l);
        return NULL;
    }
    return l;
}

static kf_ledger *build_ledger(const options *o, const char *path, double *build_ms)
{
    kf_err err = {0};
    kf_ledger *l;
    remove_db(path);
    double t0 = now_ms();
    check(kf_ledger_create(path, "Bench Fund", "bench.example/verify", &admin, &l, &err), &err,
          "kf_ledger_create");
    int64_t done = 0, commits = 0;
    while (done < o->entries) {
        int64_t n = o->entries - done < o->commit ? o->entries - done : o->commit;
        kf_txn *t;
        check(kf_txn_begin(l, &admin, &t, &err), &err, "kf_txn_begin");
        for (int64_t i = 0; i < n; i++) {
            kf_entry *e = make_donation(done + i);
            kf_code rc = kf_txn_append(t, e, &err);
            kf_entry_free(e);
            if (rc != KF_OK) {
                kf_txn_abort(t);
                check(rc, &err, "kf_txn_append");
            }
        }
        check(kf_txn_commit(t, NULL, &err), &err, "kf_txn_commit");
        done += n;
        commits++;
        if (commits % 10 == 0 || done == o->entries) {
            printf("  built %lld / %lld entries (%.1f s)\n", (long long)done, (long long)o->entries,
                   (now_ms() - t0) / 1e3);
            fflush(stdout);
        }
    }
    *build_ms = now_ms() - t0;
    return l;
}

typedef struct {
    double build_ms; /* < 0: reused from cache */
    double verify_ms, verify_max_ms;
    double prove_ms, prove_max_ms;
    double root_ms;
    int64_t entries, commits, nodes;
    size_t proof_len;
} verify_result;

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng_next(void)
{
    /* splitmix64: deterministic, so runs prove the same seqs. */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static verify_result bench_verify(const options *o)
{
    verify_result res = {.build_ms = -1};
    kf_err err = {0};
    char path[PATH_SZ], label[32];
    count_label(o->entries, label, sizeof label);
    snprintf(path, sizeof path, "%s/verify-%s-c%lld.db", o->dir, label, (long long)o->commit);
    int64_t total = o->entries + 1; /* + genesis */
    int64_t want_commits = (o->entries + o->commit - 1) / o->commit + 1;

    printf("verify: ledger of %lld entries (+ genesis) in commits of %lld: %s\n",
           (long long)o->entries, (long long)o->commit, path);
    kf_ledger *l = o->rebuild ? NULL : open_cached(path, total);
    if (l) {
        /* A ledger cached by an older kifu may not verify with this one:
         * check it once (untimed) and rebuild it if it does not. */
        kf_verify_report rep;
        if (kf_ledger_verify(l, NULL, &rep, &err) == KF_OK && rep.entries == total) {
            printf("  reusing cached ledger (pass --rebuild to rebuild it)\n");
        } else {
            printf("  cached ledger does not verify with this kifu (%s); rebuilding\n", err.msg);
            kf_ledger_close(l);
            l = NULL;
        }
    }
    if (!l) {
        l = build_ledger(o, path, &res.build_ms);
        printf("  build time: %.1f s (%.0f entries/s; not part of any target)\n",
               res.build_ms / 1e3, (double)o->entries / (res.build_ms / 1e3));
    }

    double *tv = calloc((size_t)o->runs, sizeof *tv);
    double *troot = calloc((size_t)o->runs, sizeof *troot);
    size_t nprove = (size_t)o->runs * (size_t)o->proofs;
    double *tp = calloc(nprove ? nprove : 1, sizeof *tp);
    if (!tv || !troot || !tp) die("out of memory");

    for (int r = 0; r < o->runs; r++) {
        kf_verify_report rep;
        kf_verify_opts vo = {0};
        double t0 = now_ms();
        check(kf_ledger_verify(l, &vo, &rep, &err), &err, "kf_ledger_verify");
        tv[r] = now_ms() - t0;
        if (rep.entries != total)
            die("verify reported %lld entries, expected %lld", (long long)rep.entries,
                (long long)total);
        if (rep.commits != want_commits)
            die("verify reported %lld commits, expected %lld", (long long)rep.commits,
                (long long)want_commits);
        res.entries = rep.entries;
        res.commits = rep.commits;
        res.nodes = rep.nodes;
        printf("  verify run %d: %9.1f ms  (%lld entries, %lld commits, %lld nodes)\n", r + 1,
               tv[r], (long long)rep.entries, (long long)rep.commits, (long long)rep.nodes);
        fflush(stdout);

        kf_hash root;
        t0 = now_ms();
        check(kf_ledger_root(l, 0, root, &err), &err, "kf_ledger_root");
        troot[r] = now_ms() - t0;
        if (memcmp(root, rep.root, KF_HASH_LEN) != 0)
            die("kf_ledger_root differs from the root kf_ledger_verify computed");

        for (int p = 0; p < o->proofs; p++) {
            int64_t seq = (int64_t)(rng_next() % (uint64_t)total) + 1;
            kf_hash path_h[KF_PROOF_MAX], leaf;
            size_t n = 0;
            t0 = now_ms();
            check(kf_ledger_prove_inclusion(l, seq, 0, path_h, &n, &err), &err,
                  "kf_ledger_prove_inclusion");
            tp[(size_t)r * (size_t)o->proofs + (size_t)p] = now_ms() - t0;
            /* Check the proof (not timed). */
            check(kf_ledger_leaf(l, seq, leaf, &err), &err, "kf_ledger_leaf");
            if (!kf_merkle_verify_inclusion((uint64_t)seq - 1, (uint64_t)total, leaf,
                                            (const kf_hash *)path_h, n, root))
                die("inclusion proof of seq %lld does not verify", (long long)seq);
            if (n > res.proof_len) res.proof_len = n;
        }
    }
    res.verify_max_ms = max_of(tv, (size_t)o->runs);
    res.verify_ms = median(tv, (size_t)o->runs);
    res.root_ms = median(troot, (size_t)o->runs);
    res.prove_max_ms = max_of(tp, nprove);
    res.prove_ms = median(tp, nprove);
    kf_ledger_close(l);
    free(tv);
    free(troot);
    free(tp);
    return res;
}

/* --- main --------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_ledger [WORKDIR] [options]\n"
               "  WORKDIR          where ledgers are written (default /tmp/kifu-bench)\n"
               "  --entries M      entries in the verify ledger (default 1000000)\n"
               "  --append N       entries in the timed append commit (default 10000)\n"
               "  --commit N       entries per commit when building (default 10000)\n"
               "  --runs R         repetitions; medians are reported (default 5)\n"
               "  --proofs K       random seqs proved per run (default 20)\n"
               "  --rebuild        rebuild the cached verify ledger even if it exists\n"
               "  --no-append      skip the append benchmark\n"
               "  --no-verify      skip the verify/prove/root benchmark\n"
               "  --keep           keep the append ledgers and baseline files\n"
               "quick smoke run: bench_ledger --entries 20000 --runs 1\n");
}

static int64_t parse_pos(const char *opt, const char *v)
{
    int64_t n;
    if (!v || !kf_parse_i64(v, &n) || n < 1) {
        fprintf(stderr, "bench_ledger: %s needs a positive integer\n", opt);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv)
{
    options o = {.dir = "/tmp/kifu-bench",
                 .entries = 1000000,
                 .append = 10000,
                 .commit = 10000,
                 .runs = 5,
                 .proofs = 20,
                 .do_append = true,
                 .do_verify = true};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--entries") == 0)
            o.entries = parse_pos(a, argv[++i]);
        else if (strcmp(a, "--append") == 0)
            o.append = parse_pos(a, argv[++i]);
        else if (strcmp(a, "--commit") == 0)
            o.commit = parse_pos(a, argv[++i]);
        else if (strcmp(a, "--runs") == 0)
            o.runs = (int)parse_pos(a, argv[++i]);
        else if (strcmp(a, "--proofs") == 0)
            o.proofs = (int)parse_pos(a, argv[++i]);
        else if (strcmp(a, "--rebuild") == 0)
            o.rebuild = true;
        else if (strcmp(a, "--no-append") == 0)
            o.do_append = false;
        else if (strcmp(a, "--no-verify") == 0)
            o.do_verify = false;
        else if (strcmp(a, "--keep") == 0)
            o.keep = true;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] != '-')
            o.dir = a;
        else {
            usage(stderr);
            return 2;
        }
    }
    if (o.runs > 1000 || o.proofs > 100000) {
        fprintf(stderr, "bench_ledger: --runs or --proofs is unreasonably large\n");
        return 2;
    }

    if (strlen(o.dir) > PATH_SZ / 2) {
        fprintf(stderr, "bench_ledger: work directory path is too long\n");
        return 2;
    }
    if (sodium_init() < 0) die("sodium_init failed");
    mkdir_p(o.dir);
    kf_err err = {0};
    check(kf_key_generate("bench-admin", &admin, &err), &err, "kf_key_generate");

    printf("kifu bench_ledger: dir=%s runs=%d sqlite=%s libsodium=%s\n\n", o.dir, o.runs,
           sqlite3_libversion(), sodium_version_string());
    fflush(stdout);

    append_result ar = {0};
    verify_result vr = {0};
    if (o.do_append) {
        ar = bench_append(&o);
        printf("\n");
    }
    if (o.do_verify) {
        vr = bench_verify(&o);
        printf("\n");
    }

    char alabel[32], vlabel[32];
    count_label(o.append, alabel, sizeof alabel);
    count_label(o.entries, vlabel, sizeof vlabel);
    double verify_target = TARGET_VERIFY_MS_PER_1M * (double)o.entries / 1e6;

    printf("%-34s %12s %14s %s\n", "metric (median of runs)", "value", "target", "met");
    printf("%-34s %12s %14s %s\n", "----------------------------------", "------------",
           "--------------", "---");
    if (o.do_append) {
        char name[64];
        snprintf(name, sizeof name, "append %s entries, kifu", alabel);
        printf("%-34s %9.1f ms %14s\n", name, ar.kifu_ms, "");
        printf("%-34s %9.1f ms %14s\n", "  begin + appends", ar.kifu_loop_ms, "");
        printf("%-34s %9.1f ms %14s\n", "  commit", ar.kifu_commit_ms, "");
        snprintf(name, sizeof name, "append %s entries, raw sqlite", alabel);
        printf("%-34s %9.1f ms %14s\n", name, ar.base_ms, "");
        printf("%-34s %9.1f ms %14s\n", "  begin + inserts + hashes", ar.base_loop_ms, "");
        printf("%-34s %9.1f ms %14s\n", "  commit", ar.base_commit_ms, "");
        printf("%-34s %11.2fx %13.1fx %s\n", "append ratio kifu / raw", ar.ratio,
               TARGET_APPEND_RATIO, ar.ratio <= TARGET_APPEND_RATIO ? "yes" : "NO");
        printf("%-34s %11.2fx %14s\n", "  (median of per-run ratios)", ar.ratio_of_runs, "");
    }
    if (o.do_verify) {
        char name[64];
        snprintf(name, sizeof name, "verify %lld entries", (long long)vr.entries);
        printf("%-34s %9.1f ms %11.0f ms %s\n", name, vr.verify_ms, verify_target,
               vr.verify_ms <= verify_target ? "yes" : "NO");
        printf("%-34s %9.3f ms %11.0f ms %s\n", "prove_inclusion (random seq)", vr.prove_ms,
               TARGET_PROVE_MS, vr.prove_ms <= TARGET_PROVE_MS ? "yes" : "NO");
        printf("%-34s %9.3f ms %11.0f ms %s\n", "  (worst single proof)", vr.prove_max_ms,
               TARGET_PROVE_MS, vr.prove_max_ms <= TARGET_PROVE_MS ? "yes" : "NO");
        printf("%-34s %9.3f ms %14s\n", "ledger_root", vr.root_ms, "");
        if (vr.build_ms >= 0)
            printf("%-34s %10.1f s %14s\n", "build (not a target)", vr.build_ms / 1e3, "");
        else
            printf("%-34s %12s %14s\n", "build (not a target)", "cached", "");
    }
    printf("\n");
    if (o.do_append)
        printf("append_%s_ms=%.1f baseline_ms=%.1f ratio=%.2f runs=%d target_ratio=%.1f met=%s\n",
               alabel, ar.kifu_ms, ar.base_ms, ar.ratio, o.runs, TARGET_APPEND_RATIO,
               ar.ratio <= TARGET_APPEND_RATIO ? "yes" : "no");
    if (o.do_verify) {
        printf("verify_%s_ms=%.1f max_ms=%.1f entries=%lld commits=%lld runs=%d target_ms=%.0f "
               "met=%s\n",
               vlabel, vr.verify_ms, vr.verify_max_ms, (long long)vr.entries, (long long)vr.commits,
               o.runs, verify_target, vr.verify_ms <= verify_target ? "yes" : "no");
        printf("prove_ms=%.3f max_ms=%.3f proofs=%d max_proof_len=%zu target_ms=%.0f met=%s\n",
               vr.prove_ms, vr.prove_max_ms, o.runs * o.proofs, vr.proof_len, TARGET_PROVE_MS,
               vr.prove_max_ms <= TARGET_PROVE_MS ? "yes" : "no");
        printf("root_ms=%.3f runs=%d\n", vr.root_ms, o.runs);
        if (vr.build_ms >= 0)
            printf("build_%s_ms=%.0f\n", vlabel, vr.build_ms);
        else
            printf("build_%s_ms=cached\n", vlabel);
    }
    return 0;
}
