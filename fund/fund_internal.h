/* Internals shared by the files of fund/ (not a public header). */
#ifndef KIFU_FUND_INTERNAL_H
#define KIFU_FUND_INTERNAL_H

#include "kifu/fund.h"

/* The registry index's context: the rules in force and the last group
 * looked up for a designation, cached until an entry changes them. */
typedef struct {
    kf_rules *rules;   /* NULL until asked for; dropped when rules.load is applied */
    kf_group group;    /* the last group looked up by kf_designation_check... */
    bool group_found;  /* ...and whether it exists... */
    bool group_cached; /* ...until a group entry is applied */
    char genesis[11];  /* the date of the first commit, "" until asked for */
} fund_registry;

fund_registry *fund_registry_of(kf_ledger *l, kf_err *err);

#endif
