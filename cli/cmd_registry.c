/*
 * kifu member | partner | box: the registries of money-in sources.
 */
#include "cli.h"
#include "kifu/donations.h"

#include <stdlib.h>
#include <string.h>

/* --- member ------------------------------------------------------------- */

typedef struct {
    int64_t seq; /* the entry recorded */
    const char *id, *name, *tier, *joined;
    kf_yen per_click, cap;
    const char *to, *location, *host;
    const char *address; /* personal data of a member or partner */
} reg_arg;

static kf_code do_member_add(kf_txn *t, void *arg, kf_err *err)
{
    reg_arg *a = arg;
    kf_code rc = kf_don_member_add(t, a->id, a->name, a->tier, a->joined, a->address, err);
    a->seq = kf_txn_size(t);
    return rc;
}

static int print_added(const kf_cli *cli, int64_t seq, const char *what, const char *id)
{
    char text[256];
    snprintf(text, sizeof text, "%s %s added", what, id);
    return cli_print_recorded(cli, seq, id, text);
}

int cmd_member_add(kf_cli *cli, int argc, char **argv)
{
    reg_arg a = {0};
    const char *pos[1];
    const kf_opt opts[] = {{"name", OPT_VALUE, &a.name},
                           {"tier", OPT_VALUE, &a.tier},
                           {"joined", OPT_VALUE, &a.joined},
                           {"address", OPT_VALUE, &a.address},
                           {NULL, 0, NULL}};
    int npos;
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1)
        return cli_errorf(KF_BAD_INPUT,
                          "usage: kifu member add ID --name N --tier T --joined DATE");
    a.id = pos[0];
    int code = cli_write(cli, do_member_add, &a);
    return code ? code : print_added(cli, a.seq, "member", a.id);
}

int cmd_member_list(kf_cli *cli, int argc, char **argv)
{
    const char *fy_s = NULL, *pos[1];
    const kf_opt opts[] = {{"fy", OPT_VALUE, &fy_s}, {NULL, 0, NULL}};
    int npos, fy;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_member *m = NULL;
    size_t n = 0;
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (cli_open(cli, &l, &err) || !cli_fy(l, fy_s, &fy, &err) ||
        kf_don_members(l, fy, &m, &n, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    kf_buf b = {0};
    char head[40];
    snprintf(head, sizeof head, "{\"fy\":%d,\"members\":[", fy);
    cli_list_begin(cli, &b, head);
    if (!cli->json) printf("FY %d\n", fy);
    for (size_t i = 0; i < n; i++) {
        cli_list_item(cli, &b, i);
        if (cli->json) {
            kf_buf_puts(&b, "{\"id\":");
            kf_buf_json_str(&b, m[i].id);
            kf_buf_puts(&b, ",\"name\":");
            kf_buf_json_str(&b, m[i].name);
            kf_buf_puts(&b, ",\"tier\":");
            kf_buf_json_str(&b, m[i].tier);
            kf_buf_printf(&b,
                          ",\"joined\":\"%s\",\"tier_min\":%lld,\"donated\":%lld,"
                          "\"status\":\"%s\"}",
                          m[i].joined, (long long)m[i].tier_min, (long long)m[i].fy_total,
                          m[i].active ? "active" : "lapsed");
        } else {
            kf_buf_printf(&b, "%-12s %-8s %-7s %10lld / %-8lld %s  %s\n", m[i].id, m[i].tier,
                          m[i].active ? "active" : "lapsed", (long long)m[i].fy_total,
                          (long long)m[i].tier_min, m[i].joined, m[i].name);
        }
    }
    free(m);
    return cli_list_end(cli, &b);
}

/* --- partner ------------------------------------------------------------ */

static kf_code do_partner_add(kf_txn *t, void *arg, kf_err *err)
{
    reg_arg *a = arg;
    kf_code rc =
        kf_don_partner_add(t, a->id, a->name, a->per_click, a->cap, a->to, a->address, err);
    a->seq = kf_txn_size(t);
    return rc;
}

int cmd_partner_add(kf_cli *cli, int argc, char **argv)
{
    reg_arg a = {0};
    const char *per = NULL, *cap = NULL, *pos[1];
    const kf_opt opts[] = {{"name", OPT_VALUE, &a.name},       {"per-click", OPT_VALUE, &per},
                           {"monthly-cap", OPT_VALUE, &cap},   {"to", OPT_VALUE, &a.to},
                           {"address", OPT_VALUE, &a.address}, {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !per || !cap)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu partner add ID --name N --per-click YEN "
                                        "--monthly-cap YEN [--to DESIGNATION]");
    if (!cli_yen("--per-click", per, 1, &a.per_click, &err) ||
        !cli_yen("--monthly-cap", cap, 1, &a.cap, &err))
        return cli_error(&err);
    a.id = pos[0];
    int code = cli_write(cli, do_partner_add, &a);
    return code ? code : print_added(cli, a.seq, "partner", a.id);
}

int cmd_partner_list(kf_cli *cli, int argc, char **argv)
{
    const char *pos[1];
    const kf_opt opts[] = {{NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_partner *p = NULL;
    size_t n = 0;
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (cli_open(cli, &l, &err) || kf_don_partners(l, &p, &n, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    kf_buf b = {0};
    cli_list_begin(cli, &b, "{\"partners\":[");
    for (size_t i = 0; i < n; i++) {
        cli_list_item(cli, &b, i);
        if (cli->json) {
            kf_buf_puts(&b, "{\"id\":");
            kf_buf_json_str(&b, p[i].id);
            kf_buf_puts(&b, ",\"name\":");
            kf_buf_json_str(&b, p[i].name);
            kf_buf_printf(&b,
                          ",\"to\":\"%s\",\"per_click\":%lld,\"monthly_cap\":%lld,"
                          "\"pledged\":%lld,\"paid\":%lld,\"outstanding\":%lld}",
                          p[i].to, (long long)p[i].per_click, (long long)p[i].monthly_cap,
                          (long long)p[i].pledged, (long long)p[i].paid,
                          (long long)(p[i].pledged - p[i].paid));
        } else {
            kf_buf_printf(&b, "%-12s %6lld/click cap %-9lld pledged %-10lld paid %-10lld %s  %s\n",
                          p[i].id, (long long)p[i].per_click, (long long)p[i].monthly_cap,
                          (long long)p[i].pledged, (long long)p[i].paid, p[i].to, p[i].name);
        }
    }
    free(p);
    return cli_list_end(cli, &b);
}

int cmd_partner_show(kf_cli *cli, int argc, char **argv)
{
    const char *pos[1];
    const kf_opt opts[] = {{NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_partner_month *m = NULL;
    size_t n = 0;
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1) return cli_errorf(KF_BAD_INPUT, "usage: kifu partner show ID");
    if (cli_open(cli, &l, &err) || kf_don_partner_months(l, pos[0], &m, &n, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    kf_buf b = {0};
    kf_yen pledged = 0, paid = 0;
    if (cli->json) {
        kf_buf_puts(&b, "{\"partner\":");
        kf_buf_json_str(&b, pos[0]);
        kf_buf_puts(&b, ",\"months\":[");
    } else {
        kf_buf_printf(&b, "%-8s %10s %12s %12s %12s\n", "month", "clicks", "pledged", "paid",
                      "outstanding");
    }
    for (size_t i = 0; i < n; i++) {
        kf_add(pledged, m[i].pledged, &pledged);
        kf_add(paid, m[i].paid, &paid);
        if (cli->json)
            kf_buf_printf(&b,
                          "%s{\"month\":\"%s\",\"clicks\":%lld,\"pledged\":%lld,\"paid\":%lld,"
                          "\"outstanding\":%lld}",
                          i ? "," : "", m[i].month, (long long)m[i].clicks, (long long)m[i].pledged,
                          (long long)m[i].paid, (long long)m[i].outstanding);
        else
            kf_buf_printf(&b, "%-8s %10lld %12lld %12lld %12lld\n", m[i].month,
                          (long long)m[i].clicks, (long long)m[i].pledged, (long long)m[i].paid,
                          (long long)m[i].outstanding);
    }
    if (cli->json)
        kf_buf_printf(&b, "],\"pledged\":%lld,\"paid\":%lld,\"outstanding\":%lld}",
                      (long long)pledged, (long long)paid, (long long)(pledged - paid));
    else
        kf_buf_printf(&b, "%-8s %10s %12lld %12lld %12lld\n", "total", "", (long long)pledged,
                      (long long)paid, (long long)(pledged - paid));
    free(m);
    return cli_print_out(cli, &b);
}

typedef struct {
    const char *id, *month, *date, *ref;
    int64_t clicks, seq;
    kf_yen amount, pledge;
} partner_arg;

static kf_code do_clicks(kf_txn *t, void *arg, kf_err *err)
{
    partner_arg *a = arg;
    return kf_don_partner_clicks(t, a->id, a->month, a->clicks, &a->seq, &a->pledge, err);
}

int cmd_partner_clicks(kf_cli *cli, int argc, char **argv)
{
    partner_arg a = {0};
    const char *clicks = NULL, *pos[1];
    const kf_opt opts[] = {
        {"month", OPT_VALUE, &a.month}, {"clicks", OPT_VALUE, &clicks}, {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !a.month || !clicks)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu partner clicks ID --month YYYY-MM --clicks N");
    if (!cli_int("--clicks", clicks, 0, &a.clicks, &err)) return cli_error(&err);
    a.id = pos[0];
    int code = cli_write(cli, do_clicks, &a);
    if (code) return code;
    if (cli->json)
        printf("{\"seq\":%lld,\"pledge\":%lld}\n", (long long)a.seq, (long long)a.pledge);
    else
        printf("seq %lld: %s %s pledge %lld yen\n", (long long)a.seq, a.id, a.month,
               (long long)a.pledge);
    return 0;
}

static kf_code do_pay(kf_txn *t, void *arg, kf_err *err)
{
    partner_arg *a = arg;
    return kf_don_partner_pay(t, a->id, a->amount, a->date, a->ref, &a->seq, err);
}

int cmd_partner_pay(kf_cli *cli, int argc, char **argv)
{
    partner_arg a = {0};
    const char *amount = NULL, *date = NULL, *pos[1];
    const kf_opt opts[] = {{"amount", OPT_VALUE, &amount},
                           {"date", OPT_VALUE, &date},
                           {"ref", OPT_VALUE, &a.ref},
                           {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    char day[11];
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !amount)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu partner pay ID --amount YEN --date D");
    if (!cli_yen("--amount", amount, 1, &a.amount, &err) || !cli_date("--date", date, day, &err))
        return cli_error(&err);
    a.id = pos[0];
    a.date = day;
    int code = cli_write(cli, do_pay, &a);
    if (code) return code;
    if (cli->json)
        printf("{\"seq\":%lld}\n", (long long)a.seq);
    else
        printf("seq %lld: payment of %lld yen from partner %s\n", (long long)a.seq,
               (long long)a.amount, a.id);
    return 0;
}

/* --- box ---------------------------------------------------------------- */

static kf_code do_box_add(kf_txn *t, void *arg, kf_err *err)
{
    reg_arg *a = arg;
    kf_code rc = kf_box_add(t, a->id, a->location, a->host, a->to, err);
    a->seq = kf_txn_size(t);
    return rc;
}

int cmd_box_add(kf_cli *cli, int argc, char **argv)
{
    reg_arg a = {0};
    const char *pos[1];
    const kf_opt opts[] = {{"location", OPT_VALUE, &a.location},
                           {"host", OPT_VALUE, &a.host},
                           {"to", OPT_VALUE, &a.to},
                           {NULL, 0, NULL}};
    int npos;
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1)
        return cli_errorf(KF_BAD_INPUT,
                          "usage: kifu box add ID --location TEXT --host TEXT [--to DESIGNATION]");
    a.id = pos[0];
    int code = cli_write(cli, do_box_add, &a);
    return code ? code : print_added(cli, a.seq, "box", a.id);
}

int cmd_box_list(kf_cli *cli, int argc, char **argv)
{
    const char *pos[1];
    const kf_opt opts[] = {{NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_box *bx = NULL;
    size_t n = 0;
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (cli_open(cli, &l, &err) || kf_don_boxes(l, &bx, &n, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    kf_buf b = {0};
    cli_list_begin(cli, &b, "{\"boxes\":[");
    for (size_t i = 0; i < n; i++) {
        cli_list_item(cli, &b, i);
        if (cli->json) {
            kf_buf_puts(&b, "{\"id\":");
            kf_buf_json_str(&b, bx[i].id);
            kf_buf_puts(&b, ",\"location\":");
            kf_buf_json_str(&b, bx[i].location);
            kf_buf_puts(&b, ",\"host\":");
            kf_buf_json_str(&b, bx[i].host);
            kf_buf_printf(&b, ",\"to\":\"%s\",\"collections\":%lld,\"collected\":%lld}", bx[i].to,
                          (long long)bx[i].collections, (long long)bx[i].collected);
        } else {
            kf_buf_printf(&b, "%-10s %4lld collections %12lld yen  %s  %s (%s)\n", bx[i].id,
                          (long long)bx[i].collections, (long long)bx[i].collected, bx[i].to,
                          bx[i].location, bx[i].host);
        }
    }
    free(bx);
    return cli_list_end(cli, &b);
}

typedef struct {
    kf_box_collection c;
    int64_t seq;
} collect_arg;

static kf_code do_collect(kf_txn *t, void *arg, kf_err *err)
{
    collect_arg *a = arg;
    return kf_don_box_collect(t, &a->c, &a->seq, err);
}

int cmd_box_collect(kf_cli *cli, int argc, char **argv)
{
    const char *date = NULL, *ca = NULL, *cb = NULL, *counters = NULL, *seal = NULL;
    const char *resolved = NULL, *note = NULL, *pos[1];
    const kf_opt opts[] = {{"date", OPT_VALUE, &date},  {"count-a", OPT_VALUE, &ca},
                           {"count-b", OPT_VALUE, &cb}, {"counters", OPT_VALUE, &counters},
                           {"seal", OPT_VALUE, &seal},  {"resolved", OPT_VALUE, &resolved},
                           {"note", OPT_VALUE, &note},  {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    collect_arg a = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !ca || !cb || !counters)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu box collect ID --date D --count-a YEN "
                                        "--count-b YEN --counters \"A,B\" [--seal BAG] "
                                        "[--resolved YEN --note TEXT]");
    a.c.resolved = -1;
    if (!cli_date("--date", date, a.c.date, &err) ||
        !cli_yen("--count-a", ca, 0, &a.c.count_a, &err) ||
        !cli_yen("--count-b", cb, 0, &a.c.count_b, &err) ||
        (resolved && !cli_yen("--resolved", resolved, 1, &a.c.resolved, &err)))
        return cli_error(&err);
    if (strlen(pos[0]) > KF_ID_MAX || strlen(counters) >= sizeof a.c.counters ||
        (seal && strlen(seal) >= sizeof a.c.seal) || (note && strlen(note) >= sizeof a.c.note))
        return cli_errorf(KF_BAD_INPUT, "box id, --counters, --seal or --note is too long");
    snprintf(a.c.id, sizeof a.c.id, "%s", pos[0]);
    snprintf(a.c.counters, sizeof a.c.counters, "%s", counters);
    snprintf(a.c.seal, sizeof a.c.seal, "%s", seal ? seal : "");
    snprintf(a.c.note, sizeof a.c.note, "%s", note ? note : "");
    int code = cli_write(cli, do_collect, &a);
    if (code) return code;
    if (cli->json)
        printf("{\"seq\":%lld}\n", (long long)a.seq);
    else
        printf("seq %lld: box %s collection recorded\n", (long long)a.seq, a.c.id);
    return 0;
}
