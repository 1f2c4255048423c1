/*
 * kifu receipt: issue a certificate (寄附金受領証明書, 受領書 for a partner's
 * payment) — record its receipt.issue entry, then write it as PDF or text
 * with its proof; kifu receipt list: the register of certificates issued;
 * kifu verify-receipt: check one with no database (docs/FORMAT.md
 * "Receipts").
 */
#include "cli.h"
#include "kifu/report.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

static bool is_pdf(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n > 4 && strcasecmp(path + n - 4, ".pdf") == 0;
}

static void put_issued_json(kf_buf *b, const kf_cert_issued *c, const kf_receipt *r,
                            const char *out)
{
    kf_buf_printf(b,
                  "{\"seq\":%lld,\"number\":\"%s\",\"fy\":%lld,\"reissue_of\":", (long long)c->seq,
                  c->number_text, (long long)c->fy);
    if (*c->reissue_of)
        kf_buf_json_str(b, c->reissue_of);
    else
        kf_buf_puts(b, "null");
    kf_buf_printf(b, ",\"amount\":%lld,\"gifts\":[", (long long)r->sum->amount);
    for (size_t i = 0; i < r->sum->ngifts; i++)
        kf_buf_printf(b, "%s%lld", i ? "," : "", (long long)r->sum->gifts[i].seq);
    kf_buf_puts(b, "],\"title\":");
    kf_buf_json_str(b, r->sum->title);
    kf_buf_puts(b, ",\"file\":");
    kf_buf_json_str(b, out ? out : "-");
    kf_buf_printf(b, ",\"qr_chars\":%zu,\"qr_full\":%s}", r->qr.len, r->qr_full ? "true" : "false");
}

int cmd_receipt(kf_cli *cli, int argc, char **argv)
{
    const char *out = NULL, *member = NULL, *year_s = NULL, *date_s = NULL, *copy_s = NULL, *pos[1];
    int npos, code = 0;
    bool force = false, reissue = false;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_txn *t = NULL;
    kf_signer signer;
    kf_receipt r = {0};
    kf_buf pdf = {0};
    kf_cert_request req = {0};
    kf_cert_issued issued = {0};
    int64_t year = 0, copy = 0;
    const kf_opt opts[] = {{"out", OPT_VALUE, &out},       {"force", OPT_FLAG, &force},
                           {"member", OPT_VALUE, &member}, {"year", OPT_VALUE, &year_s},
                           {"date", OPT_VALUE, &date_s},   {"reissue", OPT_FLAG, &reissue},
                           {"copy", OPT_VALUE, &copy_s},   {NULL, 0, NULL}};
    memset(&signer, 0, sizeof signer);
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    bool annual = member || year_s;
    if ((npos == 1) + annual + (copy_s != NULL) != 1 || (annual && (!member || !year_s)) ||
        (copy_s && (reissue || date_s)))
        return cli_errorf(KF_BAD_INPUT,
                          "usage: kifu receipt SEQ | --member ID --year Y | --copy CERTSEQ "
                          "--out FILE[.pdf] [--date D] [--reissue] [--force]");
    if ((npos == 1 && !cli_int("SEQ", pos[0], 1, &req.gift, &err)) ||
        (annual && !cli_int("--year", year_s, 1900, &year, &err)) ||
        (copy_s && !cli_int("--copy", copy_s, 1, &copy, &err)) ||
        (!copy_s && !cli_date("--date", date_s, req.date, &err)))
        return cli_error(&err);
    if (year > 9999) return cli_errorf(KF_BAD_INPUT, "--year %s is not a year", year_s);
    req.member = member;
    req.year = (int)year;
    req.reissue = reissue;
    /* a certificate is issued (or written again) only from a ledger that
     * passes the whole verification */
    if (cli_out_check(cli, out, "--out", force, &err) ||
        cli_open_verified(cli, &l, "no certificate issued", &err) ||
        cli_signer(cli, &signer, &err)) {
        code = cli_error(&err);
        goto out;
    }
    if (!copy) {
        kf_code rc;
        if ((rc = kf_txn_begin(l, &signer, &t, &err)) ||
            (rc = kf_don_cert_issue(t, &req, &issued, &err))) {
            if (t) kf_txn_abort(t);
            code = cli_error(&err);
            goto out;
        }
        if ((rc = kf_txn_commit(t, NULL, &err))) {
            code = cli_error(&err);
            goto out;
        }
        copy = issued.seq;
    }
    if (kf_receipt_make(l, &signer, copy, &r, &err) ||
        (is_pdf(out) && kf_receipt_pdf(&r, &pdf, &err)) ||
        cli_write_out(out, is_pdf(out) ? &pdf : &r.text, &err)) {
        code = cli_error(&err);
        if (issued.seq)
            fprintf(stderr,
                    "kifu: certificate 第 %s 号 is recorded (seq %lld); write it again with kifu "
                    "receipt --copy %lld --out FILE\n",
                    issued.number_text, (long long)issued.seq, (long long)issued.seq);
        goto out;
    }
    if (!issued.seq) {
        snprintf(issued.number_text, sizeof issued.number_text, "%s", r.sum->number);
        issued.fy = strtoll(r.sum->number, NULL, 10);
        snprintf(issued.reissue_of, sizeof issued.reissue_of, "%s", r.sum->reissue_of);
        issued.seq = copy;
    }
    if (cli->json) {
        kf_buf b = {0};
        put_issued_json(&b, &issued, &r, out);
        if (out) code = cli_print_json(&b);
        kf_buf_free(&b);
    } else if (out) {
        printf("seq %lld: %s 第 %s 号%s%s%s for %s, %lld yen, written to %s\n",
               (long long)issued.seq, r.sum->title, issued.number_text,
               *issued.reissue_of ? " (再発行, replaces 第 " : "", issued.reissue_of,
               *issued.reissue_of ? " 号)" : "", r.sum->donor_name, (long long)r.sum->amount, out);
    }
out:
    sodium_memzero(&signer, sizeof signer);
    kf_receipt_free(&r);
    if (pdf.data) sodium_memzero(pdf.data, pdf.len);
    kf_buf_free(&pdf);
    kf_ledger_close(l);
    return code;
}

int cmd_receipt_list(kf_cli *cli, int argc, char **argv)
{
    const char *fy_s = NULL, *pos[1];
    const kf_opt opts[] = {{"fy", OPT_VALUE, &fy_s}, {NULL, 0, NULL}};
    int npos;
    int64_t fy = 0;
    kf_err err = {0};
    kf_ledger *l = NULL;
    kf_cert_ref *c = NULL;
    size_t n = 0;
    CLI_PARSE(cli, argc, argv, opts, pos, 0, npos);
    if ((fy_s && !cli_int("--fy", fy_s, 1900, &fy, &err)) || cli_open(cli, &l, &err) ||
        kf_don_certs(l, 0, &c, &n, &err)) {
        kf_ledger_close(l);
        return cli_error(&err);
    }
    kf_ledger_close(l);
    kf_buf b = {0};
    cli_list_begin(cli, &b, "{\"certificates\":[");
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (fy && c[i].fy != fy) continue;
        cli_list_item(cli, &b, shown++);
        if (cli->json) {
            kf_buf_printf(&b,
                          "{\"seq\":%lld,\"number\":\"%s\",\"fy\":%lld,\"date\":\"%s\","
                          "\"source\":",
                          (long long)c[i].seq, c[i].number_text, (long long)c[i].fy, c[i].date);
            kf_buf_json_str(&b, c[i].source);
            kf_buf_printf(&b, ",\"gifts\":%lld,\"amount\":%lld,\"year\":", (long long)c[i].gifts,
                          (long long)c[i].amount);
            if (c[i].year)
                kf_buf_printf(&b, "%lld", (long long)c[i].year);
            else
                kf_buf_puts(&b, "null");
            kf_buf_puts(&b, ",\"reissue_of\":");
            if (*c[i].reissue_of)
                kf_buf_json_str(&b, c[i].reissue_of);
            else
                kf_buf_puts(&b, "null");
            kf_buf_puts(&b, "}");
        } else {
            kf_buf_printf(&b, "第 %s 号  seq %-6lld %s  %-16s %3lld gift%s %12lld yen%s%s\n",
                          c[i].number_text, (long long)c[i].seq, c[i].date, c[i].source,
                          (long long)c[i].gifts, c[i].gifts == 1 ? " " : "s",
                          (long long)c[i].amount, *c[i].reissue_of ? "  再発行 of " : "",
                          c[i].reissue_of);
        }
    }
    free(c);
    return cli_list_end(cli, &b);
}

static void put_summary_json(kf_buf *b, const kf_receipt_summary *s)
{
    kf_buf_printf(b, "{\"ok\":true,\"seq\":%lld,\"number\":\"%s\",\"title\":", (long long)s->seq,
                  s->number);
    kf_buf_json_str(b, s->title);
    kf_buf_puts(b, ",\"reissue_of\":");
    if (*s->reissue_of)
        kf_buf_json_str(b, s->reissue_of);
    else
        kf_buf_puts(b, "null");
    kf_buf_printf(b, ",\"date\":\"%s\",\"amount\":%lld,\"donor_name\":", s->date,
                  (long long)s->amount);
    kf_buf_json_str(b, s->donor_name);
    kf_buf_puts(b, ",\"donor_address\":");
    kf_buf_json_str(b, s->donor_address);
    kf_buf_puts(b, ",\"source\":");
    kf_buf_json_str(b, s->source);
    kf_buf_puts(b, ",\"gifts\":[");
    for (size_t i = 0; i < s->ngifts; i++)
        kf_buf_printf(b, "%s{\"seq\":%lld,\"date\":\"%s\",\"amount\":%lld,\"entry\":%s}",
                      i ? "," : "", (long long)s->gifts[i].seq, s->gifts[i].date,
                      (long long)s->gifts[i].amount, s->proven[i] ? "true" : "false");
    kf_buf_puts(b, "],\"designation\":");
    kf_buf_json_str(b, s->designation);
    kf_buf_puts(b, ",\"fund\":");
    kf_buf_json_str(b, s->fund_name);
    kf_buf_puts(b, ",\"issuer\":");
    kf_buf_json_str(b, s->issuer_name);
    kf_buf_puts(b, ",\"issuer_title\":");
    kf_buf_json_str(b, s->issuer_title);
    kf_buf_puts(b, ",\"origin\":");
    kf_buf_json_str(b, s->origin);
    kf_buf_printf(b, ",\"size\":%lld,\"signer\":", (long long)s->size);
    kf_buf_json_str(b, s->signer);
    kf_buf_puts(b, "}");
}

/* Reads FILE, or standard input for "-". */
static kf_code read_input(const char *path, kf_buf *in, kf_err *err)
{
    if (strcmp(path, "-") != 0) return cli_read_file(path, in, KF_RECEIPT_MAX, err);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        if (in->len + n > KF_RECEIPT_MAX)
            return kf_fail(err, KF_BAD_INPUT, "standard input is too large for a receipt");
        if (!kf_buf_put(in, chunk, n)) return kf_fail(err, KF_SYSTEM, "out of memory");
    }
    if (ferror(stdin)) return kf_fail(err, KF_SYSTEM, "cannot read standard input");
    return kf_buf_puts(in, "") ? KF_OK : kf_fail(err, KF_SYSTEM, "out of memory");
}

int cmd_verify_receipt(kf_cli *cli, int argc, char **argv)
{
    const char *vkey = NULL, *pos[1];
    int npos;
    kf_err err = {0};
    kf_buf in = {0};
    const kf_opt opts[] = {{"origin-key", OPT_VALUE, &vkey}, {NULL, 0, NULL}};
    CLI_PARSE(cli, argc, argv, opts, pos, 1, npos);
    if (npos != 1 || !vkey)
        return cli_errorf(KF_BAD_INPUT, "usage: kifu verify-receipt FILE|- --origin-key VKEY");
    kf_receipt_summary *s = malloc(sizeof *s);
    if (!s) return cli_errorf(KF_SYSTEM, "out of memory");
    if (read_input(pos[0], &in, &err)) {
        free(s);
        kf_buf_free(&in);
        return cli_error(&err);
    }
    kf_code rc = kf_receipt_verify(in.data ? in.data : "", in.len, vkey, s, &err);
    if (in.data) sodium_memzero(in.data, in.len);
    kf_buf_free(&in);
    int code = 0;
    if (rc) {
        if (cli->json) {
            kf_buf b = {0};
            kf_buf_puts(&b, "{\"ok\":false,\"error\":");
            kf_buf_json_str(&b, err.msg);
            kf_buf_puts(&b, "}");
            code = cli_print_json(&b);
            kf_buf_free(&b);
        }
        if (!code) code = cli_errorf(rc, "receipt %s: %s", pos[0], err.msg);
    } else if (cli->json) {
        kf_buf b = {0};
        put_summary_json(&b, s);
        code = cli_print_json(&b);
        kf_buf_free(&b);
    } else {
        printf("ok: %s 第 %s 号%s%s%s (seq %lld), issued %s\n", s->title, s->number,
               *s->reissue_of ? " (再発行 of 第 " : "", s->reissue_of, *s->reissue_of ? " 号)" : "",
               (long long)s->seq, s->date);
        printf("donor: %s %s, %s\n", s->donor_name, s->company ? "御中" : "様", s->donor_address);
        printf("amount: %lld yen to %s\n", (long long)s->amount, s->designation);
        for (size_t i = 0; i < s->ngifts; i++)
            printf("gift: seq %lld, %s, %lld yen%s\n", (long long)s->gifts[i].seq, s->gifts[i].date,
                   (long long)s->gifts[i].amount,
                   s->proven[i] ? " (its entry is in the receipt and agrees)" : "");
        printf("issuer: %s %s, %s, %s\n", s->issuer_title, s->issuer_name, s->issuer_address,
               s->issuer_phone);
        printf("in the books of %s: origin %s, tree size %lld, checkpoint signed by %s\n",
               s->fund_name, s->origin, (long long)s->size, s->signer);
    }
    sodium_memzero(s, sizeof *s);
    free(s);
    return code;
}
