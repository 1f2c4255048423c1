/* Internals shared by the files of donations/ (not a public header). */
#ifndef KIFU_DON_INTERNAL_H
#define KIFU_DON_INTERNAL_H

#include "kifu/donations.h"

#include <sqlite3.h>

#define DON_PERSONAL_BATCH 32

/* The donations index context: cached statements and the rules in force. */
typedef struct {
    kf_ledger *l;
    sqlite3_stmt *ref_put, *source_get, *source_put;
    uint8_t salt_key[32]; /* drawn once (donate.c make_salt) */
    bool have_salt_key;
    int64_t ref_put_seq; /* the seq whose ref kf_don_donate already stored */
    /* Personal data rows of the open transaction not yet written: they go to
     * the personal table DON_PERSONAL_BATCH at a time (don_personal_add). */
    struct don_personal_row {
        int64_t seq;
        uint8_t salt[16];
        size_t name, address; /* offsets in personal_text */
    } personal[DON_PERSONAL_BATCH];
    size_t npersonal;
    kf_buf personal_text;
    sqlite3_stmt *personal_put, *personal_put_batch;
} don_ctx;

don_ctx *don_ctx_of(kf_ledger *l);
/* The pool split of a donation-like entry: `credit` to the designated pool
 * `pool`, `general` to the general pool, in financial year `fy`. */
typedef struct {
    const char *pool; /* the designation, or "general" when credit is 0 */
    kf_yen credit, general;
    int fy;
} don_split;

/* Works out the split of net yen designated to `to` on date
 * (kf_designated_split) after checking the designation can take money
 * (kf_designation_check). sp->pool points into to. */
kf_code don_split_of(kf_ledger *l, const char *to, const char *date, kf_yen net, don_split *sp,
                     kf_err *err);
/* A fresh salt for donation seq's personal data commitment (personal.c). */
void don_make_salt(don_ctx *c, int64_t seq, uint8_t salt[16]);
/* Stores the personal data of donation seq (in a batch: see don_ctx). */
kf_code don_personal_add(don_ctx *c, int64_t seq, const uint8_t salt[16], const char *name,
                         const char *address, kf_err *err);
/* Writes (write) or drops the batched personal rows: the index's flush. */
kf_code don_personal_flush(void *ctx, kf_ledger *l, bool write, kf_err *err);
/* Money and personal data common to donation and box.collect entries. */
kf_code don_append_money(kf_txn *t, kf_entry *e, const kf_donation *d, int64_t *seq, kf_err *err);

/* Registers the receipts index (the register of certificates, receipts.c). */
kf_code don_certs_attach(kf_ledger *l, kf_err *err);

/* The verifier of receipt.issue (cert_verify.c), fed every entry in seq
 * order by kf_don_verify_entry with the rules in force and the seqs voided
 * so far. */
typedef struct don_cert_verifier don_cert_verifier;
don_cert_verifier *don_cert_verifier_new(void);
void don_cert_verifier_free(don_cert_verifier *cv);
kf_code don_cert_verify_entry(don_cert_verifier *cv, kf_ledger *l, const kf_rules *r,
                              const int64_t *voided, size_t nvoided, const kf_row *row,
                              kf_err *err);

#endif
