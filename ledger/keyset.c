/*
 * The key set: the keys of a ledger, derived in seq order from its
 * genesis, key.add and key.revoke entries, and the entries that add and
 * revoke keys. (Key files, passphrases and signing are in keys.c.)
 */
#include "kifu/ledger.h"
#include "ledger_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

static kf_code set_key_fields(kf_entry *e, const char *name, const uint8_t pub[32], uint32_t id,
                              const char *role, kf_err *err)
{
    char b64[64], idhex[9];
    kf_b64(pub, 32, b64, sizeof b64);
    snprintf(idhex, sizeof idhex, "%08x", id);
    kf_code rc;
    if ((rc = kf_entry_set_str(e, "name", name, err)) ||
        (rc = kf_entry_set_str(e, "public", b64, err)) ||
        (rc = kf_entry_set_str(e, "id", idhex, err)) ||
        (rc = kf_entry_set_str(e, "role", role, err)))
        return rc;
    return KF_OK;
}

kf_code lg_key_entry(const char *kind, const char *name, const uint8_t pub[32], const char *role,
                     kf_entry **out, kf_err *err)
{
    kf_entry *e = kf_entry_new(kind);
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    kf_code rc = set_key_fields(e, name, pub, kf_key_id(name, pub), role, err);
    if (rc) {
        kf_entry_free(e);
        return rc;
    }
    *out = e;
    return KF_OK;
}

kf_code kf_key_add_entry(const char *name, const uint8_t pub[32], unsigned role,
                         const char *affiliation, kf_entry **out, kf_err *err)
{
    if (!kf_key_name_valid(name))
        return kf_fail(err, KF_BAD_INPUT, "key name '%s' must be 1-64 bytes without spaces or '+'",
                       name);
    if (strcmp(kf_role_name(role), "?") == 0)
        return kf_fail(err, KF_BAD_INPUT, "a key has exactly one role");
    kf_entry *e;
    kf_code rc = lg_key_entry("key.add", name, pub, kf_role_name(role), &e, err);
    if (rc) return rc;
    if (affiliation && *affiliation &&
        (rc = kf_entry_set_str(e, "affiliation", affiliation, err))) {
        kf_entry_free(e);
        return rc;
    }
    *out = e;
    return KF_OK;
}

kf_code kf_key_revoke_entry(uint32_t id, kf_entry **out, kf_err *err)
{
    char idhex[9];
    kf_entry *e = kf_entry_new("key.revoke");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    snprintf(idhex, sizeof idhex, "%08x", id);
    kf_code rc = kf_entry_set_str(e, "id", idhex, err);
    if (rc) {
        kf_entry_free(e);
        return rc;
    }
    *out = e;
    return KF_OK;
}

kf_code lg_key_from_entry(const kf_entry *e, int64_t seq, kf_key_info *k, kf_err *err)
{
    const char *name = kf_entry_str(e, "name"), *pub = kf_entry_str(e, "public");
    const char *role = kf_entry_str(e, "role"), *aff = kf_entry_str(e, "affiliation");
    const char *idhex = kf_entry_str(e, "id");
    size_t n;
    memset(k, 0, sizeof *k);
    if (!name || !pub || !role || !idhex || !kf_key_name_valid(name) ||
        !kf_unb64(pub, k->pub, sizeof k->pub, &n) || n != 32 || !(k->role = kf_role_parse(role)))
        return kf_fail(err, KF_REFUSED, "seq %lld: %s entry has a bad name, public key or role",
                       (long long)seq, e->kind);
    snprintf(k->name, sizeof k->name, "%s", name);
    k->id = kf_key_id(name, k->pub);
    char want[9];
    snprintf(want, sizeof want, "%08x", k->id);
    if (strcmp(want, idhex) != 0)
        return kf_fail(err, KF_REFUSED, "seq %lld: key id %s does not match its name and key",
                       (long long)seq, idhex);
    if (aff) snprintf(k->affiliation, sizeof k->affiliation, "%s", aff);
    k->added_seq = seq;
    return KF_OK;
}

/* Applies a genesis/key.add/key.revoke entry to a key list. */
kf_code lg_keys_apply(kf_key_info **keys, size_t *n, const kf_entry *e, int64_t seq, kf_err *err)
{
    if (strcmp(e->kind, "key.revoke") == 0) {
        const char *idhex = kf_entry_str(e, "id");
        for (size_t i = 0; idhex && i < *n; i++) {
            char h[9];
            snprintf(h, sizeof h, "%08x", (*keys)[i].id);
            if (strcmp(h, idhex) == 0 && !(*keys)[i].revoked_seq) {
                (*keys)[i].revoked_seq = seq;
                return KF_OK;
            }
        }
        return kf_fail(err, KF_REFUSED, "seq %lld: revokes key %s which is not an active key",
                       (long long)seq, idhex ? idhex : "(none)");
    }
    kf_key_info k;
    kf_code rc = lg_key_from_entry(e, seq, &k, err);
    if (rc) return rc;
    for (size_t i = 0; i < *n; i++)
        if ((*keys)[i].id == k.id || strcmp((*keys)[i].name, k.name) == 0)
            return kf_fail(err, KF_REFUSED, "seq %lld: key %s (%08x) is already in the ledger",
                           (long long)seq, k.name, k.id);
    kf_key_info *grown = realloc(*keys, (*n + 1) * sizeof **keys);
    if (!grown) return kf_fail(err, KF_SYSTEM, "out of memory");
    *keys = grown;
    (*keys)[(*n)++] = k;
    return KF_OK;
}

kf_code kf_ledger_keys(kf_ledger *l, kf_key_info **keys, size_t *n, kf_err *err)
{
    sqlite3_stmt *st;
    kf_code rc = KF_OK;
    *keys = NULL;
    *n = 0;
    if ((rc = lg_flush(l, err))) return rc;
    if (sqlite3_prepare_v2(l->db,
                           "SELECT seq, body FROM entries WHERE kind <> 'donation' AND kind IN "
                           "('genesis','key.add','key.revoke') ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return lg_db_fail(l, err, "reading keys");
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        kf_entry *e;
        int64_t seq = sqlite3_column_int64(st, 0);
        if ((rc = lg_stored_entry(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                                  seq, &e, err)))
            break;
        rc = lg_keys_apply(keys, n, e, seq, err);
        kf_entry_free(e);
        if (rc) break;
    }
    if (!rc && s != SQLITE_DONE) rc = lg_db_fail(l, err, "reading keys");
    sqlite3_finalize(st);
    if (rc) {
        free(*keys);
        *keys = NULL;
        *n = 0;
    }
    return rc;
}

kf_code kf_ledger_key(kf_ledger *l, uint32_t id, kf_key_info *out, kf_err *err)
{
    kf_key_info *keys;
    size_t n;
    kf_code rc = kf_ledger_keys(l, &keys, &n, err);
    if (rc) return rc;
    rc = kf_fail(err, KF_REFUSED, "no key %08x in the ledger", id);
    for (size_t i = 0; i < n; i++)
        if (keys[i].id == id) {
            *out = keys[i];
            rc = KF_OK;
            if (err) err->code = KF_OK;
        }
    free(keys);
    return rc;
}
