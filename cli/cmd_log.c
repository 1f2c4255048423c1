/*
 * kifu log: the entries, one readable line each or as JSON.
 */
#include "cli.h"

typedef struct {
    kf_cli *cli;
    kf_buf out;
    bool first;
    kf_err *err;
} log_ctx;

static int print_row(void *ctx, const kf_row *row)
{
    log_ctx *c = ctx;
    kf_buf *b = &c->out;
    char leaf[65];
    kf_hex(row->leaf, KF_HASH_LEN, leaf);
    if (c->cli->json) {
        kf_buf_printf(b, "%s{\"seq\":%lld,\"kind\":", c->first ? "" : ",", (long long)row->seq);
        kf_buf_json_str(b, row->entry->kind);
        kf_buf_printf(b, ",\"commit\":%lld,\"time\":", (long long)row->commit);
        kf_buf_json_str(b, row->time);
        kf_buf_printf(b, ",\"actor\":\"%08x\",\"leaf\":\"%s\",\"fields\":", row->actor, leaf);
        kf_entry_fields_json(row->entry, b);
        kf_buf_puts(b, "}");
    } else {
        kf_buf_printf(b, "%6lld  c%-5lld %s  %08x  %-18s ", (long long)row->seq,
                      (long long)row->commit, row->time, row->actor, row->entry->kind);
        kf_entry_fields_text(row->entry, b);
        kf_buf_puts(b, "\n");
    }
    c->first = false;
    if (kf_buf_check(b, c->err)) return KF_SYSTEM;
    if (b->len > (1 << 16)) {
        cli_stdout(b->data, b->len);
        b->len = 0;
    }
    return 0;
}

int cmd_log(kf_cli *cli, int argc, char **argv)
{
    const char *since = NULL, *pos[1];
    int npos;
    int64_t from = 1;
    kf_err err = {0};
    kf_ledger *l = NULL;
    const kf_opt opts[] = {{"since", OPT_VALUE, &since}, {NULL, 0, NULL}};
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (since && !cli_int("--since", since, 1, &from, &err)) return cli_error(&err);
    if (cli_open(cli, &l, &err)) return cli_error(&err);
    log_ctx c = {.cli = cli, .first = true, .err = &err};
    if (cli->json) kf_buf_puts(&c.out, "{\"entries\":[");
    kf_code rc = kf_ledger_scan(l, from, NULL, print_row, &c, &err);
    kf_ledger_close(l);
    if (rc) {
        kf_buf_free(&c.out);
        return cli_error(&err);
    }
    if (cli->json) kf_buf_puts(&c.out, "]}\n");
    int code = cli_print_text(&c.out);
    kf_buf_free(&c.out);
    return code;
}
