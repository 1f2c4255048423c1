/*
 * kifu fund: what money in and money out both stand on — the rules and their
 * versions in the ledger, fiscal years, the registry (groups, supporters'
 * club members, click-fund partners, donation boxes) and the pools with
 * their figures (kifu/pools.h). docs/ARCHITECTURE.md has the layer picture:
 * this layer calls only ledger/; donations/ and grants/ call it.
 */
#ifndef KIFU_FUND_H
#define KIFU_FUND_H

#include "kifu/ledger.h"
#include "kifu/pools.h"
#include "kifu/rules.h"

#define KF_ID_MAX 64
#define KF_GROUP_ID_MAX 64

/* Registers the fund's indexes (pools, then the registry) on an open
 * ledger; does nothing if they are registered already. The donations and
 * grants modules call it from their own attach. */
kf_code kf_fund_attach(kf_ledger *l, kf_err *err);

/* The rules in force after the whole ledger, cached by the registry index
 * until the next rules.load is applied. The pointer stays valid until then. */
kf_code kf_fund_rules(kf_ledger *l, const kf_rules **out, kf_err *err);

/* The business dates a writer accepts (README and docs/ENTRIES.md,
 * "Business dates"): from the first day of the FY before the FY of the
 * ledger's first commit (its date in the fund's time zone; FYs under the
 * rules in force) to today (kf_today: KIFU_NOW or the clock, in the fund's
 * time zone). */
kf_code kf_date_window(kf_ledger *l, char first[11], char last[11], kf_err *err);
/* KF_BAD_INPUT when date (a real date) is outside that window: "WHAT DATE is
 * after today (TODAY, the fund's time zone +09:00): a business date cannot
 * be in the future", or "WHAT DATE is outside the business dates this
 * ledger takes, FIRST to TODAY (...)". */
kf_code kf_date_check(kf_ledger *l, const char *what, const char *date, kf_err *err);
/* A planned date (a grant application's start) may lie ahead: the window's
 * first day to KF_DATE_LAST. */
#define KF_DATE_LAST "2100-12-31"
kf_code kf_date_check_planned(kf_ledger *l, const char *what, const char *date, kf_err *err);
/* Whether entries of this kind carry a business date in `date` (money in
 * and out, deregistrations, grant applications and decisions). */
bool kf_business_date_kind(const char *kind);
/* For kifu verify: KF_REFUSED "seq N: KIND dated D, after the date of its
 * commit (...)" when the business date of the row's entry is after the
 * date of its commit's signed time in the fund's time zone. *day keeps the
 * last commit time converted (zero it before the first row). */
typedef struct {
    char time[40];
    char date[11];
} kf_commit_day;
kf_code kf_business_date_verify(const kf_row *row, kf_commit_day *day, kf_err *err);

/* Checks that a designation names a pool that can take money now: general,
 * a registered or provisional group, a field or theme of the rules in force.
 * KF_REFUSED naming what is unknown or deregistered. */
kf_code kf_designation_check(kf_ledger *l, const char *to, kf_err *err);

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

/* A group's age in whole years on a date. */
int kf_group_age(const kf_group *g, const char *date);

/* --- supporters' club members, click-fund partners, donation boxes ------- */

/* Each id is unique for the ledger's lifetime; a tier must be in the rules,
 * a designation (`to`) must name a pool that exists. */
kf_code kf_member_add(kf_txn *t, const char *id, const char *name, const char *tier,
                      const char *joined, kf_err *err);
kf_code kf_partner_add(kf_txn *t, const char *id, const char *name, kf_yen per_click,
                       kf_yen monthly_cap, const char *to, kf_err *err);
kf_code kf_box_add(kf_txn *t, const char *id, const char *location, const char *host,
                   const char *to, kf_err *err);
/* The same with `donor`: the personal-data commitment of the name and the
 * address (docs/ENTRIES.md "Personal data"; donations/ computes it and keeps
 * the data: kf_don_member_add), written as the entry's `donor` field; NULL
 * for none. */
kf_code kf_member_add_with(kf_txn *t, const char *id, const char *name, const char *tier,
                           const char *joined, const char *donor, kf_err *err);
kf_code kf_partner_add_with(kf_txn *t, const char *id, const char *name, kf_yen per_click,
                            kf_yen monthly_cap, const char *to, const char *donor, kf_err *err);

/* --- the fund's identity (fund/identity.c) ------------------------------
 *
 * Who issues the fund's certificates, as signed data: `fund.identity`
 * entries (admin), versioned like the rules (the one in force at a seq is
 * the last at or before it). */
typedef struct {
    char issuer_name[256];  /* 秋元 克広 */
    char issuer_title[256]; /* 札幌市長 */
    char address[512];      /* the issuer's address */
    char phone[64];
    char fund_name[256]; /* the fund's public name */
    char tax_note[1024]; /* printed on certificates (控除の説明) */
    char url[512];       /* the public verification page */
    int64_t seq;         /* its fund.identity entry; 0 when none */
} kf_identity;

/* Every field present, one line of UTF-8 within its size, no control
 * characters; url starts with https://, http:// or file:// and has no
 * space or '#'. KF_BAD_INPUT naming the option (--issuer-name ...). */
kf_code kf_identity_check(const kf_identity *id, kf_err *err);
/* A field by its entry key (address, fund_name, issuer_name, issuer_title,
 * phone, tax_note, url); NULL for another key. */
const char *kf_identity_field(const kf_identity *id, const char *key);
/* Sets a field by its entry key; KF_BAD_INPUT if too long or unknown. */
kf_code kf_identity_put(kf_identity *id, const char *key, const char *value, kf_err *err);
/* The identity of a fund.identity entry (KF_REFUSED if it is malformed). */
kf_code kf_identity_from_entry(const kf_entry *e, kf_identity *out, kf_err *err);
/* The identity in force at seq (0: after the whole ledger); out->seq is 0
 * when no fund.identity entry is at or before it. */
kf_code kf_identity_at(kf_ledger *l, int64_t seq, kf_identity *out, kf_err *err);
/* Appends a fund.identity; refused when it equals the one in force. */
kf_code kf_identity_set(kf_txn *t, const kf_identity *id, int64_t *seq, kf_err *err);

#endif
