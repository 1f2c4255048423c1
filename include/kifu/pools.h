/*
 * kifu pools (財源): where money sits — general, group:<id>, field:<code>,
 * theme:<code> — and their figures (docs/ENTRIES.md, "Pools and figures").
 *
 * Pool figures are derived state: every module that moves money records
 * movements here from its index (kf_index.apply), tagged with the index's
 * name, so each module can rebuild its own part. Per pool and fiscal year
 * the table holds in, out and the change in committed money:
 *
 *   balance   = in - out
 *   committed = approved grant money not yet paid
 *   available = balance - committed         (never negative: callers refuse)
 */
#ifndef KIFU_POOLS_H
#define KIFU_POOLS_H

#include "kifu/ledger.h"

#define KF_POOL_MAX 80 /* "group:" + a 64-byte id + NUL, with room */

/* Checks the syntax of a pool or designation: general, group:<id>,
 * field:<code>, theme:<code> (id/code: [A-Za-z0-9_-]{1,64}). */
bool kf_pool_valid(const char *pool);

/* Registers the pools index (the pool_fy table and the movements of the open
 * transaction); kf_fund_attach calls it. Does nothing if registered. */
kf_code kf_pools_attach(kf_ledger *l, kf_err *err);

/* Creates the pool table if missing and deletes the rows of `origin`
 * (call from the origin index's reset). */
kf_code kf_pools_reset(kf_ledger *l, const char *origin, kf_err *err);

/* Records a movement: in, out, committed delta (any may be 0; committed may
 * be negative). Every sum is overflow-checked. */
kf_code kf_pools_move(kf_ledger *l, const char *origin, const char *pool, int fy, kf_yen in,
                      kf_yen out, kf_yen committed, kf_err *err);

typedef struct {
    char pool[KF_POOL_MAX];
    kf_yen opening; /* balance before the FY (0 for whole-ledger figures) */
    kf_yen in, out, balance, committed, available;
} kf_pool_figures;

/* Figures for every pool with any movement, sorted: general first, then
 * by name. fy < 0: the whole ledger; else FY fy (in/out in that FY; balance,
 * committed, available as at its end). *rows is malloc'd. total sums them. */
kf_code kf_pools_figures(kf_ledger *l, int fy, kf_pool_figures **rows, size_t *n,
                         kf_pool_figures *total, kf_err *err);

/* One pool's whole-ledger figures (zeros if it never moved). */
kf_code kf_pool_get(kf_ledger *l, const char *pool, kf_pool_figures *out, kf_err *err);

/* The least money a pool has available at the end of FY fy or of any later
 * FY (its figures by business date, as `kifu balance --fy` shows them), and
 * the FY where that least is (*at_fy). Money taken out in FY fy is missing
 * from every later FY's end too, so a command that takes money out in FY fy
 * may take at most this much. */
kf_code kf_pool_available_from(kf_ledger *l, const char *pool, int fy, kf_yen *least, int *at_fy,
                               kf_err *err);

/* --- the signed figures (docs/FORMAT.md §3, "figures") ------------------- */

/* One pool's money in one fiscal year, summed over every module. */
typedef struct {
    char pool[KF_POOL_MAX];
    int fy;
    kf_yen in, out, committed;
} kf_pool_fy;

/* The digest every commit signs: SHA-256 of the canonical figures text
 *
 *   kifu.figures.v1\n
 *   <pool> <fy> <in> <out> <committed>\n    one line per row, in order
 *
 * of rows sorted by pool (byte order) then fy, rows whose three figures are
 * all 0 left out. Pure: the writer (from pool_fy) and the verifier (from its
 * own account) both call it. */
void kf_figures_digest(const kf_pool_fy *rows, size_t n, kf_hash out);
/* Sorts rows as kf_figures_digest wants them. */
void kf_pool_fy_sort(kf_pool_fy *rows, size_t n);

/* An in-memory account of pool figures for verification: the verifiers of
 * each module feed it the movements entries assert, in seq order, and check
 * that no entry leaves a pool's available money negative. */
typedef struct kf_pool_tracker kf_pool_tracker;
kf_pool_tracker *kf_pool_tracker_new(void);
void kf_pool_tracker_free(kf_pool_tracker *t);
/* A movement of pool in FY fy: KF_REFUSED when a figure overflows (or the
 * pool's name is too long), KF_SYSTEM when out of memory. */
kf_code kf_pool_tracker_move(kf_pool_tracker *t, const char *pool, int fy, kf_yen in, kf_yen out,
                             kf_yen committed, kf_err *err);
/* balance (in - out) and committed of a pool (0, 0 if it never moved) */
void kf_pool_tracker_get(const kf_pool_tracker *t, const char *pool, kf_yen *balance,
                         kf_yen *committed);
/* The digest of the tracker's account (kf_figures_digest): KF_SYSTEM when
 * out of memory. */
kf_code kf_pool_tracker_digest(const kf_pool_tracker *t, kf_hash out, kf_err *err);
/* As kf_pool_available_from, on the tracker's account. */
void kf_pool_tracker_least(const kf_pool_tracker *t, const char *pool, int fy, kf_yen *least,
                           int *at_fy);

#endif
