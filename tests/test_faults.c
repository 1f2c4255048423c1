/* Unit tests: I/O errors and out-of-memory at every step of a write.
 *
 * As SQLite is tested: a shim VFS in front of the default one fails the Nth
 * file operation (read, write, sync, truncate, size, lock, shared memory),
 * and a wrapper of SQLite's allocator fails the Nth allocation, for N = 1,
 * 2, ... until the write no longer reaches step N. Each fault is tried once
 * (a transient error) and for good (every operation from N on fails). After
 * each run the faults stop, the ledger is closed and opened again, and:
 *
 *   - the write either reported success, or a system error (KF_SYSTEM,
 *     exit 3), never a refusal or bad input it did not deserve;
 *   - the ledger holds either all of the write or none of it (a failed sync
 *     may leave the outcome unknown to the writer, never half of it), and a
 *     success is never lost;
 *   - `kifu verify`'s checks all pass, and the pool figures are those of the
 *     entries (before or after, whole).
 *
 * kifu's own allocations fail the same way (FAULT_KMEM): this program is
 * linked with --wrap=malloc,calloc,realloc,strdup (CMakeLists.txt), which
 * sends the calls of kifu's library (and of this file) to the __wrap_
 * functions below; the shared libraries' own calls are not affected. */
#include "check_common.h"
#include "kifu/donations.h"
#include "kifu/grants.h"
#include "kifu/import.h"
#include "kifu/pools.h"
#include "kifu/report.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- the faults ------------------------------------------------------------ */

typedef enum { FAULT_IO, FAULT_MEM, FAULT_KMEM } fault_kind;

static struct {
    bool armed;
    fault_kind kind;
    long countdown; /* the operation that reaches 0 fails */
    bool persist;   /* and every later one too */
    bool hit;       /* a fault happened in this run */
} fault;

static void arm(fault_kind kind, long n, bool persist)
{
    fault.kind = kind;
    fault.countdown = n;
    fault.persist = persist;
    fault.hit = false;
    fault.armed = true;
}

static void disarm(void)
{
    fault.armed = false;
}

/* Whether this operation of `kind` fails. */
static bool fails(fault_kind kind)
{
    if (!fault.armed || fault.kind != kind) return false;
    if (fault.hit && fault.persist) return true;
    if (fault.hit) return false;
    if (--fault.countdown > 0) return false;
    fault.hit = true;
    return true;
}

/* The VFS shim: every file method goes to the real file unless it fails. */
typedef struct {
    sqlite3_file base;
    sqlite3_file *real; /* allocated right after this struct */
} shim_file;

static sqlite3_vfs *real_vfs;
#define REAL(f) (((shim_file *)(f))->real)

static int shim_close(sqlite3_file *f)
{
    int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
    return rc;
}
static int shim_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    if (fails(FAULT_IO)) return SQLITE_IOERR_READ;
    return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}
static int shim_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    if (fails(FAULT_IO)) return SQLITE_IOERR_WRITE;
    return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}
static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    if (fails(FAULT_IO)) return SQLITE_IOERR_TRUNCATE;
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int shim_sync(sqlite3_file *f, int flags)
{
    if (fails(FAULT_IO)) return SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int shim_size(sqlite3_file *f, sqlite3_int64 *size)
{
    if (fails(FAULT_IO)) return SQLITE_IOERR_FSTAT;
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int shim_lock(sqlite3_file *f, int level)
{
    if (fails(FAULT_IO)) return SQLITE_IOERR_LOCK;
    return REAL(f)->pMethods->xLock(REAL(f), level);
}
static int shim_unlock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), level);
}
static int shim_check_lock(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int shim_fcntl(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int shim_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int shim_chars(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int shim_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
    if (fails(FAULT_IO)) return SQLITE_IOERR_SHMMAP;
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}
static int shim_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}
static void shim_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int shim_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int shim_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
    *pp = NULL; /* no memory-mapped reads: every read goes through xRead */
    (void)f, (void)off, (void)n;
    return SQLITE_OK;
}
static int shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    (void)f, (void)off, (void)p;
    return SQLITE_OK;
}

static const sqlite3_io_methods shim_methods = {
    3,           shim_close,   shim_read,     shim_write,       shim_truncate,  shim_sync,
    shim_size,   shim_lock,    shim_unlock,   shim_check_lock,  shim_fcntl,     shim_sector,
    shim_chars,  shim_shm_map, shim_shm_lock, shim_shm_barrier, shim_shm_unmap, shim_fetch,
    shim_unfetch};

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)vfs;
    shim_file *s = (shim_file *)f;
    s->real = (sqlite3_file *)(s + 1);
    s->base.pMethods = NULL;
    if (fails(FAULT_IO)) return SQLITE_CANTOPEN;
    int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out);
    if (rc == SQLITE_OK) s->base.pMethods = &shim_methods;
    return rc;
}
static int shim_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
    (void)vfs;
    if (fails(FAULT_IO)) return SQLITE_IOERR_DELETE;
    return real_vfs->xDelete(real_vfs, name, sync);
}
static int shim_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}
static int shim_full(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}
static int shim_random(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, n, out);
}
static int shim_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return real_vfs->xSleep(real_vfs, us);
}
static int shim_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, out);
}
static int shim_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xGetLastError(real_vfs, n, out);
}
static int shim_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs shim_vfs = {
    2,           0,           1024,        NULL,       "kifu-faults", NULL,
    shim_open,   shim_delete, shim_access, shim_full,  NULL,          NULL,
    NULL,        NULL,        shim_random, shim_sleep, shim_time,     shim_last_error,
    shim_time64, NULL,        NULL,        NULL};

/* kifu's allocations (the linker's --wrap). */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

void *__wrap_malloc(size_t n)
{
    return fails(FAULT_KMEM) ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t size)
{
    return fails(FAULT_KMEM) ? NULL : __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n)
{
    return fails(FAULT_KMEM) ? NULL : __real_realloc(p, n);
}
char *__wrap_strdup(const char *s)
{
    return fails(FAULT_KMEM) ? NULL : __real_strdup(s);
}

/* SQLite's allocator, wrapped. */
static sqlite3_mem_methods real_mem;

static void *mem_malloc(int n)
{
    return fails(FAULT_MEM) ? NULL : real_mem.xMalloc(n);
}
static void mem_free(void *p)
{
    real_mem.xFree(p);
}
static void *mem_realloc(void *p, int n)
{
    return fails(FAULT_MEM) ? NULL : real_mem.xRealloc(p, n);
}
static int mem_size(void *p)
{
    return real_mem.xSize(p);
}
static int mem_roundup(int n)
{
    return real_mem.xRoundup(n);
}
static int mem_init(void *ctx)
{
    return real_mem.xInit(ctx);
}
static void mem_shutdown(void *ctx)
{
    real_mem.xShutdown(ctx);
}

/* Before SQLite is first used, once: false if SQLite refused. */
static bool install_faults(void)
{
    sqlite3_mem_methods m;
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem) != SQLITE_OK) return false;
    m = real_mem;
    m.xMalloc = mem_malloc;
    m.xFree = mem_free;
    m.xRealloc = mem_realloc;
    m.xSize = mem_size;
    m.xRoundup = mem_roundup;
    m.xInit = mem_init;
    m.xShutdown = mem_shutdown;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK || sqlite3_initialize() != SQLITE_OK)
        return false;
    if (!(real_vfs = sqlite3_vfs_find(NULL))) return false;
    shim_vfs.szOsFile = (int)sizeof(shim_file) + real_vfs->szOsFile;
    shim_vfs.mxPathname = real_vfs->mxPathname;
    return sqlite3_vfs_register(&shim_vfs, 1) == SQLITE_OK; /* the default now */
}

/* --- the ledger --------------------------------------------------------- */

static char dir[64], path[128];
static kf_ledger *l;
static kf_signer admin;
static int64_t gift_seq;           /* a donation of the setup, for the void */
static int64_t cert_seq;           /* its certificate (receipt.issue) */
static kf_buf import_csv;          /* 300 rows, made before any fault */
static char app_id[KF_APP_ID_MAX]; /* the setup's application, open */

static void open_ledger(void)
{
    kf_err err;
    kf_code rc = kf_ledger_open(path, &l, &err);
    ck_assert_msg(rc == KF_OK, "open: %s", err.msg);
    ck_assert_int_eq(kf_grants_attach(l, &err), KF_OK);
    ck_assert_int_eq(kf_donations_attach(l, &err), KF_OK);
}

static void setup(void)
{
    kf_err err;
    kf_txn *t;
    tu_tmpdir("faults", dir, path);
    l = tu_ledger(path, "F", "o", &admin);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    tu_small_fund(t);
    kf_donation d;
    ck_assert_int_eq(kf_donation_parse(&d, "8000", "2026-05-10", NULL, "group:G1", "佐藤一郎",
                                       "札幌市北区", "PRE-1", NULL, NULL, &err),
                     KF_OK);
    ck_assert_int_eq(kf_don_donate(t, &d, &gift_seq, &err), KF_OK);
    kf_identity id = {0};
    snprintf(id.issuer_name, sizeof id.issuer_name, "秋元 克広");
    snprintf(id.issuer_title, sizeof id.issuer_title, "札幌市長");
    snprintf(id.address, sizeof id.address, "札幌市中央区北1条西2丁目");
    snprintf(id.phone, sizeof id.phone, "011-211-2111");
    snprintf(id.fund_name, sizeof id.fund_name, "さぽーとほっと基金");
    snprintf(id.tax_note, sizeof id.tax_note, "寄附金控除の証明書です。");
    snprintf(id.url, sizeof id.url, "https://example.org/verify.html");
    int64_t id_seq;
    ck_assert_msg(kf_identity_set(t, &id, &id_seq, &err) == KF_OK, "%s", err.msg);
    kf_cert_request req = {.gift = gift_seq};
    snprintf(req.date, sizeof req.date, "2026-05-12");
    kf_cert_issued issued;
    ck_assert_msg(kf_don_cert_issue(t, &req, &issued, &err) == KF_OK, "%s", err.msg);
    cert_seq = issued.seq;
    kf_application *a = malloc(sizeof *a);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(kf_application_parse(tu_app_g1(), strlen(tu_app_g1()), "app.ini", a, &err),
                     KF_OK);
    snprintf(a->date, sizeof a->date, "2026-05-20");
    ck_assert_int_eq(kf_grant_apply(t, a, &err), KF_OK);
    snprintf(app_id, sizeof app_id, "%s", a->id);
    free(a);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_OK);
    kf_buf_free(&import_csv);
    kf_buf_puts(&import_csv, "date,amount,to,ref\n");
    for (int i = 0; i < 300; i++)
        kf_buf_printf(&import_csv, "2026-07-%02d,%d,%s,IMP-%d\n", i % 28 + 1, 1000 + i,
                      i % 3 == 0   ? "field:welfare"
                      : i % 3 == 1 ? "group:G1"
                                   : "general",
                      i);
}

static void teardown(void)
{
    disarm();
    tu_cleanup(l, dir);
}

/* What a state of the ledger is: its size and every pool's balance. */
typedef struct {
    int64_t size, commits;
    kf_yen total_in, committed, general, welfare, group;
    int64_t personal; /* rows of personal data */
} state;

static state state_of(void)
{
    kf_err err;
    kf_ledger_info info;
    kf_pool_figures *rows, total;
    size_t n;
    state s = {0};
    ck_assert_int_eq(kf_ledger_get_info(l, &info, &err), KF_OK);
    s.size = info.size;
    s.commits = info.commits;
    ck_assert_int_eq(kf_pools_figures(l, -1, &rows, &n, &total, &err), KF_OK);
    sqlite3_stmt *st;
    ck_assert_int_eq(
        sqlite3_prepare_v2(kf_ledger_db(l), "SELECT count(*) FROM personal", -1, &st, NULL),
        SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    s.personal = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    s.total_in = total.in;
    s.committed = total.committed;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(rows[i].pool, "general")) s.general = rows[i].balance;
        if (!strcmp(rows[i].pool, "field:welfare")) s.welfare = rows[i].balance;
        if (!strcmp(rows[i].pool, "group:G1")) s.group = rows[i].balance;
    }
    free(rows);
    return s;
}

static bool same(state a, state b)
{
    return a.size == b.size && a.commits == b.commits && a.total_in == b.total_in &&
           a.committed == b.committed && a.personal == b.personal && a.general == b.general &&
           a.welfare == b.welfare && a.group == b.group;
}

static const char *kind_name(fault_kind kind)
{
    return kind == FAULT_IO ? "I/O" : kind == FAULT_MEM ? "SQLite memory" : "kifu memory";
}

/* A write under test: KF_OK or the error it met. */
typedef kf_code (*write_fn)(kf_err *err);

static kf_code write_donation(kf_err *err)
{
    kf_donation d;
    kf_txn *t;
    int64_t seq;
    kf_code rc = kf_donation_parse(&d, "5000", "2026-06-01", NULL, "group:G1", "山田花子", "札幌市",
                                   "BANK-1", NULL, NULL, err);
    if (rc || (rc = kf_txn_begin(l, &admin, &t, err))) return rc;
    if ((rc = kf_don_donate(t, &d, &seq, err))) {
        kf_txn_abort(t);
        return rc;
    }
    return kf_txn_commit(t, NULL, err);
}

static kf_code write_void(kf_err *err)
{
    kf_txn *t;
    int64_t seq;
    kf_code rc = kf_txn_begin(l, &admin, &t, err);
    if (rc) return rc;
    if ((rc = kf_don_void(t, gift_seq, "誤入金", "2026-07-01", &seq, err))) {
        kf_txn_abort(t);
        return rc;
    }
    return kf_txn_commit(t, NULL, err);
}

/* An approval: evaluation (rules, registry, history), pool figures by FY. */
static kf_code write_decide(kf_err *err)
{
    kf_txn *t;
    int64_t seq;
    kf_code rc = kf_txn_begin(l, &admin, &t, err);
    if (rc) return rc;
    if ((rc = kf_grant_decide(t, app_id, true, 4000, NULL, "2026-06-15", &seq, err))) {
        kf_txn_abort(t);
        return rc;
    }
    return kf_txn_commit(t, NULL, err);
}

/* The erasure of the setup donor's personal data (a secure delete, and the
 * WAL checkpointed and truncated after the commit). */
static kf_code write_erase(kf_err *err)
{
    kf_txn *t;
    int64_t seq;
    kf_code rc = kf_txn_begin(l, &admin, &t, err);
    if (rc) return rc;
    if ((rc = kf_don_erase(t, 0, "PRE-1", &seq, err))) {
        kf_txn_abort(t);
        return rc;
    }
    return kf_txn_commit(t, NULL, err);
}

/* One commit of many kinds: a key, a rules reload, a member, a partner and
 * its month's clicks, a box and a collection, a group update. */
static kf_code write_registry(kf_err *err)
{
    kf_txn *t;
    kf_entry *e = NULL;
    kf_signer k;
    int64_t seq;
    kf_yen pledge;
    kf_box_collection c = {.count_a = 3000, .count_b = 3000, .resolved = -1};
    kf_cert_request reissue = {.gift = gift_seq, .reissue = true};
    kf_cert_issued issued;
    snprintf(reissue.date, sizeof reissue.date, "2026-06-03");
    snprintf(c.id, sizeof c.id, "B1");
    snprintf(c.date, sizeof c.date, "2026-06-03");
    snprintf(c.counters, sizeof c.counters, "A,B");
    kf_code rc = kf_key_generate("kaikei", &k, err);
    if (rc || (rc = kf_txn_begin(l, &admin, &t, err))) return rc;
    if ((rc = kf_key_add_entry("kaikei", k.pub, KF_ROLE_TREASURER, NULL, &e, err)) ||
        (rc = kf_txn_append(t, e, err)) ||
        (rc = kf_rules_load(t, "r2.ini", tu_small_rules(), strlen(tu_small_rules()), &seq, err)) ||
        (rc = kf_don_member_add(t, "M1", "会員", "regular", "2026-04-01", "札幌市中央区", err)) ||
        (rc = kf_don_cert_issue(t, &reissue, &issued, err)) ||
        (rc = kf_partner_add(t, "P1", "協賛社", 5, 30000, "field:welfare", err)) ||
        (rc = kf_don_partner_clicks(t, "P1", "2026-06", 1000, &seq, &pledge, err)) ||
        (rc = kf_box_add(t, "B1", "駅", "案内所", NULL, err)) ||
        (rc = kf_don_box_collect(t, &c, &seq, err)) ||
        (rc = kf_group_update(t, "G1", 7, KF_ST_REGISTERED, NULL, NULL, &seq, err))) {
        kf_entry_free(e);
        kf_txn_abort(t);
        return rc;
    }
    kf_entry_free(e);
    return kf_txn_commit(t, NULL, err);
}

/* A grant's whole life in one commit: approval, payment, settlement below
 * the award, refund of the difference. */
static kf_code write_grant_life(kf_err *err)
{
    kf_txn *t;
    int64_t seq;
    kf_grant_settlement st;
    kf_code rc = kf_txn_begin(l, &admin, &t, err);
    if (rc) return rc;
    if ((rc = kf_grant_decide(t, app_id, true, 4000, NULL, "2026-06-15", &seq, err)) ||
        (rc = kf_grant_pay(t, app_id, 4000, "2026-07-01", &seq, err)) ||
        (rc = kf_grant_settle(t, app_id, 3000, 0, "2026-12-01", &seq, &st, err)) ||
        (rc = kf_grant_refund(t, app_id, 1000, "2027-01-10", &seq, err))) {
        kf_txn_abort(t);
        return rc;
    }
    return kf_txn_commit(t, NULL, err);
}

/* G1's deregistration: its pool's balance moves to general. */
static kf_code write_deregister(kf_err *err)
{
    kf_txn *t;
    int64_t seq;
    kf_yen moved;
    kf_code rc = kf_txn_begin(l, &admin, &t, err);
    if (rc) return rc;
    if ((rc = kf_group_deregister(t, "G1", "解散", "2026-08-01", &seq, &moved, err))) {
        kf_txn_abort(t);
        return rc;
    }
    return kf_txn_commit(t, NULL, err);
}

/* 300 rows: past the reader's batches of 256 and the appends' 32. */
static kf_code write_import(kf_err *err)
{
    kf_import *im = NULL;
    kf_import_result res;
    kf_txn *t;
    kf_import_opts o = {0};
    /* No Check call while faults are armed: Check allocates too. fmemopen
     * uses libc's own malloc, which is not faulted. */
    FILE *f = fmemopen(import_csv.data, import_csv.len, "r");
    if (!f) return kf_fail(err, KF_SYSTEM, "fmemopen");
    kf_code rc = kf_import_open(f, KF_CSV_UTF8, &o, &im, err);
    if (!rc && !(rc = kf_txn_begin(l, &admin, &t, err))) {
        if ((rc = kf_import_run(im, t, &res, err)))
            kf_txn_abort(t);
        else
            rc = kf_txn_commit(t, NULL, err);
    }
    if (im) kf_import_free(im);
    fclose(f);
    return rc;
}

/* Runs `write` with a fault at step n (of kind, once or for good) for n =
 * 1, 2, ... until a run meets no fault; each run starts from the same
 * ledger (a copy of the file). Returns the number of faulted runs. */
static long fault_every_step(write_fn write, fault_kind kind, bool persist, long stride)
{
    char saved[160], cmd[1024];
    kf_err err;
    kf_ledger_close(l);
    l = NULL;
    snprintf(saved, sizeof saved, "%s/saved.db", dir);
    snprintf(cmd, sizeof cmd, "cp %s %s", path, saved);
    ck_assert_int_eq(system(cmd), 0);
    open_ledger();
    state before = state_of(), after;
    kf_code rc0 = write(&err); /* the fault-free outcome */
    ck_assert_msg(rc0 == KF_OK, "without a fault: %s", err.msg);
    after = state_of();
    ck_assert(!same(before, after));
    long faulted = 0;
    for (long n = 1;; n += stride) {
        kf_ledger_close(l);
        l = NULL;
        snprintf(cmd, sizeof cmd, "cp %s %s && rm -f %s-wal %s-shm", saved, path, path, path);
        ck_assert_int_eq(system(cmd), 0);
        open_ledger();
        arm(kind, n, persist);
        kf_code rc = write(&err);
        bool hit = fault.hit;
        disarm();
        if (!hit) {
            ck_assert_msg(rc == KF_OK, "step %ld, no fault: %s", n, err.msg);
            break;
        }
        faulted++;
        ck_assert_msg(rc == KF_OK || rc == KF_SYSTEM,
                      "%s fault at step %ld (%s) gave code %d, not a system error: %s",
                      kind_name(kind), n, persist ? "for good" : "once", rc, err.msg);
        kf_ledger_close(l); /* with the fault gone: a new process, as it were */
        l = NULL;
        open_ledger();
        state now = state_of();
        ck_assert_msg(same(now, after) || (rc != KF_OK && same(now, before)),
                      "%s fault at step %ld (%s), rc %d: %lld entries, want %lld%s",
                      kind_name(kind), n, persist ? "for good" : "once", rc, (long long)now.size,
                      (long long)after.size, rc ? " or the state before" : "");
        kf_verify_report rep;
        kf_code vrc = kf_verify_all(l, NULL, 0, &rep, &err);
        ck_assert_msg(vrc == KF_OK, "after a fault at step %ld: verify: %s", n, err.msg);
    }
    /* back to the ledger before the write, for the next caller */
    kf_ledger_close(l);
    l = NULL;
    snprintf(cmd, sizeof cmd, "cp %s %s && rm -f %s-wal %s-shm", saved, path, path, path);
    ck_assert_int_eq(system(cmd), 0);
    open_ledger();
    return faulted;
}

/* Memory faults come every `stride` allocations (a donation makes about
 * 1,500, an import of 300 rows about 2,000): about 150 runs each, to keep the
 * suite fast. KIFU_FAULT_STRIDE=1 tries every one (minutes). */
static long mem_stride(long dflt)
{
    const char *s = getenv("KIFU_FAULT_STRIDE");
    long v = s ? strtol(s, NULL, 10) : 0;
    return v > 0 ? v : dflt;
}

/* Whether dir holds a file whose name starts with prefix. */
static bool file_with_prefix(const char *prefix)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q '^%s'", dir, prefix);
    return system(cmd) == 0;
}

/* Reads under test: KF_OK or the error met; `out` is the file an export
 * writes (NULL for none). */
typedef kf_code (*read_fn)(kf_err *err, const char *out);

static kf_code read_export(kf_err *err, const char *out)
{
    kf_audit_result res;
    kf_audit_opts o = {.fy = 2026, .lang = KF_STATEMENT_JA};
    return kf_audit_xlsx(l, &o, out, &res, err);
}

/* Everything kifu verify checks: a fault must never look like tampering. */
static kf_code read_verify(kf_err *err, const char *out)
{
    kf_verify_report rep;
    (void)out;
    return kf_verify_all(l, NULL, 0, &rep, err);
}

/* A donor's receipt for the setup's gift, made and then checked with no
 * database: a fault must never make a good receipt look altered. */
static kf_code read_receipt(kf_err *err, const char *out)
{
    kf_receipt r;
    kf_buf pdf = {0};
    kf_receipt_summary *sum = malloc(sizeof *sum);
    char vkey[KF_VKEY_MAX];
    (void)out;
    if (!sum) return kf_fail(err, KF_SYSTEM, "out of memory");
    kf_key_vkey(admin.name, admin.pub, vkey);
    kf_code rc = kf_receipt_make(l, &admin, cert_seq, &r, err);
    if (!rc) {
        rc = kf_receipt_verify(r.text.data, r.text.len, vkey, sum, err);
        if (!rc) rc = kf_receipt_pdf(&r, &pdf, err);
        if (!rc) rc = kf_receipt_verify(pdf.data, pdf.len, vkey, sum, err);
        kf_receipt_free(&r);
    }
    kf_buf_free(&pdf);
    free(sum);
    return rc;
}

/* A read with a fault at step n = 1, 1 + stride, ... until it meets none,
 * each from a cold page cache (the ledger opened again, so the read goes to
 * the file): a faulted read fails with a system error or succeeds, and an
 * export leaves a whole workbook or none, and no temporary file. */
static long read_every_step(read_fn read, fault_kind kind, bool persist, long stride)
{
    char out[160];
    kf_err err;
    long faulted = 0;
    snprintf(out, sizeof out, "%s/audit.xlsx", dir);
    for (long n = 1;; n += stride) {
        kf_ledger_close(l);
        l = NULL;
        open_ledger();
        arm(kind, n, persist);
        kf_code rc = read(&err, out);
        bool hit = fault.hit;
        disarm();
        if (!hit) {
            ck_assert_msg(rc == KF_OK, "no fault: %s", err.msg);
            unlink(out);
            break;
        }
        faulted++;
        ck_assert_msg(rc == KF_OK || rc == KF_SYSTEM,
                      "%s fault at read step %ld (%s) gave code %d, not a system error: %s",
                      kind_name(kind), n, persist ? "for good" : "once", rc, err.msg);
        if (read == read_export) {
            ck_assert_msg(rc == KF_OK ? access(out, F_OK) == 0 : access(out, F_OK) != 0,
                          "%s fault at export step %ld: rc %d (%s) but the workbook is %s",
                          kind_name(kind), n, rc, rc ? err.msg : "",
                          rc == KF_OK ? "missing" : "there");
            ck_assert_msg(!file_with_prefix("audit.xlsx.tmp"),
                          "%s fault at export step %ld left a temporary file", kind_name(kind), n);
        }
        unlink(out);
    }
    return faulted;
}

START_TEST(faults_in_an_export)
{
    kf_err err;
    ck_assert_int_eq(write_import(&err), KF_OK); /* something to export */
    ck_assert_int_gt(read_every_step(read_export, FAULT_IO, false, 1), 5);
    ck_assert_int_gt(read_every_step(read_export, FAULT_IO, true, 1), 5);
    ck_assert_int_gt(read_every_step(read_export, FAULT_MEM, true, mem_stride(29)), 5);
    ck_assert_int_gt(read_every_step(read_export, FAULT_KMEM, false, mem_stride(17)), 5);
    ck_assert_int_gt(read_every_step(read_export, FAULT_KMEM, true, mem_stride(17)), 5);
}
END_TEST

START_TEST(faults_in_a_receipt)
{
    ck_assert_int_gt(read_every_step(read_receipt, FAULT_IO, false, 1), 5);
    ck_assert_int_gt(read_every_step(read_receipt, FAULT_IO, true, 1), 5);
    ck_assert_int_gt(read_every_step(read_receipt, FAULT_MEM, true, mem_stride(7)), 5);
    ck_assert_int_gt(read_every_step(read_receipt, FAULT_KMEM, false, 1), 5);
    ck_assert_int_gt(read_every_step(read_receipt, FAULT_KMEM, true, 1), 5);
}
END_TEST

START_TEST(faults_in_verify)
{
    kf_err err;
    ck_assert_int_eq(write_import(&err), KF_OK); /* 300 donations more to check */
    ck_assert_int_gt(read_every_step(read_verify, FAULT_IO, false, 1), 5);
    ck_assert_int_gt(read_every_step(read_verify, FAULT_IO, true, 1), 5);
    ck_assert_int_gt(read_every_step(read_verify, FAULT_MEM, true, mem_stride(13)), 5);
    ck_assert_int_gt(read_every_step(read_verify, FAULT_KMEM, false, mem_stride(5)), 5);
    ck_assert_int_gt(read_every_step(read_verify, FAULT_KMEM, true, mem_stride(5)), 5);
}
END_TEST

/* SQLite may roll a transaction back by itself after an error; kifu's next
 * write in it must fail rather than run (and commit) on its own. The
 * rollback is made by hand here. */
START_TEST(a_transaction_rolled_back_under_kifu)
{
    kf_err err;
    kf_txn *t;
    kf_donation d;
    int64_t seq;
    state before = state_of();
    ck_assert_int_eq(
        kf_donation_parse(&d, "1000", "2026-06-01", NULL, NULL, NULL, NULL, NULL, NULL, NULL, &err),
        KF_OK);
    ck_assert_int_eq(kf_txn_begin(l, &admin, &t, &err), KF_OK);
    ck_assert_int_eq(kf_don_donate(t, &d, &seq, &err), KF_OK);
    ck_assert_int_eq(sqlite3_exec(kf_ledger_db(l), "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(kf_don_donate(t, &d, &seq, &err), KF_SYSTEM);
    ck_assert_msg(strstr(err.msg, "SQLite rolled the write back") != NULL, "%s", err.msg);
    ck_assert_int_eq(kf_txn_commit(t, NULL, &err), KF_SYSTEM);
    ck_assert(same(state_of(), before));
    kf_verify_report rep;
    ck_assert_int_eq(kf_verify_all(l, NULL, 0, &rep, &err), KF_OK);
}
END_TEST

START_TEST(io_errors_in_a_donation)
{
    ck_assert_int_gt(fault_every_step(write_donation, FAULT_IO, false, 1), 5);
    ck_assert_int_gt(fault_every_step(write_donation, FAULT_IO, true, 1), 5);
}
END_TEST

START_TEST(memory_in_a_donation)
{
    ck_assert_int_gt(fault_every_step(write_donation, FAULT_MEM, false, mem_stride(11)), 5);
    ck_assert_int_gt(fault_every_step(write_donation, FAULT_MEM, true, mem_stride(11)), 5);
}
END_TEST

START_TEST(faults_in_a_void)
{
    ck_assert_int_gt(fault_every_step(write_void, FAULT_IO, false, 1), 5);
    ck_assert_int_gt(fault_every_step(write_void, FAULT_IO, true, 1), 5);
    ck_assert_int_gt(fault_every_step(write_void, FAULT_MEM, false, mem_stride(7)), 5);
    ck_assert_int_gt(fault_every_step(write_void, FAULT_MEM, true, mem_stride(7)), 5);
}
END_TEST

/* kifu's own allocations, every one of them */
START_TEST(kifu_memory_in_writes)
{
    ck_assert_int_gt(fault_every_step(write_donation, FAULT_KMEM, false, 1), 5);
    ck_assert_int_gt(fault_every_step(write_donation, FAULT_KMEM, true, 1), 5);
    ck_assert_int_gt(fault_every_step(write_void, FAULT_KMEM, false, 1), 5);
    ck_assert_int_gt(fault_every_step(write_void, FAULT_KMEM, true, 1), 5);
    ck_assert_int_gt(fault_every_step(write_import, FAULT_KMEM, false, mem_stride(3)), 5);
    ck_assert_int_gt(fault_every_step(write_import, FAULT_KMEM, true, mem_stride(3)), 5);
}
END_TEST

START_TEST(faults_in_a_decision)
{
    ck_assert_int_gt(fault_every_step(write_decide, FAULT_IO, false, 1), 5);
    ck_assert_int_gt(fault_every_step(write_decide, FAULT_IO, true, 1), 5);
    ck_assert_int_gt(fault_every_step(write_decide, FAULT_MEM, false, mem_stride(7)), 5);
    ck_assert_int_gt(fault_every_step(write_decide, FAULT_KMEM, false, 1), 5);
    ck_assert_int_gt(fault_every_step(write_decide, FAULT_KMEM, true, 1), 5);
}
END_TEST

/* Each of writes[0..n) with I/O, SQLite memory and kifu memory faults. */
static void all_faults(const write_fn *writes, int n)
{
    for (int i = 0; i < n; i++) {
        ck_assert_int_gt(fault_every_step(writes[i], FAULT_IO, false, 1), 5);
        ck_assert_int_gt(fault_every_step(writes[i], FAULT_IO, true, 1), 5);
        ck_assert_int_gt(fault_every_step(writes[i], FAULT_MEM, true, mem_stride(7)), 5);
        ck_assert_int_gt(fault_every_step(writes[i], FAULT_KMEM, false, 1), 5);
        ck_assert_int_gt(fault_every_step(writes[i], FAULT_KMEM, true, 1), 5);
    }
}

START_TEST(faults_in_an_erasure_and_a_deregistration)
{
    static const write_fn writes[] = {write_erase, write_deregister};
    all_faults(writes, 2);
}
END_TEST

START_TEST(faults_in_registries_and_a_grant_life)
{
    static const write_fn writes[] = {write_registry, write_grant_life};
    all_faults(writes, 2);
}
END_TEST

START_TEST(io_errors_in_an_import)
{
    ck_assert_int_gt(fault_every_step(write_import, FAULT_IO, false, 1), 5);
    ck_assert_int_gt(fault_every_step(write_import, FAULT_IO, true, 1), 5);
}
END_TEST

START_TEST(memory_in_an_import)
{
    ck_assert_int_gt(fault_every_step(write_import, FAULT_MEM, false, mem_stride(13)), 5);
    ck_assert_int_gt(fault_every_step(write_import, FAULT_MEM, true, mem_stride(13)), 5);
}
END_TEST

/* kf_buf's sticky error with a real failed allocation: the realloc of one
 * append fails once, and the appends after it, whose allocations would
 * succeed, still add nothing; the document is reported, never cut short. */
START_TEST(a_buffer_remembers_a_failed_allocation)
{
    kf_buf b = {0};
    kf_err err = {0};
    ck_assert(kf_buf_puts(&b, "{\"a\":1"));
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    arm(FAULT_KMEM, 1, false); /* the next allocation fails, none after it */
    ck_assert(!kf_buf_puts(&b, big));
    ck_assert(fault.hit);
    disarm();
    ck_assert(!kf_buf_puts(&b, ",\"b\":2"));
    ck_assert(!kf_buf_printf(&b, "%s}", big));
    ck_assert_str_eq(b.data, "{\"a\":1");
    ck_assert_int_eq(kf_buf_check(&b, &err), KF_SYSTEM);
    ck_assert_str_eq(err.msg, "out of memory");
    kf_buf_free(&b);
}
END_TEST

int main(void)
{
    if (tu_init()) return EXIT_FAILURE;
    if (!install_faults()) return EXIT_FAILURE;
    Suite *s = suite_create("faults");
    TCase *tc = tu_core(s, setup, teardown);
    tcase_add_test(tc, a_transaction_rolled_back_under_kifu);
    tcase_add_test(tc, io_errors_in_a_donation);
    tcase_add_test(tc, memory_in_a_donation);
    tcase_add_test(tc, faults_in_a_void);
    tcase_add_test(tc, faults_in_a_decision);
    tcase_add_test(tc, faults_in_an_erasure_and_a_deregistration);
    tcase_add_test(tc, faults_in_registries_and_a_grant_life);
    tcase_add_test(tc, io_errors_in_an_import);
    tcase_add_test(tc, kifu_memory_in_writes);
    tcase_add_test(tc, faults_in_an_export);
    tcase_add_test(tc, faults_in_verify);
    tcase_add_test(tc, faults_in_a_receipt);
    tcase_add_test(tc, memory_in_an_import);
    tcase_add_test(tc, a_buffer_remembers_a_failed_allocation);
    return tu_run(s);
}
