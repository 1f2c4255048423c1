/* Internals shared by the files of grants/ (not a public header). */
#ifndef KIFU_GRANTS_INTERNAL_H
#define KIFU_GRANTS_INTERNAL_H

#include "kifu/grants.h"

/* The grant part of the grants index (grant.* entries). */
kf_code grant_index_reset(kf_ledger *l, kf_err *err);
kf_code grant_index_apply(kf_ledger *l, const kf_row *row, kf_err *err);

#endif
