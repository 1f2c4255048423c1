/*
 * Pool figures as a derived table:
 *
 *   pool_fy(origin, pool, fy, in_, out_, committed)   PRIMARY KEY(origin, pool, fy)
 *
 * One row per module, pool and fiscal year, upserted by the modules' indexes
 * inside the write transaction. Aggregating per FY keeps `kifu balance`
 * independent of the number of donations.
 */
#include "kifu/pools.h"

#include <sodium.h>
#include <sqlite3.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool kf_pool_valid(const char *pool)
{
    if (strcmp(pool, "general") == 0) return true;
    const char *colon = strchr(pool, ':');
    if (!colon) return false;
    size_t plen = (size_t)(colon - pool);
    if (!((plen == 5 && strncmp(pool, "group", 5) == 0) ||
          (plen == 5 && strncmp(pool, "field", 5) == 0) ||
          (plen == 5 && strncmp(pool, "theme", 5) == 0)))
        return false;
    return kf_id_valid(colon + 1);
}

/* The pools index's context: movements of the open write transaction, summed
 * per (origin, pool, fy) until its flush writes them. */
struct pool_pending {
    char origin[16];
    char pool[KF_POOL_MAX];
    int fy;
    kf_yen in, out, committed;
};

typedef struct {
    struct pool_pending *pend;
    size_t npend, cap, last;
    sqlite3_stmt *sel, *put; /* prepared by the first flush */
    int64_t checked_head;    /* the head commit whose figures pool_fy was found to match */
} pools_ctx;

static const char create_sql[] =
    "CREATE TABLE IF NOT EXISTS pool_fy(origin TEXT NOT NULL, pool TEXT NOT NULL,"
    " fy INTEGER NOT NULL, in_ INTEGER NOT NULL DEFAULT 0,"
    " out_ INTEGER NOT NULL DEFAULT 0, committed INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY(origin, pool, fy)) STRICT, WITHOUT ROWID";

static pools_ctx *pools_of(kf_ledger *l, kf_err *err)
{
    pools_ctx *p = kf_ledger_index_ctx(l, "pools");
    if (!p) kf_fail(err, KF_SYSTEM, "the pools index is not attached (kf_fund_attach)");
    return p;
}

static kf_code db_fail(kf_ledger *l, kf_err *err, const char *what)
{
    return kf_fail(err, KF_SYSTEM, "database error %s: %s", what, sqlite3_errmsg(kf_ledger_db(l)));
}

kf_code kf_pools_reset(kf_ledger *l, const char *origin, kf_err *err)
{
    pools_ctx *c = pools_of(l, err);
    if (!c) return KF_SYSTEM;
    size_t kept = 0;
    for (size_t i = 0; i < c->npend; i++)
        if (strcmp(c->pend[i].origin, origin) != 0) c->pend[kept++] = c->pend[i];
    c->npend = kept;
    c->last = 0;
    sqlite3 *db = kf_ledger_db(l);
    sqlite3_stmt *st;
    if (sqlite3_exec(db, create_sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(l, err, "creating pool_fy");
    if (sqlite3_prepare_v2(db, "DELETE FROM pool_fy WHERE origin=?", -1, &st, NULL) != SQLITE_OK)
        return db_fail(l, err, "resetting pool_fy");
    sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? KF_OK : db_fail(l, err, "resetting pool_fy");
}

/* Movements are summed in memory per (origin, pool, fy) while a write
 * transaction is open and written once at commit: an import of a million
 * donations touches a few dozen pool_fy rows, not a million. Readers inside
 * the transaction (kf_pool_get) add the pending sums. */
static struct pool_pending *pending_slot(pools_ctx *c, const char *origin, const char *pool, int fy)
{
    struct pool_pending *p;
    if (c->last < c->npend) {
        p = &c->pend[c->last];
        if (p->fy == fy && strcmp(p->pool, pool) == 0 && strcmp(p->origin, origin) == 0) return p;
    }
    for (size_t i = 0; i < c->npend; i++) {
        p = &c->pend[i];
        if (p->fy == fy && strcmp(p->pool, pool) == 0 && strcmp(p->origin, origin) == 0) {
            c->last = i;
            return p;
        }
    }
    if (c->npend == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        struct pool_pending *grown = realloc(c->pend, cap * sizeof *grown);
        if (!grown) return NULL;
        c->pend = grown;
        c->cap = cap;
    }
    p = &c->pend[c->npend];
    memset(p, 0, sizeof *p);
    snprintf(p->origin, sizeof p->origin, "%s", origin);
    snprintf(p->pool, sizeof p->pool, "%s", pool);
    p->fy = fy;
    c->last = c->npend++;
    return p;
}

kf_code kf_pools_move(kf_ledger *l, const char *origin, const char *pool, int fy, kf_yen in,
                      kf_yen out, kf_yen committed, kf_err *err)
{
    pools_ctx *c = pools_of(l, err);
    if (!c) return KF_SYSTEM;
    if (strlen(origin) >= 16 || strlen(pool) >= KF_POOL_MAX)
        return kf_fail(err, KF_SYSTEM, "pool name too long: %s", pool);
    struct pool_pending *p = pending_slot(c, origin, pool, fy);
    if (!p) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!kf_add(p->in, in, &p->in) || !kf_add(p->out, out, &p->out) ||
        !kf_add(p->committed, committed, &p->committed))
        return kf_fail(err, KF_REFUSED, "pool %s: total overflows int64 yen", pool);
    return KF_OK;
}

static kf_code pools_write(pools_ctx *c, kf_ledger *l, kf_err *err)
{
    if (!c->npend) return KF_OK;
    sqlite3 *db = kf_ledger_db(l);
    if (!c->sel &&
        (sqlite3_prepare_v3(db,
                            "SELECT in_, out_, committed FROM pool_fy WHERE origin=?1 AND "
                            "pool=?2 AND fy=?3",
                            -1, SQLITE_PREPARE_PERSISTENT, &c->sel, NULL) != SQLITE_OK ||
         sqlite3_prepare_v3(db,
                            "INSERT OR REPLACE INTO pool_fy(origin, pool, fy, in_, out_, "
                            "committed) VALUES(?1,?2,?3,?4,?5,?6)",
                            -1, SQLITE_PREPARE_PERSISTENT, &c->put, NULL) != SQLITE_OK))
        return db_fail(l, err, "preparing pool_fy");
    sqlite3_stmt *sel = c->sel, *put = c->put;
    for (size_t i = 0; i < c->npend; i++) {
        const struct pool_pending *p = &c->pend[i];
        kf_yen cur_in = 0, cur_out = 0, cur_com = 0;
        sqlite3_bind_text(sel, 1, p->origin, -1, SQLITE_STATIC);
        sqlite3_bind_text(sel, 2, p->pool, -1, SQLITE_STATIC);
        sqlite3_bind_int(sel, 3, p->fy);
        int s = sqlite3_step(sel);
        if (s == SQLITE_ROW) {
            cur_in = sqlite3_column_int64(sel, 0);
            cur_out = sqlite3_column_int64(sel, 1);
            cur_com = sqlite3_column_int64(sel, 2);
        }
        sqlite3_reset(sel);
        if (s != SQLITE_ROW && s != SQLITE_DONE) return db_fail(l, err, "reading pool_fy");
        if (!kf_add(cur_in, p->in, &cur_in) || !kf_add(cur_out, p->out, &cur_out) ||
            !kf_add(cur_com, p->committed, &cur_com))
            return kf_fail(err, KF_REFUSED, "pool %s: total overflows int64 yen", p->pool);
        sqlite3_bind_text(put, 1, p->origin, -1, SQLITE_STATIC);
        sqlite3_bind_text(put, 2, p->pool, -1, SQLITE_STATIC);
        sqlite3_bind_int(put, 3, p->fy);
        sqlite3_bind_int64(put, 4, cur_in);
        sqlite3_bind_int64(put, 5, cur_out);
        sqlite3_bind_int64(put, 6, cur_com);
        s = sqlite3_step(put);
        sqlite3_reset(put);
        if (s != SQLITE_DONE) return db_fail(l, err, "writing pool_fy");
    }
    c->npend = 0;
    c->last = 0;
    return KF_OK;
}

/* The pools index: it derives nothing from entries itself (the modules that
 * move money record their movements through kf_pools_move from their own
 * index's apply, tagged with their origin, and reset their own rows); it
 * owns the pool_fy table and writes the movements of the open transaction
 * when the ledger flushes its indexes. */
static kf_code pools_ix_reset(void *ctx, kf_ledger *l, kf_err *err)
{
    (void)ctx;
    return sqlite3_exec(kf_ledger_db(l), create_sql, NULL, NULL, NULL) == SQLITE_OK
               ? KF_OK
               : db_fail(l, err, "creating pool_fy");
}

static kf_code pools_ix_apply(void *ctx, kf_ledger *l, const kf_row *row, kf_err *err)
{
    (void)ctx, (void)l, (void)row, (void)err;
    return KF_OK;
}

static kf_code pools_ix_flush(void *ctx, kf_ledger *l, bool write, kf_err *err)
{
    pools_ctx *c = ctx;
    if (write) return pools_write(c, l, err);
    c->npend = 0;
    c->last = 0;
    return KF_OK;
}

static void pools_ix_close(void *ctx)
{
    pools_ctx *c = ctx;
    sqlite3_finalize(c->sel);
    sqlite3_finalize(c->put);
    free(c->pend);
    free(c);
}

/* --- the signed figures ---------------------------------------------------- */

static int pool_fy_order(const void *a, const void *b)
{
    const kf_pool_fy *x = a, *y = b;
    int c = strcmp(x->pool, y->pool);
    return c ? c : (x->fy > y->fy) - (x->fy < y->fy);
}

void kf_pool_fy_sort(kf_pool_fy *rows, size_t n)
{
    if (n > 1) qsort(rows, n, sizeof *rows, pool_fy_order);
}

void kf_figures_digest(const kf_pool_fy *rows, size_t n, kf_hash out)
{
    crypto_hash_sha256_state st;
    static const char magic[] = "kifu.figures.v1\n";
    char line[KF_POOL_MAX + 80];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)magic, sizeof magic - 1);
    for (size_t i = 0; i < n; i++) {
        const kf_pool_fy *r = &rows[i];
        if (!r->in && !r->out && !r->committed) continue;
        int len = snprintf(line, sizeof line, "%s %d %lld %lld %lld\n", r->pool, r->fy,
                           (long long)r->in, (long long)r->out, (long long)r->committed);
        crypto_hash_sha256_update(&st, (const unsigned char *)line, (unsigned long long)len);
    }
    crypto_hash_sha256_final(&st, out);
}

/* The figures as pool_fy holds them (the movements of the open transaction
 * written first), summed over the modules: the digest a commit signs. */
static kf_code pools_digest(void *ctx, kf_ledger *l, kf_hash out, kf_err *err)
{
    pools_ctx *c = ctx;
    kf_code rc = pools_write(c, l, err);
    if (rc) return rc;
    sqlite3_stmt *st =
        kf_ledger_stmt(l, "SELECT pool, fy, in_, out_, committed FROM pool_fy ORDER BY pool, fy");
    if (!st) return db_fail(l, err, "reading pool_fy");
    kf_pool_fy *rows = NULL;
    size_t n = 0, cap = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *pool = (const char *)sqlite3_column_text(st, 0);
        int fy = sqlite3_column_int(st, 1);
        kf_pool_fy *r = n ? &rows[n - 1] : NULL;
        if (!pool) pool = "";
        if (!r || r->fy != fy || strcmp(r->pool, pool) != 0) {
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                kf_pool_fy *grown = realloc(rows, cap * sizeof *rows);
                if (!grown) {
                    rc = kf_fail(err, KF_SYSTEM, "out of memory");
                    break;
                }
                rows = grown;
            }
            r = &rows[n++];
            memset(r, 0, sizeof *r);
            snprintf(r->pool, sizeof r->pool, "%s", pool);
            r->fy = fy;
        }
        if (!kf_add(r->in, sqlite3_column_int64(st, 2), &r->in) ||
            !kf_add(r->out, sqlite3_column_int64(st, 3), &r->out) ||
            !kf_add(r->committed, sqlite3_column_int64(st, 4), &r->committed)) {
            rc = kf_fail(err, KF_REFUSED, "pool %s: figures overflow int64 yen", pool);
            break;
        }
    }
    if (!rc && s != SQLITE_DONE) rc = db_fail(l, err, "reading pool_fy");
    sqlite3_reset(st);
    if (!rc) kf_figures_digest(rows, n, out);
    free(rows);
    return rc;
}

/* Before a read presents pool figures: pool_fy must give the figures the
 * head commit signed (a write transaction checked them when it began). */
static kf_code check_signed(kf_ledger *l, pools_ctx *c, kf_err *err)
{
    if (kf_ledger_writing(l)) return KF_OK;
    sqlite3 *db = kf_ledger_db(l);
    bool own = sqlite3_get_autocommit(db);
    if (own && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(l, err, "starting a read");
    kf_commit_info head;
    kf_hash now;
    kf_code rc = kf_ledger_head(l, &head, err);
    if (!rc && c->checked_head != head.id && !(rc = pools_digest(c, l, now, err))) {
        if (memcmp(now, head.figures, KF_HASH_LEN) == 0)
            c->checked_head = head.id;
        else
            rc = kf_fail(err, KF_REFUSED,
                         "the pool figures stored in table pool_fy differ from those signed by "
                         "commit %lld; run kifu verify, and kifu reindex (admin) once the cause "
                         "is found",
                         (long long)head.id);
    }
    if (own) sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

kf_code kf_pools_attach(kf_ledger *l, kf_err *err)
{
    if (kf_ledger_index_ctx(l, "pools")) return KF_OK;
    pools_ctx *c = calloc(1, sizeof *c);
    if (!c) return kf_fail(err, KF_SYSTEM, "out of memory");
    kf_index ix = {"pools", 1, pools_ix_reset, pools_ix_apply, pools_ix_close, c, pools_ix_flush};
    kf_code rc = kf_ledger_add_index(l, &ix, err);
    if (rc) {
        pools_ix_close(c);
        return rc;
    }
    kf_ledger_set_figures(l, pools_digest, c);
    return KF_OK;
}

static int pool_order(const void *a, const void *b)
{
    const kf_pool_figures *x = a, *y = b;
    bool xg = strcmp(x->pool, "general") == 0, yg = strcmp(y->pool, "general") == 0;
    if (xg != yg) return xg ? -1 : 1;
    return strcmp(x->pool, y->pool);
}

static bool finish(kf_pool_figures *f)
{
    kf_yen flow;
    if (!kf_sub(f->in, f->out, &flow) || !kf_add(f->opening, flow, &f->balance)) return false;
    return kf_sub(f->balance, f->committed, &f->available);
}

kf_code kf_pools_figures(kf_ledger *l, int fy, kf_pool_figures **rows, size_t *n,
                         kf_pool_figures *total, kf_err *err)
{
    sqlite3_stmt *st;
    kf_code rc = KF_OK;
    *rows = NULL;
    *n = 0;
    memset(total, 0, sizeof *total);
    pools_ctx *c = pools_of(l, err);
    if (!c) return KF_SYSTEM;
    kf_code frc = pools_write(c, l, err);
    if (!frc) frc = check_signed(l, c, err);
    if (frc) return frc;
    snprintf(total->pool, sizeof total->pool, "total");
    if (sqlite3_exec(kf_ledger_db(l), create_sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(l, err, "creating pool_fy");
    /* Sums are done here, in C, so that every addition is overflow-checked. */
    if (sqlite3_prepare_v2(kf_ledger_db(l),
                           "SELECT pool, fy, in_, out_, committed FROM pool_fy "
                           "ORDER BY pool",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(l, err, "reading pool_fy");
    kf_pool_figures *cur = NULL;
    size_t cap = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *pool = (const char *)sqlite3_column_text(st, 0);
        int row_fy = sqlite3_column_int(st, 1);
        kf_yen in = sqlite3_column_int64(st, 2), out = sqlite3_column_int64(st, 3);
        kf_yen com = sqlite3_column_int64(st, 4);
        if (!cur || strcmp(cur->pool, pool) != 0) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 16;
                kf_pool_figures *grown = realloc(*rows, cap * sizeof **rows);
                if (!grown) {
                    rc = kf_fail(err, KF_SYSTEM, "out of memory");
                    goto out;
                }
                *rows = grown;
            }
            cur = &(*rows)[(*n)++];
            memset(cur, 0, sizeof *cur);
            snprintf(cur->pool, sizeof cur->pool, "%s", pool);
        }
        bool ok = true;
        if (fy < 0 || row_fy == fy) {
            ok = kf_add(cur->in, in, &cur->in) && kf_add(cur->out, out, &cur->out);
        } else if (row_fy < fy) {
            kf_yen flow;
            ok = kf_sub(in, out, &flow) && kf_add(cur->opening, flow, &cur->opening);
        }
        if (ok && (fy < 0 || row_fy <= fy)) ok = kf_add(cur->committed, com, &cur->committed);
        if (!ok) {
            rc = kf_fail(err, KF_REFUSED, "pool %s: figures overflow int64 yen", pool);
            goto out;
        }
    }
    if (s != SQLITE_DONE) {
        rc = db_fail(l, err, "reading pool_fy");
        goto out;
    }
    if (*n > 1) qsort(*rows, *n, sizeof **rows, pool_order); /* qsort(NULL, 0) is undefined */
    for (size_t i = 0; i < *n; i++) {
        kf_pool_figures *f = &(*rows)[i];
        if (!finish(f) || !kf_add(total->opening, f->opening, &total->opening) ||
            !kf_add(total->in, f->in, &total->in) || !kf_add(total->out, f->out, &total->out) ||
            !kf_add(total->committed, f->committed, &total->committed)) {
            rc = kf_fail(err, KF_REFUSED, "pool figures overflow int64 yen");
            goto out;
        }
    }
    if (!finish(total)) rc = kf_fail(err, KF_REFUSED, "pool figures overflow int64 yen");
out:
    sqlite3_finalize(st);
    if (rc) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

kf_code kf_pool_get(kf_ledger *l, const char *pool, kf_pool_figures *out, kf_err *err)
{
    memset(out, 0, sizeof *out);
    pools_ctx *pc = pools_of(l, err);
    if (!pc) return KF_SYSTEM;
    kf_code crc = check_signed(l, pc, err);
    if (crc) return crc;
    snprintf(out->pool, sizeof out->pool, "%s", pool);
    sqlite3_stmt *st = kf_ledger_stmt(l, "SELECT in_, out_, committed FROM pool_fy WHERE pool=?");
    if (!st) return db_fail(l, err, "reading pool_fy");
    sqlite3_bind_text(st, 1, pool, -1, SQLITE_STATIC);
    int s;
    kf_code rc = KF_OK;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        if (!kf_add(out->in, sqlite3_column_int64(st, 0), &out->in) ||
            !kf_add(out->out, sqlite3_column_int64(st, 1), &out->out) ||
            !kf_add(out->committed, sqlite3_column_int64(st, 2), &out->committed)) {
            rc = kf_fail(err, KF_REFUSED, "pool %s: figures overflow int64 yen", pool);
            break;
        }
    if (!rc && s != SQLITE_DONE) rc = db_fail(l, err, "reading pool_fy");
    sqlite3_reset(st);
    pools_ctx *c = pools_of(l, err);
    if (!c) return KF_SYSTEM;
    for (size_t i = 0; !rc && i < c->npend; i++) {
        const struct pool_pending *p = &c->pend[i];
        if (strcmp(p->pool, pool) != 0) continue;
        if (!kf_add(out->in, p->in, &out->in) || !kf_add(out->out, p->out, &out->out) ||
            !kf_add(out->committed, p->committed, &out->committed))
            rc = kf_fail(err, KF_REFUSED, "pool %s: figures overflow int64 yen", pool);
    }
    if (!rc && !finish(out)) rc = kf_fail(err, KF_REFUSED, "pool %s: figures overflow", pool);
    return rc;
}

/* The least available money at the end of FY `from` or any later FY, fed a
 * pool's movements in FY order (several per FY allowed). avail is the money
 * available once the movements of FY last are in (0 before any); it holds at
 * the end of FY last and of every FY up to the next movement's. */
typedef struct {
    int from, last, at;
    kf_yen avail, least;
} least_acc;

static void least_start(least_acc *a, int from)
{
    a->from = from;
    a->last = INT_MIN;
    a->at = from;
    a->avail = 0;
    a->least = INT64_MAX;
}

static void least_note(least_acc *a)
{
    if (a->avail < a->least) {
        a->least = a->avail;
        a->at = a->last > a->from ? a->last : a->from;
    }
}

/* false on overflow */
static bool least_add(least_acc *a, int fy, kf_yen flow, kf_yen committed)
{
    if (fy != a->last && fy - 1 >= a->from) least_note(a);
    a->last = fy;
    return kf_add(a->avail, flow, &a->avail) && kf_sub(a->avail, committed, &a->avail);
}

static void least_end(least_acc *a, kf_yen *least, int *at)
{
    least_note(a);
    *least = a->least;
    *at = a->at;
}

kf_code kf_pool_available_from(kf_ledger *l, const char *pool, int fy, kf_yen *least, int *at_fy,
                               kf_err *err)
{
    pools_ctx *c = pools_of(l, err);
    if (!c) return KF_SYSTEM;
    kf_code rc = pools_write(c, l, err);
    if (!rc) rc = check_signed(l, c, err);
    if (rc) return rc;
    sqlite3_stmt *st =
        kf_ledger_stmt(l, "SELECT fy, in_, out_, committed FROM pool_fy WHERE pool=? ORDER BY fy");
    if (!st) return db_fail(l, err, "reading pool_fy");
    sqlite3_bind_text(st, 1, pool, -1, SQLITE_STATIC);
    least_acc a;
    least_start(&a, fy);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        kf_yen flow;
        if (!kf_sub(sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), &flow) ||
            !least_add(&a, sqlite3_column_int(st, 0), flow, sqlite3_column_int64(st, 3))) {
            rc = kf_fail(err, KF_REFUSED, "pool %s: figures overflow int64 yen", pool);
            break;
        }
    }
    if (!rc && s != SQLITE_DONE) rc = db_fail(l, err, "reading pool_fy");
    sqlite3_reset(st);
    least_end(&a, least, at_fy);
    return rc;
}

/* --- verification's own account ---------------------------------------- */

struct tracker_fy {
    int fy;
    kf_yen flow, committed;
    kf_yen in, out; /* for the signed figures' digest */
};

struct kf_pool_tracker {
    struct {
        char pool[KF_POOL_MAX];
        kf_yen balance, committed;
        struct tracker_fy *fys; /* by FY, ascending */
        size_t nfy, fy_cap;
    } * rows;
    size_t n, cap;
};

kf_pool_tracker *kf_pool_tracker_new(void)
{
    return calloc(1, sizeof(kf_pool_tracker));
}

void kf_pool_tracker_free(kf_pool_tracker *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n; i++)
        free(t->rows[i].fys);
    free(t->rows);
    free(t);
}

static size_t tracker_find(const kf_pool_tracker *t, const char *pool)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->rows[i].pool, pool) == 0) return i;
    return t->n;
}

/* The FY row of pool row i, inserted in order if new; NULL if out of memory. */
static struct tracker_fy *tracker_fy(kf_pool_tracker *t, size_t i, int fy)
{
    size_t k = t->rows[i].nfy;
    while (k > 0 && t->rows[i].fys[k - 1].fy > fy)
        k--;
    if (k > 0 && t->rows[i].fys[k - 1].fy == fy) return &t->rows[i].fys[k - 1];
    if (t->rows[i].nfy == t->rows[i].fy_cap) {
        size_t cap = t->rows[i].fy_cap ? t->rows[i].fy_cap * 2 : 4;
        struct tracker_fy *grown = realloc(t->rows[i].fys, cap * sizeof *grown);
        if (!grown) return NULL;
        t->rows[i].fys = grown;
        t->rows[i].fy_cap = cap;
    }
    struct tracker_fy *f = &t->rows[i].fys[k];
    memmove(f + 1, f, (t->rows[i].nfy - k) * sizeof *f);
    t->rows[i].nfy++;
    f->fy = fy;
    f->flow = f->committed = f->in = f->out = 0;
    return f;
}

kf_code kf_pool_tracker_move(kf_pool_tracker *t, const char *pool, int fy, kf_yen in, kf_yen out,
                             kf_yen committed, kf_err *err)
{
    size_t i = tracker_find(t, pool);
    if (i == t->n) {
        if (strlen(pool) >= KF_POOL_MAX) return kf_fail(err, KF_REFUSED, "pool name too long");
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 16;
            void *grown = realloc(t->rows, cap * sizeof *t->rows);
            if (!grown) return kf_fail(err, KF_SYSTEM, "out of memory");
            t->rows = grown;
            t->cap = cap;
        }
        memset(&t->rows[i], 0, sizeof t->rows[i]);
        snprintf(t->rows[i].pool, sizeof t->rows[i].pool, "%s", pool);
        t->n++;
    }
    kf_yen flow;
    struct tracker_fy *f = tracker_fy(t, i, fy);
    if (!f) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!kf_sub(in, out, &flow) || !kf_add(t->rows[i].balance, flow, &t->rows[i].balance) ||
        !kf_add(t->rows[i].committed, committed, &t->rows[i].committed) ||
        !kf_add(f->flow, flow, &f->flow) || !kf_add(f->committed, committed, &f->committed) ||
        !kf_add(f->in, in, &f->in) || !kf_add(f->out, out, &f->out))
        return kf_fail(err, KF_REFUSED, "pool %s: figures overflow int64 yen", pool);
    return KF_OK;
}

void kf_pool_tracker_get(const kf_pool_tracker *t, const char *pool, kf_yen *balance,
                         kf_yen *committed)
{
    size_t i = tracker_find(t, pool);
    *balance = i < t->n ? t->rows[i].balance : 0;
    *committed = i < t->n ? t->rows[i].committed : 0;
}

void kf_pool_tracker_least(const kf_pool_tracker *t, const char *pool, int fy, kf_yen *least,
                           int *at_fy)
{
    size_t i = tracker_find(t, pool);
    least_acc a;
    least_start(&a, fy);
    for (size_t k = 0; i < t->n && k < t->rows[i].nfy; k++)
        if (!least_add(&a, t->rows[i].fys[k].fy, t->rows[i].fys[k].flow,
                       t->rows[i].fys[k].committed)) {
            *least = INT64_MIN; /* a running sum overflows: as good as negative */
            *at_fy = t->rows[i].fys[k].fy;
            return;
        }
    least_end(&a, least, at_fy);
}

kf_code kf_pool_tracker_digest(const kf_pool_tracker *t, kf_hash out, kf_err *err)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < t->n; i++)
        n += t->rows[i].nfy;
    kf_pool_fy *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows) return kf_fail(err, KF_SYSTEM, "out of memory");
    for (size_t i = 0; i < t->n; i++)
        for (size_t j = 0; j < t->rows[i].nfy; j++) {
            kf_pool_fy *r = &rows[k++];
            snprintf(r->pool, sizeof r->pool, "%s", t->rows[i].pool);
            r->fy = t->rows[i].fys[j].fy;
            r->in = t->rows[i].fys[j].in;
            r->out = t->rows[i].fys[j].out;
            r->committed = t->rows[i].fys[j].committed;
        }
    kf_pool_fy_sort(rows, n);
    kf_figures_digest(rows, n, out);
    free(rows);
    return KF_OK;
}
