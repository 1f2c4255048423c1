/*
 * Personal data of donors: kept outside the hashed entries (the entry holds
 * only a salted commitment), in the table personal(seq, salt, name,
 * address), which survives reindex and is deleted by erasure. Rows of the
 * open transaction are written in batches (the donations index's flush).
 */
#include "don_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
/* SHA256_* (the one-shot context API) is deprecated in OpenSSL 3 but
 * stays; it is what the commitment was written with. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

void kf_personal_commitment(const uint8_t salt[16], const char *name, const char *address,
                            char out[65])
{
    SHA256_CTX st;
    uint8_t h[32];
    static const char tag[] = "kifu.personal.v1\n";
    SHA256_Init(&st);
    SHA256_Update(&st, tag, sizeof tag - 1);
    SHA256_Update(&st, salt, 16);
    SHA256_Update(&st, name, strlen(name));
    SHA256_Update(&st, "", 1);
    SHA256_Update(&st, address, strlen(address));
    SHA256_Final(h, &st);
    kf_hex(h, 32, out);
}

/* A fresh salt: the first 16 bytes of SHA-256(key || "salt" || seq), where
 * the key is 32 random bytes drawn once per process (KIFU_TEST_SEED in
 * tests, for reproducible runs). Unpredictable without the key, and no system
 * call per donation. */
void don_make_salt(don_ctx *c, int64_t seq, uint8_t salt[16])
{
    uint8_t h[32];
    if (!c->have_salt_key) {
        const char *test_seed = getenv("KIFU_TEST_SEED");
        if (!test_seed || !kf_unhex(test_seed, c->salt_key, 32))
            randombytes_buf(c->salt_key, sizeof c->salt_key);
        c->have_salt_key = true;
    }
    SHA256_CTX st;
    SHA256_Init(&st);
    SHA256_Update(&st, c->salt_key, 32);
    SHA256_Update(&st, "salt", 4);
    SHA256_Update(&st, &seq, sizeof seq);
    SHA256_Final(h, &st);
    memcpy(salt, h, 16);
}

static sqlite3_stmt *personal_insert(sqlite3 *db, int rows)
{
    return kf_sql_insert_rows(db, "INSERT INTO personal(seq, salt, name, address) VALUES", 4, rows);
}

static void bind_personal(sqlite3_stmt *st, int col, const don_ctx *c,
                          const struct don_personal_row *p)
{
    sqlite3_bind_int64(st, col + 1, p->seq);
    sqlite3_bind_blob(st, col + 2, p->salt, 16, SQLITE_STATIC);
    sqlite3_bind_text(st, col + 3, c->personal_text.data + p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, col + 4, c->personal_text.data + p->address, -1, SQLITE_STATIC);
}

kf_code don_personal_flush(void *ctx, kf_ledger *l, bool write, kf_err *err)
{
    don_ctx *c = ctx;
    sqlite3 *db = kf_ledger_db(l);
    kf_code rc = KF_OK;
    size_t i = 0;
    if (!c->npersonal) return KF_OK;
    if (!write) goto out;
    if ((!c->personal_put && !(c->personal_put = personal_insert(db, 1))) ||
        (!c->personal_put_batch &&
         !(c->personal_put_batch = personal_insert(db, DON_PERSONAL_BATCH)))) {
        rc = kf_fail(err, KF_SYSTEM, "storing personal data: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (c->npersonal == DON_PERSONAL_BATCH) {
        for (int j = 0; j < DON_PERSONAL_BATCH; j++)
            bind_personal(c->personal_put_batch, 4 * j, c, &c->personal[j]);
        int s = sqlite3_step(c->personal_put_batch);
        sqlite3_reset(c->personal_put_batch);
        if (s != SQLITE_DONE) {
            rc = kf_fail(err, KF_SYSTEM, "storing personal data: %s", sqlite3_errmsg(db));
            goto out;
        }
        i = DON_PERSONAL_BATCH;
    }
    for (; i < c->npersonal; i++) {
        bind_personal(c->personal_put, 0, c, &c->personal[i]);
        int s = sqlite3_step(c->personal_put);
        sqlite3_reset(c->personal_put);
        if (s != SQLITE_DONE) {
            rc = kf_fail(err, KF_SYSTEM, "storing personal data: %s", sqlite3_errmsg(db));
            goto out;
        }
    }
out:
    /* Names and addresses do not linger in memory once written or dropped. */
    if (c->personal_text.len) sodium_memzero(c->personal_text.data, c->personal_text.len);
    c->personal_text.len = 0;
    c->npersonal = 0;
    return rc;
}

kf_code don_personal_add(don_ctx *c, int64_t seq, const uint8_t salt[16], const char *name,
                         const char *address, kf_err *err)
{
    kf_code rc;
    if (c->npersonal == DON_PERSONAL_BATCH && (rc = don_personal_flush(c, c->l, true, err)))
        return rc;
    struct don_personal_row *p = &c->personal[c->npersonal];
    p->seq = seq;
    memcpy(p->salt, salt, 16);
    p->name = c->personal_text.len;
    if (!kf_buf_put(&c->personal_text, name, strlen(name) + 1))
        return kf_fail(err, KF_SYSTEM, "out of memory");
    p->address = c->personal_text.len;
    if (!kf_buf_put(&c->personal_text, address, strlen(address) + 1))
        return kf_fail(err, KF_SYSTEM, "out of memory");
    c->npersonal++;
    return KF_OK;
}

kf_code kf_don_personal(kf_ledger *l, int64_t seq, kf_personal *out, kf_err *err)
{
    sqlite3 *db = kf_ledger_db(l);
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    kf_code rc = kf_ledger_flush(l, err); /* rows batched in this transaction */
    if (rc) return rc;
    if (sqlite3_prepare_v2(db, "SELECT salt, name, address FROM personal WHERE seq=?", -1, &st,
                           NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "reading personal data: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, seq);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 16) {
        out->present = true;
        memcpy(out->salt, sqlite3_column_blob(st, 0), 16);
        snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(out->address, sizeof out->address, "%s", (const char *)sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return kf_fail(err, KF_SYSTEM, "reading personal data: %s", sqlite3_errmsg(db));
    return KF_OK;
}

/* Deletes the personal data kept for seq (refused when there is none) and
 * records its personal.erase. */
static kf_code erase_one(kf_txn *t, int64_t seq, int64_t *erase_seq, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    kf_code rc;
    kf_personal p;
    if ((rc = kf_don_personal(l, seq, &p, err))) return rc;
    bool present = p.present;
    sodium_memzero(&p, sizeof p);
    if (!present)
        return kf_fail(err, KF_REFUSED, "no personal data is kept for seq %lld", (long long)seq);
    /* secure_delete overwrites the freed content in the database pages. */
    if (sqlite3_exec(kf_ledger_db(l), "PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "cannot enable secure_delete");
    if ((rc = kf_sql_exec(l, err, "DELETE FROM personal WHERE seq=?1", "i", seq))) return rc;
    kf_entry *e = kf_entry_new("personal.erase");
    if (!e) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (!(rc = kf_entry_set_int(e, "donation", seq, err)) && !(rc = kf_txn_append(t, e, err)))
        *erase_seq = e->seq;
    kf_entry_free(e);
    return rc;
}

/* The certificates whose copy of the donor's name and address came from
 * seq's personal data and is still kept: those that cover the gift seq, and
 * for a member.add or partner.add those of that member or partner. */
static kf_code copies_of(kf_ledger *l, int64_t seq, int64_t **out, size_t *n, kf_err *err)
{
    char source[KF_POOL_MAX] = "";
    kf_entry *e = NULL;
    kf_code rc;
    *out = NULL;
    *n = 0;
    if ((rc = kf_ledger_flush(l, err)) || (rc = kf_ledger_entry(l, seq, &e, err))) return rc;
    const char *id = kf_entry_str(e, "id");
    if (id && !strcmp(e->kind, "member.add")) snprintf(source, sizeof source, "member:%s", id);
    if (id && !strcmp(e->kind, "partner.add")) snprintf(source, sizeof source, "partner:%s", id);
    kf_entry_free(e);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(kf_ledger_db(l),
                           "SELECT cert FROM don_cert_gifts WHERE gift=?1 UNION "
                           "SELECT seq FROM don_certs WHERE source=?2 AND ?2 <> '' "
                           "INTERSECT SELECT seq FROM personal ORDER BY 1",
                           -1, &st, NULL) != SQLITE_OK)
        return kf_fail(err, KF_SYSTEM, "reading certificates: %s", sqlite3_errmsg(kf_ledger_db(l)));
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            int64_t *v = realloc(*out, cap * sizeof *v);
            if (!v) {
                sqlite3_finalize(st);
                return kf_fail(err, KF_SYSTEM, "out of memory");
            }
            *out = v;
        }
        (*out)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return kf_fail(err, KF_SYSTEM, "reading certificates: %s", sqlite3_errmsg(kf_ledger_db(l)));
    return KF_OK;
}

kf_code kf_don_erase(kf_txn *t, int64_t seq, const char *ref, int64_t *erase_seq, kf_err *err)
{
    kf_ledger *l = kf_txn_ledger(t);
    kf_code rc;
    bool found;
    if (ref) {
        if ((rc = kf_sql_row(l, err, &found, "SELECT seq FROM don_refs WHERE ref=?", "s", "i", ref,
                             &seq)))
            return rc;
        if (!found) return kf_fail(err, KF_REFUSED, "no donation with ref '%s'", ref);
    }
    /* The copies kept for certificates go with the data they were copied
     * from: a donor who asks to be forgotten is forgotten everywhere. */
    int64_t *copies = NULL, last = 0;
    size_t n = 0;
    if ((rc = copies_of(l, seq, &copies, &n, err)) || (rc = erase_one(t, seq, erase_seq, err))) {
        free(copies);
        return rc;
    }
    for (size_t i = 0; i < n && !rc; i++)
        if (copies[i] != seq) rc = erase_one(t, copies[i], &last, err);
    free(copies);
    return rc;
}
