/*
 * kifu receipt SEQ --out FILE and kifu verify-receipt FILE --origin-key VKEY:
 * donor receipts (docs/FORMAT.md "Receipts"). verify-receipt opens no
 * database.
 */
#include "cli.h"
#include "kifu/report.h"

#include <string.h>

#include <sodium.h>

int cmd_receipt(kf_cli *cli, int argc, char **argv)
{
    const char *out = NULL, *pos[1];
    int npos, code = 0;
    int64_t seq;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_signer signer;
    kf_buf receipt = {0};
    bool force = false;
    const kf_opt opts[] = {{"out", OPT_VALUE, &out}, {"force", OPT_FLAG, &force}, {NULL, 0, NULL}};
    memset(&signer, 0, sizeof signer);
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu receipt SEQ --out FILE [--key KEY]");
    if (!cli_int("SEQ", pos[0], 1, &seq, &err)) return cli_error(&err);
    if (cli_out_check(cli, out, "--out", force, &err) || cli_open(cli, &l, &err) ||
        cli_signer(cli, &signer, &err) || kf_receipt_make(l, &signer, seq, &receipt, &err) ||
        cli_write_out(out, &receipt, &err)) {
        code = cli_error(&err);
    } else if (cli->json) {
        kf_buf b = {0};
        kf_buf_printf(&b, "{\"seq\":%lld,\"file\":", (long long)seq);
        kf_buf_json_str(&b, out ? out : "-");
        kf_buf_puts(&b, "}");
        if (out) code = cli_print_json(&b);
        kf_buf_free(&b);
    } else if (out) {
        printf("receipt for seq %lld written to %s\n", (long long)seq, out);
    }
    sodium_memzero(&signer, sizeof signer);
    if (receipt.data) sodium_memzero(receipt.data, receipt.len);
    kf_buf_free(&receipt);
    kf_ledger_close(l);
    return code;
}

static void put_summary_json(kf_buf *b, const kf_receipt_summary *s)
{
    kf_buf_printf(b, "{\"ok\":true,\"seq\":%lld,\"amount\":%lld,\"date\":", (long long)s->seq,
                  (long long)s->amount);
    kf_buf_json_str(b, s->date);
    kf_buf_puts(b, ",\"origin\":");
    kf_buf_json_str(b, s->origin);
    kf_buf_printf(b, ",\"size\":%lld,\"kind\":", (long long)s->size);
    kf_buf_json_str(b, s->kind);
    kf_buf_puts(b, ",\"receipt_no\":");
    kf_buf_json_str(b, s->receipt_no);
    kf_buf_puts(b, ",\"designation\":");
    kf_buf_json_str(b, s->designation);
    kf_buf_puts(b, ",\"fund\":");
    kf_buf_json_str(b, s->fund);
    kf_buf_puts(b, ",\"signer\":");
    kf_buf_json_str(b, s->signer);
    kf_buf_printf(b, ",\"donor\":%s}", s->donor ? "true" : "false");
}

int cmd_verify_receipt(kf_cli *cli, int argc, char **argv)
{
    const char *vkey = NULL, *pos[1];
    int npos;
    kf_err err = {0};
    kf_buf in = {0};
    kf_receipt_summary s;
    const kf_opt opts[] = {{"origin-key", OPT_VALUE, &vkey}, {NULL, 0, NULL}};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !vkey)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu verify-receipt FILE --origin-key VKEY");
    if (cli_read_file(pos[0], &in, KF_RECEIPT_MAX, &err)) return cli_error(&err);
    kf_code rc = kf_receipt_verify(in.data, in.len, vkey, &s, &err);
    sodium_memzero(in.data, in.len);
    kf_buf_free(&in);
    if (rc) {
        if (cli->json) {
            kf_buf b = {0};
            kf_buf_puts(&b, "{\"ok\":false,\"error\":");
            kf_buf_json_str(&b, err.msg);
            kf_buf_puts(&b, "}");
            int code = cli_print_json(&b);
            kf_buf_free(&b);
            if (code) return code;
        }
        return cli_errorf(rc, "receipt %s: %s", pos[0], err.msg);
    }
    int code = 0;
    if (cli->json) {
        kf_buf b = {0};
        put_summary_json(&b, &s);
        code = cli_print_json(&b);
        kf_buf_free(&b);
    } else {
        printf("ok: receipt %s: seq %lld (%s), %lld yen on %s to %s\n", s.receipt_no,
               (long long)s.seq, s.kind, (long long)s.amount, s.date, s.designation);
        if (s.donor) printf("donor: %s (name and address match the entry)\n", s.donor_name);
        printf("in the books of %s: origin %s, tree size %lld, checkpoint signed by %s\n", s.fund,
               s.origin, (long long)s.size, s.signer);
    }
    sodium_memzero(&s, sizeof s);
    return code;
}
