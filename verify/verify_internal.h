/* Internals shared by the files of verify/ (not a public header). */
#ifndef KIFU_VERIFY_INTERNAL_H
#define KIFU_VERIFY_INTERNAL_H

#include "kifu/verify.h"

/* --- derived.c: the derived state compared with the entries ---------------- */
typedef struct derived_check derived_check;
/* Starts the comparison over the file of l: a scratch ledger (in memory)
 * with the modules attached takes its view of the file now, then rebuilds
 * the derived tables and compares them on a thread of its own (inline at
 * derived_finish if no thread can be had). Start it before
 * kf_ledger_verify, so that the entries verification reads include every
 * entry it derives from. */
kf_code derived_start(kf_ledger *l, derived_check **out, kf_err *err);
/* Each entry as verification hands it over (its thread, its read of the
 * file), in seq order: the personal data is checked against it. A
 * difference is kept for derived_finish; only an error is returned. */
kf_code derived_entry(derived_check *d, const kf_row *row, kf_err *err);
/* wanted false (verification failed): stops it and drops its result.
 * Otherwise waits for it: KF_REFUSED names the first difference. rep is the
 * verification's report (the derived state must not cover more entries).
 * Frees d. out may be NULL. */
kf_code derived_finish(derived_check *d, bool wanted, const kf_verify_report *rep,
                       kf_derived_report *out, kf_err *err);

#endif
