/*
 * Rules versions in the ledger: each `rules.load` entry holds the whole text
 * of a rules file (field `text`), its SHA-256 (`sha256`) and file name
 * (`file`). The version in force at a seq is the last rules.load at or
 * before it; with none, kf_rules_default applies.
 */
#include "kifu/grants.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

kf_code kf_rules_from_entry(const kf_entry *e, kf_rules *out, kf_err *err)
{
    const char *text = kf_entry_str(e, "text"), *file = kf_entry_str(e, "file");
    if (!text)
        return kf_fail(err, KF_REFUSED, "seq %lld: rules.load has no text", (long long)e->seq);
    char name[300];
    snprintf(name, sizeof name, "%s (seq %lld)", file ? file : "rules", (long long)e->seq);
    return kf_rules_parse(text, strlen(text), name, out, err);
}

typedef struct {
    int64_t upto; /* 0 = no limit */
    int64_t seq;  /* the last rules.load found */
} last_rules;

static int keep_last(void *ctx, const kf_row *row)
{
    last_rules *c = ctx;
    if (c->upto > 0 && row->seq > c->upto) return 0;
    c->seq = row->seq;
    return 0;
}

kf_code kf_rules_at(kf_ledger *l, int64_t seq, kf_rules *out, int64_t *version, kf_err *err)
{
    last_rules c = {.upto = seq};
    kf_entry *e;
    kf_code rc = kf_ledger_scan(l, 1, "rules.load", keep_last, &c, err);
    if (rc) return rc;
    if (version) *version = c.seq;
    if (!c.seq) {
        kf_rules_default(out);
        return KF_OK;
    }
    if ((rc = kf_ledger_entry(l, c.seq, &e, err))) return rc;
    rc = kf_rules_from_entry(e, out, err);
    kf_entry_free(e);
    return rc;
}

kf_code kf_rules_current(kf_ledger *l, kf_rules *out, int64_t *version, kf_err *err)
{
    return kf_rules_at(l, 0, out, version, err);
}

kf_code kf_rules_load(kf_txn *t, const char *file, const char *text, size_t len, int64_t *seq,
                      kf_err *err)
{
    kf_rules *r = malloc(sizeof *r);
    if (!r) return kf_fail(err, KF_SYSTEM, "out of memory");
    kf_code rc = kf_rules_parse(text, len, file, r, err);
    free(r);
    if (rc) return rc;
    if (strlen(text) != len) return kf_fail(err, KF_BAD_INPUT, "%s contains a NUL byte", file);
    uint8_t h[32];
    char hex[65];
    crypto_hash_sha256(h, (const uint8_t *)text, len);
    kf_hex(h, 32, hex);
    const char *base = strrchr(file, '/');
    kf_entry *e = kf_entry_new("rules.load");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!(rc = kf_entry_set_str(e, "file", base ? base + 1 : file, err)) &&
        !(rc = kf_entry_set_str(e, "sha256", hex, err)) &&
        !(rc = kf_entry_set_str(e, "text", text, err)) && !(rc = kf_txn_append(t, e, err)))
        *seq = e->seq;
    kf_entry_free(e);
    return rc;
}
