/*
 * kifu grant apply | review | allocate | decide | pay | settle | refund |
 * list | show (SPEC §6.3-6.4).
 */
#include "cli.h"
#include "kifu/grants.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    kf_application *app;
    const char *id, *note, *reason;
    int64_t score, seq;
    kf_yen amount, spent, income;
    bool approve;
    char date[11];
    kf_grant_settlement settlement;
} grant_arg;

static int print_seq(const kf_cli *cli, int64_t seq, const char *id, const char *what)
{
    char text[256];
    snprintf(text, sizeof text, "%s %s", id, what);
    return cli_print_recorded(cli, seq, id, text);
}

static kf_code do_apply(kf_txn *t, void *arg, kf_err *err)
{
    grant_arg *a = arg;
    return kf_grant_apply(t, a->app, err);
}

int cmd_grant_apply(kf_cli *cli, int argc, char **argv)
{
    const char *date = NULL, *pos[1];
    const kf_opt opts[] = {{"date", OPT_VALUE, &date}, {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_buf text = {0};
    grant_arg a = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1) return cli_errorf(KF_BAD_INPUT, "usage: kifu grant apply FILE.ini [--date D]");
    if (!(a.app = calloc(1, sizeof *a.app))) return cli_errorf(KF_SYSTEM, "out of memory");
    if (cli_read_file(pos[0], &text, 1 << 20, &err) ||
        kf_application_parse(text.data, text.len, pos[0], a.app, &err) ||
        !cli_date("--date", date, a.app->date, &err)) {
        kf_buf_free(&text);
        free(a.app);
        return cli_error(&err);
    }
    kf_buf_free(&text);
    int code = cli_write(cli, do_apply, &a);
    if (!code) print_seq(cli, a.app->seq, a.app->id, "recorded");
    free(a.app);
    return code;
}

static kf_code do_review(kf_txn *t, void *arg, kf_err *err)
{
    grant_arg *a = arg;
    return kf_grant_review(t, a->id, a->score, a->note, &a->seq, err);
}

int cmd_grant_review(kf_cli *cli, int argc, char **argv)
{
    const char *score = NULL, *pos[1];
    grant_arg a = {0};
    const kf_opt opts[] = {
        {"score", OPT_VALUE, &score}, {"note", OPT_VALUE, &a.note}, {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !score)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu grant review APP --score 1..5 [--note TEXT]");
    if (!cli_int("--score", score, 1, &a.score, &err)) return cli_error(&err);
    if (a.score > 5) return cli_errorf(KF_BAD_INPUT, "--score must be 1 to 5, not %s", score);
    a.id = pos[0];
    int code = cli_write(cli, do_review, &a);
    return code ? code : print_seq(cli, a.seq, a.id, "reviewed");
}

int cmd_grant_allocate(kf_cli *cli, int argc, char **argv)
{
    const char *menu = NULL, *round = NULL, *pos[1];
    const kf_opt opts[] = {
        {"menu", OPT_VALUE, &menu}, {"round", OPT_VALUE, &round}, {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_buf b = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (!menu || !round)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu grant allocate --menu M --round R [--json]");
    if (cli_open(cli, &l, &err) || kf_grant_allocate(l, menu, round, cli->json, &b, &err)) {
        kf_ledger_close(l);
        kf_buf_free(&b);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    return cli_print_out(cli, &b);
}

static kf_code do_decide(kf_txn *t, void *arg, kf_err *err)
{
    grant_arg *a = arg;
    return kf_grant_decide(t, a->id, a->approve, a->amount, a->reason, a->date, &a->seq, err);
}

int cmd_grant_decide(kf_cli *cli, int argc, char **argv)
{
    const char *approve = NULL, *date = NULL, *pos[1];
    bool reject = false;
    grant_arg a = {0};
    const kf_opt opts[] = {{"approve", OPT_VALUE, &approve},
                           {"reject", OPT_FLAG, &reject},
                           {"reason", OPT_VALUE, &a.reason},
                           {"date", OPT_VALUE, &date},
                           {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || (approve != NULL) == reject)
        return cli_errorf(KF_BAD_INPUT,
                          "usage: kifu grant decide APP --approve YEN | --reject --reason TEXT");
    if ((approve && !cli_yen("--approve", approve, 1, &a.amount, &err)) ||
        !cli_date("--date", date, a.date, &err))
        return cli_error(&err);
    a.id = pos[0];
    a.approve = approve != NULL;
    int code = cli_write(cli, do_decide, &a);
    return code ? code : print_seq(cli, a.seq, a.id, a.approve ? "approved" : "rejected");
}

static kf_code do_pay(kf_txn *t, void *arg, kf_err *err)
{
    grant_arg *a = arg;
    return kf_grant_pay(t, a->id, a->amount, a->date, &a->seq, err);
}

static kf_code do_refund(kf_txn *t, void *arg, kf_err *err)
{
    grant_arg *a = arg;
    return kf_grant_refund(t, a->id, a->amount, a->date, &a->seq, err);
}

static int amount_command(kf_cli *cli, int argc, char **argv, cli_write_fn fn, const char *what)
{
    const char *amount = NULL, *date = NULL, *pos[1];
    grant_arg a = {0};
    const kf_opt opts[] = {
        {"amount", OPT_VALUE, &amount}, {"date", OPT_VALUE, &date}, {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !amount)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu %s APP --amount YEN --date D", cli->cmd);
    if (!cli_yen("--amount", amount, 1, &a.amount, &err) || !cli_date("--date", date, a.date, &err))
        return cli_error(&err);
    a.id = pos[0];
    int code = cli_write(cli, fn, &a);
    return code ? code : print_seq(cli, a.seq, a.id, what);
}

int cmd_grant_pay(kf_cli *cli, int argc, char **argv)
{
    return amount_command(cli, argc, argv, do_pay, "payment recorded");
}

int cmd_grant_refund(kf_cli *cli, int argc, char **argv)
{
    return amount_command(cli, argc, argv, do_refund, "refund recorded");
}

static kf_code do_settle(kf_txn *t, void *arg, kf_err *err)
{
    grant_arg *a = arg;
    return kf_grant_settle(t, a->id, a->spent, a->income, a->date, &a->seq, &a->settlement, err);
}

int cmd_grant_settle(kf_cli *cli, int argc, char **argv)
{
    const char *spent = NULL, *income = NULL, *date = NULL, *pos[1];
    grant_arg a = {0};
    const kf_opt opts[] = {{"spent", OPT_VALUE, &spent},
                           {"income", OPT_VALUE, &income},
                           {"date", OPT_VALUE, &date},
                           {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !spent)
        return cli_errorf(KF_BAD_INPUT,
                          "usage: kifu grant settle APP --spent YEN [--income YEN] --date D");
    if (!cli_yen("--spent", spent, 0, &a.spent, &err) ||
        (income && !cli_yen("--income", income, 0, &a.income, &err)) ||
        !cli_date("--date", date, a.date, &err))
        return cli_error(&err);
    a.id = pos[0];
    int code = cli_write(cli, do_settle, &a);
    if (code) return code;
    if (cli->json)
        printf("{\"seq\":%lld,\"id\":\"%s\",\"final\":%lld,\"refund_due\":%lld,\"payable\":%lld}\n",
               (long long)a.seq, a.id, (long long)a.settlement.final,
               (long long)a.settlement.refund_due, (long long)a.settlement.payable);
    else
        printf("seq %lld: %s settled: final %lld, refund_due %lld, payable %lld\n",
               (long long)a.seq, a.id, (long long)a.settlement.final,
               (long long)a.settlement.refund_due, (long long)a.settlement.payable);
    return 0;
}

int cmd_grant_list(kf_cli *cli, int argc, char **argv)
{
    const char *fy_s = NULL, *pos[1];
    const kf_opt opts[] = {{"fy", OPT_VALUE, &fy_s}, {NULL, 0, NULL}};
    int npos, fy = -1;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_buf b = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (cli_open(cli, &l, &err) || (fy_s && !cli_fy(l, fy_s, &fy, &err)) ||
        kf_grant_list(l, fy, cli->json, &b, &err)) {
        kf_ledger_close(l);
        kf_buf_free(&b);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    return cli_print_out(cli, &b);
}

int cmd_grant_show(kf_cli *cli, int argc, char **argv)
{
    const char *pos[1];
    const kf_opt opts[] = {{NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_buf b = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1) return cli_errorf(KF_BAD_INPUT, "usage: kifu grant show APP [--json]");
    if (cli_open(cli, &l, &err) || kf_grant_show(l, pos[0], cli->json, &b, &err)) {
        kf_ledger_close(l);
        kf_buf_free(&b);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    return cli_print_out(cli, &b);
}
