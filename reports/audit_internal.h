/*
 * The auditor's workbook, inside reports/: what the pass over the entries
 * gathers (audit_figures.c) for the sheets that audit.c writes.
 */
#ifndef KIFU_REPORTS_AUDIT_INTERNAL_H
#define KIFU_REPORTS_AUDIT_INTERNAL_H

#include "kifu/grants.h"
#include "kifu/pools.h"
#include "kifu/report.h"

#include "labels.h"
#include "xlsx.h"

/* One pool's money of the FY, by what moved it: the Summary's
 * reconciliation. gross - fee - voided + refunds + interest + xfer_in is
 * what came in, paid + xfer_out what went out (docs: README, "The
 * auditor's workbook"). */
typedef struct {
    char pool[KF_POOL_MAX];
    kf_pool_figures fig;  /* the signed figures of the FY (pool_fy) */
    int64_t gifts, voids; /* donations and box collections credited here; their voids */
    kf_yen gross, fee;    /* the gifts' amounts and fees (a gift's fee is its credited pool's) */
    kf_yen voided;        /* credits taken back by voids dated in the FY */
    kf_yen refunds;       /* grant refunds returned */
    kf_yen interest;      /* fund.interest */
    kf_yen xfer_in, xfer_out; /* group.deregister transfers */
    kf_yen paid;              /* grant.pay */
    int64_t npaid;
} kx_recon;

/* Payment methods, in the Reconciliation sheet's order. */
enum { KX_M_CASH, KX_M_TRANSFER, KX_M_CARD, KX_M_SLIP, KX_M_OTHER, KX_NMETHOD };
typedef struct {
    int64_t gifts, voids;
    kf_yen gross, fee, voided;
} kx_method_sum;

/* A donation of the FY, to be written in date order (then seq). */
typedef struct {
    int32_t date; /* YYYYMMDD */
    int64_t seq;
} kx_dkey;

/* What the grant entries say of one application of the FY, beyond its
 * figures (kf_grant_row). */
typedef struct {
    char applied[11], decided[11], settled[11], refunded[11];
    kf_yen ceiling;
    bool has_ceiling;
    char rate[32];
    kf_yen round_down;
    char reason[256]; /* a rejection's */
    int nscores;
    int64_t score_sum;
    char scores[96]; /* "4, 5, 3" */
    kf_buf pays;     /* "令和8年6月1日 100,000円" lines */
    int npays;
} kx_grant_extra;

/* A checkpoint an auditor cosigned (checkpoint.cosign). */
typedef struct {
    int64_t seq, size;
    uint32_t auditor;
    char time[40];
    char root[65];
} kx_cosign;

typedef struct {
    kf_ledger *l;
    const kf_audit_opts *o;
    const kx_names *names;
    const kf_rules *rules;
    int64_t size;
    kf_audit_result *res;
    kf_code rc;
    kf_err *err;
    kx_voids voids;

    /* the FY's donations */
    kx_dkey *dkeys;
    size_t ndkeys, dcap;
    kf_yen total[5], voided[5]; /* amount, fee, credit, credit_general, amount voided */
    kf_yen months[12][KX_NSRC]; /* by month of the FY, voids excluded */
    kx_method_sum methods[KX_NMETHOD];
    int first_fy;

    /* pools */
    kx_recon *recon;
    size_t nrecon;
    kf_pool_figures fig_total;

    /* grants of the FY: rows by seq, extras alongside; byid sorts them by id */
    kf_grant_row *grows;
    kx_grant_extra *gx;
    size_t ngrows;
    size_t *byid;

    kx_cosign *cosigns;
    size_t ncosigns, cocap;
} kx_audit_data;

/* Reads everything the sheets need, up to size entries (one pass). */
kf_code kx_audit_gather(kx_audit_data *d, kf_err *err);
void kx_audit_data_free(kx_audit_data *d);
/* The recon row of a pool, or NULL. */
kx_recon *kx_audit_recon(kx_audit_data *d, const char *pool);
/* Each pool's income less spending as the entries give it equals the
 * signed figures' in - out; KF_SYSTEM naming the pool otherwise. */
kf_code kx_audit_recon_check(const kx_audit_data *d, kf_err *err);
int kx_method_index(const char *method);

#endif
