/*
 * kifu donations: money in — supporters' club members, click-fund
 * partners, donation boxes, donations with designations, voids, interest
 * earned on the fund's deposits, personal data and its erasure.
 *
 * Every write goes through a kf_txn: the caller begins it, calls one or more
 * kf_don_* functions (each validates against the ledger state inside the
 * transaction, appends its entries and updates the derived tables), then
 * commits or aborts. Validation errors are KF_BAD_INPUT (bad values) or
 * KF_REFUSED (the rules or the books say no).
 */
#ifndef KIFU_DONATIONS_H
#define KIFU_DONATIONS_H

#include "kifu/fund.h"

/* Registers the donations index on an open ledger (and creates the personal
 * data table). Call once after kf_ledger_open/create. */
kf_code kf_donations_attach(kf_ledger *l, kf_err *err);

/* --- the money calculations (pure; donations/money.c) ------------------- */

/* How net yen given to designation `to` is split under rules r: a group's
 * share is floor_to(floor(net x designated_share), designated_round) to the
 * group's pool and the rest to general; a field, theme or general
 * designation takes the whole. 0 <= net <= KF_YEN_MAX_ONE. */
void kf_designated_split(const kf_rules *r, const char *to, kf_yen net, kf_yen *credit,
                         kf_yen *general);
/* A click-fund partner's pledge for a month: min(clicks x per_click,
 * monthly_cap), the cap when the product overflows. */
kf_yen kf_partner_pledge(int64_t clicks, kf_yen per_click, kf_yen monthly_cap);

/* --- donations ---------------------------------------------------------- */

typedef struct {
    kf_yen amount;
    kf_yen fee; /* 0 if none; 0 <= fee < amount */
    char date[11];
    char source[KF_POOL_MAX];    /* "direct" (default), member:ID, partner:ID, box:ID */
    char to[KF_POOL_MAX];        /* designation: general (default), group:, field:, theme: */
    char method[16];             /* cash|transfer|card|slip or "" */
    char ref[128];               /* external reference, unique in the ledger, or "" */
    const char *donor, *address; /* personal data, or NULL */
} kf_donation;

/* Parses the text values of a donation (CLI options or CSV cells) into d.
 * NULL or "" means absent. Bad values are KF_BAD_INPUT naming the field. */
kf_code kf_donation_parse(kf_donation *d, const char *amount, const char *date, const char *source,
                          const char *to, const char *donor, const char *address, const char *ref,
                          const char *method, const char *fee, kf_err *err);

/* Records a donation: checks the source and designation exist, the ref is
 * unique, splits the net amount into pools (designated share, rounding),
 * appends a `donation` entry and stores the personal data outside it. */
kf_code kf_don_donate(kf_txn *t, const kf_donation *d, int64_t *seq, kf_err *err);

/* True if ref is already used by an entry of the ledger (or this txn);
 * *seq (if seq is not NULL) is then that entry's seq. */
kf_code kf_don_ref_exists(kf_ledger *l, const char *ref, bool *exists, int64_t *seq, kf_err *err);

/* Voids a donation (or box collection / partner payment): appends a
 * `donation.void` that takes its credits out of the pools again. Refused if
 * seq is not a donation, is already voided, or a pool's available money
 * would go negative. */
kf_code kf_don_void(kf_txn *t, int64_t seq, const char *reason, const char *date, int64_t *void_seq,
                    kf_err *err);

/* --- click-fund partners ------------------------------------------------ */

/* Records a month's clicks: pledge = min(clicks * per_click, monthly_cap);
 * once per partner and month (YYYY-MM). */
kf_code kf_don_partner_clicks(kf_txn *t, const char *id, const char *month, int64_t clicks,
                              int64_t *seq, kf_yen *pledge, kf_err *err);
/* Records a payment (a donation with source partner:ID to the partner's
 * designation); refused above what is pledged and unpaid. */
kf_code kf_don_partner_pay(kf_txn *t, const char *id, kf_yen amount, const char *date,
                           const char *ref, int64_t *seq, kf_err *err);

/* --- donation boxes ----------------------------------------------------- */

typedef struct {
    char id[KF_ID_MAX + 1];
    char date[11];
    kf_yen count_a, count_b;
    char counters[256]; /* "A,B" */
    char seal[128];     /* bag / seal number, or "" */
    kf_yen resolved;    /* the agreed recount when the counts differ, else -1 */
    char note[512];
} kf_box_collection;

/* Refused if the counts differ and no resolution is given. The amount is
 * recorded as a donation from box:ID to the box's designation. */
kf_code kf_don_box_collect(kf_txn *t, const kf_box_collection *c, int64_t *seq, kf_err *err);

/* --- interest earned on the fund's deposits (donations/interest.c) ------ */

/* A `fund.interest` entry: interest the fund's bank deposits earned (運用益),
 * money in that is not a gift. It goes whole to the pool the rules name
 * ([fund] interest_to, default general) in the FY of its date. */
typedef struct {
    kf_yen amount; /* 1 .. KF_YEN_MAX_ONE */
    char date[11];
    char ref[128];  /* external reference (bank line), unique in the ledger, or "" */
    char note[512]; /* one line, or "" */
} kf_interest;

/* Parses the text values (CLI options) into in; NULL or "" is absent
 * (amount and date are required). Bad values are KF_BAD_INPUT. */
kf_code kf_interest_parse(kf_interest *in, const char *amount, const char *date, const char *ref,
                          const char *note, kf_err *err);
/* Records interest earned: a business date not after today, a ref unused
 * by any entry; appends a `fund.interest` to the rules' interest_to pool.
 * *pool (if not NULL, KF_POOL_MAX bytes) and *fy receive where it went. */
kf_code kf_don_interest(kf_txn *t, const kf_interest *in, int64_t *seq, char *pool, int *fy,
                        kf_err *err);

/* The fund.interest entries of FY fy (all FYs when fy < 0), in seq order,
 * as they were signed: for reports (the 運用益 of a 基金運用状況). */
typedef struct {
    int64_t seq;
    char date[11];
    int fy;
    kf_yen amount;
    char pool[KF_POOL_MAX];
    char ref[128], note[512]; /* "" when absent */
    char time[40];            /* the commit's time */
} kf_interest_row;
kf_code kf_don_interests(kf_ledger *l, int fy, kf_interest_row **out, size_t *n, kf_err *err);

/* --- personal data ------------------------------------------------------ */

/* Deletes the donor's personal data of donation `seq` (or the donation with
 * `ref`) and records a `personal.erase` entry. */
kf_code kf_don_erase(kf_txn *t, int64_t seq, const char *ref, int64_t *erase_seq, kf_err *err);

typedef struct {
    bool present;
    char name[512], address[1024];
    uint8_t salt[16];
} kf_personal;
/* The personal data kept for a donation seq (present=false if none/erased). */
kf_code kf_don_personal(kf_ledger *l, int64_t seq, kf_personal *out, kf_err *err);
/* The commitment stored in the entry: hex SHA-256 of
 * "kifu.personal.v1\n" || salt || name || 0x00 || address. */
void kf_personal_commitment(const uint8_t salt[16], const char *name, const char *address,
                            char out[65]);

/* --- certificates: 寄附金受領証明書 and 受領書 (donations/receipts.c) -------
 *
 * `kifu receipt` records a `receipt.issue` entry (treasurer or admin) that
 * states everything a certificate prints: its number (gapless per fiscal
 * year of the issue date), the issue date, the gifts (seq, date, amount),
 * their total, the purpose in words, the donor's name and address as a
 * personal-data commitment, the issuer (a copy of the fund.identity in
 * force) and, for a reissue, the number it replaces (docs/ENTRIES.md
 * "Certificates"). */

#define KF_CERT_GIFTS_MAX 400
#define KF_CERT_TITLE "寄附金受領証明書"
#define KF_CERT_TITLE_PARTNER "受領書"

/* "<fy>-<n, zero-padded to 6 digits>": 2026-000001. */
void kf_cert_number(int64_t fy, int64_t n, char out[32]);
/* The purpose of a gift to designation `to` in words: a field's or theme's
 * label from rules r, "<group name>（団体指定）" (group_name is the group's
 * name, or NULL when unknown), "基金の事業全般（使途の指定なし）" for general.
 * The writer and the verifier both call it. */
void kf_designation_words(const kf_rules *r, const char *to, const char *group_name, char *out,
                          size_t outsz);

typedef struct {
    int64_t seq;
    char date[11];
    kf_yen amount;
} kf_cert_gift;
/* Parses a receipt.issue `gifts` field: "seq:date:amount" items joined by
 * ",", seqs strictly ascending, canonical integers, real dates, amounts > 0.
 * false when malformed or more than max items. */
bool kf_cert_gifts_parse(const char *s, kf_cert_gift *out, size_t max, size_t *n);

typedef struct {
    int64_t gift;       /* the gift's seq (a donation), or 0 with member/year */
    const char *member; /* an annual certificate: the member's id... */
    int year;           /* ...and the calendar year of its gifts */
    char date[11];      /* the issue date */
    bool reissue;       /* issue again gifts a certificate already covers */
} kf_cert_request;

typedef struct {
    int64_t seq; /* the receipt.issue entry */
    int64_t fy, number;
    char number_text[32]; /* 2026-000001 */
    char reissue_of[32];  /* the number replaced, "" for a first issue */
    size_t ngifts;
    kf_yen amount;
} kf_cert_issued;

/* Records a certificate. Refused (KF_REFUSED): a box collection, a voided
 * gift, a gift with no identifiable donor (no name recorded) or whose
 * donor's personal data was erased, no fund.identity recorded, gifts a
 * certificate already covers without reissue (or reissue with none, or of
 * a different set), an annual certificate with no gift. Bad input
 * (KF_BAD_INPUT): a seq beyond the ledger or not a donation, an unknown
 * member, a date outside the business dates. */
kf_code kf_don_cert_issue(kf_txn *t, const kf_cert_request *req, kf_cert_issued *out, kf_err *err);

typedef struct {
    int64_t seq; /* the receipt.issue entry */
    int64_t fy, number;
    char number_text[32];
    char date[11];
    char reissue_of[32];
    char source[KF_POOL_MAX];
    int64_t year;  /* 0 unless annual */
    int64_t gifts; /* how many */
    kf_yen amount;
} kf_cert_ref;
/* The certificates that cover gift `gift` (0: every certificate), in seq
 * order; *out is malloc'd. */
kf_code kf_don_certs(kf_ledger *l, int64_t gift, kf_cert_ref **out, size_t *n, kf_err *err);

/* Adds a member (partner) with an address: the name and address are
 * personal data (a commitment in the entry's `donor` field, the data kept
 * outside it and erasable with kifu erase donor --seq). address NULL or ""
 * is kf_member_add (kf_partner_add). */
kf_code kf_don_member_add(kf_txn *t, const char *id, const char *name, const char *tier,
                          const char *joined, const char *address, kf_err *err);
kf_code kf_don_partner_add(kf_txn *t, const char *id, const char *name, kf_yen per_click,
                           kf_yen monthly_cap, const char *to, const char *address, kf_err *err);

/* --- verification ------------------------------------------------------ */

/* Re-derives what money-in entries assert (splits, fiscal years, voids,
 * pledges, box counts) during kifu verify: feed every entry in seq order. */
typedef struct kf_don_verifier kf_don_verifier;
kf_don_verifier *kf_don_verifier_new(kf_ledger *l);
/* Also feed the pool movements to a tracker and check voids leave no pool's
 * available money negative. */
void kf_don_verifier_pools(kf_don_verifier *v, kf_pool_tracker *pools);
kf_code kf_don_verify_entry(kf_don_verifier *v, const kf_row *row, kf_err *err);
void kf_don_verifier_free(kf_don_verifier *v);

/* --- reading ------------------------------------------------------------ */

typedef struct {
    char id[KF_ID_MAX + 1];
    char name[256], tier[KF_CODE_MAX + 1], joined[11];
    int64_t seq;
    kf_yen fy_total; /* donations in the FY asked for */
    kf_yen tier_min;
    bool active; /* fy_total >= tier_min */
} kf_member;
kf_code kf_don_members(kf_ledger *l, int fy, kf_member **out, size_t *n, kf_err *err);

typedef struct {
    char id[KF_ID_MAX + 1];
    char name[256], to[KF_POOL_MAX];
    kf_yen per_click, monthly_cap, pledged, paid;
    int64_t seq;
} kf_partner;
kf_code kf_don_partners(kf_ledger *l, kf_partner **out, size_t *n, kf_err *err);

typedef struct {
    char month[8];
    int64_t clicks;
    kf_yen pledged, paid, outstanding; /* payments applied to months in order */
} kf_partner_month;
kf_code kf_don_partner_months(kf_ledger *l, const char *id, kf_partner_month **out, size_t *n,
                              kf_err *err);

typedef struct {
    char id[KF_ID_MAX + 1];
    char location[256], host[256], to[KF_POOL_MAX];
    int64_t seq;
    kf_yen collected;
    int64_t collections;
} kf_box;
kf_code kf_don_boxes(kf_ledger *l, kf_box **out, size_t *n, kf_err *err);

#endif
