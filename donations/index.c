/*
 * The donations index: derived tables for money in, rebuilt from entries.
 *
 *   don_refs(ref, seq)                         unique external references
 *   don_partner_totals(id, pledged, paid)       a click-fund partner's money
 *   don_partner_months(partner, month, clicks, pledge, seq)
 *   don_partner_pays(seq, partner, date, amount, voided)
 *   don_box_totals(id, collected, collections)  a donation box's money
 *   don_source_fy(source, fy, gross, count)    gross donations per source and FY
 *   don_voids(seq, void_seq)
 *   pool_fy rows of origin "donations"          (fund/pools.c), fund.interest too
 *
 * A fund.interest's ref goes into don_refs with the donations' refs.
 *
 * Who the members, partners and boxes are is the fund's registry
 * (fund/registry.c, tables reg_*).
 *
 * Personal data (personal: seq, salt, name, address) is not derived: it is
 * kept outside the hashed entries, survives reindex, and is deleted by
 * erasure.
 */
#include "don_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define ORIGIN "donations"

static const char *schema =
    "DROP TABLE IF EXISTS don_refs; DROP TABLE IF EXISTS don_partner_totals;"
    "DROP TABLE IF EXISTS don_partner_months;"
    "DROP TABLE IF EXISTS don_partner_pays; DROP TABLE IF EXISTS don_box_totals;"
    "DROP TABLE IF EXISTS don_source_fy; DROP TABLE IF EXISTS don_voids;"
    "CREATE TABLE don_refs(ref TEXT PRIMARY KEY, seq INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE TABLE don_partner_totals(id TEXT PRIMARY KEY, pledged INTEGER NOT NULL DEFAULT 0,"
    " paid INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE TABLE don_partner_months(partner TEXT NOT NULL, month TEXT NOT NULL,"
    " clicks INTEGER NOT NULL, pledge INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " PRIMARY KEY(partner, month)) STRICT;"
    "CREATE TABLE don_partner_pays(seq INTEGER PRIMARY KEY, partner TEXT NOT NULL,"
    " date TEXT NOT NULL, amount INTEGER NOT NULL, voided INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE TABLE don_box_totals(id TEXT PRIMARY KEY, collected INTEGER NOT NULL DEFAULT 0,"
    " collections INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE TABLE don_source_fy(source TEXT NOT NULL, fy INTEGER NOT NULL,"
    " gross INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY(source, fy))"
    " STRICT, WITHOUT ROWID;"
    "CREATE TABLE don_voids(seq INTEGER PRIMARY KEY, void_seq INTEGER NOT NULL) STRICT;";

static void finalize_stmts(don_ctx *c)
{
    sqlite3_finalize(c->ref_put);
    sqlite3_finalize(c->source_get);
    sqlite3_finalize(c->source_put);
    c->ref_put = c->source_get = c->source_put = NULL;
}

static kf_code don_reset(void *ctx, kf_ledger *l, kf_err *err)
{
    don_ctx *c = ctx;
    finalize_stmts(c);
    c->ref_put_seq = 0;
    if (sqlite3_exec(kf_ledger_db(l), schema, NULL, NULL, NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "resetting the donations index: %s",
                       sqlite3_errmsg(kf_ledger_db(l)));
    return kf_pools_reset(l, ORIGIN, err);
}

static void don_close(void *ctx)
{
    don_ctx *c = ctx;
    sodium_memzero(c->salt_key, sizeof c->salt_key);
    if (c->personal_text.data) sodium_memzero(c->personal_text.data, c->personal_text.cap);
    kf_buf_free(&c->personal_text);
    sqlite3_finalize(c->personal_put);
    sqlite3_finalize(c->personal_put_batch);
    finalize_stmts(c);
    free(c);
}

static kf_code ref_put(don_ctx *c, const char *ref, int64_t seq, kf_err *err)
{
    sqlite3 *db = kf_ledger_db(c->l);
    if (!c->ref_put && sqlite3_prepare_v2(db, "INSERT INTO don_refs(ref, seq) VALUES(?,?)", -1,
                                          &c->ref_put, NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "donations index: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(c->ref_put, 1, ref, -1, SQLITE_STATIC);
    sqlite3_bind_int64(c->ref_put, 2, seq);
    int s = sqlite3_step(c->ref_put);
    sqlite3_reset(c->ref_put);
    if (s == SQLITE_CONSTRAINT)
        return kf_fail(err, KF_REFUSED, "seq %lld: ref '%s' is already used", (long long)seq, ref);
    if (s != SQLITE_DONE) return kf_fail(err, KF_SYSTEM, "donations index: %s", sqlite3_errmsg(db));
    return KF_OK;
}

/* Adds gross (may be negative) and count to a source's FY total. */
static kf_code source_add(don_ctx *c, const char *source, int64_t fy, kf_yen gross, int64_t count,
                          kf_err *err)
{
    sqlite3 *db = kf_ledger_db(c->l);
    if (!c->source_get &&
        (sqlite3_prepare_v2(db, "SELECT gross, count FROM don_source_fy WHERE source=? AND fy=?",
                            -1, &c->source_get, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(db,
                            "INSERT OR REPLACE INTO don_source_fy(source, fy, gross, count) "
                            "VALUES(?,?,?,?)",
                            -1, &c->source_put, NULL) != SQLITE_OK))
        return kf_fail(err, KF_SYSTEM, "donations index: %s", sqlite3_errmsg(db));
    kf_yen cur = 0;
    int64_t n = 0;
    sqlite3_bind_text(c->source_get, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(c->source_get, 2, fy);
    int got = sqlite3_step(c->source_get);
    if (got == SQLITE_ROW) {
        cur = sqlite3_column_int64(c->source_get, 0);
        n = sqlite3_column_int64(c->source_get, 1);
    }
    sqlite3_reset(c->source_get);
    if (got != SQLITE_ROW && got != SQLITE_DONE)
        return kf_fail(err, KF_SYSTEM, "donations index: %s", sqlite3_errmsg(db));
    if (!kf_add(cur, gross, &cur) || !kf_add(n, count, &n))
        return kf_fail(err, KF_REFUSED, "source %s: total overflows int64", source);
    sqlite3_bind_text(c->source_put, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(c->source_put, 2, fy);
    sqlite3_bind_int64(c->source_put, 3, cur);
    sqlite3_bind_int64(c->source_put, 4, n);
    int s = sqlite3_step(c->source_put);
    sqlite3_reset(c->source_put);
    if (s != SQLITE_DONE) return kf_fail(err, KF_SYSTEM, "donations index: %s", sqlite3_errmsg(db));
    return KF_OK;
}

typedef struct {
    kf_yen amount, credit, general;
    int64_t fy;
    const char *pool, *source;
} money;

static kf_code read_money(const kf_entry *e, int64_t seq, money *m, kf_err *err)
{
    memset(m, 0, sizeof *m);
    m->pool = kf_entry_str(e, "credit_pool");
    m->source = kf_entry_str(e, "source");
    if (!kf_entry_int(e, "amount", &m->amount) || !kf_entry_int(e, "credit", &m->credit) ||
        !kf_entry_int(e, "credit_general", &m->general) || !kf_entry_int(e, "fy", &m->fy) ||
        !m->pool || !m->source)
        return kf_fail(err, KF_REFUSED, "seq %lld: %s entry lacks its amounts, pool or source",
                       (long long)seq, e->kind);
    return KF_OK;
}

/* Credits (sign +1) or debits (sign -1, a void) a donation's pools. */
static kf_code move_money(kf_ledger *l, const money *m, int64_t fy, int sign, kf_err *err)
{
    kf_code rc;
    kf_yen in = sign > 0 ? m->credit : 0, out = sign > 0 ? 0 : m->credit;
    if (m->credit && (rc = kf_pools_move(l, ORIGIN, m->pool, (int)fy, in, out, 0, err))) return rc;
    in = sign > 0 ? m->general : 0;
    out = sign > 0 ? 0 : m->general;
    if (m->general && (rc = kf_pools_move(l, ORIGIN, "general", (int)fy, in, out, 0, err)))
        return rc;
    return KF_OK;
}

static kf_code apply_money_in(don_ctx *c, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    kf_ledger *l = c->l;
    money m;
    kf_code rc = read_money(e, row->seq, &m, err);
    if (rc) return rc;
    const char *ref = kf_entry_str(e, "ref");
    if (ref && row->seq == c->ref_put_seq)
        c->ref_put_seq = 0; /* kf_don_donate stored it already */
    else if (ref && (rc = ref_put(c, ref, row->seq, err)))
        return rc;
    if ((rc = move_money(l, &m, m.fy, +1, err))) return rc;
    if (strcmp(m.source, "direct") != 0 && (rc = source_add(c, m.source, m.fy, m.amount, 1, err)))
        return rc;
    if (strncmp(m.source, "partner:", 8) == 0) {
        const char *date = kf_entry_str(e, "date");
        if ((rc = kf_sql_exec(l, err,
                              "INSERT INTO don_partner_totals(id, paid) VALUES(?2, ?1) "
                              "ON CONFLICT(id) DO UPDATE SET paid = paid + excluded.paid",
                              "is", m.amount, m.source + 8)) ||
            (rc = kf_sql_exec(l, err,
                              "INSERT INTO don_partner_pays(seq, partner, date, amount) "
                              "VALUES(?1,?2,?3,?4)",
                              "issi", row->seq, m.source + 8, date, m.amount)))
            return rc;
    } else if (strncmp(m.source, "box:", 4) == 0) {
        if ((rc = kf_sql_exec(l, err,
                              "INSERT INTO don_box_totals(id, collected, collections) "
                              "VALUES(?2, ?1, 1) ON CONFLICT(id) DO UPDATE SET "
                              "collected = collected + excluded.collected, "
                              "collections = collections + 1",
                              "is", m.amount, m.source + 4)))
            return rc;
    }
    return KF_OK;
}

static kf_code apply_void(don_ctx *c, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    kf_ledger *l = c->l;
    int64_t target, fy, orig_fy;
    money m;
    kf_code rc = read_money(e, row->seq, &m, err);
    if (rc) return rc;
    if (!kf_entry_int(e, "void", &target) || !kf_entry_int(e, "void_fy", &orig_fy))
        return kf_fail(err, KF_REFUSED, "seq %lld: donation.void lacks void or void_fy",
                       (long long)row->seq);
    fy = m.fy;
    rc = kf_sql_exec(l, err, "INSERT INTO don_voids(seq, void_seq) VALUES(?1,?2)", "ii", target,
                     row->seq);
    if (rc == KF_REFUSED)
        return kf_fail(err, KF_REFUSED, "seq %lld: seq %lld is voided twice", (long long)row->seq,
                       (long long)target);
    if (rc) return rc;
    if ((rc = move_money(l, &m, fy, -1, err))) return rc;
    if (strcmp(m.source, "direct") != 0 &&
        (rc = source_add(c, m.source, orig_fy, -m.amount, -1, err)))
        return rc;
    if (strncmp(m.source, "partner:", 8) == 0) {
        if ((rc =
                 kf_sql_exec(l, err, "UPDATE don_partner_totals SET paid = paid - ?1 WHERE id = ?2",
                             "is", m.amount, m.source + 8)))
            return rc;
        return kf_sql_exec(l, err, "UPDATE don_partner_pays SET voided = 1 WHERE seq = ?1", "i",
                           target);
    }
    if (strncmp(m.source, "box:", 4) == 0)
        return kf_sql_exec(l, err,
                           "UPDATE don_box_totals SET collected = collected - ?1, collections = "
                           "collections - 1 WHERE id = ?2",
                           "is", m.amount, m.source + 4);
    return KF_OK;
}

/* Interest earned: the whole amount into the entry's pool in its FY. */
static kf_code apply_interest(don_ctx *c, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    const char *pool = kf_entry_str(e, "pool"), *ref = kf_entry_str(e, "ref");
    int64_t amount, fy;
    kf_code rc;
    if (!pool || !kf_entry_int(e, "amount", &amount) || !kf_entry_int(e, "fy", &fy))
        return kf_fail(err, KF_REFUSED, "seq %lld: fund.interest lacks its amount, fy or pool",
                       (long long)row->seq);
    if (ref && (rc = ref_put(c, ref, row->seq, err))) return rc;
    return amount ? kf_pools_move(c->l, ORIGIN, pool, (int)fy, amount, 0, 0, err) : KF_OK;
}

static kf_code don_apply(void *ctx, kf_ledger *l, const kf_row *row, kf_err *err)
{
    don_ctx *c = ctx;
    const kf_entry *e = row->entry;
    const char *k = e->kind;
    c->l = l;
    if (strcmp(k, "donation") == 0 || strcmp(k, "box.collect") == 0)
        return apply_money_in(c, row, err);
    if (strcmp(k, "donation.void") == 0) return apply_void(c, row, err);
    if (strcmp(k, "fund.interest") == 0) return apply_interest(c, row, err);
    if (strcmp(k, "partner.clicks") == 0) {
        int64_t clicks = 0, pledge = 0;
        kf_entry_int(e, "clicks", &clicks);
        kf_entry_int(e, "pledge", &pledge);
        kf_code rc =
            kf_sql_exec(l, err,
                        "INSERT INTO don_partner_months(partner, month, clicks, pledge, seq)"
                        " VALUES(?,?,?,?,?)",
                        "ssiii", kf_entry_str(e, "partner"), kf_entry_str(e, "month"), clicks,
                        pledge, row->seq);
        if (rc) return rc;
        return kf_sql_exec(l, err,
                           "INSERT INTO don_partner_totals(id, pledged) VALUES(?2, ?1) "
                           "ON CONFLICT(id) DO UPDATE SET pledged = pledged + excluded.pledged",
                           "is", pledge, kf_entry_str(e, "partner"));
    }
    return KF_OK;
}

kf_code kf_donations_attach(kf_ledger *l, kf_err *err)
{
    kf_code rc = kf_fund_attach(l, err);
    if (rc || kf_ledger_index_ctx(l, "donations")) return rc;
    if (sqlite3_exec(kf_ledger_db(l),
                     "CREATE TABLE IF NOT EXISTS personal(seq INTEGER PRIMARY KEY,"
                     " salt BLOB NOT NULL, name TEXT NOT NULL, address TEXT NOT NULL) STRICT",
                     NULL, NULL, NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "creating the personal data table: %s",
                       sqlite3_errmsg(kf_ledger_db(l)));
    don_ctx *c = calloc(1, sizeof *c);
    if (!c) return kf_fail(err, KF_SYSTEM, "out of memory");
    c->l = l;
    kf_index ix = {"donations", 3, don_reset, don_apply, don_close, c, don_personal_flush};
    rc = kf_ledger_add_index(l, &ix, err);
    if (rc) {
        don_close(c);
        return rc;
    }
    return don_certs_attach(l, err);
}

don_ctx *don_ctx_of(kf_ledger *l)
{
    return kf_ledger_index_ctx(l, "donations");
}
