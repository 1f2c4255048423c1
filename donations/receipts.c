/*
 * Certificates (寄附金受領証明書, and 受領書 for a click-fund partner): the
 * writer of `receipt.issue`, its index (the register of certificates
 * issued, 発行台帳) and the pure helpers its verifier shares
 * (docs/ENTRIES.md "Certificates").
 *
 *   don_certs(seq, fy, number, date, source, year, gifts, amount, reissue_of)
 *   don_cert_gifts(gift, cert)          which certificates cover a gift
 *
 * What must stay true: numbers are gapless per fiscal year of the issue
 * date (1, 2, 3 … in seq order); a gift is on a second certificate only as
 * a reissue of a certificate with exactly the same gifts; a certificate
 * names a donor (a commitment whose data is kept in `personal` at the
 * receipt.issue's own seq, erasable like any personal data).
 */
#include "don_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* The donations index's context (not don_ctx_of: index.c calls this file,
 * so this file calls nothing of index.c). */
static don_ctx *donations_ctx(kf_ledger *l)
{
    return kf_ledger_index_ctx(l, "donations");
}

/* --- pure helpers ------------------------------------------------------- */

void kf_cert_number(int64_t fy, int64_t n, char out[32])
{
    snprintf(out, 32, "%lld-%06lld", (long long)fy, (long long)n);
}

void kf_designation_words(const kf_rules *r, const char *to, const char *group_name, char *out,
                          size_t outsz)
{
    const kf_rules_item *it = NULL;
    if (strncmp(to, "group:", 6) == 0) {
        snprintf(out, outsz, "%s（団体指定）", group_name ? group_name : to + 6);
        return;
    }
    if (strncmp(to, "field:", 6) == 0) it = kf_rules_field(r, to + 6);
    if (strncmp(to, "theme:", 6) == 0) it = kf_rules_theme(r, to + 6);
    if (it)
        snprintf(out, outsz, "%s", it->label);
    else if (strcmp(to, "general") == 0)
        snprintf(out, outsz, "基金の事業全般（使途の指定なし）");
    else
        snprintf(out, outsz, "%s", to);
}

/* A canonical decimal int64 of s[0..len) (no sign, no leading zero). */
static bool parse_uint(const char *s, size_t len, int64_t *out)
{
    char buf[24];
    if (len == 0 || len >= sizeof buf || (s[0] == '0' && len > 1)) return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return strspn(buf, "0123456789") == len && kf_parse_i64(buf, out);
}

bool kf_cert_gifts_parse(const char *s, kf_cert_gift *out, size_t max, size_t *n)
{
    *n = 0;
    if (!*s) return false;
    for (const char *p = s;;) {
        size_t len = strcspn(p, ",");
        const char *c1 = memchr(p, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - p)) : NULL;
        if (!c1 || !c2 || *n == max || c2 - c1 - 1 != 10) return false;
        kf_cert_gift *g = &out[*n];
        memcpy(g->date, c1 + 1, 10);
        g->date[10] = '\0';
        if (!parse_uint(p, (size_t)(c1 - p), &g->seq) || g->seq < 1 ||
            !kf_parse_date(g->date, NULL, NULL, NULL) ||
            !parse_uint(c2 + 1, len - (size_t)(c2 + 1 - p), &g->amount) || g->amount < 1 ||
            (*n && g->seq <= out[*n - 1].seq))
            return false;
        (*n)++;
        if (!p[len]) return true;
        p += len + 1;
    }
}

/* --- the register (index "receipts") ------------------------------------ */

static const char schema[] =
    "DROP TABLE IF EXISTS don_certs; DROP TABLE IF EXISTS don_cert_gifts;"
    "CREATE TABLE don_certs(seq INTEGER PRIMARY KEY, fy INTEGER NOT NULL,"
    " number INTEGER NOT NULL, date TEXT NOT NULL, source TEXT NOT NULL,"
    " year INTEGER NOT NULL, gifts TEXT NOT NULL, amount INTEGER NOT NULL,"
    " reissue_of TEXT NOT NULL, UNIQUE(fy, number)) STRICT;"
    "CREATE TABLE don_cert_gifts(gift INTEGER NOT NULL, cert INTEGER NOT NULL,"
    " PRIMARY KEY(gift, cert)) STRICT, WITHOUT ROWID;";

static kf_code certs_reset(void *ctx, kf_ledger *l, kf_err *err)
{
    (void)ctx;
    if (sqlite3_exec(kf_ledger_db(l), schema, NULL, NULL, NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "resetting the receipts index: %s",
                       sqlite3_errmsg(kf_ledger_db(l)));
    return KF_OK;
}

static kf_code certs_apply(void *ctx, kf_ledger *l, const kf_row *row, kf_err *err)
{
    (void)ctx;
    const kf_entry *e = row->entry;
    if (strcmp(e->kind, "receipt.issue") != 0) return KF_OK;
    int64_t fy = 0, number = 0, year = 0, amount = 0;
    const char *gifts = kf_entry_str(e, "gifts"), *date = kf_entry_str(e, "date");
    const char *source = kf_entry_str(e, "source"), *reissue = kf_entry_str(e, "reissue_of");
    kf_entry_int(e, "year", &year);
    kf_cert_gift *g = malloc(KF_CERT_GIFTS_MAX * sizeof *g);
    size_t n;
    kf_code rc;
    if (!g) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!kf_entry_int(e, "fy", &fy) || !kf_entry_int(e, "number", &number) ||
        !kf_entry_int(e, "amount", &amount) || !gifts || !date || !source ||
        !kf_cert_gifts_parse(gifts, g, KF_CERT_GIFTS_MAX, &n)) {
        rc = kf_fail(err, KF_REFUSED, "seq %lld: receipt.issue lacks fy, number, date or gifts",
                     (long long)row->seq);
        goto out;
    }
    if ((rc = kf_sql_exec(l, err,
                          "INSERT INTO don_certs(seq, fy, number, date, source, year, gifts,"
                          " amount, reissue_of) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,coalesce(?9,''))",
                          "iiissisis", row->seq, fy, number, date, source, year, gifts, amount,
                          reissue)))
        goto out;
    for (size_t i = 0; i < n && !rc; i++)
        rc = kf_sql_exec(l, err, "INSERT INTO don_cert_gifts(gift, cert) VALUES(?1,?2)", "ii",
                         g[i].seq, row->seq);
out:
    free(g);
    return rc;
}

kf_code don_certs_attach(kf_ledger *l, kf_err *err)
{
    if (kf_ledger_index_ctx(l, "receipts")) return KF_OK;
    static int dummy;
    kf_index ix = {"receipts", 1, certs_reset, certs_apply, NULL, &dummy, NULL};
    return kf_ledger_add_index(l, &ix, err);
}

kf_code kf_don_certs(kf_ledger *l, int64_t gift, kf_cert_ref **out, size_t *n, kf_err *err)
{
    sqlite3 *db = kf_ledger_db(l);
    sqlite3_stmt *st;
    kf_cert_ref *v = NULL;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    kf_code rc = kf_ledger_flush(l, err);
    if (rc) return rc;
    const char *sql = gift ? "SELECT c.seq, fy, number, date, reissue_of, source, year, gifts,"
                             " amount FROM don_certs c JOIN don_cert_gifts g ON g.cert = c.seq"
                             " WHERE g.gift = ?1 ORDER BY c.seq"
                           : "SELECT seq, fy, number, date, reissue_of, source, year, gifts,"
                             " amount FROM don_certs WHERE ?1 = 0 ORDER BY seq";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "reading certificates: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, gift);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            kf_cert_ref *grown = realloc(v, cap * sizeof *v);
            if (!grown) {
                rc = kf_fail(err, KF_SYSTEM, "out of memory");
                goto out;
            }
            v = grown;
        }
        kf_cert_ref *c = &v[(*n)++];
        memset(c, 0, sizeof *c);
        c->seq = sqlite3_column_int64(st, 0);
        c->fy = sqlite3_column_int64(st, 1);
        c->number = sqlite3_column_int64(st, 2);
        kf_cert_number(c->fy, c->number, c->number_text);
        snprintf(c->date, sizeof c->date, "%s", (const char *)sqlite3_column_text(st, 3));
        snprintf(c->reissue_of, sizeof c->reissue_of, "%s",
                 (const char *)sqlite3_column_text(st, 4));
        snprintf(c->source, sizeof c->source, "%s", (const char *)sqlite3_column_text(st, 5));
        c->year = sqlite3_column_int64(st, 6);
        const char *gifts = (const char *)sqlite3_column_text(st, 7);
        c->gifts = 1;
        for (const char *p = gifts; p && *p; p++)
            c->gifts += *p == ',';
        c->amount = sqlite3_column_int64(st, 8);
    }
    if (s != SQLITE_DONE)
        rc = kf_fail(err, KF_SYSTEM, "reading certificates: %s", sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    if (rc) {
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return KF_OK;
}

/* --- members' and partners' addresses ----------------------------------- */

/* The commitment of (name, address) for the entry about to be appended, and
 * its personal row. */
static kf_code commit_address(kf_txn *t, const char *name, const char *address, char commit[65],
                              uint8_t salt[16], kf_err *err)
{
    don_ctx *c = donations_ctx(kf_txn_ledger(t));
    if (!c) return kf_fail(err, KF_SYSTEM, "the donations module is not attached");
    if (!kf_utf8_valid(address) || strlen(address) >= 1024)
        return kf_fail(err, KF_BAD_INPUT, "--address must be UTF-8 under 1024 bytes");
    for (const unsigned char *p = (const unsigned char *)address; *p; p++)
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
            return kf_fail(err, KF_BAD_INPUT,
                           "--address must hold no control character but line breaks");
    don_make_salt(c, kf_txn_size(t) + 1, salt);
    kf_personal_commitment(salt, name ? name : "", address, commit);
    return KF_OK;
}

kf_code kf_don_member_add(kf_txn *t, const char *id, const char *name, const char *tier,
                          const char *joined, const char *address, kf_err *err)
{
    char commit[65];
    uint8_t salt[16];
    kf_code rc;
    if (!address || !*address) return kf_member_add(t, id, name, tier, joined, err);
    if ((rc = commit_address(t, name, address, commit, salt, err)) ||
        (rc = kf_member_add_with(t, id, name, tier, joined, commit, err)))
        return rc;
    return don_personal_add(donations_ctx(kf_txn_ledger(t)), kf_txn_size(t), salt, name, address,
                            err);
}

kf_code kf_don_partner_add(kf_txn *t, const char *id, const char *name, kf_yen per_click,
                           kf_yen monthly_cap, const char *to, const char *address, kf_err *err)
{
    char commit[65];
    uint8_t salt[16];
    kf_code rc;
    if (!address || !*address) return kf_partner_add(t, id, name, per_click, monthly_cap, to, err);
    if ((rc = commit_address(t, name, address, commit, salt, err)) ||
        (rc = kf_partner_add_with(t, id, name, per_click, monthly_cap, to, commit, err)))
        return rc;
    return don_personal_add(donations_ctx(kf_txn_ledger(t)), kf_txn_size(t), salt, name, address,
                            err);
}

/* --- issuing ------------------------------------------------------------ */

typedef struct {
    const char *source;
    char first[11], last[11];
    kf_cert_gift *gifts;
    size_t n;
    bool too_many;
} year_scan;

static int collect_year(void *ctx, const kf_row *row)
{
    year_scan *y = ctx;
    const char *source = kf_entry_str(row->entry, "source"),
               *date = kf_entry_str(row->entry, "date");
    int64_t amount;
    if (!source || !date || strcmp(source, y->source) != 0 || strcmp(date, y->first) < 0 ||
        strcmp(date, y->last) > 0 || !kf_entry_int(row->entry, "amount", &amount))
        return 0;
    if (y->n == KF_CERT_GIFTS_MAX) {
        y->too_many = true;
        return 0;
    }
    kf_cert_gift *g = &y->gifts[y->n++];
    g->seq = row->seq;
    snprintf(g->date, sizeof g->date, "%s", date);
    g->amount = amount;
    return 0;
}

/* Who the certificate names: from the gift's own personal data (a direct
 * gift) or from the registry (a member's or partner's). */
static kf_code donor_of(kf_ledger *l, const kf_entry *gift, const char *source, kf_personal *p,
                        kf_err *err)
{
    kf_code rc;
    bool found;
    int64_t seq = gift->seq;
    memset(p, 0, sizeof *p);
    if (strncmp(source, "member:", 7) == 0 || strncmp(source, "partner:", 8) == 0) {
        bool member = source[0] == 'm';
        const char *id = strchr(source, ':') + 1;
        if ((rc = kf_sql_row(l, err, &found,
                             member ? "SELECT seq, name FROM reg_members WHERE id=?"
                                    : "SELECT seq, name FROM reg_partners WHERE id=?",
                             "s", "is", id, &seq, p->name, sizeof p->name)))
            return rc;
        if (!found)
            return kf_fail(err, KF_REFUSED, "seq %lld: its %s %s is not in the registry",
                           (long long)gift->seq, member ? "member" : "partner", id);
        kf_entry *add;
        char name[sizeof p->name];
        memcpy(name, p->name, sizeof name);
        if ((rc = kf_ledger_entry(l, seq, &add, err))) return rc;
        bool committed = kf_entry_get(add, "donor") != NULL;
        kf_entry_free(add);
        if (!committed) return KF_OK; /* no address was given */
        if ((rc = kf_don_personal(l, seq, p, err))) return rc;
        if (!p->present)
            return kf_fail(err, KF_REFUSED,
                           "the personal data of %s %s (seq %lld) was erased; no certificate can "
                           "name them",
                           member ? "member" : "partner", id, (long long)seq);
        snprintf(p->name, sizeof p->name, "%s", name);
        return KF_OK;
    }
    if (!kf_entry_get(gift, "donor"))
        return kf_fail(err, KF_REFUSED,
                       "seq %lld has no identifiable donor (no name was recorded with the gift); "
                       "a certificate names its donor",
                       (long long)seq);
    if ((rc = kf_don_personal(l, seq, p, err))) return rc;
    if (!p->present)
        return kf_fail(err, KF_REFUSED,
                       "the donor's personal data of seq %lld was erased; no certificate can "
                       "name them",
                       (long long)seq);
    if (!*p->name)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld has no identifiable donor (an address but no name was "
                       "recorded)",
                       (long long)seq);
    return KF_OK;
}

/* The gifts of the request, checked: donations (not box collections), not
 * voided, one source. */
static kf_code gather(kf_ledger *l, int64_t size, const kf_cert_request *req, year_scan *y,
                      kf_entry **first, kf_err *err)
{
    kf_code rc;
    bool found;
    char source[KF_POOL_MAX];
    *first = NULL;
    if (req->member) {
        snprintf(source, sizeof source, "member:%s", req->member);
        if ((rc = kf_sql_row(l, err, &found, "SELECT seq FROM reg_members WHERE id=?", "s", "i",
                             req->member, &(int64_t){0})))
            return rc;
        if (!found)
            return kf_fail(err, KF_BAD_INPUT, "no member %s (see kifu member list)", req->member);
        if (req->year < 1900 || req->year > 9999)
            return kf_fail(err, KF_BAD_INPUT, "--year %d is not a year", req->year);
        y->source = source;
        kf_format_date(y->first, req->year, 1, 1);
        kf_format_date(y->last, req->year, 12, 31);
        if ((rc = kf_ledger_scan(l, 1, "donation", collect_year, y, err))) return rc;
        if (y->too_many)
            return kf_fail(err, KF_REFUSED, "member %s has more than %d gifts in %d", req->member,
                           KF_CERT_GIFTS_MAX, req->year);
    } else {
        if (req->gift < 1 || req->gift > size)
            return kf_fail(err, KF_BAD_INPUT, "no entry with seq %lld (the ledger has %lld)",
                           (long long)req->gift, (long long)size);
        y->gifts[0].seq = req->gift;
        y->n = 1;
    }
    /* voided gifts: an annual certificate leaves them out, a single one is
     * refused */
    size_t kept = 0;
    for (size_t i = 0; i < y->n; i++) {
        int64_t by;
        if ((rc = kf_sql_row(l, err, &found, "SELECT void_seq FROM don_voids WHERE seq=?", "i", "i",
                             y->gifts[i].seq, &by)))
            return rc;
        if (found && !req->member)
            return kf_fail(err, KF_REFUSED,
                           "seq %lld was voided by seq %lld; a voided gift gets no certificate",
                           (long long)y->gifts[i].seq, (long long)by);
        if (!found) y->gifts[kept++] = y->gifts[i];
    }
    y->n = kept;
    if (!y->n)
        return kf_fail(err, KF_REFUSED, "member %s has no gift dated in %d (voided ones left out)",
                       req->member, req->year);
    if ((rc = kf_ledger_entry(l, y->gifts[0].seq, first, err))) return rc;
    const kf_entry *e = *first;
    if (strcmp(e->kind, "box.collect") == 0)
        return kf_fail(err, KF_REFUSED,
                       "seq %lld is a box collection (anonymous gifts in a donation box); it "
                       "gets no certificate",
                       (long long)e->seq);
    if (strcmp(e->kind, "donation") != 0)
        return kf_fail(err, KF_BAD_INPUT, "seq %lld is a %s, not a donation", (long long)e->seq,
                       e->kind);
    const char *date = kf_entry_str(e, "date"), *src = kf_entry_str(e, "source");
    if (!req->member) {
        if (!date || !src || !kf_entry_int(e, "amount", &y->gifts[0].amount))
            return kf_fail(err, KF_REFUSED, "seq %lld: the donation lacks its date or amount",
                           (long long)e->seq);
        snprintf(y->gifts[0].date, sizeof y->gifts[0].date, "%s", date);
    }
    return KF_OK;
}

/* Builds "seq:date:amount,..." of the gifts. */
static bool gifts_text(const kf_cert_gift *g, size_t n, kf_buf *b)
{
    for (size_t i = 0; i < n; i++)
        if (!kf_buf_printf(b, "%s%lld:%s:%lld", i ? "," : "", (long long)g[i].seq, g[i].date,
                           (long long)g[i].amount))
            return false;
    return kf_buf_puts(b, "");
}

/* The purposes of the gifts in words, each once, joined by "、". */
static kf_code purposes(kf_ledger *l, const kf_rules *r, const kf_cert_gift *g, size_t n,
                        kf_buf *out, kf_err *err)
{
    kf_buf seen = {0}; /* "\x01words\x01" per purpose written */
    kf_code rc = KF_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        kf_entry *e;
        if ((rc = kf_ledger_entry(l, g[i].seq, &e, err))) break;
        const char *to = kf_entry_str(e, "to");
        char words[600], key[604];
        kf_group grp;
        bool found = false;
        if (to && strncmp(to, "group:", 6) == 0) rc = kf_group_get(l, to + 6, &grp, &found, err);
        if (!rc)
            kf_designation_words(r, to ? to : "general", found ? grp.name : NULL, words,
                                 sizeof words);
        kf_entry_free(e);
        if (rc) break;
        snprintf(key, sizeof key, "\x01%s\x01", words);
        if (seen.data && strstr(seen.data, key)) continue;
        if (!kf_buf_puts(&seen, key) || (out->len && !kf_buf_puts(out, "、")) ||
            !kf_buf_puts(out, words))
            rc = kf_fail(err, KF_SYSTEM, "out of memory");
    }
    kf_buf_free(&seen);
    return rc;
}

/* The last certificate covering any of the gifts: *seq 0 if none. */
static kf_code earlier_cert(kf_ledger *l, const kf_cert_gift *g, size_t n, kf_cert_ref *out,
                            bool *found, kf_err *err)
{
    *found = false;
    for (size_t i = 0; i < n; i++) {
        kf_cert_ref *refs;
        size_t k;
        kf_code rc = kf_don_certs(l, g[i].seq, &refs, &k, err);
        if (rc) return rc;
        if (k && (!*found || refs[k - 1].seq > out->seq)) {
            *out = refs[k - 1];
            *found = true;
        }
        free(refs);
    }
    return KF_OK;
}

kf_code kf_don_cert_issue(kf_txn *t, const kf_cert_request *req, kf_cert_issued *out, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    don_ctx *c = donations_ctx(l);
    kf_identity *id = malloc(sizeof *id);
    year_scan y = {.gifts = malloc(KF_CERT_GIFTS_MAX * sizeof *y.gifts)};
    kf_entry *first = NULL, *e = NULL;
    kf_personal p;
    kf_buf gifts = {0}, words = {0};
    const kf_rules *r;
    kf_code rc;
    memset(&p, 0, sizeof p);
    memset(out, 0, sizeof *out);
    if (!c) return kf_fail(err, KF_SYSTEM, "the donations module is not attached");
    if (!id || !y.gifts) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    if (!kf_parse_date(req->date, NULL, NULL, NULL)) {
        rc = kf_fail(err, KF_BAD_INPUT, "issue date '%s' is not a real date YYYY-MM-DD", req->date);
        goto out;
    }
    if ((rc = kf_date_check(l, "issue date", req->date, err)) ||
        (rc = gather(l, kf_txn_size(t), req, &y, &first, err)) ||
        (rc = kf_identity_at(l, 0, id, err)) || (rc = kf_fund_rules(l, &r, err)))
        goto out;
    if (!id->seq) {
        rc = kf_fail(err, KF_REFUSED,
                     "no fund identity is recorded (the issuer, its address and the tax note a "
                     "certificate prints): an admin records it with kifu identity set");
        goto out;
    }
    const char *source = kf_entry_str(first, "source");
    if (!source) source = "direct";
    if ((rc = donor_of(l, first, source, &p, err))) goto out;
    for (size_t i = 0; i < y.n; i++) {
        if (strcmp(req->date, y.gifts[i].date) < 0) {
            rc = kf_fail(err, KF_REFUSED, "issue date %s is before the gift of seq %lld (%s)",
                         req->date, (long long)y.gifts[i].seq, y.gifts[i].date);
            goto out;
        }
        if (!kf_add(out->amount, y.gifts[i].amount, &out->amount)) {
            rc = kf_fail(err, KF_REFUSED, "the gifts' total overflows");
            goto out;
        }
    }
    if (!gifts_text(y.gifts, y.n, &gifts)) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    if ((rc = purposes(l, r, y.gifts, y.n, &words, err))) goto out;
    kf_cert_ref prev;
    bool have_prev;
    if ((rc = earlier_cert(l, y.gifts, y.n, &prev, &have_prev, err))) goto out;
    if (have_prev && !req->reissue) {
        rc = kf_fail(err, KF_REFUSED,
                     "certificate 第 %s 号 (seq %lld, issued %s) already covers %s; give "
                     "--reissue to issue it again (再発行)",
                     prev.number_text, (long long)prev.seq, prev.date,
                     req->member ? "these gifts" : "this gift");
        goto out;
    }
    if (req->reissue && !have_prev) {
        rc = kf_fail(err, KF_REFUSED,
                     "no certificate covers %s yet, so there is nothing to reissue; leave out "
                     "--reissue",
                     req->member ? "these gifts" : "this gift");
        goto out;
    }
    if (have_prev) {
        char *prev_gifts = NULL;
        bool found;
        size_t cap = strlen(gifts.data) + 2;
        if (!(prev_gifts = malloc(cap))) {
            rc = kf_fail(err, KF_SYSTEM, "out of memory");
            goto out;
        }
        rc = kf_sql_row(l, err, &found, "SELECT gifts FROM don_certs WHERE seq=?", "i", "s",
                        prev.seq, prev_gifts, cap);
        bool same = !rc && found && strcmp(prev_gifts, gifts.data) == 0;
        free(prev_gifts);
        if (rc) goto out;
        if (!same) {
            rc = kf_fail(err, KF_REFUSED,
                         "certificate 第 %s 号 (seq %lld) covers another set of gifts; a reissue "
                         "covers exactly the gifts of the certificate it replaces",
                         prev.number_text, (long long)prev.seq);
            goto out;
        }
        snprintf(out->reissue_of, sizeof out->reissue_of, "%s", prev.number_text);
    }
    out->fy = kf_rules_fy(r, req->date);
    bool found;
    if ((rc = kf_sql_row(l, err, &found,
                         "SELECT coalesce(max(number), 0) + 1 FROM don_certs WHERE fy=?", "i", "i",
                         out->fy, &out->number)))
        goto out;
    kf_cert_number(out->fy, out->number, out->number_text);
    uint8_t salt[16];
    char commit[65];
    don_make_salt(c, kf_txn_size(t) + 1, salt);
    kf_personal_commitment(salt, p.name, p.address, commit);
    bool partner = strncmp(source, "partner:", 8) == 0;
    if (!(e = kf_entry_new("receipt.issue"))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    if ((rc = kf_entry_set_int(e, "amount", out->amount, err)) ||
        (rc = kf_entry_set_str(e, "date", req->date, err)) ||
        (rc = kf_entry_set_str(e, "designation", words.data, err)) ||
        (rc = kf_entry_set_str(e, "donor", commit, err)) ||
        (rc = kf_entry_set_str(e, "fund_name", id->fund_name, err)) ||
        (rc = kf_entry_set_int(e, "fy", out->fy, err)) ||
        (rc = kf_entry_set_str(e, "gifts", gifts.data, err)) ||
        (rc = kf_entry_set_int(e, "identity", id->seq, err)) ||
        (rc = kf_entry_set_str(e, "issuer_address", id->address, err)) ||
        (rc = kf_entry_set_str(e, "issuer_name", id->issuer_name, err)) ||
        (rc = kf_entry_set_str(e, "issuer_phone", id->phone, err)) ||
        (rc = kf_entry_set_str(e, "issuer_title", id->issuer_title, err)) ||
        (rc = kf_entry_set_int(e, "number", out->number, err)) ||
        (*out->reissue_of && (rc = kf_entry_set_str(e, "reissue_of", out->reissue_of, err))) ||
        (rc = kf_entry_set_str(e, "source", source, err)) ||
        (rc = kf_entry_set_str(e, "tax_note", id->tax_note, err)) ||
        (rc = kf_entry_set_str(e, "title", partner ? KF_CERT_TITLE_PARTNER : KF_CERT_TITLE, err)) ||
        (rc = kf_entry_set_str(e, "url", id->url, err)) ||
        (req->member && (rc = kf_entry_set_int(e, "year", req->year, err))) ||
        (rc = kf_txn_append(t, e, err)))
        goto out;
    out->seq = e->seq;
    out->ngifts = y.n;
    rc = don_personal_add(c, e->seq, salt, p.name, p.address, err);
out:
    sodium_memzero(&p, sizeof p);
    kf_entry_free(first);
    kf_entry_free(e);
    kf_buf_free(&gifts);
    kf_buf_free(&words);
    free(y.gifts);
    free(id);
    return rc;
}
