/*
 * Re-deriving what a `receipt.issue` asserts, for `kifu verify`
 * (docs/ENTRIES.md "Certificates"): its number is the next of its fiscal
 * year, its issuer the fund.identity in force, its gifts non-voided
 * donations of one identifiable source with the dates and amounts stated,
 * its total their sum, its purpose their designations in words, an annual
 * certificate every such gift of the member's year, and a gift is on a
 * second certificate only as a reissue of one with exactly the same gifts.
 * Everything is read from the entries before it, never from derived tables.
 */
#include "don_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char number[32];
    char *gifts; /* the gifts field */
} cert_seen;

typedef struct {
    int64_t gift;
    size_t cert; /* index in certs */
} gift_cover;

typedef struct {
    char id[KF_ID_MAX + 1];
    char name[256];
    char kind; /* 'g' group, 'm' member, 'p' partner */
} who;

struct don_cert_verifier {
    kf_identity identity; /* seq 0: none yet */
    who *who;
    size_t nwho, who_cap;
    cert_seen *certs;
    size_t ncerts, certs_cap;
    gift_cover *covers;
    size_t ncovers, covers_cap;
    struct {
        int64_t fy, last;
    } * numbers;
    size_t nnumbers, numbers_cap;
};

/* Grows an array to hold one more item. */
static bool grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) return true;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*items, ncap * size);
    if (!p) return false;
    *items = p;
    *cap = ncap;
    return true;
}

don_cert_verifier *don_cert_verifier_new(void)
{
    return calloc(1, sizeof(don_cert_verifier));
}

void don_cert_verifier_free(don_cert_verifier *cv)
{
    if (!cv) return;
    for (size_t i = 0; i < cv->ncerts; i++)
        free(cv->certs[i].gifts);
    free(cv->certs);
    free(cv->covers);
    free(cv->who);
    free(cv->numbers);
    free(cv);
}

static who *find_who(don_cert_verifier *cv, char kind, const char *id)
{
    for (size_t i = 0; i < cv->nwho; i++)
        if (cv->who[i].kind == kind && strcmp(cv->who[i].id, id) == 0) return &cv->who[i];
    return NULL;
}

static kf_code remember_who(don_cert_verifier *cv, char kind, const kf_entry *e, kf_err *err)
{
    const char *id = kf_entry_str(e, "id"), *name = kf_entry_str(e, "name");
    if (!id || strlen(id) > KF_ID_MAX) return KF_OK; /* the registry's verifier says so */
    who *w = find_who(cv, kind, id);
    if (!w) {
        if (!grow((void **)&cv->who, &cv->who_cap, cv->nwho, sizeof *cv->who))
            return kf_fail(err, KF_SYSTEM, "out of memory");
        w = &cv->who[cv->nwho++];
        memset(w, 0, sizeof *w);
        w->kind = kind;
        snprintf(w->id, sizeof w->id, "%s", id);
    }
    if (name) snprintf(w->name, sizeof w->name, "%s", name);
    return KF_OK;
}

static kf_code bad(kf_err *err, int64_t seq, const char *what)
{
    return kf_fail(err, KF_REFUSED, "seq %lld: receipt.issue %s", (long long)seq, what);
}

/* A scan callback's "enough" (no kf_code has this value). */
#define SCAN_STOP 100

typedef struct {
    const char *source;
    char first[11], last[11];
    int64_t before;
    const int64_t *voided;
    size_t nvoided;
    kf_buf want; /* the gifts field an annual certificate must have */
} year_want;

static int want_year(void *ctx, const kf_row *row)
{
    year_want *y = ctx;
    const char *source = kf_entry_str(row->entry, "source"),
               *date = kf_entry_str(row->entry, "date");
    int64_t amount;
    if (row->seq >= y->before) return SCAN_STOP; /* later entries do not count */
    if (!source || !date || strcmp(source, y->source) != 0 || strcmp(date, y->first) < 0 ||
        strcmp(date, y->last) > 0 || !kf_entry_int(row->entry, "amount", &amount))
        return 0;
    for (size_t i = 0; i < y->nvoided; i++)
        if (y->voided[i] == row->seq) return 0;
    kf_buf_printf(&y->want, "%s%lld:%s:%lld", y->want.len ? "," : "", (long long)row->seq, date,
                  (long long)amount);
    return 0;
}

/* The checks on the gifts; *total gets their sum. */
static kf_code check_gifts(don_cert_verifier *cv, kf_ledger *l, const kf_rules *r,
                           const int64_t *voided, size_t nvoided, const kf_row *row,
                           const kf_cert_gift *g, size_t n, kf_buf *words, kf_err *err)
{
    const kf_entry *e = row->entry;
    const char *source = kf_entry_str(e, "source"), *date = kf_entry_str(e, "date");
    kf_buf seen = {0};
    kf_yen total = 0, amount = 0;
    kf_code rc = KF_OK;
    kf_entry_int(e, "amount", &amount);
    for (size_t i = 0; i < n && !rc; i++) {
        kf_entry *gift = NULL;
        int64_t gamount;
        if (g[i].seq >= row->seq) {
            rc = bad(err, row->seq, "names a gift at or after its own seq");
            break;
        }
        for (size_t j = 0; j < nvoided && !rc; j++)
            if (voided[j] == g[i].seq) rc = bad(err, row->seq, "names a voided gift");
        if (rc) break;
        kf_code erc = kf_ledger_entry(l, g[i].seq, &gift, err);
        if (erc) {
            /* a read that fails is the system's, not the entry's fault */
            rc = erc == KF_SYSTEM ? erc : bad(err, row->seq, "names an unreadable seq");
            break;
        }
        const char *gsource = kf_entry_str(gift, "source"), *gdate = kf_entry_str(gift, "date");
        const char *to = kf_entry_str(gift, "to");
        if (strcmp(gift->kind, "donation") != 0)
            rc = bad(err, row->seq,
                     "names an entry that is not a donation (box collections "
                     "get no certificate)");
        else if (!gsource || strcmp(gsource, source) != 0)
            rc = bad(err, row->seq, "names a gift of another source");
        else if (!gdate || strcmp(gdate, g[i].date) != 0 ||
                 !kf_entry_int(gift, "amount", &gamount) || gamount != g[i].amount)
            rc = bad(err, row->seq, "states a gift's date or amount differently from its entry");
        else if (strcmp(gdate, date) > 0)
            rc = bad(err, row->seq, "is dated before a gift it certifies");
        else if (strcmp(source, "direct") == 0 && !kf_entry_get(gift, "donor"))
            rc = bad(err, row->seq, "certifies a gift with no identifiable donor");
        else if (!kf_add(total, gamount, &total))
            rc = bad(err, row->seq, "gifts' total overflows");
        if (!rc) {
            char w[600], key[604];
            const who *grp = to && strncmp(to, "group:", 6) == 0 ? find_who(cv, 'g', to + 6) : NULL;
            kf_designation_words(r, to ? to : "general", grp ? grp->name : NULL, w, sizeof w);
            snprintf(key, sizeof key, "\x01%s\x01", w);
            if (!seen.data || !strstr(seen.data, key)) {
                if (!kf_buf_puts(&seen, key) || (words->len && !kf_buf_puts(words, "、")) ||
                    !kf_buf_puts(words, w))
                    rc = kf_fail(err, KF_SYSTEM, "out of memory");
            }
        }
        kf_entry_free(gift);
    }
    kf_buf_free(&seen);
    if (!rc && total != amount) rc = bad(err, row->seq, "amount is not the sum of its gifts");
    return rc;
}

static kf_code check_cert(don_cert_verifier *cv, kf_ledger *l, const kf_rules *r,
                          const int64_t *voided, size_t nvoided, const kf_row *row, kf_err *err)
{
    const kf_entry *e = row->entry;
    static const char *strs[] = {"date",         "designation",    "donor",       "fund_name",
                                 "gifts",        "issuer_address", "issuer_name", "issuer_phone",
                                 "issuer_title", "source",         "tax_note",    "title",
                                 "url"};
    static const char *ints[] = {"amount", "fy", "identity", "number"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (!kf_entry_str(e, strs[i])) {
            char what[64];
            snprintf(what, sizeof what, "lacks %s", strs[i]);
            return bad(err, row->seq, what);
        }
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (!kf_entry_int(e, ints[i], &(int64_t){0})) {
            char what[64];
            snprintf(what, sizeof what, "lacks %s (an integer)", ints[i]);
            return bad(err, row->seq, what);
        }
    int64_t fy, number, identity, year = 0;
    kf_entry_int(e, "fy", &fy);
    kf_entry_int(e, "number", &number);
    kf_entry_int(e, "identity", &identity);
    bool annual = kf_entry_get(e, "year") != NULL;
    if (annual && !kf_entry_int(e, "year", &year)) return bad(err, row->seq, "has a text year");
    const char *date = kf_entry_str(e, "date"), *source = kf_entry_str(e, "source");
    const char *donor = kf_entry_str(e, "donor"), *reissue = kf_entry_str(e, "reissue_of");
    if (!kf_parse_date(date, NULL, NULL, NULL)) return bad(err, row->seq, "has an impossible date");
    if (fy != kf_rules_fy(r, date))
        return bad(err, row->seq, "states a fiscal year its issue date is not in");
    size_t k = 0;
    while (k < cv->nnumbers && cv->numbers[k].fy != fy)
        k++;
    int64_t last = k < cv->nnumbers ? cv->numbers[k].last : 0;
    if (number != last + 1) {
        char what[128];
        snprintf(what, sizeof what, "has number %lld, but the next number of FY %lld is %lld",
                 (long long)number, (long long)fy, (long long)(last + 1));
        return bad(err, row->seq, what);
    }
    if (strlen(donor) != 64 || strspn(donor, "0123456789abcdef") != 64)
        return bad(err, row->seq, "donor is not a commitment (64 lowercase hex digits)");
    /* the issuer: a copy of the identity in force */
    if (!cv->identity.seq) return bad(err, row->seq, "is issued before any fund.identity");
    if (identity != cv->identity.seq)
        return bad(err, row->seq, "names another fund.identity than the one in force");
    static const char *copies[][2] = {{"fund_name", "fund_name"},
                                      {"issuer_address", "address"},
                                      {"issuer_name", "issuer_name"},
                                      {"issuer_phone", "phone"},
                                      {"issuer_title", "issuer_title"},
                                      {"tax_note", "tax_note"},
                                      {"url", "url"}};
    for (size_t i = 0; i < sizeof copies / sizeof copies[0]; i++)
        if (strcmp(kf_entry_str(e, copies[i][0]), kf_identity_field(&cv->identity, copies[i][1])) !=
            0) {
            char what[96];
            snprintf(what, sizeof what, "%s differs from the fund.identity in force", copies[i][0]);
            return bad(err, row->seq, what);
        }
    /* the donor */
    bool member = strncmp(source, "member:", 7) == 0, partner = strncmp(source, "partner:", 8) == 0;
    if (!member && !partner && strcmp(source, "direct") != 0)
        return bad(err, row->seq, "certifies gifts of a source that names no donor");
    if ((member || partner) && !find_who(cv, member ? 'm' : 'p', strchr(source, ':') + 1))
        return bad(err, row->seq, "names a member or partner not in the registry");
    if (strcmp(kf_entry_str(e, "title"), partner ? KF_CERT_TITLE_PARTNER : KF_CERT_TITLE) != 0)
        return bad(err, row->seq, "has the wrong title for its source");
    /* the gifts */
    kf_cert_gift *g = malloc(KF_CERT_GIFTS_MAX * sizeof *g);
    kf_buf words = {0};
    size_t n;
    kf_code rc = KF_OK;
    if (!g) return kf_fail(err, KF_SYSTEM, "out of memory");
    const char *gifts = kf_entry_str(e, "gifts");
    if (!kf_cert_gifts_parse(gifts, g, KF_CERT_GIFTS_MAX, &n)) {
        rc = bad(err, row->seq, "gifts is not a list of seq:date:amount");
        goto out;
    }
    if (!annual && n != 1) {
        rc = bad(err, row->seq, "names several gifts but no year");
        goto out;
    }
    if ((rc = check_gifts(cv, l, r, voided, nvoided, row, g, n, &words, err))) goto out;
    if (strcmp(words.data ? words.data : "", kf_entry_str(e, "designation")) != 0) {
        rc = bad(err, row->seq, "designation is not its gifts' purposes in words");
        goto out;
    }
    if (annual) {
        year_want y = {.source = source, .before = row->seq, .voided = voided, .nvoided = nvoided};
        if (!member || year < 1900 || year > 9999) {
            rc = bad(err, row->seq, "is annual but not a member's, or its year is not a year");
            goto out;
        }
        kf_format_date(y.first, (int)year, 1, 1);
        kf_format_date(y.last, (int)year, 12, 31);
        rc = kf_ledger_scan(l, 1, "donation", want_year, &y, err);
        if (rc == SCAN_STOP) rc = KF_OK;
        if (!rc && (!y.want.data || strcmp(y.want.data, gifts) != 0))
            rc = bad(err, row->seq, "does not list every non-voided gift of the member's year");
        kf_buf_free(&y.want);
        if (rc) goto out;
    }
    /* first issue or reissue */
    if (reissue) {
        bool found = false;
        for (size_t i = 0; i < cv->ncerts && !found; i++)
            found =
                strcmp(cv->certs[i].number, reissue) == 0 && strcmp(cv->certs[i].gifts, gifts) == 0;
        if (!found) {
            rc = bad(err, row->seq, "reissues no earlier certificate of the same gifts");
            goto out;
        }
    } else {
        for (size_t i = 0; i < cv->ncovers; i++)
            for (size_t j = 0; j < n; j++)
                if (cv->covers[i].gift == g[j].seq) {
                    rc = bad(err, row->seq,
                             "certifies a gift an earlier certificate covers, and is no reissue");
                    goto out;
                }
    }
    /* remember it */
    if (!grow((void **)&cv->certs, &cv->certs_cap, cv->ncerts, sizeof *cv->certs) ||
        !grow((void **)&cv->numbers, &cv->numbers_cap, cv->nnumbers, sizeof *cv->numbers)) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    cert_seen *c = &cv->certs[cv->ncerts];
    kf_cert_number(fy, number, c->number);
    if (!(c->gifts = strdup(gifts))) {
        rc = kf_fail(err, KF_SYSTEM, "out of memory");
        goto out;
    }
    size_t idx = cv->ncerts++;
    if (k == cv->nnumbers) cv->numbers[cv->nnumbers++].fy = fy;
    cv->numbers[k].last = number;
    for (size_t j = 0; j < n; j++) {
        if (!grow((void **)&cv->covers, &cv->covers_cap, cv->ncovers, sizeof *cv->covers)) {
            rc = kf_fail(err, KF_SYSTEM, "out of memory");
            goto out;
        }
        cv->covers[cv->ncovers++] = (gift_cover){g[j].seq, idx};
    }
out:
    kf_buf_free(&words);
    free(g);
    return rc;
}

kf_code don_cert_verify_entry(don_cert_verifier *cv, kf_ledger *l, const kf_rules *r,
                              const int64_t *voided, size_t nvoided, const kf_row *row, kf_err *err)
{
    const char *k = row->entry->kind;
    if (strcmp(k, "fund.identity") == 0) {
        kf_code rc = kf_identity_from_entry(row->entry, &cv->identity, err);
        if (rc) cv->identity.seq = 0;
        return rc;
    }
    if (strcmp(k, "group.add") == 0 || strcmp(k, "group.update") == 0)
        return remember_who(cv, 'g', row->entry, err);
    if (strcmp(k, "member.add") == 0) return remember_who(cv, 'm', row->entry, err);
    if (strcmp(k, "partner.add") == 0) return remember_who(cv, 'p', row->entry, err);
    if (strcmp(k, "receipt.issue") == 0) return check_cert(cv, l, r, voided, nvoided, row, err);
    return KF_OK;
}
