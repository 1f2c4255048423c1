/*
 * kifu donate | void | interest | balance | erase donor | reindex.
 */
#include "cli.h"
#include "kifu/donations.h"
#include "kifu/grants.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    kf_donation d;
    int64_t seq;
} donate_arg;

static kf_code do_donate(kf_txn *t, void *arg, kf_err *err)
{
    donate_arg *a = arg;
    return kf_don_donate(t, &a->d, &a->seq, err);
}

int cmd_donate(kf_cli *cli, int argc, char **argv)
{
    const char *amount = NULL, *date = NULL, *source = NULL, *to = NULL, *donor = NULL;
    const char *address = NULL, *ref = NULL, *method = NULL, *fee = NULL, *pos[1];
    const kf_opt opts[] = {{"amount", OPT_VALUE, &amount}, {"date", OPT_VALUE, &date},
                           {"source", OPT_VALUE, &source}, {"to", OPT_VALUE, &to},
                           {"donor", OPT_VALUE, &donor},   {"address", OPT_VALUE, &address},
                           {"ref", OPT_VALUE, &ref},       {"method", OPT_VALUE, &method},
                           {"fee", OPT_VALUE, &fee},       {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    char today[11];
    donate_arg a = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (!date) {
        if (!kf_today(today, &err)) return cli_error(&err);
        date = today;
    }
    if (kf_donation_parse(&a.d, amount, date, source, to, donor, address, ref, method, fee, &err))
        return cli_error(&err);
    int code = cli_write(cli, do_donate, &a);
    if (code) return code;
    if (cli->json)
        printf("{\"seq\":%lld}\n", (long long)a.seq);
    else
        printf("seq %lld: donation of %lld yen recorded\n", (long long)a.seq,
               (long long)a.d.amount);
    return 0;
}

typedef struct {
    int64_t seq, void_seq;
    const char *reason;
    char date[11];
    kf_cert_ref *certs; /* the certificates issued for the gift, now void too */
    size_t ncerts;
} void_arg;

static kf_code do_void(kf_txn *t, void *arg, kf_err *err)
{
    void_arg *a = arg;
    kf_code rc = kf_don_void(t, a->seq, a->reason, a->date, &a->void_seq, err);
    if (!rc) rc = kf_don_certs(kf_txn_ledger(t), a->seq, &a->certs, &a->ncerts, err);
    return rc;
}

int cmd_void(kf_cli *cli, int argc, char **argv)
{
    const char *reason = NULL, *date = NULL, *pos[1];
    const kf_opt opts[] = {
        {"reason", OPT_VALUE, &reason}, {"date", OPT_VALUE, &date}, {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    void_arg a = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1) return cli_errorf(KF_BAD_INPUT, "usage: kifu void SEQ --reason TEXT");
    if (!cli_int("SEQ", pos[0], 1, &a.seq, &err) || !cli_date("--date", date, a.date, &err))
        return cli_error(&err);
    a.reason = reason;
    int code = cli_write(cli, do_void, &a);
    if (code) {
        free(a.certs);
        return code;
    }
    /* A certificate of the gift stops standing for a gift: say which. */
    if (cli->json) {
        printf("{\"seq\":%lld,\"void\":%lld,\"certificates\":[", (long long)a.void_seq,
               (long long)a.seq);
        for (size_t i = 0; i < a.ncerts; i++)
            printf("%s{\"seq\":%lld,\"number\":\"%s\"}", i ? "," : "", (long long)a.certs[i].seq,
                   a.certs[i].number_text);
        printf("]}\n");
    } else {
        printf("seq %lld: voided seq %lld\n", (long long)a.void_seq, (long long)a.seq);
        for (size_t i = 0; i < a.ncerts; i++)
            printf("certificate 第 %s 号 (seq %lld, issued %s) was issued for seq %lld; it no "
                   "longer stands for a gift\n",
                   a.certs[i].number_text, (long long)a.certs[i].seq, a.certs[i].date,
                   (long long)a.seq);
    }
    free(a.certs);
    return 0;
}

typedef struct {
    kf_interest in;
    int64_t seq;
    char pool[KF_POOL_MAX];
    int fy;
} interest_arg;

static kf_code do_interest(kf_txn *t, void *arg, kf_err *err)
{
    interest_arg *a = arg;
    return kf_don_interest(t, &a->in, &a->seq, a->pool, &a->fy, err);
}

int cmd_interest(kf_cli *cli, int argc, char **argv)
{
    const char *amount = NULL, *date = NULL, *ref = NULL, *note = NULL, *pos[1];
    const kf_opt opts[] = {{"amount", OPT_VALUE, &amount},
                           {"date", OPT_VALUE, &date},
                           {"ref", OPT_VALUE, &ref},
                           {"note", OPT_VALUE, &note},
                           {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    char day[11];
    interest_arg a = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (!cli_date("--date", date, day, &err) ||
        kf_interest_parse(&a.in, amount, day, ref, note, &err))
        return cli_error(&err);
    int code = cli_write(cli, do_interest, &a);
    if (code) return code;
    if (cli->json) {
        kf_buf b = {0};
        kf_buf_printf(&b, "{\"seq\":%lld,\"amount\":%lld,\"pool\":", (long long)a.seq,
                      (long long)a.in.amount);
        kf_buf_json_str(&b, a.pool);
        kf_buf_printf(&b, ",\"fy\":%d,\"date\":\"%s\"}", a.fy, a.in.date);
        code = cli_print_json(&b);
        kf_buf_free(&b);
        return code;
    }
    printf("seq %lld: interest of %lld yen recorded to %s (FY %d)\n", (long long)a.seq,
           (long long)a.in.amount, a.pool, a.fy);
    return 0;
}

static void figures_json(kf_buf *b, const kf_pool_figures *f, bool fy, bool with_name)
{
    kf_buf_puts(b, "{");
    if (with_name) {
        kf_buf_puts(b, "\"pool\":");
        kf_buf_json_str(b, f->pool);
        kf_buf_puts(b, ",");
    }
    if (fy) kf_buf_printf(b, "\"opening\":%lld,", (long long)f->opening);
    kf_buf_printf(b,
                  "\"in\":%lld,\"out\":%lld,\"balance\":%lld,\"committed\":%lld,"
                  "\"available\":%lld}",
                  (long long)f->in, (long long)f->out, (long long)f->balance,
                  (long long)f->committed, (long long)f->available);
}

static void figures_text(kf_buf *b, const kf_pool_figures *f, bool fy)
{
    kf_buf_printf(b, "%-24s", f->pool);
    if (fy) kf_buf_printf(b, " %15lld", (long long)f->opening);
    kf_buf_printf(b, " %15lld %15lld %15lld %15lld %15lld\n", (long long)f->in, (long long)f->out,
                  (long long)f->balance, (long long)f->committed, (long long)f->available);
}

int cmd_balance(kf_cli *cli, int argc, char **argv)
{
    const char *fy_s = NULL, *pos[1];
    const kf_opt opts[] = {{"fy", OPT_VALUE, &fy_s}, {NULL, 0, NULL}};
    int npos, fy = -1;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_pool_figures *rows = NULL, total;
    size_t n = 0;
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (cli_open(cli, &l, &err) || (fy_s && !cli_fy(l, fy_s, &fy, &err)) ||
        kf_pools_figures(l, fy, &rows, &n, &total, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    kf_buf b = {0};
    bool by_fy = fy >= 0;
    int code;
    if (cli->json) {
        kf_buf_puts(&b, "{");
        if (by_fy) kf_buf_printf(&b, "\"fy\":%d,", fy);
        kf_buf_puts(&b, "\"pools\":[");
        for (size_t i = 0; i < n; i++) {
            if (i) kf_buf_puts(&b, ",");
            figures_json(&b, &rows[i], by_fy, true);
        }
        kf_buf_puts(&b, "],\"total\":");
        figures_json(&b, &total, by_fy, false);
        kf_buf_puts(&b, "}");
        code = cli_print_json(&b);
    } else {
        if (by_fy) kf_buf_printf(&b, "FY %d\n", fy);
        kf_buf_printf(&b, "%-24s", "pool");
        if (by_fy) kf_buf_printf(&b, " %15s", "opening");
        kf_buf_printf(&b, " %15s %15s %15s %15s %15s\n", "in", "out", "balance", "committed",
                      "available");
        for (size_t i = 0; i < n; i++)
            figures_text(&b, &rows[i], by_fy);
        figures_text(&b, &total, by_fy);
        code = cli_print_text(&b);
    }
    kf_buf_free(&b);
    free(rows);
    return code;
}

typedef struct {
    int64_t seq, erase_seq;
    const char *ref;
} erase_arg;

static kf_code do_erase(kf_txn *t, void *arg, kf_err *err)
{
    erase_arg *a = arg;
    return kf_don_erase(t, a->seq, a->ref, &a->erase_seq, err);
}

int cmd_erase(kf_cli *cli, int argc, char **argv)
{
    const char *seq_s = NULL, *pos[2];
    const kf_opt opts[] = {{"seq", OPT_VALUE, &seq_s}, {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    erase_arg a = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if ((npos == 1) == (seq_s != NULL))
        return cli_errorf(KF_BAD_INPUT, "usage: kifu erase donor REF | kifu erase donor --seq SEQ");
    if (seq_s && !cli_int("--seq", seq_s, 1, &a.seq, &err)) return cli_error(&err);
    a.ref = npos == 1 ? pos[0] : NULL;
    int code = cli_write(cli, do_erase, &a);
    if (code) return code;
    /* Move the deleted personal data out of the WAL into the (securely
     * overwritten) main file, and truncate the WAL. */
    kf_ledger *l;
    if (!kf_ledger_open(cli->db, &l, &err)) {
        kf_ledger_flush_wal(l);
        kf_ledger_close(l);
    }
    if (cli->json)
        printf("{\"seq\":%lld}\n", (long long)a.erase_seq);
    else
        printf("seq %lld: personal data erased\n", (long long)a.erase_seq);
    return 0;
}

int cmd_reindex(kf_cli *cli, int argc, char **argv)
{
    const char *pos[1];
    const kf_opt opts[] = {{NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    kf_ledger_info info;
    if (cli_open(cli, &l, &err) || kf_ledger_reindex(l, &err) ||
        kf_ledger_get_info(l, &info, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    if (cli->json)
        printf("{\"rebuilt\":true,\"entries\":%lld}\n", (long long)info.size);
    else
        printf("derived tables rebuilt from the entries (%lld entr%s)\n", (long long)info.size,
               info.size == 1 ? "y" : "ies");
    return 0;
}
