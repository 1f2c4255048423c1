/*
 * kifu verify: the whole-ledger verification (kifu verify). It stands above
 * the money modules: the ledger's own checks (hashes, signatures, keys,
 * roles; ledger/verify.c) run with the verifiers of donations/ and grants/
 * re-deriving every entry's rules and the pool figures by business date.
 */
#ifndef KIFU_VERIFY_H
#define KIFU_VERIFY_H

#include "kifu/donations.h"
#include "kifu/grants.h"

/* What the comparison of the derived state covered (docs/FORMAT.md §8,
 * "Derived state"). */
typedef struct {
    int64_t size;     /* the entries it was derived from: 1..size */
    int tables;       /* derived tables compared */
    int64_t rows;     /* their rows compared */
    int64_t personal; /* personal rows checked against their commitments */
    /* Indexes whose stored tables were not compared, comma-separated: the
     * file's index_state does not say they cover `size` (another version,
     * or built before the last entries), so every command rebuilds them
     * before reading them. Empty when all were compared. */
    char skipped[256];
} kf_derived_report;

/* kifu verify: the ledger's bytes, hashes, signatures and keys
 * (kf_ledger_verify) and, entry by entry, the rules the donations and grants
 * modules re-derive (docs/ENTRIES.md); then the derived state: every derived
 * table rebuilt from the entries in memory and compared with the stored one,
 * and the personal data checked against the entries' donor commitments.
 * trust: an optional trusted checkpoint (NULL if none). KF_REFUSED names the
 * first problem. Nothing is written to the file. derived may be NULL. */
kf_code kf_verify_ledger(kf_ledger *l, const char *trust, size_t trust_len, kf_verify_report *rep,
                         kf_derived_report *derived, kf_err *err);
/* kf_verify_ledger without the report of the derived state. */
kf_code kf_verify_all(kf_ledger *l, const char *trust, size_t trust_len, kf_verify_report *rep,
                      kf_err *err);

#endif
