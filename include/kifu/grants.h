/*
 * kifu grants: money out (SPEC §6) — the registry of groups, the rules in
 * force, and (later) applications, reviews, allocation, decisions, payment
 * and settlement.
 */
#ifndef KIFU_GRANTS_H
#define KIFU_GRANTS_H

#include "kifu/ledger.h"
#include "kifu/pools.h"
#include "kifu/rules.h"

#define KF_GROUP_ID_MAX 64

/* Registers the grants index (groups, rules versions) on an open ledger. */
kf_code kf_grants_attach(kf_ledger *l, kf_err *err);

/* --- rules versions ----------------------------------------------------- */

/* The rules in force after the whole ledger (the last rules.load entry, or
 * kf_rules_default when none). *version is its seq (0 for the defaults). */
kf_code kf_rules_current(kf_ledger *l, kf_rules *out, int64_t *version, kf_err *err);
/* The rules in force at seq (the last rules.load at or before it). */
kf_code kf_rules_at(kf_ledger *l, int64_t seq, kf_rules *out, int64_t *version, kf_err *err);
/* Parses `text` (named `file` in errors) and appends a rules.load entry
 * holding the text and its SHA-256. */
kf_code kf_rules_load(kf_txn *t, const char *file, const char *text, size_t len, int64_t *seq,
                      kf_err *err);
/* Parses the rules text of a rules.load entry. */
kf_code kf_rules_from_entry(const kf_entry *e, kf_rules *out, kf_err *err);

/* --- groups ------------------------------------------------------------- */

typedef struct {
    char id[KF_GROUP_ID_MAX + 1];
    char name[256];
    unsigned type; /* one KF_GT_* bit */
    char founded[11];
    int64_t members;
    char fields[512]; /* comma-separated field codes, may be empty */
    unsigned status;  /* one KF_ST_* bit */
    int64_t seq;      /* group.add entry */
} kf_group;

/* found=false if there is no such group. */
kf_code kf_group_get(kf_ledger *l, const char *id, kf_group *out, bool *found, kf_err *err);
kf_code kf_groups(kf_ledger *l, kf_group **out, size_t *n, kf_err *err);

/* Registers a group; the id is unique for the ledger's lifetime. */
kf_code kf_group_add(kf_txn *t, const kf_group *g, int64_t *seq, kf_err *err);
/* Changes members (>= 0 when given), status (0 = unchanged), name (NULL =
 * unchanged), fields (NULL = unchanged). Refused for a deregistered group. */
kf_code kf_group_update(kf_txn *t, const char *id, int64_t members, unsigned status,
                        const char *name, const char *fields, int64_t *seq, kf_err *err);
/* Deregisters a group and moves its pool's balance to the rules'
 * deregister_to pool in the same entry. Refused while money is committed to
 * the group's pool. */
kf_code kf_group_deregister(kf_txn *t, const char *id, const char *reason, const char *date,
                            int64_t *seq, kf_yen *moved, kf_err *err);

const char *kf_group_type_name(unsigned type);
const char *kf_group_status_name(unsigned status);

/* A group's age in whole years on a date. */
int kf_group_age(const kf_group *g, const char *date);

#endif
