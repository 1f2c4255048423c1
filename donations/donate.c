/*
 * Donations: parsing, designation and pool split, recording, voids,
 * personal data and erasure (docs/ENTRIES.md, "Money in").
 *
 * A `donation` entry (and a `box.collect`, which is a donation from a box)
 * carries: amount#, date, fy#, source, to, credit_pool, credit#,
 * credit_general#, and optionally fee#, method, ref, donor (the personal
 * data commitment). credit + credit_general = amount - fee: the designated
 * pool gets `credit`, general gets the rest (only a group designation
 * splits, by the rules' designated_share rounded down to designated_round).
 */
#include "don_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
/* SHA-256 of personal data commitments and salts: OpenSSL's is several times
 * faster than libsodium 1.0.18's, and an import hashes every donor. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

static const char *methods[] = {"cash", "transfer", "card", "slip"};

/* True if s has a control character (a line break allowed when lines). */
static bool has_control(const char *s, bool lines)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && !(lines && (*p == '\n' || *p == '\r'))) || *p == 0x7f) return true;
    return false;
}

/* Copies src into dst (size > 0), cutting it short if needed; callers
 * check lengths first. Cheaper than snprintf on the import's per-row path. */
static void copy_str(char *dst, size_t size, const char *src)
{
    size_t len = strlen(src);
    if (len >= size) len = size - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static bool parse_money(const char *what, const char *s, kf_yen *out, kf_err *err)
{
    if (!kf_parse_i64(s, out)) {
        /* Digits alone that do not fit in 64 bits: a number, out of range. */
        const char *d = *s == '-' ? s + 1 : s;
        if (*d && strspn(d, "0123456789") == strlen(d)) {
            if (*s == '-')
                kf_fail(err, KF_BAD_INPUT, "%s %s must be more than 0 yen", what, s);
            else
                kf_fail(err, KF_BAD_INPUT, "%s %s is above the limit of 1,000,000,000,000 yen",
                        what, s);
            return false;
        }
        kf_fail(err, KF_BAD_INPUT, "%s '%s' is not a whole number of yen", what, s);
        return false;
    }
    return true;
}

kf_code kf_donation_parse(kf_donation *d, const char *amount, const char *date, const char *source,
                          const char *to, const char *donor, const char *address, const char *ref,
                          const char *method, const char *fee, kf_err *err)
{
    memset(d, 0, sizeof *d);
    if (!amount || !*amount) return kf_fail(err, KF_BAD_INPUT, "amount is missing");
    if (!parse_money("amount", amount, &d->amount, err)) return KF_BAD_INPUT;
    if (d->amount <= 0)
        return kf_fail(err, KF_BAD_INPUT, "amount %s must be more than 0 yen", amount);
    if (d->amount > KF_YEN_MAX_ONE)
        return kf_fail(err, KF_BAD_INPUT, "amount %s is above the limit of 1,000,000,000,000 yen",
                       amount);
    if (fee && *fee) {
        if (!parse_money("fee", fee, &d->fee, err)) return KF_BAD_INPUT;
        if (d->fee < 0) return kf_fail(err, KF_BAD_INPUT, "fee %s is negative", fee);
        if (d->fee >= d->amount)
            return kf_fail(err, KF_BAD_INPUT, "fee %s must be less than the amount %s", fee,
                           amount);
    }
    if (!date || !*date) return kf_fail(err, KF_BAD_INPUT, "date is missing");
    if (!kf_parse_date(date, NULL, NULL, NULL))
        return kf_fail(err, KF_BAD_INPUT, "date '%s' is not a real date YYYY-MM-DD", date);
    copy_str(d->date, sizeof d->date, date);
    copy_str(d->source, sizeof d->source, source && *source ? source : "direct");
    if (strcmp(d->source, "direct") != 0) {
        const char *colon = strchr(d->source, ':');
        bool known =
            colon && (!strncmp(d->source, "member:", 7) || !strncmp(d->source, "partner:", 8) ||
                      !strncmp(d->source, "box:", 4));
        if (!known || !kf_id_valid(colon + 1))
            return kf_fail(err, KF_BAD_INPUT,
                           "source '%s' must be direct, member:ID, partner:ID or box:ID", source);
    }
    if (to && *to) {
        if (strlen(to) >= sizeof d->to || !kf_pool_valid(to))
            return kf_fail(err, KF_BAD_INPUT,
                           "designation '%s' must be general, group:ID, field:CODE or theme:CODE",
                           to);
        copy_str(d->to, sizeof d->to, to);
    }
    if (method && *method) {
        bool ok = false;
        for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
            if (strcmp(method, methods[i]) == 0) ok = true;
        if (!ok)
            return kf_fail(err, KF_BAD_INPUT, "method '%s' must be cash, transfer, card or slip",
                           method);
        copy_str(d->method, sizeof d->method, method);
    }
    if (ref && *ref) {
        if (strlen(ref) >= sizeof d->ref || !kf_utf8_valid(ref) || strpbrk(ref, "\r\n"))
            return kf_fail(err, KF_BAD_INPUT, "ref '%s' must be one line under 128 bytes", ref);
        copy_str(d->ref, sizeof d->ref, ref);
    }
    if (donor && *donor) {
        if (!kf_utf8_valid(donor) || strlen(donor) >= 512 || has_control(donor, false))
            return kf_fail(err, KF_BAD_INPUT,
                           "donor name must be one line of UTF-8 under 512 bytes");
        d->donor = donor;
    }
    if (address && *address) {
        if (!kf_utf8_valid(address) || strlen(address) >= 1024 || has_control(address, true))
            return kf_fail(err, KF_BAD_INPUT,
                           "address must be UTF-8 under 1024 bytes without control characters");
        d->address = address;
    }
    return KF_OK;
}

kf_code don_split_of(kf_ledger *l, const char *to, const char *date, kf_yen net, don_split *sp,
                     kf_err *err)
{
    const kf_rules *r;
    kf_code rc;
    if ((rc = kf_date_check(l, "date", date, err)) || (rc = kf_designation_check(l, to, err)) ||
        (rc = kf_fund_rules(l, &r, err)))
        return rc;
    kf_designated_split(r, to, net, &sp->credit, &sp->general);
    sp->pool = sp->credit ? to : "general";
    sp->fy = kf_rules_fy(r, date);
    return KF_OK;
}

kf_code kf_don_ref_exists(kf_ledger *l, const char *ref, bool *exists, int64_t *seq, kf_err *err)
{
    int64_t found_seq = 0;
    kf_code rc = kf_sql_row(l, err, exists, "SELECT seq FROM don_refs WHERE ref=?", "s", "i", ref,
                            &found_seq);
    if (seq) *seq = found_seq;
    return rc;
}

kf_code don_append_money(kf_txn *t, kf_entry *e, const kf_donation *d, int64_t *seq, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    don_ctx *c = don_ctx_of(l);
    kf_code rc;
    const char *to = *d->to ? d->to : "general";
    uint8_t salt[16];
    char commit[65];
    bool personal = d->donor || d->address;
    don_split sp;
    if (!c) return kf_fail(err, KF_SYSTEM, "the donations module is not attached");
    if ((rc = don_split_of(l, to, d->date, d->amount - d->fee, &sp, err))) return rc;
    if (*d->ref) {
        /* Storing the ref is the uniqueness check (one B-tree search, not
         * two); the index then skips it for this seq. Nothing else can
         * refuse the donation after this point. */
        sqlite3_stmt *st = kf_ledger_stmt(l, "INSERT INTO don_refs(ref, seq) VALUES(?,?)");
        if (!st)
            return kf_fail(err, KF_SYSTEM, "storing the ref: %s", sqlite3_errmsg(kf_ledger_db(l)));
        sqlite3_bind_text(st, 1, d->ref, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, kf_txn_size(t) + 1);
        int s = sqlite3_step(st);
        sqlite3_reset(st);
        if (s == SQLITE_CONSTRAINT)
            return kf_fail(err, KF_REFUSED, "ref '%s' is already recorded", d->ref);
        if (s != SQLITE_DONE)
            return kf_fail(err, KF_SYSTEM, "storing the ref: %s", sqlite3_errmsg(kf_ledger_db(l)));
        c->ref_put_seq = kf_txn_size(t) + 1;
    }
    if (personal) {
        don_make_salt(c, kf_txn_size(t) + 1, salt);
        kf_personal_commitment(salt, d->donor ? d->donor : "", d->address ? d->address : "",
                               commit);
    }
    /* In key order, so that every field is appended without a search. */
    if ((rc = kf_entry_set_int(e, "amount", d->amount, err)) ||
        (rc = kf_entry_set_int(e, "credit", sp.credit, err)) ||
        (rc = kf_entry_set_int(e, "credit_general", sp.general, err)) ||
        (rc = kf_entry_set_str(e, "credit_pool", sp.pool, err)) ||
        (rc = kf_entry_set_str(e, "date", d->date, err)) ||
        (personal && (rc = kf_entry_set_str(e, "donor", commit, err))) ||
        (d->fee && (rc = kf_entry_set_int(e, "fee", d->fee, err))) ||
        (rc = kf_entry_set_int(e, "fy", sp.fy, err)) ||
        (*d->method && (rc = kf_entry_set_str(e, "method", d->method, err))) ||
        (*d->ref && (rc = kf_entry_set_str(e, "ref", d->ref, err))) ||
        (rc = kf_entry_set_str(e, "source", d->source, err)) ||
        (rc = kf_entry_set_str(e, "to", to, err)) || (rc = kf_txn_append(t, e, err)))
        return rc;
    *seq = e->seq;
    if (personal)
        return don_personal_add(c, e->seq, salt, d->donor ? d->donor : "",
                                d->address ? d->address : "", err);
    return KF_OK;
}

/* Checks a partner payment against what is pledged and unpaid. */
static kf_code check_partner_pay(kf_ledger *l, const char *id, kf_yen amount, char *dest,
                                 size_t destsz, kf_err *err)
{
    int64_t pledged, paid;
    bool found;
    kf_code rc = kf_sql_row(l, err, &found,
                            "SELECT coalesce(t.pledged, 0), coalesce(t.paid, 0), p.dest "
                            "FROM reg_partners p LEFT JOIN don_partner_totals t USING(id) "
                            "WHERE p.id=?",
                            "s", "iis", id, &pledged, &paid, dest, destsz);
    if (rc) return rc;
    if (!found) return kf_fail(err, KF_REFUSED, "unknown partner %s (see kifu partner list)", id);
    kf_yen outstanding = pledged - paid;
    if (amount > outstanding)
        return kf_fail(err, KF_REFUSED,
                       "partner %s: payment of %lld yen is more than the %lld yen pledged and "
                       "unpaid",
                       id, (long long)amount, (long long)outstanding);
    return KF_OK;
}

kf_code kf_don_donate(kf_txn *t, const kf_donation *d, int64_t *seq, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    kf_donation copy = *d;
    kf_code rc;
    bool found;
    if (!strncmp(d->source, "member:", 7)) {
        char name[256];
        if ((rc = kf_sql_row(l, err, &found, "SELECT name FROM reg_members WHERE id=?", "s", "s",
                             d->source + 7, name, sizeof name)))
            return rc;
        if (!found)
            return kf_fail(err, KF_REFUSED, "unknown member %s (see kifu member list)",
                           d->source + 7);
    } else if (!strncmp(d->source, "partner:", 8)) {
        char dest[KF_POOL_MAX];
        if ((rc = check_partner_pay(l, d->source + 8, d->amount, dest, sizeof dest, err)))
            return rc;
        if (!*copy.to) snprintf(copy.to, sizeof copy.to, "%s", dest);
    } else if (!strncmp(d->source, "box:", 4)) {
        return kf_fail(err, KF_BAD_INPUT,
                       "record donation boxes with kifu box collect (two counts), not as a "
                       "donation");
    }
    kf_entry *e = kf_entry_new("donation");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    rc = don_append_money(t, e, &copy, seq, err);
    kf_entry_free(e);
    return rc;
}

/* Refuses if any of the pools is left with negative available money at the
 * end of the void's FY or of any later FY. */
static kf_code check_available(kf_ledger *l, const char *pool1, const char *pool2, int fy,
                               int64_t seq, kf_err *err)
{
    const char *pools[2] = {pool1, pool2};
    for (int i = 0; i < 2; i++) {
        kf_yen least;
        int at;
        if (!pools[i]) continue;
        kf_code rc = kf_pool_available_from(l, pools[i], fy, &least, &at, err);
        if (rc) return rc;
        if (least < 0)
            return kf_fail(err, KF_REFUSED,
                           "voiding seq %lld would leave pool %s with %lld yen available at the "
                           "end of FY %d (money already committed or paid out)",
                           (long long)seq, pools[i], (long long)least, at);
    }
    return KF_OK;
}

kf_code kf_don_void(kf_txn *t, int64_t seq, const char *reason, const char *date, int64_t *void_seq,
                    kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    kf_entry *orig = NULL, *e = NULL;
    kf_code rc;
    bool found;
    int64_t by;
    if (!reason || !*reason) return kf_fail(err, KF_BAD_INPUT, "a void needs --reason");
    if (!kf_parse_date(date, NULL, NULL, NULL))
        return kf_fail(err, KF_BAD_INPUT, "date '%s' is not a real date YYYY-MM-DD", date);
    if ((rc = kf_date_check(l, "date", date, err))) return rc;
    if (seq < 1 || seq > kf_txn_size(t))
        return kf_fail(err, KF_REFUSED, "no entry with seq %lld", (long long)seq);
    if ((rc = kf_ledger_entry(l, seq, &orig, err))) return rc;
    if (strcmp(orig->kind, "donation") != 0 && strcmp(orig->kind, "box.collect") != 0) {
        rc = kf_fail(err, KF_REFUSED, "seq %lld is a %s, not a donation", (long long)seq,
                     orig->kind);
        goto out;
    }
    if ((rc = kf_sql_row(l, err, &found, "SELECT void_seq FROM don_voids WHERE seq=?", "i", "i",
                         seq, &by)))
        goto out;
    if (found) {
        rc = kf_fail(err, KF_REFUSED, "seq %lld was already voided by seq %lld", (long long)seq,
                     (long long)by);
        goto out;
    }
    const kf_rules *r;
    if ((rc = kf_fund_rules(l, &r, err))) goto out;
    int64_t amount, credit, general, orig_fy;
    const char *pool = kf_entry_str(orig, "credit_pool"), *source = kf_entry_str(orig, "source");
    if (!kf_entry_int(orig, "amount", &amount) || !kf_entry_int(orig, "credit", &credit) ||
        !kf_entry_int(orig, "credit_general", &general) || !kf_entry_int(orig, "fy", &orig_fy) ||
        !pool || !source) {
        rc = kf_fail(err, KF_REFUSED, "seq %lld: donation lacks its amounts", (long long)seq);
        goto out;
    }
    const char *odate = kf_entry_str(orig, "date");
    if (odate && strcmp(date, odate) < 0) {
        rc = kf_fail(err, KF_REFUSED,
                     "a void dated %s would precede the donation it reverses (seq %lld, dated %s)",
                     date, (long long)seq, odate);
        goto out;
    }
    int void_fy = kf_rules_fy(r, date);
    if (!(e = kf_entry_new("donation.void"))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    if ((rc = kf_entry_set_int(e, "void", seq, err)) ||
        (rc = kf_entry_set_str(e, "reason", reason, err)) ||
        (rc = kf_entry_set_str(e, "date", date, err)) ||
        (rc = kf_entry_set_int(e, "fy", void_fy, err)) ||
        (rc = kf_entry_set_int(e, "void_fy", orig_fy, err)) ||
        (rc = kf_entry_set_int(e, "amount", amount, err)) ||
        (rc = kf_entry_set_str(e, "source", source, err)) ||
        (rc = kf_entry_set_str(e, "credit_pool", pool, err)) ||
        (rc = kf_entry_set_int(e, "credit", credit, err)) ||
        (rc = kf_entry_set_int(e, "credit_general", general, err)) ||
        (rc = kf_txn_append(t, e, err)))
        goto out;
    *void_seq = e->seq;
    rc = check_available(l, credit ? pool : NULL, general ? "general" : NULL, void_fy, seq, err);
out:
    kf_entry_free(orig);
    kf_entry_free(e);
    return rc;
}
