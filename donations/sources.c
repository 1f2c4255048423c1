/*
 * Money from the fund's sources (the registry, fund/registry.c, knows who
 * they are): click-fund partners' monthly clicks and payments, donation
 * boxes' collections counted by two people, and the lists of members,
 * partners and boxes with their money figures.
 *
 * Entries: partner.clicks (partner, month, clicks#, pledge#); box.collect (a
 * donation from box:ID with count_a#, count_b#, counters, seal, resolved#,
 * note).
 */
#include "don_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends e, returning its seq. Frees e. */
static kf_code append(kf_txn *t, kf_entry *e, int64_t *seq, kf_code rc, kf_err *err)
{
    if (!rc) rc = kf_txn_append(t, e, err);
    if (!rc && seq) *seq = e->seq;
    kf_entry_free(e);
    return rc;
}

static bool valid_month(const char *m)
{
    char date[11];
    if (strlen(m) != 7) return false;
    snprintf(date, sizeof date, "%s-01", m);
    return kf_parse_date(date, NULL, NULL, NULL);
}

kf_code kf_don_partner_clicks(kf_txn *t, const char *id, const char *month, int64_t clicks,
                              int64_t *seq, kf_yen *pledge, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    int64_t per, cap, prev;
    char dest[KF_POOL_MAX];
    bool found;
    kf_code rc;
    if (!month || !valid_month(month))
        return kf_fail(err, KF_BAD_INPUT, "--month '%s' is not YYYY-MM", month ? month : "");
    if (clicks < 0) return kf_fail(err, KF_BAD_INPUT, "--clicks must be 0 or more");
    if ((rc = kf_sql_row(l, err, &found,
                         "SELECT per_click, monthly_cap, dest FROM reg_partners WHERE id=?", "s",
                         "iis", id, &per, &cap, dest, sizeof dest)))
        return rc;
    if (!found) return kf_fail(err, KF_REFUSED, "unknown partner %s (see kifu partner list)", id);
    if ((rc = kf_sql_row(l, err, &found,
                         "SELECT seq FROM don_partner_months WHERE partner=? AND month=?", "ss",
                         "i", id, month, &prev)))
        return rc;
    if (found)
        return kf_fail(err, KF_REFUSED,
                       "partner %s: clicks for %s were already recorded at seq %lld", id, month,
                       (long long)prev);
    *pledge = kf_partner_pledge(clicks, per, cap);
    kf_entry *e = kf_entry_new("partner.clicks");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!(rc = kf_entry_set_str(e, "partner", id, err)) &&
        !(rc = kf_entry_set_str(e, "month", month, err)) &&
        !(rc = kf_entry_set_int(e, "clicks", clicks, err)))
        rc = kf_entry_set_int(e, "pledge", *pledge, err);
    return append(t, e, seq, rc, err);
}

kf_code kf_don_partner_pay(kf_txn *t, const char *id, kf_yen amount, const char *date,
                           const char *ref, int64_t *seq, kf_err *err)
{
    kf_donation d;
    char amount_s[32], source[KF_POOL_MAX];
    snprintf(amount_s, sizeof amount_s, "%lld", (long long)amount);
    snprintf(source, sizeof source, "partner:%s", id);
    if (!kf_id_valid(id)) return kf_fail(err, KF_BAD_INPUT, "partner id '%s' is not valid", id);
    kf_code rc =
        kf_donation_parse(&d, amount_s, date, source, NULL, NULL, NULL, ref, "transfer", NULL, err);
    if (rc) return rc;
    return kf_don_donate(t, &d, seq, err);
}

kf_code kf_don_box_collect(kf_txn *t, const kf_box_collection *c, int64_t *seq, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    char dest[KF_POOL_MAX], loc[256];
    bool found;
    kf_code rc;
    if ((rc = kf_sql_row(l, err, &found, "SELECT dest, location FROM reg_boxes WHERE id=?", "s",
                         "ss", c->id, dest, sizeof dest, loc, sizeof loc)))
        return rc;
    if (!found) return kf_fail(err, KF_REFUSED, "unknown box %s (see kifu box list)", c->id);
    if (c->count_a < 0 || c->count_b < 0 || c->count_a > KF_YEN_MAX_ONE ||
        c->count_b > KF_YEN_MAX_ONE)
        return kf_fail(err, KF_BAD_INPUT, "counts must be between 0 and 1,000,000,000,000 yen");
    const char *comma = strchr(c->counters, ',');
    if (!comma || comma == c->counters || !comma[1] || strchr(comma + 1, ','))
        return kf_fail(err, KF_BAD_INPUT, "--counters must name the two counters as \"A,B\"");
    kf_yen amount = c->count_a;
    if (c->count_a != c->count_b) {
        if (c->resolved < 0)
            return kf_fail(err, KF_REFUSED,
                           "box %s: the counts differ (%lld and %lld yen); recount and record "
                           "the agreed amount with --resolved YEN --note TEXT",
                           c->id, (long long)c->count_a, (long long)c->count_b);
        if (!*c->note)
            return kf_fail(err, KF_BAD_INPUT, "--resolved needs a --note saying how it was agreed");
        if (c->resolved > KF_YEN_MAX_ONE)
            return kf_fail(err, KF_BAD_INPUT, "--resolved is above the limit");
        amount = c->resolved;
    } else if (c->resolved >= 0 && c->resolved != c->count_a) {
        return kf_fail(err, KF_BAD_INPUT, "--resolved is only for counts that differ");
    }
    if (amount <= 0) return kf_fail(err, KF_BAD_INPUT, "box %s: nothing to record (0 yen)", c->id);
    kf_donation d;
    char amount_s[32], source[KF_POOL_MAX];
    snprintf(amount_s, sizeof amount_s, "%lld", (long long)amount);
    snprintf(source, sizeof source, "box:%s", c->id);
    if ((rc = kf_donation_parse(&d, amount_s, c->date, source, dest, NULL, NULL, NULL, "cash", NULL,
                                err)))
        return rc;
    kf_entry *e = kf_entry_new("box.collect");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    if ((rc = kf_entry_set_str(e, "box", c->id, err)) ||
        (rc = kf_entry_set_int(e, "count_a", c->count_a, err)) ||
        (rc = kf_entry_set_int(e, "count_b", c->count_b, err)) ||
        (rc = kf_entry_set_str(e, "counters", c->counters, err)) ||
        (*c->seal && (rc = kf_entry_set_str(e, "seal", c->seal, err))) ||
        (c->resolved >= 0 && c->count_a != c->count_b &&
         ((rc = kf_entry_set_int(e, "resolved", c->resolved, err)) ||
          (rc = kf_entry_set_str(e, "note", c->note, err))))) {
        kf_entry_free(e);
        return rc;
    }
    rc = don_append_money(t, e, &d, seq, err);
    kf_entry_free(e);
    return rc;
}

/* --- reading ------------------------------------------------------------ */

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

/* Fills one row of a list from the current result row. */
typedef void (*row_fill)(sqlite3_stmt *st, void *row, void *ctx);

/* Runs sql (with one optional text or int parameter) and collects its rows
 * into a malloc'd array of rowsz-byte elements. */
static kf_code read_rows(kf_ledger *l, const char *sql, const char *what, const char *text_arg,
                         int64_t int_arg, bool has_int, size_t rowsz, row_fill fill, void *ctx,
                         void **out, size_t *n, kf_err *err)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    char *rows = NULL;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(kf_ledger_db(l), sql, -1, &st, NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "reading %s: %s", what, sqlite3_errmsg(kf_ledger_db(l)));
    if (text_arg) sqlite3_bind_text(st, 1, text_arg, -1, SQLITE_STATIC);
    if (has_int) sqlite3_bind_int64(st, 1, int_arg);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char *grown = realloc(rows, cap * rowsz);
            if (!grown) {
                sqlite3_finalize(st);
                free(rows);
                *n = 0;
                return kf_fail(err, KF_SYSTEM, "out of memory");
            }
            rows = grown;
        }
        void *row = rows + (*n)++ * rowsz;
        memset(row, 0, rowsz);
        fill(st, row, ctx);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        free(rows);
        *n = 0;
        return kf_fail(err, KF_SYSTEM, "reading %s: %s", what, sqlite3_errmsg(kf_ledger_db(l)));
    }
    *out = rows;
    return KF_OK;
}

static void fill_member(sqlite3_stmt *st, void *row, void *ctx)
{
    kf_member *m = row;
    const kf_rules *r = ctx;
    snprintf(m->id, sizeof m->id, "%s", col(st, 0));
    snprintf(m->name, sizeof m->name, "%s", col(st, 1));
    snprintf(m->tier, sizeof m->tier, "%s", col(st, 2));
    snprintf(m->joined, sizeof m->joined, "%s", col(st, 3));
    m->seq = sqlite3_column_int64(st, 4);
    m->fy_total = sqlite3_column_int64(st, 5);
    const kf_tier *tier = kf_rules_tier(r, m->tier);
    m->tier_min = tier ? tier->min : 0;
    m->active = m->fy_total >= m->tier_min;
}

kf_code kf_don_members(kf_ledger *l, int fy, kf_member **out, size_t *n, kf_err *err)
{
    const kf_rules *r;
    kf_code rc = kf_fund_rules(l, &r, err);
    *out = NULL;
    *n = 0;
    if (rc) return rc;
    return read_rows(l,
                     "SELECT m.id, m.name, m.tier, m.joined, m.seq, coalesce(s.gross, 0) "
                     "FROM reg_members m LEFT JOIN don_source_fy s "
                     "ON s.source = 'member:' || m.id AND s.fy = ?1 ORDER BY m.id",
                     "members", NULL, fy, true, sizeof **out, fill_member, (void *)r, (void **)out,
                     n, err);
}

static void fill_partner(sqlite3_stmt *st, void *row, void *ctx)
{
    kf_partner *p = row;
    (void)ctx;
    snprintf(p->id, sizeof p->id, "%s", col(st, 0));
    snprintf(p->name, sizeof p->name, "%s", col(st, 1));
    snprintf(p->to, sizeof p->to, "%s", col(st, 2));
    p->per_click = sqlite3_column_int64(st, 3);
    p->monthly_cap = sqlite3_column_int64(st, 4);
    p->pledged = sqlite3_column_int64(st, 5);
    p->paid = sqlite3_column_int64(st, 6);
    p->seq = sqlite3_column_int64(st, 7);
}

kf_code kf_don_partners(kf_ledger *l, kf_partner **out, size_t *n, kf_err *err)
{
    return read_rows(l,
                     "SELECT p.id, p.name, p.dest, p.per_click, p.monthly_cap, "
                     "coalesce(t.pledged, 0), coalesce(t.paid, 0), p.seq "
                     "FROM reg_partners p LEFT JOIN don_partner_totals t USING(id) ORDER BY id",
                     "partners", NULL, 0, false, sizeof **out, fill_partner, NULL, (void **)out, n,
                     err);
}

/* Payments are applied to the oldest pledged month first. */
static void fill_month(sqlite3_stmt *st, void *row, void *ctx)
{
    kf_partner_month *m = row;
    int64_t *paid = ctx;
    snprintf(m->month, sizeof m->month, "%s", col(st, 0));
    m->clicks = sqlite3_column_int64(st, 1);
    m->pledged = sqlite3_column_int64(st, 2);
    m->paid = *paid < m->pledged ? *paid : m->pledged;
    *paid -= m->paid;
    m->outstanding = m->pledged - m->paid;
}

kf_code kf_don_partner_months(kf_ledger *l, const char *id, kf_partner_month **out, size_t *n,
                              kf_err *err)
{
    int64_t paid;
    bool found;
    *out = NULL;
    *n = 0;
    kf_code rc = kf_sql_row(l, err, &found,
                            "SELECT coalesce(t.paid, 0) FROM reg_partners p "
                            "LEFT JOIN don_partner_totals t USING(id) WHERE p.id=?",
                            "s", "i", id, &paid);
    if (rc) return rc;
    if (!found) return kf_fail(err, KF_REFUSED, "unknown partner %s", id);
    return read_rows(l,
                     "SELECT month, clicks, pledge FROM don_partner_months "
                     "WHERE partner=? ORDER BY month",
                     "partner months", id, 0, false, sizeof **out, fill_month, &paid, (void **)out,
                     n, err);
}

static void fill_box(sqlite3_stmt *st, void *row, void *ctx)
{
    kf_box *b = row;
    (void)ctx;
    snprintf(b->id, sizeof b->id, "%s", col(st, 0));
    snprintf(b->location, sizeof b->location, "%s", col(st, 1));
    snprintf(b->host, sizeof b->host, "%s", col(st, 2));
    snprintf(b->to, sizeof b->to, "%s", col(st, 3));
    b->seq = sqlite3_column_int64(st, 4);
    b->collected = sqlite3_column_int64(st, 5);
    b->collections = sqlite3_column_int64(st, 6);
}

kf_code kf_don_boxes(kf_ledger *l, kf_box **out, size_t *n, kf_err *err)
{
    return read_rows(l,
                     "SELECT b.id, b.location, b.host, b.dest, b.seq, coalesce(t.collected, 0), "
                     "coalesce(t.collections, 0) "
                     "FROM reg_boxes b LEFT JOIN don_box_totals t USING(id) ORDER BY id",
                     "boxes", NULL, 0, false, sizeof **out, fill_box, NULL, (void **)out, n, err);
}
