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

/* kifu verify: the ledger's bytes, hashes, signatures and keys
 * (kf_ledger_verify) and, entry by entry, the rules the donations and grants
 * modules re-derive (docs/ENTRIES.md). trust: an optional trusted checkpoint
 * (NULL if none). KF_REFUSED names the first problem. */
kf_code kf_verify_all(kf_ledger *l, const char *trust, size_t trust_len, kf_verify_report *rep,
                      kf_err *err);

#endif
