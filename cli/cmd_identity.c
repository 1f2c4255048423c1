/*
 * kifu identity set | show: the fund's identity as signed data — the issuer
 * of its certificates, their tax note and the public verification page
 * (docs/ENTRIES.md "Fund identity").
 */
#include "cli.h"
#include "kifu/fund.h"

#include <stdio.h>
#include <string.h>

/* The options, in the order `show` prints them. */
static const struct {
    const char *opt, *key, *label;
} id_opts[] = {
    {"issuer-name", "issuer_name", "issuer name"},
    {"issuer-title", "issuer_title", "title"},
    {"address", "address", "address"},
    {"phone", "phone", "telephone"},
    {"fund-name", "fund_name", "fund name"},
    {"tax-note", "tax_note", "tax note"},
    {"url", "url", "verification page"},
};
#define NOPTS (sizeof id_opts / sizeof id_opts[0])

typedef struct {
    kf_identity id;
    const char *given[NOPTS];
    int64_t seq;
} set_arg;

static kf_code do_set(kf_txn *t, void *arg, kf_err *err)
{
    set_arg *a = arg;
    kf_code rc = kf_identity_at(kf_txn_ledger(t), 0, &a->id, err);
    if (rc) return rc;
    /* options not given keep the values in force */
    for (size_t i = 0; i < NOPTS; i++) {
        if (!a->given[i]) continue;
        if ((rc = kf_identity_put(&a->id, id_opts[i].key, a->given[i], err))) return rc;
    }
    return kf_identity_set(t, &a->id, &a->seq, err);
}

int cmd_identity_set(kf_cli *cli, int argc, char **argv)
{
    set_arg a;
    const char *pos[1];
    kf_opt opts[NOPTS + 1];
    int npos;
    memset(&a, 0, sizeof a);
    for (size_t i = 0; i < NOPTS; i++)
        opts[i] = (kf_opt){id_opts[i].opt, OPT_VALUE, &a.given[i]};
    opts[NOPTS] = (kf_opt){NULL, 0, NULL};
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    int code = cli_write(cli, do_set, &a);
    return code ? code : cli_print_recorded(cli, a.seq, "fund.identity", "fund identity recorded");
}

int cmd_identity_show(kf_cli *cli, int argc, char **argv)
{
    const char *pos[1];
    const kf_opt opts[] = {{NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_identity id;
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (cli_open(cli, &l, &err) || kf_identity_at(l, 0, &id, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    if (!id.seq)
        return cli_errorf(KF_REFUSED, "no fund identity is recorded (an admin records it with "
                                      "kifu identity set)");
    kf_buf b = {0};
    if (cli->json) {
        kf_buf_printf(&b, "{\"seq\":%lld", (long long)id.seq);
        for (size_t i = 0; i < NOPTS; i++) {
            kf_buf_printf(&b, ",\"%s\":", id_opts[i].key);
            kf_buf_json_str(&b, kf_identity_field(&id, id_opts[i].key));
        }
        kf_buf_puts(&b, "}");
        int code = cli_print_json(&b);
        kf_buf_free(&b);
        return code;
    }
    kf_buf_printf(&b, "fund identity (seq %lld)\n", (long long)id.seq);
    for (size_t i = 0; i < NOPTS; i++)
        kf_buf_printf(&b, "%-18s %s\n", id_opts[i].label, kf_identity_field(&id, id_opts[i].key));
    int code = cli_print_text(&b);
    kf_buf_free(&b);
    return code;
}
