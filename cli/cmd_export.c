/*
 * kifu export: Excel workbooks. Read-only: no key needed.
 */
#include "cli.h"
#include "kifu/verify.h"
#include "kifu/report.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "s" for a count other than one: "1 donation", "2 donations". */
#define PL(n) ((n) == 1 ? "" : "s")

/* Fails fast when the workbook cannot be written, before the ledger is
 * opened, a key unlocked or anything read: out must not be a directory, and
 * a file must be creatable next to it (where the workbook's temporary file
 * will be; kx_book_open creates that one again when the workbook starts).
 * Prints "kifu: cannot write OUT: reason" and returns 3, or returns 0. */
static int check_out(const kf_cli *cli, const char *out, bool force)
{
    struct stat st;
    kf_err err = {0};
    if (cli_out_check(cli, out, "--out", force, &err)) return cli_error(&err);
    if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
        return cli_errorf(KF_SYSTEM, "cannot write %s: %s", out, strerror(EISDIR));
    size_t n = strlen(out) + 16;
    char *probe = malloc(n);
    if (!probe) return cli_errorf(KF_SYSTEM, "out of memory");
    snprintf(probe, n, "%s.tmp%d", out, (int)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        free(probe);
        return cli_errorf(KF_SYSTEM, "cannot write %s: %s", out, strerror(e));
    }
    close(fd);
    unlink(probe);
    free(probe);
    return 0;
}

/* kifu export member ID (--fy Y | --year Y) --out FILE.xlsx [--force] [--lang ja|en] */
int cmd_export_member(kf_cli *cli, int argc, char **argv)
{
    const char *fy_s = NULL, *year_s = NULL, *out = NULL, *lang_s = NULL, *pos[1];
    bool force = false;
    const kf_opt opts[] = {{"fy", OPT_VALUE, &fy_s},     {"year", OPT_VALUE, &year_s},
                           {"out", OPT_VALUE, &out},     {"force", OPT_FLAG, &force},
                           {"lang", OPT_VALUE, &lang_s}, {NULL, 0, NULL}};
    int npos, fy = 0, year = 0;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_statement_lang lang = KF_STATEMENT_JA;
    kf_member_statement st;
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (fy_s && year_s)
        return cli_errorf(KF_BAD_INPUT, "--fy and --year cannot both be given: a statement is "
                                        "for one fiscal year or one calendar year");
    if (npos != 1 || (!fy_s && !year_s) || !out || !*out)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu export member ID (--fy Y | --year Y) --out "
                                        "FILE.xlsx [--force] [--lang ja|en]");
    if (lang_s && !kf_statement_lang_parse(lang_s, &lang))
        return cli_errorf(KF_BAD_INPUT, "--lang '%s' must be ja or en", lang_s);
    if (fy_s && !cli_fy(NULL, fy_s, &fy, &err)) return cli_error(&err);
    if (year_s) {
        int64_t v;
        if (!kf_parse_i64(year_s, &v) || v < 1900 || v > 9999)
            return cli_errorf(KF_BAD_INPUT, "--year '%s' is not a calendar year like 2026", year_s);
        year = (int)v;
    }
    int bad = check_out(cli, out, force);
    if (bad) return bad;
    if (cli_open_verified(cli, &l, "no statement written", &err) ||
        kf_member_statement_load(l, pos[0], fy, year, lang, &st, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    kf_code rc = kf_member_statement_xlsx(&st, out, &err);
    if (rc) {
        kf_member_statement_free(&st);
        return cli_error(&err);
    }
    int code = 0;
    if (cli->json) {
        kf_buf b = {0};
        kf_buf_puts(&b, "{\"member\":");
        kf_buf_json_str(&b, st.member.id);
        if (fy)
            kf_buf_printf(&b, ",\"fy\":%d", fy);
        else
            kf_buf_printf(&b, ",\"year\":%d", year);
        kf_buf_printf(&b, ",\"donations\":%zu,\"voided\":%zu,\"total\":%lld,", st.nlines, st.voided,
                      (long long)st.total);
        if (fy) kf_buf_printf(&b, "\"status\":\"%s\",", st.member.active ? "active" : "lapsed");
        kf_buf_puts(&b, "\"file\":");
        kf_buf_json_str(&b, out);
        kf_buf_puts(&b, "}");
        code = cli_print_json(&b);
        kf_buf_free(&b);
    } else if (fy) {
        printf("member %s FY %d: %zu donation%s, %lld yen (%s) written to %s\n", st.member.id, fy,
               st.nlines, PL(st.nlines), (long long)st.total,
               st.member.active ? "active" : "lapsed", out);
    } else {
        printf("member %s year %d: %zu donation%s, %lld yen written to %s\n", st.member.id, year,
               st.nlines, PL(st.nlines), (long long)st.total, out);
    }
    kf_member_statement_free(&st);
    return code;
}

static void audit_progress(void *ctx, int64_t done, int64_t total)
{
    (void)total;
    cli_bar_update(ctx, (uint64_t)done);
}

/* Ledgers smaller than this export in a blink: no progress bar. */
#define AUDIT_PROGRESS_MIN 50000

int cmd_export_audit(kf_cli *cli, int argc, char **argv)
{
    const char *fy_s = NULL, *out = NULL, *lang_s = NULL, *pos[1];
    bool force = false;
    bool sign = false;
    const kf_opt opts[] = {{"fy", OPT_VALUE, &fy_s},    {"out", OPT_VALUE, &out},
                           {"force", OPT_FLAG, &force}, {"lang", OPT_VALUE, &lang_s},
                           {"sign", OPT_FLAG, &sign},   {NULL, 0, NULL}};
    int npos, fy;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_signer signer;
    kf_audit_opts ao = {.lang = KF_STATEMENT_JA};
    kf_audit_result res;
    cli_bar bar;
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if (!fy_s || !out || !*out)
        return cli_errorf(
            KF_BAD_INPUT,
            "usage: kifu export audit --fy Y --out FILE.xlsx [--force] [--lang ja|en] [--sign]");
    if (lang_s && !kf_statement_lang_parse(lang_s, &ao.lang))
        return cli_errorf(KF_BAD_INPUT, "--lang '%s' must be ja or en", lang_s);
    if (!cli_fy(NULL, fy_s, &fy, &err)) return cli_error(&err);
    ao.fy = fy;
    int bad = check_out(cli, out, force);
    if (bad) return bad;
    memset(&signer, 0, sizeof signer);
    kf_code rc = cli_open(cli, &l, &err);
    if (!rc && sign && !(rc = cli_signer(cli, &signer, &err))) ao.signer = &signer;
    if (!rc) {
        kf_ledger_info info;
        if (!(rc = kf_ledger_get_info(l, &info, &err))) {
            char label[64];
            snprintf(label, sizeof label, "exporting FY %d", fy);
            cli_bar_init(&bar, label, (uint64_t)info.size, info.size >= AUDIT_PROGRESS_MIN);
            ao.on_progress = audit_progress;
            ao.ctx = &bar;
            rc = kf_audit_xlsx(l, &ao, out, &res, &err);
            cli_bar_clear(&bar);
        }
    }
    sodium_memzero(&signer, sizeof signer);
    kf_ledger_close(l);
    if (rc) return cli_error(&err);
    int code = 0;
    if (cli->json) {
        kf_buf b = {0};
        kf_buf_printf(&b,
                      "{\"fy\":%d,\"donations\":%lld,\"voided\":%lld,\"donated\":%lld,"
                      "\"applications\":%lld,\"entries\":%lld,\"verified\":%s,\"root\":\"%s\","
                      "\"sheets\":%d,\"file\":",
                      fy, (long long)res.donations, (long long)res.voided, (long long)res.donated,
                      (long long)res.applications, (long long)res.ledger_rows,
                      res.verified ? "true" : "false", res.root_hex, res.sheets);
        kf_buf_json_str(&b, out);
        kf_buf_puts(&b, "}");
        code = cli_print_json(&b);
        kf_buf_free(&b);
    } else {
        printf("FY %d: %lld donation%s (%lld voided, %lld yen net), %lld application%s, %lld "
               "ledger entr%s; verification %s; written to %s\n",
               fy, (long long)res.donations, PL(res.donations), (long long)res.voided,
               (long long)res.donated, (long long)res.applications, PL(res.applications),
               (long long)res.ledger_rows, res.ledger_rows == 1 ? "y" : "ies",
               res.verified ? "passed" : "FAILED", out);
    }
    if (!res.verified) {
        /* The workbook is written (it says what is wrong), but the export
         * fails as kifu verify does. */
        fprintf(stderr, "kifu: verification failed: the workbook's 検証 (Verification) sheet says "
                        "why\n");
        return code ? code : 1;
    }
    return code;
}

/* kifu export group|partner ID --fy Y --out FILE.xlsx [--force] [--lang ja|en] */
static int export_party(kf_cli *cli, int argc, char **argv, bool group)
{
    const char *fy_s = NULL, *out = NULL, *lang_s = NULL, *pos[1];
    bool force = false;
    const kf_opt opts[] = {{"fy", OPT_VALUE, &fy_s},
                           {"out", OPT_VALUE, &out},
                           {"force", OPT_FLAG, &force},
                           {"lang", OPT_VALUE, &lang_s},
                           {NULL, 0, NULL}};
    const char *what = group ? "group" : "partner";
    int npos, fy;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_statement_lang lang = KF_STATEMENT_JA;
    kf_statement_result res;
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !fy_s || !out || !*out)
        return cli_errorf(
            KF_BAD_INPUT,
            "usage: kifu export %s ID --fy Y --out FILE.xlsx [--force] [--lang ja|en]", what);
    if (lang_s && !kf_statement_lang_parse(lang_s, &lang))
        return cli_errorf(KF_BAD_INPUT, "--lang '%s' must be ja or en", lang_s);
    if (!cli_fy(NULL, fy_s, &fy, &err)) return cli_error(&err);
    int bad = check_out(cli, out, force);
    if (bad) return bad;
    kf_code rc = cli_open_verified(cli, &l, "no statement written", &err);
    if (!rc)
        rc = group ? kf_group_statement_xlsx(l, pos[0], fy, lang, out, &res, &err)
                   : kf_partner_statement_xlsx(l, pos[0], fy, lang, out, &res, &err);
    kf_ledger_close(l);
    if (rc) return cli_error(&err);
    int code = 0;
    if (cli->json) {
        kf_buf b = {0};
        kf_buf_printf(&b, "{\"%s\":", what);
        kf_buf_json_str(&b, pos[0]);
        kf_buf_printf(&b, ",\"fy\":%d,\"%s\":%lld,\"voided\":%lld,\"total\":%lld,", fy,
                      group ? "donations" : "payments", (long long)res.lines, (long long)res.voided,
                      (long long)res.total);
        if (group)
            kf_buf_printf(&b, "\"applications\":%lld,\"approved\":%lld,\"paid\":%lld,",
                          (long long)res.applications, (long long)res.approved,
                          (long long)res.paid);
        else
            kf_buf_printf(&b, "\"pledged\":%lld,\"outstanding\":%lld,", (long long)res.pledged,
                          (long long)res.outstanding);
        kf_buf_puts(&b, "\"file\":");
        kf_buf_json_str(&b, out);
        kf_buf_puts(&b, "}");
        code = cli_print_json(&b);
        kf_buf_free(&b);
    } else if (group) {
        printf("group %s FY %d: %lld donation%s, %lld yen to its pool; %lld application%s "
               "(approved %lld, paid %lld) written to %s\n",
               pos[0], fy, (long long)res.lines, PL(res.lines), (long long)res.total,
               (long long)res.applications, PL(res.applications), (long long)res.approved,
               (long long)res.paid, out);
    } else {
        printf("partner %s FY %d: pledged %lld, %lld payment%s of %lld yen, outstanding %lld "
               "written to %s\n",
               pos[0], fy, (long long)res.pledged, (long long)res.lines, PL(res.lines),
               (long long)res.total, (long long)res.outstanding, out);
    }
    return code;
}

int cmd_export_group(kf_cli *cli, int argc, char **argv)
{
    return export_party(cli, argc, argv, true);
}

int cmd_export_partner(kf_cli *cli, int argc, char **argv)
{
    return export_party(cli, argc, argv, false);
}
