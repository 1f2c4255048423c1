/*
 * kifu prove SEQ [--size N] | --from M [--size N]: RFC 9162 proofs.
 */
#include "cli.h"

static void put_path(kf_buf *b, bool json, kf_hash path[], size_t n)
{
    char hex[65];
    if (json) kf_buf_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        kf_hex(path[i], KF_HASH_LEN, hex);
        if (json)
            kf_buf_printf(b, "%s\"%s\"", i ? "," : "", hex);
        else
            kf_buf_printf(b, "path %s\n", hex);
    }
    if (json) kf_buf_puts(b, "]");
}

int cmd_prove(kf_cli *cli, int argc, char **argv)
{
    const char *from_s = NULL, *size_s = NULL, *pos[1];
    int npos;
    int64_t seq = 0, from = 0, size = 0;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_hash path[KF_PROOF_MAX], root, other;
    size_t n = 0;
    const kf_opt opts[] = {
        {"from", OPT_VALUE, &from_s}, {"size", OPT_VALUE, &size_s}, {NULL, 0, NULL}};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if ((npos == 1) == (from_s != NULL))
        return cli_errorf(KF_BAD_INPUT, "usage: kifu prove SEQ [--size N] | --from M [--size N]");
    if ((npos == 1 && !cli_int("SEQ", pos[0], 1, &seq, &err)) ||
        (from_s && !cli_int("--from", from_s, 1, &from, &err)) ||
        (size_s && !cli_int("--size", size_s, 1, &size, &err)))
        return cli_error(&err);
    if (cli_open(cli, &l, &err)) return cli_error(&err);
    if (!size) {
        kf_ledger_info info;
        if (kf_ledger_get_info(l, &info, &err)) goto out_err;
        size = info.size;
    }
    if (kf_ledger_root(l, size, root, &err)) goto out_err;
    kf_buf b = {0};
    char roothex[65], otherhex[65];
    kf_hex(root, KF_HASH_LEN, roothex);
    if (seq) {
        if (kf_ledger_prove_inclusion(l, seq, size, path, &n, &err) ||
            kf_ledger_leaf(l, seq, other, &err))
            goto out_err;
        kf_hex(other, KF_HASH_LEN, otherhex);
        if (cli->json) {
            kf_buf_printf(&b,
                          "{\"seq\":%lld,\"index\":%lld,\"size\":%lld,\"leaf\":\"%s\",\"path\":",
                          (long long)seq, (long long)seq - 1, (long long)size, otherhex);
            put_path(&b, true, path, n);
            kf_buf_printf(&b, ",\"root\":\"%s\"}\n", roothex);
        } else {
            kf_buf_printf(&b, "inclusion of seq %lld (index %lld) in tree size %lld\nleaf %s\n",
                          (long long)seq, (long long)seq - 1, (long long)size, otherhex);
            put_path(&b, false, path, n);
            kf_buf_printf(&b, "root %s\n", roothex);
        }
    } else {
        if (kf_ledger_prove_consistency(l, from, size, path, &n, &err) ||
            kf_ledger_root(l, from, other, &err))
            goto out_err;
        kf_hex(other, KF_HASH_LEN, otherhex);
        if (cli->json) {
            kf_buf_printf(&b, "{\"from\":%lld,\"size\":%lld,\"path\":", (long long)from,
                          (long long)size);
            put_path(&b, true, path, n);
            kf_buf_printf(&b, ",\"old_root\":\"%s\",\"root\":\"%s\"}\n", otherhex, roothex);
        } else {
            kf_buf_printf(&b, "consistency of tree size %lld with size %lld\nold_root %s\n",
                          (long long)from, (long long)size, otherhex);
            put_path(&b, false, path, n);
            kf_buf_printf(&b, "root %s\n", roothex);
        }
    }
    int code = cli_print_text(&b);
    kf_buf_free(&b);
    kf_ledger_close(l);
    return code;
out_err:
    kf_ledger_close(l);
    return cli_error(&err);
}
