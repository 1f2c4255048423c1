/*
 * The auditor's workbook: the one pass over the entries that gathers what
 * its sheets show (audit_internal.h). Pool figures come from the signed
 * pool_fy (kf_pools_figures); the pass splits each pool's in and out by what
 * moved them, and kx_audit_recon_check proves the split adds up to the
 * signed figures before a cell is written.
 */
#include "audit_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kx_method_index(const char *method)
{
    static const char *const m[] = {"cash", "transfer", "card", "slip"};
    for (int i = 0; i < 4; i++)
        if (method && !strcmp(method, m[i])) return i;
    return KX_M_OTHER;
}

static int recon_cmp(const void *a, const void *b)
{
    return strcmp(((const kx_recon *)a)->pool, ((const kx_recon *)b)->pool);
}

kx_recon *kx_audit_recon(kx_audit_data *d, const char *pool)
{
    kx_recon key;
    snprintf(key.pool, sizeof key.pool, "%s", pool);
    return d->nrecon ? bsearch(&key, d->recon, d->nrecon, sizeof *d->recon, recon_cmp) : NULL;
}

static bool add(kx_audit_data *d, kf_yen *sum, kf_yen v)
{
    if (kf_add(*sum, v, sum)) return true;
    d->rc = kf_fail(d->err, KF_SYSTEM, "a total of the audit workbook overflows");
    return false;
}

/* The pool's row; a pool the signed figures do not know is an error (the
 * entries and the figures disagree). */
static kx_recon *recon_of(kx_audit_data *d, const char *pool, int64_t seq)
{
    kx_recon *r = pool ? kx_audit_recon(d, pool) : NULL;
    if (!r)
        d->rc = kf_fail(d->err, KF_SYSTEM,
                        "seq %lld moves pool %s, which the FY's signed figures do not have",
                        (long long)seq, pool ? pool : "(none)");
    return r;
}

static int32_t date_key(const char *date)
{
    int y, m, dd;
    return date && kf_parse_date(date, &y, &m, &dd) ? y * 10000 + m * 100 + dd : 0;
}

static void donation(kx_audit_data *d, const kf_row *row)
{
    const kf_entry *e = row->entry;
    int64_t amount = 0, fee = 0, credit = 0, general = 0;
    kf_entry_int(e, "amount", &amount);
    kf_entry_int(e, "fee", &fee);
    kf_entry_int(e, "credit", &credit);
    kf_entry_int(e, "credit_general", &general);
    const char *date = kf_entry_str(e, "date"), *source = kf_entry_str(e, "source");
    if (d->ndkeys == d->dcap) {
        size_t cap = d->dcap ? d->dcap * 2 : 1024;
        kx_dkey *v = realloc(d->dkeys, cap * sizeof *v);
        if (!v) {
            d->rc = kf_fail(d->err, KF_SYSTEM, "out of memory");
            return;
        }
        d->dkeys = v;
        d->dcap = cap;
    }
    d->dkeys[d->ndkeys++] = (kx_dkey){date_key(date), row->seq};
    int64_t by = kx_voided_by(&d->voids, row->seq);
    const kf_yen v[4] = {amount, fee, credit, general};
    for (int i = 0; i < 4; i++)
        if (!add(d, &d->total[i], v[i]) || (by && !add(d, &d->voided[i], v[i]))) return;
    if (by && (!add(d, &d->total[4], amount) || !add(d, &d->voided[4], amount))) return;
    d->res->donations++;
    const char *method = !strcmp(e->kind, "box.collect") ? "cash" : kf_entry_str(e, "method");
    kx_method_sum *m = &d->methods[kx_method_index(method)];
    m->gifts++;
    if (!add(d, &m->gross, amount) || !add(d, &m->fee, fee)) return;
    kx_recon *p = recon_of(d, kf_entry_str(e, "credit_pool"), row->seq);
    if (!p) return;
    p->gifts++;
    if (!add(d, &p->gross, credit) || !add(d, &p->gross, fee) || !add(d, &p->fee, fee)) return;
    if (general) {
        kx_recon *g = recon_of(d, "general", row->seq);
        if (!g || !add(d, &g->gross, general)) return;
    }
    if (by) {
        d->res->voided++;
        return;
    }
    if (!add(d, &d->res->donated, amount)) return;
    int y, mo, dd;
    if (date && kf_parse_date(date, &y, &mo, &dd)) {
        int i = (mo - d->rules->fy_start_month + 12) % 12;
        add(d, &d->months[i][kx_source_kind(source ? source : "")], amount);
    }
}

static void void_entry(kx_audit_data *d, const kf_row *row)
{
    const kf_entry *e = row->entry;
    int64_t credit = 0, general = 0, voided = 0;
    kf_entry_int(e, "credit", &credit);
    kf_entry_int(e, "credit_general", &general);
    kf_entry_int(e, "void", &voided);
    kx_recon *p = recon_of(d, kf_entry_str(e, "credit_pool"), row->seq);
    if (!p) return;
    p->voids++;
    if (!add(d, &p->voided, credit)) return;
    if (general) {
        kx_recon *g = recon_of(d, "general", row->seq);
        if (!g || !add(d, &g->voided, general)) return;
    }
    /* The method is the voided gift's. */
    kf_entry *gift = NULL;
    kf_err e2 = {0};
    const char *method = NULL;
    if (kf_ledger_entry(d->l, voided, &gift, &e2) == KF_OK)
        method = !strcmp(gift->kind, "box.collect") ? "cash" : kf_entry_str(gift, "method");
    kx_method_sum *m = &d->methods[kx_method_index(method)];
    m->voids++;
    kf_yen net = 0;
    kf_add(credit, general, &net);
    add(d, &m->voided, net);
    kf_entry_free(gift);
}

/* qsort has no context argument: the rows being sorted, for byid_cmp. */
static const kx_audit_data *byid_data;
static int byid_cmp(const void *a, const void *b)
{
    return strcmp(byid_data->grows[*(const size_t *)a].id, byid_data->grows[*(const size_t *)b].id);
}

static kx_grant_extra *grant_of(kx_audit_data *d, const char *app)
{
    if (!app || !d->ngrows) return NULL;
    size_t lo = 0, hi = d->ngrows;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(d->grows[d->byid[mid]].id, app);
        if (!c) return &d->gx[d->byid[mid]];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void grant_entry(kx_audit_data *d, const kf_row *row, int64_t fy, bool in_fy)
{
    const kf_entry *e = row->entry;
    const char *kind = e->kind, *date = kf_entry_str(e, "date");
    int64_t amount = 0;
    kf_entry_int(e, "amount", &amount);
    if (in_fy && (!strcmp(kind, "grant.pay") || !strcmp(kind, "grant.refund"))) {
        kx_recon *p = recon_of(d, kf_entry_str(e, "pool"), row->seq);
        if (!p) return;
        if (!strcmp(kind, "grant.pay")) {
            p->npaid++;
            add(d, &p->paid, amount);
        } else {
            add(d, &p->refunds, amount);
        }
    }
    (void)fy;
    kx_grant_extra *g =
        grant_of(d, !strcmp(kind, "grant.apply") ? kf_entry_str(e, "id") : kf_entry_str(e, "app"));
    if (!g) return;
    char when[64];
    if (!strcmp(kind, "grant.apply")) {
        snprintf(g->applied, sizeof g->applied, "%s", date ? date : "");
    } else if (!strcmp(kind, "grant.review")) {
        int64_t score = 0;
        kf_entry_int(e, "score", &score);
        size_t len = strlen(g->scores);
        snprintf(g->scores + len, sizeof g->scores - len, "%s%lld", len ? ", " : "",
                 (long long)score);
        g->nscores++;
        g->score_sum += score;
    } else if (!strcmp(kind, "grant.decide")) {
        const char *rate = kf_entry_str(e, "rate"), *reason = kf_entry_str(e, "reason");
        snprintf(g->decided, sizeof g->decided, "%s", date ? date : "");
        g->has_ceiling = kf_entry_int(e, "ceiling", &g->ceiling);
        kf_entry_int(e, "round_down", &g->round_down);
        snprintf(g->rate, sizeof g->rate, "%s", rate ? rate : "");
        snprintf(g->reason, sizeof g->reason, "%s", reason ? reason : "");
    } else if (!strcmp(kind, "grant.pay")) {
        char yen[32];
        kx_date_text(kx_names_lang(d->names), date ? date : "", when, sizeof when);
        kx_yen_text(kx_names_lang(d->names), amount, yen, sizeof yen);
        kf_buf_printf(&g->pays, "%s%s %s", g->npays ? "\n" : "", when, yen);
        g->npays++;
    } else if (!strcmp(kind, "grant.settle")) {
        snprintf(g->settled, sizeof g->settled, "%s", date ? date : "");
    } else if (!strcmp(kind, "grant.refund")) {
        snprintf(g->refunded, sizeof g->refunded, "%s", date ? date : "");
    }
}

static void cosign_entry(kx_audit_data *d, const kf_row *row)
{
    const kf_entry *e = row->entry;
    if (d->ncosigns == d->cocap) {
        size_t cap = d->cocap ? d->cocap * 2 : 8;
        kx_cosign *v = realloc(d->cosigns, cap * sizeof *v);
        if (!v) {
            d->rc = kf_fail(d->err, KF_SYSTEM, "out of memory");
            return;
        }
        d->cosigns = v;
        d->cocap = cap;
    }
    kx_cosign *c = &d->cosigns[d->ncosigns++];
    memset(c, 0, sizeof *c);
    c->seq = row->seq;
    kf_entry_int(e, "size", &c->size);
    c->auditor = row->actor;
    snprintf(c->time, sizeof c->time, "%s", row->time);
    const char *root = kf_entry_str(e, "root");
    snprintf(c->root, sizeof c->root, "%s", root ? root : "");
}

/* Past the size read at the start: entries appended since are not in it. */
#define PAST_SIZE 1000

static int gather(void *ctx, const kf_row *row)
{
    kx_audit_data *d = ctx;
    const kf_entry *e = row->entry;
    const char *kind = e->kind;
    if (row->seq > d->size) return PAST_SIZE;
    int64_t fy = 0;
    bool has_fy = kf_entry_int(e, "fy", &fy);
    if (has_fy && fy > 0 && (!d->first_fy || fy < d->first_fy)) d->first_fy = (int)fy;
    bool in_fy = has_fy && fy == d->o->fy;
    if (!strcmp(kind, "donation") || !strcmp(kind, "box.collect")) {
        if (in_fy) donation(d, row);
    } else if (!strcmp(kind, "donation.void")) {
        if (in_fy) void_entry(d, row);
    } else if (!strncmp(kind, "grant.", 6)) {
        grant_entry(d, row, fy, in_fy);
    } else if (!strcmp(kind, "group.deregister")) {
        if (in_fy) {
            const char *id = kf_entry_str(e, "id"), *to = kf_entry_str(e, "to");
            char pool[KF_POOL_MAX];
            int64_t moved = 0;
            kf_entry_int(e, "moved", &moved);
            snprintf(pool, sizeof pool, "group:%s", id ? id : "");
            kx_recon *from = moved ? recon_of(d, pool, row->seq) : NULL;
            kx_recon *dest = moved && from ? recon_of(d, to, row->seq) : NULL;
            if (dest) {
                add(d, &from->xfer_out, moved);
                add(d, &dest->xfer_in, moved);
            }
        }
    } else if (!strcmp(kind, "fund.interest")) {
        if (in_fy) {
            int64_t amount = 0;
            kf_entry_int(e, "amount", &amount);
            kx_recon *p = recon_of(d, kf_entry_str(e, "pool"), row->seq);
            if (p) add(d, &p->interest, amount);
        }
    } else if (!strcmp(kind, "checkpoint.cosign")) {
        cosign_entry(d, row);
    }
    if (d->o->on_progress && row->seq % 8192 == 0)
        d->o->on_progress(d->o->ctx, row->seq / 2, d->size);
    return d->rc;
}

static int dkey_cmp(const void *a, const void *b)
{
    const kx_dkey *x = a, *y = b;
    if (x->date != y->date) return x->date < y->date ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

kf_code kx_audit_gather(kx_audit_data *d, kf_err *err)
{
    kf_pool_figures *rows = NULL;
    size_t n = 0;
    kf_code rc;
    d->err = err;
    if ((rc = kf_pools_figures(d->l, d->o->fy, &rows, &n, &d->fig_total, err))) return rc;
    d->recon = calloc(n ? n : 1, sizeof *d->recon);
    if (!d->recon) {
        free(rows);
        return kf_fail(err, KF_SYSTEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(d->recon[i].pool, sizeof d->recon[i].pool, "%s", rows[i].pool);
        d->recon[i].fig = rows[i];
    }
    d->nrecon = n;
    free(rows);
    if (d->nrecon) qsort(d->recon, d->nrecon, sizeof *d->recon, recon_cmp);

    if ((rc = kx_voids_load(d->l, d->size, &d->voids, err)) ||
        (rc = kf_grant_rows(d->l, d->o->fy, &d->grows, &d->ngrows, err)))
        return rc;
    d->gx = calloc(d->ngrows ? d->ngrows : 1, sizeof *d->gx);
    d->byid = calloc(d->ngrows ? d->ngrows : 1, sizeof *d->byid);
    if (!d->gx || !d->byid) return kf_fail(err, KF_SYSTEM, "out of memory");
    for (size_t i = 0; i < d->ngrows; i++)
        d->byid[i] = i;
    byid_data = d;
    if (d->ngrows) qsort(d->byid, d->ngrows, sizeof *d->byid, byid_cmp);

    rc = kf_ledger_scan(d->l, 1, NULL, gather, d, err);
    if (rc == PAST_SIZE) rc = KF_OK;
    if (!rc) rc = d->rc;
    if (rc) return rc;
    for (size_t i = 0; i < d->ngrows; i++)
        if (!kf_buf_put(&d->gx[i].pays, "", 1)) return kf_fail(err, KF_SYSTEM, "out of memory");
    if (d->ndkeys) qsort(d->dkeys, d->ndkeys, sizeof *d->dkeys, dkey_cmp);
    return kx_audit_recon_check(d, err);
}

kf_code kx_audit_recon_check(const kx_audit_data *d, kf_err *err)
{
    /* Also every sum the sheets show (each pool's and the totals', with
     * opening and closing) is computed here with overflow checks once, so
     * that the writers' plain arithmetic on the same figures cannot
     * overflow. */
    kf_yen t[8] = {0};
    for (size_t i = 0; i < d->nrecon; i++) {
        const kx_recon *r = &d->recon[i];
        kf_yen in = 0, out = 0, closing = 0, gross_in = 0;
        bool ok = kf_sub(r->gross, r->fee, &in) && kf_sub(in, r->voided, &gross_in) &&
                  kf_add(in, r->refunds, &in) && kf_add(in, r->interest, &in) &&
                  kf_add(in, r->xfer_in, &in) && kf_add(r->voided, r->paid, &out) &&
                  kf_add(out, r->xfer_out, &out) && kf_add(r->fig.opening, in, &closing) &&
                  kf_sub(closing, out, &closing);
        const kf_yen v[8] = {r->fig.opening, r->gross, r->fee,  r->voided,
                             r->refunds,     r->paid,  closing, r->fig.committed};
        for (int k = 0; k < 8 && ok; k++)
            ok = kf_add(t[k], v[k], &t[k]);
        if (!ok)
            return kf_fail(err, KF_SYSTEM, "a figure of pool %s in the audit workbook overflows",
                           r->pool);
        if (in != r->fig.in || out != r->fig.out)
            return kf_fail(err, KF_SYSTEM,
                           "the workbook's reconciliation of pool %s gives in %lld, out %lld, but "
                           "its signed figures for FY %d say in %lld, out %lld",
                           r->pool, (long long)in, (long long)out, d->o->fy, (long long)r->fig.in,
                           (long long)r->fig.out);
    }
    return KF_OK;
}

void kx_audit_data_free(kx_audit_data *d)
{
    free(d->dkeys);
    free(d->recon);
    for (size_t i = 0; i < d->ngrows && d->gx; i++)
        kf_buf_free(&d->gx[i].pays);
    free(d->gx);
    free(d->byid);
    free(d->grows);
    free(d->cosigns);
    kx_voids_free(&d->voids);
}
