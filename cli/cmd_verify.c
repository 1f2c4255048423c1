/*
 * kifu verify [--trust CHECKPOINT]: full verification (docs/FORMAT.md §8).
 * It opens the file read-only and attaches no index: it never writes, and
 * it reports rows no signed commit covers as a verification result rather
 * than refusing to open them, as every other command does. The derived
 * state is rebuilt in memory (kf_verify_ledger) and compared.
 */
#include "cli.h"
#include "kifu/report.h"

/* "s" for a count other than one: "1 key", "2 keys". */
#define PL(n) ((n) == 1 ? "" : "s")

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
    if (kf_ledger_open_readonly(cli->db, &l, &err)) {
        kf_buf_free(&note);
        return cli_error(&err);
    }
    kf_verify_report rep;
    kf_derived_report drep;
    kf_code rc = kf_verify_ledger(l, note.data, note.len, &rep, &drep, &err);
    kf_ledger_close(l);
    kf_buf_free(&note);
    char root[65];
    kf_hex(rep.root, KF_HASH_LEN, root);
    int code = 0;
    if (cli->json) {
        kf_buf b = {0};
        if (rc) {
            kf_buf_puts(&b, "{\"ok\":false,\"error\":");
            kf_buf_json_str(&b, err.msg);
            kf_buf_puts(&b, "}");
        } else {
            kf_buf_printf(&b,
                          "{\"ok\":true,\"entries\":%lld,\"commits\":%lld,\"nodes\":%lld,"
                          "\"keys\":%lld,\"root\":\"%s\",\"trusted\":%s,",
                          (long long)rep.entries, (long long)rep.commits, (long long)rep.nodes,
                          (long long)rep.keys, root, rep.trusted ? "true" : "false");
            kf_buf_printf(&b,
                          "\"derived\":{\"size\":%lld,\"tables\":%d,\"rows\":%lld,"
                          "\"personal\":%lld,\"skipped\":",
                          (long long)drep.size, drep.tables, (long long)drep.rows,
                          (long long)drep.personal);
            kf_buf_json_str(&b, drep.skipped);
            kf_buf_puts(&b, "}}");
        }
        code = cli_print_json(&b);
        kf_buf_free(&b);
    }
    if (rc) {
        fprintf(stderr, "kifu: verification failed: %s\n", err.msg);
        return code ? code : (int)rc;
    }
    if (!cli->json) {
        printf("ok: %lld entr%s, %lld commit%s, %lld Merkle node%s, %lld key%s verified%s\n"
               "root %s\n",
               (long long)rep.entries, rep.entries == 1 ? "y" : "ies", (long long)rep.commits,
               PL(rep.commits), (long long)rep.nodes, PL(rep.nodes), (long long)rep.keys,
               PL(rep.keys), rep.trusted ? "; extends the trusted checkpoint" : "", root);
        printf("derived state of seq 1..%lld: %d table%s (%lld row%s) and %lld personal row%s "
               "match the entries",
               (long long)drep.size, drep.tables, PL(drep.tables), (long long)drep.rows,
               PL(drep.rows), (long long)drep.personal, PL(drep.personal));
        if (*drep.skipped)
            printf("; not compared (not built for these entries; the next command rebuilds "
                   "them): %s",
                   drep.skipped);
        printf("\n");
    }
    return code;
}
