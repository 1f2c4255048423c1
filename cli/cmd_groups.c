/*
 * kifu group add | update | deregister | list.
 */
#include "cli.h"
#include "kifu/grants.h"

#include <stdlib.h>
#include <string.h>

/* --- groups ------------------------------------------------------------- */

typedef struct {
    kf_group g;
    const char *id, *reason, *name, *fields;
    char date[11];
    int64_t members, seq;
    unsigned status;
    kf_yen moved;
} group_arg;

static kf_code do_group_add(kf_txn *t, void *arg, kf_err *err)
{
    group_arg *a = arg;
    return kf_group_add(t, &a->g, &a->seq, err);
}

static int print_seq(const kf_cli *cli, int64_t seq, const char *what, const char *id)
{
    char text[256];
    snprintf(text, sizeof text, "group %s %s", id, what);
    return cli_print_recorded(cli, seq, id, text);
}

int cmd_group_add(kf_cli *cli, int argc, char **argv)
{
    const char *name = NULL, *type = NULL, *founded = NULL, *members = NULL, *fields = NULL;
    const char *status = NULL, *pos[1];
    const kf_opt opts[] = {{"name", OPT_VALUE, &name},
                           {"type", OPT_VALUE, &type},
                           {"founded", OPT_VALUE, &founded},
                           {"members", OPT_VALUE, &members},
                           {"fields", OPT_VALUE, &fields},
                           {"status", OPT_VALUE, &status},
                           {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    group_arg a = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !name || !type || !founded || !members)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu group add ID --name N --type T --founded "
                                        "YYYY-MM-DD --members N [--fields f1,f2] [--status S]");
    if (!cli_int("--members", members, 0, &a.g.members, &err)) return cli_error(&err);
    if (strlen(pos[0]) > KF_GROUP_ID_MAX || strlen(name) >= sizeof a.g.name ||
        strlen(founded) >= sizeof a.g.founded || (fields && strlen(fields) >= sizeof a.g.fields))
        return cli_errorf(KF_BAD_INPUT, "group id, --name, --founded or --fields is too long");
    snprintf(a.g.id, sizeof a.g.id, "%s", pos[0]);
    snprintf(a.g.name, sizeof a.g.name, "%s", name);
    snprintf(a.g.founded, sizeof a.g.founded, "%s", founded);
    snprintf(a.g.fields, sizeof a.g.fields, "%s", fields ? fields : "");
    if (!(a.g.type = kf_group_type_parse(type)))
        return cli_errorf(KF_BAD_INPUT,
                          "--type '%s' must be neighborhood, volunteer, npo, committee or other",
                          type);
    a.g.status = status ? kf_group_status_parse(status) : KF_ST_REGISTERED;
    if (!a.g.status)
        return cli_errorf(KF_BAD_INPUT, "--status '%s' must be registered or provisional", status);
    int code = cli_write(cli, do_group_add, &a);
    return code ? code : print_seq(cli, a.seq, "added", a.g.id);
}

static kf_code do_group_update(kf_txn *t, void *arg, kf_err *err)
{
    group_arg *a = arg;
    return kf_group_update(t, a->id, a->members, a->status, a->name, a->fields, &a->seq, err);
}

int cmd_group_update(kf_cli *cli, int argc, char **argv)
{
    const char *members = NULL, *status = NULL, *pos[1];
    group_arg a = {0};
    const kf_opt opts[] = {{"members", OPT_VALUE, &members},
                           {"status", OPT_VALUE, &status},
                           {"name", OPT_VALUE, &a.name},
                           {"fields", OPT_VALUE, &a.fields},
                           {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu group update ID [--members N] [--status S] "
                                        "[--name N] [--fields f1,f2]");
    a.id = pos[0];
    a.members = -1;
    if (members && !cli_int("--members", members, 0, &a.members, &err)) return cli_error(&err);
    if (status && !(a.status = kf_group_status_parse(status)))
        return cli_errorf(KF_BAD_INPUT, "--status '%s' must be registered or provisional", status);
    int code = cli_write(cli, do_group_update, &a);
    return code ? code : print_seq(cli, a.seq, "updated", a.id);
}

static kf_code do_group_deregister(kf_txn *t, void *arg, kf_err *err)
{
    group_arg *a = arg;
    return kf_group_deregister(t, a->id, a->reason, a->date, &a->seq, &a->moved, err);
}

int cmd_group_deregister(kf_cli *cli, int argc, char **argv)
{
    const char *date = NULL, *pos[1];
    group_arg a = {0};
    const kf_opt opts[] = {
        {"reason", OPT_VALUE, &a.reason}, {"date", OPT_VALUE, &date}, {NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !a.reason)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu group deregister ID --reason TEXT [--date D]");
    if (!cli_date("--date", date, a.date, &err)) return cli_error(&err);
    a.id = pos[0];
    int code = cli_write(cli, do_group_deregister, &a);
    if (code) return code;
    if (cli->json)
        printf("{\"seq\":%lld,\"moved\":%lld}\n", (long long)a.seq, (long long)a.moved);
    else
        printf("seq %lld: group %s deregistered; %lld yen moved from its pool\n", (long long)a.seq,
               a.id, (long long)a.moved);
    return 0;
}

int cmd_group_list(kf_cli *cli, int argc, char **argv)
{
    const char *pos[1];
    const kf_opt opts[] = {{NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_group *g = NULL;
    size_t n = 0;
    char today[11];
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (!kf_today(today, &err) || cli_open(cli, &l, &err) || kf_groups(l, &g, &n, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_buf b = {0};
    cli_list_begin(cli, &b, "{\"groups\":[");
    for (size_t i = 0; i < n; i++) {
        char pool[KF_POOL_MAX];
        kf_pool_figures pf;
        snprintf(pool, sizeof pool, "group:%s", g[i].id);
        if (kf_pool_get(l, pool, &pf, &err)) {
            kf_ledger_close(l);
            free(g);
            kf_buf_free(&b);
            return cli_error(&err);
        }
        cli_list_item(cli, &b, i);
        if (cli->json) {
            kf_buf_puts(&b, "{\"id\":");
            kf_buf_json_str(&b, g[i].id);
            kf_buf_puts(&b, ",\"name\":");
            kf_buf_json_str(&b, g[i].name);
            kf_buf_printf(&b,
                          ",\"type\":\"%s\",\"founded\":\"%s\",\"age\":%d,\"members\":%lld,"
                          "\"fields\":",
                          kf_group_type_name(g[i].type), g[i].founded, kf_group_age(&g[i], today),
                          (long long)g[i].members);
            kf_buf_json_str(&b, g[i].fields);
            kf_buf_printf(&b,
                          ",\"status\":\"%s\",\"seq\":%lld,\"balance\":%lld,"
                          "\"available\":%lld}",
                          kf_group_status_name(g[i].status), (long long)g[i].seq,
                          (long long)pf.balance, (long long)pf.available);
        } else {
            kf_buf_printf(&b, "%-10s %-12s %-12s %s %4lld members %12lld yen  %s\n", g[i].id,
                          kf_group_status_name(g[i].status), kf_group_type_name(g[i].type),
                          g[i].founded, (long long)g[i].members, (long long)pf.balance, g[i].name);
        }
    }
    kf_ledger_close(l);
    free(g);
    return cli_list_end(cli, &b);
}
