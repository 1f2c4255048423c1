/*
 * kifu verify [--trust CHECKPOINT]: full verification (SPEC §4.3).
 */
#include "cli.h"
#include "kifu/donations.h"
#include "kifu/grants.h"

/* The business rules each module re-derives, entry by entry. */
typedef struct {
    kf_don_verifier *donations;
    kf_grant_verifier *grants;
    kf_pool_tracker *pools; /* the pool figures both re-derive */
} rule_checks;

static kf_code check_rules(void *ctx, const kf_row *row, kf_err *err)
{
    rule_checks *c = ctx;
    kf_code rc = kf_don_verify_entry(c->donations, row, err);
    return rc ? rc : kf_grant_verify_entry(c->grants, row, err);
}

int cmd_verify(kf_cli *cli, int argc, char **argv)
{
    const char *trust = NULL, *pos[1];
    int npos;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_buf note = {0};
    const kf_opt opts[] = {{"trust", OPT_VALUE, &trust}, {NULL, 0, NULL}};
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (trust && cli_read_file(trust, &note, 1 << 16, &err)) return cli_error(&err);
    if (cli_open(cli, &l, &err)) {
        kf_buf_free(&note);
        return cli_error(&err);
    }
    rule_checks checks = {.donations = kf_don_verifier_new(l),
                          .grants = kf_grant_verifier_new(l),
                          .pools = kf_pool_tracker_new()};
    if (!checks.donations || !checks.grants || !checks.pools) {
        kf_pool_tracker_free(checks.pools);
        kf_don_verifier_free(checks.donations);
        kf_grant_verifier_free(checks.grants);
        kf_ledger_close(l);
        kf_buf_free(&note);
        return cli_errorf(KF_SYSTEM, "out of memory");
    }
    kf_don_verifier_pools(checks.donations, checks.pools);
    kf_grant_verifier_pools(checks.grants, checks.pools);
    kf_verify_opts vo = {
        .trust = note.data, .trust_len = note.len, .on_entry = check_rules, .ctx = &checks};
    kf_verify_report rep;
    kf_code rc = kf_ledger_verify(l, &vo, &rep, &err);
    kf_don_verifier_free(checks.donations);
    kf_grant_verifier_free(checks.grants);
    kf_pool_tracker_free(checks.pools);
    kf_ledger_close(l);
    kf_buf_free(&note);
    char root[65];
    kf_hex(rep.root, KF_HASH_LEN, root);
    if (cli->json) {
        kf_buf b = {0};
        if (rc) {
            kf_buf_puts(&b, "{\"ok\":false,\"error\":");
            kf_buf_json_str(&b, err.msg);
            kf_buf_puts(&b, "}");
        } else {
            kf_buf_printf(&b,
                          "{\"ok\":true,\"entries\":%lld,\"commits\":%lld,\"nodes\":%lld,"
                          "\"keys\":%lld,\"root\":\"%s\",\"trusted\":%s}",
                          (long long)rep.entries, (long long)rep.commits, (long long)rep.nodes,
                          (long long)rep.keys, root, rep.trusted ? "true" : "false");
        }
        cli_print_json(&b);
        kf_buf_free(&b);
    }
    if (rc) {
        fprintf(stderr, "kifu: verification failed: %s\n", err.msg);
        return (int)rc;
    }
    if (!cli->json)
        printf("ok: %lld entries, %lld commits, %lld Merkle nodes, %lld keys verified%s\n"
               "root %s\n",
               (long long)rep.entries, (long long)rep.commits, (long long)rep.nodes,
               (long long)rep.keys, rep.trusted ? "; extends the trusted checkpoint" : "", root);
    return 0;
}
