/*
 * kifu grant apply | review | allocate | decide | pay | settle | refund |
 * list | show.
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
    if (!code) code = print_seq(cli, a.app->seq, a.app->id, "recorded");
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

/* "status, group_type": an evaluation's reasons, comma-separated. */
static void reasons_text(const kf_eval *ev, char *out, size_t outsz)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < ev->nreasons && len < outsz; i++)
        len += (size_t)snprintf(out + len, outsz - len, "%s%s", i ? ", " : "", ev->reasons[i]);
}

/* ["status","group_type"] */
static void reasons_json(kf_buf *b, const kf_eval *ev)
{
    kf_buf_puts(b, "[");
    for (int k = 0; k < ev->nreasons; k++)
        kf_buf_printf(b, "%s\"%s\"", k ? "," : "", ev->reasons[k]);
    kf_buf_puts(b, "]");
}

/* A mean score in JSON, deterministically: shortest of %.6g, no exponent for
 * 1..5; null without reviews. */
static void score_json(kf_buf *b, int64_t reviews, double mean)
{
    if (reviews)
        kf_buf_printf(b, "%.6g", mean);
    else
        kf_buf_puts(b, "null");
}

static void allocation_json(kf_buf *b, const char *menu, const char *round,
                            const kf_grant_proposal *p, size_t n)
{
    kf_buf_puts(b, "{\"menu\":");
    kf_buf_json_str(b, menu);
    kf_buf_puts(b, ",\"round\":");
    kf_buf_json_str(b, round);
    kf_buf_puts(b, ",\"applications\":[");
    for (size_t i = 0; i < n; i++) {
        const kf_grant_proposal *q = &p[i];
        kf_buf_printf(b, "%s{\"id\":\"%s\",\"group\":", i ? "," : "", q->id);
        kf_buf_json_str(b, q->group);
        kf_buf_printf(b, ",\"eligible\":%s,\"reasons\":", q->ev.eligible ? "true" : "false");
        reasons_json(b, &q->ev);
        kf_buf_printf(b, ",\"eligible_cost\":%lld,\"ceiling\":%lld,\"score\":",
                      (long long)q->ev.c.eligible_cost, (long long)q->ev.c.ceiling);
        score_json(b, q->reviews, q->mean);
        kf_buf_printf(b,
                      ",\"reviews\":%lld,\"status\":\"%s\",\"award\":%lld,"
                      "\"partial\":%s,\"pool\":",
                      (long long)q->reviews, q->status, (long long)q->award,
                      q->partial ? "true" : "false");
        kf_buf_json_str(b, q->pool);
        kf_buf_puts(b, "}");
    }
    kf_buf_puts(b, "]}");
}

static void allocation_text(kf_buf *b, const kf_grant_proposal *p, size_t n)
{
    kf_buf_printf(b, "%-12s %-8s %-16s %12s %12s %6s %8s %12s  %s\n", "application", "group",
                  "status", "eligible", "ceiling", "score", "reviews", "award", "pool");
    for (size_t i = 0; i < n; i++) {
        const kf_grant_proposal *q = &p[i];
        char score[32] = "-", why[256];
        if (q->reviews) snprintf(score, sizeof score, "%.2f", q->mean);
        reasons_text(&q->ev, why, sizeof why);
        kf_buf_printf(b, "%-12s %-8s %-16s %12lld %12lld %6s %8lld %12lld  %s%s%s%s\n", q->id,
                      q->group, q->status, (long long)q->ev.c.eligible_cost,
                      (long long)q->ev.c.ceiling, score, (long long)q->reviews, (long long)q->award,
                      q->pool, q->partial ? " (partial)" : "", *why ? "  reasons: " : "", why);
    }
}

int cmd_grant_allocate(kf_cli *cli, int argc, char **argv)
{
    const char *menu = NULL, *round = NULL, *pos[1];
    const kf_opt opts[] = {
        {"menu", OPT_VALUE, &menu}, {"round", OPT_VALUE, &round}, {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_grant_proposal *p = NULL;
    size_t n = 0;
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (!menu || !round)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu grant allocate --menu M --round R [--json]");
    if (cli_open(cli, &l, &err) || kf_grant_allocate(l, menu, round, &p, &n, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    kf_buf b = {0};
    if (cli->json)
        allocation_json(&b, menu, round, p, n);
    else
        allocation_text(&b, p, n);
    free(p);
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

static void row_json(kf_buf *b, const kf_grant_row *r)
{
    kf_buf_printf(b, "{\"id\":\"%s\",\"seq\":%lld,\"menu\":", r->id, (long long)r->seq);
    kf_buf_json_str(b, r->menu);
    kf_buf_puts(b, ",\"round\":");
    kf_buf_json_str(b, r->round);
    kf_buf_puts(b, ",\"group\":");
    kf_buf_json_str(b, r->group);
    kf_buf_printf(b,
                  ",\"fy\":%lld,\"status\":\"%s\",\"approved\":%lld,\"paid\":%lld,"
                  "\"settled\":%s,\"final\":%lld,\"refund_due\":%lld,\"refunded\":%lld,"
                  "\"committed\":%lld,\"pool\":",
                  (long long)r->fy, r->status, (long long)r->approved, (long long)r->paid,
                  r->settled ? "true" : "false", (long long)r->final, (long long)r->refund_due,
                  (long long)r->refunded, (long long)r->committed);
    kf_buf_json_str(b, r->pool);
    kf_buf_puts(b, "}");
}

int cmd_grant_list(kf_cli *cli, int argc, char **argv)
{
    const char *fy_s = NULL, *pos[1];
    const kf_opt opts[] = {{"fy", OPT_VALUE, &fy_s}, {NULL, 0, NULL}};
    int npos, fy = -1;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_grant_row *rows = NULL;
    size_t n = 0;
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (cli_open(cli, &l, &err) || (fy_s && !cli_fy(l, fy_s, &fy, &err)) ||
        kf_grant_rows(l, fy, &rows, &n, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    kf_buf b = {0};
    cli_list_begin(cli, &b, "{\"applications\":[");
    for (size_t i = 0; i < n; i++) {
        const kf_grant_row *r = &rows[i];
        cli_list_item(cli, &b, i);
        if (cli->json)
            row_json(&b, r);
        else
            kf_buf_printf(&b, "%-12s %-10s %-12s %-8s %-9s approved %-10lld paid %-10lld%s %s\n",
                          r->id, r->menu, r->round, r->group, r->status, (long long)r->approved,
                          (long long)r->paid, r->settled ? " settled" : "", r->pool);
    }
    free(rows);
    return cli_list_end(cli, &b);
}

static void detail_json(kf_buf *b, const kf_grant_detail *d)
{
    const kf_grant_row *r = &d->row;
    const kf_ceiling *c = &d->ev.c;
    kf_buf_printf(b, "{\"id\":\"%s\",\"seq\":%lld,\"menu\":", r->id, (long long)r->seq);
    kf_buf_json_str(b, r->menu);
    kf_buf_puts(b, ",\"round\":");
    kf_buf_json_str(b, r->round);
    kf_buf_puts(b, ",\"group\":");
    kf_buf_json_str(b, r->group);
    kf_buf_puts(b, ",\"title\":");
    kf_buf_json_str(b, r->title);
    kf_buf_printf(b, ",\"status\":\"%s\",\"eligible\":%s,\"reasons\":", r->status,
                  d->ev.eligible ? "true" : "false");
    reasons_json(b, &d->ev);
    kf_buf_printf(b,
                  ",\"requested\":%lld,\"income\":%lld,\"budget_total\":%lld,"
                  "\"eligible_lines\":%lld,\"eligible_cost\":%lld,\"tier\":%d,"
                  "\"rate\":\"%lld/%lld\",\"cap\":%lld,\"by_rate\":%lld,\"capped\":%lld,"
                  "\"round_down\":%lld,\"ceiling\":%lld,\"reviews\":%lld,\"score\":",
                  (long long)r->requested, (long long)d->income, (long long)c->budget_total,
                  (long long)c->eligible_lines, (long long)c->eligible_cost, c->tier,
                  (long long)c->rate.num, (long long)c->rate.den, (long long)c->cap,
                  (long long)c->by_rate, (long long)c->capped, (long long)d->round_down,
                  (long long)c->ceiling, (long long)d->reviews);
    score_json(b, d->reviews, d->mean);
    /* The pool fixed at approval, else the one an award would come from. */
    bool approved = strcmp(r->status, "approved") == 0 || strcmp(r->status, "settled") == 0;
    kf_buf_printf(b,
                  ",\"pool\":\"%s\",\"approved\":%lld,\"paid\":%lld,\"settled\":%s,"
                  "\"final\":%lld,\"refunded\":%lld,\"committed\":%lld}",
                  approved ? r->pool : d->pool, (long long)r->approved, (long long)r->paid,
                  r->settled ? "true" : "false", (long long)r->final, (long long)r->refunded,
                  (long long)r->committed);
}

static void detail_text(kf_buf *b, const kf_grant_detail *d)
{
    const kf_grant_row *r = &d->row;
    const kf_ceiling *c = &d->ev.c;
    char why[256];
    reasons_text(&d->ev, why, sizeof why);
    kf_buf_printf(b, "%s  %s  (seq %lld)\nmenu %s (%s), round %s, group %s\n", r->id, r->title,
                  (long long)r->seq, r->menu, d->menu_name, r->round, r->group);
    kf_buf_printf(b, "status %s; %s%s\n", r->status,
                  d->ev.eligible ? "eligible" : "NOT eligible: ", why);
    kf_buf_puts(b, "ceiling, step by step:\n");
    kf_buf_printf(b, "  budget lines                 %12lld\n", (long long)c->budget_total);
    kf_buf_printf(b, "  lines the menu pays for      %12lld\n", (long long)c->eligible_lines);
    kf_buf_printf(b, "  minus expected income        %12lld\n", (long long)d->income);
    kf_buf_printf(b, "  eligible cost                %12lld\n", (long long)c->eligible_cost);
    if (c->tier >= 0)
        kf_buf_printf(b, "  tier (cost >= %lld)          rate %lld/%lld, cap %lld\n",
                      (long long)d->tier_min_cost, (long long)c->rate.num, (long long)c->rate.den,
                      (long long)c->cap);
    else
        kf_buf_printf(b, "  base rate and cap            rate %lld/%lld, cap %s%lld\n",
                      (long long)c->rate.num, (long long)c->rate.den, c->cap ? "" : "none ",
                      (long long)c->cap);
    kf_buf_printf(b, "  eligible cost x rate         %12lld\n", (long long)c->by_rate);
    kf_buf_printf(b, "  min(requested %lld, that, cap) %10lld\n", (long long)r->requested,
                  (long long)c->capped);
    kf_buf_printf(b, "  rounded down to %-6lld       %12lld  = ceiling\n", (long long)d->round_down,
                  (long long)c->ceiling);
    if (d->reviews)
        kf_buf_printf(b, "reviews %lld, mean score %.2f\n", (long long)d->reviews, d->mean);
    kf_buf_printf(b, "pool %s; approved %lld, paid %lld%s", d->pool, (long long)r->approved,
                  (long long)r->paid, r->settled ? ", settled" : "");
    if (r->settled)
        kf_buf_printf(b, " final %lld, refunded %lld", (long long)r->final, (long long)r->refunded);
    kf_buf_puts(b, "\n");
}

int cmd_grant_show(kf_cli *cli, int argc, char **argv)
{
    const char *pos[1];
    const kf_opt opts[] = {{NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1) return cli_errorf(KF_BAD_INPUT, "usage: kifu grant show APP [--json]");
    kf_grant_detail *d = malloc(sizeof *d);
    if (!d) return cli_errorf(KF_SYSTEM, "out of memory");
    if (cli_open(cli, &l, &err) || kf_grant_show(l, pos[0], d, &err)) {
        kf_ledger_close(l);
        free(d);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    kf_buf b = {0};
    if (cli->json)
        detail_json(&b, d);
    else
        detail_text(&b, d);
    free(d);
    return cli_print_out(cli, &b);
}
