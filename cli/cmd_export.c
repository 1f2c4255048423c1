/*
 * kifu export: Excel workbooks (SPEC §7). Read-only: no key needed.
 */
#include "cli.h"
#include "kifu/report.h"

#include <stdlib.h>
#include <string.h>

int cmd_export_member(kf_cli *cli, int argc, char **argv)
{
    const char *fy_s = NULL, *out = NULL, *lang_s = NULL, *pos[1];
    const kf_opt opts[] = {{"fy", OPT_VALUE, &fy_s},
                           {"out", OPT_VALUE, &out},
                           {"lang", OPT_VALUE, &lang_s},
                           {NULL, 0, NULL}};
    int npos, fy;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_statement_lang lang = KF_STATEMENT_JA;
    kf_member_statement st;
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !fy_s || !out || !*out)
        return cli_errorf(KF_BAD_INPUT,
                          "usage: kifu export member ID --fy Y --out FILE.xlsx [--lang ja|en]");
    if (lang_s && !kf_statement_lang_parse(lang_s, &lang))
        return cli_errorf(KF_BAD_INPUT, "--lang '%s' must be ja or en", lang_s);
    if (!cli_fy(NULL, fy_s, &fy, &err)) return cli_error(&err);
    if (cli_open(cli, &l, &err) || kf_member_statement_load(l, pos[0], fy, &st, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    kf_code rc = kf_member_statement_xlsx(&st, lang, out, &err);
    if (rc) {
        kf_member_statement_free(&st);
        return cli_error(&err);
    }
    if (cli->json) {
        kf_buf b = {0};
        kf_buf_puts(&b, "{\"member\":");
        kf_buf_json_str(&b, st.member.id);
        kf_buf_printf(&b, ",\"fy\":%d,\"donations\":%zu,\"voided\":%zu,\"total\":%lld,", fy,
                      st.nlines, st.voided, (long long)st.total);
        kf_buf_printf(&b, "\"status\":\"%s\",\"file\":", st.member.active ? "active" : "lapsed");
        kf_buf_json_str(&b, out);
        kf_buf_puts(&b, "}");
        cli_print_json(&b);
        kf_buf_free(&b);
    } else {
        printf("member %s FY %d: %zu donations, %lld yen (%s) written to %s\n", st.member.id, fy,
               st.nlines, (long long)st.total, st.member.active ? "active" : "lapsed", out);
    }
    kf_member_statement_free(&st);
    return 0;
}
