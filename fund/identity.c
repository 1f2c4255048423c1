/*
 * The fund's identity as signed data: who issues the fund's certificates
 * (寄附金受領証明書) and where citizens check them. Each `fund.identity` entry
 * (admin) holds the whole identity; the one in force at a seq is the last
 * at or before it, as for rules.load (docs/ENTRIES.md "Fund identity").
 * kf_identity_check is the one validation, used by the writer and by
 * kifu verify alike.
 */
#include "kifu/fund.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Field name, offset, size and whether line breaks are allowed. */
static const struct {
    const char *key, *what;
    size_t off, size;
} id_fields[] = {
    {"address", "--address", offsetof(kf_identity, address), sizeof((kf_identity *)0)->address},
    {"fund_name", "--fund-name", offsetof(kf_identity, fund_name),
     sizeof((kf_identity *)0)->fund_name},
    {"issuer_name", "--issuer-name", offsetof(kf_identity, issuer_name),
     sizeof((kf_identity *)0)->issuer_name},
    {"issuer_title", "--issuer-title", offsetof(kf_identity, issuer_title),
     sizeof((kf_identity *)0)->issuer_title},
    {"phone", "--phone", offsetof(kf_identity, phone), sizeof((kf_identity *)0)->phone},
    {"tax_note", "--tax-note", offsetof(kf_identity, tax_note), sizeof((kf_identity *)0)->tax_note},
    {"url", "--url", offsetof(kf_identity, url), sizeof((kf_identity *)0)->url},
};
#define NID (sizeof id_fields / sizeof id_fields[0])

static char *field_of(kf_identity *id, size_t i)
{
    return (char *)id + id_fields[i].off;
}

const char *kf_identity_field(const kf_identity *id, const char *key)
{
    for (size_t i = 0; i < NID; i++)
        if (strcmp(id_fields[i].key, key) == 0) return (const char *)id + id_fields[i].off;
    return NULL;
}

kf_code kf_identity_put(kf_identity *id, const char *key, const char *value, kf_err *err)
{
    for (size_t i = 0; i < NID; i++) {
        if (strcmp(id_fields[i].key, key) != 0) continue;
        if (strlen(value) >= id_fields[i].size)
            return kf_fail(err, KF_BAD_INPUT, "%s must be under %zu bytes", id_fields[i].what,
                           id_fields[i].size);
        snprintf(field_of(id, i), id_fields[i].size, "%s", value);
        return KF_OK;
    }
    return kf_fail(err, KF_BAD_INPUT, "no identity field '%s'", key);
}

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return true;
    return false;
}

kf_code kf_identity_check(const kf_identity *id, kf_err *err)
{
    for (size_t i = 0; i < NID; i++) {
        const char *v = (const char *)id + id_fields[i].off;
        if (!*v) return kf_fail(err, KF_BAD_INPUT, "%s is missing", id_fields[i].what);
        if (!kf_utf8_valid(v) || has_control(v) || strlen(v) >= id_fields[i].size)
            return kf_fail(err, KF_BAD_INPUT,
                           "%s must be one line of UTF-8 under %zu bytes without control "
                           "characters",
                           id_fields[i].what, id_fields[i].size);
    }
    /* The verification page's URL: the QR code appends "#" and the receipt. */
    if (strncmp(id->url, "https://", 8) != 0 && strncmp(id->url, "http://", 7) != 0 &&
        strncmp(id->url, "file://", 7) != 0)
        return kf_fail(err, KF_BAD_INPUT, "--url '%s' must start with https://, http:// or file://",
                       id->url);
    if (strpbrk(id->url, " #"))
        return kf_fail(err, KF_BAD_INPUT, "--url '%s' must hold no space and no '#'", id->url);
    return KF_OK;
}

kf_code kf_identity_from_entry(const kf_entry *e, kf_identity *out, kf_err *err)
{
    memset(out, 0, sizeof *out);
    out->seq = e->seq;
    for (size_t i = 0; i < NID; i++) {
        const char *v = kf_entry_str(e, id_fields[i].key);
        if (!v)
            return kf_fail(err, KF_REFUSED, "seq %lld: fund.identity lacks %s", (long long)e->seq,
                           id_fields[i].key);
        if (strlen(v) >= id_fields[i].size)
            return kf_fail(err, KF_REFUSED, "seq %lld: fund.identity's %s is too long",
                           (long long)e->seq, id_fields[i].key);
        snprintf(field_of(out, i), id_fields[i].size, "%s", v);
    }
    kf_code rc = kf_identity_check(out, err);
    if (rc == KF_BAD_INPUT)
        return kf_fail(err, KF_REFUSED, "seq %lld: fund.identity: %s", (long long)e->seq,
                       err ? err->msg : "");
    return rc;
}

static int keep_last(void *ctx, const kf_row *row)
{
    int64_t *c = ctx; /* c[0] = limit (0: none), c[1] = last found */
    if (c[0] > 0 && row->seq > c[0]) return 0;
    c[1] = row->seq;
    return 0;
}

kf_code kf_identity_at(kf_ledger *l, int64_t seq, kf_identity *out, kf_err *err)
{
    int64_t c[2] = {seq, 0};
    kf_entry *e;
    memset(out, 0, sizeof *out);
    kf_code rc = kf_ledger_scan(l, 1, "fund.identity", keep_last, c, err);
    if (rc || !c[1]) return rc;
    if ((rc = kf_ledger_entry(l, c[1], &e, err))) return rc;
    rc = kf_identity_from_entry(e, out, err);
    kf_entry_free(e);
    return rc;
}

kf_code kf_identity_set(kf_txn *t, const kf_identity *id, int64_t *seq, kf_err *err)
{
    kf_identity cur;
    kf_code rc = kf_identity_check(id, err);
    if (rc || (rc = kf_identity_at(kf_txn_ledger(t), 0, &cur, err))) return rc;
    bool same = cur.seq != 0;
    for (size_t i = 0; i < NID && same; i++)
        same = strcmp((const char *)id + id_fields[i].off, field_of(&cur, i)) == 0;
    if (same)
        return kf_fail(err, KF_REFUSED,
                       "the identity in force (seq %lld) is the same; nothing to record",
                       (long long)cur.seq);
    kf_entry *e = kf_entry_new("fund.identity");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    for (size_t i = 0; i < NID && !rc; i++)
        rc = kf_entry_set_str(e, id_fields[i].key, (const char *)id + id_fields[i].off, err);
    if (!rc && !(rc = kf_txn_append(t, e, err))) *seq = e->seq;
    kf_entry_free(e);
    return rc;
}
