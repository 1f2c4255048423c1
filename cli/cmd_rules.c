/*
 * kifu rules load | show: the fund's rules.
 */
#include "cli.h"
#include "kifu/fund.h"

#include <stdlib.h>

typedef struct {
    const char *file;
    kf_buf text;
    int64_t seq;
} rules_arg;

static kf_code do_rules_load(kf_txn *t, void *arg, kf_err *err)
{
    rules_arg *a = arg;
    return kf_rules_load(t, a->file, a->text.data, a->text.len, &a->seq, err);
}

int cmd_rules_load(kf_cli *cli, int argc, char **argv)
{
    const char *pos[1];
    const kf_opt opts[] = {{NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    rules_arg a = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1) return cli_errorf(KF_BAD_INPUT, "usage: kifu rules load FILE");
    a.file = pos[0];
    if (cli_read_file(a.file, &a.text, 1 << 20, &err)) return cli_error(&err);
    /* Check the file before asking for a passphrase. */
    kf_rules *r = malloc(sizeof *r);
    if (!r) return cli_errorf(KF_SYSTEM, "out of memory");
    kf_code rc = kf_rules_parse(a.text.data, a.text.len, a.file, r, &err);
    free(r);
    if (rc) {
        kf_buf_free(&a.text);
        return cli_error(&err);
    }
    int code = cli_write(cli, do_rules_load, &a);
    kf_buf_free(&a.text);
    if (code) return code;
    if (cli->json)
        printf("{\"seq\":%lld}\n", (long long)a.seq);
    else
        printf("seq %lld: rules loaded from %s\n", (long long)a.seq, a.file);
    return 0;
}

/* The text: the file in force as it was loaded, after a line naming it; or,
 * with no rules loaded, the defaults as JSON after a line saying so. */
static kf_code rules_text(kf_ledger *l, const kf_rules *r, int64_t version, kf_buf *b, kf_err *err)
{
    if (!version) {
        kf_buf_puts(b, "; no rules loaded: the defaults apply (kifu rules load FILE)\n");
        cli_rules_json(r, b);
        kf_buf_puts(b, "\n");
        return KF_OK;
    }
    kf_entry *e;
    kf_code rc = kf_ledger_entry(l, version, &e, err);
    if (rc) return rc;
    const char *file = kf_entry_str(e, "file"), *sha = kf_entry_str(e, "sha256");
    const char *text = kf_entry_str(e, "text");
    kf_buf_printf(b, "; rules in force: seq %lld, file %s, sha256 %s\n", (long long)version,
                  file ? file : "?", sha ? sha : "?");
    kf_buf_puts(b, text ? text : "");
    kf_entry_free(e);
    return KF_OK;
}

int cmd_rules_show(kf_cli *cli, int argc, char **argv)
{
    const char *pos[1];
    const kf_opt opts[] = {{NULL, 0, NULL}};
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    int64_t version = 0;
    kf_buf b = {0};
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    kf_rules *r = malloc(sizeof *r);
    if (!r) return cli_errorf(KF_SYSTEM, "out of memory");
    kf_code rc = cli_open(cli, &l, &err);
    if (!rc) rc = kf_rules_current(l, r, &version, &err);
    if (!rc && cli->json) {
        kf_buf_printf(&b, "{\"version\":%lld,\"rules\":", (long long)version);
        cli_rules_json(r, &b);
        kf_buf_puts(&b, "}");
    } else if (!rc) {
        rc = rules_text(l, r, version, &b, &err);
    }
    free(r);
    kf_ledger_close(l);
    if (rc) {
        kf_buf_free(&b);
        return cli_error(&err);
    }
    return cli_print_out(cli, &b);
}
